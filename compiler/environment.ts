// `kida/environment`: compile templates on demand (Node), with loaders and a cache.
// It evaluates exactly the module body that `compile()` emits, linked to this
// environment's filters, tests, globals and loader instead of static imports.

import { readFileSync, statSync } from 'node:fs';
import { resolve, sep } from 'node:path';
import * as runtime from '../runtime/helpers.js';
import * as nunjucksRuntime from '../runtime/nunjucks/index.js';
import { nunjucksGlobals } from '../runtime/nunjucks/globals.js';
import { TemplateNotFoundError, TemplateRuntimeError, PyError, didYouMean } from '../runtime/errors.js';
import { filters as builtinFilters } from '../runtime/filters.js';
import { tests as builtinTests } from '../runtime/tests.js';
import { makeGlobals, type Callable, type Linkage } from '../runtime/linkage.js';
import { resolveTemplateName } from '../runtime/names.js';
import { LruFragmentStore, type AnyFragmentStore, type CacheInfo } from '../runtime/cache.js';
import { HOST_ONLY, Sandbox, type SandboxPolicy } from '../runtime/sandbox.js';
import '../runtime/drive.js'; // renderStreamAsync/renderAsync of sync templates without an async generator per chunk
import type { Translations } from '../runtime/ops.js';
import type { Ctx, Template } from '../runtime/template.js';
import { generate, isRelativeName, normalizeAutoescape, tooDeep, type AutoescapeOption, type Compat } from './index.js';
import { mdFilters } from '../runtime/markdown.js';
import { DEFAULT_SYNTAX, delimiterOptions, resolveSyntax, type DelimiterOptions, type SnakeDelimiterOptions } from './lexer.js';
import type { NjkExtension } from './nunjucks/extensions.js';
import { fileOfName, namesToTry, nunjucksRelativeFile } from './nunjucks/paths.js';
import { NunjucksEnvironmentView } from './nunjucks/env-view.js';

// Templates compiled here look any Python method name up (bundled modules register theirs).
runtime.useAllMethods();

export interface LoaderSource {
  source: string;
  filename: string | null;
}

/** Supplies template sources by name; `null` means "not here". */
export interface Loader {
  getSource(name: string): LoaderSource | null;
  listTemplates(): string[];
}

const kindOf = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v);
const isLoader = (l: unknown): l is Loader => typeof (l as Partial<Loader> | null)?.getSource === 'function';

// (Kida's loaders register as host-only: handed to a sandboxed template, one read any template's source. s19)
export class DictLoader implements Loader {
  constructor(private readonly mapping: Record<string, string>) {
    HOST_ONLY.add(this);
    if (mapping === null || typeof mapping !== 'object') throw new TypeError(`new DictLoader(mapping): mapping is an object of name → source (got ${kindOf(mapping)})`);
  }
  getSource(name: string): LoaderSource | null {
    return Object.prototype.hasOwnProperty.call(this.mapping, name) ? { source: this.mapping[name]!, filename: null } : null;
  }
  listTemplates(): string[] {
    return Object.keys(this.mapping).sort();
  }
}

/** (nunjucksFind: no search path holds the file beside the referencing one) */
const MISSING: unique symbol = Symbol('missing');

export interface FileSystemLoaderOptions {
  encoding?: BufferEncoding;
  /** `{ '.html': ['.njk'] }`: `x.html` missing in a search path, `x.njk` there (`''`: no extension). */
  fallbackExtensions?: Readonly<Record<string, readonly string[]>>;
}

export class FileSystemLoader implements Loader {
  private readonly roots: string[];
  private readonly encoding: BufferEncoding;
  private readonly fallbackExtensions: FileSystemLoaderOptions['fallbackExtensions'];
  constructor(paths: string | string[], options: BufferEncoding | FileSystemLoaderOptions = 'utf8') {
    HOST_ONLY.add(this);
    this.roots = (Array.isArray(paths) ? paths : [paths]).map((p) => resolve(p));
    const o = typeof options === 'string' ? { encoding: options } : options;
    this.encoding = o.encoding ?? 'utf8';
    this.fallbackExtensions = o.fallbackExtensions;
  }
  getSource(name: string): LoaderSource | null {
    if (name.split('/').some((p) => p === '..') || name.startsWith('/')) return null;
    for (const root of this.roots)
      for (const n of namesToTry(name, this.fallbackExtensions)) {
        const file = resolve(root, n);
        if (!file.startsWith(root + sep)) continue;
        try {
          if (!statSync(file).isFile()) continue;
          return { source: readFileSync(file, this.encoding), filename: file };
        } catch {
          continue;
        }
      }
    return null;
  }
  listTemplates(): string[] {
    return [];
  }
  searchRoots(): string[] {
    return this.roots;
  }
}

