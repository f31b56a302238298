// The check both held-out project suites make (test/e2e/nunjucks-projects*.test.ts): every case of
// the projects byte-identical to Nunjucks 3.2.4 through the Environment and kida/nunjucks, and the
// case counts (and Nunjucks' own failures) as recorded.
import { expect } from 'vitest';
// @ts-expect-error (a plain .mjs helper shared with the bench script)
import { measure } from '../bench/nunjucks-projects.mjs';

export type Expected = Record<string, { cases: number; nunjucksErrors: number }>;

/** A project's case as the bench scripts give it, its outcome, and the counts per way of rendering. */
export type Case = { name: string; page: string; ctx: object | (() => object) };
export type Outcome = { out?: string; error?: string };
export type Counts = { cases: number; nunjucksErrors: number } & Record<string, { same: number; bothThrow: number }>;
export type Page = { render(d: object): string; renderStream(d: object): Iterable<string>; renderAsync(d: object): Promise<string> };

/** A case's data for one render: made anew, or a deep copy (a render may change what it is given). */
export const fresh = (ctx: Case['ctx']): object => (typeof ctx === 'function' ? ctx() : structuredClone(ctx));
/** What a render gave, sync throws and rejections alike. */
export async function outcome(f: () => unknown): Promise<Outcome> {
  try {
    return { out: String(await f()) };
  } catch (e) {
    return { error: String((e as Error)?.message) };
  }
}

export async function expectAsNunjucks(expected: Expected): Promise<void> {
  const { results, failing } = await measure({ projects: Object.keys(expected) });
  expect(failing.map((f: { via: string; c: { project: string; component: string; name: string } }) => `${f.via} ${f.c.project}/${f.c.component} ${f.c.name}`)).toEqual([]);
  for (const [project, want] of Object.entries(expected)) {
    const got = results[project];
    expect({ project, cases: got.cases, nunjucksErrors: got.nunjucksErrors }).toEqual({ project, ...want });
    for (const via of ['env', 'api']) {
      expect(got[via].same).toBe(want.cases - want.nunjucksErrors);
      expect(got[via].bothThrow).toBe(want.nunjucksErrors);
    }
  }
}

/** What a held-out project's bundle is built from: its search paths and options, its filters/globals as module sources. */
export type BundleSpec = {
  dir: string;
  paths: string[];
  opts?: object;
  /** Module sources the plugin's options name (`filters`, `globals`, …): written under `dir`. */
  modules?: Record<string, string>;
  /** Other files written under `dir` (`<name>.mjs`), which `plugin` may name (nunjucksExtensions' modules). */
  files?: Record<string, string>;
  /** More plugin options (fallbackExtensions, asyncFilters, nunjucksExtensions, …). */
  plugin?: object;
  /** One file even where a module imports another dynamically (Rollup's inlineDynamicImports). */
  inline?: boolean;
};

/**
 * Builds `pages` (each a .njk source, `pages/p<i>.njk` under `spec.dir`) with Rollup and kida/rollup
 * on the project's search paths (the pages' folder first, as Nunjucks' loader has a page's own),
 * as an app would; returns the bundle's code and its pages, imported. Shared by the held-out
 * project suites (test/e2e/nunjucks-projects-*.test.ts).
 */
export async function bundlePages<P>(spec: BundleSpec, pages: string[]): Promise<{ code: string; pages: P[] }> {
  const { mkdirSync, rmSync, writeFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { pathToFileURL } = await import('node:url');
  const { dir } = spec;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'pages'), { recursive: true });
  const options: Record<string, string> = {};
  for (const [k, src] of Object.entries(spec.modules ?? {})) writeFileSync((options[k] = join(dir, `${k}.mjs`)), src);
  for (const [k, src] of Object.entries(spec.files ?? {})) writeFileSync(join(dir, `${k}.mjs`), src);
  pages.forEach((src, i) => writeFileSync(join(dir, 'pages', `p${i}.njk`), src));
  writeFileSync(join(dir, 'entry.mjs'), `${pages.map((_, i) => `import p${i} from './pages/p${i}.njk';`).join('\n')}\nexport const pages = [${pages.map((_, i) => `p${i}`).join(', ')}];\n`);
  const { rollup } = await import('rollup');
  const { default: kida } = await import('../dist/plugins/rollup.js' as string);
  const plugin = kida({ ...spec.opts, ...spec.plugin, searchPaths: [join(dir, 'pages'), ...spec.paths], cacheDir: false, config: false, ...options });
  const b = await rollup({ input: join(dir, 'entry.mjs'), preserveSymlinks: true, plugins: [plugin], onwarn: () => {} });
  const { output } = await b.generate({ format: 'es', inlineDynamicImports: !!spec.inline });
  const code = output[0].code;
  writeFileSync(join(dir, 'bundle.mjs'), code);
  return { code, pages: ((await import(pathToFileURL(join(dir, 'bundle.mjs')).href)) as { pages: P[] }).pages };
}
