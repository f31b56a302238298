// Nunjucks expressions, evaluated as Nunjucks 3.2.4 evaluates them (compat mode).
//
// Nunjucks parses an expression into its own tree (its parser's levels, below: filters bind to
// the operand they follow, `**` is left-associative and binds looser than a unary minus, `//`
// tighter than `*` and `/`, one `is` per chain) and then prints that tree as JavaScript
// source WITHOUT parentheses, except around `( … )` written in the template, inline ifs, and
// what it prints as calls (`**` → Math.pow, `//` → Math.floor(l / r), `in`, `is`, filters).
// JavaScript then re-reads the text with its own precedence: `not a == b` is `(!a) == b`,
// `3 > 2 > 1` is `(3 > 2) > 1`. Real templates depend on both, so this module does the same:
// njkExpression parses with Nunjucks' levels, and js() re-associates each printed run of
// operators with JavaScript's precedence, giving the Kida AST that codegen compiles as usual.
import type * as A from '../ast.js';
import type { Token } from '../lexer.js';

/** The parser's primitives this module drives (compiler/parser.ts). */
export interface NjkParser {
  readonly tok: Token;
  next(): Token;
  peek(n?: number): Token;
  isOp(v: string, t?: Token): boolean;
  isName(v?: string, t?: Token): boolean;
  acceptName(v: string): boolean;
  expectName(what?: string): Token;
  fail(msg: string, code?: string, t?: { line: number; col: number }): never;
  deeper<T>(f: () => T): T;
  postfix(): A.Expr;
  primary(): A.Expr;
  callArgs(): { args: A.Expr[]; kwargs: A.Kwarg[] };
}

/** Expressions written in parentheses: Nunjucks prints those parentheses. */
const groups = new WeakSet<A.Expr>();
export function njkGroup(e: A.Expr): A.Expr {
  groups.add(e);
  return e;
}

const NAME_CONSTS = new Set(['none', 'true', 'false']);
const COMPARE = new Set(['==', '===', '!=', '!==', '<', '>', '<=', '>=']);

/** `or` level down to the operand, as Nunjucks' parser builds it, then re-associated as JavaScript reads it. */
export function njkExpression(p: NjkParser): A.Expr {
  return js(or(p));
}

function or(p: NjkParser): A.Expr {
  let left = and(p);
  while (p.isName('or')) {
    const t = p.next();
    left = { type: 'BoolOp', op: 'or', left, right: and(p), line: t.line, col: t.col };
  }
  return left;
}
function and(p: NjkParser): A.Expr {
  let left = not(p);
  while (p.isName('and')) {
    const t = p.next();
    left = { type: 'BoolOp', op: 'and', left, right: not(p), line: t.line, col: t.col };
  }
  return left;
}
function not(p: NjkParser): A.Expr {
  if (p.isName('not')) {
    const t = p.next();
    return { type: 'UnaryOp', op: 'not', operand: p.deeper(() => not(p)), line: t.line, col: t.col };
  }
  return inOp(p);
}
function inOp(p: NjkParser): A.Expr {
  let left = is(p);
  for (;;) {
    const negated = p.isName('not') && p.isName('in', p.peek());
    if (!negated && !p.isName('in')) return left;
    if (negated) p.next();
    const t = p.next();
    left = { type: 'Compare', left, ops: [{ op: negated ? 'not in' : 'in', right: is(p) }], line: t.line, col: t.col };
  }
}
/** One `is` (Nunjucks does not chain them): a test name, its arguments in parentheses. */
function is(p: NjkParser): A.Expr {
  const left = compare(p);
  if (!p.isName('is')) return left;
  p.next();
  const negated = p.acceptName('not');
  const nt = p.tok;
  // (`x is none`: Kida's identity comparison with the constant, as before)
  if ((nt.type === 'name' && NAME_CONSTS.has(nt.value)) || nt.type === 'int' || nt.type === 'float' || nt.type === 'string')
    return { type: 'Compare', left, ops: [{ op: negated ? 'is not' : 'is', right: p.primary() }], line: nt.line, col: nt.col };
  const name = p.expectName('a test name after \'is\'');
  const { args, kwargs } = p.isOp('(') ? p.callArgs() : { args: [], kwargs: [] };
  return { type: 'Test', value: left, name: name.value, args, kwargs, negated, line: name.line, col: name.col };
}
function compare(p: NjkParser): A.Expr {
  const left = binary(p, 0);
  const ops: A.Compare['ops'] = [];
  while (p.tok.type === 'op' && COMPARE.has(p.tok.value)) ops.push({ op: p.next().value as A.CompareOp, right: binary(p, 0) });
  return ops.length ? { type: 'Compare', left, ops, line: left.line, col: left.col } : left;
}

