// The render-time half of Nunjucks extensions (compiler/nunjucks/extensions.ts): calls
// `ext[method](context, ...args, ...bodies)` as Nunjucks' CallExtension does — keyword
// arguments as a trailing `{ …, __keywords: true }`, `context.ctx` the template's variables,
// `context.lookup(name)`, `context.env` the environment.

import type { Ctx } from '../template.js';
import { Kwargs } from '../values.js';
import { lk, njkSetContext, njkTop } from './values.js';

interface ExtLinkage {
  extensions?: Record<string, Record<string, unknown>>;
  globals: Ctx;
  njkEnv?: unknown;
}

// (`name`: the environment's extension of that name, or the extension a compiled module imports)
export function njkExt(env: ExtLinkage, scope: Ctx, name: string | Record<string, unknown>, method: string, args: unknown[], bodies: unknown[], cb?: (err: unknown, res?: unknown) => void): unknown {
  const ext = typeof name === 'string' ? env.extensions?.[name] : name;
  const f = ext?.[method];
  if (typeof f !== 'function')
    throw new Error(`extension not found: ${typeof name === 'string' ? name : ''}${ext ? `.${method}` : ''} (addExtension, or a build's nunjucksExtensions)`);
  const last = args[args.length - 1];
  const a = last instanceof Kwargs ? [...args.slice(0, -1), { ...last.kw, __keywords: true }] : args;
  const context = njkThis(env, scope);
  return (f as (...x: unknown[]) => unknown).apply(ext, cb ? [context, ...a, ...bodies, cb] : [context, ...a, ...bodies]);
}

/**
 * Nunjucks' Context: an extension's first argument, `this` of an app's filter, test or function
 * called by name (Eleventy's filters read `this.ctx`). setVariable (or `ctx.x = v`) sets a name
 * of the template's context, never of the data (njkSetContext).
 */
export class NjkContext {
  private view: Ctx | undefined;
  constructor(
    readonly env: unknown,
    private readonly scope: Ctx,
  ) {}
  /** (made when first read) */
  get ctx(): Ctx {
    return (this.view ??= new Proxy(Object.create(null) as Ctx, {
      get: (_, k) => (typeof k === 'string' ? this.lookup(k) : undefined),
      has: (_, k) => typeof k === 'string' && this.lookup(k) !== undefined,
      set: (_, k, v) => this.setVariable(k, v),
    }));
  }
  /** (the template's context: data and top-level names, not a loop's or macro's) */
  lookup(k: string): unknown {
    return lk(njkTop(this.scope), k);
  }
  getVariables(): Ctx {
    return this.ctx;
  }
  setVariable(k: unknown, v: unknown): boolean {
    if (typeof k === 'string') njkSetContext(this.scope, k, v);
    return true;
  }
}

/** The context an app's function gets (`env`: kida/nunjucks's Environment when there is one). */
export function njkThis(env: ExtLinkage, scope: Ctx): NjkContext {
  return new NjkContext(env.njkEnv ?? env, scope);
}

/** CallExtensionAsync: the method's trailing `(err, result)` callback settles the promise. */
export function njkExtAsync(env: ExtLinkage, scope: Ctx, name: string | Record<string, unknown>, method: string, args: unknown[], bodies: unknown[]): Promise<unknown> {
  return new Promise((ok, no) => {
    njkExt(env, scope, name, method, args, bodies, (err, res) => (err ? no(err) : ok(res)));
  });
}

/** A body that awaits: `body(cb)` calls back when done; it returns the (observed) promise of its text. */
export function njkAsyncBody(f: () => Promise<string>): (cb?: unknown) => Promise<string> {
  return (cb) => {
    const p = f();
    if (typeof cb === 'function') p.then((r) => cb(null, r), (e: unknown) => cb(e));
    else p.catch(String);
    return p;
  };
}
