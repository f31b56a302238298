// Issue #19, fifteenth safety pass: a red team of the sandbox (hostile templates) aimed at what
// the bounds did not foresee. What it found is tested here by class:
// - maxAllocation bounds one value, not how many a render builds: a comprehension (or a loop
//   rebinding a `let`) keeping a value at the bound per iteration grew the heap by ~1 GB a second
//   (V8 aborted under a smaller heap, and with no time limit at all), while each iteration counted
//   one tick. What a call, an operator or a slice builds now counts an iteration per KB.
// - The default fragment cache was bounded in entries only: a sandboxed template kept 1,000
//   fragments of up to a million characters in the host's Environment, renders after it ended
//   (written to no page, inside `{% capture %}`). It keeps at most FRAGMENT_CHARS characters now.
// - Slicing a string spread the whole string first, so `s[i:i+1]` cost its length (default mode:
//   a trusted loop over a 40 KB string's characters took a minute).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FRAGMENT_CHARS, LruFragmentStore } from '../../runtime/cache.js';
import { makeEnv } from '../support.js';
import { measurePair } from './linear-clock.js';
import { refused, renders } from './sandbox-support.js';
import { refused as njkRefused, renders as njkRenders } from './nunjucks-support.js';
import { distUrl } from './strict-child.js';

/** A builder of one value per iteration: its template expression (of `i` and `S`), and how many of its units make a KB. */
interface Builder {
  name: string;
  /** A statement run once before the loop (the value sliced), or ''. */
  setup: string;
  expr: string;
  /** 1,024 for text (characters), 128 for lists (items of 8 bytes). */
  perKb: number;
}
const BUILDERS: Builder[] = [
  { name: 'list repetition', setup: '', expr: '[i] * S', perKb: 128 },
  { name: 'list slice', setup: '{% let big = [0] * S %}', expr: 'big[1:]', perKb: 128 },
  { name: 'list + list', setup: '{% let big = [0] * S %}', expr: 'big + [i]', perKb: 128 },
  { name: 'batch with a fill (a list of lists)', setup: '', expr: '[i] | batch(S, 0) | list', perKb: 128 },
  { name: 'string repetition', setup: '', expr: '"x" * S', perKb: 1024 },
  { name: 'center', setup: '', expr: '(i ~ "") | center(S)', perKb: 1024 },
  { name: 'string slice', setup: '{% let text = "y" * S %}', expr: 'text[1:]', perKb: 1024 },
  { name: 'tojson indentation', setup: '', expr: '[i] | tojson(indent=S)', perKb: 1024 },
];

/** A policy whose only bound that can end these renders is the iteration count. */
const onlyIterations = (L: number) => ({ maxLoopIterations: L, maxRenderTime: null, maxRange: null, maxAllocation: 1_000_000, maxOutputSize: null });

/** `n` values kept in a list by a comprehension. */
const keeping = (b: Builder, S: number, n: number) => `{% let S = ${S} %}${b.setup}{% set l = [${b.expr} for i in range(${n})] %}{{ l | length }}`;

