// Issue #25's outside check, the eleventh pass, part A: three more design systems' and component
// libraries' macro sets, vendored unchanged under test/fixtures/nunjucks-projects (SOURCES.md),
// rendered against Nunjucks 3.2.4 through the Environment (render, renderStream, renderAsync) and
// kida/nunjucks:
// - nhsapp-frontend 5.0.3 (the NHS App's components, on nhsuk-frontend 10): each macro with the
//   options its macro-options.md documents, shaped params, every icon; its macros are a macro whose
//   body includes the component's template, the icons a namespace read by a computed name
//   (`iconHtml[iconName]()`) whose macros include `.svg` files by relative names.
// - @ministryofjustice/hmpps-arns-frontend-components-lib 3.0.4 (MoJ's risk-score components): every
//   macro with RiskData/RoshData as its types describe them (both assessment versions, every band,
//   missing scores), on govuk-frontend; its own arnsNunjucksSetup adds its filters and predictorConfig.
//   Its templates use `{% switch %}`, `===` after a filter, macros defined inside an included template.
// - @hmcts/look-and-feel 5.0.6 (HMCTS' one-question-per-page kit): its example app's five pages with
//   the data its app.js gives, every field macro with its documented arguments (keyword arguments,
//   `caller()`, fields with errors), its layouts; its environment as its src/nunjucks.js sets it up
//   (`throwOnUndefined: true`, its four globals), and again without throwOnUndefined.
//
//   node bench/nunjucks-projects-eleventh-a.mjs [nhsapp|arns|dps|lookandfeel|lookandfeelLoose|'<project> trim'|…] [n]
//   prints the counts and the first n differences (VIA=envStream etc. for another way)
import { createRequire } from 'node:module';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FIXTURES } from './nunjucks-projects-sixth.mjs';
import { judge, pageWays, pkg, printDiffs, settle, shapes } from './nunjucks-projects.mjs';
import { arnsSetup, lookAndFeelSetup } from './nunjucks-projects-eleventh-a-setup.mjs';

const require = createRequire(import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));
const GOVUK = join(pkg('govuk-frontend'), 'dist');
const H = `<b>&"'`; // (markup and both quotes, in every string a hostile case gives)

