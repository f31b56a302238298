// Configurable delimiters (language.md §1.1–§1.3, Environment block_start … comment_end):
// the same template spelled with `{% %}`/`{{ }}`/`{# #}` or with custom delimiters must lex,
// trim, parse and render the same, through the Environment and through compiled modules.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { compile, check, parse, relativeImport, DelimiterError, type DelimiterOptions } from '../../compiler/index.js';
import { DictLoader, Environment, type EnvironmentOptions } from '../../compiler/environment.js';
import { tokenize, resolveSyntax, DEFAULT_SYNTAX } from '../../compiler/lexer.js';
import { KidaProject } from '../../plugins/shared.js';
import { TemplateError, TemplateSyntaxError } from '../../runtime/errors.js';
import { renderAll } from '../support.js';

/** EJS-like: `<% stmt %>`, `<%= expr %>`, `<%# comment %>` (the closers are shared). */
const EJS: DelimiterOptions = { blockStart: '<%', blockEnd: '%>', variableStart: '<%=', variableEnd: '%>', commentStart: '<%#', commentEnd: '%>' };
/** The spec's example set: `<% %>`, `<%= %>`, `<# #>`. */
const ANGLE: DelimiterOptions = { blockStart: '<%', blockEnd: '%>', variableStart: '<%=', variableEnd: '%>', commentStart: '<#', commentEnd: '#>' };
/** Square brackets, as used to avoid clashing with client-side `{{ }}` frameworks. */
const SQUARE: DelimiterOptions = { blockStart: '[%', blockEnd: '%]', variableStart: '[[', variableEnd: ']]', commentStart: '[#', commentEnd: '#]' };
/** PHP-like, with a 4-character comment opener and closers containing operator characters. */
const PHP: DelimiterOptions = { blockStart: '<?', blockEnd: '?>', variableStart: '<?=', variableEnd: '?>', commentStart: '<!--', commentEnd: '-->' };

const env = (d: DelimiterOptions, extra: EnvironmentOptions = {}, templates: Record<string, string> = {}) =>
  new Environment({ loader: new DictLoader(templates), ...d, ...extra });
const render = (d: DelimiterOptions, src: string, ctx: Record<string, unknown> = {}, extra: EnvironmentOptions = {}) =>
  env(d, extra).fromString(src).render(ctx);
function thrown(f: () => unknown): Error & Record<string, unknown> {
  try {
    f();
  } catch (e) {
    return e as Error & Record<string, unknown>;
  }
  throw new Error('expected an error');
}

describe('the spec examples', () => {
  it('<% if x %><%= x %><% end %> works', async () => {
    expect(await renderAll('<% if x %><%= x %><% end %>', { x: 5 }, ANGLE)).toBe('5');
    expect(await renderAll('<% if x %><%= x %><% end %>', { x: 0 }, ANGLE)).toBe('');
  });
  it('a closer inside a string literal does not end the tag', async () => {
    expect(await renderAll('<%= "%>" %>|<% set s = "%>" %><%= s %>', {}, { ...ANGLE, autoescape: false })).toBe('%>|%>');
    expect(await renderAll('[[ "]]" ~ "%]" ]]', {}, SQUARE)).toBe(']]%]');
  });
  it('a closer at a token boundary ends the tag, as }} does by default', () => {
    // `[[ [1, [2]] ]]`: the `]]` that closes the nested list ends the tag (the §1.1 trap).
    expect(thrown(() => render(SQUARE, '[[ [1, [2]] ]]'))).toBeInstanceOf(TemplateSyntaxError);
    expect(render(SQUARE, '[[ [1, [2] ] ]]')).toBe('[1, [2]]');
  });
  it('the default delimiters are plain text once others are configured', () => {
    expect(render(ANGLE, '{{ x }} {% if %} {# c #} <%= x %>', { x: 1 })).toBe('{{ x }} {% if %} {# c #} 1');
    expect(render(SQUARE, '<div v-if="{{ ok }}">[[ n ]]</div>', { n: 2 })).toBe('<div v-if="{{ ok }}">2</div>');
  });
  it('only the configured delimiters change; the others keep their defaults', () => {
    expect(render({ variableStart: '${', variableEnd: '}' }, '${ x }|{% if x %}y{% end %}{# c #}', { x: 1 })).toBe('1|y');
    expect(render({ commentStart: '<!--', commentEnd: '-->' }, 'a<!-- {{ x }} -->{{ 1 }}')).toBe('a1');
  });
  it('statements, loops, defs, filters and match work unchanged', async () => {
    const src =
      '<% def item(x) %><li><%= x | upper %></li><% end %>' +
      '<% for i in xs %><%= item(i) %><% else %>none<% end %>' +
      '<% match n %><% case 1 %>one<% case _ %>many<% end %>';
    expect(await renderAll(src, { xs: ['a', 'b'], n: 2 }, ANGLE)).toBe('<li>A</li><li>B</li>many');
    expect(await renderAll('[% for i in 1..3 %][[ loop.index ]][% end %]', {}, SQUARE)).toBe('123');
  });
});

