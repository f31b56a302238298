// Nunjucks' built-in globals in a bundle that also holds Kida modules: both languages have a
// `range`, `cycler` and `joiner`, and they differ (Kida's range is lazy and prints as
// `range(0, 3)`, Nunjucks' is an array). Kida modules register theirs with the registry
// (runtime/linkage.ts useGlobals); Nunjucks modules keep theirs here and read the registry's
// globals through a view that puts them in place of Kida's.

import { kidaBuiltin } from '../linkage.js';

type Ctx = Record<string, unknown>;

/** Nunjucks' built-in globals that the bundle's compiled Nunjucks modules name. */
const used: Ctx = Object.create(null);

/** Called by a compiled Nunjucks module at load with the built-ins it names (`{ range: g_range }`). */
export function useNjkGlobals(g: Ctx): void {
  Object.assign(used, g);
}

const views = new WeakMap<object, { readonly globals: Ctx }>();

/**
 * The linkage a compiled Nunjucks module reads its globals through: the registry's own globals
 * (the host's, and the Kida built-ins its Kida modules use) with Nunjucks' built-ins in place of
 * Kida's ones of the same name; a global the host set under such a name still wins. One view per
 * registry, checked at each read: the host may add globals after the first render.
 */
export function njkLinkage(env: { readonly globals: Ctx }): { readonly globals: Ctx } {
  let linkage = views.get(env);
  if (!linkage) {
    let base: Ctx | undefined;
    let view: Ctx = Object.create(null);
    linkage = {
      get globals() {
        const g = env.globals;
        if (g !== base) view = Object.create((base = g));
        for (const k in used)
          if (k in g && !kidaBuiltin(k, g[k])) {
            if (Object.hasOwn(view, k)) delete view[k]; // (the host's own)
          } else if (view[k] !== used[k]) view[k] = used[k];
        return view;
      },
    };
    views.set(env, linkage);
  }
  return linkage;
}
