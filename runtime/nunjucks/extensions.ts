// The render-time half of Nunjucks extensions (compiler/nunjucks/extensions.ts): calls
// `ext[method](context, ...args, ...bodies)` as Nunjucks' CallExtension does — keyword
// arguments as a trailing `{ …, __keywords: true }`, `context.ctx` the template's variables,
// `context.lookup(name)`, `context.env` the environment.

import { DATA } from '../context.js';
import { ACTIVE } from '../limits.js';
import type { Ctx } from '../template.js';
import { Kwargs } from '../values.js';
import { contextAt, lk, njkSetContext, njkTop } from './values.js';

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
  // (the call's context.ctx an ordinary object, which node:vm can take as a sandbox; what the call
  // adds to it is set in the template's context when it returns or calls back)
  const context = new NjkContext(env.njkEnv ?? env, scope, true);
  const done = cb && ((err: unknown, res?: unknown) => (context.settle(), cb(err, res)));
  const result = (f as (...x: unknown[]) => unknown).apply(ext, done ? [context, ...a, ...bodies, done] : [context, ...a, ...bodies]);
  context.settle();
  return result;
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
    /** An extension's: `ctx` an ordinary object (see plainView). */
    private readonly plain = false,
  ) {}
  /**
   * (made when first read) Its keys are Nunjucks' `context.ctx`'s: the data's and the template's
   * top-level names, not the globals; so `{ ...context.ctx }` and `Object.keys` see them, as
   * eleventy-plugin-seo's tags do when they render a template with the page's context.
   */
  get ctx(): Ctx {
    if (this.plain) return (this.view ??= this.plainView());
    // (a filter's or function's `this.ctx`: a live view, as nothing runs after such a call to
    // settle what it wrote)
    return (this.view ??= new Proxy(Object.create(null) as Ctx, {
      get: (_, k) => (typeof k === 'string' ? this.lookup(k) : undefined),
      has: (_, k) => typeof k === 'string' && this.lookup(k) !== undefined,
      set: (_, k, v) => this.setVariable(k, v),
      // (a definition sets the name too and leaves the target empty, which the descriptors below
      // need: a property defined on the target would break the proxy's invariants)
      defineProperty: (_, k, d) => 'value' in d && this.setVariable(k, d.value),
      ownKeys: () => this.keys(),
      // (asked once per key by `{ ...context.ctx }`: a look-up of that key, not the whole list again)
      getOwnPropertyDescriptor: (_, k) =>
        typeof k === 'string' && this.hasKey(k) ? { value: this.lookup(k), writable: true, enumerable: true, configurable: true } : undefined,
    }));
  }
  /**
   * An extension's `ctx`: an ordinary object holding the template's names and their values when
   * first read, since node:vm takes only such an object as a sandbox that still finds its own
   * built-ins (behind a Proxy, `JSON` or `Math` is found and undefined): nunjucks-do's `{% do %}`
   * runs its body so. What the call changes or adds in it (what a vm script assigns, `ctx.x = v`)
   * is set in the template's context by settle(), when the call returns; setVariable() shows in
   * it at once.
   */
  private plainView(): Ctx {
    const view = Object.create(null) as Ctx;
    const seen = (this.seen = Object.create(null) as Ctx);
    for (const k of this.keys()) view[k] = seen[k] = this.lookup(k);
    return view;
  }
  /** (a plain view's values as first read: what settle() compares with) */
  private seen: Ctx | undefined;
  /** The names an extension's call changed or added in its plain `ctx`, set in the template's context. */
  settle(): void {
    const { view, seen } = this;
    if (!this.plain || !view || !seen) return;
    for (const k of Object.keys(view)) {
      const v = view[k];
      if (Object.prototype.hasOwnProperty.call(seen, k) && seen[k] === v) continue;
      njkSetContext(this.scope, k, v);
      seen[k] = v;
    }
  }
  /** Whether `k` is one of keys(): a top-level name, or the data's own (not hidden by a sandbox). */
  private hasKey(k: string): boolean {
    const top = njkTop(this.scope);
    if (Object.prototype.propertyIsEnumerable.call(top, k)) return true;
    const data = (top as { [DATA]?: Ctx })[DATA];
    return !!data && Object.prototype.propertyIsEnumerable.call(data, k) && !ACTIVE?.hide(k);
  }
  /** The names of `ctx`: the data's own (less what a sandbox hides), then the template's top-level ones. */
  private keys(): string[] {
    const top = njkTop(this.scope);
    const data = (top as { [DATA]?: Ctx })[DATA];
    const names = new Set(data ? Object.keys(data).filter((k) => !ACTIVE?.hide(k)) : []);
    for (const k of Object.keys(top)) names.add(k);
    return [...names];
  }
  /**
   * (the template's context, as its macros see it: data and top-level names, not a loop's or a
   * macro's, and a name setVariable changed with its new value although a top-level `set` holds
   * it too; with what the call wrote to its `ctx`)
   */
  lookup(k: string): unknown {
    this.settle();
    return lk(contextAt(this.scope), k);
  }
  getVariables(): Ctx {
    return this.ctx;
  }
  setVariable(k: unknown, v: unknown): boolean {
    if (typeof k !== 'string') return true;
    njkSetContext(this.scope, k, v);
    if (this.plain && this.view && this.seen) this.view[k] = this.seen[k] = v;
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

/**
 * CallExtensionAsync in a sync render (the Environment's twin of the template, njkSyncExtensions):
 * as Nunjucks' render without a callback, the method must call back before it returns (Eleventy's
 * plugins' tags that render with `env.renderString` do); one that calls back later is an error
 * here (Nunjucks returns nothing then).
 */
export function njkExtSync(env: ExtLinkage, scope: Ctx, name: string | Record<string, unknown>, method: string, args: unknown[], bodies: unknown[]): unknown {
  let done = false;
  let error: unknown;
  let result: unknown;
  njkExt(env, scope, name, method, args, bodies, (err, res) => {
    if (done) return;
    done = true;
    error = err;
    result = res;
  });
  if (!done) {
    const tag = typeof name === 'string' ? name : String((name as { tags?: unknown[] }).tags?.[0] ?? 'extension');
    throw new Error(`async extension '${tag}' did not call back during a synchronous render: render with a callback, renderAsync() or renderStreamAsync()`);
  }
  if (error) throw error;
  return result;
}

/** A body that awaits: `body(cb)` calls back when done; it returns the (observed) promise of its text. */
export function njkAsyncBody(f: () => Promise<string>): (cb?: unknown) => Promise<string> {
  return (cb) => {
    const p = f();
    if (typeof cb === 'function') p.then((r) => cb(null, r), (e: unknown) => cb(e));
    else p.catch(Boolean); // (see observe: not String, not Object)
    return p;
  };
}
