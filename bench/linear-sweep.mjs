// The linear-time sweep (issue #19 §2), by machine: every built-in of both modes (from the
// registries) × generated inputs × argument shapes (test/security/linear-sweep-space.mjs),
// each called through a compiled template of the built runtime (dist/), with and without
// `sandbox: true`.
//
//   npx tsc -p tsconfig.json && node bench/linear-sweep.mjs              # the whole sweep
//   node bench/linear-sweep.mjs --mode=nunjucks --only=striptags --json
//
// Three stages. (1) Screen: every case once at 16 KB, and at 4 KB too when it took over 3 ms
// (linear reads ×4, quadratic ×16), in child processes; a case with no answer within --timeout seconds is a hang (the child
// is killed and a fresh one goes on from the next case), a child that dies is a crash.
// (2) Confirm: a case that screened above ×7 (and 4 ms), or over 30 ms, is timed at 100 KB and
// 200 KB, least of a few runs in turn (test/security/linear-clock.ts's rule: flagged above
// ×2.8), and a flagged one again in a fresh child. (3) 1 MB: the slowest case of each
// built-in, which must take under a second. Times are CPU times (process.cpuUsage).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ARG_SHAPES, cases, contextFor, fallbackFor } from '../test/security/linear-sweep-space.mjs';
import { compilerCases, compilerThunk } from '../test/security/linear-sweep-compiler.mjs';

const arg = (name, dflt) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? dflt;
const SELF = fileURLToPath(import.meta.url);

async function loadRuntime() {
  const d = (p) => import(`../dist/runtime/${p}.js`);
  const rt = {
    filters: await d('filters'), tests: await d('tests'), globals: await d('globals'), methods: await d('methods'),
    njkSignatures: await d('nunjucks/signatures'), njkGlobals: await d('nunjucks/globals'),
  };
  const { DictLoader, Environment } = await import('../dist/compiler/environment.js');
  rt.env = (mode, sandbox) =>
    new Environment({ loader: new DictLoader({}), ...(mode === 'nunjucks' ? { compat: 'nunjucks' } : {}), ...(sandbox ? { sandbox: true } : {}) });
  rt.operators = (await import('../dist/compiler/lexer.js')).OPERATORS;
  const plain = { kida: rt.env('kida', false), nunjucks: rt.env('nunjucks', false) };
  rt.compiles = (mode, src) => {
    try {
      plain[mode].fromString(src);
      return true;
    } catch {
      return false;
    }
  };
  return rt;
}

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** How rendering case `c` went: { ms, len } or { ms, error }. */
function timeRender(template, ctx) {
  const t0 = cpuMs();
  try {
    const len = template.render(ctx()).length;
    return { ms: cpuMs() - t0, len };
  } catch (e) {
    const ms = cpuMs() - t0;
    return { ms, error: e?.code ?? e?.name ?? 'throw' };
  }
}

async function loadCompiler() {
  const c = await import('../dist/compiler/index.js');
  const { tokenize } = await import('../dist/compiler/lexer.js');
  const { diagnose } = await import('../dist/compiler/diagnose.js');
  const { nunjucksTokens } = await import('../dist/compiler/nunjucks/tokens.js');
  return { tokenize, parse: c.parse, compile: c.compile, format: c.format, diagnose, nunjucksTokens };
}

/** A child of the compiler sweep: cases `ids` at `sizes`, a JSON line per case. */
async function compilerChild() {
  const all = compilerCases(await loadCompiler());
  const sizes = arg('sizes').split(',').map(Number);
  const runs = Number(arg('runs', 1));
  for (const i of arg('ids').split(',').map(Number)) {
    process.stdout.write(`start ${i}\n`);
    const thunks = sizes.map((n) => compilerThunk(all[i], n));
    const best = sizes.map(() => ({ ms: Infinity }));
    for (let r = 0; r < runs; r++) {
      thunks.forEach((run, k) => {
        if (runs > 1) globalThis.gc?.();
        const t0 = cpuMs();
        let res;
        try {
          res = run();
        } catch (e) {
          res = e;
        }
        const ms = cpuMs() - t0;
        if (ms < best[k].ms) best[k] = { ms, ...(res instanceof Error ? { error: res.code ?? res.name } : {}) };
      });
      if (runs > 1 && best.at(-1).ms < 8) break;
    }
    process.stdout.write(`${JSON.stringify({ i, r: best })}\n`);
  }
}

