// Issue #25's outside check: other projects' real .njk templates (npm packages, unchanged)
// rendered through Nunjucks 3.2.4 itself and through Kida's compat mode — the Environment
// (`compat: 'nunjucks'`) and `kida/nunjucks`'s `configure()` — compared byte for byte.
//   nhsuk   nhsuk-frontend: every fixture of its fixtures.json files, called as its own tests call
//           them (lib/nunjucks/index.mjs: `{% call %}` when a fixture has a callBlock) with its
//           own environment options (trimBlocks, lstripBlocks, its search paths).
//   moj, hmrc, xgovuk  @ministryofjustice/frontend, hmrc-frontend, @x-govuk/govuk-prototype-components:
//           they ship no fixtures. Each component macro is rendered with (a) every example call
//           its package ships (README ```njk blocks, prototype-kit page templates) and (b) params
//           built from the names its templates read (see `shapes`): empty, every key a string
//           with markup characters, every key true, every key a number. govuk-frontend's dist is
//           on the search path, as the packages' docs set it up.
//   dwp     @dwp/dwp-frontend: params shaped by each component's templates (it ships no examples).
//   tna     @nationalarchives/frontend: every fixture of its components' and templates' fixtures.json.
//   ons     @ons/design-system (its highcharts dependency is a stub: package.json overrides): every
//           example-*.njk as its example renderer and as its tests render it, every export of its
//           _test_examples.js called as its tests' renderComponent does, shapes, its layout.
//   hmcts, probation, kit, eleventy, onelogin  (the fourth held-out pass; devDependencies,
//           pinned) @hmcts/frontend's components; probation-search-frontend's
//           caseSearch as its service renders it; govuk-prototype-kit's layouts, views and the
//           common-templates pages; @x-govuk/govuk-eleventy-plugin's layouts on a small Eleventy
//           site; @govuk-one-login/frontend-ui's components and bases. See each entry below.
//   hmpo    (the fifth pass) hmpo-components: the render calls of its own component specs.
// `node bench/nunjucks-projects.mjs [--project p] [--list-failing] [--diff n]` (after a build).

import { readdirSync, readFileSync, existsSync, statSync, mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));
// (some packages' exports hide package.json; NJK_PROJECTS_MODULES names another node_modules
// to look in for a package not installed here, to try a project before adding it)
export const pkg = (name) => {
  const local = join(here, '../node_modules', name);
  return existsSync(local) || !process.env.NJK_PROJECTS_MODULES ? local : join(process.env.NJK_PROJECTS_MODULES, name);
};
const GOVUK = join(pkg('govuk-frontend'), 'dist');

function walk(dir, out = []) {
  for (const e of readdirSync(dir).sort()) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}
