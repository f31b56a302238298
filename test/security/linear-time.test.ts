// Linear time on hostile data (issue #19 §2, docs/security.md): every built-in filter, test,
// method, global and Markdown filter, and the other paths data reaches (number parsing,
// %-formatting, str.format, escaping, the lexer), given a worst case built for it
// (worst-cases.mjs) at 100 KB and at 200 KB, must take about twice as long at twice the size,
// not four times. The tables are iterated, so a new built-in without a worst case fails here.
//
// The clock is CPU time (process.cpuUsage), the least of a few runs, measured again after forced
// collections while the ratio looks high: the machine running the suite is shared.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
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
// @ts-expect-error: a plain ES module shared with bench/worst-cases.mjs
import { worstCases } from './worst-cases.mjs';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

methods.useAllMethods();
useMatch(); // (`match` named at run time: what compiled modules that may name it do)
const sandboxed = makeEnv({}, { sandbox: true });
type Case = [string, (n: number) => () => unknown];
type Table = Record<string, Case[]>;
const tables = worstCases({
  filters, tests, methods, globals, values, markup, markdown, output,
  compile: (src: string) => sandboxed.fromString(src),
}) as Record<'filters' | 'tests' | 'methods' | 'globals' | 'markdown' | 'paths', Table>;

const N = 100_000;
/**
 * Below this many ms of CPU at 200 KB a case passes whatever its ratio: allocation and
 * collection make small times noisy, and each quadratic this test caught took seconds at 200 KB.
 */
const FLOOR_MS = 60;
/** Allowed on top of three times the 100 KB time: collection pauses grow with the live heap. */
const SLACK_MS = 25;
/** No case may take longer at 200 KB. */
const CEILING_MS = 2_000;
/** Cases listed but not timed here (none: csp_nonce's tag scan is linear since the escaping work). */
const ELSEWHERE = new Set<string>();

const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
function timeOnce(run: () => unknown, collect: boolean): number {
  if (collect) gc();
  const t0 = cpuMs();
  run();
  return cpuMs() - t0;
}
/**
 * The least CPU time at 100 KB and at 200 KB, the two sizes measured in turn (so that a busy
 * moment of the machine falls on both); measured again, collecting first, while the ratio looks high.
 */
function measure(make: (n: number) => () => unknown): { t1: number; t2: number } {
  const small = make(N);
  const large = make(2 * N);
  small();
  large();
  let t1 = Infinity;
  let t2 = Infinity;
  for (let attempt = 0; attempt < 6; attempt++) {
    for (let i = 0; i < 2; i++) {
      t1 = Math.min(t1, timeOnce(small, attempt > 0));
      t2 = Math.min(t2, timeOnce(large, attempt > 0));
    }
    if (t2 < FLOOR_MS || t2 < 3 * t1 + SLACK_MS) break;
  }
  return { t1, t2 };
}

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
          const { t1, t2 } = measure(make);
          const what = `${kind}.${name} [${label}]: ${t1.toFixed(1)} ms → ${t2.toFixed(1)} ms`;
          expect(t2 < FLOOR_MS || t2 < 3 * t1 + SLACK_MS, what).toBe(true);
          expect(t2 < CEILING_MS, what).toBe(true);
        });
      }
    }
  });
}
