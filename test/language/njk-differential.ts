// Differential checks of `compat: 'nunjucks'` against Nunjucks 3.2.4 itself: the expected text (or
// error) is Nunjucks' own, computed at test time, and Kida must give it through every entry point
// — render, renderStream, renderStreamAsync, renderAsync, renderBlock (when the template is one
// block), and the compiled module that compile() writes (linked against the runtime sources).
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import nunjucks from 'nunjucks';
import { expect } from 'vitest';
import { compile } from '../../compiler/index.js';
import { makeEnv } from '../support.js';
import { textOrError } from '../security/every-way.js';

type Ctx = Record<string, unknown>;
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const RUNTIME = pathToFileURL(join(ROOT, 'runtime')).href;
let dirs = 0;

/** Nunjucks' text, or `Error: <message>` when it throws. */
export function nunjucksOutcome(files: Record<string, string>, src: string, ctx: Ctx, setup?: (env: nunjucks.Environment) => void): string {
  const loader = new (nunjucks.Loader.extend({ getSource: (n: string) => (n in files ? { src: files[n]!, path: n, noCache: true } : null) }))();
  const env = new nunjucks.Environment(loader, { autoescape: true });
  setup?.(env);
  try {
    return env.renderString(src, ctx);
  } catch (e) {
    // ("(unknown path) [Line 1, Column 31]\n  unknown block tag: endeach": the message is the last line)
    return `Error: ${(e as Error).message.split('\n').pop()!.trim().replace(/^(?:Type)?Error: /, '')}`;
  }
}

/** Kida's outcome is Nunjucks': the same text, or an error whose message contains Nunjucks' message. */
function expectSame(got: string, want: string, label: string): void {
  if (want.startsWith('Error: ') && got.startsWith('Error: ')) expect(got, label).toContain(want.slice(7));
  else expect(got, label).toBe(want);
}

/** `textOrError`'s outcome as text: the rendered text, or `Error: <message>`. */
async function outcome(f: () => unknown): Promise<string> {
  const r = await textOrError(f);
  return typeof r === 'string' ? r : `Error: ${r.message}`;
}

type Renderable = {
  render(c: Ctx): string;
  renderStream(c: Ctx): Iterable<string>;
  renderAsync(c: Ctx): Promise<string>;
  renderStreamAsync(c: Ctx): AsyncIterable<string>;
  renderBlock(b: string, c: Ctx): string;
};

/** The template compiled to ES modules (one per file, imports rewritten to files on disk), loaded. */
export async function compiledModule(files: Record<string, string>, src: string): Promise<Renderable> {
  const dir = join(ROOT, 'test', `.tmp-njk-diff-${process.pid}-${dirs++}`);
  mkdirSync(dir, { recursive: true });
  const all = { ...files, 'page.njk': src };
  for (const [name, source] of Object.entries(all)) {
    const { code } = compile(source, { name, compat: 'nunjucks' });
    const linked = code
      .replace(/from "kida\/runtime\/nunjucks"/g, `from "${RUNTIME}/nunjucks/index.ts"`)
      .replace(/from "kida\/runtime"/g, `from "${RUNTIME}/helpers.ts"`)
      .replace(/from "\.\/([^"]+)\.njk"/g, 'from "./$1.njk.mjs"');
    writeFileSync(join(dir, `${name}.mjs`), linked);
  }
  try {
    return ((await import(pathToFileURL(join(dir, 'page.njk.mjs')).href)) as { default: Renderable }).default;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Kida's outcome through every entry point; each must equal `want`. */
export async function expectEveryWay(files: Record<string, string>, src: string, ctx: Ctx, want: string, block?: string, compiled = true): Promise<void> {
  const forms: [string, Renderable][] = [];
  for (const options of [{ compat: 'nunjucks' as const }, { compat: 'nunjucks' as const, strictUndefined: false }]) {
    let t: Renderable;
    try {
      t = makeEnv(files, options).fromString(src) as unknown as Renderable;
    } catch (e) {
      expectSame(`Error: ${(e as Error).message}`, want, src);
      return;
    }
    forms.push([`env ${JSON.stringify(options)}`, t]);
  }
  if (compiled) forms.push(['compiled module', await compiledModule(files, src)]);
  for (const [form, t] of forms) {
    const ways: Record<string, () => unknown> = {
      render: () => t.render(ctx),
      renderStream: () => t.renderStream(ctx),
      renderStreamAsync: () => t.renderStreamAsync(ctx),
      renderAsync: () => t.renderAsync(ctx),
    };
    if (block) ways.renderBlock = () => t.renderBlock(block, ctx);
    for (const [way, f] of Object.entries(ways)) expectSame(await outcome(f), want, `${form} ${way}: ${src}`);
  }
}

/** Renders `src` with Nunjucks and with Kida every way; returns Nunjucks' outcome. */
export async function sameAsNunjucks(files: Record<string, string>, src: string, ctx: Ctx = {}, block?: string): Promise<string> {
  const want = nunjucksOutcome(files, src, ctx);
  await expectEveryWay(files, src, ctx, want, block);
  return want;
}
