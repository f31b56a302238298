// Built-in globals (language.md §4.5): the Python builtins a default Environment exposes,
// the gettext defaults `_`/`_n`, `consume`, and the HTMX/security helpers.
//
// Calling convention: positional arguments, plus a trailing `Kwargs` instance when the
// template passed keyword arguments (`dict(a=1)` → `dict(new Kwargs({ a: 1 }))`). Python
// call semantics are emulated, including the TypeErrors for bad arguments. `map`, `filter`,
// `zip`, `enumerate` and `reversed` return lazy one-shot iterators (`PyIterator`) that render
// as `<map object at 0x…>`. `round`, `any`, `all`, `isinstance`, `namespace`, `cycler`,
// `joiner` and `lipsum` are deliberately absent (the reference does not have them).

import { Markup } from './markup.js';
import { EqIndex } from './eqindex.js';
import { getRenderMeta } from './meta.js';
import { PyError } from './errors.js';
import { ACTIVE, MAX_ITEMS, listOf, room } from './limits.js';
import {
  Kwargs, PyFloat, Range, Tuple, add, callNow, callValue, dictItems, eq, gt, isDict, isFloat, isString, iter, len, lt, num, pyStr, setKey, toFloat,
  toInt, truthy, tuple, typeName,
} from './values.js';

const typeErr = (msg: string) => new PyError('TypeError', msg);

/**
 * Splits a trailing Kwargs off and rejects keyword names the builtin does not accept
 * (`accepted === null`: any keyword) and surplus positional arguments.
 */
function parse(name: string, args: unknown[], accepted: readonly string[] | null = [], maxPos = Infinity): [unknown[], Record<string, unknown>] {
  let pos = args;
  let kw: Record<string, unknown> = {};
  const last = args[args.length - 1];
  if (last instanceof Kwargs) {
    pos = args.slice(0, -1);
    kw = last.kw;
    if (accepted !== null) {
      for (const k of Object.keys(kw)) {
        if (!accepted.includes(k)) {
          throw typeErr(accepted.length ? `${name}() got an unexpected keyword argument '${k}'` : `${name}() takes no keyword arguments`);
        }
      }
    }
  }
  if (pos.length > maxPos) {
    if (maxPos === 0) throw typeErr(`${name}() takes 0 positional arguments but ${pos.length} ${pos.length === 1 ? 'was' : 'were'} given`);
    throw typeErr(`${name} expected at most ${maxPos} argument${maxPos === 1 ? '' : 's'}, got ${pos.length}`);
  }
  return [pos, kw];
}
const has = (kw: Record<string, unknown>, k: string) => Object.hasOwn(kw, k);

/** Python `iter()`: unlike the lenient `iter` of values.ts, None is not iterable. */
function pyIter(v: unknown): Iterable<unknown> {
  if (v === null || v === undefined) throw typeErr("'NoneType' object is not iterable");
  return iter(v);
}
const toArray = (v: unknown): unknown[] => (v instanceof Range && room(v.length, MAX_ITEMS), listOf(pyIter(v)));

/** Python `operator.index()`: ints and bools only. */
function toIndex(v: unknown): number {
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'bigint') return Number(v);
  throw typeErr(`'${typeName(v)}' object cannot be interpreted as an integer`);
}

function unhashable(v: unknown, seen?: Set<unknown>): boolean {
  // (a tuple's items walked once each, `t = (t, t)` in a loop was 2^40 steps; sandboxed, each is a
  // loop iteration, as eq's walk. s9)
  if ((Array.isArray(v) && !(v instanceof Tuple)) || isDict(v) || v instanceof Set) return true;
  if (!Array.isArray(v) || seen?.has(v)) return false;
  ACTIVE?.tick(1);
  (seen ??= new Set()).add(v);
  return v.some((x) => unhashable(x, seen));
}
function checkHashable(v: unknown): void {
  if (unhashable(v)) throw typeErr(`unhashable type: '${typeName(v)}'`);
}

// ------------------------------------------------------------------ lazy iterators

let nextAddr = 0x7f0a3c000000;

