import { describe, expect, it } from 'vitest';
import { r, renderAll, renderError } from '../support.js';

describe('literals and rendering of Python values', () => {
  it('renders None, booleans, ints and floats the Python way', () => {
    expect(r('{{ none }} {{ true }} {{ false }} {{ 42 }} {{ 2.5 }} {{ 1.0 }}')).toBe('None True False 42 2.5 1.0');
  });
  it('renders containers with Python repr (escaped under autoescape)', () => {
    expect(r("{{ [1, 'a', none] }}", {}, { autoescape: false })).toBe("[1, 'a', None]");
    expect(r("{{ {'a': 1} }}", {}, { autoescape: false })).toBe("{'a': 1}");
    expect(r('{{ (1,) }} {{ (1, 2) }}', {}, { autoescape: false })).toBe('(1,) (1, 2)');
    expect(r("{{ ['<'] }}")).toBe('[&#39;&lt;&#39;]');
  });
  it('renders a range object', () => {
    expect(r('{{ 1..3 }}')).toBe('range(1, 4)');
  });
});

describe('operators', () => {
  it('follows Python arithmetic', async () => {
    expect(await renderAll('{{ 7 // 2 }} {{ -7 // 2 }} {{ -7 % 3 }} {{ 4 / 2 }} {{ 2 ** 10 }} {{ 2 ** -1 }}')).toBe('3 -4 2 2.0 1024 0.5');
  });
  it('makes + polymorphic and ~ a string join', () => {
    expect(r('{{ 1 + 2 }} {{ "a" + 1 }} {{ n + " items" }} {{ "a" ~ none }}', { n: 3 })).toBe('3 a1 3 items aNone');
    expect(r('{{ [1] + [2] }}', {}, { autoescape: false })).toBe('[1, 2]');
  });
  it('repeats strings and formats with %', () => {
    expect(r('{{ "ab" * 3 }} {{ "%s-%d" % ("x", 4) }}')).toBe('ababab x-4');
  });
  it('binds filters tighter than + and ~ but looser than *', () => {
    expect(r('{{ "a" ~ "b" | upper }}')).toBe('aB');
    expect(r('{{ 1 + 2 | string }}')).toBe('12');
    expect(r('{{ 2 * 3 | string }}')).toBe('6');
    expect(r('{{ -42 | abs }}')).toBe('42');
  });
  it('gives ** precedence over unary minus', () => {
    expect(r('{{ -2 ** 2 }}')).toBe('-4');
  });
  it('chains comparisons', () => {
    expect(r('{{ 1 < 2 < 3 }} {{ 1 < 3 < 2 }} {{ 1 == 1.0 }} {{ (1, 2) == [1, 2] }} {{ [1, 2] == [1, 2] }}')).toBe(
      'True False True False True',
    );
  });
  it('supports membership', () => {
    expect(r('{{ "b" in "abc" }} {{ 2 in [1, 2] }} {{ "k" in {"k": 1} }} {{ 3 not in [1] }}')).toBe('True True True True');
  });
  it('returns operands from and/or, a bool from not', () => {
    expect(r('{{ 0 or "b" }} {{ "a" and "b" }} {{ not 0 }} {{ [] or "empty" }}')).toBe('b b True empty');
  });
  it('evaluates ternaries, with "" when else is missing', () => {
    expect(r('[{{ "y" if x else "n" }}][{{ "y" if not x }}]', { x: 0 })).toBe('[n][y]');
  });
  it('uses Python truthiness', () => {
    expect(r('{% if [] %}a{% end %}{% if {} %}b{% end %}{% if "0" %}c{% end %}{% if 0.0 %}d{% end %}')).toBe('c');
  });
  it('raises on division by zero', () => {
    const e = renderError('{{ 1 / x }}', { x: 0 });
    expect(e.name).toBe('PyError');
    expect(String(e.message)).toMatch(/division by zero/);
  });
});

