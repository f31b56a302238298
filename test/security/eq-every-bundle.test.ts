// `==` and `in` of sets and of dicts that are host Maps (tuple keys equal but not identical) take
// linear time in every bundle, not only in those that load runtime/eqindex.ts: `eq` buckets b by
// `eqKey` itself (values.ts, docs/security.md "Linear time on hostile data"). This file imports
// values.ts alone, as a bundle that never calls set()/dict()/unique would.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expectLinear, type Make } from './linear-clock.js';
import { Markup } from '../../runtime/markup.js';
import { PyFloat, Range, contains, eq, eqKey, tuple } from '../../runtime/values.js';

/** Twice the keys cost about twice the time (test/security/linear-clock.ts: 10k and 20k keys,
 * again at 20k and 40k if a step in collection cost makes the first pair look high; quadratic,
 * 20k keys took seconds; under 40 ms nothing is measured but noise). */
const linear = (make: Make) => expectLinear(make, '==', { n: 10_000, floorMs: 40, slackMs: 15 });
// Keys built twice from the same data: equal, never identical (host data parsed twice).
const tuples = (n: number) => Array.from({ length: n }, (_, i) => tuple(['k', i, [i % 7, 'x']]));

describe('== of Maps and sets is linear without runtime/eqindex', () => {
  it('two Maps with 10k/20k tuple keys', () => {
    linear((n) => {
      const a = new Map(tuples(n).map((k, i) => [k, i]));
      const b = new Map(tuples(n).map((k, i) => [k, i]));
      return () => expect(eq(a, b)).toBe(true);
    });
  });
  it('a plain dict against a Map, and Maps whose keys are sets, dicts, big integers', () => {
    linear((n) => {
      const mk = () => new Map<unknown, number>(Array.from({ length: n }, (_, i) => [new Set([i, 'y']), i]));
      const [a, b] = [mk(), mk()];
      return () => expect(eq(a, b)).toBe(true);
    });
    linear((n) => {
      const mk = () => new Map<unknown, number>(Array.from({ length: n }, (_, i) => [{ id: i }, i]));
      const [a, b] = [mk(), mk()];
      return () => expect(eq(a, b)).toBe(true);
    });
    linear((n) => {
      // (distinct integers past 2**53: one double each would put them all under one key)
      const mk = () => new Map<unknown, number>(Array.from({ length: n }, (_, i) => [2n ** 80n + BigInt(i), i]));
      const [a, b] = [mk(), new Map([...mk()].reverse())];
      return () => expect(eq(a, b)).toBe(true);
    });
    linear((n) => {
      const a = Object.fromEntries(Array.from({ length: n }, (_, i) => ['k' + i, i]));
      const b = new Map(Array.from({ length: n }, (_, i) => [new Markup('k' + i), new PyFloat(i)]));
      return () => expect(eq(a, b)).toBe(true);
    });
  });
  it('sets of tuples and sets of sets; `in` a list of such sets', () => {
    linear((n) => {
      const [a, b] = [new Set(tuples(n)), new Set(tuples(n).reverse())];
      return () => expect(eq(a, b)).toBe(true);
    });
    linear((n) => {
      const mk = () => new Set(Array.from({ length: n }, (_, i) => new Set([i])));
      const [a, b] = [mk(), mk()];
      return () => expect(eq(a, b)).toBe(true);
    });
    linear((n) => {
      const a = new Set(tuples(n));
      const list = [new Set(tuples(n).slice(1).concat([tuple(['other'])])), new Set(tuples(n))];
      return () => expect(contains(list, a)).toBe(true);
    });
  });
});

describe('eqKey: values that are equal share a key, so bucketing loses no equality', () => {
  const leaf = fc.oneof(
    fc.integer({ min: -2, max: 2 }),
    fc.constantFrom(true, false, null, undefined, 'a', '1', '', 0.5, NaN, 2 ** 53, 2 ** 60),
    fc.constantFrom(1n, 0n, 2n ** 53n, 2n ** 60n, 2n ** 60n + 1n),
    fc.constantFrom(new PyFloat(1), new PyFloat(2 ** 60), new Markup('a'), new Markup('1')),
  );
  const { value } = fc.letrec((tie) => ({
    value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, tie('tuple'), tie('list'), tie('set'), tie('map'), tie('obj')),
    tuple: fc.array(tie('value'), { maxLength: 3 }).map((xs) => tuple(xs)),
    list: fc.array(tie('value'), { maxLength: 3 }),
    set: fc.array(tie('value'), { maxLength: 3 }).map((xs) => new Set(xs)),
    map: fc.array(fc.tuple(tie('value'), fc.integer({ min: 0, max: 1 })), { maxLength: 3 }).map((es) => new Map(es)),
    obj: fc.dictionary(fc.constantFrom('a', 'b', '__proto__', 'constructor'), fc.integer({ min: 0, max: 1 }), { maxKeys: 2 }),
  }));
  it('eq(x, y) implies eqKey(x) === eqKey(y) (Map key equality)', () => {
    fc.assert(fc.property(value, value, (x, y) => {
      if (eq(x, y)) expect(new Map([[eqKey(x), 1]]).has(eqKey(y))).toBe(true);
    }), { numRuns: 3000, seed: 19 });
  });
  it('== of sets and Maps agrees with comparing each element with every other', () => {
    const naiveSet = (a: Set<unknown>, b: Set<unknown>) => a.size === b.size && [...a].every((x) => [...b].some((y) => eq(x, y)));
    const naiveMap = (a: Map<unknown, unknown>, b: Map<unknown, unknown>) => {
      const [ka, kb] = [[...a.keys()].filter((k) => a.get(k) !== undefined), [...b.keys()].filter((k) => b.get(k) !== undefined)];
      return ka.length === kb.length && ka.every((k) => kb.some((j) => eq(j, k)) && eq(a.get(k), b.get(kb.find((j) => eq(j, k)))));
    };
    const elems = fc.array(value, { maxLength: 5 });
    fc.assert(fc.property(elems, elems, (xs, ys) => {
      expect(eq(new Set(xs), new Set(ys))).toBe(naiveSet(new Set(xs), new Set(ys)));
      const [a, b] = [new Map(xs.map((x, i) => [x, i % 2])), new Map(ys.map((y, i) => [y, i % 2]))];
      expect(eq(a, b)).toBe(naiveMap(a, b));
    }), { numRuns: 2000, seed: 19 });
  });
  it('keys for edge values', () => {
    expect(eqKey(new PyFloat(2 ** 60))).toBe(eqKey(2n ** 60n));
    expect(eqKey(2n ** 60n + 1n)).not.toBe(eqKey(2n ** 60n));
    expect(eqKey(tuple([1, 'x']))).toBe(eqKey(tuple([true, new Markup('x')])));
    expect(eqKey(tuple([1]))).not.toBe(eqKey([1]));
    expect(eqKey(new Set([tuple([1]), 'a']))).toBe(eqKey(new Set(['a', tuple([1.0])])));
    // (a part cannot imitate the separator: ('1:a',) is not ('1', 'a'))
    expect(eqKey(tuple(['1:a']))).not.toBe(eqKey(tuple(['1', 'a'])));
    expect(eq(new Set([new Range(0, 3, 1)]), new Set([new Range(0, 3, 1)]))).toBe(true);
    expect(eq(new Set([Symbol.for('s')]), new Set([Symbol.for('s')]))).toBe(true);
    const proto = JSON.parse('{"__proto__": 1}');
    expect(eq(new Map([[proto, 1]]), new Map([[JSON.parse('{"__proto__": 1}'), 1]]))).toBe(true);
  });
});
