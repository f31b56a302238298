// `{% call f() %}…{% end %}` whose body awaits, given to a def compiled sync (a def of a template
// without `await`: imported, or a parent's or a child's). Its slot wrote the body's promise as
// "[object Promise]" and dropped it, so a failing body was an unhandled rejection (found by
// test/security/grammar-fuzz.test.ts, issue #19 §1). A sync def cannot await; instead it runs
// again with each caller call's output once known: the first run starts the calls and records
// them (slot, bindings), their outputs are awaited, and the next run is given them in the same
// order. A call not seen before (the def took another branch) starts another round.
import { TemplateRuntimeError } from './errors.js';
import { Markup } from './markup.js';
import { observe } from './values.js';
import type { Ctx } from './context.js';
import type { CallerFn, KidaDef } from './template.js';

const ASYNC_FN = Object.getPrototypeOf(async () => {}) as object;
/** Whether `caller` is a call body that awaits (compiled as an async function). */
export const isAsyncCaller = (caller: CallerFn): boolean => Object.getPrototypeOf(caller) === ASYNC_FN;

/** Rounds before giving up: each round is one more run of the def. */
const ROUNDS = 8;

interface Call {
  slot: unknown;
  bindings: Ctx | undefined;
  out: Promise<Markup>;
  text?: Markup;
  /** The body's error: thrown where the def calls it, so that the def's `{% try %}` sees it. */
  failed?: { e: unknown };
}

const sameBindings = (a: Ctx | undefined, b: Ctx | undefined): boolean => {
  if (a === b) return true;
  if (!a || !b) return false;
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => Object.is(a[k], b[k]));
};

/** The def's output with an async caller: the def's own promise if it is async, else the rounds above. */
export function invokeWithAsyncCaller(def: KidaDef, args: unknown[], caller: CallerFn): unknown {
  const calls: Call[] = [];
  const start = (slot: unknown, bindings: Ctx | undefined): Promise<Markup> => {
    const out = caller(slot, bindings) as unknown as Promise<Markup>;
    calls.push({ slot, bindings, out: observe(out) });
    return out;
  };
  let first: unknown;
  try {
    first = def.invoke(args, start as unknown as CallerFn);
  } catch (e) {
    if (!calls.length) throw e; // (its error came before any call: the same in every round)
  }
  if (first instanceof Promise || !calls.length) return observe(first); // (an async def awaited the calls itself)
  return rounds(def, args, caller, calls);
}

async function rounds(def: KidaDef, args: unknown[], caller: CallerFn, calls: Call[]): Promise<unknown> {
  for (let round = 0; round < ROUNDS; round++) {
    for (const c of calls)
      if (!c.text && !c.failed)
        try {
          c.text = await c.out;
        } catch (e) {
          c.failed = { e };
        }
    let i = 0;
    let missed = false;
    const replay = (slot: unknown, bindings: Ctx | undefined): Markup => {
      const c = calls[i];
      if (c && c.slot === slot && sameBindings(c.bindings, bindings)) {
        i++;
        if (c.failed) throw c.failed.e;
        return c.text!;
      }
      // (another call here than last round: start it, and run the def again once it is known)
      missed = true;
      const out = observe(caller(slot, bindings) as unknown as Promise<Markup>);
      calls.splice(i++, 0, { slot, bindings, out });
      return new Markup('');
    };
    let r: unknown;
    try {
      r = def.invoke(args, replay as unknown as CallerFn);
    } catch (e) {
      if (!missed) throw e;
    }
    if (!missed) return r;
  }
  throw new TemplateRuntimeError(
    `def '${def.kidaDef?.name ?? 'def'}' called its caller differently in ${ROUNDS} runs: the call body awaits, and the def, from a template without await, cannot`,
  );
}
