// Vite build cost of templates: builds an SSR entry that imports 500 realistic templates,
// and the same entry importing 500 equivalent hand-written JS modules, and compares.
// Through the plugin three ways: without the compile cache (cacheDir: false), with an empty cache
// (cold: every template compiled and its entry written) and with the cache the previous build
// filled (warm: a rebuild, nothing edited).
// Two ways: all builds in this process, one after another (JIT warm: what a watch-mode rebuild
// or a build script running several builds costs), and with --fresh every build in a new Node
// process (what `vite build` costs when run once, e.g. in CI: the compiler's code runs cold).
// The precompiled build has the plugin too (it compiles nothing there): both builds then resolve
// the modules' `kida/runtime` imports the same way, and differ only in compiling the templates.
// With --instructions, each build runs once in a new process under valgrind's callgrind, with V8
// single-threaded (its optimizing compiler and GC on the main thread), and the bench reports
// instructions executed: repeatable to within 1-2% where wall time swings by a quarter (needs
// valgrind; about a minute a build).
// With --cli, each build is `vite build` run from the command line with a config file: timed from
// starting the process to its exit (Node's start, loading Vite and the config, the build and
// writing the output): the time a user waits.
// Run: npm run build && node bench/vite-build.mjs [--fresh | --instructions | --cli]
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'vite';
import kida from 'kida/vite';
import { compile } from 'kida/compiler';

const N = 500;
const instructions = process.argv.includes('--instructions');
const cli = process.argv.includes('--cli');
const fresh = instructions || cli || process.argv.includes('--fresh');
const dir = join(import.meta.dirname, '.vite-build');
const VITE_BIN = join(import.meta.dirname, '../node_modules/vite/bin/vite.js');

/** One build (in this process, or in a new one with --fresh): its milliseconds and the plugin's cache hits and misses. */
export async function timeBuild(dir, entry, cache) {
  const t0 = performance.now();
  const plugin = cache && kida({ root: join(dir, 'templates'), cacheDir: !['none', 'precompiled'].includes(cache) && join(dir, 'cache') });
  await build({ root: dir, logLevel: 'silent', configFile: false, plugins: plugin ? [plugin] : [], build: { ssr: entry, outDir: join(dir, 'out-' + entry), emptyOutDir: true } });
  const { hits = 0, misses = 0 } = plugin?.api.cache ?? {};
  return { ms: performance.now() - t0, hits, misses };
}

// (a child process of --fresh imports timeBuild from this file: the bench runs only when started as a script)
if (process.argv[1] && resolve(process.argv[1]) === import.meta.filename) await main();

async function main() {
  setup();
  const cacheDir = join(dir, 'cache'); // inside the temp dir: removed with it
  const rounds = [];
  try {
    for (let r = 0; r < (instructions ? 1 : 7); r++) {
      const js = await time('with-js.js');
      const pre = await time('with-precompiled.js', 'precompiled');
      const none = await time('with-templates.js', 'none');
      rmSync(cacheDir, { recursive: true, force: true });
      const cold = await time('with-templates.js', 'cold');
      rounds.push([js, pre, none, cold, await time('with-templates.js', 'warm')]);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const [js, pre, none, cold, warm] = [0, 1, 2, 3, 4].map((k) => median(rounds.map((r) => r[k])));
  if (instructions) {
    const g = (n) => `${(n / 1e9).toFixed(2)} G`;
    const plugin = (n) => `${g(n)} (${(n / pre).toFixed(2)}x, ${((n - pre) / N / 1e6).toFixed(2)} M per template)`;
    console.log(`vite build --ssr, ${N} modules, instructions (callgrind, a new process each, V8 single-threaded): tiny JS modules ${g(js)}; the templates precompiled to .js ${g(pre)}; ` +
      `${N} .kida templates through the plugin (x and instructions per template: over the precompiled build): no cache ${plugin(none)}, empty cache ${plugin(cold)}, warm cache ${plugin(warm)}`);
    return;
  }
  const plugin = (ms) => `${ms.toFixed(0)} ms (${(ms / pre).toFixed(2)}x, ${((ms - pre) / N).toFixed(2)} ms per template)`;
  console.log(`vite build --ssr, ${N} modules, median of ${rounds.length} rounds, ${cli ? 'each `vite build` from the command line, start to exit' : fresh ? 'each build in a new process' : 'all in one process'}: tiny JS modules ${js.toFixed(0)} ms; the templates precompiled to .js ${pre.toFixed(0)} ms; ` +
    `${N} .kida templates through the plugin (x and ms per template: over the precompiled build): no cache ${plugin(none)}, empty cache ${plugin(cold)}, warm cache ${plugin(warm)}`);
}

/** The templates, their precompiled modules, the tiny JS modules and the three entries. */
function setup() {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'templates'), { recursive: true });
  mkdirSync(join(dir, 'js'), { recursive: true });
  writeFileSync(join(dir, 'templates/base.html.kida'), '<html><head><title>{% block title %}{% end %}</title></head><body>{% block body %}{% end %}</body></html>');
  for (let i = 0; i < N; i++) {
    writeFileSync(
      join(dir, `templates/page${i}.html.kida`),
      `{% extends "base.html.kida" %}{% block title %}Page ${i}: {{ title | title }}{% end %}{% block body %}
  <h1>{{ heading }}</h1>
  {% for item in items %}<div class="{{ loop.cycle('odd', 'even') }}">{{ item.name | upper }} — {{ item.price | round(2) }}{% if item.tags %}{% for t in item.tags %}<span>{{ t }}</span>{% end %}{% end %}</div>{% empty %}<p>none</p>{% end %}
  {% match status %}{% case "ok" %}fine{% case _ %}?{% end %}
  {% end %}`,
    );
    writeFileSync(join(dir, `js/page${i}.js`), `export default { render: (c) => '<h1>' + c.heading + '</h1>' + ${JSON.stringify('x'.repeat(400))} };`);
  }
  // The same templates precompiled to .js files: what Vite costs for code of that size, plugin aside.
  mkdirSync(join(dir, 'pre'), { recursive: true });
  for (const f of ['base.html.kida', ...Array.from({ length: N }, (_, i) => `page${i}.html.kida`)]) {
    const { code } = compile(readFileSync(join(dir, 'templates', f), 'utf8'), { name: f, importPath: (t) => './' + t + '.js' });
    writeFileSync(join(dir, 'pre', f + '.js'), code);
  }
  writeFileSync(join(dir, 'with-templates.js'), Array.from({ length: N }, (_, i) => `import p${i} from './templates/page${i}.html.kida';`).join('\n') + `\nexport default [${Array.from({ length: N }, (_, i) => `p${i}`).join(', ')}];\n`);
  writeFileSync(join(dir, 'with-precompiled.js'), Array.from({ length: N }, (_, i) => `import p${i} from './pre/page${i}.html.kida.js';`).join('\n') + `\nexport default [${Array.from({ length: N }, (_, i) => `p${i}`).join(', ')}];\n`);
  writeFileSync(join(dir, 'with-js.js'), Array.from({ length: N }, (_, i) => `import p${i} from './js/page${i}.js';`).join('\n') + `\nexport default [${Array.from({ length: N }, (_, i) => `p${i}`).join(', ')}];\n`);
}

