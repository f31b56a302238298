// The reference workloads' data, Eta 4 sources and workload list, shared by reference.mjs and
// warm-ab.mjs (issue #22).
import { T } from './reference-templates.mjs';

// ---- the contexts (fixtures/context_*.py) ----
export const range = (n) => Array.from({ length: n }, (_, i) => i);
export const SMALL = () => ({
  title: 'Hello World',
  name: 'Alice',
  count: 42,
  items: ['a', 'b', 'c', 'd', 'e'],
  active: true,
  price: 19.99,
  tags: ['python', 'template'],
  metadata: { author: 'test', version: '1.0' },
  description: 'A short description of the page content.',
  footer: '© 2026 Example Corp',
});
export const MEDIUM = () => {
  const c = { items: range(100).map((i) => ({ id: i, name: `Item ${i}`, price: i * 1.5 })), categories: range(10).map((i) => `Category ${i}`) };
  c.vars = range(20).map((i) => `value_${i}`);
  for (const i of range(80)) c[`var_${i}`] = `value_${i}`;
  return c;
};
export const LARGE = () => ({ items: range(1000).map((i) => ({ id: i, name: `Item ${i}`, data: { x: i, y: i * 2 } })) });
export const COMPLEX = () => ({
  heading: 'Benchmark Page',
  description: 'Complex layout with inheritance and includes',
  nav: [
    { href: '#intro', label: 'Intro' },
    { href: '#body', label: 'Body' },
    { href: '#footer', label: 'Footer' },
  ],
  footer: 'Rendered by Kida benchmarks',
  article: {
    title: 'Template Engine Performance',
    subtitle: 'Validating claims with reproducible data',
    sections: [
      { title: 'Overview', body: 'Benchmarking approach and goals.' },
      { title: 'Methodology', body: 'Warmups, iterations, and metrics.' },
      { title: 'Results', body: 'Compare Kida with Jinja2 baselines.' },
    ],
    tags: ['performance', 'benchmark', 'kida', 'jinja2'],
  },
});
/** The escape-heavy variant: every string gets `<`, `>`, `&` and both quotes. */
export const hostile = (v) =>
  typeof v === 'string' ? `<b>${v}</b> & "${v}" 'q'` : Array.isArray(v) ? v.map(hostile) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, hostile(x)])) : v;

export const CARDS = () => ({ cards: range(300).map((n) => ({ n, title: `Card ${n}`, body: `Body of card ${n}, a sentence or two.`, url: `/cards/${n}` })) });

// ---- Eta 4, the strongest peer in issue #22: the same templates in Eta's syntax, text verbatim
// (autoTrim off). complex is one template (Eta's layouts would add blocks of their own); cards
// renders a partial per card, Eta's component.
const etaNum = '<%= Number.isInteger(x) ? x.toFixed(1) : x %>';
export const ETA = {
  minimal: { page: 'Hello, <%= it.name %>!' },
  small: { page: T['small.html'].replace('{{ title }}', '<%= it.title %>').replace('{{ name }}', '<%= it.name %>').replace('{{ count }}', '<%= it.count %>')
    .replace('{% for item in items %}', '<% for (const item of it.items) { %>').replace('{{ item }}', '<%= item %>').replace('{% end %}', '<% } %>')
    .replace('{% if active %}', '<% if (it.active) { %>').replace('{% end %}', '<% } %>').replace('{{ footer }}', '<%= it.footer %>') },
  medium: { page: T['medium.html'].replace('{% for cat in categories %}', '<% for (const cat of it.categories) { %>')
    .replace('{{ cat | lower | replace(" ", "-") }}', '<%= cat.toLowerCase().replaceAll(" ", "-") %>').replace('{{ cat }}', '<%= cat %>').replace('{% end %}', '<% } %>')
    .replace('{% for item in items %}', '<% for (const item of it.items) { %>').replace('{{ item.id }}', '<%= item.id %>').replace('{{ item.name | escape }}', '<%= item.name %>')
    .replace('{{ item.price | round(2) }}', '<% { const x = Math.round(item.price * 100) / 100; %>' + etaNum + '<% } %>').replace('{% end %}', '<% } %>')
    .replace('{% for value in vars %}', '<% for (const value of it.vars) { %>').replace('{{ value }}', '<%= value %>').replace('{% end %}', '<% } %>') },
  large: { page: T['large.html'].replace('{% for item in items %}', '<% for (const item of it.items) { %>').replace('{{ item.id }}', '<%= item.id %>').replace('{{ item.name }}', '<%= item.name %>')
    .replace('{{ item.data.x }}', '<%= item.data.x %>').replace('{{ item.data.y }}', '<%= item.data.y %>').replace('{% end %}', '<% } %>') },
  cards: {
    page: '<main><% for (const p of it.cards) { %><%~ include("@card", p) %><% } %></main>',
    card: '<div class="card"><h3><%= it.title %></h3><p><%= it.body %></p><a href="<%= it.url %>"><%= it.n %></a></div>',
  },
};
ETA.complex = { page: `<!DOCTYPE html>
<html>
<head>
    <title>Benchmark Layout</title>
    
    <meta name="description" content="<%= it.description %>">

</head>
<body>
    <header>
        
    <h1><%= it.heading %></h1>
    <nav>
        <ul>
        <% for (const link of it.nav) { %>
            <li><a href="<%= link.href %>"><%= link.label %></a></li>
        <% } %>
        </ul>
    </nav>

    </header>

    <main>
        
    
<article>
    <h2><%= it.article.title %></h2>
    <p><%= it.article.subtitle %></p>

    <section>
    <% for (const section of it.article.sections) { %>
        <h3><%= section.title %></h3>
        <p><%= section.body %></p>
    <% } %>
    </section>

    <aside>
    <% for (const tag of it.article.tags) { %>
        <span class="tag"><%= tag %></span>
    <% } %>
    </aside>
</article>


    </main>

    <footer>
        
            <p><%= it.footer %></p>
        
    </footer>
</body>
</html>
` };

export const WORKLOADS = [
  ['minimal', 'minimal.html', () => ({ name: 'Benchmark' })],
  ['small', 'small.html', SMALL],
  ['medium', 'medium.html', MEDIUM],
  ['large', 'large.html', LARGE],
  ['complex', 'complex/page.html', COMPLEX],
  ['cards', 'cards.html', CARDS],
];
