// The render machinery that compiled template modules link against: the Template
// object, per-render state, def functions, the loop object and error wrapping.

import {
  TemplateError,
  TemplateRuntimeError,
  UndefinedError,
  TemplateNotFoundError,
  PyError,
  didYouMean,
} from './errors.js';
import { Markup } from './markup.js';
import { inAmb, inDq } from './output.js';
import type { Waiting } from './async-prelude.js';
import { invokeWithAsyncCaller, isAsyncCaller } from './async-caller.js';
import { renderGlobals } from './meta.js';
import { Context, DATA, GLOBALS, find, ld } from './context.js';
import { Kwargs, Range, Tuple, UNDEF, getattr, iter, observe, refuseDetached, setKey, syncResult } from './values.js';
import { MAX_ITEMS, listOf, room } from './limits.js';

export type { Ctx } from './context.js';
import type { Ctx } from './context.js';
export type SyncFn = (ctx: Ctx, R: RenderState, S?: Sink) => string;
/**
 * What a sync part streams through (bodyFns(s, 0 or 1)): called with a chunk, it keeps it and
 * gives back ""; called with none (see each), the number of chunks it keeps. A part whose loop
 * suspended returns its line `L`, with `k` the loop's `case` to resume at and `i` that loop's
 * iterator; the driver calls it again.
 */
export interface Sink {
  (chunk?: string): string;
  k?: number;
  i?: Iterator<unknown>;
  L?: number | string;
  /** Suspended at `k` where it renders a part: that part's stream, and what it threw (see part). */
  p?: unknown;
  x?: unknown;
}
/**
 * The sink of a sync part rendered to a string (its `S` by default): gives the chunk back, so the
 * part writes `o = S(o + x)` at each chunk boundary with no test for a sink (issue #22, code size).
 * drive.ts's drivers replace it with a closure of the literal that makes their sinks (`sinkOf`), so
 * a builder's `S(…)` call site sees one closure kind whether it renders or streams: a live binding,
 * read by compiled modules where they call a builder.
 */
export let noSink: Sink = (x) => x!;
/**
 * Set by useDrivers (Node's `kida/runtime`, runtime/drive.ts): render() of a sync template then
 * skips entry's dispatch (issue #22: small pages' fixed cost). A bundle without the drivers
 * keeps entry's path and not this one (Rollup drops code reading a `let` nothing assigns: the
 * serverless bundle's size, as fillStacks).
 */
let renderDirect = false;
export type GenFn = (ctx: Ctx, R: RenderState) => Generator<string, void, undefined>;
export type AsyncFn = (ctx: Ctx, R: RenderState) => AsyncIterable<string>;
export interface RenderFns {
  s: SyncFn;
  g: GenFn;
  a: AsyncFn;
  /** Its stream (bodyFns): 1 one chunk, 2 a sink, 3 with loops that suspend, 4 suspending at parts; none: a generator. */
  k?: number;
}
/** What renderBlock renders with: its state, context and the block. */
type Setup = [RenderState, Ctx, RenderFns];
export interface BlockFns extends RenderFns {
  fragment?: boolean;
}

/** What the generated module hands to defineTemplate (absent: not async, no parent, no warnings). */
export interface TemplateSpec {
  name: string;
  isAsync?: boolean;
  /** e.g. "{% async for %} at line 3": named by the error a sync entry point throws. */
  asyncReason?: string | null;
  root: RenderFns;
  /** Top-level imports, lets, defs, regions and globals blocks: run before renderBlock. */
  prelude?: ((ctx: Ctx, R: RenderState) => Waiting | void) | null;
  blocks: Record<string, BlockFns>;
  /** The parent template when it is a literal `{% extends %}` (for renderBlock's chain). */
  parent?: (() => Template) | null;
  /** The templates it includes, imports or extends (null: a name computed at run time): they read names requiredContext does not list. */
  refs?: () => (Template | null)[] | null;
  /** With refs: `pageNames`, the names this template and those it renders read. */
  names?: (spec: TemplateSpec, read: string[]) => string[] | null;
  requiredContext: string[];
  meta: TemplateMeta;
  /** Compile-time warnings (K-CMP-001/002 call validation). */
  warnings?: { code: string; message: string; lineno: number; colno: number }[];
  /** Sandbox output limit check (sandboxed environments only). */
  checkOutput?: (size: number, R?: RenderState) => void;
  /** Async templates: observes the promises nested in a value the template reads (`observeDeep`);
   * sync templates that render others: the walk of an async template on their page (`pageDeep`). */
  deep?: DeepWalk;
  /** For pageDeep, found by pageNames at the first stream or async render: an async template's walk, 0 none, 1 not known (a name computed at run time). */
  walk?: DeepWalk | 0 | 1;
  /** The names the template reads, context names or bound somewhere (set when it is defined: what is observed and `deep` walks). */
  read?: readonly string[];
  globals: Ctx;
}

export interface DefParamInfo {
  name: string;
  annotation: string | null;
  hasDefault: boolean;
  isRequired: boolean;
}
export interface DefMetadata {
  name: string;
  lineno: number;
  params: DefParamInfo[];
  vararg: string | null;
  kwarg: string | null;
  slots: string[];
  hasDefaultSlot: boolean;
}
/** What static analysis knows about one block or region (`blockMetadata()`). */
export interface BlockMetadata {
  name: string;
  /** `{% block b key=value %}` modifiers (pure metadata). */
  modifiers: Record<string, unknown>;
  /** A `{% fragment %}`: skipped by full renders. */
  fragment: boolean;
  /** Writes any output (false for an empty or whitespace-only block). */
  emitsHtml: boolean;
  /** HTML5 landmark elements in its literal markup (nav, main, header, footer, aside, article, section). */
  emitsLandmarks: string[];
  /** A guess from the landmarks, then the name. */
  inferredRole: 'navigation' | 'content' | 'sidebar' | 'header' | 'footer' | 'unknown';
  /** Context paths it may read (`site.title`): a superset. */
  dependsOn: string[];
  /** Same output for the same context? `unknown` when it calls something the compiler cannot see. */
  isPure: 'pure' | 'impure' | 'unknown';
  /** Caching advice: per `page` (reads page/post/item/doc/entry), `site`-wide, `none` (impure), `unknown`. */
  cacheScope: 'none' | 'page' | 'site' | 'unknown';
  /** 16 hex digits identifying the block's syntax tree (changes with its source). */
  blockHash: string;
  isRegion: boolean;
  regionParams: string[];
}
/** `templateMetadata()`: this template with the blocks of its whole inheritance chain. */
export interface TemplateMetadata {
  name: string;
  /** The parent (resolved name) of a literal `{% extends %}`, else null. */
  extends: string | null;
  /** Every block and region along the chain, the most derived definition winning. */
  blocks: Record<string, BlockMetadata>;
  /** Context paths read outside blocks (top-level code, a dynamic extends, defs, regions). */
  topLevelDependsOn: string[];
  /** The blocks that are regions. */
  regions(): Record<string, BlockMetadata>;
  /** topLevelDependsOn and every block's dependsOn, sorted. */
  allDependencies(): string[];
}
/**
 * A block's metadata as a compiled module stores it (written by compiler/analysis.ts), fields
 * at their default left out: `h` blockHash; `m` modifiers ({}); `f: 1` a fragment; `r` region
 * parameters (only regions have it); `d` dependsOn ([]); `c` cacheScope ("site"), which gives
 * the purity too (none: impure, unknown: unknown, page/site: pure); `e: 0` emits nothing;
 * `l` landmarks ([]); `o` inferredRole ("unknown").
 */
export interface CompactBlock {
  h: string;
  m?: Record<string, unknown>;
  f?: 1;
  r?: string[];
  d?: string[];
  c?: 'page' | 'none' | 'unknown';
  e?: 0;
  l?: string[];
  o?: Exclude<BlockMetadata['inferredRole'], 'unknown'>;
}
/** The metadata as a module stores it (compiler/codegen/meta.ts): empty fields left out. */
export interface TemplateMeta {
  defs?: DefMetadata[];
  blocks?: Record<string, CompactBlock>;
  dependsOn?: string[];
  /** Context names read but never bound; `?name` when every read is guarded. */
  context?: string[];
  /** Context paths read outside blocks (absent: dependsOn). */
  t?: string[];
}

/** The full metadata of a compactly stored block: absent fields take their defaults. */
function blockMeta(name: string, b: CompactBlock): BlockMetadata {
  const c = b.c ?? 'site';
  return {
    name,
    modifiers: b.m ?? {},
    fragment: !!b.f,
    emitsHtml: b.e !== 0,
    emitsLandmarks: b.l ?? [],
    inferredRole: b.o ?? 'unknown',
    dependsOn: b.d ?? [],
    isPure: c === 'none' ? 'impure' : c === 'unknown' ? c : 'pure',
    cacheScope: c,
    blockHash: b.h,
    isRegion: !!b.r,
    regionParams: b.r ?? [],
  };
}

