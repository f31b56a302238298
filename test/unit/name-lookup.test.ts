// Bare names compile to inline reads (docs/decisions.md, "Per-render cost, fourth pass"): the
// scope chain and the data are read at the call site, `ld` finishes. They must find exactly what
// the general lookup (`lk`/`lkg`, runtime/ops.ts) finds, on any data a host may pass.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lkg, missing } from '../../runtime/ops.js';
import { newContext } from '../../runtime/template.js';
import { pyStr } from '../../runtime/values.js';
import { escapeString } from '../../runtime/markup.js';
import { makeEnv, renderAll } from '../support.js';

const NAMES = ['a', 'b', 'items', 'range', 'k'];
// (`range` is a global function: only whether it is defined is printed)
const SRC = NAMES.map((n) => `{{ ${n} is defined }}:` + (n === 'range' ? 'R' : `{{ ${n} ?? 'N' }}`)).join('|');

/** A value the template prints the same whichever path found it. */
const value = fc.oneof(fc.string({ maxLength: 4 }), fc.integer(), fc.constant(null), fc.constant(undefined), fc.constant('<&>'));

/** One way a host hands a key to the render: visible or not, and how. */
type Put = 'own' | 'hidden' | 'getter' | 'inherited';
const put = fc.constantFrom<Put>('own', 'hidden', 'getter', 'inherited');

/** Data of every hostile shape: plain, null prototype, class instance, JSON with `__proto__`, Map. */
const data = fc
  .tuple(
    fc.constantFrom('plain', 'null', 'class', 'json', 'map'),
    fc.array(fc.tuple(fc.constantFrom(...NAMES, '__proto__', 'constructor'), put, value), { maxLength: 8 }),
  )
  .map(([kind, entries]) => {
    if (kind === 'map') return new Map(entries.map(([k, , v]) => [k, v]));
    const proto: Record<string, unknown> = {};
    const o: Record<string, unknown> =
      kind === 'null' ? Object.create(null) : kind === 'class' ? new (class Thing {})() : kind === 'json' ? JSON.parse('{"__proto__": "p"}') : Object.create(proto);
    for (const [k, how, v] of entries) {
      if (how === 'own') Object.defineProperty(o, k, { value: v, enumerable: true, configurable: true, writable: true });
      else if (how === 'hidden') Object.defineProperty(o, k, { value: v, enumerable: false, configurable: true });
      else if (how === 'getter') Object.defineProperty(o, k, { get: () => v, enumerable: true, configurable: true });
      else proto[k] = v;
    }
    return o;
  });

/** What the general lookup gives for the template above. */
function expected(d: unknown): string {
  const env = makeEnv();
  const ctx = newContext(env.globals as Record<string, unknown>, d);
  return NAMES.map((n) => {
    const v = lkg(ctx, n);
    const shown = n === 'range' ? 'R' : missing(v) ? 'N' : escapeString(pyStr(v));
    return `${missing(v) ? 'False' : 'True'}:${shown}`;
  }).join('|');
}

