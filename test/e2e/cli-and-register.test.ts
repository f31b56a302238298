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
    expect(readFileSync(join(dir, 'out/page.html.kida.d.ts'), 'utf8')).toMatch(/TypedTemplate<Context, BlockContexts>/);
    JSON.parse(readFileSync(join(dir, 'out/page.html.kida.js.map'), 'utf8'));
    const out = execFileSync(process.execPath, ['-e', `import('./out/page.html.kida.js').then(m => process.stdout.write(m.render({ name: 'ann' })))`], { cwd: dir, encoding: 'utf8' });
    expect(out).toBe('<p>Hi ANN</p>Welcome');
  });
  it('check reports file:line:col: CODE message and exits 1', () => {
    writeFileSync(join(dir, 'templates/bad.html.kida'), 'ok\n{{ x | upperr }}');
    const res = run(['check', 'templates']);
    expect(res.status).toBe(1);
    expect(res.stderr).toMatch(/templates\/bad\.html\.kida:2:8: K-PAR-004 Unknown filter 'upperr'/); // 1-based column, like tsc
    expect(res.stderr.match(/Did you mean 'upper'/g)).toHaveLength(1); // the hint once, not again in parentheses
    rmSync(join(dir, 'templates/bad.html.kida'));
    expect(run(['check', 'templates']).status).toBe(0);
  });
  it('check counts warnings in its summary: they pass without --strict, but the user is told there are some', () => {
    writeFileSync(join(dir, 'templates/calls.html.kida'), '{% from "parts/ui.html.kida" import hi %}{{ hi() }}{{ hi(1, 2) }}');
    const res = run(['check', 'templates', '--validate-calls']);
    expect(res.status).toBe(0);
    expect(res.stderr.match(/K-CMP-001/g)).toHaveLength(2);
    expect(res.stderr).toMatch(/\nkida: 3 templates checked, 0 with errors, 2 warnings\n$/);
    const strict = run(['check', 'templates', '--validate-calls', '--strict']);
    expect([strict.status, strict.stderr.endsWith('kida: 3 templates checked, 1 with errors, 2 warnings\n')]).toEqual([1, true]);
    rmSync(join(dir, 'templates/calls.html.kida'));
    expect(run(['check', 'templates', '--validate-calls']).stderr).toBe('kida: 2 templates checked, 0 with errors\n');
  });
  it('render prints a template with JSON data, whole or streamed', () => {
    const res = run(['render', 'templates/page.html.kida', '--root', 'templates', '--data', '{"name":"bo"}', '--stream']);
    expect(res.stdout).toBe('<p>Hi BO</p>Welcome');
  });
  it('render uses the filters, tests and globals modules named in kida.config', () => {
    const app = join(dir, 'with-modules');
    mkdirSync(app, { recursive: true });
    writeFileSync(join(app, 'filters.mjs'), "export const shout = (s) => String(s).toUpperCase() + '!';\n");
    writeFileSync(join(app, 'tests.mjs'), 'export const big = (n) => n > 9;\n');
    writeFileSync(join(app, 'globals.mjs'), "export const site = 'Shop';\n");
    writeFileSync(join(app, 'kida.config.json'), JSON.stringify({ filters: './filters.mjs', tests: './tests.mjs', globals: './globals.mjs' }));
    writeFileSync(join(app, 'p.kida'), '{{ x | shout }} {{ 10 is big }} {{ site }}');
    expect(run(['render', 'p.kida', '--data', '{"x":"hi"}'], app).stdout).toBe('HI! True Shop');
    writeFileSync(join(app, 'kida.config.json'), JSON.stringify({ filters: './missing.mjs' }));
    const res = run(['render', 'p.kida'], app);
    expect(res.status).toBe(2);
    // one line naming the option and the path, no stack
    expect(res.stderr).toBe(
      `kida: The filters module ./missing.mjs named in ${join(app, 'kida.config.json')} (option 'filters') does not exist (looked for ${join(app, 'missing.mjs')})\n`,
    );
  });
  it('compile --out gives the modules it writes the globals, tests and aliases of kida.config', () => {
    // (they rendered with kida/runtime's bare registry: a global read by the page was undefined)
    const app = join(dir, 'compiled-with-modules');
    mkdirSync(join(app, 'views/widgets'), { recursive: true });
    writeFileSync(join(app, 'tests.mjs'), 'export const cheap = (p) => p.price < 5;\n');
    writeFileSync(join(app, 'globals.mjs'), "export const site = 'Shop';\n");
    writeFileSync(join(app, 'kida.config.json'), JSON.stringify({ root: 'views', tests: './tests.mjs', globals: './globals.mjs', templateAliases: { ui: 'widgets' } }));
    writeFileSync(join(app, 'views/widgets/price.kida'), '{{ p.name }}{% if p is cheap %}*{% end %}');
    // a name computed at run time goes through the registry: the alias must be there too
    writeFileSync(join(app, 'views/shop.kida'), '{{ site }}:{% for p in items | select("cheap") %} {{ p.name }}{% end %} |{% for p in items %} {% include widget %}{% end %}');
    const res = run(['compile', '--out', 'out'], app);
    expect(res.status).toBe(0);
    // the setup module is imported after the code, so the source map's lines are unchanged
    expect(readFileSync(join(app, 'out/shop.kida.js'), 'utf8')).toMatch(/\nimport "\.\/kida-setup\.js";\n\/\/# sourceMappingURL=shop\.kida\.js\.map\n$/);
    expect(readFileSync(join(app, 'out/widgets/price.kida.js'), 'utf8')).toContain('import "../kida-setup.js";');
    const script = [
      "const shop = (await import('./out/shop.kida.js')).default;",
      "await import('./out/widgets/price.kida.js');",
      "const items = [{ name: 'pot', price: 3 }, { name: 'urn', price: 30 }];",
      "process.stdout.write(shop.render({ items, widget: '@ui/price.kida' }));",
    ].join('\n');
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: app, encoding: 'utf8' });
    expect(out).toBe('Shop: pot | pot* urn');
  });
  it('--autoescape markdown compiles and renders in Markdown mode', () => {
    const app = join(dir, 'markdown');
    mkdirSync(app, { recursive: true });
    writeFileSync(join(app, 'notes.md.kida'), '{{ title | bold }} {{ note }} ({{ output_format }})');
    const data = '{"title":"a*b","note":"1_2"}';
    expect(run(['render', 'notes.md.kida', '--data', data, '--autoescape', 'markdown'], app).stdout).toBe('**a\\*b** 1\\_2 (markdown)');
    expect(run(['check', '.', '--autoescape', 'markdown'], app).status).toBe(0);
    expect(run(['check', '.'], app).stderr).toMatch(/K-PAR-004 Unknown filter 'bold'/); // Markdown filters only in Markdown mode
    expect(run(['compile', '.', '--out', 'out', '--autoescape', 'markdown'], app).status).toBe(0);
    const out = execFileSync(process.execPath, ['-e', `import('./out/notes.md.kida.js').then(m => process.stdout.write(m.render(${data})))`], { cwd: app, encoding: 'utf8' });
    expect(out).toBe('**a\\*b** 1\\_2 (markdown)');
    const bad = run(['render', 'notes.md.kida', '--autoescape', 'md'], app);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--autoescape must be html, markdown or none, not 'md'/);
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
  it('kida/register: a runtime error shows the lines of the template it happened in', () => {
    writeFileSync(join(dir, 'kida.config.json'), JSON.stringify({ root: 'templates' }));
    writeFileSync(join(dir, 'templates/parts/row.html.kida'), '<tr>\n<td>{{ row.name }}</td>\n<td>{{ row.owner.email }}</td>\n</tr>');
    writeFileSync(join(dir, 'templates/table.html.kida'), '<table>{% for row in rows %}{% include "parts/row.html.kida" %}{% end %}</table>');
    const app = "import t from './templates/table.html.kida';\ntry { t.render({ rows: [{ name: 'a', owner: {} }] }); } catch (e) { process.stdout.write(e.message); }\n";
    writeFileSync(join(dir, 'fail.mjs'), app);
    const out = execFileSync(process.execPath, ['--import', 'kida/register', 'fail.mjs'], { cwd: dir, encoding: 'utf8' });
    expect(out).toContain("Undefined attribute/key 'dict.email' in parts/row.html.kida:3");
    expect(out).toContain('>  3 | <td>{{ row.owner.email }}</td>');
    expect(out).toContain('   2 | <td>{{ row.name }}</td>');
    rmSync(join(dir, 'templates/parts/row.html.kida'));
    rmSync(join(dir, 'templates/table.html.kida'));
  });
});
