// Every Nunjucks built-in filter and test of runtime/nunjucks/filters.ts against Nunjucks 3.2.4's
// own (nunjucks/src/filters.js, tests.js) on the same values: equal results, or both throw.
// Values cover what templates pass: undefined, null, booleans, numbers, strings, safe strings,
// arrays and objects of those (a SafeString has String's methods but no indexed characters, so
// e.g. `lower` works on one and `first` gives undefined; `lower` of a number throws there).
import fc from 'fast-check';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import * as ours from '../../runtime/nunjucks/filters.js';
import { Markup } from '../../runtime/markup.js';

const require = createRequire(import.meta.url);
const nf = require('nunjucks/src/filters.js');
const nt = require('nunjucks/src/tests.js');
const r = require('nunjucks/src/runtime.js');
const nunjucks = require('nunjucks');
const self = { env: new nunjucks.Environment() };

type V = unknown;
const FORBIDDEN = ['constructor', 'prototype', '__proto__', '__defineGetter__', '__defineSetter__', '__lookupGetter__', '__lookupSetter__'];
const leaf: fc.Arbitrary<V> = fc.oneof(
  fc.constantFrom(undefined, null, false, true, 0, 1, 2.5, -3, '', ' ', 'a', 'ab C', ' x y ', 'a\nb', '<b>x</b>', 'www.a.com', 'key'),
  fc.string({ maxLength: 8 }),
  fc.integer({ min: -5, max: 300 }),
  fc.string({ maxLength: 8 }).map((s) => ({ safe: s })),
);
const value: fc.Arbitrary<V> = fc.oneof(
  { weight: 3, arbitrary: leaf },
  { weight: 1, arbitrary: fc.array(leaf, { maxLength: 4 }) },
  { weight: 1, arbitrary: fc.dictionary(fc.constantFrom('a', 'b', 'key'), leaf, { maxKeys: 3 }) },
);
/** The same value for each side: `{ safe }` becomes a SafeString there and a Markup here. */
function side(v: V, njk: boolean): V {
  if (Array.isArray(v)) return v.map((x) => side(x, njk));
  if (v && typeof v === 'object' && 'safe' in v) return njk ? new r.SafeString((v as { safe: string }).safe) : new Markup((v as { safe: string }).safe);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, side(x, njk)]));
  return v;
}
function shape(v: V): V {
  if (v instanceof r.SafeString) return { safe: String(v) };
  if (v instanceof Markup) return { safe: v.value };
  if (Array.isArray(v)) return v.map(shape);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, shape(x)]));
  return Number.isNaN(v) ? 'NaN' : v;
}
function outcome(f: () => V): V {
  try {
    return { ok: shape(f()) };
  } catch {
    return 'throws';
  }
}

const FILTERS = [
  'abs', 'batch', 'capitalize', 'center', 'default', 'dictsort', 'dump', 'escape', 'safe', 'first', 'forceescape', 'groupby',
  'indent', 'join', 'last', 'length', 'list', 'lower', 'nl2br', 'replace', 'reverse', 'round', 'slice', 'sum', 'sort',
  'string', 'striptags', 'title', 'trim', 'truncate', 'upper', 'urlencode', 'urlize', 'wordcount', 'float', 'int', 'selectattr', 'rejectattr',
];
const TESTS = ['callable', 'defined', 'divisibleby', 'escaped', 'equalto', 'even', 'falsy', 'ge', 'gt', 'le', 'lt', 'lower', 'ne', 'null', 'number', 'odd', 'string', 'truthy', 'undefined', 'upper', 'iterable', 'mapping'];