export class ChoiceLoader implements Loader {
  constructor(private readonly loaders: Loader[]) {
    HOST_ONLY.add(this);
    if (!Array.isArray(loaders) || !loaders.every(isLoader)) throw new TypeError('new ChoiceLoader(loaders): loaders is an array of loaders (objects with getSource(name))');
  }
  getSource(name: string): LoaderSource | null {
    for (const l of this.loaders) {
      const s = l.getSource(name);
      if (s) return s;
    }
    return null;
  }
  /** (Nunjucks finds a relative name's file in whichever loader's search paths hold it: all of them, in order) */
  searchRoots(): string[] {
    return this.loaders.flatMap((l) => (l instanceof FileSystemLoader || l instanceof ChoiceLoader ? l.searchRoots() : []));
  }
  listTemplates(): string[] {
    return [...new Set(this.loaders.flatMap((l) => l.listTemplates()))].sort();
  }
}

export class PrefixLoader implements Loader {
  constructor(
    private readonly mapping: Record<string, Loader>,
    private readonly delimiter = '/',
  ) {
    HOST_ONLY.add(this);
    if (mapping === null || typeof mapping !== 'object' || !Object.values(mapping).every(isLoader))
      throw new TypeError('new PrefixLoader(mapping): mapping is an object of prefix → loader (objects with getSource(name))');
  }
  getSource(name: string): LoaderSource | null {
    const i = name.indexOf(this.delimiter);
    if (i < 0) return null;
    const prefix = name.slice(0, i);
    const loader = Object.hasOwn(this.mapping, prefix) ? this.mapping[prefix] : undefined; // (`constructor/x`: no prefix)
    return loader ? loader.getSource(name.slice(i + this.delimiter.length)) : null;
  }
  listTemplates(): string[] {
    return Object.entries(this.mapping).flatMap(([p, l]) => l.listTemplates().map((n) => p + this.delimiter + n));
  }
}

export type FunctionLoaderResult = string | [string, string | null] | LoaderSource | null | undefined;
export class FunctionLoader implements Loader {
  constructor(private readonly fn: (name: string) => FunctionLoaderResult) {
    HOST_ONLY.add(this);
    if (typeof fn !== 'function') throw new TypeError(`new FunctionLoader(fn): fn is a function of the template name (got ${kindOf(fn)})`);
  }
  getSource(name: string): LoaderSource | null {
    const r = this.fn(name);
    if (r == null) return null;
    if (typeof r === 'string') return { source: r, filename: null };
    if (Array.isArray(r)) return { source: r[0], filename: r[1] };
    return r;
  }
  listTemplates(): string[] {
    return [];
  }
}

/** Delimiters (default `{% %}`, `{{ }}`, `{# #}`) come from DelimiterOptions; `block_start` … spellings are accepted too. */
export interface EnvironmentOptions extends DelimiterOptions, SnakeDelimiterOptions, PythonOnlyOptions {
  loader?: Loader | null;
  /**
   * `true` (default: HTML escaping by file name), `false`, `'markdown'` (Markdown escaping, the
   * Markdown filters and `output_format`), or a function of the template name. Strings are
   * case-insensitive; anything else (including `'terminal'`) throws a ValueError.
   */
  autoescape?: AutoescapeOption;
  strictUndefined?: boolean;
  trimBlocks?: boolean;
  lstripBlocks?: boolean;
  filters?: Record<string, Callable>;
  tests?: Record<string, Callable>;
  globals?: Record<string, unknown>;
  templateAliases?: Record<string, string>;
  /** Check def calls at compile time (K-CMP-001/002 warnings on `template.warnings`; 'error' to fail). */
  validateCalls?: boolean | 'error';
  /** Compile-time constants visible to every template (the reference's partial evaluation inputs). */
  staticContext?: Record<string, unknown>;
  /**
   * Store for `{% cache %}` fragments (default: in-memory LRU, 1000 entries, 300 s TTL). An
   * asynchronous store (Redis, KV: kida/cache) serves renderAsync/renderStreamAsync only.
   */
  fragmentCache?: AnyFragmentStore;
  fragmentCacheSize?: number;
  fragmentTtl?: number;
  /** Sandbox untrusted templates: `true` for the default policy, or a SandboxPolicy. */
  sandbox?: boolean | SandboxPolicy;
  /** Register the HTMX/security globals (hx_request, csrf_token, …); default true. */
  enableHtmxHelpers?: boolean;
  /**
   * `'nunjucks'`: every template of this environment is Nunjucks 3.2 (docs/guide/nunjucks.md);
   * its globals are Nunjucks' (`range`, `cycler`, `joiner`) instead of Kida's.
   */
  compat?: Compat;
  /** With compat 'nunjucks': `{{ x }}` of null/undefined is an error, as Nunjucks' option. */
  throwOnUndefined?: boolean;
}

