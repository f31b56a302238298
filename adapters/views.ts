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