describe('opener precedence', () => {
  it('a longer variable opener wins over the block opener it starts with', () => {
    const toks = tokenize('<%= a %><% b %>', EJS);
    expect(toks.map((t) => t.type)).toEqual(['var_begin', 'name', 'var_end', 'block_begin', 'name', 'block_end', 'eof']);
    expect(toks[0]!.value).toBe('<%=');
    expect(toks[3]!.value).toBe('<%');
  });
  it('a longer comment opener wins over the block opener it starts with (EJS comments)', () => {
    expect(render(EJS, 'a<%# a comment, not a tag %>b<%= 1 %>')).toBe('ab1');
  });
  it('the earliest opener wins over a longer one further on', () => {
    expect(render(ANGLE, '<% if true %>x<%= 1 %><% end %>')).toBe('x1');
    expect(render(PHP, '<? if true ?><?= "a" ?><!-- c --><? end ?>')).toBe('a');
  });
  it('closers that contain operator characters still leave the operators usable', () => {
    expect(render(ANGLE, '<%= 7 % 4 %>|<%= 7%4 %>')).toBe('3|3');
    expect(render(PHP, '<?= x ?? "d" ?>|<?= y?.z ?? "e" ?>', { x: null, y: null })).toBe('d|e');
    expect(render(SQUARE, '[[ xs[0] ]]|[% set y = [1, 2] %][[ y | join("-") ]]', { xs: ['q'] })).toBe('q|1-2');
  });
});

describe('whitespace control with the real delimiter length', () => {
  it('- markers after 3-character openers and before 2-character closers', async () => {
    expect(await renderAll('a  \n <%=- x -%>\n  b', { x: 1 }, ANGLE)).toBe('a1b');
    expect(await renderAll('a  <%- if true -%>  b  <%- end -%>  c', {}, ANGLE)).toBe('abc');
    expect(await renderAll('a  <?=- 1 -?>  b', {}, PHP)).toBe('a1b');
  });
  it('3-character openers for every construct', async () => {
    const d: DelimiterOptions = { blockStart: '{{%', blockEnd: '%}}', variableStart: '{{{', variableEnd: '}}}', commentStart: '{{#', commentEnd: '#}}' };
    expect(await renderAll('a \n{{{- x -}}}\n b {{%- if x -%}} c {{%- end %}} {{#- note #}}|', { x: 2 }, d)).toBe('a2bc|');
    // `{{{-5}}}` is left-trim plus 5, `{{{ -5 }}}` negative five (as `{{-5}}` / `{{ -5 }}`).
    expect(render(d, 'x {{{-5}}}|{{{ -5 }}}')).toBe('x5|-5');
  });
  it('a 4-character comment opener trims left; the - before a comment closer is comment text', () => {
    expect(render(PHP, 'a   <!--- c --> b')).toBe('a b');
    expect(render(PHP, 'a <!-- c ---> b')).toBe('a  b');
  });
  it('trimBlocks and lstripBlocks apply to the custom block delimiters only', async () => {
    const src = 'x\n    <% if true %>\n    A\n    <% end %>\nB';
    expect(await renderAll(src, {}, { ...ANGLE, trimBlocks: true, lstripBlocks: true })).toBe('x\n    A\nB');
    expect(await renderAll(src, {}, ANGLE)).toBe('x\n    \n    A\n    \nB');
    // The variable closer is the same `%>`, but trimBlocks ignores output tags.
    expect(await renderAll('  <%= 1 %>\nY', {}, { ...ANGLE, trimBlocks: true, lstripBlocks: true })).toBe('  1\nY');
    // Comments are not block tags either.
    expect(await renderAll('  <# c #>\nY', {}, { ...ANGLE, trimBlocks: true, lstripBlocks: true })).toBe('  \nY');
    expect(await renderAll('[% if true %]\n  A\n  [% end %]\n', {}, { ...SQUARE, trimBlocks: true, lstripBlocks: true })).toBe('  A\n');
  });
});

