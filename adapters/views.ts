// What kida/fastify and kida/koa share: views loaded by name from a directory through an
// Environment created on first use (the compiler is loaded only then: apps that stream compiled
// modules never load it), and a render whose first chunk is awaited before any header leaves.

import type { Environment, EnvironmentOptions } from '../compiler/environment.js';
import type { Ctx, Template } from '../runtime/template.js';

export interface ViewOptions {
  /** The Environment that loads views by name (default: one over `views`). */
  env?: Environment;
  /** The views directory for the default Environment (default: `views` under the working directory). */
  views?: string;
  /** Options for the default Environment (its loader is always the views directory). */
  environment?: Omit<EnvironmentOptions, 'loader'>;
}

/** A view by name (through the Environment) or a compiled template (`import page from './page.kida'`). */
export type View<C extends Ctx = Ctx> = string | Template<C>;

/** `(view) => Promise<Template>`, creating the Environment once. */
export function viewResolver(options: ViewOptions): (view: View) => Promise<Template> {
  let env: Promise<Environment> | null = options.env ? Promise.resolve(options.env) : null;
  return async (view) => {
    if (typeof view !== 'string') return view;
    env ??= import('../compiler/environment.js').then(
      (m) => new m.Environment({ ...options.environment, loader: new m.FileSystemLoader(options.views ?? 'views') }),
    );
    return (await env).getTemplate(view);
  };
}

/**
 * Starts `template.renderStreamAsync(ctx)` and waits for its first chunk. A render that fails
 * before it rejects here, while the framework can still answer with its error handler; after,
 * the chunks (the first one included) are streamed and a failure cuts the response.
 */
export async function startRender(template: Template, ctx: Ctx): Promise<AsyncIterable<string>> {
  const it = template.renderStreamAsync(ctx);
  const first = await it.next();
  let head: IteratorResult<string> | null = first;
  const rest: AsyncIterator<string> = {
    next: () => {
      if (!head) return it.next();
      const h = head;
      head = null;
      return Promise.resolve(h);
    },
    return: () => it.return(),
  };
  return { [Symbol.asyncIterator]: () => rest };
}

/**
 * What `reply.view()`/`ctx.render()` return: `run` for a handler that returns or awaits it (a
 * render failing before any byte rejects it, and the framework's error handler answers). A
 * handler that drops it (`reply.view(...)` as a statement, @fastify/view's style) must not leave
 * a rejection nobody handles, which ends a Node process: `run` is observed, and when nothing has
 * subscribed by the time it rejects (a returned or awaited result subscribes at once), `orphan`
 * gets the error. A thenable, not a Promise: `await` on a Promise cannot be seen from outside.
 */
export function viewResult<T>(run: Promise<T>, orphan: (error: unknown) => void): Promise<T> {
  let used = false;
  run.catch((e: unknown) =>
    setImmediate(() => {
      try {
        if (!used) orphan(e);
      } catch {
        // (a reporter that throws must not end the process either)
      }
    }),
  );
  const use = (): Promise<T> => ((used = true), run);
  return {
    then: (a, b) => use().then(a, b),
    catch: (b) => use().catch(b),
    finally: (f) => use().finally(f),
    [Symbol.toStringTag]: 'Promise',
  } as Promise<T>;
}
