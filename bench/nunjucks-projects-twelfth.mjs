// Issue #25's outside check, the twelfth pass: held-out projects vendored unchanged under
// test/fixtures/nunjucks-projects/ (SOURCES.md), each rendered the way its own code renders it,
// against Nunjucks 3.2.4, through the Environment (render, renderStream, renderAsync) and
// kida/nunjucks:
// - kit: the GOV.UK Prototype Kit 13.20.3's own management app (lib/nunjucks/views): its pages
//   extend a layout that extends the kit's branded layout, which extends govuk-frontend's
//   template (four levels, `super()` in the middle ones); rendered as its handlers render them
//   (lib/manage-prototype-handlers.js: app.locals merged with each page's data, its environment's
//   two globals), with govuk-frontend 5.11 as the kit bundles it.
// - markdown: nunjucks-markdown 2.0.1, a custom block tag (addExtension) whose parse() builds a
//   content argument of its own (nodes.Output of a nodes.TemplateData: the tag's column), on its
//   own test templates and pages written for it (in macros, loops, includes, hostile text).
// - do: nunjucks-do 1.0.0, a `{% do %}` tag running its body as JavaScript in node:vm against
//   `context.ctx` (its README's and test's templates, and pages reading what it sets).
// - feed: @11ty/eleventy-plugin-rss 3.0.0's RSS, Atom and JSON feed templates, as its feedPlugin
//   writes them for each option set, with its date filters, Eleventy's base-URL filters and its
//   async renderTransforms (bench/nunjucks-projects-twelfth-feed.mjs), so every render async:
//   Nunjucks with a callback; ours renderAsync, renderStreamAsync, kida/nunjucks with a callback.
//
//   node bench/nunjucks-projects-twelfth.mjs [kit|markdown|do] [n]   prints the counts and the first differences
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FIXTURES } from './nunjucks-projects-sixth.mjs';
import { judge, pkg, printDiffs, settle, sourceModules } from './nunjucks-projects.mjs';
import { callbackForm, FEED, feedSetup } from './nunjucks-projects-twelfth-feed.mjs';

export { FEED };

const require = createRequire(import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));
const HOSTILE = `<b>O'Neil</b> & "Co"`;

