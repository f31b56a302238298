// `npm run bench`: every figure issue #22 (and #25's speed target) asks for, each with its target
// and PASS/FAIL, over --runs runs (default 3), with the date, the machine and its load.
//
//   npm run bench                      build, then 3 runs (~5 min on a quiet 2-core machine)
//   npm run bench -- --quick           1 short run of everything (a smoke test, ~1.5 min)
//   npm run bench -- --runs 5          more runs
//   node bench/summary.mjs --no-http --no-code-size --no-govuk   (parts left out)
//   node bench/summary.mjs --from=bench/results/<file>.json        (the table again, from saved runs)
//
// Each run starts its measuring processes one after another (none overlaps another):
//   reference.mjs            12 workloads: Kida render / renderStream / renderStreamAsync, Eta 4,
//                            Marko 6, Svelte 5 and the fastest hand-written baseline, interleaved
//                            in one process, process CPU time; 10 vs 110 context keys; slow data
//   reference.mjs --classic  the same workloads against Nunjucks, LiquidJS, Handlebars (own process:
//                            loading Nunjucks slows string code for everyone in the process)
//   http-load.mjs            node:http under 100 connections (autocannon), buffered vs streamed
//   govuk-speed.mjs          issue #25: govuk-frontend fixtures, Kida compat vs Nunjucks precompiled
// and once, after the runs (deterministic): code-size.mjs, 500 pages against Svelte 5.
// A figure PASSes when it meets its target in every run. Writes bench/results/<date>-<time>.json
// (every measured number of every run) and .md (this table and each process's own tables).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, platform, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';

const argv = process.argv.slice(2);
const flag = (name) => argv.includes(`--${name}`);
/** `--name=v` or `--name v` */
const opt = (name, dflt) => {
  const i = argv.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (i < 0) return dflt;
  return argv[i].includes('=') ? argv[i].slice(argv[i].indexOf('=') + 1) : argv[i + 1];
};
const saved = opt('from', null) && JSON.parse(readFileSync(opt('from'), 'utf8'));
const quick = saved ? saved.settings.quick : flag('quick');
const RUNS = saved ? saved.settings.runs : Number(opt('runs', quick ? 1 : 3));
// per-process settings; the quick ones only prove every part runs
const S = saved
  ? saved.settings
  : quick
    ? { rounds: 3, batch: 8, slow: 6, classicRounds: 3, httpSeconds: 1, httpRounds: 1, govukRounds: 3, pages: 50 }
    : { rounds: 9, batch: 20, slow: 16, classicRounds: 5, httpSeconds: 2, httpRounds: 3, govukRounds: 7, pages: 500 };
const HERE = import.meta.dirname;
const peers = existsSync(join(HERE, 'peer-engines', 'node_modules', 'svelte')) && existsSync(join(HERE, 'peer-engines', 'node_modules', 'autocannon'));
const TMP = join(tmpdir(), `kida-bench-${process.pid}`);

const git = (...a) => spawnSync('git', a, { cwd: HERE, encoding: 'utf8' }).stdout?.trim() ?? '';
const machine = saved?.machine ?? {
  date: new Date().toISOString(),
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  availableParallelism: availableParallelism(),
  memoryGB: +(totalmem() / 2 ** 30).toFixed(1),
  os: `${platform()} ${release()}`,
  node: process.version,
  commit: git('rev-parse', '--short', 'HEAD') + (git('status', '--porcelain', '--untracked-files=no', '--', '..') ? ' (with uncommitted changes)' : ''),
};
const load = () => loadavg().map((x) => +x.toFixed(2));

