// The plugins' on-disk compile cache, through real Rollup/Vite builds with the built plugin:
// a rebuild compiles nothing and bundles the same bytes; an edited template recompiles, and so do
// the templates whose module depends on its source (parents' blocks, included bodies); any
// cached build must equal a build without the cache.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';

const repo = join(import.meta.dirname, '../..');
const tmp = mkdtempSync(join(tmpdir(), 'kida-cache-'));
const app = join(tmp, 'app');
const templates = join(app, 'templates');
const cacheDir = join(tmp, 'cache');
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const FILES: Record<string, string> = {
  'base.html.kida': '<title>{% block title %}Base{% end %}</title><main>{% block body %}{% end %}</main>',
  'page.html.kida': '{% extends "base.html.kida" %}{% block body %}{% include "part.html.kida" %} {{ x }}{% end %}',
  'part.html.kida': '<p>{{ who }}</p>',
  'other.html.kida': '<b>{{ y }}</b>',
};
const edit = (name: string, text: string) => writeFileSync(join(templates, name), text);

interface Plugin {
  api: { cache: { hits: number; misses: number } | null };
}
type Options = Record<string, unknown>;

/** Bundles the app with the built Rollup plugin: the code, the cache counts and the warnings. */
async function rollupBuild(options: Options = {}) {
  const { rollup } = await import('rollup');
  const { default: kida } = (await import(join(repo, 'dist/plugins/rollup.js'))) as { default: (o: Options) => Plugin };
  const plugin = kida({ root: templates, cacheDir, ...options });
  const warnings: string[] = [];
  const bundle = await rollup({ input: join(app, 'entry.js'), plugins: [plugin as never], onwarn: (w) => warnings.push(w.message) });
  const { output } = await bundle.generate({ format: 'es', sourcemap: true });
  const cache = plugin.api.cache;
  return { code: output[0].code, map: output[0].map, hits: cache?.hits, misses: cache?.misses, warnings };
}

/** The page module's text inside a bundle (to see that it changed). */
const pageModule = (code: string) => code.slice(code.indexOf('"page.html.kida"'), code.indexOf('"other.html.kida"'));