/** What every template taking part in one render shares (each field set on first use). */
interface SharedState {
  provided?: Map<string, unknown[]>;
  stacks?: Map<string, string[]>;
  /** Set once a `{% stack %}` placeholder was emitted: output is resolved at the end. */
  deferred?: boolean;
}

/**
 * A block table: no inherited keys (a block may be called `constructor`), yet not a dictionary
 * as `Object.create(null)` is: made by a constructor whose prototype is an empty null-prototype
 * object, it keeps fast properties, and a chain registers its blocks in the same order every
 * render (issue #22: the inheritance page 0.76x). As runtime/context.ts's Context.
 */
const Blocks = function () {} as unknown as new () => Record<string, BlockFns>;
Blocks.prototype = Context.prototype;

/**
 * Per-render state: the block table of one template chain (made on first use), plus the
 * shared part, which is the render's first state itself (one object fewer per render; its
 * shared fields are set on first use).
 */
export class RenderState implements SharedState {
  declare provided?: Map<string, unknown[]>;
  declare stacks?: Map<string, string[]>;
  declare deferred?: boolean;
  readonly shared: SharedState;
  /** (the block table: made by `blocks` on first use, or a shared one set by registerBlocks) */
  b: Record<string, BlockFns> | null = null;
  depth = 0;
  extendsDepth = 0;
  /** Set by the async entry points: a sync template's generator then hands its includes,
   * blocks and parents to the async driver (see asyncFromGen) instead of running their `g`. */
  async = false;
  /** The `{% include %}` that started this render (template and line), for the template stack of
   * its errors. (Two fields, not a frame: an include allocates nothing more until one fails.
   * Set by subState only: a root render neither stores nor carries them; issue #22.) */
  declare fromTemplate?: string;
  declare fromLine?: number;
  constructor(shared?: SharedState) {
    this.shared = shared ?? this;
  }
  get blocks(): Record<string, BlockFns> {
    return (this.b ??= new Blocks());
  }
}

/**
 * State for an included/imported/embedded template: own blocks, shared provide/stack data.
 * An include passes its template and line. (A function, not a RenderState method: only
 * templates that include, import or embed carry it.)
 */
export function subState(R: RenderState, template?: string, line?: number): RenderState {
  const r = new RenderState(R.shared);
  r.depth = R.depth + 1;
  r.async = R.async;
  // (every sub-state sets both, so sub-states share one shape)
  r.fromTemplate = template;
  r.fromLine = line;
  // (a `try` inside an included template lets this error pass: see catchable)
  if (r.depth > 50)
    throw new TemplateRuntimeError('Maximum include depth exceeded (50): is a template including itself?', 'K-RUN-006');
  return r;
}

export interface Template<C = Ctx, B extends string = string> {
  readonly name: string;
  readonly isAsync: boolean;
  render(ctx?: C): string;
  renderStream(ctx?: C): Generator<string, void, undefined>;
  renderAsync(ctx?: C): Promise<string>;
  renderStreamAsync(ctx?: C): AsyncGenerator<string, void, undefined>;
  renderBlock(block: B, ctx?: C): string;
  renderBlockStream(block: B, ctx?: C): Generator<string, void, undefined>;
  renderBlockAsync(block: B, ctx?: C): Promise<string>;
  renderBlockStreamAsync(block: B, ctx?: C): AsyncGenerator<string, void, undefined>;
  renderWithBlocks(overrides: Partial<Record<B, string>>, ctx?: C): string;
  listBlocks(): B[];
  listDefs(): string[];
  requiredContext(): string[];
  defMetadata(): Record<string, DefMetadata>;
  /** Every block and region along the inheritance chain (the most derived definition wins). */
  blockMetadata(): Record<string, BlockMetadata>;
  templateMetadata(): TemplateMetadata;
  /** Is the block (default: every block, and there is at least one) pure, so safe to cache? */
  isCacheable(block?: B): boolean;
  /** Dotted context paths the template reads (`site.title`). */
  dependsOn(): string[];
  /** Names the template needs that `ctx` (and the globals) do not provide. */
  validateContext(ctx?: C): string[];
  /** Compile-time warnings, e.g. K-CMP-001 for a def called with unknown arguments. */
  readonly warnings: { code: string; message: string; lineno: number; colno: number }[];
  /** Internal: the compiled parts, for inheritance, includes and imports. */
  readonly spec: TemplateSpec;
}

/**
 * Promises in the data are observed (given a no-op rejection handler), so that one rejecting
 * before the template awaits it, or never awaited after an early `return()` or an error, cannot
 * end the process as an unhandled rejection. A render observes the values of the names its
 * template reads (every name it reads, its requiredContext: O(names read), not O(keys), issue #22): streams and
 * async renders at their start, `render()` of a sync template only when it fails (what it read
 * was observed by the read, runtime/context.ts `ld`); a sync render that refuses async work
 * observes all of them (an error path). A promise no template names, or one in a branch a
 * finished sync render did not take, is the host's own (docs/security.md, "Nothing ends the process").
 */
/**
 * The nested promises of the values the literal `{% extends %}` parents read (an async parent
 * awaits, or its child does before entering it, as an entry point's template does: issue #19,
 * found by the grammar fuzzer). A parent that cannot be loaded is left for the render to meet.
 */
function observeParents(spec: TemplateSpec, data: unknown): void {
  try {
    // (at most the extends depth limit: a cycle is the render's error, K-RUN-007)
    for (let s = spec, n = 0; s.parent && n < 50; n++) {
      s = s.parent().spec;
      s.deep?.(s.read!, data);
    }
  } catch {
    // (the render raises it where it extends)
  }
}

function observeRead(names: readonly unknown[] | null, data: unknown): void {
  if (data == null || typeof data !== 'object') return;
  // (an inherited value is read as find reads it; observing it is harmless. Without names, all
  // of them: an async template's sync entry point, which refuses to render)
  // (a getter or proxy trap that throws is left for the template to meet where it reads the
  // name, as a TemplateRuntimeError with its line: not thrown here, before the render, raw)
  // (an indexed loop over an array: it runs before every stream, issue #22)
  const map = data instanceof Map ? data : null;
  const keys = names ?? (map ? [...map.keys()] : Object.keys(data));
  for (let i = 0; i < keys.length; i++)
    try {
      observe(map ? map.get(keys[i]) : (data as Ctx)[keys[i] as string]);
    } catch {}
}
/**
 * The names a template and every template it renders (includes, imports, parents, transitively)
 * read: what its streams and async renders observe at their start (a layout or an include may
 * read a promise this template never names, and a stream left after one chunk never reaches it,
 * s8). O(names read on the page), not O(context keys) (issue #22). null, every key, when one of
 * them names a template at run time or one does not load (it fails where it is rendered, and the
 * names it would have read are not known).
 */
export function pageNames(spec: TemplateSpec, read: string[]): string[] | null {
  const names = new Set(read);
  const seen = new Set([spec]);
  // (and the walk of an async template on the page, for pageDeep: 1 when the page is not known)
  let walk: TemplateSpec['walk'] = 0;
  for (const todo = [spec]; todo.length; ) {
    const s = todo.pop()!;
    let ts: (Template | null)[] | null;
    try {
      ts = s.refs ? s.refs() : [];
    } catch {
      // (a template that does not load: what the page reads is not known, so every key, as for a
      // name computed at run time; its data's promises are observed though the render will fail)
      return (spec.walk = walk || 1), null;
    }
    if (!ts) return (spec.walk = walk || 1), null;
    for (const t of ts)
      if (t && !seen.has(t.spec)) {
        seen.add(t.spec);
        if (t.spec.isAsync) walk = t.spec.deep;
        for (const n of t.spec.requiredContext) names.add(n);
        todo.push(t.spec);
      }
  }
  spec.walk = walk;
  return [...names];
}

/**
 * An async template may await a promise nested in its data (`{{ await d.e }}`, `{% for p in ps
 * %}{{ await p }}`) after it rejected: those are observed at the start of the render too. The
 * walk enters arrays, Maps (keys and values), Sets, plain objects and the own data properties of
 * other objects (class instances, Errors, functions; their getters are the host's and are not run),
 * each once, up to 100,000 values per render, breadth first, and a
 * promise is observed where it is seen: a long list early in the data does not use up the budget
 * before a promise beside it. It never throws: a proxy's trap or a getter that throws is met by
 * the template when it reads that value (docs/security.md "Nothing ends the process").
 */
