// Nunjucks custom tags (`env.addExtension(name, ext)`, compat 'nunjucks'): the extension's own
// `parse(parser, nodes, lexer)` runs at compile time against a facade of Nunjucks' parser API
// over our tokens, and what it may return is `new nodes.CallExtension(ext, 'method', args,
// [bodies])` — the form Nunjucks' docs teach and most extensions use. The template then calls
// `ext.method(context, ...args, ...bodies)` when it renders (runtime/nunjucks/extensions.ts),
// its result escaped unless safe (or the extension's `autoescape` is false), as Nunjucks does;
// nodes.CallExtensionAsync adds a callback, awaited. A content argument is parseUntilBlocks()'s
// result or one the extension builds itself, `new nodes.NodeList(0, 0, [new nodes.Output(0, 0,
// [new nodes.TemplateData(0, 0, value)])])` (nunjucks-markdown passes its tag's column so), which
// renders as Nunjucks compiles it. Other node classes and the raw lexer are compile errors naming them.

import type * as A from '../ast.js';
import type { Token } from '../lexer.js';
import { TemplateError } from '../../runtime/errors.js';

/** An extension as Nunjucks defines one. */
export interface NjkExtension {
  tags?: string[];
  parse?: (parser: unknown, nodes: unknown, lexer: unknown) => unknown;
  [method: string]: unknown;
}

/** The parser members this file uses (private in the Parser class; read by name, as compiler/defer.ts does). */
interface P {
  i: number;
  tok: Token;
  next(): Token;
  peek(n?: number): Token;
  expression(): A.Expr;
  expectBlockEnd(): void;
  isOp(v: string): boolean;
  acceptOp(v: string): boolean;
  callArgs(): { args: A.Expr[]; kwargs: A.Kwarg[] };
  inCtx<T>(c: string, f: () => T): T;
  body(stops: string[]): { nodes: A.Node[]; stop: Token | null };
  fail(msg: string, code?: string, at?: { line: number; col: number }, suggestion?: string | null): never;
}

// Nunjucks' lexer token type names (lexer.TOKEN_*)
const LEXER = {
  TOKEN_STRING: 'string', TOKEN_WHITESPACE: 'whitespace', TOKEN_DATA: 'data', TOKEN_BLOCK_START: 'block-start',
  TOKEN_BLOCK_END: 'block-end', TOKEN_VARIABLE_START: 'variable-start', TOKEN_VARIABLE_END: 'variable-end',
  TOKEN_COMMENT: 'comment', TOKEN_LEFT_PAREN: 'left-paren', TOKEN_RIGHT_PAREN: 'right-paren',
  TOKEN_LEFT_BRACKET: 'left-bracket', TOKEN_RIGHT_BRACKET: 'right-bracket', TOKEN_LEFT_CURLY: 'left-curly',
  TOKEN_RIGHT_CURLY: 'right-curly', TOKEN_OPERATOR: 'operator', TOKEN_COMMA: 'comma', TOKEN_COLON: 'colon',
  TOKEN_TILDE: 'tilde', TOKEN_PIPE: 'pipe', TOKEN_INT: 'int', TOKEN_FLOAT: 'float', TOKEN_BOOLEAN: 'boolean',
  TOKEN_NONE: 'none', TOKEN_SYMBOL: 'symbol', TOKEN_SPECIAL: 'special', TOKEN_REGEX: 'regex',
};
const PUNCT: Record<string, string> = { '(': 'left-paren', ')': 'right-paren', '[': 'left-bracket', ']': 'right-bracket', '{': 'left-curly', '}': 'right-curly', ',': 'comma', ':': 'colon', '~': 'tilde', '|': 'pipe' };

/** A token as Nunjucks' parser hands it out (`type`, `value`, 0-based `lineno`/`colno`). */
function njkToken(t: Token): { type: string; value: string; lineno: number; colno: number } {
  const type =
    t.type === 'name' ? (t.value === 'true' || t.value === 'false' ? 'boolean' : t.value === 'none' ? 'none' : 'symbol')
    : t.type === 'block_end' ? 'block-end' : t.type === 'block_begin' ? 'block-start' : t.type === 'var_begin' ? 'variable-start'
    : t.type === 'var_end' ? 'variable-end' : t.type === 'op' ? (PUNCT[t.value] ?? 'operator') : t.type;
  return { type, value: t.type === 'string' ? t.str! : t.value, lineno: t.line - 1, colno: t.col };
}