/** A lazy, one-shot Python iterator (map, filter, zip, enumerate, reversed objects). */
export class PyIterator implements IterableIterator<unknown> {
  readonly kind: string;
  private readonly addr: string;
  private readonly it: Iterator<unknown>;
  constructor(kind: string, it: Iterator<unknown>) {
    this.kind = kind;
    this.it = it;
    this.addr = (nextAddr += 0x40).toString(16);
  }
  next(): IteratorResult<unknown> {
    return this.it.next();
  }
  [Symbol.iterator](): this {
    return this;
  }
  toString(): string {
    return `<${this.kind} object at 0x${this.addr}>`;
  }
}
// One subclass per Python type so that typeName() reports `map`, `zip`, ...
const iterClasses = new Map<string, typeof PyIterator>();
function makeIter(kind: string, it: Iterator<unknown>): PyIterator {
  let cls = iterClasses.get(kind);
  if (!cls) {
    cls = class extends PyIterator {};
    Object.defineProperty(cls, 'name', { value: kind });
    iterClasses.set(kind, cls);
  }
  return new cls(kind, it);
}

// ------------------------------------------------------------------ render-context metadata

export { withRenderMeta, getRenderMeta, htmxGlobalNames } from './meta.js';

/** Python `html.escape(s, quote=True)`. */
function htmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#x27;');
}

// ------------------------------------------------------------------ builtins

function pyRange(...args: unknown[]): Range {
  const [a] = parse('range', args);
  if (a.length === 0) throw typeErr('range expected at least 1 argument, got 0');
  if (a.length > 3) throw typeErr(`range expected at most 3 arguments, got ${a.length}`);
  const ints = a.map(toIndex);
  if (ints.length === 1) return new Range(0, ints[0]!, 1);
  const step = ints[2] ?? 1;
  if (step === 0) throw new PyError('ValueError', 'range() arg 3 must not be zero');
  return new Range(ints[0]!, ints[1]!, step);
}

/** Python `dict(...)`: a plain object when every key is a string, otherwise a Map. */
function pyDict(...args: unknown[]): Record<string, unknown> | Map<unknown, unknown> {
  const [a, kw] = parse('dict', args, null, 1);
  const entries: [unknown, unknown][] = [];
  const src = a[0];
  if (src !== undefined) {
    if (isDict(src)) {
      for (const [k, v] of dictItems(src)) entries.push([k, v]);
    } else {
      if (src === null) throw typeErr("'NoneType' object is not iterable");
      let i = 0;
      for (const el of pyIter(src)) {
        if (el === null || el === undefined || typeof el !== 'object' && typeof el !== 'string') {
          throw typeErr(`cannot convert dictionary update sequence element #${i} to a sequence`);
        }
        const pair = toArray(el);
        if (pair.length !== 2) throw new PyError('ValueError', `dictionary update sequence element #${i} has length ${pair.length}; 2 is required`);
        checkHashable(pair[0]);
        entries.push([pair[0], pair[1]]);
        i++;
      }
    }
  }
  for (const k of Object.keys(kw)) entries.push([k, kw[k]]);
  if (entries.every(([k]) => typeof k === 'string')) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of entries) setKey(out, k as string, v); // (`__proto__` is a normal key)
    return out;
  }
  const m = new Map<unknown, unknown>();
  const keys = new EqIndex();
  for (const [k, v] of entries) {
    let key = k instanceof Markup ? k.value : k;
    // Python keeps the first key object (1 and 1.0 and True are one key)
    const hit = keys.find(key, (x) => x !== key && eq(x, key));
    if (hit.length) key = hit[0];
    if (!m.has(key)) keys.add(key);
    m.set(key, v);
  }
  return m;
}

/** Python `set(...)`: deduplicated by Python equality (1 == 1.0 == True). */
function pySet(...args: unknown[]): Set<unknown> {
  const [a] = parse('set', args, [], 1);
  const out = new Set<unknown>();
  if (a.length === 0) return out;
  const others = new EqIndex(); // the elements that are not strings
  for (let x of pyIter(a[0])) {
    checkHashable(x);
    if (x instanceof Markup) x = x.value;
    if (out.has(x)) continue;
    if (typeof x !== 'string') {
      if (others.has(x)) continue;
      others.add(x);
    }
    out.add(x);
  }
  return out;
}

