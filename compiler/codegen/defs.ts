// Defs and their calls: {% def %} and {% region %} (callable parts of the template), {% call %}
// blocks with their slots, {% slot %}, {% yield %}, and the static check of def calls
// (validateCalls: collectDefs records the signatures, validateCall checks a call against one).

import type * as A from '../ast.js';
import type { Generator, DefSignature } from '../codegen.js';
import type { Fn } from './shared.js';
import { awaitCall, genArgs, njkCalleeName } from './expressions.js';
import { inDqText, mdDef, outFn } from './output.js';
import { PY_BLANK, contains, kwKey, q, walk } from './shared.js';
import { callerCall, callerParent, inCaller, nameTarget, paramLocals, syncTop } from './njk-scope.js';

export function genDefParams(g: Generator, params: A.Param[], pos: A.Pos): string {
  const seen = new Set<string>();
  let sawDefault = false;
  const defaults = params.map((p) => {
    if (seen.has(p.name)) g.err(`Duplicate parameter '${p.name}'`, 'K-PAR-003', pos);
    seen.add(p.name);
    if (p.default) {
      sawDefault = true;
      return g.expr(p.default);
    }
    if (sawDefault) g.err(`Parameter '${p.name}' without a default follows a parameter with a default`, 'K-PAR-003', pos);
    return g.h('REQUIRED');
  });
  return `[${defaults.join(', ')}]`;
}

/**
 * A def, region or `{% call %}` body of an async template is an async function only when its
 * code awaits: one that awaits nothing returns its text, so a call costs no promise (the card of
 * issue #22's slow-data page: 300 calls, each an async function, its promise and two `.then`s in
 * deep/markupOf). Callers await the result as before. (Read off the code, string literals left
 * out, as defBody reads `R`: a false `await` only keeps the body async.)
 */
function bodyFn(g: Generator, fn: Fn, header: string, gen: () => void, ret = 'o', node?: object): string {
  const js = g.fnBody(fn, gen, ret).lines.join('\n');
  const async = g.isAsync && /\bawait\b/.test(js.replace(/"(?:[^"\\\n]|\\.)*"/g, '""'));
  if (node && !async) plain.add(node);
  return `${async ? 'async ' : ''}${header} {\n${js}\n}`;
}
/** Def and region nodes of async templates whose body is a plain function (bodyFn). */
const plain = new WeakSet<object>();

