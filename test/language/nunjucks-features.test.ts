// compat: 'nunjucks' — constructs found by rendering other projects' real templates
// (bench/nunjucks-projects.mjs) and the features of issue #25's second list. Each case is also
// rendered by Nunjucks 3.2.4 itself, and ours goes through render, renderStream and
// renderStreamAsync (renderAll).
import nunjucks from 'nunjucks';
import { describe, expect, it } from 'vitest';
import { renderAll, renderError } from '../support.js';
import kidaNunjucks from '../../adapters/nunjucks.js';
import { Environment } from '../../compiler/environment.js';

const NJK = { compat: 'nunjucks' as const };

function nunjucksRender(src: string, ctx: object): string {
  return new nunjucks.Environment(null, { autoescape: true }).renderString(src, ctx);
}
async function both(src: string, ctx: Record<string, unknown> = {}): Promise<string> {
  const ours = await renderAll(src, ctx, NJK);
  expect(ours).toBe(nunjucksRender(src, ctx));
  return ours;
}

describe('constructs from other projects', () => {
  it('(a, b) is JavaScript\'s comma operator: both run, the value is the last (hmrc, nhsuk)', async () => {
    expect(await both('{% set items = [] %}{% for i in [1, 2] %}{% set items = (items.push(i * 10), items) %}{% endfor %}{{ items | join("-") }}')).toBe('10-20');
    expect(await both('{% set rows = [2] %}{% set rows = (rows.unshift(1), rows) %}{{ rows }}|{{ (1, 2, 3) }}|{{ (4) }}')).toBe('1,2|3|4');
  });
});

describe('errors as Nunjucks words them', () => {
  it('calling an undefined name names it', () => {
    expect(() => nunjucksRender('{% macro m() %}{{ caller() }}{% endmacro %}{{ m() }}', {})).toThrow(/Unable to call `caller`, which is undefined or falsey/);
    expect(renderError('{% macro m() %}{{ caller() }}{% endmacro %}{{ m() }}', {}, NJK).message).toMatch(/Unable to call `caller`, which is undefined or falsey/);
    expect(renderError('{{ nope(1) }}', {}, NJK).message).toMatch(/Unable to call `nope`/);
  });
});

describe('number literals', () => {
  it('`1e3` is a name in Nunjucks 3.2.4 (its lexer has no exponents): it renders the context\'s "1e3"', async () => {
    expect(await both('[{{ 1e3 }}][{{ 1e3 + 1 }}][{{ 1E2 }}][{{ 2x }}]', { '2x': 7 })).toBe('[][NaN][][7]');
    expect(await both('{% set 1e3 = 5 %}{{ 1e3 * 2 }}|{{ x.e3 }}', { x: { e3: 4 } })).toBe('10|4');
    // a float with an exponent is an error in both
    expect(() => nunjucksRender('{{ 1.5e2 }}', {})).toThrow();
    expect(renderError('{{ 1.5e2 }}', {}, NJK).message).toMatch(/1\.5e2/);
  });
});

describe('{% call(x=default) %}', () => {
  it('caller parameters take defaults, positional or keyword arguments, defaults seeing earlier ones', async () => {
    const m = '{% macro m() %}{{ caller() }}|{{ caller(5) }}|{{ caller(y=3) }}{% endmacro %}';
    expect(await both(`${m}{% call(x=1, y=2) m() %}[{{ x }},{{ y }}]{% endcall %}`)).toBe('[1,2]|[5,2]|[1,3]');
    expect(await both(`${m}{% call(x, y=x+1) m() %}[{{ x }},{{ y }}]{% endcall %}`)).toBe('[,NaN]|[5,6]|[,3]');
    // a default is an expression of the caller's scope, escaped when output
    expect(await both('{% macro m() %}{{ caller() }}{% endmacro %}{% set z = "<i>" %}{% call(x=z ~ "!") m() %}{{ x }}{% endcall %}')).toBe('&lt;i&gt;!');
  });
});

describe('select/reject with tests the app added', () => {
  const big = (v: number, min?: number) => v > (min ?? 2);
  const src = '{{ [1, 2, 3, 4] | select("big") | join }}|{{ [1, 2, 3, 4] | reject("big", 3) | join }}|{{ [1, 2, 3] | select("odd") | join }}';
  it('finds addTest tests, before the built-ins, through the Environment and kida/nunjucks', async () => {
    const njk = new nunjucks.Environment(null, { autoescape: true });
    njk.addTest('big', big);
    njk.addTest('odd', (v: number) => v === 2); // (the app's `odd` wins over the built-in)
    const want = njk.renderString(src, {});
    expect(want).toBe('34|123|2');
    expect(await renderAll(src, {}, { ...NJK, tests: { big, odd: (v: number) => v === 2 } })).toBe(want);
    const api = new kidaNunjucks.Environment();
    api.addTest('big', big).addTest('odd', (v: number) => v === 2);
    expect(api.renderString(src, {})).toBe(want);
    // an unknown test name fails when the filter runs, in both
    expect(() => njk.renderString('{{ [1] | select("nope") }}', {})).toThrow(/test not found: nope/);
    expect(() => api.renderString('{{ [1] | select("nope") }}', {})).toThrow(/test not found: nope/);
  });
});

