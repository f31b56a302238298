// Issue #19 §4: the sandbox's resource limits hold for every construct that loops, recurses,
// builds or prints, in every entry point; default mode refuses sizes that would abort V8.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { makeEnv } from '../support.js';
import { SANDBOX_DEFAULTS, normalizePolicy } from '../../runtime/sandbox.js';
import { MAX_CHARS, MAX_ITEMS } from '../../runtime/limits.js';
import { refused, renders } from './sandbox-support.js';

const few = { maxLoopIterations: 50 };
const nums = () => ({ xs: Array.from({ length: 200 }, (_, i) => i) });

describe('sandbox: true defaults', () => {
  it('are finite and documented numbers', () => {
    expect(SANDBOX_DEFAULTS).toEqual({ maxRange: 10_000, maxOutputSize: 1_000_000, maxLoopIterations: 100_000, maxRenderTime: 1_000, maxAllocation: 1_000_000 });
    const p = normalizePolicy(true);
    expect([p.maxLoopIterations, p.maxRenderTime, p.maxOutputSize, p.maxAllocation]).toEqual([100_000, 1_000, 1_000_000, 1_000_000]);
  });
  it('apply to the keys a policy object leaves out; null turns one off; snake_case is read', () => {
    const p = normalizePolicy({ max_range: 5, maxLoopIterations: null, allowed_attributes: ['a'] });
    expect(p.maxRange).toBe(5);
    expect(p.maxLoopIterations).toBeNull();
    expect(p.maxRenderTime).toBe(1_000);
    expect(p.allowedAttributes).toEqual(['a']);
  });
  it('end {% while true %} in a SecurityError', async () => {
    const e = await refused('{% while true %}x{% end %}', 'K-SEC-003', undefined, { maxOutputSize: null });
    expect(e.message).toMatch(/Loop iterations exceed sandbox limit of 100000|Render time exceeds sandbox limit of 1000/); // (whichever comes first on a loaded machine)
  });
  it('end a long render by its wall time', () => {
    const t = makeEnv({}, { sandbox: { maxRenderTime: 30, maxLoopIterations: null, maxOutputSize: null } as never }).fromString(
      '{% while true %}{{ "ab" | upper }}{% end %}',
    );
    const start = Date.now();
    expect(() => t.render()).toThrow(/Render time exceeds sandbox limit of 30/);
    expect(Date.now() - start).toBeLessThan(2_000);
  });
});

