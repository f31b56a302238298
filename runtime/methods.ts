// Python-named methods on template values (language.md §3.7): `s.upper()`, `d.items()`,
// `l.append(x)`, ... One export per method name (`m_upper`), each with its implementation for
// every type that has it. A compiled module registers the names it uses (`useMethods({ upper:
// m_upper })`, emitted by the compiler for `x.upper`), so a bundle keeps only those; attribute
// lookup (values.ts `getattr`) finds registered names only. Code that looks names up at run time
// (filters such as `attr`/`map`, `str.format` fields) uses the full table (`pyMethod`,
// `useAllMethods`); so does the Environment.

import { Markup } from './markup.js';
import { LINE_END, expandTabs, lowerSigma, mapChars, pyCapitalize, pyTitle, sliceOf, splitLinesKeep } from './strings.js';
import { pyReplace } from './replace.js';
import { PyError, keyError } from './errors.js';
import { room, splitOf, splitRoom } from './limits.js';
import { Pieces, replaceMatches } from './pieces.js';
import { EqIndex } from './eqindex.js';
import { anySurrogate, centerCp, cpCount, cpOf, fillChar, findUnits, nextMatch, padCp, splitWhole, splitsPair, unitOf } from './codepoints.js';
import {
  PyFloat, Range, Tuple, UNDEF, callNow, callValue, compare, contains, dictGet, dictHas, dictItems, dictKeys, eq, forget, formatSpec, getattr, keyOf, addKey,
  getitem, getslice, isDict, isString, iter, num, pyRepr, pyStr, setKey, setMethodLookup, splitKwargs, toList, truthy, tuple,
  typeName, markupField, type MethodFn,
} from './values.js';

type Dict = Record<string, unknown> | Map<unknown, unknown>;
type Kw = Record<string, unknown>;
/** The implementations of one method name, by receiver type. */
export interface MethodSet {
  /** str (and Markup, with markupsafe escaping of arguments and results) */
  s?: (s: string, a: unknown[], kw: Kw) => unknown;
  /** list (and tuple, for `count`/`index` only) */
  l?: (l: unknown[], a: unknown[], kw: Kw) => unknown;
  /** dict (plain object or Map) */
  d?: (d: Dict, a: unknown[], kw: Kw) => unknown;
  /** set */
  t?: (st: Set<unknown>, a: unknown[], kw: Kw) => unknown;
  /** range: makes the bound method */
  r?: (r: Range) => MethodFn;
  /** the lenient-undefined sentinel: makes the bound method */
  u?: () => MethodFn;
}

/** An own entry of a table, never an Object.prototype member (`toString`, `valueOf`, …). */
function own<T>(table: Record<string, T>, name: string): T | undefined {
  return Object.hasOwn(table, name) ? table[name] : undefined;
}

/** `obj.name` as a bound Python method, given the implementations of `name`. */
function bindMethod(obj: unknown, name: string, m: MethodSet | undefined): MethodFn | undefined {
  if (!m) return undefined;
  if (typeof obj === 'string') {
    const f = m.s;
    if (!f) return undefined;
    return (...args: unknown[]) => {
      const [a, kw] = splitKwargs(args);
      return f(obj, a, kw);
    };
  }
  if (obj instanceof Markup) {
    // markupsafe: arguments that are not safe are escaped for the receiver's kind (HTML Markup,
    // or Marked in Markdown mode) and string results stay of that kind.
    const f = m.s;
    if (!f) return undefined;
    return (...args: unknown[]) => {
      const [a, kw] = splitKwargs(args);
      // format escapes each formatted field (markupsafe's EscapeFormatter): field paths and specs
      // see the data as it is, and what reaches the result is escaped whatever its type.
      if (name === 'format') return obj.withText(strFormat(obj.value, a, kw, (v, out) => markupField(obj, v, out, true)));
      if (!MARKUP_ESCAPES_ARGS.has(name)) return markupResult(f(obj.value, a, kw), obj);
      const escArg = (v: unknown): unknown => markupArg(v, obj);
      const ea = name === 'join' ? [toList(a[0]).map((x) => (typeof x === 'string' ? obj.escapeText(x) : x))] : a.map(escArg);
      const ekw: Kw = {};
      for (const k of Object.keys(kw)) ekw[k] = escArg(kw[k]);
      return markupResult(f(obj.value, ea, ekw), obj);
    };
  }
  if (Array.isArray(obj)) {
    if (obj instanceof Tuple && name !== 'count' && name !== 'index') return undefined;
    const f = m.l;
    return f && ((...args: unknown[]) => f(obj, ...splitKwargs(args)));
  }
  if (isDict(obj)) {
    const f = m.d;
    return f && ((...args: unknown[]) => f(obj, ...splitKwargs(args)));
  }
  if (obj === UNDEF) {
    if (m.u) return m.u();
  }
  if (obj instanceof Set) {
    const f = m.t;
    return f && ((...args: unknown[]) => f(obj, ...splitKwargs(args)));
  }
  if (obj instanceof Range && m.r) return m.r(obj);
  return undefined;
}

