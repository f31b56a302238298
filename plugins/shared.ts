// What the Rollup/Vite plugins, the Node hook and the CLI share: options (also read from
// kida.config.*), template naming relative to `root`, and the linkage module that gives
// compiled templates the user's globals/tests and a registry for dynamic template names.

import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { normalizeAutoescape, type AutoescapeOption } from '../compiler/autoescape.js';
import { delimiterOptions, resolveSyntax, type DelimiterOptions, type SnakeDelimiterOptions, type Syntax } from '../compiler/lexer.js';
import type { TemplateError } from '../runtime/errors.js';
import type { Compat } from '../compiler/index.js';
import type { NjkExtension } from '../compiler/nunjucks/extensions.js';
import { namesToTry, nunjucksRelativeName } from '../compiler/nunjucks/paths.js';
import { CompileCache, hashOf, type Compiled, type Stored } from './cache.js';
import { ConfigError, loadConfig as readConfig } from './config.js';

/**
 * A name that would be read from outside the search paths (`a/../../secret.txt`): not found, as
 * the Environment's FileSystemLoader has it. (`./`/`../` names the compiler resolves first, and
 * Nunjucks' climbs out of a search path come back as names within one: resolveBeyondRoot.)
 */
const leavesRoot = (name: string): boolean => name.split('/').includes('..') || name.includes('\0');

/** The compiler, loaded on first use: a build whose templates all come from the cache never loads it. */
let compilerModule: Promise<typeof import('../compiler/index.js')> | undefined;
const compiler = () => (compilerModule ??= import('../compiler/index.js'));

/**
 * Plugin options. Delimiters (default `{% %}`, `{{ }}`, `{# #}`, e.g. `blockStart: '<%'`) come from
 * DelimiterOptions; the snake_case spellings (`block_start`, …) are accepted too, e.g. in kida.config.json.
 */
export interface KidaOptions extends DelimiterOptions, SnakeDelimiterOptions {
  /** The config file to read (default: the nearest kida.config.js/.mjs/.json at or above the project root); false: none. */
  config?: string | false;
  include?: string | string[];
  exclude?: string | string[];
  /** Where root-relative template names resolve (default: the project root). */
  root?: string;
  /** Folders names are looked up in, in order, as Nunjucks' FileSystemLoader's (default `[root]`). */
  searchPaths?: string[];
  /** `{ '.html': ['.njk'] }`: `x.html` missing in a search path, `x.njk` there (the Prototype Kit's loader). */
  fallbackExtensions?: Record<string, string[]>;
  /** `true` (HTML, by file name; default), `false`, `'markdown'`, or a function of the template name. */
  autoescape?: AutoescapeOption;
  strictUndefined?: boolean;
  trimBlocks?: boolean;
  lstripBlocks?: boolean;
  /** Modules whose named exports are filters / tests / globals. */
  filters?: string;
  tests?: string;
  globals?: string;
  templateAliases?: Record<string, string>;
  /**
   * Write `page.d.kida.ts` beside each template as it compiles (what `kida types` writes), so
   * TypeScript types `import page from './page.kida'` (tsconfig: `allowArbitraryExtensions`;
   * default false).
   */
  dts?: boolean;
  /** Validate def calls at build time (K-CMP-001/002): warnings, or build errors with 'error'. */
  validateCalls?: boolean | 'error';
  /**
   * Where compiled templates are kept between builds (default `node_modules/.cache/kida` under
   * the project root; `false`: no cache). A directory that cannot be created disables it.
   */
  cacheDir?: string | false;
  /** `kida fmt` settings: `indent`, spaces per level (default 2); `htmlIndent`, also indent by HTML nesting. */
  fmt?: { indent?: number; htmlIndent?: boolean };
  /**
   * The template language of `.kida` files when not Kida's: `'nunjucks'` (docs/guide/nunjucks.md).
   * `.njk` files are always compiled as Nunjucks.
   */
  compat?: Compat;
  /** Nunjucks files: `{{ x }}` of null/undefined is an error (Nunjucks' option of that name). */
  throwOnUndefined?: boolean;
  /** Nunjucks files: exports of the filters module that return a promise (awaited; the template is async). */
  asyncFilters?: string[];
  /** Nunjucks files: `{ Name: './ext.mjs' }`, modules whose default export is an extension (docs/guide/nunjucks.md). */
  nunjucksExtensions?: Record<string, string>;
}

