// Issue #19, nineteenth safety pass (sandbox). A def the template hands to code that drops its
// result (a thenable's `then` the template built, a host callback) failed later in a promise no
// one observed: Node's default for an unhandled rejection ends the process. Container methods
// (`d.items()`, `d.copy()`, set algebra), `dict(d)` of a dict, list slices and list `+` were not
// in the per-call time prediction, and `==`/orderings of long lists of numbers counted nothing:
// `d.items()` of 200,000 keys ran 1.5 s under a 50 ms limit in one call.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { makeEnv } from '../support.js';
import { refused, renders } from './sandbox-support.js';
import { distUrl } from './strict-child.js';

/** A strict child (a 256 MB heap): an unhandled rejection ends it with a status of 1 and a stack on stderr. */
function child(script: string): { status: number | null; stdout: string; stderr: string } {
  const file = join(mkdtempSync(join(tmpdir(), 'kida-s19-')), 'run.mjs');
  writeFileSync(file, script);
  const r = spawnSync(process.execPath, ['--unhandled-rejections=strict', '--max-old-space-size=256', file], { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const env = (policy: Record<string, unknown> | true) => makeEnv({}, { sandbox: policy as never });

describe('a def whose result the caller drops cannot end the process', () => {
  it('a thenable the template builds from a def that resolves to itself ends in K-SEC-003, nothing unhandled', () => {
    const r = child(`
      const { Environment } = await import(${distUrl('dist/compiler/environment.js')});
      const src = '{% def th(ok, no) %}{{ ok(d) }}{% end %}{% set d = {"then": th} %}{{ await d }}';
      for (const policy of [{ maxRenderTime: 300 }, { maxRenderTime: 50, maxLoopIterations: null }, { maxLoopIterations: 2000, maxRenderTime: 500 }]) {
        try {
          console.log(await new Environment({ sandbox: policy }).fromString(src).renderAsync({}));
        } catch (e) {
          console.log(e.code);
        }
        await new Promise((ok) => setTimeout(ok, 100)); // (a late rejection would surface here)
      }
    `);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual(['K-SEC-003', 'K-SEC-003', 'K-SEC-003']);
  });

  it('an async def a host function calls and forgets, failing on a limit, leaves nothing unhandled', () => {
    const r = child(`
      const { Environment } = await import(${distUrl('dist/compiler/environment.js')});
      const each = (f) => { [1, 2, 3].forEach((x) => f(x)); return ''; };
      const src = '{% def f(x) %}{{ await p }}{% for i in range(10000) %}{% for j in range(10000) %}{% end %}{% end %}{% end %}{{ each(f) }}done';
      for (const sandbox of [{ maxLoopIterations: 5000 }, { maxRenderTime: 50, maxLoopIterations: null }])
        console.log(await new Environment({ sandbox }).fromString(src).renderAsync({ each, p: Promise.resolve(1) }));
      await new Promise((ok) => setTimeout(ok, 300));
    `);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual(['done', 'done']);
  });

  it('control, in-process: a failing def the template awaits is still its error, and nothing else surfaces', async () => {
    const seen: unknown[] = [];
    const on = (e: unknown) => seen.push(e);
    process.on('unhandledRejection', on);
    try {
      const t = env({ maxLoopIterations: 3000 }).fromString('{% def f() %}{{ await p }}{% for i in range(5000) %}{% end %}{% end %}{{ f() }}');
      await expect(t.renderAsync({ p: Promise.resolve(1) })).rejects.toMatchObject({ code: 'K-SEC-003' });
      await new Promise((ok) => setTimeout(ok, 50));
    } finally {
      process.off('unhandledRejection', on);
    }
    expect(seen).toEqual([]);
  });
});

/** A host dict of `n` string keys. */
const dictOf = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => ['k' + i, i]));
const NO_BOUND = { maxRenderTime: 50, maxLoopIterations: null };

describe('container methods and list copies are in the per-call time prediction', () => {
  it.each([
    ['d.items() | length', 100_000],
    ['d.copy() | length', 100_000],
    ['d.values() | length', 100_000],
    ['d.keys() | length', 100_000],
    ['m.items() | length', 100_000],
    ['dict(d) | length', 20_000], // (a dict copied by dict(): ~6 µs a key, predicted at 0.6 before)
  ])('%s of %i keys is refused before it runs under a 50 ms limit and no iteration bound', async (expr, n) => {
    const d = dictOf(n);
    const m = new Map(Object.entries(d));
    const e = await refused(`{{ ${expr} }}`, 'K-SEC-003', () => ({ d, m }), NO_BOUND);
    expect(String((e as Error).message)).toMatch(new RegExp(`one call of ${n} `));
  });

  it('set algebra counts both sets', async () => {
    const a = new Set(Array.from({ length: 60_000 }, (_, i) => i + 0.5));
    const b = new Set(Array.from({ length: 60_000 }, (_, i) => i + 1.5));
    for (const m of ['union', 'intersection', 'difference', 'issubset'])
      await refused(`{{ a.${m}(b) }}`, 'K-SEC-003', () => ({ a, b }), NO_BOUND);
  });

  it('slices, list `+`, and `==`/`<` of long lists are charged before they copy or walk', async () => {
    const l = Array.from({ length: 999_000 }, (_, i) => i % 1000);
    const f = l.map((x) => x + 0.5);
    for (const src of ['{{ l[::-1] | length }}', '{{ l[:] | length }}', '{{ (l[:500000] + l[:499000]) | length }}', '{{ l == f }}', '{{ l < f }}'])
      await refused(src, 'K-SEC-003', () => ({ l, f }), NO_BOUND);
  });

  it('string formatting (method, filter, `%`), xmlattr, escape, replace, expandtabs and wordcount are predicted', async () => {
    const d = dictOf(100_000);
    for (const src of [
      '{{ ("{0}" * 300000).format(1) | length }}',
      '{{ ("{0}" * 300000) | format(1) | length }}',
      '{{ ("%(a)s" * 150000) % {"a": 1} | length }}',
      '{{ d | xmlattr | length }}',
      '{{ lt | escape | length }}',
      '{{ s | replace(" ", "") | length }}',
      '{{ t.expandtabs(1) | length }}',
      '{{ s | wordcount }}',
    ]) {
      const e = await refused(src, 'K-SEC-003', () => ({ d, lt: '<'.repeat(999_000), s: 'ab '.repeat(333_000), t: '\t'.repeat(990_000) }), NO_BOUND);
      expect(String((e as Error).message)).toMatch(/one call of \d+ items or characters/);
    }
  });

  it('small containers, short slices and short lists render as before', async () => {
    const d = dictOf(50);
    await renders(
      '{{ d.items() | length }} {{ dict(d) | length }} {{ d.copy() | length }} {{ s.union([4]) | length }} {{ l[-3:] }} {{ l[:2] + l[:1] }} {{ l == l[:] }} {{ "%s-%d" % ("a", 2) }} {{ "{0}{1}".format(1, 2) }} {{ "<a b>" | replace(" ", "") | e }}',
      '50 50 50 4 [7, 8, 9] [0, 1, 0] True a-2 12 &lt;ab&gt;',
      () => ({ d, s: new Set([1, 2, 3]), l: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] }),
      { maxRenderTime: 50 },
    );
  });

  it('property: a slice is predicted by what it keeps, not the list it reads (fixed seed)', () => {
    const l = Array.from({ length: 400_000 }, (_, i) => i);
    const t = env({ maxRenderTime: 100, maxLoopIterations: null }); // (a copy of all 400,000 items is predicted at 160 ms)
    // (a start anywhere, an end a few steps on, from the end when negative; an omitted bound now and then)
    const slice = fc.tuple(fc.integer({ min: 0, max: 420_000 }), fc.integer({ min: 0, max: 900 }), fc.constantFrom(null, 1, 2, -1, -3, 200_000), fc.boolean(), fc.constantFrom(0, 1, 2));
    fc.assert(
      fc.property(slice, ([start, k, c, fromEnd, omit]) => {
        const step = c ?? 1;
        const end = start + k * step;
        const sign = (x: number) => (fromEnd ? x - 420_000 : x);
        const a = omit === 1 ? null : sign(start);
        const b = omit === 2 ? null : sign(end);
        const want = pySliceLength(l.length, a, b, c);
        fc.pre(want <= 1000); // (a short result of a long list: never refused)
        const src = `{{ l[${a ?? ''}:${b ?? ''}${c === null ? '' : ':' + c}] | length }}`;
        expect(t.fromString(src).render({ l })).toBe(String(want));
      }),
      { seed: 19, numRuns: 300 },
    );
  });
});

