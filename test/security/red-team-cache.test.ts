// Red team of `{% cache %}` over asynchronous stores (runtime/cache.ts, adapters/cache.ts):
// hostile keys, sandboxed vs trusted keys through async stores and single-flight, stores that
// answer with odd values, throw, or never settle.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { kvStore, redisStore } from '../../adapters/cache.js';
import type { AsyncFragmentStore } from '../../runtime/cache.js';
import { makeEnv } from '../support.js';
import { later } from '../defer-support.js';

/** An async store over a Map, recording every key it sees. */
function mapStore(delay = 1) {
  const m = new Map<string, string>();
  const seen: string[] = [];
  const store: AsyncFragmentStore & { timeoutMs?: number } = {
    get: (k) => (seen.push(k), later(m.get(k) ?? null, delay)),
    set: (k, v) => (m.set(k, v), later(undefined, delay)),
  };
  return { m, seen, store };
}

describe('red team: hostile keys', () => {
  it('any key from data (__proto__, NUL, lone surrogates, 1 MB) is a plain key: the fragment renders and is cached', async () => {
    const { store, m } = mapStore();
    const env = makeEnv({}, { fragmentCache: store });
    const t = env.fromString('{% cache k %}<b>{{ v }}</b>{% end %}{{ await done }}');
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.constantFrom('__proto__', 'constructor', '\u0000', '\u0000sb\u0000x', '\ud800', 'x'.repeat(1 << 20)), fc.string()), async (k) => {
        m.clear();
        expect(await t.renderAsync({ k, v: '<i>', done: '' })).toBe('<b>&lt;i&gt;</b>');
        expect(await t.renderAsync({ k, v: 'other', done: '' })).toBe('<b>&lt;i&gt;</b>');
      }),
      { numRuns: 40 },
    );
    expect(Object.prototype).not.toHaveProperty('polluted');
  });
  it('kvStore and redisStore never throw on such keys (a key KV cannot hold is a miss)', async () => {
    const kv = new Map<string, string>();
    const ns = { get: async (k: string) => kv.get(k) ?? null, put: async (k: string, v: string) => void kv.set(k, v) };
    const red = new Map<string, string>();
    const client = { isOpen: true, get: async (k: string) => red.get(k) ?? null, set: async (k: string, v: string) => void red.set(k, v) };
    const errors: unknown[] = [];
    for (const store of [kvStore(ns, { onError: (e) => errors.push(e) }), redisStore(client, { onError: (e) => errors.push(e) })]) {
      const t = makeEnv({}, { fragmentCache: store }).fromString('{% cache k %}[{{ n }}]{% end %}{{ await x }}');
      for (const k of ['\ud800', '__proto__', '\u0000', 'x'.repeat(10_000)]) {
        expect(await t.renderAsync({ k, n: 1, x: '' })).toBe('[1]');
        await later(0, 5);
      }
    }
  });
});

describe('red team: sandboxed and trusted renders never share a fragment', () => {
  it('not through the store, and not in flight (single-flight waits only on the same scope)', async () => {
    const { store, seen, m } = mapStore(20);
    const trusted = makeEnv({}, { fragmentCache: store });
    const sandboxed = makeEnv({}, { fragmentCache: store, sandbox: true });
    const src = '{% cache k %}{{ who }}{% end %}{{ await x }}';
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.constantFrom('a', '\u0000sb\u0000a', '\u0000', '\u0000\u0000sb\u0000a'), fc.string()), async (k) => {
        m.clear();
        // at the same moment: a trusted render of a key is in flight while the sandboxed one misses
        const [a, b] = await Promise.all([
          trusted.fromString(src).renderAsync({ k, who: 'trusted', x: '' }),
          sandboxed.fromString(src).renderAsync({ k, who: 'sandboxed', x: '' }),
        ]);
        expect([a, b]).toEqual(['trusted', 'sandboxed']);
        // and a planted key: the sandbox writing what a trusted key would be
        const planted = await sandboxed.fromString(src).renderAsync({ k: '\u0000' + k, who: 'evil', x: '' });
        expect(planted).toBe('evil');
        expect(await trusted.fromString(src).renderAsync({ k, who: 'trusted2', x: '' })).toBe('trusted');
      }),
      { numRuns: 25 },
    );
    const sbKeys = seen.filter((s) => s.startsWith('\u0000sb\u0000'));
    expect(sbKeys.length).toBeGreaterThan(0);
  });
});

describe('red team: stores that misbehave', () => {
  const shapes: [string, () => unknown][] = [
    ['a number', () => 42],
    ['an object', () => ({ toString: () => '<script>' })],
    ['a promise of a number', () => Promise.resolve(7)],
    ['a thenable whose then throws', () => ({ then() { throw new Error('then'); } })],
    ['a thenable that calls back twice', () => ({ then(ok: (v: unknown) => void, no: (e: unknown) => void) { ok('<x>'); no(new Error('late')); } })],
    ['an object whose then getter throws', () => ({ get then() { throw new Error('getter'); } })],
    ['a sync throw', () => { throw new Error('sync'); }],
    ['a rejection', () => Promise.reject(new Error('no'))],
    ['a promise that never settles', () => new Promise(() => {})],
  ];
  for (const [what, get] of shapes)
    it(`a get answering ${what}: a miss or a hit, never an error, and the key is not left in flight`, async () => {
      const errors: unknown[] = [];
      const store = { get, set: () => {}, timeoutMs: 30, onError: (e: unknown) => errors.push(e) };
      const t = makeEnv({}, { fragmentCache: store as never }).fromString('{% cache "k" %}[{{ n }}]{% end %}{{ await x }}');
      for (let i = 0; i < 2; i++) {
        const out = await Promise.race([t.renderAsync({ n: i, x: '' }).catch((e: Error) => `error: ${e.message}`), later('hung', 2000)]);
        expect(['[0]', '[1]', '<x>']).toContain(out);
      }
    });
  it('a set that throws, rejects late, or never settles is dropped; a huge stored value is bounded by the sandbox', async () => {
    for (const set of [() => { throw new Error('s'); }, () => later(0, 50).then(() => Promise.reject(new Error('late'))), () => new Promise(() => {})]) {
      const t = makeEnv({}, { fragmentCache: { get: () => null, set, timeoutMs: 10 } as never }).fromString('{% cache "k" %}ok{% end %}{{ await x }}');
      expect(await t.renderAsync({ x: '' })).toBe('ok');
    }
    await later(0, 80);
    const huge = { get: async () => 'x'.repeat(2_000_000), set: () => {} };
    const t = makeEnv({}, { fragmentCache: huge as never, sandbox: true }).fromString('{% cache "k" %}ok{% end %}{{ await x }}');
    await expect(t.renderAsync({ x: '' })).rejects.toThrow(/output size/);
  });
});