const macroName = (file) => /{%-?\s*macro\s+(\w+)/.exec(readFileSync(file, 'utf8'))?.[1];

export const PROJECTS = {
  nhsuk: (() => {
    const base = join(pkg('nhsuk-frontend'), 'dist');
    return {
      base,
      paths: [join(base, 'nhsuk/components'), join(base, 'nhsuk/macros'), join(base, 'nhsuk'), base],
      opts: { trimBlocks: true, lstripBlocks: true },
    };
  })(),
  // MoJ's filters (mojDate, …) added to the environment as its README sets it up
  moj: { base: pkg('@ministryofjustice/frontend'), paths: [pkg('@ministryofjustice/frontend'), GOVUK], opts: {}, filters: () => {
    require(join(pkg('moment'))).suppressDeprecationWarnings = true; // (its fallback parse of our made-up dates)
    return require(join(pkg('@ministryofjustice/frontend'), 'moj/filters/all.js'))();
  } },
  hmrc: { base: pkg('hmrc-frontend'), paths: [pkg('hmrc-frontend'), GOVUK], opts: {} },
  xgovuk: { base: join(pkg('@x-govuk/govuk-prototype-components'), 'src'), paths: [join(pkg('@x-govuk/govuk-prototype-components'), 'src'), GOVUK], opts: {} },
  // DWP's components, on the search paths its prototype-kit config gives (its components folder) and govuk-frontend's
  dwp: { base: join(pkg('@dwp/dwp-frontend'), 'components'), paths: [join(pkg('@dwp/dwp-frontend'), 'components'), GOVUK], opts: {} },
  // The National Archives' frontend: its package root on the search path, as its own tests render its fixtures
  tna: { base: pkg('@nationalarchives/frontend'), paths: [pkg('@nationalarchives/frontend')], opts: {} },
  // The ONS design system: its package root is the `src` its environment loads from; the filters
  // and globals its lib/create-nunjucks-environment sets up, written here from their documented
  // behaviour (tojson: JSON with <, >, &, ' as \u escapes, safe; setAttribute(s): write keys
  // into the object and return it; extend(list, x): push); isDesignSystemExample as its
  // example renderer sets it.
  ons: {
    base: pkg('@ons/design-system'), paths: [pkg('@ons/design-system')], opts: {},
    filters: (SafeString) => ({
      tojson: (v) => new SafeString(JSON.stringify(v).replace(/[<>&']/g, (c) => `\\u00${c.charCodeAt(0).toString(16)}`)),
      setAttribute: (o, k, v) => { o[k] = v; return o; },
      setAttributes: (o, more) => { for (const k in more) if (Object.hasOwn(more, k)) o[k] = more[k]; return o; },
    }),
    globals: {
      isDesignSystemExample: true,
      extend: (list, x) => { if (!Array.isArray(list)) throw new Error('extend() expects an array'); list.push(x); },
    },
  },
};

// The projects added in the fourth held-out pass (see docs/decisions.md). Each environment as
// the package's own code sets one up; filters and globals written from what they are
// documented to do (their own files import packages we do not install).
const KIT = pkg('govuk-prototype-kit');
/**
 * The kit's build (lib/build.js autoImportComponentsSync) writes each layout its config lists
 * under importNunjucksMacrosInto to a shadow folder with an import of every macro govuk-frontend's
 * config lists put before it, and puts that folder first on the search path: done the same here.
 */
function kitShadow() {
  const dir = mkdtempSync(join(tmpdir(), 'kit-shadow-'));
  if (!existsSync(join(KIT, 'govuk-prototype-kit.config.json'))) return dir;
  const macros = JSON.parse(readFileSync(join(pkg('govuk-frontend'), 'govuk-prototype-kit.config.json'), 'utf8')).nunjucksMacros;
  const imports = macros.map(({ macroName, importFrom }) => `{% from "${importFrom}" import ${macroName} %}`).join('\n');
  for (const t of JSON.parse(readFileSync(join(KIT, 'govuk-prototype-kit.config.json'), 'utf8')).importNunjucksMacrosInto) {
    const out = join(dir, relative('/lib/nunjucks', t));
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, [imports, readFileSync(join(KIT, t), 'utf8')].join('\n\n'));
  }
  return dir;
}
Object.assign(PROJECTS, {
  // @hmcts/frontend: its prototype-kit config puts `components` on the search path; it imports
  // govuk macros by their pre-dist names (`button/macro.njk`), so an app puts govuk-frontend's
  // components folder on it too, and its dist (where govuk's own `../../macros/…` land)
  hmcts: { base: join(pkg('@hmcts/frontend'), 'components'), paths: [join(pkg('@hmcts/frontend'), 'components'), join(GOVUK, 'govuk/components'), GOVUK], opts: {} },
  // @ministryofjustice/probation-search-frontend: `components` and govuk-frontend, as its README sets them up
  probation: { base: join(pkg('@ministryofjustice/probation-search-frontend'), 'components'), paths: [join(pkg('@ministryofjustice/probation-search-frontend'), 'components'), GOVUK], opts: {} },
  // govuk-prototype-kit: a new prototype's views, the kit's fallback layout, its own nunjucks
  // folder, govuk-frontend, and the common-templates and step-by-step plugins' templates (getNunjucksAppEnv's
  // order); the globals its server adds (pluginVersionSatisfies, govukRebrand, checked)
  kit: {
    base: KIT,
    paths: [join(KIT, 'prototype-starter/app/views'), join(KIT, 'lib/final-backup-nunjucks'), kitShadow(), join(KIT, 'lib/nunjucks'), GOVUK, join(pkg('@govuk-prototype-kit/common-templates'), 'templates'), join(pkg('@govuk-prototype-kit/step-by-step'), 'templates')],
    opts: {},
    // (its loader, lib/nunjucks/nunjucksLoader.js: in each search path the name, then the name
    // with the other of .html/.njk; Nunjucks and kida/nunjucks get kitLoader(), the Environment
    // and bundles this option)
    fallbackExtensions: { '.html': ['.njk'], '.njk': ['.html'] },
    filters: (SafeString) => ({
      log: (a) => new SafeString('<script>console.log(' + JSON.stringify(a, null, '\t') + ');</script>'),
      formatItems: (items = []) => (Array.isArray(items) ? items.map((item) => ({ text: item, value: item })) : []),
    }),
    globals: {
      govukRebrand: true,
      // (govuk-frontend 6.6 is installed; the templates ask only for >=6.0.0)
      pluginVersionSatisfies: (name, range) => name === 'govuk-frontend' && range === '>=6.0.0',
    },
  },
});

// @x-govuk/govuk-eleventy-plugin: its nunjucksConfig (src/nunjucks.js): its src, govuk-frontend,
// x-govuk's components; autoescape off, trimBlocks and lstripBlocks on. Its filters: those of its
// own files that import nothing outside it, loaded from them (they read `this.ctx.options`);
// the others, and Eleventy's and eleventy-navigation's, written from what they are documented to
// do (bench/nunjucks-projects-eleventy-filters.mjs).
const ELEVENTY = join(pkg('@x-govuk/govuk-eleventy-plugin'), 'src');
PROJECTS.eleventy = {
  base: ELEVENTY,
  paths: [ELEVENTY, GOVUK, join(pkg('@x-govuk/govuk-prototype-components'), 'src')],
  opts: { autoescape: false, lstripBlocks: true, trimBlocks: true },
  filters: async (SafeString) => eleventyFilters(SafeString),
};
async function eleventyFilters() {
  // (a module, so that a bundle's `filters` option can name it too: test/e2e/nunjucks-projects-more-compiled.test.ts)
  const all = await import('./nunjucks-projects-eleventy-filters.mjs');
  return Object.fromEntries(Object.entries(all).filter(([, f]) => typeof f === 'function'));
}

/**
 * An Eleventy site as the plugin's layouts see one (the data cascade: its options, `page`,
 * `collections`, a page's front matter, `content` rendered from Markdown): a home page, a page
 * in a section with pagination links, a post with authors, tags and an image, a collection page.
 */
function eleventySite() {
  const options = { url: 'https://example.gov.uk/site/', titleSuffix: 'Site & <Co>', homeKey: 'Home', header: { homepageUrl: '/', productName: 'Product <b>' }, footer: { copyright: 'crown', licence: 'ogl', meta: { items: [{ href: '/a', text: 'A & B' }] } }, icons: { shortcut: '/favicon.ico', mask: '/mask.svg', touch: '/touch.png' }, opengraphImageUrl: '/og.png', scripts: [], stylesheets: ['/extra.css'], showBreadcrumbs: true };
  const item = (url, title, nav, more = {}) => ({ url, date: new Date('2024-03-0' + (1 + url.length % 8) + 'T10:00:00Z'), data: { title, eleventyNavigation: nav, tags: ['news'], ...more }, templateContent: `<p>${title}</p>` });
  const pages = [
    item('/', 'Home', { key: 'Home' }, { order: 0 }),
    item('/guide/', 'Guide "one"', { key: 'Guide', parent: 'Home', order: 1 }),
    item('/guide/setup/', 'Set up -- now', { key: 'Setup', parent: 'Guide', order: 1 }),
    item('/guide/use/', "Use it's way", { key: 'Use', parent: 'Guide', order: 2 }),
    item('/posts/first/', 'First post...', { key: 'First', parent: 'Home', order: 3 }),
  ];
  const collections = { all: pages, navigation: pages, sitemap: pages, news: pages.slice(4), posts: pages.slice(4) };
  const content = '<p class="govuk-body">Some <strong>content</strong> & more</p>';
  return {
    home: { options, collections, page: { url: '/' }, title: 'Home', homepage: true, eleventyNavigation: { key: 'Home' }, content, description: 'A *site* -- for all' },
    'section page': { options, collections, page: { url: '/guide/setup/' }, title: 'Set up', caption: 'Guide', description: 'How to **set up**', eleventyNavigation: { key: 'Setup', parent: 'Guide' }, includeInBreadcrumbs: true, showPagination: true, sectionKey: 'Guide', content, related: { items: [{ text: 'Related <i>', href: '/r' }] }, aside: { title: 'Aside', content: 'Aside *text*' } },
    post: { options, collections, page: { url: '/posts/first/' }, title: 'First post', date: '2024-03-01', modified: '2024-03-05', author: { name: 'A. Writer', url: 'https://a.example' }, tags: ['news', 'two words'], image: { src: '/img.png', alt: 'Alt "text"', caption: 'A *caption*', opengraphImage: true }, eleventyNavigation: { key: 'First', parent: 'Home' }, content, tag: 'news' },
    collection: { options, collections, page: { url: '/posts/' }, title: 'Posts', paginationHeading: 'Latest', pagination: { items: pages.slice(1, 4), pages: [1, 2, 3], pageNumber: 1, hrefs: ['/posts/', '/posts/2/', '/posts/3/'], href: { previous: '/posts/', next: '/posts/3/' } }, content, tag: 'news', collection: { name: 'news' } },
  };
}

/** Every layout of the plugin rendered as Eleventy renders a page with it, for each page of eleventySite(), and bare. */
function eleventyCases() {
  const out = [];
  const layouts = readdirSync(join(ELEVENTY, 'layouts')).filter((f) => f.endsWith('.njk')).sort();
  for (const l of layouts) {
    out.push({ project: 'eleventy', component: `layouts/${l}`, name: 'page: bare', page: `{% extends "layouts/${l}" %}`, ctx: {} });
    for (const [name, data] of Object.entries(eleventySite()))
      out.push({ project: 'eleventy', component: `layouts/${l}`, name: `page: ${name}`, page: `{% extends "layouts/${l}" %}`, ctx: data });
  }
  return out;
}

// @govuk-one-login/frontend-ui: the search paths its README gives (the package, and its scope's
// folder for its bases' `frontend-ui/build/…` names) and govuk-frontend; the globals its README
// adds (its own addLanguageParam, contactUsUrl), and i18next's `translate` (here over the
// package's own English translations: a dotted key, else the key) as an app's middleware adds it.
const ONELOGIN = pkg('@govuk-one-login/frontend-ui');
PROJECTS.onelogin = {
  base: ONELOGIN,
  paths: [ONELOGIN, dirname(ONELOGIN), GOVUK],
  opts: {},
  filters: () => {
    const ui = require(join(ONELOGIN, 'build/cjs/backend/index.cjs'));
    const translate = (key, opts) => String(key).split('.').reduce((o, k) => (o && typeof o === 'object' ? o[k] : undefined), ui.frontendUiTranslationEn) ?? opts?.default ?? key;
    return { translate, translateToEnglish: translate, translateWithContextOrFallback: (key) => translate(key) };
  },
  globals: (() => {
    const ui = existsSync(ONELOGIN) ? require(join(ONELOGIN, 'build/cjs/backend/index.cjs')) : {};
    // (its warning for a missing URL, which the shapes leave out, kept off the output)
    const quiet = (f) => (...a) => {
      const warn = console.warn;
      console.warn = () => {};
      try {
        return f(...a);
      } finally {
        console.warn = warn;
      }
    };
    return { addLanguageParam: ui.addLanguageParam && quiet(ui.addLanguageParam), contactUsUrl: ui.contactUsUrl, MAY_2025_REBRAND_ENABLED: true };
  })(),
};

// hmpo-components (HM Passport Office's form components, an optional dependency of
// @govuk-one-login/frontend-ui, so installed with it): its test environment (hmpo-nunjucks-test's
// renderer: its components folder and govuk-frontend, trimBlocks and lstripBlocks, its own
// filters and globals) and the render calls of its own component specs (bench/nunjucks-projects-hmpo.cjs).
const HMPO = pkg('hmpo-components');
PROJECTS.hmpo = {
  base: join(HMPO, 'components'),
  paths: [join(HMPO, 'components'), GOVUK],
  opts: { trimBlocks: true, lstripBlocks: true },
  filters: () => require(join(HMPO, 'lib/filters.js')).filters,
  get globals() {
    return require(join(HMPO, 'lib/globals.js')).globals;
  },
};
function hmpoCases() {
  return require('./nunjucks-projects-hmpo.cjs')(HMPO).map((c) => ({ project: 'hmpo', component: c.spec, name: c.name, page: c.page, ctx: c.ctx }));
}

/** nhsuk-frontend's fixtures, each as its own test helper writes the calling template. */
function nhsukCases() {
  const { base } = PROJECTS.nhsuk;
  const out = [];
  for (const f of walk(join(base, 'nhsuk/components')).filter((p) => p.endsWith('fixtures.json'))) {
    const dir = dirname(f);
    const macroPath = relative(base, join(dir, 'macro.njk')).split('\\').join('/');
    const macro = macroName(join(dir, 'macro.njk'));
    for (const fx of JSON.parse(readFileSync(f, 'utf8')).fixtures) {
      const args = fx.context && Object.keys(fx.context).length ? [fx.context].flat() : [];
      const call = `${macro}(${args.map((_, i) => `arg${i}`).join(', ')})`;
      const page =
        `{% from "${macroPath}" import ${macro} -%}\n\n` +
        (fx.callBlock ? `{% call ${call} %}\n${fx.callBlock.trim()}\n{%- endcall %}` : `{{ ${call} }}`);
      out.push({ project: 'nhsuk', component: relative(join(base, 'nhsuk/components'), dir), name: fx.name, page, ctx: Object.fromEntries(args.map((a, i) => [`arg${i}`, a])) });
    }
  }
  return out;
}

/** `{{ name(…) }}` / `{% call name(…) %}…{% endcall %}` calls of the given macros in a text (balanced parentheses, strings skipped). */
export function exampleCalls(text, names) {
  const out = [];
  const re = new RegExp(`({{-?|{%-?\\s*call)\\s*(${names.join('|')})\\s*\\(`, 'g');
  for (let m; (m = re.exec(text)); ) {
    let i = re.lastIndex, depth = 1, q = null;
    for (; i < text.length && depth; i++) {
      const c = text[i];
      if (q) { if (c === '\\') i++; else if (c === q) q = null; }
      else if (c === '"' || c === "'") q = c;
      else if (c === '(') depth++;
      else if (c === ')') depth--;
    }
    const close = m[1].startsWith('{{') ? /^\s*-?}}/.exec(text.slice(i)) : /^\s*-?%}[^]*?{%-?\s*endcall\s*-?%}/.exec(text.slice(i));
    if (!close) continue;
    out.push({ macro: m[2], call: text.slice(m.index, i + close[0].length) });
    re.lastIndex = i;
  }
  return out;
}

