// Built-in tests (language.md §4.4): exactly the 31 names of the reference environment.
// `testParams` (signatures.ts) lists the parameter names after the value (the reference's Python parameter
// names), so the compiler can bind keyword arguments to positions; its keys are also the set
// of known test names (unknown names are compile-time errors).
//
// Tests are called as `test(value, ...boundArgs)`. `undefined` arguments behave as `None`
// (data values may be `undefined`), so a left-out argument is compared with None.

import { Markup } from './markup.js';
import { PyError } from './errors.js';
import { PyFloat, UNDEF, contains, dictGet, eq, ge, gt, isDict, isNone, iter, le, lt, mod, pyStr, truthy } from './values.js';

export type Test = (value: unknown, ...args: any[]) => boolean;

/** Python `callable()`. */
export function isCallable(v: unknown): boolean {
  return typeof v === 'function';
}

/** Python `iter(v)` succeeds (None is not iterable; the lenient-undefined sentinel iterates as empty). */
export function isIterable(v: unknown): boolean {
  if (v === null || v === undefined) return false;
  if (v === UNDEF) return true;
  if (typeof v === 'string' || v instanceof Markup) return true;
  if (typeof v !== 'object') return false;
  try {
    iter(v);
    return true;
  } catch {
    return false;
  }
}

/** Python `str.islower()`: at least one cased character and no upper/titlecase ones. */
export function pyIsLower(s: string): boolean {
  return /\p{Lowercase}/u.test(s) && !/[\p{Uppercase}\p{Lt}]/u.test(s);
}
/** Python `str.isupper()`: at least one cased character and no lower/titlecase ones. */
export function pyIsUpper(s: string): boolean {
  return /\p{Uppercase}/u.test(s) && !/[\p{Lowercase}\p{Lt}]/u.test(s);
}

// ------------------------------------------------------------------ regular expressions

const regexCache = new Map<string, RegExp>();

/**
 * Translates a Python `re` pattern to a JavaScript RegExp that matches only at the start
 * (Python `re.match`): named groups `(?P<n>…)`/`(?P=n)`, `\A`, `\Z`, leading inline flags
 * `(?aimsux)`. Invalid patterns raise PyError('re.error').
 */
