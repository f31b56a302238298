// `kida check --typed` and `kida check --types`: static checks of templates that declare
// their context (`{% template page: Page %}`) or type def parameters.
//
// --typed is name-level (language.md §6.5): K-TYP-001 a context name read but not declared,
// K-TYP-002 a declared name never read, K-TYP-003 like 001 with a did-you-mean.
//
// --types checks template bodies with the TypeScript compiler (ts-morph, loaded lazily).
// Each template becomes a shadow TypeScript module, created in memory beside the template
// so the relative imports of its `{# @types import type {…} from "…" #}` comments resolve:
// context names and def parameters get their declared types, loop targets get element
// types, single `set`s get the type of their value, and everything whose Kida semantics TS
// cannot express faithfully (filters, tests, operators, calls, literals, ranges) becomes
// `any`. Only three kinds of TS diagnostics are reported, and only where the shadow module
// holds a user's expression: a property that does not exist on a declared object type
// (K-TYP-004, at the attribute), a type import that does not resolve (K-TYP-005, at the
// comment), and a def or region call argument whose exactly known type is not assignable to
// the parameter's declared type (K-TYP-006, at the argument; each shadow module exports its
// top-level defs' parameter types as `$Defs`, which importing templates' shadow modules read).
// Everything else the shadow module may provoke is scaffolding and is ignored.

import { dirname, relative, resolve, sep } from 'node:path';
import type * as A from './ast.js';
import { parse } from './parser.js';
import { escapeModeFor, templateNameResolver, type CompileOptions } from './index.js';
import type { LexOptions } from './lexer.js';
import { annotationToTs, typeImports } from './types.js';

/** One finding, positioned in the `.kida` source (1-based line, 0-based column, as `kida check`). */
export interface TypeDiagnostic {
  file: string;
  line: number;
  col: number;
  code: 'K-TYP-001' | 'K-TYP-002' | 'K-TYP-003' | 'K-TYP-004' | 'K-TYP-005' | 'K-TYP-006';
  message: string;
}

/** Names every template may read without declaring them (built-in globals and implicit names). */
export const BUILTIN_NAMES: ReadonlySet<string> = new Set([
  'range', 'len', 'str', 'int', 'float', 'bool', 'list', 'dict', 'set', 'tuple', 'min', 'max', 'sum', 'abs', 'round',
  'sorted', 'reversed', 'enumerate', 'zip', 'map', 'filter', 'any', 'all', 'hasattr', 'getattr', 'isinstance', 'type',
  'loop', 'caller', 'super', 'self', 'varargs', 'kwargs', 'has_slot', 'consume', '_', '_n',
  'hx_request', 'hx_target', 'hx_trigger', 'hx_boosted', 'csrf_token', 'csp_nonce',
]);

/** Dict methods the runtime resolves on any plain object (`page.items()`, `d.get("k")`). */
const DICT_METHODS = new Set(['items', 'keys', 'values', 'get', 'update', 'pop', 'setdefault', 'copy', 'clear', 'popitem']);

// ------------------------------------------------------------------ AST helpers

type AnyNode = { type: string } & Record<string, unknown>;

/** Visits every node (statements, expressions, targets) in source order; `false` skips children. */
function walk(x: unknown, f: (n: AnyNode) => boolean | void): void {
  if (Array.isArray(x)) {
    for (const y of x) walk(y, f);
    return;
  }
  if (x === null || typeof x !== 'object') return;
  const o = x as Record<string, unknown>;
  if (typeof o.type === 'string' && f(o as AnyNode) === false) return;
  for (const k in o) {
    const v = o[k];
    if (v !== null && typeof v === 'object') walk(v, f);
  }
}

function targetNames(t: A.Target, out: string[] = []): string[] {
  if (t.type === 'NameTarget') out.push(t.name);
  else for (const i of t.items) targetNames(i, out);
  return out;
}

function patternNames(p: A.Pattern, out: string[] = []): string[] {
  if (p.kind === 'capture') out.push(p.name);
  else if (p.kind === 'tuple') for (const i of p.items) patternNames(i, out);
  return out;
}

const before = (a: A.Pos, b: A.Pos) => a.line < b.line || (a.line === b.line && a.col < b.col);

/** The dotted path of `a.b["c"]` (names, attributes and literal string keys), else null. */
function pathOf(e: A.Expr): string | null {
  if (e.type === 'Name') return e.name;
  if (e.type === 'Attr') {
    const p = pathOf(e.obj);
    return p && `${p}.${e.name}`;
  }
  if (e.type === 'Item' && e.key.type === 'Const' && typeof e.key.value === 'string') {
    const p = pathOf(e.obj);
    return p && `${p}.${e.key.value}`;
  }
  return null;
}

/**
 * Paths a condition probes for existence: `x.y is defined` / `is undefined` (either
 * polarity) and `"k" in x`. Accesses under such a path are not checked in the guarded code.
 */
function probedPaths(cond: A.Expr): string[] {
  const out: string[] = [];
  walk(cond, (n) => {
    const e = n as unknown as A.Expr;
    if (e.type === 'Test' && (e.name === 'defined' || e.name === 'undefined')) {
      const p = pathOf(e.value);
      if (p) out.push(p);
    } else if (e.type === 'Compare') {
      let left = e.left;
      for (const { op, right } of e.ops) {
        if ((op === 'in' || op === 'not in') && left.type === 'Const' && typeof left.value === 'string') {
          const p = pathOf(right);
          if (p) out.push(`${p}.${left.value}`);
        }
        left = right;
      }
    }
  });
  return out;
}

function lineStarts(source: string): number[] {
  const starts = [0];
  for (let i = 0; i < source.length; i++) if (source[i] === '\n') starts.push(i + 1);
  return starts;
}

/** Line/column of an offset. */
function locate(starts: number[], offset: number): { line: number; col: number } {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, col: offset - starts[lo]! };
}

/** Where the attribute name of `obj.name` / `obj?.name` starts (the node is at the dot). */
function attrNamePos(source: string, starts: number[], e: A.Attr): { line: number; col: number } {
  let i = (starts[e.line - 1] ?? 0) + e.col;
  if (source.startsWith('?.', i)) i += 2;
  else if (source[i] === '.') i += 1;
  else return { line: e.line, col: e.col };
  while (i < source.length && /\s/.test(source[i]!)) i++;
  return source.startsWith(e.name, i) ? locate(starts, i) : { line: e.line, col: e.col };
}

function templateDecl(body: A.Node[]): A.TemplateDecl | null {
  return body.find((n): n is A.TemplateDecl => n.type === 'TemplateDecl') ?? null;
}

/** Position of `name` inside the `{% template … %}` tag (falls back to the tag). */
function declNamePos(source: string, starts: number[], decl: A.TemplateDecl, name: string): { line: number; col: number } {
  const from = (starts[decl.line - 1] ?? 0) + decl.col;
  const re = new RegExp(`(?<![\\w$])${name.replace(/[$]/g, '\\$')}\\s*:`, 'g');
  re.lastIndex = from;
  const m = re.exec(source);
  return m ? locate(starts, m.index) : { line: decl.line, col: decl.col };
}

