// Issue #25's outside check, ninth pass: the smaller projects (hexo-theme-next has its own,
// bench/nunjucks-projects-next.mjs), vendored unchanged under test/fixtures/nunjucks-projects/
// (SOURCES.md), each environment as the package's docs set it up:
//   dfe   dfe-frontend 2.0.1 (the Department for Education's components over GOV.UK Frontend):
//         its header README's macro call, and both components with params shaped by their templates
//   hok   home-office-kit 1.2.0 (the Home Office's GOV.UK Prototype Kit plugin): its 7 page
//         templates and 2 layouts as a prototype renders them (the kit's search paths with the
//         plugin's `nunjucksPaths` first, its macros imported into its layout as the kit's build
//         does), bare, with every name and shaped; its 2 macros shaped
//   nav   @11ty/eleventy-navigation 1.0.5: its sample site's Nunjucks page, its filters added by
//         its own .eleventy.js (Eleventy's `url` filter with the sample's pathPrefix), over the
//         sample's pages and over a deeper, ordered tree with excerpts and titles
//   gtj   govuk_template_jinja 0.26.0 (the GOV.UK page template before GOV.UK Frontend, in Jinja,
//         which Express apps rendered with Nunjucks): bare, every name, shaped, and extended as an
//         app's layout does, every block overridden (page_title and head calling super())
// `node bench/nunjucks-projects-ninth.mjs [project]` (after a build) prints the counts and what differs.
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { PROJECTS, exampleCalls, pkg, shapes } from './nunjucks-projects.mjs';
import { FIXTURES, compatEnv, componentCases, measure as measureWith, pageCases } from './nunjucks-projects-sixth.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const at = (...p) => join(FIXTURES, ...p);
const GOVUK = join(here, '../node_modules/govuk-frontend/dist');
const DFE = at('dfe-frontend');
const HOK = at('home-office-kit');
const NAV = at('eleventy-navigation');
const GTJ = at('govuk-template-jinja/views/layouts');
const require = createRequire(import.meta.url);

/**
 * The kit's build (lib/build.js autoImportComponentsSync) for a plugin's `importNunjucksMacrosInto`:
 * the layout written to a shadow folder, first on the search path, after an import of every macro
 * the installed plugins' configs list (govuk-frontend's and the plugin's own).
 */
function hokShadow() {
  const dir = mkdtempSync(join(tmpdir(), 'hok-shadow-'));
  const config = (p) => JSON.parse(readFileSync(p, 'utf8'));
  const macros = [...config(join(pkg('govuk-frontend'), 'govuk-prototype-kit.config.json')).nunjucksMacros, ...config(join(HOK, 'govuk-prototype-kit.config.json')).nunjucksMacros];
  const imports = macros.map(({ macroName, importFrom }) => `{% from "${importFrom}" import ${macroName} %}`).join('\n');
  for (const t of config(join(HOK, 'govuk-prototype-kit.config.json')).importNunjucksMacrosInto) {
    // (the kit names the shadow by the template's path under its nunjucksPaths entry: /layouts/x.html is x.html)
    const out = join(dir, relative('/layouts', t));
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, [imports, readFileSync(join(HOK, t), 'utf8')].join('\n\n'));
  }
  return dir;
}

/**
 * The filters the plugin's .eleventy.js adds, against an eleventyConfig with what it reads:
 * `addFilter`, `versionCheck`, and `getFilter('url')`, Eleventy's url filter (the pathPrefix the
 * sample's config sets put before a root-relative URL).
 */
export function navFilters() {
  const filters = {};
  const pathPrefix = '/sdljfkaldsjlfka/';
  const url = (u) => (typeof u === 'string' && u.startsWith('/') && !u.startsWith('//') ? pathPrefix.replace(/\/$/, '') + u : u);
  require(join(NAV, '.eleventy.js'))({ addFilter: (name, f) => (filters[name] = f), versionCheck() {}, getFilter: (name) => (name === 'url' ? url : undefined) });
  return filters;
}

export const NINTH = {
  // (its README: `packages` on the search path, govuk-frontend's dist after it)
  dfe: { base: join(DFE, 'packages/components'), paths: [join(DFE, 'packages'), GOVUK], opts: {} },
  // (its README: the package's views/layouts on the search path)
  gtj: { base: GTJ, paths: [GTJ], opts: {} },
  // (the sample's Eleventy site: its Nunjucks folder)
  nav: { base: join(NAV, 'sample'), paths: [join(NAV, 'sample/nunjucks')], opts: {}, filters: () => navFilters() },
  // (the kit's app environment with the plugin installed: the shadow, the plugin's nunjucksPaths, the plugin's root (its templates, as the kit's template pages render them), then the kit's own)
  hok: {
    ...PROJECTS.kit,
    base: HOK,
    paths: [hokShadow(), join(HOK, 'layouts'), join(HOK, 'macros'), HOK, ...PROJECTS.kit.paths],
  },
};
Object.assign(PROJECTS, NINTH);

const slash = (p) => p.split('\\').join('/');

