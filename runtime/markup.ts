// Markup is a string that is already safe HTML: output never escapes it again.

import { sliceOf } from './strings.js';
import { replaceMatches } from './pieces.js';

export class Markup {
  readonly value: string;
  constructor(value: unknown) {
    this.value = value instanceof Markup ? value.value : String(value);
  }
  toString(): string {
    return this.value;
  }
  __html__(): string {
    return this.value;
  }
  get length(): number {
    return this.value.length;
  }
  /**
   * Escapes plain text for this kind of safe string (`~`, `+`, `%`, `*` and the Python string
   * methods keep the kind of their safe operand and escape the plain one with it): HTML here.
   */
  escapeText(s: string): string {
    return escapeString(s);
  }
  /** A safe string of the same kind holding `s`. */
  withText(s: string): Markup {
    return new Markup(s);
  }
}

/**
 * Text that is already safe Markdown (the reference's `Marked`): what the Markdown-mode filters
 * return, and what `def`s, `caller()`, slots and `capture` produce in a Markdown-mode template.
 * A `Markup` subclass, so it is a string to every filter, test and operator; Markdown output
 * never escapes it again. Safe Markdown is not safe HTML: HTML output escapes it like plain text.
 */
export class Marked extends Markup {
  /** Its Python type name (typeName, repr). */
  get [Symbol.toStringTag](): string {
    return 'Marked';
  }
  __markdown__(): string {
    return this.value;
  }
  override __html__(): string {
    return escapeString(this.value);
  }
  override escapeText(s: string): string {
    return escapeMarkdown(s);
  }
  override withText(s: string): Marked {
    return new Marked(s);
  }
}

// Markdown escaping (language.md §3.6): characters that are special anywhere in a line get a
// backslash; block markers only where a line starts (optionally indented) and only in the form
// that would start a block, so prose, dates, identifiers and paths stay as they are.
// (and a `(` after `]` or first: marked reads `\](` inside a link's text as a nested inline link,
// so data's `[a](javascript:…)` in `[{{ x }}](…)`, `[{{ a }}{{ b }}](…)` or `link` was live; s17)
const MD_INLINE = /[\\`*_[\]]|(?<=^|\])\(/g;
// (`<` as an entity, not `\<`: GFM renderers' extended autolinks (marked) take a backslash into a
// URL that text before the value began, `https://x.example/{{ v }}`, and the `<` after it opened a tag)
const MD_LT = /</g;
// (a lone CR ends a line too, as CommonMark reads it; `~~~` opens a fence and a line of `=` makes
// the line above a heading, as `---` does: s19)
const MD_BLOCK = /(^|[\n\r])([ \t]*)(#{1,6}(?=[ \t\r\n]|$)|>|~~~|[-+](?=[ \t\r\n]|$)|(?:-+|=+)(?=[ \t]*(?:[\r\n]|$))|\d{1,9}[.)](?=[ \t\r\n]|$))/g;

/**
 * Markdown-escapes plain text: `\ ` * _ [ ]` everywhere (`<` becomes `&lt;`); at the start of the text and of every
 * line (after spaces or tabs; LF, CR or CRLF) `#`…`######`, `-`, `+` and `1.`/`1)` when followed by
 * whitespace or the end of the line, a line of `-` or `=` only (a rule or setext underline), `>` and `~~~`. The backslash goes
 * before the marker (`\# h`, `\- item`, `\1. first`).
 */
export function escapeMarkdown(s: string): string {
  // (replaceMatches: V8's own replace of 2^25 matches ran past a minute, or aborted; runtime/pieces.ts)
  let t = replaceMatches(s, MD_INLINE, (m) => '\\' + m);
  if (t.includes('<')) t = replaceMatches(t, MD_LT, () => '&lt;'); // (most text has none: the scan is cheaper than a replace)
  return replaceMatches(t, MD_BLOCK, (_, start: string, ws: string, marker: string) => `${start}${ws}\\${marker}`);
}

const NEEDS_ESCAPE = /[&<>"'\0]/g;
// What each character becomes (undefined: itself), by char code: one load per character below `?`.
// (an object literal with these keys gets fast holey elements, as an array would)
const ENTITY: Record<number, string | undefined> = { 0: '', 34: '&quot;', 38: '&amp;', 39: '&#39;', 60: '&lt;', 62: '&gt;' };
// (saved, as in runtime/strings.ts, so a dictionary-mode String.prototype does not slow it; read
// here rather than through strings.ts's charCode: V8 inlines a call through this module's own
// constant better than through an imported function, 5-10% on escape-heavy pages; issue #22)
const charCodeAt = String.prototype.charCodeAt;
/**
 * HTML-escapes a plain string (no Markup check): `& < > " '` become entities, NUL is
 * dropped. Most strings need nothing: past 12 characters a regex test answers that fastest, and
 * (global, so its lastIndex says where) tells where to start; the rest is a char-code scan,
 * which for a short string costs less than the regex call (issue #22: the small page 0.8x).
 */
export function escapeString(s: string): string {
  const n = s.length;
  let i = 0;
  if (n > 12) {
    NEEDS_ESCAPE.lastIndex = 0;
    if (!NEEDS_ESCAPE.test(s)) return s;
    i = NEEDS_ESCAPE.lastIndex - 1;
  }
  let out = '';
  let last = 0;
  for (; i < n; i++) {
    const c: number = charCodeAt.call(s, i);
    // (letters and most punctuation come after `>`, the last character replaced)
    const rep = c > 62 ? undefined : ENTITY[c];
    if (rep === undefined) continue;
    // (two appends, not `out += text + rep`: that copies each short piece twice; issue #22)
    if (i > last) out += sliceOf(s, last, i);
    out += rep;
    last = i + 1;
  }
  return last ? out + sliceOf(s, last) : s; // (last 0: nothing replaced)
}

/** True for Markup and for objects that declare themselves safe with `__html__()`. */
export function isSafe(v: unknown): v is { __html__(): string } {
  return v instanceof Markup || (typeof v === 'object' && v !== null && typeof (v as { __html__?: unknown }).__html__ === 'function');
}
