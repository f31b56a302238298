// Issue #19, eighth red team (default mode, compat: 'nunjucks' and the sandbox): attacks that
// worked on what had landed, each kept as a test of its class, through every entry point.
// - §1 Nunjucks slices (`a[start:stop:step]`, jinja-compat): an index that is not a number (a NaN
//   start, a string start from data that `+=` a negative step turns into "2-1") made the ported
//   loop run forever, growing its array until V8 aborted the process; a `length` from data
//   (`{length: 1e10}`) did the same by size. Both modes' sandboxes too.
// - §1 renderBlock of a template whose parents form a cycle (A extends B extends A): the chain of
//   parents was collected without bound (V8's fatal "invalid array length"; the Nunjucks prelude
//   of a dynamic extends looped forever, or overflowed the stack when two picked each other).
// - §1 Nunjucks mode, an async conversion method (toString, valueOf, Symbol.toPrimitive) of an
//   object given to a String/Array method (`"a".concat(x)`, `s.split(x)`, `[x].join("-")`,
//   `xs.join(x)`, `"abc".slice(x)`) or to the filters/globals that convert it (`replace`, `sort`,
//   `sum`, `range`): V8 converted it and dropped the promise; the rejection ended the process.
// - §1 the same in default mode: Kida's string method shims (`replace`, `split`, `strip`, `center`,
//   `partition`, …) and dict lookups by an object key (`d.get(x)`, `setdefault`, `update`) took
//   the argument's text with String(), inside which V8 dropped the promise.
// - §1 a stream left early (return(), throw(), or never read again) of a template that extends a
//   layout or includes a template reading a promise the template itself never names: only the
//   names the template read were observed at its start, so that rejection ended the process.
// - §5 host mutation with allowMutatingMethods: false: ArrayBuffer `resize`/`transfer`,
//   RegExp `compile`, and `exec`/`test` of a global or sticky RegExp (they move its lastIndex),
//   called or read as a value, reached host data in both modes.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DictLoader, Environment } from '../../compiler/environment.js';
import { getslice } from '../../runtime/nunjucks/slice.js';
import { njkEscape } from '../../runtime/nunjucks/values.js';
import { AsyncPrim, AsyncText, orError, textOrError } from './every-way.js';
import { expectNoUnhandledRejections } from '../support.js';
import { distUrl, runStrict } from './strict-child.js';
import { everyWay as kidaWays } from './sandbox-support.js';
import { everyWay as njkWays } from './nunjucks-support.js';

type Ctx = Record<string, unknown>;
const show = (r: string | Error): string => (r instanceof Error ? `${r.name}: ${r.message.split('\n')[0]}` : r);

/** Every entry point of `src` (a block twin for renderBlock), each with fresh data. */
async function every(env: Environment, src: string, ctx: () => Ctx = () => ({})): Promise<string[]> {
  const t = env.fromString(src);
  const b = env.fromString(`{% block b %}${src}{% ${env.compat ? 'endblock' : 'end'} %}`);
  return [
    await textOrError(() => t.render(ctx())),
    await textOrError(() => t.renderStream(ctx())),
    await textOrError(() => t.renderAsync(ctx())),
    await textOrError(() => t.renderStreamAsync(ctx())),
    await textOrError(() => b.renderBlock('b', ctx())),
    await textOrError(() => b.renderBlockStream('b', ctx())),
    await textOrError(() => b.renderBlockAsync('b', ctx())),
  ].map(show);
}
const njkOf = (sandbox: boolean, templates: Record<string, string> = {}) =>
  new Environment({ compat: 'nunjucks', sandbox, loader: new DictLoader(templates) });

/**
 * Nunjucks 3.2.4's sliceLookup (its jinja-compat), run at most `cap` iterations: null if it had
 * not ended (the lists here are short: a loop still running after 200 never ends; a string index
 * grows a character per iteration, so a larger cap only costs time).
 */
