// `take(n)` is itertools.islice (language.md §4): the first n items, so an endless source is
// fine and is closed after them (the twelfth red team's copy bound had made it K-SEC-003 first).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { makeEnv } from '../support.js';

function counted(limit = Infinity) {
  const log = { pulled: 0, closed: false };
  const gen = (function* () {
    try {
      for (let i = 0; i < limit; i++) (log.pulled++, yield i);
    } finally {
      log.closed = true;
    }
  })();
  return { gen, log };
}

describe('take', () => {
  it('reads only the first n items of an endless source, then closes it', () => {
    const { gen, log } = counted();
    expect(makeEnv().fromString('{{ g | take(3) | join(",") }}').render({ g: gen })).toBe('0,1,2');
    expect(log).toEqual({ pulled: 3, closed: true });
  });

  it('agrees with a full copy sliced, on finite sources of every kind (property)', () => {
    const env = makeEnv();
    const t = env.fromString('{{ v | take(n) }}');
    const whole = env.fromString('{{ (v | list)[:n] }}');
    fc.assert(
      fc.property(
        fc.oneof(fc.array(fc.integer(), { maxLength: 8 }), fc.string({ maxLength: 8 }), fc.dictionary(fc.string({ maxLength: 3 }), fc.integer(), { maxKeys: 5 })),
        fc.boolean(),
        fc.integer({ min: 0, max: 10 }),
        (v, lazy, n) => {
          const src = () => (lazy && Array.isArray(v) ? (function* () { yield* v; })() : v);
          expect(t.render({ v: src(), n })).toBe(whole.render({ v: src(), n }));
        },
      ),
      { numRuns: 200 },
    );
  });
});
