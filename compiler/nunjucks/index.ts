// `kida/nunjucks`: the Nunjucks API over Kida's Environment in `compat: 'nunjucks'` mode, so that
// moving an app is the import line (`import nunjucks from 'kida/nunjucks'`): configure(),
// render(), renderString(), an Environment with addFilter/addGlobal/getTemplate, and the
// Express `view` integration Nunjucks documents (`configure('views', { express: app })`).
// What Nunjucks has and this does not: docs/guide/nunjucks.md.

import { extname } from 'node:path';
import { ChoiceLoader, Environment as KidaEnvironment, FileSystemLoader, type Loader } from '../environment.js';
import type { Callable } from '../../runtime/linkage.js';
import type { Template } from '../../runtime/template.js';

export { FileSystemLoader };

export interface ConfigureOptions {
  /** Escape output (default true, as in Nunjucks). */
  autoescape?: boolean;
  trimBlocks?: boolean;
  lstripBlocks?: boolean;
  /** Custom delimiters, as Nunjucks spells them. */
  tags?: { blockStart?: string; blockEnd?: string; variableStart?: string; variableEnd?: string; commentStart?: string; commentEnd?: string };
  /** An Express app: its views render through this environment. */
  express?: { set(name: string, value: unknown): unknown };
  /** Accepted for compatibility; compiled templates are cached until `invalidateCache()`. */
  watch?: boolean;
  noCache?: boolean;
  /** Not supported: a missing name renders empty in this mode (Nunjucks' default). */
  throwOnUndefined?: boolean;
}

type Callback = (err: Error | null, res?: string) => void;

/** The loaders Nunjucks accepts: a path, paths, or loader objects. */
function loaderOf(loaders: string | string[] | Loader | Loader[] | null | undefined): Loader | null {
  if (loaders == null) return null;
  const list = Array.isArray(loaders) ? loaders : [loaders];
  const out = list.map((l) => (typeof l === 'string' ? new FileSystemLoader(l) : l));
  return out.length === 1 ? out[0]! : new ChoiceLoader(out);
}

/** A value or an error, handed to a Nunjucks-style callback when there is one. */
function settle<T>(f: () => T, cb?: (err: Error | null, res?: T) => void): T | undefined {
  if (!cb) return f();
  let res: T;
  try {
    res = f();
  } catch (e) {
    cb(e as Error);
    return undefined;
  }
  cb(null, res);
  return undefined;
}

export class Environment {
  readonly kida: KidaEnvironment;
  constructor(loaders?: string | string[] | Loader | Loader[] | null, opts: ConfigureOptions = {}) {
    if (opts.throwOnUndefined) throw new TypeError('throwOnUndefined is not supported by kida/nunjucks yet (docs/guide/nunjucks.md)');
    this.kida = new KidaEnvironment({
      loader: loaderOf(loaders),
      compat: 'nunjucks',
      autoescape: opts.autoescape ?? true,
      trimBlocks: opts.trimBlocks ?? false,
      lstripBlocks: opts.lstripBlocks ?? false,
      ...(opts.tags ?? {}),
    });
    if (opts.express) this.express(opts.express);
  }
  render(name: string, ctx?: object, cb?: Callback): string | undefined {
    return settle(() => this.kida.getTemplate(name).render((ctx ?? {}) as Record<string, unknown>), cb);
  }
  renderString(src: string, ctx?: object, cb?: Callback): string | undefined {
    return settle(() => this.kida.fromString(src, { name: "string.njk" }).render((ctx ?? {}) as Record<string, unknown>), cb);
  }
  getTemplate(name: string, cb?: (err: Error | null, t?: Template) => void): Template | undefined {
    return settle(() => this.kida.getTemplate(name), cb);
  }
  addFilter(name: string, fn: Callable, async?: boolean): this {
    if (async) throw new TypeError('Async filters (callback style) are not supported by kida/nunjucks: return a value');
    this.kida.addFilter(name, fn);
    return this;
  }
  addTest(name: string, fn: Callable): this {
    this.kida.addTest(name, fn);
    return this;
  }
  addGlobal(name: string, value: unknown): this {
    this.kida.addGlobal(name, value);
    return this;
  }
  getGlobal(name: string): unknown {
    if (!(name in this.kida.globals)) throw new Error(`global not found: ${name}`);
    return this.kida.globals[name];
  }
  addExtension(name: string): never {
    throw new TypeError(`Custom tags (addExtension '${name}') are not supported by kida/nunjucks`);
  }
  invalidateCache(): void {
    this.kida.clearCache();
  }
  /** Express: `res.render('page')` renders `page` (plus the default engine's extension) through this environment. */
  express(app: { set(name: string, value: unknown): unknown }): this {
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
      render(opts: object, cb: Callback): void {
        env.render(this.name, opts, cb);
      }
    }
    app.set('view', NunjucksView);
    return this;
  }
}

let configured: Environment | null = null;

/** Nunjucks' configure(): the environment that the module-level render/renderString use. */
export function configure(path?: string | string[] | ConfigureOptions, opts?: ConfigureOptions): Environment {
  if (path && typeof path === 'object' && !Array.isArray(path)) [path, opts] = [undefined, path];
  configured = new Environment((path as string | string[] | undefined) ?? '.', opts);
  return configured;
}
export function render(name: string, ctx?: object, cb?: Callback): string | undefined {
  return (configured ??= configure()).render(name, ctx, cb);
}
export function renderString(src: string, ctx?: object, cb?: Callback): string | undefined {
  return (configured ??= configure()).renderString(src, ctx, cb);
}

export default { Environment, FileSystemLoader, configure, render, renderString };