/** The template language a file is compiled as: `.njk` is Nunjucks, others follow the `compat` option. */
export function compatFor(file: string, compat: Compat | undefined): Compat | undefined {
  return /\.njk$/i.test(file) ? 'nunjucks' : compat;
}
/** Template files the plugins and the CLI compile. */
export const TEMPLATE_FILE = /\.(?:kida|njk)$/;
/** Extensions a bundler loads as a script, style, JSON or binary module of its own (a regex source). */
export const SCRIPT_EXT = String.raw`\.(?:[cm]?[jt]sx?|json|css|scss|sass|less|wasm|node)`;
export const SCRIPT_LIKE = new RegExp(`${SCRIPT_EXT}$`);
/**
 * A template named with such an extension (`{% include "critical.css" %}`, how Eleventy sites
 * inline their styles) is imported under this suffix: a bundler's CSS or JSON plugin would
 * otherwise claim the import (Rollup parses it as JavaScript, Vite's CSS plugin transforms it),
 * and no plugin claims an id ending in it; the Kida plugins resolve it, and read and compile
 * the file without it.
 */
export const AS_TEMPLATE = '.as-kida-template';
/** The module id under which a bundle imports a template file. */
export const templateModuleId = (file: string): string => (SCRIPT_LIKE.test(file) ? file + AS_TEMPLATE : file);
/** The template file of a module id (its query and AS_TEMPLATE suffix off). */
export function fileOfModuleId(id: string): string {
  const file = id.split('?')[0]!;
  return file.endsWith(AS_TEMPLATE) ? file.slice(0, -AS_TEMPLATE.length) : file;
}

export const LINKAGE_ID = 'virtual:kida-linkage';


/** The options of the nearest kida.config.* (plugins/config.ts reads it; kept here for the callers that import it from here). */
export async function loadConfig(cwd: string): Promise<KidaOptions> {
  return (await readConfig(cwd)).options;
}

/** `CODE message (suggestion)` on one line; the suggestion only when the message does not already say it. */
export function errorSummary(e: TemplateError): string {
  const hint = e.suggestion && !e.rawMessage.includes(e.suggestion) ? ` (${e.suggestion})` : '';
  return `${e.code} ${e.rawMessage}${hint}`;
}