/** Nunjucks' binary levels from `~` (loosest) to `**` (tightest), each left-associative. */
const LEVELS = ['~', '+', '-', '*', '/', '//', '%', '**'] as const;
function binary(p: NjkParser, level: number): A.Expr {
  if (level === LEVELS.length) return unary(p, false);
  const op = LEVELS[level]!;
  let left = binary(p, level + 1);
  while (p.isOp(op)) {
    const t = p.next();
    left = { type: 'BinOp', op, left, right: binary(p, level + 1), line: t.line, col: t.col };
  }
  return left;
}
/** A unary minus or plus binds to the operand; filters to the whole unary expression. */
function unary(p: NjkParser, noFilters: boolean): A.Expr {
  const t = p.tok;
  let e: A.Expr;
  if (p.isOp('-') || p.isOp('+')) {
    p.next();
    e = { type: 'UnaryOp', op: t.value as '-' | '+', operand: p.deeper(() => unary(p, true)), line: t.line, col: t.col };
  } else e = p.postfix();
  if (noFilters) return e;
  while (p.isOp('|')) {
    p.next();
    const n = p.expectName('a filter name');
    let name = n.value;
    while (p.isOp('.') && p.peek().type === 'name') {
      p.next();
      name += '.' + p.next().value;
    }
    const { args, kwargs } = p.isOp('(') ? p.callArgs() : { args: [], kwargs: [] };
    e = { type: 'Filter', value: e, name, args, kwargs, op: '|', line: n.line, col: n.col };
  }
  return e;
}

// ---------------------------------------------------------------- printed as JavaScript

type Piece = { op: string; line: number; col: number } | { atom: A.Expr } | { prefix: '-' | '+' | 'not'; line: number; col: number };

/** JavaScript's binding power of each printed binary operator (`~` prints as `+ "" +`). */
const POWER: Record<string, number> = {
  or: 1, and: 2, '==': 3, '!=': 3, '===': 3, '!==': 3, '<': 4, '>': 4, '<=': 4, '>=': 4,
  '+': 5, '-': 5, '~': 5, '*': 6, '/': 6, '%': 6,
};

/** The Kida AST of `e` as JavaScript evaluates Nunjucks' printing of it. */
export function js(e: A.Expr): A.Expr {
  const pieces: Piece[] = [];
  flatten(e, pieces);
  if (pieces.length === 1 && 'atom' in pieces[0]!) return pieces[0].atom;
  const state = { i: 0 };
  return reparse(pieces, state, 0);
}

function flatten(e: A.Expr, out: Piece[]): void {
  if (groups.has(e)) {
    out.push({ atom: e });
    return;
  }
  switch (e.type) {
    case 'BoolOp':
      flatten(e.left, out);
      out.push({ op: e.op, line: e.line, col: e.col });
      flatten(e.right, out);
      return;
    case 'UnaryOp':
      out.push({ prefix: e.op, line: e.line, col: e.col });
      flatten(e.operand, out);
      return;
    case 'BinOp':
      if (e.op === '**') {
        // Math.pow(left, right): each argument is its own expression
        out.push({ atom: { ...e, left: js(e.left), right: js(e.right) } });
        return;
      }
      if (e.op === '//') {
        // Math.floor(left / right): one expression inside the call
        const inner: Piece[] = [];
        flatten(e.left, inner);
        inner.push({ op: '/', line: e.line, col: e.col });
        flatten(e.right, inner);
        const q = reparse(inner, { i: 0 }, 0);
        out.push({ atom: q.type === 'BinOp' && q.op === '/' && !groups.has(q) ? { ...q, op: '//' } : { type: 'BinOp', op: '//', left: q, right: { type: 'Const', value: 1, line: e.line, col: e.col }, line: e.line, col: e.col } });
        return;
      }
      flatten(e.left, out);
      out.push({ op: e.op, line: e.line, col: e.col });
      flatten(e.right, out);
      return;
    case 'Compare':
      if (e.ops.every((o) => COMPARE.has(o.op))) {
        flatten(e.left, out);
        for (const o of e.ops) {
          out.push({ op: o.op, line: e.line, col: e.col });
          flatten(o.right, out);
        }
        return;
      }
      // `in` / `is`: printed as calls, each operand its own expression
      out.push({ atom: { ...e, left: js(e.left), ops: e.ops.map((o) => ({ op: o.op, right: js(o.right) })) } });
      return;
    case 'Test':
      out.push({ atom: { ...e, value: js(e.value) } });
      return;
    case 'Filter':
      out.push({ atom: { ...e, value: js(e.value) } });
      return;
    default:
      out.push({ atom: e });
  }
}

/** Precedence climbing over the printed pieces: prefix operators bind tightest. */
function reparse(pieces: Piece[], s: { i: number }, min: number): A.Expr {
  let left = operand(pieces, s);
  for (;;) {
    const p = pieces[s.i];
    if (!p || !('op' in p)) return left;
    const power = POWER[p.op]!;
    if (power <= min) return left;
    s.i++;
    const right = reparse(pieces, s, power);
    left = node(p, left, right);
  }
}
function operand(pieces: Piece[], s: { i: number }): A.Expr {
  const p = pieces[s.i++]!;
  if ('prefix' in p) return { type: 'UnaryOp', op: p.prefix, operand: operand(pieces, s), line: p.line, col: p.col };
  return (p as { atom: A.Expr }).atom;
}
function node(p: { op: string; line: number; col: number }, left: A.Expr, right: A.Expr): A.Expr {
  const at = { line: p.line, col: p.col };
  if (p.op === 'and' || p.op === 'or') return { type: 'BoolOp', op: p.op, left, right, ...at };
  if (COMPARE.has(p.op)) return { type: 'Compare', left, ops: [{ op: p.op as A.CompareOp, right }], ...at };
  return { type: 'BinOp', op: p.op as A.BinOp['op'], left, right, ...at };
}
