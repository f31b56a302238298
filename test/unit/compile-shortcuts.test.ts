// Work compile() and the plugins skip or share, checked against the full answer: streaming
// bodies derived from sync ones, the shared root of pages that only fill blocks, the line-level source map, declarations on request, trees of other templates reused
// across compiles, the text-only check that spares the registry scan a parse, loops without a
// LoopContext, and the short forms of filters.
import { decode } from '@jridgewell/sourcemap-codec';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { compile } from '../../compiler/index.js';
import { walk } from '../../compiler/codegen.js';
import { parse } from '../../compiler/parser.js';
import { f_round, f_round_1, f_trim, f_trim_0 } from '../../runtime/filters.js';
import { Markup } from '../../runtime/markup.js';
import { PyFloat } from '../../runtime/values.js';
import { KidaProject, literalRefsOnly } from '../../plugins/shared.js';
import { makeEnv } from '../support.js';

describe('streaming bodies derived from sync ones', () => {
  const sources = {
    'base.html': '<title>{% block title %}{% end %}</title>{% block body %}{% end %}',
    'page.html': '{% extends "base.html" %}{% block title %}Page {{ t | upper }}{% end %}\n{% block body %}{% if x %}<b>{{ x }}</b>{% end %}<i>{{ t }}</i>{% end %}',
    'broken.html': '{% extends "base.html" %}\n{% block title %}\n{{ 1 // zero }}{% end %}',
  };
  const env = makeEnv(sources);

  it('are left out only where the stream is one chunk of the sync result', () => {
    const { code } = compile(sources['page.html'], { name: 'page.html' });
    expect(code).toContain('$b_0 = $bodyFns($b_0_s);'); // title: one output
    expect(code).toContain("$b_1 = $bodyFns($b_1_s, 0);"); // body: an if splits it, streamed through a sink
    expect(code).not.toContain('function* $b_0_g');
  });

  it('stream, render and render async alike', async () => {
    const page = env.getTemplate('page.html');
    const ctx = { t: 'a<', x: 1 };
    expect([...page.renderStream(ctx)]).toEqual(['<title>', 'Page A&lt;', '</title>', '<b>1</b>', '<i>a&lt;</i>']);
    expect([...page.renderBlockStream('title', ctx)]).toEqual(['Page A&lt;']);
    const chunks: string[] = [];
    for await (const c of page.renderStreamAsync(ctx)) chunks.push(c);
    expect(chunks.join('')).toBe(page.render(ctx));
    expect(await page.renderAsync(ctx)).toBe(page.render(ctx));
    expect(await page.renderBlockAsync('title', ctx)).toBe('Page A&lt;');
  });

  it('fail with the template and line of the failing expression', async () => {
    const broken = env.getTemplate('broken.html');
    for (const run of [() => [...broken.renderStream({ zero: 0 })], () => broken.renderAsync({ zero: 0 })])
      await expect(async () => run()).rejects.toMatchObject({ templateName: 'broken.html', lineno: 3 });
  });
});

describe('the root of a page that only fills its parent\'s blocks', () => {
  const sources = {
    'layout.html': '<main>{% block body %}{% end %}</main>{% block foot %}<i>{{ 1 // zero }}</i>{% end %}',
    'page.html': 'ignored text {% extends "layout.html" %}\n{% block body %}{% for x in xs %}<b>{{ x }}</b>{% end %}{% end %}{% block foot %}{% end %}',
    'with-set.html': '{% extends "layout.html" %}{% set who = "w" %}{% block body %}{{ who }}{% end %}{% block foot %}{% end %}',
    'loop-a.html': '{% extends "loop-b.html" %}',
    'loop-b.html': '{% extends "loop-a.html" %}',
    'bad-parent.html': 'x\n{% extends "layout.html" %}',
  };
  const env = makeEnv(sources);

  it('is the runtime\'s shared one, unless the page also defines something', () => {
    expect(compile(sources['page.html'], { name: 'page.html' }).code).toContain('const $root = $extendsRoot($blocks, $T0, $NAME, 1, () => $env);');
    expect(compile(sources['page.html'], { name: 'page.html' }).code).not.toContain('$root_s');
    // (a root of its own, which renders its parent by suspending there: no generator)
    expect(compile(sources['with-set.html'], { name: 'with-set.html' }).code).toContain('$bodyFns($root_s, 4)');
  });

  it('renders, streams and renders async like a generated one', async () => {
    const page = env.getTemplate('page.html');
    const ctx = { xs: [1, 2] };
    expect(page.render(ctx)).toBe('<main><b>1</b><b>2</b></main>');
    expect([...page.renderStream(ctx)]).toEqual(['<main>', '<b>1</b>', '<b>2</b>', '</main>']);
    expect(await page.renderAsync(ctx)).toBe(page.render(ctx));
    const chunks: string[] = [];
    for await (const c of page.renderStreamAsync(ctx)) chunks.push(c);
    expect(chunks).toEqual(['<main>', '<b>1</b>', '<b>2</b>', '</main>']);
    expect(env.getTemplate('with-set.html').render({})).toBe('<main>w</main>');
  });

  it('names the failing template and line', async () => {
    // circular inheritance fails at the extends line of the page that exceeds the depth
    expect(() => env.getTemplate('loop-a.html').render({})).toThrow(expect.objectContaining({ code: 'K-RUN-007', lineno: 1 }));
    // an error in the parent's own block is the parent's, in every entry point
    const bad = env.getTemplate('bad-parent.html');
    for (const run of [() => bad.render({ zero: 0 }), () => [...bad.renderStream({ zero: 0 })], () => bad.renderAsync({ zero: 0 })])
      await expect(async () => run()).rejects.toMatchObject({ templateName: 'layout.html', lineno: 1 });
  });
});

