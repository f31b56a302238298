// Finding an element equal (Python `==`, values.ts `eq`) to a value among many, without comparing
// with each: `set()`, `dict()` with non-string keys, `unique` and the set methods would otherwise
// compare every new element with every kept one (quadratic on a list of distinct values).
// Elements go into buckets by a key that equal values share (`eqKey`, values.ts, which `eq` of
// sets and Maps uses too); only a bucket is compared with `eq`. Only code that needs it imports this module.

import { eq, eqBuckets, eqKey } from './values.js';

/** Elements by eqKey, each bucket in insertion order. */
export class EqIndex {
  private readonly buckets: Map<unknown, unknown[]>;
  constructor(items: Iterable<unknown> = []) {
    this.buckets = eqBuckets(items);
  }
  add(v: unknown): void {
    eqBuckets([v], this.buckets);
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