/**
 * Options of Kida for Python's Environment that have nothing to do here (terminal mode, its
 * bytecode and template caches, profiling hooks, …): accepted, so options ported from Python
 * work, and ignored.
 */
export interface PythonOnlyOptions {
  /** @deprecated Kida for Python only; no effect here. */ autoReload?: unknown;
  /** @deprecated Kida for Python only; no effect here. */ strictNone?: unknown;
  /** @deprecated Kida for Python only; no effect here. */ jinja2CompatWarnings?: unknown;
  /** @deprecated Kida for Python only; no effect here. */ preserveAst?: unknown;
  /** @deprecated Kida for Python only; no effect here. */ cacheSize?: unknown;
  /** @deprecated Kida for Python only; no effect here. */ bytecodeCache?: unknown;
  /** @deprecated Kida for Python only; no effect here. */ maxExtendsDepth?: unknown;
  /** @deprecated Kida for Python only; no effect here. */ maxIncludeDepth?: unknown;
  /** @deprecated Kida for Python only; no effect here. */ enableProfiling?: unknown;
  /** @deprecated Kida for Python only; no effect here. */ enableCapture?: unknown;
  /** @deprecated Kida for Python only; no effect here. */ fstringCoalescing?: unknown;
  /** @deprecated Kida for Python only; no effect here. */ pureFilters?: unknown;
  /** @deprecated Kida for Python only; no effect here. */ inlineComponents?: unknown;
  /** @deprecated Kida for Python only; no effect here. */ optimizeTranslations?: unknown;
  /** @deprecated Kida for Python only; no effect here. */ extensions?: unknown;
  /** @deprecated Kida for Python only; no effect here. */ terminalColor?: unknown;
  /** @deprecated Kida for Python only; no effect here. */ terminalWidth?: unknown;
  /** @deprecated Kida for Python only; no effect here. */ terminalUnicode?: unknown;
  /** @deprecated Kida for Python only; no effect here. */ ambiguousWidth?: unknown;
}

/** Every option key (the mapped type makes the list complete: a key missing here does not compile). */
const ENV_KEYS: { [K in keyof Required<EnvironmentOptions>]: 0 | 1 } = {
  loader: 1, autoescape: 1, strictUndefined: 1, trimBlocks: 1, lstripBlocks: 1, filters: 1, tests: 1, globals: 1,
  templateAliases: 1, validateCalls: 1, staticContext: 1, fragmentCache: 1, fragmentCacheSize: 1, fragmentTtl: 1,
  sandbox: 1, enableHtmxHelpers: 1, compat: 1, throwOnUndefined: 1,
  blockStart: 1, blockEnd: 1, variableStart: 1, variableEnd: 1, commentStart: 1, commentEnd: 1,
  block_start: 1, block_end: 1, variable_start: 1, variable_end: 1, comment_start: 1, comment_end: 1,
  autoReload: 0, strictNone: 0, jinja2CompatWarnings: 0, preserveAst: 0, cacheSize: 0, bytecodeCache: 0, maxExtendsDepth: 0,
  maxIncludeDepth: 0, enableProfiling: 0, enableCapture: 0, fstringCoalescing: 0, pureFilters: 0, inlineComponents: 0,
  optimizeTranslations: 0, extensions: 0, terminalColor: 0, terminalWidth: 0, terminalUnicode: 0, ambiguousWidth: 0,
};

