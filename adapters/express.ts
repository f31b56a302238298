// `kida/express`: Kida as an Express view engine that streams `res.render(name, ctx)`.
//   app.use(kida(app, { views: 'templates' }));   // engine 'kida' + streaming res.render
//   app.get('/', (req, res) => res.render('page', { rows }));
// With a callback, `res.render(name, ctx, cb)` renders to a string as Express documents.

import { relative, resolve, sep } from 'node:path';
import type { Environment, EnvironmentOptions } from '../compiler/environment.js';
import type { Ctx, Template } from '../runtime/template.js';
import { pipeToNodeResponse, type NodeResponse, type PipeOptions, type PipeOutcome } from './node.js';

export { pipeToNodeResponse, toNodeStream, type PipeOptions, type PipeOutcome, type RenderFailure } from './node.js';

/** The response `res.render` streams into: set by the middleware, read by the engine. */
const STREAM_TO = Symbol('kida.streamTo');

export interface KidaExpressOptions extends Omit<PipeOptions, 'onErrorBeforeBytes'> {
  /** The Environment that loads views (default: one over the app's `views` setting). */
  env?: Environment;
  /** Options for the default Environment (its loader is always the views directory). */
  environment?: Omit<EnvironmentOptions, 'loader'>;
}

type Callback = (err: unknown, html?: string) => void;
export type ExpressEngine = (path: string, options: Record<string | symbol, unknown>, callback: Callback) => void;

/** Express render options that are Express's, not the template's. */
const EXPRESS_KEYS = new Set(['settings', '_locals', 'cache']);

/**
 * The view engine (`app.engine('kida', kidaEngine())`). It streams when the render came through
 * the `kida()` middleware without a callback; otherwise it renders to a string.
 */
export function kidaEngine(options: KidaExpressOptions = {}): ExpressEngine {
  const envs = new Map<string, Promise<Environment>>();
  // The compiler is loaded on the first view render only: an app that streams compiled modules
  // with streamTemplate never loads it (nor its every-method lookup, see compiler/environment.ts).
  const envFor = (root: string): Promise<Environment> => {
    if (options.env) return Promise.resolve(options.env);
    let env = envs.get(root);
    if (!env) {
      env = import('../compiler/environment.js').then((m) => new m.Environment({ ...options.environment, loader: new m.FileSystemLoader(root) }));
      envs.set(root, env);
    }
    return env;
  };
  const render = async (path: string, renderOptions: Record<string | symbol, unknown>, callback: Callback): Promise<void> => {
    const [root, name] = viewName(path, renderOptions.settings);
    const template = (await envFor(root)).getTemplate(name);
    const ctx: Ctx = {};
    for (const k of Object.keys(renderOptions)) if (!EXPRESS_KEYS.has(k)) ctx[k] = renderOptions[k];
    const res = renderOptions[STREAM_TO] as NodeResponse | undefined;
    if (!res) return callback(null, await template.renderAsync(ctx));
    // Errors before any byte go to Express's error handling (callback → next(err)); after, the
    // response is cut off and reported (kida/node).
    const outcome = await pipeToNodeResponse(template.renderStreamAsync(ctx), res, { ...options, onErrorBeforeBytes: callback });
    if (outcome !== 'failed') callback(null, undefined);
  };
  return (path, renderOptions, callback) => {
    let called = false; // a callback that throws must not be called again with its own error
    const once: Callback = (err, html) => {
      if (called) return;
      called = true;
      callback(err, html);
    };
    render(path, renderOptions, once).catch(once);
  };
}

/** [views root, template name relative to it with `/` separators] for an absolute view path. */
function viewName(path: string, settings: unknown): [string, string] {
  const views = (settings as { views?: string | string[] } | undefined)?.views ?? process.cwd();
  for (const v of Array.isArray(views) ? views : [views]) {
    const root = resolve(v);
    if (path.startsWith(root + sep)) return [root, relative(root, path).split(sep).join('/')];
  }
  throw new Error(`kida: view ${path} is outside the views directories`);
}

interface ExpressApp {
  engine(ext: string, fn: ExpressEngine): unknown;
  set(name: string, value: unknown): unknown;
}
interface ExpressRes extends NodeResponse {
  render(view: string, options?: object | Callback, callback?: Callback): void;
}

/**
 * Registers the engine for `.kida` views (and as the default view engine), and returns the
 * middleware that makes `res.render(name, ctx)` stream. Mount it before the routes.
 */
export function kida(app: ExpressApp, options: KidaExpressOptions = {}): (req: unknown, res: ExpressRes, next: () => void) => void {
  app.engine('kida', kidaEngine(options));
  app.set('view engine', 'kida');
  return streamingRender;
}

/** Middleware: `res.render` without a callback streams (with one, it renders a string). */
export function streamingRender(_req: unknown, res: ExpressRes, next: () => void): void {
  const render = res.render;
  res.render = function (this: ExpressRes, view, opts, callback) {
    if (typeof opts === 'function' || callback) return render.call(this, view, opts, callback);
    // Express's default callback would `res.send` the string: the engine streams instead and
    // calls back with no string; errors before the first byte reach `next(err)` as usual.
    return render.call(this, view, { ...opts, [STREAM_TO]: this }, (err) => {
      if (err) (this as unknown as { req: { next(e: unknown): void } }).req.next(err);
    });
  };
  next();
}

/** Streams a compiled template (`import page from './page.kida'`) into an Express or Node response. */
export function streamTemplate<C extends Ctx>(res: NodeResponse, template: Template<C>, ctx: C, options: PipeOptions = {}): Promise<PipeOutcome> {
  return pipeToNodeResponse(template.renderStreamAsync(ctx), res, options);
}
