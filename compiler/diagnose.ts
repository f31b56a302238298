// `kida check` reports every error of a file, not only the first: after an error, the tag that
// holds it is blanked out (same length, newlines kept, so later positions stay right) and the
// template compiled again, up to a limit.

import { TemplateError } from '../runtime/errors.js';
import { compile, type CompileOptions } from './index.js';
import type { CompileWarning } from './codegen.js';
import { resolveSyntax, delimiterOptions } from './lexer.js';

export interface Diagnosis {
  errors: TemplateError[];
  /** Warnings of the compile that succeeded (none when an error remains). */
  warnings: CompileWarning[];
}

const BLOCK_OPENERS = /^(if|unless|for|block|fragment|macro|def|region|call|filter|with|set|capture|match|embed|try|defer|trans|push|spaceless|cache|autoescape|while|slot)$/;

export function diagnose(source: string, options: CompileOptions, max = 20): Diagnosis {
  const syn = resolveSyntax(delimiterOptions(options));
  const errors: TemplateError[] = [];
  /** Keywords whose opening tag was blanked: their closing tags are expected strays, not errors. */
  const blankedOpeners: string[] = [];
  let text = source;
  for (;;) {
    try {
      const res = compile(text, { ...options, dts: false });
      return { errors: sorted(errors), warnings: res.warnings };
    } catch (e) {
      if (!(e instanceof TemplateError)) throw e;
      const tag = e.lineno != null ? enclosingTag(text, e.lineno, e.colno ?? 0, syn) : null;
      const stray = /'\{% ?(end\w*)/.exec(e.rawMessage);
      const expected = stray && blankedOpeners.indexOf(stray[1]!.slice(3)) >= 0 && /^(Unexpected|Mismatched closing)/.test(e.rawMessage);
      if (expected) blankedOpeners.splice(blankedOpeners.indexOf(stray![1]!.slice(3)), 1);
      else if (errors.some((x) => x.code === e.code && x.lineno === e.lineno && x.colno === e.colno)) return { errors: sorted(errors), warnings: [] };
      else errors.push(withSource(e, source));
      if (!tag || errors.length >= max) return { errors: sorted(errors), warnings: [] };
      // (an unknown keyword counts as the one suggested: `{% fro x in y %}` still opens a `for`)
      const kw = (/^Unknown block keyword/.test(e.rawMessage) && /Did you mean '(\w+)'/.exec(e.suggestion ?? '')?.[1]) || /^[-+~]?\s*(\w+)/.exec(text.slice(tag.start + tag.open.length))?.[1];
      if (kw && BLOCK_OPENERS.test(kw) && tag.open === syn.blockStart) blankedOpeners.push(kw);
      text = text.slice(0, tag.start) + text.slice(tag.start, tag.end).replace(/[^\n]/g, ' ') + text.slice(tag.end);
    }
  }
}

const sorted = (errors: TemplateError[]) => errors.sort((a, b) => (a.lineno ?? 0) - (b.lineno ?? 0) || (a.colno ?? 0) - (b.colno ?? 0));

/** The error's excerpt from the file as written, not the blanked copy. */
function withSource(e: TemplateError, source: string): TemplateError {
  (e as { source?: string }).source = source;
  return e;
}

/** The `{% … %}` or `{{ … }}` around a 1-based line and 0-based column, or null. */
function enclosingTag(text: string, line: number, col: number, syn: { blockStart: string; blockEnd: string; variableStart: string; variableEnd: string }) {
  let at = 0;
  for (let l = 1; l < line && at >= 0; l++) at = text.indexOf('\n', at) + 1 || -1;
  if (at < 0) return null;
  at = Math.min(at + col, text.length);
  const b = text.lastIndexOf(syn.blockStart, at);
  const v = text.lastIndexOf(syn.variableStart, at);
  if (b < 0 && v < 0) return null;
  const open = b >= v ? syn.blockStart : syn.variableStart;
  const start = Math.max(b, v);
  const closer = open === syn.blockStart ? syn.blockEnd : syn.variableEnd;
  const close = text.indexOf(closer, start + open.length);
  // (a tag that ends before the error does not hold it: an unclosed comment, say)
  if (close < 0 || close + closer.length <= at) return null;
  return { start, end: close + closer.length, open };
}
