// Parser: AST shapes for every statement, the §1.6 precedence table, and syntax errors
// with codes and positions (language.md §1.6, §2, §5.6, §6.2).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse } from '../../compiler/parser.js';
import type * as A from '../../compiler/ast.js';
import { TemplateSyntaxError } from '../../runtime/errors.js';

/** Drops positions so shapes can be compared with toEqual. */
const POSITIONS = new Set(['line', 'col', 'endLine', 'endCol']);
const strip = (x: unknown): any =>
  JSON.parse(JSON.stringify(x, (k, v) => (POSITIONS.has(k) ? undefined : typeof v === 'bigint' ? `${v}n` : v)));
const body = (src: string, o = {}): any[] => strip(parse(src, o).body);
const node = (src: string): any => body(src)[0];
const expr = (src: string): any => node(`{{ ${src} }}`).expr;
const N = (name: string) => ({ type: 'Name', name });
const C = (value: unknown, isFloat?: boolean) => (isFloat ? { type: 'Const', value, isFloat } : { type: 'Const', value });
const bin = (op: string, left: unknown, right: unknown) => ({ type: 'BinOp', op, left, right });
const flt = (value: unknown, name: string, op = '|', args: unknown[] = []) => ({ type: 'Filter', value, name, args, kwargs: [], op });

const syntaxError = (src: string, o = {}): TemplateSyntaxError => {
  try {
    parse(src, { name: 'page.html', ...o });
  } catch (e) {
    expect(e).toBeInstanceOf(TemplateSyntaxError);
    return e as TemplateSyntaxError;
  }
  throw new Error(`expected a syntax error for ${JSON.stringify(src)}`);
};
const expectError = (src: string, code: string, line?: number, col?: number, msg?: RegExp) => {
  const e = syntaxError(src);
  expect(e.code).toBe(code);
  if (line !== undefined) expect(e.lineno).toBe(line);
  if (col !== undefined) expect(e.colno).toBe(col);
  if (msg) expect(e.rawMessage).toMatch(msg);
  expect(e.templateName).toBe('page.html');
  return e;
};

// ---------------------------------------------------------------------------- template

describe('template structure', () => {
  it('returns the name and coalesces adjacent text', () => {
    const ast = parse('a{# c #}b{% raw %}{{ x }}{% endraw %}c', { name: 'p.html' });
    expect(ast.name).toBe('p.html');
    expect(strip(ast.body)).toEqual([{ type: 'Data', text: 'ab{{ x }}c' }]);
  });

  it('records line and column of the first token of each node', () => {
    const ast = parse('x\n  {{ a.b }}\n{% if c %}{% end %}');
    expect(ast.body[0]).toMatchObject({ type: 'Data', line: 1, col: 0 });
    expect(ast.body[1]).toMatchObject({ type: 'Output', line: 2, col: 2 });
    expect((ast.body[1] as A.Output).expr).toMatchObject({ type: 'Attr', line: 2, col: 6 });
    expect(ast.body[3]).toMatchObject({ type: 'If', line: 3, col: 3 });
  });

  it('passes whitespace options to the lexer', () => {
    expect(body('  {% if x %}\n a{% end %}', { trimBlocks: true, lstripBlocks: true })[0].branches[0].body).toEqual([
      { type: 'Data', text: ' a' },
    ]);
  });
});

// ---------------------------------------------------------------------------- expressions

describe('literals and primaries', () => {
  it('parses constants in both spellings', () => {
    expect(expr('true')).toEqual(C(true));
    expect(expr('False')).toEqual(C(false));
    expect(expr('none')).toEqual(C(null));
    expect(expr('None')).toEqual(C(null));
    expect(expr('1.5')).toEqual(C(1.5, true));
    expect(expr('2.')).toEqual(C(2, true));
    expect(expr('"s"')).toEqual(C('s'));
    expect(expr('99999999999999999999')).toEqual(C('99999999999999999999n'));
  });

  it('parses lists, tuples and dicts with trailing commas', () => {
    expect(expr('[1, 2,]')).toEqual({ type: 'List', items: [C(1), C(2)] });
    expect(expr('[]')).toEqual({ type: 'List', items: [] });
    expect(expr('()')).toEqual({ type: 'Tuple', items: [] });
    expect(expr('(1,)')).toEqual({ type: 'Tuple', items: [C(1)] });
    expect(expr('(1)')).toEqual(C(1));
    expect(expr('{name: 1, "k": [2],}')).toEqual({ type: 'Dict', pairs: [[N('name'), C(1)], [C('k'), { type: 'List', items: [C(2)] }]] });
    expect(expr('{(1, 2): "t"}').pairs[0][0]).toEqual({ type: 'Tuple', items: [C(1), C(2)] });
  });

  it('parses list comprehensions with tuple targets and a condition', () => {
    expect(expr('[k ~ v for k, v in d.items() if v]')).toMatchObject({
      type: 'ListComp',
      elt: { type: 'BinOp', op: '~' },
      target: { type: 'TupleTarget', items: [{ type: 'NameTarget', name: 'k' }, { type: 'NameTarget', name: 'v' }] },
      iter: { type: 'Call' },
      cond: N('v'),
    });
  });

  it('parses postfix chains: attributes, optional access, items, slices, calls', () => {
    expect(expr('a.b?.c')).toEqual({ type: 'Attr', name: 'c', optional: true, obj: { type: 'Attr', name: 'b', optional: false, obj: N('a') } });
    expect(expr('a?[0]')).toEqual({ type: 'Item', obj: N('a'), key: C(0), optional: true });
    expect(expr('a[1:]')).toEqual({ type: 'Slice', obj: N('a'), start: C(1), stop: null, step: null, optional: false });
    expect(expr('a[::-1]')).toMatchObject({ type: 'Slice', start: null, stop: null, step: { type: 'UnaryOp', op: '-' } });
    expect(expr('f(1, x, k=2)')).toEqual({ type: 'Call', func: N('f'), args: [C(1), N('x')], kwargs: [{ name: 'k', value: C(2) }] });
    expect(expr('o.m()[0]')).toMatchObject({ type: 'Item', obj: { type: 'Call', func: { type: 'Attr', name: 'm' } } });
  });

  it('parses ranges with optional step', () => {
    expect(expr('1..10 by 3')).toEqual({ type: 'Range', start: C(1), stop: C(10), inclusive: true, step: C(3) });
    expect(expr('0...n')).toEqual({ type: 'Range', start: C(0), stop: N('n'), inclusive: false, step: null });
    expect(expr('5..1 by -1').step).toEqual({ type: 'UnaryOp', op: '-', operand: C(1) });
    // the end operand is a unary: `1..n+1` is `(1..n) + 1`
    expect(expr('1..n+1')).toMatchObject({ type: 'BinOp', op: '+', left: { type: 'Range' } });
  });

  it('treats await as a prefix only before an operand', () => {
    expect(expr('await f()')).toMatchObject({ type: 'Await', value: { type: 'Call' } });
    expect(expr('await')).toEqual(N('await'));
  });
});

