// `kida/cache`: fragment stores shared by many processes, for `{% cache %}` in async renders
// (renderAsync, renderStreamAsync). Small adapters over a client you create and connect:
//   const env = new Environment({ fragmentCache: redisStore(redisClient) });   // node-redis v4+ or ioredis
//   registry.cache = kvStore(envBindings.FRAGMENTS);                           // a workers KV namespace
// Nothing else imports this module: bundles that do not name it do not carry it.

import type { AsyncFragmentStore, FragmentStoreOptions } from '../runtime/cache.js';

export interface SharedStoreOptions extends FragmentStoreOptions {
  /** Prepended to every key (default `"kida:"`), so `clear()` deletes only these entries. */
  prefix?: string;
  /**
   * Given each write's promise. The page does not wait for writes; where the platform may cancel
   * work left when the response ends (Cloudflare Workers), pass its `waitUntil`
   * (`import { waitUntil } from 'cloudflare:workers'`, or `ctx.waitUntil` of the request).
   */
  waitUntil?: (write: Promise<unknown>) => void;
}

/** A store of kida/cache: an AsyncFragmentStore with its options as fields. */
export interface SharedFragmentStore extends AsyncFragmentStore, FragmentStoreOptions {
  get(key: string): Promise<string | null>;
  set(key: string, value: string, ttlSeconds: number): Promise<void>;
  /** Deletes every entry under the prefix. */
  clear(): Promise<void>;
}

function fieldsOf(options: SharedStoreOptions): FragmentStoreOptions {
  const o: FragmentStoreOptions = {};
  if (options.defaultTtl !== undefined) o.defaultTtl = options.defaultTtl;
  if (options.timeoutMs !== undefined) o.timeoutMs = options.timeoutMs;
  if (options.onError !== undefined) o.onError = options.onError;
  return o;
}

/** A write, handed to `waitUntil` when there is one (its rejection handled there: the store's caller reports it). */
function kept(options: SharedStoreOptions, write: PromiseLike<unknown>): Promise<unknown> {
  const p = Promise.resolve(write);
  if (options.waitUntil)
    try {
      options.waitUntil(p.catch(() => {}));
    } catch {
      // (outside a request: the write goes on regardless)
    }
  return p;
}

const text = (v: unknown): string | null => (typeof v === 'string' ? v : v == null ? null : String(v)); // (a Buffer: UTF-8)

// ------------------------------------------------------------------------------------- Redis

export interface RedisStoreOptions extends SharedStoreOptions {
  /**
   * The client's `set` signature: node-redis v4+ takes `set(key, value, { EX })`, ioredis
   * `set(key, value, 'EX', ttl)`. Default: ioredis when the client has a `status` string and no
   * `isOpen` (ioredis clients and clusters), else node-redis.
   */
  api?: 'node-redis' | 'ioredis';
}

/** The calls the Redis store makes (both clients have them; `scan*` and `del` only for clear()). */
export interface RedisClientLike {
  get(key: string): PromiseLike<unknown>;
  set(key: string, value: string, ...args: any[]): PromiseLike<unknown>;
  del?(...args: any[]): PromiseLike<unknown>;
  scan?(...args: any[]): PromiseLike<unknown>;
  scanIterator?(options: { MATCH: string; COUNT?: number }): AsyncIterable<string | string[]>;
  status?: unknown;
}

/** Escapes a glob pattern for Redis MATCH. */
const globEscape = (s: string) => s.replace(/[\\*?[\]]/g, '\\$&');

/**
 * A Redis fragment store over a client you pass, connected (`await client.connect()` for
 * node-redis). Entries expire in Redis (`EX` seconds; `PX` for a fractional ttl); a ttl of 0 or
 * less stores nothing. Keys are binary-safe in Redis: a sandboxed template's keys stay apart.
 */