describe('null-safe operators and pipelines', () => {
  it('?? falls back on undefined and None but keeps falsy values', () => {
    expect(r('{{ missing ?? "d" }} {{ n ?? "d" }} {{ z ?? "d" }}', { n: null, z: 0 })).toBe('d d 0');
  });
  it('?. and ?[ short-circuit on None', () => {
    expect(r('[{{ u?.name }}][{{ u?["k"] }}]', { u: null })).toBe('[][]');
    expect(r('{{ u?.name ?? "anon" }}', { u: { name: null } })).toBe('anon');
  });
  it('plain dot lookup of a None value renders ""', () => {
    expect(r('[{{ u.nick }}][{{ u.nick | default("x") }}]', { u: { nick: null } })).toBe('[][]');
  });
  it('?| skips the filter for None', () => {
    expect(r('[{{ v ?| upper }}][{{ w ?| upper }}]', { v: null, w: 'a' })).toBe('[][A]');
  });
  it('|> pipes values left to right', () => {
    expect(r('{{ [3, 1, 2] |> sort |> join("-") }}')).toBe('1-2-3');
  });
});

describe('lookup', () => {
  it('prefers dict keys over methods for dots', () => {
    expect(r('{{ d.items }}', { d: { items: 'key wins' } })).toBe('key wins');
    expect(r('{% for k, v in d.items() %}{{ k }}={{ v }};{% end %}', { d: { a: 1, b: 2 } })).toBe('a=1;b=2;');
  });
  it('supports negative indexes and slices', () => {
    expect(r('{{ xs[-1] }} {{ xs[1:] }} {{ xs[::-1] }} {{ "hello"[1:3] }}', { xs: [1, 2, 3] }, { autoescape: false })).toBe(
      '3 [2, 3] [3, 2, 1] el',
    );
  });
  it('calls Python-style methods on strings and lists', () => {
    expect(r('{{ "a,b".split(",")[1] }} {{ " x ".strip() }} {{ "{}-{}".format(1, 2) }} {{ ",".join(["a", "b"]) }}')).toBe(
      'b x 1-2 a,b',
    );
  });
  it('raises UndefinedError for a missing attribute in strict mode and renders "" when lenient', () => {
    expect(renderError('{{ d.nmae }}', { d: { name: 1 } }).name).toBe('UndefinedError');
    expect(r('[{{ d.nmae }}]', { d: { name: 1 } }, { strictUndefined: false })).toBe('[]');
  });
  it('refuses to reach prototypes or constructors', () => {
    expect(renderError('{{ x.constructor }}', { x: {} }).name).toBe('SecurityError');
    expect(renderError('{{ x.__proto__ }}', { x: {} }).name).toBe('SecurityError');
    expect(renderError('{{ f.call }}', { f: () => 1 }).name).toBe('SecurityError');
  });
});

describe('ranges and comprehensions', () => {
  it('builds inclusive, exclusive and stepped ranges', () => {
    expect(r('{{ (1..4) | list }} {{ (1...4) | list }} {{ (1..10 by 3) | list }} {{ (5..1 by -2) | list }}', {}, { autoescape: false })).toBe(
      '[1, 2, 3, 4] [1, 2, 3] [1, 4, 7, 10] [5, 3, 1]',
    );
  });
  it('maps and filters with a list comprehension', () => {
    expect(r('{{ [x * 2 for x in xs if x > 1] }}', { xs: [1, 2, 3] }, { autoescape: false })).toBe('[4, 6]');
    expect(r('{{ [k ~ v for k, v in pairs] }}', { pairs: [['a', 1]] }, { autoescape: false })).toBe("['a1']");
  });
});

describe('autoescape and Markup', () => {
  it('escapes output but never static text', () => {
    expect(r('<b>{{ x }}</b>', { x: '<i>&"\'' })).toBe('<b>&lt;i&gt;&amp;&#34;&#39;</b>'.replace('&#34;', '&quot;'));
  });
  it('lets safe and escaped values through once', () => {
    expect(r('{{ x | safe }} {{ x | e | e }}', { x: '<i>' })).toBe('<i> &lt;i&gt;');
  });
  it('escapes the plain side of a Markup concatenation', () => {
    expect(r('{{ "<b>" | safe ~ "<i>" }}')).toBe('<b>&lt;i&gt;');
  });
  it('can be switched off', () => {
    expect(r('{{ x }}', { x: '<i>' }, { autoescape: false })).toBe('<i>');
  });
});
