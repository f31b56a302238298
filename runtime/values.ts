// The Python value model that Kida templates observe (decisions.md §1), over plain
// JavaScript values: None = null/undefined, dict = plain object or Map, list = array,
// tuple = Tuple, set = Set, integral float = PyFloat, str = string or Markup.

import { Markup, Marked, escapeString, isSafe } from './markup.js';
import { NoneComparisonError, PyError, SecurityError, TemplateRuntimeError, UndefinedError , didYouMean, keyError, zeroDivisionError } from './errors.js';
import { ACTIVE, MAX_CHARS, MAX_DIGITS, MAX_ITEMS, listOf, room } from './limits.js';
import { cmpStr, cpCount, cpHead, cpOffsets, cpSlice, findUnits, halfEdged, padCp } from './codepoints.js';
import { Pieces } from './pieces.js';

/** An integral float produced where the compiler knows the value is a float (4/2, 5|round, 1.0). Renders "2.0". */
export class PyFloat {
  constructor(readonly v: number) {}
  valueOf(): number {
    return this.v;
  }
  toString(): string {
    return floatRepr(this.v);
  }
}
/** `%c` and `{:c}`: a code point, or Python's OverflowError (not a bare RangeError). */
function codeChar(n: number): string {
  if (!Number.isInteger(n)) throw new PyError('TypeError', `%c requires an int or a unicode character, not ${typeName(n)}`);
  if (!(n >= 0 && n < 0x110000)) throw new PyError('OverflowError', '%c arg not in range(0x110000)');
  return String.fromCodePoint(n);
}
/** Python tuple: an array that renders as `(1, 2)` and is never equal to a list. */
export class Tuple<T = unknown> extends Array<T> {
  static override get [Symbol.species]() {
    return Array;
  }
}
/** Python range object: iterable, sized, indexable, renders `range(1, 4)`. */
/** Equal ranges are the same sequence: its length, and the first item and step where they count (O(1), as Python's). */
const rangeSig = (v: Range): string => `\0R${v.length}:${v.length ? v.start : ''}:${v.length > 1 ? v.step : ''}`;
export class Range {
  constructor(
    readonly start: number,
    readonly stop: number,
    readonly step: number,
  ) {}
  get length(): number {
    const n = this.step > 0 ? Math.ceil((this.stop - this.start) / this.step) : Math.ceil((this.start - this.stop) / -this.step);
    return Math.max(0, n);
  }
  *[Symbol.iterator](): Iterator<number> {
    if (this.step > 0) for (let i = this.start; i < this.stop; i += this.step) yield i;
    else for (let i = this.start; i > this.stop; i += this.step) yield i;
  }
  at(i: number): number {
    return this.start + i * this.step;
  }
  // Python protocols that truthy() and typeName() ask of any object, so the common value
  // dispatch needs no reference to this class and bundles that never call range() drop it.
  __len__(): number {
    return this.length;
  }
  get [Symbol.toStringTag](): string {
    return 'range';
  }
  toString(): string {
    return this.step === 1 ? `range(${this.start}, ${this.stop})` : `range(${this.start}, ${this.stop}, ${this.step})`;
  }
}
/** Keyword arguments passed as the last argument to any callable invoked from a template. */
export class Kwargs {
  constructor(readonly kw: Record<string, unknown>) {}
}
/** The lenient-undefined sentinel (strictUndefined: false): renders "", falsy, empty, equal only to itself. */
export class Undefined {
  toString(): string {
    return '';
  }
}
export const UNDEF: Undefined = new Undefined();

// ------------------------------------------------------------------ type predicates

export function tuple<T>(items: T[]): Tuple<T> {
  const t = new Tuple<T>();
  // (indexed stores, not push: push through the subclass's species lookup cost ~10x, 4 µs a key in dictsort)
  for (let i = 0; i < items.length; i++) t[i] = items[i]!;
  return t;
}
export const isNone = (v: unknown): v is null | undefined => v === null || v === undefined;
export function isDict(v: unknown): v is Record<string, unknown> | Map<unknown, unknown> {
  if (v instanceof Map) return true;
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const p = Object.getPrototypeOf(v);
  return p === Object.prototype || p === null;
}
export const isList = (v: unknown): v is unknown[] => Array.isArray(v);
export const isString = (v: unknown): v is string | Markup => typeof v === 'string' || v instanceof Markup;
export const isNumber = (v: unknown): boolean => typeof v === 'number' || typeof v === 'bigint' || v instanceof PyFloat;
export const isFloat = (v: unknown): boolean => v instanceof PyFloat || (typeof v === 'number' && !Number.isInteger(v));
export const isInt = (v: unknown): boolean => typeof v === 'bigint' || (typeof v === 'number' && Number.isInteger(v));
/** Numeric value of a number-like (bool → 0/1, PyFloat unwrapped). */
export function num(v: unknown): number {
  if (typeof v === 'number') return v;
  if (v instanceof PyFloat) return v.v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'bigint') return Number(v);
  return NaN;
}
const isNumeric = (v: unknown) => typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint' || v instanceof PyFloat;

export function typeName(v: unknown): string {
  if (v === null || v === undefined) return 'NoneType';
  if (v === UNDEF) return 'Undefined';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'bigint') return 'int';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  if (v instanceof PyFloat) return 'float';
  if (typeof v === 'string') return 'str';
  if (v instanceof Markup) return (v as { [Symbol.toStringTag]?: string })[Symbol.toStringTag] ?? 'Markup'; // Marked says so
  if (v instanceof Tuple) return 'tuple';
  if (Array.isArray(v)) return 'list';
  if (v instanceof Set) return 'set';
  if (isDict(v)) return 'dict';
  if (typeof v === 'function') return 'function';
  // (a class may name its type with Symbol.toStringTag, as Range does: 'range')
  return (v as { [Symbol.toStringTag]?: string })[Symbol.toStringTag] ?? (v as object).constructor?.name ?? 'object';
}

// ------------------------------------------------------------------ str() and repr()

