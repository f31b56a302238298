// Sandbox mode for templates written by untrusted authors: a policy decides which names and
// callables are reachable on every access path, and bounds a render's iterations, time,
// allocations and output. Templates compiled with `sandbox: true` call these instead of the
// plain helpers (docs/security.md), so bundles of trusted templates carry none of it.

import { PyError, SecurityError, TemplateError, docsUrl, placed } from './errors.js';
import { callWithCaller, callWithCallerSync, type CallerFn, type SourceOf } from './template.js';
import { Markup } from './markup.js';
import { Kwargs, Range, add, callValue, concat, contains, dictHas, eq, ge, gt, le, lt, getattr, getattrOpt, getitem, getitemOpt, isDict, isFloat, isNumber, isString, iter, mod, mul, observe, pow, pyStr, refuseDetached, stale, syncResult, typeName } from './values.js';
import { callAttrOpt, errorInfo, range as plainRange } from './ops.js';
import { MAX_CHARS, room, setActive, type Active } from './limits.js';
import { METHOD_NAMES } from './signatures.js';
import { pyRegex } from './tests.js';
import { linearMatcher } from './regex.js';
import { DATA, ld, type Ctx } from './context.js';
import { builtinGlobals, g_int, g_max, g_min, g_sorted, g_str } from './globals.js';
import { registry } from './linkage.js';

export interface SandboxPolicy {
  /** Largest `range()` / `a..b` allowed (default 10,000; null: unlimited). */
  maxRange?: number | null;
  /** Longest output allowed, in characters, checked while it is built (default 1,000,000; null: unlimited). */
  maxOutputSize?: number | null;
  /** Allow methods that mutate data (`append`, `update`, `pop`, Date setters, Map/Set methods, …); default false. */
  allowMutatingMethods?: boolean;
  /** Type names that may be called, by the template or by a filter for it (`map("m")`); default: any. */
  allowCalling?: string[] | null;
  /** Extra attribute names to block (on every access path: `.x`, `["x"]`, `attr()`, attribute arguments, `.get()`, format fields). */
  blockedAttributes?: string[];
  /** Allow-list mode: only these attribute names (plus non-mutating collection methods) are reachable; default null (off). */
  allowedAttributes?: string[] | null;
  /** Most iterations in one render: loops, comprehensions, def calls, includes, items filters walk (default 100,000; null: unlimited). */
  maxLoopIterations?: number | null;
  /** Longest render, in milliseconds of wall time, checked with each iteration (default 1,000; null: unlimited). */
  maxRenderTime?: number | null;
  /** Most characters or items in one value a template builds (repetition, padding, batch, …); default 1,000,000.
   * Integers from `**` may have a tenth as many digits. */
  maxAllocation?: number;
}

/** The defaults of `sandbox: true` (and of any key a policy object leaves out). */
export const SANDBOX_DEFAULTS = {
  maxRange: 10_000,
  maxOutputSize: 1_000_000,
  maxLoopIterations: 100_000,
  maxRenderTime: 1_000,
  maxAllocation: 1_000_000,
} as const;

const MUTATING = new Set([
  'append', 'extend', 'insert', 'pop', 'remove', 'sort', 'reverse', 'clear', 'update', 'setdefault', 'popitem', 'add',
  'discard', 'push', 'splice', 'set', 'delete', 'shift', 'unshift', 'fill', 'copyWithin',
  // (in place on host data too: a resizable buffer's size, a detached buffer, a RegExp recompiled)
  'resize', 'grow', 'transfer', 'transferToFixedLength', 'compile',
]);
/**
 * Node's Buffer (a Uint8Array) writes itself in place through more than the typed-array names:
 * `write`, `writeUInt8`…`writeBigInt64LE`, `latin1Write`/`utf8Write`/`hexWrite`…, `swap16/32/64`.
 */
const WRITES = /^write|^swap(?:16|32|64)$|^(?:latin1|utf8|ucs2|utf16le|ascii|base64|base64url|hex)Write$/;
/**
 * Known mutators: Python/JS collection methods, Map/Set/typed-array/ArrayBuffer methods, `Date`
 * setters (`setFullYear`), Buffer writers, `copy` of a typed array (it writes its argument,
 * `src.copy(target)`; a dict's `copy()` is a copy), and `exec`/`test` of a global or sticky
 * RegExp (they move its `lastIndex`: the host's next use of it, or the next render's, starts elsewhere).
 */
export const mutates = (name: string, obj?: unknown): boolean =>
  MUTATING.has(name) || /^set[A-Z]/.test(name) || WRITES.test(name) || (name === 'copy' && ArrayBuffer.isView(obj)) ||
  ((name === 'exec' || name === 'test') && obj instanceof RegExp && (obj.global || obj.sticky));

/**
 * Accepts camelCase or the reference's snake_case keys, or `true` for the defaults; null turns a
 * limit off. A value of the wrong kind is a TypeError here, not a policy that silently differs:
 * every comparison with NaN is false (`maxLoopIterations: Number(process.env.X)` unset was no
 * limit at all), and a string where a list goes was searched as text (`allowedAttributes: "username"`
 * allowed `user`, `name` and `e`).
 */
export function normalizePolicy(p: unknown): Required<SandboxPolicy> {
  const o = (p && typeof p === 'object' ? p : {}) as Record<string, unknown>;
  const pick = (a: string, b: string) => (o[a] !== undefined ? o[a] : o[b]);
  const limit = (a: string, b: string, d: number): number | null => {
    const v = pick(a, b);
    if (v === undefined) return d;
    if (v === null || (typeof v === 'number' && v >= 0)) return v;
    throw new TypeError(`Sandbox policy ${o[a] !== undefined ? a : b}: a number of 0 or more, or null for no limit (got ${typeof v === 'number' ? v : JSON.stringify(v) ?? typeof v})`);
  };
  const names = (a: string, b: string): string[] | null => {
    const v = pick(a, b);
    if (v === undefined || v === null) return null;
    // (a copy, checked as kept: the host's own list, reachable from the data, let a template
    // rewrite the policy when allowMutatingMethods is on; red team s15)
    const list = Array.isArray(v) ? [...(v as unknown[])] : null;
    if (list?.every((x) => typeof x === 'string')) return Object.freeze(list) as string[];
    throw new TypeError(`Sandbox policy ${o[a] !== undefined ? a : b}: a list of names (got ${JSON.stringify(v) ?? typeof v})`);
  };
  return {
    maxRange: limit('maxRange', 'max_range', SANDBOX_DEFAULTS.maxRange),
    maxOutputSize: limit('maxOutputSize', 'max_output_size', SANDBOX_DEFAULTS.maxOutputSize),
    allowMutatingMethods: !!pick('allowMutatingMethods', 'allow_mutating_methods'),
    allowCalling: names('allowCalling', 'allow_calling'),
    blockedAttributes: names('blockedAttributes', 'blocked_attributes') ?? [],
    allowedAttributes: names('allowedAttributes', 'allowed_attributes'),
    maxLoopIterations: limit('maxLoopIterations', 'max_loop_iterations', SANDBOX_DEFAULTS.maxLoopIterations),
    maxRenderTime: limit('maxRenderTime', 'max_render_time', SANDBOX_DEFAULTS.maxRenderTime),
    maxAllocation: limit('maxAllocation', 'max_allocation', SANDBOX_DEFAULTS.maxAllocation) ?? MAX_CHARS,
  };
}

/** A broken sandbox rule, in the reference's layout: the rule, where (when known), Hint:, Docs:.
 * (Here, not in errors.ts: only sandboxed bundles carry it.) */
export class PolicyError extends SecurityError {
  constructor(message: string, pos: { suggestion: string }, code = 'K-SEC-001') {
    super(message, pos);
    this.code = code;
    this.relayout(); // (laid out twice, on an error path: a code parameter on SecurityError would cost every bundle 9 bytes)
  }
  protected override layout(): string {
    const hint = this.suggestion ? `\n  Hint: ${this.suggestion}` : '';
    return `${this.rawMessage}${placed(this)}${hint}\n  Docs: ${docsUrl(this.code)}`;
  }
}

/**
 * Kida's own Environments (and the Nunjucks adapter's wrappers), registered by their constructors:
 * handed to a sandboxed template, one compiled and ran a template of the author's choosing
 * outside the policy (`env.fromString("{{ o._secret }}").render({"o": user})`), and showed every
 * template's source (`env.sources`). s17
 */
export const HOST_ONLY = new WeakSet<object>(); // (objects, and an Environment's Templates' methods)
/**
 * A compiled Template (a plain object: its render methods and compiled spec), or what is registered
 * (s19): an Environment, its loader, fragment store, linkage and its Templates' specs and methods
 * (`tpl.spec.root.s(ctx)` ran a trusted body on a context the author wrote, reading a hidden key),
 * Kida's loaders, the Sandbox, a registry a sandboxed render links to; by shape, a module namespace
 * exporting a Template (`import * as page`: its `render` export renders it).
 */
