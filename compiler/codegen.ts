// Code generation: a Kida AST becomes the text of a JavaScript module body.
//
// Render functions come in modes that share this generator:
//   's'  buffered:  `let o = ""; o += ...; return o`   (render(), defs, slots, buffered bodies)
//   'g'  generator: `yield ...`                         (renderStream(); for a sync template also
//        the async entry points, driven by the runtime's asyncFromGen)
//   'a'  async generator with `await`                   (async templates only: they get no s/g)
// Name lookup goes through a prototype chain of scopes: block scope → ctx → globals.
// Loop targets, match captures and comprehension targets are plain JS locals.
//
// Layout (as Svelte's server transform: one small visitor per node type, helpers beside them):
// this file keeps the Generator (its state and plumbing: sinks, functions, locals, lines),
// module assembly (generate, renderFns) and the dispatch table VISIT from statement type to
// visitor. The visitors live in compiler/codegen/ by node family, each a function of the
// generator: output.ts, control.ts (if/for/while/match), variables.ts (set/with/capture),
// defs.ts (def/region/call/slot), inheritance.ts (extends/block), includes.ts
// (include/import/embed), parts.ts (try/cache/filter/spaceless/provide/push/stack/flush),
// expressions.ts; shared.ts the helpers they share, introspection.ts the module's metadata.
// ({% defer %} generates in compiler/defer.ts.)

import type * as A from './ast.js';
import { TemplateSyntaxError } from '../runtime/errors.js';
import { analyzeTemplate } from './analysis.js';
import { genDefer } from './defer.js';
import { SharedTexts } from './codegen/texts.js';
import { compactMeta, metaLiteral, packNames } from './codegen/meta.js';
import { genBreak, genContinue, genFor, genIf, genMatch, genWhile } from './codegen/control.js';
import { genNjkExtension } from './codegen/njk-extension.js';
import { collectDefs, genCallBlock, genDef, genRegion, genSlot, genYield } from './codegen/defs.js';
import { customRef, genExpr } from './codegen/expressions.js';
import { genEmbed, genFromImport, genImport, genInclude } from './codegen/includes.js';
import { genBlock, genRootBody, liftSuper } from './codegen/inheritance.js';
import { genNjkExtends, njkDynamicExtends, njkPreludePicks } from './codegen/njk-extends.js';
import { contextNames, templateMeta } from './codegen/introspection.js';
import { genData, genOutput, genTrans, outputExpr } from './codegen/output.js';
import { genCache, genFilterBlock, genFlush, genProvide, genPush, genSpaceless, genStack, genTry } from './codegen/parts.js';
import { BOTH, CHILD_DEFINITIONS, njkChildRuns, JS_RESERVED, SEP, contains, kwKey, literal, needsScope, outLine, partLine, q, twins, walk, type Body, type Fn, type Mode, type Sink } from './codegen/shared.js';
import { FLUSH, gatherOut, gatherWait } from './codegen/gather.js';
import { plainPrelude } from './codegen/prelude.js';
import { NameCache } from './codegen/name-cache.js';
import { filterParams, mdFilterParams, testParams } from '../runtime/signatures.js';
import { assign, genCapture, genGlobals, genSet, genWith, genWithIf } from './codegen/variables.js';

export interface CodegenOptions {
  /** Template name as the runtime reports it. */
  name: string;
  source: string;
  autoescape: boolean;
  /**
   * Markdown mode (`autoescape: 'markdown'`, with autoescape true): Markdown escaping, the
   * Markdown filters, Marked from defs/caller/capture, and the `output_format` global.
   */
  markdown?: boolean;
  /**
   * Nunjucks mode without autoescape where the option escapes other templates (a function of the
   * name): its macros give plain text, as Kida's defs do, so an escaping importer escapes them.
   */
  njkRawMacros?: boolean;
  strictUndefined: boolean;
  /** Names of filters/tests/globals supplied by the user (they win over built-ins). */
  customFilters: ReadonlySet<string>;
  customTests: ReadonlySet<string>;
  /** Resolves a literal template reference (relative names, aliases) at compile time. */
  resolveName: (name: string) => string;
  /** The template was given no name: run-time loads have no calling template (`./x` fails). */
  anonymous?: boolean;
  /**
   * How generated code reaches a user filter/test: by default through the linkage
   * (`$env.filters.x`); compiled modules bind imported names instead (tree-shakeable).
   */
  customRef?: (kind: 'filters' | 'tests', name: string) => string;
  /** Route lookups, calls and ranges through the linkage's sandbox policy. */
  sandbox?: boolean;
  /** Check calls of defs (local, or imported with a literal `from … import`): K-CMP-001/002. */
  validateCalls?: boolean | 'error';
  /** Signatures of the top-level defs of another template (for imported defs). */
  defsOf?: (templateName: string) => DefSignature[] | null;
  /** Importable names (defs, regions, its own imports) of another template, when known. */
  exportsOf?: (templateName: string) => string[] | null;
  /**
   * Whether a template exists, when every template is known at compile time (bundles): a
   * literal `include … ignore missing` then becomes a static import, or nothing.
   */
  templateExists?: (templateName: string) => boolean;
  /** Nunjucks: resolved names of includes that name no template, which throw TemplateNotFoundError where reached. */
  missingIncludes?: ReadonlySet<string>;
  /** Top-level statements of another template (introspection: includes, imports, embeds). */
  bodyOf?: (templateName: string) => A.Node[] | null;
  /** Resolves a literal reference made by another template (default: as made by this one). */
  resolveFrom?: (name: string, from: string) => string;
  /**
   * Nunjucks compat mode (compiler/nunjucks/): built-in filters and tests are Nunjucks' own,
   * bound by these parameter lists and called as `nf_<name>` / `nt_<name>`.
   */
  nunjucks?: { filters: Record<string, string[]>; tests: Record<string, string[]>; throwOnUndefined?: boolean; asyncFilters?: ReadonlySet<string>; extensionModules?: Readonly<Record<string, string>>; syncExtensions?: boolean };
}

