// String literals that are regular expressions only the backtracking RegExp can run
// (lookaround, backreferences, huge repeats). Runtime/match.ts runs such a pattern only when
// its text is a literal in a template (the author's, not data's): each module registers its
// literals on load (`trustRegex`). Where one is the pattern of a `match` test, `kida check`
// warns (K-SEC-006): the RegExp can take exponential time on hostile text (docs/security.md).
import type * as A from '../ast.js';
import { linearMatcher } from '../../runtime/regex.js';
import { pyRegex } from '../../runtime/tests.js';
import { backtrackSafe } from '../../runtime/nunjucks/guards.js';
import type { Generator } from '../codegen.js';

/** (only strings with a group, an escape or a counted repeat can need backtracking) */
const MAYBE = /\(\?|\\|\{\d/;

/** Does `s`, as a Python pattern, need the backtracking RegExp? (false when it is no pattern) */
export function needsBacktracking(s: string): boolean {
  if (!MAYBE.test(s)) return false;
  let re: RegExp;
  try {
    re = pyRegex(s);
  } catch {
    return false;
  }
  return !linearMatcher(re.source, re.flags);
}

/** A string literal of the template: registered when it is such a pattern (not in the sandbox, which refuses them all; Nunjucks mode has no `match`). */
export function noteLiteral(g: Generator, s: string): void {
  if (!g.o.sandbox && !g.o.nunjucks && !g.trustedPatterns.has(s) && needsBacktracking(s)) g.trustedPatterns.add(s);
}

/**
 * K-SEC-006 for the literal patterns of a `match` test call: `is match(p)` (`named` false), or
 * a select-family filter whose arguments name the test `"match"` (`named` true).
 */
export function warnMatchLiterals(g: Generator, args: A.Expr[], kwargs: A.Kwarg[], pos: A.Pos, named: boolean): void {
  const all = [...args, ...kwargs.map((k) => k.value)];
  if (named && !all.some((a) => a.type === 'Const' && a.value === 'match')) return;
  for (const a of all) {
    if (a.type !== 'Const' || typeof a.value !== 'string' || !needsBacktracking(a.value)) continue;
    const message = `Regular expression ${JSON.stringify(a.value)} needs a backtracking matcher (lookaround, a backreference or a huge repeat): ${
      g.o.sandbox ? 'the sandbox refuses it' : 'hostile text can make it take exponential time'
    }`;
    // (bodies are generated once per render mode: one warning per call site)
    if (!g.warnings.some((w) => w.lineno === a.line && w.colno === a.col && w.message === message))
      g.warnings.push({ code: 'K-SEC-006', message, lineno: a.line || pos.line, colno: a.col || pos.col });
  }
}

/**
 * Nunjucks' `r/body/flags` lexes as `"body" | __regex("flags")`; written by hand with a value
 * from data it would build a RegExp from data (backtracking over hostile text): refused.
 */
export function checkRegexLiteral(g: Generator, e: A.Filter): void {
  if (e.value.type !== 'Const' || e.kwargs.length || !e.args.every((a) => a.type === 'Const'))
    g.err('A regular expression must be a literal r/.../ : its pattern and flags cannot come from data', 'K-SEC-006', e);
  // K-SEC-006 (a warning) for a literal V8 may backtrack on: where it matches data, replace/split/
  // match/exec run the RegExp, and hostile text can make that exponential (runtime/nunjucks/guards.ts)
  const body = String(e.value.value);
  if (backtrackSafe(body)) return;
  const message = `Regular expression r/${body}/ can backtrack: ${
    g.o.sandbox ? 'the sandbox refuses it on data' : 'where it matches hostile text, replace/split/match/exec can take exponential time (test without g/y is linear)'
  }`;
  if (!g.warnings.some((w) => w.lineno === e.line && w.colno === e.col && w.message === message))
    g.warnings.push({ code: 'K-SEC-006', message, lineno: e.line, colno: e.col });
}
