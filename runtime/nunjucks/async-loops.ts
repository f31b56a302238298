// `{% asyncEach %}` / `{% asyncAll %}` (compat 'nunjucks'; codegen: compiler/codegen/njk-async.ts):
// what Nunjucks' runtime.fromIterator, asyncEach and asyncAll walk, with the same results where
// Nunjucks has them — including its failures (one name over an object's keys, `else` of null).

import { MAX_ITEMS, room } from '../limits.js';
import { limitError, runOf, type Sandbox } from '../sandbox.js';

/**
 * runtime.fromIterator: an iterable object other than an array becomes an array — read only up
 * to the default ceiling on items (an endless iterator is an error, not exhausted memory), and
 * in a sandbox to its iteration budget first.
 */
export function njkFromIter(v: unknown, bound?: (v: unknown) => unknown): unknown {
  if (typeof v !== 'object' || v === null || Array.isArray(v) || !(Symbol.iterator in v)) return v;
  const out: unknown[] = [];
  for (const x of (bound ? bound(v) : v) as Iterable<unknown>) if (out.push(x) > MAX_ITEMS) room(out.length, MAX_ITEMS);
  return out;
}

/**
 * The iterations: an array's items, anything else its own enumerable keys as `[key, value]`
 * pairs (a string's indices too; null/undefined none). Only a loop with two names takes pairs:
 * with one name or three Nunjucks' callback arguments shift and the loop fails, so it is an error.
 */
export function njkItems(src: unknown, names: number): unknown[] {
  if (Array.isArray(src)) return src;
  const o = (src || {}) as Record<string, unknown>;
  const keys: string[] = [];
  for (const k in o) if (Object.prototype.hasOwnProperty.call(o, k)) keys.push(k);
  if (keys.length && names !== 2) throw new TypeError(`asyncEach/asyncAll over an object's keys needs two names (k, v), as in Nunjucks (got ${names})`);
  return keys.map((k) => [k, o[k]]);
}

/** Nunjucks' `loop` of one iteration (a plain object, as its frame builds it). */
export function njkLoop(i: number, len: number): Record<string, number | boolean> {
  return { index: i + 1, index0: i, revindex: len - i, revindex0: len - i - 1, first: i === 0, last: i === len - 1, length: len };
}

/** The `else` of an async loop runs when `!src.length` (so an object's, even with keys; null's throws), as Nunjucks compiles it. */
export function njkNoLen(src: unknown): boolean {
  return !(src as { length?: unknown }).length;
}

/**
 * asyncAll: every body starts at once (each runs until it awaits), the output is theirs in
 * source order. Promise.all settles on the first failure and observes the others, so a second
 * rejecting body is never an unhandled rejection.
 */
export async function njkAll(items: unknown[], body: (item: unknown, i: number) => Promise<string>): Promise<string> {
  return (await Promise.all(items.map(body))).join('');
}

/**
 * Sandboxed: an async loop's iteration (n = 1; 0 after an asyncAll batch) counts against
 * maxLoopIterations and reads the clock every time (an iteration may have awaited for long:
 * the every-64th read of other loops would let a slow filter run past maxRenderTime).
 */
export function njkSbTick(env: { sandbox?: Sandbox }, R: { shared: object }, n = 1): void {
  const run = runOf(env, R);
  run.tick(n);
  const max = run.sb.policy.maxRenderTime;
  if (max !== null && Date.now() - run.start > max) throw limitError('Render time', max, 'maxRenderTime (ms)');
}
