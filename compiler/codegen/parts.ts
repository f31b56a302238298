// Statements that hold or transform a rendered part: {% try %}/{% fallback %}, the fragment
// {% cache %}, {% filter %} blocks, {% spaceless %}, {% provide %}, {% push %}/{% stack %} and
// {% flush %}. ({% defer %} has its parser and generator together in compiler/defer.ts.)

import type * as A from '../ast.js';
import type { Generator } from '../codegen.js';
import { filterCall } from './expressions.js';
import { BOTH, SEP, q } from './shared.js';
import { inDqText } from './output.js';
import { FLUSH } from './gather.js';

export function genTry(g: Generator, n: A.Try): void {
  g.line(n);
  g.sandboxTick();
  const b = g.id('$o');
  g.w(`let ${b} = "";`);
  const saved = g.fn.sink;
  g.fn.sink = { kind: 'buf', v: b };
  g.w('try {');
  g.stmts(n.body);
  const e = g.id('$e');
  g.w(`} catch (${e}) {`);
  g.w(`if (!${g.h('catchable')}(${e}, R)) throw ${e};`);
  g.w(`${b} = "";`);
  const locals = new Map<string, string>();
  if (n.errName) {
    const v = g.id('$err');
    g.w(`const ${v} = ${g.h(g.o.sandbox ? 'sbErrorInfo' : 'errorInfo')}(${e}, $NAME, L, $env);`);
    locals.set(n.errName, v);
  }
  g.withLocals(locals, () => g.stmts(n.fallback));
  g.w('}');
  g.fn.sink = saved;
  g.emit(b);
}

export function genCache(g: Generator, n: A.Cache): void {
  // Fragment cache: a hit emits the stored text; a miss renders, stores and emits. Async
  // renders wait for an asynchronous store, and a miss another render of this process is
  // already rendering waits for that one (runtime/cache.ts: cacheLook, Flight, cachePut).
  g.line(n);
  const key = g.id('$ck');
  const hit = g.id('$ch');
  // Keys are scoped: a sandboxed template's start "\0sb\0"; a trusted key starting with NUL
  // gets another, so neither side can read or plant the other's entries in a shared store.
  // A fragment stored unescaped or escaped for Markdown starts "\0raw\0"/"\0md\0" (after
  // the sandbox's), so an HTML template's site with the same key never serves its data as markup.
  const mode = !g.o.autoescape ? '\\0raw\\0' : g.o.markdown ? '\\0md\\0' : '';
  const k = `${g.h('pyStr')}(${g.expr(n.key)})`;
  // (an HTML key starting with NUL gets another, so it never spells a scope's prefix)
  const tagged = mode ? `"${mode}" + ${k}` : `(${key} = ${k})[0] === "\\0" ? "\\0" + ${key} : ${key}`;
  g.w(`let ${key};`);
  g.w(`${key} = ${g.o.sandbox ? `"\\0sb\\0" + (${tagged})` : tagged};`);
  cacheLookup(g, hit, `$env.cache, ${key}`);
  g.w(`if (typeof ${hit} === "string") {`);
  // (a stored fragment may come from another template's site, outside any attribute)
  g.emit(inDqText(g, n, hit));
  g.w('} else try {');
  const b = g.buffered(() => g.stmts(n.body));
  g.w(`${g.h('cachePut')}($env.cache, ${key}, ${b}, ${n.ttl ? g.expr(n.ttl) : 'undefined'}, ${hit});`);
  // (as a hit is: the fragment's own `"` inside the value would end it, and the scan reads the value as still open)
  g.emit(inDqText(g, n, b));
  g.w(`} finally { ${hit}?.end(); }`);
}

/**
 * `let v = <the store's answer>`: read synchronously, or (async renders) looked up with
 * cacheLook, whose answer may be a wait (`.t`) the async driver or an `await` resolves.
 */
export function cacheLookup(g: Generator, v: string, args: string): void {
  const sync = `${g.h('cacheHit')}(${args}, R)`;
  const look = `${g.h('cacheLook')}(${args}, R)`;
  const m = g.fn.mode;
  if (m === 's') g.w(`let ${v} = ${sync};`);
  else if (m === 'a') g.w(`let ${v} = ${look}; if (${v}?.t) ${v} = ${g.wait(`${v}.t()`)};`);
  else if (m === 'g') g.w(`let ${v} = R.async ? ${look} : ${sync}; if (${v}?.t) ${v} = yield ${v};`);
  else g.w(`${BOTH}Y${[v, sync, look].join(SEP)}`);
}

export function genFilterBlock(g: Generator, n: A.FilterBlock): void {
  g.line(n);
  const b = g.buffered(() => g.stmts(n.body));
  if (g.o.nunjucks) {
    // Nunjucks filters the rendered body and outputs the result like {{ }} (escaped again unless safe)
    g.emit(inDqText(g, n, `${g.h(g.o.autoescape ? 'esc' : 'str')}(${filterCall(g, n.name, b, n.args, n.kwargs, n)})`));
    return;
  }
  // A string result is emitted unescaped (its body was escaped while rendered): under
  // autoescape the filter's arguments are escaped on the way in, so data joins the text
  // escaped, and a result that is not a string is escaped like `{{ }}` output.
  g.argWrap = g.o.autoescape ? (g.o.markdown ? 'escMdArg' : 'escArg') : null;
  try {
    const out = !g.o.autoescape ? 'str' : g.o.markdown ? 'escMdFiltered' : 'escFiltered';
    // (in a double-quoted value, a filter that makes Markup (`tojson`, `default(j)`) may write `"`)
    g.emit(inDqText(g, n, `${g.h(out)}(${filterCall(g, n.name, b, n.args, n.kwargs, n)})`));
  } finally {
    g.argWrap = null;
  }
}

export function genSpaceless(g: Generator, n: A.Spaceless): void {
  const b = g.buffered(() => g.stmts(n.body));
  g.emit(`${g.h('spaceless')}(${b})`);
}

export function genProvide(g: Generator, n: A.Provide): void {
  g.line(n);
  g.w(`${g.h('provide')}(R, ${q(n.key)}, ${g.expr(n.value)});`);
  g.w('try {');
  g.stmts(n.body);
  g.w(`} finally { ${g.h('unprovide')}(R, ${q(n.key)}); }`);
}

export function genPush(g: Generator, n: A.Push): void {
  const b = g.buffered(() => g.stmts(n.body));
  g.w(`${g.h('pushStack')}(R, ${q(n.stack)}, ${b});`);
}

export function genStack(g: Generator, n: A.StackStmt): void {
  g.emit(`${g.h('readStack')}(R, ${q(n.name)}${n.inAttr ? (n.inAttr === true ? ', true' : ', 2') : ''})`);
}

export function genFlush(g: Generator, n: A.Flush): void {
  if (g.fn.sink.kind !== 'buf') g.w(g.fn.sink.kind === 'both' ? `${BOTH}F` : g.fn.gather ? FLUSH : 'yield "";');
}
