// Issue #25's outside check, ninth pass: hexo-theme-next 8.29.0 (NexT, the most used Hexo theme; a
// static-site generator's theme, a kind no pass tried), its 73 layouts, partials and macros
// vendored unchanged under test/fixtures/nunjucks-projects/hexo-theme-next (SOURCES.md), rendered
// as Hexo renders a theme: `autoescape: false`, one environment per view's folder, Hexo's and
// NexT's helpers as globals, `partial()` rendering another view with the caller's context
// (bench/nunjucks-projects-next.mjs). Compared byte for byte with Nunjucks 3.2.4 through the
// Environment (render, renderStream, renderAsync), kida/nunjucks, under the options it does not set
// itself and in custom tag syntax, and as ES modules built by Rollup with kida/rollup.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error (a plain .mjs helper shared with the bench script)
import * as next from '../../bench/nunjucks-projects-next.mjs';
// @ts-expect-error (likewise)
import { CUSTOM_TAGS } from '../../bench/nunjucks-projects-eighth.mjs';

type Case = { name: string; template: string; from: 'layout' | 'folder'; ctx: Record<string, unknown> };
type Counts = { cases: number; nunjucksErrors: number } & Record<string, { same: number; bothThrow: number }>;
type Failing = { via: string; c: Case; want: { out?: string; error?: string }; got: { out?: string; error?: string } };

/**
 * Cases (each template as each kind of page Hexo renders, two configs; one in a subfolder also as
 * `partial` reaches it), and how many Nunjucks itself fails: a view reached the way Hexo never
 * reaches it (an `include` of a sibling from the layout folder's environment: "template not
 * found"), and changyan's, whose config the theme leaves out (`next_data` of undefined).
 */
const EXPECTED = { cases: 2144, nunjucksErrors: 152, templates: 73 };
/** Pages Nunjucks renders whose view a bundle cannot hold (below). */
const UNBUILT_RENDERED = 8;
const VIAS = ['env', 'envStream', 'envAsync', 'api'] as const;
const OTHER_OPTIONS: Record<string, object> = {
  'autoescape: true': { autoescape: true },
  'trimBlocks and lstripBlocks': { trimBlocks: true, lstripBlocks: true },
  throwOnUndefined: { throwOnUndefined: true },
  'custom tag syntax (<% %>, <$ $>, <# #>)': { tags: CUSTOM_TAGS },
};

const OUT = join(import.meta.dirname, '.out-njk-ninth');
afterAll(() => {
  if (!process.env.NJK_KEEP) rmSync(OUT, { recursive: true, force: true });
});

const expectAllAgree = (counts: Counts, failing: Failing[], nunjucksErrors: number) => {
  expect(failing.map((f) => `${f.via} ${f.c.name}` + (process.env.NJK_DIFF ? `\nWANT ${JSON.stringify(f.want).slice(0, 800)}\nGOT  ${JSON.stringify(f.got).slice(0, 800)}` : ''))).toEqual([]);
  expect({ cases: counts.cases, nunjucksErrors: counts.nunjucksErrors }).toEqual({ cases: EXPECTED.cases, nunjucksErrors });
  for (const via of VIAS) expect(counts[via]).toEqual({ same: EXPECTED.cases - nunjucksErrors, bothThrow: nunjucksErrors });
};

