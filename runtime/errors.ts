// Error classes shared by the compiler and compiled templates. Every error a user
// sees extends TemplateError and carries a K-code plus the template position. The
// message follows the reference's layouts (spec §5.6): syntax errors as
// "Kida Parse Error [K-PAR-001]: ..." with a caret excerpt, runtime errors as
// "Runtime Error: ..." with "Location:" and the lines around the failing one,
// undefined names as "Undefined variable 'x' in page.html:2" with a hint.

export interface ErrorPosition {
  templateName?: string | null;
  lineno?: number | null;
  colno?: number | null;
  /** The template source, used to render an excerpt. */
  source?: string | null;
  suggestion?: string | null;
  cause?: unknown;
}

/** Where an `{% include %}` (or a call into another template's def) led: template and line. */
export type TemplateFrame = [template: string, line: number];
/** A def call on the way to the error: call-site template, line, and the def's name. */
export type ComponentFrame = [template: string, line: number, def: string];

export class TemplateError extends Error {
  code: string;
  templateName: string | null;
  lineno: number | null;
  colno: number | null;
  suggestion: string | null;
  /** The message without location, excerpt or hints. */
  readonly rawMessage: string;
  /** The source of `templateName`, when known: the message shows lines of it. */
  source: string | null;
  /** Templates that included the failing one, outermost first. */
  templateStack: TemplateFrame[] = [];
  /** Def calls that led to the error, outermost first. */
  componentStack: ComponentFrame[] = [];
  /** The included render whose frame templateStack got last (see wrapError). */
  includedBy: unknown = null;
  /** The def whose body failed and its template, until the caller's handler adds the call. */
  callee: [def: string, template: string] | null = null;
  /** A recursion-depth error while it unwinds through the recursion that raised it: true while
   * a `{% try %}` must let it pass (a fallback inside the recursion would recurse again). */
  declare unwinding?: () => boolean;

  constructor(message: string, code = 'K-RUN-007', pos: ErrorPosition = {}) {
    super(message, pos.cause !== undefined ? pos : undefined); // (Error reads only `cause`)
    this.rawMessage = message;
    this.code = code;
    this.templateName = pos.templateName ?? null;
    this.lineno = pos.lineno ?? null;
    this.colno = pos.colno ?? null;
    this.suggestion = pos.suggestion ?? null;
    this.source = pos.source ?? null;
    this.message = this.layout();
  }
  // Names are spelled out: a minifier renames classes, and `constructor.name` with them.
  override get name(): string {
    return 'TemplateError';
  }
  /** Re-renders `message` after the position or the stacks changed. */
  relayout(): void {
    this.message = this.layout();
  }
  /** The message: headline, location, lines of source, stacks, suggestion. */
  protected layout(head = this.rawMessage): string {
    const msg = head + placed(this);
    return hasSuggestion(this) ? `${msg}\n\n  Suggestion: ${this.suggestion}` : msg;
  }
}

