// `kida/node`: stream a render into a Node `http.ServerResponse` safely.
// `Readable.from(render).pipe(res)` forwards neither a client disconnect (the render and its
// data sources run on, their `finally` never runs) nor a render error (an unhandled 'error'
// event ends the process). This loop does both, and waits for 'drain' when `write` says so.

import { Readable } from 'node:stream';
import { nextOf } from '../runtime/drive.js'; // (installs the driver: renderStreamAsync of a sync template without an async generator per chunk)
import type { ServerResponse } from 'node:http';
import { CHUNKS, type ChunkSource } from './web-body.js';
import { EVENT_STREAM_HEADERS, eventStreamChunks, type EventSource, type EventStreamOptions } from './sse.js';

export type Chunks = Iterable<string> | AsyncIterable<string>;

/** Where a render failed: the template and line when the error carries them. */
export interface RenderFailure {
  template: string | null;
  line: number | null;
  /** True when bytes had already left: the response was cut off, not answered with a 500. */
  afterFirstBytes: boolean;
}

export interface PipeOptions {
  /** Called once with a render error and where it happened (default: `console.error`). */
  onError?: (error: unknown, where: RenderFailure) => void;
  /** Status when the headers are still unsent (default 200). */
  status?: number;
  /** Content type set when the response has none yet (default HTML, UTF-8). */
  contentType?: string;
  /**
   * Write once this many characters are pending (default 65536: a socket write of 16 KB or more
   * already waits for 'drain', so larger writes cost fewer syscalls and drain waits).
   */
  highWaterMark?: number;
  /**
   * Takes an error raised before any byte left, instead of `onError` and the 500 (a framework's
   * error handler: Express's `next`).
   */
  onErrorBeforeBytes?: (error: unknown) => void;
}

/** How a pipe ended: the whole page sent, the client gone first, or the render failed. */
export type PipeOutcome = 'done' | 'aborted' | 'failed';

/** Any response-like writable: `http.ServerResponse`, `Http2ServerResponse`, Express's `res`. */
export type NodeResponse = Pick<ServerResponse, 'write' | 'end' | 'destroy' | 'on' | 'off' | 'once' | 'headersSent' | 'writableEnded' | 'destroyed'> & {
  statusCode: number;
  setHeader(name: string, value: string): unknown;
  getHeader(name: string): unknown;
};

/** Read by shape, not `instanceof`: an app may hold two copies of the runtime (source and dist). */
export function failureOf(error: unknown, afterFirstBytes: boolean): RenderFailure {
  const e = (error ?? {}) as { templateName?: unknown; lineno?: unknown };
  const template = typeof e.templateName === 'string' ? e.templateName : null;
  return { template, line: template !== null && typeof e.lineno === 'number' ? e.lineno : null, afterFirstBytes };
}

function defaultOnError(error: unknown, where: RenderFailure): void {
  const at = where.template ? ` (${where.template}${where.line != null ? `:${where.line}` : ''})` : '';
  console.error(`kida: render failed${at}${where.afterFirstBytes ? ', response cut off' : ''}:`, error);
}

function iteratorOf(chunks: Chunks): Iterator<string> | AsyncIterator<string> {
  const a = (chunks as AsyncIterable<string>)[Symbol.asyncIterator];
  return typeof a === 'function' ? a.call(chunks) : (chunks as Iterable<string>)[Symbol.iterator]();
}

/**
 * Writes `chunks` (e.g. `template.renderStreamAsync(ctx)`) to `res` and ends it. Never rejects.
 * - coalescing: chunks are joined into writes of `highWaterMark` characters; what is pending is
 *   written as soon as the render really waits (a macrotask runs while a `next()` is pending), so
 *   the head of a page leaves before a slow source resolves (docs/decisions.md, "Coalescing");
 * - backpressure: waits for 'drain' whenever `write` returns false;
 * - client gone ('close' before the end): stops at once and calls the render's `return()`, so
 *   its `finally` blocks run and the data sources it iterates are closed;
 * - render error before any byte left: a 500 with a generic body; after: the connection is
 *   destroyed without the terminating chunk, so the client sees an aborted response, never a
 *   complete-looking one. Either way `onError` gets the error with its template and line.
 */
