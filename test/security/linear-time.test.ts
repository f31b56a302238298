// Linear time on hostile data (issue #19 §2, docs/security.md): every built-in filter, test,
// method, global and Markdown filter, and the other paths data reaches (number parsing,
// %-formatting, str.format, escaping, the lexer), given a worst case built for it
// (worst-cases.mjs) at 100 KB and at 200 KB, must take about twice as long at twice the size,
// not four times. The tables are iterated, so a new built-in without a worst case fails here.
// The clock is linear-clock.ts's.
import { describe, expect, it } from 'vitest';
import * as filters from '../../runtime/filters.js';
import * as tests from '../../runtime/tests.js';
import { useMatch } from '../../runtime/match.js';
import * as methods from '../../runtime/methods.js';
import * as globals from '../../runtime/globals.js';
import * as values from '../../runtime/values.js';
import * as markup from '../../runtime/markup.js';
import * as markdown from '../../runtime/markdown.js';
import * as output from '../../runtime/output.js';
import { METHOD_NAMES } from '../../runtime/signatures.js';
import { makeEnv } from '../support.js';
import { expectLinear } from './linear-clock.js';
// @ts-expect-error: a plain ES module shared with bench/worst-cases.mjs
import { worstCases } from './worst-cases.mjs';

methods.useAllMethods();
useMatch(); // (`match` named at run time: what compiled modules that may name it do)
const sandboxed = makeEnv({}, { sandbox: true });
type Case = [string, (n: number) => () => unknown];
type Table = Record<string, Case[]>;
const tables = worstCases({
  filters, tests, methods, globals, values, markup, markdown, output,
  compile: (src: string) => sandboxed.fromString(src),
}) as Record<'filters' | 'tests' | 'methods' | 'globals' | 'markdown' | 'paths', Table>;

/** Cases listed but not timed here (none: csp_nonce's tag scan is linear since the escaping work). */
const ELSEWHERE = new Set<string>();

describe('every built-in has a worst case', () => {
  const has = (t: Table, name: string) => Array.isArray(t[name]) && t[name]!.length > 0;
  it('filters', () => expect(Object.keys(filters.filters).filter((k) => !has(tables.filters, k))).toEqual([]));
  it('tests', () => expect(Object.keys(tests.tests).filter((k) => !has(tables.tests, k))).toEqual([]));
  it('methods', () => {
    expect(methods.methodNames().filter((k) => !has(tables.methods, k))).toEqual([]);
    expect(METHOD_NAMES.filter((k) => !has(tables.methods, k))).toEqual([]);
  });
  it('globals', () => expect(Object.keys(globals.builtinGlobals).filter((k) => !has(tables.globals, k))).toEqual([]));
  it('Markdown filters', () => expect(Object.keys(markdown.mdFilters).filter((k) => !has(tables.markdown, k))).toEqual([]));
});

for (const [kind, table] of Object.entries(tables)) {
  describe(`${kind}: 200 KB costs about twice 100 KB`, () => {
    for (const [name, cases] of Object.entries(table)) {
      for (const [label, make] of cases) {
        const timed = ELSEWHERE.has(`${kind}.${name}`) ? it.skip : it;
        timed(`${name} (${label})`, () => {
          expectLinear(make, `${kind}.${name} [${label}]`);
        });
      }
    }
  });
}
