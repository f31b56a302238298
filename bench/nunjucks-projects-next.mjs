// Issue #25's outside check, ninth pass: hexo-theme-next 8.29.0 (NexT, the most used Hexo theme),
// its 73 layouts, partials and macros vendored unchanged under
// test/fixtures/nunjucks-projects/hexo-theme-next. Hexo renders a theme's .njk with Nunjucks
// configured `autoescape: false` (hexo/lib/plugins/renderer/nunjucks), each template given the
// page's locals and Hexo's helpers (`__`, `url_for`, `partial`, …) as functions. Here the helpers
// are written from Hexo's and NexT's own (scripts/helpers), deterministic, one set per engine: the
// same code for Nunjucks and for compat mode, `partial(name, locals)` rendering through the engine
// it was given (with the caller's context under the locals, as Hexo's partial does).
// The data: the theme's own _config.yml and languages/en.yml; every template rendered as each kind
// of page Hexo renders (index, post, page, archive, category, tag, and a `tags`/`categories`/
// `schedule` page), under the shipped config and under one with every feature's `enable` on.
// `node bench/nunjucks-projects-next.mjs` (after a build) prints the counts and what differs.
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { CUSTOM_TAGS, toCustomTags } from './nunjucks-projects-eighth.mjs';
import { judge } from './nunjucks-projects.mjs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));
export const NEXT = join(here, '../test/fixtures/nunjucks-projects/hexo-theme-next');
const SHIPPED = join(NEXT, 'layout');
export let LAYOUT = SHIPPED;
const yaml = require('js-yaml');

const walk = (d) => readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : e.name.endsWith('.njk') ? [join(d, e.name)] : []));
export const templates = () => walk(SHIPPED).map((f) => relative(SHIPPED, f).split('\\').join('/')).sort();

/** Hexo's environment for a theme (`autoescape: false`, the rest Nunjucks' defaults). */
export const OPTIONS = Object.freeze({ autoescape: false, throwOnUndefined: false, trimBlocks: false, lstripBlocks: false });

const strings = yaml.load(readFileSync(join(NEXT, 'languages/en.yml'), 'utf8'));
const lookup = (key) => String(key).split('.').reduce((o, k) => (o && typeof o === 'object' ? o[k] : undefined), strings);
/** Hexo's i18n `__`: the string by its dotted key (else the key), `%s`/`%d` filled in order (util.format). */
const format = (s, args) => {
  let i = 0;
  return s.replace(/%[sd]/g, (m) => (i < args.length ? String(args[i++]) : m));
};
const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

/** A warehouse Query as the templates use one: length, toArray(), find(), findOne(), forEach. */
function query(items) {
  return {
    length: items.length,
    data: items,
    toArray: () => items,
    find: (q) => query(items.filter((x) => Object.entries(q).every(([k, v]) => x[k] === v))),
    findOne: (q) => items.find((x) => Object.entries(q).every(([k, v]) => x[k] === v)),
    forEach: (f) => items.forEach(f),
    each: (f) => items.forEach(f),
    map: (f) => items.map(f),
    sort: () => query(items),
    filter: (f) => query(items.filter(f)),
  };
}

const day = (n) => new Date(Date.UTC(2024, 0, 1 + n * 37, 12, 30));
const iso = (d) => (d instanceof Date ? d : new Date(d ?? Date.UTC(2025, 5, 1))).toISOString();

