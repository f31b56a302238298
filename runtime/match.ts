// `is match` in time linear in the text (runtime/regex.ts), and the switch that makes `match`
// named at run time (select/reject/selectattr/rejectattr, the tests table) use it too.
// Its own module: only bundles whose templates may use the test carry the matcher.

import { MATCH, pyRegex, type Test } from './tests.js';
import { pyStr } from './values.js';
import { linearMatcher } from './regex.js';

/** Compiled matchers by RegExp: the linear matcher, else the RegExp (docs/regex-audit.md). */
const matchers = new WeakMap<RegExp, (s: string) => boolean>();
export const t_match: Test = (v, pattern) => {
  if (v === null || v === undefined) return false;
  const re = pyRegex(pattern);
  let m = matchers.get(re);
  if (!m) {
    const lin = linearMatcher(re.source, re.flags);
    matchers.set(re, (m = lin ?? ((s) => ((re.lastIndex = 0), re.test(s)))));
  }
  return m(pyStr(v));
};
/**
 * Called by compiled modules that name a test at run time where it may be `match` (not on load:
 * a module-level call would keep this module in every bundle that re-exports it).
 */
export function useMatch(): void {
  MATCH.f = t_match;
}
