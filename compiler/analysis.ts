// Static analysis behind the introspection API (`blockMetadata()`, `templateMetadata()`,
// `isCacheable()`): for every block and region, the context paths it reads, whether its
// output is deterministic, the HTML landmarks it writes, a guessed role, a cache scope and
// a structural hash. Computed once at compile time; the module carries the result as a
// compact JSON object (see `CompactBlock`), which the runtime expands.
//
// The rules follow the reference's block analyzer (dependency walker, purity lattice,
// landmark scan, role heuristic, cache-scope inference); where the port resolves more than
// the reference can (top-level lets, local and imported defs, included templates), the
// choices are listed in docs/decisions.md ("Introspection").

import type * as A from './ast.js';
import type { CompactBlock } from '../runtime/template.js';

export type { CompactBlock };

export type Purity = 'pure' | 'impure' | 'unknown';
export type Role = 'navigation' | 'content' | 'sidebar' | 'header' | 'footer' | 'unknown';

export interface AnalysisOptions {
  /** The template's own name (for resolving `./x` references of the templates it loads). */
  name: string;
  /** User filters: their purity is unknown, even when they shadow a built-in name. */
  customFilters: ReadonlySet<string>;
  /** Resolves a literal template reference made by template `from`. */
  resolve: (name: string, from: string) => string;
  /** Top-level statements of another template (null: missing or unparsable; absent: unknown). */
  bodyOf?: (name: string) => A.Node[] | null;
  /** The template's source (block hashes are hashes of the blocks' source text). */
  source: string;
}

// ------------------------------------------------------------------ rule tables

/** Filters whose result depends only on their input (the reference's list, plus the port's other
 * built-in formatters and the markdown-mode filters). */
const PURE_FILTERS = new Set(
  (
    'upper lower title capitalize swapcase trim strip lstrip rstrip escape e forceescape default d int float string str ' +
    'bool length count first last join center ljust rjust truncate wordwrap indent urlencode date slug pluralize replace ' +
    'striptags urlize wordcount sort reverse unique batch slice list map select reject selectattr rejectattr groupby ' +
    'pprint tojson safe abs round sum min max filesizeformat format basename dirname splitext take skip where sort_by ' +
    'dateformat date_iso absolute_url relative_url meta_keywords jsonify markdownify slugify plainify humanize titlecase ' +
    'words xmlattr dictsort compact attr get classes decimal format_number commas typeof require ' +
    'badge bold code codeblock details h1 h2 h3 h4 italic link strike table'
  ).split(' '),
);
/** Filters whose result differs between renders of the same context. */
const IMPURE_FILTERS = new Set(['random', 'shuffle', 'csp_nonce']);
/** Globals that are functions of their arguments only (the reference's list). */
const PURE_FUNCTIONS = new Set(
  (
    'len str int float bool list dict set tuple frozenset min max sum abs round pow sorted reversed enumerate zip map ' +
    'filter any all range hasattr getattr isinstance type ord chr hex oct bin repr hash ' +
    // in a def: the slot content is analysed where it is written (the `{% call %}` body)
    'caller has_slot ' +
    // translations are installed per environment, not per render
    '_ _n'
  ).split(' '),
);
/** Globals that read per-request render metadata: two renders of one context may differ. */
const IMPURE_FUNCTIONS = new Set(['hx_request', 'hx_target', 'hx_trigger', 'hx_boosted', 'csrf_token', 'csp_nonce']);
/** Names that are never context dependencies. */
const BUILTIN_NAMES = new Set([
  ...PURE_FUNCTIONS,
  ...IMPURE_FUNCTIONS,
  'loop',
  'caller',
  'has_slot',
  'consume',
  'true',
  'false',
  'none',
  'True',
  'False',
  'None',
]);
/** Variable prefixes of per-page data (the reference's defaults): a pure block reading them caches per page. */
const PAGE_ROOTS = new Set(['page', 'post', 'item', 'doc', 'entry']);
/** An opening tag of an HTML landmark (`<nav`, `< Main`, not `<navbar`): the tag name in group 1. */
const LANDMARK_TAG = /<\s*(nav|main|header|footer|aside|article|section)\b/gi;
/** Does a text hold one? (most texts hold none: one test, no match objects) */
const HAS_LANDMARK = /<\s*(?:nav|main|header|footer|aside|article|section)\b/i;
const NON_SPACE = /\S/;
/** Statements that write output besides text and `{{ }}`. */
const EMITTING = new Set(['Output', 'Include', 'Embed', 'CallBlock', 'Trans', 'Yield', 'Slot', 'Stack']);