/** A key that is no option is a TypeError naming the closest option (a typo is never silently ignored). */
function checkEnvironmentKeys(options: object): void {
  if (options === null || typeof options !== 'object' || Array.isArray(options))
    throw new TypeError(`new Environment(options): options is an object (got ${kindOf(options)})`);
  for (const key of Object.keys(options)) {
    if (Object.hasOwn(ENV_KEYS, key)) continue;
    const hint = didYouMean(key, Object.keys(ENV_KEYS).filter((k) => ENV_KEYS[k as keyof typeof ENV_KEYS]));
    throw new TypeError(`Unknown Environment option '${key}'${hint ? `. Did you mean '${hint}'?` : ''}`);
  }
}

/** Filters and tests are functions named by non-empty strings (a number or a missing fn failed at first use). */
function checkRegistration(fn: string, name: unknown, f: unknown): void {
  if (typeof name !== 'string' || !name) throw new TypeError(`${fn}(name, fn): the name is a non-empty string (got ${kindOf(name)})`);
  if (typeof f !== 'function') throw new TypeError(`${fn}('${name}', fn): fn is a function (got ${kindOf(f)})`);
}

/**
 * What a loader returned for `name`: null (not there) or `{ source: string, filename }`. Anything
 * else (a string, a promise: loaders are synchronous, an object without a string source) was a
 * TypeError from deep inside the lexer ("src.indexOf is not a function"); it now names the template.
 */
function checkLoaded(got: unknown, name: string): LoaderSource | null {
  if (got == null) return null;
  if (typeof got === 'object' && typeof (got as LoaderSource).source === 'string') return got as LoaderSource;
  const what = got instanceof Promise || typeof (got as { then?: unknown }).then === 'function' ? 'a promise (loaders are synchronous)'
    : typeof got === 'object' ? `an object whose source is ${kindOf((got as { source?: unknown }).source)}` : kindOf(got);
  throw new TypeError(`The loader returned ${what} for template '${name}': getSource(name) returns { source: string, filename: string | null } or null`);
}

export class Environment {
  readonly loader: Loader | null;
  readonly autoescape: AutoescapeOption;
  readonly strictUndefined: boolean;
  readonly trimBlocks: boolean;
  readonly lstripBlocks: boolean;
  /** The delimiters in force (all six, defaults filled in). */
  readonly delimiters: Required<DelimiterOptions>;
  /** What instantiate() passes to the compiler: `{}` for the defaults (their fast path). */
  private readonly customDelimiters: DelimiterOptions;
  readonly templateAliases: Record<string, string>;
  readonly validateCalls: boolean | 'error';
  /** Filter/test registries: built-ins plus user additions (user names win). */
  readonly filters: Record<string, Callable>;
  readonly tests: Record<string, Callable>;
  /** Globals under every render's data (built-ins included). Add with addGlobal or Object.assign; not assignable. */
  readonly globals: Ctx;
  private readonly customFilters = new Set<string>();
  private readonly customTests = new Set<string>();
  private readonly asyncFilters = new Set<string>();
  /** Nunjucks extensions by name (compat 'nunjucks'); the linkage's `extensions`. */
  readonly extensions: Record<string, NjkExtension> = Object.create(null) as Record<string, NjkExtension>;
  private readonly cache = new Map<string, Template>();
  /** compat 'nunjucks': renderString's templates by name and source (nunjucksFromString), cleared with `cache`. */
  private readonly strings = new Map<string, Template>();
  private readonly linkage: Linkage & { sourceOf(name: string): string | null };
  /** Sources of compiled templates, for excerpts in runtime errors. */
  private readonly sources = new Map<string, string>();
  // compat 'nunjucks' (nunjucksFind): each template's file, names pinned to files, answers so far
  private readonly njkFiles = new Map<string, string>();
  private readonly pinned = new Map<string, string>();
  private readonly njkFound = new Map<string, string | typeof MISSING | null>();
  /** The sandbox policy in force, if any. */
  readonly sandbox: Sandbox | null;
  /** The `{% cache %}` store. */
  readonly fragmentCache: AnyFragmentStore;
  /** Nunjucks compat: output of null/undefined throws (option of that name). */
  readonly throwOnUndefined: boolean;
  /** The template language when not Kida's (`compat` option). */
  readonly compat: Compat | null;
  /** The helpers compiled templates link to (Nunjucks compat: its own over the runtime's). */
  private readonly helpers: object;

