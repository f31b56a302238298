// Issue #25's outside check, tenth pass: uswds 2.14.0, the U.S. Web Design System's components, a
// Fractal library (Fractal's default engine is Nunjucks; no pass had tried one): its 128 `.njk`
// views and their .config.yml contexts vendored unchanged under
// test/fixtures/nunjucks-projects/uswds-2 (SOURCES.md), rendered as Fractal renders each variant
// of each component (bench/nunjucks-projects-tenth.mjs: @frctl/nunjucks' `@handle` loader, its
// async `render`/`view`/`context` tags, uswds' filters). Compared byte for byte with Nunjucks
// 3.2.4 through the Environment (renderAsync, renderStreamAsync), kida/nunjucks (renderString
// with a callback), and as ES modules built by Rollup with kida/rollup (the views that need no
// Fractal tag or handle: those need Fractal's component registry at run time).
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import nunjucks from 'nunjucks';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error (a plain .mjs helper shared with the bench script)
import * as tenth from '../../bench/nunjucks-projects-tenth.mjs';
import { bundlePages } from '../nunjucks-projects-support.js';

type Case = { name: string; view: string; ctx: Record<string, unknown> };
type Outcome = { out?: string; error?: string };
type Counts = { cases: number; nunjucksErrors: number } & Record<string, { same: number; bothThrow: number }>;
type Failing = { via: string; c: Case; want: Outcome; got: Outcome };

/**
 * The counts. Nunjucks fails one: layouts/docs.njk's `{% render '@layout--docs-inner', true %}`
 * (a context of `true`, which Fractal's own render tag fails to extend). By design, 16: every
 * page that shows the banner (banner.njk writes `https.text | safe | replace(lock_image, lock)`,
 * `lock` a `{% set %}` block of SVG markup): `replace` into a safe string escapes a replacement
 * that is not safe, and a set block is a plain string in Nunjucks (docs/security.md "Nunjucks
 * mode"); checked below: unescaping that one replacement gives Nunjucks' page.
 */
const EXPECTED = { cases: 205, nunjucksErrors: 1, byDesign: 16, templates: 128, views: 119 };
const VIAS = ['env', 'envStream', 'api'] as const;
/** The views and cases the compiled-module check renders (those no Fractal tag or handle reaches). */
const COMPILED = { views: 92, same: 166, designed: 4 };

/** The banner's `lock` set block as Nunjucks inserts it, and as our `replace` into a safe string does. */
const lock = (() => {
  const raw = /{% set lock %}([^]*?){% endset %}/.exec(readFileSync(join(tenth.USWDS, 'banner/banner.njk'), 'utf8'))![1]!;
  return { raw, escaped: (nunjucks as unknown as { lib: { escape(s: string): string } }).lib.escape(raw) };
})();
const byDesign = (want: Outcome, got: Outcome) => want.out !== undefined && got.out !== undefined && got.out !== want.out && got.out.includes(lock.escaped) && got.out.split(lock.escaped).join(lock.raw) === want.out;

const OUT = join(import.meta.dirname, '.out-njk-tenth');
afterAll(() => {
  if (!process.env.NJK_KEEP) rmSync(OUT, { recursive: true, force: true });
});