const isKidaObject = (v: unknown): boolean =>
  typeof v === 'function' ? HOST_ONLY.has(v) : !!v && typeof v === 'object' && !Array.isArray(v) && (HOST_ONLY.has(v) || kidaShape(v as Record<string | symbol, any>));
function kidaShape(v: Record<string | symbol, any>): boolean {
  // (one read for data; observed, as a getter's promise read here and dropped would end Node)
  const rs = observe(v.renderStream);
  if (rs !== undefined) return typeof rs === 'function' && typeof observe(v.spec)?.root === 'object';
  return Object.getPrototypeOf(v) === null && v[Symbol.toStringTag] === 'Module' && isKidaObject(v.default);
}
/**
 * Refuses (K-SEC-001) a Template or Environment as a value of a sandboxed template, or as what it
 * reads from: rendering one runs a template outside the policy (a trusted `{{ obj[key] }}` given
 * `{"obj": user, "key": "_secret"}` read the key the policy hides). Include or extend by name.
 */
const noKidaResult = <T>(v: T): T => (noKidaObject(v), v);
export function noKidaObject(v: unknown): void {
  if (isKidaObject(v))
    throw new PolicyError('A Template or Environment (or its loader, spec or registry) is not reachable from a sandboxed template', {
      suggestion: 'Include or import templates by name; pass their rendered text as data',
    });
}

