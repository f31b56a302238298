// `{% cache %}` over an asynchronous store (issue #24, "a fragment cache shared by many
// instances"): async renders wait for the store, concurrent misses of one key render once per
// process, a failing, throwing or hanging store only costs the fragment its cache, sandboxed keys
// stay apart, and sync renders say clearly that they cannot read an async store.
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DictLoader, Environment, type EnvironmentOptions } from '../../compiler/environment.js';
import type { AsyncFragmentStore, FragmentStoreOptions } from '../../runtime/cache.js';
import type { Template } from '../../runtime/template.js';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

// Every unhandled rejection while these tests run is a failure.
const unhandled: unknown[] = [];
const onUnhandled = (e: unknown) => void unhandled.push(e);
beforeAll(() => void process.on('unhandledRejection', onUnhandled));
afterAll(() => void process.off('unhandledRejection', onUnhandled));
afterEach(async () => {
  await sleep(30);
  expect(unhandled.map((e) => String((e as Error)?.message ?? e))).toEqual([]);
});

/** An in-memory async store with a delay, counting calls; `fail` makes its calls misbehave. */
class FakeStore implements AsyncFragmentStore, FragmentStoreOptions {
  data = new Map<string, { v: string; until: number }>();
  gets: string[] = [];
  sets: [string, string, number][] = [];
  errors: string[] = [];
  fail: 'none' | 'reject' | 'throw' | 'hang' = 'none';
  failSet: 'none' | 'reject' | 'throw' | 'hang' = 'none';
  timeoutMs = 50;
  defaultTtl?: number;
  constructor(readonly delay = 5) {}
  onError = (e: unknown, info: { op: string; key: string }) => void this.errors.push(`${info.op}:${info.key}:${(e as Error).message}`);
  private act<T>(mode: string, v: () => T): Promise<T> {
    if (mode === 'throw') throw new Error('store down (sync)');
    if (mode === 'hang') return new Promise(() => {});
    return sleep(this.delay).then(() => {
      if (mode === 'reject') throw new Error('store down');
      return v();
    });
  }
  get(key: string): Promise<string | null> {
    this.gets.push(key);
    return this.act(this.fail, () => {
      const e = this.data.get(key);
      return e && e.until > Date.now() ? e.v : null;
    });
  }
  set(key: string, value: string, ttl: number): Promise<void> {
    this.sets.push([key, value, ttl]);
    return this.act(this.failSet, () => void this.data.set(key, { v: value, until: Date.now() + ttl * 1000 }));
  }
  clear(): Promise<void> {
    this.data.clear();
    return Promise.resolve();
  }
}

const envWith = (store: object, templates: Record<string, string> = {}, options: EnvironmentOptions = {}) =>
  new Environment({ loader: new DictLoader(templates), fragmentCache: store as AsyncFragmentStore, ...options });

/** A global that counts how often the fragment body ran. */
function counter() {
  const c = { n: 0, tick: () => ++c.n };
  return c;
}

type AsyncWay = 'renderAsync' | 'renderStreamAsync' | 'renderBlockAsync' | 'renderBlockStreamAsync';
const ASYNC_WAYS: AsyncWay[] = ['renderAsync', 'renderStreamAsync', 'renderBlockAsync', 'renderBlockStreamAsync'];
async function via(t: Template, way: AsyncWay, ctx: Record<string, unknown> = {}, block = 'b'): Promise<string> {
  if (way === 'renderAsync') return t.renderAsync(ctx);
  if (way === 'renderBlockAsync') return t.renderBlockAsync(block, ctx);
  let s = '';
  for await (const c of way === 'renderStreamAsync' ? t.renderStreamAsync(ctx) : t.renderBlockStreamAsync(block, ctx)) s += c;
  return s;
}

// A sync template (its async renders run the streaming twin through the async driver) and an
// async one (its own async generator), each with the fragment in a block, in an include and in an
// embed's block.
const SYNC_PAGE = '{% block b %}<{% cache "k" ~ id %}{{ tick() }}:{{ id }}{% end %}>{% end %}';
const ASYNC_PAGE = '{% block b %}<{% cache "k" ~ id %}{{ await slow }}{{ tick() }}:{{ id }}{% end %}>{% end %}';