describe('Nunjucks built-ins against Nunjucks 3.2.4 itself', () => {
  it.each(FILTERS)('filter %s', (name) => {
    const mine = (ours as unknown as Record<string, (...a: V[]) => V>)[`nf_${name}`]!;
    fc.assert(
      fc.property(value, fc.array(value, { maxLength: 3 }), (v, args) => {
        if (name === 'slice' && (typeof args[0] !== 'number' || args[0] < 1)) args = [2, ...args.slice(1)]; // (0 slices: both loop forever)
        // (dictsort's for-in over a SafeString there also lists its prototype's toString/valueOf)
        if (name === 'dictsort' && v && typeof v === 'object' && 'safe' in v) return;
        // (an attribute name such as "constructor" is refused here on purpose, docs/guide/nunjucks.md;
        // group keys naming Object.prototype's members throw in both)
        if (name === 'groupby' && typeof args[0] === 'string' && args[0].split('.').some((p) => FORBIDDEN.includes(p))) return;
        // (a SafeString's own `val` and `length` fields are Nunjucks' internals, not attributes a safe string has here)
        if (args.includes('val') || (args.includes('length') && JSON.stringify(v ?? null).includes('"safe"'))) return;
        // (on a safe string, replace and truncate escape the plain strings they put in and striptags the `<` it
        // leaves: data never becomes markup — docs/security.md, Nunjucks mode; test/security/nunjucks-escape.test.ts)
        if ((name === 'replace' || name === 'truncate' || name === 'striptags') && v && typeof v === 'object' && 'safe' in v) return;
        const want = outcome(() => nf[name].call(self, side(v, true), ...args.map((a) => side(a, true))));
        const got = outcome(() => mine(side(v, false), ...args.map((a) => side(a, false))));
        expect(got).toEqual(want);
      }),
      { numRuns: 300 },
    );
  });
  it('groupby over keys that name Object.prototype members, as Nunjucks', () => {
    const key = fc.constantFrom('toString', 'constructor', '__proto__', 'valueOf', 'hasOwnProperty', '__defineGetter__', 'a', 'b');
    fc.assert(
      fc.property(fc.array(fc.record({ k: key, n: fc.integer() }), { maxLength: 5 }), (xs) => {
        expect(outcome(() => ours.nf_groupby.call(undefined, xs, 'k'))).toEqual(outcome(() => nf.groupby.call(self, xs, 'k')));
      }),
      { numRuns: 300 },
    );
  });
  it('attribute paths with index, length and repeated segments walk as Nunjucks walks them (groupby, sort, sum)', () => {
    const seg = fc.constantFrom('0', '1', '00', '01', '10', 'length', 'a', 'b', '');
    // (no safe strings: a SafeString's own `length` and `val` are Nunjucks' internals, see above)
    const plain = leaf.filter((x) => !(x && typeof x === 'object'));
    const item: fc.Arbitrary<V> = fc.oneof(plain, fc.array(plain, { maxLength: 3 }), fc.dictionary(fc.constantFrom('a', '0', 'length'), plain, { maxKeys: 2 }));
    fc.assert(
      fc.property(fc.array(item, { maxLength: 4 }), fc.array(seg, { minLength: 1, maxLength: 6 }), (xs, path) => {
        const attr = path.join('.');
        for (const name of ['groupby', 'sum'] as const) {
          const mine = (ours as unknown as Record<string, (...a: V[]) => V>)[`nf_${name}`]!;
          expect(outcome(() => mine.call(undefined, side(xs, false), attr))).toEqual(outcome(() => nf[name].call(self, side(xs, true), attr)));
        }
        expect(outcome(() => ours.nf_sort(side(xs, false) as never, false, false, attr))).toEqual(outcome(() => nf.sort.call(self, side(xs, true), false, false, attr)));
      }),
      { numRuns: 1000, seed: 2207 },
    );
  });
  it.each(TESTS)('test %s', (name) => {
    const mine = (ours as unknown as Record<string, (...a: V[]) => V>)[`nt_${name}`]!;
    fc.assert(
      fc.property(value, value, (v, arg) => {
        expect(outcome(() => mine(side(v, false), side(arg, false)))).toEqual(outcome(() => nt[name](side(v, true), side(arg, true))));
      }),
      { numRuns: 300 },
    );
  });
});
