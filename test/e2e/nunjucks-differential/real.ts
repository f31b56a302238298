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
