// Linear time on hostile data in `compat: 'nunjucks'` (issue #19 §2): every Nunjucks filter and
// test (the signature tables are iterated: a new one without a worst case fails here), the
// JavaScript methods templates call, and data-supplied regular expressions, given a worst case
// built for each at 100 KB and 200 KB, take about twice as long at twice the size.
// The clock and the rule are linear-time.test.ts's (CPU time, least of a few runs).
import { describe, expect, it } from 'vitest';
import * as F from '../../runtime/nunjucks/filters.js';
import { njkFilterParams, njkTestParams } from '../../runtime/nunjucks/signatures.js';
import { njkEnv } from './nunjucks-support.js';
import { N, expectLinear, type Make } from './linear-clock.js';

const rep = (s: string, n: number) => s.repeat(Math.max(1, Math.floor(n / s.length)));
const items = (n: number) => Math.max(1, Math.floor(n / 8));
const nums = (n: number) => Array.from({ length: items(n) }, (_, i) => (i * 7919) % 1000);
const objs = (n: number) => Array.from({ length: items(n) }, (_, i) => ({ k: `k${i % 97}`, v: i }));
const fns = F as unknown as Record<string, (...a: unknown[]) => unknown>;
/** `nf_<name>(value(n), ...args)`, the value built outside the clock; a refusal (K-SEC-003) is an answer too. */
const f = (name: string, value: (n: number) => unknown, ...args: unknown[]): Make => (n) => {
  const v = value(n);
  return () => {
    try {
      return fns[`nf_${name}`]!(v, ...args);
    } catch (e) {
      if (!String((e as { code?: string }).code).startsWith('K-')) throw e;
    }
  };
};
const t = (name: string, value: (n: number) => unknown, ...args: unknown[]): Make => (n) => {
  const v = value(n);
  return () => fns[`nt_${name}`]!(v, ...args);
};

const FILTERS: Record<string, [string, Make][]> = {
  abs: [['digits', f('abs', (n) => rep('9', n))]],
  batch: [['items', f('batch', nums, 3, 0)]],
  capitalize: [['text', f('capitalize', (n) => rep('aB ', n))]],
  center: [['wide', f('center', (n) => rep('a', n), 2 * N)]],
  default: [['undefined', f('default', () => undefined, 'x')]],
  d: [['text', f('d', (n) => rep('a', n), 'x', true)]],
  dictsort: [['keys', f('dictsort', (n) => Object.fromEntries(nums(n).map((x, i) => [`k${x}_${i}`, i])))]],
  dump: [['strings', f('dump', (n) => nums(n).map(String))], ['nested', f('dump', (n) => rep('<"', n).split('"'), 2)]],
  escape: [['specials', f('escape', (n) => rep('<&"\'\\', n))]],
  e: [['specials', f('e', (n) => rep('<>', n))]],
  safe: [['text', f('safe', (n) => rep('<', n))]],
  first: [['items', f('first', nums)]],
  forceescape: [['specials', f('forceescape', (n) => rep('<&', n))]],
  groupby: [['objects', f('groupby', objs, 'k')], ['dotted', f('groupby', objs, 'k.length')]],
  indent: [['lines', f('indent', (n) => rep('\n', n), 2, true)], ['long line', f('indent', (n) => rep('a', n))]],
  join: [['items', f('join', nums, ', ')], ['attribute', f('join', objs, ',', 'k')]],
  last: [['items', f('last', nums)]],
  length: [['object', f('length', (n) => Object.fromEntries(nums(n).map((x, i) => [`${i}`, x])))]],
  list: [['text', f('list', (n) => rep('ab', n))], ['object', f('list', (n) => Object.fromEntries(nums(n).map((x, i) => [`${i}`, x])))]],
  lower: [['text', f('lower', (n) => rep('AB', n))]],
  nl2br: [['newlines', f('nl2br', (n) => rep('\r\n\n', n))]],
  random: [['items', f('random', nums)]],
  reject: [['items', f('reject', nums, 'odd')]],
  rejectattr: [['objects', f('rejectattr', objs, 'v')]],
  select: [['items', f('select', nums, 'divisibleby', 3)]],
  selectattr: [['objects', f('selectattr', objs, 'k')]],
  replace: [
    ['many matches', f('replace', (n) => rep('a', n), 'a', 'bb')],
    ['empty old', f('replace', (n) => rep('a', n / 2), '', '-')],
    ['near misses', f('replace', (n) => rep('aaab', n), 'aaaa', 'x')],
    ['backtracking regex, no match', f('replace', (n) => `${rep('a', n)}!`, /(a|a)*b/g, 'x')],
    ['trailing-space regex', f('replace', (n) => `${rep(' ', n)}x`, /\s+$/g, '')],
  ],
  reverse: [['text', f('reverse', (n) => rep('ab', n))], ['items', f('reverse', nums)]],
  round: [['digits', f('round', (n) => rep('9', n), 2)]],
  slice: [['items', f('slice', nums, 7, 0)]],
  sum: [['items', f('sum', nums)], ['attribute', f('sum', objs, 'v')]],
  sort: [['items', f('sort', nums)], ['attribute, case-insensitive', f('sort', objs, false, false, 'k')]],
  string: [['text', f('string', (n) => rep('a', n))]],
  striptags: [
    ['<a ×n (no >)', f('striptags', (n) => rep('<a', n))],
    ['<!-- ×n (no -->)', f('striptags', (n) => rep('<!--', n))],
    ['tags', f('striptags', (n) => rep('<b>x</b> ', n))],
    ['inner spaces, preserving line breaks', f('striptags', (n) => `x${rep(' ', n)}x`, true)],
    ['lines', f('striptags', (n) => rep(' a \n\n\n', n), true)],
  ],
  title: [['words', f('title', (n) => rep('ab ', n))]],
  trim: [['spaces', f('trim', (n) => `${rep(' ', n / 2)}x${rep(' ', n / 2)}`)]],
  truncate: [['no spaces', f('truncate', (n) => rep('a', n), N / 2)], ['spaces', f('truncate', (n) => rep(' ', n), N / 2)]],
  upper: [['text', f('upper', (n) => rep('ab', n))]],
  urlencode: [['specials', f('urlencode', (n) => rep('<é ', n))], ['pairs', f('urlencode', (n) => Object.fromEntries(nums(n).map((x, i) => [`k${i}`, x])))]],
  urlize: [
    ['one long word', f('urlize', (n) => rep('a', n))],
    ['email-like', f('urlize', (n) => `${rep('a.', n)}@${rep('b.', n / 2)}!`)],
    ['email domain', f('urlize', (n) => `a@${rep('a-b.', n)}!`)],
    ['punctuation', f('urlize', (n) => `(${rep('a.', n)}&gt;`)],
    ['words', f('urlize', (n) => rep('http://a.com www.b.org x@y.net ', n), 10, true)],
    ['spaces', f('urlize', (n) => rep(' \n', n))],
  ],
  wordcount: [['words', f('wordcount', (n) => rep('ab ', n))]],
  float: [['digits', f('float', (n) => `${rep('1', n)}x`)]],
  int: [['digits', f('int', (n) => `${rep('1', n)}x`)]],
};

