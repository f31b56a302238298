// Issue #25's proof: every govuk-frontend component fixture rendered through its own macro.njk,
// unchanged, by Nunjucks 3.2.4 and by Kida's `compat: 'nunjucks'` mode (bench/nunjucks-govuk.mjs).
// The floors are the figures measured when they were last raised: they may only go up.
import { describe, expect, it } from 'vitest';
// @ts-expect-error (a plain .mjs helper shared with the bench script)
import { measure } from '../../bench/nunjucks-govuk.mjs';

/** Fixtures whose output is byte-identical to Nunjucks' own. */
const SAME_AS_NUNJUCKS = 725;
/** Fixtures matching the fixture's html with whitespace collapsed (Nunjucks itself: 719). */
const FIXTURE_NORMALISED = 719;

describe('govuk-frontend fixtures through compat: nunjucks', () => {
  it('renders the 725 fixtures, at least as many equal to Nunjucks as last measured', async () => {
    const { counts } = await measure();
    expect(counts.total).toBe(725);
    // Nunjucks itself (the reference the harness compares against)
    expect(counts.njkNorm).toBe(719);
    expect(counts.njkExact).toBe(115);
    expect(counts.sameAsNjk).toBeGreaterThanOrEqual(SAME_AS_NUNJUCKS);
    expect(counts.oursNorm).toBeGreaterThanOrEqual(FIXTURE_NORMALISED);
  });
});