const worse = (a: Purity, b: Purity): Purity => (a === 'impure' || b === 'impure' ? 'impure' : a === 'unknown' || b === 'unknown' ? 'unknown' : 'pure');

/** Cache scope from purity and dependencies (the reference's inference with its default prefixes). */
export function cacheScope(purity: Purity, deps: Iterable<string>): 'none' | 'page' | 'site' | 'unknown' {
  if (purity !== 'pure') return purity === 'impure' ? 'none' : 'unknown';
  for (const d of deps) {
    const dot = d.indexOf('.');
    if (PAGE_ROOTS.has(dot < 0 ? d : d.slice(0, dot))) return 'page';
  }
  return 'site';
}

/** The reference's role heuristic: landmarks first, then the block name. */
export function inferRole(name: string, landmarks: ReadonlySet<string>): Role {
  if (landmarks.has('nav') && landmarks.size === 1) return 'navigation';
  if (landmarks.has('main')) return 'content';
  if (landmarks.has('aside')) return 'sidebar';
  if (landmarks.has('header')) return 'header';
  if (landmarks.has('footer')) return 'footer';
  const n = name.toLowerCase();
  if (['nav', 'navigation', 'menu', 'navbar', 'topnav', 'sidenav'].includes(n)) return 'navigation';
  if (['content', 'main', 'body', 'article', 'post', 'entry'].includes(n)) return 'content';
  if (['sidebar', 'aside', 'toc', 'left', 'right'].includes(n)) return 'sidebar';
  if (['header', 'head', 'masthead', 'banner', 'hero'].includes(n)) return 'header';
  if (['footer', 'foot', 'colophon', 'bottom'].includes(n)) return 'footer';
  return 'unknown';
}

// ------------------------------------------------------------------ the walk

interface Summary {
  purity: Purity;
  deps: Set<string>;
}
type Callee = A.Def | A.Region;
/** What a name bound by an import refers to: a namespace (`import x as ns`) or one member. */
interface ImportRef {
  template: string | null;
  member: string | null;
  withContext: boolean;
}
/** A template the analysis reads: the one compiled, or one it includes, embeds or imports from. */
interface Tpl {
  name: string;
  body: A.Node[];
  lets: Map<string, A.Expr[]>;
  defs: Map<string, Callee>;
  imports: Map<string, ImportRef>;
  summaries: Map<string, Summary>;
  /** Keys of the summaries whose computation has ended. */
  finished: Set<string>;
}

export function targetNames(t: A.Target, out: string[] = []): string[] {
  if (t.type === 'NameTarget') out.push(t.name);
  else for (const x of t.items) targetNames(x, out);
  return out;
}

export function patternNames(p: A.Pattern, out: string[] = []): string[] {
  if (p.kind === 'capture') out.push(p.name);
  else if (p.kind === 'tuple') for (const x of p.items) patternNames(x, out);
  return out;
}

/**
 * For a walk that collects the names a template reads: how guards make a read optional. The value
 * tested by `is defined`/`is undefined`, filtered by `| default(...)`/`| d(...)` or left of `??` is
 * read guarded; everything else in those nodes as the walk found it. Returns true when it handled
 * `node` (the walk must not descend into it), false when the caller goes on with it.
 */
