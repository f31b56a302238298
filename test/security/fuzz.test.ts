// Property tests over the whole compiler: random token soups either compile to a module
// that evaluates (no generated-JS syntax errors) or raise a TemplateError subclass; when
// they compile, render and the stream agree.
//
// `npm run fuzz` runs the same properties over 100,000 inputs each (KIDA_FUZZ_RUNS, KIDA_FUZZ_SEED).
import fc from 'fast-check';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile } from '../../compiler/index.js';
import { TemplateError } from '../../runtime/errors.js';
import { makeEnv } from '../support.js';

const RUNS = Number(process.env.KIDA_FUZZ_RUNS ?? 3000);
const SEED = process.env.KIDA_FUZZ_SEED ? Number(process.env.KIDA_FUZZ_SEED) : 42;
const TIMEOUT = Math.max(60_000, RUNS * 20);
/** The figures of a long run (`npm run fuzz`): how many inputs compiled, how many raised a TemplateError. */
const report = (what: string, compiled: number): void => {
  if (RUNS > 3000) console.log(`fuzz ${what}: ${RUNS} inputs (seed ${SEED}), ${compiled} compiled and rendered consistently, ${RUNS - compiled} raised a TemplateError`);
};

const pieces = [
  '{{ ', ' }}', '{% ', ' %}', '{# ', ' #}', 'if ', 'for ', 'in ', 'end', 'else', 'set ', 'let ', 'def ', 'call ', 'slot',
  'match ', 'case ', 'x', 'y', 'items', 'constructor', '__proto__', 'toString', 'valueOf', 'prototype', 'loop', 'caller',
  '1', '2.5', '"s"', "'t'", '(', ')', '[', ']', '{', '}', ',', ':', '=', '.', '?.', '??', '|', '|>', '?|', '~', '+', '-',
  '*', '/', '//', '%', '**', '==', '<', 'not ', 'and ', 'or ', 'is ', 'defined', 'upper', 'join', 'default', '..', ' ', '\n',
  'with ', 'block ', 'extends ', 'include ', 'raw', 'endraw', 'try', 'fallback', 'capture ', 'filter ', 'spaceless',
];
const soup = fc.array(fc.constantFrom(...pieces), { maxLength: 24 }).map((a) => a.join(''));
const env = makeEnv({ 'x': 'included' }, { strictUndefined: false });

/** The Environment's template for `src`, or null when it raised a TemplateError (any other error fails). */
function compileOrTemplateError(src: string): ReturnType<typeof env.fromString> | null {
  try {
    return env.fromString(src);
  } catch (e) {
    if (!(e instanceof TemplateError)) throw new Error(`${(e as Error).name} for ${JSON.stringify(src)}: ${(e as Error).message}`);
    return null;
  }
}

describe('compiler robustness', () => {
  it('returns a working module or a TemplateError, never another exception', () => {
    let compiled = 0;
    fc.assert(
      fc.property(soup, (src) => {
        const t = compileOrTemplateError(src);
        if (!t) return;
        compiled++;
        const ctx = { x: 1, y: 'a', items: [1, 2] };
        let whole: string | Error;
        try {
          whole = t.render(ctx);
        } catch (e) {
          whole = e as Error;
        }
        if (typeof whole === 'string') expect([...t.renderStream(ctx)].join('')).toBe(whole);
        else expect(whole).toBeInstanceOf(Error);
      }),
      { numRuns: RUNS, seed: SEED },
    );
    report('token soups', compiled);
    expect(compiled).toBeGreaterThan(100);
  }, TIMEOUT);
});

