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
import { fromNunjucks, observe as observeHost } from './safe.js';
import { SecurityError, TemplateRuntimeError } from '../errors.js';
import { Context, DATA, GLOBALS, PLAIN, find } from '../context.js';
import { callWithCaller as kidaCallWithCaller, subState, type CallerFn, type DefInfo, type KidaDef, type Ctx, type RenderState, type Template } from '../template.js';
import { PyError } from '../errors.js';
import { preflight } from './guards.js';
import { njkParentOf } from './extends.js';
import { njkThis } from './extensions.js';
import { ACTIVE, MAX_CHARS, listOf } from '../limits.js';
import { replaceMatches } from '../pieces.js';

const MISSING = () => undefined;

const ESC: Record<string, string> = { '&': '&amp;', '"': '&quot;', "'": '&#39;', '<': '&lt;', '>': '&gt;', '\\': '&#92;' };
const ESC_RE = /[&"'<>\\]/g;
/** Nunjucks' lib.escape (it escapes the backslash too). */
export function njkEscape(s: string): string {
  return ESC_RE.test(s) ? ((ESC_RE.lastIndex = 0), replaceMatches(s, ESC_RE, (c) => ESC[c]!)) : s;
}

/**
 * JavaScript's ToPrimitive of a host object, run here rather than inside an operator (issue #19,
 * s7): a `toString`/`valueOf`/`Symbol.toPrimitive` that is async returns a promise that V8 would
 * drop (before it throws "Cannot convert object to primitive value", or falls back to the next
 * method), and that rejection ended the process. Each object a conversion method returns is
 * observed; the result is what the operator would have used. An array keeps Array#toString's
 * text, its items converted the same way. Primitives and promises pass (a promise observed).
 */
export function toPrim(v: unknown, hint: 'default' | 'number' | 'string'): unknown {
  // (typeof, not instanceof Object: a null-prototype object's own methods are run here too)
  if (v === null || (typeof v !== 'object' && typeof v !== 'function') || v instanceof Promise) return observe(v);
  if (typeof v === 'function') ACTIVE?.noSource?.(v); // (sandboxed: `fn + 1`, `fn < "g"`, `fn == "…"` would read its source)
  const o = v as Record<PropertyKey, unknown>;
  const t = o[Symbol.toPrimitive] as Function | undefined;
  if (!t && Array.isArray(v) && o.toString === Array.prototype.toString && o.valueOf === Object.prototype.valueOf) return njkStr(v);
  for (const f of t ? [t] : ((hint == 'string' ? [o.toString, o.valueOf] : [o.valueOf, o.toString]) as unknown[])) {
    // (the hint only for toPrimitive: Number's toString would read it as a radix)
    const r = typeof f == 'function' ? (t ? f.call(v, hint) : f.call(v)) : v;
    if (Object(r) !== r) return r;
    observe(r);
  }
  throw TypeError('Cannot convert object to primitive value');
}
/** String(v) of a host value, its conversion run by toPrim. */
export const hostStr = (v: unknown): string => String(toPrim(v, 'string'));

/** JavaScript's String(v) for a template value (UNDEF, a Kida lenient undefined, is ""). */
export function njkStr(v: unknown): string {
  if (v === undefined || v === null || v === UNDEF) return '';
  if (typeof v === 'string') return v;
  if (v instanceof Markup) return v.value;
  if (Array.isArray(v)) return joinItems(v);
  if (typeof v === 'object' && !(typeof (v as { toString?: unknown }).toString === 'function')) return '[object Object]';
  return hostStr(v); // (a promise, or one an async toString returns, is observed)
}

/** The arrays whose text is being written, and the characters written (joinItems). */
const joining = new Set<unknown[]>();
let joined = 0;
/**
 * Array#toString: items joined by `,`, an array met again inside itself `""` (as V8's join).
 * Each level's text counts (16 an item besides its length): shared parts doubled in a loop
 * (`x = [x, x]`) fail past MAX_CHARS with V8's string-length error, where they walked for minutes. s9
 */
function joinItems(v: unknown[]): string {
  if (!joining.size) joined = 0;
  if (joining.has(v)) return '';
  ACTIVE?.tick(1); // (sandboxed, each array written is a loop iteration, as Kida's walks)
  joining.add(v);
  try {
    const out: string[] = [];
    for (let i = 0; i < v.length; i++) {
      const t = v[i] == null ? '' : njkStr(v[i]);
      if ((joined += t.length + 16) > MAX_CHARS) throw RangeError('Invalid string length');
      out.push(t);
    }
    return out.join(',');
  } finally {
    joining.delete(v);
  }
}

// ---------------------------------------------------------------- output

/** `{{ v }}` under autoescape: Nunjucks' suppressValue (null/undefined → "", safe strings as they are). */
export function esc(v: unknown): string {
  if (v instanceof Markup) return v.value;
  if (isSafe(v)) return String(observe((v as { __html__(): string }).__html__()));
  // (a safe string of the `nunjucks` package held in the data)
  if (v instanceof String) {
    const safe = fromNunjucks(v);
    if (safe !== v) return (safe as Markup).value;
    // (one made of a non-string, `new SafeString(undefined)`: no string inside, Nunjucks writes it unescaped, `"" + v`)
    if (Object.prototype.toString.call(v) !== '[object String]') return String(toPrim(v, 'default'));
  }
  if (isHostObject(v)) {
    // (Nunjucks' suppressValue: `lib.escape(val.toString())`, the object's own method, not String(v))
    const t = (v as { toString?: unknown }).toString;
    if (typeof t !== 'function') throw TypeError('val.toString is not a function');
    const r = observe(t.call(v));
    // (lib.escape(r) needs a string's replace: a boxed or safe string is escaped as text, anything else throws)
    if (typeof r === 'string' || r instanceof String || r instanceof Markup) return njkEscape(r instanceof Markup ? r.value : String(r));
    throw TypeError('val.replace is not a function');
  }
  return njkEscape(njkStr(v));
}
/**
 * `{{ v }}` without autoescape: Nunjucks writes `output += val`, JavaScript's default hint, so an
 * object's `valueOf` comes before its `toString` (a moment or a Luxon date prints its timestamp)
 * and one with neither (a null-prototype object) throws.
 */
export function str(v: unknown): string {
  if (isHostObject(v)) return String(toPrim(v, 'default'));
  if (typeof v === 'symbol') throw TypeError('Cannot convert a Symbol value to a string');
  return njkStr(v);
}
/**
 * An object that Nunjucks' output converts by its own methods: not an array, safe string, Kida's
 * undefined, or a promise (which njkStr observes: `[object Promise]` either way, its rejection handled).
 */
const isHostObject = (v: unknown): v is object => typeof v === 'object' && v !== null && v !== UNDEF && !Array.isArray(v) && !(v instanceof Markup) && !(v instanceof Promise);

// ---------------------------------------------------------------- names and members

/**
 * A bare name: the scope chain (frames and their parents), the data, the globals, else
 * undefined. As Nunjucks' frame.lookup, a frame holding `undefined` does not count (a macro
 * parameter the call left out is looked up further when an include reads it); the chain's root,
 * Nunjucks' context, does (a top-level `set x = missing` hides the data's `x`).
 */
export function lk(c: Ctx, name: string): unknown {
  for (let o: Ctx = c; ; ) {
    const v = o[name];
    if (v !== undefined) return v;
    const p = o[PARENT as never] as Ctx | undefined;
    if (p === undefined) {
      if (name in o) return v;
      break;
    }
    o = p;
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

/**
 * A function read through member() (`{{ s.trim }}`, `params.f` passed on) prints as Nunjucks'
 * memberLookup wrapper, as Node prints nunjucks 3.2.4's, wherever it is converted (the app's own
 * code too): each wrapper's own `toString`. callAttr() makes no wrapper.
 */
const NJK_METHOD_SOURCE =
  'function () {\n      for (var _len2 = arguments.length, args = new Array(_len2), _key2 = 0; _key2 < _len2; _key2++) {\n' +
  '        args[_key2] = arguments[_key2];\n      }\n      return obj[val].apply(obj, args);\n    }';
function wrapperSource(): string {
  return NJK_METHOD_SOURCE;
}
/** `v.toString()` as the filters that call it in Nunjucks get it (safe, escape, string, …). */
export function njkToString(v: unknown): unknown {
  // (an array's own toString as njkStr writes it: bounded, where V8's join walks shared parts for minutes. s9)
  if (Array.isArray(v) && v.toString === Array.prototype.toString) return njkStr(v);
  return (v as { toString(): unknown }).toString();
}

/** Names a template may never reach on any value (prototype pollution, Function). */
function safeMember(obj: object, name: string): void {
  assertSafeName(name, obj);
}

// (the receiver and name of the last read(): a safe string's text for its methods)
let readOn: unknown;
let readName: string | number;
/** `obj.name` / `obj[key]` up to the value. */
function read(obj: unknown, key: unknown): unknown {
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
  if (typeof v === 'function' && (v === Function || v === eval)) throw new SecurityError('Calling this function is not allowed in templates');
  readOn = obj;
  readName = name;
  return v;
}
/** A JavaScript method on its object: preflight (guards.ts), arguments converted first. */
function invoke(obj: unknown, name: string | number, v: Function, args: unknown[]): unknown {
  const self = builtIn(obj, name as string, v) ? converted(obj, name as string, args) : obj;
  const pre = preflight(obj, name as string, args);
  return pre ? pre.v : observeHost(v.apply(self, args));
}
/** `obj.name` / `obj[key]`: Nunjucks' memberLookup (functions come bound to obj). */
export function member(obj: unknown, key: unknown): unknown {
  const v = read(obj, key);
  // (a macro needs no receiver, and keeps its keyword-argument binding)
  if (typeof v === 'function' && !(v as { kidaDef?: unknown }).kidaDef) {
    const on = readOn;
    const name = readName;
    const w = (...args: unknown[]) => invoke(on, name, v, args);
    w.toString = wrapperSource;
    return w;
  }
  return v;
}

// A String or Array method converts its object arguments (and an array its items, to join or
// sort them) inside V8, which drops the promise an async toString/valueOf/Symbol.toPrimitive
// returns before it throws: the rejection ended the process (s8). `converted` runs those
// conversions first, by toPrim with the hint the method uses, so each promise is observed.
/** Argument positions a String/Array method reads as numbers (bit i: argument i); the others as strings. */
const NUMERIC: Record<string, number> = {
  slice: 3, substring: 3, substr: 3, at: 1, charAt: 1, charCodeAt: 1, codePointAt: 1, repeat: 1, padStart: 1, padEnd: 1,
  indexOf: 2, lastIndexOf: 2, includes: 2, startsWith: 2, endsWith: 2, split: 2, with: 1, flat: 1,
};
/** The Array methods that convert arguments (bit i: argument i): the rest compare them by identity or store them. */
const ARRAY_CONVERTS: Record<string, number> = { join: 1, slice: 3, at: 1, indexOf: 2, lastIndexOf: 2, includes: 2, flat: 1, with: 1 };
/** A matcher argument (`s.split(re)`): a RegExp, or an object with the method's symbol, is V8's to call. */
const MATCHER: Record<string, symbol> = { replace: Symbol.replace, replaceAll: Symbol.replace, split: Symbol.split, match: Symbol.match, matchAll: Symbol.matchAll, search: Symbol.search };
const builtIn = (obj: unknown, name: string, f: unknown): boolean =>
  typeof obj === 'string' ? f === (String.prototype as unknown as Record<string, unknown>)[name] : Array.isArray(obj) && f === (Array.prototype as unknown as Record<string, unknown>)[name];
/** Converts in place the object arguments of the built-in `obj[name]`; returns the receiver to call it on. */
function converted(obj: unknown, name: string, args: unknown[]): unknown {
  const arr = Array.isArray(obj);
  const which = arr ? (ARRAY_CONVERTS[name] ?? 0) : -1;
  for (let i = 0; i < args.length; i++) {
    const x = args[i];
    if (x === null || typeof x !== 'object' || !(which & (1 << i)) || (i === 0 && MATCHER[name] && x[MATCHER[name] as never] !== undefined)) continue;
    args[i] = toPrim(x, NUMERIC[name]! & (1 << i) ? 'number' : 'string');
  }
  if (!arr) return obj;
  const a = obj as unknown[];
  const objects = (name === 'join' || name === 'toString' || name === 'toLocaleString' || (name === 'sort' && args[0] === undefined)) && a.some((x) => x !== null && typeof x === 'object');
  if (!objects) return obj;
  const str = (x: unknown): unknown => (x !== null && typeof x === 'object' ? toPrim(x, 'string') : x);
  // (sort keeps the items and converts each for its comparisons, as the default order does)
  if (name === 'sort')
    args[0] = (x: unknown, y: unknown) => {
      const [p, q] = [String(str(x)), String(str(y))];
      return p < q ? -1 : p > q ? 1 : 0;
    };
  return name === 'sort' ? obj : a.map(str);
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
export function callAttr(obj: unknown, name: string, _strict: boolean, args: unknown[], what = name): unknown {
  const v = read(obj, name);
  if (typeof v === 'function' && !(v as { kidaDef?: unknown }).kidaDef) return observeHost(invoke(readOn, readName, v, kwTail(args)));
  return callValue(v, args, what);
}
export const callAttrOpt = callAttr;

/** Nunjucks' callWrap: calling anything but a function is an error naming it. */
/** `f(…)`; called by name (`env`, `scope`), a function that is no macro gets Nunjucks' context as `this`. */
export function callValue(f: unknown, args: unknown[], name = 'value', env?: Parameters<typeof njkThis>[0], scope?: Ctx): unknown {
  if (typeof f !== 'function') throw new TypeError(`Unable to call \`${name}\`, which is ${f ? 'not a function' : 'undefined or falsey'}`);
  if (f === Function || f === eval) throw new SecurityError('Calling this function is not allowed in templates');
  const a = (f as { kidaDef?: unknown }).kidaDef ? args : kwTail(args);
  if (env && !(f as { kidaDef?: unknown }).kidaDef) return observeHost((f as (...a: unknown[]) => unknown).apply(njkThis(env, scope!), a));
  return observeHost((f as (...a: unknown[]) => unknown)(...a));
}

/** Keyword arguments as Nunjucks passes them to a plain function: one trailing object. */
function kwTail(args: unknown[]): unknown[] {
  return args.length && args[args.length - 1] instanceof Kwargs ? [...args.slice(0, -1), { ...(args[args.length - 1] as Kwargs).kw, __keywords: true }] : args;
}

/** `{% call f() %}`: calling anything but a function fails as Nunjucks' callWrap does, naming `f`. */
export function callWithCaller(f: unknown, args: unknown[], caller: CallerFn, name = 'value'): unknown {
  if (typeof f !== 'function') callValue(f, args, name);
  return kidaCallWithCaller(f, args, caller);
}

// ---------------------------------------------------------------- operators

/** JavaScript's ToPrimitive for a template value (a safe string is its text). */
function prim(v: unknown): unknown {
  return v instanceof Markup ? v.value : v === UNDEF ? undefined : v;
}
// (operands converted as the operator would, by toPrim: `+`, `~` and `==` with the default hint,
// arithmetic and comparisons with the number hint)
const opd = (v: unknown): unknown => toPrim(prim(v), 'default');
const opn = (v: unknown): unknown => toPrim(prim(v), 'number');
export function add(a: unknown, b: unknown): unknown {
  return (opd(a) as number) + (opd(b) as number);
}
export function sub(a: unknown, b: unknown): unknown {
  return (opn(a) as number) - (opn(b) as number);
}
export function mul(a: unknown, b: unknown): unknown {
  return (opn(a) as number) * (opn(b) as number);
}
export function div(a: unknown, b: unknown): unknown {
  return (opn(a) as number) / (opn(b) as number);
}
export function floordiv(a: unknown, b: unknown): unknown {
  return Math.floor((opn(a) as number) / (opn(b) as number));
}
export function mod(a: unknown, b: unknown): unknown {
  return (opn(a) as number) % (opn(b) as number);
}
export function pow(a: unknown, b: unknown): unknown {
  return Math.pow(opn(a) as number, opn(b) as number);
}
export function neg(a: unknown): unknown {
  return -(opn(a) as number);
}
export function pos(a: unknown): unknown {
  return +(opn(a) as number);
}
/** `~`: `"" + a + b`. */
export function concat(a: unknown, b: unknown): string {
  return '' + (opd(a) as string) + (opd(b) as string);
}
export function truthy(v: unknown): boolean {
  return !!v && v !== UNDEF;
}
/** `==` is JavaScript's loose equality. */
export function eq(a: unknown, b: unknown): boolean {
  // eslint-disable-next-line eqeqeq
  let x = prim(a);
  let y = prim(b);
  // (an object against a primitive is converted, as `==` would; two objects compare by identity)
  if (x instanceof Object !== y instanceof Object && x != null && y != null) x instanceof Object ? (x = opd(x)) : (y = opd(y));
  return x == y;
}
export function lt(a: unknown, b: unknown): boolean {
  return (opn(a) as number) < (opn(b) as number);
}
export function le(a: unknown, b: unknown): boolean {
  return (opn(a) as number) <= (opn(b) as number);
}
export function gt(a: unknown, b: unknown): boolean {
  return (opn(a) as number) > (opn(b) as number);
}
export function ge(a: unknown, b: unknown): boolean {
  return (opn(a) as number) >= (opn(b) as number);
}
/** `x is none` / `x is null`: Nunjucks calls its `null` test (=== null), `true`/`false` likewise strict. */
export function same(a: unknown, b: unknown): boolean {
  return a === b;
}
/** `a in b`: Nunjucks' inOperator. */
export function contains(container: unknown, item: unknown): boolean {
  const c = prim(container);
  // (the key converted as indexOf/`in` would, by toPrim: s7)
  if (typeof c === 'string') return c.indexOf(toPrim(prim(item), 'string') as string) !== -1;
  if (Array.isArray(c)) return c.indexOf(prim(item)) !== -1;
  if (c && typeof c === 'object') return (toPrim(prim(item), 'string') as string) in (c as object) && !ACTIVE?.hide(prim(item));
  throw new Error(`Cannot use "in" operator to search for "${njkStr(item)}" in unexpected types.`);
}

// ---------------------------------------------------------------- iteration and literals

/**
 * What `for` walks: nothing for a falsy value, an array as it is, a string's UTF-16 units
 * (Nunjucks indexes `arr[i]`; a safe string's code points, as it spreads that object's
 * iterator), an iterable's items, a plain object's [key, value] pairs (`for k, v in obj`).
 */
export function toList(v: unknown): unknown[] {
  if (typeof v === 'string') return v.split('');
  v = prim(v);
  if (!v) return [];
  if (Array.isArray(v)) return v;
  if (typeof v === 'string') return [...v];
  // (sandboxed, ACTIVE leaves out the keys the policy hides: runtime/sandbox.ts sbHide)
  if (typeof v === 'object' && typeof (v as Iterable<unknown>)[Symbol.iterator] === 'function') {
    const a = listOf(v as Iterable<unknown>); // (an endless iterator: K-SEC-003, not V8's abort)
    return ACTIVE && v instanceof Map ? a.filter((p) => !ACTIVE!.hide((p as unknown[])[0])) : a;
  }
  if (typeof v === 'object') {
    const out: unknown[] = [];
    // (pairs as plain arrays: `for k, v` reads [0] and [1], and a pair renders `k,v` either way)
    for (const k of Object.keys(v)) if (!ACTIVE?.hide(k, v)) out.push([k, (v as Record<string, unknown>)[k]]);
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
export function makeDef(info: DefInfo, _defaults: unknown[], defCtx: Ctx, body: (ctx: Ctx, caller: CallerFn | null) => string | Promise<string>, view?: 1): KidaDef {
  const { name, params, vararg, kwarg } = info;
  const np = params.length;
  // (Nunjucks gives a macro a frame with no parent: it sees its template's context — top-level
  // names as the top level last set them, the data — never a macro's or loop's around it)
  const top = njkTop(defCtx);
  if (view || Object.hasOwn(top, PARENT)) contextOf(top); // (an included template's: see contextOf; `view`: njkSetContext)
  const invoke = (args: unknown[], caller: CallerFn | null): Markup => {
    let n = args.length;
    const kw = n && args[n - 1] instanceof Kwargs ? (args[--n] as Kwargs).kw : null;
    const ctx = new Frame((top[NJK_VIEW as never] as Ctx | undefined) ?? top, ISO | MACRO);
    let given: string[] | undefined; // (parameters given as undefined: see njkUnset)
    for (let i = 0; i < np; i++) if ((ctx[params[i]!] = i < n ? args[i] : undefined) === undefined && i < n) (given ??= []).push(params[i]!);
    if (vararg) ctx[vararg] = Tuple.from(args.slice(np, n));
    // (null prototype: a `__proto__` keyword is a key of **kwargs like any other)
    const extra: Record<string, unknown> | null = kwarg ? { __proto__: null } : null;
    if (kw)
      for (const k of Object.keys(kw)) {
        const idx = params.indexOf(k);
        if (idx < 0) {
          if (extra) extra[k] = kw[k];
        } else if (idx >= n) {
          if ((ctx[k] = kw[k]) === undefined) (given ??= []).push(k);
        }
        else if (extra) throw new PyError('TypeError', `${name}() got multiple values for argument '${k}'`);
      }
    if (kwarg) ctx[kwarg] = extra;
    if (given) ctx[GIVEN as never] = given as never;
    if (caller) ctx.caller = caller;
    // (a `caller=` keyword passes a caller body on, as Nunjucks' macros read kwargs.caller)
    else if (kw && Object.hasOwn(kw, 'caller') && !params.includes('caller')) ctx.caller = kw.caller;
    ctx.has_slot = caller ? HAS_SLOT : NO_SLOT;
    const r = body(ctx, caller);
    return (typeof r === 'string' ? new Markup(r) : r.then((s) => new Markup(s))) as Markup;
  };
  const f = ((...args: unknown[]) => invoke(args, null)) as KidaDef;
  f.kidaDef = info;
  f.invoke = invoke;
  return f;
}
/** A macro call's parameters that were given, as undefined (their names; set only when there are any). */
const GIVEN: unique symbol = Symbol('kida.macro.given');
/**
 * Whether a macro's parameter `name` takes its default: Nunjucks sets a parameter from the
 * argument whenever one is given, by position or keyword, undefined too
 * (`hasOwnProperty(kwargs, name) ? kwargs[name] : default`), so `phaseBanner(phase)` with no
 * `phase` in the data does not render the default; a read of it looks the name up further, as
 * a parameter with a default is no local of the compiled macro. Called only when the value is
 * undefined.
 */
export function njkUnset(ctx: Ctx, name: string): boolean {
  return !(Object.hasOwn(ctx, GIVEN) && (ctx[GIVEN as never] as string[]).includes(name));
}
export const iter = toList;
/** What `for x in v` (one name) walks: as Nunjucks, nothing of a plain object (its pairs are for `for k, v`). */
export function oneName(v: unknown): unknown {
  const p = prim(v);
  return p && typeof p === 'object' && !Array.isArray(p) && typeof (p as Iterable<unknown>)[Symbol.iterator] !== 'function' && !isSafe(p) ? [] : v;
}
/**
 * What `for k, v in x` walks: Nunjucks takes a plain string for an object (it is no array and
 * not turned into one), so `for (k in str)` gives [index as a string, UTF-16 unit] pairs.
 */
export function njkPairs(v: unknown): unknown {
  return typeof v === 'string' ? Object.keys(v).map((k) => [k, v[k as unknown as number]]) : v;
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
  for (let p = njkParentOf(R, t); p; p = njkParentOf(R, p)) {
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
  // (Nunjucks exports the top-level macros and sets whose names do not start with `_`)
  for (const k of Object.keys(ctx)) if (k[0] !== '_') setKey(ns, k, ctx[k]);
  return ns;
}
/** `{% from x import a %}`: a macro or a top-level `set` of x, else Nunjucks' "cannot import 'a'". */
export function importName(ns: Ctx, name: string, templateName: string): unknown {
  if (!Object.hasOwn(ns, name)) throw new TemplateRuntimeError(`cannot import '${name}' from '${templateName}'`, 'K-RUN-008');
  return ns[name];
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
const KIND: unique symbol = Symbol('kida.frame.kind');
/** A template scope's context view (contextOf). */
export const NJK_VIEW: unique symbol = Symbol('kida.frame.context');
/** Frame kinds (bits): a loop's; isolated writes (a `set` stays in it: macro, caller body,
 * include); a template's top (include); a macro's (Nunjucks' parentless frame: walks end there). */
const LOOP = 1, ISO = 2, TOP = 4, MACRO = 8, IMPORT = 16;
const SCOPE_PROTO = Context.prototype as object;
const Frame = function (this: Record<symbol, unknown>, parent: Ctx, kind: number) {
  this[PARENT] = parent;
  this[DATA] = parent[DATA as never];
  this[GLOBALS] = parent[GLOBALS as never];
  this[PLAIN] = parent[PLAIN as never];
  this[KIND] = kind;
  this[NJK_VIEW] = undefined;
} as unknown as new (parent: Ctx, kind: number) => Ctx;
Frame.prototype = SCOPE_PROTO;
Namespace.prototype = SCOPE_PROTO;

/** The scope under `o`: its prototype (a default-runtime scope made with Object.create), else its frame's parent. */
function up(o: Ctx): Ctx | null {
  const p = Object.getPrototypeOf(o) as Ctx | null;
  return p !== null && p !== SCOPE_PROTO ? p : ((o[PARENT as never] as Ctx | undefined) ?? null);
}
const kind = (o: Ctx): number => (Object.hasOwn(o, KIND) ? (o[KIND as never] as number) : 0);
/**
 * The template scope `sc` belongs to (Nunjucks' context): the nearest include scope, else the
 * render's root or the scope an import with context runs in (made with Object.create).
 */
export function njkTop(sc: Ctx): Ctx {
  for (let o: Ctx | null = sc; ; ) {
    if (kind(o) & TOP || (Object.getPrototypeOf(o) !== SCOPE_PROTO && !Object.hasOwn(o, PARENT))) return o;
    const p: Ctx | null = up(o);
    if (p === null) return o;
    o = p;
  }
}

/**
 * Nunjucks keeps a template's top-level names twice: in its root frame, which a `set` inside a
 * loop may change (resolving up), and in its context, which only a top-level `set` changes and
 * which is all a macro sees. Here the template scope is both, and its view (a frame over it,
 * made when a loop first changes one of its names) holds the context's value of each name a
 * loop changed. A macro call's frame sits on the view if there is one (else on the scope: one
 * lookup step less in the common case).
 */
function contextOf(top: Ctx): Ctx {
  let w = top[NJK_VIEW as never] as Ctx | undefined;
  if (w === undefined) {
    const under = top[PARENT as never] as Ctx | undefined;
    if (under === undefined) w = new Frame(top, 0);
    else {
      // (an included template's or one imported with context: a copy of the includer's, as
      // Nunjucks' render and getExported take context.getVariables() — later sets there are not
      // seen by its macros — with its own top-level names, which its writes keep up to date
      // through njkSync; never the includer's frames. It is the chain's root: data and globals
      // are found after it. An include makes it when first needed, an import at once.)
      w = new Frame(under, 0);
      for (let o: Ctx | null = contextAt(under); o !== null; o = up(o)) for (const k of Object.keys(o)) if (!Object.hasOwn(w, k)) w[k] = o[k];
      (w as Record<symbol, unknown>)[PARENT] = undefined;
      for (const k of Object.keys(top)) w[k] = top[k];
    }
    (top as Record<symbol, unknown>)[NJK_VIEW] = w;
  }
  return w;
}
/** The context a template scope's macros see (contextOf), for the template `sc` is in. */
export function contextAt(sc: Ctx): Ctx {
  const t = njkTop(sc);
  return Object.hasOwn(t, PARENT) ? contextOf(t) : ((t[NJK_VIEW as never] as Ctx | undefined) ?? t);
}
/** After a top-level write (codegen calls it when the scope has a view): the context has it too. */
export function njkSync(top: Ctx, name: string, set?: 1): void {
  (top[NJK_VIEW as never] as Ctx)[name] = top[name];
  if (set && kind(top) & IMPORT) setUp(up(top)!, name, top[name]);
}

/**
 * An extension's `context.setVariable(name, v)` (or `context.ctx.name = v`): Nunjucks sets the
 * template's context only, from a macro too. A frame holding the name keeps its value for the
 * reads that find it first (a top-level `set` keeps it at the top level; the context view, which
 * macros read, gets `v`); else the template scope gets it.
 */
export function njkSetContext(sc: Ctx, name: string, v: unknown): void {
  const top = njkTop(sc);
  // (what setVariable itself wrote to the scope is the context's, not a frame's: see CONTEXT_SET)
  let mine = (top as Record<symbol, unknown>)[CONTEXT_SET] as Map<string, unknown> | undefined;
  if (Object.hasOwn(top, name) && top[name] !== undefined && !contextOnly(top, name)) {
    const fresh = top[NJK_VIEW as never] === undefined;
    const w = contextOf(top);
    setKey(w, name, v);
    // (a macro running now sat on the scope, there being no view: it reads the context from now on)
    if (fresh) for (let o: Ctx | null = sc; o !== null && o !== top; o = up(o)) if (o[PARENT as never] === top && kind(o) & MACRO) (o as Record<symbol, unknown>)[PARENT] = w;
    return;
  }
  setKey(top, name, v);
  if (!mine) (top as Record<symbol, unknown>)[CONTEXT_SET] = mine = new Map();
  mine.set(name, v);
  const w = top[NJK_VIEW as never] as Ctx | undefined;
  if (w) setKey(w, name, v);
}
/** The names and values setVariable wrote to a template scope (a later `set` of one makes it a frame's). */
const CONTEXT_SET: unique symbol = Symbol('kida.frame.contextSet');
/** Is scope `o`'s `name` only the context's (setVariable's), no frame's: a `set` resolving up does not stop there. */
function contextOnly(o: Ctx, name: string): boolean {
  const mine = (o as Record<symbol, unknown>)[CONTEXT_SET] as Map<string, unknown> | undefined;
  return mine !== undefined && mine.has(name) && Object.is(mine.get(name), o[name]);
}

/** A loop's frame: a `set` of a new name in the loop lands in it. */
export function njkFrame(sc: Ctx): Ctx {
  return new Frame(sc, LOOP);
}
/** A block's scope (Nunjucks' frame.push(true)): its `set`s stay in it; where it stands in a loop, the loop's names under it. */
export function njkBlock(sc: Ctx, locals?: Ctx): Ctx {
  return locals ? frameWith(sc, locals, 0) : new Frame(sc, ISO);
}
/** An included template's scope over the includer's: the included template's `set`s stay in it. */
export function njkScope(sc: Ctx): Ctx {
  return new Frame(sc, ISO | TOP);
}
/** An include inside a loop or with local names: those names over the includer's scope. */
export function includeContext(sc: Ctx, locals: Ctx): Ctx {
  return new Frame(frameWith(sc, locals, 0), ISO | TOP);
}
/** A template imported with context: its top over the importer's current frame (Nunjucks' frame.push()). */
export function njkImportScope(sc: Ctx): Ctx {
  const f = new Frame(sc, TOP | IMPORT);
  contextOf(f); // (its view now: each top-level `set` then reaches njkSync, which passes it on)
  return f;
}
/** A scope with extra bindings on top (a caller body's arguments: its `set`s stay in it). */
export function bind(sc: Ctx, bindings: Ctx | null | undefined): Ctx {
  return frameWith(sc, bindings ?? {}, ISO);
}
function frameWith(sc: Ctx, bindings: Ctx, k: number): Ctx {
  const f = new Frame(sc, k);
  for (const key of Object.keys(bindings)) setKey(f, key, bindings[key]);
  return f;
}
/**
 * `{% set name = v %}` as Nunjucks' frame.set(name, v, resolveUp) from the current frame `sc`:
 * an isolated frame (a macro's, a caller body's, an include's) keeps it; from another (a loop's)
 * it goes to the nearest frame up the chain holding a defined value of that name — through
 * caller bodies and includes into the frames around them, not past a macro's — else into `sc`.
 */
export function njkSet(sc: Ctx, _ctx: Ctx, name: string, v: unknown): void {
  if (kind(sc) & ISO || !setUp(sc, name, v)) setKey(sc, name, v);
}
/**
 * Frame.resolve(name, true).set(…) from `sc`: the nearest frame from `sc` up holding a defined
 * `name` gets `v` (not past a macro's frame); false when none does. A template imported with
 * context sits on the importer's frames: Nunjucks' `set` there resolves into them, so a name
 * the importer's frames hold changes there too (its own scope keeps it for its context).
 */
function setUp(sc: Ctx, name: string, v: unknown): boolean {
  for (let o: Ctx | null = sc; o !== null; o = up(o)) {
    if (o[name] !== undefined && Object.hasOwn(o, name) && !contextOnly(o, name)) {
      // (a template scope's name: its context keeps the value, see contextOf)
      if (kind(o) & TOP || up(o) === null) {
        const w = contextOf(o);
        if (!Object.hasOwn(w, name)) w[name] = o[name];
      }
      o[name] = v;
      if (kind(o) & IMPORT) setUp(up(o)!, name, v);
      return true;
    }
    if (kind(o) & MACRO) break;
  }
  return false;
}

// Nunjucks' one `frame` variable per compiled function (compiler/codegen/njk-scope.ts
// callerCall): a call out of a macro or caller body, and a `{% call %}`, record their frame for
// the function (its id) in the template scope, which is each render's, include's and import's own;
// a caller body of the function starts on the last one recorded.
const CURRENT: unique symbol = Symbol('kida.frame.current');
export function njkAt(sc: Ctx, fn: string): void {
  const top = njkTop(sc) as Record<symbol, Record<string, Ctx> | undefined>;
  (top[CURRENT] ??= Object.create(null) as Record<string, Ctx>)[fn] = sc;
}
/** The frame a caller body of function `fn` starts on (`at`: the `{% call %}`'s, if none is recorded). */
export function njkInvoker(at: Ctx, fn: string): Ctx {
  return (njkTop(at) as Record<symbol, Record<string, Ctx> | undefined>)[CURRENT]?.[fn] ?? at;
}
