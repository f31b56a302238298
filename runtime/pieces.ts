// Text built from a number of pieces that data sets (one a match, a field, a tag, a line), in
// bounded memory. V8 keeps `out += piece` as a rope, one node (~30 bytes) a piece, until the text
// is read: 2^26 pieces took over 2 GB and V8 aborted the process (an OOM, not a RangeError), where
// the flat text is its length in bytes (issue #19, nineteenth pass). Reading a rope's first
// character makes V8 copy it into one flat string in place, so a builder that reads (and sets
// aside) its rope every 4,096 pieces holds at most that many nodes, for a linear cost.

import { MAX_CHARS, MAX_ITEMS, room, splitRoom } from './limits.js';
import { replaceAllOf, sliceOf } from './strings.js';

/** The longest string handed to V8's own global replace (which lists every match before building). */
const NATIVE = 2 ** 20;

/** Appends pieces; `text()` is their concatenation. Refuses (K-SEC-003) past MAX_CHARS characters, or with `grows` past the sandbox's bound as it goes (limits.ts room). */
export class Pieces {
  constructor(private readonly grows = false) {}
  private done: string[] = [];
  private s = '';
  private n = 0;
  private len = 0;
  add(x: string): void {
    if ((this.len += x.length) > MAX_CHARS || this.grows) room(this.len);
    this.s += x;
    if (++this.n === 4096) this.done.push((this.s.charCodeAt(0), this.s)), (this.s = ''), (this.n = 0);
  }
  text(): string {
    return this.done.length ? (this.done.push(this.s), this.done.join('')) : this.s;
  }
}

/**
 * `s` with its first `count` (every one when negative) occurrences of a non-empty `old` replaced
 * by `nw`, as Python's str.replace and Nunjucks' replace scan: left to right, not overlapping.
 * `nw` is literal (no `$` patterns). A string of at most NATIVE (2^20) characters goes to V8's
 * replaceAll, the fastest (it lists every match first: 2^23 of them ran a 250 MB heap out of
 * memory, 2^26 abort V8 under any); past 2^24 occurrences is K-SEC-003. `next` finds the next
 * occurrence (Python's replace passes one that never matches half of a surrogate pair), then
 * V8's replaceAll is not used.
 */
export function replaceText(s: string, old: string, nw: string, count: number, next?: (s: string, x: string, from: number) => number): string {
  if (!next && count < 0 && s.length <= NATIVE && nw.indexOf('$') < 0) return replaceAllOf(s, old, nw);
  // (past 2^24 pieces, K-SEC-003 as a split's: counted first, in a second where building took minutes)
  if (!(count >= 0 && count < MAX_ITEMS)) splitRoom(s, old);
  const out = new Pieces(nw.length > old.length);
  let from = 0;
  for (let i = 0, k; (count < 0 || i < count) && (k = next ? next(s, old, from) : s.indexOf(old, from)) >= 0; i++) out.add(sliceOf(s, from, k)), out.add(nw), (from = k + old.length);
  if (!from) return s;
  out.add(sliceOf(s, from));
  return out.text();
}

/**
 * `nw` before each of the first `count` (every one when negative) characters of `s`, and after the
 * last if the count reaches there: Python's `replace("", nw, count)` (code points), Nunjucks'
 * (`units`: UTF-16 code units).
 */
export function insertAround(s: string, nw: string, count: number, units = false): string {
  const out = new Pieces(true);
  let i = 0;
  for (let at = 0, w; at < s.length; at += w) {
    w = !units && (s.codePointAt(at) as number) > 0xffff ? 2 : 1;
    out.add(count < 0 || i++ < count ? nw + sliceOf(s, at, at + w) : sliceOf(s, at, at + w));
  }
  if (count < 0 || i < count) out.add(nw);
  return out.text();
}

/**
 * `s.replace(re, f)` for a global `re`: V8's own collects every match before building, and past
 * ~2^26 matches ends the process (a fatal "invalid array length", no exception). A string
 * of at most NATIVE (2^20) characters goes to V8; a longer one is matched here, its pieces
 * built in bounded memory, and past 2^24 matches is K-SEC-003 (counted first, as a split's).
 */
export function replaceMatches(s: string, re: RegExp, f: (m: string, ...groups: string[]) => string): string {
  if (s.length <= NATIVE) return s.replace(re, f);
  splitRoom(s, re); // (past 2^24 matches, K-SEC-003, as a split's)
  const out = new Pieces();
  let from = 0;
  re.lastIndex = 0;
  for (let m; (m = re.exec(s)); ) {
    out.add(sliceOf(s, from, m.index));
    out.add(f(...(m as unknown as [string, ...string[]])));
    from = m.index + m[0].length;
    if (!m[0]) re.lastIndex++;
  }
  out.add(sliceOf(s, from));
  return out.text();
}