export function guardedRead(
  node: A.Node | A.Expr,
  guarded: boolean,
  read: (name: string, guarded: boolean) => void,
  visit: (x: unknown, guarded: boolean) => void,
): boolean {
  switch (node.type) {
    case 'Name':
      read(node.name, guarded);
      return true;
    case 'Test':
      if (node.name !== 'defined' && node.name !== 'undefined') return false;
      visit(node.value, true);
      visit([node.args, node.kwargs], guarded);
      return true;
    case 'Filter':
      if ((node.name !== 'default' && node.name !== 'd') || node.op !== '|') return false;
      visit(node.value, true);
      visit([node.args, node.kwargs], guarded);
      return true;
    case 'NullCoalesce':
      visit(node.left, true);
      visit(node.right, guarded);
      return true;
    default:
      return false;
  }
}

/** The dotted path of `a.b["c"]` (null when a part is computed). */
function staticPath(e: A.Expr): { root: string; path: string } | null {
  if (e.type === 'Name') return { root: e.name, path: e.name };
  if (e.type === 'Attr') {
    const p = staticPath(e.obj);
    return p && { root: p.root, path: `${p.path}.${e.name}` };
  }
  if (e.type === 'Item' && e.key.type === 'Const' && typeof e.key.value === 'string') {
    const p = staticPath(e.obj);
    return p && { root: p.root, path: `${p.path}.${e.key.value}` };
  }
  return null;
}

class Analyzer {
  private tpls = new Map<string, Tpl | null>();

  /** How many summaries are being computed (nested). */
  private busy = 0;
  /**
   * What each summary computed so far took in from another (`merge`): a summary that reached a
   * def still being analysed (recursion) saw only part of it, so when the outermost computation
   * ends these are replayed until nothing changes.
   */
  private flows: [to: Summary, from: Summary, keep: (dep: string) => boolean][] = [];

  /** Offsets of the source's line starts (for block hashes), computed on first use. */
  private lineStarts: number[] | undefined;

  constructor(readonly o: AnalysisOptions) {}

  /** A hash of a block's source, from its keyword to its end tag's: stable across builds, the same wherever the block sits. */
  private blockHash(node: A.Block | A.Region): string {
    const src = this.o.source;
    let starts = this.lineStarts;
    if (!starts) {
      starts = [0];
      for (let i = src.indexOf('\n'); i >= 0; i = src.indexOf('\n', i + 1)) starts.push(i + 1);
      this.lineStarts = starts;
    }
    return hash64(src.slice(starts[node.line - 1]! + node.col, starts[node.endLine - 1]! + node.endCol));
  }

  template(name: string, body: A.Node[]): Tpl {
    const t: Tpl = { name, body, lets: new Map(), defs: new Map(), imports: new Map(), summaries: new Map(), finished: new Set() };
    const top = (nodes: A.Node[]): void => {
      for (const n of nodes) {
        if (n.type === 'Set') for (const a of n.assignments) for (const v of targetNames(a.target)) t.lets.set(v, [...(t.lets.get(v) ?? []), a.value]);
        else if (n.type === 'Def' || n.type === 'Region') t.defs.set(n.name, n);
        else if (n.type === 'Import') t.imports.set(n.alias, { template: this.ref(n.template, name), member: null, withContext: n.withContext });
        else if (n.type === 'FromImport')
          for (const x of n.names) t.imports.set(x.alias, { template: this.ref(n.template, name), member: x.name, withContext: n.withContext });
        else if (n.type === 'Globals') top(n.body);
      }
    };
    top(body);
    this.tpls.set(name, t);
    return t;
  }

  private ref(e: A.Expr, from: string): string | null {
    return e.type === 'Const' && typeof e.value === 'string' ? this.o.resolve(e.value, from) : null;
  }

  /** Another template, parsed on demand (null: cannot be analysed). */
  private load(name: string | null): Tpl | null {
    if (name === null || !this.o.bodyOf) return null;
    if (!this.tpls.has(name)) {
      this.tpls.set(name, null); // (while loading: a cycle reads as unknown)
      const body = this.o.bodyOf(name);
      if (body) this.template(name, body);
    }
    return this.tpls.get(name) ?? null;
  }

