// Lexer: token stream, literals, whitespace control, raw blocks and lexical errors
// (language.md §1.1–§1.5, §5.6).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tokenize, MAX_TOKENS, type Token } from '../../compiler/lexer.js';
import { TemplateSyntaxError } from '../../runtime/errors.js';

const types = (src: string, o = {}) => tokenize(src, o).map((t) => t.type);
const data = (src: string, o = {}) =>
  tokenize(src, o)
    .filter((t) => t.type === 'data')
    .map((t) => t.value)
    .join('');
/** Tokens inside the first tag (without begin/end/eof). */
const inner = (src: string): Token[] => {
  const toks = tokenize(src);
  return toks.slice(1, toks.findIndex((t) => t.type === 'var_end' || t.type === 'block_end'));
};
const lexError = (src: string, o = {}): TemplateSyntaxError => {
  try {
    tokenize(src, { name: 'lex.html', ...o });
  } catch (e) {
    expect(e).toBeInstanceOf(TemplateSyntaxError);
    return e as TemplateSyntaxError;
  }
  throw new Error(`expected a syntax error for ${JSON.stringify(src)}`);
};

describe('token stream', () => {
  it('splits text, output tags and statement tags', () => {
    expect(types('a{{ x }}b{% if y %}c')).toEqual([
      'data', 'var_begin', 'name', 'var_end', 'data', 'block_begin', 'name', 'name', 'block_end', 'data', 'eof',
    ]);
  });

  it('tracks 1-based lines and 0-based columns, across multi-line tags', () => {
    const toks = tokenize('ab\n  {{ x +\n   y }}\nz');
    const x = toks.find((t) => t.value === 'x')!;
    const y = toks.find((t) => t.value === 'y')!;
    expect(toks[1]).toMatchObject({ type: 'var_begin', line: 2, col: 2 });
    expect(x).toMatchObject({ line: 2, col: 5 });
    expect(y).toMatchObject({ line: 3, col: 3 });
    expect(toks.find((t) => t.type === 'var_end')).toMatchObject({ line: 3, col: 5 });
    expect(toks.at(-2)).toMatchObject({ type: 'data', value: '\nz', line: 3, col: 7 });
    expect(toks.at(-1)).toMatchObject({ type: 'eof', line: 4, col: 1 });
  });

  it('drops comments, which do not nest', () => {
    expect(data('a{# hidden #}b')).toBe('ab');
    expect(data('{# a {# b #} c #}')).toBe(' c #}');
    expect(types('{# {{ x }} {% if %} #}')).toEqual(['eof']);
  });

  it('ends a tag at the first closer at a token boundary', () => {
    expect(inner('{{ "}}" }}')).toMatchObject([{ type: 'string', str: '}}' }]);
    // A nested dict closing with `}}` ends the tag (the rest is text).
    const toks = tokenize('{{ {"a": {"b": 1}} }}');
    expect(toks.map((t) => t.value)).toEqual(['{{', '{', '"a"', ':', '{', '"b"', ':', '1', '}}', ' }}', '']);
    expect(inner('{% set x = "%}" %}').map((t) => t.str ?? t.value)).toEqual(['set', 'x', '=', '%}']);
  });

  it('lexes names, keywords-as-names and non-ASCII identifiers as errors', () => {
    expect(inner('{{ _a1 and not_x }}').map((t) => [t.type, t.value])).toEqual([
      ['name', '_a1'], ['name', 'and'], ['name', 'not_x'],
    ]);
    const e = lexError('{{ café }}');
    expect(e.code).toBe('K-LEX-001');
    expect(e.rawMessage).toMatch(/Invalid identifier 'café'/);
    expect([e.lineno, e.colno]).toEqual([1, 3]);
    expect(lexError('{{ ñ }}').rawMessage).toMatch(/Invalid identifier/);
  });
});

