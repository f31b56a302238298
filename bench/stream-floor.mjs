// The fixed cost of a stream against its floor (issue #22, "Streams, ninth pass"), in a process
// warmed as reference.mjs warms it: every workload, plain and escape-heavy, through render,
// renderStream and renderStreamAsync, by one reader per mode that every workload shares (so the
// runtime's functions and the readers' call sites have seen every page). Then per workload: render,
// renderStream and renderStreamAsync read as reference.mjs reads them, each stream made but not
// read, and `ready`: an async iterator whose next() returns an already-resolved promise of the same
// chunks, read by the same `for await` (what any async stream keeping those chunk boundaries costs
// at least, with no template work at all). Best of --rounds batches (~2 ms) of process CPU time.
// With --old=<built tree> the two trees run in processes of their own, alternating (--runs each):
// one process per tree avoids bench/ab.mjs's load-order bias; the printout is each tree's best
// and median over its processes.
//
//   npx tsc -p tsconfig.json && node bench/stream-floor.mjs [--old=<built tree>] [--runs=4] [--rounds=21] [minimal small ...]
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { T } from './reference-templates.mjs';
import { WORKLOADS, hostile } from './reference-data.mjs';

/** An async iterator over chunks already at hand: next() a resolved promise, as a ready stream's. */
class Ready {
  constructor(chunks) {
    this.c = chunks;
    this.i = 0;
  }
  next() {
    return Promise.resolve(this.i < this.c.length ? { value: this.c[this.i++], done: false } : { value: undefined, done: true });
  }
  [Symbol.asyncIterator]() {
    return this;
  }
}

const opt = (n, d) => process.argv.find((a) => a.startsWith(`--${n}=`))?.slice(n.length + 3) ?? d;
const targets = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const tree = opt('tree', null);
if (tree) console.log(JSON.stringify(await measure(tree, targets.length ? targets : WORKLOADS.map(([id]) => id))));
else await compare();

async function compare() {
  const trees = { new: join(import.meta.dirname, '..'), ...(opt('old') ? { old: opt('old') } : {}) };
  const runs = Number(opt('runs', opt('old') ? 4 : 1));
  const got = {};
  for (let r = 0; r < runs; r++)
    for (const tag of r % 2 ? Object.keys(trees).reverse() : Object.keys(trees)) {
      const out = execFileSync(process.execPath, [import.meta.filename, `--tree=${trees[tag]}`, ...process.argv.slice(2).filter((a) => !a.startsWith('--old='))], { encoding: 'utf8' });
      for (const [k, v] of Object.entries(JSON.parse(out))) ((got[k] ??= {})[tag] ??= []).push(v);
    }
  const med = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  const show = (xs) => `${Math.min(...xs).toFixed(0)}/${med(xs).toFixed(0)}`;
  console.log(`ns per render, best/median over ${runs} process(es) per tree`);
  for (const [k, by] of Object.entries(got)) console.log(k.padEnd(26), Object.entries(by).map(([tag, xs]) => `${tag} ${show(xs)}`).join('  '));
}

async function measure(dir, which) {
  const { compile, relativeImport } = await import(join(dir, 'dist/compiler/index.js'));
  const out = join(import.meta.dirname, '.build', 'stream-floor', dir.replace(/[^a-z0-9]+/gi, '_'));
  rmSync(out, { recursive: true, force: true });
  // (the runtime Node resolves `kida/runtime` to: runtime/drive.ts's stream drivers installed)
  const runtime = join(dir, existsSync(join(dir, 'dist/runtime/node.js')) ? 'dist/runtime/node.js' : 'dist/runtime/helpers.js');
  for (const [name, src] of Object.entries(T)) {
    const { code } = compile(src, { name, runtime, importPath: (t, f) => relativeImport(t, f) + '.js' });
    mkdirSync(join(out, name, '..'), { recursive: true });
    writeFileSync(join(out, name + '.js'), code);
  }
  const pages = [];
  for (const [id, entry, data] of WORKLOADS) {
    const m = await import(join(out, entry + '.js'));
    pages.push({ id, m, d: data() }, { id: `${id}-heavy`, m, d: hostile(data()) });
  }
  // (one reader per mode for every workload, as reference.mjs's)
  const render = (m, d) => m.render(d);
  const stream = (m, d) => { let s = ''; for (const c of m.renderStream(d)) s += c; return s; };
  const streamAsync = async (m, d) => { let s = ''; for await (const c of m.renderStreamAsync(d)) s += c; return s; };
  const readAsync = async (it) => { let s = ''; for await (const c of it) s += c; return s; };
  for (let r = 0; r < 100; r++) for (const { m, d } of pages) (render(m, d), stream(m, d), await streamAsync(m, d));
  const cpu = () => { const t = process.cpuUsage(); return t.user + t.system; };
  const res = {};
  let sink = 0;
  for (const { id, m, d } of pages.filter((p) => which.includes(p.id))) {
    const chunks = [...m.renderStream(d)];
    const ways = {
      render: () => render(m, d),
      renderStream: () => stream(m, d),
      renderStreamAsync: () => streamAsync(m, d),
      'stream made': () => (m.renderStream(d), ''),
      'async made': () => (m.renderStreamAsync(d), ''),
      ready: () => readAsync(new Ready(chunks)),
    };
    // (a sync way timed in a sync loop, as reference.mjs times it: an await per call costs ~100 ns)
    const time = async (f, n) => {
      const t0 = cpu();
      if (f.sync) for (let i = 0; i < n; i++) sink += f().length;
      else for (let i = 0; i < n; i++) sink += (await f()).length;
      return cpu() - t0;
    };
    for (const f of Object.values(ways)) f.sync = !(f() instanceof Promise);
    const size = {};
    for (const [k, f] of Object.entries(ways)) {
      let n = 8;
      while ((await time(f, n)) < 1000) n *= 2;
      size[k] = n * 2;
    }
    const best = {};
    for (let r = 0; r < Number(opt('rounds', 21)); r++)
      for (const [k, f] of Object.entries(ways)) best[k] = Math.min(best[k] ?? Infinity, ((await time(f, size[k])) / size[k]) * 1000);
    for (const [k, v] of Object.entries(best)) res[`${id} ${k}`] = v;
  }
  if (sink < 0) console.log(sink);
  return res;
}
