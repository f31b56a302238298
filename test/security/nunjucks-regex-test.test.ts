// Issue #19 §2, Nunjucks mode outside the sandbox: a template's own `r/…/` literal may backtrack
// (trusted like JavaScript code), but hostile data reaching it must not make it exponential.
// `re.test(s)` (no g/y flag) asks only whether a match exists: runtime/nunjucks/guards.ts answers
// it with the linear matcher alone, V8's RegExp never runs such a pattern then.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { njkEnv } from './nunjucks-support.js';
import { compile } from '../../compiler/index.js';

const env = njkEnv();
const PATTERNS = ['(a+)+c|a', '(a|aa)*c|b', '^(\\w+\\s?)*$', '(x+x+)+y', '(a|a)*c|a+'];

describe('r/…/.test on hostile data', () => {
  it('nested quantifiers that do match: linear, not exponential', () => {
    for (const p of PATTERNS) {
      const t = env.fromString(`{{ r/${p}/.test(s) }}`);
      const s = 'a'.repeat(5_000) + 'x'.repeat(5_000) + ' !';
      const t0 = performance.now();
      const out = t.render({ s });
      expect(performance.now() - t0, p).toBeLessThan(2_000);
      expect(out, p).toBe(String(new RegExp(p).test('a'.repeat(8) + 'x'.repeat(8) + ' !')));
    }
  });
  it('property: the same answer as the RegExp on small subjects', () => {
    const ts = PATTERNS.map((p) => [new RegExp(p), env.fromString(`{{ r/${p}/.test(s) }}`)] as const);
    fc.assert(
      fc.property(fc.string({ maxLength: 14 }).map((s) => s.replace(/[^acxy b]/g, 'a')), (s) => {
        for (const [re, t] of ts) expect(t.render({ s })).toBe(String(re.test(s)));
      }),
      { numRuns: 400 },
    );
  });
  it('with g or y, test keeps its lastIndex semantics (the RegExp runs once a match is known)', () => {
    expect(env.fromString('{% set re = r/a+b/g %}{{ re.test(s) }}{{ re.lastIndex }}{{ re.test(s) }}').render({ s: 'xaab' })).toBe('true4false');
  });
});

describe('kida check warns about r/…/ literals V8 may backtrack on (K-SEC-006)', () => {
  const warn = (src: string, sandbox = false) =>
    compile(src, { compat: 'nunjucks', name: 't', sandbox }).warnings.filter((w) => w.code === 'K-SEC-006').map((w) => w.message);
  it('a nested quantifier warns, once per literal; a backtrack-safe one does not', () => {
    expect(warn('{{ s.replace(r/(a+)+b/g, "x") }}')).toEqual([expect.stringContaining('exponential time')]);
    expect(warn('{{ s.split(r/,\\s*/) }}{{ s.replace(r/abc/g, "") }}')).toEqual([]);
    expect(warn('{{ s.replace(r/(a|a)*b/, "x") }}', true)).toEqual([expect.stringContaining('the sandbox refuses it')]);
  });
});
