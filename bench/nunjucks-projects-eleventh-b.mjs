// Issue #25's outside check, the eleventh pass, part B (apps and sites): three held-out projects
// vendored unchanged under test/fixtures/nunjucks-projects/ (SOURCES.md), each rendered the way its
// own code renders it, against Nunjucks 3.2.4, through the Environment (render, renderStream,
// renderAsync) and kida/nunjucks:
// - hmpps: the Ministry of Justice's Express app template (hmpps-template-typescript): its views
//   (pages extending a layout that extends govuk-frontend's template, a header partial with a
//   govuk-frontend macro, a form step with the error summary), rendered as `res.render(view, data)`
//   renders them: app.locals, res.locals and the route's data merged, its search paths, its two filters;
//   and through Express itself (kida/nunjucks as its view engine, `app.render`).
// - formio: formio-workers 1.21.5, Form.io's email rendering service: its macro library (table.html,
//   value.html, newlines removed, prepended to every template), autoescape off, its filters and the
//   context functions its worker adds; each email's subject and html rendered as its worker script
//   renders them (the html twice: the first output is rendered again).
// - jumpstart: an Eleventy starter (11ty-netlify-jumpstart): its home page then its layout, as
//   Eleventy builds a page (front matter off, `content` into the layout), its `year` shortcode as
//   Eleventy adds it, Eleventy's `url` filter, its `slug`/`jsonTitle` filters, its generated
//   pages.json and social-preview templates.
//
//   node bench/nunjucks-projects-eleventh-b.mjs [hmpps|formio|jumpstart] [n]   prints the counts and the first differences
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FIXTURES } from './nunjucks-projects-sixth.mjs';
import { judge, pkg, printDiffs, settle, sourceModules } from './nunjucks-projects.mjs';
import { addEleventyShortcodes, shortcodeExtension } from '../test/eleventy-shortcodes.mjs';

const require = createRequire(import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));
const _ = require('lodash');

// ---------------------------------------------------------------------------------------------
// hmpps-template-typescript: server/utils/nunjucksSetup.ts
export const HMPPS = join(FIXTURES, 'hmpps-template-typescript');
const HMPPS_PATHS = [join(HMPPS, 'server/views'), join(pkg('govuk-frontend'), 'dist'), pkg('@ministryofjustice/frontend')];
/**
 * Its two filters as a module (the Environment imports it; a bundle's `filters` option names it):
 * utils.ts's initialiseName, as the template's services carry it, and nunjucksSetup's assetMap over
 * an asset manifest (the app reads assets/manifest.json; empty when missing).
 */