  constructor(options: EnvironmentOptions = {}) {
    HOST_ONLY.add(this); // (a sandboxed template may not reach it: runtime/sandbox.ts noKidaObject)
    checkEnvironmentKeys(options);
    this.loader = options.loader ?? null;
    if (this.loader !== null && !isLoader(this.loader))
      throw new TypeError(`Environment option 'loader' is a loader (an object with getSource(name)), such as new FileSystemLoader('templates') (got ${kindOf(this.loader)})`);
    // canonical form: true, false, 'markdown' or the function (a bad value throws here, not at first render)
    this.autoescape = normalizeAutoescape(options.autoescape);
    this.strictUndefined = options.strictUndefined ?? true;
    this.trimBlocks = options.trimBlocks ?? false;
    this.lstripBlocks = options.lstripBlocks ?? false;
    // Validates now (DelimiterError), so a bad set fails at construction, not at first render.
    const syntax = resolveSyntax(delimiterOptions(options));
    const { blockStart, blockEnd, variableStart, variableEnd, commentStart, commentEnd } = syntax;
    this.delimiters = { blockStart, blockEnd, variableStart, variableEnd, commentStart, commentEnd };
    this.customDelimiters = syntax === DEFAULT_SYNTAX ? {} : this.delimiters;
    this.templateAliases = { ...(options.templateAliases ?? {}) };
    this.validateCalls = options.validateCalls ?? false;
    this.filters = Object.assign(Object.create(null), builtinFilters);
    this.tests = Object.assign(Object.create(null), builtinTests);
    this.compat = options.compat ?? null;
    this.throwOnUndefined = !!options.throwOnUndefined;
    if (this.throwOnUndefined && this.compat !== 'nunjucks')
      throw new TypeError("throwOnUndefined is Nunjucks' option (compat: 'nunjucks'): default Kida's undefined is strict already (strictUndefined)");
    if (this.compat !== null && this.compat !== 'nunjucks') throw new TypeError(`Unknown compat mode '${String(this.compat)}': the one there is is 'nunjucks'`);
    this.helpers = this.compat === 'nunjucks' ? { ...runtime, ...nunjucksRuntime } : runtime;
    this.globals =
      this.compat === 'nunjucks'
        ? Object.assign(Object.create(null) as Ctx, nunjucksGlobals(), options.globals ?? {}, options.staticContext ?? {})
        : makeGlobals({ ...(options.globals ?? {}), ...(options.staticContext ?? {}) });
    // Compiled templates hold this object: assigning another would be ignored silently, so it
    // cannot be assigned (add globals with addGlobal or Object.assign(env.globals, …)).
    Object.defineProperty(this, 'globals', { writable: false });
    if (this.autoescape === 'markdown') {
      // Markdown mode (language.md §4.3): its filters (and its escape/e/safe) and `output_format`
      Object.assign(this.filters, mdFilters);
      if (!('output_format' in this.globals)) this.globals.output_format = 'markdown';
    }
    if (options.enableHtmxHelpers === false)
      for (const g of ['hx_request', 'hx_target', 'hx_trigger', 'hx_boosted', 'csrf_token', 'csp_nonce']) delete this.globals[g];
    for (const [k, f] of Object.entries(options.filters ?? {})) this.addFilter(k, f);
    for (const [k, f] of Object.entries(options.tests ?? {})) this.addTest(k, f);
    this.fragmentCache =
      options.fragmentCache ?? new LruFragmentStore(options.fragmentCacheSize ?? 1000, options.fragmentTtl ?? 300);
    // (its loader reads any template's source, its store every fragment: host-only too. s19)
    for (const o of [this.loader, this.fragmentCache]) if (o && typeof o === 'object') HOST_ONLY.add(o);
    this.sandbox = options.sandbox ? new Sandbox(options.sandbox) : null;
    // (its loader may hold async templates, compiled only when a name computed at run time reaches
    // them: a sync page naming one walks its data from its first render; runtime/template.ts pageDeep)
    runtime.useAsyncWalk();
    if (this.sandbox && options.compat === 'nunjucks') this.sandbox.source = true; // (functions print as their source there)
    const env = this;
    this.linkage = {
      sourceOf: (name: string) => env.sources.get(name) ?? null,
      ...(this.sandbox ? { sandbox: this.sandbox } : {}),
      cache: this.fragmentCache,
      filters: this.filters,
      tests: this.tests,
      globals: this.globals,
      extensions: this.extensions,
      added: { filters: this.customFilters, tests: this.customTests },
      // (a name from data is converted as str() does: a dict's own `toString` key is never called)
      load: (name, from) => env.getTemplate(runtime.pyStr(name), from),
      tryLoad: (name, from) => {
        try {
          return env.getTemplate(runtime.pyStr(name), from);
        } catch (e) {
          if (e instanceof TemplateNotFoundError) return null;
          throw e;
        }
      },
      // (`this.env` of the app's functions: Nunjucks' Environment API; kida/nunjucks puts its own here)
      ...(this.compat === 'nunjucks' ? { njkEnv: new NunjucksEnvironmentView(this, (kind, name) => (kind === 'filters' ? this.customFilters : this.customTests).has(name)) } : {}),
    };
    HOST_ONLY.add(this.linkage);
  }

