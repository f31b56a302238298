// The clock of the linear-time suites judged on cases whose growth is known: a quadratic fails
// it, a linear case with a step in what collection costs passes it (test/security/linear-clock.ts).
import { describe, expect, it } from 'vitest';
import { expectLinear } from './linear-clock.js';

/**
 * CPU work quadratic in n: (n/20) squared steps, four times as many at each doubling; ~25 ms at
 * 100 KB, so the CPU clock's granularity cannot bring the ratio near 3 (at n/40, ~6 ms, CI read
 * one doubling as under 3x once).
 */
const quadratic = (n: number) => () => {
  let x = 0;
  const m = n / 20;
  for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) x = (x + i * j) | 0;
  return x;
};
/** Linear work that allocates as a repr of a long list does: a part per item, joined. */
const linearAllocating = (n: number) => () => {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(`'${String.fromCharCode(97 + (i % 26))}'`, ', ');
  return out.join('').length;
};

describe('the linear clock', () => {
  it('fails a quadratic', () => {
    // (no floor and no slack: a quadratic of a few ms is still four times at each doubling)
    expect(() => expectLinear(quadratic, 'quadratic', { floorMs: 0, slackMs: 0 })).toThrow(/quadratic/);
  });
  it('passes linear work that allocates', () => {
    expectLinear(linearAllocating, 'linear');
  });
});
