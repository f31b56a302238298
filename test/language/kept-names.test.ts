// A data name is read once per stretch of a root or block function (compiler/codegen/name-cache.ts,
// docs/decisions.md "Render, tenth pass"): what a template sees when the data change during a
// render, where an undefined name fails, and rebinding; every entry point, streams pulled chunk by
// chunk (a resumed part starts with its locals unset).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/index.js';
import { makeEnv, renderAll, renderError } from '../support.js';

/** How many sites read `name` in full (through `ld`) in the compiled module of `src`. */
const fullReads = (src: string, name: string) => compile(src, { name: 'k.kida' }).code.split(`$ld(ctx, "${name}"`).length - 1;

/** Data whose `x` is a getter counting its runs. */
function counted(value: unknown): { data: Record<string, unknown>; runs: () => number } {
  let n = 0;
  const data = {};
  Object.defineProperty(data, 'x', { enumerable: true, get: () => (n++, value) });
  return { data, runs: () => n };
}

describe('a data name kept between reads', () => {
  it('is read once in a stretch of outputs, attributes and loops', async () => {
    const src = '<h2>{{ x.title }}</h2><p>{{ x.sub }}</p>{% for t in x.tags %}{{ t }}{{ x.title }}{% end %}|{{ x.sub }}';
    expect(fullReads(src, 'x')).toBeLessThan(5); // (every site kept: `??=` forms and bare locals)
    const value = { title: 'T', sub: 'S', tags: ['a', 'b'] };
    const { data, runs } = counted(value);
    const t = makeEnv().fromString(src);
    const want = '<h2>T</h2><p>S</p>aTbT|S';
    expect(t.render(data)).toBe(want);
    // (the getter ran at the first read only; a stream resumed after the loop would read again)
    expect(runs()).toBe(1);
    expect(await renderAll(src, { x: value })).toBe(want);
  });

  it('is read again after a call, so a function that changes the data is seen', async () => {
    const src = '{{ x }}{{ x }}{{ bump() }}{{ x }}{% if x > 1 %}{{ x }}{% end %}';
    for (const entry of ['render', 'stream', 'async'] as const) {
      const d = { x: 1, bump: () => ((d.x += 1), '') };
      const t = makeEnv().fromString(src);
      const out = entry === 'render' ? t.render(d) : entry === 'stream' ? [...t.renderStream(d)].join('') : await t.renderAsync(d);
      expect(out, entry).toBe('1122');
    }
  });

  it('is read again after a filter the host added', () => {
    const data = { x: 1 };
    const env = makeEnv({}, { filters: { bump: (v: unknown) => ((data.x += 1), v) } });
    expect(env.fromString('{{ x }}{{ "" | bump }}{{ x }}').render(data)).toBe('12');
  });

  it('sees a let of an include or of a child block rendered between two reads', async () => {
    const inc = { 'inc.kida': '{% let x = 5 %}' };
    expect(await renderAll('{{ x }}{% include "inc.kida" %}{{ x }}{{ x }}', { x: 1 }, {}, inc)).toBe('155');
    const pages = {
      'base.kida': '{% block a %}{{ x }}{% block b %}{% end %}{{ x }}{{ x }}{% end %}',
      'child.kida': '{% extends "base.kida" %}{% block b %}{% let x = 9 %}{% end %}',
    };
    const t = makeEnv(pages).getTemplate('child.kida');
    expect(t.render({ x: 1 })).toBe('199');
    expect([...t.renderStream({ x: 1 })].join('')).toBe('199');
    expect(t.renderBlock('a', { x: 1 })).toBe('199');
  });

  it('is not kept where the template binds the name', async () => {
    const src = '{{ x }}{% set x = 2 %}{{ x }}{% for x in [3] %}{{ x }}{% end %}{{ x }}';
    expect(compile(src, { name: 'k.kida' }).code).not.toContain('??=');
    expect(await renderAll(src, { x: 1 })).toBe('1232');
    expect(await renderAll('{{ x }}{% with x = 7 %}{{ x }}{% end %}{{ x }}', { x: 1 })).toBe('171');
  });

  it('fails only where a read is reached, at its own line', async () => {
    expect(await renderAll('{% if false %}{{ nope }}{% end %}{{ ok }}{{ ok }}', { ok: 1 })).toBe('11');
    const twice = '{{ ok }}\n{% if c %}{{ nope }}{% end %}\n{{ nope }}{{ nope }}';
    const e = renderError(twice, { ok: 1, c: false });
    expect(e.name).toBe('UndefinedError');
    expect(e.lineno).toBe(3);
    expect(renderError(twice, { ok: 1, c: true }).lineno).toBe(2);
    // (a read a try caught leaves nothing kept: the next read fails at its own line)
    const caught = '{% try %}{{ nope }}{% fallback %}f{% end %}\n{{ nope }}';
    expect(renderError(caught).lineno).toBe(2);
    // (a None value is kept as None)
    expect(await renderAll('{{ n }}|{{ n }}|{{ n is none }}', { n: null })).toBe('None|None|True');
  });
});

