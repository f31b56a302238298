// Vite dev server with its file watcher: a template's module is compiled from other templates'
// sources too (a parent's blocks, a literal include's body), so editing one of those must
// recompile the templates built from it, not only its own module.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';

const repo = join(import.meta.dirname, '../..');
const app = mkdtempSync(join(tmpdir(), 'kida-watch-'));
afterAll(() => rmSync(app, { recursive: true, force: true }));

interface PageModule {
  default: { blockMetadata(): Record<string, { dependsOn: string[] }>; render(ctx: object): string };
}

/** What the page's body block reads: its own names and the included template's. */
const reads = (page: PageModule['default']) => page.blockMetadata().body!.dependsOn;

it('editing an included template refreshes the including page in Vite dev', async () => {
  mkdirSync(join(app, 'templates'));
  writeFileSync(join(app, 'templates/page.html.kida'), '<main>{% block body %}{% include "part.html.kida" %} {{ x }}{% end %}</main>');
  writeFileSync(join(app, 'templates/part.html.kida'), '<p>{{ who }}</p>');
  const { createServer } = await import('vite');
  const { default: kida } = (await import(join(repo, 'dist/plugins/vite.js'))) as { default: (o: object) => object };
  const server = await createServer({
    root: app,
    configFile: false,
    logLevel: 'silent',
    plugins: [kida({ root: 'templates', cacheDir: false }) as never],
    server: { middlewareMode: true, hmr: false },
  });
  try {
    const load = () => server.ssrLoadModule('/templates/page.html.kida') as Promise<PageModule>;
    const before = (await load()).default;
    expect(reads(before)).toEqual(['who', 'x']);
    writeFileSync(join(app, 'templates/part.html.kida'), '<p>{{ who }} {{ extra }}</p>');
    // the watcher reports the change asynchronously
    let page = before;
    for (let i = 0; i < 50 && !reads(page).includes('extra'); i++) {
      await new Promise((r) => setTimeout(r, 100));
      page = (await load()).default;
    }
    expect(reads(page)).toEqual(['extra', 'who', 'x']);
    expect(page.render({ x: 1, who: 'ann', extra: '!' })).toBe('<main><p>ann !</p> 1</main>');
  } finally {
    await server.close();
  }
}, 60_000);

it('a template added while Vite dev runs can be included by name at run time', async () => {
  const dir = join(app, 'dynamic');
  mkdirSync(join(dir, 'templates'), { recursive: true });
  writeFileSync(join(dir, 'templates/page.html.kida'), '<main>{% include name %}</main>');
  writeFileSync(join(dir, 'templates/a.html.kida'), 'A');
  const { createServer } = await import('vite');
  const { default: kida } = (await import(join(repo, 'dist/plugins/vite.js'))) as { default: (o: object) => object };
  const server = await createServer({ root: dir, configFile: false, logLevel: 'silent', plugins: [kida({ root: 'templates', cacheDir: false }) as never], server: { middlewareMode: true, hmr: false } });
  try {
    const render = async (name: string) => ((await server.ssrLoadModule('/templates/page.html.kida')) as PageModule).default.render({ name });
    expect(await render('a.html.kida')).toBe('<main>A</main>');
    await expect(render('b.html.kida')).rejects.toThrow(/b\.html\.kida/);
    writeFileSync(join(dir, 'templates/b.html.kida'), 'B');
    let out = '';
    for (let i = 0; i < 50 && out !== '<main>B</main>'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      out = await render('b.html.kida').catch((e: Error) => e.message);
    }
    expect(out).toBe('<main>B</main>');
  } finally {
    await server.close();
  }
}, 60_000);

it('editing a .css file a Nunjucks page includes (imported as a template, under its suffix) refreshes the page in Vite dev', async () => {
  const dir = join(app, 'styled');
  mkdirSync(join(dir, 'templates/css'), { recursive: true });
  writeFileSync(join(dir, 'templates/page.njk'), '{% set css %}{% include "css/critical.css" %}{% endset %}<style>{{ css | safe }}</style>{% include "css/" + which + ".css" %}');
  writeFileSync(join(dir, 'templates/css/critical.css'), 'a { color: {{ colour }} }');
  writeFileSync(join(dir, 'templates/css/dark.css'), '.d { x: 1 }');
  const { createServer } = await import('vite');
  const { default: kida } = (await import(join(repo, 'dist/plugins/vite.js'))) as { default: (o: object) => object };
  const server = await createServer({ root: dir, configFile: false, logLevel: 'silent', plugins: [kida({ root: 'templates', cacheDir: false }) as never], server: { middlewareMode: true, hmr: false } });
  try {
    const render = async () => ((await server.ssrLoadModule('/templates/page.njk')) as PageModule).default.render({ colour: 'red', which: 'dark' });
    expect(await render()).toBe('<style>a { color: red }</style>.d { x: 1 }');
    writeFileSync(join(dir, 'templates/css/critical.css'), 'b { color: {{ colour }} }');
    writeFileSync(join(dir, 'templates/css/dark.css'), '.d { x: 2 }');
    let out = '';
    for (let i = 0; i < 50 && out !== '<style>b { color: red }</style>.d { x: 2 }'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      out = await render();
    }
    expect(out).toBe('<style>b { color: red }</style>.d { x: 2 }');
  } finally {
    await server.close();
  }
}, 60_000);
