// Issue #19 §4: maxRenderTime, maxOutputSize and maxLoopIterations hold for a `{% defer %}` that
// fans out exponentially (defers inside defers, many parts each waiting), in Kida and Nunjucks
// mode, sync and async templates, every render method. The seventh pass measured ~1,300 ms
// against a 500 ms limit: the clock was read only as loops ticked, and the parts queued behind the
// first failing one still ran (the render closed only when that part settled, a wave later).
// Timing runs in a child process with --unhandled-rejections=strict (dist/: `npx tsc` first),
// which also counts the timers left behind once every render has ended.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeEnv } from '../support.js';

const root = join(import.meta.dirname, '../..');
const LIMIT = 400;
/** The margin the issue allows: 1.25x the limit plus 50 ms. */
const BOUND = 1.25 * LIMIT + 50;

type Case = { id: string; src: string; compat?: string; data: 'ready' | 'slow' | 'never' | 'sync' };
type Out = { out: Record<string, Record<string, { ms: number[]; code: string; chars: number[] }>>; timers: number };

function runChild(cases: Case[], policy: object): Out {
  const r = spawnSync(
    process.execPath,
    ['--unhandled-rejections=strict', join(import.meta.dirname, 'sandbox-defer-fanout-child.mjs'), root, JSON.stringify(cases), JSON.stringify(policy)],
    { encoding: 'utf8', timeout: 120_000, cwd: root },
  );
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return JSON.parse(r.stdout) as Out;
}
const median = (a: number[]): number => [...a].sort((x, y) => x - y)[a.length >> 1]!;
/**
 * Wall-clock times on a shared machine: the fastest of three renders must end within the margin
 * (what the code does past the limit), the median within 2x (the seventh pass measured ~2.6x).
 */
function inTime(ms: number[], what: string): void {
  expect(Math.min(...ms), `${what} ${ms.join('/')} ms`).toBeLessThanOrEqual(BOUND);
  expect(median(ms), `${what} ${ms.join('/')} ms`).toBeLessThanOrEqual(2 * LIMIT);
}

/** A def `f` that defers and, inside the part, calls itself `fan` times, `depth` deep. */
function fanOut(fan: number, depth: number, opts: { njk?: boolean; wait?: boolean; work?: number } = {}): string {
  const [def, enddef, endif] = opts.njk ? ['macro', 'endmacro', 'endif'] : ['def', 'end', 'end'];
  const work = opts.work ? `{% for j in range(${opts.work}) %}{{ j }}{% endfor %}` : '';
  return (
    `{% ${def} f(n) %}{% defer v = p %}${opts.wait ? '{{ await z }}' : ''}${work}` +
    `{% if n > 0 %}{% for i in range(${fan}) %}{{ f(n - 1) }}{% endfor %}{% ${endif} %}x{% placeholder %}.{% end %}{% ${enddef} %}{{ f(${depth}) }}`
  );
}

