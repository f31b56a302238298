// Nunjucks' runtime.SafeString/markSafe, here for extension modules in bundles (no compiler).
import { Markup } from '../markup.js';
import { observe as observeValue } from '../values.js';

export class SafeString extends Markup {
  get val(): string {
    return this.value;
  }
}
/** Nunjucks' markSafe: a string becomes safe, a function's string results do. */
export function markSafe(v: unknown): unknown {
  if (typeof v === 'string') return new SafeString(v);
  if (typeof v === 'function') {
    return function (this: unknown, ...args: unknown[]) {
      const r = (v as (...a: unknown[]) => unknown).apply(this, args);
      return typeof r === 'string' ? new SafeString(r) : r;
    };
  }
  return v;
}

/**
 * A safe string the `nunjucks` package made: its runtime.SafeString is a String object holding
 * its text as `val` (valueOf/toString give it). Libraries that ship filters and globals import
 * `nunjucks` to mark their output safe (GOV.UK CASA's renderAsAttributes, gov.cy's markdown,
 * Eleventy plugins), and an app cannot rewrite them: such a value is our SafeString, as safe as
 * Nunjucks keeps it. Only code makes String objects (JSON data cannot), so data is never taken for one.
 */
export function fromNunjucks<T>(v: T): T | SafeString {
  return v instanceof String && typeof (v as { val?: unknown }).val === 'string' && Object.hasOwn(v, 'val') ? new SafeString((v as unknown as { val: string }).val) : v;
}
/** The runtime's observe (a promise observed) for what an app's filter, function or method returns, a Nunjucks safe string made ours. */
export function observe<T>(v: T, fail?: boolean): T | SafeString {
  return fromNunjucks(observeValue(v, fail));
}
