// Built-in filters (language.md §4.1). Each is `(value, ...args)`; `filterParams` lists the
// parameters after the value so the compiler binds keyword arguments to positions
// (`*name` varargs, `**name` keyword arguments passed as one object). Filters listed in
// `filterNeedsEnv` are called with `this` bound to the template's FilterEnv.

import { Markup, escapeString, isSafe } from './markup.js';
import { PyError, RequiredValueError, TemplateRuntimeError } from './errors.js';
import {
  PyFloat, Range, Tuple, UNDEF, compare, dictGet, dictHas, dictItems, dictKeys, eq, formatSpec, getattr, isDict, isNumber,
  isString, iter, len, num, pyRepr, pyStr, strFormat, toFloat, toInt, toList, truthy, tuple, typeName, callValue, floatRepr,
  add, assertSafeName,
} from './values.js';

export interface FilterEnv {
  autoescape: boolean;
  strict: boolean;
  filters: Record<string, (...a: any[]) => unknown>;
  tests: Record<string, (...a: any[]) => unknown>;
}
type Filter = (this: FilterEnv | void, value: unknown, ...args: any[]) => unknown;

const s = (v: unknown): string => (typeof v === 'string' ? v : v instanceof Markup ? v.value : pyStr(v));
const isNone = (v: unknown) => v === null || v === undefined || v === UNDEF;
const listOf = (v: unknown): unknown[] => (isNone(v) ? [] : toList(v));

/** Attribute lookup used by sort/groupby/map (dict-aware, dotted paths, None when missing). */
function attrPath(item: unknown, path: unknown): unknown {
  let v = item;
  for (const part of String(path).split('.')) {
    if (v == null) return null;
    assertSafeName(part);
    if (isDict(v)) v = dictHas(v, part) ? dictGet(v, part) : /^\d+$/.test(part) ? undefined : null;
    else if (Array.isArray(v) && /^-?\d+$/.test(part)) v = v[(Number(part) + v.length) % v.length];
    else if (typeof v === 'object') v = Object.prototype.hasOwnProperty.call(v, part) || part in (v as object) ? (v as Record<string, unknown>)[part] : null;
    else v = null;
    if (v === undefined) v = null;
  }
  return v;
}
/** Python getattr(x, name, default) on non-dicts (the reference's non-dict-aware filters). */
function plainGetattr(item: unknown, name: string, dflt: unknown): unknown {
  if (item === null || typeof item !== 'object' || isDict(item) || Array.isArray(item)) return dflt;
  assertSafeName(name);
  return name in (item as object) ? (item as Record<string, unknown>)[name] : dflt;
}

/** Sort key shared by sort/groupby: None/"" last, numbers before strings. */
function sortKey(v: unknown, caseSensitive: boolean): [number, unknown] {
  if (v === null || v === undefined || v === '' || v === UNDEF) return [2, 0];
  if (typeof v === 'boolean' || isNumber(v)) return [0, num(v)];
  if (isString(v)) return [1, caseSensitive ? s(v) : s(v).toLowerCase()];
  return [1, v];
}
function cmpKeys(a: [number, unknown][], b: [number, unknown][]): number {
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x[0] !== y[0]) return x[0] - y[0];
    const c = compare(x[1], y[1]);
    if (c) return c;
  }
  return 0;
}

function truncate(v: unknown, length: unknown = 255, killwords: unknown = false, end: unknown = '...'): string {
  const str = s(v);
  const n = num(length);
  const e = s(end);
  if ([...str].length <= n) return str;
  const room = n - e.length;
  if (room <= 0) return n <= 0 ? '' : e.slice(0, n);
  if (truthy(killwords)) return str.slice(0, room) + e;
  let cut = str.slice(0, room);
  const sp = cut.lastIndexOf(' ');
  if (sp > 0) cut = cut.slice(0, sp);
  return cut.replace(/\s+$/, '') + e;
}

