// Issue #25's outside check, seventh pass: more projects' real templates, of kinds no earlier
// pass tried, vendored under test/fixtures/nunjucks-projects/ (SOURCES.md there: package@version
// or repository@commit, and licence, each), rendered unchanged by Nunjucks 3.2.4 and by compat
// mode. Each project's environment as its own code sets one up; the data:
//   govcy  @gov-cy/govcy-frontend-renderer 1.30.4 (Cyprus' Unified Design System): the examples
//          of its README run as its renderFromString/renderFromJSON run them (its `merge` and
//          `markdown` filters, `globalData`), every element through its `govcyElement` macro
//          (a built `import "./elements/" + c + ".njk"`) with params shaped by the element, in
//          English and Greek, and its page layout
//   casa   @dwp/govuk-casa 10.4.0 (DWP's Express framework for GOV.UK forms): its components with
//          params shaped by them (its globals mergeObjects, includes, formatDateObject,
//          renderAsAttributes, written from its code; i18next's `t` as an app's middleware adds
//          it), its layouts and error pages as an app's page extends them
//   gafl   @defra-fish/gafl-webapp-service 1.76.0 (the rod-licence shop, a hapi app): every page
//          on the search paths its server gives @hapi/vision, bare, every name, shaped, and with
//          its own English messages (`mssgs`) and a journey's data
//   naturescot  naturescot-frontend 6.1.1 (NatureScot's extensions of govuk-frontend 6): its
//          components with params shaped by them, and its page
//          template bare, with every name and with blocks
// `node bench/nunjucks-projects-seventh.mjs [project]` (after a build) prints counts and what differs.
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { PROJECTS, shapes } from './nunjucks-projects.mjs';
import { FIXTURES, compatEnv, componentCases, measure as measureWith, pageCases, walk } from './nunjucks-projects-sixth.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const at = (...p) => join(FIXTURES, ...p);
const slash = (p) => p.split('\\').join('/');
// (govuk-frontend 5, which gafl pins: the copy the prototype kit installs; casa pins 6, installed)
const GOVUK5 = join(here, '../node_modules/govuk-prototype-kit/node_modules/govuk-frontend/dist');
const GOVUK = join(here, '../node_modules/govuk-frontend/dist');

const GOVCY = at('govcy-frontend-renderer/src/njk');
const CASA = at('dwp-govuk-casa/views');
const GAFL = at('gafl-webapp/src/pages');
const NATURESCOT = at('naturescot-frontend');

export const SEVENTH = {
  // (renderFromString: a FileSystemLoader over src/njk, Nunjucks' default options)
  govcy: {
    base: GOVCY, paths: [GOVCY], opts: {},
    filters: async () => ({ ...(await import('./nunjucks-projects-govcy-filters.mjs')) }),
  },
  // (lib/nunjucks.js: its views and the app's, autoescape on, trimBlocks and lstripBlocks off)
  casa: {
    base: join(CASA, 'casa/components'), paths: [CASA, GOVUK], opts: { autoescape: true, throwOnUndefined: false, trimBlocks: false, lstripBlocks: false },
    globals: { ...(await import('./nunjucks-projects-casa-globals.mjs')) },
  },
  // (server.js: govuk-frontend's govuk and components folders, its layout and macros, each page's folder)
  gafl: {
    base: GAFL,
    paths: [join(GOVUK5, 'govuk'), join(GOVUK5, 'govuk/components'), join(GAFL, 'layout'), join(GAFL, 'macros'), ...[...new Set(walk(GAFL).filter((f) => f.endsWith('.njk')).map((f) => dirname(f)))]],
    opts: {},
  },
  // (its README: the package root and govuk-frontend's dist on the search path)
  naturescot: { base: join(NATURESCOT, 'naturescot/components'), paths: [NATURESCOT, GOVUK], opts: {} },
};
Object.assign(PROJECTS, SEVENTH);

// ------------------------------------------------------------------ govcy

