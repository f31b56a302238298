// The context types of generated declarations, read from the `.d.ts` text: a page's Context
// is what it and the templates it renders with read (layouts, includes, embeds, imports with
// context, called defs), each block's is what that block reads, and a graph that cannot be
// known leaves the context open. (test/e2e/types.test.ts runs tsc on the same files.)
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/index.js';
import { declarationFile } from '../../plugins/declarations.js';

/** The declarations of `name` among `files` (sources by template name). */
function dts(files: Record<string, string>, name: string, options: Parameters<typeof compile>[1] = {}): string {
  return compile(files[name]!, { name, sourceOf: (n) => files[n] ?? null, ...options }).dts;
}
const line = (text: string, start: string) => text.split('\n').find((l) => l.startsWith(start)) ?? '';
const context = (text: string) => line(text, 'export type Context = ').slice('export type Context = '.length, -1);
const blocks = (text: string) => line(text, 'export type BlockContexts = ').slice('export type BlockContexts = '.length, -1);

const SITE = {
  'base.kida':
    '{# @types import type { Nav } from "./types.js" #}{% template nav_items: list[Nav] %}' +
    '<title>{% block title %}{{ site_name }}{% end %}</title>' +
    '<nav>{% for n in nav_items %}{% include "partials/link.kida" %}{% end %}</nav>' +
    '{% block content %}{% end %}{% block foot %}{{ year ?? 2026 }}{% end %}',
  'partials/link.kida': '<a href="{{ n.href }}" class="{{ active | default("") }}">{{ n.label }}</a>{{ user_name }}',
  'page.kida':
    '{% extends "base.kida" %}{% from "macros.kida" import card %}' +
    '{% block title %}{{ heading }}{% end %}' +
    '{% block content %}{{ card(heading) }}{% end %}' +
    '{% fragment extra %}{{ extra_only }}{% end %}' +
    '{% region badge(label: str, n: int = 1) %}{{ label }}{{ n }}{% end %}',
  'macros.kida': '{% def card(t) %}<b>{{ t }}</b>{{ not_context }}{% end %}',
};

