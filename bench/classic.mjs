// Nunjucks, LiquidJS and Handlebars on the reference workloads (issue #22), for
// `reference.mjs --classic`. Loading Nunjucks makes V8 treat String.prototype as a dictionary
// (README, "The Nunjucks effect"), which slows every engine in the process, Kida included: so
// these run only in a process of their own, and that run's figures say so.
//
// Nunjucks gets the reference templates themselves (its syntax is Jinja's: only `{% end %}`
// becomes `endfor`/`endif`/`endblock`, `def` becomes `macro`) and prints the same bytes.
// LiquidJS and Handlebars get *complex* flattened (as Eta, Marko and Svelte do) and spell some
// entities differently (`&#34;`, `&#x27;`), so they are compared after canon() (peers.mjs).
import { T } from './reference-templates.mjs';

/** Python's str() of a float rounded to p places (no ties in the data). */
const pyround = (x, p) => {
  const r = Math.round(x * 10 ** p) / 10 ** p;
  return Number.isInteger(r) ? r.toFixed(1) : String(r);
};

/** Kida's `{% end %}` closes whatever opened last; Nunjucks names it. */
function toNunjucks(src) {
  const stack = [];
  return src.replace(/\{%\s*(\w+)([^%]*)%\}/g, (m, tag, rest) => {
    if (tag === 'end') return `{% end${stack.pop()} %}`;
    if (tag === 'def') return stack.push('macro'), `{% macro${rest}%}`;
    if (['for', 'if', 'block'].includes(tag)) stack.push(tag);
    return m;
  }).replace('| round(2)', '| pyround(2)');
}

// complex flattened into one template, in Kida's syntax (the whitespace differs from the
// inheritance chain's, which canon() ignores)
const COMPLEX_FLAT = `<!DOCTYPE html>
<html>
<head>
    <title>Benchmark Layout</title>
    <meta name="description" content="{{ description }}">
</head>
<body>
    <header>
    <h1>{{ heading }}</h1>
    <nav><ul>
    {% for link in nav %}<li><a href="{{ link.href }}">{{ link.label }}</a></li>{% endfor %}
    </ul></nav>
    </header>
    <main>
<article>
    <h2>{{ article.title }}</h2>
    <p>{{ article.subtitle }}</p>
    <section>
    {% for section in article.sections %}<h3>{{ section.title }}</h3><p>{{ section.body }}</p>{% endfor %}
    </section>
    <aside>
    {% for tag in article.tags %}<span class="tag">{{ tag }}</span>{% endfor %}
    </aside>
</article>
    </main>
    <footer><p>{{ footer }}</p></footer>
</body>
</html>
`;

const toLiquid = (src) =>
  toNunjucks(src)
    .replace('{{ cat | lower | replace(" ", "-") }}', '{{ cat | downcase | replace: " ", "-" }}')
    .replace('{{ item.name | escape }}', '{{ item.name }}') // outputEscape already escapes once
    .replace('| pyround(2)', '| pyround: 2');

const LIQUID = {
  minimal: { page: T['minimal.html'] },
  small: { page: toLiquid(T['small.html']) },
  medium: { page: toLiquid(T['medium.html']) },
  large: { page: toLiquid(T['large.html']) },
  complex: { page: COMPLEX_FLAT },
  cards: { page: '<main>{% for p in cards %}{% render "card", p: p %}{% endfor %}</main>', card: '<div class="card"><h3>{{ p.title }}</h3><p>{{ p.body }}</p><a href="{{ p.url }}">{{ p.n }}</a></div>' },
};

const toHandlebars = (src) =>
  src
    .replace(/\{% for (\w+) in ([\w.]+) %\}/g, '{{#each $2 as |$1|}}')
    .replaceAll('{% endfor %}', '{{/each}}')
    .replace(/\{\{ (\w[\w.]*) \}\}/g, '{{$1}}');
const HANDLEBARS = {
  minimal: { page: 'Hello, {{name}}!' },
  small: {
    page: T['small.html']
      .replace('{% for item in items %}', '{{#each items as |item|}}')
      .replace('{% end %}', '{{/each}}')
      .replace('{% if active %}', '{{#if active}}')
      .replace('{% end %}', '{{/if}}')
      .replace(/\{\{ (\w+) \}\}/g, '{{$1}}'),
  },
  medium: {
    page: T['medium.html']
      .replace('{% for cat in categories %}', '{{#each categories as |cat|}}')
      .replace('{{ cat | lower | replace(" ", "-") }}', '{{replace (lower cat) " " "-"}}')
      .replace('{{ cat }}', '{{cat}}')
      .replace('{% end %}', '{{/each}}')
      .replace('{% for item in items %}', '{{#each items as |item|}}')
      .replace('{{ item.id }}', '{{item.id}}')
      .replace('{{ item.name | escape }}', '{{item.name}}')
      .replace('${{ item.price | round(2) }}', '${{pyround item.price 2}}')
      .replace('{% end %}', '{{/each}}')
      .replace('{% for value in vars %}', '{{#each vars as |value|}}')
      .replace('{{ value }}', '{{value}}')
      .replace('{% end %}', '{{/each}}'),
  },
  large: { page: '{{#each items as |item|}}\n<div id="{{item.id}}">{{item.name}} - {{item.data.x}}/{{item.data.y}}</div>\n{{/each}}\n' },
  complex: { page: toHandlebars(COMPLEX_FLAT) },
  cards: { page: '<main>{{#each cards as |p|}}{{> card p=p}}{{/each}}</main>', card: '<div class="card"><h3>{{p.title}}</h3><p>{{p.body}}</p><a href="{{p.url}}">{{p.n}}</a></div>' },
};

/** Kida's files for a workload (complex: its three templates) as Nunjucks sources. */
const nunjucksFiles = (id) =>
  id === 'complex'
    ? Object.fromEntries(['complex/base.html', 'complex/layout.html', 'complex/page.html'].map((n) => [n, toNunjucks(T[n])]))
    : { page: toNunjucks(T[id + '.html']) };

/** The three engines' renderers for workload `id`: [{ id, f, canon? }]. */
export async function classicEngines(id) {
  const { default: nunjucks } = await import('nunjucks');
  const files = nunjucksFiles(id);
  const loader = new (nunjucks.Loader.extend({ getSource: (name) => ({ src: files[name], path: name, noCache: false }) }))();
  const env = new nunjucks.Environment(loader, { autoescape: true });
  env.addFilter('pyround', pyround);
  const ntpl = env.getTemplate(id === 'complex' ? 'complex/page.html' : 'page', true);

  const { Liquid } = await import('liquidjs');
  const liquid = new Liquid({ templates: LIQUID[id], outputEscape: 'escape', cache: true });
  liquid.registerFilter('pyround', pyround);
  const ltpl = liquid.parse(LIQUID[id].page);

  const { default: Handlebars } = await import('handlebars');
  const hb = Handlebars.create();
  const opts = { ignoreStandalone: true, preventIndent: true };
  hb.registerHelper({ lower: (s) => String(s).toLowerCase(), replace: (s, a, b) => String(s).replaceAll(a, b), pyround });
  if (HANDLEBARS[id].card) hb.registerPartial('card', hb.compile(HANDLEBARS[id].card, opts));
  const htpl = hb.compile(HANDLEBARS[id].page, opts);

  return [
    { id: 'nunjucks', f: (x) => ntpl.render(x) },
    { id: 'liquid', canon: true, f: (x) => liquid.renderSync(ltpl, x) },
    { id: 'handlebars', canon: true, f: (x) => htpl(x) },
  ];
}
