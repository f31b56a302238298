// A/B of two builds of Kida (issue #22): the reference templates compiled by each tree against its
// own runtime, rendered on the same data, interleaved in one process (order alternating per
// round), best of 21 batches of process CPU time. For a loaded machine, where two separate runs
// of reference.mjs differ by more than a change does.
//
//   git archive <commit> | tar -x -C /tmp/old && (cd /tmp/old && ln -s $PWD/node_modules && npx tsc -p tsconfig.json)
//   node bench/ab.mjs --old=/tmp/old [minimal small small-esc medium large complex cards small-heavy ... cards-heavy] [--modes=render,stream,async] [--node] [--swap]
// --node: against each tree's dist/runtime/node.js (what Node resolves `kida/runtime` to: the stream
// drivers of runtime/drive.ts installed) instead of helpers.js (a bundle's generator drivers).
// --swap: the new tree's modules are compiled and imported first. The tree imported first reads
// faster whatever its code (two copies of one tree, 2026-12-06: small stream 0.75-0.81x, complex
// 1.04x for the first): run both orders and trust a change only where both agree.
import { mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { T } from './reference-templates.mjs';
const old = process.argv.find((a) => a.startsWith('--old='))?.slice(6);
if (!old) throw new Error('--old=<a built tree of another commit> is required');
const trees = process.argv.includes('--swap') ? { new: join(import.meta.dirname, '..'), old } : { old, new: join(import.meta.dirname, '..') };
const range = (n) => Array.from({ length: n }, (_, i) => i);
const SMALL = { title: 'Hello World', name: 'Alice', count: 42, items: ['a','b','c','d','e'], active: true, price: 19.99, tags: ['python','template'], metadata: { author: 'test', version: '1.0' }, description: 'A short description of the page content.', footer: '© 2026 Example Corp' };
const hostile = (v) => typeof v === 'string' ? v + ' <b>&amp;</b>' : Array.isArray(v) ? v.map(hostile) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, hostile(x)])) : v;
const CASES = {
  minimal: ['minimal.html', { name: 'World' }, 300000],
  small: ['small.html', SMALL, 60000],
  'small-esc': ['small.html', hostile(SMALL), 30000],
  medium: ['medium.html', { items: range(100).map((i) => ({ id: i, name: `Item ${i}`, price: i * 1.5 })), categories: range(10).map((i) => `Category ${i}`), vars: range(20).map((i) => `value_${i}`) }, 1500],
  large: ['large.html', { items: range(1000).map((i) => ({ id: i, name: `Item ${i}`, data: { x: i, y: i * 2 } })) }, 300],
};
// the escape-heavy data of reference.mjs (every string gets `<`, `>`, `&` and both quotes)
const heavy = (v) => typeof v === 'string' ? `<b>${v}</b> & "${v}" 'q'` : Array.isArray(v) ? v.map(heavy) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, heavy(x)])) : v;
const COMPLEX = { heading: 'Benchmark Page', description: 'Complex layout with inheritance and includes', nav: [{ href: '#intro', label: 'Intro' }, { href: '#body', label: 'Body' }, { href: '#footer', label: 'Footer' }], footer: 'Rendered by Kida benchmarks',
  article: { title: 'Template Engine Performance', subtitle: 'Validating claims with reproducible data', sections: [{ title: 'Overview', body: 'Benchmarking approach and goals.' }, { title: 'Methodology', body: 'Warmups, iterations, and metrics.' }, { title: 'Results', body: 'Compare Kida with Jinja2 baselines.' }], tags: ['performance', 'benchmark', 'kida', 'jinja2'] } };
const CARDS = { cards: range(300).map((n) => ({ n, title: `Card ${n}`, body: `Body of card ${n}, a sentence or two.`, url: `/cards/${n}` })) };
Object.assign(CASES, {
  complex: ['complex/page.html', COMPLEX, 30000],
  cards: ['cards.html', CARDS, 600],
  'small-heavy': ['small.html', heavy(SMALL), 30000],
  'medium-heavy': ['medium.html', heavy(CASES.medium[1]), 1000],
  'large-heavy': ['large.html', heavy(CASES.large[1]), 200],
  'complex-heavy': ['complex/page.html', heavy(COMPLEX), 20000],
  'cards-heavy': ['cards.html', heavy(CARDS), 400],
});
const mods = {};
for (const [tag, dir] of Object.entries(trees)) {
  const { compile, relativeImport } = await import(join(dir, 'dist/compiler/index.js'));
  const out = join(import.meta.dirname, '.build', 'ab', tag);
  rmSync(out, { recursive: true, force: true });
  for (const [name, src] of Object.entries(T)) {
    const { code } = compile(src, { name, runtime: join(dir, `dist/runtime/${process.argv.includes('--node') ? 'node' : 'helpers'}.js`), importPath: (t, f) => relativeImport(t, f) + '.js' });
    mkdirSync(join(out, name, '..'), { recursive: true });
    writeFileSync(join(out, name + '.js'), code);
  }
  mods[tag] = out;
}
const which = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const modes = process.argv.find((a) => a.startsWith('--modes='))?.slice(8).split(',') ?? ['render'];
let sink = 0;
for (const w of which.length ? which : Object.keys(CASES)) {
  const [entry, d, n] = CASES[w];
  const k = {};
  for (const tag of Object.keys(trees)) k[tag] = await import(join(mods[tag], entry + '.js'));
  for (const mode of modes) {
    const f = (m) => mode === 'render' ? () => m.render(d) : mode === 'stream' ? () => { let s = ''; for (const c of m.renderStream(d)) s += c; return s; } : null;
    const best = { old: 1e9, new: 1e9 };
    if (mode === 'async') {
      for (let r = 0; r < 15; r++) for (const tag of r % 2 ? ['old', 'new'] : ['new', 'old']) {
        const t0 = process.cpuUsage();
        for (let i = 0; i < n / 4; i++) { let s = ''; for await (const c of k[tag].renderStreamAsync(d)) s += c; sink += s.length; }
        const t = process.cpuUsage(t0); best[tag] = Math.min(best[tag], (t.user + t.system) / (n / 4));
      }
    } else {
      const fs = { old: f(k.old), new: f(k.new) };
      if (fs.old() !== fs.new()) throw new Error(w + ' outputs differ');
      for (let r = 0; r < 21; r++) for (const tag of r % 2 ? ['old', 'new'] : ['new', 'old']) {
        const g = fs[tag]; const t0 = process.cpuUsage();
        for (let i = 0; i < n; i++) sink += g().length;
        const t = process.cpuUsage(t0); best[tag] = Math.min(best[tag], (t.user + t.system) / n);
      }
    }
    console.log(`${w} ${mode}: old ${best.old.toFixed(3)} µs, new ${best.new.toFixed(3)} µs, new/old ${(best.new / best.old).toFixed(2)}`);
  }
}
