// Issue #19 §2, Nunjucks mode outside the sandbox: a pattern V8 could backtrack on — a template's
// `r/…/` literal, or data passed to match/search/matchAll — runs on the Pike VM
// (runtime/regex-exec.ts via runtime/nunjucks/regex-run.ts) when it matches: the same results
// as the RegExp's, and hostile text no longer makes them exponential.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { preflight } from '../../runtime/nunjucks/guards.js';
import { njkEnv } from './nunjucks-support.js';

/** What `obj[name](...args)` gives through preflight (the VM), or the method itself when preflight lets it run. */
function viaPreflight(obj: unknown, name: string, args: unknown[]): unknown {
  const a = [...args];
  const r = preflight(obj, name, a);
  const v = r ? r.v : (obj as Record<string, (...x: unknown[]) => unknown>)[name]!(...a);
  return shape(v);
}
const shape = (v: unknown): unknown =>
  v && typeof v === 'object' && typeof (v as Iterator<unknown>).next === 'function' && !Array.isArray(v)
    ? [...(v as Iterable<unknown>)].map(shape)
    : Array.isArray(v)
      ? { items: [...v], index: (v as RegExpExecArray).index, groups: (v as RegExpExecArray).groups && { ...(v as RegExpExecArray).groups } }
      : v;
const direct = (obj: unknown, name: string, args: unknown[]) => shape((obj as Record<string, (...x: unknown[]) => unknown>)[name]!(...args));

// Patterns that are not backtrack-safe (two quantifiers, alternatives in groups) but that the VM runs.
const PATTERNS = ['(a+)+b', '(a|b)c*', '(?<x>a+)(?<y>b?)', '\\s+|,', '^\\s+|\\s+$', 'a*?b+', '(a)(b)?c|a', '[ab]+c?', '(?:ab|a)(b*)', '\\b\\w+\\b'];
const text = fc.array(fc.constantFrom('a', 'b', 'c', ' ', ',', 'x'), { maxLength: 10 }).map((xs) => xs.join(''));

describe('the VM gives the RegExp\'s results', () => {
  it('property: replace, replaceAll, split, match, matchAll, search, exec, test', () => {
    fc.assert(
      fc.property(fc.constantFrom(...PATTERNS), fc.constantFrom('', 'g', 'i', 'gi', 'y', 'gy', 'm'), text, fc.constantFrom('[$&]', '$1-$2', '$<x>|$`|$\'', '$$', '$10', ''), fc.constantFrom(undefined, 0, 1, 3), fc.nat(4), (p, f, s, rep, limit, last) => {
        const calls: [string, unknown[]][] = [
          ['replace', [new RegExp(p, f), rep]],
          ['replace', [new RegExp(p, f), (...a: unknown[]) => JSON.stringify(a.slice(0, -1))]],
          ['split', [new RegExp(p, f), limit]],
          ['match', [new RegExp(p, f)]],
          ['search', [new RegExp(p, f)]],
        ];
        if (f.includes('g')) calls.push(['replaceAll', [new RegExp(p, f), rep]], ['matchAll', [new RegExp(p, f)]]);
        for (const [name, args] of calls) {
          const mine = () => viaPreflight(s, name, args.map((a) => (a instanceof RegExp ? new RegExp(a.source, a.flags) : a)));
          const theirs = () => direct(s, name, args.map((a) => (a instanceof RegExp ? new RegExp(a.source, a.flags) : a)));
          expect(mine(), `${name} /${p}/${f} ${JSON.stringify(s)}`).toEqual(theirs());
        }
        for (const name of ['exec', 'test']) {
          const [r1, r2] = [new RegExp(p, f), new RegExp(p, f)];
          r1.lastIndex = r2.lastIndex = last;
          const mine = viaPreflight(r1, name, [s]);
          const theirs = direct(r2, name, [s]);
          expect([mine, r1.lastIndex], `${name} /${p}/${f} ${JSON.stringify(s)} from ${last}`).toEqual([theirs, r2.lastIndex]);
        }
      }),
      { numRuns: 3000 },
    );
  });
});

describe('hostile text that matches: not exponential', () => {
  const env = njkEnv();
  const cases: [string, string][] = [
    ['{{ s.replace(r/(a+)+c|a/g, "x") | length }}', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab'],
    ['{{ s.split(r/(a|aa)*c|b/) | length }}', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab'],
    ['{{ s.match(r/(x+x+)+y|x/) }}', 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxz'],
    ['{{ s.search(pattern) }}', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!b'],
    ['{{ r/(a+)+c|b/g.exec(s) }}', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab'],
  ];
  for (const [src, s] of cases)
    it(src, () => {
      const t0 = performance.now();
      const out = env.fromString(src).render({ s, pattern: '(a+)+c|b' });
      expect(performance.now() - t0).toBeLessThan(2_000);
      expect(out).not.toBe('');
    });
});