describe('precedence (§1.6)', () => {
  it('?? is lowest and right-associative, below the ternary', () => {
    expect(expr('x if c else y ?? z')).toEqual({
      type: 'NullCoalesce',
      left: { type: 'CondExpr', test: N('c'), body: N('x'), orelse: N('y') },
      right: N('z'),
    });
    expect(expr('a ?? b ?? c')).toEqual({ type: 'NullCoalesce', left: N('a'), right: { type: 'NullCoalesce', left: N('b'), right: N('c') } });
  });

  it('filters bind tighter than ??', () => {
    expect(expr('x ?? [] | length')).toEqual({ type: 'NullCoalesce', left: N('x'), right: flt({ type: 'List', items: [] }, 'length') });
  });

  it('ternaries chain in the else branch; missing else is null', () => {
    expect(expr('a if b else c if d else e')).toMatchObject({ type: 'CondExpr', body: N('a'), orelse: { type: 'CondExpr', body: N('c'), orelse: N('e') } });
    expect(expr('a if b')).toEqual({ type: 'CondExpr', test: N('b'), body: N('a'), orelse: null });
    expect(expr('a if x | length > 0 else b').test).toMatchObject({ type: 'Compare', left: { type: 'Filter' } });
  });

  it('or < and < not < comparisons', () => {
    expect(expr('a or b and c')).toEqual({ type: 'BoolOp', op: 'or', left: N('a'), right: { type: 'BoolOp', op: 'and', left: N('b'), right: N('c') } });
    expect(expr('not a == b')).toEqual({ type: 'UnaryOp', op: 'not', operand: { type: 'Compare', left: N('a'), ops: [{ op: '==', right: N('b') }] } });
    expect(expr('not a and b')).toMatchObject({ type: 'BoolOp', op: 'and', left: { type: 'UnaryOp', op: 'not' } });
    expect(expr('a or b or c')).toMatchObject({ type: 'BoolOp', op: 'or', left: { type: 'BoolOp', op: 'or' }, right: N('c') });
  });

  it('comparisons chain, including in / not in / is', () => {
    expect(expr('1 < x <= 3')).toEqual({ type: 'Compare', left: C(1), ops: [{ op: '<', right: N('x') }, { op: '<=', right: C(3) }] });
    expect(expr('a not in b')).toEqual({ type: 'Compare', left: N('a'), ops: [{ op: 'not in', right: N('b') }] });
    expect(expr('a in b')).toEqual({ type: 'Compare', left: N('a'), ops: [{ op: 'in', right: N('b') }] });
    expect(expr('x is none')).toEqual({ type: 'Compare', left: N('x'), ops: [{ op: 'is', right: C(null) }] });
    expect(expr('x is not True')).toEqual({ type: 'Compare', left: N('x'), ops: [{ op: 'is not', right: C(true) }] });
    expect(expr('x is 1')).toEqual({ type: 'Compare', left: N('x'), ops: [{ op: 'is', right: C(1) }] });
  });

  it('parses tests with parenthesised or single literal arguments', () => {
    expect(expr('x is odd')).toEqual({ type: 'Test', value: N('x'), name: 'odd', args: [], kwargs: [], negated: false });
    expect(expr('x is not divisibleby(3)')).toEqual({ type: 'Test', value: N('x'), name: 'divisibleby', args: [C(3)], kwargs: [], negated: true });
    expect(expr('x is divisibleby 3')).toMatchObject({ type: 'Test', args: [C(3)] });
    expect(expr('x is eq "a"')).toMatchObject({ type: 'Test', name: 'eq', args: [C('a')] });
    expect(expr('x is defined and y')).toMatchObject({ type: 'BoolOp', left: { type: 'Test', name: 'defined' } });
    expect(expr('x + 1 is odd')).toMatchObject({ type: 'Test', value: { type: 'BinOp', op: '+' } });
  });

  it('+ - ~ bind looser than filters, which bind looser than * / // %', () => {
    expect(expr('a + b | f')).toEqual(bin('+', N('a'), flt(N('b'), 'f')));
    expect(expr('a * b | f')).toEqual(flt(bin('*', N('a'), N('b')), 'f'));
    expect(expr('"a" ~ "b" | upper')).toEqual(bin('~', C('a'), flt(C('b'), 'upper')));
    expect(expr('a - b + c')).toEqual(bin('+', bin('-', N('a'), N('b')), N('c')));
    expect(expr('a / b // c % d')).toEqual(bin('%', bin('//', bin('/', N('a'), N('b')), N('c')), N('d')));
    expect(expr('a + b * c')).toEqual(bin('+', N('a'), bin('*', N('b'), N('c'))));
  });

  it('unary binds tighter than filters and *, looser than **', () => {
    expect(expr('-42 | abs')).toEqual(flt({ type: 'UnaryOp', op: '-', operand: C(42) }, 'abs'));
    expect(expr('-2 ** 2')).toEqual({ type: 'UnaryOp', op: '-', operand: bin('**', C(2), C(2)) });
    expect(expr('2 ** -1')).toEqual(bin('**', C(2), { type: 'UnaryOp', op: '-', operand: C(1) }));
  });

  it('** is right-associative', () => {
    expect(expr('2 ** 3 ** 2')).toEqual(bin('**', C(2), bin('**', C(3), C(2))));
    expect(expr('-a * b')).toEqual(bin('*', { type: 'UnaryOp', op: '-', operand: N('a') }, N('b')));
  });

  it('postfix binds tightest', () => {
    expect(expr('-a.b')).toEqual({ type: 'UnaryOp', op: '-', operand: { type: 'Attr', obj: N('a'), name: 'b', optional: false } });
    expect(expr('a.b ** 2')).toMatchObject({ type: 'BinOp', op: '**', left: { type: 'Attr' } });
  });

  it('builds filter chains left to right with all four operators', () => {
    expect(expr('x | a | b(1, k=2)')).toEqual({
      type: 'Filter', value: flt(N('x'), 'a'), name: 'b', args: [C(1)], kwargs: [{ name: 'k', value: C(2) }], op: '|',
    });
    expect(expr('x |> f |> g(1)')).toEqual(flt(flt(N('x'), 'f', '|>'), 'g', '|>', [C(1)]));
    expect(expr('x ?|> f ?|> g')).toEqual(flt(flt(N('x'), 'f', '?|>'), 'g', '?|>'));
    expect(expr('x ?| f | g')).toEqual(flt(flt(N('x'), 'f', '?|'), 'g', '|'));
  });
});