describe('what a render builds counts towards maxLoopIterations (one per KB), not one tick per value', () => {
  it('property: keeping values of twice the iterations in KB is refused; a quarter of them renders (fixed seed)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...BUILDERS), fc.integer({ min: 2048, max: 32768 }), fc.integer({ min: 2000, max: 6000 }), async (b, S, L) => {
        // (each value costs at least half its KB: the count rounds down; so 4x is past the budget)
        const over = Math.ceil((4 * L * b.perKb) / S) + 2;
        const under = Math.max(1, Math.floor((L * b.perKb) / (4 * S)));
        await refused(keeping(b, S, over), 'K-SEC-003', () => ({}), onlyIterations(L));
        await renders(keeping(b, S, under), String(under), () => ({}), onlyIterations(L));
      }),
      { numRuns: 24, seed: 16_016 },
    );
  });

  it('a `let` rebound in a loop counts what each iteration builds as the comprehension does', async () => {
    const policy = onlyIterations(3000);
    // 1,000 iterations, each a 32,768-item list: 256,000 KB where the budget is 3,000
    await refused('{% let l = [] %}{% for i in range(1000) %}{% let l = l + [[i] * 32768] %}{% end %}{{ l | length }}', 'K-SEC-003', () => ({}), policy);
    await renders('{% let l = [] %}{% for i in range(10) %}{% let l = l + [[i] * 32768] %}{% end %}{{ l | length }}', '10', () => ({}), policy);
  });

  it('Nunjucks mode: a slice of a list or a string counts what it copies', async () => {
    const policy = onlyIterations(3000);
    const src = (n: number) => `{% set big = "y".repeat(65536) %}{% set l = [] %}{% for i in range(${n}) %}{% set x = big[1:] %}{% endfor %}ok`;
    // (Nunjucks slices a string into an array of its characters: 65,535 items, 512 KB, each)
    await njkRefused(src(50), 'K-SEC-003', () => ({}), policy);
    await njkRenders(src(2), 'ok', () => ({}), policy);
  });

  it('values under a KB cost what they did: two loops of 5,000 short strings and lists, and two `length`s of them, within 20,100 iterations', async () => {
    // (10,000 loop iterations, and each `length` walks its 5,000 items, 10,002: nothing more)
    await renders('{% set l = [[i] * 100 for i in range(5000)] %}{% set t = [("x" * 1000) ~ i for i in range(5000)] %}{{ l | length }} {{ t | length }}', '5000 5000', () => ({}), onlyIterations(20_100));
  });
});

describe('the default sandbox policy bounds the heap a render keeps, in a child process with a small heap', () => {
  function child(src: string, policy: object, heapMb: number): { status: number | null; out: string; err: string } {
    const file = join(mkdtempSync(join(tmpdir(), 'kida-s16-')), 'run.mjs');
    writeFileSync(
      file,
      `import { Environment, DictLoader } from ${distUrl('dist/compiler/environment.js')};
const env = new Environment({ loader: new DictLoader({}), sandbox: ${JSON.stringify(policy)} });
try { env.fromString(${JSON.stringify(src)}).render({}); console.log('rendered'); } catch (e) { console.log(e.code); }
console.log(Math.round(process.memoryUsage().heapUsed / 2 ** 20));`,
    );
    const r = spawnSync(process.execPath, ['--unhandled-rejections=strict', `--max-old-space-size=${heapMb}`, file], { encoding: 'utf8', timeout: 60_000 });
    return { status: r.status, out: r.stdout, err: r.stderr };
  }

  it('10,000 lists of 10^6 items kept by a comprehension (no time limit): K-SEC-003, the process lives', () => {
    // (before: 80 GB asked of a 256 MB heap, one tick per list: V8 aborted)
    const r = child('{% set l = [[0] * 1000000 for i in range(10000)] %}{{ l | length }}', { maxRenderTime: null }, 256);
    expect(r.err).toBe('');
    expect(r.status).toBe(0);
    expect(r.out.split('\n')[0]).toBe('K-SEC-003');
  });

  it('10,000 slices of a 10^6-item list kept, at the default limits: K-SEC-003, the process lives', () => {
    const r = child('{% let big = [0] * 1000000 %}{% set l = [big[i:] for i in range(10000)] %}{{ l | length }}', true, 256);
    expect(r.err).toBe('');
    expect(r.status).toBe(0);
    expect(r.out.split('\n')[0]).toBe('K-SEC-003');
  });
});

describe('default mode: a slice of a string costs what it keeps, not the string', () => {
  it('slicing each character of a 20 KB and a 40 KB string (a trusted loop): about twice the time, not four times', () => {
    const t = makeEnv().fromString('{% for i in range(0, s | length, 10) %}{{ s[i:i + 1] }}{% end %}');
    const at = (n: number) => {
      const s = 'ab'.repeat(n / 2);
      return () => t.render({ s });
    };
    const { t1, t2 } = measurePair(at(20_000), at(40_000));
    // (before: 0.7 s and 2.8 s: every slice spread the whole string into code points first)
    expect(t2 < 60 || t2 < 3 * t1 + 25, `${t1.toFixed(1)} ms → ${t2.toFixed(1)} ms`).toBe(true);
  });

  it('slices keep their meaning: negative, stepped, reversed, astral and Markup', async () => {
    const t = makeEnv().fromString('{{ s[1:3] }}|{{ s[-2:] }}|{{ s[::2] }}|{{ s[::-1] }}|{{ m[0:2] }}|{{ s[10:] }}|');
    expect(t.render({ s: 'abcdef', m: 'xyz' })).toBe('bc|ef|ace|fedcba|xy||');
    // (indices are code points, as in Python: docs/decisions.md "Strings by code point")
    expect(makeEnv().fromString('{{ s[0:2] }}|{{ s[2:] }}|{{ s[1:] }}').render({ s: '😀b' })).toBe('😀b||b');
  });
});

