// Turning values into output text: autoescaped or plain, with the Python str() rules.

import { Markup, escapeString, isSafe } from './markup.js';
import { pyStr, UNDEF, truthy } from './values.js';

/** `{{ v }}` with autoescape: Markup passes through, everything else is HTML-escaped. */
export function esc(v: unknown): string {
  if (typeof v === 'string') return escapeString(v);
  if (typeof v === 'number') return numStr(v); // digits never need escaping
  if (v instanceof Markup) return v.value;
  if (isSafe(v)) return v.__html__();
  return escapeString(pyStr(v));
}

/** Python str() of a JS number: where JS and Python spell it alike, JS's own conversion. */
function numStr(v: number): string {
  if (Number.isSafeInteger(v)) return '' + v;
  const a = v < 0 ? -v : v;
  return a >= 1e-4 && a < 1e16 && !Number.isInteger(v) ? '' + v : pyStr(v);
}

/** `{{ v }}` without autoescape. */
export function str(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return numStr(v);
  if (v instanceof Markup) return v.value;
  if (isSafe(v)) return v.__html__();
  return pyStr(v);
}

/** Outermost `?.`, `?[`, `?|`, `?|>`: None renders as "". */
export function escOpt(v: unknown): string {
  return v == null ? '' : esc(v);
}
export function strOpt(v: unknown): string {
  return v == null ? '' : str(v);
}

/** `x | default(d, boolean)` with the operand already guarded (UNDEF when undefined). */
export function defaultFilter(v: unknown, d: unknown = '', boolean: unknown = false): unknown {
  if (truthy(boolean)) return truthy(v) ? v : d;
  return v == null || v === UNDEF ? d : v;
}

/** `x is defined` on a guarded operand. */
export function isDefined(v: unknown): boolean {
  return v != null && v !== UNDEF;
}

/** `{% spaceless %}`: drop whitespace between tags, then strip. */
export function spaceless(s: string): string {
  return s.replace(/>\s+</g, '><').trim();
}

export function markup(s: string): Markup {
  return new Markup(s);
}
