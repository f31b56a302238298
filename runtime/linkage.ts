// What a compiled template links against besides the helpers: the filter, test and global
// registries and a way to load templates by name (dynamic includes/extends, ignore missing).
// The Environment provides one; bundles use the module-level `registry`, which compiled
// modules register themselves in.

import { TemplateNotFoundError, didYouMean } from './errors.js';
import { tests as builtinTests } from './tests.js';
import { builtinGlobals } from './globals.js';
import { resolveTemplateName } from './names.js';
import type { Ctx, Template } from './template.js';
import { LruFragmentStore, type FragmentStore } from './cache.js';
import type { Sandbox } from './sandbox.js';
import type { Translations } from './ops.js';

export type Callable = (...args: any[]) => unknown;

export interface Linkage {
  /** Store of `{% cache %}` fragments (absent: fragments are never cached). */
  cache?: FragmentStore & { defaultTtl?: number };
  /** gettext/ngettext for `{% trans %}` (identity when absent). */
  translations?: Translations;
  /** The sandbox policy of templates compiled with `sandbox: true`. */
  sandbox?: Sandbox;
  filters: Record<string, Callable>;
  tests: Record<string, Callable>;
  globals: Ctx;
  load(name: unknown, from: string | null): Template;
  tryLoad(name: unknown, from: string | null): Template | null;
}

/** A fresh null-prototype globals object: built-ins underneath user globals. */
export function makeGlobals(extra: Record<string, unknown> = {}): Ctx {
  const g = Object.create(null) as Ctx;
  Object.assign(g, builtinGlobals, extra);
  return g;
}

/** The registry of compiled modules in a bundle (dynamic template names resolve here). */
export class Registry implements Linkage {
  /** User filters only: compiled modules import built-in filters directly (tree-shakeable). */
  filters: Record<string, Callable> = Object.create(null);
  tests: Record<string, Callable> = Object.assign(Object.create(null), builtinTests);
  globals: Ctx = makeGlobals();
  templateAliases: Record<string, string> = {};
  cache: FragmentStore & { defaultTtl?: number } = new LruFragmentStore();
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
    const key = resolveTemplateName(String(name), from, this.templateAliases);
    return this.templates.get(key) ?? this.lazy.get(key)?.() ?? null;
  }
  load(name: unknown, from: string | null): Template {
    const t = this.tryLoad(name, from);
    if (t) return t;
    const hint = didYouMean(String(name), [...this.templates.keys(), ...this.lazy.keys()]);
    throw new TemplateNotFoundError(`Template '${String(name)}' not found${from ? ` (referenced from ${from})` : ''}`, {
      suggestion: hint ? `Did you mean '${hint}'?` : 'Dynamic template names resolve among the compiled templates imported by the bundle',
    });
  }
}

export const registry = new Registry();
