// `kida/rollup`: `import page from './page.kida'` in Rollup builds. Templates become ES
// modules (with source maps) that import each other statically, the runtime helpers they
// use, and the user's filters/tests by name.

import { createFilter } from '@rollup/pluginutils';
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TemplateError } from '../runtime/errors.js';
import { AS_TEMPLATE, KidaProject, LINKAGE_ID, SCRIPT_EXT, TEMPLATE_FILE, errorSummary, fileOfModuleId, type KidaOptions } from './shared.js';
import { ConfigError, checkOptionKeys, KIDA_OPTION_KEYS, resolveOptions } from './config.js';
import type { CompileCache } from './cache.js';
import { declarationFile, writeIfChanged } from './declarations.js';

/** The slice of the Rollup plugin API the plugin uses (keeps Rollup a peer, not a dependency). */
export interface PluginContextLike {
  warn?(w: { message: string; id?: string; loc?: { file?: string; line: number; column: number } }): void;
  error(e: { message: string; id?: string; loc?: { file?: string; line: number; column: number }; frame?: string }): never;
  addWatchFile?(id: string): void;
}
export interface KidaPlugin {
  name: string;
  enforce?: 'pre';
  buildStart(this: PluginContextLike): Promise<void>;
  buildEnd(): void;
  resolveId: Hook<(id: string, importer?: string) => string | null>;
  load: Hook<(id: string) => Promise<string> | null>;
  transform: Hook<(this: PluginContextLike, code: string, id: string) => Promise<{ code: string; map: unknown } | null>>;
  api: {
    /** The current build's compile cache (hit and miss counts), null when disabled. */
    readonly cache: CompileCache | null;
    /** The templates compiled (so far) from `file`'s source besides their own: its includers, children, importers. */
    readersOf(file: string): string[];
    /** Is `file` (of another extension than .kida/.njk) a template that a template names? */
    isReferencedTemplate(file: string): boolean;
  };
  [hook: string]: unknown;
}

/**
 * A hook with a filter: Rollup 4.38+ and Rolldown (Vite 7+) call it only for ids the filter
 * matches, so the other modules of a build never wait on this plugin's JavaScript. The handlers
 * check the id themselves too, for bundlers that ignore filters.
 */
export interface Hook<F> {
  filter: { id: RegExp };
  handler: F;
}
// (load and transform: templates, and files of other extensions that templates name as
// templates, `{% include "./logo.svg" %}`; never a script, style or JSON module)
const NOT_SCRIPT = new RegExp(`^(?!\\0)(?![^?]*${SCRIPT_EXT}(?:\\?|$))`);
export const HOOK_FILTERS = {
  // (and a template named with a script's or style's extension, imported under AS_TEMPLATE)
  resolveId: { id: /^(?:kida|kida\/(?:runtime|runtime\/nunjucks|hono|sse|cache|async-driver)|virtual:kida-linkage)$|\.as-kida-template$/ },
  load: { id: new RegExp(`^\\0virtual:kida-linkage$|${NOT_SCRIPT.source}`) },
  transform: { id: NOT_SCRIPT },
};

const RUNTIME = fileURLToPath(new URL('../runtime/helpers.js', import.meta.url));
const PUBLIC = fileURLToPath(new URL('../runtime/index.js', import.meta.url));
const NUNJUCKS_RUNTIME = fileURLToPath(new URL('../runtime/nunjucks/index.js', import.meta.url));
/**
 * The entry points a worker or browser bundle imports beside its templates (the guides' fetch
 * handlers, SSE, KV cache): resolved here too, so a build with only this plugin bundles them
 * (without a node-resolve plugin Rollup would leave them external, and workerd cannot load them).
 */
const WEB_ENTRIES = new Map(
  Object.entries({ 'kida/hono': '../adapters/hono.js', 'kida/sse': '../adapters/sse.js', 'kida/cache': '../adapters/cache.js', 'kida/async-driver': '../runtime/drive.js' }).map(
    ([id, file]) => [id, fileURLToPath(new URL(file, import.meta.url))],
  ),
);

