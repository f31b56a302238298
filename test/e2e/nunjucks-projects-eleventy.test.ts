// Issue #25's outside check, eighth pass: Eleventy sites that render through shortcodes, paired
// shortcodes, async shortcodes and custom tags (addNunjucksTag). Four Eleventy plugins as npm
// ships them, their templates vendored unchanged under test/fixtures/nunjucks-projects/
// eleventy-plugin-* (SOURCES.md), each site's own `.eleventy.js` run against an eleventyConfig
// that collects what it registers; the shortcodes and tags added to Nunjucks 3.2.4, Kida's
// Environment and kida/nunjucks as Eleventy 3 adds them (test/eleventy-shortcodes.mjs, from
// Eleventy's src/Engines/Nunjucks.js), and to a Rollup bundle through `nunjucksExtensions`.
// Every page is rendered as Eleventy builds it (bench/nunjucks-projects-eighth.mjs) and compared
// byte for byte with Nunjucks, also with every template in custom tag syntax (`tags`).
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error (a plain .mjs helper shared with the bench)
import * as eighth from '../../bench/nunjucks-projects-eighth.mjs';

type Render = (name: string, data: object) => Promise<string>;
type Case = { name: string; template: string; data: Record<string, unknown>; configure?: unknown };
type Prepared = { root: string; includes: string; paths: string[]; front: Record<string, Record<string, unknown>>; remove(): void };
type Engines = Record<'nunjucks' | 'env' | 'envStream' | 'api', Render> & { envSync?: Render; site: Record<string, Record<string, unknown>> };

/** Cases, templates vendored (.njk), and what the site registers. */
const EXPECTED = {
  schema: { cases: 10, templates: 12, registers: 'shortcodes jsonLdScript, jsonLd' },
  syntaxhighlight: { cases: 2, templates: 2, registers: 'paired shortcode highlight' },
  sitemap: { cases: 14, templates: 7, registers: 'async shortcode sitemap' },
  seo: { cases: 36, templates: 3, registers: '8 custom tags (CallExtensionAsync) rendering its templates with env.renderString' },
} as const;
type Project = keyof typeof EXPECTED;

/**
 * Cases that differ on purpose (docs/security.md, "Double-quoted attribute, text a statement
 * writes"): a tag's safe text inside a double-quoted attribute has its `"` written `&quot;`. The
 * seo site's configs with an author `Jane "J" Doe` (data chosen to test it) put one in
 * `<meta name="author" content="{% metaAuthor "" %}">`; Nunjucks writes the quote and ends the
 * attribute. Checked: undoing `&quot;` there gives Nunjucks' text.
 */
const byDesign = (project: Project, c: Case, want: string, got: string): boolean =>
  project === 'seo' && /^options\/(none|paged|pagedOff|first): /.test(c.name) && got !== want && got.replace(/content="Jane &quot;J&quot; Doe"/g, 'content="Jane "J" Doe"') === want;
const BY_DESIGN: Record<Project, number> = { schema: 0, syntaxhighlight: 0, sitemap: 0, seo: 8 };

const outcome = async (f: () => Promise<string>): Promise<string> => {
  try {
    return await f();
  } catch (e) {
    return `(threw) ${String((e as Error)?.message).replace(/\s+/g, ' ')}`;
  }
};
const njkIn = (dir: string): number =>
  readdirSync(dir, { withFileTypes: true }).reduce((n, e) => n + (e.isDirectory() ? (e.name === 'node_modules' ? 0 : njkIn(join(dir, e.name))) : e.name.endsWith('.njk') ? 1 : 0), 0);

const prepared: Prepared[] = [];
afterAll(() => {
  for (const p of prepared) p.remove();
});
const prepare = (project: Project, customTags = false): Prepared => {
  const p = eighth.prepare(project, { customTags }) as Prepared;
  prepared.push(p);
  return p;
};

