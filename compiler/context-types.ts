// What a caller must pass to render a template, across the templates it renders with: the
// context of a full render is the union of the names read by the template, the layouts it
// extends, the partials it includes or embeds and the templates it imports `with context`
// (and the defs it calls); the context of `renderBlock(name)` is what that block (its nested
// blocks, includes and called defs) and the inheritance chain's prelude read. `{% template %}`
// declarations anywhere in that graph type the names. The compiler compiles one file at a
// time, so the other templates come from `bodyOf` (the loader or the project root).
//
// A name is optional when every read of it is guarded (`default`, `??`, `is defined`) or the
// app's globals provide it. A context is *open* (the declaration adds an index signature) when
// part of the graph cannot be known: a template named by an expression, or one whose source
// the compiler cannot read; then a typo of an optional name passes, but required names and
// declared types still hold (docs/decisions.md, "Types across templates").

import type * as A from './ast.js';
import { walk } from './codegen.js';
import { guardedRead, patternNames, targetNames } from './analysis.js';
import { GLOBAL_NAMES } from '../runtime/signatures.js';

/** One context key: optional or not, and the TypeScript types declared for it (intersected). */
export interface Field {
  optional: boolean;
  types: Set<string>;
}
export interface Shape {
  fields: Map<string, Field>;
  /** Declared names (`{% template %}`) of the templates taking part, with their types. */
  declared: Map<string, Set<string>>;
  open: boolean;
  /** Does a template taking part await (`render()` cannot render it)? */
  isAsync: boolean;
}

export interface GraphOptions {
  /** Top-level statements of a template by resolved name (null: missing or unparsable). */
  bodyOf: (name: string) => A.Node[] | null;
  /** Resolves a literal reference made in template `from`. */
  resolve: (name: string, from: string) => string;
  /** A `{% template %}` or parameter annotation of template `owner`, as TypeScript. */
  typeOf: (annotation: string, owner: string) => string;
  /** Names the app's globals provide: optional keys. */
  globals?: ReadonlySet<string>;
}

const BUILTINS = new Set([...GLOBAL_NAMES, 'loop', 'caller', 'has_slot', 'it', 'consume', 'true', 'false', 'none', 'True', 'False', 'None']);

interface Ref {
  kind: 'include' | 'embed' | 'import';
  /** Resolved name; null when named by an expression. */
  target: string | null;
  ignoreMissing: boolean;
  /** embed: the blocks it overrides. */
  overrides: string[];
  /** import with context: alias → imported def name (`*`: the whole namespace). */
  aliases: Map<string, string>;
}
/** Reads of one stretch of template that runs in one scope (a body, a block, a def). */
interface Unit {
  reads: Map<string, boolean>; // name → every read guarded
  bound: Set<string>;
  blocks: string[]; // blocks placed here (rendered by a full render)
  refs: Ref[];
}
interface Summary {
  name: string;
  extends: string | null | undefined; // undefined: none; null: named by an expression
  top: Unit;
  prelude: Unit;
  blocks: Map<string, Unit>;
  callables: Map<string, Unit>;
  regions: Map<string, A.Param[]>;
  topBound: Set<string>;
  declared: Map<string, string>;
  isAsync: boolean;
}
interface Env {
  chain: Summary[];
  /** The most derived body of each block (null: overridden by an embed). */
  blocks: Map<string, Unit | null>;
  /** Top-level defs and regions along the chain (the most derived wins). */
  callables: Map<string, Unit>;
  /** Top-level imports `with context` along the chain, by alias. */
  imports: Map<string, Ref>;
  bound: Set<string>;
  open: boolean;
}

const emptyShape = (): Shape => ({ fields: new Map(), declared: new Map(), open: false, isAsync: false });

function merge(to: Shape, from: Shape, without?: (n: string) => boolean): void {
  for (const [n, f] of from.fields) if (!without?.(n)) addField(to, n, f.optional, f.types);
  for (const [n, t] of from.declared) if (!without?.(n)) for (const x of t) addTo(to.declared, n, x);
  to.open ||= from.open;
  to.isAsync ||= from.isAsync;
}
function addField(s: Shape, name: string, optional: boolean, types: Iterable<string> = []): void {
  const f = s.fields.get(name);
  if (f) {
    f.optional &&= optional;
    for (const t of types) f.types.add(t);
  } else s.fields.set(name, { optional, types: new Set(types) });
}
function addTo(m: Map<string, Set<string>>, k: string, v: string): void {
  (m.get(k) ?? m.set(k, new Set()).get(k)!).add(v);
}

