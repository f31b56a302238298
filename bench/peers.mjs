// Marko 6 and Svelte 5 as peers on the reference workloads (issue #22). Both are installed in
// bench/peer-engines/ (`cd bench/peer-engines && npm install`), not in the root package, and
// compiled with their own compilers into bench/peer-engines/.build/<dir>/, so that their
// imports of `marko/html` and `svelte/internal/server` resolve to bench/peer-engines/node_modules.
//
// Neither can print Kida's bytes: Marko drops whitespace between tags, leaves attribute values
// unquoted where it can and escapes only `<` and `&` in text; Svelte adds hydration comments
// (`<!--[-->`) and escapes `&`, `<` (and `"` in attributes) only. So their output is compared
// with the baseline's after `canon()` (same text and markup, see there), never byte for byte.
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { T as KIDA } from './reference-templates.mjs';

const T = (name) => KIDA[name];

const HOME = join(import.meta.dirname, 'peer-engines');
const BUILD = join(HOME, '.build');
const require = createRequire(join(HOME, 'package.json'));
/** Whether `cd bench/peer-engines && npm install` has been run. */
export const peersInstalled = existsSync(join(HOME, 'node_modules', 'marko')) && existsSync(join(HOME, 'node_modules', 'svelte'));

/** What two outputs are compared by when bytes cannot match: hydration comments removed,
 * attribute values unquoted, entities decoded, whitespace between tags dropped, runs of
 * whitespace collapsed, `/>` as `>`, doctype dropped (Svelte components cannot carry one). */