const failures = [];
/** Runs one measuring script; its markdown kept for the .md, its figures read from --json. */
function measure(script, args, label) {
  const file = join(TMP, `${label}.json`);
  rmSync(file, { force: true });
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [join(HERE, script), ...args, `--json=${file}`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 26 });
  if (r.status !== 0 || !existsSync(file)) {
    // one failed process costs its figures (n/a in the table), not the other runs'
    process.stderr.write(`  ${label}: bench/${script} ${args.join(' ')} FAILED (exit ${r.status})\n`);
    failures.push(label);
    return null;
  }
  process.stderr.write(`  ${label}: ${((performance.now() - t0) / 1000).toFixed(0)} s\n`);
  return { data: JSON.parse(readFileSync(file, 'utf8')), markdown: r.stdout.trim() };
}

const started = performance.now();
const runs = saved ? saved.runs.map((r) => ({ ...r, markdown: [] })) : [];
if (!saved) {
  mkdirSync(TMP, { recursive: true });
  process.stderr.write(`kida bench: ${RUNS} run(s)${quick ? ' (quick)' : ''}, ${machine.cpu} ×${machine.cores}, Node ${machine.node}, load ${load().join(' ')}\n`);
  for (let i = 1; i <= RUNS; i++) {
    process.stderr.write(`run ${i} of ${RUNS}\n`);
    const run = { loadStart: load(), started: new Date().toISOString(), markdown: [] };
    const keep = (k, m) => m && ((run[k] = m.data), run.markdown.push(m.markdown));
    keep('reference', measure('reference.mjs', [`--rounds=${S.rounds}`, `--batch=${S.batch}`, `--slow=${S.slow}`], `run${i}-reference`));
    keep('classic', measure('reference.mjs', ['--classic', `--rounds=${S.classicRounds}`, `--batch=${S.batch}`], `run${i}-classic`));
    if (peers && !flag('no-http'))
      keep('http', measure('http-load.mjs', ['--cases=render,async,pipe,node-stream,node-async,web', `--seconds=${S.httpSeconds}`, `--rounds=${S.httpRounds}`], `run${i}-http`));
    // (the Rollup build of the govuk pages once: the later runs reuse the first run's bundle)
    if (!flag('no-govuk')) keep('govuk', measure('govuk-speed.mjs', [`--rounds=${S.govukRounds}`, ...(i > 1 ? ['--reuse-bundle'] : [])], `run${i}-govuk`));
    run.loadEnd = load();
    runs.push(run);
  }
}
// the same bytes every run: measured once
const codeSize = saved ? saved.codeSize && { data: saved.codeSize } : peers && !flag('no-code-size') ? measure('code-size.mjs', [`--pages=${S.pages}`], 'code-size') : null;
rmSync(TMP, { recursive: true, force: true });

// ---- the figures ----
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const x = (v) => (v == null || Number.isNaN(v) ? 'n/a' : v.toFixed(2) + 'x');
const ms = (v) => (v == null || Number.isNaN(v) ? 'n/a' : (v < 0 ? '−' : '+') + Math.abs(v).toFixed(2) + ' ms');
const TARGETS = {
  '<1': { text: '< 1x', ok: (v) => v < 1 },
  '<=1': { text: '≤ 1x', ok: (v) => v <= 1 },
  '<=1.1': { text: '≤ 1.1x', ok: (v) => v <= 1.1 },
  '<=1.5': { text: '≤ 1.5x', ok: (v) => v <= 1.5 },
  '>=0.8': { text: '≥ 0.8x', ok: (v) => v >= 0.8 },
  '>=5': { text: '≥ 5x', ok: (v) => v >= 5 },
  '<=0ms': { text: '≤ 0 ms', ok: (v) => v <= 0 },
  all: { text: '12 of 12', ok: (v) => v === 12 },
};
const figures = [];
/** A figure: its values per run (null where not measured), a target key or null (information). */
const fig = (group, name, target, fmt, get) => figures.push({ group, name, target, fmt, values: runs.map((r, i) => { try { const v = get(r, i); return v == null || Number.isNaN(v) ? null : v; } catch { return null; } }) });

