// Issue #25's outside check, sixth pass: five more projects' real templates, vendored under
// test/fixtures/nunjucks-projects/ (SOURCES.md there: package@version and licence each), rendered
// unchanged by Nunjucks 3.2.4 and by compat mode. Each project's environment as its own code
// sets one up; the data:
//   govuk4   govuk-frontend 4.9.0 (apps still pin 4.x): every fixture's options of its 33
//            components (the fixtures' expected HTML left out: Nunjucks renders what to expect)
//   nhsuk8   nhsuk-frontend 8.3.0 (the major before the covered 10.x; its components take the
//            `components/…` names): every macro call of its READMEs, and params shaped by each component
//   ccrd     @ministryofjustice/hmpps-court-cases-release-dates-design 4.15.2: its README's
//            example, params shaped by each component, its own utils as the filters its kit plugin adds
//   dps      @ministryofjustice/hmpps-connect-dps-components 5.3.2: its header and footer
//            templates with the names they read, shaped by them
//   defra    @defra/forms-engine-plugin 8.0.1: its views (`.html` Nunjucks files: pages extending
//            govuk-frontend 5's template, component macros imported by a run-time name `with
//            context`) on its environment's search paths and options, with its globals
//            (checkErrorTemplates, checkComponentTemplates, evaluate: its own code, with no
//            `context` they return their input) and filters (stand-ins where they need its model package)
// `node bench/nunjucks-projects-sixth.mjs [project]` (after a build) prints counts and what differs.
import { readFileSync, readdirSync, statSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PROJECTS, copy, exampleCalls, pkg, renderers, shapes } from './nunjucks-projects.mjs';

const require = createRequire(import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));
export const FIXTURES = join(here, '../test/fixtures/nunjucks-projects');
const at = (...p) => join(FIXTURES, ...p);
// (govuk-frontend 5, which defra pins: the copy the prototype kit installs; the dps components are used with the app's own)
const GOVUK5 = join(here, '../node_modules/govuk-prototype-kit/node_modules/govuk-frontend/dist');
const GOVUK = join(here, '../node_modules/govuk-frontend/dist');

export function walk(dir, out = []) {
  for (const e of readdirSync(dir).sort()) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}
