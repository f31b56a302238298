// `a[start:stop:step]` as Nunjucks' installJinjaCompat() reads it (its sliceLookup, ported):
// always an array of members, strings included ("abcdef"[1:3] is ['b', 'c'], rendered `b,c`),
// no clamping (a stop past the end reads one `undefined` at index length, as its loop does).
// Where Nunjucks loops forever this refuses or stops instead: step 0, a value without a numeric
// length, and an index that is not a number (a NaN start, or a string start from data that `+=`
// a negative step turns into "2-1"): every comparison with NaN is false, so its loop never ends
// (and grows its array until V8 aborts). A `length` from data (`{length: 1e10}`) is as many
// items as the loop reads: beyond MAX_ITEMS (the sandbox's bound) it is refused (K-SEC-003).

import { MAX_ITEMS, room } from '../limits.js';
import { Markup } from '../markup.js';

export function getslice(obj: unknown, start: unknown, stop: unknown, step: unknown): unknown[] {
  // (a safe string slices as the SafeString it stands for: its characters, plain, escaped when output)
  const o = (obj instanceof Markup ? obj.value : obj || []) as { length?: unknown; [i: number]: unknown };
  const st = step == null ? 1 : (step as number);
  if (!(typeof st === 'number' && st !== 0 && Number.isFinite(st))) throw new Error(`slice step must be a non-zero number, got ${String(step)}`);
  const len = typeof o.length === 'number' ? o.length : 0;
  let a = start == null ? (st < 0 ? len - 1 : 0) : (start as number);
  let b = stop == null ? (st < 0 ? -1 : len) : (stop as number);
  if (stop != null && b < 0) b += len;
  if (a < 0) a += len;
  const out: unknown[] = [];
  for (let i = a; !(i < 0 || i > len) && !(st > 0 && i >= b) && !(st < 0 && i <= b) && !Number.isNaN(Number(i)); i += st)
    room(out.push(o[i]), MAX_ITEMS);
  return out;
}