  /**
   * Memoised summaries, filled in place by `fill`. A request for a summary still being
   * computed (recursion) gets the unfinished object, flagged `partial`.
   */
  private memo(t: Tpl, key: string, fill: (w: Walk) => void): { s: Summary; partial: boolean } {
    const known = t.summaries.get(key);
    if (known) return { s: known, partial: !t.finished.has(key) };
    const s: Summary = { purity: 'pure', deps: new Set() };
    t.summaries.set(key, s);
    this.busy++;
    try {
      fill(new Walk(this, t, s));
    } finally {
      this.busy--;
    }
    t.finished.add(key);
    if (!this.busy) this.settle();
    return { s, partial: false };
  }

  /** Records (and applies) that summary `to` includes `from`. */
  flow(to: Summary, from: Summary, keep: (dep: string) => boolean): void {
    if (this.busy) this.flows.push([to, from, keep]);
    apply(to, from, keep);
  }

  /** Replays the recorded flows until nothing changes: recursive defs now see each other whole. */
  private settle(): void {
    for (let changed = true; changed; ) {
      changed = false;
      for (const [to, from, keep] of this.flows) if (apply(to, from, keep)) changed = true;
    }
    this.flows = [];
  }

  /** What reading a template-level variable depends on: the values assigned to it. */
  letSummary(t: Tpl, name: string): { s: Summary; partial: boolean } {
    return this.memo(t, `let:${name}`, (w) => w.exprs(t.lets.get(name)!));
  }

  /** What calling a def or region does: its body with the parameters bound. */
  calleeSummary(t: Tpl, d: Callee): Summary {
    return this.memo(t, `def:${d.name}`, (w) => {
      for (const p of d.params) if (p.default) w.expr(p.default);
      const names = d.params.map((p) => p.name);
      if (d.type === 'Def') names.push(...[d.vararg, d.kwarg].filter((x): x is string => !!x));
      w.scoped(names, () => w.nodes(d.body));
    }).s;
  }

  /** A whole template as `{% include %}` renders it (null: unknown, e.g. a circular include). */
  includeSummary(name: string | null): Summary | null {
    const t = this.load(name);
    if (!t) return null;
    const r = this.memo(t, 'render', (w) => w.render(t.body));
    return r.partial ? null : r.s;
  }

  /**
   * A name bound by an import: the imported def (or namespace member) it stands for, and
   * whether its reads are the caller's (imported with context).
   */
  importSummary(ref: ImportRef, member: string | null): [Summary, boolean] | null {
    const name = ref.member ?? member;
    const t = this.load(ref.template);
    if (!t || name === null) return null;
    let r: [Summary, boolean] | null = null;
    const d = t.defs.get(name);
    if (d) r = [this.calleeSummary(t, d), true];
    else if (t.lets.has(name)) r = [this.letSummary(t, name).s, true];
    else if (t.imports.has(name)) r = this.importSummary(t.imports.get(name)!, null);
    // without context an imported def sees its own module and the globals, not the caller's data
    return r && [r[0], r[1] && ref.withContext];
  }

