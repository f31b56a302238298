// `compat: 'nunjucks'` (issue #25; docs/guide/nunjucks.md): Nunjucks 3.2 templates compiled by our
// compiler onto our runtime. Each case states the output Nunjucks gives, and is also rendered by
// Nunjucks 3.2.4 itself (installed as a dev dependency) so that the two cannot drift apart; every
// case goes through render(), renderStream() and renderStreamAsync().
import fc from 'fast-check';
import nunjucks from 'nunjucks';
import { describe, expect, it } from 'vitest';
import { DictLoader, Environment } from '../../compiler/environment.js';
import { compile } from '../../compiler/index.js';
import { renderAll, renderError } from '../support.js';

const files: Record<string, string> = {
  'forms.njk': '{% macro field(name, value="", type="text") %}<input type="{{ type }}" name="{{ name }}" value="{{ value }}">{% endmacro %}',
  'part.njk': 'part:{{ who }}{% set leaked = 1 %}',
  'base.njk': '<title>{% block title %}Base{% endblock %}</title>{% block body %}{% endblock %}',
};
const NJK = { compat: 'nunjucks' as const };

function nunjucksRender(src: string, ctx: object): string {
  const loader = new (nunjucks.Loader.extend({ getSource: (n: string) => ({ src: files[n]!, path: n, noCache: true }) }))();
  return new nunjucks.Environment(loader, { autoescape: true }).renderString(src, ctx);
}
async function both(src: string, ctx: Record<string, unknown> = {}): Promise<string> {
  const ours = await renderAll(src, ctx, NJK, files);
  expect(ours).toBe(nunjucksRender(src, ctx));
  return ours;
}

describe('syntax', () => {
  it('macro/endmacro with defaults, caller(), call with arguments', async () => {
    expect(await both('{% macro m(a, b="d") %}[{{ a }}|{{ b }}]{% endmacro %}{{ m(1) }}{{ m(1, b="x") }}{{ m() }}')).toBe('[1|d][1|x][|d]');
    expect(await both('{% macro w() %}<{{ caller() if caller else "-" }}>{% endmacro %}{{ w() }}{% call w() %}in{% endcall %}')).toBe('<-><in>');
    expect(await both('{% macro w() %}{{ caller(2, "b") }}{% endmacro %}{% call(x, y) w() %}{{ x }}{{ y }}{% endcall %}')).toBe('2b');
    // defaults are evaluated per call, in the macro: they see earlier arguments and later sets
    expect(await both('{% macro m(a, b=a+1) %}{{ b }}{% endmacro %}{{ m(1) }}{% set z = 5 %}{% macro n(x=z) %}{{ x }}{% endmacro %}{{ n() }}')).toBe('25');
  });
  it('set blocks, elseif, end<tag> closers, comment trim, raw and verbatim', async () => {
    expect(await both('{% set s %}<b>{{ x }}</b>{% endset %}{{ s }}|{{ s | safe }}', { x: '<i>' })).toBe('&lt;b&gt;&amp;lt;i&amp;gt;&lt;/b&gt;|<b>&lt;i&gt;</b>');
    expect(await both('{% if a %}A{% elif b %}B{% elseif c %}C{% else %}D{% endif %}', { c: 1 })).toBe('C');
    expect(await both('a {#- c -#} b {# k #} c\n{#- x #}d')).toBe('ab  cd');
    expect(await both('{% raw %}{{ x }}{% endraw %}{% verbatim %}{% y %}{% endverbatim %}')).toBe('{{ x }}{% y %}');
    // the `-` of `{% set x -%}` is ignored by Nunjucks
    expect(await both('{% set x -%}\n  v{% endset %}[{{ x }}]')).toBe('[\n  v]');
  });
  it('switch: strict comparison, empty cases fall through, default, nesting', async () => {
    const src = 'a{% switch x %} dropped {% case 1 %}one{% case 2 %}{% case 3 %}two-three{% default %}other{% endswitch %}b';
    expect(await both(src, { x: 1 })).toBe('aoneb');
    expect(await both(src, { x: 3 })).toBe('atwo-threeb');
    expect(await both(src, { x: '1' })).toBe('aotherb');
    expect(await both('{% switch x %}{% case "1" %}{% switch y %}{% case 1 %}in{% endswitch %}{% case 1 %}n{% endswitch %}', { x: '1', y: 1 })).toBe('in');
  });
  it('object literals with bare keys, ===/!==, regex literals, JavaScript numbers', async () => {
    expect(await both('{% set o = { text: "x", "b c": 1, n: { k: 2 } } %}{{ o.text }}{{ o["b c"] }}{{ o.n.k }}')).toBe('x12');
    expect(await both('{{ x === undefined }}{{ y !== null }}{{ 1 === "1" }}{{ 1 == "1" }}', { y: 0 })).toBe('truetruefalsetrue');
    expect(await both('{{ r/a+/g.test("caab") }}{{ "aXa" | replace(r/a/g, "b") }}')).toBe('truebXb');
    expect(await both('{{ 2.0 }}|{{ 7 / 2 }}|{{ 7 // 2 }}|{{ 2 ** 3 }}|{{ 0.1 + 0.2 }}')).toBe('2|3.5|3|8|0.30000000000000004');
  });
  it('for over arrays, objects (k, v) and with else; loop.*', async () => {
    expect(await both('{% for k, v in o %}{{ k }}={{ v }}{{ loop.index }}{{ loop.first }}{{ loop.last }}{{ loop.length }};{% endfor %}', { o: { a: 1, b: 2 } })).toBe(
      'a=11truefalse2;b=22falsetrue2;',
    );
    expect(await both('{% for x in xs %}{{ x }}{% else %}empty{% endfor %}|{% for x in missing %}{% else %}none{% endfor %}', { xs: [] })).toBe('empty|none');
    expect(await both('{% for a, b in [[1,2],[3,4]] %}{{ a }}{{ b }}{% endfor %}{% for c in "ab" %}{{ loop.revindex0 }}{{ c }}{% endfor %}')).toBe('12341a0b');
    // Nunjucks' loop has index, index0, revindex, revindex0, first, last and length only
    expect(await both('{% for x in xs %}[{{ loop.cycle }}{{ loop.previtem }}{{ loop.nextitem }}{{ loop.depth }}{{ loop.length }}]{% endfor %}', { xs: [1, 2] })).toBe('[2][2]');
  });
  it('import, from-import with keywords, include (its own frame), extends with super()', async () => {
    expect(await both('{% import "forms.njk" as f %}{{ f.field("q") }}{% from "forms.njk" import field %}{{ field("p", type="password") }}')).toBe(
      '<input type="text" name="q" value=""><input type="password" name="p" value="">',
    );
    expect(await both('{% include "part.njk" %}[{{ leaked }}]', { who: '<me>' })).toBe('part:&lt;me&gt;[]');
    expect(await both('{% extends "base.njk" %}{% block title %}T {{ super() }}{% endblock %}')).toBe('<title>T Base</title>');
  });
});

