// Lexer and parser: AST shapes, precedence, errors, and properties over random input.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse } from '../../compiler/parser.js';
import { tokenize } from '../../compiler/lexer.js';
import type * as A from '../../compiler/ast.js';

const strip = (x: unknown): unknown => JSON.parse(JSON.stringify(x, (k, v) => (k === 'line' || k === 'col' ? undefined : v)));
const expr = (src: string): any => strip((parse(`{{ ${src} }}`).body[0] as A.Output).expr);
const syntaxError = (src: string): any => {
  try {
    parse(src, { name: 't.html' });
  } catch (e) {
    return e;
  }
  throw new Error('expected a syntax error');
};

describe('lexer', () => {
  it('splits data and tags, tracking lines and columns', () => {
    const toks = tokenize('ab\n {{ x }}');
    expect(toks.map((t) => t.type)).toEqual(['data', 'var_begin', 'name', 'var_end', 'eof']);
    expect(toks[2]).toMatchObject({ value: 'x', line: 2, col: 4 });
  });
  it('reads numbers, strings with escapes and multi-character operators', () => {
    const toks = tokenize('{{ 1000 2.5 1. "a\\n\\u00e9" ?|> ?. ?? // ** .. ... }}');
    expect(toks.slice(1, -2).map((t) => t.num ?? t.str ?? t.value)).toEqual([1000, 2.5, 1, 'a\né', '?|>', '?.', '??', '//', '**', '..', '...']);
    // the reference has no digit separators and no exponents
    expect(() => tokenize('{{ 1_000 }}')).toThrow(/K-LEX-001/);
  });
  it('applies whitespace control and trim/lstrip options', () => {
    const data = (src: string, o = {}) => tokenize(src, o).filter((t) => t.type === 'data').map((t) => t.value);
    expect(data('a \n {%- if x -%} \n b')).toEqual(['a', 'b']);
    expect(data('  {% if x %}\nb', { trimBlocks: true, lstripBlocks: true })).toEqual(['b']);
    expect(data('a {#- c #} b')).toEqual(['a', ' b']); // `-#}` is not a marker
  });
  it('keeps raw blocks verbatim', () => {
    expect(tokenize('{% raw %}{{ x }}{% end %}{% endraw %}')[0]).toMatchObject({ type: 'data', value: '{{ x }}{% end %}' });
  });
  it('reports unclosed tags, comments and strings as syntax errors', () => {
    expect(syntaxError('{{ x ').code).toBe('K-LEX-003');
    expect(syntaxError('{# x').code).toBe('K-LEX-002');
    expect(syntaxError('{{ "abc }}').code).toBe('K-LEX-001');
  });
});