function wordwrap(v: unknown, width: unknown = 79, breakLong: unknown = true): string {
  const w = num(width);
  const words = s(v).replace(/\s/g, ' ').split(' ').filter((x) => x !== '');
  const lines: string[] = [];
  let cur = '';
  for (let word of words) {
    while (truthy(breakLong) && word.length > w) {
      const space = cur ? w - cur.length - 1 : w;
      if (space > 0) {
        lines.push((cur ? cur + ' ' : '') + word.slice(0, space));
        word = word.slice(space);
      } else lines.push(cur);
      cur = '';
    }
    if (!cur) cur = word;
    else if (cur.length + 1 + word.length <= w) cur += ' ' + word;
    else {
      lines.push(cur);
      cur = word;
    }
  }
  if (cur) lines.push(cur);
  return lines.join('\n');
}

function jsonDump(v: unknown, indent: number | null, level: number): string {
  const nl = indent === null ? '' : '\n' + ' '.repeat(indent * (level + 1));
  const close = indent === null ? '' : '\n' + ' '.repeat(indent * level);
  const sep = indent === null ? ', ' : ',';
  if (v === null || v === undefined || v === UNDEF) return 'null';
  if (v === true) return 'true';
  if (v === false) return 'false';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : Number.isFinite(v) ? floatRepr(v) : v > 0 ? 'Infinity' : v < 0 ? '-Infinity' : 'NaN';
  if (v instanceof PyFloat) return floatRepr(v.v);
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'string' || v instanceof Markup) return jsonStr(s(v));
  if (Array.isArray(v) || v instanceof Set || v instanceof Range) {
    const items = [...(v as Iterable<unknown>)];
    if (!items.length) return '[]';
    return '[' + nl + items.map((x) => jsonDump(x, indent, level + 1)).join(sep + nl) + close + ']';
  }
  if (isDict(v)) {
    const keys = dictKeys(v);
    if (!keys.length) return '{}';
    return '{' + nl + keys.map((k) => `${jsonStr(typeof k === 'string' ? k : pyStr(k))}: ${jsonDump(dictGet(v, k), indent, level + 1)}`).join(sep + nl) + close + '}';
  }
  if (v instanceof Date) return jsonStr(v.toISOString());
  return jsonStr(String(v));
}
function jsonStr(str: string): string {
  let out = '"';
  for (const ch of str) {
    const c = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (c < 0x20 || c > 0x7e) {
      if (c > 0xffff) {
        const hi = Math.floor((c - 0x10000) / 0x400) + 0xd800;
        const lo = ((c - 0x10000) % 0x400) + 0xdc00;
        out += `\\u${hi.toString(16).padStart(4, '0')}\\u${lo.toString(16).padStart(4, '0')}`;
      } else out += `\\u${c.toString(16).padStart(4, '0')}`;
    } else out += ch;
  }
  return out + '"';
}

/** Python round-half-even at a number of decimal places. */
function roundHalfEven(x: number, places: number): number {
  const m = 10 ** places;
  const y = x * m;
  const r = Math.round(y);
  const isHalf = Math.abs(y % 1) === 0.5;
  const v = isHalf ? (r % 2 === 0 ? r : r - 1) : r;
  return v / m;
}

/**
 * select/reject test resolution. Every registered test works (the reference silently
 * degrades unknown names to truthiness: a bug not copied, see docs/decisions.md).
 */
function selectTest(env: FilterEnv | void, name: unknown, args: unknown[]): (x: unknown) => boolean {
  if (name == null) return (x) => truthy(x);
  const n = String(name);
  const t = env?.tests?.[n];
  if (!t) throw new PyError('TypeError', `No test named '${n}'`);
  return (x) => truthy(t.call(env, x, ...args));
}

function fileSize(v: unknown, binary: unknown = false): string {
  let n: number;
  try {
    n = num(toFloat(v));
  } catch {
    return '0 Bytes';
  }
  const base = truthy(binary) ? 1024 : 1000;
  const units = truthy(binary) ? ['KiB', 'MiB', 'GiB', 'TiB'] : ['kB', 'MB', 'GB', 'TB'];
  if (n < base) return `${Math.trunc(n)} Bytes`;
  let i = 0;
  n /= base;
  while (n >= base && i < units.length - 1) {
    n /= base;
    i++;
  }
  return `${n.toFixed(1)} ${units[i]}`;
}