// ---------------------------------------------------------------------------------------------
// govuk-prototype-kit 13.20.3: lib/manage-prototype-handlers.js, server.js (app.locals)
export const KIT = join(FIXTURES, 'govuk-prototype-kit-13');
/** The management environment's loader: the kit's nunjucks folder, then GOV.UK Frontend's nunjucksPaths (`/dist`), the copy the kit depends on. */
const KIT_PATHS = [join(KIT, 'lib/nunjucks'), join(pkg('govuk-prototype-kit'), 'node_modules/govuk-frontend/dist')];
/** Its two globals as a module: `govukRebrand`, and pluginVersionSatisfies over a project's package.json dependencies (lib/plugins/packages.js). */
const KIT_GLOBALS = `import { createRequire } from 'node:module';
const semver = createRequire(${JSON.stringify(import.meta.url)})('semver');
const projectPackage = { dependencies: { 'govuk-frontend': '5.11.0', '@govuk-prototype-kit/common-templates': '2.0.1' } };
export const govukRebrand = true;
export function pluginVersionSatisfies(pluginName, semverRange) {
  const installedVersion = projectPackage?.dependencies?.[pluginName];
  if (!installedVersion) return false;
  return semver.satisfies(semver.coerce(installedVersion), semverRange);
}
`;
/** app.locals as server.js sets them (govukFrontendPaths' shape for the bundled 5.11). */
const locals = (over = {}) => ({
  asset_path: '/public/',
  useAutoStoreData: true,
  releaseVersion: 'v13.20.3',
  useServiceNavigation: false,
  serviceName: 'Apply for a juggling licence',
  serviceUrl: '/',
  GOVUKPrototypeKit: { isProduction: false, isDevelopment: true },
  pluginConfig: { scripts: [{ src: '/plugin-assets/govuk-frontend/dist/govuk/all.bundle.js', type: 'module' }], stylesheets: ['/plugin-assets/x/style.css'], importNunjucksMacrosInto: [] },
  govukFrontend: { baseDir: '/app/node_modules/govuk-frontend', includePath: '/dist/govuk', assetPath: '/dist/govuk/assets', config: {} },
  govukFrontendInternal: { baseDir: '/kit/node_modules/govuk-frontend', includePath: '/dist/govuk', assetPath: '/dist/govuk/assets', config: {} },
  ...over,
});
const links = [
  { text: 'Manage your prototype', href: '/manage-prototype' },
  { text: 'Templates', href: '/manage-prototype/templates' },
  { text: 'Plugins', href: '/manage-prototype/plugins' },
];
const verbs = {
  update: { title: 'Update', para: 'update', status: 'updated', progressive: 'updating', dependencyPara: 'install' },
  install: { title: 'Install', para: 'install', status: 'installed', progressive: 'installing', dependencyPara: 'install' },
  uninstall: { title: 'Uninstall', para: 'uninstall', status: 'uninstalled', progressive: 'uninstalling', dependencyPara: 'uninstall' },
};
const plugin = (over = {}) => ({ name: 'Step By Step', scope: 'HMRC', packageName: '@hmrc/step-by-step', description: 'Step by step navigation', installLink: '/manage-prototype/plugins/install?package=x', helpLink: 'https://example.com/help', ...over });
const view = (f) => `views/manage-prototype/${f}`;
/** Each page with the data its handler gives it. */
const KIT_PAGES = {
  'home: tasks to do, an update available': [view('index.njk'), { ...locals(), currentUrl: '/manage-prototype', currentSection: 'Home', links, kitUpdateAvailable: true, latestAvailableKit: '13.21.0', tasks: [{ done: false, html: 'Change the service name in the file <strong>app/config.json</strong>' }, { done: true, html: 'Edit the homepage in the file <strong>app/views/index.html</strong>' }] }],
  'home: no tasks, no update, service navigation on': [view('index.njk'), { ...locals({ useServiceNavigation: true }), currentUrl: '/manage-prototype', currentSection: 'Home', links, kitUpdateAvailable: false, tasks: [] }],
  'home: markup and quotes in every field': [view('index.njk'), { ...locals({ serviceName: HOSTILE, releaseVersion: HOSTILE }), currentUrl: `/x?a=1&b="2"`, currentSection: HOSTILE, links: [{ text: HOSTILE, href: `/"y"` }], kitUpdateAvailable: true, latestAvailableKit: HOSTILE, tasks: [{ done: HOSTILE, html: '<em>raw</em> & "kept"' }] }],
  'home: no app.locals at all': [view('index.njk'), {}],
  'templates: common templates offered, two plugins': [view('templates.njk'), { ...locals(), currentSection: 'Templates', links, commonTemplatesDetails: { pluginDisplayName: { name: 'Common Templates' }, installLink: '/manage-prototype/plugins/install?package=%40govuk-prototype-kit%2Fcommon-templates&returnTo=templates' }, availableTemplates: [{ packageName: '@govuk-prototype-kit/common-templates', pluginDisplayName: { name: 'Common Templates', scope: 'GOV.UK Prototype Kit' }, templates: [{ name: 'Start page', viewLink: '/v?a=1&b=2', installLink: '/i?a=1' }, { name: 'Question <page>', viewLink: '/v2', installLink: '/i2' }] }, { packageName: 'x', pluginDisplayName: { name: HOSTILE }, templates: [] }] }],
  'templates: none available': [view('templates.njk'), { ...locals(), currentSection: 'Templates', links, availableTemplates: [] }],
  'template install: an error': [view('template-install.njk'), { ...locals(), currentSection: 'Templates', pageName: 'Create new Start page', currentUrl: '/manage-prototype/templates/install?package=a&template=b', links, error: 'exists', chosenUrl: '/start<"x">' }],
  'template install: no error': [view('template-install.njk'), { ...locals(), currentSection: 'Templates', pageName: 'Create new Question page', currentUrl: '/i', links, chosenUrl: '' }],
  'template post-install': [view('template-post-install.njk'), { ...locals(), currentSection: 'Templates', pageName: 'Page created', links, url: '/start?x=<1>', filePath: 'app/views/start & "go".html' }],
  'plugins: search page, results, an update count': [view('plugins.njk'), { ...locals(), currentSection: 'Plugins', links, isInstalledPage: false, isSearchPage: true, search: 'step <by> "step"', plugins: [plugin(), plugin({ name: HOSTILE, scope: undefined, installedVersion: '1.2.3', description: '', helpLink: undefined })], updatesMessage: '1 UPDATE AVAILABLE', foundMessage: '2 Plugins found', status: 'search' }],
  'plugins: installed page, update and uninstall links': [view('plugins.njk'), { ...locals(), currentSection: 'Plugins', links, isInstalledPage: true, isSearchPage: false, search: '', plugins: [plugin({ installedVersion: '2.0.0', updateLink: '/u?p=x', uninstallLink: '/un?p=x' }), plugin({ installedVersion: '0.0.1', packageName: 'a"b' })], updatesMessage: '', foundMessage: '0 Plugins found', status: 'installed' }],
  'plugins: nothing found': [view('plugins.njk'), { ...locals(), currentSection: 'Plugins', links, isInstalledPage: false, isSearchPage: true, search: 'zzz', plugins: [], updatesMessage: '', foundMessage: '0 Plugins found', status: 'search' }],
  'plugin install: dependencies to install first': [view('plugin-install-or-uninstall.njk'), { ...locals(), currentSection: 'Plugins', pageName: 'Install Step By Step', currentUrl: '/manage-prototype/plugins/install?package=x', links, chosenPlugin: { name: 'Step By Step', version: '2.0.0', dependencyPlugins: [{ name: 'Common <Templates>', scope: 'GOV.UK' }, { name: 'Other' }], dependentPlugins: [] }, command: 'npm install x@2.0.0 --save-exact', pluginHeading: 'Install Step By Step version 2.0.0', dependencyHeading: 'Step By Step needs other plugins', verb: verbs.install, isSameOrigin: true, returnLink: { href: '/manage-prototype/plugins', text: 'Back to plugins' } }],
  'plugin uninstall: dependents, not same origin': [view('plugin-install-or-uninstall.njk'), { ...locals(), currentSection: 'Plugins', pageName: 'Uninstall x', links, chosenPlugin: { name: HOSTILE, dependentPlugins: [{ name: 'A', scope: 'B' }, { name: 'C' }] }, command: 'npm uninstall x a c', pluginHeading: 'Uninstall x', dependencyHeading: 'Other plugins need x', verb: verbs.uninstall, isSameOrigin: false, returnLink: { href: '/t' } }],
  'plugin update: no dependencies, not same origin': [view('plugin-install-or-uninstall.njk'), { ...locals(), currentSection: 'Plugins', pageName: 'Update x', links, chosenPlugin: { name: 'x' }, command: 'npm install x@latest --save-exact', pluginHeading: 'Update x', dependencyHeading: '', verb: verbs.update, isSameOrigin: false, returnLink: { href: '/p' } }],
  'clear data': [view('clear-data.njk'), locals()],
  'clear data success (no locals)': [view('clear-data-success.njk'), undefined],
  'password: wrong password': [view('password.njk'), { ...locals(), returnURL: '/start?a=1&b="2"', error: 'wrong-password' }],
  'password: first visit': [view('password.njk'), { ...locals(), returnURL: '/' }],
  'not available': [view('manage-prototype-not-available.njk'), locals({ GOVUKPrototypeKit: { isProduction: true, isDevelopment: false } })],
  'server error: file, line, source code': ['views/error-handling/server-error.njk', { ...locals(), error: { filePath: 'app/views/<x>.html', line: 12, message: 'Template render error: (unknown path) [Line 12] "oops" & <b>', sourceCode: { before: '<p>', error: '{{ x | nope }}', after: '</p>' }, errorStack: 'Error: <boom>\n    at f (a.js:1:2)' } }],
  'server error: message only, no service name': ['views/error-handling/server-error.njk', { ...locals({ serviceName: '' }), error: { message: 'Cannot find module' } }],
  'page not found': ['views/error-handling/page-not-found.njk', { ...locals(), path: '/a/<b>?c="d"' }],
  'the backup homepage': ['views/backup-homepage.njk', locals()],
};
function kitCases() {
  return Object.entries(KIT_PAGES).map(([name, [page, data]]) => ({ name, ctx: () => (data === undefined ? undefined : structuredClone(data)), run: (e, ctx) => e.render(page, ctx) }));
}