describe('expression precedence', () => {
  it('binds filters between * and +', () => {
    expect(expr('a + b | f')).toMatchObject({ type: 'BinOp', op: '+', right: { type: 'Filter', name: 'f' } });
    expect(expr('a * b | f')).toMatchObject({ type: 'Filter', value: { type: 'BinOp', op: '*' } });
  });
  it('puts ?? below the ternary', () => {
    expect(expr('x if c else y ?? z')).toMatchObject({ type: 'NullCoalesce', left: { type: 'CondExpr' } });
  });
  it('makes ** right-binding over unary minus', () => {
    expect(expr('-2 ** 2')).toMatchObject({ type: 'UnaryOp', op: '-', operand: { type: 'BinOp', op: '**' } });
    expect(expr('2 ** -1')).toMatchObject({ type: 'BinOp', op: '**', right: { type: 'UnaryOp', op: '-' } });
  });
  it('chains comparisons and parses tests', () => {
    expect(expr('1 < x <= 3')).toMatchObject({ type: 'Compare', ops: [{ op: '<' }, { op: '<=' }] });
    expect(expr('x is not divisibleby(3)')).toMatchObject({ type: 'Test', name: 'divisibleby', negated: true });
    expect(expr('x is divisibleby 3')).toMatchObject({ type: 'Test', args: [{ type: 'Const', value: 3 }] });
    expect(expr('x is none')).toMatchObject({ type: 'Compare', ops: [{ op: 'is', right: { value: null } }] });
  });
  it('parses null-safe access, pipelines, ranges and comprehensions', () => {
    expect(expr('a?.b?[0]')).toMatchObject({ type: 'Item', optional: true, obj: { type: 'Attr', optional: true } });
    expect(expr('x |> f |> g(1)')).toMatchObject({ type: 'Filter', op: '|>', name: 'g', value: { name: 'f' } });
    expect(expr('1..10 by 3')).toMatchObject({ type: 'Range', inclusive: true, step: { value: 3 } });
    expect(expr('[x for x in xs if x]')).toMatchObject({ type: 'ListComp', target: { name: 'x' } });
  });
  it('parses literals', () => {
    expect(expr('(1,)')).toMatchObject({ type: 'Tuple', items: [{ value: 1 }] });
    expect(expr('{"a": [1, 2.0]}')).toMatchObject({ type: 'Dict', pairs: [[{ value: 'a' }, { type: 'List' }]] });
    expect(expr('x[1:]')).toMatchObject({ type: 'Slice', stop: null, step: null });
  });
  it('rejects mixing | and |> in one chain', () => {
    expect(syntaxError('{{ x | f |> g }}').code).toBe('K-PAR-004');
  });
});

describe('statement errors', () => {
  it('names the unclosed block and where it opened', () => {
    const e = syntaxError('{% for x in y %}\n{% if x %}');
    expect(e.code).toBe('K-PAR-002');
    expect(e.message).toMatch(/'if' block \(opened at line 2\)/);
    expect(e.templateName).toBe('t.html');
  });
  it('rejects mismatched and orphan end tags', () => {
    expect(syntaxError('{% if x %}{% endfor %}').message).toMatch(/Mismatched/);
    expect(syntaxError('{% end %}').code).toBe('K-PAR-001');
  });
  it('suggests Kida replacements for Jinja tags', () => {
    expect(syntaxError('{% macro f() %}{% endmacro %}').message).toMatch(/def/);
  });
  it('rejects break outside loops and defs outside the top level', () => {
    expect(syntaxError('{% break %}').message).toMatch(/outside loop/);
    expect(syntaxError('{% if x %}{% def f() %}{% end %}{% end %}').code).toBe('K-TPL-004');
  });
  it('reports column and caret', () => {
    const e = syntaxError('ok\n{{ 1 + }}');
    expect(e.lineno).toBe(2);
    expect(e.message).toMatch(/\^/);
  });
});

describe('properties', () => {
  it('text without delimiters parses to one Data node', () => {
    fc.assert(
      fc.property(fc.string().filter((s) => !/[{}]/.test(s) && s.length > 0), (s) => {
        const body = parse(s).body;
        expect(body).toHaveLength(1);
        expect((body[0] as A.Data).text).toBe(s);
      }),
    );
  });
  it('random whitespace control around tags never crashes and only strips whitespace', () => {
    const ws = fc.constantFrom('', ' ', '\n', ' \n\t');
    const mark = fc.constantFrom('', '-');
    fc.assert(
      fc.property(ws, mark, mark, ws, (a, l, r, b) => {
        const body = parse(`x${a}{%${l} if true ${r}%}${b}y{% end %}`).body;
        const text = JSON.stringify(body);
        expect(text).toContain('"x');
        expect(text).toContain('y"');
      }),
    );
  });
  it('arbitrary input either parses or raises a TemplateSyntaxError', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('{', '}', '%', '#', ' ', 'x', '|', '(', ')', '"', '-', 'if', 'end', '1', '.') }), (s) => {
        try {
          parse(s);
        } catch (e) {
          expect((e as Error).name).toBe('TemplateSyntaxError');
        }
      }),
      { numRuns: 500 },
    );
  });
});
