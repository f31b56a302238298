// What a compiled template links against besides the helpers: the filter, test and global
// registries and a way to load templates by name (dynamic includes/extends, ignore missing).
// The Environment provides one; bundles use the module-level `registry`, which compiled
// modules register themselves in.

import { TemplateNotFoundError, didYouMean } from './errors.js';
import { builtinGlobals } from './globals.js';
import { resolveTemplateName } from './names.js';
import { pyStr } from './values.js';
import type { Ctx, Template } from './template.js';
import { LruFragmentStore, type AnyFragmentStore } from './cache.js';
import type { Sandbox } from './sandbox.js';
import type { Translations } from './ops.js';

export type Callable = (...args: any[]) => unknown;

export interface Linkage {
  /** Store of `{% cache %}` fragments (absent: fragments are never cached). */
  cache?: AnyFragmentStore;
  /** gettext/ngettext for `{% trans %}` (identity when absent). */
  translations?: Translations;
  /** The sandbox policy of templates compiled with `sandbox: true`. */
  sandbox?: Sandbox;
  filters: Record<string, Callable>;
  tests: Record<string, Callable>;
  globals: Ctx;
  /** Nunjucks extensions by name (compat 'nunjucks': runtime/nunjucks/extensions.ts). */
  extensions?: Record<string, Record<string, unknown>>;
  /** The names the app added (an Environment's tables hold the built-ins too): compat 'nunjucks' looks them up at run time. */
  added?: { filters: ReadonlySet<string>; tests: ReadonlySet<string> };
  load(name: unknown, from: string | null): Template;
  tryLoad(name: unknown, from: string | null): Template | null;
}

/** A fresh null-prototype globals object: built-ins underneath user globals. */
export function makeGlobals(extra: Record<string, unknown> = {}): Ctx {
  const g = Object.create(null) as Ctx;
  Object.assign(g, builtinGlobals, extra);
  return g;
}

/** Built-in globals that the compiled modules of this bundle name (see `useGlobals`). */
const usedBuiltins: Ctx = Object.create(null);
let usedVersion = 0;

/**
 * Called by a compiled module at load with the built-in globals it names (`{ range: g_range }`):
 * every Registry then has them, under any user global of the same name. A bundle thus carries
 * only the builtins its templates can reach (a template reaches a global only by naming it).
 */
export function useGlobals(g: Ctx): void {
  for (const k in g) usedBuiltins[k] = g[k];
  usedVersion++;
}

/** Is `v` the Kida built-in global `k` that this bundle's Kida modules use? (runtime/nunjucks/linkage.ts) */
export const kidaBuiltin = (k: string, v: unknown): boolean => k in usedBuiltins && usedBuiltins[k] === v;

let resolveNames: typeof resolveTemplateName | null = null;
/**
 * Called by compiled modules that name templates at run time (`{% include name %}`): registries
 * then resolve `./x`, `../x` and `@alias/x` against the referencing template.
 */
export function useTemplateNames(): void {
  resolveNames = resolveTemplateName;
}

let newStore: (() => AnyFragmentStore) | null = null;
/**
 * Called by compiled modules that use `{% cache %}`: registries then default to an in-memory
 * LRU store (bundles without `{% cache %}` do not carry it).
 */
export function useFragmentCache(): void {
  newStore ??= () => new LruFragmentStore();
}

/** The registry of compiled modules in a bundle (dynamic template names resolve here). */
export class Registry implements Linkage {
  /** User filters only: compiled modules import built-in filters directly (tree-shakeable). */
  filters: Record<string, Callable> = Object.create(null);
  /** User tests only: compiled modules import built-in tests (`t_odd`); select/reject fall back to them. */
  tests: Record<string, Callable> = Object.create(null);
  private ownGlobals: Ctx = Object.create(null);
  private seenVersion = -1;
  /** User globals, over the built-ins the bundle's compiled modules use (`useGlobals`). */
  get globals(): Ctx {
    if (this.seenVersion !== usedVersion) {
      this.seenVersion = usedVersion;
      for (const k in usedBuiltins) if (!(k in this.ownGlobals)) this.ownGlobals[k] = usedBuiltins[k];
    }
    return this.ownGlobals;
  }
  /** Assigning copies the object: the built-ins stay underneath (the next read adds them). */
  set globals(g: Ctx) {
    this.ownGlobals = Object.assign(Object.create(null), g);
    this.seenVersion = -1;
  }
  templateAliases: Record<string, string> = {};
  /** undefined: not chosen yet; null: set to none. */
  private store?: AnyFragmentStore | null;
  /** The `{% cache %}` store: by default an in-memory LRU, once a module using `{% cache %}` has loaded (`useFragmentCache`). */
  get cache(): AnyFragmentStore | undefined {
    if (newStore && this.store === undefined) this.store = newStore(); // (newStore first: bundles without {% cache %} drop the line)
    return this.store ?? undefined;
  }
  set cache(s: AnyFragmentStore | undefined) {
    this.store = s ?? null;
  }
  translations?: Translations;
  /** Routes `{% trans %}`, `_` and `_n` through a translations object. */
  installTranslations(t: Translations): void {
    this.translations = t;
    this.globals._ = (m: unknown) => t.gettext(String(m));
    this.globals._n = (s: unknown, p: unknown, n: unknown) => t.ngettext(String(s), String(p), Number(n));
  }
  private templates = new Map<string, Template>();
  private lazy = new Map<string, () => Template>();

  register(t: Template): Template {
    this.templates.set(t.name, t);
    return t;
  }
  /** Makes a template loadable by name before its module has run (bundled registries). */
  define(name: string, get: () => Template): void {
    this.lazy.set(name, get);
  }
  tryLoad(name: unknown, from: string | null): Template | null {
    // Compiled modules pass resolved names, except for names computed at run time (useTemplateNames).
    // (pyStr, not String: a dict name from data renders as a dict, its own `toString` key is never called)
    let key = pyStr(name);
    if (resolveNames)
      try {
        key = resolveNames(key, from, this.templateAliases);
      } catch {
        return null; // (a name that resolves to nothing is missing, as in the Environment)
      }
    return this.templates.get(key) ?? this.lazy.get(key)?.() ?? null;
  }
  load(name: unknown, from: string | null): Template {
    const t = this.tryLoad(name, from);
    if (t) return t;
    resolveNames?.(pyStr(name), from, this.templateAliases); // (throws why a name does not resolve)
    const hint = didYouMean(pyStr(name), [...this.templates.keys(), ...this.lazy.keys()]);
    throw new TemplateNotFoundError(`Template '${pyStr(name)}' not found${from ? ` (referenced from ${from})` : ''}`, {
      suggestion: hint ? `Did you mean '${hint}'?` : 'Dynamic template names resolve among the compiled templates imported by the bundle',
    });
  }
}

export const registry: Registry = /*#__PURE__*/ new Registry();
