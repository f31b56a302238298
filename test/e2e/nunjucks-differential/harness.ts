// The differential corpus's harness (issue #25): each case is a template (plus the templates it
// includes, imports or extends, its data and Nunjucks options) rendered by Nunjucks 3.2.4 itself
// and by `compat: 'nunjucks'` — the Environment's render, renderStream (joined) and renderAsync,
// and the compiled module (compile() written as an ES module, imported, rendered both ways).
// Expected outputs are never written down: Nunjucks computes them when the test runs.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DictLoader, Environment } from '../../../compiler/environment.js';
import { compile, relativeImport } from '../../../compiler/index.js';
import { markSafe } from '../../../runtime/nunjucks/safe.js';

const require = createRequire(import.meta.url);
const nunjucks = require('nunjucks');

export interface NjkOptions {
  autoescape?: boolean;
  throwOnUndefined?: boolean;
  trimBlocks?: boolean;
  lstripBlocks?: boolean;
}
export interface Case {
  /** What the case shows (unique within its theme). */
  name: string;
  src: string;
  /**
   * A function when the data must be fresh for each render (a case that mutates it) or holds
   * safe strings: it gets each engine's own markSafe (Nunjucks' SafeString, kida/nunjucks').
   */
  ctx?: Record<string, unknown> | ((safe: (s: string) => unknown) => Record<string, unknown>);
  templates?: Record<string, string>;
  opts?: NjkOptions;
  /** When both throw: also compare where (a syntax error at compile time, or an error while rendering). */
  errorKind?: boolean;
  /** Skip the compiled-module path (a case whose data is a live Template object of one engine). */
  envOnly?: boolean;
  /** Compare with Nunjucks after its installJinjaCompat() (slices, True/False/None), as its own jinja-compat tests do. */
  jinjaCompat?: boolean;
  /**
   * An intended divergence (docs/guide/nunjucks.md): Nunjucks rejects the template (throws) and
   * ours renders it, for the reason given. The test checks exactly that.
   */
  superset?: string;
  /** Filters and globals the app adds (Nunjucks' addFilter/addGlobal; ours: the Environment's, and the compiled modules' registry). */
  filters?: Record<string, (...args: never[]) => unknown>;
  globals?: Record<string, unknown>;
  /** A divergence not fixed yet (docs/guide/nunjucks.md, "Not done yet"): the test expects the comparison to fail. */
  known?: string;
}
export type Outcome = { text: string } | { error: 'syntax' | 'render'; message: string };

type Safe = (s: string) => unknown;
const data = (c: Case, safe: Safe) => (typeof c.ctx === 'function' ? c.ctx(safe) : { ...(c.ctx ?? {}) });
const theirSafe: Safe = (s) => nunjucks.runtime.markSafe(s);
const ourSafe: Safe = (s) => markSafe(s);
let moduleSafe: Safe | undefined;
const fail = (kind: 'syntax' | 'render', e: unknown): Outcome => ({ error: kind, message: String((e as Error)?.message ?? e).split('\n')[0]! });

/** Nunjucks 3.2.4's output, or where it failed (parsing the template, or rendering it). */
export function theirs(c: Case): Outcome {
  const files = c.templates ?? {};
  const Loader = nunjucks.Loader.extend({
    getSource: (n: string) => (Object.hasOwn(files, n) ? { src: files[n], path: n, noCache: true } : null),
  });
  const env = new nunjucks.Environment(new Loader(), { autoescape: true, ...c.opts });
  for (const [k, f] of Object.entries(c.filters ?? {})) env.addFilter(k, f);
  for (const [k, v] of Object.entries(c.globals ?? {})) env.addGlobal(k, v);
  const uninstall = c.jinjaCompat ? nunjucks.installJinjaCompat() : null;
  try {
    let t;
    try {
      t = new nunjucks.Template(c.src, env, 'main.njk', true);
    } catch (e) {
      return fail('syntax', e);
    }
    try {
      const text = t.render(data(c, theirSafe));
      return typeof text === 'string' ? { text } : fail('render', 'no output');
    } catch (e) {
      return fail('render', e);
    }
  } finally {
    uninstall?.();
  }
}

function ourEnv(c: Case): Environment {
  const env = new Environment({ loader: new DictLoader({ ...(c.templates ?? {}) }), compat: 'nunjucks', autoescape: true, ...c.opts });
  for (const [k, f] of Object.entries(c.filters ?? {})) env.addFilter(k, f as never);
  for (const [k, v] of Object.entries(c.globals ?? {})) env.addGlobal(k, v);
  return env;
}