/** A child: runs cases [from, to) of (mode, sandbox) at `sizes`, a JSON line per case. */
async function child() {
  const rt = await loadRuntime();
  const mode = arg('mode');
  const sandbox = arg('sandbox') === '1';
  const sizes = arg('sizes').split(',').map(Number);
  const runs = Number(arg('runs', 1));
  const ids = arg('ids', '') ? arg('ids').split(',').map(Number) : null;
  const all = cases(rt, mode);
  const from = Number(arg('from', 0));
  const to = Math.min(Number(arg('to', all.length)), all.length);
  const env = rt.env(mode, sandbox);
  const compiled = new Map();
  const inputs = new Map();
  const list = ids ?? Array.from({ length: to - from }, (_, k) => from + k);
  for (const i of list) {
    const c = all[i];
    process.stdout.write(`start ${i}\n`);
    const key = `${c.kind} ${c.name} ${c.shape.args(1, 'a').length}`;
    let template = compiled.get(key);
    if (template === undefined) {
      try {
        template = env.fromString(templateText(c));
      } catch (e) {
        template = { error: e?.code ?? e?.name };
        const other = fallbackFor(c.kind, c.name, c.shape.args(1, 'a').length);
        try {
          if (other) template = env.fromString(other);
        } catch {
          // (the first error stands)
        }
      }
      compiled.set(key, template);
    }
    if (template.error) {
      process.stdout.write(`${JSON.stringify({ i, compileError: template.error })}\n`);
      continue;
    }
    // Output that grows faster than the input (`replace("a", big)`) is bound by its size, not a
    // slow algorithm: seen at 1 KB and 2 KB, it is counted apart and not timed large.
    const probe = [1000, 2000].map((n) => timeRender(template, contextFor(c, n, inputs)));
    if (probe.every((p) => p.len !== undefined) && (probe[1].len > 3 * probe[0].len || probe[1].len > 200_000)) {
      process.stdout.write(`${JSON.stringify({ i, outputBound: probe.map((p) => p.len) })}\n`);
      continue;
    }
    if (sizes.length === 1 && arg('screen') === '1') {
      // screening: the quarter size only when the full one took long enough to tell
      const large = timeRender(template, contextFor(c, sizes[0], inputs));
      const small = large.ms > 3 ? timeRender(template, contextFor(c, sizes[0] / 4, inputs)) : { ms: large.ms / 4 };
      process.stdout.write(`${JSON.stringify({ i, r: [small, large] })}\n`);
      if (inputs.size > 8) inputs.clear();
      continue;
    }
    const ctxs = sizes.map((n) => contextFor(c, n, inputs));
    const best = sizes.map(() => ({ ms: Infinity }));
    for (let r = 0; r < runs; r++) {
      sizes.forEach((_, k) => {
        if (runs > 1) globalThis.gc?.(); // (a collection of the last run's garbage is not this run's time)
        const res = timeRender(template, ctxs[k]);
        if (res.ms < best[k].ms) best[k] = res;
      });
      if (runs > 1 && best.at(-1).ms < 8) break; // too fast to matter
    }
    process.stdout.write(`${JSON.stringify({ i, r: best })}\n`);
    if (inputs.size > 8) inputs.clear();
  }
}

let templateText;
{
  const { templateFor } = await import('../test/security/linear-sweep-space.mjs');
  templateText = (c) => templateFor(c.kind, c.name, c.shape.args(1, 'a').length);
}

