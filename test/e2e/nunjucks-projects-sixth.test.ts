// Issue #25's outside check, sixth pass (held-out projects): five more projects' real .njk (and
// .html) templates, vendored unchanged under test/fixtures/nunjucks-projects/ (SOURCES.md there),
// rendered by Nunjucks 3.2.4 at test time and by compat mode three ways: the Environment,
// kida/nunjucks's configure(), and ES modules built by Rollup with kida/rollup (the project's
// search paths as `searchPaths`, its options, its filters and globals as the plugin's modules),
// rendered buffered, streamed and async. bench/nunjucks-projects-sixth.mjs says which data.
// Every case is byte-identical to Nunjucks or, where Nunjucks throws, throws too.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error (a plain .mjs helper shared with the bench script)
import { SIXTH, cases, measure } from '../../bench/nunjucks-projects-sixth.mjs';
// @ts-expect-error (likewise)
import { copy, renderers } from '../../bench/nunjucks-projects.mjs';
import { bundlePages } from '../nunjucks-projects-support.js';

type Case = { component: string; name: string; page: string; ctx: object };
type Page = { render(ctx: object): string; renderStream(ctx: object): Iterable<string>; renderAsync(ctx: object): Promise<string> };
type Project = { paths: string[]; opts: object };
type Counts = { cases: number; nunjucksErrors: number; env: { same: number; bothThrow: number }; api: { same: number; bothThrow: number } };

/** Cases per project, how many Nunjucks itself fails on (shapes a macro does not take, a README example missing an import), and templates vendored. */
const EXPECTED: Record<string, { cases: number; nunjucksErrors: number; templates: number }> = {
  govuk4: { cases: 606, nunjucksErrors: 0, templates: 68 },
  nhsuk8: { cases: 259, nunjucksErrors: 9, templates: 64 },
  ccrd: { cases: 41, nunjucksErrors: 3, templates: 20 },
  dps: { cases: 30, nunjucksErrors: 0, templates: 6 },
  defra: { cases: 162, nunjucksErrors: 18, templates: 48 },
};

const BENCH = join(import.meta.dirname, '../../bench');
const OUT = (project: string) => join(import.meta.dirname, `.out-njk-sixth-${project}`);
const CCRD_UTILS = join(import.meta.dirname, '../fixtures/nunjucks-projects/hmpps-court-cases/hmpps/utils/utils.js');
const from = (project: string, file: string) => relative(OUT(project), file).split('\\').join('/');

/** Each project's filters and globals as modules the bundle links (what the bench gives both engines). */
const MODULES: Record<string, { filters?: string; globals?: string }> = {
  ccrd: {
    filters: `import { createRequire } from 'node:module';
const u = createRequire(import.meta.url)(${JSON.stringify(CCRD_UTILS)});
export const { personProfileName, personDateOfBirth, personStatus, hmppsFormatDate, formatLengths, formatMergedFromCase, formatCountNumber, consecutiveToDetailsToDescription, groupAndSortPeriodLengths, sentenceCase, nameCase, firstNameSpaceLastName, lastNameCommaFirstName, dayMonthYearForwardSlashSeparator, sortPeriodLengths, createSupportLink } = u;
`,
  },
  defra: {
    filters: `export * from '${from('defra', join(BENCH, 'nunjucks-projects-defra-filters.mjs'))}';\n`,
    globals: `export * from '${from('defra', join(BENCH, 'nunjucks-projects-defra-globals.mjs'))}';\n`,
  },
};

const outcome = async (f: () => unknown): Promise<string> => {
  try {
    return String(await f());
  } catch (e) {
    return `(threw) ${String((e as Error)?.message).replace(/\s+/g, ' ')}`;
  }
};

