// `{% tag %}` of a Nunjucks extension (compat 'nunjucks'; parsing: compiler/nunjucks/extensions.ts):
// `ext.method(context, ...args, ...bodies)` at render time through runtime/nunjucks/extensions.ts,
// each body a function returning its rendered text, the result output as `{{ }}` outputs.
import type * as A from '../ast.js';
import type { Generator } from '../codegen.js';
import { genArgs } from './expressions.js';
import { outFn } from './output.js';
import { q } from './shared.js';

export function genNjkExtension(g: Generator, n: A.NjkExtension): void {
  g.line(n);
  const bodies = n.bodies.map((b) => {
    if (!b) return 'null';
    // (extensions call body() synchronously, as Nunjucks' CallExtension does)
    const fn = g.newFn('s', { kind: 'buf', v: 'o' }, g.fn.sc, g.fn.ctx, g.fn, g.fn.caller);
    return g.inlineFn(fn, '() =>', () => g.stmts(b), 'o');
  });
  const call = `${g.h('njkExt')}($env, ${g.fn.ctx}, ${q(n.ext)}, ${q(n.method)}, ${genArgs(g, n.args, n.kwargs)}, [${bodies.join(', ')}])`;
  g.emit(`${g.h(outFn(g))}(${call})`);
}
