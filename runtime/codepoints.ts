// Strings by code point, as Python's str (docs/decisions.md "Strings by code point (fidelity)").
// A JavaScript string is UTF-16 units; Python indexes, slices, pads and compares code points. A
// code point here is what `for (const c of s)` yields: a high surrogate followed by a low one is
// one (an astral character), any other surrogate is a code point of its own (a lone surrogate, as
// Python keeps one). Only the operations that index, slice, pad or order strings import this
// module, so a bundle without them does not carry it.

import { PyError } from './errors.js';
import { MAX_ITEMS, room } from './limits.js';
import { charCode as code, lastIndex, sliceOf } from './strings.js';

const SURROGATE = /[\uD800-\uDFFF]/;
const isHigh = (c: number): boolean => c >= 0xd800 && c <= 0xdbff;
const isLow = (c: number): boolean => c >= 0xdc00 && c <= 0xdfff;

// The code-point offsets of the last two strings looked at, so indexing one string in a loop
// (`s[i]` for each i) scans it once, not once an index. `null`: no surrogate, units are code points.
let keyA: string | undefined, offsA: Uint32Array | null = null;
let keyB: string | undefined, offsB: Uint32Array | null = null;

/**
 * The unit offset where each code point of `s` starts, then `s.length` (so code point `i` is
 * `s.slice(o[i], o[i + 1])`), or null when `s` has no surrogate (then unit `i` is code point `i`).
 */
export function cpOffsets(s: string): Uint32Array | null {
  if (s === keyA) return offsA;
  if (s === keyB) return offsB;
  const offs = SURROGATE.test(s) ? build(s) : null;
  keyB = keyA, offsB = offsA;
  keyA = s, offsA = offs;
  return offs;
}
function build(s: string): Uint32Array {
  const o = new Uint32Array(s.length + 1);
  let n = 0;
  for (let u = 0; u < s.length; u++) {
    o[n++] = u;
    if (isHigh(code(s, u)) && isLow(code(s, u + 1))) u++;
  }
  o[n] = s.length;
  return o.subarray(0, n + 1);
}

/** Python's len(s). */
export const cpCount = (s: string): number => {
  const o = cpOffsets(s);
  return o ? o.length - 1 : s.length;
};

/** The unit offset of code point `i` (0 <= i <= cpCount(s)). */
export function unitOf(s: string, i: number): number {
  const o = cpOffsets(s);
  return o ? o[i]! : i;
}