// ------------------------------------------------------------------ --typed: names

/** Every name a template binds anywhere (assignments, loops, defs, params, imports, …). */
function boundNames(body: A.Node[]): Set<string> {
  const bound = new Set<string>();
  const add = (names: string[]) => names.forEach((n) => bound.add(n));
  walk(body, (n) => {
    const node = n as unknown as A.Node | A.Expr;
    switch (node.type) {
      case 'Set':
        for (const a of node.assignments) add(targetNames(a.target));
        break;
      case 'For':
      case 'ListComp':
        add(targetNames(node.target));
        break;
      case 'WithIf':
        node.targets.forEach((t) => add(targetNames(t)));
        if (!node.targets.length) bound.add('it');
        break;
      case 'With':
        add(node.bindings.map((b) => b.name));
        break;
      case 'Match':
        for (const c of node.cases) add(patternNames(c.pattern));
        break;
      case 'Def':
        bound.add(node.name);
        add(node.params.map((p) => p.name));
        if (node.vararg) bound.add(node.vararg);
        if (node.kwarg) bound.add(node.kwarg);
        break;
      case 'Region':
        bound.add(node.name);
        add(node.params.map((p) => p.name));
        break;
      case 'Import':
        bound.add(node.alias);
        break;
      case 'FromImport':
        add(node.names.map((x) => x.alias));
        break;
      case 'Capture':
        bound.add(node.name);
        break;
      case 'Try':
        if (node.errName) bound.add(node.errName);
        break;
      case 'Slot':
        add(node.bindings.map((b) => b.name));
        break;
      case 'CallBlock':
        for (const s of node.slots) add(s.params);
        break;
      case 'Trans':
        add(node.bindings.map((b) => b.name));
        break;
    }
  });
  return bound;
}

function editDistanceOne(a: string, b: string): boolean {
  if (Math.abs(a.length - b.length) > 1) return false;
  if (a.length === b.length) {
    let diffs = 0;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) diffs++;
    return diffs === 1;
  }
  const [short, long] = a.length < b.length ? [a, b] : [b, a];
  let j = 0;
  let diffs = 0;
  for (let i = 0; i < long.length; i++) {
    if (j < short.length && long[i] === short[j]) j++;
    else diffs++;
  }
  return diffs <= 1;
}

/** A declared name the undeclared `name` is probably a typo of (prefix or edit distance 1). */
export function suggestDeclared(name: string, declared: Iterable<string>): string | null {
  for (const c of [...declared].sort()) {
    if (Math.abs(name.length - c.length) > 2) continue;
    if (name.startsWith(c.slice(0, 3)) || c.startsWith(name.slice(0, 3))) return c;
    if (editDistanceOne(name, c)) return c;
  }
  return null;
}

/**
 * `kida check --typed` for one template: names read but not declared in its
 * `{% template %}` (K-TYP-001, or K-TYP-003 with a suggestion) and declared names never read
 * (K-TYP-002). Templates without a declaration have nothing to check. `globals` are the
 * project's own global names (always allowed, like the built-ins).
 */
export function checkNames(
  source: string,
  options: LexOptions & { file?: string; globals?: Iterable<string>; ast?: A.TemplateAst; autoescape?: unknown } = {},
): TypeDiagnostic[] {
  const ast = options.ast ?? parse(source, options);
  const decl = templateDecl(ast.body);
  if (!decl) return [];
  const file = options.file ?? options.name ?? '<template>';
  const declared = new Set(decl.decls.map((d) => d.name));
  const allowed = new Set([...BUILTIN_NAMES, ...(options.globals ?? [])]);
  if (escapeModeFor(options.autoescape, options.name ?? null) === 'markdown') allowed.add('output_format'); // Markdown mode's global
  const bound = boundNames(ast.body);
  const used = new Set<string>();
  const out: TypeDiagnostic[] = [];
  walk(ast.body, (n) => {
    if (n.type !== 'Name') return;
    const { name, line, col } = n as unknown as A.Name;
    used.add(name);
    if (declared.has(name) || bound.has(name) || allowed.has(name)) return;
    const suggestion = suggestDeclared(name, declared);
    const message = `Variable '${name}' used but not declared in {% template %}`;
    out.push(
      suggestion
        ? { file, line, col, code: 'K-TYP-003', message: `${message} (did you mean '${suggestion}'?)` }
        : { file, line, col, code: 'K-TYP-001', message },
    );
  });
  // A template that extends, includes or embeds others hands its context on: a declared
  // name it does not read itself may well be read there, so it is not reported as unused.
  let passesContext = false;
  walk(ast.body, (n) => {
    if (n.type === 'Extends' || ((n.type === 'Include' || n.type === 'Embed') && (n as unknown as A.Include).withContext)) passesContext = true;
  });
  if (!passesContext) {
    const starts = lineStarts(source);
    for (const d of decl.decls) {
      if (used.has(d.name)) continue;
      const at = declNamePos(source, starts, decl, d.name);
      out.push({ file, ...at, code: 'K-TYP-002', message: `Declared variable '${d.name}' is never used` });
    }
  }
  return out.sort((a, b) => a.line - b.line || a.col - b.col);
}

// ------------------------------------------------------------------ --types: the shadow module

/** A piece of TypeScript with the positions (relative to its start) of checked attribute names. */
interface Frag {
  t: string;
  m: Mark[];
}
interface Mark {
  /** Offset of the attribute name in the TS text (of the check's `(` for an argument check). */
  start: number;
  name: string;
  line: number;
  col: number;
  /** A def call argument checked against its parameter (`def`: the name the call uses): `((value) satisfies P)` is `len` long. */
  arg?: { len: number; def: string; param: string; annotation: string };
}

const frag = (t: string): Frag => ({ t, m: [] });
function cat(...parts: (string | Frag)[]): Frag {
  let t = '';
  const m: Mark[] = [];
  for (const p of parts) {
    if (typeof p === 'string') t += p;
    else {
      for (const k of p.m) m.push({ ...k, start: k.start + t.length });
      t += p.t;
    }
  }
  return { t, m };
}
const join_ = (parts: Frag[], sep: string): Frag => cat(...parts.flatMap((p, i) => (i ? [sep, p] : [p])));

/** Expression context: are attribute accesses checked here, and which paths were probed? */
interface Guard {
  checked: boolean;
  probed: readonly string[];
}

const PRELUDE = (loopType: string) => `declare const $any: any;
declare function $v(...values: unknown[]): any;
declare function $nn<T>(value: T): NonNullable<T>;
declare function $aw<T>(value: T): Awaited<T>;
declare function $elem<T>(iterable: readonly T[] | null | undefined): T;
declare function $elem(iterable: ReadonlyMap<any, any> | null | undefined): any;
declare function $elem<T>(iterable: Iterable<T> | AsyncIterable<T> | null | undefined): T;
declare function $elem(iterable: unknown): any;
declare function $tup<T extends readonly unknown[]>(value: T): T;
declare function $tup(value: unknown): any;
declare function $tuple<T extends unknown[]>(...items: T): T;
declare function $lc<T>(item: T, body: (item: T) => unknown): any[];
interface ${loopType} {
  index: number; index0: number; first: boolean; last: boolean; length: number; revindex: number; revindex0: number;
  previtem: any; nextitem: any; cycle(...values: any[]): any;
}
`;

