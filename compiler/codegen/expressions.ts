// Expressions: the expr() switch (the generator's expr() delegates here, as defer.ts and every
// visitor call it there), conditions, guarded reads (is defined / ??), argument lists, constants,
// loop attributes, calls (with super() under Nunjucks compat and def-call validation), filters
// and tests (sandboxed, Nunjucks or custom), comparisons and list comprehensions.

import type * as A from '../ast.js';
import { didYouMean } from '../../runtime/errors.js';
import { MARKDOWN_ONLY_FILTERS, filterNeedsEnv, filterParams, mdFilterParams, testParams } from '../../runtime/signatures.js';
import type { Generator } from '../codegen.js';
import { genBindTarget } from './control.js';
import { checkRegexLiteral, noteLiteral, warnMatchLiterals } from './regex-literals.js';
import { bindings, knownCallee, validateCall } from './defs.js';
import { FILTER_ALIASES, FILTER_SHORT_FORMS, LIGHT_LOOP_ATTRS, LOOP_PROPS, UNSAFE_NAMES, contains, kwKey, q } from './shared.js';
import { callerCall, tracksFrame } from './njk-scope.js';

export function genCond(g: Generator, e: A.Expr): string {
  // comparisons and `not` are already booleans
  if (e.type === 'Compare' || (e.type === 'UnaryOp' && e.op === 'not')) return g.expr(e);
  return `${g.h('truthy')}(${g.expr(e)})`;
}

export function guardedName(g: Generator, name: string): string {
  const l = g.local(name);
  if (l) return l;
  if (g.o.markdown && name === 'output_format') return `${g.h('outputFormat')}(${g.fn.sc})`;
  if (name in Object.prototype) return sbName(g, name, `${g.h('lkOwn')}(${g.fn.sc}, ${q(name)}, true)`);
  return scopeRead(g, name, true);
}

/**
 * A bare name (what `lk`/`lkg` do, inline): the scope chain, then the data, both read here with
 * the name written out, so each load's inline cache sees one name; `ld` then checks the
 * data key is own (hasOwnProperty), or look in the globals (docs/decisions.md, "Per-render cost,
 * fourth pass"); a binding whose value is None is read there again.
 */
function scopeRead(g: Generator, name: string, guarded: boolean): string {
  const c = g.fn.sc;
  const k = q(name);
  const p = /^[A-Za-z_$][\w$]*$/.test(name) ? `.${name}` : `[${k}]`;
  // (a parameter of the def around: in the chain, so what lk would find)
  if (g.defParams.has(name)) return c + p;
  // (Nunjucks' frames are not such a chain: its lookups stay in lk)
  if (g.o.nunjucks) return sbName(g, name, `${g.h(guarded ? 'lkg' : 'lk')}(${c}, ${k})`);
  // (sandboxed: sbLd refuses a data key the policy hides, runtime/sandbox.ts; ld's orElse is
  // undefinedName unless guarded)
  if (g.o.sandbox) return `(${c}${p} ?? ${g.h('sbLd')}($env, ${c}, ${k}, ${k} in ${c} || ${c}[${g.h('DATA')}]${p}, ${g.h(guarded ? 'undef' : 'undefinedName')}))`;
  const read = `${c}${p} ?? ${g.h('ld')}(${c}, ${k}, ${k} in ${c} || ${c}[${g.h('DATA')}]${p}${guarded ? `, ${g.h('undef')}` : ''})`;
  // (unguarded, and nothing in the template binds the name: kept in a local, codegen/name-cache.ts)
  const names = g.fn.names;
  if (!guarded && names?.keeps(name, (n) => bindings(g).has(n))) return names.site(name, read);
  return `(${read})`;
}

/** Sandboxed: a bare name read other than through `ld` (`lk`, `lkOwn`, `lkDecl`), checked by sbName first. */
function sbName(g: Generator, name: string, read: string): string {
  return g.o.sandbox ? `(${g.h('sbName')}($env, ${g.fn.sc}, ${q(name)}), ${read})` : read;
}

/** An operand of a guard: undefined anywhere inside gives UNDEF instead of an error. */
export function genGuarded(g: Generator, e: A.Expr): string {
  if (e.type === 'Name') return guardedName(g, e.name);
  if (e.type === 'Const') return g.expr(e);
  // `a.b.c` under a guard: non-strict lookups give UNDEF without throwing (and catching).
  const chain = guardedChain(g, e);
  if (chain) return chain;
  if (g.needsAwait(e)) return g.wait(`${g.h('guardA')}(async () => ${g.nested(() => g.expr(e))})`);
  return `${g.h('guard')}(() => ${g.expr(e)})`;
}

export function guardedChain(g: Generator, e: A.Expr): string | null {
  if (e.type === 'Name') return guardedName(g, e.name);
  if (e.type !== 'Attr' || e.optional || g.o.sandbox || loopAttr(g, e)) return null;
  const obj = guardedChain(g, e.obj);
  return obj && `${g.h('getattr')}(${obj}, ${g.attr(e.name)}, false)`;
}