function posts() {
  const mk = (i, extra) => ({
    title: i === 2 ? 'Tom & Jerry <b>"quoted"</b>' : `Post ${i}`,
    path: `${2024}/0${i}/post-${i}/`,
    permalink: `https://example.com/2024/0${i}/post-${i}/`,
    date: day(i),
    updated: day(i + 1),
    lang: 'en',
    source: `_posts/post-${i}.md`,
    content: `<h2 id="a${i}">Heading ${i}</h2><p>Body of post ${i} &amp; more.</p>`,
    excerpt: i === 1 ? `<p>Excerpt ${i}</p>` : '',
    description: i === 3 ? 'A description' : '',
    categories: query([{ name: 'Notes', path: 'categories/Notes/' }]),
    tags: query(i === 1 ? [] : [{ name: 'njk', path: 'tags/njk/' }, { name: 'hexo', path: 'tags/hexo/' }]),
    sticky: i === 1 ? 1 : 0,
    ...extra,
  });
  return [mk(1, { link: 'https://elsewhere.example/x' }), mk(2, { photos: ['/a.png', '/b.png'] }), mk(3, { direction: 'RTL', header: true, toc: { enable: true, number: true, max_depth: 3 } })];
}

/** Every `enable` in the config on, and each off feature's flag true (the "all on" site). */
function allOn(v) {
  if (Array.isArray(v)) return v.map(allOn);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, k === 'enable' || (x === false && k !== 'minify') ? true : allOn(x)]));
  return v;
}

/** NexT's scripts/events/lib/navigation.js: the menu config as a tree (`main_menu`) and a Map by path (`menu_map`). */
class TreeNode {
  constructor(parent, path, name, icon) {
    if (parent && !path.startsWith('http')) path = join(parent.path, path).split('\\').join('/');
    this.parent = parent;
    this.children = [];
    this.path = path;
    this.name = name;
    this.icon = icon;
  }
  append(child) {
    this.children.push(child);
  }
}
function navigation(menu) {
  const menu_map = new Map();
  const main_menu = [];
  const parse = (m, parent) => {
    for (const [name, value] of Object.entries(m ?? {})) {
      if (name.toLowerCase() === 'default') continue;
      const spec = typeof value === 'string' ? value : typeof value === 'object' && typeof value.default === 'string' ? value.default : undefined;
      if (spec === undefined) continue;
      const [path, icon] = spec.split('||').map((v) => v.trim());
      const node = new TreeNode(parent, path, name, icon);
      if (typeof value === 'object') parse(value, node);
      menu_map.set(node.path, node);
      if (parent) parent.append(node);
      else main_menu.push(node);
    }
  };
  parse(menu);
  return { menu_map, main_menu };
}

function theme(on) {
  const t = yaml.load(readFileSync(join(NEXT, '_config.yml'), 'utf8'));
  const base = on ? allOn(t) : t;
  // (what NexT's own scripts add to the theme config at build time: events/lib/navigation.js, injects.js, config.js)
  if (on) base.menu = { home: '/ || fa fa-home', about: '/about/ || fa fa-user', tags: '/tags/ || fa fa-tags', archives: '/archives/ || fa fa-archive', schedule: { default: '/schedule/ || fa fa-calendar', week: 'week/ || fa fa-calendar-week', 'Tom & <Jerry>': 'https://example.org/ || fa fa-link' } };
  Object.assign(base, navigation(base.menu));
  base.injects = Object.fromEntries(['head', 'header', 'sidebar', 'postMeta', 'postBodyStart', 'postBodyEnd', 'footer', 'bodyEnd', 'comment'].map((p) => [p, []]));
  base.vendors = { internal: 'local', plugins: 'cdnjs', custom_cdn_url: '', anime: { url: '/lib/anime.js' }, fontawesome: { url: '/lib/fa.css' } };
  base.comments = { ...base.comments, storage: true, activeClass: 'disqus', nav: on ? { disqus: { order: 1 }, gitalk: { order: 2 } } : null };
  base.cache = { enable: false };
  if (on) {
    base.reward = { wechatpay: '/images/wechatpay.png', alipay: '/images/alipay.png' };
    base.follow_me = { WeChat: '/images/wechat_channel.jpg', RSS: '/atom.xml' };
    base.social = { GitHub: 'https://github.com/x || fab fa-github', 'E-Mail': 'mailto:x@example.com || fa fa-envelope' };
    base.links = { Title: 'https://example.com/' };
    base.creative_commons = { ...base.creative_commons, license: 'by-nc-sa', sidebar: true, post: true };
  }
  return base;
}