describe('raw blocks and comments', () => {
  it('raw with custom delimiters emits the body verbatim', async () => {
    const body = '<%= x | upper %> <% if %> <# c #> {{ "s" }} {% end %} <% end %> a && b';
    expect(await renderAll(`<% raw %>${body}<% endraw %>`, {}, { ...ANGLE, autoescape: false })).toBe(body);
    expect(await renderAll('[% raw %][[ x ]][% endraw %]', {}, SQUARE)).toBe('[[ x ]]');
  });
  it('raw honours - markers, trimBlocks and lstripBlocks', () => {
    expect(render(ANGLE, 'a  <%- raw -%>  x  <%- endraw -%>  b')).toBe('axb');
    expect(render(ANGLE, '  <% raw %>\nx\n  <% endraw %>\nb', {}, { trimBlocks: true, lstripBlocks: true })).toBe('x\nb');
  });
  it('an unclosed raw names the custom closer', () => {
    const e = thrown(() => render(ANGLE, 'a\n<% raw %>x'));
    expect(e.code).toBe('K-PAR-002');
    expect(e.rawMessage).toContain('<% endraw %>');
    expect(e.lineno).toBe(2);
  });
  it('comments end at the first custom closer and do not nest', () => {
    expect(render(ANGLE, 'a<# x <%= y %> #>b')).toBe('ab');
    expect(render(ANGLE, 'a<# x <# y #> z #>b')).toBe('a z #>b');
    expect(render(SQUARE, 'a[# [[ nope ]] #]b')).toBe('ab');
  });
  it('@types comments in custom delimiters reach the .d.ts', () => {
    const src = '<# @types import type { Page } from "./types.js" #><% template page: Page %><%= page.title %>';
    const { dts } = compile(src, { name: 'p.kida', ...ANGLE });
    expect(dts).toContain('import type { Page } from "./types.js";');
    expect(dts).toMatch(/page: Page/);
  });
});

