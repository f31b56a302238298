// The sixth held-out pass's Eleventy site: google/eleventy-high-performance-blog's templates
// (test/fixtures/nunjucks-projects/eleventy-high-performance-blog, each file's commit in its
// commits.json), rendered as Eleventy renders a site: front matter taken off, the page rendered
// with the data cascade (its metadata, collections, `page`, the front matter's own data), then
// each layout its front matter names with the output as `content` (and `layoutContent`, the name
// its older home layout reads). Search paths as Eleventy gives Nunjucks: `_includes`, then the
// input folder. Its filters: bench/nunjucks-projects-ehpb-filters.mjs; three are async
// (addNunjucksAsyncFilter: addHash, lastModifiedDate, htmlToAbsoluteUrls), so every render is
// async: Nunjucks' callback render, the Environment's renderAsync and renderStreamAsync,
// kida/nunjucks' callback render, a bundle's renderAsync and renderStreamAsync.
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));
export const SOURCE = join(here, '../test/fixtures/nunjucks-projects/eleventy-high-performance-blog');
export const ASYNC_FILTERS = ['addHash', 'lastModifiedDate', 'htmlToAbsoluteUrls'];

function walk(dir, out = []) {
  for (const e of readdirSync(dir).sort()) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}

/** The site's templates with their front matter taken off (what Eleventy gives Nunjucks), in a temporary folder; each one's layout. */
export function prepare() {
  const dir = mkdtempSync(join(tmpdir(), 'kida-ehpb-'));
  cpSync(SOURCE, dir, { recursive: true });
  const layouts = {};
  for (const f of walk(dir).filter((f) => f.endsWith('.njk'))) {
    const text = readFileSync(f, 'utf8');
    const front = /^---\r?\n([^]*?)\r?\n---\r?\n?/.exec(text);
    if (!front) continue;
    writeFileSync(f, text.slice(front[0].length));
    const layout = /^layout:\s*(\S+)\s*$/m.exec(front[1])?.[1];
    const name = relative(f.includes('/_includes/') ? join(dir, '_includes') : dir, f).split('\\').join('/');
    if (layout) layouts[name] = layout;
  }
  return { dir, paths: [join(dir, '_includes'), dir], layouts, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The site's data: its metadata, four posts in two tags, collections as Eleventy builds them. */
function site(variant) {
  const post = (n, title, tags, date, category) => ({
    url: `/posts/${n}/`, inputPath: `./posts/${n}.md`, date: new Date(date),
    data: { title, tags, category, eleventyNavigation: n === 'firstpost' ? { key: 'First <post>', order: 1 } : undefined },
    templateContent: `<h2 id="intro">${title}</h2><p>See <a href="/posts/">all &amp; more</a> and <img src="img/a.png" alt="a"></p>`,
  });
  const posts = [
    post('firstpost', 'First post: "quotes" & <b>', ['posts', 'technical'], '2020-05-01T08:00:00Z', ['seo', 'web']),
    post('secondpost', 'Second post', ['posts', 'content'], '2021-01-30T12:00:00Z', []),
    post('thirdpost', 'Third – unicode ✓', ['posts', 'technical'], '2021-06-15T00:00:00Z', ['web']),
    post('fourthpost', '', ['posts', 'content'], '2022-02-02T02:02:02Z', undefined),
  ];
  const about = { url: '/about/', inputPath: './about/index.md', date: new Date('2020-01-08T00:00:00Z'), data: { title: 'About', eleventyNavigation: { key: 'About', order: 2 } }, templateContent: '<p>About</p>' };
  const metadata = {
    title: 'High <performance> blog', url: 'https://example.com', domain: 'example.com', description: 'A blog & more', genre: 'tech',
    author: { name: 'Ann "A" Author', email: 'ann@example.com', url: 'https://example.com/about/', twitterHandle: 'ann' },
    publisher: { name: 'Pub & Co' }, timezone: 'UTC', webmaster: 'web@example.com',
    feed: { subtitle: 'Feed <sub>', filename: 'feed.xml', path: '/feed/feed.xml', url: 'https://example.com/feed/feed.xml', id: 'https://example.com/' },
    jsonfeed: { path: '/feed/feed.json', url: 'https://example.com/feed/feed.json' },
  };
  return {
    metadata, isdevelopment: variant === 'development', googleanalytics: variant === 'production' ? 'UA-1-2' : '',
    csp: { regular: "default-src 'self'; script-src 'sha256-x'" },
    collections: { all: [about, ...posts], posts, technical: posts.filter((p) => p.data.tags.includes('technical')), content: posts.filter((p) => p.data.tags.includes('content')), tagList: ['content', 'technical'] },
  };
}

/** Every page of the site as Eleventy builds it, in development and in production. */
export function cases() {
  const out = [];
  for (const variant of ['development', 'production']) {
    const data = site(variant);
    const page = (url, more = {}) => ({ page: { url, date: new Date('2020-01-08T00:00:00Z'), inputPath: `.${url}index.njk` }, ...more });
    const pages = [
      ['index.njk', page('/', { title: 'Title. Update me.', description: 'Description. Update me.', image: 'https://upload.wikimedia.org/wikipedia/en/a/a9/Example.jpg' })],
      ['archive.njk', page('/posts/')],
      ...data.collections.tagList.map((tag) => ['tags.njk', page(`/tags/${tag}/`, { tag, title: `Tagged “${tag}”` })]),
      ['tags-list.njk', page('/tags/')],
      ['feed/feed.njk', page('/feed/feed.xml')],
      ['feed/json.njk', page('/feed/feed.json')],
      ['sitemap.xml.njk', page('/sitemap.xml', { siteWideUpdate: new Date('2020-07-12T00:00:00Z') })],
      ['favicon.svg.njk', page('/favicon.svg')],
      ['feed/htaccess.njk', page('/feed/.htaccess')],
      // (a post: its Markdown rendered, then the `post` layout alias, layouts/post.njk)
      ...data.collections.posts.map((p) => ['layouts/post.njk', { page: { url: p.url, date: p.date, inputPath: p.inputPath }, title: p.data.title, tags: p.data.tags, content: p.templateContent }]),
    ];
    for (const [template, own] of pages) out.push({ name: `${variant}: ${template} ${own.page.url}`, template, data: { ...data, ...own } });
    // (its macro and its clap include, as a page of the site would use them)
    out.push({ name: `${variant}: postlist macro`, template: '$postlist', data: { ...data, ...page('/posts/secondpost/') } });
  }
  return out;
}
/** Pages a site of this kind writes around its partials (the case `template` starting with `$`). */
export const EXTRA_PAGES = {
  '$postlist': '{% import "postlist.njk" as postlist %}{{ postlist.list(collections.posts, page.url) }}{% include "clap.njk" %}',
};

/** Renders a page and then its layouts, as Eleventy does; `render(name, data)` is one engine's async render of a template. */
export async function renderPage(render, layouts, c) {
  let out = await render(c.template, c.data);
  for (let layout = layouts[c.template]; layout; layout = layouts[layout]) out = await render(layout, { ...c.data, content: out, layoutContent: out });
  return out;
}

/** The async filters in the form Eleventy's addNunjucksAsyncFilter takes (a trailing callback), as the site writes them. */
export function callbackFilters(filters) {
  return Object.fromEntries(ASYNC_FILTERS.map((n) => [n, (...args) => {
    const cb = args.pop();
    filters[n](...args).then((r) => cb(null, r), (e) => cb(e));
  }]));
}

/** Nunjucks 3.2.4, Kida's Environment and kida/nunjucks over the prepared site: `render(name, data)` each (the Environment's streamed too). */
export async function engines(paths) {
  const filters = await import('./nunjucks-projects-ehpb-filters.mjs');
  const sync = Object.fromEntries(Object.entries(filters).filter(([n]) => !ASYNC_FILTERS.includes(n)));
  const cbs = callbackFilters(filters);
  const nunjucks = require('nunjucks');
  const njk = new nunjucks.Environment(new nunjucks.FileSystemLoader(paths));
  const api = (await import(join(here, '../dist/adapters/nunjucks.js'))).default;
  const apiEnv = new api.Environment(new api.FileSystemLoader(paths));
  for (const [n, f] of Object.entries(sync)) {
    njk.addFilter(n, f);
    apiEnv.addFilter(n, f);
  }
  for (const [n, f] of Object.entries(cbs)) {
    njk.addFilter(n, f, true);
    apiEnv.addFilter(n, f, true);
  }
  const { Environment, FileSystemLoader } = await import(join(here, '../dist/compiler/environment.js'));
  const env = new Environment({ loader: new FileSystemLoader(paths), compat: 'nunjucks', filters: sync });
  for (const n of ASYNC_FILTERS) env.addFilter(n, filters[n], true);
  const viaCallback = (e) => (name, data) => new Promise((res, rej) => (name.startsWith('$') ? e.renderString(EXTRA_PAGES[name], data, (err, out) => (err ? rej(err) : res(out))) : e.render(name, data, (err, out) => (err ? rej(err) : res(out)))));
  const template = (name) => (name.startsWith('$') ? env.fromString(EXTRA_PAGES[name], { name: `${name.slice(1)}.njk` }) : env.getTemplate(name));
  return {
    nunjucks: viaCallback(njk),
    api: viaCallback(apiEnv),
    env: (name, data) => template(name).renderAsync(data),
    envStream: async (name, data) => {
      let s = '';
      for await (const chunk of template(name).renderStreamAsync(data)) s += chunk;
      return s;
    },
  };
}
