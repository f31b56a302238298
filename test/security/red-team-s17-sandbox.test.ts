// Issue #19, seventeenth safety pass (sandbox): what one call or operator reads, not only what
// it walks. A list of references to two long strings costs nothing to build (`[a, b] * 5000`),
// and a filter walking it counted one iteration an item; but comparing or hashing those items
// reads each string again: one `sort`, `unique`, `groupby`, `max`, `sorted()`, `in`, `==`,
// `.count()` read 10^10 characters, 14-28 s in a call no clock read can interrupt. A string
// method (`big.istitle()`) counted nothing for its receiver, so 64 of them passed between two
// clock reads: 2.7 s against a 50 ms limit. Now the compared strings count a KB an iteration
// (times log2(n) for a sort) before the call, a method's string counts as a filter's input does,
// and one call may read at most 50 KB per millisecond of maxRenderTime.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { makeEnv } from '../support.js';
import { refused, renders } from './sandbox-support.js';

/** Two distinct strings of `n` characters that differ only at the end (comparing them reads both). */
const pair = (n: number) => `{% let a = "x" * ${n} %}{% let b = "x" * ${n - 1} ~ "y" %}`;

/** Expressions that compare or hash every item of `l` (a list of references to `a` and `b`). */
const READERS = [
  'l | sort | length',
  'l | sort(case_sensitive=true) | length',
  'l | unique | list | length',
  'l | max | length',
  'l | min | length',
  'sorted(l) | length',
  'max(l) | length',
  '[{"k": s} for s in l] | groupby("k") | length',
  '[{"k": s} for s in l] | sort(attribute="k") | length',
  '(a ~ "") in l',
  'l.count(a ~ "")',
  'l == l[:-1] + [a ~ ""]',
];

describe('a call reading the strings it compares counts them', () => {
  it('property: references to two long strings are refused once the compared text passes the budget, and render well under it (fixed seed)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...READERS), fc.integer({ min: 4096, max: 65536 }), fc.integer({ min: 2000, max: 8000 }), async (expr, n, L) => {
        const policy = { maxLoopIterations: L, maxRenderTime: null, maxRange: null };
        // (each item is n characters: n / 1,024 iterations at least, whatever the sort's factor)
        const over = Math.ceil((2 * L * 1024) / n) + 4;
        await refused(`${pair(n)}{% let l = [a, b] * ${Math.ceil(over / 2)} %}{{ ${expr} }}`, 'K-SEC-003', () => ({}), policy);
        // (2 items read: 2n characters, well under L KB)
        const small = await makeEnv({}, { sandbox: policy }).fromString(`${pair(n)}{% let l = [a, b] %}{{ ${expr} }}`).render({});
        expect(small).not.toBe('');
      }),
      { numRuns: 24, seed: 17_017 },
    );
  });

  it('with no iteration bound, one call may read 50 KB per millisecond of maxRenderTime: refused before it starts', async () => {
    const policy = { maxLoopIterations: null, maxRenderTime: 50 };
    for (const expr of ['l | sort | length', 'l | max | length', '(a ~ "") in l', 'l | select("match", "x*y") | list | length']) {
      const t0 = performance.now();
      const e = await refused(`${pair(100_000)}{% let l = [a, b] * 1000 %}{{ ${expr} }}`, 'K-SEC-003', () => ({}), policy);
      expect(String((e as Error).message)).toMatch(/One call's reading/);
      expect(performance.now() - t0).toBeLessThan(5000); // (seven entry points; before, one took seconds)
    }
  });

  it('a string method counts its string as a filter counts its input (a KB an iteration)', async () => {
    const policy = { maxLoopIterations: 5_000, maxRenderTime: null, maxRange: null };
    for (const m of ['istitle()', 'count("xy")', 'find("y")', 'lstrip("x")', 'isalnum()', 'splitlines()']) {
      // 400 calls on 16 KB: 6,400 iterations of reading, past 5,000; 100 calls: 1,600
      await refused(`{% let s = "x" * 16384 %}{% for i in range(400) %}{% let r = s.${m} %}{% end %}ok`, 'K-SEC-003', () => ({}), policy);
      await renders(`{% let s = "x" * 16384 %}{% for i in range(100) %}{% let r = s.${m} %}{% end %}ok`, 'ok', () => ({}), policy);
    }
  });

  it('short values cost what they did, and trusted templates count nothing', async () => {
    const rows = Array.from({ length: 2000 }, (_, i) => ({ name: `row ${i % 97}`, n: i }));
    const src = '{{ rows | sort(attribute="name") | map(attribute="n") | sum }} {{ rows | map(attribute="name") | unique | list | length }} {{ "row 5" in (rows | map(attribute="name") | list) }}';
    // (2,000 rows read by three calls: a few thousand iterations, far under the default)
    await renders(src, '1999000 97 True', () => ({ rows }), { maxLoopIterations: 30_000 });
    const trusted = makeEnv().fromString(`${pair(100_000)}{% let l = [a, b] * 50 %}{{ l | sort | length }} {{ (a ~ "") in l }}`);
    expect(trusted.render({})).toBe('100 True');
  });
});

