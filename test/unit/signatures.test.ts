// runtime/signatures.ts lists what the compiler binds calls against (so the compiler does not load
// the built-ins themselves): its lists must name exactly the built-ins the runtime has.
import { describe, expect, it } from 'vitest';
import { filters } from '../../runtime/filters.js';
import { builtinGlobals } from '../../runtime/globals.js';
import { mdFilters } from '../../runtime/markdown.js';
import { methodNames } from '../../runtime/methods.js';
import { GLOBAL_NAMES, MARKDOWN_ONLY_FILTERS, METHOD_NAMES, filterNeedsEnv, filterParams, mdFilterParams, testParams } from '../../runtime/signatures.js';
import { tests } from '../../runtime/tests.js';

const sorted = (xs: Iterable<string>) => [...xs].sort();

describe('signatures of the built-ins', () => {
  it('name every built-in filter, test and Markdown filter, and nothing else', () => {
    expect(sorted(Object.keys(filterParams))).toEqual(sorted(Object.keys(filters)));
    expect(sorted(Object.keys(testParams))).toEqual(sorted(Object.keys(tests)));
    expect(sorted(Object.keys(mdFilterParams))).toEqual(sorted(Object.keys(mdFilters)));
    expect(sorted(MARKDOWN_ONLY_FILTERS)).toEqual(sorted(Object.keys(mdFilters).filter((n) => !(n in filters))));
    for (const n of filterNeedsEnv) expect(filters).toHaveProperty(n);
  });

  it('name every built-in global and Python method', () => {
    expect(sorted(GLOBAL_NAMES)).toEqual(sorted(Object.keys(builtinGlobals)));
    expect(sorted(METHOD_NAMES)).toEqual(sorted(methodNames()));
  });

  it('list no more parameters than a filter or test can take (varargs aside)', () => {
    for (const [table, params] of [[filters, filterParams], [tests, testParams], [mdFilters, mdFilterParams]] as const)
      for (const [name, ps] of Object.entries(params)) {
        const f = (table as Record<string, (...a: unknown[]) => unknown>)[name]!;
        if (!ps.some((p) => p.startsWith('*'))) expect(f.length, name).toBeLessThanOrEqual(ps.length + 1);
      }
  });
});
