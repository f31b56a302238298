// Kept names (docs/decisions.md, "Render, tenth pass"): pages that read one data name several
// times, compiled by another tree's compiler (--old=dir) and by this one, both against this tree's
// runtime, interleaved in one process (alternating order per round), best of 31 rounds of CPU time.
// Only the generated code differs, so neither build gains from being loaded first.
//
//   npm run build && node bench/kept-names.mjs --old=<a built tree of another commit>
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const old = process.argv.find((a) => a.startsWith('--old='))?.slice(6);
if (!old) throw new Error('--old=<a built tree of another commit> is required');
const here = join(import.meta.dirname, '..');
const runtime = join(here, 'dist/runtime/node.js');
const out = join(import.meta.dirname, '.build', 'kept-names');
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const PAGES = {
  // six attributes of one name in a row
  attrs: '<h1>{{ site.title }}</h1><p>{{ site.tagline }}</p><a href="{{ site.url }}">{{ site.name }}</a><footer>{{ site.owner }} {{ site.year }}</footer>',
  // a name read twice in every item of a loop
  loop: '<ul>{% for i in items %}<li class="{{ theme.cls }}">{{ i }} of {{ theme.label }}</li>{% end %}</ul>',
};
const data = { site: { title: 'T', tagline: 'tag', url: '/u', name: 'N', owner: 'O', year: 2026 }, theme: { cls: 'c', label: 'L' }, items: Array.from({ length: 50 }, (_, i) => i) };

const render = {};
for (const [tag, dir] of [['old', old], ['new', here]]) {
  const { compile } = await import(pathToFileURL(join(dir, 'dist/compiler/index.js')).href);
  for (const [page, src] of Object.entries(PAGES)) {
    const file = join(out, `${tag}-${page}.mjs`);
    writeFileSync(file, compile(src, { name: `${tag}-${page}`, runtime }).code);
    render[`${tag}-${page}`] = (await import(pathToFileURL(file).href)).render;
  }
}
const cpu = () => {
  const t = process.cpuUsage();
  return (t.user + t.system) / 1000;
};
let sink = 0;
for (const page of Object.keys(PAGES)) {
  if (render[`old-${page}`](data) !== render[`new-${page}`](data)) throw new Error(`${page}: the two builds render differently`);
  const best = { old: Infinity, new: Infinity };
  const n = page === 'loop' ? 2000 : 20000;
  for (let r = 0; r < 31; r++)
    for (const tag of r % 2 ? ['old', 'new'] : ['new', 'old']) {
      const f = render[`${tag}-${page}`];
      const t0 = cpu();
      for (let i = 0; i < n; i++) sink += f(data).length;
      best[tag] = Math.min(best[tag], ((cpu() - t0) * 1000) / n);
    }
  console.log(`${page}: old ${best.old.toFixed(3)} µs, new ${best.new.toFixed(3)} µs, new/old ${(best.new / best.old).toFixed(2)}`);
}
if (sink < 0) console.error(sink);
