// `kida/compiler`: source → tokens → AST → analysis → module text, with a source map.

import { parse as parseTemplate } from './parser.js';
import { Generator, type CompileWarning, type DefSignature, type GeneratedModule } from './codegen.js';
import type { Def, Node, TemplateAst } from './ast.js';
import { resolveTemplateName } from '../runtime/names.js';
import { GLOBAL_NAMES, METHOD_NAMES } from '../runtime/signatures.js';
import { declarations } from './types.js';
import { DEFAULT_SYNTAX, delimiterOptions, resolveSyntax, type DelimiterOptions, type LexOptions, type SnakeDelimiterOptions } from './lexer.js';
import { escapeModeFor, normalizeAutoescape, type AutoescapeOption } from './autoescape.js';
import { tojsonInAttributes } from './html-context.js';
import { lineMappings } from './sourcemap.js';
import { missingReferences, type MissingReference } from './references.js';
import { njkFilterParams, njkTestParams } from '../runtime/nunjucks/signatures.js';
import * as nunjucksRuntime from '../runtime/nunjucks/index.js';
import { njkExtensionImports } from './codegen/njk-extension.js';

/** Template languages other than Kida that the compiler reads (`compat` option). */
export type Compat = 'nunjucks';

export { autoescapeFor, escapeModeFor, normalizeAutoescape, type AutoescapeOption } from './autoescape.js';
export { format, type FormatOptions } from './format.js';

export interface CompileOptions extends DelimiterOptions {
  /** Template name (e.g. `pages/about.kida`); relative references resolve against it. */
  name?: string;
  /** Source file path for the source map (defaults to the name). */
  filename?: string;
  /** HTML escaping by file name (default `true`), `false`, `'markdown'`, or a function of the name. */
  autoescape?: AutoescapeOption;
  strictUndefined?: boolean;
  trimBlocks?: boolean;
  lstripBlocks?: boolean;
  // Delimiters (from DelimiterOptions): blockStart/blockEnd (`{% %}`), variableStart/
  // variableEnd (`{{ }}`), commentStart/commentEnd (`{# #}`); snake_case spellings accepted.
  /** Names of user filters/tests (their implementations come from the linkage at run time). */
  filters?: Iterable<string>;
  tests?: Iterable<string>;
  templateAliases?: Record<string, string>;
  /** Module specifier of the runtime (default `kida/runtime`). */
  runtime?: string;
  /** Module that default-exports the linkage (filters, tests, globals, registry); default: the runtime registry. */
  linkage?: string;
  /** Import specifier for another template, given resolved names (default, and where it gives undefined: the relative path). */
  importPath?: (target: string, from: string) => string | undefined;
  /**
   * User filters/tests as modules whose named exports are the functions: compiled modules
   * import just the ones they call. Unknown names are compile errors with a suggestion.
   */
  filterModule?: { module: string; names: string[] };
  testModule?: { module: string; names: string[] };
  /**
   * Names the app's globals provide (a bundle's globals module): in the declarations they are
   * optional context keys, since the render finds them without the caller passing them.
   */
  globalNames?: string[];
  /** Generate the TypeScript declarations (`dts`; default true). Tools that do not write them pass false and get `''`. */
  dts?: boolean;
  /**
   * The specifier the declarations use for an `{# @types import … from "spec" #}` written in
   * `template` (a resolved name): by default relative ones are re-based to this template's
   * directory, right for a file beside it (`kida compile --out` re-bases them to the output).
   */
  typesSpecifier?: (specifier: string, template: string) => string;
  /** Compile for a sandboxed linkage (attribute, call, range and output policies). */
  sandbox?: boolean;
  /**
   * `'nunjucks'`: the template is Nunjucks 3.2 (its syntax, value semantics, filters and
   * tests), compiled onto this runtime (docs/guide/nunjucks.md). The plugins and the CLI use it
   * for `.njk` files by default.
   */
  compat?: Compat;
  /**
   * Nunjucks compat: a `./` or `../` name that climbs above the template root, resolved as
   * Nunjucks' FileSystemLoader does from the referencing file (compiler/nunjucks/paths.ts); the
   * Environment and the plugins pass it. Without it (or when it finds nothing) such a name is an error.
   */
  resolveBeyondRoot?: (name: string, from: string) => string | null;
  /**
   * compat 'nunjucks': a `./`/`../` name as Nunjucks' loader finds it (beside the referencing
   * template's file), asked before our own resolution; null to resolve it as usual.
   */
  resolveRelative?: (name: string, from: string) => string | null;
  /** Nunjucks compat: `{{ x }}` of null/undefined is an error (Nunjucks' option of that name). */
  throwOnUndefined?: boolean;
  /** Nunjucks compat: the custom tags of extensions (Environment#addExtension), parsed by their parse(). */
  njkExtensions?: LexOptions['njkExtensions'];
  /**
   * Nunjucks compat, ahead of time: extension name → the module whose default export is the
   * extension (the plugins' `nunjucksExtensions`): the compiled module imports it for its tags.
   */
  njkExtensionModules?: Readonly<Record<string, string>>;
  /**
   * Nunjucks compat: CallExtensionAsync tags called synchronously, their callback required before
   * the method returns (what Nunjucks' render without a callback does); such tags then leave the
   * template sync. The Environment compiles this twin for a sync render() (compiler/environment.ts).
   */
  njkSyncExtensions?: boolean;
  /** Nunjucks compat: custom filters that return a promise (`addFilter(name, fn, true)`): awaited, the template async. */
  asyncFilters?: Iterable<string>;
  /** Validate def calls (K-CMP-001/002): warnings, or errors with 'error'. */
  validateCalls?: boolean | 'error';
  /** Source of another template by resolved name (to check calls of imported defs). */
  sourceOf?: (name: string) => string | null;
  /**
   * Fail compilation when `{% from x import name %}` names no def/region of x (build tools;
   * the Environment keeps the reference's render-time TemplateRuntimeError).
   */
  checkImports?: boolean;
  /** With checkImports: every template name there is, for the did-you-mean of a reference that names none. */
  knownTemplates?: () => string[];
  /** With checkImports: where templates are looked up (said when there are none). */
  templateRoot?: string;
}