describe('error positions', () => {
  it('a parse error points at the right line and column', () => {
    const e = thrown(() => render(ANGLE, 'line1\n  <%= x + %>'));
    expect(e).toBeInstanceOf(TemplateSyntaxError);
    expect([e.lineno, e.colno]).toEqual([2, 10]);
    expect(e.rawMessage).toContain("end of tag '%>'");
    expect(e.message).toContain('  2 |   <%= x + %>\n   |' + ' '.repeat(12) + '^');
  });
  it('unclosed tags and comments report the custom closer at the opener', () => {
    const tag = thrown(() => render(SQUARE, 'ok\nab [% if x'));
    expect([tag.code, tag.lineno, tag.colno]).toEqual(['K-LEX-001', 2, 3]);
    expect(tag.rawMessage).toContain('missing %]');
    const out = thrown(() => render(SQUARE, '[[ x'));
    expect([out.code, out.rawMessage]).toEqual(['K-LEX-003', 'Unclosed variable tag: missing ]]']);
    const com = thrown(() => render(PHP, 'a\n\n  <!-- no end'));
    expect([com.code, com.lineno, com.colno]).toEqual(['K-LEX-002', 3, 2]);
    expect(com.rawMessage).toBe('Unclosed comment: missing -->');
  });
  it('errors after multi-line tags and long openers keep counting lines', () => {
    const e = thrown(() => render(PHP, '<!-- a\nb -->\n<?= "x\ny" ?>\n<? if ?>'));
    expect([e.lineno, e.colno]).toEqual([5, 6]);
  });
  it('messages name the configured delimiters', () => {
    expect(thrown(() => render(ANGLE, '<%= %>')).rawMessage).toBe('Empty expression in <%= %>');
    expect(thrown(() => render(ANGLE, '<% if x y %>')).rawMessage).toMatch(/expected %>/);
    expect(thrown(() => render(SQUARE, '[% 1 %]')).rawMessage).toMatch(/after \[%/);
  });
  it('compile() reports the same positions as the Environment', () => {
    const src = 'a\n[% for x in %]';
    const a = thrown(() => render(SQUARE, src));
    const b = thrown(() => compile(src, SQUARE));
    const c = thrown(() => check(src, SQUARE));
    expect([b.lineno, b.colno, b.code]).toEqual([a.lineno, a.colno, a.code]);
    expect([c.lineno, c.colno]).toEqual([a.lineno, a.colno]);
  });
});

describe('option validation', () => {
  const bad: [DelimiterOptions, RegExp][] = [
    [{ blockStart: '' }, /blockStart: it must not be empty/],
    [{ variableEnd: '' }, /variableEnd: it must not be empty/],
    [{ blockStart: '{{' }, /variableStart and blockStart are both "\{\{"/],
    [{ variableStart: '<%', blockStart: '<%' }, /variableStart and blockStart/],
    [{ commentStart: '{%' }, /blockStart and commentStart/],
    [{ blockStart: '<% ' }, /blockStart "<% ": it must not contain whitespace/],
    [{ commentEnd: '#\n}' }, /whitespace/],
    [{ variableStart: 5 as unknown as string }, /expected a string, got number/],
  ];
  it.each(bad)('%j is rejected at compile() and Environment construction', (d, msg) => {
    for (const f of [() => compile('x', d), () => check('x', d), () => new Environment(d), () => parse('x', d), () => new KidaProject(d, '/tmp')]) {
      const e = thrown(f);
      expect(e).toBeInstanceOf(DelimiterError);
      expect(e).toBeInstanceOf(TemplateError);
      expect(e.message).toMatch(msg);
    }
  });
  it('accepts identical closers, and openers that are prefixes of each other', () => {
    expect(() => new Environment(EJS)).not.toThrow();
    expect(() => compile('x', PHP)).not.toThrow();
  });
  it('the default set (explicit or not) takes the default fast path; custom sets are cached', () => {
    expect(resolveSyntax({})).toBe(DEFAULT_SYNTAX);
    expect(resolveSyntax({ blockStart: '{%', variableEnd: '}}' })).toBe(DEFAULT_SYNTAX);
    expect(resolveSyntax({ ...ANGLE })).toBe(resolveSyntax({ ...ANGLE }));
    expect(new Environment({ blockStart: '{%' }).delimiters.blockStart).toBe('{%');
  });
  it('the Environment accepts the snake_case spellings', () => {
    const e = new Environment({ block_start: '<%', block_end: '%>', variable_start: '<%=', variable_end: '%>', comment_start: '<#', comment_end: '#>' });
    expect(e.delimiters).toEqual(ANGLE);
    expect(e.fromString('<% if 1 %><%= 2 %><# c #><% end %>').render({})).toBe('2');
  });
});

describe('Environment and compiled modules agree', () => {
  const dir = join(import.meta.dirname, '.out-delimiters');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const templates: Record<string, string> = {
    'base.html.kida': '<main><% block content %>base<% end %></main><% include "foot.html.kida" %>',
    'foot.html.kida': '<# footer #><footer><%= year %></footer>',
    'ui.html.kida': '<% def badge(t) %><b><%= t %></b><% end %>',
    'page.html.kida':
      '<% extends "base.html.kida" %><% from "ui.html.kida" import badge %>' +
      '<% block content %>\n  <% for x in xs %>\n  <%= badge(x) %>\n  <% end %>\n<% end %>',
    'async.html.kida': '<% async for x in gen() %><%= x %>,<% end %><% raw %><%= not a tag %><% endraw %>',
  };
  const opts = { ...ANGLE, trimBlocks: true, lstripBlocks: true };

  it('in render, renderStream, renderAsync, renderStreamAsync and renderBlock', async () => {
    rmSync(dir, { recursive: true, force: true });
    for (const [name, source] of Object.entries(templates)) {
      const { code } = compile(source, { name, ...opts, importPath: (t, f) => relativeImport(t, f) + '.mjs' });
      const file = join(dir, name + '.mjs');
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, code);
    }
    const mod = (await import(pathToFileURL(join(dir, 'page.html.kida.mjs')).href)) as Record<string, any>;
    const e = env(ANGLE, { trimBlocks: true, lstripBlocks: true }, templates).getTemplate('page.html.kida');
    const ctx = { xs: ['a', '<b>'], year: 2026 };
    const expected = '<main>  <b>a</b>\n  <b>&lt;b&gt;</b>\n</main><footer>2026</footer>';
    expect(e.render(ctx)).toBe(expected);
    expect(mod.render(ctx)).toBe(expected);
    expect([...mod.renderStream(ctx)].join('')).toBe(expected);
    expect(await mod.renderAsync(ctx)).toBe(expected);
    let chunks = '';
    for await (const c of mod.renderStreamAsync(ctx)) chunks += c;
    expect(chunks).toBe(expected);
    expect(mod.renderBlock('content', ctx)).toBe(e.renderBlock('content', ctx));
    expect(mod.renderBlock('content', ctx)).toBe('  <b>a</b>\n  <b>&lt;b&gt;</b>\n');

    const amod = (await import(pathToFileURL(join(dir, 'async.html.kida.mjs')).href)) as Record<string, any>;
    const actx = {
      gen: async function* () {
        yield 1;
        yield 2;
      },
    };
    const aexp = '1,2,<%= not a tag %>'; // raw text is data, never escaped
    expect(await amod.renderAsync(actx)).toBe(aexp);
    expect(await env(ANGLE, opts, templates).getTemplate('async.html.kida').renderAsync(actx)).toBe(aexp);
  });

  it('the build options (plugins, kida.config, CLI) carry the delimiters, snake_case too', () => {
    const p = new KidaProject({ root: '.', ...SQUARE }, '/tmp');
    expect(p.compileOptions('/tmp/a.kida')).toMatchObject(SQUARE);
    const snake = new KidaProject({ block_start: '<%', block_end: '%>', variable_start: '<%=' } as never, '/tmp');
    expect(snake.compileOptions('/tmp/a.kida')).toMatchObject({ blockStart: '<%', blockEnd: '%>', variableStart: '<%=' });
    const out = compile('[[ x ]]', p.compileOptions('/tmp/a.kida'));
    expect(out.code).toContain('virtual:kida-linkage');
  });
});

