// Turning values into output text: autoescaped or plain, with the Python str() rules.

import { Markup, Marked, escapeMarkdown, escapeString, isSafe } from './markup.js';
import { PyFloat, Range, UNDEF, ga, observe, pyStr, truthy } from './values.js';
import { replaceMatches } from './pieces.js';

/**
 * `{{ a.b }}` (compiled modules: `ega(a, a?.b, "b")`): esc(ga(a, v, name)) in one call, where
 * a plain object's string or number is escaped at once (issue #22: a call fewer per output).
 * (A string goes through esc, not escapeString: inlined into a def body, escapeString's loop ran
 * 15-20% slower on escape-heavy cards than where esc calls it.)
 */
export function ega(obj: unknown, v: unknown, name: string): string {
  if (v !== undefined && (obj as object).constructor === Object) {
    if (typeof v === 'string') return esc(v);
    if (typeof v === 'number') return numStr(v);
  }
  return esc(ga(obj, v, name));
}

/** `{{ v }}` with autoescape: Markup passes through, everything else is HTML-escaped. */
export function esc(v: unknown): string {
  if (typeof v === 'string') return escapeString(v);
  if (typeof v === 'number') return numStr(v); // digits never need escaping
  // (Markup first in isSafe; Marked, safe Markdown, is not safe HTML: its __html__ escapes. A host
  // object's __html__ may return anything, even a promise: its str(), the promise observed)
  if (isSafe(v)) return String(observe(v.__html__()));
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
    return String(observe((v as { __markdown__(): unknown }).__markdown__()));
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

/**
 * An output the compiler found inside a double-quoted attribute value, already escaped: a safe
 * value's `"` (JSON made by `tojson` and kept in a name, a def's or capture's text) would end the
 * attribute and let data add attributes, so it becomes `&quot;`, which the browser decodes back.
 * Escaped plain text holds no `"`. (The helpers of a sandboxed or Nunjucks-mode output, and a
 * def called directly, are wrapped in this; Kida's esc and ega have the twins below.)
 */
export function inDq(t: string): string {
  return t.indexOf('"') < 0 ? t : t.replace(/"/g, '&quot;');
}
/**
 * Text standing inside a double-quoted value on some paths of the template and outside on others
 * (compiler/html-context.ts `'maybe'`): every character that could end a value, a tag or an
 * attribute name, or open a tag (`"'<>/=` backtick, whitespace) written as an entity, so the text
 * stays one token wherever it lands: in a value (decoded back), in text, in an unquoted value or in
 * the tag. (Escaping `"` alone turned a safe value's own `title="…"` into an unquoted value that
 * data's spaces split; `"` and `<` alone still let a later output's spaces split the unquoted value
 * that an escaped statement's quote left behind: red team, fourteenth pass, and a seed after it.)
 */
export function inAmb(t: string): string {
  return replaceMatches(t, /["'<>/=`\s]/g, (c) => `&#${c.charCodeAt(0)};`);
}
/** esc in a double-quoted attribute value: a string or number as esc writes it (no scan), anything else through inDq. */
export function escDq(v: unknown): string {
  return typeof v === 'string' || typeof v === 'number' ? esc(v) : inDq(esc(v));
}
/** ega in a double-quoted attribute value. */
export function egaDq(obj: unknown, v: unknown, name: string): string {
  if (v !== undefined && (obj as object).constructor === Object) {
    if (typeof v === 'string') return esc(v);
    if (typeof v === 'number') return numStr(v);
  }
  return escDq(ga(obj, v, name));
}

/** `{{ v }}` without autoescape. */
export function str(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return numStr(v);
  if (v instanceof Markup) return v.value;
  if (isSafe(v)) return String(observe(v.__html__()));
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

/**
 * An argument of a `{% filter f(args) %}` block's filter under autoescape. The body reaches the
 * filter as escaped text and a string result is emitted as it is (language.md §2.12), so whatever
 * an argument adds (`replace`'s new text, `format`'s values, `truncate`'s end, `default`'s
 * fallback) is escaped here first. Numbers, None, safe strings, callables and ranges stay; any
 * other value (list, dict, set, object) arrives as its escaped str(): kept as a container, its
 * repr's quotes and dict keys would reach the output raw.
 */
function argEscaper(e: (s: string) => string): (v: unknown) => unknown {
  return (v) =>
    typeof v === 'string' ? e(v)
    : v == null || typeof v !== 'object' || v === UNDEF || v instanceof Markup || v instanceof PyFloat || v instanceof Range ? v
    : e(pyStr(v));
}
/**
 * What a `{% filter %}` block emits under autoescape: a string result as it is (its text is the
 * escaped body, and arguments were escaped on the way in); anything else (a list, a dict, a
 * number, a fallback value) is escaped like `{{ }}` output, so its repr's quotes stay text.
 */
export function escFiltered(v: unknown): string {
  return typeof v === 'string' ? v : esc(v);
}
export function escMdFiltered(v: unknown): string {
  return typeof v === 'string' ? v : escMd(v);
}
/** `{% filter %}` arguments in an HTML-escaped template. */
export const escArg = /* @__PURE__ */ argEscaper(escapeString);
/** `{% filter %}` arguments in a Markdown-mode template. */
export const escMdArg = /* @__PURE__ */ argEscaper(escapeMarkdown);

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
