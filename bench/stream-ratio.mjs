// renderStream ÷ render (issue #22: within 1.5x on every workload), per tree, on the reference
// workloads of bench/reference.mjs (its contexts, copied here), plain and escape-heavy. Each
// tree's templates are compiled against its own runtime (as bench/ab.mjs); every renderer of every
// tree is timed interleaved in one process, best of --rounds batches (~2 ms) of process CPU time, so a
// change shows beside a control on this shared machine.
//
//   node bench/stream-ratio.mjs [--old=<built tree>] [--driver] [--async] [--rounds=15] [minimal small ...]
// --driver imports each tree's kida/async-driver (what kida/node, kida/hono and the Environment load;
// a tree with dist/runtime/node.js, what Node resolves kida/runtime to, has it installed anyway).
import { existsSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { T } from './reference-templates.mjs';

const arg = (n, d) => process.argv.find((a) => a.startsWith(`--${n}=`))?.slice(n.length + 3) ?? d;
const trees = { new: join(import.meta.dirname, '..') };
if (arg('old')) trees.old = arg('old');
const ROUNDS = Number(arg('rounds', 61));
const range = (n) => Array.from({ length: n }, (_, i) => i);
const SMALL = () => ({ title: 'Hello World', name: 'Alice', count: 42, items: ['a', 'b', 'c', 'd', 'e'], active: true, price: 19.99, tags: ['python', 'template'], metadata: { author: 'test', version: '1.0' }, description: 'A short description of the page content.', footer: '© 2026 Example Corp' });
const MEDIUM = () => {
  const c = { items: range(100).map((i) => ({ id: i, name: `Item ${i}`, price: i * 1.5 })), categories: range(10).map((i) => `Category ${i}`) };
  c.vars = range(20).map((i) => `value_${i}`);
  for (const i of range(80)) c[`var_${i}`] = `value_${i}`;
  return c;
};
const LARGE = () => ({ items: range(1000).map((i) => ({ id: i, name: `Item ${i}`, data: { x: i, y: i * 2 } })) });
const COMPLEX = () => ({
  heading: 'Benchmark Page', description: 'Complex layout with inheritance and includes',
  nav: [{ href: '#intro', label: 'Intro' }, { href: '#body', label: 'Body' }, { href: '#footer', label: 'Footer' }],
  footer: 'Rendered by Kida benchmarks',
  article: { title: 'Template Engine Performance', subtitle: 'Validating claims with reproducible data', sections: [{ title: 'Overview', body: 'Benchmarking approach and goals.' }, { title: 'Methodology', body: 'Warmups, iterations, and metrics.' }, { title: 'Results', body: 'Compare Kida with Jinja2 baselines.' }], tags: ['performance', 'benchmark', 'kida', 'jinja2'] },
});
const CARDS = () => ({ cards: range(300).map((n) => ({ n, title: `Card ${n}`, body: `Body of card ${n}, a sentence or two.`, url: `/cards/${n}` })) });
const hostile = (v) => typeof v === 'string' ? `<b>${v}</b> & "${v}" 'q'` : Array.isArray(v) ? v.map(hostile) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, hostile(x)])) : v;
const WORKLOADS = { minimal: ['minimal.html', () => ({ name: 'Benchmark' })], small: ['small.html', SMALL], medium: ['medium.html', MEDIUM], large: ['large.html', LARGE], complex: ['complex/page.html', COMPLEX], cards: ['cards.html', CARDS] };

const mods = {};
for (const [tag, dir] of Object.entries(trees)) {
  if (process.argv.includes('--driver')) await import(join(dir, 'dist/runtime/drive.js'));
  const { compile, relativeImport } = await import(join(dir, 'dist/compiler/index.js'));
  const out = join(import.meta.dirname, '.build', 'stream-ratio', tag);
  rmSync(out, { recursive: true, force: true });
  for (const [name, src] of Object.entries(T)) {
    // (the runtime Node resolves `kida/runtime` to, where the tree has one: its stream drivers installed)
    const runtime = join(dir, existsSync(join(dir, 'dist/runtime/node.js')) ? 'dist/runtime/node.js' : 'dist/runtime/helpers.js');
    const { code } = compile(src, { name, runtime, importPath: (t, f) => relativeImport(t, f) + '.js' });
    mkdirSync(join(out, name, '..'), { recursive: true });
    writeFileSync(join(out, name + '.js'), code);
  }
  mods[tag] = out;
}
let sink = 0;
const cpu = () => { const t = process.cpuUsage(); return t.user + t.system; };
const which = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const withAsync = process.argv.includes('--async');
for (const w of which.length ? which : Object.keys(WORKLOADS)) {
  const [entry, data] = WORKLOADS[w];
  for (const variant of ['plain', 'esc']) {
    const d = variant === 'plain' ? data() : hostile(data());
    const list = [];
    for (const tag of Object.keys(trees)) {
      const m = await import(join(mods[tag], entry + '.js'));
      list.push({ tag, mode: 'render', f: () => m.render(d) });
      list.push({ tag, mode: 'stream', f: () => { let s = ''; for (const c of m.renderStream(d)) s += c; return s; } });
      if (withAsync) list.push({ tag, mode: 'async', async: true, f: async () => { let s = ''; for await (const c of m.renderStreamAsync(d)) s += c; return s; } });
    }
    const want = list[0].f();
    for (const e of list) if ((await e.f()) !== want) throw new Error(`${w}/${variant}: ${e.tag} ${e.mode} differs`);
    const run = async (e, n) => {
      const t0 = cpu();
      if (e.async) for (let k = 0; k < n; k++) sink += (await e.f()).length;
      else for (let k = 0; k < n; k++) sink += e.f().length;
      return cpu() - t0;
    };
    for (const e of list) { // warmed up, then batches of ~2 ms (the least of 5 timings: one slow one does not shrink it)
      await run(e, 300);
      let n = 8;
      while ((await run(e, n)) < 1000) n *= 2;
      let t = Infinity;
      for (let i = 0; i < 5; i++) t = Math.min(t, await run(e, n));
      e.n = Math.max(1, Math.round((2000 * n) / t));
      e.best = Infinity;
    }
    for (let r = 0; r < ROUNDS; r++)
      for (let i = 0; i < list.length; i++) {
        const e = list[(i + r) % list.length];
        e.best = Math.min(e.best, (await run(e, e.n)) / e.n);
      }
    const line = Object.keys(trees).map((tag) => {
      const by = Object.fromEntries(list.filter((e) => e.tag === tag).map((e) => [e.mode, e.best]));
      return `${tag}: render ${by.render.toFixed(2)} µs, stream ÷ render ${(by.stream / by.render).toFixed(2)}x` + (withAsync ? `, async ÷ stream ${(by.async / by.stream).toFixed(2)}x` : '');
    });
    console.log(`${w} (${variant})`.padEnd(18), line.join(' | '));
  }
}
if (sink < 0) console.log(sink);
