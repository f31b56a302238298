// The render context: the caller's data is read through, never copied (issue #22: a copy made
// every render cost O(context keys), used or not). A context is a null-prototype object holding
// the template's own bindings (`set`, defs, imports); underneath it, in this order, the caller's
// data (own enumerable keys only, as a spread would have copied) and the globals. Block scopes
// are objects created over it, so the two references below are inherited.

export type Ctx = Record<string, unknown>;
/** The caller's data as an object (a Map is converted once; none is an empty object). */
export const DATA: unique symbol = Symbol();
/** The globals (null prototype or ending in Object.prototype; see lkOwn). */
export const GLOBALS: unique symbol = Symbol();
/** A `find` fallback for callers that test for absence. */
export const MISSING: unique symbol = Symbol();
export const missing = (): typeof MISSING => MISSING;

const isData = Object.prototype.propertyIsEnumerable;

/** A fresh context over the caller's data and the globals; the data object is never mutated. */
export function makeContext(globals: Ctx, data: unknown): Ctx {
  // (a literal with `__proto__: null` and computed keys: one allocation, no prototype)
  return { __proto__: null, [DATA]: data instanceof Map ? Object.fromEntries(data) : Object(data), [GLOBALS]: globals } as unknown as Ctx;
}

/** A name below the scope chain: the data's own key, else a global, else `orElse(name, c)`. */
export function find(c: Ctx, name: string, orElse: (name: string, c: Ctx) => unknown): unknown {
  const d = (c as { [DATA]: Ctx })[DATA];
  if (isData.call(d, name)) return d[name];
  const g = (c as { [GLOBALS]: Ctx })[GLOBALS];
  return name in g ? g[name] : orElse(name, c);
}
