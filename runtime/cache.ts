// The `{% cache %}` fragment store: a synchronous interface (the in-memory LRU with TTL is the
// default), an asynchronous one for shared stores (Redis, workers KV: kida/cache), and what the
// compiled `{% cache %}` calls to read and write either (docs/guide/caching.md).

import { TemplateRuntimeError } from './errors.js';

/** A store read and written synchronously: every render method can use it. */
export interface FragmentStore {
  get(key: string): string | undefined;
  set(key: string, value: string, ttlSeconds: number): void;
  clear(): void;
}

/**
 * A store whose get/set may answer with promises (a Redis or KV client). `renderAsync` and
 * `renderStreamAsync` wait for it (at most `timeoutMs`); `render`/`renderStream` cannot.
 * `get` answers the stored text, or null/undefined for a miss.
 */
export interface AsyncFragmentStore {
  get(key: string): PromiseLike<string | null | undefined> | string | null | undefined;
  set(key: string, value: string, ttlSeconds: number): PromiseLike<unknown> | unknown;
  clear?(): PromiseLike<unknown> | unknown;
}

/** Optional fields any store may carry. */
export interface FragmentStoreOptions {
  /** TTL in seconds of a `{% cache %}` without `ttl=` (default 300). */
  defaultTtl?: number;
  /** How long an asynchronous get/set may take before the fragment renders without it (default 100 ms). */
  timeoutMs?: number;
  /** Told of each failed, throwing or late get/set (the page renders the fragment instead). */
  onError?(error: unknown, info: { op: 'get' | 'set'; key: string }): void;
}

/** What `fragmentCache` / `registry.cache` accept. */
export type AnyFragmentStore = (FragmentStore | AsyncFragmentStore) & FragmentStoreOptions;

export interface CacheInfo {
  size: number;
  maxSize: number;
  /** Characters of the values kept, and the most kept (the default store's). */
  chars?: number;
  maxChars?: number;
  hits: number;
  misses: number;
}

/**
 * Characters the default store keeps in all (2^25: 32 MB of one-byte text, 64 MB at most). A
 * count of entries alone let a sandboxed template fill the host's store: 1,000 fragments of a
 * million characters each (`{% capture %}{% cache k ~ i %}…` over a few renders, none written to
 * a page) kept ~2 GB in the Environment after the renders ended. s16
 */
export const FRAGMENT_CHARS = 2 ** 25;

/** In-memory LRU with per-entry expiry (defaults: 1000 entries, 300 s, as the reference; and FRAGMENT_CHARS characters). */
export class LruFragmentStore implements FragmentStore {
  private map = new Map<string, { value: string; expires: number }>();
  /** Characters of the values kept (evicted oldest first past maxChars). */
  private chars = 0;
  hits = 0;
  misses = 0;
  constructor(
    readonly maxSize = 1000,
    readonly defaultTtl = 300,
    private readonly now: () => number = () => Date.now(),
    readonly maxChars = FRAGMENT_CHARS,
  ) {}
  get(key: string): string | undefined {
    const e = this.map.get(key);
    if (!e || e.expires <= this.now()) {
      if (e) this.drop(key);
      this.misses++;
      return undefined;
    }
    this.map.delete(key);
    this.map.set(key, e); // most recently used last
    this.hits++;
    return e.value;
  }
  set(key: string, value: string, ttlSeconds: number): void {
    if (ttlSeconds <= 0) return;
    this.drop(key);
    if (value.length > this.maxChars) return; // (a fragment past the whole bound renders uncached)
    this.map.set(key, { value, expires: this.now() + ttlSeconds * 1000 });
    this.chars += value.length;
    while (this.map.size > this.maxSize || this.chars > this.maxChars) this.drop(this.map.keys().next().value!);
  }
  private drop(key: string): void {
    const e = this.map.get(key);
    if (e) this.map.delete(key), (this.chars -= e.value.length);
  }
  clear(): void {
    this.map.clear();
    this.chars = 0;
  }
  info(): CacheInfo {
    return { size: this.map.size, maxSize: this.maxSize, chars: this.chars, maxChars: this.maxChars, hits: this.hits, misses: this.misses };
  }
}

