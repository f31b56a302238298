// Template inheritance: the root body of a template that extends another (its definitions run,
// then the parent renders with the same ctx) and {% block %} where it stands (a call of the
// block's render functions through R.blocks, so a child's override wins). super() is an
// expression (compiler/codegen/expressions.ts).

import type * as A from '../ast.js';
import type { Generator } from '../codegen.js';
import { genCond } from './expressions.js';
import { CHILD_DEFINITIONS, njkChildRuns, q, walk } from './shared.js';
import { blockScope } from './njk-scope.js';
import { genNjkDynamicRoot, njkDynamicExtends } from './njk-extends.js';
import { dynamicName } from './includes.js';
import { inDqPart } from './output.js';

export function genRootBody(g: Generator, body: A.Node[], ext: A.Extends | null): void {
  if (g.blockNodes.size) g.w(`${g.h('registerBlocks')}(R, $blocks);`);
  if (!ext) {
    if (g.o.nunjucks && njkDynamicExtends(body)) genNjkDynamicRoot(g, body);
    else g.stmts(body);
    return;
  }
  // A child template runs only its definitions, then the parent with the same ctx.
  if (!g.o.nunjucks) g.stmts(body.filter((n) => CHILD_DEFINITIONS.has(n.type)));
  else {
    // (Nunjucks: all of its top level, the output dropped; definitions alone need no buffer)
    const runs = body.filter(njkChildRuns);
    if (runs.every((n) => CHILD_DEFINITIONS.has(n.type))) g.stmts(runs);
    else g.buffered(() => g.stmts(runs));
  }
  g.line(ext);
  g.w(`${g.h('enterExtends')}(R, $NAME);`);
  const parent =
    ext.template.type === 'Const' && typeof ext.template.value === 'string'
      ? `${g.ref(g.o.resolveName(ext.template.value))}()`
      : ((g.dynamicRefs = true), `$env.load(${dynamicName(g, ext.template)}, ${g.fromName})`);
  g.subRender(`${parent}.spec.root`, 'ctx', 'R');
}

export function genBlock(g: Generator, n: A.Block): void {
  if (n.fragment) return;
  g.line(n);
  if (n.cond) g.w(`if (${genCond(g, n.cond)}) {`);
  // (Nunjucks: a block renders in a frame of its own over the one where it stands)
  // (Nunjucks: a top-level block reached after a run-time extends renders nothing)
  const afterExtends = g.njkParentVar && g.njkBlock === null ? g.njkParentVar : null;
  if (afterExtends) g.w(`if (!${afterExtends}) {`);
  g.subRender(inDqPart(g, n, `R.blocks[${q(n.name)}]`), g.o.nunjucks ? blockScope(g) : 'ctx', 'R');
  if (afterExtends) g.w('}');
  if (n.cond) g.w('}');
}

/**
 * Nunjucks compat: its transformer lifts every `super()` of a block to one render of the parent's
 * block where the block starts (transformer.js liftSuper), so the parent's block never sees the
 * child block's own `set`s, and two `super()`s print one rendering. It walks the outermost block
 * first, so the `super()`s of blocks nested in it and of macros defined in it are lifted to the
 * outermost block too: rendered there, but read where that variable is out of reach (a nested
 * block's or a macro's own function) they are `undefined`. Emits that render and returns the
 * variable holding it (`undefined` in a nested block), or null when nothing in the block calls `super()`.
 * (`''` while a set block's body compiles: there `super()` is a call of the name, as in Nunjucks.)
 */
export function liftSuper(g: Generator, block: A.Block): string | null {
  if (nestedBlocks(g).has(block.name)) return 'undefined';
  const isSuper = (n: { type: string } & Record<string, unknown>) =>
    n.type === 'Call' && (n.func as A.Expr).type === 'Name' && (n.func as A.Name).name === 'super' && !(n.args as unknown[]).length;
  let found = false;
  walk(block.body, (n) => {
    if (isSuper(n)) found = true;
    // (its walk skips a set block's body, not a field of Nunjucks' Set node: genCapture)
    return !found && n.type !== 'Capture';
  });
  if (!found) return null;
  const v = g.id('$super');
  g.w(`const ${v} = ${g.h('njkSuper')}($template, ${q(block.name)}, ctx, R);`);
  return v;
}

const nested = new WeakMap<Generator, Set<string>>();
/** The names of the template's blocks that stand inside another of its blocks. */
function nestedBlocks(g: Generator): Set<string> {
  let names = nested.get(g);
  if (!names) {
    const found = new Set<string>();
    walk(g.ast.body, (n) => {
      if (n.type === 'Block') walk((n as unknown as A.Block).body, (m) => void (m.type === 'Block' && found.add((m as unknown as A.Block).name)));
    });
    nested.set(g, (names = found));
  }
  return names;
}
