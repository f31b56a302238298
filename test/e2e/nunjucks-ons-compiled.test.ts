// Issue #25's held-out check, compiled: the ONS design system's templates (@ons/design-system,
// unchanged) built by Rollup through the kida plugin, with its filters and globals as the
// plugin's `filters`/`globals` modules, render every ONS case of bench/nunjucks-projects.mjs (its
// examples as its example renderer and its tests render them, its test data, param shapes, its
// layout) from the bundle as Nunjucks 3.2.4 renders them: buffered, streamed and async; where
// Nunjucks throws, so does the bundle.
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error (a plain .mjs helper shared with the bench script)
import { PROJECTS, cases, renderers } from '../../bench/nunjucks-projects.mjs';

type Case = { component: string; name: string; page: string; ctx: object };
type Page = { render(ctx: object): string; renderStream(ctx: object): Iterable<string>; renderAsync(ctx: object): Promise<string> };
const dir = join(import.meta.dirname, '.out-njk-ons');
let all: Case[];
let pageOf: Map<string, number>;
let pages: Page[];
let bundle: string;

// (the filters and globals the bench gives both engines, as modules the plugin links)
const FILTERS = `import { SafeString } from 'kida/runtime/nunjucks';
export const tojson = (v) => new SafeString(JSON.stringify(v).replace(/[<>&']/g, (c) => '\\\\u00' + c.charCodeAt(0).toString(16)));
export const setAttribute = (o, k, v) => { o[k] = v; return o; };
export const setAttributes = (o, more) => { for (const k in more) if (Object.hasOwn(more, k)) o[k] = more[k]; return o; };
`;
const GLOBALS = `export const isDesignSystemExample = true;
export const extend = (list, x) => { if (!Array.isArray(list)) throw new Error('extend() expects an array'); list.push(x); };
`;

beforeAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'pages'), { recursive: true });
  const { base } = PROJECTS.ons as { base: string };
  for (const d of ['components', 'layout']) symlinkSync(join(base, d), join(dir, d), 'dir');
  writeFileSync(join(dir, 'filters.mjs'), FILTERS);
  writeFileSync(join(dir, 'globals.mjs'), GLOBALS);
  all = (await cases('ons')) as Case[];
  pageOf = new Map();
  for (const c of all) if (!pageOf.has(c.page)) pageOf.set(c.page, pageOf.size);
  for (const [src, i] of pageOf) writeFileSync(join(dir, 'pages', `p${i}.njk`), src);
  const ids = [...pageOf.values()];
  writeFileSync(join(dir, 'entry.mjs'), `${ids.map((i) => `import p${i} from './pages/p${i}.njk';`).join('\n')}\nexport const pages = [${ids.map((i) => `p${i}`).join(', ')}];\n`);
  const { rollup } = await import('rollup');
  const { default: kida } = await import('../../dist/plugins/rollup.js' as string);
  const plugin = kida({ root: dir, cacheDir: false, config: false, filters: join(dir, 'filters.mjs'), globals: join(dir, 'globals.mjs') });
  const build = await rollup({ input: join(dir, 'entry.mjs'), preserveSymlinks: true, plugins: [plugin], onwarn: () => {} });
  const { output } = await build.generate({ format: 'es' });
  bundle = output[0].code;
  writeFileSync(join(dir, 'bundle.mjs'), bundle);
  pages = ((await import(pathToFileURL(join(dir, 'bundle.mjs')).href)) as { pages: Page[] }).pages;
}, 300_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const outcome = async (f: () => unknown): Promise<string> => {
  try {
    return String(await f());
  } catch {
    return '(threw)';
  }
};

describe('the ONS design system as compiled modules (Rollup)', () => {
  it('bundles no compiler and no code generation from strings', () => {
    for (const marker of ['new Function', 'eval(', 'function tokenize', 'class Parser']) expect(bundle).not.toContain(marker);
  });

  it('renders every ONS case as Nunjucks does, buffered, streamed and async', async () => {
    const r = (await renderers('ons')) as { nunjucks: (c: Case) => string };
    const differ: string[] = [];
    for (const c of all) {
      const want = await outcome(() => r.nunjucks({ ...c, ctx: structuredClone(c.ctx) }));
      const page = pages[pageOf.get(c.page)!]!;
      const ctx = structuredClone(c.ctx); // (setAttributes writes into its argument)
      const got = [await outcome(() => page.render(ctx)), await outcome(() => [...page.renderStream(structuredClone(c.ctx))].join('')), await outcome(() => page.renderAsync(structuredClone(c.ctx)))];
      if (got.some((g) => g !== want)) differ.push(`${c.component} / ${c.name}`);
    }
    expect(differ).toEqual([]);
    expect(all.length).toBe(848);
  }, 600_000);
});