  /** Routes `{% trans %}`, `_` and `_n` through gettext/ngettext (e.g. from a .po catalogue). */
  installTranslations(t: Translations): void {
    (this.linkage as Linkage).translations = t;
    this.globals._ = (m: unknown) => t.gettext(String(m));
    this.globals._n = (s: unknown, p: unknown, n: unknown) => t.ngettext(String(s), String(p), Number(n));
  }

  /** Hits, misses and size of the fragment cache (when it is the built-in LRU). */
  cacheInfo(): CacheInfo | null {
    return this.fragmentCache instanceof LruFragmentStore ? this.fragmentCache.info() : null;
  }
  /** Empties the fragment store (an asynchronous store's promise is returned). */
  clearFragmentCache(): void | Promise<unknown> {
    const r = this.fragmentCache.clear?.();
    return r && typeof (r as PromiseLike<unknown>).then === 'function' ? Promise.resolve(r) : undefined;
  }
  /** Forgets compiled templates (they recompile from the loader on next use). */
  clearCache(): void {
    this.forgetCompiled();
    this.njkFound.clear();
  }
  /** Drops every compiled template (a filter, test or extension changes what templates compile to). */
  private forgetCompiled(): void {
    this.cache.clear();
    this.strings.clear();
  }

  /** `async` (compat 'nunjucks'): `fn` returns a promise; templates calling it are async. */
  addFilter(name: string, fn: Callable, async = false): void {
    checkRegistration('addFilter', name, fn);
    this.filters[name] = fn;
    this.customFilters.add(name);
    if (async && this.compat !== 'nunjucks') throw new TypeError("addFilter(name, fn, true) (an async filter) is Nunjucks' (compat: 'nunjucks'): Kida templates await a promise with `await`");
    if (async) this.asyncFilters.add(name);
    else this.asyncFilters.delete(name);
    this.forgetCompiled();
  }
  addTest(name: string, fn: Callable): void {
    checkRegistration('addTest', name, fn);
    this.tests[name] = fn;
    this.customTests.add(name);
    this.forgetCompiled();
  }
  /** A Nunjucks extension (compat 'nunjucks'): its `tags` parse through its own parse() (docs/guide/nunjucks.md). */
  addExtension(name: string, ext: NjkExtension): void {
    if (this.compat !== 'nunjucks') throw new TypeError("addExtension (Nunjucks custom tags) needs compat: 'nunjucks'");
    if (!ext || !Array.isArray(ext.tags) || typeof ext.parse !== 'function')
      throw new TypeError(`addExtension('${name}'): an extension has \`tags\` (an array) and parse(parser, nodes, lexer)`);
    this.extensions[name] = ext;
    this.forgetCompiled();
  }
  removeExtension(name: string): void {
    delete this.extensions[name];
    this.forgetCompiled();
  }
  private extensionTags(): Map<string, { name: string; ext: NjkExtension }> {
    const m = new Map<string, { name: string; ext: NjkExtension }>();
    for (const [name, ext] of Object.entries(this.extensions)) for (const t of ext.tags ?? []) m.set(t, { name, ext });
    return m;
  }
  addGlobal(name: string, value: unknown): void {
    if (typeof name !== 'string' || !name) throw new TypeError(`addGlobal(name, value): the name is a non-empty string (got ${kindOf(name)})`);
    this.globals[name] = value;
  }