describe('source map', () => {
  it('maps each generated line of template code to its template line, and nothing else', () => {
    const source = 'line one\n<h1>{{ heading }}</h1>\n{% for x in xs %}<i>{{ x | upper }}</i>{% end %}';
    const { code, map } = compile(source, { name: 'p.html.kida', filename: '/app/p.html.kida' });
    expect(map).toMatchObject({ version: 3, file: 'p.html.kida.js', sources: ['/app/p.html.kida'], sourcesContent: [source], names: [] });
    const lines = code.split('\n');
    const decoded = decode(map.mappings);
    expect(decoded.length).toBeLessThanOrEqual(lines.length);
    const originOf = (needle: string) => {
      const i = lines.findIndex((l) => l.includes(needle));
      expect(i, needle).toBeGreaterThanOrEqual(0);
      return decoded[i]!.map(([col, src, line, origCol]) => [col, src, line! + 1, origCol]);
    };
    expect(originOf('(ctx.heading ?? $ld(ctx, "heading"')).toEqual([[0, 0, 2, 0]]);
    expect(originOf('$f_upper(')).toEqual([[0, 0, 3, 0]]);
    expect(originOf('import {')).toEqual([]); // module plumbing maps nowhere
  });
});

describe('trees of other templates', () => {
  it('follow the source: a template that gains a def can be imported from at once', () => {
    let lib = '{% def other() %}o{% end %}';
    const options = { name: 'page.kida', checkImports: true, sourceOf: (n: string) => (n === 'lib.kida' ? lib : null) };
    const page = '{% from "lib.kida" import card %}{{ card() }}';
    expect(() => compile(page, options)).toThrow(/card/);
    lib = '{% def card() %}c{% end %}';
    expect(() => compile(page, options)).not.toThrow();
    lib = '{% def other() %}o{% end %}';
    expect(() => compile(page, options)).toThrow(/card/);
  });

  it('are parsed with the reading template’s delimiters', () => {
    const square = { blockStart: '[%', blockEnd: '%]', variableStart: '[[', variableEnd: ']]' };
    const lib = '[% def card() %]c[% end %]';
    const sourceOf = (n: string) => (n === 'lib.kida' ? lib : null);
    expect(() => compile('[% from "lib.kida" import card %][[ card() ]]', { name: 'a.kida', checkImports: true, sourceOf, ...square })).not.toThrow();
    // the same source read with the default delimiters has no defs
    expect(() => compile('{% from "lib.kida" import card %}{{ card() }}', { name: 'b.kida', checkImports: true, sourceOf })).toThrow(/card/);
  });
});