export interface ShadowModule {
  text: string;
  /** Checked attribute names: TS offset → `.kida` position. */
  marks: Map<number, Mark>;
  /** Def call arguments checked against their parameter's declared type (`((value) satisfies P)`). */
  args: Mark[];
  /** `import type` lines from `{# @types #}` comments: TS [start, end) → `.kida` position. */
  imports: { start: number; end: number; line: number; col: number }[];
}

export interface ShadowOptions {
  /** Override (or add) the TS type of context names, e.g. for tests: `{ page: 'Page' }`. */
  contextTypes?: Record<string, string>;
  /** Extra lines placed after the imports (e.g. `import type { Page } from "./x.js";`). */
  prelude?: string[];
  /**
   * The template a `{% from "x" import card %}` names, when it is type-checked in the same run:
   * its AST and the specifier of its shadow module (whose `$Defs` types its defs' parameters).
   */
  importedDefs?: (name: string) => { specifier: string; ast: A.TemplateAst } | null;
}

/** Does the template declare types anywhere (context or def/region parameters)? */
export function hasTypes(ast: A.TemplateAst): boolean {
  let typed = false;
  walk(ast.body, (n) => {
    if (typed) return false;
    if (n.type === 'TemplateDecl') typed = true;
    else if ((n.type === 'Def' || n.type === 'Region') && (n as unknown as A.Def).params.some((p) => p.annotation)) typed = true;
  });
  return typed;
}

/** Translates a template AST into a TypeScript module whose type errors mean template errors. */
export function shadowModule(ast: A.TemplateAst, source: string, options: ShadowOptions = {}): ShadowModule {
  return new Shadow(ast, source, options).build();
}

class Shadow {
  private readonly starts: number[];
  private readonly known: Set<string>;
  private readonly importLines: string[];
  private readonly loopType: string;
  /** Names bound by assignment-like statements (set/let/export/promote, def, import, capture): how often, and the first. */
  private readonly flat = new Map<string, { count: number; first: A.Pos; typedSet: boolean }>();
  /** Names bound in a scope of their own (loop targets, with, params, captures, …). */
  private readonly scoped = new Set<string>();
  private readonly reads = new Map<string, A.Pos[]>();
  private readonly declared = new Map<string, string>();
  /** Names declared as typed `const`s where their single `set` binds them. */
  private readonly typedSets = new Set<string>();
  private readonly lines: string[] = [];
  private readonly marks = new Map<number, Mark>();
  private readonly args: Mark[] = [];
  /** Defs a call can be checked against, by the name the template calls them: where their `$Defs` type is, and their parameters. */
  private readonly callables = new Map<string, { defs: string; def: string; params: A.Param[]; vararg: string | null; at: A.Pos }>();
  /** `{% import "x" as m %}` of a template checked in the same run: `m.card(…)` is checked against x's card. */
  private readonly namespaces = new Map<string, { defs: string; theirs: Map<string, A.Def | A.Region>; at: A.Pos }>();
  private offset = 0;
  private depth = 0;
  /** Kida names declared per open TS block (the template function's top level is not a frame). */
  private readonly frames: string[][] = [];
  private tmp = 0;

  constructor(
    private readonly ast: A.TemplateAst,
    private readonly source: string,
    private readonly options: ShadowOptions,
  ) {
    this.starts = lineStarts(source);
    const imports = typeImports(source);
    this.known = imports.names;
    this.importLines = imports.lines;
    this.loopType = this.known.has('Loop') ? 'KidaLoop' : 'Loop';
  }

  build(): ShadowModule {
    this.collect();
    // the `{# @types #}` imports, one per line, each mapped back to its comment
    const imports: ShadowModule['imports'] = [];
    const commentRe = /@types\s+(import\s+type\b)/g; // in whatever comment delimiters
    const found = [...this.source.matchAll(commentRe)];
    this.importLines.forEach((line, i) => {
      const m = found[i];
      const at = m ? locate(this.starts, m.index! + m[0].length - m[1]!.length) : { line: 1, col: 0 };
      imports.push({ start: this.offset, end: this.offset + line.length, ...at });
      this.raw(line);
    });
    for (const line of this.options.prelude ?? []) this.raw(line);
    this.raw('export {};');
    for (const line of PRELUDE(this.loopType).split('\n')) this.raw(line);
    this.defTypes();
    this.declareNames();
    this.raw('function $template(): void {');
    this.depth = 1;
    this.stmts(this.ast.body);
    this.depth = 0;
    this.raw('}');
    return { text: this.lines.join(''), marks: this.marks, args: this.args, imports };
  }

  // -------------------------------------------------------------- pre-pass: who binds what

  private collect(): void {
    const decl = templateDecl(this.ast.body);
    for (const d of decl?.decls ?? []) this.declared.set(d.name, this.tsType(d.annotation));
    for (const [name, type] of Object.entries(this.options.contextTypes ?? {})) this.declared.set(name, type);
    const flat = (name: string, at: A.Pos, typedSet = false) => {
      const f = this.flat.get(name);
      if (f) f.count++;
      else this.flat.set(name, { count: 1, first: at, typedSet });
    };
    const scoped = (names: string[]) => names.forEach((n) => this.scoped.add(n));
    walk(this.ast.body, (n) => {
      const node = n as unknown as A.Node | A.Expr;
      switch (node.type) {
        case 'Name': {
          const r = this.reads.get(node.name);
          if (r) r.push(node);
          else this.reads.set(node.name, [node]);
          break;
        }
        case 'Set':
          for (const a of node.assignments) {
            const typed = !a.coalesce && node.kind !== 'promote';
            for (const name of targetNames(a.target)) flat(name, node, typed);
          }
          break;
        case 'Def':
          flat(node.name, node);
          scoped(node.params.map((p) => p.name));
          if (node.vararg) this.scoped.add(node.vararg);
          if (node.kwarg) this.scoped.add(node.kwarg);
          break;
        case 'Region':
          flat(node.name, node);
          scoped(node.params.map((p) => p.name));
          break;
        case 'Import':
          flat(node.alias, node);
          break;
        case 'FromImport':
          for (const x of node.names) flat(x.alias, node);
          break;
        case 'Capture':
          flat(node.name, node);
          break;
        case 'For':
        case 'ListComp':
          scoped(targetNames(node.target));
          break;
        case 'With':
          scoped(node.bindings.map((b) => b.name));
          break;
        case 'WithIf':
          node.targets.forEach((t) => scoped(targetNames(t)));
          if (!node.targets.length) this.scoped.add('it');
          break;
        case 'Match':
          for (const c of node.cases) scoped(patternNames(c.pattern));
          break;
        case 'Try':
          if (node.errName) this.scoped.add(node.errName);
          break;
        case 'CallBlock':
          for (const s of node.slots) scoped(s.params);
          break;
        case 'Trans':
          scoped(node.bindings.map((b) => b.name));
          break;
      }
    });
    // A name gets a typed `const` at its `set` only when that is its one binding anywhere
    // and nothing reads it earlier (an earlier read sees the context's value).
    for (const [name, f] of this.flat) {
      if (f.count !== 1 || !f.typedSet || this.scoped.has(name) || this.declared.has(name) || name === 'loop') continue;
      if ((this.reads.get(name) ?? []).some((r) => before(r, f.first))) continue;
      this.typedSets.add(name);
    }
  }

