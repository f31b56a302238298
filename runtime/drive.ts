// `kida/async-driver`: the async stream of a sync template at close to the sync stream's cost.
// The runtime drives a sync part's generator for renderStreamAsync/renderAsync with an async
// generator (driveAsync), whose every `yield` costs several promise turns: 303 chunks of a card
// page took ~75 µs more than renderStream. This driver serves text and sync parts from `next()`
// itself, one settled promise per chunk, and hands the stack to driveAsync at the first step that
// has to wait (an async part, a Collect) or be held (deferred stacks). Same chunks, same errors.
// It is a module of its own so that bundles that import none of its installers stay as small
// (kida/node, kida/hono and the Environment import it; docs/decisions.md, "Streaming over HTTP,
// third pass").

import { DONE, PartStack, SyncPart, driveAsync, resolveStacks, useDrivers, type Collect, type Ctx, type RenderFns, type RenderState, type Sink, type Step, type SyncFn, type SyncStep } from './template.js';

type Top = Generator<Step, void, string | undefined>;

/**
 * The rest of a part stack as one generator, for driveAsync to take over: the steps already read
 * first, then every step of the stack; what driveAsync sends back (a Collect's text) or throws in
 * (an async part's error) goes to the stack's innermost part, as driveAsync would do itself.
 */
function* rest(parts: PartStack<Step>, first: (Step | typeof DONE)[]): Top {
  try {
    // (a DONE among the first steps ends the stream: the parts were closed)
    for (let i = 0, v; (v = i < first.length ? first[i++]! : parts.next()) !== DONE; )
      try {
        parts.sent = yield v;
      } catch (e) {
        parts.fail(e);
      }
  } finally {
    parts.close();
  }
}

type Stream = AsyncGenerator<string, void, undefined>;

/**
 * A method of the streams this module makes: `next()` without the promise when the chunk is
 * ready (the render has not waited), a promise otherwise; errors are thrown. kida/node and
 * kida/hono read a stream through it when it has one, so a sync template's renderStreamAsync is
 * sent by a loop with no promise turn per chunk (`nextOf`).
 */
export const NOW = Symbol.for('kida.nextNow');

type Now = IteratorResult<string, void> | Promise<IteratorResult<string, void>>;
/** `next()` of a stream with a NOW method: its result as a promise, what it throws a rejection. */
function promised(s: { [NOW](): Now }): Promise<IteratorResult<string, void>> {
  try {
    const r = s[NOW]();
    return r instanceof Promise ? r : Promise.resolve(r);
  } catch (e) {
    return Promise.reject(e);
  }
}

/** How to read `it`: its NOW method when it has one, else `next()`. */
export function nextOf(it: Iterator<string> | AsyncIterator<string>): () => IteratorResult<string> | Promise<IteratorResult<string>> {
  const now = (it as { [NOW]?: () => IteratorResult<string> | Promise<IteratorResult<string>> })[NOW];
  return typeof now === 'function' ? now.bind(it) : () => it.next();
}

/**
 * (an AsyncIterator by its prototype, as an async generator object is: `[Symbol.asyncIterator]`
 * returns itself)
 * An async part (an async template's stream) is read here too, one `.then` per chunk, rather
 * than through driveAsync's async generator, which re-yielded each of its chunks (a second
 * async generator per chunk: issue #22's slow-data page). Its error goes back into the part
 * that rendered it, as in driveAsync; deferred output and Collects still hand over.
 */
