// The eighth held-out pass: Eleventy sites whose templates use shortcodes, paired shortcodes,
// async shortcodes and custom tags (addNunjucksTag). Four Eleventy plugins as npm ships them, each
// with the templates it renders (its demo or examples, or its own tag templates), vendored
// unchanged under test/fixtures/nunjucks-projects/eleventy-plugin-* (SOURCES.md). Each site runs
// its own `.eleventy.js` against an eleventyConfig that collects what it registers, and the
// shortcodes and tags go on each engine as Eleventy 3 adds them (test/eleventy-shortcodes.mjs).
// A page is rendered as Eleventy builds it: front matter taken off (js-yaml, as gray-matter reads
// it), the data cascade (global data files, directory data with eleventyComputed, front matter,
// `page`, `collections`), then each layout its front matter names with the output as `content`.
// Search paths as Eleventy 3 gives Nunjucks: the includes folder, then the working folder (the
// package's root, where its demo script runs Eleventy).
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { addEleventyShortcodes, eleventyConfig } from '../test/eleventy-shortcodes.mjs';

const require = createRequire(import.meta.url);
const yaml = require('js-yaml');
const here = dirname(fileURLToPath(import.meta.url));
export const FIXTURES = join(here, '../test/fixtures/nunjucks-projects');