export interface DefSignature {
  name: string;
  params: A.Param[];
  vararg: string | null;
  kwarg: string | null;
}

export interface CompileWarning {
  code: string;
  message: string;
  lineno: number;
  colno: number;
}

export interface GeneratedModule {
  /** Module body; expects `$env` and the `$`-prefixed runtime helpers in scope. */
  body: string;
  /** Runtime helper names the body uses (without the `$`). */
  helpers: string[];
  /** Attribute names the module looks up at run time (`x.name`, `x.name()`). */
  attrNames: string[];
  /** Literal template references: [variable, resolved name], for static imports. */
  templateRefs: [string, string][];
  /** Generated line → template line, for source maps. */
  lineMap: number[];
  /** User filters and tests the module calls. */
  customUsed: { filters: string[]; tests: string[] };
  /** Does the template name other templates only at run time (`{% include name %}`)? */
  dynamicRefs: boolean;
  /** Context names the template reads without defining them, and which are guarded. */
  contextNames: { name: string; optional: boolean }[];
  /** `{% template %}` declarations, when present. */
  declared: { name: string; annotation: string }[] | null;
  /** Typed def signatures (top level). */
  defSignatures: DefSignature[];
  /** Compile-time warnings (call validation). */
  warnings: CompileWarning[];
  isAsync: boolean;
  blocks: string[];
  defs: string[];
  requiredContext: string[];
  extendsName: string | null;
  /** The top-level statements (declarations read them with the other templates'). */
  tree: A.Node[];
  /** The arguments of `$defineRegistered(…)` (the spec's fields, positional), null when sandboxed. */
  registeredArgs: string | null;
}

/** The statement visitors by node type (compiler/codegen/*.ts; each gets the generator). */
type Visitors = { [K in A.Node['type']]?: (g: Generator, n: Extract<A.Node, { type: K }>) => void };
const VISIT: Visitors = {
  Data: genData,
  Output: genOutput,
  If: genIf,
  For: genFor,
  While: genWhile,
  Break: genBreak,
  Continue: genContinue,
  Set: genSet,
  With: genWith,
  WithIf: genWithIf,
  Match: genMatch,
  Def: genDef,
  Region: genRegion,
  CallBlock: genCallBlock,
  Slot: genSlot,
  Yield: genYield,
  Import: genImport,
  FromImport: genFromImport,
  Include: genInclude,
  Extends: genNjkExtends, // (a static extends: handled by rootBody; compat 'nunjucks': codegen/njk-extends.ts)
  Block: genBlock,
  Globals: genGlobals,
  Embed: genEmbed,
  Capture: genCapture,
  FilterBlock: genFilterBlock,
  Spaceless: genSpaceless,
  Cache: genCache,
  Flush: genFlush,
  Try: genTry,
  Defer: genDefer, // (an extension: compiler/defer.ts)
  Provide: genProvide,
  Push: genPush,
  Stack: genStack,
  Trans: genTrans,
  NjkExtension: genNjkExtension, // (compat 'nunjucks': compiler/codegen/njk-extension.ts)
  // TemplateDecl: declarations only
};

/**
 * What sandboxed code may enumerate a dict through: truthiness, iteration, output, `in`, `==`
 * (runtime/sandbox.ts sbHide); and the orderings, whose walk of shared parts sbHide's budget
 * bounds as it bounds `==`'s (Sandbox.walked).
 */
const HIDING = new Set(['truthy', 'defaultFilter', 'iter', 'asyncIter', 'unpackIter', 'unpackIndex', 'esc', 'escOpt', 'str', 'strOpt', 'escMd', 'escMdOpt', 'pyStr', 'contains', 'eq', 'lt', 'le', 'gt', 'ge']);

/** Of those, the ones that write a value as text: a container's repr is bounded first (sbHide's `text`). */
const TEXT = new Set(['esc', 'escOpt', 'str', 'strOpt', 'escMd', 'escMdOpt', 'pyStr']);

