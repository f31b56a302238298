// `kida/nunjucks`: Nunjucks 3.2's Node API over Kida's Environment in `compat: 'nunjucks'`
// mode, so that moving an app is its import line:
//   import nunjucks from 'kida/nunjucks';            // was: import nunjucks from 'nunjucks'
//   nunjucks.configure('views', { autoescape: true, express: app });
//   app.get('/', (req, res) => res.render('page.njk', ctx));
// Callbacks are Nunjucks' `(err, res)`, called asynchronously as Nunjucks calls them; without
// one, render returns the string or throws. What Nunjucks has and this refuses (each throws a
// TypeError naming it): async filters and async extensions in a synchronous render, extension
// nodes other than CallExtension/CallExtensionAsync, precompile, installJinjaCompat, WebLoader/PrecompiledLoader. docs/guide/nunjucks.md.

import { watch as watchFiles, type FSWatcher } from 'node:fs';
import { extname } from 'node:path';
import { ChoiceLoader, Environment as KidaEnvironment, FileSystemLoader as KidaFileSystemLoader, type Loader, type LoaderSource } from '../compiler/environment.js';
import { Kwargs } from '../runtime/values.js';
import { njkGetFilter, njkGetGlobal, njkGetTest } from '../compiler/nunjucks/env-view.js';
import { njkEscape } from '../runtime/nunjucks/values.js';
import { SafeString, markSafe } from '../runtime/nunjucks/safe.js';
import { TemplateRuntimeError } from '../runtime/errors.js';
import type { Callable } from '../runtime/linkage.js';
import { HOST_ONLY, type SandboxPolicy } from '../runtime/sandbox.js';
import type { Ctx, Template as KidaTemplate } from '../runtime/template.js';
import type { NjkExtension } from '../compiler/nunjucks/extensions.js';
import { pipeToNodeResponse, type NodeResponse, type PipeOptions } from './node.js';

export type Callback<T = string> = (err: Error | null, res?: T) => void;
type Tags = { blockStart?: string; blockEnd?: string; variableStart?: string; variableEnd?: string; commentStart?: string; commentEnd?: string };

export interface ConfigureOptions {
  /** Escape output (default true, as in Nunjucks). */
  autoescape?: boolean;
  trimBlocks?: boolean;
  lstripBlocks?: boolean;
  /** Custom delimiters, as Nunjucks spells them. */
  tags?: Tags;
  /** Recompile a template when a file under the search paths changes. */
  watch?: boolean;
  /** Recompile templates on every render. */
  noCache?: boolean;
  /** An Express app: `res.render` renders through this environment. */
  express?: ExpressApp;
  /** Browser options: nothing to do on Node (accepted as Nunjucks accepts them there). */
  web?: { useCache?: boolean; async?: boolean };
  /** `{{ x }}` of null/undefined is an error naming the template, line and column (as Nunjucks). */
  throwOnUndefined?: boolean;
  /**
   * Kida's own: with `express`, `res.render(view, ctx)` (no callback) streams the page as it
   * renders (kida/node's pipe: chunked, errors before the first byte go to `next(err)`).
   * Off by default, so responses are Nunjucks' (Content-Length, ETag).
   */
  stream?: boolean | Omit<PipeOptions, 'onErrorBeforeBytes'>;
  /** Kida's own: templates written by untrusted authors (docs/security.md, "Nunjucks mode"): `true` or a SandboxPolicy. */
  sandbox?: boolean | SandboxPolicy;
}

export interface ExpressApp {
  set(name: string, value: unknown): unknown;
  use?(fn: (req: unknown, res: never, next: () => void) => void): unknown;
}

function unsupported(what: string, instead: string): TypeError {
  return new TypeError(`kida/nunjucks: ${what} is not supported (${instead}); see docs/guide/nunjucks.md`);
}