/**
 * Params shaped by what a component's templates read: `params.a.b` paths, loops
 * (`for x in params.items` makes `items` a list of two whose elements have the fields `x.…`
 * reads; `for k, v in …` makes an object), and `set y = params.z` aliases. Source text only.
 */
export function shapes(sources, rootName = 'params') {
  const root = { kids: new Map() };
  const node = (path) => {
    let n = root;
    for (const k of path) {
      if (!n.kids.has(k)) n.kids.set(k, { kids: new Map() });
      n = n.kids.get(k);
    }
    return n;
  };
  for (const src of sources) {
    const alias = new Map([[rootName, []]]);
    const resolve = (expr) => {
      const parts = expr.split('.');
      const base = alias.get(parts[0]);
      return base && [...base, ...parts.slice(1)];
    };
    const tags = src.match(/{[{%][^]*?[%}]}/g) ?? [];
    for (const t of tags) {
      const loop = /^{%-?\s*for\s+(\w+)(?:\s*,\s*(\w+))?\s+in\s+([\w.]+)/.exec(t);
      if (loop) {
        const p = resolve(loop[3]);
        if (p) {
          const n = node(p);
          if (loop[2]) n.object = true;
          else {
            n.list = true;
            alias.set(loop[1], [...p, '[]']);
          }
        }
      }
      // (a value given to a filter that walks a list is a list)
      for (const m of t.matchAll(/([A-Za-z_][\w.]*)\s*\|\s*(?:selectattr|rejectattr|sort|batch|groupby|join)\b/g)) {
        const p = resolve(m[1]);
        if (p) node(p).list = true;
      }
      const set = /^{%-?\s*set\s+(\w+)\s*=\s*([\w.]+)\s*-?%}$/.exec(t);
      if (set && resolve(set[2])) alias.set(set[1], resolve(set[2]));
      for (const m of t.matchAll(/\b([A-Za-z_]\w*)((?:\.[A-Za-z_]\w*)+)(\s*\()?/g)) {
        const p = resolve(m[1] + m[2]);
        // (a name called anywhere, `params.attributes.items()`, is a method of the value, not a key)
        if (p) node(p.filter((k) => !/^(length|indexOf|concat|includes|join|split|trim|replace|push)$/.test(k))).method ||= !!m[3];
      }
    }
  }
  const keyed = (n) => [...n.kids.values()].some((c) => !c.method); // (methods are no keys)
  const build = (n, leaf, i) => {
    if (n.object) return { 'data-a': leaf('a', i), 'data-b': leaf('b', i) };
    if (n.list) {
      const el = n.kids.get('[]');
      return [0, 1].map((j) => (el && keyed(el) ? build(el, leaf, j) : leaf('item', j)));
    }
    if (!keyed(n)) return undefined;
    const o = {};
    for (const [k, c] of n.kids) if (k !== '[]' && !c.method) o[k] = keyed(c) || c.list || c.object ? build(c, leaf, i) : leaf(k, i);
    return o;
  };
  return {
    empty: {},
    strings: build(root, (k, i) => `${k} ${i} <b>&"'`, 0) ?? {},
    true: build(root, () => true, 0) ?? {},
    numbers: build(root, (_, i) => i + 2, 0) ?? {},
  };
}

/** MoJ, HMRC and x-govuk cases: shipped example calls, and params shaped by each component's templates. */
function componentCases(project, exampleFiles) {
  const { base } = PROJECTS[project];
  const out = [];
  const macros = walk(base).filter((p) => p.endsWith('/macro.njk'));
  const byName = new Map(macros.map((m) => [macroName(m), relative(base, m).split('\\').join('/')]));
  for (const m of macros) {
    const macro = macroName(m);
    const dir = dirname(m);
    const sources = readdirSync(dir).filter((f) => f.endsWith('.njk')).map((f) => readFileSync(join(dir, f), 'utf8'));
    for (const [variant, params] of Object.entries(shapes(sources)))
      out.push({ project, component: relative(base, dir), name: `shape: ${variant}`, page: `{% from "${byName.get(macro)}" import ${macro} -%}\n{{ ${macro}(params) }}`, ctx: { params } });
  }
  for (const file of exampleFiles)
    for (const [i, ex] of exampleCalls(readFileSync(file, 'utf8'), [...byName.keys()]).entries())
      out.push({ project, component: dirname(byName.get(ex.macro)), name: `example ${relative(base, file)} #${i + 1}`, page: `{% from "${byName.get(ex.macro)}" import ${ex.macro} -%}\n${ex.call}`, ctx: {} });
  return out;
}

/**
 * The page layouts a package ships (`{% extends %}` targets): bare, with every name the layout
 * reads (those its own imports bind left out) set to a string with markup characters, and with
 * blocks overridden using super(). Names read: the requiredContext our compiler reports.
 */
async function pageCases(project, pages) {
  const { paths } = PROJECTS[project];
  const { Environment, FileSystemLoader } = await import(join(here, '../dist/compiler/environment.js'));
  const env = new Environment({ loader: new FileSystemLoader(paths), compat: 'nunjucks' });
  const out = [];
  for (const page of pages) {
    const src = paths.map((d) => join(d, page)).filter(existsSync).map((f) => readFileSync(f, 'utf8'))[0];
    const imported = new Set([...src.matchAll(/import\s+([^%]+?)\s*(?:with(?:out)? context\s*)?-?%}/g)].flatMap((m) => m[1].split(',').map((x) => x.trim().split(/\s+as\s+/).pop())));
    const names = env.getTemplate(page).requiredContext().filter((n) => !imported.has(n) && n !== 'caller');
    const full = Object.fromEntries(names.map((n) => [n, `${n} <b>&"'`]));
    const blocks = `{% extends "${page}" %}{% block pageTitle %}Mine – {{ super() }}{% endblock %}{% block content %}<h1>{{ title }}</h1>{% endblock %}`;
    out.push({ project, component: page, name: 'page: bare', page: `{% extends "${page}" %}`, ctx: {} });
    out.push({ project, component: page, name: 'page: every name', page: `{% extends "${page}" %}`, ctx: full });
    out.push({ project, component: page, name: 'page: blocks', page: blocks, ctx: { title: 'T<' } });
  }
  return out;
}

/**
 * The National Archives' frontend ships fixtures as govuk-frontend does: each component's
 * fixtures.json (options and the expected HTML), called as govuk's are; its templates'
 * fixtures.json names a layout or partial and its context, rendered as that template.
 */
function tnaCases() {
  const base = join(PROJECTS.tna.base, 'nationalarchives');
  const out = [];
  const dir = join(base, 'components');
  for (const c of readdirSync(dir).sort()) {
    const f = join(dir, c, 'fixtures.json');
    if (!existsSync(f) || !existsSync(join(dir, c, 'macro.njk'))) continue;
    const macro = macroName(join(dir, c, 'macro.njk'));
    for (const fx of JSON.parse(readFileSync(f, 'utf8')).fixtures)
      out.push({ project: 'tna', component: c, name: fx.name, page: `{%- from "nationalarchives/components/${c}/macro.njk" import ${macro} -%}\n{{- ${macro}(params) -}}`, ctx: { params: fx.options } });
  }
  for (const fx of JSON.parse(readFileSync(join(base, 'templates/fixtures.json'), 'utf8')).fixtures)
    out.push({ project: 'tna', component: `templates/${fx.template}`, name: fx.name, page: `{% extends "nationalarchives/templates/${fx.template}" %}`, ctx: fx.options });
  return out;
}

/**
 * The ONS design system: each example-*.njk as its example renderer (lib/render-example)
 * renders it (front matter stripped; unless `layout: ~` or the example extends a layout itself,
 * its body in layout/_template.njk's `body` block) and bare, as its tests' renderTemplate does;
 * each export of its _test_examples.js files called as its tests' renderComponent calls a
 * macro; params shaped by each component's templates; the layout bare, with every name, with
 * blocks, and with a pageConfig shaped by what it reads.
 */
async function onsCases() {
  const { base } = PROJECTS.ons;
  const out = [];
  const rel = (f) => relative(base, f).split('\\').join('/');
  const files = walk(join(base, 'components'));
  for (const f of files.filter((p) => /\/example-[^/]*\.njk$/.test(p))) {
    const text = readFileSync(f, 'utf8');
    const front = /^---\r?\n([^]*?)\r?\n---\r?\n?/.exec(text);
    const body = front ? text.slice(front[0].length) : text;
    const noLayout = /^layout:\s*(~|null)\s*$/m.test(front?.[1] ?? '') || /{%-?\s*extends\b/.test(body);
    const page = noLayout ? body : `{% extends 'layout/_template.njk' %}\n{% block body %}\n<div class="ons-u-p-m">\n${body}\n</div>\n{% endblock %}\n`;
    const component = rel(dirname(f));
    out.push({ project: 'ons', component, name: `example ${rel(f)}`, page, ctx: {} });
    if (!noLayout) out.push({ project: 'ons', component, name: `example ${rel(f)} (bare)`, page: body, ctx: {} });
  }
  for (const f of files.filter((p) => p.endsWith('/_test_examples.js'))) {
    const macroFile = join(dirname(f), '_macro.njk');
    const macro = macroName(macroFile);
    for (const [k, params] of Object.entries(await import(f)))
      out.push({ project: 'ons', component: rel(dirname(f)), name: `test example ${k}`, page: `\n{% from "${rel(macroFile)}" import ${macro} %}\n{{- ${macro}(${JSON.stringify(params, null, 2)}) -}}\n`, ctx: {} });
  }
  for (const m of files.filter((p) => p.endsWith('/_macro.njk'))) {
    const macro = macroName(m);
    const sources = readdirSync(dirname(m)).filter((f) => f.startsWith('_') && f.endsWith('.njk')).map((f) => readFileSync(join(dirname(m), f), 'utf8'));
    // (a macro that calls caller() is called with a body, as its examples call it)
    const call = sources.some((src) => src.includes('caller()')) ? `{% call ${macro}(params) %}<p>Body & <b>markup</b></p>{% endcall %}` : `{{ ${macro}(params) }}`;
    for (const [variant, params] of Object.entries(shapes(sources)))
      out.push({ project: 'ons', component: rel(dirname(m)), name: `shape: ${variant}`, page: `{% from "${rel(m)}" import ${macro} -%}\n${call}`, ctx: { params } });
  }
  const layout = 'layout/_template.njk';
  out.push(...(await pageCases('ons', [layout])));
  for (const [variant, pageConfig] of Object.entries(shapes([readFileSync(join(base, layout), 'utf8')], 'pageConfig')))
    out.push({ project: 'ons', component: layout, name: `page: pageConfig ${variant}`, page: `{% extends "${layout}" %}{% block main %}<p>{{ x }}</p>{% endblock %}`, ctx: { pageConfig, x: '<&>' } });
  return out;
}

/**
 * probation-search-frontend's caseSearch as its service renders it (service/caseSearchService.js):
 * no search yet, an error, and results from its own local data (data/localData.js) with the
 * `fn` helpers its service passes (resultPath, formatDate as dd/MM/yyyy, highlight wrapping
 * each query word in a span) and its pagination util; each with and without the README's options.
 */
async function probationCases() {
  const root = pkg('@ministryofjustice/probation-search-frontend');
  const localData = require(join(root, 'data/localData.js')).default;
  const paginate = require(join(root, 'utils/pagination.js')).default;
  const security = { csrfToken: 'tok<&>', cspNonce: 'n"1' };
  const highlight = (query) => (text, should = true) => (!should || !text || !query?.trim() ? text : String(text).replace(new RegExp(`(${query.split(' ').map((w) => w.replace(/[^\w]/g, '\\$&')).join('|')})`, 'gi'), '<span class="govuk-tag--yellow">$1</span>'));
  const found = (query, content, extraColumns) => ({
    query,
    response: { content, totalElements: content.length, totalPages: 1 },
    extraColumns,
    suggestions: [{ text: 'Dow <b>', newQuery: 'Dow' }],
    pagination: paginate(1, 1, content.length, (n) => `?page=${n}`, 10),
    fn: { resultPath: (crn) => `/case/${crn}`, formatDate: (d) => (d ? d.split('-').reverse().join('/') : ''), highlight: highlight(query) },
    ...security,
  });
  const withHighlights = localData.map((r, i) => (i ? { ...r, accessDenied: false } : { ...r, highlight: { surname: ['Doe'], gender: ['Male'], 'otherIds.crn': ['A000001'] } }));
  const states = {
    'no search': security,
    error: { errorMessage: { text: 'Please enter a search term' }, query: '', ...security },
    'no results': found('Nobody', []),
    results: found('Doe', withHighlights),
    'restricted and extra columns': found('Jane', [{ ...localData[1], accessDenied: true }, localData[0]], [{ header: 'Area', value: (r) => r.offenderManagers[0].probationArea.description }, { header: 'Link', value: () => ({ html: '<a href="#">x</a>' }) }]),
  };
  const out = [];
  for (const [name, results] of Object.entries(states))
    for (const [variant, opts] of Object.entries({ '': 'id: "search"', ' (options)': 'id: "s2", resultPath: "/p/:crn", label: { text: "Find <someone>" }, hint: { text: "Hint" }, type: "text"' }))
      out.push({ project: 'probation', component: 'probation/case-search', name: `service: ${name}${variant}`, page: `{% from "probation/case-search/macro.njk" import caseSearch %}\n\n{{ caseSearch({ ${opts}, results: searchResults }) }}`, ctx: { searchResults: results } });
  return out;
}

/** The prototype kit's layouts and management views, a new prototype's pages, and the common-templates and step-by-step plugins' pages. */
async function kitCases() {
  const views = walk(join(KIT, 'lib/nunjucks')).filter((f) => f.endsWith('.njk')).map((f) => relative(join(KIT, 'lib/nunjucks'), f));
  const common = ['common-templates', 'step-by-step'].flatMap((p) => readdirSync(join(pkg(`@govuk-prototype-kit/${p}`), 'templates')).sort());
  return pageCases('kit', [...views, 'index.html', 'layouts/main.html', ...common]);
}

export async function cases(only) {
  const all = [];
  if (!only || only === 'nhsuk') all.push(...nhsukCases(), ...(await pageCases('nhsuk', ['nhsuk/template.njk'])));
  if (!only || only === 'moj') all.push(...(await pageCases('moj', ['moj/template.njk'])));
  const readmes = (p) => walk(PROJECTS[p].base).filter((f) => f.endsWith('README.md'));
  if (!only || only === 'moj') all.push(...componentCases('moj', readmes('moj')));
  if (!only || only === 'hmrc') all.push(...componentCases('hmrc', readmes('hmrc')));
  if (!only || only === 'xgovuk') {
    const kit = join(PROJECTS.xgovuk.base, 'govuk-prototype-kit/templates');
    all.push(...componentCases('xgovuk', [...readdirSync(kit).map((f) => join(kit, f)), join(PROJECTS.xgovuk.base, '../README.md')]));
  }
  if (!only || only === 'dwp') all.push(...componentCases('dwp', []));
  if (!only || only === 'tna') all.push(...tnaCases());
  if (!only || only === 'ons') all.push(...(await onsCases()));
  if (!only || only === 'hmcts') all.push(...componentCases('hmcts', readmes('hmcts')));
  if (!only || only === 'probation') all.push(...componentCases('probation', [join(PROJECTS.probation.base, '../README.md')]), ...(await probationCases()));
  if (!only || only === 'kit') all.push(...(await kitCases()));
  if (!only || only === 'onelogin') {
    const bases = walk(join(ONELOGIN, 'build/components/bases')).filter((f) => f.endsWith('.njk')).map((f) => relative(ONELOGIN, f));
    all.push(...componentCases('onelogin', [join(ONELOGIN, 'README.md')]), ...(await pageCases('onelogin', bases)));
  }
  if (!only || only === 'eleventy') all.push(...componentCases('eleventy', [join(ELEVENTY, '../README.md')]), ...eleventyCases());
  if (!only || only === 'hmpo') all.push(...hmpoCases());
  return all;
}

/** What a render gave: `{ out }`, or `{ error }` (its message on one line), sync throws and rejections alike. */
export const settle = (f) =>
  new Promise((res) => {
    try {
      Promise.resolve(f()).then((out) => res({ out }), (e) => res({ error: String(e?.message ?? e).replace(/\s+/g, ' ') }));
    } catch (e) {
      res({ error: String(e?.message ?? e).replace(/\s+/g, ' ') });
    }
  });

/**
 * A page's text rendered by Nunjucks and by each of our ways: the Environment's three entry points
 * (compat 'nunjucks') and kida/nunjucks's renderString. `c` is a case: `{ page, ctx }`.
 */
export function pageWays(njk, env, apiEnv) {
  const page = (c) => env.fromString(c.page, { name: 'page.njk' });
  return {
    nunjucks: (c) => njk.renderString(c.page, c.ctx),
    ways: {
      env: (c) => page(c).render(c.ctx),
      envStream: (c) => [...page(c).renderStream(c.ctx)].join(''),
      envAsync: (c) => page(c).renderAsync(c.ctx),
      api: (c) => apiEnv.renderString(c.page, c.ctx),
    },
  };
}

/**
 * A temporary folder (`dir`, for the caller to remove) and `importModule(source)`: the source
 * written to a file of its own and imported from there, as a bundle imports the same source, once
 * per source.
 */
export function sourceModules(prefix) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const imported = new Map();
  const importModule = (source) => {
    if (!imported.has(source)) {
      const file = join(dir, `m${imported.size}.mjs`);
      writeFileSync(file, source);
      imported.set(source, import(pathToFileURL(file).href));
    }
    return imported.get(source);
  };
  return { dir, importModule };
}

/**
 * Counts one way's outcome against Nunjucks': equal text, or a throw where Nunjucks throws. False
 * when they differ (the caller keeps the case to show).
 */
export function judge(counts, via, want, got) {
  if (want.error !== undefined && got.error !== undefined) counts[via].bothThrow++;
  else if (want.error === undefined && got.out === want.out) counts[via].same++;
  else return false;
  return true;
}

/** Prints where each of the first `n` differing cases of one way (`VIA`, default env) leaves Nunjucks' text. */
export function printDiffs(failing, n) {
  for (const f of failing.filter((f) => f.via === (process.env.VIA ?? 'env')).slice(0, n)) {
    const [a, b] = [String(f.want.out ?? f.want.error), String(f.got.out ?? f.got.error)];
    let i = 0;
    while (i < a.length && a[i] === b[i]) i++;
    const at = (t) => JSON.stringify(t.slice(Math.max(0, i - 200), i + 300));
    console.log(`--- ${f.via} ${f.project ?? ''} ${f.c.name} at ${i}\nNJK:  ${at(a)}\nOURS: ${at(b)}`);
  }
}

/** A copy of a case's data for one render: plain objects and arrays copied, functions (a service's helpers) kept. */
export function copy(v) {
  if (Array.isArray(v)) return v.map(copy);
  if (v && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, copy(x)]));
  return v;
}