export function genDef(g: Generator, n: A.Def): void {
  g.line(n);
  // (absent vararg/kwarg are left out of the generated object)
  // (parameters become keys of the call's scope object: none may be `__proto__`)
  for (const p of [...n.params.map((x) => x.name), n.vararg, n.kwarg]) if (p) g.safeName(p, n);
  const info = JSON.stringify({ name: n.name, params: n.params.map((p) => p.name), vararg: n.vararg ?? undefined, kwarg: n.kwarg ?? undefined });
  // (Nunjucks: a macro's defaults are evaluated at each call, in the macro, for arguments not given)
  const defaults = g.o.nunjucks ? '[]' : genDefParams(g, n.params, n);
  const fn = g.newFn(g.isAsync ? 'a' : 's', { kind: 'buf', v: 'o' }, 'ctx', 'ctx', null, '$caller');
  fn.curLine = n.line;
  fn.errArgs = `, null, ${q(n.name)}`;
  const njkDefaults = () => {
    if (g.o.nunjucks)
      // (a parameter with a default is no local of Nunjucks' compiled macro: given as undefined, or
      // its default undefined, a read looks it up past the macro's frame, in the template's context)
      for (const p of n.params) {
        const k = q(p.name);
        if (p.default) g.w(`if (ctx[${k}] === undefined && (!${g.h('njkUnset')}(ctx, ${k}) || (ctx[${k}] = ${g.expr(p.default)}) === undefined)) ctx[${k}] = ${g.h('lk')}(ctx, ${k});`);
      }
  };
  const light = !g.o.nunjucks && !n.vararg && !n.kwarg && !contains(n.body, (x) => !LIGHT.has(x.type) || (x.type === 'Name' && SCOPED.has(x.name as string)));
  // (Nunjucks: a macro's `super()` is lifted to its block, out of the macro's reach: undefined)
  const superVar = g.njkSuperVar;
  if (g.o.nunjucks && g.njkSuperVar !== '') g.njkSuperVar = 'undefined';
  const body = g.defBody(n, () =>
    light
      ? // (the parameters are the list `$p`, the body's ctx the def's own: see makeDef)
        bodyFn(g, fn, '(ctx, $caller, $p) =>', () => g.withLocals(lightParams(g, n), () => (g.sandboxTick(), g.stmts(n.body))), 'o', n)
      : bodyFn(g, fn, '(ctx, $caller) =>', () => withParams(g, n, () => (g.sandboxTick(), njkDefaults(), g.o.nunjucks ? g.withLocals(paramLocals(g, 'ctx', n.params.map((p) => p.name)), () => g.stmts(n.body)) : g.stmts(n.body))), 'o', n),
  );
  g.njkSuperVar = superVar;
  const into = nameTarget(g);
  // (Nunjucks: an extension's setVariable writes the context: macros of a template with extension
  // tags read it through a view made at once, runtime/nunjucks/values.ts njkSetContext; Kida: a
  // light def, runtime/template.ts makeDef)
  // (asked once per template, not per macro: a walk of the whole tree per macro was quadratic,
  // 6,666 macros in 200 KB took 9.5 s to compile)
  const view = g.o.nunjucks && (g.hasNjkExtension ??= contains(g.ast.body, (x) => x.type === 'NjkExtension')) ? ', 1' : '';
  const counted = depthCounted(g, n.name, body, n);
  g.w(`${into}[${q(g.safeName(n.name, n))}] = ${mdDef(g, `${g.h('makeDef')}(${info}, ${defaults}, ${g.fn.ctx}, ${counted}${light ? ', 1' : view})`)};`);
  syncTop(g, into, n.name);
  // (a light def at the top of the root, hoisted as `$Dn`, nothing else binding its name, a
  // plain (not async) body without the runtime's depth count: its later outputs in this scope
  // may call it, directDef)
  if (light && counted === body && /^\$D\d+$/.test(body) && !g.o.sandbox && !g.o.markdown && plain.has(n) && into === g.fn.sc && g.ast.body.includes(n) && bindings(g).get(n.name) === 1)
    g.directDefs.set(n.name, { fn: g.fn, sc: g.fn.sc, ctx: g.fn.ctx, body, arity: n.params.length });
}

/**
 * `{{ card(p) }}` where `card` is a top-level light def standing before it in the same function
 * and scope, nothing else can bind the name and the call gives exactly its parameters by
 * position: the def's body called with its own context, its text written as it is (issue #22:
 * callValue, the spread, invoke, a Markup made and unwrapped again per call: the card page's
 * 300 calls ~20% of its render). Otherwise null: the call goes through callValue.
 */
export function directDef(g: Generator, e: A.Expr): string | null {
  if (e.type !== 'Call' || e.func.type !== 'Name' || e.kwargs.length || g.local(e.func.name)) return null;
  const d = g.directDefs.get(e.func.name);
  if (!d || d.fn !== g.fn || d.sc !== g.fn.sc || d.ctx !== g.fn.ctx || d.arity !== e.args.length) return null;
  return `${d.body}(${d.ctx}, null, [${e.args.map((a) => g.expr(a)).join(', ')}])`;
}

/**
 * Every string a node other than a read (Name), a constant or text holds, counted: an
 * over-count of the names the template can bind (targets, defs, parameters, imports, keyword
 * names and attribute names alike), so a name counted once is bound only by its def.
 */