/** `dev`: for a dev server, which has no build end (its compile cache writes itself after changes). */
export function createKidaPlugin(options: KidaOptions = {}, cwd = process.cwd(), dev = false): KidaPlugin {
  checkOptionKeys(options, KIDA_OPTION_KEYS, 'the kida plugin options'); // a typo fails at once, in the bundler config
  // The project until buildStart reads kida.config.*: the inline options alone (Vite's root is
  // not known yet, so a module path that does not resolve here is left to buildStart to report).
  let project: KidaProject;
  try {
    project = new KidaProject(options, cwd, dev);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    project = new KidaProject({ ...options, filters: undefined, tests: undefined, globals: undefined, nunjucksExtensions: undefined }, cwd, dev);
  }
  const filter = createFilter(options.include ?? '**/*.{kida,njk}', options.exclude);
  /** template file -> the templates whose modules were compiled from its source too */
  const readers = new Map<string, Set<string>>();
  /** Template files that start with a byte order mark: Rollup strips it from what load gives, the template's text keeps it (as the Environment and Nunjucks render it). */
  const bom = new Set<string>();

  /** A template file to its ES module and source map. */
  async function transform(this: PluginContextLike, code: string, id: string): Promise<{ code: string; map: unknown } | null> {
    const file = fileOfModuleId(id);
    if (!(TEMPLATE_FILE.test(file) ? filter(file) : project.referenced.has(file))) return null;
    if (bom.has(file) && code.charCodeAt(0) !== 0xfeff) code = '\ufeff' + code;
    try {
      const out = await project.compile(code, file);
      // (watch mode and Vite dev recompile this template when one of those changes)
      for (const f of out.reads) {
        this.addWatchFile?.(f);
        if (!readers.has(f)) readers.set(f, new Set());
        readers.get(f)!.add(file);
      }
      if (project.options.dts) writeIfChanged(declarationFile(file), out.dts);
      for (const w of out.warnings)
        this.warn?.({ message: `${w.code} ${w.message}`, id: file, loc: { file, line: w.lineno, column: w.colno } });
      return { code: out.code, map: out.map };
    } catch (e) {
      // (every TemplateError is positioned in the template: its own frame, never generated code)
      if (e instanceof TemplateError && e.lineno != null) {
        const frame = excerpt(code, e.lineno ?? 1, e.colno ?? 0);
        return this.error({
          message: errorSummary(e),
          id: file,
          loc: { file, line: e.lineno ?? 1, column: e.colno ?? 0 },
          frame,
        });
      }
      throw e;
    }
  }

  /** A template's text as the loader reads it, its byte order mark noted (see `bom`). */
  async function readText(file: string): Promise<string> {
    const text = await readFile(file, 'utf8');
    if (text.charCodeAt(0) === 0xfeff) bom.add(file);
    else bom.delete(file);
    return text;
  }

  return {
    name: 'kida',
    api: {
      get cache() {
        return project.cache;
      },
      readersOf: (file) => [...(readers.get(file) ?? [])],
      isReferencedTemplate: (file) => project.referenced.has(file),
    },
    async buildStart() {
      try {
        project = new KidaProject((await resolveOptions(cwd, options)).options, cwd, dev);
      } catch (e) {
        // one message for the build (no plugin stack): the file and the option to fix
        if (e instanceof ConfigError) this.error({ message: `kida: ${e.message}` });
        throw e;
      }
      for (const f of [project.filtersFile, project.testsFile, project.globalsFile]) if (f) this.addWatchFile?.(f);
      if (project.options.cacheDir && !project.cache) this.warn?.({ message: `kida: cannot use cacheDir ${project.options.cacheDir}; compiling without a cache` });
    },
    buildEnd() {
      project.cache?.flush(); // the compile cache's pack, once per build
    },
    resolveId: {
      filter: HOOK_FILTERS.resolveId,
      handler(id, importer) {
        if (id === LINKAGE_ID) return '\0' + LINKAGE_ID;
        if (id.endsWith(AS_TEMPLATE)) {
          // (relative from the importing template, absolute from the linkage module)
          const file = isAbsolute(id) ? id : importer ? resolve(dirname(fileOfModuleId(importer)), id) : null;
          return file && project.referenced.has(fileOfModuleId(file)) ? file : null;
        }
        // Bundles always get this package's runtime, wherever the template lives.
        if (id === 'kida/runtime') return RUNTIME;
        if (id === 'kida/runtime/nunjucks') return NUNJUCKS_RUNTIME;
        if (id === 'kida') return PUBLIC;
        return WEB_ENTRIES.get(id) ?? null;
      },
    },
    load: {
      filter: HOOK_FILTERS.load,
      handler(id) {
        if (id === '\0' + LINKAGE_ID) return project.linkageCode('kida/runtime');
        // (a template of another extension as its text, before a bundler's asset loader makes it a URL)
        const file = fileOfModuleId(id);
        if (project.referenced.has(file)) return readText(file);
        return TEMPLATE_FILE.test(file) && filter(file) ? readText(file) : null;
      },
    },
    transform: { filter: HOOK_FILTERS.transform, handler: transform },
  };
}

function excerpt(source: string, line: number, col: number): string {
  const lines = source.split('\n');
  const out: string[] = [];
  for (let i = Math.max(1, line - 2); i <= Math.min(lines.length, line + 1); i++) {
    out.push(`${String(i).padStart(4)} | ${lines[i - 1]}`);
    if (i === line) out.push(`     | ${' '.repeat(col)}^`);
  }
  return out.join('\n');
}

export default function kida(options: KidaOptions = {}): KidaPlugin {
  return createKidaPlugin(options);
}

export type { KidaOptions };
