// Finding an element equal (Python `==`, values.ts `eq`) to a value among many, without comparing
// with each: `set()`, `dict()` with non-string keys, `unique` and the set methods would otherwise
// compare every new element with every kept one (quadratic on a list of distinct values).
// Elements go into buckets by a key that equal values share (1, 1.0, True; 'a' and Markup('a');
// equal tuples); only a bucket is compared with `eq`. Only code that needs it imports this module.

import { Markup } from './markup.js';
import { EQ, PyFloat, Range, Tuple, dictGet, dictKeys, eq, isDict } from './values.js';

let nextId = 0;
const ids = new WeakMap<object, number>();

/**
 * A key that every value `eq` to `v` shares (unequal values may share one too: a bucket is
 * compared with `eq`). Numbers and strings are their own keys (no string is built for them).
 */
function eqKey(v: unknown): unknown {
  if (typeof v === 'number' || typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof PyFloat) return v.v;
  if (v instanceof Markup) return v.value;
  if (v === null || v === undefined) return '\0N';
  if (Array.isArray(v)) {
    // (length-prefixed parts: no element's key can imitate a separator)
    let k = v instanceof Tuple ? '\0(' : '\0[';
    for (const x of v) {
      const e = eqKey(x);
      const t = typeof e === 'number' ? 'n' + e : String(e);
      k += t.length + ':' + t;
    }
    return k;
  }
  if (v instanceof Date) return '\0D' + v.getTime();
  if (v instanceof Range) {
    const n = v.length;
    return '\0R' + n + (n ? ',' + v.start + (n > 1 ? ',' + v.step : '') : '');
  }
  if (v instanceof Set) return '\0S' + v.size;
  if (isDict(v)) return '\0d';
  if (typeof v === 'object' || typeof v === 'function') {
    // other objects are equal only to themselves
    let id = ids.get(v as object);
    if (id === undefined) ids.set(v as object, (id = nextId++));
    return '\0o' + id;
  }
  return '\0x';
}

/** Elements by eqKey, each bucket in insertion order. */
export class EqIndex {
  private readonly buckets = new Map<unknown, unknown[]>();
  constructor(items: Iterable<unknown> = []) {
    for (const x of items) this.add(x);
  }
  add(v: unknown): void {
    const k = eqKey(v);
    const b = this.buckets.get(k);
    if (b) b.push(v);
    else this.buckets.set(k, [v]);
  }
  /** `[x]` for the first element x added that `accept` takes (default: x `eq` v) among those sharing v's key, else `[]`. */
  find(v: unknown, accept: (x: unknown) => boolean = (x) => eq(x, v)): [unknown] | [] {
    const b = this.buckets.get(eqKey(v));
    if (b) for (const x of b) if (accept(x)) return [x];
    return [];
  }
  has(v: unknown): boolean {
    return this.find(v).length > 0;
  }
}

// `eq` of two sets, or of a dict and a dict that is a Map (same size, checked by eq): b's
// elements are indexed once, so each of a's is compared only with its bucket.
EQ.m = (a: Set<unknown> | Record<string, unknown> | Map<unknown, unknown>, b: Set<unknown> | Map<unknown, unknown>): boolean => {
  if (b instanceof Set) {
    const index = new EqIndex(b);
    for (const x of a as Set<unknown>) if (!index.has(x)) return false;
    return true;
  }
  const index = new EqIndex(dictKeys(b));
  for (const k of dictKeys(a as Map<unknown, unknown>)) {
    const hit = index.find(k);
    if (!hit.length || !eq(dictGet(a as Map<unknown, unknown>, k), b.get(hit[0]))) return false;
  }
  return true;
};