describe('async renders read an asynchronous store', () => {
  it.each(ASYNC_WAYS)('%s: a fragment one render stored is served to the next (sync and async templates)', async (way) => {
    for (const page of [SYNC_PAGE, ASYNC_PAGE]) {
      const store = new FakeStore();
      const c = counter();
      const t = envWith(store, {}, { globals: { tick: c.tick } }).fromString(page);
      const ctx = () => ({ id: 7, slow: sleep(5).then(() => '') });
      expect(await via(t, way, ctx())).toBe('<1:7>');
      expect(await via(t, way, ctx())).toBe('<1:7>');
      expect(c.n).toBe(1);
      expect(store.sets).toEqual([['k7', '1:7', 300]]);
      expect([...new Set(store.gets)]).toEqual(['k7']);
    }
  });

  it('a fragment stored by any async method is a hit for every other, including in includes and embeds', async () => {
    const store = new FakeStore();
    const c = counter();
    const templates = {
      frag: '{% cache "shared" %}F{{ tick() }}{% end %}',
      frame: '[{% block slot %}{% end %}]',
    };
    const env = envWith(store, templates, { globals: { tick: c.tick } });
    const pages = [
      env.fromString('{% include "frag" %}'),
      env.fromString('{% block b %}{% include "frag" %}{% end %}'),
      env.fromString('{% embed "frame" %}{% block slot %}{% cache "shared" %}never{% end %}{% end %}{% end %}'),
      env.fromString('{{ await p }}{% include "frag" %}'),
    ];
    const out: string[] = [];
    for (const t of pages)
      for (const way of ASYNC_WAYS) {
        if (way.includes('Block') && !t.listBlocks().includes('b')) continue;
        out.push(await via(t, way, { p: Promise.resolve('') }));
      }
    expect(out.every((o) => o.includes('F1'))).toBe(true);
    expect(out.filter((o) => o.startsWith('['))).toEqual(['[F1]', '[F1]']);
    expect(c.n).toBe(1);
  });

  it('sync renders of the same template keep working with a synchronous store', async () => {
    const c = counter();
    const t = new Environment({ globals: { tick: c.tick } }).fromString(SYNC_PAGE);
    expect(t.render({ id: 1 })).toBe('<1:1>');
    expect([...t.renderStream({ id: 1 })].join('')).toBe('<1:1>');
    expect(t.renderBlock('b', { id: 1 })).toBe('<1:1>');
    expect(await t.renderAsync({ id: 1 })).toBe('<1:1>');
    expect(c.n).toBe(1);
  });
});