describe('values', () => {
  it('render as JavaScript does: undefined and null empty, booleans, arrays joined', async () => {
    expect(await both('{{ a }}|{{ b.c.d }}|{{ true }}{{ false }}|{{ null }}{{ none }}{{ undefined }}|{{ [1, [2, 3], null] }}|{{ {a: 1} }}')).toBe('||truefalse||1,2,3,|[object Object]');
  });
  it('set: if bodies share the frame, macros keep their own, a loop has one frame', async () => {
    expect(await both('{% set x = 1 %}{% if true %}{% set x = 2 %}{% endif %}{{ x }}{% macro m() %}{% set x = 9 %}{{ x }}{% endmacro %}{{ m() }}{{ x }}')).toBe('292');
    // an outer name is updated from the loop; a new one lives in the loop's frame, across iterations
    expect(await both('{% set x = 1 %}{% for i in [1, 2] %}{% set x = x + i %}{% if i == 1 %}{% set y = "a" %}{% endif %}[{{ y }}]{% endfor %}{{ x }}[{{ y }}]')).toBe('[a][a]4[]');
    expect(await both('{% for i in [1] %}{% set s %}<{{ i }}>{% endset %}{{ s | safe }}{% endfor %}[{{ s }}]')).toBe('<1>[]');
  });
  it('JavaScript members and methods on values', async () => {
    expect(await both('{{ xs.concat([3]) }}|{{ xs.indexOf(2) }}|{{ xs.length }}|{{ "ab".toUpperCase() }}|{{ [true, false].includes(f) }}|{{ o.fn(2) }}', {
      xs: [1, 2], f: false, o: { k: 3, fn(this: { k: number }, x: number) { return x * this.k; } },
    })).toBe('1,2,3|1|2|AB|true|6');
  });
  it('operators: + and == are JavaScript\'s, in, and/or return operands', async () => {
    expect(await both('{{ "a" + 1 }}|{{ 1 + 2 }}|{{ "x" ~ 3 ~ undefined }}|{{ "a" in "cab" }}{{ 3 in [1, 2] }}{{ "k" in {k: 1} }}|{{ 0 or "d" }}{{ 1 and 2 }}')).toBe(
      'a1|3|x3undefined|truefalsetrue|d2',
    );
  });
  it('safe strings: trim, indent, replace keep safety; + of safe strings gives a plain string', async () => {
    const ctx = { s: ' <i>\nx ' };
    expect(await both('{{ s | safe | trim }}|{{ s | trim }}|{{ s | safe | indent(2) }}|{{ s | safe | replace("x", "y") }}|{{ (s | safe) + "<b>" }}', ctx)).toBe(
      '<i>\nx|&lt;i&gt;\nx| <i>\n  x | <i>\ny | &lt;i&gt;\nx &lt;b&gt;',
    );
    expect(await both('{{ x is escaped }}{{ (x | safe) is escaped }}{{ (x | safe) is string }}{{ (x | safe) is mapping }}{{ (x | safe).val }}', { x: 'v' })).toBe(
      'falsetruefalsetruev',
    );
  });
});