/** The README's examples: each ```js block run with a stand-in renderer that records what it is given. */
function govcyReadme() {
  const readme = readFileSync(at('govcy-frontend-renderer/README.md'), 'utf8');
  const blocks = [...readme.matchAll(/```js\n([^]*?)```/g)].map((m) => m[1]);
  const calls = [];
  let data;
  for (const b of blocks) {
    const sandbox = { console: { log() {} }, calls: [], inputData: data };
    sandbox.govcyFrontendRenderer = class { renderFromString(input, d) { sandbox.calls.push({ kind: 'string', input, data: d }); } renderFromJSON(input, d) { sandbox.calls.push({ kind: 'json', input, data: d }); } };
    const code = b.replace(/^import .*$/gm, '').replace(/^(let|const) /gm, 'var ');
    try {
      vm.runInNewContext(code, sandbox);
    } catch {
      continue;
    }
    data = sandbox.inputData ?? data;
    if (sandbox.calls.length) calls.push(...sandbox.calls);
    else if (sandbox.inputString) calls.push({ kind: 'string', input: sandbox.inputString, data });
    else if (sandbox.inputJson) calls.push({ kind: 'json', input: sandbox.inputJson, data });
  }
  return calls;
}
/** Its renderFromJSON: the template it builds from a JSON description (dist/index.mjs, unchanged in effect). */
function govcyFromJSON(input, data) {
  let t = `{% from "govcyElement.njk" import govcyElement %} `;
  if (data.pageData.layout) t += `{% extends "${data.pageData.layout}" %} `;
  for (const section of input.sections) {
    t += `{% block ${section.name} -%}`;
    for (const element of section.elements) t += `{% call govcyElement('${element.element}',${JSON.stringify(element.params, null, 4)}) -%}{%- endcall  %}`;
    t += `{%- endblock %}`;
  }
  return t;
}
function govcyCases() {
  const out = [];
  const callers = ['formControl', 'form', 'fieldset'];
  for (const f of walk(join(GOVCY, 'elements')).filter((f) => f.endsWith('.njk'))) {
    // (its convention: each element's file and macro have one name)
    const name = f.slice(f.lastIndexOf('/') + 1, -'.njk'.length);
    const src = readFileSync(f, 'utf8');
    const call = callers.includes(name)
      ? `{% from "govcyElement.njk" import govcyElement %}{% call govcyElement("${name}", params) %}<p>Body & <b>markup</b></p>{% endcall %}`
      : `{% from "govcyElement.njk" import govcyElement %}{{ govcyElement("${name}", params) }}`;
    for (const [variant, params] of Object.entries(shapes([src])))
      for (const lang of variant === 'empty' ? [undefined] : ['en', 'el'])
        out.push({ project: 'govcy', component: `elements/${name}`, name: `shape: ${variant}${lang ? ` ${lang}` : ''}`, page: call, ctx: { params: lang && params && typeof params === 'object' ? { ...params, lang } : params } });
    // (called directly, as an app that imports one element does)
    out.push({ project: 'govcy', component: `elements/${name}`, name: 'direct: strings', page: `{% from "elements/${name}.njk" import ${name} %}` + (callers.includes(name) ? `{% call ${name}(params) %}<i>inner</i>{% endcall %}` : `{{ ${name}(params) }}`), ctx: { params: shapes([src]).strings } });
  }
  for (const [i, c] of govcyReadme().entries()) {
    const page = c.kind === 'json' ? govcyFromJSON(c.input, c.data) : c.input;
    for (const lang of ['en', 'el']) {
      const data = { ...c.data, site: { ...c.data.site, lang } };
      out.push({ project: 'govcy', component: 'README.md', name: `example #${i + 1} (${c.kind}) ${lang}`, page, ctx: { ...data, globalData: data } });
    }
  }
  const layout = 'layouts/govcyBase.njk';
  out.push(...pageCases('govcy', layout, walk(GOVCY).filter((f) => f.endsWith('.njk')).map((f) => readFileSync(f, 'utf8')), govcyEnv));
  return out;
}
let govcyEnv;