  /**
   * The parameter types of this template's top-level defs (`export interface $Defs`, which the
   * templates that import them read), and the defs its calls can be checked against: its own
   * and those `{% from … import %}` brings from a template checked in the same run.
   */
  private defTypes(): void {
    const own = topDefs(this.ast);
    const members = [...own].map(([name, d]) => {
      const params = d.params.flatMap((p) => (checkableAnnotation(p.annotation) ? [`${JSON.stringify(p.name)}: ${this.argType(p.annotation!)}`] : []));
      return `${JSON.stringify(name)}: { ${params.join('; ')} };`;
    });
    this.raw(`export interface $Defs { ${members.join(' ')} }`);
    // (a name bound once, by the def or the import itself: a call to it calls that def)
    // (not `loop`, `caller`, `super`…: inside a loop, a call block or a block the runtime's own value answers)
    const once = (name: string) => this.flat.get(name)?.count === 1 && !this.scoped.has(name) && !this.declared.has(name) && !BUILTIN_NAMES.has(name);
    for (const [name, d] of own) if (once(name)) this.callables.set(name, { defs: '$Defs', def: name, params: d.params, vararg: d.type === 'Def' ? d.vararg : null, at: d });
    let imported = 0;
    for (const n of this.ast.body) {
      if ((n.type !== 'FromImport' && n.type !== 'Import') || n.template.type !== 'Const' || typeof n.template.value !== 'string') continue;
      if (n.type === 'Import' && !once(n.alias)) continue;
      const from = this.options.importedDefs?.(n.template.value);
      if (!from) continue;
      const defs = `$Defs${++imported}`;
      this.raw(`import type { $Defs as ${defs} } from ${JSON.stringify(from.specifier)};`);
      const theirs = topDefs(from.ast);
      if (n.type === 'Import') {
        this.namespaces.set(n.alias, { defs, theirs, at: n });
        continue;
      }
      for (const { name, alias } of n.names) {
        const d = theirs.get(name);
        if (d && once(alias)) this.callables.set(alias, { defs, def: name, params: d.params, vararg: d.type === 'Def' ? d.vararg : null, at: n });
      }
    }
  }

  /**
   * The TypeScript type a def argument must be assignable to. Kida's `int` and `float` are both
   * `number` here (an int where a float is declared is fine) and also take a `bool` (a Python
   * bool is an int).
   */
  private argType(annotation: string): string {
    return this.tsType(annotation).replace(/\bnumber\b/g, '(number | boolean)');
  }

  /** Loose names: assigned by statements (or in ways TS cannot follow) — always `any`. */
  private loose(name: string): boolean {
    return this.flat.has(name) && !this.typedSets.has(name);
  }