// ---------------------------------------------------------------------------------------------
// nunjucks-markdown 2.0.1: `register(env, marked)` as its README and tests do
export const MARKDOWN = join(FIXTURES, 'nunjucks-markdown');
const MD_PATHS = [join(MARKDOWN, 'test')];
const { marked } = require('marked');
/** The extension as register() adds it (the environment it closes over renders its file tag). */
const markdownExtension = (env) => {
  const Markdown = require(join(MARKDOWN, 'lib/markdown_tag.js'));
  return new Markdown(env, marked);
};
/** The extension over kida/nunjucks on its test folder, for a bundle's nunjucksExtensions module (imported from here at run time, not bundled). */
export async function markdownOverApi() {
  const api = (await import(join(here, '../dist/adapters/nunjucks.js'))).default;
  return markdownExtension(api.configure(MD_PATHS));
}
const t = (f) => `templates/${f}`;
const MD_PAGES = {
  'its test: markdown only': [{ name: t('markdown_only.html') }, {}],
  'its test: markdown with a variable': [{ name: t('markdown_with_vars.html') }, { test: 'this is just a test' }],
  'its test: the variable with markup and quotes': [{ name: t('markdown_with_vars.html') }, { test: HOSTILE }],
  'its test: the variable missing': [{ name: t('markdown_with_vars.html') }, {}],
  'its test: an include inside the block': [{ name: t('markdown_block_include.html') }, {}],
  'its test: the file tag': [{ name: t('markdown_include.html') }, {}],
  'its test: the file tag with a variable': [{ name: t('markdown_include_with_vars.html') }, { test: '*emphasis* & <i>html</i>' }],
  'its test: blocks at varying depths': [{ name: t('markdown_at_varying_depths.html') }, {}],
  'in a loop and a condition, indented, loop variables inside': [
    { src: '<ul>\n{% for p in posts %}\n  <li>\n    {% markdown %}\n    ## {{ loop.index }}/{{ loop.length }}: {{ p.title }}\n\n    {{ p.body }}\n    {% endmarkdown %}\n  </li>\n{% else %}\n  {% markdown %}*nothing*{% endmarkdown %}\n{% endfor %}\n</ul>' },
    { posts: [{ title: 'First', body: 'Some **bold** text' }, { title: HOSTILE, body: '- a\n- b' }] },
  ],
  'in a loop, no posts': [{ src: '{% for p in posts %}{% markdown %}{{ p }}{% endmarkdown %}{% else %}{% markdown %}*nothing*{% endmarkdown %}{% endfor %}' }, { posts: [] }],
  'in a macro called with caller(), the file tag by a variable name': [
    { src: '{% macro card(title) %}<div class="card">{% markdown %}\n# {{ title }}\n\n{{ caller() }}\n{% endmarkdown %}</div>{% endmacro %}{% call card(heading) %}A *called* body & more{% endcall %}\n{% markdown file %}' },
    { heading: 'Title <1>', file: 'markdown/markdown_with_vars.md', test: 'from the context' },
  ],
  'a set block capturing it, filtered': [{ src: '{% set html %}{% markdown %}\n# Upper {{ word }}\n{% endmarkdown %}{% endset %}{{ html | upper }}|{{ html | striptags }}|{{ html | length }}' }, { word: 'a & b' }],
  'autoescape off': [{ src: '{% markdown %}\n{{ test }}\n{% endmarkdown %}{{ test }}', autoescape: false }, { test: '<b>raw</b>' }],
};
function markdownCases() {
  return Object.entries(MD_PAGES).map(([name, [page, data]]) => ({ name, ctx: () => structuredClone(data), run: (e, ctx) => (page.name ? e.render(page.name, ctx) : page.autoescape === false ? e.renderStringRaw(page.src, ctx) : e.renderString(page.src, ctx)) }));
}

