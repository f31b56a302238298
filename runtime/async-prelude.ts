// renderBlock of a page whose chain has an async template: that template's prelude (its top-level
// imports, lets and defs, which renderBlock runs before the block) awaits, so the compiler wraps it
// in `asyncPrelude` (compiler/codegen.ts). The wrapper hands renderBlock's setup a Waiting, which
// runs the chain's later preludes after it, in order, and gives the block render functions that
// wait for them: only the async entry points can. In a module of its own: only async templates import it, so a
// bundle of sync pages does not carry it.

import type { Ctx } from './context.js';
import { asyncOnly, type RenderFns, type RenderState, type TemplateSpec } from './template.js';

const ignore = () => {};

/** The setup of renderBlock while an async prelude runs (template.ts `blockSetup`). */
export class Waiting {
  constructor(
    private p: Promise<unknown>,
    private readonly name: string,
  ) {
    p.catch(ignore); // (a stream nobody reads, or a sync entry point refusing, leaves it unread)
  }
  /** The next prelude of the chain (toward the root), once this one is done. */
  chain(s: TemplateSpec, ctx: Ctx, R: RenderState): Waiting {
    (this.p = this.p.then(() => (s.prelude?.(ctx, R) as Waiting | undefined)?.p)).catch(ignore);
    return this;
  }
  /** The block's render functions once the setup is done: only its async stream can wait. */
  wrap(fns: RenderFns): RenderFns {
    const p = this.p;
    // (it observes the data's promises the preludes would have awaited: one that stopped at a
    // rejection left the later ones unread)
    const refuse = asyncOnly(this.name, 'renderBlockAsync() or renderBlockStreamAsync()');
    return {
      s: refuse,
      g: refuse,
      async *a(ctx, R) {
        await p;
        yield* fns.a(ctx, R);
      },
    };
  }
}

/** An async template's prelude, as renderBlock's setup calls it. */
export function asyncPrelude(prelude: (ctx: Ctx, R: RenderState) => Promise<void>, name: string): (ctx: Ctx, R: RenderState) => Waiting {
  return (ctx, R) => new Waiting(prelude(ctx, R), name);
}