/** Python-named methods on JS values, every name (language.md §3.7). */
export function pyMethod(obj: unknown, name: string): MethodFn | undefined {
  return bindMethod(obj, name, own(ALL, name));
}

/** The method names compiled modules registered (see useMethods). */
const used: Record<string, MethodSet> = Object.create(null);
const lookupUsed = (obj: unknown, name: string): MethodFn | undefined => bindMethod(obj, name, own(used, name));

/** Makes `getattr` find these method names (compiled modules call it at load). */
export function useMethods(sets: Record<string, MethodSet>): void {
  Object.assign(used, sets);
  setMethodLookup(lookupUsed);
}
/** Makes `getattr` find every method name (the Environment; `str.format` fields). */
export function useAllMethods(): void {
  useMethods(ALL);
}

const MARKUP_ESCAPES_ARGS = new Set([
  'join', 'replace', 'format', 'split', 'rsplit', 'partition', 'rpartition', 'strip', 'lstrip', 'rstrip',
  'center', 'ljust', 'rjust', 'removeprefix', 'removesuffix',
]);
/**
 * An argument of a Markup method, escaped for `m`'s kind: strings, and any other value that is not
 * a number, None or safe (list, dict, object) by its str(), so no shim's String() of it puts data
 * text into the result.
 */
function markupArg(v: unknown, m: Markup): unknown {
  if (typeof v === 'string') return m.escapeText(v);
  if (v == null || v instanceof Markup || (typeof v !== 'object' && typeof v !== 'function') || v === UNDEF || v instanceof PyFloat) return v;
  return m.escapeText(pyStr(v));
}
function markupResult(r: unknown, m: Markup): unknown {
  if (typeof r === 'string') return m.withText(r);
  if (r instanceof Tuple) return tuple(r.map((x) => markupResult(x, m)));
  if (Array.isArray(r)) return r.map((x) => markupResult(x, m));
  return r;
}

/**
 * A string argument's text: an object's by pyStr, which calls its toString itself (an async one's
 * promise observed, s8), not String(), inside which V8 drops that promise before it throws.
 */
const arg = (x: unknown): string => (x !== null && typeof x === 'object' ? pyStr(x) : String(x));

const PY_WS = /[\s\x1c-\x1f\x85]/;
const strip = (s: string, chars: unknown, side: 'both' | 'l' | 'r'): string => {
  // (chars: a set of code points: stripping "😀" must not take half of another astral character;
  // with no surrogate among them (or whitespace), units can be walked: a surrogate of `s` is never in the set)
  const c = chars == null ? null : arg(chars);
  const set = c === null ? null : new Set(c);
  const strips = set ? (x: string) => set.has(x) : (x: string) => PY_WS.test(x);
  const cs: string | string[] = c !== null && anySurrogate([c]) ? Array.from(s) : s;
  let a = 0;
  let b = cs.length;
  if (side !== 'r') while (a < b && strips(cs[a]!)) a++;
  if (side !== 'l') while (b > a && strips(cs[b - 1]!)) b--;
  return a === 0 && b === cs.length ? s : typeof cs === 'string' ? s.slice(a, b) : cs.slice(a, b).join('');
};
function pySplit(s: string, sep: unknown, maxsplit: unknown): string[] {
  const max = maxsplit == null ? -1 : num(maxsplit);
  if (sep == null) {
    const parts = splitOf(s.trim(), /\s+/).filter(Boolean);
    if (max < 0 || parts.length <= max + 1) return parts;
    const out: string[] = [];
    let rest = s.trimStart();
    for (let i = 0; i < max; i++) {
      const m = /\s+/.exec(rest);
      if (!m) break;
      out.push(rest.slice(0, m.index));
      rest = rest.slice(m.index + m[0].length);
    }
    out.push(rest);
    return out;
  }
  const sp = arg(sep);
  if (!sp) throw new PyError('ValueError', 'empty separator');
  const parts = splitWhole(s, sp) ?? splitOf(s, sp);
  if (max < 0 || parts.length <= max + 1) return parts;
  return [...parts.slice(0, max), parts.slice(max).join(sp)];
}

