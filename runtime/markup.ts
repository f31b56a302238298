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

const ESCAPABLE = /[&<>"'\0]/;
const ESCAPE_ALL = /[&<>"'\0]/g;
const REPLACEMENTS: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '\0': '',
};

/** HTML-escapes a plain string (no Markup check). Fast path when nothing needs escaping. */
export function escapeString(s: string): string {
  return ESCAPABLE.test(s) ? s.replace(ESCAPE_ALL, (c) => REPLACEMENTS[c]!) : s;
}

/** True for Markup and for objects that declare themselves safe with `__html__()`. */
export function isSafe(v: unknown): v is { __html__(): string } {
  return v instanceof Markup || (typeof v === 'object' && v !== null && typeof (v as { __html__?: unknown }).__html__ === 'function');
}
