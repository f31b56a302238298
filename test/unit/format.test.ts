// The template formatter (compiler/format.ts, `kida fmt`): the reference's rules, what it must
// not touch, idempotence, and that a formatted template renders what the original did except
// for whitespace outside <pre> and <textarea>.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { format } from '../../compiler/format.js';
import { makeEnv, renderAll } from '../support.js';
import { normalize } from '../format-support.js';

describe('format: the reference rules', () => {
  it('spaces tags, outputs and comments, keeping the - markers', async () => {
    expect(format('{%-  if user  -%}{{user.name}}{%endif%}')).toBe('{%- if user -%}{{ user.name }}{% endif %}\n');
    expect(format('{#note#} {#-  x -#} {{-5}} {{ -5 }}')).toBe('{# note #} {#- x -#} {{- 5 }} {{ -5 }}\n');
    expect(format('{{}} {%-%} {{--}}')).toBe('{{ }} {%- %} {{- -}}\n');
    // `+`/`~` against a delimiter stay there (Jinja's markers; in Kida `{{+x}}` is unary plus)
    expect(format('{{+x}} {%+ if x +%} {{ x~}} {{ "~"}} {{ +x }}')).toBe('{{+ x }} {%+ if x +%} {{ x ~}} {{ "~" }} {{ +x }}\n');
    await expect(renderAll(format('{{+n}}'), { n: 2 })).resolves.toBe('2\n');
  });
  it('indents block bodies; continuation tags sit at their opener', () => {
    const src = '{%block sidebar%}\n<aside>\n{%if categories%}\n<ul>\n{%for cat in categories%}\n<li>{{cat.name}}</li>\n{%else%}\n<li>none</li>\n{%endfor%}\n</ul>\n{%endif%}\n</aside>\n{%endblock%}';
    expect(format(src)).toBe(
      '{% block sidebar %}\n  <aside>\n  {% if categories %}\n    <ul>\n    {% for cat in categories %}\n      <li>{{ cat.name }}</li>\n' +
        '    {% else %}\n      <li>none</li>\n    {% endfor %}\n    </ul>\n  {% endif %}\n  </aside>\n{% endblock %}\n',
    );
    expect(format('{% if a %}\nA\n{% elif b %}\nB\n{% else %}\nC\n{% end %}\n', { indent: 4 })).toBe('{% if a %}\n    A\n{% elif b %}\n    B\n{% else %}\n    C\n{% end %}\n');
    expect(format('{% match x %}\n{% case 1 %}\none\n{% case _ %}\nother\n{% end %}')).toBe('{% match x %}\n{% case 1 %}\n  one\n{% case _ %}\n  other\n{% end %}\n');
    expect(format('{% try %}\nx\n{% fallback e %}\ny\n{% end %}')).toBe('{% try %}\n  x\n{% fallback e %}\n  y\n{% end %}\n');
  });
  it('knows which tags open a body: a one-line block, set, include, slot placeholders', () => {
    expect(format('{% if a %}x{% endif %}\n{% set y = 1 %}\n{% include "p" %}\nz')).toBe('{% if a %}x{% endif %}\n{% set y = 1 %}\n{% include "p" %}\nz\n');
    // a slot in a def is a placeholder; in a call, and with let: bindings, it has a body
    expect(format('{% def card() %}\n{% slot %}\n<b>\n{% end %}')).toBe('{% def card() %}\n  {% slot %}\n  <b>\n{% end %}\n');
    expect(format('{% call card() %}\n{% slot head %}\nH\n{% end %}\nbody\n{% end %}')).toBe('{% call card() %}\n  {% slot head %}\n    H\n  {% end %}\n  body\n{% end %}\n');
    expect(format('{% def t() %}\n{% slot row let:item=1 %}\nd\n{% end %}\n{% end %}')).toBe('{% def t() %}\n  {% slot row let:item=1 %}\n    d\n  {% end %}\n{% end %}\n');
    // more closers than openers: the level stays at 0
    expect(format('{% end %}\nx\n{% endif %}')).toBe('{% end %}\nx\n{% endif %}\n');
  });
  it('removes trailing whitespace, keeps at most one blank line, ends with one newline', () => {
    expect(format('a   \n\n\n\nb\t\n\n\n')).toBe('a\n\nb\n');
    expect(format('\n\n\na')).toBe('\na\n');
    expect(format('')).toBe('');
    expect(format('  \n \n')).toBe('');
    expect(format('a\r\n  b  \r\n\r\n\r\n')).toBe('a\r\nb\r\n');
    expect(format('a', { maxBlankLines: 0 })).toBe('a\n');
    expect(format('a\n\nb', { maxBlankLines: 0 })).toBe('a\nb\n');
    // a no-break space is rendered text, not layout
    expect(format('a\u00a0\n')).toBe('a\u00a0\n');
  });
  it('respects custom delimiters', () => {
    const d = { blockStart: '<%', blockEnd: '%>', variableStart: '<%=', variableEnd: '%>', commentStart: '<#', commentEnd: '#>' };
    expect(format('<%if x%>\n<%=x%>\n<#c#>\n<%end%>', d)).toBe('<% if x %>\n  <%= x %>\n  <# c #>\n<% end %>\n');
    expect(format('<%- raw -%>\n  {{x}}   <%=y%>\n<%endraw%>', d)).toBe('<%- raw -%>\n  {{x}}   <%=y%>\n<% endraw %>\n');
  });
  it('rejects an indent that is not a small integer, and a template that does not lex', () => {
    expect(() => format('x', { indent: -1 })).toThrow(RangeError);
    expect(() => format('x', { indent: 1.5 })).toThrow(RangeError);
    expect(() => format('{{ x')).toThrow(/Unclosed variable tag/);
    expect(() => format('{# x')).toThrow(/Unclosed comment/);
  });
});

