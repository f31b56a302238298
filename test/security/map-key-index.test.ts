// Issue #19 §2: looking up a key that is equal but not identical to one of a host Map's or Set's
// keys (`m[(i, 1)]`, `(i, 1) in s` build a new tuple each time) read every key: n lookups in a
// loop were n². values.ts keyOf buckets the keys by eqKey, checked against the size, rebuilt
// after the runtime's mutators and after a Map/Set method is read; these tests hold it to the
// scanning lookup it replaced.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { measurePair } from './linear-clock.js';
import { Tuple, contains, dictGet, getattr, keyOf, tuple, eq } from '../../runtime/values.js';
import { m_clear, m_discard, m_pop, m_popitem, m_remove, m_setdefault, m_update } from '../../runtime/methods.js';
import { makeEnv } from '../support.js';

/** The least CPU time of three runs. */

describe('n lookups of equal, not identical keys are linear', () => {
  const env = makeEnv();
  const t = env.fromString('{% for i in range(n) %}{% if (i, 1) in m %}{{ m[(i, 1)] }}{% endif %}{% if (i, 2) in s %}-{% endif %}{% endfor %}');
  const data = (n: number) => ({
    n,
    m: new Map(Array.from({ length: n }, (_, i) => [tuple([i, 1]), i % 10])),
    s: new Set(Array.from({ length: n }, (_, i) => tuple([i, 2]))),
  });
  it('10k and 20k lookups on as many keys: twice the time, not four times', () => {
    const small = data(10_000);
    const big = data(20_000);
    expect(t.render(data(50))).toBe(Array.from({ length: 50 }, (_, i) => `${i % 10}-`).join(''));
    const { t1: a, t2: b } = measurePair(() => t.render(small), () => t.render(big));
    // (quadratic, 20k lookups took seconds; the floor keeps a fast run's noise from failing it)
    expect(b, `${a.toFixed(1)} ms → ${b.toFixed(1)} ms`).toBeLessThan(Math.max(3 * a + 25, 150));
  });
});

/** The lookup keyOf replaced: k itself when present, else the first key in insertion order `eq` to k (with a value, for a Map). */
function scan(c: Map<unknown, unknown> | Set<unknown>, k: unknown): [unknown] | [] {
  const ok = (x: unknown) => (c instanceof Map ? c.get(x) !== undefined : c.has(x));
  if (ok(k)) return [k];
  for (const x of c.keys()) if (ok(x) && eq(x, k)) return [x];
  return [];
}

// Keys drawn from a small space so that lookups hit, miss and collide: ints, their float and
// bool twins, strings, and tuples of them (each lookup builds a fresh tuple).
const atom = fc.oneof(fc.integer({ min: 0, max: 3 }), fc.constantFrom(true, false, 1.5, 'a', 'b'));
const key = fc.oneof(atom, fc.array(atom, { maxLength: 2 }).map((xs) => tuple(xs)));
const fresh = (k: unknown): unknown => (k instanceof Tuple ? tuple([...k]) : k);
const op = fc.oneof(
  fc.record({ kind: fc.constant('look' as const), k: key }),
  fc.record({ kind: fc.constant('hostSet' as const), k: key }), // the host's own set (changes the size or a value)
  fc.record({ kind: fc.constant('jsDelete' as const), k: key }), // a template calling the Map's own delete
  fc.record({ kind: fc.constant('jsSet' as const), k: key }),
  fc.record({ kind: fc.constant('pop' as const), k: key }),
  fc.record({ kind: fc.constant('update' as const), k: key }),
  fc.record({ kind: fc.constant('setdefault' as const), k: key }),
  fc.record({ kind: fc.constant('popitem' as const) }),
  fc.record({ kind: fc.constant('clear' as const) }),
  fc.record({ kind: fc.constant('undef' as const), k: key }), // a value set to undefined: a missing key
);

