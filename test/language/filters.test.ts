// Every built-in filter, through templates (so keyword binding is exercised too).
import { describe, expect, it } from 'vitest';
import { r, renderError } from '../support.js';

const plain = { autoescape: false };
const cases: [string, string, Record<string, unknown>, string][] = [
  // strings
  ['upper/lower', '{{ "aB" | upper }}{{ "aB" | lower }}{{ none | upper }}', {}, 'ABabNONE'],
  ['capitalize', '{{ "hELLO wORLD" | capitalize }}', {}, 'Hello world'],
  ['title', '{{ "hello big-world" | title }}', {}, 'Hello Big-World'],
  ['trim/strip', '[{{ "  a  " | trim }}][{{ "xxaxx" | strip("x") }}]', {}, '[a][a]'],
  ['replace', '{{ "aaa" | replace("a", "b") }} {{ "aaa" | replace("a", "b", 2) }} {{ "aaa" | replace("a", "b", count=1) }}', {}, 'bbb bba baa'],
  ['truncate', '{{ "hello world foo" | truncate(11) }}|{{ "hello world" | truncate(8, killwords=true) }}|{{ "abc" | truncate(5) }}|{{ "hello world" | truncate(9, end="…") }}', {}, 'hello...|hello...|abc|hello…'],
  ['center', '[{{ "ab" | center(5) }}]', {}, '[  ab ]'],
  ['indent', '{{ "a\nb\n\nc" | indent(2) }}|{{ "a\nb" | indent(2, first=true) }}', {}, 'a\n  b\n  \n  c|  a\n  b'],
  ['wordwrap', '{{ "aaa bbb ccc" | wordwrap(7) }}', {}, 'aaa bbb\nccc'],
  ['format', '{{ "{} {x} {:.2f}" | format(1, 2.5, x="y") }}', {}, '1 y 2.50'],
  ['wordcount', '{{ "one two  three" | wordcount }}', {}, '3'],
  ['slug', '{{ "Hello, World! café" | slug }}', {}, 'hello-world-caf'],
  ['pluralize', '{{ 1 | pluralize }}|{{ 2 | pluralize }}|{{ 2 | pluralize("y,ies") }}|{{ 1 | pluralize("y,ies") }}', {}, '|s|ies|y'],
  ['striptags', '{{ "<b>a</b> &amp; b" | striptags }}', plain, 'a &amp; b'],
  ['urlencode', '{{ "a b/c?d=e" | urlencode }}', {}, 'a%20b%2Fc%3Fd%3De'],
  ['escape/e', '{{ "<a>" | e }}{{ "<a>" | safe | escape }}', {}, '&lt;a&gt;<a>'],
  ['safe', '{{ "<i>" | safe }}', {}, '<i>'],
  ['xmlattr', '<div {{ {"class": "a b", "id": none, "title": "<x>"} | xmlattr }}>', {}, '<div class="a b" title="&lt;x&gt;">'],
  // collections
  ['length/count', '{{ [1, 2] | length }}{{ "abc" | count }}{{ none | length }}{{ {"a": 1} | length }}', {}, '2301'],
  ['first/last', '{{ [1, 2, 3] | first }}{{ [1, 2, 3] | last }}{{ [] | first }}', {}, '13None'],
  ['join', '{{ [1, 2] | join(", ") }}|{{ none | join }}|{{ ["a", "b"] | join(separator="-") }}', {}, '1, 2||a-b'],
  ['reverse', '{{ "abc" | reverse | join }}{{ [1, 2] | reverse }}', plain, 'cba[2, 1]'],
  ['sort', '{{ [3, 1, 2] | sort }}{{ ["b", "A", "c"] | sort }}{{ [1, 3, 2] | sort(reverse=true) }}', plain, "[1, 2, 3]['A', 'b', 'c'][3, 2, 1]"],
  ['sort by attribute', '{{ users | sort(attribute="age") | map(attribute="name") | join }}', { users: [{ name: 'b', age: 3 }, { name: 'a', age: 1 }] }, 'ab'],
  ['dictsort', '{% for k, v in {"b": 1, "a": 2} | dictsort %}{{ k }}{{ v }}{% end %}|{% for k, v in {"b": 1, "a": 2} | dictsort(by="value") %}{{ k }}{% end %}', {}, 'a2b1|ba'],
  ['unique', '{{ [1, 2, 1, "a", "A"] | unique }}', plain, "[1, 2, 'a']"],
  ['groupby', '{% for g in xs | groupby("k") %}{{ g.grouper }}:{{ g.list | length }};{% end %}', { xs: [{ k: 'b' }, { k: 'a' }, { k: 'b' }] }, 'a:1;b:2;'],
  ['map', '{{ xs | map(attribute="n") | join }}{{ ["a"] | map("upper") | join }}', { xs: [{ n: 1 }, { n: 2 }] }, '12A'],
  ["select/reject", "{{ [1, 2, 3, 4] | select(\"even\") | join }}{{ [1, 2, 3, 4] | reject(\"odd\") | join }}{{ [0, 1, \"\"] | select | join }}", {}, "24241"],
  ['select with arguments', '{{ [1, 5, 10] | select("gt", 3) | join(",") }}', {}, '5,10'],
  ['selectattr/rejectattr', '{{ xs | selectattr("ok") | map(attribute="n") | join }}{{ xs | rejectattr("ok") | map(attribute="n") | join }}', { xs: [{ n: 1, ok: true }, { n: 2, ok: false }] }, '12'],
  ['batch', '{{ [1, 2, 3] | batch(2) }}{{ [1, 2, 3] | batch(2, 0) }}', plain, '[[1, 2], [3]][[1, 2], [3, 0]]'],
  ['slice', '{{ [1, 2, 3, 4, 5] | slice(2) }}', plain, '[[1, 3, 5], [2, 4]]'],
  ['take/skip', '{{ [1, 2, 3] | take(2) }}{{ [1, 2, 3] | skip(2) }}', plain, '[1, 2][3]'],
  ['compact', '{{ [0, 1, none, ""] | compact }}{{ [0, none, ""] | compact(truthy=false) }}', plain, "[1][0, '']"],
  ['sum', '{{ [1, 2, 3] | sum }}{{ xs | sum(attribute="n") }}{{ [1] | sum(start=10) }}', { xs: [{ n: 2 }, { n: 3 }] }, '6511'],
  ['min/max', '{{ [3, 1, 2] | min }}{{ [3, 1, 2] | max }}', {}, '13'],
  ['list', '{{ "ab" | list }}{{ {"k": 1} | list }}', plain, "['a', 'b']['k']"],
  ['attr/get', '{{ d | attr("x") }}{{ d | get("items") }}{{ d | get("zz", "dflt") }}', { d: { x: 1, items: 2 } }, '12dflt'],
  ['random/shuffle', '{{ [7] | random }}{{ [1] | shuffle }}', plain, '7[1]'],
  ['classes', '{{ ["a", none, ["b", false, "c"]] | classes }}', {}, 'a b c'],
  // numbers and conversion
  ['abs', '{{ -3 | abs }}{{ -2.5 | abs }}', {}, '32.5'],
  ['round', '{{ 2.5 | round }} {{ 3.5 | round }} {{ 5 | round }} {{ 3.14159 | round(2) }} {{ 3.1 | round(method="ceil") }} {{ 3.9 | round(0, "floor") }}', {}, '2.0 4.0 5.0 3.14 4.0 3.0'],
  ['int', '{{ "42" | int }} {{ 3.9 | int }} {{ "4.7" | int }} {{ "x" | int(7) }}', {}, '42 3 0 7'],
  ['float', '{{ "1e3" | float }} {{ "x" | float }} {{ 2 | float }}', {}, '1000.0 0.0 2.0'],
  ['string', '{{ none | string }}{{ 1 | string ~ "a" }}', {}, 'None1a'],
  ['decimal', '{{ 3.14159 | decimal }} {{ 2 | decimal(1) }}', {}, '3.14 2.0'],
  ['format_number/commas', '{{ 1234567.891 | format_number(2) }} {{ 1234.9 | commas }}', {}, '1,234,567.89 1,234'],
  ['filesizeformat', '{{ 100 | filesizeformat }} {{ 1500 | filesizeformat }} {{ 2048 | filesizeformat(true) }}', {}, '100 Bytes 1.5 kB 2.0 KiB'],
  ['tojson', '{{ {"a": [1, "x<\/"], "b": none} | tojson }}', {}, '{"a": [1, "x\\u003c/"], "b": null}'],
  ['typeof', '{{ 1 | typeof }} {{ 1.5 | typeof }} {{ "a" | typeof }} {{ none | typeof }} {{ [1] | typeof }} {{ {} | typeof }} {{ true | typeof }}', {}, 'int float str none list dict bool'],
  ['date', '{{ d | date("%Y/%m/%d") }}|{{ none | date }}', { d: new Date(2024, 0, 31) }, '2024/01/31|'],
  // validation and debugging
  ['default/d', '{{ missing | default("x") }}{{ none | d("y") }}{{ "" | default("z") }}{{ "" | default("z", true) }}', {}, 'xyz'],
  ['require', '{{ 1 | require }}', {}, '1'],
  ['debug', '{{ 5 | debug }}', {}, '5'],
  ['pprint', '{{ {"a": 1} | pprint }}', plain, "{'a': 1}"],
];