describe('text-only reference check', () => {
  const literal = (src: string, delimiters = {}) => literalRefsOnly(src, delimiters);
  it('settles templates whose references are all string literals', () => {
    for (const src of [
      'no tags at all {{ include }}',
      '{% extends "base.kida" %}{% block b %}{% end %}',
      '{%- include "a.kida" ignore missing with context -%}',
      '{% include "a.kida" without context %}',
      '{% from "lib.kida" import card, row as r %}{% import "m.kida" as m %}',
      '{% embed "card.kida" %}{% block body %}x{% end %}{% end %}',
      '{% set from = 1 %}{{ include }}{% includes x %}{% from_x y %}',
      '{%include"a.kida"%}',
    ])
      expect(literal(src), src).toBe(true);
    expect(literal('[% include "a.kida" %][% include x -%]{% include y %}', { blockStart: '[%', blockEnd: '%]' })).toBe(false);
    expect(literal('[% include "a.kida" -%]{% include y %}', { blockStart: '[%', blockEnd: '%]' })).toBe(true);
  });
  it('leaves anything else to the parser', () => {
    for (const src of [
      '{% include name %}',
      '{% extends "a.kida" if wide else "b.kida" %}',
      '{% include "part_" ~ kind ~ ".kida" %}',
      '{% include "a.kida" | lower %}',
      '{% import "a" "b" as m %}',
      '{% from lib import card %}',
      '{% include "a\\"b.kida" %}',
      // not a tag, but the text check cannot tell: the parser will
      '{# {% include x %} #}{% raw %}{% include y %}{% endraw %}',
    ])
      expect(literal(src), src).toBe(false);
  });

  it('never clears a template whose parse names a template at run time', () => {
    // Templates built from reference tags of every shape (literal or computed names, suffixes,
    // markers, odd spacing) among text, comments, raw blocks and strings that look like tags;
    // with the default and a custom delimiter set. Whenever the text check says "literal only",
    // the parsed tree must agree; the reverse need not hold (the parser decides those).
    const target = fc.constantFrom('"a.kida"', "'b.kida'", 'name', '"p_" ~ kind', '("c.kida")', '"a" if wide else "b"', '"d" | lower', 'x.y', '"a\\"b"');
    const suffix = fc.constantFrom('', ' ignore missing', ' with context', ' without context', ' ignore missing with context', ' only');
    const ref = fc.tuple(fc.constantFrom('include', 'extends', 'embed', 'import', 'from'), target, suffix, fc.constantFrom('', '-'), fc.constantFrom(' ', '', '  ', '\n')).map(([kw, t, sfx, m, sp]) => {
      if (kw === 'import') return `{%${m}${sp}import${sp || ' '}${t} as m${sp}${m}%}`;
      if (kw === 'from') return `{%${m} from ${t} import card${sp}${m}%}`;
      if (kw === 'embed') return `{% embed ${t}${sfx.includes('context') ? sfx : ''} %}{% block b %}x{% end %}{% end %}`;
      return `{%${m}${sp}${kw}${sp || ' '}${t}${kw === 'include' ? sfx : ''}${sp}${m}%}`;
    });
    const filler = fc.constantFrom('text ', '{# {% include name %} #}', '{% raw %}{% include name %}{% endraw %}', '{{ "{% include name %}" }}', '{{ include }}', '{% set from = 1 %}', '\n');
    const template = fc.array(fc.oneof(ref, filler), { maxLength: 6 }).map((parts) => parts.join(''));
    const square = { blockStart: '[%', blockEnd: '%]', variableStart: '[[', variableEnd: ']]', commentStart: '[#', commentEnd: '#]' };
    const toSquare = (src: string) => src.replaceAll('{%', '[%').replaceAll('%}', '%]').replaceAll('{{', '[[').replaceAll('}}', ']]').replaceAll('{#', '[#').replaceAll('#}', '#]');
    const dynamicInTree = (src: string, delimiters: object) => {
      let found = false;
      walk(parse(src, { name: 't.kida', ...delimiters }).body, (n) => {
        const t = (n as { template?: { type: string; value?: unknown } }).template;
        if (['Include', 'Extends', 'Embed', 'Import', 'FromImport'].includes(n.type) && t && !(t.type === 'Const' && typeof t.value === 'string')) found = true;
      });
      return found;
    };
    let checked = 0;
    fc.assert(
      fc.property(template, fc.boolean(), (src, useSquare) => {
        const [text, delimiters] = useSquare ? [toSquare(src), square] : [src, {}];
        let dynamic: boolean;
        try {
          dynamic = dynamicInTree(text, delimiters);
        } catch {
          return; // not a template the parser accepts: its compile fails, whatever the scan says
        }
        checked++;
        if (literalRefsOnly(text, delimiters)) expect(dynamic, text).toBe(false);
      }),
      { numRuns: 2000 },
    );
    expect(checked).toBeGreaterThan(500); // (most generated templates parse)
  });

  const dir = mkdtempSync(join(tmpdir(), 'kida-refs-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  it('gives the registry scan the answer a parse gives', async () => {
    const project = new KidaProject({ root: dir, cacheDir: false }, dir);
    writeFileSync(join(dir, 'base.kida'), '{% block b %}{% end %}');
    writeFileSync(join(dir, 'page.kida'), '{% extends "base.kida" %}{% block b %}{% include "part.kida" ignore missing %}{% end %}');
    expect(await project.hasDynamicRefs()).toBe(false);
    // the lexer cannot settle this one (a literal followed by `if`); the parser finds the dynamic name
    writeFileSync(join(dir, 'wide.kida'), '{% extends "base.kida" if wide else layout %}');
    expect(await project.hasDynamicRefs()).toBe(true);
    // and this one is dynamic only in the lexer's eyes: the parser clears it
    writeFileSync(join(dir, 'wide.kida'), '{% include ("base.kida") %}');
    expect(await project.hasDynamicRefs()).toBe(false);
    writeFileSync(join(dir, 'wide.kida'), '{# {% include x %} #}{% raw %}{% include y %}{% endraw %}');
    expect(await project.hasDynamicRefs()).toBe(false);
  });

  it('is remembered by the compile cache while the files stay the same', async () => {
    const root = mkdtempSync(join(dir, 'cached-'));
    const open = () => new KidaProject({ root, cacheDir: join(root, '.cache') }, root); // a new build, as in a new process
    const scan = async () => {
      const p = open();
      const answer = await p.hasDynamicRefs();
      p.cache!.flush();
      return answer;
    };
    writeFileSync(join(root, 'page.kida'), '{% include "part.kida" %}');
    writeFileSync(join(root, 'part.kida'), 'p');
    expect(await scan()).toBe(false);
    expect(await scan()).toBe(false);
    writeFileSync(join(root, 'part.kida'), '{% include name %}'); // an edit: its stamp changes
    expect(await scan()).toBe(true);
    expect(await scan()).toBe(true);
    rmSync(join(root, 'part.kida'));
    expect(await scan()).toBe(false);
  });
});