const TESTS: Record<string, [string, Make][]> = Object.fromEntries(
  Object.keys(njkTestParams).map((name) => [name, [['long text', t(name, (n: number) => rep('aB', n), rep('aB', N))]]]),
);

/** JavaScript methods and data-supplied patterns, through a compiled template (member access, preflight). */
const env = njkEnv();
const tpl = (src: string, data: (n: number) => Record<string, unknown>): Make => (n) => {
  const template = env.fromString(src);
  const d = data(n);
  return () => {
    try {
      return template.render(d);
    } catch (e) {
      if (!String((e as { code?: string }).code).startsWith('K-')) throw e;
    }
  };
};
const METHODS: [string, Make][] = [
  ['s.match(data), backtracking, no match', tpl('{{ s.match(p) }}', (n) => ({ s: `${rep('a', n)}!`, p: '(a+)+$' }))],
  ['s.search(data), nested quantifiers', tpl('{{ s.search(p) }}', (n) => ({ s: rep('a', n), p: '(a|aa)*c' }))],
  ['s.matchAll(data)', tpl('{% for m in s.matchAll(p) %}{{ m }}{% endfor %}', (n) => ({ s: rep('ab', n), p: 'a*a*c' }))],
  ['s.split(data)', tpl('{{ s.split(p).length }}', (n) => ({ s: rep('ab', n), p: 'a' }))],
  ['s.split(regex)', tpl('{{ s.split(r/\\s*,\\s*x/).length }}', (n) => ({ s: rep(' ', n) }))],
  ['s.replace(data, data)', tpl('{{ s.replace(p, q) | length }}', (n) => ({ s: rep('a', n), p: 'a', q: '$`$\'' }))],
  ['s.replaceAll("", "$`") refused by size', tpl('{{ s.replaceAll("", q) | length }}', (n) => ({ s: rep('a', n), q: '$`' }))],
  ['s.replaceAll(data, data)', tpl('{{ s.replaceAll(p, q) | length }}', (n) => ({ s: rep('ab', n), p: 'ab', q: 'xyz' }))],
  ['r/…/.test(s), no match', tpl('{{ r/^(a|a)*$/.test(s) }}', (n) => ({ s: `${rep('a', n)}!` }))],
  ['s.indexOf / includes / padStart', tpl('{{ s.indexOf(p) }}{{ s.includes(p) }}{{ s.padStart(s.length + 5, p) | length }}', (n) => ({ s: rep('a', n), p: 'ab' }))],
  ['array join / concat / slice', tpl('{{ l.concat(l).slice(1).join(",") | length }}', (n) => ({ l: nums(n) }))],
];

describe('every Nunjucks filter and test has a worst case', () => {
  const names = (t: Record<string, unknown>) => Object.keys(t).filter((k) => !k.startsWith('__'));
  it('filters', () => expect(names(njkFilterParams).filter((k) => !FILTERS[k]?.length)).toEqual([]));
  it('tests', () => expect(names(njkTestParams).filter((k) => !TESTS[k]?.length)).toEqual([]));
});

for (const [kind, table] of [['filters', FILTERS], ['tests', TESTS], ['methods', { methods: METHODS }]] as const) {
  describe(`Nunjucks ${kind}: 200 KB costs about twice 100 KB`, () => {
    for (const [name, cases] of Object.entries(table))
      for (const [label, make] of cases)
        it(`${name} (${label})`, () => {
          expectLinear(make, `${kind}.${name} [${label}]`);
        });
  });
}
