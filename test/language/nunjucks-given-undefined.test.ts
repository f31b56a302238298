// Two shapes the eleventh held-out pass, part A (bench/nunjucks-projects-eleventh-a.mjs) exposed,
// each checked against Nunjucks 3.2.4 at test time:
// - a macro argument given as undefined for a parameter with a default (@hmcts/look-and-feel's
//   `phaseBanner(phase, feedbackLink)` on a page with no `phase`): Nunjucks does not use the default;
// - `{% filter a.b %}`, a dotted filter name in a filter block, as `| a.b` already was.
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Environment } from '../../compiler/environment.js';
import { nunjucksOutcome, sameAsNunjucks } from './njk-differential.js';

type Cb = (e: Error | null, out?: string) => void;
const nunjucks = createRequire(import.meta.url)('nunjucks') as {
  Environment: new () => { renderString(s: string, c: object, cb?: Cb): string; addFilter(n: string, f: (...a: never[]) => unknown, async?: boolean): void };
};

describe('a macro argument given as undefined', () => {
  it('keeps a defaulted parameter from its default, by position or by keyword', async () => {
    const src = '{% macro m(a, b="B", c="C") %}[{{ a }}|{{ b }}|{{ c }}]{% endmacro %}{{ m(1, nope) }}{{ m(1) }}{{ m(1, c=nope) }}{{ m(1, b=nope, c=none) }}';
    expect(await sameAsNunjucks({}, src, {})).toBe('[1||C][1|B|C][1|B|][1||]');
  });
  it('then reads the name as if the macro had no such parameter: the template\'s own names and the data', async () => {
    // (a parameter with a default is no local of Nunjucks' compiled macro: a read falls through its frame)
    expect(await sameAsNunjucks({}, '{% macro m(a="A") %}[{{ a }}]{% endmacro %}{{ m(nope) }}{{ m(a=nope) }}{{ m() }}', { a: 'data' })).toBe('[data][data][A]');
    expect(await sameAsNunjucks({}, '{% set a = "top" %}{% macro m(a="A") %}[{{ a }}]{% endmacro %}{{ m(nope) }}', { a: 'data' })).toBe('[top]');
    // (so does one whose default is undefined)
    expect(await sameAsNunjucks({}, '{% macro m(a, c=a) %}[{{ c }}]{% endmacro %}{{ m() }}{{ m(1) }}', { c: 'data' })).toBe('[data][1]');
    // (a parameter without a default is the macro's own either way: empty)
    expect(await sameAsNunjucks({}, '{% macro m(a) %}[{{ a }}]{% endmacro %}{{ m(nope) }}{{ m() }}', { a: 'data' })).toBe('[][]');
  });
  it('in a macro imported from another template, whose context is that template\'s', async () => {
    const files = { 'lib.njk': '{% set label = "lib" %}{% macro tag(label="none", cls="x") %}<b class="{{ cls }}">{{ label }}</b>{% endmacro %}' };
    expect(await sameAsNunjucks(files, '{% from "lib.njk" import tag %}{{ tag(missing, other) }}{{ tag() }}', { label: 'page', cls: 'c' })).toBe('<b class="">lib</b><b class="x">none</b>');
  });
  it('in a caller\'s parameters: the calling macro\'s names, then the context', async () => {
    const src = '{% macro m(x) %}{{ caller(nope) }}{{ caller() }}{{ caller(x=nope) }}{% endmacro %}{% call(x="d") m(1) %}<{{ x }}>{% endcall %}';
    expect(await sameAsNunjucks({}, src, {})).toBe('<1><d><1>');
    expect(await sameAsNunjucks({}, '{% macro m(y) %}{{ caller(nope) }}{% endmacro %}{% call(x="d") m(1) %}<{{ x }}>{% endcall %}', { x: 'ctx' })).toBe('<ctx>');
  });
  it('in an async template (an async filter at its top), rendered by Nunjucks with a callback', async () => {
    const src = '{% macro m(a, b="B", c=a) %}[{{ a }}|{{ b }}|{{ c }}]{% endmacro %}{{ x | slow }}{{ m(1, nope) }}{{ m(2) }}{{ m() }}{% call(y="d") m(3) %}{{ y }}{% endcall %}';
    const ctx = { x: 'q', b: 'data-b', c: 'data-c' };
    const njk = new nunjucks.Environment();
    njk.addFilter('slow', (v: unknown, cb: (e: null, r: string) => void) => setTimeout(() => cb(null, `S${String(v)}`), 2), true);
    const want = await new Promise<string>((ok, no) => njk.renderString(src, ctx, (e, out) => (e ? no(e) : ok(out!))));
    expect(want).toBe('Sq[1|data-b|1][2|B|2][|B|data-c][3|B|3]');
    const env = new Environment({ compat: 'nunjucks' });
    env.addFilter('slow', (v: unknown) => new Promise((ok) => setTimeout(() => ok(`S${String(v)}`), 2)), true);
    const t = env.fromString(src);
    let streamed = '';
    for await (const c of t.renderStreamAsync(ctx)) streamed += c;
    expect([await t.renderAsync(ctx), streamed]).toEqual([want, want]);
  });
  it('any mix of given, undefined and absent arguments, against Nunjucks', async () => {
    const arg = fc.constantFrom('1', 'nope', 'none', '""', 'v');
    await fc.assert(
      fc.asyncProperty(fc.array(arg, { maxLength: 3 }), fc.array(fc.tuple(fc.constantFrom('b', 'c'), arg), { maxLength: 2 }), async (positional, keywords) => {
        const call = `m(${[...positional, ...[...new Map(keywords)].map(([k, v]) => `${k}=${v}`)].join(', ')})`;
        const src = `{% macro m(a, b="B", c=a) %}[{{ a }}|{{ b }}|{{ c }}]{% endmacro %}{{ ${call} }}`;
        await sameAsNunjucks({}, src, { v: '<v>', b: 'data-b', c: 'data-c' });
      }),
      { numRuns: 40 },
    );
  });
});

describe('a dotted filter name in a filter block', () => {
  const filters = { 'dpr.dash': (s: unknown) => String(s).replace(/ /g, '-'), 'dpr.wrap': (s: unknown, t = 'p') => `<${t}>${String(s)}</${t}>` };
  it('applies the filter of that name to the body, as Nunjucks does', async () => {
    const src = '{% filter dpr.dash %}a b {{ x }}{% endfilter %}|{% filter dpr.wrap("i") %}q{% endfilter %}|{{ x | dpr.dash }}';
    const want = nunjucksOutcome({}, src, { x: 'c d' }, (env) => {
      for (const [k, f] of Object.entries(filters)) env.addFilter(k, f);
    });
    expect(want).toBe('a-b-c-d|&lt;i&gt;q&lt;/i&gt;|c-d');
    const t = new Environment({ compat: 'nunjucks', filters }).fromString(src);
    expect([t.render({ x: 'c d' }), [...t.renderStream({ x: 'c d' })].join(''), await t.renderAsync({ x: 'c d' })]).toEqual([want, want, want]);
  });
  it('an unknown dotted name fails as Nunjucks fails it', () => {
    expect(() => new nunjucks.Environment().renderString('{% filter a.b %}x{% endfilter %}', {})).toThrow(/filter not found: a\.b/);
    expect(() => new Environment({ compat: 'nunjucks' }).fromString('{% filter a.b %}x{% endfilter %}').render({})).toThrow(/a\.b/);
  });
});
