// Issue #25's outside check: other projects' real .njk templates, unchanged, rendered by
// Nunjucks 3.2.4 and by Kida's compat mode through both of its entry points (the Environment
// with `compat: 'nunjucks'` and kida/nunjucks's configure()): bench/nunjucks-projects.mjs says
// which data each project is rendered with (nhsuk-frontend's 983 fixtures; the examples MoJ and
// x-govuk ship, and params shaped by each component's templates for MoJ, HMRC and x-govuk; the
// page layouts nhsuk and MoJ ship, bare, with every name they read, and with blocks overridden;
// params shaped by @dwp/dwp-frontend's templates; @nationalarchives/frontend's 364 fixtures;
// the ONS design system's 282 examples, its tests' data, param shapes and its layout).
// Every case either renders byte-identical to Nunjucks or, where Nunjucks throws, throws too.
import { describe, it } from 'vitest';
import { expectAsNunjucks, type Expected } from '../nunjucks-projects-support.js';

/** Cases per project, and how many of them Nunjucks itself fails on (README typos, filters on values they do not take). */
const EXPECTED: Expected = {
  nhsuk: { cases: 986, nunjucksErrors: 0 },
  moj: { cases: 129, nunjucksErrors: 7 },
  hmrc: { cases: 64, nunjucksErrors: 0 },
  xgovuk: { cases: 25, nunjucksErrors: 1 },
  dwp: { cases: 64, nunjucksErrors: 0 },
  tna: { cases: 364, nunjucksErrors: 0 },
  ons: { cases: 848, nunjucksErrors: 18 },
};

describe('other projects\' templates through compat: nunjucks', () => {
  it('renders every case as Nunjucks does: 2,480 cases over seven packages', async () => {
    await expectAsNunjucks(EXPECTED);
  }, 600_000); // (about 10 s alone; minutes on a loaded machine)
});