describe('maxLoopIterations counts every construct that iterates', () => {
  it('comprehensions, nested ones included', async () => {
    await refused('{{ [x for x in xs] | length }}', 'K-SEC-003', nums, few);
    await refused('{{ [[y for y in range(10)] for x in range(10)] | length }}', 'K-SEC-003', undefined, few);
  });
  it('def calls (recursion) and include fan-out', async () => {
    await refused('{% def f(n) %}{% if n %}{{ f(n - 1) }}{% end %}{% end %}{{ f(60) }}', 'K-SEC-003', undefined, few);
    await refused('{% include "a" %}', 'K-SEC-003', undefined, few, {
      a: '{% include "b" %}{% include "b" %}{% include "b" %}',
      b: '{% include "c" %}{% include "c" %}{% include "c" %}',
      c: '{% include "d" %}{% include "d" %}{% include "d" %}',
      d: '{% include "e" %}{% include "e" %}{% include "e" %}',
      e: 'x',
    });
  });
  it('try/fallback blocks, which cannot swallow the limit', async () => {
    await refused('{% for i in range(40) %}{% try %}{{ i }}{% fallback %}-{% end %}{% end %}', 'K-SEC-003', undefined, few);
    await refused('{% try %}{% while true %}{% end %}{% fallback %}caught{% end %}', 'K-SEC-003', undefined, few);
  });
  it.each(['map(attribute="a")', 'select("odd")', 'sort', 'batch(3)', 'slice(3)', 'join(",")', 'sum', 'unique', 'reverse', 'list', 'dictsort'])(
    'the items filter %s walks',
    async (f) => {
      const data = () => ({ xs: f === 'dictsort' ? Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`k${i}`, i])) : nums().xs });
      const src = f === 'dictsort' ? `{{ xs | dictsort | length }}` : `{{ xs | ${f} | list | length }}`;
      await refused(src, 'K-SEC-003', data, few);
    },
  );
  it('items of an endless iterator a filter consumes, counted as they come', async () => {
    const endless = () => ({
      g: (function* () {
        for (let i = 0; ; i++) yield i;
      })(),
    });
    await refused('{{ g | list | length }}', 'K-SEC-003', endless, few);
    await refused('{{ g | join(",") }}', 'K-SEC-003', endless, few);
  });
  it('a for that uses loop over an endless iterator does not copy it', async () => {
    const endless = () => ({
      g: (function* () {
        for (let i = 0; ; i++) yield i;
      })(),
    });
    await refused('{% for x in g %}{{ loop.index }}{% if loop.last %}!{% end %}{% end %}', 'K-SEC-003', endless, few);
    await refused('{% for x in g %}{{ loop.length }}{% end %}', 'K-SEC-003', endless, { maxLoopIterations: 1_000 });
  });
  it('the receiver of split/rsplit methods by the parts they give, and calls to globals', async () => {
    await refused('{{ s.rsplit(",") | length }}', 'K-SEC-003', () => ({ s: 'a,'.repeat(100) }), few);
    await refused('{{ sorted(xs) | length }}', 'K-SEC-003', nums, few);
  });
  it('the text a regex test scans, and refuses patterns only a backtracking matcher can run', async () => {
    await refused('{{ s is match("a") }}', 'K-SEC-003', () => ({ s: 'a'.repeat(100) }), few);
    // (the linear matcher runs nested quantifiers in linear time: runtime/regex.ts)
    await renders('{{ s is match("(a+)+$") }}{{ s is match("(a|aa)*c") }}', 'FalseFalse', () => ({ s: 'a'.repeat(5_000) + 'b' }));
    for (const p of ['(?=a)a', '(?!b)a*a*b', '(?<=a)b', '(?P<x>a)(?P=x)', '(a)\\1', 'a{20000}']) {
      const e = await refused(`{{ s is match(${JSON.stringify(p)}) }}`, 'K-SEC-003', () => ({ s: 'a'.repeat(30) }));
      expect(e.message).toMatch(/lookaround, backreferences/);
    }
    await refused('{{ xs | select("match", "(?=a)") | list }}', 'K-SEC-003', () => ({ xs: ['a'] }));
    // a big pattern costs more per character: 2,000 states make 20 iterations of each
    await refused('{{ s is match("a?" * 1000 ~ "b") }}', 'K-SEC-003', () => ({ s: 'a'.repeat(3) }), few);
    await renders('{{ "abc" is match("a[bc]+") }}{{ "12" is match("\\\\d+\\\\Z") }}{{ "12x" is match("\\\\d+\\\\Z") }}', 'TrueTrueFalse');
    await refused('{{ xs | select("match", "a*a*b") | list | length }}', 'K-SEC-003', () => ({ xs: ['a'.repeat(60)] }), few);
  });
  it('leaves small renders alone', async () => {
    await renders('{% for x in xs %}{{ x }}{% end %}|{{ [x * 2 for x in xs] | sum }}', '0123|12', () => ({ xs: [0, 1, 2, 3] }), few);
  });
});

describe('allocation bound (K-SEC-003 before building)', () => {
  it.each([
    ['[0] * 10**8', 'list repetition'],
    ['"x" * 4 * 10**8', 'string repetition'],
    ['"%400000000s" % 1', '% width'],
    ['"%.400000000f" % 1', '% precision'],
    ['"{:>400000000}".format(1)', 'format width'],
    ['"{:400000000}" | format(1)', 'format filter width'],
    ['"a" | center(10**8)', 'center'],
    ['"a".ljust(10**8)', 'ljust'],
    ['"a".center(10**8)', 'str.center'],
    ['"a\\nb" | indent(10**8)', 'indent'],
    ['[1] | batch(10**8, 0) | length', 'batch fill'],
    ['[1] | slice(10**8) | length', 'slice count'],
    ['7 ** 10**7', 'big **'],
  ])('%s (%s)', async (expr) => {
    const e = await refused(`{{ ${expr} }}`, 'K-SEC-003');
    expect(e.message).toMatch(/exceeds/);
  });
  it('a tighter maxAllocation applies to what templates build', async () => {
    await refused('{{ "ab" * 600 }}', 'K-SEC-003', undefined, { maxAllocation: 1_000 });
    await renders('{{ ("ab" * 400) | length }}', '800', undefined, { maxAllocation: 1_000 });
    await refused('{{ s | upper }}', 'K-SEC-003', () => ({ s: 'x'.repeat(2_000) }), { maxAllocation: 1_000 });
  });
  it('doubling by concatenation stops at the bound', async () => {
    await refused('{% set s = "ab" %}{% while true %}{% set s = s ~ s %}{% end %}', 'K-SEC-003', undefined, { maxAllocation: 10_000 });
    await refused('{% set s = ["a"] %}{% while true %}{% set s = s + s %}{% end %}', 'K-SEC-003', undefined, { maxAllocation: 10_000 });
  });
  it('property: a repetition under the bound renders, one over it is refused', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 3_000 }), async (w, n) => {
        const src = `{{ ("${'x'.repeat(w)}" * ${n}) | length }}`;
        const t = makeEnv({}, { sandbox: { maxAllocation: 5_000 } as never }).fromString(src);
        if (w * n <= 5_000) expect(t.render()).toBe(String(w * n));
        else expect(() => t.render()).toThrow(/exceeds the limit of 5000/);
      }),
      { numRuns: 60 },
    );
  });
});