function strArg(v: unknown, method: string): string {
  if (!isString(v)) throw new PyError('TypeError', `${method} arg must be str, not ${typeName(v)}`);
  return String(v);
}
/**
 * The unit offsets of the s[start:end] window of find/count/startswith/endswith, clamped by code
 * point as Python's, or null when start is past end (Python then answers -1, 0 or False, even for
 * an empty needle).
 */
function windowUnits(s: string, start: unknown, end: unknown): [number, number] | null {
  const n = cpCount(s);
  let a = start == null ? 0 : num(start);
  let b = end == null ? n : num(end);
  if (a < 0) a = Math.max(0, a + n);
  if (b < 0) b = Math.max(0, b + n);
  b = Math.min(b, n);
  return a > b ? null : [unitOf(s, a), unitOf(s, b)];
}
/** The s[start:end] window of count/startswith/endswith (see windowUnits). */
function windowOf(s: string, start: unknown, end: unknown): string | null {
  if (start == null && end == null) return s;
  const w = windowUnits(s, start, end);
  return w && sliceOf(s, w[0], w[1]);
}
/** find/rfind: start, end and the result are code point indexes, as Python's. */
function pyFind(s: string, a: unknown[], right: boolean): number {
  const x = strArg(a[0], right ? 'rfind' : 'find');
  const w = windowUnits(s, a[1], a[2]);
  const i = w ? findUnits(s, x, w[0], w[1], right) : -1;
  return i < 0 ? -1 : cpOf(s, i);
}