export class Generator {
  helpers = new Set<string>();
  usesFenv = false;
  /** A select-family filter may name the `match` test (the module calls useMatch()). */
  usesMatch = false;
  /** String literals that are regexes only the backtracking RegExp runs (codegen/regex-literals.ts). */
  trustedPatterns = new Set<string>();
  attrNames = new Set<string>();
  refs = new Map<string, string>();
  fn!: Fn;
  uid = 0;
  blockNodes = new Map<string, A.Block>();
  isAsync = false;
  /** Whether the renderBlock prelude is an async function (an async template's, Kida mode). */
  asyncPrelude = false;
  moduleLines: string[] = [];
  /** The root's render functions as an expression, when not a `$root` constant (renderFns). */
  rootFns: string | null = null;
  moduleLineNos: number[] = [];
  filterVars = new Map<string, string>();
  customUsed = { filters: new Set<string>(), tests: new Set<string>() };
  dynamicRefs = false;
  /** `{% include "x" ignore missing %}` without a check at compile time: `$env.tryLoad(…)`, null when missing (refs). */
  optionalRefs = new Set<string>();
  /** JS variables holding a sync LoopContext (their attributes compile to direct reads). */
  loopVars = new Set<string>();
  /** Names standing for `loop` in loops without a LoopContext (loopUse): their index and items. */
  lightLoops = new Map<string, string>();
  warnings: CompileWarning[] = [];
  /** Top-level light defs that an output of their call in the same scope calls directly (defs.ts directDef). */
  directDefs = new Map<string, { fn: Fn; sc: string; ctx: string; body: string; arity: number }>();
  /** How many times each name could be bound in the template (defs.ts bindings), made on first use. */
  bindings: Map<string, number> | undefined;
  /** Defs a plain-name call can statically refer to (for call validation). */
  knownDefs = new Map<string, DefSignature>();
  /** The template's top-level defs and regions, by name: a read that stands before the
   * declaration may run before it, and its error then asks whether the name was declared at the
   * top level (lkDecl). */
  declared = new Map<string, A.Pos>();
  /** Text written once for a part's builder and generator (codegen/texts.ts). */
  texts = new SharedTexts();
  /** Top-level def and region bodies, each a module constant (see defBody). */
  hoisted = new Map<A.Node, string>();
  /** Helpers used through their sandbox twin (`h`, runtime/sandbox.ts sbHide). */
  hiding = new Set<string>();
  /** The parameters of the defs whose body is being generated: own keys of the def's scope
   * (codegen/expressions.ts reads them directly). */
  defParams: ReadonlySet<string> = new Set();

  /**
   * The body of a def or region (`make` writes its arrow function). A top-level one is written
   * once, as a module constant that the root, its streaming twin and the prelude renderBlock runs
   * all read (it was in the module three times; issue #22), unless it reads the render state `R`
   * of the function around it (an include or block inside).
   */
  defBody(n: A.Def | A.Region, make: () => string): string {
    const known = this.hoisted.get(n);
    if (known) return known;
    if (!this.ast.body.includes(n)) return this.texts.body(make(), n.line);
    const fn = this.texts.outside(make);
    if (/\bR\b/.test(fn)) return this.texts.body(fn, n.line);
    const v = `$D${this.hoisted.size}`;
    this.hoisted.set(n, v);
    this.moduleLines.push(`const ${v} = ${fn};`);
    this.moduleLineNos.push(n.line);
    return v;
  }

  constructor(
    readonly ast: A.TemplateAst,
    readonly o: CodegenOptions,
  ) {
    // One walk finds the blocks and whether anything awaits.
    const awaits = (n: { type: string }) => n.type === 'Await' || (n.type === 'For' && (n as unknown as A.For).isAsync) || this.asyncFilter(n);
    walk(ast.body, (n) => {
      if (awaits(n)) this.isAsync = true;
      if (n.type === 'Block') this.blockNodes.set((n as unknown as A.Block).name, n as unknown as A.Block);
      if (n.type === 'Embed') {
        // blocks inside an embed belong to the embedded template, but may contain real blocks
        for (const b of (n as unknown as A.Embed).blocks) walk(b.body, (m) => {
          if (m.type === 'Block') this.blockNodes.set((m as unknown as A.Block).name, m as unknown as A.Block);
        });
        if (!this.isAsync && contains(n, awaits)) this.isAsync = true;
        return false;
      }
      return true;
    });
  }

  // ------------------------------------------------------------------ plumbing

