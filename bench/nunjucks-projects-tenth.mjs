// Issue #25's outside check, tenth pass: uswds 2.14.0 (the U.S. Web Design System's components, a
// Fractal library: Fractal's default engine is Nunjucks), vendored unchanged under
// test/fixtures/nunjucks-projects/uswds-2 (SOURCES.md), rendered as Fractal renders a component:
// its @frctl/nunjucks 2.0.15 adapter (a loader of `@handle` names before the search path
// src/components; the async tags `render`, `view` and `context`, the `path` filter; the
// project's fractal.config.js filters `jsonify` and `dataurl`), each variant of each component
// with the context its .config.yml files give it (collection, component and variant contexts
// merged as Fractal merges them, `@handle` values replaced by that component's context), through
// renderStringAsync. Compared byte for byte with Nunjucks 3.2.4 through the Environment
// (renderAsync, renderStreamAsync) and kida/nunjucks (renderString with a callback).
// `node bench/nunjucks-projects-tenth.mjs` (after a build) prints the counts and what differs.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FIXTURES } from './nunjucks-projects-sixth.mjs';

const require = createRequire(import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));
const _ = require('lodash');
const yaml = require('js-yaml');
export const USWDS = join(FIXTURES, 'uswds-2/src/components');

/** Fractal's name of a file or folder: without the hiding `_` and an ordering `01-` prefix. */
const strip = (n) => n.replace(/^_/, '').replace(/^\d+-/, '');
const configOf = (dir, name) => {
  for (const ext of ['yml', 'yaml', 'json']) {
    const f = join(dir, `${name}.config.${ext}`);
    if (existsSync(f)) return ext === 'json' ? JSON.parse(readFileSync(f, 'utf8')) : (yaml.load(readFileSync(f, 'utf8')) ?? {});
  }
  return {};
};
/** @frctl/core utils.defaultsDeep: `target` over `defaults`, arrays of the target replacing. */
const defaultsDeep = (target, defaults) => _.mergeWith(_.cloneDeep(defaults), _.cloneDeep(target), (o, s) => (Array.isArray(s) ? s : undefined));

/**
 * The components Fractal finds under `root` (its source's rules, for what uswds uses): a folder
 * holding a view named as itself is a component, `x--y.njk` beside it a variant file; any other
 * folder is a collection whose views are components and whose `<folder>.config.yml` context its
 * members inherit. Returns the entities by handle (components and variants).
 */
