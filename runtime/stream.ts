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
  /** Coalesce chunks until this many characters are pending (default 1024). */
  highWaterMark?: number;
}

/** Turns sync or async chunks into a `ReadableStream<Uint8Array>` for `new Response(...)`. */
export function toReadableStream(
  chunks: Iterable<string> | AsyncIterable<string>,
  options: ReadableStreamOptions = {},
): ReadableStream<Uint8Array> {
  const limit = options.highWaterMark ?? 1024;
  const encoder = new TextEncoder();
  const it =
    Symbol.asyncIterator in chunks
      ? (chunks as AsyncIterable<string>)[Symbol.asyncIterator]()
      : (chunks as Iterable<string>)[Symbol.iterator]();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      let pending = '';
      for (;;) {
        const r = it.next();
        // Flush what we have before waiting on a real promise, so early bytes leave early.
        if (r instanceof Promise && pending) {
          controller.enqueue(encoder.encode(pending));
          pending = '';
        }
        const { done, value } = await r;
        if (done) {
          if (pending) controller.enqueue(encoder.encode(pending));
          controller.close();
          return;
        }
        pending += value;
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
