// The render-time half of Nunjucks extensions (compiler/nunjucks/extensions.ts): calls
// `ext[method](context, ...args, ...bodies)` as Nunjucks' CallExtension does — keyword
// arguments as a trailing `{ …, __keywords: true }`, `context.ctx` the template's variables,
// `context.lookup(name)`, `context.env` the environment.

import type { Ctx } from '../template.js';
import { Kwargs } from '../values.js';
import { lk, njkSetContext } from './values.js';

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
  // (the variables as the template reads them; setVariable or `ctx.x = v` sets one in the
  // template's context as Nunjucks' context.setVariable does, never in the data: njkSetContext)
  const setVariable = (k: unknown, v: unknown): boolean => {
    if (typeof k === 'string') njkSetContext(scope, k, v);
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