// ------------------------------------------------------------------ casa

/** i18next's t() as an app's middleware adds it: the key, and the options it was given. */
const casaData = (more = {}) => ({
  t: (key, opts) => `[${key}${opts && typeof opts === 'object' ? ` ${JSON.stringify(opts)}` : ''}]`,
  casa: { journeyPreviousUrl: '/prev?a=1&b=2', csrfToken: 'tok"en', staticMountUrl: '/static/', mountUrl: '/app/', editMode: false },
  formUrl: '/app/page', locale: 'en', ...more,
});
function casaCases() {
  const out = [];
  // (its macros call `t`, which the app's middleware puts in the context: imported `with context`, as its docs import them)
  for (const c of componentCases('casa', {})) out.push({ ...c, page: c.page.replace(/ -%}/, ' with context -%}'), ctx: { ...casaData(), ...c.ctx } });
  const files = walk(CASA).filter((f) => f.endsWith('.njk'));
  const sources = files.map((f) => readFileSync(f, 'utf8'));
  const pages = files.filter((f) => !f.includes('/components/')).map((f) => slash(relative(CASA, f)));
  for (const p of pages) for (const c of pageCases('casa', p, sources, casaEnv)) out.push({ ...c, ctx: { ...casaData(), ...c.ctx, t: casaData().t } });
  // (a journey page as an app writes one: casa's own form macros inside the journey layout, with errors)
  const errs = { name: [{ inline: 'name.error', summary: 'name.summary', validator: 'required', variables: { min: 2 } }] };
  const journey = `{% extends "casa/layouts/journey.njk" %}
{% from "casa/components/input/macro.njk" import casaGovukInput with context %}
{% from "casa/components/radios/macro.njk" import casaGovukRadios with context %}
{% from "casa/components/date-input/macro.njk" import casaGovukDateInput with context %}
{% block casaPageTitle %}Your details{% endblock %}
{% block journey_form %}
{{ casaGovukInput({ name: "name", value: formData.name, casaErrors: formErrors, label: { text: t("name.label") } }) }}
{{ casaGovukRadios({ name: "colour", casaValue: formData.colour, casaErrors: formErrors, casaWithAnalytics: true, fieldset: { legend: { text: "Colour <1>" } }, items: [{ value: "r", text: "Red" }, { value: "g", text: "Green & co" }] }) }}
{{ casaGovukDateInput({ name: "dob", casaValue: formData.dob, casaErrors: formErrors, fieldset: { legend: { text: "Born" } } }) }}
<p>{{ formatDateObject(formData.dob) }} {{ includes(["a", "b"], "b") }} <span {{ renderAsAttributes({ "data-x": "1 & <2>" }) }}></span></p>
{% endblock %}`;
  const formData = { name: 'Ann <b>', colour: 'g', dob: { dd: '2', mm: '3', yyyy: '1990' } };
  out.push({ project: 'casa', component: 'journey page', name: 'form', page: journey, ctx: casaData({ formData }) });
  out.push({ project: 'casa', component: 'journey page', name: 'form, errors, edit mode', page: journey, ctx: casaData({ formData, formErrors: errs, formErrorsGovukArray: [{ text: 'Name <wrong>', href: '#f-name' }], inEditMode: true, editOriginUrl: '/review', activeContextId: 'ctx1' }) });
  return out;
}
let casaEnv;

// ------------------------------------------------------------------ gafl