describe('maxRenderTime holds for {% defer %} fan-out (child process, strict rejections)', () => {
  const fixed: Case[] = [
    { id: 'kida, parts ready', data: 'ready', src: fanOut(8, 12) },
    { id: 'nunjucks mode, parts ready', compat: 'nunjucks', data: 'ready', src: fanOut(8, 12, { njk: true }) },
    { id: 'async template, values after a timer', data: 'slow', src: fanOut(8, 12, { wait: true }) },
    { id: 'binary tree with loop work', data: 'ready', src: fanOut(2, 40, { work: 20 }) },
    { id: 'never-settling values, 8,191 parts waiting', data: 'never', src: '{% def f(n) %}{% defer v = p %}x{% placeholder %}.{% end %}{% if n > 0 %}{{ f(n - 1) }}{{ f(n - 1) }}{% end %}{% end %}{{ f(12) }}' },
    { id: 'sync render of a template that defers', data: 'sync', src: fanOut(8, 12) },
  ];
  let got: Out;
  beforeAll(() => {
    got = runChild(fixed, { maxRenderTime: LIMIT, maxOutputSize: null, maxLoopIterations: null });
  }, 120_000);
  for (const c of fixed)
    it(`${c.id}: refused within ${BOUND} ms of a ${LIMIT} ms limit, every way`, () => {
      const ways = got.out[c.id]!;
      expect(Object.keys(ways).length).toBeGreaterThanOrEqual(2);
      for (const [way, r] of Object.entries(ways)) {
        // (K-RUN-006: the render's 100,000 parts were all registered before the clock ran out)
        expect(['K-SEC-003', 'K-RUN-006'], `${c.id} ${way}`).toContain(r.code);
        inTime(r.ms, `${c.id} ${way}`);
      }
    });
  it('no timer is left once every render has ended (one deadline per render, cleared)', () => {
    expect(got.timers).toBe(0);
  });

  it('generated fan-out shapes (fan, depth, loop work, waiting or not, mode) end in time', () => {
    const shape = fc.record({
      fan: fc.integer({ min: 2, max: 10 }),
      depth: fc.integer({ min: 8, max: 40 }),
      work: fc.integer({ min: 0, max: 50 }),
      njk: fc.boolean(),
      data: fc.constantFrom('ready' as const, 'slow' as const, 'never' as const),
    });
    const cases = fc.sample(shape, { numRuns: 5, seed: 19 }).map((s, i): Case => ({
      id: `shape ${i} ${JSON.stringify(s)}`,
      data: s.data,
      ...(s.njk ? { compat: 'nunjucks' } : {}),
      src: fanOut(s.fan, Math.min(s.depth, Math.floor(Math.log(1e6) / Math.log(s.fan))), { njk: s.njk, work: s.work }),
    }));
    const r = runChild(cases, { maxRenderTime: LIMIT, maxOutputSize: null, maxLoopIterations: null });
    for (const c of cases)
      for (const [way, w] of Object.entries(r.out[c.id]!)) {
        expect(['K-SEC-003', 'K-RUN-006'], `${c.id} ${way}`).toContain(w.code);
        inTime(w.ms, `${c.id} ${way}`);
      }
    expect(r.timers).toBe(0);
  }, 120_000);
});

describe('maxOutputSize and maxLoopIterations hold for {% defer %} fan-out (in process)', () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown) => unhandled.push(e);
  beforeAll(() => process.on('unhandledRejection', onUnhandled));
  afterAll(() => {
    process.off('unhandledRejection', onUnhandled);
  });
  const src = fanOut(8, 12, { work: 10 }).replace('x{% placeholder', '{{ "x" * 100 }}{% placeholder');
  /** Each way's error code and the characters it handed over before failing. */
  async function ways(policy: object): Promise<Record<string, { code: string; chars: number }>> {
    const t = makeEnv({}, { sandbox: { maxRenderTime: 10_000, ...policy } as never }).fromString(src);
    const out: Record<string, { code: string; chars: number }> = {};
    const run = async (way: string, f: (add: (s: string) => void) => Promise<unknown> | unknown) => {
      let chars = 0;
      const add = (s: string) => void (chars += s.length);
      const code = await Promise.resolve()
        .then(() => f(add))
        .then(() => 'ok', (e: { code?: string }) => e.code ?? String(e));
      out[way] = { code, chars };
    };
    await run('renderAsync', async (add) => add(await t.renderAsync({ p: Promise.resolve(1) })));
    await run('renderStreamAsync', async (add) => {
      for await (const s of t.renderStreamAsync({ p: Promise.resolve(1) })) add(s);
    });
    await run('render', (add) => add(t.render({ p: 1 })));
    await run('renderStream', (add) => {
      for (const s of t.renderStream({ p: 1 })) add(s);
    });
    return out;
  }

  it('maxOutputSize: K-SEC-005, and a stream hands over no more than the limit', async () => {
    const got = await ways({ maxOutputSize: 100_000, maxLoopIterations: null });
    for (const [way, r] of Object.entries(got)) {
      expect(r.code, way).toBe('K-SEC-005');
      expect(r.chars, way).toBeLessThanOrEqual(100_000);
    }
    expect(unhandled).toEqual([]);
  });

  it('maxLoopIterations: K-SEC-003 in every way (parts count their loops against the one budget)', async () => {
    const got = await ways({ maxOutputSize: null, maxLoopIterations: 10_000 });
    for (const [way, r] of Object.entries(got)) expect(r.code, way).toBe('K-SEC-003');
    expect(unhandled).toEqual([]);
  });
});
