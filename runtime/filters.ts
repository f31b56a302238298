// Built-in filters (language.md §4.1): the 68 names (64 functions) of the reference's default
// environment. Markdown-mode filters (§4.3) live in markdown.ts; terminal mode (§4.2) is out of scope.
//
// Calling convention
// - Each filter is `(value, ...args)`. `filterParams[name]` (signatures.ts) lists the parameter names after the
//   value, in order (`*name` = varargs, passed as ONE array; `**name` = keyword arguments, passed
//   as ONE plain object). The compiler binds keyword arguments to positions with it and passes
//   `undefined` for left-out positions, so JavaScript default parameters supply the reference
//   defaults. Python `None` is `null` (an explicit `none` argument is NOT replaced by a default).
//   Keyword-only Python parameters (`round`/`decimal`/`format_number` `strict`, `tojson` `attr`,
//   `compact` `truthy`) are listed as ordinary named parameters, so unknown keywords stay
//   compile-time errors.
// - Filters in `filterNeedsEnv` (signatures.ts) are called with `this` bound to a `FilterEnv`
//   (`filters.select.call(env, value, ...)`); they use `this.tests` to resolve test names.
//   When called without an environment they fall back to the built-in tests.
// - Results are plain strings unless §3.6 says the filter produces Markup (`escape`/`e`,
//   `safe`, `xmlattr`, `tojson`, `csp_nonce`); filters returning their input or an element
//   (`default`, `first`, `last`, `attr`, `get`, `require`, `debug`) preserve Markup.
//
// Reference bugs not copied (decisions.md §2, language.md Appendix A 9-10): `select`/`reject`
// use the full test registry (the reference only knows a private subset and degrades other
// names to truthiness); the `attribute` lookups of `selectattr`/`rejectattr`/`sum`/`min`/`max`/
// `unique` are dict-aware; `default` keeps `""` whichever operator (`|`, `|>`, `?|`) calls it.

import { LINE_END, charCode, expandTabs, lower, mapChars, pyCapitalize, pyTitle, sliceOf, splitLinesKeep, upper } from './strings.js';
import { pyReplace } from './replace.js';
import { Pieces, replaceMatches } from './pieces.js';
import { Markup, escapeString, isSafe } from './markup.js';
import { PyError, RequiredValueError, TemplateRuntimeError, zeroDivisionError } from './errors.js';
import { ACTIVE, MAX_CHARS, MAX_ITEMS, listOf, room, splitOf } from './limits.js';
import {
  PyFloat, Range, Tuple, UNDEF, add, assertSafeName, compare, dictGet, dictHas, dictItems, eq, fixedPy, formatSpec,
  isDict, groupDigits, isNumber, isString, iter, len, num, observe, pyRepr, pyStr, floatOf, toFloat, toInt, truthy, typeName,
} from './values.js';
import { pyMethod, strFormat } from './methods.js';
import { EqIndex } from './eqindex.js';
import { centerCp, cpCount, cpHead, strOrder } from './codepoints.js';
import { tests as builtinTests } from './tests.js';

export interface FilterEnv {
  autoescape: boolean;
  strict: boolean;
  filters: Record<string, Function>;
  tests: Record<string, Function>;
}
type Filter = (this: FilterEnv | void, value: unknown, ...args: any[]) => unknown;

// ------------------------------------------------------------------ small helpers

/** Python `str(v)` (Markup → its text, plain). */
const s = (v: unknown): string => (typeof v === 'string' ? v : v instanceof Markup ? v.value : pyStr(v));
const isNil = (v: unknown): boolean => v === null || v === undefined || v === UNDEF;
const isPyNumber = (v: unknown): boolean => typeof v === 'boolean' || isNumber(v);
/** Python `list(v)` where None is a TypeError (UNDEF iterates empty). */
function pyList(v: unknown): unknown[] {
  if (v === null || v === undefined) throw new PyError('TypeError', "'NoneType' object is not iterable");
  if (v instanceof Range) room(v.length, MAX_ITEMS); // (`range(10**9) | list` would abort V8)
  return listOf(Array.isArray(v) ? v : iter(v)); // (endless or sparse: K-SEC-003, not V8's abort)
}
/** Iteration where None means "no items" (filters documented as `None → []`). */
const itemsOrEmpty = (v: unknown): unknown[] => (isNil(v) ? [] : Array.isArray(v) ? v : listOf(iter(v)));
/** Python int() of an argument that must be an integer (counts, widths). */
function intArg(v: unknown, what = 'argument'): number {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'boolean' || typeof v === 'bigint') return num(v);
  throw new PyError('TypeError', `'${typeName(v)}' object cannot be interpreted as an integer (${what})`);
}
const cps = (str: string): string[] => Array.from(str);

// Python str.isspace() characters (JavaScript's \s also matches U+FEFF, Python's does not).
const WS = '\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const WS_RUN = /* @__PURE__ */ new RegExp(`[${WS}]+`, 'g');
/** Python's str.isspace() for one UTF-16 unit: ASCII by comparisons (the common case), others by
 * JavaScript's \s, which lacks \x85 and has U+FEFF (test/unit/filters.test.ts checks every unit). */
function isPyWs(c: number): boolean {
  return c <= 32 ? c >= 28 || (c >= 9 && c <= 13) : c > 132 && c !== 0xfeff && /[\x85\s]/.test(String.fromCharCode(c));
}

/** Python `str.strip()` (and lstrip/rstrip with `left`/`right`): whitespace. */
function stripWs(str: string, left = true, right = true): string {
  let i = 0;
  let j = str.length;
  if (left) while (i < j && isPyWs(charCode(str, i))) i++;
  if (right) while (j > i && isPyWs(charCode(str, j - 1))) j--;
  return i === 0 && j === str.length ? str : sliceOf(str, i, j);
}
/** Python `str.strip(chars)` (and lstrip/rstrip with `left`/`right`). */
function pyStrip(str: string, chars: unknown = null, left = true, right = true): string {
  if (chars === null || chars === undefined) return stripWs(str, left, right);
  if (!isString(chars)) throw new PyError('TypeError', `strip arg must be None or str, not ${typeName(chars)}`);
  const set = new Set(cps(s(chars)));
  const a = cps(str);
  let i = 0;
  let j = a.length;
  if (left) while (i < j && set.has(a[i]!)) i++;
  if (right) while (j > i && set.has(a[j - 1]!)) j--;
  return a.slice(i, j).join('');
}
/** Python `str.split()` with no separator. */
const pySplitWs = (str: string): string[] => splitOf(str, WS_RUN).filter((x) => x !== '');


// ------------------------------------------------------------------ attribute lookup

/** Python `getattr(item, name, dflt)` (no dict keys): class instances' own/inherited properties. */
function plainGetattr(item: unknown, name: unknown, dflt: unknown): unknown {
  if (typeof name !== 'string' && !(name instanceof Markup)) throw new PyError('TypeError', 'attribute name must be string');
  const n = s(name);
  assertSafeName(n, item);
  if (item === null || item === undefined || item === UNDEF) return dflt;
  const m = pyMethod(item, n);
  if (m) return m;
  if (typeof item !== 'object' || isDict(item) || Array.isArray(item)) return dflt;
  if (item instanceof Range && (n === 'start' || n === 'stop' || n === 'step')) return item[n];
  for (let p: object | null = item; p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    if (Object.hasOwn(p, n)) {
      // (a getter's promise is observed: the filter that asked may drop it)
      const v = observe((item as Record<string, unknown>)[n]);
      if (v === undefined) return dflt;
      return typeof v === 'function' ? (v as Function).bind(item) : v;
    }
  }
  return dflt;
}
/** A dict's value for a filter's attribute argument: a getter's promise is observed (issue #19,
 * s7: `sort`/`groupby`/`selectattr` by a key whose getter is async dropped it unobserved). */
// (read once: dictHas reads the value too, and would run the getter a second time unobserved)
const dictAttr = (d: unknown, k: unknown): unknown =>
  d instanceof Map || typeof k === 'string' || typeof k === 'number' || k instanceof Markup ? observe(dictGet(d as Record<string, unknown>, k)) : undefined;
/** Dict-aware `getattr(item, name, dflt)`: dict key (`.get(name, dflt)`), else attribute. */
function attrOr(item: unknown, name: unknown, dflt: unknown): unknown {
  if (isDict(item)) {
    const v = dictAttr(item, name);
    return v === undefined ? dflt : v;
  }
  return plainGetattr(item, name, dflt);
}
/** The reference's `_filter_attr`: dict → `.get(name)`, else getattr; None → "". */
function attrOf(item: unknown, name: unknown): unknown {
  if (item === null || item === undefined || item === UNDEF) return '';
  if (isDict(item)) {
    const v = dictAttr(item, name);
    return v === null || v === undefined ? '' : v;
  }
  const v = plainGetattr(item, name, null);
  return v === null || v === undefined ? '' : v;
}
/** Dict-aware attribute for selectattr/rejectattr: exact key, else a dotted path; missing → None. */
function attrLookup(item: unknown, name: unknown): unknown {
  const key = s(name);
  const one = (obj: unknown, k: string): unknown => {
    if (obj === null || obj === undefined || obj === UNDEF) return null;
    if (isDict(obj)) return dictAttr(obj, k) ?? null;
    if (Array.isArray(obj) && /^-?\d+$/.test(k)) {
      const i = Number(k) < 0 ? obj.length + Number(k) : Number(k);
      return i >= 0 && i < obj.length ? (obj[i] ?? null) : null;
    }
    return plainGetattr(obj, k, null);
  };
  const own = isDict(item) ? dictAttr(item, key) : undefined;
  if (own !== undefined) return own ?? null;
  if (!key.includes('.')) return one(item, key);
  let v = item;
  for (const part of key.split('.')) {
    v = one(v, part);
    if (v === null) return null;
  }
  return v;
}