// Valid templates, then randomly cut, spliced and duplicated: near-misses of real code reach
// deeper into the parser and code generator than token soups do.
const seeds = [
  '<ul>{% for x in items %}<li class="{{ loop.cycle(\'a\', \'b\') }}">{{ x | upper }}</li>{% empty %}none{% end %}</ul>',
  '{% if x > 1 %}big{% elif x == 1 %}one{% else %}small{% end %}{{ y ?? "d" }}{{ items?.length }}',
  '{% def card(title, n=1) %}<b>{{ title }}</b>{% slot %}{{ n }}{% end %}{% call card("t") %}body{% end %}{{ card("u", n=2) }}',
  '{% match y %}{% case "a" %}A{% case [p, q] %}{{ p }}{% case _ %}?{% end %}',
  '{% set total = 0 %}{% for i in range(3) %}{% let total = total + i %}{% end %}{{ total }}{{ items |> join(", ") }}',
  '{% capture c %}{{ x * 2 }}{% end %}{{ c | trim }}{% with a = 1, b = 2 %}{{ a + b }}{% end %}',
  '{% block main %}{{ y | replace("a", "<") }}{% end %}{% raw %}{{ not parsed }}{% endraw %}{# note #}',
  '{% try %}{{ x.missing.deep }}{% fallback %}fb{% end %}{{ [1, 2, 3] | map("string") | join }}',
  '{{ {"k": x, "j": [y, 2]} | tojson }}{{ "%s-%d" % (y, x) }}{{ (x ~ y) | length }}',
  '{% include "x" %}{% spaceless %} <p> {{ y }} </p> {% end %}{% filter upper %}{{ y }}{% end %}',
];
const mutation = fc.oneof(
  fc.record({ op: fc.constant('cut' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 12 }) }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), piece: fc.constantFrom(...pieces) }),
  fc.record({ op: fc.constant('dup' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 20 }) }),
);
const mutated = fc
  .tuple(fc.nat({ max: seeds.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 4 }))
  .map(([i, ms]) =>
    ms.reduce((s, m) => {
      const at = s.length ? m.at % (s.length + 1) : 0;
      if (m.op === 'cut') return s.slice(0, at) + s.slice(at + m.len);
      if (m.op === 'insert') return s.slice(0, at) + m.piece + s.slice(at);
      return s.slice(0, at) + s.slice(at, at + m.len) + s.slice(at);
    }, seeds[i]),
  );

const dir = join(import.meta.dirname, '.out-fuzz');
beforeAll(() => {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'x.mjs'), compile('included', { name: 'x' }).code);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('mutated templates', () => {
  it('compile or raise a TemplateError; the compiled module, the Environment and every render mode agree', async () => {
    let compiled = 0;
    let n = 0;
    let linked = 0;
    const ctx = { x: 2, y: 'a<b', items: ['p', 'q'] };
    await fc.assert(
      fc.asyncProperty(mutated, async (src) => {
        const t = compileOrTemplateError(src);
        if (!t) return;
        compiled++;
        const outcome = async (f: () => string | Promise<string>): Promise<string> => {
          try {
            return await f();
          } catch (e) {
            if (!(e instanceof Error)) throw new Error(`non-Error thrown for ${JSON.stringify(src)}`);
            return `error: ${e.name}`;
          }
        };
        const whole = await outcome(() => t.render(ctx));
        expect(await outcome(() => [...t.renderStream(ctx)].join(''))).toBe(whole);
        expect(await outcome(() => t.renderAsync(ctx))).toBe(whole);
        // the bundle path: the same source as an ES module importing kida/runtime (only when
        // every template it references is "x", the one module written beside it)
        let linkable = true;
        const code = compile(src, { name: 'fuzz', strictUndefined: false, importPath: (target) => ((linkable &&= target === 'x'), './x.mjs') }).code;
        // (at most ~5,000 modules per run: each import stays in memory)
        if (!linkable || linked++ % Math.ceil(RUNS / 5000) !== 0) return;
        const file = join(dir, `m${n++}.mjs`);
        writeFileSync(file, code);
        const mod = (await import(pathToFileURL(file).href)).default;
        expect(await outcome(() => mod.render(ctx))).toBe(whole);
      }),
      { numRuns: RUNS, seed: SEED },
    );
    report(`mutated templates (${n} also imported as ES modules)`, compiled);
    expect(compiled).toBeGreaterThan(RUNS / 20);
  }, TIMEOUT * 3);
});