describe('literals', () => {
  it('reads integers (bigint beyond 2^53) and floats', () => {
    const [a, b, c, d] = inner('{{ 42 3.25 1. 123456789012345678901234567890 }}');
    expect(a).toMatchObject({ type: 'int', num: 42 });
    expect(a!.bigint).toBeUndefined();
    expect(b).toMatchObject({ type: 'float', num: 3.25, value: '3.25' });
    expect(c).toMatchObject({ type: 'float', num: 1, value: '1.' });
    expect(d).toMatchObject({ type: 'int', bigint: 123456789012345678901234567890n });
  });

  it('lexes `1..3` and `1...3` as ranges, not floats', () => {
    expect(inner('{{ 1..3 }}').map((t) => t.value)).toEqual(['1', '..', '3']);
    expect(inner('{{ 1...3 }}').map((t) => t.value)).toEqual(['1', '...', '3']);
    expect(inner('{{ 1.5..3 }}').map((t) => t.type)).toEqual(['float', 'op', 'int']);
  });

  it('rejects _ separators, exponents and prefixed integers (§1.5)', () => {
    for (const lit of ['1_000', '1e3', '2.5E-2', '0x1f', '0b10']) {
      const e = lexError(`{{ ${lit} }}`);
      expect(e.code).toBe('K-LEX-001');
      expect(e.rawMessage).toContain('Invalid numeric literal');
      expect(e.colno).toBe(3);
    }
    // A keyword glued to a number is still fine (`1if x else 2`).
    expect(inner('{{ 1if x else 2 }}').map((t) => t.value)).toEqual(['1', 'if', 'x', 'else', '2']);
  });

  it('decodes string escapes, both quote styles, and multi-line strings', () => {
    const [a, b, c] = inner(`{{ "a\\n\\t\\r\\\\\\"" 'it\\'s \\u00e9\\U0001F600' "x\ny" }}`);
    expect(a).toMatchObject({ type: 'string', str: 'a\n\t\r\\"' });
    expect(b!.str).toBe("it's é😀");
    expect(c!.str).toBe('x\ny');
    const toks = tokenize('{{ "x\ny" ~ z }}');
    expect(toks.find((t) => t.value === 'z')).toMatchObject({ line: 2, col: 5 });
  });

  it('rejects other escapes with the escape position', () => {
    for (const esc of ['\\x41', '\\0', '\\a', '\\/', '\\$', '\\u12']) {
      const e = lexError(`{{ "ab${esc}" }}`);
      expect(e.code).toBe('K-LEX-001');
      expect(e.rawMessage).toContain('Invalid escape sequence');
      expect(e.colno).toBe(6);
    }
  });

  it('reports unterminated strings at the opening quote', () => {
    const e = lexError('line\n{{ "abc }}');
    expect(e.code).toBe('K-LEX-001');
    expect(e.rawMessage).toContain('Unterminated string');
    expect([e.lineno, e.colno]).toEqual([2, 3]);
  });
});

describe('operators', () => {
  it('prefers the longest operator', () => {
    const ops = ['?|>', '...', '??', '?.', '?[', '?|', '|>', '//', '**', '==', '!=', '<=', '>=', '..'];
    expect(inner(`{{ ${ops.join(' ')} }}`).map((t) => t.value)).toEqual(ops);
    expect(inner('{{ a?.b?[c]|>f?|>g?|h }}').map((t) => t.value)).toEqual([
      'a', '?.', 'b', '?[', 'c', ']', '|>', 'f', '?|>', 'g', '?|', 'h',
    ]);
    expect(inner('{{ x??=1 }}').map((t) => t.value)).toEqual(['x', '??', '=', '1']);
    expect(inner('{{ 2**-1//3 }}').map((t) => t.value)).toEqual(['2', '**', '-', '1', '//', '3']);
  });

  it('rejects unknown characters', () => {
    const e = lexError('{{ a && b }}');
    expect(e.code).toBe('K-LEX-001');
    expect(e.rawMessage).toContain("Unexpected character '&'");
    expect(e.colno).toBe(5);
    expect(e.suggestion).toContain('and');
  });
});

