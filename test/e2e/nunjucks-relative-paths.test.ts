// Relative template names as Nunjucks resolves them (found by the held-out check on
// @dwp/dwp-frontend, whose internal-service-header imports "../../components/…/macro.njk" from
// inside its `components` search path): from the referencing template's file, so a name may
// climb above a search path and come back into it or into another. Checked against Nunjucks
// 3.2.4's FileSystemLoader on real directories, through the Environment, kida/nunjucks's
// configure() and a Rollup bundle of the same files. Names inside the root too: looked up
// beside the referencing file, not in the first search path holding the name.
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, posix, relative, resolve, sep } from 'node:path';
import fc from 'fast-check';
import { pathToFileURL } from 'node:url';
import nunjucks from 'nunjucks';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const dir = join(import.meta.dirname, '.out-njk-relative');
const lib = join(dir, 'components');
const other = join(dir, 'vendor');
const more = join(dir, 'more');
const FILES: Record<string, string> = {
  // (as dwp-frontend: up out of `components`, and back in by its name)
  'components/header/template.njk': '{% from "../../components/nav/macro.njk" import nav %}<h>{{ nav("x<") }}</h>',
  'components/nav/macro.njk': '{% macro nav(t) %}<nav>{{ t }}</nav>{% endmacro %}',
  // (into another search path, and an include and an extends by the same route)
  'components/card/template.njk': '{% include "../../vendor/badge.njk" %}|{% include "./../nav/part.njk" %}',
  'components/nav/part.njk': 'part',
  'vendor/badge.njk': 'badge',
  'components/page.njk': '{% extends "../vendor/base.njk" %}{% block b %}child{% endblock %}',
  'vendor/base.njk': '<b>{% block b %}{% endblock %}</b>',
  // (out of every search path: not found, in Nunjucks too)
  'components/lost/template.njk': '{% include "../../outside.njk" %}',
  'outside.njk': 'outside',
  // (a third search path, outside the bundle's root)
  // (as govuk-frontend's button under @hmcts/frontend's search paths: an import, in a macro, of a
  // file in no search path; Nunjucks loads it only when the macro runs)
  'more/lazy/template.njk': '{% macro m() %}{% from "../../nowhere/macro.njk" import x %}{{ x() }}{% endmacro %}lazy{% if go %}{{ m() }}{% endif %}',
  // (a name from the data, resolved when the include runs)
  'more/dyn/template.njk': '[{% include name %}]',
};
const PAGES = ['header/template.njk', 'card/template.njk', 'page.njk', 'lost/template.njk'];
let bundlePages: Record<string, { render(c: object): string }>;

const outcome = (f: () => string): string => {
  try {
    return f();
  } catch {
    return '(threw)';
  }
};

beforeAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  for (const [f, src] of Object.entries(FILES)) {
    mkdirSync(dirname(join(dir, f)), { recursive: true });
    writeFileSync(join(dir, f), src);
  }
  // (the bundle's root is the components folder: the names climb out of it and back)
  const entry = join(dir, 'entry.mjs');
  const bundled = [PAGES[0]!];
  writeFileSync(entry, `${bundled.map((p, i) => `import p${i} from './components/${p}';`).join('\n')}\nexport const pages = { ${bundled.map((p, i) => `${JSON.stringify(p)}: p${i}`).join(', ')} };\n`);
  const { rollup } = await import('rollup');
  const { default: kida } = await import('../../dist/plugins/rollup.js' as string);
  const build = await rollup({ input: entry, plugins: [kida({ root: lib, cacheDir: false, config: false })], onwarn: () => {} });
  const { output } = await build.generate({ format: 'es' });
  writeFileSync(join(dir, 'bundle.mjs'), output[0].code);
  bundlePages = ((await import(pathToFileURL(join(dir, 'bundle.mjs')).href)) as { pages: typeof bundlePages }).pages;
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Nunjucks itself, compat mode's Environment and kida/nunjucks's configure(), over the same search paths. */
async function renderers(paths: string[]) {
  const njk = new nunjucks.Environment(new nunjucks.FileSystemLoader(paths), { autoescape: true });
  const { Environment, FileSystemLoader } = await import('../../dist/compiler/environment.js' as string);
  const env = new Environment({ loader: new FileSystemLoader(paths), compat: 'nunjucks' });
  const api = (await import('../../dist/adapters/nunjucks.js' as string)).default.configure(paths, { autoescape: true });
  return { njk, env, api };
}

