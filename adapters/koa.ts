// `kida/koa`: middleware adding a streaming `ctx.render(view, data)`.
//   app.use(kida({ views: 'templates' }));
//   app.use((ctx) => ctx.render('page.kida', { rows: db.rows() }));   // a name, or a compiled module
// `ctx.state` is under the data (as koa-views does). The first chunk is awaited before anything is
// sent: a render that fails at once rejects, so Koa's error handling answers (a 500); a later
// failure cuts the connection and is emitted on the app ('error') with template and line.

import type { Context, Middleware } from 'koa';
import type { Ctx } from '../runtime/template.js';
import { failureOf, pipeToNodeResponse, type PipeOptions, type PipeOutcome } from './node.js';
import { startRender, viewResolver, viewResult, type View, type ViewOptions } from './views.js';

export type { PipeOutcome, RenderFailure } from './node.js';
export type { View, ViewOptions } from './views.js';

export type KidaKoaOptions = ViewOptions & Omit<PipeOptions, 'onErrorBeforeBytes' | 'status'>;

/** Resolves once the page is sent (or the client left, or the render failed after the first bytes). */
export type KidaRender = <C extends Ctx>(view: View<C>, data?: C) => Promise<PipeOutcome>;

declare module 'koa' {
  interface DefaultContext {
    /** kida/koa: streams a view (a name under `views`, or a compiled template). */
    render: KidaRender;
  }
}

export function kida(options: KidaKoaOptions = {}): Middleware {
  const { env: _e, views: _v, environment: _n, ...pipe } = options;
  const resolveView = viewResolver(options);
  return async (ctx, next) => {
    const render = async (v: View, data: Ctx) => {
      const template = await resolveView(v);
      const chunks = await startRender(template, { ...(ctx.state as Ctx), ...data });
      ctx.respond = false; // Koa leaves the response to us from here
      // Koa starts every response at 404; keep a status the app set itself
      if (!(ctx.response as { _explicitStatus?: boolean })._explicitStatus) ctx.status = 200;
      return pipeToNodeResponse(chunks, ctx.res, { ...pipe, onError: pipe.onError ?? ((err, where) => report(ctx, err, where)) });
    };
    // (a middleware that drops the result: Koa has answered already; the error is reported)
    ctx.render = (v: View, data: Ctx = {}) => viewResult(render(v, data), (err) => (pipe.onError ?? ((e, w) => report(ctx, e, w)))(err, failureOf(err, false)));
    await next();
  };
}

function report(ctx: Context, err: unknown, where: { template: string | null; line: number | null }): void {
  const e = err instanceof Error ? err : new Error(String(err));
  ctx.app.emit('error', Object.assign(e, { kida: where }), ctx);
}

export default kida;