/** Runs the cases `list` of (mode, sandbox) in children, respawning after a hang or a crash. */
function runChildren(mode, sandbox, list, sizes, runs, timeoutS, onResult, screen = false) {
  return new Promise((resolve) => {
    let rest = list.slice();
    let answered = 0;
    const next = () => {
      if (!rest.length) return resolve();
      const batch = rest.slice(0, 3000);
      const p = spawn(process.execPath, ['--max-old-space-size=3072', '--expose-gc', SELF, mode === 'compiler' ? '--compiler-child' : '--child', `--mode=${mode}`,
        `--sandbox=${sandbox ? 1 : 0}`, `--sizes=${sizes}`, `--runs=${runs}`, `--screen=${screen ? 1 : 0}`, `--ids=${batch.join(',')}`], { stdio: ['ignore', 'pipe', 'ignore'] });
      let started = null;
      let buf = '';
      let timer;
      const arm = () => {
        clearTimeout(timer);
        timer = setTimeout(() => {
          process.stderr.write(`hang: case ${started} of ${mode}${sandbox ? ' sandbox' : ''}\n`);
          onResult(started, { hang: true });
          rest = rest.slice(rest.indexOf(started) + 1);
          started = null;
          p.kill('SIGKILL');
        }, timeoutS * 1000);
      };
      arm();
      p.stdout.on('data', (d) => {
        buf += d;
        let nl;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          if (line.startsWith('start ')) {
            started = Number(line.slice(6));
            arm();
          } else {
            const res = JSON.parse(line);
            if (++answered % 5000 === 0) process.stderr.write(`${mode}${sandbox ? ' sandbox' : ''}: ${answered} of ${list.length}\n`);
            onResult(res.i, res);
            rest = rest.slice(rest.indexOf(res.i) + 1);
            started = null;
          }
        }
      });
      p.on('exit', (code) => {
        clearTimeout(timer);
        if (started !== null) {
          onResult(started, { crash: code ?? 'signal' });
          rest = rest.slice(rest.indexOf(started) + 1);
        } else if (rest.length && rest[0] === batch[0]) rest = rest.slice(1); // (nothing started: never loop)
        next();
      });
    };
    next();
  });
}