export function genArgs(g: Generator, args: A.Expr[], kwargs: A.Kwarg[]): string {
  const parts = args.map((a) => g.expr(a));
  if (kwargs.length) parts.push(`new ${g.h('Kwargs')}({ ${kwargs.map((k) => `${kwKey(k.name)}: ${g.expr(k.value)}`).join(', ')} })`);
  return `[${parts.join(', ')}]`;
}

/**
 * The source of a LoopContext (sandboxed: what `loop.length` reads ahead counts against the
 * budget; Nunjucks mode: its own iteration first, an object as [key, value] pairs).
 */
export function loopSrc(g: Generator, src: string): string {
  if (g.o.nunjucks) src = `${g.h('iter')}(${src})`;
  return g.o.sandbox ? `${g.h('sbLoopSrc')}($env, R, ${src})` : src;
}

/** Wraps operands of arithmetic that are calls/filters in the hidden numeric coercion. */
export function numeric(g: Generator, e: A.Expr): string {
  const js = g.expr(e);
  if (g.o.nunjucks) return js; // (Nunjucks: JavaScript's own arithmetic on what a filter or call returns)
  const coerce = (x: A.Expr): boolean =>
    x.type === 'Filter' ||
    x.type === 'Call' ||
    (x.type === 'BinOp' && x.op === '+' && (coerce(x.left) || coerce(x.right))) ||
    (x.type === 'CondExpr' && (coerce(x.body) || (x.orelse !== null && coerce(x.orelse))));
  return coerce(e) ? `${g.h('coerceNum')}(${js})` : js;
}

export function genConst(g: Generator, e: A.Const): string {
  const v = e.value;
  if (typeof v === 'number') {
    if (e.isFloat) return Number.isInteger(v) ? `new ${g.h('PyFloat')}(${v})` : String(v);
    if (!Number.isSafeInteger(v) && Number.isInteger(v)) return g.o.nunjucks ? String(v) : `${BigInt(v)}n`;
    if (g.o.nunjucks && Object.is(v, -0)) return '(-0)'; // (JavaScript's negative zero: 1 / -0 is -Infinity)
    return v < 0 ? `(${v})` : String(v);
  }
  if (typeof v === 'string') {
    noteLiteral(g, v); // (a regex only the RegExp can run is allowed as a literal: runtime/match.ts)
    return q(v);
  }
  if (typeof v === 'bigint') return `${v}n`;
  return String(v);
}

/** In async templates, calls may return promises (async defs, slots): await them. */
export function awaitCall(g: Generator, js: string): string {
  return g.isAsync && g.fn.mode === 'a' ? g.wait(sbAwait(g, js)) : js;
}
/** Sandboxed: a wait bounded by maxRenderTime (runtime/sandbox.ts sbAwait). */
export function sbAwait(g: Generator, js: string): string {
  return g.o.sandbox ? `${g.h('sbAwait')}($env, R, ${js})` : js;
}

export function loopAttrBase(g: Generator, e: A.Attr): string | null {
  if (e.optional || e.obj.type !== 'Name') return null;
  const v = g.local(e.obj.name);
  return v && g.loopVars.has(v) ? v : null;
}

/**
 * The arguments of `ga` for `a.b` outside a sandbox and not on a known LoopContext (null when
 * `a.b` takes getattr): the object, its property read here, where the access gets its own
 * inline cache, and the name. (ga uses the value only for a plain object: a primitive's
 * property is ignored.) Also what `{{ a.b }}` passes to `ega`, ga and esc in one call.
 */
export function gaArgs(g: Generator, e: A.Attr): string | null {
  if (e.optional || !(g.o.strictUndefined || g.o.nunjucks) || e.name in {} || UNSAFE_NAMES.has(e.name)) return null;
  const obj = g.expr(e.obj);
  const simple = /^[\w$]+$/.test(obj); // a local: no temporary needed
  // (a kept name's site: its local, which the site assigns, is read after it)
  const kept = simple ? null : (g.fn.names?.alias(obj) ?? null);
  const t = simple ? obj : (kept ?? g.tmp());
  const prop = /^[A-Za-z_$][\w$]*$/.test(e.name) ? `?.${e.name}` : `?.[${q(e.name)}]`;
  return `${simple || kept ? obj : `${t} = ${obj}`}, ${t}${prop}, ${g.attr(e.name)}`;
}

/** `loop.index` and friends on a known LoopContext: a plain property read. */
export function loopAttr(g: Generator, e: A.Attr): string | null {
  if (e.optional || e.obj.type !== 'Name') return null;
  const v = g.local(e.obj.name);
  const light = v ? g.lightLoops.get(v) : undefined;
  if (light) return LIGHT_LOOP_ATTRS[e.name]?.(light) ?? null;
  if (!v || !g.loopVars.has(v)) return null;
  // (the plain counters, the ones a loop without a LoopContext computes, are direct reads)
  if (LOOP_PROPS.has(e.name)) return `${v}.${e.name}`;
  // (Nunjucks' loop has only those: cycle, previtem and the rest are undefined there)
  if (g.o.nunjucks) return 'undefined';
  // dot lookup turns a None neighbour into "" (reference behaviour)
  if (e.name === 'previtem' || e.name === 'nextitem') return `(${v}.${e.name} ?? "")`;
  return null;
}

