// Compat 'nunjucks', the ninth pass's probe: the constructs the held-out projects barely use
// (cycler, joiner, range, dictsort, batch, groupby by a nested attribute, selectattr with one
// argument, loop.revindex, raw/verbatim, regex literals, super(), import with context, from with
// aliases, caller with arguments, safe strings from a filter, a global function, asyncEach,
// asyncAll and ifAsync with an async filter), each written as a real template would use it (a blog
// archive grouped by year, striped rows, a nav joined by separators), rendered by Nunjucks 3.2.4
// through its callback and here through render (where nothing is async), renderAsync,
// renderStreamAsync and kida/nunjucks, under Nunjucks' defaults, trimBlocks+lstripBlocks,
// autoescape off, throwOnUndefined and custom tag syntax (every template rewritten to <% %>).
import nunjucks from 'nunjucks';
import { describe, expect, it } from 'vitest';
import kidaNunjucks from '../../adapters/nunjucks.js';
import { DictLoader, Environment } from '../../compiler/environment.js';
import { SafeString } from '../../runtime/nunjucks/safe.js';

type Cb = (e: Error | null, r?: string) => void;
const posts: Record<string, unknown>[] = [
  { title: 'A <one>', date: { year: 2024, month: 1 }, tags: ['x', 'y'], draft: false, author: { name: 'Ann' } },
  { title: 'B', date: { year: 2023, month: 5 }, tags: [], draft: true, author: { name: 'Bob' } },
  { title: 'C & co', date: { year: 2024, month: 3 }, tags: ['y'], draft: false, author: { name: 'Ann' } },
  { title: 'D', date: { year: 2022, month: 12 }, tags: ['z'], author: { name: 'Cy' } },
];
const data = { posts, site: { title: 'S"ite', nav: { home: '/', blog: '/blog/', about: '/about/' } }, n: 7, items: ['a', 'b', 'c', 'd', 'e'], html: '<b>bold</b>', when: new Date(Date.UTC(2024, 1, 29)) };
const T: Record<string, string> = {
  groupbyNested: `{% for year, list in posts | groupby("date.year") %}<h2>{{ year }}</h2>{% for p in list %}{{ p.title }}{{ "," if not loop.last }}{% endfor %}{% endfor %}`,
  groupbyNested2: `{% for g in posts | groupby("author.name") %}{{ g }}{% endfor %}|{% for k, v in posts | groupby("author.name") %}{{ k }}={{ v | length }};{% endfor %}`,
  selectattr1: `{% for p in posts | selectattr("draft") %}{{ p.title }}{% endfor %}|{% for p in posts | rejectattr("draft") %}{{ p.title }}{% endfor %}|{{ posts | selectattr("tags") | length }}`,
  cycler: `{% set row = cycler("odd", "even") %}{% for p in posts %}<tr class="{{ row.next() }}">{{ p.title }}</tr>{% endfor %}{{ row.current }}{% set _ = row.reset() %}{{ row.next() }}`,
  joiner: `{% set sep = joiner(" | ") %}{% for k, v in site.nav %}{{ sep() }}<a href="{{ v }}">{{ k }}</a>{% endfor %}{% set j2 = joiner() %}{{ j2() }}{{ j2() }}`,
  range: `{% for i in range(n) %}{{ i }}{% endfor %}|{% for i in range(1, n, 2) %}{{ i }}{% endfor %}|{% for i in range(10, 0, -3) %}{{ i }}{% endfor %}|{{ range(3) }}`,
  dictsort: `{% for k, v in site.nav | dictsort %}{{ k }}:{{ v }};{% endfor %}{% for k, v in site.nav | dictsort(false, "value") %}{{ k }};{% endfor %}{% for k, v in {B: 1, a: 2, C: 0} | dictsort(true) %}{{ k }}{% endfor %}`,
  batch: `{% for row in items | batch(2, "&nbsp;") %}<tr>{% for c in row %}<td>{{ c | safe }}</td>{% endfor %}</tr>{% endfor %}|{% for row in items | batch(3) %}{{ row | join }};{% endfor %}`,
  loopVars: `{% for p in posts %}{{ loop.index }}/{{ loop.index0 }}/{{ loop.revindex }}/{{ loop.revindex0 }}/{{ loop.first }}/{{ loop.last }}/{{ loop.length }};{% endfor %}`,
  loopObj: `{% for k, v in site.nav %}{{ loop.index }}{{ loop.revindex }}{{ loop.last }}{{ loop.length }}{% endfor %}`,
  wsControl: `<ul>\n  {%- for p in posts %}\n    <li>{{- p.title -}}</li>\n  {%- endfor %}\n</ul>\n{#- c -#}\n  {{- n }}  \n{% if n -%}\n   yes\n{%- else -%}\n  no\n{%- endif %}`,
  raw: `{% raw %}{{ not }}{% if %}{% endraw %}|{% verbatim %}{{ x }}{% endverbatim %}|`,
  regex: `{{ "a-b_c" | replace(r/[-_]/g, " ") }}|{{ r/ab+c/i.test("ABBC") }}|{{ "x.html" | replace(r/\\.html$/, "") }}|{% if r/^\\d+$/.test(n) %}num{% endif %}`,
  superCall: `{% extends "base" %}{% block title %}Child - {{ super() }}{% endblock %}{% block body %}{{ super() }}+child{% endblock %}`,
  importCtx: `{% set who = "ctx-user" %}{% import "macros" as m with context %}{% import "macros" as m2 %}{{ m.hello() }}|{{ m2.hello() }}`,
  fromAlias: `{% from "macros" import hello as hi, field as f with context %}{{ hi() }}|{{ f("name", "v<") }}`,
  callerArgs: `{% from "macros" import list %}{% call(item, i) list(posts) %}[{{ i }}:{{ item.title }}]{% endcall %}`,
  callerNoArgs: `{% macro wrap(cls) %}<div class="{{ cls }}">{{ caller() }}</div>{% endmacro %}{% call wrap("a") %}inner {{ n }}{% endcall %}`,
  dateSafe: `{{ when | fmtDate }}|{{ when | fmtDate | upper }}|{{ "<x>" + (when | fmtDate) }}`,
  globalFn: `{{ hello("W<") }}|{{ hello("W<") | safe }}|{{ now().getFullYear() > 2000 }}`,
  setBlock: `{% set body %}<p>{{ html }}</p>{% endset %}{{ body }}|{{ body | safe }}|{{ body | length }}`,
  filterTag: `{% filter upper %}hello {{ html }}{% endfilter %}|{% filter replace("a", "b") %}banana{% endfilter %}`,
  ternary: `{{ "yes" if n > 5 else "no" }}|{{ "x" if false }}|{{ posts[0].title if posts }}`,
  inOp: `{{ "y" in posts[0].tags }}|{{ "home" in site.nav }}|{{ 3 in [1,2,3] }}|{{ "b" in "abc" }}`,
  jsMethods: `{{ posts.map }}|{{ items.slice(1, 3).join("-") }}|{{ site.title.toUpperCase() }}|{{ items.indexOf("c") }}|{{ items.concat(["z"]) | join }}`,
  arithmetic: `{{ 7 // 2 }}|{{ 7 % 3 }}|{{ 2 ** 10 }}|{{ 7 / 2 }}|{{ "a" ~ 1 ~ true }}|{{ -n + 1 }}|{{ n | float }}|{{ "3.7" | int }}|{{ "x" | int(5) }}`,
  sortFilters: `{% for p in posts | sort(false, false, "title") %}{{ p.title }},{% endfor %}|{{ posts | sort(true, false, "date.year") | first | attr("title") }}`,
  sums: `{{ [1,2,3] | sum }}|{{ posts | sum("date.month") }}|{{ posts | sum("date.month", 10) }}`,
  strFilters: `{{ "hello world" | title }}|{{ "  x  " | trim }}|{{ "abc" | center(9) }}|{{ "long text here" | truncate(8) }}|{{ "a\\nb" | nl2br }}|{{ "Hello" | wordcount }}|{{ "x" | indent(2, true) }}|{{ "a b" | urlencode }}|{{ {a: 1, b: "x y"} | urlencode }}|{{ "see http://x.com now" | urlize }}|{{ "<b>" | striptags }}|{{ 1234.5678 | round(2) }}|{{ 2.5 | round(0, "floor") }}`,
  listFilters: `{{ items | first }}{{ items | last }}{{ items | length }}{{ items | reverse | join }}{{ "abc" | reverse }}{{ items | random | length }}{{ [3,1,2] | sort | join }}{{ ["a","A","b"] | unique | join if false }}{{ items | list | join }}{{ "ab" | list | join(",") }}`,
  dumpSafe: `{{ site | dump }}|{{ posts[0] | dump(2) }}|{{ [1,"<"] | dump | safe }}`,
  escaping: `{{ html }}|{{ html | safe }}|{{ html | escape }}|{{ html | safe | escape }}|{{ html | forceescape }}|{{ html | e | e }}|{{ (html | safe) + html }}|{{ html | safe | replace("b", "i") }}`,
  defaults: `{{ missing | default("d") }}|{{ "" | default("d") }}|{{ "" | default("d", true) }}|{{ none }}|{{ null }}|{{ undefined }}|{{ missing.deep | default("x") }}`,
  asyncEach: `{% asyncEach p in posts %}{{ p.title | slowUpper }}{{ loop.index }}{% endeach %}`,
  asyncAll: `{% asyncAll p in posts %}<{{ p.title | slowUpper }}>{% endall %}`,
  ifAsync: `{% ifAsync n > 3 %}{{ "big" | slowUpper }}{% elif n > 1 %}mid{% else %}small{% endif %}`,
  asyncInMacro: `{% macro m(x) %}[{{ x | slowUpper }}]{% endmacro %}{{ m("a") }}{% for p in posts %}{{ p.title | slowUpper }}{% endfor %}`,
  asyncSet: `{% set t = "abc" | slowUpper %}{{ t }}{% set b %}{{ "x" | slowUpper }}{% endset %}{{ b }}`,
  asyncInclude: `{% for p in posts %}{% include "item" %}{% endfor %}`,
};
const templates: Record<string, string> = {
  base: `<title>{% block title %}Base{% endblock %}</title><main>{% block body %}base-body{% endblock %}</main>`,
  macros: `{% macro hello() %}Hello {{ who }}{% endmacro %}{% macro field(name, value="") %}<input name="{{ name }}" value="{{ value }}">{% endmacro %}{% macro list(items) %}<ul>{% for it in items %}<li>{{ caller(it, loop.index) }}</li>{% endfor %}</ul>{% endmacro %}`,
  item: `<i>{{ p.title | slowUpper }}</i>`,
};
const ASYNC = new Set(['asyncEach', 'asyncAll', 'ifAsync', 'asyncInMacro', 'asyncSet', 'asyncInclude']);
const TAGS = { blockStart: '<%', blockEnd: '%>', variableStart: '<$', variableEnd: '$>', commentStart: '<#', commentEnd: '#>' };
const MODES: Record<string, Record<string, unknown>> = { defaults: {}, 'trimBlocks and lstripBlocks': { trimBlocks: true, lstripBlocks: true }, 'autoescape off': { autoescape: false }, throwOnUndefined: { throwOnUndefined: true }, 'custom tags': { tags: TAGS } };
const toTags = (s: string) => s.replace(/\{%/g, '<%').replace(/%\}/g, '%>').replace(/\{\{/g, '<$').replace(/\}\}/g, '$>').replace(/\{#/g, '<#').replace(/#\}/g, '#>');
/**
 * Where the two differ by a documented divergence (docs/guide/nunjucks.md), each with its own test:
 * Nunjucks loses an async filter's output in a macro and in an include from a for loop, calls one in
 * a set block without a callback, cannot lex raw in custom tags; `dump | safe` writes JSON escapes.
 */
const DOCUMENTED = (mode: string, name: string) => ['asyncInMacro', 'asyncInclude', 'asyncSet'].includes(name) || (mode === 'custom tags' && name === 'raw');
const undoJsonEscapes = (s: string) => s.replace(/\\u003c|\\u003e|\\u0026|\\u0027/g, (m) => ({ '\\u003c': '<', '\\u003e': '>', '\\u0026': '&', '\\u0027': "'" })[m]!);
const fmtDate = (Safe: new (s: string) => unknown) => (d: Date) => new Safe(`<time>${d.toISOString().slice(0, 10)}</time>`);
const slowCb = (s: unknown, cb: Cb) => setTimeout(() => cb(null, String(s).toUpperCase()), 1);
const globals = { hello: (w: string) => `hi ${w}`, now: () => new Date() };

describe.each(Object.keys(MODES))('real-template shapes of the rarer constructs, %s', (mode) => {
  const { tags, ...opts } = MODES[mode] as { tags?: typeof TAGS };
  const tx = tags ? toTags : (s: string) => s;
  const files = Object.fromEntries(Object.entries(templates).map(([k, v]) => [k, tx(v)]));
  const loader = { getSource: (n: string) => ({ src: files[n]!, path: n, noCache: true }) };
  const theirs = new nunjucks.Environment(new (nunjucks.Loader.extend(loader) as unknown as new () => nunjucks.ILoader)(), { autoescape: true, ...MODES[mode] });
  theirs.addFilter('fmtDate', fmtDate(nunjucks.runtime.SafeString as never));
  theirs.addFilter('slowUpper', slowCb, true);
  for (const [k, f] of Object.entries(globals)) theirs.addGlobal(k, f);
  const env = new Environment({ loader: new DictLoader(files), compat: 'nunjucks', autoescape: true, ...opts, ...(tags ?? {}), globals });
  env.addFilter('fmtDate', fmtDate(SafeString as never));
  env.addFilter('slowUpper', (s: unknown) => new Promise((ok) => setTimeout(() => ok(String(s).toUpperCase()), 1)), true);
  const api = new kidaNunjucks.Environment(loader as never, { autoescape: true, ...MODES[mode] });
  api.addFilter('fmtDate', fmtDate(nunjucks.runtime.SafeString as never));
  api.addFilter('slowUpper', slowCb, true);
  for (const [k, f] of Object.entries(globals)) api.addGlobal(k, f);

  it.each(Object.keys(T).filter((name) => !DOCUMENTED(mode, name)))('%s', async (name) => {
    const src = tx(T[name]!);
    const want = await new Promise<string>((ok) => theirs.renderString(src, structuredClone(data), (e, o) => ok(e ? 'ERR' : o!)));
    const attempt = async (f: () => unknown) => {
      try {
        return String(await f());
      } catch {
        return 'ERR';
      }
    };
    const t = () => env.fromString(src, { name: 'p.njk' });
    const got: Record<string, string> = {
      renderAsync: await attempt(() => t().renderAsync(structuredClone(data))),
      renderStreamAsync: await attempt(async () => {
        let s = '';
        for await (const c of t().renderStreamAsync(structuredClone(data))) s += c;
        return s;
      }),
      'kida/nunjucks': await attempt(() => new Promise((ok, no) => api.renderString(src, structuredClone(data), (e: Error | null, o?: string) => (e ? no(e) : ok(o))))),
    };
    if (!ASYNC.has(name)) got.render = await attempt(() => t().render(structuredClone(data)));
    for (const [way, out] of Object.entries(got)) {
      if (name === 'dumpSafe' && out !== want) expect(undoJsonEscapes(out), way).toBe(want);
      else expect(out, way).toBe(want);
    }
  });
});