const ARGS = Symbol('args');
const BODY = Symbol('body');
const EXPR = Symbol('expr');
const CALL = Symbol('call');
/** The text a nodes.TemplateData writes inside a nodes.Output (undefined: none). */
const TEXT = Symbol('text');
type ArgList = { [ARGS]: { args: A.Expr[]; kwargs: A.Kwarg[] }; [BODY]: A.Node[]; children: unknown[]; addChild(x: unknown): void };
type Call = { [CALL]: { ext: unknown; prop: string; args: ArgList | null; bodies: unknown[]; async: boolean } };

/**
 * A node list: the arguments of a call (its expressions) and, as a content argument, the body its
 * nodes.Output children write (an expression or a TemplateData straight in a list writes nothing
 * in Nunjucks' compiled code either).
 */
function argList(args: A.Expr[], kwargs: A.Kwarg[]): ArgList {
  const l: ArgList = {
    [ARGS]: { args, kwargs },
    [BODY]: [],
    children: [...args.map((e) => ({ [EXPR]: e }))],
    addChild(x: unknown) {
      const e = (x as { [EXPR]?: A.Expr })?.[EXPR];
      const body = (x as { [BODY]?: A.Node[] })?.[BODY];
      if (e) args.push(e);
      else if (body) this[BODY].push(...body);
      else if (!(x && typeof x === 'object' && TEXT in x)) throw new TypeError('addChild: only expressions parsed by the parser, nodes.Literal, nodes.Output or nodes.NodeList can be added');
      this.children.push(x);
    },
  };
  return l;
}

