// Templates written the way real projects write them (issue #25): Eleventy layouts (a base
// layout with includes, a post layout over it, `content | safe`), component-library macros
// (params objects, macros importing macros, `caller()` with and without arguments, set blocks
// capturing macros), whitespace control everywhere, `include … ignore missing`, `import … with
// context`, filter chains over safe strings, and filters/globals the app adds.
import type { Case } from './harness.js';
import { rows } from './cases.js';

const files: Record<string, string> = {
  'layouts/base.njk': '<!DOCTYPE html>\n<html lang="{{ lang | default("en") }}">\n<head>\n  {%- block head %}\n  <title>{% block pageTitle %}{{ title }} – Site{% endblock %}</title>\n  {%- endblock %}\n</head>\n<body class="{{ bodyClasses }}">\n  {% block header %}{% include "partials/header.njk" %}{% endblock %}\n  <main>\n    {%- block content %}{{ content | safe }}{% endblock -%}\n  </main>\n  {% block footer %}{% include "partials/footer.njk" ignore missing %}{% endblock %}\n</body>\n</html>\n',
  'layouts/post.njk': '{% extends "layouts/base.njk" %}\n{% block pageTitle %}{{ post.title }} | {{ super() }}{% endblock %}\n{% block content %}\n<article>\n  <h1>{{ post.title }}</h1>\n  {{ super() }}\n</article>\n{% endblock %}\n',
  'partials/header.njk': '<header>{{ site.name }}{% if nav %}<nav>{% for item in nav -%}\n  <a href="{{ item.url }}"{% if item.url == page.url %} aria-current="page"{% endif %}>{{ item.text }}</a>\n{%- endfor %}</nav>{% endif %}</header>',
  'macros/link.njk': '{% macro link(params) -%}\n<a href="{{ params.href }}" class="link {{- \' \' + params.classes if params.classes }}"{% for k, v in params.attributes %} {{ k }}="{{ v }}"{% endfor %}>\n  {{- params.html | safe if params.html else params.text -}}\n</a>\n{%- endmacro %}',
  'macros/card.njk': '{% from "macros/link.njk" import link %}\n{% macro card(params) %}\n<div class="card">\n  {%- if params.heading %}<h2>{{ params.heading }}</h2>{% endif %}\n  {{- caller() if caller else params.html | safe }}\n  {%- if params.href %}{{ link({ href: params.href, text: "Read more" }) }}{% endif %}\n</div>\n{%- endmacro %}',
  'macros/list.njk': '{% macro list(items, ordered=false) %}{% set tag = "ol" if ordered else "ul" %}<{{ tag }}>{% for i in items %}{{ caller(i, loop.index) }}{% endfor %}</{{ tag }}>{% endmacro %}',
  'ctxmacro.njk': '{% macro greet() %}Hi {{ user.name }} ({{ role }}){% endmacro %}{% set role = "admin" %}',
};
const site = { name: 'My <Site>' };

const files2: Record<string, string> = {
  'base.njk': '<title>{{ pageTitle or title }}</title>{% block body %}{% endblock %}',
  'tag.njk': '{% macro tag(params) %}<strong class="tag {{- " " + params.classes if params.classes }}"{%- for attribute, value in params.attributes %} {{ attribute }}="{{ value }}"{% endfor %}>{{ params.html | safe if params.html else params.text }}</strong>{% endmacro %}',
  'wrap.njk': '{% from "tag.njk" import tag %}{% macro box(params) %}<div>{{ caller() | trim | safe }}{% for t in params.tags %}{{ tag(t) }}{% endfor %}</div>{% endmacro %}{% macro outer() %}{% set inner = caller() %}<o>{% call box({ tags: [{ text: "in" }] }) %} {{ inner }} {% endcall %}</o>{% endmacro %}',
  'item.njk': '<li>{{ loop.index }}:{{ post.data.title }}</li>',
};
const posts = [{ data: { title: 'A <1>' }, date: 1 }, { data: { title: 'B' }, date: 2 }];