describe('the Rollup plugin takes the delimiters as options', () => {
  const root = join(import.meta.dirname, '../..');
  const dir = join(root, 'test/.tmp-rollup-delimiters');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  it('bundles custom-delimiter templates that render like the Environment', async () => {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(join(dir, 'templates'), { recursive: true });
    const files: Record<string, string> = {
      'base.html.kida': '<h1><% block title %>T<% end %></h1>{{ literal }}',
      'page.html.kida': '<% extends "base.html.kida" %><% block title %><%= name | upper %><# c #><% end %>',
    };
    for (const [n, src] of Object.entries(files)) writeFileSync(join(dir, 'templates', n), src);
    writeFileSync(join(dir, 'entry.js'), "import page from './templates/page.html.kida';\nexport const out = (ctx) => page.render(ctx);\n");
    const { rollup } = await import('rollup');
    const { default: kida } = (await import(pathToFileURL(join(root, 'dist/plugins/rollup.js')).href)) as { default: (o: object) => never };
    const plugin = kida({ root: join(dir, 'templates'), ...ANGLE });
    const bundle = await rollup({ input: join(dir, 'entry.js'), plugins: [plugin], logLevel: 'silent' });
    await bundle.write({ file: join(dir, 'out.mjs'), format: 'es' });
    const { out } = (await import(pathToFileURL(join(dir, 'out.mjs')).href)) as { out: (ctx: object) => string };
    const want = env(ANGLE, {}, files).getTemplate('page.html.kida').render({ name: 'kim' });
    expect(out({ name: 'kim' })).toBe(want);
    expect(want).toBe('<h1>KIM</h1>{{ literal }}');
    expect(() => kida({ ...ANGLE, variableStart: '<%' })).toThrow(/the three openers must differ/);
  });
});

