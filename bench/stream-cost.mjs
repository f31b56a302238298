// What a sync stream costs beyond its render (issue #22: renderStream within 1.5x of render), split
// in one process and one tree, so no A/B load-order bias (bench/ab.mjs --swap): render; the
// stream read by for-of and appended (what bench/reference.mjs times); only counted; its chunks
// read from an array and appended (the floor of handing out that many chunks); the stream made
// but not read; its first chunk then return(). For complex also each level of its inheritance
// (base alone, layout over base, page over layout). Best of --rounds batches (~5 ms) of process CPU time.
// Each workload runs in a process of its own: the runtime's shared functions slow down as more
// templates pass through them (the page measured first in a process read 1.2-2x faster than the
// same page measured after another).
//
//   npx tsc -p tsconfig.json && node bench/stream-cost.mjs [--rounds=15] [minimal small complex cards]
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { T } from './reference-templates.mjs';

const arg = (n, d) => process.argv.find((a) => a.startsWith(`--${n}=`))?.slice(n.length + 3) ?? d;
const ROUNDS = Number(arg('rounds', 15));
const range = (n) => Array.from({ length: n }, (_, i) => i);
const SMALL = { title: 'Hello World', name: 'Alice', count: 42, items: ['a', 'b', 'c', 'd', 'e'], active: true, price: 19.99, tags: ['python', 'template'], metadata: { author: 'test', version: '1.0' }, description: 'A short description of the page content.', footer: '© 2026 Example Corp' };
const COMPLEX = {
  heading: 'Benchmark Page', description: 'Complex layout with inheritance and includes',
  nav: [{ href: '#intro', label: 'Intro' }, { href: '#body', label: 'Body' }, { href: '#footer', label: 'Footer' }],
  footer: 'Rendered by Kida benchmarks',
  article: { title: 'Template Engine Performance', subtitle: 'Validating claims with reproducible data', sections: [{ title: 'Overview', body: 'Benchmarking approach and goals.' }, { title: 'Methodology', body: 'Warmups, iterations, and metrics.' }, { title: 'Results', body: 'Compare Kida with Jinja2 baselines.' }], tags: ['performance', 'benchmark', 'kida', 'jinja2'] },
};
const CARDS = { cards: range(300).map((n) => ({ n, title: `Card ${n}`, body: `Body of card ${n}, a sentence or two.`, url: `/cards/${n}` })) };
const PAGES = {
  minimal: [['minimal.html', { name: 'Benchmark' }]],
  small: [['small.html', SMALL]],
  complex: [['complex/base.html', COMPLEX], ['complex/layout.html', COMPLEX], ['complex/page.html', COMPLEX]],
  cards: [['cards.html', CARDS]],
};

const which = process.argv.slice(2).filter((a) => !a.startsWith('--'));
if (which.length !== 1) {
  for (const w of which.length ? which : Object.keys(PAGES))
    process.stdout.write(execFileSync(process.execPath, [import.meta.filename, w, ...process.argv.slice(2).filter((a) => a.startsWith('--'))], { encoding: 'utf8' }));
  process.exit(0);
}
const root = join(import.meta.dirname, '..');
const { compile, relativeImport } = await import(join(root, 'dist/compiler/index.js'));
const out = join(import.meta.dirname, '.build', 'stream-cost', which[0]);
rmSync(out, { recursive: true, force: true });
// (the runtime Node resolves `kida/runtime` to: runtime/drive.ts's stream drivers installed)
const runtime = join(root, existsSync(join(root, 'dist/runtime/node.js')) ? 'dist/runtime/node.js' : 'dist/runtime/helpers.js');
for (const [name, src] of Object.entries(T)) {
  const { code } = compile(src, { name, runtime, importPath: (t, f) => relativeImport(t, f) + '.js' });
  mkdirSync(join(out, name, '..'), { recursive: true });
  writeFileSync(join(out, name + '.js'), code);
}

let sink = 0;
const cpu = () => { const t = process.cpuUsage(); return t.user + t.system; };
for (const w of which)
  for (const [entry, d] of PAGES[w]) {
    const m = await import(join(out, entry + '.js'));
    const chunks = [...m.renderStream(d)];
    const ways = {
      render: () => m.render(d).length,
      stream: () => { let s = ''; for (const c of m.renderStream(d)) s += c; return s.length; },
      counted: () => { let n = 0; for (const c of m.renderStream(d)) n++; return n; },
      'chunks from an array': () => { let s = ''; for (const c of chunks) s += c; return s.length; },
      made: () => (m.renderStream(d) ? 1 : 0),
      'first chunk': () => { const s = m.renderStream(d); const r = s.next(); s.return(); return r.value.length; },
    };
    if (ways.stream() !== m.render(d).length) throw new Error(`${entry}: the stream's text differs`);
    // (batches of ~5 ms, sized once warmed up from the least of 5 timings: one slow timing, a GC
    // or a compile, does not shrink the batch)
    const time = (f, n) => { const t0 = cpu(); for (let i = 0; i < n; i++) sink += f(); return cpu() - t0; };
    const size = Object.fromEntries(Object.entries(ways).map(([k, f]) => {
      time(f, 2000);
      let n = 64;
      while (time(f, n) < 2000) n *= 2;
      let t = Infinity;
      for (let i = 0; i < 5; i++) t = Math.min(t, time(f, n));
      return [k, Math.max(64, Math.round((5000 * n) / t))];
    }));
    const best = {};
    for (let r = 0; r < ROUNDS; r++)
      for (const [k, f] of Object.entries(ways)) best[k] = Math.min(best[k] ?? Infinity, (time(f, size[k]) * 1000) / size[k]);
    console.log(`${entry} (${chunks.length} chunks, ns, best of ${ROUNDS}): ${Object.entries(best).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', ')}; stream ÷ render ${(best.stream / best.render).toFixed(2)}x`);
  }
if (sink < 0) console.log(sink);