describe('declarations on request', () => {
  it('dts: false leaves the declarations out and changes nothing else', () => {
    const source = '{% template title: str %}{% block main %}{{ title }}{% end %}';
    const full = compile(source, { name: 't.html' });
    const bare = compile(source, { name: 't.html', dts: false });
    expect(full.dts).toContain('title: string');
    expect(bare.dts).toBe('');
    expect({ ...bare, dts: full.dts }).toEqual(full);
  });
});

describe('loops without a LoopContext', () => {
  // (only the counters: last, length and revindex read ahead, which a LoopContext does lazily)
  const ATTRS = ['index', 'index0', 'first'];
  const reads = ATTRS.map((a) => `${a}={{ loop.${a} }}`).join(' ');
  // `{% set held = loop %}` makes `loop` a value: the loop then needs its LoopContext
  const sources: Record<string, string> = {
    light: `{% for x in xs if x != 3 %}[{{ x }}: ${reads}{% if loop.first %}!{% end %}]{% end %}`,
    full: `{% for x in xs if x != 3 %}{% set held = loop %}[{{ x }}: ${reads}{% if loop.first %}!{% end %}]{% end %}`,
    ahead: `{% for x in xs if x != 3 %}[{{ x }}: last={{ loop.last }} length={{ loop.length }} revindex={{ loop.revindex }} revindex0={{ loop.revindex0 }}]{% end %}`,
    'light-nested': '{% for a in xs %}{% for b in xs if b > a %}{{ loop.index }}{% end %}/{{ loop.index0 }}{% if loop.first %}^{% end %}{% end %}',
    'full-nested': '{% for a in xs %}{% set held = loop %}{% for b in xs if b > a %}{% set held2 = loop %}{{ loop.index }}{% end %}/{{ loop.index0 }}{% if loop.first %}^{% end %}{% end %}',
    'light-break': '{% for x in xs %}{% if loop.index0 == 2 %}{% continue %}{% end %}{{ loop.index }}{% if x == 4 %}{% break %}{% end %}{% end %}',
    'full-break': '{% for x in xs %}{% set held = loop %}{% if loop.index0 == 2 %}{% continue %}{% end %}{{ loop.index }}{% if x == 4 %}{% break %}{% end %}{% end %}',
    'light-guarded': '{% for x in xs %}{{ loop.index | default(0) }}{{ loop.length ?? 0 }}{% if loop.first is defined %}d{% end %}{% end %}',
    'full-guarded': '{% for x in xs %}{% set held = loop %}{{ loop.index | default(0) }}{{ loop.length ?? 0 }}{% if loop.first is defined %}d{% end %}{% end %}',
  };
  const env = makeEnv(sources);

  it('are compiled where `loop` is read only as loop.index and the like', () => {
    const code = (source: string) => compile(source, { name: 't.html' }).code;
    expect(code(sources.light!)).not.toContain('LoopContext');
    expect(code(sources['light-nested']!)).not.toContain('LoopContext');
    expect(code(sources.full!)).toContain('new $LoopContext');
    expect(code(sources.ahead!)).toContain('new $LoopContext');
    // `loop` as a value, a method call, an optional read, or loop locals handed on
    for (const escapes of [
      '{{ f(loop) }}',
      '{{ loop.cycle("a", "b") }}',
      '{{ loop?.index }}',
      '{{ loop.previtem }}',
      '{% include "x.html" %}',
      '{% call f() %}{{ loop.index }}{% end %}',
    ])
      expect(code(`{% for x in xs %}{{ loop.index }}${escapes}{% end %}`)).toContain('new $LoopContext');
  });

  it('are not needed where only a nested loop reads `loop`, which still counts against a light loop', () => {
    // (distinct loop variables: the render and stream functions each make the same ones)
    const contexts = (source: string) => new Set(compile(source, { name: 't.html' }).code.match(/\w+(?= = new \$LoopContext)/g)).size;
    const inner = '{% for b in a %}{{ loop.cycle(1, 2) }}{% end %}';
    expect(contexts(`{% for a in xs %}${inner}{% end %}`)).toBe(1); // the inner loop's
    expect(contexts(`{% for a in xs %}{{ loop.index }}${inner}{% end %}`)).toBe(2);
    expect(contexts(`{% for a in xs %}{{ loop.index }}{% for b in a %}{{ loop.first }}{% end %}{% end %}`)).toBe(0);
    // a nested loop's iterable and else branch are in the outer loop's scope
    expect(contexts('{% for a in xs %}{% for b in [loop] %}{% end %}{% end %}')).toBe(1);
  });

  it('render, stream and render async like loops with one', async () => {
    for (const xs of [[], [1], [1, 2], [1, 2, 3, 4, 5], 'abc']) {
      for (const name of ['', '-nested', '-break', '-guarded']) {
        const light = env.getTemplate(`light${name}`);
        const full = env.getTemplate(`full${name}`);
        const want = full.render({ xs });
        expect(light.render({ xs })).toBe(want);
        expect([...light.renderStream({ xs })].join('')).toBe(want);
        expect(await light.renderAsync({ xs })).toBe(want);
      }
    }
    expect(env.getTemplate('light').render({ xs: [1, 2, 3, 4] })).toBe(
      '[1: index=1 index0=0 first=True!][2: index=2 index0=1 first=False][4: index=4 index0=3 first=False]',
    );
    expect(env.getTemplate('ahead').render({ xs: [1, 2, 3, 4] })).toBe(
      '[1: last=False length=4 revindex=4 revindex0=3][2: last=False length=4 revindex=3 revindex0=2][4: last=True length=4 revindex=1 revindex0=0]',
    );
  });
});

