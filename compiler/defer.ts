// `{% defer %}`: out-of-order streaming, an extension of the language (docs/guide/streaming.md,
// docs/decisions.md "Out-of-order streaming"). Parsing and code generation live here so that the
// parser and the code generator each gain one `case`; the runtime half is runtime/defer.ts.
//
//   {% defer rows = db.rows(), user = current_user %}…{% placeholder %}…{% fallback err %}…{% end %}
//
// The part renders with the values named on the tag once they resolve (promises are awaited).
// Under renderStreamAsync a pending part leaves its placeholder and the page goes on; the part
// follows when ready. Every other render writes the part in place.

import type * as A from './ast.js';
import type { Token } from './lexer.js';

/** The parser members parseDefer uses (private in the Parser class; this file reads them by name). */
interface P {
  tok: Token;
  open: { tag: string; line: number; col: number }[];
  next(): Token;
  expression(): A.Expr;
  expectBlockEnd(): void;
  expectOp(op: string): void;
  acceptOp(op: string): boolean;
  expectName(what: string): Token;
  inCtx<T>(c: string, f: () => T): T;
  body(stops: string[]): { nodes: A.Node[]; stop: Token | null };
  fail(msg: string, code?: string, at?: { line: number; col: number }, suggestion?: string | null): never;
}

const ENDS = ['end', 'enddefer'];

/** Constructs whose body's text is kept or transformed: a placeholder there would be stored or altered. */
const HOLDERS = new Set(['cache', 'capture', 'filter', 'spaceless', 'push']);

export function parseDefer(p: P, at: Token): A.Defer {
  const holder = p.open.find((b) => HOLDERS.has(b.tag));
  if (holder)
    p.fail(`{% defer %} cannot stand inside {% ${holder.tag} %} (line ${holder.line}): its text would hold the placeholder`, 'K-PAR-007', at,
      `Put the {% ${holder.tag} %} inside the {% defer %} instead`);
  const bindings: A.With['bindings'] = [];
  while (p.tok.type === 'name') {
    const name = p.next().value;
    p.expectOp('=');
    bindings.push({ name, value: p.expression() });
    if (!p.acceptOp(',')) break;
  }
  p.expectBlockEnd();
  const part = (stops: string[]) => {
    p.open.push({ tag: 'defer', line: at.line, col: at.col });
    const r = p.inCtx('other', () => p.body(stops));
    p.open.pop();
    if (!r.stop) p.fail(`Unclosed 'defer' block (opened at line ${at.line})`, 'K-PAR-002', at);
    return { nodes: r.nodes, stop: r.stop! };
  };
  const main = part(['placeholder', 'fallback', ...ENDS]);
  if (main.stop.value !== 'placeholder')
    p.fail('{% defer %} requires a {% placeholder %} branch (what the page shows until the part arrives)', 'K-PAR-001', main.stop);
  p.expectBlockEnd();
  const ph = part(['fallback', ...ENDS]);
  let errName: string | null = null;
  let fallback: A.Node[] = [];
  if (ph.stop.value === 'fallback') {
    if (p.tok.type === 'name') errName = p.next().value;
    p.expectBlockEnd();
    const fb = part(ENDS);
    fallback = fb.nodes;
  }
  p.expectBlockEnd();
  const pos = { line: at.line, col: at.col };
  const withNode: A.With = { type: 'With', bindings, body: main.nodes, ...pos };
  return {
    type: 'Defer',
    body: [{ type: 'Try', body: [withNode], errName, fallback, ...pos }],
    placeholder: ph.nodes,
    keep: ph.stop.value !== 'fallback',
    ...pos,
  };
}