let wrappingCaller = false;
export function genCall(g: Generator, e: A.Call): string {
  const f = e.func;
  if (g.o.nunjucks && g.njkBlock !== null && g.njkSuperVar !== '' && f.type === 'Name' && f.name === 'super' && !e.args.length && !g.local('super'))
    return g.njkSuperVar ?? `${g.h('njkSuper')}($template, ${q(g.njkBlock)}, ctx, R)`;
  if (g.o.validateCalls) {
    const sig = knownCallee(g, f);
    if (sig) validateCall(g, e, sig);
  }
  if (f.type === 'Attr' && f.name === 'cycle' && !e.kwargs.length && loopAttrBase(g, f)) {
    return `${loopAttrBase(g, f)}.cycle(${e.args.map((a) => g.expr(a)).join(', ')})`;
  }
  if (f.type === 'Name' && !g.local(f.name)) {
    if (f.name === 'consume') {
      const a = e.args.map((x) => g.expr(x));
      const d = e.kwargs.find((k) => k.name === 'default');
      if (d) a[1] = g.expr(d.value);
      return `${g.h('consume')}(R, ${a.join(', ')})`;
    }
  }
  // (Nunjucks: a call out of a macro or caller body tells a caller body of the same function its frame, njk-scope.ts)
  if (!wrappingCaller && tracksFrame(g)) {
    wrappingCaller = true;
    try {
      return callerCall(g, genCall(g, e));
    } finally {
      wrappingCaller = false;
    }
  }
  const args = genArgs(g, e.args, e.kwargs);
  if (f.type === 'Attr' && g.o.sandbox) {
    return awaitCall(g, `${g.h(f.optional ? 'sbCallAttrOpt' : 'sbCallAttr')}($env, R, ${g.expr(f.obj)}, ${g.attr(f.name)}, ${g.o.strictUndefined}, ${args})`);
  }
  if (g.o.sandbox) return awaitCall(g, `${g.h('sbCallValue')}($env, R, ${g.expr(f)}, ${args}${g.isAsync || g.o.nunjucks ? '' : ', 1'})`);
  // (Nunjucks names the callee in its error: "Unable to call `caller`, which is undefined", `a["b"]`)
  const what = g.o.nunjucks ? njkCalleeName(f) : null;
  if (f.type === 'Attr') {
    return awaitCall(g, `${g.h(f.optional ? 'callAttrOpt' : 'callAttr')}(${g.expr(f.obj)}, ${g.attr(f.name)}, ${g.o.strictUndefined}, ${args}${what !== null && what !== f.name ? `, ${q(what)}` : ''})`);
  }
  // (called by name, a function that is not a macro gets Nunjucks' context as `this`)
  if (f.type === 'Name' && what !== null) return awaitCall(g, `${g.h('callValue')}(${g.expr(f)}, ${args}, ${q(what)}, $env, ${g.fn.ctx})`);
  if (what !== null && what !== '--expression--') return awaitCall(g, `${g.h('callValue')}(${g.expr(f)}, ${args}, ${q(what)})`);
  // (a template without await cannot await an async def it is handed: runtime/values.ts callSync)
  return awaitCall(g, `${g.h(g.isAsync || g.o.nunjucks ? 'callValue' : 'callSync')}(${g.expr(f)}, ${args})`);
}

export function genFilter(g: Generator, e: A.Filter): string {
  if ((e.name === 'default' || e.name === 'd') && e.op === '|' && !g.o.customFilters.has(e.name) && !g.o.nunjucks) {
    const [d, b] = bindArgs(g, 'default', filterParams.default ?? ['default', 'boolean'], e.args, e.kwargs, e);
    return `${g.h('defaultFilter')}(${genGuarded(g, e.value)}${d ? ', ' + d : b ? ', undefined' : ''}${b ? ', ' + b : ''})`;
  }
  if (g.o.nunjucks && e.name === '__regex') checkRegexLiteral(g, e);
  // Nunjucks' `x | dump | safe` (JSON put in a <script>): JSON that cannot close the element (runtime/nunjucks/filters.ts)
  const v = e.value;
  if (g.o.nunjucks && e.name === 'safe' && e.op === '|' && v.type === 'Filter' && v.name === 'dump' && v.op === '|' && !g.o.customFilters.has('safe') && !g.o.customFilters.has('dump'))
    return filterCall(g, '__dumpsafe', g.expr(v.value), v.args, v.kwargs, v);
  const value = g.expr(e.value);
  if (e.op === '?|' || e.op === '?|>') {
    const t = g.id('$x');
    if (g.needsAwait([e.args, e.kwargs])) return g.wait(`${g.h('nn')}(${value}, async (${t}) => ${g.nested(() => filterCall(g, e.name, t, e.args, e.kwargs, e))})`);
    return `${g.h('nn')}(${value}, (${t}) => ${filterCall(g, e.name, t, e.args, e.kwargs, e)})`;
  }
  return filterCall(g, e.name, value, e.args, e.kwargs, e);
}