describe('filters and tests as Nunjucks defines them', () => {
  it('dump, default, escape family, length, string', async () => {
    expect(await both('{{ o | dump }}|{{ o | dump(1) | safe }}', { o: { a: [1, 'x'], b: null } })).toBe('{&quot;a&quot;:[1,&quot;x&quot;],&quot;b&quot;:null}|{\n "a": [\n  1,\n  "x"\n ],\n "b": null\n}');
    expect(await both('{{ u | default("d") }}{{ "" | default("d") }}{{ "" | default("d", true) }}{{ null | default("d") }}')).toBe('dd');
    expect(await both('{{ h }}|{{ h | safe }}|{{ h | e | e }}|{{ h | forceescape }}', { h: "<a href='x'>\\</a>" })).toBe(
      '&lt;a href=&#39;x&#39;&gt;&#92;&lt;/a&gt;|<a href=\'x\'>\\</a>|&lt;a href=&#39;x&#39;&gt;&#92;&lt;/a&gt;|&lt;a href=&#39;x&#39;&gt;&#92;&lt;/a&gt;',
    );
    expect(await both('{{ "abc" | length }}{{ o | length }}{{ null | length }}{{ 5 | string + 1 }}', { o: { a: 1, b: 2 } })).toBe('32051');
  });
  it('sort, sum, join, batch, groupby, dictsort, select/reject, int/float, round', async () => {
    expect(await both('{{ [3, 1, 2] | sort | join(",") }}{{ [1, 2, 3] | sum }}{{ [1, 2, 3, 4, 5] | batch(2) | dump }}', {})).toBe('1,2,36[[1,2],[3,4],[5]]');
    expect(await both('{{ items | groupby("t") | dump }}{{ {b: 1, a: 2} | dictsort | dump }}', { items: [{ t: 'a' }, { t: 'b' }, { t: 'a' }] })).toBe(
      '{&quot;a&quot;:[{&quot;t&quot;:&quot;a&quot;},{&quot;t&quot;:&quot;a&quot;}],&quot;b&quot;:[{&quot;t&quot;:&quot;b&quot;}]}[[&quot;a&quot;,2],[&quot;b&quot;,1]]',
    );
    expect(await both('{{ [1, 2, 3] | select("odd") | join }}{{ [1, 2, 3] | reject("odd") | join }}{{ [0, 1, ""] | select | length }}')).toBe('1321');
    expect(await both('{{ 3.7 | int }}{{ "x" | int(5) }}{{ "3.5" | float }}{{ 2.5 | round }}{{ 2.45 | round(1, "floor") }}')).toBe('353.532.4');
  });
  it('{% filter %} escapes its result again, as Nunjucks does', async () => {
    expect(await both('{% filter upper %}a{{ x }}{% endfilter %}', { x: '<b>' })).toBe('A&amp;LT;B&amp;GT;');
  });
  it('an unknown filter or test fails when the call runs, as in Nunjucks (a compile warning suggests the name)', async () => {
    expect(renderError('{{ x | trimm }}', {}, NJK).message).toMatch(/filter not found: trimm/);
    expect(renderError('{{ x is escapedd }}', {}, NJK).message).toMatch(/test not found: escapedd/);
    expect(await both('{% if false %}{{ x | appOnly }}{% endif %}ok')).toBe('ok');
    const { warnings } = compile('{{ x | trimm }}', { name: 't.njk', compat: 'nunjucks' });
    expect(warnings.map((w) => [w.code, w.message])).toEqual([['K-PAR-004', "Unknown filter 'trimm' (Nunjucks fails when the call runs). Did you mean 'trim'?"]]);
  });
});

