// Bundle size of compiled templates plus the runtime they pull in (issue #4).
//
//   npm run build && node bench/bundle-size.mjs            # serverless example + minimal template
//   node bench/bundle-size.mjs --only=serverless --json    # machine-readable
//   node bench/bundle-size.mjs --template=path/to/x.kida   # any template (its directory is the root)
//   node bench/bundle-size.mjs --dump=/tmp/b               # also write each bundle (ESM, unminified) there
//
// Bundles like test/e2e/bundles.test.ts does (Rollup + the built plugin from dist/, CommonJS
// output; and the same entry through Vite's SSR build), minifies with Vite's minifySync (compress + mangle), gzips, and attributes the
// minified bytes to source modules through the chained source maps (Rollup → minifier).
// "gz alone" gzips each module's minified bytes on their own: it over-counts (no shared
// dictionary), but ranks modules the way the total responds to removing them.
// The ES module figure also gives the runtime's own share: its minified bytes, in bundle order,
// gzipped without the page's module, the handler and the glue (what issue #4 asks to report).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { TraceMap, decodedMappings, originalPositionFor } from '@jridgewell/trace-mapping';

const root = join(import.meta.dirname, '..');
const args = process.argv.slice(2);
const flag = (name) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const json = args.includes('--json');

const { rollup } = await import('rollup');
const { minifySync } = await import('vite');
const { default: kida } = await import(join(root, 'dist/plugins/rollup.js'));

async function measure(label, input, templatesRoot) {
  const bundle = await rollup({ input, plugins: [kida({ root: templatesRoot })], logLevel: 'silent' });
  const { output } = await bundle.generate({ format: 'cjs', exports: 'named', sourcemap: true });
  // The same bundle as an ES module minified as one (top-level names mangled, unused ones dropped):
  // what a Vite/Rollup ESM build gets. The main figure minifies the CommonJS output as a script.
  const { output: esm } = await bundle.generate({ format: 'es', sourcemap: true });
  if (flag('dump')) {
    mkdirSync(flag('dump'), { recursive: true });
    writeFileSync(join(flag('dump'), label.replace(/\W+/g, '-').replace(/^-|-$/g, '') + '.js'), esm[0].code);
  }
  await bundle.close();
  const cjs = minified('bundle.js', output[0], false);
  const esmMin = minified('bundle.mjs', esm[0], true);
  const modules = [...cjs.bytes]
    .map(([src, parts]) => {
      const text = parts.join('');
      return { module: shortName(src), minified: text.length, gzipAlone: gzipSync(text).length };
    })
    .sort((a, b) => b.minified - a.minified);
  return { label, minified: cjs.code.length, gzip: gzipSync(cjs.code).length, esm: esmFigures(esmMin), vite: await viteFigures(input, templatesRoot), modules };
}

/** The same entry through `vite build --ssr` (Rolldown) with the Vite plugin, minified as a module. */
async function viteFigures(input, templatesRoot) {
  const { build } = await import('vite');
  const { default: kidaVite } = await import(join(root, 'dist/plugins/vite.js'));
  const res = await build({
    configFile: false,
    root: dirname(input),
    logLevel: 'silent',
    plugins: [kidaVite({ root: templatesRoot, cacheDir: false })],
    build: { ssr: input, write: false, minify: false },
  });
  const chunk = (Array.isArray(res) ? res[0] : res).output.find((o) => o.type === 'chunk');
  const code = minifySync('handler.mjs', chunk.code, { module: true, compress: true, mangle: true }).code;
  return { minified: code.length, gzip: gzipSync(code).length };
}