// ------------------------------------------------------------------ strings

function truncate(v: unknown, length: unknown = 255, killwords: unknown = false, end: unknown = '...', _leeway: unknown = null): string {
  const a = cps(s(v));
  const n = num(length);
  if (Number.isNaN(n) && !(typeof length === 'number')) throw new PyError('TypeError', `'<=' not supported between instances of 'int' and '${typeName(length)}'`);
  if (a.length <= n) return a.join('');
  const e = s(end);
  const room = n - cpCount(e);
  if (room <= 0) return n > 0 ? cps(e).slice(0, n).join('') : '';
  if (truthy(killwords)) return a.slice(0, room).join('') + e;
  let cut = a.slice(0, room).join('');
  const sp = cut.lastIndexOf(' ');
  if (sp > 0) cut = cut.slice(0, sp);
  return pyStrip(cut, null, false, true) + e;
}

function center(v: unknown, width: unknown = 80): string {
  const str = s(v);
  return centerCp(str, room(intArg(width, 'width')), ' ');
}

function indent(v: unknown, width: unknown = 4, first: unknown = false): string {
  const str = s(v);
  const n = Math.max(0, intArg(width, 'width'));
  if (!str) return '';
  room(n + str.length);
  const pad = ' '.repeat(n);
  // (the pad after each line end but the last, as splitlines(keepends) then a join, without the
  // list: 2^25 lines held over 2 GB of strings; s19)
  const out = new Pieces(n > 0);
  if (truthy(first)) out.add(pad);
  let last = 0;
  LINE_END.lastIndex = 0;
  while (LINE_END.exec(str) && LINE_END.lastIndex < str.length) out.add(sliceOf(str, last, LINE_END.lastIndex)), out.add(pad), (last = LINE_END.lastIndex);
  out.add(sliceOf(str, last));
  return out.text();
}

// textwrap.fill (break_on_hyphens=True, drop_whitespace=True, expand_tabs=True, tabsize=8)
const TW_WS = '\\t\\n\\x0b\\x0c\\r ';
const TW_WP = `[\\p{L}\\p{N}_!"'&.,?]`;
const TW_LT = '[\\p{L}\\p{Nl}\\p{No}_]';
const TW_WORD = '[\\p{L}\\p{N}_]';
const WORDSEP = /* @__PURE__ */ new RegExp(
  `([${TW_WS}]+|(?<=${TW_WP})-{2,}(?=${TW_WORD})|[^${TW_WS}]+?(?:-(?:(?<=${TW_LT}{2}-)|(?<=${TW_LT}-${TW_LT}-))(?=${TW_LT}-?${TW_LT})|(?=[${TW_WS}]|$)|(?<=${TW_WP})(?=-{2,}${TW_WORD})))`,
  'u',
);
const joined = (p: string | string[]): string => (typeof p === 'string' ? p : p.join(''));
function textwrap(text: string, width: number, breakLong: boolean): string[] {
  const munged = replaceMatches(expandTabs(text), /[\t\n\x0b\x0c\r]/g, () => ' ');
  const chunks = splitOf(munged, WORDSEP).filter((c) => c);
  if (width <= 0) throw new PyError('ValueError', `invalid width ${width} (must be > 0)`);
  // (lengths in code points and blankness by scanning: no array or string per chunk)
  const L = (c: string) => {
    let n = c.length;
    for (let i = 0; i < c.length - 1; i++) {
      const h = charCode(c, i);
      if (h >= 0xd800 && h < 0xdc00) {
        const l = charCode(c, i + 1);
        if (l >= 0xdc00 && l < 0xe000) n--, i++;
      }
    }
    return n;
  };
  const blank = (c: string) => {
    for (let i = 0; i < c.length; i++) if (!isPyWs(charCode(c, i))) return false;
    return true;
  };
  // Python's TextWrapper._wrap_chunks over the chunks in order from `k`. A chunk broken across
  // lines is held as code points (`head`) of which `off` are used, and lengths and blankness
  // are computed once per chunk: each line then costs its own length, not the rest of the text's.
  const n = chunks.length;
  const lens = chunks.map(L);
  const blanks = chunks.map(blank);
  let k = 0;
  // (a chunk of BMP characters only is its own code points: a list of them took 2 GB for one
  // word of 2^26 characters; s19)
  let head: string | string[] | null = null;
  let off = 0;
  let headBlankFrom = 0; // the code points of `head` from this index on are all whitespace
  const topLen = () => (head ? head.length - off : lens[k]!);
  const topBlank = () => (head ? off >= headBlankFrom : blanks[k]!);
  const pop = (): string => {
    const c = head ? joined(head.slice(off)) : chunks[k]!;
    head = null;
    k++;
    return c;
  };
  const lines: string[] = [];
  while (k < n) {
    const cur: string[] = [];
    let curLen = 0;
    if (topBlank() && lines.length) pop();
    while (k < n) {
      const l = topLen();
      if (curLen + l <= width) {
        cur.push(pop());
        curLen += l;
      } else break;
    }
    if (k < n && topLen() > width) {
      const spaceLeft = width < 1 ? 1 : width - curLen;
      if (breakLong) {
        if (!head) {
          head = lens[k] === chunks[k]!.length ? chunks[k]! : cps(chunks[k]!);
          off = 0;
          headBlankFrom = head.length;
          while (headBlankFrom > 0 && isPyWs(charCode(head[headBlankFrom - 1]!, 0))) headBlankFrom--;
        }
        const h: string | string[] = head;
        let endAt = spaceLeft;
        if (h.length - off > spaceLeft) {
          let hyphen = spaceLeft - 1;
          while (hyphen >= 0 && h[off + hyphen] !== '-') hyphen--;
          if (hyphen > 0) {
            let word = false;
            for (let i = 0; i < hyphen && !word; i++) word = h[off + i] !== '-';
            if (word) endAt = hyphen + 1;
          }
        }
        cur.push(joined(h.slice(off, off + endAt)));
        off += endAt;
      } else if (!cur.length) cur.push(pop());
      curLen = cur.reduce((m, c) => m + L(c), 0);
    }
    if (cur.length && blank(cur[cur.length - 1]!)) {
      curLen -= L(cur[cur.length - 1]!);
      cur.pop();
    }
    if (cur.length) lines.push(cur.join(''));
  }
  return lines;
}
function wordwrap(v: unknown, width: unknown = 79, breakLongWords: unknown = true): string {
  return textwrap(s(v), intArg(width, 'width'), truthy(breakLongWords)).join('\n');
}

// (`\d*(?:\.\d*)?`, not `\d*\.?\d*`: two adjacent runs of digits backtrack quadratically)
const PERCENT_SPEC = /%\d*(?:\.\d*)?[sdfioxXeEgGcrs]/;
function format(v: unknown, args: unknown[] = [], kwargs: Record<string, unknown> = {}): string {
  const str = s(v);
  const hasArgs = args.length > 0 || Object.keys(kwargs).length > 0;
  if (hasArgs && !str.includes('{') && PERCENT_SPEC.test(str))
    throw new PyError(
      'ValueError',
      'format filter uses str.format() with {} placeholders, not %. For numeric formatting use format_number (e.g. x | format_number(2)) or {:.2f}-style.',
    );
  return strFormat(str, args, kwargs);
}

/**
 * Removes every `<…>` (what `/<[^>]*>/g` removes) in one pass: the regex rescans the rest of
 * the text from every `<` that has no `>` after it, quadratic on a run of `<`.
 */
function stripTags(str: string): string {
  const out = new Pieces();
  let from = 0;
  for (;;) {
    const lt = str.indexOf('<', from);
    if (lt < 0) break;
    const gt = str.indexOf('>', lt + 1);
    if (gt < 0) break; // (no later `<` has a `>` after it either)
    out.add(sliceOf(str, from, lt));
    from = gt + 1;
  }
  return from === 0 ? str : (out.add(sliceOf(str, from)), out.text());
}