// ---------------------------------------------------------------------------------------------
// nunjucks-do 1.0.0: `env.addExtension('DoExtension', new DoExtension())` as its README does
export const DO = join(FIXTURES, 'nunjucks-do');
const doExtension = () => {
  const DoExtension = require(join(DO, 'index.js'))(require('nunjucks'));
  return new DoExtension();
};
const DO_PAGES = {
  'its test: an empty body': ['Hello {% do %}{% enddo %}World', {}],
  'its test: a variable of the context changed': ['{% do %}test = "So " + test{% enddo %}{{ test }}', { test: 'Cool' }],
  'its README: an object set': ['{% do %}\ntest = { hello: \'world\' }\n{% enddo %}{{ test.hello }} {{ test | dump }}', {}],
  'a top-level set is the frame\'s: the do changes the context only': ['{% set x = 1 %}{% do %}x = 2; y = [1, 2]{% enddo %}{{ x }} {{ y }}{% for i in y %}<{{ i }}>{% endfor %}', {}],
  'a top-level name set by one call, read by the next': ['{% set t = "a" %}{% do %}t = "b"{% enddo %}{% do %}u = t + "!"{% enddo %}{{ u }} {{ t }}', {}],
  'a list grown, then looped with loop.revindex': ['{% do %}items.push("<c>"); total = items.length{% enddo %}{% for i in items %}{{ loop.revindex }}:{{ i }} {% endfor %}of {{ total }}', { items: ['a', 'b'] }],
  'names of the data read and written (markup in them)': ['{% do %}greeting = "Hi " + user.name + "!"; user.seen = true{% enddo %}{{ greeting }} {{ user.seen }}', { user: { name: HOSTILE } }],
  'in a macro: the context, not the macro\'s arguments': ['{% macro m(a) %}{% do %}fromMacro = typeof a{% enddo %}[{{ a }}]{% endmacro %}{{ m("arg") }} {{ fromMacro }}', {}],
  'inside a loop: each pass sees the last': ['{% for n in [1, 2, 3] %}{% do %}sum = (typeof sum === "number" ? sum : 0) + 1{% enddo %}{{ sum }}{% endfor %}', {}],
  'a body with template expressions (rendered first, then run)': ['{% do %}label = "{{ who }}".toUpperCase(){% enddo %}{{ label }}', { who: 'world & "you"' }],
  "JavaScript's built-ins in the body (JSON, Math, Date, Array)": ['{% do %}data = JSON.parse(raw); top = Math.max.apply(null, data.n); when = new Date(Date.UTC(2024, 0, 2)).toISOString(); list = Array.from("ab<"){% enddo %}{{ data.name }} {{ top }} {{ when }} {{ list | join("-") }}', { raw: JSON.stringify({ name: HOSTILE, n: [3, 9, -1] }) }],
  'a thrown error (both throw)': ['{% do %}throw new Error("boom"){% enddo %}', {}],
  'a name that is no function called (both throw)': ['{% do %}nothing(){% enddo %}', {}],
};
function doCases() {
  return Object.entries(DO_PAGES).map(([name, [src, data]]) => ({ name, ctx: () => structuredClone(data), run: (e, ctx) => e.renderString(src, ctx) }));
}

