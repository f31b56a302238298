// The error audit's command-line half (issue #19 §1): a kida.config that cannot be used is one
// `kida: …` line and exit code 2, never a stack trace; and a syntax error is reported at the
// same place by compile(), the Environment, the Rollup plugin (`loc`, `frame`) and `kida check`.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeFiles } from '../support.js';
import { compile } from '../../dist/compiler/index.js';
import { Environment, FileSystemLoader } from '../../dist/compiler/environment.js';
import type { TemplateError } from '../../dist/runtime/index.js';

const repo = join(import.meta.dirname, '../..');
const cli = join(repo, 'dist/compiler/cli.js');
const tmp = mkdtempSync(join(tmpdir(), 'kida-errors-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;
const app = (map: Record<string, string>): string => writeFiles(join(tmp, `app${n++}`), map);
const run = (args: string[], cwd: string) => spawnSync(process.execPath, [cli, ...args], { cwd, encoding: 'utf8' });

describe('a kida.config that cannot be used', () => {
  it.each([
    ['a root that is a number', 'export default { root: 5 };', /^kida: Option 'root' in .*kida\.config\.mjs is a path, a string \(got number\)/],
    ['an autoescape value that is none', "export default { root: 't', autoescape: 'yes' };", /^kida: Option 'autoescape' in .*: ValueError: Invalid autoescape value 'yes'/],
    ['a promise (resolving)', 'export default Promise.resolve({ root: "t" });', /^kida: .*kida\.config\.mjs exports a promise/],
    ['a promise (rejecting)', "export default Promise.reject(new Error('no'));", /^kida: .*kida\.config\.mjs exports a promise/],
    ['a root that does not exist', "export default { root: 'nowhere' };", /^kida: The root nowhere named in .* does not exist/],
  ])('%s: one line naming the option, exit code 2', (_, config, message) => {
    const dir = app({ 'kida.config.mjs': config, 't/page.kida': 'ok' });
    const res = run(['check'], dir);
    expect(res.stderr).toMatch(message);
    expect(res.stderr).not.toMatch(/\n\s+at /); // (no stack trace)
    expect(res.status).toBe(2);
  });

  it('plugin options with a root that is no string are a ConfigError too', async () => {
    const { resolveOptions } = await import('../../dist/plugins/config.js');
    await expect(resolveOptions(tmp, { root: 5 as unknown as string, config: false })).rejects.toThrow(/Option 'root' in the kida plugin options is a path/);
  });
});

describe('one syntax error, reported at one place by every tool', () => {
  const cases: [string, string][] = [
    ['bad.kida', 'ok\n{% if x %}\n  {{ a +* }}\n{% end %}\n'],
    ['crlf.kida', 'é\r\n{{ x | nosuch }}\n'],
    ['eof.kida', 'x\n{% if a %}'],
    ['tab.kida', '\t\t{{ "unclosed }}\n'],
  ];
  it.each(cases)('%s', async (file, source) => {
    const dir = app({ 'kida.config.mjs': "export default { root: 't' };", [`t/${file}`]: source, 'entry.js': `import t from './t/${file}'; export default t;` });
    const viaCompile = (() => {
      try {
        compile(source, { name: file });
      } catch (e) {
        return e as TemplateError;
      }
      throw new Error('compiled');
    })();
    const viaEnv = (() => {
      try {
        new Environment({ loader: new FileSystemLoader(join(dir, 't')) }).getTemplate(file);
      } catch (e) {
        return e as TemplateError;
      }
      throw new Error('compiled');
    })();
    expect([viaEnv.code, viaEnv.lineno, viaEnv.colno]).toEqual([viaCompile.code, viaCompile.lineno, viaCompile.colno]);

    const { rollup } = await import('rollup');
    const { default: kida } = (await import(join(repo, 'dist/plugins/rollup.js'))) as { default: (o: object) => object };
    const cwd = process.cwd();
    process.chdir(dir);
    let rolled: { id?: string; loc?: { line: number; column: number }; frame?: string } = {};
    try {
      await rollup({ input: join(dir, 'entry.js'), plugins: [kida({ cacheDir: false }) as never], logLevel: 'silent' });
    } catch (e) {
      rolled = e as typeof rolled;
    } finally {
      process.chdir(cwd);
    }
    expect(rolled.id).toBe(join(dir, 't', file));
    // (Rollup's columns are 0-based, as TemplateError's)
    expect(rolled.loc).toMatchObject({ line: viaCompile.lineno, column: viaCompile.colno });
    expect(rolled.frame).toContain(source.split('\n')[viaCompile.lineno! - 1]!.replace(/\r$/, ''));

    const res = run(['check', '--format', 'json'], dir);
    expect(res.status).toBe(1);
    const [d] = (JSON.parse(res.stdout) as { diagnostics: { code: string; range: { start: { line: number; column: number } } }[] }).diagnostics;
    expect(d).toMatchObject({ code: viaCompile.code, range: { start: { line: viaCompile.lineno, column: viaCompile.colno } } });
    // the text format is 1-based in columns, as tsc and ESLint
    expect(run(['check'], dir).stderr).toContain(`t/${file}:${viaCompile.lineno}:${viaCompile.colno! + 1}: ${viaCompile.code}`);
    expect(readFileSync(join(dir, 't', file), 'utf8')).toBe(source);
  });
});
