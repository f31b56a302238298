// Issue #25's outside check, the twelfth pass: held-out projects vendored unchanged under
// test/fixtures/nunjucks-projects/ (SOURCES.md), rendered the way their own code renders them
// (bench/nunjucks-projects-twelfth.mjs) against Nunjucks 3.2.4 through the Environment (render,
// renderStream, renderAsync), kida/nunjucks, and as ES modules built by Rollup with kida/rollup
// (buffered, streamed, async; no eval in the bundle): the GOV.UK Prototype Kit's management app
// (a four-level extends chain with super()), two custom tags added with addExtension
// (nunjucks-markdown, whose parse() builds a content argument of nodes; nunjucks-do, which runs
// its body in node:vm against context.ctx), and Eleventy's RSS plugin's feed templates (its date
// filters, Eleventy's base-URL filters, its async renderTransforms: rendered async).
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error (a plain .mjs helper shared with the bench script)
import * as b from '../../bench/nunjucks-projects-twelfth.mjs';
import { bundlePages, outcome, type Outcome, type Page } from '../nunjucks-projects-support.js';

type Engine = { render(name: string, ctx: object): unknown; renderString(src: string, ctx: object): unknown; renderStringRaw(src: string, ctx: object): unknown };
type Case = { name: string; ctx: () => object; run: (e: Engine, ctx: object) => unknown };
type Call = { name?: string; src?: string; raw?: boolean };

const OUT = join(import.meta.dirname, '.out-njk-twelfth');
afterAll(() => {
  if (!process.env.NJK_KEEP) rmSync(OUT, { recursive: true, force: true });
  rmSync(b.MODULES, { recursive: true, force: true });
});

/**
 * The counts; `throws`: cases Nunjucks itself fails (each of ours must fail too); `byDesign`: cases
 * whose only difference is `dump | safe`'s (docs/security.md, "Nunjucks mode").
 */
const EXPECTED: Record<string, { title: string; cases: number; throws: number; byDesign?: number; templates: number; vias?: string[] }> = {
  kit: { title: 'govuk-prototype-kit 13.20.3 (its management app: views, its layout, the kit\'s branded layout, govuk-frontend\'s template)', cases: 24, throws: 1, templates: 16 },
  markdown: { title: 'nunjucks-markdown 2.0.1 (a custom block tag and file tag, addExtension)', cases: 13, throws: 0, templates: 8 },
  do: { title: 'nunjucks-do 1.0.0 (a {% do %} tag running JavaScript against context.ctx)', cases: 13, throws: 2, templates: 0 },
  feed: { title: '@11ty/eleventy-plugin-rss 3.0.0 (its RSS, Atom and JSON feed templates, async)', cases: 11, throws: 1, byDesign: 4, templates: 6, vias: ['envAsync', 'envStreamAsync', 'api'] },
};
const VIAS = ['env', 'envStream', 'envAsync', 'api'];
const feedBenchUrl = pathToFileURL(join(import.meta.dirname, '../../bench/nunjucks-projects-twelfth-feed.mjs')).href;

const benchUrl = pathToFileURL(join(import.meta.dirname, '../../bench/nunjucks-projects-twelfth.mjs')).href;
/** Each extension as a module of its own for a bundle's nunjucksExtensions (default export: the extension object). */
const EXTENSION_MODULES: Record<string, Record<string, string>> = {
  markdown: {
    // (its file tag renders a file through the environment it is given, kida/nunjucks on its test
    // folder: loaded from the bench's file at run time, not bundled, as that brings the compiler)
    markdown: `const { markdownOverApi } = await import(${JSON.stringify(benchUrl)});
export default await markdownOverApi();
`,
  },
  do: {
    DoExtension: `import { createRequire } from 'node:module';
const require = createRequire(${JSON.stringify(import.meta.url)});
const DoExtension = require(${JSON.stringify(join(b.DO, 'index.js'))})(require('nunjucks'));
export default new DoExtension();
`,
  },
};

/** Strings with every character HTML escaping, Markdown and these templates care about. */
const hostile = fc.oneof(fc.string(), fc.constantFrom('<', '>', '&', '"', "'", '{{ x }}', '*a*', '# h', '- li', '`code`', '    pre', ' ', '', '&amp;', '\u2028', '🚀 x'), fc.string({ unit: fc.constantFrom('<', '&', '"', "'", ' ', 'a', '-', '*', '#', '\n', '_') }));