// ---------------------------------------------------------------------------------------------
// @11ty/eleventy-plugin-rss 3.0.0: feedPlugin(eleventyConfig, options) for each option set, as a
// site's config adds it; each feed rendered with the data Eleventy gives a virtual template
// (its templateData: permalink, metadata; and the site's collections and page)
export const FEED_OPTIONS = {
  rss: { type: 'rss', outputPath: '/feed.xml', collection: { name: 'posts', limit: 0 }, metadata: { language: 'en', title: 'My <Blog> & "Co"', subtitle: 'Notes', base: 'https://example.com/', author: { name: 'Ann', email: 'ann@example.com' } } },
  rssStyled: { type: 'rss', outputPath: '/blog/feed.xml', stylesheet: '/feed.xsl', script: '/feed.js', collection: { name: 'posts', limit: 2 }, metadata: { title: 'Blog', base: 'https://example.com/blog/', author: { name: 'Bo' } } },
  atom: { type: 'atom', collection: { name: 'posts', limit: 0 }, metadata: { language: 'en-GB', title: 'Atom & more', subtitle: "It's <new>", base: 'https://example.com/', author: { name: 'Ann <a@b>', email: 'a@example.com' } } },
  atomLimited: { type: 'atom', collection: { name: 'posts', limit: -1 }, metadata: { title: 'Last one', base: 'https://example.com/sub/', author: { name: 'Cy' } } },
  json: { type: 'json', outputPath: '/feed.json', collection: { name: 'posts', limit: 0 }, metadata: { language: 'fr', title: 'JSON "feed"', description: 'A <json> feed', base: 'https://example.com/', author: { name: 'Dee', email: 'd@example.com' } } },
  jsonAll: { type: 'json', collection: { name: 'all', limit: 3 }, metadata: { title: 'Everything', base: 'https://example.com/', author: { name: 'Eve' } } },
};
const page = (url) => ({ url, inputPath: `./src${url}index.md`, outputPath: `_site${url}index.html`, lang: 'en' });
const POSTS = [
  { url: '/posts/one/', date: new Date('2024-01-02T03:04:05.678Z'), data: { title: 'First post', page: page('/posts/one/') }, content: '<p>Hello <a href="/about/">about</a> and <img src="pic.png" alt="a &amp; b"></p>' },
  { url: '/posts/two/', date: new Date('2025-06-30T23:59:59Z'), data: { title: `Second: ${HOSTILE}`, summary: 'A <b>summary</b> & "quotes"', page: page('/posts/two/') }, content: '<p>Two <a href="https://other.example/x?a=1&amp;b=2">away</a> <a href="#top">top</a></p>' },
  { url: '/posts/three/', date: new Date('2023-12-31T12:00:00+05:00'), data: { title: 'Third', page: page('/posts/three/') }, content: '' },
];
const feedData = (options, over = {}) => ({ permalink: options.outputPath ?? '/feed.xml', metadata: structuredClone(options.metadata), collections: { posts: POSTS, all: POSTS.slice(0, 2) }, page: { url: options.outputPath ?? '/feed.xml', lang: 'de' }, ...over });
const FEED_CASES = {
  'rss: three posts (a summary, relative links, an empty content)': ['rss', feedData(FEED_OPTIONS.rss)],
  'rss: a stylesheet and script, limit 2, a base with a path': ['rssStyled', feedData(FEED_OPTIONS.rssStyled)],
  'rss: no posts, no language (page.lang)': ['rss', feedData(FEED_OPTIONS.rss, { metadata: { ...FEED_OPTIONS.rss.metadata, language: '' }, collections: { posts: [] } })],
  'atom: three posts, newest date, author email': ['atom', feedData(FEED_OPTIONS.atom)],
  'atom: the last post only (limit -1), an icon and logo': ['atomLimited', feedData(FEED_OPTIONS.atomLimited, { metadata: { ...FEED_OPTIONS.atomLimited.metadata, icon: '/i.png?a=1&b=2', logo: '/logo "x".svg' } })],
  'atom: markup and quotes in titles, author and summary': ['atom', feedData(FEED_OPTIONS.atom, { metadata: { ...FEED_OPTIONS.atom.metadata, title: HOSTILE, author: { name: HOSTILE, email: `"x"@y` } }, collections: { posts: POSTS.map((p) => ({ ...p, data: { ...p.data, title: HOSTILE, summary: HOSTILE } })) } })],
  'atom: a date as a string (toISOString of a string: throws in both)': ['atom', feedData(FEED_OPTIONS.atom, { collections: { posts: [{ ...POSTS[0], date: '2024-01-01' }] } })],
  'json: posts, one without content (an empty string)': ['json', feedData(FEED_OPTIONS.json)],
  'json: the all collection, limit 3, no author email': ['jsonAll', feedData(FEED_OPTIONS.jsonAll)],
  'json: content with quotes, newlines and a script (dump | safe)': ['json', feedData(FEED_OPTIONS.json, { collections: { posts: [{ ...POSTS[0], content: '<p>"quoted"\nline\n<script>alert("</script>")</script></p>\u2028' }] } })],
  'json: no metadata author (a missing object read)': ['json', feedData(FEED_OPTIONS.json, { metadata: { title: 'x', base: 'https://example.com/' } })],
};
function feedCases() {
  return Object.entries(FEED_CASES).map(([name, [feed, data]]) => ({ name, feed, ctx: () => structuredClone(data), run: (e, ctx) => e.renderFeed(feed, ctx) }));
}