/** A config file for `vite build` (--cli) doing what timeBuild() does for this entry and cache mode. */
function configFile(entry, cache) {
  const file = join(dir, `vite.config.${cache ?? 'js'}.mjs`);
  const plugin = cache && `kida({ root: ${JSON.stringify(join(dir, 'templates'))}, cacheDir: ${JSON.stringify(!['none', 'precompiled'].includes(cache) && join(dir, 'cache'))} })`;
  writeFileSync(file, `import kida from ${JSON.stringify(join(import.meta.dirname, '../dist/plugins/vite.js'))};\n` +
    `export default { plugins: [${plugin || ''}], build: { ssr: ${JSON.stringify(entry)}, outDir: ${JSON.stringify(join(dir, 'out-' + entry))}, emptyOutDir: true } };\n`);
  return file;
}

/** Milliseconds (or with --instructions, instructions) of one build; checks that a cold cache missed and a warm one hit. */
async function time(entry, cache = null) {
  let r;
  let count = NaN; // (--instructions)
  if (cli) {
    const t0 = performance.now();
    const run = spawnSync(process.execPath, [VITE_BIN, 'build', '--config', configFile(entry, cache), '--logLevel', 'silent'], { cwd: dir, encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`build failed: ${run.stderr}`);
    return performance.now() - t0; // (the plugin's cache counts stay in that process)
  } else if (fresh) {
    const script = `import { timeBuild } from ${JSON.stringify(pathToFileURL(import.meta.filename).href)}; console.log(JSON.stringify(await timeBuild(${JSON.stringify(dir)}, ${JSON.stringify(entry)}, ${JSON.stringify(cache)})));`;
    const node = [process.execPath, ...(instructions ? ['--single-threaded'] : []), '--input-type=module', '-e', script];
    const out = join(dir, 'callgrind.out');
    const cmd = instructions ? ['valgrind', ['--tool=callgrind', `--callgrind-out-file=${out}`, '--smc-check=all-non-file', ...node]] : [node[0], node.slice(1)];
    const run = spawnSync(cmd[0], cmd[1], { encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`build failed: ${run.stderr}`);
    r = JSON.parse(run.stdout.trim().split('\n').pop());
    if (instructions) {
      count = Number(/Collected : (\d+)/.exec(run.stderr)?.[1]);
      rmSync(out, { force: true });
    }
  } else r = await timeBuild(dir, entry, cache);
  if (cache && (cache === 'warm' ? r.misses : r.hits)) throw new Error(`expected a ${cache} cache, got ${r.hits} hits and ${r.misses} misses`);
  return instructions ? count : r.ms;
}