describe('format: htmlIndent', () => {
  const html = { htmlIndent: true };
  it("indents by HTML nesting too: the reference docs' example", () => {
    const src = '{%block sidebar%}\n<aside>\n{%if categories%}\n<ul>\n{%for cat in categories%}\n<li>{{cat.name}}</li>\n{%endfor%}\n</ul>\n{%endif%}\n</aside>\n{%endblock%}';
    expect(format(src, html)).toBe(
      '{% block sidebar %}\n  <aside>\n    {% if categories %}\n      <ul>\n        {% for cat in categories %}\n          <li>{{ cat.name }}</li>\n' +
        '        {% endfor %}\n      </ul>\n    {% endif %}\n  </aside>\n{% endblock %}\n',
    );
  });
  it('skips void elements, <x />, HTML comments, script and style contents, > in template tags', () => {
    const src = '<div>\n<img src=x>\n<br/>\n<!-- <p> -->\n<script>\nif (a<b) {}\n</script>\n<svg>\n<path d=1\n/>\n<g a="{{ 1 > 0 }}"></g>\n</svg>\n</div>\nend';
    expect(format(src, html)).toBe('<div>\n  <img src=x>\n  <br/>\n  <!-- <p> -->\n  <script>\n    if (a<b) {}\n  </script>\n  <svg>\n    <path d=1\n    />\n    <g a="{{ 1 > 0 }}"></g>\n  </svg>\n</div>\nend\n');
  });
  it('each block keeps its own count: tags unbalanced across branches do not shift the rest', () => {
    const src = '<main>\n{% if link %}\n<a href="{{ link }}">\n{% endif %}\ntext\n{% if link %}\n</a>\n{% endif %}\n</main>\nafter';
    expect(format(src, html)).toBe('<main>\n  {% if link %}\n    <a href="{{ link }}">\n  {% endif %}\n  text\n  {% if link %}\n    </a>\n  {% endif %}\n</main>\nafter\n');
  });
});

describe('format: hostile inputs', () => {
  it('stays linear: long lines, many braces, long whitespace runs, deep nesting', () => {
    const inputs = [
      '{a'.repeat(200_000) + ' x}',
      ' '.repeat(300_000) + 'x' + ' \n'.repeat(100_000),
      '{% if x %}\n'.repeat(9_000) + 'y\n' + '{% end %}\n'.repeat(9_000), // (the lexer's limit: 100,000 tokens)
      '<pre>'.repeat(50_000),
      '{# a #}'.repeat(50_000) + '{% raw %}' + '{{'.repeat(50_000) + '{% endraw %}',
    ];
    inputs.push('<a '.repeat(100_000), '<!--'.repeat(100_000), '<div>\n'.repeat(100_000), '<script>'.repeat(50_000));
    for (const src of inputs) {
      const t = performance.now();
      const out = format(src, { htmlIndent: true });
      expect(format(src)).toBe(format(src, { htmlIndent: false }));
      expect(performance.now() - t).toBeLessThan(5000); // (about 1 s on a loaded 2-core machine)
      // (at most 64 levels of indentation a line)
      expect(out.length).toBeLessThanOrEqual(src.length + (src.split('\n').length + 1) * 128 + 1);
    }
    // indentation stops growing at 64 levels
    const deep = format('{% if x %}\n'.repeat(70) + 'y\n' + '{% end %}\n'.repeat(70));
    expect(deep.split('\n')[70]).toBe(' '.repeat(128) + 'y');
  });
});