/** Hexo's and NexT's helpers, as functions of one engine's render (for `partial`). */
export function helpers(renderWith) {
  const url_for = (p = '/') => (/^(https?:)?\/\//.test(String(p)) ? String(p) : '/' + String(p).replace(/^\//, ''));
  return {
    __: (key, ...args) => format(typeof lookup(key) === 'string' ? lookup(key) : String(key), args),
    _p: (key, n) => {
      const v = lookup(key);
      const s = typeof v === 'string' ? v : v ? (n === 0 && v.zero) || (n === 1 && v.one) || v.other : key;
      return format(String(s), [n]);
    },
    url_for,
    full_url_for: (p) => 'https://example.com' + url_for(p),
    // (Hexo's partial: the view's locals under the given ones)
    partial(name, locals = {}) {
      return renderWith(name, { ...this.ctx, ...locals });
    },
    date: (d, fmt) => (d === null || d === undefined ? '2025' : fmt === 'YYYY' ? iso(d).slice(0, 4) : fmt === 'MM-DD' ? iso(d).slice(5, 10) : iso(d).slice(0, 10)),
    time: (d) => iso(d).slice(11, 19),
    full_date: (d) => iso(d).replace('T', ' ').slice(0, 19),
    moment: (d) => ({ format: (f) => `${iso(d)}|${f}`, toISOString: () => iso(d) }),
    escape_html: esc,
    strip_html: (s) => String(s ?? '').replace(/<[^>]*>/g, ''),
    is_home() {
      return !!this.ctx.page?.__index;
    },
    is_archive() {
      return !!this.ctx.page?.archive;
    },
    is_page() {
      return !!this.ctx.page?.__page;
    },
    is_post() {
      return !!this.ctx.page?.__post;
    },
    next_url: (path, text, opts = {}) => `<a href="${url_for(path)}"${Object.entries(opts).map(([k, v]) => ` ${k}="${v}"`).join('')}>${text}</a>`,
    next_js: (file, o = {}) => `<script ${o.pjax ? 'data-pjax ' : ''}${o.module ? 'type="module" ' : ''}src="/js/${file}"${o.async ? ' async' : ' defer'}></script>`,
    next_vendors: (name) => `<script src="/lib/${name}.js" defer></script>`,
    js_vendors: () => '<script src="/lib/vendors.js"></script>',
    next_data: (name, ...data) => `<script class="next-config" data-name="${name}" type="application/json">${JSON.stringify(data.length === 1 ? data[0] : Object.assign({}, ...data)).replace(/</g, '\\u003c')}</script>`,
    next_pre: () => '',
    next_font: () => '<link rel="stylesheet" href="https://fonts.example/css">',
    next_config: () => '<script class="next-config" data-name="main">{}</script>',
    next_config_unique: () => '<script class="next-config" data-name="page">{}</script>',
    next_inject(point) {
      return (this.ctx.theme?.injects?.[point] ?? []).map((i) => renderWith(i.layout, { ...this.ctx, ...i.locals })).join('');
    },
    next_menu: (path) => `<nav data-path="${path}"></nav>`,
    next_paginator: () => '<nav class="pagination"><span class="page-number current">1</span></nav>',
    post_gallery: (photos) => (photos?.length ? `<div class="post-gallery">${photos.map((p) => `<img src="${p}">`).join('')}</div>` : ''),
    post_edit: (src) => (src ? `<a class="post-edit-link" href="https://github.com/x/edit/${src}"></a>` : ''),
    open_graph: (o) => `<meta property="og:type" content="website"${o ? ' data-options' : ''}>`,
    language_name: (l) => ({ en: 'English', 'zh-CN': '简体中文' })[l] ?? l,
    i18n_path: (l) => `/${l}/`,
    toc: (content, o) => `<ol class="${o?.class}" data-depth="${o?.max_depth}">${(String(content).match(/<h\d[^>]*>.*?<\/h\d>/g) ?? []).length}</ol>`,
    tagcloud: () => '<a href="/tags/njk/">njk</a>',
    list_categories: () => '<ul class="category-list"><li>Notes</li></ul>',
    post_count: (y) => (y === 2024 ? 3 : 0),
    related_posts: () => '<div class="related-posts"></div>',
    symbolsCount: (p) => String(p?.content?.length ?? 0),
    symbolsCountTotal: () => '1k',
    symbolsTime: (p, awl, wpm, suffix) => `1 ${suffix}`,
    symbolsTimeTotal: (s, awl, wpm, suffix) => `3 ${suffix}`,
    gitalk_md5: (p) => `md5(${p})`,
    meta_generator: () => '<meta name="generator" content="Hexo 7.3.0">',
    css: (p) => `<link rel="stylesheet" href="${url_for(p)}">`,
    js: (p) => `<script src="${url_for(p)}"></script>`,
  };
}

const PAGE_KINDS = ['index', 'post', 'page', 'archive', 'category', 'tag', 'tags-page', 'schedule-page'];

/** The locals Hexo gives a page of `kind` (what its generators and NexT's filters set). */
function locals(kind, on) {
  const all = posts();
  const t = theme(on);
  const config = {
    title: 'A Hexo <site>', subtitle: 'Sub & title', description: 'Site description', author: 'Jane "J" Doe', language: on ? ['en', 'zh-CN'] : 'en',
    url: 'https://example.com', root: '/', permalink: ':year/:month/:title/', archive_dir: 'archives', category_dir: 'categories', tag_dir: 'tags',
    date_format: 'YYYY-MM-DD', meta_generator: true, symbols_count_time: { symbols: true, time: true, total_symbols: true, total_time: true, awl: 4, wpm: 275 },
  };
  const site = { posts: query(all), pages: query([{ type: 'tags', path: 'tags/index.html' }, { type: 'categories', path: 'categories/index.html' }]), categories: query([{ name: 'Notes', path: 'categories/Notes/', length: 3 }]), tags: query([{ name: 'njk' }, { name: 'hexo' }]), data: {} };
  const base = { title: 'Page <title>', lang: 'en', path: 'index.html', permalink: 'https://example.com/', comments: on, toc: { enable: on, number: true, max_depth: 6 }, content: '<h2>A</h2><p>x</p>', source: 'about/index.md', type: undefined };
  const page = {
    index: { ...base, __index: true, posts: query(all), current: 1, total: 2, prev: 0, next: 2, base: '/', prev_link: '', next_link: 'page/2/' },
    post: { ...all[2], __post: true, prev: all[1], next: all[0], related_posts: on ? ['a', 'b'] : [], copyright_reprint: on, mathjax: on, quicklink: { enable: on }, embedding_vector: on ? [0.1, 0.2] : undefined },
    page: { ...base, __page: true, path: 'about/index.html', description: 'About & more', author: 'A. Author' },
    archive: { ...base, archive: true, posts: query(all), year: 2024, month: undefined, path: 'archives/index.html' },
    category: { ...base, category: 'Notes', posts: query(all), path: 'categories/Notes/index.html' },
    tag: { ...base, tag: 'njk', posts: query(all.slice(1)), path: 'tags/njk/index.html' },
    'tags-page': { ...base, __page: true, type: 'tags', path: 'tags/index.html' },
    'schedule-page': { ...base, __page: true, type: 'schedule', path: 'schedule/index.html' },
  }[kind];
  return {
    page, site, config, theme: t, url: `https://example.com/${page.path}`, path: page.path,
    title: config.title, subtitle: config.subtitle, description: config.description, author: config.author,
    next_version: '8.29.0', is_index: kind === 'index', post: page.__post ? page : all[0],
    // (the names NexT's partials are given by their callers: a post's macro, the sidebar's, the comments')
    display_toc: on, popular_posts: on ? [{ title: 'Popular', path: '/p/', date: day(4) }] : [],
  };
}

/** Every template as each kind of page, under the shipped config and with everything on. */
/** The kinds of page a top-level layout is rendered as (the partials and `_layout.njk`: every kind). */
const KINDS_OF = { 'index.njk': ['index'], 'post.njk': ['post'], 'page.njk': ['page', 'tags-page', 'schedule-page'], 'archive.njk': ['archive'], 'category.njk': ['category'], 'tag.njk': ['tag'] };

/**
 * Every template as each kind of page, under the shipped config and with everything on; one in a
 * subfolder twice: from the layout folder's environment (as an `include` reaches it) and from its
 * own folder's (as `partial` renders it).
 */
export function cases() {
  const out = [];
  for (const template of templates()) {
    for (const from of template.includes('/') ? ['layout', 'folder'] : ['layout']) {
      for (const on of [false, true]) {
        for (const kind of KINDS_OF[template] ?? PAGE_KINDS) out.push({ name: `${template} ${kind}${on ? ' (all on)' : ''}${from === 'folder' ? ' as a partial' : ''}`, template, from, ctx: locals(kind, on) });
      }
    }
  }
  return out;
}

/**
 * Hexo compiles each view with an environment whose one search path is the view's own folder
 * (`nunjucks.configure(dirname(path))`): so one environment per folder here, for each engine.
 * `render(name, ctx)` renders a template named from the layout folder, as `partial` is.
 */
function perFolder(make) {
  const byDir = new Map();
  return (name, ctx, from = 'folder') => {
    const file = join(LAYOUT, name);
    const dir = from === 'layout' ? LAYOUT : dirname(file);
    if (!byDir.has(dir)) byDir.set(dir, make(dir));
    return byDir.get(dir)(file.slice(dir.length + 1), ctx);
  };
}

/** Nunjucks 3.2.4, Kida's Environment (render, renderStream, renderAsync) and kida/nunjucks, each with its own helpers. */
export async function engines(options = OPTIONS) {
  // (custom tag syntax: the layouts rewritten to it in a folder of their own, and the options naming it)
  LAYOUT = SHIPPED;
  if (options.tags) {
    LAYOUT = mkdtempSync(join(tmpdir(), 'kida-next-'));
    for (const t of templates()) {
      mkdirSync(dirname(join(LAYOUT, t)), { recursive: true });
      writeFileSync(join(LAYOUT, t), toCustomTags(readFileSync(join(SHIPPED, t), 'utf8')));
    }
  }
  const kidaTags = options.tags ? { ...CUSTOM_TAGS } : {};
  const { tags: _, ...kidaOptions } = options;
  const nunjucks = require('nunjucks');
  const { Environment, FileSystemLoader } = await import(join(here, '../dist/compiler/environment.js'));
  const api = (await import(join(here, '../dist/adapters/nunjucks.js'))).default;
  const njk = perFolder((dir) => {
    const e = new nunjucks.Environment(new nunjucks.FileSystemLoader(dir), { ...options });
    for (const [k, f] of Object.entries(helpers(njk))) e.addGlobal(k, f);
    return (n, c) => e.render(n, c);
  });
  const viaApi = perFolder((dir) => {
    const e = api.configure(dir, { ...options });
    for (const [k, f] of Object.entries(helpers(viaApi))) e.addGlobal(k, f);
    return (n, c) => e.render(n, c);
  });
  const kida = (how) => {
    const render = perFolder((dir) => {
      const e = new Environment({ loader: new FileSystemLoader([dir]), compat: 'nunjucks', globals: helpers(render), ...kidaOptions, ...kidaTags });
      return (n, c) => how(e.getTemplate(n), c);
    });
    return render;
  };
  const env = kida((t, c) => t.render(c));
  // (a partial inside a streamed or async page renders synchronously, as Hexo's helpers do)
  const envStream = perFolder((dir) => {
    const e = new Environment({ loader: new FileSystemLoader([dir]), compat: 'nunjucks', globals: helpers(env), ...kidaOptions, ...kidaTags });
    return (n, c) => [...e.getTemplate(n).renderStream(c)].join('');
  });
  const envAsync = perFolder((dir) => {
    const e = new Environment({ loader: new FileSystemLoader([dir]), compat: 'nunjucks', globals: helpers(env), ...kidaOptions, ...kidaTags });
    return (n, c) => e.getTemplate(n).renderAsync(c);
  });
  return {
    remove: () => LAYOUT !== SHIPPED && rmSync(LAYOUT, { recursive: true, force: true }),
    nunjucks: (c) => njk(c.template, c.ctx, c.from),
    env: (c) => env(c.template, c.ctx, c.from),
    envStream: (c) => envStream(c.template, c.ctx, c.from),
    envAsync: (c) => envAsync(c.template, c.ctx, c.from),
    api: (c) => viaApi(c.template, c.ctx, c.from),
  };
}

async function outcome(f) {
  try {
    return { out: await f() };
  } catch (e) {
    return { error: String(e?.message ?? e).split('\n')[0] };
  }
}

/** Counts per engine: equal to Nunjucks, both threw; and the cases that differ. */
export async function measure(vias = ['env', 'envStream', 'envAsync', 'api'], options = OPTIONS) {
  const e = await engines(options);
  const all = cases();
  const counts = { cases: all.length, nunjucksErrors: 0, ...Object.fromEntries(vias.map((v) => [v, { same: 0, bothThrow: 0 }])) };
  const failing = [];
  for (const c of all) {
    const want = await outcome(() => e.nunjucks(c));
    if (want.error !== undefined) counts.nunjucksErrors++;
    for (const via of vias) {
      const got = await outcome(() => e[via](c));
      if (!judge(counts, via, want, got)) failing.push({ via, c, want, got });
    }
  }
  e.remove();
  return { counts, failing };
}

/**
 * Time to render every page (each case from the layout folder, the config shipped and all on)
 * through Nunjucks and the Environment, after a warm-up, in interleaved rounds in one process;
 * returns each engine's milliseconds per round.
 */
export async function timings(rounds = 7) {
  const e = await engines();
  const all = cases().filter((c) => c.from === 'layout');
  const ok = all.filter((c) => {
    try {
      e.nunjucks(c);
      return true;
    } catch {
      return false;
    }
  });
  const ms = { nunjucks: [], env: [] };
  for (let r = 0; r < rounds + 1; r++) {
    for (const via of r % 2 ? ['env', 'nunjucks'] : ['nunjucks', 'env']) {
      const t0 = performance.now();
      for (const c of ok) e[via](c);
      if (r > 0) ms[via].push(performance.now() - t0);
    }
  }
  e.remove();
  return { pages: ok.length, ms };
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2] === '--time') {
  const { pages, ms } = await timings();
  const fmt = (xs) => `${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)} ms (median ${[...xs].sort((a, b) => a - b)[xs.length >> 1].toFixed(0)})`;
  console.log(`${pages} pages per round: Nunjucks ${fmt(ms.nunjucks)}, Environment ${fmt(ms.env)}`);
} else if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const options = process.argv[2] ? { ...OPTIONS, ...JSON.parse(process.argv[2]) } : OPTIONS;
  const { counts, failing } = await measure(undefined, options);
  console.log(JSON.stringify(counts));
  const seen = new Set();
  for (const f of failing) {
    const k = `${f.via} ${f.c.template}`;
    if (seen.has(k)) continue;
    seen.add(k);
    console.log(`--- ${f.via} ${f.c.name}\nNJK:  ${JSON.stringify(f.want.out ?? f.want.error).slice(0, 1500)}\nOURS: ${JSON.stringify(f.got.out ?? f.got.error).slice(0, 1500)}`);
  }
}
