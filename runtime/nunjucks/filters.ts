// Nunjucks 3.2's built-in filters and tests (its lib/filters.js and lib/tests.js), as
// `nf_<name>` / `nt_<name>` exports that templates compiled with `compat: 'nunjucks'` import.
// Same results as Nunjucks, including which filters keep a safe string safe (copySafeness:
// capitalize center indent nl2br replace string striptags title trim truncate), and which
// throw where Nunjucks calls a String method on a number or boolean (test/unit/nunjucks-filters-differential.test.ts).

import { Markup } from '../markup.js';
import { add, gt, hostStr, lt, njkEscape, njkStr, njkToString, toPrim } from './values.js';
import { assertSafeName, observe } from '../values.js';
import { ACTIVE, MAX_CHARS, MAX_ITEMS, listOf, room, splitOf } from '../limits.js';
import { reReplace } from './guards.js';
import { Pieces, insertAround, replaceMatches, replaceText } from '../pieces.js';

type Any = any; // eslint-disable-line @typescript-eslint/no-explicit-any

function copySafeness(dest: unknown, target: unknown): unknown {
  if (dest instanceof Markup) return new Markup(target);
  return observe(njkToString(target)); // (an async toString's promise: observed, s7)
}
/** Nunjucks' normalize: null, undefined and false become the default. */
function normalize(value: unknown, dflt: unknown): Any {
  return value === null || value === undefined || value === false ? dflt : value;
}
/** The text of a string or safe string; other values as they are (JavaScript then decides). */
function text(v: unknown): Any {
  return v instanceof Markup ? v.value : v;
}
/**
 * Nunjucks calls String methods on its filter argument (`str.toLowerCase()`): a SafeString
 * has them (its prototype is String's), a number or `true` does not, and the call throws.
 */
const sv = text;
/**
 * Where a loop over an array-like's indices (`i < o.length`, as Nunjucks writes it) stops: its
 * length as `<` reads it, refused (K-SEC-003) past the item ceiling. `{"length": 4294967295}`
 * from JSON is no array, and the loop pushed until V8 aborted the process.
 */
function likeLength(o: Any): number {
  const n = Array.isArray(o) ? o.length : Number(toPrim(o.length, 'number')); // ("3" counts as 3, as `<` reads it)
  return n > 0 ? room(Math.ceil(n), MAX_ITEMS) : 0;
}
/** Nunjucks' lib.map: null/undefined give [], array-likes are copied item by item. */
function map(obj: Any, f: (v: Any, i: number) => unknown): unknown[] {
  if (obj == null) return [];
  if (obj.map === Array.prototype.map) return obj.map(f);
  const out: unknown[] = [];
  for (let i = 0, n = likeLength(obj); i < n; i++) out[out.length] = f(obj[i], i);
  if (obj.length === +obj.length) out.length = obj.length;
  return out;
}
function isObject(v: unknown): boolean {
  return Object.prototype.toString.call(v) === '[object Object]';
}
function entries(o: Any): [string, unknown][] {
  const out: [string, unknown][] = [];
  for (const k in o) if (Object.hasOwn(o, k) && !ACTIVE?.hide(k, o)) out.push([k, o[k]]); // (sandboxed: not the keys the policy hides)
  return out;
}
/** `item[name]` for an attribute a filter is given: never `constructor`, `__proto__` & co. (values.ts member); a null item throws, as in Nunjucks. */
function prop(item: Any, name: unknown): unknown {
  if (typeof name === 'string') assertSafeName(name, item);
  return observe(item[name as string]); // (a host getter's promise, which the filter may drop)
}
/** Nunjucks' lib.getAttrGetter: own properties only, and (as there) a null item throws. */
function attrGetter(attribute: unknown): (item: Any) => unknown {
  const parts = (!attribute ? [] : typeof attribute === 'string' ? attribute.split('.') : [attribute]) as string[];
  // (runEnd[j]: where the run of segments equal to parts[j] ends. A step that gives its value back
  // gives it back for the rest of the run: `0.0.0…` on a one-character string or on an array
  // holding itself is one step, not one a segment for every item, which was quadratic in the data)
  const runEnd: number[] = [];
  for (let j = parts.length - 1; j >= 0; j--) runEnd[j] = parts[j + 1] === parts[j] ? runEnd[j + 1]! : j + 1;
  // (a string's own keys are `length` and its indices, decided here: asking the engine reads a long
  // numeric segment as a number at every item, another quadratic)
  const index = parts.map((p) => (typeof p === 'string' && p.length < 10 && /^(?:0|[1-9]\d*)$/.test(p) ? +p : -1));
  return (item) => {
    let v = item;
    for (let j = 0; j < parts.length; ) {
      const p = parts[j]!;
      if (typeof p === 'string') assertSafeName(p, v);
      const own =
        typeof v === 'string' && typeof p === 'string' ? p === 'length' || (index[j]! >= 0 && index[j]! < v.length)
        : typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint' ? false // (none of their own)
        : Object.prototype.hasOwnProperty.call(v, p); // (null and undefined throw, as there)
      if (!own) return undefined;
      const next = observe(v[p]);
      j = next === v ? runEnd[j]! : j + 1;
      v = next;
    }
    return v;
  };
}
/** Nunjucks' lib.repeat: a loop `i < n`, so 2.5 repeats 3 times (sizes are checked before building: runtime/limits.ts). */
const repeat = (s: string, n: number) => (n > 0 ? s.repeat(room(Math.ceil(n))) : '');
/** A string a filter puts into a safe string's text: escaped unless safe itself (data never becomes markup). */
const into = (safe: boolean, v: unknown): unknown => (!safe ? v : v instanceof Markup ? v.value : njkEscape(String(v)));

