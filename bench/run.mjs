// Render benchmark: Kida (compiled modules) against Nunjucks, LiquidJS, Eta, Handlebars and a
// hand-written JS baseline, plus compile throughput. Prints markdown tables and writes
// bench/results.json.
//
//   npm run build && node bench/run.mjs            (~70 s, bench/stream.mjs included)
//   node bench/run.mjs --quick                     (fewer/shorter rounds, ~35 s)
//   node bench/run.mjs --only=table,filters        (some workloads; add `compile` for that part)
//   node bench/run.mjs --no-stream                 (skip bench/stream.mjs, which runs at the end)
//   node bench/run.mjs --no-issue22                (skip reference.mjs [--classic], http-load.mjs, code-size.mjs,
//                                                   which run after it, ~3 min; the peers need
//                                                   `cd bench/peer-engines && npm install` once)
//
// Method (details in bench/README.md):
// * The Kida templates are compiled to ES modules under bench/.build/<workload>/ first, the
//   way a build step would; the measuring processes only import them.
// * Each workload is measured in a fresh child process (`--child=<id>`) that sets up every
//   engine and renders once with each; an output that differs from the JS baseline's, byte for
//   byte, takes that engine out of the workload (reported as skipped). Then every engine is
//   warmed up, a batch size is calibrated to ~BATCH_MS, and ROUNDS rounds run in which the
//   engines take turns (the order rotates each round). Figures are medians over rounds.
// * A second child per workload (`--child=<id> --without-nunjucks`) repeats this with every
//   engine but nunjucks, which is never imported there: loading nunjucks slows some string
//   operations in V8 for everyone in the process (see README).
// * `--cpu=<n>` pins the measuring processes to one CPU with `taskset` (Linux), for machines
//   whose CPUs differ in speed (noisy neighbours on VMs).
// * Compile throughput runs in its own child (`--child=compile`).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { availableParallelism, cpus, totalmem, platform, arch, release } from 'node:os';
import { workloads } from './workloads.mjs';
import { compileKida, engines } from './engines.mjs';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const only = args.find((a) => a.startsWith('--only='))?.slice(7).split(',');
const child = args.find((a) => a.startsWith('--child='))?.slice(8);
const withoutNunjucks = args.includes('--without-nunjucks');
const cpu = args.find((a) => a.startsWith('--cpu='))?.slice(6);
const ROUNDS = quick ? 5 : 9;
const BATCH_MS = quick ? 15 : 30;
const WARMUP_MS = quick ? 100 : 200;
const COMPILE_MS = quick ? 150 : 300;

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
let sink = 0; // keeps results alive

/** Runs `f` n times, returns elapsed ms. */
function timeSync(f, d, n) {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) sink += f(d).length;
  return performance.now() - t0;
}
async function timeAsync(f, d, n) {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) sink += (await f(d)).length;
  return performance.now() - t0;
}
const timeIt = (e, d, n) => (e.async ? timeAsync(e.render, d, n) : timeSync(e.render, d, n));

/** Warm up for `ms` and return the batch size that takes about BATCH_MS. */
async function warmup(e, d, ms) {
  let n = 1;
  let perOp = Infinity;
  const end = performance.now() + ms;
  while (performance.now() < end) {
    const t = await timeIt(e, d, n);
    perOp = t / n;
    if (t < 5) n *= 2;
  }
  return Math.max(1, Math.round(BATCH_MS / Math.max(perOp, 1e-6)));
}

async function benchWorkload(w) {
  const list = await engines(w, { exclude: withoutNunjucks ? ['nunjucks'] : [] });
  const d = w.data();
  // 1. identical output, checked before anything is timed
  const expected = w.baseline(d);
  const skipped = [];
  const active = [];
  for (const e of list) {
    let out;
    try {
      out = await e.render(d);
    } catch (err) {
      out = err;
    }
    if (out === expected) active.push(e);
    else {
      const reason =
        out instanceof Error
          ? `throws: ${out.message.split('\n')[0]}`
          : `output differs at offset ${[...expected].findIndex((c, i) => out[i] !== c)} (${out.length} vs ${expected.length} chars)`;
      skipped.push({ engine: e.id, reason });
    }
  }
  // 2. warm-up and batch calibration
  const batch = new Map();
  for (const e of active) batch.set(e, await warmup(e, d, WARMUP_MS));
  // 3. interleaved rounds
  const samples = new Map(active.map((e) => [e, []]));
  for (let r = 0; r < ROUNDS; r++) {
    const order = active.map((_, i) => active[(i + r) % active.length]);
    if (r % 2) order.reverse();
    for (const e of order) {
      const n = batch.get(e);
      const t = await timeIt(e, d, n);
      samples.get(e).push((n / t) * 1000);
    }
  }
  const results = {};
  for (const e of active) {
    const ops = median(samples.get(e));
    results[e.id] = { label: e.label, kind: e.kind, opsPerSec: ops, usPerOp: 1e6 / ops, batch: batch.get(e), samples: samples.get(e).map((x) => Math.round(x)) };
  }
  return { id: w.id, title: w.title, outputChars: expected.length, skipped, results };
}