describe('expression errors', () => {
  it('rejects mixing | and |> (K-PAR-004)', () => {
    expectError('{{ x | f |> g }}', 'K-PAR-004', 1, 9);
    expectError('{{ x ?|> f | g }}', 'K-PAR-004');
    expectError('{{ x |> f ?| g }}', 'K-PAR-004');
    expect(() => parse('{{ (x | f) |> g }}')).not.toThrow();
  });

  it('limits filter chains to 200 steps', () => {
    expect(() => parse(`{{ x${' | f'.repeat(200)} }}`)).not.toThrow();
    expectError(`{{ x${' | f'.repeat(201)} }}`, 'K-PAR-004', 1, undefined, /200/);
  });

  it('rejects bad call arguments (K-PAR-003 / K-PAR-007)', () => {
    expectError('{{ f(a=1, a=2) }}', 'K-PAR-003', 1, 10, /Duplicate keyword argument 'a'/);
    expectError('{{ f(a=1, 2) }}', 'K-PAR-003', 1, 10, /Positional argument follows keyword/);
    expectError('{{ f(*xs) }}', 'K-PAR-007');
  });

  it('rejects `x is sameas y`, `is in`, x.0 and adjacent strings', () => {
    expectError('{{ x is sameas y }}', 'K-PAR-001', 1, 15);
    expectError('{{ x is in(y) }}', 'K-PAR-005', 1, 8);
    const e = expectError('{{ x.0 }}', 'K-PAR-003', 1, 5);
    expect(e.suggestion).toContain('x[0]');
    expectError('{{ "a" "b" }}', 'K-PAR-003', 1, 7);
  });

  it('rejects nested comprehensions and await inside them', () => {
    expectError('{{ [x for a in b for x in a] }}', 'K-PAR-003');
    expectError('{{ [await x for x in y] }}', 'K-PAR-007', 1, 4);
  });

  it('reports empty tags and nested `}}` in dict literals', () => {
    expectError('{{ }}', 'K-PAR-003', 1, 3);
    expectError('{% %}', 'K-PAR-001', 1, 3);
    expectError('{{ {"a": {"b": 1}} }}', 'K-PAR-003');
    expect(expr('{"a": {"b": 1} }')).toMatchObject({ type: 'Dict' });
  });

  it('turns pathological nesting into K-PAR-007 instead of a stack overflow', () => {
    for (const src of [
      `{{ ${'-'.repeat(5000)}1 }}`,
      `{{ ${'not '.repeat(5000)}x }}`,
      `{{ ${'('.repeat(2000)}1${')'.repeat(2000)} }}`,
      `{{ 2${' ** 2'.repeat(5000)} }}`,
      `{{ a${' if b else a'.repeat(5000)} }}`,
      '{% if x %}'.repeat(1000),
    ]) {
      expect(syntaxError(src).code).toBe('K-PAR-007');
    }
  });

  it('names the unexpected token and shows a caret excerpt', () => {
    const e = expectError('a\n{{ x y }}', 'K-PAR-001', 2, 5, /Unexpected 'y'/);
    expect(e.message).toContain('page.html:2:5');
    // the caret stands under the column: 'y'
    expect(e.message).toContain('  2 | {{ x y }}\n   |       ^');
  });
});

// ---------------------------------------------------------------------------- statements

