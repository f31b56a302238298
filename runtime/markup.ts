// Markup is a string that is already safe HTML: output never escapes it again.

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
}

const NEEDS_ESCAPE = /[&<>"'\0]/;

/**
 * HTML-escapes a plain string (no Markup check): `& < > " '` become entities, NUL is
 * dropped. Most strings need nothing: a regex test answers that, and stays fast when another
 * library has put V8's String.prototype into slow mode (Nunjucks does; a charCodeAt scan
 * then runs 4x slower: bench/README.md). Only strings that need escaping are scanned.
 */
export function escapeString(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return s; // (test is faster than search when nothing matches)
  let i = 0;
  const n = s.length;
  let out = '';
  let last = 0;
  for (; i < n; i++) {
    let rep: string;
    switch (s.charCodeAt(i)) {
      case 38:
        rep = '&amp;';
        break;
      case 60:
        rep = '&lt;';
        break;
      case 62:
        rep = '&gt;';
        break;
      case 34:
        rep = '&quot;';
        break;
      case 39:
        rep = '&#39;';
        break;
      case 0:
        rep = '';
        break;
      default:
        continue;
    }
    out += s.slice(last, i) + rep;
    last = i + 1;
  }
  return out + s.slice(last);
}

/** True for Markup and for objects that declare themselves safe with `__html__()`. */
export function isSafe(v: unknown): v is { __html__(): string } {
  return v instanceof Markup || (typeof v === 'object' && v !== null && typeof (v as { __html__?: unknown }).__html__ === 'function');
}