const literal = (e: A.Expr): string | null => (e.type === 'Const' && typeof e.value === 'string' ? e.value : null);

export class ContextGraph {
  private summaries = new Map<string, Summary | null>();
  private rendered = new Map<string, Shape>();
  private envs = new Map<string, Env>();
  /** Shapes of units by chain: a def called from many places is walked once. */
  private shapes = new WeakMap<Env, Map<Unit, Shape>>();
  private active = new Set<unknown>();
  /** How many times a cycle was cut: a result computed while one was is incomplete, not kept. */
  private cuts = 0;

  constructor(private readonly o: GraphOptions) {}

  /** The context of a full render of `name` (given its body when it is the template being compiled). */
  render(name: string, body?: A.Node[]): Shape {
    const s = this.summary(name, body);
    return s ? this.renderOf(s, []) : { ...emptyShape(), open: true };
  }

  /** Every name `renderBlock` takes (blocks and regions along the chain), with its context. */
  blocks(name: string, body?: A.Node[]): Map<string, Shape> {
    const out = new Map<string, Shape>();
    const s = this.summary(name, body);
    if (!s) return out;
    const env = this.env(s, []);
    const prelude = emptyShape();
    for (const t of env.chain) merge(prelude, this.unitShape(t.prelude, env));
    prelude.open ||= env.open;
    for (const [b, e] of env.blocks) {
      const shape = emptyShape();
      merge(shape, prelude);
      if (e) merge(shape, this.unitShape(e, env));
      out.set(b, shape);
    }
    // regions: their parameters come from the context (defaults otherwise)
    for (const t of [...env.chain].reverse())
      for (const [r, params] of t.regions) {
        const shape = emptyShape();
        merge(shape, prelude);
        merge(shape, this.unitShape(env.callables.get(r) ?? t.callables.get(r)!, env));
        for (const p of params) addField(shape, p.name, p.default !== null, p.annotation ? [this.o.typeOf(p.annotation, t.name)] : []);
        out.set(r, shape);
      }
    return out;
  }

  private summary(name: string, body?: A.Node[]): Summary | null {
    if (!this.summaries.has(name)) {
      const b = body ?? this.o.bodyOf(name);
      this.summaries.set(name, b ? this.summarize(name, b) : null);
    }
    return this.summaries.get(name)!;
  }

  private renderOf(s: Summary, overrides: string[]): Shape {
    const key = s.name + '\0' + overrides.join('\0');
    const done = this.rendered.get(key);
    if (done) return done;
    if (this.active.has(key)) {
      this.cuts++;
      return emptyShape(); // a cycle: its names are counted where it started
    }
    const cuts = this.cuts;
    this.active.add(key);
    const env = this.env(s, overrides);
    const shape = emptyShape();
    shape.open = env.open;
    for (const t of env.chain) merge(shape, this.unitShape(t.top, env));
    this.active.delete(key);
    if (cuts === this.cuts) this.rendered.set(key, shape);
    return shape;
  }

  private env(s: Summary, overrides: string[]): Env {
    const key = s.name + '\0' + overrides.join('\0');
    let env = this.envs.get(key);
    if (!env) this.envs.set(key, (env = this.makeEnv(s, overrides)));
    return env;
  }

  private makeEnv(s: Summary, overrides: string[]): Env {
    const chain: Summary[] = [];
    let open = false;
    for (let t: Summary | null = s; t && !chain.includes(t); ) {
      chain.push(t);
      if (t.extends === undefined) break;
      if (t.extends === null) {
        open = true;
        break;
      }
      const next = this.summary(t.extends);
      if (!next) open = true;
      t = next;
    }
    const env: Env = { chain, blocks: new Map(), callables: new Map(), imports: new Map(), bound: new Set(), open };
    for (const t of [...chain].reverse()) {
      for (const [b, unit] of t.blocks) env.blocks.set(b, unit);
      for (const [c, unit] of t.callables) env.callables.set(c, unit);
      for (const n of t.topBound) env.bound.add(n);
      for (const r of t.top.refs) for (const a of r.aliases.keys()) env.imports.set(a, r);
    }
    for (const b of overrides) env.blocks.set(b, null);
    return env;
  }