describe('if / unless', () => {
  it('parses elif/else branches with their lines', () => {
    const n = parse('{% if a %}1{% elif b %}\n2{% else %}3{% endif %}').body[0] as A.If;
    expect(strip(n)).toEqual({
      type: 'If',
      branches: [
        { cond: N('a'), body: [{ type: 'Data', text: '1' }] },
        { cond: N('b'), body: [{ type: 'Data', text: '\n2' }] },
      ],
      else_: [{ type: 'Data', text: '3' }],
    });
    expect(n.branches.map((b) => b.line)).toEqual([1, 1]);
  });

  it('turns unless into if not (...)', () => {
    expect(node('{% unless a or b %}x{% else %}y{% endunless %}')).toEqual({
      type: 'If',
      branches: [{ cond: { type: 'UnaryOp', op: 'not', operand: { type: 'BoolOp', op: 'or', left: N('a'), right: N('b') } }, body: [{ type: 'Data', text: 'x' }] }],
      else_: [{ type: 'Data', text: 'y' }],
    });
    expect(() => parse('{% unless a %}x{% endif %}')).not.toThrow();
    expectError('{% unless a %}x{% elif b %}y{% end %}', 'K-PAR-001');
  });
});

describe('loops', () => {
  it('parses for with tuple targets, inline filter and else/empty', () => {
    expect(node('{% for k, v in d.items() if v %}{{ k }}{% empty %}none{% endfor %}')).toMatchObject({
      type: 'For',
      target: { type: 'TupleTarget', items: [{ name: 'k' }, { name: 'v' }] },
      iter: { type: 'Call' },
      cond: N('v'),
      body: [{ type: 'Output' }],
      else_: [{ type: 'Data', text: 'none' }],
      isAsync: false,
    });
    expect(node('{% for (a, b) in pairs %}{% end %}').target).toMatchObject({ type: 'TupleTarget', items: [{ name: 'a' }, { name: 'b' }] });
    expect(node('{% for a, in xs %}{% end %}').target).toMatchObject({ type: 'TupleTarget', items: [{ name: 'a' }] });
    expect(node('{% for (id, (lat, lon)) in xs %}{% end %}').target).toMatchObject({
      items: [{ name: 'id' }, { type: 'TupleTarget', items: [{ name: 'lat' }, { name: 'lon' }] }],
    });
  });

  it('parses the iterable without a ternary but with ??', () => {
    expect(node('{% for x in items ?? [] %}{% end %}').iter).toMatchObject({ type: 'NullCoalesce' });
    expect(node('{% for x in xs if x > 1 %}{% end %}')).toMatchObject({ iter: N('xs'), cond: { type: 'Compare' } });
  });

  it('parses async for and while, break and continue', () => {
    expect(node('{% async for x in aiter %}{% else %}e{% end %}')).toMatchObject({ type: 'For', isAsync: true, else_: [{ type: 'Data' }] });
    expect(node('{% while n < 3 %}{% if n %}{% break %}{% end %}{% continue %}{% end %}')).toMatchObject({
      type: 'While',
      cond: { type: 'Compare' },
      body: [{ type: 'If', branches: [{ body: [{ type: 'Break' }] }] }, { type: 'Continue' }],
    });
  });

  it("rejects break/continue outside loops, also in blocks and defs inside loops", () => {
    expectError('{% break %}', 'K-PAR-001', 1, 3, /'break' outside loop/);
    expectError('{% for x in y %}{% block b %}{% continue %}{% end %}{% end %}', 'K-PAR-001', 1, 32);
    expectError('{% def f() %}{% break %}{% end %}', 'K-PAR-001', 1, 16);
    expectError('{% for x in y recursive %}{% end %}', 'K-PAR-007');
  });
});

describe('assignments', () => {
  it('parses set/let/export/promote with ??=', () => {
    expect(node('{% set x = 1 %}')).toEqual({ type: 'Set', kind: 'set', assignments: [{ target: { type: 'NameTarget', name: 'x' }, value: C(1), coalesce: false }] });
    expect(node('{% promote first ??= item %}')).toMatchObject({ kind: 'promote', assignments: [{ coalesce: true, value: N('item') }] });
    expect(node('{% let n = 0 %}').kind).toBe('let');
    expect(node('{% export n = 0 %}').kind).toBe('export');
  });

  it('parses multi-assignment, tuple values and destructuring', () => {
    expect(node('{% set a = 1, b = a %}').assignments).toEqual([
      { target: { type: 'NameTarget', name: 'a' }, value: C(1), coalesce: false },
      { target: { type: 'NameTarget', name: 'b' }, value: N('a'), coalesce: false },
    ]);
    expect(node('{% set a = 1, 2 %}').assignments[0].value).toEqual({ type: 'Tuple', items: [C(1), C(2)] });
    expect(node('{% set (a, b), c = [[1, 2], 3] %}').assignments[0].target).toEqual({
      type: 'TupleTarget',
      items: [{ type: 'TupleTarget', items: [{ type: 'NameTarget', name: 'a' }, { type: 'NameTarget', name: 'b' }] }, { type: 'NameTarget', name: 'c' }],
    });
    expect(node('{% let a, b = 1, 2 %}').assignments).toHaveLength(1);
  });

  it('lets tag names be variable names', () => {
    expect(body('{% set end = 1 %}{{ end }}')[1]).toEqual({ type: 'Output', expr: N('end') });
    expect(node('{% let loop = 5 %}').assignments[0].target.name).toBe('loop');
  });

  it('rejects ??= on tuples, attribute targets and block set', () => {
    expectError('{% set a, b ??= 1 %}', 'K-PAR-003');
    expectError('{% set ns.x = 1 %}', 'K-PAR-007');
    const e = expectError('{% set x %}a{% endset %}', 'K-PAR-007', 1, 3);
    expect(e.suggestion).toContain('capture');
  });
});