export function fractalSource(root, defaultContext = {}) {
  const entities = new Map();
  const component = (name, view, config, inherited, dir, variantFiles) => {
    const handle = config.handle ?? name;
    const context = defaultsDeep(config.context ?? {}, inherited);
    const variants = [];
    const label = config.label ?? config.title ?? _.startCase(name);
    const add = (vname, vview, vctx = {}) => {
      const v = { handle: vname === 'default' ? handle : `${handle}--${vname}`, view: vview, context: defaultsDeep(vctx, context), isComponent: false, label: `${label} ${vname}` };
      variants.push(v);
      entities.set(v.handle, v);
    };
    add(config.default ?? 'default', view, {});
    for (const v0 of config.variants ?? []) {
      // (a variant's handle takes its name slugged: `large modal` is `@modal--large-modal`)
      const v = { ...v0, name: String(v0.name).trim().toLowerCase().replace(/\s+/g, '-') };
      if (v.name === (config.default ?? 'default')) {
        variants[0].context = defaultsDeep(v.context ?? {}, context);
        continue;
      }
      const file = variantFiles.get(v.name);
      add(v.name, v.view ? join(dir, v.view) : (file ?? view), v.context ?? {});
    }
    for (const [vname, file] of variantFiles) if (!variants.some((v) => v.handle === `${handle}--${vname}`)) add(vname, file, {});
    entities.set(`component:${handle}`, { handle, isComponent: true, variants, context: variants[0].context, view, label });
  };
  const views = (dir) => readdirSync(dir).filter((f) => f.endsWith('.njk') && statSync(join(dir, f)).isFile()).sort();
  const variantFilesOf = (dir, name) => new Map(views(dir).map((f) => strip(f.replace(/\.njk$/, ''))).filter((n) => n.startsWith(`${name}--`)).map((n) => [n.slice(name.length + 2), join(dir, views(dir).find((f) => strip(f.replace(/\.njk$/, '')) === n))]));
  const walkDir = (dir, inherited, isRoot) => {
    const name = strip(basename(dir));
    const own = views(dir).find((f) => strip(f.replace(/\.njk$/, '')) === name);
    if (own && !isRoot) return component(name, join(dir, own), configOf(dir, name), inherited, dir, variantFilesOf(dir, name));
    const ctx = isRoot ? inherited : defaultsDeep(configOf(dir, basename(dir)).context ?? {}, inherited);
    for (const f of views(dir)) {
      const n = strip(f.replace(/\.njk$/, ''));
      if (n.includes('--')) continue;
      component(n, join(dir, f), configOf(dir, n), ctx, dir, variantFilesOf(dir, n));
    }
    for (const d of readdirSync(dir).sort()) if (statSync(join(dir, d)).isDirectory()) walkDir(join(dir, d), ctx, false);
  };
  walkDir(root, defaultContext, true);
  return {
    entities,
    /** source.find('@handle'): a component, else a variant. */
    find: (h) => (typeof h === 'string' && h.startsWith('@') ? (entities.get(`component:${h.slice(1)}`) ?? entities.get(h.slice(1))) : undefined),
    /** source.resolve(context): every `@handle` string replaced by that entity's context, resolved too. */
    resolve(ctx, depth = 0) {
      if (depth > 20) return ctx;
      if (typeof ctx === 'string' && ctx.startsWith('@')) {
        const e = this.find(ctx);
        return e ? this.resolve(_.cloneDeep(e.context), depth + 1) : ctx;
      }
      if (Array.isArray(ctx)) return ctx.map((v) => this.resolve(v, depth + 1));
      if (ctx && typeof ctx === 'object') return Object.fromEntries(Object.entries(ctx).map(([k, v]) => [k, this.resolve(v, depth + 1)]));
      return ctx;
    },
  };
}

/** uswds' fractal.config.js: the context every component gets. */
export const DEFAULT_CONTEXT = { package: { name: 'uswds', version: '2.14.0' }, uswds: { path: '../../dist' }, placeholderLink: 'javascript:void()' };
export const source = () => fractalSource(USWDS, DEFAULT_CONTEXT);

/**
 * @frctl/nunjucks' extensions (src/extensions: render, view, context), as its code has them, over
 * `src` (fractalSource) and `renderView(file, context)`: the engine's renderStringAsync of a view.
 */
export function fractalExtensions(src, SafeString, renderView) {
  const ext = (tag, run) => ({
    tags: [tag],
    parse(parser, nodes) {
      const tok = parser.nextToken();
      const args = parser.parseSignature(null, true);
      parser.advanceAfterBlockEnd(tok.value);
      return new nodes.CallExtensionAsync(this, 'run', args);
    },
    run(...args) {
      const callback = args.pop();
      const rootContext = args.shift().ctx;
      // (Fractal's throw of an unknown handle escapes a render that is already asynchronous: given to the callback)
      try {
        run(rootContext, args, callback);
      } catch (err) {
        callback(err);
      }
    },
  });
  const find = (handle) => {
    const entity = src.find(handle);
    if (!entity) throw new Error(`Could not render component '${handle}' - component not found.`);
    return entity;
  };
  return {
    render: ext('render', (rootContext, [handle, context, merge = false], callback) => {
      const entity = find(handle);
      const defaultContext = entity.isComponent ? entity.variants[0].context : entity.context;
      if (!context) context = defaultContext;
      else if (merge) context = defaultsDeep(context, defaultContext);
      // (a failure is given to the callback: `{% render '@layout--docs-inner', true %}` in
      // layouts/docs.njk makes the context `true`, whose `_env` Fractal's own code fails to set in
      // a promise nobody awaits: the page never renders there)
      Promise.resolve(src.resolve(context))
        .then((ctx) => {
          ctx._env = JSON.parse(JSON.stringify(rootContext._env));
          return renderView(entity.isComponent ? entity.variants[0].view : entity.view, ctx);
        })
        .then((html) => callback(null, new SafeString(html)), (err) => callback(err));
    }),
    view: ext('view', (_root, [handle], callback) => {
      const entity = find(handle);
      callback(null, new SafeString(readFileSync(entity.isComponent ? entity.variants[0].view : entity.view, 'utf8')));
    }),
    context: ext('context', (_root, [handle], callback) => {
      const entity = find(handle);
      Promise.resolve(src.resolve(entity.isComponent ? entity.variants[0].context : entity.context)).then((ctx) => callback(null, JSON.stringify(ctx, null, 4)), callback);
    }),
  };
}

