// The render-time half of Nunjucks extensions (compiler/nunjucks/extensions.ts): calls
// `ext[method](context, ...args, ...bodies)` as Nunjucks' CallExtension does — keyword
// arguments as a trailing `{ …, __keywords: true }`, `context.ctx` the template's variables,
// `context.lookup(name)`, `context.env` the environment.

import type { Ctx } from '../template.js';
import { Kwargs, setKey } from '../values.js';
import { lk } from './values.js';

interface ExtLinkage {
  extensions?: Record<string, Record<string, unknown>>;
  globals: Ctx;
  njkEnv?: unknown;
}

// `name`: the extension's name in the environment, or (a module built ahead of time) the extension itself
export function njkExt(env: ExtLinkage, scope: Ctx, name: string | Record<string, unknown>, method: string, args: unknown[], bodies: unknown[], cb?: (err: unknown, res?: unknown) => void): unknown {
  const ext = typeof name === 'string' ? env.extensions?.[name] : name;
  const f = ext?.[method];
  if (typeof f !== 'function')
    throw new Error(typeof name === 'string' ? `extension not found: ${name}${ext ? `.${method}` : ''} (extensions render through an Environment that has them: addExtension, or a build that names their modules: nunjucksExtensions)` : `extension method not found: ${method}`);
  const last = args[args.length - 1];
  const a = last instanceof Kwargs ? [...args.slice(0, -1), { ...last.kw, __keywords: true }] : args;
  // (the variables as a template reads them: its sets, the render's data, the globals; a name
  // set — setVariable or `context.ctx.x = v` — is a name of the template's scope from here on,
  // as a top-level `set` is: the render's data object is never written)
  const setVariable = (k: unknown, v: unknown): boolean => {
    if (typeof k === 'string') setKey(scope, k, v);
    return true;
  };
  const ctx = new Proxy(Object.create(null) as Ctx, {
    get: (_, k) => (typeof k === 'string' ? lk(scope, k) : undefined),
    has: (_, k) => typeof k === 'string' && lk(scope, k) !== undefined,
    set: (_, k, v) => setVariable(k, v),
  });
  const context = { ctx, env: env.njkEnv ?? env, lookup: (k: string) => lk(scope, k), getVariables: () => ctx, setVariable };
  return (f as (...x: unknown[]) => unknown).apply(ext, cb ? [context, ...a, ...bodies, cb] : [context, ...a, ...bodies]);
}

/**
 * CallExtensionAsync: the method gets a trailing `(err, result)` callback; the promise settles on
 * its first call (a throw before it rejects too). A callback never called leaves the render
 * waiting, as in Nunjucks.
 */
export function njkExtAsync(env: ExtLinkage, scope: Ctx, name: string | Record<string, unknown>, method: string, args: unknown[], bodies: unknown[]): Promise<unknown> {
  return new Promise((ok, no) => {
    njkExt(env, scope, name, method, args, bodies, (err, res) => (err ? no(err) : ok(res)));
  });
}

/** A content body that awaits: `body(cb)` calls `cb(err, text)` when done; it returns the promise of the text (never left unobserved). */
export function njkAsyncBody(f: () => Promise<string>): (cb?: unknown) => Promise<string> {
  return (cb) => {
    const p = f();
    if (typeof cb === 'function') p.then((r) => cb(null, r), (e: unknown) => cb(e));
    else p.catch(String);
    return p;
  };
}