describe('default mode: sizes that would abort V8 raise instead', () => {
  const env = () => makeEnv();
  it.each(['[0] * 10**8', '"x" * 3 * 10**8', '"%300000000s" % 1', '"{:>300000000}".format(1)', 'range(10**9) | list | length', '[1] | slice(10**9) | length', '3 ** 10**7'])(
    '%s',
    (expr) => {
      let err: (Error & { code?: string }) | undefined;
      try {
        env().fromString(`{{ ${expr} }}`).render();
      } catch (e) {
        err = e as Error & { code?: string };
      }
      expect(err?.name).toBe('SecurityError');
      expect(err?.code).toBe('K-SEC-003');
    },
  );
  it('generous caps: big but sane values still build', () => {
    expect(env().fromString('{{ ("x" * 10**6) | length }}|{{ ([0] * 10**5) | length }}|{{ (2 ** 1000) | string | length }}').render()).toBe('1000000|100000|302');
    expect(MAX_CHARS).toBe(2 ** 28);
    expect(MAX_ITEMS).toBe(2 ** 24);
  });
});

describe('maxOutputSize while building', () => {
  it('stops render() before the whole string exists', async () => {
    const e = await refused('{% for i in range(10000) %}{{ "x" * 100 }}{% end %}', 'K-SEC-005', undefined, { maxOutputSize: 1_000, maxLoopIterations: null });
    expect(e.message).toMatch(/Render output size \(1\d\d\d chars\) exceeds sandbox limit of 1000/);
  });
  it('counts text captured in defs and set blocks too', async () => {
    await refused('{% def f() %}{% for i in range(100) %}0123456789{% end %}{% end %}{% set x = f() %}ok', 'K-SEC-005', undefined, { maxOutputSize: 500 });
  });
  it('renders up to the limit exactly', async () => {
    await renders('{% for i in range(10) %}0123456789{% end %}', '0123456789'.repeat(10), undefined, { maxOutputSize: 100 });
  });
});

describe('property: generated hostile templates stay inside the limits', () => {
  // pieces an attacker combines: big counts, growth, iteration, recursion, printing
  const big = fc.constantFrom('10**9', '2**40', '400000000', '99999999', '10**5');
  const expr = fc.oneof(
    big.map((n) => `"ab" * ${n}`),
    big.map((n) => `[1, 2] * ${n}`),
    big.map((n) => `"%${n.replace(/\W/g, '')}s" % 1`),
    big.map((n) => `"{:>${n.replace(/\W/g, '')}}".format(1)`),
    big.map((n) => `"x" | center(${n})`),
    big.map((n) => `[1] | batch(${n}, 0) | list`),
    big.map((n) => `[1] | slice(${n}) | list`),
    big.map((n) => `9 ** ${n}`),
    fc.constant('[x for x in range(10000)] | sort | unique | list'),
    fc.constant('range(10000) | map("string") | join'),
  );
  const stmt = fc.oneof(
    expr.map((e) => `{{ ${e} }}`),
    expr.map((e) => `{% for i in range(1000) %}{{ ${e} }}{% end %}`),
    expr.map((e) => `{% set s = ${e} %}{% while true %}{{ s }}{% end %}`),
    expr.map((e) => `{% def f(n) %}{{ ${e} }}{{ f(n + 1) }}{% end %}{{ f(0) }}`),
    expr.map((e) => `{% try %}{{ ${e} }}{% fallback %}caught{% end %}{% for i in range(10000) %}{% for j in range(10000) %}.{% end %}{% end %}`),
  );
  it('every render ends quickly in output within maxOutputSize or in a template error, never a RangeError or a crash', async () => {
    await fc.assert(
      fc.asyncProperty(stmt, async (src) => {
        const t = makeEnv({}, { sandbox: { maxLoopIterations: 20_000, maxRenderTime: 500, maxOutputSize: 50_000, maxAllocation: 100_000 } as never }).fromString(src);
        for (const way of [() => t.render(), () => [...t.renderStream()].join(''), () => t.renderAsync()]) {
          const start = Date.now();
          try {
            const out = await way();
            expect(out.length).toBeLessThanOrEqual(50_000);
          } catch (e) {
            expect((e as Error).name, `${src}: ${(e as Error).message}`).toMatch(/SecurityError|TemplateRuntimeError|PyError|UndefinedError/);
          }
          expect(Date.now() - start).toBeLessThan(3_000);
        }
      }),
      { numRuns: 40 },
    );
  });
});