/** Templates per second: kida compile() vs nunjucks precompileString (plus other engines' compilers for reference). */
async function benchCompile() {
  const { compile } = await import('kida/compiler');
  const { default: nunjucks } = await import('nunjucks');
  const { default: Handlebars } = await import('handlebars');
  const { Eta } = await import('eta');
  const kidaFiles = workloads.flatMap((w) => Object.entries(w.kida.files));
  const njkFiles = workloads.flatMap((w) => Object.entries(w.nunjucks.files));
  const hbsFiles = workloads.flatMap((w) => Object.values(w.handlebars.files));
  const etaFiles = workloads.flatMap((w) => Object.values(w.eta.files));
  const nenv = new nunjucks.Environment([], { autoescape: true });
  const eta = new Eta({ autoTrim: false });
  const compilers = [
    { id: 'kida', label: 'kida compile() → ES module + source map', n: kidaFiles.length, run: () => kidaFiles.reduce((s, [name, src]) => s + compile(src, { name }).code.length, 0) },
    { id: 'nunjucks', label: 'nunjucks.precompileString() → JS', n: njkFiles.length, run: () => njkFiles.reduce((s, [name, src]) => s + nunjucks.precompileString(src, { name, env: nenv }).length, 0) },
    { id: 'handlebars', label: 'Handlebars.precompile() → JS (reference)', n: hbsFiles.length, run: () => hbsFiles.reduce((s, src) => s + Handlebars.precompile(src).length, 0) },
    { id: 'eta', label: 'eta.compileToString() → JS (reference)', n: etaFiles.length, run: () => etaFiles.reduce((s, src) => s + eta.compileToString(src).length, 0) },
  ];
  const samples = new Map(compilers.map((c) => [c, []]));
  for (const c of compilers) {
    const end = performance.now() + COMPILE_MS;
    while (performance.now() < end) sink += c.run();
  }
  for (let r = 0; r < ROUNDS; r++) {
    for (const c of r % 2 ? [...compilers].reverse() : compilers) {
      let passes = 0;
      const t0 = performance.now();
      while (performance.now() - t0 < COMPILE_MS / 3) {
        sink += c.run();
        passes++;
      }
      samples.get(c).push((passes * c.n * 1000) / (performance.now() - t0));
    }
  }
  const out = {};
  for (const c of compilers) out[c.id] = { label: c.label, templates: c.n, templatesPerSec: median(samples.get(c)), usPerTemplate: 1e6 / median(samples.get(c)) };
  out.kida.xNunjucks = out.kida.templatesPerSec / out.nunjucks.templatesPerSec;
  return out;
}

// ------------------------------------------------------------------------------------ child
if (child) {
  const result = child === 'compile' ? await benchCompile() : await benchWorkload(workloads.find((w) => w.id === child));
  process.stdout.write(JSON.stringify(result) + '\n');
  process.exit(0);
}