  private tsType(annotation: string | null): string {
    if (!annotation) return 'any';
    // `tuple[A, B]` maps to `Array<A>` for the .d.ts; too loose for element types here
    if (/\btuple\s*\[/.test(annotation)) return 'any';
    return annotationToTs(annotation, this.known).replace(/\bunknown\b/g, 'any');
  }

  private declareNames(): void {
    const names = new Set<string>([...this.reads.keys(), ...this.flat.keys(), ...this.declared.keys()]);
    for (const name of names) {
      if (this.typedSets.has(name)) continue;
      if (this.declared.has(name) && !this.loose(name)) this.raw(`declare const ${v(name)}: ${this.declared.get(name)};`);
      else this.raw(`declare let ${v(name)}: any;`);
    }
  }

  // -------------------------------------------------------------- output

  private raw(text: string): void {
    this.lines.push(text + '\n');
    this.offset += text.length + 1;
  }

  private line(f: Frag | string): void {
    const fr = typeof f === 'string' ? frag(f) : f;
    const indent = '  '.repeat(this.depth);
    for (const k of fr.m) {
      const at = { ...k, start: this.offset + indent.length + k.start };
      if (k.arg) this.args.push(at);
      else this.marks.set(at.start, at);
    }
    this.raw(indent + fr.t);
  }

  private block(open: Frag | string, body: () => void, close = '}'): void {
    this.line(typeof open === 'string' ? open + ' {' : cat(open, ' {'));
    this.depth++;
    this.frames.push([]);
    body();
    this.frames.pop();
    this.depth--;
    this.line(close);
  }

  /** A Kida name declared in the current TS block (`const k$name`). */
  private local(name: string): string {
    this.frames[this.frames.length - 1]?.push(name);
    return v(name);
  }

  /**
   * Block and def bodies run as functions of their own: they do not see the loop targets,
   * `with` bindings or block-scoped `set`s around them, only the template-wide names.
   * Inside such a body those names are shadowed by `any`.
   */
  private isolate(except: ReadonlySet<string> = new Set()): void {
    const names = new Set(this.frames.slice(0, -1).flat());
    for (const name of names) if (!except.has(name)) this.line(`const ${this.local(name)}: any = $any;`);
  }

  private t(): string {
    return `$t${++this.tmp}`;
  }

  /** Statements binding `target` to the value `value` (typed unless the names are loose). */
  private bind(target: A.Target, value: Frag): Frag {
    if (target.type === 'NameTarget') {
      const name = this.local(target.name);
      return this.loose(target.name) ? cat(`const ${name}: any = `, value, ';') : cat(`const ${name} = `, value, ';');
    }
    const t = this.t();
    return join_([cat(`const ${t} = $tup(`, value, ');'), ...target.items.map((item, i) => this.bind(item, frag(`${t}[${i}]`)))], ' ');
  }

  // -------------------------------------------------------------- statements

  private stmts(nodes: A.Node[], g: Guard = { checked: true, probed: [] }): void {
    for (const n of nodes) this.stmt(n, g);
  }

  private body(nodes: A.Node[], g: Guard, head?: () => void): void {
    this.block('', () => {
      head?.();
      this.stmts(nodes, g);
    });
  }

  private use(g: Guard, ...exprs: (A.Expr | null | undefined)[]): void {
    const present = exprs.filter((e): e is A.Expr => !!e);
    if (present.length) this.line(cat('$v(', join_(present.map((e) => this.expr(e, g)), ', '), ');'));
  }

  private stmt(n: A.Node, g: Guard): void {
    switch (n.type) {
      case 'Data':
      case 'Break':
      case 'Continue':
      case 'Flush':
      case 'Stack':
      case 'Yield':
      case 'TemplateDecl':
        return;
      case 'Output':
        return this.use(g, n.expr);
      case 'If': {
        let inner = g;
        n.branches.forEach((b) => {
          this.use(inner, b.cond);
          inner = withProbes(inner, b.cond);
        });
        n.branches.forEach((b) => this.body(b.body, inner));
        if (n.else_) this.body(n.else_, inner);
        return;
      }
      case 'For': {
        const iter = this.expr(n.iter, g);
        const elem = cat('$elem(', iter, ')');
        this.block('', () => {
          this.line(`const ${this.local('loop')}: ${this.loop()} = $any;`);
          const inner = n.cond ? withProbes(g, n.cond) : g;
          this.block('', () => {
            this.line(this.bind(n.target, elem));
            this.use(g, n.cond);
            this.stmts(n.body, inner);
          });
        });
        if (n.else_) this.body(n.else_, g);
        return;
      }
      case 'While': {
        this.use(g, n.cond);
        return this.body(n.body, withProbes(g, n.cond));
      }
      case 'Set':
        for (const a of n.assignments) {
          const names = targetNames(a.target);
          if (names.every((x) => this.typedSets.has(x))) this.line(this.bind(a.target, this.expr(a.value, g)));
          else this.use(g, a.value);
        }
        return;
      case 'With':
        return this.block('', () => {
          for (const b of n.bindings) this.line(this.bind({ type: 'NameTarget', name: b.name, line: n.line, col: n.col }, this.expr(b.value, g)));
          this.stmts(n.body, g);
        });
      case 'WithIf': {
        const subjects = n.subjects.map((s) => cat('$nn(', this.expr(s, g), ')'));
        const subject = subjects.length === 1 ? subjects[0]! : cat('$tuple(', join_(subjects, ', '), ')');
        const targets = n.targets.length ? n.targets : [{ type: 'NameTarget', name: 'it', line: n.line, col: n.col } as A.NameTarget];
        const target: A.Target = targets.length === 1 ? targets[0]! : { type: 'TupleTarget', items: targets, line: n.line, col: n.col };
        this.block('', () => {
          this.line(this.bind(target, subject));
          this.stmts(n.body, g);
        });
        if (n.else_) this.body(n.else_, g);
        return;
      }
      case 'Match': {
        this.use(g, ...(n.subjects ?? []));
        for (const c of n.cases) {
          this.block('', () => {
            for (const name of patternNames(c.pattern)) this.line(`const ${this.local(name)}: any = $any;`);
            const values: A.Expr[] = [];
            const visit = (p: A.Pattern): void => {
              if (p.kind === 'value') values.push(p.expr);
              else if (p.kind === 'tuple') p.items.forEach(visit);
            };
            visit(c.pattern);
            this.use(g, ...values, c.guard);
            this.stmts(c.body, c.guard ? withProbes(g, c.guard) : g);
          });
        }
        return;
      }
      case 'Def':
      case 'Region': {
        const params = n.params.map((p) => `${v(p.name)}: ${this.loose(p.name) ? 'any' : this.tsType(p.annotation)}`);
        if (n.type === 'Def' && n.vararg) params.push(`...${v(n.vararg)}: any[]`);
        const own = new Set(n.params.map((p) => p.name));
        if (n.type === 'Def' && n.vararg) own.add(n.vararg);
        if (n.type === 'Def' && n.kwarg) own.add(n.kwarg);
        this.block(`$v(function (${params.join(', ')}): void`, () => {
          this.isolate(own);
          if (n.type === 'Def' && n.kwarg) this.line(`const ${this.local(n.kwarg)}: any = $any;`);
          this.use(g, ...n.params.map((p) => p.default));
          this.stmts(n.body, g);
        }, '});');
        return;
      }
      case 'CallBlock':
        this.use(g, n.call);
        for (const s of n.slots) {
          this.block('', () => {
            for (const p of s.params) this.line(`const ${this.local(p)}: any = $any;`);
            this.stmts(s.body, g);
          });
        }
        return;
      case 'Slot':
        this.use(g, ...n.bindings.map((b) => b.value));
        if (n.body) this.body(n.body, g);
        return;
      case 'Import':
      case 'FromImport':
      case 'Include':
      case 'Extends':
        return this.use(g, n.template);
      case 'Embed':
        // override bodies are closures: they see the embedding site's names
        this.use(g, n.template);
        for (const b of n.blocks) {
          this.use(g, b.cond);
          this.body(b.body, b.cond ? withProbes(g, b.cond) : g);
        }
        return;
      case 'Block':
        this.use(g, n.cond);
        return this.body(n.body, n.cond ? withProbes(g, n.cond) : g, () => this.isolate());
      case 'Globals':
      case 'Spaceless':
      case 'Push':
        return this.body(n.body, g);
      case 'Capture':
        if (n.filter) this.use(g, ...n.filter.args, ...n.filter.kwargs.map((k) => k.value));
        return this.body(n.body, g);
      case 'FilterBlock':
        this.use(g, ...n.args, ...n.kwargs.map((k) => k.value));
        return this.body(n.body, g);
      case 'Cache':
        this.use(g, n.key, n.ttl, ...n.depends);
        return this.body(n.body, g);
      case 'Try':
        this.body(n.body, g);
        return this.body(n.fallback, g, () => {
          if (n.errName) this.line(`const ${this.local(n.errName)}: any = $any;`);
        });
      case 'Provide':
        this.use(g, n.value);
        return this.body(n.body, g);
      case 'Trans':
        return this.use(g, ...n.bindings.map((b) => b.value));
      case 'Defer': {
        // (its part is a try around a with, compiler/defer.ts; the part sees its values awaited)
        const [t] = n.body;
        this.body(n.placeholder, g);
        this.block('', () => {
          for (const b of t.body[0].bindings) this.line(this.bind({ type: 'NameTarget', name: b.name, line: n.line, col: n.col }, cat('$aw(', this.expr(b.value, g), ')')));
          this.stmts(t.body[0].body, g);
        });
        return this.body(t.fallback, g, () => {
          if (t.errName) this.line(`const ${this.local(t.errName)}: any = $any;`);
        });
      }
      case 'NjkExtension':
        // (compat 'nunjucks': a custom tag's arguments and bodies)
        for (const b of n.bodies) if (b) this.body(b, g);
        return this.use(g, ...n.args, ...n.kwargs.map((k) => k.value));
      default: {
        const never: never = n;
        void never;
      }
    }
  }

  /** Type of `loop` in a for body (`any` when the template binds a name `loop` itself). */
  private loop(): string {
    return this.flat.has('loop') || this.scoped.has('loop') ? 'any' : this.loopType;
  }

  // -------------------------------------------------------------- expressions

  private any(g: Guard, ...exprs: (A.Expr | null | undefined)[]): Frag {
    const present = exprs.filter((e): e is A.Expr => !!e);
    return cat('$v(', join_(present.map((e) => this.expr(e, g)), ', '), ')');
  }

  private expr(e: A.Expr, g: Guard): Frag {
    switch (e.type) {
      case 'Const':
        if (typeof e.value === 'string') return frag(JSON.stringify(e.value));
        if (typeof e.value === 'bigint') return frag('$any');
        if (typeof e.value === 'number') return frag(Number.isFinite(e.value) ? String(e.value) : '$any');
        return frag(String(e.value));
      case 'Name':
        return frag(v(e.name));
      case 'Attr':
        return this.member(this.expr(e.obj, g), e.name, e.optional, pathOf(e), g, attrNamePos(this.source, this.starts, e));
      case 'Item': {
        const obj = this.expr(e.obj, g);
        const key = e.key;
        if (key.type === 'Const' && typeof key.value === 'string' && /^[A-Za-z_$][\w$]*$/.test(key.value))
          return this.member(obj, key.value, e.optional, pathOf(e), g, { line: key.line, col: key.col });
        if (key.type === 'Const' && typeof key.value === 'number' && Number.isInteger(key.value) && key.value >= 0)
          return cat('(', obj, e.optional ? ')?.[' : ')[', String(key.value), ']');
        return this.any(g, e.obj, e.key);
      }
      case 'Call': {
        // (a def is bound where it stands: a call written before it reads the context's value of the name)
        const known = e.func.type === 'Name' ? this.callables.get(e.func.name) : this.namespaced(e.func);
        const def = known && before(known.at, e) ? known : undefined;
        const called = e.func.type === 'Name' ? e.func.name : e.func.type === 'Attr' && e.func.obj.type === 'Name' ? `${e.func.obj.name}.${e.func.name}` : '';
        const arg = (a: A.Expr, p: A.Param | undefined) => (def && p ? this.argCheck(def, called, p, a, g) : this.expr(a, g));
        const args = [...e.args.map((a, i) => arg(a, def?.params[i])), ...e.kwargs.map((k) => arg(k.value, def?.params.find((p) => p.name === k.name)))];
        return cat('$v(', join_([this.expr(e.func, g), ...args], ', '), ')');
      }
      case 'Filter': {
        // `x | default(…)` catches an undefined anywhere in x: x is not checked
        const guarded = (e.name === 'default' || e.name === 'd') && e.op === '|';
        const value = this.expr(e.value, guarded ? { ...g, checked: false } : g);
        return cat('$v(', join_([value, ...[...e.args, ...e.kwargs.map((k) => k.value)].map((a) => this.expr(a, g))], ', '), ')');
      }
      case 'Test': {
        const guarded = e.name === 'defined' || e.name === 'undefined';
        const value = this.expr(e.value, guarded ? { ...g, checked: false } : g);
        return cat('$v(', join_([value, ...[...e.args, ...e.kwargs.map((k) => k.value)].map((a) => this.expr(a, g))], ', '), ')');
      }
      case 'NullCoalesce':
        // `a ?? b` catches an undefined anywhere in a
        return cat('(', this.expr(e.left, { ...g, checked: false }), ' ?? ', this.expr(e.right, g), ')');
      case 'BoolOp':
        return cat('$v(', this.expr(e.left, g), ', ', this.expr(e.right, withProbes(g, e.left)), ')');
      case 'CondExpr': {
        const inner = withProbes(g, e.test);
        return cat('($v(', this.expr(e.test, g), ') ? ', this.expr(e.body, inner), ' : ', e.orelse ? this.expr(e.orelse, inner) : '""', ')');
      }
      case 'Await':
        return cat('$aw(', this.expr(e.value, g), ')');
      case 'ListComp': {
        const item = this.t();
        const inner = e.cond ? withProbes(g, e.cond) : g;
        const bindings = this.bind(e.target, frag(item));
        return cat('$lc($elem(', this.expr(e.iter, g), `), (${item}) => { `, bindings, ' return $v(', join_([this.expr(e.elt, inner), ...(e.cond ? [this.expr(e.cond, g)] : [])], ', '), '); })');
      }
      case 'List':
      case 'Tuple':
        return this.any(g, ...e.items);
      case 'Dict':
        return this.any(g, ...e.pairs.flat());
      case 'Slice':
        return this.any(g, e.obj, e.start, e.stop, e.step);
      case 'BinOp':
        return this.any(g, e.left, e.right);
      case 'UnaryOp':
        return this.any(g, e.operand);
      case 'Compare':
        return this.any(g, e.left, ...e.ops.map((o) => o.right));
      case 'Range':
        return this.any(g, e.start, e.stop, e.step);
      default: {
        const never: never = e;
        void never;
        return frag('$any');
      }
    }
  }

  /** `m.card` where `m` is a namespace import checked in the same run and `card` one of its top-level defs. */
  private namespaced(f: A.Expr): { defs: string; def: string; params: A.Param[]; at: A.Pos } | undefined {
    if (f.type !== 'Attr' || f.optional || f.obj.type !== 'Name') return undefined;
    const ns = this.namespaces.get(f.obj.name);
    const d = ns?.theirs.get(f.name);
    return ns && d ? { defs: ns.defs, def: f.name, params: d.params, at: ns.at } : undefined;
  }

  /**
   * An argument of a call to a known def: checked against the parameter's declared type when the
   * argument is a literal or a name or attribute path (whose type TypeScript knows as the template
   * declared it), outside guards. Whether its type is exact enough to report is decided after
   * type-checking (`exactArgument` in checkTypes).
   */
  private argCheck(def: { defs: string; def: string }, called: string, p: A.Param, a: A.Expr, g: Guard): Frag {
    const value = this.expr(a, g);
    const path = pathOf(a);
    if (!g.checked || !checkableAnnotation(p.annotation) || !plainArgument(a) || (path && g.probed.some((x) => path === x || path.startsWith(x + '.')))) return value;
    // (`satisfies`, not a generic call: no signature to instantiate, measurably cheaper)
    const at = exprStart(a);
    const checked = cat('((', value, `) satisfies ${def.defs}[${JSON.stringify(def.def)}][${JSON.stringify(p.name)}])`);
    const mark: Mark = { start: 0, name: p.name, line: at.line, col: at.col, arg: { len: checked.t.length, def: called, param: p.name, annotation: p.annotation! } };
    return { t: checked.t, m: [mark, ...checked.m] };
  }

  /** `obj.name`: checked (marked) unless guarded or probed by an enclosing condition. */
  private member(obj: Frag, name: string, optional: boolean, path: string | null, g: Guard, at: { line: number; col: number }): Frag {
    const checked = g.checked && !(path && g.probed.some((p) => path === p || path.startsWith(p + '.')));
    const head = cat('(', obj, optional ? ')?.' : ').');
    const m: Mark[] = checked ? [{ start: 0, name, line: at.line, col: at.col }] : [];
    return cat(head, { t: name, m });
  }
}

/** The top-level defs and regions of a template whose name nothing else at the top level binds. */
function topDefs(ast: A.TemplateAst): Map<string, A.Def | A.Region> {
  const count = new Map<string, number>();
  const bind = (name: string) => count.set(name, (count.get(name) ?? 0) + 1);
  const defs = new Map<string, A.Def | A.Region>();
  for (const n of ast.body) {
    if (n.type === 'Def' || n.type === 'Region') {
      bind(n.name);
      defs.set(n.name, n);
    } else if (n.type === 'Set') for (const a of n.assignments) targetNames(a.target).forEach(bind);
    else if (n.type === 'Import' || n.type === 'Capture') bind(n.type === 'Import' ? n.alias : n.name);
    else if (n.type === 'FromImport') n.names.forEach((x) => bind(x.alias));
  }
  for (const name of [...defs.keys()]) if (count.get(name) !== 1) defs.delete(name);
  return defs;
}

/**
 * Annotations a def argument is checked against: not `dict` (an app's interfaces have no index
 * signature, yet a Kida dict parameter takes any object) nor `tuple[…]` (typed as arrays).
 */
function checkableAnnotation(annotation: string | null): boolean {
  return !!annotation && !/\b(dict|tuple)\b/.test(annotation);
}

/** A literal, or a name with attributes and literal keys or indexes: what a def argument check looks at. */
function plainArgument(e: A.Expr): boolean {
  if (e.type === 'Const') return typeof e.value !== 'bigint' && (typeof e.value !== 'number' || Number.isFinite(e.value));
  if (e.type === 'Name') return true;
  if (e.type === 'Attr') return plainArgument(e.obj) && e.obj.type !== 'Const';
  if (e.type === 'Item')
    return plainArgument(e.obj) && e.obj.type !== 'Const' && e.key.type === 'Const' && (typeof e.key.value === 'string' || (typeof e.key.value === 'number' && Number.isInteger(e.key.value) && e.key.value >= 0));
  return false;
}

/** Where an expression starts in the source (an attribute node sits at its dot). */
function exprStart(e: A.Expr): A.Pos {
  return e.type === 'Attr' || e.type === 'Item' ? exprStart(e.obj) : e;
}

/** TS name of a Kida name: prefixed, so no Kida name clashes with a TS keyword, global or helper. */
const v = (name: string) => `k$${name}`;

function withProbes(g: Guard, cond: A.Expr): Guard {
  const p = probedPaths(cond);
  return p.length ? { checked: g.checked, probed: [...g.probed, ...p] } : g;
}

// ------------------------------------------------------------------ --types: running TypeScript

export interface TypeCheckInput {
  /** Absolute path of the template (the shadow module is placed beside it). */
  file: string;
  source: string;
  /** Parse options (template name, delimiters, whitespace control). */
  parseOptions?: LexOptions;
  shadow?: ShadowOptions;
}

export interface TypeCheckOptions {
  /** tsconfig.json to take compiler options from (paths, moduleResolution, lib…); `false`: none. Default: the nearest one above `searchFrom`. */
  tsconfig?: string | false;
  /** Where to look for a tsconfig.json (default: the first template's folder). */
  searchFrom?: string;
  /** Check every template, not only those that declare types. */
  all?: boolean;
  /** Keep the TypeScript project for the next call with the same tsconfig (the language server checks again on every pause). */
  reuse?: boolean;
}

/**
 * The deepest template tree the type check translates: TypeScript's checker recurses through
 * nested calls and overflowed at about 500 levels of this measure (`x ~ x ~ …` 500 times;
 * `x is defined == …` 250 times, 502 levels; 200 times, 402 levels, checked; measured 2026-12-07).
 * The conformance corpus's stress template chains 100 filters (202 levels): 400 leaves it room.
 */
export const MAX_TYPED_DEPTH = 400;

/** How deep a parsed template's nodes nest (iteratively: the tree may be deeper than the stack). */
export function treeDepth(root: object): number {
  let max = 0;
  const todo: [unknown, number][] = [[root, 0]];
  while (todo.length) {
    const [v, d] = todo.pop()!;
    if (!v || typeof v !== 'object') continue;
    const node = typeof (v as { type?: unknown }).type === 'string';
    const at = node ? d + 1 : d;
    if (at > max) max = at;
    for (const c of Array.isArray(v) ? v : Object.values(v)) if (c && typeof c === 'object') todo.push([c, at]);
  }
  return max;
}

/** The shadow modules a template's `{% from "x" import … %}` reaches (those checked in the same run). */
function importedDefs(input: TypeCheckInput, file: string, byName: Map<string, { input: TypeCheckInput; ast: A.TemplateAst }>): ShadowOptions['importedDefs'] {
  const resolveName = templateNameResolver((input.parseOptions ?? {}) as CompileOptions);
  return (name) => {
    let target;
    try {
      target = byName.get(resolveName(name, input.parseOptions?.name ?? null));
    } catch {
      return null; // (a name that resolves nowhere is the plain check's error)
    }
    if (!target) return null;
    let specifier = relative(dirname(file), resolve(target.input.file)).split(sep).join('/') + '.kida-check.js';
    if (!specifier.startsWith('.')) specifier = './' + specifier;
    return { specifier, ast: target.ast };
  };
}

/** Projects kept by `reuse`, by tsconfig path ('' for none): later checks only re-type the changed files. */
const keptProjects = new Map<string, import('ts-morph').Project>();

export interface TypeCheckResult {
  diagnostics: TypeDiagnostic[];
  /** Templates translated and checked. */
  checked: number;
  /** The tsconfig.json whose options were used, if any. */
  tsconfig: string | null;
  /** Def call arguments compared with their parameter's declared type (literals and typed paths). */
  arguments: number;
  /** Translator faults (a shadow module TS could not parse): never reported as findings. */
  internal: { file: string; message: string }[];
}

const PROPERTY_MISSING = new Set([2339, 2551]);
const NOT_SATISFIED = 1360;
const IMPORT_PROBLEMS = new Set([2305, 2306, 2307, 2459, 2460, 2614, 2724, 2792, 2834, 2835, 7016]);

/**
 * `kida check --types`: type-checks template bodies against their declared types with the
 * TypeScript compiler. Loads ts-morph on first use.
 */
export async function checkTypes(inputs: TypeCheckInput[], options: TypeCheckOptions = {}): Promise<TypeCheckResult> {
  const { Project, Node, ts } = await import('ts-morph');
  const result: TypeCheckResult = { diagnostics: [], checked: 0, arguments: 0, tsconfig: null, internal: [] };
  const work: { input: TypeCheckInput; shadow: ShadowModule; path: string }[] = [];
  const parsed: { input: TypeCheckInput; ast: A.TemplateAst }[] = [];
  for (const input of inputs) {
    try {
      parsed.push({ input, ast: parse(input.source, input.parseOptions ?? {}) });
    } catch {
      // syntax errors are the plain check's business
    }
  }
  const checked = (p: (typeof parsed)[number]) => options.all || hasTypes(p.ast) || !!p.input.shadow?.contextTypes;
  // templates by name, for the defs a `{% from … import %}` brings (only those checked here export `$Defs`)
  const byName = new Map<string, (typeof parsed)[number]>();
  for (const p of parsed) if (p.input.parseOptions?.name && checked(p)) byName.set(p.input.parseOptions.name, p);
  for (const { input, ast } of parsed) {
    if (!checked({ input, ast })) continue;
    const file = resolve(input.file);
    // (a template nested deeper than the translator and TypeScript recurse is left unchecked, not
    // the end of the whole check: one hostile or generated file must not cost the others theirs)
    const depth = treeDepth(ast);
    if (depth > MAX_TYPED_DEPTH) {
      result.internal.push({ file, message: `nested ${depth} levels deep (an operator or attribute chain): the type check goes to ${MAX_TYPED_DEPTH}` });
      continue;
    }
    let shadow: ShadowModule;
    try {
      shadow = shadowModule(ast, input.source, { ...input.shadow, importedDefs: importedDefs(input, file, byName) });
    } catch (e) {
      if (!(e instanceof RangeError)) throw e;
      result.internal.push({ file, message: `too deeply nested to translate (${e.message})` });
      continue;
    }
    work.push({ input: { ...input, file }, shadow, path: `${file}.kida-check.ts` });
  }
  if (!work.length) return result;

  const overrides = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    allowJs: true,
    checkJs: false,
    declaration: false,
    declarationMap: false,
    composite: false,
    incremental: false,
    emitDeclarationOnly: false,
    noUnusedLocals: false,
    noUnusedParameters: false,
    allowUnreachableCode: true,
    allowUnusedLabels: true,
    noImplicitReturns: false,
    noPropertyAccessFromIndexSignature: false,
  };
  const config = options.tsconfig === false ? undefined : options.tsconfig ?? ts.findConfigFile(options.searchFrom ?? dirname(work[0]!.input.file), ts.sys.fileExists);
  let project = options.reuse ? keptProjects.get(config ? resolve(config) : '') : undefined;
  if (project) {
    result.tsconfig = config ? resolve(config) : null;
    // (the app's type files may have changed on disk since the last check)
    const last = project.getProgram().compilerObject;
    for (const f of last.getSourceFiles())
      if (!last.isSourceFileDefaultLibrary(f) && !f.fileName.endsWith('.kida-check.ts')) project.getSourceFile(f.fileName)?.refreshFromFileSystemSync();
  } else if (config) {
    try {
      project = new Project({ tsConfigFilePath: resolve(config), skipAddingFilesFromTsConfig: true, compilerOptions: overrides });
    } catch (e) {
      throw new Error(`cannot use ${config}: ${(e as Error).message}`, { cause: e });
    }
    result.tsconfig = resolve(config);
  } else {
    project = new Project({
      compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler, ...overrides },
    });
  }
  if (options.reuse) keptProjects.set(config ? resolve(config) : '', project);
  const files = work.map((w) => project.createSourceFile(w.path, w.shadow.text, { overwrite: true }));
  const program = project.getProgram();
  const raw = program.compilerObject;

  /** Declared only in TypeScript's default library (Date, Map, Promise…)? */
  const fromLib = (t: import('ts-morph').Type): boolean => {
    const sym = t.getSymbol() ?? t.getAliasSymbol();
    const decls = sym?.getDeclarations() ?? [];
    return decls.length > 0 && decls.every((d) => raw.isSourceFileDefaultLibrary(d.getSourceFile().compilerNode));
  };
  /** A user's object type, where a missing property is an error whatever the runtime value? */
  const plainObject = (t: import('ts-morph').Type): boolean =>
    t.isObject() && !t.isArray() && !t.isTuple() && !(t as { isReadonlyArray?: () => boolean }).isReadonlyArray?.() && t.getCallSignatures().length === 0 && !fromLib(t);
  /** An argument type known exactly: no any, union (but boolean), function, or library type but arrays. */
  const exactArgument = (t: import('ts-morph').Type): boolean => {
    if (t.isAny() || t.isUnknown() || (t.isUnion() && !t.isBoolean()) || t.isIntersection()) return false;
    if (t.isArray() || t.isTuple()) return true;
    if (t.isObject()) return t.getCallSignatures().length === 0 && !fromLib(t);
    return true;
  };
  const checkable = (type: import('ts-morph').Type): boolean => {
    if (type.isAny() || type.isUnknown()) return false;
    const t = type.getNonNullableType();
    if (t.isUnion()) return false;
    if (t.isIntersection()) return t.getIntersectionTypes().every(plainObject);
    return plainObject(t);
  };

  work.forEach((w, i) => {
    try {
      checkOne(w, files[i]!);
    } catch (e) {
      if (!(e instanceof RangeError)) throw e;
      // (TypeScript's checker overflowed on this file: the others are still checked; a kept
      // project may hold half-built types, so the next check starts afresh)
      result.internal.push({ file: w.input.file, message: `TypeScript could not check it (${e.message})` });
      keptProjects.delete(config ? resolve(config) : '');
    }
  });
  function checkOne(w: (typeof work)[number], sf: (typeof files)[number]): void {
    result.checked++;
    const syntax = raw.getSyntacticDiagnostics(sf.compilerNode);
    if (syntax.length) {
      result.internal.push({ file: w.input.file, message: ts.flattenDiagnosticMessageText(syntax[0]!.messageText, '\n') });
      return;
    }
    const seen = new Set<string>();
    const push = (d: TypeDiagnostic) => {
      const key = `${d.line}:${d.col}:${d.code}:${d.message}`;
      if (!seen.has(key)) {
        seen.add(key);
        result.diagnostics.push(d);
      }
    };
    const semantic = raw.getSemanticDiagnostics(sf.compilerNode);
    result.arguments += w.shadow.args.length;
    for (const a of w.shadow.args) {
      // (an argument whose type is not exactly known, or that TS accepts, is not reported)
      // (TS 1360 "does not satisfy", at the keyword; tested first: ts-morph wraps every node it is asked for)
      if (!semantic.some((d) => d.code === NOT_SATISFIED && d.start !== undefined && d.start > a.start && d.start < a.start + a.arg!.len)) continue;
      const check = sf.getDescendantAtPos(a.start + 2)?.getFirstAncestor((n) => Node.isSatisfiesExpression(n));
      const value = check && Node.isSatisfiesExpression(check) ? check.getExpression() : undefined;
      if (!value) continue;
      if (!exactArgument(value.getType())) continue;
      const type = value.getType().getText(value, ts.TypeFormatFlags.NoTruncation | ts.TypeFormatFlags.UseAliasDefinedOutsideCurrentScope).replace(/\bk\$/g, '');
      const { def, param, annotation } = a.arg!;
      push({ file: w.input.file, line: a.line, col: a.col, code: 'K-TYP-006', message: `Argument of type '${type}' is not assignable to parameter '${param}' of type '${annotation}' in ${def}()` });
    }
    for (const d of semantic) {
      if (d.start === undefined || d.category !== ts.DiagnosticCategory.Error) continue;
      const message = ts.flattenDiagnosticMessageText(d.messageText, ' ').replace(/\bk\$/g, '');
      const imp = w.shadow.imports.find((x) => d.start! >= x.start && d.start! < x.end);
      if (imp) {
        if (IMPORT_PROBLEMS.has(d.code)) push({ file: w.input.file, line: imp.line, col: imp.col, code: 'K-TYP-005', message });
        continue;
      }
      const mark = w.shadow.marks.get(d.start);
      if (!mark || !PROPERTY_MISSING.has(d.code) || DICT_METHODS.has(mark.name)) continue;
      const node = sf.getDescendantAtPos(d.start);
      const access = node?.getParent();
      if (!access || !Node.isPropertyAccessExpression(access) || access.getNameNode() !== node) continue;
      if (!checkable(access.getExpression().getType())) continue;
      push({ file: w.input.file, line: mark.line, col: mark.col, code: 'K-TYP-004', message });
    }
  }
  result.diagnostics.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || a.col - b.col));
  return result;
}
