// Nunjucks 3.2's built-in filters and tests (its lib/filters.js and lib/tests.js), as
// `nf_<name>` / `nt_<name>` exports that templates compiled with `compat: 'nunjucks'` import.
// Same results as Nunjucks, including which filters keep a safe string safe (copySafeness:
// capitalize center indent nl2br replace reverse string striptags title trim truncate).

import { Markup } from '../markup.js';
import { njkEscape, njkStr } from './values.js';

type Any = any; // eslint-disable-line @typescript-eslint/no-explicit-any

function copySafeness(dest: unknown, target: unknown): unknown {
  if (dest instanceof Markup) return new Markup(target);
  return (target as Any).toString();
}
/** Nunjucks' normalize: null, undefined and false become the default. */
function normalize(value: unknown, dflt: unknown): Any {
  return value === null || value === undefined || value === false ? dflt : value;
}
/** The text of a string or safe string; other values as they are (JavaScript then decides). */
function text(v: unknown): Any {
  return v instanceof Markup ? v.value : v;
}
function isObject(v: unknown): boolean {
  return Object.prototype.toString.call(v) === '[object Object]';
}
function entries(o: Any): [string, unknown][] {
  const out: [string, unknown][] = [];
  for (const k in o) if (Object.hasOwn(o, k)) out.push([k, o[k]]);
  return out;
}
function attrGetter(attribute: unknown): (item: Any) => unknown {
  const parts = typeof attribute === 'string' ? attribute.split('.') : [attribute];
  return (item) => {
    let v = item;
    for (const p of parts as string[]) {
      if (v == null) return undefined;
      v = v[p];
    }
    return v;
  };
}
const repeat = (s: string, n: number) => (n > 0 ? s.repeat(Math.floor(n)) : '');