export function redisStore(client: RedisClientLike, options: RedisStoreOptions = {}): SharedFragmentStore {
  const prefix = options.prefix ?? 'kida:';
  const api = options.api ?? (typeof client.status === 'string' && !('isOpen' in client) ? 'ioredis' : 'node-redis');
  return {
    ...fieldsOf(options),
    async get(key) {
      return text(await client.get(prefix + key));
    },
    async set(key, value, ttl) {
      if (!(ttl > 0)) return;
      const [unit, n] = Number.isInteger(ttl) ? (['EX', ttl] as const) : (['PX', Math.max(1, Math.round(ttl * 1000))] as const);
      await kept(options, api === 'ioredis' ? client.set(prefix + key, value, unit, n) : client.set(prefix + key, value, { [unit]: n }));
    },
    async clear() {
      if (!prefix) throw new Error('redisStore: clear() needs a prefix (it would delete every key of the database)');
      const match = globEscape(prefix) + '*';
      const keys: string[] = [];
      if (api === 'node-redis' && client.scanIterator) {
        // (node-redis v4 yields keys one by one, v5+ in arrays)
        for await (const k of client.scanIterator({ MATCH: match, COUNT: 500 })) keys.push(...(Array.isArray(k) ? k : [k]));
      } else {
        let cursor = '0';
        do {
          const [next, found] = (await client.scan!(cursor, 'MATCH', match, 'COUNT', 500)) as [string, string[]];
          cursor = String(next);
          keys.push(...found);
        } while (cursor !== '0');
      }
      for (let i = 0; i < keys.length; i += 500) {
        const batch = keys.slice(i, i + 500);
        await (api === 'ioredis' ? client.del!(...batch) : client.del!(batch));
      }
    },
  };
}

// --------------------------------------------------------------------------- workers KV

/** The calls the KV store makes (a Cloudflare Workers KV namespace has them; `list`/`delete` only for clear()). */
export interface KvNamespaceLike {
  get(key: string): PromiseLike<string | null>;
  put(key: string, value: string, options?: { expirationTtl?: number }): PromiseLike<unknown>;
  delete?(key: string): PromiseLike<unknown>;
  list?(options: { prefix?: string; cursor?: string }): PromiseLike<{ keys: { name: string }[]; list_complete: boolean; cursor?: string }>;
}

/** Workers KV refuses an `expirationTtl` under 60 seconds. */
const KV_MIN_TTL = 60;

/**
 * A fragment store over a KV namespace (`get`/`put` with `expirationTtl`). KV expires entries
 * no sooner than 60 s, so each value carries its own expiry time and a read past it is a miss:
 * a `ttl=10` fragment lives 10 s. Keys are URI-encoded under the prefix (KV keys are text of at
 * most 512 bytes: a longer key fails its put, which only costs that fragment its cache).
 */
export function kvStore(namespace: KvNamespaceLike, options: SharedStoreOptions & { now?: () => number } = {}): SharedFragmentStore {
  const prefix = options.prefix ?? 'kida:';
  const now = options.now ?? Date.now;
  const name = (key: string) => prefix + encodeURIComponent(key);
  return {
    ...fieldsOf(options),
    async get(key) {
      const v = await namespace.get(name(key));
      if (typeof v !== 'string') return null;
      const at = v.indexOf(':');
      const until = Number(v.slice(0, at));
      return at > 0 && until > now() ? v.slice(at + 1) : null;
    },
    async set(key, value, ttl) {
      if (!(ttl > 0)) return;
      await kept(options, namespace.put(name(key), `${Math.ceil(now() + ttl * 1000)}:${value}`, { expirationTtl: Math.max(KV_MIN_TTL, Math.ceil(ttl)) }));
    },
    async clear() {
      if (!namespace.list || !namespace.delete) throw new Error('kvStore: clear() needs the namespace to have list() and delete()');
      // (every page is listed before anything is deleted: deleting while paging could skip keys)
      const names: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await namespace.list(cursor === undefined ? { prefix } : { prefix, cursor });
        for (const k of page.keys) names.push(k.name);
        cursor = page.list_complete ? undefined : page.cursor;
      } while (cursor !== undefined);
      for (let i = 0; i < names.length; i += 50) await Promise.all(names.slice(i, i + 50).map((n) => namespace.delete!(n)));
    },
  };
}