  /** Per-block metadata. */
  block(t: Tpl, node: A.Block | A.Region): CompactBlock {
    const w = new Walk(this, t, { purity: 'pure', deps: new Set() });
    if (node.type === 'Region') {
      for (const p of node.params) if (p.default) w.expr(p.default);
      w.scoped(
        node.params.map((p) => p.name),
        () => w.nodes(node.body),
      );
      for (const p of node.params) w.deps.add(p.name); // the region's explicit contract (as the reference)
    } else w.nodes(node.body);
    const { purity, deps } = w.done();
    const landmarks = new Set<string>();
    let emits = false;
    walkNodes(node.body, (n) => {
      if (n.type === 'Data') {
        if (!emits && NON_SPACE.test(n.text)) emits = true;
        if (HAS_LANDMARK.test(n.text)) for (const m of n.text.matchAll(LANDMARK_TAG)) landmarks.add(m[1]!.toLowerCase());
      } else if (EMITTING.has(n.type)) emits = true;
    });
    const role = inferRole(node.name, landmarks);
    const out: CompactBlock = { h: this.blockHash(node) };
    if (node.type === 'Region') out.r = node.params.map((p) => p.name);
    else {
      if (Object.keys(node.modifiers).length) out.m = node.modifiers;
      if (node.fragment) out.f = 1;
    }
    const sorted = [...deps].sort();
    if (sorted.length) out.d = sorted;
    const scope = cacheScope(purity, sorted);
    if (scope !== 'site') out.c = scope;
    if (!emits) out.e = 0;
    if (landmarks.size) out.l = [...landmarks].sort();
    if (role !== 'unknown') out.o = role;
    return out;
  }

  /** Context paths read outside blocks: top-level code, a dynamic extends, def and region bodies. */
  topLevel(t: Tpl): string[] {
    const w = new Walk(this, t, { purity: 'pure', deps: new Set() });
    w.render(t.body, false);
    const deps = w.done().deps;
    for (const d of t.defs.values()) for (const p of this.calleeSummary(t, d).deps) deps.add(p);
    return [...deps].sort();
  }
}

/** Adds `from` to `to`; did `to` change? */
function apply(to: Summary, from: Summary, keep: (dep: string) => boolean): boolean {
  let changed = false;
  const p = worse(to.purity, from.purity);
  if (p !== to.purity) [to.purity, changed] = [p, true];
  for (const d of from.deps)
    if (!to.deps.has(d) && keep(d)) {
      to.deps.add(d);
      changed = true;
    }
  return changed;
}

/** Visits every statement node (descending into statement bodies, not expressions). */
function walkNodes(nodes: A.Node[] | null, f: (n: A.Node) => void): void {
  if (!nodes) return;
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i]!;
    f(n);
    switch (n.type) {
      case 'If':
        for (const b of n.branches) walkNodes(b.body, f);
        walkNodes(n.else_, f);
        break;
      case 'For':
      case 'WithIf':
        walkNodes(n.body, f);
        walkNodes(n.else_, f);
        break;
      case 'Match':
        for (const c of n.cases) walkNodes(c.body, f);
        break;
      case 'CallBlock':
        for (const s of n.slots) walkNodes(s.body, f);
        break;
      case 'Slot':
        walkNodes(n.body, f);
        break;
      case 'Embed':
        walkNodes(n.blocks, f);
        break;
      case 'Try':
        walkNodes(n.body, f);
        walkNodes(n.fallback, f);
        break;
      default:
        if ('body' in n && Array.isArray(n.body)) walkNodes(n.body as A.Node[], f);
    }
  }
}

/**
 * A 64-bit non-cryptographic hash of a text, 16 hex digits: two multiply-xor lanes over its UTF-16
 * units, then mixed. (One loop over the text: in a build's cold compiles, hashing a block's source
 * costs a fraction of walking its syntax tree.)
 */
function hash64(s: string): string {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  const m1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  const m2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(m1 ^ (m1 >>> 13), 3266489909);
  return (m2 >>> 0).toString(16).padStart(8, '0') + (m1 >>> 0).toString(16).padStart(8, '0');
}

/** One pass over statements or expressions, collecting dependencies and the worst purity. */
class Walk {
  /** Local names, innermost last; a name bound by an import maps to what it imports. */
  private frames: Map<string, ImportRef | null>[] = [new Map()];

  constructor(
    private readonly a: Analyzer,
    private readonly t: Tpl,
    /** The summary this walk fills. */
    readonly out: Summary,
  ) {}