export function canon(s) {
  return s
    .replace(/<!--[[\]]?-?\d*-->|<!doctype [^>]*>/gi, '')
    .replace(/\s*\/>/g, '>')
    .replace(/=(?:"([^"]*)"|'([^']*)')/g, (_, a, b) => '=' + (a ?? b))
    .replace(/&(lt|gt|amp|quot|#39|#34|#x27|#x3D|#x60);/g, (_, e) => ({ lt: '<', gt: '>', amp: '&', quot: '"', '#39': "'", '#34': '"', '#x27': "'", '#x3D': '=', '#x60': '`' })[e])
    .replace(/>\s+/g, '>')
    .replace(/\s+</g, '<')
    .replace(/\s+/g, ' ')
    .trim();
}

// Python's str() of a float rounded to 2 places, as Kida's round(2) prints it (no ties in the data).
const r2 = 'Math.round(item.price * 100) / 100';
const pyNum = (x) => `(Number.isInteger(${x}) ? (${x}).toFixed(1) : ${x})`;

/** Marko 6 sources: the reference templates in Marko's tags; cards use a custom tag per card. */
export const MARKO = {
  minimal: { 'page.marko': '-- Hello, ${input.name}!' },
  small: {
    'page.marko': `<html>
<head><title>\${input.title}</title></head>
<body>
    <h1>Hello, \${input.name}!</h1>
    <p>Count: \${input.count}</p>
    <ul>
    <for|item| of=input.items>
        <li>\${item}</li>
    </for>
    </ul>
    <if=input.active>
        <p>Status: Active</p>
    </if>
    <footer>\${input.footer}</footer>
</body>
</html>
`,
  },
  medium: {
    'page.marko': `<html>
<head><title>Product Catalog</title></head>
<body>
    <nav>
    <for|cat| of=input.categories>
        <a href=\`#\${cat.toLowerCase().replaceAll(" ", "-")}\`>\${cat}</a>
    </for>
    </nav>
    <main>
    <for|item| of=input.items>
        <article id=\`item-\${item.id}\`>
            <h2>\${item.name}</h2>
            <p class="price">\${"$"}\${${pyNum(r2)}}</p>
        </article>
    </for>
    </main>
    <aside>
    <for|value| of=input.vars>
        <div>\${value}</div>
    </for>
    </aside>
</body>
</html>
`,
  },
  large: {
    'page.marko': `<for|item| of=input.items>
<div id=item.id>\${item.name} - \${item.data.x}/\${item.data.y}</div>
</for>
`,
  },
  // one template, as for Eta: the inheritance chain flattened
  complex: {
    'page.marko': `<!DOCTYPE html>
<html>
<head>
    <title>Benchmark Layout</title>
    <meta name="description" content=input.description>
</head>
<body>
    <header>
    <h1>\${input.heading}</h1>
    <nav>
        <ul>
        <for|link| of=input.nav>
            <li><a href=link.href>\${link.label}</a></li>
        </for>
        </ul>
    </nav>
    </header>
    <main>
<article>
    <h2>\${input.article.title}</h2>
    <p>\${input.article.subtitle}</p>
    <section>
    <for|section| of=input.article.sections>
        <h3>\${section.title}</h3>
        <p>\${section.body}</p>
    </for>
    </section>
    <aside>
    <for|tag| of=input.article.tags>
        <span class="tag">\${tag}</span>
    </for>
    </aside>
</article>
    </main>
    <footer>
            <p>\${input.footer}</p>
    </footer>
</body>
</html>
`,
  },
  cards: {
    'page.marko': '<main><for|p| of=input.cards><card p=p/></for></main>',
    'tags/card.marko': '<div class="card"><h3>${input.p.title}</h3><p>${input.p.body}</p><a href=input.p.url>${input.p.n}</a></div>',
  },
  // the slow-data page: the head streams at once, the cards once the Promise resolves
  slow: {
    'page.marko': '<html><head><title>${input.title}</title></head><body><await|cards|=input.cards><for|p| of=cards><card p=p/></for></await></body></html>',
    'tags/card.marko': '<div class="card"><h3>${input.p.title}</h3><p>${input.p.body}</p><a href=input.p.url>${input.p.n}</a></div>',
  },
};

/** Svelte 5 sources (compiled with preserveWhitespace): cards use a Card component per card. */
const props = (names) => `<script>let { ${names} } = $props();</script>`;
export const SVELTE = {
  minimal: { 'Page.svelte': props('name') + 'Hello, {name}!' },
  small: {
    'Page.svelte':
      props('title, name, count, items, active, footer') +
      T('small.html')
        .replaceAll('{{ ', '{')
        .replaceAll(' }}', '}')
        .replace('{% for item in items %}', '{#each items as item}')
        .replace('{% end %}', '{/each}')
        .replace('{% if active %}', '{#if active}')
        .replace('{% end %}', '{/if}'),
  },
  medium: {
    'Page.svelte':
      `<script>let { categories, items, vars } = $props(); const price = (item) => { const x = ${r2}; return ${pyNum('x')}; };</script>` +
      T('medium.html')
        .replace('{% for cat in categories %}', '{#each categories as cat}')
        .replace('{{ cat | lower | replace(" ", "-") }}', '{cat.toLowerCase().replaceAll(" ", "-")}')
        .replace('{{ cat }}', '{cat}')
        .replace('{% end %}', '{/each}')
        .replace('{% for item in items %}', '{#each items as item}')
        .replace('{{ item.id }}', '{item.id}')
        .replace('{{ item.name | escape }}', '{item.name}')
        .replace('{{ item.price | round(2) }}', '{price(item)}')
        .replace('{% end %}', '{/each}')
        .replace('{% for value in vars %}', '{#each vars as value}')
        .replace('{{ value }}', '{value}')
        .replace('{% end %}', '{/each}'),
  },
  large: {
    'Page.svelte':
      props('items') +
      T('large.html')
        .replace('{% for item in items %}', '{#each items as item}')
        .replace('{% end %}', '{/each}')
        .replaceAll('{{ ', '{')
        .replaceAll(' }}', '}'),
  },
  complex: {
    'Page.svelte':
      props('heading, description, nav, footer, article') +
      MARKO.complex['page.marko']
        .replace('<!DOCTYPE html>\n', '') // a Svelte component is not a document (SvelteKit puts it in app.html)
        .replaceAll('${input.', '{')
        .replaceAll('${', '{')
        .replace('content=input.description', 'content={description}')
        .replace('href=link.href', 'href={link.href}')
        .replace(/<for\|(\w+)\| of=input\.([\w.]+)>/g, '{#each $2 as $1}')
        .replaceAll('</for>', '{/each}'),
  },
  cards: {
    'Page.svelte': `<script>import Card from './Card.svelte.js'; let { cards } = $props();</script><main>{#each cards as p}<Card {p}/>{/each}</main>`,
    'Card.svelte': props('p') + '<div class="card"><h3>{p.title}</h3><p>{p.body}</p><a href="{p.url}">{p.n}</a></div>',
  },
};

/** Compiles Marko sources (production: optimize) into bench/peer-engines/.build/<dir>/ and imports the page. */
export async function buildMarko(dir, files) {
  compileMarko(dir, files);
  return (await import(pathToFileURL(join(BUILD, dir, 'page.marko.mjs')).href)).default;
}
/** Compiles Marko sources into bench/peer-engines/.build/<dir>/ (`x.marko` to `x.marko.mjs`). */
export function compileMarko(dir, files) {
  const compiler = require('@marko/compiler');
  const out = join(BUILD, dir);
  rmSync(out, { recursive: true, force: true });
  for (const [name, src] of Object.entries(files)) {
    mkdirSync(dirname(join(out, name)), { recursive: true });
    writeFileSync(join(out, name), src);
  }
  for (const name of Object.keys(files)) {
    const { code } = compiler.compileFileSync(join(out, name), { output: 'html', modules: 'esm', optimize: true, writeVersionComment: false, translator: require('marko/translator') });
    writeFileSync(join(out, name + '.mjs'), code.replace(/from "(\.[^"]*\.marko)"/g, 'from "$1.mjs"'));
  }
}

/** Compiles Svelte sources for the server into bench/peer-engines/.build/<dir>/; returns the page component. */
export async function buildSvelte(dir, files) {
  const { compile } = require('svelte/compiler');
  const out = join(BUILD, dir);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  for (const [name, src] of Object.entries(files)) {
    const { js } = compile(src, { generate: 'server', preserveWhitespace: true, filename: name, discloseVersion: false });
    writeFileSync(join(out, name + '.js'), js.code);
  }
  return (await import(pathToFileURL(join(out, 'Page.svelte.js')).href)).default;
}

/** Svelte's server renderer (bench/peer-engines/node_modules). */
export const svelteServer = () => import(pathToFileURL(require.resolve('svelte/server')).href);
