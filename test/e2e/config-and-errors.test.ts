// Issue #21: one configuration for the plugins and every CLI command, options checked by name,
// and errors a user sees in template terms (the template's line and column, a did-you-mean,
// never generated JavaScript); the CLI's small promises (--version, --data @-, --watch, extract).
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeFiles } from '../support.js';
import { Environment, DictLoader } from '../../compiler/environment.js';

const repo = join(import.meta.dirname, '../..');
const cli = join(repo, 'dist/compiler/cli.js');
const tmp = mkdtempSync(join(tmpdir(), 'kida-config-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;

/** A fresh app directory with these files. */
const app = (map: Record<string, string>): string => writeFiles(join(tmp, `app${n++}`), map);
const run = (args: string[], cwd: string, input?: string) => spawnSync(process.execPath, [cli, ...args], { cwd, encoding: 'utf8', input });

interface RollupError extends Error {
  loc?: { file: string; line: number; column: number };
  frame?: string;
}
async function bundle(dir: string, options: object = {}): Promise<Record<string, (d?: object) => string>> {
  const { rollup } = await import('rollup');
  const { default: kida } = (await import(join(repo, 'dist/plugins/rollup.js'))) as { default: (o: object) => object };
  const cwd = process.cwd();
  process.chdir(dir); // (the plugin's project is the working directory, as in a real build)
  try {
    const b = await rollup({ input: join(dir, 'entry.js'), plugins: [kida({ cacheDir: false, ...options }) as never], logLevel: 'silent' });
    const out = join(dir, `out${n++}.mjs`);
    await b.write({ file: out, format: 'es' });
    await b.close();
    return (await import(out)) as Record<string, (d?: object) => string>;
  } finally {
    process.chdir(cwd);
  }
}
const bundleError = (dir: string, options: object = {}) => bundle(dir, options).then(() => null, (e: RollupError) => e);

const SHOP = {
  'kida.config.json': JSON.stringify({ root: 'templates', filters: './src/filters.js', globals: './src/globals.js' }),
  'src/filters.js': "export * from './more-filters.js';\nexport const shout = (s) => String(s).toUpperCase() + '!';\n",
  'src/more-filters.js': "export const whisper = (s) => String(s).toLowerCase() + '…';\n",
  'src/globals.js': "export const site = 'Shop';\n",
  'templates/page.html.kida': '{% extends "layout.html.kida" %}{% block body %}{{ x | shout }} {{ x | whisper }}{% end %}',
  'templates/layout.html.kida': '<h1>{{ site }}</h1>{% block body %}{% end %}',
  'entry.js': "import page from './templates/page.html.kida';\nexport const render = (d) => page.render(d);\n",
};

describe('one configuration', () => {
  it('the CLI finds kida.config.* walking up, with paths relative to the file, and follows export * in filters', () => {
    const dir = app(SHOP);
    mkdirSync(join(dir, 'deep/er'), { recursive: true });
    // from a subdirectory: the config above gives root, filters (through export *) and globals
    const check = run(['check'], join(dir, 'deep/er'));
    expect(check.stderr).toBe('kida: 2 templates checked, 0 with errors\n');
    expect(check.status).toBe(0);
    const out = run(['render', join(dir, 'templates/page.html.kida'), '--data', '{"x":"Hi"}'], join(dir, 'deep/er'));
    expect(out.stdout).toBe('<h1>Shop</h1>HI! hi…');
    // compile with no directory: the config's root
    expect(run(['compile', '--out', 'out'], dir).status).toBe(0);
    expect(existsSync(join(dir, 'out/page.html.kida.js'))).toBe(true);
  });

  it('render renders as the build does: whitespace control and delimiters from the config', async () => {
    const dir = app({
      'kida.config.json': JSON.stringify({ root: 't', trimBlocks: true, lstripBlocks: true, variableStart: '[[', variableEnd: ']]' }),
      't/p.kida': '<ul>\n  {% for x in xs %}\n  <li>[[ x ]]</li>\n  {% endfor %}\n</ul>\n',
      'entry.js': "import p from './t/p.kida';\nexport const render = (d) => p.render(d);\n",
    });
    const cli = run(['render', 't/p.kida', '--data', '{"xs":[1,2]}'], dir).stdout;
    expect(cli).toBe('<ul>\n  <li>1</li>\n  <li>2</li>\n</ul>\n');
    expect((await bundle(dir)).render!({ xs: [1, 2] })).toBe(cli);
  });

  it('--config names the file; without a config the filter is unknown', () => {
    const dir = app({ ...SHOP, 'conf/shop.json': SHOP['kida.config.json'].replace('templates', '../templates').replaceAll('./src', '../src') });
    rmSync(join(dir, 'kida.config.json'));
    expect(run(['check', 'templates'], dir).stderr).toMatch(/page\.html\.kida:1:56: K-PAR-004 Unknown filter 'shout'/);
    expect(run(['check', '--config', 'conf/shop.json'], dir).status).toBe(0);
  });

  it('the Rollup plugin reads the same file, and inline options merge over it', async () => {
    const dir = app({ ...SHOP, 'kida.config.json': JSON.stringify({ root: 'templates', filters: './src/filters.js', globals: './src/globals.js', autoescape: false }) });
    expect((await bundle(dir)).render!({ x: '<b>' })).toBe('<h1>Shop</h1><B>! <b>…');
    expect((await bundle(dir, { autoescape: true })).render!({ x: '<b>' })).toBe('<h1>Shop</h1>&lt;B&gt;! &lt;b&gt;…');
  });

  it('the Vite plugin reads it from the Vite root', async () => {
    const dir = app({ ...SHOP, 'entry.js': "import page from './templates/page.html.kida';\nexport const render = (d) => page.render(d);\n" });
    const { build } = await import('vite');
    const { default: kida } = (await import(join(repo, 'dist/plugins/vite.js'))) as { default: (o: object) => never };
    const res = (await build({ configFile: false, root: dir, logLevel: 'silent', plugins: [kida({ cacheDir: false })], build: { ssr: join(dir, 'entry.js'), write: false } })) as
      | { output: { type: string; code?: string }[] }
      | { output: { type: string; code?: string }[] }[];
    writeFileSync(join(dir, 'built.mjs'), (Array.isArray(res) ? res[0]! : res).output.find((o) => o.type === 'chunk')!.code!);
    const m = (await import(join(dir, 'built.mjs'))) as { render: (d: object) => string };
    expect(m.render({ x: '<i>' })).toBe('<h1>Shop</h1>&lt;I&gt;! &lt;i&gt;…');
  }, 60_000);

  it('a filters module that does not exist is one error naming the path and the option', async () => {
    const dir = app({ ...SHOP, 'kida.config.json': JSON.stringify({ root: 'templates', filters: './src/filtrs.js' }) });
    const res = run(['check'], dir);
    expect(res.status).toBe(2);
    expect(res.stderr.trim().split('\n')).toEqual([
      `kida: The filters module ./src/filtrs.js named in ${join(dir, 'kida.config.json')} (option 'filters') does not exist (looked for ${join(dir, 'src/filtrs.js')})`,
    ]);
    const e = await bundleError(dir);
    expect(e?.message).toMatch(/The filters module \.\/src\/filtrs\.js .*\(option 'filters'\) does not exist/);
    // inline, in the bundler config
    const e2 = await bundleError(app({ ...SHOP, 'kida.config.json': '{"root":"templates"}' }), { filters: './nope.js' });
    expect(e2?.message).toMatch(/The filters module \.\/nope\.js \(option 'filters'\) does not exist/);
  });

  it('an unknown option is an error with a did-you-mean: in the config, inline and in the Environment', async () => {
    const dir = app({ ...SHOP, 'kida.config.json': JSON.stringify({ root: 'templates', filter: './src/filters.js' }) });
    const res = run(['check'], dir);
    expect(res.status).toBe(2);
    expect(res.stderr).toBe(`kida: Unknown option 'filter' in ${join(dir, 'kida.config.json')}. Did you mean 'filters'?\n`);
    const { default: kida } = (await import(join(repo, 'dist/plugins/rollup.js'))) as { default: (o: object) => object };
    expect(() => kida({ strictUndefind: false })).toThrow("Unknown option 'strictUndefind' in the kida plugin options. Did you mean 'strictUndefined'?");
    const { default: vite } = (await import(join(repo, 'dist/plugins/vite.js'))) as { default: (o: object) => object };
    expect(() => vite({ rot: 'x' })).toThrow(/Did you mean 'root'\?/);
    expect(() => new Environment({ strictUndefind: false } as never)).toThrow(new TypeError("Unknown Environment option 'strictUndefind'. Did you mean 'strictUndefined'?"));
    expect(() => new Environment({ loadr: null } as never)).toThrow(/Did you mean 'loader'/);
    // Kida for Python's options with no meaning here are accepted (ported options keep working)
    const env = new Environment({ loader: new DictLoader({ a: '{{ 1 }}' }), autoReload: true, terminalColor: 'none', cacheSize: 10, block_start: '{%' });
    expect(env.getTemplate('a').render()).toBe('1');
  });

  it('a config file that cannot be used is one line naming it', () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ 'kida.config.json': '{ root: "t" }' }, /^kida: Cannot read .*kida\.config\.json: .*JSON/],
      [{ 'kida.config.json': '["t"]' }, /^kida: .*kida\.config\.json must hold an object of options$/],
      [{ 'kida.config.mjs': 'export default 42;\n' }, /^kida: .*kida\.config\.mjs must export default an object of options$/],
      [{ 'kida.config.mjs': "throw new Error('boom');\n" }, /^kida: Cannot read .*kida\.config\.mjs: boom$/],
      [{ 'kida.config.json': '{"root": "t", "__proto__": {"x": 1}}' }, /^kida: Unknown option '__proto__'/],
    ];
    for (const [files, want] of cases) {
      const dir = app({ ...files, 't/a.kida': 'x' });
      const res = run(['check'], dir);
      expect(res.status).toBe(2);
      expect(res.stderr.trim().split('\n')).toHaveLength(1);
      expect(res.stderr.trim()).toMatch(want);
    }
    expect(run(['check', '--config', 'nope.json'], app({ 't/a.kida': 'x' })).stderr).toMatch(/^kida: Config file .*nope\.json does not exist\n$/);
  });

  it('an unknown key is a type error too', () => {
    const dir = app({
      'app.ts':
        "import { Environment } from 'kida/environment';\nimport kida from 'kida/vite';\n" +
        'new Environment({ strictUndefind: true });\nkida({ filter: "./f.js" });\nnew Environment({ strictUndefined: true, block_start: "<%" });\nkida({ filters: "./f.js", block_start: "<%" });\n',
      'tsconfig.json': JSON.stringify({
        compilerOptions: { strict: true, noEmit: true, module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', skipLibCheck: true, types: [] },
        files: ['app.ts'],
      }),
    });
    mkdirSync(join(dir, 'node_modules'));
    execFileSync('ln', ['-s', repo, join(dir, 'node_modules/kida')]);
    let out = '';
    try {
      execFileSync(join(repo, 'node_modules/.bin/tsc'), ['-p', join(dir, 'tsconfig.json')], { encoding: 'utf8' });
    } catch (e) {
      out = String((e as { stdout?: string }).stdout);
    }
    const errors = out.split('\n').filter((l) => l.includes('error TS'));
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatch(/app\.ts\(3,.*'strictUndefind' does not exist in type 'EnvironmentOptions'. Did you mean to write 'strictUndefined'\?/);
    expect(errors[1]).toMatch(/app\.ts\(4,.*'filter' does not exist in type 'KidaOptions'. Did you mean to write 'filters'\?/);
  }, 60_000);
});

describe('errors in template terms', () => {
  const TYPOS = {
    'templates/page.html.kida': '<p>\n  {% extends "layot.html.kida" %}\n',
    'templates/layout.html.kida': '{% block body %}{% end %}',
    'templates/nav.html.kida': 'x\n{% include "partz/menu.html.kida" %}',
    'templates/parts/menu.html.kida': 'menu',
    'templates/imp.html.kida': '{% from "part/menu.html.kida" import m %}{% import "layout.htm.kida" as l %}',
  };

  it('kida check: a reference that does not resolve, at its line and 1-based column, with the known template it meant', () => {
    const dir = app(TYPOS);
    const res = run(['check', 'templates'], dir);
    expect(res.status).toBe(1);
    expect(res.stderr.split('\n')).toEqual([
      "templates/imp.html.kida:1:9: K-TPL-001 Template 'part/menu.html.kida' not found (Did you mean 'parts/menu.html.kida'?)",
      "templates/imp.html.kida:1:52: K-TPL-001 Template 'layout.htm.kida' not found (Did you mean 'layout.html.kida'?)",
      "templates/nav.html.kida:2:12: K-TPL-001 Template 'partz/menu.html.kida' not found (Did you mean 'parts/menu.html.kida'?)",
      "templates/page.html.kida:2:14: K-TPL-001 Template 'layot.html.kida' not found (Did you mean 'layout.html.kida'?)",
      'kida: 5 templates checked, 3 with errors',
      '',
    ]);
    // a missing root: every reference fails, and the message says where it looked
    const res2 = run(['check', 'templates/page.html.kida', '--root', 'nowhere'], dir);
    expect(res2.stderr).toContain(`Template 'layot.html.kida' not found; there are no templates under ${join(dir, 'nowhere')} (Check the root option)`);
  });

  it('the Rollup plugin reports it at the template line with its excerpt, and no generated JavaScript', async () => {
    const dir = app({ ...TYPOS, 'entry.js': "import page from './templates/page.html.kida';\nexport default page;\n" });
    const e = await bundleError(dir, { root: 'templates' });
    expect(e?.message).toContain("K-TPL-001 Template 'layot.html.kida' not found (Did you mean 'layout.html.kida'?)");
    expect(e?.loc).toEqual({ file: join(dir, 'templates/page.html.kida'), line: 2, column: 13 });
    expect(e?.frame).toContain('   2 |   {% extends "layot.html.kida" %}');
    for (const js of ['$env', 'import ', 'function', 'R.sub', 'subState', '.kida.js']) expect(`${e?.message}\n${e?.frame}`).not.toContain(js);
  });

  it('the Vite plugin too', async () => {
    const dir = app({ ...TYPOS, 'entry.js': "import page from './templates/nav.html.kida';\nexport default page;\n" });
    const { build } = await import('vite');
    const { default: kida } = (await import(join(repo, 'dist/plugins/vite.js'))) as { default: (o: object) => never };
    const e = await build({
      configFile: false,
      root: dir,
      logLevel: 'silent',
      plugins: [kida({ root: 'templates', cacheDir: false })],
      build: { ssr: join(dir, 'entry.js'), write: false },
    }).then(
      () => null,
      (x: RollupError & { errors?: RollupError[] }) => x.errors?.[0] ?? x, // (Rolldown gathers them)
    );
    expect(e?.message).toContain("Template 'partz/menu.html.kida' not found (Did you mean 'parts/menu.html.kida'?)");
    expect(e?.loc).toEqual({ file: join(dir, 'templates/nav.html.kida'), line: 2, column: 11 });
  }, 60_000);

  it('kida check reports every error of a file, sorted, and accepts single files', () => {
    const dir = app({
      't/a.kida': '{{ x | uper }}\n{% fro y in z %}{{ y }}{% endfor %}\n{% if %}{% endif %}\n{{ w | lenght }}\n{% for q in r %}',
      't/b.kida': 'fine {{ x }}',
      't/c.kida': '{% if x %}\n  {% for a in b %}\n    {{ a }}\n{% endif %}',
    });
    const res = run(['check', 't/a.kida', 't/c.kida'], dir);
    expect(res.status).toBe(1);
    expect(res.stderr.split('\n')).toEqual([
      "t/a.kida:1:8: K-PAR-004 Unknown filter 'uper'. Did you mean 'upper'?",
      "t/a.kida:2:4: K-PAR-001 Unknown block keyword: fro (Did you mean 'for'?)",
      "t/a.kida:3:7: K-PAR-003 Expected a value, got end of tag '%}' (A value is a string, number, variable name, list or dict)",
      "t/a.kida:4:8: K-PAR-004 Unknown filter 'lenght'. Did you mean 'length'?",
      "t/a.kida:5:4: K-PAR-002 Unclosed 'for' block (opened at line 5) (Add {% end %} (or {% endfor %}) to close the 'for' block)",
      "t/c.kida:2:6: K-PAR-002 Unclosed 'for' block (opened at line 2): '{% endif %}' at line 4 closes the 'if' around it (Add {% end %} (or {% endfor %}) before line 4 to close the 'for' block)",
      'kida: 2 templates checked, 2 with errors',
      '',
    ]);
    expect(run(['check', 't/b.kida'], dir).stderr).toBe('kida: 1 templates checked, 0 with errors\n');
  });
});

describe('the CLI', () => {
  it('--version prints the package version', () => {
    const version = (JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { version: string }).version;
    expect(run(['--version'], tmp).stdout).toBe(`kida ${version}\n`);
    expect(run(['-v'], tmp).status).toBe(0);
  });

  it('render --data @- reads the JSON from stdin', () => {
    const dir = app({ 'p.kida': '{{ user.name }} {{ n + 1 }}' });
    expect(run(['render', 'p.kida', '--data', '@-'], dir, '{"user":{"name":"<ann>"},"n":2}').stdout).toBe('&lt;ann&gt; 3');
    const bad = run(['render', 'p.kida', '--data', '@-'], dir, '{nope');
    expect([bad.status, bad.stderr]).toEqual([2, expect.stringMatching(/^kida: --data is not valid JSON/)]);
  });

  it('extract exits 1 when a template does not parse, naming it', () => {
    const dir = app({ 't/ok.kida': '{% trans %}Hello{% endtrans %}', 't/bad.kida': '{% trans %}Hi' });
    const res = run(['extract', 't'], dir);
    expect(res.status).toBe(1);
    expect(res.stderr).toMatch(/^t\/bad\.kida:1:4: K-PAR-002 Unclosed 'trans' block/m);
    expect(res.stdout).toContain('msgid "Hello"');
    rmSync(join(dir, 't/bad.kida'));
    expect(run(['extract', 't'], dir).status).toBe(0);
  });

  it('compile --watch compiles again on a change, writing only files that changed', async () => {
    const dir = app({ 't/a.kida': 'A {{ x }}', 't/b.kida': 'B' });
    const child = spawn(process.execPath, [cli, 'compile', 't', '--out', 'out', '--watch'], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const until = async (f: () => boolean) => {
      for (let i = 0; i < 200 && !f(); i++) await new Promise((r) => setTimeout(r, 50));
      expect(f()).toBe(true);
    };
    try {
      await until(() => err.includes('watching'));
      const bStat = () => readFileSync(join(dir, 'out/b.kida.js'), 'utf8');
      const bBefore = bStat();
      const { mtimeMs } = await import('node:fs').then((fs) => fs.statSync(join(dir, 'out/b.kida.js')));
      writeFileSync(join(dir, 't/a.kida'), 'A2 {{ x }}');
      await until(() => readFileSync(join(dir, 'out/a.kida.js'), 'utf8').includes('A2 '));
      expect(bStat()).toBe(bBefore);
      expect((await import('node:fs')).statSync(join(dir, 'out/b.kida.js')).mtimeMs).toBe(mtimeMs);
      // an error is reported and the watch goes on
      writeFileSync(join(dir, 't/a.kida'), '{% if %}');
      await until(() => err.includes('t/a.kida:1:7: K-PAR-003'));
      writeFileSync(join(dir, 't/c.kida'), 'C');
      await until(() => existsSync(join(dir, 'out/c.kida.js')));
    } finally {
      child.kill();
    }
  }, 30_000);

  it('check --types without ts-morph says what to install', () => {
    const dir = app({ 't/a.kida': '{% template x: int %}{{ x }}' });
    // a resolve hook that hides ts-morph, as in an install without it
    const hook = `data:text/javascript,${encodeURIComponent(
      "import { register } from 'node:module'; register('data:text/javascript,' + encodeURIComponent(\"export async function resolve(s, c, next) { if (s === 'ts-morph') { const e = new Error(\\\"Cannot find package 'ts-morph'\\\"); e.code = 'ERR_MODULE_NOT_FOUND'; throw e; } return next(s, c); }\"));",
    )}`;
    const res = spawnSync(process.execPath, ['--import', hook, cli, 'check', 't', '--types'], { cwd: dir, encoding: 'utf8' });
    expect(res.stderr).toContain('kida: check --types uses the TypeScript compiler through ts-morph, which is not installed: npm install --save-dev ts-morph');
    expect(res.status).toBe(2);
  });
});