describe('whitespace control', () => {
  it('`-` after an opener strips all preceding whitespace, before a closer all following', () => {
    expect(data('a \n\t {%- if x -%} \n\t b')).toBe('ab');
    expect(data('a \n {{- x -}} \n b')).toBe('ab');
    expect(data('a\u00a0\u2003{{- x }}')).toBe('a'); // Unicode whitespace, like str.rstrip()
  });

  it('`{{-5}}` is left-trim plus 5, `{{ -5 }}` is minus five', () => {
    expect(inner('{{-5}}').map((t) => t.value)).toEqual(['5']);
    expect(inner('{{ -5 }}').map((t) => t.value)).toEqual(['-', '5']);
  });

  it('`{#-` trims left but `-#}` is not a marker', () => {
    expect(data('a  {#- c #}  b')).toBe('a  b');
    expect(data('a  {# c -#}  b')).toBe('a    b');
  });

  it('has no `+` marker', () => {
    expect(inner('{%+ if x %}').map((t) => t.value)).toEqual(['+', 'if', 'x']);
  });

  it('trim_blocks drops one newline after %} only', () => {
    const o = { trimBlocks: true };
    expect(data('{% if x %}\n\nb', o)).toBe('\nb');
    expect(data('{% if x %}\r\nb', o)).toBe('b');
    expect(data('{{ x }}\nb', o)).toBe('\nb');
    expect(data('{# c #}\nb', o)).toBe('\nb');
    expect(data('{% if x -%}\n\n  b', o)).toBe('b'); // explicit `-` wins
    expect(data('{% if x %}\nb', {})).toBe('\nb');
  });

  it('lstrip_blocks strips indentation before {% only', () => {
    const o = { lstripBlocks: true };
    expect(data('a\n    {% if x %}b', o)).toBe('a\nb');
    expect(data('    {% if x %}b', o)).toBe('b');
    expect(data('a  {% if x %}b', o)).toBe('a  b'); // text before the tag on the same line
    expect(data('a\n  {{ x }}', o)).toBe('a\n  ');
    expect(data('a\n  {# c #}', o)).toBe('a\n  ');
    expect(data('a\n    {% if x %}b', {})).toBe('a\n    b');
  });

  it('combines trim_blocks and lstrip_blocks into clean block lines', () => {
    const o = { trimBlocks: true, lstripBlocks: true };
    expect(data('<ul>\n  {% for x in y %}\n  <li>\n  {% end %}\n</ul>', o)).toBe('<ul>\n  <li>\n</ul>');
  });
});

describe('raw blocks', () => {
  it('emits the body verbatim', () => {
    const body = '{{ x|upper }} {# c #} {% if %} {% end %} "s" {{ a && b }}';
    const toks = tokenize(`A{% raw %}${body}{% endraw %}B`);
    expect(toks.map((t) => t.type)).toEqual(['data', 'data', 'data', 'eof']);
    expect(toks[1]).toMatchObject({ value: body, line: 1, col: 10 });
  });

  it('honours whitespace control on raw and endraw tags', () => {
    expect(data('a {%- raw -%}  x  {%- endraw -%} b')).toBe('axb');
    expect(data('{% raw %}\nx{% endraw %}\ny', { trimBlocks: true })).toBe('xy');
    expect(data('  {%raw%}x{%endraw%}')).toBe('  x');
  });

  it('reports an unclosed raw block at its opener', () => {
    const e = lexError('ab\n  {% raw %}{{ x }}{% end %}');
    expect(e.code).toBe('K-PAR-002');
    expect(e.rawMessage).toContain("Unclosed 'raw' block");
    expect([e.lineno, e.colno]).toEqual([2, 2]);
  });
});

describe('unclosed constructs', () => {
  it.each([
    ['ab\n {{ x ', 'K-LEX-003', 2, 1],
    ['{% if x ', 'K-LEX-001', 1, 0],
    ['x\n\n   {# note', 'K-LEX-002', 3, 3],
  ])('%j → %s at %i:%i', (src, code, line, col) => {
    const e = lexError(src);
    expect(e.code).toBe(code);
    expect([e.lineno, e.colno]).toEqual([line, col]);
    expect(e.templateName).toBe('lex.html');
    expect(e.message).toContain('lex.html:');
    expect(e.message).toContain('^');
  });
});