function run(f) {
  try {
    return { out: f() };
  } catch (e) {
    return { error: String(e?.message ?? e).split('\n')[0] };
  }
}

/**
 * The GOV.UK Prototype Kit's loader (lib/nunjucks/nunjucksLoader.js getSource, without its file
 * watching and its look-ups relative to the working directory), a loader written for Nunjucks:
 * in each search path `x.html`, then `x.njk` (and `x.njk`, then `x.html`).
 */
export function kitLoader(paths) {
  // (Nunjucks' Loader gives the resolve() of relative names: an absolute path, which the kit's getSource reads as it is)
  const Loader = require('nunjucks').Loader.extend({
    getSource(name) {
      const [, stem, ext = '.html'] = /^(.*?)(\.[^./]*)?$/.exec(name);
      const other = ext === '.html' ? '.njk' : '.html';
      const found = (file) => ({ src: readFileSync(file, 'utf8'), path: file, noCache: false });
      if (name.startsWith('/')) for (const e of [ext, other]) if (existsSync(stem + e)) return found(stem + e);
      for (const dir of paths) for (const e of [ext, other]) if (existsSync(join(dir, stem + e))) return found(join(dir, stem + e));
      throw new Error(`template not found: ${name}`);
    },
  });
  return new Loader();
}

/** Three renderers per project: Nunjucks, Kida's Environment, kida/nunjucks. */
export async function renderers(project) {
  const { paths, opts, globals = {}, fallbackExtensions } = PROJECTS[project];
  const nunjucks = require('nunjucks');
  const { SafeString } = await import(join(here, '../dist/runtime/nunjucks/safe.js'));
  const njkFilters = (await PROJECTS[project].filters?.(nunjucks.runtime.SafeString)) ?? {};
  const filters = (await PROJECTS[project].filters?.(SafeString)) ?? {};
  // (a project whose app has its own loader: Nunjucks and kida/nunjucks get that loader, the Environment the option)
  const njk = new nunjucks.Environment(fallbackExtensions ? kitLoader(paths) : new nunjucks.FileSystemLoader(paths), { autoescape: true, ...opts });
  const { Environment, FileSystemLoader } = await import(join(here, '../dist/compiler/environment.js'));
  const env = new Environment({ loader: new FileSystemLoader(paths, { fallbackExtensions }), compat: 'nunjucks', filters, globals, ...opts });
  const api = (await import(join(here, '../dist/adapters/nunjucks.js'))).default;
  const apiEnv = fallbackExtensions ? new api.Environment(kitLoader(paths), { autoescape: true, ...opts }) : api.configure(paths, { autoescape: true, ...opts });
  for (const [k, f] of Object.entries(njkFilters)) njk.addFilter(k, f);
  for (const [k, f] of Object.entries(filters)) apiEnv.addFilter(k, f);
  for (const [k, v] of Object.entries(globals)) {
    njk.addGlobal(k, v);
    apiEnv.addGlobal(k, v);
  }
  return {
    nunjucks: (c) => njk.renderString(c.page, c.ctx),
    env: (c) => env.fromString(c.page, { name: 'page.njk' }).render(c.ctx),
    api: (c) => apiEnv.renderString(c.page, c.ctx),
  };
}