/** A version 3 source map of a compiled module. */
export interface SourceMap {
  version: 3;
  file: string;
  names: string[];
  sources: string[];
  sourcesContent: string[];
  mappings: string;
}

export interface CompileResult {
  code: string;
  map: SourceMap;
  name: string;
  isAsync: boolean;
  blocks: string[];
  defs: string[];
  requiredContext: string[];
  /** Resolved names of statically referenced templates. */
  dependencies: string[];
  /** Does the template reference templates by non-literal names? */
  dynamicRefs: boolean;
  /** TypeScript declarations for the module (`<name>.d.ts`); `''` with the `dts: false` option. */
  dts: string;
  warnings: CompileWarning[];
}

export function parse(source: string, options: { name?: string; trimBlocks?: boolean; lstripBlocks?: boolean; compat?: Compat } & DelimiterOptions = {}): TemplateAst {
  return parseTemplate(source, { ...options, ...delimiterOptions(options), ...(options.compat === 'nunjucks' ? { nunjucks: true } : {}) });
}

/** Shared front half: parse and generate the module body. */
export function generate(source: string, options: CompileOptions = {}): GeneratedModule {
  try {
    return generateUnchecked(source, options);
  } catch (e) {
    throw tooDeep(e, options.name);
  }
}

/** A stack overflow while compiling becomes a clear syntax error instead of a crash. */
export function tooDeep(e: unknown, name: string | undefined): unknown {
  if (e instanceof RangeError && /call stack/i.test(e.message))
    return new TemplateSyntaxError('Template too deeply nested to compile (an expression or block chain exceeds the compiler stack)', 'K-PAR-007', {
      templateName: name ?? '<template>',
      suggestion: 'Split long operator or attribute chains, or move nested parts into defs or includes',
      cause: e,
    });
  return e;
}