export class TemplateSyntaxError extends TemplateError {
  override get name(): string {
    return 'TemplateSyntaxError';
  }
  constructor(message: string, code = 'K-PAR-001', pos: ErrorPosition = {}) {
    super(message, code, pos);
  }
  protected override layout(): string {
    const kind = this.code.startsWith('K-PAR') ? 'Parse' : this.code.startsWith('K-LEX') ? 'Lexer' : 'Syntax';
    let msg = `Kida ${kind} Error [${this.code}]: ${this.rawMessage}`;
    if (this.templateName != null || this.lineno != null) msg += `\n  --> ${where(this)}${this.lineno != null && this.colno != null ? `:${this.colno}` : ''}`;
    const line = this.lineno != null && this.source != null ? sourceLines(this.source)[this.lineno - 1] : undefined;
    if (line !== undefined) {
      msg += `\n   |\n${String(this.lineno).padStart(3)} | ${line}`;
      // The caret sits under the column (the reference's stands one to the left of it).
      if (this.colno != null) msg += `\n   | ${' '.repeat(this.colno + String(this.lineno).padStart(3).length - 2)}^`;
    }
    if (hasSuggestion(this)) msg += `\n\nSuggestion: ${this.suggestion}`;
    return `${msg}\n\nDocs: ${docsUrl(this.code)}`;
  }
}
export class TemplateRuntimeError extends TemplateError {
  override get name(): string {
    return 'TemplateRuntimeError';
  }
  protected override layout(): string {
    return super.layout(`Runtime Error: ${this.rawMessage}`);
  }
}
export class RequiredValueError extends TemplateRuntimeError {
  override get name(): string {
    return 'RequiredValueError';
  }
  constructor(message: string, pos: ErrorPosition = {}) {
    super(message, 'K-RUN-004', pos);
  }
}
export class NoneComparisonError extends TemplateRuntimeError {
  override get name(): string {
    return 'NoneComparisonError';
  }
  constructor(message: string, pos: ErrorPosition = {}) {
    super(message, 'K-RUN-005', pos);
  }
}
export class UndefinedError extends TemplateError {
  override get name(): string {
    return 'UndefinedError';
  }
  /** The missing name: `x` for a variable, `dict.nmae` for an attribute. */
  undefinedName: string;
  kind: 'variable' | 'attribute/key';
  /** The closest name that does exist, if one is close enough. */
  didYouMean: string | null;
  /** The first hint: "Use {{ x | default('') }} for optional variables" unless given. */
  hint: string;
  constructor(
    undefinedName: string,
    kind: 'variable' | 'attribute/key' = 'variable',
    pos: ErrorPosition & { didYouMean?: string | null; hint?: string } = {},
  ) {
    super(`Undefined ${kind} '${undefinedName}'`, 'K-RUN-001', pos);
    this.undefinedName = undefinedName;
    this.kind = kind;
    this.didYouMean = pos.didYouMean ?? null;
    this.hint = pos.hint ?? `Use {{ ${undefinedName} | default('') }} for optional variables`;
    this.suggestion ??= this.didYouMean ? `Did you mean '${this.didYouMean}'?` : this.hint;
    this.relayout();
  }
  protected override layout(): string {
    if (this.kind === undefined) return this.rawMessage; // called from the base constructor, before the fields exist
    let msg = `${this.rawMessage} in ${where(this)}`;
    if (this.didYouMean) msg += `. Did you mean '${this.didYouMean}'?`;
    msg += `${snippet(this)}${stacks(this)}\n  Hint: ${this.hint}`;
    return this.kind === 'variable'
      ? msg
      : msg + '\n  Hint: For optional access: `x?.y` (None on missing Mapping keys), `x?.y ?? ""` (covers object-attr misses too), or `x | get("y", \'\')`.';
  }
}
export class TemplateNotFoundError extends TemplateError {
  override get name(): string {
    return 'TemplateNotFoundError';
  }
  constructor(message: string, pos: ErrorPosition = {}) {
    super(message, 'K-TPL-001', pos);
  }
}
/** K-SEC-001 blocked access, 003 a resource limit (range, loop iterations, render time), 004 a
 * call the policy does not allow, 005 the output size (the sandbox's own errors: sandbox.ts). */
export class SecurityError extends TemplateError {
  override get name(): string {
    return 'SecurityError';
  }
  constructor(message: string, pos: ErrorPosition = {}) {
    super(message, 'K-SEC-001', pos);
  }
}

/** Python-flavoured failures raised by runtime helpers (TypeError, ValueError, KeyError...). */
export class PyError extends TemplateRuntimeError {
  override get name(): string {
    return 'PyError';
  }
  pyType: string;
  /** The message as Python's str() of the exception gives it (what `{% fallback err %}` shows). */
  pyMessage: string;
  constructor(pyType: string, message: string, code?: string, suggestion: string | null = null) {
    super(`${pyType}: ${message}`, code ?? PY_CODES[pyType] ?? 'K-RUN-007', { suggestion });
    this.pyType = pyType;
    this.pyMessage = message;
  }
}
/** Codes by Python type (others K-RUN-007; keyError and zeroDivisionError pass theirs). */
const PY_CODES: Record<string, string> = {
  IndexError: 'K-RUN-009',
  AttributeError: 'K-RUN-010',
  TypeError: 'K-RUN-012',
};
export const typeError = (msg: string) => new PyError('TypeError', msg);
export const valueError = (msg: string) => new PyError('ValueError', msg);
// KeyError and ZeroDivisionError carry the reference's suggestions. Raise them through these
// (not `new PyError('KeyError', ...)`): a bundle whose templates never raise one leaves the text out.
/** `KeyError: <repr>` with its suggestion. */
export const keyError = (key: string) =>
  new PyError('KeyError', key, 'K-RUN-009', `Key ${key} not found. Use \`.get(${key})\` or \`?[${key}]\` for safe access.`);