  get deps(): Set<string> {
    return this.out.deps;
  }
  done(): Summary {
    return this.out;
  }
  private taint(p: Purity): void {
    this.out.purity = worse(this.out.purity, p);
  }
  private merge(s: Summary | null, keep: (dep: string) => boolean = () => true): void {
    if (!s) return this.taint('unknown');
    this.a.flow(this.out, s, keep);
  }
  private mergeImport(r: [Summary, boolean] | null): void {
    if (!r) return this.taint('unknown');
    this.merge(r[0], r[1] ? undefined : () => false);
  }
  private bind(name: string, ref: ImportRef | null = null): void {
    this.frames[this.frames.length - 1]!.set(name, ref);
  }
  private local(name: string): ImportRef | null | undefined {
    for (let i = this.frames.length - 1; i >= 0; i--) if (this.frames[i]!.has(name)) return this.frames[i]!.get(name);
    return undefined;
  }
  scoped(names: string[], f: () => void): this {
    this.frames.push(new Map(names.map((n) => [n, null])));
    try {
      f();
    } finally {
      this.frames.pop();
    }
    return this;
  }

  /** A name read from the template's scope: a local, a global, a template-level binding, or context. */
  private name(name: string, member: string | null = null, path: string = name): void {
    const loc = this.local(name);
    if (loc !== undefined) {
      if (loc) this.mergeImport(this.a.importSummary(loc, member));
      return;
    }
    const t = this.t;
    if (t.defs.has(name)) this.merge(this.a.calleeSummary(t, t.defs.get(name)!));
    else if (t.lets.has(name)) {
      const r = this.a.letSummary(t, name);
      this.merge(r.s);
      // `set x = x + 1`: the value read before the assignment comes from the context
      if (r.partial) this.deps.add(path);
    } else if (t.imports.has(name)) this.mergeImport(this.a.importSummary(t.imports.get(name)!, member));
    else if (!BUILTIN_NAMES.has(name)) this.deps.add(path);
  }

  exprs(es: (A.Expr | null)[]): this {
    for (let i = 0; i < es.length; i++) if (es[i]) this.expr(es[i]!);
    return this;
  }
  private args(n: { args: A.Expr[]; kwargs: A.Kwarg[] }): void {
    this.exprs(n.args);
    for (const k of n.kwargs) this.expr(k.value);
  }
  private filter(name: string): void {
    this.taint(this.a.o.customFilters.has(name) ? 'unknown' : IMPURE_FILTERS.has(name) ? 'impure' : PURE_FILTERS.has(name) ? 'pure' : 'unknown');
  }

  expr(e: A.Expr): void {
    switch (e.type) {
      case 'Const':
        return;
      case 'Name':
        return this.name(e.name);
      case 'Attr':
      case 'Item': {
        const p = staticPath(e);
        // (`ns.card` on an `{% import … as ns %}` namespace stands for its member `card`)
        if (p) return this.name(p.root, p.path.split('.')[1] ?? null, p.path);
        this.expr(e.obj);
        if (e.type === 'Item') this.expr(e.key);
        return;
      }
      case 'Slice':
        this.exprs([e.obj, e.start, e.stop, e.step]);
        return;
      case 'List':
      case 'Tuple':
        this.exprs(e.items);
        return;
      case 'Dict':
        for (const [k, v] of e.pairs) this.exprs([k, v]);
        return;
      case 'Call':
        this.args(e);
        return this.call(e.func);
      case 'Filter':
        this.expr(e.value);
        this.args(e);
        return this.filter(e.name);
      case 'Test':
        this.expr(e.value);
        return this.args(e);
      case 'BinOp':
      case 'BoolOp':
      case 'NullCoalesce':
        this.exprs([e.left, e.right]);
        return;
      case 'UnaryOp':
        return this.expr(e.operand);
      case 'Compare':
        this.expr(e.left);
        this.exprs(e.ops.map((o) => o.right));
        return;
      case 'CondExpr':
        this.exprs([e.test, e.body, e.orelse]);
        return;
      case 'Range':
        this.exprs([e.start, e.stop, e.step]);
        return;
      case 'ListComp':
        this.expr(e.iter);
        this.scoped(targetNames(e.target), () => this.exprs([e.elt, e.cond]));
        return;
      case 'Await':
        this.expr(e.value);
        return this.taint('unknown');
    }
  }

