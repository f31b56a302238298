// asyncEach/asyncAll (a `for` marked by compiler/nunjucks/tokens.ts; docs/decisions.md): in an
// async function asyncAll's bodies run at once, each into its own buffer (Promise.all: the first
// failure wins, the others are observed); else both are plain loops, as Nunjucks' are there.
import type * as A from '../ast.js';
import type { Generator } from '../codegen.js';
import { genBindTarget } from './control.js';
import { walk } from './shared.js';
import { sbAwait } from './expressions.js';

export function genNjkAsyncLoop(g: Generator, n: A.For & { njk: 'each' | 'all' }): void {
  g.line(n);
  const names = n.target.type === 'NameTarget' ? 1 : n.target.type === 'TupleTarget' ? n.target.items.length : 0;
  if (!names || (n.target.type === 'TupleTarget' && n.target.items.some((t) => t.type !== 'NameTarget')))
    g.err(`{% async${n.njk === 'each' ? 'Each' : 'All'} %} takes names (x, or k, v)`, 'K-PAR-003', n);
  const src = g.id('$s');
  const items = g.id('$is');
  const bound = g.o.sandbox ? `, (x) => ${g.h('sbLoopSrc')}($env, R, x)` : '';
  g.w(`const ${src} = ${g.h('njkFromIter')}(${g.expr(n.iter)}${bound}), ${items} = ${g.h('njkItems')}(${src}, ${names}${g.o.sandbox ? ', $env' : ''});`);
  const item = g.id('$i');
  const idx = g.id('$k');
  const tick = (n: string) => g.o.sandbox && g.w(`${g.h('njkSbTick')}($env, R${n});`);
  const body = () => {
    tick('');
    const locals = new Map<string, string>();
    const loop = g.id('loop');
    g.w(`const ${loop} = ${g.h('njkLoop')}(${idx}, ${items}.length);`);
    locals.set('loop', loop);
    if (n.target.type === 'NameTarget') locals.set(n.target.name, item);
    else genBindTarget(g, n.target, item, locals, 'iter');
    g.withLocals(locals, () => g.stmts(n.body));
  };
  if (n.njk === 'all' && g.fn.mode === 'a') {
    walk(n.body, (x) => {
      if (x.type === 'Break' || x.type === 'Continue') g.err(`{% ${x.type.toLowerCase()} %} cannot leave an {% asyncAll %} body (they run at once)`, 'K-PAR-003', x as unknown as A.Pos);
      return x.type !== 'For' && x.type !== 'While' && x.type !== 'Def';
    });
    const fn = g.newFn('a', { kind: 'buf', v: 'o' }, g.fn.sc, g.fn.ctx, g.fn, g.fn.caller);
    const arrow = g.inlineFn(fn, `async (${item}, ${idx}) =>`, body, 'o');
    const out = g.id('$all');
    g.w(`const ${out} = ${g.wait(sbAwait(g, `Promise.all(${items}.map(${arrow}))`))}.join("");`);
    tick(', 0');
    g.emit(out);
  } else {
    g.w(`for (let ${idx} = 0; ${idx} < ${items}.length; ${idx}++) {`);
    g.w(`const ${item} = ${items}[${idx}];`);
    body();
    g.w('}');
  }
  if (n.else_ && n.else_.length) {
    g.w(`if (!${src}.length) {`); // (Nunjucks' test: an object's else runs too, null's throws)
    g.stmts(n.else_);
    g.w('}');
  }
}