/** Ours through the Environment: render, renderStream joined, renderAsync — each an Outcome. */
export async function ours(c: Case): Promise<Record<string, Outcome>> {
  let t;
  try {
    t = ourEnv(c).fromString(c.src, { name: 'main.njk' });
  } catch (e) {
    const o = fail('syntax', e);
    return { render: o, renderStream: o, renderAsync: o };
  }
  const attempt = async (f: () => string | Promise<string>): Promise<Outcome> => {
    try {
      return { text: await f() };
    } catch (e) {
      return fail('render', e);
    }
  };
  return {
    render: await attempt(() => t.render(data(c, ourSafe))),
    renderStream: await attempt(() => [...t.renderStream(data(c, ourSafe))].join('')),
    renderAsync: await attempt(() => t.renderAsync(data(c, ourSafe))),
  };
}

type Module = { render(ctx: object): string; renderStream(ctx: object): Iterable<string> };
/**
 * Writes each case's templates as compiled ES modules under `dir/<i>/`, each case with its own
 * registry (the linkage module), so that cases naming the same template do not meet.
 * Returns, per case, the outcome of compiling (a syntax error) or a loader of its main module.
 */
export function writeModules(dir: string, cases: Case[]): Array<{ error: Outcome } | { load: () => Promise<Module> }> {
  return cases.map((c, i) => {
    const root = join(dir, String(i));
    const all = { ...(c.templates ?? {}), 'main.njk': c.src };
    try {
      mkdirSync(root, { recursive: true });
      writeFileSync(join(root, 'linkage.mjs'), "import { Registry } from 'kida/runtime';\nexport default new Registry();\n");
      const names = Object.keys(all);
      for (const name of names) {
        let code: string;
        try {
          ({ code } = compile(all[name]!, {
          name,
          compat: 'nunjucks',
          autoescape: true,
          ...c.opts,
          // (ahead of time the app's filters are declared, as kida.config's filters module does)
          ...(c.filters ? { filters: Object.keys(c.filters) } : {}),
          linkage: relativeImport('linkage.mjs', name),
            importPath: (t, f) => relativeImport(t, f) + '.mjs',
          }));
        } catch (e) {
          // a template other than the main one that does not compile: what imports it fails to load
          if (name === 'main.njk') throw e;
          continue;
        }
        const file = join(root, name + '.mjs');
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, code);
      }
      return {
        load: async () => {
          const linkage = (await import(pathToFileURL(join(root, 'linkage.mjs')).href)).default;
          Object.assign(linkage.filters, c.filters ?? {});
          Object.assign(linkage.globals, c.globals ?? {});
          // every template of the case is loadable by name (`{% include name %}` computed at run time)
          for (const name of names) if (existsSync(join(root, name + '.mjs'))) linkage.register((await import(pathToFileURL(join(root, name + '.mjs')).href)).default);
          return (await import(pathToFileURL(join(root, 'main.njk.mjs')).href)).default as Module;
        },
      };
    } catch (e) {
      return { error: fail('syntax', e) };
    }
  });
}

/** The compiled module's render and renderStream joined. */
export async function compiled(c: Case, mod: { error: Outcome } | { load: () => Promise<Module> }): Promise<Record<string, Outcome>> {
  if ('error' in mod) return { module: mod.error, moduleStream: mod.error };
  let m: Module;
  // (compiled modules link against the built runtime, dist/: its safe strings are its own class)
  moduleSafe ??= ((await import('kida/runtime/nunjucks' as string)) as { markSafe: Safe }).markSafe;
  const safe = moduleSafe;
  try {
    m = await mod.load();
  } catch (e) {
    const o = fail('render', e);
    return { module: o, moduleStream: o };
  }
  const attempt = (f: () => string): Outcome => {
    try {
      return { text: f() };
    } catch (e) {
      return fail('render', e);
    }
  };
  return { module: attempt(() => m.render(data(c, safe))), moduleStream: attempt(() => [...m.renderStream(data(c, safe))].join('')) };
}

/** What the comparison sees of an outcome: the text, or that it threw (and where, if the case asks). */
export function shape(o: Outcome, c: Case): unknown {
  if ('text' in o) return o.text;
  return c.errorKind ? `throws (${o.error})` : 'throws';
}
