// Helpers shared by the code generator (compiler/codegen.ts) and its visitors (compiler/codegen/*.ts):
// output sinks, the sync/streaming twin bodies, quoting, AST walks and the loop/constant analyses.

import type * as A from '../ast.js';
import type { NameCache } from './name-cache.js';

/**
 * `s` sync (string builder), `g` streaming (generator), `a` async generator; `sg` generates a
 * sync body and its streaming twin in one pass (see bothBodies).
 */
export type Mode = 's' | 'g' | 'a' | 'sg';

/** Only Python whitespace (`not s.strip()`; JavaScript's \s differs: U+FEFF, \x1c-\x1f, \x85). */
export const PY_BLANK = /^[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$/;

/** Attribute names read only through the checked getattr (`name in {}` covers Object.prototype). */
export const UNSAFE_NAMES = new Set(['prototype', 'call', 'apply', 'bind', 'caller', 'callee', 'arguments']);
/** Where output goes: the generator's chunks, a string variable, or (mode `sg`) the function's output in both twins. */
export type Sink = { kind: 'yield' } | { kind: 'buf'; v: string } | { kind: 'both' };

/**
 * The lines that write to a sync or streaming function's output (`into` null: the streaming
 * function's chunks; else the string variable) or render a template part (`{s, g, a}`) into it.
 * The `sg` pass writes placeholders for these (BOTH), which bothBodies turns into each twin's line.
 */
/** `sb`: sandboxed, a buffer over maxOutputSize stops the render as it is built (runtime/sandbox.ts sbOut). */
export const outLine = (into: string | null, js: string, sb = false) =>
  into === null ? `yield ${js};` : sb ? `${into} = $sbOut($env, ${into} + ${js});` : `${into} += ${js};`;
export function partLine(mode: 's' | 'g', into: string | null, fns: string, ctx: string, R: string): string {
  if (mode === 's') return `${into} += ${fns}.s(${ctx}, ${R});`;
  // one generator serves renderStream and (through asyncFromGen) the async entry points
  // (the part's own generator is yielded, not delegated to: flatten and asyncFromGen run it)
  if (into === null) return `yield R.async ? ${fns}.a(${ctx}, ${R}) : ${fns}.g(${ctx}, ${R});`;
  return `${into} += R.async ? yield new $Collect(${fns}.a(${ctx}, ${R})) : ${fns}.s(${ctx}, ${R});`;
}
/**
 * An output expression as the right operand of `o + …` (o a string): without parentheses when it
 * starts with a string (a literal, a text's token (codegen/texts.ts), or an escaped value: esc, ega), so every `+` of the chain joins strings
 * either way; others keep them (`1 + 2 + "a"` would add first).
 */
const concat = (js: string) => (/^(?:"|\u0002\d+\u0002|(?:\(L = \d+, )?\$e(?:sc|ga)\()/.test(js) ? js : `(${js})`);
/** Placeholder lines of the `sg` pass: BOTH, a kind letter (Output, Part, Flush, Y: a value async renders yield for), fields split by SEP. (Generated code never holds a raw NUL or SOH.) */
export const BOTH = '\u0000';
export const SEP = '\u0001';

/**
 * The sync body and the streaming twin from the lines of an `sg` pass (see bothBodies).
 * (Its own function: the optimizer compiles this loop without the code generator around it.)
 */
export function twins(lines: string[], lineNos: number[], curLine: number, sb: boolean, njk = false): { s: Body; g: Body; oneChunk: boolean; sink: boolean; parts: boolean } {
  // lines: head, 'try {', ...body, catch
  const body = lines.slice(2, -1);
  const oneChunk =
    /^let L = \d+(?:, \$n\d+)*;$/.test(lines[0]!) && // (a kept name's local: codegen/name-cache.ts)
    body.filter((l) => l.startsWith(`${BOTH}O`)).length === 1 &&
    body.every((l) => l.startsWith(`${BOTH}O`) || /^L = \d+;$/.test(l));
  // Streamed by the sync function itself (a sink, see the runtime's bodyFns): a part that only
  // writes output (no other part rendered, no flush, no lookup that an async render may wait
  // for, no deferred part) and is not sandboxed (the size check there reads the stream), and has
  // no loop: its output is bounded by the template's size. A loop's part keeps its generator, so a
  // stream stays lazy over a lazy (or endless) source and its chunks are never gathered at once
  // (a list of 10^8 chunks is a V8 abort, where the string render fails with a RangeError).
  // Loops are allowed where the part can suspend at them (resumable): each pulls its next item
  // only once the chunks before it are handed out (runtime `each`).
  const loops = resumable(body);
  const nLoops = loops ? [...loops.values()].filter((x) => x.k > 0).length : 0;
  const parts = loops && !njk ? topParts(body, nLoops) : null;
  const sink = !oneChunk && !sb && loops !== null && body.every((l, i) => !l.startsWith(BOTH) || (l[1] === 'O' && !l.includes('$defer(')) || parts?.has(i));
  const res = sink && (nLoops || parts?.size) ? loops : null; // (a part with loops or parts streamed through the sink)
  const counters = res ? [...res.values()].filter((x) => x.k > 0).flatMap((x) => x.c.map(([v, slot]) => `, ${v} = S.${slot}`)).join('') : '';
  const s: Body = { lines: [], lineNos: [] };
  const g: Body = { lines: [], lineNos: [] };
  const add = (b: Body, line: string | null, n: number) => {
    if (line === null) return;
    b.lines.push(line);
    b.lineNos.push(n);
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const n = lineNos[i]!;
    const at = res ? res.get(i - 2) : undefined;
    if (i === 0) {
      // the head: `let L = …;` (a resumed part starts at the line it left, its loop at the count it left)
      add(s, (res ? line.replace('L = ', 'L = S.L ?? ') : line).slice(0, -1) + counters + ', o = "";', n);
      add(g, line, n);
    } else if (i === 1 && res) {
      add(s, line, n); // `try {`, then the `case`s a resumed call jumps to
      add(s, 'switch (S.k) { default:', n);
      add(g, line, n);
    } else if (res && CARRIED.test(line)) {
      add(s, line.replace(/^(?:let|const) /, ''), n); // (a loop's carried variable, declared in the head)
      add(g, line, n);
    } else if (at?.k === -1) {
      // (a top-level if with loops in its first branch: entered without a test when resumed)
      add(s, at.ks!.map((k) => `case ${k}:`).join(' '), n);
      add(s, line.replace(/^if \(/, 'if (S.k || ') + ' switch (S.k) { default:', n);
      add(g, line, n);
    } else if (at?.k === -2) {
      add(s, '}', n); // (the switch of the branch)
      add(s, line, n);
      add(g, line, n);
    } else if (at) {
      if (at.k) {
        add(s, `case ${at.k}:`, n);
        // (each calls the runtime's iter; Nunjucks mode's $iter is its own)
        const src = / of (.*)\) \{$/.exec(line)![1]!;
        const arg = !njk && src.startsWith('$iter(') ? src.slice(6, -1) : src;
        add(s, line.replace(/ of (.*)\) \{$/, () => ` of S.k ? S.i : $each(${arg}, S, ${at.k})) {`), n);
      } else {
        add(s, line, n);
        add(s, `if (S.k) return ${at.c.map(([v, slot]) => `S.${slot} = ${v}, `).join('')}L;`, n); // (suspended: the driver hands out the chunks and calls again)
      }
      add(g, line, n);
    } else if (line.startsWith(BOTH)) {
      const f = line.slice(2).split(SEP) as [string, string, string, string]; // (indexed: see walk)
      const kind = line[1];
      if (kind === 'Y') {
        // (a value the async driver may resolve: `let v = sync read`, or in async renders a lookup that may be yielded)
        add(s, `let ${f[0]} = ${f[1]};`, n);
        add(g, `let ${f[0]} = R.async ? ${f[2]} : ${f[1]}; if (${f[0]}?.t) ${f[0]} = yield ${f[0]};`, n);
        continue;
      }
      const k = sink && kind === 'P' ? parts!.get(i - 2)! : 0;
      if (k) {
        add(s, `case ${k}:`, n);
        // (render(): the part's builder called here, not through `part`, whose call would see every template's builders)
        add(s, `o += S.k ? $back(S) : S === $noSink ? ${f[1]}.s(${f[2]}, ${f[3]}) : $part(${f[1]}, ${f[2]}, ${f[3]}, S, ${k});`, n);
        add(s, 'if (S.k) return L;', n);
      } else add(s, kind === 'O' ? (sink ? `o = S(o + ${concat(f[0])});` : outLine('o', f[0], sb)) : kind === 'P' ? partLine('s', f[0] || 'o', f[1], f[2], f[3]) : null, n);
      add(g, kind === 'O' ? outLine(null, f[0]) : kind === 'P' ? partLine('g', f[0] || null, f[1], f[2], f[3]) : 'yield "";', n);
    } else {
      if (i === lines.length - 1) {
        if (res) add(s, '}', curLine); // (the switch of a resumable part)
        add(s, 'return o;', curLine); // (before the catch line)
      }
      add(s, line, n);
      add(g, line, n);
    }
  }
  return { s, g, oneChunk, sink, parts: sink && !!parts?.size };
}

/** The parts a sink part renders by suspending (runtime `part`), body index → `case` (from `after` + 1):
 * at the top level, into the output, in a body declaring nothing there and reading no stack. */
function topParts(body: string[], after: number): Map<number, number> | null {
  const at = new Map<number, number>();
  let depth = 0;
  let declared = false;
  for (let i = 0; i < body.length; i++) {
    const l = body[i]!;
    if (l.startsWith('}')) depth--;
    if (l.startsWith(`${BOTH}P`)) {
      if (depth || l.slice(2).split(SEP)[0]) return null;
      at.set(i, after + at.size + 1);
    } else if (l.includes('$readStack(')) return null;
    else if (!depth && /^(const|let|var|function|class)\b/.test(l) && !CARRIED.test(l)) declared = true;
    if (l.endsWith('{') && !l.startsWith(BOTH)) depth++;
  }
  return declared && at.size ? null : at;
}

/** A variable a loop keeps beside it (declared just before its `for`): a light loop's counter or
 * the `else` flag, carried over in the sink's slot `n` or `y` while the loop is suspended. (Not a
 * loop object, `loop.last` or `loop.length`: its loop, not a list to `each`, would suspend at
 * every item, and stream 1.5x slower than the generator twin over a list of 200.) */
const CARRIED = /^let (\$j\d+|\$any\d+) = (?:0|false);$/;
const SLOT: Record<string, string> = { $j: 'n', $any: 'y' };
/** A carried variable and its slot (see CARRIED). */
export type Carried = [v: string, slot: string];

/**
 * The loops of a part body a sink can stream lazily (see the runtime's `each`), by body index:
 * a `for` line → its `case` number `k` (1, 2, …), its closing line → `k: 0`, and the variables
 * declared just before the `for` that it keeps (`c`: a light loop's counter, an `else` flag),
 * in both. Each is a `for` over `$iter` at the part's top level, or in the first branch of a
 * top-level `if` (its line → `k: -1` with the `ks` of its loops, the line ending that branch →
 * `k: -2`: a resumed call enters the branch without testing, and a `switch` inside it takes it
 * to the loop), has nothing else declared beside it there (a resumed call would not have it) and
 * no loop inside (an iteration's chunks stay bounded). Null when any loop of the body is not such
 * a loop: the part keeps its generator twin.
 */
export function resumable(body: string[]): Map<number, { k: number; c: Carried[]; ks?: number[] }> | null {
  const at = new Map<number, { k: number; c: Carried[]; ks?: number[] }>();
  let depth = 0;
  let k = 0;
  let declared = false; // (a top-level declaration: fine only in a part without loops)
  let open: { k: number; c: Carried[]; d: number } | null = null; // (the loop we are in, at depth d)
  // (the top-level `if` whose first branch we are in: its line's entry, and a declaration in it)
  let branch: { ks: number[]; declared: boolean } | null = null;
  /** The carried variables declared from body[i] on, if a loop follows them. */
  const carried = (i: number): Carried[] | null => {
    const c: Carried[] = [];
    let m: RegExpExecArray | null;
    for (; (m = CARRIED.exec(body[i] ?? '')); i++) c.push([m[1]!, SLOT[m[1]!.replace(/\d+$/, '')]!]);
    return /^for /.test(body[i] ?? '') ? c : null;
  };
  for (let i = 0; i < body.length; i++) {
    const l = body[i]!;
    if (l.startsWith('}')) depth--;
    if (!depth && branch && l.startsWith('}')) {
      // (the first branch ends: its switch closes before this line)
      if (branch.ks.length && branch.declared) return null;
      if (branch.ks.length) at.set(i, { k: -2, c: [] });
      branch = null;
    }
    if (/^(for|while|do)\b/.test(l)) {
      if (open || (depth && !(depth === 1 && branch)) || !/^for \(const \$i\d+ of \$iter\(.*\)\) \{$/.test(l)) return null;
      let j = i;
      while (j > 0 && CARRIED.test(body[j - 1]!)) j--;
      open = { k: ++k, c: carried(j)!, d: depth };
      at.set(i, { k, c: open.c });
      branch?.ks.push(k);
    } else if (/^(const|let|var|function|class)\b/.test(l) && !carried(i)) {
      if (!depth) declared = true;
      else if (depth === 1 && branch) branch.declared = true;
    }
    if (!depth && /^if \(.*\) \{$/.test(l)) at.set(i, { k: -1, c: [], ks: (branch = { ks: [], declared: false }).ks });
    if (l.endsWith('{') && !l.startsWith(BOTH)) depth++;
    else if (open && depth === open.d) {
      if (l !== '}') return null;
      at.set(i, { k: 0, c: open.c });
      open = null;
    }
  }
  for (const [i, x] of at) if (x.k === -1 && !x.ks!.length) at.delete(i); // (an if without loops)
  return declared && k ? null : at;
}

/** What a child template's root runs before its parent: the rest of its top level is ignored (or in blocks). */
export const CHILD_DEFINITIONS = new Set(['Import', 'FromImport', 'Set', 'Def', 'Region', 'TemplateDecl']);
/** Nunjucks compat: what a child's root runs, output dropped, before its parent (compileRoot): all but blocks, the extends and text. */
export const njkChildRuns = (n: A.Node): boolean =>
  n.type !== 'Block' && n.type !== 'Extends' && n.type !== 'Data' && !(n.type === 'Output' && n.expr.type === 'Const');

/** A function body's lines and the template line of each. */
export interface Body {
  lines: string[];
  lineNos: number[];
}

export interface Fn {
  mode: Mode;
  lines: string[];
  lineNos: number[];
  temps: string[];
  /** Current scope variable (where `set` writes) and the function's ctx (where `let` writes). */
  sc: string;
  ctx: string;
  /** Compile-time locals, innermost last: kida name → JS variable. */
  locals: Map<string, string>[];
  sink: Sink;
  /** The enclosing def's caller variable (for `{% slot %}` / `{% yield %}`). */
  caller: string | null;
  /** Number of enclosing loops in this function (break/continue, include context). */
  loops: number;
  curLine: number;
  /** Arguments the error handler adds: `, R` in root and block functions (the include that
   * started the render), `, null, "name"` in a def (the def a failure leaves through). */
  errArgs: string;
  /** An async part's generator that gathers its output (compiler/codegen/gather.ts); `tail`: what a loop step of it runs before `continue`. */
  gather?: boolean;
  tail?: string;
  /** Root and block functions: bare data names kept in locals (codegen/name-cache.ts). */
  names?: NameCache;
}

export const JS_RESERVED = /^(?:break|case|catch|class|const|continue|debugger|default|delete|do|else|enum|export|extends|false|finally|for|function|if|import|in|instanceof|new|null|return|super|switch|this|throw|true|try|typeof|var|void|while|with|yield|let|static|implements|interface|package|private|protected|public|await|arguments|eval|undefined|NaN|Infinity)$/;

export const q = (s: string) => JSON.stringify(s);
/**
 * A keyword name as an object-literal key. A literal `"__proto__": v` sets the object's
 * prototype; the computed form `["__proto__"]: v` makes an own key, so no name is special.
 */
export const kwKey = (s: string) => (s === '__proto__' ? `[${q(s)}]` : q(s));
/** JSON as an object literal with the same own keys (a `"__proto__":` key made computed, as kwKey). */
export const literal = (v: unknown) => JSON.stringify(v).replace(/"__proto__":/g, '["__proto__"]:');

/**
 * Walks any AST value, calling f on every node (objects with a `type`); f returning false skips children.
 * (Indexed loops here and in analysis.ts's traversals: a build compiles its templates while the
 * compiler's code is still cold, and before the optimizer steps in, `for…of` pays for an iterator.)
 */
export function walk(x: unknown, f: (n: { type: string } & Record<string, unknown>) => boolean | void): void {
  if (Array.isArray(x)) {
    for (let i = 0; i < x.length; i++) {
      const y: unknown = x[i];
      if (y !== null && typeof y === 'object') walk(y, f);
    }
    return;
  }
  if (x === null || typeof x !== 'object') return;
  const o = x as Record<string, unknown>;
  if (typeof o.type === 'string' && f(o as { type: string } & Record<string, unknown>) === false) return;
  for (const k in o) {
    const v = o[k];
    if (v !== null && typeof v === 'object') walk(v, f);
  }
}

export function contains(x: unknown, pred: (n: { type: string } & Record<string, unknown>) => boolean): boolean {
  let found = false;
  walk(x, (n) => {
    if (found) return false;
    if (pred(n)) found = true;
    return !found;
  });
  return found;
}

/** Statements whose bodies run in the current scope (no block scope of their own). */
export const TRANSPARENT = new Set(['With', 'WithIf', 'Match', 'Try', 'Capture', 'Cache', 'FilterBlock', 'Spaceless', 'Provide', 'Push', 'Globals']);

/** Does a body assign with `set` in the scope that the body itself would push? */
export function needsScope(body: A.Node[]): boolean {
  for (let i = 0; i < body.length; i++) {
    const n = body[i]!;
    if (n.type === 'Set' && n.kind === 'set') return true;
    if (TRANSPARENT.has(n.type)) {
      const sub: A.Node[][] = [];
      if (n.type === 'Match') for (const c of n.cases) sub.push(c.body);
      else if (n.type === 'Try') sub.push(n.body, n.fallback);
      else if (n.type === 'WithIf') sub.push(n.body, n.else_ ?? []);
      else sub.push((n as { body: A.Node[] }).body);
      if (sub.some(needsScope)) return true;
    }
  }
  return false;
}

/**
 * What `loop.<name>` is in a loop without a LoopContext: computed from a counter. (The others
 * need the items ahead, which a LoopContext reads lazily: docs/security.md, "Lazy loops".)
 */
export const LIGHT_LOOP_ATTRS: Record<string, (idx: string) => string> = Object.assign(Object.create(null), {
  index: (i: string) => `(${i} + 1)`,
  index0: (i: string) => i,
  first: (i: string) => `(${i} === 0)`,
});
/** LoopContext attributes read as plain properties (no `None` → `""` to apply). */
export const LOOP_PROPS = new Set(['index', 'index0', 'first', 'last', 'length', 'revindex', 'revindex0']);

/**
 * How a loop's body and condition read its `loop`: not at all (no loop variable), or only as
 * `loop.index`, `loop.first`, ... (LIGHT_LOOP_ATTRS: 'light', no LoopContext object), or as a value
 * (passed, called, or handed with the loop's locals to an include, an embed or a caller: 'full').
 * One walk: inside a nested loop's body, a def, a block or a region, `loop` is not this loop's
 * (it does not make the loop read it) but still counts against doing without the object.
 */
export function loopUse(n: A.For, njk = false): 'none' | 'light' | 'full' {
  let used = false;
  let light = true;
  const isLoop = (e: unknown) => (e as A.Expr).type === 'Name' && (e as A.Name).name === 'loop';
  const visit = (x: unknown, own: boolean): void =>
    walk(x, (y) => {
      if (!light && (used || !own)) return false; // (nothing left to learn here)
      switch (y.type) {
        case 'Include':
        case 'Embed':
        case 'CallBlock':
          // (Nunjucks: an included template reads the loop's `loop` from the frame it is given)
          if (njk && own && y.type === 'Include') used = true;
          light = false;
          return true;
        case 'For': {
          const f = y as unknown as A.For;
          visit([f.iter, f.else_], own);
          visit([f.body, f.cond], false);
          return false;
        }
        case 'Def':
        case 'Block':
        case 'Region':
          for (const k in y) if (k !== 'type') visit(y[k], false);
          return false;
        case 'Call':
          if ((y as unknown as A.Call).func.type === 'Attr' && isLoop(((y as unknown as A.Call).func as A.Attr).obj)) {
            used ||= own;
            light = false;
          }
          return true;
        case 'Attr':
          if (!isLoop(y.obj)) return true;
          used ||= own;
          if ((y as unknown as A.Attr).optional || !((y as unknown as A.Attr).name in LIGHT_LOOP_ATTRS)) light = false;
          return false;
        case 'Name':
          if (isLoop(y)) {
            used ||= own;
            light = false;
          }
          return false;
      }
      return true;
    });
  visit([n.body, n.cond], true);
  return used ? (light ? 'light' : 'full') : 'none';
}

/**
 * Is an expression a constant the compiler can fold (for dead-branch elimination)? `js`: compare
 * as JavaScript does (Nunjucks mode: `"" == 0` is true).
 */
export function fold(e: A.Expr, js = false): { v: unknown } | null {
  switch (e.type) {
    case 'Const':
      return e.isFloat ? null : { v: e.value };
    case 'UnaryOp': {
      if (e.op !== 'not') return null;
      const a = fold(e.operand, js);
      return a ? { v: !pyTruthy(a.v) } : null;
    }
    case 'BoolOp': {
      const a = fold(e.left, js);
      if (!a) return null;
      if (e.op === 'and' && !pyTruthy(a.v)) return a;
      if (e.op === 'or' && pyTruthy(a.v)) return a;
      return fold(e.right, js);
    }
    case 'Compare': {
      if (e.ops.length !== 1) return null;
      const a = fold(e.left, js);
      const b = fold(e.ops[0]!.right, js);
      if (!a || !b) return null;
      const [x, y] = [a.v, b.v];
      const prim = (v: unknown) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || v === null;
      if (!prim(x) || !prim(y)) return null;
      const norm = (v: unknown) => (typeof v === 'boolean' ? Number(v) : v);
      // eslint-disable-next-line eqeqeq
      if (js) return e.ops[0]!.op === '==' ? { v: x == y } : e.ops[0]!.op === '!=' ? { v: x != y } : null;
      switch (e.ops[0]!.op) {
        case '==':
          return { v: norm(x) === norm(y) };
        case '!=':
          return { v: norm(x) !== norm(y) };
        default:
          return null;
      }
    }
    case 'BinOp': {
      if (e.op !== '~') return null;
      const a = fold(e.left, js);
      const b = fold(e.right, js);
      if (!a || !b || typeof a.v !== 'string' || typeof b.v !== 'string') return null;
      return { v: a.v + b.v };
    }
    default:
      return null;
  }
}
export function pyTruthy(v: unknown): boolean {
  return !(v === null || v === false || v === 0 || v === '');
}

export const FILTER_ALIASES: Record<string, string> = Object.assign(Object.create(null) as Record<string, string>, {
  d: 'default',
  e: 'escape',
  strip: 'trim',
  count: 'length',
});

/**
 * Filters with a short form `f_<name>_<N>` (runtime/filters.ts) for calls binding at most N
 * arguments: `x | trim` needs no code for given characters, `x | round(1)` none for the ceil,
 * floor and strict options.
 */
export const FILTER_SHORT_FORMS: Record<string, number> = Object.assign(Object.create(null) as Record<string, number>, { trim: 0, round: 1 });


export function escapeHtml(s: string): string {
  return s.replace(/[&<>"'\0]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '\0': '' })[c]!);
}