// ---------------------------------------------------------------------------------------------
/** Each project: its search paths, options, globals, extensions and cases. */
export const TWELFTH = {
  kit: { paths: KIT_PATHS, opts: {}, globals: KIT_GLOBALS, cases: kitCases },
  markdown: { paths: MD_PATHS, opts: {}, extensions: { markdown: markdownExtension }, cases: markdownCases },
  do: { paths: [], opts: {}, extensions: { DoExtension: doExtension }, cases: doCases },
  feed: { paths: [], opts: {}, feed: true, cases: feedCases },
};

/** Where the projects' globals modules are written (the test removes the folder), and their importer. */
const modules = sourceModules('twelfth-');
export const MODULES = modules.dir;
const importModule = modules.importModule;

/**
 * Nunjucks and our ways for one project, each an engine `{ render(name, ctx), renderString(src, ctx),
 * renderStringRaw(src, ctx) }` (the last with autoescape off), set up as the project's own code sets up Nunjucks.
 */
export async function engines(project) {
  if (TWELFTH[project].feed) return feedEngines();
  const { paths, opts, globals: source, extensions = {} } = TWELFTH[project];
  const nunjucks = require('nunjucks');
  const api = (await import(join(here, '../dist/adapters/nunjucks.js'))).default;
  const { Environment, FileSystemLoader } = await import(join(here, '../dist/compiler/environment.js'));
  const globals = source ? { ...(await importModule(source)) } : {};
  // (an extension is made over a Nunjucks-shaped environment, which nunjucks-markdown's file tag
  // renders through: Kida's Environment has no render(name, ctx), so it gets kida/nunjucks's)
  const setUp = (e, shaped = e) => {
    for (const [k, v] of Object.entries(globals)) e.addGlobal(k, v);
    for (const [k, make] of Object.entries(extensions)) e.addExtension(k, make(shaped));
    return e;
  };
  const njk = (o) => setUp(new nunjucks.Environment(new nunjucks.FileSystemLoader(paths), { ...opts, ...o }));
  const apiEnv = (o) => setUp(api.configure(paths, { ...opts, ...o }));
  const [a, aRaw] = [apiEnv(), apiEnv({ autoescape: false })];
  const ours = (o, shaped) => setUp(new Environment({ loader: new FileSystemLoader(paths), compat: 'nunjucks', ...opts, ...o }), shaped);
  const [n, nRaw, env, envRaw] = [njk(), njk({ autoescape: false }), ours({}, a), ours({ autoescape: false }, aRaw)];
  const join$ = async (it) => {
    let s = '';
    for await (const x of it) s += x;
    return s;
  };
  const via = (e, eRaw, how) => ({
    render: (name, c) => how(e.getTemplate(name), c),
    renderString: (src, c) => how(e.fromString(src, { name: 'page.njk' }), c),
    renderStringRaw: (src, c) => how(eRaw.fromString(src, { name: 'page.njk' }), c),
  });
  return {
    nunjucks: { render: (name, c) => n.render(name, c), renderString: (s, c) => n.renderString(s, c), renderStringRaw: (s, c) => nRaw.renderString(s, c) },
    ways: {
      env: via(env, envRaw, (t, c) => t.render(c)),
      envStream: via(env, envRaw, (t, c) => join$(t.renderStream(c))),
      envAsync: via(env, envRaw, (t, c) => t.renderAsync(c)),
      api: { render: (name, c) => a.render(name, c), renderString: (s, c) => a.renderString(s, c), renderStringRaw: (s, c) => aRaw.renderString(s, c) },
    },
  };
}

