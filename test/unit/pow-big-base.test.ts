// `**` with an integer base past 1e308 (a BigInt): its size is estimated from the BigInt, not from
// Number(base), which is Infinity there and made `(10 ** 5000) ** 1` a "too large" SecurityError.
import { describe, expect, it } from 'vitest';
import { makeEnv } from '../support.js';

describe('** on big integer bases', () => {
  const env = makeEnv();
  it('computes what Python computes', () => {
    expect(env.fromString('{{ ((10 ** 5000) ** 1) == 10 ** 5000 }}|{{ ((10 ** 400) ** 2) | string | length }}|{{ ((-(10 ** 400)) ** 3) < 0 }}').render({})).toBe('True|801|True');
    expect(env.fromString('{{ (2 ** 1100) ** 2 == 2 ** 2200 }}').render({})).toBe('True');
  });
  it('still refuses a result past the digit limit before computing it', () => {
    expect(() => env.fromString('{{ (10 ** 5000) ** 1000 }}').render({})).toThrow(/exceeds the limit/);
  });
});