const MANIFEST = { '/assets/css/app.css': '/assets/css/app.3f2a.css', '/assets/js/app.js': '/assets/js/app.js?v=<1>&x="2"' };
const HMPPS_FILTERS = `export const initialiseName = (fullName) => {
  // this check is for the authError page
  if (!fullName) return null;
  const array = fullName.split(' ');
  return \`\${array[0][0]}. \${array.reverse()[0]}\`;
};
const assetManifest = ${JSON.stringify(MANIFEST)};
export const assetMap = (url) => assetManifest[url] || url;
`;
const appLocals = (environmentName) => ({
  asset_path: '/assets/',
  applicationName: 'HMPPS Typescript Template',
  environmentName,
  environmentNameColour: environmentName === 'PRE-PRODUCTION' ? 'govuk-tag--green' : '',
});
const HOSTILE = `<b>O'Neil</b> & "Co"`;
/** Each view with the data its route and middleware give it (res.locals.user as setUpCurrentUser makes it). */
const HMPPS_VIEWS = {
  'home, signed out, no environment': ['pages/index', { ...appLocals(undefined), currentTime: '2026-12-07T10:00:00.000Z' }],
  'home, signed in, DEV': ['pages/index', { ...appLocals('DEV'), user: { username: 'JSMITH', displayName: 'John Smith' }, currentTime: '10:00' }],
  'home, PRE-PRODUCTION (green tag), a one-word name': ['pages/index', { ...appLocals('PRE-PRODUCTION'), user: { displayName: 'Admin' } }],
  'home, markup and quotes in every field': ['pages/index', { ...appLocals(HOSTILE), environmentNameColour: `x" onclick="y`, applicationName: HOSTILE, user: { displayName: `${HOSTILE} Smith` }, currentTime: HOSTILE }],
  'home, an empty display name (initialiseName gives null)': ['pages/index', { ...appLocals('DEV'), user: { displayName: '' } }],
  'home, an ephemeral deployment banner': ['pages/index', { ...appLocals('DEV'), deploymentName: 'feature-x', ephemeralDeploymentName: 'feature-<x>&"y"' }],
  'home, no app.locals at all': ['pages/index', {}],
  'error page (development: message, status, stack)': ['pages/error', { ...appLocals('DEV'), message: 'Not found: /a?b=<c>', status: 404, stack: `Error: <boom> & "x"\n    at f (/app/server.ts:1:2)` }],
  'error page (production: no stack)': ['pages/error', { ...appLocals('PROD'), message: 'Something went wrong. The error has been logged. Please try again', status: 500 }],
  'error page, every field missing': ['pages/error', { ...appLocals(undefined) }],
  'form step, no errors, no blocks': ['partials/forge-step', { ...appLocals('DEV'), fieldValidationErrors: [], blocks: [] }],
  'form step, errors and HTML blocks': [
    'partials/forge-step',
    { ...appLocals('DEV'), pageTitle: 'Step <1>', fieldValidationErrors: [{ text: 'Enter your <name>', href: '#name' }, { html: '<b>Date</b> must be real', href: '#date"x' }], blocks: ['<p class="govuk-body">Raw & <b>safe</b></p>', `<script>alert("x")</script>`] },
  ],
  'form step, errors missing (length of undefined)': ['partials/forge-step', { ...appLocals('DEV'), blocks: ['<p>x</p>'] }],
};
function hmppsCases() {
  return Object.entries(HMPPS_VIEWS).map(([name, [view, data]]) => ({ name, ctx: () => structuredClone(data), run: (e, ctx) => e.render(`${view}.njk`, ctx) }));
}