// ---------------------------------------------------------------- nhsapp-frontend
export const NHSAPP = join(FIXTURES, 'nhsapp-frontend-5/dist');
const NHSUK = join(pkg('nhsuk-frontend'), 'dist');
const nhsappAttrs = { 'data-x': `a${H}`, 'aria-label': 'Label' };
const card = (i, extra = {}) => ({
  title: `Card ${i} ${H}`, href: `/c/${i}?a=1&b="2"`, linkAriaLabel: `Open ${i} ${H}`, titleClasses: 'x-t', containerClasses: 'x-c',
  description: `About ${i} ${H}`, descriptionClasses: 'x-d', aboveContent: { html: '<strong class="nhsapp-tag">New</strong>' },
  footer: { html: `<p>Footer ${i}</p>` }, img: { src: `/i/${i}.png?x=<y>`, alt: `Alt ${H}` },
  badgeLarge: { count: 3 + i * 8, label: `new ${H}`, id: `b${i}`, classes: 'x-b', attributes: nhsappAttrs },
  id: `card-${i}`, classes: 'x-card', attributes: nhsappAttrs, ...extra,
});
const NHSAPP_CALLS = {
  nhsappCard: {
    'title only': {}, // (its one required option left out too: an empty params)
    'title, a paragraph': { title: 'Prescriptions' },
    'heading level, no link': { title: `Results ${H}`, headingLevel: 3, description: 'Plain' },
    'link with description html': { title: 'Messages', href: '/messages', descriptionHtml: '<p class="x">3 <b>unread</b></p>' },
    'every option': card(1),
    'badge count 0 (no badge)': card(2, { badgeLarge: { count: 0, label: 'none' } }),
    'image without alt, no href, list item': { title: 'Campaign', img: { src: '/c.png' }, isListItem: true, headingLevel: 2 },
    'badge without a label': { title: 'T', badgeLarge: { count: 12 } },
  },
  nhsappCardGroup: {
    empty: {},
    'heading and cards': { heading: `Your health ${H}`, cards: [card(1), card(2, { href: undefined, headingLevel: 4 })] },
    'heading html, description html, stacked, not a list': { headingHtml: '<h2 class="x">Mine</h2>', descriptionHtml: '<p>d</p>', stacked: true, isListItem: false, cards: [{ title: 'A' }, { title: 'B', href: '/b' }] },
    'heading level, description, id, attributes': { heading: 'H', headingLevel: 3, description: `Desc ${H}`, id: 'grp', classes: 'x-g', attributes: nhsappAttrs, cards: [] },
    'every documented option': { heading: 'All', headingLevel: 2, description: 'D', stacked: true, isListItem: true, id: 'g', classes: 'c', attributes: nhsappAttrs, cards: [card(1), card(2), card(3, { footer: {} })] },
  },
  nhsappTag: {
    text: { text: `Tag ${H}` },
    html: { html: '<span>New</span> tag' },
    'both: html wins': { text: 'T', html: '<i>H</i>', id: 't1', classes: 'nhsapp-tag--green', attributes: nhsappAttrs },
    empty: {},
  },
  nhsappTimeline: {
    'documented items': { headingLevel: 2, id: 'tl', classes: 'x-tl', attributes: nhsappAttrs, items: [
      { headingText: `Referred ${H}`, text: `On 1 May ${H}`, isPastItem: true },
      { headingText: 'Booked', html: '  <p class="nhsuk-body">In <b>clinic</b></p>  ', active: true },
      null,
      { headingText: 'Appointment' },
    ] },
    'no items': {},
    'empty items': { items: [] },
  },
  nhsappBadgeLarge: {
    'count 3': { count: 3, label: `new messages ${H}` },
    'count 10 (9+)': { count: 10, label: 'new', id: 'bl', classes: 'x', attributes: nhsappAttrs },
    'count 0 (nothing)': { count: 0, label: 'none' },
    'count a string': { count: '12', label: 's' },
    empty: {},
  },
  nhsappBadgeSmall: {
    text: { text: '4', label: `New ${H}` },
    'html, absolute, every option': { html: '<span>!</span>', label: 'L', positionAbsolute: true, id: 'bs', classes: 'x', attributes: nhsappAttrs },
    empty: {},
  },
};
const NHSAPP_IMPORT = {
  nhsappCard: 'nhsapp/components/card/macro.njk',
  nhsappCardGroup: 'nhsapp/components/card/macro.njk',
  nhsappTag: 'nhsapp/components/tag/macro.njk',
  nhsappTimeline: 'nhsapp/components/timeline/macro.njk',
  nhsappBadgeLarge: 'nhsapp/components/badge/large/macro.njk',
  nhsappBadgeSmall: 'nhsapp/components/badge/small/macro.njk',
};
export function nhsappCases() {
  const out = [];
  for (const [macro, calls] of Object.entries(NHSAPP_CALLS))
    for (const [name, params] of Object.entries(calls)) out.push({ name: `${macro}: ${name}`, page: `{% from "${NHSAPP_IMPORT[macro]}" import ${macro} %}\n{{ ${macro}(params) }}`, ctx: { params } });
  // (params shaped by what each component's templates read, as the earlier passes shape macros)
  for (const [macro, file] of Object.entries(NHSAPP_IMPORT)) {
    const dir = dirname(join(NHSAPP, file));
    const sources = readdirSync(dir).filter((f) => f.endsWith('.njk')).map((f) => readFileSync(join(dir, f), 'utf8'));
    for (const [variant, params] of Object.entries(shapes(sources))) out.push({ name: `${macro}: shape ${variant}`, page: `{% from "${file}" import ${macro} %}{{ ${macro}(params) }}`, ctx: { params } });
  }
  const icons = [...readFileSync(join(NHSAPP, 'nhsapp/styles/icon/icons.njk'), 'utf8').matchAll(/{%\s*macro\s+(\w+)/g)].map((m) => m[1]);
  out.push({ name: `nhsappIcon: all ${icons.length}`, page: '{% from "nhsapp/styles/icon/macro.njk" import nhsappIcon %}{% for i in icons %}[{{ nhsappIcon(i) }}]{% endfor %}', ctx: { icons } });
  // (a name no icon has: the namespace's member is undefined, and calling it fails in Nunjucks)
  out.push({ name: 'nhsappIcon: unknown name', page: '{% from "nhsapp/styles/icon/macro.njk" import nhsappIcon %}{{ nhsappIcon(name) }}', ctx: { name: 'nope' } });
  return out;
}

// ---------------------------------------------------------------- hmpps-arns
export const ARNS = join(FIXTURES, 'hmpps-arns-components');
const predictor = (name, band, score, staticOrDynamic = 'STATIC', completedDate = '2025-03-01') => ({ name, band, score, staticOrDynamic, completedDate });
const V2_KEYS = {
  allReoffendingPredictor: 'All reoffending predictor',
  violentReoffendingPredictor: 'Violent reoffending predictor',
  seriousViolentReoffendingPredictor: 'Serious violent reoffending predictor',
  directContactSexualReoffendingPredictor: 'Direct contact sexual reoffending predictor',
  indirectImageContactSexualReoffendingPredictor: 'Images and indirect contact sexual reoffending predictor',
  combinedSeriousReoffendingPredictor: 'Combined serious reoffending predictor',
};
const V1_KEYS = { ogrs3: 'OGRS3', ovp: 'OVP', ogp: 'OGP', rsr: 'RSR', ospdc: 'OSP/DC', ospiic: 'OSP/IIC' };
const BANDS = ['LOW', 'MEDIUM', 'HIGH', 'VERY_HIGH', 'VERY HIGH', 'NOT_APPLICABLE', null];
const v2 = (band, score, sd = 'DYNAMIC', date = '2025-03-01') => ({
  outputVersion: '2', completedDate: date, completedDateTime: `${date}T10:00:00`, assessmentType: 'LAYER3',
  ...Object.fromEntries(Object.entries(V2_KEYS).map(([k, n], i) => [k, predictor(n, band, score === null ? null : score + i, sd, date)])),
});
const v1 = (band, score, date = '2023-11-20') => ({
  outputVersion: '1', completedDate: date, completedDateTime: `${date}T09:00:00`, assessmentType: 'LAYER1',
  ...Object.fromEntries(Object.entries(V1_KEYS).map(([k, n], i) => [k, predictor(n, band, score === null ? null : score + i, 'STATIC', date)])),
});
const ARNS_DATA = {
  'v2 low': { assessments: [v2('LOW', 4.2)], httpStatus: 200 },
  'v2 medium, static': { assessments: [v2('MEDIUM', 33.71, 'STATIC')], httpStatus: 200 },
  'v2 high then v1': { assessments: [v2('HIGH', 61.5), v1('HIGH', 70)], httpStatus: 200 },
  'v2 very high': { assessments: [v2('VERY_HIGH', 88.06)], httpStatus: 200 },
  'v2 no scores': { assessments: [v2('LOW', null)], httpStatus: 200 },
  'v1 latest': { assessments: [v1('MEDIUM', 45), v2('LOW', 2)], httpStatus: 200 },
  'hostile strings': { assessments: [{ ...v2(`HIGH${H}`, 50, `DYN${H}`), assessmentType: `T${H}`, completedDate: `2025${H}` }], httpStatus: 200 },
  'no assessments': { assessments: [], httpStatus: 200 },
  'API failed': { assessments: null, httpStatus: 500 },
};
const ROSH_DATA = Object.fromEntries([
  ...['LOW', 'MEDIUM', 'HIGH', 'VERY_HIGH', `X${H}`].map((r) => [`overall ${r}`, { assessment: { completedDate: '2025-01-02', overallRisk: r, risks: [{ riskTo: 'Public', community: r, custody: 'LOW' }] }, httpStatus: 200 }]),
  ['no overall risk', { assessment: { completedDate: null, overallRisk: null, risks: [] }, httpStatus: 200 }],
  ['no assessment', { assessment: null, httpStatus: 404 }],
]);
const ARNS_IMPORT = (c, m) => `{% from "components/${c}/macro.njk" import ${m} %}`;
export function arnsCases() {
  const out = [];
  for (const [d, data] of Object.entries(ARNS_DATA)) {
    for (const p of [...Object.keys(V2_KEYS), ...Object.keys(V1_KEYS)].filter((_, i) => d.startsWith('v2') || d.startsWith('v1') || i % 4 === 0))
      for (const [o, opts] of Object.entries({ '': {}, 'showScore, legacyFallback': { showScore: true, legacyFallback: true }, 'showScore false': { showScore: false } }))
        out.push({ name: `predictorBadge ${p} ${o}: ${d}`, page: `${ARNS_IMPORT('predictor-badge', 'predictorBadge')}{{ predictorBadge({ data: data, predictor: "${p}", showScore: o.showScore, legacyFallback: o.legacyFallback }) }}`, ctx: { data, o: opts } });
    for (const [m, c] of [['expandedPredictorBadge', 'expanded-predictor-badge'], ['predictorTimeline', 'predictor-timeline'], ['riskPredictorScoresContent', 'risk-predictor-scores-content']])
      out.push({ name: `${m}: ${d}`, page: `${ARNS_IMPORT(c, m)}{{ ${m}({ data: data, forename: forename, predictor: "allReoffendingPredictor" }) }}`, ctx: { data, forename: `Sam ${H}` } });
    out.push({ name: `riskPredictorScoresContent, no forename: ${d}`, page: `${ARNS_IMPORT('risk-predictor-scores-content', 'riskPredictorScoresContent')}{{ riskPredictorScoresContent({ data: data }) }}`, ctx: { data } });
  }
  for (const [d, data] of Object.entries(ROSH_DATA)) out.push({ name: `roshBadge: ${d}`, page: `${ARNS_IMPORT('rosh-badge', 'roshBadge')}{{ roshBadge({ data: data }) }}`, ctx: { data } });
  out.push({ name: 'roshBadge: no data', page: `${ARNS_IMPORT('rosh-badge', 'roshBadge')}{{ roshBadge({}) }}`, ctx: {} });
  for (const key of [...Object.keys(V2_KEYS), ...Object.keys(V1_KEYS)])
    for (const band of BANDS)
      for (const score of [0, 12.5, 99.9, null])
        out.push({ name: `predictorScaleBar ${key} ${band} ${score}`, page: `${ARNS_IMPORT('predictor-scale-bar', 'predictorScaleBar')}{{ predictorScaleBar(p, key) }}`, ctx: { p: predictor(`Name ${H}`, band, score), key } });
  for (const key of [...Object.keys(V2_KEYS), 'ogrs3', 'rsr'])
    for (const band of ['LOW', 'VERY_HIGH', null])
      out.push({ name: `predictorScale ${key} ${band}`, page: `${ARNS_IMPORT('predictor-scale', 'predictorScale')}{{ predictorScale({ data: data, predictor: key }) }}`, ctx: { data: { assessments: [band === null ? v2(null, null) : v2(band, 40)] }, key } });
  for (const band of BANDS)
    for (const [score, show] of [[12.84, true], [null, true], [5, false], [undefined, undefined]])
      out.push({ name: `badgeBase ${band} ${score} ${show}`, page: `${ARNS_IMPORT('badge-base', 'badgeBase')}{{ badgeBase(name, band, score, sd, show) }}`, ctx: { name: `OGRS ${H}`, band, score, sd: show ? 'Static' : `D${H}`, show } });
  for (const [n, params] of Object.entries({ 'html only': { html: '<p>Some <b>html</b></p>' }, 'every option': { html: `<ul><li>${H}</li></ul>`, showText: `Show ${H}`, hideText: 'Hide', ariaContext: 'All reoffending Predictor' }, empty: {} }))
    out.push({ name: `detailsChevron: ${n}`, page: `${ARNS_IMPORT('details-chevron', 'detailsChevron')}{{ detailsChevron(params) }}`, ctx: { params } });
  return out;
}

// ---------------------------------------------------------------- @hmcts/look-and-feel
export const LAF = join(FIXTURES, 'hmcts-look-and-feel');
/** Its views, as src/views.js orders them with govuk-frontend's (its 3.x root is 5.x/6.x's dist) and the example app's own. */
const LAF_PATHS = [GOVUK, join(GOVUK, 'govuk/components'), join(LAF, 'templates'), join(LAF, 'templates/look-and-feel'), join(LAF, 'examples/test-app/views')];
/** A one-per-page form's fields: each field has an id, name, value and errors; the set has validated, valid, errors and get(). */
function fields(values, { validated = false, errors = {} } = {}) {
  const f = {};
  for (const [k, v] of Object.entries(values)) f[k] = { id: k, name: k, value: v, validated, valid: !errors[k], errors: errors[k] ? [errors[k]] : [] };
  const list = Object.entries(errors).map(([id, message]) => ({ id, message }));
  return { ...f, validated, valid: list.length === 0, errors: list, get: (k) => f[k] };
}
const appLocals = lookAndFeelSetup(LAF).locals;
const LAF_PAGES = {
  Start: () => ({ ...appLocals, title: 'Apply for Divorce', phase: 'ALPHA', feedbackLink: 'https://github.com/hmcts/look-and-feel/issues/new' }),
  SelectionButtons: () => ({ ...appLocals }),
  Typography: () => ({ ...appLocals }),
  JavaScript: () => ({ ...appLocals }),
  Question: () => ({ ...appLocals, url: '/localhost', phase: 'ALPHA', feedbackLink: 'https://github.com/hmcts/look-and-feel/issues/new', fields: fields({ firstName: 'Michael', lastName: 'Allen' }) }),
  'Question, hostile values, errors': () => ({
    ...appLocals, url: `/q?a=${H}`, phase: `BETA${H}`, feedbackLink: `/f?${H}`, csurfCsrfToken: `tok${H}`, continueText: `Go ${H}`, config: { autocomplete: 'off' },
    i18n: { currentLanguage: 'en', availableLanguages: [{ code: 'en', name: 'English' }, { code: 'cy', name: `Cymraeg ${H}` }] },
    content: { thereWasAProblem: `Problem ${H}` },
    fields: fields({ firstName: `M${H}`, lastName: '' }, { validated: true, errors: { lastName: `Enter a last name ${H}` } }),
  }),
};
const F = '{% from "look-and-feel/components/fields.njk" import textbox, textarea, hiddenInput, formSection, selectionButton, selectionButtons, select, date, errorsFor, errorClass, fileupload %}';
const field = (id, value, error) => ({ id, name: id, value, validated: !!error, valid: !error, errors: error ? [error] : [] });
const LAF_CALLS = {
  textbox: ['{{ textbox(f, "First name(s)", hint="Include all middle names here") }}', '{{ textbox(f, label, hint=hint, hideLabel=true) }}', '{{ textbox(f, "Name") }}'],
  textarea: ['{{ textarea(f, "<b>Tell us</b>", hint="<i>Why</i>", placeholder=hint, bold=true) }}', '{{ textarea(f, label, hideLabel=true) }}'],
  hiddenInput: ['{{ hiddenInput(f) }}', '{{ hiddenInput(f, "forced") }}'],
  formSection: ['{% call formSection() %}{{ textbox(f, label) }}{% endcall %}'],
  selectionButtons: [
    '{{ selectionButtons(f, "Where do you live?", hint = "Some advice", hideQuestion = false, options = [{ label: "Northern Ireland", value: "northern-ireland" }, { label: "Scotland" }, { label: "England" }, { label: label, hint: hint, description: hint, target: "panel" }]) }}',
    '{{ selectionButtons(f, "Certificate?", hideQuestion = false, inline = true, options = [{ label: "Yes" }, { label: "No", defaultChecked: true }]) }}',
    '{{ selectionButtons(f, "Waste", hideQuestion = false, hint = "Select all", type = "checkbox", inline = true, groupClass = "x", options = [{ label: "Animal", value: "animal" }, { label: "Mines", value: "mines" }, { label: "Farm", value: "agriculture", disabled: true }]) }}',
    '{% call selectionButtons(f, "Own buttons") %}{{ selectionButton(f, { label: "Yes", value: "true" }) }}{{ selectionButton(f, { label: "No", value: "false" }, "checkbox") }}{% endcall %}',
  ],
  select: ['{{ select(f, "Country", hint="Pick one", options=[{ label: "England" }, { label: label, value: "w" }, { label: "Old", disabled: true }]) }}', '{{ select(f, label, hideLabel=true) }}'],
  date: ['{{ date(d, "<b>When</b>?", hint="For example, 12 11 2007", labels={ day: "D", month: "M" }) }}', '{{ date(d, label, hideQuestion=true) }}'],
  fileupload: ['{{ fileupload(f) }}', '{{ fileupload(f, label, ".pdf,.png") }}'],
  errorsFor: ['{{ errorsFor(f) }}[{{ errorClass(f) }}][{{ errorClass(f, "control") }}]'],
};
const LAF_COMPONENTS = {
  'header: every argument': ['{% from "look-and-feel/components/header.njk" import header %}{{ header(label, section="Section", size="l", fieldsValidated=true, fieldsValid=false) }}{{ header(label, "S", "m") }}{{ header(label) }}', {}],
  'phaseBanner: beta, live, call': ['{% from "look-and-feel/components/phase_banner.njk" import phaseBanner %}{{ phaseBanner("BETA", link) }}{{ phaseBanner("LIVE") }}{{ phaseBanner() }}', { link: `/feedback?${H}` }],
  'errorSummary: errors': ['{% from "look-and-feel/components/errors.njk" import errorSummary %}{{ errorSummary(fs, "Fix these") }}{{ errorSummary(fs) }}', () => ({ fs: fields({ a: '1', b: '2' }, { validated: true, errors: { a: `Bad ${H}`, b: 'Also bad' } }) })],
  'errorSummary: valid': ['{% from "look-and-feel/components/errors.njk" import errorSummary %}[{{ errorSummary(fs) }}]', () => ({ fs: fields({ a: '1' }, { validated: true }) })],
  'answer: each kind': ['{% from "look-and-feel/components/check-your-answers.njk" import answer %}{{ answer(label, "<b>Yes</b>", "/q?x=<1>", "q1") }}{{ answer("Lines", ["a", label], "/l", "Has Space[2]") }}{% call answer("Own", "", "/o", "o") %}<em>caller</em> {{ label }}{% endcall %}', {}],
  'documentList: documents': ['{% from "look-and-feel/components/document-list.njk" import documentList %}{{ documentList(docs, content) }}[{{ documentList([], content) }}]', { docs: [{ uri: `/d/1?${H}`, type: 'petition', fileType: 'pdf' }, { uri: '/d/2', type: 'other', fileType: `doc${H}` }], content: { petition: `Petition ${H}` } }],
  'progressList: items': ['{% from "look-and-feel/components/progress-list.njk" import progressList %}{{ progressList(items) }}', { items: [{ label: 'One', complete: true }, { label: `Two ${H}`, current: true }, { label: 'Three' }] }],
  'toggleHelp: closed and open': ['{% from "look-and-feel/components/toggle_help.njk" import toggleHelp %}{{ toggleHelp(label, "Answer <i>", "h1") }}{{ toggleHelp("Q", label, "h2", true) }}', {}],
  'warningText: params': ['{% from "look-and-feel/components/warning-text.njk" import warningText %}{{ warningText({ text: label, iconFallbackText: "Warning" }) }}', {}],
  'languageSwitch: two and one': ['{% from "look-and-feel/components/i18n.njk" import languageSwitch %}{{ languageSwitch("cy", langs) }}[{{ languageSwitch("en", [langs[0]]) }}]', { langs: [{ code: 'en', name: 'English' }, { code: 'cy', name: `Cymraeg ${H}` }] }],
};
const LAF_LAYOUTS = ['two_thirds', 'question', 'start_page', 'check_your_answers', 'add_another', 'error'];
export function lookAndFeelCases() {
  const out = [];
  for (const [name, ctx] of Object.entries(LAF_PAGES)) {
    const view = name.split(',')[0];
    out.push({ name: `example app ${name}`, page: `{% include "${view}.html" %}`, ctx });
  }
  const ctxFor = (v) => ({ label: `Label ${H}`, hint: `Hint ${H}`, f: field('country', v, v === 'bad' ? { id: 'country', message: `Choose ${H}` } : undefined), d: { id: 'dob', day: field('dob-day', '12'), month: field('dob-month', v), year: field('dob-year', '') , validated: v === 'bad', valid: v !== 'bad', errors: v === 'bad' ? [{ message: 'Date' }] : [] } });
  for (const [macro, calls] of Object.entries(LAF_CALLS))
    for (const [i, call] of calls.entries())
      for (const v of ['', 'scotland', 'bad', ['animal', 'mines'], true])
        out.push({ name: `${macro} #${i + 1} value ${JSON.stringify(v)}`, page: `${F}${call}`, ctx: ctxFor(v) });
  for (const [name, [page, ctx]] of Object.entries(LAF_COMPONENTS)) out.push({ name, page, ctx: () => ({ label: `Label ${H}`, ...(typeof ctx === 'function' ? ctx() : structuredClone(ctx)) }) });
  for (const layout of LAF_LAYOUTS) {
    const page = `{% extends "look-and-feel/layouts/${layout}.html" %}`;
    out.push({ name: `layout ${layout}: bare`, page, ctx: {} });
    out.push({ name: `layout ${layout}: a page's data`, page: `${page}{% block two_thirds %}<p>{{ title }}</p>{{ super() }}{% endblock %}`, ctx: () => ({ ...LAF_PAGES['Question, hostile values, errors'](), title: `T ${H}`, serviceName: 'Divorce', serviceUrl: '/d', serviceLinks: [{ href: '/a', text: 'A' }], footerLinks: [{ href: '/c', text: 'Cookies' }], session: {}, items: [], sections: [], answers: [], errors: [] }) });
  }
  return out;
}

// ---------------------------------------------------------------- hmpps-connect-dps-shared-items
export const DPS = join(FIXTURES, 'hmpps-dps-shared-items/dist/assets');
const DPS_MACROS = {
  alertFlag: 'dps/components/alert-flag/macro.njk',
  addressAutosuggest: 'dps/components/address-autosuggest/macro.njk',
  hmppsWebcamCapture: 'dps/components/webcam-capture/macro.njk',
};
const DPS_CALLS = {
  alertFlag: {
    'a link with attributes': { href: `/alerts?id=1&x=${H}`, alert: { classes: 'alert-status alert-status--security', label: `Security ${H}` }, attributes: { 'data-qa': 'alert', title: `T${H}` } },
    'no link': { alert: { classes: 'alert-status', label: 'Controlled unlock' } },
    empty: {},
  },
  addressAutosuggest: {
    'every option': { uprn: `1234${H}`, classes: 'x-a', findUrl: `/find?q=${H}`, fetchDelay: 0, inputValue: `1 High St ${H}`, errorMessage: { text: `Enter an address ${H}` } },
    'defaults': {},
  },
  hmppsWebcamCapture: {
    'every option': { fileName: `photo${H}.jpg`, reportErrors: true, fileField: { name: 'photo' }, cancelUrl: `/back?${H}`, photoInstructions: { html: '<p>Face the <b>camera</b></p>' } },
    'defaults': {},
  },
};
export function dpsCases() {
  const out = [];
  // (its README's setup: the package's assets folder on the search path, with govuk-frontend's and MoJ's frontend, which its macros import)
  for (const [macro, calls] of Object.entries(DPS_CALLS))
    for (const [name, options] of Object.entries(calls)) out.push({ name: `${macro}: ${name}`, page: `{% from "${DPS_MACROS[macro]}" import ${macro} %}\n{{ ${macro}(o) }}`, ctx: { o: options } });
  for (const [macro, file] of Object.entries(DPS_MACROS))
    for (const [variant, params] of Object.entries(shapes([readFileSync(join(DPS, file), 'utf8')], /alertFlag/.test(macro) ? 'alertData' : 'options')))
      out.push({ name: `${macro}: shape ${variant}`, page: `{% from "${file}" import ${macro} %}{{ ${macro}(o) }}`, ctx: { o: params } });
  return out;
}

const laf = lookAndFeelSetup(LAF);
/** Each project: its search paths, its app's options, filters and globals, its cases (`ctx` a value, or a function making a fresh one). */
export const ELEVENTH_A = {
  nhsapp: { paths: [NHSAPP, NHSUK], cases: nhsappCases },
  arns: { paths: [join(ARNS, 'dist/arns'), GOVUK], setup: arnsSetup(ARNS), cases: arnsCases },
  lookandfeel: { paths: LAF_PATHS, opts: { throwOnUndefined: laf.throwOnUndefined }, globals: laf.globals, cases: lookAndFeelCases },
  dps: { paths: [DPS, GOVUK, pkg('@ministryofjustice/frontend')], cases: dpsCases },
  // (the same, as an app that sets throwOnUndefined back to false in its settings)
  lookandfeelLoose: { paths: LAF_PATHS, opts: {}, globals: laf.globals, cases: lookAndFeelCases },
};

/** The same cases under other options an app may set: Nunjucks' whitespace control, autoescape off, throwOnUndefined. */
export const OPTION_SETS = { trim: { trimBlocks: true, lstripBlocks: true }, noescape: { autoescape: false }, strict: { throwOnUndefined: true } };
for (const p of ['nhsapp', 'arns', 'dps', 'lookandfeelLoose'])
  for (const [k, opts] of Object.entries(OPTION_SETS)) ELEVENTH_A[`${p} ${k}`] = { ...ELEVENTH_A[p], opts: { ...ELEVENTH_A[p].opts, ...opts } };

/** A fresh copy of a case's data for each render (a function makes it anew: fields with a get() are not cloneable). */
const cloneable = (ctx) => (typeof ctx === 'function' ? ctx() : structuredClone(ctx));

/** A setup function (`env.addFilter/addGlobal`) read into plain filters and globals. */
function collect(setup) {
  const filters = {};
  const globals = {};
  setup?.({ addFilter: (k, f) => (filters[k] = f), addGlobal: (k, v) => (globals[k] = v) });
  return { filters, globals };
}

/** Nunjucks, the Environment and kida/nunjucks for one project, set up as its app sets up Nunjucks. */
export async function engines(project) {
  const { paths, opts = {}, setup, globals: appGlobals = {} } = ELEVENTH_A[project];
  const nunjucks = require('nunjucks');
  const njk = new nunjucks.Environment(new nunjucks.FileSystemLoader(paths), { autoescape: true, ...opts });
  const api = (await import(join(here, '../dist/adapters/nunjucks.js'))).default;
  const apiEnv = api.configure(paths, { autoescape: true, ...opts });
  const { Environment, FileSystemLoader } = await import(join(here, '../dist/compiler/environment.js'));
  const { filters, globals } = collect(setup);
  Object.assign(globals, appGlobals);
  const env = new Environment({ loader: new FileSystemLoader(paths), compat: 'nunjucks', filters, globals, ...opts });
  for (const e of [njk, apiEnv]) {
    setup?.(e);
    for (const [k, v] of Object.entries(appGlobals)) e.addGlobal(k, v);
  }
  return pageWays(njk, env, apiEnv);
}

/** Per project: cases, Nunjucks' failures, and per way of ours how many equal Nunjucks byte for byte or throw as it does. */
export async function measure(projects = Object.keys(ELEVENTH_A)) {
  const results = {};
  const failing = [];
  for (const project of projects) {
    const { nunjucks, ways } = await engines(project);
    const counts = { cases: 0, nunjucksErrors: 0, ...Object.fromEntries(Object.keys(ways).map((v) => [v, { same: 0, bothThrow: 0 }])) };
    for (const c of ELEVENTH_A[project].cases()) {
      counts.cases++;
      const want = await settle(() => nunjucks({ ...c, ctx: cloneable(c.ctx) }));
      if (want.error !== undefined) counts.nunjucksErrors++;
      for (const [via, render] of Object.entries(ways)) {
        const got = await settle(() => render({ ...c, ctx: cloneable(c.ctx) }));
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
}
