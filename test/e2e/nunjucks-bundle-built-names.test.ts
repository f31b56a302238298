// Names built at run time in a bundle, as Defra's forms engine builds them (sixth held-out pass):
// an `.html` partial imports `"../components/" + type + ".html"`. Nunjucks loads any file of its
// search paths; a bundle holds what the build compiled, so the plugin compiles the files such a
// name can reach: those of the literal folder and extension it is built from, and the other-
// extension templates named by literals on the way. A page that only extends its layout is
// imported by the linkage module in a cycle (the linkage imports every template when names are
// built at run time), so its module reads the linkage lazily.
// Expected outputs come from Nunjucks 3.2.4 at test time.
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { writeFiles } from '../support.js';

const nunjucks = createRequire(import.meta.url)('nunjucks');
type Page = { render(ctx: object): string; renderStream(ctx: object): Iterable<string>; renderAsync(ctx: object): Promise<string> };

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

let builds = 0;
/** Rollup with kida/rollup over `files` (the search paths as `searchPaths`); the pages, in order. */
async function build(files: Record<string, string>, searchPaths: string[], pages: string[], options: object = {}, dir = mkdtempSync(join(tmpdir(), 'kida-built-names-'))): Promise<{ pages: Page[]; code: string; dir: string }> {
  dirs.push(dir);
  writeFiles(dir, files);
  writeFileSync(join(dir, 'entry.mjs'), `${pages.map((p, i) => `import p${i} from './${p}';`).join('\n')}\nexport const pages = [${pages.map((_, i) => `p${i}`).join(', ')}];\n`);
  const { rollup } = await import('rollup');
  const { default: kida } = await import('../../dist/plugins/rollup.js' as string);
  const b = await rollup({ input: join(dir, 'entry.mjs'), plugins: [kida({ searchPaths: searchPaths.map((p) => join(dir, p)), cacheDir: false, config: false, ...options })], onwarn: () => {} });
  const { output } = await b.generate({ format: 'es' });
  await b.close(); // (a build's end: the compile cache writes its pack)
  // (a file name per build: a second build in the same folder is a new module)
  const file = join(dir, `bundle-${++builds}.mjs`);
  writeFileSync(file, output[0].code);
  return { pages: ((await import(pathToFileURL(file).href)) as { pages: Page[] }).pages, code: output[0].code, dir };
}

const outcome = async (f: () => unknown): Promise<string> => {
  try {
    return String(await f());
  } catch {
    return '(threw)';
  }
};
/** The page rendered every way from the bundle, each compared with Nunjucks' render of the same file. */
async function expectAsNunjucks(page: Page, njk: { render(name: string, ctx: object): string }, name: string, ctx: object): Promise<void> {
  const want = await outcome(() => njk.render(name, structuredClone(ctx)));
  const got = [
    await outcome(() => page.render(structuredClone(ctx))),
    await outcome(() => [...page.renderStream(structuredClone(ctx))].join('')),
    await outcome(() => page.renderAsync(structuredClone(ctx))),
  ];
  expect(got, JSON.stringify(ctx)).toEqual([want, want, want]);
}

// Defra's layout, in small: its engine views and its app views are two search paths.
const FORMS = {
  'pages/form.njk': '{% extends "index.html" %}',
  'engine/index.html': '{% extends "layout.html" %}\n{% from "partials/components.html" import componentList with context %}\n{% block content %}{{ componentList(components) }}{% endblock %}',
  'engine/partials/components.html':
    '{% macro componentList(components) %}\n  {% for component in components %}\n    {% import "../components/" + component.type.toLowerCase() + ".html" as view with context %}\n    {{ view[component.type](component) }}\n  {% endfor %}\n{% endmacro %}',
  'engine/components/textfield.html': '{% macro TextField(component) %}<input name="{{ component.name }}" value="{{ component.value }}">{% endmacro %}',
  'engine/components/html.html': '{% macro Html(component) %}{{ component.content | safe }}{% endmacro %}',
  'engine/components/nested/list.html': '{% macro List(component) %}<ul>{% for i in component.items %}<li>{{ i }}</li>{% endfor %}</ul>{% endmacro %}',
  'views/layout.html': '<main>{% block content %}{% endblock %}</main>',
  // (not reachable: outside every search path)
  'outside/secret.html': 'SECRET-TEXT {{ x }}',
};
const SEARCH = ['pages', 'engine', 'views'];
const njkEnv = (root: string) => new nunjucks.Environment(new nunjucks.FileSystemLoader(SEARCH.map((p) => join(root, p))), { autoescape: true });