describe('single-flight: concurrent misses of one key render once per process', () => {
  it.each(ASYNC_WAYS)('%s: 20 concurrent renders, one body render, one get, one set', async (way) => {
    for (const page of [SYNC_PAGE, ASYNC_PAGE]) {
      const store = new FakeStore(10);
      const c = counter();
      const t = envWith(store, {}, { globals: { tick: c.tick } }).fromString(page);
      const out = await Promise.all(Array.from({ length: 20 }, () => via(t, way, { id: 3, slow: sleep(10).then(() => '') })));
      expect(new Set(out)).toEqual(new Set(['<1:3>']));
      expect(c.n).toBe(1);
      expect(store.gets).toEqual(['k3']);
      expect(store.sets.length).toBe(1);
    }
  });

  it('the default in-memory store too: answered without waiting, a slow fragment renders once for 10 concurrent renders', async () => {
    const c = counter();
    const env = new Environment({ globals: { tick: c.tick } });
    const t = env.fromString(ASYNC_PAGE);
    const out = await Promise.all(Array.from({ length: 10 }, (_, i) => via(t, ASYNC_WAYS[i % 4]!, { id: 5, slow: sleep(20).then(() => '') })));
    expect(new Set(out)).toEqual(new Set(['<1:5>']));
    expect(c.n).toBe(1);
    expect(env.cacheInfo()).toMatchObject({ misses: 1, size: 1 });
  });
  it('different keys do not wait for each other; two stores have their own flights', async () => {
    const a = new FakeStore(10);
    const b = new FakeStore(10);
    const c = counter();
    const ta = envWith(a, {}, { globals: { tick: c.tick } }).fromString(SYNC_PAGE);
    const tb = envWith(b, {}, { globals: { tick: c.tick } }).fromString(SYNC_PAGE);
    const out = await Promise.all([ta.renderAsync({ id: 1 }), ta.renderAsync({ id: 2 }), tb.renderAsync({ id: 1 }), ta.renderAsync({ id: 1 })]);
    expect(c.n).toBe(3);
    expect(out[0]).toBe(out[3]);
  });

  it('an owner whose fragment fails lets the waiters render their own (caught by try), never hangs them', async () => {
    const store = new FakeStore(10);
    let calls = 0;
    const obj = () => (++calls === 1 ? {} : { ok: 'ok' }); // the first render reads a missing key
    const t = envWith(store, {}, { globals: { obj } }).fromString('{% try %}{% cache "k" %}{{ obj().ok }}{% end %}{% fallback %}fallback{% end %}');
    const out = await Promise.all(Array.from({ length: 5 }, () => t.renderAsync()));
    expect(out[0]).toBe('fallback');
    expect(out.slice(1)).toEqual(['ok', 'ok', 'ok', 'ok']);
    expect(calls).toBe(5);
  });

  it('an owner stream abandoned mid-fragment (client gone) releases the waiters', async () => {
    const store = new FakeStore(5);
    const gate: { open?: () => void } = {};
    const slow = new Promise<string>((r) => (gate.open = () => r('slow')));
    const t = envWith(store).fromString('a{% flush %}{% cache "k" %}{{ await v }}{% end %}z');
    const owner = t.renderStreamAsync({ v: slow });
    expect((await owner.next()).value).toBe('a');
    const pending = owner.next(); // the owner is now inside the fragment, awaiting `slow`
    await sleep(20);
    const waiter = t.renderAsync({ v: 'fresh' });
    const closing = owner.return(undefined);
    gate.open!();
    await pending;
    await closing;
    expect(await waiter).toMatch(/^a(slow|fresh)z$/);
  });

  const within = <T>(p: Promise<T>, ms = 3000) => Promise.race([p, sleep(ms).then(() => 'hung' as const)]);
  it('a key nested in its own fragment (a recursive include) renders instead of waiting for itself', async () => {
    const store = new FakeStore(2);
    const templates = { self: '{% cache "same" %}<{% if n > 0 %}{% with n = n - 1 %}{% include "self" %}{% end %}{% end %}>{% end %}' };
    const env = envWith(store, templates);
    for (const src of ['{% include "self" %}', '{{ await p }}{% include "self" %}'])
      expect(await within(env.fromString(src).renderAsync({ n: 2, p: Promise.resolve('') }))).toBe('<<<>>>');
  });
  it('keys nested in opposite orders on two concurrent pages: neither waits for the other forever', async () => {
    const store = new FakeStore(2);
    const templates = {
      a: '{% cache "A" %}A[{{ await slow }}{% if d < 1 %}{% with d = d + 1 %}{% include "b" %}{% end %}{% end %}]{% end %}',
      b: '{% cache "B" %}B[{{ await slow }}{% if d < 1 %}{% with d = d + 1 %}{% include "a" %}{% end %}{% end %}]{% end %}',
    };
    const env = envWith(store, templates);
    const slow = () => sleep(20).then(() => '');
    const pages = [env.fromString('{% include "a" %}'), env.fromString('{% include "b" %}')];
    // page 1 owns A and waits for B inside it; page 2 owns B and, inside it, meets A
    const out = await within(Promise.all(pages.map((t) => t.renderAsync({ slow: slow(), d: 0 }))));
    expect(out).toEqual(['A[B[A[]]]', 'B[A[]]']);
  });
  it('ttl=0 caches nothing: the waiters render their own', async () => {
    const store = new FakeStore(10);
    const c = counter();
    const t = envWith(store, {}, { globals: { tick: c.tick } }).fromString('{% cache "z", ttl=0 %}{{ tick() }}{% end %}');
    await Promise.all([t.renderAsync(), t.renderAsync(), t.renderAsync()]);
    expect(c.n).toBe(3);
    expect(store.sets.map((s) => s[2])).toEqual([0, 0, 0]);
  });
});