describe(`uswds 2.14.0, Fractal components (${EXPECTED.cases} cases, ${EXPECTED.cases - EXPECTED.nunjucksErrors - EXPECTED.byDesign} byte-identical, ${EXPECTED.nunjucksErrors} throws in both, ${EXPECTED.byDesign} by a documented rule, ${EXPECTED.templates} templates)`, () => {
  it('vendors the templates it counts; the cases render each component view', () => {
    const all = tenth.cases() as Case[];
    expect((readdirDeep(tenth.USWDS) as string[]).filter((f) => f.endsWith('.njk')).length).toBe(EXPECTED.templates);
    expect(all.length).toBe(EXPECTED.cases);
    expect(new Set(all.map((c) => c.view)).size).toBe(EXPECTED.views);
  });

  it(`as Fractal renders them: the Environment (renderAsync, renderStreamAsync) and kida/nunjucks, ${EXPECTED.cases - EXPECTED.nunjucksErrors - EXPECTED.byDesign} byte-identical`, async () => {
    const { counts, failing } = (await tenth.measure()) as { counts: Counts; failing: Failing[] };
    const unexplained = failing.filter((f) => !byDesign(f.want, f.got));
    expect(unexplained.map((f) => `${f.via} ${f.c.name}` + (process.env.NJK_DIFF ? `\nWANT ${JSON.stringify(f.want).slice(0, 600)}\nGOT  ${JSON.stringify(f.got).slice(0, 600)}` : ''))).toEqual([]);
    expect(failing.length).toBe(EXPECTED.byDesign * VIAS.length);
    expect({ cases: counts.cases, nunjucksErrors: counts.nunjucksErrors }).toEqual({ cases: EXPECTED.cases, nunjucksErrors: EXPECTED.nunjucksErrors });
    for (const via of VIAS) expect(counts[via]).toEqual({ same: EXPECTED.cases - EXPECTED.nunjucksErrors - EXPECTED.byDesign, bothThrow: EXPECTED.nunjucksErrors });
  }, 300_000);

  it(`as compiled modules (Rollup, the search path src/components): the ${COMPILED.views} views no Fractal tag or handle reaches, buffered, streamed and async, as Nunjucks renders them (${COMPILED.same} byte-identical, ${COMPILED.designed} by the documented rule)`, async () => {
    // (a view qualifies when neither it nor a template it names, transitively, uses `render` or an `@handle`)
    const source = (f: string) => readFileSync(f, 'utf8');
    // (a name computed at run time, `{% extends base_layout %}`, may reach anything: counted as reaching)
    const fractal = (src: string) => /{%-?\s*(render|view|context)\b|["']@|{%-?\s*(?:include|extends|import|from)\s+[^"'\s]/.test(src);
    const named = (src: string) => [...src.matchAll(/{%-?\s*(?:include|extends|import|from)\s+["']([^"'@]+)["']/g)].map((m) => join(tenth.USWDS, m[1]!));
    const reaches = (f: string, seen = new Set<string>()): boolean => {
      if (seen.has(f)) return false;
      seen.add(f);
      const src = source(f);
      return fractal(src) || named(src).some((n) => reaches(n, seen));
    };
    const all = (tenth.cases() as Case[]).filter((c) => !reaches(c.view));
    const views = [...new Set(all.map((c) => c.view))];
    const r = (await tenth.renderers()) as { nunjucks(c: Case): Promise<string> };
    type Page = { render(d: object): string; renderStream(d: object): Iterable<string>; renderAsync(d: object): Promise<string> };
    const built = await bundlePages<Page>(
      {
        dir: join(OUT, 'uswds'),
        paths: [tenth.USWDS],
        modules: { filters: 'export const jsonify = (d) => JSON.stringify(d, null, "  ");\nexport const dataurl = (d, type) => `data:${type},${encodeURIComponent(d)}`;\n' },
        // (the Fractal tags parse as the adapter's do, so that every template of the search path
        // compiles: a view computing an include name makes the bundle hold them all; rendering one
        // needs Fractal's registry, which no view checked here reaches)
        files: { fractal: FRACTAL_TAGS },
        plugin: { nunjucksExtensions: { Fractal: join(OUT, 'uswds', 'fractal.mjs') } },
      },
      views.map(source),
    );
    expect(built.code).not.toMatch(/new Function|\beval\(|class Parser/);
    const outcome = async (f: () => unknown): Promise<string> => {
      try {
        return String(await f());
      } catch (e) {
        return `(threw) ${String((e as Error)?.message)}`;
      }
    };
    const differ: string[] = [];
    let same = 0;
    let designed = 0;
    for (const c of all) {
      const want = await outcome(() => r.nunjucks(c));
      const page = built.pages[views.indexOf(c.view)]!;
      const got = [await outcome(() => page.render(structuredClone(c.ctx))), await outcome(() => [...page.renderStream(structuredClone(c.ctx))].join('')), await outcome(() => page.renderAsync(structuredClone(c.ctx)))];
      if (!want.startsWith('(threw)') && got.every((g) => g === want)) same++;
      else if (got.every((g) => byDesign({ out: want }, { out: g }))) designed++;
      else differ.push(`${c.name} (${relative(tenth.USWDS, c.view)})` + (process.env.NJK_DIFF ? `\nWANT ${want.slice(0, 600)}\nGOT  ${got[0]!.slice(0, 600)}` : ''));
    }
    expect(differ).toEqual([]);
    expect({ views: views.length, same, designed }).toEqual(COMPILED);
  }, 600_000);
});

const FRACTAL_TAGS = `export default {
  tags: ['render', 'view', 'context'],
  parse(parser, nodes) {
    const tok = parser.nextToken();
    const args = parser.parseSignature(null, true);
    parser.advanceAfterBlockEnd(tok.value);
    return new nodes.CallExtensionAsync(this, 'run', args);
  },
  run(...args) {
    args.pop()(new Error('Fractal tags need its component registry'));
  },
};
`;


function readdirDeep(dir: string): string[] {
  return readdirSync(dir, { recursive: true }).map(String);
}

// eleventy-base-blog 5.0.2 (bench/nunjucks-projects-tenth.mjs ebbSite): its pages as Eleventy builds
// them, the feed's async filter (htmlToAbsoluteUrls) in a plain `for`, tags.njk paginated per tag.
// By design, 1: feed/json.njk writes each post's HTML with `dump | safe`, and `dump | safe` writes
// `<`, `>`, `&` and `'` as JSON escapes here (docs/guide/nunjucks.md); undoing them gives Nunjucks' text.
const EBB = { cases: 19, nunjucksErrors: 0, byDesign: 1, templates: 13 };
const undoJsonEscapes = (s: string) => s.replace(/\\u003c|\\u003e|\\u0026|\\u0027/g, (m) => ({ '\\u003c': '<', '\\u003e': '>', '\\u0026': '&', '\\u0027': "'" })[m]!);
const ebbDesigned = (c: { name: string }, want: string, got: string) => c.name === 'feed/json.njk' && got !== want && undoJsonEscapes(got) === want;

describe(`eleventy-base-blog 5.0.2 (${EBB.cases} cases, ${EBB.cases - EBB.nunjucksErrors - EBB.byDesign} byte-identical, ${EBB.byDesign} by a documented rule, ${EBB.templates} templates)`, () => {
  type EbbCase = { name: string; template: string | null; content?: string; data: Record<string, unknown> };
  type Site = { root: string; paths: string[]; front: Record<string, Record<string, unknown>>; cases: EbbCase[]; remove(): void };

  it('vendors the templates it counts', () => {
    expect(readdirSync(tenth.EBB, { recursive: true }).map(String).filter((f) => f.endsWith('.njk')).length).toBe(EBB.templates);
  });

  it('as Eleventy renders them: the Environment (renderAsync, renderStreamAsync) and kida/nunjucks', async () => {
    const { counts, failing } = (await tenth.ebbMeasure()) as { counts: Counts; failing: (Failing & { c: EbbCase })[] };
    const unexplained = failing.filter((f) => !(f.want.out !== undefined && f.got.out !== undefined && ebbDesigned(f.c, f.want.out, f.got.out)));
    expect(unexplained.map((f) => `${f.via} ${f.c.name}`)).toEqual([]);
    expect(failing.length).toBe(EBB.byDesign * VIAS.length);
    expect({ cases: counts.cases, nunjucksErrors: counts.nunjucksErrors }).toEqual({ cases: EBB.cases, nunjucksErrors: EBB.nunjucksErrors });
    for (const via of VIAS) expect(counts[via]).toEqual({ same: EBB.cases - EBB.nunjucksErrors - EBB.byDesign, bothThrow: EBB.nunjucksErrors });
  }, 300_000);

  it('as compiled modules (Rollup, the async filter declared with asyncFilters): every page, streamed and async, as Nunjucks renders it', async () => {
    const site = tenth.ebbSite() as Site;
    try {
      const e = (await tenth.ebbEngines(site)) as { nunjucks(name: string, data: object): Promise<string> };
      // (every template a case renders by name: the pages and the layouts, each a module of the bundle)
      const names = [...new Set([...site.cases.flatMap((c) => (c.template ? [c.template] : [])), ...Object.keys(site.front).filter((f) => f.startsWith('_includes/layouts/')).map((f) => f.slice('_includes/'.length))])];
      const sourceOf = (n: string) => readFileSync(join(n.startsWith('layouts/') ? join(site.root, '_includes') : site.root, n), 'utf8');
      const filtersUrl = pathToFileURL(join(import.meta.dirname, '../../bench/nunjucks-projects-tenth.mjs')).href;
      const sync = Object.keys((tenth.ebbFilters() as { sync: object }).sync);
      type Page = { renderStreamAsync(d: object): AsyncIterable<string>; renderAsync(d: object): Promise<string> };
      const built = await bundlePages<Page>(
        {
          dir: join(OUT, 'ebb'),
          paths: site.paths,
          modules: { filters: `const { ebbFilters } = await import(${JSON.stringify(filtersUrl)});\nconst f = ebbFilters();\n${sync.map((n) => `export const ${n} = f.sync.${n};`).join('\n')}\nexport const htmlToAbsoluteUrls = f.htmlToAbsoluteUrls;\n` },
          plugin: { asyncFilters: ['htmlToAbsoluteUrls'] },
        },
        names.map(sourceOf),
      );
      expect(built.code).not.toMatch(/new Function|\beval\(|class Parser/);
      const byName = (n: string) => built.pages[names.indexOf(n)]!;
      const viaBundle = (stream: boolean) => async (name: string, data: object) => {
        if (!stream) return byName(name).renderAsync(data);
        let s = '';
        for await (const chunk of byName(name).renderStreamAsync(data)) s += chunk;
        return s;
      };
      const differ: string[] = [];
      let same = 0;
      for (const c of site.cases) {
        const want = await tenth.ebbRenderPage(e.nunjucks, site, c);
        const got = [await tenth.ebbRenderPage(viaBundle(false), site, c), await tenth.ebbRenderPage(viaBundle(true), site, c)];
        if (got.every((g: string) => g === want)) same++;
        else if (!got.every((g: string) => ebbDesigned(c, want, g))) differ.push(c.name);
      }
      expect(differ).toEqual([]);
      expect(same).toBe(EBB.cases - EBB.nunjucksErrors - EBB.byDesign);
    } finally {
      site.remove();
    }
  }, 600_000);
});

// @uktrade/datahub-header 1.5.0 (bench/nunjucks-projects-tenth.mjs datahubCases): its macro (sets
// inside loops, which Nunjucks' loop frames keep from the macro's, `in`, `===`, inline ifs, a set
// block, `for k, v` over attributes) called as its README calls it, with each option it documents.
const DATAHUB = { cases: 7, templates: 1 };

describe(`@uktrade/datahub-header 1.5.0 (${DATAHUB.cases} cases, ${DATAHUB.cases} byte-identical, ${DATAHUB.templates} template)`, () => {
  type DhCase = { name: string; page: string; ctx: Record<string, unknown> };

  it('the Environment (render, renderStream, renderAsync) and kida/nunjucks', async () => {
    const { counts, failing } = (await tenth.datahubMeasure()) as { counts: Counts; failing: (Failing & { c: DhCase })[] };
    expect(failing.map((f) => `${f.via} ${f.c.name}`)).toEqual([]);
    expect({ cases: counts.cases, nunjucksErrors: counts.nunjucksErrors }).toEqual({ cases: DATAHUB.cases, nunjucksErrors: 0 });
    for (const via of ['env', 'envStream', 'envAsync', 'api']) expect(counts[via]).toEqual({ same: DATAHUB.cases, bothThrow: 0 });
  }, 120_000);

  it('as compiled modules (Rollup, its README search path): buffered, streamed and async', async () => {
    const all = tenth.datahubCases() as DhCase[];
    const njk = new nunjucks.Environment(new nunjucks.FileSystemLoader([tenth.DATAHUB]), { autoescape: true });
    type Page = { render(d: object): string; renderStream(d: object): Iterable<string>; renderAsync(d: object): Promise<string> };
    const built = await bundlePages<Page>({ dir: join(OUT, 'datahub'), paths: [tenth.DATAHUB] }, all.map((c) => c.page));
    expect(built.code).not.toMatch(/new Function|\beval\(|class Parser/);
    for (const [i, c] of all.entries()) {
      const want = njk.renderString(c.page, structuredClone(c.ctx));
      const page = built.pages[i]!;
      expect([page.render(structuredClone(c.ctx)), [...page.renderStream(structuredClone(c.ctx))].join(''), await page.renderAsync(structuredClone(c.ctx))], c.name).toEqual([want, want, want]);
    }
  }, 300_000);
});