describe('built-in filters', () => {
  for (const [name, source, ctx, expected] of cases) {
    it(name, () => {
      // `plain` in the context slot means: no data, autoescape off
      const [data, options] = ctx === plain ? [{}, plain] : [ctx, {}];
      expect(r(source, data, options)).toBe(expected);
    });
  }
  it('require raises RequiredValueError for None', () => {
    expect(renderError('{{ none | require("need it") }}').name).toBe('RequiredValueError');
  });
  it('binds keyword arguments and rejects unknown ones', () => {
    expect(r('{{ "abcdef" | truncate(length=5, end="!") }}')).toBe('abcd!');
    expect(renderError('{{ "a" | upper(bogus=1) }}').message).toMatch(/unexpected keyword/);
  });
  it('|> and ?| apply filters eagerly; default keeps "" whichever operator calls it', () => {
    expect(r('{{ "" |> default("x") }}')).toBe('');
    expect(r('{{ none |> default("x") }}')).toBe('x');
    expect(r('[{{ none ?| upper }}]')).toBe('[]');
  });
  it('custom filters receive keyword arguments as Kwargs', () => {
    const out = r('{{ "a" | wrap("[", right="]") }}', {}, {
      filters: {
        wrap: (v: unknown, l: unknown, kw: { kw: Record<string, unknown> }) => `${l}${v}${kw.kw.right}`,
      },
    });
    expect(out).toBe('[a]');
  });
});