// ---------------------------------------------------------------------------------------------
// formio-workers 1.21.5: workers/nunjucks.js
export const FORMIO = join(FIXTURES, 'formio-workers');
const macros = require(join(FORMIO, 'workers/macros/macros.js'));
/** Its filters that need no formiojs, as a module (submissionTable and componentValue call formiojs's utilities, which are not installed: the `submission` and `value` macros that use them are left out). */
const FORMIO_FILTERS = `import { createRequire } from 'node:module';
const _ = createRequire(${JSON.stringify(import.meta.url)})('lodash');
export const is_string = (obj) => _.isString(obj);
export const is_array = (obj) => _.isArray(obj);
export const is_object = (obj) => _.isPlainObject(obj);
export const componentLabel = (key, components) => {
  if (!components.hasOwnProperty(key)) return key;
  const component = components[key];
  return component.label || component.placeholder || component.key;
};
`;
/** The context its worker renders with: the request's, plus macros, renderValue and sanitize. */
function formioContext(context) {
  context.macros = macros;
  context.renderValue = (value, data) => value.toString().replace(/{{\s*(.*?)\s*}}/g, (match, $1) => _.get(data, $1.replaceAll('?.', '.')));
  context.sanitize = (input) => input.replace(/{{(.*(\.constructor|\]\().*)}}/g, '{% raw %}{{$1}}{% endraw %}');
  return context;
}
/** getScript's two renders: a string alone; an object's properties each with the macros (`html` twice). */
async function formioRender(e, render, context) {
  if (typeof render === 'string') return e.renderString(context.sanitize(render), context);
  const rendered = {};
  for (const prop of Object.keys(render)) {
    rendered[prop] = render[prop];
    if (prop === 'html') rendered[prop] = await e.renderString(context.macros + context.sanitize(rendered[prop]), context);
    rendered[prop] = await e.renderString(context.macros + context.sanitize(rendered[prop]), context);
  }
  return JSON.stringify(rendered);
}
const contact = [
  { key: 'firstName', type: 'textfield', label: 'First name', input: true },
  { key: 'email', type: 'email', label: 'Email', input: true },
  { key: 'password', type: 'password', label: 'Password', input: true },
];
const nested = [
  ...contact,
  { key: 'panel1', type: 'panel', title: 'Your <address>', components: [{ key: 'address', type: 'address', label: 'Address' }, { key: 'notes', type: 'textarea', label: 'Notes' }] },
  { key: 'fs', type: 'fieldset', legend: 'Extras & "more"', components: [{ key: 'tags', type: 'tags', label: 'Tags' }, { key: 'grid', type: 'datagrid', label: 'Grid' }] },
  { key: 'cols', type: 'columns', columns: [{ components: [{ key: 'left', type: 'textfield', label: 'Left' }] }, { components: [{ key: 'right', type: 'number', label: 'Right' }] }] },
  { key: 'well1', type: 'well', components: [{ key: 'inWell', type: 'checkbox', label: 'In a well' }] },
];
const flat = (components) => Object.fromEntries(components.flatMap(function f(c) { return [[c.key, c], ...(c.components ?? []).flatMap(f), ...(c.columns ?? []).flatMap((col) => col.components.flatMap(f))]; }));
const EMAILS = {
  'the default email (subject and the submission table)': [
    { subject: 'New submission for {{ form.title }}.', html: '<p>Hi {{ owner.name }},</p>{{ table(form.components) }}' },
    { form: { title: 'Contact us', components: contact }, owner: { name: 'Ann' }, data: { firstName: 'Joe', email: 'joe@example.com', password: 'hunter2' } },
  ],
  'nested layout components, objects and lists in the data': [
    { subject: '{{ form.title }}: {{ data.firstName }}', html: '{{ table(form.components) }}' },
    { form: { title: 'Apply', components: nested }, data: { firstName: 'Joe', email: 'j@x.y', address: { formatted_address: '1 High St, <Town>' }, notes: 'Line 1\nLine 2', tags: ['a', 'b<c>'], grid: [{ x: 1, y: { z: 'deep' } }, { x: 2 }], left: 'L', right: 0, inWell: true } },
  ],
  "markup and quotes in every label and value (autoescape off: written as they are)": [
    { subject: `{{ form.title }} "{{ data.firstName }}"`, html: `<h1>{{ form.title }}</h1>{{ table(form.components) }}` },
    { form: { title: HOSTILE, components: contact.map((c) => ({ ...c, label: `${c.label} <${c.key}> & "'` })) }, data: { firstName: HOSTILE, email: `"<a>"@x'y`, password: '<p>' } },
  ],
  'fields missing from the data, an empty form': [
    { subject: 'Nothing in {{ form.title }}', html: '{{ table(form.components) }}<hr>{{ table([]) }}' },
    { form: { title: 'Empty', components: contact }, data: {} },
  ],
  'labels by key (componentLabel over the flattened components)': [
    { subject: '{{ label("firstName") }} and {{ label("unknown<key>") }}', html: '<ul>{% for key, value in data %}<li>{{ label(key) }}: {{ value }}</li>{% endfor %}</ul>' },
    { form: { title: 'Contact', components: nested }, components: flat(nested), data: { firstName: 'Joe', left: '<L>', unknown: 'x' } },
  ],
  'a value holding {{ }} (renderValue fills it from the data; the html rendered twice)': [
    { subject: 'Re: {{ data.subject }}', html: '{{ table(form.components) }}<p>{{ data.note }}</p>' },
    { form: { components: [{ key: 'note', type: 'textfield', label: 'Note' }, { key: 'subject', type: 'textfield', label: 'Subject' }] }, data: { note: 'see {{ subject }} and {{ missing }}', subject: 'Hello & <bye>' } },
  ],
  'a breakout attempt (sanitize wraps it in raw)': [
    { subject: '{{ data.constructor.constructor("return 1")() }}', html: '<p>{{ data.x }}</p>{{ [].constructor }}' },
    { form: { components: [] }, data: { x: 'ok' } },
  ],
  'the template as one string (no macros prepended)': [
    'Dear {{ data.firstName | default("customer") }}, {% if data.tags | is_array %}tags: {{ data.tags | join(", ") }}{% endif %}{% if data.firstName | is_string %} ({{ data.firstName | length }} letters){% endif %}',
    { data: { firstName: 'Zoë <x>', tags: ['one', '<two>'] } },
  ],
  'the template as one string, no data': ['Dear {{ data.firstName | default("customer") }}{% if data | is_object %}!{% endif %}', {}],
  'the macros themselves called from the email (dataValue, dataTable with a title)': [
    { html: '{{ dataValue({ a: [1, { b: "<b>" }], c: "x" }, data) }}{{ dataTable(form.components, data, "Title <t>") }}' },
    { form: { components: contact }, data: { firstName: 'A', email: 'b' } },
  ],
};
function formioCases() {
  return Object.entries(EMAILS).map(([name, [render, context]]) => ({ name, ctx: () => formioContext(structuredClone(context)), run: (e, ctx) => formioRender(e, render, ctx) }));
}