function intFilter(v: unknown, dflt: unknown = 0, strict: unknown = false): unknown {
  try {
    if (typeof v === 'string' || v instanceof Markup) return toInt(s(v).trim());
    return toInt(v);
  } catch (e) {
    if (truthy(strict)) throw new TemplateRuntimeError(`Cannot convert ${pyRepr(v)} to int`, 'K-RUN-007', { cause: e });
    return dflt;
  }
}
function floatFilter(v: unknown, dflt: unknown = new PyFloat(0), strict: unknown = false): unknown {
  try {
    return toFloat(v);
  } catch (e) {
    if (truthy(strict)) throw new TemplateRuntimeError(`Cannot convert ${pyRepr(v)} to float`, 'K-RUN-007', { cause: e });
    return typeof dflt === 'number' && Number.isInteger(dflt) ? dflt : dflt;
  }
}

function formatNumber(v: unknown, places: unknown = 0): string {
  let n: number;
  try {
    n = num(toFloat(v));
  } catch {
    return s(v);
  }
  const p = num(places);
  if (p === 0) return formatSpec(Math.trunc(n), ',');
  return formatSpec(n, `,.${p}f`);
}

const pad2 = (n: number) => String(n).padStart(2, '0');
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
function strftime(d: Date, fmt: string): string {
  return fmt.replace(/%([a-zA-Z%])/g, (_, c: string) => {
    switch (c) {
      case 'Y': return String(d.getFullYear());
      case 'y': return pad2(d.getFullYear() % 100);
      case 'm': return pad2(d.getMonth() + 1);
      case 'd': return pad2(d.getDate());
      case 'H': return pad2(d.getHours());
      case 'I': return pad2(d.getHours() % 12 || 12);
      case 'M': return pad2(d.getMinutes());
      case 'S': return pad2(d.getSeconds());
      case 'p': return d.getHours() < 12 ? 'AM' : 'PM';
      case 'A': return DAYS[d.getDay()]!;
      case 'a': return DAYS[d.getDay()]!.slice(0, 3);
      case 'B': return MONTHS[d.getMonth()]!;
      case 'b': return MONTHS[d.getMonth()]!.slice(0, 3);
      case 'j': return String(Math.floor((d.getTime() - new Date(d.getFullYear(), 0, 1).getTime()) / 864e5) + 1).padStart(3, '0');
      case 'f': return String(d.getMilliseconds() * 1000).padStart(6, '0');
      case 'Z': return '';
      case 'z': return '';
      case '%': return '%';
      default: return '%' + c;
    }
  });
}

