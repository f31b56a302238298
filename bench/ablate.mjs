// Where the complex page's render time goes (issue #22, docs/decisions.md "Render, eleventh pass"):
// warm-ab's child (every reference workload through render, renderStream and renderStreamAsync
// first, with Eta 4 and Svelte 5, so the runtime's shared helpers are megamorphic), with
// ablations applied to the complex page's compiled modules by rewriting their text. The
// ablations are UNSAFE (they drop checks the semantics need): measurement only.
//   line    no line bookkeeping (`L = n`)
//   ld      a data name read as `ctx[$DATA].x`: no scope chain, own-key test or globals
//   ega     `{{ a.b }}` as `esc(a?.b)`: no plain-object test, no getattr
//   sink    no sink: `o += …` for `o = S(o + …)`, a loop over its source for `each(…)`
//   chain   the page's render enters base.html's root directly (no extendsRoot levels)
//   noesc   no escaping at all (implies ega)
//   privesc esc's string path copied into each module (after ega: `ega+privesc`)
//   flat    the page written as one template (no extends, no blocks), the same text
//   none    the page as compiled
// Combine with `+`; one process per variant, so run it alternated several times:
//   npm run build && for r in 1 2 3 4; do for a in none ld+ega chain; do node bench/ablate.mjs $a complex-plain complex-heavy; done; done
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
const B = pathToFileURL(import.meta.dirname).href + '/';
const { T } = await import(B + 'reference-templates.mjs');
const { ETA, WORKLOADS, hostile } = await import(B + 'reference-data.mjs');
const { SVELTE, buildSvelte, peersInstalled, svelteServer } = await import(B + 'peers.mjs');
const dir = join(import.meta.dirname, '..');
const abl = process.argv[2] ?? 'none';
const targets = process.argv.slice(3);
const R = {
  line: (c) => c.replace(/\(L = \d+, /g, '(').replace(/\bL = \d+;\n/g, ''),
  ega: (c) => callArgs(c, /\$ega(Dq)?\(/g, (a) => `$esc((${a[0]}, ${a[1]}))`),
  ld: (c) => c.replace(/ctx\.(\w+) \?\? \$ld\(ctx, "\w+", "\w+" in ctx \|\| ctx\[\$DATA\]\.\w+\)/g, (m, n) => `ctx[$DATA].${n}`),
  noesc: (c) => R.ega(c).replace(/\$esc(Dq)?\(/g, '('),
  sink: (c) => callArgs(c.replace(/o = S\(o \+ /g, 'o += ('), /\$each\(/g, (a) => `$iter(${a[0]})`),
  // a copy of esc's string path in each module (its own feedback: what the shared escaper's costs)
  privesc: (c) => c.replace(/\$esc(Dq)?\(/g, '$escP(').replace('const $NAME', `const $RE = /[&<>"'\\0]/g, $EN = { 0: '', 34: '&quot;', 38: '&amp;', 39: '&#39;', 60: '&lt;', 62: '&gt;' }, $cc = String.prototype.charCodeAt, $sl = String.prototype.slice;
function $escP(v) {
  if (typeof v !== 'string') return $esc(v);
  const n = v.length; let i = 0;
  if (n > 12) { $RE.lastIndex = 0; if (!$RE.test(v)) return v; i = $RE.lastIndex - 1; }
  let out = '', last = 0;
  for (; i < n; i++) { const c = $cc.call(v, i); const r = c > 62 ? undefined : $EN[c]; if (r === undefined) continue; if (i > last) out += $sl.call(v, last, i); out += r; last = i + 1; }
  return last ? out + $sl.call(v, last) : v;
}
const $NAME`),
  chain: (c) => !c.includes('"complex/page.html"') ? c : c.replace('import {', 'import { registerBlocks as $RB, ').replace('const $root = $extendsRoot($blocks, $T0, $NAME, 1, () => $env);', `const $root = (() => { const ER = $extendsRoot($blocks, $T0, $NAME, 1, () => $env); let top, lay; return { ...ER, s: (ctx, R, S = $noSink) => { if (S !== $noSink) return ER.s(ctx, R, S); $RB(R, $blocks); $RB(R, (lay ??= $T0().spec).blocks); return (top ??= lay.parent().spec.root).s(ctx, R); } }; })();`),
};
function callArgs(c, re, f) {
  let out = '', last = 0, m;
  while ((m = re.exec(c))) {
    let d = 1, k = m.index + m[0].length, start = k; const args = [];
    for (; d > 0; k++) { const ch = c[k]; if (ch === '(' || ch === '[') d++; else if (ch === ')' || ch === ']') d--; else if (ch === '"') { k++; while (c[k] !== '"') k += c[k] === '\\' ? 2 : 1; } if ((ch === ',' && d === 1) || d === 0) { args.push(c.slice(start, k).trim()); start = k + 1; } }
    out += c.slice(last, m.index) + f(args); last = k; re.lastIndex = k;
  }
  return out + c.slice(last);
}
const apply = (c) => abl.split('+').reduce((c, a) => (R[a] ? R[a](c) : c), c);
const { compile, relativeImport } = await import(pathToFileURL(join(dir, 'dist/compiler/index.js')).href);
const out = join(import.meta.dirname, '.build', 'ablate', abl.replace(/\W/g, '_') + process.pid);
rmSync(out, { recursive: true, force: true });
// (`flat`: the page as one template, no extends or blocks: Eta's page in Kida's syntax, the same text)
const flat = ETA.complex.page
  .replace(/<% for \(const (\w+) of it\.([\w.]+)\) \{ %>/g, '{% for $1 in $2 %}')
  .replaceAll('<% } %>', '{% end %}')
  .replace(/<%= (?:it\.)?([\w.]+) %>/g, '{{ $1 }}');
for (const [name, src] of Object.entries(T)) {
  let { code } = compile(abl.split('+').includes('flat') && name === 'complex/page.html' ? flat : src, { name, runtime: join(dir, 'dist/runtime/node.js'), importPath: (t, f) => relativeImport(t, f) + '.js' });
  if (name.startsWith('complex')) code = apply(code);
  if (process.env.SHOW && name.startsWith('complex')) console.error(code); // (to check a rewrite)
  mkdirSync(join(out, name, '..'), { recursive: true });
  writeFileSync(join(out, name + '.js'), code);
}
process.on('exit', () => rmSync(out, { recursive: true, force: true }));
// (the rewritten page must still write the same text: on plain data, for every variant; on
// escape-heavy data, unless escaping was taken out)
{
  const page = WORKLOADS.find(([id]) => id === 'complex');
  const ref = join(out, '..', 'ref' + process.pid);
  for (const name of Object.keys(T).filter((n) => n.startsWith('complex'))) {
    mkdirSync(join(ref, name, '..'), { recursive: true });
    writeFileSync(join(ref, name + '.js'), compile(T[name], { name, runtime: join(dir, 'dist/runtime/node.js'), importPath: (t, f) => relativeImport(t, f) + '.js' }).code);
  }
  const [a, b] = await Promise.all([out, ref].map((d) => import(pathToFileURL(join(d, page[1] + '.js')).href)));
  rmSync(ref, { recursive: true, force: true });
  for (const d of abl.includes('noesc') ? [page[2]()] : [page[2](), hostile(page[2]())])
    if (a.render(d) !== b.render(d)) throw new Error(`${abl}: the rewritten page writes other text`);
}
const { Eta } = await import('eta');
const svelteRender = peersInstalled ? (await svelteServer()).render : null;
const res = {};
for (const [id, entry, data] of WORKLOADS) {
  const kida = await import(pathToFileURL(join(out, entry + '.js')).href);
  const svelte = peersInstalled && (await buildSvelte(`peers/svelte-${id}`, SVELTE[id]));
  for (const variant of ['plain', 'heavy']) {
    const d = variant === 'plain' ? data() : hostile(data());
    const eta = new Eta({ autoEscape: true, autoTrim: false, cache: true });
    for (const [name, src] of Object.entries(ETA[id])) eta.loadTemplate('@' + name, src);
    // (Eta without escaping: what its escaper costs it, beside what `noesc` shows of Kida's)
    const etaRaw = new Eta({ autoEscape: false, autoTrim: false, cache: true });
    for (const [name, src] of Object.entries(ETA[id])) etaRaw.loadTemplate('@' + name, src);
    const list = [
      { id: 'kida', f: (x) => kida.render(x) },
      { id: 'stream', f: (x) => [...kida.renderStream(x)].join('') },
      { id: 'async', async: true, f: async (x) => { let s = ''; for await (const c of kida.renderStreamAsync(x)) s += c; return s; } },
      { id: 'eta', f: (x) => eta.render('@page', x) },
      { id: 'etaRaw', f: (x) => etaRaw.render('@page', x) },
      ...(svelte ? [{ id: 'svelte', f: (x) => svelteRender(svelte, { props: x }).body }] : []),
    ];
    const tag = `${id}-${variant}`;
    if (!targets.includes(tag)) await best(list, d, 2, 8);
    else res[tag] = await best(list.filter((e) => e.id !== 'stream' && e.id !== 'async'), d, 15, 10);
  }
}
console.log(abl, JSON.stringify(Object.fromEntries(Object.entries(res).map(([k, r]) => [k, `${r.kida.toFixed(2)} µs, ÷Eta ${(r.kida / r.eta).toFixed(2)}, ÷Svelte ${(r.kida / r.svelte).toFixed(2)}; Eta ${r.eta.toFixed(2)} µs, unescaped ${r.etaRaw.toFixed(2)}`]))));
async function best(list, d, rounds, batchMs) {
  let sink = 0;
  const cpu = () => { const t = process.cpuUsage(); return (t.user + t.system) / 1000; };
  const time = async (e, n) => { const t0 = cpu(); if (e.async) for (let i = 0; i < n; i++) sink += (await e.f(d)).length; else for (let i = 0; i < n; i++) sink += e.f(d).length; return cpu() - t0; };
  const batch = new Map();
  for (const e of list) {
    let n = 1, t;
    while ((t = await time(e, n)) < 5) n *= 2;
    for (let k = 0; k < 4; k++) t = Math.min(t, await time(e, n));
    batch.set(e, Math.max(1, Math.round((batchMs * n) / Math.max(t, 1e-3))));
  }
  const low = new Map(list.map((e) => [e, Infinity]));
  for (let r = 0; r < rounds; r++)
    for (const e of list.map((_, i) => list[(i + r) % list.length])) { const n = batch.get(e); low.set(e, Math.min(low.get(e), ((await time(e, n)) * 1000) / n)); }
  if (sink < 0) console.error(sink);
  return Object.fromEntries(list.map((e) => [e.id, low.get(e)]));
}
