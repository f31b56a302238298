// Nunjucks' compile-time names (compat: 'nunjucks'). Nunjucks compiles a macro's parameters, a
// caller body's and a loop's variables to JavaScript variables besides setting them in its
// frame: a read of one is that variable (a parameter the call left out reads undefined, never
// the data's name), and a `set` of one assigns the variable as well as a frame. An include or a
// block reads the frames. Here those names are generator locals: a parameter is a `let` copy of
// its frame slot (a `set` in a caller body changes the macro's variable, not its frame); a loop
// variable the body sets is a `let` copy of the iteration's value, which the loop's frame holds
// too (other loop variables are passed to includes as they are).

import type * as A from '../ast.js';
import type { Generator } from '../codegen.js';
import { contains, q } from './shared.js';

const assignable = new WeakMap<Generator, Set<string>>();
const inFrame = new WeakMap<Generator, Set<string>>();
const mark = (m: WeakMap<Generator, Set<string>>, g: Generator, v: string) => {
  let s = m.get(g);
  if (!s) m.set(g, (s = new Set()));
  s.add(v);
};

/** Locals for parameters held in frame `sc` (its own keys), declared here. */
export function paramLocals(g: Generator, sc: string, names: string[]): Map<string, string> {
  const m = new Map<string, string>();
  for (const n of names) {
    const v = g.id('$p_');
    g.w(`let ${v} = ${sc}[${q(n)}];`);
    mark(assignable, g, v);
    mark(inFrame, g, v);
    m.set(n, v);
  }
  return m;
}

/** A loop's variables that its body sets become `let` copies (Nunjucks assigns its variable). */
export function settableLoopLocals(g: Generator, body: A.Node[], locals: Map<string, string>): void {
  for (const [name, v] of locals) {
    if (name === 'loop' || !setsName(body, name)) continue;
    // (the loop's frame (genFor made one: the body sets) holds the iteration's value for includes)
    const w = g.id('$s_');
    g.w(`let ${w} = ${g.fn.sc}[${q(name)}] = ${v};`);
    mark(assignable, g, w);
    mark(inFrame, g, w);
    locals.set(name, w);
  }
}
function setsName(body: A.Node[], name: string): boolean {
  return contains(body, (n) =>
    // (a template imported with context may set any name, in the loop's frame: njkImportScope)
    (n.type === 'Import' || n.type === 'FromImport') && (n as unknown as A.Import).withContext ? true
      : n.type === 'Capture' ? (n as unknown as A.Capture).name === name
      : n.type === 'Set' && (n as unknown as A.SetStmt).assignments.some((a) => (a.target.type === 'NameTarget' ? [a.target] : a.target.items).some((t) => t.type === 'NameTarget' && t.name === name)),
  );
}

/** The local a Nunjucks `set` of `name` also assigns, if any. */
export function settableLocal(g: Generator, name: string): string | null {
  const l = g.local(name);
  return l !== null && assignable.get(g)?.has(l) ? l : null;
}

/** Whether a local is a copy of a frame's slot (an include reads the frame's instead). */
export function isFrameLocal(g: Generator, v: string): boolean {
  return inFrame.get(g)?.has(v) ?? false;
}

/**
 * The current frame as Nunjucks has it at run time: `sc`, with the loop variables over it (what
 * a block is called with where it stands, the block making its own frame; what a caller body
 * called from a macro of the same function sits on, see callerCall).
 */
export function blockScope(g: Generator): string {
  const locals: string[] = [];
  const seen = new Set<string>();
  for (let i = g.fn.locals.length - 1; i >= localsInFrame(g); i--)
    for (const [k, v] of g.fn.locals[i]!)
      if (!seen.has(k) && k !== 'loop') {
        seen.add(k);
        if (!isFrameLocal(g, v)) locals.push(`${q(k)}: ${v}`);
      }
  return locals.length ? `${g.h('njkBlock')}(${g.fn.sc}, { ${locals.join(', ')} })` : g.fn.sc;
}