export function pyRegex(pattern: unknown, anchored = true): RegExp {
  if (pattern instanceof RegExp) {
    const flags = pattern.flags.replace(/[gy]/g, '') + (anchored ? 'y' : '');
    return new RegExp(pattern.source, flags);
  }
  const src = pattern instanceof Markup ? pattern.value : typeof pattern === 'string' ? pattern : null;
  if (src === null) throw new PyError('TypeError', 'first argument must be string or compiled pattern');
  const key = (anchored ? 'y' : '') + src;
  const hit = regexCache.get(key);
  if (hit) {
    hit.lastIndex = 0;
    return hit;
  }
  let body = src;
  let flags = '';
  const inline = /^\(\?([aiLmsux]+)\)/.exec(body);
  if (inline) {
    body = body.slice(inline[0].length);
    for (const f of inline[1]!) if ('ims'.includes(f) && !flags.includes(f)) flags += f;
  }
  body = body
    .replace(/\(\?P<([A-Za-z_]\w*)>/g, '(?<$1>')
    .replace(/\(\?P=([A-Za-z_]\w*)\)/g, '\\k<$1>')
    .replace(/(^|[^\\])((?:\\\\)*)\\A/g, '$1$2^')
    .replace(/(^|[^\\])((?:\\\\)*)\\Z/g, '$1$2(?![\\s\\S])');
  let re: RegExp;
  try {
    re = new RegExp(body, flags + (anchored ? 'y' : ''));
  } catch (e) {
    throw new PyError('re.error', (e as Error).message);
  }
  if (regexCache.size > 500) regexCache.clear();
  regexCache.set(key, re);
  return re;
}

// ------------------------------------------------------------------ HTMX helpers

/** Reads a header the way the reference does: `value.headers` dict `.get(name, "")`, or a `.get()` method. */
function readHeader(value: unknown, name: string): { found: boolean; header: string } {
  // A dict has no attribute `headers` in Python: only objects (request-like class instances) do.
  if (value === null || typeof value !== 'object' || isDict(value) || !('headers' in value)) return { found: false, header: '' };
  const headers = (value as { headers: unknown }).headers;
  let h: unknown;
  const getter = headers !== null && typeof headers === 'object' ? (headers as { get?: unknown }).get : undefined;
  if (isDict(headers) && !(headers instanceof Map) && typeof getter !== 'function') {
    h = dictGet(headers, name);
    // Node/Express-style header objects use lower-case keys.
    if (h === undefined) h = dictGet(headers, name.toLowerCase());
  } else if (typeof getter === 'function') {
    // Map, Fetch `Headers` or any object with a `get(name)` method.
    h = (getter as (k: string, d?: string) => unknown).call(headers, name, '');
  }
  return { found: true, header: h === undefined || h === null ? '' : h instanceof Markup ? h.value : String(h) };
}

// ------------------------------------------------------------------ the tests

/** Python `v % n == r`; `"abc" % 2` is a failed %-format (TypeError), as in the reference. */
function modEquals(v: unknown, n: unknown, r: number): boolean {
  if ((typeof v === 'string' || v instanceof Markup) && !String(v).includes('%')) {
    throw new PyError('TypeError', 'not all arguments converted during string formatting');
  }
  return eq(mod(v, n), r);
}

// One export per test (`t_odd`): compiled modules import the tests they use, so a bundle keeps
// only those; the `tests` table (every name) serves `select`/`reject` and the Environment.
export const t_callable: Test = (v) => isCallable(v);
export const t_defined: Test = (v) => v !== undefined && v !== null && v !== UNDEF;
export const t_divisibleby: Test = (v, num) => modEquals(v, num, 0);
export const t_eq: Test = (v, other) => eq(v, other);
export const t_equalto: Test = t_eq;
export const t_even: Test = (v) => modEquals(v, 2, 0);
export const t_false: Test = (v) => v === false;
export const t_ge: Test = (v, other) => ge(v, other);
export const t_gt: Test = (v, other) => gt(v, other);
export const t_greaterthan: Test = t_gt;
export const t_in: Test = (v, seq) => contains(seq, v);
export const t_iterable: Test = (v) => isIterable(v);
export const t_le: Test = (v, other) => le(v, other);
export const t_lower: Test = (v) => pyIsLower(pyStr(v));
export const t_lt: Test = (v, other) => lt(v, other);
export const t_lessthan: Test = t_lt;
export const t_mapping: Test = (v) => isDict(v);
export const t_ne: Test = (v, other) => !eq(v, other);
export const t_none: Test = (v) => v === null || v === undefined;
export const t_number: Test = (v) => typeof v === 'number' || typeof v === 'bigint' || v instanceof PyFloat;
export const t_odd: Test = (v) => modEquals(v, 2, 1);
export const t_sameas: Test = (v, o) => v === o || Object.is(v, o) || (isNone(v) && isNone(o));
export const t_sequence: Test = (v) => Array.isArray(v) || typeof v === 'string' || v instanceof Markup;
export const t_string: Test = (v) => typeof v === 'string' || v instanceof Markup;
export const t_true: Test = (v) => v === true;
export const t_undefined: Test = (v) => v === undefined || v === null || v === UNDEF;
export const t_upper: Test = (v) => pyIsUpper(pyStr(v));
/**
 * `match` named at run time (`select("match", p)`, the `tests` table): the linear matcher once
 * runtime/match.ts is loaded or its `useMatch()` called (compiled modules that may name it call
 * it), else the RegExp. `is match` itself compiles to match.ts's `t_match`. (So bundles that use
 * select/reject with other tests do not carry the matcher: docs/decisions.md.)
 */
export const MATCH: { f?: Test } = {};
/**
 * Pattern texts written as string literals in templates that only the backtracking RegExp can
 * run: compiled modules register theirs on load; runtime/match.ts refuses others from data.
 */
export const TRUSTED = /* @__PURE__ */ new Set<string>();
export function trustRegex(...patterns: string[]): void {
  for (const p of patterns) TRUSTED.add(p);
}
const reMatch: Test = (v, pattern) => {
  if (v === null || v === undefined) return false;
  const re = pyRegex(pattern);
  re.lastIndex = 0;
  return re.test(pyStr(v));
};
export const t_hx_request: Test = (v) => {
  const { found, header } = readHeader(v, 'HX-Request');
  return found ? header.toLowerCase() === 'true' : truthy(v);
};
export const t_hx_target: Test = (v, target) => {
  const { found, header } = readHeader(v, 'HX-Target');
  return eq(found ? header : pyStr(v), target);
};
export const t_hx_boosted: Test = (v) => {
  const { found, header } = readHeader(v, 'HX-Boosted');
  return found ? header.toLowerCase() === 'true' : truthy(v);
};

export const tests: Record<string, Test> = {
  callable: t_callable,
  defined: t_defined,
  divisibleby: t_divisibleby,
  eq: t_eq,
  equalto: t_equalto,
  even: t_even,
  false: t_false,
  ge: t_ge,
  gt: t_gt,
  greaterthan: t_greaterthan,
  in: t_in,
  iterable: t_iterable,
  le: t_le,
  lower: t_lower,
  lt: t_lt,
  lessthan: t_lessthan,
  mapping: t_mapping,
  ne: t_ne,
  none: t_none,
  number: t_number,
  odd: t_odd,
  sameas: t_sameas,
  sequence: t_sequence,
  string: t_string,
  true: t_true,
  undefined: t_undefined,
  upper: t_upper,
  match: (v, pattern) => (MATCH.f ?? reMatch)(v, pattern),
  hx_request: t_hx_request,
  hx_target: t_hx_target,
  hx_boosted: t_hx_boosted,
};