export const nf_abs = (v: unknown) => Math.abs(v as number);
export function nf_batch(arr: Any, linecount: number, fillWith: unknown): unknown[] {
  const res: unknown[][] = [];
  let tmp: unknown[] = [];
  for (let i = 0; i < arr.length; i++) {
    if (i % linecount === 0 && tmp.length) {
      res.push(tmp);
      tmp = [];
    }
    tmp.push(arr[i]);
  }
  if (tmp.length) {
    if (fillWith) for (let i = tmp.length; i < linecount; i++) tmp.push(fillWith);
    res.push(tmp);
  }
  return res;
}
export function nf_capitalize(s: unknown): unknown {
  const str = normalize(s, '');
  const ret = String(text(str)).toLowerCase();
  return copySafeness(str, ret.charAt(0).toUpperCase() + ret.slice(1));
}
export function nf_center(s: unknown, width: unknown): unknown {
  const str = normalize(s, '');
  const w = (width as number) || 80;
  if (str.length >= w) return str;
  const spaces = w - str.length;
  return copySafeness(str, repeat(' ', spaces / 2 - (spaces % 2)) + text(str) + repeat(' ', spaces / 2));
}
export function nf_default(val: unknown, def: unknown, bool: unknown): unknown {
  return bool ? val || def : val !== undefined ? val : def;
}
export const nf_d = nf_default;
export function nf_dictsort(val: Any, caseSensitive: unknown, by: unknown): unknown {
  if (!isObject(val)) throw new Error('dictsort filter: val must be an object');
  const array: [string, Any][] = [];
  for (const k in val) array.push([k, val[k]]);
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
    return a > b ? 1 : a === b ? 0 : -1;
  });
  return array;
}
export function nf_dump(obj: unknown, spaces: unknown): string {
  return JSON.stringify(obj, (_k, v) => (v instanceof Markup ? { val: v.value, length: v.value.length } : v), spaces as number);
}
export function nf_escape(s: unknown): Markup {
  if (s instanceof Markup) return s;
  return new Markup(njkEscape(String(s == null ? '' : (s as Any).toString())));
}
export const nf_e = nf_escape;
export function nf_safe(s: unknown): Markup {
  if (s instanceof Markup) return s;
  return new Markup(String(s == null ? '' : (s as Any).toString()));
}
export function nf_forceescape(s: unknown): Markup {
  return new Markup(njkEscape(String(s == null ? '' : text(s).toString())));
}
export const nf_first = (arr: Any) => text(arr)[0];
export const nf_last = (arr: Any) => {
  const a = text(arr);
  return a[a.length - 1];
};
export function nf_groupby(arr: Any, attr: unknown): Record<string, unknown[]> {
  const result: Record<string, unknown[]> = {};
  const get = typeof attr === 'function' ? (attr as (v: unknown, i: number) => unknown) : attrGetter(attr);
  for (let i = 0; i < arr.length; i++) {
    const key = String(get(arr[i], i));
    (Object.hasOwn(result, key) ? result[key]! : (result[key] = [])).push(arr[i]);
  }
  return result;
}
export function nf_indent(s: unknown, width: unknown, indentfirst: unknown): unknown {
  const str = normalize(s, '');
  if (str === '') return '';
  const sp = repeat(' ', (width as number) || 4);
  // (every line but the first, blank ones too, gets the indent: Nunjucks' split/map/join)
  const res = (indentfirst ? sp : '') + String(text(str)).replaceAll('\n', '\n' + sp);
  return copySafeness(str, res);
}
export function nf_join(arr: Any, del: unknown, attr: unknown): string {
  let a = arr;
  if (attr) a = Array.prototype.map.call(a, (v: Any) => v[attr as string]);
  return Array.prototype.join.call(a, (del as string) || '');
}
export function nf_length(val: unknown): unknown {
  const value = normalize(val, '');
  if (value instanceof Map || value instanceof Set) return value.size;
  if (value instanceof Markup) return value.value.length;
  if (isObject(value)) return entries(value).length;
  return value.length;
}
export function nf_list(val: unknown): unknown {
  if (typeof val === 'string' || val instanceof Markup) return String(text(val)).split('');
  if (isObject(val)) return entries(val).map(([key, value]) => ({ key, value }));
  if (Array.isArray(val)) return val;
  throw new Error('list filter: type not iterable');
}
export const nf_lower = (s: unknown) => String(text(normalize(s, ''))).toLowerCase();
export const nf_upper = (s: unknown) => String(text(normalize(s, ''))).toUpperCase();
export function nf_nl2br(s: unknown): unknown {
  if (s === null || s === undefined) return '';
  return copySafeness(s, String(text(s)).replace(/\r\n|\n/g, '<br />\n'));
}
export const nf_random = (arr: Any) => arr[Math.floor(Math.random() * arr.length)];
function selectOrReject(expected: boolean) {
  return (arr: unknown, testName: unknown = 'truthy', arg?: unknown): unknown[] => {
    const test = TESTS[String(testName)];
    if (!test) throw new Error(`test not found: ${String(testName)}`);
    const items = arr == null ? [] : Array.isArray(arr) ? arr : typeof arr === 'string' ? [...arr] : Array.from(arr as ArrayLike<unknown>);
    return items.filter((item) => test(item, arg) === expected);
  };
}
export const nf_select = selectOrReject(true);
export const nf_reject = selectOrReject(false);
export const nf_selectattr = (arr: Any[], attr: string) => arr.filter((item: Any) => !!item[attr]);
export const nf_rejectattr = (arr: Any[], attr: string) => arr.filter((item: Any) => !item[attr]);
export function nf_replace(s: unknown, old: unknown, replacement: unknown, maxCount?: unknown): unknown {
  const original = s;
  let str: Any = s;
  if (old instanceof RegExp) return String(text(str)).replace(old, replacement as string);
  if (maxCount === undefined) maxCount = -1;
  if (typeof old === 'number') old = '' + old;
  else if (typeof old !== 'string') return str;
  if (typeof str === 'number') str = '' + str;
  if (typeof str !== 'string' && !(str instanceof Markup)) return str;
  const t = String(text(str));
  const o = old as string;
  if (o === '') return copySafeness(str, replacement + t.split('').join(replacement as string) + replacement);
  let next = t.indexOf(o);
  if (maxCount === 0 || next === -1) return str;
  let res = '';
  let pos = 0;
  let count = 0;
  while (next > -1 && (maxCount === -1 || count < (maxCount as number))) {
    res += t.substring(pos, next) + replacement;
    pos = next + o.length;
    count++;
    next = t.indexOf(o, pos);
  }
  if (pos < t.length) res += t.substring(pos);
  return copySafeness(original, res);
}
export function nf_reverse(val: unknown): unknown {
  if (typeof val === 'string' || val instanceof Markup) return copySafeness(val, String(text(val)).split('').reverse().join(''));
  return Array.prototype.map.call(val, (v) => v).reverse();
}
export function nf_round(val: unknown, precision: unknown, method: unknown): number {
  const factor = Math.pow(10, (precision as number) || 0);
  const rounder = method === 'ceil' ? Math.ceil : method === 'floor' ? Math.floor : Math.round;
  return rounder((val as number) * factor) / factor;
}
export function nf_slice(arr: Any, slices: number, fillWith: unknown): unknown[] {
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
  let a = arr;
  if (attr) a = Array.prototype.map.call(a, (v: Any) => v[attr as string]);
  return (start as number) + a.reduce((x: number, y: number) => x + y, 0);
}
export function nf_sort(arr: Any, reversed: unknown, caseSens: unknown, attr: unknown): unknown[] {
  const array = Array.prototype.map.call(arr, (v) => v) as Any[];
  const get = attrGetter(attr);
  array.sort((a, b) => {
    let x = attr ? get(a) : a;
    let y = attr ? get(b) : b;
    if (!caseSens && typeof x === 'string' && typeof y === 'string') {
      x = x.toLowerCase();
      y = y.toLowerCase();
    }
    if ((x as Any) < (y as Any)) return reversed ? 1 : -1;
    if ((x as Any) > (y as Any)) return reversed ? -1 : 1;
    return 0;
  });
  return array;
}
export const nf_string = (obj: unknown) => copySafeness(obj, obj);
export function nf_striptags(input: unknown, preserveLinebreaks: unknown): unknown {
  const s = normalize(input, '');
  const trimmed = String(text(s)).replace(/<\/?([a-z][a-z0-9]*)\b[^>]*>|<!--[\s\S]*?-->/gi, '').trim();
  const res = preserveLinebreaks
    ? trimmed.replace(/^ +| +$/gm, '').replace(/ +/g, ' ').replace(/(\r\n)/g, '\n').replace(/\n\n\n+/g, '\n\n')
    : trimmed.replace(/\s+/gi, ' ');
  return copySafeness(s, res);
}
export function nf_title(s: unknown): unknown {
  const str = normalize(s, '');
  return copySafeness(str, String(text(str)).split(' ').map((w) => String(nf_capitalize(w))).join(' '));
}
export function nf_trim(s: unknown): unknown {
  // (Nunjucks' s.replace(/^\s*|\s*$/g, '') removes what String#trim removes: \s is trim's set;
  // the regex rescans each inner whitespace run, String#trim does not)
  const t = text(s);
  return copySafeness(s, typeof t === 'string' ? t.trim() : t.replace(/^\s*|\s*$/g, ''));
}
export function nf_truncate(input: unknown, length: unknown, killwords: unknown, end: unknown): unknown {
  const orig = input;
  let s = String(text(normalize(input, '')));
  const len = (length as number) || 255;
  if (s.length <= len) return normalize(input, '');
  if (killwords) s = s.substring(0, len);
  else {
    let idx = s.lastIndexOf(' ', len);
    if (idx === -1) idx = len;
    s = s.substring(0, idx);
  }
  s += end !== undefined && end !== null ? njkStr(end) : '...';
  return copySafeness(orig, s);
}
export function nf_urlencode(obj: unknown): string {
  const enc = encodeURIComponent;
  if (typeof obj === 'string') return enc(obj);
  const kv = Array.isArray(obj) ? obj : entries(obj);
  return kv.map(([k, v]: Any) => `${enc(k)}=${enc(v)}`).join('&');
}
const puncRe = /^(?:\(|<|&lt;)?(.*?)(?:\.|,|\)|\n|&gt;)?$/;
const emailRe = /^[\w.!#$%&'*+\-/=?^`{|}~]+@[a-z\d-]+(\.[a-z\d-]+)+$/i;
const httpHttpsRe = /^https?:\/\/.*$/;
const wwwRe = /^www\./;
const tldRe = /\.(?:org|net|com)(?::|\/|$)/;
export function nf_urlize(str: unknown, length: unknown, nofollow: unknown): string {
  const max = typeof length === 'number' && !Number.isNaN(length) ? length : Infinity;
  const rel = nofollow === true ? ' rel="nofollow"' : '';
  return String(text(str))
    .split(/(\s+)/)
    .filter((w) => w && w.length)
    .map((word) => {
      const m = word.match(puncRe);
      const url = m ? m[1]! : word;
      const short = url.substr(0, max);
      if (httpHttpsRe.test(url)) return `<a href="${url}"${rel}>${short}</a>`;
      if (wwwRe.test(url)) return `<a href="http://${url}"${rel}>${short}</a>`;
      if (emailRe.test(url)) return `<a href="mailto:${url}">${url}</a>`;
      if (tldRe.test(url)) return `<a href="http://${url}"${rel}>${short}</a>`;
      return word;
    })
    .join('');
}
export function nf_wordcount(s: unknown): number | null {
  const str = String(text(normalize(s, '')));
  const words = str ? str.match(/\w+/g) : null;
  return words ? words.length : null;
}
export function nf_float(val: unknown, def: unknown): unknown {
  const res = parseFloat(text(val));
  return Number.isNaN(res) ? def : res;
}
export function nf_int(val: unknown, def: unknown, base: unknown = 10): unknown {
  const res = parseInt(text(val), base as number);
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
export const nt_ge = (a: Any, b: Any) => a >= b;
export const nt_greaterthan = (a: Any, b: Any) => a > b;
export const nt_gt = nt_greaterthan;
export const nt_le = (a: Any, b: Any) => a <= b;
export const nt_lessthan = (a: Any, b: Any) => a < b;
export const nt_lt = nt_lessthan;
export const nt_lower = (v: Any) => text(v).toLowerCase() === text(v);
export const nt_ne = (a: unknown, b: unknown) => a !== b;
export const nt_null = (v: unknown) => v === null;
export const nt_number = (v: unknown) => typeof v === 'number';
export const nt_odd = (v: Any) => v % 2 === 1;
export const nt_string = (v: unknown) => typeof v === 'string';
export const nt_truthy = (v: unknown) => !!v;
export const nt_undefined = (v: unknown) => v === undefined;
export const nt_upper = (v: Any) => text(v).toUpperCase() === text(v);
export const nt_iterable = (v: Any) => !!v[Symbol.iterator];
export const nt_mapping = (v: unknown) => v !== null && v !== undefined && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Set);

const TESTS: Record<string, (v: unknown, arg?: unknown) => boolean> = {
  callable: nt_callable, defined: nt_defined, divisibleby: nt_divisibleby, escaped: nt_escaped, equalto: nt_equalto,
  eq: nt_eq, sameas: nt_sameas, even: nt_even, falsy: nt_falsy, ge: nt_ge, greaterthan: nt_greaterthan, gt: nt_gt,
  le: nt_le, lessthan: nt_lessthan, lt: nt_lt, lower: nt_lower, ne: nt_ne, null: nt_null, number: nt_number,
  odd: nt_odd, string: nt_string, truthy: nt_truthy, undefined: nt_undefined, upper: nt_upper, iterable: nt_iterable,
  mapping: nt_mapping,
};