describe('the default fragment store keeps at most maxChars characters (FRAGMENT_CHARS), not only 1,000 entries', () => {
  it('property: against a model LRU bounded in entries and characters, every get answers the same (fixed seed)', () => {
    const op = fc.oneof(
      fc.record({ set: fc.constant(true as const), key: fc.integer({ min: 0, max: 12 }), len: fc.integer({ min: 0, max: 60 }), ttl: fc.constantFrom(0, 10) }),
      fc.record({ set: fc.constant(false as const), key: fc.integer({ min: 0, max: 12 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 80 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 10, max: 120 }), (ops, maxSize, maxChars) => {
        const store = new LruFragmentStore(maxSize, 300, () => 0, maxChars);
        // (the model: entries oldest first; a set or a hit moves one to the end)
        let model: [string, string][] = [];
        ops.forEach((o, i) => {
          const key = `k${o.key}`;
          if (o.set) {
            const value = String.fromCharCode(97 + (i % 26)).repeat(o.len);
            store.set(key, value, o.ttl);
            if (o.ttl <= 0) return;
            model = model.filter(([k]) => k !== key);
            if (value.length <= maxChars) model.push([key, value]);
            const chars = () => model.reduce((n, [, v]) => n + v.length, 0);
            while (model.length > maxSize || chars() > maxChars) model.shift();
          } else {
            const hit = model.find(([k]) => k === key);
            expect(store.get(key)).toBe(hit?.[1]);
            if (hit) model = [...model.filter(([k]) => k !== key), hit];
          }
          const info = store.info();
          expect(info.size).toBe(model.length);
          expect(info.chars).toBe(model.reduce((n, [, v]) => n + v.length, 0));
          expect(info.chars!).toBeLessThanOrEqual(maxChars);
        });
      }),
      { numRuns: 300, seed: 16_017 },
    );
  });

  it("a sandboxed template filling the Environment's store over renders leaves at most FRAGMENT_CHARS characters kept", () => {
    const env = makeEnv({}, { sandbox: true });
    // (each render keeps ~90 fragments of 400,000 characters, none written to the page)
    const t = env.fromString('{% let big = "w" * 399990 %}{% for i in range(90) %}{% capture x %}{% cache "k" ~ r ~ "-" ~ i %}{{ (big ~ i) | upper }}{% end %}{% end %}{% end %}ok');
    for (let r = 0; r < 14; r++) {
      try {
        t.render({ r });
      } catch (e) {
        expect((e as { code?: string }).code).toBe('K-SEC-003'); // (the iteration budget may end a render: what it cached stays)
      }
    }
    const info = env.cacheInfo()!;
    expect(info.chars).toBeGreaterThan(FRAGMENT_CHARS / 2);
    expect(info.chars!).toBeLessThanOrEqual(FRAGMENT_CHARS);
    // (before: 1,000 entries, 400 million characters)
    expect(info.size).toBeLessThanOrEqual(Math.floor(FRAGMENT_CHARS / 399_990) + 1);
  });

  it('a fragment longer than the whole bound renders, uncached', () => {
    const env = makeEnv({}, { fragmentCache: new LruFragmentStore(10, 300, undefined, 100) });
    const t = env.fromString('{% cache "a" %}{{ s }}{% end %}');
    expect(t.render({ s: 'x'.repeat(200) })).toBe('x'.repeat(200));
    expect(t.render({ s: 'y' })).toBe('y');
    expect(env.cacheInfo()).toMatchObject({ size: 1, chars: 1 });
  });
});