/**
 * Per project: cases, Nunjucks errors, and for each of ours: byte-identical to Nunjucks,
 * both threw, and the failing cases.
 */
export async function measure({ only, projects } = {}) {
  const results = {};
  const failing = [];
  for (const project of projects ?? Object.keys(PROJECTS)) {
    if (only && project !== only) continue;
    const r = await renderers(project);
    const counts = { cases: 0, nunjucksErrors: 0, env: { same: 0, bothThrow: 0 }, api: { same: 0, bothThrow: 0 } };
    for (const c of await cases(project)) {
      counts.cases++;
      // (each render gets its own copy of the data: a filter such as ONS's setAttributes writes into it)
      const want = run(() => r.nunjucks({ ...c, ctx: copy(c.ctx) }));
      if (want.error) counts.nunjucksErrors++;
      for (const k of ['env', 'api']) {
        const got = run(() => r[k]({ ...c, ctx: copy(c.ctx) }));
        if (want.error !== undefined && got.error !== undefined) counts[k].bothThrow++;
        else if (want.error === undefined && got.out === want.out) counts[k].same++;
        else failing.push({ via: k, c, want, got });
      }
    }
    results[project] = counts;
  }
  return { results, failing };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const only = args.includes('--project') ? args[args.indexOf('--project') + 1] : undefined;
  const { results, failing } = await measure({ only });
  for (const [p, c] of Object.entries(results)) console.log(p, JSON.stringify(c));
  if (args.includes('--list-failing')) {
    const byReason = new Map();
    for (const f of failing) {
      const k = `${f.via} ${f.c.project}/${f.c.component}: ${f.got.error ? 'ours threw: ' + f.got.error : f.want.error ? 'nunjucks threw: ' + f.want.error : 'differs'}`;
      byReason.set(k, (byReason.get(k) ?? 0) + 1);
    }
    for (const [k, n] of [...byReason].sort((a, b) => b[1] - a[1])) console.log(String(n).padStart(4), k);
  }
  if (args.includes('--diff')) {
    for (const f of failing.filter((f) => f.via === 'env').slice(0, Number(args[args.indexOf('--diff') + 1]) || 3)) {
      console.log(`--- ${f.c.project}/${f.c.component} / ${f.c.name}\n${f.c.page}\nctx ${JSON.stringify(f.c.ctx).slice(0, 300)}`);
      console.log('NJK:  ' + JSON.stringify(f.want.out ?? f.want.error) + '\nOURS: ' + JSON.stringify(f.got.out ?? f.got.error));
    }
  }
}
