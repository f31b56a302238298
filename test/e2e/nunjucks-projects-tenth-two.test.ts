// Issue #25's outside check, the tenth pass, part two: two GOV.UK One Login packages vendored
// unchanged under test/fixtures/nunjucks-projects/govuk-one-login (SOURCES.md), rendered with
// bench/nunjucks-projects-tenth-two.mjs's cases against Nunjucks 3.2.4 through the Environment
// (render, renderStream, renderAsync) and kida/nunjucks, and as ES modules built by Rollup with
// kida/rollup (no eval in the bundle). Both libraries wrap their markup as a macro whose body is
// `{% include "./template.njk" %}`: the include sees the macro's arguments and the sets of the
// template it sits in, a shape no earlier project had.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error (a plain .mjs helper shared with the bench script)
import * as two from '../../bench/nunjucks-projects-tenth-two.mjs';
import { bundlePages, fresh, outcome, type Case, type Counts, type Outcome, type Page } from '../nunjucks-projects-support.js';


const OUT = join(import.meta.dirname, '.out-njk-tenth-two');
afterAll(() => {
  if (!process.env.NJK_KEEP) rmSync(OUT, { recursive: true, force: true });
  rmSync(two.APP_ROOT, { recursive: true, force: true });
});

/**
 * The counts. Nunjucks fails two: the header README's call as written (its `}})` closes the
 * output tag: a parse error in both engines; the same call with the braces spaced renders), and
 * the toggle README's call with the URL its middleware makes, a string, which the package's own
 * addLanguageParam cannot set a parameter on (a TypeError in both).
 */
const EXPECTED: Record<string, { title: string; cases: number; nunjucksErrors: number; templates: number }> = {
  header: { title: '@govuk-one-login/service-header 5.0.0: its macro', cases: 8, nunjucksErrors: 1, templates: 2 },
  kit: { title: '@govuk-one-login/service-header 5.0.0: its Prototype Kit page template and layout', cases: 5, nunjucksErrors: 0, templates: 2 },
  toggle: { title: '@govuk-one-login/frontend-language-toggle 2.2.2', cases: 6, nunjucksErrors: 1, templates: 2 },
};
const VIAS = ['env', 'envStream', 'envAsync', 'api'];

/** What a bundle's modules option holds for each project: the globals its app adds. */
const MODULES: Record<string, Record<string, string>> = {
  header: {},
  kit: {
    globals: `export const govukRebrand = true;
export const pluginVersionSatisfies = (name, range) => name === 'govuk-frontend' && range === '>=6.0.0';
`,
  },
  toggle: {
    globals: `import { createRequire } from 'node:module';
export const addLanguageParam = createRequire(import.meta.url)(${JSON.stringify(join(two.TOGGLE, 'frontend-language-toggle/build/cjs/language-param-setter.cjs'))});
`,
  },
};


for (const [project, want] of Object.entries(EXPECTED)) {
  const equal = want.cases - want.nunjucksErrors;
  describe(`${want.title} (${want.cases} cases: ${equal} byte-identical, ${want.nunjucksErrors} throw in both; ${want.templates} of its templates)`, () => {
    it('the Environment (render, renderStream, renderAsync) and kida/nunjucks', async () => {
      const { results, failing } = (await two.measure([project])) as { results: Record<string, Counts>; failing: { via: string; c: Case }[] };
      expect(failing.map((f) => `${f.via} ${f.c.name}`)).toEqual([]);
      const got = results[project]!;
      expect({ cases: got.cases, nunjucksErrors: got.nunjucksErrors }).toEqual({ cases: want.cases, nunjucksErrors: want.nunjucksErrors });
      for (const via of VIAS) expect(got[via], via).toEqual({ same: equal, bothThrow: want.nunjucksErrors });
    }, 300_000);

    it('as compiled modules (Rollup, its search paths): buffered, streamed and async', async () => {
      const { paths, fallbackExtensions } = two.TENTH_TWO[project] as { paths: string[]; fallbackExtensions?: object };
      const { nunjucks: njkRender } = (await two.engines(project)) as { nunjucks: (c: Case) => string };
      // (the README call that does not parse is left out of the build: it fails the build, as it fails Nunjucks)
      const all = (two.TENTH_TWO[project].cases() as Case[]).filter((c) => !/\}\}\) \}\}/.test(c.page));
      const built = await bundlePages<Page>({ dir: join(OUT, project), paths, modules: MODULES[project], plugin: fallbackExtensions ? { fallbackExtensions } : {} }, all.map((c) => c.page));
      expect(built.code).not.toMatch(/new Function|\beval\(|class Parser/);
      const warn = console.warn;
      console.warn = () => {};
      try {
        let same = 0;
        for (const [i, c] of all.entries()) {
          const nj = await outcome(() => njkRender({ ...c, ctx: fresh(c.ctx) }));
          const page = built.pages[i]!;
          const got = [await outcome(() => page.render(fresh(c.ctx))), await outcome(() => [...page.renderStream(fresh(c.ctx))].join('')), await outcome(() => page.renderAsync(fresh(c.ctx)))];
          if (nj.error !== undefined) expect(got.every((g) => g.error !== undefined), c.name).toBe(true);
          else {
            expect(got.map((g) => g.out), c.name).toEqual([nj.out, nj.out, nj.out]);
            same++;
          }
        }
        expect(same).toBe(all.length - (project === 'toggle' ? want.nunjucksErrors : 0));
      } finally {
        console.warn = warn;
      }
    }, 300_000);
  });
}

describe('the shape both packages share: a macro whose body includes a template', () => {
  it('the include reads the macro arguments and the sets around the macro, as in Nunjucks (checked on the header)', async () => {
    const { nunjucks: njkRender, ways } = (await two.engines('header')) as { nunjucks: (c: Case) => string; ways: Record<string, (c: Case) => string> };
    const c = { name: 'probe', page: '{% from "service-header/service-header.njk" import govukOneLoginServiceHeader %}{{ govukOneLoginServiceHeader({ lng: "cy", signOutLink: "/s?a=<1>" }) }}', ctx: {} };
    const want = njkRender(c);
    // (the top-level sets of template.njk decide these: Welsh text, the given link escaped once)
    expect(want).toContain('Allgofnodi');
    expect(want).toContain('href="/s?a=&lt;1&gt;"');
    expect(ways.env!(c)).toBe(want);
  });
});
