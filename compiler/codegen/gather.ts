// Async parts gather their output (issue #22; docs/decisions.md, "Async streams, fifth pass").
// An async template's root, blocks and embed bodies are async generators. Each `yield` of one
// costs several promise turns, and each `await` of a value that is no promise a turn more: the
// 300 cards after the slow-data page's data took 2.3-3x their sync render. So in these
// functions output is added to a buffer `$O`, which is yielded only where the render may really
// wait: before an await of a thenable (a value that is none is not awaited at all), before an
// async part it renders (`yield*`), around an `{% async for %}`'s steps, at `{% flush %}`, once
// it holds 65,536 characters (checked at each loop step), at the end, and before an error
// leaves. So no chunk that precedes a wait is held back, as the async-iteration contract says
// (runtime/drive.ts JOIN: the same limit as a sync stream read asynchronously).
// Awaits inside an async arrow of such a function (guards, comprehensions) cannot yield: the
// generator counts those arrows (`nest`) and the arrow's await stays plain; the arrow's promise
// itself is awaited with a flush before it.

/** Characters the buffer gathers before it is yielded at a loop step. */
export const GATHER_MAX = 65536;
/** Yields what is gathered (nothing when empty). */
export const FLUSH = 'if ($O) { yield $O; $O = ""; }';
/** At a loop step: yields what is gathered once it is GATHER_MAX characters or more. */
export const FULL = `if ($O.length >= ${GATHER_MAX}) { yield $O; $O = ""; }`;

/** At a step of a loop over a source that may be lazy (`z` its runtime `lazy`): yields at every item there, else as FULL. */
export const lazyTail = (z: string): string => `if (${z} ? $O : $O.length >= ${GATHER_MAX}) { yield $O; $O = ""; }`;

/**
 * An await: none for a value that is no thenable; else what is gathered leaves first. The promise
 * is observed before that yield (`observe`: the stream may be abandoned there, and its rejection
 * must not end the process: docs/security.md "Nothing ends the process"). `back`: sandboxed, the
 * helper that makes the render's own budget the charged one again after the wait (sandbox.ts sbBack).
 */
export const gatherWait = (js: string, observe: string, back = ''): string => `(($W = ${js})?.then ? ($O && (${observe}($W), yield $O, $O = ""), ${back ? `${back}($env, R, await $W)` : 'await $W'}) : $W)`;

/**
 * An output added to the buffer. An output that may yield (it awaits) is computed first: `$O +=`
 * reads `$O` before its right side runs, and the yield empties it.
 */
export const gatherOut = (js: string): string => (/\byield\b/.test(js) ? `$W = ${js}; $O += $W;` : `$O += ${js};`);

/** The scope a loop body of a gathering part compiles in: `tail` runs at its step's end and before `continue` (and `break`, for an async for). */
export function loopBody(fn: { gather?: boolean; tail?: string }, tail: string, body: () => void, w: (line: string) => void): void {
  if (!fn.gather) return body();
  const saved = fn.tail;
  fn.tail = tail;
  try {
    body();
    w(tail);
  } finally {
    fn.tail = saved;
  }
}