describe('relative template names that climb above a search path (compat: nunjucks)', () => {
  it('resolve as Nunjucks\' FileSystemLoader resolves them: Environment and kida/nunjucks', async () => {
    const paths = [lib, other];
    const { njk, env, api } = await renderers(paths);
    const want = PAGES.map((p) => outcome(() => njk.render(p, {})));
    expect(want).toEqual(['<h><nav>x&lt;</nav></h>', 'badge|part', '<b>child</b>', '(threw)']);
    expect(PAGES.map((p) => outcome(() => env.getTemplate(p).render({})))).toEqual(want);
    expect(PAGES.map((p) => outcome(() => api.render(p, {})))).toEqual(want);
  });
  it('in a bundle built with the plugin\'s root inside the path the name climbs through', () => {
    expect(bundlePages['header/template.njk']!.render({})).toBe('<h><nav>x&lt;</nav></h>');
  });
  // (a bundle still fails its build there, as for any literal name that names no template)
  it('a name that reaches no file fails where it runs, not before: a macro never called loads nothing', async () => {
    const paths = [lib, other, more];
    const { njk, env, api } = await renderers(paths);
    for (const go of [false, true]) {
      const want = outcome(() => njk.render('lazy/template.njk', { go }));
      expect(want).toBe(go ? '(threw)' : 'lazy');
      expect(outcome(() => env.getTemplate('lazy/template.njk').render({ go }))).toBe(want);
      expect(outcome(() => api.render('lazy/template.njk', { go }))).toBe(want);
    }
    // (the message names the reference as written, and where it stands)
    expect(() => env.getTemplate('lazy/template.njk').render({ go: true })).toThrow(/'\.\.\/\.\.\/nowhere\/macro\.njk' escapes the template root/);
  });
  it('a name computed at run time climbs above the root as a literal one does', async () => {
    const paths = [lib, other, more];
    const { njk, env, api } = await renderers(paths);
    const names = ['../../vendor/badge.njk', './../../components/nav/part.njk', '../../outside.njk', '../../../x.njk', 'nav/part.njk', '../lazy/template.njk'];
    const want = names.map((name) => outcome(() => njk.render('dyn/template.njk', { name })));
    expect(want).toEqual(['[badge]', '[part]', '(threw)', '(threw)', '[part]', '[lazy]']);
    expect(names.map((name) => outcome(() => env.getTemplate('dyn/template.njk').render({ name })))).toEqual(want);
    expect(names.map((name) => outcome(() => api.render('dyn/template.njk', { name })))).toEqual(want);
  });
  it('a name inside the root is looked up beside the referencing file, as Nunjucks does: an app\'s file of the same name earlier on the path is not it', async () => {
    // (an app that puts its own govuk/components/button/template.njk first: govuk's macro.njk
    // still includes its own neighbour, in Nunjucks; we took the app's)
    const app = join(dir, 'app');
    mkdirSync(join(app, 'govuk/components/button'), { recursive: true });
    writeFileSync(join(app, 'govuk/components/button/template.njk'), 'APP BUTTON');
    const govuk = join(dirname(require.resolve('govuk-frontend/package.json')), 'dist');
    const paths = [app, govuk];
    const page = '{% from "govuk/components/button/macro.njk" import govukButton %}{{ govukButton({ text: "Save <now>" }) }}|{% include "govuk/components/button/template.njk" %}';
    const njk = new nunjucks.Environment(new nunjucks.FileSystemLoader(paths), { autoescape: true });
    const want = njk.renderString(page, {});
    expect(want).toMatch(/^\n<button type="submit" class="govuk-button"[^]*Save &lt;now&gt;[^]*<\/button>\n\|APP BUTTON$/);
    const { Environment, FileSystemLoader } = await import('../../dist/compiler/environment.js' as string);
    const env = new Environment({ loader: new FileSystemLoader(paths), compat: 'nunjucks' });
    expect(env.fromString(page).render({})).toBe(want);
    expect(await env.fromString(page).renderAsync({})).toBe(want);
    expect((await import('../../dist/adapters/nunjucks.js' as string)).default.configure(paths, { autoescape: true }).renderString(page, {})).toBe(want);
  });
  it('default Kida is unchanged: a name above the root is an error there', async () => {
    const { Environment, FileSystemLoader } = await import('../../dist/compiler/environment.js' as string);
    const env = new Environment({ loader: new FileSystemLoader([lib, other]) });
    expect(() => env.getTemplate('header/template.njk')).toThrow(/escapes the template root/);
  });
  it('any relative name, on two search paths with files of the same names: Nunjucks\' template, always', async () => {
    const { Environment, FileSystemLoader } = await import('../../dist/compiler/environment.js' as string);
    const { configure } = (await import('../../dist/adapters/nunjucks.js' as string)).default;
    const root = join(dir, 'prop');
    const a = join(root, 'a');
    const b = join(root, 'b');
    // (a file at each of these places, its text its place: same names under both search paths)
    const places = ['a/t.njk', 'a/s/t.njk', 'b/t.njk', 'b/s/t.njk', 'b/u.njk', 'x/t.njk', 't.njk'];
    rmSync(root, { recursive: true, force: true });
    for (const f of places) {
      mkdirSync(dirname(join(root, f)), { recursive: true });
      writeFileSync(join(root, f), f);
    }
    // (b/s/t.njk includes its neighbour: a page of b reaching it must keep reading from b)
    writeFileSync(join(root, 'b/s/t.njk'), 'b/s/t.njk<{% include "../u.njk" %}>');
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('a/s', 'a', 'b/s', 'b'),
        fc.constantFrom('./', '../', '../../', '../../../', './../'),
        fc.constantFrom('t.njk', 's/t.njk', 'u.njk', 'a/t.njk', 'b/s/t.njk', 'b/u.njk', 'x/t.njk', 'nope.njk'),
        fc.boolean(),
        async (at, up, rest, dynamic) => {
          const page = `${at}/page${run++}.njk`;
          writeFileSync(join(root, page), dynamic ? `[{% include name %}]` : `[{% include "${up}${rest}" %}]`);
          const name = relative(at.startsWith('a') ? a : b, join(root, page)).split(sep).join('/');
          const ctx = { name: up + rest };
          const njk = new nunjucks.Environment(new nunjucks.FileSystemLoader([a, b]), { autoescape: true });
          const env = new Environment({ loader: new FileSystemLoader([a, b]), compat: 'nunjucks' });
          const want = outcome(() => njk.render(name, ctx));
          const label = `${page} includes ${up}${rest}${dynamic ? ' (by a name from the data)' : ''}`;
          expect(outcome(() => env.getTemplate(name).render(ctx)), label).toBe(want);
          expect(outcome(() => configure([a, b], { autoescape: true }).render(name, ctx)), label).toBe(want);
        },
      ),
      { numRuns: 120 },
    );
  });
});