export function observeDeep(names: readonly string[] | null, data: unknown, spec?: TemplateSpec): void {
  if (data == null || typeof data !== 'object') return;
  names ??= data instanceof Map ? [...data.keys()] : Object.keys(data);
  if (spec?.parent) observeParents(spec, data);
  const todo: unknown[] = [];
  const seen = new Set<unknown>();
  // (values looked at, across the walk: a huge graph costs at most this much per render; items
  // are read in place, not copied, and only objects are queued)
  let budget = 100_000;
  const add = (x: unknown) => {
    budget--;
    if (x === null || (typeof x !== 'object' && typeof x !== 'function') || seen.has(x)) return; // (a function's own properties too)
    seen.add(x);
    try {
      // (Promise's own `then`: a subclass's `then`/`catch` that throws cannot leave it unobserved)
      if (x instanceof Promise) Promise.prototype.then.call(x, undefined, Boolean); // (see observe)
      else todo.push(x);
    } catch {
      // (a proxy whose getPrototypeOf trap throws; a Promise subclass whose `then` throws)
    }
  };
  for (const n of names)
    try {
      add(data instanceof Map ? data.get(n) : (data as Ctx)[n]);
    } catch {
      // (a getter of the data that throws: the template meets it if it reads the name)
    }
  let p: unknown;
  for (let i = 0; i < todo.length && budget > 0; i++) {
    const x = todo[i]!;
    try {
      if (Array.isArray(x)) for (let j = 0; j < x.length && budget > 0; j++) add(x[j]);
      else if (x instanceof Set || x instanceof Map) {
        for (const y of x instanceof Map ? x.entries() : x) if ((x instanceof Map ? (add(y[0]), add(y[1])) : add(y), budget <= 0)) break;
      } else if ((p = Object.getPrototypeOf(x)) === Object.prototype || p === null) {
        // (plain objects: their enumerable keys, the fast walk; descriptors cost ~4x per render)
        for (const k in x) if ((add((x as Ctx)[k]), budget <= 0)) break;
      } else if (!ArrayBuffer.isView(x))
        // (class instances, Errors' `cause`, functions: own data properties, enumerable or not,
        // symbol keys too; a getter is host code and is not run here, s7. Typed arrays hold no
        // objects; an array's or typed array's extra properties are not walked)
        for (const k of Reflect.ownKeys(x)) {
          const d = Reflect.getOwnPropertyDescriptor(x, k);
          if (d && 'value' in d && (add(d.value), budget <= 0)) break;
        }
    } catch {
      // (a proxy's trap or a getter that throws: the template meets it when it reads it)
    }
  }
}

export type DeepWalk = (names: readonly string[] | null, data: unknown, spec?: TemplateSpec) => void;

/** The walk of the async templates loaded in this process (`useAsyncWalk`): for pages that name a template at run time. */
let asyncWalk: DeepWalk | undefined;
/**
 * Called at load by the compiled module of an async template, and by every Environment (it may
 * load any template by name): from then on a sync page that names a template at run time walks
 * its data at the start of its streams and async renders, since the name may reach an async
 * template that awaits a promise nested in it (docs/decisions.md "Safety, tenth pass").
 */
export function useAsyncWalk(): void {
  asyncWalk = observeDeep;
}

/**
 * The `deep` of a template compiled sync that renders others (linked by the codegen only there):
 * its page may reach an async template (its async parent, an include, a dynamic extends) that
 * awaits a promise nested in the data after it rejected, while the stream waited for its consumer
 * or the page for something else. It walks with the walk of an async template on the page (so a
 * bundle of sync pages carries no walk), which `pageNames` found (`spec.walk`); a page whose
 * templates are all sync walks nothing. A page that names a template at run time walks once an
 * async template has loaded (`useAsyncWalk`). Without `spec` (a parent's walk, observeParents) it
 * does nothing: the entry's walk covered the parent's names.
 */
export function pageDeep(names: readonly string[] | null, data: unknown, spec?: TemplateSpec): void {
  const w = spec?.walk;
  if (w) (w === 1 ? asyncWalk : w)?.(names, data);
}

/** A fresh render context over the caller's data (read through, never copied or mutated; runtime/context.ts). */
export function newContext(globals: Ctx, data: unknown): Ctx {
  // (a `__proto__` key in the data, e.g. from JSON.parse, is a variable: the data's own key)
  return new Context(data, renderGlobals(globals));
}

/** Wraps render functions with the sandbox output-size check. */
function limitOutput(fns: RenderFns, check: (size: number, R?: RenderState) => void): RenderFns {
  // (check(0) first: the policy learns what kind of template renders, Sandbox.checkOutput's `njk`.
  // A stream is checked before each step too: with R, that makes the render's budget the one its
  // operators charge while the step runs, as another render may have run between steps; s19)
  return {
    s(ctx, R) {
      check(0, R);
      const o = fns.s(ctx, R);
      check(o.length, R);
      return o;
    },
    *g(ctx, R) {
      let n = 0;
      const it = flatten(fns.g(ctx, R));
      let done = false;
      try {
        for (let r; check(n, R), !(r = it.next()).done; ) {
          check((n += r.value.length), R);
          yield r.value;
        }
        done = true;
      } finally {
        if (!done) it.return?.();
      }
    },
    async *a(ctx, R) {
      let n = 0;
      const it = fns.a(ctx, R)[Symbol.asyncIterator]();
      let done = false;
      try {
        for (let r; check(n, R), !(r = await it.next()).done; ) {
          check((n += r.value.length), R);
          yield r.value;
        }
        done = true;
      } finally {
        if (!done) await it.return?.();
      }
    },
  };
}

/** A sandboxed template's spec: render functions wrapped with its output-size check (`checkOutput`). */
export function limitOutputs(spec: TemplateSpec): TemplateSpec {
  const check = spec.checkOutput;
  if (check) {
    spec = { ...spec, root: limitOutput(spec.root, check) };
    for (const b of Object.keys(spec.blocks)) spec.blocks[b] = { ...spec.blocks[b]!, ...limitOutput(spec.blocks[b]!, check) };
  }
  return spec;
}

/** The stored (compact) form of a spec, what compiled modules pass: without blocks when there are none. */
/** (requiredContext: the names split by spaces, marked: see compiler/codegen/meta.ts, packNames) */
export type StoredSpec = Omit<TemplateSpec, 'blocks' | 'globals' | 'meta' | 'requiredContext'> & { blocks?: Record<string, BlockFns>; globals?: Ctx; meta?: TemplateMeta; requiredContext: string };