/** Nunjucks calls a render callback asynchronously (callbackAsap). */
function later<T>(cb: Callback<T>, err: Error | null, res?: T): void {
  setImmediate(() => cb(err, res));
}
function settle<T>(f: () => T, cb?: Callback<T>): T | undefined {
  if (!cb) return f();
  let res: T;
  try {
    res = f();
  } catch (e) {
    later(cb, e as Error);
    return undefined;
  }
  later(cb, null, res);
  return undefined;
}

/** Nunjucks' FileSystemLoader(searchPaths, { watch, noCache }) (the Environment's options here), and Kida's fallbackExtensions. */
export class FileSystemLoader extends KidaFileSystemLoader {
  readonly searchPaths: string[];
  constructor(searchPaths: string | string[] = '.', opts?: { watch?: boolean; noCache?: boolean; fallbackExtensions?: Record<string, string[]> }) {
    super(searchPaths, { fallbackExtensions: opts?.fallbackExtensions });
    this.searchPaths = Array.isArray(searchPaths) ? searchPaths : [searchPaths];
  }
}
export class WebLoader {
  constructor() {
    throw unsupported('WebLoader', 'it loads over HTTP in a browser: bundle the templates with kida/vite or kida/rollup');
  }
}
export class PrecompiledLoader {
  constructor() {
    throw unsupported('PrecompiledLoader', 'compile templates to modules with `kida compile` or the bundler plugins');
  }
}

interface NunjucksLoaderLike {
  getSource(name: string, cb?: unknown): { src: string; path?: string } | null;
  async?: boolean;
}
type LoaderArg = string | string[] | Loader | NunjucksLoaderLike | (Loader | NunjucksLoaderLike)[] | null | undefined;
/** The loaders Nunjucks accepts: a path, paths, or loader objects (Kida's, or written for Nunjucks). */
function loaderOf(loaders: LoaderArg): Loader | null {
  if (loaders == null) return null;
  const list = Array.isArray(loaders) ? loaders : [loaders];
  for (const l of list) if (l && typeof l === 'object') HOST_ONLY.add(l); // (the host's own, as Kida's: s19)
  const out = list.map((l) => (typeof l === 'string' ? new FileSystemLoader(l) : l instanceof KidaFileSystemLoader || l instanceof ChoiceLoader ? l : ofNunjucksShape(l)));
  return out.length === 1 ? out[0]! : new ChoiceLoader(out);
}

/** A loader written for Nunjucks: its `{ src, path }` as `{ source, filename }`. */
function ofNunjucksShape(l: Loader | NunjucksLoaderLike): Loader {
  if ((l as NunjucksLoaderLike).async) throw unsupported('an async loader', 'its getSource(name, callback) answers later; load the sources with a synchronous one');
  return {
    getSource(name) {
      const r = l.getSource(name) as ({ src?: string; path?: string } & Partial<LoaderSource>) | null;
      if (r == null) return null;
      return typeof r.source === 'string' ? { source: r.source, filename: r.filename ?? null } : { source: String(r.src), filename: r.path ?? null };
    },
    listTemplates: () => ((l as Loader).listTemplates?.() ?? []),
  };
}

/** Keyword arguments as Nunjucks hands them to a filter: a trailing object marked `__keywords`. */
function nunjucksArgs(args: unknown[]): unknown[] {
  const last = args[args.length - 1];
  return last instanceof Kwargs ? [...args.slice(0, -1), { ...last.kw, __keywords: true }] : args;
}

