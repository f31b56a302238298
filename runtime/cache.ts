// The `{% cache %}` fragment store: an interface a user can back with Redis or a KV
// store, and an in-memory LRU with TTL as the default.

import { TemplateRuntimeError } from './errors.js';
import { observe } from './values.js';

export interface FragmentStore {
  get(key: string): string | undefined;
  set(key: string, value: string, ttlSeconds: number): void;
  clear(): void;
}

export interface CacheInfo {
  size: number;
  maxSize: number;
  hits: number;
  misses: number;
}

/** In-memory LRU with per-entry expiry (defaults: 1000 entries, 300 s, as the reference). */
export class LruFragmentStore implements FragmentStore {
  private map = new Map<string, { value: string; expires: number }>();
  hits = 0;
  misses = 0;
  constructor(
    readonly maxSize = 1000,
    readonly defaultTtl = 300,
    private readonly now: () => number = () => Date.now(),
  ) {}
  get(key: string): string | undefined {
    const e = this.map.get(key);
    if (!e || e.expires <= this.now()) {
      if (e) this.map.delete(key);
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
    this.map.delete(key);
    this.map.set(key, { value, expires: this.now() + ttlSeconds * 1000 });
    while (this.map.size > this.maxSize) this.map.delete(this.map.keys().next().value!);
  }
  clear(): void {
    this.map.clear();
  }
  info(): CacheInfo {
    return { size: this.map.size, maxSize: this.maxSize, hits: this.hits, misses: this.misses };
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

/**
 * What `{% cache %}` takes from the store's `get()`. Fragments render synchronously: a store
 * answering with a promise is an error (the promise observed, so its rejection cannot end the
 * process), not "[object Promise]" in the page.
 */
export function cacheHit(v: unknown): unknown {
  if (v instanceof Promise) {
    observe(v);
    throw new TemplateRuntimeError('The fragment cache returned a promise: {% cache %} needs a store whose get() answers synchronously');
  }
  return v;
}