/** The filters: @frctl/nunjucks' `path` (a server render: the path as it is) and uswds' own two. */
export const FILTERS = {
  path(p) {
    const env = this.lookup('_env');
    return !env || env.server ? p : p;
  },
  jsonify: (d) => JSON.stringify(d, null, '  '),
  dataurl: (d, type) => `data:${type},${encodeURIComponent(d)}`,
};

/** Every variant of every component, as Fractal's preview renders it (without the preview layout), and each preview layout around a component. */
export function cases() {
  const src = source();
  const out = [];
  for (const [key, e] of src.entities) {
    if (!key.startsWith('component:')) continue;
    for (const v of e.variants) out.push({ project: 'uswds', component: e.handle, name: `@${v.handle}`, view: v.view, ctx: { ...src.resolve(v.context), _self: { title: v.label, handle: v.handle }, _env: { server: true } } });
  }
  return out;
}

/** The Fractal adapter's loader: `@handle` names first (the variant's view), then the search path. */
function fractalLoader(nunjucks, src) {
  const Loader = nunjucks.Loader.extend({
    getSource(name) {
      if (name.startsWith('@')) {
        const e = src.find(name);
        if (!e) return null;
        const view = e.isComponent ? e.variants[0].view : e.view;
        return { src: readFileSync(view, 'utf8'), path: view, noCache: true };
      }
      const p = join(USWDS, name);
      if (!p.startsWith(USWDS) || !existsSync(p)) return null;
      return { src: readFileSync(p, 'utf8'), path: p, noCache: true };
    },
  });
  return new Loader();
}

const settle = (f) =>
  new Promise((res) => {
    try {
      Promise.resolve(f()).then((out) => res({ out }), (e) => res({ error: String(e?.message ?? e).replace(/\s+/g, ' ') }));
    } catch (e) {
      res({ error: String(e?.message ?? e).replace(/\s+/g, ' ') });
    }
  });
const viaCallback = (render) => new Promise((res, rej) => render((e, out) => (e ? rej(e) : res(out))));

