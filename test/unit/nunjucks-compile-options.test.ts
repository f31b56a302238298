// compat: 'nunjucks' compile options. The .d.ts: Nunjucks renders a missing name, attribute or
// macro argument as undefined, so no context key and no def parameter is required; the templates
// it includes are read as Nunjucks too (their names join the context). The plugin/kida.config
// options that reach .njk files.
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/index.js';

const files: Record<string, string> = {
  'part.njk': '{#- a Nunjucks comment trim -#}{% macro z() %}{% endmacro %}{{ partVar }}{% if other === 1 %}{% endif %}',
};
const page = '{% include "part.njk" %}{{ title }}{{ user.name }}{{ x | default(1) }}{% macro g(p, q=2) %}{{ p }}{% endmacro %}{% block b %}{{ inBlock }}{% endblock %}';

describe('compat: nunjucks .d.ts', () => {
  it('types every context key and macro parameter as optional', () => {
    const { dts } = compile(page, { name: 'page.njk', compat: 'nunjucks', sourceOf: (n) => files[n] ?? null });
    expect(dts).toContain('export type Context = { title?: unknown; user?: unknown; x?: unknown; inBlock?: unknown; partVar?: unknown; other?: unknown; };');
    expect(dts).toContain('export type BlockContexts = { b: { inBlock?: unknown; }; };');
    expect(dts).toContain('export type Defs = { g: (p?: unknown, q?: unknown) => Markup };');
  });
  it('leaves default Kida strict: a name read unguarded is required', () => {
    const { dts } = compile('{{ title }}{{ x | default(1) }}', { name: 'page.kida' });
    expect(dts).toContain('export type Context = { title: unknown; x?: unknown; };');
  });
});

describe('plugin and kida.config options for Nunjucks files', () => {
  it('throwOnUndefined and asyncFilters reach the compile options of .njk files only', async () => {
    const { KidaProject } = await import('../../plugins/shared.js');
    const p = new KidaProject({ throwOnUndefined: true, asyncFilters: ['later'] }, process.cwd());
    const njk = p.compileOptions('/x/page.njk');
    expect([njk.throwOnUndefined, njk.asyncFilters]).toEqual([true, ['later']]);
    const kida = p.compileOptions('/x/page.kida');
    expect([kida.throwOnUndefined, kida.asyncFilters]).toEqual([undefined, undefined]);
    // the compiled .njk module checks its output
    const { code } = compile('{{ x }}', { ...njk, linkage: undefined, checkImports: false });
    expect(code).toContain('njkDefined');
  });
});