async function bundle(project: string, pages: string[]): Promise<Page[]> {
  const { paths, opts } = (SIXTH as Record<string, Project>)[project]!;
  const built = await bundlePages<Page>({ dir: OUT(project), paths, opts, modules: MODULES[project] }, pages);
  expect(built.code).not.toMatch(/new Function|\beval\(|class Parser/);
  return built.pages;
}

const PROJECTS = Object.keys(EXPECTED);
const FOLDER: Record<string, string> = { govuk4: 'govuk-frontend-4', nhsuk8: 'nhsuk-frontend-8', ccrd: 'hmpps-court-cases', dps: 'hmpps-dps-components', defra: 'defra-forms-engine' };
const templatesIn = (dir: string): number =>
  readdirSync(dir, { withFileTypes: true }).reduce((n, e) => n + (e.isDirectory() ? templatesIn(join(dir, e.name)) : /\.(njk|html)$/.test(e.name) ? 1 : 0), 0);
let counts: Record<string, Counts> = {};
let failing: { via: string; c: Case }[] = [];
beforeAll(async () => {
  ({ results: counts, failing } = await measure(PROJECTS));
}, 600_000);
afterAll(() => {
  if (!process.env.NJK_KEEP) for (const p of PROJECTS) rmSync(OUT(p), { recursive: true, force: true });
});

describe.each(PROJECTS.map((p) => [p, EXPECTED[p]!.cases, EXPECTED[p]!.cases - EXPECTED[p]!.nunjucksErrors, EXPECTED[p]!.templates] as const))(
  '%s (%i cases, %i rendered by Nunjucks, %i templates)',
  (project, count, rendered, templates) => {
    it('vendors the templates it counts', () => {
      expect(templatesIn(join(import.meta.dirname, '../fixtures/nunjucks-projects', FOLDER[project]!))).toBe(templates);
    });

    it(`the Environment and kida/nunjucks: ${rendered} of ${rendered} byte-identical, the rest throw in both`, () => {
      expect(failing.filter((f) => f.c.project === project).map((f) => `${f.via} ${f.c.component} / ${f.c.name}`)).toEqual([]);
      const got = counts[project]!;
      expect({ cases: got.cases, nunjucksErrors: got.nunjucksErrors }).toEqual({ cases: count, nunjucksErrors: count - rendered });
      for (const via of ['env', 'api'] as const) expect(got[via]).toEqual({ same: rendered, bothThrow: count - rendered });
    });

    it('as compiled modules (Rollup, searchPaths): every case as Nunjucks renders it, buffered, streamed and async', async () => {
      const all = (await cases(project)) as Case[];
      const r = (await renderers(project)) as { nunjucks: (c: Case) => string };
      const pageOf = new Map<string, number>();
      for (const c of all) if (!pageOf.has(c.page)) pageOf.set(c.page, pageOf.size);
      const pages = await bundle(project, [...pageOf.keys()]);
      const differ: string[] = [];
      let same = 0;
      for (const c of all) {
        const want = await outcome(() => r.nunjucks({ ...c, ctx: copy(c.ctx) }));
        const page = pages[pageOf.get(c.page)!]!;
        const got = [
          await outcome(() => page.render(copy(c.ctx))),
          await outcome(() => [...page.renderStream(copy(c.ctx))].join('')),
          await outcome(() => page.renderAsync(copy(c.ctx))),
        ];
        // (both throwing is agreement: the messages are each engine's own)
        const ok = want.startsWith('(threw)') ? got.every((g) => g.startsWith('(threw)')) : got.every((g) => g === want);
        if (!ok) differ.push(`${c.component} / ${c.name}` + (process.env.NJK_DIFF ? `\nWANT ${want.slice(0, 600)}\nGOT ${got.map((g) => g.slice(0, 600)).join("\n--\n")}` : ""));
        else if (!want.startsWith('(threw)')) same++;
      }
      expect(differ).toEqual([]);
      expect(same).toBe(rendered);
    }, 600_000);
  },
);

// The sixth project, an Eleventy site (google/eleventy-high-performance-blog: layouts chained by
// front matter, `extends` with a top-level `set`, include of a set variable's list, a macro, and
// three async filters written for addNunjucksAsyncFilter): every page as Eleventy builds it,
// through Nunjucks' callback render and ours, all async (bench/nunjucks-projects-ehpb.mjs).
describe('eleventy-high-performance-blog (30 pages, 28 rendered by Nunjucks, 15 templates)', async () => {
  // @ts-expect-error (a plain .mjs helper)
  const ehpb = await import('../../bench/nunjucks-projects-ehpb.mjs');
  type Render = (name: string, data: object) => Promise<string>;
  type Site = { dir: string; paths: string[]; layouts: Record<string, string>; remove(): void };
  type SiteCase = { name: string; template: string; data: object };
  const site = ehpb.prepare() as Site;
  afterAll(() => site.remove());
  const all = ehpb.cases() as SiteCase[];
  const page = (render: Render, c: SiteCase) => outcome(() => ehpb.renderPage(render, site.layouts, c));

  it('vendors the templates it counts', () => {
    expect(templatesIn(ehpb.SOURCE)).toBe(15);
  });

  it('the Environment (renderAsync, renderStreamAsync) and kida/nunjucks: each page as Nunjucks builds it', async () => {
    const e = (await ehpb.engines(site.paths)) as Record<'nunjucks' | 'env' | 'envStream' | 'api', Render>;
    let rendered = 0;
    for (const c of all) {
      const want = await page(e.nunjucks, c);
      for (const via of ['env', 'envStream', 'api'] as const) {
        const got = await page(e[via], c);
        expect(want.startsWith('(threw)') ? got.slice(0, 7) : got, `${via} ${c.name}`).toBe(want.startsWith('(threw)') ? '(threw)' : want);
      }
      if (!want.startsWith('(threw)')) rendered++;
    }
    expect([all.length, rendered]).toEqual([30, 28]);
  }, 300_000);

  it('as compiled modules (Rollup: its search paths, its filters module, asyncFilters): renderAsync and renderStreamAsync', async () => {
    const e = (await ehpb.engines(site.paths)) as Record<'nunjucks', Render>;
    const out = join(import.meta.dirname, '.out-njk-sixth-ehpb');
    rmSync(out, { recursive: true, force: true });
    mkdirSync(out, { recursive: true });
    // (each template by its Eleventy name: `_includes` ones relative to it, the others to the input folder)
    const names: Record<string, string> = {};
    const walkNjk = (d: string): string[] => readdirSync(d, { withFileTypes: true }).flatMap((x) => (x.isDirectory() ? walkNjk(join(d, x.name)) : x.name.endsWith('.njk') ? [join(d, x.name)] : []));
    for (const f of walkNjk(site.dir)) names[relative(f.includes('/_includes/') ? site.paths[0]! : site.dir, f).split('\\').join('/')] = f;
    for (const [k, src] of Object.entries(ehpb.EXTRA_PAGES as Record<string, string>)) writeFileSync((names[k] = join(out, `${k.slice(1)}.njk`)), src);
    const keys = Object.keys(names);
    writeFileSync(join(out, 'filters.mjs'), `export * from '${relative(out, join(BENCH, 'nunjucks-projects-ehpb-filters.mjs')).split('\\').join('/')}';\n`);
    writeFileSync(join(out, 'entry.mjs'), `${keys.map((k, i) => `import t${i} from ${JSON.stringify(names[k])};`).join('\n')}\nexport const byName = { ${keys.map((k, i) => `${JSON.stringify(k)}: t${i}`).join(', ')} };\n`);
    const { rollup } = await import('rollup');
    const { default: kida } = await import('../../dist/plugins/rollup.js' as string);
    const plugin = kida({ searchPaths: [...site.paths, out], filters: join(out, 'filters.mjs'), asyncFilters: ehpb.ASYNC_FILTERS, cacheDir: false, config: false });
    const b = await rollup({ input: join(out, 'entry.mjs'), preserveSymlinks: true, plugins: [plugin], onwarn: () => {} });
    const { output } = await b.generate({ format: 'es' });
    expect(output[0].code).not.toMatch(/new Function|\beval\(|class Parser/);
    writeFileSync(join(out, 'bundle.mjs'), output[0].code);
    const { byName } = (await import(pathToFileURL(join(out, 'bundle.mjs')).href)) as { byName: Record<string, { renderAsync(d: object): Promise<string>; renderStreamAsync(d: object): AsyncIterable<string> }> };
    const viaBundle: Render = (name, data) => byName[name]!.renderAsync(data);
    const viaStream: Render = async (name, data) => {
      let s = '';
      for await (const chunk of byName[name]!.renderStreamAsync(data)) s += chunk;
      return s;
    };
    for (const c of all) {
      const want = await page(e.nunjucks, c);
      for (const [via, render] of [['bundle', viaBundle], ['bundle stream', viaStream]] as const) {
        const got = await page(render, c);
        expect(want.startsWith('(threw)') ? got.slice(0, 7) : got, `${via} ${c.name}`).toBe(want.startsWith('(threw)') ? '(threw)' : want);
      }
    }
    if (!process.env.NJK_KEEP) rmSync(out, { recursive: true, force: true });
  }, 300_000);
});