describe('with', () => {
  it('parses the assignment form', () => {
    expect(node('{% with x = 1, y = x %}{{ y }}{% endwith %}')).toEqual({
      type: 'With',
      bindings: [{ name: 'x', value: C(1) }, { name: 'y', value: N('x') }],
      body: [{ type: 'Output', expr: N('y') }],
    });
  });

  it('parses the conditional form with as-targets and else', () => {
    expect(node('{% with user %}{{ it }}{% end %}')).toEqual({
      type: 'WithIf', subjects: [N('user')], targets: [], body: [{ type: 'Output', expr: N('it') }], else_: null,
    });
    expect(node('{% with a, b as x, y %}{% empty %}no{% end %}')).toMatchObject({
      subjects: [N('a'), N('b')],
      targets: [{ name: 'x' }, { name: 'y' }],
      else_: [{ type: 'Data', text: 'no' }],
    });
    expect(node('{% with p as (a, b) %}{% end %}').targets).toMatchObject([{ type: 'TupleTarget' }]);
  });
});

describe('match', () => {
  it('parses patterns, guards and discards text before the first case', () => {
    const m = node('{% match x %}\n  {# c #}\n{% case 1 %}one{% case "a" if y %}a{% case (k, _) %}t{% case -1 %}m{% case v %}{{ v }}{% case _ %}d{% end %}');
    expect(m.subjects).toEqual([N('x')]);
    expect(m.cases.map((c: any) => c.pattern)).toEqual([
      { kind: 'value', expr: C(1) },
      { kind: 'value', expr: C('a') },
      { kind: 'tuple', items: [{ kind: 'capture', name: 'k' }, { kind: 'wildcard' }] },
      { kind: 'value', expr: { type: 'UnaryOp', op: '-', operand: C(1) } },
      { kind: 'capture', name: 'v' },
      { kind: 'wildcard' },
    ]);
    expect(m.cases[1].guard).toEqual(N('y'));
    expect(m.cases[0].body).toEqual([{ type: 'Data', text: 'one' }]);
  });

  it('parses multiple subjects, implicit tuple patterns and subject-less match', () => {
    const m = node('{% match a, b %}{% case 1, x if x > 0 %}p{% endmatch %}');
    expect(m.subjects).toEqual([N('a'), N('b')]);
    expect(m.cases[0].pattern).toEqual({ kind: 'tuple', items: [{ kind: 'value', expr: C(1) }, { kind: 'capture', name: 'x' }] });
    const g = node('{% match %}{% case _ if c %}1{% case _ %}2{% end %}');
    expect(g.subjects).toBeNull();
    expect(g.cases).toHaveLength(2);
  });

  it('rejects output before the first case and an empty match', () => {
    expectError('{% match x %}{{ y }}{% case 1 %}{% end %}', 'K-PAR-001');
    expectError('{% match x %}{% end %}', 'K-PAR-001');
    expectError('{% match x %}{% case 1 %}', 'K-PAR-002');
  });
});

describe('def, region, call, slot, yield', () => {
  it('parses typed params, defaults, *args and **kwargs', () => {
    expect(node('{% def card(title: str, items: list[Item] = [], sub: str | None = none, *rest, **opts) %}x{% enddef %}')).toEqual({
      type: 'Def',
      name: 'card',
      params: [
        { name: 'title', annotation: 'str', default: null },
        { name: 'items', annotation: 'list[Item]', default: { type: 'List', items: [] } },
        { name: 'sub', annotation: 'str | None', default: C(null) },
      ],
      vararg: 'rest',
      kwarg: 'opts',
      body: [{ type: 'Data', text: 'x' }],
    });
    expect(node('{% def f(m: dict[str, list[int]]) %}{% end %}').params[0].annotation).toBe('dict[str, list[int]]');
  });

  it('rejects bad parameter lists', () => {
    expectError('{% def f(a=1, b) %}{% end %}', 'K-PAR-003', 1, 14);
    expectError('{% def f(a, a) %}{% end %}', 'K-PAR-003', 1, undefined, /Duplicate parameter 'a'/);
    expectError('{% def f(**kw, a) %}{% end %}', 'K-PAR-003');
    expectError('{% def f(*, a) %}{% end %}', 'K-PAR-007');
  });

  it('enforces top-level placement for def and region (K-TPL-004), except in dead branches', () => {
    const e = expectError('{% if x %}\n  {% def f() %}{% end %}{% end %}', 'K-TPL-004', 2, 5);
    expect(e.rawMessage).toContain('{% if %}');
    expectError('{% for x in y %}{% region r() %}{% end %}{% end %}', 'K-TPL-004');
    expectError('{% if true %}{% def f() %}{% end %}{% end %}', 'K-TPL-004');
    expect(() => parse('{% if false %}{% def f() %}{% end %}{% end %}')).not.toThrow();
    expect(() => parse('{% if true %}{% else %}{% for x in y %}{% def f() %}{% end %}{% end %}{% end %}')).not.toThrow();
    expect(() => parse('{% block b %}{% def f() %}{% def g() %}{% end %}{% end %}{% end %}')).not.toThrow();
    expect(() => parse('{% call f() %}{% def g() %}{% end %}{% end %}')).not.toThrow();
  });

  it('parses regions', () => {
    expect(node('{% region sidebar(page, count=items | length) %}x{% endregion %}')).toMatchObject({
      type: 'Region',
      name: 'sidebar',
      params: [{ name: 'page', default: null }, { name: 'count', default: { type: 'Filter', name: 'length' } }],
    });
  });

  it('splits call bodies into slots; other content fills default', () => {
    const c = node('{% call card("t") %}a{% slot header %}H{% end %}b{% slot row let:item, let:index %}{{ item }}{% end %}c{% endcall %}');
    expect(c.call).toMatchObject({ type: 'Call', func: N('card'), args: [C('t')] });
    expect(c.slots).toEqual([
      { name: 'default', params: [], body: [{ type: 'Data', text: 'abc' }] },
      { name: 'header', params: [], body: [{ type: 'Data', text: 'H' }] },
      { name: 'row', params: ['item', 'index'], body: [{ type: 'Output', expr: N('item') }] },
    ]);
    expectError('{% call(x) f() %}{% end %}', 'K-PAR-007');
  });

  it('parses slot placeholders, scoped slots and yield', () => {
    const d = node('{% def t() %}{% slot %}{% slot footer %}{% slot row let:item=x, let:i=loop.index %}d{% end %}{% yield %}{% yield head %}{% end %}');
    expect(d.body).toEqual([
      { type: 'Slot', name: 'default', bindings: [], body: null },
      { type: 'Slot', name: 'footer', bindings: [], body: null },
      {
        type: 'Slot', name: 'row',
        bindings: [{ name: 'item', value: N('x') }, { name: 'i', value: { type: 'Attr', obj: N('loop'), name: 'index', optional: false } }],
        body: [{ type: 'Data', text: 'd' }],
      },
      { type: 'Yield', name: 'default' },
      { type: 'Yield', name: 'head' },
    ]);
  });
});