function pyAbs(...args: unknown[]): unknown {
  const [a] = parse('abs', args);
  if (a.length !== 1) throw typeErr(`abs() takes exactly one argument (${a.length} given)`);
  const v = a[0];
  if (typeof v === 'number') return Math.abs(v);
  if (typeof v === 'bigint') return v < 0n ? -v : v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (v instanceof PyFloat) return new PyFloat(Math.abs(v.v));
  throw typeErr(`bad operand type for abs(): '${typeName(v)}'`);
}

/** A key function's result: the sandbox charges what comparing it will read (it was not seen before the call). s18 */
const keyed = (k: unknown): unknown => (ACTIVE?.key?.(k), k);
function minMax(name: 'min' | 'max', args: unknown[]): unknown {
  const [a, kw] = parse(name, args, ['key', 'default']);
  if (a.length === 0) throw typeErr(`${name} expected at least 1 argument, got 0`);
  if (a.length > 1 && has(kw, 'default')) throw typeErr(`Cannot specify a default for ${name}() with multiple positional arguments`);
  const items = a.length === 1 ? toArray(a[0]) : a;
  if (items.length === 0) {
    if (has(kw, 'default')) return kw.default;
    throw new PyError('ValueError', `${name}() iterable argument is empty`);
  }
  const keyf = kw.key;
  const key = keyf === undefined || keyf === null ? (x: unknown) => x : (x: unknown) => keyed(callNow(keyf, [x], `${name}() key`));
  const better = name === 'min' ? lt : gt;
  let best = items[0];
  let bestKey = key(best);
  for (let i = 1; i < items.length; i++) {
    const k = key(items[i]);
    if (better(k, bestKey)) {
      best = items[i];
      bestKey = k;
    }
  }
  return best;
}

const isNumeric = (v: unknown) => typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean' || v instanceof PyFloat;
const isFloatValue = (v: unknown) => v instanceof PyFloat || (typeof v === 'number' && isFloat(v));

/** Python `+` without Kida's string-concatenation extension (what `sum()` uses). */
function strictAdd(a: unknown, b: unknown): unknown {
  if (isNumeric(a) && isNumeric(b)) return add(a, b);
  if (Array.isArray(a) && Array.isArray(b) && a instanceof Tuple === b instanceof Tuple) return add(a, b);
  if (isString(a) && isString(b)) return add(a, b);
  if (Array.isArray(a) && Array.isArray(b)) throw typeErr(`can only concatenate ${typeName(a)} (not "${typeName(b)}") to ${typeName(a)}`);
  if (isString(a) && !isString(b)) throw typeErr(`can only concatenate str (not "${typeName(b)}") to str`);
  throw typeErr(`unsupported operand type(s) for +: '${typeName(a)}' and '${typeName(b)}'`);
}

/** Python `sum(iterable, start=0)`, with CPython's compensated (Neumaier) float summation. */
function pySum(...args: unknown[]): unknown {
  const [a, kw] = parse('sum', args, ['start'], 2);
  if (a.length === 0) throw typeErr('sum() takes at least 1 positional argument (0 given)');
  if (a.length > 1 && has(kw, 'start')) throw typeErr("argument for sum() given by name ('start') and position (2)");
  const start = a.length > 1 ? a[1] : has(kw, 'start') ? kw.start : 0;
  if (isString(start)) throw typeErr("sum() can't sum strings [use ''.join(seq) instead]");
  const it = pyIter(a[0])[Symbol.iterator]();
  let total: unknown = start;
  // Integer phase: exact int arithmetic while everything is an int.
  let step = it.next();
  while (!step.done && isNumeric(total) && !isFloatValue(total) && isNumeric(step.value) && !isFloatValue(step.value)) {
    total = add(total, step.value);
    step = it.next();
  }
  // Float phase: compensated summation while everything is an int or a float.
  if (!step.done && isNumeric(total) && isNumeric(step.value)) {
    let f = num(total);
    let c = 0;
    while (!step.done && isNumeric(step.value)) {
      const x = num(step.value);
      const t = f + x;
      if (Math.abs(f) >= Math.abs(x)) c += f - t + x;
      else c += x - t + f;
      f = t;
      step = it.next();
    }
    if (c !== 0 && Number.isFinite(c)) f += c;
    total = Number.isInteger(f) ? new PyFloat(f) : f;
  }
  // Generic phase (a list it made takes further lists in place: a copy per item is quadratic).
  let own = false;
  while (!step.done) {
    const y = step.value;
    if (own && Array.isArray(y) && y instanceof Tuple === total instanceof Tuple) for (const e of y) (total as unknown[]).push(e);
    else {
      total = strictAdd(total, y);
      own = Array.isArray(total);
    }
    step = it.next();
  }
  return total;
}