export const m_upper: MethodSet = { s: (s) => s.toUpperCase() };
export const m_lower: MethodSet = { s: (s) => s.toLowerCase() };
export const m_title: MethodSet = { s: (s) => pyTitle(s) };
export const m_capitalize: MethodSet = { s: (s) => pyCapitalize(s) };
export const m_swapcase: MethodSet = {
  s: (s) => {
    let at = 0; // (the unit offset of each character, for a capital sigma's context)
    return mapChars(s, (c) => {
      at += c.length;
      if (c === 'Σ') return lowerSigma(s, at - 1);
      return c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase();
    });
  },
};
export const m_strip: MethodSet = { s: (s, a) => strip(s, a[0], 'both') };
export const m_lstrip: MethodSet = { s: (s, a) => strip(s, a[0], 'l') };
export const m_rstrip: MethodSet = { s: (s, a) => strip(s, a[0], 'r') };
export const m_split: MethodSet = { s: (s, a, kw) => pySplit(s, a[0] ?? kw.sep, a[1] ?? kw.maxsplit) };
export const m_rsplit: MethodSet = {
  s: (s, a, kw) => {
    const max = a[1] ?? kw.maxsplit;
    const sep = a[0] ?? kw.sep;
    if (max == null || num(max) < 0) return pySplit(s, sep, null);
    const n = num(max);
    if (sep == null) {
      // Words from the right by index (a `/\s+(\S*)$/` per word rescans the text each time).
      const ws = (i: number) => /\s/.test(s[i]!);
      const out: string[] = [];
      let end = s.length;
      while (end > 0 && ws(end - 1)) end--;
      for (let i = 0; i < n && end > 0; i++) {
        let k = end;
        while (k > 0 && !ws(k - 1)) k--;
        if (k === 0) break;
        out.push(s.slice(k, end));
        while (k > 0 && ws(k - 1)) k--;
        end = k;
      }
      const rest = s.slice(0, end).trimStart();
      if (rest) out.push(rest);
      return out.reverse();
    }
    const sp = arg(sep);
    if (!sp) throw new PyError('ValueError', 'empty separator');
    const parts = splitWhole(s, sp) ?? splitOf(s, sp);
    if (parts.length <= n + 1) return parts;
    return [parts.slice(0, parts.length - n).join(sp), ...parts.slice(parts.length - n)];
  },
};
export const m_splitlines: MethodSet = {
  s: (s, a, kw) => {
    if (truthy(a.length ? a[0] : kw.keepends)) return splitRoom(s, LINE_END), splitLinesKeep(s);
    const lines = splitOf(s, LINE_END);
    if (lines[lines.length - 1] === '') lines.pop(); // (a last line end starts no line)
    return lines;
  },
};
export const m_join: MethodSet = {
  s: (s, a) => toList(a[0]).map((x, i) => {
    if (!isString(x)) throw new PyError('TypeError', `sequence item ${i}: expected str instance, ${typeName(x)} found`);
    return String(x);
  }).join(s),
};
export const m_replace: MethodSet = {
  s: (s, a) => {
    const [old, nw, count] = a.map((x, i) => (i < 2 ? arg(x) : x));
    return pyReplace(s, old as string, nw as string, count == null ? -1 : num(count));
  },
};
export const m_startswith: MethodSet = {
  s: (s, a) => {
    const sub = windowOf(s, a[1], a[2]);
    // (whole code points: "😀".startswith("\ud83d") is False, as in Python)
    return sub !== null && (Array.isArray(a[0]) ? a[0] : [a[0]]).some((p) => {
      const x = strArg(p, 'startswith');
      return sub.startsWith(x) && !splitsPair(sub, x.length);
    });
  },
};
export const m_endswith: MethodSet = {
  s: (s, a) => {
    const sub = windowOf(s, a[1], a[2]);
    return sub !== null && (Array.isArray(a[0]) ? a[0] : [a[0]]).some((p) => {
      const x = strArg(p, 'endswith');
      return sub.endsWith(x) && !splitsPair(sub, sub.length - x.length);
    });
  },
};
export const m_find: MethodSet = { s: (s, a) => pyFind(s, a, false) };
export const m_rfind: MethodSet = { s: (s, a) => pyFind(s, a, true) };
export const m_index: MethodSet = {
  s: (s, a) => {
    const i = pyFind(s, a, false);
    if (i < 0) throw new PyError('ValueError', 'substring not found');
    return i;
  },
  l: (l, a) => {
    const i = l.findIndex((x) => eq(x, a[0]));
    if (i < 0) throw new PyError('ValueError', `${pyRepr(a[0])} is not in list`);
    return i;
  },
  r: (r) => (x: unknown) => {
    if (!contains(r, x)) throw new PyError('ValueError', `${pyRepr(x)} is not in range`);
    return (num(x) - r.start) / r.step;
  },
};
export const m_rindex: MethodSet = {
  s: (s, a) => {
    const i = pyFind(s, a, true);
    if (i < 0) throw new PyError('ValueError', 'substring not found');
    return i;
  },
};
export const m_count: MethodSet = {
  s: (s, a) => {
    const sub = windowOf(s, a[1], a[2]);
    const x = strArg(a[0], 'count');
    if (sub === null) return 0;
    // (by indexOf: an array of the pieces of a long string can end the process, see splitOf)
    let n = 0;
    if (x === '') return cpCount(sub) + 1;
    for (let i = nextMatch(sub, x, 0); i >= 0; i = nextMatch(sub, x, i + x.length)) n++;
    return n;
  },
  l: (l, a) => l.filter((x) => eq(x, a[0])).length,
  r: (r) => (x: unknown) => (contains(r, x) ? 1 : 0),
};
export const m_format: MethodSet = { s: (s, a, kw) => strFormat(s, a, kw) };
export const m_isdigit: MethodSet = { s: (s) => /^\d+$/.test(s) };
export const m_isnumeric: MethodSet = { s: (s) => /^\d+$/.test(s) };
export const m_isdecimal: MethodSet = { s: (s) => /^\d+$/.test(s) };
export const m_isalpha: MethodSet = { s: (s) => /^\p{L}+$/u.test(s) };
export const m_isalnum: MethodSet = { s: (s) => /^[\p{L}\d]+$/u.test(s) };
export const m_isspace: MethodSet = { s: (s) => /^\s+$/.test(s) };
export const m_isupper: MethodSet = { s: (s) => /\p{Lu}/u.test(s) && s === s.toUpperCase() };
export const m_islower: MethodSet = { s: (s) => /\p{Ll}/u.test(s) && s === s.toLowerCase() };
// Python's istitle: a cased character, upper/titlecase ones only after uncased, lowercase only after cased
const UPPER_OR_TITLE = /[\p{Uppercase}\p{Lt}]/u;
const LOWER = /\p{Lowercase}/u;
export const m_istitle: MethodSet = {
  s: (s) => {
    let cased = false, prev = false;
    for (const ch of s) {
      if (UPPER_OR_TITLE.test(ch)) {
        if (prev) return false;
        prev = cased = true;
      } else if (LOWER.test(ch)) {
        if (!prev) return false;
        prev = cased = true;
      } else prev = false;
    }
    return cased;
  },
};
// Widths count code points and a fill is one code point, as Python's (an astral fill is two units).
const fillOf = (f: unknown): string => (f == null ? ' ' : fillChar(arg(f)));
export const m_center: MethodSet = {
  s: (s, a) => {
    const w = num(a[0]);
    const f = fillOf(a[1]);
    room(w * f.length);
    return centerCp(s, w, f);
  },
};
export const m_ljust: MethodSet = { s: (s, a) => padCp(s, room(num(a[0])), fillOf(a[1]), '<') };
export const m_rjust: MethodSet = { s: (s, a) => padCp(s, room(num(a[0])), fillOf(a[1]), '>') };
export const m_zfill: MethodSet = {
  s: (s, a) => {
    const w = room(num(a[0]));
    const sign = s[0] === '-' || s[0] === '+' ? s[0] : '';
    return sign + padCp(s.slice(sign.length), w - sign.length, '0', '>');
  },
};
export const m_partition: MethodSet = {
  s: (s, a) => {
    const sep = arg(a[0]);
    if (!sep) throw new PyError('ValueError', 'empty separator');
    const i = nextMatch(s, sep, 0);
    return i < 0 ? tuple([s, '', '']) : tuple([s.slice(0, i), sep, s.slice(i + sep.length)]);
  },
};
export const m_rpartition: MethodSet = {
  s: (s, a) => {
    const sep = arg(a[0]);
    if (!sep) throw new PyError('ValueError', 'empty separator');
    const i = findUnits(s, sep, 0, s.length, true);
    return i < 0 ? tuple(['', '', s]) : tuple([s.slice(0, i), sep, s.slice(i + sep.length)]);
  },
};
export const m_removeprefix: MethodSet = { s: (s, a) => (s.startsWith(arg(a[0])) ? s.slice(arg(a[0]).length) : s) };
export const m_removesuffix: MethodSet = { s: (s, a) => (arg(a[0]) && s.endsWith(arg(a[0])) ? s.slice(0, -arg(a[0]).length) : s) };
export const m_encode: MethodSet = { s: (s) => s };
export const m_casefold: MethodSet = { s: (s) => s.toLowerCase() };
// (refused before building past the size limit)
export const m_expandtabs: MethodSet = { s: (s, a, kw) => expandTabs(s, num(a[0] ?? kw.tabsize ?? 8), room) };
export const m_append: MethodSet = { l: (l, a) => (l.push(a[0]), null) };
// (a loop: spreading a long list into push's arguments overflows the stack)
export const m_extend: MethodSet = {
  l: (l, a) => {
    for (const x of toList(a[0])) l.push(x);
    return null;
  },
};
export const m_insert: MethodSet = {
  l: (l, a) => {
    let i = num(a[0]);
    if (i < 0) i = Math.max(0, l.length + i);
    l.splice(i, 0, a[1]);
    return null;
  },
};
export const m_pop: MethodSet = {
  l: (l, a) => {
    if (!l.length) throw new PyError('IndexError', 'pop from empty list');
    let i = a.length ? num(a[0]) : l.length - 1;
    if (i < 0) i += l.length;
    if (i < 0 || i >= l.length) throw new PyError('IndexError', 'pop index out of range');
    return l.splice(i, 1)[0];
  },
  d: (d, a) => {
    if (dictHas(d, a[0])) {
      const v = dictGet(d, a[0]);
      if (d instanceof Map) d.delete(keyOf(d, a[0])[0]), forget(d); // (the equal key, `(1, 2)` for a tuple (1, 2))
      else delete (d as Record<string, unknown>)[arg(a[0])];
      return v;
    }
    if (a.length > 1) return a[1];
    throw keyError(pyRepr(a[0]));
  },
};
export const m_remove: MethodSet = {
  l: (l, a) => {
    const i = l.findIndex((x) => eq(x, a[0]));
    if (i < 0) throw new PyError('ValueError', 'list.remove(x): x not in list');
    l.splice(i, 1);
    return null;
  },
  t: (st, a) => {
    if (!st.delete(keyOf(st, a[0])[0])) throw keyError(pyRepr(a[0]));
    forget(st);
    return null;
  },
};
export const m_sort: MethodSet = {
  l: (l, _a, kw) => {
    const key = kw.key == null ? null : kw.key;
    const rev = truthy(kw.reverse) ? -1 : 1;
    const keyed = l.map((x) => [key ? callNow(key, [x], 'sort() key') : x, x] as const);
    keyed.sort((x, y) => rev * compare(x[0], y[0]));
    for (let i = 0; i < l.length; i++) l[i] = keyed[i]![1];
    return null;
  },
};
export const m_reverse: MethodSet = { l: (l) => (l.reverse(), null) };
export const m_copy: MethodSet = {
  l: (l) => [...l],
  // (spread and assignment to a null-prototype object create own keys: a `__proto__` key stays a key)
  d: (d) => (d instanceof Map ? new Map(d) : Object.getPrototypeOf(d) ? { ...d } : Object.assign(Object.create(null), d)),
  t: (st) => new Set(st),
};
export const m_clear: MethodSet = {
  l: (l) => ((l.length = 0), null),
  d: (d) => {
    if (d instanceof Map) d.clear(), forget(d);
    else for (const k of Object.keys(d)) delete (d as Record<string, unknown>)[k];
    return null;
  },
  t: (st) => (st.clear(), forget(st), null),
};
export const m_items: MethodSet = {
  d: (d) => dictItems(d),
  u: () => () => [],
};
export const m_keys: MethodSet = {
  d: (d) => dictKeys(d),
  u: () => () => [],
};
export const m_values: MethodSet = {
  d: (d) => dictKeys(d).map((k) => dictGet(d, k)),
  u: () => () => [],
};
export const m_get: MethodSet = {
  d: (d, a) => {
    const v = dictGet(d, a[0]);
    return v === undefined && !dictHas(d, a[0]) ? (a.length > 1 ? a[1] : null) : v;
  },
  u: () => (...args: unknown[]) => (args.length > 1 ? args[1] : UNDEF),
};
export const m_update: MethodSet = {
  d: (d, a, kw) => {
    // (a Map keeps the key equal to k that it has: Python replaces the value of an equal key)
    const set = (k: unknown, v: unknown) => {
      if (!(d instanceof Map)) return setKey(d as Record<string, unknown>, arg(k), v);
      const f = keyOf(d, k);
      f.length ? d.set(f[0], v) : addKey(d, k, v);
    };
    if (a[0] != null) {
      if (isDict(a[0])) for (const k of dictKeys(a[0])) set(k, dictGet(a[0], k));
      else for (const pair of toList(a[0])) set((pair as unknown[])[0], (pair as unknown[])[1]);
    }
    for (const k of Object.keys(kw)) set(k, kw[k]);
    return null;
  },
  t: (st, a) => {
    addAll(st, a);
    return null;
  },
};
export const m_setdefault: MethodSet = {
  d: (d, a) => {
    if (!dictHas(d, a[0])) {
      if (d instanceof Map) d.set(a[0], a[1] ?? null);
      else setKey(d as Record<string, unknown>, arg(a[0]), a[1] ?? null);
    }
    return dictGet(d, a[0]);
  },
};
export const m_popitem: MethodSet = {
  d: (d) => {
    const keys = dictKeys(d);
    if (!keys.length) throw keyError('popitem(): dictionary is empty');
    const k = keys[keys.length - 1];
    const v = dictGet(d, k);
    if (d instanceof Map) d.delete(k), forget(d);
    else delete (d as Record<string, unknown>)[String(k)];
    return tuple([k, v]);
  },
};
export const m_add: MethodSet = { t: (st, a) => (keyOf(st, a[0]).length || addKey(st, a[0]), null) };
export const m_discard: MethodSet = { t: (st, a) => (st.delete(keyOf(st, a[0])[0]), forget(st), null) };
export const m_union: MethodSet = { t: (st, a) => addAll(new Set(st), a) };
export const m_intersection: MethodSet = {
  t: (st, a) => {
    const others = a.map((o) => inOf(o));
    return new Set([...st].filter((x) => others.every((has) => has(x))));
  },
};
export const m_difference: MethodSet = {
  t: (st, a) => {
    const others = a.map((o) => inOf(o));
    return new Set([...st].filter((x) => !others.some((has) => has(x))));
  },
};
export const m_issubset: MethodSet = {
  t: (st, a) => {
    const has = inOf(a[0]);
    return [...st].every(has);
  },
};
export const m_issuperset: MethodSet = {
  t: (st, a) => {
    const has = inOf(st, true);
    return toList(a[0]).every(has);
  },
};
// The set methods look elements up in an EqIndex built once (`contains` compares an element with
// every element of a set that does not hold it as is: quadratic over two sets of numbers).
/** `x in list(o)` (`viaSet`: `x in o` for a set o, which finds NaN by identity) for many x. */
function inOf(o: unknown, viaSet = false): (x: unknown) => boolean {
  const index = new EqIndex(toList(o));
  return (x) => (viaSet && (o as Set<unknown>).has(x)) || index.has(x);
}
/** Adds the elements of the iterables `a` to `st` that it does not hold (Python ==). */
function addAll(st: Set<unknown>, a: unknown[]): Set<unknown> {
  const index = new EqIndex(st);
  for (const o of a) {
    for (const x of iter(o)) {
      if (st.has(x) || index.has(x)) continue;
      st.add(x);
      index.add(x);
    }
  }
  return st;
}