/**
 * The feed's engines, each `{ renderFeed(name, ctx) }` (a promise): Nunjucks and kida/nunjucks as
 * Eleventy renders, with a callback (renderTransforms an async filter); the Environment async.
 */
export async function feedEngines() {
  const { templates, filters, asyncFilters } = await feedSetup(FEED_OPTIONS);
  const nunjucks = require('nunjucks');
  const api = (await import(join(here, '../dist/adapters/nunjucks.js'))).default;
  const { Environment } = await import(join(here, '../dist/compiler/environment.js'));
  const njk = new nunjucks.Environment();
  const apiEnv = new api.Environment();
  const env = new Environment({ compat: 'nunjucks', filters });
  for (const e of [njk, apiEnv]) {
    for (const [k, f] of Object.entries(filters)) e.addFilter(k, f);
    for (const [k, f] of Object.entries(asyncFilters)) e.addFilter(k, callbackForm(f), true);
  }
  for (const [k, f] of Object.entries(asyncFilters)) env.addFilter(k, f, true);
  const viaCallback = (e) => ({ renderFeed: (name, c) => new Promise((res, rej) => e.renderString(templates[name], c, (err, out) => (err ? rej(err) : res(out)))) });
  const compiled = new Map();
  const template = (name) => (compiled.has(name) ? compiled.get(name) : compiled.set(name, env.fromString(templates[name], { name: `eleventy-plugin-feed-${name}.njk` })).get(name));
  return {
    templates,
    nunjucks: viaCallback(njk),
    ways: {
      envAsync: { renderFeed: (name, c) => template(name).renderAsync(c) },
      envStreamAsync: {
        renderFeed: async (name, c) => {
          let s = '';
          for await (const x of template(name).renderStreamAsync(c)) s += x;
          return s;
        },
      },
      api: viaCallback(apiEnv),
    },
  };
}

