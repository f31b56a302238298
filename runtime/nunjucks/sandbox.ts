// The sandbox for templates compiled with `compat: 'nunjucks'` and `sandbox: true`: the same
// policy and budgets as runtime/sandbox.ts, over Nunjucks' member access (`a.b` and `a["b"]`
// are one lookup, JavaScript methods come bound) instead of Kida's getattr. Compiled modules
// import these names from `kida/runtime/nunjucks` in place of the default runtime's (the
// Environment links them the same way); only sandboxed Nunjucks templates use them.

import { Markup } from '../markup.js';
import { Kwargs, isDict } from '../values.js';
import { NO_TEXT, PolicyError, callCost, mutates, noKidaObject, runOf, sbF, sourceError, textBound, type Run, type Sandbox } from '../sandbox.js';
import { callValue as njkCallValue, callWithCaller, member, toPrim } from './values.js';
import type { CallerFn } from '../template.js';
import { range } from './globals.js';
import { nf___dumpsafe } from './filters.js';

type Env = { sandbox?: Sandbox };
type R = { shared: object };

/** Non-mutating JavaScript string/array methods (and `length`): reachable in allow-list mode, as Kida's collection methods are. */
const JS_METHODS = new Set(
  ('length at charAt charCodeAt codePointAt concat endsWith includes indexOf lastIndexOf localeCompare match matchAll normalize ' +
    'padEnd padStart repeat replace replaceAll search slice split startsWith substring substr toLowerCase toUpperCase ' +
    'toLocaleLowerCase toLocaleUpperCase toString trim trimEnd trimStart every filter find findIndex findLast ' +
    'findLastIndex flat flatMap join keys entries values map reduce reduceRight some toReversed toSorted with').split(' '),
);
/** Array methods that write the array as text. */
const TEXT_METHODS = new Set(['join', 'toString', 'toLocaleString']);
/** Methods whose first argument names a property or key of the receiver (as `d.get("_x")` in Kida's sandbox). */
const READS_KEY = new Set(['hasOwnProperty', 'propertyIsEnumerable', 'get', 'has']);

/**
 * The policy for one name: `_`-prefixed, blocked, a mutator called (or read, to be called later)
 * without allowMutatingMethods, or, in allow-list mode, unlisted (item access to a dict or
 * array, `d["k"]`, is not attribute access; JS_METHODS on strings and arrays are reachable).
 */
function check(sb: Sandbox, name: string, calling: boolean, obj: unknown, item: boolean): void {
  const p = sb.policy;
  noKidaObject(obj); // (a Template or Environment from data would render outside the policy)
  // (a function's source, as text: `fn.toString()`)
  if (typeof obj === 'function' && (name === 'toString' || name === 'toLocaleString')) throw sourceError();
  const mut = calling && !p.allowMutatingMethods && mutates(name, obj);
  const listed =
    !p.allowedAttributes ||
    p.allowedAttributes.includes(name) ||
    (item && (obj === undefined || isDict(obj) || Array.isArray(obj))) ||
    (JS_METHODS.has(name) && (typeof obj === 'string' || obj instanceof Markup || Array.isArray(obj)));
  if (name.startsWith('_') || p.blockedAttributes.includes(name) || mut || !listed)
    throw new PolicyError(`Access to attribute '${name}' is blocked by sandbox policy`, {
      suggestion: mut ? 'Build a new value instead (concat, slice), or allow mutating methods in the sandbox policy' : 'Remove the attribute access',
    });
}
// (a function key would be looked up by its source text: `d[fn]` tells whether `d` has that key)
const keyName = (key: unknown): string | null => {
  if (typeof key === 'function') throw sourceError();
  return typeof key === 'number' ? null : key instanceof Markup ? key.value : String(key);
};

/** `a.b`: the policy, then Nunjucks' lookup; a function read is checked as if called (it may be, later). */
export function sbGetattr(env: Env, obj: unknown, name: string, _strict?: boolean): unknown {
  return lookup(env.sandbox!, obj, name, false);
}
export const sbGetattrOpt = sbGetattr;
/** `a[k]`: the same, with item access's allow-list rule. */
export function sbGetitem(env: Env, obj: unknown, key: unknown): unknown {
  return lookup(env.sandbox!, obj, key, true);
}
export function sbGetitemOpt(env: Env, obj: unknown, key: unknown): unknown {
  return lookup(env.sandbox!, obj, key, true);
}
function lookup(sb: Sandbox, obj: unknown, key: unknown, item: boolean): unknown {
  if (obj === undefined || obj === null) return undefined;
  const name = keyName(key);
  if (name !== null) check(sb, name, false, obj, item);
  const v = memberOf(obj, key);
  noKidaObject(v);
  if (typeof v === 'function' && name !== null) {
    check(sb, name, true, obj, item);
    // (called later, its key argument would not be checked: `{% set g = m.get %}{{ g("_k") }}`)
    if (readsKey(name, obj))
      throw new PolicyError(`Reading the method '${name}' as a value is not allowed in the sandbox`, { suggestion: `Call it where it is read: x.${name}(...)` });
  }
  return v;
}
/** member(), refused when it wraps a Template's or Environment's method (the wrapper is none itself). */
function memberOf(obj: unknown, key: unknown): unknown {
  const f = member(obj, key);
  if (typeof f === 'function') noKidaObject(stored(obj, key));
  return f;
}
/** The data property `key` of `obj` or its prototypes, read without running a getter (undefined otherwise). */
function stored(obj: unknown, key: unknown): unknown {
  if (obj instanceof Map) return obj.get(key);
  for (let p = Object(obj); p; p = Object.getPrototypeOf(p)) {
    const d = Object.getOwnPropertyDescriptor(p, key as PropertyKey);
    if (d) return d.value;
  }
  return undefined;
}
/** `get`/`has` on a Map or an object; hasOwnProperty/propertyIsEnumerable on anything. */
const readsKey = (name: string, obj: unknown): boolean => READS_KEY.has(name) && (name.length > 3 || isDict(obj) || obj instanceof Map);