export function pipeToNodeResponse(chunks: Chunks, res: NodeResponse, options: PipeOptions = {}): Promise<PipeOutcome> {
  return pipeIterator(() => iteratorOf(chunks), null, res, options);
}

/** pipeToNodeResponse of an iterator, `head` (when set) being its first result, already read. */
async function pipeIterator(
  open: () => Iterator<string> | AsyncIterator<string>,
  head: IteratorResult<string> | null,
  res: NodeResponse,
  options: PipeOptions,
): Promise<PipeOutcome> {
  const limit = options.highWaterMark ?? 65536;
  let gone = res.destroyed;
  let stop: (o: PipeOutcome) => void = () => {};
  let wake: () => void = () => {};
  const closed = new Promise<void>((resolve) => (wake = resolve));
  const onClose = (): void => {
    if (!res.writableEnded && !finished) {
      // (not our own `destroy` after a render error)
      gone = true;
      stop('aborted'); // at once, even while the render awaits a slow source
    }
    wake();
  };
  res.on('close', onClose);
  res.on('error', onClose); // a socket error is a disconnect, not a crash
  let it = null as Iterator<string> | AsyncIterator<string> | null; // (set in pump)
  let finished = false;
  let sent = false;
  let pending = '';
  let full: Promise<void> | null = null; // the last write returned false: 'drain' before pulling on
  let waiting = false; // the loop is awaiting a `next()`
  let tick: ReturnType<typeof setImmediate> | null = null;

  const write = (): void => {
    if (!sent) start(res, options);
    sent = true;
    if (!res.write(pending)) full = drain();
    pending = '';
  };
  // Runs only once the microtask queue is empty: if the loop still awaits `next()`, the render is
  // waiting on I/O or a timer, and what it produced so far must not wait with it.
  const onTick = (): void => {
    tick = null;
    if (waiting && pending && !gone) write();
  };
  const drain = (): Promise<void> =>
    new Promise<void>((resolve) => {
      const done = (): void => {
        res.off('drain', done);
        full = null;
        resolve();
      };
      res.on('drain', done);
      void closed.then(done);
    });

  const pump = async (): Promise<PipeOutcome> => {
    it = open();
    const next = nextOf(it);
    while (!gone) {
      let r: IteratorResult<string> | Promise<IteratorResult<string>> = head ?? next();
      head = null;
      if (r instanceof Promise) {
        if (pending && !tick) tick = setImmediate(onTick);
        waiting = true;
        try {
          r = await r;
        } finally {
          waiting = false;
        }
      }
      if (full) await full;
      if (gone) break;
      if (r.done) {
        finished = true;
        if (!sent) start(res, options);
        res.end(pending);
        return 'done';
      }
      pending += r.value;
      if (pending.length >= limit) write();
    }
    return 'aborted';
  };

  const failed = (error: unknown): PipeOutcome => {
    finished = true; // a generator that threw is closed already
    if (gone) return 'aborted';
    if (options.onErrorBeforeBytes && !sent && !res.headersSent) {
      try {
        options.onErrorBeforeBytes(error);
        return 'failed';
      } catch {
        // fall through to the report and the 500
      }
    }
    try {
      (options.onError ?? defaultOnError)(error, failureOf(error, sent || res.headersSent));
    } catch {
      // a throwing reporter must not turn into an unhandled rejection either
    }
    if (!sent && !res.headersSent) {
      res.statusCode = 500;
      res.setHeader('content-type', 'text/plain; charset=utf-8');
      res.end('Internal Server Error');
    } else res.destroy(); // no terminating chunk: the client sees an aborted response
    return 'failed';
  };

  try {
    return await new Promise<PipeOutcome>((resolve) => {
      stop = resolve;
      if (gone) return resolve('aborted');
      pump().then(resolve, (error: unknown) => resolve(failed(error)));
    });
  } finally {
    res.off('close', onClose);
    if (tick) clearImmediate(tick);
    if (it && !finished) {
      try {
        // queued behind a pending `next()`: the render's `finally` runs when its await settles
        const p = it.return?.();
        if (p instanceof Promise) p.catch(() => {});
      } catch {
        // a `finally` that throws while closing a render nobody reads any more
      }
    }
  }
}

