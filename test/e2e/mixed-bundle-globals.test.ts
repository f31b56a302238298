// A bundle that holds Kida and Nunjucks modules (an app moving from one to the other): both
// languages have a global `range`, and they differ (Kida's is lazy and prints as `range(0, 3)`;
// Nunjucks' is an array, `0,1,2`); `cycler` and `joiner` are Nunjucks' only. Each template gets its own
// language's built-ins whatever order the modules load in, and a global the host sets under
// such a name wins in both.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { writeFiles } from '../support.js';

type Page = { render(ctx: object): string; renderStream(ctx: object): Iterable<string>; renderAsync(ctx: object): Promise<string> };
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

async function bundle(files: Record<string, string>, pages: string[], options: object = {}): Promise<Page[]> {
  const dir = mkdtempSync(join(tmpdir(), 'kida-mixed-'));
  dirs.push(dir);
  writeFiles(dir, files);
  writeFileSync(join(dir, 'entry.mjs'), `${pages.map((p, i) => `import p${i} from './${p}';`).join('\n')}\nexport const pages = [${pages.map((_, i) => `p${i}`).join(', ')}];\n`);
  const { rollup } = await import('rollup');
  const { default: kida } = await import('../../dist/plugins/rollup.js' as string);
  const b = await rollup({ input: join(dir, 'entry.mjs'), plugins: [kida({ root: dir, cacheDir: false, config: false, ...options })], onwarn: () => {} });
  const { output } = await b.generate({ format: 'es' });
  await b.close();
  writeFileSync(join(dir, 'bundle.mjs'), output[0].code);
  return ((await import(pathToFileURL(join(dir, 'bundle.mjs')).href)) as { pages: Page[] }).pages;
}

const TEMPLATES = {
  'k.kida': '{{ range(3) }}|{% for i in range(2) %}{{ i }}{% end %}|{{ cycler is defined }}',
  'n.njk': '{{ range(3) }}|{% for i in range(2) %}{{ i }}{% endfor %}|{% set c = cycler("a", "b") %}{{ c.next() }}{{ c.next() }}|{% set j = joiner("-") %}{{ j() }}x{{ j() }}y',
};
const every = async (p: Page) => [p.render({}), [...p.renderStream({})].join(''), await p.renderAsync({})];

describe('a bundle of Kida and Nunjucks modules', () => {
  for (const order of [['k.kida', 'n.njk'], ['n.njk', 'k.kida']])
    it(`gives each template its own language's built-in globals (${order.join(' before ')})`, async () => {
      const pages = await bundle(TEMPLATES, order);
      const [k, n] = order[0] === 'k.kida' ? pages : [pages[1]!, pages[0]!];
      for (const out of await every(k!)) expect(out).toBe('range(0, 3)|01|False');
      for (const out of await every(n!)) expect(out).toBe('0,1,2|01|ab|x-y');
    });

  it("lets the host's global of such a name win in both", async () => {
    const globals = join(mkdtempSync(join(tmpdir(), 'kida-mixed-globals-')), 'globals.mjs');
    dirs.push(join(globals, '..'));
    writeFileSync(globals, 'export const range = (n) => `mine(${n})`;\n');
    const pages = await bundle(TEMPLATES, ['k.kida', 'n.njk'], { globals });
    for (const p of pages) expect(p.render({}).split('|')[0]).toBe('mine(3)');
  });
});
