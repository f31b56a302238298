// An async template's defs await for real (docs/decisions.md, "Importing an async template"), so an
// async page can import them: `{% import %}` and `{% from … import %}` run an async template's top
// level through its async render, also where renderBlock sets up the page's top level (an async
// page's prelude is async). A page compiled sync cannot wait for that: it gets an error that says
// so (not "use renderAsync()", which the caller may already be doing).
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { compile, relativeImport } from '../../compiler/index.js';
import { makeEnv } from '../support.js';

const templates: Record<string, string> = {
  'lib.kida': '{% let greeting = "hi" %}{% def card(p) %}<b>{{ await p }}</b>{% end %}{% def plain(x) %}<i>{{ x }}</i>{% end %}',
  'from.kida': '{% from "lib.kida" import card, plain %}{{ await head }}|{{ card(p) }}{{ plain("<") }}',
  'ns.kida': '{% import "lib.kida" as ui %}{{ await head }}|{{ ui.card(p) }}{{ ui.plain(1) }}{{ ui.greeting }}',
  'block.kida': '{% extends "base.kida" %}{% from "lib.kida" import card %}{% block body %}{{ await head }}{{ card(p) }}{% end %}',
  'base.kida': '<main>{% block body %}{% end %}</main>',
  'sync.kida': '{% from "lib.kida" import card %}{{ card(p) }}',
  // an async page whose top level awaits (a `let`) and imports, under a sync layout and a sync child
  'mid.kida': '{% extends "base.kida" %}{% import "lib.kida" as ui %}{% let who = await head %}{% block body %}[{{ who }}]{{ ui.card(p) }}{{ ui.greeting }}{% end %}',
  'leaf.kida': '{% extends "mid.kida" %}{% block body %}leaf:{{ who }}{{ ui.greeting }}{% end %}',
  'syncblock.kida': '{% extends "mid.kida" %}',
};
// renderBlock* of a page: [template, block, output]
const blocks: [string, string, string][] = [
  ['block.kida', 'body', 'H<b>&lt;x&gt;</b>'],
  ['mid.kida', 'body', '[H]<b>&lt;x&gt;</b>hi'],
  ['leaf.kida', 'body', 'leaf:Hhi'],
];
const ctx = () => ({ head: Promise.resolve('H'), p: new Promise((r) => setTimeout(() => r('<x>'), 5)) });
const expected: Record<string, string> = {
  'from.kida': 'H|<b>&lt;x&gt;</b><i>&lt;</i>',
  'ns.kida': 'H|<b>&lt;x&gt;</b><i>1</i>hi',
  'block.kida': '<main>H<b>&lt;x&gt;</b></main>',
};

async function joined(chunks: AsyncIterable<string>): Promise<string> {
  let s = '';
  for await (const c of chunks) s += c;
  return s;
}

describe('an async page imports an async template', () => {
  const dir = join(import.meta.dirname, '.out-async-import');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('through the Environment: renderAsync, renderStreamAsync and the block', async () => {
    const env = makeEnv(templates);
    for (const [name, want] of Object.entries(expected)) {
      const t = env.getTemplate(name);
      expect(await t.renderAsync(ctx())).toBe(want);
      expect(await joined(t.renderStreamAsync(ctx()))).toBe(want);
    }
    for (const [name, block, want] of blocks) {
      const t = env.getTemplate(name);
      expect(await t.renderBlockAsync(block, ctx())).toBe(want);
      expect(await joined(t.renderBlockStreamAsync(block, ctx()))).toBe(want);
    }
  });

  it('through compiled modules, as bundles run them', async () => {
    for (const [name, source] of Object.entries(templates)) {
      const { code } = compile(source, { name, importPath: (t, f) => relativeImport(t, f) + '.mjs' });
      const file = join(dir, name + '.mjs');
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, code);
    }
    for (const [name, want] of Object.entries(expected)) {
      const mod = (await import(pathToFileURL(join(dir, name + '.mjs')).href)) as Record<string, any>;
      expect(await mod.renderAsync(ctx())).toBe(want);
      expect(await joined(mod.renderStreamAsync(ctx()))).toBe(want);
    }
    for (const [name, block, want] of blocks) {
      const mod = (await import(pathToFileURL(join(dir, name + '.mjs')).href)) as Record<string, any>;
      expect(await mod.default.renderBlockAsync(block, ctx())).toBe(want);
      expect(await joined(mod.default.renderBlockStreamAsync(block, ctx()))).toBe(want);
    }
  });

  it('a page compiled sync, and renderBlock, get an error that names the async template and why', async () => {
    const env = makeEnv(templates);
    const t = env.getTemplate('sync.kida');
    const page = env.getTemplate('block.kida');
    for (const attempt of [
      () => t.render(ctx()),
      () => t.renderAsync(ctx()),
      () => joined(t.renderStreamAsync(ctx())),
    ]) {
      let err: any;
      try {
        await attempt();
      } catch (e) {
        err = e;
      }
      expect(err?.code).toBe('K-RUN-007');
      expect(err.message).toContain("Template 'lib.kida' is async (await at line 1): only an async template");
      expect(['sync.kida', 'block.kida']).toContain(err.templateName);
      expect(err.lineno).toBe(1);
    }
  });
});

describe("renderBlock of a page whose top level awaits", () => {
  it('a sync entry point, and a sync page under an async parent, say to use the async ones', async () => {
    const env = makeEnv(templates);
    for (const [name, attempt] of [
      ['mid.kida', (t: any) => t.renderBlock('body', ctx())],
      ['syncblock.kida', (t: any) => t.renderBlock('body', ctx())],
      ['syncblock.kida', (t: any) => [...t.renderBlockStream('body', ctx())]],
    ] as const) {
      let err: any;
      try {
        attempt(env.getTemplate(name));
      } catch (e) {
        err = e;
      }
      expect(err?.code).toBe('K-RUN-007');
      expect(err.message).toMatch(/is async.*use render(Block)?Async\(\)/);
    }
    // and a sync page under an async parent renders its block through the async entry points
    const t = env.getTemplate('syncblock.kida');
    expect(await t.renderBlockAsync('body', ctx())).toBe('[H]<b>&lt;x&gt;</b>hi');
  });

  it('a prelude that fails rejects the render and leaves nothing unhandled, read or not', async () => {
    const env = makeEnv({ ...templates, 'bad.kida': '{% extends "base.kida" %}{% let who = await head %}{% block body %}{{ who }}{% end %}' });
    const t = env.getTemplate('bad.kida');
    const unhandled: unknown[] = [];
    const on = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', on);
    try {
      const failing = () => ({ head: Promise.reject(new Error('boom')) });
      await expect(t.renderBlockAsync('body', failing())).rejects.toThrow('boom');
      await expect(joined(t.renderBlockStreamAsync('body', failing()))).rejects.toThrow('boom');
      t.renderBlockStreamAsync('body', failing()); // never read
      await new Promise((r) => setTimeout(r, 20));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', on);
    }
  });
});
