// Issue #25's held-out check, compiled, for the fourth pass's projects (hmcts, probation, kit,
// eleventy, onelogin) and the fifth's (hmpo; bench/nunjucks-projects.mjs says with which data):
// every case built by Rollup through kida/rollup as the app would set it up — the project's search paths as the
// plugin's `searchPaths`, its environment options, its filters and globals as the plugin's
// modules, the prototype kit's `.html` -> `.njk` fallback as `fallbackExtensions` — and rendered
// from the bundle as Nunjucks 3.2.4 renders it (with the same loader rules): buffered, streamed
// and async. Where Nunjucks throws, so does the bundle; a page that names a template no search
// path holds (an app's own, such as one-login's `common/ga4-opl/macro.njk`) fails its build.
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error (a plain .mjs helper shared with the bench script)
import { PROJECTS, cases, copy, pkg, renderers } from '../../bench/nunjucks-projects.mjs';
import { bundlePages } from '../nunjucks-projects-support.js';

type Case = { component: string; name: string; page: string; ctx: object };
type Page = { render(ctx: object): string; renderStream(ctx: object): Iterable<string>; renderAsync(ctx: object): Promise<string> };
type Project = { paths: string[]; opts: object; fallbackExtensions?: Record<string, string[]> };
type Built = { all: Case[]; want: string[]; pageOf: Map<string, number>; pages: Page[]; bundle: string; unbuildable: string[] };

const OUT = (project: string) => join(import.meta.dirname, `.out-njk-more-${project}`);
const BENCH = join(import.meta.dirname, '../../bench');

// (the backend module its README's app setup requires, by file: the package's exports hide it)
const ONELOGIN_BACKEND = join(pkg('@govuk-one-login/frontend-ui') as string, 'build/cjs/backend/index.cjs');
/** A module exporting each function of a CommonJS module's `key` object by name (the plugin reads export names statically; `delete` is one). */
const reexport = (file: string, key: string): string => {
  const names = Object.keys((createRequire(import.meta.url)(file) as Record<string, object>)[key]!);
  return `import { createRequire } from 'node:module';\nconst all = createRequire(import.meta.url)(${JSON.stringify(file)}).${key};\n${names.map((n, i) => `const $${i} = all[${JSON.stringify(n)}];\nexport { $${i} as ${n} };`).join('\n')}\n`;
};
const HMPO = pkg('hmpo-components') as string;

/** Each project's filters and globals as modules (what the bench gives both engines; the bundle links them). */
const MODULES: Record<string, { filters?: string; globals?: string }> = {
  // (its own lib/filters.js and lib/globals.js, as its test renderer adds them)
  hmpo: { filters: reexport(join(HMPO, 'lib/filters.js'), 'filters'), globals: reexport(join(HMPO, 'lib/globals.js'), 'globals') },
  kit: {
    filters: `import { SafeString } from 'kida/runtime/nunjucks';
export const log = (a) => new SafeString('<script>console.log(' + JSON.stringify(a, null, '\\t') + ');</script>');
export const formatItems = (items = []) => (Array.isArray(items) ? items.map((item) => ({ text: item, value: item })) : []);
`,
    globals: `export const govukRebrand = true;
export const pluginVersionSatisfies = (name, range) => name === 'govuk-frontend' && range === '>=6.0.0';
`,
  },
  // (the plugin's own filter files among them: they read this.ctx)
  eleventy: { filters: `export * from '${relative(OUT('eleventy'), join(BENCH, 'nunjucks-projects-eleventy-filters.mjs')).split('\\').join('/')}';\n` },
  onelogin: {
    filters: `import { createRequire } from 'node:module';
const ui = createRequire(import.meta.url)(${JSON.stringify(ONELOGIN_BACKEND)});
export const translate = (key, opts) => String(key).split('.').reduce((o, k) => (o && typeof o === 'object' ? o[k] : undefined), ui.frontendUiTranslationEn) ?? opts?.default ?? key;
export const translateToEnglish = translate;
export const translateWithContextOrFallback = (key) => translate(key);
`,
    globals: `import { createRequire } from 'node:module';
const ui = createRequire(import.meta.url)(${JSON.stringify(ONELOGIN_BACKEND)});
// (its warning for a missing URL, which the shapes leave out, kept off the output)
export const addLanguageParam = (...a) => { const warn = console.warn; console.warn = () => {}; try { return ui.addLanguageParam(...a); } finally { console.warn = warn; } };
export const contactUsUrl = ui.contactUsUrl;
export const MAY_2025_REBRAND_ENABLED = true;
`,
  },
};

