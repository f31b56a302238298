// A/B of two builds of Kida in processes warmed as `npm run bench` warms them (issue #22): before
// a page is measured, every reference workload, plain and escape-heavy, has run through render,
// renderStream and renderStreamAsync, with Eta 4 and Svelte 5, so the runtime's shared functions
// have seen every shape (megamorphic), as in reference.mjs. One tree per process (two trees in one
// process read apart by load order: bench/ab.mjs), processes alternated; each measures Kida render,
// Eta 4 and Svelte 5 interleaved, best of --rounds batches (best, not median: on this shared
// machine a stall during a batch reads as a render 10-20x slower).
//
//   npm run build && node bench/warm-ab.mjs --old=<a built tree of another commit> [--runs=3] [--rounds=15] [complex-plain cards-heavy ...]
//   node bench/warm-ab.mjs --tree=<dir> [targets]   (one process: prints its figures as JSON)
// Targets are <workload>-<plain|heavy>, workloads as in reference-data.mjs; default: every one.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { T } from './reference-templates.mjs';
import { ETA, WORKLOADS, hostile } from './reference-data.mjs';
import { SVELTE, buildSvelte, peersInstalled, svelteServer } from './peers.mjs';

const opt = (name, dflt) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? dflt;
const ROUNDS = Number(opt('rounds', 15));
const targets = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const all = WORKLOADS.flatMap(([id]) => [`${id}-plain`, `${id}-heavy`]);
const tree = opt('tree', null);

if (tree) console.log(JSON.stringify(await measureTree(tree, targets.length ? targets : all)));
else await compare();

/** Parent: alternate the two trees' processes, then print each target's ranges. */
async function compare() {
  const old = opt('old', null);
  if (!old) throw new Error('--old=<a built tree of another commit> is required');
  const trees = { main: old, this: join(import.meta.dirname, '..') };
  const runs = Number(opt('runs', 3));
  const got = { main: [], this: [] };
  for (let i = 0; i < runs; i++)
    for (const [tag, dir] of Object.entries(trees))
      got[tag].push(JSON.parse(execFileSync(process.execPath, [import.meta.filename, `--tree=${dir}`, `--rounds=${ROUNDS}`, ...targets], { encoding: 'utf8' })));
  const f = (xs) => `${Math.min(...xs).toFixed(2)}-${Math.max(...xs).toFixed(2)}`;
  console.log(`| target | main µs | this µs | main ÷ Eta 4 | this ÷ Eta 4 | main ÷ Svelte 5 | this ÷ Svelte 5 |\n|---|--:|--:|--:|--:|--:|--:|`);
  for (const t of targets.length ? targets : all) {
    const col = (tag, k) => f(got[tag].map((r) => (k ? r[t].kida / r[t][k] : r[t].kida)));
    console.log(`| ${t} | ${col('main')} | ${col('this')} | ${col('main', 'eta')} | ${col('this', 'eta')} | ${peersInstalled ? col('main', 'svelte') : '-'} | ${peersInstalled ? col('this', 'svelte') : '-'} |`);
  }
  console.log(`\n${runs} process(es) per tree, alternated; best of ${ROUNDS} rounds each; ranges over processes.`);
}

/** Child: this tree's compiler and runtime, warmed, then the targets measured. */
async function measureTree(dir, wanted) {
  const { compile, relativeImport } = await import(pathToFileURL(join(dir, 'dist/compiler/index.js')).href);
  const out = join(import.meta.dirname, '.build', 'warm-ab', dir.replace(/\W/g, '_'));
  rmSync(out, { recursive: true, force: true });
  for (const [name, src] of Object.entries(T)) {
    const { code } = compile(src, { name, runtime: join(dir, 'dist/runtime/node.js'), importPath: (t, f) => relativeImport(t, f) + '.js' });
    mkdirSync(join(out, name, '..'), { recursive: true });
    writeFileSync(join(out, name + '.js'), code);
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
      const list = [
        { id: 'kida', f: (x) => kida.render(x) },
        { id: 'stream', f: (x) => [...kida.renderStream(x)].join('') },
        { id: 'async', async: true, f: async (x) => { let s = ''; for await (const c of kida.renderStreamAsync(x)) s += c; return s; } },
        { id: 'eta', f: (x) => eta.render('@page', x) },
        ...(svelte ? [{ id: 'svelte', f: (x) => svelteRender(svelte, { props: x }).body }] : []),
      ];
      const tag = `${id}-${variant}`;
      // (what is not measured still runs, as reference.mjs runs it, so later pages meet the same runtime)
      if (!wanted.includes(tag)) await best(list, d, 2, 8);
      else res[tag] = await best(list.filter((e) => e.id !== 'stream' && e.id !== 'async'), d, ROUNDS, 10);
    }
  }
  return res;
}

/** Interleaved rounds over `list`, batches calibrated to ~batchMs: best µs per render of each. */
async function best(list, d, rounds, batchMs) {
  let sink = 0;
  const cpu = () => {
    const t = process.cpuUsage();
    return (t.user + t.system) / 1000;
  };
  const time = async (e, n) => {
    const t0 = cpu();
    if (e.async) for (let i = 0; i < n; i++) sink += (await e.f(d)).length;
    else for (let i = 0; i < n; i++) sink += e.f(d).length;
    return cpu() - t0;
  };
  const batch = new Map();
  for (const e of list) {
    let n = 1, t;
    while ((t = await time(e, n)) < 5) n *= 2;
    // (the least of a few: one stall would make the batch tiny and the figure a count of stalls)
    for (let k = 0; k < 4; k++) t = Math.min(t, await time(e, n));
    batch.set(e, Math.max(1, Math.round((batchMs * n) / Math.max(t, 1e-3))));
  }
  const low = new Map(list.map((e) => [e, Infinity]));
  for (let r = 0; r < rounds; r++)
    for (const e of list.map((_, i) => list[(i + r) % list.length])) {
      const n = batch.get(e);
      low.set(e, Math.min(low.get(e), ((await time(e, n)) * 1000) / n));
    }
  if (sink < 0) console.error(sink);
  return Object.fromEntries(list.map((e) => [e.id, low.get(e)]));
}