function pySorted(...args: unknown[]): unknown[] {
  const [a, kw] = parse('sorted', args, ['key', 'reverse']);
  if (a.length !== 1) throw typeErr(`sorted expected 1 argument, got ${a.length}`);
  const items = toArray(a[0]);
  const keyf = kw.key;
  const keys = keyf === undefined || keyf === null ? items : items.map((x) => keyed(callNow(keyf, [x], 'sorted() key')));
  const reverse = truthy(kw.reverse);
  const order = items.map((_, i) => i);
  // Python's sort uses only `<`; reverse=True keeps equal elements in their original order.
  order.sort((i, j) => {
    const x = keys[i];
    const y = keys[j];
    if (reverse) return lt(y, x) ? -1 : lt(x, y) ? 1 : 0;
    return lt(x, y) ? -1 : lt(y, x) ? 1 : 0;
  });
  return order.map((i) => items[i]);
}

function pyReversed(...args: unknown[]): PyIterator {
  const [a] = parse('reversed', args);
  if (a.length !== 1) throw typeErr(`reversed expected 1 argument, got ${a.length}`);
  const v = a[0];
  let kind: string;
  let items: unknown[];
  if (Array.isArray(v)) {
    kind = v instanceof Tuple ? 'reversed' : 'list_reverseiterator';
    items = listOf(v);
  } else if (typeof v === 'string' || v instanceof Markup) {
    kind = 'reversed';
    items = [...String(v)];
  } else if (v instanceof Range) {
    kind = 'range_iterator';
    items = [...v];
  } else if (isDict(v)) {
    kind = 'dict_reversekeyiterator';
    items = listOf(iter(v));
  } else {
    throw typeErr(`'${typeName(v)}' object is not reversible`);
  }
  return makeIter(kind, (function* () {
    for (let i = items.length - 1; i >= 0; i--) yield items[i];
  })());
}

function pyEnumerate(...args: unknown[]): PyIterator {
  const [a, kw] = parse('enumerate', args, ['iterable', 'start'], 2);
  const src = a.length ? a[0] : has(kw, 'iterable') ? kw.iterable : (() => {
    throw typeErr("enumerate() missing required argument 'iterable'");
  })();
  const startArg = a.length > 1 ? a[1] : has(kw, 'start') ? kw.start : 0;
  const start = toIndex(startArg);
  const it = pyIter(src)[Symbol.iterator]();
  return makeIter('enumerate', (function* () {
    let i = start;
    for (let s = it.next(); !s.done; s = it.next()) yield tuple([i++, s.value]);
  })());
}

function pyZip(...args: unknown[]): PyIterator {
  const [a, kw] = parse('zip', args, ['strict']);
  const strict = truthy(kw.strict);
  const its = a.map((x) => pyIter(x)[Symbol.iterator]());
  return makeIter('zip', (function* () {
    if (!its.length) return;
    for (;;) {
      const row: unknown[] = [];
      for (let i = 0; i < its.length; i++) {
        const s = its[i]!.next();
        if (s.done) {
          if (strict) {
            if (i > 0) throw new PyError('ValueError', `zip() argument ${i + 1} is shorter than argument${i > 1 ? `s 1-${i}` : ' 1'}`);
            for (let j = 1; j < its.length; j++) {
              if (!its[j]!.next().done) throw new PyError('ValueError', `zip() argument ${j + 1} is longer than argument${j > 1 ? `s 1-${j}` : ' 1'}`);
            }
          }
          return;
        }
        row.push(s.value);
      }
      yield tuple(row);
    }
  })());
}