/** `env`: the linkage whose globals the template reads (`spec.globals`, when the spec has none). */
export function defineTemplate(stored: StoredSpec, env?: () => { globals: Ctx }): Template {
  const spec = stored as unknown as TemplateSpec;
  if (env) Object.defineProperty(spec, 'globals', { get: () => env().globals });
  spec.blocks ??= {};
  const meta = (spec.meta ??= {});
  const defs = meta.defs ?? [];
  const syncGuard = () => {
    if (spec.isAsync)
      throw new TemplateRuntimeError(
        `Template '${spec.name}' is async (${spec.asyncReason}); use renderAsync() or renderStreamAsync()`,
        'K-RUN-007',
        { templateName: spec.name },
      );
  };
  const chain = (): TemplateSpec[] => {
    const out: TemplateSpec[] = [];
    // (each once: parents in a cycle, A extends B extends A, grew this until V8 aborted; render()
    // reports the cycle, renderBlock() finds the blocks of the templates in it)
    for (let s: TemplateSpec | null = spec; s && !out.includes(s); s = s.parent ? s.parent().spec : null) out.push(s);
    return out;
  };
  const noBlock = (name: string, suggestion?: string) =>
    new TemplateRuntimeError(`Block '${name}' not found in template '${spec.name}'`, 'K-RUN-007', { templateName: spec.name, suggestion });
  /** Prepares ctx and state for rendering one block: preludes leaf → root, blocks most-derived first. */
  // (an async template's prelude is async, compiler/codegen.ts: what its imports of async
  // templates await; then the rest of the setup waits for it, and only async entry points can)
  const blockSetup = (block: string, data: unknown): Setup => {
    const R = new RenderState();
    const ctx = newContext(spec.globals, data);
    const specs = chain();
    for (const s of specs) addBlocks(R.blocks, s.blocks);
    // (after the preludes: a Nunjucks one may add the blocks of a parent it picks, runtime/nunjucks/extends.ts;
    // once one waits, the rest run after it: runtime/async-prelude.ts)
    let w: Waiting | undefined;
    for (const s of specs) w = w ? w.chain(s, ctx, R) : (s.prelude?.(ctx, R) as Waiting | undefined);
    const fns = R.blocks[block];
    if (!fns) {
      const hint = didYouMean(block, Object.keys(R.blocks));
      throw noBlock(block, hint ? `Did you mean '${hint}'?` : `Available blocks: ${Object.keys(R.blocks).join(', ')}`);
    }
    // (an async prelude: the block rendered once it is done, by the async entry points only)
    return [R, ctx, w ? w.wrap(fns) : fns];
  };
  /** Every entry point: 0 render, 1 stream, 2 async, 3 async stream; of the root or one block. */
  // (the names split by spaces, the context names among them marked: compiler/codegen/meta.ts)
  const names = (spec.requiredContext as unknown as string) ? (spec.requiredContext as unknown as string).split(' ') : [];
  spec.requiredContext = names.map((n) => n.replace(/^[-?]/, ''));
  const context = (meta.context ??= names.filter((n) => n[0] != '-'));
  // (what is observed: every name it reads, not only its context names, which leave out a name
  // bound anywhere in the template: `{% for x in xs %}…{% end %}{{ x }}` and `{% set x = x %}`
  // read the data's x where it is not bound)
  const read = (spec.read = spec.requiredContext);
  // (once, at the first stream or async render, when the templates it renders can load; not per
  // render: a load from specs of many shapes is megamorphic, ~20 ns)
  let observed: readonly string[] | null | undefined = spec.names ? undefined : read;
  // (left out when it is the context names sorted)
  const dependsOn = meta.dependsOn ?? context.map((c) => c.replace('?', '')).sort();
  // (the spec's fields read once: every template's entry shares these loads, which would see
  // every spec's shape in a process of many templates, and `globals` may be a getter; issue #22)
  const { isAsync, root, deep } = spec;
  const globals = env ? () => env().globals : () => spec.globals;
  const entry = (mode: 0 | 1 | 2 | 3, block: string | null, data: unknown): unknown => {
    // (a sync render observes each promise it reads as it reads it, and the rest only if it
    // fails: see observeRead; streams may be left unread, async renders await later)
    if (mode || isAsync) {
      // (every name when other templates render here: a layout or an include may read a promise
      // this template never names, and a stream left early never gets to it, s8)
      observeRead(observed === undefined ? (observed = spec.names!(spec, read)) : observed, data);
      // (the names of every template the page renders: an include, import or dynamic parent may
      // await a promise nested in a value the template never names; null: every key. s9)
      deep?.(observed, data, spec);
    }
    if (mode < 2 && isAsync) {
      observeRead(null, data); // (the template would have awaited them)
      syncGuard();
    }
    let R: RenderState, ctx: Ctx, fns: RenderFns;
    try {
      // (no array destructuring on the root path: it is per render)
      if (block === null) {
        R = new RenderState();
        ctx = newContext(globals(), data);
        fns = root;
      } else [R, ctx, fns] = blockSetup(block, data);
      if (mode < 2) return mode ? flat(fns.g(ctx, R), R) : resolveStacks(fns.s(ctx, R), R);
    } catch (e) {
      observeRead(read, data); // (what a failed render did not reach)
      throw e;
    }
    R.async = true;
    const a = fns.a(ctx, R);
    // (a sync part's generator runs on the stream's own driver: one async generator per chunk,
    // not a second one holding output for deferred stacks; an async part is its one step;
    // a module that defers puts its part driver around that stream)
    if (mode === 3) {
      // (an async part: the one step of a part yielding it)
      const s = drive(a instanceof SyncPart ? a.gen : (sinkPart(() => a as unknown as string, ctx, R, 1) as Generator<Step, void, undefined>), R);
      return deferDriver ? deferDriver(R, s, true) : s;
    }
    return textOf(deferDriver ? deferDriver(R, a, false) : a, R, spec.name);
  };
  // (render() of a sync template, the commonest call: entry's path for mode 0 and the root,
  // without its dispatch, ~5% of the small pages; only where the drivers are: see renderDirect)
  const renderSync = (data: unknown): string => {
    try {
      const R = new RenderState();
      return resolveStacks(root.s(newContext(globals(), data), R), R);
    } catch (e) {
      observeRead(read, data); // (what a failed render did not reach)
      throw e;
    }
  };
  const t: Template = {
    name: spec.name,
    isAsync: !!spec.isAsync,
    warnings: spec.warnings ?? [],
    spec,
    render: renderDirect && !isAsync ? renderSync : (data) => entry(0, null, data) as string,
    renderStream: (data) => entry(1, null, data) as Generator<string, void, undefined>,
    renderAsync: async (data) => entry(2, null, data) as Promise<string>,
    renderStreamAsync: (data) => entry(3, null, data) as AsyncGenerator<string, void, undefined>,
    renderBlock: (block, data) => entry(0, block, data) as string,
    renderBlockStream: (block, data) => entry(1, block, data) as Generator<string, void, undefined>,
    renderBlockAsync: async (block, data) => entry(2, block, data) as Promise<string>,
    renderBlockStreamAsync: (block, data) => entry(3, block, data) as AsyncGenerator<string, void, undefined>,
    renderWithBlocks(overrides, data) {
      syncGuard();
      const R = new RenderState();
      const known = new Set(t.listBlocks());
      for (const [name, text] of Object.entries(overrides as Record<string, string>)) {
        if (!known.has(name)) throw noBlock(name);
        R.blocks[name] = bodyFns(() => String(text)); // (a block of one chunk, the given text)
      }
      return resolveStacks(spec.root.s(newContext(spec.globals, data), R), R);
    },
    listBlocks() {
      return [...new Set(chain().flatMap((s) => Object.keys(s.blocks)))];
    },
    listDefs() {
      return defs.map((d) => d.name);
    },
    requiredContext() {
      return [...spec.requiredContext];
    },
    defMetadata() {
      return Object.fromEntries(defs.map((d) => [d.name, d]));
    },
    blockMetadata() {
      // (fromEntries defines own keys, a block named `__proto__` included; the most derived wins)
      return Object.fromEntries(chain().reverse().flatMap((s) => Object.entries(s.meta.blocks ?? {}).map(([k, b]) => [k, blockMeta(k, b)])));
    },
    templateMetadata() {
      const blocks = t.blockMetadata();
      const all = Object.values(blocks);
      const top = meta.t ?? dependsOn;
      return {
        name: spec.name,
        extends: spec.parent?.().name ?? null,
        blocks,
        topLevelDependsOn: top,
        regions: () => Object.fromEntries(all.filter((b) => b.isRegion).map((b) => [b.name, b])),
        allDependencies: () => [...new Set([...top, ...all.flatMap((b) => b.dependsOn)])].sort(),
      };
    },
    isCacheable(block) {
      const all = t.blockMetadata();
      // (an inherited Object member such as `constructor` has no isPure: not cacheable)
      const bs = block == null ? Object.values(all) : [all[block]];
      return bs.length > 0 && bs.every((b) => b?.isPure === 'pure');
    },
    dependsOn() {
      return [...dependsOn];
    },
    validateContext(data) {
      const ctx = newContext(spec.globals, data);
      // (a fresh context binds nothing: the data and globals decide)
      return context.filter((c) => c[0] !== '?' && ld(ctx, c, (ctx[DATA as never] as Ctx)[c], () => ctx) === ctx);
    },
  };
  return t;
}

/** The async renders' `{% defer %}` driver (runtime/defer.ts), set by modules that defer: other
 * bundles leave it out (a `let` nothing assigns). */
let deferDriver: ((R: RenderState, chunks: AsyncIterable<string>, stream: boolean) => AsyncIterable<string>) | null = null;
export function useDeferDriver(d: typeof deferDriver): void {
  deferDriver = d;
}

/** Adds a template's blocks to a table unless a more derived template already did. */
function addBlocks(to: Record<string, BlockFns>, blocks: Record<string, BlockFns>): Record<string, BlockFns> {
  for (const name in blocks) if (!(name in to)) to[name] = blocks[name]!;
  return to;
}

/**
 * Block tables that renders share (issue #22: the inheritance page registered every block of
 * its chain into a new table each render). A render that starts without a table steps from
 * EMPTY, at each registerBlocks, to the shared table with that template's blocks added: the
 * same chain gives the same tables every render, built once (a dynamic `{% extends %}` gives
 * another step). A shared table is frozen (written to, it would throw, not leak into other
 * renders); a render that writes its own blocks first (an `{% embed %}`, renderWithBlocks)
 * has its own table, as before. `STEP`: where registering a blocks object over this table
 * leads (the last step taken, then all of them, keyed weakly: reloaded templates drop out).
 */