/** A chunk minified (compress + mangle), and its minified bytes by source module, through both maps. */
function minified(name, chunk, module) {
  const min = minifySync(name, chunk.code, { module, compress: true, mangle: true, sourcemap: true });
  if (min.errors?.length) throw new Error(min.errors.map((e) => e.message).join('\n'));
  const code = min.code;
  const minMap = new TraceMap(min.map);
  const bundleMap = new TraceMap(chunk.map);
  const lineStarts = [0];
  for (let i = 0; i < code.length; i++) if (code[i] === '\n') lineStarts.push(i + 1);
  const segs = [];
  decodedMappings(minMap).forEach((line, li) => {
    for (const s of line) {
      let src = '(minifier)';
      if (s.length >= 4) {
        const p = originalPositionFor(bundleMap, { line: s[2] + 1, column: s[3] });
        src = p.source ?? '(bundle glue)';
      }
      segs.push([lineStarts[li] + s[0], src]);
    }
  });
  segs.sort((a, b) => a[0] - b[0]);
  const bytes = new Map();
  const runtime = []; // the runtime's bytes in bundle order
  for (let i = 0; i < segs.length; i++) {
    const [start, src] = segs[i];
    const text = code.slice(start, i + 1 < segs.length ? segs[i + 1][0] : code.length);
    const b = bytes.get(src) ?? [];
    b.push(text);
    bytes.set(src, b);
    if (shortName(src).startsWith('runtime/')) runtime.push(text);
  }
  return { code, bytes, runtime: runtime.join('') };
}

/**
 * Sizes of a minified ES bundle: all of it, and the runtime's share (its minified bytes, in
 * bundle order, gzipped on their own: the page's modules, the handler and the glue left out).
 */
function esmFigures({ code, runtime }) {
  return { minified: code.length, gzip: gzipSync(code).length, runtimeMinified: runtime.length, runtimeGzip: gzipSync(runtime).length };
}

function shortName(id) {
  id = id.replace(/^\0/, '').replace(/^file:\/\//, '');
  if (id.startsWith('.')) id = resolve(id); // source-map sources are relative to the working directory
  if (id.startsWith(root)) return relative(root, id);
  const m = /dist\/(runtime\/.*)$/.exec(id);
  if (m) return m[1];
  if (id.startsWith(tmpdir())) return basename(id);
  return id.includes('/') ? relative(root, id) : id;
}

const scenarios = [];
const only = flag('only');
const template = flag('template');
const tmp = mkdtempSync(join(tmpdir(), 'kida-size-'));
try {
  if (template) {
    const handler = join(tmp, 'handler.js');
    writeFileSync(handler, `import page from ${JSON.stringify(template)};\nexport function handler(e) { return page.render(e.data); }\n`);
    scenarios.push(['template ' + basename(template), handler, dirname(template)]);
  } else {
    if (!only || only === 'serverless')
      scenarios.push(['serverless example', join(root, 'examples/serverless/handler.js'), join(root, 'examples/serverless/templates')]);
    if (!only || only === 'minimal') {
      writeFileSync(join(tmp, 'min.html.kida'), '<h1>{{ title }}</h1>\n');
      const handler = join(tmp, 'handler.js');
      writeFileSync(handler, "import page from './min.html.kida';\nexport function handler(e) { return page.render(e.data); }\n");
      scenarios.push(['minimal <h1>{{ title }}</h1>', handler, tmp]);
    }
  }
  const results = [];
  for (const [label, input, tplRoot] of scenarios) results.push(await measure(label, input, tplRoot));
  if (json) console.log(JSON.stringify(results.map(({ label, minified, gzip, esm, vite, modules }) => ({ label, minified, gzip, esm, vite, modules })), null, 2));
  else
    for (const r of results) {
      console.log(`\n## ${r.label}: ${(r.minified / 1024).toFixed(1)} KB minified, ${(r.gzip / 1024).toFixed(1)} KB gzip (${r.minified} / ${r.gzip} bytes)\n`);
      console.log(`(as an ES module minified as a module: ${r.esm.minified} / ${r.esm.gzip} bytes; of which the runtime's code, gzipped on its own: ${r.esm.runtimeMinified} / ${r.esm.runtimeGzip} bytes)`);
      console.log(`(through vite build --ssr, minified as a module: ${r.vite.minified} / ${r.vite.gzip} bytes)\n`);
      console.log('| module | minified | gz alone |');
      console.log('|---|---:|---:|');
      for (const m of r.modules) console.log(`| ${m.module} | ${m.minified} | ${m.gzipAlone} |`);
    }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
