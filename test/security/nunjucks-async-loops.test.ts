// Nunjucks' async tags (`asyncEach`, `asyncAll`, compiler/codegen/njk-async.ts) under hostile
// filters and the sandbox: rejecting async filters inside concurrent bodies never become an
// unhandled rejection (a child process with --unhandled-rejections=strict exits 0), and
// maxLoopIterations / maxRenderTime end async loops as they end other loops.
import { describe, expect, it } from 'vitest';
import { distUrl, runStrict } from './strict-child.js';
import { Environment } from '../../compiler/environment.js';

const wait = (v: unknown, ms: number) => new Promise((ok) => setTimeout(() => ok(v), ms));

function sandboxed(policy: Record<string, unknown>): Environment {
  const env = new Environment({ compat: 'nunjucks', sandbox: policy as never });
  env.addFilter('slow', (v: unknown) => wait(v, 2), true);
  return env;
}

describe('a child process rendering async loops over rejecting filters exits 0', () => {
  it('Environment (plain and sandboxed, buffered and streamed, stopped early) and kida/nunjucks callbacks', () => {
    const stdout = runStrict(
      `import { Environment } from ${distUrl('dist/compiler/environment.js')};
import njk from ${distUrl('dist/adapters/nunjucks.js')};
// every call rejects, at different times, some at once
const fail = (v) => new Promise((_, no) => setTimeout(() => no(new Error('fail ' + v)), (v * 7) % 5));
const failNow = (v) => Promise.reject(new Error('now ' + v));
const sources = [
  '{% asyncAll x in xs %}{{ x | fail }}{% endall %}', '{% asyncAll x in xs %}{{ x | failNow }}{{ x | fail }}{% endall %}',
  '{% asyncAll x in xs %}{% asyncAll y in xs %}{{ y | fail }}{% endall %}{% endall %}',
  '{% asyncEach x in xs %}{{ x | fail }}{% endeach %}', '{% ifAsync xs[0] | fail %}a{% endif %}',
  '{% asyncAll k, v in o %}{{ v | fail }}{% else %}{{ 1 | fail }}{% endall %}', '{% asyncAll x in o %}{{ x | fail }}{% endall %}',
  '{% asyncAll x in xs %}{{ x | ok }}{% endall %}{{ 1 | fail }}',
];
const names = [];
for (const sandbox of [false, true]) {
  const env = new Environment({ compat: 'nunjucks', sandbox });
  env.addFilter('fail', fail, true); env.addFilter('failNow', failNow, true); env.addFilter('ok', async (v) => v, true);
  const adapter = new njk.Environment(null, { sandbox });
  adapter.addFilter('fail', (v, cb) => fail(v).catch((e) => cb(e)), true);
  adapter.addFilter('failNow', (v, cb) => cb(new Error('now')), true);
  adapter.addFilter('ok', (v, cb) => cb(null, v), true);
  const ctx = () => ({ xs: [1, 2, 3, 4, 5, 6], o: { a: 1, b: 2 } });
  for (const src of sources) {
    const t = env.fromString(src);
    for (let stop = 0; stop < 2; stop++) {
      try {
        const it = t.renderStreamAsync(ctx());
        if (stop) { await it.next(); await it.return(); } else for await (const _ of it);
      } catch (e) { names.push(e.name); }
    }
    try { await t.renderAsync(ctx()); } catch (e) { names.push(e.name); }
    await new Promise((ok) => adapter.renderString(src, ctx(), (err) => { if (err) names.push(err.name); ok(); }));
  }
}
await new Promise((ok) => setTimeout(ok, 60));
process.stdout.write(JSON.stringify(names));
`,
      120_000,
    );
    const names = JSON.parse(stdout) as string[];
    // (every way fails but one: the stream of the last source stopped after its first chunk, before the filter)
    expect(names.length).toBe((8 * 4 - 1) * 2);
    for (const n of names) expect(n).toBe('TemplateRuntimeError');
  }, 150_000);
});

describe('the sandbox limits async loops', () => {
  it('maxLoopIterations counts every asyncEach and asyncAll iteration, nested ones too', async () => {
    const env = sandboxed({ maxLoopIterations: 50 });
    const xs = Array.from({ length: 30 }, (_, i) => i);
    for (const src of ['{% asyncEach x in xs %}{{ x | slow }}{% endeach %}', '{% asyncAll x in xs %}{{ x | slow }}{% endall %}']) {
      const t = env.fromString(src);
      expect(await t.renderAsync({ xs })).toBe(xs.join(''));
      await expect(t.renderAsync({ xs: [...xs, ...xs] })).rejects.toMatchObject({ name: 'SecurityError', code: 'K-SEC-003' });
    }
    const nested = env.fromString('{% asyncAll x in xs %}{% asyncEach y in xs %}{{ y }}{% endeach %}{% endall %}');
    await expect(nested.renderAsync({ xs: xs.slice(0, 7) })).rejects.toMatchObject({ name: 'SecurityError' });
    // (an endless iterable is read only as far as the budget, not into memory)
    const endless = function* () {
      for (let i = 0; ; i++) yield i;
    };
    for (const src of ['{% asyncEach x in g %}{{ x | slow }}{% endeach %}', '{% asyncAll x in g %}{{ x }}{% endall %}'])
      await expect(env.fromString(src).renderAsync({ g: endless() })).rejects.toMatchObject({ name: 'SecurityError' });
    // (outside the sandbox, the default ceiling on items stops it)
    const plain = new Environment({ compat: 'nunjucks' });
    expect(() => plain.fromString('{% asyncEach x in g %}{% endeach %}').render({ g: endless() })).toThrow(/exceeds the limit of 16777216/);
    // (without async filters the loops are synchronous, and counted the same)
    expect(() => env.fromString('{% asyncEach x in xs %}{{ x }}{% endeach %}').render({ xs: [...xs, ...xs] })).toThrow(/Loop iterations exceed sandbox limit of 50/);
  });
  it('maxRenderTime ends an asyncEach whose filters wait, at the next iteration, and an asyncAll after its batch', async () => {
    const env = new Environment({ compat: 'nunjucks', sandbox: { maxRenderTime: 40 } as never });
    let waits = 0;
    env.addFilter('wait', (v: unknown) => (waits++, wait(v, 25)), true);
    const each = env.fromString('{% asyncEach x in xs %}{{ x | wait }}{% endeach %}');
    await expect(each.renderAsync({ xs: [1, 2, 3, 4, 5, 6, 7, 8] })).rejects.toThrow(/Render time exceeds sandbox limit of 40/);
    // (stopped after two waits of 25 ms, not eight; counted, since a loaded machine only makes waits longer)
    expect(waits).toBeGreaterThanOrEqual(2);
    expect(waits).toBeLessThanOrEqual(3);
    const all = env.fromString('{% asyncAll x in xs %}{{ x | wait }}{{ x | wait }}{% endall %}');
    await expect(all.renderAsync({ xs: [1, 2] })).rejects.toThrow(/Render time exceeds sandbox limit of 40/);
    expect(await env.fromString('{% asyncAll x in xs %}{{ x | wait }}{% endall %}').renderAsync({ xs: [1, 2, 3] })).toBe('123');
  });
});