/** The code point index of unit offset `u` (a code point's start, or s.length). */
export function cpOf(s: string, u: number): number {
  const o = cpOffsets(s);
  if (!o) return u;
  let lo = 0, hi = o.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (o[mid]! < u) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * `s[a:b:st]` by code point, `a` and `b` already clamped as Python's slice.indices does. Built in
 * chunks, not as one array of characters (past ~2^27 items V8 ends the process: `(x * n)[::-1]`
 * of 2^28 characters did); a step of 1 copies nothing.
 */
export function cpSlice(s: string, a: number, b: number, st: number): string {
  const o = cpOffsets(s);
  if (st === 1) return a < b ? (o ? sliceOf(s, o[a], o[b]) : sliceOf(s, a, b)) : '';
  const parts: string[] = [];
  let chunk: string[] = [];
  for (let i = a; st > 0 ? i < b : i > b; i += st)
    if (chunk.push(o ? sliceOf(s, o[i], o[i + 1]) : s[i]!) === 4096) parts.push(chunk.join('')), (chunk = []);
  parts.push(chunk.join(''));
  return parts.join('');
}

/** True when unit offset `u` falls inside a surrogate pair (a match there splits a character). */
export const splitsPair = (s: string, u: number): boolean => u > 0 && isLow(code(s, u)) && isHigh(code(s, u - 1));
/** A needle that could match half of a pair: it starts with a low surrogate or ends with a high one. */
export const halfEdged = (x: string): boolean => isLow(code(x, 0)) || isHigh(code(x, x.length - 1));

/**
 * The unit offset of the first (or, `right`, last) whole-code-point match of `x` in `s[from:to]`
 * (unit offsets), or -1: a lone surrogate never matches half of a pair, as in Python.
 */
export function findUnits(s: string, x: string, from: number, to: number, right = false): number {
  const win = from === 0 && to === s.length ? s : sliceOf(s, from, to);
  if (!halfEdged(x)) {
    const i = right ? lastIndex(win, x) : win.indexOf(x);
    return i < 0 ? -1 : i + from;
  }
  // (a lone-surrogate edge: each match is checked against the whole string's neighbours)
  const ok = (i: number) => !splitsPair(s, i + from) && !splitsPair(s, i + from + x.length);
  if (right) {
    for (let i = lastIndex(win, x); i >= 0; i = i ? lastIndex(win, x, i - 1) : -1) if (ok(i)) return i + from;
  } else for (let i = win.indexOf(x); i >= 0; i = win.indexOf(x, i + 1)) if (ok(i)) return i + from;
  return -1;
}

/** The unit offset of the first whole-code-point match of `x` (not empty) in `s` at or after `from`, or -1. */
export function nextMatch(s: string, x: string, from: number): number {
  let i = s.indexOf(x, from);
  if (halfEdged(x)) while (i >= 0 && (splitsPair(s, i) || splitsPair(s, i + x.length))) i = s.indexOf(x, i + 1);
  return i;
}

/**
 * `s.split(x)` by whole code points when `x` could match half of a pair (null otherwise: the
 * native split is exact), refused past MAX_ITEMS pieces as splitOf does.
 */
export function splitWhole(s: string, x: string): string[] | null {
  if (!x || !halfEdged(x)) return null;
  const out: string[] = [];
  let from = 0;
  for (let i = nextMatch(s, x, 0); i >= 0; i = nextMatch(s, x, from)) {
    room(out.push(sliceOf(s, from, i)), MAX_ITEMS);
    from = i + x.length;
  }
  out.push(sliceOf(s, from));
  return out;
}

const AT_D800 = /[\uD800-\uFFFF]/;
/**
 * Python's ordering of two strings: by code point. UTF-16 order agrees unless both strings hold
 * a unit at U+D800 or above (the first difference can then be an astral character against
 * U+E000-U+FFFF, which UTF-16 puts after it, or a lone surrogate), so only then are the units
 * walked to the first difference. (Walking every pair instead was 4x slower than the native
 * comparison on keys with a long common prefix, and slower on short keys than this test.)
 */
export function cmpStr(x: string, y: string): number {
  if (x === y) return 0;
  if (!AT_D800.test(x) || !AT_D800.test(y)) return x < y ? -1 : 1;
  const n = Math.min(x.length, y.length);
  let i = 0;
  while (i < n && code(x, i) === code(y, i)) i++;
  if (i === n) return x.length < y.length ? -1 : 1;
  const a = code(x, i), b = code(y, i);
  if (a < 0xd800 || b < 0xd800) return a < b ? -1 : 1;
  // (a low surrogate after a high one: the difference is inside a pair, read from its start)
  if (i > 0 && isHigh(code(x, i - 1)) && (isLow(a) || isLow(b))) i--;
  return x.codePointAt(i)! < y.codePointAt(i)! ? -1 : 1;
}
/** True when some string of `xs` has a surrogate (sorting them natively would misorder it). */
export const anySurrogate = (xs: string[]): boolean => xs.some((x) => SURROGATE.test(x));
const byUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
/** The comparison that orders these strings as Python does: the native one unless one holds a surrogate. */
export const strOrder = (xs: string[]): ((a: string, b: string) => number) => (anySurrogate(xs) ? cmpStr : byUnit);

/** Python's check of a fill character (str.center/ljust/rjust): exactly one code point. */
export function fillChar(f: string): string {
  if (cpCount(f) !== 1) throw new PyError('TypeError', 'The fill character must be exactly one character long');
  return f;
}

/**
 * `s` padded with `fill` (one code point) to `width` code points: `<` on the right, `>` on the
 * left, `^` centred with the odd one on the right (str.format's; str.center has its own rule).
 */
export function padCp(s: string, width: number, fill: string, align: '<' | '>' | '^'): string {
  const pad = width - cpCount(s);
  if (pad <= 0) return s;
  if (align === '<') return s + fill.repeat(pad);
  if (align === '>') return fill.repeat(pad) + s;
  const left = pad >> 1;
  return fill.repeat(left) + s + fill.repeat(pad - left);
}

/** Python's str.center to `width` code points: the odd pad goes left when the width is odd, else right. */
export function centerCp(s: string, width: number, fill: string): string {
  const pad = width - cpCount(s);
  if (pad <= 0) return s;
  const left = Math.floor(pad / 2) + (pad & width & 1);
  return fill.repeat(left) + s + fill.repeat(pad - left);
}

/** The first `n` code points of `s` (a precision: `"%.2s"`, `"{:.1}"`). */
export function cpHead(s: string, n: number): string {
  const o = cpOffsets(s);
  return o ? (n < o.length ? sliceOf(s, 0, o[n]) : s) : sliceOf(s, 0, n);
}
