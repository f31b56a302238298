// A template file that starts with a byte order mark (gov.cy's page layout does, seventh held-out
// pass): its text keeps it, as Nunjucks and the Environment render it. Rollup (and the bundlers
// built on it) strip a BOM from every module source they load, so the plugins' builds dropped it.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { Environment, FileSystemLoader } from '../../compiler/environment.js';

type Page = { render(ctx: object): string; renderStream(ctx: object): Iterable<string>; renderAsync(ctx: object): Promise<string> };
const BOM = '\ufeff';
const nunjucks = createRequire(import.meta.url)('nunjucks') as { Environment: new (l: unknown) => { render(n: string, c: object): string }; FileSystemLoader: new (p: string) => unknown };

const FILES: Record<string, string> = {
  'layout.njk': `${BOM}<!doctype html>{% block main %}{% endblock %}|{% include "part.njk" %}`,
  'page.njk': '{% extends "layout.njk" %}{% block main %}<p>{{ name }}</p>{% endblock %}',
  'part.njk': `${BOM}part {{ name }}`,
  'plain.njk': 'no mark',
  'layout.kida': `${BOM}<!doctype html>{% block main %}{% end %}|{% include "part.kida" %}`,
  'page.kida': '{% extends "layout.kida" %}{% block main %}<p>{{ name }}</p>{% end %}',
  'part.kida': `${BOM}part {{ name }}`,
};
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function project(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kida-bom-'));
  dirs.push(dir);
  mkdirSync(join(dir, 'views'));
  for (const [name, src] of Object.entries(FILES)) writeFileSync(join(dir, 'views', name), src);
  const names = ['page.njk', 'layout.njk', 'plain.njk', 'page.kida'];
  writeFileSync(join(dir, 'entry.mjs'), `${names.map((n, i) => `import p${i} from './views/${n}';`).join('\n')}\nexport const pages = [${names.map((_, i) => `p${i}`).join(', ')}];\n`);
  return dir;
}

async function expectKept(pages: Page[], dir: string) {
  const data = { name: 'Ann <b>' };
  const njk = new nunjucks.Environment(new nunjucks.FileSystemLoader(join(dir, 'views')));
  const env = new Environment({ loader: new FileSystemLoader(join(dir, 'views')) });
  const wants = [njk.render('page.njk', data), njk.render('layout.njk', data), njk.render('plain.njk', data), env.getTemplate('page.kida').render(data)];
  expect(wants[0]).toBe(`${BOM}<!doctype html><p>Ann &lt;b&gt;</p>|${BOM}part Ann &lt;b&gt;`);
  expect(wants[3]).toBe(wants[0]);
  for (const [i, page] of pages.entries()) {
    expect(page.render(data)).toBe(wants[i]);
    expect([...page.renderStream(data)].join('')).toBe(wants[i]);
    expect(await page.renderAsync(data)).toBe(wants[i]);
  }
}

describe('a template that starts with a byte order mark, compiled by the plugins', () => {
  it('keeps it through Rollup, in Nunjucks mode and in Kida', async () => {
    const dir = project();
    const { rollup } = await import('rollup');
    const { default: kida } = await import('../../dist/plugins/rollup.js' as string);
    const b = await rollup({ input: join(dir, 'entry.mjs'), plugins: [kida({ searchPaths: [join(dir, 'views')], cacheDir: false, config: false })], onwarn: () => {} });
    const { output } = await b.generate({ format: 'es' });
    writeFileSync(join(dir, 'bundle.mjs'), output[0].code);
    await expectKept(((await import(pathToFileURL(join(dir, 'bundle.mjs')).href)) as { pages: Page[] }).pages, dir);
  });

  it('keeps it through a Vite build', async () => {
    const dir = project();
    const { build } = await import('vite');
    const { default: kida } = await import('../../dist/plugins/vite.js' as string);
    await build({ root: dir, configFile: false, logLevel: 'silent', plugins: [kida({ searchPaths: [join(dir, 'views')], cacheDir: false, config: false })], build: { ssr: join(dir, 'entry.mjs'), outDir: join(dir, 'out') } });
    const out = readdirSync(join(dir, 'out')).find((f) => /^entry\.m?js$/.test(f))!;
    await expectKept(((await import(pathToFileURL(join(dir, 'out', out)).href)) as { pages: Page[] }).pages, dir);
  });
});
