// The differential corpus by theme (test/e2e/nunjucks-differential.test.ts runs it).
import type { Case } from './harness.js';
import { filters } from './filters.js';
import { operators, supersets, tests, values } from './expressions.js';
import { statements } from './statements.js';
import { inheritance, macros, scoping } from './templates.js';
import { parsing } from './parsing.js';
import { compat, errors, escaping, globals, undefinedStrict, whitespace } from './misc.js';
import { real } from './real.js';

/** Divergences not fixed yet, by case name (docs/guide/nunjucks.md "Not done yet"): those cases expect to fail. */
const KNOWN: Record<string, string> = {
};
const mark = (cases: Case[]) => cases.map((c) => (KNOWN[c.name] ? { ...c, known: KNOWN[c.name] } : c));

export const THEMES: Record<string, Case[]> = {
  filters,
  values,
  operators,
  tests,
  statements,
  macros,
  scoping,
  inheritance,
  globals,
  whitespace,
  escaping,
  'jinja-compat and regex': compat,
  throwOnUndefined: undefinedStrict,
  errors,
  'parser and lexer': parsing,
  'intended divergences': supersets,
  'real templates': real,
};
for (const k of Object.keys(THEMES)) THEMES[k] = mark(THEMES[k]!);