/** `a.m(args)`: the policy for `m` (called), then the call as sbCallValue makes it. */
export function sbCallAttr(env: Env, R: R, obj: unknown, name: string, _strict: boolean, args: unknown[]): unknown {
  const run = runOf(env, R);
  attrChecks(run, obj, name, args);
  const f = memberOf(obj, name);
  return typeof obj === 'string' || obj instanceof Markup ? keepLastIndex(args, () => call(run, f, args, name)) : call(run, f, args, name);
}
export const sbCallAttrOpt = sbCallAttr;

/** What `o.m(args)` is checked for, however the call is written (`o.m()`, `{% call o.m() %}`). */
function attrChecks(run: Run, obj: unknown, name: string, args: unknown[]): void {
  if (obj !== undefined && obj !== null) {
    check(run.sb, name, true, obj, false);
    if (readsKey(name, obj) && typeof args[0] === 'string') check(run.sb, args[0], false, obj, true);
    // (the receiver is walked by most methods: `items.indexOf(x)` counts its items)
    if (Array.isArray(obj) || typeof obj === 'string') run.feed(obj);
    // (text made of containers: `l.join()`, `l.toString()`, `"".concat(l)`, `s.replace(p, l)`)
    if (Array.isArray(obj) && (TEXT_METHODS.has(name) || (name === 'toSorted' && !args.length))) textBound(run.cap, obj, true, +(name !== 'join'));
    // (arguments converted to text: a separator, a RegExp's subject, a number's or date's locale options; a function there would be its source)
    if ((Array.isArray(obj) && TEXT_METHODS.has(name)) || obj instanceof RegExp || obj instanceof Date || typeof obj === 'number' || typeof obj === 'bigint' || typeof obj === 'boolean')
      for (const a of args) textBound(run.cap, a, true);
    // (a function given to replace/replaceAll is its callback, not text; anywhere else a string method writes it as its source)
    if (typeof obj === 'string' || obj instanceof Markup)
      args.forEach((a, i) => textBound(run.cap, a, !(i === 1 && typeof a === 'function' && (name === 'replace' || name === 'replaceAll'))));
  }
}

/**
 * String methods and filters given a global or sticky RegExp (`s.replace(re, x)`, `s.match(re)`,
 * `s | replace(re, x)`) move its `lastIndex` as `exec` does (JavaScript resets or advances it):
 * the host's RegExp, or the next render's, would start elsewhere. Its lastIndex is put back after the call.
 */
function keepLastIndex<T>(args: unknown[], f: () => T): T {
  const moved = args.filter((a): a is RegExp => a instanceof RegExp && (a.global || a.sticky));
  if (!moved.length) return f();
  const at = moved.map((r) => r.lastIndex);
  try {
    return f();
  } finally {
    moved.forEach((r, i) => (r.lastIndex = at[i]!));
  }
}

/**
 * `{% call o.m(args) %}` / `{% call f(args) %}`: the callee under the policy of `o.m(args)` and
 * `f(args)` (runtime/sandbox.ts sbCallWithCaller says why). `what`: Nunjucks' name for the callee in errors.
 */
export function sbCallWithCaller(env: Env, R: R, obj: unknown, name: string | null, _strict: boolean, f: unknown, args: unknown[], caller: CallerFn, _sync?: unknown, what?: string): unknown {
  const run = runOf(env, R);
  // (every check of the direct call: `{% call s.replace(re, x) %}` moved a host RegExp's
  // lastIndex, `{% call range(n) %}` skipped maxRange; red team, fourteenth pass)
  if (name !== null) {
    attrChecks(run, obj, name, args);
    f = memberOf(obj, name);
  } else if (f === range) rangeChecks(run, args);
  if (typeof f === 'function') run.sb.checkCall(f);
  for (const a of args) if (typeof a === 'function') run.sb.checkCall(a);
  const go = () => run.run(() => callWithCaller(f, args.map((a) => run.feed(a)), caller, what));
  const r = name !== null && (typeof obj === 'string' || obj instanceof Markup) ? keepLastIndex(args, go) : go();
  if (Array.isArray(r)) run.tick(r.length);
  return r;
}