// ---------------------------------------------------------------------------------------------
// 11ty-netlify-jumpstart, as Eleventy 3 builds it (@11ty/eleventy's Nunjucks engine and filters)
export const JUMPSTART = join(FIXTURES, '11ty-netlify-jumpstart');
/**
 * Its `src/css/social-previews.css` is compiled from Sass at build time (not in the repository):
 * a stand-in under a folder of its own, on the loader's path after the site's, with the selectors
 * and quotes CSS has (`>`, `&`, `"`), which a set block capturing it must keep as they are.
 */
export const GENERATED = (() => {
  const dir = mkdtempSync(join(tmpdir(), 'jumpstart-generated-'));
  mkdirSync(join(dir, 'src/css'), { recursive: true });
  writeFileSync(join(dir, 'src/css/social-previews.css'), `body > header { font: 500 2rem "Baloo 2"; }\n.tdbc-ink--primary::after { content: "&"; }\n`);
  return dir;
})();
/** Eleventy's loader: the includes folder, then the working directory (the site's root). */
const JUMPSTART_PATHS = [join(JUMPSTART, 'src/_includes'), JUMPSTART, GENERATED];
/** Its filters as a module: Eleventy's `url` (its own file, the default pathPrefix "/"), and `slug` and `jsonTitle` as its .eleventy.js writes them. */
const JUMPSTART_FILTERS = `import { createRequire } from 'node:module';
import urlFilter from ${JSON.stringify(join(pkg('@11ty/eleventy'), 'src/Filters/Url.js'))};
const require = createRequire(${JSON.stringify(import.meta.url)});
const emojiRegex = require('emoji-regex');
const slugify = require('slugify');
export const url = (url, prefix) => urlFilter(url, typeof prefix === 'string' && prefix ? prefix : '/');
export const slug = (str) => {
  if (!str) return;
  const regex = emojiRegex();
  let string = str.replace(regex, '');
  return slugify(string, { lower: true, replacement: '-', remove: /[*+~·,()'"\`´%!?¿:@\\/]/g });
};
export const jsonTitle = (str) => {
  if (!str) return;
  let title = str.replace(/((.*)\\s(.*)\\s(.*))$/g, '$2&nbsp;$3&nbsp;$4');
  title = title.replace(/"(.*)"/g, '\\\\"$1\\\\"');
  return title;
};
`;
/** Its one shortcode, from its .eleventy.js. */
export const SHORTCODES = { year: () => `${new Date().getFullYear()}` };
/** The `year` shortcode as the extension object Eleventy adds (for a bundle's nunjucksExtensions). */
export const yearExtension = () => shortcodeExtension(require('nunjucks').runtime.SafeString, 'year', SHORTCODES.year);

