// A part (a block, an include, an embed's template) rendered where the including template's own
// text has opened a double-quoted attribute value: `<div data-x="{% block j %}{% end %}">`,
// `<div data-x="{% include "j.kida" %}">`. The part is compiled on its own and cannot know where
// it lands, so a child's `{{ x | tojson }}` (or any Markup) there would end the value with its `"`
// and data would become attributes (red team, thirteenth pass). Each chunk has its `"` written
// `&quot;` on the way out, as an output inside the value does (output.ts inDq): chunk for chunk,
// so the stream's boundaries stay as they were.

import { inAmb, inDq } from './output.js';
import type { RenderFns, RenderState, Step, SyncStep } from './template.js';
import type { Ctx } from './context.js';

/**
 * `fns` with every chunk it writes passed through inDq, in all three of its render forms (`amb`:
 * through inAmb, the part standing inside the value on some paths of the template only).
 */
export function dqPart(fns: RenderFns, amb?: 1): RenderFns {
  const f = amb ? inAmb : inDq;
  return {
    s: (ctx: Ctx, R: RenderState) => f(fns.s(ctx, R)),
    g: ((ctx: Ctx, R: RenderState) => dqSteps(fns.g(ctx, R) as unknown as Generator<SyncStep, void, unknown>, f)) as unknown as RenderFns['g'],
    a: (ctx: Ctx, R: RenderState) => dqAsync(fns.a(ctx, R), f),
  };
}

type Text = (t: string) => string;

/**
 * A part's generator, its text through `f` and the parts it yields wrapped the same way. It
 * forwards what the driver sends, throws and closes, so the part's own error handling still sees
 * the errors of the parts it rendered, and an abandoned stream closes it.
 */
function* dqSteps(gen: Generator<SyncStep | Step, void, unknown>, f: Text): Generator<SyncStep | Step, void, unknown> {
  let done = false;
  try {
    let r = gen.next();
    while (!r.done) {
      const x = r.value;
      let sent: unknown;
      try {
        sent = yield typeof x === 'string' ? f(x) : wrapStep(x, f);
      } catch (e) {
        r = gen.throw(e);
        continue;
      }
      r = gen.next(sent);
    }
    done = true;
  } finally {
    if (!done) gen.return(undefined);
  }
}

/** A nested step: a part's generator (sync streams) or an async stream (R.async). */
function wrapStep(x: Exclude<SyncStep | Step, string>, f: Text): SyncStep | Step {
  if (typeof (x as Generator).next === 'function') return dqSteps(x as Generator<SyncStep, void, unknown>, f) as SyncStep;
  if (Symbol.asyncIterator in x) return dqAsync(x as AsyncIterable<string>, f);
  return x;
}

async function* dqAsync(parts: AsyncIterable<string>, f: Text): AsyncGenerator<string, void, undefined> {
  for await (const c of parts) yield f(c);
}