class FastStream {
  readonly parts: PartStack<Step>;
  slow: Stream | null = null;
  /** The async part being read, and the read in flight (return/throw wait for it, as an async generator queues them). */
  src: AsyncIterator<string> | null = null;
  busy: Promise<unknown> | null = null;
  constructor(
    top: Top,
    readonly R: RenderState | null,
  ) {
    this.parts = new PartStack<Step>(top);
  }
  private handOver(...first: (Step | typeof DONE)[]): Stream {
    return (this.slow = driveAsync(rest(this.parts, first), this.R));
  }
  next(): Promise<IteratorResult<string, void>> {
    return promised(this);
  }
  /** `next()`, but a chunk that is ready is returned as it is, and an error is thrown. */
  [NOW](): IteratorResult<string, void> | Promise<IteratorResult<string, void>> {
    if (this.slow) return this.slow.next();
    // (a next() while a read is in flight waits for it, as an async generator queues calls)
    const busy = this.busy;
    if (busy) return busy.then(() => this[NOW](), () => this[NOW]());
    if (this.src) return this.pull(this.src);
    const parts = this.parts;
    let v: Step | typeof DONE;
    try {
      while ((v = parts.next()) instanceof SyncPart) {
        const g = v.gen;
        // (a part of one chunk run here, as FlatStream does)
        if (!(g instanceof One)) parts.push(g);
        else
          try {
            v = g.s(g.ctx, g.R);
            break;
          } catch (e) {
            parts.fail(e);
          }
      }
    } catch (e) {
      this.handOver(); // (the stack is empty: the top part failed)
      throw e;
    }
    return this.at(v);
  }
  /** What the stack gave (not a SyncPart): a chunk, the end, or a step to wait for or hand over. */
  at(v: Step | typeof DONE): IteratorResult<string, void> | Promise<IteratorResult<string, void>> {
    if (this.R?.shared.deferred) return this.handOver(v).next();
    if (typeof v === 'string') return { value: v, done: false };
    // (the end: nothing held, so no driver to hand over to; a later next() finds the stack empty)
    if (v === DONE) return { value: undefined, done: true };
    if ((v as Collect).t) return this.handOver(v).next();
    return this.pull((this.src = (v as AsyncIterable<string>)[Symbol.asyncIterator]()));
  }
  /** The async part's next chunk; at its end (or error) the stack goes on. */
  private pull(src: AsyncIterator<string>): Promise<IteratorResult<string, void>> {
    const p = src.next().then(
      (r): IteratorResult<string, void> | Promise<IteratorResult<string, void>> => {
        this.busy = null;
        if (r.done) {
          this.src = null;
          return this[NOW]();
        }
        if (!this.R?.shared.deferred) return r;
        // (the part deferred its output: driveAsync holds it, this chunk and the rest of the part)
        this.src = null;
        return this.handOver(r.value, { [Symbol.asyncIterator]: () => src }).next();
      },
      (e) => {
        this.busy = null;
        this.src = null;
        this.parts.fail(e);
        return this[NOW]();
      },
    );
    this.busy = p;
    return p;
  }
  /**
   * return()/throw(): after the read in flight (as an async generator queues them), the async
   * part being read is ended, then the parts read so far, innermost first; or the driver that
   * took over is asked.
   */
  private end<T>(then: (s: Stream) => Promise<T>): Promise<T> {
    const close = (): Promise<T> => {
      if (this.slow) return then(this.slow);
      const src = this.src;
      this.src = null;
      // (driveAsync's generator, not started, then ends at once, as an async generator does)
      const rest = () => (this.parts.close(), this.handOver(DONE));
      if (!src) return then(rest());
      return Promise.resolve(src.return?.()).then(
        () => then(rest()),
        (e) => {
          rest();
          throw e;
        },
      );
    };
    return this.busy ? this.busy.then(close, close) : close();
  }
  return(x?: void): Promise<IteratorResult<string, void>> {
    return this.end((s) => s.return(x));
  }
  throw(e?: unknown): Promise<IteratorResult<string, void>> {
    return this.end((s) => s.throw(e));
  }
}
Object.setPrototypeOf(FastStream.prototype, Object.getPrototypeOf(Object.getPrototypeOf(async function* () {}).prototype));

/** An entry's part that renders no other part (one chunk, or a sink part that does not suspend at parts): it is its own stream. */
const alone = (top: unknown): top is One | Chunks => top instanceof One || (top instanceof Chunks && top.k != 4);

export function driveFast(top: Top, R: RenderState | null = null): Stream {
  if (alone(top)) {
    // (a part that renders no other part: nothing to wait for; an entry point's holds what it gives once it deferred)
    if (R) top.t = true;
    return new ChunksAsync(top, R) as unknown as Stream;
  }
  return new FastStream(top, R) as unknown as Stream;
}

/**
 * The async stream of a part that renders no other part (a page without includes or blocks):
 * its chunks one settled promise each, with no part stack around them, as FastStream would give
 * them. NOW gives a chunk without the promise. (The entry points hand an async template's stream
 * over as such a part's one step: FastStream then takes over, from that step.)
 */
class ChunksAsync {
  private f: FastStream | null = null;
  constructor(
    private readonly c: Chunks | One,
    private readonly R: RenderState | null,
  ) {}
  next(): Promise<IteratorResult<string, void>> {
    return promised(this);
  }
  [NOW](): IteratorResult<string, void> | Promise<IteratorResult<string, void>> {
    if (this.f) return this.f[NOW]();
    const r = this.c.next();
    // (a result of its own: Chunks hands every chunk out in one, and async reads may overlap)
    if (r.done) return r;
    if (typeof r.value === 'string') return { value: r.value, done: false };
    return (this.f = new FastStream(this.c as unknown as Top, this.R)).at(r.value);
  }
  return(x?: void): Promise<IteratorResult<string, void>> {
    return this.f ? this.f.return(x) : Promise.resolve(this.c.return(x));
  }
  throw(e?: unknown): Promise<IteratorResult<string, void>> {
    if (this.f) return this.f.throw(e);
    this.c.close();
    return Promise.reject(e);
  }
}
Object.setPrototypeOf(ChunksAsync.prototype, Object.getPrototypeOf(FastStream.prototype));

