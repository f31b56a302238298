// Turning values into output text: autoescaped or plain, with the Python str() rules.

import { Markup, Marked, escapeMarkdown, escapeString, isSafe } from './markup.js';
import { pyStr, UNDEF, truthy } from './values.js';

/** `{{ v }}` with autoescape: Markup passes through, everything else is HTML-escaped. */
export function esc(v: unknown): string {
  if (typeof v === 'string') return escapeString(v);
  if (typeof v === 'number') return numStr(v); // digits never need escaping
  if (v instanceof Markup) return v.__html__(); // (Marked, safe Markdown, is not safe HTML: its __html__ escapes)
  if (isSafe(v)) return v.__html__();
  return escapeString(pyStr(v));
}

/**
 * `{{ v }}` in Markdown mode (`autoescape: 'markdown'`): Markup and Marked pass through, as do
 * objects with `__markdown__()`; everything else is Markdown-escaped (escapeMarkdown).
 */
export function escMd(v: unknown): string {
  if (typeof v === 'string') return escapeMarkdown(v);
  if (typeof v === 'number') return numStr(v); // `-1` or `1.5` never starts a block
  if (v instanceof Markup) return v.value;
  if (typeof v === 'object' && v !== null && typeof (v as { __markdown__?: unknown }).__markdown__ === 'function')
    return String((v as { __markdown__(): unknown }).__markdown__());
  return escapeMarkdown(pyStr(v));
}
export function escMdOpt(v: unknown): string {
  return v == null ? '' : escMd(v);
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
/** What `capture` and `caller()` produce in a Markdown-mode template. */
export function marked(s: string): Marked {
  return new Marked(s);
}
