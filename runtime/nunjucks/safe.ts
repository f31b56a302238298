// Nunjucks' runtime.SafeString and runtime.markSafe (kida/nunjucks re-exports them): here so that
// code running in a bundle — an extension module a build names (docs/guide/nunjucks.md) — can
// import them from kida/runtime/nunjucks without the compiler.
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
