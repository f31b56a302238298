// The Rollup plugin's options and failure modes through real builds with the built plugin
// (`kida/rollup`): include/exclude, kida.config.* files, template aliases, user filters and
// tests, build errors with file, line, column, excerpt and did-you-mean, and run-time template
// names resolved through the generated registry (sync and async; a missing one throws
// TemplateNotFoundError).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';

const repo = join(import.meta.dirname, '../..');
const tmp = mkdtempSync(join(tmpdir(), 'kida-options-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let app = '';
let n = 0;

/** A fresh app directory with these files. */
function files(map: Record<string, string>): void {
  app = join(tmp, `app${n++}`);
  for (const [name, text] of Object.entries(map)) {
    mkdirSync(join(app, name, '..'), { recursive: true });
    writeFileSync(join(app, name), text);
  }
}

interface RollupError extends Error {
  id?: string;
  loc?: { file: string; line: number; column: number };
  frame?: string;
}

/** Bundles `entry.js` of the current app (ES module output, written beside it) and imports it. */
async function build(options: object = {}, cwd = app): Promise<Record<string, (...a: unknown[]) => unknown>> {
  const { rollup } = await import('rollup');
  const { createKidaPlugin } = (await import(join(repo, 'dist/plugins/rollup.js'))) as { createKidaPlugin: (o: object, cwd: string) => object };
  const bundle = await rollup({ input: join(app, 'entry.js'), plugins: [createKidaPlugin({ cacheDir: false, ...options }, cwd) as never], logLevel: 'silent' });
  const out = join(app, `out${n++}.mjs`);
  await bundle.write({ file: out, format: 'es' });
  await bundle.close();
  return (await import(out)) as Record<string, (...a: unknown[]) => unknown>;
}
const failure = (options: object = {}) => build(options).then(() => null, (e: RollupError) => e);

describe('plugin options', () => {
  beforeEach(() => {
    app = '';
  });

  it('include/exclude choose the files that are templates', async () => {
    files({
      'entry.js': "import page from './t/page.html.kida';\nimport raw from './t/raw.kida';\nexport const render = (d) => page.render(d);\nexport { raw };\n",
      't/page.html.kida': '<b>{{ x }}</b>',
      // excluded: left to other plugins; here a plain JS module that happens to end in .kida
      't/raw.kida': 'export default "not a template";\n',
    });
    const m = await build({ root: 't', exclude: '**/raw.kida' });
    expect(m.render!({ x: '<' })).toBe('<b>&lt;</b>');
    expect(m.raw).toBe('not a template');
    // without the exclude it is compiled as a (text) template
    expect(typeof ((await build({ root: 't' })).raw as unknown as { render: unknown }).render).toBe('function');
  });

  for (const [file, text] of [
    ['kida.config.json', JSON.stringify({ root: 't', autoescape: false, templateAliases: { ui: 'components' } })],
    ['kida.config.mjs', "export default { root: 't', autoescape: false, templateAliases: { ui: 'components' } };\n"],
    ['kida.config.js', "export default { root: 't', autoescape: false, templateAliases: { ui: 'components' } };\n"],
  ] as const) {
    it(`reads ${file}: root, autoescape and aliases`, async () => {
      files({
        [file]: text,
        'package.json': '{"type":"module"}',
        'entry.js': "import page from './t/page.html.kida';\nexport const render = (d) => page.render(d);\n",
        't/page.html.kida': '{% from "@ui/card.html.kida" import card %}{{ card(x) }}',
        't/components/card.html.kida': '{% def card(v) %}[{{ v }}]{% end %}',
      });
      const m = await build({}, app);
      expect(m.render!({ x: '<i>' })).toBe('[<i>]');
    });
  }

  it('options passed to the plugin win over the config file', async () => {
    files({
      'kida.config.json': JSON.stringify({ root: 't', autoescape: false }),
      'entry.js': "import page from './t/page.html.kida';\nexport const render = (d) => page.render(d);\n",
      't/page.html.kida': '{{ x }}',
    });
    expect((await build({ autoescape: true })).render!({ x: '<' })).toBe('&lt;');
  });

  it('user filters and tests come from their modules; only the used ones are bundled', async () => {
    files({
      'entry.js': "import page from './t/page.html.kida';\nexport const render = (d) => page.render(d);\n",
      'filters.js': "export const shout = (s) => String(s).toUpperCase() + '!';\nexport const unusedFilterMarker = () => 'unusedFilterMarker';\n",
      'tests.js': 'export const big = (n) => n > 9;\n',
      't/page.html.kida': '{{ x | shout }} {{ 10 is big }}',
    });
    const m = await build({ root: 't', filters: './filters.js', tests: './tests.js' });
    expect(m.render!({ x: 'hi' })).toBe('HI! True');
    const { readFileSync, readdirSync } = await import('node:fs');
    const out = readdirSync(app).find((f) => f.startsWith('out'))!;
    expect(readFileSync(join(app, out), 'utf8')).not.toContain('unusedFilterMarker');
  });

  it('an unknown filter, test or imported def fails the build with a did-you-mean', async () => {
    const base = {
      'entry.js': "import page from './t/page.html.kida';\nexport default page;\n",
      'filters.js': "export const shout = (s) => String(s).toUpperCase() + '!';\n",
      't/macros.html.kida': '{% def card(v) %}[{{ v }}]{% end %}',
    };
    files({ ...base, 't/page.html.kida': '{{ x | shuot }}' });
    expect((await failure({ root: 't', filters: './filters.js' }))?.message).toMatch(/K-PAR-004 Unknown filter 'shuot'\. Did you mean 'shout'\?/);
    files({ ...base, 't/page.html.kida': '{{ 3 is od }}' });
    expect((await failure({ root: 't' }))?.message).toMatch(/K-PAR-005 Unknown test 'od'\. Did you mean 'odd'\?/);
    files({ ...base, 't/page.html.kida': '{% from "macros.html.kida" import crad %}{{ crad(1) }}' });
    expect((await failure({ root: 't' }))?.message).toMatch(/'crad'.*Did you mean 'card'\?/);
  });

  it('a syntax error fails the build with file, line, column and an excerpt with a caret', async () => {
    files({
      'entry.js': "import page from './t/page.html.kida';\nexport default page;\n",
      't/page.html.kida': '<p>ok</p>\n{% if x %}\n  {{ x + }}\n{% end %}\n',
    });
    const e = await failure({ root: 't' });
    expect(e).not.toBeNull();
    expect(e!.message).toMatch(/K-PAR-\d+/);
    expect(e!.id).toBe(join(app, 't/page.html.kida'));
    expect(e!.loc).toMatchObject({ file: join(app, 't/page.html.kida'), line: 3 });
    expect(e!.frame).toContain('   3 |   {{ x + }}');
    expect(e!.frame).toMatch(/\|\s+\^/);
  });

  it('run-time template names resolve through the registry, sync and async; a missing one throws TemplateNotFoundError', async () => {
    files({
      'entry.js': "import page from './t/page.html.kida';\nexport const render = (d) => page.render(d);\nexport const renderAsync = (d) => page.renderAsync(d);\nexport const stream = (d) => [...page.renderStream(d)].join('');\n",
      't/page.html.kida': '{% extends layout %}{% block body %}{% include part %}{% end %}',
      't/layouts/a.html.kida': '<main>{% block body %}{% end %}</main>',
      't/parts/p.html.kida': '<p>{{ x }}</p>',
    });
    const m = await build({ root: 't' });
    const data = { layout: 'layouts/a.html.kida', part: 'parts/p.html.kida', x: 1 };
    expect(m.render!(data)).toBe('<main><p>1</p></main>');
    expect(m.stream!(data)).toBe('<main><p>1</p></main>');
    expect(await m.renderAsync!(data)).toBe('<main><p>1</p></main>');
    const missing = { ...data, part: 'parts/nope.html.kida' };
    expect(() => m.render!(missing)).toThrow(expect.objectContaining({ name: 'TemplateNotFoundError' }));
    await expect(m.renderAsync!(missing)).rejects.toMatchObject({ name: 'TemplateNotFoundError' });
  });
});

  it("bundles kida/hono, kida/sse, kida/cache and kida/async-driver with only this plugin (a worker's handler as the guides write it)", async () => {
    // Without the plugin resolving them, Rollup (no node-resolve) leaves them external: the bundle
    // below, written outside any node_modules, could then not even be imported.
    files({
      'entry.js': [
        "import page from './t/page.kida';",
        "import 'kida/async-driver';",
        "import { streamResponse } from 'kida/hono';",
        "import { blockEvents, eventStreamResponse } from 'kida/sse';",
        "import { kvStore } from 'kida/cache';",
        'export const fetchPage = () => streamResponse(page, { x: "<" });',
        "export const events = () => eventStreamResponse(blockEvents(page, 'b', [{ x: 1 }, { x: 2 }]), { keepAlive: 0 });",
        'export const store = () => kvStore({ get: async () => null, put: async () => {} });',
      ].join('\n'),
      't/page.kida': '<p>{% block b %}{{ x }}{% end %}</p>',
    });
    const m = await build({ root: 't' });
    const page = (await m.fetchPage!()) as Response;
    expect([page.status, await page.text()]).toEqual([200, '<p>&lt;</p>']);
    expect(await ((await m.events!()) as Response).text()).toBe('data: 1\n\ndata: 2\n\n');
    expect(typeof (m.store!() as { get: unknown }).get).toBe('function');
  });

describe('hook filters', () => {
  // Rolldown (Vite 7+) and Rollup 4.38+ call a filtered hook only for the ids it matches: the
  // rest of an app's modules never wait on the plugin's JavaScript (this halved a 500-template
  // Vite build's plugin overhead). The plugin must declare them, and they must not hide its ids.
  type Handler = (this: unknown, ...a: string[]) => unknown;
  type Hooked = Record<'resolveId' | 'load' | 'transform', { filter: { id: RegExp }; handler: Handler }>;
  /** The plugin, with every handler call recorded as `hook id`. */
  const recorded = (plugin: Hooked, calls: string[]) => {
    for (const hook of ['resolveId', 'load', 'transform'] as const) {
      const { handler } = plugin[hook];
      plugin[hook].handler = function (...a: string[]) {
        calls.push(`${hook} ${(hook === 'transform' ? a[1] : a[0])!.replace(app, '')}`);
        return handler.apply(this, a);
      };
    }
    return plugin;
  };
  const app2 = () => {
    files({
      'entry.js': "import page from './t/page.html.kida';\nimport { twice } from './util.js';\nexport const render = (d) => twice(page.render(d));\n",
      'util.js': 'export const twice = (s) => s + s;\n',
      't/page.html.kida': '{% include "part.html.kida" %}<b>{{ x }}</b>',
      't/part.html.kida': '<i>{{ x }}</i>',
    });
  };
  const expected = (calls: string[]) => {
    expect(calls.filter((c) => !c.startsWith('resolveId'))).toEqual(
      expect.arrayContaining(['transform /t/page.html.kida', 'transform /t/part.html.kida', 'load \0virtual:kida-linkage']),
    );
    // nothing for the app's own modules, nor for ids the plugin does not resolve
    expect(calls.filter((c) => c.includes('util.js') || c.includes('entry.js') || c.startsWith('resolveId ./'))).toEqual([]);
    expect(calls.filter((c) => c.startsWith('resolveId')).sort()).toEqual(expect.arrayContaining(['resolveId kida/runtime', 'resolveId virtual:kida-linkage']));
  };

  it('keep Rollup from calling the plugin for other modules', async () => {
    app2();
    const { rollup } = await import('rollup');
    const { createKidaPlugin } = (await import(join(repo, 'dist/plugins/rollup.js'))) as { createKidaPlugin: (o: object, cwd: string) => Hooked };
    const calls: string[] = [];
    const plugin = recorded(createKidaPlugin({ root: 't', cacheDir: false }, app), calls);
    const bundle = await rollup({ input: join(app, 'entry.js'), plugins: [plugin as never], logLevel: 'silent' });
    await bundle.close();
    expected(calls);
  });

  it('keep Vite from calling the plugin for other modules', async () => {
    app2();
    const { build: viteBuild } = await import('vite');
    const { default: kida } = (await import(join(repo, 'dist/plugins/vite.js'))) as { default: (o: object) => Hooked };
    const calls: string[] = [];
    const plugin = recorded(kida({ root: 't', cacheDir: false }), calls);
    await viteBuild({ root: app, logLevel: 'silent', configFile: false, plugins: [plugin as never], build: { ssr: 'entry.js', outDir: join(app, 'dist'), write: false } });
    expected(calls);
  });
});

describe('source maps in Vite builds', () => {
  it('go to the bundler only when the build writes them', async () => {
    files({ 'entry.js': "import page from './t/page.html.kida';\nexport const render = (d) => page.render(d);\n", 't/page.html.kida': '<b>{{ x }}</b>\n{{ y }}' });
    const { build: viteBuild } = await import('vite');
    const { default: kida } = (await import(join(repo, 'dist/plugins/vite.js'))) as { default: (o: object) => { transform: { handler: (...a: string[]) => Promise<{ map: unknown } | null> } } };
    const built = async (sourcemap: boolean) => {
      const plugin = kida({ root: 't', cacheDir: false });
      const maps: unknown[] = [];
      const { handler } = plugin.transform;
      plugin.transform.handler = async function (this: unknown, ...a: string[]) {
        const out = await handler.apply(this, a);
        maps.push(out?.map);
        return out;
      };
      const result = await viteBuild({ root: app, logLevel: 'silent', configFile: false, plugins: [plugin as never], build: { ssr: 'entry.js', outDir: join(app, 'dist'), write: false, sourcemap } });
      const chunk = (Array.isArray(result) ? result[0] : result).output[0] as { map: { sources: string[] } | null };
      return { maps, chunk };
    };
    const without = await built(false);
    expect(without.maps).toEqual([null]); // (nothing for Rolldown to decode and drop)
    expect(without.chunk.map).toBeNull();
    const withMaps = await built(true);
    expect(withMaps.maps).toHaveLength(1);
    expect(withMaps.maps[0]).toMatchObject({ version: 3, sources: [join(app, 't/page.html.kida')] });
    expect(withMaps.chunk.map!.sources.some((s) => s.endsWith('t/page.html.kida'))).toBe(true);
  });
});

describe('warnings in Vite builds', () => {
  it('name the template file, line and column in the message (Vite prints the message alone)', async () => {
    files({
      'entry.js': "import page from './t/page.html.kida';\nexport const render = (d) => page.render(d);\n",
      't/page.html.kida': '{% def card(title) %}{{ title }}{% end %}\n<p>{{ card() }}</p>',
    });
    const { build: viteBuild, createLogger } = await import('vite');
    const { default: kida } = (await import(join(repo, 'dist/plugins/vite.js'))) as { default: (o: object) => object };
    const warned: string[] = [];
    const logger = createLogger('silent');
    logger.warn = (msg: string) => void warned.push(msg);
    await viteBuild({
      root: app,
      customLogger: logger,
      logLevel: 'warn',
      configFile: false,
      plugins: [kida({ root: 't', cacheDir: false, validateCalls: true }) as never],
      build: { ssr: 'entry.js', outDir: join(app, 'dist'), write: false },
    });
    // (1-based column, as kida check prints it: the call's parenthesis)
    expect(warned.join('\n')).toContain("t/page.html.kida:2:11: K-CMP-001 Call to 'card' has invalid arguments: missing required: title");
  });
});