const WORKLOADS = runs.find((r) => r.reference)?.reference.rows.map((r) => r.workload) ?? [];
const row = (r, w) => r.reference.rows.find((y) => y.workload === w);
const crow = (r, w) => r.classic.rows.find((y) => y.workload === w);
const PEERS = [
  ['Eta 4', (r, w) => row(r, w).eta],
  ['Marko 6', (r, w) => row(r, w).marko],
  ['Svelte 5', (r, w) => row(r, w).svelte],
  ['Nunjucks', (r, w) => crow(r, w).nunjucks, true],
  ['LiquidJS', (r, w) => crow(r, w).liquid, true],
  ['Handlebars', (r, w) => crow(r, w).handlebars, true],
].filter(([, get]) => runs.some((r) => { try { return get(r, WORKLOADS[0]) != null; } catch { return false; } })); // (Marko and Svelte need bench/peer-engines)
/** Kida render ÷ a peer, each ratio from the process that measured both. */
const vsPeer = (r, w, [, get, classic]) => (classic ? crow(r, w).kida : row(r, w).kida) / get(r, w);
for (const w of WORKLOADS) for (const p of PEERS) fig('render ÷ peer', `${w}: render ÷ ${p[0]}`, '<1', x, (r) => vsPeer(r, w, p));
fig('render ÷ peer', 'Kida faster than every peer, workloads', 'all', (v) => `${v} of ${WORKLOADS.length}`, (r) => WORKLOADS.filter((w) => PEERS.every((p) => vsPeer(r, w, p) < 1)).length);
fig('render ÷ peer', 'median over workloads, render ÷ fastest peer', null, x, (r) => median(WORKLOADS.map((w) => Math.max(...PEERS.map((p) => vsPeer(r, w, p))))));
fig('baseline', 'render ÷ fastest hand-written baseline, median over workloads', '<=1.5', x, (r) => median(r.reference.rows.map((y) => y.kida / y.baseline)));
for (const w of WORKLOADS) fig('baseline', `${w}: render ÷ baseline`, null, x, (r) => row(r, w).kida / row(r, w).baseline);
fig('context', 'small page, 110 context keys ÷ 10 keys', '<=1.1', x, (r) => r.reference.context.more / r.reference.context.ten);
for (const w of WORKLOADS) fig('renderStream', `${w}: renderStream ÷ render`, '<=1.5', x, (r) => row(r, w).stream / row(r, w).kida);
for (const w of WORKLOADS) fig('renderStreamAsync', `${w}: renderStreamAsync ÷ renderStream`, '<=1.5', x, (r) => row(r, w).async / row(r, w).stream);
const slow = (r) => r.reference.slow;
fig('slow data', 'slow-data page, time to head: Kida − Marko 6', '<=0ms', ms, (r) => slow(r).kidaHead - slow(r).markoHead);
fig('slow data', 'slow-data page, finish after the data resolved: Kida − Marko 6', '<=0ms', ms, (r) => slow(r).afterData - slow(r).markoAfterData);
fig('slow data', 'slow-data page, finish from the call: Kida − Marko 6 (with the 50 ms timer\'s jitter)', null, ms, (r) => slow(r).kidaFinish - slow(r).markoFinish);
fig('slow data', 'slow-data page, the cards after the data ÷ render() of them', '<=1.5', x, (r) => slow(r).afterData / slow(r).syncRender);
// (info: render() of the cards run in a 50 ms timer's callback, as the cards after the data are:
// the wake-up after a wait slows any work, sync or async, Marko's as much; docs/decisions.md,
// "Streams, seventh pass")
fig('slow data', 'slow-data page, the cards after the data ÷ render() of them in a 50 ms timer\'s callback', null, x, (r) => slow(r).afterData / slow(r).idleSyncRender);
fig('slow data', 'slow-data page, Marko 6\'s cards after the data ÷ Kida render() of them', null, x, (r) => slow(r).markoAfterData / slow(r).syncRender);
fig('slow data', 'slow-data page, renders whose head came only after the data (Kida / Marko 6)', null, (v) => v, (r) => `${slow(r).lateHeads.kida} / ${slow(r).lateHeads.marko} of ${slow(r).renders}`);
const rps = (r, c) => r.http.cases[c].bestRps;
fig('http', 'requests/s: Readable.from(renderStream).pipe(res) ÷ render', '>=0.8', x, (r) => rps(r, 'pipe') / rps(r, 'render'));
fig('http', 'requests/s: kida/node pipeToNodeResponse(renderStream) ÷ render', '>=0.8', x, (r) => rps(r, 'node-stream') / rps(r, 'render'));
fig('http', 'requests/s: kida/node pipeToNodeResponse(renderStreamAsync) ÷ renderAsync', '>=0.8', x, (r) => rps(r, 'node-async') / rps(r, 'async'));
fig('http', 'requests/s: web Response(toReadableStream(renderStreamAsync)) ÷ renderAsync', '>=0.8', x, (r) => rps(r, 'web') / rps(r, 'async'));
fig('http', 'requests/s: pipeToNodeResponse(renderStreamAsync) ÷ render', null, x, (r) => rps(r, 'node-async') / rps(r, 'render'));
fig('http', 'requests/s: web Response(toReadableStream(renderStreamAsync)) ÷ render', null, x, (r) => rps(r, 'web') / rps(r, 'render'));
fig('http', 'requests/s: renderAsync ÷ render', null, x, (r) => rps(r, 'async') / rps(r, 'render'));
// the server's CPU per request is the steadier figure when other work shares the machine
const cpuReq = (r, c) => r.http.cases[c].bestCpuUsPerRequest;
for (const [c, label] of [['pipe', 'Readable.from(renderStream).pipe(res)'], ['node-stream', 'pipeToNodeResponse(renderStream)'], ['node-async', 'pipeToNodeResponse(renderStreamAsync)'], ['web', 'web Response(toReadableStream(renderStreamAsync))'], ['async', 'renderAsync']])
  fig('http', `server CPU per request: render ÷ ${label} (the throughput CPU allows)`, null, x, (r) => cpuReq(r, 'render') / cpuReq(r, c));