describe('short forms of filters', () => {
  it('are called where a call passes at most their arguments', () => {
    const code = (source: string) => compile(source, { name: 't.html' }).code;
    expect(code('{{ x | trim }}{{ x | strip }}')).toMatch(/\$f_trim_0\(.*\$f_trim_0\(/);
    expect(code('{{ x | trim("ab") }}')).toMatch(/\$f_trim\(/);
    expect(code('{{ x | trim(none) }}')).toMatch(/\$f_trim\(/);
    expect(code('{{ x | round }}{{ x | round(2) }}{{ x | round(precision=2) }}')).not.toMatch(/\$f_round\(/);
    for (const full of ['round(2, "floor")', 'round(method="ceil")', 'round(2, strict=true)', 'round(1, 2, 3, 4)'])
      expect(code(`{{ x | ${full} }}`)).toMatch(/\$f_round\(/);
  });

  it('give what the full filters give', () => {
    const outcome = (f: () => unknown) => {
      try {
        return { value: f() };
      } catch (e) {
        return { error: (e as Error).message };
      }
    };
    const values = [
      ' a b ', '\t\n\x1c a\u3000', '', 'abc', new Markup(' <b> '), null, undefined, true, 0, -0, 2.5, 3.14159, -1e20, NaN, Infinity,
      '2.675', ' -1.5e3 ', 'inf', '-Infinity', 'nan', '1_000.5', 'x1', [1], { a: 1 }, new PyFloat(2), 12n,
    ];
    for (const v of values) {
      expect(outcome(() => f_trim_0(v))).toEqual(outcome(() => f_trim(v)));
      for (const p of [undefined, 0, 1, 2, -1, true, 2.5, '1', null])
        expect(outcome(() => f_round_1(v, p))).toEqual(outcome(() => f_round(v, p)));
    }
  });
});
