// asyncEach/asyncAll (compiler/codegen/njk-async.ts): what Nunjucks' runtime walks, failing where it fails.
import { MAX_ITEMS, room } from '../limits.js';
import { runOf, type Sandbox } from '../sandbox.js';

/** runtime.fromIterator, reading at most the item ceiling (a sandbox bounds it first). */
export function njkFromIter(v: unknown, bound?: (v: unknown) => unknown): unknown {
  if (typeof v !== 'object' || v === null || Array.isArray(v) || !(Symbol.iterator in v)) return v;
  const out: unknown[] = [];
  for (const x of (bound ? bound(v) : v) as Iterable<unknown>) if (out.push(x) > MAX_ITEMS) room(out.length, MAX_ITEMS);
  return out;
}

/**
 * An array's items, else own keys as [k, v] (with one or three names Nunjucks' callback arguments
 * shift: it fails). Sandboxed (`env`), not the keys the policy hides, as `for` leaves them out.
 */
export function njkItems(src: unknown, names: number, env?: { sandbox?: Sandbox }): unknown[] {
  if (Array.isArray(src)) return src;
  const o = (src || {}) as Record<string, unknown>;
  const keys: string[] = [];
  for (const k in o) if (Object.prototype.hasOwnProperty.call(o, k) && !env?.sandbox?.hide(k, o)) keys.push(k);
  if (keys.length && names !== 2) throw new TypeError(`asyncEach/asyncAll over an object's keys needs two names (k, v), as in Nunjucks (got ${names})`);
  return keys.map((k) => [k, o[k]]);
}

export function njkLoop(i: number, len: number): Record<string, number | boolean> {
  return { index: i + 1, index0: i, revindex: len - i, revindex0: len - i - 1, first: i === 0, last: i === len - 1, length: len };
}

/** Sandboxed, an async iteration also reads the clock (it may have awaited long). */
export function njkSbTick(env: { sandbox?: Sandbox }, R: { shared: object }, n = 1): void {
  const run = runOf(env, R);
  run.tick(n);
  run.clock();
}