const cs = (part, m) => codeSize.data.kida[part][m] / codeSize.data.svelte[part][m];
fig('code size', `${S.pages} pages, templates bundled + minified: Kida ÷ Svelte 5`, '<=1', x, () => cs('templates', 'minified'));
fig('code size', `${S.pages} pages, templates bundled + minified + gzip: Kida ÷ Svelte 5`, null, x, () => cs('templates', 'gzip'));
fig('code size', `${S.pages} pages, with runtime, minified: Kida ÷ Svelte 5`, null, x, () => cs('bundle', 'minified'));
fig('govuk (#25)', 'govuk-frontend fixtures, Kida compat (Environment): speed-up over Nunjucks precompiled', '>=5', x, (r) => r.govuk.speedup);
fig('govuk (#25)', 'govuk-frontend fixtures, Kida compat (Rollup-built modules): speed-up over Nunjucks precompiled', '>=5', x, (r) => r.govuk.speedupCompiled);
fig('govuk (#25)', 'govuk-frontend fixtures byte-identical to Nunjucks (Environment / modules)', null, (v) => v, (r) => `${r.govuk.identical} / ${r.govuk.identicalCompiled} of ${r.govuk.fixtures}`);

for (const f of figures) {
  const measured = f.values.filter((v) => v != null);
  f.result = !f.target ? 'info' : !measured.length ? 'n/a' : measured.length === runs.length && measured.every(TARGETS[f.target].ok) ? 'PASS' : `FAIL (${measured.filter(TARGETS[f.target].ok).length}/${runs.length})`;
}