/**
 * What renderStream gives once this module is installed: an Iterator by its prototype
 * (`[Symbol.iterator]` returns itself, as a generator object's does) whose `return()`/`throw()`
 * close it, and whose async iteration joins chunks (see Joined). No generator of its own.
 */
abstract class SyncStream {
  abstract next(): IteratorResult<string, void>;
  abstract close(): void;
  return(x?: void): IteratorResult<string, void> {
    this.close();
    return { value: x, done: true };
  }
  throw(e?: unknown): IteratorResult<string, void> {
    this.close();
    throw e;
  }
  [Symbol.asyncIterator](): AsyncIterator<string, void> {
    return new Joined(this);
  }
}
Object.setPrototypeOf(SyncStream.prototype, Object.getPrototypeOf(Object.getPrototypeOf([].values())));

/** Characters an async read of a sync stream joins (as kida/node's writes: docs/decisions.md, "Streams, fourth pass"). */
export const JOIN = 65536;

/**
 * A sync stream read asynchronously (`for await`, and Node's `Readable.from`, which prefers
 * `Symbol.asyncIterator` and writes each chunk it gets on its own): the same text in chunks of
 * up to JOIN characters, since a sync render never waits between its chunks, so joining them
 * holds nothing back that could have left earlier. The sync iteration keeps the template's chunk
 * boundaries. The text before an error comes first, then the error.
 */
class Joined implements AsyncIterator<string, void> {
  private err: unknown = null;
  private state = 0; // 1 an error to throw next, 2 over
  constructor(private readonly s: SyncStream) {}
  next(): Promise<IteratorResult<string, void>> {
    const state = this.state;
    if (state) {
      this.state = 2;
      return state === 1 ? Promise.reject(this.err) : Promise.resolve({ value: undefined, done: true });
    }
    let text = '';
    try {
      for (let r; !(r = this.s.next()).done; ) if ((text += r.value).length >= JOIN) return Promise.resolve({ value: text, done: false });
      this.state = 2;
    } catch (e) {
      this.state = 1;
      this.err = e;
      if (!text) return this.next();
    }
    return Promise.resolve(text ? { value: text, done: false } : { value: undefined, done: true });
  }
  return(): Promise<IteratorResult<string, void>> {
    if (this.state !== 2) this.s.return();
    this.state = 2;
    return Promise.resolve({ value: undefined, done: true });
  }
  [Symbol.asyncIterator](): this {
    return this;
  }
}

/**
 * A part of one chunk (template.ts bodyFns(s), `k` 1: a page of text and outputs only, a title
 * block): its builder's result on the first `next()`, then the end; its error thrown there, as a
 * generator's would be. No chunk list, no sink. The drivers run one met inside a part stack
 * inline (its builder called where the stack would push it). `t`: renderStream's stream itself, so
 * once its builder deferred a stack, the chunk is resolved (and left out when empty, as Chunks
 * holds what it gives).
 */
export class One extends SyncStream {
  /** Run, or closed: the next `next()` answers done. */
  over = false;
  t = false;
  constructor(
    readonly s: SyncFn,
    readonly ctx: Ctx,
    readonly R: RenderState,
  ) {
    super();
  }
  next(): IteratorResult<string, void> {
    if (this.over) return END;
    this.over = true;
    const R = this.R;
    let v = this.s(this.ctx, R);
    if (this.t && R.shared.deferred) {
      if (!v) return { value: undefined, done: true };
      v = resolveStacks(v, R);
    }
    return { value: v, done: false };
  }
  close(): void {
    this.over = true;
  }
}

/**
 * A part without a generator (template.ts bodyFns, `sinkPart`) whose builder streams through a
 * sink (`k` 2-4): on the first `next()` its builder runs with a sink that keeps each chunk, then
 * the chunks are served, then its error: a generator's protocol without a resume per chunk. A part that
 * suspended (`S.k`: a loop of resume.ts `each`, or a part it renders, `S.p`, served next as a
 * generator yields one) is run again once its chunks are served, as sinkGen does; abandoned at a
 * loop, the loop's source is closed. `t`: renderStream's stream itself (no part stack), so once
 * its part deferred a stack, what it gives is held and resolved at the end.
 */