const STEP: unique symbol = Symbol();
interface BlockStep {
  from: object | null;
  to: Record<string, BlockFns> | null;
  all: WeakMap<object, Record<string, BlockFns>>;
}
type Table = Record<string, BlockFns> & { [STEP]?: BlockStep };
const share = (t: Table): Table => ((t[STEP] = { from: null, to: null, all: new WeakMap() }), Object.freeze(t));
const EMPTY = /*#__PURE__*/ share(/*#__PURE__*/ new Blocks());

/** Registers a template's blocks unless a more derived template already did (compiled roots). */
export function registerBlocks(R: RenderState, blocks: Record<string, BlockFns>): void {
  const b = R.b as Table | null;
  const s = (b ?? EMPTY)[STEP];
  if (!s) {
    addBlocks(b!, blocks);
    return;
  }
  if (s.from !== blocks) {
    let to = s.all.get(blocks);
    if (!to) s.all.set(blocks, (to = share(addBlocks(addBlocks(new Blocks(), b ?? EMPTY), blocks))));
    s.from = blocks;
    s.to = to;
  }
  R.b = s.to;
}

/** The context an include receives inside a loop: a flat copy of the scope plus loop locals (data and globals underneath as before). */
export function includeContext(scope: Ctx, locals: Ctx): Ctx {
  const out = new Context(scope[DATA as never], scope[GLOBALS as never] as Ctx);
  const chainObjs: Ctx[] = [];
  for (let o: Ctx | null = scope; o; o = Object.getPrototypeOf(o)) chainObjs.push(o);
  for (let i = chainObjs.length - 1; i >= 0; i--) copyKeys(out, chainObjs[i]!);
  return copyKeys(out, locals);
}
/** Object.assign that keeps a `__proto__` key a key (assignment would set the prototype). */
function copyKeys(to: Ctx, from: Ctx): Ctx {
  for (const k of Object.keys(from)) setKey(to, k, from[k]);
  return to;
}

/** A context of globals only (include without context, imports without context). */
export function globalsContext(scope: Ctx): Ctx {
  // the same globals (with a render's metadata layer, runtime/meta.ts), no data
  return new Context(null, scope[GLOBALS as never] as Ctx);
}

export interface DefInfo {
  name: string;
  params: string[];
  vararg?: string | null;
  kwarg?: string | null;
}
export type CallerFn = (slot?: unknown, bindings?: Ctx) => Markup;
const REQUIRED = Symbol();
export { REQUIRED };

export interface KidaDef {
  (...args: unknown[]): Markup;
  kidaDef: DefInfo;
  invoke(args: unknown[], caller: CallerFn | null): Markup;
}

// `has_slot()` inside a def: shared functions, not a closure per call.
const HAS_SLOT = () => true;
const NO_SLOT = () => false;

/** Counted def bodies running on the JavaScript stack now (their synchronous part). */
let onStack = 0;
/** While counted def bodies are on the stack, a stack overflow passes every `{% try %}` (see deep). */
export const overflowPasses = (): boolean => onStack > 0;

/** Calls 1,500 frames deep: false when the stack has not that much room (~100 KB) left. */
function headroom(): boolean {
  try {
    return probe(1500) === 1500;
  } catch {
    return false;
  }
}
const probe = (n: number): number => (n ? probe(n - 1) + 1 : 0);

/** Def bodies are async functions in async templates: their result is a promise of Markup. */
function markupOf(r: string | Promise<string>): Markup {
  // (observed: a def handed to code that drops its result, a thenable's `then` or a host callback,
  // failed later unhandled and ended Node; whoever awaits it still gets the rejection. s19)
  return (typeof r === 'string' ? new Markup(r) : observe(r.then(markupOf))) as Markup;
}

type Body = (ctx: Ctx, caller: CallerFn | null, args?: unknown[]) => string | Promise<string>;
/**
 * A def's body counting how many calls of this def are running (a def value belongs to one
 * render, so that is its recursion depth, across awaits too). Past 1000 (Python's recursion
 * limit) the call fails, and `{% try %}` blocks inside this def let the error pass until it
 * leaves the outermost call; a stack overflow passes every `try` inside a counted def. A
 * fallback that recursed again at every level would otherwise take exponential time.
 * (The compiler counts the defs of async, sandboxed and `try`-using templates.)
 */
export function deep(name: string, body: Body): Body {
  let active = 0;
  const done = (r: string) => (active--, r);
  return (ctx, caller, args) => {
    // (every 32 counted bodies on the stack: is there room left for the error's way out? An
    // overflow met where a promise is made or observed, an async def recursing through an
    // include before its first await, left a rejection no one handles, which ends Node; s9)
    if (active >= 1000 || ((onStack & 31) === 31 && !headroom())) {
      const e = new TemplateRuntimeError(`Maximum recursion depth exceeded in '${name}'`, 'K-RUN-006');
      e.unwinding = active >= 1000 ? () => active > 0 : overflowPasses;
      throw e;
    }
    active++;
    onStack++;
    try {
      const r = body(ctx, caller, args);
      return typeof r === 'string' ? done(r) : r.then(done, (e) => (active--, Promise.reject(e)));
    } catch (e) {
      active--;
      throw e;
    } finally {
      onStack--;
    }
  };
}

/**
 * Builds a template `def`: Python argument binding, Markup result. The parameters' values are
 * bound by position first; a `light` body (compiler/codegen/defs.ts: one that binds no name,
 * reads no `caller`/`has_slot`, has no `*args`/`**kw`) gets them as a list beside the def's
 * own ctx, others a private ctx per call over it holding them. (A ctx made per call over the
 * render's context gave every render new hidden classes, issue #22: see decisions.md,
 * "Per-render cost, fifth pass".)
 */
export function makeDef(info: DefInfo, defaults: unknown[], defCtx: Ctx, body: Body, light?: 1): KidaDef {
  const { name, params, vararg, kwarg } = info;
  const m = params.length;
  const invoke = (args: unknown[], caller: CallerFn | null): Markup => {
    let kw: Record<string, unknown> | null = null;
    let n = args.length;
    if (n && args[n - 1] instanceof Kwargs) kw = (args[--n] as Kwargs).kw;
    if (n > m && !vararg) throw new PyError('TypeError', `${name}() takes ${m} positional arguments but ${n} were given`);
    // (the arguments themselves when they are exactly the parameters: the common call)
    const a = kw || n !== m ? args.slice(0, n < m ? n : m) : args;
    // (null prototype: a `__proto__` keyword is a key of **kwargs like any other)
    const extra: Record<string, unknown> | null = kwarg ? { __proto__: null } : null;
    if (kw)
      for (const k of Object.keys(kw)) {
        const idx = params.indexOf(k);
        if (idx >= 0) {
          if (idx < n) throw new PyError('TypeError', `${name}() got multiple values for argument '${k}'`);
          a[idx] = kw[k];
        } else if (extra) extra[k] = kw[k];
        else throw new PyError('TypeError', `${name}() got an unexpected keyword argument '${k}'`);
      }
    for (let i = n; i < m; i++) {
      if (kw !== null && i in a) continue;
      if (defaults[i] === REQUIRED) throw new PyError('TypeError', `${name}() missing 1 required positional argument: '${params[i]}'`);
      a[i] = defaults[i];
    }
    if (light) return markupOf(body(defCtx, caller, a));
    const ctx = Object.create(defCtx) as Ctx;
    for (let i = 0; i < m; i++) ctx[params[i]!] = a[i];
    if (vararg) ctx[vararg] = Tuple.from(args.slice(m, n));
    if (kwarg) ctx[kwarg] = extra;
    if (caller) ctx.caller = caller;
    ctx.has_slot = caller ? HAS_SLOT : NO_SLOT;
    return markupOf(body(ctx, caller));
  };
  const f = ((...args: unknown[]) => invoke(args, null)) as KidaDef;
  f.kidaDef = info;
  f.invoke = invoke;
  return f;
}

/** Counts `{% extends %}` levels within one render (circular inheritance guard). */
export function enterExtends(R: RenderState, name: string): void {
  if (++R.extendsDepth > 50)
    throw new TemplateRuntimeError(`Maximum extends depth exceeded (50) when extending from '${name}'`, 'K-RUN-007', {
      templateName: name,
      suggestion: 'Check for circular inheritance: A extends B extends A',
    });
}

/** renderBlock() of a region: its parameters come from the render context, defaults otherwise. */
export function regionBlock(name: string): BlockFns {
  const run = (ctx: Ctx): Markup | Promise<Markup> => {
    const f = ctx[name] as KidaDef;
    const kw: Ctx = {};
    for (const p of f.kidaDef.params) {
      // (find's fallback returns ctx itself: no data value or global is the context)
      const v = p in ctx ? ctx[p] : find(ctx, p, () => ctx);
      if (v !== ctx) kw[p] = v;
    }
    return f.invoke([new Kwargs(kw)], null);
  };
  return {
    s: (ctx) => String(run(ctx)),
    *g(ctx) {
      yield String(run(ctx));
    },
    async *a(ctx) {
      yield String(await run(ctx));
    },
  };
}

