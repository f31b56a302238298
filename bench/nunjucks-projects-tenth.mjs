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
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FIXTURES } from './nunjucks-projects-sixth.mjs';
import { judge, printDiffs, settle } from './nunjucks-projects.mjs';

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
      if (!judge(counts, via, want, got)) failing.push({ via, c, want, got });
    }
  }
  return { counts, failing };
}

// ---------------------------------------------------------------------------------------------
// eleventy-base-blog 5.0.2 (npm: a blog built on Eleventy's base blog, Eleventy 0.11 era), its 13
// templates vendored under test/fixtures/nunjucks-projects/eleventy-base-blog: every page as
// Eleventy builds it (front matter off, data cascade, pagination of tags.njk, each layout with
// the output as `content`), on the search paths Eleventy 0.11 gives Nunjucks (includes, input).
// Filters: the blog's .eleventy.js (readableDate, htmlDateString, head, min, the tagList
// collection), Eleventy's url and getPrevious/NextCollectionItem, @11ty/eleventy-plugin-rss 1.x's
// (absoluteUrl; htmlToAbsoluteUrls, an async filter; rssLastUpdatedDate, rssDate) and the
// vendored @11ty/eleventy-navigation's, written after their sources (the blog requires versions
// this repository does not have). Its one post, and three more written to reach every branch
// (tags, next/previous links, markup in titles).

export const EBB = join(FIXTURES, 'eleventy-base-blog');
const FRONT = /^---\r?\n([^]*?)\r?\n---(?:\r?\n)?/;
const EBB_DATE = new Date('2021-03-04T05:06:07.000Z');
const { DateTime } = require('luxon');

/** The posts written for the cases: dates, tags and titles that reach the templates' branches. */
const MORE_POSTS = {
  'posts/first-steps.md': { front: { title: 'First <steps> & "quotes"', description: 'A first post', date: new Date('2019-01-02'), tags: ['javascript', 'mac'], layout: 'layouts/post.njk' }, body: 'Hello <em>world</em>, see [the docs](/docs/).\n' },
  'posts/no-title.md': { front: { date: new Date('2020-06-30'), layout: 'layouts/post.njk' }, body: 'A post without a title.\n' },
  'posts/testing.md': { front: { title: 'Testing ES modules', date: new Date('2021-02-01'), tags: ['testing', 'javascript'], layout: 'layouts/post.njk' }, body: '![a](/img/a.png) and <a href="/about/">about</a>\n' },
};

/** The site's filters, for one engine: `asyncStyle` says how its async filter is written ('callback' for Nunjucks' API, 'promise' for the Environment). */
export function ebbFilters() {
  const url = (u) => (typeof u === 'string' && u.startsWith('/') && !u.startsWith('//') ? u.replace(/\/+/g, '/') : u);
  const index = (collection, page) => collection.findIndex((item) => item.inputPath === page.inputPath && item.url === page.url);
  const dateToISO = (d) => DateTime.fromJSDate(d, { zone: 'utc' }).toISO({ includeOffset: true, suppressMilliseconds: true });
  const newest = (collection) => (collection.length ? new Date(Math.max(...collection.map((item) => item.date)))
 : undefined);
  const absoluteUrl = (u, base) => {
    try {
      return new URL(u, base).toString();
    } catch {
      return u;
    }
  };
  const nav = {};
  require(join(FIXTURES, 'eleventy-navigation/.eleventy.js'))({ addFilter: (n, f) => (nav[n] = f), versionCheck() {}, getFilter: (n) => (n === 'url' ? url : undefined) });
  return {
    sync: {
      readableDate: (d) => DateTime.fromJSDate(d, { zone: 'utc' }).toFormat('dd LLL yyyy'),
      htmlDateString: (d) => DateTime.fromJSDate(d, { zone: 'utc' }).toFormat('yyyy-LL-dd'),
      head: (array, n) => (n < 0 ? array.slice(n) : array.slice(0, n)),
      min: (...numbers) => Math.min.apply(null, numbers),
      url,
      getNextCollectionItem: (collection, page) => {
        const i = index(collection, page);
        return i > -1 ? collection[i + 1] : undefined;
      },
      getPreviousCollectionItem: (collection, page) => {
        const i = index(collection, page);
        return i > 0 ? collection[i - 1] : undefined;
      },
      absoluteUrl,
      rssLastUpdatedDate: (collection) => dateToISO(newest(collection)),
      rssDate: (d) => dateToISO(d),
      ...nav,
    },
    /** rss 1.x's htmlToAbsoluteUrls: each href/src made absolute against the base (posthtml-urls, here by a scan of its two attributes). */
    htmlToAbsoluteUrls: (html, base) => Promise.resolve(html ? String(html).replace(/\b(href|src)="([^"]*)"/g, (_, a, u) => `${a}="${absoluteUrl(u, base)}"`) : ''),
  };
}