  /** The context one unit needs, in the scope of its template chain. */
  private unitShape(u: Unit, env: Env): Shape {
    const known = this.shapes.get(env)?.get(u);
    if (known) return known;
    const shape = emptyShape();
    if (this.active.has(u)) {
      this.cuts++;
      return shape;
    }
    const cuts = this.cuts;
    this.active.add(u);
    for (const t of env.chain) {
      shape.isAsync ||= t.isAsync;
      for (const [n, ty] of t.declared) addTo(shape.declared, n, ty);
    }
    const local = (n: string) => u.bound.has(n) || env.bound.has(n) || BUILTINS.has(n);
    const imported = new Map(env.imports);
    for (const r of u.refs) for (const a of r.aliases.keys()) imported.set(a, r);
    for (const [n, guarded] of u.reads) {
      const def = env.callables.get(n);
      if (def && !u.bound.has(n)) merge(shape, this.unitShape(def, env));
      const ref = u.bound.has(n) && !u.refs.some((r) => r.aliases.has(n)) ? undefined : imported.get(n);
      if (ref) merge(shape, this.importedDefs(ref, ref.aliases.get(n)!));
      if (!local(n)) addField(shape, n, guarded || (this.o.globals?.has(n) ?? false));
    }
    for (const b of u.blocks) {
      const body = env.blocks.get(b);
      if (body) merge(shape, this.unitShape(body, env));
    }
    for (const r of u.refs) {
      if (r.target === null) {
        shape.open = true;
        continue;
      }
      const t = this.summary(r.target);
      if (!t) {
        shape.open ||= !r.ignoreMissing;
        continue;
      }
      // (an included template sees the includer's context and the names bound around it)
      if (r.kind === 'import') merge(shape, this.unitShape(t.top, this.env(t, [])), local);
      else merge(shape, this.renderOf(t, r.overrides), local);
    }
    this.active.delete(u);
    if (cuts === this.cuts) (this.shapes.get(env) ?? this.shapes.set(env, new Map()).get(env)!).set(u, shape);
    return shape;
  }

  /** What calling defs imported `with context` reads (`*`: any def of the namespace). */
  private importedDefs(r: Ref, name: string): Shape {
    const shape = emptyShape();
    const t = r.target === null ? null : this.summary(r.target);
    if (!t) return shape;
    const env = this.env(t, []);
    for (const [n, unit] of t.callables) if (name === '*' || n === name) merge(shape, this.unitShape(unit, env));
    return shape;
  }

  private summarize(name: string, body: A.Node[]): Summary {
    const ext = body.find((n): n is A.Extends => n.type === 'Extends');
    const s: Summary = {
      name,
      extends: ext ? this.target(ext.template, name) : undefined,
      top: null!,
      prelude: null!,
      blocks: new Map(),
      callables: new Map(),
      regions: new Map(),
      topBound: new Set(),
      declared: new Map(),
      isAsync: false,
    };
    // In a child only imports, assignments, defs and regions run outside its blocks.
    const runs = (n: A.Node) => !ext || ['Import', 'FromImport', 'Set', 'Globals'].includes(n.type);
    const topNodes = body.filter((n) => n.type !== 'Def' && n.type !== 'Region' && n.type !== 'TemplateDecl' && runs(n));
    s.top = this.unit(topNodes, name);
    s.prelude = this.unit(body.filter((n) => n.type === 'Import' || n.type === 'FromImport' || n.type === 'Globals' || (n.type === 'Set' && n.kind === 'let')), name);
    for (const n of body) {
      if (n.type === 'Def' || n.type === 'Region') {
        s.topBound.add(n.name);
        const params = [...n.params.map((p) => p.name), ...(n.type === 'Def' ? [n.vararg, n.kwarg] : [])].filter((p): p is string => !!p);
        s.callables.set(n.name, this.unit([...n.params.flatMap((p) => (p.default ? [{ type: 'Output', expr: p.default, line: 0, col: 0 } as A.Output] : [])), ...n.body], name, params));
        if (n.type === 'Region') s.regions.set(n.name, n.params);
      } else if (n.type === 'TemplateDecl') for (const d of n.decls) s.declared.set(d.name, this.o.typeOf(d.annotation, name));
      else if (n.type === 'Set') for (const a of n.assignments) for (const x of targetNames(a.target)) s.topBound.add(x);
      else if (n.type === 'Import') s.topBound.add(n.alias);
      else if (n.type === 'FromImport') for (const x of n.names) s.topBound.add(x.alias);
      else if (n.type === 'Capture') s.topBound.add(n.name);
      else if (n.type === 'Globals') for (const x of this.unit(n.body, name).bound) s.topBound.add(x);
    }
    walk(body, (n) => {
      if (n.type === 'Await' || (n.type === 'For' && (n as unknown as A.For).isAsync)) s.isAsync = true;
      if (n.type === 'Block') s.blocks.set((n as unknown as A.Block).name, this.unit((n as unknown as A.Block).body, name));
      return n.type !== 'Embed';
    });
    return s;
  }

