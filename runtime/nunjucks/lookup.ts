// A filter or test the compile step did not know (compat 'nunjucks'): Nunjucks looks filters and
// tests up when the call runs, so an app may add one (addFilter) after its templates load.
// The module then finds it in the linkage its render uses, or fails with Nunjucks' message.

import type { Callable, Linkage } from '../linkage.js';

export function njkLookup(env: Linkage, kind: 'filters' | 'tests', name: string): Callable {
  const table = env[kind];
  // (an Environment's tables hold Kida's built-ins too: only what the app added counts)
  const added = env.added ? env.added[kind].has(name) : Object.hasOwn(table, name);
  const f = added ? table[name] : undefined;
  if (typeof f !== 'function') throw new Error(`${kind === 'filters' ? 'filter' : 'test'} not found: ${name}`);
  return f;
}

/**
 * The result of a filter found at run time: the template was compiled as synchronous, so a
 * promise (a filter added as async after compiling) cannot be awaited and is an error saying so,
 * not "[object Promise]" (its rejection is observed: it must not end the process).
 */
export function njkSettled(v: unknown, name: string): unknown {
  if (v !== null && (typeof v === 'object' || typeof v === 'function') && typeof (v as PromiseLike<unknown>).then === 'function') {
    (v as PromiseLike<unknown>).then(undefined, () => {});
    throw new Error(`filter '${name}' returned a promise: a filter added as async (addFilter(name, fn, true)) after this template was compiled is not awaited; add it before loading the template`);
  }
  return v;
}