/** Each case through every engine against Nunjucks; returns [equal, by design] per engine run. */
async function compare(project: Project, customTags: boolean): Promise<{ equal: number; designed: number; renders: number }> {
  const p = prepare(project, customTags);
  const all = (await eighth.cases(project, p)) as Case[];
  expect(all.length).toBe(EXPECTED[project].cases);
  let equal = 0;
  let designed = 0;
  let renders = 0;
  const byConfig = new Map<unknown, Engines>();
  for (const c of all) {
    let e = byConfig.get(c.configure);
    if (!e) byConfig.set(c.configure, (e = (await eighth.engines(project, p, c.configure, { customTags })) as Engines));
    const page = (render: Render) => outcome(() => eighth.renderPage(render, p, project, c));
    const want = await page(e.nunjucks);
    expect(want, `Nunjucks renders ${c.name}`).not.toMatch(/^\(threw\)/);
    for (const via of ['env', 'envStream', 'api', 'envSync'] as const) {
      const render = e[via];
      if (!render) continue;
      renders++;
      const got = await page(render);
      if (byDesign(project, c, want, got)) designed++;
      else {
        expect(got, `${via} ${c.name}`).toBe(want);
        equal++;
      }
    }
  }
  return { equal, designed, renders };
}

describe.each(Object.entries(EXPECTED).map(([p, x]) => [p, x.cases, x.templates, x.registers] as const))(
  '%s (%i pages, %i templates; %s)',
  (project, count, templates) => {
    it('vendors the templates it counts', () => {
      expect(njkIn(join(eighth.FIXTURES, eighth.PROJECTS[project].folder))).toBe(templates);
    });

    it('registers through Eleventy\u2019s API what its docs say', async () => {
      const p = prepare(project);
      const all = (await eighth.cases(project, p)) as Case[];
      const site = (await eighth.siteOf(project, p.root, all[0]!.configure)) as Record<string, Record<string, unknown>>;
      const names = (k: string) => Object.keys(site[k]!).sort();
      const got = { shortcodes: names('shortcodes'), asyncShortcodes: names('asyncShortcodes'), pairedShortcodes: names('pairedShortcodes'), tags: names('tags') };
      const want = {
        schema: { shortcodes: ['jsonLd', 'jsonLdScript'], asyncShortcodes: [], pairedShortcodes: [], tags: [] },
        syntaxhighlight: { shortcodes: [], asyncShortcodes: [], pairedShortcodes: ['highlight'], tags: [] },
        sitemap: { shortcodes: [], asyncShortcodes: ['sitemap'], pairedShortcodes: [], tags: [] },
        seo: { shortcodes: [], asyncShortcodes: [], pairedShortcodes: [], tags: ['canonicalURL', 'metaAuthor', 'metaRobots', 'openGraph', 'pageDescription', 'pageTitle', 'seo', 'twitterCard'] },
      }[project];
      expect(got).toEqual(want);
    });

    it('the Environment (renderAsync, renderStreamAsync, render where sync) and kida/nunjucks: each page as Nunjucks builds it', async () => {
      const { equal, designed, renders } = await compare(project, false);
      expect({ equal, designed }).toEqual({ equal: renders - BY_DESIGN[project] * 3, designed: BY_DESIGN[project] * 3 });
      expect(renders).toBeGreaterThanOrEqual(count * 3);
    }, 300_000);

    it('in custom tag syntax (tags: <% %>, <$ $>, <# #>), every template rewritten to it', async () => {
      const { equal, designed, renders } = await compare(project, true);
      expect({ equal, designed }).toEqual({ equal: renders - BY_DESIGN[project] * 3, designed: BY_DESIGN[project] * 3 });
    }, 300_000);
  },
);

