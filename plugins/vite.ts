// `kida/vite`: the Rollup plugin, run before Vite's own transforms, rooted at Vite's root.
// Dev SSR (`ssrLoadModule`) picks up template edits through Vite's module graph: a template's
// parents and includes are static imports, so editing one re-runs its importers. But Vite only
// soft-invalidates importers (it keeps their transformed code), and a template's module also holds
// what was compiled from those sources (block metadata through includes, imported def signatures):
// so the plugin invalidates those templates fully, and the registry module when templates come or go.

import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { HOOK_FILTERS, createKidaPlugin, type KidaPlugin, type PluginContextLike } from './rollup.js';
import { LINKAGE_ID, TEMPLATE_FILE, templateModuleId, type KidaOptions } from './shared.js';

/** The slice of Vite's dev server the plugin uses (Vite 5 has one module graph, 6+ one per environment). */
interface ModuleGraphLike {
  getModulesByFile(file: string): Set<object> | undefined;
  getModuleById(id: string): object | undefined;
  invalidateModule(mod: object): void;
}
interface DevServerLike {
  watcher: { on(event: 'change' | 'add' | 'unlink', listener: (file: string) => void): unknown };
  moduleGraph: ModuleGraphLike;
  environments?: Record<string, { moduleGraph: ModuleGraphLike }>;
}

/** What the plugin reads of Vite's resolved config (per environment in Vite 6+). */
interface ConfigLike {
  root: string;
  command?: 'build' | 'serve';
  build?: { sourcemap?: boolean | 'inline' | 'hidden' };
}

export default function kida(options: KidaOptions = {}): KidaPlugin {
  let inner = createKidaPlugin(options);
  let resolved: ConfigLike | undefined;
  return {
    ...inner,
    name: 'kida',
    enforce: 'pre',
    get api() {
      return inner.api;
    },
    configResolved(config: ConfigLike) {
      resolved = config;
      inner = createKidaPlugin(options, config.root, config.command === 'serve');
    },
    configureServer(server: DevServerLike) {
      const graphs = () => (server.environments ? Object.values(server.environments).map((e) => e.moduleGraph) : [server.moduleGraph]);
      const invalidate = (files: string[], ids: string[] = []) => {
        for (const g of graphs()) {
          // (a template named with a style's or script's extension is a module under its suffix)
          for (const f of files) for (const id of new Set([f, templateModuleId(f)])) for (const m of g.getModulesByFile(id) ?? []) g.invalidateModule(m);
          for (const id of ids) {
            const m = g.getModuleById(id);
            if (m) g.invalidateModule(m);
          }
        }
      };
      // (and the file's own module under its suffix, which Vite's watcher cannot match to the file)
      server.watcher.on('change', (file) => invalidate([...inner.api.readersOf(file), ...(templateModuleId(file) !== file && inner.api.isReferencedTemplate(file) ? [file] : [])]));
      // the registry lists every template under root (and the readers of a removed one fail now)
      const added = (file: string) => TEMPLATE_FILE.test(file) && invalidate(inner.api.readersOf(file), ['\0' + LINKAGE_ID]);
      server.watcher.on('add', added);
      server.watcher.on('unlink', added);
    },
    buildStart(this: any) {
      return inner.buildStart.call(this);
    },
    buildEnd() {
      inner.buildEnd();
    },
    // (configResolved replaces `inner`: the hooks look it up when called)
    resolveId: {
      filter: { id: new RegExp(`${HOOK_FILTERS.resolveId.id.source}|\\.html?$`) },
      handler(id: string, importer?: string) {
        // An .html template a template names: Vite's own HTML handling would take the id, so it
        // gets a query that keeps it the template's (load and transform strip it).
        if (/\.html?$/.test(id)) {
          // (absolute: the linkage module's import of one that a name built at run time reaches)
          const file = isAbsolute(id) ? id : importer && /^\.\.?\//.test(id) ? resolve(dirname(importer.split('?')[0]!), id) : null;
          return file && inner.api.isReferencedTemplate(file) ? `${file}?kida-template` : null;
        }
        return inner.resolveId.handler(id, importer);
      },
    },
    load: { filter: HOOK_FILTERS.load, handler: (id: string) => inner.load.handler(id) },
    transform: {
      filter: HOOK_FILTERS.transform,
      async handler(this: PluginContextLike & { environment?: { config?: ConfigLike } }, code: string, id: string) {
        // Vite prints a plugin warning's message alone, without its file and position (Rollup
        // prints both): the message says where, as `kida check` does
        const host = this;
        const root = (this.environment?.config ?? resolved)?.root ?? process.cwd();
        const context: PluginContextLike = {
          warn: (w) => host.warn?.({ ...w, message: w.loc?.file ? `${relative(root, w.loc.file)}:${w.loc.line}:${w.loc.column + 1}: ${w.message}` : w.message }),
          error: (e) => host.error(e),
          addWatchFile: (f) => host.addWatchFile?.(f),
        };
        const out = await inner.transform.handler.call(context, code, id);
        // A build that writes no source maps would only have Rolldown decode and drop the map.
        // (Dev keeps it: ssrLoadModule's stack traces point at the .kida file through it.)
        const config = this.environment?.config ?? resolved;
        if (out && config?.command === 'build' && !config.build?.sourcemap) out.map = null;
        return out;
      },
    },
  };
}

export type { KidaOptions };