describe('format: what it leaves alone', () => {
  it('raw bodies, <pre> and <textarea> contents', () => {
    const raw = '{% if a %}\n{%raw%}\n   {{x}}   \n\n\n\n  {%if%}\n{%endraw%}\n{% end %}';
    expect(format(raw)).toBe('{% if a %}\n  {% raw %}\n   {{x}}   \n\n\n\n  {%if%}\n{% endraw %}\n{% end %}\n');
    const pre = '{% if a %}\n<PRE class="x">\n  keep   \n\n\n    {{ v }}  \n</pre>\n<textarea>\n  t  \n</textarea  >\n{% end %}';
    expect(format(pre)).toBe('{% if a %}\n  <PRE class="x">\n  keep   \n\n\n    {{ v }}  \n</pre>\n  <textarea>\n  t  \n</textarea  >\n{% end %}\n');
    // a <pre> left open runs to the end: nothing after it changes, not even the final newline
    expect(format('x  \n<pre>\n a  ')).toBe('x\n<pre>\n a  ');
    // `<pre` in a string or a comment is not an element
    expect(format('{{ "<pre>" }}\n{# <pre> #}\n{% if a %}\nb\n{% end %}')).toBe('{{ "<pre>" }}\n{# <pre> #}\n{% if a %}\n  b\n{% end %}\n');
  });
  it('strings (even over several lines), the interior of tags and of multi-line comments', () => {
    expect(format('{{ "a  \n   b" ~ "}}" }}')).toBe('{{ "a  \n   b" ~ "}}" }}\n');
    expect(format('{% if a %}\n{% set x = [\n      1,   \n      2] %}\n{% end %}')).toBe('{% if a %}\n  {% set x = [\n      1,\n      2] %}\n{% end %}\n');
    expect(format('{% if a %}\n{#\n   keep  \n      this\n#}\n{% end %}')).toBe('{% if a %}\n  {#\n   keep  \n      this\n#}\n{% end %}\n');
    expect(format('{#   a  b   #}')).toBe('{# a  b #}\n');
  });
});

// Templates built from pieces: blocks nested at random, tags spaced at random, text with
// random indentation, blank lines and trailing whitespace.
const ws = fc.constantFrom('', ' ', '\n', '\n\n\n', '   ', '\t', '  \n    ', ' \n', '\n  \n');
const spaced = (body: string) =>
  fc.tuple(fc.constantFrom('', '-'), fc.constantFrom('', ' ', '  ', '\n'), fc.constantFrom('', ' ', '\n '), fc.constantFrom('', '-')).map(([l, a, b, r]) => `${l}${a}${body}${b}${r}`);
const tag = (body: string) => spaced(body).map((s) => `{%${s}%}`);
const out = (body: string) => spaced(body).map((s) => `{{${s}}}`);
const text = fc.constantFrom('a', 'b c', '<p>x</p>', '<li>', '</li>', '&amp;', 'é', '', '<div class=x>', '</div>', '<br/>', '<img\n src=x>', '<!-- <p> -->');

