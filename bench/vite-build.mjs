// Vite build cost of templates: builds an SSR entry that imports 500 realistic templates,
// and the same entry importing 500 equivalent hand-written JS modules, and compares.
// Run: npm run build && node bench/vite-build.mjs
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'vite';
import kida from 'kida/vite';
import { compile } from 'kida/compiler';

const N = 500;
const dir = join(import.meta.dirname, '.vite-build');
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

async function time(entry, plugins) {
  const t0 = performance.now();
  await build({ root: dir, logLevel: 'silent', configFile: false, plugins, build: { ssr: entry, outDir: join(dir, 'out-' + entry), emptyOutDir: true } });
  return performance.now() - t0;
}
const rounds = [];
for (let r = 0; r < 5; r++)
  rounds.push([await time('with-js.js', []), await time('with-precompiled.js', []), await time('with-templates.js', [kida({ root: join(dir, 'templates') })])]);
const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const [js, pre, tpl] = [0, 1, 2].map((k) => median(rounds.map((r) => r[k])));
console.log(`vite build --ssr, ${N} modules: tiny JS modules ${js.toFixed(0)} ms; the templates precompiled to .js ${pre.toFixed(0)} ms; ` +
  `${N} .kida templates through the plugin ${tpl.toFixed(0)} ms (${(tpl / pre).toFixed(2)}x the precompiled build, ${((tpl - js) / N).toFixed(2)} ms per template over tiny modules)`);
rmSync(dir, { recursive: true, force: true });
