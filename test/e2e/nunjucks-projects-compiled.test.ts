// Issue #25's held-out check, compiled: the ONS design system's and The National Archives'
// templates (@ons/design-system, @nationalarchives/frontend, unchanged) built by Rollup through
// the kida plugin (ONS's filters and globals as the plugin's `filters`/`globals` modules) render
// every case of bench/nunjucks-projects.mjs for those projects (ONS: its examples as its example
// renderer and its tests render them, its test data, param shapes, its layout; TNA: its
// fixtures) from the bundle as Nunjucks 3.2.4 renders them: buffered, streamed and async; where
// Nunjucks throws, so does the bundle.
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error (a plain .mjs helper shared with the bench script)
import { PROJECTS, cases, renderers } from '../../bench/nunjucks-projects.mjs';

type Case = { component: string; name: string; page: string; ctx: object };
type Page = { render(ctx: object): string; renderStream(ctx: object): Iterable<string>; renderAsync(ctx: object): Promise<string> };
type Built = { all: Case[]; pageOf: Map<string, number>; pages: Page[]; bundle: string };
const built: Record<string, Built> = {};

// (the filters and globals the bench gives both engines, as modules the plugin links)
const FILTERS = `import { SafeString } from 'kida/runtime/nunjucks';
export const tojson = (v) => new SafeString(JSON.stringify(v).replace(/[<>&']/g, (c) => '\\\\u00' + c.charCodeAt(0).toString(16)));
export const setAttribute = (o, k, v) => { o[k] = v; return o; };
export const setAttributes = (o, more) => { for (const k in more) if (Object.hasOwn(more, k)) o[k] = more[k]; return o; };
`;
const GLOBALS = `export const isDesignSystemExample = true;
export const extend = (list, x) => { if (!Array.isArray(list)) throw new Error('extend() expects an array'); list.push(x); };
`;

/** The project's cases, each distinct page a .njk file beside links to the package's folders, bundled by Rollup and imported. */
async function build(project: string, links: string[], modules: { filters?: string; globals?: string } = {}): Promise<Built> {
  const dir = join(import.meta.dirname, `.out-njk-${project}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'pages'), { recursive: true });
  const { base } = PROJECTS[project] as { base: string };
  for (const d of links) symlinkSync(join(base, d), join(dir, d), 'dir');
  const options: Record<string, string> = {};
  for (const [k, src] of Object.entries(modules)) writeFileSync((options[k] = join(dir, `${k}.mjs`)), src);
  const all = (await cases(project)) as Case[];
  const pageOf = new Map<string, number>();
  for (const c of all) if (!pageOf.has(c.page)) pageOf.set(c.page, pageOf.size);
  for (const [src, i] of pageOf) writeFileSync(join(dir, 'pages', `p${i}.njk`), src);
  const ids = [...pageOf.values()];
  writeFileSync(join(dir, 'entry.mjs'), `${ids.map((i) => `import p${i} from './pages/p${i}.njk';`).join('\n')}\nexport const pages = [${ids.map((i) => `p${i}`).join(', ')}];\n`);
  const { rollup } = await import('rollup');
  const { default: kida } = await import('../../dist/plugins/rollup.js' as string);
  const plugin = kida({ root: dir, cacheDir: false, config: false, ...options });
  const b = await rollup({ input: join(dir, 'entry.mjs'), preserveSymlinks: true, plugins: [plugin], onwarn: () => {} });
  const { output } = await b.generate({ format: 'es' });
  writeFileSync(join(dir, 'bundle.mjs'), output[0].code);
  const pages = ((await import(pathToFileURL(join(dir, 'bundle.mjs')).href)) as { pages: Page[] }).pages;
  return { all, pageOf, pages, bundle: output[0].code };
}

beforeAll(async () => {
  built.ons = await build('ons', ['components', 'layout'], { filters: FILTERS, globals: GLOBALS });
  built.tna = await build('tna', ['nationalarchives']);
}, 300_000);
afterAll(() => {
  for (const p of Object.keys(built)) rmSync(join(import.meta.dirname, `.out-njk-${p}`), { recursive: true, force: true });
});

const outcome = async (f: () => unknown): Promise<string> => {
  try {
    return String(await f());
  } catch {
    return '(threw)';
  }
};

describe.each([
  ['ons', 848],
  ['tna', 364],
])('%s as compiled modules (Rollup)', (project, count) => {
  it('bundles no compiler and no code generation from strings', () => {
    for (const marker of ['new Function', 'eval(', 'function tokenize', 'class Parser']) expect(built[project]!.bundle).not.toContain(marker);
  });

  it('renders every case as Nunjucks does, buffered, streamed and async', async () => {
    const { all, pageOf, pages } = built[project]!;
    const r = (await renderers(project)) as { nunjucks: (c: Case) => string };
    const differ: string[] = [];
    // (each render gets its own copy of the data: ONS's setAttributes writes into its argument)
    for (const c of all) {
      const want = await outcome(() => r.nunjucks({ ...c, ctx: structuredClone(c.ctx) }));
      const page = pages[pageOf.get(c.page)!]!;
      const got = [
        await outcome(() => page.render(structuredClone(c.ctx))),
        await outcome(() => [...page.renderStream(structuredClone(c.ctx))].join('')),
        await outcome(() => page.renderAsync(structuredClone(c.ctx))),
      ];
      if (got.some((g) => g !== want)) differ.push(`${c.component} / ${c.name}`);
    }
    expect(differ).toEqual([]);
    expect(all.length).toBe(count);
  }, 600_000);
});