export const real: Case[] = [
  ...rows('real', [
    ['page through a base layout (includes, nav, content | safe)', '{% extends "layouts/base.njk" %}', { title: 'Home', content: '<p>Hello</p>', site, nav: [{ url: '/', text: 'Home' }, { url: '/a', text: 'A & B' }], page: { url: '/a' } }],
    ['layout chain with super() twice over', '{% extends "layouts/post.njk" %}{% block content %}<p>{{ post.body }}</p>{{ super() }}{% endblock %}', { title: 'T', post: { title: 'P "q"', body: 'b<' }, site, content: '<em>c</em>' }],
    ['macro importing a macro, params object', '{% from "macros/card.njk" import card %}{{ card({ heading: "H", html: "<b>x</b>", href: "/x" }) }}', {}],
    ['macro with caller() if caller', '{% from "macros/card.njk" import card %}{% call card({ heading: "Call" }) %}<p>inside {{ who }}</p>{% endcall %}', { who: '<me>' }],
    ['caller with arguments, two list styles', '{% from "macros/list.njk" import list %}{% call(item, n) list(items, true) %}<li>{{ n }}. {{ item }}</li>{% endcall %}|{% call(item) list(items) %}{{ item | upper }}{% endcall %}', { items: ['a', '<b>'] }],
    ['set block capturing a macro, escaped again then safe', '{% from "macros/link.njk" import link %}{% set html %}{{ link({ href: "/x", text: "X <y>", classes: "big", attributes: { "data-x": "1" } }) }}{% endset %}{{ html }}|{{ html | safe }}', {}],
    ['import as, set block with trim controls', '{% import "macros/link.njk" as l %}{% set out -%}\n  {{ l.link({ href: "/", html: "<i>i</i>" }) }}\n{%- endset %}[{{ out | safe | trim }}]', {}],
    ['import and from-import with context', '{% import "ctxmacro.njk" as c with context %}{{ c.greet() }}|{% from "ctxmacro.njk" import greet with context %}{{ greet() }}', { user: { name: 'Ann' } }],
    ['import without context', '{% import "ctxmacro.njk" as c %}{{ c.greet() }}', { user: { name: 'Ann' } }],
    ['include ignore missing', '{% include "missing.njk" ignore missing %}ok{% include "partials/footer.njk" ignore missing %}', {}],
    ['whitespace control everywhere', '{%- for x in xs -%}\n  {{- x -}}\n  {#- note -#}\n  ,\n{%- endfor -%}\n', { xs: [1, 2, 3] }],
    ['for-else in a list with lstrip-style dashes', '<ul>\n  {%- for x in xs %}\n  <li>{{ x }}</li>\n  {%- else %}\n  <li>none</li>\n  {%- endfor %}\n</ul>', { xs: [] }],
    ['safe strings through filter chains', '{{ ("<b>" | safe) + "<i>" }}|{{ "<b>" | escape | safe }}|{{ "a<b" | replace("<", "&lt;") | safe }}|{{ html | safe | trim | replace("x", "y") }}|{{ html | indent(2, true) }}', { html: '  <x>\n<x>  ' }],
    ['text filter chains', '{{ text | striptags | truncate(10) | title }}|{{ text | wordcount }}|{{ items | join(", ") | safe }}|{{ items | map ("x") if false else items | length }}', { text: '<p>hello there world</p>', items: ['<a>', 'b'] }],
    ['push through the comma operator, JS methods', '{% set classes = ["a", "b"] %}{% set classes = (classes.push("c"), classes) %}{{ classes | join(" ") }}|{{ classes.concat(["d"]).indexOf("d") }}', {}],
    ['object literal with quoted and bare keys, dump', '{% set attrs = { id: "x", "data-y": 2 } %}{% for k, v in attrs %}{{ k }}={{ v }};{% endfor %}{{ attrs | dump | safe }}', {}],
    ['macro defaults reading earlier params, keyword call', '{%- macro field(name, label=name | capitalize, hint) -%}\n<label for="{{ name }}">{{ label }}</label>{% if hint %}<span>{{ hint }}</span>{% endif %}\n{%- endmacro -%}\n{{ field("email") }}\n{{ field("name", "Your name", hint="As on passport") }}', {}],
    ['selectattr/rejectattr on literals', '{% set items = [{t: "a", on: true}, {t: "b"}] %}{% for i in items | selectattr("on") %}{{ i.t }}{% endfor %}|{% for i in items | rejectattr("on") %}{{ i.t }}{% endfor %}|{{ items | sort(false, false, "t") | map("t") if false else "" }}', {}],
    ['groupby pairs', '{% for group in people | groupby("team") %}{% endfor %}{% for team, ms in people | groupby("team") %}{{ team }}:{% for m in ms %}{{ m.name }}{% endfor %};{% endfor %}', { people: [{ name: 'a', team: 'x' }, { name: 'b', team: 'y' }, { name: 'c', team: 'x' }] }],
  ], { templates: files }),
  ...rows('real, components and filters', [
    ['page title set before the layout reads it', '{% extends "base.njk" %}{% set pageTitle = title ~ " | " ~ site.title %}{% block body %}<h1>{{ title }}</h1>{% endblock %}', { title: 'Home', site: { title: 'S' } }],
    ['component macros: caller | trim | safe, attributes loop, nested call', '{% from "wrap.njk" import box, outer %}{% call box({ tags: [{ text: "a", classes: "blue", attributes: { id: "t1" } }, { html: "<i>b</i>" }] }) %}\n  <p>body</p>\n{% endcall %}{% call outer() %}X{% endcall %}', {}],
    ['collections loop with include and loop.index', '{% for post in collections.posts | reverse %}{% include "item.njk" %}{% endfor %}|{{ (collections.posts | first).data.title }}|{{ collections.posts | length }}', { collections: { posts } }],
    ['defaults and or-chains', '{% set x = y or "default" %}{{ x }}|{{ a if b }}|{{ x | d("y") }}|{{ none | default("n", true) }}|{{ "" | default("e", true) }}|{{ u | default("u") }}|{{ false | default("f") }}', {}],
    ['range, cycler, joiner', '{% for i in range(0, 5, 2) %}{{ i }}{% endfor %}|{{ range(3) | join }}|{% set c = cycler("odd", "even") %}{% for i in [1,2,3] %}{{ c.next() }}{% endfor %}|{% set j = joiner("; ") %}{% for i in [1,2] %}{{ j() }}{{ i }}{% endfor %}', {}],
    ['undefined chains and is-tests', '[{{ x.y.z }}]{% if x is defined and x.length %}yes{% endif %}{{ "s" is string }}{{ 1 is number }}{{ {} is mapping }}{{ f is callable }}{{ [] is iterable }}', { f: () => 1 }],
    ['urlencode and dump', '{{ url | urlencode }}|{{ {a: [1, "x"]} | dump(2) }}|{{ "a&b" | urlencode }}|{{ params | urlencode }}', { url: 'a b/c?d=é', params: { q: 'x y', n: 1 } }],
    ['dictsort, batch, slice filter', '{% for k, v in obj | dictsort %}{{ k }}{{ v }}{% endfor %}|{% for item in items | batch(2, "-") %}[{{ item | join }}]{% endfor %}|{{ items | slice(2) | dump }}', { obj: { b: 2, a: 1, C: 3 }, items: [1, 2, 3] }],
    ['nav built with push in a whitespace-trimmed loop', '{%- set navItems = [] -%}\n{%- for p in pages -%}\n  {%- set navItems = (navItems.push({ href: p.url, text: p.title, current: p.url == page.url }), navItems) -%}\n{%- endfor -%}\n{{ navItems | dump | safe }}', { pages: [{ url: '/', title: 'H' }, { url: '/a', title: 'A' }], page: { url: '/a' } }],
    ['macro arguments: defaults, keywords, missing, extra', '{% macro m(a, b="B", c) %}{{ a }}{{ b }}{{ c }}{% endmacro %}{{ m(1) }}|{{ m(1, c=3) }}|{{ m(c=3, a=1) }}|{{ m() }}|{{ m(1,2,3,4) }}', {}],
    ['in over strings, lists, objects', '{% set isActive = (item.href == currentPath) or (item.children and currentPath in item.children) %}{{ isActive }}|{{ "b" in "abc" }}|{{ 2 in [1,2] }}|{{ "k" in {k: 1} }}', { item: { href: '/x', children: ['/y'] }, currentPath: '/y' }],
    ['replace with counts, empty needle, a regex; center', '{{ "Hello World" | replace("o", "0", 1) }}|{{ "aaa" | replace("a", "b", 2) }}|{{ "x" | replace("", "-") }}|{{ text | replace(r/\\s+/g, " ") }}|{{ "abc" | center(7) }}|', { text: 'a \n  b\tc' }],
    ['numbers: round, int/float defaults, abs, sum with attribute and start', '{{ 3.7 | round }}|{{ 3.75 | round(1, "floor") }}|{{ "3.9" | int }}|{{ "x" | int(7) }}|{{ "1.5e3" | float }}|{{ -3 | abs }}|{{ [1,2,3] | sum }}|{{ [{v:1},{v:2}] | sum("v", 10) }}', {}],
    ['text filters: striptags, nl2br, urlize, title, capitalize', '{{ "<p>Hi</p>\\n\\n<p>there</p>" | striptags(true) }}|{{ "line1\\nline2" | nl2br }}|{{ "see http://x.com/a?b=1 now" | urlize | safe }}|{{ "ab cd" | title }}|{{ "aBc" | capitalize }}', {}],
    ['sort variants, reverse, random, list, last', '{% set list = ["b", "A", "c"] %}{{ list | sort | join }}|{{ list | sort(true) | join }}|{{ list | sort(false, true) | join }}|{{ list | reverse | join }}|{{ list | random in list }}|{{ "abc" | list | join("-") }}|{{ list | last }}', {}],
    ['filter blocks', '{% filter upper %}hi {{ name }}{% endfilter %}|{% filter replace("a", "o") %}banana{% endfilter %}|{% filter indent(2) %}a\nb{% endfilter %}', { name: '<n>' }],
    ['if/elif/else with whitespace control', '{%- if items | length > 1 -%}\n  many\n{%- elif items | length == 1 -%}\n  one\n{%- else -%}\n  none\n{%- endif -%}', { items: [1] }],
    ['switch with fall-through and default', '{% switch kind %}{% case "a" %}A{% case "b" %}{% case "c" %}BC{% default %}D{% endswitch %}', { kind: 'b' }],
  ], { templates: files2 }),
  ...rows('app filters and globals', [
    ['filter with keyword arguments', '{{ n | money }} {{ n | money(places=0) }} {{ n | money(places=1) | replace(".", ",") }}', { n: 3.14159 }],
    ['custom filter in a chain, output escaped', '{{ title | slug | upper }}|{{ "<x>" | wrap }}|{{ "<x>" | wrap | safe }}', { title: 'Hello, World & Co' }],
    ['filter returning a list', '{% for w in "a b c" | words %}[{{ w }}]{% endfor %}{{ "x y" | words | length }}'],
    ['global value and function', '{{ siteName }}: {{ url("/about") }} {{ url(page) if page else url("/") }}'],
    ['globals and filters inside an imported macro', '{% import "lib.njk" as lib %}{{ lib.nav(["/a", "/b"]) }}'],
    ['data shadows a global', '{{ siteName }}', { siteName: 'Data' }],
    ['filter of undefined', '[{{ missing | slug }}]'],
  ], {
    templates: { 'lib.njk': '{% macro nav(paths) %}{% for p in paths %}<a href="{{ url(p) }}">{{ p | slug | upper }}</a>{% endfor %} – {{ siteName }}{% endmacro %}' },
    filters: {
      money: ((n: number, kw?: { places?: number }) => n.toFixed(kw?.places ?? 2)) as never,
      slug: ((s: unknown) => String(s ?? '').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '')) as never,
      wrap: ((s: string) => `<b>${s}</b>`) as never,
      words: ((s: string) => s.split(' ')) as never,
    },
    globals: { siteName: 'Kida & Co', url: (p: string) => `/base${p}` },
  }),
];