/** Python's len(range(n)[a:b:c]), computed by walking (the test's own, not the runtime's arithmetic). */
function pySliceLength(n: number, a: number | null, b: number | null, c: number | null): number {
  const step = c ?? 1;
  const norm = (x: number, lo: number, hi: number) => Math.min(Math.max(x < 0 ? x + n : x, lo), hi);
  let i = a === null ? (step > 0 ? 0 : n - 1) : norm(a, step > 0 ? 0 : -1, step > 0 ? n : n - 1);
  const end = b === null ? (step > 0 ? n : -1) : norm(b, step > 0 ? 0 : -1, step > 0 ? n : n - 1);
  let k = 0;
  for (; step > 0 ? i < end : i > end; i += step) k++;
  return k;
}

describe('what reaches templates or their sources is refused like a Template', () => {
  const user = { name: 'u', _secret: 'HIDDEN' };
  const trustedTemplate = () => makeEnv({ t: '{{ obj[key] }}' }, {}).getTemplate('t');

  it("a loader (Kida's, an Environment's own, a Nunjucks-style object) and the fragment store", async () => {
    const { DictLoader, Environment } = await import('../../compiler/environment.js');
    const dict = new DictLoader({ secret: 'TOP SECRET SOURCE' });
    const host = { getSource: () => ({ src: 'TOP SECRET SOURCE' }) };
    const trusted = new Environment({ loader: dict });
    new (await import('../../adapters/nunjucks.js')).Environment(host as never);
    for (const [src, v] of [
      ['{{ l.getSource("secret").source }}', dict],
      ['{{ l.mapping }}', dict],
      ['{{ l.listTemplates() }}', trusted.loader],
      ['{{ [l] }}', dict],
      ['{{ l.getSource("x").src }}', host],
      ['{{ l.get(k) }}', trusted.fragmentCache],
    ] as const)
      await refused(src, 'K-SEC-001', () => ({ l: v, k: 'k' }));
  });

  it("a compiled spec, a linkage or registry, a module namespace exporting a Template, the Sandbox", async () => {
    const t = trustedTemplate();
    const { registry } = await import('../../runtime/index.js').then(() => import('../../runtime/linkage.js'));
    (globalThis as { __s19T?: unknown }).__s19T = t;
    const ns = await import('data:text/javascript,export default globalThis.__s19T; export const render = globalThis.__s19T.render;');
    const sb = env(true).sandbox;
    for (const [src, v] of [
      ['{{ v.root.s({"obj": user, "key": "_secret"}) }}', t.spec],
      ['{{ v | list }}', t.spec],
      ['{{ v.load("t") }}', registry],
      ['{{ v.cache }}', registry],
      ['{{ v.render({"obj": user, "key": "_secret"}) }}', ns],
      ['{{ v }}', ns],
      ['{{ v.policy }}', sb],
    ] as const)
      await refused(src, 'K-SEC-001', () => ({ v, user }));
  });

  it("an Environment's Template's render method handed alone, however it is reached and called", async () => {
    const t = trustedTemplate();
    const data = () => ({ r: t.render, l: [t.render, t.renderAsync], m: new Map([['r', t.renderStream]]), user });
    for (const src of [
      '{{ r({"obj": user, "key": "_secret"}) }}',
      '{{ l[0]({"obj": user, "key": "_secret"}) }}',
      '{% for f in l %}{{ f({"obj": user, "key": "_secret"}) }}{% end %}',
      '{% call l[0]({"obj": user, "key": "_secret"}) %}x{% end %}',
      '{{ [{"obj": user, "key": "_secret"}] | map(l | first) | list }}',
      '{{ m.get("r") }}',
      '{{ l }}',
    ])
      await refused(src, 'K-SEC-001', data);
    const { refused: njkRefused } = await import('./nunjucks-support.js');
    for (const src of ['{{ l[0]({obj: user, key: "_secret"}) }}', '{% for f in l %}{{ f({obj: user, key: "_secret"}) }}{% endfor %}', '{{ [{obj: user, key: "_secret"}].map(l[0]) }}', '{{ l[0].call(null, {obj: user, key: "_secret"}) }}'])
      await njkRefused(src, 'K-SEC-001', data);
  });

  it('the check reads no getter it leaves unobserved (a rejected promise from `renderStream`, `spec`, `default`… of host data)', async () => {
    const seen: unknown[] = [];
    const on = (e: unknown) => seen.push(e);
    process.on('unhandledRejection', on);
    try {
      for (const name of ['renderStream', 'spec', 'root', 'tryLoad', 'load', 'default']) {
        const o: Record<string, unknown> = { a: 1, renderStream: name === 'spec' ? () => 1 : undefined, tryLoad: name === 'load' ? () => 1 : undefined };
        Object.defineProperty(o, name, { get: () => Promise.reject(new Error('late')) });
        expect(env(true).fromString('{{ o.a }}').render({ o })).toBe('1');
      }
      await new Promise((ok) => setTimeout(ok, 50));
    } finally {
      process.off('unhandledRejection', on);
    }
    expect(seen).toEqual([]);
  });

  it('control: host functions, plain loaders-shaped data and templates by name still work', async () => {
    await renders('{% include "p" %}|{{ f(2) }}|{{ d.load }}', 'P|4|x', () => ({ f: (x: number) => x * 2, d: { load: 'x' } }), true, { p: 'P' });
  });
});
