// Nunjucks compat: the parent a template picked at run time (`{% extends %}` inside `{% if %}`,
// compiler/codegen/njk-extends.ts), per render, for `super()` to walk the chain it rendered.
import { enterExtends, registerBlocks, type Ctx, type RenderState, type Template } from '../template.js';

const chosen = new WeakMap<RenderState, Map<Template, Template>>();

/** `ctx` in renderBlock's prelude: the parent's chain is set up as its roots would (blocks, preludes). */
export function njkExtends(R: RenderState, t: Template, parent: Template, ctx?: Ctx): Template {
  let m = chosen.get(R);
  if (!m) chosen.set(R, (m = new Map()));
  m.set(t, parent);
  // (Nunjucks adds the parent's blocks when extends runs: after two extends, the first parent's win)
  if (parent.spec.blocks) registerBlocks(R, parent.spec.blocks);
  if (ctx)
    for (let p: Template | undefined = parent; p; p = p.spec.parent?.()) {
      enterExtends(R, p.name); // (a cycle of static parents fails as a render of it does)
      if (p !== parent && p.spec.blocks) registerBlocks(R, p.spec.blocks);
      p.spec.prelude?.(ctx, R);
    }
  return parent;
}

/** The parent of `t` in this render: its static `{% extends %}`, else the one its root picked. */
export function njkParentOf(R: RenderState, t: Template): Template | undefined {
  return t.spec.parent?.() ?? chosen.get(R)?.get(t);
}