// ---- the table ----
const lines = [];
const lastLoad = runs.at(-1).loadEnd;
lines.push(`# Kida benchmark summary (issues #22, #25), ${machine.date.slice(0, 16).replace('T', ' ')} UTC`, '');
lines.push(`${machine.cpu}, ${machine.cores} cores, ${machine.memoryGB} GB, ${machine.os}, Node ${machine.node}, kida at ${machine.commit || '?'}`);
lines.push(`${RUNS} run(s)${quick ? ' (--quick: short rounds, a smoke test, not figures)' : ''}; load average (1/5/15 min) ${runs.map((r, i) => `run ${i + 1}: ${r.loadStart.join(' ')} at start, ${r.loadEnd.join(' ')} at end`).join('; ')}${codeSize ? `; ${lastLoad.join(' ')} before code size` : ''}`);
lines.push(`Render figures: process CPU time, engines interleaved in one process, ${S.rounds} rounds (${S.classicRounds} against Nunjucks/LiquidJS/Handlebars) of ~${S.batch} ms batches, medians. HTTP: best of ${S.httpRounds} round(s) of ${S.httpSeconds} s per case, cases in turn. Slow-data page: wall time, medians of ${S.slow} renders each. Code size: measured once (the same bytes every run).`, '');
const spread = (vs) => {
  const m = vs.filter((v) => v != null);
  if (m.length < 2 || m.some((v) => v <= 0)) return '';
  return `±${((50 * (Math.max(...m) - Math.min(...m))) / median(m)).toFixed(0)}%`;
};
lines.push(`| Figure | Target | ${runs.map((_, i) => `Run ${i + 1}`).join(' | ')} |${RUNS > 1 ? ' Spread |' : ''} Result |`);
lines.push(`|---|--:|${runs.map(() => '--:|').join('')}${RUNS > 1 ? '--:|' : ''}---|`);
for (const f of figures)
  lines.push(`| ${f.name} | ${f.target ? TARGETS[f.target].text : '—'} | ${f.values.map((v) => (v == null ? 'n/a' : f.fmt(v))).join(' | ')} |${RUNS > 1 ? ` ${f.fmt === x ? spread(f.values) : ''} |` : ''} ${f.result} |`);
const gated = figures.filter((f) => f.target);
const passed = gated.filter((f) => f.result === 'PASS').length;
lines.push('', `${passed} of ${gated.length} figures with a target PASS in every run. Spread: half the range across runs over the median (the run-to-run noise).`);
if (runs[0].reference) lines.push(`Baselines chosen (fastest of bench/baseline.mjs's candidates, per workload, run 1): ${runs[0].reference.rows.map((r) => `${r.workload} ${r.baselineChosen}`).join(', ')}.`);
if (failures.length) lines.push(`Failed (their figures n/a): ${failures.join(', ')}; the error is on stderr.`);
if (!peers) lines.push('bench/peer-engines not installed (`cd bench/peer-engines && npm install`): Marko 6, Svelte 5, the HTTP and code-size figures left out.');
const summary = lines.join('\n');
console.log(summary);
if (saved) process.exit(0);

// ---- results ----
const dir = join(HERE, 'results');
mkdirSync(dir, { recursive: true });
const stamp = machine.date.slice(0, 16).replace(':', '').replace('T', '-') + (quick ? '-quick' : '');
const sub = (m) => m.replace(/^# /gm, '### '); // each process's title under its run's heading
const md = [summary, '', ...runs.flatMap((r, i) => [`## Run ${i + 1}: each process's own tables`, '', ...r.markdown.flatMap((m) => [sub(m), ''])]), ...(codeSize ? ['## Code size', '', sub(codeSize.markdown), ''] : [])].join('\n');
writeFileSync(join(dir, `${stamp}.md`), md);
writeFileSync(
  join(dir, `${stamp}.json`),
  JSON.stringify({ machine, settings: { runs: RUNS, quick, ...S }, figures: figures.map(({ fmt, ...f }) => ({ ...f, target: f.target && TARGETS[f.target].text })), runs: runs.map(({ markdown, ...r }) => r), codeSize: codeSize?.data ?? null }, null, 1) + '\n',
);
process.stderr.write(`wrote bench/results/${stamp}.json and .md (${((performance.now() - started) / 1000).toFixed(0)} s)\n`);
