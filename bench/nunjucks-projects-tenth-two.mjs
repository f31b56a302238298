// Issue #25's outside check, the tenth pass, part two: two GOV.UK One Login packages vendored
// unchanged under test/fixtures/nunjucks-projects/govuk-one-login (SOURCES.md), rendered against
// Nunjucks 3.2.4 through the Environment (render, renderStream, renderAsync) and kida/nunjucks:
// - @govuk-one-login/service-header 5.0.0: its macro (a macro whose body is `{% include
//   "./template.njk" %}`, the include reading the macro's `params`; sets at the template's top
//   level that the macro's include sees; a `from` of govuk-frontend's service navigation by a
//   `node_modules/…` name on the app's root), called as its README calls it and once per option
//   it documents; and its Prototype Kit page template (extends its layout, `.html` names, which
//   extends the kit's govuk-branded layout, `navArr.push()` inside `{{ '' if … }}`) in the kit's
//   environment.
// - @govuk-one-login/frontend-language-toggle 2.2.2: its macro (again an include inside a macro)
//   with its `addLanguageParam` global from its own build/cjs file, as its README sets it up.
//
//   node bench/nunjucks-projects-tenth-two.mjs [header|kit|toggle]   prints the counts and the first differences
import { mkdirSync, mkdtempSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FIXTURES } from './nunjucks-projects-sixth.mjs';
import { PROJECTS, judge, kitLoader, pageWays, pkg, printDiffs, settle } from './nunjucks-projects.mjs';

const require = createRequire(import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));
/**
 * The app's root, a search path as the header's README has it (its `node_modules/govuk-frontend/…`
 * names): a folder holding only node_modules/govuk-frontend (this repository's root would bring
 * its own templates into a bundle, which registers every template of its roots where any has a
 * dynamic reference).
 */
export const APP_ROOT = (() => {
  const dir = mkdtempSync(join(tmpdir(), 'one-login-app-'));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(pkg('govuk-frontend'), join(dir, 'node_modules/govuk-frontend'));
  return dir;
})();
export const HEADER = join(FIXTURES, 'govuk-one-login/service-header/dist/nunjucks');
/** The toggle's README puts the folder holding `frontend-language-toggle/` on the search path. */
export const TOGGLE = join(FIXTURES, 'govuk-one-login');
export const addLanguageParam = require(join(TOGGLE, 'frontend-language-toggle/build/cjs/language-param-setter.cjs'));

const nav = (active) => [
  { href: '/a', text: 'Your <services>', active: active === 'a' },
  { href: '/b?x=1&y="2"', text: 'Security', active: active === 'b' },
  { href: '#', html: '<b>Bold</b> link' },
];
const HEADER_CALLS = {
  // (its README's example, serviceName and navigation from the page's data; as written its `}})`
  // ends the tag in both engines, a parse error in both, so also with the braces spaced)
  'README, as written': [`{{ govukOneLoginServiceHeader({\n  signOutLink: "/placeholder", \n  serviceNavigationParams: { \n    navigation: navigation, \n    serviceName: serviceName, \n    navigationLabel: "Test" \n}}) }}`, { navigation: nav('a'), serviceName: 'Juggling <licence>' }],
  'README, braces spaced': [`{{ govukOneLoginServiceHeader({\n  signOutLink: "/placeholder", \n  serviceNavigationParams: { \n    navigation: navigation, \n    serviceName: serviceName, \n    navigationLabel: "Test" \n} }) }}`, { navigation: nav('a'), serviceName: 'Juggling <licence>' }],
  'no options': ['{{ govukOneLoginServiceHeader({}) }}', {}],
  'Welsh (lng: cy), default links': ['{{ govukOneLoginServiceHeader({ lng: "cy" }) }}', {}],
  'every link overridden': ['{{ govukOneLoginServiceHeader({ oneLoginLink: one, signOutLink: out, homepageLink: home, lng: "cy" }) }}', { one: 'https://one.example/?a=1&b="2"', out: '/sign-out?next=<x>', home: "https://home.example/'q'" }],
  'sign-out form with hidden inputs (html)': ['{{ govukOneLoginServiceHeader({ signOutFormAction: "/logout", signOutLink: "/unused", signOutFormHiddenInputsHtml: \'<input type="hidden" name="_csrf" value="\' + token + \'">\' }) }}', { token: 'abc&<def>' }],
  'service navigation without a service name (not rendered)': ['{{ govukOneLoginServiceHeader({ serviceNavigationParams: { navigation: navigation } }) }}', { navigation: nav('b') }],
  'service navigation, every option': [
    '{{ govukOneLoginServiceHeader({ serviceNavigationParams: params }) }}',
    { params: { serviceName: 'Service & co', serviceUrl: '/start', navigation: nav('b'), navigationLabel: 'Menu "main"', navigationClasses: 'x-nav', menuButtonText: 'More', menuButtonLabel: 'Show <more>', classes: 'x-sn', attributes: { 'data-a': 'b"c' }, ariaLabel: 'Service', collapseNavigationOnMobile: false } },
  ],
};
export function headerCases() {
  return Object.entries(HEADER_CALLS).map(([name, [call, ctx]]) => ({ name, page: `{% from "service-header/service-header.njk" import govukOneLoginServiceHeader %}\n${call}`, ctx }));
}

