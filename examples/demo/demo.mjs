// The main job, end to end: compile real .kida templates to ES modules with
// kida/compiler, import them like a bundle would, then render and stream them.
import { mkdirSync, readFileSync, writeFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { compile, relativeImport } from 'kida/compiler';

const here = dirname(fileURLToPath(import.meta.url));
const src = join(here, 'templates');
const out = join(here, '.build');

const files = (dir) => readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? files(join(dir, f)) : [join(dir, f)]));
for (const file of files(src).filter((f) => f.endsWith('.kida'))) {
  const name = relative(src, file).split('\\').join('/');
  const { code, map } = compile(readFileSync(file, 'utf8'), {
    name,
    filename: file,
    // the built files sit next to each other as `<name>.js`
    importPath: (target, from) => relativeImport(target, from) + '.js',
  });
  const target = join(out, name + '.js');
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, code + `//# sourceMappingURL=${name.split('/').pop()}.js.map\n`);
  writeFileSync(target + '.map', JSON.stringify(map));
  console.error(`compiled ${name} -> ${relative(here, target)}`);
}

const page = (await import(pathToFileURL(join(out, 'page.html.kida.js')).href)).default;
const ctx = {
  title: 'weekly <build> report',
  note: 'all green',
  items: [
    { name: 'lexer', status: 'ok' },
    { name: 'parser', status: 'ok' },
    { name: 'codegen', status: 'slow', eta: 'Friday' },
    { name: 'docs', status: 'slow' },
  ],
};
console.error('\n--- streaming render (chunks joined with |) ---');
console.log([...page.renderStream(ctx)].filter(Boolean).join('|'));
console.error('\n--- renderBlock("title") ---');
console.log(page.renderBlock('title', ctx));
