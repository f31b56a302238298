// No reach into prototypes on the bundle path (docs/security.md): compiled modules linked to
// the module-level registry, whose globals a host may replace with a plain object and whose
// aliases are a plain object. Uses dist/ (as the other e2e suites), through `kida/runtime`.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile, relativeImport } from '../../compiler/index.js';

const dir = join(import.meta.dirname, '.out-prototypes');
const templates: Record<string, string> = {
  'names.kida': '{{ site }}|{{ constructor is defined }}|{{ toString ?? "none" }}|{{ hasOwnProperty|default("d") }}',
  'strict.kida': '{{ valueOf }}',
  'dynamic.kida': '{% include name %}',
  'part.kida': 'P',
  'kw.kida': '{% def f(**kw) %}{{ kw|list }}{% end %}{{ f(__proto__={"polluted": 1}) }}|{{ "{__proto__}".format(__proto__=2) }}|{{ d|dictsort }}',
};
const load = async (name: string): Promise<any> => (await import(pathToFileURL(join(dir, name + '.mjs')).href)).default;

beforeAll(() => {
  rmSync(dir, { recursive: true, force: true });
  for (const [name, source] of Object.entries(templates)) {
    const { code } = compile(source, { name, importPath: (t, f) => relativeImport(t, f) + '.mjs' });
    const file = join(dir, name + '.mjs');
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, code);
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('compiled modules and the registry', () => {
  it('a plain-object globals table never yields Object.prototype members as variables', async () => {
    const { registry } = await import('kida/runtime');
    const saved = registry.globals;
    registry.globals = { site: 'S' }; // (a host's plain object: its chain ends in Object.prototype)
    try {
      const t = await load('names.kida');
      expect(t.render({})).toBe('S|False|none|d');
      expect(await t.renderAsync({})).toBe('S|False|none|d');
      const strict = await load('strict.kida');
      expect(() => strict.render({})).toThrow(expect.objectContaining({ name: 'UndefinedError' }));
      await expect(strict.renderAsync({})).rejects.toMatchObject({ name: 'UndefinedError' });
    } finally {
      registry.globals = saved;
    }
  });

  it('template names of Object.prototype members, as names or aliases, are not found', async () => {
    const { registry } = await import('kida/runtime');
    await load('part.kida');
    const t = await load('dynamic.kida');
    expect(t.render({ name: 'part.kida' })).toBe('P');
    for (const name of ['constructor', 'toString', '__proto__', 'hasOwnProperty', '@constructor/x', '@toString', '@__proto__/part.kida']) {
      expect(() => t.render({ name })).toThrow(expect.objectContaining({ name: 'TemplateNotFoundError' }));
      expect(() => registry.load(name, null)).toThrow(expect.objectContaining({ name: 'TemplateNotFoundError' }));
    }
  });

  it('a __proto__ keyword argument and data key stay data', async () => {
    const t = await load('kw.kida');
    const d = JSON.parse('{"__proto__": {"polluted": 1}}');
    const want = "[&#39;__proto__&#39;]|2|[(&#39;__proto__&#39;, {&#39;polluted&#39;: 1})]";
    expect(t.render({ d })).toBe(want);
    expect([...t.renderStream({ d })].join('')).toBe(want);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