/** `ttl=`: seconds, or "30", "30s", "5m", "2h", "1d"; invalid or negative → the default. */
export function parseTtl(ttl: unknown, dflt: number): number {
  if (ttl === undefined || ttl === null) return dflt;
  if (typeof ttl === 'number') return ttl < 0 || !Number.isFinite(ttl) ? dflt : ttl;
  // (the spaces before the unit belong to the unit's group: `\s*([smhd]?)\s*` splits a run of
  // spaces between two quantifiers every way, quadratic on spaces followed by a stray character)
  const m = /^\s*(\d+(?:\.\d+)?)(?:\s*([smhd]))?\s*$/.exec(String(ttl));
  if (!m) return dflt;
  return Number(m[1]) * { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[(m[2] ?? '') as '' | 's' | 'm' | 'h' | 'd'];
}

// ---------------------------------------------------------------- store access from templates
// The code `{% cache %}` compiles to (compiler/codegen.ts, case 'Cache'):
//   k = scoped key; ch = lookup; if (typeof ch === "string") emit ch
//   else try { body into b; cachePut(store, k, b, ttl, ch); emit b } finally { ch?.end() }
// where lookup is `cacheHit(store, k, R)` in sync code and `cacheLook(store, k, R)` in async
// renders (when it answers a CacheWait, awaited, or yielded to the async driver of a sync
// template's generator).

/** Milliseconds an asynchronous get or set may take before the fragment renders without it. */
export const STORE_TIMEOUT_MS = 100;

/** A store failed: told to its `onError`, if it has one (a throwing reporter is ignored). */
function report(store: AnyFragmentStore, error: unknown, op: 'get' | 'set', key: string): void {
  try {
    store.onError?.(error, { op, key });
  } catch {
    // (the page renders on: see docs/guide/caching.md)
  }
}

/** (a store's answer whose `then` cannot be read is no promise: a miss, and never a flight left open) */
const isThenable = (v: unknown): v is PromiseLike<unknown> => {
  try {
    return v != null && typeof (v as PromiseLike<unknown>).then === 'function';
  } catch {
    return false;
  }
};

/**
 * What an asynchronous store call settles to, given at most `timeoutMs`: the value, or
 * undefined when it rejects or is late (reported once; a late rejection is handled too, so no
 * store failure is ever an unhandled rejection).
 */
function settle(store: AnyFragmentStore, p: PromiseLike<unknown>, op: 'get' | 'set', key: string): Promise<unknown> {
  return new Promise((resolve) => {
    let done = false;
    const ms = store.timeoutMs ?? STORE_TIMEOUT_MS;
    const end = (v: unknown, err?: unknown) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (err !== undefined) report(store, err, op, key);
      resolve(v);
    };
    const timer = setTimeout(() => end(undefined, new Error(`fragment store ${op}() timed out after ${ms} ms`)), ms);
    try {
      p.then((v) => end(v), (e) => end(undefined, e ?? new Error(`fragment store ${op}() rejected`)));
    } catch (e) {
      end(undefined, e);
    }
  });
}

/** A stored fragment is a string; anything else (null from Redis or KV, undefined) is a miss. */
const asHit = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/**
 * The sync lookup (`render()`, `renderStream()`, and def/caller bodies of sync templates in any
 * render). A throwing get is a miss. An asynchronous store cannot be waited for here: in a sync
 * render that is a clear error (template and line are added on the way out); in an async render
 * (R.async: a def body of a sync template) the fragment renders, and is stored, without a read.
 */
export function cacheHit(store: AnyFragmentStore | undefined, key: string, R: { async: boolean }): string | undefined {
  if (!store) return undefined;
  let v: unknown;
  try {
    v = store.get(key);
  } catch (e) {
    report(store, e, 'get', key);
    return undefined;
  }
  if (!isThenable(v)) return asHit(v);
  settle(store, v, 'get', key); // (observed: its rejection cannot end the process)
  if (R.async) return undefined;
  throw new TemplateRuntimeError(
    'The fragment cache answered asynchronously: a {% cache %} with an asynchronous store needs renderAsync() or renderStreamAsync() (render(), renderStream() and renderBlock() read the store synchronously)',
  );
}