const items = [
  { id: 'home', href: '/', text: 'Home' },
  { id: 'acct', href: '/account?tab=1&x=<y>', text: 'Your "account"' },
];
const KIT_PAGES = {
  bare: {},
  'service name only': { serviceName: 'Apply <now>' },
  'navigationItems, one active': { serviceName: 'Apply', navigationItems: items, activeLinkId: 'acct', lng: 'cy', signOutLink: '/out', oneLoginLink: '/one' },
  'navigationItems without a service name (no header)': { navigationItems: items, activeLinkId: 'home' },
  'navigation (govuk items)': { serviceName: 'Apply', serviceUrl: '/apply', navigation: nav('a'), navigationLabel: 'Sections', menuButtonText: 'Menu' },
};
/** Its Prototype Kit page template, rendered as the kit renders a page made from it. */
export function kitCases() {
  return Object.entries(KIT_PAGES).map(([name, ctx]) => ({ name: `kit page: ${name}`, page: '{% extends "service-header/templates/service-header.njk" %}', ctx }));
}

const LANGS = [
  { code: 'en', text: 'English', visuallyHidden: 'Change to English' },
  { code: 'cy', text: 'Cymraeg', visuallyHidden: 'Newid yr iaith i’r Gymraeg' },
];
const TOGGLE_CALLS = {
  // (its README's call, with the URL its middleware makes: a string there; addLanguageParam then fails in both)
  'README (url a string: addLanguageParam throws)': ['{{ languageSelect({ ariaLabel: "Choose a language", url: currentUrl, class: "", activeLanguage: htmlLang, languages: languages }) }}', () => ({ currentUrl: 'https://x.example/p?a=1', htmlLang: 'en', languages: LANGS })],
  'url a URL, English active': ['{{ languageSelect({ ariaLabel: "Choose a language", url: url, class: "", activeLanguage: "en", languages: languages }) }}', () => ({ url: new URL('https://x.example/start?a=1&b=<2>'), languages: LANGS })],
  'url a URL, Welsh active, a class': ['{{ languageSelect({ ariaLabel: "Dewis iaith", url: url, class: "x-top", activeLanguage: "cy", languages: languages }) }}', () => ({ url: new URL('https://x.example/cychwyn'), languages: LANGS })],
  'no url (its fallback link)': ['{{ languageSelect({ ariaLabel: "Choose", activeLanguage: "cy", languages: languages }) }}', () => ({ languages: LANGS })],
  'no languages': ['{{ languageSelect({ ariaLabel: "Choose <lang>" }) }}', () => ({})],
  'markup in texts': ['{{ languageSelect({ ariaLabel: label, url: url, activeLanguage: "fr", languages: langs }) }}', () => ({ label: 'A "label" & <b>', url: new URL('https://x.example/'), langs: [{ code: 'fr"', text: '<i>Français</i>', visuallyHidden: 'a & b' }, ...LANGS] })],
};
export function toggleCases() {
  return Object.entries(TOGGLE_CALLS).map(([name, [call, ctx]]) => ({ name, page: `{% from "frontend-language-toggle/build/macro.njk" import languageSelect %}\n${call}`, ctx }));
}

