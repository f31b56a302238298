// The linear matcher behind `is match` (runtime/regex.ts) means what the RegExp it replaces
// means: on generated patterns and texts its answer equals a sticky RegExp's `test` at 0, and
// its time stays linear in the text where the RegExp's is quadratic.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { linearMatcher } from '../../runtime/regex.js';
import { compile } from '../../compiler/index.js';
import { MATCH, tests, trustRegex } from '../../runtime/tests.js';
import { t_match, useMatch } from '../../runtime/match.js';

const ATOMS = ['a', 'b', 'A', '-', '.', '\\.', '\\d', '\\D', '\\w', '\\W', '\\s', '\\S', '[ab]', '[^a]', '[a-c]', '[\\d_]', '[]', '[^]', '[\\]a]',
  '\\x41', '\\u0062', '\\n', '\\t', '{', '}', ']', '\\/', '\\-', '\\0', '\\cJ', 'é', 'K', 'ſ', '[A-Z]', '[\\s\\S]'];
const QUANTS = ['', '', '', '*', '+', '?', '{2}', '{1,3}', '{0,}', '*?', '+?', '??', '{2,}?'];
const ASSERTS = ['^', '$', '\\b', '\\B', '(?![\\s\\S])']; // (the last: pyRegex's \\Z)

const pattern: fc.Arbitrary<string> = fc.letrec((tie) => ({
  atom: fc.oneof(
    { weight: 6, arbitrary: fc.tuple(fc.constantFrom(...ATOMS), fc.constantFrom(...QUANTS)).map(([a, q]) => a + q) },
    { weight: 1, arbitrary: fc.constantFrom(...ASSERTS) },
    { weight: 2, arbitrary: fc.tuple(fc.constantFrom('(', '(?:'), tie('alt') as fc.Arbitrary<string>, fc.constantFrom(...QUANTS)).map(([g, x, q]) => `${g}${x})${q}`) },
  ),
  seq: fc.array(tie('atom') as fc.Arbitrary<string>, { maxLength: 4 }).map((xs) => xs.join('')),
  alt: fc.array(tie('seq') as fc.Arbitrary<string>, { minLength: 1, maxLength: 3 }).map((xs) => xs.join('|')),
})).alt as fc.Arbitrary<string>;
const text = fc.array(fc.constantFrom('a', 'b', 'A', 'B', '-', '\n', ' ', '.', '1', '_', '{', '}', ']', 'é', 'É', 'k', 'K', 's', 'S', '\0'), { maxLength: 12 }).map((xs) => xs.join(''));
const flags = fc.subarray(['i', 'm', 's']).map((f) => f.join(''));

const regexTest = (p: string, f: string, s: string): boolean | null => {
  let re: RegExp;
  try {
    re = new RegExp(p, `${f}y`);
  } catch {
    return null;
  }
  re.lastIndex = 0;
  return re.test(s);
};

describe('the linear matcher', () => {
  it('answers as a sticky RegExp at index 0 does (property)', () => {
    fc.assert(
      fc.property(pattern, flags, fc.array(text, { minLength: 1, maxLength: 6 }), (p, f, texts) => {
        if (regexTest(p, f, '') === null) return; // (not a pattern: the RegExp's error stands)
        const m = linearMatcher(p, `${f}y`);
        expect(m, p).not.toBeNull();
        for (const s of texts) expect(m!(s), `/${p}/${f} on ${JSON.stringify(s)}`).toBe(regexTest(p, f, s));
      }),
      // (a fixed sample: the oracle is V8's backtracking RegExp, which some random nested
      // patterns send into exponential time even on 12 characters, the very thing the linear
      // matcher exists to avoid)
      { numRuns: 3000, seed: 20261206 },
    );
  });

  it('leaves lookaround, backreferences, Unicode mode and huge repeats to the RegExp', () => {
    for (const p of ['(?=a)', '(?!a)b', '(?<=a)b', '(?<!a)b', '(a)\\1', '(?<n>a)\\k<n>', 'a{20000}', '(a{200}){200}'])
      expect(linearMatcher(p, 'y'), p).toBeNull();
    expect(linearMatcher('a', 'uy')).toBeNull();
    expect(linearMatcher('(?<n>a)b', 'y')!('ab')).toBe(true);
    expect(linearMatcher('a(?![\\s\\S])', 'y')).not.toBeNull(); // (\\Z, as pyRegex writes it)
  });

  it('serves `match` named at run time once a module calls useMatch()', () => {
    useMatch();
    expect(MATCH.f).toBe(t_match);
  });

  it('is registered by compiled modules whose select/reject/selectattr/rejectattr may name it', () => {
    const registers = (src: string, sandbox = false) => /\$useMatch\(\);/.test(compile(src, { name: 't.html', sandbox }).code);
    for (const src of ['{{ xs | select("match", "a") | list }}', '{{ xs | reject(t) | list }}', '{{ xs | selectattr("a", "match", p) | list }}', '{{ xs | rejectattr("a", t ~ "") | list }}'])
      for (const sandbox of [false, true]) expect(registers(src, sandbox), `${src} ${sandbox}`).toBe(true);
    for (const src of ['{{ xs | select("odd") | list }}', '{{ xs | select | list }}', '{{ xs | selectattr("a") | list }}', '{{ x is match("a") }}'])
      expect(registers(src), src).toBe(false);
  });

  it('keeps `is match` as Python re.match: anchored at the start only, flags, named groups, \\A \\Z', () => {
    const m = (s: string, p: string) => tests.match!(s, p);
    expect(m('abc', 'b')).toBe(false);
    expect(m('abc', 'ab')).toBe(true);
    expect(m('abc', 'a.*c$')).toBe(true);
    expect(m('ABC', '(?i)abc')).toBe(true);
    expect(m('x\ny', '(?m)x$')).toBe(true);
    expect(m('x\ny', 'x$')).toBe(false);
    expect(m('a\nb', '(?s)a.b')).toBe(true);
    expect(m('2024-01', '(?P<y>\\d{4})-(?P<m>\\d\\d)\\Z')).toBe(true);
    expect(m('2024-01x', '(?P<y>\\d{4})-(?P<m>\\d\\d)\\Z')).toBe(false);
    // (a backreference: the RegExp runs, for a pattern a template wrote: not from data)
    expect(() => m('aa', '(?P<c>a)(?P=c)')).toThrow(/from data needs backtracking/);
    trustRegex('(?P<c>a)(?P=c)');
    expect(m('aa', '(?P<c>a)(?P=c)')).toBe(true);
    expect(() => m('a', '(')).toThrow();
  });
});