describe('names built at run time in a bundle (kida/rollup, searchPaths)', () => {
  it('reach the .html components of the literal folder, from an .html partial, as Nunjucks loads them', async () => {
    const { pages, dir } = await build(FORMS, SEARCH, ['pages/form.njk']);
    const njk = njkEnv(dir);
    await expectAsNunjucks(pages[0]!, njk, 'form.njk', {
      components: [
        { type: 'TextField', name: 'n"ame', value: '<b>' },
        { type: 'Html', content: '<p>ok & fine</p>' },
      ],
    });
    // (a type whose file is in a subfolder of the literal one is not reached by this name in either)
    await expectAsNunjucks(pages[0]!, njk, 'form.njk', { components: [{ type: 'List', items: [1, 2] }] });
  });

  it('reach them through Vite too (its HTML handling leaves the linkage\'s .html imports to the plugin)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kida-built-names-vite-'));
    dirs.push(dir);
    writeFiles(dir, FORMS);
    writeFileSync(join(dir, 'entry.mjs'), "import form from './pages/form.njk';\nexport { form };\n");
    const { build: viteBuild } = await import('vite');
    const { default: kida } = await import('../../dist/plugins/vite.js' as string);
    await viteBuild({ root: dir, configFile: false, logLevel: 'silent', plugins: [kida({ searchPaths: SEARCH.map((p) => join(dir, p)), cacheDir: false, config: false })], build: { ssr: join(dir, 'entry.mjs'), outDir: join(dir, 'out') } });
    const out = readdirSync(join(dir, 'out')).find((f) => /^entry\.m?js$/.test(f))!;
    const { form } = (await import(pathToFileURL(join(dir, 'out', out)).href)) as { form: Page };
    await expectAsNunjucks(form, njkEnv(dir), 'form.njk', { components: [{ type: 'TextField', name: 'a', value: '<v>' }, { type: 'Html', content: '<hr>' }] });
  });

  it('reach them with the compile cache on (which keeps which templates name other files), built twice', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kida-built-names-'));
    const options = { cacheDir: join(dir, '.cache') };
    const ctx = { components: [{ type: 'Html', content: '<b>warm</b>' }, { type: 'TextField', name: 'x', value: 1 }] };
    for (let round = 0; round < 2; round++) {
      const { pages } = await build(FORMS, SEARCH, ['pages/form.njk'], options, dir);
      await expectAsNunjucks(pages[0]!, njkEnv(dir), 'form.njk', ctx);
    }
  });

  it('compile nothing outside the search paths, and a name built to climb out is not found, as in Nunjucks', async () => {
    const files = { ...FORMS, 'engine/partials/components.html': '{% macro componentList(components) %}{% for c in components %}{% include "../../../outside/" + c + ".html" %}{% endfor %}{% endmacro %}' };
    const { pages, code, dir } = await build(files, SEARCH, ['pages/form.njk']);
    expect(code).not.toContain('SECRET-TEXT');
    await expectAsNunjucks(pages[0]!, njkEnv(dir), 'form.njk', { components: ['secret'] });
  });

  it('any built type name renders as in Nunjucks, or fails in both', async () => {
    const { pages, dir } = await build(FORMS, SEARCH, ['pages/form.njk']);
    const njk = njkEnv(dir);
    const type = fc.oneof(
      fc.constantFrom('TextField', 'Html', 'textfield', 'List', 'nested/list', '../components/Html', '__proto__', 'constructor', 'toString', ''),
      fc.string({ maxLength: 6 }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(fc.record({ type, name: fc.string({ maxLength: 4 }), content: fc.constantFrom('<i>x</i>', 'a&b') }), { maxLength: 3 }), async (components) => {
        await expectAsNunjucks(pages[0]!, njk, 'form.njk', { components });
      }),
      { numRuns: 60 },
    );
  });

  it('compile no file for a name built without a literal folder: any file could be meant (a page that is no template fails no build)', async () => {
    const files = { ...FORMS, 'engine/partials/components.html': '{% macro componentList(components) %}{% for c in components %}{% include c + ".html" %}{% endfor %}{% endmacro %}', 'views/static-page.html': 'STATIC-PAGE {{ not a template' };
    const { code } = await build(files, SEARCH, ['pages/form.njk']);
    expect(code).not.toContain('STATIC-PAGE');
  });

  it('load a page that only extends its layout, which the linkage module imports in a cycle', async () => {
    const files = {
      'pages/child.njk': '{% extends "base.njk" %}{% block body %}[{{ who }}]{% endblock %}',
      'pages/base.njk': '<body>{% block body %}{% endblock %}{% include "parts/" ~ part ~ ".njk" %}</body>',
      'pages/parts/a.njk': 'part A {{ who }}',
    };
    // (the layout first: its import of the linkage runs the linkage, which imports the child page before it has made its registry)
    const { pages, dir } = await build(files, ['pages'], ['pages/base.njk', 'pages/child.njk']);
    const njk = new nunjucks.Environment(new nunjucks.FileSystemLoader(join(dir, 'pages')), { autoescape: true });
    await expectAsNunjucks(pages[1]!, njk, 'child.njk', { who: '<me>', part: 'a' });
    // (default Kida compiles such a page the same way)
    const kida = await build(
      { 'v/child.kida': '{% extends "base.kida" %}{% block body %}[{{ who }}]{% end %}', 'v/base.kida': '<body>{% block body %}{% end %}{% include "parts/" ~ part ~ ".kida" %}</body>', 'v/parts/a.kida': 'A' },
      ['v'],
      ['v/base.kida', 'v/child.kida'],
    );
    expect(kida.pages[1]!.render({ who: '<me>', part: 'a' })).toBe('<body>[&lt;me&gt;]A</body>');
  });

  it('leave a Kida project as it was: .html files beside .kida templates are not compiled', async () => {
    const { code } = await build({ 'views/page.kida': '{% include "parts/" ~ which ~ ".kida" %}', 'views/parts/x.kida': 'X', 'views/notes.html': 'NOTES-TEXT {{ }' }, ['views'], ['views/page.kida']);
    expect(code).not.toContain('NOTES-TEXT');
  });
});
