// Names the template assigns: {% set %} (also Nunjucks' set through njkSet), {% with %} and the
// conditional {% with … if %}, {% capture %}/{% set x %}…{% endset %}, and {% globals %}.

import type * as A from '../ast.js';
import type { Generator } from '../codegen.js';
import { filterCall, guardedName } from './expressions.js';
import { q } from './shared.js';
import { settableLocal, syncTop } from './njk-scope.js';

export function genSet(g: Generator, n: A.SetStmt): void {
  g.line(n);
  const scope = n.kind === 'set' ? g.fn.sc : g.fn.ctx;
  for (const a of n.assignments) {
    if (g.o.nunjucks && (a.target.type === 'NameTarget' || a.target.items.every((t) => t.type === 'NameTarget'))) {
      // Nunjucks frames (njkSet); `set a, b = v` gives every name the one value
      const names = a.target.type === 'NameTarget' ? [a.target] : (a.target.items as A.NameTarget[]);
      let v = g.expr(a.value);
      if (names.length > 1) {
        const t = g.tmp();
        g.w(`${t} = ${v};`);
        v = t;
      }
      for (const x of names) njkSet(g, g.safeName(x.name, x), v);
      continue;
    }
    if (a.coalesce) {
      if (a.target.type !== 'NameTarget') g.err('??= cannot assign to a tuple target', 'K-PAR-003', a.target);
      const cur = guardedName(g, a.target.name);
      g.w(`if (${g.h('missing')}(${cur})) ${scope}[${q(g.safeName(a.target.name, a.target))}] = ${g.expr(a.value)};`);
      continue;
    }
    assign(g, a.target, g.expr(a.value), scope);
  }
}

/** Nunjucks' `set`: njkSet, or a plain write where the scope is the function's own (njkSet's target there). */
function njkSet(g: Generator, name: string, v: string): void {
  const own = g.fn.sc === g.fn.ctx ? `${g.fn.ctx}[${q(name)}]` : null;
  // (a macro parameter or loop variable: Nunjucks assigns its variable too, njk-scope.ts)
  const l = settableLocal(g, name);
  if (l !== null && l !== own && !/^\$t\d+$/.test(v)) {
    const t = g.tmp();
    g.w(`${t} = ${v};`);
    v = t;
  }
  g.w(own ? `${own} = ${v};` : `${g.h('njkSet')}(${g.fn.sc}, ${g.fn.ctx}, ${q(name)}, ${v});`);
  // (a template's top level: its context too, once it has a view; njkSync)
  if (own) syncTop(g, g.fn.ctx, name, true);
  if (l !== null && l !== own) g.w(`${l} = ${v};`);
}

export function assign(g: Generator, t: A.Target, value: string, scope: string): void {
  if (t.type === 'NameTarget') {
    g.w(`${scope}[${q(g.safeName(t.name, t))}] = ${value};`);
    return;
  }
  const u = g.id('$u');
  g.w(`const ${u} = ${g.h('unpackIndex')}(${value}, ${t.items.length});`);
  t.items.forEach((sub, i) => assign(g, sub, `${u}[${i}]`, scope));
}

export function genWith(g: Generator, n: A.With): void {
  g.line(n);
  const sv = g.id('$sv');
  const ctx = g.fn.ctx;
  g.w(`const ${sv} = ${g.h('save')}(${ctx}, ${JSON.stringify(n.bindings.map((b) => b.name))});`);
  g.w('try {');
  for (const b of n.bindings) g.w(`${ctx}[${q(g.safeName(b.name, n))}] = ${g.expr(b.value)};`);
  g.stmts(n.body);
  g.w(`} finally { ${g.h('restore')}(${ctx}, ${sv}); }`);
}

export function genWithIf(g: Generator, n: A.WithIf): void {
  g.line(n);
  const vals = n.subjects.map((s) => {
    const t = g.id('$w');
    g.w(`const ${t} = ${g.expr(s)};`);
    return t;
  });
  const subject = vals.length === 1 ? vals[0]! : `${g.h('tuple')}([${vals.join(', ')}])`;
  const cond = vals.map((v) => `${g.h('truthy')}(${v})`).join(' && ');
  g.w(`if (${cond}) {`);
  const names: string[] = [];
  const collectNames = (t: A.Target) => (t.type === 'NameTarget' ? names.push(t.name) : t.items.forEach(collectNames));
  const targets = n.targets.length ? n.targets : [{ type: 'NameTarget', name: 'it', line: n.line, col: n.col } as A.NameTarget];
  targets.forEach(collectNames);
  const ctx = g.fn.ctx;
  const sv = g.id('$sv');
  g.w(`const ${sv} = ${g.h('save')}(${ctx}, ${JSON.stringify(names)});`);
  g.w('try {');
  if (targets.length === 1) assign(g, targets[0]!, subject, ctx);
  else assign(g, { type: 'TupleTarget', items: targets, line: n.line, col: n.col }, subject, ctx);
  g.stmts(n.body);
  g.w(`} finally { ${g.h('restore')}(${ctx}, ${sv}); }`);
  if (n.else_) {
    g.w('} else {');
    g.stmts(n.else_);
  }
  g.w('}');
}

export function genCapture(g: Generator, n: A.Capture): void {
  g.line(n);
  // (Nunjucks' transformer does not lift a `super()` in a set block: it stays a call of the name
  // `super`, which fails; inheritance.ts liftSuper)
  const superVar = g.njkSuperVar;
  if (g.o.nunjucks) g.njkSuperVar = '';
  const b = g.buffered(() => g.stmts(n.body));
  g.njkSuperVar = superVar;
  // (Nunjucks: `{% set x %}…{% endset %}` captures a plain string, escaped again when output)
  let v = g.o.nunjucks ? b : `${g.h(g.o.markdown ? 'marked' : 'markup')}(${b})`;
  if (n.filter) v = filterCall(g, n.filter.name, v, n.filter.args, n.filter.kwargs, n);
  if (g.o.nunjucks) njkSet(g, g.safeName(n.name, n), v);
  else g.w(`${g.fn.ctx}[${q(n.name)}] = ${v};`);
}

export function genGlobals(g: Generator, n: A.GlobalsBlock): void {
  g.stmts(n.body);
}
