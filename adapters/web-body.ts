// The web `ReadableStream` body of kida/hono's responses. The same coalescing as the runtime's
// `toReadableStream` (join chunks up to `limit`, send what is pending as soon as the render
// really waits: docs/decisions.md, "Coalescing"), plus what only an adapter needs and so every
// bundle need not carry: the first chunk already read, a late error reported once, and no
// wrapper around the render's iterator (a `.catch` per chunk cost a promise and a microtask
// turn per chunk: docs/decisions.md, "Streaming over HTTP, third pass").

import { nextOf } from '../runtime/drive.js';

const g = globalThis as { setImmediate?: (f: () => void) => unknown; setTimeout?: (f: () => void) => unknown };
const later = g.setImmediate ?? g.setTimeout;

/** What `sendWebResponse` reads off a body to write its chunks as strings (no web stream on the way). */
export const CHUNKS = Symbol.for('kida.chunks');
export interface ChunkSource {
  /** The render's iterator, and the chunk already read from it (null once taken). */
  it: Iterator<string> | AsyncIterator<string>;
  head: IteratorResult<string> | null;
  onError: (e: unknown) => void;
  /** Set by sendWebResponse when it writes the chunks itself: the stream must not read them too. */
  taken?: boolean;
}

export function webBody(source: ChunkSource, limit: number): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const { it } = source;
  const next = nextOf(it);
  let pending = '';
  let waiting = false; // `pull` awaits a `next()`
  let armed = false;
  let cancelled = false;
  let c: ReadableStreamDefaultController<Uint8Array>;
  const send = (): void => {
    if (pending) c.enqueue(encoder.encode(pending));
    pending = '';
  };
  const stream = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        c = controller;
      },
      async pull() {
        if (source.taken) throw new TypeError('kida: this body was sent by sendWebResponse');
        for (;;) {
          let r: IteratorResult<string> | Promise<IteratorResult<string>>;
          try {
            if (source.head) {
              r = source.head;
              source.head = null;
            } else r = next();
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
          } catch (e) {
            source.onError(e);
            throw e;
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
    // pull only when read: the first chunk is already in hand, and nothing is rendered ahead of a
    // reader that may never come (a `Response` dropped by middleware)
    { highWaterMark: 0 },
  );
  (stream as unknown as Record<symbol, ChunkSource>)[CHUNKS] = source;
  return stream;
}