  /** The filter/test environment (`$fenv`, defined at the top of the module once used). */
  fenv(): string {
    this.usesFenv = true;
    return '$fenv';
  }
  h(name: string): string {
    this.helpers.add(name);
    // (sandboxed: helpers that may enumerate a dict run with the keys the policy hides left out)
    if (this.o.sandbox && HIDING.has(name)) {
      this.hiding.add(name);
      return `$${name}_h`;
    }
    return '$' + name;
  }
  /** An attribute name looked up at run time (compile() registers the Python methods of these names). */
  attr(name: string): string {
    this.attrNames.add(name);
    return q(name);
  }
  tmp(): string {
    const t = `$t${this.uid++}`;
    this.fn.temps.push(t);
    return t;
  }
  id(prefix: string): string {
    return `${prefix}${this.uid++}`;
  }
  w(line: string): void {
    this.fn.lines.push(line);
    this.fn.lineNos.push(this.fn.curLine);
  }
  err(msg: string, code: string, pos: A.Pos, suggestion: string | null = null): never {
    throw new TemplateSyntaxError(msg, code, {
      templateName: this.o.name,
      lineno: pos.line,
      colno: pos.col,
      source: this.o.source,
      suggestion,
    });
  }
  newFn(mode: Mode, sink: Sink, sc: string, ctx: string, inherit: Fn | null, caller: string | null): Fn {
    return {
      mode,
      lines: [],
      lineNos: [],
      temps: [],
      sc,
      ctx,
      locals: inherit ? [...inherit.locals] : [],
      sink,
      caller,
      loops: 0,
      curLine: inherit ? inherit.curLine : 0,
      errArgs: '',
    };
  }
  /**
   * Generates a sync body and its streaming twin in one pass (mode `sg`): the two differ only in
   * the lines that write to the function's output, which the pass leaves as placeholders.
   * `oneChunk`: the streaming twin would yield exactly the sync result, as one chunk (one output
   * line, line markers aside, and no temporaries), so it can be derived from the sync one.
   */
  bothBodies(fn: Fn, gen: () => void): { s: Body; g: Body; oneChunk: boolean; sink: boolean; parts: boolean } {
    const { lines, lineNos } = this.fnBody(fn, gen, null);
    if (this.o.sandbox) this.h('sbOut');
    const t = twins(lines, lineNos, fn.curLine, !!this.o.sandbox, !!this.o.nunjucks);
    if (t.sink && t.s.lines.some((l) => l.startsWith('for ') && l.includes(' : $each('))) this.h('each'); // (resumable loops)
    if (t.parts) this.h('part'), this.h('back');
    return t;
  }
  /** Generates a function body with its own line tracking and error wrapping. */
  fnBody(fn: Fn, gen: () => void, ret: string | null): { lines: string[]; lineNos: number[] } {
    const saved = this.fn;
    const nest = this.nest;
    // (the head holds the line the body starts at: its first statement sets no `L` when it stands there)
    const first = fn.curLine;
    this.fn = fn;
    this.nest = 0;
    try {
      gen();
    } finally {
      this.fn = saved;
      this.nest = nest;
    }
    if (fn.names) fn.temps.push(...fn.names.finish(fn.lines));
    const head = `let L = ${first || fn.curLine}${fn.temps.length ? ', ' + fn.temps.join(', ') : ''}${fn.sink.kind === 'buf' ? `, ${fn.sink.v} = ""` : ''}${fn.gather ? ', $O = "", $W' : ''};`;
    const wrap = `${this.h('wrapError')}(e, $NAME, L, $env${fn.errArgs})`;
    // (a gathering part yields what it holds at its end, and before its error: codegen/gather.ts)
    const end = fn.gather ? [FLUSH, `} catch (e) { e = ${wrap}; if ($O) yield $O; throw e; }`] : [`} catch (e) { throw ${wrap}; }`];
    const lines = [head, 'try {'].concat(fn.lines, ret ? [`return ${ret};`] : [], end);
    const lineNos = [first || fn.curLine, first || fn.curLine].concat(fn.lineNos, ret ? [fn.curLine] : [], end.map(() => fn.curLine));
    return { lines, lineNos };
  }
  inlineFn(fn: Fn, header: string, gen: () => void, ret: string | null): string {
    const { lines } = this.fnBody(fn, gen, ret);
    return `${header} {\n${lines.join('\n')}\n}`;
  }
  topFn(header: string, fn: Fn, gen: () => void, ret: string | null): void {
    this.emitFn(header, this.fnBody(fn, gen, ret));
  }
  /** A module-level function from fnBody's lines. */
  emitFn(header: string, { lines, lineNos }: { lines: string[]; lineNos: number[] }): void {
    this.moduleLines.push(header + ' {');
    this.moduleLineNos.push(lineNos[0] ?? 0);
    // (no spread: a large template has more lines than a call may take arguments)
    for (let i = 0; i < lines.length; i++) {
      this.moduleLines.push(lines[i]!);
      this.moduleLineNos.push(lineNos[i]!);
    }
    this.moduleLines.push('}');
    this.moduleLineNos.push(0);
  }
  mod(line: string): void {
    this.moduleLines.push(line);
    this.moduleLineNos.push(0);
  }
  line(pos: A.Pos): void {
    if (pos.line && pos.line !== this.fn.curLine) {
      this.fn.curLine = pos.line;
      this.w(`L = ${pos.line};`);
    }
  }
  withLocals<T>(bindings: Map<string, string>, f: () => T): T {
    this.fn.locals.push(bindings);
    try {
      return f();
    } finally {
      this.fn.locals.pop();
    }
  }
  local(name: string): string | null {
    for (let i = this.fn.locals.length - 1; i >= 0; i--) {
      const v = this.fn.locals[i]!.get(name);
      if (v) return v;
    }
    return null;
  }

  // ------------------------------------------------------------------ module

