// Every built-in test and global, through templates.
import { describe, expect, it } from 'vitest';
import { r, renderError } from '../support.js';

const tests: [string, string, Record<string, unknown>, string][] = [
  ['defined/undefined', '{{ x is defined }}{{ y is defined }}{{ n is defined }}{{ y is undefined }}', { x: 1, n: null }, 'TrueFalseFalseTrue'],
  ['defined on attributes', '{{ d.k is defined }}{{ d.zz is defined }}', { d: { k: 1 } }, 'TrueFalse'],
  ['none/true/false', '{{ none is none }}{{ 1 is true }}{{ true is true }}{{ false is false }}', {}, 'TrueFalseTrueTrue'],
  ['string/number', '{{ "a" is string }}{{ true is number }}{{ 1.5 is number }}', {}, 'TrueFalseTrue'],
  ['sequence/mapping/iterable/callable', '{{ "a" is sequence }}{{ {} is mapping }}{{ [] is iterable }}{{ 1 is iterable }}{{ f is callable }}', { f: () => 1 }, 'TrueTrueTrueFalseTrue'],
  ['odd/even/divisibleby', '{{ 3 is odd }}{{ 4 is even }}{{ 9 is divisibleby 3 }}{{ 9 is divisibleby(4) }}', {}, 'TrueTrueTrueFalse'],
  ['comparison tests', '{{ 1 is eq 1 }}{{ 1 is equalto(2) }}{{ 1 is ne 2 }}{{ 1 is lt 2 }}{{ 1 is lessthan 2 }}{{ 2 is le 2 }}{{ 3 is gt 2 }}{{ 3 is greaterthan 2 }}{{ 2 is ge 3 }}', {}, 'TrueFalseTrueTrueTrueTrueTrueTrueFalse'],
  ['sameas', '{{ x is sameas(x) }}{{ [] is sameas([]) }}', { x: [1] }, 'TrueFalse'],
  ['lower/upper', '{{ "ab" is lower }}{{ "AB" is upper }}{{ "aB" is upper }}', {}, 'TrueTrueFalse'],
  ['match', '{{ "abc" is match("a.c") }}{{ "xabc" is match("a") }}', {}, 'TrueFalse'],
  ['negation', '{{ 3 is not even }}', {}, 'True'],
];

const globals: [string, string, Record<string, unknown>, string][] = [
  ['range', '{{ range(3) | list }}{{ range(1, 10, 4) | list }}', {}, '[0, 1, 2][1, 5, 9]'],
  ['dict/list/set/tuple', '{{ dict(a=1) }}{{ list("ab") }}{{ set([1, 1]) }}{{ tuple([1]) }}', {}, "{'a': 1}['a', 'b']{1}(1,)"],
  ['len/str/int/float/bool', '{{ len("abc") }}{{ str(1) ~ "x" }}{{ int("7") }}{{ float(1) }}{{ bool([]) }}', {}, '31x71.0False'],
  ['abs/min/max/sum', '{{ abs(-2) }}{{ min(3, 1) }}{{ max([1, 4]) }}{{ sum([1, 2]) }}', {}, '2143'],
  ['sorted/reversed', '{{ sorted([3, 1, 2]) }}{{ reversed([1, 2]) | list }}{{ sorted([1, 2], reverse=true) }}', {}, '[1, 2, 3][2, 1][2, 1]'],
  ['enumerate/zip', '{% for i, x in enumerate("ab", start=1) %}{{ i }}{{ x }}{% end %}{% for a, b in zip([1, 2], "xy") %}{{ a }}{{ b }}{% end %}', {}, '1a2b1x2y'],
  ['map/filter', '{{ map(str, [1, 2]) | join("-") }}{{ filter(none, [0, 1, 2]) | list }}', {}, '1-2[1, 2]'],
  ['consume and provide', '{% provide theme = "dark" %}{{ consume("theme") }}{% end %}{{ consume("theme", "none") }}', {}, 'darknone'],
];

describe('built-in tests', () => {
  for (const [name, source, ctx, expected] of tests) it(name, () => expect(r(source, ctx)).toBe(expected));
  it('unknown test names fail at compile time', () => {
    expect(renderError('{{ 1 is evn }}').message).toMatch(/Did you mean 'even'/);
  });
  it('custom tests receive arguments', () => {
    expect(r('{{ 5 is between(1, 10) }}', {}, { tests: { between: (v: number, a: number, b: number) => v >= a && v <= b } })).toBe('True');
  });
});

describe('built-in globals', () => {
  for (const [name, source, ctx, expected] of globals) it(name, () => expect(r(source, ctx, { autoescape: false })).toBe(expected));
  it('user globals are visible to every template', () => {
    expect(r('{{ site }}', {}, { globals: { site: 'S' } })).toBe('S');
  });
});
