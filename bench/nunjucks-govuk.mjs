// The proof of issue #25: every govuk-frontend component fixture rendered through Nunjucks 3.2.4
// itself and through Kida's `compat: 'nunjucks'` mode (the component's own macro.njk, unchanged).
// Counts exact (ends trimmed: fixtures are stored trimmed) and whitespace-normalised matches against the fixture's html and against Nunjucks'
// output. `node bench/nunjucks-govuk.mjs [--list-failing] [--component name]` (after a build).

import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { dirname, join, posix, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));
// (NJK_GOVUK_DIST: another govuk-frontend's dist, e.g. the 5.11 the prototype kit installs under its own node_modules)
export const GOVUK = process.env.NJK_GOVUK_DIST ? resolve(process.env.NJK_GOVUK_DIST) : join(dirname(require.resolve('govuk-frontend/package.json')), 'dist');

/** Every fixture: component, macro name, options, expected html. */
export function fixtures() {
  const dir = join(GOVUK, 'govuk/components');
  const out = [];
  for (const c of readdirSync(dir).sort()) {
    const f = join(dir, c, 'fixtures.json');
    if (!existsSync(f)) continue;
    const macro = 'govuk' + c.replace(/(^|-)(\w)/g, (_, __, ch) => ch.toUpperCase());
    for (const x of JSON.parse(readFileSync(f, 'utf8')).fixtures)
      out.push({ component: c, macro, name: x.name, options: x.options, html: x.html });
  }
  return out;
}

/** The page that calls a component's macro with a fixture's options (as govuk-frontend's own tests do). */
export function caller(fx) {
  return `{%- from "govuk/components/${fx.component}/macro.njk" import ${fx.macro} -%}\n{{- ${fx.macro}(params) -}}`;
}

/** Whitespace runs collapsed to one space, ends trimmed (the issue's "normalised" figure). */
export function normalise(html) {
  return String(html).replace(/\s+/g, ' ').trim();
}

export function nunjucksRenderer() {
  const nunjucks = require('nunjucks');
  const env = new nunjucks.Environment(new nunjucks.FileSystemLoader(GOVUK), { autoescape: true });
  return (fx) => env.renderString(caller(fx), { params: fx.options });
}

export async function kidaRenderer() {
  const { Environment, FileSystemLoader } = await import(join(here, '../dist/compiler/environment.js'));
  const env = new Environment({ loader: new FileSystemLoader(GOVUK), compat: 'nunjucks' });
  return (fx) => env.fromString(caller(fx), { name: `fixture.njk` }).render({ params: fx.options });
}

/** Renders every fixture both ways; the counts and, per fixture, whether ours equals Nunjucks'. */
export async function measure({ only } = {}) {
  const njk = nunjucksRenderer();
  const ours = await kidaRenderer();
  const counts = { total: 0, njkExact: 0, njkNorm: 0, oursExact: 0, oursNorm: 0, sameAsNjk: 0, sameAsNjkNorm: 0, errors: 0 };
  const failing = [];
  for (const fx of fixtures()) {
    if (only && fx.component !== only) continue;
    counts.total++;
    const a = njk(fx);
    if (a.trim() === fx.html) counts.njkExact++;
    if (normalise(a) === normalise(fx.html)) counts.njkNorm++;
    let b;
    try {
      b = ours(fx);
    } catch (e) {
      counts.errors++;
      failing.push({ fx, error: String(e && e.message).split('\n')[0] });
      continue;
    }
    if (b.trim() === fx.html) counts.oursExact++;
    if (normalise(b) === normalise(fx.html)) counts.oursNorm++;
    if (b === a) counts.sameAsNjk++;
    else failing.push({ fx, njk: a, ours: b });
    if (normalise(b) === normalise(a)) counts.sameAsNjkNorm++;
  }
  return { counts, failing };
}

if (process.argv[1] === fileURLToPath(import.meta.url) && !process.argv.includes('--bench')) {
  const args = process.argv.slice(2);
  const only = args.includes('--component') ? args[args.indexOf('--component') + 1] : undefined;
  const { counts, failing } = await measure({ only });
  console.log(JSON.stringify(counts));
  if (args.includes('--list-failing')) {
    const byReason = new Map();
    for (const f of failing) {
      const k = f.error ?? `differs: ${f.fx.component}`;
      byReason.set(k, (byReason.get(k) ?? 0) + 1);
    }
    for (const [k, n] of [...byReason].sort((a, b) => b[1] - a[1])) console.log(String(n).padStart(4), k);
  }
  if (args.includes('--diff')) {
    for (const f of failing.slice(0, Number(args[args.indexOf('--diff') + 1]) || 3)) {
      console.log(`--- ${f.fx.component} / ${f.fx.name}`);
      if (f.error) console.log('ERROR', f.error);
      else console.log('NJK:\n' + JSON.stringify(f.njk) + '\nOURS:\n' + JSON.stringify(f.ours));
    }
  }
}

/**
 * Render time of all fixtures (`node bench/nunjucks-govuk.mjs --bench [batches]`, after a build):
 * Nunjucks with every template compiled once beforehand (its own cache of compiled templates),
 * Kida's Environment in this mode, and the same pages as compiled modules (a Rollup build of
 * the .njk files through kida/rollup, what a bundle runs). A batch renders every fixture once;
 * batches alternate between the three in one process (the machine may be loaded by other work)
 * and each is timed in CPU time; the figures are the best and the median batch of each.
 * `--vite` adds the same pages built by `vite build --ssr` with kida/vite.
 */