export function bindings(g: Generator): Map<string, number> {
  if (g.bindings) return g.bindings;
  const count = (g.bindings = new Map<string, number>());
  const visit = (x: unknown, counts: boolean): void => {
    if (Array.isArray(x)) for (const y of x) visit(y, counts);
    else if (typeof x === 'string') {
      if (counts) count.set(x, (count.get(x) ?? 0) + 1);
    } else if (x !== null && typeof x === 'object') {
      const t = (x as { type?: unknown }).type;
      const own = t !== 'Name' && t !== 'Const' && t !== 'Data';
      for (const [k, v] of Object.entries(x)) if (k !== 'type') visit(v, own);
    }
  };
  visit(g.ast.body, true);
  return count;
}

/**
 * A def body that binds no name and passes no scope on (text, output, `if`, `for`, any
 * expression: loop and comprehension variables are JavaScript locals) is `light`: it needs no
 * scope object per call, its parameters are read from the list makeDef gives it (issue #22:
 * a scope per call over the render's context gave every render new hidden classes). The names
 * a call scope holds besides the parameters (`caller`, `has_slot`) keep the scope.
 */
const LIGHT = new Set(['Data', 'Output', 'If', 'For', 'Break', 'Continue', 'Const', 'Name', 'List', 'Tuple', 'Dict', 'Attr', 'Item', 'Slice', 'Call', 'Filter', 'Test', 'BinOp', 'UnaryOp', 'BoolOp', 'Compare', 'CondExpr', 'NullCoalesce', 'Range', 'ListComp', 'Await', 'NameTarget', 'TupleTarget']);
const SCOPED = new Set(['caller', 'has_slot']);

/**
 * A light def's parameters: each is `$p[i]`, or a local declared with it when read more than
 * once (issue #22, code size: `$ga($t0 = $p[0], $t0?.title, "title")` at each read before).
 */
function lightParams(g: Generator, n: A.Def): Map<string, string> {
  const reads = new Map<string, number>();
  walk(n.body, (x) => void (x.type === 'Name' && reads.set(x.name as string, (reads.get(x.name as string) ?? 0) + 1)));
  return new Map(
    n.params.map((p, i) => {
      if ((reads.get(p.name) ?? 0) < 2) return [p.name, `$p[${i}]`];
      const v = `$a${i}`;
      g.fn.temps.push(`${v} = $p[${i}]`);
      return [p.name, v];
    }),
  );
}

/**
 * Generates a def's body knowing its parameters: makeDef makes each an own key of the call's
 * scope (given, defaulted or refused), so a read of one is that key (Nunjucks' macros may leave
 * one unset: not there).
 */
function withParams(g: Generator, n: A.Def, f: () => void): void {
  const saved = g.defParams;
  if (!g.o.nunjucks) g.defParams = new Set([...saved, ...n.params.map((p) => p.name)]);
  try {
    f();
  } finally {
    g.defParams = saved;
  }
}

/**
 * A def body counted by the runtime's `deep` (recursion limit; depth errors pass the `try`
 * blocks inside the recursion), where recursion could otherwise do harm: an async body (its
 * recursion is not bounded by the stack), a template with `{% try %}` (a fallback retrying at
 * every level is exponential), a sandboxed one. Elsewhere a stack overflow ends the recursion:
 * also in an async template's def whose body is a plain function (it awaits nothing, so it calls
 * no def: every call there is awaited; issue #22, the slow-data page's 300 cards).
 */
export function depthCounted(g: Generator, name: string, body: string, node?: object): string {
  g.hasTry ??= contains(g.ast.body, (n) => n.type === 'Try');
  return (g.isAsync && !(node && plain.has(node))) || g.hasTry || g.o.sandbox ? `${g.h('deep')}(${q(name)}, ${body})` : body;
}

