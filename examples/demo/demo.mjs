// The main job, end to end: compile real .kida templates to ES modules with
// kida/compiler, import them like a bundle would, then render and stream them.
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { compileDir } from '../compile-dir.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, '.build');
for (const name of compileDir(join(here, 'templates'), out)) console.error(`compiled ${name} -> examples/demo/.build/${name}.js`);

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
