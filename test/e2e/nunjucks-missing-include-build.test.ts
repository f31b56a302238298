// A Nunjucks page whose `include` names a template the project does not have, built by Rollup
// with kida/rollup. Nunjucks loads an include when a render reaches it, so a theme may name a file
// it only ships for some configurations (hexo-theme-next's math partial). The build keeps such a
// page when only some renders reach the include (a branch, a loop, a macro, a block): it warns
// K-TPL-001 at the include, and a render that reaches it throws TemplateNotFoundError naming the
// template and the line, as Nunjucks fails there. An include every render runs stays a build error.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import nunjucks from 'nunjucks';
import { afterAll, describe, expect, it } from 'vitest';

const OUT = join(import.meta.dirname, '.out-njk-missing-include');
afterAll(() => rmSync(OUT, { recursive: true, force: true }));

type Page = {
  render(ctx: object): string;
  renderStream(ctx: object): Iterable<string>;
  renderAsync(ctx: object): Promise<string>;
  renderStreamAsync(ctx: object): AsyncIterable<string>;
};
type Warning = { code?: string; message: string; loc?: { line: number; column: number } };

/** Builds `pages` (name -> source) plus `present.njk` into one bundle; the warnings and the pages, imported. */
async function build(label: string, pages: Record<string, string>): Promise<{ warnings: Warning[]; pages: Record<string, Page> }> {
  const dir = join(OUT, label);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'views'), { recursive: true });
  writeFileSync(join(dir, 'views/present.njk'), '[present {{ who }}]');
  for (const [name, src] of Object.entries(pages)) writeFileSync(join(dir, 'views', name), src);
  const names = Object.keys(pages);
  writeFileSync(join(dir, 'entry.mjs'), `${names.map((n, i) => `import p${i} from './views/${n}';`).join('\n')}\nexport const pages = { ${names.map((n, i) => `${JSON.stringify(n)}: p${i}`).join(', ')} };\n`);
  const { rollup } = await import('rollup');
  const { default: kida } = await import('../../dist/plugins/rollup.js' as string);
  const warnings: Warning[] = [];
  const b = await rollup({
    input: join(dir, 'entry.mjs'),
    plugins: [kida({ searchPaths: [join(dir, 'views')], cacheDir: false, config: false })],
    onwarn: (w) => {
      if (w.plugin === 'kida') warnings.push(w as Warning);
    },
  });
  const { output } = await b.generate({ format: 'es' });
  expect(output[0].code).not.toMatch(/new Function|\beval\(/);
  writeFileSync(join(dir, 'bundle.mjs'), output[0].code);
  return { warnings, pages: ((await import(pathToFileURL(join(dir, 'bundle.mjs')).href)) as { pages: Record<string, Page> }).pages };
}

/** Each entry point's output, or the error it threw (its name, message's first line and line number). */
async function everyEntry(page: Page, ctx: object): Promise<string[]> {
  const outcome = async (f: () => unknown): Promise<string> => {
    try {
      return `ok ${String(await f())}`;
    } catch (e) {
      const err = e as { name: string; message: string; lineno?: number };
      return `${err.name}: ${err.message.split('\n')[0]} @${err.lineno}`;
    }
  };
  return [
    await outcome(() => page.render(ctx)),
    await outcome(() => [...page.renderStream(ctx)].join('')),
    await outcome(() => page.renderAsync(ctx)),
    await outcome(async () => {
      let s = '';
      for await (const c of page.renderStreamAsync(ctx)) s += c;
      return s;
    }),
  ];
}

/** Nunjucks 3.2.4 on the same files: its output, or `null` where it fails with "template not found". */
function nunjucksOutcome(label: string, name: string, ctx: object): string | null {
  const env = new nunjucks.Environment(new nunjucks.FileSystemLoader(join(OUT, label, 'views')), { autoescape: true });
  try {
    return env.render(name, ctx);
  } catch (e) {
    expect(String((e as Error).message)).toMatch(/template not found: gone\.njk/);
    return null;
  }
}

