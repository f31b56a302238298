// Built-in globals (language.md §4.5): Python builtins with Python call semantics.
// Callables receive a trailing Kwargs when the template passes keyword arguments.

import { Markup } from './markup.js';
import { PyError } from './errors.js';
import {
  Kwargs, PyFloat, Range, Tuple, UNDEF, compare, dictItems, isDict, isString, iter, len, num, pyStr, splitKwargs, toFloat,
  toInt, toList, truthy, tuple, typeName, callValue, add,
} from './values.js';

const kwOf = (args: unknown[]): [unknown[], Record<string, unknown>] => splitKwargs(args);

function pyRange(...args: unknown[]): Range {
  const [a] = kwOf(args);
  const ints = a.map((v) => {
    if (typeof v === 'boolean') return Number(v);
    if (typeof v === 'number' && Number.isInteger(v)) return v;
    if (typeof v === 'bigint') return Number(v);
    throw new PyError('TypeError', `'${typeName(v)}' object cannot be interpreted as an integer`);
  });
  if (ints.length === 0) throw new PyError('TypeError', 'range expected at least 1 argument, got 0');
  if (ints.length === 1) return new Range(0, ints[0]!, 1);
  if (ints[2] === 0) throw new PyError('ValueError', 'range() arg 3 must not be zero');
  return new Range(ints[0]!, ints[1]!, ints[2] ?? 1);
}

/** A lazy Python iterator object (map, filter, zip, …): renders as `<name object>`. */
class PyIterator implements Iterable<unknown> {
  constructor(
    private readonly kind: string,
    private readonly items: () => Iterable<unknown>,
  ) {}
  [Symbol.iterator](): Iterator<unknown> {
    return this.items()[Symbol.iterator]();
  }
  toString(): string {
    return `<${this.kind} object>`;
  }
}

function keyFn(kw: Record<string, unknown>): (x: unknown) => unknown {
  const k = kw.key;
  if (k == null) return (x) => x;
  return (x) => callValue(k, [x]);
}

function minMax(sign: number, args: unknown[]): unknown {
  const [a, kw] = kwOf(args);
  const items = a.length === 1 ? toList(a[0]) : a;
  if (!items.length) {
    if ('default' in kw) return kw.default;
    throw new PyError('ValueError', `${sign < 0 ? 'min' : 'max'}() arg is an empty sequence`);
  }
  const key = keyFn(kw);
  let best = items[0];
  let bk = key(best);
  for (const x of items.slice(1)) {
    const k = key(x);
    if (compare(k, bk) * sign > 0) {
      best = x;
      bk = k;
    }
  }
  return best;
}

export const builtinGlobals: Record<string, unknown> = {
  range: pyRange,
  dict: (...args: unknown[]) => {
    const [a, kw] = kwOf(args);
    const out: Record<string, unknown> = {};
    if (a[0] != null) {
      if (isDict(a[0])) for (const t of dictItems(a[0])) out[String(t[0])] = t[1];
      else for (const pair of toList(a[0])) out[String((pair as unknown[])[0])] = (pair as unknown[])[1];
    }
    return Object.assign(out, kw);
  },
  list: (...args: unknown[]) => (args.length ? [...toList(args[0])] : []),
  set: (...args: unknown[]) => new Set(args.length ? toList(args[0]) : []),
  tuple: (...args: unknown[]) => tuple(args.length ? toList(args[0]) : []),
  len: (v: unknown) => len(v),
  str: (...args: unknown[]) => (args.length ? (args[0] instanceof Markup ? args[0].value : pyStr(args[0])) : ''),
  int: (...args: unknown[]) => {
    const [a, kw] = kwOf(args);
    return a.length ? toInt(a[0], a[1] ?? kw.base) : 0;
  },
  float: (...args: unknown[]) => (args.length ? toFloat(args[0]) : new PyFloat(0)),
  bool: (...args: unknown[]) => (args.length ? truthy(args[0]) : false),
  abs: (v: unknown) => {
    if (typeof v === 'number') return Math.abs(v);
    if (typeof v === 'bigint') return v < 0n ? -v : v;
    if (typeof v === 'boolean') return Number(v);
    if (v instanceof PyFloat) return new PyFloat(Math.abs(v.v));
    throw new PyError('TypeError', `bad operand type for abs(): '${typeName(v)}'`);
  },
  min: (...args: unknown[]) => minMax(-1, args),
  max: (...args: unknown[]) => minMax(1, args),
  sum: (...args: unknown[]) => {
    const [a, kw] = kwOf(args);
    let total: unknown = a[1] ?? kw.start ?? 0;
    for (const x of iter(a[0])) total = add(total, x);
    return total;
  },
  sorted: (...args: unknown[]) => {
    const [a, kw] = kwOf(args);
    const key = keyFn(kw);
    const items = [...toList(a[0])];
    const keyed = items.map((x) => [key(x), x] as const);
    keyed.sort((x, y) => compare(x[0], y[0]));
    const out = keyed.map((x) => x[1]);
    return truthy(kw.reverse) ? out.reverse() : out;
  },
  reversed: (v: unknown) => {
    const items = toList(v);
    return new PyIterator('list_reverseiterator', () => [...items].reverse());
  },
  enumerate: (...args: unknown[]) => {
    const [a, kw] = kwOf(args);
    const start = num(a[1] ?? kw.start ?? 0);
    const items = toList(a[0]);
    return new PyIterator('enumerate', () => items.map((x, i) => tuple([i + start, x])));
  },
  zip: (...args: unknown[]) => {
    const [a] = kwOf(args);
    const lists = a.map((x) => toList(x));
    const n = lists.length ? Math.min(...lists.map((l) => l.length)) : 0;
    return new PyIterator('zip', () => Array.from({ length: n }, (_, i) => tuple(lists.map((l) => l[i]))));
  },
  map: (f: unknown, ...rest: unknown[]) => {
    const lists = rest.map((x) => toList(x));
    const n = lists.length ? Math.min(...lists.map((l) => l.length)) : 0;
    return new PyIterator('map', () => Array.from({ length: n }, (_, i) => callValue(f, lists.map((l) => l[i]))));
  },
  filter: (f: unknown, xs: unknown) => {
    const items = toList(xs);
    return new PyIterator('filter', () => items.filter((x) => truthy(f == null ? x : callValue(f, [x]))));
  },
  _: (msg: unknown) => pyStr(msg),
  _n: (singular: unknown, plural: unknown, n: unknown) => (num(n) === 1 ? pyStr(singular) : pyStr(plural)),
  hx_request: () => false,
  hx_target: () => null,
  hx_trigger: () => null,
  hx_boosted: () => false,
  csrf_token: () => new Markup(''),
  csp_nonce: () => '',
};

export { Kwargs, Tuple, UNDEF, isString };