export function genRegion(g: Generator, n: A.Region): void {
  // A region is a def whose defaults are evaluated when it is called.
  g.line(n);
  for (const p of n.params) g.safeName(p.name, n);
  const info = JSON.stringify({ name: n.name, params: n.params.map((p) => p.name) });
  const thunks = n.params.map((p) => (p.default ? `(ctx) => ${g.withScope('ctx', () => g.expr(p.default!))}` : 'null'));
  const fn = g.newFn(g.isAsync ? 'a' : 's', { kind: 'buf', v: 'o' }, 'ctx', 'ctx', null, '$caller');
  fn.curLine = n.line;
  const body = g.defBody(n, () => bodyFn(g, fn, '(ctx, $caller) =>', () => (g.sandboxTick(), g.stmts(n.body)), 'o', n));
  g.w(`${g.fn.ctx}[${q(g.safeName(n.name, n))}] = ${mdDef(g, `${g.h('makeRegion')}(${info}, [${thunks.join(', ')}], ${g.fn.ctx}, ${depthCounted(g, n.name, body, n)})`)};`);
}

export function genCallBlock(g: Generator, n: A.CallBlock): void {
  g.line(n);
  if (n.call.type !== 'Call') g.err('{% call %} expects a call expression', 'K-PAR-003', n);
  const call = n.call;
  if (g.o.validateCalls) {
    const sig = knownCallee(g, call.func);
    if (sig) validateCall(g, call, sig);
  }
  const bySlot = new Map<string, A.Node[]>();
  for (const s of n.slots) bySlot.set(s.name, [...(bySlot.get(s.name) ?? []), ...s.body]);
  // Slot passthrough (as the reference): inside a def, a fill left empty (or only whitespace)
  // renders what the def's own caller gave for the slot of that name, when there is a caller
  // ("" when it gave none); the scoped-slot bindings go along.
  const outer = g.fn.caller;
  const passes = (body: A.Node[]) => !g.o.nunjucks && outer !== null && body.every((x) => x.type === 'Data' && PY_BLANK.test(x.text));
  const fn = g.newFn(g.isAsync ? 'a' : 's', { kind: 'buf', v: 'o' }, g.fn.sc, g.fn.ctx, g.fn, g.fn.caller);
  // (Nunjucks: `caller(a, b)` passes the arguments of `{% call(x, y) f() %}`, there are no named slots)
  const njkParams = g.o.nunjucks ? n.slots[0]!.params : null;
  const header = njkParams ? '(...$a) =>' : '($slot = "default", $b) =>';
  const caller = inCaller(g, () => bodyFn(g, fn, header, () => {
    if (njkParams) {
      // caller(a, y=2): positional, then keyword arguments (a trailing Kwargs, or the keyword
      // object Nunjucks-style calls pass), then defaults for what is still undefined, in order
      g.w(`const $l = $a[$a.length - 1], $kw = $l instanceof ${g.h('Kwargs')} ? $l.kw : $l != null && $l.__keywords === true ? $l : null;`);
      g.w(`if ($kw) $a.length--;`);
      g.w(`const $slot = "default", $b = { ${njkParams.map((p, i) => `${kwKey(p)}: $a.length > ${i} ? $a[${i}] : $kw?.[${q(p)}]`).join(', ')} };`);
    }
    const sc = g.id('c');
    // (Nunjucks: on the frame of the macro calling it when that macro is of the same function)
    g.w(`const ${sc} = ${g.h('bind')}(${njkParams ? callerParent(g) : g.fn.sc}, $b);`);
    g.fn.sc = sc;
    // (Nunjucks: a default is for an argument not given; a read of one given as undefined, or
    // whose default is undefined, looks the name up past the caller's frame: the calling
    // macro's, then the context)
    n.callerDefaults?.forEach((d, i) => {
      const p = q(njkParams![i]!);
      if (d) g.w(`if (${sc}[${p}] === undefined && ($a.length > ${i} || ($kw && Object.hasOwn($kw, ${p})) || (${sc}[${p}] = ${g.expr(d)}) === undefined)) ${sc}[${p}] = ${g.h('lk')}(${sc}, ${p});`);
    });
    // (Nunjucks: the caller's parameters are its own variables, see njk-scope.ts)
    if (njkParams) g.fn.locals.push(paramLocals(g, sc, njkParams));
    g.w('switch (String($slot)) {');
    for (const [name, body] of bySlot) {
      g.w(`case ${q(name)}: {`);
      if (passes(body)) {
        g.w(`if (${outer}) {`);
        g.emit(awaitCall(g, `${outer}(${q(name)}, $b)`));
        g.w('break; }');
      }
      g.stmts(body);
      g.w('break; }');
    }
    g.w('}');
  }, `${g.h(g.o.markdown ? 'marked' : 'markup')}(o)`));
  const args = genArgs(g, call.args, call.kwargs);
  const what = g.o.nunjucks ? `, ${q(njkCalleeName(call.func))}` : '';
  let invoke: string;
  if (g.o.sandbox) {
    // (the callee and its call under the sandbox's policy, as `o.m(args)` and `f(args)` are)
    const [obj, name, f] = call.func.type === 'Attr' ? [g.expr(call.func.obj), g.attr(call.func.name), 'null'] : ['null', 'null', g.expr(call.func)];
    invoke = awaitCall(g, `${g.h('sbCallWithCaller')}($env, R, ${obj}, ${name}, ${g.o.strictUndefined}, ${f}, ${args}, ${caller}, ${g.isAsync || g.o.nunjucks ? 0 : 1}${what})`);
  } else {
    const callee = call.func.type === 'Attr' ? `${g.h('getattr')}(${g.expr(call.func.obj)}, ${g.attr(call.func.name)}, ${g.o.strictUndefined})` : g.expr(call.func);
    invoke = awaitCall(g, `${g.h(g.isAsync || g.o.nunjucks ? 'callWithCaller' : 'callWithCallerSync')}(${callee}, ${args}, ${caller}${what})`);
  }
  // (Nunjucks: the caller body starts on the frame of the code of its function that calls out last)
  if (g.o.nunjucks) invoke = callerCall(g, invoke);
  g.emit(inDqText(g, n, `${g.h(outFn(g))}(${invoke})`));
}

