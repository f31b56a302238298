// Nunjucks 3.2 value semantics for templates compiled with `compat: 'nunjucks'`. Each export
// has the name and signature of the runtime helper it stands in for (runtime/CONTRACT.md): the
// compiler imports these names from here instead of the default runtime, so generated code is
// the same and only what a value does differs (docs/guide/nunjucks.md):
//   * a missing name or attribute is `undefined` (never an error), and renders as "";
//   * `a.b` is JavaScript member access (methods bound: `.indexOf()`, `.concat()`, `.length`);
//   * operators, truthiness and `==` are JavaScript's; `{{ }}` renders JavaScript's String(v);
//   * safe strings are Kida's Markup (SafeString's `.val` and `.length` read through).

import { Markup, isSafe } from '../markup.js';
import { Kwargs, Tuple, UNDEF, assertSafeName, observe, setKey } from '../values.js';
import { SecurityError } from '../errors.js';
import { Context, DATA, GLOBALS, find } from '../context.js';
import { subState, type CallerFn, type DefInfo, type KidaDef, type Ctx, type RenderState, type Template } from '../template.js';
import { PyError } from '../errors.js';
import { preflight } from './guards.js';
import { ACTIVE } from '../limits.js';

const MISSING = () => undefined;

const ESC: Record<string, string> = { '&': '&amp;', '"': '&quot;', "'": '&#39;', '<': '&lt;', '>': '&gt;', '\\': '&#92;' };
const ESC_RE = /[&"'<>\\]/g;
/** Nunjucks' lib.escape (it escapes the backslash too). */
export function njkEscape(s: string): string {
  return ESC_RE.test(s) ? ((ESC_RE.lastIndex = 0), s.replace(ESC_RE, (c) => ESC[c]!)) : s;
}

/** JavaScript's String(v) for a template value (UNDEF, a Kida lenient undefined, is ""). */
export function njkStr(v: unknown): string {
  if (v === undefined || v === null || v === UNDEF) return '';
  if (typeof v === 'string') return v;
  if (v instanceof Markup) return v.value;
  if (Array.isArray(v)) return v.map((x) => (x == null ? '' : njkStr(x))).join(',');
  if (typeof v === 'object' && !(typeof (v as { toString?: unknown }).toString === 'function')) return '[object Object]';
  return String(observe(v)); // (a promise renders as in Nunjucks, and its rejection is not unhandled)
}

// ---------------------------------------------------------------- output

/** `{{ v }}` under autoescape: Nunjucks' suppressValue (null/undefined → "", safe strings as they are). */
export function esc(v: unknown): string {
  if (v instanceof Markup) return v.value;
  if (isSafe(v)) return (v as { __html__(): string }).__html__();
  return njkEscape(njkStr(v));
}
/** `{{ v }}` without autoescape. */
export function str(v: unknown): string {
  return njkStr(v);
}

// ---------------------------------------------------------------- names and members

/** A bare name: the scope chain (frames and their parents), the data, the globals, else undefined. */
export function lk(c: Ctx, name: string): unknown {
  for (let o: Ctx | undefined = c; o !== undefined; o = o[PARENT as never] as Ctx | undefined) {
    const v = o[name];
    if (v !== undefined || name in o) return v;
  }
  return find(c, name, MISSING);
}
export const lkg = lk;
export const lkDecl = lk;
/** Names Object.prototype has: only own keys of a scope, the data or the globals count. */
export function lkOwn(c: Ctx, name: string): unknown {
  for (let o: Ctx | null = c; o; o = up(o)) if (Object.hasOwn(o, name)) return o[name];
  return find(c, name, MISSING);
}

/** Names a template may never reach on any value (prototype pollution, Function). */
function safeMember(obj: object, name: string): void {
  assertSafeName(name, obj);
}

/** `obj.name` / `obj[key]`: Nunjucks' memberLookup (functions come bound to obj). */
export function member(obj: unknown, key: unknown): unknown {
  if (obj === undefined || obj === null || obj === UNDEF) return undefined;
  if (key instanceof Markup) key = key.value;
  if (obj instanceof Markup) {
    // SafeString: `.val` is its text, `.length` its length; string methods apply to the text
    if (key === 'val') return obj.value;
    obj = obj.value;
  }
  const name = typeof key === 'string' ? key : typeof key === 'number' ? key : String(key);
  if (typeof name === 'string') safeMember(Object(obj), name);
  const v = (obj as Record<string | number, unknown>)[name];
  // (a macro needs no receiver, and keeps its keyword-argument binding)
  if (typeof v === 'function' && !(v as { kidaDef?: unknown }).kidaDef) {
    if (v === Function || v === eval) throw new SecurityError('Calling this function is not allowed in templates');
    // (preflight: bounds and regex policy before a JavaScript method runs, guards.ts)
    return (...args: unknown[]) => {
      const pre = preflight(obj, name as string, args);
      return pre ? pre.v : observe((v as (...a: unknown[]) => unknown).apply(obj, args));
    };
  }
  return v;
}

/**
 * `obj.name` where the compiler read `v = obj?.name` at the call site (its own inline cache) and
 * `name` is none of the names member() refuses: the value unless it needs member()'s work.
 */
export function ga(obj: unknown, v: unknown, name: string): unknown {
  if (typeof v === 'function' || obj instanceof Markup) return member(obj, name);
  return obj === UNDEF ? undefined : v;
}
export function getattr(obj: unknown, name: string): unknown {
  return member(obj, name);
}
export const getattrOpt = getattr;
export function getitem(obj: unknown, key: unknown): unknown {
  return member(obj, key);
}
export const getitemOpt = getitem;
export function callAttr(obj: unknown, name: string, _strict: boolean, args: unknown[]): unknown {
  return callValue(member(obj, name), args, name);
}
export const callAttrOpt = callAttr;

/** Nunjucks' callWrap: calling anything but a function is an error naming it. */
export function callValue(f: unknown, args: unknown[], name = 'value'): unknown {
  if (typeof f !== 'function') throw new TypeError(`Unable to call \`${name}\`, which is ${f ? 'not a function' : 'undefined or falsey'}`);
  if (f === Function || f === eval) throw new SecurityError('Calling this function is not allowed in templates');
  // keyword arguments reach a plain function as Nunjucks passes them: a trailing object
  const a = args.length && args[args.length - 1] instanceof Kwargs && !(f as { kidaDef?: unknown }).kidaDef
    ? [...args.slice(0, -1), { ...(args[args.length - 1] as Kwargs).kw, __keywords: true }]
    : args;
  return observe((f as (...a: unknown[]) => unknown)(...a));
}

// ---------------------------------------------------------------- operators

/** JavaScript's ToPrimitive for a template value (a safe string is its text). */
function prim(v: unknown): unknown {
  return v instanceof Markup ? v.value : v === UNDEF ? undefined : v;
}
export function add(a: unknown, b: unknown): unknown {
  return (prim(a) as number) + (prim(b) as number);
}
export function sub(a: unknown, b: unknown): unknown {
  return (prim(a) as number) - (prim(b) as number);
}
export function mul(a: unknown, b: unknown): unknown {
  return (prim(a) as number) * (prim(b) as number);
}
export function div(a: unknown, b: unknown): unknown {
  return (prim(a) as number) / (prim(b) as number);
}
export function floordiv(a: unknown, b: unknown): unknown {
  return Math.floor((prim(a) as number) / (prim(b) as number));
}
export function mod(a: unknown, b: unknown): unknown {
  return (prim(a) as number) % (prim(b) as number);
}
export function pow(a: unknown, b: unknown): unknown {
  return Math.pow(prim(a) as number, prim(b) as number);
}
export function neg(a: unknown): unknown {
  return -(prim(a) as number);
}
export function pos(a: unknown): unknown {
  return +(prim(a) as number);
}
/** `~`: `"" + a + b`. */
export function concat(a: unknown, b: unknown): string {
  return '' + (prim(a) as string) + (prim(b) as string);
}
export function truthy(v: unknown): boolean {
  return !!v && v !== UNDEF;
}
/** `==` is JavaScript's loose equality. */
export function eq(a: unknown, b: unknown): boolean {
  // eslint-disable-next-line eqeqeq
  return prim(a) == prim(b);
}
export function lt(a: unknown, b: unknown): boolean {
  return (prim(a) as number) < (prim(b) as number);
}
export function le(a: unknown, b: unknown): boolean {
  return (prim(a) as number) <= (prim(b) as number);
}
export function gt(a: unknown, b: unknown): boolean {
  return (prim(a) as number) > (prim(b) as number);
}
export function ge(a: unknown, b: unknown): boolean {
  return (prim(a) as number) >= (prim(b) as number);
}
/** `x is none` / `x is null`: Nunjucks calls its `null` test (=== null), `true`/`false` likewise strict. */
export function same(a: unknown, b: unknown): boolean {
  return a === b;
}
/** `a in b`: Nunjucks' inOperator. */
export function contains(container: unknown, item: unknown): boolean {
  const c = prim(container);
  if (Array.isArray(c) || typeof c === 'string') return (c as string).indexOf(prim(item) as string) !== -1;
  if (c && typeof c === 'object') return (prim(item) as string) in (c as object) && !ACTIVE?.hide(prim(item));
  throw new Error(`Cannot use "in" operator to search for "${njkStr(item)}" in unexpected types.`);
}

// ---------------------------------------------------------------- iteration and literals

/**
 * What `for` walks: nothing for a falsy value, an array as it is, a string's characters, an
 * iterable's items, a plain object's [key, value] pairs (`for k, v in obj`).
 */
export function toList(v: unknown): unknown[] {
  v = prim(v);
  if (!v) return [];
  if (Array.isArray(v)) return v;
  if (typeof v === 'string') return [...v];
  // (sandboxed, ACTIVE leaves out the keys the policy hides: runtime/sandbox.ts sbHide)
  if (typeof v === 'object' && typeof (v as Iterable<unknown>)[Symbol.iterator] === 'function') {
    const a = [...(v as Iterable<unknown>)];
    return ACTIVE && v instanceof Map ? a.filter((p) => !ACTIVE!.hide((p as unknown[])[0])) : a;
  }
  if (typeof v === 'object') {
    const out: unknown[] = [];
    // (pairs as plain arrays: `for k, v` reads [0] and [1], and a pair renders `k,v` either way)
    for (const k of Object.keys(v)) if (!ACTIVE?.hide(k)) out.push([k, (v as Record<string, unknown>)[k]]);
    return out;
  }
  return [];
}

/** An object literal: a plain object (`{}` in Nunjucks is JavaScript's). */
export function dict(pairs: [unknown, unknown][]): unknown {
  const o: Record<string, unknown> = {};
  for (const [k, v] of pairs) setKey(o, njkStr(k), v); // (a `__proto__` key stays a key)
  return o;
}

// `has_slot()` in a macro, as in a Kida def (shared functions, not a closure per call)
const HAS_SLOT = () => true;
const NO_SLOT = () => false;

/**
 * A macro: Nunjucks binds arguments by position then by keyword; a missing one is undefined,
 * extra positional and unknown keyword arguments are ignored. Each call's scope is a Frame over
 * the scope the macro was defined in (see Frame).
 */
export function makeDef(info: DefInfo, _defaults: unknown[], defCtx: Ctx, body: (ctx: Ctx, caller: CallerFn | null) => string | Promise<string>): KidaDef {
  const { name, params, vararg, kwarg } = info;
  const np = params.length;
  const invoke = (args: unknown[], caller: CallerFn | null): Markup => {
    let n = args.length;
    const kw = n && args[n - 1] instanceof Kwargs ? (args[--n] as Kwargs).kw : null;
    const ctx = new Frame(defCtx, false);
    for (let i = 0; i < np; i++) ctx[params[i]!] = i < n ? args[i] : undefined;
    if (vararg) ctx[vararg] = Tuple.from(args.slice(np, n));
    // (null prototype: a `__proto__` keyword is a key of **kwargs like any other)
    const extra: Record<string, unknown> | null = kwarg ? { __proto__: null } : null;
    if (kw)
      for (const k of Object.keys(kw)) {
        const idx = params.indexOf(k);
        if (idx < 0) {
          if (extra) extra[k] = kw[k];
        } else if (idx >= n) ctx[k] = kw[k];
        else if (extra) throw new PyError('TypeError', `${name}() got multiple values for argument '${k}'`);
      }
    if (kwarg) ctx[kwarg] = extra;
    if (caller) ctx.caller = caller;
    ctx.has_slot = caller ? HAS_SLOT : NO_SLOT;
    const r = body(ctx, caller);
    return (typeof r === 'string' ? new Markup(r) : r.then((s) => new Markup(s))) as Markup;
  };
  const f = ((...args: unknown[]) => invoke(args, null)) as KidaDef;
  f.kidaDef = info;
  f.invoke = invoke;
  return f;
}
export const iter = toList;
/** What `for x in v` (one name) walks: as Nunjucks, nothing of a plain object (its pairs are for `for k, v`). */
export function oneName(v: unknown): unknown {
  const p = prim(v);
  return p && typeof p === 'object' && !Array.isArray(p) && typeof (p as Iterable<unknown>)[Symbol.iterator] !== 'function' && !isSafe(p) ? [] : v;
}
/** `for a, b in pairs`: Nunjucks reads item[0], item[1] (no arity check). */
export function unpackIter(v: unknown, n: number): unknown[] {
  if (Array.isArray(v)) return v; // (item[0], item[1] as Nunjucks reads them; `for k, v in obj` pairs)
  const out: unknown[] = [];
  for (let i = 0; i < n; i++) out.push(member(v, i));
  return out;
}
/** A guarded operand (nothing throws for a missing name here; Kida's UNDEF is undefined). */
export function guard(f: () => unknown): unknown {
  const v = f();
  return v === UNDEF ? undefined : v;
}
export function isDefined(v: unknown): boolean {
  return v !== undefined && v !== UNDEF;
}

/** `super()` in a block: the same block of the nearest ancestor template that has it. */
export function njkSuper(t: Template, block: string, ctx: Ctx, R: RenderState): Markup {
  for (let p = t.spec.parent?.(); p; p = p.spec.parent?.()) {
    const b = p.spec.blocks[block];
    if (b) return new Markup(b.s(ctx, R) as string);
  }
  throw new Error(`no super block available for "${block}"`);
}

/**
 * `{% import %}` / `{% from … import %}`: the names the imported template's top level defines
 * (an object with the scopes' shared null prototype, not a null-prototype dictionary).
 */
export function importNamespace(t: Template, ctx: Ctx, R: RenderState): Ctx {
  t.spec.root.s(ctx, subState(R));
  const ns = new Namespace();
  for (const k of Object.keys(ctx)) setKey(ns, k, ctx[k]);
  return ns;
}
const Namespace = function () {} as unknown as new () => Ctx;

/**
 * A scope of this mode: a macro call's, an include's, a loop's (Nunjucks' frames), bindings.
 * It refers to the scope it sits on (PARENT) instead of having it as its prototype: objects
 * made with Object.create(scope) over a render's fresh scopes get new hidden classes in every
 * render, which made each property write and lookup on them slow (most of a govuk render).
 * Frames share one prototype (Context's: empty, null) and carry the data and globals along,
 * so lookups (lk), `find`, `globalsContext` and the default runtime's helpers work on them.
 */
const PARENT: unique symbol = Symbol('kida.frame.parent');
const LOOP: unique symbol = Symbol('kida.frame.loop');
const SCOPE_PROTO = Context.prototype as object;
const Frame = function (this: Record<symbol, unknown>, parent: Ctx, loop: boolean) {
  this[PARENT] = parent;
  this[DATA] = parent[DATA as never];
  this[GLOBALS] = parent[GLOBALS as never];
  this[LOOP] = loop;
} as unknown as new (parent: Ctx, loop: boolean) => Ctx;
Frame.prototype = SCOPE_PROTO;
Namespace.prototype = SCOPE_PROTO;

/** The scope under `o`: its prototype (a default-runtime scope made with Object.create), else its frame's parent. */
function up(o: Ctx): Ctx | null {
  const p = Object.getPrototypeOf(o) as Ctx | null;
  return p !== null && p !== SCOPE_PROTO ? p : ((o[PARENT as never] as Ctx | undefined) ?? null);
}

/** A loop's frame: a `set` of a new name in the loop lands in it. */
export function njkFrame(sc: Ctx): Ctx {
  return new Frame(sc, true);
}
/** An included template's scope over the includer's: the included template's `set`s stay in it. */
export function njkScope(sc: Ctx): Ctx {
  return new Frame(sc, false);
}
/** An include inside a loop or with local names: those names over the includer's scope. */
export function includeContext(sc: Ctx, locals: Ctx): Ctx {
  return bind(sc, locals);
}
/** A scope with extra bindings on top (caller arguments, slot bindings). */
export function bind(sc: Ctx, bindings: Ctx | null | undefined): Ctx {
  if (!bindings) return sc;
  const f = new Frame(sc, false);
  for (const k of Object.keys(bindings)) setKey(f, k, bindings[k]);
  return f;
}
/**
 * `{% set name = v %}`: where Nunjucks' frame.set(name, v, resolveUp) writes — the scope that
 * already has the name (up to the function's own context: a macro or an include writes only
 * its own), else the nearest loop frame.
 */
export function njkSet(sc: Ctx, ctx: Ctx, name: string, v: unknown): void {
  let frame: Ctx | null = null;
  for (let o: Ctx | null = sc; o !== null; o = up(o)) {
    if (Object.hasOwn(o, name)) {
      o[name] = v;
      return;
    }
    if (frame === null && (o === ctx || (o[LOOP as never] === true && Object.hasOwn(o, LOOP)))) frame = o;
    if (o === ctx) break;
  }
  setKey(frame ?? ctx, name, v);
}
