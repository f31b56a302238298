// Issue #22: generated code size. 500 pages made from the reference templates (small, medium,
// large, complex flattened into one template, the card page with a component per card), each
// page a variation (its own text, its own class names), compiled by Kida, by Svelte 5
// (`generate: 'server'`) and by Marko 6 (`output: 'html'`); bundled from one entry importing
// all 500 (Rollup with the runtimes external, Vite's SSR build with them bundled), minified
// with Vite's minifySync (compress + mangle, as bundle-size.mjs), gzipped. Reported twice: the
// templates' code alone and the whole bundle with each runtime.
//
//   npm run build && node bench/code-size.mjs [--pages=500] [--json=file]
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, platform, release } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { compileKida as compileKidaFiles, importKida } from './engines.mjs';
import { MARKO, SVELTE, canon, compileMarko } from './peers.mjs';
import { T } from './reference-templates.mjs';

const root = join(import.meta.dirname, '..');
const PAGES = Number(process.argv.find((a) => a.startsWith('--pages='))?.split('=')[1] ?? 500);
const OUT = join(import.meta.dirname, 'peer-engines', '.build', 'code-size');
const peerRequire = createRequire(join(import.meta.dirname, 'peer-engines', 'package.json'));

// complex, flattened into one Kida template (the Svelte one is flattened too)
const complexKida = MARKO.complex['page.marko']
  .replace('content=input.description', 'content="{{ description }}"')
  .replace('href=link.href', 'href="{{ link.href }}"')
  .replace(/<for\|(\w+)\| of=input\.([\w.]+)>/g, '{% for $1 in $2 %}')
  .replaceAll('</for>', '{% end %}')
  .replace(/\$\{(?:input\.)?([\w.]+)\}/g, '{{ $1 }}');
const FAMILIES = [
  { kida: { 'page.html': T['small.html'] }, svelte: SVELTE.small, marko: MARKO.small },
  { kida: { 'page.html': T['medium.html'] }, svelte: SVELTE.medium, marko: MARKO.medium },
  { kida: { 'page.html': T['large.html'] }, svelte: SVELTE.large, marko: MARKO.large },
  { kida: { 'page.html': complexKida }, svelte: SVELTE.complex, marko: MARKO.complex },
  { kida: { 'page.html': T['cards.html'] }, svelte: SVELTE.cards, marko: MARKO.cards },
];
/** Page i's variation: its own heading text and class names, in both engines alike (a page
 * without <body> or <main> gets the heading in front). */
const varyAll = (src, i) => {
  const p = `<p class="v${i}">Variant ${i} of the page</p>`;
  const s = src.replaceAll('class="', `class="p${i} `);
  return /<(body|main)>/.test(s) ? s.replace(/<(body|main)>/, `<$1>${p}`) : p + '\n' + s;
};

rmSync(OUT, { recursive: true, force: true });
const { compile: compileKida, relativeImport } = await import('kida/compiler');
const { compile: compileSvelte } = peerRequire('svelte/compiler');
const entries = { kida: [], svelte: [], marko: [] };
const checked = {}; // the first page of each family, compiled again under bench/.build (where kida/runtime resolves)
for (let i = 0; i < PAGES; i++) {
  const fam = FAMILIES[i % FAMILIES.length];
  for (const [name, src] of Object.entries(fam.kida)) {
    const file = join(OUT, 'kida', `p${i}`, name + '.js');
    mkdirSync(join(OUT, 'kida', `p${i}`), { recursive: true });
    writeFileSync(file, compileKida(varyAll(src, i), { name: `p${i}/${name}`, importPath: (t, f) => relativeImport(t, f) + '.js' }).code);
    if (i < FAMILIES.length) checked[`p${i}/${name}`] = varyAll(src, i);
  }
  entries.kida.push(`./kida/p${i}/page.html.js`);
  mkdirSync(join(OUT, 'svelte', `p${i}`), { recursive: true });
  for (const [name, src] of Object.entries(fam.svelte)) {
    // the script block stays as it is; the markup after it varies like Kida's (a component
    // only in its class names, as the def inside Kida's page does)
    const at = src.indexOf('</script>') + 9;
    const source = src.slice(0, at) + (name === 'Page.svelte' ? varyAll(src.slice(at), i) : src.slice(at).replaceAll('class="', `class="p${i} `));
    const { js } = compileSvelte(source, { generate: 'server', preserveWhitespace: true, filename: name, discloseVersion: false });
    writeFileSync(join(OUT, 'svelte', `p${i}`, name + '.js'), js.code);
  }
  entries.svelte.push(`./svelte/p${i}/Page.svelte.js`);
  compileMarko(join('code-size', 'marko', `p${i}`), Object.fromEntries(Object.entries(fam.marko).map(([name, src]) => [name, name === 'page.marko' ? varyAll(src, i) : src.replaceAll('class="', `class="p${i} `)])));
  entries.marko.push(`./marko/p${i}/page.marko.mjs`);
}