describe('imports, include, inheritance', () => {
  it('parses import and from-import with context modifiers', () => {
    expect(node('{% import "lib.html" as lib %}')).toEqual({ type: 'Import', template: C('lib.html'), alias: 'lib', withContext: false });
    expect(node('{% import "lib.html" as lib with context %}').withContext).toBe(true);
    expect(node('{% from "lib" import a, b as c with context %}')).toEqual({
      type: 'FromImport', template: C('lib'), names: [{ name: 'a', alias: 'a' }, { name: 'b', alias: 'c' }], withContext: true,
    });
  });

  it('parses include modifiers in any order', () => {
    expect(node('{% include "p.html" %}')).toEqual({ type: 'Include', template: C('p.html'), ignoreMissing: false, withContext: true });
    expect(node('{% include name ~ ".html" without context ignore missing %}')).toMatchObject({
      template: { type: 'BinOp' }, ignoreMissing: true, withContext: false,
    });
    expectError('{% include "p" with x=1 %}', 'K-PAR-007');
    expectError('{% include "p" only %}', 'K-PAR-007');
  });

  it('parses extends only at the top level', () => {
    expect(node('{% extends "base.html" %}')).toEqual({ type: 'Extends', template: C('base.html') });
    expectError('{% if x %}{% extends "b" %}{% end %}', 'K-PAR-007');
  });

  it('parses blocks with modifiers and guards, fragments and globals', () => {
    expect(node('{% block chart enhanced="sse" n=-2 f=1.5 on=true if show %}x{% endblock %}')).toEqual({
      type: 'Block', name: 'chart', body: [{ type: 'Data', text: 'x' }], cond: N('show'),
      modifiers: { enhanced: 'sse', n: -2, f: 1.5, on: true }, fragment: false,
    });
    expect(node('{% fragment f transport="sse" %}{% endfragment %}')).toMatchObject({ fragment: true, modifiers: { transport: 'sse' }, cond: null });
    expect(node('{% globals %}{% let a = 1 %}{% end %}')).toMatchObject({ type: 'Globals', body: [{ type: 'Set' }] });
    expect(node('{% imports %}{% endimports %}')).toEqual({ type: 'Globals', body: [] });
  });

  it('blocks and regions know where their end tag\'s keyword starts', () => {
    const [b, , r] = parse('{% block a %}\n  x\n{%- endblock %}\n{% region r(p) %}{{ p }}{% end %}').body as any[];
    expect([b.line, b.col, b.endLine, b.endCol]).toEqual([1, 3, 3, 4]);
    expect([r.line, r.col, r.endLine, r.endCol]).toEqual([4, 3, 4, 27]);
  });

  it('rejects malformed blocks', () => {
    expectError('{% block my-block %}{% end %}', 'K-PAR-006', 1, 9);
    expectError('{% block b scoped %}{% end %}', 'K-PAR-007');
    expectError('{% block b a=1 a=2 %}{% end %}', 'K-PAR-007');
    expectError('{% block b a=x %}{% end %}', 'K-PAR-007');
    expectError('{% fragment f if x %}{% end %}', 'K-PAR-007');
    expectError('{% block b %}{% endblock b %}', 'K-PAR-007');
  });

  it('parses embed with block overrides only', () => {
    expect(node('{% embed "card.html" %}\n  {% block title %}T{% end %}\n{% endembed %}')).toEqual({
      type: 'Embed', template: C('card.html'), withContext: true,
      blocks: [{ type: 'Block', name: 'title', body: [{ type: 'Data', text: 'T' }], cond: null, modifiers: {}, fragment: false }],
    });
    expect(node('{% embed "c" without context %}{% end %}').withContext).toBe(false);
    expectError('{% embed "c" %}{{ x }}{% end %}', 'K-PAR-001');
  });
});