/**
 * Recently parsed templates that others read (a layout, shared includes, a file of defs): the
 * pages of a build each read them, and parsing them once instead of per page keeps a build's
 * compile time proportional to its templates. Keyed by name, delimiters and source text; the
 * compiler never changes a tree after parsing it, so one tree serves every reader.
 */
const otherTrees = new Map<string, Node[] | null>();
const OTHER_TREES = 64;

function parsedOther(name: string, source: string, delims: DelimiterOptions): Node[] | null {
  const key = `${name}\0${JSON.stringify(delims)}\0${source}`;
  let body = otherTrees.get(key);
  if (body === undefined) {
    try {
      body = parseTemplate(source, { name, ...delims }).body;
    } catch {
      body = null;
    }
    if (otherTrees.size >= OTHER_TREES) otherTrees.delete(otherTrees.keys().next().value!);
  } else otherTrees.delete(key); // (re-inserted below: the most recently used go last)
  otherTrees.set(key, body);
  return body;
}

function generateUnchecked(source: string, options: CompileOptions): GeneratedModule {
  const name = options.name ?? '<template>';
  // Validated (DelimiterError) and cached per delimiter set; `{}` for the defaults.
  const njk = options.compat === 'nunjucks';
  // (the Nunjucks lexer mode rides with the delimiters: the other templates a build reads parse alike)
  const delims: DelimiterOptions & { nunjucks?: boolean } = njk ? { ...delimiterOptions(options), nunjucks: true } : delimiterOptions(options);
  resolveSyntax(delims);
  const parsed = new Map<string, Node[] | null>();
  /** Top-level statements of another template (null when missing or unparsable). */
  const parsedOf = (n: string): Node[] | null => {
    if (!parsed.has(n)) {
      const src = options.sourceOf?.(n) ?? null;
      parsed.set(n, src === null ? null : parsedOther(n, src, delims));
    }
    return parsed.get(n)!;
  };
  const escapeMode = escapeModeFor(options.autoescape, options.name ?? null);
  const ast = parseTemplate(source, { name, trimBlocks: options.trimBlocks, lstripBlocks: options.lstripBlocks, ...delims, ...(njk && options.njkExtensions ? { njkExtensions: options.njkExtensions } : {}) });
  const resolveName = templateNameResolver(options);
  /** Nunjucks: includes of missing templates that only some renders reach (failing there, as Nunjucks does). */
  let reachedOnly: MissingReference[] = [];
  if (options.checkImports && options.sourceOf) {
    const missing = missingReferences(ast.body, name, source, {
      sourceOf: options.sourceOf,
      resolve: (n) => resolveName(n, options.name ?? null),
      knownTemplates: options.knownTemplates,
      templateRoot: options.templateRoot,
    });
    // (Nunjucks loads an include when the render reaches it: one in a branch, loop, macro or block
    // may name a file the project never ships for the data it renders; one every render runs cannot)
    if (njk) reachedOnly = missing.filter((m) => m.node.type === 'Include' && !m.topLevel);
    const fatal = missing.find((m) => !reachedOnly.includes(m));
    if (fatal) throw fatal.error;
  }
  const customFilters = new Set([...(options.filters ?? []), ...(options.filterModule?.names ?? [])]);
  // (a host's own tojson takes no attr=: its calls keep their arguments, the outputs still escape `"`)
  if (escapeMode === 'html') tojsonInAttributes(ast.body, !customFilters.has('tojson'));
  const gen = new Generator(ast, {
    name,
    source,
    autoescape: escapeMode !== null,
    markdown: escapeMode === 'markdown',
    // (autoescape: false is Nunjucks' own single setting, where nothing escapes a macro's SafeString)
    njkRawMacros: njk && escapeMode === null && normalizeAutoescape(options.autoescape) !== false,
    strictUndefined: options.strictUndefined ?? !njk,
    ...(njk ? { nunjucks: { filters: njkFilterParams, tests: njkTestParams, throwOnUndefined: !!options.throwOnUndefined, asyncFilters: new Set(options.asyncFilters ?? []), ...(options.njkExtensionModules ? { extensionModules: options.njkExtensionModules } : {}), ...(options.njkSyncExtensions ? { syncExtensions: true } : {}) } } : {}),
    customFilters,
    customTests: new Set([...(options.tests ?? []), ...(options.testModule?.names ?? [])]),
    sandbox: options.sandbox ?? false,
    validateCalls: options.validateCalls ?? false,
    defsOf: options.sourceOf
      ? (n) => parsedOf(n)?.flatMap((x): DefSignature[] => (x.type === 'Def' ? [x] : x.type === 'Region' ? [{ name: x.name, params: x.params, vararg: null, kwarg: null }] : [])) ?? null
      : undefined,
    templateExists: options.sourceOf && options.checkImports ? (n) => options.sourceOf!(n) !== null : undefined,
    exportsOf: options.sourceOf && options.checkImports
      ? (n) =>
          parsedOf(n)?.flatMap((x) =>
            x.type === 'Def' || x.type === 'Region' ? [x.name] : x.type === 'FromImport' ? x.names.map((i) => i.alias) : x.type === 'Import' ? [x.alias]
            // (Nunjucks exports a template's top-level `set`s too)
            : njk && x.type === 'Set' ? x.assignments.flatMap((a) => (a.target.type === 'NameTarget' ? [a.target.name] : []))
            : njk && x.type === 'Capture' ? [x.name] : [],
          ) ?? null
      : undefined,
    // A template without a name has nothing to resolve `./x` against: the load fails at render
    // time (as the reference's), so an `ignore missing` include of it renders nothing.
    anonymous: options.name == null,
    resolveName: (n) => (options.name == null && /^\.\.?\//.test(n) ? n : resolveName(n, options.name ?? null)),
    resolveFrom: resolveName,
    bodyOf: options.sourceOf ? parsedOf : undefined,
    missingIncludes: reachedOnly.length ? new Set(reachedOnly.map((m) => m.name)) : undefined,
    customRef:
      options.filterModule || options.testModule
        ? (kind, n) => ((kind === 'filters' ? options.filterModule : options.testModule) ? `$${kind === 'filters' ? 'cf' : 'ct'}_${n}` : `$env.${kind}[${JSON.stringify(n)}]`)
        : undefined,
  });
  const out = gen.generate();
  for (const { error } of reachedOnly)
    out.warnings.push({ code: error.code, message: `${error.rawMessage}: the include fails where a render reaches it`, lineno: error.lineno ?? 1, colno: error.colno ?? 0 });
  return out;
}

const METHODS = new Set(METHOD_NAMES);
/** Helper names the Nunjucks runtime defines (runtime/nunjucks/: same names, Nunjucks semantics). */
export const NUNJUCKS_HELPERS: ReadonlySet<string> = new Set(Object.keys(nunjucksRuntime));
const GLOBALS = new Set(GLOBAL_NAMES);
const NJK_GLOBALS = new Set(['range', 'cycler', 'joiner']);

/** `./x` or `../x`: a name resolved against the referencing template. */
export const isRelativeName = (n: string): boolean => n.startsWith('./') || n.startsWith('../');

/**
 * How a template's references name other templates, for the compiler, the `.d.ts` generator and
 * the language server alike: aliases and `./`/`../`, and in compat 'nunjucks' its loader's rules
 * (a relative name found beside the referencing file or above the root; a `@name` naming no
 * configured alias taken as it is). Throws TemplateNotFoundError for a name that resolves nowhere.
 */
export function templateNameResolver(
  options: Pick<CompileOptions, 'compat' | 'templateAliases' | 'resolveRelative' | 'resolveBeyondRoot'>,
): (name: string, from: string | null) => string {
  const njk = options.compat === 'nunjucks';
  return (n, from) => {
    const found = njk && from !== null && isRelativeName(n) ? options.resolveRelative?.(n, from) : null;
    if (found) return found;
    try {
      return resolveTemplateName(n, from, options.templateAliases, njk);
    } catch (e) {
      // (Nunjucks: a relative name may climb above the root and come back into a search path)
      const beyond = njk && from !== null && /^\.\.?\//.test(n) ? options.resolveBeyondRoot?.(n, from) : null;
      if (beyond) return beyond;
      throw e;
    }
  };
}

export function relativeImport(target: string, from: string): string {
  const fromDir = from.split('/').slice(0, -1);
  const to = target.split('/');
  let i = 0;
  while (i < fromDir.length && i < to.length - 1 && fromDir[i] === to[i]) i++;
  const up = fromDir.length - i;
  const rest = to.slice(i).join('/');
  return (up ? '../'.repeat(up) : './') + rest;
}

const ENTRY_POINTS = ['render', 'renderStream', 'renderAsync', 'renderStreamAsync', 'renderBlock'];

/** Every compile() option (the mapped type makes the list complete: a key missing here does not compile). */
const COMPILE_KEYS: { [K in keyof Required<CompileOptions & SnakeDelimiterOptions>]: 1 } = {
  name: 1, filename: 1, autoescape: 1, strictUndefined: 1, trimBlocks: 1, lstripBlocks: 1, filters: 1, tests: 1,
  templateAliases: 1, runtime: 1, linkage: 1, importPath: 1, filterModule: 1, testModule: 1, globalNames: 1, dts: 1,
  typesSpecifier: 1, sandbox: 1, compat: 1, resolveBeyondRoot: 1, resolveRelative: 1, throwOnUndefined: 1,
  njkExtensions: 1, njkExtensionModules: 1, njkSyncExtensions: 1, asyncFilters: 1, validateCalls: 1, sourceOf: 1,
  checkImports: 1, knownTemplates: 1, templateRoot: 1,
  blockStart: 1, blockEnd: 1, variableStart: 1, variableEnd: 1, commentStart: 1, commentEnd: 1,
  block_start: 1, block_end: 1, variable_start: 1, variable_end: 1, comment_start: 1, comment_end: 1,
};
/** (the plugins' compile-cache keys ride along with their options; compile() does not read them) */
const PLUGIN_KEYS = new Set(['lookup', 'njkExtensionKey']);

const kindOf = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v);

