// Error classes shared by the compiler and compiled templates. Every error a user
// sees extends TemplateError and carries a K-code plus the template position.

export interface ErrorPosition {
  templateName?: string | null;
  lineno?: number | null;
  colno?: number | null;
  /** The template source, used to render an excerpt with a caret. */
  source?: string | null;
  suggestion?: string | null;
  cause?: unknown;
}

export class TemplateError extends Error {
  code: string;
  templateName: string | null;
  lineno: number | null;
  colno: number | null;
  suggestion: string | null;
  /** The message without location and excerpt. */
  readonly rawMessage: string;

  constructor(message: string, code = 'K-RUN-007', pos: ErrorPosition = {}) {
    super(message, pos.cause !== undefined ? { cause: pos.cause } : undefined);
    this.rawMessage = message;
    this.code = code;
    this.templateName = pos.templateName ?? null;
    this.lineno = pos.lineno ?? null;
    this.colno = pos.colno ?? null;
    this.suggestion = pos.suggestion ?? null;
    this.message = formatMessage(this, pos.source ?? null);
  }
  // Names are spelled out: a minifier renames classes, and `constructor.name` with them.
  override get name(): string {
    return 'TemplateError';
  }
}

export class TemplateSyntaxError extends TemplateError {
  override get name(): string {
    return 'TemplateSyntaxError';
  }
  constructor(message: string, code = 'K-PAR-001', pos: ErrorPosition = {}) {
    super(message, code, pos);
  }
}
export class TemplateRuntimeError extends TemplateError {
  override get name(): string {
    return 'TemplateRuntimeError';
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
  constructor(undefinedName: string, kind: 'variable' | 'attribute/key' = 'variable', pos: ErrorPosition = {}) {
    super(`Undefined ${kind} '${undefinedName}'`, 'K-RUN-001', pos);
    this.undefinedName = undefinedName;
    this.kind = kind;
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
  constructor(pyType: string, message: string, code?: string) {
    super(`${pyType}: ${message}`, code ?? PY_CODES[pyType] ?? 'K-RUN-007');
    this.pyType = pyType;
  }
}
const PY_CODES: Record<string, string> = {
  KeyError: 'K-RUN-009',
  IndexError: 'K-RUN-009',
  AttributeError: 'K-RUN-010',
  ZeroDivisionError: 'K-RUN-011',
  TypeError: 'K-RUN-012',
  ValueError: 'K-RUN-007',
};
export const typeError = (msg: string) => new PyError('TypeError', msg);
export const valueError = (msg: string) => new PyError('ValueError', msg);

/** Renders the location line and a source excerpt with a caret under the column. */
export function formatMessage(err: TemplateError, source: string | null): string {
  let msg = `${err.rawMessage}`;
  if (err.lineno != null) {
    const where = `${err.templateName ?? '<template>'}:${err.lineno}${err.colno != null ? `:${err.colno}` : ''}`;
    msg += `\n  --> ${where}`;
    if (source != null) msg += '\n' + excerpt(source, err.lineno, err.colno);
  } else if (err.templateName) {
    msg += `\n  --> ${err.templateName}`;
  }
  if (err.suggestion) msg += `\n\n  Suggestion: ${err.suggestion}`;
  return `[${err.code}] ${msg}`;
}

export function excerpt(source: string, lineno: number, colno: number | null): string {
  const lines = source.split('\n');
  const line = lines[lineno - 1];
  if (line === undefined) return '';
  const num = String(lineno);
  const pad = ' '.repeat(num.length);
  let s = `${pad} |\n${num} | ${line}`;
  if (colno != null) s += `\n${pad} | ${' '.repeat(Math.max(0, colno))}^`;
  return s;
}

/** Levenshtein-based did-you-mean; returns the closest candidate or null. */
export function didYouMean(name: string, candidates: Iterable<string>): string | null {
  let best: string | null = null;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(name, c);
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  const limit = Math.max(1, Math.floor(name.length / 3));
  return best !== null && bestD <= limit + 1 && bestD < name.length ? best : null;
}

function editDistance(a: string, b: string): number {
  const prev = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length]!;
}