/** A region: a def whose parameter defaults are evaluated at call time. */
export function makeRegion(
  info: DefInfo,
  defaults: (((ctx: Ctx) => unknown) | null)[],
  defCtx: Ctx,
  body: (ctx: Ctx, caller: CallerFn | null) => string | Promise<string>,
): KidaDef {
  const invoke = (args: unknown[], caller: CallerFn | null): Markup => {
    let kw: Record<string, unknown> = {};
    let n = args.length;
    if (n && args[n - 1] instanceof Kwargs) kw = (args[--n] as Kwargs).kw;
    if (n > info.params.length)
      throw new PyError('TypeError', `${info.name}() takes ${info.params.length} positional arguments but ${n} were given`);
    const ctx = Object.create(defCtx) as Ctx;
    info.params.forEach((p, i) => {
      if (i < n) ctx[p] = args[i];
      else if (Object.hasOwn(kw, p)) ctx[p] = kw[p];
      else if (defaults[i]) ctx[p] = defaults[i]!(ctx);
      else throw new PyError('TypeError', `${info.name}() missing 1 required positional argument: '${p}'`);
    });
    for (const k of Object.keys(kw))
      if (!info.params.includes(k)) throw new PyError('TypeError', `${info.name}() got an unexpected keyword argument '${k}'`);
    return markupOf(body(ctx, caller));
  };
  const f = ((...args: unknown[]) => invoke(args, null)) as KidaDef;
  f.kidaDef = info;
  f.invoke = invoke;
  return f;
}

/** Render functions of an async template's sync entry points (`use`: the entry points that can wait). */
export function asyncOnly(name: string, use = 'renderAsync() or renderStreamAsync()'): (ctx?: Ctx) => never {
  return (ctx) => {
    // (the data's promises it would have awaited, nested ones too: only async templates refuse)
    if (ctx) observeRead(null, ctx[DATA as never]), observeDeep(null, ctx[DATA as never]);
    throw new TemplateRuntimeError(`Template '${name}' is async; use ${use}`, 'K-RUN-007', {
      templateName: name,
    });
  };
}

/** Asks the async driver to render an async part to a string and send it back (`o += yield …`). */
export class Collect {
  constructor(readonly parts: AsyncIterable<string>) {}
  // (the driver calls this rather than naming the class: bundles without one leave it out)
  async t(): Promise<string> {
    let text = '';
    for await (const x of this.parts) text += x;
    return text;
  }
}
/** What a sync template's generator yields when R.async is set. */
export type Step = string | AsyncIterable<string> | Collect;

/** A sync template part's generator as an async stream; a driver that meets one runs it inline. */
export class SyncPart implements AsyncIterable<string> {
  constructor(readonly gen: Generator<Step, void, string | undefined>) {}
  [Symbol.asyncIterator](): AsyncIterator<string> {
    return drive(this.gen);
  }
}

/**
 * The async stream of a sync template part, driven from its generator: so a sync template
 * is compiled once for streaming, not twice. The generator yields strings; when R.async is
 * set it also yields the async streams of the parts it renders: a sync part's generator is
 * run on this driver's stack (no async generator per nesting level), an async template's
 * stream is streamed, a Collect is rendered and its text sent back. Errors go back in at the
 * yield, so the template's own try/fallback and error wrapping still apply.
 */
export function asyncFromGen(g: GenFn): AsyncFn {
  return (ctx, R) => new SyncPart((g as unknown as (ctx: Ctx, R: RenderState) => Generator<Step, void, string | undefined>)(ctx, R));
}

/**
 * The render functions of a sync template body (root or block) from its builder and generator.
 * Without `g` the body writes one chunk, its result. With `g` a number the builder streams too:
 * given a sink `S`, it hands it each chunk (`o = S(o)`: kept, and an empty buffer given back): 0
 * one that renders no part, 3 with loops that suspend (resume.ts), 4 suspending at parts (`part`).
 */
export function bodyFns(s: SyncFn, g?: GenFn | number): RenderFns {
  const k = g === undefined ? 1 : typeof g == 'number' ? g || 2 : undefined;
  const gen = k ? (ctx: Ctx, R: RenderState) => sinkPart(s, ctx, R, k) : (g as GenFn);
  return { s, g: gen, a: asyncFromGen(gen), k };
}
/** The stream of a part without a generator (`k` as RenderFns'): a generator here; drive.ts installs
 * one that is none. A part that suspends (`S.k`: a loop of resume.ts `each`, or a part `S.p` to run
 * first, its error given back in `S.x`) is called again once its chunks are handed out; abandoned
 * at a loop, the loop's source is closed, as a for-of would. */
export function* sinkGen(s: SyncFn, ctx: Ctx, R: RenderState, k: number): Generator<string, void, undefined> {
  if (k == 1) return yield s(ctx, R);
  const c: string[] = [];
  // (called with no chunk: how many wait, for each)
  const S = ((x?: string) => (x === undefined ? c.length : (c.push(x), ''))) as Sink;
  let e: unknown = S;
  for (;;) {
    try {
      S.L = s(ctx, R, S);
    } catch (x) {
      e = x;
    }
    if (!S.k) break;
    // (no try around the other yields, nor a yield in a finally: V8 runs them slower)
    let i = 0;
    try {
      for (; i < c.length; i++) yield c[i]!;
    } finally {
      if (i < c.length) S.i?.return!();
    }
    c.length = 0;
    // (the part it suspended at: `back` clears it)
    if (S.p)
      try {
        yield S.p as string;
      } catch (x) {
        S.x = x;
      }
  }
  // (the chunks before an error, then the error, as a generator would)
  for (let i = 0; i < c.length; i++) yield c[i]!;
  if (e !== S) throw e;
}
let sinkPart = sinkGen;

/**
 * Where a sink part renders a part (`o += S.k ? back(S) : part(…)`): without a sink, its string;
 * streamed, the part is handed to the driver, which runs it, then this part again at `k` (`back`).
 * drive.ts's `runIn` runs it into this part's sink instead where that keeps the stream as it was.
 */
export function part(fns: RenderFns, ctx: Ctx, R: RenderState, S: Sink, k: number): string {
  if (S === noSink) return fns.s(ctx, R);
  const p = runIn(fns, ctx, R, S);
  if (p) (S.k = k), (S.p = p), (S.i = undefined);
  return '';
}
/** Resumed after the part: what it threw is thrown here, inside this part's error handling. */
export function back(S: Sink): string {
  const x = S.x;
  // (an error leaving a part is a TemplateError: never falsy)
  S.k = S.p = S.x = 0;
  if (x) throw x;
  return '';
}
/** The generator drivers' `runIn`: the part handed to the driver. */
export const handPart = (fns: RenderFns, ctx: Ctx, R: RenderState, _S: Sink): unknown => (R.async ? fns.a(ctx, R) : fns.g(ctx, R));
let runIn = handPart;

/**
 * The render functions of a child template's root when the template has nothing outside its
 * blocks: register the blocks, then render the parent with the same context. This is what the
 * compiler would write for such a root, written once here instead of in every page; `line` is
 * the `{% extends %}` line, which errors on the way name. `env` is a getter: a bundle's linkage
 * module, which imports every page when names are built at run time, may import this one in a cycle.
 */
export function extendsRoot(blocks: Record<string, BlockFns>, parent: () => Template, name: string, line: number, env?: () => SourceOf): RenderFns {
  return bodyFns((ctx, R, S = noSink) => {
    try {
      if (S.k) return back(S);
      registerBlocks(R, blocks);
      enterExtends(R, name);
      return part(parent().spec.root, ctx, R, S, 1);
    } catch (e) {
      throw wrapError(e, name, line, env?.(), R);
    }
  }, 4);
}

/**
 * The drivers of the entry points' streams: flatten and driveAsync, or runtime/drive.ts's, which
 * serve text without a generator of their own (a sync stream) or an async generator's promise
 * turns (an async one) per chunk; sinkPart; runIn; and noSink (see there). kida/node, kida/hono and the Environment
 * install them; a bundle that imports none of them need not carry them (docs/decisions.md,
 * "Streaming over HTTP, third pass").
 */
let drive = driveAsync,
  flat = flatten;
export function useDrivers(f: typeof flatten, d: typeof driveAsync, k: typeof sinkPart, r: typeof runIn, n?: Sink): void {
  flat = f;
  drive = d;
  sinkPart = k;
  runIn = r;
  if (n) noSink = n;
  renderDirect = true;
}

