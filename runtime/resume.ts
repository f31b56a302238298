// Parts with loops and no generator (issue #22, code size, fourth pass: docs/decisions.md).
// A sync part that renders no other part streams through a sink (template.ts bodyFns(s, 0)); one
// with top-level loops also suspends at them, so its stream stays lazy over a lazy source without
// a generator twin. Only modules with such parts import this.

import { iter } from './values.js';
import { bodyFns, noSink, type RenderFns, type Sink, type SyncFn } from './template.js';

/**
 * The render functions of a part whose loops suspend (see each): a sink part (template.ts
 * bodyFns(s, 3)), whose stream calls the builder again at the loop's `case` until it returns
 * without one suspended, handing out its chunks in between, the error (if any) after them.
 */
export const loopFns = (s: SyncFn): RenderFns => bodyFns(s, 3);

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