describe('throwOnUndefined', () => {
  const TOU = { ...NJK, throwOnUndefined: true };
  const njk = new nunjucks.Environment(null, { autoescape: true, throwOnUndefined: true });
  it('outputting null or undefined is an error naming the template, line and column; nothing else changes', async () => {
    for (const [src, ctx] of [['{{ x }}', {}], ['ab\n  {{ y.z }}', { y: {} }], ['{{ null }}', {}], ['{% for i in [1] %}{{ i }}{{ missing }}{% endfor %}', {}]] as const) {
      expect(() => njk.renderString(src, ctx)).toThrow(/attempted to output null or undefined value/);
      expect(renderError(src, ctx, TOU).message).toMatch(/attempted to output null or undefined value/);
    }
    expect(renderError('ab\n  {{ y.z }}', { y: {} }, TOU).message).toMatch(/\[Line 2, Column 3\][^]*<template>:2/);
    // reading, testing, default and falsy values that are not null/undefined render as without the option
    const ok = '{{ x | default("d") }}{% if x %}{% endif %}{{ x is defined }}{{ 0 }}{{ false }}{{ "" }}{% set y = x %}[{{ y | default("-") }}]';
    expect(await renderAll(ok, {}, TOU)).toBe(njk.renderString(ok, {}));
  });
  it('sort and groupby fail on an attribute that resolves to undefined, as Nunjucks\' do under the option', async () => {
    const items = [{ a: 1 }, { b: 2 }];
    for (const src of ['{{ items | sort(attribute="a") | length }}', '{{ items | groupby("a") | dump }}']) {
      expect(() => njk.renderString(src, { items })).toThrow(/attribute "a" resolved to undefined/);
      expect(renderError(src, { items }, TOU).message).toMatch(/attribute "a" resolved to undefined/);
      expect(await renderAll(src, { items }, NJK)).toBe(new nunjucks.Environment(null, { autoescape: true }).renderString(src, { items }));
    }
    expect(await renderAll('{{ [{a: 2}, {a: 1}] | sort(attribute="a") | join(",", "a") }}', {}, TOU)).toBe('1,2');
  });
  it('is an option of kida/nunjucks configure() and Environment', () => {
    const env = kidaNunjucks.configure({ throwOnUndefined: true });
    expect(() => env.renderString('<p>{{ nope }}</p>', {})).toThrow(/attempted to output null or undefined value \[Line 1, Column 4\]/);
    expect(env.renderString('{{ yes }}', { yes: 1 })).toBe('1');
    expect(new kidaNunjucks.Environment(null, {}).renderString('{{ nope }}', {})).toBe('');
  });
  it('is refused outside the compat mode (default Kida is strict already)', () => {
    expect(() => new Environment({ throwOnUndefined: true })).toThrow(/throwOnUndefined is Nunjucks' option/);
  });
});

describe('async filters (addFilter(name, fn, true))', () => {
  const later = (v: unknown, cb: (e: Error | null, r?: string) => void) => setTimeout(() => (v === 'bad' ? cb(new Error('nope')) : cb(null, `L${String(v)}`)), 1);
  const src = '<{{ x | later }}>{% set y = x | later %}[{{ y }}]{{ (x | later) ~ "!" }}{% for i in [1, 2] %}{{ i | later | upper }}{% endfor %}{% if (x | later) == "L<1>" %}yes{% endif %}';
  const viaCallback = (env: { renderString(s: string, c: object, cb: (e: Error | null, r?: string) => void): unknown }, s: string) =>
    new Promise<string>((resolve) => env.renderString(s, { x: '<1>' }, (err, out) => resolve(err ? `ERR ${err.message}` : out!)));

  it('kida/nunjucks: a render with a callback awaits them, as Nunjucks; errors reach the callback', async () => {
    const njk = new nunjucks.Environment(null, { autoescape: true });
    njk.addFilter('later', later, true);
    const ours = new kidaNunjucks.Environment(null);
    ours.addFilter('later', later, true);
    const want = await viaCallback(njk, src);
    expect(want).toBe('<L&lt;1&gt;>[L&lt;1&gt;]L&lt;1&gt;!L1L2yes');
    expect(await viaCallback(ours, src)).toBe(want);
    expect(await viaCallback(ours, '{{ "bad" | later }}')).toMatch(/^ERR [^]*nope/);
    // (in a macro Nunjucks loses the output after the filter, "(": here the macro renders)
    expect(await viaCallback(ours, '{% macro m(v) %}({{ v | later }}){% endmacro %}{{ m(2) }}')).toBe('(L2)');
  });
  it('a synchronous render of a template using one is an error saying how to render it', () => {
    const ours = new kidaNunjucks.Environment(null);
    ours.addFilter('later', later, true);
    expect(() => ours.renderString('a{{ 1 | later }}', {})).toThrow(/'string.njk' calls an async filter[^]*render it with a callback/);
    expect(ours.renderString('no filter here', {})).toBe('no filter here');
  });
  it('the Environment: renderAsync and renderStreamAsync await them; render() says the template is async and why', async () => {
    const env = new Environment({ compat: 'nunjucks' });
    env.addFilter('later', (v: unknown) => new Promise((r) => setTimeout(() => r(`L${String(v)}`), 1)), true);
    const t = env.fromString(src);
    expect(await t.renderAsync({ x: '<1>' })).toBe('<L&lt;1&gt;>[L&lt;1&gt;]L&lt;1&gt;!L1L2yes');
    let streamed = '';
    for await (const c of t.renderStreamAsync({ x: '<1>' })) streamed += c;
    expect(streamed).toBe('<L&lt;1&gt;>[L&lt;1&gt;]L&lt;1&gt;!L1L2yes');
    expect(() => t.render({ x: 1 })).toThrow(/is async \(async filter 'later' at line 1\); use renderAsync\(\)/);
    expect(() => new Environment().addFilter('later', () => 1, true)).toThrow(/is Nunjucks'/);
  });
});

describe('switch as Nunjucks parses it', () => {
  it('a leading {% default %} is `case default` (the name); empty cases before default fall into it', async () => {
    const srcs = [
      '{% switch x %}{% default %}D{% endswitch %}',
      '{% switch x %} pre {% default %}D{% endswitch %}after',
      '{% switch x %}{% default %}D{% case 2 %}two{% endswitch %}',
      '{% switch x %}{% case 1 %}{% default %}D{% endswitch %}',
      '{% switch x %}{% case 3 %}three{% case 1 %}{% case 5 %}{% default %}D{% endswitch %}',
    ];
    for (const src of srcs) for (const ctx of [{ x: 1 }, { x: 2 }, {}, { x: 1, default: 1 }]) await both(src, ctx);
    expect(await both('{% switch x %}{% default %}D{% endswitch %}', { x: 2 })).toBe('');
    expect(await both('{% switch x %}{% case 1 %}{% default %}D{% endswitch %}', { x: 1 })).toBe('D');
  });
});

describe('what Nunjucks\' parser accepts and refuses', () => {
  it('a parameter without a default may follow one with a default: positional arguments fill those without first', async () => {
    expect(await both('{% macro m(a=1, b) %}[{{ a }}|{{ b }}]{% endmacro %}{{ m() }}{{ m(5) }}{{ m(5, 6) }}{{ m(b=2) }}{{ m(a=3, b=4) }}')).toBe('[1|][1|5][6|5][1|2][3|4]');
    expect(await both('{% macro m(x, a=x, b, c=b) %}[{{ x }}{{ a }}{{ b }}{{ c }}]{% endmacro %}{{ m(1) }}{{ m(1, 2) }}{{ m(1, 2, 3, 4) }}')).toBe('[11][1122][1324]');
  });
  it('trailing commas and non-string dict keys are errors in both', () => {
    for (const src of ['{{ [1, 2,] }}', '{{ range(1, 3,) }}', '{{ (1,) }}', '{{ {a: 1,} }}', '{% macro m(a,) %}{% endmacro %}', '{{ {1: "a"} }}', '{{ {[1]: "a"} }}']) {
      expect(() => nunjucksRender(src, {}), src).toThrow();
      expect(renderError(src, {}, NJK).message, src).toMatch(/unexpected token|Dict keys must be strings or names/);
    }
  });
});

describe('for over an object', () => {
  it('one name walks nothing of a plain object and takes the else; two names walk its pairs; iterables and strings as before', async () => {
    const ctx = { o: { a: 1, b: 2 }, m: new Map([['k', 'v']]), s: 'ab', l: [1, 2] };
    expect(await both('{% for x in o %}[{{ x }}]{% else %}E{% endfor %}|{% for k, v in o %}{{ k }}={{ v }};{% endfor %}', ctx)).toBe('E|a=1;b=2;');
    expect(await both('{% for x in m %}[{{ x }}]{% endfor %}|{% for x in s %}[{{ x }}]{% endfor %}|{% for x in l %}{{ loop.index }}{{ x }}{% endfor %}', ctx)).toBe('[k,v]|[a][b]|1122');
  });
});
