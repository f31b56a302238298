// Issue #25's outside check, fourth pass: five more projects' (six packages') real .njk templates, unchanged,
// rendered by Nunjucks 3.2.4 and by compat mode through the Environment and kida/nunjucks's
// configure() (bench/nunjucks-projects.mjs says with which data and environment):
//   hmcts      @hmcts/frontend: params shaped by each component's templates
//   probation  @ministryofjustice/probation-search-frontend: caseSearch as its service renders it
//              (its own local data and pagination), and shapes
//   kit        govuk-prototype-kit: its layouts (macro imports added as its build adds them), its
//              management views, a new prototype's pages, the common-templates and step-by-step plugins' pages
//              (with its loader's .html -> .njk fallback: Nunjucks and kida/nunjucks get that loader,
//              the Environment FileSystemLoader's fallbackExtensions)
//   eleventy   @x-govuk/govuk-eleventy-plugin: every layout as Eleventy renders a page with it, on a
//              small site (its own filter files where they import nothing else), and its components
//   onelogin   @govuk-one-login/frontend-ui (+ frontend-analytics): its components and base layouts
//   hmpo       hmpo-components (frontend-ui's optional dependency; the fifth pass): every render call
//              of its own component specs, in its test environment
// They are devDependencies, pinned (NJK_PROJECTS_MODULES=<dir>/node_modules can point elsewhere
// to try another version; docs/decisions.md, the fourth held-out pass).
import { describe, expect, it } from 'vitest';
// @ts-expect-error (a plain .mjs helper shared with the bench script)
import { pkg } from '../../bench/nunjucks-projects.mjs';
import { existsSync } from 'node:fs';
import { expectAsNunjucks, type Expected } from '../nunjucks-projects-support.js';

/** The packages each project reads (pinned: the counts below are theirs). */
const PACKAGES = {
  hmcts: '@hmcts/frontend', probation: '@ministryofjustice/probation-search-frontend', kit: 'govuk-prototype-kit',
  common: '@govuk-prototype-kit/common-templates', stepByStep: '@govuk-prototype-kit/step-by-step', eleventy: '@x-govuk/govuk-eleventy-plugin',
  onelogin: '@govuk-one-login/frontend-ui', analytics: '@govuk-one-login/frontend-analytics', hmpo: 'hmpo-components',
};

/** Cases per project, and how many of them Nunjucks itself fails on (shapes the macros do not take, app-only templates and filters). */
const EXPECTED: Expected = {
  hmcts: { cases: 60, nunjucksErrors: 0 },
  probation: { cases: 15, nunjucksErrors: 0 },
  kit: { cases: 108, nunjucksErrors: 1 },
  eleventy: { cases: 95, nunjucksErrors: 10 },
  onelogin: { cases: 56, nunjucksErrors: 16 },
  hmpo: { cases: 192, nunjucksErrors: 0 },
};

describe('the later held-out projects\' templates through compat: nunjucks', () => {
  it('renders every case as Nunjucks does: 526 cases', async () => {
    // (said plainly when a package is missing, rather than as a failed directory read)
    const missing = Object.values(PACKAGES).filter((p) => !existsSync(pkg(p)));
    expect(missing, `install as devDependencies (or point NJK_PROJECTS_MODULES at them): ${missing.join(', ')}`).toEqual([]);
    await expectAsNunjucks(EXPECTED);
  }, 600_000);
});