const body = (file) => readFileSync(join(JUMPSTART, file), 'utf8').replace(/^---\n[\s\S]*?\n---\n/, '');
const meta = require(join(JUMPSTART, 'src/_data/meta.js'));
const about = { url: '/about/', data: { title: 'About', description: 'Review feature info and customization details.' } };
const siteData = (over = {}) => ({ meta: structuredClone(meta), pkg: { version: '0.3.0' }, eleventy: { generator: 'Eleventy v3.1.8' }, collections: { pages: [about], all: [{ url: '/', data: {} }, about] }, ...over });
/** A page then its layout, as Eleventy renders them: the page's body from a string, the layout by its file. */
async function withLayout(e, page, ctx) {
  const content = await e.renderString(page, ctx);
  return e.render('src/_layouts/base.njk', { ...ctx, content });
}
const markdownAbout = '<h2 id="intro-to-jumpstart">Intro to Jumpstart</h2>\n<p>This jumpstart is intended to be <em>just enough</em>.</p>\n';
const JUMPSTART_PAGES = {
  'home page in its layout': [(e, ctx) => withLayout(e, body('src/index.njk'), ctx), siteData({ page: { url: '/' } })],
  'home page, no pages in the collection': [(e, ctx) => withLayout(e, body('src/index.njk'), ctx), siteData({ collections: { pages: [], all: [] } })],
  'home page, markup and quotes in the pages and the site data': [
    (e, ctx) => withLayout(e, body('src/index.njk'), ctx),
    siteData({ meta: { ...meta, siteName: HOSTILE, siteDescription: `a "quoted" <description>`, twitterUsername: `x"y` }, collections: { pages: [{ url: '/a?b=1&c="2"', data: { title: HOSTILE, description: '<i>it</i>' } }, { url: '/no-description/', data: { title: 'Plain' } }] } }),
  ],
  'a markdown page (about) in the layout': [(e, ctx) => e.render('src/_layouts/base.njk', ctx), siteData({ ...about.data, content: markdownAbout })],
  'a page with no description and no twitter name': [(e, ctx) => e.render('src/_layouts/base.njk', ctx), siteData({ title: 'Only a title', content: '<p>x</p>', meta: { ...meta, twitterUsername: '' } })],
  'a page with markup in its title and description': [(e, ctx) => e.render('src/_layouts/base.njk', ctx), siteData({ title: HOSTILE, description: `'single' & "double"`, content: '<p>safe <b>content</b></p>' })],
  'a page with nothing: no meta, no collections': [(e, ctx) => e.render('src/_layouts/base.njk', ctx), {}],
  'pages.json over every page': [
    (e, ctx) => e.renderString(body('src/_generate/pagesjson.njk'), ctx),
    siteData({ collections: { all: [{ data: {} }, about, { data: { title: 'Say "hello" to the world' } }, { data: { title: 'One' } }, { data: { title: '🚀 Launch: day (one) & more!' } }, { data: { title: 'A <b>bold</b> four words' } }] } }),
  ],
  'pages.json, no pages': [(e, ctx) => e.renderString(body('src/_generate/pagesjson.njk'), ctx), siteData({ collections: { all: [] } })],
  'the social template (raw block)': [(e, ctx) => e.renderString(body('src/_generate/socialtemplate.njk'), ctx), siteData()],
  'the social previews page (a set block capturing an include)': [(e, ctx) => e.renderString(body('src/_generate/social-previews.njk'), ctx), siteData({ meta: { ...meta, siteName: HOSTILE } })],
  'the site nav partial': [(e, ctx) => e.render('sitenav.njk', ctx), siteData({ collections: { pages: [about, { url: '/x/"y"/', data: { title: '<Contact>' } }] } })],
};
function jumpstartCases() {
  return Object.entries(JUMPSTART_PAGES).map(([name, [run, data]]) => ({ name, ctx: () => structuredClone(data), run }));
}

// ---------------------------------------------------------------------------------------------
/** Each project: its search paths, options, filters, shortcodes and cases. */
export const ELEVENTH_B = {
  // (and through Express: `nunjucks.configure(paths, { express: app })`, views by `app.render`, as its app renders them)
  hmpps: { paths: HMPPS_PATHS, opts: { autoescape: true }, filters: HMPPS_FILTERS, cases: hmppsCases, express: true },
  formio: { paths: [], opts: { autoescape: false }, filters: FORMIO_FILTERS, cases: formioCases },
  jumpstart: { paths: JUMPSTART_PATHS, opts: {}, filters: JUMPSTART_FILTERS, shortcodes: SHORTCODES, cases: jumpstartCases },
};

/** Where the projects' filter modules are written (the test removes the folder), and their importer. */
const modules = sourceModules('eleventh-b-');
export const MODULES = modules.dir;
const importModule = modules.importModule;

/**
 * Nunjucks and our ways for one project, each an engine `{ render(name, ctx), renderString(src, ctx) }`
 * (returning a string or a promise of one), set up as the project's own code sets up Nunjucks.
 */