async function parent() {
  const rt = await loadRuntime();
  const MODES = arg('mode', 'kida,nunjucks').split(',');
  const SANDBOX = arg('sandbox', '0').split(',').map((s) => s === '1');
  const ONLY = arg('only', '').split(',').filter(Boolean);
  const TIMEOUT = Number(arg('timeout', 20));
  const JSON_OUT = process.argv.includes('--json');
  const log = JSON_OUT ? () => {} : (s) => console.log(s);
  const report = { modes: {}, findings: [] };
  for (const mode of MODES) {
    const all = cases(rt, mode);
    const GEN = arg('gen', '');
    const KIND = arg('kind', '');
    const SHAPES = arg('shapes', '') ? new Set(arg('shapes').split(';')) : null;
    const wanted = all.map((c, i) => i).filter((i) => (!ONLY.length || ONLY.includes(all[i].name)) &&
      (!GEN || all[i].gen.name.includes(GEN)) && (!KIND || all[i].kind === KIND) && (!SHAPES || SHAPES.has(all[i].shape.name)));
    for (const sandbox of SANDBOX) {
      const label = `${mode}${sandbox ? ' sandbox' : ''}`;
      const screen = new Map();
      const t0 = Date.now();
      await runChildren(mode, sandbox, wanted, '16000', 1, TIMEOUT, (i, r) => screen.set(i, r), true);
      const count = { cases: wanted.length, rendered: 0, raised: 0, refused: 0, compileError: 0, outputBound: 0, hang: 0, crash: 0 };
      const builtinsSeen = new Set();
      const suspects = [];
      const outputBound = [];
      const slowest = new Map();
      for (const i of wanted) {
        const r = screen.get(i) ?? { crash: 'no answer' };
        const c = all[i];
        builtinsSeen.add(`${c.kind} ${c.name}`);
        if (r.hang || r.crash !== undefined) {
          count[r.hang ? 'hang' : 'crash']++;
          report.findings.push({ mode: label, id: c.id, what: r.hang ? `no answer in ${TIMEOUT} s` : `child died (${r.crash})` });
          continue;
        }
        if (r.compileError) { count.compileError++; continue; }
        if (r.outputBound) { count.outputBound++; outputBound.push(i); continue; }
        const [s, l] = r.r;
        const err = l.error;
        if (err === undefined) count.rendered++;
        else if (String(err).startsWith('K-SEC')) count.refused++;
        else count.raised++;
        const grew = s.len && l.len ? l.len / s.len : 4;
        const ratio = l.ms / Math.max(s.ms, 0.05);
        if ((l.ms > 4 && ratio > 7 && grew < 7) || l.ms > 30) {
          suspects.push(i);
          process.stderr.write(`suspect: ${all[i].id}: ${s.ms.toFixed(1)} → ${l.ms.toFixed(1)} ms\n`);
        }
        const key = `${c.kind} ${c.name}`;
        if (!(slowest.get(key)?.ms >= l.ms)) slowest.set(key, { i, ms: l.ms });
      }
      const boundBy = [...new Set(outputBound.map((i) => `${all[i].kind} ${all[i].name} ${all[i].shape.name}`))];
      report.modes[label] = { outputBoundShapes: boundBy };
      log(`${label}: ${builtinsSeen.size} built-ins, ${JSON.stringify(count)}, screened in ${((Date.now() - t0) / 1000).toFixed(0)} s; ${suspects.length} to confirm`);
      // (2) confirm at 100 KB / 200 KB, then again in a fresh child
      const confirmed = [];
      const confirm = async (list) => {
        const out = new Map();
        await runChildren(mode, sandbox, list, '100000,200000', 4, TIMEOUT * 4, (i, r) => out.set(i, r));
        return out;
      };
      const first = await confirm(suspects);
      const again = await confirm(suspects.filter((i) => isFlagged(first.get(i))));
      for (const i of suspects) {
        const a = first.get(i);
        if (!isFlagged(a)) continue;
        const b = again.get(i);
        if (!isFlagged(b)) continue;
        confirmed.push(i);
        report.findings.push({ mode: label, id: all[i].id, what: describe(a), retried: describe(b) });
      }
      // (2b) the same suspects, and the cases whose output outgrows their input, with `sandbox: true`:
      // refused (SecurityError), or linear
      const sb = new Map();
      const sbList = sandbox ? [] : [...suspects, ...outputBound];
      await runChildren(mode, true, sbList, '100000,200000', 3, TIMEOUT * 4, (i, r) => sb.set(i, r));
      const sbCount = { refused: 0, linear: 0, flagged: 0 };
      for (const i of sbList) {
        const r = sb.get(i);
        const refused = r?.r?.some((x) => String(x.error).startsWith('K-SEC'));
        if (refused) sbCount.refused++;
        else if (isFlagged(r) || (outputBound.includes(i) && r?.r?.[1]?.len > 1_000_000)) {
          sbCount.flagged++;
          report.findings.push({ mode: `${label} sandbox`, id: all[i].id, what: describe(r) });
        } else sbCount.linear++;
      }
      if (sbList.length) log(`  with sandbox: true, of ${sbList.length} (suspects and output-bound): ${JSON.stringify(sbCount)}`);
      // (3) 1 MB: the slowest case of each built-in
      const big = new Map();
      const slowList = [...slowest.values()].map((x) => x.i);
      await runChildren(mode, sandbox, slowList, '1000000', 1, TIMEOUT * 4, (i, r) => big.set(i, r));
      const over = slowList.filter((i) => !(big.get(i)?.r?.[0]?.ms < 1000));
      for (const i of over) report.findings.push({ mode: label, id: all[i].id, what: `1 MB: ${describe1(big.get(i))}` });
      const top = slowList.map((i) => [i, big.get(i)?.r?.[0]?.ms ?? Infinity]).sort((x, y) => y[1] - x[1]).slice(0, 5);
      report.modes[label] = { ...report.modes[label], builtins: builtinsSeen.size, ...count, suspects: suspects.length, confirmed: confirmed.length, over1s: over.length,
        sandboxOfSuspects: sbCount, slowest1MB: top.map(([i, ms]) => `${all[i].id}: ${ms.toFixed(0)} ms`) };
      log(`  output grows faster than the input (not timed large): ${boundBy.join(', ') || 'none'}`);
      log(`  confirmed super-linear: ${confirmed.length}; 1 MB over 1 s: ${over.length}; slowest at 1 MB: ${report.modes[label].slowest1MB.join('; ')}`);
    }
  }
  log(`\nfindings (${report.findings.length}):`);
  for (const f of report.findings) log(`  [${f.mode}] ${f.id}: ${f.what}${f.retried ? ` (fresh child: ${f.retried})` : ''}`);
  if (JSON_OUT) console.log(JSON.stringify(report, null, 1));
  log(`\n${ARG_SHAPES.length} argument shapes; sizes 4/16 KB (screen), 100/200 KB (confirm), 1 MB (each built-in's slowest case)`);
}