  /** Compiles a template from source (not cached). */
  fromString(source: string, options: { name?: string } | string = {}): Template {
    if (typeof source !== 'string') throw new TypeError(`fromString(source): the source is the template's text, a string (got ${kindOf(source)})`);
    // (a name given as the second argument is what its writer meant: it was silently dropped)
    if (typeof options === 'string') options = { name: options };
    if (options === null || typeof options !== 'object') throw new TypeError(`fromString(source, { name }): the second argument is an object or a name (got ${kindOf(options)})`);
    return this.instantiate(source, options.name ?? null);
  }

  /**
   * Nunjucks' renderString compiles its source on every call; Eleventy plugins' tags call it for
   * each tag of each page (eleventy-plugin-seo renders three templates a page), where our compile
   * costs more than Nunjucks'. The templates are kept by name and source (at most 256, the oldest
   * dropped first) and forgotten whenever compiled templates are (a filter, test or extension added).
   */
  nunjucksFromString(source: string, name: string | null = null): Template {
    // (Nunjucks' Template says the same of a source that is neither a string nor an object)
    if (typeof source !== 'string') throw new TypeError(`renderString(source): src must be a string (got ${kindOf(source)})`);
    const key = `${name ?? ''}\0${source}`;
    let t = this.strings.get(key);
    if (!t) {
      t = this.instantiate(source, name);
      if (this.strings.size >= 256) this.strings.delete(this.strings.keys().next().value as string);
      this.strings.set(key, t);
    }
    return t;
  }

  /** Loads, compiles and caches a template; `from` resolves `./` and `../` names. */
  getTemplate(name: string, from: string | null = null): Template {
    if (typeof name !== 'string') throw new TypeError(`getTemplate(name): the name is a string (got ${kindOf(name)})`);
    const resolved = this.resolveName(name, from);
    const hit = this.cache.get(resolved);
    if (hit) return hit;
    if (!this.loader)
      throw new TemplateRuntimeError('No loader configured', 'K-RUN-016', {
        suggestion: "Pass a loader: new Environment({ loader: new FileSystemLoader('templates') })",
      });
    if (resolved.split('/').includes('..')) throw new TemplateNotFoundError(`Template '${name}' not found: '..' segments are not allowed`);
    const pin = this.pinned.get(resolved);
    const src = pin !== undefined ? { source: readFileSync(pin, 'utf8'), filename: pin } : checkLoaded(this.loader.getSource(resolved), resolved);
    if (!src) {
      // (as the reference: a close name if there is one, else what there is; a custom loader may have no list)
      const available = this.loader.listTemplates?.() ?? [];
      const hint = didYouMean(resolved, available);
      const known = hint ? `. Did you mean '${hint}'?` : available.length ? `. Available: ${available.slice(0, 20).join(', ')}` : '';
      throw new TemplateNotFoundError(`Template '${resolved}' not found${known}${from ? ` (referenced from ${from})` : ''}`);
    }
    if (this.compat === 'nunjucks' && src.filename) this.njkFiles.set(resolved, src.filename);
    const t = this.instantiate(src.source, resolved);
    this.cache.set(resolved, t);
    return t;
  }

  /** `./`/`../` names against `from`, in compat 'nunjucks' as Nunjucks finds them (names from the data too). */
  private resolveName(name: string, from: string | null): string {
    const found = this.compat === 'nunjucks' && from !== null && isRelativeName(name) ? this.nunjucksFind(name, from) : null;
    // (nothing beside the referencing file: Nunjucks finds nothing, whatever a search path holds under that name)
    if (found === MISSING) throw new TemplateNotFoundError(`Template '${resolveTemplateName(name, from, this.templateAliases)}' not found (referenced from ${from})`);
    return found ?? resolveTemplateName(name, from, this.templateAliases, this.compat === 'nunjucks');
  }
  /**
   * compat 'nunjucks': a `./`/`../` name where Nunjucks' FileSystemLoader finds it, beside the
   * referencing template's file; one an earlier search path shadows is pinned under a name of
   * its own, `name (search path n)`. null: no file known to resolve from.
   */
  private nunjucksFind(name: string, from: string): string | typeof MISSING | null {
    // (remembered: a name from the data is resolved on every render)
    const key = `${from}\0${name}`;
    let r = this.njkFound.get(key);
    if (r === undefined) {
      if (this.njkFound.size >= 4096) this.njkFound.clear(); // (names from the data: bounded)
      this.njkFound.set(key, (r = this.nunjucksLook(name, from)));
    }
    return r;
  }
  private nunjucksLook(name: string, from: string): string | typeof MISSING | null {
    const roots = (this.loader as Partial<FileSystemLoader> | null)?.searchRoots?.();
    if (!roots?.length) return null;
    const fromFile = this.njkFiles.get(from) ?? this.pinned.get(from) ?? fileOfName(roots, from);
    if (fromFile === null) return null;
    const r = nunjucksRelativeFile(roots, name, fromFile);
    if (!r) return MISSING;
    if (!r.shadowed) return r.name;
    const pinnedName = `${r.name} (search path ${r.root + 1})`;
    this.pinned.set(pinnedName, r.file);
    return pinnedName;
  }

