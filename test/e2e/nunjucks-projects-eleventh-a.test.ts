// Issue #25's outside check, the eleventh pass, part A (design systems' and component libraries'
// macro sets): four packages vendored unchanged under test/fixtures/nunjucks-projects (SOURCES.md),
// rendered with bench/nunjucks-projects-eleventh-a.mjs's cases against Nunjucks 3.2.4 through the
// Environment (render, renderStream, renderAsync) and kida/nunjucks, and as ES modules built by
// Rollup with kida/rollup on each project's search paths (no eval in the bundle).
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error (a plain .mjs helper shared with the bench script)
import * as eleventh from '../../bench/nunjucks-projects-eleventh-a.mjs';
import { bundlePages, fresh, outcome, type Case, type Counts, type Outcome, type Page } from '../nunjucks-projects-support.js';


const OUT = join(import.meta.dirname, '.out-njk-eleventh-a');
afterAll(() => {
  if (!process.env.NJK_KEEP) rmSync(OUT, { recursive: true, force: true });
});

/**
 * The counts. `byDesign`: nhsapp's timeline writes its attributes macro inside its `class="…"`
 * value (the template's own slip), where a safe value's `"` is written `&quot;` (docs/security.md,
 * "Nunjucks mode"): the 2 cases that pass it attributes. Where Nunjucks throws, ours throws too:
 * nhsapp's icon macro called with a name no icon has (calling undefined); ARNS' own filters refusing
 * bands their scales do not have (`VERY_HIGH`, `NOT_APPLICABLE`, none, markup); look-and-feel's
 * `throwOnUndefined` (its default) meeting names a page or call leaves out.
 */
const EXPECTED: Record<string, { title: string; cases: number; nunjucksErrors: number; byDesign: number; templates: number }> = {
  nhsapp: { title: 'nhsapp-frontend 5.0.3 (the NHS App, on nhsuk-frontend 10)', cases: 54, nunjucksErrors: 1, byDesign: 2, templates: 13 },
  arns: { title: '@ministryofjustice/hmpps-arns-frontend-components-lib 3.0.4 (its arnsNunjucksSetup)', cases: 678, nunjucksErrors: 49, byDesign: 0, templates: 18 },
  dps: { title: '@ministryofjustice/hmpps-connect-dps-shared-items 3.7.0', cases: 19, nunjucksErrors: 0, byDesign: 0, templates: 3 },
  lookandfeel: { title: '@hmcts/look-and-feel 5.0.6 (its environment: throwOnUndefined, its globals)', cases: 123, nunjucksErrors: 9, byDesign: 0, templates: 21 },
  lookandfeelLoose: { title: '@hmcts/look-and-feel 5.0.6, throwOnUndefined off', cases: 123, nunjucksErrors: 0, byDesign: 0, templates: 21 },
};
const VIAS = ['env', 'envStream', 'envAsync', 'api'];

const SETUP = JSON.stringify(join(import.meta.dirname, '../../bench/nunjucks-projects-eleventh-a-setup.mjs'));
/** What a bundle's modules option holds for each project: the filters and globals its app adds, from the package's own code. */
const MODULES: Record<string, Record<string, string>> = {
  arns: {
    filters: `import { arnsSetup } from ${SETUP};
const f = {};
arnsSetup(${JSON.stringify(eleventh.ARNS)})({ addFilter: (k, v) => (f[k] = v), addGlobal: () => {} });
export const { scoreToScaleMarkerPosition, bandToScaleMarkerPosition, containsCompletedAssessment, isBefore, probabilityStatement } = f;
`,
    globals: `import { arnsSetup } from ${SETUP};
const g = {};
arnsSetup(${JSON.stringify(eleventh.ARNS)})({ addFilter: () => {}, addGlobal: (k, v) => (g[k] = v) });
export const { predictorConfig } = g;
`,
  },
  lookandfeel: { globals: `import { lookAndFeelSetup } from ${SETUP};\nexport const { isArray, parseBool, isBoolean, safeId } = lookAndFeelSetup(${JSON.stringify(eleventh.LAF)}).globals;\n` },
};
MODULES.lookandfeelLoose = MODULES.lookandfeel!;