/**
 * compile()'s and check()'s arguments, checked before any work: a source that is no string, options
 * that are no object, a name that is no string, or a key that is no option (a typo such as `nmae`
 * or `autoescap` was silently ignored; it is now a TypeError naming the closest option, as the
 * Environment's options and kida.config are).
 */
function checkCompileArgs(fn: string, source: unknown, options: unknown): void {
  if (typeof source !== 'string') throw new TypeError(`${fn}(source, options): the source is the template's text, a string (got ${kindOf(source)})`);
  if (options === null || typeof options !== 'object' || Array.isArray(options)) throw new TypeError(`${fn}(source, options): options is an object (got ${kindOf(options)})`);
  for (const key of Object.keys(options)) {
    if (Object.hasOwn(COMPILE_KEYS, key) || PLUGIN_KEYS.has(key)) continue;
    const hint = didYouMean(key, Object.keys(COMPILE_KEYS));
    throw new TypeError(`Unknown ${fn}() option '${key}'${hint ? `. Did you mean '${hint}'?` : ''}`);
  }
  const { name, compat } = options as CompileOptions;
  if (name !== undefined && typeof name !== 'string') throw new TypeError(`${fn}(): the name option is a string (got ${kindOf(name)})`);
  if (compat !== undefined && compat !== 'nunjucks') throw new TypeError(`${fn}(): unknown compat mode '${String(compat)}': the one there is is 'nunjucks'`);
}

