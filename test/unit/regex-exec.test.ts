// The Pike VM behind Nunjucks mode's regular expressions (runtime/regex-exec.ts) finds what
// RegExp#exec finds — the same match, index and groups — on generated patterns and texts, from
// any start, sticky or not; and it stays linear where the RegExp backtracks exponentially.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { linearExec } from '../../runtime/regex-exec.js';
import { measurePair } from '../security/linear-clock.js';

const ATOMS = ['a', 'b', 'A', '-', '.', '\\.', '\\d', '\\w', '\\W', '\\s', '[ab]', '[^a]', '[a-c]', '\\n', 'é', 'K', '[A-Z]', '[\\s\\S]'];
const QUANTS = ['', '', '', '*', '+', '?', '{2}', '{1,3}', '{0,}', '*?', '+?', '??', '{2,}?', '{0,2}?'];
const ASSERTS = ['^', '$', '\\b', '\\B'];
const pattern: fc.Arbitrary<string> = fc.letrec((tie) => ({
  atom: fc.oneof(
    { weight: 6, arbitrary: fc.tuple(fc.constantFrom(...ATOMS), fc.constantFrom(...QUANTS)).map(([a, q]) => a + q) },
    { weight: 1, arbitrary: fc.constantFrom(...ASSERTS) },
    { weight: 3, arbitrary: fc.tuple(fc.constantFrom('(', '(?:', '(?<n>'), tie('alt') as fc.Arbitrary<string>, fc.constantFrom(...QUANTS)).map(([g, x, q]) => `${g}${x})${q}`) },
  ),
  seq: fc.array(tie('atom') as fc.Arbitrary<string>, { maxLength: 4 }).map((xs) => xs.join('')),
  alt: fc.array(tie('seq') as fc.Arbitrary<string>, { minLength: 1, maxLength: 3 }).map((xs) => xs.join('|')),
})).alt as fc.Arbitrary<string>;
const text = fc.array(fc.constantFrom('a', 'b', 'A', '-', '\n', ' ', '.', '1', '_', 'é', 'k', 'K'), { maxLength: 10 }).map((xs) => xs.join(''));
const flags = fc.subarray(['i', 'm', 's']).map((f) => f.join(''));

/** [index, ...groups] as RegExp#exec gives them, from `from`. */
function v8(p: string, f: string, s: string, from: number, sticky: boolean): unknown {
  const re = new RegExp(p, f + (sticky ? 'y' : 'g'));
  re.lastIndex = from;
  const m = re.exec(s);
  return m && [m.index, ...m];
}
function mine(p: string, f: string, s: string, from: number, sticky: boolean): unknown {
  const x = linearExec(p, f);
  if (!x) return 'unsupported';
  const c = x(s, from, sticky);
  return c && [c[0], ...Array.from({ length: c.length / 2 }, (_, i) => (c[2 * i]! < 0 ? undefined : s.slice(c[2 * i], c[2 * i + 1])))];
}

describe('linearExec', () => {
  it('finds what RegExp#exec finds (property)', () => {
    fc.assert(
      fc.property(pattern, flags, text, fc.nat(10), fc.boolean(), (p, f, s, from, sticky) => {
        // (duplicate group names are a SyntaxError: such patterns are skipped)
        try {
          new RegExp(p, f);
        } catch {
          return;
        }
        const got = mine(p, f, s, Math.min(from, s.length), sticky);
        if (got !== 'unsupported') expect(got).toEqual(v8(p, f, s, Math.min(from, s.length), sticky));
      }),
      { numRuns: 20_000 },
    );
  });
  it('a lazy bounded repeat tries one more iteration before another way through the first', () => {
    // (x{0,2}? built as x??x?? tried the first iteration's next alternative before a second iteration)
    for (const [p, s, from] of [['((\\s?aa{0,}){0,2}?|)\\B|', '.aa\naa', 1], ['(a|ab){0,2}?c', 'abac', 0], ['(a+?){1,3}?b', 'aaab', 0], ['(?:(a)|b){0,3}?$', 'aba', 0]] as const)
      for (const sticky of [false, true]) expect(mine(p, '', s, from, sticky), `${p} ${JSON.stringify(s)}`).toEqual(v8(p, '', s, from, sticky));
  });
  it('many(s) finds what exec finds, from every start, sticky or not (property)', () => {
    fc.assert(
      fc.property(pattern, flags, text, (p, f, s) => {
        try {
          new RegExp(p, f);
        } catch {
          return;
        }
        const x = linearExec(p, f);
        if (!x) return;
        const m = x.many(s)!;
        for (let from = 0; from <= s.length; from++)
          for (const sticky of [false, true]) expect(Array.from(m(from, sticky) ?? []), `${p} /${f} ${JSON.stringify(s)} @${from}`).toEqual(Array.from(x(s, from, sticky) ?? []));
      }),
      { numRuns: 5_000 },
    );
  });
  it('many: every match of a pattern whose preferred alternative fails only at the end, in linear time', () => {
    // (calling exec at each match's end scans to the end of the text each time: 4,000 characters took 15 s)
    const x = linearExec('(a+)+c|a', '')!;
    const all = (n: number) => {
      const s = 'a'.repeat(n);
      return () => {
        const m = x.many(s)!;
        let k = 0;
        for (let c = m(0, false); c; c = m(c[1]!, false)) k++;
        expect(k).toBe(n);
      };
    };
    const { t1, t2 } = measurePair(all(100_000), all(200_000));
    expect(t2, `${t1} -> ${t2} ms`).toBeLessThan(3 * t1 + 50);
  });
  it('patterns V8 backtracks on exponentially: linear', () => {
    for (const p of ['(a+)+c|a', '(a|aa)*c|a', '(x+x+)+y|x']) {
      const x = linearExec(p, '')!;
      const s = (p.includes('x') ? 'x' : 'a').repeat(20_000) + 'b';
      const t0 = performance.now();
      const m = x(s, 0, false);
      expect(performance.now() - t0, p).toBeLessThan(3_000);
      expect(m && [m[0], m[1]]).toEqual([0, 1]);
    }
  });
});