  /** The resolved name of a literal reference (null: named by an expression, or unresolvable). */
  private target(e: A.Expr, from: string): string | null {
    const lit = literal(e);
    try {
      return lit === null ? null : this.o.resolve(lit, from);
    } catch {
      return null; // (an unknown @alias: the template's own compile reports it)
    }
  }

  /** Reads, bindings, placed blocks and template references of statements run in one scope. */
  private unit(nodes: A.Node[], from: string, params: string[] = []): Unit {
    const u: Unit = { reads: new Map(), bound: new Set(params), blocks: [], refs: [] };
    // names tested `is defined` by the `if` branches around: reads in the branch are guarded too
    const defined: string[] = [];
    const read = (name: string, guarded: boolean) => u.reads.set(name, (u.reads.get(name) ?? true) && (guarded || defined.includes(name)));
    const bind = (t: A.Target) => void targetNames(t).forEach((x) => u.bound.add(x));
    const target = (e: A.Expr) => this.target(e, from);
    const ref = (kind: Ref['kind'], t: A.Expr, extra: Partial<Ref> = {}) =>
      u.refs.push({ kind, target: target(t), ignoreMissing: false, overrides: [], aliases: new Map(), ...extra });
    const visit = (x: unknown, guarded: boolean): void =>
      walk(x, (n) => {
        const node = n as unknown as A.Node | A.Expr;
        if (guardedRead(node, guarded, read, visit)) return false;
        switch (node.type) {
          case 'Block':
            // a block body is its own unit (it may be overridden); here it is only placed
            if (!node.fragment) u.blocks.push(node.name);
            if (node.cond) visit(node.cond, guarded);
            return false;
          case 'Include':
            if (node.withContext) ref('include', node.template, { ignoreMissing: node.ignoreMissing });
            visit(node.template, guarded);
            return false;
          case 'Embed':
            ref('embed', node.template, { overrides: node.blocks.map((b) => b.name) });
            visit([node.template, node.blocks.map((b) => b.body)], guarded);
            return false;
          case 'Import':
          case 'FromImport': {
            const aliases = new Map(node.type === 'Import' ? [[node.alias, '*']] : node.names.map((x) => [x.alias, x.name]));
            for (const a of aliases.keys()) u.bound.add(a);
            if (node.withContext) ref('import', node.template, { aliases });
            visit(node.template, guarded);
            return false;
          }
          case 'If':
            for (const b of node.branches) {
              visit(b.cond, guarded);
              const names = definedIn(b.cond);
              defined.push(...names);
              visit(b.body, guarded);
              defined.length -= names.length;
            }
            visit(node.else_, guarded);
            return false;
          case 'Extends':
          case 'TemplateDecl':
            return false;
          case 'Set':
            for (const a of node.assignments) bind(a.target);
            return true;
          case 'For':
          case 'ListComp':
            bind(node.target);
            return true;
          case 'WithIf':
            node.targets.forEach(bind);
            if (!node.targets.length) u.bound.add('it');
            return true;
          case 'With':
          case 'Slot':
            for (const b of node.bindings) u.bound.add(b.name);
            return true;
          case 'Match':
            for (const c of node.cases) for (const x of patternNames(c.pattern)) u.bound.add(x);
            return true;
          case 'Def':
          case 'Region':
            u.bound.add(node.name);
            for (const p of node.params) u.bound.add(p.name);
            if (node.type === 'Def') for (const p of [node.vararg, node.kwarg]) if (p) u.bound.add(p);
            return true;
          case 'Capture':
            u.bound.add(node.name);
            return true;
          case 'Try':
            if (node.errName) u.bound.add(node.errName);
            return true;
          case 'CallBlock':
            for (const s of node.slots) s.params.forEach((p) => u.bound.add(p));
            return true;
          default:
            return true;
        }
      });
    visit(nodes, false);
    return u;
  }
}

/** Names a condition tests `is defined` (alone or joined by `and`). */
function definedIn(e: A.Expr): string[] {
  if (e.type === 'Test' && e.name === 'defined' && !e.negated && e.value.type === 'Name') return [e.value.name];
  if (e.type === 'BoolOp' && e.op === 'and') return [...definedIn(e.left), ...definedIn(e.right)];
  return [];
}