function pluralize(v: unknown, suffix: unknown = 's'): string {
  const sfx = s(suffix);
  if (v === null || v === undefined || v === UNDEF) return sfx;
  let n: number;
  try {
    n = typeof v === 'boolean' ? Number(v) : num(toInt(v));
  } catch (e) {
    throw new PyError('ValueError', `pluralize expects a number, got ${typeName(v)}: ${pyRepr(v)}. Use | int or ensure numeric value.`);
  }
  const parts = sfx.split(',');
  if (n === 1) return parts.length > 1 ? pyStrip(parts[0]!) : '';
  return parts.length > 1 ? pyStrip(parts[1]!) : sfx;
}

function urlencode(v: unknown): string {
  // (encodeURIComponent keeps `!'()*`, which quote() escapes; a lone surrogate becomes U+FFFD, as
  // TextEncoder makes it, instead of a URIError. Natively: a byte at a time took ~1 s a million.)
  const wf = s(v).replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
  return replaceMatches(encodeURIComponent(wf), /[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

// (`<` too: the reference allows it, but a data key must not put a `<` into the output)
const INVALID_ATTR = new Set([' ', '\t', '\n', '\r', '\f', '\x00', '"', "'", '>', '/', '=', '<']);
function xmlattr(v: unknown): Markup {
  if (!isDict(v)) throw new PyError('AttributeError', `'${typeName(v)}' object has no attribute 'items'`);
  const parts: string[] = [];
  for (const [k, val] of dictItems(v)) {
    if (val === null || val === undefined || val === UNDEF) continue;
    if (!isString(k)) throw new PyError('TypeError', `'${typeName(k)}' object is not iterable`);
    const key = s(k);
    if (!key || [...key].some((c) => INVALID_ATTR.has(c))) throw new PyError('ValueError', `Invalid attribute name: ${pyRepr(key)}`);
    parts.push(`${key}="${escapeString(s(val))}"`);
  }
  return new Markup(parts.join(' '));
}

/** Python `html.escape(s, quote=True)`. */
const htmlEscapeQuote = (str: string) =>
  str.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#x27;');
/**
 * `csp_nonce`: adds ` nonce="…"` to the `<script>`/`<style>` tags of safe HTML. A plain string is
 * data: it is escaped first, so it never becomes Markup with live tags, nor gets the page's nonce.
 */
function cspNonce(v: unknown, nonce: unknown = null): Markup {
  const html = v instanceof Markup ? v.value : isSafe(v) ? String(observe(v.__html__())) : escapeString(s(v));
  if (!truthy(nonce)) return new Markup(html);
  return new Markup(addNonce(html, ` nonce="${htmlEscapeQuote(s(nonce))}"`));
}
const isWs = (c: number): boolean => c === 32 || (c >= 9 && c <= 13);
/**
 * The tag scan of csp_nonce, linear in the text: `<`, optional whitespace, `script`/`style` (any
 * case), then `>` or whitespace and attributes up to the next `>`; a tag that already has a
 * `nonce=` keeps its own. Each character is looked at a bounded number of times (a `>` search
 * ends the scan when none is left), so hostile text cannot make it backtrack.
 */
function addNonce(str: string, attr: string): string {
  const out = new Pieces();
  let last = 0;
  for (let i = str.indexOf('<'); i >= 0; i = str.indexOf('<', i + 1)) {
    let j = i + 1;
    while (j < str.length && isWs(charCode(str, j))) j++;
    if ((charCode(str, j) | 32) !== 115) continue; // (not `s`: most `<` end here)
    const name = lower(sliceOf(str, j, j + 6));
    const k = j + (name === 'script' ? 6 : name.startsWith('style') ? 5 : 0);
    if (k === j || k >= str.length) continue;
    const c = charCode(str, k);
    if (c !== 62 && !isWs(c)) continue;
    const gt = str.indexOf('>', k);
    if (gt < 0) break; // no tag can close after this point
    const attrs = sliceOf(str, k, gt);
    if (!/\bnonce\s*=/i.test(attrs)) {
      out.add(sliceOf(str, last, gt) + attr);
      last = gt;
    }
    i = gt;
  }
  out.add(sliceOf(str, last));
  return out.text();
}

// ------------------------------------------------------------------ collections

type SortKey = [number, number, unknown];
const KEY_NONE: SortKey = [1, 0, 0];
/** The reference's sort key: None/"" last, numbers (bools too) before strings, everything else as str(). */
function sortKey(v: unknown, caseSensitive: boolean): SortKey {
  if (v === null || v === undefined || v === UNDEF || (isString(v) && s(v) === '')) return KEY_NONE;
  if (isPyNumber(v)) return [0, 0, typeof v === 'bigint' ? v : num(v)];
  const str = s(observe(v)); // (a promise item or key is sorted as its text, as before, and observed)
  ACTIVE?.key?.(str);
  return [0, 1, caseSensitive ? str : str.toLowerCase()];
}
function cmpKey(a: SortKey, b: SortKey): number {
  if (a[0] !== b[0]) return a[0] - b[0];
  if (a[1] !== b[1]) return a[1] - b[1];
  return compare(a[2], b[2]);
}
function cmpKeys(a: SortKey[], b: SortKey[]): number {
  for (let i = 0; i < a.length; i++) {
    const c = cmpKey(a[i]!, b[i]!);
    if (c) return c;
  }
  return 0;
}
/** Python `sorted(items, key=..., reverse=...)`: stable in both directions. */
function stableSort<T, K>(items: T[], key: (x: T) => K, cmp: (a: K, b: K) => number, reverse: boolean): T[] {
  const keyed = items.map((x) => ({ k: key(x), x }));
  keyed.sort(reverse ? (a, b) => cmp(b.k, a.k) : (a, b) => cmp(a.k, b.k));
  return keyed.map((e) => e.x);
}

function sort(v: unknown, reverse: unknown = false, caseSensitive: unknown = false, attribute: unknown = null): unknown[] {
  if (!truthy(v)) return [];
  const items = pyList(v);
  const cs = truthy(caseSensitive);
  const attrs = truthy(attribute) ? s(attribute).split(',').map((a) => pyStrip(a)) : [];
  if (!attrs.length) {
    // non-empty strings only (`tags | sort`): compare the (lowered) strings directly
    // (by UTF-16 unit unless one has a surrogate: then by code point, as Python)
    if (items.every((x) => typeof x === 'string' && x !== ''))
      return stableSort(items as string[], cs ? (x) => x : lower, strOrder(items as string[]), truthy(reverse));
    return stableSort(items, (x) => sortKey(x, cs), cmpKey, truthy(reverse));
  }
  const key = (x: unknown): SortKey[] => attrs.map((a) => sortKey(attrOf(x, a), cs));
  return stableSort(items, key, cmpKeys, truthy(reverse));
}

function dictsort(v: unknown, caseSensitive: unknown = false, by: unknown = 'key', reverse: unknown = false): Tuple[] {
  if (!isDict(v)) throw new PyError('AttributeError', `'${typeName(v)}' object has no attribute 'items'`);
  const idx = s(by) === 'value' && isString(by) ? 1 : 0;
  const cs = truthy(caseSensitive);
  const items = dictItems(v);
  // (string keys, the usual dict: compared as strings directly, as sort() does, by code point when
  // one holds a surrogate; compare() per pair cost ~1 µs a key)
  if (items.every((item) => typeof item[idx] === 'string'))
    return stableSort(items, cs ? (item) => item[idx] as string : (item) => (item[idx] as string).toLowerCase(), strOrder(items.map((item) => item[idx] as string)), truthy(reverse));
  const key = (item: Tuple) => {
    const x = item[idx];
    return !cs && isString(x) ? s(x).toLowerCase() : x;
  };
  return stableSort(items, key, compare, truthy(reverse));
}

/** Hashability check and hash-like key for unique(). */
function hashKey(v: unknown, seen?: Set<unknown>): unknown {
  if (Array.isArray(v) && !(v instanceof Tuple)) throw new PyError('TypeError', "unhashable type: 'list'");
  if (isDict(v)) throw new PyError('TypeError', "unhashable type: 'dict'");
  if (v instanceof Set) throw new PyError('TypeError', "unhashable type: 'set'");
  // (a tuple met again is checked once: `t = (t, t)` in a loop was 2^40 steps; sandboxed, each
  // tuple walked is a loop iteration, as eq's walk. s9)
  if (v instanceof Tuple && !seen?.has(v)) {
    ACTIVE?.tick(1);
    (seen ??= new Set()).add(v);
    for (const x of v) hashKey(x, seen);
  }
  return v;
}
function unique(v: unknown, caseSensitive: unknown = false, attribute: unknown = null): unknown[] {
  const cs = truthy(caseSensitive);
  const seenPrim = new Set<unknown>();
  const seenOther = new EqIndex();
  const out: unknown[] = [];
  for (const item of pyList(v)) {
    let val = truthy(attribute) ? attrOr(item, attribute, null) : item;
    ACTIVE?.key?.(val);
    if (!cs && isString(val)) val = s(val).toLowerCase();
    else if (val instanceof Markup) val = val.value;
    hashKey(observe(val)); // (a promise item: observed, then refused as unhashable or kept)
    let k: unknown = val;
    if (typeof val === 'boolean') k = Number(val);
    else if (val instanceof PyFloat) k = val.v;
    else if (typeof val === 'bigint' && val >= BigInt(Number.MIN_SAFE_INTEGER) && val <= BigInt(Number.MAX_SAFE_INTEGER)) k = Number(val);
    else if (val === undefined) k = null;
    const prim = k === null || typeof k === 'string' || typeof k === 'number' || typeof k === 'bigint';
    if (prim ? seenPrim.has(k) : seenOther.find(k, (y) => eq(y, k)).length) continue;
    if (prim) seenPrim.add(k);
    else seenOther.add(k);
    out.push(item);
  }
  return out;
}

function groupby(v: unknown, attribute: unknown): Record<string, unknown>[] {
  const getKey = (item: unknown): unknown => {
    if (isDict(item)) {
      const r = dictAttr(item, attribute);
      return r === undefined ? null : r;
    }
    const r = plainGetattr(item, attribute, null);
    return r === undefined ? null : r;
  };
  const sortTuple = (k: unknown): [number, unknown] => {
    if (k === null || k === undefined || (isString(k) && s(k) === '')) return [2, ''];
    if (isPyNumber(k)) return [0, typeof k === 'bigint' ? k : num(k)];
    ACTIVE?.key?.(k);
    return [1, s(k).toLowerCase()];
  };
  const keyed = pyList(v).map((item) => ({ k: getKey(item), item }));
  const sorted = stableSort(keyed, (e) => sortTuple(e.k), (a, b) => a[0] - b[0] || compare(a[1], b[1]), false);
  const groups: Record<string, unknown>[] = [];
  let cur: { grouper: unknown; list: unknown[] } | null = null;
  for (const e of sorted) {
    if (cur && eq(cur.grouper, e.k)) cur.list.push(e.item);
    else {
      cur = { grouper: e.k, list: [e.item] };
      groups.push(cur);
    }
  }
  return groups;
}

function map(v: unknown, args: unknown[] = [], attribute: unknown = null): unknown[] {
  if (v === null || v === undefined || v === UNDEF) return [];
  try {
    if (truthy(attribute)) return pyList(v).map((item) => attrOf(item, attribute));
    if (args.length) {
      const name = args[0];
      // (the strings it builds, counted together: `([x] * n) | map("upper")` made 2^24 new copies
      // of a long string, each under MAX_CHARS, and V8 aborted; s18)
      let built = 0;
      return pyList(v).map((item) => {
        const m = isDict(item) ? pyMethod(item, s(name)) : plainGetattr(item, name, undefined);
        if (m === undefined || m === null) throw new PyError('AttributeError', `'${typeName(item)}' object has no attribute ${pyRepr(name)}`);
        if (typeof m !== 'function') throw new PyError('TypeError', `'${typeName(m)}' object is not callable`);
        const r = (m as () => unknown)();
        if (typeof r === 'string') {
          if ((built += r.length) > MAX_CHARS) room(built);
          r.charCodeAt(0); // (reading flattens a rope: `title` builds by `+=`, ~30 bytes a character)
        }
        return r;
      });
    }
    return pyList(v);
  } catch (e) {
    if (e instanceof PyError && (e.pyType === 'TypeError' || e.pyType === 'ValueError')) return [];
    throw e;
  }
}

/** Resolves a test name for select/reject (full registry: the reference's subset is a bug). */
function testFn(env: FilterEnv | void, name: unknown, args: unknown[]): (x: unknown) => boolean {
  const n = s(name);
  const own = (tb: Record<string, Function> | undefined) => (tb && Object.hasOwn(tb, n) ? tb[n] : undefined);
  const t = own(env ? env.tests : undefined) ?? own(builtinTests);
  if (typeof t !== 'function') throw new TemplateRuntimeError(`No test named '${n}'`, 'K-RUN-007');
  return (x) => truthy(t.call(env, x, ...args));
}
function select(this: FilterEnv | void, v: unknown, testName: unknown = null, args: unknown[] = []): unknown[] {
  const items = pyList(v);
  if (testName === null || testName === undefined) return items.filter((x) => truthy(x));
  const t = testFn(this, testName, args);
  return items.filter((x) => t(x));
}
function reject(this: FilterEnv | void, v: unknown, testName: unknown = null, args: unknown[] = []): unknown[] {
  const items = pyList(v);
  if (testName === null || testName === undefined) return items.filter((x) => !truthy(x));
  const t = testFn(this, testName, args);
  return items.filter((x) => !t(x));
}
function selectattr(this: FilterEnv | void, v: unknown, attr: unknown, testName: unknown = null, args: unknown[] = []): unknown[] {
  const items = pyList(v);
  const t = testName === null || testName === undefined ? truthy : testFn(this, testName, args);
  return items.filter((x) => t(attrLookup(x, attr)));
}
function rejectattr(this: FilterEnv | void, v: unknown, attr: unknown, testName: unknown = null, args: unknown[] = []): unknown[] {
  const items = pyList(v);
  const t = testName === null || testName === undefined ? truthy : testFn(this, testName, args);
  return items.filter((x) => !t(attrLookup(x, attr)));
}

function batch(v: unknown, linecount: unknown, fillWith: unknown = null): unknown[][] {
  const n = num(linecount);
  if (Number.isNaN(n)) throw new PyError('TypeError', `'>=' not supported between instances of 'int' and '${typeName(linecount)}'`);
  const out: unknown[][] = [];
  let cur: unknown[] = [];
  for (const item of pyList(v)) {
    cur.push(item);
    if (cur.length >= n) {
      out.push(cur);
      cur = [];
    }
  }
  if (cur.length) {
    if (fillWith !== null && fillWith !== undefined && room(n, MAX_ITEMS)) while (cur.length < n) cur.push(fillWith);
    out.push(cur);
  }
  return out;
}

function slice(v: unknown, slices: unknown, _fillWith: unknown = null): unknown[][] {
  const n = room(intArg(slices, 'slices'), MAX_ITEMS);
  const out: unknown[][] = [];
  for (let i = 0; i < n; i++) out.push([]);
  const items = pyList(v);
  if (items.length && n <= 0) throw zeroDivisionError('integer modulo by zero');
  items.forEach((x, i) => out[i % n]!.push(x));
  return out;
}

/** itertools.islice bounds: None = open; negative/non-int → ValueError (the filters then return []). */
function isliceArg(c: unknown): number | null {
  if (c === null || c === undefined) return null;
  if ((typeof c === 'number' && Number.isInteger(c) && c >= 0) || typeof c === 'boolean') return num(c);
  if (typeof c === 'bigint' && c >= 0n) return Number(c);
  return -1;
}
function take(v: unknown, count: unknown): unknown[] {
  if (v === null || v === undefined || v === UNDEF) return [];
  const n = isliceArg(count);
  if (n === -1) return [];
  try {
    if (n === null) return pyList(v);
    return Array.isArray(v) ? v.slice(0, n) : listOf(iter(v), n); // (islice: an endless source is fine)
  } catch (e) {
    if (e instanceof PyError && e.pyType === 'TypeError') return [];
    throw e;
  }
}
function skip(v: unknown, count: unknown): unknown[] {
  if (v === null || v === undefined || v === UNDEF) return [];
  const n = isliceArg(count);
  if (n === -1) return [];
  try {
    const items = pyList(v);
    return n === null ? items : items.slice(n);
  } catch (e) {
    if (e instanceof PyError && e.pyType === 'TypeError') return [];
    throw e;
  }
}
function compact(v: unknown, truthyOnly: unknown = true): unknown[] {
  if (v === null || v === undefined || v === UNDEF) return [];
  let items: unknown[];
  try {
    items = pyList(v);
  } catch (e) {
    if (e instanceof PyError && e.pyType === 'TypeError') return [];
    throw e;
  }
  return truthy(truthyOnly) ? items.filter((x) => truthy(x)) : items.filter((x) => x !== null && x !== undefined);
}

/** Python `a + b` inside sum(): no string concatenation. */
function sumAdd(a: unknown, b: unknown): unknown {
  if (isString(a) || isString(b) || a === null || a === undefined || b === null || b === undefined)
    throw new PyError('TypeError', `unsupported operand type(s) for +: '${typeName(a)}' and '${typeName(b)}'`);
  return add(a, b);
}
function sum(v: unknown, attribute: unknown = null, start: unknown = 0): unknown {
  if (isString(start)) throw new PyError('TypeError', "sum() can't sum strings [use ''.join(seq) instead]");
  let total: unknown = start;
  const attr = truthy(attribute);
  let own = false; // total is a list this loop made: further lists are appended to it, not copied with it
  for (const x of pyList(v)) {
    const y = attr ? attrOr(x, attribute, 0) : x;
    if (own && Array.isArray(y) && y instanceof Tuple === total instanceof Tuple) for (const e of y) (total as unknown[]).push(e);
    else {
      total = sumAdd(total, y);
      own = Array.isArray(total);
    }
  }
  return total;
}
function minMax(v: unknown, attribute: unknown, sign: number): unknown {
  const items = pyList(v);
  if (!items.length) throw new PyError('ValueError', `${sign < 0 ? 'min' : 'max'}() iterable argument is empty`);
  const attr = truthy(attribute);
  const key = (x: unknown) => {
    if (!attr) return x;
    const r = attrOr(x, attribute, null);
    ACTIVE?.key?.(r);
    return truthy(r) ? r : 0;
  };
  let best = items[0];
  let bestKey = key(best);
  for (let i = 1; i < items.length; i++) {
    const k = key(items[i]);
    if (compare(k, bestKey, sign < 0 ? '<' : '>') * sign > 0) {
      best = items[i];
      bestKey = k;
    }
  }
  return best;
}

function classes(v: unknown): string {
  if (v === null || v === undefined || v === UNDEF) return '';
  let items: unknown[];
  try {
    items = pyList(v);
  } catch {
    return s(v);
  }
  const out: string[] = [];
  for (const x of items) {
    if (Array.isArray(x)) for (const y of x) truthy(y) && out.push(s(y));
    else if (truthy(x)) out.push(s(x));
  }
  return out.join(' ');
}

// ------------------------------------------------------------------ numbers and conversion

function abs(v: unknown): unknown {
  if (typeof v === 'number') return Math.abs(v);
  if (typeof v === 'bigint') return v < 0n ? -v : v;
  if (typeof v === 'boolean') return Number(v);
  if (v instanceof PyFloat) return new PyFloat(Math.abs(v.v));
  throw new PyError('TypeError', `bad operand type for abs(): '${typeName(v)}'`);
}

/** A float result: integral values become PyFloat so they render `2.0`. */
const asFloat = (n: number): number | PyFloat => (Number.isInteger(n) ? new PyFloat(n) : n);
/** Python `round(x, p)` on a float: correctly rounded, ties to even. */
function pyRoundFloat(x: number, p: number): number {
  if (!Number.isFinite(x)) return x;
  if (p >= 0) {
    if (p > 300) return x;
    if (p <= 22) {
      // k = round(|x|·10^p) is exact when the float product is below 1e8 and not within its
      // error of a tie; k / 10^p is then the nearest double to the decimal, as Python's is.
      const f = 10 ** p;
      const y = Math.abs(x) * f;
      if (y < 1e8 && Math.abs(y - Math.floor(y) - 0.5) > 1e-7) {
        const r = Math.round(y) / f;
        return x < 0 || Object.is(x, -0) ? -r : r;
      }
    }
    const r = Number(fixedPy(x, p));
    return r === 0 && (x < 0 || Object.is(x, -0)) ? -0 : r;
  }
  const m = 10 ** -p;
  // (10^-p past a double's range: Python rounds every finite x to a zero of x's sign)
  if (m === Infinity) return x < 0 || Object.is(x, -0) ? -0 : 0;
  const y = x / m;
  let r = Math.round(y);
  if (Math.abs(y % 1) === 0.5 && r % 2 !== 0) r -= 1;
  return r * m;
}
/** `round` the common way and not strict: what `x | round` and `x | round(n)` call (f_round_1). */
function roundCommon(v: unknown, precision: unknown = 0): number | PyFloat {
  // the common call, `x | round(n)` on a JS number
  if (typeof v === 'number' && typeof precision === 'number' && Number.isInteger(precision)) return asFloat(pyRoundFloat(v, precision));
  const x = floatOf(v);
  return x === undefined ? new PyFloat(0) : asFloat(pyRoundFloat(x, intArg(precision, 'precision')));
}
function round(v: unknown, precision: unknown = 0, method: unknown = 'common', strict: unknown = false): unknown {
  if (method === 'common' && strict === false) return roundCommon(v, precision);
  let x: number;
  try {
    x = num(toFloat(v));
  } catch (e) {
    if (truthy(strict)) throw new TemplateRuntimeError(`Cannot convert ${typeName(v)} to float: ${pyRepr(v)}`, 'K-RUN-007', { cause: e });
    return new PyFloat(0);
  }
  const p = intArg(precision, 'precision');
  const m = s(method);
  let r: number;
  if (m === 'ceil' || m === 'floor') {
    if (!Number.isFinite(x)) throw new PyError('OverflowError', 'cannot convert float infinity to integer');
    const f = 10 ** p;
    r = (m === 'ceil' ? Math.ceil(x * f) : Math.floor(x * f)) / f;
  } else r = pyRoundFloat(x, p);
  return asFloat(r);
}

function intFilter(v: unknown, dflt: unknown = 0, strict: unknown = false): unknown {
  try {
    return toInt(v);
  } catch (e) {
    if (e instanceof PyError && e.pyType !== 'TypeError' && e.pyType !== 'ValueError') throw e;
    if (truthy(strict)) throw new TemplateRuntimeError(`Cannot convert ${typeName(v)} to int: ${pyRepr(v)}`, 'K-RUN-007', { cause: e });
    return dflt;
  }
}
function floatFilter(v: unknown, dflt: unknown = new PyFloat(0), strict: unknown = false): unknown {
  try {
    return toFloat(v);
  } catch (e) {
    if (truthy(strict)) throw new TemplateRuntimeError(`Cannot convert ${typeName(v)} to float: ${pyRepr(v)}`, 'K-RUN-007', { cause: e });
    return dflt;
  }
}

function decimal(v: unknown, places: unknown = 2, strict: unknown = false): string {
  let x: number;
  try {
    x = num(toFloat(v));
  } catch (e) {
    if (truthy(strict)) throw new TemplateRuntimeError(`Cannot convert ${typeName(v)} to decimal: ${pyRepr(v)}`, 'K-RUN-007', { cause: e });
    return s(v);
  }
  return formatSpec(new PyFloat(x), `.${intArg(places, 'places')}f`);
}

function formatNumber(v: unknown, decimalPlaces: unknown = 0, strict: unknown = false): string {
  let x: number;
  try {
    x = num(toFloat(v));
  } catch (e) {
    if (truthy(strict)) throw new TemplateRuntimeError(`Cannot convert ${typeName(v)} to number: ${pyRepr(v)}`, 'K-RUN-007', { cause: e });
    return s(v);
  }
  const p = num(decimalPlaces);
  if (p > 0) return formatSpec(new PyFloat(x), `,.${intArg(decimalPlaces, 'decimal_places')}f`);
  if (!Number.isFinite(x)) throw new PyError(Number.isNaN(x) ? 'ValueError' : 'OverflowError', 'cannot convert float to integer');
  const t = Math.trunc(x) + 0;
  const digits = groupDigits(Number.isSafeInteger(t) ? String(Math.abs(t)) : (t < 0 ? -BigInt(t) : BigInt(t)).toString(), ',');
  return (t < 0 ? '-' : '') + digits;
}

function filesizeformat(v: unknown, binary: unknown = false): string {
  let x: number;
  try {
    x = num(toFloat(v));
  } catch {
    return '0 Bytes';
  }
  const bin = truthy(binary);
  const base = bin ? 1024 : 1000;
  const units = bin ? ['KiB', 'MiB', 'GiB', 'TiB'] : ['kB', 'MB', 'GB', 'TB'];
  if (x < base) {
    if (!Number.isFinite(x)) throw new PyError(Number.isNaN(x) ? 'ValueError' : 'OverflowError', 'cannot convert float to integer');
    const t = Math.trunc(x);
    return `${Number.isSafeInteger(t) ? t : BigInt(t)} Bytes`;
  }
  for (let i = 0; i < units.length; i++) {
    const divisor = base ** (i + 1);
    if (x < divisor * base) return `${fixedPy(x / divisor, 1)} ${units[i]}`;
  }
  return `${fixedPy(x / base ** 4, 1)} ${units[3]}`;
}

// ------------------------------------------------------------------ tojson

// (one replace, not `+=` a character at a time: that made a rope of ~30 bytes a character, so
// `([x] * n) | tojson` of a 1 KB string aborted V8 long before its count of MAX_CHARS; s18)
const JSON_STR_ESC = /["\\\x00-\x1f\x7f-\uffff]/g;
const JSON_STR_ANY = /["\\\x00-\x1f\x7f-\uffff]/; // (a test first: most strings need nothing)
const JSON_CHAR: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\b': '\\b', '\f': '\\f' };
const jsonChar = (ch: string): string => JSON_CHAR[ch] ?? `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`;
function jsonStr(str: string): string {
  return '"' + (JSON_STR_ANY.test(str) ? replaceMatches(str, JSON_STR_ESC, jsonChar) : str) + '"';
}
function jsonNum(n: number, float: boolean): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return 'Infinity';
  if (n === -Infinity) return '-Infinity';
  return float || !Number.isInteger(n) ? pyStr(float ? new PyFloat(n) : n) : pyStr(n);
}
function jsonKey(k: unknown): string {
  if (isString(k)) return jsonStr(s(k));
  if (k === null || k === undefined) return '"null"';
  if (k === true) return '"true"';
  if (k === false) return '"false"';
  if (typeof k === 'number') return `"${jsonNum(k, false)}"`;
  if (k instanceof PyFloat) return `"${jsonNum(k.v, true)}"`;
  if (typeof k === 'bigint') return `"${k}"`;
  throw new PyError('TypeError', `keys must be str, int, float, bool or None, not ${typeName(k)}`);
}
/** Writes the JSON of `v` to `out` part by part (joining each level's text would copy the subtree at every level). */
function jsonDump(v: unknown, ind: string | null, level: number, seen: Set<unknown>, out: string[]): void {
  // (as reprTo: 16 a value besides a string's length; past MAX_CHARS, V8's string-length error, where
  // shared parts doubled in a loop aborted V8 growing `out`; the sandbox's textBound is tighter. s9)
  if ((jsonN += 16 + (isString(v) ? s(v).length : 0)) > MAX_CHARS) throw RangeError('Invalid string length');
  if (v === null || v === undefined) out.push('null');
  else if (v === true) out.push('true');
  else if (v === false) out.push('false');
  else if (typeof v === 'number') out.push(jsonNum(v, false));
  else if (v instanceof PyFloat) out.push(jsonNum(v.v, true));
  else if (typeof v === 'bigint') out.push(v.toString());
  else if (typeof v === 'string' || v instanceof Markup) out.push(jsonStr(s(v)));
  else if (!Array.isArray(v) && !isDict(v)) out.push(jsonStr(s(v))); // default=str (sets, ranges, dates, objects)
  else {
    if (seen.has(v)) throw new PyError('ValueError', 'Circular reference detected');
    seen.add(v);
    const nl = ind === null ? '' : '\n' + ind.repeat(level + 1);
    const close = ind === null ? '' : '\n' + ind.repeat(level);
    const sep = ind === null ? ', ' : ',' + nl;
    const list = Array.isArray(v);
    const items: unknown[] = list ? v : dictItems(v as Record<string, unknown>);
    if (!items.length) out.push(list ? '[]' : '{}');
    else {
      out.push((list ? '[' : '{') + nl);
      // (indentation is what grows past the input: depth × lines; bounded as it is written)
      if (ind !== null) room((jsonIndented += nl.length * items.length + close.length));
      items.forEach((x, i) => {
        if (i) out.push(sep);
        if (list) jsonDump(x, ind, level + 1, seen, out);
        else {
          const [k, y] = x as Tuple;
          out.push(jsonKey(k) + ': ');
          jsonDump(y, ind, level + 1, seen, out);
        }
      });
      out.push(close + (list ? ']' : '}'));
    }
    seen.delete(v);
  }
}
/** Characters of indentation the tojson call in progress has written (bounded by room()), and what jsonDump counts. */
let jsonIndented = 0;
let jsonN = 0;
function tojson(v: unknown, indent: unknown = null, attr: unknown = false): Markup {
  let ind: string | null = null;
  jsonIndented = jsonN = 0;
  if (indent !== null && indent !== undefined) ind = isString(indent) ? s(indent) : ' '.repeat(room(Math.max(0, intArg(indent, 'indent'))));
  const parts: string[] = [];
  jsonDump(v, ind, 0, new Set(), parts);
  const raw = parts.join('');
  return new Markup(truthy(attr) ? escapeString(raw) : replaceMatches(raw, JSON_HTML, (c) => JSON_HTML_ESC[c]!));
}
// tojson outside attr=true (docs/security.md): every `<`, `>`, `&` and `'` as a JSON \u escape, as
// Jinja's htmlsafe_json_dumps, so neither `</script>` nor `<!--` nor a `'` can end the element or a
// single-quoted attribute; JavaScript and JSON.parse read back the same string. (The reference
// rewrites only `</`: a recorded divergence, docs/decisions.md.)
const JSON_HTML = /[<>&']/g;
const JSON_HTML_ESC: Record<string, string> = { '<': '\\u003c', '>': '\\u003e', '&': '\\u0026', "'": '\\u0027' };

function typeofFilter(v: unknown): string {
  if (v === null || v === undefined) return 'none';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'bigint') return 'int';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  if (v instanceof PyFloat) return 'float';
  if (isString(v)) return 'str';
  if (v instanceof Tuple) return 'tuple';
  if (Array.isArray(v)) return 'list';
  if (isDict(v)) return 'dict';
  if (v instanceof Date) return 'datetime';
  return typeName(v);
}

// ------------------------------------------------------------------ date (strftime, local time)

const pad = (n: number, w = 2, c = '0') => String(n).padStart(w, c);
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
function dayOfYear(d: Date): number {
  return Math.round((Date.UTC(d.getFullYear(), d.getMonth(), d.getDate()) - Date.UTC(d.getFullYear(), 0, 1)) / 864e5) + 1;
}
function isoWeek(d: Date): [number, number] {
  const t = new Date(Date.UTC(d.getFullYear(), d.getMonth(), d.getDate()));
  const day = t.getUTCDay() || 7;
  t.setUTCDate(t.getUTCDate() + 4 - day);
  const y = t.getUTCFullYear();
  return [y, Math.ceil(((t.getTime() - Date.UTC(y, 0, 1)) / 864e5 + 1) / 7)];
}
function tzOffset(d: Date, colon: boolean): string {
  const off = -d.getTimezoneOffset();
  const a = Math.abs(off);
  return (off < 0 ? '-' : '+') + pad(Math.floor(a / 60)) + (colon ? ':' : '') + pad(a % 60);
}
function strftime(d: Date, fmt: string): string {
  return fmt.replace(/%([-]?)([a-zA-Z%+])/g, (m, flag: string, c: string) => {
    const p = (n: number, w = 2) => (flag === '-' ? String(n) : pad(n, w));
    const H = d.getHours();
    switch (c) {
      case 'Y': return String(d.getFullYear());
      case 'C': return p(Math.floor(d.getFullYear() / 100));
      case 'y': return p(d.getFullYear() % 100);
      case 'm': return p(d.getMonth() + 1);
      case 'd': return p(d.getDate());
      case 'e': return flag === '-' ? String(d.getDate()) : pad(d.getDate(), 2, ' ');
      case 'H': return p(H);
      case 'k': return pad(H, 2, ' ');
      case 'I': return p(H % 12 || 12);
      case 'l': return pad(H % 12 || 12, 2, ' ');
      case 'M': return p(d.getMinutes());
      case 'S': return p(d.getSeconds());
      case 'f': return pad(d.getMilliseconds() * 1000, 6);
      case 'p': return H < 12 ? 'AM' : 'PM';
      case 'P': return H < 12 ? 'am' : 'pm';
      case 'A': return DAYS[d.getDay()]!;
      case 'a': return DAYS[d.getDay()]!.slice(0, 3);
      case 'B': return MONTHS[d.getMonth()]!;
      case 'b': case 'h': return MONTHS[d.getMonth()]!.slice(0, 3);
      case 'j': return p(dayOfYear(d), 3);
      case 'w': return String(d.getDay());
      case 'u': return String(d.getDay() || 7);
      case 'U': return p(Math.floor((dayOfYear(d) + 6 - d.getDay()) / 7));
      case 'W': return p(Math.floor((dayOfYear(d) + 6 - ((d.getDay() + 6) % 7)) / 7));
      case 'G': return String(isoWeek(d)[0]);
      case 'V': return p(isoWeek(d)[1]);
      case 'D': return strftime(d, '%m/%d/%y');
      case 'F': return strftime(d, '%Y-%m-%d');
      case 'T': return strftime(d, '%H:%M:%S');
      case 'R': return strftime(d, '%H:%M');
      case 'r': return strftime(d, '%I:%M:%S %p');
      case 'c': return strftime(d, '%a %b %e %H:%M:%S %Y');
      case 'x': return strftime(d, '%m/%d/%y');
      case 'X': return strftime(d, '%H:%M:%S');
      case 's': return String(Math.floor(d.getTime() / 1000));
      case 'z': return tzOffset(d, false);
      case 'Z': return '';
      case 'n': return '\n';
      case 't': return '\t';
      case '%': return '%';
      default: return m;
    }
  });
}
function date(v: unknown, fmt: unknown = '%Y-%m-%d'): string {
  let d: Date;
  if (v instanceof Date) d = v;
  else if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint' || v instanceof PyFloat) {
    const x = num(v);
    if (!Number.isFinite(x)) return '';
    d = new Date(x * 1000);
  } else if (v !== null && typeof v === 'object' && typeof (v as { strftime?: unknown }).strftime === 'function') {
    return s((v as { strftime(f: string): unknown }).strftime(s(fmt)));
  } else return '';
  if (isNaN(d.getTime()) || d.getFullYear() < 1 || d.getFullYear() > 9999) return '';
  return strftime(d, s(fmt));
}

// ------------------------------------------------------------------ validation / debugging

function defaultFilter(v: unknown, dflt: unknown = '', boolean: unknown = false): unknown {
  if (truthy(boolean)) return truthy(v) ? v : dflt;
  return v === null || v === undefined || v === UNDEF ? dflt : v;
}
function requireFilter(v: unknown, message: unknown = null, fieldName: unknown = null): unknown {
  if (v === null || v === undefined || v === UNDEF) {
    const field = truthy(fieldName) ? s(fieldName) : 'value';
    throw new RequiredValueError(message !== null && message !== undefined ? s(message) : `Required value '${field}' is None or missing`);
  }
  return v;
}
function debugRepr(v: unknown, maxLen = 60): string {
  const r = pyRepr(v);
  return r.length > maxLen && cpCount(r) > maxLen ? cpHead(r, maxLen - 3) + '...' : r; // (in characters: an emoji is never cut in half)
}
function debug(v: unknown, label: unknown = null, maxItems: unknown = 5): unknown {
  const lbl = truthy(label) ? `[${s(label)}]` : '';
  const max = num(maxItems);
  const lines: string[] = [];
  if (v === null || v === undefined) lines.push(`DEBUG ${lbl}: None`);
  else if (Array.isArray(v)) {
    lines.push(`DEBUG ${lbl}: <${typeName(v)}[${v.length}]>`);
    v.slice(0, max).forEach((x, i) => lines.push(`  [${i}] ${debugRepr(x)}`));
    if (v.length > max) lines.push(`  ... (${v.length - max} more items)`);
  } else if (isDict(v)) {
    const items = dictItems(v);
    lines.push(`DEBUG ${lbl}: <dict[${items.length} keys]>`);
    for (const [k, x] of items.slice(0, max)) lines.push(`  ${pyRepr(k)}: ${debugRepr(x)}${x === null || x === undefined ? ' <-- None!' : ''}`);
    if (items.length > max) lines.push(`  ... (${items.length - max} more keys)`);
  } else lines.push(`DEBUG ${lbl}: ${debugRepr(v)} (${typeName(v)})`);
  if (typeof process !== 'undefined' && process.stderr?.write) process.stderr.write(lines.join('\n') + '\n');
  else console.error(lines.join('\n'));
  return v;
}

// pprint.pformat(width=80, indent=1, sort_dicts=True)
function safeCompare(a: unknown, b: unknown): number {
  try {
    return compare(a, b);
  } catch {
    const ta = typeName(a);
    const tb = typeName(b);
    return ta < tb ? -1 : ta > tb ? 1 : 0;
  }
}
function sortedItems(d: unknown): Tuple[] {
  return stableSort(dictItems(d as Record<string, unknown>), (it) => it[0], safeCompare, false);
}
function ppRepr(v: unknown): string {
  if (isDict(v)) return '{' + ppSorted(v).map(([k, x]) => `${ppRepr(k)}: ${ppRepr(x)}`).join(', ') + '}';
  if (v instanceof Tuple) return v.length === 1 ? `(${ppRepr(v[0])},)` : '(' + v.map(ppRepr).join(', ') + ')';
  if (Array.isArray(v)) return '[' + v.map(ppRepr).join(', ') + ']';
  if (v === UNDEF) return 'Undefined';
  return pyRepr(v);
}
/**
 * The length in code points of `ppRepr(v)`, remembered per list, tuple and dict for one pprint:
 * ppFormat asks it at every level of nesting, and building the repr there instead would cost
 * the size of the subtree at each level (quadratic in the depth).
 */
let ppLens = new Map<object, number>();
/** A dict's sorted items, kept for one pprint: ppLen, ppFormat and ppRepr each asked, sorting 3 times. */
let ppItems0 = new Map<object, Tuple[]>();
const ppSorted = (v: object): Tuple[] => ppItems0.get(v) ?? (ppItems0.set(v, sortedItems(v)).get(v) as Tuple[]);
function ppLen(v: unknown): number {
  const known = typeof v === 'object' && v !== null ? ppLens.get(v) : undefined;
  if (known !== undefined) return known;
  let n: number;
  if (isDict(v)) {
    const items = ppSorted(v);
    n = items.length ? 2 * items.length : 2;
    for (const [k, x] of items) if ((n += ppLen(k) + 2 + ppLen(x)) > MAX_CHARS) break;
  } else if (v instanceof Tuple && v.length === 1) n = ppLen(v[0]) + 3;
  else if (Array.isArray(v)) {
    n = v.length ? 2 * v.length : 2;
    // (the text is at least this long: past MAX_CHARS it is refused, so the walk need not go on,
    // and `[x] * n` of a long string does not read it n times first; s18)
    for (const x of v) if ((n += ppLen(x)) > MAX_CHARS) break;
  } else if (v === UNDEF) n = 9;
  else n = cpCount(pyRepr(v));
  if (typeof v === 'object' && v !== null) ppLens.set(v, n);
  return n;
}
const PP_WIDTH = 80;
/** What the pprint in progress has counted: 16 a value, its indentation, and the text it writes whole. */
let ppN = 0;
function ppFormat(v: unknown, out: string[], indent: number, allowance: number, level: number): void {
  const n = ppLen(v);
  const fits = n <= PP_WIDTH - indent - allowance;
  // (a container that does not fit counts only its parts: shared parts doubled in a loop, whose
  // length ppLen knows at once, fail past MAX_CHARS as reprTo's do, before their walk grows `out`. s9)
  if ((ppN += 16 + indent + (fits || !(isDict(v) || Array.isArray(v) || v instanceof Set) ? n : 0)) > MAX_CHARS || n > MAX_CHARS) throw RangeError('Invalid string length');
  if (fits) {
    out.push(ppRepr(v));
    return;
  }
  level += 1;
  if (isDict(v)) {
    out.push('{');
    const items = ppSorted(v);
    const ind = indent + 1;
    items.forEach(([k, x], i) => {
      const last = i === items.length - 1;
      const kr = ppRepr(k);
      out.push(kr, ': ');
      ppFormat(x, out, ind + cpCount(kr) + 2, last ? allowance + 1 : 1, level);
      if (!last) out.push(',\n' + ' '.repeat(ind));
    });
    out.push('}');
  } else if (v instanceof Tuple) {
    const endchar = v.length === 1 ? ',)' : ')';
    out.push('(');
    ppItems(v, out, indent, allowance + endchar.length, level);
    out.push(endchar);
  } else if (Array.isArray(v)) {
    out.push('[');
    ppItems(v, out, indent, allowance + 1, level);
    out.push(']');
  } else if (v instanceof Set && v.size) {
    out.push('{');
    ppItems(stableSort([...v], (x) => x, safeCompare, false), out, indent, allowance + 1, level);
    out.push('}');
  } else if (typeof v === 'string' && v.length) ppStr(v, out, indent, allowance, level);
  else out.push(ppRepr(v));
}
function ppItems(items: unknown[], out: string[], indent: number, allowance: number, level: number): void {
  indent += 1;
  items.forEach((x, i) => {
    const last = i === items.length - 1;
    if (i > 0) out.push(',\n' + ' '.repeat(indent));
    ppFormat(x, out, indent, last ? allowance : 1, level);
  });
}
/** Code points of a string's repr without its quotes: [quoted with ', quoted with ", has ', has "]. */
type ReprLen = [number, number, boolean, boolean];
function reprLen(str: string): ReprLen {
  const r: ReprLen = [0, 0, false, false];
  for (let i = 0; i < str.length; i++) {
    const c = str.charCodeAt(i);
    const n = c === 92 || c === 9 || c === 10 || c === 13 ? 2 : c < 32 || c === 127 ? 4 : 1;
    r[0] += c === 39 ? 2 : n;
    r[1] += c === 34 ? 2 : n;
    if (c === 39) r[2] = true;
    if (c === 34) r[3] = true;
    if (c >= 0xd800 && c < 0xdc00 && (str.charCodeAt(i + 1) & 0xfc00) === 0xdc00) i++;
  }
  return r;
}
function ppStr(str: string, out: string[], indent: number, allowance: number, level: number): void {
  const chunks: string[] = [];
  const lines = splitLinesKeep(str);
  if (level === 1) {
    indent += 1;
    allowance += 1;
  }
  const maxWidth = PP_WIDTH - indent;
  let maxWidth1 = maxWidth;
  let rep = '';
  lines.forEach((line, i) => {
    rep = pyRepr(line);
    if (i === lines.length - 1) maxWidth1 -= allowance;
    if (cpCount(rep) <= maxWidth1) chunks.push(rep);
    else {
      const parts = line.match(/\S*\s*/g)!.filter((p) => p !== '');
      let maxWidth2 = maxWidth;
      let current = '';
      let cur: ReprLen = [0, 0, false, false];
      parts.forEach((part, j) => {
        const p = reprLen(part);
        const c: ReprLen = [cur[0] + p[0], cur[1] + p[1], cur[2] || p[2], cur[3] || p[3]];
        if (j === parts.length - 1 && i === lines.length - 1) maxWidth2 -= allowance;
        // (the candidate's repr length from its parts': building each candidate's repr cost ~80x the text)
        if (2 + (c[2] && !c[3] ? c[1] : c[0]) > maxWidth2) {
          if (current) chunks.push(pyRepr(current));
          current = part;
          cur = p;
        } else (current += part), (cur = c);
      });
      if (current) chunks.push(pyRepr(current));
    }
  });
  if (chunks.length === 1) {
    out.push(rep);
    return;
  }
  if (level === 1) out.push('(');
  chunks.forEach((c, i) => {
    if (i > 0) out.push('\n' + ' '.repeat(indent));
    out.push(c);
  });
  if (level === 1) out.push(')');
}
function pprint(v: unknown): string {
  const out: string[] = [];
  const saved = [ppLens, ppItems0] as const;
  ppLens = new Map();
  ppItems0 = new Map();
  ppN = 0;
  try {
    ppFormat(v, out, 0, 0, 0);
  } finally {
    [ppLens, ppItems0] = saved;
  }
  return out.join('');
}

// ------------------------------------------------------------------ the table

// Each built-in filter is a named export (`f_<name>`) so bundles keep only the ones used.
export const f_upper: Filter = (v) => upper(s(v));
export const f_lower: Filter = (v) => lower(s(v));
export const f_capitalize: Filter = (v) => pyCapitalize(s(v));
export const f_title: Filter = (v) => pyTitle(s(v));
export const f_trim: Filter = (v, chars = null) => pyStrip(s(v), chars);
export const f_replace: Filter = (v, old, nw, count = -1) => {
    let c = -1;
    if (count !== null && count !== undefined && !(typeof count === 'number' && count === -1)) {
      try {
        c = num(toInt(count));
      } catch {
        throw new PyError('ValueError', `replace count expects a number, got ${typeName(count)}: ${pyRepr(count)}. Use | int on the count value.`);
      }
    }
    if (!isString(old)) throw new PyError('TypeError', `replace() argument 1 must be str, not ${typeName(old)}`);
    if (!isString(nw)) throw new PyError('TypeError', `replace() argument 2 must be str, not ${typeName(nw)}`);
    return pyReplace(s(v), s(old), s(nw), c < 0 ? -1 : c);
  };
export const f_truncate: Filter = truncate;
export const f_center: Filter = center;
export const f_indent: Filter = indent;
export const f_wordwrap: Filter = wordwrap;
export const f_format: Filter = format;
export const f_wordcount: Filter = (v) => pySplitWs(s(v)).length;
export const f_slug: Filter = (v) => (v === null || v === undefined ? '' : replaceMatches(s(v).toLowerCase(), /[^a-z0-9]+/g, () => '-').replace(/^-+|-+$/g, ''));
export const f_pluralize: Filter = pluralize;
export const f_striptags: Filter = (v) => stripTags(s(v));
export const f_urlencode: Filter = urlencode;
export const f_escape: Filter = (v) => (v instanceof Markup ? v : isSafe(v) ? new Markup(String(observe(v.__html__()))) : new Markup(escapeString(s(v))));
export const f_safe: Filter = (v, _reason = null) => (v instanceof Markup ? v : new Markup(s(v)));
export const f_xmlattr: Filter = xmlattr;
export const f_csp_nonce: Filter = cspNonce;
export const f_length: Filter = (v) => {
    if (v === null || v === undefined) return 0;
    try {
      return len(v);
    } catch {
      return 0;
    }
  };
export const f_first: Filter = (v) => {
    if (v === null || v === undefined) return null;
    try {
      for (const x of iter(v)) return x;
    } catch {
      return null;
    }
    return null;
  };
export const f_last: Filter = (v) => {
    if (v === null || v === undefined) return null;
    if (v instanceof Range) return v.length ? v.at(v.length - 1) : null; // (not by walking it: n from data)
    try {
      const l = Array.isArray(v) ? v : listOf(iter(v));
      return l.length ? l[l.length - 1] : null;
    } catch {
      return null;
    }
  };
export const f_join: Filter = (v, separator = '') => {
    if (v === null || v === undefined) return '';
    const parts = pyList(v).map(s);
    if (separator instanceof Markup) return new Markup(parts.map(escapeString).join(separator.value));
    return parts.join(s(separator));
  };
export const f_reverse: Filter = (v) => {
    if (v === null || v === undefined) throw new PyError('TypeError', "'NoneType' object is not reversible");
    if (v instanceof Set) throw new PyError('TypeError', "'set' object is not reversible");
    return pyList(v).reverse();
  };
export const f_sort: Filter = sort;
export const f_dictsort: Filter = dictsort;
export const f_unique: Filter = unique;
export const f_groupby: Filter = groupby;
export const f_map: Filter = map;
export const f_select: Filter = select;
export const f_reject: Filter = reject;
export const f_selectattr: Filter = selectattr;
export const f_rejectattr: Filter = rejectattr;
export const f_batch: Filter = batch;
export const f_slice: Filter = slice;
export const f_take: Filter = take;
export const f_skip: Filter = skip;
export const f_compact: Filter = compact;
export const f_sum: Filter = sum;
export const f_min: Filter = (v, attribute = null) => minMax(v, attribute, -1);
export const f_max: Filter = (v, attribute = null) => minMax(v, attribute, 1);
export const f_list: Filter = (v) => pyList(v);
export const f_attr: Filter = (v, name) => attrOf(v, name);
export const f_get: Filter = (v, key, dflt = null) => {
    if (v === null || v === undefined) return dflt;
    if (isDict(v)) return dictHas(v, key) ? dictGet(v, key) ?? null : dflt;
    return plainGetattr(v, key, dflt);
  };
export const f_random: Filter = (v) => {
    const l = pyList(v);
    return l.length ? l[Math.floor(Math.random() * l.length)] : null;
  };
export const f_shuffle: Filter = (v) => {
    const l = pyList(v);
    for (let i = l.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [l[i], l[j]] = [l[j], l[i]];
    }
    return l;
  };
export const f_classes: Filter = classes;
export const f_abs: Filter = abs;
export const f_round: Filter = round;
// Forms of a filter for calls that pass at most the leading N arguments (`f_<name>_<N>`, the
// compiler's FILTER_SHORT_FORMS): a bundle then keeps none of the code the other arguments need.
/** `x | trim`: whitespace only. */
export const f_trim_0: Filter = (v) => stripWs(s(v));
/** `x | round` and `x | round(precision)`: the common method, not strict. */
export const f_round_1: Filter = roundCommon;
export const f_int: Filter = intFilter;
export const f_float: Filter = floatFilter;
export const f_string: Filter = (v) => s(v);
export const f_decimal: Filter = decimal;
export const f_format_number: Filter = formatNumber;
export const f_commas: Filter = (v) => formatNumber(v, 0);
export const f_filesizeformat: Filter = filesizeformat;
export const f_tojson: Filter = tojson;
export const f_typeof: Filter = typeofFilter;
export const f_date: Filter = date;
export const f_default: Filter = defaultFilter;
export const f_require: Filter = requireFilter;
export const f_debug: Filter = debug;
export const f_pprint: Filter = pprint;

const table: Record<string, Filter> = {
  upper: f_upper,
  lower: f_lower,
  capitalize: f_capitalize,
  title: f_title,
  trim: f_trim,
  replace: f_replace,
  truncate: f_truncate,
  center: f_center,
  indent: f_indent,
  wordwrap: f_wordwrap,
  format: f_format,
  wordcount: f_wordcount,
  slug: f_slug,
  pluralize: f_pluralize,
  striptags: f_striptags,
  urlencode: f_urlencode,
  escape: f_escape,
  safe: f_safe,
  xmlattr: f_xmlattr,
  csp_nonce: f_csp_nonce,
  length: f_length,
  first: f_first,
  last: f_last,
  join: f_join,
  reverse: f_reverse,
  sort: f_sort,
  dictsort: f_dictsort,
  unique: f_unique,
  groupby: f_groupby,
  map: f_map,
  select: f_select,
  reject: f_reject,
  selectattr: f_selectattr,
  rejectattr: f_rejectattr,
  batch: f_batch,
  slice: f_slice,
  take: f_take,
  skip: f_skip,
  compact: f_compact,
  sum: f_sum,
  min: f_min,
  max: f_max,
  list: f_list,
  attr: f_attr,
  get: f_get,
  random: f_random,
  shuffle: f_shuffle,
  classes: f_classes,
  abs: f_abs,
  round: f_round,
  int: f_int,
  float: f_float,
  string: f_string,
  decimal: f_decimal,
  format_number: f_format_number,
  commas: f_commas,
  filesizeformat: f_filesizeformat,
  tojson: f_tojson,
  typeof: f_typeof,
  date: f_date,
  default: f_default,
  require: f_require,
  debug: f_debug,
  pprint: f_pprint,
};

/** The table with its aliases; a call marked pure, so bundlers that keep an object spread (Rolldown) drop it when unused. */
const withAliases = (t: Record<string, Filter>): Record<string, Filter> => ({ ...t, d: t.default!, e: t.escape!, strip: t.trim!, count: t.length! });
export const filters: Record<string, Filter> = /* @__PURE__ */ withAliases(table);
