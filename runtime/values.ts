// The Python value model that Kida templates observe (decisions.md §1), over plain
// JavaScript values: None = null/undefined, dict = plain object or Map, list = array,
// tuple = Tuple, set = Set, integral float = PyFloat, str = string or Markup.
// CONTRACT FILE: the exported names and signatures below are used by the code
// generator, filters and tests. Bodies marked TODO are being implemented.

import { Markup } from './markup.js';

/** An integral float produced where the compiler knows the value is a float (4/2, 5|round, 1.0). Renders "2.0". */
export class PyFloat {
  constructor(readonly v: number) {}
  valueOf(): number { return this.v; }
  toString(): string { return TODO(); }
}
/** Python tuple: an array that renders as `(1, 2)` and is never equal to a list. */
export class Tuple<T = unknown> extends Array<T> {}
/** Python range object: iterable, sized, indexable, renders `range(1, 4)`. */
export class Range { constructor(readonly start: number, readonly stop: number, readonly step: number) {} }
/** Keyword arguments passed as the last argument to any callable invoked from a template. */
export class Kwargs { constructor(readonly kw: Record<string, unknown>) {} }
/** The lenient-undefined sentinel (strictUndefined: false): renders "", falsy, empty, equal only to itself. */
export class Undefined {}
export const UNDEF: Undefined = new Undefined();

declare function TODO(): never;