/** Each project: its search paths, its app's options, globals and filters, its cases (`ctx` a value, or a function making a fresh one). */
export const TENTH_TWO = {
  header: { paths: [HEADER, APP_ROOT], cases: headerCases },
  // (the kit's app environment with the plugin installed: the plugin's nunjucksPaths first, the kit's own, then its working directory)
  kit: { ...PROJECTS.kit, paths: [HEADER, ...PROJECTS.kit.paths, APP_ROOT], cases: kitCases },
  toggle: { paths: [TOGGLE], globals: { addLanguageParam }, cases: toggleCases },
};

const fresh = (ctx) => (typeof ctx === 'function' ? ctx() : structuredClone(ctx));

/** Nunjucks, the Environment and kida/nunjucks for one project, set up as its app sets up Nunjucks. */
export async function engines(project) {
  const { paths, globals = {}, fallbackExtensions, filters: filtersOf } = TENTH_TWO[project];
  const nunjucks = require('nunjucks');
  const { SafeString } = await import(join(here, '../dist/runtime/nunjucks/safe.js'));
  const njk = new nunjucks.Environment(fallbackExtensions ? kitLoader(paths) : new nunjucks.FileSystemLoader(paths), { autoescape: true });
  const api = (await import(join(here, '../dist/adapters/nunjucks.js'))).default;
  const apiEnv = fallbackExtensions ? new api.Environment(kitLoader(paths), { autoescape: true }) : api.configure(paths, { autoescape: true });
  const { Environment, FileSystemLoader } = await import(join(here, '../dist/compiler/environment.js'));
  const filters = (await filtersOf?.(SafeString)) ?? {};
  const env = new Environment({ loader: new FileSystemLoader(paths, { fallbackExtensions }), compat: 'nunjucks', filters, globals });
  for (const [k, f] of Object.entries((await filtersOf?.(nunjucks.runtime.SafeString)) ?? {})) njk.addFilter(k, f);
  for (const [k, f] of Object.entries(filters)) apiEnv.addFilter(k, f);
  for (const [k, v] of Object.entries(globals)) {
    njk.addGlobal(k, v);
    apiEnv.addGlobal(k, v);
  }
  return pageWays(njk, env, apiEnv);
}

/** Per project: cases, Nunjucks' failures, and per way of ours how many equal Nunjucks byte for byte or throw as it does. */
export async function measure(projects = Object.keys(TENTH_TWO)) {
  const results = {};
  const failing = [];
  const warn = console.warn;
  console.warn = () => {}; // (addLanguageParam warns about a missing url on every call)
  try {
    for (const project of projects) {
      const { nunjucks, ways } = await engines(project);
      const counts = { cases: 0, nunjucksErrors: 0, ...Object.fromEntries(Object.keys(ways).map((v) => [v, { same: 0, bothThrow: 0 }])) };
      for (const c of TENTH_TWO[project].cases()) {
        counts.cases++;
        const want = await settle(() => nunjucks({ ...c, ctx: fresh(c.ctx) }));
        if (want.error !== undefined) counts.nunjucksErrors++;
        for (const [via, render] of Object.entries(ways)) {
          const got = await settle(() => render({ ...c, ctx: fresh(c.ctx) }));
          if (!judge(counts, via, want, got)) failing.push({ via, project, c, want, got });
        }
      }
      results[project] = counts;
    }
  } finally {
    console.warn = warn;
  }
  return { results, failing };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { results, failing } = await measure(process.argv[2] ? [process.argv[2]] : undefined);
  for (const [p, c] of Object.entries(results)) console.log(p, JSON.stringify(c));
  printDiffs(failing, Number(process.argv[3] ?? 3));
}
