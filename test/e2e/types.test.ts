// Generated declarations type the context and block names: tsc rejects a wrong context
// key or block name in an app that imports compiled templates.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');
const dir = join(root, 'test/.tmp-types');
const tsc = join(root, 'node_modules/.bin/tsc');
const cli = join(root, 'dist/compiler/cli.js');

function typecheck(app: string): { ok: boolean; output: string } {
  writeFileSync(join(dir, 'app.ts'), app);
  try {
    return { ok: true, output: execFileSync(tsc, ['-p', join(dir, 'tsconfig.json')], { encoding: 'utf8' }) };
  } catch (e) {
    return { ok: false, output: String((e as { stdout?: string }).stdout ?? e) };
  }
}

describe('template declarations', () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  it('type Context from {% template %} and the names read, and Blocks from block names', () => {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(join(dir, 'templates'), { recursive: true });
    writeFileSync(join(dir, 'types.ts'), 'export interface Product { name: string; price: number }\n');
    writeFileSync(
      join(dir, 'templates/product.html.kida'),
      '{# @types import type { Product } from "../types.js" #}\n' +
        '{% template product: Product, tags: list[str] %}{% block head %}{{ product.name }}{% end %}{{ tags | join }}',
    );
    writeFileSync(join(dir, 'templates/greet.html.kida'), '{% block main %}Hi {{ name }}{{ title ?? "" }}{% end %}');
    writeFileSync(join(dir, 'templates/base.html.kida'), '<title>{% block head %}{% end %}</title>{% block body %}{% end %}{% region card(n) %}#{{ n }}{% end %}');
    writeFileSync(join(dir, 'templates/child.html.kida'), '{% extends "base.html.kida" %}{% block body %}{{ x }}{% end %}{% region badge(b) %}{{ b }}{% end %}');
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { strict: true, noEmit: true, module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', skipLibCheck: true }, files: ['app.ts'] }),
    );
    execFileSync(process.execPath, [cli, 'compile', join(dir, 'templates'), '--out', join(dir, 'out')], { cwd: dir, stdio: 'pipe' });

    const good = typecheck(
      "import product from './out/product.html.kida.js';\nimport greet from './out/greet.html.kida.js';\n" +
        "product.render({ product: { name: 'mug', price: 3 }, tags: ['a'] });\n" +
        "greet.render({ name: 'ann' });\ngreet.renderBlock('main', { name: 'ann', title: 'x' });\n",
    );
    expect(good.output).toBe('');
    expect(good.ok).toBe(true);

    const wrongField = typecheck("import product from './out/product.html.kida.js';\nproduct.render({ product: { name: 'mug', prize: 3 }, tags: [] });\n");
    expect(wrongField.ok).toBe(false);
    expect(wrongField.output).toMatch(/prize/);

    const wrongName = typecheck("import greet from './out/greet.html.kida.js';\ngreet.render({ nmae: 'ann' });\n");
    expect(wrongName.ok).toBe(false);

    const wrongBlock = typecheck("import greet from './out/greet.html.kida.js';\ngreet.renderBlock('mian', { name: 'a' });\n");
    expect(wrongBlock.ok).toBe(false);
    expect(wrongBlock.output).toMatch(/mian/);

    // Blocks also name regions, and a child's include the blocks it inherits from its parent
    const inherited = typecheck(
      "import child from './out/child.html.kida.js';\n" +
        "child.renderBlock('body', { x: 1 });\nchild.renderBlock('head', { x: 1 });\nchild.renderBlock('card', { n: 1 });\nchild.renderBlock('badge', { b: 1 });\n",
    );
    expect(inherited.output).toBe('');
    const notInherited = typecheck("import child from './out/child.html.kida.js';\nchild.renderBlock('foot', { x: 1 });\n");
    expect(notInherited.ok).toBe(false);
    expect(notInherited.output).toMatch(/foot/);
  }, 120_000);
});

describe('plugin-written declarations', () => {
  const dir2 = join(root, 'test/.tmp-types-plugin');
  afterAll(() => rmSync(dir2, { recursive: true, force: true }));
  it('type `import page from "./page.kida"` in a bundler-resolved app', async () => {
    rmSync(dir2, { recursive: true, force: true });
    mkdirSync(join(dir2, 'templates'), { recursive: true });
    const file = join(dir2, 'templates/card.html.kida');
    writeFileSync(file, '{% template title: str, count: int %}{% block body %}{{ title }}{{ count }}{% end %}');
    const { default: kida } = await import(join(root, 'dist/plugins/rollup.js'));
    const plugin = kida({ root: join(dir2, 'templates'), dts: true });
    const ctx = { error: (e: { message: string }) => { throw new Error(e.message); }, warn() {} };
    await plugin.transform.handler.call(ctx, readFileSync(file, 'utf8'), file);
    writeFileSync(
      join(dir2, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { strict: true, noEmit: true, module: 'ESNext', moduleResolution: 'Bundler', target: 'ES2022', allowArbitraryExtensions: true, skipLibCheck: true }, files: ['app.ts'] }),
    );
    const check = (app: string) => {
      writeFileSync(join(dir2, 'app.ts'), app);
      try {
        execFileSync(tsc, ['-p', join(dir2, 'tsconfig.json')], { encoding: 'utf8' });
        return true;
      } catch {
        return false;
      }
    };
    expect(check("import card from './templates/card.html.kida';\ncard.render({ title: 't', count: 1 });\n")).toBe(true);
    expect(check("import card from './templates/card.html.kida';\ncard.render({ title: 't', count: 'one' });\n")).toBe(false);
    expect(check("import card from './templates/card.html.kida';\ncard.renderBlock('head', { title: 't', count: 1 });\n")).toBe(false);

    // names the app's globals module provides are optional context keys
    writeFileSync(join(dir2, 'globals.js'), "export const site = 'Shop';\n");
    const footer = join(dir2, 'templates/footer.html.kida');
    writeFileSync(footer, '<footer>{{ site }} {{ year }}</footer>');
    const withGlobals = kida({ root: join(dir2, 'templates'), globals: join(dir2, 'globals.js'), dts: true });
    await withGlobals.transform.handler.call(ctx, readFileSync(footer, 'utf8'), footer);
    expect(readFileSync(join(dir2, 'templates/footer.html.d.kida.ts'), 'utf8')).toContain('export type Context = { site?: unknown; year: unknown; }');
    expect(check("import footer from './templates/footer.html.kida';\nfooter.render({ year: 2026 });\n")).toBe(true);
    expect(check("import footer from './templates/footer.html.kida';\nfooter.render({ site: 'Other', year: 2026 });\n")).toBe(true);
    expect(check("import footer from './templates/footer.html.kida';\nfooter.render({ site: 'Other' });\n")).toBe(false);
  }, 120_000);
});