export async function bench(batches = 15, { vite = false } = {}) {
  const { readFileSync: read, mkdirSync, rmSync, symlinkSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { pathToFileURL } = await import('node:url');
  const nunjucks = require('nunjucks');
  const { Environment, FunctionLoader } = await import(join(here, '../dist/compiler/environment.js'));
  const all = fixtures();
  const pages = Object.fromEntries(all.map((fx) => [`page-${fx.component}.njk`, caller(fx)]));
  const source = (n) => pages[n] ?? (existsSync(join(GOVUK, n)) ? read(join(GOVUK, n), 'utf8') : null);
  const NjkLoader = nunjucks.Loader.extend({
    getSource: (n) => (source(n) === null ? null : { src: source(n), path: n, noCache: false }),
    resolve: (from, to) => posix.join(posix.dirname(from), to),
  });
  const njk = new nunjucks.Environment(new NjkLoader(), { autoescape: true });
  const env = new Environment({ loader: new FunctionLoader(source), compat: 'nunjucks' });
  // the compiled-module path: one page per component, bundled by Rollup with the kida plugin
  const dir = join(tmpdir(), `kida-njk-bench-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'pages'), { recursive: true });
  symlinkSync(join(GOVUK, 'govuk'), join(dir, 'govuk'), 'dir');
  const components = [...new Set(all.map((fx) => fx.component))];
  for (const c of components) writeFileSync(join(dir, 'pages', `${c}.njk`), caller(all.find((fx) => fx.component === c)));
  writeFileSync(join(dir, 'entry.mjs'), components.map((c, i) => `import p${i} from './pages/${c}.njk';`).join('\n') + `\nexport const pages = { ${components.map((c, i) => `${JSON.stringify(c)}: p${i}`).join(', ')} };\n`);
  const { rollup } = await import('rollup');
  const { default: kida } = await import(join(here, '../dist/plugins/rollup.js'));
  const build = await rollup({ input: join(dir, 'entry.mjs'), preserveSymlinks: true, plugins: [kida({ root: dir, cacheDir: false, config: false })] });
  const { output } = await build.generate({ format: 'es' });
  writeFileSync(join(dir, 'bundle.mjs'), output[0].code);
  const bundled = (await import(pathToFileURL(join(dir, 'bundle.mjs')).href)).pages;
  // `--vite`: the same entry built by `vite build --ssr` with kida/vite, a fourth contender
  let viteBuilt = null;
  if (vite) {
    const { build: viteBuild } = await import('vite');
    const { default: kidaVite } = await import(join(here, '../dist/plugins/vite.js'));
    const res = await viteBuild({ root: dir, logLevel: 'silent', configFile: false, resolve: { preserveSymlinks: true }, plugins: [kidaVite({ root: dir, cacheDir: false, config: false })], build: { ssr: join(dir, 'entry.mjs'), outDir: join(dir, 'out'), emptyOutDir: true } });
    const chunk = (Array.isArray(res) ? res[0] : res).output.find((o) => o.type === 'chunk' && o.isEntry);
    viteBuilt = (await import(pathToFileURL(join(dir, 'out', chunk.fileName)).href)).pages;
  }
  rmSync(dir, { recursive: true, force: true });
  const engines = {
    nunjucks: (fx) => njk.getTemplate(`page-${fx.component}.njk`).render({ params: fx.options }),
    environment: (fx) => env.getTemplate(`page-${fx.component}.njk`).render({ params: fx.options }),
    modules: (fx) => bundled[fx.component].render({ params: fx.options }),
    ...(viteBuilt ? { vite: (fx) => viteBuilt[fx.component].render({ params: fx.options }) } : {}),
  };
  const want = all.map(engines.nunjucks);
  for (const [name, render] of Object.entries(engines))
    all.forEach((fx, i) => {
      if (render(fx) !== want[i]) throw new Error(`${name} differs from Nunjucks on ${fx.component} / ${fx.name}`);
    });
  const ms = Object.fromEntries(Object.keys(engines).map((k) => [k, []]));
  for (let b = 0; b < batches; b++)
    for (const [name, render] of Object.entries(engines)) {
      const t0 = process.cpuUsage();
      for (const fx of all) render(fx);
      const t = process.cpuUsage(t0);
      ms[name].push((t.user + t.system) / 1000);
    }
  const stat = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    return { best: +s[0].toFixed(1), median: +s[s.length >> 1].toFixed(1) };
  };
  const out = { fixtures: all.length, batches, cpuMsPerBatch: Object.fromEntries(Object.entries(ms).map(([k, v]) => [k, stat(v)])) };
  const n = out.cpuMsPerBatch.nunjucks;
  out.speedup = Object.fromEntries(
    Object.keys(engines).filter((k) => k !== 'nunjucks').map((k) => [k, { best: +(n.best / out.cpuMsPerBatch[k].best).toFixed(2), median: +(n.median / out.cpuMsPerBatch[k].median).toFixed(2) }]),
  );
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv.includes('--bench')) {
  const i = process.argv.indexOf('--bench');
  console.log(JSON.stringify(await bench(Number(process.argv[i + 1]) || 15, { vite: process.argv.includes('--vite') })));
}