function xmlattr(this: FilterEnv | void, v: unknown): Markup {
  if (!isDict(v)) return new Markup('');
  const parts: string[] = [];
  for (const [k, val] of dictItems(v)) {
    if (val === null || val === undefined || val === UNDEF) continue;
    const key = String(k);
    if (!key || /[\s"'>/=]/.test(key)) throw new PyError('ValueError', `Invalid attribute name: ${pyRepr(key)}`);
    parts.push(`${key}="${isSafe(val) ? val.__html__() : escapeString(s(val))}"`);
  }
  return new Markup(parts.join(' '));
}

const filterTable: Record<string, Filter> = {
  // strings
  upper: (v) => s(v).toUpperCase(),
  lower: (v) => s(v).toLowerCase(),
  capitalize: (v) => {
    const str = s(v);
    return str ? str[0]!.toUpperCase() + str.slice(1).toLowerCase() : str;
  },
  title: (v) => s(v).replace(/[\p{L}]+/gu, (w) => w[0]!.toUpperCase() + w.slice(1).toLowerCase()),
  trim: (v, chars = null) => {
    const str = s(v);
    if (chars == null) return str.replace(/^[\s\x1c-\x1f\x85]+|[\s\x1c-\x1f\x85]+$/g, '');
    const set = s(chars);
    let a = 0;
    let b = str.length;
    while (a < b && set.includes(str[a]!)) a++;
    while (b > a && set.includes(str[b - 1]!)) b--;
    return str.slice(a, b);
  },
  replace: (v, old, nw, count = -1) => {
    const str = s(v);
    if (count !== null && typeof count !== 'number' && typeof count !== 'bigint' && typeof count !== 'boolean')
      throw new PyError('ValueError', `replace() count must be an integer, got ${pyRepr(count)}`);
    const c = count == null ? -1 : num(count);
    const o = s(old);
    const n = s(nw);
    if (c < 0) return o === '' ? [...str].map((x) => n + x).join('') + n : str.split(o).join(n);
    let out = '';
    let rest = str;
    for (let i = 0; i < c; i++) {
      const k = rest.indexOf(o);
      if (k < 0) break;
      out += rest.slice(0, k) + n;
      rest = rest.slice(k + o.length);
    }
    return out + rest;
  },
  truncate,
  center: (v, width = 80) => {
    const str = s(v);
    const w = num(width);
    const total = w - str.length;
    if (total <= 0) return str;
    const left = Math.floor(total / 2) + (total & w & 1);
    return ' '.repeat(left) + str + ' '.repeat(total - left);
  },
  indent: (v, width = 4, first = false) => {
    const pad = typeof width === 'string' ? width : ' '.repeat(num(width));
    let str = s(v);
    const trailing = str.endsWith('\n');
    if (trailing) str = str.slice(0, -1);
    const lines = str.split('\n');
    const out = lines.map((l, i) => (i === 0 && !truthy(first) ? l : pad + l)).join('\n');
    return trailing ? out + '\n' : out;
  },
  wordwrap,
  format: (v, args: unknown[] = [], kwargs: Record<string, unknown> = {}) => {
    const str = s(v);
    if (args.length && !str.includes('{') && /%[-+ #0]*\d*(\.\d+)?[sdifr]/.test(str))
      throw new PyError('ValueError', `format filter uses str.format ({}), not %-style: ${pyRepr(str)}`);
    return strFormat(str, args, kwargs);
  },
  wordcount: (v) => s(v).split(/\s+/).filter(Boolean).length,
  slug: (v) => (isNone(v) ? '' : s(v).toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '')),
  pluralize: (v, suffix = 's') => {
    const sfx = s(suffix);
    const [one, many] = sfx.includes(',') ? sfx.split(',', 2).map((x) => x.trim()) as [string, string] : ['', sfx];
    if (isNone(v)) return many;
    let n: number;
    try {
      n = num(typeof v === 'string' ? toInt(v) : toInt(v));
    } catch {
      throw new PyError('ValueError', `pluralize expects a number, got ${pyRepr(v)}`);
    }
    return n === 1 ? one : many;
  },
  striptags: (v) => s(v).replace(/<[^>]*>/g, ''),
  urlencode: (v) => {
    const bytes = new TextEncoder().encode(s(v));
    let out = '';
    for (const b of bytes) {
      const c = String.fromCharCode(b);
      out += /[A-Za-z0-9_.\-~]/.test(c) ? c : '%' + b.toString(16).toUpperCase().padStart(2, '0');
    }
    return out;
  },
  escape: (v) => (isSafe(v) ? new Markup(v.__html__()) : new Markup(escapeString(s(v)))),
  forceescape: (v) => new Markup(escapeString(s(v))),
  safe: (v) => (v instanceof Markup ? v : new Markup(s(v))),
  xmlattr,
  csp_nonce: (v, nonce = null) => {
    const n = nonce == null ? '' : s(nonce);
    const str = s(v);
    return new Markup(n ? str.replace(/<(script|style)(?![^>]*\snonce=)/gi, `<$1 nonce="${escapeString(n)}"`) : str);
  },

  // collections
  length: (v) => (isNone(v) ? 0 : (() => {
    try {
      return len(v);
    } catch {
      return 0;
    }
  })()),
  first: (v) => {
    if (isNone(v)) return null;
    try {
      for (const x of iter(v)) return x;
    } catch {
      return null;
    }
    return null;
  },
  last: (v) => {
    if (isNone(v)) return null;
    try {
      const l = toList(v);
      return l.length ? l[l.length - 1] : null;
    } catch {
      return null;
    }
  },
  join: (v, sep = '') => (isNone(v) ? '' : listOf(v).map((x) => s(x)).join(s(sep))),
  reverse: (v) => [...listOf(v)].reverse(),
  sort: (v, reverse = false, caseSensitive = false, attribute = null) => {
    const items = [...listOf(v)];
    const cs = truthy(caseSensitive);
    const attrs = attribute == null ? null : String(attribute).split(',').map((a) => a.trim());
    const key = (x: unknown) => (attrs ? attrs.map((a) => sortKey(attrPath(x, a), cs)) : [sortKey(x, cs)]);
    const keyed = items.map((x) => [key(x), x] as const);
    keyed.sort((a, b) => cmpKeys(a[0], b[0]));
    const out = keyed.map((k) => k[1]);
    return truthy(reverse) ? out.reverse() : out;
  },
  dictsort: (v, caseSensitive = false, by = 'key', reverse = false) => {
    if (!isDict(v)) throw new PyError('TypeError', 'dictsort requires a dict');
    const idx = by === 'value' ? 1 : 0;
    const cs = truthy(caseSensitive);
    const items = dictItems(v);
    const k = (x: unknown) => (isString(x) && !cs ? s(x).toLowerCase() : x);
    items.sort((a, b) => compare(k(a[idx]), k(b[idx])));
    return truthy(reverse) ? items.reverse() : items;
  },
  unique: (v, caseSensitive = false, attribute = null) => {
    const seen: unknown[] = [];
    const out: unknown[] = [];
    for (const x of listOf(v)) {
      let k = attribute == null ? x : attrPath(x, attribute);
      if (isString(k) && !truthy(caseSensitive)) k = s(k).toLowerCase();
      if (Array.isArray(k) || isDict(k)) throw new PyError('TypeError', `unhashable type: '${typeName(k)}'`);
      if (!seen.some((y) => eq(y, k))) {
        seen.push(k);
        out.push(x);
      }
    }
    return out;
  },
  groupby: (v, attribute) => {
    const items = listOf(v);
    const groups: { key: unknown; list: unknown[] }[] = [];
    for (const x of items) {
      const k = attrPath(x, attribute);
      const g = groups.find((gr) => eq(gr.key, k));
      if (g) g.list.push(x);
      else groups.push({ key: k, list: [x] });
    }
    groups.sort((a, b) => cmpKeys([sortKey(a.key, false)], [sortKey(b.key, false)]));
    return groups.map((g) => {
      const o: Record<string, unknown> = {};
      o.grouper = g.key;
      o.list = g.list;
      return o;
    });
  },
  map: function (v, args: unknown[] = [], kwargs: Record<string, unknown> = {}) {
    const items = listOf(v);
    if ('attribute' in kwargs) {
      const dflt = kwargs.default;
      return items.map((x) => {
        const r = attrPath(x, kwargs.attribute);
        return r == null ? (dflt !== undefined ? dflt : '') : r;
      });
    }
    if (!args.length) return [...items];
    const name = String(args[0]);
    const rest = args.slice(1);
    return items.map((x) => callValue(getattr(x, name), rest));
  },
  select: function (v, test = null, args: unknown[] = []) {
    const t = selectTest(this, test, args);
    return listOf(v).filter((x) => t(x));
  },
  reject: function (v, test = null, args: unknown[] = []) {
    const t = selectTest(this, test, args);
    return listOf(v).filter((x) => !t(x));
  },
  selectattr: function (v, attr, test = null, args: unknown[] = []) {
    const t = selectTest(this, test, args);
    return listOf(v).filter((x) => t(attrPath(x, attr)));
  },
  rejectattr: function (v, attr, test = null, args: unknown[] = []) {
    const t = selectTest(this, test, args);
    return listOf(v).filter((x) => !t(attrPath(x, attr)));
  },
  batch: (v, linecount, fillWith = null) => {
    const n = num(linecount);
    if (n <= 0) throw new PyError('ValueError', 'batch size must be positive');
    const items = listOf(v);
    const out: unknown[][] = [];
    for (let i = 0; i < items.length; i += n) out.push(items.slice(i, i + n));
    const last = out[out.length - 1];
    if (fillWith !== null && last && last.length < n) while (last.length < n) last.push(fillWith);
    return out;
  },
  slice: (v, slices) => {
    const n = num(slices);
    const items = listOf(v);
    const out: unknown[][] = Array.from({ length: n }, () => []);
    items.forEach((x, i) => out[i % n]!.push(x));
    return out.filter((x, i) => x.length || i < items.length);
  },
  take: (v, count) => (isNone(v) ? [] : listOf(v).slice(0, Math.max(0, num(count)))),
  skip: (v, count) => (isNone(v) ? [] : listOf(v).slice(Math.max(0, num(count)))),
  compact: (v, kw: Record<string, unknown> = {}) => listOf(v).filter((x) => ('truthy' in kw && !truthy(kw.truthy) ? x != null : truthy(x))),
  sum: (v, attribute = null, start = 0) => {
    let total: unknown = start;
    for (const x of listOf(v)) total = add(total, attribute == null ? x : attrPath(x, attribute) ?? 0);
    return total;
  },
  min: (v, attribute = null) => minMax(v, attribute, -1),
  max: (v, attribute = null) => minMax(v, attribute, 1),
  list: (v) => [...listOf(v)],
  attr: (v, name) => {
    if (isNone(v)) return '';
    const n = s(name);
    assertSafeName(n);
    const r = isDict(v) ? dictGet(v, n) : plainGetattr(v, n, null);
    return r == null ? '' : r;
  },
  get: (v, key, dflt = null) => {
    if (isNone(v)) return dflt;
    if (isDict(v)) return dictHas(v, key) ? dictGet(v, key) : dflt;
    if (typeof key === 'string') assertSafeName(key);
    return plainGetattr(v, s(key), dflt);
  },
  random: (v) => {
    const l = listOf(v);
    return l.length ? l[Math.floor(Math.random() * l.length)] : null;
  },
  shuffle: (v) => {
    const l = [...listOf(v)];
    for (let i = l.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [l[i], l[j]] = [l[j], l[i]];
    }
    return l;
  },
  classes: (v) => {
    if (isNone(v)) return '';
    let items: unknown[];
    try {
      items = toList(v);
    } catch {
      return s(v);
    }
    const out: string[] = [];
    for (const x of items) {
      if (Array.isArray(x)) for (const y of x) truthy(y) && out.push(s(y));
      else if (truthy(x)) out.push(s(x));
    }
    return out.join(' ');
  },

  // numbers and conversion
  abs: (v) => {
    if (typeof v === 'number') return Math.abs(v);
    if (typeof v === 'bigint') return v < 0n ? -v : v;
    if (typeof v === 'boolean') return Number(v);
    if (v instanceof PyFloat) return new PyFloat(Math.abs(v.v));
    throw new PyError('TypeError', `bad operand type for abs(): '${typeName(v)}'`);
  },
  round: (v, precision = 0, method = 'common', kw: Record<string, unknown> = {}) => {
    let n: number;
    try {
      n = num(toFloat(v));
    } catch (e) {
      if (truthy(kw.strict)) throw new TemplateRuntimeError(`round: cannot convert ${pyRepr(v)} to float`, 'K-RUN-007', { cause: e });
      return new PyFloat(0);
    }
    const p = num(precision);
    const m = 10 ** p;
    let r: number;
    if (method === 'ceil') r = Math.ceil(n * m) / m;
    else if (method === 'floor') r = Math.floor(n * m) / m;
    else r = roundHalfEven(n, p);
    return Number.isInteger(r) ? new PyFloat(r) : r;
  },
  int: intFilter,
  float: floatFilter,
  string: (v) => (v instanceof Markup ? v.value : pyStr(v)),
  decimal: (v, places = 2) => {
    try {
      return num(toFloat(v)).toFixed(num(places));
    } catch {
      return s(v);
    }
  },
  format_number: (v, places = 0) => formatNumber(v, places),
  commas: (v) => formatNumber(v, 0),
  filesizeformat: fileSize,
  tojson: (v, indent = null, kw: Record<string, unknown> = {}) => {
    const out = jsonDump(v, indent == null ? null : num(indent), 0);
    if (truthy(kw.attr)) return new Markup(escapeString(out));
    return new Markup(out.replace(/<\//g, '\\u003c/'));
  },
  typeof: (v) => {
    const t = typeName(v);
    return t === 'NoneType' ? 'none' : t === 'Markup' ? 'str' : t === 'tuple' ? 'tuple' : t;
  },
  date: (v, format = '%Y-%m-%d') => {
    let d: Date;
    if (v instanceof Date) d = v;
    else if (typeof v === 'number' || v instanceof PyFloat) d = new Date(num(v) * 1000);
    else return '';
    if (isNaN(d.getTime())) return '';
    return strftime(d, s(format));
  },

  // validation and debugging
  default: (v, dflt = '', boolean = false) => (truthy(boolean) ? (truthy(v) ? v : dflt) : isNone(v) || v === '' ? dflt : v),
  require: (v, message = null, fieldName = null) => {
    if (v === null || v === undefined || v === UNDEF)
      throw new RequiredValueError(message != null ? s(message) : `Required value${fieldName != null ? ` '${s(fieldName)}'` : ''} is None or missing`);
    return v;
  },
  debug: (v) => v,
  pprint: (v) => pyRepr(v),
};

function minMax(v: unknown, attribute: unknown, sign: number): unknown {
  const items = listOf(v);
  if (!items.length) throw new PyError('ValueError', `${sign < 0 ? 'min' : 'max'}() arg is an empty sequence`);
  const key = (x: unknown) => (attribute == null ? x : attrPath(x, attribute) ?? 0);
  let best = items[0];
  for (const x of items.slice(1)) if (compare(key(x), key(best)) * sign > 0) best = x;
  return best;
}

export const filters: Record<string, Filter> = {
  ...filterTable,
  d: filterTable.default!,
  e: filterTable.escape!,
  strip: filterTable.trim!,
  count: filterTable.length!,
};

export const filterNeedsEnv = new Set(['select', 'reject', 'selectattr', 'rejectattr']);

export const filterParams: Record<string, string[]> = {
  upper: [], lower: [], capitalize: [], title: [], trim: ['chars'], strip: ['chars'],
  replace: ['old', 'new', 'count'], truncate: ['length', 'killwords', 'end', 'leeway'], center: ['width'],
  indent: ['width', 'first', 'blank'], wordwrap: ['width', 'break_long_words'], format: ['*args', '**kwargs'],
  wordcount: [], slug: [], pluralize: ['suffix'], striptags: [], urlencode: [], escape: [], e: [], forceescape: [],
  safe: ['reason'], xmlattr: ['autospace'], csp_nonce: ['nonce'],
  length: [], count: [], first: [], last: [], join: ['separator'], reverse: [],
  sort: ['reverse', 'case_sensitive', 'attribute'], dictsort: ['case_sensitive', 'by', 'reverse'],
  unique: ['case_sensitive', 'attribute'], groupby: ['attribute'], map: ['*args', '**kwargs'],
  select: ['test_name', '*args'], reject: ['test_name', '*args'], selectattr: ['attr', 'test_name', '*args'],
  rejectattr: ['attr', 'test_name', '*args'], batch: ['linecount', 'fill_with'], slice: ['slices', 'fill_with'],
  take: ['count'], skip: ['count'], compact: ['**kwargs'], sum: ['attribute', 'start'], min: ['attribute'],
  max: ['attribute'], list: [], attr: ['name'], get: ['key', 'default'], random: [], shuffle: [], classes: [],
  abs: [], round: ['precision', 'method', '**kwargs'], int: ['default', 'strict'], float: ['default', 'strict'],
  string: [], decimal: ['places', '**kwargs'], format_number: ['decimal_places', '**kwargs'], commas: [],
  filesizeformat: ['binary'], tojson: ['indent', '**kwargs'], typeof: [], date: ['format'],
  default: ['default_value', 'boolean'], d: ['default_value', 'boolean'], require: ['message', 'field_name'],
  debug: ['label', 'max_items'], pprint: [],
};

export { Tuple };