export async function engines(project) {
  const { paths, opts, filters: source, shortcodes, express } = ELEVENTH_B[project];
  const nunjucks = require('nunjucks');
  const njk = new nunjucks.Environment(new nunjucks.FileSystemLoader(paths), { ...opts });
  const api = (await import(join(here, '../dist/adapters/nunjucks.js'))).default;
  const apiEnv = api.configure(paths, { ...opts });
  const { Environment, FileSystemLoader } = await import(join(here, '../dist/compiler/environment.js'));
  const filters = { ...(await importModule(source)) };
  const env = new Environment({ loader: new FileSystemLoader(paths), compat: 'nunjucks', filters, ...opts });
  for (const [k, f] of Object.entries(filters)) {
    njk.addFilter(k, f);
    apiEnv.addFilter(k, f);
  }
  if (shortcodes) for (const e of [njk, apiEnv, env]) addEleventyShortcodes(e, nunjucks, { shortcodes });
  const fromString = (src) => env.fromString(src, { name: 'page.njk' });
  const join$ = async (it) => {
    let s = '';
    for await (const x of it) s += x;
    return s;
  };
  const ways = {};
  if (express) {
    // kida/nunjucks as the Express view engine: app.render merges app.locals with the view's data
    const app = require('express')();
    app.set('view engine', 'njk');
    const viewEnv = api.configure(paths, { ...opts, express: app });
    for (const [k, f] of Object.entries(filters)) viewEnv.addFilter(k, f);
    const render = (n, c) => new Promise((res, rej) => app.render(n, c, (err, html) => (err ? rej(err) : res(html))));
    ways.express = { render, renderString: () => Promise.reject(new Error('Express renders views by name')) };
  }
  return {
    nunjucks: { render: (n, c) => njk.render(n, c), renderString: (s, c) => njk.renderString(s, c) },
    ways: {
      ...ways,
      env: { render: (n, c) => env.getTemplate(n).render(c), renderString: (s, c) => fromString(s).render(c) },
      envStream: { render: (n, c) => join$(env.getTemplate(n).renderStream(c)), renderString: (s, c) => join$(fromString(s).renderStream(c)) },
      envAsync: { render: (n, c) => env.getTemplate(n).renderAsync(c), renderString: (s, c) => fromString(s).renderAsync(c) },
      api: { render: (n, c) => apiEnv.render(n, c), renderString: (s, c) => apiEnv.renderString(s, c) },
    },
  };
}

/**
 * What each case renders, recorded from Nunjucks: the templates by name and the sources by text,
 * in order (a bundle is built from them: a source is a page, a name a page including it).
 */
export async function recordCalls(project) {
  const { nunjucks } = await engines(project);
  return ELEVENTH_B[project].cases().map((c) => {
    const calls = [];
    const recorder = {
      render: (n, ctx) => (calls.push({ name: n }), nunjucks.render(n, ctx)),
      renderString: (src, ctx) => (calls.push({ src }), nunjucks.renderString(src, ctx)),
    };
    return { c, calls, done: settle(() => c.run(recorder, c.ctx())) };
  });
}

/** Per project: cases, Nunjucks' failures, and per way of ours how many equal Nunjucks byte for byte or throw as it does. */
export async function measure(projects = Object.keys(ELEVENTH_B)) {
  const results = {};
  const failing = [];
  for (const project of projects) {
    const { nunjucks, ways } = await engines(project);
    const counts = { cases: 0, nunjucksErrors: 0, ...Object.fromEntries(Object.keys(ways).map((v) => [v, { same: 0, bothThrow: 0 }])) };
    for (const c of ELEVENTH_B[project].cases()) {
      counts.cases++;
      const want = await settle(() => c.run(nunjucks, c.ctx()));
      if (want.error !== undefined) counts.nunjucksErrors++;
      for (const [via, e] of Object.entries(ways)) {
        const got = await settle(() => c.run(e, c.ctx()));
        if (!judge(counts, via, want, got)) failing.push({ via, project, c, want, got });
      }
    }
    results[project] = counts;
  }
  return { results, failing };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { results, failing } = await measure(process.argv[2] ? [process.argv[2]] : undefined);
  for (const [p, c] of Object.entries(results)) console.log(p, JSON.stringify(c));
  printDiffs(failing, Number(process.argv[3] ?? 3));
  for (const dir of [GENERATED, MODULES]) rmSync(dir, { recursive: true, force: true });
}