describe('the CLI reads the delimiters from kida.config.json', () => {
  const root = join(import.meta.dirname, '../..');
  const dir = join(root, 'test/.tmp-cli-delimiters');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  it('compile, check, render and extract', () => {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(join(dir, 'templates'), { recursive: true });
    writeFileSync(join(dir, 'kida.config.json'), JSON.stringify({ block_start: '<%', block_end: '%>', variable_start: '<%=', variable_end: '%>', commentStart: '<#', commentEnd: '#>' }));
    writeFileSync(join(dir, 'templates/part.html.kida'), '<# part #><i><%= who %></i>');
    writeFileSync(join(dir, 'templates/page.html.kida'), '<% for x in xs %><%= _("Hi") %> <% include "part.html.kida" with context %><% end %>{{ literal }}');
    const run = (args: string[]) => spawnSync(process.execPath, [join(root, 'dist/compiler/cli.js'), ...args], { cwd: dir, encoding: 'utf8' });
    const compiled = run(['compile', 'templates', '--out', 'out']);
    expect(compiled.stderr).toMatch(/compiled 2 of 2/);
    expect(run(['check', 'templates']).status).toBe(0);
    const rendered = run(['render', 'templates/page.html.kida', '--data', '{"xs":[1],"who":"<b>"}']);
    expect(rendered.stdout).toBe('Hi <i>&lt;b&gt;</i>{{ literal }}');
    expect(run(['extract', 'templates']).stdout).toContain('msgid "Hi"');
  });
});

// ------------------------------------------------------------------ property: respelling

/** A template over a small grammar, printable with any delimiter set. */
type Piece =
  | { k: 'text'; s: string }
  | { k: 'out'; e: string; l: boolean; r: boolean }
  | { k: 'if'; c: string; then: Piece[]; else: Piece[] | null; marks: boolean[] }
  | { k: 'for'; body: Piece[]; marks: boolean[] }
  | { k: 'set'; e: string; l: boolean; r: boolean }
  | { k: 'comment'; s: string; l: boolean }
  | { k: 'raw'; s: string; marks: boolean[] };

const DEFAULTS = { blockStart: '{%', blockEnd: '%}', variableStart: '{{', variableEnd: '}}', commentStart: '{#', commentEnd: '#}' };

function spell(ps: Piece[], d: Required<DelimiterOptions>): string {
  const tag = (body: string, l: boolean, r: boolean) => `${d.blockStart}${l ? '-' : ''} ${body} ${r ? '-' : ''}${d.blockEnd}`;
  return ps
    .map((p): string => {
      switch (p.k) {
        case 'text':
          return p.s;
        case 'out':
          return `${d.variableStart}${p.l ? '-' : ''} ${p.e} ${p.r ? '-' : ''}${d.variableEnd}`;
        case 'set':
          return tag(`set v = ${p.e}`, p.l, p.r);
        case 'comment':
          return `${d.commentStart}${p.l ? '-' : ''} ${p.s} ${d.commentEnd}`;
        case 'if': {
          const m = p.marks;
          return (
            tag(`if ${p.c}`, m[0]!, m[1]!) +
            spell(p.then, d) +
            (p.else ? tag('else', m[2]!, m[3]!) + spell(p.else, d) : '') +
            tag('end', m[4]!, m[5]!)
          );
        }
        case 'for':
          return tag('for i in items', p.marks[0]!, p.marks[1]!) + spell(p.body, d) + tag('end', p.marks[2]!, p.marks[3]!);
        case 'raw':
          return tag('raw', p.marks[0]!, p.marks[1]!) + p.s + tag('endraw', p.marks[2]!, p.marks[3]!);
      }
    })
    .join('');
}