  generate(): GeneratedModule {
    const body = this.ast.body;
    for (const n of body) if ((n.type === 'Def' || n.type === 'Region') && !this.declared.has(n.name)) this.declared.set(n.name, n);
    if (this.o.validateCalls) collectDefs(this, body);
    // (Nunjucks compat: a parent picked at run time has no static extends: codegen/njk-extends.ts)
    const ext = this.o.nunjucks && njkDynamicExtends(body) ? null : (body.find((n): n is A.Extends => n.type === 'Extends') ?? null);
    let extendsName: string | null = null;
    let parentRef: string | null = null;
    if (ext && ext.template.type === 'Const' && typeof ext.template.value === 'string') {
      extendsName = this.o.resolveName(ext.template.value);
      parentRef = this.ref(extendsName);
    }

    // Blocks: separate functions sharing ctx, in every mode.
    const blockEntries: string[] = [];
    for (const [name, b] of this.blockNodes) {
      const v = this.id('$b_');
      this.renderFns(v, b.body, b);
      blockEntries.push(`${kwKey(name)}: ${b.fragment ? `{ ...${v}, fragment: true }` : v}`);
    }
    for (const r of body)
      if (r.type === 'Region' && !this.blockNodes.has(r.name)) blockEntries.push(`${kwKey(r.name)}: ${this.h('regionBlock')}(${q(r.name)})`);
    // (no blocks: the spec leaves them out, unless sandboxed: limitOutputs reads them)
    const noBlocks = !blockEntries.length && !this.o.sandbox;
    if (!noBlocks || parentRef) this.mod(`const $blocks = { ${blockEntries.join(', ')} };`);

    // Root. (A page that only fills its parent's blocks shares the runtime's root for that.)
    if (parentRef && !this.isAsync && !body.some((n) => (this.o.nunjucks ? njkChildRuns(n) : CHILD_DEFINITIONS.has(n.type))))
      this.mod(`const $root = ${this.h('extendsRoot')}($blocks, ${parentRef}, $NAME, ${ext!.line}, () => $env);`);
    else this.renderFns('$root', body, null, ext);

    // Prelude for renderBlock: top-level imports, lets, defs, regions, globals blocks.
    // (Nunjucks compat: and the statements that pick a parent at run time, for renderBlock: njk-extends.ts)
    const njkPicks = this.o.nunjucks && !ext && njkDynamicExtends(body);
    const preludeNodes = body.filter((n) =>
      ['Import', 'FromImport', 'Def', 'Region', 'Globals'].includes(n.type) || (n.type === 'Set' && n.kind === 'let') || (njkPicks && contains(n, (x) => x.type === 'Extends')) ||
      // (Nunjucks: a child's top level runs whole, as its render runs it)
      (this.o.nunjucks && !!ext && njkChildRuns(n)),
    );
    if (preludeNodes.length) {
      // (an async template's prelude is async: its imports of async templates await their top
      // level, as its root's do; its entry points are all async)
      const waits = this.isAsync && !this.o.nunjucks;
      const body = this.fnBody(this.newFn(waits ? 'a' : 's', { kind: 'buf', v: 'o' }, 'ctx', 'ctx', null, null), () => (njkPicks ? njkPreludePicks(this, () => this.stmts(preludeNodes)) : this.stmts(preludeNodes)), null);
      // (only defs that cannot fail: codegen/prelude.ts)
      const plain = plainPrelude(body, this.moduleLines);
      if (plain) for (const l of plain) this.mod(l);
      else this.emitFn(`${(this.asyncPrelude = waits) ? 'async ' : ''}function $prelude(ctx, R)`, body);
    }

    const defs = body.filter((n): n is A.Def => n.type === 'Def').map((d) => d.name);
    const names = contextNames(body);
    const required = new Set(names.read); // every name read, in order
    required.delete('loop');
    if (this.o.markdown) required.delete('output_format'); // Markdown mode's global
    const context = names.context.filter((c) => !(this.o.markdown && c.name === 'output_format'));
    const meta = templateMeta(body, context, analyzeTemplate(body, this.blockNodes, {
      name: this.o.name,
      customFilters: this.o.customFilters,
      resolve: this.o.resolveFrom ?? ((n) => this.o.resolveName(n)),
      bodyOf: this.o.bodyOf,
      source: this.o.source,
    }));
    const asyncReason = this.isAsync ? this.asyncReason() : null;
    const hasRefs = this.refs.size || this.optionalRefs.size || this.dynamicRefs;
    const compact = compactMeta(meta);
    // (fields at their defaults are left out, the metadata's too: codegen/meta.ts; not async,
    // no parent, no warnings, no metadata; sandboxed templates: limitOutputs wraps the render
    // functions with the output-size check, and copies the spec: the globals getter is written
    // here, elsewhere defineTemplate defines it from the linkage)
    const requiredContext = packNames([...required], compact); // (folds some of the metadata in)
    const fields: [string, string][] = [
      ['name', '$NAME'],
      ...(this.isAsync ? ([['isAsync', 'true'], ['asyncReason', q(asyncReason ?? '')], ['deep', this.h('observeDeep')]] as [string, string][]) : []),
      // (a sync template that renders others walks with an async one's walk, if its page has one: pageDeep)
      ...(!this.isAsync && hasRefs ? ([['deep', this.h('pageDeep')]] as [string, string][]) : []),
      ['root', this.rootFns ?? '$root'],
      // (an async prelude hands renderBlock's setup something to wait for: runtime/async-prelude.ts)
      ...(preludeNodes.length ? ([['prelude', this.asyncPrelude ? `${this.h('asyncPrelude')}($prelude, $NAME)` : '$prelude']] as [string, string][]) : []),
      ...(noBlocks ? [] : ([['blocks', '$blocks']] as [string, string][])),
      ...(parentRef ? ([['parent', `() => ${parentRef}()`]] as [string, string][]) : []),
      // (the templates it renders read names requiredContext does not list: runtime/template.ts
      // pageNames, linked only here; null when a name is computed at run time)
      ...(hasRefs
        ? ([
            ['refs', `() => ${this.dynamicRefs ? 'null' : `[${[...[...this.refs.values()].map((v) => `${v}()`), ...this.optionalRefs].join(', ')}]`}`],
            ['names', this.h('pageNames')],
          ] as [string, string][])
        : []),
      ['requiredContext', requiredContext],
      ...(Object.keys(compact).length ? ([['meta', metaLiteral(compact, (n) => this.h(n))]] as [string, string][]) : []),
      ...(this.warnings.length ? ([['warnings', JSON.stringify(this.warnings)]] as [string, string][]) : []),
    ];
    const literal = (fs: [string, string][]) => fs.map(([k, v]) => `${k}: ${v}`).join(', ');
    // (a Nunjucks module reads globals through a view with Nunjucks' built-ins in place of Kida's:
    // runtime/nunjucks/linkage.ts)
    const linkage = this.o.nunjucks ? `${this.h('njkLinkage')}($env)` : '$env';
    const sandboxed = this.o.sandbox ? `, checkOutput: (n, R) => $env.sandbox?.checkOutput(n, ${this.o.nunjucks ? 1 : 0}, R), get globals() { return ${linkage}.globals; }` : '';
    const spec = `{ ${literal(fields)}${sandboxed} }`;
    // The same fields for the default registry's call, positional (compile() uses it for a module
    // without a linkage; runtime/registered.ts; issue #22, code size: the field names were ~28
    // bytes of every minified page): `$defineRegistered($NAME, root, "names", { other fields })`.
    const rest = fields.filter(([k]) => k !== 'name' && k !== 'root' && k !== 'requiredContext');
    const registeredArgs = this.o.sandbox || this.o.nunjucks ? null : `$NAME, ${this.rootFns ?? '$root'}, ${requiredContext}${rest.length ? `, { ${literal(rest)} }` : ''}`;
    // (`$env` read lazily: a bundle's linkage module may import this module in a cycle)
    this.mod(`const $template = ${this.h('defineTemplate')}(${this.o.sandbox ? `${this.h('limitOutputs')}(${spec})` : `${spec}, () => ${linkage}`});`);

    const pre: string[] = [`const $NAME = ${q(this.o.name)};`];
    // The environment of filters/tests that take one (select, reject, built-in tests), when used.
    // `$env` is read lazily: a bundle's linkage module may import this module in a cycle.
    if (this.usesFenv)
      pre.push(`const $fenv = { autoescape: ${this.o.autoescape}, strict: ${this.o.strictUndefined}, get filters() { return $env.filters; }, get tests() { return $env.tests; } };`);
    for (const [n, v] of this.filterVars) pre.push(`const ${v} = ${n};`);
    for (const n of this.hiding) pre.push(`const $${n}_h = ${this.h('sbHide')}(() => $env, $${n}${TEXT.has(n) ? ', true' : ''});`);
    if (this.usesMatch) pre.push(`${this.h('useMatch')}();`);
    if (this.trustedPatterns.size) pre.push(`${this.h('trustRegex')}(${[...this.trustedPatterns].map(q).join(', ')});`);
    const bodyLines: string[] = [...pre];
    const lineMap: number[] = pre.map(() => 0);
    this.moduleLines.forEach((l, i) => {
      if (!l.includes('\n')) {
        bodyLines.push(l);
        lineMap.push(this.moduleLineNos[i] ?? 0);
      } else
        for (const part of l.split('\n')) {
          bodyLines.push(part);
          lineMap.push(this.moduleLineNos[i] ?? 0);
        }
    });
    const code = bodyLines.join('\n');
    // (a helper asked for by a line the twins later rewrote or dropped is not imported: `$iter`
    // of a loop the resumable body reads through `$each`; bundlers warn of unused imports)
    const named = new Set(code.match(/\$[\w$]+/g));
    return {
      body: code,
      helpers: [...this.helpers].filter((h) => named.has('$' + h)).sort(),
      attrNames: [...this.attrNames].sort(),
      templateRefs: [...this.refs].map(([name, v]) => [v, name]),
      lineMap,
      customUsed: { filters: [...this.customUsed.filters], tests: [...this.customUsed.tests] },
      dynamicRefs: this.dynamicRefs,
      contextNames: context,
      declared: (body.find((n): n is A.TemplateDecl => n.type === 'TemplateDecl') ?? null)?.decls ?? null,
      defSignatures: body.filter((n): n is A.Def => n.type === 'Def').map((d) => ({ name: d.name, params: d.params, vararg: d.vararg, kwarg: d.kwarg })),
      warnings: this.warnings,
      isAsync: this.isAsync,
      // every name renderBlock takes here: blocks, then regions that are not also blocks
      blocks: [...new Set([...this.blockNodes.keys(), ...body.flatMap((n) => (n.type === 'Region' ? [n.name] : []))])],
      defs,
      requiredContext: [...required],
      extendsName,
      tree: body,
      registeredArgs,
    };
  }