const { rollup } = await import('rollup');
const { minifySync, build } = await import('vite');
/** The templates alone: every bare import (the runtimes) left external. */
async function rollupAlone(input) {
  const bundle = await rollup({ input, external: (id) => !id.startsWith('.') && !id.startsWith('/'), logLevel: 'silent' });
  return (await bundle.generate({ format: 'es' })).output[0].code;
}
/** With the runtimes: Vite's SSR build bundling everything (svelte from bench/peer-engines). */
async function viteBundle(input) {
  const res = await build({
    configFile: false,
    root: OUT,
    logLevel: 'silent',
    resolve: { alias: { 'kida/runtime': join(root, 'dist/runtime/helpers.js') } },
    ssr: { noExternal: true },
    build: { ssr: input, write: false, minify: false },
  });
  return (Array.isArray(res) ? res[0] : res).output.find((o) => o.type === 'chunk').code;
}
// The two builds are the same pages: the first page of each family renders alike in both
// (after canon(), peers.mjs) on data that has every key any family reads.
{
  const { render } = await import(pathToFileURL(peerRequire.resolve('svelte/server')).href);
  await compileKidaFiles('code-size-check', checked);
  const item = (id) => ({ id, name: `Item <${id}>`, price: id * 1.5, data: { x: id, y: 2 * id } });
  const data = {
    title: 'T & "t"', name: 'N', count: 3, items: [item(1), item(2)], active: true, footer: 'F', categories: ['Cat A'], vars: ['v'],
    heading: 'H', description: 'D', nav: [{ href: '/x', label: 'X' }], article: { title: 'A', subtitle: 'S', sections: [{ title: 's', body: 'b' }], tags: ['t'] },
    cards: [{ n: 1, title: 'C', body: 'B', url: '/c' }],
  };
  for (let i = 0; i < FAMILIES.length; i++) {
    const k = (await importKida('code-size-check', `p${i}/page.html`)).render(i === 0 ? { ...data, items: ['a', 'b'] } : data);
    const v = render((await import(pathToFileURL(join(OUT, 'svelte', `p${i}`, 'Page.svelte.js')).href)).default, { props: i === 0 ? { ...data, items: ['a', 'b'] } : data }).body;
    const m = (await import(pathToFileURL(join(OUT, 'marko', `p${i}`, 'page.marko.mjs')).href)).default.render(i === 0 ? { ...data, items: ['a', 'b'] } : data).toString();
    if (canon(k) !== canon(m)) throw new Error(`page p${i}: Kida and Marko differ:\n${canon(k)}\n${canon(m)}`);
    if (canon(k) !== canon(v) || !k.includes(`Variant ${i} `)) throw new Error(`page p${i}: Kida and Svelte differ:\n${canon(k)}\n${canon(v)}`);
  }
}

const results = {};
for (const engine of ['kida', 'svelte', 'marko']) {
  const entry = join(OUT, `${engine}-entry.mjs`);
  writeFileSync(entry, entries[engine].map((p, i) => `import p${i} from ${JSON.stringify(p)};`).join('\n') + `\nexport default [${entries[engine].map((_, i) => 'p' + i).join(', ')}];\n`);
  results[engine] = {};
  for (const withRuntime of [false, true]) {
    const code = withRuntime ? await viteBundle(entry) : await rollupAlone(entry);
    const min = minifySync(`${engine}.mjs`, code, { module: true, compress: true, mangle: true });
    if (min.errors?.length) throw new Error(min.errors.map((e) => e.message).join('\n'));
    results[engine][withRuntime ? 'bundle' : 'templates'] = { raw: code.length, minified: min.code.length, gzip: gzipSync(min.code).length };
  }
}

const kb = (n) => (n / 1024).toFixed(n < 10240 ? 1 : 0) + ' KB';
console.log(`# Generated code for ${PAGES} pages, ${new Date().toISOString()}`);
console.log(`${cpus()[0]?.model} ×${cpus().length}, ${platform()} ${release()}, Node ${process.version}; minified with Vite's minifySync, gzip\n`);
console.log('| | Kida | Svelte 5 (server) | Marko 6 (html) | Kida ÷ Svelte | Kida ÷ Marko |');
console.log('|---|--:|--:|--:|--:|--:|');
for (const part of ['templates', 'bundle'])
  for (const m of ['raw', 'minified', 'gzip'])
    console.log(`| ${part === 'templates' ? 'templates alone' : 'with runtime'}, ${m} | ${kb(results.kida[part][m])} | ${kb(results.svelte[part][m])} | ${kb(results.marko[part][m])} | ${(results.kida[part][m] / results.svelte[part][m]).toFixed(2)}x | ${(results.kida[part][m] / results.marko[part][m]).toFixed(2)}x |`);
const jsonOut = process.argv.find((a) => a.startsWith('--json='))?.slice(7);
if (jsonOut) writeFileSync(jsonOut, JSON.stringify({ pages: PAGES, ...results }));
