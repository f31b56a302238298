// `kida/sse`: rendered fragments as a server-sent event stream (`text/event-stream`).
//   return eventStreamResponse(blockEvents(page, 'scores', updates()), { event: 'scores' });  // web
//   pipeEventStream(blockEvents(page, 'scores', updates()), res, { event: 'scores' });      // kida/node
// Web-only code (no Node import): it runs in workers, Deno and Bun as well.
//
// Framing (WHATWG HTML, "Server-sent events"): every line of a fragment is its own `data:` line,
// whatever ends it (CR, LF or CRLF: the parser treats all three as line ends, so the client gets
// them back as LF); a blank line ends the event. A fragment therefore cannot end its event early
// or add a field: each of its lines starts with `data: `. Event names and ids come from the
// application and are refused if they contain a line break (an id also a NUL, which the parser
// would ignore). An empty fragment is not sent: the parser dispatches no event for empty data.

import { toReadableStream } from '../runtime/stream.js';
import type { Ctx, Template } from '../runtime/template.js';

/** One event: its data (a rendered fragment), and optionally its type, id and reconnection delay. */
export interface ServerEvent {
  data: string;
  event?: string;
  id?: string;
  /** Reconnection time in milliseconds, for the client's next reconnect. */
  retry?: number;
}

export type EventSource = Iterable<string | ServerEvent> | AsyncIterable<string | ServerEvent>;

export interface EventStreamOptions {
  /** The event type of fragments given as strings, and of events without one (default: none, i.e. `message`). */
  event?: string;
  /** A comment line sent after this many milliseconds without an event, so proxies keep the connection (default 15000; 0: none). */
  keepAlive?: number;
  /** A `retry:` field sent first: the client's reconnection delay in milliseconds. */
  retry?: number;
  /** Characters joined before a send (events are still sent as soon as the source waits). */
  highWaterMark?: number;
}

const LINE_BREAK = /\r\n|\r|\n/;

function field(name: 'event' | 'id', given: unknown): string {
  const value = String(given); // (an id function returning a number, from JavaScript callers)
  if (/[\r\n]/.test(value) || (name === 'id' && value.includes('\0')))
    throw new TypeError(`kida/sse: an event ${name} cannot contain ${name === 'id' ? 'a line break or NUL' : 'a line break'}: ${JSON.stringify(value)}`);
  return `${name}: ${value}\n`;
}

function retryField(ms: number): string {
  if (!Number.isInteger(ms) || ms < 0) throw new TypeError(`kida/sse: retry must be a non-negative integer, not ${ms}`);
  return `retry: ${ms}\n`;
}

/** The text of one event (`''` for an empty fragment, which no client would see). */
export function formatEvent(e: string | ServerEvent, defaultEvent?: string): string {
  const ev: ServerEvent = typeof e === 'string' ? { data: e } : e;
  const data = String(ev.data ?? '');
  let out = '';
  if (ev.retry !== undefined) out += retryField(ev.retry);
  if (!data) return out ? out + '\n' : '';
  const type = ev.event ?? defaultEvent;
  if (type !== undefined) out += field('event', type);
  if (ev.id !== undefined) out += field('id', ev.id);
  // (a leading space of the line survives: the parser drops only the one after the colon)
  for (const line of data.split(LINE_BREAK)) out += `data: ${line}\n`;
  return out + '\n';
}

const TICK = Symbol('keep-alive');

/** The event stream as text chunks: one per event, keep-alive comments while the source is slow. */
export async function* eventStreamChunks(source: EventSource, options: EventStreamOptions = {}): AsyncGenerator<string, void, undefined> {
  const keepAlive = options.keepAlive ?? 15000;
  if (options.retry !== undefined) yield retryField(options.retry) + '\n';
  const it = (source as AsyncIterable<string | ServerEvent>)[Symbol.asyncIterator]?.() ?? (source as Iterable<string | ServerEvent>)[Symbol.iterator]();
  let pending: Promise<IteratorResult<string | ServerEvent>> | null = null;
  let done = false;
  try {
    for (;;) {
      pending ??= Promise.resolve(it.next());
      let timer: ReturnType<typeof setTimeout> | undefined;
      const r = keepAlive > 0 ? await Promise.race([pending, new Promise<typeof TICK>((resolve) => (timer = setTimeout(resolve, keepAlive, TICK)))]) : await pending;
      clearTimeout(timer);
      if (r === TICK) {
        yield ': keep-alive\n\n';
        continue;
      }
      pending = null;
      if (r.done) {
        done = true;
        return;
      }
      const text = formatEvent(r.value, options.event);
      if (text) yield text;
    }
  } finally {
    if (!done) {
      // closed early (client gone): close the source too; a pending `next()` is left to settle
      pending?.catch(() => {});
      const p = it.return?.();
      if (p instanceof Promise) p.catch(() => {});
    }
  }
}

/** The event stream as a web `ReadableStream` (for `new Response(...)`). */
export function toEventStream(source: EventSource, options: EventStreamOptions = {}): ReadableStream<Uint8Array> {
  return toReadableStream(eventStreamChunks(source, options), { highWaterMark: options.highWaterMark });
}

/** The headers an event stream is sent with (no caching, no proxy buffering). */
export const EVENT_STREAM_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  'x-accel-buffering': 'no',
};

/** A streaming `Response` of the events (workers, Deno, Bun, Hono, Node through kida/node's sendWebResponse). */
export function eventStreamResponse(source: EventSource, options: EventStreamOptions & { headers?: HeadersInit } = {}): Response {
  const headers = new Headers(options.headers);
  for (const [k, v] of Object.entries(EVENT_STREAM_HEADERS)) if (!headers.has(k)) headers.set(k, v);
  return new Response(toEventStream(source, options), { headers });
}

/**
 * One event per context: `block` of `template` rendered (async) with each context from
 * `contexts`, e.g. the rows of a live table each time they change. `id(ctx, i)` names each event.
 */
export async function* blockEvents<C extends Ctx>(
  template: Template<C>,
  block: string,
  contexts: Iterable<C> | AsyncIterable<C>,
  options: { event?: string; id?: (ctx: C, index: number) => string } = {},
): AsyncGenerator<ServerEvent, void, undefined> {
  let i = 0;
  for await (const ctx of contexts) {
    const data = await template.renderBlockAsync(block, ctx);
    yield { data, event: options.event, id: options.id?.(ctx, i++) };
  }
}