describe('plugin compile cache', () => {
  beforeEach(() => {
    rmSync(app, { recursive: true, force: true });
    rmSync(cacheDir, { recursive: true, force: true });
    mkdirSync(templates, { recursive: true });
    for (const [name, text] of Object.entries(FILES)) edit(name, text);
    writeFileSync(join(app, 'entry.js'), "export { default as page } from './templates/page.html.kida';\nexport { default as other } from './templates/other.html.kida';\n");
  });

  it('a rebuild compiles nothing and bundles byte-identical output', async () => {
    const first = await rollupBuild();
    expect([first.hits, first.misses]).toEqual([0, 4]);
    const second = await rollupBuild();
    expect([second.hits, second.misses]).toEqual([4, 0]);
    expect(second.code).toBe(first.code);
    expect(first.code).toBe((await rollupBuild({ cacheDir: false })).code);
  });

  it('a rebuild\'s source map equals a fresh one, though the pack keeps no copy of the sources', async () => {
    const first = await rollupBuild();
    const second = await rollupBuild();
    expect([second.hits, second.misses]).toEqual([4, 0]);
    expect(second.map!.sourcesContent).toContain(FILES['page.html.kida']);
    expect(JSON.stringify(second.map)).toBe(JSON.stringify(first.map));
    const [pack] = readdirSync(cacheDir);
    expect(readFileSync(join(cacheDir, pack!), 'utf8')).not.toContain(JSON.stringify(FILES['part.html.kida']).slice(1, -1));
  });

  it('entries made without declarations do not serve a build that writes them', async () => {
    const plain = await rollupBuild();
    expect(plain.misses).toBe(4);
    expect(existsSync(join(templates, 'page.html.d.kida.ts'))).toBe(false);
    const typed = await rollupBuild({ dts: true });
    expect([typed.hits, typed.misses]).toEqual([0, 4]);
    expect(readFileSync(join(templates, 'page.html.d.kida.ts'), 'utf8')).toContain('export type Blocks');
    expect(typed.code).toBe(plain.code);
  });

  it('an edited template recompiles alone', async () => {
    await rollupBuild();
    edit('other.html.kida', '<i>{{ y }}</i>');
    const after = await rollupBuild();
    expect([after.hits, after.misses]).toEqual([3, 1]);
    expect(after.code).toContain('<i>');
    expect(after.code).toBe((await rollupBuild({ cacheDir: false })).code);
  });

  it('an edit replaces the template\'s entry: the pack does not grow with edits', async () => {
    const entries = () => {
      const [pack] = readdirSync(cacheDir);
      return Object.keys((JSON.parse(readFileSync(join(cacheDir, pack!), 'utf8')) as { entries: object }).entries).length;
    };
    await rollupBuild();
    expect(entries()).toBe(4);
    for (const tag of ['i', 's', 'u']) {
      edit('other.html.kida', `<${tag}>{{ y }}</${tag}>`);
      expect((await rollupBuild()).misses).toBe(1);
    }
    expect(entries()).toBe(4);
  });

  it('editing an included template recompiles the template that includes it', async () => {
    const before = await rollupBuild();
    // the page's metadata follows the literal include: it now also reads `extra`
    edit('part.html.kida', '<p>{{ who }} {{ extra }}</p>');
    const after = await rollupBuild();
    expect([after.hits, after.misses]).toEqual([2, 2]); // part and page
    expect(pageModule(after.code)).not.toBe(pageModule(before.code));
    expect(after.code).toBe((await rollupBuild({ cacheDir: false })).code);
  });

  it('editing a parent recompiles it, and the bundle equals an uncached build', async () => {
    await rollupBuild();
    edit('base.html.kida', '<title>{% block title %}Base{% end %}</title><main>{% block body %}{% end %}</main><footer>{{ year }}</footer>');
    const after = await rollupBuild();
    expect(after.misses).toBeGreaterThanOrEqual(1); // base, and page if its module reads base's source
    expect(after.code).toContain('<footer>');
    expect(after.code).toBe((await rollupBuild({ cacheDir: false })).code);
  });

  it('a def removed from an imported template fails the importer, cached or not', async () => {
    edit('macros.html.kida', '{% def hi(n) %}Hi {{ n }}{% end %}');
    edit('other.html.kida', '{% from "macros.html.kida" import hi %}<b>{{ hi(y) }}</b>');
    expect((await rollupBuild()).misses).toBe(5);
    edit('macros.html.kida', '{% def hello(n) %}Hi {{ n }}{% end %}');
    const error = await rollupBuild({ cacheDir: false }).catch((e: Error) => e.message);
    expect(error).toMatch(/\bhi\b/);
    expect(await rollupBuild().catch((e: Error) => e.message)).toBe(error);
  });

  it('a template that starts naming templates at run time gets them registered', async () => {
    expect((await rollupBuild()).code).not.toMatch(/define\("part\.html\.kida"/);
    edit('other.html.kida', '{% include y %}'); // the linkage module now registers every template
    const after = await rollupBuild();
    expect(after.code).toMatch(/define\("part\.html\.kida"/);
    expect(after.code).toBe((await rollupBuild({ cacheDir: false })).code);
  });

  it('changed options miss', async () => {
    await rollupBuild();
    const noEscape = await rollupBuild({ autoescape: false });
    expect([noEscape.hits, noEscape.misses]).toEqual([0, 4]);
    expect(noEscape.code).toBe((await rollupBuild({ autoescape: false, cacheDir: false })).code);
    expect((await rollupBuild({ autoescape: false })).hits).toBe(4);
  });

  it('cacheDir: false writes nothing', async () => {
    const out = await rollupBuild({ cacheDir: false });
    expect(out.hits).toBeUndefined();
    expect(existsSync(cacheDir)).toBe(false);
    expect(existsSync(join(app, 'node_modules'))).toBe(false);
  });

  it('an unusable cacheDir warns and builds without a cache', async () => {
    writeFileSync(join(tmp, 'a-file'), ''); // a directory cannot be made under a file, even as root
    const out = await rollupBuild({ cacheDir: join(tmp, 'a-file/cache') });
    expect(out.hits).toBeUndefined();
    expect(out.warnings.join('\n')).toMatch(/cannot use cacheDir/);
    expect(out.code).toBe((await rollupBuild({ cacheDir: false })).code);
  });

  it('the default cacheDir is node_modules/.cache/kida under the project root', async () => {
    const { rollup } = await import('rollup');
    const { createKidaPlugin } = (await import(join(repo, 'dist/plugins/rollup.js'))) as { createKidaPlugin: (o: Options, cwd: string) => Plugin };
    const plugin = createKidaPlugin({ root: 'templates' }, app);
    await (await rollup({ input: join(app, 'entry.js'), plugins: [plugin as never] })).generate({ format: 'es' });
    expect(plugin.api.cache?.misses).toBe(4);
    const packs = readdirSync(join(app, 'node_modules/.cache/kida'));
    expect(packs).toHaveLength(1); // one pack file, written at the end of the build
    const pack = JSON.parse(readFileSync(join(app, 'node_modules/.cache/kida', packs[0]!), 'utf8')) as { entries: object };
    expect(Object.keys(pack.entries)).toHaveLength(4);
  });

  it('Vite builds use the cache too', async () => {
    const { build } = await import('vite');
    const { default: kida } = (await import(join(repo, 'dist/plugins/vite.js'))) as { default: (o: Options) => Plugin };
    const viteBuild = async () => {
      const plugin = kida({ root: 'templates', cacheDir });
      await build({ root: app, logLevel: 'silent', configFile: false, plugins: [plugin as never], build: { ssr: 'entry.js', outDir: 'dist', emptyOutDir: true } });
      return { code: readFileSync(join(app, 'dist/entry.mjs'), 'utf8'), cache: plugin.api.cache };
    };
    const cold = await viteBuild();
    const warm = await viteBuild();
    expect([cold.cache?.misses, warm.cache?.hits, warm.cache?.misses]).toEqual([4, 4, 0]);
    expect(warm.code).toBe(cold.code);
  }, 60_000);

  it('kida/register compiles without the on-disk cache (its hooks thread has no build end to write it)', () => {
    writeFileSync(join(app, 'kida.config.json'), JSON.stringify({ root: 'templates', cacheDir }));
    writeFileSync(join(app, 'app.mjs'), "import page from './templates/page.html.kida';\nprocess.stdout.write(page.render({ x: 1, who: 'ann' }));\n");
    const run = () => execFileSync(process.execPath, ['--import', join(repo, 'dist/plugins/register.js'), 'app.mjs'], { cwd: app, encoding: 'utf8' });
    expect(run()).toBe('<title>Base</title><main><p>ann</p> 1</main>');
    expect(existsSync(cacheDir)).toBe(false);
  });

  it('a build writes its pack once, at buildEnd; a dev server\'s cache writes itself after a change', async () => {
    type Hooks = Plugin & {
      configResolved?(c: object): void;
      buildStart(this: object): Promise<void>;
      buildEnd(): void;
      transform: { handler(this: object, code: string, id: string): Promise<unknown> };
    };
    const ctx = { error: (e: unknown) => { throw e; }, addWatchFile() {}, warn() {} };
    const file = join(templates, 'other.html.kida');
    const compileWith = async (plugin: Hooks) => {
      await plugin.buildStart.call(ctx);
      await plugin.transform.handler.call(ctx, FILES['other.html.kida']!, file);
      await new Promise((r) => setTimeout(r, 700)); // (past the dev cache's half second)
    };
    const packs = () => (existsSync(cacheDir) ? readdirSync(cacheDir).filter((f) => f.endsWith('.json')) : []);

    const { default: rollupKida } = (await import(join(repo, 'dist/plugins/rollup.js'))) as { default: (o: Options) => Hooks };
    const build = rollupKida({ root: templates, cacheDir });
    await compileWith(build);
    expect(packs()).toEqual([]);
    build.buildEnd();
    expect(packs()).toHaveLength(1);

    rmSync(cacheDir, { recursive: true, force: true });
    const { default: viteKida } = (await import(join(repo, 'dist/plugins/vite.js'))) as { default: (o: Options) => Hooks };
    const dev = viteKida({ root: templates, cacheDir });
    dev.configResolved!({ root: app, command: 'serve' });
    await compileWith(dev);
    expect(packs()).toHaveLength(1);
    expect(dev.api.cache?.misses).toBe(1);
  });

  it('a damaged pack file is ignored and replaced', async () => {
    const first = await rollupBuild();
    const [pack] = readdirSync(cacheDir);
    writeFileSync(join(cacheDir, pack!), '{"entries": {"x": ');
    const again = await rollupBuild();
    expect([again.hits, again.misses]).toEqual([0, 4]);
    expect(again.code).toBe(first.code);
    expect((await rollupBuild()).hits).toBe(4);
  });

  it('packs of other compiler versions are removed on write', async () => {
    mkdirSync(cacheDir, { recursive: true });
    writeFileSync(join(cacheDir, 'pack-00000000000000000000.json'), '{"entries":{},"flags":{}}');
    await rollupBuild();
    expect(readdirSync(cacheDir)).toHaveLength(1);
    expect(readdirSync(cacheDir)[0]).not.toBe('pack-00000000000000000000.json');
  });
});
