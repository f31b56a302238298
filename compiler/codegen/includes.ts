// Other templates: {% include %}, {% import %}, {% from … import %} and {% embed %} (an include
// whose blocks the embedding template overrides); templateExpr resolves a literal name to its
// static import or loads the template by name at run time.

import type * as A from '../ast.js';
import { didYouMean } from '../../runtime/errors.js';
import type { Generator } from '../codegen.js';
import { q, type Mode, type Sink } from './shared.js';
import { importScope, isFrameLocal, localsInFrame, nameTarget, syncTop } from './njk-scope.js';
import { inDqPart } from './output.js';

export function templateExpr(g: Generator, e: A.Expr): string {
  if (e.type === 'Const' && typeof e.value === 'string') return `${g.ref(g.o.resolveName(e.value))}()`;
  g.dynamicRefs = true;
  return `$env.load(${dynamicName(g, e)}, ${g.fromName})`;
}
/** A name computed at run time; sandboxed, converted without the keys the policy hides (runtime/sandbox.ts sbTplName). */
export function dynamicName(g: Generator, e: A.Expr): string {
  return g.o.sandbox ? `${g.h('sbTplName')}($env, ${g.expr(e)})` : g.expr(e);
}

export function importCtx(g: Generator, withContext: boolean): string {
  // (Nunjucks: an import with context runs on the importer's current frame, njk-scope.ts)
  if (withContext && g.o.nunjucks) return importScope(g);
  return withContext ? `Object.create(${g.fn.ctx})` : `${g.h('globalsContext')}(${g.fn.ctx})`;
}

/** The namespace load: awaited in an async part (Kida mode), where the imported template may be async. */
function loadNamespace(g: Generator, t: string, ctx: string): string {
  return g.fn.mode === 'a' && !g.o.nunjucks ? `await ${g.h('importNamespaceAsync')}(${t}, ${ctx}, R)` : `${g.h('importNamespace')}(${t}, ${ctx}, R)`;
}

export function genImport(g: Generator, n: A.Import): void {
  g.line(n);
  g.w(`${nameTarget(g)}[${q(g.safeName(n.alias, n))}] = ${loadNamespace(g, templateExpr(g, n.template), importCtx(g, n.withContext))};`);
  syncTop(g, nameTarget(g), n.alias);
}

export function genFromImport(g: Generator, n: A.FromImport): void {
  g.line(n);
  // With the imported template's source at hand (bundlers, CLI), a missing name fails the build.
  if (n.template.type === 'Const' && typeof n.template.value === 'string' && g.o.exportsOf) {
    const target = g.o.resolveName(n.template.value);
    const exported = g.o.exportsOf(target);
    if (exported)
      for (const { name } of n.names)
        if (!exported.includes(name)) {
          const hint = didYouMean(name, exported);
          g.err(`'${name}' is not a def or region of '${target}'${hint ? `. Did you mean '${hint}'?` : ''}`, 'K-RUN-008', n,
            hint ? `Did you mean '${hint}'?` : `It defines: ${exported.join(', ') || 'nothing importable'}`);
        }
  }
  const ns = g.id('$ns');
  const t = g.id('$tp');
  g.w(`const ${t} = ${templateExpr(g, n.template)};`);
  g.w(`const ${ns} = ${loadNamespace(g, t, importCtx(g, n.withContext))};`);
  const into = nameTarget(g);
  for (const { name, alias } of n.names) {
    if (g.o.sandbox) g.w(`$env.sandbox.checkAttr(${q(name)}, false);`); // (a name of another template, like `m.name`)
    g.w(`${into}[${q(g.safeName(alias, n))}] = ${g.h('importName')}(${ns}, ${q(name)}, ${t}.name);`);
    syncTop(g, into, alias);
  }
}