function nunjucksSlice(obj: unknown, start: unknown, stop: unknown, step: unknown, cap = 200): unknown[] | null {
  const o = (obj || []) as { length: number; [i: number]: unknown };
  let a = start as number;
  let b = stop as number;
  const st = step as number;
  if (a === null) a = st < 0 ? o.length - 1 : 0;
  if (b === null) b = st < 0 ? -1 : o.length;
  else if (b < 0) b += o.length;
  if (a < 0) a += o.length;
  const out: unknown[] = [];
  for (let i = a, n = 0; ; i += st) {
    if (++n > cap) return null;
    if (i < 0 || i > o.length) break;
    if (st > 0 && i >= b) break;
    if (st < 0 && i <= b) break;
    out.push(o[i]);
  }
  return out;
}

describe('Nunjucks slices end where Nunjucks would loop forever (both sandboxes)', () => {
  for (const sandbox of [false, true]) {
    const env = njkOf(sandbox);
    it(`sandbox ${sandbox}: an index that is not a number stops the slice`, async () => {
      for (const [src, want] of [
        ['{{ "abcdef"[(0/0):] }}|{{ "abcdef"[1:(0/0)] }}', '|b,c,d,e,f,'],
        ['{{ "abcdef"[n::-1] }}|{{ "abcdef"[n:] }}', 'c|c'], // (n = "2": "2" + -1 is "2-1"; "2" + 1 is "21")
        ['{{ xs[n::-1]|length }}', '1'],
      ] as const)
        expect(await every(env, src, () => ({ n: '2', xs: [1, 2, 3, 4] }))).toEqual(Array(7).fill(want));
    });
    it(`sandbox ${sandbox}: a length from data is as many items as the slice reads, bounded`, async () => {
      // (one entry point: each builds 2^24 items before it is refused; the child below has the rest)
      const r = await textOrError(() => env.fromString('{{ x[0:]|length }}').render({ x: JSON.parse('{"length": 1e10}') }));
      expect(show(r)).toMatch(/^SecurityError: .*exceeds/);
      expect(await every(env, '{{ x[0:3]|length }}', () => ({ x: { length: 1e10 } }))).toEqual(Array(7).fill('3'));
    });
  }
  it('a safe string slices as its characters, escaped when output (as a SafeString in Nunjucks)', async () => {
    expect(await every(njkOf(false), '{{ (m|safe)[0:2] }}', () => ({ m: '<b>' }))).toEqual(Array(7).fill('&lt;,b'));
  });
  it('property: the same items as Nunjucks wherever its loop ends; always an end', () => {
    const index = fc.oneof(fc.constant(null), fc.integer({ min: -8, max: 8 }), fc.constant(NaN), fc.constantFrom('0', '2', '-1', 'x'));
    fc.assert(
      fc.property(fc.array(fc.integer(), { maxLength: 6 }), index, index, fc.integer({ min: -3, max: 3 }).filter((s) => s !== 0), (xs, a, b, st) => {
        const want = nunjucksSlice(xs, a, b, st);
        const got = getslice(xs, a, b, st);
        if (want) expect(got).toEqual(want);
        else expect(got.length).toBeLessThanOrEqual(xs.length + 1);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('renderBlock of a template in an inheritance cycle ends', () => {
  const cyc = (end: string, ext: (to: string) => string) => ({
    P: `${ext('Q')}{% block b %}P{% ${end} %}`,
    Q: `${ext('P')}{% block b %}Q{% ${end} %}`,
    S: `${ext('S')}{% block b %}S{% ${end} %}`,
  });
  const envs: [string, Environment][] = [
    ['kida', new Environment({ loader: new DictLoader(cyc('end', (t) => `{% extends "${t}" %}`)) })],
    ['kida sandbox', new Environment({ sandbox: true, loader: new DictLoader(cyc('end', (t) => `{% extends "${t}" %}`)) })],
    ['nunjucks', njkOf(false, cyc('endblock', (t) => `{% extends "${t}" %}`))],
  ];
  const tooDeep = /^TemplateRuntimeError: .*Maximum extends depth exceeded \(50\)/;
  // (render() follows the cycle 50 levels; renderBlock() takes each template of the chain once)
  for (const [name, env] of envs)
    it(name, async () => {
      for (const n of ['P', 'S']) {
        const t = env.getTemplate(n);
        expect(show(await textOrError(() => t.render({})))).toMatch(tooDeep);
        for (const r of [
          await textOrError(() => t.renderBlock('b', {})),
          await textOrError(() => t.renderBlockStream('b', {})),
          await textOrError(() => t.renderBlockAsync('b', {})),
        ])
          expect(show(r)).toBe(n);
        expect(t.listBlocks()).toEqual(['b']);
      }
    });
  // (Nunjucks: a parent picked at run time whose static chain is a cycle, or which picks the child
  // back; renderBlock's prelude runs the picks and now counts them as a render counts extends)
  it('nunjucks, a parent picked at run time', async () => {
    const env = njkOf(true, {
      ...cyc('endblock', (t) => `{% extends "${t}" %}`),
      C: '{% if true %}{% extends "P" %}{% endif %}{% block b %}C{% endblock %}',
      D: '{% if true %}{% extends "E" %}{% endif %}{% block b %}D{{ super() }}{% endblock %}',
      E: '{% if true %}{% extends "D" %}{% endif %}{% block b %}E{{ super() }}{% endblock %}',
    });
    for (const n of ['C', 'D']) {
      const t = env.getTemplate(n);
      for (const r of [
        await textOrError(() => t.render({})),
        await textOrError(() => t.renderAsync({})),
        await textOrError(() => t.renderBlock('b', {})),
        await textOrError(() => t.renderBlockStream('b', {})),
        await textOrError(() => t.renderBlockAsync('b', {})),
      ])
        expect(show(r)).toMatch(tooDeep);
    }
  });
});

describe('the sandbox refuses mutators of host data beyond collections (allowMutatingMethods: false)', () => {
  const host = () => ({
    re: /a/g,
    sticky: /a/y,
    plain: /a/,
    buf: new ArrayBuffer(8, { maxByteLength: 16 }),
  });
  const calls = [
    ['{{ h.buf.resize(0) }}', 'resize'],
    ['{{ h.re.compile("b") }}', 'compile'],
    ['{{ h.re.exec("aaa") }}', 'exec'],
    ['{{ h.re.test("aaa") }}', 'test'],
    ['{{ h.sticky.test("aaa") }}', 'test'],
    ['{% set f = h.re.exec %}{{ f("aaa") }}', 'exec'],
    ['{{ h.re["test"]("aaa") }}', 'test'],
  ] as const;
  for (const [mode, ways] of [['kida', kidaWays], ['nunjucks', njkWays]] as const)
    it(mode, async () => {
      for (const [src, name] of calls) {
        const data = host();
        const all = await ways(src, () => ({ h: data }));
        for (const [way, r] of Object.entries(all)) {
          if (mode === 'kida' && src.includes('["test"]')) {
            expect(show(r), `${way} of ${src}`).toMatch(/KeyError|blocked/); // (Kida: item access is a key)
            continue;
          }
          expect(show(r), `${way} of ${src}`).toBe(`SecurityError: Access to attribute '${name}' is blocked by sandbox policy`);
        }
        expect([data.re.lastIndex, data.sticky.lastIndex, data.re.source, data.buf.byteLength]).toEqual([0, 0, 'a', 8]);
      }
      // (a RegExp that keeps no position stays usable; so do mutators when the policy allows them)
      const data = host();
      for (const r of Object.values(await ways('{{ h.plain.test("xa") }}', () => ({ h: data })))) expect(show(r)).toMatch(/^(True|true)$/);
      for (const r of Object.values(await ways('{{ h.re.test("aaa") }}', () => ({ h: host() }), { allowMutatingMethods: true }))) expect(show(r)).toMatch(/^(True|true)$/);
    });
});

describe('in a child process (an abort would end it): slices and inheritance cycles', () => {
  it('exits 0 with every render an error or a text', () => {
    const out = runStrict(
      `import { DictLoader, Environment } from ${distUrl('dist/compiler/environment.js')};
const T = { P: '{% extends "Q" %}{% block b %}P{% endblock %}', Q: '{% extends "P" %}{% block b %}Q{% endblock %}' };
const lines = [];
for (const compat of [undefined, 'nunjucks']) for (const sandbox of [false, true]) {
  const env = new Environment({ compat, sandbox, loader: new DictLoader(T) });
  const one = (f) => { try { lines.push(String(f()).length); } catch (e) { lines.push(e.name); } };
  one(() => env.getTemplate('P').renderBlock('b', {}));
  if (compat) {
    one(() => env.fromString('{{ "abc"[(0/0):] }}').render({}));
    one(() => env.fromString('{{ "abcdef"[n::-1] }}').render({ n: '2' }));
    one(() => env.fromString('{{ x[0:] }}').render({ x: JSON.parse('{"length": 1e10}') }));
  }
}
console.log(lines.join(' '));`,
      60_000,
    );
    expect(out.trim()).toBe('1 1 1 0 1 SecurityError 1 0 1 SecurityError');
  });
});

describe('Nunjucks: conversions a String/Array method or a filter makes observe an async conversion method', () => {
  expectNoUnhandledRejections();
  const sources = [
    '{{ "a".concat(x) }}', '{{ "a".replace("a", x) }}', '{{ "a".replaceAll(x, "b") }}', '{{ "a".split(x) }}', '{{ "a".indexOf(x) }}',
    '{{ "a".padStart(5, x) }}', '{{ "a".includes(x) }}', '{{ "a".localeCompare(x) }}', '{{ "a".repeat(x) }}', '{{ "abc".slice(x) }}',
    '{{ "a".at(x) }}', '{{ "a".concat([x]) }}', '{{ [x].join("-") }}', '{{ [1, 2].join(x) }}', '{{ [[x]].join() }}', '{{ [x, 1].toString() }}',
    '{{ [x, "a"].sort() }}', '{{ [1, 2].slice(x) }}', '{{ "a"|replace("a", x) }}', '{{ "a"|replace(r/a/, x) }}', '{{ x|replace(r/a/g, "b") }}',
    '{{ [x, "a"]|sort|first }}', '{{ [x]|sum }}', '{{ [1]|sum(start=x) }}', '{{ range(x) }}', '{{ range(0, x) }}',
  ];
  for (const sandbox of [false, true])
    it(`sandbox ${sandbox}: every entry point fails or renders, and the process hears of no rejection`, async () => {
      const env = njkOf(sandbox);
      for (const src of sources)
        for (const make of [() => new AsyncText(), () => new AsyncPrim()])
          for (const r of await every(env, src, () => ({ x: make() }))) expect(typeof r, src).toBe('string');
    });
  it("property: the result is JavaScript's own for objects whose conversions are synchronous", async () => {
    const env = njkOf(false);
    const calls = ['"abcdef".slice(x)', '"abc".concat(x)', '"a-b".split(x)', '"abcabc".indexOf(x, x)', '[1, x, 3].join(x)', '[3, x, 1].sort()', '"ab".padEnd(x, x)', '"abc".at(x)'];
    // (as Nunjucks prints it: undefined and null as '')
    const run = (c: string, x: unknown) => new Function('x', `const r = ${c}; return r == null ? '' : String(r)`)(x) as string;
    const prim = fc.oneof(fc.integer({ min: -4, max: 6 }), fc.constantFrom('-', 'b', '2', '', 'x1'));
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...calls), prim, prim, fc.constantFrom('toPrimitive', 'toString', 'valueOf', 'both'), async (c, p, q, how) => {
        const x =
          how === 'toPrimitive' ? { [Symbol.toPrimitive]: (h: string) => (h === 'number' ? p : q) }
          : how === 'toString' ? { toString: () => p }
          : how === 'valueOf' ? { valueOf: () => p }
          : { valueOf: () => p, toString: () => q };
        let want: string;
        try {
          want = run(c, x);
        } catch (e) {
          want = `${(e as Error).name}`;
        }
        const got = await textOrError(() => env.fromString(`{{ ${c} }}`).render({ x }));
        expect(got instanceof Error ? (/TypeError/.test(got.message) ? 'TypeError' : got.message) : got, `${c} with ${how} ${String(p)} ${String(q)}`).toBe(
          want === 'TypeError' ? want : njkEscape(want),
        );
      }),
      { numRuns: 400 },
    );
  });
});

describe("Kida: string methods and dict lookups take an object argument's text observing an async toString", () => {
  expectNoUnhandledRejections();
  const sources = [
    '{{ "a".replace("a", x) }}', '{{ "a".replace(x, "b") }}', '{{ "a".split(x) }}', '{{ "a".rsplit(x, 1) }}', '{{ "a".strip(x) }}', '{{ "a".lstrip(x) }}',
    '{{ "a".center(5, x) }}', '{{ "a".ljust(5, x) }}', '{{ "a".rjust(5, x) }}', '{{ "a".partition(x) }}', '{{ "a".rpartition(x) }}',
    '{{ "a".removeprefix(x) }}', '{{ "a".removesuffix(x) }}', '{{ d.get(x) }}', '{{ d.setdefault(x, 1) }}', '{{ d.update({x: 1}) }}', '{{ d.pop(x, 1) }}',
  ];
  for (const sandbox of [false, true])
    it(`sandbox ${sandbox}: every entry point fails or renders, and the process hears of no rejection`, async () => {
      const env = new Environment({ sandbox, loader: new DictLoader({}) });
      for (const src of sources)
        for (const make of [() => new AsyncText(), () => new AsyncPrim()])
          for (const r of await every(env, src, () => ({ x: make(), d: { a: 1 } }))) expect(typeof r, src).toBe('string');
    });
  it('text arguments keep their meaning (strings, numbers, safe strings)', async () => {
    const env = new Environment({ loader: new DictLoader({}) });
    expect(await every(env, '{{ "a-b".replace("-", 1) }}|{{ "a1b".split(1) }}|{{ "xax".strip(m) }}|{{ d.get(m) }}', () => ({ m: new (class { toString = () => 'x' })(), d: { x: 7 } }))).toEqual(
      Array(7).fill("a1b|[&#39;a&#39;, &#39;b&#39;]|a|7"),
    );
  });
});

describe('a stream left early observes the promises its layout or includes would have read', () => {
  expectNoUnhandledRejections(60);
  const kidaT = {
    layout: '<html>{% block content %}{% end %}{{ await q }}</html>',
    child: '{% extends "layout" %}{% block content %}{% for i in range(3) %}{{ i }}{% flush %}{% end %}{% end %}',
    inc: '{{ q }}',
    root: '{% for i in range(3) %}{{ i }}{% flush %}{% end %}{% include "inc" %}',
    dyn: '{% for i in range(3) %}{{ i }}{% flush %}{% end %}{% include name %}',
    imp: '{% import "inc" as m %}{% for i in range(3) %}{{ i }}{% flush %}{% end %}',
  };
  const njkT = {
    layout: '<html>{% block content %}{% endblock %}{{ q }}</html>',
    child: '{% extends "layout" %}{% block content %}{% for i in range(3) %}{{ i }}{% endfor %}{% endblock %}',
    inc: '{{ q }}',
    root: '{% for i in range(3) %}{{ i }}{% endfor %}{% include "inc" %}',
    dyn: '{% for i in range(3) %}{{ i }}{% endfor %}{% include name %}',
  };
  const later = () => new Promise((_, no) => setTimeout(() => no(new Error('rejected after the reader left')), 10));
  for (const [mode, env, names] of [
    ['kida', new Environment({ loader: new DictLoader(kidaT) }), ['child', 'root', 'dyn', 'imp']],
    ['nunjucks', njkOf(false, njkT), ['child', 'root', 'dyn']],
  ] as const)
    it(mode, async () => {
      for (const n of names)
        for (const leave of ['return', 'throw', 'drop'] as const)
          for (const way of ['renderStreamAsync', 'renderStream'] as const) {
            const t = env.getTemplate(n);
            let s: AsyncIterator<string> | Iterator<string>;
            try {
              s = t[way]({ q: later(), name: 'inc' });
            } catch {
              continue; // (an async template's renderStream refuses at once, having observed every promise)
            }
            // (the reader's own error, or a sync stream refusing an async layout, is the reader's to see)
            await orError(async () => {
              await s.next();
              if (leave === 'return') await s.return?.();
              else if (leave === 'throw') await s.throw?.(new Error('reader failed'));
            });
          }
      await new Promise((r) => setTimeout(r, 20));
    });
});