  private instantiate(source: string, name: string | null, syncExtensions = false): Template {
    this.sources.set(name ?? '<template>', source);
    const m = generate(source, {
      name: name ?? undefined,
      autoescape: this.autoescape,
      strictUndefined: this.strictUndefined,
      trimBlocks: this.trimBlocks,
      lstripBlocks: this.lstripBlocks,
      ...this.customDelimiters,
      filters: this.customFilters,
      tests: this.customTests,
      templateAliases: this.templateAliases,
      sandbox: !!this.sandbox,
      validateCalls: this.validateCalls,
      ...(this.compat ? { compat: this.compat } : {}),
      // (Nunjucks loads a template when the reference runs: a name that reaches no file stays as
      // written and fails then, so an import in a macro never called is no error)
      ...(this.compat === 'nunjucks'
        ? { resolveRelative: (n: string, from: string) => { const f = this.nunjucksFind(n, from); return f === MISSING ? n : f; }, resolveBeyondRoot: (n: string) => n }
        : {}),
      ...(this.throwOnUndefined ? { throwOnUndefined: true } : {}),
      ...(this.asyncFilters.size ? { asyncFilters: this.asyncFilters } : {}),
      ...(Object.keys(this.extensions).length ? { njkExtensions: this.extensionTags() } : {}),
      ...(syncExtensions ? { njkSyncExtensions: true } : {}),
      sourceOf: (n) => {
        if (isRelativeName(n)) return null; // (a name left as written: no template's)
        try {
          return this.loader?.getSource(n)?.source ?? null;
        } catch {
          return null;
        }
      },
    });
    const head = [
      `const { ${m.helpers.map((h) => `${h}: $${h}`).join(', ')} } = $rt;`,
      // (a name left as written, compat 'nunjucks': loaded from here when it runs)
      ...m.templateRefs.map(([v, target]) => `const ${v} = () => $env.load(${JSON.stringify(target)}, ${this.compat === 'nunjucks' && name !== null && isRelativeName(target) ? JSON.stringify(name) : 'null'});`),
    ];
    // The Environment compiles at run time by design; bundles use compile() output instead.
    type Factory = (rt: unknown, env: Linkage) => Template;
    try {
      const factory = new Function('$rt', '$env', `${head.join('\n')}\n${m.body}\nreturn $template;`) as Factory;
      const t = factory(this.helpers, this.linkage);
      // (its render methods too, handed alone: `r({"obj": user, "key": "_secret"})` read the hidden key. s19)
      for (const f of Object.values(t)) if (typeof f === 'function') HOST_ONLY.add(f);
      HOST_ONLY.add(t.spec);
      return syncExtensions || !t.isAsync || this.compat !== 'nunjucks' || !Object.keys(this.extensions).length ? t : this.withSyncTwin(t, source, name);
    } catch (e) {
      throw tooDeep(e, name ?? undefined);
    }
  }

  /**
   * Nunjucks renders a template with CallExtensionAsync tags without a callback too, when each
   * tag calls back before it returns (eleventy-plugin-seo's tags render their own templates with
   * `context.env.renderString(src, ctx)`). An async template's render() compiles, when first
   * called, a twin calling those tags synchronously (njkSyncExtensions; runtime njkExtSync) and
   * renders with it; a twin still async (an async filter, a Kida await) keeps the usual error.
   * Templates it includes or imports render as they are (an async one is an error there).
   */
  private withSyncTwin(t: Template, source: string, name: string | null): Template {
    let twin: Template | undefined;
    const asyncRender = t.render;
    (t as { render: Template['render'] }).render = (data) => {
      twin ??= this.instantiate(source, name, true);
      return (twin.isAsync ? asyncRender : twin.render)(data);
    };
    return t;
  }
}

export { TemplateNotFoundError };
export type { Template };