describe('the context of a full render', () => {
  it('is the union over the layout chain and its includes, without the blocks a child overrides', () => {
    const text = dts(SITE, 'page.kida');
    // site_name: only the layout's title block reads it, and the page overrides that block;
    // n: the include runs inside the layout's loop, which binds it; not_context: a def imported without context
    expect(context(text)).toBe('{ nav_items: Array<Nav>; heading: unknown; year?: unknown; active?: unknown; user_name: unknown; }');
    expect(line(text, 'import type { Nav }')).toBe('import type { Nav } from "./types.js";');
    expect(context(dts(SITE, 'base.kida'))).toBe('{ nav_items: Array<Nav>; site_name: unknown; year?: unknown; active?: unknown; user_name: unknown; }');
  });

  it('has one entry per block and region, each with what that block reads and the prelude', () => {
    const text = dts(SITE, 'page.kida');
    expect(blocks(text)).toBe(
      '{ title: { heading: unknown; }; content: { heading: unknown; }; foot: { year?: unknown; }; extra: { extra_only: unknown; }; badge: { label: string; n?: number; }; }',
    );
    expect(line(text, 'export type Blocks')).toBe('export type Blocks = keyof BlockContexts & string;');
  });

  it('takes what defs imported with context read, only when they are called', () => {
    const files = {
      'lib.kida': '{% def f() %}{{ for_f }}{% end %}{% def g() %}{{ for_g }}{% end %}{% let top = lib_top %}',
      'a.kida': '{% from "lib.kida" import f, g with context %}{{ f() }}',
      'b.kida': '{% import "lib.kida" as lib with context %}{{ lib.g() }}',
      'c.kida': '{% import "lib.kida" as lib %}{{ lib.g() }}',
      'd.kida': '{% def local() %}{{ inner }}{% end %}{% def unused() %}{{ never }}{% end %}{{ local() }}',
    };
    expect(context(dts(files, 'a.kida'))).toBe('{ for_f: unknown; lib_top: unknown; }');
    expect(context(dts(files, 'b.kida'))).toBe('{ for_f: unknown; for_g: unknown; lib_top: unknown; }');
    expect(context(dts(files, 'c.kida'))).toBe('{}');
    expect(context(dts(files, 'd.kida'))).toBe('{ inner: unknown; }');
  });

  it('lets an embed override the blocks of the embedded template', () => {
    const files = {
      'card.kida': '{% template title: str %}<h1>{{ title }}</h1>{% block body %}{{ card_default }}{% end %}',
      'page.kida': '{% for row in rows %}{% embed "card.kida" %}{% block body %}{{ row }}{{ note }}{% end %}{% end %}{% end %}',
    };
    expect(context(dts(files, 'page.kida'))).toBe('{ rows: unknown; note: unknown; title: string; }');
  });

  it('keeps names guarded by default, ?? and is defined optional, and names the globals provide', () => {
    const files = {
      'p.kida': '{{ a | default(1) }}{{ b ?? 2 }}{% if c is defined %}{{ c }}{% end %}{{ d }}{{ d ?? 0 }}{% include "q.kida" %}{{ site }}',
      'q.kida': '{{ a }}{{ e ?? 1 }}',
    };
    expect(context(dts(files, 'p.kida', { globalNames: ['site'] }))).toBe('{ a: unknown; b?: unknown; c?: unknown; d: unknown; site?: unknown; e?: unknown; }');
    // Markdown mode's output_format global
    expect(context(dts({ 'r.md.kida': '{{ output_format }}{{ x }}' }, 'r.md.kida', { autoescape: 'markdown' }))).toBe('{ output_format?: unknown; x: unknown; }');
  });

  it('is open when part of the graph cannot be known: a name computed at run time, a missing source', () => {
    const files = {
      'dyn.kida': '{% include which %}{{ y }}',
      'missing.kida': '{% include "gone.kida" %}{{ z }}',
      'ignored.kida': '{% include "gone.kida" ignore missing %}{{ z }}',
      'dynparent.kida': '{% extends layout %}{% block b %}{{ w }}{% end %}',
    };
    expect(context(dts(files, 'dyn.kida'))).toBe('{ which: unknown; y: unknown; [name: string]: unknown; }');
    expect(context(dts(files, 'missing.kida'))).toBe('{ z: unknown; [name: string]: unknown; }');
    expect(context(dts(files, 'ignored.kida'))).toBe('{ z: unknown; }');
    expect(context(dts(files, 'dynparent.kida'))).toContain('[name: string]: unknown');
    // compile() without sourceOf knows no other template
    expect(context(compile('{{ a }}{% include "x.kida" %}', { name: 't.kida' }).dts)).toBe('{ a: unknown; [name: string]: unknown; }');
    expect(context(compile('{{ a }}', { name: 't.kida' }).dts)).toBe('{ a: unknown; }');
  });

  it('marks a template async when it or a template it renders with awaits', () => {
    const files = { 'slow.kida': '{{ await data }}', 'page.kida': '{% include "slow.kida" %}', 'plain.kida': '{{ x }}' };
    expect(line(dts(files, 'page.kida'), 'declare const template')).toBe('declare const template: TypedTemplate<Context, BlockContexts, true>;');
    expect(line(dts(files, 'plain.kida'), 'declare const template')).toBe('declare const template: TypedTemplate<Context, BlockContexts>;');
  });

  it('walks each def once per chain, and keeps what mutually recursive defs read', () => {
    // 30 defs each calling the next two: 2^30 paths, one walk each
    const defs = Array.from({ length: 30 }, (_, i) => `{% def d${i}() %}{{ v${i} }}${i < 29 ? `{{ d${i + 1}() }}` : ''}${i < 28 ? `{{ d${i + 2}() }}` : ''}{% end %}`).join('');
    const start = performance.now();
    const text = context(dts({ 'x.kida': defs + '{{ d0() }}' }, 'x.kida'));
    expect(performance.now() - start).toBeLessThan(2000);
    expect(text).toBe(`{ ${Array.from({ length: 30 }, (_, i) => `v${i}: unknown`).join('; ')}; }`);
    const rec = '{% def a() %}{{ ra }}{{ b() }}{% end %}{% def b() %}{{ rb }}{{ a() }}{% end %}{% block x %}{{ a() }}{% end %}{% block y %}{{ b() }}{% end %}';
    expect(blocks(dts({ 'r.kida': rec }, 'r.kida'))).toBe('{ x: { ra: unknown; rb: unknown; }; y: { rb: unknown; ra: unknown; }; }');
  });

  it('survives cycles between templates', () => {
    const files = { 'a.kida': '{{ x }}{% include "b.kida" %}', 'b.kida': '{{ y }}{% include "a.kida" %}' };
    expect(context(dts(files, 'a.kida'))).toBe('{ x: unknown; y: unknown; }');
  });
});