/** A sync entry point's refusal of an async template (this one, or one it extends or includes). */
const isAsyncRefusal = (e: unknown): boolean => e instanceof TemplateRuntimeError && e.code === 'K-RUN-007' && / is async[ ;(]/.test(e.message);

/**
 * Renders as Nunjucks' render(ctx, cb?) does. A template calling an async filter renders only
 * through a callback (there its promises are awaited: Kida's renderAsync); without one it is
 * an error saying so (Nunjucks would return nothing).
 */
function renderTemplate(t: KidaTemplate, ctx: Ctx, cb?: Callback): string | undefined {
  if (!t.isAsync && !cb) return t.render(ctx);
  if (!t.isAsync) {
    // (a template the render reaches may be async where this one is not: a layout with an async
    // tag (Fractal's `render`) that a page extends. With a callback Nunjucks renders it: so do we)
    try {
      later(cb!, null, t.render(ctx));
    } catch (e) {
      if (!isAsyncRefusal(e)) later(cb!, e as Error);
      else t.renderAsync(ctx).then((res) => cb!(null, res), (err: unknown) => cb!(err as Error));
    }
    return undefined;
  }
  // (without a callback an extension's async tags may still render, calling back at once: Environment#withSyncTwin)
  if (!cb) {
    try {
      return t.render(ctx);
    } catch (e) {
      if (!isAsyncRefusal(e)) throw e;
      throw new TypeError(`kida/nunjucks: '${t.name}' calls an async filter (addFilter(name, fn, true)) or an async tag: render it with a callback, render(name, ctx, (err, res) => …)`);
    }
  }
  t.renderAsync(ctx).then((res) => cb(null, res), (e: unknown) => cb(e as Error));
  return undefined;
}

/** A template as Nunjucks' Template: `render(ctx, cb?)`. */
export class Template {
  readonly kida: KidaTemplate;
  readonly path: string | undefined;
  constructor(src: string | KidaTemplate, env?: Environment, path?: string) {
    HOST_ONLY.add(this);
    this.path = path;
    this.kida = typeof src === 'string' ? (env ?? defaultEnv()).kida.fromString(src, { name: path ?? 'string.njk' }) : src;
  }
  render(ctx?: object | Callback, cb?: Callback): string | undefined {
    if (typeof ctx === 'function') [ctx, cb] = [{}, ctx as Callback];
    return renderTemplate(this.kida, (ctx ?? {}) as Ctx, cb);
  }
}

export class Environment {
  readonly kida: KidaEnvironment;
  readonly opts: ConfigureOptions;
  private readonly userFilters: Record<string, Callable> = Object.create(null) as Record<string, Callable>;
  private readonly userTests: Record<string, Callable> = Object.create(null) as Record<string, Callable>;
  private watchers: FSWatcher[] = [];

  constructor(loaders?: LoaderArg, opts: ConfigureOptions = {}) {
    HOST_ONLY.add(this); // (sandboxed templates may not reach it)
    this.opts = { autoescape: true, ...opts };
    this.kida = new KidaEnvironment({
      loader: loaderOf(loaders),
      compat: 'nunjucks',
      throwOnUndefined: !!opts.throwOnUndefined,
      autoescape: opts.autoescape ?? true,
      trimBlocks: opts.trimBlocks ?? false,
      lstripBlocks: opts.lstripBlocks ?? false,
      ...(opts.tags ?? {}),
      ...(opts.sandbox ? { sandbox: opts.sandbox } : {}),
    });
    // (an extension's context.env is this environment, as in Nunjucks)
    (this.kida as unknown as { linkage: { njkEnv?: unknown } }).linkage.njkEnv = this;
    if (opts.watch) this.watch(loaders);
    if (opts.express) this.express(opts.express);
  }

  render(name: string, ctx?: object | Callback, cb?: Callback): string | undefined {
    if (typeof ctx === 'function') [ctx, cb] = [{}, ctx as Callback];
    let t: KidaTemplate;
    try {
      t = this.load(name);
    } catch (e) {
      return settle(() => { throw e; }, cb);
    }
    return renderTemplate(t, (ctx ?? {}) as Ctx, cb);
  }
  renderString(src: string, ctx?: object | Callback, cb?: Callback): string | undefined {
    if (typeof ctx === 'function') [ctx, cb] = [{}, ctx as Callback];
    let t: KidaTemplate;
    try {
      t = this.kida.nunjucksFromString(src, 'string.njk');
    } catch (e) {
      return settle(() => { throw e; }, cb);
    }
    return renderTemplate(t, (ctx ?? {}) as Ctx, cb);
  }
  /** Nunjucks' getTemplate(name, eagerCompile?, parentName?, ignoreMissing?, cb?). */
  getTemplate(name: string, ...rest: unknown[]): Template | undefined {
    const cb = typeof rest[rest.length - 1] === 'function' ? (rest.pop() as Callback<Template>) : undefined;
    return settle(() => new Template(this.load(name), this, name), cb);
  }

  /** `async`: `fn(value, …args, cb)` calls `cb(err, result)`; templates using it render through a callback. */
  addFilter(name: string, fn: Callable, async?: boolean): this {
    this.userFilters[name] = fn;
    const env = this;
    // (`this`: Nunjucks' context, as the template calls it: this.ctx, this.lookup, this.env)
    if (async) {
      this.kida.addFilter(name, function (this: unknown, ...args: unknown[]) {
        return new Promise((resolve, reject) => {
          fn.apply(this ?? { env }, [...nunjucksArgs(args), (err: unknown, res: unknown) => (err ? reject(err) : resolve(res))]);
        });
      }, true);
      return this;
    }
    this.kida.addFilter(name, function (this: unknown, ...args: unknown[]) {
      return fn.apply(this ?? { env }, nunjucksArgs(args));
    });
    return this;
  }
  getFilter(name: string): Callable {
    return njkGetFilter(name, this.userFilters[name]);
  }
  addTest(name: string, fn: Callable): this {
    this.userTests[name] = fn;
    const env = this;
    this.kida.addTest(name, function (this: unknown, ...args: unknown[]) {
      return fn.apply(this ?? { env }, nunjucksArgs(args));
    });
    return this;
  }
  getTest(name: string): Callable {
    return njkGetTest(name, this.userTests[name]);
  }
  addGlobal(name: string, value: unknown): this {
    this.kida.addGlobal(name, value);
    return this;
  }
  getGlobal(name: string): unknown {
    return njkGetGlobal(this.kida.globals, name);
  }
  /**
   * Custom tags: the extension's parse() runs over Nunjucks' parser API and returns
   * nodes.CallExtension or nodes.CallExtensionAsync (compiler/nunjucks/extensions.ts); other
   * node kinds are compile errors naming them.
   */
  addExtension(name: string, ext: NjkExtension): this {
    this.kida.addExtension(name, ext);
    return this;
  }
  hasExtension(name: string): boolean {
    return Object.hasOwn(this.kida.extensions, name);
  }
  getExtension(name: string): NjkExtension | undefined {
    return this.kida.extensions[name];
  }
  removeExtension(name: string): void {
    this.kida.removeExtension(name);
  }
  invalidateCache(): void {
    this.kida.clearCache();
  }

  /** Express: `res.render('page')` renders `page` (with the view engine's extension) through this environment. */
  express(app: ExpressApp): this {
    const env = this;
    class NunjucksView {
      name: string;
      path: string;
      ext: string;
      constructor(name: string, opts: { defaultEngine?: string }) {
        this.name = name;
        this.path = name;
        this.ext = extname(name);
        if (!this.ext && !opts.defaultEngine) throw new Error('No default engine was specified and no extension was provided.');
        if (!this.ext) this.name += this.ext = (opts.defaultEngine![0] !== '.' ? '.' : '') + opts.defaultEngine;
      }
      render(opts: Record<string | symbol, unknown>, cb: Callback): void {
        const res = opts[STREAM_TO] as NodeResponse | undefined;
        if (!res) return void env.render(this.name, opts, cb);
        env.stream(this.name, opts, res, cb);
      }
    }
    app.set('view', NunjucksView);
    if (this.opts.stream) {
      if (!app.use) throw new TypeError('kida/nunjucks: stream needs an Express app (app.use)');
      app.use(streamingRender as never);
    }
    return this;
  }

  private stream(name: string, ctx: Ctx, res: NodeResponse, cb: Callback): void {
    let template: KidaTemplate;
    try {
      template = this.load(name);
    } catch (e) {
      return later(cb, e as Error);
    }
    const options = typeof this.opts.stream === 'object' ? this.opts.stream : {};
    void pipeToNodeResponse(template.renderStreamAsync(ctx), res, { ...options, onErrorBeforeBytes: (e) => cb(e as Error) }).then((outcome) => {
      if (outcome !== 'failed') cb(null, undefined);
    });
  }
  private load(name: string): KidaTemplate {
    if (this.opts.noCache) this.kida.clearCache();
    return this.kida.getTemplate(name);
  }
  private watch(loaders: LoaderArg): void {
    const roots = (Array.isArray(loaders) ? loaders : [loaders]).flatMap((l) => (typeof l === 'string' ? [l] : l instanceof FileSystemLoader ? l.searchPaths : []));
    for (const root of roots) {
      try {
        // (not persistent: a watcher alone does not keep the process running)
        const w = watchFiles(root, { recursive: true, persistent: false }, () => this.invalidateCache());
        // (a watched folder deleted or unreadable: an 'error' nobody listens to would end the process)
        w.on('error', () => {
          this.invalidateCache();
          w.close();
        });
        this.watchers.push(w);
      } catch {
        // a path that does not exist has nothing to watch (Nunjucks' chokidar ignores it too)
      }
    }
  }
}

/** The response a streaming `res.render` writes to (set by the middleware, read by the view). */
const STREAM_TO = Symbol('kida.nunjucks.streamTo');

interface ExpressRes extends NodeResponse {
  render(view: string, options?: object | Callback, callback?: Callback): void;
  req: { next(e: unknown): void };
}
/** `res.render(view, ctx)` without a callback streams; with one, Express renders a string. */
function streamingRender(_req: unknown, res: ExpressRes, next: () => void): void {
  const render = res.render;
  res.render = function (this: ExpressRes, view, opts, callback) {
    if (typeof opts === 'function' || callback) return render.call(this, view, opts, callback);
    return render.call(this, view, { ...opts, [STREAM_TO]: this }, (err) => {
      if (err) this.req.next(err);
    });
  };
  next();
}

export { SafeString, markSafe };
export const runtime = { SafeString, markSafe };
/** Nunjucks' `lib.escape` (`&"'<>` and the backslash). */
export const lib = { escape: (s: unknown): string => njkEscape(String(s)) };

let configured: Environment | null = null;
function defaultEnv(): Environment {
  return (configured ??= configure());
}

/** Nunjucks' configure(): the environment that the module-level render/renderString use. */
export function configure(path?: string | string[] | ConfigureOptions, opts?: ConfigureOptions): Environment {
  if (path && typeof path === 'object' && !Array.isArray(path)) [path, opts] = [undefined, path];
  configured = new Environment((path as string | string[] | undefined) ?? '.', opts);
  return configured;
}
export function reset(): void {
  configured = null;
}
export function render(name: string, ctx?: object | Callback, cb?: Callback): string | undefined {
  return defaultEnv().render(name, ctx, cb);
}
export function renderString(src: string, ctx?: object | Callback, cb?: Callback): string | undefined {
  return defaultEnv().renderString(src, ctx, cb);
}
/** Nunjucks' compile(src, env?, path?): a Template. */
export function compile(src: string, env?: Environment, path?: string): Template {
  return new Template(src, env, path);
}
export function precompile(): never {
  throw unsupported('precompile', 'compile templates to ES modules with `kida compile` or kida/rollup, kida/vite');
}
export const precompileString = precompile;
export function installJinjaCompat(): never {
  throw unsupported('installJinjaCompat', "Jinja syntax is default Kida: compile those templates without compat: 'nunjucks'");
}

export default {
  Environment, Template, FileSystemLoader, WebLoader, PrecompiledLoader, configure, reset, render, renderString, compile,
  precompile, precompileString, installJinjaCompat, runtime, lib,
};