  /** Nunjucks compat: a call of a filter added as async (`addFilter(name, fn, true)`) or a CallExtensionAsync tag makes the template async. */
  asyncFilter(n: { type: string }): boolean {
    return (n.type === 'Filter' && !!this.o.nunjucks?.asyncFilters?.has((n as unknown as A.Filter).name)) || (n.type === 'NjkExtension' && !!(n as unknown as A.NjkExtension).async && !this.o.nunjucks?.syncExtensions);
  }

  asyncReason(): string {
    let reason = '';
    walk(this.ast.body, (n) => {
      if (reason) return false;
      if (n.type === 'Await') reason = `await at line ${(n as unknown as A.Pos).line}`;
      else if (this.asyncFilter(n)) reason = n.type === 'NjkExtension' ? `async extension '${(n as unknown as A.NjkExtension).ext}' at line ${(n as unknown as A.Pos).line}` : `async filter '${(n as unknown as A.Filter).name}' at line ${(n as unknown as A.Pos).line}`;
      else if (n.type === 'For' && (n as unknown as A.For).isAsync) reason = `{% async for %} at line ${(n as unknown as A.Pos).line}`;
      return !reason;
    });
    return reason;
  }

  /** Literal template reference → accessor variable (static import in ESM, loader in Environment). */
  ref(resolved: string): string {
    let v = this.refs.get(resolved);
    if (!v) {
      v = `$T${this.refs.size}`;
      this.refs.set(resolved, v);
    }
    return v;
  }