/** Named exports of a JS/TS module, read statically (no execution at build time); `export *` is followed. */
export function exportNames(file: string, read: (file: string) => string | null = (f) => readFileSync(f, 'utf8'), seen = new Set<string>()): string[] {
  if (seen.has(file)) return [];
  seen.add(file);
  const src = read(file);
  if (src === null) return [];
  const names = new Set(namesIn(src));
  for (const m of src.matchAll(/export\s*\*\s*(?:as\s+([A-Za-z_$][\w$]*)\s*)?from\s*(['"])(\.{1,2}\/[^'"]*)\2/g)) {
    if (m[1]) names.add(m[1]);
    else {
      const target = moduleFile(resolve(dirname(file), m[3]!));
      if (target) for (const n of exportNames(target, read, seen)) if (n !== 'default') names.add(n);
    }
  }
  return [...names];
}

/** The file a relative import names, as TypeScript and bundlers find it (`./x.js` may be `x.ts`). */
function moduleFile(path: string): string | null {
  const stem = path.replace(/\.[cm]?[jt]s$/, '');
  const candidates = [path, ...['.ts', '.mts', '.js', '.mjs'].map((e) => stem + e), ...['index.ts', 'index.js'].map((i) => join(path, i))];
  return candidates.find((c) => statSync(c, { throwIfNoEntry: false })?.isFile()) ?? null;
}

function namesIn(src: string): string[] {
  const names = new Set<string>();
  for (const m of src.matchAll(/export\s+(?:declare\s+)?(?:async\s+)?(?:function\*?|class)\s+([A-Za-z_$][\w$]*)/g)) names.add(m[1]!);
  // (`export const a = 1, { b, c: d } = mod;`: every declarator, a pattern's names too, as a filters
  // module re-exports a CommonJS module's functions)
  for (const m of src.matchAll(/export\s+(?:declare\s+)?(?:const|let|var)(?=[\s{[])/g)) for (const n of declaredNames(src, m.index + m[0].length)) names.add(n);
  for (const m of src.matchAll(/export\s*\{([^}]*)\}/g))
    for (const part of m[1]!.split(',')) {
      const n = part.trim().split(/\s+as\s+/).pop()!.trim();
      if (n && n !== 'default') names.add(n);
    }
  return [...names];
}

/**
 * The names a `const`/`let`/`var` declaration starting at `at` (after the keyword) binds, over
 * every declarator: `a = 1, { b } = c, d`. An initializer (or a TypeScript annotation) is skipped
 * to the `,` that ends it at its own depth; the declaration ends at `;`, or at a line break that
 * neither the line before nor the one after continues (automatic semicolon insertion, read simply).
 */
function declaredNames(src: string, at: number): string[] {
  const names: string[] = [];
  let i = at;
  for (;;) {
    i = skipBlank(src, i);
    const c = src[i];
    if (c === '{' || c === '[') {
      names.push(...patternNames(src, i));
      i = skipExpression(src, i, true);
    } else {
      const name = /^[A-Za-z_$][\w$]*/.exec(src.slice(i, i + 256))?.[0];
      if (!name) return names;
      names.push(name);
      i += name.length;
    }
    i = skipBlank(src, i);
    if (src[i] === ':') i = skipType(src, i + 1);
    i = skipExpression(src, i, false);
    if (src[i] !== ',') return names;
    i++;
  }
}

/** From `i` (after a TypeScript annotation's `:`), to the `=`, `,` or `;` that ends the type. */
function skipType(src: string, i: number): number {
  let depth = 0;
  for (; i < src.length; i++) {
    const c = src[i]!;
    if (c === '"' || c === "'" || c === '`') i = stringEnd(src, i);
    else if ('([{<'.includes(c)) depth++;
    else if (c === '>' && src[i - 1] !== '=') depth--;
    else if (')]}'.includes(c)) depth--;
    else if (!depth && (c === ',' || c === ';' || (c === '=' && src[i + 1] !== '>'))) return i;
  }
  return i;
}

/** The index of the quote that closes the string (or template literal) opening at `i`, escapes skipped. */
function stringEnd(src: string, i: number): number {
  const q = src[i];
  for (i++; i < src.length && src[i] !== q; i++) if (src[i] === '\\') i++;
  return i;
}

/** Where blanks and comments starting at `i` end. */
function skipBlank(src: string, i: number): number {
  for (;;) {
    while (/\s/.test(src[i] ?? '')) i++;
    if (src.startsWith('//', i)) i = src.indexOf('\n', i) < 0 ? src.length : src.indexOf('\n', i);
    else if (src.startsWith('/*', i)) i = src.indexOf('*/', i) < 0 ? src.length : src.indexOf('*/', i) + 2;
    else return i;
  }
}

/**
 * From `i`, past one bracketed group (`group`), or to the `,` or `;` that ends a declarator at
 * depth 0 (or the line break ASI ends it at). Strings, template literals and comments are skipped.
 */
function skipExpression(src: string, i: number, group: boolean): number {
  let depth = 0;
  for (; i < src.length; i++) {
    const c = src[i]!;
    if (c === '"' || c === "'" || c === '`') i = stringEnd(src, i);
    else if (c === '/' && src[i + 1] === '/') i = (src.indexOf('\n', i) + 1 || src.length + 1) - 2;
    else if (c === '/' && src[i + 1] === '*') i = (src.indexOf('*/', i) + 1 || src.length);
    else if ('([{'.includes(c)) depth++;
    else if (')]}'.includes(c)) {
      if (!depth--) return i;
      if (group && !depth) return i + 1;
    } else if (!depth && !group) {
      if (c === ',' || c === ';') return i;
      if (c === '\n') {
        let b = i - 1;
        while (b > 0 && /\s/.test(src[b]!)) b--;
        const after = src[skipBlank(src, i)] ?? '';
        if (!/[=,+\-*/%&|^<>?:.(\[!~]/.test(src[b] ?? '') && !/[=,+\-*/%&|^<>?:.([`]/.test(after)) return i;
      }
    }
  }
  return i;
}

/**
 * The names a destructuring pattern starting at `at` (`{` or `[`) binds: shorthand keys, the
 * targets of `key: target`, `...rest`, nested patterns; defaults (`a = 1`) and computed keys skipped.
 */
function patternNames(src: string, at: number): string[] {
  const names: string[] = [];
  const close: string[] = [];
  for (let i = at; i < src.length; i++) {
    const c = src[i]!;
    if (c === '[' && close.at(-1) === '}' && /[{,]\s*$/.test(src.slice(at, i))) {
      // a computed key (`[k]: e`): not a binding (to its `]`)
      i = skipExpression(src, i, true) - 1;
    } else if (c === '{' || c === '[') close.push(c === '{' ? '}' : ']');
    else if (c === '}' || c === ']') {
      close.pop();
      if (!close.length) break;
    } else if (c === '=') {
      // a default value: to the character before the ',' or closing bracket of this level
      i = skipExpression(src, i + 1, false) - 1;
    } else if (/[A-Za-z_$]/.test(c)) {
      const name = /^[A-Za-z_$][\w$]*/.exec(src.slice(i))![0];
      i += name.length - 1;
      // (in an object pattern, `key:` renames: the name after the colon is bound)
      if (!(close.at(-1) === '}' && /^\s*:/.test(src.slice(i + 1)))) names.push(name);
    }
  }
  return names;
}

const refTagPatterns = new WeakMap<Syntax, RegExp>();
/**
 * Every `{% extends|include|embed|import|from` in a source: group 1 matches when the tag names its
 * template with a string literal alone, which is then followed by the tag's end or by a word that
 * may follow a literal name (`ignore missing`, `with context`, `as x`, `import y`).
 */
function refTagPattern(syntax: Syntax): RegExp {
  let re = refTagPatterns.get(syntax);
  if (!re) {
    const esc = (d: string) => d.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const literal = `"[^"\\\\\n]*"|'[^'\\\\\n]*'`;
    re = new RegExp(
      `${esc(syntax.blockStart)}-?\\s*(?:extends|include|embed|import|from)\\b\\s*((?:${literal})\\s*(?:-?${esc(syntax.blockEnd)}|(?:ignore|missing|with|without|context|as|import)\\b))?`,
      'g',
    );
    refTagPatterns.set(syntax, re);
  }
  return re;
}

/**
 * Does every tag that names a template name it with a string literal alone? Read from the text,
 * which is cheap: true settles that a template has no dynamic reference (every real tag is found;
 * one inside a comment or raw block only counts against it), false means the parser must say
 * (`"a" ~ x`, `"a" if c`, a name).
 */
export function literalRefsOnly(source: string, delimiters: DelimiterOptions): boolean {
  for (const m of source.matchAll(refTagPattern(resolveSyntax(delimiters)))) if (m[1] === undefined) return false;
  return true;
}

/** The names a source's tags give as a string literal alone (`{% include "form.html" %}`). */
function literalRefs(source: string, delimiters: DelimiterOptions): string[] {
  const out: string[] = [];
  for (const m of source.matchAll(refTagPattern(resolveSyntax(delimiters)))) {
    const lit = m[1] && /^(["'])(.*?)\1/.exec(m[1]);
    if (lit) out.push(lit[2]!);
  }
  return out;
}

/** `a/b/../c` as `a/c`; a `..` above the start stays (the caller refuses it). */
function normalizeName(path: string): string {
  const parts: string[] = [];
  for (const p of path.split('/'))
    if (p === '..' && parts.length && parts.at(-1) !== '..') parts.pop();
    else if (p && p !== '.') parts.push(p);
  return parts.join('/');
}

/** A name as the template `from` gives it: `./x`, `../x` against its folder, others as they are. */
const nameFrom = (name: string, from: string): string =>
  normalizeName(name.startsWith('./') || name.startsWith('../') ? from.slice(0, from.lastIndexOf('/') + 1) + name : name);

type Expr = { type: string; value?: unknown; op?: string; left?: Expr; right?: Expr };
/** The parts of a name built by concatenation (`"a/" + x ~ ".html"`), left to right. */
function concatParts(e: Expr): Expr[] {
  return e.type === 'BinOp' && (e.op === '+' || e.op === '~') && e.left && e.right ? [...concatParts(e.left), ...concatParts(e.right)] : [e];
}

/** A file's stamp for the cache's per-file answers: its ctime and size (null when it is gone). */
function stampOf(f: string): string | null {
  const st = statSync(f, { throwIfNoEntry: false });
  return st ? `${st.ctimeMs}:${st.size}` : null;
}

/** Files under a folder (recursively) whose name ends in `ext`; none when it is not there. */
function filesUnder(dir: string, ext: string): string[] {
  if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    if (d.name === 'node_modules' || d.name.startsWith('.')) return [];
    const p = join(dir, d.name);
    return d.isDirectory() ? filesUnder(p, ext) : d.isFile() && d.name.endsWith(ext) ? [p] : [];
  });
}

/** Nunjucks extensions' tags as imported by any project of this process (the CLI makes several), by extensionKey(). */
const LOADED = new Map<string, Map<string, { name: string; ext: NjkExtension }>>();

/** A resolved build configuration. */
export class KidaProject {
  readonly root: string;
  readonly roots: readonly string[];
  readonly filtersFile: string | null;
  readonly testsFile: string | null;
  readonly globalsFile: string | null;
  /** The configured delimiters (only those that are set). */
  readonly delimiters: DelimiterOptions;
  /** Nunjucks extension modules by name (option nunjucksExtensions), absolute. */
  readonly extensionFiles: Readonly<Record<string, string>> | null;
  /** Files read by this project, kept while their mtime and size stay the same (Vite dev edits show at once). */
  private readonly files = new Map<string, { mtimeMs: number; size: number; text: string; names?: string[] }>();
  /** Files of other extensions templates name (`./logo.svg`): templates in the language of the first that named it. */
  readonly referenced = new Map<string, Compat | undefined>();
  private compileCache: CompileCache | null | undefined;

  constructor(
    readonly options: KidaOptions,
    readonly cwd: string,
    /** Serving, not building: nothing calls the cache's flush(), so it writes itself after changes. */
    readonly dev = false,
  ) {
    const paths = options.searchPaths;
    if (paths !== undefined && (!Array.isArray(paths) || !paths.length || paths.some((x) => typeof x !== 'string')))
      throw new ConfigError("The option 'searchPaths' is a non-empty array of folders (['views', 'node_modules/govuk-frontend/dist'])");
    this.roots = paths ? paths.map((x) => resolve(cwd, x)) : [resolve(cwd, options.root ?? '.')];
    this.root = options.root !== undefined ? resolve(cwd, options.root) : this.roots[0]!;
    const file = (key: 'filters' | 'tests' | 'globals') => {
      const p = options[key];
      if (!p) return null;
      const abs = resolve(cwd, p);
      // (one error for the build, rather than one per template that would import it)
      if (!statSync(abs, { throwIfNoEntry: false })?.isFile())
        throw new ConfigError(`The ${key} module ${p} (option '${key}') does not exist${abs !== p ? ` (looked for ${abs})` : ''}`);
      return abs;
    };
    this.filtersFile = file('filters');
    this.testsFile = file('tests');
    this.globalsFile = file('globals');
    const exts = options.nunjucksExtensions;
    if (exts !== undefined && (!exts || typeof exts !== 'object' || Array.isArray(exts)))
      throw new ConfigError("The option 'nunjucksExtensions' is an object of extension names to modules ({ Name: './ext.mjs' })");
    this.extensionFiles = exts && Object.keys(exts).length
      ? Object.fromEntries(Object.entries(exts).map(([name, p]) => {
          const abs = resolve(cwd, p);
          if (!statSync(abs, { throwIfNoEntry: false })?.isFile())
            throw new ConfigError(`The Nunjucks extension module ${p} of '${name}' (option 'nunjucksExtensions') does not exist${abs !== p ? ` (looked for ${abs})` : ''}`);
          return [name, abs];
        }))
      : null;
    this.delimiters = delimiterOptions(options);
    resolveSyntax(this.delimiters); // a bad delimiter set fails the build at once (DelimiterError)
    normalizeAutoescape(options.autoescape); // and so does a bad autoescape value (ValueError)
  }

  /** The template name of a file: its path relative to root (its search path), with `/` separators. */
  templateName(file: string): string {
    const root = this.roots.length === 1 ? this.root : (this.roots.find((r) => file.startsWith(r + sep)) ?? this.roots[0]!);
    // (a file under root, the usual case, needs no path.relative)
    const rel = file.startsWith(root + sep) && !file.includes(sep + '.') ? file.slice(root.length + 1) : relative(root, file);
    return sep === '/' ? rel : rel.split(sep).join('/');
  }

  /** The file of a (resolved) name: the first search path's that exists. */
  fileOf(name: string): string {
    if (this.roots.length === 1 && !this.options.fallbackExtensions) return join(this.root, name);
    for (const r of this.roots) for (const n of namesToTry(name, this.options.fallbackExtensions)) if (this.read(join(r, n))) return join(r, n);
    return join(this.roots[0]!, name);
  }

  /** The text of a file (null when missing), read again only when its mtime or size changed. */
  private read(file: string): { text: string; names?: string[] } | null {
    const st = statSync(file, { throwIfNoEntry: false });
    if (!st?.isFile()) return null;
    let f = this.files.get(file);
    if (!f || f.mtimeMs !== st.mtimeMs || f.size !== st.size) {
      try {
        f = { mtimeMs: st.mtimeMs, size: st.size, text: readFileSync(file, 'utf8') };
      } catch {
        return null;
      }
      this.files.set(file, f);
    }
    return f;
  }

  /** The named exports of a filters/tests module, through `export *` (each file is read once per change). */
  private exportsOf(file: string): string[] {
    if (!this.read(file)) return exportNames(file); // throws the read error
    return exportNames(file, (f) => this.read(f)?.text ?? null);
  }

  /** The on-disk compile cache, opened on first use (null: disabled or unusable). */
  get cache(): CompileCache | null {
    const dir = this.options.cacheDir ?? 'node_modules/.cache/kida';
    if (this.compileCache === undefined) this.compileCache = dir === false ? null : CompileCache.open(resolve(this.cwd, dir), this.dev);
    return this.compileCache;
  }

  /**
   * compile() with this project's options, through the cache when there is one. `reads`: the
   * other template files the module was compiled from (a parent's blocks, an included body, an
   * imported def), which the plugins watch so that editing one recompiles this template too.
   */
  async compile(source: string, file: string, dts = this.options.dts === true): Promise<Compiled & { reads: string[] }> {
    // (declarations only when the plugin writes them: they are part of the cache key)
    await this.loadExtensions();
    const options = { ...this.compileOptions(file), dts };
    let out = this.cache?.get(source, options) ?? null;
    if (!out) {
      const deps = new Map<string, string | null>();
      const { compile } = await compiler();
      const { code, map, dts, warnings } = compile(source, {
        ...options,
        sourceOf: (n) => {
          const s = options.sourceOf(n);
          deps.set(n, hashOf(s));
          return s;
        },
      });
      out = { code, map, dts, warnings, deps: [...deps] } satisfies Stored;
      this.cache?.set(source, options, out);
    }
    // (the extension modules too: their parse() made this code, so an edit of one recompiles it)
    const exts = this.compatOf(file) === 'nunjucks' && this.extensionFiles ? Object.values(this.extensionFiles) : [];
    const reads = out.deps.filter(([n]) => !leavesRoot(n)).map(([n]) => this.fileOf(n));
    for (const f of reads) if (!TEMPLATE_FILE.test(f) && !this.referenced.has(f)) this.referenced.set(f, this.compatOf(file));
    return { code: out.code, map: out.map, dts: out.dts, warnings: out.warnings, reads: [...reads, ...exts] };
  }

  /** Imports the extension modules (again after one changed) for their parse(); compile() awaits it. */
  async loadExtensions(): Promise<void> {
    const key = this.extensionKey();
    if (!this.extensionFiles || LOADED.has(key)) return;
    const tags = new Map<string, { name: string; ext: NjkExtension }>();
    for (const [name, file] of Object.entries(this.extensionFiles)) {
      const ext = ((await import(`${pathToFileURL(file).href}?v=${encodeURIComponent(key)}`)) as { default?: NjkExtension }).default;
      if (!ext || typeof ext !== 'object' || !Array.isArray(ext.tags) || typeof ext.parse !== 'function')
        throw new ConfigError(`The Nunjucks extension module ${file} of '${name}' must export default an extension object (with tags and parse())`);
      for (const t of ext.tags) tags.set(t, { name, ext });
    }
    LOADED.set(key, tags);
  }
  /** The loaded extensions by name (`kida render` adds them to its Environment). */
  async extensions(): Promise<Record<string, NjkExtension>> {
    await this.loadExtensions();
    return Object.fromEntries([...(LOADED.get(this.extensionKey())?.values() ?? [])].map((t) => [t.name, t.ext]));
  }
  /** The modules and their mtimes (also in the compile cache key). */
  private extensionKey(): string {
    return JSON.stringify(Object.entries(this.extensionFiles ?? {}).map(([n, f]) => [n, f, statSync(f, { throwIfNoEntry: false })?.mtimeMs]));
  }

  compatOf(file: string): Compat | undefined {
    return !TEMPLATE_FILE.test(file) && this.referenced.has(file) ? this.referenced.get(file) : compatFor(file, this.options.compat);
  }

  /** The options that say how a file's references name templates (for templateNameResolver). */
  referenceOptions(file: string) {
    const compat = this.compatOf(file);
    return {
      templateAliases: this.options.templateAliases,
      ...(compat ? { compat: compat } : {}),
      ...(compat === 'nunjucks' ? { resolveBeyondRoot: (n: string, from: string) => nunjucksRelativeName(this.roots, n, from) } : {}),
    };
  }

  /** Compile options of a file; `spec` maps the filters/tests module paths (e.g. to file URLs). */
  compileOptions(file: string, spec: (file: string) => string = (f) => f) {
    const compat = this.compatOf(file);
    return {
      name: this.templateName(file),
      filename: file,
      autoescape: this.options.autoescape,
      strictUndefined: this.options.strictUndefined,
      trimBlocks: this.options.trimBlocks,
      lstripBlocks: this.options.lstripBlocks,
      ...this.delimiters,
      ...this.referenceOptions(file),
      linkage: LINKAGE_ID,
      validateCalls: this.options.validateCalls,
      ...(compat === 'nunjucks' && this.options.throwOnUndefined ? { throwOnUndefined: true } : {}),
      ...(compat === 'nunjucks' && this.options.asyncFilters?.length ? { asyncFilters: this.options.asyncFilters } : {}),
      ...(compat === 'nunjucks' && this.extensionFiles ? this.extensionOptions(spec) : {}),
      checkImports: true,
      sourceOf: (n: string) => (leavesRoot(n) ? null : (this.read(this.fileOf(n))?.text ?? null)),
      knownTemplates: () => this.namedTemplates().map(([n]) => n),
      templateRoot: this.roots.join(', '),
      // (for the compile cache's key)
      lookup: this.options.fallbackExtensions ? { fallbackExtensions: this.options.fallbackExtensions } : undefined,
      importPath: (target: string) =>
        SCRIPT_LIKE.test(target) ? importSpecifier(file, this.fileOf(target)) + AS_TEMPLATE
        : this.roots.length > 1 || this.options.fallbackExtensions ? importSpecifier(file, this.fileOf(target))
        : undefined,
      filterModule: this.filtersFile ? { module: spec(this.filtersFile), names: this.exportsOf(this.filtersFile) } : undefined,
      testModule: this.testsFile ? { module: spec(this.testsFile), names: this.exportsOf(this.testsFile) } : undefined,
      globalNames: this.globalsFile ? this.exportsOf(this.globalsFile) : undefined,
    };
  }

  private extensionOptions(spec: (file: string) => string) {
    const key = this.extensionKey();
    const tags = LOADED.get(key);
    return { njkExtensionModules: Object.fromEntries(Object.entries(this.extensionFiles!).map(([n, f]) => [n, spec(f)])), ...(tags ? { njkExtensions: tags } : {}), njkExtensionKey: key };
  }

  /** Every template name and its file (the first search path's). */
  namedTemplates(): [name: string, file: string][] {
    const others = [...this.otherTemplates.keys()];
    if (this.roots.length === 1) return [...this.templates(), ...others].map((f) => [this.templateName(f), f]);
    const byName = new Map<string, string>();
    for (const r of this.roots)
      for (const f of [...this.templates(r), ...others.filter((o) => o.startsWith(r + sep))]) {
        const name = relative(r, f).split(sep).join('/');
        if (!byName.has(name)) byName.set(name, f);
      }
    return [...byName];
  }

  /**
   * Files of other extensions that are templates (Nunjucks loads any file): those the templates
   * name with a literal, followed through them, and, where a name is built at run time from a
   * literal folder and extension (`"../components/" + type + ".html"`), the files of that
   * extension under that folder. Each in the language of the template that named it. Set by
   * hasDynamicRefs() (the linkage asks it before listing the templates dynamic names reach).
   */
  private otherTemplates = new Map<string, Compat | undefined>();

  /** hasDynamicRefs' answer for the templates findOtherTemplates parsed (one parse serves both). */
  private dynamicRefs = new Map<string, boolean>();

  /** Adds to otherTemplates (and to `referenced`, which the plugins compile) what the sources name. */
  private async findOtherTemplates(): Promise<string[]> {
    const seen = new Set<string>();
    const add = (file: string, compat: Compat | undefined) => {
      if (TEMPLATE_FILE.test(file) || this.otherTemplates.has(file)) return;
      this.otherTemplates.set(file, compat);
      if (!this.referenced.has(file)) this.referenced.set(file, compat);
      queue.push(file);
    };
    const templates = this.templates();
    // (only Nunjucks names other files: a Kida project's build reads no more than before)
    if (this.options.compat !== 'nunjucks' && !templates.some((f) => /\.njk$/i.test(f))) return templates;
    // A template whose names are all literal `.kida`/`.njk` ones adds nothing: the cache keeps
    // which those are, so a warm build reads only the others (those naming other files, or building names).
    const namesOthers = async (f: string) => {
      const source = this.read(f)?.text ?? '';
      return !literalRefsOnly(source, this.delimiters) || literalRefs(source, this.delimiters).some((n) => !TEMPLATE_FILE.test(n));
    };
    const flags = this.cache ? await this.cache.flags(`names-others ${JSON.stringify(this.delimiters)}`, templates, stampOf, namesOthers) : null;
    const queue = flags ? templates.filter((_, i) => flags[i]) : [...templates];
    while (queue.length) {
      const f = queue.shift()!;
      if (seen.has(f)) continue;
      seen.add(f);
      const source = this.read(f)?.text;
      if (source === undefined) continue;
      const from = this.templateName(f);
      const compat = this.compatOf(f);
      for (const n of literalRefs(source, this.delimiters)) {
        const name = nameFrom(n, from);
        if (!leavesRoot(name) && !name.startsWith('@') && this.read(this.fileOf(name))) add(this.fileOf(name), compat);
      }
      if (literalRefsOnly(source, this.delimiters)) continue;
      const [{ parse }, { walk }] = await Promise.all([import('../compiler/parser.js'), import('../compiler/codegen.js')]);
      try {
        let dynamic = false;
        walk(parse(source, { name: from, ...this.delimiters, nunjucks: compat === 'nunjucks' }).body, (n) => {
          const t = (n as { template?: Expr }).template;
          if (!['Include', 'Extends', 'Embed', 'Import', 'FromImport'].includes(n.type) || !t) return;
          if (!(t.type === 'Const' && typeof t.value === 'string')) dynamic = true;
          if (t.type === 'Const') return;
          const parts = concatParts(t);
          const [first, last] = [parts[0]!, parts.at(-1)!];
          const ext = last.type === 'Const' && typeof last.value === 'string' ? /\.[\w-]+$/.exec(last.value)?.[0] : undefined;
          if (!ext || parts.length < 2 || TEMPLATE_FILE.test(ext)) return;
          // (a literal folder bounds what the name reaches; without one it could be any file of that
          // extension, pages that are no templates among them: those names reach only what is compiled)
          const prefix = first.type === 'Const' && typeof first.value === 'string' ? first.value : '';
          if (!prefix.includes('/')) return;
          const folder = nameFrom(prefix.slice(0, prefix.lastIndexOf('/') + 1), from);
          if (leavesRoot(folder)) return;
          for (const r of this.roots) for (const file of filesUnder(join(r, folder), ext)) add(file, compat);
        });
        this.dynamicRefs.set(f, dynamic);
      } catch {
        // syntax errors surface when the template itself is compiled
      }
    }
    return [...templates, ...this.otherTemplates.keys()];
  }

  /** Every template file under root (or under each search path). */
  templates(dir?: string): string[] {
    if (dir === undefined && this.roots.length > 1) return [...new Set(this.roots.flatMap((r) => this.templates(r)))];
    dir ??= this.root;
    if (!existsSync(dir)) return [];
    return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
      if (d.name === 'node_modules' || d.name.startsWith('.')) return [];
      const p = join(dir, d.name);
      const isDir = d.isSymbolicLink() ? statSync(p, { throwIfNoEntry: false })?.isDirectory() : d.isDirectory();
      return isDir ? this.templates(p) : TEMPLATE_FILE.test(p) ? [p] : [];
    });
  }

  /** Does any template name another template only at run time? */
  async hasDynamicRefs(): Promise<boolean> {
    const files = await this.findOtherTemplates();
    const test = async (f: string) => {
      const source = this.read(f)?.text ?? '';
      try {
        if (literalRefsOnly(source, this.delimiters)) return false; // (the text alone settles most templates)
        const parsed = this.dynamicRefs.get(f);
        if (parsed !== undefined) return parsed;
        const [{ parse }, { walk }] = await Promise.all([import('../compiler/parser.js'), import('../compiler/codegen.js')]);
        let found = false;
        walk(parse(source, { name: this.templateName(f), ...this.delimiters, nunjucks: this.compatOf(f) === 'nunjucks' }).body, (n) => {
          const t = (n as { template?: { type: string; value?: unknown } }).template;
          if (['Include', 'Extends', 'Embed', 'Import', 'FromImport'].includes(n.type) && t && !(t.type === 'Const' && typeof t.value === 'string'))
            found = true;
        });
        return found;
      } catch {
        return false; // syntax errors surface when the template itself is compiled
      }
    };
    if (!this.cache) {
      for (const f of files) if (await test(f)) return true;
      return false;
    }
    // Reading every template costs more than a warm build's compiles: the cache keeps the answers.
    return (await this.cache.flags(`dynamic-refs ${JSON.stringify(this.delimiters)}`, files, stampOf, test)).includes(true);
  }

  /**
   * Source of the linkage module (user globals and tests, template registry). `withSources` (Vite
   * dev, kida/register): a runtime error's message shows the lines of its template, read from the
   * file when an error needs them, as the Environment's do (a production bundle ships no sources).
   */
  async linkageCode(runtime: string, spec: (file: string) => string = (f) => f, withSources = this.dev): Promise<string> {
    const lines = [`import { Registry } from ${JSON.stringify(runtime)};`, 'const $env = new Registry();'];
    if (withSources) {
      // (through process.getBuiltinModule: the same module serves Vite's browser environment, where it is null)
      lines.push(
        `const $files = new Map(JSON.parse(${JSON.stringify(JSON.stringify(this.namedTemplates()))}));`,
        "$env.sourceOf = (name) => { try { return globalThis.process?.getBuiltinModule?.('node:fs')?.readFileSync($files.get(name), 'utf8') ?? null; } catch { return null; } };",
      );
    }
    if (this.globalsFile) lines.push(`import * as $globals from ${JSON.stringify(spec(this.globalsFile))};`, 'Object.assign($env.globals, $globals);');
    if (this.testsFile) lines.push(`import * as $tests from ${JSON.stringify(spec(this.testsFile))};`, 'Object.assign($env.tests, $tests);');
    // (a Registry starts with no aliases)
    const aliases = this.options.templateAliases ?? {};
    // (through JSON.parse: in an object literal a "__proto__" alias would set the prototype)
    if (Object.keys(aliases).length) lines.push(`$env.templateAliases = JSON.parse(${JSON.stringify(JSON.stringify(aliases))});`);
    if (await this.hasDynamicRefs()) {
      // Dynamic names can reach any template under root: register them all, lazily.
      this.namedTemplates().forEach(([name, f], i) => {
        lines.push(`import $t${i} from ${JSON.stringify(spec(templateModuleId(f)))};`, `$env.define(${JSON.stringify(name)}, () => $t${i});`);
      });
    }
    lines.push('export default $env;');
    return lines.join('\n') + '\n';
  }
}

export const isAbs = isAbsolute;

/** The relative import of the file `target` from the file `from`. */
export function importSpecifier(from: string, target: string): string {
  const rel = relative(dirname(from), target).split(sep).join('/');
  return rel.startsWith('../') ? rel : `./${rel}`;
}