describe('@types imports from several templates', () => {
  it('are re-based to the declaration file and renamed when two templates mean different types', () => {
    const files = {
      'pages/p.kida': '{# @types import type { Item } from "../types/shop.js" #}{% template item: Item %}{% include "../parts/x.kida" %}',
      'parts/x.kida': '{# @types import type { Item, Unused } from "./blog.js" #}{% template post: Item %}{{ post }}',
    };
    const text = dts(files, 'pages/p.kida');
    expect(line(text, 'import type { Item }')).toBe('import type { Item } from "../types/shop.js";');
    expect(line(text, 'import type { Item as')).toBe('import type { Item as Item_2 } from "../parts/blog.js";');
    expect(context(text)).toBe('{ post: Item_2; item: Item; }');
  });

  it('follow typesSpecifier (kida compile --out)', () => {
    const files = { 'a/p.kida': '{# @types import type { T } from "../t.js" #}{% template v: T %}', 'pkg.kida': '{# @types import type { U } from "some-pkg" #}{% template u: U %}' };
    expect(dts(files, 'a/p.kida', { typesSpecifier: (s, from) => `<${from}:${s}>` })).toContain('import type { T } from "<a/p.kida:../t.js>";');
    expect(dts(files, 'pkg.kida')).toContain('import type { U } from "some-pkg";');
  });
});

describe('declaration file names', () => {
  it('follow TypeScript’s rule for arbitrary extensions', () => {
    expect(declarationFile('/app/t/page.kida')).toBe('/app/t/page.d.kida.ts');
    expect(declarationFile('/app/t/page.html.kida')).toBe('/app/t/page.html.d.kida.ts');
    expect(declarationFile('C:\\app\\page.kida')).toBe('C:\\app\\page.d.kida.ts');
  });
});

describe('properties', () => {
  const names = fc.uniqueArray(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g'), { maxLength: 5 });
  it('a page extending a layout and including a partial needs exactly the names they read', () => {
    fc.assert(
      fc.property(names, names, names, fc.boolean(), (layout, partial, page, guardPartial) => {
        const out = (ns: string[], guard = false) => ns.map((n) => (guard ? `{{ ${n} ?? 0 }}` : `{{ ${n} }}`)).join('');
        const files = {
          'layout.kida': `${out(layout)}{% block main %}{{ never_read }}{% end %}`,
          'partial.kida': out(partial, guardPartial),
          'page.kida': `{% extends "layout.kida" %}{% block main %}${out(page)}{% include "partial.kida" %}{% end %}`,
        };
        const text = context(dts(files, 'page.kida'));
        const fields = new Map([...text.matchAll(/(\w+)(\??): unknown/g)].map((m) => [m[1]!, m[2] === '?']));
        const required = new Set([...layout, ...page, ...(guardPartial ? [] : partial)]);
        expect([...fields.keys()].sort()).toEqual([...new Set([...layout, ...page, ...partial])].sort());
        for (const [n, optional] of fields) expect(optional).toBe(!required.has(n));
      }),
      { numRuns: 60 },
    );
  });
});
