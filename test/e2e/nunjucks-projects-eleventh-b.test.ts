// Issue #25's outside check, the eleventh pass, part B (apps and sites): three held-out projects
// vendored unchanged under test/fixtures/nunjucks-projects/ (SOURCES.md), rendered the way their own
// code renders them (bench/nunjucks-projects-eleventh-b.mjs) against Nunjucks 3.2.4 through the
// Environment (render, renderStream, renderAsync), kida/nunjucks, and as ES modules built by Rollup
// with kida/rollup (buffered, streamed, async; no eval in the bundle): an Express app's views
// (res.render's merged locals), an email service's macro library with autoescape off, and an
// Eleventy site (a page, then its layout; a shortcode; Eleventy's and the site's filters).
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error (a plain .mjs helper shared with the bench script)
import * as b from '../../bench/nunjucks-projects-eleventh-b.mjs';
import { bundlePages } from '../nunjucks-projects-support.js';

type Engine = { render(name: string, ctx: object): unknown; renderString(src: string, ctx: object): unknown };
type Case = { name: string; ctx: () => object; run: (e: Engine, ctx: object) => unknown };
type Call = { name?: string; src?: string };
type Counts = { cases: number; nunjucksErrors: number } & Record<string, { same: number; bothThrow: number }>;
type Page = { render(d: object): string; renderStream(d: object): Iterable<string>; renderAsync(d: object): Promise<string> };
type Settled = { out?: string; error?: string };

const OUT = join(import.meta.dirname, '.out-njk-eleventh-b');
afterAll(() => {
  if (!process.env.NJK_KEEP) rmSync(OUT, { recursive: true, force: true });
  rmSync(b.GENERATED, { recursive: true, force: true });
  rmSync(b.MODULES, { recursive: true, force: true });
});

/** The counts. No case fails in Nunjucks. */
const EXPECTED: Record<string, { title: string; cases: number; templates: number }> = {
  hmpps: { title: 'hmpps-template-typescript (an Express app: views, layout, partials, res.render locals; through Express too)', cases: 13, templates: 5 },
  formio: { title: 'formio-workers 1.21.5 (an email service: its macro library prepended, autoescape off)', cases: 10, templates: 2 },
  jumpstart: { title: '11ty-netlify-jumpstart (an Eleventy site: page then layout, a shortcode, filters)', cases: 12, templates: 6 },
};
const VIAS = ['env', 'envStream', 'envAsync', 'api'];

const benchUrl = pathToFileURL(join(import.meta.dirname, '../../bench/nunjucks-projects-eleventh-b.mjs')).href;

/** Strings with every character HTML escaping and these templates care about, and the names Nunjucks gives meaning. */
const hostile = fc.oneof(fc.string(), fc.constantFrom('<', '>', '&', '"', "'", '{{ x }}', '{% raw %}', ' ', '', 'a b c d', '&amp;', '\u2028', '🚀 x'), fc.string({ unit: fc.constantFrom('<', '&', '"', "'", ' ', 'a', '-', '{', '}') }));
/** Data as a form or a site holds it: strings, numbers, booleans, lists, nested objects, nothing. */
const data = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, hostile, fc.integer(), fc.boolean(), fc.constant(null), tie('list'), tie('object')),
  list: fc.array(tie('value'), { maxLength: 3 }),
  object: fc.dictionary(fc.oneof(hostile, fc.constantFrom('0', '10', '__proto__', 'constructor', 'length')), tie('value'), { maxKeys: 3 }),
})).object;

/** Each way of ours against Nunjucks on one case: both equal, or both throw. */
const enginesOf = new Map<string, Promise<{ nunjucks: Engine; ways: Record<string, Engine> }>>();
async function expectAsNunjucks(project: string, c: Case): Promise<void> {
  if (!enginesOf.has(project)) enginesOf.set(project, b.engines(project));
  const { nunjucks, ways } = await enginesOf.get(project)!;
  const settle = async (f: () => unknown): Promise<Settled> => {
    try {
      return { out: String(await f()) };
    } catch (e) {
      return { error: String((e as Error)?.message) };
    }
  };
  const want = await settle(() => c.run(nunjucks, c.ctx()));
  for (const [via, e] of Object.entries(ways)) {
    const got = await settle(() => c.run(e, c.ctx()));
    if (want.error !== undefined) expect(got.error, `${via}: Nunjucks threw ${want.error}`).toBeDefined();
    else expect(got.out, via).toBe(want.out);
  }
}

