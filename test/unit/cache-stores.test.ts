// kida/cache: the Redis store over both client shapes (node-redis v4+ `set(k, v, { EX })`,
// ioredis `set(k, v, 'EX', n)`) and the workers-KV store (`get`/`put` with `expirationTtl`),
// against fakes that keep what the real ones would; a real redis-server: test/e2e/redis-cache.test.ts.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { kvStore, redisStore, type KvNamespaceLike, type RedisClientLike } from '../../adapters/cache.js';
import { Environment } from '../../compiler/environment.js';

/** Redis semantics the stores rely on: GET, SET with EX/PX, SCAN MATCH (glob), DEL. */
class FakeRedisData {
  entries = new Map<string, { v: string; until: number }>();
  now = 0;
  calls: unknown[][] = [];
  get(k: string): string | null {
    const e = this.entries.get(k);
    return e && e.until > this.now ? e.v : null;
  }
  set(k: string, v: string, unit: string, n: number): void {
    this.entries.set(k, { v, until: this.now + (unit === 'EX' ? n * 1000 : n) });
  }
  match(glob: string): string[] {
    const re = new RegExp('^' + glob.replace(/\\(.)|\*|\?|[.+^${}()|[\]]/g, (m, esc: string) => (esc ? esc.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') : m === '*' ? '.*' : m === '?' ? '.' : '\\' + m)) + '$', 's');
    return [...this.entries.keys()].filter((k) => re.test(k));
  }
}

function nodeRedisFake(data: FakeRedisData) {
  return {
    isOpen: true,
    get: async (k: string) => (data.calls.push(['get', k]), data.get(k)),
    set: async (k: string, v: string, o: { EX?: number; PX?: number }) => {
      data.calls.push(['set', k, v, o]);
      data.set(k, v, o.EX !== undefined ? 'EX' : 'PX', (o.EX ?? o.PX)!);
      return 'OK';
    },
    del: async (keys: string[]) => keys.filter((k) => data.entries.delete(k)).length,
    async *scanIterator(o: { MATCH: string }) {
      yield data.match(o.MATCH); // (v5+: arrays of keys)
    },
  } satisfies RedisClientLike & { isOpen: boolean };
}

function ioredisFake(data: FakeRedisData) {
  return {
    status: 'ready',
    get: async (k: string) => (data.calls.push(['get', k]), data.get(k)),
    set: async (k: string, v: string, unit: string, n: number) => {
      data.calls.push(['set', k, v, unit, n]);
      data.set(k, v, unit, n);
      return 'OK';
    },
    del: async (...keys: string[]) => keys.filter((k) => data.entries.delete(k)).length,
    scan: async (cursor: string, _m: string, glob: string) => {
      const all = data.match(glob);
      const i = Number(cursor);
      return [i + 1 < all.length ? String(i + 1) : '0', all.slice(i, i + 1)];
    },
  } satisfies RedisClientLike;
}

describe('redisStore', () => {
  it.each([
    ['node-redis', nodeRedisFake],
    ['ioredis', ioredisFake],
  ] as const)('%s: detects the client, sets with EX (PX for a fractional ttl), gets under the prefix', async (api, make) => {
    const data = new FakeRedisData();
    const store = redisStore(make(data));
    await store.set('a', 'A', 30);
    await store.set('b', 'B', 0.25);
    await store.set('z', 'Z', 0); // nothing stored
    const sets = data.calls.filter((c) => c[0] === 'set');
    expect(sets).toEqual(
      api === 'ioredis'
        ? [['set', 'kida:a', 'A', 'EX', 30], ['set', 'kida:b', 'B', 'PX', 250]]
        : [['set', 'kida:a', 'A', { EX: 30 }], ['set', 'kida:b', 'B', { PX: 250 }]],
    );
    expect([await store.get('a'), await store.get('b'), await store.get('z')]).toEqual(['A', 'B', null]);
    data.now = 300;
    expect([await store.get('a'), await store.get('b')]).toEqual(['A', null]); // PX 250 ms passed
    data.now = 30_000;
    expect(await store.get('a')).toBe(null);
  });

  it.each([
    ['node-redis', nodeRedisFake],
    ['ioredis', ioredisFake],
  ] as const)('%s: clear() deletes its prefix only, glob characters in the prefix included', async (_api, make) => {
    const data = new FakeRedisData();
    data.set('other:x', 'keep', 'EX', 100);
    data.set('kidaX:y', 'keep too', 'EX', 100); // (an unescaped `kida**` would match it)
    const store = redisStore(make(data), { prefix: 'kida*' });
    await store.set('a', 'A', 10);
    await store.set('\0sb\0b', 'B', 10);
    await store.clear();
    expect([...data.entries.keys()].sort()).toEqual(['kidaX:y', 'other:x']);
  });

  it('the api option overrides detection; an empty prefix refuses clear()', async () => {
    const data = new FakeRedisData();
    const client = { ...ioredisFake(data), status: undefined };
    await redisStore(client, { api: 'ioredis' }).set('k', 'v', 5);
    expect(data.calls.at(-1)).toEqual(['set', 'kida:k', 'v', 'EX', 5]);
    await expect(redisStore(client, { prefix: '', api: 'ioredis' }).clear()).rejects.toThrow(/needs a prefix/);
  });

  it('serves {% cache %} for an Environment: options become store fields (timeoutMs, defaultTtl, onError)', async () => {
    const data = new FakeRedisData();
    const errors: string[] = [];
    const store = redisStore(nodeRedisFake(data), { defaultTtl: 60, timeoutMs: 20, onError: (e) => void errors.push((e as Error).message) });
    expect([store.defaultTtl, store.timeoutMs]).toEqual([60, 20]);
    let n = 0;
    const env = new Environment({ fragmentCache: store, globals: { tick: () => ++n } });
    const t = env.fromString('{% cache "k" %}{{ tick() }}{% end %}');
    expect([await t.renderAsync(), await t.renderAsync()]).toEqual(['1', '1']);
    expect(data.calls.find((c) => c[0] === 'set')).toEqual(['set', 'kida:k', '1', { EX: 60 }]);
    await env.clearFragmentCache();
    expect(await t.renderAsync()).toBe('2');
    expect(errors).toEqual([]);
  });
});

/** A KV namespace: values and their (at least 60 s) expirationTtl, a clock, list pages of two. */
class FakeKv implements KvNamespaceLike {
  values = new Map<string, { v: string; until: number }>();
  puts: [string, string, number | undefined][] = [];
  now = 1_000_000;
  async get(k: string) {
    const e = this.values.get(k);
    return e && e.until > this.now ? e.v : null;
  }
  async put(k: string, v: string, o?: { expirationTtl?: number }) {
    if (o?.expirationTtl !== undefined && o.expirationTtl < 60) throw new Error('KV: expirationTtl must be at least 60');
    this.puts.push([k, v, o?.expirationTtl]);
    this.values.set(k, { v, until: o?.expirationTtl ? this.now + o.expirationTtl * 1000 : Infinity });
  }
  async delete(k: string) {
    this.values.delete(k);
  }
  async list(o: { prefix?: string; cursor?: string }) {
    const all = [...this.values.keys()].filter((k) => k.startsWith(o.prefix ?? ''));
    const from = Number(o.cursor ?? 0);
    const keys = all.slice(from, from + 2).map((name) => ({ name }));
    return from + 2 < all.length ? { keys, list_complete: false, cursor: String(from + 2) } : { keys, list_complete: true };
  }
}

describe('kvStore', () => {
  it('honours a ttl under KV\'s 60 s minimum by the expiry the value carries', async () => {
    const kv = new FakeKv();
    const store = kvStore(kv, { now: () => kv.now });
    await store.set('k', 'fragment: with colons', 10);
    expect(kv.puts).toEqual([['kida:k', `${1_000_000 + 10_000}:fragment: with colons`, 60]]);
    expect(await store.get('k')).toBe('fragment: with colons');
    kv.now += 10_001;
    expect(await store.get('k')).toBe(null); // still in KV, expired for kida
    await store.set('long', 'L', 3600.5);
    expect(kv.puts.at(-1)![2]).toBe(3601);
  });
  it('encodes keys (NUL of sandboxed keys, spaces, slashes) and reads foreign or malformed values as misses', async () => {
    const kv = new FakeKv();
    const store = kvStore(kv, { now: () => kv.now });
    await store.set('\0sb\0a b/c', 'x', 100);
    expect(kv.puts[0]![0]).toBe('kida:%00sb%00a%20b%2Fc');
    expect(await store.get('\0sb\0a b/c')).toBe('x');
    kv.values.set('kida:plain', { v: 'no expiry prefix', until: Infinity });
    kv.values.set('kida:empty', { v: ':x', until: Infinity });
    expect([await store.get('plain'), await store.get('empty'), await store.get('absent')]).toEqual([null, null, null]);
  });
  it('hands each write to waitUntil (a platform that cancels work after the response keeps it)', async () => {
    const kv = new FakeKv();
    const kept: Promise<unknown>[] = [];
    const store = kvStore(kv, { waitUntil: (p) => void kept.push(p) });
    await store.set('a', 'A', 100);
    await store.set('z', 'Z', 0); // (nothing written, nothing kept)
    expect(kept.length).toBe(1);
    const failing = kvStore({ ...kv, get: kv.get.bind(kv), put: () => Promise.reject(new Error('kv down')) }, { waitUntil: (p) => void kept.push(p) });
    await expect(failing.set('b', 'B', 100)).rejects.toThrow('kv down');
    await expect(kept[1]).resolves.toBeUndefined(); // (the kept promise never rejects: the store's caller reports it)
    const redis = redisStore(nodeRedisFake(new FakeRedisData()), {
      waitUntil: () => {
        throw new Error('no request in flight');
      },
    });
    await redis.set('k', 'v', 5); // (a throwing waitUntil does not fail the write)
  });
  it('clear() deletes every page of its prefix', async () => {
    const kv = new FakeKv();
    await kv.put('other', 'keep');
    const store = kvStore(kv);
    for (const k of ['a', 'b', 'c', 'd', 'e']) await store.set(k, k, 100);
    await store.clear();
    expect([...kv.values.keys()]).toEqual(['other']);
  });
});

describe('kida/cache stays out of bundles that do not import it', () => {
  it('is a subpath export that no runtime or compiler module imports', () => {
    const root = join(import.meta.dirname, '../..');
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { exports: Record<string, { default: string }> };
    expect(pkg.exports['./cache']?.default).toBe('./dist/adapters/cache.js');
    for (const dir of ['runtime', 'compiler', 'plugins'])
      for (const f of readdirSync(join(root, dir)).filter((f) => f.endsWith('.ts')))
        // (an import of it, static or dynamic; the plugins name its path only to resolve a
        // bundle's own `import 'kida/cache'`)
        expect(readFileSync(join(root, dir, f), 'utf8'), `${dir}/${f}`).not.toMatch(/(?:from\s*|import\s*\(?\s*)['"][^'"]*adapters\/cache/);
  });
});
