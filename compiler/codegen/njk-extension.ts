// `{% tag %}` of a Nunjucks extension (compat 'nunjucks'; parsing: compiler/nunjucks/extensions.ts):
// `ext.method(context, ...args, ...bodies)` at render time through runtime/nunjucks/extensions.ts,
// each body a function returning its text (and calling back `body(cb)`, as Nunjucks' do; one that
// awaits returns a promise), the result output as `{{ }}` outputs.
import type * as A from '../ast.js';
import type { Generator } from '../codegen.js';
import { genArgs, sbAwait } from './expressions.js';
import { inDqText, outFn } from './output.js';
import { contains, q, walk } from './shared.js';

export function genNjkExtension(g: Generator, n: A.NjkExtension): void {
  g.line(n);
  const bodies = n.bodies.map((b) => {
    if (!b) return 'null';
    if (g.fn.mode === 'a' && contains(b, (x) => x.type === 'Await' || (x.type === 'For' && !!x.isAsync) || g.asyncFilter(x))) {
      const afn = g.newFn('a', { kind: 'buf', v: 'o' }, g.fn.sc, g.fn.ctx, g.fn, g.fn.caller);
      return `${g.h('njkAsyncBody')}(${g.inlineFn(afn, 'async () =>', () => g.stmts(b), 'o')})`;
    }
    // (extensions call body() synchronously, as Nunjucks' CallExtension does)
    const fn = g.newFn('s', { kind: 'buf', v: 'o' }, g.fn.sc, g.fn.ctx, g.fn, g.fn.caller);
    const cb = g.id('$cb');
    return g.inlineFn(fn, `(${cb}) =>`, () => g.stmts(b), `(${cb} && ${cb}(null, o), o)`);
  });
  // (built ahead of time: the object the module imports; else the environment's by name)
  const ext = g.o.nunjucks?.extensionModules?.[n.ext] !== undefined ? njkExtVar(n.ext) : q(n.ext);
  // (the sync twin, njkSyncExtensions: a CallExtensionAsync called back before it returns)
  const sync = n.async && !!g.o.nunjucks?.syncExtensions;
  let call = `${g.h(sync ? 'njkExtSync' : n.async ? 'njkExtAsync' : 'njkExt')}($env, ${g.fn.ctx}, ${ext}, ${q(n.method)}, ${genArgs(g, n.args, n.kwargs)}, [${bodies.join(', ')}])`;
  // (CallExtensionAsync: in a synchronous macro body its promise is an error, as an async filter's)
  if (n.async && !sync) call = g.fn.mode === 'a' ? g.wait(sbAwait(g, call)) : `${g.h('observe')}(${call}, true)`;
  g.emit(inDqText(g, n, `${g.h(n.autoescape === false ? 'str' : outFn(g))}(${call})`));
}

/** The module-level name of an imported extension. */
export function njkExtVar(name: string): string {
  return `$njkx_${name.replace(/[^\w$]/g, (c) => `_${c.charCodeAt(0).toString(16)}_`)}`;
}

/** The imports of the extension modules a template's tags use. */
export function njkExtensionImports(tree: A.Node[], modules: Readonly<Record<string, string>> | undefined): string[] {
  if (!modules) return [];
  const used = new Set<string>();
  walk(tree, (x) => {
    if (x.type === 'NjkExtension') used.add((x as unknown as A.NjkExtension).ext);
    return true;
  });
  return [...used].filter((e) => modules[e] !== undefined).sort().map((e) => `import ${njkExtVar(e)} from ${JSON.stringify(modules[e])};`);
}