/** Nunjucks, the Environment (renderAsync, renderStreamAsync) and kida/nunjucks, each set up as Fractal sets up its engine. */
export async function renderers() {
  const src = source();
  const nunjucks = require('nunjucks');
  const njk = new nunjucks.Environment(fractalLoader(nunjucks, src), {});
  const { Environment, FileSystemLoader, FunctionLoader, ChoiceLoader } = await import(join(here, '../dist/compiler/environment.js'));
  const { SafeString } = await import(join(here, '../dist/runtime/nunjucks/safe.js'));
  // (the adapter's two loaders: `@handle` names, then the search path)
  const handles = new FunctionLoader((name) => {
    const e = name.startsWith('@') ? src.find(name) : undefined;
    const view = e && (e.isComponent ? e.variants[0].view : e.view);
    return view ? { source: readFileSync(view, 'utf8'), filename: view } : null;
  });
  const env = new Environment({ loader: new ChoiceLoader([handles, new FileSystemLoader([USWDS])]), compat: 'nunjucks', autoescape: true, filters: FILTERS });
  const api = (await import(join(here, '../dist/adapters/nunjucks.js'))).default;
  const apiEnv = new api.Environment(fractalLoader(nunjucks, src), {});
  const read = (file) => readFileSync(file, 'utf8');
  const njkView = (file, ctx) => viaCallback((cb) => njk.renderString(read(file), ctx, cb));
  const envView = (file, ctx) => env.fromString(read(file)).renderAsync(ctx);
  const envStreamView = async (file, ctx) => {
    let s = '';
    for await (const c of env.fromString(read(file)).renderStreamAsync(ctx)) s += c;
    return s;
  };
  const apiView = (file, ctx) => viaCallback((cb) => apiEnv.renderString(read(file), ctx, cb));
  for (const [k, f] of Object.entries(FILTERS)) {
    njk.addFilter(k, f);
    apiEnv.addFilter(k, f);
  }
  for (const [k, x] of Object.entries(fractalExtensions(src, nunjucks.runtime.SafeString, njkView))) njk.addExtension(k, x);
  for (const [k, x] of Object.entries(fractalExtensions(src, SafeString, envView))) env.addExtension(k, x);
  for (const [k, x] of Object.entries(fractalExtensions(src, SafeString, apiView))) apiEnv.addExtension(k, x);
  return { nunjucks: (c) => njkView(c.view, c.ctx), env: (c) => envView(c.view, c.ctx), envStream: (c) => envStreamView(c.view, c.ctx), api: (c) => apiView(c.view, c.ctx) };
}

export const VIAS = ['env', 'envStream', 'api'];

/** The counts (cases, Nunjucks' errors, per way: equal and both throw) and the cases that differ. */
export async function measure(all = cases()) {
  const r = await renderers();
  const counts = { cases: 0, nunjucksErrors: 0, ...Object.fromEntries(VIAS.map((v) => [v, { same: 0, bothThrow: 0 }])) };
  const failing = [];
  for (const c of all) {
    counts.cases++;
    const want = await settle(() => r.nunjucks({ ...c, ctx: _.cloneDeep(c.ctx) }));
    if (want.error !== undefined) counts.nunjucksErrors++;
    for (const via of VIAS) {
      const got = await settle(() => r[via]({ ...c, ctx: _.cloneDeep(c.ctx) }));
      if (want.error !== undefined && got.error !== undefined) counts[via].bothThrow++;
      else if (want.error === undefined && got.out === want.out) counts[via].same++;
      else failing.push({ via, c, want, got });
    }
  }
  return { counts, failing };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const all = cases();
  console.log('templates', new Set(all.map((c) => c.view)).size, 'of', readdirSync(USWDS, { recursive: true }).filter((f) => String(f).endsWith('.njk')).length);
  const { counts, failing } = await measure(all);
  console.log(JSON.stringify(counts));
  const seen = new Set();
  for (const f of failing.filter((f) => f.via === (process.env.VIA ?? "env") && (!process.env.ONLY || f.c.name.includes(process.env.ONLY))).slice(0, Number(process.argv[2] ?? 5))) {
    const [a, b] = [f.want.out ?? f.want.error, f.got.out ?? f.got.error];
    let i = 0;
    while (i < a.length && a[i] === b[i]) i++;
    console.log(`--- ${f.via} ${f.c.name} (${f.c.view.slice(USWDS.length)}) at ${i}\nNJK:  ${JSON.stringify(a.slice(Math.max(0, i - 200), i + 300))}\nOURS: ${JSON.stringify(b.slice(Math.max(0, i - 200), i + 300))}`);
  }
  for (const f of failing) seen.add(f.c.name);
  console.log([...seen].join(' '));
}
