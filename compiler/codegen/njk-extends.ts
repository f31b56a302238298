// Nunjucks compat: `{% extends %}` that runs (inside `{% if %}`/`else`, a loop, or more than one).
// Nunjucks compiles extends as a statement: the root renders all its top level into a buffer,
// each extends it reaches sets `parentTemplate`, a top-level block reached after one renders
// nothing, and at the end, with a parent, the buffer is dropped and the parent's root renders
// on the same context (compiler.js compileExtends/compileBlock/compileRoot). A template whose one
// extends stands at its top level keeps the static path (codegen/inheritance.ts genRootBody).

import type * as A from '../ast.js';
import type { Generator } from '../codegen.js';
import { templateExpr } from './includes.js';
import { walk } from './shared.js';

/** Does this Nunjucks template pick its parent at run time (an extends not alone at the top level)? */
export function njkDynamicExtends(body: A.Node[]): boolean {
  let all = 0;
  walk(body, (n) => {
    if (n.type === 'Extends') all++;
    return n.type !== 'Def' && n.type !== 'Block' && n.type !== 'CallBlock';
  });
  return all > 1 || (all === 1 && !body.some((n) => n.type === 'Extends'));
}

/** The root body: the top level into a buffer, then the parent chosen (if any) or that buffer. */
export function genNjkDynamicRoot(g: Generator, body: A.Node[]): void {
  const p = g.id('$parent');
  g.w(`let ${p} = null;`);
  g.njkParentVar = p;
  let buf: string;
  try {
    buf = g.buffered(() => g.stmts(body));
  } finally {
    g.njkParentVar = null;
  }
  g.w(`if (${p}) {`);
  g.w(`${g.h('enterExtends')}(R, $NAME);`);
  g.subRender(`${p}.spec.root`, 'ctx', 'R');
  g.w('} else {');
  g.emit(buf);
  g.w('}');
}

/** `{% extends %}` where it stands (dynamic roots only): records the parent for this render. */
export function genNjkExtends(g: Generator, n: A.Extends): void {
  if (!g.njkParentVar) return;
  g.line(n);
  g.w(`${g.njkParentVar} = ${g.h('njkExtends')}(R, $template, ${templateExpr(g, n.template)}${g.njkInPrelude ? `, ${g.fn.ctx}` : ''});`);
}

/**
 * renderBlock's prelude runs the statements that pick the parent (their output dropped), so a
 * block of the parent's chain, and `super()`, are found as a render would find them.
 */
export function njkPreludePicks(g: Generator, body: () => void): void {
  const p = g.id('$parent');
  g.w(`let ${p} = null;`);
  g.njkParentVar = p;
  g.njkInPrelude = true;
  try {
    body();
  } finally {
    g.njkParentVar = null;
    g.njkInPrelude = false;
  }
}
