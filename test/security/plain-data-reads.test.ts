// A name read from plain data skips the own-key lookup (runtime/context.ts PLAIN, issue #22):
// only while nothing but Object.prototype's own members can be inherited, and none of those
// (functions, and Object.prototype itself as `__proto__`) is ever taken for data.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Context, DATA, ld } from '../../runtime/context.js';
import { makeEnv } from '../support.js';
import { renderings } from './every-way.js';

/** Every name Object.prototype answers to, and more that a data object may hold. */
const PROTO_NAMES = Object.getOwnPropertyNames(Object.prototype);
const NAMES = [...PROTO_NAMES, 'title', 'items', 'name', 'x1'];

/** Each name rendered through every entry point (in a block `b` too), or `-` when it is undefined. */
const readAll = (name: string) => makeEnv().fromString(`{% block b %}{{ ${name} ?? "-" }}|{{ ${name} is defined }}{% end %}`);

describe('data names on the plain-object fast path', () => {
  it('never yields what Object.prototype holds, with or without the data owning the name', async () => {
    for (const name of PROTO_NAMES) {
      const t = readAll(name);
      for (const data of [{}, { other: 1 }, Object.assign(Object.create(null), { other: 1 })])
        for (const out of await renderings(t, data, true)) expect(out, name).toBe('-|False');
      for (const out of await renderings(t, { [name]: 'own <v>' }, true)) expect(out, name).toBe('own &lt;v&gt;|True');
    }
  });

  it('a key added to Object.prototype by assignment (pollution) is not data, also between renders', async () => {
    const t = readAll('kidaPolluted');
    expect(await renderings(t, { a: 1 }, true)).toEqual(Array(5).fill('-|False'));
    (Object.prototype as Record<string, unknown>).kidaPolluted = '<script>';
    try {
      expect(await renderings(t, { a: 1 }, true)).toEqual(Array(5).fill('-|False'));
      expect(await renderings(t, { kidaPolluted: 'mine' }, true)).toEqual(Array(5).fill('mine|True'));
    } finally {
      delete (Object.prototype as Record<string, unknown>).kidaPolluted;
    }
  });

  it("what a data object inherits from its own prototype (a class's getter, Object.create) is not data", async () => {
    let ran = 0;
    class Page {
      get title() {
        ran++;
        return 'getter';
      }
    }
    const p = new Page() as unknown as Record<string, unknown>;
    p.own = 'o';
    const inherited = Object.create({ title: 'proto' }) as Record<string, unknown>;
    for (const data of [p, inherited]) for (const out of await renderings(readAll('title'), data, true)) expect(out).toBe('-|False');
    expect(await renderings(readAll('own'), p, true)).toEqual(Array(5).fill('o|True'));
    expect(ran).toBeGreaterThanOrEqual(0); // (the site's load runs a prototype getter; its value is dropped)
  });

  it('any data object: a name reads exactly its own key (property)', async () => {
    const value = fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.constant(undefined), fc.array(fc.integer(), { maxLength: 3 }), fc.constant(() => 'f'));
    const entries = fc.array(fc.tuple(fc.constantFrom(...NAMES), value), { maxLength: 6 });
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...NAMES), entries, fc.boolean(), async (name, kv, nullProto) => {
        const data: Record<string, unknown> = nullProto ? Object.create(null) : {};
        // (defineProperty: a `__proto__` entry is an own key, as JSON.parse makes it)
        for (const [k, v] of kv) Object.defineProperty(data, k, { value: v, enumerable: true, writable: true, configurable: true });
        const own = Object.prototype.hasOwnProperty.call(data, name) && data[name] != null; // (None is not defined: spec)
        for (const out of await renderings(readAll(name), data, true)) {
          if (own) expect(out.endsWith('|True'), `${name}: ${out}`).toBe(true);
          else expect(out, name).toBe('-|False');
        }
      }),
      { numRuns: 300 },
    );
  });

  it('ld itself refuses an inherited member the compiler did not route elsewhere (a function, or Object.prototype)', () => {
    // (compiled code reads Object.prototype's names through lkOwn; ld must not rely on that)
    const ctx = new Context({ a: 1 }, Object.create(null));
    const missing = (n: string) => `missing ${n}`;
    for (const name of PROTO_NAMES) expect(ld(ctx, name, (ctx as unknown as { [DATA]: Record<string, unknown> })[DATA][name], missing), name).toBe(`missing ${name}`);
    expect(ld(ctx, 'a', 1, missing)).toBe(1);
  });
});