// (seo's tags render their templates with `context.env.renderString`, which needs a compiler: not in a bundle)
describe.each([['schema'], ['syntaxhighlight'], ['sitemap']] as const)('%s as compiled modules (Rollup, nunjucksExtensions)', (project) => {
  it('renderAsync and renderStreamAsync of each page equal Nunjucks', async () => {
    const p = prepare(project);
    const all = (await eighth.cases(project, p)) as Case[];
    const out = join(import.meta.dirname, `.out-njk-eleventy-${project}`);
    rmSync(out, { recursive: true, force: true });
    mkdirSync(out, { recursive: true });
    // (each template by its Eleventy name: layouts relative to the includes folder, pages to the root)
    const walk = (d: string): string[] => readdirSync(d, { withFileTypes: true }).flatMap((x) => (x.name === 'node_modules' ? [] : x.isDirectory() ? walk(join(d, x.name)) : x.name.endsWith('.njk') ? [join(d, x.name)] : []));
    const names: Record<string, string> = {};
    for (const f of walk(p.root)) names[relative(f.startsWith(p.includes) ? p.includes : p.root, f).split('\\').join('/')] = f;
    const bench = pathToFileURL(join(import.meta.dirname, '../../bench/nunjucks-projects-eighth.mjs')).href;
    // (sitemap's examples each register the shortcode with their own options: a bundle each)
    const groups = project === 'sitemap' ? ['default', 'data-file', 'multilingual', 'pagination', 'paginated-archive'] : [undefined];
    let rendered = 0;
    for (const example of groups) {
      const dir = join(out, example ?? 'site');
      mkdirSync(dir, { recursive: true });
      const e = (await eighth.engines(project, p, all.find((c) => !example || c.name.startsWith(`${example}:`))!.configure)) as Engines;
      const exts: Record<string, string> = {};
      for (const kind of ['shortcodes', 'asyncShortcodes', 'pairedShortcodes', 'asyncPairedShortcodes']) {
        for (const name of Object.keys(e.site[kind]!)) {
          writeFileSync((exts[name] = join(dir, `ext-${name}.mjs`)), `const { bundleExtension } = await import(${JSON.stringify(bench)}); // (loaded from its file, not bundled)\nexport default await bundleExtension(${JSON.stringify(project)}, ${JSON.stringify(p.root)}, ${JSON.stringify(name)}${example ? `, ${JSON.stringify(example)}` : ''});\n`);
        }
      }
      const keys = Object.keys(names);
      writeFileSync(join(dir, 'entry.mjs'), `${keys.map((k, i) => `import t${i} from ${JSON.stringify(names[k])};`).join('\n')}\nexport const byName = { ${keys.map((k, i) => `${JSON.stringify(k)}: t${i}`).join(', ')} };\n`);
      const { rollup } = await import('rollup');
      const { default: kida } = await import('../../dist/plugins/rollup.js' as string);
      const plugin = kida({ searchPaths: p.paths, nunjucksExtensions: exts, cacheDir: false, config: false });
      const b = await rollup({ input: join(dir, 'entry.mjs'), preserveSymlinks: true, plugins: [plugin], onwarn: () => {} });
      const { output } = await b.generate({ format: 'es' });
      expect(output[0].code).not.toMatch(/new Function|\beval\(|class Parser/);
      writeFileSync(join(dir, 'bundle.mjs'), output[0].code);
      type Built = { renderAsync(d: object): Promise<string>; renderStreamAsync(d: object): AsyncIterable<string> };
      const { byName } = (await import(pathToFileURL(join(dir, 'bundle.mjs')).href)) as { byName: Record<string, Built> };
      const viaBundle: Render = (name, data) => byName[name]!.renderAsync(data);
      const viaStream: Render = async (name, data) => {
        let s = '';
        for await (const chunk of byName[name]!.renderStreamAsync(data)) s += chunk;
        return s;
      };
      for (const c of all.filter((x) => !example || x.name.startsWith(`${example}:`))) {
        const want = await outcome(() => eighth.renderPage(e.nunjucks, p, project, c));
        for (const [via, render] of [['bundle', viaBundle], ['bundle stream', viaStream]] as const) expect(await outcome(() => eighth.renderPage(render, p, project, c)), `${via} ${c.name}`).toBe(want);
        rendered++;
      }
    }
    expect(rendered).toBe(EXPECTED[project].cases);
    if (!process.env.NJK_KEEP) rmSync(out, { recursive: true, force: true });
  }, 300_000);
});
