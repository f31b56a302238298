// String methods for the runtime's hot paths, called through Function.prototype.call on saved
// references. A library that turns String.prototype into a dictionary-mode object (Nunjucks
// does, with Object.create(String.prototype)) makes every `s.method()` a slow lookup for the
// whole process; a saved function called with `.call` is unaffected (bench/README.md).

const P = String.prototype;
const _charCodeAt = P.charCodeAt;
const _slice = P.slice;
const _lower = P.toLowerCase;
const _upper = P.toUpperCase;
// (typed for the string-replacement overloads the runtime uses)
const _replace = P.replace as (this: string, re: RegExp, by: string) => string;
const _replaceAll = P.replaceAll as (this: string, old: string, by: string) => string;

export const charCode = (s: string, i: number): number => _charCodeAt.call(s, i);
export const sliceOf = (s: string, start: number, end?: number): string => _slice.call(s, start, end);
export const lower = (s: string): string => _lower.call(s);
export const upper = (s: string): string => _upper.call(s);
export const replaceRe = (s: string, re: RegExp, by: string): string => _replace.call(s, re, by);
export const replaceAllOf = (s: string, old: string, by: string): string => _replaceAll.call(s, old, by);

/**
 * `s.lastIndexOf(x, from)` in linear time. V8 searches backwards naively (O(n·m): 200 KB of `a`
 * and 100 KB of `a…ab` took 1.3 s, 4x per doubling); its forward search is linear, so a long
 * needle is looked for forward in both strings reversed (code units: indexes stay exact). Used
 * for data by rfind/rindex/rpartition and Nunjucks mode's `lastIndexOf` (docs/security.md).
 */
export function lastIndex(s: string, x: string, from = Infinity): number {
  // (a short needle costs V8 at most 32 comparisons a position)
  if (x.length < 32 || x.length > s.length) return s.lastIndexOf(x, from);
  const end = Math.min(s.length, Math.max(0, from) + x.length);
  const r = rev(_slice.call(s, 0, end)).indexOf(rev(x));
  return r < 0 ? -1 : end - r - x.length;
}
const rev = (s: string): string => s.split('').reverse().join('');

/**
 * `f` of each code point of `s`, as one flat string. (`+=` a character at a time keeps a rope of
 * ~30 bytes a character until it is read: `(x * n) | title` of 2^28 characters aborted V8; s18.)
 */
export function mapChars(s: string, f: (ch: string) => string): string {
  const parts: string[] = [];
  let chunk: string[] = [];
  for (const ch of s) if (chunk.push(f(ch)) === 4096) parts.push(chunk.join('')), (chunk = []);
  parts.push(chunk.join(''));
  return parts.join('');
}

/**
 * Python's `str.expandtabs(size)`: a tab pads to the next multiple of `size`, columns counted in
 * code points from the last \n or \r; a size of 0 or less removes tabs. A first pass sizes the
 * output and hands the length to `check` (a bound may refuse it) before anything is built; the
 * pieces are joined once (appending would keep a rope node a tab).
 */
export function expandTabs(s: string, size = 8, check?: (length: number) => unknown): string {
  if (s.indexOf('\t') < 0) return s;
  const pads: number[] = [];
  let col = 0, total = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 9) {
      const n = size > 0 ? size - (col % size) : 0;
      pads.push(n), (col += n), (total += n - 1);
    } else if (c === 10 || c === 13) col = 0;
    else if (c < 0xdc00 || c > 0xdfff || !(s.charCodeAt(i - 1) >= 0xd800 && s.charCodeAt(i - 1) < 0xdc00)) col++; // (a pair's second half is not a column; a lone one is)
  }
  check?.(total);
  const out: string[] = [];
  let from = 0;
  for (let i = s.indexOf('\t'), t = 0; i >= 0; from = i + 1, i = s.indexOf('\t', from)) out.push(s.slice(from, i), ' '.repeat(pads[t++]!));
  out.push(s.slice(from));
  return out.join('');
}

/** Python title-casing of one character (`ß` → `Ss`, `ǆ` → `ǅ`). */
const TITLE_DIGRAPHS: Record<string, string> = {
  'Ǆ': 'ǅ', 'ǅ': 'ǅ', 'ǆ': 'ǅ', 'Ǉ': 'ǈ', 'ǈ': 'ǈ', 'ǉ': 'ǈ', 'Ǌ': 'ǋ', 'ǋ': 'ǋ', 'ǌ': 'ǋ', 'Ǳ': 'ǲ', 'ǲ': 'ǲ', 'ǳ': 'ǲ',
};
function titleChar(ch: string): string {
  const dg = TITLE_DIGRAPHS[ch];
  if (dg) return dg;
  const up = _upper.call(ch);
  const first = String.fromCodePoint(up.codePointAt(0)!);
  return first.length < up.length ? first + _lower.call(_slice.call(up, first.length)) : up;
}
const CASED = /\p{Cased}/u;
// Python lowers a capital sigma to final ς unless a cased letter follows (case-ignorable ones skipped)
const CASED_NEXT = /[\p{Case_Ignorable}]*\p{Cased}/uy;
const CASED_BEFORE = /(?<=\p{Cased}[\p{Case_Ignorable}]*)/uy;
/** Python's lowercase of the capital sigma at unit `i` of `s`: final ς after a cased letter not followed by one (case-ignorable ones skipped). */
export function lowerSigma(s: string, i: number): string {
  CASED_BEFORE.lastIndex = i;
  if (!CASED_BEFORE.test(s)) return 'σ';
  CASED_NEXT.lastIndex = i + 1;
  return CASED_NEXT.test(s) ? 'σ' : 'ς';
}
/** Python `str.title()`: upper after any uncased character, lower after cased ones. */
export function pyTitle(str: string): string {
  let prevCased = false;
  let at = 0; // (the unit offset of the next character, for a final sigma's look ahead)
  return mapChars(str, (ch) => {
    at += ch.length;
    let t = prevCased ? _lower.call(ch) : titleChar(ch);
    if (prevCased && ch === 'Σ') t = ((CASED_NEXT.lastIndex = at), CASED_NEXT.test(str)) ? 'σ' : 'ς';
    prevCased = CASED.test(ch);
    return t;
  });
}
/** Python `str.capitalize()` (3.8+: the first code point title-cased, the rest lower-cased in context: a final sigma is ς). */
export function pyCapitalize(str: string): string {
  if (!str) return str;
  const c = charCode(str, 0);
  const k = c >= 0xd800 && c < 0xdc00 && charCode(str, 1) >= 0xdc00 && charCode(str, 1) < 0xe000 ? 2 : 1;
  const first = _slice.call(str, 0, k);
  if (str.length === k) return c < 128 ? upper(first) : titleChar(first);
  // (the whole string lowered: the first character's lowercase takes the same units at the front)
  return (c < 128 ? upper(first) : titleChar(first)) + _slice.call(lower(str), lower(first).length);
}

/** Python's line boundaries (str.splitlines): `\r\n`, and `\n \r \v \f \x1c-\x1e \x85` U+2028 U+2029. */
export const LINE_END = /\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/g;
/** Python `str.splitlines(True)`: each line with its end. */
export function splitLinesKeep(str: string): string[] {
  const out: string[] = [];
  let last = 0;
  LINE_END.lastIndex = 0;
  while (LINE_END.exec(str)) out.push(str.slice(last, LINE_END.lastIndex)), (last = LINE_END.lastIndex);
  if (last < str.length) out.push(str.slice(last));
  return out;
}