function start(res: NodeResponse, options: PipeOptions): void {
  if (res.headersSent) return;
  res.statusCode = options.status ?? res.statusCode ?? 200;
  if (res.getHeader('content-type') == null) res.setHeader('content-type', options.contentType ?? 'text/html; charset=utf-8');
}

/**
 * The render as a Node `Readable` for `stream.pipeline(toNodeStream(r), res, cb)` (pipeline, not
 * `.pipe`: it destroys the render when the client leaves and hands errors to `cb`).
 */
export function toNodeStream(chunks: Chunks): Readable {
  return Readable.from(chunks as AsyncIterable<string>, { objectMode: false, encoding: 'utf8' });
}

/**
 * Sends a web `Response` (a fetch handler's, e.g. `kida/hono`'s) on a Node response with the same
 * guarantees: backpressure, the body cancelled when the client leaves (which closes the render),
 * and a body that errors cuts the connection (or is a 500 if nothing was sent yet).
 */
export async function sendWebResponse(response: Response, res: NodeResponse): Promise<PipeOutcome> {
  res.statusCode = response.status;
  response.headers.forEach((v, k) => {
    if (k !== 'set-cookie') res.setHeader(k, v);
  });
  const cookies = response.headers.getSetCookie?.() ?? [];
  if (cookies.length) (res as unknown as ServerResponse).setHeader('set-cookie', cookies);
  const body = response.body;
  if (!body) {
    res.end();
    return 'done';
  }
  // kida/hono's body or toReadableStream's, unread: its chunks are written as strings by
  // pipeToNodeResponse's loop, with no web stream, encoder or reads on the way (its highWaterMark
  // is 0: nothing was pulled yet)
  const source = (body as unknown as Record<symbol, ChunkSource | undefined>)[CHUNKS];
  if (source && !source.taken && !body.locked && !response.bodyUsed) {
    source.taken = true; // (a read of kida/hono's body now errors: cheaper than locking it with a reader)
    const head = source.head;
    if (head) {
      source.head = null;
      return pipeIterator(() => source.it, head, res, { onError: (error) => source.onError!(error) });
    }
    // (toReadableStream's: locked, so nothing else pulls its chunks; a failure ends the response
    // as a failed web stream read does, unreported)
    body.getReader();
    return pipeIterator(() => source.it, null, res, { onError: () => {} });
  }
  let gone = res.destroyed;
  let wake: () => void = () => {};
  const closed = new Promise<void>((resolve) => (wake = resolve));
  const reader = body.getReader();
  const onClose = (): void => {
    if (!res.writableEnded) {
      gone = true;
      reader.cancel().catch(() => {}); // a pending read resolves as done; the body's source is closed
    }
    wake();
  };
  res.on('close', onClose);
  res.on('error', onClose);
  try {
    while (!gone) {
      const r = await reader.read();
      if (gone) break;
      if (r.done) {
        res.end();
        return 'done';
      }
      if (!res.write(r.value) && !gone) await Promise.race([new Promise((resolve) => res.once('drain', resolve)), closed]);
    }
    reader.cancel().catch(() => {});
    return 'aborted';
  } catch {
    if (gone) return 'aborted';
    if (res.headersSent) res.destroy();
    else {
      res.statusCode = 500;
      res.setHeader('content-type', 'text/plain; charset=utf-8');
      res.end('Internal Server Error');
    }
    return 'failed';
  } finally {
    res.off('close', onClose);
  }
}

/**
 * Serves server-sent events (kida/sse) on a Node response: the headers leave at once (the
 * client's EventSource opens), each event as soon as the source yields it, a keep-alive comment
 * while it is slow; the client leaving closes the source. Resolves like `pipeToNodeResponse`.
 */
export function pipeEventStream(source: EventSource, res: NodeResponse, options: EventStreamOptions & Omit<PipeOptions, 'contentType'> = {}): Promise<PipeOutcome> {
  if (!res.headersSent) {
    res.statusCode = options.status ?? 200;
    for (const [k, v] of Object.entries(EVENT_STREAM_HEADERS)) if (res.getHeader(k) == null) res.setHeader(k, v);
    (res as Partial<ServerResponse>).flushHeaders?.();
  }
  return pipeToNodeResponse(eventStreamChunks(source, options), res, options);
}