describe('ttl', () => {
  it('ttl= reaches the store in seconds; without it the store\'s defaultTtl (else 300)', async () => {
    const store = new FakeStore(1);
    const env = envWith(store);
    await env.fromString('{% cache "a", ttl="5m" %}a{% end %}{% cache "b", ttl=2.5 %}b{% end %}{% cache "c" %}c{% end %}{% cache "d", ttl="bad" %}d{% end %}').renderAsync();
    store.defaultTtl = 42;
    await env.fromString('{% cache "e" %}e{% end %}').renderAsync();
    expect(store.sets.map(([k, , ttl]) => `${k}@${ttl}`)).toEqual(['a@300', 'b@2.5', 'c@300', 'd@300', 'e@42']);
  });
  it('an expired fragment renders again', async () => {
    const store = new FakeStore(1);
    const c = counter();
    const t = envWith(store, {}, { globals: { tick: c.tick } }).fromString('{% cache "k", ttl=0.05 %}{{ tick() }}{% end %}');
    expect(await t.renderAsync()).toBe('1');
    expect(await t.renderAsync()).toBe('1');
    await sleep(70);
    expect(await t.renderAsync()).toBe('2');
  });
});

describe('a failing store degrades to rendering the fragment', () => {
  it.each(['reject', 'throw', 'hang'] as const)('get: %s — every async method renders the page, the error is reported', async (mode) => {
    for (const page of [SYNC_PAGE, ASYNC_PAGE]) {
      const store = new FakeStore(1);
      store.fail = mode;
      const c = counter();
      const t = envWith(store, {}, { globals: { tick: c.tick } }).fromString(page);
      const started = Date.now();
      for (const way of ASYNC_WAYS) expect(await via(t, way, { id: 1, slow: Promise.resolve('') })).toMatch(/^<\d:1>$/);
      expect(c.n).toBe(4); // never a hit, never an error
      expect(Date.now() - started).toBeLessThan(mode === 'hang' ? 4 * 50 + 500 : 500);
      expect(store.errors.length).toBe(4);
      expect(store.errors[0]).toMatch(mode === 'hang' ? /^get:k1:fragment store get\(\) timed out after 50 ms$/ : /^get:k1:store down/);
    }
  });
  it.each(['reject', 'throw', 'hang'] as const)('set: %s — the page is complete and the next render renders again', async (mode) => {
    const store = new FakeStore(1);
    store.failSet = mode;
    const c = counter();
    const t = envWith(store, {}, { globals: { tick: c.tick } }).fromString(SYNC_PAGE);
    expect(await t.renderAsync({ id: 2 })).toBe('<1:2>');
    await sleep(60);
    expect(await via(t, 'renderStreamAsync', { id: 2 })).toBe('<2:2>');
    expect(store.errors[0]).toMatch(/^set:k2:/);
  });
  it('a throwing onError changes nothing', async () => {
    const store = new FakeStore(1);
    store.fail = 'reject';
    store.onError = () => {
      throw new Error('reporter down');
    };
    expect(await envWith(store).fromString('{% cache "k" %}x{% end %}').renderAsync()).toBe('x');
  });
  it('a sync store whose get or set throws: the fragment renders in every method', async () => {
    const seen: string[] = [];
    const store = {
      get() {
        throw new Error('get');
      },
      set() {
        throw new Error('set');
      },
      clear() {},
      onError: (e: Error, i: { op: string }) => void seen.push(`${i.op}:${e.message}`),
    };
    const t = envWith(store).fromString(SYNC_PAGE.replace('{{ tick() }}', 'x'));
    expect(t.render({ id: 1 })).toBe('<x:1>');
    expect([...t.renderStream({ id: 1 })].join('')).toBe('<x:1>');
    expect(await t.renderAsync({ id: 1 })).toBe('<x:1>');
    expect(seen).toEqual(['get:get', 'set:set', 'get:get', 'set:set', 'get:get', 'set:set']);
  });
});