/** Set by readStack (the only code that defers a render), so a bundle without `{% stack %}`
 * leaves the placeholder code out (Rollup drops code reading a `let` nothing assigns): the
 * drivers test it before `R.shared.deferred`, so their holding code goes too. */
// (declared before every reader: Rollup keeps a `let` read before its declaration)
let fillStacks: typeof fillStackMarks | null = null;
/**
 * Drives a part stack asynchronously. With a render state (an entry point's stream), output
 * from the first deferred-stack placeholder on is held and resolved at the end.
 * (`R` is optional rather than defaulted: a bundle carries this.)
 */
export async function* driveAsync(top: Generator<Step, void, string | undefined>, R?: RenderState | null): AsyncGenerator<string, void, undefined> {
  const parts = new PartStack<Step>(top);
  let held = '';
  try {
    for (let v; (v = parts.next()) !== DONE; ) {
      if (typeof v === 'string') {
        if (fillStacks && R?.shared.deferred) held += v;
        else yield v;
      } else if (v instanceof SyncPart) parts.push(v.gen);
      else
        try {
          if ((v as Collect).t) parts.sent = await (v as Collect).t();
          else
            for await (const c of v as AsyncIterable<string>)
              if (fillStacks && R?.shared.deferred) held += c;
              else yield c;
        } catch (e) {
          parts.fail(e);
        }
    }
  } finally {
    parts.close();
  }
  if (fillStacks && held) yield resolveStacks(held, R!);
}

/** `{% call %}` in a template compiled sync: an async def refused as callSync refuses it (values.ts). */
export function callWithCallerSync(f: unknown, args: unknown[], caller: CallerFn): unknown {
  return syncResult(f, callWithCaller(refuseDetached(f), args, caller));
}
/** `{% call f(args) %}`: invokes a def with the caller closure (other callables get no caller). */
export function callWithCaller(f: unknown, args: unknown[], caller: CallerFn): unknown {
  if (typeof f === 'function' && (f as Partial<KidaDef>).invoke)
    return isAsyncCaller(caller) ? invokeWithAsyncCaller(f as KidaDef, args, caller) : observe((f as KidaDef).invoke(args, caller));
  if (typeof f !== 'function') throw new PyError('TypeError', `'${typeof f}' object is not callable`);
  return observe((f as (...a: unknown[]) => unknown)(...args));
}

/**
 * The `loop` of a `for` (docs/security.md, "Lazy loops"). A list is read in place; a string or
 * set is copied (the body may change a set); any other iterable (generators, ranges, host
 * iterators) is read lazily, as Jinja's LoopContext: one item ahead only when `last` or
 * `nextitem` asks, and the rest only when `length`/`revindex`/`revindex0` do, so an endless
 * source with `loop.index` and a `break` ends. A `for` walks `loop[LOOP]()` (a symbol: no
 * template can reach it, nor iterate `loop` to move it on).
 */
