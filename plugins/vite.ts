// `kida/vite`: the Rollup plugin, run before Vite's own transforms, rooted at Vite's root.
// Dev SSR (`ssrLoadModule`) picks up template edits through Vite's module graph: a
// template's parents and includes are static imports, so editing one invalidates its importers.

import { createKidaPlugin, type KidaPlugin } from './rollup.js';
import type { KidaOptions } from './shared.js';

export default function kida(options: KidaOptions = {}): KidaPlugin {
  let inner = createKidaPlugin(options);
  return {
    ...inner,
    name: 'kida',
    enforce: 'pre',
    configResolved(config: { root: string }) {
      inner = createKidaPlugin(options, config.root);
    },
    buildStart(this: any) {
      return inner.buildStart.call(this);
    },
    resolveId(id: string) {
      return inner.resolveId(id);
    },
    load(id: string) {
      return inner.load(id);
    },
    transform(this: any, code: string, id: string) {
      return inner.transform.call(this, code, id);
    },
  };
}

export type { KidaOptions };
