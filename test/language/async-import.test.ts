// An async template's defs await for real (docs/decisions.md, "Importing an async template"), so an
// async page can import them: `{% import %}` and `{% from … import %}` run an async template's top
// level through its async render. A page compiled sync cannot wait for that, nor can renderBlock's
// setup of the page's top level (sync): they get an error that says so (not "use renderAsync()",
// which the caller may already be doing).
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
};
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
  });

  it('a page compiled sync, and renderBlock, get an error that names the async template and why', async () => {
    const env = makeEnv(templates);
    const t = env.getTemplate('sync.kida');
    const page = env.getTemplate('block.kida');
    for (const attempt of [
      () => t.render(ctx()),
      () => t.renderAsync(ctx()),
      () => joined(t.renderStreamAsync(ctx())),
      () => page.renderBlockAsync('body', ctx()),
      () => joined(page.renderBlockStreamAsync('body', ctx())),
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
