// Where the time goes in the workloads Kida does not win: renders patched copies of the
// generated modules (one hot-spot swapped for plain JS at a time, output checked identical),
// interleaved in one process with no other engine loaded; then the unpatched modules again
// after `import 'nunjucks'` in the same process. Not part of run.mjs; ~20 s.
//
//   npm run build && node bench/what-if.mjs
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { workloads } from './workloads.mjs';
import { BUILD, compileKida } from './engines.mjs';

/** Source rewrites of a generated module; each keeps the rendered output identical for the workload's data. */
const PATCHES = {
  // `x.k | default(...)`: a non-throwing lookup instead of try/catch around a throwing one
  'guard → non-throwing lookup': [[/\$guard\(\(\) => \$getattr\((\$v_\d+), "(\w+)", true\)\)/g, '$getattr($1, "$2", false)']],
  // `x.k`: a plain property read instead of the runtime's getattr
  'getattr → property read': [[/\$getattr\((\$v_\d+), "(\w+)", true\)/g, '$1.$2']],
  // `round(p)`: Math.round instead of the exact decimal (Python) rounding, same float result type
  'round → Math.round': [[/\$f_round\(/g, '$round2(']],
  // `replace(a, b)`: String.prototype.replaceAll instead of the runtime's Python replace
  'replace → replaceAll': [[/\$f_replace\(([^,]+\)), ("[^"]*"), ("[^"]*")\)/g, '$1.replaceAll($2, $3)']],
};
const PLAN = [
  ['table', ['getattr → property read']],
  ['catalogue', ['round → Math.round', 'replace → replaceAll', 'getattr → property read', 'round → Math.round+replace → replaceAll+getattr → property read']],
  ['filters', ['guard → non-throwing lookup', 'round → Math.round', 'guard → non-throwing lookup+getattr → property read+round → Math.round']],
  ['small', ['getattr → property read']],
];

/** Writes a patched copy of a workload's generated entry module and imports it. */
async function load(w, patch, tag) {
  let code = readFileSync(join(BUILD, w.id, w.kida.entry + '.js'), 'utf8');
  if (patch) for (const p of patch.split('+')) for (const [re, to] of PATCHES[p]) code = code.replace(re, to);
  code = code.replace(
    'const $NAME',
    'import { f_round as $fr0 } from "kida/runtime"; const $PF = $fr0(1.5).constructor; const $round2 = (x, p) => new $PF(Math.round(x * 10 ** p) / 10 ** p);\nconst $NAME',
  );
  const file = join(BUILD, w.id, `${w.kida.entry}.what-if-${tag}.js`);
  writeFileSync(file, code);
  const m = await import(pathToFileURL(file).href);
  if (m.render(w.data()) !== w.baseline(w.data())) throw new Error(`patched output differs (${patch})`);
  return m;
}
let sink = 0;
/** Median µs per render of each module, measured in interleaved rounds after a warm-up. */
function measure(mods, d) {
  const n = mods.map((m) => {
    let k = 1;
    const t = performance.now();
    while (performance.now() - t < 200) {
      for (let i = 0; i < k; i++) sink += m.render(d).length;
      k *= 2;
    }
    return Math.max(1, Math.round(k / 8));
  });
  const xs = mods.map(() => []);
  for (let r = 0; r < 15; r++)
    mods.forEach((m, j) => {
      const t0 = performance.now();
      for (let i = 0; i < n[j]; i++) sink += m.render(d).length;
      xs[j].push(((performance.now() - t0) / n[j]) * 1000);
    });
  return xs.map((x) => x.sort((a, b) => a - b)[7]);
}

const f = (x) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const lines = ['| Workload | variant | µs/render | vs unpatched |', '|---|---|--:|--:|'];
for (const [id, patches] of PLAN) {
  const w = workloads.find((x) => x.id === id);
  await compileKida(w.id, w.kida.files);
  const mods = [await load(w, null, 0)];
  for (const [i, p] of patches.entries()) mods.push(await load(w, p, i + 1));
  const us = measure(mods, w.data());
  lines.push(`| ${w.title} | generated module as is | ${f(us[0])} | 1.00× |`);
  patches.forEach((p, i) => lines.push(`| | ${p.split('+').join(' + ')} | ${f(us[i + 1])} | ${(us[i + 1] / us[0]).toFixed(2)}× |`));
}
// the same unpatched modules before and after nunjucks is imported into this process
const probe = [];
for (const id of ['small', 'table', 'deep']) {
  const w = workloads.find((x) => x.id === id);
  await compileKida(w.id, w.kida.files);
  probe.push({ w, m: await load(w, null, 'probe') });
}
const before = probe.map(({ w, m }) => measure([m], w.data())[0]);
await import('nunjucks');
const after = probe.map(({ w, m }) => measure([m], w.data())[0]);
probe.forEach(({ w }, i) => lines.push(`| ${w.title} | as is, after \`import 'nunjucks'\` | ${f(after[i])} | ${(after[i] / before[i]).toFixed(2)}× (vs ${f(before[i])} before) |`));
console.log(lines.join('\n'));
if (sink < 0) console.log(sink);