function pyMap(...args: unknown[]): PyIterator {
  const [a] = parse('map', args);
  if (a.length < 2) throw typeErr('map() must have at least two arguments.');
  const f = a[0];
  const its = a.slice(1).map((x) => pyIter(x)[Symbol.iterator]());
  return makeIter('map', (function* () {
    for (;;) {
      const row: unknown[] = [];
      for (const it of its) {
        const s = it.next();
        if (s.done) return;
        row.push(s.value);
      }
      yield callValue(f, row);
    }
  })());
}

function pyFilter(...args: unknown[]): PyIterator {
  const [a] = parse('filter', args);
  if (a.length !== 2) throw typeErr(`filter expected 2 arguments, got ${a.length}`);
  const f = a[0];
  const it = pyIter(a[1])[Symbol.iterator]();
  return makeIter('filter', (function* () {
    for (let s = it.next(); !s.done; s = it.next()) {
      if (truthy(f === null || f === undefined ? s.value : callNow(f, [s.value], 'filter()'))) yield s.value;
    }
  })());
}

function one(name: string, args: unknown[], accepted: readonly string[] = []): [unknown[], Record<string, unknown>] {
  return parse(name, args, accepted, 1);
}

/** Gives a builtin its Python name, so it renders as `<function len>` (also once minified). */
function named<F extends Function>(name: string, f: F): F {
  return Object.defineProperty(f, 'name', { value: name });
}