describe('output-transforming and other blocks', () => {
  it('parses capture, filter, spaceless, cache and flush', () => {
    expect(node('{% capture x | trim %}a{% endcapture %}')).toEqual({
      type: 'Capture', name: 'x', body: [{ type: 'Data', text: 'a' }], filter: { name: 'trim', args: [], kwargs: [] },
    });
    expect(node('{% filter truncate(5, end="") %}a{% endfilter %}')).toEqual({
      type: 'FilterBlock', name: 'truncate', args: [C(5)], kwargs: [{ name: 'end', value: C('') }], body: [{ type: 'Data', text: 'a' }],
    });
    expect(node('{% spaceless %} <a> </a> {% end %}')).toMatchObject({ type: 'Spaceless' });
    expect(node('{% cache "k" ~ id, ttl="5m", depends=a, depends=b %}x{% endcache %}')).toMatchObject({
      type: 'Cache', key: { type: 'BinOp' }, ttl: C('5m'), depends: [N('a'), N('b')],
    });
    expect(node('{% flush %}')).toEqual({ type: 'Flush' });
    expectError('{% filter upper | lower %}{% end %}', 'K-PAR-007');
  });

  it('parses try/fallback with an optional error name', () => {
    expect(node('{% try %}a{% fallback err %}{{ err.message }}{% end %}')).toMatchObject({
      type: 'Try', body: [{ type: 'Data', text: 'a' }], errName: 'err', fallback: [{ type: 'Output' }],
    });
    expect(node('{% try %}a{% fallback %}b{% endtry %}').errName).toBeNull();
    expectError('{% try %}a{% end %}', 'K-PAR-001', 1, 13, /fallback/);
  });

  it('parses provide, push and stack', () => {
    expect(node('{% provide theme = "dark" %}x{% endprovide %}')).toEqual({
      type: 'Provide', key: 'theme', value: C('dark'), body: [{ type: 'Data', text: 'x' }],
    });
    expect(node('{% push "scripts" %}<s>{% endpush %}')).toEqual({ type: 'Push', stack: 'scripts', body: [{ type: 'Data', text: '<s>' }] });
    expect(node('{% stack "scripts" %}')).toEqual({ type: 'Stack', name: 'scripts' });
    expectError('{% push scripts %}{% end %}', 'K-PAR-003');
  });

  it('parses trans with bindings and plural; normalises whitespace', () => {
    expect(node('{% trans %}Hello   \n world{% endtrans %}')).toEqual({ type: 'Trans', bindings: [], singular: 'Hello world', plural: null });
    expect(node('{% trans name=user.name %} Hi {{ name }}! {% endtrans %}')).toMatchObject({
      bindings: [{ name: 'name', value: { type: 'Attr' } }], singular: 'Hi %(name)s!',
    });
    expect(node('{% trans count=items|length %}One item{% plural %}{{ count }} items{% end %}')).toMatchObject({
      singular: 'One item', plural: '%(count)s items',
    });
    expectError('{% trans %}{{ x }}{% endtrans %}', 'K-PAR-003');
    expectError('{% trans n=1 %}{{ n | upper }}{% endtrans %}', 'K-PAR-003');
    expectError('{% trans n=1 %}a{% plural %}b{% endtrans %}', 'K-PAR-003');
    expectError('{% trans %}{% if x %}{% end %}{% endtrans %}', 'K-PAR-003');
  });

  it('parses template declarations (annotation grammar, at most one)', () => {
    expect(node('{% template page: Page, count: int %}')).toEqual({
      type: 'TemplateDecl', decls: [{ name: 'page', annotation: 'Page' }, { name: 'count', annotation: 'int' }],
    });
    expect(node('{% template %}')).toEqual({ type: 'TemplateDecl', decls: [] });
    expectError('{% template a: int %}{% template b: int %}', 'K-PAR-003');
    // the port accepts the def annotation grammar here (the reference: single identifiers only)
    expect(node('{% template a: list[int], b: str | None %}')).toEqual({
      type: 'TemplateDecl', decls: [{ name: 'a', annotation: 'list[int]' }, { name: 'b', annotation: 'str | None' }],
    });
    expectError('{% template a: list[ %}', 'K-PAR-003');
  });
});

// ---------------------------------------------------------------------------- block structure errors

describe('block structure errors', () => {
  it('accepts {% end %} and the matching explicit closer for every block', () => {
    const blocks: [string, string][] = [
      ['if x', 'endif'], ['unless x', 'endunless'], ['for x in y', 'endfor'], ['async for x in y', 'endfor'], ['while x', 'endwhile'],
      ['block b', 'endblock'], ['fragment f', 'endfragment'], ['globals', 'endglobals'], ['imports', 'endimports'],
      ['with x', 'endwith'], ['def f()', 'enddef'], ['call f()', 'endcall'], ['capture c', 'endcapture'], ['cache "k"', 'endcache'],
      ['filter upper', 'endfilter'], ['spaceless', 'endspaceless'], ['embed "e"', 'endembed'], ['provide k = 1', 'endprovide'],
      ['trans', 'endtrans'], ['region r()', 'endregion'], ['push "p"', 'endpush'],
    ];
    for (const [open, close] of blocks) {
      expect(() => parse(`{% ${open} %}{% end %}`), open).not.toThrow();
      expect(() => parse(`{% ${open} %}{% ${close} %}`), close).not.toThrow();
    }
    expect(() => parse('{% try %}{% fallback %}{% endtry %}')).not.toThrow();
    expect(() => parse('{% match x %}{% case 1 %}{% endmatch %}')).not.toThrow();
  });

  it('reports unclosed blocks with the opener (K-PAR-002)', () => {
    // at the opening tag's keyword, not at the end of the file
    const e = expectError('{% if a %}\n{% for x in y %}\nbody', 'K-PAR-002', 2, 3, /Unclosed 'for' block \(opened at line 2\)/);
    expect(e.suggestion).toContain('{% endfor %}');
    expectError('{% def f() %}', 'K-PAR-002', 1, undefined, /'def'/);
    expectError('{% call f() %}{% slot a %}x', 'K-PAR-002');
    expectError('{% try %}x', 'K-PAR-002', 1, undefined, /'try'/);
    expectError('{% trans %}x', 'K-PAR-002');
    expectError('{% embed "x" %}', 'K-PAR-002');
  });

  it('reports an end tag that closes an outer block as the inner block left unclosed, at its opening tag', () => {
    const e = expectError('{% for x in y %}\n{% if x %}{% endfor %}', 'K-PAR-002', 2, 3, /Unclosed 'if' block \(opened at line 2\): '\{% endfor %\}' at line 2 closes the 'for' around it/);
    expect(e.suggestion).toContain('{% endif %}');
  });

  it('reports mismatched closers naming the innermost block', () => {
    const e = expectError('{% for x in y %}\n{% if x %}{% endunless %}', 'K-PAR-001', 2, 13, /Mismatched closing tag.*'if' \(opened at line 2\)/);
    expect(e.suggestion).toBe('Use {% end %} or {% endif %}'); // (no flag promised that does not exist)
    expect(e.rawMessage).toContain('Open blocks:');
    expectError('{% if x %}{% endunless %}', 'K-PAR-001', 1, undefined, /Mismatched/);
  });

  it('reports orphan end tags and continuation keywords', () => {
    expectError('x{% end %}', 'K-PAR-001', 1, 4, /no open block/);
    expectError('{% endif %}', 'K-PAR-001', 1, 3);
    expectError('{% else %}', 'K-PAR-001', 1, 3, /outside of its block/);
    expectError('{% for x in y %}{% elif z %}{% end %}', 'K-PAR-001');
    expectError('{% case 1 %}', 'K-PAR-001');
    expectError('{% endraw %}', 'K-PAR-001');
  });

  it('reports unknown keywords with did-you-mean and Jinja hints', () => {
    const e = expectError('\n  {% iff x %}', 'K-PAR-001', 2, 5, /Unknown block keyword: iff/);
    expect(e.suggestion).toBe("Did you mean 'if'?");
    expect(syntaxError('{% macro m() %}{% endmacro %}').suggestion).toContain('def');
    expect(syntaxError('{% set ns = namespace() %}{% namespace %}').suggestion).toContain('let');
    expect(syntaxError('{% do x.append(1) %}').suggestion).toContain('set');
    expect(syntaxError('{% autoescape true %}{% end %}').code).toBe('K-PAR-001');
    expect(syntaxError('{% zzzzzz %}').suggestion).toContain('Valid keywords');
  });

  it('reports bad raw tags and unclosed raw', () => {
    expectError('{% raw x %}{% endraw %}', 'K-PAR-001');
    expectError('{% raw %}x', 'K-PAR-002', 1, 0);
  });
});