export const nf_abs = (v: unknown) => Math.abs(toPrim(v, 'number') as number); // (toPrim: as Math.abs converts, its promise observed)
export function nf_batch(arr: Any, linecount: number, fillWith: unknown): unknown[] {
  // (a string count is read as a number once, as `%` and `<` would read it at every item: 16 K spaces took 0.1 s)
  if (typeof linecount === 'string') linecount = +linecount;
  const res: unknown[][] = [];
  let tmp: unknown[] = [];
  for (let i = 0, n = likeLength(arr); i < n; i++) {
    if (i % linecount === 0 && tmp.length) {
      res.push(tmp);
      tmp = [];
    }
    tmp.push(arr[i]);
  }
  if (tmp.length) {
    if (fillWith) room(linecount, MAX_ITEMS);
    if (fillWith) for (let i = tmp.length; i < linecount; i++) tmp.push(fillWith);
    res.push(tmp);
  }
  return res;
}
export function nf_capitalize(s: unknown): unknown {
  const str = normalize(s, '');
  const ret = sv(str).toLowerCase();
  return copySafeness(str, ret.charAt(0).toUpperCase() + ret.slice(1));
}
export function nf_center(s: unknown, width: unknown): unknown {
  const str = normalize(s, '');
  const w = (width as number) || 80;
  if (str.length >= w) return str;
  const spaces = w - str.length;
  return copySafeness(str, repeat(' ', spaces / 2 - (spaces % 2)) + (toPrim(text(str), 'default') as string) + repeat(' ', spaces / 2));
}
export function nf_default(val: unknown, def: unknown, bool: unknown): unknown {
  return bool ? val || def : val !== undefined ? val : def;
}
export const nf_d = nf_default;
export function nf_dictsort(val: Any, caseSensitive: unknown, by: unknown): unknown {
  if (!isObject(val)) throw new Error('dictsort filter: val must be an object');
  const array: [string, Any][] = [];
  for (const k in val) if (!ACTIVE?.hide(k, val)) array.push([k, val[k]]);
  let si: number;
  if (by === undefined || by === 'key') si = 0;
  else if (by === 'value') si = 1;
  else throw new Error('dictsort filter: You can only sort by either key or value');
  array.sort((t1, t2) => {
    let a = t1[si];
    let b = t2[si];
    if (!caseSensitive) {
      if (typeof a === 'string') a = a.toUpperCase();
      if (typeof b === 'string') b = b.toUpperCase();
    }
    unconverted(a, b);
    return a > b ? 1 : a === b ? 0 : -1;
  });
  return array;
}
export function nf_dump(obj: unknown, spaces: unknown): string {
  let n = 0;
  return JSON.stringify(obj, (_k, v) => {
    // (16 a value besides a string's length, as Kida's tojson: shared parts doubled in a loop fail
    // past MAX_CHARS with V8's string-length error, not walked for minutes until V8's own limit. s9)
    if ((n += 16 + (typeof v === 'string' ? v.length : 0)) > MAX_CHARS) throw RangeError('Invalid string length');
    return v instanceof Markup ? { val: v.value, length: v.value.length } : v;
  }, spaces as number);
}
const JSON_HTML: Record<string, string> = { '<': '\\u003c', '>': '\\u003e', '&': '\\u0026', "'": '\\u0027' };
/**
 * `x | dump | safe`: the same JSON value, with `<`, `>`, `&` and `'` as `\u003c`… (as Jinja's
 * htmlsafe_json_dumps), so data cannot close a <script> (`</script>`, `<!--`) or a single-quoted
 * attribute. (`dump` alone is Nunjucks' JSON.stringify: escaped like any string when output.)
 */
