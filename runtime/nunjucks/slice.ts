// `a[start:stop:step]` as Nunjucks' installJinjaCompat() reads it (its sliceLookup, ported):
// always an array of members, strings included ("abcdef"[1:3] is ['b', 'c'], rendered `b,c`),
// no clamping (a stop past the end reads one `undefined` at index length, as its loop does).
// Where Nunjucks loops forever (step 0, a value without a numeric length) this refuses or
// gives nothing instead.

export function getslice(obj: unknown, start: unknown, stop: unknown, step: unknown): unknown[] {
  const o = (obj || []) as { length?: unknown; [i: number]: unknown };
  const st = step == null ? 1 : (step as number);
  if (!(typeof st === 'number' && st !== 0 && Number.isFinite(st))) throw new Error(`slice step must be a non-zero number, got ${String(step)}`);
  const len = typeof o.length === 'number' ? o.length : 0;
  let a = start == null ? (st < 0 ? len - 1 : 0) : (start as number);
  let b = stop == null ? (st < 0 ? -1 : len) : (stop as number);
  if (stop != null && b < 0) b += len;
  if (a < 0) a += len;
  const out: unknown[] = [];
  for (let i = a; !(i < 0 || i > len) && !(st > 0 && i >= b) && !(st < 0 && i <= b); i += st) out.push(o[i]);
  return out;
}