const text = fc.string({ unit: fc.constantFrom('a', 'b', ' ', ' ', '\n', '\t', '-', '.', '\r\n'), maxLength: 6 });
// Strings may contain any closer; expressions use `%` and `?` operators next to `%>`/`?>`.
const expr = fc.constantFrom(
  'x', 'n', 'n + 1', 'n % 2', 'n * 3 // 2', '"%>"', '"}}"', '"]]"', '"?>"', '"-->"', 'x ~ "%]"', 'x | upper',
  'missing ?? "d"', 'items | join(",")', 'loop_var ?? n', '-n', 'not flag', 'x if flag else "no"',
);
const cond = fc.constantFrom('flag', 'not flag', 'n > 2', 'n % 2 == 1', 'x == "q"', 'items');
// Raw bodies are kept verbatim in every spelling, so they may hold any tag syntax but endraw.
const rawBody = fc.constantFrom('plain', '{{ x }}', '<%= x %>', '[[ x ]]', '{% if %}', '<% if %>', '[# c #]', '<# c #>', '<?= 1 ?>', ' a && b ');
const commentText = fc.constantFrom('note', 'x y', '{{ x }}', '');
const bool = fc.boolean();
const marks = (n: number) => fc.array(bool, { minLength: n, maxLength: n });

const { piece } = fc.letrec<{ piece: Piece; pieces: Piece[] }>((tie) => ({
  pieces: fc.array(tie('piece'), { maxLength: 4 }),
  piece: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    text.map((s): Piece => ({ k: 'text', s })),
    fc.record({ e: expr, l: bool, r: bool }).map((o): Piece => ({ k: 'out', ...o })),
    fc.record({ e: expr, l: bool, r: bool }).map((o): Piece => ({ k: 'set', ...o })),
    fc.record({ s: commentText, l: bool }).map((o): Piece => ({ k: 'comment', ...o })),
    fc.record({ s: rawBody, marks: marks(4) }).map((o): Piece => ({ k: 'raw', ...o })),
    fc
      .record({ c: cond, then: tie('pieces'), else: fc.option(tie('pieces'), { nil: null }), marks: marks(6) })
      .map((o): Piece => ({ k: 'if', ...(o as { c: string; then: Piece[]; else: Piece[] | null; marks: boolean[] }) })),
    fc.record({ body: tie('pieces'), marks: marks(4) }).map((o): Piece => ({ k: 'for', ...(o as { body: Piece[]; marks: boolean[] }) })),
  ),
}));

describe('property: respelling a template with custom delimiters does not change its output', () => {
  const sets = { ANGLE, SQUARE, PHP, EJS } as Record<string, Required<DelimiterOptions>>;
  const ctx = { x: 'q', n: 3, flag: true, items: ['<a>', 'b'] };
  for (const [label, d] of Object.entries(sets)) {
    it(`default ≡ ${label}`, () => {
      fc.assert(
        fc.property(fc.array(piece, { maxLength: 6 }), bool, bool, (ps, trimBlocks, lstripBlocks) => {
          const o = { trimBlocks, lstripBlocks };
          const a = spell(ps, DEFAULTS);
          const b = spell(ps, d);
          const expected = new Environment(o).fromString(a).render(ctx);
          expect(new Environment({ ...o, ...d }).fromString(b).render(ctx)).toBe(expected);
          // The data tokens (what whitespace control produced) are the same too.
          const data = (src: string, opts: object) => tokenize(src, opts).filter((t) => t.type === 'data').map((t) => t.value).join('|');
          expect(data(b, { ...o, ...d })).toBe(data(a, o));
        }),
        { numRuns: 300 },
      );
    });
  }
});