// Where only some renders reach the include, each with the data that reaches it and the line it is on.
const REACHED_ONLY: Record<string, { src: string; reach: object; miss: object; line: number }> = {
  'branch.njk': { src: 'A {{ who }}\n{% if math %}{% include "gone.njk" %}{% else %}{% include "present.njk" %}{% endif %}\nB', reach: { math: true, who: 'x' }, miss: { who: '<y>' }, line: 2 },
  'loop.njk': { src: '<ul>\n{%- for i in items %}\n<li>{% include "gone.njk" %}</li>\n{%- endfor %}\n</ul>', reach: { items: [1] }, miss: { items: [] }, line: 3 },
  'macro.njk': { src: '{% macro card(n) %}\n  {%- include "gone.njk" -%}\n{% endmacro %}\n{{ card(1) if show }}!', reach: { show: true }, miss: {}, line: 2 },
  'elif.njk': { src: '{% if a %}a{% elif b %}\n\n{% include "gone.njk" ignore missing %}{% include "gone.njk" %}{% endif %}', reach: { b: 1 }, miss: { a: 1 }, line: 3 },
};

describe('a Nunjucks include of a missing template, built with kida/rollup', () => {
  it('reached only by some renders: a warning at the include; those renders throw TemplateNotFoundError at its line, the others render as Nunjucks does', async () => {
    const built = await build('reached-only', Object.fromEntries(Object.entries(REACHED_ONLY).map(([n, c]) => [n, c.src])));
    expect(built.warnings.map((w) => [w.code ?? w.message.split(' ')[0], w.loc?.line])).toEqual(
      expect.arrayContaining(Object.values(REACHED_ONLY).map((c) => [expect.stringMatching(/K-TPL-001|PLUGIN_WARNING/), c.line])),
    );
    expect(built.warnings.every((w) => /K-TPL-001 Template 'gone\.njk' not found: the include fails where a render reaches it/.test(w.message))).toBe(true);
    expect(built.warnings.length).toBe(Object.keys(REACHED_ONLY).length);
    for (const [name, c] of Object.entries(REACHED_ONLY)) {
      const want = nunjucksOutcome('reached-only', name, c.miss);
      expect(want).not.toBeNull();
      expect(await everyEntry(built.pages[name]!, c.miss)).toEqual(Array(4).fill(`ok ${want}`));
      expect(nunjucksOutcome('reached-only', name, c.reach)).toBeNull();
      expect(await everyEntry(built.pages[name]!, c.reach)).toEqual(Array(4).fill(`TemplateNotFoundError: Template 'gone.njk' not found (referenced from ${name}) @${c.line}`));
    }
  }, 120_000);

  it('a block a child overrides: the parent builds with a warning, and the child, which never renders the include, renders as Nunjucks does', async () => {
    const built = await build('blocks', {
      'base.njk': '<main>{% block body %}{% include "gone.njk" %}{% endblock %}</main>',
      'child.njk': '{% extends "base.njk" %}{% block body %}{% include "present.njk" %}{% endblock %}',
    });
    expect(built.warnings.map((w) => w.loc?.line)).toEqual([1]);
    const want = nunjucksOutcome('blocks', 'child.njk', { who: 'a&b' });
    expect(await everyEntry(built.pages['child.njk']!, { who: 'a&b' })).toEqual(Array(4).fill(`ok ${want}`));
    expect(nunjucksOutcome('blocks', 'base.njk', {})).toBeNull();
    expect((await everyEntry(built.pages['base.njk']!, {}))[0]).toMatch(/^TemplateNotFoundError: Template 'gone\.njk' not found/);
  }, 120_000);

  it.each([
    ['an include every render runs', 'A\n{% include "gone.njk" %}', 2],
    ['an import in a branch (a namespace, not an include)', '{% if x %}\n{% import "gone.njk" as m %}{% endif %}', 2],
    ['a from-import', '{% from "gone.njk" import m %}', 1],
    ['an extends', '{% extends "gone.njk" %}', 1],
  ])('%s stays a build error at the reference', async (_label, src, line) => {
    const err = await build('fatal', { 'page.njk': src }).then(
      () => null,
      (e: { message: string; loc?: { line: number } }) => e,
    );
    expect(err?.message).toMatch(/K-TPL-001 Template 'gone\.njk' not found/);
    expect(err?.loc?.line).toBe(line);
  }, 120_000);

  it('default Kida (.kida) is unchanged: a missing include in a branch fails the build', async () => {
    const dir = join(OUT, 'kida');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'page.kida'), '{% if x %}{% include "gone.kida" %}{% end %}');
    writeFileSync(join(dir, 'entry.mjs'), "import p from './page.kida'; export default p;\n");
    const { rollup } = await import('rollup');
    const { default: kida } = await import('../../dist/plugins/rollup.js' as string);
    await expect(rollup({ input: join(dir, 'entry.mjs'), plugins: [kida({ root: dir, cacheDir: false, config: false })], onwarn: () => {} })).rejects.toThrow(/K-TPL-001 Template 'gone\.kida' not found/);
  }, 60_000);
});