const FLOOR_MS = 60;
/** Twice the size took more than 2.8 times as long (and enough time to matter), or hung. */
function isFlagged(r) {
  if (!r || r.hang || r.crash !== undefined) return true;
  if (!r.r) return false;
  const [s, l] = r.r;
  if (l.ms > 1000) return true;
  return l.ms > FLOOR_MS && l.ms > 2.8 * s.ms && !(s.len && l.len / s.len > 2.5);
}
const describe = (r) => (!r ? 'no answer' : r.hang ? 'hang' : r.crash !== undefined ? `crash ${r.crash}` : `${r.r[0].ms.toFixed(0)} → ${r.r[1].ms.toFixed(0)} ms (${r.r[1].error ?? 'rendered'})`);
const describe1 = (r) => (!r ? 'no answer' : r.hang ? 'hang' : r.crash !== undefined ? `crash ${r.crash}` : `${r.r[0].ms.toFixed(0)} ms (${r.r[0].error ?? 'rendered'})`);

/** The compiler sweep: screen at 20 KB and 80 KB, confirm at 100 KB and 200 KB (twice). */
async function compilerParent() {
  const all = compilerCases(await loadCompiler());
  const TIMEOUT = Number(arg('timeout', 60));
  const ONLY = arg('only', '');
  const wanted = all.map((_, i) => i).filter((i) => !ONLY || all[i].id.includes(ONLY));
  const screen = new Map();
  await runChildren('compiler', false, wanted, '20000,80000', 1, TIMEOUT, (i, r) => screen.set(i, r));
  const findings = [];
  const suspects = [];
  const count = { cases: wanted.length, hang: 0, crash: 0, raised: 0 };
  let slowest = [];
  for (const i of wanted) {
    const r = screen.get(i) ?? { crash: 'no answer' };
    if (r.hang || r.crash !== undefined) {
      count[r.hang ? 'hang' : 'crash']++;
      findings.push(`${all[i].id}: ${describe(r)}`);
      continue;
    }
    const [s, l] = r.r;
    if (l.error) count.raised++;
    slowest.push([i, l.ms]);
    if ((l.ms > 8 && l.ms / Math.max(s.ms, 0.05) > 7) || l.ms > 250) suspects.push(i);
  }
  const confirm = async (list) => {
    const out = new Map();
    await runChildren('compiler', false, list, '100000,200000', 3, TIMEOUT * 4, (i, r) => out.set(i, r));
    return out;
  };
  const first = await confirm(suspects);
  const again = await confirm(suspects.filter((i) => isFlagged(first.get(i))));
  for (const i of suspects) if (isFlagged(first.get(i)) && isFlagged(again.get(i))) findings.push(`${all[i].id}: ${describe(first.get(i))} (fresh child: ${describe(again.get(i))})`);
  slowest = slowest.sort((a, b) => b[1] - a[1]).slice(0, 8);
  console.log(`compiler: ${JSON.stringify(count)}; ${suspects.length} confirmed at 100/200 KB`);
  for (const i of suspects) console.log(`  ${all[i].id}: ${describe(first.get(i))}`);
  console.log(`slowest at 80 KB: ${slowest.map(([i, ms]) => `${all[i].id} ${ms.toFixed(0)} ms`).join('; ')}`);
  console.log(`findings (${findings.length}):\n${findings.map((f) => `  ${f}`).join('\n')}`);
}

if (process.argv.includes('--child')) await child();
else if (process.argv.includes('--compiler-child')) await compilerChild();
else if (process.argv.includes('--compiler')) await compilerParent();
else await parent();
