// runtime/drive.ts's `Chunks` hands every chunk of a part out in one result object (issue #22,
// "Streams, tenth pass"): for-of, spread, Array.from, Readable.from and the drivers read `value`
// before they call next() again. What must still hold, on generated pages through the fast
// drivers against the generator drivers: each result read when it is given holds its chunk; the
// end is a result of its own, so the last chunk's result still holds the last chunk; and
// renderStreamAsync's results are never shared, so next() calls made before the first settles
// (allowed on an async iterator) each get their own chunk, in order.
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { DictLoader, Environment } from '../../compiler/environment.js';
import { drivers } from '../stream-support.js';

afterAll(drivers.fast);

const env = new Environment({
  loader: new DictLoader({
    'loop.html': '{% for x in xs %}<{{ x }}>{% end %}|',
    'base.html': '[{% block a %}A{% end %}|{% block b %}{% for x in xs %}{{ x }}{% end %}{% end %}]',
  }),
});
const ctx = { xs: [1, 2, 3], long: Array.from({ length: 1500 }, (_, i) => i), t: 'T<&>' };

/** A piece of a page: text, outputs, flushes and loops (short, long enough to suspend, over an empty list). */
const piece = fc.constantFrom(
  'text ',
  '{{ t }}',
  '{% flush %}',
  '{% for x in xs %}({{ x }}){% end %}',
  '{% for x in long %}{% if x % 500 == 0 %}{{ x }}{% end %}{% end %}',
  '{% for x in [] %}never{% end %}',
  '{% include "loop.html" %}',
);
/** A page of pieces, maybe a child of base.html (its pieces in block b). */
const page = fc.tuple(fc.array(piece, { minLength: 1, maxLength: 6 }), fc.boolean()).map(([ps, child]) =>
  child ? `{% extends "base.html" %}{% block b %}${ps.join('')}{% end %}` : ps.join(''),
);

/** The chunks as the generator drivers give them, each value copied as it is read. */
function reference(source: string): string[] {
  drivers.generator();
  try {
    return [...env.fromString(source).renderStream(ctx)];
  } finally {
    drivers.fast();
  }
}

describe('the result objects of the fast streams', () => {
  it('renderStream: each result holds its chunk when given; the end is its own result (property)', () => {
    fc.assert(
      fc.property(page, (source) => {
        const want = reference(source);
        const it = env.fromString(source).renderStream(ctx);
        const got: string[] = [];
        let last: IteratorResult<string, void> | undefined;
        for (let r = it.next(); !r.done; r = it.next()) got.push((last = r).value);
        expect(got).toEqual(want);
        // (the end did not write over the last chunk's result)
        if (want.length) expect(last).toEqual({ value: want[want.length - 1], done: false });
        expect(it.next()).toEqual({ value: undefined, done: true });
      }),
      { numRuns: 150 },
    );
  });

  it('renderStreamAsync: next() calls made at once each get their own chunk, in order (property)', async () => {
    await fc.assert(
      fc.asyncProperty(page, async (source) => {
        const want = reference(source);
        const it = env.fromString(source).renderStreamAsync(ctx);
        // (every call before the first settles, one more than there are chunks)
        const rs = await Promise.all(Array.from({ length: want.length + 1 }, () => it.next()));
        expect(rs.map((r) => (r.done ? 'END' : r.value))).toEqual([...want, 'END']);
        expect(new Set(rs).size).toBe(rs.length);
      }),
      { numRuns: 100 },
    );
  });

  it('spread, Array.from and a for-of read the same chunks as the generator drivers', () => {
    const source = 'a{% for x in xs %}{{ x }}{% end %}b{% include "loop.html" %}c';
    const want = reference(source);
    expect(want.length).toBeGreaterThan(3);
    const t = env.fromString(source);
    expect([...t.renderStream(ctx)]).toEqual(want);
    expect(Array.from(t.renderStream(ctx))).toEqual(want);
    const seen: string[] = [];
    for (const c of t.renderStream(ctx)) seen.push(c);
    expect(seen).toEqual(want);
  });
});