/** Compiles a template to a standalone ES module (plus its source map). */
export function compile(source: string, options: CompileOptions = {}): CompileResult {
  checkCompileArgs('compile', source, options);
  const name = options.name ?? '<template>';
  const m = generate(source, options);
  const runtime = options.runtime ?? 'kida/runtime';
  const importPath = (target: string, from: string): string => options.importPath?.(target, from) ?? relativeImport(target, from);
  const head: string[] = [];
  // Nunjucks compat: the helpers it defines come from its runtime module instead
  const njkOwn = options.compat === 'nunjucks' ? m.helpers.filter((h) => NUNJUCKS_HELPERS.has(h)) : [];
  // The default registry: the module defines and registers itself in one call (runtime/registered.ts)
  const define = /^const \$template = \$defineTemplate\((.*), \(\) => \$env\);$/m;
  const registered = !options.linkage && m.registeredArgs !== null && define.test(m.body) && m.body.split('$defineTemplate(').length === 2;
  if (registered) {
    m.body = m.body.replace(define, () => `const $template = $defineRegistered(${m.registeredArgs});`);
    m.helpers = m.helpers.map((h) => (h === 'defineTemplate' ? 'defineRegistered' : h));
  }
  const specifiers = m.helpers.filter((h) => !njkOwn.includes(h)).map((h) => `${h} as $${h}`);
  if (njkOwn.length) head.push(`import { ${njkOwn.map((h) => `${h} as $${h}`).join(', ')} } from ${JSON.stringify(`${runtime}/nunjucks`)};`);
  if (!options.linkage) specifiers.push('registry as $env');
  // Runtime support a bundle keeps only for the modules that need it: the built-in globals a
  // template names, template-name resolution for names computed at run time, the default
  // `{% cache %}` store, and the Python methods (`s.upper()`) behind the attribute names it uses.
  // (Nunjucks templates get Nunjucks' globals, from its runtime module, and none of Kida's)
  const njkMode = options.compat === 'nunjucks';
  const builtins = m.requiredContext.filter((n) => (njkMode ? NJK_GLOBALS.has(n) : GLOBALS.has(n))).sort();
  const methods = njkMode ? [] : m.attrNames.filter((n) => METHODS.has(n));
  const uses: string[] = [];
  if (builtins.length) {
    const imports = builtins.map((n) => `g_${n} as $g_${n}`);
    // (Nunjucks' built-ins kept apart from Kida's, which have the same names: runtime/nunjucks/linkage.ts)
    if (njkMode) head.push(`import { useNjkGlobals as $useNjkGlobals, ${imports.join(', ')} } from ${JSON.stringify(`${runtime}/nunjucks`)};`);
    else specifiers.push('useGlobals as $useGlobals', ...imports);
    uses.push(`$use${njkMode ? 'Njk' : ''}Globals({ ${builtins.map((n) => `${JSON.stringify(n)}: $g_${n}`).join(', ')} });`);
  }
  if (m.dynamicRefs) {
    // template names computed at run time: the registry resolves them (`./x`, `@alias/x`)
    specifiers.push('useTemplateNames as $useTemplateNames');
    uses.push('$useTemplateNames();');
  }
  if (m.isAsync) {
    // an async template: sync pages that name templates at run time may reach it (runtime/template.ts pageDeep)
    specifiers.push('useAsyncWalk as $useAsyncWalk');
    uses.push('$useAsyncWalk();');
  }
  if (m.helpers.includes('cachePut')) {
    // `{% cache %}`: the registry's default fragment store
    specifiers.push('useFragmentCache as $useFragmentCache');
    uses.push('$useFragmentCache();');
  }
  if (methods.length) {
    specifiers.push('useMethods as $useMethods', ...methods.map((n) => `m_${n} as $m_${n}`));
    uses.push(`$useMethods({ ${methods.map((n) => `${JSON.stringify(n)}: $m_${n}`).join(', ')} });`);
  }
  head.push(`import { ${specifiers.join(', ')} } from ${JSON.stringify(runtime)};`);
  if (options.linkage) head.push(`import $env from ${JSON.stringify(options.linkage)};`);
  const userImports = (used: string[], mod: { module: string } | undefined, prefix: string) => {
    if (mod && used.length) head.push(`import { ${used.map((n) => `${n} as $${prefix}_${n}`).join(', ')} } from ${JSON.stringify(mod.module)};`);
  };
  userImports(m.customUsed.filters, options.filterModule, 'cf');
  userImports(m.customUsed.tests, options.testModule, 'ct');
  head.push(...njkExtensionImports(m.tree, options.njkExtensionModules));
  m.templateRefs.forEach(([v, target], i) => {
    head.push(`import $i${i} from ${JSON.stringify(importPath(target, name))};`);
    head.push(`const ${v} = () => $i${i};`);
  });
  head.push(...uses);
  const tail = [
    // the default registry learns templates as they load; a bundle's linkage defines them itself
    ...(options.linkage || registered ? [] : ['$env.register($template);']),
    'export default $template;',
    // (a Template's render methods are closures: they need no `this`; each read is a pure call
    // so that a bundle drops the ones nothing imports, as it cannot drop a destructuring: #22)
    `export const ${ENTRY_POINTS.map((f) => `${f} = /*#__PURE__*/ (() => $template.${f})()`).join(', ')};`,
  ];
  const code = [...head, m.body, ...tail].join('\n') + '\n';

  // Line-level: each generated line that came from the template maps to its line's start.
  const map: SourceMap = {
    version: 3,
    file: `${name}.js`,
    names: [],
    sources: [options.filename ?? name],
    sourcesContent: [source],
    mappings: lineMappings(head.length, m.lineMap),
  };
  return {
    code,
    map,
    name,
    isAsync: m.isAsync,
    blocks: m.blocks,
    defs: m.defs,
    requiredContext: m.requiredContext,
    dependencies: m.templateRefs.map(([, t]) => t),
    dynamicRefs: m.dynamicRefs,
    dts: options.dts === false ? '' : templateDeclarations(m, source, options),
    warnings: m.warnings,
  };
}

