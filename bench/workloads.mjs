// Benchmark workloads: one template (set) per engine, the same data, and a hand-written JS
// baseline. Every engine must render byte-identical output for a workload (run.mjs checks it
// before timing). Conventions that keep the outputs identical without normalising them:
//
// * Data strings contain `<`, `>` and `&` (escaped identically by every engine) but no quotes,
//   `=` or backticks: the engines spell those entities differently (`&quot;` / `&#34;`,
//   `&#39;` / `&#x27;`, Handlebars also escapes `=` and backtick), which is a spelling choice,
//   not a difference in what the template does.
// * No whitespace trimming anywhere (Kida, Nunjucks, Liquid default; Eta `autoTrim: false`;
//   Handlebars `ignoreStandalone`), so text between tags is emitted verbatim.
// * `round` is only applied to values whose rounded result is non-integral and not a tie
//   (Kida's `round` returns a float that renders `3.0` when integral, like the reference;
//   the JS engines print `3`; Kida uses banker's rounding, the others `Math.round`).
// * Liquid: with `outputEscape: 'escape'` Liquid's `escape` filter output is escaped again,
//   so the explicit `| escape` of the other engines is plain (auto-escaped) output there;
//   Liquid treats `[]` as truthy, so no emptiness tests on lists.

export const MAP = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const ESC_TEST = /[&<>"']/;
const ESC_ALL = /[&<>"']/g;
/** The baseline's minimal escape function. */
export function esc(v) {
  const s = '' + v;
  return ESC_TEST.test(s) ? s.replace(ESC_ALL, (c) => MAP[c]) : s;
}
const round = (x, p) => Math.round(x * 10 ** p) / 10 ** p;
const capitalize = (s) => s.charAt(0).toUpperCase() + s.slice(1).toLowerCase();
const striptags = (s) => s.replace(/<[^>]*>/g, '').replace(/\s+/g, ' ').trim();

/** Handlebars helpers (registered on an isolated Handlebars environment). */
export function handlebarsHelpers(hb) {
  return {
    lower: (s) => String(s).toLowerCase(),
    upper: (s) => String(s).toUpperCase(),
    trim: (s) => String(s).trim(),
    capitalize: (s) => capitalize(String(s)),
    replace: (s, a, b) => String(s).replaceAll(a, b),
    round: (x, p) => round(x, p),
    abs: (x) => Math.abs(x),
    escape: (s) => new hb.SafeString(hb.Utils.escapeExpression(s)),
    striptags: (s) => striptags(String(s)),
    sort: (xs) => [...xs].sort(),
    join: (xs, sep) => xs.join(typeof sep === 'string' ? sep : ''),
    length: (xs) => xs.length,
    first: (xs) => xs[0],
    last: (xs) => xs[xs.length - 1],
    default: (v, d) => (v === undefined || v === null ? d : v),
    gt: (a, b) => a > b,
  };
}

// ------------------------------------------------------------------------------------------
// 1. minimal page
const minimal = {
  id: 'minimal',
  title: 'Minimal page',
  data: () => ({ name: 'World & <friends>' }),
  kida: { entry: 'page.kida', files: { 'page.kida': '<p>Hello, {{ name }}!</p>' } },
  nunjucks: { entry: 'page.njk', files: { 'page.njk': '<p>Hello, {{ name }}!</p>' } },
  liquid: { entry: 'page', files: { page: '<p>Hello, {{ name }}!</p>' } },
  eta: { entry: 'page', files: { page: '<p>Hello, <%= it.name %>!</p>' } },
  handlebars: { entry: 'page', files: { page: '<p>Hello, {{name}}!</p>' } },
  baseline: (d) => '<p>Hello, ' + esc(d.name) + '!</p>',
};

// ------------------------------------------------------------------------------------------
// 2. small page: a dozen variables and a condition
const smallKida = `<!doctype html>
<html lang="{{ lang }}">
<head><meta charset="utf-8"><title>{{ title }} · {{ site.name }}</title>
<meta name="description" content="{{ description }}"></head>
<body>
<header><a href="{{ site.url }}">{{ site.name }}</a> <span>{{ user.name }}</span> ({{ user.email }})</header>
<main><h1>{{ title }}</h1><p>{{ intro }}</p>
{% if user.admin %}<a href="/admin">Admin</a>{% else %}<span>Member since {{ user.since }}</span>{% end %}
<p>{{ notifications }} new notifications, {{ messages }} messages.</p></main>
<footer>{{ footer }} {{ year }}</footer>
</body></html>
`;
const small = {
  id: 'small',
  title: 'Small page (14 variables)',
  data: () => ({
    lang: 'en',
    title: 'Tips & <tricks> for templates',
    description: 'Fast & safe HTML rendering',
    site: { name: 'Kida <Bench>', url: '/home' },
    user: { name: 'Ada Lovelace', email: 'ada@example.com', admin: false, since: 2015 },
    intro: 'Welcome back & enjoy the <new> features.',
    notifications: 3,
    messages: 12,
    footer: '© Example & Co',
    year: 2025,
  }),
  kida: { entry: 'page.kida', files: { 'page.kida': smallKida } },
  nunjucks: { entry: 'page.njk', files: { 'page.njk': smallKida.replace('{% end %}', '{% endif %}') } },
  liquid: { entry: 'page', files: { page: smallKida.replace('{% end %}', '{% endif %}') } },
  eta: {
    entry: 'page',
    files: {
      page: `<!doctype html>
<html lang="<%= it.lang %>">
<head><meta charset="utf-8"><title><%= it.title %> · <%= it.site.name %></title>
<meta name="description" content="<%= it.description %>"></head>
<body>
<header><a href="<%= it.site.url %>"><%= it.site.name %></a> <span><%= it.user.name %></span> (<%= it.user.email %>)</header>
<main><h1><%= it.title %></h1><p><%= it.intro %></p>
<% if (it.user.admin) { %><a href="/admin">Admin</a><% } else { %><span>Member since <%= it.user.since %></span><% } %>
<p><%= it.notifications %> new notifications, <%= it.messages %> messages.</p></main>
<footer><%= it.footer %> <%= it.year %></footer>
</body></html>
`,
    },
  },
  handlebars: {
    entry: 'page',
    files: {
      page: `<!doctype html>
<html lang="{{lang}}">
<head><meta charset="utf-8"><title>{{title}} · {{site.name}}</title>
<meta name="description" content="{{description}}"></head>
<body>
<header><a href="{{site.url}}">{{site.name}}</a> <span>{{user.name}}</span> ({{user.email}})</header>
<main><h1>{{title}}</h1><p>{{intro}}</p>
{{#if user.admin}}<a href="/admin">Admin</a>{{else}}<span>Member since {{user.since}}</span>{{/if}}
<p>{{notifications}} new notifications, {{messages}} messages.</p></main>
<footer>{{footer}} {{year}}</footer>
</body></html>
`,
    },
  },
  baseline: (d) =>
    '<!doctype html>\n<html lang="' + esc(d.lang) + '">\n<head><meta charset="utf-8"><title>' + esc(d.title) + ' · ' + esc(d.site.name) +
    '</title>\n<meta name="description" content="' + esc(d.description) + '"></head>\n<body>\n<header><a href="' + esc(d.site.url) + '">' +
    esc(d.site.name) + '</a> <span>' + esc(d.user.name) + '</span> (' + esc(d.user.email) + ')</header>\n<main><h1>' + esc(d.title) +
    '</h1><p>' + esc(d.intro) + '</p>\n' +
    (d.user.admin ? '<a href="/admin">Admin</a>' : '<span>Member since ' + esc(d.user.since) + '</span>') +
    '\n<p>' + esc(d.notifications) + ' new notifications, ' + esc(d.messages) + ' messages.</p></main>\n<footer>' + esc(d.footer) + ' ' +
    esc(d.year) + '</footer>\n</body></html>\n',
};

// ------------------------------------------------------------------------------------------
// 3. medium catalogue: 100 items with lower, replace, round, escape
const catalogueKida = `<section class="catalogue"><h2>{{ heading }}</h2>
<ul>
{% for item in items %}<li id="item-{{ item.id }}">
<h3>{{ item.name | lower }}</h3>
<p class="sku">{{ item.sku | replace("-", " ") }}</p>
<p class="price">{{ item.price | round(2) }} {{ currency }}</p>
<p>{{ item.description | escape }}</p>
{% if item.stock > 0 %}<span class="in">in stock: {{ item.stock }}</span>{% else %}<span class="out">sold out</span>{% end %}
</li>
{% end %}</ul></section>
`;
const catalogue = {
  id: 'catalogue',
  title: 'Medium catalogue (100 items, filters)',
  data: () => ({
    heading: 'Catalogue & <Offers>',
    currency: 'EUR',
    items: Array.from({ length: 100 }, (_, i) => ({
      id: i + 1,
      name: i % 4 === 0 ? `Widget ${i} <Pro> & More` : `Widget Model ${i}`,
      sku: `AB-${1000 + i}-X`,
      price: 10 + i + ((i * 37) % 90 + 5) / 100 + 0.003,
      description: i % 3 === 0 ? `Durable <b>widget</b> #${i} & accessories` : `Plain widget number ${i}`,
      stock: i % 7 === 0 ? 0 : (i % 13) + 1,
    })),
  }),
  kida: { entry: 'catalogue.kida', files: { 'catalogue.kida': catalogueKida } },
  nunjucks: {
    entry: 'catalogue.njk',
    files: { 'catalogue.njk': catalogueKida.replace('{% end %}\n</li>', '{% endif %}\n</li>').replace('{% end %}</ul>', '{% endfor %}</ul>') },
  },
  liquid: {
    entry: 'catalogue',
    files: {
      catalogue: `<section class="catalogue"><h2>{{ heading }}</h2>
<ul>
{% for item in items %}<li id="item-{{ item.id }}">
<h3>{{ item.name | downcase }}</h3>
<p class="sku">{{ item.sku | replace: "-", " " }}</p>
<p class="price">{{ item.price | round: 2 }} {{ currency }}</p>
<p>{{ item.description }}</p>
{% if item.stock > 0 %}<span class="in">in stock: {{ item.stock }}</span>{% else %}<span class="out">sold out</span>{% endif %}
</li>
{% endfor %}</ul></section>
`,
    },
  },
  eta: {
    entry: 'catalogue',
    files: {
      catalogue: `<section class="catalogue"><h2><%= it.heading %></h2>
<ul>
<% for (const item of it.items) { %><li id="item-<%= item.id %>">
<h3><%= item.name.toLowerCase() %></h3>
<p class="sku"><%= item.sku.replaceAll("-", " ") %></p>
<p class="price"><%= Math.round(item.price * 100) / 100 %> <%= it.currency %></p>
<p><%= item.description %></p>
<% if (item.stock > 0) { %><span class="in">in stock: <%= item.stock %></span><% } else { %><span class="out">sold out</span><% } %>
</li>
<% } %></ul></section>
`,
    },
  },
  handlebars: {
    entry: 'catalogue',
    files: {
      catalogue: `<section class="catalogue"><h2>{{heading}}</h2>
<ul>
{{#each items}}<li id="item-{{id}}">
<h3>{{lower name}}</h3>
<p class="sku">{{replace sku "-" " "}}</p>
<p class="price">{{round price 2}} {{../currency}}</p>
<p>{{escape description}}</p>
{{#if (gt stock 0)}}<span class="in">in stock: {{stock}}</span>{{else}}<span class="out">sold out</span>{{/if}}
</li>
{{/each}}</ul></section>
`,
    },
  },
  baseline: (d) => {
    let o = '<section class="catalogue"><h2>' + esc(d.heading) + '</h2>\n<ul>\n';
    for (const item of d.items) {
      o += '<li id="item-' + esc(item.id) + '">\n<h3>' + esc(item.name.toLowerCase()) + '</h3>\n<p class="sku">' + esc(item.sku.replaceAll('-', ' ')) +
        '</p>\n<p class="price">' + esc(round(item.price, 2)) + ' ' + esc(d.currency) + '</p>\n<p>' + esc(item.description) + '</p>\n' +
        (item.stock > 0 ? '<span class="in">in stock: ' + esc(item.stock) + '</span>' : '<span class="out">sold out</span>') + '\n</li>\n';
    }
    return o + '</ul></section>\n';
  },
};

// ------------------------------------------------------------------------------------------
// 4. large table: 1,000 rows
const tableKida = `<table>
<thead><tr><th>#</th><th>Name</th><th>Email</th><th>Amount</th><th>Status</th></tr></thead>
<tbody>
{% for r in rows %}<tr><td>{{ r.id }}</td><td>{{ r.name }}</td><td>{{ r.email }}</td><td>{{ r.amount }}</td><td>{% if r.active %}active{% else %}inactive{% end %}</td></tr>
{% end %}</tbody>
</table>
`;
export const tableRows = (n) =>
  Array.from({ length: n }, (_, i) => ({
    id: i + 1,
    name: i % 10 === 0 ? `User <${i}> & co` : `User ${i}`,
    email: `user${i}@example.com`,
    amount: ((i * 7919) % 100000) / 100,
    active: i % 3 !== 0,
  }));
const table = {
  id: 'table',
  title: 'Large table (1,000 rows)',
  data: () => ({ rows: tableRows(1000) }),
  kida: { entry: 'table.kida', files: { 'table.kida': tableKida } },
  nunjucks: { entry: 'table.njk', files: { 'table.njk': tableKida.replace('{% end %}</td>', '{% endif %}</td>').replace('{% end %}</tbody>', '{% endfor %}</tbody>') } },
  liquid: { entry: 'table', files: { table: tableKida.replace('{% end %}</td>', '{% endif %}</td>').replace('{% end %}</tbody>', '{% endfor %}</tbody>') } },
  eta: {
    entry: 'table',
    files: {
      table: `<table>
<thead><tr><th>#</th><th>Name</th><th>Email</th><th>Amount</th><th>Status</th></tr></thead>
<tbody>
<% for (const r of it.rows) { %><tr><td><%= r.id %></td><td><%= r.name %></td><td><%= r.email %></td><td><%= r.amount %></td><td><% if (r.active) { %>active<% } else { %>inactive<% } %></td></tr>
<% } %></tbody>
</table>
`,
    },
  },
  handlebars: {
    entry: 'table',
    files: {
      table: `<table>
<thead><tr><th>#</th><th>Name</th><th>Email</th><th>Amount</th><th>Status</th></tr></thead>
<tbody>
{{#each rows}}<tr><td>{{id}}</td><td>{{name}}</td><td>{{email}}</td><td>{{amount}}</td><td>{{#if active}}active{{else}}inactive{{/if}}</td></tr>
{{/each}}</tbody>
</table>
`,
    },
  },
  baseline: (d) => {
    let o = '<table>\n<thead><tr><th>#</th><th>Name</th><th>Email</th><th>Amount</th><th>Status</th></tr></thead>\n<tbody>\n';
    for (const r of d.rows)
      o += '<tr><td>' + esc(r.id) + '</td><td>' + esc(r.name) + '</td><td>' + esc(r.email) + '</td><td>' + esc(r.amount) + '</td><td>' + (r.active ? 'active' : 'inactive') + '</td></tr>\n';
    return o + '</tbody>\n</table>\n';
  },
};

// ------------------------------------------------------------------------------------------
// 5. three-level inheritance, three includes, a component called 20 times
const inheritData = () => ({
  site: { name: 'Kida & Friends', url: '/', footer: '© 2025 <Kida> & contributors' },
  user: { name: 'Grace Hopper' },
  nav: ['Home', 'Docs', 'Blog', 'About & Contact', 'Shop'].map((label, i) => ({ label, href: `/p${i}` })),
  page: { title: 'Products & <Services>', intro: 'Everything we sell, in one place.' },
  products: Array.from({ length: 20 }, (_, i) => ({
    name: `Product ${i} <${i % 3}>`,
    summary: `A short & sweet summary of product ${i}.`,
    price: 5 + i * 3,
    featured: i % 5 === 0,
    tags: ['new', 'sale', 'eco'].slice(0, (i % 3) + 1),
  })),
});
const inheritKida = {
  'base.kida': `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>{% block title %}Site{% end %} · {{ site.name }}</title></head>
<body>
{% include "partials/header.kida" %}
<div class="layout">{% block content %}{% end %}</div>
{% include "partials/footer.kida" %}
</body>
</html>
`,
  'section.kida': `{% extends "base.kida" %}{% block content %}<aside>{% include "partials/nav.kida" %}</aside>
<main>{% block main %}{% end %}</main>{% end %}`,
  'page.kida': `{% extends "section.kida" %}{% from "components.kida" import card %}{% block title %}{{ page.title }}{% end %}{% block main %}<h1>{{ page.title }}</h1>
<p>{{ page.intro }}</p>
<div class="grid">{% for p in products %}{{ card(p) }}{% end %}</div>{% end %}`,
  'components.kida': `{% def card(p) %}<div class="card"><h4>{{ p.name }}</h4>{% if p.featured %}<b>featured</b>{% end %}<p>{{ p.summary }}</p><span class="price">{{ p.price }} EUR</span><ul>{% for t in p.tags %}<li>{{ t }}</li>{% end %}</ul></div>{% end %}`,
  'partials/header.kida': `<header><a href="{{ site.url }}">{{ site.name }}</a> <span>{{ user.name }}</span></header>`,
  'partials/nav.kida': `<nav>{% for l in nav %}<a href="{{ l.href }}">{{ l.label }}</a>{% end %}</nav>`,
  'partials/footer.kida': `<footer>{{ site.footer }}</footer>`,
};
const inheritance = {
  id: 'inheritance',
  title: 'Inheritance (3 levels, 3 includes, component ×20)',
  data: inheritData,
  kida: { entry: 'page.kida', files: inheritKida },
  nunjucks: {
    entry: 'page.njk',
    files: {
      'base.njk': inheritKida['base.kida'].replaceAll('{% end %}', '{% endblock %}').replaceAll('.kida"', '.njk"'),
      'section.njk': `{% extends "base.njk" %}{% block content %}<aside>{% include "partials/nav.njk" %}</aside>
<main>{% block main %}{% endblock %}</main>{% endblock %}`,
      'page.njk': `{% extends "section.njk" %}{% from "components.njk" import card %}{% block title %}{{ page.title }}{% endblock %}{% block main %}<h1>{{ page.title }}</h1>
<p>{{ page.intro }}</p>
<div class="grid">{% for p in products %}{{ card(p) }}{% endfor %}</div>{% endblock %}`,
      'components.njk': `{% macro card(p) %}<div class="card"><h4>{{ p.name }}</h4>{% if p.featured %}<b>featured</b>{% endif %}<p>{{ p.summary }}</p><span class="price">{{ p.price }} EUR</span><ul>{% for t in p.tags %}<li>{{ t }}</li>{% endfor %}</ul></div>{% endmacro %}`,
      'partials/header.njk': inheritKida['partials/header.kida'],
      'partials/nav.njk': inheritKida['partials/nav.kida'].replace('{% end %}', '{% endfor %}'),
      'partials/footer.njk': inheritKida['partials/footer.kida'],
    },
  },
  liquid: {
    entry: 'page',
    files: {
      base: inheritKida['base.kida'].replaceAll('{% end %}', '{% endblock %}').replaceAll('.kida"', '"'),
      section: `{% layout "base" %}{% block content %}<aside>{% include "partials/nav" %}</aside>
<main>{% block main %}{% endblock %}</main>{% endblock %}`,
      page: `{% layout "section" %}{% block title %}{{ page.title }}{% endblock %}{% block main %}<h1>{{ page.title }}</h1>
<p>{{ page.intro }}</p>
<div class="grid">{% for p in products %}{% render "card", p: p %}{% endfor %}</div>{% endblock %}`,
      card: `<div class="card"><h4>{{ p.name }}</h4>{% if p.featured %}<b>featured</b>{% endif %}<p>{{ p.summary }}</p><span class="price">{{ p.price }} EUR</span><ul>{% for t in p.tags %}<li>{{ t }}</li>{% endfor %}</ul></div>`,
      'partials/header': inheritKida['partials/header.kida'],
      'partials/nav': inheritKida['partials/nav.kida'].replace('{% end %}', '{% endfor %}'),
      'partials/footer': inheritKida['partials/footer.kida'],
    },
  },
  eta: {
    // Eta v4 layouts with blocks; the middle layout forwards the page's blocks explicitly
    // (a block placed inside another block's body is not looked up in the child's blocks).
    entry: 'page',
    files: {
      base: `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title><%~ block("title", () => { %>Site<% }) %> · <%= it.site.name %></title></head>
<body>
<%~ include("@partials/header") %>
<div class="layout"><%~ block("content") %></div>
<%~ include("@partials/footer") %>
</body>
</html>
`,
      section: `<% layout("@base") %><% block("title", () => { %><%~ it.__blocks.title %><% }) %><% block("content", () => { %><aside><%~ include("@partials/nav") %></aside>
<main><%~ it.__blocks.main %></main><% }) %>`,
      page: `<% layout("@section") %><% block("title", () => { %><%= it.page.title %><% }) %><% block("main", () => { %><h1><%= it.page.title %></h1>
<p><%= it.page.intro %></p>
<div class="grid"><% for (const p of it.products) { %><%~ include("@card", { p }) %><% } %></div><% }) %>`,
      card: `<div class="card"><h4><%= it.p.name %></h4><% if (it.p.featured) { %><b>featured</b><% } %><p><%= it.p.summary %></p><span class="price"><%= it.p.price %> EUR</span><ul><% for (const t of it.p.tags) { %><li><%= t %></li><% } %></ul></div>`,
      'partials/header': `<header><a href="<%= it.site.url %>"><%= it.site.name %></a> <span><%= it.user.name %></span></header>`,
      'partials/nav': `<nav><% for (const l of it.nav) { %><a href="<%= l.href %>"><%= l.label %></a><% } %></nav>`,
      'partials/footer': `<footer><%= it.site.footer %></footer>`,
    },
  },
  handlebars: {
    // layouts as partial blocks with inline partials (the usual Handlebars idiom)
    entry: 'page',
    files: {
      base: `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>{{#> title}}Site{{/title}} · {{site.name}}</title></head>
<body>
{{> partials/header}}
<div class="layout">{{> content}}</div>
{{> partials/footer}}
</body>
</html>
`,
      section: `{{#> base}}{{#*inline "content"}}<aside>{{> partials/nav}}</aside>
<main>{{> main}}</main>{{/inline}}{{/base}}`,
      page: `{{#> section}}{{#*inline "title"}}{{page.title}}{{/inline}}{{#*inline "main"}}<h1>{{page.title}}</h1>
<p>{{page.intro}}</p>
<div class="grid">{{#each products}}{{> card}}{{/each}}</div>{{/inline}}{{/section}}`,
      card: `<div class="card"><h4>{{name}}</h4>{{#if featured}}<b>featured</b>{{/if}}<p>{{summary}}</p><span class="price">{{price}} EUR</span><ul>{{#each tags}}<li>{{this}}</li>{{/each}}</ul></div>`,
      'partials/header': `<header><a href="{{site.url}}">{{site.name}}</a> <span>{{user.name}}</span></header>`,
      'partials/nav': `<nav>{{#each nav}}<a href="{{href}}">{{label}}</a>{{/each}}</nav>`,
      'partials/footer': `<footer>{{site.footer}}</footer>`,
    },
  },
  baseline: (d) => {
    const card = (p) => {
      let o = '<div class="card"><h4>' + esc(p.name) + '</h4>' + (p.featured ? '<b>featured</b>' : '') + '<p>' + esc(p.summary) + '</p><span class="price">' + esc(p.price) + ' EUR</span><ul>';
      for (const t of p.tags) o += '<li>' + esc(t) + '</li>';
      return o + '</ul></div>';
    };
    let nav = '<nav>';
    for (const l of d.nav) nav += '<a href="' + esc(l.href) + '">' + esc(l.label) + '</a>';
    nav += '</nav>';
    let grid = '';
    for (const p of d.products) grid += card(p);
    return '<!doctype html>\n<html lang="en">\n<head><meta charset="utf-8"><title>' + esc(d.page.title) + ' · ' + esc(d.site.name) + '</title></head>\n<body>\n' +
      '<header><a href="' + esc(d.site.url) + '">' + esc(d.site.name) + '</a> <span>' + esc(d.user.name) + '</span></header>\n' +
      '<div class="layout"><aside>' + nav + '</aside>\n<main><h1>' + esc(d.page.title) + '</h1>\n<p>' + esc(d.page.intro) + '</p>\n<div class="grid">' + grid + '</div></main></div>\n' +
      '<footer>' + esc(d.site.footer) + '</footer>\n</body>\n</html>\n';
  },
};

// ------------------------------------------------------------------------------------------
// 6. filter-heavy: 50 records × 17 filter calls (15 different filters)
const filtersKida = `<div class="people">
{% for p in people %}<div class="person">{{ p.name | trim | lower | capitalize }} | {{ p.city | upper }} | {{ p.bio | striptags }} | {{ p.tags | sort | join(", ") }} | {{ p.tags | length }} | {{ p.tags | first }} | {{ p.tags | last }} | {{ p.score | abs }} | {{ p.ratio | round(1) }} | {{ p.nickname | default("n/a") }} | {{ p.slug | replace("-", "_") | upper }} | {{ p.email | lower | escape }}</div>
{% end %}</div>
`;
const filters = {
  id: 'filters',
  title: 'Filter-heavy (50 records × 17 filter calls)',
  data: () => ({
    people: Array.from({ length: 50 }, (_, i) => {
      const p = {
        name: `  ${['ALICE', 'bob', 'ChArLiE', 'dave <d>', 'eve & co'][i % 5]} ${i} `,
        city: ['paris', 'berlin', 'new york', 'são paulo', 'tokyo'][i % 5],
        bio: `<b>Loves</b> <i>hiking</i> & chess, entry ${i}`,
        tags: ['zeta', 'alpha', 'mid', 'beta', 'omega'].slice(0, (i % 5) + 1),
        score: i % 2 ? -i * 3 : i * 3,
        ratio: (i % 9) + 0.1204 + i / 1000, // never within 4e-4 of a .x5 tie
        slug: `person-${i}-profile-page`,
        email: `Person.${i}@Example.COM`,
      };
      if (i % 3 === 0) p.nickname = `nick<${i}>`;
      return p;
    }),
  }),
  kida: { entry: 'filters.kida', files: { 'filters.kida': filtersKida } },
  nunjucks: { entry: 'filters.njk', files: { 'filters.njk': filtersKida.replace('{% end %}', '{% endfor %}') } },
  liquid: {
    entry: 'filters',
    files: {
      filters: `<div class="people">
{% for p in people %}<div class="person">{{ p.name | strip | downcase | capitalize }} | {{ p.city | upcase }} | {{ p.bio | strip_html }} | {{ p.tags | sort | join: ", " }} | {{ p.tags | size }} | {{ p.tags | first }} | {{ p.tags | last }} | {{ p.score | abs }} | {{ p.ratio | round: 1 }} | {{ p.nickname | default: "n/a" }} | {{ p.slug | replace: "-", "_" | upcase }} | {{ p.email | downcase }}</div>
{% endfor %}</div>
`,
    },
  },
  eta: {
    entry: 'filters',
    files: {
      filters: `<div class="people">
<% for (const p of it.people) { const n = p.name.trim().toLowerCase() %><div class="person"><%= n.charAt(0).toUpperCase() + n.slice(1) %> | <%= p.city.toUpperCase() %> | <%= p.bio.replace(/<[^>]*>/g, "").replace(/\\s+/g, " ").trim() %> | <%= [...p.tags].sort().join(", ") %> | <%= p.tags.length %> | <%= p.tags[0] %> | <%= p.tags[p.tags.length - 1] %> | <%= Math.abs(p.score) %> | <%= Math.round(p.ratio * 10) / 10 %> | <%= p.nickname ?? "n/a" %> | <%= p.slug.replaceAll("-", "_").toUpperCase() %> | <%= p.email.toLowerCase() %></div>
<% } %></div>
`,
    },
  },
  handlebars: {
    entry: 'filters',
    files: {
      filters: `<div class="people">
{{#each people}}<div class="person">{{capitalize (lower (trim name))}} | {{upper city}} | {{striptags bio}} | {{join (sort tags) ", "}} | {{length tags}} | {{first tags}} | {{last tags}} | {{abs score}} | {{round ratio 1}} | {{default nickname "n/a"}} | {{upper (replace slug "-" "_")}} | {{escape (lower email)}}</div>
{{/each}}</div>
`,
    },
  },
  baseline: (d) => {
    let o = '<div class="people">\n';
    for (const p of d.people)
      o += '<div class="person">' + esc(capitalize(p.name.trim())) + ' | ' + esc(p.city.toUpperCase()) + ' | ' + esc(striptags(p.bio)) + ' | ' +
        esc([...p.tags].sort().join(', ')) + ' | ' + p.tags.length + ' | ' + esc(p.tags[0]) + ' | ' + esc(p.tags[p.tags.length - 1]) + ' | ' +
        Math.abs(p.score) + ' | ' + round(p.ratio, 1) + ' | ' + esc(p.nickname ?? 'n/a') + ' | ' + esc(p.slug.replaceAll('-', '_').toUpperCase()) + ' | ' +
        esc(p.email.toLowerCase()) + '</div>\n';
    return o + '</div>\n';
  },
};

// ------------------------------------------------------------------------------------------
// 7. deep include chain: page → l0 → l1 → … → l9
const DEPTH = 10;
const chainFiles = (ext, inc, fmt) => {
  const files = { [`chain${ext}`]: `<main>${inc('chain/l0' + ext)}</main>\n` };
  for (let i = 0; i < DEPTH; i++)
    files[`chain/l${i}${ext}`] = fmt(i) + (i + 1 < DEPTH ? inc(`chain/l${i + 1}${ext}`) : fmt.last) + '</section>\n';
  return files;
};
const kidaLevel = Object.assign((i) => `<section class="l${i}"><h2>{{ title }} ${i}</h2><p>{{ user.name }} · {{ user.role }}</p>\n`, { last: '<p>{{ footer }}</p>' });
const deepData = () => ({ title: 'Deep & <nested>', user: { name: 'Linus', role: 'maintainer <root>' }, footer: 'the end & more' });
const deep = {
  id: 'deep',
  title: `Deep include chain (${DEPTH} levels)`,
  data: deepData,
  kida: { entry: 'chain.kida', files: chainFiles('.kida', (n) => `{% include "${n}" %}`, kidaLevel) },
  nunjucks: { entry: 'chain.njk', files: chainFiles('.njk', (n) => `{% include "${n}" %}`, kidaLevel) },
  liquid: { entry: 'chain', files: chainFiles('', (n) => `{% include "${n}" %}`, kidaLevel) },
  eta: {
    entry: 'chain',
    files: chainFiles(
      '',
      (n) => `<%~ include("@${n}") %>`,
      Object.assign((i) => `<section class="l${i}"><h2><%= it.title %> ${i}</h2><p><%= it.user.name %> · <%= it.user.role %></p>\n`, { last: '<p><%= it.footer %></p>' }),
    ),
  },
  handlebars: {
    entry: 'chain',
    files: chainFiles(
      '',
      (n) => `{{> ${n}}}`,
      Object.assign((i) => `<section class="l${i}"><h2>{{title}} ${i}</h2><p>{{user.name}} · {{user.role}}</p>\n`, { last: '<p>{{footer}}</p>' }),
    ),
  },
  baseline: (d) => {
    let o = '<main>';
    for (let i = 0; i < DEPTH; i++) o += `<section class="l${i}"><h2>` + esc(d.title) + ' ' + i + '</h2><p>' + esc(d.user.name) + ' · ' + esc(d.user.role) + '</p>\n';
    o += '<p>' + esc(d.footer) + '</p>';
    for (let i = 0; i < DEPTH; i++) o += '</section>\n';
    return o + '</main>\n';
  },
};

export const workloads = [minimal, small, catalogue, table, inheritance, filters, deep];