/** The render of one key in progress in this process (single-flight): later misses wait for it. */
export class Flight {
  private resolve!: (v: string | undefined) => void;
  readonly text = new Promise<string | undefined>((r) => (this.resolve = r));
  constructor(
    private readonly flights: Map<string, Flight>,
    private readonly key: string,
    /** The render rendering it (its RenderState's shared part: includes and imports share it). */
    readonly owner: object,
  ) {
    flights.set(key, this);
  }
  /** Settles the waiters: the text, or undefined (the owner failed or was abandoned: they render). */
  end(text?: string): void {
    if (this.flights.get(this.key) === this) this.flights.delete(this.key);
    this.resolve(text);
  }
}
/** Flights per store: two Environments (or a registry) sharing a store share its flights. */
const flightsOf = new WeakMap<object, Map<string, Flight>>();
/** The flight each waiting render waits for (a render waits for one at a time). */
const waitingFor = new WeakMap<object, Flight>();
/**
 * Would `render` waiting for `f` never end? It would when `f`'s owner is this render (the same
 * key nested in its own fragment), or waits, through other renders, for a flight this render
 * owns (keys nested in opposite orders on two pages). Such a render renders the fragment itself.
 */
function waitsForItself(render: object, f: Flight): boolean {
  for (let o: object | undefined = f.owner; o; o = waitingFor.get(o)?.owner) if (o === render) return true;
  return false;
}

/** A lookup that has to wait (an asynchronous store, or another render's flight): the async driver of a sync template's generator calls `t()` (runtime/template.ts driveAsync); async templates await it. */
export interface CacheWait {
  t(): Promise<string | Flight | undefined>;
}
/**
 * The lookup of async renders: a hit's text, or a Flight this render owns (it renders the
 * fragment, and `cachePut` hands the text to the renders waiting on it), or undefined (no store;
 * or the render this one waited for failed, so it renders its own), or a CacheWait for one of
 * these when the store answers asynchronously or another render of the key is in flight. A
 * synchronous store is answered at once: no await per fragment.
 */
export function cacheLook(store: AnyFragmentStore | undefined, key: string, R: { shared: object }): string | Flight | CacheWait | undefined {
  if (!store) return undefined;
  const render = R.shared;
  let flights = flightsOf.get(store);
  if (!flights) flightsOf.set(store, (flights = new Map()));
  const other = flights.get(key);
  if (other) return waitsForItself(render, other) ? undefined : { t: () => waitFor(render, other) };
  const mine = new Flight(flights, key, render);
  let v: unknown;
  try {
    v = store.get(key);
  } catch (e) {
    report(store, e, 'get', key);
    return mine;
  }
  if (isThenable(v)) return { t: async () => owned(mine, await settle(store, v, 'get', key)) };
  return owned(mine, v);
}
/** The answer of the owner's read: a hit ends its flight (the waiters get the text too). */
function owned(mine: Flight, v: unknown): string | Flight {
  const hit = asHit(v);
  if (hit === undefined) return mine;
  mine.end(hit);
  return hit;
}
async function waitFor(render: object, f: Flight): Promise<string | undefined> {
  waitingFor.set(render, f);
  try {
    return await f.text;
  } finally {
    waitingFor.delete(render);
  }
}

/**
 * Stores a rendered fragment (`ttl` as written in the template; a rejecting, throwing or late
 * set is reported and otherwise ignored: nothing waits for it) and gives the text to the renders
 * waiting on this one (with a ttl of 0 or less nothing is cached: they render their own).
 */
export function cachePut(store: AnyFragmentStore | undefined, key: string, text: string, ttl: unknown, flight: Flight | undefined): void {
  if (!store) return;
  const seconds = parseTtl(ttl, store.defaultTtl ?? 300);
  flight?.end(seconds > 0 ? text : undefined);
  try {
    const r = store.set(key, text, seconds);
    if (isThenable(r)) settle(store, r, 'set', key);
  } catch (e) {
    report(store, e, 'set', key);
  }
}
