// Size bounds checked *before* a runtime helper builds a string, list or big integer from a
// count (repetition, padding widths, batch/slice counts, `**`): a template or its data cannot
// make V8 abort on out-of-memory (issue #19 §1, §4). Sandboxed code sets ACTIVE around each
// call into the runtime (sandbox.ts `sbRun`), which tightens the bounds to the policy's.
// (Kept tiny: only helpers that build from a count import it.)

import { SecurityError } from './errors.js';

/** The sandboxed render in force: its allocation bound and its iteration counter. */
export interface Active {
  cap: number;
  tick(n: number): void;
  /** A dict key the sandbox's policy hides from enumeration (dictKeys, `in`): as `d[k]` refuses it. */
  hide(k: unknown, of?: unknown): boolean;
  /** Nunjucks mode: refuses a function about to be converted (its text is its source); runtime/nunjucks toPrim calls it. */
  noSource?(v: unknown): void;
  /** A key a comparing built-in computed (an attribute of a host object, its text, a key function's result): charged where the sandbox could not see it before the call. s18 */
  key?(k: unknown): void;
}
/** Set and restored (try/finally) by sandboxed code around each synchronous call into the runtime. */
export let ACTIVE: Active | null = null;
export function setActive(a: Active | null): Active | null {
  const prev = ACTIVE;
  ACTIVE = a;
  return prev;
}

/** Default-mode ceilings: characters in one string, items in one list, digits of one integer. */
export const MAX_CHARS = 2 ** 28;
export const MAX_ITEMS = 2 ** 24;
export const MAX_DIGITS = 1_000_000;

/** Refuses (K-SEC-003) a result of `n` characters/items/digits over `hard` (or the sandbox's bound); returns n. */
export function room(n: number, hard: number = MAX_CHARS): number {
  const cap = ACTIVE ? Math.min(ACTIVE.cap, hard) : hard;
  if (n > cap) {
    const e = new SecurityError(`A result of ${n} characters, items or digits exceeds the limit of ${cap}`, {
      suggestion: 'Build a smaller value',
    });
    e.code = 'K-SEC-003';
    throw e;
  }
  return n;
}

/**
 * The items of `src` in a new array, refused (K-SEC-003) past MAX_ITEMS: an endless iterator, or
 * an array whose `length` says 2^32-1 (sparse), would otherwise grow an array until V8 aborts.
 * With `first`, only that many (islice: an endless source is fine, and is closed after them).
 */
export function listOf<T>(src: Iterable<T>, first = Infinity): T[] {
  if (first === Infinity && (Array.isArray(src) || src instanceof Set || src instanceof Map)) {
    room(Array.isArray(src) ? src.length : src.size, MAX_ITEMS); // (sizes known: the spread, 2-3x faster than the loop)
    return [...src];
  }
  const out: T[] = [];
  if (first > 0)
    for (const x of src) {
      if (out.push(x) >= first) break;
      if (out.length > MAX_ITEMS) room(out.length, MAX_ITEMS);
    }
  return out;
}

/** After a comprehension's push (its new length `n`): past MAX_ITEMS, K-SEC-003 (an endless source grew until V8 aborted). */
export const grew = (n: number): void => void (n > MAX_ITEMS && room(n, MAX_ITEMS));

/**
 * `s.split(sep)`, refused (K-SEC-003) past MAX_ITEMS pieces: V8 ends the process when a split
 * passes ~2^27 pieces, which `(x * n).split("a")` of 2^28 characters did (s18). Only a string
 * longer than MAX_ITEMS can have that many, so only such a one is counted first.
 */
export function splitOf(s: string, sep: string | RegExp): string[] {
  splitRoom(s, sep);
  return s.split(sep);
}
/** Refuses (K-SEC-003) a split of `s` by `sep`, or its matches, past MAX_ITEMS pieces (see splitOf). */
export function splitRoom(s: string, sep: string | RegExp): void {
  if (s.length <= MAX_ITEMS) return;
  let n = 1;
  if (typeof sep !== 'string') {
    const re = new RegExp(sep.source, 'g' + sep.flags.replace(/[gy]/g, ''));
    for (let m; n <= MAX_ITEMS && (m = re.exec(s)); n++) if (!m[0]) re.lastIndex++;
  } else if (!sep) n = s.length;
  else for (let i = s.indexOf(sep); n <= MAX_ITEMS && i >= 0; i = s.indexOf(sep, i + sep.length)) n++;
  room(n, MAX_ITEMS);
}
