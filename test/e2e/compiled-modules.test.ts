// The bundle path: compile() output written as real ES modules, imported by Node with
// static imports between templates and `kida/runtime` resolved through package exports.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile, relativeImport } from '../../compiler/index.js';

const dir = join(import.meta.dirname, '.out-compiled');
const templates: Record<string, string> = {
  'layouts/base.html.kida': '<main>{% block content %}base{% end %}</main>{% include "../parts/foot.html.kida" %}',
  'parts/foot.html.kida': '<footer>{{ year }}</footer>',
  'lib/ui.html.kida': '{% def badge(text, tone="info") %}<b class="{{ tone }}">{{ text }}</b>{% end %}',
  'pages/home.html.kida':
    '{% extends "../layouts/base.html.kida" %}{% from "../lib/ui.html.kida" import badge %}' +
    '{% block content %}{% for x in xs %}{{ badge(x) }}{% end %}{% end %}',
  'notes.txt.kida': '{{ text }}',
  'lib/nums.html.kida': '{% def nums(n) %}{% for i in range(n) %}{{ i }}{% end %}{{ site }}{% end %}',
  'pages/nums.html.kida': '{% from "../lib/nums.html.kida" import nums %}{{ nums(3) }}|{{ len("ab") }}',
};

async function load(name: string): Promise<any> {
  return (await import(pathToFileURL(join(dir, name + '.mjs')).href)).default;
}

beforeAll(() => {
  rmSync(dir, { recursive: true, force: true });
  for (const [name, source] of Object.entries(templates)) {
    const { code, map } = compile(source, { name, importPath: (t, f) => relativeImport(t, f) + '.mjs' });
    const file = join(dir, name + '.mjs');
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, code);
    expect(map.mappings.length).toBeGreaterThan(0);
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('compiled ES modules', () => {
  it('render through static imports of parents, imports and includes', async () => {
    const home = await load('pages/home.html.kida');
    const ctx = { xs: ['a', '<b>'], year: 2026 };
    const expected = '<main><b class="info">a</b><b class="info">&lt;b&gt;</b></main><footer>2026</footer>';
    expect(home.render(ctx)).toBe(expected);
    expect([...home.renderStream(ctx)].join('')).toBe(expected);
    expect(await home.renderAsync(ctx)).toBe(expected);
    expect(home.renderBlock('content', ctx)).toBe('<b class="info">a</b><b class="info">&lt;b&gt;</b>');
  });
  it('name the template, line and include chain of a runtime error (no source in a bundle: no excerpt)', async () => {
    const home = await load('pages/home.html.kida');
    let e: any;
    try {
      home.render({ xs: [] });
    } catch (err) {
      e = err;
    }
    expect(e?.name).toBe('UndefinedError');
    expect([e.templateName, e.lineno, e.templateStack]).toEqual(['parts/foot.html.kida', 1, [['layouts/base.html.kida', 1]]]);
    expect(e.message).toBe(
      "Undefined variable 'year' in parts/foot.html.kida:1\n\nTemplate stack:\n  • layouts/base.html.kida:1\n  Hint: Use {{ year | default('') }} for optional variables",
    );
  });
  it('import only the runtime helpers they use, and never eval', () => {
    const { code } = compile('{{ x }}', { name: 'a.html.kida' });
    expect(code).toMatch(/from "kida\/runtime"/);
    expect(code).not.toMatch(/new Function|eval\(/);
    expect(code).not.toMatch(/getslice/);
    expect(code).toMatch(/import \{[^}]*esc as \$esc/);
  });
  it('escape by file name: name.txt.kida is plain text', async () => {
    const notes = await load('notes.txt.kida');
    expect(notes.render({ text: '<x>' })).toBe('<x>');
  });
});

describe('registry.globals', () => {
  it('assigning a plain object keeps the built-ins underneath, also in imported defs', async () => {
    const page = await load('pages/nums.html.kida');
    const { registry } = await import('kida/runtime');
    const before = { ...registry.globals };
    try {
      const mine = { site: 'S', len: () => 'mine' };
      registry.globals = mine;
      expect(page.render({})).toBe('012S|mine');
      expect(await page.renderAsync({})).toBe('012S|mine');
      expect(Object.keys(mine)).toEqual(['site', 'len']); // the assigned object is copied, not filled in
      registry.globals.site = 'T'; // the registry's object stays writable
      expect(page.render({})).toBe('012T|mine');
      Object.assign(registry.globals, { site: 'U' });
      expect([...page.renderStream({})].join('')).toBe('012U|mine');
    } finally {
      registry.globals = before;
    }
  });
});

describe('build-time checks', () => {
  it('a from-import of a name the template does not define fails compilation with a suggestion', () => {
    const sourceOf = (n: string) => (n === 'lib.kida' ? '{% def badge(x) %}{% end %}{% region nav() %}{% end %}' : null);
    expect(() => compile('{% from "lib.kida" import badg %}', { name: 'p.kida', sourceOf, checkImports: true })).toThrow(/Did you mean 'badge'/);
    expect(() => compile('{% from "lib.kida" import badge, nav %}', { name: 'p.kida', sourceOf, checkImports: true })).not.toThrow();
  });
});
