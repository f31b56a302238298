// The web `ReadableStream` body of kida/hono's responses: the runtime's `toReadableStream` (chunks
// joined up to `limit`, what is pending sent as soon as the render really waits; docs/decisions.md,
// "Coalescing") over a reader of the render that adds what only an adapter needs, and so every
// bundle need not carry: the first chunk already in hand, a late error reported once, a body
// already sent by sendWebResponse refused. The render is read with `nextOf` (a ready chunk costs
// no promise), and a `.catch` is added only where it waits.

import { NOW, nextOf } from '../runtime/drive.js';
import { toReadableStream } from '../runtime/stream.js';

/** What `sendWebResponse` reads off a body to write its chunks as strings (no web stream on the way). */
export const CHUNKS = Symbol.for('kida.chunks');
export interface ChunkSource {
  /** The render's iterator, and the chunk already read from it (null once taken; none on toReadableStream's streams). */
  it: Iterator<string> | AsyncIterator<string>;
  head?: IteratorResult<string> | null;
  onError?: (e: unknown) => void;
  /** Set by sendWebResponse when it writes the chunks itself: the stream must not read them too. */
  taken?: boolean;
}

export function webBody(source: ChunkSource, limit: number): ReadableStream<Uint8Array> {
  const { it } = source;
  const next = nextOf(it);
  // (a render that fails after the client cancelled, while it waited, is no failure to report)
  let cancelled = false;
  const failed = (e: unknown): never => {
    if (!cancelled) source.onError!(e);
    throw e;
  };
  const read = (): IteratorResult<string> | Promise<IteratorResult<string>> => {
    if (source.taken) throw new TypeError('kida: this body was sent by sendWebResponse');
    const head = source.head;
    if (head) return (source.head = null), head;
    try {
      const r = next();
      return r instanceof Promise ? r.catch(failed) : r;
    } catch (e) {
      return failed(e);
    }
  };
  // (a reader toReadableStream reads through NOW; it pulls only when read, as a body must: the
  // first chunk is in hand, and nothing is rendered ahead of a reader that may never come)
  const reader = { [NOW]: read, next: read, return: () => ((cancelled = true), it.return?.()), [Symbol.asyncIterator]: () => reader };
  const stream = toReadableStream(reader as unknown as AsyncIterable<string>, { highWaterMark: limit });
  (stream as unknown as Record<symbol, ChunkSource>)[CHUNKS] = source;
  return stream;
}