export function floatRepr(n: number): string {
  if (!Number.isFinite(n)) return n > 0 ? 'inf' : n < 0 ? '-inf' : 'nan';
  if (Object.is(n, -0)) return '-0.0';
  const abs = Math.abs(n);
  if (abs !== 0 && (abs >= 1e16 || abs < 1e-4)) {
    // Python switches to exponent notation: 1e+16, 1e-05, 1.5e-07
    const [m, e] = n.toExponential().split('e');
    const exp = Number(e);
    return `${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  const s = String(n);
  return Number.isInteger(n) ? s + '.0' : s;
}

function strRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  // (one replace, not a string built a character at a time: a million characters cost seconds of GC that way)
  return quote + s.replace(quote === "'" ? /[\\'\x00-\x1f\x7f]/g : /[\\"\x00-\x1f\x7f]/g, reprEscape) + quote;
}
const reprEscape = (ch: string): string =>
  ch === '\n' ? '\\n' : ch === '\r' ? '\\r' : ch === '\t' ? '\\t' : ch < ' ' || ch === '\x7f' ? '\\x' + ch.charCodeAt(0).toString(16).padStart(2, '0') : '\\' + ch;

export function pyRepr(v: unknown): string {
  if (typeof v === 'string') return strRepr(v);
  if (v instanceof Markup) return `${typeName(v)}(${strRepr(v.value)})`; // like markupsafe: the class name
  return pyStrInner(v, true);
}

export function pyStr(v: unknown): string {
  return pyStrInner(v, false);
}

/**
 * Writes the repr of `v` to `out`, containers part by part: joining each level's text would copy
 * the whole subtree at every level (quadratic in the nesting depth).
 */
function reprTo(v: unknown, out: string[]): void {
  const list = Array.isArray(v);
  // (each value counts 16 besides its text: a repr of shared parts, `[x, x]` doubled in a loop,
  // fails once it passes MAX_CHARS (2^28; so at most MAX_ITEMS parts) with V8's own RangeError
  // "Invalid string length", asked of V8 by a string it cannot make, where V8 aborted the process
  // growing `out`. Not room()'s K-SEC-003, nor a RangeError written out: the serverless bundles
  // had no bytes for them (Rollup 41 B, Vite 39 B left; this costs 18 and 38). s9)
  if ((reprN += 16) > 2 ** 28) ''.padEnd(2 ** 30);
  ACTIVE?.tick(1); // (sandboxed: a value written counts as a loop iteration, as eq's walk does, so an error message's repr is bounded in time too)
  if (!(list || v instanceof Set || v instanceof Map || isDict(v))) return void (reprN += out[out.push(pyRepr(v)) - 1]!.length);
  if (open.has(v)) return void out.push(list ? '[...]' : '{...}');
  if (v instanceof Set && !v.size) return void out.push('set()');
  const t = v instanceof Tuple;
  const dict = !list && !(v instanceof Set);
  open.add(v);
  try {
    out.push(t ? '(' : list ? '[' : '{');
    let i = 0;
    // (dictItems: undefined values are missing keys)
    for (let x of dict ? dictItems(v as Record<string, unknown>) : (v as Iterable<unknown>)) {
      if (i++) out.push(', ');
      if (dict) reprTo((x as Tuple)[0], out), out.push(': '), (x = (x as Tuple)[1]);
      reprTo(x, out);
    }
    out.push(t ? (v.length === 1 ? ',)' : ')') : list ? ']' : '}');
  } finally {
    open.delete(v);
  }
}

function pyStrInner(v: unknown, repr: boolean): string {
  if (v === null || v === undefined) return 'None';
  if (typeof v === 'string') return repr ? strRepr(v) : v;
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') return Number.isInteger(v) && Math.abs(v) < 1e16 ? String(v) : Number.isInteger(v) ? BigInt(v).toString() : floatRepr(v);
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof PyFloat) return floatRepr(v.v);
  if (v instanceof Markup) return v.value;
  if (v === UNDEF) return '';
  if (v instanceof Date) return isNaN(v.getTime()) ? 'Invalid Date' : v.toISOString();
  if (Array.isArray(v) || v instanceof Set || v instanceof Map || isDict(v)) {
    const out: string[] = [];
    reprN = 0;
    reprTo(v, out);
    return out.join('');
  }
  if (typeof v === 'function') return `<function ${(v as { name?: string }).name || 'anonymous'}>`;
  if (typeof v === 'object' && typeof (v as { __html__?: unknown }).__html__ === 'function') return String(observe((v as { __html__(): string }).__html__()));
  // (its toString called here, not through String(): an async toString's promise is observed, and
  // prints as "[object Promise]", where V8 would drop it and throw; a toPrimitive is not used. s7)
  return String(observe(observe(v).toString()));
}


/** The containers whose repr is being written: one met again is a cycle, `[...]` as in Python
 * (else a cycle through a large value would build strings until memory runs out). */
const open = new Set<object>();
/** What the repr being written counts so far (reprTo). */
let reprN = 0;

// ------------------------------------------------------------------ truthiness and equality

export function truthy(v: unknown): boolean {
  if (v === null || v === undefined || v === false || v === 0 || v === '' || v === UNDEF || v === 0n) return false;
  if (v === true || typeof v === 'number' || typeof v === 'string') return true; // NaN is truthy in Python
  if (Array.isArray(v)) return v.length > 0;
  if (v instanceof Markup) return v.value.length > 0;
  if (v instanceof PyFloat) return v.v !== 0;
  // (sandboxed, a dict or Map is empty when every key is one the policy hides: as len() and `for` see it)
  if (v instanceof Set) return v.size > 0;
  if (v instanceof Map) return v.size > 0 && (!ACTIVE || dictKeys(v).length > 0);
  if (isDict(v)) {
    for (const k in v) if (!ACTIVE?.hide(k)) return true;
    return false;
  }
  if (v instanceof Promise) observe(v, true); // (always true, and its result would be dropped)
  // Python's __len__ protocol for other objects (Range has it)
  const len = (v as { __len__?: unknown }).__len__;
  return typeof len === 'function' ? observe(len.call(v)) > 0 : true; // (an async __len__: its promise observed)
}

/**
 * A key that every value `eq` to `v` shares (1, 1.0 and True; 'a' and Markup('a'); equal
 * tuples, sets, dicts, ranges), and unequal values only when they are symbols: a number or a
 * string. A lookup compares with `eq` only the values under its key, so `==` of sets and Maps
 * (tuple keys equal but not identical) and runtime/eqindex.ts are linear (docs/security.md).
 */
export function eqKey(v: any): unknown {
  if (typeof v === 'string' || v instanceof Markup) return String(v);
  if (typeof v === 'boolean') return +v;
  if (v instanceof PyFloat) v = v.v !== v.v ? idOf(v) : v.v; // (a boxed NaN is `eq` to itself only)
  if (typeof v === 'number' || typeof v === 'bigint') {
    const n = Number(v);
    // (NaN equals nothing: a key of its own, so that n NaNs are not one bucket compared n² times)
    if (n !== n) return (nan = true), '\0n' + oid++;
    return Number.isInteger(n) && !Number.isSafeInteger(n) ? '\0b' + BigInt(v) : n;
  }
  if (v == null) return '\0N';
  if (v instanceof Date) return '\0D' + v.getTime();
  if (Array.isArray(v) || v instanceof Set || isDict(v)) {
    // (a container holding a NaN equals only itself, `eq` by identity: keyed by its identity. A
    // container met again in the same key, `t = (t, t)` built in a loop, is keyed once: its key
    // doubles at each level, and V8's string limit ends it at once, where the walk took 2^40 steps. s9)
    const top = !keyMemo;
    const memo = (keyMemo ??= new Map());
    try {
      let m = memo.get(v);
      if (!m) {
        const outer = nan;
        nan = false;
        const k = containerKey(v);
        memo.set(v, (m = [nan ? idOf(v) : k, nan]));
        nan = outer;
      }
      nan ||= m[1];
      return m[0];
    } finally {
      if (top) keyMemo = null;
    }
  }
  if (v instanceof Range) return rangeSig(v);
  if (typeof v !== 'object' && typeof v !== 'function') return '\0x' + String(v);
  return idOf(v); // (other objects are equal only to themselves)
}
/** (parts length-prefixed, so none can imitate a separator; sets and dicts sorted: order-free) */
function containerKey(v: any): string {
  ACTIVE?.tick(1); // (as eq's walk)
  if (v instanceof Set) return '\0S' + sortedParts(v, (x) => keyPart(x));
  if (isDict(v)) return '\0d' + sortedParts(dictKeys(v), (k) => keyPart(k) + keyPart(v instanceof Map ? v.get(k) : v[k]));
  let k = v instanceof Tuple ? '\0(' : '\0[';
  for (const x of v) k += keyPart(x);
  return k;
}
function idOf(v: object): string {
  let id = oids.get(v);
  if (!id) oids.set(v, (id = '\0o' + oid++));
  return id;
}
let oid = 0;
let nan = false;
/** The keys of the containers met in the eqKey call in progress, with whether each holds a NaN. */
let keyMemo: Map<object, [unknown, boolean]> | null = null;
const oids = new WeakMap<object, string>();
const sortedParts = (xs: Iterable<any>, part: (x: any) => string): string => {
  const ps: string[] = [];
  for (const x of xs) ps.push(part(x));
  return ps.sort().join('');
};
const keyPart = (v: unknown): string => {
  const k = eqKey(v);
  return typeof k === 'string' ? k.length + ':' + k : 'n' + k;
};
/** Values by eqKey, each bucket in insertion order. */
export function eqBuckets(xs: Iterable<unknown>, m = new Map<unknown, unknown[]>()): Map<unknown, unknown[]> {
  for (const x of xs) {
    const k = eqKey(x);
    const b = m.get(k);
    b ? b.push(x) : m.set(k, [x]);
  }
  return m;
}
export function eq(a: unknown, b: unknown): boolean {
  if (a === b) return a === a || typeof a !== 'number';
  if (a == null || b == null) return (a == null && b == null) || false;
  if (isNumeric(a) && isNumeric(b)) {
    if (typeof a === 'bigint' || typeof b === 'bigint') {
      const x = typeof a === 'bigint' ? a : num(a);
      const y = typeof b === 'bigint' ? b : num(b);
      if (typeof x === 'number' && !Number.isInteger(x)) return false;
      if (typeof y === 'number' && !Number.isInteger(y)) return false;
      return BigInt(x) === BigInt(y);
    }
    return num(a) === num(b);
  }
  if (isString(a) && isString(b)) return String(a) === String(b);
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a instanceof Tuple !== b instanceof Tuple || a.length !== b.length) return false;
    ACTIVE?.tick(1); // (sandboxed, a walk of shared parts is bounded as a loop: Sandbox.walked. s9)
    for (let i = 0; i < a.length; i++) if (!eq(a[i], b[i])) return false;
    return true;
  }
  if (isDict(a) && isDict(b)) {
    ACTIVE?.tick(1);
    const ka = dictKeys(a);
    const kb = dictKeys(b);
    if (ka.length !== kb.length) return false;
    if (b instanceof Map) {
      // (b's keys bucketed once: a scan of b per key of a would be quadratic on tuple keys)
      const ix = eqBuckets(kb);
      let v: unknown;
      return ka.every((k) => ix.get(eqKey(k))?.some((x) => eq(x, k) && ((v = b.get(x)), true)) && eq(dictGet(a, k), v));
    }
    for (const k of ka) if (!dictHas(b, k) || !eq(dictGet(a, k), dictGet(b, k))) return false;
    return true;
  }
  if (a instanceof Set && b instanceof Set) {
    if (a.size !== b.size) return false;
    ACTIVE?.tick(1);
    const ix = eqBuckets(b);
    for (const x of a) if (!ix.get(eqKey(x))?.some((y) => eq(x, y))) return false;
    return true;
  }
  if (a instanceof Range && b instanceof Range) return rangeSig(a) === rangeSig(b);
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  return false;
}

function orderError(op: string, a: unknown, b: unknown): never {
  if (a == null || b == null) throw new NoneComparisonError(`Cannot compare ${typeName(a)} with ${typeName(b)}`);
  throw new PyError('TypeError', `'${op}' not supported between instances of '${typeName(a)}' and '${typeName(b)}'`);
}

/** Python ordering: -1, 0, 1; raises TypeError across incomparable types. */
export function compare(a: unknown, b: unknown, op = '<'): number {
  if (isNumeric(a) && isNumeric(b)) {
    if (typeof a === 'bigint' && typeof b === 'bigint') return a < b ? -1 : a > b ? 1 : 0;
    const x = num(a);
    const y = num(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (isString(a) && isString(b)) return cmpStr(String(a), String(b));
  if (Array.isArray(a) && Array.isArray(b) && a instanceof Tuple === b instanceof Tuple) {
    ACTIVE?.tick(1); // (as eq's walk)
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      if (eq(a[i], b[i])) continue;
      return compare(a[i], b[i], op);
    }
    return a.length - b.length < 0 ? -1 : a.length > b.length ? 1 : 0;
  }
  if (a instanceof Date && b instanceof Date) return Math.sign(a.getTime() - b.getTime());
  return orderError(op, a, b);
}
// Two JS numbers (the common case) compare directly; everything else takes Python's rules.
export const lt = (a: unknown, b: unknown) => (typeof a === 'number' && typeof b === 'number' ? a < b : compare(a, b, '<') < 0);
export const le = (a: unknown, b: unknown) => (typeof a === 'number' && typeof b === 'number' ? a <= b : compare(a, b, '<=') <= 0);
export const gt = (a: unknown, b: unknown) => (typeof a === 'number' && typeof b === 'number' ? a > b : compare(a, b, '>') > 0);
export const ge = (a: unknown, b: unknown) => (typeof a === 'number' && typeof b === 'number' ? a >= b : compare(a, b, '>=') >= 0);

// ------------------------------------------------------------------ arithmetic

/** True when either operand is a Python float (a PyFloat or a non-integral number), so the result is a float. */
const floatish = (a: unknown, b: unknown) => isFloat(a) || isFloat(b);
/** A numeric result: PyFloat when a float operand made it a float and it is integral. */
function numResult(v: number, float: boolean): number | PyFloat {
  return float && Number.isInteger(v) ? new PyFloat(v) : v;
}
function bigOrNum(a: unknown, b: unknown, fb: (x: bigint, y: bigint) => bigint, fn: (x: number, y: number) => number, opName: string): unknown {
  if ((typeof a === 'bigint' || typeof b === 'bigint') && isIntLike(a) && isIntLike(b)) return normBig(fb(toBig(a), toBig(b)));
  const r = fn(num(a), num(b));
  if (Number.isInteger(r) && !Number.isSafeInteger(r) && !floatish(a, b) && isIntLike(a) && isIntLike(b) && opName !== '/') {
    return normBig(fb(toBig(a), toBig(b)));
  }
  return numResult(r, floatish(a, b));
}
const isIntLike = (v: unknown) => typeof v === 'bigint' || typeof v === 'boolean' || (typeof v === 'number' && Number.isInteger(v));
const toBig = (v: unknown): bigint => (typeof v === 'bigint' ? v : BigInt(num(v)));
const normBig = (v: bigint): number | bigint => (v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v);

function arithError(op: string, a: unknown, b: unknown): never {
  if (a == null || b == null) throw new NoneComparisonError('Cannot compare NoneType with NoneType');
  throw new PyError('TypeError', `unsupported operand type(s) for ${op}: '${typeName(a)}' and '${typeName(b)}'`);
}

export function add(a: unknown, b: unknown): unknown {
  if (typeof a === 'number' && typeof b === 'number') {
    const r = a + b;
    if (Number.isSafeInteger(r) && Number.isInteger(a) && Number.isInteger(b)) return r;
  }
  if (isNumeric(a) && isNumeric(b)) return bigOrNum(a, b, (x, y) => x + y, (x, y) => x + y, '+');
  if (isString(a) || isString(b)) return concat(a, b);
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a instanceof Tuple !== b instanceof Tuple)
      throw new PyError('TypeError', `can only concatenate ${typeName(a)} (not "${typeName(b)}") to ${typeName(a)}`);
    room(a.length + b.length, MAX_ITEMS); // (`x + x` doubled in a loop: refused, not V8's abort. s9)
    return a instanceof Tuple ? tuple([...a, ...b]) : [...a, ...b];
  }
  return arithError('+', a, b);
}
export function sub(a: unknown, b: unknown): unknown {
  if (typeof a === 'number' && typeof b === 'number') {
    const r = a - b;
    if (Number.isSafeInteger(r) && Number.isInteger(a) && Number.isInteger(b)) return r;
  }
  if (isNumeric(a) && isNumeric(b)) return bigOrNum(a, b, (x, y) => x - y, (x, y) => x - y, '-');
  if (a instanceof Set && b instanceof Set) return new Set([...a].filter((x) => !b.has(x)));
  return arithError('-', a, b);
}
export function mul(a: unknown, b: unknown): unknown {
  if (typeof a === 'number' && typeof b === 'number' && Number.isInteger(a) && Number.isInteger(b) && Number.isSafeInteger(a * b)) return a * b;
  if (isNumeric(a) && isNumeric(b)) return bigOrNum(a, b, (x, y) => x * y, (x, y) => x * y, '*');
  if (isString(a) && isIntLike(b)) return repeatStr(a, num(b));
  if (isIntLike(a) && isString(b)) return repeatStr(b, num(a));
  if (Array.isArray(a) && isIntLike(b)) return repeatList(a, num(b));
  if (isIntLike(a) && Array.isArray(b)) return repeatList(b, num(a));
  if ((isString(a) || Array.isArray(a)) && isNumeric(b)) throw new PyError('TypeError', `can't multiply sequence by non-int of type '${typeName(b)}'`);
  if ((isString(b) || Array.isArray(b)) && isNumeric(a)) throw new PyError('TypeError', `can't multiply sequence by non-int of type '${typeName(a)}'`);
  return arithError('*', a, b);
}
function repeatStr(s: string | Markup, n: number): string | Markup {
  room(Math.max(0, n) * String(s).length);
  const r = String(s).repeat(Math.max(0, n));
  return s instanceof Markup ? s.withText(r) : r;
}
function repeatList(l: unknown[], n: number): unknown[] {
  room(n * l.length, MAX_ITEMS);
  const out: unknown[] = [];
  // (`[] * 10**300` is `[]` at once, as in Python: not 10**300 turns of an empty loop. Grammar fuzzer)
  if (!l.length) n = 0;
  for (let i = 0; i < n; i++) for (const x of l) out.push(x); // (spreading a long list into push overflows the stack)
  return l instanceof Tuple ? tuple(out) : out;
}
function zeroDiv(msg = 'division by zero'): never {
  throw zeroDivisionError(msg);
}
export function div(a: unknown, b: unknown): unknown {
  if (!(isNumeric(a) && isNumeric(b))) return arithError('/', a, b);
  const y = num(b);
  if (y === 0) zeroDiv();
  return numResult(num(a) / y, true);
}
export function floordiv(a: unknown, b: unknown): unknown {
  if (!(isNumeric(a) && isNumeric(b))) return arithError('//', a, b);
  if (typeof a === 'bigint' || typeof b === 'bigint') {
    const x = toBig(a);
    const y = toBig(b);
    if (y === 0n) zeroDiv('integer division or modulo by zero');
    const q = x / y;
    return normBig(q * y !== x && x < 0 !== y < 0 ? q - 1n : q);
  }
  const y = num(b);
  if (y === 0) zeroDiv(floatish(a, b) ? 'float floor division by zero' : 'integer division or modulo by zero');
  if (!floatish(a, b)) return Math.floor(num(a) / y);
  return numResult(floatDivmod(num(a), y)[0], true);
}
export function mod(a: unknown, b: unknown): unknown {
  if (a instanceof Markup) return a.withText(printf(a.value, b, (v, out, conv) => markupField(a, v, out, conv === 's')));
  if (typeof a === 'string') return printf(a, b);
  if (!(isNumeric(a) && isNumeric(b))) return arithError('%', a, b);
  if (typeof a === 'bigint' || typeof b === 'bigint') {
    const x = toBig(a);
    const y = toBig(b);
    if (y === 0n) zeroDiv('integer division or modulo by zero');
    const r = x % y;
    return normBig(r !== 0n && r < 0n !== y < 0n ? r + y : r);
  }
  const x = num(a);
  const y = num(b);
  if (y === 0) zeroDiv(floatish(a, b) ? 'float modulo by zero' : 'integer modulo by zero');
  if (floatish(a, b)) return numResult(floatDivmod(x, y)[1], true);
  const r = x % y;
  return r !== 0 && r < 0 !== y < 0 ? r + y : r === 0 ? 0 : r;
}
/**
 * One formatted field of `Markup % args` or `Markup.format` (markupsafe's escape helper and
 * EscapeFormatter): a safe value's own text when formatted as str, anything else (strings,
 * numbers, lists, dicts, reprs, `%c`) escaped for `m`'s kind after formatting, so no data text
 * reaches a Markup result unescaped whatever its type or conversion.
 */
export function markupField(m: Markup, v: unknown, out: string, asStr: boolean): string {
  // (safe Markdown is not safe HTML: a Marked value in HTML Markup is escaped)
  if (asStr && v instanceof Markup && (m instanceof Marked || !(v instanceof Marked))) return out;
  if (asStr && isSafe(v) && !(v instanceof Markup)) return String(observe(v.__html__()));
  return m.escapeText(out);
}
/** CPython's float divmod (Objects/floatobject.c `_float_div_mod`): floor quotient and modulo with the divisor's sign. */
function floatDivmod(vx: number, wx: number): [number, number] {
  let mod = vx % wx;
  let div = (vx - mod) / wx;
  if (mod) {
    if (wx < 0 !== mod < 0) {
      mod += wx;
      div -= 1;
    }
  } else mod = wx < 0 ? -0 : 0;
  let floordiv: number;
  if (div) {
    floordiv = Math.floor(div);
    if (div - floordiv > 0.5) floordiv += 1;
  } else floordiv = vx / wx < 0 ? -0 : 0;
  return [floordiv, mod];
}
export function pow(a: unknown, b: unknown): unknown {
  if (!(isNumeric(a) && isNumeric(b))) return arithError('** or pow()', a, b);
  if (isIntLike(a) && isIntLike(b) && num(b) >= 0) {
    const r = num(a) ** num(b);
    if (Number.isSafeInteger(r)) return r;
    // digits of the result, estimated before computing it (a huge exponent takes seconds, then aborts)
    // (a big base's log10 from its hex length: Number() of it is Infinity past 1e308)
    room(Math.ceil(num(b) * (typeof a === 'bigint' ? (a < 0n ? -a : a).toString(16).length * 1.2042 : Math.log10(Math.abs(num(a)) || 1))), MAX_DIGITS);
    return normBig(toBig(a) ** toBig(b));
  }
  if (num(a) === 0 && num(b) < 0) zeroDiv('0.0 cannot be raised to a negative power');
  return numResult(num(a) ** num(b), true);
}
export function neg(a: unknown): unknown {
  if (typeof a === 'number') return -a;
  if (typeof a === 'bigint') return normBig(-a);
  if (typeof a === 'boolean') return a ? -1 : 0;
  if (a instanceof PyFloat) return new PyFloat(-a.v);
  throw new PyError('TypeError', `bad operand type for unary -: '${typeName(a)}'`);
}
export function pos(a: unknown): unknown {
  if (typeof a === 'boolean') return a ? 1 : 0;
  if (isNumeric(a)) return a;
  throw new PyError('TypeError', `bad operand type for unary +: '${typeName(a)}'`);
}

/** `~`: string concatenation; Markup on either side escapes the other (the left safe operand's kind: HTML, or Markdown for Marked). */
export function concat(a: unknown, b: unknown): string | Markup {
  if (a instanceof Markup || b instanceof Markup) {
    const m = (a instanceof Markup ? a : b) as Markup;
    const side = (v: unknown) => (v instanceof Markup ? v.value : m.escapeText(pyStr(v)));
    return m.withText(side(a) + side(b));
  }
  const x = typeof a === 'string' ? a : pyStr(a);
  const y = typeof b === 'string' ? b : pyStr(b);
  // (as repeatStr: no string past MAX_CHARS, so `x ~ x` doubled in a loop is K-SEC-003 both ways. s9)
  return x.length + y.length > MAX_CHARS ? '' + room(x.length + y.length) : x + y;
}

/**
 * A decimal float literal (`1`, `1.`, `.5`, `1.5e-3`). The digits before and after the point are
 * separate runs (`\d+(?:\.\d*)?`, not `\d+\.?\d*`): overlapping runs backtrack quadratically
 * on a long run of digits that fails at its end (docs/regex-audit.md).
 */
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
/** Hidden numeric coercion of call/filter operands (language.md §1.7). */
export function coerceNum(v: unknown): unknown {
  if (typeof v === 'number' || typeof v === 'bigint' || v instanceof PyFloat) return v;
  if (typeof v === 'string' || v instanceof Markup) {
    const s = String(v).trim();
    if (/^[+-]?\d+$/.test(s)) return Number(s);
    if (DECIMAL.test(s)) return numResult(Number(s), true);
    return 0;
  }
  return 0;
}

// ------------------------------------------------------------------ containers

export function contains(container: unknown, item: unknown): boolean {
  if (typeof container === 'string' || container instanceof Markup) {
    if (!isString(item)) throw new PyError('TypeError', `'in <string>' requires string as left operand, not ${typeName(item)}`);
    const s = String(container), x = String(item);
    return halfEdged(x) ? findUnits(s, x, 0, s.length) >= 0 : s.includes(x);
  }
  if (Array.isArray(container)) return container.some((x) => eq(x, item));
  if (container instanceof Set) return keyOf(container, item).length > 0;
  if (container instanceof Range) {
    if (!isIntLike(item)) return false;
    const n = num(item);
    const { start, stop, step } = container;
    return (step > 0 ? n >= start && n < stop : n <= start && n > stop) && (n - start) % step === 0;
  }
  if (isDict(container)) return dictHas(container, item) && !ACTIVE?.hide(item);
  if (container == null || container === UNDEF) {
    if (container === UNDEF) return false;
    throw new PyError('TypeError', "argument of type 'NoneType' is not iterable");
  }
  throw new PyError('TypeError', `argument of type '${typeName(container)}' is not iterable`);
}

const EMPTY: unknown[] = [];
/** Python iteration (dict → keys, str → characters, None → empty). */
export function iter(v: unknown): Iterable<unknown> {
  if (Array.isArray(v)) return v;
  if (v === null || v === undefined || v === UNDEF) return EMPTY;
  if (typeof v === 'string') return v;
  if (v instanceof Markup) return v.value;
  if (isDict(v)) return dictKeys(v);
  if (typeof v === 'object' && typeof (v as Iterable<unknown>)[Symbol.iterator] === 'function') return v as Iterable<unknown>;
  const async = typeof v === 'object' && typeof (v as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function';
  throw new PyError('TypeError', `'${typeName(v)}' object is not iterable${async ? ': use {% async for %}' : ''}`);
}
export function toList(v: unknown): unknown[] {
  return Array.isArray(v) ? v : listOf(iter(v));
}
/** Code points in `str` (Python's len), without building an array of them (a million one-character strings: seconds of GC). */
export function len(v: unknown): number {
  if (typeof v === 'string') return cpCount(v);
  if (v instanceof Markup) return cpCount(v.value);
  if (Array.isArray(v)) return v.length;
  if (v instanceof Set) return v.size;
  if (v instanceof Range) return v.length;
  if (v === UNDEF) return 0;
  if (isDict(v)) return dictKeys(v).length;
  throw new PyError('TypeError', `object of type '${typeName(v)}' has no len()`);
}

// A key whose value is `undefined` is missing (decisions.md, issue #20): JSON has no undefined,
// and JSON.stringify leaves such keys out. So these helpers never see one.

/** The keys of a dict, leaving out those whose value is undefined (and, sandboxed, those the policy hides: limits.ts). */
export function dictKeys(d: Record<string, unknown> | Map<unknown, unknown>): unknown[] {
  const ks = d instanceof Map ? [...d.keys()] : Object.keys(d);
  // (the value read to test it is observed: a getter's promise read here and dropped cannot end the process)
  const has = (k: any) => observe(d instanceof Map ? d.get(k) : d[k]) !== undefined && !ACTIVE?.hide(k);
  // (a filtered copy only when some value is undefined: a key list is read twice as fast)
  for (const k of ks) if (!has(k)) return ks.filter(has);
  return ks;
}
/**
 * Host Maps and Sets by their keys' eqKey, as of a size: a lookup of a key equal but not identical
 * to one of them (`m[(1, 2)]`, `(1, 2) in s`) reads one bucket instead of comparing with every key,
 * so n lookups are linear, not quadratic (issue #19). A found key is checked (still there, `eq`);
 * the runtime's own mutators `forget` the index, and any other change of the size rebuilds it.
 * (A key's eqKey is taken when indexed: as in Python, a key must not change while it is one.)
 */
let gen = 0;
let armed = false;
const IX = new WeakMap<object, { n: number; g: number; b: Map<unknown, unknown[]> }>();
// (an index lives until the end of the synchronous run that built it: host code running in
// between — another request, a later render, a timer — may replace a key keeping the size)
const expire = () => ((armed = false), gen++);
/** The key of `c` that is `eq` to `k` (for a Map: with a value), as `[key]`; `[]` when none. */
export function keyOf(c: Map<unknown, unknown> | Set<unknown>, k: unknown): [unknown] | [] {
  const ok = (x: unknown) => (c instanceof Map ? c.get(x) !== undefined : c.has(x));
  if (ok(k)) return [k];
  let e = IX.get(c);
  if (!e || e.n !== c.size || e.g !== gen) {
    if (!armed) (armed = true), Promise.resolve().then(expire);
    IX.set(c, (e = { n: c.size, g: gen, b: eqBuckets(c.keys()) }));
  }
  for (const x of e.b.get(eqKey(k)) ?? []) if (ok(x) && eq(x, k)) return [x];
  return [];
}
/** Adds a key keyOf found absent to a Map/Set, and to its index while that is current (so a loop
 * of adds does not rebuild it per key). */
export function addKey(c: Map<unknown, unknown> | Set<unknown>, k: unknown, v?: unknown): void {
  c instanceof Map ? c.set(k, v) : c.add(k);
  const e = IX.get(c);
  if (e && e.g === gen && e.n === c.size - 1) e.n++, eqBuckets([k], e.b);
}
/** Drops the index of a Map/Set the runtime changed (a delete and an add leave its size as it was). */
export const forget = (c: object): boolean => IX.delete(c);
/** Drops every index: host code ran and may have replaced a key keeping the size (the sandbox's
 * call path calls it after each host function or getter; only sandboxed bundles import it). */
export const stale = (): number => gen++;
/** The value of key `k` (Python key equality), undefined when missing. */
/**
 * The value of key `k`, observed: callers often read a value only to test it (dictHas, `get`,
 * `?.`, `.values()`), and a getter's promise read and dropped must not end the process (issue #19).
 */
export function dictGet(d: Record<string, unknown> | Map<unknown, unknown>, k: unknown): unknown {
  if (d instanceof Map) {
    const v = d.get(k);
    if (v !== undefined) return observe(v);
    const f = keyOf(d, k);
    return f.length ? observe(d.get(f[0])) : undefined;
  }
  // (an object key's text by pyStr, which calls its toString itself: String() would drop the promise an async one returns, s8)
  const key = k && typeof k == 'object' ? pyStr(k) : String(k);
  return Object.hasOwn(d, key) ? observe(d[key]) : undefined;
}
export function dictHas(d: Record<string, unknown> | Map<unknown, unknown>, k: unknown): boolean {
  return (d instanceof Map || typeof k === 'string' || typeof k === 'number' || k instanceof Markup) && dictGet(d, k) !== undefined;
}
/** `o[k] = v` as an own data property: a `__proto__` key stays a key and never sets o's prototype. */
export function setKey(o: object, k: string, v: unknown): void {
  if (k === '__proto__') Object.defineProperty(o, k, { value: v, writable: true, enumerable: true, configurable: true });
  else (o as Record<string, unknown>)[k] = v;
}
export function dictItems(d: Record<string, unknown> | Map<unknown, unknown>): Tuple[] {
  // (each tuple set by index, as tuple() does: calling tuple() here carried it into the serverless
  // bundle, 12 B gzip it has no room for)
  return dictKeys(d).map((k) => {
    const t = new Tuple();
    t[0] = k;
    t[1] = observe(d instanceof Map ? d.get(k) : d[k as string]);
    return t;
  });
}

// ------------------------------------------------------------------ lookup

const FORBIDDEN = new Set([
  'constructor', 'prototype', '__proto__', '__defineGetter__', '__defineSetter__', '__lookupGetter__', '__lookupSetter__',
]);
export function assertSafeName(name: string, obj?: unknown): void {
  if (FORBIDDEN.has(name) || (typeof obj === 'function' && (name === 'call' || name === 'apply' || name === 'bind')))
    throw new SecurityError(`Access to '${name}' is not allowed in templates`);
}
function assertSafeValue(v: unknown): unknown {
  if (v === globalThis || v === Function || v === Object || v === Function.prototype || v === Object.prototype)
    throw new SecurityError('Access to the global object or built-in constructors is not allowed in templates');
  return v;
}

function attrMissing(obj: unknown, name: string, strict: boolean): unknown {
  if (!strict) return UNDEF;
  if (obj == null) throw new UndefinedError(name, 'attribute/key');
  const hint = didYouMean(name, isDict(obj) ? dictKeys(obj).map(String) : []);
  const type = typeName(obj);
  throw new UndefinedError(`${type}.${name}`, 'attribute/key', { didYouMean: hint && `${type}.${hint}` });
}

/** What lookupAttr and objectAttr return for a missing attribute (a found one may be undefined). */
const MISSING: unique symbol = Symbol();

/** Reads a property of a class instance (own or inherited, never from Object.prototype). */
function objectAttr(obj: object, name: string): unknown {
  for (let p: object | null = obj; p && p !== Object.prototype && p !== Function.prototype; p = Object.getPrototypeOf(p)) {
    if (Object.hasOwn(p, name)) {
      const v = (obj as Record<string, unknown>)[name];
      // (a Map's or Set's own methods may change its keys: reading one drops keyOf's indexes)
      if (typeof v !== 'function') return v;
      if (obj instanceof Map || obj instanceof Set) gen++;
      return (v as Function).bind(obj);
    }
  }
  return MISSING;
}

/** The raw `a.b` lookup: MISSING when missing. Dict keys first, then methods/attributes. */
function lookupAttr(obj: unknown, name: string): unknown {
  assertSafeName(name, obj);
  if (obj === UNDEF) return findMethod(obj, name) ?? MISSING;
  if (obj == null) return MISSING;
  if (isDict(obj)) {
    // (a present key reads directly: dictGet's equality scan of Map keys is not needed; an
    // undefined value is a missing key)
    const v = obj instanceof Map ? obj.get(name) : Object.hasOwn(obj, name) ? (obj as Record<string, unknown>)[name] : undefined;
    if (v !== undefined) return v;
    return findMethod(obj, name) ?? (obj instanceof Map ? objectAttr(obj, name) : MISSING);
  }
  const m = findMethod(obj, name);
  if (m) return m;
  if (typeof obj === 'object' || typeof obj === 'function') {
    if (Array.isArray(obj) || typeof obj === 'function') return MISSING;
    return objectAttr(obj, name);
  }
  return MISSING;
}

/** `a.b`: a found None renders as "" (reference behaviour); missing is UndefinedError or UNDEF. */
export function getattr(obj: unknown, name: string, strict = true): unknown {
  // Fast path: an own data key of a plain object (the common `user.name`).
  if (typeof obj === 'object' && obj !== null && !Array.isArray(obj)) {
    const proto = Object.getPrototypeOf(obj);
    if ((proto === Object.prototype || proto === null) && Object.hasOwn(obj, name) && !FORBIDDEN.has(name)) {
      const v = (obj as Record<string, unknown>)[name];
      if (v != null) return typeof v === 'object' || typeof v === 'function' ? assertSafeValue(observe(v)) : v;
      if (v === null) return '';
      // (undefined: a missing key, looked up as one below)
    }
  }
  const v = lookupAttr(obj, name);
  // (an own key of any other object was found by objectAttr, which looks at the object first)
  if (v === MISSING) return attrMissing(obj, name, strict);
  // (a host getter may return a new promise at each read, which the caller may drop: observed)
  return v == null ? '' : assertSafeValue(observe(v));
}

/**
 * `a.b` in strict mode for a literal name the compiler has checked is neither forbidden nor
 * an Object.prototype member. The generated code reads `v = a?.b` itself (a property access
 * with its own inline cache, unlike `a[name]` here); only a plain object's value that is not a
 * function is used as it is. Anything else (primitives, class instances, Maps, arrays, a
 * function value) or a missing key takes getattr.
 *
 * A plain object is told by `constructor === Object`: a property read, which V8 caches, where
 * Object.getPrototypeOf is a builtin call and was most of the cost of `a.b` (issue #22: the
 * large page 0.7x). An object with an own `constructor` key takes getattr; one further down a
 * chain of plain objects gets the value getattr gives it too (objectAttr: the name is no
 * Object.prototype member, so `a?.b` found it on the chain above Object.prototype).
 */
export function ga(obj: unknown, v: unknown, name: string): unknown {
  if (v !== undefined && typeof v !== 'function' && (obj as object).constructor === Object)
    return typeof v !== 'object' ? v : v === null ? '' : assertSafeValue(observe(v));
  // (`v`, read at the call site, is dropped: a getter's promise is observed; getattr reads again)
  return observe(v), getattr(obj, name, true);
}

/** `a?.b`: None short-circuits to None; a found None is preserved. */
export function getattrOpt(obj: unknown, name: string, strict = true): unknown {
  if (obj == null) return null;
  if (obj === UNDEF) return null;
  const v = lookupAttr(obj, name);
  if (v === MISSING) {
    if (isDict(obj)) return null;
    attrMissing(obj, name, strict); // throws in strict mode
    return null;
  }
  return v === undefined ? null : assertSafeValue(observe(v)); // (as getattr's: a getter's promise)
}

/** `a[k]`: Python subscription with negative indexes. */
export function getitem(obj: unknown, key: unknown): unknown {
  if (typeof key === 'string') assertSafeName(key, obj);
  if (Array.isArray(obj) || typeof obj === 'string' || obj instanceof Markup || obj instanceof Range) {
    if (!isIntLike(key)) {
      if (key instanceof PyFloat || typeof key === 'number')
        throw new PyError('TypeError', `${typeName(obj)} indices must be integers or slices, not float`);
      throw new PyError('TypeError', `${typeName(obj)} indices must be integers or slices, not ${typeName(key)}`);
    }
    // (a string by code point, as Python: `"😀ab"[0]` is the emoji, never half of it)
    const str = typeof obj === 'string' ? obj : obj instanceof Markup ? obj.value : null;
    const offs = str !== null ? cpOffsets(str) : null;
    const n = obj instanceof Range ? obj.length : offs ? offs.length - 1 : str !== null ? str.length : (obj as unknown[]).length;
    let i = num(key);
    if (i < 0) i += n;
    if (i < 0 || i >= n) throw new PyError('IndexError', `${typeName(obj) === 'str' ? 'string' : typeName(obj)} index out of range`, 'K-RUN-007');
    if (obj instanceof Range) return obj.at(i);
    if (str !== null) {
      const ch = offs ? str.slice(offs[i], offs[i + 1]) : str[i]!;
      return typeof obj === 'string' ? ch : new Markup(ch);
    }
    return observe((obj as unknown[])[i]); // (a promise read is observed, as getattr's)
  }
  if (isDict(obj)) {
    if (dictHas(obj, key)) return observe(dictGet(obj, key));
    throw keyError(pyRepr(key));
  }
  if (obj == null) throw new NoneComparisonError('Cannot compare NoneType with NoneType');
  if (obj === UNDEF) return UNDEF;
  if (typeof obj === 'object' && (typeof key === 'string' || typeof key === 'number')) {
    const k = String(key);
    if (Object.hasOwn(obj, k)) return assertSafeValue(observe((obj as Record<string, unknown>)[k]));
    throw keyError(pyRepr(key));
  }
  throw new PyError('TypeError', `'${typeName(obj)}' object is not subscriptable`);
}

/** `a?[k]`: None short-circuits; mappings use get(); errors become undefined. */
export function getitemOpt(obj: unknown, key: unknown, strict = true): unknown {
  if (obj == null || obj === UNDEF) return null;
  if (isDict(obj)) {
    const v = dictGet(obj, key);
    return v === undefined ? null : v;
  }
  try {
    return getitem(obj, key);
  } catch (e) {
    if (e instanceof PyError && ['KeyError', 'IndexError', 'TypeError'].includes(e.pyType)) {
      if (strict) throw new UndefinedError(`${typeName(obj)}[${pyRepr(key)}]`, 'attribute/key');
      return null;
    }
    throw e;
  }
}

/** `a[start:stop:step]` with Python slice semantics. */
export function getslice(obj: unknown, start: unknown, stop: unknown, step: unknown): unknown {
  const st = step == null ? 1 : num(step);
  if (st === 0) throw new PyError('ValueError', 'slice step cannot be zero');
  // (a range is read in place, never copied: `range(n)[5:8]` costs 3 items, whatever n is)
  const seq: unknown[] | string | Range =
    typeof obj === 'string' ? obj : obj instanceof Markup ? obj.value : obj instanceof Range ? obj : Array.isArray(obj) ? obj : (() => {
      throw new PyError('TypeError', `'${typeName(obj)}' object is not subscriptable`);
    })();
  const n = typeof seq === 'string' ? cpCount(seq) : seq.length;
  const norm = (v: unknown, dflt: number, lo: number, hi: number) => {
    if (v == null) return dflt;
    let i = num(v);
    if (i < 0) i += n;
    return Math.min(Math.max(i, lo), hi);
  };
  const out: unknown[] = [];
  const at = seq instanceof Range ? (i: number) => seq.at(i) : (i: number) => (seq as unknown[])[i];
  const a = st > 0 ? norm(start, 0, 0, n) : norm(start, n - 1, -1, n - 1);
  const b = st > 0 ? norm(stop, n, 0, n) : norm(stop, -1, -1, n - 1);
  if (seq instanceof Range) room(Math.ceil((b - a) / st), MAX_ITEMS); // (a list of that many items)
  if (typeof seq === 'string') {
    const t = cpSlice(seq, a, b, st);
    return obj instanceof Markup ? new Markup(t) : t;
  }
  if (st > 0) for (let i = a; i < b; i += st) out.push(at(i));
  else for (let i = a; i > b; i += st) out.push(at(i));
  if (obj instanceof Tuple) return tuple(out);
  return out;
}

// ------------------------------------------------------------------ calling

export function callValue(f: unknown, args: unknown[]): unknown {
  if (typeof f !== 'function') {
    throw new PyError('TypeError', `'${typeName(f)}' object is not callable`);
  }
  assertSafeValue(f);
  if (f === eval || f === Function) throw new SecurityError('Calling this function is not allowed in templates');
  return observe((f as (...a: unknown[]) => unknown)(...args));
}

/**
 * Marks a promise the runtime was handed as observed, so that its rejection is never reported
 * as unhandled (which ends a Node process) while nobody awaits it yet, or after a render was
 * abandoned. Whoever awaits it later still gets the rejection. With `fail`, the promise reached
 * the output or a test: an error, not `[object Promise]`.
 */
export function observe<T>(v: T, fail?: boolean): T {
  if (v instanceof Promise) {
    // (a handler that runs no code of the reason and returns a primitive: String would call its
    // toString, and Object(x) gave x back, so the handler's promise was resolved with the reason
    // and read its `then`: a revoked proxy or a throwing `then` rejected again, unhandled; s18)
    v.catch(Boolean);
    if (fail) throw new TemplateRuntimeError('A promise must be awaited');
  }
  return v;
}

/**
 * Calls `f` for a value the runtime uses at once (a sort key, a predicate, an element of
 * `map()`): a promise there (an async def, an async function) cannot be awaited, so it is a
 * clear error rather than a promise compared, tested or rendered and then dropped.
 */
const calleeName = (f: unknown) => (f as { kidaDef?: { name: string } }).kidaDef?.name ?? ((f as { name?: string }).name || 'function');
export function callNow(f: unknown, args: unknown[], where: string): unknown {
  const r = callValue(refuseDetached(f), args);
  if (r instanceof Promise) {
    detach(f); // (its work after its first await starts no more calls here: callSync)
    throw new TemplateRuntimeError(
      `${where}: '${calleeName(f)}' returned a promise (an async def or function), which ${where} cannot await; call it with await in a {% for %} loop instead`,
    );
  }
  return r;
}

/**
 * A call in a template compiled sync (the compiler links its calls here, not to callValue): an
 * async def's promise cannot be awaited there. It was written as "[object Promise]" while the
 * def ran on, detached from the render; a def that reached itself again through a sync include
 * (main async, `{% def f() %}{{ await p }}{% include "inc" %}{% end %}`, inc `{{ f() }}`) made a
 * chain of detached calls that never ended and, on settled promises, starved the event loop (s9).
 * Now the call is an error naming the def, and the def refuses every later such call before it
 * runs (`detached`), so the part of the first call that goes on after its await starts nothing.
 */
export function callSync(f: unknown, args: unknown[]): unknown {
  return syncResult(f, callValue(refuseDetached(f), args));
}
/** `r`, unless a def returned a promise where it cannot be awaited (callSync). */
export function syncResult(f: unknown, r: unknown): unknown {
  if (r instanceof Promise && (f as { kidaDef?: unknown }).kidaDef) throw (detach(f), asyncDefError(f));
  return r;
}
type Detachable = { detached?: boolean };
const detach = (f: unknown): void => void ((f as Detachable).detached = true);
/** `f`, unless it is a def that returned a promise where it could not be awaited (callSync). */
export const refuseDetached = (f: unknown): unknown => {
  if ((f as Detachable | null)?.detached) throw asyncDefError(f);
  return f;
};
const asyncDefError = (f: unknown) =>
  new TemplateRuntimeError(
    `'${calleeName(f)}' is an async def (it awaits), called where it cannot be awaited: from a template without await (an include, import or parent of an async template), or as a value used at once; give that template an await, or call the def from the async template`,
  );

/** Splits a trailing Kwargs off an argument list. */
export function splitKwargs(args: unknown[]): [unknown[], Record<string, unknown>] {
  const last = args[args.length - 1];
  if (last instanceof Kwargs) return [args.slice(0, -1), last.kw];
  return [args, {}];
}

export type MethodFn = (...args: unknown[]) => unknown;
/**
 * Finds Python-named methods for attribute lookup (runtime/methods.ts): none until compiled
 * modules register the method names they use (`useMethods`), so bundles without method calls
 * carry no method shims.
 */
let methodLookup: ((obj: unknown, name: string) => MethodFn | undefined) | null = null;
export function setMethodLookup(f: (obj: unknown, name: string) => MethodFn | undefined): void {
  methodLookup = f;
}
const findMethod = (obj: unknown, name: string): MethodFn | undefined => (methodLookup ? methodLookup(obj, name) : undefined);

// ------------------------------------------------------------------ formatting

const PRINTF_SPEC = /([-+ 0#]*)(\*|[1-9]\d*)?(?:\.(\*|\d+))?([diouxXeEfFgGcrsa%])/y;
/** Python `%`-formatting. */
export function printf(fmt: string, args: unknown, field?: (v: unknown, out: string, conv: string) => string): string {
  const list = args instanceof Tuple ? [...args] : [args];
  const mapping = isDict(args) ? args : null;
  let i = 0;
  const one = (key: string | undefined, flags: string, width: string | undefined, prec: string | undefined, conv: string): string => {
    if (conv === '%') return '%';
    let v: unknown;
    if (key !== undefined) {
      if (!mapping) throw new PyError('TypeError', 'format requires a mapping');
      if (!dictHas(mapping, key)) throw keyError(pyRepr(key));
      v = dictGet(mapping, key);
    } else {
      // (Python: `*` takes an int; a negative width left-justifies, a negative precision is 0)
      if (width === '*') {
        const n = starArg(list[i++]);
        if (n < 0) flags += '-';
        width = String(Math.abs(n));
      }
      if (prec === '*') prec = String(Math.max(0, starArg(list[i++])));
      if (i >= list.length) throw new PyError('TypeError', 'not enough arguments for format string');
      v = list[i++];
    }
    let s: string;
    const p = prec === undefined ? undefined : room(Number(prec));
    switch (conv) {
      case 's':
        s = pyStr(v);
        if (p !== undefined) s = cpHead(s, p);
        break;
      case 'r':
      case 'a':
        s = pyRepr(v);
        break;
      case 'd':
      case 'i':
      case 'u': {
        if (!isNumeric(v)) throw new PyError('TypeError', `%${conv} format: a real number is required, not ${typeName(v)}`);
        s = typeof v === 'bigint' ? v.toString() : String(Math.trunc(num(v)));
        break;
      }
      case 'f':
      case 'F':
        s = fixedExact(num(v), p ?? 6);
        break;
      case 'e':
      case 'E':
        s = expRepr(num(v), p ?? 6);
        if (conv === 'E') s = s.toUpperCase();
        break;
      case 'g':
      case 'G':
        s = gRepr(num(v), p ?? 6, false);
        break;
      case 'x':
      case 'X':
      case 'o': {
        const n = Math.trunc(num(v));
        s = Math.abs(n).toString(conv === 'o' ? 8 : 16);
        if (flags.includes('#')) s = (conv === 'o' ? '0o' : '0x') + s;
        if (conv === 'X') s = s.toUpperCase();
        if (n < 0) s = '-' + s;
        break;
      }
      case 'c':
        s = typeof v === 'number' ? codeChar(v) : String(v);
        break;
      default:
        s = pyStr(v);
    }
    if ('diufFeEgGxXo'.includes(conv)) {
      if (flags.includes('+') && !s.startsWith('-')) s = '+' + s;
      else if (flags.includes(' ') && !s.startsWith('-')) s = ' ' + s;
    }
    const w = width ? room(Number(width)) : 0;
    if (w) {
      // (widths count code points: a string with surrogates can be long in units and still short)
      if (flags.includes('-')) s = padCp(s, w, ' ', '<');
      else if (flags.includes('0') && 'diufFeEgGxXo'.includes(conv)) {
        const sign = /^[+\- ]/.test(s) ? s[0]! : '';
        s = sign + s.slice(sign.length).padStart(w - sign.length, '0');
      } else s = padCp(s, w, ' ', '>');
    }
    return field ? field(v, s, conv) : s;
  };
  // What `fmt.replace(/%(\(([^)]*)\))?([-+ 0#]*)(\*|\d+)?(?:\.(\*|\d+))?([diouxXeEfFgGcrsa%])/g, …)`
  // would do, in one pass: that regex rescans the rest of `fmt` from every `%(` with no `)`
  // after it, and splits a run of `0`s between flags and width every way. A width cannot start
  // with 0 (the flags took the zeros), so PRINTF_SPEC matches exactly where it did.
  const out = new Pieces();
  let from = 0;
  let pos = 0;
  let close = -1;
  for (let pct = fmt.indexOf('%', pos); pct >= 0; pct = fmt.indexOf('%', pos)) {
    let at = pct + 1;
    let key: string | undefined;
    if (fmt[at] === '(') {
      // (the first `)` after `(`; -2 once there is none: `%(` alone matches nothing)
      if (close !== -2 && close <= at) {
        close = fmt.indexOf(')', at + 1);
        if (close < 0) close = -2;
      }
      if (close === -2) {
        pos = at;
        continue;
      }
      key = fmt.slice(at + 1, close);
      at = close + 1;
    }
    PRINTF_SPEC.lastIndex = at;
    const m = PRINTF_SPEC.exec(fmt);
    if (!m) {
      pos = pct + 1;
      continue;
    }
    out.add(fmt.slice(from, pct) + one(key, m[1]!, m[2], m[3], m[4]!));
    from = pos = PRINTF_SPEC.lastIndex;
  }
  out.add(fmt.slice(from));
  // CPython: leftover arguments are an error unless the argument supports the mapping protocol (dict, list, range).
  const mappingLike = mapping !== null || (Array.isArray(args) && !(args instanceof Tuple)) || args instanceof Range;
  if (!mappingLike && i < list.length)
    throw new PyError('TypeError', 'not all arguments converted during string formatting');
  return out.text();
}

/** The int a `*` width or precision takes (a bool is an int; a float or anything else is not). */
function starArg(v: unknown): number {
  if (typeof v === 'boolean') return +v;
  if ((typeof v === 'number' && Number.isInteger(v)) || typeof v === 'bigint') return Number(v);
  throw new PyError('TypeError', '* wants int');
}

/** Python `'%.{p}f' % x`: correctly rounded, exact ties to even (JavaScript's toFixed breaks ties away from zero). */
export function fixedPy(x: number, p: number): string {
  if (!Number.isFinite(x)) return floatRepr(x);
  const neg = x < 0 || Object.is(x, -0);
  const a = Math.abs(x);
  let s: string;
  if (a >= 1e21) s = BigInt(a).toString() + (p > 0 ? '.' + '0'.repeat(p) : '');
  else {
    s = a.toFixed(Math.min(p, 100));
    // toFixed rounds exact ties away from zero, Python to even. Below 1e8 the float a*10^p is
    // within 1e-7 of the exact product, so only a product that close to k + 1/2 can be a tie
    // and needs its exact decimal expansion examined.
    const y = a * 10 ** p;
    if (p + 25 <= 100 && (y >= 1e8 || Math.abs(y - Math.floor(y) - 0.5) < 1e-7)) {
      const long = a.toFixed(p + 25);
      const cut = long.length - 25;
      if (/^50*$/.test(long.slice(cut))) {
        const kept = long.slice(0, cut).replace(/\.$/, '');
        if (Number(kept[kept.length - 1]) % 2 === 0) s = kept;
      }
    }
  }
  return (neg ? '-' : '') + s;
}
/**
 * Python `'%.{p}f' % a` for `%` and str.format: past 100 decimals (where toFixed stops, and
 * fixedPy with it, which `round` and `filesizeformat` need no further) written out here: the double's exact
 * binary value scaled by 10^p, ties to even. (toFixed stops at 100.) A double has at most 1,074
 * fractional digits, so past 1,100 the rest are zeros and the BigInts stay small.
 */
function fixedExact(a: number, p: number): string {
  if (p <= 100 || !Number.isFinite(a) || Math.abs(a) >= 1e21) return fixedPy(a, p);
  const neg = a < 0 || Object.is(a, -0);
  a = Math.abs(a);
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, a);
  const hi = view.getUint32(0);
  const bits = (BigInt(hi & 0xfffff) << 32n) | BigInt(view.getUint32(4));
  const ex = (hi >>> 20) & 0x7ff;
  const m = ex ? bits | (1n << 52n) : bits;
  const e = (ex || 1) - 1075; // a = m * 2^e
  const q = Math.min(p, 1100);
  let k: bigint;
  if (e >= 0) k = (m << BigInt(e)) * 10n ** BigInt(q);
  else {
    const num = m * 10n ** BigInt(q);
    const den = 1n << BigInt(-e);
    k = num / den;
    const twice = (num - k * den) * 2n;
    if (twice > den || (twice === den && k & 1n)) k++;
  }
  const digits = k.toString().padStart(q + 1, '0');
  const cut = digits.length - q;
  return (neg ? '-' : '') + digits.slice(0, cut) + '.' + digits.slice(cut) + '0'.repeat(room(p) - q);
}
/** Python `'%.{p}e' % x` (ties to even, two-digit exponent). */
function expRepr(n: number, p: number): string {
  if (!Number.isFinite(n)) return floatRepr(n);
  const neg = n < 0 || Object.is(n, -0);
  const a = Math.abs(n);
  let [m, e] = a.toExponential(Math.min(p, 100)).split('e') as [string, string];
  if (p + 25 <= 100) {
    const [lm, le] = a.toExponential(p + 25).split('e') as [string, string];
    const cut = lm.length - 25;
    if (/^50*$/.test(lm.slice(cut))) {
      const kept = lm.slice(0, cut).replace(/\.$/, '');
      if (Number(kept[kept.length - 1]) % 2 === 0) [m, e] = [kept, le];
    }
  }
  const exp = Number(e);
  return `${neg ? '-' : ''}${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
}
/** Python `%g` / `:g`: precision p significant digits, exponent form when exp < -4 or exp >= p. */
function gRepr(n: number, p: number, alt: boolean): string {
  if (!Number.isFinite(n)) return floatRepr(n);
  const P = p === 0 ? 1 : p;
  if (n === 0) return (Object.is(n, -0) ? '-' : '') + (alt ? '0.' + '0'.repeat(P - 1) : '0');
  const exp = Number(expRepr(n, P - 1).split('e')[1]);
  let s: string;
  if (exp < -4 || exp >= P) {
    s = expRepr(n, P - 1);
    if (!alt) s = s.replace(/\.?0+e/, 'e');
  } else {
    s = fixedPy(n, Math.max(0, P - 1 - exp));
    if (!alt && s.includes('.')) s = s.replace(/\.?0+$/, '');
  }
  return s;
}

/** Float format with a precision and no type: like `g`, but fixed notation keeps one decimal and exponent form starts at exp >= p-1. */
function noTypeRepr(n: number, p: number): string {
  if (!Number.isFinite(n)) return floatRepr(n);
  const P = p === 0 ? 1 : p;
  const exp = n === 0 ? 0 : Number(expRepr(n, P - 1).split('e')[1]);
  if (exp < -4 || exp >= P - 1) {
    return expRepr(n, P - 1).replace(/\.?0+e/, 'e');
  }
  let s = fixedPy(n, Math.max(0, P - 1 - exp));
  if (s.includes('.')) s = s.replace(/0+$/, '');
  return s.endsWith('.') || !s.includes('.') ? s.replace(/\.$/, '') + '.0' : s;
}
/**
 * `s.replace(/\B(?=(\d{3})+(?!\d))/g, sep)` in one pass from the right (the regex scans the rest
 * of a run of digits from each of its positions): `sep` goes before a digit that starts a run
 * of a multiple of three digits running to a non-digit or the end, after a word character.
 */
export function groupDigits(s: string, sep: string): string {
  const parts: string[] = [];
  let run = 0;
  for (let i = s.length - 1; i >= 0; i--) {
    const c = s.charCodeAt(i);
    run = c >= 48 && c <= 57 ? run + 1 : 0;
    parts.push(s[i]!);
    if (run % 3 === 0 && run > 0 && i > 0 && /\w/.test(s[i - 1]!)) parts.push(sep);
  }
  return parts.reverse().join('');
}
const absInt = (v: unknown): bigint | number =>
  typeof v === 'bigint' ? (v < 0n ? -v : v) : Math.abs(Math.trunc(num(v)));
/** Python format-spec mini-language: [[fill]align][sign][#][0][width][,][.precision][type]. */
export function formatSpec(v: unknown, spec: string): string {
  if (!spec) return pyStr(v);
  const m = /^(?:([^])?([<>=^]))?([+\- ])?(#)?(0)?(\d+)?([,_])?(?:\.(\d+))?([bcdeEfFgGnosxX%])?$/u.exec(spec);
  if (!m) throw new PyError('ValueError', `Invalid format specifier '${spec}'`);
  let [, fill, align, sign, alt, zero, width, group, prec, type] = m;
  let s: string;
  const numeric = isNumeric(v);
  if (type && 'eEfFgGn%dbxXoc'.includes(type) && !numeric)
    throw new PyError('ValueError', `Unknown format code '${type}' for object of type '${typeName(v)}'`);
  const p = prec === undefined ? undefined : room(Number(prec));
  if (width) room(Number(width));
  if (!numeric || (type === undefined && typeof v !== 'number' && !(v instanceof PyFloat))) {
    s = pyStr(v);
    if (p !== undefined && !numeric) s = cpHead(s, p);
  } else {
    const n = num(v);
    switch (type) {
      case 'f':
      case 'F':
        s = fixedExact(Math.abs(n), p ?? 6);
        break;
      case 'e':
      case 'E':
        s = expRepr(Math.abs(n), p ?? 6);
        if (type === 'E') s = s.toUpperCase();
        break;
      case '%':
        s = fixedExact(Math.abs(n) * 100, p ?? 6) + '%';
        break;
      case 'g':
      case 'G':
        s = gRepr(Math.abs(n), p ?? 6, false);
        break;
      case 'd':
      case 'n':
        s = typeof v === 'bigint' ? (v < 0n ? -v : v).toString() : String(Math.abs(Math.trunc(n)));
        break;
      case 'x':
      case 'X':
        s = absInt(v).toString(16);
        if (type === 'X') s = s.toUpperCase();
        break;
      case 'o':
        s = absInt(v).toString(8);
        break;
      case 'b':
        s = absInt(v).toString(2);
        break;
      case 'c':
        s = codeChar(n);
        break;
      default:
        if (p !== undefined && isIntLike(v)) throw new PyError('ValueError', 'Precision not allowed in integer format specifier');
        s = p !== undefined ? noTypeRepr(Math.abs(n), p) : pyStr(typeof v === 'number' ? Math.abs(n) : v instanceof PyFloat ? new PyFloat(Math.abs(n)) : v);
        if (s.startsWith('-')) s = s.slice(1);
    }
    if (group) {
      const [ip, fp] = s.split('.');
      s = groupDigits(ip!, group) + (fp !== undefined ? '.' + fp : '');
    }
    const neg = n < 0 || Object.is(n, -0);
    const prefix = alt && type && 'xXob'.includes(type) ? '0' + (type === 'X' ? 'X' : type) : '';
    const signStr = (neg ? '-' : sign === '+' ? '+' : sign === ' ' ? ' ' : '') + prefix;
    if (zero && !align) {
      fill = '0';
      align = '=';
    }
    s = signStr + s;
    if (align === '=') {
      const w = width ? Number(width) : 0;
      const body = s.slice(signStr.length);
      return signStr + padCp(body, w - signStr.length, fill ?? ' ', '>');
    }
  }
  const w = width ? Number(width) : 0;
  if (!w) return s;
  const a = align ?? (numeric && type !== 's' ? '>' : '<');
  return a === '=' ? s : padCp(s, w, fill ?? ' ', a as '<' | '>' | '^');
}

// ------------------------------------------------------------------ conversions

/** Python's default `sys.get_int_max_str_digits()`. */
const INT_MAX_STR_DIGITS = 4300;

export function toInt(v: unknown, base?: unknown): number | bigint {
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new PyError(Number.isNaN(v) ? 'ValueError' : 'OverflowError', 'cannot convert float to integer');
    const t = Math.trunc(v);
    return Number.isSafeInteger(t) || !Number.isInteger(t) ? t + 0 : normBig(BigInt(t));
  }
  if (typeof v === 'bigint') return v;
  if (v instanceof PyFloat) return toInt(v.v);
  if (isString(v)) {
    const s = String(v).trim().replace(/_/g, '');
    const b = base == null ? 10 : num(base);
    const re = b === 16 ? /^[+-]?(0x)?[0-9a-f]+$/i : b === 8 ? /^[+-]?(0o)?[0-7]+$/i : b === 2 ? /^[+-]?(0b)?[01]+$/i : /^[+-]?\d+$/;
    if (!re.test(s)) throw new PyError('ValueError', `invalid literal for int() with base ${b}: ${pyRepr(String(v))}`);
    const clean = s.replace(/^([+-]?)0[xob]/i, '$1');
    // (Python's limit for a base that is no power of two: parsing such digits is quadratic, and
    // 10**6 of them from data took seconds; issue #19)
    const digits = clean.length - +(clean[0] === '-' || clean[0] === '+');
    if (b === 10 && digits > INT_MAX_STR_DIGITS)
      throw new PyError('ValueError', `Exceeds the limit (${INT_MAX_STR_DIGITS} digits) for integer string conversion: value has ${digits} digits`);
    const n = parseInt(clean, b);
    if (!Number.isSafeInteger(n) && b === 10) return normBig(BigInt(clean));
    return n;
  }
  throw new PyError('TypeError', `int() argument must be a string, a bytes-like object or a real number, not '${typeName(v)}'`);
}

export function toFloat(v: unknown): number | PyFloat {
  const n = floatOf(v);
  if (n === undefined) {
    if (isString(v)) throw new PyError('ValueError', `could not convert string to float: ${pyRepr(String(v))}`);
    throw new PyError('TypeError', `float() argument must be a string or a real number, not '${typeName(v)}'`);
  }
  return numResult(n, true);
}
/** The number Python's float() makes of `v`, or undefined where float() raises (toFloat says why). */
export function floatOf(v: unknown): number | undefined {
  if (typeof v === 'boolean' || typeof v === 'number' || typeof v === 'bigint' || v instanceof PyFloat) return num(v);
  if (!isString(v)) return undefined;
  const s = String(v).trim().toLowerCase().replace(/_/g, '');
  if (/^[+-]?(inf|infinity)$/.test(s)) return s.startsWith('-') ? -Infinity : Infinity;
  if (/^[+-]?nan$/.test(s)) return NaN;
  if (DECIMAL.test(s)) return Number(s);
  return undefined;
}