/** `ZeroDivisionError: <msg>` with its suggestion. */
export const zeroDivisionError = (msg: string) =>
  new PyError('ZeroDivisionError', msg, 'K-RUN-011', 'Division by zero. Guard with `{% if divisor %}` or use `| default(1)`.');

/** A suggestion the message does not already make ("Unknown filter 'x'. Did you mean 'y'?"). */
const hasSuggestion = (e: TemplateError): boolean => !!e.suggestion && !e.rawMessage.includes(e.suggestion);

/** The error code's entry in the language's documentation. */
export const docsUrl = (code: string): string => `https://lbliii.github.io/kida/docs/errors/#${code.toLowerCase()}`;

/** Where it happened: the Location line (when known), the lines of source, the stacks. */
export function placed(e: TemplateError): string {
  return (e.templateName != null || e.lineno != null ? `\n  Location: ${where(e)}` : '') + snippet(e) + stacks(e);
}

/** `page.html:2`; `<template>` when the template has no name. */
function where(e: TemplateError): string {
  return `${e.templateName ?? '<template>'}${e.lineno != null ? `:${e.lineno}` : ''}`;
}

/** The source's lines, without the empty one after a final newline. */
const sourceLines = (source: string): string[] => source.replace(/\n$/, '').split('\n');

/** Up to two lines either side of the failing one, which is marked `>`. */
function snippet(e: TemplateError): string {
  if (e.source == null || e.lineno == null) return '';
  const lines = sourceLines(e.source);
  if (e.lineno > lines.length) return '';
  let s = '\n   |';
  for (let n = Math.max(1, e.lineno - 2); n <= Math.min(lines.length, e.lineno + 2); n++)
    s += `\n${n === e.lineno ? '>' : ' '}${String(n).padStart(3)} | ${lines[n - 1]}`;
  return s + '\n   |';
}

/** The Component stack / Template stack sections. */
function stacks(e: TemplateError): string {
  let s = '';
  if (e.componentStack.length) s += '\n\nComponent stack:' + e.componentStack.map(([t, l, d]) => `\n  • ${t}:${l} → ${d}()`).join('');
  if (e.templateStack.length) s += '\n\nTemplate stack:' + e.templateStack.map(([t, l]) => `\n  • ${t}:${l}`).join('');
  return s;
}

/**
 * "Did you mean?": the candidate most like `name` by difflib's ratio (what the reference's
 * get_close_matches uses), if at least 0.6; a tie goes to the greater string, as there.
 */
export function didYouMean(name: string, candidates: Iterable<string>): string | null {
  let best: string | null = null;
  let bestScore = 0.6;
  for (const c of candidates) {
    const score = (2 * common(c, 0, c.length, name, 0, name.length)) / (c.length + name.length || 1);
    if (score > bestScore || (score === bestScore && (best === null || c > best))) {
      bestScore = score;
      best = c;
    }
  }
  return best;
}

/** Characters a[alo:ahi] and b[blo:bhi] share: the longest common run (earliest in a, then in
 * b), plus what the parts either side of it share. */
function common(a: string, alo: number, ahi: number, b: string, blo: number, bhi: number): number {
  let len = 0;
  let ai = alo;
  let bi = blo;
  for (let i = alo; i < ahi; i++)
    for (let j = blo; j < bhi; j++) {
      let k = 0;
      while (i + k < ahi && j + k < bhi && a[i + k] === b[j + k]) k++;
      if (k > len) [len, ai, bi] = [k, i, j];
    }
  return len && len + common(a, alo, ai, b, blo, bi) + common(a, ai + len, ahi, b, bi + len, bhi);
}