export class Chunks extends SyncStream {
  /** The chunks of the builder's last run, and the next one to hand out. */
  c: Run | undefined = undefined;
  i = 0;
  S: Sink | undefined = undefined;
  /** (an error leaving a part is a TemplateError: never undefined) */
  e: unknown = undefined;
  t = false;
  /** The result it hands each chunk out in: one per stream, not one per chunk (for-of, spread,
   * Readable.from and the drivers read `value` before the next `next()`); made at its first run,
   * so a part run into its caller's list (`into`) makes none. */
  r = NO_RESULT;
  constructor(
    readonly s: SyncFn,
    readonly ctx: Ctx,
    readonly R: RenderState,
    readonly k: number,
  ) {
    super();
  }
  next(): IteratorResult<string, void> {
    let c = this.c;
    for (;;) {
      if (c) {
        const i = this.i;
        if (i < c.length) {
          // (see runIn)
          if (c.f === i) (c.f = undefined), (this.R.shared.deferred = true);
          this.i = i + 1;
          const r = this.r;
          r.value = c[i]!;
          return r;
        }
        const S = this.S;
        if (!S?.k) break;
        const p = S.p;
        if (p) {
          S.p = undefined;
          return { value: p as string, done: false };
        }
      }
      c = this.run();
    }
    const e = this.e;
    this.close();
    if (e) throw e;
    return END;
  }
  /** What the part it rendered threw, thrown where it rendered it (`back`). */
  override throw(e?: unknown): IteratorResult<string, void> {
    const S = this.S;
    if (this.k != 4 || !S?.k) return super.throw(e);
    S.x = e;
    return this.next();
  }
  /** Runs the builder, first or again where it suspended; deferred, to its end. */
  private run(): string[] {
    const R = this.R;
    let c = this.c;
    this.i = 0;
    let S = this.S;
    if (c) c.length = 0;
    else (S = this.sink((this.c = c = chunkList()))), (this.r = { value: '', done: false });
    this.step(S!);
    if (this.t && R.shared.deferred) {
      let h = c.join('');
      for (const S = this.S; S?.k; h += c.join('')) (c.length = 0), this.step(S);
      c.length = 0;
      if (!this.e && h) c.push(resolveStacks(h, R));
    }
    return (this.c = c);
  }
  private sink(c: Run): Sink {
    // (called with no chunk: how many wait, for each. It reads the list through the part: V8
    // keeps the last sink reachable after the render, and a sink holding its list kept the
    // render's chunks alive through scavenges; close() drops it; decisions.md, "Streams, sixth pass")
    // (sinkOf: the one closure kind of every sink, noSink too)
    this.c = c;
    const S = (this.S = sinkOf(this));
    S.o = this;
    return S;
  }
  private step(S: Sink): void {
    try {
      // (the line to resume at, only when it suspended)
      const L = this.s(this.ctx, this.R, S);
      if (S.k) S.L = L;
    } catch (e) {
      this.e = e;
    }
  }
  /** Runs this part into the list of the part rendering it (sink `to`): true when it ended there
   * (its error thrown), false when it suspended (the rest served from a list of its own). */
  into(to: Sink): boolean {
    const S = this.sink(to.o!.c!);
    this.step(S);
    const e = this.e;
    if (e) {
      this.close();
      throw e;
    }
    if (!S.k) return this.close(), true;
    this.c = chunkList();
    this.r = { value: '', done: false };
    return false;
  }
  close(): void {
    const S = this.S;
    // (abandoned while a loop is suspended: its source is closed, as a for-of would)
    if (S?.k) (S.k = 0), S.i?.return!();
    this.c = NONE;
    this.i = 0;
    this.e = undefined;
  }
}
const NO_RESULT: IteratorYieldResult<string> = { value: '', done: false };
/** The end of a sync part's chunks: one object for every stream (frozen: no reader can change it). */
const END: IteratorReturnResult<void> = Object.freeze({ value: undefined, done: true });
/** A run's chunks; `f`: the first one a deferred stack holds (see runIn). */
type Run = string[] & { f?: number };
declare module './template.js' {
  interface Sink {
    /** The part whose sink it is. */
    o?: Chunks;
  }
}

/**
 * Where a sink part renders a part (template.ts `part`): a part without a generator (it never
 * waits) runs into its list, as far as it goes without suspending (its loops pull a lazy source's
 * item only when no chunk waits, as in a list of its own). One with a generator is handed to the
 * driver. A part that deferred a stack here marks where (`Run.f`): the chunks before it were
 * handed out before it ran, so they are not held; the flag is set again when that one is served.
 */
