// Properties without a seed of their own must draw the same values on every run (test/fc-seed.ts):
// CI goes red only on a change, never on a new draw.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';

describe('fast-check seed', () => {
  it('is fixed for every property that names none', () => {
    const seed = fc.readConfigureGlobal().seed;
    if (process.env.KIDA_FC_SEED === 'random') {
      expect(seed).toBeUndefined();
      return;
    }
    expect(Number.isSafeInteger(seed)).toBe(true);
    const draw = (): string[] => {
      const seen: string[] = [];
      fc.assert(fc.property(fc.string(), (s) => { seen.push(s); }), { numRuns: 20 });
      return seen;
    };
    expect(draw()).toEqual(draw());
  });
});