type Mode = 's' | 'g' | 'a' | 'sg';
interface Fn {
  mode: Mode;
  sc: string;
  ctx: string;
  caller: string | null;
}
/** The code generator members genDefer uses (codegen.ts's Generator; read by name). */
interface G {
  fn: Fn;
  warnings: { code: string; message: string; lineno: number; colno: number }[];
  isAsync: boolean;
  o: { sandbox?: boolean; autoescape?: boolean; markdown?: boolean };
  lightLoops: Map<string, unknown>;
  line(pos: A.Pos): void;
  sandboxTick(): void;
  h(name: string): string;
  id(prefix: string): string;
  w(line: string): void;
  mod(line: string): void;
  emit(js: string): void;
  newFn(mode: Mode, sink: { kind: 'buf'; v: string }, sc: string, ctx: string, inherit: Fn | null, caller: string | null): Fn;
  inlineFn(fn: Fn, header: string, gen: () => void, ret: string | null): string;
  withLocals<T>(bindings: Map<string, string>, f: () => T): T;
  stmts(nodes: A.Node[]): void;
  expr(e: A.Expr): string;
  needsAwait(e: unknown): boolean;
  wait(js: string): string;
  nested<T>(f: () => T): T;
  local(name: string): string | null;
  safeName(name: string, pos: A.Pos): string;
}

/** Generators that already wrote the module's `$useDefer()`. */
const registered = new WeakSet<object>();

/**
 * `o += $defer(R, $env, values, body, placeholder, fallback, $NAME, line)`. The part's closures
 * read a copy of the scope taken at the tag (it may render after the rest of the page has moved
 * on), and a copy of a `loop` object; the values are evaluated at the tag and bound as locals.
 */
export function genDefer(gen: unknown, n: A.Defer): void {
  const g = gen as G;
  if (!registered.has(g)) {
    registered.add(g);
    g.mod(`${g.h('useDefer')}();`); // (installs the async renders' part driver: runtime/defer.ts)
  }
  // (`kida check` prints it: a template that defers does not run on the reference implementation)
  g.warnings.push({
    code: 'K-EXT-001',
    message: '{% defer %} is an extension of Kida for JavaScript, not in the reference language (Kida for Python cannot render this template)',
    lineno: n.line,
    colno: n.col,
  });
  const t = n.body[0];
  const w = t.body[0];
  g.line(n);
  g.sandboxTick();
  const scope = g.id('$ds');
  g.w(`const ${scope} = ${g.h('includeContext')}(${g.fn.sc}, {});`);
  const keep = new Map<string, string>();
  const lv = g.local('loop');
  if (lv && !g.lightLoops.has(lv)) {
    const c = g.id('$dl');
    g.w(`const ${c} = ${g.h('cloneLoop')}(${lv});`);
    keep.set('loop', c);
  }
  const async = g.isAsync;
  const closure = (args: string, body: () => void) => {
    const fn = g.newFn(async ? 'a' : 's', { kind: 'buf', v: 'o' }, scope, scope, g.fn, g.fn.caller);
    return g.inlineFn(fn, `${async ? 'async ' : ''}(${args}) =>`, body, 'o');
  };
  // (they run in an arrow: codegen/gather.ts)
  const values = g.nested(() => w.bindings.map((b) => g.expr(b.value)));
  const vals = `${g.needsAwait(w.bindings.map((b) => b.value)) ? 'async ' : ''}() => [${values.join(', ')}]`;
  const [body, ph, fb] = g.withLocals(keep, () => {
    const bound = new Map<string, string>();
    const params = w.bindings.map((b) => {
      const v = g.id('$dv');
      bound.set(g.safeName(b.name, n), v);
      return v;
    });
    const body = g.withLocals(bound, () =>
      closure(params.join(', '), () => {
        g.sandboxTick();
        g.stmts(w.body);
      }),
    );
    const ph = closure('', () => g.stmts(n.placeholder));
    const fb = n.keep
      ? 'null'
      : closure('$e', () => {
          if (!t.errName) return g.stmts(t.fallback);
          const v = g.id('$err');
          g.w(`const ${v} = ${g.h(g.o.sandbox ? 'sbErrorInfo' : 'errorInfo')}($e, $NAME, L, $env);`);
          g.withLocals(new Map([[t.errName, v]]), () => g.stmts(t.fallback));
        });
    return [body, ph, fb];
  });
  // (a template that does not escape for HTML gets its parts in order in every render: the
  // out-of-order protocol writes HTML, and data escaped for Markdown or not at all is no HTML)
  const inline = g.o.autoescape && !g.o.markdown ? '' : ', 1';
  const call = `${g.h('defer')}(R, $env, ${vals}, ${body}, ${ph}, ${fb}, $NAME, ${n.line}${inline})`;
  g.emit(g.fn.mode === 'a' ? g.wait(call) : call);
}
