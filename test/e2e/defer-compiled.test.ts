// `{% defer %}` on the bundle path: compile() output as real ES modules (static imports between
// templates, `kida/runtime` through package exports), and Rollup bundles with the kida plugin,
// where only bundles whose templates defer carry the out-of-order runtime.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile, relativeImport } from '../../compiler/index.js';
import { chunksOf, later, settle } from '../defer-support.js';

const root = join(import.meta.dirname, '../..');
const dir = join(import.meta.dirname, '.out-defer');
const templates: Record<string, string> = {
  'base.html.kida': '<main>{% block content %}{% end %}</main>{% include "foot.html.kida" %}',
  'foot.html.kida': '<footer>{{ year }}</footer>',
  'ui.html.kida': '{% def stats(s) %}{% defer v = s %}<b>{{ v.n }}</b>{% placeholder %}<i>…</i>{% fallback e %}<i>{{ e.type }}</i>{% end %}{% end %}',
  'page.html.kida':
    '{% extends "base.html.kida" %}{% from "ui.html.kida" import stats %}' +
    '{% block content %}<h1>{{ title }}</h1>{% defer rows = rows %}<ul>{% for r in rows %}<li>{{ r }}</li>{% end %}</ul>' +
    '{% placeholder %}<p>loading</p>{% end %}{{ stats(s) }}{% end %}',
  'plain.html.kida': '<p>{{ title }}</p>',
};

async function load(name: string): Promise<any> {
  return (await import(pathToFileURL(join(dir, name + '.mjs')).href)).default;
}

beforeAll(() => {
  rmSync(dir, { recursive: true, force: true });
  for (const [name, source] of Object.entries(templates)) {
    const { code } = compile(source, { name, importPath: (t, f) => relativeImport(t, f) + '.mjs' });
    const file = join(dir, name + '.mjs');
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, code);
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('{% defer %} in compiled ES modules', () => {
  const want = '<main><h1>T</h1><ul><li>a</li><li>&lt;b&gt;</li></ul><b>7</b></main><footer>2026</footer>';

  it('renders in place with ready values in render, renderStream and renderAsync', async () => {
    const page = await load('page.html.kida');
    const ctx = { title: 'T', rows: ['a', '<b>'], s: { n: 7 }, year: 2026 };
    expect(page.render(ctx)).toBe(want);
    expect([...page.renderStream(ctx)].join('')).toBe(want);
    expect(await page.renderAsync(ctx)).toBe(want);
    expect(page.renderBlock('content', ctx)).toBe('<h1>T</h1><ul><li>a</li><li>&lt;b&gt;</li></ul><b>7</b>');
  });
  it('streams out of order with promised values: the footer first, the same document once applied', async () => {
    const page = await load('page.html.kida');
    const ctx = () => ({ title: 'T', rows: later(['a', '<b>'], 30), s: later({ n: 7 }, 10), year: 2026 });
    const text = (await chunksOf(page, ctx())).join('');
    expect(text.indexOf('<footer>2026</footer>')).toBeLessThan(text.indexOf('<template'));
    expect(text).toContain('<kida-defer id="kida-defer-1"><p>loading</p></kida-defer><kida-defer id="kida-defer-2"><i>…</i></kida-defer>');
    // the def's part resolves first
    expect([...text.matchAll(/<template id="kida-defer-(\d)-t">/g)].map((m) => m[1])).toEqual(['2', '1']);
    expect(settle(text)).toBe(want);
    expect(await page.renderAsync(ctx())).toBe(want);
  });
  it('falls back inside the def when its value rejects', async () => {
    const page = await load('page.html.kida');
    const text = (await chunksOf(page, { title: 'T', rows: [], s: Promise.reject(new Error('x')), year: 1 })).join('');
    expect(settle(text)).toBe('<main><h1>T</h1><ul></ul><i>TemplateRuntimeError</i></main><footer>1</footer>');
  });
  it('a module that does not defer imports nothing of it', () => {
    const plain = compile(templates['plain.html.kida']!, { name: 'plain.html.kida' }).code;
    expect(plain).not.toMatch(/defer/i);
    const deferring = compile(templates['ui.html.kida']!, { name: 'ui.html.kida' }).code;
    expect(deferring).toMatch(/useDefer as \$useDefer/);
  });
});

describe('{% defer %} in Rollup bundles (kida/rollup)', () => {
  it('carries the out-of-order runtime only in bundles whose templates defer', async () => {
    const { rollup } = await import('rollup');
    const { default: kida } = await import(join(root, 'dist/plugins/rollup.js'));
    const entry = (name: string) => {
      const file = join(dir, `entry-${name}.js`);
      writeFileSync(file, `import t from './${name}';\nexport const render = (c) => t.renderStreamAsync(c);\n`);
      return file;
    };
    const build = async (name: string) => {
      const bundle = await rollup({ input: entry(name), plugins: [kida({ root: dir, cacheDir: false })], logLevel: 'silent' });
      const { output } = await bundle.generate({ format: 'es' });
      return output[0].code;
    };
    for (const [name, source] of Object.entries(templates)) writeFileSync(join(dir, name), source);
    const plain = await build('plain.html.kida');
    expect(plain).not.toContain('kidaDefer');
    expect(plain).not.toContain('kida-defer');
    const page = await build('page.html.kida');
    expect(page).toContain('function kidaDefer(');
    expect(page).toContain('<kida-defer id=');
  }, 60_000);
});

describe('{% defer %} example (examples/streaming/defer.mjs) and kida check', () => {
  it('serves the footer before the slow part, and the same document as the in-order render', async () => {
    const { start, deferred, deferredContext } = await import('../../examples/streaming/defer.mjs');
    const server = await start(0, { delayMs: 300 });
    try {
      const res = await fetch(`http://127.0.0.1:${server.address().port}/`);
      const nonce = /'nonce-([^']+)'/.exec(res.headers.get('content-security-policy')!)![1]!;
      const t0 = Date.now();
      const seen: [number, string][] = [];
      const decoder = new TextDecoder();
      for await (const c of res.body as unknown as AsyncIterable<Uint8Array>) seen.push([Date.now() - t0, decoder.decode(c, { stream: true })]);
      const text = seen.map(([, c]) => c).join('');
      const footerAt = seen.find(([, c]) => c.includes('<footer>'))![0];
      const partAt = seen.find(([, c]) => c.includes('<template'))![0];
      expect(partAt - footerAt).toBeGreaterThan(150);
      expect(text).toContain(`<script nonce="${nonce}">`);
      expect(settle(text)).toBe(await deferred.renderAsync(deferredContext({ delayMs: 1 })));
      expect(settle(text)).toContain('<li>visits: 1234</li>');
    } finally {
      server.close();
    }
  });
  it('kida check warns K-EXT-001 where a template defers (and --strict fails on it)', async () => {
    const { spawnSync } = await import('node:child_process');
    const cli = join(root, 'dist/compiler/cli.js');
    const file = join(dir, 'ui.html.kida');
    writeFileSync(file, templates['ui.html.kida']!);
    const res = spawnSync(process.execPath, [cli, 'check', file], { encoding: 'utf8' });
    expect(res.status).toBe(0);
    expect(res.stderr).toMatch(/ui\.html\.kida:1:\d+: K-EXT-001 \{% defer %\} is an extension of Kida for JavaScript/);
    expect(spawnSync(process.execPath, [cli, 'check', '--strict', file], { encoding: 'utf8' }).status).toBe(1);
  });
});