export function nf___dumpsafe(obj: unknown, spaces: unknown, dump: (o: unknown, s: unknown) => string = nf_dump): Markup {
  const json = dump(obj, spaces);
  return new Markup(json === undefined ? '' : replaceMatches(json, /[<>&']/g, (c) => JSON_HTML[c]!));
}
export function nf_escape(s: unknown): Markup {
  if (s instanceof Markup) return s;
  return new Markup(njkEscape(String(s == null ? '' : observe(njkToString(s)))));
}
export const nf_e = nf_escape;
export function nf_safe(s: unknown): Markup {
  if (s instanceof Markup) return s;
  return new Markup(String(s == null ? '' : observe(njkToString(s))));
}
export function nf_forceescape(s: unknown): Markup {
  return new Markup(njkEscape(String(s == null ? '' : observe(njkToString(text(s))))));
}
// (a SafeString has no indexed characters: `first`/`last` of one are undefined)
export const nf_first = (arr: Any) => (arr instanceof Markup ? undefined : arr[0]);
export const nf_last = (arr: Any) => (arr instanceof Markup ? undefined : arr[arr.length - 1]);
/** `this` of sort/groupby in a template compiled with throwOnUndefined (as Nunjucks' env.opts). */
type Strict = { throwOnUndefined?: boolean } | undefined;
/** The names a plain object inherits (`toString`, `constructor`, `__proto__`, …): `k in PROTO_NAMES`. */
const PROTO_NAMES = {} as Record<string, never>;
export function nf_groupby(this: Strict, arr: Any, attr: unknown): Record<string, unknown[]> {
  const result: Record<string, unknown[]> = {};
  // (an async key function's promise is observed: its rejection never ends the process)
  const get = typeof attr === 'function' ? (v: unknown, i: number) => observe((attr as (v: unknown, i: number) => unknown)(v, i)) : attrGetter(attr);
  for (let i = 0, n = likeLength(arr); i < n; i++) {
    const k = get(arr[i], i);
    if (k === undefined && this?.throwOnUndefined) throw new TypeError(`groupby: attribute "${String(attr)}" resolved to undefined`);
    // (an array key as its Array#toString, written by njkStr: bounded, where V8's join of shared
    // parts walked for minutes. s9)
    const key = Array.isArray(k) ? njkStr(k) : hostStr(k); // (hostStr: a function key refused in the sandbox, as toPrim does)
    // (Nunjucks' `{}` finds Object.prototype's member for such a key and throws on its `.push`:
    // the same error here, without touching the member)
    if (key in PROTO_NAMES) throw new TypeError('(result[key] || result[key]).push is not a function');
    if (!Object.hasOwn(result, key)) result[key] = [];
    result[key]!.push(arr[i]);
  }
  return result;
}
export function nf_indent(s: unknown, width: unknown, indentfirst: unknown): unknown {
  const str = normalize(s, '');
  if (str === '') return '';
  const t = sv(str);
  if (typeof t !== 'string') throw new TypeError('str.split is not a function'); // (a number: as in Nunjucks)
  let lines = 1;
  for (let i = t.indexOf('\n'); i !== -1; i = t.indexOf('\n', i + 1)) lines++;
  room(t.length + lines * Math.max(0, Number(width) || 4));
  const sp = repeat(' ', (width as number) || 4);
  // (every line but the first, blank ones too, gets the indent: Nunjucks' split/map/join)
  const res = (indentfirst ? sp : '') + replaceText(t, '\n', '\n' + sp, -1);
  return copySafeness(str, res);
}
export function nf_join(arr: Any, del: unknown, attr: unknown): string {
  const a = attr ? map(arr, (v) => prop(v, attr)) : arr;
  // (items as njkStr prints them: Array#join would convert a host object inside V8, dropping the
  // promise an async toString returns; s7)
  return (Array.isArray(a) ? a.map((x) => (x == null ? '' : njkStr(x))) : a).join((del as string) || '');
}
export function nf_length(val: unknown): unknown {
  const value = normalize(val, '');
  if (value instanceof Map || value instanceof Set) return value.size;
  if (value instanceof Markup) return value.value.length;
  if (isObject(value)) return entries(value).length;
  return value.length;
}
export function nf_list(val: unknown): unknown {
  if (typeof val === 'string') return splitOf(val, ''); // (past 2^24 characters: K-SEC-003, not V8's end)
  // (a SafeString is an object there: its two fields)
  if (val instanceof Markup) return [{ key: 'val', value: val.value }, { key: 'length', value: val.value.length }];
  if (isObject(val)) return entries(val).map(([key, value]) => ({ key, value }));
  if (Array.isArray(val)) return val;
  throw new Error('list filter: type not iterable');
}
export const nf_lower = (s: unknown) => sv(normalize(s, '')).toLowerCase();
export const nf_upper = (s: unknown) => sv(normalize(s, '')).toUpperCase();
export function nf_nl2br(s: unknown): unknown {
  if (s === null || s === undefined) return '';
  const t = sv(s);
  return copySafeness(s, typeof t === 'string' ? replaceMatches(t, /\r\n|\n/g, () => '<br />\n') : t.replace(/\r\n|\n/g, '<br />\n'));
}
export const nf_random = (arr: Any) => arr[Math.floor(Math.random() * arr.length)];
/** `this` of select/reject: the environment's tests and which of them the app added (addTest). */
type TestEnv = { tests: Record<string, (v: unknown, arg?: unknown) => unknown>; custom: string[] } | undefined;
function selectOrReject(expected: boolean) {
  return function (this: TestEnv, arr: unknown, testName: unknown = 'truthy', arg?: unknown): unknown[] {
    const name = String(testName);
    const test = this?.custom?.includes(name) ? this.tests[name]! : TESTS[name];
    if (!test) throw new Error(`test not found: ${String(testName)}`);
    const items = arr == null ? [] : Array.isArray(arr) ? arr : typeof arr === 'string' || Symbol.iterator in Object(arr) ? listOf(arr as Iterable<unknown>) : (likeLength(arr), Array.prototype.slice.call(arr)); // (lib.toArray: holes stay holes, which filter skips)
    return items.filter((item) => test(item, arg) === expected);
  };
}
export const nf_select = selectOrReject(true);
export const nf_reject = selectOrReject(false);
export const nf_selectattr = (arr: Any[], attr: string) => arr.filter((item: Any) => !!prop(item, attr));
export const nf_rejectattr = (arr: Any[], attr: string) => arr.filter((item: Any) => !prop(item, attr));
export function nf_replace(s: unknown, old: unknown, replacement: unknown, maxCount?: unknown): unknown {
  const original = s;
  let str: Any = s;
  // (an object replacement is converted here, as the concatenation or String#replace would: toPrim observes an async one, s8)
  if (replacement !== null && typeof replacement === 'object' && !(replacement instanceof Markup)) replacement = toPrim(replacement, old instanceof RegExp ? 'string' : 'default');
  if (old instanceof RegExp) {
    const t = hostStr(text(str));
    // (`$\`` / `$'` insert up to the whole text per match: a bound before building)
    if (typeof replacement === 'string' && /\$[`']/.test(replacement)) room(t.length + (old.global ? t.length + 1 : 1) * (replacement.length + t.length));
    return reReplace(old, t, replacement);
  }
  if (maxCount === undefined) maxCount = -1;
  if (typeof old === 'number') old = '' + old;
  else if (typeof old !== 'string') return str;
  if (typeof str === 'number') str = '' + str;
  if (typeof str !== 'string' && !(str instanceof Markup)) return str;
  const t = String(text(str));
  // a safe string's text is HTML: the strings put in (and looked for) are escaped unless safe
  const safe = str instanceof Markup;
  const o = into(safe, old) as string;
  replacement = into(safe, replacement);
  const rl = String(replacement).length; // (undefined joins with ',' as in Nunjucks: kept as it is)
  if (o === '') {
    room((t.length + 1) * (rl + 1));
    // (Nunjucks' `r + t.split('').join(r) + r`: twice for an empty string; an undefined `r` joins
    // with ',', as join does, kept as it is, and bounded by the room above)
    if (replacement === undefined) return copySafeness(str, 'undefined' + t.split('').join() + 'undefined');
    return copySafeness(str, t ? insertAround(t, String(replacement), -1, true) : String(replacement).repeat(2));
  }
  if (maxCount === 0 || t.indexOf(o) < 0) return str;
  // (Nunjucks counts `count < maxCount`: a count that is not a positive number replaces nothing)
  return copySafeness(original, replaceText(t, o, String(replacement), maxCount === -1 ? -1 : Math.max(0, Math.ceil(+(maxCount as number)))));
}
export function nf_reverse(val: unknown): unknown {
  // (Nunjucks' isString is false for a SafeString: it is copied as an array-like, of undefineds)
  if (typeof val === 'string') return splitOf(val, '').reverse().join('');
  return map(val, (v) => v).reverse();
}
export function nf_round(val: unknown, precision: unknown, method: unknown): number {
  const factor = Math.pow(10, (precision as number) || 0);
  const rounder = method === 'ceil' ? Math.ceil : method === 'floor' ? Math.floor : Math.round;
  return rounder((toPrim(val, 'number') as number) * factor) / factor;
}
export function nf_slice(arr: Any, slices: number, fillWith: unknown): unknown[] {
  room(slices, MAX_ITEMS);
  arr = sv(arr); // (String#slice works on a SafeString)
  const sliceLength = Math.floor(arr.length / slices);
  const extra = arr.length % slices;
  const res: unknown[] = [];
  let offset = 0;
  for (let i = 0; i < slices; i++) {
    const start = offset + i * sliceLength;
    if (i < extra) offset++;
    const end = offset + (i + 1) * sliceLength;
    const cur = arr.slice(start, end);
    if (fillWith && i >= extra) cur.push(fillWith);
    res.push(cur);
  }
  return res;
}
export function nf_sum(arr: Any, attr: unknown, start: unknown = 0): unknown {
  const a: Any = attr ? map(arr, (v) => prop(v, attr)) : arr;
  // (`+` as the template's: objects converted by toPrim, s8)
  return add(start, a.reduce(add, 0));
}
export function nf_sort(this: Strict, arr: Any, reversed: unknown, caseSens: unknown, attr: unknown): unknown[] {
  const array = map(arr, (v) => v) as Any[];
  const get = attrGetter(attr);
  const strict = !!this?.throwOnUndefined;
  array.sort((a, b) => {
    let x = attr ? get(a) : a;
    let y = attr ? get(b) : b;
    if (strict && attr && (x === undefined || y === undefined)) throw new TypeError(`sort: attribute "${String(attr)}" resolved to undefined`);
    if (!caseSens && typeof x === 'string' && typeof y === 'string') {
      x = x.toLowerCase();
      y = y.toLowerCase();
    }
    // (`<` as the template's: objects converted by toPrim, s8)
    if (lt(x, y)) return reversed ? 1 : -1;
    if (gt(x, y)) return reversed ? -1 : 1;
    return 0;
  });
  return array;
}
export const nf_string = (obj: unknown) => copySafeness(obj, obj);
const letter = (c: number) => (c | 32) >= 97 && (c | 32) <= 122;
const alnum = (c: number) => letter(c) || (c >= 48 && c <= 57);
/**
 * Nunjucks' `s.replace(/<\/?([a-z][a-z0-9]*)\b[^>]*>|<!--[\s\S]*?-->/gi, '')` as a scanner: the
 * regex rescans to the end from every `<` that has no `>` (or `-->`) after it.
 */
function stripTags(s: string): string {
  const out = new Pieces();
  let from = 0;
  let gt = -2; // the next '>' at or after gtFrom (-1: none), -2: not looked for yet
  let gtFrom = 0;
  let cc = -2; // likewise for '-->'
  let ccFrom = 0;
  for (let i = s.indexOf('<'); i !== -1; ) {
    let end = -1;
    let j = i + 1;
    if (s.charCodeAt(j) === 47) j++; // '/'
    if (letter(s.charCodeAt(j))) {
      while (alnum(s.charCodeAt(++j)));
      if (s[j] !== '_') {
        if (gt === -2 || (gt !== -1 && gt < j)) (gt = s.indexOf('>', j)), (gtFrom = j);
        if (gt !== -1 && gtFrom <= j) end = gt + 1;
      }
    } else if (s.startsWith('!--', i + 1)) {
      if (cc === -2 || (cc !== -1 && cc < i + 4)) (cc = s.indexOf('-->', i + 4)), (ccFrom = i + 4);
      if (cc !== -1 && ccFrom <= i + 4) end = cc + 3;
    }
    if (end !== -1) {
      out.add(s.slice(from, i));
      from = end;
    }
    i = s.indexOf('<', end !== -1 ? end : i + 1);
  }
  out.add(s.slice(from));
  return out.text();
}
/** Nunjucks' `.replace(/^ +| +$/gm, '')`: spaces at each line's ends (the regex is quadratic in a long inner run). */
function trimLineSpaces(s: string): string {
  return replaceMatches(s, /[^\n\r\u2028\u2029]+/g, (line) => {
    let a = 0;
    let b = line.length;
    while (line.charCodeAt(a) === 32) a++;
    while (b > a && line.charCodeAt(b - 1) === 32) b--;
    return line.slice(a, b);
  });
}
export function nf_striptags(input: unknown, preserveLinebreaks: unknown): unknown {
  const s = normalize(input, '');
  const t = sv(s);
  if (typeof t !== 'string') throw new TypeError('str.replace is not a function'); // (as in Nunjucks)
  const trimmed = stripTags(t).trim();
  let res = preserveLinebreaks
    ? replaceMatches(replaceMatches(replaceMatches(trimLineSpaces(trimmed), / +/g, () => ' '), /\r\n/g, () => '\n'), /\n\n\n+/g, () => '\n\n')
    : replaceMatches(trimmed, /\s+/g, () => ' ');
  // (a safe string stays safe: a `<` left, or joined up from pieces as in `<<b>script>`, is text)
  if (s instanceof Markup) res = replaceMatches(res, /</g, () => '&lt;');
  return copySafeness(s, res);
}
export function nf_title(s: unknown): unknown {
  const str = normalize(s, '');
  return copySafeness(str, splitOf(sv(str) as string, ' ').map((w) => String(nf_capitalize(w))).join(' '));
}
export function nf_trim(s: unknown): unknown {
  // (Nunjucks' s.replace(/^\s*|\s*$/g, '') removes what String#trim removes: \s is trim's set;
  // the regex rescans each inner whitespace run, String#trim does not)
  const t = text(s);
  return copySafeness(s, typeof t === 'string' ? t.trim() : t.replace(/^\s*|\s*$/g, ''));
}
const RAW_TEXT = /^(script|style|textarea|title|xmp|iframe|noembed|noframes|noscript|plaintext)$/i;
/** Where markup `s` ends inside a tag, a comment or a raw-text element: where that starts; -1 where it ends in text. */
function openAt(s: string): number {
  let st = 0, at = -1, raw = '', q = '', eq = false; // (st: text, tag, comment, bogus, raw text)
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (st === 1) {
      if (q) c === q && (q = '');
      else if (c === '>') (st = raw ? 4 : 0), raw || (at = -1);
      else if (eq && (c === '"' || c === "'")) q = c;
      else eq = c === '=' || (eq && /\s/.test(c));
    } else if (st === 2) {
      const e = s.startsWith('-->', i) ? 2 : s.startsWith('--!>', i) ? 3 : 0;
      if (e) (i += e), (st = 0), (at = -1);
    } else if (st === 3) c === '>' && ((st = 0), (at = -1));
    else if (c === '<') {
      const end = s[i + 1] === '/';
      if (st === 4 && !(end && s.slice(i + 2, i + 2 + raw.length).toLowerCase() === raw && /^[\s/>]/.test(s[i + 2 + raw.length] ?? ''))) continue;
      if (st === 0) at = i;
      const name = /^[A-Za-z][^\s/>]*/.exec(s.slice(i + 1 + +end, i + 40))?.[0];
      if (st === 0 && s.startsWith('<!--', i)) /^-?>/.test(s.slice(i + 4, i + 6)) ? (at = -1) : ((st = 2), (i += 3));
      else if (name) (st = 1), (raw = !end && RAW_TEXT.test(name) ? name.toLowerCase() : ''), (i += name.length + +end);
      else if (st === 0 && /^[!?/]/.test(s[i + 1] ?? '') && s[i + 2] !== '>') st = 3;
      else if (st === 0) i === s.length - 1 ? (st = 3) : (at = -1); // (a last `<` opens a tag with the end)
    }
  }
  return st ? at : -1;
}
export function nf_truncate(input: unknown, length: unknown, killwords: unknown, end: unknown): unknown {
  const orig = input;
  let s = sv(normalize(input, ''));
  const len = (length as number) || 255;
  if (s.length <= len) return normalize(input, '');
  if (killwords) s = s.substring(0, len);
  else {
    let idx = s.lastIndexOf(' ', len);
    if (idx === -1) idx = len;
    s = s.substring(0, idx);
  }
  // (a safe string cut inside a tag, comment or raw-text element would take the end and every
  // output after it in there (escaped data's spaces make attributes, a script runs it): cut before it)
  const open = orig instanceof Markup ? openAt(s) : -1;
  if (open >= 0) s = s.slice(0, open);
  s += end === undefined || end === null ? '...' : orig instanceof Markup && !(end instanceof Markup) ? njkEscape(njkStr(end)) : njkStr(end);
  return copySafeness(orig, s);
}
export function nf_urlencode(obj: unknown): string {
  const enc = encodeURIComponent;
  if (typeof obj === 'string') return enc(obj);
  const kv = Array.isArray(obj) ? obj : obj instanceof Markup ? [['val', obj.value], ['length', obj.value.length]] : entries(obj);
  return kv.map((p: Any) => `${enc(p[0])}=${enc(p[1])}`).join('&');
}
const emailRe = /^[\w.!#$%&'*+\-/=?^`{|}~]+@[a-z\d-]+(\.[a-z\d-]+)+$/i;
const tldRe = /\.(?:org|net|com)(?::|\/|$)/;
/** Nunjucks' punctuation regex, `^(?:\(|<|&lt;)?(.*?)(?:\.|,|\)|\n|&gt;)?$`, on a word (no whitespace): one opener off the start, one closer off the end. */
function unpunct(w: string): string {
  let c = w[0];
  const s = c === '(' || c === '<' ? 1 : w.startsWith('&lt;') ? 4 : 0;
  let e = w.length;
  if (e - s >= 4 && w.endsWith('&gt;')) e -= 4;
  else if (e > s && ((c = w[e - 1]), c === '.' || c === ',' || c === ')')) e--;
  return w.slice(s, e);
}
/**
 * Nunjucks' urlize as one pass (issue #19: 1 MB of short words took over 2 s through split, a
 * regex per word and four more tests): the same words between the same whitespace (JavaScript's
 * `\s`), the same decisions, with string tests where Nunjucks' regexes are anchored prefixes.
 */
export function nf_urlize(str: unknown, length: unknown, nofollow: unknown): string {
  const max = Number.isNaN(length) ? Infinity : (length as number); // (substr(0, "") is "", as there)
  const rel = nofollow === true ? ' rel="nofollow"' : '';
  const v = sv(str);
  // (Nunjucks calls str.split: what has no split throws there, as it does here)
  const src: string = typeof v === 'string' ? v : v.split(/(\s+)/).join('');
  // (the text between links is copied in one slice; parts joined once: a string built by += of
  // a million pieces spent most of its time in the collector)
  const parts: string[] = [];
  let copied = 0;
  for (let at = 0; at < src.length; ) {
    let end = at;
    while (end < src.length && !isSpace(src.charCodeAt(end))) end++;
    if (end > at) {
      const url = unpunct(src.slice(at, end));
      const web = url.startsWith('http://') || url.startsWith('https://') ? '' : url.startsWith('www.') ? 'http://' : null;
      const mail = web === null && url.includes('@') && emailRe.test(url);
      const tld = web === null && !mail && url.includes('.') && tldRe.test(url);
      if (web !== null || mail || tld) {
        if (at > copied) parts.push(src.slice(copied, at));
        parts.push(mail ? `<a href="mailto:${url}">${url}</a>` : `<a href="${tld ? 'http://' : web}${url}"${rel}>${url.substr(0, max)}</a>`);
        copied = end;
      }
    }
    at = end;
    while (at < src.length && isSpace(src.charCodeAt(at))) at++;
  }
  if (!parts.length) return src;
  if (copied < src.length) parts.push(src.slice(copied));
  return parts.join('');
}
/** JavaScript's `\s` (what Nunjucks splits words on). */
const isSpace = (c: number): boolean =>
  c === 32 || (c >= 9 && c <= 13) || (c > 127 && (c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff));
export function nf_wordcount(s: unknown): number | null {
  const str = sv(normalize(s, ''));
  const words = str ? str.match(/\w+/g) : null;
  return words ? words.length : null;
}
export function nf_float(val: unknown, def: unknown): unknown {
  const res = parseFloat(hostStr(text(val))); // (the conversion parseFloat would do, its promise observed: s7)
  return Number.isNaN(res) ? def : res;
}
export function nf_int(val: unknown, def: unknown, base: unknown = 10): unknown {
  const res = parseInt(hostStr(text(val)), base as number);
  return Number.isNaN(res) ? def : res;
}

/** A regular expression literal `r/body/flags` (compiler/lexer.ts spells it as this filter). */
export function nf___regex(body: string, flags: string): RegExp {
  return new RegExp(body, flags);
}

// ---------------------------------------------------------------- tests

export const nt_callable = (v: unknown) => typeof v === 'function';
export const nt_defined = (v: unknown) => v !== undefined;
export const nt_divisibleby = (a: Any, b: Any) => a % b === 0;
export const nt_escaped = (v: unknown) => v instanceof Markup;
export const nt_equalto = (a: unknown, b: unknown) => a === b;
export const nt_eq = nt_equalto;
export const nt_sameas = nt_equalto;
export const nt_even = (v: Any) => v % 2 === 0;
export const nt_falsy = (v: unknown) => !v;
/** Sandboxed, a function compared as JavaScript does it would be compared as its source text (ACTIVE.noSource refuses it). */
const unconverted = (a: unknown, b: unknown): void => {
  if (typeof a === 'function') ACTIVE?.noSource?.(a);
  if (typeof b === 'function') ACTIVE?.noSource?.(b);
};
export const nt_ge = (a: Any, b: Any) => (unconverted(a, b), a >= b);
export const nt_greaterthan = (a: Any, b: Any) => (unconverted(a, b), a > b);
export const nt_gt = nt_greaterthan;
export const nt_le = (a: Any, b: Any) => (unconverted(a, b), a <= b);
export const nt_lessthan = (a: Any, b: Any) => (unconverted(a, b), a < b);
export const nt_lt = nt_lessthan;
// (a SafeString is never === its lowered text there: `is lower` is false for one)
export const nt_lower = (v: Any) => sv(v).toLowerCase() === v;
export const nt_ne = (a: unknown, b: unknown) => a !== b;
export const nt_null = (v: unknown) => v === null;
export const nt_number = (v: unknown) => typeof v === 'number';
export const nt_odd = (v: Any) => v % 2 === 1;
export const nt_string = (v: unknown) => typeof v === 'string';
export const nt_truthy = (v: unknown) => !!v;
export const nt_undefined = (v: unknown) => v === undefined;
export const nt_upper = (v: Any) => sv(v).toUpperCase() === v;
export const nt_iterable = (v: Any) => v instanceof Markup || !!v[Symbol.iterator];
export const nt_mapping = (v: unknown) => v !== null && v !== undefined && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Set);

const TESTS: Record<string, (v: unknown, arg?: unknown) => boolean> = {
  callable: nt_callable, defined: nt_defined, divisibleby: nt_divisibleby, escaped: nt_escaped, equalto: nt_equalto,
  eq: nt_eq, sameas: nt_sameas, even: nt_even, falsy: nt_falsy, ge: nt_ge, greaterthan: nt_greaterthan, gt: nt_gt,
  le: nt_le, lessthan: nt_lessthan, lt: nt_lt, lower: nt_lower, ne: nt_ne, null: nt_null, number: nt_number,
  odd: nt_odd, string: nt_string, truthy: nt_truthy, undefined: nt_undefined, upper: nt_upper, iterable: nt_iterable,
  mapping: nt_mapping,
};
