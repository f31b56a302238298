// What the gathering async parts of compiled templates call (compiler/codegen/gather.ts;
// docs/decisions.md, "Async streams, fifth pass"). Only async templates' modules import it.

import { Markup } from './markup.js';
import { Range, isDict } from './values.js';

/**
 * Whether a loop over `v` pulls its items one by one from a source that may be lazy (a generator,
 * an iterable of the caller's): such a loop hands on what it gathered at every item, as a sync
 * part's loop suspends at every item of one (runtime/resume.ts `each`), so the stream stays lazy
 * over an endless source. Lists, strings, ranges and dicts are read ahead unobservably.
 */
export const lazy = (v: unknown): boolean =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Range) && !(v instanceof Markup) && !isDict(v);
