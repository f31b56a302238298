// `is match` in time linear in the text (runtime/regex.ts), and the switch that makes `match`
// named at run time (select/reject/selectattr/rejectattr, the tests table) use it too.
// Its own module: only bundles whose templates may use the test carry the matcher.
//
// A pattern the linear matcher cannot run (lookaround, backreferences, repeats past its size)
// needs V8's backtracking RegExp, which hostile text can keep busy for minutes and nothing can
// interrupt. Such a pattern runs only when the template's author wrote it: a string literal in a
// template (the compiler registers those with tests.ts's `trustRegex` and `kida check` warns, K-SEC-006) or a
// RegExp object the host made. Any other, a string from data, is a TemplateRuntimeError
// (docs/security.md "Regular expressions from data").

import { TemplateRuntimeError } from './errors.js';
import { MATCH, TRUSTED, pyRegex, type Test } from './tests.js';
import { pyStr } from './values.js';
import { compilable, linearMatcher } from './regex.js';

/** Compiled matchers by RegExp: the linear matcher, else the RegExp (docs/regex-audit.md). */
const matchers = new WeakMap<RegExp, (s: string, budget?: number) => boolean | undefined>();
/** Steps (NFA states visited) a pattern from data may take per character of text, and on any text. */
const PER_CHAR = 32;
const BASE = 2 ** 20;
const refuse = (pattern: unknown, why: string) =>
  new TemplateRuntimeError(`Regular expression ${JSON.stringify(pyStr(pattern).slice(0, 80))} from data ${why}`, 'K-SEC-006', {
    suggestion: 'Write it as a literal in the template, or pass a RegExp from host code',
  });
export const t_match: Test = (v, pattern) => {
  if (v === null || v === undefined) return false;
  const re = pyRegex(pattern);
  const data = !(pattern instanceof RegExp) && !TRUSTED.has(pyStr(pattern));
  let m = matchers.get(re);
  if (!m) {
    const lin = linearMatcher(re.source, re.flags);
    if (!lin && data) throw refuse(pattern, 'needs backtracking (lookaround, backreference, huge repeat)');
    if (!lin) compilable(re.source); // (a template's literal, or a host RegExp, that V8 could not compile without ending the process)
    matchers.set(re, (m = lin ?? ((s) => ((re.lastIndex = 0), re.test(s)))));
  }
  const s = pyStr(v);
  // (a pattern of thousands of states from data would walk them all at each character)
  const r = m(s, data ? PER_CHAR * s.length + BASE : Infinity);
  if (r === undefined) throw refuse(pattern, 'is too costly for this text');
  return r;
};
/**
 * Called by compiled modules that name a test at run time where it may be `match` (not on load:
 * a module-level call would keep this module in every bundle that re-exports it).
 */
export function useMatch(): void {
  MATCH.f = t_match;
}