// ------------------------------------------------------------------------------------ parent
const self = fileURLToPath(import.meta.url);
/** Runs a node script in a child process (pinned with taskset under --cpu). */
function spawnNode(script, extra, opts) {
  const argv = [script, ...extra];
  return cpu ? spawnSync('taskset', ['-c', cpu, process.execPath, ...argv], opts) : spawnSync(process.execPath, argv, opts);
}
function runChild(extra) {
  const r = spawnNode(self, [...extra, ...(quick ? ['--quick'] : [])], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`child ${extra.join(' ')} failed:\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}
function machine() {
  const c = cpus();
  const version = (p) => JSON.parse(readFileSync(join(import.meta.dirname, '..', 'node_modules', p, 'package.json'), 'utf8')).version;
  return {
    node: process.version,
    v8: process.versions.v8,
    nproc: availableParallelism(),
    cpu: c[0]?.model ?? 'unknown',
    memoryGB: +(totalmem() / 2 ** 30).toFixed(1),
    os: `${platform()} ${release()} ${arch()}`,
    engines: {
      kida: JSON.parse(readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8')).version,
      nunjucks: version('nunjucks'),
      liquidjs: version('liquidjs'),
      eta: version('eta'),
      handlebars: version('handlebars'),
    },
  };
}

const started = performance.now();
const info = machine();
const date = new Date().toISOString();
console.error(`kida bench: Node ${info.node}, ${info.nproc} CPU(s) (${info.cpu}), ${ROUNDS} rounds × ~${BATCH_MS} ms per engine${quick ? ' (quick)' : ''}${cpu ? `, pinned to CPU ${cpu}` : ''}`);
const selected = workloads.filter((w) => !only || only.includes(w.id));
for (const w of selected) await compileKida(w.id, w.kida.files); // the build step
const results = [];
for (const w of selected) {
  const t0 = performance.now();
  const all = runChild([`--child=${w.id}`]);
  const noNjk = runChild([`--child=${w.id}`, '--without-nunjucks']);
  const withRatios = (res) => {
    const peers = Object.values(res).filter((r) => r.kind === 'peer');
    const fastestPeer = peers.length ? peers.reduce((a, b) => (a.usPerOp <= b.usPerOp ? a : b)) : undefined;
    const base = res.baseline?.usPerOp;
    for (const r of Object.values(res)) {
      r.xBaseline = base ? r.usPerOp / base : undefined;
      r.xFastestPeer = fastestPeer ? r.usPerOp / fastestPeer.usPerOp : undefined;
    }
    return fastestPeer?.label;
  };
  const fastestPeer = withRatios(all.results);
  const fastestPeerWithoutNunjucks = withRatios(noNjk.results);
  results.push({
    ...all,
    fastestPeer,
    skipped: [...all.skipped, ...noNjk.skipped.map((s) => ({ ...s, engine: s.engine + ' (without nunjucks)' }))],
    withoutNunjucks: { fastestPeer: fastestPeerWithoutNunjucks, results: noNjk.results },
  });
  console.error(`  ${w.id}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}
const compileResults = only && !only.includes('compile') ? null : runChild(['--child=compile']);

// ---- markdown ----
const fmtOps = (x) => (x >= 1e6 ? (x / 1e6).toFixed(2) + 'M' : x >= 1e4 ? (x / 1e3).toFixed(1) + 'k' : x >= 1e3 ? (x / 1e3).toFixed(2) + 'k' : x.toFixed(1));
const fmtUs = (x) => (x >= 1000 ? x.toFixed(0) : x >= 100 ? x.toFixed(1) : x >= 10 ? x.toFixed(2) : x.toFixed(3));
const fmtX = (x) => (x === undefined ? '–' : x.toFixed(2) + '×');
const cols = ['kida', 'kida-stream', 'kida-async', 'nunjucks', 'liquidjs', 'eta', 'handlebars', 'baseline'];
const heads = ['kida render', 'kida renderStream', 'kida renderStreamAsync', 'nunjucks', 'liquidjs', 'eta', 'handlebars', 'JS baseline'];
const lines = [];
function summary(title, pick, fastest, note) {
  const use = cols.filter((c) => results.some((w) => pick(w)[c]));
  lines.push(title, '');
  lines.push(`| Workload | output | ${use.map((c) => heads[cols.indexOf(c)]).join(' | ')} | kida render ÷ fastest peer |`);
  lines.push(`|---|--:|${use.map(() => '--:').join('|')}|--:|`);
  for (const w of results) {
    const res = pick(w);
    const best = Object.values(res).filter((x) => x.kind !== 'baseline').reduce((x, y) => (x.usPerOp <= y.usPerOp ? x : y));
    const cells = use.map((c) => (!res[c] ? 'skipped' : res[c] === best ? `**${fmtUs(res[c].usPerOp)}**` : fmtUs(res[c].usPerOp)));
    lines.push(`| ${w.title} | ${(w.outputChars / 1024).toFixed(1)} KB | ${cells.join(' | ')} | ${fmtX(res.kida?.xFastestPeer)} (${fastest(w)}) |`);
  }
  lines.push('', note, '');
}
summary(
  '## Render time, all engines in one process (µs per render, median; lower is better)',
  (w) => w.results,
  (w) => w.fastestPeer,
  'Bold: fastest template engine for the workload (JS baseline excluded). "kida render ÷ fastest peer" below 1 means Kida is faster.',
);
summary(
  '## Render time, same but nunjucks never loaded (µs per render, median)',
  (w) => w.withoutNunjucks.results,
  (w) => w.withoutNunjucks.fastestPeer,
  'Loading nunjucks puts V8\'s String.prototype into dictionary mode (nunjucks creates its SafeString prototype with `Object.create(String.prototype)`), which slows string method calls (`s.charCodeAt(i)`, `s.slice()`) in every engine of the process; Kida\'s runtime calls saved String.prototype functions instead (see the analysis).',
);
for (const w of results) {
  lines.push(`### ${w.title}`, '');
  lines.push('| Engine | ops/s | µs/op | × baseline | × fastest peer | µs/op without nunjucks | × fastest peer without nunjucks |', '|---|--:|--:|--:|--:|--:|--:|');
  const other = w.withoutNunjucks.results;
  for (const r of Object.values(w.results).sort((x, y) => x.usPerOp - y.usPerOp)) {
    const id = Object.keys(w.results).find((k) => w.results[k] === r);
    const o = other[id];
    lines.push(`| ${r.label} | ${fmtOps(r.opsPerSec)} | ${fmtUs(r.usPerOp)} | ${fmtX(r.xBaseline)} | ${fmtX(r.xFastestPeer)} | ${o ? fmtUs(o.usPerOp) : '–'} | ${o ? fmtX(o.xFastestPeer) : '–'} |`);
  }
  for (const s of w.skipped) lines.push(`| ${s.engine} | skipped: ${s.reason} | | | | | |`);
  lines.push('');
}
if (compileResults) {
  lines.push('## Compile throughput (templates/s, median; the workloads\' templates)', '');
  lines.push('| Compiler | templates | templates/s | µs/template |', '|---|--:|--:|--:|');
  for (const c of Object.values(compileResults)) lines.push(`| ${c.label} | ${c.templates} | ${fmtOps(c.templatesPerSec)} | ${fmtUs(c.usPerTemplate)} |`);
  lines.push('', `kida compile() runs at ${compileResults.kida.xNunjucks.toFixed(2)}× the throughput of nunjucks precompile.`, '');
}
const ev = info.engines;
lines.push(
  `_${date.slice(0, 10)} · Node ${info.node} (V8 ${info.v8}) · ${info.nproc} CPU(s), ${info.cpu} · ${info.os} · kida ${ev.kida}, nunjucks ${ev.nunjucks}, liquidjs ${ev.liquidjs}, eta ${ev.eta}, handlebars ${ev.handlebars} · ${ROUNDS} rounds, ~${BATCH_MS} ms batches${quick ? ' (quick)' : ''}${cpu ? `, pinned to CPU ${cpu}` : ''}_`,
);
console.log(lines.join('\n'));

// streaming figures (bench/stream.mjs, its own process; skipped with --only or --no-stream)
if (!only && !args.includes('--no-stream')) {
  const r = spawnNode(join(import.meta.dirname, 'stream.mjs'), [], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0) throw new Error('bench/stream.mjs failed');
  console.log('\n' + r.stdout.trim());
}

// issue #22: the reference workloads against Eta, Marko 6 and Svelte 5, node:http under load,
// generated code size (each its own process; skipped with --only or --no-issue22)
if (!only && !args.includes('--no-issue22')) {
  const peers = existsSync(join(import.meta.dirname, 'peer-engines', 'node_modules', 'svelte'));
  if (!peers) console.log('\n(bench/peer-engines not installed: `cd bench/peer-engines && npm install` adds Marko 6, Svelte 5, autocannon)');
  const scripts = [['reference.mjs'], ['reference.mjs', '--classic'], ...(peers ? [['http-load.mjs'], ['code-size.mjs']] : [])];
  for (const [script, ...extra] of scripts) {
    const r = spawnNode(join(import.meta.dirname, script), [...extra, ...(quick ? ['--quick', '--seconds=2'] : [])], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 26 });
    if (r.status !== 0) throw new Error(`bench/${script} failed`);
    console.log('\n' + r.stdout.trim());
  }
}

const file = join(import.meta.dirname, 'results.json');
writeFileSync(file, JSON.stringify({ date, machine: info, config: { rounds: ROUNDS, batchMs: BATCH_MS, warmupMs: WARMUP_MS, quick, cpu: cpu ?? null }, workloads: results, compile: compileResults }, null, 2) + '\n');
console.error(`wrote ${file} (${((performance.now() - started) / 1000).toFixed(1)} s total)`);