describe(`hexo-theme-next 8.29.0 (${EXPECTED.cases} cases, ${EXPECTED.cases - EXPECTED.nunjucksErrors} byte-identical, ${EXPECTED.nunjucksErrors} throw in both, ${EXPECTED.templates} templates)`, () => {
  it('vendors the templates it counts', () => {
    expect((next.templates() as string[]).length).toBe(EXPECTED.templates);
  });

  it('as Hexo renders them (autoescape off): the Environment (render, renderStream, renderAsync) and kida/nunjucks', async () => {
    const { counts, failing } = (await next.measure()) as { counts: Counts; failing: Failing[] };
    expectAllAgree(counts, failing, EXPECTED.nunjucksErrors);
  }, 300_000);

  it.each(Object.keys(OTHER_OPTIONS))('under %s too: as Nunjucks renders each, or throwing where it throws', async (option) => {
    const { counts, failing } = (await next.measure(undefined, { ...next.OPTIONS, ...OTHER_OPTIONS[option] })) as { counts: Counts; failing: Failing[] };
    // (throwOnUndefined: the names a view reads that the page does not set throw, in both)
    expect(failing.map((f) => `${f.via} ${f.c.name}`)).toEqual([]);
    for (const via of VIAS) expect(counts[via].same + counts[via].bothThrow).toBe(EXPECTED.cases);
    expect(counts.env.bothThrow).toBe(counts.nunjucksErrors);
  }, 300_000);

  it(`as compiled modules (Rollup, a bundle per search path, as Hexo gives each view its folder): render, renderStream and renderAsync equal Nunjucks (${EXPECTED.cases - EXPECTED.nunjucksErrors - UNBUILT_RENDERED} pages; ${UNBUILT_RENDERED} from a view a build refuses)`, async () => {
    const all = next.cases() as Case[];
    const e = (await next.engines()) as Record<'nunjucks', (c: Case) => string> & { remove(): void };
    const want = all.map((c) => {
      try {
        return e.nunjucks(c);
      } catch (err) {
        return `(threw) ${String((err as Error).message)}`;
      }
    });
    // (a view that includes what its search path lacks is not built: Nunjucks fails to render it where
    // the include is reached, a build refuses the view. _third-party/math/index.njk from its own
    // folder names `_third-party/math/mathjax.njk` (a name from the layout folder) in a branch the
    // shipped config does not take: those 8 pages Nunjucks renders, a bundle cannot have; Hexo
    // reaches the view by `include` from the layout folder, where the name exists and the bundle holds it)
    const unbuildable = new Set(all.filter((c, i) => /template not found/.test(want[i]!)).map((c) => `${c.from} ${c.template}`));
    const unbuiltRendered = all.filter((c, i) => unbuildable.has(`${c.from} ${c.template}`) && !want[i]!.startsWith('(threw)'));
    expect([...new Set(unbuiltRendered.map((c) => `${c.from} ${c.template}${c.name.includes('(all on)') ? ' (all on)' : ''}`))]).toEqual(['folder _third-party/math/index.njk']);
    expect(unbuiltRendered.length).toBe(UNBUILT_RENDERED);
    const groups = new Map<string, string[]>();
    for (const c of all) {
      const dir = c.from === 'layout' ? next.LAYOUT : dirname(join(next.LAYOUT, c.template));
      if (unbuildable.has(`${c.from} ${c.template}`)) continue;
      const list = groups.get(dir) ?? [];
      if (!list.includes(c.template)) list.push(c.template);
      groups.set(dir, list);
    }
    type Built = { render(d: object): string; renderStream(d: object): Iterable<string>; renderAsync(d: object): Promise<string> };
    const built = new Map<string, Built>();
    const { rollup } = await import('rollup');
    const { default: kida } = await import('../../dist/plugins/rollup.js' as string);
    let n = 0;
    for (const [dir, list] of groups) {
      const out = join(OUT, `b${n++}`);
      mkdirSync(out, { recursive: true });
      writeFileSync(join(out, 'entry.mjs'), `${list.map((t, i) => `import t${i} from ${JSON.stringify(join(next.LAYOUT, t))};`).join('\n')}\nexport const byName = { ${list.map((t, i) => `${JSON.stringify(t)}: t${i}`).join(', ')} };\n`);
      const b = await rollup({ input: join(out, 'entry.mjs'), preserveSymlinks: true, plugins: [kida({ ...next.OPTIONS, searchPaths: [dir], cacheDir: false, config: false })], onwarn: () => {} });
      const { output } = await b.generate({ format: 'es' });
      expect(output[0].code).not.toMatch(/new Function|\beval\(|class Parser/);
      writeFileSync(join(out, 'bundle.mjs'), output[0].code);
      const { byName } = (await import(pathToFileURL(join(out, 'bundle.mjs')).href)) as { byName: Record<string, Built> };
      for (const t of list) built.set(`${dir === next.LAYOUT ? 'layout' : 'folder'} ${t}`, byName[t]!);
    }
    e.remove();
    // (the helpers' `partial` renders a view from its folder's bundle, as `partial` reaches it)
    const partial = (name: string, ctx: object) => built.get(`folder ${name}`)!.render(ctx);
    const globals = next.helpers(partial) as Record<string, unknown>;
    const outcome = async (f: () => unknown): Promise<string> => {
      try {
        return String(await f());
      } catch (err) {
        return `(threw) ${String((err as Error).message)}`;
      }
    };
    const differ: string[] = [];
    let same = 0;
    for (const [i, c] of all.entries()) {
      const page = built.get(`${c.from} ${c.template}`);
      if (!page) continue;
      const ctx = { ...globals, ...c.ctx };
      const got = [await outcome(() => page.render(ctx)), await outcome(() => [...page.renderStream(ctx)].join('')), await outcome(() => page.renderAsync(ctx))];
      const w = want[i]!;
      if (w.startsWith('(threw)') ? got.every((g) => g.startsWith('(threw)')) : got.every((g) => g === w)) same += w.startsWith('(threw)') ? 0 : 1;
      else differ.push(c.name + (process.env.NJK_DIFF ? `\nWANT ${w.slice(0, 600)}\nGOT  ${got[0]!.slice(0, 600)}` : ''));
    }
    expect(differ).toEqual([]);
    expect(same).toBe(EXPECTED.cases - EXPECTED.nunjucksErrors - UNBUILT_RENDERED);
  }, 600_000);
});