  /**
   * Emits the functions of a root or block body and `<v>`, its RenderFns: `<v>_s` and `<v>_g`
   * (the runtime derives the async one), or `<v>_a` alone in an async template. A streaming
   * function that would yield exactly what the sync one returns, as one chunk, is left out: the
   * runtime derives it from `<v>_s` (a block of one output line costs one function, not two).
   */
  /** The block being compiled (Nunjucks compat: what `super()` renders the parent's version of). */
  njkBlock: string | null = null;
  /** Nunjucks compat: the variable holding the block's `super()`, rendered where the block starts (inheritance.ts liftSuper). */
  njkSuperVar: string | null = null;
  /** Nunjucks compat: the root's `parentTemplate` variable while its top level compiles (codegen/njk-extends.ts). */
  njkParentVar: string | null = null;
  /** …and whether that is the renderBlock prelude (the parent's chain is set up there). */
  njkInPrelude = false;

  renderFns(v: string, body: A.Node[], block: A.Block | null, ext?: A.Extends | null): void {
    const gen = () => {
      this.njkBlock = block ? block.name : null;
      try {
        // (Nunjucks: a block renders in a frame of its own, however it is called; njk-scope.ts)
        if (block && this.o.nunjucks) this.w(`ctx = ${this.h('njkBlock')}(ctx);`);
        if (block && this.o.nunjucks) this.njkSuperVar = liftSuper(this, block);
        return block ? this.stmts(body) : genRootBody(this, body, ext ?? null);
      } finally {
        this.njkBlock = null;
        this.njkSuperVar = null;
      }
    };
    const fnOf = (m: Mode) => {
      const fn = this.newFn(m, m === 'a' ? { kind: 'yield' } : { kind: 'both' }, 'ctx', 'ctx', null, null);
      fn.curLine = block ? block.line : 0;
      fn.errArgs = ', R';
      fn.gather = m === 'a';
      // (sync roots and blocks keep a data name's value between reads: codegen/name-cache.ts)
      if (m !== 'a' && !this.o.sandbox && !this.o.nunjucks) fn.names = this.nameCache();
      return fn;
    };
    if (this.isAsync) {
      this.emitFn(`async function* ${v}_a(ctx, R)`, this.fnBody(fnOf('a'), gen, null));
      this.mod(`const ${v} = { s: ${this.h('asyncOnly')}($NAME), g: ${this.h('asyncOnly')}($NAME), a: ${v}_a };`);
      return;
    }
    this.texts.begin();
    const { s, g, oneChunk, sink, parts } = this.bothBodies(fnOf('sg'), gen);
    const texts = this.texts.end([s, g], !oneChunk && !sink);
    if (oneChunk || sink) {
      // (no generator: the runtime streams the sync function, as one chunk or through a sink)
      this.emitFn(`function ${v}_s(ctx, R${sink ? `, S = ${this.h('noSink')}` : ''})`, s);
      // (loopFns: its loops suspend, runtime/resume.ts; 4: it suspends where it renders a part, runtime `part`)
      const fns = parts
        ? `${this.h('bodyFns')}(${v}_s, 4)`
        : sink && s.lines.some((l) => l.startsWith('switch (S.k)'))
          ? `${this.h('loopFns')}(${v}_s)`
          : `${this.h('bodyFns')}(${v}_s${sink ? ', 0' : ''})`;
      // (the root's, read once: written into the spec, not as a constant of its own)
      if (v === '$root') this.rootFns = fns;
      else this.mod(`const ${v} = ${fns};`);
      return;
    }
    if (!texts.length) {
      this.emitFn(`function ${v}_s(ctx, R)`, s);
      this.emitFn(`function* ${v}_g(ctx, R)`, g);
      this.mod(`const ${v} = ${this.h('bodyFns')}(${v}_s, ${v}_g);`);
      return;
    }
    // (the two functions and their texts in a closure of their own: a minifier gives the texts
    // the same short names in every module, which keeps a bundle of many pages compressible)
    this.mod(`const ${v} = (() => {`);
    for (const { code, line } of texts) {
      this.moduleLines.push(code);
      this.moduleLineNos.push(line);
    }
    this.emitFn(`function ${v}_s(ctx, R)`, s);
    this.emitFn(`function* ${v}_g(ctx, R)`, g);
    this.mod(`return ${this.h('bodyFns')}(${v}_s, ${v}_g);`);
    this.mod('})();');
  }

  // ------------------------------------------------------------------ statements

  /**
   * Statements, with adjacent text and outputs coalesced into one `o +=` / `yield`
   * (never across an await: outputs that await start a new chunk).
   */
  stmts(nodes: A.Node[]): void {
    const names = this.fn.names;
    if (names) names.depth++;
    try {
      this.stmtList(nodes, names);
    } finally {
      if (names) names.depth--;
    }
  }

  private stmtList(nodes: A.Node[], names: NameCache | undefined): void {
    let run: string[] = [];
    const flush = () => {
      if (run.length) this.emit(run.join(' + '));
      run = [];
    };
    const top = names?.depth === 1;
    for (let i = 0; i < nodes.length; i++) {
      const n = nodes[i]!;
      if (n.type === 'Data') {
        if (n.text) run.push(this.texts.text(q(n.text)));
        continue;
      }
      // (a statement that may run other code reads its names afresh, and the reads after it too)
      const loud = !!names && names.off === 0 && !names.quiet(n);
      if (n.type === 'Output' && !this.needsAwait(n.expr)) {
        let js = loud ? names!.loud(() => outputExpr(this, n)) : outputExpr(this, n);
        if (top && !loud) names!.settle(n.expr, js);
        if (n.line !== this.fn.curLine) {
          this.fn.curLine = n.line;
          js = `(L = ${n.line}, ${js})`;
        }
        run.push(js);
        continue;
      }
      flush();
      // (a loop or a branch: a resumed part may jump into it, past the reads before it)
      if (top) names!.forget();
      if (loud) names!.loud(() => this.stmt(n));
      else this.stmt(n);
      if (top) names!.forget();
    }
    flush();
  }