const enginesOf = new Map<string, Promise<{ nunjucks: Engine; ways: Record<string, Engine> }>>();
/** Each way of ours against Nunjucks on one case: both equal, or both throw. */
async function expectAsNunjucks(project: string, c: Case): Promise<void> {
  if (!enginesOf.has(project)) enginesOf.set(project, b.engines(project));
  const { nunjucks, ways } = await enginesOf.get(project)!;
  const want = await outcome(() => c.run(nunjucks, c.ctx()));
  for (const [via, e] of Object.entries(ways)) {
    const got: Outcome = await outcome(() => c.run(e, c.ctx()));
    if (want.error !== undefined) expect(got.error, `${via}: Nunjucks threw ${want.error}`).toBeDefined();
    else expect(got.out, via).toBe(want.out);
  }
}

describe('hostile data in every field the templates read (fast-check, against Nunjucks)', () => {
  it('kit: the home, plugins and error pages, every field hostile or missing', async () => {
    const cases = b.TWELFTH.kit.cases() as Case[];
    const pages = [cases[0]!, cases[9]!, cases[20]!];
    const plugin = fc.record({ name: hostile, scope: hostile, packageName: hostile, description: hostile, installedVersion: hostile, installLink: hostile, updateLink: hostile, uninstallLink: hostile, helpLink: hostile }, { requiredKeys: [] });
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...pages),
        fc.record({ serviceName: hostile, releaseVersion: hostile, currentUrl: hostile, currentSection: hostile, pageName: hostile, latestAvailableKit: hostile, kitUpdateAvailable: fc.boolean(), search: hostile, foundMessage: hostile, updatesMessage: hostile, status: hostile, isSearchPage: fc.boolean(), isInstalledPage: fc.boolean(), plugins: fc.array(plugin, { maxLength: 2 }), tasks: fc.array(fc.record({ done: fc.boolean(), html: hostile }), { maxLength: 2 }), error: fc.record({ filePath: hostile, line: fc.oneof(fc.integer(), hostile), message: hostile, errorStack: hostile }, { requiredKeys: [] }) }, { requiredKeys: [] }),
        async (page, over) => {
          await expectAsNunjucks('kit', { ...page, ctx: () => ({ ...(page.ctx() as object), ...structuredClone(over) }) });
        },
      ),
      { numRuns: 30 },
    );
  }, 300_000);

  it('markdown: any text in a block tag at any indent, and through its file tag', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(hostile, { minLength: 1, maxLength: 4 }), fc.nat(8), fc.boolean(), async (lines, indent, raw) => {
        const pad = ' '.repeat(indent);
        const src = `${pad}{% markdown %}\n${lines.map((_, i) => `${pad}{{ l[${i}] }}`).join('\n')}\n${pad}{% endmarkdown %}{% markdown "markdown/markdown_with_vars.md" %}`;
        await expectAsNunjucks('markdown', { name: 'property', ctx: () => ({ l: [...lines], test: lines[0] }), run: (e, ctx) => (raw ? e.renderStringRaw(src, ctx) : e.renderString(src, ctx)) });
      }),
      { numRuns: 40 },
    );
  }, 300_000);

  it('do: values set by the tag (strings, numbers, lists, objects) read back by the template', async () => {
    const value = fc.oneof(hostile, fc.integer(), fc.boolean(), fc.constant(null), fc.array(hostile, { maxLength: 3 }), fc.dictionary(fc.constantFrom('a', 'b', 'length'), hostile, { maxKeys: 2 }));
    await fc.assert(
      fc.asyncProperty(value, hostile, async (v, s) => {
        const src = '{% do %}out = JSON.parse(json); kind = typeof out; copy = typeof given === "string" ? given.split("").reverse().join("") : given{% enddo %}{{ out }}|{{ out | dump }}|{{ kind }}|{{ copy }}|{% for x in out %}{{ loop.index }}{% endfor %}';
        await expectAsNunjucks('do', { name: 'property', ctx: () => ({ json: JSON.stringify(v), given: s }), run: (e, ctx) => e.renderString(src, ctx) });
      }),
      { numRuns: 40 },
    );
  }, 300_000);

  it('feed: any titles, summaries, author and base in the RSS and Atom feeds (async, against Nunjucks with a callback)', async () => {
    const { nunjucks, ways } = (await b.engines('feed')) as { nunjucks: { renderFeed(n: string, c: object): Promise<string> }; ways: Record<string, { renderFeed(n: string, c: object): Promise<string> }> };
    const cases = b.TWELFTH.feed.cases() as (Case & { feed: string })[];
    const post = fc.record({ url: hostile, date: fc.date({ min: new Date('1970-01-01'), max: new Date('2200-01-01'), noInvalidDate: true }), content: hostile, data: fc.record({ title: hostile, summary: hostile }, { requiredKeys: [] }) }, { requiredKeys: ['date'] });
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...cases.filter((c) => !c.feed.startsWith('json') && !c.name.includes('string'))), fc.array(post, { maxLength: 3 }), fc.record({ title: hostile, subtitle: hostile, language: hostile, author: fc.record({ name: hostile, email: hostile }, { requiredKeys: [] }) }, { requiredKeys: [] }), async (c, posts, meta) => {
        const ctx = () => {
          const base = c.ctx() as { metadata: object; collections: object };
          return { ...base, metadata: { ...base.metadata, ...structuredClone(meta) }, collections: { posts: structuredClone(posts), all: structuredClone(posts) } };
        };
        const want = await outcome(() => nunjucks.renderFeed(c.feed, ctx()));
        for (const [via, e] of Object.entries(ways)) {
          const got = await outcome(() => e.renderFeed(c.feed, ctx()));
          if (want.error !== undefined) expect(got.error, `${via}: Nunjucks threw ${want.error}`).toBeDefined();
          else expect(got.out, via).toBe(want.out);
        }
      }),
      { numRuns: 25 },
    );
  }, 300_000);
});