describe('limits', () => {
  it('refuses more than MAX_TOKENS tokens (K-LEX-004)', () => {
    const src = '{{ ' + Array(MAX_TOKENS).fill('1').join(' ') + ' }}';
    expect(lexError(src).code).toBe('K-LEX-004');
  });
});

describe('properties', () => {
  const noDelims = fc.string({ unit: fc.constantFrom('a', ' ', '\n', '\t', '{', '}', '%', '#', '-', 'é', '"', "'") })
    .filter((s) => !/\{[{%#]/.test(s));

  it('text without openers is a single data token, verbatim', () => {
    fc.assert(
      fc.property(noDelims, (s) => {
        const toks = tokenize(s);
        if (s === '') expect(toks.map((t) => t.type)).toEqual(['eof']);
        else expect(toks.slice(0, -1)).toEqual([{ type: 'data', value: s, line: 1, col: 0 }]);
      }),
    );
  });

  it('whitespace control only ever removes whitespace around tags', () => {
    const ws = fc.constantFrom('', ' ', '\n', '\r\n', ' \t\n ');
    const mark = fc.constantFrom('', '-');
    const open = fc.constantFrom('{{', '{%', '{#');
    fc.assert(
      fc.property(ws, open, mark, mark, ws, fc.boolean(), fc.boolean(), (a, o, l, r, b, trimBlocks, lstripBlocks) => {
        const close = o === '{{' ? '}}' : o === '{%' ? '%}' : '#}';
        const body = o === '{%' ? 'if x' : o === '{{' ? 'x' : 'c';
        const text = data(`X${a}${o}${l} ${body} ${r}${close}${b}Y`, { trimBlocks, lstripBlocks });
        expect(text.startsWith('X')).toBe(true);
        expect(text.endsWith('Y')).toBe(true);
        expect(text.replace(/\s/g, '')).toBe('XY');
        if (l === '-') expect(text.startsWith('X' + a.trimEnd())).toBe(true);
        if (!l && !(lstripBlocks && o === '{%')) expect(text.startsWith('X' + a)).toBe(true);
      }),
    );
  });

  it('every name token sits at the line and column of its text, wherever the newlines fall', () => {
    // Pieces with newlines in text, comments, strings and between a tag's tokens, each naming
    // one variable; the variables are numbered so that each name appears once in the source.
    const nl = fc.constantFrom('', ' ', '\n', '\r\n', '  \n\t');
    const piece = fc.tuple(fc.integer({ min: 0, max: 5 }), nl, nl, fc.constantFrom('', 'text', 'a\nb', 'x } '));
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), (pieces) => {
        const src = pieces
          .map(([kind, a, b, text], i) => {
            const v = `v${i}`;
            return text + [
              `{{${a}${v}${b}}}`,
              `{%${a}set ${v} = 1 +${b}2 %}`,
              `{#${a}c${b}#}{{ ${v}|upper }}`,
              `{{ "s${a}t" ~${b}${v} }}`,
              `{%- if ${v} -%}${a}y${b}{% end %}`,
              `{{ [${a}1,${b}2][${v}] }}`,
            ][kind]!;
          })
          .join('');
        for (const t of tokenize(src)) {
          if (t.type !== 'name' || !/^v\d+$/.test(t.value)) continue;
          const at = new RegExp(`\\b${t.value}\\b`).exec(src)!.index;
          const before = src.slice(0, at);
          expect([t.line, t.col]).toEqual([before.split('\n').length, at - (before.lastIndexOf('\n') + 1)]);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('arbitrary input either lexes or raises a TemplateSyntaxError', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('{', '}', '%', '#', '-', ' ', '\n', 'x', '"', '\\', '1', '.', '|', '?', 'é') }), (s) => {
        try {
          const toks = tokenize(s);
          expect(toks.at(-1)!.type).toBe('eof');
        } catch (e) {
          expect(e).toBeInstanceOf(TemplateSyntaxError);
          expect((e as TemplateSyntaxError).code).toMatch(/^K-(LEX|PAR)-00\d$/);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