/** A journey's data, as its handlers give pages (the names its templates read, with its English messages). */
function gaflCases() {
  const out = [];
  const files = walk(GAFL).filter((f) => f.endsWith('.njk'));
  const sources = files.map((f) => readFileSync(f, 'utf8'));
  const mssgs = JSON.parse(readFileSync(at('gafl-webapp/src/locales/en.json'), 'utf8'));
  const pages = files.filter((f) => !/\/(layout|macros)\//.test(f)).map((f) => f.slice(f.lastIndexOf('/') + 1));
  const uri = new Proxy({}, { get: (_, k) => (typeof k === 'string' ? `/buy/${k.toLowerCase()}?a=1&b=<2>` : undefined) });
  for (const p of pages) {
    out.push(...pageCases('gafl', p, sources, gaflEnv));
    const names = gaflEnv.getTemplate(p).requiredContext().filter((n) => n !== 'caller');
    const shaped = Object.fromEntries(names.map((n) => [n, shapes(sources, n).strings]));
    const ctx = { ...shaped, mssgs, _uri: { ...uri }, uri: { ...uri }, CSRF_TOKEN_NAME: 'nonce', CSRF_TOKEN_VALUE: 'v"1', displayAnalytics: true, pageLanguageSetToWelsh: false };
    out.push({ project: 'gafl', component: p, name: 'page: its messages', page: `{% extends "${p}" %}`, ctx: JSON.parse(JSON.stringify(ctx)) });
    out.push({ project: 'gafl', component: p, name: 'page: its messages, Welsh, errors', page: `{% extends "${p}" %}`, ctx: JSON.parse(JSON.stringify({ ...ctx, pageLanguageSetToWelsh: true, analyticsSelected: true, acceptedTracking: true, error: { 'full-date': 'object.missing' } })) });
  }
  return out;
}
let gaflEnv;

function naturescotCases() {
  const out = componentCases('naturescot', {});
  const sources = walk(NATURESCOT).filter((f) => f.endsWith('.njk')).map((f) => readFileSync(f, 'utf8'));
  out.push(...pageCases('naturescot', 'naturescot/template.njk', sources, naturescotEnv));
  const blocks = '{% extends "naturescot/template.njk" %}{% block pageTitle %}Licences – {{ super() }}{% endblock %}{% block content %}<h1>{{ title }}</h1>{% endblock %}';
  out.push({ project: 'naturescot', component: 'naturescot/template.njk', name: 'page: blocks', page: blocks, ctx: { title: 'T<', htmlLang: 'gd', assetPath: '/a"b', themeColor: '#fff' } });
  return out;
}
let naturescotEnv;

export async function cases(project) {
  if (project === 'govcy') return (govcyEnv ??= await compatEnv('govcy')), govcyCases();
  if (project === 'casa') return (casaEnv ??= await compatEnv('casa')), casaCases();
  if (project === 'gafl') return (gaflEnv ??= await compatEnv('gafl')), gaflCases();
  if (project === 'naturescot') return (naturescotEnv ??= await compatEnv('naturescot')), naturescotCases();
  throw new Error(`no project ${project}`);
}

export const measure = (projects = Object.keys(SEVENTH)) => measureWith(projects, cases);

/** Environment options the projects do not set themselves, to render their templates under too (the options Nunjucks apps turn on). */
export const OTHER_OPTIONS = { throwOnUndefined: { throwOnUndefined: true }, 'autoescape off': { autoescape: false }, 'trimBlocks and lstripBlocks': { trimBlocks: true, lstripBlocks: true } };
/** measure() with the project's options and `opts` over them. */
export async function measureUnder(project, opts) {
  const own = PROJECTS[project].opts;
  PROJECTS[project].opts = { ...own, ...opts };
  try {
    return await measureWith([project], cases);
  } finally {
    PROJECTS[project].opts = own;
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { results, failing } = await measure(process.argv[2] ? [process.argv[2]] : undefined);
  for (const [p, c] of Object.entries(results)) console.log(p, JSON.stringify(c));
  const n = Number(process.env.NJK_SHOW ?? 5);
  for (const f of failing.slice(0, n))
    console.log(`--- ${f.via} ${f.c.project}/${f.c.component} / ${f.c.name}\n${f.c.page.slice(0, 400)}\nNJK:  ${JSON.stringify(f.want.out ?? f.want.error).slice(0, 1500)}\nOURS: ${JSON.stringify(f.got.out ?? f.got.error).slice(0, 1500)}`);
}