describe('sync renders and an asynchronous store', () => {
  it('render, renderStream and renderBlock(Stream) fail clearly with template and line; the pending get is observed', () => {
    const store = new FakeStore(1);
    store.fail = 'reject';
    const t = envWith(store).fromString('{% block b %}\n\n{% cache "k" %}x{% end %}{% end %}', { name: 'page.html' });
    const attempts: (() => unknown)[] = [() => t.render(), () => [...t.renderStream()], () => t.renderBlock('b'), () => [...t.renderBlockStream('b')]];
    for (const attempt of attempts) {
      let err: (Error & { templateName?: string; lineno?: number }) | undefined;
      try {
        attempt();
      } catch (e) {
        err = e as Error;
      }
      expect(err?.name).toBe('TemplateRuntimeError');
      expect([err?.templateName, err?.lineno]).toEqual(['page.html', 3]);
      expect(err?.message).toContain('needs renderAsync() or renderStreamAsync()');
    }
  });
  it('a fragment inside a def of a sync template, in an async render: rendered and stored (the def cannot wait for a read)', async () => {
    const store = new FakeStore(1);
    const c = counter();
    const env = envWith(store, {}, { globals: { tick: c.tick } });
    const t = env.fromString('{% def f() %}{% cache "d" %}{{ tick() }}{% end %}{% end %}[{{ f() }}]');
    expect(await t.renderAsync()).toBe('[1]');
    expect(await t.renderAsync()).toBe('[2]');
    expect(store.sets.map((s) => s[0])).toEqual(['d', 'd']);
    // in an async template the def is async: it waits for the store and hits
    const ta = env.fromString('{% def f() %}{% cache "d" %}{{ tick() }}{% end %}{% end %}[{{ f() }}]{{ await p }}');
    expect(await ta.renderAsync({ p: Promise.resolve('') })).toBe('[2]');
  });
});

describe('sandboxed keys stay apart in a shared async store', () => {
  it('neither side reads or plants the other\'s entries, nor joins its flight', async () => {
    const store = new FakeStore(10);
    const trusted = envWith(store);
    const sandboxed = envWith(store, {}, { sandbox: true });
    const [a, b] = await Promise.all([
      trusted.fromString('{% cache "k" %}trusted{% end %}').renderAsync(),
      sandboxed.fromString('{% cache "k" %}sandboxed{% end %}').renderAsync(),
    ]);
    expect([a, b]).toEqual(['trusted', 'sandboxed']);
    expect(await sandboxed.fromString('{% cache "p" %}planted{% end %}').renderAsync()).toBe('planted');
    // a trusted template given the sandboxed spelling of a key reads its own entry, not the planted one
    expect(await trusted.fromString('{% cache k %}crafted{% end %}').renderAsync({ k: '\0sb\0p' })).toBe('crafted');
    expect(await sandboxed.fromString('{% cache "p" %}again{% end %}').renderAsync()).toBe('planted');
    expect(await trusted.fromString('{% cache "k" %}again{% end %}').renderAsync()).toBe('trusted');
    expect(store.sets.map((s) => s[0])).toEqual(['k', '\0sb\0k', '\0sb\0p', '\0\0sb\0p']);
  });
  it('property: for any keys, trusted and sandboxed store keys never coincide', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: fc.constantFrom('\0', 's', 'b', 'x', '\u0001') }), fc.string({ unit: fc.constantFrom('\0', 's', 'b', 'x') }), async (k1, k2) => {
        const store = new FakeStore(0);
        await envWith(store).fromString('{% cache k %}t{% end %}').renderAsync({ k: k1 });
        await envWith(store, {}, { sandbox: true }).fromString('{% cache k %}s{% end %}').renderAsync({ k: k2 });
        const [t, s] = store.sets.map((x) => x[0]);
        expect(t).not.toBe(s);
        expect(s!.startsWith('\0sb\0')).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});

describe('property: a cache only ever serves what the same key rendered', () => {
  it('random concurrent renders over a few keys agree with an uncached render of the first value per key', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.string({ maxLength: 4 }), fc.constantFrom(...ASYNC_WAYS)), { minLength: 1, maxLength: 12 }), async (calls) => {
        const store = new FakeStore(1);
        const src = '{% block b %}({% cache "k" ~ id %}{{ v }}{% end %}){% end %}';
        const t = envWith(store).fromString(src);
        const plain = new Environment({ fragmentCache: { get: () => undefined, set() {}, clear() {} } }).fromString(src);
        const out = await Promise.all(calls.map(([id, v, way]) => via(t, way, { id, v })));
        // every key shows one value, and it is one that a render with that key passed
        const byKey = new Map<number, Set<string>>();
        calls.forEach(([id], i) => byKey.set(id, (byKey.get(id) ?? new Set()).add(out[i]!)));
        for (const [id, shown] of byKey) {
          expect(shown.size).toBe(1);
          const escaped = calls.filter((c) => c[0] === id).map((c) => plain.render({ id, v: c[1] }));
          expect(escaped).toContain([...shown][0]);
        }
      }),
      { numRuns: 60 },
    );
  });
});