// One export per builtin (`g_range`; `_` and `_n` are `g__` and `g__n`): a compiled module
// imports the builtins it names and registers them with its linkage (runtime/linkage.ts
// `useGlobals`), so a bundle keeps only those. `builtinGlobals` (every name) is the
// Environment's table.
export const g_range = /*#__PURE__*/ named('range', pyRange);
export const g_dict = /*#__PURE__*/ named('dict', pyDict);
export const g_list = /*#__PURE__*/ named('list', (...args: unknown[]) => {
  const [a] = one('list', args);
  return a.length ? toArray(a[0]) : [];
});
export const g_set = /*#__PURE__*/ named('set', pySet);
export const g_tuple = /*#__PURE__*/ named('tuple', (...args: unknown[]) => {
  const [a] = one('tuple', args);
  return a.length ? (a[0] instanceof Tuple ? a[0] : tuple(toArray(a[0]))) : tuple([]);
});
export const g_len = /*#__PURE__*/ named('len', (...args: unknown[]) => {
  const [a] = parse('len', args);
  if (a.length !== 1) throw typeErr(`len() takes exactly one argument (${a.length} given)`);
  if (a[0] instanceof PyIterator) throw typeErr(`object of type '${a[0].kind}' has no len()`);
  return len(a[0]);
});
export const g_str = /*#__PURE__*/ named('str', (...args: unknown[]) => {
  const [a, kw] = parse('str', args, ['object', 'encoding', 'errors'], 3);
  const v = a.length ? a[0] : has(kw, 'object') ? kw.object : '';
  return v instanceof Markup ? v.value : pyStr(v);
});
export const g_int = /*#__PURE__*/ named('int', (...args: unknown[]) => {
  const [a, kw] = parse('int', args, ['base'], 2);
  const base = a.length > 1 ? a[1] : kw.base;
  if (!a.length) {
    if (base !== undefined) throw typeErr("int() missing string argument");
    return 0;
  }
  if (base !== undefined && base !== null && !isString(a[0])) throw typeErr("int() can't convert non-string with explicit base");
  return toInt(a[0], base ?? undefined);
});
export const g_float = /*#__PURE__*/ named('float', (...args: unknown[]) => {
  const [a] = one('float', args);
  return toFloat(a.length ? a[0] : 0);
});
export const g_bool = /*#__PURE__*/ named('bool', (...args: unknown[]) => {
  const [a] = one('bool', args);
  return a.length ? truthy(a[0]) : false;
});
export const g_abs = /*#__PURE__*/ named('abs', pyAbs);
export const g_min = /*#__PURE__*/ named('min', (...args: unknown[]) => minMax('min', args));
export const g_max = /*#__PURE__*/ named('max', (...args: unknown[]) => minMax('max', args));
export const g_sum = /*#__PURE__*/ named('sum', pySum);
export const g_sorted = /*#__PURE__*/ named('sorted', pySorted);
export const g_reversed = /*#__PURE__*/ named('reversed', pyReversed);
export const g_enumerate = /*#__PURE__*/ named('enumerate', pyEnumerate);
export const g_zip = /*#__PURE__*/ named('zip', pyZip);
export const g_map = /*#__PURE__*/ named('map', pyMap);
export const g_filter = /*#__PURE__*/ named('filter', pyFilter);
// The compiler turns direct `consume(...)` calls into a lookup of the {% provide %} stack;
// this value only serves other uses of the name (no provider is reachable from here).
export const g_consume = /*#__PURE__*/ named('consume', (...args: unknown[]) => {
  const [a, kw] = parse('consume', args, ['key', 'default'], 2);
  return a.length > 1 ? a[1] : has(kw, 'default') ? kw.default : null;
});
// gettext defaults (replaced by Environment translation hooks).
export const g__ = /*#__PURE__*/ named('_', (...args: unknown[]) => {
  const [a] = parse('_', args, [], 1);
  if (a.length !== 1) throw typeErr(`_() takes 1 positional argument but ${a.length} were given`);
  return a[0];
});
export const g__n = /*#__PURE__*/ named('_n', (...args: unknown[]) => {
  const [a] = parse('_n', args, [], 3);
  if (a.length !== 3) throw typeErr(`_n() missing ${3 - a.length} required positional argument(s)`);
  return eq(a[2], 1) ? a[0] : a[1];
});
export const g_hx_request = /*#__PURE__*/ named('hx_request', (...args: unknown[]) => {
  parse('hx_request', args, [], 0);
  return getRenderMeta('hx_request', false);
});
export const g_hx_target = /*#__PURE__*/ named('hx_target', (...args: unknown[]) => {
  parse('hx_target', args, [], 0);
  return getRenderMeta('hx_target', null);
});
export const g_hx_trigger = /*#__PURE__*/ named('hx_trigger', (...args: unknown[]) => {
  parse('hx_trigger', args, [], 0);
  return getRenderMeta('hx_trigger', null);
});
export const g_hx_boosted = /*#__PURE__*/ named('hx_boosted', (...args: unknown[]) => {
  parse('hx_boosted', args, [], 0);
  return getRenderMeta('hx_boosted', false);
});
export const g_csrf_token = /*#__PURE__*/ named('csrf_token', (...args: unknown[]) => {
  parse('csrf_token', args, [], 0);
  const token = getRenderMeta('csrf_token', '');
  if (!truthy(token)) return new Markup('');
  return new Markup(`<input type="hidden" name="csrf_token" value="${htmlEscape(pyStr(token))}">`);
});
export const g_csp_nonce = /*#__PURE__*/ named('csp_nonce', (...args: unknown[]) => {
  parse('csp_nonce', args, [], 0);
  const nonce = getRenderMeta('csp_nonce', '');
  return truthy(nonce) ? pyStr(nonce) : '';
});

export const builtinGlobals: Record<string, unknown> = {
  range: g_range,
  dict: g_dict,
  list: g_list,
  set: g_set,
  tuple: g_tuple,
  len: g_len,
  str: g_str,
  int: g_int,
  float: g_float,
  bool: g_bool,
  abs: g_abs,
  min: g_min,
  max: g_max,
  sum: g_sum,
  sorted: g_sorted,
  reversed: g_reversed,
  enumerate: g_enumerate,
  zip: g_zip,
  map: g_map,
  filter: g_filter,
  consume: g_consume,
  _: g__,
  _n: g__n,
  hx_request: g_hx_request,
  hx_target: g_hx_target,
  hx_trigger: g_hx_trigger,
  hx_boosted: g_hx_boosted,
  csrf_token: g_csrf_token,
  csp_nonce: g_csp_nonce,
};