// A property: random parts of outputs, attribute reads, branches, loops, sets of another name and
// calls of a function that changes the data, rendered as they compile and with every name bound
// in an untaken branch (so nothing is kept: every read reads the data), through every entry point,
// the streams pulled one chunk at a time. Output, chunks and errors must be the same.
const NAMES = ['a', 'b', 'c'];
const atom = fc.oneof(
  { arbitrary: fc.constantFrom(...NAMES).map((n) => `{{ ${n} }}`), weight: 3 },
  { arbitrary: fc.constantFrom(...NAMES).map((n) => `{{ ${n}.v }}`), weight: 3 },
  { arbitrary: fc.tuple(fc.constantFrom(...NAMES), fc.constantFrom(...NAMES)).map(([x, y]) => `{{ ${x}.v ~ ${y}.v | string }}`), weight: 2 },
  { arbitrary: fc.constant('{{ bump() }}'), weight: 1 },
  { arbitrary: fc.constant('{{ missing }}'), weight: 1 },
  { arbitrary: fc.constant('{% set s = 1 %}'), weight: 1 },
  { arbitrary: fc.constant('txt'), weight: 1 },
);
const part: fc.Arbitrary<string> = fc.letrec<{ part: string }>((tie) => ({
  part: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { arbitrary: atom, weight: 4 },
    { arbitrary: fc.tuple(fc.constantFrom(...NAMES), fc.array(tie('part'), { maxLength: 3 })).map(([n, xs]) => `{% if ${n}.v > 1 %}${xs.join('')}{% end %}`), weight: 1 },
    { arbitrary: fc.tuple(fc.constantFrom(...NAMES), fc.array(tie('part'), { maxLength: 3 })).map(([n, xs]) => `{% for i in ${n}.list %}{{ i }}${xs.join('')}{% end %}`), weight: 1 },
  ),
})).part;

describe('kept names against reading every time', () => {
  it('give the same output, chunks and errors in every entry point', async () => {
    // (each `list` a new lazy source: a stream's loop suspends at its items, and its part is
    // called again to resume, its locals unset)
    const item = (v: number) => ({
      v,
      get list() {
        return (function* () {
          yield v;
          yield v + 1;
        })();
      },
    });
    const data = () => {
      const d: Record<string, unknown> = {};
      for (const [i, n] of NAMES.entries()) d[n] = item(i);
      d.bump = () => {
        for (const n of NAMES) (d[n] as { v: number }).v++;
        d.a = item((d.a as { v: number }).v); // (a new object under the name)
        return '';
      };
      return d;
    };
    const run = async (src: string, blocks: Record<string, string>) => {
      const t = makeEnv(blocks).fromString(src);
      const got: unknown[] = [];
      const attempt = async (f: () => unknown) => {
        try {
          got.push(await f());
        } catch (e) {
          got.push(`${(e as Error).name}@${(e as { lineno?: number }).lineno}`);
        }
      };
      await attempt(() => t.render(data()));
      await attempt(() => [...t.renderStream(data())]);
      await attempt(async () => {
        const out: string[] = [];
        for await (const c of t.renderStreamAsync(data())) out.push(c);
        return out;
      });
      await attempt(() => t.renderAsync(data()));
      await attempt(() => t.renderBlock('p', data()));
      return got;
    };
    const same = async (body: string) => {
      const kept = `{% block p %}${body}{% end %}\n${body}`;
      const unkept = `{% if false %}{% set a = 0 %}{% set b = 0 %}{% set c = 0 %}{% set missing = 0 %}{% end %}${kept}`;
      expect(await run(kept, {}), body).toEqual(await run(unkept, {}));
    };
    // (a read before a loop and one in its body: a resumed stream enters the loop with nothing read)
    await fc.assert(
      fc.asyncProperty(fc.array(part, { minLength: 1, maxLength: 6 }), async (parts) => {
        await same(parts.join('\n'));
      }),
      { numRuns: 200 },
    );
  });

  it('never share a local with a loop counter (a light loop\'s count is declared in the same function)', async () => {
    // (found by the sink-parts property: a kept name's local `$n4` and a loop's counter `$n4`,
    // numbered by two counters, made `{{ a }}` print the counter)
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 24 }), fc.integer({ min: 1, max: 3 }), async (names, loops) => {
        const vars = Array.from({ length: names }, (_, i) => `v${i}`);
        const head = Array.from({ length: loops }, () => '{% for i in xs %}{{ loop.index }}{% end %}').join('');
        const reads = vars.map((v) => `{% for i in xs %}[{{ ${v} }}|{{ ${v} }}]{% end %}`).join('');
        const data = () => ({ xs: ['p', 'q'], ...Object.fromEntries(vars.map((v) => [v, v.toUpperCase()])) });
        const want = '12'.repeat(loops) + vars.map((v) => `[${v.toUpperCase()}|${v.toUpperCase()}]`.repeat(2)).join('');
        const t = makeEnv().fromString(head + reads);
        expect(t.render(data())).toBe(want);
        expect([...t.renderStream(data())].join('')).toBe(want);
        expect(await t.renderAsync(data())).toBe(want);
      }),
      { numRuns: 60 },
    );
  });
});