/** `{% tag … %}` of a registered extension: its parse() over the facade, as an NjkExtension node. */
export function parseNjkExtension(p: P, at: Token, extName: string, ext: NjkExtension): A.Node {
  if (typeof ext.parse !== 'function') p.fail(`Extension '${extName}' has no parse() for {% ${at.value} %}`, 'K-PAR-007', at);
  p.i--; // (Nunjucks hands parse() the parser on the tag's name)
  const unsupported = (what: string): never =>
    p.fail(`Extension '${extName}' uses ${what}, which Kida's Nunjucks mode does not support (it supports parse() with the parser's common methods returning nodes.CallExtension)`, 'K-PAR-007', at);
  const parser = {
    nextToken: () => njkToken(p.next()),
    peekToken: () => njkToken(p.tok),
    skip(type: string) {
      if (njkToken(p.tok).type !== type) return false;
      p.next();
      return true;
    },
    expect(type: string) {
      const t = njkToken(p.tok);
      if (t.type !== type) p.fail(`expected ${type}, got ${t.type}`, 'K-PAR-003', p.tok);
      p.next();
      return t;
    },
    skipValue(type: string, value: string) {
      const t = njkToken(p.tok);
      if (t.type !== type || t.value !== value) return false;
      p.next();
      return true;
    },
    skipSymbol(name: string) {
      return parser.skipValue('symbol', name);
    },
    fail(msg: string) {
      return p.fail(msg, 'K-PAR-003', p.tok);
    },
    parseExpression: () => ({ [EXPR]: p.expression() }),
    parsePrimary: () => ({ [EXPR]: p.expression() }),
    /** parseSignature(tolerant, noParens): `(a, k=v)`, or without parentheses up to the tag's end. */
    // (Nunjucks' algorithm: with noParens a `(` is still consumed, but only the tag's end ends the list)
    parseSignature(tolerant?: boolean, noParens?: boolean) {
      if (!noParens && !p.isOp('(')) {
        if (tolerant) return null;
        p.fail('expected arguments', 'K-PAR-003', p.tok);
      }
      p.acceptOp('(');
      const args: A.Expr[] = [];
      const kwargs: A.Kwarg[] = [];
      for (let first = true; ; first = false) {
        if (!noParens && p.acceptOp(')')) break;
        if (noParens && p.tok.type === 'block_end') break;
        if (p.tok.type === 'eof') p.fail('parseSignature: unexpected end of template', 'K-PAR-003', p.tok);
        if (!first && !p.acceptOp(',')) p.fail('parseSignature: expected comma after expression', 'K-PAR-003', p.tok);
        const nx = p.peek();
        if (p.tok.type === 'name' && nx.type === 'op' && nx.value === '=') {
          const n = p.next().value;
          p.next();
          kwargs.push({ name: n, value: p.expression() });
        } else args.push(p.expression());
      }
      return argList(args, kwargs);
    },
    /** The body up to one of these tags; the parser is left on that tag's name (as Nunjucks leaves it). */
    parseUntilBlocks(...names: string[]) {
      const { nodes, stop } = p.inCtx('other', () => p.body(names));
      if (!stop) p.fail(`unexpected end of file: expected {% ${names.join(' %} or {% ')} %}`, 'K-PAR-002', at);
      p.i--;
      return { [BODY]: nodes };
    },
    advanceAfterBlockEnd(name?: string) {
      if (!name && p.tok.type === 'name') p.next();
      p.expectBlockEnd();
    },
  };
  const nodes = new Proxy(
    {
      CallExtension: function (this: Call, extObj: unknown, prop: string, args: ArgList | null, bodies?: unknown[]) {
        this[CALL] = { ext: extObj, prop, args, bodies: bodies ?? [], async: false };
      },
      CallExtensionAsync: function (this: Call, extObj: unknown, prop: string, args: ArgList | null, bodies?: unknown[]) {
        this[CALL] = { ext: extObj, prop, args, bodies: bodies ?? [], async: true };
      },
      NodeList: function (this: ArgList, _l?: number, _c?: number, children?: unknown[]) {
        Object.assign(this, argList([], []));
        for (const c of children ?? []) this.addChild(c);
      },
      Literal: function (this: { [EXPR]: A.Expr }, line: number, col: number, value: unknown) {
        if (value !== null && !['string', 'number', 'boolean'].includes(typeof value)) unsupported('nodes.Literal of a non-primitive');
        this[EXPR] = { type: 'Const', value: value as string | number | boolean | null, line: line + 1, col };
      },
      // (Nunjucks writes a TemplateData's value as a literal of its compiled code, and only a truthy one)
      TemplateData: function (this: { [TEXT]?: string }, _l: number, _c: number, value: unknown) {
        if (value !== null && value !== undefined && !['string', 'number', 'boolean'].includes(typeof value)) unsupported('nodes.TemplateData of a non-primitive');
        this[TEXT] = value ? String(value) : undefined;
      },
      Output: function (this: { [BODY]: A.Node[] }, _l: number, _c: number, children?: unknown[]) {
        this[BODY] = (children ?? []).flatMap((c): A.Node[] => {
          const e = (c as { [EXPR]?: A.Expr })?.[EXPR];
          if (e) return [{ type: 'Output', expr: e, line: at.line, col: at.col }];
          if (c && typeof c === 'object' && TEXT in c) {
            const text = (c as { [TEXT]?: string })[TEXT];
            return text === undefined ? [] : [{ type: 'Data', text, line: at.line, col: at.col }];
          }
          return unsupported('a nodes.Output child other than an expression or nodes.TemplateData');
        });
      },
    } as Record<string, unknown>,
    {
      get(target, key) {
        if (typeof key === 'string' && !(key in target)) return unsupported(`nodes.${key}`);
        return target[key as string];
      },
    },
  );
  const lexer = new Proxy(LEXER as Record<string, unknown>, {
    get(target, key) {
      if (typeof key === 'string' && !(key in target)) return unsupported(`lexer.${key}`);
      return target[key as string];
    },
  });
  let result: Call | undefined;
  try {
    result = ext.parse!.call(ext, parser, nodes, lexer) as Call | undefined;
  } catch (e) {
    // (a parse() of the host's that throws something of its own: a located syntax error, not an
    // unlocated Error or a bare string thrown out of compile())
    if (e instanceof TemplateError) throw e;
    p.fail(`Extension '${extName}' failed in parse() for {% ${at.value} %}: ${shownThrown(e)}`, 'K-PAR-007', at);
  }
  const call = result?.[CALL];
  if (!call) return unsupported('a parse() result other than new nodes.CallExtension(…)');
  if (typeof ext[call.prop] !== 'function' && call.ext === ext) p.fail(`Extension '${extName}' has no method '${call.prop}'`, 'K-PAR-007', at);
  const bodies = call.bodies.map((b) => (b == null ? null : ((b as { [BODY]?: A.Node[] })[BODY] ?? unsupported('a content argument that is not parseUntilBlocks()\'s result'))));
  return {
    type: 'NjkExtension',
    ext: extName,
    method: call.prop,
    args: call.args?.[ARGS].args ?? [],
    kwargs: call.args?.[ARGS].kwargs ?? [],
    bodies,
    ...(call.async ? { async: true } : {}),
    ...((call.ext as { autoescape?: unknown } | null)?.autoescape === false ? { autoescape: false } : {}),
    line: at.line,
    col: at.col,
  };
}

/** A thrown value as text, even when its message, name or toString throws. */
function shownThrown(e: unknown): string {
  try {
    return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  } catch {
    return '(a value that cannot be shown)';
  }
}