// ------------------------------------------------------------------ str.format

/**
 * Python `str.format`, read as CPython's MarkupIterator reads it: `{{`/`}}` are braces, a lone
 * `}` or an unclosed `{` is a ValueError, a field runs to its matching `}` (a format spec may hold
 * fields of its own, `{0:{1}}`, expanded first, one level deep), a field name's `[key]` may hold
 * `:` or `!`, and automatic and manual numbering do not mix.
 */
export function strFormat(fmt: string, args: unknown[], kwargs: Record<string, unknown> = {}, escField?: (v: unknown, out: string) => string): string {
  return formatString(fmt, args, kwargs, escField, { auto: 0, manual: false }, 2);
}

type Numbering = { auto: number; manual: boolean };
function formatString(fmt: string, args: unknown[], kwargs: Record<string, unknown>, escField: ((v: unknown, out: string) => string) | undefined, n: Numbering, depth: number): string {
  if (depth <= 0) throw fieldError('Max string recursion exceeded');
  const out = new Pieces();
  const len = fmt.length;
  for (let i = 0; i < len; ) {
    // (the literal text up to the next brace, in one slice)
    let j = i;
    while (j < len && fmt[j] !== '{' && fmt[j] !== '}') j++;
    if (j > i) out.add(sliceOf(fmt, i, j));
    if (j >= len) break;
    const c = fmt[j]!;
    if (fmt[j + 1] === c) {
      out.add(c);
      i = j + 2;
      continue;
    }
    if (c === '}') throw fieldError("Single '}' encountered in format string");
    if (j + 1 >= len) throw fieldError("Single '{' encountered in format string");
    // the field: to the `}` that closes it, braces of a nested spec counted
    let k = j + 1;
    let nested = false;
    for (let count = 1; ; k++) {
      if (k >= len) throw fieldError("expected '}' before end of string");
      const d = fmt[k];
      if (d === '{') (count++, (nested = true));
      else if (d === '}' && !--count) break;
    }
    out.add(formatField(sliceOf(fmt, j + 1, k), nested, args, kwargs, escField, n, depth));
    i = k + 1;
  }
  return out.text();
}

