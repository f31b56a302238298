// Nunjucks 3.2's globals (its lib/globals.js): range, cycler, joiner.

import { MAX_DIGITS, MAX_ITEMS, room } from '../limits.js';
import { toPrim } from './values.js';

export function range(start: number, stop?: number, step?: number): number[] {
  // (arithmetic converts an object bound: here, by toPrim, its async conversion's promise observed, s8)
  [start, stop, step] = [start, stop, step].map((v) => (v !== null && typeof v === 'object' ? toPrim(v, 'number') : v)) as number[];
  if (stop === undefined) {
    stop = start;
    start = 0;
    step = 1;
  } else if (!step) step = 1;
  // (its size checked before building: runtime/limits.ts)
  room(Math.max(0, Math.ceil((stop - start) / step)) || 0, MAX_ITEMS);
  const arr: number[] = [];
  // A string bound makes `i += step` concatenate (as in Nunjucks): `range("a", "b")` never ends,
  // its counter a digit longer each step (and each comparison reads it whole). The digits its
  // counters hold are bounded (K-SEC-003 after some 1,400 steps), where the numeric count above
  // said nothing (NaN); the finite cases (`range("2", 5)` is `["2"]`) end within a few steps.
  let held = 0;
  const push = (i: number) => {
    if (typeof i === 'string') room((held += (i as string).length), MAX_DIGITS);
    arr.push(i);
  };
  if (step > 0) for (let i = start; i < stop; i += step) push(i);
  else for (let i = start; i > stop; i += step) push(i);
  return arr;
}

export function cycler(...items: unknown[]) {
  let index = -1;
  return {
    current: null as unknown,
    reset() {
      index = -1;
      this.current = null;
    },
    next() {
      index++;
      if (index >= items.length) index = 0;
      this.current = items[index];
      return this.current;
    },
  };
}

export function joiner(sep?: string) {
  sep = sep || ',';
  let first = true;
  return () => {
    const val = first ? '' : sep;
    first = false;
    return val;
  };
}

export function nunjucksGlobals(): Record<string, unknown> {
  return { range, cycler, joiner };
}
