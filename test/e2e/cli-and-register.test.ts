// The kida CLI and the Node module hook, run as real processes.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');
const dir = join(root, 'test/.tmp-cli');
const cli = join(root, 'dist/compiler/cli.js');
const run = (args: string[], cwd = dir) => spawnSync(process.execPath, [cli, ...args], { cwd, encoding: 'utf8' });

describe('kida CLI and kida/register', () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'templates/parts'), { recursive: true });
  writeFileSync(join(dir, 'templates/page.html.kida'), '{% from "parts/ui.html.kida" import hi %}<p>{{ hi(name) }}</p>{% trans %}Welcome{% endtrans %}');
  writeFileSync(join(dir, 'templates/parts/ui.html.kida'), '{% def hi(who) %}Hi {{ who | upper }}{% end %}');

  it('compile writes modules, source maps and declarations that run', () => {
    const res = run(['compile', 'templates', '--out', 'out']);
    expect(res.status).toBe(0);
    expect(readFileSync(join(dir, 'out/page.html.kida.d.ts'), 'utf8')).toMatch(/Template<Context, Blocks>/);
    JSON.parse(readFileSync(join(dir, 'out/page.html.kida.js.map'), 'utf8'));
    const out = execFileSync(process.execPath, ['-e', `import('./out/page.html.kida.js').then(m => process.stdout.write(m.render({ name: 'ann' })))`], { cwd: dir, encoding: 'utf8' });
    expect(out).toBe('<p>Hi ANN</p>Welcome');
  });
  it('check reports file:line:col: CODE message and exits 1', () => {
    writeFileSync(join(dir, 'templates/bad.html.kida'), 'ok\n{{ x | upperr }}');
    const res = run(['check', 'templates']);
    expect(res.status).toBe(1);
    expect(res.stderr).toMatch(/templates\/bad\.html\.kida:2:7: K-PAR-004 Unknown filter 'upperr'/);
    rmSync(join(dir, 'templates/bad.html.kida'));
    expect(run(['check', 'templates']).status).toBe(0);
  });
  it('render prints a template with JSON data, whole or streamed', () => {
    const res = run(['render', 'templates/page.html.kida', '--root', 'templates', '--data', '{"name":"bo"}', '--stream']);
    expect(res.stdout).toBe('<p>Hi BO</p>Welcome');
  });
  it('extract writes a POT catalogue', () => {
    const res = run(['extract', 'templates']);
    expect(res.stdout).toMatch(/msgid "Welcome"/);
  });
  it('explains bad invocations', () => {
    const res = run(['compile']);
    expect(res.status).toBe(2);
    expect(res.stderr).toMatch(/compile needs a directory/);
  });
  it('node --import kida/register imports .kida files', () => {
    // root-relative names ("parts/ui.html.kida") resolve against the configured root
    writeFileSync(join(dir, 'kida.config.json'), JSON.stringify({ root: 'templates' }));
    writeFileSync(join(dir, 'app.mjs'), "import page from './templates/page.html.kida';\nprocess.stdout.write(page.render({ name: 'cy' }));\n");
    const out = execFileSync(process.execPath, ['--import', 'kida/register', 'app.mjs'], { cwd: dir, encoding: 'utf8' });
    expect(out).toBe('<p>Hi CY</p>Welcome');
  });
});
