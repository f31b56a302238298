// `kida/async-driver`: the async stream of a sync template at close to the sync stream's cost.
// The runtime drives a sync part's generator for renderStreamAsync/renderAsync with an async
// generator (driveAsync), whose every `yield` costs several promise turns: 303 chunks of a card
// page took ~75 µs more than renderStream. This driver serves text and sync parts from `next()`
// itself, one settled promise per chunk, and hands the stack to driveAsync at the first step that
// has to wait (an async part, a Collect) or be held (deferred stacks). Same chunks, same errors.
// It is a module of its own so that bundles that import none of its installers stay as small
// (kida/node, kida/hono and the Environment import it; docs/decisions.md, "Streaming over HTTP,
// third pass").

import { DONE, PartStack, SyncPart, driveAsync, resolveStacks, useDrivers, type Collect, type RenderState, type Step, type SyncStep } from './template.js';

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
    try {
      const r = this[NOW]();
      return r instanceof Promise ? r : Promise.resolve(r);
    } catch (e) {
      return Promise.reject(e);
    }
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
      while ((v = parts.next()) instanceof SyncPart) parts.push(v.gen);
    } catch (e) {
      this.handOver(); // (the stack is empty: the top part failed)
      throw e;
    }
    if (this.R?.shared.deferred) return this.handOver(v).next();
    if (typeof v === 'string') return { value: v, done: false };
    if (v === DONE || (v as Collect).t) return this.handOver(v).next();
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

export function driveFast(top: Top, R: RenderState | null = null): Stream {
  return new FastStream(top, R) as unknown as Stream;
}

/**
 * renderStream's driver: `flatten` (runtime/template.ts) as an iterator object rather than a
 * generator around the part stack: one generator resume less per chunk, and no generator to make
 * per render (a small page's stream cost ~1.2x its render for it).
 */
class FlatStream {
  readonly parts: PartStack<SyncStep>;
  held = '';
  ended = false;
  constructor(
    top: Generator<SyncStep, void, undefined>,
    readonly R: RenderState | null | undefined,
  ) {
    this.parts = new PartStack<SyncStep>(top);
  }
  next(): IteratorResult<string, void> {
    if (!this.ended) {
      const { parts, R } = this;
      let v: SyncStep | typeof DONE;
      try {
        while ((v = parts.next()) !== DONE)
          if (typeof v !== 'string') parts.push(v);
          else if (R?.shared.deferred) this.held += v;
          else return { value: v, done: false };
      } catch (e) {
        this.ended = true; // (the stack is empty: the top part failed)
        throw e;
      }
      this.ended = true;
      if (this.held) return { value: resolveStacks(this.held, R!), done: false };
    }
    return { value: undefined, done: true };
  }
  return(x?: void): IteratorResult<string, void> {
    this.end();
    return { value: x, done: true };
  }
  throw(e?: unknown): IteratorResult<string, void> {
    this.end();
    throw e;
  }
  private end(): void {
    if (!this.ended) this.parts.close();
    this.ended = true;
  }
}
// (an Iterator by its prototype, as a generator object is: `[Symbol.iterator]` returns itself)
Object.setPrototypeOf(FlatStream.prototype, Object.getPrototypeOf(Object.getPrototypeOf([].values())));

export function flattenFast(top: Generator<SyncStep, void, undefined>, R?: RenderState | null): Generator<string, void, undefined> {
  return new FlatStream(top, R) as unknown as Generator<string, void, undefined>;
}

useDrivers(flattenFast, driveFast);