export function genSlot(g: Generator, n: A.SlotStmt): void {
  g.line(n);
  const caller = g.fn.caller;
  const bindings = n.bindings.length
    ? `{ ${n.bindings.map((b) => `${kwKey(b.name)}: ${g.expr(b.value)}`).join(', ')} }`
    : 'null';
  if (!caller) {
    if (n.body) g.stmts(n.body);
    return;
  }
  if (n.body && n.body.length) {
    g.w(`if (${caller}) {`);
    const call = awaitCall(g, `${caller}(${q(n.name)}, ${bindings})`);
    g.emit(n.inAttr ? inDqText(g, n, `${g.h('str')}(${call})`) : call);
    g.w('} else {');
    if (n.bindings.length) {
      const c = g.id('c');
      g.w(`const ${c} = ${g.h('bind')}(${g.fn.sc}, ${bindings});`);
      const saved = g.fn.sc;
      g.fn.sc = c;
      g.stmts(n.body);
      g.fn.sc = saved;
    } else g.stmts(n.body);
    g.w('}');
  } else g.emit(inDqText(g, n, `(${caller} ? ${n.inAttr ? `${g.h('str')}(${awaitCall(g, `${caller}(${q(n.name)}, ${bindings})`)})` : awaitCall(g, `${caller}(${q(n.name)}, ${bindings})`)} : "")`));
}

export function genYield(g: Generator, n: A.YieldStmt): void {
  g.line(n);
  if (g.fn.caller) g.emit(inDqText(g, n, `(${g.fn.caller} ? ${n.inAttr ? `${g.h('str')}(${awaitCall(g, `${g.fn.caller}(${q(n.name)})`)})` : awaitCall(g, `${g.fn.caller}(${q(n.name)})`)} : "")`));
}

/** The def a call's callee names for --validate-calls: a def or imported def, or `m.card` through a namespace import. */
export function knownCallee(g: Generator, f: A.Expr): DefSignature | undefined {
  if (f.type === 'Name') return g.local(f.name) ? undefined : g.knownDefs.get(f.name);
  if (f.type === 'Attr' && !f.optional && f.obj.type === 'Name' && !g.local(f.obj.name)) return g.knownDefs.get(`${f.obj.name}.${f.name}`);
  return undefined;
}

