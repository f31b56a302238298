// The plugins' template lookup as Nunjucks' FileSystemLoader does it, through real Rollup builds:
// `searchPaths` (a name is the first search path's file holding it; a relative name climbing out
// of one comes back into another), `fallbackExtensions` (the GOV.UK Prototype Kit's loader finds
// `layout.html` as `layout.njk`), and files of other extensions that templates name
// (`{% include "./logo.svg" %}`, `{% extends "layout.html" %}`), compiled in the language of the
// template that named them. Expectations are Nunjucks 3.2.4's output over the same folders, and
// a Vite build agrees.
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import nunjucks from 'nunjucks';
import { afterAll, describe, expect, it } from 'vitest';
import { writeFiles } from '../support.js';

const repo = join(import.meta.dirname, '../..');
const tmp = mkdtempSync(join(tmpdir(), 'kida-search-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;

/** A fresh app folder with these files; its path. */
const app = (map: Record<string, string>): string => writeFiles(join(tmp, `app${n++}`), map);

type Page = { render(c?: object): string; renderStream(c?: object): Iterable<string>; renderAsync(c?: object): Promise<string> };
/** Rollup over `entry.js` importing `page` (a file of the app); the page's module. */
async function built(dir: string, page: string, options: object): Promise<Page> {
  writeFileSync(join(dir, 'entry.js'), `import page from ${JSON.stringify('./' + page)};\nexport default page;\n`);
  const { rollup } = await import('rollup');
  const { createKidaPlugin } = (await import(join(repo, 'dist/plugins/rollup.js'))) as { createKidaPlugin: (o: object, cwd: string) => object };
  const bundle = await rollup({ input: join(dir, 'entry.js'), plugins: [createKidaPlugin({ cacheDir: false, config: false, ...options }, dir) as never], logLevel: 'silent' });
  const out = join(dir, `out${n++}.mjs`);
  const { output } = await bundle.write({ file: out, format: 'es' });
  await bundle.close();
  expect(output[0].code).not.toMatch(/new Function|\beval\(/);
  return ((await import(out)) as { default: Page }).default;
}

/** Nunjucks over the same folders (`loader`: one of its own, else a FileSystemLoader). */
function nunjucksRender(paths: string[], page: string, ctx: object, loader?: nunjucks.ILoader): string {
  return new nunjucks.Environment(loader ?? new nunjucks.FileSystemLoader(paths), { autoescape: true }).render(page, ctx);
}

/** Every way a bundle renders, each equal to `want`. */
async function expectEveryWay(p: Page, ctx: object, want: string): Promise<void> {
  expect(p.render(ctx)).toBe(want);
  expect([...p.renderStream(ctx)].join('')).toBe(want);
  expect(await p.renderAsync(ctx)).toBe(want);
}

describe('searchPaths', () => {
  it('a name is the first search path\'s file; a relative name climbing out of one comes back into another', async () => {
    const dir = app({
      'views/page.njk': '{% extends "layout.njk" %}{% block main %}{% from "card/macro.njk" import card %}{{ card({ t: who }) }}{% endblock %}',
      // (shadows lib's layout: the app's wins)
      'views/layout.njk': '<main>{% block main %}{% endblock %}</main>',
      'lib/layout.njk': 'LIB LAYOUT',
      // a component library whose macro imports `../../macros/…` from above the search path `lib/components`
      'lib/components/card/macro.njk': '{% macro card(p) %}{% include "./template.njk" %}{% endmacro %}',
      'lib/components/card/template.njk': '{% from "../../macros/attrs.njk" import attrs %}<div{{ attrs({ "data-x": p.t }) }}>{{ p.t }}</div>',
      'lib/macros/attrs.njk': '{% macro attrs(a) %}{% for k, v in a %} {{ k }}="{{ v }}"{% endfor %}{% endmacro %}',
    });
    const paths = [join(dir, 'views'), join(dir, 'lib/components'), join(dir, 'lib')];
    const page = await built(dir, 'views/page.njk', { searchPaths: paths });
    const ctx = { who: 'A & <b>' };
    await expectEveryWay(page, ctx, nunjucksRender(paths, 'page.njk', ctx));
    expect(page.render(ctx)).toContain('<main><div data-x="A &amp; &lt;b&gt;">');
  });

  it('run-time names go through the search paths too (a registry of every name, first file first)', async () => {
    const dir = app({
      'a/page.njk': '{% for n in names %}[{% include n %}]{% endfor %}',
      'a/one.njk': 'A1',
      'b/one.njk': 'B1',
      'b/two.njk': 'B2',
      'b/sub/three.njk': 'B3 {{ n }}',
    });
    const paths = [join(dir, 'a'), join(dir, 'b')];
    const page = await built(dir, 'a/page.njk', { searchPaths: paths });
    const ctx = { names: ['one.njk', 'two.njk', 'sub/three.njk'] };
    await expectEveryWay(page, ctx, nunjucksRender(paths, 'page.njk', ctx));
  });

  it('is a non-empty array of folders', async () => {
    const dir = app({ 'p.njk': 'x' });
    for (const bad of [[], 'views', [1]]) await expect(built(dir, 'p.njk', { searchPaths: bad })).rejects.toThrow(/searchPaths.*non-empty array/);
  });

  it('fast-check: names over two search paths sharing some files resolve to Nunjucks\' files', async () => {
    const names = ['a.njk', 'b.njk', 'd/c.njk'];
    await fc.assert(
      fc.asyncProperty(fc.subarray(names), fc.subarray(names), async (first, second) => {
        const map: Record<string, string> = { 'p/page.njk': names.map((x) => `{% include "${x}" ignore missing %}`).join('|') };
        for (const x of first) map[`one/${x}`] = `1:${x}`;
        for (const x of second) map[`two/${x}`] = `2:${x}`;
        const dir = app(map);
        const paths = [join(dir, 'p'), join(dir, 'one'), join(dir, 'two')];
        const page = await built(dir, 'p/page.njk', { searchPaths: paths });
        expect(page.render({})).toBe(nunjucksRender(paths, 'page.njk', {}));
      }),
      { numRuns: 12 },
    );
  }, 120_000);
});

describe('templates of other extensions', () => {
  it('an included .svg and an extended .html compile as the Nunjucks template that named them', async () => {
    const dir = app({
      't/page.njk': '{% extends "base.html" %}{% block b %}{% include "./icons/logo.svg" %}{{ x }}{% endblock %}',
      // (`null` and `!==`: Nunjucks only, so a Kida compile of these would fail)
      't/base.html': '{% if x !== null %}<body>{% block b %}{% endblock %}</body>{% endif %}',
      't/icons/logo.svg': '<svg aria-label="{{ label }}"{% if x === "y" %} class="y"{% endif %}></svg>',
    });
    const page = await built(dir, 't/page.njk', { root: join(dir, 't') });
    for (const ctx of [{ x: 'y', label: 'L"' }, { x: '<', label: '' }, { x: null }]) await expectEveryWay(page, ctx, nunjucksRender([join(dir, 't')], 'page.njk', ctx));
  });

  it('a Vite build (whose asset loader would make an .svg a URL) agrees', async () => {
    const dir = app({
      't/page.njk': '{% include "./logo.svg" %}|{% include "part.html" %}',
      't/logo.svg': '<svg>{{ x }}</svg>',
      't/part.html': '{% if x !== null %}<p>{{ x }}</p>{% endif %}',
      'entry.js': "import page from './t/page.njk';\nexport default page;\n",
    });
    const { build: viteBuild } = await import('vite');
    const { default: kida } = (await import(join(repo, 'dist/plugins/vite.js'))) as { default: (o: object) => object };
    await viteBuild({ root: dir, logLevel: 'error', configFile: false, plugins: [kida({ root: 't', cacheDir: false, config: false }) as never], build: { ssr: 'entry.js', outDir: join(dir, 'dist') } });
    const page = ((await import(join(dir, 'dist', readdirSync(join(dir, 'dist')).find((f) => /\.m?js$/.test(f))!))) as { default: Page }).default;
    for (const ctx of [{ x: '<' }, { x: null }]) await expectEveryWay(page, ctx, nunjucksRender([join(dir, 't')], 'page.njk', ctx));
  });

  // Eleventy sites inline their styles as its docs show, `{% set css %}{% include "css/x.css" %}{% endset %}`:
  // the import of a .css (or .js, .json) template must reach the Kida plugin, not the bundler's own loader.
  const styled = {
    't/page.njk':
      '{% set css %}{% include "css/critical.css" %}{% endset %}<style>{{ css | safe }}</style>' +
      '<script>{% include "./js/inline.js" %}</script>{% include "data.json" %}|{% include "css/" + theme + ".css" ignore missing %}',
    't/css/critical.css': 'body > main { color: {{ colour }}; }{% include "./reset.css" %}',
    't/css/reset.css': '* { margin: 0 }',
    't/css/dark.css': '.dark { content: "{{ colour }}" }',
    't/js/inline.js': 'window.site = "{{ site.name }}";{% if debug %}console.log("&");{% endif %}',
    't/data.json': '{"title": "{{ title }}"}',
  };
  const styledCtx = [
    { colour: 'red', site: { name: 'Site' }, debug: true, title: 'T & "q"', theme: 'dark' },
    { colour: '"<>&\'', site: {}, title: '', theme: 'none' },
  ];

  it('an included .css, .js and .json file compiles as a template (statically and by a name built at run time), as Nunjucks renders it', async () => {
    const dir = app(styled);
    const page = await built(dir, 't/page.njk', { root: join(dir, 't') });
    for (const ctx of styledCtx) await expectEveryWay(page, ctx, nunjucksRender([join(dir, 't')], 'page.njk', ctx));
    // (in default Kida too: the same include from a .kida page)
    const kidaDir = app({ 't/page.kida': '<style>{% include "critical.css" %}</style>', 't/critical.css': 'a { color: {{ colour }} }' });
    expect((await built(kidaDir, 't/page.kida', { root: join(kidaDir, 't') })).render({ colour: 'red' })).toBe('<style>a { color: red }</style>');
  });

  it('a Vite build (whose CSS and JSON plugins would take those files) agrees', async () => {
    const dir = app({ ...styled, 'entry.js': "import page from './t/page.njk';\nexport default page;\n" });
    const { build: viteBuild } = await import('vite');
    const { default: kida } = (await import(join(repo, 'dist/plugins/vite.js'))) as { default: (o: object) => object };
    await viteBuild({ root: dir, logLevel: 'error', configFile: false, plugins: [kida({ root: 't', cacheDir: false, config: false }) as never], build: { ssr: 'entry.js', outDir: join(dir, 'dist') } });
    const page = ((await import(join(dir, 'dist', readdirSync(join(dir, 'dist')).find((f) => /\.m?js$/.test(f))!))) as { default: Page }).default;
    for (const ctx of styledCtx) await expectEveryWay(page, ctx, nunjucksRender([join(dir, 't')], 'page.njk', ctx));
  });

  it('a script, style or JSON file is never taken for one', async () => {
    const { HOOK_FILTERS } = (await import(join(repo, 'dist/plugins/rollup.js'))) as { HOOK_FILTERS: Record<'load' | 'transform', { id: RegExp }> };
    for (const id of ['/a/b.js', '/a/b.mjs', '/a/b.ts', '/a/b.tsx', '/a/b.json', '/a/b.css', '/a/b.js?x=1', '\0virtual:x'])
      expect([id, HOOK_FILTERS.transform.id.test(id)]).toEqual([id, false]);
    for (const id of ['/a/b.njk', '/a/b.kida', '/a/b.html', '/a/logo.svg', '/a/b.njk?v=2']) expect([id, HOOK_FILTERS.transform.id.test(id)]).toEqual([id, true]);
    // (unless a template names it: then its id carries the suffix the plugins import it under)
    for (const id of ['/a/b.css.as-kida-template', '/a/b.js.as-kida-template', '/a/b.json.as-kida-template']) expect([id, HOOK_FILTERS.transform.id.test(id)]).toEqual([id, true]);
    expect(HOOK_FILTERS.load.id.test('\0virtual:kida-linkage')).toBe(true);
  });
});

describe('fallbackExtensions', () => {
  // The prototype kit's loader: in each search path the name, then the name with the other of .html/.njk.
  const kitLoader = (paths: string[]) =>
    new ((nunjucks.Loader as unknown as { extend(o: object): new () => nunjucks.ILoader }).extend({
      getSource(name: string) {
        const [, stem, ext] = /^(.*?)(\.[^./]*)$/.exec(name)!;
        for (const d of paths)
          for (const e of [ext, ext === '.html' ? '.njk' : '.html'])
            if (existsSync(join(d, stem! + e))) return { src: readFileSync(join(d, stem! + e), 'utf8'), path: join(d, stem! + e), noCache: true };
        return null;
      },
    }))();

  it('finds x.html as x.njk in the same search path before the next one, as the kit\'s loader does', async () => {
    const dir = app({
      'views/index.njk': '{% extends "layouts/main.html" %}{% block c %}{% include "parts/note.njk" %}{% endblock %}',
      // (main.html is main.njk here; lib has a main.html, which the kit's order does not reach)
      'views/layouts/main.njk': '{% extends "govuk/base.html" %}{% block body %}<main>{% block c %}{% endblock %}</main>{% endblock %}',
      'lib/layouts/main.html': 'WRONG',
      'lib/govuk/base.njk': '<html>{% block body %}{% endblock %}</html>',
      'lib/parts/note.html': '<p>{{ note }}</p>',
    });
    const paths = [join(dir, 'views'), join(dir, 'lib')];
    const fallbackExtensions = { '.html': ['.njk'], '.njk': ['.html'] };
    const page = await built(dir, 'views/index.njk', { searchPaths: paths, fallbackExtensions });
    const ctx = { note: 'N & n' };
    const want = nunjucksRender(paths, 'index.njk', ctx, kitLoader(paths));
    expect(want).toBe('<html><main><p>N &amp; n</p></main></html>');
    await expectEveryWay(page, ctx, want);
    // (the Environment's FileSystemLoader takes the same option)
    const { Environment, FileSystemLoader } = (await import(join(repo, 'dist/compiler/environment.js'))) as typeof import('../../compiler/environment.js');
    expect(new Environment({ loader: new FileSystemLoader(paths, { fallbackExtensions }), compat: 'nunjucks' }).getTemplate('index.njk').render(ctx)).toBe(want);
    // without it layouts/main.html is lib's, which has no block c: the include of the missing
    // parts/note.njk sits in a block no render reaches, so the build passes (the tenth pass's
    // missing-include rule) and the page renders what Nunjucks renders with a plain loader
    const without = await built(dir, 'views/index.njk', { searchPaths: paths });
    const plain = nunjucksRender(paths, 'index.njk', ctx);
    expect(plain).toBe('WRONG');
    await expectEveryWay(without, ctx, plain);
  });
});
