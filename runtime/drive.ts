// `kida/async-driver`: the async stream of a sync template at close to the sync stream's cost.
// The runtime drives a sync part's generator for renderStreamAsync/renderAsync with an async
// generator (driveAsync), whose every `yield` costs several promise turns: 303 chunks of a card
// page took ~75 µs more than renderStream. This driver serves text and sync parts from `next()`
// itself, one settled promise per chunk, and hands the stack to driveAsync at the first step that
// has to wait (an async part, a Collect) or be held (deferred stacks). Same chunks, same errors.
// It is a module of its own so that bundles that import none of its installers stay as small
// (kida/node, kida/hono and the Environment import it; docs/decisions.md, "Streaming over HTTP,
// third pass").

import { DONE, PartStack, SyncPart, driveAsync, resolveStacks, useDrivers, type RenderState, type Step, type SyncStep } from './template.js';

type Top = Generator<Step, void, string | undefined>;

/**
 * The rest of a part stack as one generator, for driveAsync to take over: the step already read
 * first, then every step of the stack; what driveAsync sends back (a Collect's text) or throws in
 * (an async part's error) goes to the stack's innermost part, as driveAsync would do itself.
 */
function* rest(parts: PartStack<Step>, v: Step | typeof DONE): Top {
  try {
    while (v !== DONE) {
      try {
        parts.sent = yield v as Step;
      } catch (e) {
        parts.fail(e);
      }
      v = parts.next();
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

/** (an AsyncIterator by its prototype, as an async generator object is: `[Symbol.asyncIterator]` returns itself) */
class FastStream {
  readonly parts: PartStack<Step>;
  slow: Stream | null = null;
  constructor(
    top: Top,
    readonly R: RenderState | null,
  ) {
    this.parts = new PartStack<Step>(top);
  }
  private handOver(v: Step | typeof DONE): Stream {
    return (this.slow = driveAsync(rest(this.parts, v), this.R));
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
    const parts = this.parts;
    let v: Step | typeof DONE;
    try {
      while ((v = parts.next()) instanceof SyncPart) parts.push(v.gen);
    } catch (e) {
      this.handOver(DONE); // (the stack is empty: the top part failed)
      throw e;
    }
    if (typeof v === 'string' && !this.R?.shared.deferred) return { value: v, done: false };
    return this.handOver(v).next();
  }
  // (before a hand-over, the parts read so far are closed, innermost first; driveAsync's
  // generator, not started, then ends at once, as an async generator does)
  return(x?: void): Promise<IteratorResult<string, void>> {
    if (!this.slow) this.parts.close();
    return (this.slow ?? this.handOver(DONE)).return(x);
  }
  throw(e?: unknown): Promise<IteratorResult<string, void>> {
    if (!this.slow) this.parts.close();
    return (this.slow ?? this.handOver(DONE)).throw(e);
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
