// `round` takes a float fast path (Math.round on x·10^p) unless the product is near a tie or
// too large to be exact; the exact path formats the binary value's full decimal expansion.
// Both must give Python's round-half-even on the exact value.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { f_round } from '../../runtime/filters.js';
import { fixedPy, num } from '../../runtime/values.js';

const exact = (x: number, p: number): number => {
  const r = Number(fixedPy(x, p));
  return r === 0 && (x < 0 || Object.is(x, -0)) ? -0 : r;
};

describe('round', () => {
  it('agrees with the exact decimal expansion on random doubles', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e9, max: 1e9 }), fc.integer({ min: 0, max: 8 }), (x, p) => {
        expect(Object.is(num(f_round(x, p)), exact(x, p))).toBe(true);
      }),
      { numRuns: 20_000 },
    );
  });
  it('agrees on values that are ties or close to one in decimal', () => {
    fc.assert(
      fc.property(fc.integer({ min: -10_000_000, max: 10_000_000 }), fc.integer({ min: 0, max: 6 }), (k, p) => {
        const x = (k + 0.5) / 10 ** p; // "…5" in decimal: a tie only when exactly representable
        expect(Object.is(num(f_round(x, p)), exact(x, p))).toBe(true);
      }),
      { numRuns: 20_000 },
    );
  });
  it('rounds exact ties to even, like Python', () => {
    expect([0.5, 1.5, 2.5, -2.5].map((x) => num(f_round(x)))).toEqual([0, 2, 2, -2]);
    expect(num(f_round(0.125, 2))).toBe(0.12);
    expect(num(f_round(0.375, 2))).toBe(0.38);
    expect(num(f_round(2.675, 2))).toBe(2.67); // 2.67499999… in binary
  });
});