for (const [project, want] of Object.entries(EXPECTED)) {
  const equal = want.cases - want.nunjucksErrors - want.byDesign;
  const title = `${want.title} (${want.cases} cases: ${equal} byte-identical, ${want.nunjucksErrors} throw in both${want.byDesign ? `, ${want.byDesign} differ by design` : ''}; ${want.templates} of its templates)`;
  describe(title, () => {
    it('the Environment (render, renderStream, renderAsync) and kida/nunjucks', async () => {
      const { results, failing } = (await eleventh.measure([project])) as { results: Record<string, Counts>; failing: { via: string; c: Case; got: Outcome }[] };
      // (the by-design cases: a safe value's `"` inside the timeline's class value, nothing else)
      const other = failing.filter((f) => !(project === 'nhsapp' && /^nhsappTimeline: /.test(f.c.name) && f.got.out !== undefined));
      expect(other.map((f) => `${f.via} ${f.c.name}`)).toEqual([]);
      const got = results[project]!;
      expect({ cases: got.cases, nunjucksErrors: got.nunjucksErrors }).toEqual({ cases: want.cases, nunjucksErrors: want.nunjucksErrors });
      for (const via of VIAS) expect(got[via], via).toEqual({ same: equal, bothThrow: want.nunjucksErrors });
    }, 300_000);

    it('as compiled modules (Rollup, its search paths): buffered, streamed and async', async () => {
      const { paths, opts } = eleventh.ELEVENTH_A[project] as { paths: string[]; opts?: object };
      const { nunjucks: njkRender } = (await eleventh.engines(project)) as { nunjucks: (c: Case) => string };
      const all = eleventh.ELEVENTH_A[project].cases() as Case[];
      const built = await bundlePages<Page>({ dir: join(OUT, project), paths, opts, modules: MODULES[project] ?? {} }, all.map((c) => c.page));
      expect(built.code).not.toMatch(/new Function|\beval\(|class Parser/);
      let same = 0;
      let throws = 0;
      for (const [i, c] of all.entries()) {
        const nj = await outcome(() => njkRender({ ...c, ctx: fresh(c.ctx) }));
        const page = built.pages[i]!;
        const got = [await outcome(() => page.render(fresh(c.ctx))), await outcome(() => [...page.renderStream(fresh(c.ctx))].join('')), await outcome(() => page.renderAsync(fresh(c.ctx)))];
        if (nj.error !== undefined) {
          expect(got.every((g) => g.error !== undefined), c.name).toBe(true);
          throws++;
        } else if (got.every((g) => g.out === nj.out)) same++;
        else expect(project === 'nhsapp' && /^nhsappTimeline: /.test(c.name), `${c.name}: ${JSON.stringify(got[0])}`).toBe(true);
      }
      expect({ same, throws }).toEqual({ same: equal, throws: want.nunjucksErrors });
    }, 300_000);
  });
}

/**
 * The same cases under the other options an app may set (OPTION_SETS): `trimBlocks` with
 * `lstripBlocks`, autoescape off (nhsapp's timeline then equal too), `throwOnUndefined` (more throw
 * in both: the shaped and documented data leave names out). Environment and kida/nunjucks.
 */
const VARIANTS: Record<string, { equal: number; nunjucksErrors: number }> = {
  'nhsapp trim': { equal: 51, nunjucksErrors: 1 },
  'nhsapp noescape': { equal: 53, nunjucksErrors: 1 },
  'nhsapp strict': { equal: 34, nunjucksErrors: 19 },
  'arns trim': { equal: 629, nunjucksErrors: 49 },
  'arns noescape': { equal: 629, nunjucksErrors: 49 },
  'arns strict': { equal: 490, nunjucksErrors: 188 },
  'dps trim': { equal: 19, nunjucksErrors: 0 },
  'dps noescape': { equal: 19, nunjucksErrors: 0 },
  'dps strict': { equal: 9, nunjucksErrors: 10 },
  'lookandfeelLoose trim': { equal: 123, nunjucksErrors: 0 },
  'lookandfeelLoose noescape': { equal: 123, nunjucksErrors: 0 },
  'lookandfeelLoose strict': { equal: 114, nunjucksErrors: 9 },
};
describe('under trimBlocks with lstripBlocks, autoescape off and throwOnUndefined (2,622 cases)', () => {
  for (const [variant, want] of Object.entries(VARIANTS))
    it(`${variant}: ${want.equal} byte-identical, ${want.nunjucksErrors} throw in both`, async () => {
      const { results, failing } = (await eleventh.measure([variant])) as { results: Record<string, Counts>; failing: { via: string; c: Case; got: Outcome }[] };
      const other = failing.filter((f) => !(/^nhsapp /.test(variant) && /^nhsappTimeline: /.test(f.c.name) && f.got.out !== undefined));
      expect(other.map((f) => `${f.via} ${f.c.name}`)).toEqual([]);
      for (const via of VIAS) expect(results[variant]![via], via).toEqual({ same: want.equal, bothThrow: want.nunjucksErrors });
    }, 300_000);
});