const outcome = async (f: () => unknown): Promise<string> => {
  try {
    return String(await f());
  } catch (e) {
    return `(threw) ${String((e as Error)?.message).replace(/\s+/g, ' ')}`;
  }
};

/** Rollup with kida/rollup over `pages` (each a .njk source), on the project's search paths; the bundle's text. */
async function bundle(project: string, dir: string, pages: string[]): Promise<string> {
  const { paths, opts, fallbackExtensions } = PROJECTS[project] as Project;
  return (await bundlePages({ dir, paths, opts, modules: MODULES[project], plugin: fallbackExtensions ? { fallbackExtensions } : {} }, pages)).code;
}

const built: Record<string, Built> = {};
async function build(project: string): Promise<Built> {
  const all = (await cases(project)) as Case[];
  const r = (await renderers(project)) as { nunjucks: (c: Case) => string };
  const want: string[] = [];
  for (const c of all) want.push(await outcome(() => r.nunjucks({ ...c, ctx: copy(c.ctx) })));
  // Pages Nunjucks cannot load a template of are built one by one: each build must fail.
  const unbuildable = [...new Set(all.filter((_, i) => /template not found/.test(want[i]!)).map((c) => c.page))];
  const pageOf = new Map<string, number>();
  for (const c of all) if (!pageOf.has(c.page) && !unbuildable.includes(c.page)) pageOf.set(c.page, pageOf.size);
  const code = await bundle(project, OUT(project), [...pageOf.keys()]);
  const pages = ((await import(pathToFileURL(join(OUT(project), 'bundle.mjs')).href)) as { pages: Page[] }).pages;
  return { all, want, pageOf, pages, bundle: code, unbuildable };
}

const PROJECT_CASES: [string, number][] = [
  ['hmcts', 60],
  ['probation', 15],
  ['kit', 108],
  ['eleventy', 95],
  ['onelogin', 56],
  ['hmpo', 192],
];

beforeAll(async () => {
  for (const [p] of PROJECT_CASES) built[p] = await build(p);
}, 600_000);
afterAll(() => {
  for (const [p] of PROJECT_CASES) {
    rmSync(OUT(p), { recursive: true, force: true });
    rmSync(`${OUT(p)}-missing`, { recursive: true, force: true });
  }
});

describe.each(PROJECT_CASES)('%s as compiled modules (Rollup, searchPaths)', (project, count) => {
  it('bundles no compiler and no code generation from strings', () => {
    for (const marker of ['new Function', 'eval(', 'function tokenize', 'class Parser']) expect(built[project]!.bundle).not.toContain(marker);
  });

  it('renders every case as Nunjucks does, buffered, streamed and async', async () => {
    const { all, want, pageOf, pages } = built[project]!;
    const differ: string[] = [];
    let rendered = 0;
    for (const [i, c] of all.entries()) {
      const at = pageOf.get(c.page);
      if (at === undefined) continue;
      const page = pages[at]!;
      const got = [
        await outcome(() => page.render(copy(c.ctx))),
        await outcome(() => [...page.renderStream(copy(c.ctx))].join('')),
        await outcome(() => page.renderAsync(copy(c.ctx))),
      ];
      // (both throwing is agreement: the messages are each engine's own)
      const same = want[i]!.startsWith('(threw)') ? got.every((g) => g.startsWith('(threw)')) : got.every((g) => g === want[i]);
      if (!same) differ.push(`${c.component} / ${c.name}`);
      rendered++;
    }
    expect(differ).toEqual([]);
    expect(all.length).toBe(count);
    expect(rendered).toBeGreaterThan(count / 2);
  }, 600_000);

  it('refuses at build a page that names a template no search path holds, where Nunjucks fails to load it', async () => {
    for (const page of built[project]!.unbuildable)
      await expect(bundle(project, `${OUT(project)}-missing`, [page])).rejects.toThrow(/K-TPL-001 Template '[^']+' not found/);
  }, 300_000);
});