// ---------------------------------------------------------------------------- properties

describe('properties', () => {
  it('text without delimiters parses to a single Data node', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1 }).filter((s) => !/\{[{%#]/.test(s)),
        (s) => {
          expect(strip(parse(s).body)).toEqual([{ type: 'Data', text: s }]);
        },
      ),
    );
  });

  it('random whitespace-control combinations never crash and keep the text', () => {
    const ws = fc.constantFrom('', ' ', '\n', ' \n\t', '\r\n');
    const mark = fc.constantFrom('', '-');
    const tag = fc.constantFrom<[string, string]>(['{%', '%}'], ['{{', '}}'], ['{#', '#}']);
    fc.assert(
      fc.property(ws, tag, mark, mark, ws, ws, fc.boolean(), fc.boolean(), (a, [o, c], l, r, b, d, trimBlocks, lstripBlocks) => {
        const inner = o === '{%' ? ' if x ' : o === '{{' ? ' x ' : ' note ';
        const tail = o === '{%' ? `{%${l} end ${r}%}` : '';
        const ast = parse(`x${a}${o}${l}${inner}${r}${c}${b}y${d}${tail}z`, { trimBlocks, lstripBlocks });
        const text = JSON.stringify(ast.body);
        expect(text).toMatch(/"x/);
        expect(text).toMatch(/y/);
        expect(text).toMatch(/z"/);
      }),
    );
  });

  it('arbitrary tag soup either parses or raises a coded TemplateSyntaxError', () => {
    const unit = fc.constantFrom('{{', '}}', '{%', '%}', '{#', '#}', '-', ' ', 'x', '|', '(', ')', '"', 'if ', 'end', 'for ', ' in ', '1', '.', '??', 'set ', '=');
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 30 }), (s) => {
        try {
          parse(s);
        } catch (e) {
          expect(e).toBeInstanceOf(TemplateSyntaxError);
          expect((e as TemplateSyntaxError).code).toMatch(/^K-(LEX|PAR|TPL)-\d{3}$/);
          expect((e as TemplateSyntaxError).lineno).toBeGreaterThanOrEqual(1);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('binary operators of one level associate to the left; ?? and ** to the right', () => {
    const ops = fc.constantFrom('+', '-', '~', '*', '/', '//', '%');
    fc.assert(
      fc.property(ops, ops, (p, q) => {
        const e = expr(`a ${p} b ${q} c`);
        const level = (o: string) => (['+', '-', '~'].includes(o) ? 0 : 1);
        if (level(p) === level(q)) expect(e).toEqual(bin(q, bin(p, N('a'), N('b')), N('c')));
        else if (level(p) > level(q)) expect(e).toEqual(bin(q, bin(p, N('a'), N('b')), N('c')));
        else expect(e).toEqual(bin(p, N('a'), bin(q, N('b'), N('c'))));
      }),
    );
  });
});

describe('lone operands', () => {
  // expressionInner hands a lone operand straight to primary(); these pin that it parses as the
  // full precedence chain would.
  it('before a tag end, a separator or a closer', () => {
    expect(expr('title')).toEqual(N('title'));
    expect(expr('none')).toEqual(C(null));
    expect(expr('await')).toEqual(N('await'));
    expect(expr('2.5')).toEqual(C(2.5, true));
    expect(expr('f(1, "a", b)')).toEqual({ type: 'Call', func: N('f'), args: [C(1), C('a'), N('b')], kwargs: [] });
    expect(expr('[x]')).toEqual({ type: 'List', items: [N('x')] });
    expect(node('{% if ok %}y{% end %}').branches[0].cond).toEqual(N('ok'));
    expect(node('{% set s = 12345678901234567890 %}').assignments[0].value).toEqual(C('12345678901234567890n'));
  });

  it('keep their errors', () => {
    expectError('{{ not }}', 'K-PAR-003');
    expectError('{{ "a" "b" }}', 'K-PAR-003', 1, 7, /Adjacent string literals/);
  });
});
