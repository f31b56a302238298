// Issue #25's speed figure, for `npm run bench`: every govuk-frontend component fixture rendered
// by Kida's `compat: 'nunjucks'` mode against Nunjucks 3 with every template precompiled
// (nunjucks.precompileString, served by a PrecompiledLoader: what a Nunjucks app ships), in one
// process, taking turns pass by pass (one pass = every fixture once), process CPU time,
// medians. Kida twice: through the Environment, and as compiled modules (one page per component
// bundled by Rollup with the kida plugin, as an app's build does). All compile before the clock
// starts. Outputs are compared with Nunjucks' first.
//
//   npm run build && node bench/govuk-speed.mjs [--rounds=7] [--json=file] [--reuse-bundle]
// (--reuse-bundle: the Rollup bundle of the last run, if there is one; the summary's later runs)
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';
import { join, posix, relative } from 'node:path';
import { GOVUK, caller, fixtures } from './nunjucks-govuk.mjs';

const require = createRequire(import.meta.url);
const opt = (name, dflt) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? dflt;
const ROUNDS = Number(opt('rounds', 7));

const all = fixtures();
const pages = Object.fromEntries(all.map((fx) => [`page-${fx.component}.njk`, caller(fx)]));
/** Every .njk of govuk-frontend's dist, by its name relative to GOVUK (as the templates import them). */
const files = {};
(function walk(dir) {
  for (const f of readdirSync(dir)) {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) walk(p);
    else if (f.endsWith('.njk')) files[relative(GOVUK, p).split('\\').join('/')] = readFileSync(p, 'utf8');
  }
})(join(GOVUK, 'govuk'));
Object.assign(files, pages);

// Nunjucks, precompiled: the JS precompileString emits, evaluated once, behind a PrecompiledLoader
const nunjucks = require('nunjucks');
const resolve = (from, to) => posix.join(posix.dirname(from), to);
const win = {};
const compileEnv = new nunjucks.Environment([], { autoescape: true });
for (const [name, src] of Object.entries(files)) new Function('window', nunjucks.precompileString(src, { name, env: compileEnv }))(win);
const Loader = nunjucks.PrecompiledLoader.extend({ resolve });
const njk = new nunjucks.Environment(new Loader(win.nunjucksPrecompiled), { autoescape: true });

const { Environment, FunctionLoader } = await import(join(import.meta.dirname, '../dist/compiler/environment.js'));
const kida = new Environment({ loader: new FunctionLoader((n) => files[n] ?? null), compat: 'nunjucks' });

// compiled modules: a page per component calling its macro with `params`, bundled by Rollup
const dir = join(import.meta.dirname, '.build', 'govuk-speed');
if (!(process.argv.includes('--reuse-bundle') && existsSync(join(dir, 'bundle.mjs')))) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'pages'), { recursive: true });
  symlinkSync(join(GOVUK, 'govuk'), join(dir, 'govuk'), 'dir');
  const components = [...new Set(all.map((fx) => fx.component))];
  for (const c of components) writeFileSync(join(dir, 'pages', `${c}.njk`), caller(all.find((fx) => fx.component === c)));
  writeFileSync(join(dir, 'entry.mjs'), components.map((c, i) => `import p${i} from './pages/${c}.njk';`).join('\n') + `\nexport default { ${components.map((c, i) => `${JSON.stringify(c)}: p${i}`).join(', ')} };\n`);
  const { rollup } = await import('rollup');
  const { default: kidaPlugin } = await import(join(import.meta.dirname, '../dist/plugins/rollup.js'));
  const build = await rollup({ input: join(dir, 'entry.mjs'), preserveSymlinks: true, logLevel: 'silent', plugins: [kidaPlugin({ root: dir, cacheDir: false, config: false })] });
  writeFileSync(join(dir, 'bundle.mjs'), (await build.generate({ format: 'es' })).output[0].code);
}
const compiled = (await import(pathToFileURL(join(dir, 'bundle.mjs')).href)).default;

const engines = {
  kida: (fx) => kida.getTemplate(`page-${fx.component}.njk`).render({ params: fx.options }),
  compiled: (fx) => compiled[fx.component].render({ params: fx.options }),
  nunjucks: (fx) => njk.getTemplate(`page-${fx.component}.njk`).render({ params: fx.options }),
};
let same = 0, sameCompiled = 0;
for (const fx of all) {
  const want = engines.nunjucks(fx);
  if (engines.kida(fx) === want) same++;
  if (engines.compiled(fx) === want) sameCompiled++;
}

let sink = 0;
const pass = (render) => {
  const t0 = process.cpuUsage();
  for (const fx of all) sink += render(fx).length;
  const t = process.cpuUsage(t0);
  return (t.user + t.system) / 1000;
};
for (let i = 0; i < 2; i++) for (const r of Object.values(engines)) pass(r); // warm-up
const ms = { kida: [], compiled: [], nunjucks: [] };
const names = Object.keys(ms);
for (let r = 0; r < ROUNDS; r++) for (const k of names.map((_, i) => names[(i + r) % names.length])) ms[k].push(pass(engines[k]));
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const out = {
  fixtures: all.length,
  identical: same,
  identicalCompiled: sameCompiled,
  rounds: ROUNDS,
  kidaMs: median(ms.kida),
  compiledMs: median(ms.compiled),
  nunjucksMs: median(ms.nunjucks),
  speedup: median(ms.nunjucks) / median(ms.kida),
  speedupCompiled: median(ms.nunjucks) / median(ms.compiled),
};
console.log(`# govuk-frontend fixtures, Kida compat: 'nunjucks' against Nunjucks ${require('nunjucks/package.json').version} precompiled, ${new Date().toISOString()}`);
console.log(`${all.length} fixtures (byte-identical to Nunjucks: ${same} through the Environment, ${sameCompiled} as Rollup-built modules), ${ROUNDS} passes each, interleaved, CPU ms per pass (median): Kida Environment ${out.kidaMs.toFixed(1)}, Kida compiled modules ${out.compiledMs.toFixed(1)}, Nunjucks ${out.nunjucksMs.toFixed(1)}: Kida ${out.speedup.toFixed(2)}x and ${out.speedupCompiled.toFixed(2)}x faster${sink ? '' : ' '}`);
const json = opt('json', null);
if (json) writeFileSync(json, JSON.stringify(out));
