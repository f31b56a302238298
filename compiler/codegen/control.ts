// Control flow: {% if %}, {% for %} (with its loop object or the light loop), {% while %},
// {% break %}/{% continue %} and {% match %} with its patterns. Visitors get the generator
// (compiler/codegen.ts) and write through its plumbing (w, emit, scoped, withLocals).

import type * as A from '../ast.js';
import type { Generator } from '../codegen.js';
import { genCond, loopSrc } from './expressions.js';
import { genNjkAsyncLoop } from './njk-async.js';
import { contains, fold, loopUse, pyTruthy } from './shared.js';
import { settableLoopLocals } from './njk-scope.js';
import { FLUSH, FULL, lazyTail, loopBody } from './gather.js';

export function genIf(g: Generator, n: A.If): void {
  // Dead-branch elimination on literal conditions (also hides errors in removed branches).
  const live: { cond: A.Expr | null; body: A.Node[]; line: number }[] = [];
  for (const b of n.branches) {
    const f = fold(b.cond, !!g.o.nunjucks);
    if (f && !pyTruthy(f.v)) continue;
    if (f) {
      live.push({ cond: null, body: b.body, line: b.line });
      break;
    }
    live.push(b);
  }
  if (!live.length || live[live.length - 1]!.cond !== null) {
    if (n.else_) live.push({ cond: null, body: n.else_, line: n.line });
  }
  if (!live.length) return;
  if (live[0]!.cond === null) {
    g.w('{');
    g.scoped(live[0]!.body);
    g.w('}');
    return;
  }
  g.line(n);
  live.forEach((b, i) => {
    if (b.cond) {
      if (i) g.line({ line: b.line, col: 0 });
      g.w(`${i ? '} else ' : ''}if (${genCond(g, b.cond)}) {`);
    } else g.w('} else {');
    g.scoped(b.body);
  });
  g.w('}');
}

export function genFor(g: Generator, n: A.For): void {
  // Nunjucks: a loop has one frame of its own (njkFrame) for the names its body sets, defines, imports
  if (g.o.nunjucks && contains(n.body, (x) => x.type === 'Set' || x.type === 'Capture' || x.type === 'Def' || x.type === 'Import' || x.type === 'FromImport')) {
    const saved = g.fn.sc;
    const frame = g.id('f');
    g.w(`const ${frame} = ${g.h('njkFrame')}(${saved});`);
    g.fn.sc = frame;
    try {
      genForLoop(g, n);
    } finally {
      g.fn.sc = saved;
    }
    return;
  }
  genForLoop(g, n);
}

export function genForLoop(g: Generator, n: A.For): void {
  if (n.njk) return genNjkAsyncLoop(g, n as A.For & { njk: 'each' | 'all' });
  g.line(n);
  const use = loopUse(n, !!g.o.nunjucks);
  const loopUsed = use !== 'none';
  const isAsync = n.isAsync;
  if (isAsync && g.fn.mode !== 'a') {
    g.w(`throw ${g.h('asyncOnly')}($NAME)();`);
    return;
  }
  // (Nunjucks: `for x in obj` with one name walks nothing of a plain object; `for k, v` its
  // pairs, and a plain string's [index, unit] pairs)
  let src = g.expr(n.iter);
  if (g.o.nunjucks) src = `${g.h(n.target.type === 'NameTarget' ? 'oneName' : 'njkPairs')}(${src})`;
  // (a gathering part hands on its output at every item of a lazy source: codegen/gather.ts)
  let tail = FULL;
  if (g.fn.gather && !isAsync) {
    const s = g.id('$s');
    const z = g.id('$z');
    g.w(`const ${s} = ${src}, ${z} = ${g.h('lazy')}(${s});`);
    src = s;
    tail = lazyTail(z);
  }
  const locals = new Map<string, string>();
  const item = g.id('$i');
  let loopVar: string | null = null;
  const any = g.id('$any');
  const hasElse = !!n.else_ && n.else_.length > 0;
  if (hasElse) g.w(`let ${any} = false;`);
  if (isAsync) {
    const loopCls = g.h('AsyncLoopContext');
    if (loopUsed) {
      loopVar = g.id('loop');
      g.w(`const ${loopVar} = new ${loopCls}(); let ${loopVar}_n = 0, ${loopVar}_p = null;`);
    }
    // (each step waits for the source: what is gathered leaves before it, codegen/gather.ts;
    // sandboxed: each item's wait is bounded by maxRenderTime, runtime/sandbox.ts sbAsyncSrc)
    if (g.fn.gather) g.w(FLUSH);
    const it = g.o.sandbox ? `${g.h('sbAsyncSrc')}($env, R, ${g.h('asyncIter')}(${src}))` : `${g.h('asyncIter')}(${src})`;
    g.w(`for await (const ${item} of ${it}) {`);
    if (loopVar) g.w(`if (${loopVar}_n) ${loopVar}.previtem = ${loopVar}_p; ${loopVar}.index0 = ${loopVar}_n++; ${loopVar}_p = ${item};`);
  } else if (loopUsed) {
    loopVar = g.id('loop');
    if (use === 'light') {
      // (loopVar is never emitted: loopAttr computes `loop.index` and the others from idx)
      // (idx is a const of each iteration: a part rendered later, a `{% defer %}`'s, sees its own)
      const idx = g.id('$k');
      const count = g.id('$j'); // (not $n: a kept name's local, codegen/name-cache.ts, numbered apart)
      g.lightLoops.set(loopVar, idx);
      g.w(`let ${count} = 0;`);
      g.w(`for (const ${item} of ${g.h('iter')}(${src})) {`);
      g.w(`const ${idx} = ${count}++;`);
    } else {
      g.w(`const ${loopVar} = new ${g.h('LoopContext')}(${loopSrc(g, src)});`);
      g.w(`for (const ${item} of ${loopVar}[${g.h('LOOP')}]()) {`);
    }
  } else {
    g.w(`for (const ${item} of ${g.h('iter')}(${src})) {`);
  }
  if (hasElse) g.w(`${any} = true;`);
  g.sandboxTick();
  if (loopVar) {
    locals.set('loop', loopVar);
    if (!isAsync && !g.lightLoops.has(loopVar)) g.loopVars.add(loopVar);
  }
  // (a plain name is the loop's own per-iteration constant, not a copy of it)
  if (n.target.type === 'NameTarget') locals.set(n.target.name, item);
  else genBindTarget(g, n.target, item, locals, 'iter');
  if (g.o.nunjucks) settableLoopLocals(g, n.body, locals);
  g.withLocals(locals, () => {
    if (n.cond) g.w(`if (!(${genCond(g, n.cond)})) continue;`);
    g.fn.loops++;
    loopBody(g.fn, isAsync ? FLUSH : tail, () => g.scoped(n.body), (l) => g.w(l));
    g.fn.loops--;
  });
  g.w('}');
  if (hasElse) {
    g.w(`if (!${any}) {`);
    g.scoped(n.else_!);
    g.w('}');
  }
}