describe('keyOf agrees with the scan under random mutation between lookups', () => {
  it('Map: dictGet, in, and the key found', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const m = new Map<unknown, unknown>();
        let n = 0;
        for (const o of ops) {
          const k = 'k' in o ? fresh(o.k) : undefined;
          try {
            if (o.kind === 'hostSet') m.set(k, ++n);
            else if (o.kind === 'jsDelete') (getattr(m, 'delete') as Function)(k);
            else if (o.kind === 'jsSet') (getattr(m, 'set') as Function)(k, ++n);
            else if (o.kind === 'pop') m_pop.d!(m as never, [k], {});
            else if (o.kind === 'update') m_update.d!(m as never, [new Map([[k, ++n]])], {});
            else if (o.kind === 'setdefault') m_setdefault.d!(m as never, [k, ++n], {});
            else if (o.kind === 'popitem') m_popitem.d!(m as never, [], {});
            else if (o.kind === 'clear') m_clear.d!(m as never, [], {});
            else if (o.kind === 'undef') m.set(k, undefined);
          } catch (e) {
            if ((e as { pyType?: string }).pyType !== 'KeyError') throw e;
          }
          for (const probe of [k, ...m.keys()].map(fresh)) {
            const want = scan(m, probe);
            expect(keyOf(m, probe)).toEqual(want);
            expect(dictGet(m, probe)).toBe(want.length ? m.get(want[0]) : undefined);
            expect(contains(m, probe)).toBe(want.length > 0);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('Set: in, discard and remove', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ add: fc.boolean(), via: fc.constantFrom('discard', 'remove', 'js'), k: key }), { maxLength: 60 }), (ops) => {
        const s = new Set<unknown>();
        for (const o of ops) {
          const k = fresh(o.k);
          if (o.add) s.add(k);
          else if (o.via === 'discard') m_discard.t!(s as never, [k], {});
          else if (o.via === 'js') (getattr(s, 'delete') as Function)(k);
          else
            try {
              m_remove.t!(s as never, [k], {});
            } catch (e) {
              if ((e as { pyType?: string }).pyType !== 'KeyError') throw e;
            }
          for (const probe of [k, ...s].map(fresh)) expect(contains(s, probe)).toBe(scan(s, probe).length > 0);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('pop, update and discard act on the equal key, as in Python (not a second key beside it)', () => {
    const env = makeEnv();
    const m = () => new Map<unknown, unknown>([[tuple([1, 2]), 'a'], [tuple([3, 4]), 'b']]);
    expect(env.fromString('{{ m.pop((1, 2)) }} {{ m|length }} {{ (1, 2) in m }}').render({ m: m() })).toBe('a 1 False');
    expect(env.fromString('{% set _ = m.update({(3, 4): "c"}) %}{{ m|length }} {{ m[(3, 4)] }}').render({ m: m() })).toBe('2 c');
    const s = new Set([tuple([1, 2])]);
    expect(env.fromString('{% set _ = s.discard((1, 2)) %}{{ s|length }}').render({ s })).toBe('0');
  });
});

describe('an index never outlives the synchronous run that built it', () => {
  it('host code replacing a key between two renders (same size) is seen by the next render', async () => {
    const t = makeEnv().fromString('{{ (1, 2) in m }} {{ m.get((1, 2), "-") }} {{ (3, 4) in m }}');
    const a = tuple([1, 2]);
    const m = new Map<unknown, unknown>([[tuple([0, 0]), 'z'], [a, 'a']]);
    expect(t.render({ m })).toBe('True a False');
    // (a delete then an add: the size is unchanged, the keys are not)
    m.delete(a);
    m.set(tuple([3, 4]), 'b');
    await Promise.resolve();
    expect(t.render({ m })).toBe('False - True');
  });
  it('fast-check: renders separated by host replacements agree with a scan', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 5 })), { minLength: 1, maxLength: 12 }), async (ops) => {
        const t = makeEnv().fromString('{% for k in ks %}{{ k in m }}{% endfor %}');
        const m = new Map<unknown, unknown>([[tuple([0, 0]), 1]]);
        const ks = [0, 1, 2, 3, 4, 5].map((i) => tuple([i, i]));
        for (const [del, add] of ops) {
          const victim = [...m.keys()].find((k) => eq(k, tuple([del, del])));
          if (victim) m.delete(victim);
          m.set(tuple([add, add]), 1);
          await Promise.resolve();
          const want = ks.map((k) => ([...m.keys()].some((x) => eq(x, k)) ? 'True' : 'False')).join('');
          expect(t.render({ m, ks })).toBe(want);
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe('keys the template adds join the index (no rebuild per key)', () => {
  it('n adds of tuples to a Set and n updates of a Map: twice the keys, about twice the time', () => {
    const t = makeEnv().fromString('{% for i in range(n) %}{% set _ = s.add((i, 1)) %}{% set _ = m.update([((i, 2), i)]) %}{% endfor %}{{ s | length }} {{ m | length }} {{ (7, 1) in s }} {{ m[(7, 2)] }}');
    const data = (n: number) => () => ({ n, s: new Set(), m: new Map() });
    expect(t.render(data(10)())).toBe('10 10 True 7');
    const { t1: a, t2: b } = measurePair(() => t.render(data(10_000)()), () => t.render(data(20_000)()));
    expect(b < 60 || b < 3 * a + 25, `${a.toFixed(1)} ms → ${b.toFixed(1)} ms`).toBe(true);
  });
});