  /** The callee of a call: a def (local or imported) is analysed; other callables are known or unknown. */
  private call(f: A.Expr): void {
    if (f.type === 'Name') {
      const loc = this.local(f.name);
      const t = this.t;
      // a def or an imported def: its body is analysed
      if (loc || (loc === undefined && (t.defs.has(f.name) || t.imports.has(f.name)))) return this.name(f.name);
      if (loc === undefined && !t.lets.has(f.name)) {
        if (IMPURE_FUNCTIONS.has(f.name)) return this.taint('impure');
        if (PURE_FUNCTIONS.has(f.name)) return;
      }
    } else if (f.type === 'Attr' && f.obj.type === 'Name') {
      // `ns.f()` on an imported namespace resolves the def; `loop.cycle()` is the loop's own method
      const loc = this.local(f.obj.name);
      if (loc || (loc === undefined && this.t.imports.has(f.obj.name))) return this.expr(f);
      if (f.obj.name === 'loop' && !loc) return;
    }
    // any other callable (a context value, a method) may do anything
    this.expr(f);
    this.taint('unknown');
  }

  /** Statements as a full render of this template runs them (`blocks`: inline block bodies too). */
  render(body: A.Node[], blocks = true): this {
    for (const n of body) {
      if (n.type === 'Extends') {
        this.expr(n.template);
        this.taint('unknown'); // the parent's output is not analysed here (as the reference)
      } else if (n.type === 'Block') {
        if (blocks) this.scoped([], () => this.nodes(n.body));
      } else if (n.type === 'Def' || n.type === 'Region') continue;
      else this.node(n, blocks);
    }
    return this;
  }

  nodes(body: A.Node[] | null, blocks = true): this {
    if (body) for (let i = 0; i < body.length; i++) this.node(body[i]!, blocks);
    return this;
  }

