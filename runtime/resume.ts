// Parts with loops and no generator (issue #22, code size, fourth pass: docs/decisions.md).
// A sync part that renders no other part streams through a sink (template.ts bodyFns(s, 0)); one
// with top-level loops also suspends at them, so its stream stays lazy over a lazy source without
// a generator twin. Only modules with such parts import this.

import type { Ctx } from './context.js';
import { iter } from './values.js';
import { asyncFromGen, noSink, type GenFn, type RenderFns, type RenderState, type Sink, type SyncFn } from './template.js';

/**
 * The render functions of a part whose loops suspend (see each): streamed, the builder is called
 * again at the loop's `case` until it returns without one suspended; its chunks are handed out
 * one by one in between, the error (if any) after the chunks before it.
 */
export function loopFns(s: SyncFn): RenderFns {
  const g = function* (ctx: Ctx, R: RenderState) {
    const c: string[] = [];
    const S = ((x?: string) => (x === undefined ? c.length : (c.push(x), ''))) as Sink;
    let e: unknown = S;
    for (;;) {
      try {
        S.L = s(ctx, R, S);
      } catch (x) {
        e = x;
      }
      if (!S.k) break;
      // (abandoned while a loop is suspended: its source is closed, as a for-of would; no try
      // around the other yields, which V8 runs slower)
      let i = 0;
      try {
        for (; i < c.length; i++) yield c[i]!;
      } finally {
        if (i < c.length) S.i!.return!();
      }
      c.length = 0;
    }
    for (let i = 0; i < c.length; i++) yield c[i]!;
    if (e !== S) throw e;
  } as GenFn;
  return { s, g, a: asyncFromGen(g) };
}

/**
 * A loop of a part streamed through a sink: the part has no generator, so to stay lazy over its
 * source, the loop ends early when chunks wait before the next item is pulled; the part returns
 * (`if (S.k) return L;`), its chunks are handed out, and it is called again at the loop's
 * `case k`, whose head (`S.k ? S.i :`) takes this iterator back. Over a long list or range
 * (reading ahead is unobservable) only once 64 chunks wait, and a short list is looped as it is:
 * memory stays bounded, and the part is not called again per item. A `break` or an error closes
 * the source as a for-of would. Without a sink (render: noSink), the source itself (through iter,
 * as a loop's source is).
 */
export function each(src: unknown, S: Sink, k?: number): Iterable<unknown> {
  const it = iter(src); // (here rather than at every loop of the module; Nunjucks' gives iter an iterable)
  // (n: a list's or a range's length; undefined for a lazy source, which suspends at every item)
  const n = (it as { length?: number }).length!;
  if (S === noSink || n < 1024) return it;
  const i = it[Symbol.iterator]();
  const w = {
    [Symbol.iterator]: () => w,
    next: () => ((S.k = 0), (S() as unknown as number) > (n ? 63 : 0) ? ((S.k = k), (S.i = w), { done: 1 }) : i.next()),
    return: () => (i.return?.(), { done: 1 }),
  } as unknown as Iterator<unknown> & Iterable<unknown>;
  return w;
}
