// Stream adapters: a rendered template as an iterable, and as a web ReadableStream.

import type { Ctx, Template } from './template.js';

/** A lazy render: iterate it (sync or async) for chunks, or `String()` it for the whole text. */
export class RenderedTemplate implements Iterable<string>, AsyncIterable<string> {
  constructor(
    readonly template: Template,
    readonly ctx: Ctx = {},
  ) {}
  [Symbol.iterator](): Iterator<string> {
    return this.template.renderStream(this.ctx);
  }
  [Symbol.asyncIterator](): AsyncIterator<string> {
    return this.template.renderStreamAsync(this.ctx);
  }
  toString(): string {
    return this.template.render(this.ctx);
  }
}

export interface ReadableStreamOptions {
  /** Send once this many characters are pending (default 4096). */
  highWaterMark?: number;
}

const PENDING = Symbol();
/**
 * Resolves to PENDING unless `p` settles within a few microtask turns. An async generator
 * that is not waiting on I/O resumes within a handful of turns; a real wait takes longer.
 */
function settlesSoon<T>(p: Promise<T>): Promise<T | typeof PENDING> {
  let turns = 32;
  const spin = (): Promise<typeof PENDING> => (--turns > 0 ? Promise.resolve().then(spin) : Promise.resolve(PENDING));
  return Promise.race([p, spin()]);
}

/**
 * Turns sync or async chunks into a `ReadableStream<Uint8Array>` for `new Response(...)`.
 * Small chunks are coalesced, but whatever is pending is sent before waiting on data that
 * is not ready, so the head of a page leaves before a slow source resolves.
 * (On Node, `Readable.from(template.renderStreamAsync(ctx))` serves `http.ServerResponse`.)
 */
export function toReadableStream(
  chunks: Iterable<string> | AsyncIterable<string>,
  options: ReadableStreamOptions = {},
): ReadableStream<Uint8Array> {
  const limit = options.highWaterMark ?? 4096;
  const encoder = new TextEncoder();
  const isAsync = typeof (chunks as AsyncIterable<string>)[Symbol.asyncIterator] === 'function';
  const it = isAsync ? (chunks as AsyncIterable<string>)[Symbol.asyncIterator]() : (chunks as Iterable<string>)[Symbol.iterator]();
  /** A `next()` still in flight when the previous pull flushed early. */
  let inflight: Promise<IteratorResult<string>> | null = null;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      let pending = '';
      for (;;) {
        let r: IteratorResult<string> | Promise<IteratorResult<string>> = inflight ?? it.next();
        inflight = null;
        if (r instanceof Promise) {
          const soon = pending ? await settlesSoon(r) : await r;
          if (soon === PENDING) {
            inflight = r;
            controller.enqueue(encoder.encode(pending));
            return;
          }
          r = soon as IteratorResult<string>;
        }
        if (r.done) {
          if (pending) controller.enqueue(encoder.encode(pending));
          controller.close();
          return;
        }
        pending += r.value;
        if (pending.length >= limit) {
          controller.enqueue(encoder.encode(pending));
          return;
        }
      }
    },
    async cancel() {
      await it.return?.();
    },
  });
}