/** A filter argument: wrapped in the helper `argWrap` names at the top level only (filters inside it bind as usual; the helper is imported only where an argument uses it). */
export function argExpr(g: Generator, a: A.Expr): string {
  const w = g.argWrap;
  if (!w) return g.expr(a);
  g.argWrap = null;
  try {
    return `${g.h(w)}(${g.expr(a)})`;
  } finally {
    g.argWrap = w;
  }
}

/**
 * Binds arguments to the parameter positions of a built-in filter/test at compile time.
 * `*name` receives the extra positionals as one array, `**name` the extra keywords as one object.
 */
export function bindArgs(g: Generator, fname: string, params: string[], args: A.Expr[], kwargs: A.Kwarg[], pos: A.Pos): string[] {
  const out: (string | undefined)[] = params.map(() => undefined);
  const star = params.findIndex((p) => p.startsWith('*') && !p.startsWith('**'));
  const dstar = params.findIndex((p) => p.startsWith('**'));
  const positional = star >= 0 ? star : dstar >= 0 ? dstar : params.length;
  const extras: string[] = [];
  args.forEach((a, i) => {
    if (i < positional) out[i] = argExpr(g, a);
    else extras.push(argExpr(g, a));
  });
  if (extras.length && star < 0) return [...out.map((x) => x ?? 'undefined'), `${g.h('badArgs')}(${q(fname)}, ${positional}, ${args.length})`];
  if (star >= 0 && extras.length) out[star] = `[${extras.join(', ')}]`;
  const rest: string[] = [];
  for (const k of kwargs) {
    const i = params.indexOf(k.name);
    if (i >= 0 && i !== star && i !== dstar) {
      if (i < args.length) g.err(`${fname}() got multiple values for argument '${k.name}'`, 'K-PAR-003', pos);
      out[i] = argExpr(g, k.value);
    } else if (dstar >= 0) rest.push(`${kwKey(k.name)}: ${argExpr(g, k.value)}`);
    else out.push(`${g.h('badKwarg')}(${q(fname)}, ${q(k.name)})`);
  }
  if (dstar >= 0 && rest.length) out[dstar] = `{ ${rest.join(', ')} }`;
  let last = out.length;
  while (last > 0 && out[last - 1] === undefined) last--;
  return out.slice(0, last).map((x) => x ?? 'undefined');
}