export function collectDefs(g: Generator, body: A.Node[]): void {
  for (const n of body) {
    // (a region is called like a def: a missing or unknown argument fails its call the same way)
    if (n.type === 'Def') g.knownDefs.set(n.name, { name: n.name, params: n.params, vararg: n.vararg, kwarg: n.kwarg });
    if (n.type === 'Region') g.knownDefs.set(n.name, { name: n.name, params: n.params, vararg: null, kwarg: null });
    if (n.type === 'FromImport' && n.template.type === 'Const' && typeof n.template.value === 'string' && g.o.defsOf) {
      const defs = g.o.defsOf(g.o.resolveName(n.template.value)) ?? [];
      for (const { name, alias } of n.names) {
        const d = defs.find((x) => x.name === name);
        if (d) g.knownDefs.set(alias, { ...d, name: alias });
      }
    }
    // `{% import "x" as m %}`: `m.card(…)` is keyed "m.card" (no plain name holds a dot)
    if (n.type === 'Import' && n.template.type === 'Const' && typeof n.template.value === 'string' && g.o.defsOf)
      for (const d of g.o.defsOf(g.o.resolveName(n.template.value)) ?? []) g.knownDefs.set(`${n.alias}.${d.name}`, { ...d, name: `${n.alias}.${d.name}` });
  }
}

/** K-CMP-001 (unknown/missing/duplicate arguments) and K-CMP-002 (literal type mismatch). */
export function validateCall(g: Generator, e: A.Call, sig: DefSignature): void {
  const problems: string[] = [];
  const names = sig.params.map((p) => p.name);
  const unknown = sig.kwarg ? [] : e.kwargs.map((k) => k.name).filter((k) => !names.includes(k));
  if (unknown.length) problems.push(`unknown params: ${unknown.join(', ')}`);
  if (!sig.vararg) {
    const given = new Set([...names.slice(0, e.args.length), ...e.kwargs.map((k) => k.name)]);
    const missing = sig.params.filter((p) => !p.default && !given.has(p.name)).map((p) => p.name);
    if (missing.length) problems.push(`missing required: ${missing.join(', ')}`);
    if (e.args.length > names.length) problems.push(`takes ${names.length} positional arguments but ${e.args.length} were given`);
  }
  const warn = (code: string, message: string) => {
    if (g.o.validateCalls === 'error') g.err(message, code, e);
    // bodies are generated once per render mode: report each call site once
    if (!g.warnings.some((w) => w.lineno === e.line && w.colno === e.col && w.message === message))
      g.warnings.push({ code, message, lineno: e.line, colno: e.col });
  };
  if (problems.length) warn('K-CMP-001', `Call to '${sig.name}' has invalid arguments: ${problems.join('; ')}`);
  const literalType = (x: A.Expr): string | null =>
    x.type !== 'Const' ? null : x.value === null ? 'None' : typeof x.value === 'string' ? 'str' : typeof x.value === 'boolean' ? 'bool' : x.isFloat ? 'float' : 'int';
  const check = (p: A.Param | undefined, x: A.Expr) => {
    const t = literalType(x);
    if (!p?.annotation || !t) return;
    const allowed = p.annotation.split('|').map((s) => s.trim().replace(/^none$/, 'None'));
    if (!allowed.every((a) => ['str', 'int', 'float', 'bool', 'None'].includes(a))) return;
    const ok = allowed.includes(t) || (t === 'int' && allowed.includes('float'));
    if (!ok) warn('K-CMP-002', `${sig.name}() param '${p.name}' expects ${p.annotation}, got ${t} (${JSON.stringify((x as A.Const).value)})`);
  };
  e.args.forEach((a, i) => check(sig.params[i], a));
  e.kwargs.forEach((k) => check(sig.params.find((p) => p.name === k.name), k.value));
}