/**
 * Declarations typed across the templates this one renders with, which `sourceOf` gives (the
 * plugins and the CLI pass the project's; without it the other templates are unknown and the
 * context types stay open).
 */
function templateDeclarations(m: GeneratedModule, source: string, options: CompileOptions): string {
  const name = options.name ?? '<template>';
  const njk = options.compat === 'nunjucks';
  // (the other templates of a Nunjucks build are Nunjucks too)
  const delims: DelimiterOptions & { nunjucks?: boolean } = njk ? { ...delimiterOptions(options), nunjucks: true } : delimiterOptions(options);
  const sourceOf = options.sourceOf;
  return declarations({
    name,
    module: m,
    // (Nunjucks renders a missing name or macro argument as undefined: no key is required)
    allOptional: njk,
    typeSourceOf: (n) => {
      const src = n === name ? source : (sourceOf?.(n) ?? null);
      return src === null ? null : typeSource(src, options);
    },
    bodyOf: sourceOf
      ? (n) => {
          const src = sourceOf(n);
          return src === null ? null : parsedOther(n, src, delims);
        }
      : undefined,
    resolve: templateNameResolver(options),
    // (Markdown mode's `output_format` is a global of that mode)
    globalNames: [...(options.globalNames ?? []), ...(escapeModeFor(options.autoescape, options.name ?? null) === 'markdown' ? ['output_format'] : [])],
    typesSpecifier: options.typesSpecifier,
  });
}

/**
 * What the `.d.ts` generator scans for `{# @types import type … #}` comments: the source
 * itself, or with custom comment delimiters just its comments re-spelled as `{# … #}`.
 */
function typeSource(source: string, options: CompileOptions): string {
  const syn = resolveSyntax(delimiterOptions(options));
  if (syn === DEFAULT_SYNTAX) return source;
  const { commentStart: cs, commentEnd: ce } = syn;
  const out: string[] = [];
  for (let i = source.indexOf(cs); i >= 0; ) {
    const end = source.indexOf(ce, i + cs.length);
    if (end < 0) break;
    out.push(`{#${source.slice(i + cs.length, end)}#}`);
    i = source.indexOf(cs, end + ce.length);
  }
  return out.join('\n');
}

/** Parses and generates without emitting: throws the first syntax/compile error. */
export function check(source: string, options: CompileOptions = {}): void {
  checkCompileArgs('check', source, options);
  generate(source, options);
}

import { TemplateSyntaxError, didYouMean } from '../runtime/errors.js';
export { TemplateSyntaxError };
export { DelimiterError, type DelimiterOptions } from './lexer.js';
export type { CompileWarning };