export function filterCall(g: Generator, name: string, value: string, args: A.Expr[], kwargs: A.Kwarg[], pos: A.Pos): string {
  if (g.o.customFilters.has(name)) {
    const parts = [value, ...args.map((a) => argExpr(g, a))];
    const kw = kwargs.map((k) => `${kwKey(k.name)}: ${argExpr(g, k.value)}`).join(', ');
    // (Nunjucks passes keyword arguments to an app's filter as one trailing object)
    if (kwargs.length) parts.push(g.o.nunjucks ? `{ ${kw}, __keywords: true }` : `new ${g.h('Kwargs')}({ ${kw} })`);
    g.customUsed.filters.add(name);
    // (an async filter's promise is observed: its rejection must not end the process if unused)
    // Nunjucks compat: a filter added as async is awaited in the template's async functions; a
    // macro body is synchronous here, so its promise there is an error, not "[object Promise]"
    if (g.o.nunjucks?.asyncFilters?.has(name)) {
      const c = appCall(g, customRef(g, 'filters', name), parts);
      return g.isAsync && g.fn.mode === 'a' ? g.wait(sbAwait(g, c)) : `${g.h('observe')}(${c}, true)`;
    }
    if (g.o.sandbox) return `${g.h('observe')}(${sbF(g, 'null', customRef(g, 'filters', name), 'undefined', parts)})`;
    return `${g.h('observe')}(${appCall(g, customRef(g, 'filters', name), parts)})`;
  }
  if (g.o.markdown && Object.prototype.hasOwnProperty.call(mdFilterParams, name)) {
    // Markdown mode's filters (and its `escape`/`e`/`safe`): `md_<name>` exports, returning Marked
    const bound = bindArgs(g, name, mdFilterParams[name]!, args, kwargs, pos);
    if (g.o.sandbox) return sbF(g, q(name), g.h(`md_${name === 'e' ? 'escape' : name}`), 'undefined', [value, ...bound]);
    return `${g.h(`md_${name === 'e' ? 'escape' : name}`)}(${[value, ...bound].join(', ')})`;
  }
  if (g.o.nunjucks) return njkCall(g, 'filters', name, [value], args, kwargs, pos);
  const params = Object.prototype.hasOwnProperty.call(filterParams, name) ? filterParams[name] : undefined;
  if (!params) {
    if (MARKDOWN_ONLY_FILTERS.includes(name))
      g.err(`Unknown filter '${name}': it is a Markdown-mode filter`, 'K-PAR-004', pos, "Compile with autoescape: 'markdown' to use the Markdown filters");
    const all = [...Object.keys(filterParams), ...(g.o.markdown ? Object.keys(mdFilterParams) : []), ...g.o.customFilters];
    const hint = didYouMean(name, all);
    g.err(`Unknown filter '${name}'${hint ? `. Did you mean '${hint}'?` : ''}`, 'K-PAR-004', pos, hint ? `Did you mean '${hint}'?` : null);
  }
  const bound = bindArgs(g, name, params, args, kwargs, pos);
  const v = filterVar(g, 'filters', name, bound.length);
  const self = filterNeedsEnv.has(name) ? g.fenv() : 'undefined';
  // select & co. name their test at run time: where it may be "match", the module registers the
  // linear matcher (runtime/match.ts), which other bundles leave out
  const test = filterNeedsEnv.has(name) ? bound[params!.indexOf('test_name')] : undefined;
  if (test !== undefined && test !== 'undefined' && (test === '"match"' || !/^"[^"\\]*"$/.test(test))) g.usesMatch = true;
  if (test !== undefined) warnMatchLiterals(g, args, kwargs, pos, true);
  if (g.o.sandbox) return sbF(g, q(FILTER_ALIASES[name] ?? name), v, self, [value, ...bound]);
  if (filterNeedsEnv.has(name)) return `${v}.call(${self}, ${[value, ...bound].join(', ')})`;
  return `${v}(${[value, ...bound].join(', ')})`;
}

/** A Nunjucks built-in filter or test (compat mode): `nf_<name>(value, ...bound)`. */
export function njkCall(g: Generator, kind: 'filters' | 'tests', name: string, head: string[], args: A.Expr[], kwargs: A.Kwarg[], pos: A.Pos): string {
  const table = g.o.nunjucks![kind];
  if (!Object.hasOwn(table, name)) {
    // Nunjucks looks filters and tests up when the call runs: a template naming one the app
    // never adds renders until that call is reached, then fails with Nunjucks' message.
    const hint = didYouMean(name, [...Object.keys(table), ...(kind === 'filters' ? g.o.customFilters : g.o.customTests)]);
    const message = `Unknown ${kind === 'filters' ? 'filter' : 'test'} '${name}' (Nunjucks fails when the call runs)${hint ? `. Did you mean '${hint}'?` : ''}`;
    if (!g.warnings.some((w) => w.lineno === pos.line && w.colno === pos.col && w.message === message))
      g.warnings.push({ code: kind === 'filters' ? 'K-PAR-004' : 'K-PAR-005', message, lineno: pos.line, colno: pos.col });
    return njkLateCall(g, kind, name, head, args, kwargs, pos);
  }
  const bound = njkPlainCall(kind, name) ? njkArgs(g, args, kwargs) : bindArgs(g, name, table[name]!, args, kwargs, pos);
  const f = g.h(`${kind === 'filters' ? 'nf' : 'nt'}_${name}`);
  // (sort/groupby check their attribute under throwOnUndefined, as Nunjucks' do;
  // select/reject name a test at run time: the app's own (addTest) come first, as in Nunjucks)
  const self =
    kind === 'filters' && (name === 'sort' || name === 'groupby') && g.o.nunjucks?.throwOnUndefined ? '{ throwOnUndefined: true }'
    : kind === 'filters' && (name === 'select' || name === 'reject') && g.o.customTests.size ? `{ tests: ${g.fenv()}.tests, custom: ${JSON.stringify([...g.o.customTests])} }`
    : null;
  const all = [...head, ...bound].join(', ');
  // (sandboxed: runtime/nunjucks/sandbox.ts sbNjF applies the policy and the budgets)
  if (g.o.sandbox) return `${g.h('sbNjF')}($env, R, ${q(kind === 'filters' ? name : `is ${name}`)}, ${self ? `${f}.bind(${self})` : f}, [${all}])`;
  return self ? `${f}.call(${self}, ${all})` : `${f}(${all})`;
}

/**
 * A filter/test the compile step does not know: looked up in the render's linkage when the call
 * runs (runtime/nunjucks/lookup.ts), called as an app's filter is (keywords as one trailing object).
 */
function njkLateCall(g: Generator, kind: 'filters' | 'tests', name: string, head: string[], args: A.Expr[], kwargs: A.Kwarg[], pos: A.Pos): string {
  // (a missing one fails at its own line, in an expression spanning lines too)
  const at = pos.line && pos.line !== g.fn.curLine ? `L = ${pos.line}, ` : '';
  const f = `(${at}${g.h('njkLookup')}($env, ${q(kind)}, ${q(name)}))`;
  const parts = [...head, ...njkArgs(g, args, kwargs)];
  // (the template is synchronous where it calls a filter it did not know: a promise is an error)
  const call = g.o.sandbox ? sbF(g, 'null', f, 'undefined', parts) : appCall(g, f, parts);
  return kind === 'filters' ? `${g.h('njkSettled')}(${call}, ${q(name)})` : call;
}

/**
 * Nunjucks calls its built-ins as JavaScript functions: positional arguments as given (extra ones
 * ignored, missing ones undefined) and keyword arguments as one trailing object (`{ end: "~",
 * __keywords: true }`), which the function takes as its next positional argument. Only `sort` and
 * `int` (its makeMacro filters) bind keywords by name. The compiler's own `__regex`/`__dumpsafe` bind.
 */
const NJK_BINDING_FILTERS = new Set(['sort', 'int', '__regex', '__dumpsafe']);
function njkPlainCall(kind: 'filters' | 'tests', name: string): boolean {
  return kind === 'tests' || !NJK_BINDING_FILTERS.has(name);
}
function njkArgs(g: Generator, args: A.Expr[], kwargs: A.Kwarg[]): string[] {
  const out = args.map((a) => g.expr(a));
  if (kwargs.length) out.push(`{ ${kwargs.map((k) => `${kwKey(k.name)}: ${g.expr(k.value)}`).join(', ')}, __keywords: true }`);
  return out;
}

/** A sandboxed filter/test call (runtime/sandbox.ts sbF): policy on its arguments, counted and bounded. */
export function sbF(g: Generator, name: string, f: string, self: string, args: string[]): string {
  return `${g.h('sbF')}($env, R, ${name}, ${f}, ${self}, [${args.join(', ')}])`;
}

/** A call of an app's filter or test: in Nunjucks compat with Nunjucks' context as `this` (runtime/nunjucks/extensions.ts NjkContext). */
function appCall(g: Generator, f: string, parts: string[]): string {
  return g.o.nunjucks ? `${f}.call(${[`${g.h('njkThis')}($env, ${g.fn.ctx})`, ...parts].join(', ')})` : `${f}(${parts.join(', ')})`;
}

export function customRef(g: Generator, kind: 'filters' | 'tests', name: string): string {
  return g.o.customRef ? g.o.customRef(kind, name) : `$env.${kind}[${q(name)}]`;
}

/** `nargs`: how many arguments a filter call binds (the last one given; a short form may take it). */
export function filterVar(g: Generator, kind: 'filters' | 'tests', name: string, nargs = 0): string {
  // Built-in filters are named exports (`f_upper`): bundles keep only those a template uses.
  if (kind === 'filters') {
    const base = FILTER_ALIASES[name] ?? name;
    const short = FILTER_SHORT_FORMS[base];
    return g.h(short !== undefined && nargs <= short ? `f_${base}_${short}` : `f_${base}`);
  }
  return g.h(`t_${name}`); // built-in tests likewise (`t_odd`)
}

export function genTest(g: Generator, e: A.Test): string {
  const neg = e.negated ? '!' : '';
  if (g.o.nunjucks && !g.o.customTests.has(e.name)) return `${neg}${njkCall(g, 'tests', e.name, [g.expr(e.value)], e.args, e.kwargs, e)}`;
  if ((e.name === 'defined' || e.name === 'undefined') && !g.o.customTests.has(e.name)) {
    const d = `${g.h('isDefined')}(${genGuarded(g, e.value)})`;
    return e.name === 'defined' ? `${neg}${d}` : `${e.negated ? '' : '!'}${d}`;
  }
  const value = g.expr(e.value);
  if (g.o.customTests.has(e.name)) {
    const parts = [value, ...e.args.map((a) => g.expr(a))];
    if (e.kwargs.length) parts.push(`new ${g.h('Kwargs')}({ ${e.kwargs.map((k) => `${kwKey(k.name)}: ${g.expr(k.value)}`).join(', ')} })`);
    g.customUsed.tests.add(e.name);
    if (g.o.sandbox) return `${neg}${g.h('truthy')}(${sbF(g, 'null', customRef(g, 'tests', e.name), 'undefined', parts)})`;
    return `${neg}${g.h('truthy')}(${appCall(g, customRef(g, 'tests', e.name), parts)})`;
  }
  const params = Object.prototype.hasOwnProperty.call(testParams, e.name) ? testParams[e.name] : undefined;
  if (!params) {
    const all = [...Object.keys(testParams), ...g.o.customTests];
    const hint = didYouMean(e.name, all);
    g.err(`Unknown test '${e.name}'${hint ? `. Did you mean '${hint}'?` : ''}`, 'K-PAR-005', e, hint ? `Did you mean '${hint}'?` : null);
  }
  const bound = bindArgs(g, e.name, params, e.args, e.kwargs, e);
  if (e.name === 'match') warnMatchLiterals(g, e.args, e.kwargs, e, false);
  const v = filterVar(g, 'tests', e.name);
  if (g.o.sandbox) return `${neg}${sbF(g, q(`is ${e.name}`), v, g.fenv(), [value, ...bound])}`;
  return `${neg}${v}.call(${g.fenv()}, ${[value, ...bound].join(', ')})`;
}

export function genCompare(g: Generator, e: A.Compare): string {
  const one = (op: A.CompareOp, a: string, b: string): string => {
    switch (op) {
      case '==':
        return `${g.h('eq')}(${a}, ${b})`;
      case '!=':
        return `!${g.h('eq')}(${a}, ${b})`;
      case '<':
        return `${g.h('lt')}(${a}, ${b})`;
      case '<=':
        return `${g.h('le')}(${a}, ${b})`;
      case '>':
        return `${g.h('gt')}(${a}, ${b})`;
      case '>=':
        return `${g.h('ge')}(${a}, ${b})`;
      case 'in':
        return `${g.h('contains')}(${b}, ${a})`;
      case 'not in':
        return `!${g.h('contains')}(${b}, ${a})`;
      case 'is':
        return `${g.h('same')}(${a}, ${b})`;
      case 'is not':
        return `!${g.h('same')}(${a}, ${b})`;
      case '===': // (Nunjucks compat mode: JavaScript's strict equality)
        return `(${a} === ${b})`;
      case '!==':
        return `(${a} !== ${b})`;
    }
  };
  if (e.ops.length === 1) return one(e.ops[0]!.op, g.expr(e.left), g.expr(e.ops[0]!.right));
  const parts: string[] = [];
  let left = g.expr(e.left);
  for (let i = 0; i < e.ops.length; i++) {
    const { op, right } = e.ops[i]!;
    if (i < e.ops.length - 1) {
      const t = g.tmp();
      parts.push(one(op, left, `(${t} = ${g.expr(right)})`));
      left = t;
    } else parts.push(one(op, left, g.expr(right)));
  }
  return `(${parts.join(' && ')})`;
}

export function genListComp(g: Generator, e: A.ListComp): string {
  const isAsync = g.needsAwait(e);
  // (all of it runs in the arrow: its awaits cannot yield, codegen/gather.ts)
  const src = g.nested(() => g.expr(e.iter));
  const saved = g.fn.lines;
  const savedNos = g.fn.lineNos;
  g.fn.lines = [];
  g.fn.lineNos = [];
  const locals = new Map<string, string>();
  const item = g.id('$i');
  const r = g.id('$r');
  let body: string;
  try {
    genBindTarget(g, e.target, item, locals, 'iter');
    const decl = g.fn.lines.join(' ');
    body = g.nested(() => g.withLocals(locals, () => {
      const elt = g.expr(e.elt);
      const cond = e.cond ? genCond(g, e.cond) : null;
      const tick = g.o.sandbox ? `${g.h('sbTick')}($env, R); ` : '';
      // (sandboxed, sbTick bounds the items; else `grew` stops an endless source at the item ceiling)
      const push = g.o.sandbox ? `${r}.push(${elt})` : `${g.h('grew')}(${r}.push(${elt}))`;
      return `${tick}${decl} ${cond ? `if (${cond}) ` : ''}${push};`;
    }));
  } finally {
    g.fn.lines = saved;
    g.fn.lineNos = savedNos;
  }
  const fn = `${isAsync ? 'async ' : ''}() => { const ${r} = []; for (const ${item} of ${g.h('iter')}(${src})) { ${body} } return ${r}; }`;
  return isAsync ? g.wait(`(${fn})()`) : `(${fn})()`;
}

export function genExpr(g: Generator, e: A.Expr): string {
  switch (e.type) {
    case 'Const':
      return genConst(g, e);
    case 'Name': {
      const l = g.local(e.name);
      if (l) return l;
      if (g.o.markdown && e.name === 'output_format') return `${g.h('outputFormat')}(${g.fn.sc})`;
      const decl = g.declared.get(e.name);
      const early = decl !== undefined && (e.line < decl.line || (e.line === decl.line && e.col < decl.col));
      if (e.name in Object.prototype) return sbName(g, e.name, `${g.h('lkOwn')}(${g.fn.sc}, ${q(e.name)})`);
      return early ? sbName(g, e.name, `${g.h('lkDecl')}(${g.fn.sc}, ${q(e.name)})`) : scopeRead(g, e.name, false);
    }
    case 'List':
      return `[${e.items.map((i) => g.expr(i)).join(', ')}]`;
    case 'Tuple':
      // Nunjucks compiles `(a, b)` to JavaScript's comma operator: both run, the value is b's
      // (templates write `(items.push(x), items)`).
      if (g.o.nunjucks) return e.items.length ? `(${e.items.map((i) => g.expr(i)).join(', ')})` : 'undefined';
      return `${g.h('tuple')}([${e.items.map((i) => g.expr(i)).join(', ')}])`;
    case 'Dict':
      // (Nunjucks: `{ text: x }` is a plain object; with string keys, a JavaScript literal builds it)
      if (g.o.nunjucks && !g.o.sandbox && e.pairs.every(([k]) => k.type === 'Const' && typeof k.value === 'string' && k.value !== '__proto__'))
        return `({ ${e.pairs.map(([k, v]) => `${q((k as A.Const).value as string)}: ${g.expr(v)}`).join(', ')} })`;
      return `${g.h('dict')}([${e.pairs.map(([k, v]) => `[${g.expr(k)}, ${g.expr(v)}]`).join(', ')}])`;
    case 'Attr': {
      const direct = loopAttr(g, e);
      if (direct) return direct;
      if (g.o.sandbox)
        return `${g.h(e.optional ? 'sbGetattrOpt' : 'sbGetattr')}($env, ${g.expr(e.obj)}, ${g.attr(e.name)}, ${g.o.strictUndefined})`;
      const args = gaArgs(g, e);
      if (args !== null) return `${g.h('ga')}(${args})`;
      return `${g.h(e.optional ? 'getattrOpt' : 'getattr')}(${g.expr(e.obj)}, ${g.attr(e.name)}, ${g.o.strictUndefined})`;
    }
    case 'Item':
      if (g.o.sandbox)
        return e.optional
          ? `${g.h('sbGetitemOpt')}($env, ${g.expr(e.obj)}, ${g.expr(e.key)}, ${g.o.strictUndefined})`
          : `${g.h('sbGetitem')}($env, ${g.expr(e.obj)}, ${g.expr(e.key)})`;
      return e.optional
        ? `${g.h('getitemOpt')}(${g.expr(e.obj)}, ${g.expr(e.key)}, ${g.o.strictUndefined})`
        : `${g.h('getitem')}(${g.expr(e.obj)}, ${g.expr(e.key)})`;
    case 'Slice': {
      const part = (x: A.Expr | null) => (x ? g.expr(x) : 'null');
      // (sandboxed: built inside the render's run, so what a slice copies counts: runtime/sandbox.ts sbSlice)
      const slice = () =>
        g.o.sandbox
          ? `${g.h('sbSlice')}($env, R, ${g.h('getslice')}, ${g.expr(e.obj)}, ${part(e.start)}, ${part(e.stop)}, ${part(e.step)})`
          : `${g.h('getslice')}(${g.expr(e.obj)}, ${part(e.start)}, ${part(e.stop)}, ${part(e.step)})`;
      if (e.optional && g.needsAwait([e.start, e.stop, e.step])) return g.wait(`${g.h('nn')}(${g.expr(e.obj)}, async () => ${g.nested(slice)})`);
      const s = slice();
      return e.optional ? `${g.h('nn')}(${g.expr(e.obj)}, () => ${s})` : s;
    }
    case 'Call':
      return genCall(g, e);
    case 'Filter':
      return genFilter(g, e);
    case 'Test':
      return genTest(g, e);
    case 'BinOp': {
      if (g.o.sandbox && ['~', '+', '*', '%', '**'].includes(e.op)) {
        // (what these build is bounded: runtime/sandbox.ts sbOp)
        const fn = { '~': 'concat', '+': 'add', '*': 'mul', '%': 'mod', '**': 'pow' }[e.op as '~'];
        const side = (x: A.Expr) => (e.op === '~' || e.op === '+' ? g.expr(x) : numeric(g, x));
        return `${g.h('sbOp')}($env, R, ${g.h(fn)}, ${side(e.left)}, ${side(e.right)})`;
      }
      if (e.op === '~') return `${g.h('concat')}(${g.expr(e.left)}, ${g.expr(e.right)})`;
      if (e.op === '+') return `${g.h('add')}(${g.expr(e.left)}, ${g.expr(e.right)})`;
      const fn = { '-': 'sub', '*': 'mul', '/': 'div', '//': 'floordiv', '%': 'mod', '**': 'pow' }[e.op];
      return `${g.h(fn)}(${numeric(g, e.left)}, ${numeric(g, e.right)})`;
    }
    case 'UnaryOp':
      if (e.op === 'not') return `!${genCond(g, e.operand)}`;
      if (e.operand.type === 'Const' && typeof e.operand.value === 'number' && !e.operand.isFloat && e.op === '-')
        return genConst(g, { ...e.operand, value: -e.operand.value });
      return `${g.h(e.op === '-' ? 'neg' : 'pos')}(${numeric(g, e.operand)})`;
    case 'BoolOp': {
      const t = g.tmp();
      const l = g.expr(e.left);
      const r = g.expr(e.right);
      return e.op === 'and'
        ? `(${g.h('truthy')}(${t} = ${l}) ? ${r} : ${t})`
        : `(${g.h('truthy')}(${t} = ${l}) ? ${t} : ${r})`;
    }
    case 'Compare':
      return genCompare(g, e);
    case 'CondExpr':
      return `(${genCond(g, e.test)} ? ${g.expr(e.body)} : ${e.orelse ? g.expr(e.orelse) : '""'})`;
    case 'NullCoalesce': {
      const t = g.tmp();
      return `(${g.h('missing')}(${t} = ${genGuarded(g, e.left)}) ? ${g.expr(e.right)} : ${t})`;
    }
    case 'Range':
      if (g.o.sandbox)
        return `${g.h('sbRange')}($env, ${g.expr(e.start)}, ${g.expr(e.stop)}, ${e.inclusive}, ${e.step ? g.expr(e.step) : 'undefined'})`;
      return `${g.h('range')}(${g.expr(e.start)}, ${g.expr(e.stop)}, ${e.inclusive}, ${e.step ? g.expr(e.step) : 'undefined'})`;
    case 'ListComp':
      return genListComp(g, e);
    case 'Await':
      if (g.fn.mode !== 'a') return `${g.h('noAwait')}()`;
      return g.wait(sbAwait(g, g.expr(e.value)));
  }
}

/** How Nunjucks names a callee in "Unable to call `…`" (its compiler's _getNodeName). */
export function njkCalleeName(e: A.Expr): string {
  switch (e.type) {
    case 'Name':
      return e.name;
    case 'Attr':
      return `${njkCalleeName(e.obj)}["${e.name}"]`;
    case 'Item':
      return `${njkCalleeName(e.obj)}["${njkCalleeName(e.key)}"]`;
    case 'Call':
      return `the return value of (${njkCalleeName(e.func)})`;
    case 'Const':
      return String(e.value);
    default:
      return '--expression--';
  }
}
