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
  /** Send once this many characters are pending (default 65536, as kida/node's writes: each web stream read costs microseconds). */
  highWaterMark?: number;
}

/**
 * A macrotask: it runs once the microtask queue is empty (setImmediate in Node, Deno and Bun;
 * setTimeout elsewhere; none in a bare vm context, where chunks are joined by size only).
 */
const g = globalThis as { setImmediate?: (f: () => void) => unknown; setTimeout?: (f: () => void) => unknown };
const later = g.setImmediate ?? g.setTimeout;

/**
 * Turns sync or async chunks into a `ReadableStream<Uint8Array>` for `new Response(...)`.
 * Chunks are joined up to `highWaterMark` characters, but whatever is pending is sent as soon as
 * the render really waits (a macrotask runs while a `next()` is pending), so the head of a page
 * leaves before a slow source resolves (docs/decisions.md, "Coalescing"). A stream of
 * kida/async-driver is read through its `nextNow` method: a ready chunk costs no promise. The
 * stream pulls only when read (highWaterMark 0): nothing is rendered for a `Response` that
 * middleware drops. kida/hono's bodies are this stream too (adapters/web-body.ts).
 */
export function toReadableStream(
  chunks: Iterable<string> | AsyncIterable<string>,
  options: ReadableStreamOptions = {},
): ReadableStream<Uint8Array> {
  const limit = options.highWaterMark ?? 65536;
  const encoder = new TextEncoder();
  const it = (chunks as AsyncIterable<string>)[Symbol.asyncIterator]?.() ?? (chunks as Iterable<string>)[Symbol.iterator]();
  // (runtime/drive.ts's NOW, by its registered name: bundles need not carry that module)
  const next = ((it as unknown as Record<symbol, typeof it.next>)[Symbol.for('kida.nextNow')] ?? it.next).bind(it) as () =>
    | IteratorResult<string>
    | Promise<IteratorResult<string>>;
  let pending = '';
  let waiting = false; // `pull` awaits a `next()`
  let armed = false;
  let cancelled = false;
  let c: ReadableStreamDefaultController<Uint8Array>;
  const send = (): void => {
    if (pending) c.enqueue(encoder.encode(pending));
    pending = '';
  };
  const s = new ReadableStream<Uint8Array>(
    {
      // (no `start`: the controller comes with each pull)
      async pull(controller) {
        c = controller;
        for (;;) {
          let r = next();
          if (r instanceof Promise) {
            if (pending && !armed) {
              armed = true;
              later?.(() => {
                armed = false;
                if (waiting && !cancelled) send();
              });
            }
            waiting = true;
            try {
              r = await r;
            } finally {
              waiting = false;
            }
          }
          if (r.done) return send(), c.close();
          pending += r.value;
          if (pending.length >= limit) return send();
        }
      },
      cancel() {
        cancelled = true;
        return it.return?.() as unknown as Promise<void>;
      },
    },
    { highWaterMark: 0 },
  );
  // (kida/node's sendWebResponse writes the chunks of a body nothing has read as strings: no web
  // stream reads or encoding on the way; adapters/web-body.ts CHUNKS)
  (s as unknown as Record<symbol, unknown>)[Symbol.for('kida.chunks')] = { it };
  return s;
}