describe('inline name reads agree with lk on hostile data', () => {
  it('property: own, non-enumerable, getter, inherited keys; null-prototype, class, JSON and Map data', () => {
    const t = makeEnv().fromString(SRC);
    fc.assert(
      fc.property(data, (d) => {
        expect(t.render(d as never)).toBe(expected(d));
      }),
      { numRuns: 400 },
    );
  });

  it('property: the inline read follows the rule itself (own keys, hasOwnProperty) on proxies, arrays, strings and throwing getters', () => {
    const names = ['a', 'k', 'length', 'constructor', '__proto__', 'range'];
    const src = names.map((n) => `{{ ${n} is defined }}:` + (n === 'range' ? 'R' : `{{ ${n} ?? 'N' }}`)).join('|');
    const t = makeEnv().fromString(src);
    const globals = makeEnv().globals as Record<string, unknown>;
    /** What the rule gives, written out: the data's own key whose value is not undefined, else a global. */
    const byRule = (d: unknown): string => {
      const o = (d instanceof Map ? Object.fromEntries(d) : Object(d)) as Record<string, unknown>;
      return names
        .map((n) => {
          const own = Object.prototype.hasOwnProperty.call(o, n) && o[n] !== undefined;
          const v = own ? o[n] : n in globals ? globals[n] : undefined;
          const shown = n === 'range' ? 'R' : v == null ? 'N' : escapeString(pyStr(v));
          return `${v == null ? 'False' : 'True'}:${shown}`; // (None is not defined either)
        })
        .join('|');
    };
    const hostile = fc
      .tuple(
        fc.constantFrom('plain', 'null', 'class', 'json', 'proxy', 'array', 'string'),
        fc.array(fc.tuple(fc.constantFrom(...names), fc.constantFrom('own', 'hidden', 'getter', 'inherited', 'throws'), value), { maxLength: 6 }),
      )
      .map(([kind, entries]) => {
        if (kind === 'string') return 'ab';
        const proto: Record<string, unknown> = {};
        const base: Record<string, unknown> =
          kind === 'null' ? Object.create(null) : kind === 'class' ? new (class Thing {})() : kind === 'json' ? JSON.parse('{"__proto__": "p"}') : kind === 'array' ? (['x', 'y'] as never) : Object.create(proto);
        let throws = false;
        for (const [k, how, v] of entries) {
          if (k === 'length' && kind === 'array') continue; // (an array's length stays its length)
          if (how === 'inherited') proto[k] = v;
          else if (how === 'throws') throws = !!Object.defineProperty(base, k, { get: () => { throw new Error('getter ' + k); }, enumerable: true, configurable: true });
          else Object.defineProperty(base, k, how === 'getter' ? { get: () => v, enumerable: true, configurable: true } : { value: v, enumerable: how === 'own', configurable: true, writable: true });
        }
        return { d: kind === 'proxy' ? new Proxy(base, {}) : base, throws };
      });
    fc.assert(
      fc.property(hostile, (h) => {
        const d = typeof h === 'string' ? h : h.d;
        let want: string;
        try {
          want = byRule(d);
        } catch (e) {
          // (a getter that throws: the render fails with it, at the template's line)
          expect(() => t.render(d as never)).toThrow(/getter/);
          return;
        }
        expect(t.render(d as never)).toBe(want);
        expect([...t.renderStream(d as never)].join('')).toBe(want);
      }),
      { numRuns: 400 },
    );
  });

  it('a binding set to None shadows the data, in every way the template renders', async () => {
    const src = '{% set a = none %}{{ a ?? "none" }}|{{ a is defined }}|{% with b = none %}{{ b is none }}{% end %}|{{ b }}';
    expect(await renderAll(src, { a: 'data', b: 'B' })).toBe('none|False|True|B');
  });

  it('a getter in the data is not run while a binding shadows it', () => {
    let runs = 0;
    const d = Object.defineProperty({}, 'a', { get: () => (runs++, 'g'), enumerable: true });
    expect(makeEnv().fromString('{% set a = none %}{{ a ?? "n" }}{{ a is defined }}').render(d)).toBe('nFalse');
    expect(runs).toBe(0);
    expect(makeEnv().fromString('{{ a }}{{ a }}').render(d)).toBe('gg');
    // (once per stretch of a part: the second read is the kept value, codegen/name-cache.ts; a
    // sync render that succeeds reads the data no more)
    expect(runs).toBe(1);
    expect([...makeEnv().fromString('{{ a }}').renderStream(d)].join('')).toBe('g');
    expect(runs).toBe(3); // (a stream also observes the names it reads at its start)
  });

  it('def parameters are read from the call scope: over data and globals, rebound by set', async () => {
    const src = '{% def f(a, range=2) %}{{ a }}{{ range }}{% set a = none %}{{ a ?? "n" }}{% end %}{{ f(1) }}|{{ f(none, range=3) }}|{{ a }}';
    expect(await renderAll(src, { a: 'D', range: 'R' })).toBe('12n|None3n|D');
  });

  it('Object.prototype names still read only the data', async () => {
    const d = JSON.parse('{"constructor": "c", "toString": "s"}') as Record<string, unknown>;
    expect(await renderAll('{{ constructor }}{{ toString }}{{ valueOf is defined }}', d)).toBe('csFalse');
  });
});
