// Issue #19 §2, red team of eqKey's buckets (runtime/values.ts): values that are never equal
// but shared one key made every bucket lookup compare with all of them — n tuples holding NaN
// (`float("nan")` of data strings), n distinct ranges. Each now has a key of its own (a container
// holding NaN equals only itself; ranges are keyed by the sequence they are).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { measurePair } from './linear-clock.js';
import { PyFloat, Range, eq, eqKey, tuple } from '../../runtime/values.js';
import { makeEnv } from '../support.js';

/** Twice n costs about twice the time (quadratic, 4,000 NaN tuples took 1.9 s): measurePair's
 * least CPU times, measured again after collections while the ratio looks high (a loaded machine). */
function linear(run: (n: number) => unknown, n: number) {
  const { t1, t2 } = measurePair(() => run(n), () => run(2 * n));
  expect(t2).toBeLessThan(Math.max(60, 3 * t1 + 20));
}

describe('keys that collide but never match', () => {
  const env = makeEnv();
  it('set() / unique of n tuples holding NaN from data: linear, all kept', () => {
    const t = env.fromString('{{ set([(float(x), 0) for x in xs])|length }} {{ [(float(x),) for x in xs]|unique|list|length }}');
    expect(t.render({ xs: ['nan', 'NaN', 'nan'] })).toBe('3 3');
    linear((n) => t.render({ xs: Array(n).fill('nan') }), 4_000);
  });
  it('unique and set() of n distinct ranges: linear; equal ranges still one', () => {
    const t = env.fromString('{{ [range(i) for i in range(n)]|unique|list|length }}');
    linear((n) => t.render({ n }), 2_000);
    expect(env.fromString('{{ set([range(0), range(2, 2), range(0, 5, 2), range(0, 6, 2), range(1, 2, 5), range(1, 2)])|length }}').render()).toBe('3');
  });
  it('the same NaN-holding tuple is still found by identity', () => {
    expect(env.fromString('{% set t = (float("nan"),) %}{{ t in [t] }} {{ [t, t]|unique|list|length }} {{ t in set([t]) }}').render()).toBe('True 1 True');
  });
});

describe('eqKey stays a key equal values share', () => {
  const leaf = fc.oneof(
    fc.integer({ min: -2, max: 2 }),
    fc.constantFrom(NaN, 0.5, true, 'a', new PyFloat(NaN), new PyFloat(1)),
    fc.tuple(fc.integer({ min: -3, max: 3 }), fc.integer({ min: -3, max: 3 }), fc.constantFrom(1, 2, -1, 3)).map(([a, b, s]) => new Range(a, b, s)),
  );
  const { value } = fc.letrec((tie) => ({
    value: fc.oneof({ depthSize: 'small' }, leaf, tie('tuple'), tie('list')),
    tuple: fc.array(tie('value'), { maxLength: 3 }).map((xs) => tuple(xs)),
    list: fc.array(tie('value'), { maxLength: 3 }),
  }));
  it('eq(x, y) implies eqKey(x) === eqKey(y), x against itself and against another', () => {
    fc.assert(
      fc.property(value, value, (x, y) => {
        if (eq(x, x)) expect(eqKey(x)).toBe(eqKey(x));
        if (eq(x, y)) expect(eqKey(x)).toBe(eqKey(y));
        if (x instanceof Range && y instanceof Range) expect(eq(x, y)).toBe(eq([...x], [...y]));
      }),
      { numRuns: 3000 },
    );
  });
});