describe('what the mode keeps from Kida', () => {
  it('never reaches constructors or prototypes (Nunjucks would)', () => {
    for (const src of ['{{ x.constructor }}', '{{ "".constructor.constructor("return 1")() }}', '{{ x.__proto__ }}', '{{ x["constructor"] }}', '{{ f.call }}'])
      expect(renderError(src, { x: {}, f: () => 1 }, NJK).message).toMatch(/not allowed/);
  });
  it('renders blocks alone, and compiles to a module importing the Nunjucks runtime', () => {
    const env = new Environment({ loader: new DictLoader(files), compat: 'nunjucks' });
    const t = env.fromString('{% block a %}<{{ x.y }}>{% endblock %}', { name: 'p.njk' });
    expect(t.renderBlock('a', { x: { y: '&' } })).toBe('<&amp;>');
    const { code } = compile('{{ x | trim }}{{ a.b }}', { name: 'p.njk', compat: 'nunjucks' });
    expect(code).toContain('from "kida/runtime/nunjucks"');
    expect(code).toMatch(/nf_trim as \$nf_trim/);
  });
  it('default Kida is unchanged: macro, bare keys and -#} mean what they did', () => {
    expect(renderError('{% macro m() %}{% endmacro %}').message).toMatch(/def/);
    expect(new Environment().fromString('{% set k = "key" %}{{ {k: 1} }}').render({})).toBe('{&#39;key&#39;: 1}');
    expect(new Environment().fromString('a{# c -#} b').render({})).toBe('a b');
    expect(() => new Environment({ compat: 'jinja' as never })).toThrow(/compat/);
  });
});

describe('properties', () => {
  it('any string and number data renders as Nunjucks renders it', () => {
    const src = '{{ a }}|{{ a | trim }}|{{ a | safe | indent(2) }}|{{ a ~ b }}|{{ a + b }}|{% if a == b %}eq{% endif %}{{ a | length }}|{{ a | replace("a", b) }}|{{ [a, b] | join("-") }}|{{ a | upper | escape }}';
    const t = new Environment({ compat: 'nunjucks' }).fromString(src);
    const value = fc.oneof(fc.string(), fc.integer(), fc.constantFrom('<a href="x">&amp;</a>', "'\\", ' \n ', ''));
    // (a filter Nunjucks fails on, such as trim of a number, fails here too)
    const outcome = (f: () => string) => {
      try {
        return f();
      } catch {
        return 'threw';
      }
    };
    fc.assert(
      fc.property(value, value, (a, b) => {
        expect(outcome(() => t.render({ a, b }))).toBe(outcome(() => nunjucksRender(src, { a, b })));
      }),
      { numRuns: 300 },
    );
  });
});

describe('trim', () => {
  it('removes exactly the whitespace Nunjucks removes, Unicode included', () => {
    const t = new Environment({ compat: 'nunjucks' }).fromString('[{{ a | trim }}][{{ a | safe | trim }}][{{ a | striptags }}]');
    const ws = fc.string({ unit: fc.constantFrom(' ', '\u00a0', '\ufeff', '\u2028', '\u1680', '\u180e', '\u200b', '\t', '\u3000', '\u0085', 'a', '<b>') });
    fc.assert(
      fc.property(ws, (a) => {
        expect(t.render({ a })).toBe(nunjucksRender('[{{ a | trim }}][{{ a | safe | trim }}][{{ a | striptags }}]', { a }));
      }),
      { numRuns: 300 },
    );
  });
});

describe('tables', () => {
  it('every filter and test the compiler binds is implemented, and the other way round', async () => {
    const rt = (await import('../../runtime/nunjucks/index.js')) as Record<string, unknown>;
    const { njkFilterParams, njkTestParams } = await import('../../runtime/nunjucks/signatures.js');
    const exported = (p: string) => Object.keys(rt).filter((k) => k.startsWith(p)).map((k) => k.slice(p.length)).sort();
    expect(exported('nf_')).toEqual(Object.keys(njkFilterParams).sort());
    expect(exported('nt_')).toEqual(Object.keys(njkTestParams).sort());
  });
});