/**
 * Where a macro or import binds its name: Nunjucks sets it in the current frame inside a loop or
 * caller body, else (the top level, a macro's or block's own level) in the template's context.
 */
export function nameTarget(g: Generator): string {
  if (!g.o.nunjucks) return g.fn.ctx;
  return g.fn.sc !== g.fn.ctx ? g.fn.sc : g.fn.caller === null && g.njkBlock === null ? g.fn.ctx : `${g.h('njkTop')}(${g.fn.ctx})`;
}

/**
 * Nunjucks' compiled function (the root or a block, with the macros and caller bodies inside it)
 * has one `frame` variable: a macro running sets it to its own frame, so a caller body written in
 * the same function runs on the frame of whatever code of that function calls out last — the
 * macro calling `caller()`, or one it passed `caller` on to, or the `{% call %}` itself — not
 * always on the frame of the `{% call %}`. Here each call out of a macro or caller body of a
 * template with call blocks, and each `{% call %}`, records its frame for the function in the
 * template scope (njkAt); a caller body of that function starts on it (njkInvoker).
 */
export function functionId(g: Generator): string {
  return q(`${g.o.name ?? ''}#${g.njkBlock ?? ''}`);
}
export function callerCall(g: Generator, call: string): string {
  return `(${g.h('njkAt')}(${blockScope(g)}, ${functionId(g)}), ${call})`;
}
const hasCallBlock = new WeakMap<Generator, boolean>();
/** Does a call here record its frame (callerCall): a call out of a macro or caller body of a template with call blocks. */
export function tracksFrame(g: Generator): boolean {
  if (!g.o.nunjucks) return false;
  let has = hasCallBlock.get(g);
  if (has === undefined) hasCallBlock.set(g, (has = contains(g.ast.body, (n) => n.type === 'CallBlock')));
  return has && (g.fn.caller === '$caller' || (inCallerBody.get(g) ?? 0) > 0);
}
const inCallerBody = new WeakMap<Generator, number>();
/** Generates a caller body (calls in it are tracked: tracksFrame). */
export function inCaller<T>(g: Generator, f: () => T): T {
  inCallerBody.set(g, (inCallerBody.get(g) ?? 0) + 1);
  try {
    return f();
  } finally {
    inCallerBody.set(g, inCallerBody.get(g)! - 1);
  }
}

/**
 * How many of the function's locals maps are in its frame chain already (a caller body's frame
 * sits on the `{% call %}`'s frame with the loop variables around it: includes and blocks in the
 * body get only the body's own).
 */
const inChain = new WeakMap<object, number>();
export function localsInFrame(g: Generator): number {
  return inChain.get(g.fn) ?? 0;
}
/** A caller body's frame: on the calling macro's current frame (same function), else on the call's. */
export function callerParent(g: Generator): string {
  const at = blockScope(g);
  inChain.set(g.fn, g.fn.locals.length);
  return `${g.h('njkInvoker')}(${at}, ${functionId(g)})`;
}

/** After a write of `name` into `into`: at a template's top level, its context view too (njkSync; a `set` in a template imported with context also the importer's frame holding the name). */
export function syncTop(g: Generator, into: string, name: string, set = false): void {
  if (!g.o.nunjucks) return;
  // (also a macro or import at a macro's or block's own level, into the template's scope: the
  // context macros read then has it too, as Nunjucks' context.setVariable)
  if ((into === g.fn.ctx && g.fn.caller !== '$caller') || into === `${g.h('njkTop')}(${g.fn.ctx})`)
    g.w(`if (${into}[${g.h('NJK_VIEW')}]) ${g.h('njkSync')}(${into}, ${q(name)}${set ? ', 1' : ''});`);
}

/** The scope a template imported with context runs in: a template top over the current frame. */
export function importScope(g: Generator): string {
  return `${g.h('njkImportScope')}(${blockScope(g)})`;
}
