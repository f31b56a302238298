// The seventh held-out pass's design system rendered through its own custom tags: EMBL's Visual
// Framework (test/fixtures/nunjucks-projects/visual-framework: 35 @visual-framework/vf-*
// packages' templates and their Fractal configs, and @visual-framework/vf-extensions' `spaceless`
// and `render` tags, unchanged). Each component's every variant is rendered as Fractal renders
// it: the variant's view (`vf-x--variant.njk` where the package has one, else `vf-x.njk`) with the
// component's context merged with the variant's. The templates use the two tags: `{% spaceless %}`
// (a CallExtension with a body) and `{% render '@vf-x', ctx %}` (a CallExtensionAsync rendering
// another component: here through a small Fractal stand-in over the same configs, rendering with
// the same engine). Both tags mark their output with the `nunjucks` package's runtime.SafeString,
// as vf-extensions does, so every render is async: Nunjucks' callback render, the Environment's
// renderAsync and renderStreamAsync, kida/nunjucks' callback render.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));
export const VF = join(here, '../test/fixtures/nunjucks-projects/visual-framework');
const COMPONENTS = join(VF, 'components');
const yaml = require('js-yaml');

/** Every component folder: its name, config and views. */
export function components() {
  return readdirSync(COMPONENTS, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => {
      const dir = join(COMPONENTS, e.name);
      const cfg = existsSync(join(dir, `${e.name}.config.yml`)) ? yaml.load(readFileSync(join(dir, `${e.name}.config.yml`), 'utf8')) ?? {} : {};
      return { name: e.name, dir, cfg, views: readdirSync(dir).filter((f) => f.endsWith('.njk')) };
    });
}
/** Each component folder is on the search path (Fractal's view names are the files' own). */
export const searchPaths = () => components().map((c) => c.dir);

const slug = (s) => String(s).toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
const clone = (v) => JSON.parse(JSON.stringify(v ?? {}));
/** The view and context Fractal renders a variant with. */
function variantOf(c, name) {
  const v = (c.cfg.variants ?? []).find((x) => x.name === name || slug(x.name) === name);
  const own = `${c.name}--${slug(name)}.njk`;
  return { view: c.views.includes(own) ? own : `${c.name}.njk`, context: { ...clone(c.cfg.context), ...clone(v?.context) } };
}

/** A Fractal stand-in for vf-extensions' render tag: `components.find('@vf-x')`, rendered by `render(view, ctx)` (the engine's). */
export function fractal(render) {
  const all = new Map(components().map((c) => [c.name, c]));
  return {
    components: {
      find(handle) {
        const [name, variant] = String(handle).replace(/^@/, '').split('--');
        const c = all.get(name);
        if (!c || !c.views.includes(`${name}.njk`)) return undefined;
        const at = variantOf(c, variant ?? 'default');
        return { isComponent: true, variants: () => ({ default: () => ({ context: clone(at.context) }) }), render: (ctx) => Promise.resolve().then(() => render(at.view, ctx)) };
      },
      resolve: (ctx) => Promise.resolve(ctx),
    },
  };
}

/** Every variant of every component (and each component's view with its default context, and bare). */
export function cases() {
  const out = [];
  for (const c of components()) {
    if (c.views.includes(`${c.name}.njk`)) {
      out.push({ name: `${c.name} bare`, template: `${c.name}.njk`, data: {} });
      out.push({ name: `${c.name} default`, template: `${c.name}.njk`, data: variantOf(c, 'default').context });
      // (as the render tag passes a context: under `context`, which the views read first)
      out.push({ name: `${c.name} default, as context`, template: `${c.name}.njk`, data: { context: variantOf(c, 'default').context } });
    }
    for (const v of c.cfg.variants ?? []) {
      if (v.name === 'default') continue;
      const at = variantOf(c, v.name);
      out.push({ name: `${c.name} / ${v.name}`, template: at.view, data: at.context });
    }
  }
  return out;
}

/** vf-extensions' tags, as its 11ty plugin adds them: `new Tag(nunjucksEngine[, fractal])`. */
export function tags(render) {
  const Spaceless = require(join(VF, 'vf-extensions/tags/spaceless.js'));
  const Render = require(join(VF, 'vf-extensions/tags/render.js'));
  const nunjucks = require('nunjucks');
  return { spaceless: new Spaceless(nunjucks), render: new Render(nunjucks, fractal(render)) };
}

/** Nunjucks 3.2.4, kida's Environment and kida/nunjucks over the components: `render(view, data)` each, async. */
export async function engines() {
  const paths = searchPaths();
  const nunjucks = require('nunjucks');
  const viaCallback = (e) => (name, data) => new Promise((res, rej) => e.render(name, data, (err, out) => (err ? rej(err) : res(out))));
  const njk = new nunjucks.Environment(new nunjucks.FileSystemLoader(paths));
  const njkRender = viaCallback(njk);
  for (const [n, t] of Object.entries(tags(njkRender))) njk.addExtension(n, t);
  const api = (await import(join(here, '../dist/adapters/nunjucks.js'))).default;
  const apiEnv = new api.Environment(new api.FileSystemLoader(paths));
  const apiRender = viaCallback(apiEnv);
  for (const [n, t] of Object.entries(tags(apiRender))) apiEnv.addExtension(n, t);
  const { Environment, FileSystemLoader } = await import(join(here, '../dist/compiler/environment.js'));
  const env = new Environment({ loader: new FileSystemLoader(paths), compat: 'nunjucks' });
  const envRender = (name, data) => env.getTemplate(name).renderAsync(data);
  for (const [n, t] of Object.entries(tags(envRender))) env.addExtension(n, t);
  return {
    nunjucks: njkRender,
    api: apiRender,
    env: envRender,
    envStream: async (name, data) => {
      let s = '';
      for await (const chunk of env.getTemplate(name).renderStreamAsync(data)) s += chunk;
      return s;
    },
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const e = await engines();
  const run = async (f) => { try { return await f(); } catch (err) { return `(threw) ${String(err?.message).replace(/\s+/g, ' ').slice(-200)}`; } };
  let same = 0, threw = 0;
  const all = cases();
  for (const c of all) {
    const want = await run(() => e.nunjucks(c.template, c.data));
    if (want.startsWith('(threw)')) threw++;
    let ok = true;
    for (const via of ['env', 'envStream', 'api']) {
      const got = await run(() => e[via](c.template, c.data));
      if (want.startsWith('(threw)') ? !got.startsWith('(threw)') : got !== want) {
        ok = false;
        let i = 0;
        while (i < want.length && want[i] === got[i]) i++;
        console.log(`--- ${via} ${c.name} (${c.template})\nNJK:  ${JSON.stringify(want.slice(Math.max(0, i - 120), i + 120))}\nOURS: ${JSON.stringify(got.slice(Math.max(0, i - 120), i + 120))}`);
      }
    }
    if (ok && !want.startsWith('(threw)')) same++;
  }
  console.log({ cases: all.length, same, nunjucksErrors: threw });
}
