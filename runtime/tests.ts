// Built-in tests (language.md §4.4). `testParams` lists the parameters after the value,
// so the compiler binds keyword arguments to positions.

import { Markup } from './markup.js';
import { PyError } from './errors.js';
import { UNDEF, contains, eq, ge, gt, isDict, isFloat, isInt, iter, le, lt, mod, num, pyStr, truthy } from './values.js';

type Test = (value: unknown, ...args: any[]) => boolean;

const isNum = (v: unknown) => typeof v === 'number' || typeof v === 'bigint' || (typeof v === 'object' && v !== null && v.constructor?.name === 'PyFloat');
function parity(v: unknown, r: number): boolean {
  if (typeof v === 'boolean') return Number(v) % 2 === r;
  if (!isNum(v)) throw new PyError('TypeError', `unsupported operand type(s) for %: '${typeof v === 'string' ? 'str' : 'NoneType'}' and 'int'`);
  return num(mod(v, 2)) === r;
}

export const tests: Record<string, Test> = {
  defined: (v) => v !== undefined && v !== null && v !== UNDEF,
  undefined: (v) => v === undefined || v === null || v === UNDEF,
  none: (v) => v === null || v === undefined,
  true: (v) => v === true,
  false: (v) => v === false,
  boolean: (v) => typeof v === 'boolean',
  string: (v) => typeof v === 'string' || v instanceof Markup,
  number: (v) => isNum(v),
  integer: (v) => isInt(v),
  float: (v) => isFloat(v),
  sequence: (v) => Array.isArray(v) || typeof v === 'string' || v instanceof Markup,
  mapping: (v) => isDict(v),
  iterable: (v) => {
    try {
      iter(v);
      return v !== null && v !== undefined && v !== UNDEF;
    } catch {
      return false;
    }
  },
  callable: (v) => typeof v === 'function',
  odd: (v) => parity(v, 1),
  even: (v) => parity(v, 0),
  divisibleby: (v, n) => num(mod(v, n)) === 0,
  eq: (v, o) => eq(v, o),
  equalto: (v, o) => eq(v, o),
  '==': (v, o) => eq(v, o),
  ne: (v, o) => !eq(v, o),
  '!=': (v, o) => !eq(v, o),
  lt: (v, o) => lt(v, o),
  lessthan: (v, o) => lt(v, o),
  '<': (v, o) => lt(v, o),
  le: (v, o) => le(v, o),
  '<=': (v, o) => le(v, o),
  gt: (v, o) => gt(v, o),
  greaterthan: (v, o) => gt(v, o),
  '>': (v, o) => gt(v, o),
  ge: (v, o) => ge(v, o),
  '>=': (v, o) => ge(v, o),
  sameas: (v, o) => v === o || (v == null && o == null),
  in: (v, seq) => contains(seq, v),
  lower: (v) => {
    const s = pyStr(v);
    return /\p{Ll}/u.test(s) && s === s.toLowerCase();
  },
  upper: (v) => {
    const s = pyStr(v);
    return /\p{Lu}/u.test(s) && s === s.toUpperCase();
  },
  match: (v, pattern) => (v == null ? false : new RegExp('^(?:' + String(pattern) + ')').test(pyStr(v))),
  hx_request: (v) => headerTest(v, 'HX-Request', (h) => truthy(h) && String(h).toLowerCase() === 'true'),
  hx_target: (v, id) => headerTest(v, 'HX-Target', (h) => h === id),
  hx_boosted: (v) => headerTest(v, 'HX-Boosted', (h) => truthy(h) && String(h).toLowerCase() === 'true'),
};

function headerTest(v: unknown, name: string, f: (h: unknown) => boolean): boolean {
  const headers = v && typeof v === 'object' ? (v as { headers?: unknown }).headers : undefined;
  if (headers && typeof headers === 'object') {
    const h = headers instanceof Map ? headers.get(name) : (headers as Record<string, unknown>)[name] ?? (headers as Record<string, unknown>)[name.toLowerCase()];
    return f(h);
  }
  return truthy(v);
}

const ONE = ['other'];
export const testParams: Record<string, string[]> = {
  defined: [], undefined: [], none: [], true: [], false: [], boolean: [], string: [], number: [], integer: [], float: [],
  sequence: [], mapping: [], iterable: [], callable: [], odd: [], even: [], lower: [], upper: [], hx_request: [], hx_boosted: [],
  divisibleby: ['num'], match: ['pattern'], hx_target: ['target_id'], in: ['seq'], sameas: ONE,
  eq: ONE, equalto: ONE, '==': ONE, ne: ONE, '!=': ONE, lt: ONE, lessthan: ONE, '<': ONE, le: ONE, '<=': ONE,
  gt: ONE, greaterthan: ONE, '>': ONE, ge: ONE, '>=': ONE,
};
