// A bundle carries only the runtime support its templates use: built-in globals, tests and
// Python methods are imported by the compiled modules that name them and registered with the
// linkage at load, as are the `{% cache %}` store, run-time template-name resolution and the
// filling of `{% stack %}` placeholders. These
// bundles run in a fresh vm context (no Environment in the same runtime instance registering
// everything), and must render exactly like the Environment.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import vm from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Environment, FileSystemLoader } from '../../compiler/environment.js';

const root = join(import.meta.dirname, '../..');
const dir = join(root, 'test/.tmp-bundle-support');
const templates: Record<string, string> = {
  'page.html.kida':
    '<{% stack "js" %}>{{ s.upper() }}|{{ s.title() }}|{% for k, v in d.items() %}{{ k }}={{ v }};{% end %}|{{ l.count(2) }}|' +
    '{{ d.get("zz", "none") }}|{{ "{0.upper}".format(s) }}|{{ ("<b>" | safe).replace("b", "<i>") }}\n' +
    '{{ range(3) | list }}|{{ len(l) }}|{{ dict(a=1) }}|{{ sorted(l) }}|{{ max }}\n' +
    '{{ 3 is odd }}|{{ l | select("even") | list }}|{{ 9 is divisibleby(3) }}|{{ s is lower }}\n' +
    '{% include "./part.html.kida" %}|{% include name %}|{% cache "k" %}{{ n }}{% end %}\n',
  'part.html.kida': '[{{ s.lower() }}]{% push "js" %}<js>{% end %}',
  'part2.html.kida': '({{ l | join(",") }}{{ l.index(2) }})',
  // its own root: a root with run-time template names links every template under it
  'min/minimal.html.kida': '<h1>{{ title }}</h1>',
  'opt/page.html.kida': 'a{% include "./here.html.kida" ignore missing %}b{% include "./gone.html.kida" ignore missing %}c',
  'opt/here.html.kida': '<{{ x }}>',
};
const globalsFile = join(dir, 'globals.js');

beforeAll(() => {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'min'), { recursive: true });
  mkdirSync(join(dir, 'opt'), { recursive: true });
  for (const [name, source] of Object.entries(templates)) writeFileSync(join(dir, name), source);
  writeFileSync(globalsFile, 'export const len = (x) => "mine";\n');
  writeFileSync(join(dir, 'entry.js'), "import page from './page.html.kida';\nexport const render = (data) => page.render(data);\n");
  writeFileSync(join(dir, 'opt/entry.js'), "import page from './page.html.kida';\nexport const render = (data) => page.render(data);\n");
  writeFileSync(join(dir, 'min/minimal.js'), "import page from './minimal.html.kida';\nexport const render = (data) => page.render(data);\n");
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function bundle(entry: string, options: { root?: string; globals?: string } = {}): Promise<string> {
  const { rollup } = await import('rollup');
  const { default: kida } = await import(join(root, 'dist/plugins/rollup.js'));
  const b = await rollup({ input: join(dir, entry), plugins: [kida({ root: dir, ...options })], logLevel: 'silent' });
  const { output } = await b.generate({ format: 'cjs', exports: 'named' });
  await b.close();
  return output[0].code;
}

/** Runs a bundle in a fresh context; data is built inside it (dicts are that realm's plain objects). */
function run(code: string): (data: object) => string {
  const sandbox: Record<string, unknown> = { module: { exports: {} } };
  sandbox.exports = (sandbox.module as { exports: object }).exports;
  const context = vm.createContext(sandbox);
  vm.runInContext(code, context);
  return (data) => vm.runInContext(`module.exports.render(JSON.parse(${JSON.stringify(JSON.stringify(data))}))`, context) as string;
}

describe('runtime support registered by the modules that use it', () => {
  it('methods, globals, tests, cache and run-time template names render like the Environment', async () => {
    const render = run(await bundle('entry.js', { globals: globalsFile }));
    const env = new Environment({ loader: new FileSystemLoader(dir), globals: { len: () => 'mine' } });
    const page = env.getTemplate('page.html.kida');
    const data = (n: number) => ({ s: 'hello world', d: { a: 1, b: 2 }, l: [3, 2, 2, 1], name: './part2.html.kida', n });
    const first = render(data(1));
    expect(first).toBe(page.render(data(1)));
    expect(first).toContain('HELLO WORLD|Hello World|a=1;b=2;|2|none|');
    expect(first.startsWith('<<js>>HELLO')).toBe(true); // the stack, filled by the include's push after it
    expect(first).toContain('|mine|'); // the user's global wins over the built-in the template registered
    expect(first).toContain('&lt;function max&gt;');
    expect(first).toContain('[hello world]|(3,2,2,11)|1');
    // the registry's default fragment store: the second render reads the cached fragment
    expect(render(data(2))).toBe(page.render(data(2)));
    expect(render(data(2)).trimEnd().endsWith('|1')).toBe(true);
  }, 60_000);

  it('a template that needs none of them bundles none of them', async () => {
    const code = await bundle('min/minimal.js', { root: join(dir, 'min') });
    expect(run(code)({ title: 'Hi' })).toBe('<h1>Hi</h1>');
    for (const marker of ['swapcase', 'divisibleby', 'LruFragmentStore', 'function resolveTemplateName', 'function pySorted', 'function printf', 'kida-stack'])
      expect(code, marker).not.toContain(marker);
  }, 60_000);

  it('a literal include … ignore missing is linked when the template exists, and dropped when not', async () => {
    const code = await bundle('opt/entry.js', { root: join(dir, 'opt') });
    expect(run(code)({ x: 1 })).toBe('a<1>bc');
    expect(run(code)({ x: 1 })).toBe(new Environment({ loader: new FileSystemLoader(join(dir, 'opt')) }).getTemplate('page.html.kida').render({ x: 1 }));
  }, 60_000);
});
