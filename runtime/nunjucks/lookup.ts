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