  /** The kept-names state of a root or block function (codegen/name-cache.ts). */
  nameCache(): NameCache {
    const has = (table: object, name: string) => Object.prototype.hasOwnProperty.call(table, name);
    let n = 0; // (a function's own locals: numbered apart from the module's ids)
    return new NameCache(
      () => `$n${n++}`,
      (f) => !this.o.customFilters.has(f) && (has(filterParams, f) || (!!this.o.markdown && has(mdFilterParams, f))),
      (t) => !this.o.customTests.has(t) && has(testParams, t),
    );
  }

  emit(js: string): void {
    const s = this.fn.sink;
    if (this.fn.gather && s.kind === 'yield') return this.w(gatherOut(js));
    if (this.o.sandbox) this.h('sbOut');
    this.w(s.kind === 'both' ? `${BOTH}O${js}` : outLine(s.kind === 'buf' ? s.v : null, js, this.o.sandbox));
  }

  /** Renders a template part (`{s, g, a}`) into the current sink. */
  subRender(fns: string, ctx: string, R: string): void {
    const { mode, sink } = this.fn;
    const into = sink.kind === 'buf' ? sink.v : null;
    if (mode === 'sg' || mode === 'g') {
      if (into !== null) this.h('Collect'); // (the streaming line into a buffer collects async parts)
      this.w(mode === 'sg' ? `${BOTH}P${[into ?? '', fns, ctx, R].join(SEP)}` : partLine('g', into, fns, ctx, R));
    } else if (mode === 's') this.w(partLine('s', into, fns, ctx, R));
    else if (into === null) this.w(`${this.fn.gather ? FLUSH + ' ' : ''}yield* ${fns}.a(${ctx}, ${R});`);
    else this.w(`${into} += ${this.wait(`${this.h('collect')}(${fns}.a(${ctx}, ${R}))`)};`);
  }

  /** Runs body with a fresh buffer variable; returns its name. */
  buffered(body: () => void): string {
    const b = this.id('$o');
    this.w(`let ${b} = "";`);
    const saved = this.fn.sink;
    this.fn.sink = { kind: 'buf', v: b };
    try {
      body();
    } finally {
      this.fn.sink = saved;
    }
    return b;
  }

  /** Body statements in a new block scope when they assign with `set`. */
  scoped(body: A.Node[]): void {
    if (!needsScope(body)) {
      this.stmts(body);
      return;
    }
    const c = this.id('c');
    const saved = this.fn.sc;
    this.w(`const ${c} = Object.create(${saved});`);
    this.fn.sc = c;
    try {
      this.stmts(body);
    } finally {
      this.fn.sc = saved;
    }
  }

  stmt(n: A.Node): void {
    (VISIT[n.type] as ((g: Generator, n: A.Node) => void) | undefined)?.(this, n);
  }

  safeName(name: string, pos: A.Pos): string {
    if (name === '__proto__' || name === 'constructor' || name === 'prototype')
      this.err(`Cannot assign to '${name}'`, 'K-PAR-007', pos);
    return name;
  }

  hasTry: boolean | undefined;
  /** Nunjucks: whether the template has extension tags (each macro asks: one walk, kept). */
  hasNjkExtension: boolean | undefined;

  withScope<T>(sc: string, f: () => T): T {
    const saved = [this.fn.sc, this.fn.locals, this.fn.mode] as const;
    this.fn.sc = sc;
    this.fn.locals = [];
    this.fn.mode = 's';
    try {
      return f();
    } finally {
      this.fn.sc = saved[0];
      this.fn.locals = saved[1];
      this.fn.mode = saved[2];
    }
  }

  /** The calling template of a run-time load (`./x` resolves against it). */
  get fromName(): string {
    return this.o.anonymous ? 'null' : '$NAME';
  }

  // ------------------------------------------------------------------ expressions

  /** The JS expression for `e` (compiler/codegen/expressions.ts). */
  expr(e: A.Expr): string {
    return genExpr(this, e);
  }

  /** In sandboxed templates every loop iteration counts against the policy's limits. */
  sandboxTick(): void {
    if (this.o.sandbox) this.w(`${this.h('sbTick')}($env, R);`);
  }

  /** Async arrows being compiled inside the current function: their awaits cannot yield (codegen/gather.ts). */
  nest = 0;
  nested<T>(f: () => T): T {
    this.nest++;
    try {
      return f();
    } finally {
      this.nest--;
    }
  }
  /** `await js` in an async function; in a gathering part, a value that is no thenable is not awaited, and what is gathered leaves before one is. */
  wait(js: string): string {
    // (sandboxed: other renders ran during the wait, so the render's budget is made the charged one again; s19)
    const back = this.o.sandbox ? this.h('sbBack') : '';
    if (this.fn.gather && !this.nest) return gatherWait(js, this.h('observe'), back);
    return back ? `${back}($env, R, await ${js})` : `(await ${js})`;
  }

  /** Does compiling `e` here emit an `await` (so enclosing arrows must be async)? */
  needsAwait(e: unknown): boolean {
    return this.fn.mode === 'a' && contains(e, (n) => n.type === 'Await' || (this.isAsync && (n.type === 'Call')));
  }

  /** Set while compiling a `{% filter %}` block's own arguments: the name of the helper that escapes each. */
  argWrap: string | null = null;
}

export { walk, JS_RESERVED };