/**
 * Whether ours differs from Nunjucks' text only as `dump | safe` differs by design (docs/security.md,
 * "Nunjucks mode"): its `<`, `>`, `&`, `'` written `\u003c`, `\u003e`, `\u0026`, `\u0027`, the same JSON value.
 */
export const onlyDumpSafe = (want, got) =>
  want !== undefined && got !== undefined && got !== want && got.replace(/\\u003c/g, '<').replace(/\\u003e/g, '>').replace(/\\u0026/g, '&').replace(/\\u0027/g, "'") === want;

/**
 * Per project: cases, Nunjucks' failures, and per way of ours how many equal Nunjucks byte for
 * byte, throw as it does, or differ only by design (`dump | safe`).
 */
export async function measure(projects = Object.keys(TWELFTH)) {
  const results = {};
  const failing = [];
  for (const project of projects) {
    const { nunjucks, ways } = await engines(project);
    const counts = { cases: 0, nunjucksErrors: 0, ...Object.fromEntries(Object.keys(ways).map((v) => [v, { same: 0, bothThrow: 0, byDesign: 0 }])) };
    for (const c of TWELFTH[project].cases()) {
      counts.cases++;
      const want = await settle(() => c.run(nunjucks, c.ctx()));
      if (want.error !== undefined) counts.nunjucksErrors++;
      for (const [via, e] of Object.entries(ways)) {
        const got = await settle(() => c.run(e, c.ctx()));
        if (judge(counts, via, want, got)) continue;
        if (onlyDumpSafe(want.out, got.out)) counts[via].byDesign++;
        else failing.push({ via, project, c, want, got });
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
  rmSync(MODULES, { recursive: true, force: true });
}