/** Declares JS locals for a loop/with target from `value` (iteration unpacking). */
export function genBindTarget(g: Generator, t: A.Target, value: string, locals: Map<string, string>, how: 'iter' | 'index'): void {
  if (t.type === 'NameTarget') {
    const v = g.id('$v_');
    g.w(`const ${v} = ${value};`);
    locals.set(t.name, v);
    return;
  }
  const u = g.id('$u');
  g.w(`const ${u} = ${g.h(how === 'iter' ? 'unpackIter' : 'unpackIndex')}(${value}, ${t.items.length});`);
  t.items.forEach((sub, i) => genBindTarget(g, sub, `${u}[${i}]`, locals, how));
}

export function genWhile(g: Generator, n: A.While): void {
  g.line(n);
  g.w(`while (${genCond(g, n.cond)}) {`);
  g.sandboxTick();
  g.fn.loops++;
  loopBody(g.fn, FULL, () => g.scoped(n.body), (l) => g.w(l));
  g.fn.loops--;
  g.w('}');
}

export function genBreak(g: Generator): void {
  // (leaving an async for closes its source, a wait: codegen/gather.ts)
  g.w(g.fn.tail === FLUSH ? `{ ${FLUSH} break; }` : 'break;');
}

export function genContinue(g: Generator): void {
  g.w(g.fn.tail ? `{ ${g.fn.tail} continue; }` : 'continue;');
}

export function genMatch(g: Generator, n: A.Match): void {
  g.line(n);
  let subj: string | null = null;
  if (n.subjects) {
    const vals = n.subjects.map((s) => g.expr(s));
    subj = g.id('$m');
    g.w(`const ${subj} = ${vals.length === 1 ? vals[0] : `${g.h('tuple')}([${vals.join(', ')}])`};`);
  } else {
    for (const c of n.cases)
      if (c.pattern.kind !== 'wildcard') g.err('A match without a subject only accepts `_` patterns with guards', 'K-TPL-002', n);
  }
  const compiled = n.cases.map((c) => {
    const locals = new Map<string, string>();
    const decls: string[] = [];
    const cond = subj ? genPattern(g, c.pattern, subj, locals, decls) : 'true';
    const full = g.withLocals(locals, () => (c.guard ? `${cond} && ${genCond(g, c.guard)}` : cond));
    return { c, locals, decls, full };
  });
  const decls = compiled.flatMap((x) => x.decls);
  if (decls.length) g.w(`let ${decls.join(', ')};`);
  let first = true;
  for (const { c, locals, full } of compiled) {
    // (a case that always matches ends the chain: a plain block, or the chain's `else`)
    g.w(`${first ? '' : '} else '}${full === 'true' ? '' : `if (${full}) `}{`);
    first = false;
    g.withLocals(locals, () => g.stmts(c.body));
    if (full === 'true') break;
  }
  if (!first) g.w('}');
}

/** Compiles a pattern test against JS value `v`; captures become locals assigned in the test. */
export function genPattern(g: Generator, p: A.Pattern, v: string, locals: Map<string, string>, decls: string[]): string {
  switch (p.kind) {
    case 'wildcard':
      return 'true';
    case 'capture': {
      const js = g.id('$c_');
      decls.push(js);
      locals.set(p.name, js);
      return `((${js} = ${v}), true)`;
    }
    case 'value':
      return `${g.h('eq')}(${v}, ${g.expr(p.expr)})`;
    case 'tuple': {
      const parts = [`${g.h('isSeqOf')}(${v}, ${p.items.length})`];
      p.items.forEach((sub, i) => {
        const c = genPattern(g, sub, `${v}[${i}]`, locals, decls);
        if (c !== 'true') parts.push(c);
      });
      return parts.join(' && ');
    }
  }
}