describe('hostile data in every field the templates read (fast-check, against Nunjucks)', () => {
  it('hmpps: the home and error pages and the form step, every field a hostile string or missing', async () => {
    const cases = b.ELEVENTH_B.hmpps.cases() as Case[];
    const views = [cases[0]!, cases[7]!, cases[11]!];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...views), fc.record({ applicationName: hostile, environmentName: hostile, environmentNameColour: hostile, deploymentName: hostile, ephemeralDeploymentName: hostile, user: fc.record({ displayName: hostile }), currentTime: hostile, message: hostile, status: hostile, stack: hostile, pageTitle: hostile, fieldValidationErrors: fc.array(fc.record({ text: hostile, href: hostile }), { maxLength: 2 }), blocks: fc.array(hostile, { maxLength: 2 }) }, { requiredKeys: [] }), async (view, ctx) => {
        await expectAsNunjucks('hmpps', { ...view, ctx: () => structuredClone(ctx) });
      }),
      { numRuns: 40 },
    );
  }, 300_000);

  it('formio: any submission data (nested objects and lists, hostile keys and values) through its table macro and labels', async () => {
    const c = (b.ELEVENTH_B.formio.cases() as Case[])[1]!;
    await fc.assert(
      fc.asyncProperty(data, hostile, async (values, title) => {
        await expectAsNunjucks('formio', {
          ...c,
          // (the nested form's keys, filled from the generated data; the same data under `extra`, which the form does not name)
          ctx: () => {
            const ctx = c.ctx() as { form: { title: string }; data: Record<string, unknown> };
            ctx.form.title = title;
            for (const [i, k] of ['firstName', 'email', 'address', 'notes', 'tags', 'grid', 'left', 'right', 'inWell'].entries()) ctx.data[k] = Object.values(values)[i] ?? values;
            ctx.data.extra = structuredClone(values);
            return ctx;
          },
        });
      }),
      { numRuns: 40 },
    );
  }, 300_000);

  it('jumpstart: any page titles, descriptions and site data through the layout, the home page and pages.json', async () => {
    const cases = b.ELEVENTH_B.jumpstart.cases() as Case[];
    const pages = [cases[0]!, cases[3]!, cases[7]!];
    const item = fc.record({ url: hostile, data: fc.record({ title: hostile, description: hostile }, { requiredKeys: [] }) });
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...pages), fc.array(item, { maxLength: 3 }), fc.record({ siteName: hostile, siteDescription: hostile, twitterUsername: hostile, url: hostile }, { requiredKeys: [] }), fc.record({ title: hostile, description: hostile, content: hostile }, { requiredKeys: [] }), async (page, items, meta, own) => {
        await expectAsNunjucks('jumpstart', { ...page, ctx: () => ({ ...(page.ctx() as object), ...structuredClone(own), meta: structuredClone(meta), collections: { pages: structuredClone(items), all: structuredClone(items) } }) });
      }),
      { numRuns: 40 },
    );
  }, 300_000);
});

for (const [project, want] of Object.entries(EXPECTED)) {
  describe(`${want.title} (${want.cases} cases: ${want.cases} byte-identical; ${want.templates} of its templates)`, () => {
    it('the Environment (render, renderStream, renderAsync) and kida/nunjucks', async () => {
      const { results, failing } = (await b.measure([project])) as { results: Record<string, Counts>; failing: { via: string; c: Case }[] };
      expect(failing.map((f) => `${f.via} ${f.c.name}`)).toEqual([]);
      const got = results[project]!;
      expect({ cases: got.cases, nunjucksErrors: got.nunjucksErrors }).toEqual({ cases: want.cases, nunjucksErrors: 0 });
      for (const via of VIAS) expect(got[via], via).toEqual({ same: want.cases, bothThrow: 0 });
      // (the Express app's views through Express too: kida/nunjucks as its view engine)
      if (project === 'hmpps') expect(got.express).toEqual({ same: want.cases, bothThrow: 0 });
    }, 300_000);

    it('as compiled modules (Rollup, its search paths, filters and shortcodes): buffered, streamed and async', async () => {
      const spec = b.ELEVENTH_B[project] as { paths: string[]; opts: object; filters: string; shortcodes?: object };
      // (what each case renders, from Nunjucks: a page per source, and a page including each template named)
      const recorded = (await b.recordCalls(project)) as { c: Case; calls: Call[]; done: Promise<Settled> }[];
      const pages: string[] = [];
      const index = new Map<string, number>();
      const pageOf = (call: Call): string => (call.src !== undefined ? call.src : `{% include ${JSON.stringify(call.name)} %}`);
      for (const r of recorded) {
        expect((await r.done).error, r.c.name).toBeUndefined();
        for (const call of r.calls) if (!index.has(pageOf(call))) index.set(pageOf(call), pages.push(pageOf(call)) - 1);
      }
      const files = spec.shortcodes ? { year: `const { yearExtension } = await import(${JSON.stringify(benchUrl)}); // (loaded from its file, not bundled)\nexport default yearExtension();\n` } : {};
      const built = await bundlePages<Page>(
        { dir: join(OUT, project), paths: spec.paths, opts: spec.opts, modules: { filters: spec.filters }, files, plugin: spec.shortcodes ? { nunjucksExtensions: { year: join(OUT, project, 'year.mjs') } } : {} },
        pages,
      );
      expect(built.code).not.toMatch(/new Function|\beval\(|class Parser/);
      const { nunjucks } = (await b.engines(project)) as { nunjucks: Engine };
      const page = (call: Call): Page => built.pages[index.get(pageOf(call))!]!;
      const bundled = (how: (p: Page, ctx: object) => unknown): Engine => ({ render: (name, ctx) => how(page({ name }), ctx), renderString: (src, ctx) => how(page({ src }), ctx) });
      const ways = {
        render: bundled((p, ctx) => p.render(ctx)),
        renderStream: bundled((p, ctx) => [...p.renderStream(ctx)].join('')),
        renderAsync: bundled((p, ctx) => p.renderAsync(ctx)),
      };
      let same = 0;
      for (const { c } of recorded) {
        const njk = await c.run(nunjucks, c.ctx());
        for (const [via, e] of Object.entries(ways)) expect(await c.run(e, c.ctx()), `${via} ${c.name}`).toBe(njk);
        same++;
      }
      expect(same).toBe(want.cases);
    }, 300_000);
  });
}