/** Custom tag syntax (Nunjucks' `tags` option) every project is rendered under too, its templates rewritten to it. */
export const CUSTOM_TAGS = { blockStart: '<%', blockEnd: '%>', variableStart: '<$', variableEnd: '$>', commentStart: '<#', commentEnd: '#>' };
export const toCustomTags = (src) => src.replace(/\{%/g, '<%').replace(/%\}/g, '%>').replace(/\{\{/g, '<$').replace(/\}\}/g, '$>').replace(/\{#/g, '<#').replace(/#\}/g, '#>');

const FRONT = /^---\r?\n([^]*?)\r?\n---(?:\r?\n)?/;
const walk = (dir, out = []) => {
  for (const e of readdirSync(dir).sort()) {
    const p = join(dir, e);
    if (e === 'node_modules') continue;
    if (statSync(p).isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
};
const slash = (p) => p.split('\\').join('/');

/** A fixed date for every page (Eleventy would take the file's). */
const DATE = new Date('2021-03-04T05:06:07.000Z');

/**
 * The projects: `folder` under FIXTURES, `input`/`includes` as its Eleventy run sets them,
 * `configure(root)` its config function (run against eleventyConfig()), `pages(ctx)` the cases.
 */
export const PROJECTS = {
  // @quasibit/eleventy-plugin-schema 1.14.0: its demo (`npm run demo`), shortcodes jsonLdScript/jsonLd.
  schema: {
    folder: 'eleventy-plugin-schema',
    input: 'demo',
    includes: 'demo/_includes',
    configure: async (root) => (await import(pathToFileURL(join(root, 'demo/.eleventy.js')).href)).default,
    globalData: (root) => ({ site: JSON.parse(readFileSync(join(root, 'demo/_data/site.json'), 'utf8')) }),
    directoryData: async (root) => (await import(pathToFileURL(join(root, 'demo/demo.11tydata.js')).href)).default,
  },
  // @11ty/eleventy-plugin-syntaxhighlight 5.0.2: its Nunjucks demo and test page, paired `highlight`.
  syntaxhighlight: {
    folder: 'eleventy-plugin-syntaxhighlight',
    input: '.',
    includes: '_includes',
    configure: async (root) => (config) => config.addPlugin(require(join(root, '.eleventy.js'))),
  },
  // @quasibit/eleventy-plugin-sitemap 2.2.0: its five examples, async shortcode `sitemap`.
  sitemap: {
    folder: 'eleventy-plugin-sitemap',
    input: 'examples',
    includes: 'examples/_includes',
    // (each example has its own config; the cases say which)
    configure: async () => () => {},
  },
  // eleventy-plugin-seo 0.5.2: its eight custom tags (addNunjucksTag, CallExtensionAsync) and the three
  // templates they render; pages as its README has a site write them.
  seo: {
    folder: 'eleventy-plugin-seo',
    input: '.',
    includes: '_includes',
    configure: async () => () => {},
  },
};

/** A project copied to a temporary folder with its templates' front matter taken off (optionally in CUSTOM_TAGS syntax). */
export function prepare(project, { customTags = false } = {}) {
  const spec = PROJECTS[project];
  // (inside the tree, so the plugins' own dependencies that the repository has, lodash and sax, resolve)
  const root = mkdtempSync(join(here, `../test/.tmp-11ty-${project}-`));
  cpSync(join(FIXTURES, spec.folder), root, { recursive: true });
  const front = {};
  for (const f of walk(root).filter((f) => f.endsWith('.njk') || f.endsWith('.md'))) {
    const text = readFileSync(f, 'utf8');
    const m = FRONT.exec(text);
    const body = m ? text.slice(m[0].length) : text;
    front[slash(relative(root, f))] = m ? (yaml.load(m[1]) ?? {}) : {};
    if (f.endsWith('.njk')) writeFileSync(f, customTags ? toCustomTags(body) : body);
  }
  const includes = join(root, spec.includes);
  return { root, includes, paths: [includes, root], front, remove: () => rmSync(root, { recursive: true, force: true }) };
}

/** What a site registers: its config run against an eleventyConfig (test/eleventy-shortcodes.mjs). */
export async function siteOf(project, root, configure) {
  const { config, site } = eleventyConfig();
  (configure ?? (await PROJECTS[project].configure(root)))(config);
  return site;
}

const pageOf = (file, url) => ({ url, inputPath: `./${file}`, fileSlug: file.replace(/^.*\//, '').replace(/\..*$/, ''), filePathStem: `/${file.replace(/\..*$/, '')}`, outputFileExtension: 'html', date: DATE });

/** Eleventy's data for a page: global, directory (then its eleventyComputed), front matter, page. */
async function cascade(project, prepared, file, more = {}) {
  const spec = PROJECTS[project];
  const dir = spec.directoryData ? await spec.directoryData(prepared.root) : {};
  const { eleventyComputed, ...dirData } = dir;
  const data = { ...(spec.globalData?.(prepared.root) ?? {}), ...dirData, ...prepared.front[file], ...more };
  data.page ??= pageOf(relative(spec.input, file), `/${relative(spec.input, file).replace(/(index)?\.njk$/, '').replace(/\.njk$/, '/')}`);
  data.eleventy = { version: '3.1.2', generator: 'Eleventy v3.1.2', env: { source: 'cli' } };
  for (const [k, fn] of Object.entries(eleventyComputed ?? {})) data[k] = fn(data);
  return data;
}

/** seo: the pages a site of this kind writes (README: `{% seo "" %}` before `</head>`; its other tags where a site wants them). */
export const SEO_PAGES = {
  '$head': '<!doctype html>\n<html>\n<head>\n  <meta charset="utf-8">\n  {% seo "" %}\n</head>\n<body>{{ content | safe }}</body>\n</html>\n',
  '$tags': '<title>{% pageTitle "" %}</title>\n<meta name="description" content="{% pageDescription "" %}">\n<link rel="canonical" href="{% canonicalURL "" %}">\n<meta name="robots" content="{% metaRobots "" %}">\n<meta name="author" content="{% metaAuthor "" %}">\n{% openGraph "" %}\n{% twitterCard "" %}\n',
};
/** seo: the plugin's configs (its README's examples). */
const SEO_CONFIGS = {
  readme: { title: 'Foobar Site', description: 'Lorem ipsum dolor sit amet, consectetur adipiscing elit.', url: 'https://foo.com', author: 'Jane Doe', twitter: 'username', image: 'foo.jpg' },
  options: { title: 'Foobar & Co', description: 'Café <b>menu</b>', url: 'https://foo.com', author: 'Jane "J" Doe', twitter: 'username', image: 'foo.jpg', options: { titleStyle: 'minimalistic', titleDivider: '|', imageWithBaseUrl: true, twitterCardType: 'summary_large_image', showPageNumbers: false } },
  bare: {},
};
/** seo: front matter its README lists, and pagination. */
const SEO_FRONT = {
  none: {},
  full: { title: 'Some page title', excerpt: 'Some page excerpt', author: 'Jane Doe', image: 'foo.jpg', ogtype: 'website' },
  quoted: { title: 'Tom & Jerry\'s "best" <page>', excerpt: 'Ümlauts & <tags>', author: 'O\'Brien' },
  paged: { title: 'Archive', pagination: { pageNumber: 2, size: 10, hrefs: ['/a/', '/a/2/', '/a/3/'] } },
  pagedOff: { title: 'Archive', showPageNumbers: false, pagination: { pageNumber: 1, size: 10, hrefs: ['/a/', '/a/2/'] } },
  first: { title: 'Archive', pagination: { pageNumber: 0, size: 10 } },
};

/** The seo tags for one config, as its Nunjucks engine registers them (addNunjucksTag). */
export function seoConfigure(root, configName) {
  return (config) => {
    const Config = require(join(root, 'src/Config.js'));
    const Nunjucks = require(join(root, 'src/Engines/Nunjucks.js'));
    new Nunjucks(new Config(structuredClone(SEO_CONFIGS[configName])), config);
  };
}

/** sitemap: its examples' sites (collections built as Eleventy builds them from the examples' posts and data). */
function sitemapCases(prepared) {
  const ex = (name) => join(prepared.root, 'examples', name);
  const json = (name, file) => JSON.parse(readFileSync(join(ex(name), '_data', file), 'utf8'));
  const out = [];
  const item = (url, data, file) => ({ url, date: DATE, inputPath: `./${file}`, fileSlug: file.replace(/^.*\//, '').replace(/\..*$/, ''), data, templateContent: '' });
  const mdItems = (name) =>
    Object.keys(prepared.front)
      .filter((f) => f.startsWith(`examples/${name}/`) && f.endsWith('.md'))
      .map((f) => item(`/${f.replace(/^.*\//, '').replace(/\.md$/, '')}/`, prepared.front[f], f));
  const configure = (name) => (config) => require(join(ex(name), '.eleventy.js'))(config);
  // default: its posts (one ignored) and the all collection
  out.push({ name: 'default: sitemap.njk', file: 'examples/default/sitemap.njk', configure: configure('default'), collections: () => ({ all: mdItems('default') }) });
  // data-file: a data file's items
  out.push({ name: 'data-file: sitemap.njk', file: 'examples/data-file/sitemap.njk', configure: configure('data-file'), more: { sitemapItems: json('data-file', 'sitemapItems.json') }, collections: () => ({ all: [] }) });
  // multilingual: its config's `sitemap` collection of the posts' translations
  out.push({ name: 'multilingual: sitemap.njk', file: 'examples/multilingual/sitemap.njk', configure: configure('multilingual'), collections: (site) => { const all = mdItems('multilingual'); return { all, sitemap: site.collections.sitemap({ getAll: () => all }) }; } });
  // pagination / paginated-archive: the paginated posts page (each page), then the sitemap of all
  for (const [name, size, alias] of [['pagination', 1, 'post'], ['paginated-archive', 3, 'postsPage']]) {
    const posts = json(name, 'posts.json');
    const chunks = [];
    for (let i = 0; i < posts.length; i += size) chunks.push(posts.slice(i, i + size));
    const hrefs = chunks.map((c, i) => (size === 1 ? `${c[0].url}/` : `/posts/${i > 0 ? `/${i + 1}` : ''}/`));
    const pages = chunks.map((c, i) => ({
      pagination: { data: 'posts', size, alias, items: c, pageNumber: i, hrefs, href: { previous: hrefs[i - 1], next: hrefs[i + 1], first: hrefs[0], last: hrefs[hrefs.length - 1] }, pages: chunks },
      [alias]: size === 1 ? c[0] : c,
      posts,
    }));
    const all = () => pages.map((p, i) => item(hrefs[i], { ...p }, `examples/${name}/posts.njk`));
    pages.forEach((p, i) => out.push({ name: `${name}: posts.njk page ${i + 1}`, file: `examples/${name}/posts.njk`, configure: configure(name), more: p, url: hrefs[i], collections: () => ({ all: all() }) }));
    out.push({ name: `${name}: sitemap.njk`, file: `examples/${name}/sitemap.njk`, configure: configure(name), more: { posts }, collections: () => ({ all: all() }) });
  }
  return out;
}

/**
 * Every case of a project: `{ name, template, data, configure }` (`template` a name on the search
 * paths, or `$name` for a page of SEO_PAGES; `configure` the site's config when it is the case's own).
 */
export async function cases(project, prepared) {
  const spec = PROJECTS[project];
  const out = [];
  if (project === 'seo') {
    for (const configName of Object.keys(SEO_CONFIGS))
      for (const [frontName, front] of Object.entries(SEO_FRONT))
        for (const template of Object.keys(SEO_PAGES)) {
          const data = { ...front, page: pageOf('about/index.md', '/about/'), content: '<p>About</p>' };
          out.push({ name: `${configName}/${frontName}: ${template}`, template, data, configure: seoConfigure(prepared.root, configName) });
        }
    return out;
  }
  if (project === 'sitemap') {
    for (const c of sitemapCases(prepared)) {
      const site = await siteOf(project, prepared.root, c.configure);
      const data = await cascade(project, prepared, c.file, { ...(c.more ?? {}), collections: c.collections(site) });
      if (c.url) data.page = pageOf(relative('examples', c.file), c.url);
      out.push({ name: c.name, template: c.file, data, configure: c.configure });
    }
    return out;
  }
  const files = Object.keys(prepared.front).filter((f) => f.endsWith('.njk') && !f.startsWith(`${spec.includes}/`) && (spec.input === '.' || f.startsWith(`${spec.input}/`)));
  const all = [];
  for (const file of files) all.push({ file, data: await cascade(project, prepared, file) });
  const collections = { all: all.map(({ file, data }) => ({ url: data.page.url, date: DATE, inputPath: `./${file}`, data })) };
  for (const t of new Set(all.flatMap(({ data }) => data.tags ?? []))) collections[t] = collections.all.filter((i) => i.data.tags?.includes(t));
  for (const { file, data } of all) out.push({ name: file, template: file, data: { ...data, collections } });
  return out;
}

/** Renders a page, then its layouts, as Eleventy does; `render(name, data)` is one engine's render. */
export async function renderPage(render, prepared, project, c) {
  const spec = PROJECTS[project];
  let data = c.data;
  let out = await render(c.template, data);
  for (let layout = data.layout; layout; ) {
    const file = slash(join(spec.includes, layout));
    const own = prepared.front[file] ?? {};
    data = { ...own, ...data, content: out };
    out = await render(layout, data);
    layout = own.layout;
  }
  return out;
}

/**
 * The engines over a prepared project, with the site's shortcodes and tags added as Eleventy adds
 * them: Nunjucks 3.2.4, Kida's Environment (renderAsync, renderStreamAsync, and render where the
 * site has no async shortcode), kida/nunjucks. Each `render(name, data)` returns a promise.
 */
export async function engines(project, prepared, configure, { customTags = false } = {}) {
  const site = await siteOf(project, prepared.root, configure);
  const nunjucks = require('nunjucks');
  const tags = customTags ? { tags: CUSTOM_TAGS } : {};
  const njk = new nunjucks.Environment(new nunjucks.FileSystemLoader(prepared.paths), { ...tags });
  const api = (await import(join(here, '../dist/adapters/nunjucks.js'))).default;
  const apiEnv = new api.Environment(new api.FileSystemLoader(prepared.paths), { ...tags });
  const { Environment, FileSystemLoader } = await import(join(here, '../dist/compiler/environment.js'));
  const env = new Environment({ loader: new FileSystemLoader(prepared.paths), compat: 'nunjucks', ...(customTags ? CUSTOM_TAGS : {}) });
  for (const e of [njk, apiEnv, env]) {
    addEleventyShortcodes(e, nunjucks, site);
    for (const [n, f] of Object.entries(site.filters)) e.addFilter(n, f);
  }
  const pages = customTags ? Object.fromEntries(Object.entries(SEO_PAGES).map(([k, v]) => [k, toCustomTags(v)])) : SEO_PAGES;
  const viaCallback = (e) => (name, data) =>
    new Promise((res, rej) => {
      const cb = (err, out) => (err ? rej(err) : res(out));
      if (name.startsWith('$')) e.renderString(pages[name], data, cb);
      else e.render(name, data, cb);
    });
  const template = (name) => (name.startsWith('$') ? env.fromString(pages[name], { name: `${name.slice(1)}.njk` }) : env.getTemplate(name));
  const hasAsync = Object.keys(site.asyncShortcodes).length + Object.keys(site.pairedShortcodes).length + Object.keys(site.asyncPairedShortcodes).length + Object.keys(site.tags).length > 0;
  return {
    site,
    nunjucks: viaCallback(njk),
    api: viaCallback(apiEnv),
    env: (name, data) => template(name).renderAsync(data),
    envStream: async (name, data) => {
      let s = '';
      for await (const chunk of template(name).renderStreamAsync(data)) s += chunk;
      return s;
    },
    ...(hasAsync ? {} : { envSync: async (name, data) => template(name).render(data) }),
  };
}

/**
 * One extension of a site, for a bundle's `nunjucksExtensions` module (its default export): the
 * site's shortcode or tag `name` as Eleventy adds it (test/eleventy-shortcodes.mjs); `example`
 * names the sitemap example whose own config registers it.
 */
export async function bundleExtension(project, root, name, example) {
  const nunjucks = require('nunjucks');
  const configure = example ? (config) => require(join(root, 'examples', example, '.eleventy.js'))(config) : undefined;
  const site = await siteOf(project, root, configure);
  const exts = {};
  addEleventyShortcodes({ addExtension: (n, ext) => (exts[n] = ext) }, nunjucks, site);
  return exts[name];
}