  private node(n: A.Node, blocks = true): void {
    switch (n.type) {
      case 'Data':
      case 'Break':
      case 'Continue':
      case 'Yield':
      case 'Flush':
      case 'Stack':
      case 'TemplateDecl':
        return;
      case 'Output':
        return this.expr(n.expr);
      case 'If':
        for (const b of n.branches) {
          this.expr(b.cond);
          this.scoped([], () => this.nodes(b.body, blocks));
        }
        this.scoped([], () => this.nodes(n.else_, blocks));
        return;
      case 'For':
        this.expr(n.iter);
        this.scoped([...targetNames(n.target), 'loop'], () => {
          if (n.cond) this.expr(n.cond);
          this.nodes(n.body, blocks);
        });
        this.scoped([], () => this.nodes(n.else_, blocks));
        return;
      case 'While':
        this.expr(n.cond);
        this.scoped([], () => this.nodes(n.body, blocks));
        return;
      case 'Set':
        for (const a of n.assignments) {
          this.expr(a.value);
          for (const v of targetNames(a.target)) this.bind(v);
        }
        return;
      case 'With':
        this.scoped([], () => {
          for (const b of n.bindings) {
            this.expr(b.value);
            this.bind(b.name);
          }
          this.nodes(n.body, blocks);
        });
        return;
      case 'WithIf':
        this.exprs(n.subjects);
        this.scoped(n.targets.length ? n.targets.flatMap((t) => targetNames(t)) : ['it'], () => this.nodes(n.body, blocks));
        this.scoped([], () => this.nodes(n.else_, blocks));
        return;
      case 'Match':
        if (n.subjects) this.exprs(n.subjects);
        for (const c of n.cases)
          this.scoped(patternNames(c.pattern), () => {
            const visit = (p: A.Pattern): void => {
              if (p.kind === 'value') this.expr(p.expr);
              else if (p.kind === 'tuple') p.items.forEach(visit);
            };
            visit(c.pattern);
            if (c.guard) this.expr(c.guard);
            this.nodes(c.body, blocks);
          });
        return;
      case 'Def':
      case 'Region':
        // defining emits nothing; calls analyse the body
        return this.bind(n.name);
      case 'CallBlock':
        this.call(n.call.type === 'Call' ? n.call.func : n.call);
        if (n.call.type === 'Call') this.args(n.call);
        for (const s of n.slots) this.scoped(s.params, () => this.nodes(s.body, blocks));
        return;
      case 'Slot':
        for (const b of n.bindings) this.expr(b.value);
        this.scoped([], () => this.nodes(n.body, blocks));
        return;
      case 'Import':
        return this.bind(n.alias, { template: this.ref(n.template), member: null, withContext: n.withContext });
      case 'FromImport':
        for (const x of n.names) this.bind(x.alias, { template: this.ref(n.template), member: x.name, withContext: n.withContext });
        return;
      case 'Include':
      case 'Embed': {
        const name = this.ref(n.template);
        if (name === null) {
          this.expr(n.template);
          this.taint('unknown');
        } else {
          // the included template's reads are this block's, except names that are locals here
          const withContext = n.type === 'Embed' || n.withContext;
          const locals = new Set(this.frames.flatMap((f) => [...f.keys()]));
          this.merge(this.a.includeSummary(name), (d) => withContext && !locals.has(d.split('.')[0]!));
        }
        if (n.type === 'Embed') for (const b of n.blocks) this.scoped([], () => this.nodes(b.body, blocks));
        return;
      }
      case 'Extends':
        this.expr(n.template);
        return this.taint('unknown');
      case 'Block':
        // a block inside a block renders inline (fresh scope: block bodies see the context only)
        if (blocks) {
          const saved = this.frames;
          this.frames = [new Map()];
          try {
            if (n.cond) this.expr(n.cond);
            this.nodes(n.body, blocks);
          } finally {
            this.frames = saved;
          }
        }
        return;
      case 'Globals':
      case 'Spaceless':
      case 'Push':
        return void this.nodes(n.body, blocks);
      case 'Defer': // (its part is a try around a with: compiler/defer.ts)
        this.scoped([], () => this.nodes(n.placeholder, blocks));
        return void this.nodes(n.body, blocks);
      case 'Capture':
        this.scoped([], () => this.nodes(n.body, blocks));
        if (n.filter) {
          this.args(n.filter);
          this.filter(n.filter.name);
        }
        return this.bind(n.name);
      case 'FilterBlock':
        this.args(n);
        this.filter(n.name);
        this.scoped([], () => this.nodes(n.body, blocks));
        return;
      case 'Cache':
        this.exprs([n.key, n.ttl, ...n.depends]);
        this.scoped([], () => this.nodes(n.body, blocks));
        return;
      case 'Try':
        this.scoped([], () => this.nodes(n.body, blocks));
        this.scoped(n.errName ? [n.errName] : [], () => this.nodes(n.fallback, blocks));
        return;
      case 'Provide':
        this.expr(n.value);
        this.scoped([], () => this.nodes(n.body, blocks));
        return;
      case 'Trans':
        for (const b of n.bindings) this.expr(b.value);
        return;
    }
  }

  private ref(e: A.Expr): string | null {
    return e.type === 'Const' && typeof e.value === 'string' ? this.a.o.resolve(e.value, this.t.name) : null;
  }
}

/** Block and region metadata of a template, and the context paths it reads outside blocks. */
export function analyzeTemplate(
  body: A.Node[],
  blocks: ReadonlyMap<string, A.Block>,
  o: AnalysisOptions,
): { blocks: Record<string, CompactBlock>; topLevel: string[] } {
  const a = new Analyzer(o);
  const t = a.template(o.name, body);
  const out: Record<string, CompactBlock> = Object.create(null); // (a block may be named `__proto__`)
  for (const [name, b] of blocks) out[name] = a.block(t, b);
  for (const n of body) if (n.type === 'Region') out[n.name] = a.block(t, n);
  return { blocks: out, topLevel: a.topLevel(t) };
}