for (const [project, want] of Object.entries(EXPECTED)) {
  const byDesign = want.byDesign ?? 0;
  const equal = want.cases - want.throws - byDesign;
  describe(`${want.title} (${want.cases} cases: ${equal} byte-identical, ${want.throws} throwing in both${byDesign ? `, ${byDesign} differing by design (dump | safe)` : ''}; ${want.templates} of its templates)`, () => {
    it(project === 'feed' ? 'the Environment (renderAsync, renderStreamAsync) and kida/nunjucks (with a callback)' : 'the Environment (render, renderStream, renderAsync) and kida/nunjucks', async () => {
      const { results, failing } = (await b.measure([project])) as { results: Record<string, { cases: number; nunjucksErrors: number } & Record<string, unknown>>; failing: { via: string; c: Case }[] };
      expect(failing.map((f) => `${f.via} ${f.c.name}`)).toEqual([]);
      const got = results[project]!;
      expect({ cases: got.cases, nunjucksErrors: got.nunjucksErrors }).toEqual({ cases: want.cases, nunjucksErrors: want.throws });
      for (const via of want.vias ?? VIAS) expect(got[via], via).toEqual({ same: equal, bothThrow: want.throws, byDesign });
    }, 300_000);

    if (project === 'feed')
      it('as compiled modules (Rollup, its filters, renderTransforms async): renderAsync and renderStreamAsync', async () => {
        const { nunjucks, templates } = (await b.engines('feed')) as { nunjucks: { renderFeed(n: string, c: object): Promise<string> }; templates: Record<string, string> };
        const names = Object.keys(templates);
        const filters = `const { feedSetup } = await import(${JSON.stringify(feedBenchUrl)}); // (loaded from its file, not bundled)
const { FEED_OPTIONS } = await import(${JSON.stringify(benchUrl)});
const s = await feedSetup(FEED_OPTIONS);
export const { addPathPrefixToFullUrl, htmlBaseUrl, getNewestCollectionItemDate, dateToRfc3339, dateToRfc822, eleventyFeedHead } = s.filters;
export const { renderTransforms } = s.asyncFilters;
`;
        const built = await bundlePages<Page & { renderStreamAsync(d: object): AsyncIterable<string> }>(
          { dir: join(OUT, 'feed'), paths: [], modules: { filters }, plugin: { asyncFilters: ['renderTransforms'] } },
          names.map((n) => templates[n]!),
        );
        expect(built.code).not.toMatch(/new Function|\beval\(|class Parser/);
        const page = (n: string) => built.pages[names.indexOf(n)]!;
        const ways = {
          renderAsync: (n: string, c: object) => page(n).renderAsync(c),
          renderStreamAsync: async (n: string, c: object) => {
            let text = '';
            for await (const x of page(n).renderStreamAsync(c)) text += x;
            return text;
          },
        };
        const counts = { same: 0, bothThrow: 0, byDesign: 0 };
        for (const c of b.TWELFTH.feed.cases() as (Case & { feed: string })[]) {
          const njk = await outcome(() => nunjucks.renderFeed(c.feed, c.ctx()));
          const got = await Promise.all(Object.values(ways).map((w) => outcome(() => w(c.feed, c.ctx()))));
          for (const [i, via] of Object.keys(ways).entries()) {
            if (njk.error !== undefined) expect(got[i]!.error, `${via} ${c.name}: Nunjucks threw ${njk.error}`).toBeDefined();
            else if (!b.onlyDumpSafe(njk.out, got[i]!.out)) expect(got[i]!.out, `${via} ${c.name}`).toBe(njk.out);
          }
          if (njk.error !== undefined) counts.bothThrow++;
          else if (got[0]!.out === njk.out) counts.same++;
          else counts.byDesign++;
        }
        expect(counts).toEqual({ same: equal, bothThrow: want.throws, byDesign });
      }, 300_000);
    else it('as compiled modules (Rollup, its search paths, globals and extensions): buffered, streamed and async', async () => {
      const spec = b.TWELFTH[project] as { paths: string[]; opts: object; globals?: string };
      const { nunjucks } = (await b.engines(project)) as { nunjucks: Engine };
      // (what each case renders, recorded from Nunjucks: a page per source, a page including each template named)
      const recorded: { c: Case; calls: Call[] }[] = [];
      for (const c of b.TWELFTH[project].cases() as Case[]) {
        const calls: Call[] = [];
        const recorder: Engine = {
          render: (name, ctx) => (calls.push({ name }), nunjucks.render(name, ctx)),
          renderString: (src, ctx) => (calls.push({ src }), nunjucks.renderString(src, ctx)),
          renderStringRaw: (src, ctx) => (calls.push({ src, raw: true }), nunjucks.renderStringRaw(src, ctx)),
        };
        await outcome(() => c.run(recorder, c.ctx()));
        recorded.push({ c, calls });
      }
      const pageOf = (call: Call): string => (call.src !== undefined ? call.src : `{% include ${JSON.stringify(call.name)} %}`);
      const built: Record<string, { index: Map<string, number>; pages: Page[] }> = {};
      const extensions = EXTENSION_MODULES[project] ?? {};
      for (const raw of [false, true]) {
        const sources: string[] = [];
        const index = new Map<string, number>();
        for (const { calls } of recorded) for (const call of calls) if (!!call.raw === raw && !index.has(pageOf(call))) index.set(pageOf(call), sources.push(pageOf(call)) - 1);
        if (!sources.length) continue;
        const dir = join(OUT, project, raw ? 'raw' : 'escaped');
        const bundle = await bundlePages<Page>(
          {
            dir,
            paths: spec.paths,
            opts: { ...spec.opts, ...(raw ? { autoescape: false } : {}) },
            modules: spec.globals ? { globals: spec.globals } : {},
            files: extensions,
            plugin: { nunjucksExtensions: Object.fromEntries(Object.keys(extensions).map((k) => [k, join(dir, `${k}.mjs`)])) },
          },
          sources,
        );
        expect(bundle.code).not.toMatch(/new Function|\beval\(|class Parser/);
        built[String(raw)] = { index, pages: bundle.pages };
      }
      const bundled = (how: (p: Page, ctx: object) => unknown): Engine => {
        const page = (call: Call): Page => {
          const b = built[String(!!call.raw)]!;
          return b.pages[b.index.get(pageOf(call))!]!;
        };
        return { render: (name, ctx) => how(page({ name }), ctx), renderString: (src, ctx) => how(page({ src }), ctx), renderStringRaw: (src, ctx) => how(page({ src, raw: true }), ctx) };
      };
      const ways = {
        render: bundled((p, ctx) => p.render(ctx)),
        renderStream: bundled((p, ctx) => [...p.renderStream(ctx)].join('')),
        renderAsync: bundled((p, ctx) => p.renderAsync(ctx)),
      };
      let same = 0;
      let bothThrow = 0;
      for (const { c } of recorded) {
        const njk = await outcome(() => c.run(nunjucks, c.ctx()));
        for (const [via, e] of Object.entries(ways)) {
          const got = await outcome(() => c.run(e, c.ctx()));
          if (njk.error !== undefined) expect(got.error, `${via} ${c.name}: Nunjucks threw ${njk.error}`).toBeDefined();
          else expect(got.out, `${via} ${c.name}`).toBe(njk.out);
        }
        if (njk.error !== undefined) bothThrow++;
        else same++;
      }
      expect({ same, bothThrow }).toEqual({ same: equal, bothThrow: want.throws });
    }, 300_000);
  });
}
