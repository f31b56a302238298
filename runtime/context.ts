// The render context: the caller's data is read through, never copied (issue #22: a copy made
// every render cost O(context keys), used or not). A context is a null-prototype object holding
// the template's own bindings (`set`, defs, imports); underneath it, in this order, the caller's
// data (its own keys only: never its prototype's, so neither Object.prototype pollution nor a
// class's getters; non-enumerable own keys count too, docs/decisions.md "Per-render cost, fifth
// pass") and the globals. Block scopes are objects created over it, so the two references below
// are inherited.

import { ACTIVE } from './limits.js';
import { observe } from './values.js';
import { UndefinedError, didYouMean } from './errors.js';

export type Ctx = Record<string, unknown>;
/** The caller's data as an object (a Map is converted once; none is an empty object). */
export const DATA: unique symbol = Symbol();
/** The globals (null prototype or ending in Object.prototype; see lkOwn). */
export const GLOBALS: unique symbol = Symbol();

// (hasOwnProperty: ~4 ns a read, where propertyIsEnumerable, a C++ builtin, costs ~17; but
// ~8-10 ns in a process where the one shared `ld` sees many names and data shapes: see PLAIN)
const isData = Object.prototype.hasOwnProperty;
/**
 * Whether the data is a plain object whose inherited names are only Object.prototype's own, and
 * Object.prototype has no enumerable key (nothing polluted it by assignment): then a value read
 * from the data is its own key unless it is a function (every Object.prototype member is one) or
 * Object.prototype itself (`__proto__`), and `ld` skips the own-key lookup (issue #22: in a process
 * rendering many templates that lookup was a fifth of a small page's render). Set per render.
 */
export const PLAIN: unique symbol = Symbol();
const OP = Object.prototype;

/**
 * `new Context(data, globals)`: a fresh context over the caller's data and the globals; the data
 * object is never mutated. A constructor with a shared empty null-prototype object as prototype
 * allocates with a fixed shape (a `{ __proto__: null, [DATA]: … }` literal took a fifth of a
 * small page's render).
 */
export const Context = function (this: Record<symbol, unknown>, data: unknown, globals: Ctx) {
  const p = Object.getPrototypeOf((this[DATA] = data instanceof Map ? Object.fromEntries(data) : Object(data)));
  this[GLOBALS] = globals;
  this[PLAIN] = !p;
  if (p === OP) {
    for (const _ in OP) return;
    this[PLAIN] = true;
  }
} as unknown as new (data: unknown, globals: Ctx) => Ctx;
Context.prototype = Object.create(null);

/** A name below the scope chain: the data's own key, else a global, else `orElse(name, c)`. */
export function find(c: Ctx, name: string, orElse: (name: string, c: Ctx) => unknown): unknown {
  return ld(c, name, (c as { [DATA]: Ctx })[DATA][name], orElse);
}

/**
 * `find` given `v`, the data's value for `name`, read by compiled code at the call site where
 * the load has one shape to learn, not every name's (issue #22): `c.x ?? ld(c, "x", "x" in c ||
 * c[DATA].x)`; so `v` is `true` also when the scope chain has the name (bound to None there).
 * (`orElse`: template.ts's `undefinedName`, left out by compiled code, or ops.ts's `undef` under a guard.)
 */
export function ld(c: Ctx, name: string, v: unknown, orElse: (name: string, c: Ctx) => unknown = undefinedName): unknown {
  if (v === true && name in c) return c[name];
  // (a key whose value is undefined is missing: it does not hide a global; a promise read is
  // observed, so a rejection the template never awaits cannot end the process)
  if (v !== undefined && (((c as { [PLAIN]: boolean })[PLAIN] && typeof v != 'function' && v !== OP) || isData.call((c as { [DATA]: Ctx })[DATA], name)))
    return observe(v);
  const g = (c as { [GLOBALS]: Ctx })[GLOBALS];
  return name in g ? g[name] : orElse(name, c);
}

/** A name nothing defines: UndefinedError, with the names the context can see as suggestions. */
export function undefinedName(name: string, scope: Ctx, hint?: string): never {
  // every name the context can see: data (less what a sandbox hides; keys only, so a getter in the
  // data does not run here), scopes, globals
  const names = Object.keys(scope[DATA as never] as Ctx).filter((k) => !ACTIVE?.hide(k));
  for (const k in scope) names.push(k);
  for (const k in scope[GLOBALS as never] as Ctx) names.push(k);
  throw new UndefinedError(name, 'variable', { didYouMean: didYouMean(name, names), hint });
}