describe('a Template or Environment handed to a sandboxed template is not reachable', () => {
  // A trusted template that reads a key it is given, and a trusted Environment: what a host might
  // pass along with the data (a layout to render, the app's environment).
  const trusted = makeEnv({ peek: '{{ obj[key] }}', other: 'OTHER SOURCE {{ 1 }}' });
  const ctx = () => ({
    tpl: trusted.getTemplate('peek'),
    env: trusted,
    user: { name: 'u', _secret: 's3cret' },
    list: [trusted.getTemplate('peek')],
    rows: [{ t: trusted.getTemplate('peek') }],
    getTpl: () => trusted.getTemplate('peek'),
  });
  const READS = [
    '{{ tpl.render({"obj": user, "key": "_secret"}) }}',
    '{{ tpl["render"]({"obj": user, "key": "_secret"}) }}',
    '{{ tpl.spec.root }}',
    '{{ env.fromString("{{ o._secret }}").render({"o": user}) }}',
    '{{ env.getTemplate("other").render({}) }}',
    '{{ env.sources }}',
    '{% for t in list %}{{ t.render({"obj": user, "key": "_secret"}) }}{% end %}',
    '{{ (list | first).render({"obj": user, "key": "_secret"}) }}',
    '{{ list | map("render") | list }}',
    '{{ rows | map(attribute="t.render") | list }}',
    '{{ list[0] | attr("render") }}',
    '{% for t in list %}{% call t.render({"obj": user, "key": "_secret"}) %}{% end %}{% end %}',
    // (a host function's result, and filters taking it whole: dictsort's pairs held its render methods)
    '{% set t = getTpl() %}{{ t.name }}',
    '{{ ((list | first) | dictsort)[0][1] }}',
    '{% for t in list %}{{ (t | dictsort) | length }}{% end %}',
  ];
  it('every access path refuses it (K-SEC-001), in every entry point', async () => {
    for (const src of READS) await refused(src, 'K-SEC-001', ctx);
  });
  it('Nunjucks mode: Kida\'s and the adapter\'s objects alike', async () => {
    const njk = await import('../../adapters/nunjucks.js');
    const data = { ...ctx(), nenv: new njk.Environment(), ntpl: new njk.Template('{{ obj[key] }}') };
    const sb = makeEnv({}, { sandbox: true, compat: 'nunjucks' });
    for (const src of ['{{ tpl.render({"obj": user, "key": "_secret"}) }}', '{{ nenv.renderString("{{ u._secret }}", {"u": user}) }}', '{{ ntpl.render({"obj": user, "key": "_secret"}) }}', '{{ env.fromString("{{ u._secret }}").render({"u": user}) }}', '{% for t in list %}{{ t.render({"obj": user, "key": "_secret"}) }}{% endfor %}'])
      expect(() => sb.fromString(src).render(data), src).toThrow(/not reachable from a sandboxed template/);
  });
  it('trusted templates still take them, and sandboxed ones include by name', async () => {
    expect(makeEnv().fromString('{{ tpl.render({"obj": user, "key": "name"}) }}').render(ctx())).toBe('u');
    await renders('{% include "peek" %}', 'u', () => ({ obj: { name: 'u' }, key: 'name' }), true, { peek: '{{ obj[key] }}' });
  });
});