/** The ctx an include or embed receives. */
export function includeCtx(g: Generator, withContext: boolean): string {
  if (!withContext) return `${g.h('globalsContext')}(${g.fn.ctx})`;
  const locals: string[] = [];
  const seen = new Set<string>();
  for (let i = g.fn.locals.length - 1; i >= localsInFrame(g); i--)
    for (const [k, v] of g.fn.locals[i]!) if (!seen.has(k)) {
      seen.add(k);
      // (a Nunjucks parameter is a key of a frame on the chain already: njk-scope.ts)
      if (!isFrameLocal(g, v)) locals.push(`${q(k)}: ${v}`);
    }
  if (!locals.length && g.fn.loops === 0) return g.fn.ctx;
  return `${g.h('includeContext')}(${g.fn.sc}, { ${locals.join(', ')} })`;
}

export function genInclude(g: Generator, n: A.Include): void {
  g.line(n);
  g.sandboxTick();
  // (Nunjucks: an included template's `set`s stay in its own frame, over the includer's scope
  // (a caller body's arguments included); the other forms are new scopes)
  let ctx = includeCtx(g, n.withContext);
  if (g.o.nunjucks && ctx === g.fn.ctx) ctx = `${g.h('njkScope')}(${g.fn.sc})`;
  const lit = n.template.type === 'Const' && typeof n.template.value === 'string';
  if (n.ignoreMissing && lit && g.o.templateExists) {
    const name = g.o.resolveName((n.template as A.Const).value as string);
    if (g.o.templateExists(name)) g.subRender(inDqPart(g, n, `${g.ref(name)}().spec.root`), ctx, `${g.h('subState')}(R, $NAME, L)`);
    return;
  }
  if (n.ignoreMissing) {
    const t = g.id('$tp');
    const name = lit ? q(g.o.resolveName((n.template as A.Const).value as string)) : ((g.dynamicRefs = true), g.expr(n.template));
    const load = `$env.tryLoad(${name}, ${g.fromName})`;
    // (a literal name is one the page renders when it exists: pageNames and pageDeep look at it)
    if (lit) g.optionalRefs.add(load);
    g.w(`const ${t} = ${load};`);
    g.w(`if (${t}) {`);
    g.subRender(inDqPart(g, n, `${t}.spec.root`), ctx, `${g.h('subState')}(R, $NAME, L)`);
    g.w('}');
    return;
  }
  if (lit && g.o.missingIncludes?.has(g.o.resolveName((n.template as A.Const).value as string))) {
    g.w(`${g.h('notFound')}(${q(g.o.resolveName((n.template as A.Const).value as string))}, ${g.fromName});`);
    return;
  }
  g.subRender(inDqPart(g, n, `${templateExpr(g, n.template)}.spec.root`), ctx, `${g.h('subState')}(R, $NAME, L)`);
}

export function genEmbed(g: Generator, n: A.Embed): void {
  g.line(n);
  const R2 = g.id('$R');
  g.w(`const ${R2} = ${g.h('subState')}(R, $NAME, L);`);
  for (const b of n.blocks) {
    const modes: Mode[] = g.isAsync ? ['a'] : ['s', 'g'];
    const parts: string[] = [];
    for (const m of modes) {
      const sink: Sink = m === 's' ? { kind: 'buf', v: 'o' } : { kind: 'yield' };
      const fn = g.newFn(m, sink, g.fn.sc, g.fn.ctx, g.fn, g.fn.caller);
      fn.gather = m === 'a'; // (compiler/codegen/gather.ts)
      const header = m === 's' ? '(ctx_, R) =>' : m === 'g' ? 'function* (ctx_, R)' : 'async function* (ctx_, R)';
      parts.push(`${m}: ${g.inlineFn(fn, header, () => g.stmts(b.body), m === 's' ? 'o' : null)}`);
    }
    if (g.isAsync) parts.push(`s: ${g.h('asyncOnly')}($NAME)`, `g: ${g.h('asyncOnly')}($NAME)`);
    const fns = g.id('$eb');
    g.w(`const ${fns} = { ${parts.join(', ')} };`);
    if (!g.isAsync) g.w(`${fns}.a = ${g.h('asyncFromGen')}(${fns}.g);`);
    g.w(`${R2}.blocks[${q(b.name)}] = ${fns};`);
  }
  g.subRender(inDqPart(g, n, `${templateExpr(g, n.template)}.spec.root`), includeCtx(g, true), R2);
}
