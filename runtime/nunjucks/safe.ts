// Nunjucks' runtime.SafeString/markSafe, here for extension modules in bundles (no compiler).
import { Markup } from '../markup.js';

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