function formatField(field: string, nested: boolean, args: unknown[], kwargs: Record<string, unknown>, escField: ((v: unknown, out: string) => string) | undefined, n: Numbering, depth: number): string {
  // the name runs to `:` or `!` outside a `[key]`
  let e = 0;
  for (; e < field.length; e++) {
    const d = field[e];
    if (d === '{') throw fieldError("unexpected '{' in field name");
    if (d === '[') {
      const close = field.indexOf(']', e + 1);
      e = close < 0 ? field.length - 1 : close;
    } else if (d === ':' || d === '!') break;
  }
  const f = sliceOf(field, 0, e);
  let conv = '';
  let spec = '';
  if (field[e] === '!') {
    if (e + 1 >= field.length) throw fieldError('end of string while looking for conversion specifier');
    conv = field[e + 1]!;
    if (e + 2 < field.length && field[e + 2] !== ':') throw fieldError("expected ':' after conversion specifier");
    spec = sliceOf(field, e + 3);
  } else if (field[e] === ':') spec = sliceOf(field, e + 1);
  // The head runs to the first `.` or `[` (a split: `/^([^.[]*)(.*)$/` backtracked through the
  // head when the rest held a newline, and then found nothing)
  const cut = f.search(/[.[]/);
  const head = cut < 0 ? f : f.slice(0, cut);
  const rest = cut < 0 ? '' : f.slice(cut);
  let v: unknown;
  if (head === '') {
    if (n.manual) throw fieldError('cannot switch from manual field specification to automatic field numbering');
    const i = n.auto++;
    if (i >= args.length) throw new PyError('IndexError', `Replacement index ${i} out of range for positional args tuple`);
    v = args[i];
  } else if (/^\d+$/.test(head)) {
    if (n.auto) throw fieldError('cannot switch from automatic field numbering to manual field specification');
    n.manual = true;
    const i = Number(head);
    if (i >= args.length) throw new PyError('IndexError', `Replacement index ${i} out of range for positional args tuple`);
    v = args[i];
  } else {
    // keyword names are own keys only: `{constructor}` is a missing keyword, not Object
    if (!Object.hasOwn(kwargs, head)) throw keyError(pyRepr(head));
    v = kwargs[head];
  }
  v = convert(fieldPath(v, rest), conv);
  if (nested) spec = formatString(spec, args, kwargs, escField, n, depth - 1);
  // (Markup.format: `escField` escapes what this field puts into the result)
  return escField ? escField(v, formatSpec(v, spec)) : formatSpec(v, spec);
}

const fieldError = (msg: string) => new PyError('ValueError', msg);
/**
 * Follows a replacement field's `.name` / `[key]` parts (Python's grammar) with the lookups
 * `a.b` and `a[k]` use, so a field reads only what the template itself may read (no
 * prototypes, the sandbox's policy); a missing attribute is Python's AttributeError.
 */
function fieldPath(v: unknown, rest: string): unknown {
  while (rest) {
    if (rest[0] === '.') {
      const name = /^\.([^.[]*)/.exec(rest)![1]!;
      if (!name) throw fieldError('Empty attribute in format string');
      useAllMethods(); // a field name reaches any attribute, methods included
      const a = getattr(v, name, false);
      if (a === UNDEF && v !== UNDEF) throw new PyError('AttributeError', `'${typeName(v)}' object has no attribute ${pyRepr(name)}`);
      v = a;
      rest = rest.slice(name.length + 1);
    } else if (rest[0] === '[') {
      const end = rest.indexOf(']');
      if (end < 0) throw fieldError("Missing ']' in format string");
      const key = rest.slice(1, end);
      if (!key) throw fieldError('Empty attribute in format string');
      v = getitem(v, /^\d+$/.test(key) ? Number(key) : key);
      rest = rest.slice(end + 1);
    } else throw fieldError("Only '.' or '[' may follow ']' in format field specifier");
  }
  return v;
}
function convert(v: unknown, conv: string): unknown {
  if (conv === 'r') return pyRepr(v);
  // (ascii(): repr with every non-ASCII character escaped, as Python writes it)
  if (conv === 'a')
    return replaceMatches(pyRepr(v), /[^\x00-\x7f]/gu, (ch) => {
      const c = ch.codePointAt(0)!;
      return c < 0x100 ? `\\x${c.toString(16).padStart(2, '0')}` : c < 0x10000 ? `\\u${c.toString(16).padStart(4, '0')}` : `\\U${c.toString(16).padStart(8, '0')}`;
    });
  if (conv === 's') return pyStr(v);
  if (conv) throw fieldError(`Unknown conversion specifier ${conv}`);
  return v;
}

/** Every method name (`pyMethod`, `useAllMethods`). */
const ALL: Record<string, MethodSet> = {
  upper: m_upper,
  lower: m_lower,
  title: m_title,
  capitalize: m_capitalize,
  swapcase: m_swapcase,
  strip: m_strip,
  lstrip: m_lstrip,
  rstrip: m_rstrip,
  split: m_split,
  rsplit: m_rsplit,
  splitlines: m_splitlines,
  join: m_join,
  replace: m_replace,
  startswith: m_startswith,
  endswith: m_endswith,
  find: m_find,
  rfind: m_rfind,
  index: m_index,
  rindex: m_rindex,
  count: m_count,
  format: m_format,
  isdigit: m_isdigit,
  isnumeric: m_isnumeric,
  isdecimal: m_isdecimal,
  isalpha: m_isalpha,
  isalnum: m_isalnum,
  isspace: m_isspace,
  isupper: m_isupper,
  islower: m_islower,
  istitle: m_istitle,
  center: m_center,
  ljust: m_ljust,
  rjust: m_rjust,
  zfill: m_zfill,
  partition: m_partition,
  rpartition: m_rpartition,
  removeprefix: m_removeprefix,
  removesuffix: m_removesuffix,
  encode: m_encode,
  casefold: m_casefold,
  expandtabs: m_expandtabs,
  append: m_append,
  extend: m_extend,
  insert: m_insert,
  pop: m_pop,
  remove: m_remove,
  sort: m_sort,
  reverse: m_reverse,
  copy: m_copy,
  clear: m_clear,
  items: m_items,
  keys: m_keys,
  values: m_values,
  get: m_get,
  update: m_update,
  setdefault: m_setdefault,
  popitem: m_popitem,
  add: m_add,
  discard: m_discard,
  union: m_union,
  intersection: m_intersection,
  difference: m_difference,
  issubset: m_issubset,
  issuperset: m_issuperset,
};

/** The method names attribute lookup can resolve (the compiler registers those a template names). */
export const methodNames = (): string[] => Object.keys(ALL);