/** The site copied to a temporary folder with the front matter taken off; the pages' data and the cases. */
export function ebbSite() {
  const root = mkdtempSync(join(here, '../test/.tmp-ebb-'));
  cpSync(EBB, root, { recursive: true });
  const front = {};
  const bodies = {};
  const files = readdirSync(root, { recursive: true }).map(String).filter((f) => /\.(njk|md)$/.test(f) && !f.startsWith('node_modules'));
  for (const f of files) {
    const text = readFileSync(join(root, f), 'utf8');
    const m = FRONT.exec(text);
    front[f] = m ? (yaml.load(m[1]) ?? {}) : {};
    bodies[f] = m ? text.slice(m[0].length) : text;
    if (f.endsWith('.njk')) writeFileSync(join(root, f), bodies[f]);
  }
  for (const [f, p] of Object.entries(MORE_POSTS)) (front[f] = p.front), (bodies[f] = p.body);
  const md = require('markdown-it')({ html: true, linkify: true, typographer: true });
  const metadata = JSON.parse(readFileSync(join(root, '_data/metadata.json'), 'utf8'));
  const postsDir = JSON.parse(readFileSync(join(root, 'posts/posts.json'), 'utf8'));
  const urlOf = (f, fm) => (typeof fm.permalink === 'string' && !fm.permalink.includes('{') ? fm.permalink : `/${f.replace(/(index)?\.(njk|md)$/, '').replace(/\/?$/, '/')}`.replace(/^\/\/$/, '/'));
  const pages = Object.keys(front)
    .filter((f) => !f.startsWith('_includes/'))
    .sort()
    .map((f) => {
      const fm = f.startsWith('posts/') ? { ...front[f], tags: [...postsDir.tags, ...(front[f].tags ?? [])] } : front[f];
      const date = fm.date instanceof Date ? fm.date : EBB_DATE;
      const url = urlOf(f, fm);
      const page = { url, inputPath: `./${f}`, fileSlug: f.replace(/^.*\//, '').replace(/\..*$/, ''), outputPath: `_site${url}index.html`, date };
      return { file: f, data: { ...fm, page }, date, url, templateContent: f.endsWith('.md') ? md.render(bodies[f]) : '' };
    });
  const item = (p) => ({ url: p.url, date: p.date, inputPath: p.data.page.inputPath, outputPath: p.data.page.outputPath, fileSlug: p.data.page.fileSlug, data: p.data, templateContent: p.templateContent });
  const inCollections = pages.filter((p) => !p.data.eleventyExcludeFromCollections).sort((a, b) => a.date - b.date).map(item);
  const collections = { all: inCollections };
  for (const t of new Set(inCollections.flatMap((i) => [].concat(i.data.tags ?? [])))) collections[t] = inCollections.filter((i) => [].concat(i.data.tags ?? []).includes(t));
  // (the blog's tagList collection, as its .eleventy.js builds it)
  collections.tagList = [...new Set(inCollections.flatMap((i) => [].concat(i.data.tags ?? []).filter((t) => !['all', 'nav', 'post', 'posts'].includes(t))))];
  const cases = [];
  for (const p of pages) {
    const base = { ...p.data, metadata, collections };
    if (p.file === 'tags.njk') {
      const tags = Object.keys(collections).filter((t) => !p.data.pagination.filter.includes(t));
      for (const tag of tags) cases.push({ name: `tags.njk /tags/${tag}/`, template: p.file, data: { ...base, tag, title: `Tagged “${tag}”`, pagination: { items: [tag], pageNumber: tags.indexOf(tag) } } });
    } else if (p.file === 'page-list.njk') cases.push({ name: p.file, template: p.file, data: { ...base, entries: collections.all.slice(0, 20), pagination: { pageNumber: 0 } } });
    else if (p.file.endsWith('.md')) cases.push({ name: p.file, template: null, content: p.templateContent, data: base });
    else cases.push({ name: p.file, template: p.file, data: base });
  }
  return { root, paths: [join(root, '_includes'), root], front, cases, remove: () => rmSync(root, { recursive: true, force: true }) };
}

/** A page, then each layout its front matter names, as Eleventy renders them (`render(name, data)` one engine's). */
export async function ebbRenderPage(render, site, c) {
  let data = c.data;
  let out = c.template ? await render(c.template, data) : c.content;
  for (let layout = data.layout; layout; ) {
    const own = site.front[`_includes/${layout}`] ?? {};
    data = { ...own, ...data, layout: own.layout, content: out };
    out = await render(layout, data);
    layout = own.layout;
  }
  return out;
}

/** Nunjucks, the Environment (renderAsync, renderStreamAsync) and kida/nunjucks on the site's search paths, with its filters. */
export async function ebbEngines(site) {
  const nunjucks = require('nunjucks');
  const f = ebbFilters();
  const njk = new nunjucks.Environment(new nunjucks.FileSystemLoader(site.paths));
  const api = (await import(join(here, '../dist/adapters/nunjucks.js'))).default;
  const apiEnv = new api.Environment(new api.FileSystemLoader(site.paths));
  const { Environment, FileSystemLoader } = await import(join(here, '../dist/compiler/environment.js'));
  const env = new Environment({ loader: new FileSystemLoader(site.paths), compat: 'nunjucks' });
  // (an async filter as Nunjucks takes one: its last argument a callback)
  const callbackStyle = (fn) => (...args) => {
    const cb = args.pop();
    fn(...args).then((r) => cb(null, r), cb);
  };
  for (const e of [njk, apiEnv, env]) for (const [n, fn] of Object.entries(f.sync)) e.addFilter(n, fn);
  njk.addFilter('htmlToAbsoluteUrls', callbackStyle(f.htmlToAbsoluteUrls), true);
  apiEnv.addFilter('htmlToAbsoluteUrls', callbackStyle(f.htmlToAbsoluteUrls), true);
  env.addFilter('htmlToAbsoluteUrls', f.htmlToAbsoluteUrls, true);
  const viaCallback = (e) => (name, data) => new Promise((res, rej) => e.render(name, data, (err, out) => (err ? rej(err) : res(out))));
  return {
    nunjucks: viaCallback(njk),
    api: viaCallback(apiEnv),
    env: (name, data) => env.getTemplate(name).renderAsync(data),
    envStream: async (name, data) => {
      let s = '';
      for await (const chunk of env.getTemplate(name).renderStreamAsync(data)) s += chunk;
      return s;
    },
  };
}

/** Counts and the cases that differ, as measure() above. */
export async function ebbMeasure() {
  const site = ebbSite();
  try {
    const e = await ebbEngines(site);
    const counts = { cases: 0, nunjucksErrors: 0, ...Object.fromEntries(VIAS.map((v) => [v, { same: 0, bothThrow: 0 }])) };
    const failing = [];
    for (const c of site.cases) {
      counts.cases++;
      const want = await settle(() => ebbRenderPage(e.nunjucks, site, c));
      if (want.error !== undefined) counts.nunjucksErrors++;
      for (const via of VIAS) {
        const got = await settle(() => ebbRenderPage(e[via], site, c));
        if (!judge(counts, via, want, got)) failing.push({ via, c, want, got });
      }
    }
    return { counts, failing };
  } finally {
    site.remove();
  }
}

// ---------------------------------------------------------------------------------------------
// @uktrade/datahub-header 1.5.0 (the Department for International Trade's Data Hub header), its
// one macro vendored under test/fixtures/nunjucks-projects/uktrade/datahub-header, on the search
// path its README gives (`node_modules/@uktrade`), called as its README calls it: with SSO's
// permitted applications and each option it documents (active, fluid, domains, subNavigation,
// attributes, navigationClasses), `crmApps` limiting the CRM's apps, and markup in the data.
export const DATAHUB = join(FIXTURES, 'uktrade');
const apps = (...keys) => keys.map((key) => ({ key, name: key }));
const DH_CALLS = {
  'README: permitted applications only': ['{{ datahubHeader( user.permitted_applications ) }}', { user: { permitted_applications: apps('datahub-crm', 'find-exporters', 'market-access') } }],
  'no permitted applications': ['{{ datahubHeader( [] ) }}', {}],
  'undefined applications, no params': ['{{ datahubHeader( user.permitted_applications ) }}', {}],
  'CRM only, active companies, fixed width': ['{{ datahubHeader( apps, { active: "datahub-companies", fluid: false } ) }}', { apps: apps('datahub-crm') }],
  'crmApps limit, support active': ['{{ datahubHeader( apps, { crmApps: ["datahub-companies", "datahub-orders"], active: "datahub-support" } ) }}', { apps: apps('datahub-crm', 'market-access') }],
  'every option': [
    '{{ datahubHeader( apps, params ) }}',
    {
      apps: apps('datahub-crm', 'find-exporters', 'market-access', 'unknown'),
      params: {
        active: 'market-access', fluid: true, signout: '/out?a=1&b=2',
        domains: { datahub: 'https://dh.example/<x>/', mi: 'https://mi.example/', findExporters: 'https://fe.example/?q="1"', marketAccess: 'https://ma.example/', dataWorkspaceDomain: 'https://dw.example/' },
        user: { name: 'Ann <O\'Hara>' },
        subNavigation: [{ text: 'Overview & more', href: '/a?x=1&y=2', active: true }, { text: '<b>Second</b>', href: '/b' }, { text: 'Third' }],
        attributes: { 'data-x': 'a"b', id: 'hdr' },
        navigationClasses: 'nav--one nav--two',
      },
    },
  ],
  'strings where lists are read': ['{{ datahubHeader( "datahub-crm", { crmApps: "datahub-companies datahub-events", subNavigation: "ab" } ) }}', {}],
};
export function datahubCases() {
  return Object.entries(DH_CALLS).map(([name, [call, ctx]]) => ({ name, page: `{% from 'datahub-header/component/header.njk' import datahubHeader %}\n${call}`, ctx }));
}

/** Nunjucks, the Environment (render, renderStream, renderAsync) and kida/nunjucks, configured as its README has it. */
export async function datahubMeasure() {
  const nunjucks = require('nunjucks');
  const njk = new nunjucks.Environment(new nunjucks.FileSystemLoader([DATAHUB]), { autoescape: true });
  const api = (await import(join(here, '../dist/adapters/nunjucks.js'))).default;
  const apiEnv = api.configure([DATAHUB], { autoescape: true });
  const { Environment, FileSystemLoader } = await import(join(here, '../dist/compiler/environment.js'));
  const env = new Environment({ loader: new FileSystemLoader([DATAHUB]), compat: 'nunjucks' });
  const ways = {
    env: (c) => env.fromString(c.page, { name: 'page.njk' }).render(c.ctx),
    envStream: (c) => [...env.fromString(c.page, { name: 'page.njk' }).renderStream(c.ctx)].join(''),
    envAsync: (c) => env.fromString(c.page, { name: 'page.njk' }).renderAsync(c.ctx),
    api: (c) => apiEnv.renderString(c.page, c.ctx),
  };
  const counts = { cases: 0, nunjucksErrors: 0, ...Object.fromEntries(Object.keys(ways).map((v) => [v, { same: 0, bothThrow: 0 }])) };
  const failing = [];
  for (const c of datahubCases()) {
    counts.cases++;
    const want = await settle(() => njk.renderString(c.page, _.cloneDeep(c.ctx)));
    if (want.error !== undefined) counts.nunjucksErrors++;
    for (const [via, render] of Object.entries(ways)) {
      const got = await settle(() => render({ ...c, ctx: _.cloneDeep(c.ctx) }));
      if (!judge(counts, via, want, got)) failing.push({ via, c, want, got });
    }
  }
  return { counts, failing };
}

if (process.argv[1] === fileURLToPath(import.meta.url) && (process.argv[2] === 'ebb' || process.argv[2] === 'datahub')) {
  const { counts, failing } = process.argv[2] === 'ebb' ? await ebbMeasure() : await datahubMeasure();
  console.log(JSON.stringify(counts));
  printDiffs(failing, Number(process.argv[3] ?? 3));
} else if (process.argv[1] === fileURLToPath(import.meta.url)) {
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