const tree = fc.letrec<{ node: string; nodes: string }>((t) => ({
  nodes: fc.array(fc.tuple(ws, t('node')), { maxLength: 4 }).map((xs) => xs.map(([w, n]) => w + n).join('')),
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    text,
    out('n'),
    out('s | upper'),
    out("'}}' ~ s"),
    fc.constantFrom('{#c#}', '{#-  note -#}', '{#\n  multi  \n line #}', '{% set v = 2 %}', '{{ card("t") }}'),
    fc.tuple(tag('if x'), t('nodes'), tag('elif y'), t('nodes'), tag('else'), t('nodes'), tag('endif')).map((a) => a.join('')),
    fc.tuple(tag('for i in items'), t('nodes'), tag('empty'), t('nodes'), tag('end')).map((a) => a.join('')),
    fc.tuple(tag('with z = n'), t('nodes'), tag('endwith')).map((a) => a.join('')),
    fc.tuple(tag('match n'), ws, tag('case 3'), t('nodes'), tag('case _'), t('nodes'), tag('end')).map((a) => a.join('')),
    fc.tuple(tag('call card("c")'), t('nodes'), tag('slot head'), t('nodes'), tag('end'), t('nodes'), tag('end')).map((a) => a.join('')),
    fc.tuple(tag('filter upper'), t('nodes'), tag('end')).map((a) => a.join('')),
    fc.tuple(tag('spaceless'), t('nodes'), tag('end')).map((a) => a.join('')),
    fc.tuple(tag('capture cap'), t('nodes'), tag('end'), out('cap')).map((a) => a.join('')),
    fc.tuple(tag('raw'), fc.constantFrom('  {{x}}  \n\n\n  {%if%} ', '\n a \n'), tag('endraw')).map((a) => a.join('')),
    // (an element's contents without another: an end tag in a branch that does not render would fool the static count)
    fc.tuple(fc.constantFrom('<pre>', '<textarea rows=2>'), ws, t('nodes').filter((x) => !/<(pre|textarea)/.test(x)), ws).map(([o, a, b, c]) => `${o}${a}${b}${c}</${o.slice(1, o.indexOf('>')).split(' ')[0]}>`),
  ),
}));
const template = fc.tuple(tree.nodes, ws).map(([body, end]) => `{% def card(t) %}[{{ t }}|{{ caller("head") if has_slot() else "" }}|{{ caller() if has_slot() else "" }}]{% end %}\n${body}${end}`);
/** More runs locally: KIDA_FMT_RUNS=2000 npx vitest run test/unit/format.test.ts */
const RUNS = Number(process.env.KIDA_FMT_RUNS ?? 150);
const ctx = { n: 3, s: 'hi', x: false, y: true, items: [1, 2] };

describe('format: properties', () => {
  it('is idempotent', () => {
    fc.assert(
      fc.property(template, fc.boolean(), (src, htmlIndent) => {
        const once = format(src, { htmlIndent });
        expect(format(once, { htmlIndent })).toBe(once);
      }),
      { numRuns: RUNS * 3 },
    );
  });
  it('renders what the original renders, up to whitespace outside <pre> and <textarea>', async () => {
    await fc.assert(
      fc.asyncProperty(template, fc.boolean(), async (src, htmlIndent) => {
        const formatted = format(src, { htmlIndent });
        expect(normalize(await renderAll(formatted, ctx))).toBe(normalize(await renderAll(src, ctx)));
        // block rendering too
        const blockSrc = `{% block b %}${src}{% end %}`;
        expect(normalize(makeEnv().fromString(format(blockSrc, { htmlIndent })).renderBlock('b', ctx))).toBe(normalize(makeEnv().fromString(blockSrc).renderBlock('b', ctx)));
      }),
      { numRuns: RUNS },
    );
  });
  it('with trim_blocks and lstrip_blocks: the same output up to whitespace', async () => {
    // (indentation the formatter adds after a block tag is output there, between two words,
    // so only the text without whitespace is compared)
    const bare = (s: string) => normalize(s).replace(/ /g, '');
    const options = { trimBlocks: true, lstripBlocks: true };
    await fc.assert(
      fc.asyncProperty(template, async (src) => {
        expect(bare(await renderAll(format(src), ctx, options))).toBe(bare(await renderAll(src, ctx, options)));
      }),
      { numRuns: RUNS },
    );
  });
  it('is idempotent on arbitrary text that lexes', () => {
    const soup = fc.array(fc.constantFrom('{{', '}}', '{%', '%}', '{#', '#}', ' ', '\n', '-', '+', '~', '<div>', '</div>', '<br/>', '<!--', '-->', '<script>', '</script>', '/>', '>', 'if x', 'end', 'raw', 'endraw', '"', "'", '<pre>', '</pre>', 'a', '\t', '\r\n'), { maxLength: 30 }).map((a) => a.join(''));
    fc.assert(
      fc.property(soup, (src) => {
        for (const htmlIndent of [false, true]) {
          let once: string;
          try {
            once = format(src, { htmlIndent });
          } catch {
            return; // (does not lex)
          }
          expect(format(once, { htmlIndent })).toBe(once);
        }
      }),
      { numRuns: RUNS * 20 },
    );
  });
});