/** `f(args)`: allowCalling, Nunjucks' `range()` within maxRange before it builds its array. */
export function sbCallValue(env: Env, R: R, f: unknown, args: unknown[]): unknown {
  const run = runOf(env, R);
  if (f === range) rangeChecks(run, args);
  return call(run, f, args, 'value');
}

/** Nunjucks' `range(args)` within maxRange, refused before it builds its array. */
function rangeChecks(run: Run, args: unknown[]): void {
  const [a, b, s] = args.map((v) => Number(v !== null && typeof v === 'object' ? toPrim(v, 'number') : v)); // (toPrim: an async conversion observed)
  const [start, stop, step] = args.length < 2 ? [0, a!, 1] : [a!, b!, s || 1];
  const n = Math.max(0, Math.ceil((stop - start) / step));
  const max = run.sb.policy.maxRange;
  if (max !== null && !(n <= max))
    throw new PolicyError(`range() size ${Number.isNaN(n) ? 'NaN' : n} exceeds sandbox limit of ${max}`, {
      suggestion: 'Reduce the range size, or raise the policy maxRange',
    }, 'K-SEC-003');
}

/** A call for the template: callables it hands over obey allowCalling (the callee may call them); work is counted, results bounded. */
function call(run: Run, f: unknown, args: unknown[], name: string): unknown {
  if (typeof f === 'function') run.sb.checkCall(f);
  for (const a of args) noKidaObject(a); // (handed to a host function, which may render it)
  for (const a of args) {
    if (typeof a === 'function') run.sb.checkCall(a);
    else if (a instanceof Kwargs) for (const k of Object.keys(a.kw)) if (typeof a.kw[k] === 'function') run.sb.checkCall(a.kw[k]);
  }
  const r = run.run(() => njkCallValue(f, args.map((a) => run.feed(a)), name));
  noKidaObject(r); // (a host function's Template: refused where it enters)
  if (Array.isArray(r)) run.tick(r.length);
  // (an iterator, `s.matchAll(p)`, `a.entries()`: each item counts as it is read — a `for` copies it first)
  else if (r && typeof r === 'object' && typeof (r as Iterator<unknown>).next === 'function' && Symbol.iterator in r) return run.feed(r);
  return r;
}

/** Where Nunjucks' filters take attribute names (dotted for groupby and sort), as positions in [value, ...args]. */
const PATH_ARGS: Record<string, number> = { selectattr: 1, rejectattr: 1, groupby: 1, sort: 3, sum: 1, join: 2 };

/**
 * A Nunjucks built-in filter or test (`name`: the filter's, or `is <test>`): attribute
 * arguments obey the policy, callables passed obey allowCalling, then runtime/sandbox.ts sbF
 * counts the items it walks and bounds what it builds. `dump` leaves out the keys the policy hides.
 */
export function sbNjF(env: Env, R: R, name: string, f: Function, args: unknown[]): unknown {
  const sb = env.sandbox!;
  const at = PATH_ARGS[name];
  const path = at === undefined ? undefined : args[at];
  if (typeof path === 'string' || path instanceof Markup || typeof path === 'number')
    for (const part of String(path).split('.')) if (part && !/^-?\d+$/.test(part)) check(sb, part, false, undefined, false);
  for (const a of args) if (typeof a === 'function') sb.checkCall(a);
  for (const a of args) noKidaObject(a); // (`tpl | dictsort` gave its render methods as values)
  for (const x of Array.isArray(args[0]) && at !== undefined ? args[0] : []) noKidaObject(x); // (an attribute path reads from each item)
  // (a filter that writes its input or arguments as text: a container's text is bounded first)
  if (!NO_TEXT.has(name.split(' ')[0]!)) for (const a of args) textBound(sb.cap, a instanceof Kwargs ? a.kw : a, true, +(name !== 'join'));
  if (name === 'dump') f = (obj: unknown, spaces: unknown) => dumpHidden(sb, obj, spaces);
  if (name === '__dumpsafe') f = (obj: unknown, spaces: unknown) => nf___dumpsafe(obj, spaces, (o, s) => dumpHidden(sb, o, s));
  if (typeof args[0] === 'string') callCost(runOf(env, R), name, args[0]); // (what one call on a long string costs: runtime/sandbox.ts)
  return keepLastIndex(args, () => sbF(env, R, null, f, undefined, args));
}

/** `dump` in the sandbox: JSON of what the template may read (keys the policy refuses are left out). */
function dumpHidden(sb: Sandbox, obj: unknown, spaces: unknown): string {
  const p = sb.policy;
  return JSON.stringify(
    obj,
    function (this: unknown, k: string, v: unknown) {
      if (k && !Array.isArray(this)) {
        const item = isDict(this);
        if (k.startsWith('_') || p.blockedAttributes.includes(k) || (p.allowedAttributes && !item && !p.allowedAttributes.includes(k))) return undefined;
      }
      return v instanceof Markup ? { val: v.value, length: v.value.length } : v;
    },
    spaces as number,
  );
}
