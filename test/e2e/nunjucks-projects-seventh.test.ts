// Issue #25's outside check, seventh pass (held-out projects of kinds no pass tried: another
// government's design system, an Express framework's views, a hapi app's pages, a design system
// rendered through its own custom tags): their real templates, vendored unchanged under
// test/fixtures/nunjucks-projects/ (SOURCES.md there), rendered by Nunjucks 3.2.4 at test time and
// by compat mode three ways: the Environment, kida/nunjucks's configure(), and ES modules built
// by Rollup with kida/rollup (the project's search paths and options, its filters and globals as
// the plugin's modules), rendered buffered, streamed and async.
// bench/nunjucks-projects-seventh.mjs says which data. Every case is byte-identical to Nunjucks,
// or throws where Nunjucks throws, or is one of the cases listed in BY_DESIGN (a documented
// safety rule: the difference checked to be exactly that rule's).
import { readdirSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error (a plain .mjs helper shared with the bench script)
import { SEVENTH, cases, measure } from '../../bench/nunjucks-projects-seventh.mjs';
// @ts-expect-error (likewise)
import { copy, renderers } from '../../bench/nunjucks-projects.mjs';
import { bundlePages } from '../nunjucks-projects-support.js';

type Case = { project: string; component: string; name: string; page: string; ctx: object };
type Page = { render(ctx: object): string; renderStream(ctx: object): Iterable<string>; renderAsync(ctx: object): Promise<string> };
type Project = { paths: string[]; opts: object };
type Outcome = { out?: string; error?: string };
type Counts = { cases: number; nunjucksErrors: number; env: { same: number; bothThrow: number }; api: { same: number; bothThrow: number } };

/** Cases per project, how many Nunjucks itself fails on (shapes a macro does not take, a README example Nunjucks refuses), templates vendored. */
const EXPECTED: Record<string, { cases: number; nunjucksErrors: number; templates: number; folder: string }> = {
  govcy: { cases: 285, nunjucksErrors: 0, templates: 38, folder: 'govcy-frontend-renderer' },
  casa: { cases: 88, nunjucksErrors: 0, templates: 28, folder: 'dwp-govuk-casa' },
  gafl: { cases: 343, nunjucksErrors: 0, templates: 54, folder: 'gafl-webapp' },
};

/**
 * Cases that differ on purpose, by a documented rule (docs/guide/nunjucks.md "What stays Kida's"):
 * `x | dump | safe` writes `<`, `>`, `&` and `'` as JSON escapes, so data cannot close a <script>
 * (gov.cy's layout puts the Matomo user id there). Checked: the only difference is that rule's.
 */
const BY_DESIGN: Record<string, string[]> = { govcy: ['layouts/govcyBase.njk / page: shaped strings'] };
const undoJsonEscapes = (s: string) => s.replace(/\\u003c|\\u003e|\\u0026|\\u0027/g, (m) => ({ '\\u003c': '<', '\\u003e': '>', '\\u0026': '&', '\\u0027': "'" })[m]!);

const BENCH = join(import.meta.dirname, '../../bench');
const OUT = (project: string) => join(import.meta.dirname, `.out-njk-seventh-${project}`);
const from = (project: string, file: string) => relative(OUT(project), file).split('\\').join('/');
/** Each project's filters and globals as modules the bundle links (the same modules the bench gives both engines). */
const MODULES: Record<string, Record<string, string>> = {
  govcy: { filters: `export * from '${from('govcy', join(BENCH, 'nunjucks-projects-govcy-filters.mjs'))}';\n` },
  casa: { globals: `export * from '${from('casa', join(BENCH, 'nunjucks-projects-casa-globals.mjs'))}';\n` },
};

const outcome = async (f: () => unknown): Promise<string> => {
  try {
    return String(await f());
  } catch (e) {
    return `(threw) ${String((e as Error)?.message).replace(/\s+/g, ' ')}`;
  }
};
const templatesIn = (dir: string): number =>
  readdirSync(dir, { withFileTypes: true }).reduce((n, e) => n + (e.isDirectory() ? templatesIn(join(dir, e.name)) : /\.(njk|html)$/.test(e.name) ? 1 : 0), 0);
const byDesign = (project: string, c: Case, want: string, got: string) =>
  (BY_DESIGN[project] ?? []).includes(`${c.component} / ${c.name}`) && got !== want && undoJsonEscapes(got) === want;

const PROJECTS = Object.keys(EXPECTED);
let counts: Record<string, Counts> = {};
let failing: { via: string; c: Case; want: Outcome; got: Outcome }[] = [];
beforeAll(async () => {
  ({ results: counts, failing } = await measure(PROJECTS));
}, 600_000);
afterAll(() => {
  if (!process.env.NJK_KEEP) for (const p of PROJECTS) rmSync(OUT(p), { recursive: true, force: true });
});

describe.each(PROJECTS.map((p) => [p, EXPECTED[p]!.cases, EXPECTED[p]!.cases - EXPECTED[p]!.nunjucksErrors - (BY_DESIGN[p]?.length ?? 0), EXPECTED[p]!.templates] as const))(
  '%s (%i cases, %i byte-identical, %i templates)',
  (project, count, equal, templates) => {
    const { nunjucksErrors, folder } = EXPECTED[project]!;
    const designed = BY_DESIGN[project]?.length ?? 0;

    it('vendors the templates it counts', () => {
      expect(templatesIn(join(import.meta.dirname, '../fixtures/nunjucks-projects', folder))).toBe(templates);
    });

    it(`the Environment and kida/nunjucks: ${equal} byte-identical, ${nunjucksErrors} throw in both, ${designed} by a documented rule`, () => {
      const mine = failing.filter((f) => f.c.project === project);
      const unexplained = mine.filter((f) => !(f.want.out !== undefined && f.got.out !== undefined && byDesign(project, f.c, f.want.out, f.got.out)));
      expect(unexplained.map((f) => `${f.via} ${f.c.component} / ${f.c.name}`)).toEqual([]);
      expect(mine.length).toBe(designed * 2);
      const got = counts[project]!;
      expect({ cases: got.cases, nunjucksErrors: got.nunjucksErrors }).toEqual({ cases: count, nunjucksErrors });
      for (const via of ['env', 'api'] as const) expect(got[via]).toEqual({ same: equal, bothThrow: nunjucksErrors });
    });

    it('as compiled modules (Rollup, searchPaths): every case as Nunjucks renders it, buffered, streamed and async', async () => {
      const all = (await cases(project)) as Case[];
      const r = (await renderers(project)) as { nunjucks: (c: Case) => string };
      const pageOf = new Map<string, number>();
      for (const c of all) if (!pageOf.has(c.page)) pageOf.set(c.page, pageOf.size);
      const { paths, opts } = (SEVENTH as Record<string, Project>)[project]!;
      const built = await bundlePages<Page>({ dir: OUT(project), paths, opts, modules: MODULES[project] }, [...pageOf.keys()]);
      expect(built.code).not.toMatch(/new Function|\beval\(|class Parser/);
      const differ: string[] = [];
      let same = 0;
      let designedSeen = 0;
      for (const c of all) {
        const want = await outcome(() => r.nunjucks({ ...c, ctx: copy(c.ctx) }));
        const page = built.pages[pageOf.get(c.page)!]!;
        const got = [
          await outcome(() => page.render(copy(c.ctx))),
          await outcome(() => [...page.renderStream(copy(c.ctx))].join('')),
          await outcome(() => page.renderAsync(copy(c.ctx))),
        ];
        // (both throwing is agreement: the messages are each engine's own)
        if (want.startsWith('(threw)') ? got.every((g) => g.startsWith('(threw)')) : got.every((g) => g === want)) {
          if (!want.startsWith('(threw)')) same++;
        } else if (got.every((g) => byDesign(project, c, want, g))) designedSeen++;
        else differ.push(`${c.component} / ${c.name}` + (process.env.NJK_DIFF ? `\nWANT ${want.slice(0, 600)}\nGOT ${got.map((g) => g.slice(0, 600)).join('\n--\n')}` : ''));
      }
      expect(differ).toEqual([]);
      expect([same, designedSeen]).toEqual([equal, designed]);
    }, 600_000);
  },
);
