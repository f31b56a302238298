// `kida/fastify`: a plugin decorating the reply with a streaming `reply.view(view, ctx)`.
//   app.register(kidaFastify, { views: 'templates' });
//   app.get('/', (req, reply) => reply.view('page.kida', { rows: db.rows() }));   // a name, or
//   app.get('/c', (req, reply) => reply.view(compiledPage, ctx));                  // a compiled module
// The first chunk is awaited before the reply is hijacked: a render that fails at once goes to
// Fastify's error handler; a later failure cuts the connection and is logged with template and line.
// A handler may also drop the result (`reply.view(...)` as a statement): an early failure still
// reaches the error handler, never an unhandled rejection (views.ts viewResult).

import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Ctx } from '../runtime/template.js';
import { pipeToNodeResponse, type PipeOptions, type PipeOutcome } from './node.js';
import { startRender, viewResolver, viewResult, type View, type ViewOptions } from './views.js';

export type { PipeOutcome, RenderFailure } from './node.js';
export type { View, ViewOptions } from './views.js';

export interface KidaFastifyOptions extends ViewOptions, Omit<PipeOptions, 'onErrorBeforeBytes' | 'status'> {
  /** The reply method's name (default `view`; another one beside @fastify/view). */
  decorator?: string;
}

/** What `reply.view` resolves to once the page is sent (or the client left, or the render failed). */
export type KidaView = <C extends Ctx>(view: View<C>, ctx?: C) => Promise<PipeOutcome>;

declare module 'fastify' {
  interface FastifyReply {
    /** kida/fastify: streams a view (a name under `views`, or a compiled template). */
    view: KidaView;
  }
}

/** The plugin (`app.register(kidaFastify, options)`); it decorates replies app-wide. */
export function kidaFastify(fastify: FastifyInstance, options: KidaFastifyOptions, done: (err?: Error) => void): void {
  const { decorator = 'view', env: _e, views: _v, environment: _n, ...pipe } = options;
  const resolveView = viewResolver(options);
  function view(this: FastifyReply, v: View, data: Ctx = {}): Promise<PipeOutcome> {
    // (a handler that drops the result: the error still reaches Fastify's error handler)
    return viewResult(render.call(this, v, data), (err) => {
      if (!this.sent) this.send(err instanceof Error ? err : new Error(String(err)));
      else this.log.error({ err }, 'kida: render failed');
    });
  }
  async function render(this: FastifyReply, v: View, data: Ctx): Promise<PipeOutcome> {
    const template = await resolveView(v);
    const locals = (this as { locals?: Ctx }).locals; // as @fastify/view: reply.locals under the data
    const chunks = await startRender(template, locals ? { ...locals, ...data } : data);
    this.hijack(); // from here on the response is ours: Fastify neither sends nor serializes it
    const raw = this.raw;
    for (const [k, value] of Object.entries(this.getHeaders())) if (value !== undefined) raw.setHeader(k, value as string);
    return pipeToNodeResponse(chunks, raw, {
      ...pipe,
      status: this.statusCode,
      onError: pipe.onError ?? ((err, where) => this.log.error({ err, ...where }, 'kida: render failed after the first bytes; response cut off')),
    });
  }
  fastify.decorateReply(decorator, view);
  done();
}
// Not encapsulated: decorate the whole app (what fastify-plugin does).
(kidaFastify as unknown as Record<symbol, unknown>)[Symbol.for('skip-override')] = true;
(kidaFastify as unknown as Record<symbol, unknown>)[Symbol.for('fastify.display-name')] = 'kida';

export default kidaFastify;