const macroName = (file) => /{%-?\s*macro\s+(\w+)/.exec(readFileSync(file, 'utf8'))?.[1];
const slash = (p) => p.split('\\').join('/');

const DEFRA = at('defra-forms-engine/src/server');
export const SIXTH = {
  govuk4: { base: at('govuk-frontend-4'), paths: [at('govuk-frontend-4')], opts: {} },
  // (its docs: `nunjucks.configure(['node_modules/nhsuk-frontend/packages/', 'node_modules/nhsuk-frontend/packages/components'])`)
  nhsuk8: { base: at('nhsuk-frontend-8/packages/components'), paths: [at('nhsuk-frontend-8/packages'), at('nhsuk-frontend-8/packages/components')], opts: {} },
  // (its sub-navigation imports MoJ's: @ministryofjustice/frontend on the path, as MoJ's README sets it up;
  // the kit plugin's filters: each function its utils export, as hmpps apps add them all)
  ccrd: {
    base: at('hmpps-court-cases/hmpps/components'), paths: [at('hmpps-court-cases'), GOVUK, pkg('@ministryofjustice/frontend')], opts: {},
    filters: () => Object.fromEntries(Object.entries(require(at('hmpps-court-cases/hmpps/utils/utils.js'))).filter(([, f]) => typeof f === 'function')),
  },
  // (its README's search paths: the app's views, govuk-frontend's, the package's assets folder)
  dps: { base: at('hmpps-dps-components/dist/assets'), paths: [GOVUK, join(GOVUK, 'components'), at('hmpps-dps-components/dist/assets')], opts: {} },
  defra: {
    base: DEFRA, paths: [join(DEFRA, 'plugins/engine/views'), join(DEFRA, 'views'), GOVUK5], opts: { trimBlocks: true, lstripBlocks: true },
    filters: async () => ({ ...(await import('./nunjucks-projects-defra-filters.mjs')) }),
    globals: { ...(await import('./nunjucks-projects-defra-globals.mjs')) },
  },
};
Object.assign(PROJECTS, SIXTH);

/** govuk-frontend 4's fixtures, each called as its own tests call the macro. */
function govuk4Cases() {
  const dir = at('govuk-frontend-4/govuk/components');
  const out = [];
  for (const c of readdirSync(dir).sort()) {
    const f = join(dir, c, 'fixtures.json');
    if (!existsSync(f)) continue;
    const m = macroName(join(dir, c, 'macro.njk'));
    for (const fx of JSON.parse(readFileSync(f, 'utf8')).fixtures)
      out.push({ project: 'govuk4', component: c, name: fx.name, page: `{%- from "govuk/components/${c}/macro.njk" import ${m} -%}\n{{- ${m}(params) -}}`, ctx: { params: fx.options } });
  }
  out.push(...layoutCases('govuk4', 'govuk/template.njk'));
  return out;
}

/** Each component macro under the project's base with params shaped by its templates, and the given example calls. */
export function componentCases(project, examples) {
  const { base, paths } = PROJECTS[project];
  const out = [];
  const macros = walk(base).filter((p) => /\/macro\.njk$/.test(p));
  const nameOf = (m) => slash(relative(paths[0], m));
  const byName = new Map(macros.map((m) => [macroName(m), nameOf(m)]));
  for (const m of macros) {
    const macro = macroName(m);
    const sources = readdirSync(dirname(m)).filter((f) => f.endsWith('.njk')).map((f) => readFileSync(join(dirname(m), f), 'utf8'));
    const call = sources.some((s) => s.includes('caller()')) ? `{% call ${macro}(params) %}<p>Body & <b>markup</b></p>{% endcall %}` : `{{ ${macro}(params) }}`;
    for (const [variant, params] of Object.entries(shapes(sources)))
      out.push({ project, component: slash(relative(base, dirname(m))), name: `shape: ${variant}`, page: `{% from "${nameOf(m)}" import ${macro} -%}\n${call}`, ctx: { params } });
  }
  for (const [file, calls] of Object.entries(examples))
    for (const [i, call] of calls.entries()) {
      const macro = exampleCalls(call, [...byName.keys()])[0]?.macro;
      if (macro) out.push({ project, component: dirname(byName.get(macro)), name: `example ${file} #${i + 1}`, page: `{% from "${byName.get(macro)}" import ${macro} -%}\n${call}`, ctx: {} });
    }
  return out;
}

/**
 * A page (a layout, or a view the app renders): bare; with every name it reads set to a string
 * with markup characters; and with each name shaped by what the project's templates read of it
 * (strings, true, numbers). Names read: the requiredContext our compiler reports (what an
 * outside reviewer would look up by hand: the same names either way).
 */
export function pageCases(project, page, sources, env) {
  // (the app's globals are not data: a page given a string for `getAssetPath` fails in both engines)
  const names = env.getTemplate(page).requiredContext().filter((n) => n !== 'caller' && !Object.hasOwn(PROJECTS[project].globals ?? {}, n));
  const ctx = (variant) => Object.fromEntries(names.map((n) => [n, variant ? shapes(sources, n)[variant] : `${n} <b>&"'`]));
  return [
    { project, component: page, name: 'page: bare', page: `{% extends "${page}" %}`, ctx: {} },
    { project, component: page, name: 'page: every name', page: `{% extends "${page}" %}`, ctx: ctx() },
    ...['strings', 'true', 'numbers'].map((v) => ({ project, component: page, name: `page: shaped ${v}`, page: `{% extends "${page}" %}`, ctx: ctx(v) })),
  ];
}
function layoutCases(project, page) {
  const blocks = `{% extends "${page}" %}{% block pageTitle %}Mine – {{ super() }}{% endblock %}{% block content %}<h1>{{ title }}</h1>{% endblock %}`;
  return [
    { project, component: page, name: 'page: bare', page: `{% extends "${page}" %}`, ctx: {} },
    { project, component: page, name: 'page: blocks', page: blocks, ctx: { title: 'T<', htmlLang: 'cy', pageTitleLang: 'en', bodyClasses: 'a"b' } },
  ];
}

export async function compatEnv(project) {
  const { Environment, FileSystemLoader } = await import(join(here, '../dist/compiler/environment.js'));
  return new Environment({ loader: new FileSystemLoader(PROJECTS[project].paths), compat: 'nunjucks', ...PROJECTS[project].opts });
}

/** defra's form page as its engine renders one: each kind of component its componentList imports by name, errors, a start page. */
function defraFormPages() {
  const field = (type, model, more = {}) => ({ type, name: model.name, isFormComponent: true, model: { id: model.name, ...model }, ...more });
  const items = [{ value: 'a', text: 'Apple <&>' }, { value: 'b', text: 'Banana', checked: true }];
  const components = [
    field('TextField', { name: 'fullName', label: { text: 'Full "name"' }, value: 'Ann <b>' }),
    field('RadiosField', { name: 'fruit', fieldset: { legend: { text: 'Fruit' } }, items }),
    field('CheckboxesField', { name: 'many', fieldset: { legend: { text: 'Many' } }, items }),
    field('SelectField', { name: 'one', label: { text: 'One' }, items }),
    field('DatePartsField', { name: 'when', fieldset: { legend: { text: 'When' } }, items: [{ name: 'day', value: '1' }, { name: 'month', value: '2' }, { name: 'year', value: '2024' }] }),
    field('MultilineTextField', { name: 'notes', label: { text: 'Notes' }, maxlength: 100 }),
    field('YesNoField', { name: 'agree', fieldset: { legend: { text: 'Agree?' } }, items: [{ value: true, text: 'Yes' }, { value: false, text: 'No' }] }),
    field('EmailAddressField', { name: 'email', label: { text: 'Email' } }),
    field('NumberField', { name: 'age', label: { text: 'Age' }, suffix: { text: 'years' } }),
    { type: 'Html', name: 'intro', isFormComponent: false, model: { content: '<p>Intro & more</p>' } },
    { type: 'InsetText', name: 'inset', isFormComponent: false, model: { content: 'Inset <i>' } },
    { type: 'Details', name: 'details', isFormComponent: false, model: { summaryHtml: 'More', html: '<p>Details</p>' } },
    { type: 'List', name: 'list', isFormComponent: false, model: { type: 'bulleted', classes: 'x', content: 'Some', items: [{ text: 'One' }, { text: 'Two' }] } },
  ];
  const page = { pageTitle: 'Your details', showTitle: true, sectionTitle: 'Section <1>', components, crumb: 'c"r', name: 'Form & co', config: { serviceName: 'Service', cdpEnvironment: 'dev', serviceVersion: '1.2' }, slug: 'form', currentPath: '/form/page?a=b&c', page: { allowContinue: true } };
  return {
    'form page': page,
    'form page, errors': { ...page, errors: [{ path: ['fullName'], href: '#fullName', name: 'fullName', text: 'Enter a name' }], hasMissingNotificationEmail: true, previewMode: true },
    'start page, no continue': { ...page, isStartPage: true, page: { allowContinue: false }, config: { ...page.config, cdpEnvironment: 'prod', googleAnalyticsTrackingId: 'G-1' }, cookieConsent: {} },
  };
}

async function defraCases() {
  const env = await compatEnv('defra');
  const out = [];
  const files = walk(DEFRA).filter((f) => /\.(html|njk)$/.test(f));
  const sources = files.map((f) => readFileSync(f, 'utf8'));
  // (the component macros: `{% macro TextField(component) %}`, called as componentList calls them)
  for (const f of files.filter((f) => f.includes('/engine/views/components/'))) {
    const name = slash(relative(join(DEFRA, 'plugins/engine/views'), f));
    const src = readFileSync(f, 'utf8');
    for (const m of src.matchAll(/{%-?\s*macro\s+(\w+)\((\w+)\)/g))
      for (const [v, arg] of Object.entries(shapes([src], m[2])))
        out.push({ project: 'defra', component: name, name: `macro ${m[1]}: ${v}`, page: `{% import "${name}" as view with context %}{{ view.${m[1]}(arg) }}`, ctx: { arg } });
  }
  for (const m of walk(join(DEFRA, 'views/components')).filter((f) => f.endsWith('macro.njk'))) {
    const macro = macroName(m);
    const name = slash(relative(join(DEFRA, 'views'), m));
    for (const [v, params] of Object.entries(shapes(readdirSync(dirname(m)).map((f) => readFileSync(join(dirname(m), f), 'utf8')))))
      out.push({ project: 'defra', component: dirname(name), name: `shape: ${v}`, page: `{% from "${name}" import ${macro} %}{{ ${macro}(params) }}`, ctx: { params } });
  }
  // (every view it renders: those that extend the layout, and the layout itself)
  const views = files.filter((f) => /\.html$/.test(f) && !/\/(components|partials)\//.test(f)).map((f) => slash(relative(f.includes('/engine/') ? join(DEFRA, 'plugins/engine/views') : join(DEFRA, 'views'), f)));
  for (const v of views) out.push(...pageCases('defra', v, sources, env));
  for (const [name, ctx] of Object.entries(defraFormPages())) out.push({ project: 'defra', component: 'index.html', name, page: '{% extends "index.html" %}', ctx });
  return out;
}

async function dpsCases() {
  const env = await compatEnv('dps');
  const files = walk(at('hmpps-dps-components/dist/assets')).filter((f) => f.endsWith('.njk'));
  const sources = files.map((f) => readFileSync(f, 'utf8'));
  return files.flatMap((f) => pageCases('dps', slash(relative(at('hmpps-dps-components/dist/assets'), f)), sources, env));
}

export async function cases(project) {
  if (project === 'govuk4') return govuk4Cases();
  if (project === 'nhsuk8') return componentCases('nhsuk8', JSON.parse(readFileSync(at('nhsuk-frontend-8/readme-examples.json'), 'utf8')));
  if (project === 'ccrd') {
    const readme = readFileSync(at('hmpps-court-cases/README.md'), 'utf8');
    // (its README sets `person` before the call)
    const person = { firstName: 'Neil', lastName: 'Rudge', prisonerNumber: 'A1234BC', dateOfBirth: '1932-02-02', status: 'On remand', prisonName: 'HMP Kirkham', cellLocation: 'A-1-1' };
    return [...componentCases('ccrd', {}), ...exampleCalls(readme, ['miniProfile']).map((ex, i) => ({ project: 'ccrd', component: 'hmpps/components/mini-profile', name: `example README.md #${i + 1}`, page: `{% from "hmpps/components/mini-profile/macro.njk" import miniProfile %}\n${ex.call}`, ctx: { person } }))];
  }
  if (project === 'dps') return dpsCases();
  if (project === 'defra') return defraCases();
  throw new Error(`no project ${project}`);
}

const run = async (f) => {
  try {
    return { out: await f() };
  } catch (e) {
    return { error: String(e?.message ?? e).replace(/\s+/g, ' ') };
  }
};

/** Per project: cases, Nunjucks' errors, and for each of ours (the Environment, kida/nunjucks) how many agree; the cases that do not. */
export async function measure(projects = Object.keys(SIXTH), casesOf = cases) {
  const results = {};
  const failing = [];
  for (const project of projects) {
    const r = await renderers(project);
    const n = { cases: 0, nunjucksErrors: 0, env: { same: 0, bothThrow: 0 }, api: { same: 0, bothThrow: 0 } };
    for (const c of await casesOf(project)) {
      n.cases++;
      const want = await run(() => r.nunjucks({ ...c, ctx: copy(c.ctx) }));
      if (want.error !== undefined) n.nunjucksErrors++;
      for (const via of ['env', 'api']) {
        const got = await run(() => r[via]({ ...c, ctx: copy(c.ctx) }));
        if (want.error !== undefined && got.error !== undefined) n[via].bothThrow++;
        else if (want.error === undefined && got.out === want.out) n[via].same++;
        else failing.push({ via, c, want, got });
      }
    }
    results[project] = n;
  }
  return { results, failing };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { results, failing } = await measure(process.argv[2] ? [process.argv[2]] : undefined);
  for (const [p, c] of Object.entries(results)) console.log(p, JSON.stringify(c));
  for (const f of failing.slice(0, 5))
    console.log(`--- ${f.via} ${f.c.project}/${f.c.component} / ${f.c.name}\n${f.c.page}\nNJK:  ${JSON.stringify(f.want.out ?? f.want.error).slice(0, 1500)}\nOURS: ${JSON.stringify(f.got.out ?? f.got.error).slice(0, 1500)}`);
}