async function hokCases() {
  const env = await compatEnv('hok');
  const pages = [...readdirSync(join(HOK, 'templates')).sort().map((f) => `templates/${f}`), 'home-office-kit-layout.html', 'home-office-kit-form-layout.html'];
  const sources = [...pages.map((p) => readFileSync(join(HOK, p.startsWith('templates/') ? p : `layouts/${p}`), 'utf8')), ...readdirSync(join(HOK, 'macros')).map((f) => readFileSync(join(HOK, 'macros', f), 'utf8'))];
  const out = pages.flatMap((p) => pageCases('hok', p, sources, env));
  // (its two macros, as the kit imports them into every page: called with params shaped by their templates)
  for (const f of readdirSync(join(HOK, 'macros')).sort()) {
    const src = readFileSync(join(HOK, 'macros', f), 'utf8');
    const macro = /{%-?\s*macro\s+(\w+)/.exec(src)[1];
    for (const [variant, params] of Object.entries(shapes([src])))
      out.push({ project: 'hok', component: f, name: `shape: ${variant}`, page: `{% from "${f}" import ${macro} -%}\n{{ ${macro}(params) }}`, ctx: { params } });
  }
  return out;
}

/** Eleventy's collections.all over pages with this front matter: `{ data: { ...front, page }, url }`. */
const collection = (fronts) => fronts.map(([slug, front]) => ({ url: `/${slug}/`, data: { ...front, page: { url: `/${slug}/`, fileSlug: slug } } }));
/** Front matter as the sample's .md files have it (read as YAML). */
const sampleFronts = () =>
  readdirSync(join(NAV, 'sample')).filter((f) => f.endsWith('.md')).sort().map((f) => [f.replace(/\.md$/, ''), require('js-yaml').load(/^---\n([^]*?)---/.exec(readFileSync(join(NAV, 'sample', f), 'utf8'))[1]) ?? {}]);

function navCases() {
  const page = '{% include "index.njk" %}';
  const deeper = (markup) => [
    ...sampleFronts(),
    ['vampire', { eleventyNavigation: markup ? { key: 'Vampire <Bats>', parent: 'Bats', order: 2, title: 'Vampire & co', excerpt: 'Drinks "blood"' } : { key: 'Vampire', parent: 'Bats', order: 2, title: 'Vampire bats', excerpt: 'Drinks blood' } }],
    ['fruit', { eleventyNavigation: { key: 'Fruit', parent: 'Bats', order: 1, url: 'https://example.org/fruit' } }],
    ['birds', { eleventyNavigation: { key: 'Birds', pinned: true, order: 3 } }],
    ['owls', { eleventyNavigation: { key: 'Owls', parent: 'Birds' } }],
  ];
  return [
    { project: 'nav', component: 'sample/nunjucks/index.njk', name: 'the sample site', page, ctx: { collections: { all: collection(sampleFronts()) } } },
    { project: 'nav', component: 'sample/nunjucks/index.njk', name: 'a deeper, ordered tree', page, ctx: { collections: { all: collection(deeper(false)) } } },
    // (its page writes the entries with `dump(2) | safe`: here `<`, `>` and `&` in them are JSON escapes, by design)
    { project: 'nav', component: 'sample/nunjucks/index.njk', name: 'markup in keys and titles', page, ctx: { collections: { all: collection(deeper(true)) } } },
    { project: 'nav', component: 'sample/nunjucks/index.njk', name: 'no pages', page, ctx: { collections: { all: [] } } },
  ];
}

/** The template as an app's layout extends it: every block of it overridden, two keeping the template's own with super(). */
async function gtjCases() {
  const env = await compatEnv('gtj');
  const src = readFileSync(join(GTJ, 'govuk_template.html'), 'utf8');
  const blocks = [...src.matchAll(/{%\s*block\s+(\w+)\s*%}/g)].map((m) => m[1]);
  const body = (b) => (b === 'page_title' ? '{{ title }} – {{ super() }}' : b === 'head' ? '{{ super() }}<link rel="stylesheet" href="{{ asset_path }}app.css">' : `<!-- ${b} -->{{ title }}`);
  const page = `{% extends "govuk_template.html" %}\n${blocks.map((b) => `{% block ${b} %}${body(b)}{% endblock %}`).join('\n')}`;
  return [
    ...pageCases('gtj', 'govuk_template.html', [src], env),
    { project: 'gtj', component: 'govuk_template.html', name: 'page: every block', page, ctx: { title: 'Apply <now>', asset_path: '/public/', html_lang: 'cy' } },
  ];
}

export async function cases(project) {
  if (project === 'gtj') return gtjCases();
  if (project === 'nav') return navCases();
  if (project === 'dfe') {
    const readme = readFileSync(join(DFE, 'packages/components/header/README.md'), 'utf8');
    return componentCases('dfe', { 'header/README.md': exampleCalls(readme, ['header']).map((x) => x.call) });
  }
  if (project === 'hok') return hokCases();
  throw new Error(`no project ${project}`);
}

export const measure = (projects = Object.keys(NINTH)) => measureWith(projects, cases);
export { slash };

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { results, failing } = await measure(process.argv[2] ? [process.argv[2]] : undefined);
  for (const [p, c] of Object.entries(results)) console.log(p, JSON.stringify(c));
  for (const f of failing.slice(0, 5))
    console.log(`--- ${f.via} ${f.c.project}/${f.c.component} / ${f.c.name}\n${f.c.page}\nNJK:  ${JSON.stringify(f.want.out ?? f.want.error).slice(0, 1500)}\nOURS: ${JSON.stringify(f.got.out ?? f.got.error).slice(0, 1500)}`);
}
