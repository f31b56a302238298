// Watch mode and Vite dev with `nunjucksExtensions`: an extension's parse() runs at build time, so
// the code of every `.njk` template comes from it. Editing the extension module must recompile
// them: the Rollup plugin adds the module to each template's watch files (Rollup re-transforms the
// template when it changes) and the Vite plugin invalidates those templates' modules; the new
// parse() is the one that runs (the module is imported again, keyed by its mtime).
import { mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createKidaPlugin } from '../../plugins/rollup.js';
import viteKida from '../../plugins/vite.js';

/** An extension whose parse() passes `word` to its method as a literal argument. */
const extension = (word: string) =>
  `export default { tags: ['say'], parse(p, n) { const t = p.nextToken(); p.advanceAfterBlockEnd(t.value); return new n.CallExtension(this, 'run', new n.NodeList(t.lineno, t.colno, [new n.Literal(t.lineno, t.colno, ${JSON.stringify(word)})])); }, run: (c, w) => w };\n`;

function project() {
  const dir = mkdtempSync(join(tmpdir(), 'kida-njk-ext-watch-'));
  writeFileSync(join(dir, 'ext.mjs'), extension('first'));
  writeFileSync(join(dir, 'page.njk'), '<p>{% say %}</p>');
  writeFileSync(join(dir, 'plain.kida'), 'plain');
  return dir;
}
/** Rewrites the module with a later mtime (two writes in one millisecond keep theirs). */
function edit(file: string, text: string, at: number): void {
  writeFileSync(file, text);
  utimesSync(file, at, at);
}
type Ctx = { watched: string[]; addWatchFile(f: string): void; error(e: unknown): never; warn(): void };
const context = (): Ctx => ({ watched: [], addWatchFile(f) { this.watched.push(f); }, error: (e) => { throw e; }, warn() {} });

describe('nunjucksExtensions in watch mode', () => {
  it('Rollup: a .njk template watches the extension modules, and after an edit it compiles with the new parse()', async () => {
    const dir = project();
    const plugin = createKidaPlugin({ nunjucksExtensions: { Say: './ext.mjs' }, cacheDir: false }, dir);
    const ctx = context();
    await plugin.buildStart.call(ctx as never);
    const page = join(dir, 'page.njk');
    const first = (await plugin.transform.handler.call(ctx as never, '<p>{% say %}</p>', page)) as { code: string };
    expect(first.code).toContain('"first"');
    expect(ctx.watched).toContain(join(dir, 'ext.mjs'));
    // (a .kida file is not compiled by the extension: it does not watch it)
    const plain = context();
    await plugin.transform.handler.call(plain as never, 'plain', join(dir, 'plain.kida'));
    expect(plain.watched).not.toContain(join(dir, 'ext.mjs'));

    edit(join(dir, 'ext.mjs'), extension('second'), Date.now() / 1000 + 5);
    const again = (await plugin.transform.handler.call(ctx as never, '<p>{% say %}</p>', page)) as { code: string };
    expect(again.code).toContain('"second"');
    expect(again.code).not.toContain('"first"');
  });
  it('Vite dev: a change of the extension module invalidates the templates compiled with it', async () => {
    const dir = project();
    const plugin = viteKida({ nunjucksExtensions: { Say: './ext.mjs' }, cacheDir: false }) as ReturnType<typeof viteKida> & {
      configResolved(c: object): void;
      configureServer(s: object): void;
      buildStart(this: object): Promise<void>;
      transform: { handler(this: object, code: string, id: string): Promise<{ code: string } | null> };
    };
    plugin.configResolved({ root: dir, command: 'serve' });
    const listeners: Record<string, ((f: string) => void)[]> = {};
    const invalidated: string[] = [];
    const graph = {
      getModulesByFile: (f: string) => new Set([{ file: f }]),
      getModuleById: () => undefined,
      invalidateModule: (m: { file: string }) => invalidated.push(m.file),
    };
    plugin.configureServer({ watcher: { on: (ev: string, l: (f: string) => void) => (listeners[ev] ??= []).push(l) }, moduleGraph: graph });
    const ctx = context();
    await plugin.buildStart.call(ctx);
    const page = join(dir, 'page.njk');
    expect((await plugin.transform.handler.call(ctx, '<p>{% say %}</p>', page))!.code).toContain('"first"');
    edit(join(dir, 'ext.mjs'), extension('third'), Date.now() / 1000 + 10);
    for (const l of listeners.change ?? []) l(join(dir, 'ext.mjs'));
    expect(invalidated).toEqual([page]);
    expect((await plugin.transform.handler.call(ctx, '<p>{% say %}</p>', page))!.code).toContain('"third"');
  });
});