/** The policy. It is also the ACTIVE state (limits.ts) around the template's own enumerations (`sbHide`). */
export class Sandbox implements Active {
  readonly policy: Required<SandboxPolicy>;
  readonly cap: number;
  /** Nunjucks mode writes a function as its JavaScript source: textBound refuses one (set by the Environment). */
  source = false;
  constructor(policy: unknown) {
    HOST_ONLY.add(this).add(registry); // (the bundler's registry: `load`, `cache`, handed as data)
    this.policy = normalizePolicy(policy);
    this.cap = this.policy.maxAllocation;
  }
  noSource(v: unknown): void {
    if (this.source && typeof v === 'function') throw sourceError();
  }
  /**
   * Values a deep walk (`==`, ordering, hashing) visited since the template's helper began
   * (`hiding` resets it): walks of shared parts (`x = [x, x]` in a loop) take exponential time, so
   * each is bounded by maxLoopIterations and maxRenderTime as a loop is; a filter's walks count on
   * the render's Run instead. s9
   */
  walked = 0;
  since = 0;
  /** The Run that ticked last: the template's own `in`/`==`/orderings (sbHide, no render state at hand) charge what they read to it. s17 */
  last?: Run;
  tick(n = 1): void {
    const p = this.policy;
    this.walked += n;
    if (p.maxLoopIterations !== null && this.walked > p.maxLoopIterations) throw limitError('Loop iterations', p.maxLoopIterations, 'maxLoopIterations');
    // (the clock from the 1,024th value, read every 1,024: `hiding` runs around every output and
    // `==`, and a clock read there would cost each of them)
    if ((this.walked & 1023) === 0 && p.maxRenderTime !== null)
      if (this.walked === 1024) this.since = Date.now();
      else if (Date.now() - this.since > p.maxRenderTime) throw renderTimeError(p.maxRenderTime);
  }
  /**
   * A wait of the render `R` (a `{% defer %}`'s values): bounded by maxRenderTime, as sbAwait
   * bounds the template's own, but against one deadline per render (`Run.late`): a fan-out of
   * parts sets no timer each. `end` clears it when the render's parts are done.
   */
  wait(R: R, v: unknown): unknown {
    if (!v || typeof (v as PromiseLike<unknown>).then !== 'function') return v;
    const run = runOf({ sandbox: this }, R);
    const max = this.policy.maxRenderTime;
    if (max === null) return v;
    if (!run.late) {
      ({ late: run.late, timer: run.timer } = deadline(run, max));
      run.late.catch(() => {}); // (observed even if no wait is left when it fires)
    }
    return Promise.race([v, run.late]);
  }
  /** The render's parts are done (or abandoned): its deadline timer goes. */
  end(R: R): void {
    clearTimeout(runOf({ sandbox: this }, R).timer);
  }
  /** Before a `{% defer %}` part starts: refuses it past maxRenderTime (a fan-out of parts ticks no loop). */
  due(R: R): void {
    runOf({ sandbox: this }, R).clock();
  }
  /** A key no enumeration shows (`for k in d`, `{{ d }}`, items(), tojson, `in`, ...): one `d[k]` refuses. */
  hide(k: unknown, of?: unknown): boolean {
    if (!isString(k)) return false;
    const s = String(k);
    const only = this.policy.allowedAttributes;
    // (`of`: the object enumerated, when not a dict its keys are attributes: allow-list mode lists them)
    return s.startsWith('_') || this.policy.blockedAttributes.includes(s) || (!!only && of !== undefined && !isDict(of) && !only.includes(s));
  }
  /** `calling`: the attribute is called, or read as a function (a mutator read now is called later). */
  checkAttr(name: string, calling: boolean, obj?: unknown, item = false): void {
    const p = this.policy;
    noKidaObject(obj);
    const mut = calling && !p.allowMutatingMethods && mutates(name, obj);
    // (item access to a dict or list, `d["k"]`, `d.get("k")`, is not attribute access: the allow-list does not apply)
    const listed = !p.allowedAttributes || (item && (obj === undefined || isDict(obj) || Array.isArray(obj))) || this.allowed(name, obj);
    if (name.startsWith('_') || p.blockedAttributes.includes(name) || mut || !listed)
      throw new PolicyError(`Access to attribute '${name}' is blocked by sandbox policy`, {
        suggestion: mut ? 'Build a new value instead, or allow mutating methods in the sandbox policy' : 'Remove the attribute access',
      });
  }
  /** Allow-list mode: a listed name, or a non-mutating collection/string method that is not a key of the dict. */
  private allowed(name: string, obj: unknown): boolean {
    if (this.policy.allowedAttributes!.includes(name)) return true;
    if (!METHOD_NAMES.includes(name) || mutates(name)) return false;
    return !(isDict(obj) && dictHas(obj, name));
  }
  /**
   * A dotted/comma-separated attribute path given to a filter (`map(attribute="a.b")`, `sort(attribute="x,y")`).
   * `of`: the object an item read (`get`) reads from, when known: a dict's key is an item, a class
   * instance's is an attribute (the allow-list decides).
   */
  checkPath(path: unknown, calling = false, item = false, of?: unknown): void {
    if (!isString(path)) return;
    for (const part of String(path).split(/[.,]/)) {
      const n = part.trim();
      if (n && !/^-?\d+$/.test(n)) this.checkAttr(n, calling, of ?? undefined, item);
    }
  }
  /**
   * `str.format` fields (`{0._x}`, `{0[_x]}`, `{_x}`): every name a field reads. In allow-list
   * mode a `[key]` is item access only on the argument itself when that is a dict or list (as
   * `d["k"]`); deeper, where the value is not known yet, it must be a listed name (before, `{0[pw]}`
   * read an unlisted property of a class instance).
   */
  checkFields(fmt: string, args: unknown[] = []): void {
    const kw = args[args.length - 1] instanceof Kwargs ? (args[args.length - 1] as Kwargs).kw : {};
    let auto = 0;
    for (const [, field] of fmt.replace(/\{\{|\}\}/g, '').matchAll(/\{([^{}!:]*)/g)) {
      const head = /^[^.[]*/.exec(field!)![0];
      const arg = head === '' ? args[auto++] : /^\d+$/.test(head) ? args[+head] : Object.hasOwn(kw, head) ? kw[head] : undefined;
      let i = 0;
      let at: unknown = arg; // (the value the segments reach, while it is data: no Template on the way. s18)
      for (const [, dotted, item] of `.${field}`.matchAll(/\.([^.[]*)|\[([^\]]*)\]/g)) {
        const name = (dotted ?? item)!;
        if (i) noKidaObject((at = fieldStep(at, name.trim())));
        // (segment 1 reads the argument itself; later ones read values not known yet: null)
        if (i++ && dotted === undefined && this.policy.allowedAttributes && !/^-?\d+$/.test(name.trim()))
          this.checkAttr(name.trim(), false, i === 2 && arg !== undefined ? arg : null, true);
        else this.checkPath(name, false, i === 1 || dotted === undefined); // (the head names an argument, not an attribute)
      }
    }
  }
  checkCall(f: unknown): void {
    noKidaObject(f); // (every call and callable passed: a Template's method from a list item or loop variable, any mode. s19)
    const allowed = this.policy.allowCalling;
    if (allowed && !allowed.includes(typeName(f)))
      throw new PolicyError(`Calling objects of type '${typeName(f)}' is not permitted by sandbox policy`, {
        suggestion: `Add '${typeName(f)}' to the policy's allowCalling list`,
      }, 'K-SEC-004');
  }
  checkRange(r: Range): Range {
    if (this.policy.maxRange !== null && r.length > this.policy.maxRange) // (null: no limit, as for the others)
      throw new PolicyError(`range() size ${r.length} exceeds sandbox limit of ${this.policy.maxRange}`, {
        suggestion: 'Reduce the range size, or raise the policy maxRange',
      }, 'K-SEC-003');
    return r;
  }
  /**
   * `njk`: the check of a Nunjucks-mode template, which writes functions as their source. Its
   * compiled module says so on each render (runtime/template.ts limitOutput checks 0 first): the
   * Environment sets `source` when it is made, but a module compiled with compile() and linked to
   * a registry holding this Sandbox printed a host function's source before.
   */
  checkOutput(size: number, njk?: 0 | 1, R?: R): void {
    if (njk) this.source = true;
    // (the render's own `in`/`==` charge `last`. With R (a wrapped render's every step, s19): its
    // Run, as a render read alternately with another, or one resumed after the other's await,
    // charged the other's. Without (a module compiled before): 0 starts a render, and its first
    // operators charged a finished render's Run (a false refusal 120 ms later, s18).)
    if (R) runOf({ sandbox: this }, R);
    else if (!size) this.last = undefined;
    const max = this.policy.maxOutputSize;
    if (max !== null && size > max)
      throw new PolicyError(`Render output size (${size} chars) exceeds sandbox limit of ${max}`, {
        suggestion: 'Reduce template output, or raise the policy maxOutputSize',
      }, 'K-SEC-005');
  }
}

type Env = { sandbox?: Sandbox };
type R = { shared: object };

export const limitError = (what: string, max: number, key: string) =>
  new PolicyError(`${what} exceed${what.endsWith('s') ? '' : 's'} sandbox limit of ${max}`, {
    suggestion: `Do less work in the template, or raise the policy ${key}`,
  }, 'K-SEC-003');

/**
 * One render's budget (shared by every template of the render: keyed by its shared state).
 * While sandboxed code calls into the runtime it is the ACTIVE run (limits.ts), so runtime
 * helpers bound what they build by `cap` and filters' walks are counted.
 */
/** What one uncountable call may read, in KB per millisecond of maxRenderTime (Run.work). s17 */
export const READ_KB_PER_MS = 50;
export class Run implements Active {
  ticks = 0;
  /** Rejects at maxRenderTime: what `{% defer %}` waits race (Sandbox.wait), with its timer. */
  late?: Promise<never>;
  timer?: ReturnType<typeof setTimeout>;
  readonly start = Date.now();
  readonly cap: number;
  constructor(readonly sb: Sandbox) {
    this.cap = sb.policy.maxAllocation;
  }
  hide(k: unknown, of?: unknown): boolean {
    return this.sb.hide(k, of);
  }
  noSource(v: unknown): void {
    this.sb.noSource(v);
  }
  /** `n` iterations: enforces maxLoopIterations and maxRenderTime (the clock read every 64, or on a batch). */
  tick(n = 1): void {
    const p = this.sb.policy;
    const before = this.ticks;
    this.ticks += n;
    if (p.maxLoopIterations !== null && this.ticks > p.maxLoopIterations) throw limitError('Loop iterations', p.maxLoopIterations, 'maxLoopIterations');
    if (n > 1 || (before & 63) === 63) this.clock();
  }
  /**
   * `kb` iterations of one call's reading (comparisons: compareCost, opCost). The call cannot be
   * interrupted, so one that would read more than READ_KB_PER_MS KB per millisecond of
   * maxRenderTime is refused before it starts (measured: a `max` of long strings reads ~50 MB/s).
   */
  work(kb: number, reads = kb): void {
    const t = this.sb.policy.maxRenderTime;
    if (t !== null && reads > t * READ_KB_PER_MS) throw limitError(`One call's reading (${reads} KB)`, t * READ_KB_PER_MS, 'maxRenderTime (KB one call may read, 50 a millisecond)');
    if (kb) this.tick(kb);
  }
  /**
   * While a comparing call runs whose compared values compareCost could not see (an attribute or
   * the text of a host object, a key function's results): what each key it computes counts, in
   * iterations a KB (times log2(n) for a sort); 0 otherwise. `keyKb`: the KB read so far by that call.
   * `(users * 5000) | sort(attribute="bio")` with two class instances holding a million characters
   * each lowered 10,000 copies of them (V8 aborted) and read 10^11 characters. s18
   */
  private blind = 0;
  private keyKb = 0;
  key(k: unknown): void {
    if (!this.blind) return;
    const n = strChars(k, this.cap * 2);
    if (n < 1024) return;
    this.keyKb += n >> 10;
    this.work((n >> 10) * this.blind, this.keyKb * this.blind);
  }
  /** Runs a comparing call `f`, charging the keys it computes at `blind` (compareCost's answer). */
  compared<T>(blind: number, f: () => T): T {
    const [b, kb] = [this.blind, this.keyKb];
    [this.blind, this.keyKb] = [blind, 0];
    try {
      return f();
    } finally {
      [this.blind, this.keyKb] = [b, kb];
    }
  }
  /** Lists already counted (`built`): a list kept and returned again, or put in another, is not counted twice. */
  private counted = new WeakSet<object>();
  /**
   * The size of a list a call built, in iterations: one per KB (128 items of 8 bytes; the lists
   * of a KB or more in it not counted before count their items: `batch`, `slice`), as a string's is one per 1,024
   * characters (`run`). maxAllocation bounds one value, not how many a render keeps:
   * `[[0] * 10**6 for i in range(10000)]` or `[big[i:] for i in …]` built a value at the bound
   * each iteration, one tick apiece, and grew the heap by ~900 MB within the default second (V8
   * aborted under a smaller heap, and the clock, read every 64 ticks, came 1-2 s late). Counted
   * so, a render builds at most maxLoopIterations KB (~100 MB by default), and each large value
   * reads the clock. s16
   */
  private built(r: unknown[]): number {
    let items = r.length;
    if (items >= 128 && this.counted.has(r)) return 0;
    // (only lists of a KB or more are remembered: a WeakSet entry per small result cost a sandboxed
    // render of 2,000 rows 30% more CPU; a small inner list is counted by its slot in the outer one)
    for (const x of r) if (Array.isArray(x) && x.length >= 128 && !this.counted.has(x)) this.counted.add(x), (items += x.length);
    if (items >= 128) this.counted.add(r);
    return items >> 7;
  }
  /** Reads the clock: past maxRenderTime, the render's SecurityError. */
  clock(): void {
    const max = this.sb.policy.maxRenderTime;
    if (max !== null && Date.now() - this.start > max) throw renderTimeError(max);
  }
  /** Counts the items a callee will walk; an iterator is counted lazily as it is consumed. */
  feed(v: unknown): unknown {
    if (Array.isArray(v) || ArrayBuffer.isView(v)) this.tick((v as ArrayLike<unknown>).length + 1);
    else if (v instanceof Range) this.tick(v.length + 1);
    else if (v instanceof Map || v instanceof Set) this.tick(v.size + 1);
    else if (isDict(v)) this.tick(Object.keys(v).length + 1);
    else if (isString(v) && String(v).length >= 2048) this.tick(String(v).length >> 10); // (a KB of text: an iteration, and a clock read)
    else if (v && typeof v === 'object' && typeof (v as Iterator<unknown>).next === 'function' && Symbol.iterator in v)
      return counted(this, v as Iterable<unknown>);
    return v;
  }
  /**
   * Runs `f` as the active run; a result over the allocation bound is refused (its inputs were
   * counted), and what it built counts towards the iterations (one per KB: `built`).
   */
  run<T>(f: () => T): T {
    const prev = setActive(this);
    try {
      const r = f();
      const text = typeof r === 'string' || r instanceof Markup;
      const n = text ? String(r).length : Array.isArray(r) ? r.length : 0;
      if (n > this.cap) room(n);
      const kb = text ? n >> 10 : n ? this.built(r as unknown[]) : 0;
      if (kb) this.tick(kb), text && flat(r);
      return r;
    } finally {
      setActive(prev);
    }
  }
}
/**
 * Flattens a string built piece by piece: a rope of a million `+=` or replaced matches takes ~30
 * bytes a character until read (20 results of `s | replace("x", "y")` on a 10^6-character string
 * held 610 MB, so the KB count let V8 abort under a 400 MB heap); reading a character flattens it.
 */
const flat = (v: unknown): unknown => (typeof v === 'string' ? v : String(v)).charCodeAt(0);
function* counted(run: Run, it: Iterable<unknown>): Generator<unknown> {
  for (const x of it) {
    run.tick();
    yield x;
  }
}

/** Per-render budgets, kept on the render state shared by every template of one render. */
const RUNS = new WeakMap<object, Run>();
export function runOf(env: Env, R: R): Run {
  let run = RUNS.get(R.shared);
  if (!run) RUNS.set(R.shared, (run = new Run(env.sandbox!))), HOST_ONLY.add(env); // (the linkage or registry: `load`, `cache`)
  return (env.sandbox!.last = run);
}

/**
 * A helper of the template's own code that may enumerate a dict (iteration, output, `in`, `==`):
 * the codegen links sandboxed modules to this twin of it, which runs it with the policy's hidden
 * keys left out (dictKeys reads ACTIVE), as the filters and calls run.run makes already are.
 */
export function sbHide<F extends (...a: any[]) => unknown>(envOf: () => Env, f: F, text?: boolean): F {
  const comparing = COMPARING.has(f);
  return ((...a: unknown[]) => {
    const env = envOf();
    if (text) textBound(env.sandbox!.cap, a[0], env.sandbox!.source); // (output of a container: its repr is bounded before it is written)
    else if (comparing) opCost(env.sandbox!, f, a[0], a[1]);
    return hiding(env, () => f(...a));
  }) as F;
}

/**
 * Refuses (K-SEC-003), before anything is built, a value whose text (str/repr, tojson, pprint,
 * join) would pass `cap` characters: a walk that counts no more than each value adds to any of
 * those texts, and stops as soon as the count passes `cap`: a string its length, a number its
 * digits, a boolean 4 (`True`, `true`), anything else 1, and `sep` between two items (1: repr's
 * `, `, JSON's `,`; 0 for `join`, whose separator may be empty). It is what bounds a repr of
 * shared parts (`[s] * 1000` where `s` has a million characters: a billion characters, minutes of
 * CPU and an out-of-memory abort before, since repr writes each reference out again). At most
 * `cap` steps: every value visited adds at least one character. Still a lower bound: repr's
 * quotes, `None` and `: ` are not counted (docs/security.md gives the factor).
 */
export function textBound(cap: number, v: unknown, source = false, sep = 1): void {
  if (source && typeof v === 'function') throw sourceError();
  if (!v || typeof v !== 'object' || v instanceof Markup) return;
  let n = 0;
  const open = new Set<object>();
  const walk = (x: unknown, i: number): void => {
    if (n > cap) throw limitError(`A value's text (more than ${cap} characters)`, cap, 'maxAllocation');
    if (source && typeof x === 'function') throw sourceError();
    if (i) n += sep;
    if (isString(x)) return void (n += String(x).length || 1);
    if (typeof x === 'number') return void (n += String(x).length);
    observe(x); // (a getter's promise this walk read, and drops: issue #19 §1)
    const list = Array.isArray(x);
    // (a Template in a container printed its compiled spec: `{{ l }}`, `"%s" % l`, `l|join`. s18)
    if (!list) noKidaObject(x);
    n += typeof x === 'boolean' ? 4 : 1;
    if (!(list || x instanceof Set || isDict(x)) || open.has(x as object)) return; // (a cycle is `[...]`)
    open.add(x as object);
    let j = 0;
    if (x instanceof Map) for (const [k, y] of x) walk(k, j++), walk(y, 0);
    else if (list || x instanceof Set) for (const y of x as Iterable<unknown>) walk(y, j++);
    else for (const k of Object.keys(x as object)) walk(k, j++), walk((x as Record<string, unknown>)[k], 0);
    open.delete(x as object);
  };
  walk(v, 0);
  if (n > cap) throw limitError(`A value's text (more than ${cap} characters)`, cap, 'maxAllocation');
}
/**
 * Nunjucks mode writes a function as its source (`{{ fn }}`, `fn ~ ""`, `[fn]|join`): a host
 * function's code, or the runtime's, is not the template author's to read.
 */
export const sourceError = (): PolicyError =>
  new PolicyError("A function's source is not shown in the sandbox", { suggestion: 'Call the function, or write its name' });
/** Filters that read their input as data without writing it as text (the rest may: their container arguments are bounded). */
export const NO_TEXT = new Set([
  'length', 'count', 'first', 'last', 'list', 'sort', 'map', 'select', 'reject', 'selectattr', 'rejectattr', 'batch', 'slice',
  'sum', 'min', 'max', 'unique', 'groupby', 'dictsort', 'reverse', 'default', 'attr', 'get', 'items', 'keys', 'values',
  'random', 'take', 'skip', 'compact', 'is', 'd',
]);

/**
 * A bare name the template reads (`{{ _secret }}`): the render data's keys obey the same rule as
 * `d._secret`, so a name the policy hides (`_`-prefixed, blockedAttributes) is refused when it
 * would come from the data; the template's own bindings (`{% set _x %}`, parameters, imports)
 * and the globals the host registered (`_()` for gettext) stay readable (docs/security.md).
 */
export function sbName(env: Env, c: object, name: string): void {
  const d = (c as { [DATA]: Record<string, unknown> })[DATA];
  if (env.sandbox!.hide(name) && !(name in c) && isData.call(d, name) && d[name] !== undefined)
    throw new PolicyError(`Access to the name '${name}' is blocked by sandbox policy`, {
      suggestion: 'Pass the value under a name without a leading underscore, or not at all',
    });
}
const isData = Object.prototype.propertyIsEnumerable;
/**
 * A template name computed at run time (`{% include user %}`): a value that is not a string is
 * the name its text makes (pyStr, as the registry and Environment look it up), written here with
 * the policy's hidden keys left out, so a TemplateNotFoundError does not quote them to the host.
 */
export function sbTplName(env: Env, v: unknown): unknown {
  return isString(v) ? v : hiding(env, () => pyStr(v));
}
/** `ld` (runtime/context.ts) for sandboxed templates: sbName first. */
export function sbLd(env: Env, c: Ctx, name: string, v: unknown, orElse: (name: string, c: Ctx) => unknown): unknown {
  sbName(env, c, name);
  const r = hiding(env, () => ld(c, name, v, orElse));
  noKidaObject(r);
  return r; // (an UndefinedError's "did you mean" names no hidden key)
}
/** Runs `f` with the policy's hidden keys left out of what it enumerates (dictKeys reads ACTIVE). */
function hiding<T>(env: Env, f: () => T): T {
  const prev = setActive(env.sandbox!);
  if (prev !== env.sandbox) env.sandbox!.walked = 0; // (a deep walk's budget is per helper call: Sandbox.tick)
  try {
    return f();
  } finally {
    setActive(prev);
  }
}

/**
 * After a sandboxed template's `await` (compiled in: codegen.ts `wait`): other renders ran during
 * the wait, so the render's Run is made the one its operators charge again (`last`); returns `v`.
 */
export function sbBack<T>(env: Env, R: R, v: T): T {
  runOf(env, R);
  return v;
}

/** One loop iteration, def call, include or `try`: enforces maxLoopIterations and maxRenderTime. */
export function sbTick(env: Env, R: R): void {
  runOf(env, R).tick();
}

/**
 * The source of a `for` that uses `loop` (a LoopContext): a lazy source may be read ahead (for
 * `loop.length`) only as far as the iteration budget left when the loop starts, so an endless
 * generator is refused instead of exhausting memory. The iterations themselves tick as usual.
 */
export function sbLoopSrc(env: Env, R: R, v: unknown): unknown {
  const s = sbHide(() => env, iter)(v);
  if (Array.isArray(s) || typeof s === 'string' || s instanceof Set) return s;
  const run = runOf(env, R);
  const p = run.sb.policy;
  const max = Math.min(p.maxLoopIterations === null ? Infinity : p.maxLoopIterations - run.ticks, run.cap);
  return (function* () {
    let n = 0;
    for (const x of s) {
      if (++n > max) throw limitError('Loop iterations', Math.min(p.maxLoopIterations ?? Infinity, run.cap), 'maxLoopIterations');
      yield x;
    }
  })();
}

/**
 * What an async sandboxed template awaits (`await x`, a call's promise, each item of an
 * `async for`): a wait ends at the render's maxRenderTime left, not when a slow promise settles
 * (the clock is otherwise read only as iterations pass, and a wait makes none). The timer is
 * cleared once the value settles; a value that rejects later is still observed (race subscribes).
 */
export function sbAwait(env: Env, R: R, v: unknown): unknown {
  if (!v || typeof (v as PromiseLike<unknown>).then !== 'function') return v;
  const run = runOf(env, R);
  const max = run.sb.policy.maxRenderTime;
  if (max === null) return v;
  const { late, timer } = deadline(run, max);
  return Promise.race([v, late]).finally(() => clearTimeout(timer));
}
const renderTimeError = (max: number) => limitError('Render time', max, 'maxRenderTime (ms)');
/** A promise rejecting with the render-time error when `run` reaches maxRenderTime `max`, and its timer. */
function deadline(run: Run, max: number): { late: Promise<never>; timer: ReturnType<typeof setTimeout> } {
  let timer!: ReturnType<typeof setTimeout>;
  const left = Math.max(0, max - (Date.now() - run.start));
  // (a timer past 2^31-1 ms fires at once, with a warning: a limit of weeks or Infinity would end
  // every wait immediately; the clock still reads it)
  const late = new Promise<never>((_, no) => {
    if (left <= 0x7fffffff) timer = setTimeout(() => no(renderTimeError(max)), left);
  });
  return { late, timer };
}
/** The source of a sandboxed `async for`: each `next()` is a wait sbAwait bounds. */
export function sbAsyncSrc(env: Env, R: R, src: AsyncIterable<unknown>): AsyncIterable<unknown> {
  return {
    [Symbol.asyncIterator]() {
      const it = src[Symbol.asyncIterator]();
      return {
        next: () => sbAwait(env, R, it.next()) as Promise<IteratorResult<unknown>>,
        return: (v?: unknown) => it.return?.(v) ?? Promise.resolve({ done: true as const, value: v }),
      };
    },
  };
}

/** A sync body's output buffer after a write: over maxOutputSize stops the render while building. */
export function sbOut(env: Env, s: string): string {
  env.sandbox!.checkOutput(s.length);
  return s;
}

/** Where built-in filters take attribute names, as positions in [value, ...bound arguments]. */
const PATH_ARGS: Record<string, number> = {
  selectattr: 1, rejectattr: 1, sort: 3, unique: 2, groupby: 1, sum: 1, min: 1, max: 1, attr: 1, get: 1,
};

/**
 * What a regex test costs per character of text in the sandbox: it runs the linear matcher
 * (runtime/regex.ts), whose steps per character grow with the pattern's states, so a character
 * counts as one iteration per 100 states. A pattern only the backtracking RegExp can run
 * (lookaround, backreferences, repeats past the matcher's size) is refused: JavaScript cannot
 * interrupt a running match. An invalid pattern is left to the test to raise.
 */
function regexCost(pattern: unknown): number {
  let re: RegExp;
  try {
    re = pyRegex(pattern);
  } catch {
    return 1;
  }
  const m = linearMatcher(re.source, re.flags);
  if (!m)
    throw new PolicyError('Regular expression with lookaround, backreferences or huge repeats is not allowed in the sandbox', {
      suggestion: 'Use a pattern without lookaround or backreferences (they need a backtracking matcher)',
    }, 'K-SEC-003');
  return Math.ceil(m.states / 100);
}

/**
 * A filter or test call (`name`: the built-in's name, tests as `is <name>`; null for custom ones):
 * its attribute arguments obey the policy, the items it walks count as iterations, what it
 * builds is bounded, and calls it makes for the template (`map("m")`) obey allowCalling.
 */
export function sbF(env: Env, R: R, name: string | null, f: Function, self: unknown, args: unknown[]): unknown {
  const run = runOf(env, R);
  const sb = run.sb;
  for (const a of args) noKidaObject(a); // (`tpl | dictsort` gave its render methods as values)
  if (name !== null) callTime(run, name, args[0]); // (first: the checks below walk the input too)
  if (name !== null) {
    const at = PATH_ARGS[name];
    if (at !== undefined) sb.checkPath(args[at], name === 'attr', name === 'get', name === 'get' ? args[0] : undefined);
    if (at !== undefined || name === 'map') pathObjects(args[0], name === 'map' ? args[2] : args[at!]);
    if (name === 'map') {
      sb.checkPath(args[2]);
      const m = (args[1] as unknown[] | undefined)?.[0];
      if (isString(m) && !args[2]) {
        sb.checkAttr(String(m), true);
        if (sb.policy.allowCalling && (Array.isArray(args[0]) || isDict(args[0])))
          for (const item of iter(args[0])) {
            const fn = getattr(item, String(m), false);
            if (typeof fn === 'function') sb.checkCall(fn);
          }
      }
    }
    if (name === 'format' && isString(args[0])) sb.checkFields(String(args[0]), [...((args[1] as unknown[] | undefined) ?? []), ...(args[2] ? [new Kwargs(args[2] as Record<string, unknown>)] : [])]);
    // a regex test by name (`select("match", p)`), or `is match(p)`
    const test = name === 'select' || name === 'reject' ? 1 : name === 'selectattr' || name === 'rejectattr' ? 2 : 0;
    const pattern = name === 'is match' ? args[1] : test && args[test] === 'match' ? (args[test + 1] as unknown[] | undefined)?.[0] : undefined;
    if (pattern !== undefined && pattern !== null) {
      const cost = regexCost(pattern);
      // (one call: what it scans is bounded by the time limit too, without an iteration bound a select scanned for seconds)
      const items = name === 'is match' ? [args[0]] : Array.isArray(args[0]) ? args[0] : [];
      run.work(0, items.reduce((n: number, x) => n + (isString(x) ? String(x).length + 1 : 1) * cost, 0) >> 10);
      if (name === 'is match') run.tick((isString(args[0]) ? String(args[0]).length + 1 : 1) * cost);
      else if (Array.isArray(args[0])) for (const x of args[0]) run.tick((isString(x) ? String(x).length + 1 : 1) * cost);
    }
  }
  if (name === 'int') intDigits(run, args[0]);
  const sorts = name === null ? undefined : COMPARES.get(name);
  const blind = sorts === undefined ? 0 : compareCost(run, args[0], sorts, PATH_ARGS[name!] === undefined ? undefined : args[PATH_ARGS[name!]!]);
  if (name !== null && isString(args[0])) callCost(run, name, String(args[0]));
  if (name === 'replace') replaceBound(run, args[0], args[1], args[2], args[3]);
  if (name !== null && !NO_TEXT.has(name.split(' ')[0]!))
    for (const a of args) textBound(name === 'pprint' ? run.cap / 2 : run.cap, a instanceof Kwargs ? a.kw : a, sb.source, +(name !== 'join')); // (pprint: as callCost says)
  else if (name === 'map' && isString((args[1] as unknown[] | undefined)?.[0]) && !args[2] && !NO_TEXT.has(String((args[1] as unknown[])[0])))
    for (const x of Array.isArray(args[0]) ? args[0] : []) textBound(run.cap, x); // (`map("string")`: each item becomes text)
  else if (name === 'sort') for (const x of Array.isArray(args[0]) ? args[0] : []) textBound(run.cap, x); // (a container item is sorted by its text. s9)
  args[0] = run.feed(args[0]);
  const r = name === null || name === 'map' ? hostCall(() => run.run(() => f.apply(self, args))) : blind ? run.compared(blind, () => run.run(() => f.apply(self, args))) : run.run(() => f.apply(self, args));
  if (name === 'map' || name === 'attr') readables(env, name === 'map' ? args[2] : args[1], r, name, args[0]);
  // (`map("upper")` builds a string per item, which the count of the list's slots does not see)
  if (name === 'map' && Array.isArray(r)) for (const x of r) if (isString(x) && String(x).length >= 1024) run.tick(String(x).length >> 10), flat(x);
  noKidaObject(r);
  return r;
}

/** The objects an attribute path's filter reads from (`attr`'s value, a list's items, and along a dotted path of plain data): no Template or Environment. */
function pathObjects(v: unknown, path: unknown): void {
  const segs = isString(path) ? String(path).split(',').map((p) => p.split('.').map((k) => k.trim())) : [];
  for (const x of Array.isArray(v) ? v : [v]) {
    noKidaObject(x);
    for (const p of segs) for (let i = 1; i < p.length; i++) noKidaObject(plainPath(x, p.slice(0, i)));
  }
}

/** A custom filter or test, or `map` (which may call host methods): keyOf's indexes go after it, as after any host call. */
function hostCall<T>(f: () => T): T {
  try {
    return f();
  } finally {
    stale();
  }
}

/** Filters that walk a string one character at a time as items (`s|sort`, `s|unique`, `s|join`): a character is an iteration. */
const ITEMS = new Set(['list', 'sort', 'unique', 'batch', 'slice', 'map', 'select', 'reject', 'selectattr', 'rejectattr', 'groupby', 'sum', 'min', 'max', 'join', 'dictsort', 'take', 'skip', 'compact']);
/**
 * What one built-in call on a string will cost, known from its length before the call (a call
 * cannot be interrupted, so a near-maxAllocation string must not buy seconds of one call):
 * item-walking filters count each character as an iteration; `urlencode`'s output length is
 * counted exactly (up to 9 characters each); the slowest per character (measured: pprint,
 * wordwrap) may take half of maxAllocation.
 */
const UNRESERVED = /[\w.~-]/;
export function callCost(run: Run, name: string, str: string): void {
  if (ITEMS.has(name)) run.tick(str.length);
  else if (name === 'pprint' || name === 'wordwrap') run.run(() => room(str.length * 2));
  else if (name === 'urlencode') {
    let n = 0;
    for (let i = 0; i < str.length && n <= run.cap; i++) {
      const c = str.charCodeAt(i);
      // (a surrogate: half of a pair's 12, or U+FFFD's 9 when lone; at least 6)
      n += c < 128 ? (UNRESERVED.test(str[i]!) ? 1 : 3) : c < 0x800 || (c & 0xf800) === 0xd800 ? 6 : 9;
    }
    run.run(() => room(n));
  }
}

/**
 * Nanoseconds one built-in may take per item of its input (or per character of a string input),
 * about twice the slowest measured here (2026-12-07, sandboxed, 10^5 and 2·10^5 units): a call
 * predicted to take longer than maxRenderTime is refused before it starts (the clock is read
 * before and after a call, never during it). Without it, with maxLoopIterations: null and a 50 ms
 * limit, `set(l)` of a million floats ran 5.1 s, `batch(1)` 1.2 s, `wordwrap(1)` of 490,000 tabs
 * 0.8-1.4 s and rendered. Calls not listed take under 0.1 µs a unit (upper, replace, escape, …). s18
 */
const NS_PER_UNIT: Record<string, number> = {
  dictsort: 20000, groupby: 8000, set: 5000, unique: 5000, sort: 3500, sorted: 3500, tojson: 3500, batch: 3000, slice: 3000,
  wordwrap: 6000, pprint: 3500, swapcase: 800, indent: 700, map: 600, sum: 800, selectattr: 600, rejectattr: 600,
  splitlines: 500, title: 400, istitle: 400, split: 400, rsplit: 400, join: 400, min: 400, max: 400, select: 300, reject: 300,
  list: 300, tuple: 300, reversed: 300, zip: 300, enumerate: 300, dict: 600,
  // (a dict or Map copied key by key, and methods of containers, by receiver: `d.` dict or Map, `s.` set; s19)
  format: 1600, xmlattr: 2000, expandtabs: 800, escape: 300, e: 300, replace: 300, wordcount: 200, slug: 300, truncate: 300, compact: 400, reverse: 300, filter: 300, '[::]': 400,
  'dict(d)': 14000, 'd.items': 12000, 'd.copy': 6000, 'd.values': 2000, 'd.keys': 1500,
  's.union': 4000, 's.intersection': 6000, 's.difference': 4000, 's.symmetric_difference': 6000, 's.issubset': 3000, 's.issuperset': 3000, 's.isdisjoint': 3000, 's.copy': 800,
};
/** What the call's first input holds: items of a collection, characters of a string. */
function units(v: unknown): number {
  if (Array.isArray(v) || ArrayBuffer.isView(v)) return (v as ArrayLike<unknown>).length;
  if (v instanceof Map || v instanceof Set) return v.size;
  if (v instanceof Range) return v.length;
  if (isString(v)) return String(v).length;
  return isDict(v) ? Object.keys(v).length : 0;
}
function callTime(run: Run, name: string, input: unknown, n = -1): void {
  if (name === 'dict' && (isDict(input) || input instanceof Map)) name = 'dict(d)';
  const ns = NS_PER_UNIT[name];
  const max = run.sb.policy.maxRenderTime;
  // (a string's characters are not items to tojson and pprint: one quoted copy, fast)
  if (ns === undefined || max === null || (isString(input) && (name === 'tojson' || name === 'pprint'))) return;
  if (n < 0) n = units(input);
  if (n * ns > max * 1e6) throw limitError(`Render time (one call of ${n} items or characters, about ${Math.round((n * ns) / 1e6)} ms)`, max, 'maxRenderTime (ms)');
}
/** The built-in globals by function, for callTime (made at first use: no module-level work, which bundles keep). */
let globalNames: Map<unknown, string> | undefined;
const globalName = (f: unknown): string | undefined => (globalNames ??= new Map(Object.entries(builtinGlobals).map(([k, g]) => [g, k]))).get(f);

/**
 * Filters and globals that compare or hash the items they walk, and whether they sort (each item
 * is then compared about log2(n) times). Comparing two strings reads them, so a list of references
 * to two long strings (`[a, b] * 5000`, a million characters each: no allocation, 10,000 ticks)
 * made one `sort` read 10^11 characters: 14-28 s in one call, which no clock read can stop. s17
 */
const COMPARES = new Map([['sort', true], ['groupby', true], ['dictsort', true], ['unique', false], ['min', false], ['max', false]]);
/**
 * Characters of the strings in `v` at any depth, each reference counted again (what comparing or
 * hashing it may read); a container visited counts 256, so a walk of shared parts (`x = [x, x]` in a
 * loop) stops after max / 256 steps (at 8 the walk itself took 2 s before refusing, where the
 * comparison's own ticks end in 30 ms). Stops past `max`.
 */
function strChars(v: unknown, max: number): number {
  if (typeof v === 'string') return v.length; // (the common cases, without the walk's closure)
  if (!v || typeof v !== 'object') return 0;
  let n = 0;
  const walk = (x: unknown): void => {
    if (isString(x)) return void (n += String(x).length);
    if (!x || typeof x !== 'object') return;
    observe(x); // (a getter's promise this walk read, and drops: issue #19 §1; before stopping, since it was read)
    if (n > max) return;
    n += 256;
    if (Array.isArray(x) || x instanceof Set) for (const y of x) walk(y);
    else if (x instanceof Map) for (const [k, y] of x) walk(k), walk(y);
    else if (isDict(x)) for (const k of Object.keys(x)) walk(k), walk((x as Record<string, unknown>)[k]);
  };
  walk(v);
  return n;
}
/** The value an attribute path names in a dict or list item (plain data only: a host object's getters are not run twice); OPAQUE where a host object is on the way. */
function plainPath(x: unknown, path: string[]): unknown {
  for (const k of path) {
    if (isDict(x) && !(x instanceof Map) && dictHas(x, k)) x = (x as Record<string, unknown>)[k];
    else if (x instanceof Map && x.has(k)) x = x.get(k);
    else if (Array.isArray(x) && /^\d+$/.test(k)) x = x[+k];
    else return opaque(x) ? OPAQUE : undefined;
  }
  return observe(x);
}
const OPAQUE = Symbol('opaque');
/** One segment of a format field, read without running host code (a getter's value is not known: OPAQUE). */
function fieldStep(x: unknown, k: string): unknown {
  if (!x || typeof x !== 'object') return OPAQUE;
  if (isDict(x) || Array.isArray(x)) return plainPath(x, [k]);
  for (let p: object | null = x; p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    const d = Object.getOwnPropertyDescriptor(p, k);
    if (d) return 'value' in d ? d.value : OPAQUE;
  }
  return OPAQUE;
}
/** A host object (a class instance, a Date, ...): its attributes and its text come from host code, not seen before a call. */
const opaque = (x: unknown): boolean =>
  (!!x && typeof x === 'object' && !Array.isArray(x) && !isDict(x) && !(x instanceof Set) && !(x instanceof Markup) && !isNumber(x)) || typeof x === 'function';
/**
 * Counts what a comparing call will read before it runs: a tick per KB of the compared values'
 * strings (the attribute's value where one names it), times log2(n) for a sort. Stops counting
 * past the budget left, where the tick refuses the call.
 */
function compareCost(run: Run, items: unknown, sorting: boolean, attribute?: unknown): number {
  const list = Array.isArray(items) ? items : items instanceof Set || items instanceof Map ? [...items] : isDict(items) ? Object.entries(items as object) : null;
  // (an iterator's items are not at hand: its keys are charged as the call computes them, a sort's at log2 of a million)
  if (!list) return items && typeof items === 'object' && !(items instanceof Markup) ? (sorting ? 20 : 1) : 0;
  if (list.length < 2) return 0; // (one item is compared with nothing)
  const factor = sorting ? Math.ceil(Math.log2(list.length + 1)) : 1;
  let blind = 0;
  const left = (run.sb.policy.maxLoopIterations ?? SANDBOX_DEFAULTS.maxLoopIterations) - run.ticks;
  const max = ((Math.max(left, 0) + 1) * 1024) / factor; // (a walk stopped past it still refuses)
  const paths = isString(attribute) && String(attribute) ? String(attribute).split(',').map((p) => p.split('.').map((k) => k.trim())) : null;
  let n = 0;
  for (const x of list) {
    if (paths)
      for (const p of paths) {
        const v = plainPath(x, p);
        if (v === OPAQUE || opaque(v)) blind = factor;
        else n += strChars(v, max - n);
      }
    else if (opaque(x)) blind = factor;
    else n += strChars(x, max - n);
    if (n > max) break;
  }
  if (n >= 1024) run.work((n >> 10) * factor);
  return blind;
}

/** A value whose comparison may read much: a container, or a string of 2 KB or more. */
const big = (v: unknown): boolean => (typeof v === 'string' ? v.length >= 2048 : !!v && typeof v === 'object' && !(v instanceof Markup && v.value.length < 2048));
/** The template's own comparisons (sbHide): `in`, `==`, the orderings. */
const COMPARING = new Set<Function>([contains, eq, lt, le, gt, ge]);
/**
 * What `x in c`, `a == b` or `a < b` will read, charged before it runs: `big in [s] * 10000` compared
 * a long string with each reference (seconds in one operator, renders with a 50 ms limit ended
 * after 3 s, undetected), and so do `==`/`<` of such lists. Comparing a value with a short one reads
 * little (lengths differ), so only the smaller side's characters count, per item for `in`.
 */
function opCost(sb: Sandbox, f: Function, a: unknown, b: unknown): void {
  if (!big(a) && !big(b)) return;
  // (no Run ticked since the render began: a Run of its own, from now, until the render's first tick)
  const run = (sb.last ??= new Run(sb));
  // (`7 in l`, `l.count(7)` with a million numbers: 25 ms an operator counted nothing, a render with
  // a 50 ms limit printed six of them in 150 ms; each item compared counts 8 characters. s18)
  if (f === contains && Array.isArray(a) && a.length >= 256 && !big(b)) return run.work(a.length >> 7);
  // (`==` and the orderings walk two lists item by item, whatever they hold: `l == f` of a million
  // numbers each rendered in 160 ms under a 50 ms limit, counting nothing. s19)
  if (f !== contains && Array.isArray(a) && Array.isArray(b) && Math.min(a.length, b.length) >= 256 && !big(a[0]) && !big(b[0])) return run.work(Math.min(a.length, b.length) >> 7);
  // (short strings and other values compare in a step: the common case leaves at once)
  if (!big(a) || (!big(b) && (f !== contains || !isString(a)))) return;
  const budget = ((run.sb.policy.maxLoopIterations ?? SANDBOX_DEFAULTS.maxLoopIterations) + 1) * 1024;
  let n: number;
  if (f === contains) {
    // (`a` the container, `b` the item)
    if (isString(a) && isString(b)) n = String(a).length;
    else if (!Array.isArray(a)) return;
    else {
      const m = strChars(b, budget);
      if (m < 1024) return;
      n = a.length << 3;
      for (const x of a) if ((n += Math.min(m, strChars(x, m))) > budget) break;
    }
  } else n = strChars(a, strChars(b, budget)); // (the smaller side: `a` walked no further than `b` reached)
  if (n >= 2048) run.work(n >> 10);
}

/** Decimal digits of an integer, about (hex digits × log10 16: linear, where a decimal string is not). */
const bigDigits = (x: unknown): number => (typeof x === 'bigint' ? Math.ceil(x.toString(16).length * 1.2042) : 16);
/** `int(s)` of a string of digits: BigInt parsing is quadratic in them, so at most a tenth of maxAllocation. */
function intDigits(run: Run, v: unknown): void {
  if (isString(v) && String(v).length > run.cap / 10)
    throw limitError(`An integer size (${String(v).length} digits)`, run.cap / 10, 'maxAllocation (a tenth: digits)');
}

/**
 * `replace(old, new, count)` on a string: the result's length is known from the number of matches
 * (a linear count), so one past the bound is refused before it is built (building a few million
 * characters one match at a time took seconds per call).
 */
function replaceBound(run: Run, str: unknown, old: unknown, nw: unknown, count: unknown): void {
  if (!isString(str) || !isString(old) || !isString(nw)) return;
  const [t, o, w] = [String(str), String(old), String(nw)];
  if (w.length <= o.length) return;
  const max = typeof count === 'number' && count >= 0 ? count : Infinity;
  let k = 0;
  if (o === '') k = [...t].length + 1;
  else for (let i = t.indexOf(o); i >= 0 && k < max; i = t.indexOf(o, i + o.length)) k++;
  run.run(() => room(t.length + Math.min(k, max) * (w.length - o.length)));
}

/**
 * `%` names of a format string applied to a mapping (`"%(_x)s" % d`): each `%(` to the next `)`.
 * A scanner: `/%\(([^)]*)\)/g` rescanned to the end from every `%(` with no `)` after it.
 */
function checkPercentKeys(sb: Sandbox, fmt: unknown, args: unknown): void {
  if (!isString(fmt) || !isDict(args)) return;
  const f = String(fmt);
  for (let i = f.indexOf('%('); i >= 0; ) {
    const close = f.indexOf(')', i + 2);
    if (close < 0) return; // (no later `%(` has a `)` either)
    sb.checkAttr(f.slice(i + 2, close), false, args, true);
    i = f.indexOf('%(', close + 1);
  }
}

/** `*`, `%`, `**`, `+`, `~`: what they build is bounded (before building, where the runtime can tell). */
export function sbOp(env: Env, R: R, f: (a: unknown, b: unknown) => unknown, a: unknown, b: unknown): unknown {
  const run = runOf(env, R);
  if (f === mod && isString(a)) callTime(run, 'format', a); // (each field a step, as str.format's: s19)
  // (a container joined to a string becomes text; Nunjucks mode passes its own `+`/`~`)
  if (f === mod || isString(a) || isString(b)) textBound(run.cap, a, run.sb.source), textBound(run.cap, b, run.sb.source);
  if (f === mod) checkPercentKeys(run.sb, a, b);
  // (a product of big integers: its digits are known before multiplying, roughly the sum of both)
  if (f === mul && (typeof a === 'bigint' || typeof b === 'bigint')) {
    const digits = bigDigits(a) + bigDigits(b);
    if (digits > run.cap / 10) throw limitError(`An integer size (${digits} digits)`, run.cap / 10, 'maxAllocation (a tenth: digits)');
  }
  if (f === pow && isNumber(b) && isNumber(a) && !isFloat(a) && !isFloat(b)) {
    const digits = Math.ceil(Number(b) * Math.log10(Math.abs(Number(a)) || 1));
    if (digits > run.cap / 10) throw limitError(`An integer size (${digits} digits)`, run.cap / 10, 'maxAllocation (a tenth: digits)');
  }
  // list + list, str + str, str ~ str: the size is known before building
  const both = (t: (x: unknown) => boolean) => t(a) && t(b);
  if ((f === add || f === concat) && (both(Array.isArray) || both(isString))) {
    const size = (x: unknown) => (Array.isArray(x) ? x.length : String(x).length);
    const n = size(a) + size(b);
    if (Array.isArray(a)) callTime(run, '[::]', a, n); // (copied as a slice is)
    return run.run(() => (room(n), f(a, b)));
  }
  return run.run(() => f(a, b));
}

// (lookups run `hiding`: a missing key's "did you mean" suggestion names no hidden key)
export function sbGetattr(env: Env, obj: unknown, name: string, strict: boolean): unknown {
  env.sandbox!.checkAttr(name, false, obj);
  return readable(env, name, hiding(env, () => getattr(obj, name, strict)), getter(obj, name), obj);
}
export function sbGetattrOpt(env: Env, obj: unknown, name: string, strict: boolean): unknown {
  env.sandbox!.checkAttr(name, false, obj);
  return readable(env, name, hiding(env, () => getattrOpt(obj, name, strict)), getter(obj, name), obj);
}
/** A getter of a class instance (host code) on the way to `name`, not a plain data property. */
function getter(obj: unknown, name: string): boolean {
  if (!obj || typeof obj !== 'object' || isDict(obj) || Array.isArray(obj)) return false;
  for (let p: object | null = obj; p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    const d = Object.getOwnPropertyDescriptor(p, name);
    if (d) return !!d.get;
  }
  return false;
}
/**
 * A method read as a value is called later, where its arguments are not checked: a mutator
 * (`{% set f = d.setFullYear %}`) is refused as if called, and so are `get` and `format`, whose
 * arguments name keys and fields (call them directly: `d.get("k")`, `"{0.a}".format(x)`).
 */
function readable(env: Env, name: string, v: unknown, hostRan = false, obj?: unknown): unknown {
  // (host code ran: it may have replaced a Map/Set key keeping the size, so keyOf's indexes go)
  if (hostRan) stale();
  noKidaObject(v);
  if (typeof v === 'function') {
    // (the receiver only where it decides mutation, a global RegExp's exec, a typed array's copy: `mutates`)
    env.sandbox!.checkAttr(name, true, obj instanceof RegExp || ArrayBuffer.isView(obj) ? obj : undefined);
    if (name === 'get' || name === 'format')
      throw new PolicyError(`Reading the method '${name}' as a value is not allowed in the sandbox`, {
        suggestion: `Call it where it is read: x.${name}(...)`,
      });
  }
  return v;
}
/**
 * Values a filter read by attribute name (`map(attribute=)`, `attr()`): methods among them as
 * `readable` says, with the object each was read from where that decides (`buf.copy`): attr's
 * object, or map's items (a dotted path reads from values not at hand: the name alone decides).
 */
function readables(env: Env, path: unknown, r: unknown, name: string, src: unknown): void {
  if (!isString(path)) return;
  const parts = String(path).split('.');
  const last = parts.pop()!.trim();
  const of = (i: number) => (parts.length ? undefined : name === 'attr' ? src : Array.isArray(src) ? src[i] : undefined);
  (Array.isArray(r) && name === 'map' ? r : [r]).forEach((v, i) => readable(env, last, v, false, of(i)));
}
/** `a["x"]`: the same name rules as `a.x` (the allow-list for objects other than dicts and sequences). */
// (the lookup runs `hiding`: a key that is a container is hashed, and a missing one written in
// the KeyError, by walks the policy bounds: `d[l]` with `l` of shared parts took seconds before)
export function sbGetitem(env: Env, obj: unknown, key: unknown): unknown {
  if (isString(key)) {
    const k = String(key);
    env.sandbox!.checkAttr(k, false, obj, true);
    return readable(env, k, hiding(env, () => getitem(obj, key)));
  }
  return hiding(env, () => getitem(obj, key));
}
export function sbGetitemOpt(env: Env, obj: unknown, key: unknown, strict: boolean): unknown {
  if (isString(key)) env.sandbox!.checkAttr(String(key), false, obj, true);
  const v = hiding(env, () => getitemOpt(obj, key, strict));
  return isString(key) ? readable(env, String(key), v) : v;
}
export function sbCallAttr(env: Env, R: R, obj: unknown, name: string, strict: boolean, args: unknown[]): unknown {
  const run = runOf(env, R);
  methodChecks(run, obj, name, args);
  const f = getattr(obj, name, strict);
  run.sb.checkCall(f);
  return call(run, f, args);
}
export function sbCallAttrOpt(env: Env, R: R, obj: unknown, name: string, strict: boolean, args: unknown[]): unknown {
  const run = runOf(env, R);
  methodChecks(run, obj, name, args);
  if (run.sb.policy.allowCalling && obj != null) {
    const f = getattr(obj, name, false);
    if (typeof f === 'function') run.sb.checkCall(f);
  }
  try {
    return noKidaResult(run.run(() => callAttrOpt(obj, name, strict, args.map((a) => run.feed(a)))));
  } finally {
    stale();
  }
}
/**
 * `{% call o.m(args) %}` and `{% call f(args) %}`: the callee is read and called under the same
 * policy as `o.m(args)` and `f(args)` (name rules, mutators, the allow-list, `get`'s key,
 * allowCalling for the callee and the callables it is handed), inside the render's run (its
 * allocation bound). Before, the codegen read the method with the plain getattr: a call block
 * reached `_` names, mutators and unlisted methods, and called what allowCalling refuses.
 * `obj`/`name`: the receiver and method of an attribute callee; else `f` is the callee.
 */
export function sbCallWithCaller(env: Env, R: R, obj: unknown, name: string | null, strict: boolean, f: unknown, args: unknown[], caller: CallerFn, sync?: 0 | 1): unknown {
  const run = runOf(env, R);
  if (name !== null) {
    methodChecks(run, obj, name, args);
    f = getattr(obj, name, strict);
  }
  run.sb.checkCall(f);
  for (const a of args) if (typeof a === 'function') run.sb.checkCall(a);
  try {
    return noKidaResult(run.run(() => (sync ? callWithCallerSync : callWithCaller)(f, args.map((a) => run.feed(a)), caller)));
  } finally {
    if (!(f as { kidaDef?: unknown }).kidaDef) stale();
  }
}
/**
 * What every call of a method `o.m(args)` is checked for, however it is written (`o.m()`,
 * `o?.m()`, `{% call o.m() %}`): the name as called, what a string method would write of its
 * arguments (`"{}".format(x)`, `"".join(xs)`: `o?.format(x)` skipped this and wrote 2^45 parts of
 * shared lists for seconds), what `replace` would build, and the keys and fields it names.
 */
function methodChecks(run: Run, obj: unknown, name: string, args: unknown[]): void {
  run.sb.checkAttr(name, true, obj);
  // (a method reads its string: a KB an iteration, as a filter's input; `big.istitle()` in a loop
  // cost 40 ms a call at one tick, 2.7 s past a 50 ms limit between two clock reads. s17)
  if (isString(obj) && String(obj).length >= 2048) callTime(run, name, obj), run.tick(String(obj).length >> 10);
  else if (Array.isArray(obj) && (name === 'count' || name === 'index')) opCost(run.sb, contains, obj, args[0]);
  // (a container's method walks it, a set's the argument too: `d.items()` of 200,000 keys ran 1.5 s
  // past a 50 ms limit in one call, no method of a container was predicted. s19)
  else if (isDict(obj) || obj instanceof Map) callTime(run, 'd.' + name, obj);
  else if (obj instanceof Set) callTime(run, 's.' + name, obj, obj.size + units(args[0]));
  if (isString(obj)) for (const a of args) textBound(run.cap, a instanceof Kwargs ? a.kw : a, false, +(name !== 'join'));
  if (name === 'replace') replaceBound(run, obj, args[0], args[1], args[2]);
  checkMethodArgs(run.sb, obj, name, args);
}
/** `.get("_x")` (and `pop`/`setdefault`, which return the value too) reads a key; `"{0._x}".format(d)` reads fields. */
function checkMethodArgs(sb: Sandbox, obj: unknown, name: string, args: unknown[]): void {
  if ((name === 'get' || name === 'pop' || name === 'setdefault') && isDict(obj) && isString(args[0])) sb.checkAttr(String(args[0]), false, obj, true);
  if (name === 'format' && isString(obj)) sb.checkFields(String(obj), args);
}
/** (`sync`: a call of a template compiled sync, which cannot await an async def: values.ts callSync) */
export function sbCallValue(env: Env, R: R, f: unknown, args: unknown[], sync?: 1): unknown {
  const run = runOf(env, R);
  run.sb.checkCall(f);
  if (f === g_str) textBound(run.cap, args[0]);
  if (f === g_int) intDigits(run, args[0]);
  const r = call(run, sync ? refuseDetached(f) : f, args);
  if (sync) syncResult(f, r);
  return r instanceof Range ? run.sb.checkRange(r) : r; // (a range() the sandbox did not build)
}
/** A call for the template: callables passed along obey allowCalling too (the callee may call them); split results count. */
function call(run: Run, f: unknown, args: unknown[]): unknown {
  for (const a of args) noKidaObject(a instanceof Kwargs ? undefined : a); // (handed to a host function, which may render it)
  const global = globalName(f);
  if (global !== undefined) callTime(run, global, args.find((a) => !(a instanceof Kwargs)));
  let blind = 0;
  if (f === g_sorted || f === g_min || f === g_max) {
    const pos = args.filter((a) => !(a instanceof Kwargs));
    const items = pos.length === 1 ? pos[0] : pos;
    blind = compareCost(run, items, f === g_sorted);
    // (a key function's results exist only as the call runs: charged as it computes them)
    if (args.some((a) => a instanceof Kwargs && a.kw.key != null)) blind ||= f === g_sorted ? Math.ceil(Math.log2((Array.isArray(items) ? items.length : 2 ** 20) + 1)) : 1;
  }
  for (const a of args) {
    if (typeof a === 'function') run.sb.checkCall(a);
    else if (a instanceof Kwargs) for (const k of Object.keys(a.kw)) if (typeof a.kw[k] === 'function') run.sb.checkCall(a.kw[k]);
  }
  try {
    const go = () => run.run(() => callValue(f, args.map((a) => run.feed(a))));
    const r = blind ? run.compared(blind, go) : go();
    if (Array.isArray(r)) run.tick(r.length);
    noKidaObject(r); // (a host function's Template: refused where it enters)
    return r;
  } finally {
    if (!(f as { kidaDef?: unknown }).kidaDef) stale(); // (a host function may replace a Map/Set key: keyOf re-indexes)
  }
}
/** How many items `[a:b:c]` keeps of `n` (Python's bounds; a bound that is not a number counts as none). */
function kept(n: number, a: unknown, b: unknown, c: unknown): number {
  const num = (x: unknown) => (typeof x === 'number' || typeof x === 'bigint' ? Number(x) : null);
  const step = num(c) || 1;
  const at = (x: number | null, d: number) => (x === null ? d : x < 0 ? Math.max(x + n, step < 0 ? -1 : 0) : Math.min(x, step < 0 ? n - 1 : n));
  const lo = at(num(a), step < 0 ? n - 1 : 0);
  const hi = at(num(b), step < 0 ? -1 : n);
  return Math.max(0, Math.ceil((hi - lo) / step));
}
/** `a[i:j:k]`: a slice copies what it keeps, so it is built inside the run (its size counts: Run.run). */
export function sbSlice(env: Env, R: R, slice: (o: unknown, a: unknown, b: unknown, c: unknown) => unknown, obj: unknown, a: unknown, b: unknown, c: unknown): unknown {
  const run = runOf(env, R);
  // (a list's slice copies item by item: `l[::-1]` of a million items, 200 ms in one step. s19)
  if (Array.isArray(obj)) callTime(run, '[::]', obj, kept(obj.length, a, b, c));
  return run.run(() => slice(obj, a, b, c));
}
export function sbRange(env: Env, start: unknown, stop: unknown, inclusive: boolean, step: unknown): Range {
  return env.sandbox!.checkRange(plainRange(start, stop, inclusive, step));
}

/** `{% fallback e %}` in a sandboxed template: the message shows no lines of another template's source. */
export function sbErrorInfo(e: unknown, templateName: string, line: number, env?: SourceOf): Record<string, unknown> {
  const o = errorInfo(e, templateName, line, env);
  if (e instanceof TemplateError && e.source !== null && e.templateName !== templateName) {
    const source = e.source;
    e.source = null;
    e.relayout();
    o.message = e instanceof PyError ? e.pyMessage : e.message;
    e.source = source;
    e.relayout();
  }
  return o;
}