export function runIn(fns: RenderFns, ctx: Ctx, R: RenderState, S: Sink): unknown {
  const k = fns.k;
  if (!k) return R.async ? fns.a(ctx, R) : fns.g(ctx, R);
  const c = S.o!.c!;
  const m = c.length;
  const shared = R.shared;
  const d = shared.deferred;
  try {
    if (k == 1) S(fns.s(ctx, R));
    else if (k == 2) fns.s(ctx, R, S);
    else {
      const p = fns.g(ctx, R) as unknown as Chunks;
      if (!p.into(S)) return R.async ? new SyncPart(p as unknown as Generator<Step, void, string | undefined>) : p;
    }
  } finally {
    if (!d && shared.deferred) {
      shared.deferred = false;
      if (c.f === undefined) c.f = m;
    }
  }
}

/**
 * The chunk list of one part's run, made without an array literal: V8 tracks a literal's
 * allocation site, and a list per render living through the render got its site pretenured
 * (made in the old generation, where it kept its chunks alive through scavenges until a full GC;
 * docs/decisions.md, "Streams, sixth pass").
 */
const chunkList = (): string[] => new Array<string>();
const NONE: string[] = chunkList();

type Part = Iterator<SyncStep, void, undefined>;
const NO_ERROR = Symbol();

/**
 * renderStream's driver for a part that renders others: template.ts's `flatten` as an iterator
 * object over the stack of open parts (innermost last), not a generator around a PartStack: a
 * chunk passes no generator but its part's, and the part's own result object is handed on. A
 * part's error is thrown into the part that rendered it; `close()` closes the open parts.
 */
class FlatStream extends SyncStream {
  private readonly stack: Part[];
  private err: unknown = NO_ERROR;
  private held = '';
  constructor(
    top: Part,
    private readonly R: RenderState | null | undefined,
  ) {
    super();
    // (no array literal: see chunkList)
    (this.stack = new Array<Part>()).push(top);
  }
  next(): IteratorResult<string, void> {
    const { stack, R } = this;
    while (stack.length) {
      const it = stack[stack.length - 1]!;
      const err = this.err;
      this.err = NO_ERROR;
      let r: IteratorResult<SyncStep, void>;
      try {
        r = err === NO_ERROR ? it.next() : it.throw!(err);
      } catch (e) {
        stack.pop();
        if (!stack.length) {
          this.held = ''; // (the stream is over, as a generator that threw)
          throw e;
        }
        this.err = e;
        continue;
      }
      let v = r.value;
      if (r.done) stack.pop();
      else if (typeof v !== 'string') {
        // (a part of one chunk, a title block: its builder run here, as its own next() would,
        // its error thrown into the part that rendered it; no push, no result of its own)
        if (!(v instanceof One)) stack.push(v as Part);
        else
          try {
            v = v.s(v.ctx, v.R);
            if (R?.shared.deferred) this.held += v;
            else return { value: v, done: false };
          } catch (e) {
            this.err = e;
          }
      } else if (R?.shared.deferred) this.held += v;
      else return r as IteratorResult<string, void>;
    }
    const h = this.held;
    this.held = '';
    return h ? { value: resolveStacks(h, R!), done: false } : { value: undefined, done: true };
  }
  /** (a finished or failed stack is empty: only an abandoned one has parts left to close) */
  close(): void {
    for (const part of this.stack.splice(0).reverse()) part.return!();
  }
}

export function flattenFast(top: Generator<SyncStep, void, undefined>, R?: RenderState | null): Generator<string, void, undefined> {
  return (alone(top) ? ((top.t = true), top) : new FlatStream(top, R)) as unknown as Generator<string, void, undefined>;
}

export const chunkPart = (s: SyncFn, ctx: Ctx, R: RenderState, k: number) =>
  (k == 1 ? new One(s, ctx, R) : new Chunks(s, ctx, R, k)) as unknown as Generator<string, void, undefined>;

/**
 * A sink keeping its chunks in `to.c` (read through `to` at each call: Chunks swaps its list), or,
 * without `to`, the drivers' noSink, which gives the chunk back. Every sink and noSink is a closure
 * of this one literal, so a builder's `S(…)` call site sees one closure kind whether it renders or
 * streams, and V8 inlines the call; with noSink a function of its own, a process that did both
 * made every such site megamorphic (small's builder 8-9% slower; decisions.md, "Streams, ninth pass").
 */
const sinkOf =
  (to: { c?: string[] } | null): Sink =>
  (x) =>
    to ? (x === undefined ? (to.c!.length as unknown as string) : (to.c!.push(x), '')) : x!;

useDrivers(flattenFast, driveFast, chunkPart, runIn, sinkOf(null));
