// `kida/hono`: a streaming web `Response` for Hono and any fetch handler (workers, Deno, Bun,
// Node through kida/node's sendWebResponse). No dependency: Hono handlers return a Response.
//   app.get('/', (c) => streamResponse(page, { rows: db.rows() }));

import { webBody } from './web-body.js';
import '../runtime/drive.js'; // renderStreamAsync of a sync template without an async generator per chunk
import type { Ctx, Template } from '../runtime/template.js';

/** Where a render failed (`afterFirstBytes`: the body stream was errored, the client sees it cut off). */
export interface RenderFailure {
  template: string | null;
  line: number | null;
  afterFirstBytes: boolean;
}

export interface StreamResponseOptions extends ResponseInit {
  /** Called once with a render error and where it happened (default: `console.error`). */
  onError?: (error: unknown, where: RenderFailure) => void;
  /** Characters joined before a send (default 65536; what precedes a wait is sent at once). */
  highWaterMark?: number;
}

function report(options: StreamResponseOptions, error: unknown, afterFirstBytes: boolean): void {
  const e = (error ?? {}) as { templateName?: unknown; lineno?: unknown };
  const template = typeof e.templateName === 'string' ? e.templateName : null; // by shape: see kida/node
  const where = { template, line: template !== null && typeof e.lineno === 'number' ? e.lineno : null, afterFirstBytes };
  try {
    if (options.onError) options.onError(error, where);
    else console.error(`kida: render failed${where.template ? ` (${where.template}:${where.line})` : ''}:`, error);
  } catch {
    // a throwing reporter must not replace the render's error
  }
}

/**
 * Renders `template` with `renderStreamAsync` into a streaming `Response` (HTML, status 200 unless
 * `init` says otherwise). It waits for the first chunk, so a render that fails at once is a 500;
 * a later error errors the body stream, which HTTP servers turn into a cut connection (never a
 * complete-looking page). A cancelled body (client gone) closes the render: its `finally` runs.
 */
export async function streamResponse<C extends Ctx>(template: Template<C>, ctx: C, options: StreamResponseOptions = {}): Promise<Response> {
  return streamChunks(template.renderStreamAsync(ctx), options);
}

/** `streamResponse` for any chunks (a block stream, `renderStream`, a composed generator). */
export async function streamChunks(chunks: Iterable<string> | AsyncIterable<string>, options: StreamResponseOptions = {}): Promise<Response> {
  const { onError: _o, highWaterMark, ...init } = options;
  // (a Headers object only when the caller passed headers: it is made again by the Response)
  let headers: HeadersInit = { 'content-type': 'text/html; charset=utf-8' };
  if (init.headers) {
    headers = new Headers(init.headers);
    if (!headers.has('content-type')) headers.set('content-type', 'text/html; charset=utf-8');
  }
  // (a sync iterator is driven as it is: no async generator around it)
  const a = (chunks as AsyncIterable<string>)[Symbol.asyncIterator];
  const it = typeof a === 'function' ? a.call(chunks) : (chunks as Iterable<string>)[Symbol.iterator]();
  let head: IteratorResult<string>;
  try {
    head = await it.next();
  } catch (error) {
    report(options, error, false);
    return new Response('Internal Server Error', { status: 500, headers: { 'content-type': 'text/plain; charset=utf-8' } });
  }
  // The render's own iterator behind the first chunk: a later error is reported, then errors
  // the body. 65,536 characters by default, as kida/node: a web stream's read costs microseconds
  // (docs/decisions.md, "Streaming over HTTP, third pass").
  const body = webBody({ it, head, onError: (error) => report(options, error, true) }, highWaterMark ?? 65536);
  return new Response(body, { ...init, headers });
}