export const LOOP = Symbol();
export class LoopContext {
  index0 = -1;
  previtem: unknown = null;
  #cur: unknown = null;
  /** Items from index #o on (the list, or the rest once `length` read it); null while lazy. */
  #a: unknown[] | null;
  #o = 0;
  #it: Iterator<unknown> | undefined;
  #ahead: IteratorResult<unknown> | null = null;
  /** A range's length, known without reading it (`range(n)` with n from data: O(1), as Jinja's); else -1. */
  #n: number;
  constructor(v: unknown) {
    const s = iter(v);
    this.#a = Array.isArray(s) ? s : typeof s === 'string' || s instanceof Set ? [...s] : null;
    this.#n = s instanceof Range ? s.length : -1;
    if (!this.#a) this.#it = s[Symbol.iterator]();
  }
  [LOOP](): Iterable<unknown> {
    return { [Symbol.iterator]: () => ({ next: () => this.#next() }) };
  }
  #next(): IteratorResult<unknown> {
    this.previtem = this.#cur;
    const i = ++this.index0 - this.#o;
    const a = this.#a;
    if (a) return i < a.length ? { value: (this.#cur = a[i]), done: false } : { value: undefined, done: true };
    const r = this.#peek();
    this.#ahead = null;
    if (!r.done) this.#cur = r.value;
    return r;
  }
  #peek(): IteratorResult<unknown> {
    return (this.#ahead ??= this.#it!.next());
  }
  /** The items after the current one, read to the end on first use. */
  #rest(): unknown[] {
    if (this.#a) return this.#a;
    const a: unknown[] = [];
    // (bounded as a list is: an endless or huge source is a SecurityError, not V8's fatal "invalid size")
    for (let r = this.#peek(); !r.done; r = this.#it!.next()) if (a.push(r.value) > MAX_ITEMS) room(a.length, MAX_ITEMS);
    this.#o = this.index0 + 1;
    return (this.#a = a);
  }
  get length(): number {
    return this.#n < 0 ? this.#rest().length + this.#o : this.#n;
  }
  get index(): number {
    return this.index0 + 1;
  }
  get first(): boolean {
    return this.index0 === 0;
  }
  get last(): boolean {
    return this.#a ? this.index0 - this.#o >= this.#a.length - 1 : !!this.#peek().done;
  }
  get revindex(): number {
    return this.length - this.index0;
  }
  get revindex0(): number {
    return this.length - this.index0 - 1;
  }
  get nextitem(): unknown {
    const a = this.#a;
    if (a) return this.index0 - this.#o + 1 < a.length ? a[this.index0 - this.#o + 1] : null;
    const r = this.#peek();
    return r.done ? null : r.value;
  }
  cycle(...values: unknown[]): unknown {
    return values.length ? values[this.index0 % values.length] : null;
  }
}

/** The `loop` of `{% async for %}`: the source length is unknown. */
export class AsyncLoopContext {
  index0 = 0;
  previtem: unknown = null;
  get index(): number {
    return this.index0 + 1;
  }
  get first(): boolean {
    return this.index0 === 0;
  }
  cycle(...values: unknown[]): unknown {
    return values.length ? values[this.index0 % values.length] : null;
  }
  get last(): never {
    return asyncLoopError('last');
  }
  get length(): never {
    return asyncLoopError('length');
  }
  get revindex(): never {
    return asyncLoopError('revindex');
  }
  get revindex0(): never {
    return asyncLoopError('revindex0');
  }
  get nextitem(): never {
    return asyncLoopError('nextitem');
  }
}
function asyncLoopError(attr: string): never {
  throw new TemplateRuntimeError(`loop.${attr} is not available in {% async for %}: the length of an async source is unknown`);
}

/** Iterates sync or async iterables for `{% async for %}`. */
export function asyncIter(v: unknown): AsyncIterable<unknown> | Iterable<unknown> {
  if (v != null && typeof (v as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function') return v as AsyncIterable<unknown>;
  return iter(v);
}

/** Python iteration unpacking for `for a, b in ...` (exact arity). */
export function unpackIter(v: unknown, n: number): unknown[] {
  const items = Array.isArray(v) ? v : listOf(iter(v));
  if (items.length !== n)
    throw new PyError(
      'ValueError',
      items.length > n ? `too many values to unpack (expected ${n})` : `not enough values to unpack (expected ${n}, got ${items.length})`,
    );
  return items;
}

/** Destructuring in `set a, b = v` indexes (extra elements ignored, too few is an IndexError). */
export function unpackIndex(v: unknown, n: number): unknown[] {
  const items = typeof v === 'string' ? [...v] : Array.isArray(v) ? v : listOf(iter(v));
  if (items.length < n) throw new PyError('IndexError', 'list index out of range');
  return items;
}

/** Where a runtime error finds its template's source: the Environment knows it, a bundle does not. */
export type SourceOf = { sourceOf?: (name: string) => string | null };

/**
 * Runtime errors leaving a function of a template name the template and the line being executed.
 * Every function a template compiles to ends in this handler: `R` is a root or block function's
 * render state (an include adds its frame to the template stack), `def` the name of the def whose
 * body failed (the caller's handler adds the call to the component stack).
 */
export function wrapError(e: unknown, templateName: string, line: number, env?: SourceOf, R?: RenderState | null, def?: string): unknown {
  let err: TemplateError;
  let moved = false; // (the message is laid out again once, at the end, if anything changed)
  let msg: string | 0;
  try {
    msg = e instanceof TemplateError ? 0
      : e instanceof RangeError && /call stack/i.test(e.message) ? `Recursion too deep: ${e.message}`
      : e instanceof Error ? `${e.name}: ${e.message}` : `Error: ${String(e)}`;
  } catch {
    // (a host value that cannot be printed: a throwing toString or getter, a revoked Proxy)
    msg = 'Error: ?';
  }
  if (msg) err = new TemplateRuntimeError(msg, 'K-RUN-007', { templateName, lineno: line || null, cause: e, source: env?.sourceOf?.(templateName) ?? null });
  else moved = place((err = e as TemplateError), templateName, line, env);
  if (err.callee !== null) {
    // (a def of another template: the call also enters that template, as an include does)
    err.componentStack.unshift([templateName, line, err.callee[0]]);
    if (err.callee[1] !== templateName) err.templateStack.unshift([templateName, line]);
    err.callee = null;
    moved = true;
  }
  if (def !== undefined) err.callee = [def, templateName];
  // (the root and the parent chain of one included render share R: its frame goes in once)
  if (R?.fromTemplate && err.includedBy !== R) {
    err.templateStack.unshift([R.fromTemplate, R.fromLine!]);
    err.includedBy = R;
    moved = true;
  }
  if (moved) err.relayout();
  return err;
}

/** Gives an error raised without a position (by a runtime helper) the template and line. */
export function locate(e: TemplateError, templateName: string, line: number, env?: SourceOf): TemplateError {
  if (place(e, templateName, line, env)) e.relayout();
  return e;
}
/** locate's work without the layout: true when the position changed. */
function place(e: TemplateError, templateName: string, line: number, env?: SourceOf): boolean {
  if (e.lineno == null && line && (e.templateName ?? templateName) === templateName) {
    e.templateName = templateName;
    e.lineno = line;
    e.source = env?.sourceOf?.(templateName) ?? null;
    return true;
  }
  if (e.templateName != null) return false;
  e.templateName = templateName;
  return true;
}

/** Loads the namespace of `{% import %}`: the imported template's top-level names. */
export function importNamespace(t: Template, ctx: Ctx, R: RenderState): Ctx {
  if (t.spec.isAsync)
    throw new TemplateRuntimeError(
      `Template '${t.name}' is async (${t.spec.asyncReason || 'await'}): only an async template (one with await or async for) can import it`,
      'K-RUN-007',
    );
  t.spec.root.s(ctx, subState(R));
  return namesOf(ctx);
}

/** `{% import %}` in an async part: an async template's defs may await, so its top level is run
 * by its async render (output dropped) rather than refused as a sync render of it would be. */
export async function importNamespaceAsync(t: Template, ctx: Ctx, R: RenderState): Promise<Ctx> {
  if (!t.spec.isAsync) return importNamespace(t, ctx, R);
  for await (const _ of t.spec.root.a(ctx, subState(R)));
  return namesOf(ctx);
}

/** The names an imported template's top level defined, as its namespace. */
function namesOf(ctx: Ctx): Ctx {
  const ns: Ctx = Object.create(null);
  for (const k of Object.keys(ctx)) ns[k] = ctx[k];
  return ns;
}

/** `{% from x import a %}` accepts callables only. */
export function importName(ns: Ctx, name: string, templateName: string): unknown {
  const v = Object.hasOwn(ns, name) ? ns[name] : undefined;
  if (typeof v !== 'function')
    throw new TemplateRuntimeError(`Macro '${name}' not found in template '${templateName}'`, 'K-RUN-008');
  return v;
}

// (in context.ts, which ld's default needs without importing this module)
export { undefinedName } from './context.js';

export function notFound(name: string, from: string | null): never {
  throw new TemplateNotFoundError(`Template '${name}' not found${from ? ` (referenced from ${from})` : ''}`);
}

/** `consume(key, default)`: the innermost `{% provide %}` value for key. */
export function consume(R: RenderState, key: unknown, dflt: unknown = null): unknown {
  const stack = R.shared.provided?.get(String(key));
  return stack && stack.length ? stack[stack.length - 1] : dflt;
}
export function provide(R: RenderState, key: string, value: unknown): void {
  const provided = (R.shared.provided ??= new Map());
  let stack = provided.get(key);
  if (!stack) provided.set(key, (stack = []));
  stack.push(value);
}
export function unprovide(R: RenderState, key: string): void {
  R.shared.provided!.get(key)!.pop();
}
export function pushStack(R: RenderState, name: string, text: string): void {
  const stacks = (R.shared.stacks ??= new Map());
  let stack = stacks.get(name);
  if (!stack) stacks.set(name, (stack = []));
  stack.push(text);
}
/**
 * `{% stack %}` is deferred: it emits a placeholder that the end of the render replaces with
 * everything pushed to that stack anywhere in the render. NUL never survives escaping, so
 * data cannot forge a placeholder.
 */
export function readStack(R: RenderState, name: string, inAttr?: true | 2): string {
  fillStacks = fillStackMarks;
  R.shared.deferred = true;
  return `\u0000kida-stack${inAttr ? (inAttr === true ? '"' : '<') : ''}:${name}\u0000`;
}
// (`"`: the stack stands in a double-quoted attribute value, where its text's `"` is escaped; `<`: in one on some paths, output.ts inAmb)
const STACK_MARK = /\u0000kida-stack(["<]?):([^\u0000]*)\u0000/g;
const fillStackMarks = (text: string, R: RenderState): string =>
  text.replace(STACK_MARK, (_, dq: string, name: string) => {
    const t = (R.shared.stacks?.get(name) ?? []).join('');
    return dq ? (dq === '"' ? inDq : inAmb)(t) : t;
  });
export function resolveStacks(text: string, R: RenderState): string {
  return fillStacks && R.shared.deferred ? fillStacks(text, R) : text;
}
/** What a sync template part's generator yields: text, or the generator of a part it renders. */
export type SyncStep = string | Generator<SyncStep, void, undefined>;
const NO_ERROR = Symbol();
export const DONE = Symbol();

/**
 * The open parts of a streamed render (includes, blocks, parents), innermost last: `next()`
 * resumes the innermost and returns what it yields, text or a part its driver may `push`,
 * popping parts that finish. So each chunk passes through one generator, not through a yield*
 * chain as deep as the nesting. A part's error is thrown back into the part that rendered it
 * (its error wrapping applies); `close()` of an abandoned stream closes every open part,
 * innermost first. Shared by the sync stream (flatten) and the async driver (driveAsync).
 */
export class PartStack<T> {
  private readonly stack: Generator<T, void, unknown>[];
  private err: unknown = NO_ERROR;
  /** Text for the innermost part at its next resume (what it asked a Collect for). */
  sent: string | undefined;
  constructor(top: Generator<T, void, unknown>) {
    this.stack = [top];
  }
  push(part: Generator<T, void, unknown>): void {
    this.stack.push(part);
  }
  /** Throws `e` into the innermost part at its next resume. */
  fail(e: unknown): void {
    this.err = e;
  }
  next(): T | typeof DONE {
    const stack = this.stack;
    while (stack.length) {
      const it = stack[stack.length - 1]!;
      const { err, sent } = this;
      this.err = NO_ERROR;
      this.sent = undefined;
      let r: IteratorResult<T, void>;
      try {
        r = err === NO_ERROR ? it.next(sent) : it.throw(err);
      } catch (e) {
        stack.pop();
        if (!stack.length) throw e;
        this.err = e;
        continue;
      }
      if (!r.done) return r.value;
      stack.pop();
    }
    return DONE;
  }
  /** (a finished or failed stack is empty: only an abandoned one has parts left to close) */
  close(): void {
    for (const part of this.stack.reverse()) part.return();
  }
}

/**
 * A sync template part's stream: its text chunks, the parts it renders entered on a PartStack.
 * With a render state, output from the first deferred-stack placeholder on is held and
 * resolved at the end (the entry points' stream); without, chunks just pass through.
 */
export function* flatten(top: Generator<SyncStep, void, undefined>, R?: RenderState | null): Generator<string, void, undefined> {
  const parts = new PartStack<SyncStep>(top);
  let held = '';
  try {
    for (let v; (v = parts.next()) !== DONE; ) {
      if (typeof v !== 'string') parts.push(v);
      else if (fillStacks && R?.shared.deferred) held += v;
      else yield v;
    }
  } finally {
    parts.close();
  }
  if (fillStacks && held) yield resolveStacks(held, R!);
}

async function textOf(parts: AsyncIterable<string>, R: RenderState, name: string): Promise<string> {
  let out = '';
  try {
    for await (const c of parts) out += c;
  } catch (e) {
    // (a page past V8's longest string: a TemplateRuntimeError naming the page, as render()'s
    // names the line that passed it; here the template's code had finished that part. A template's
    // own error, already placed, passes unchanged; s19)
    throw wrapError(e, name, 0);
  }
  return resolveStacks(out, R);
}

export { UNDEF, getattr };
