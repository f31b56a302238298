// Output: literal text, {{ … }} (escaped for HTML or Markdown or not at all; constants folded)
// and {% trans %}; outFn names the helper a value goes through on its way out.

import type * as A from '../ast.js';
import { escapeMarkdown } from '../../runtime/markup.js';
import { njkEscape } from '../../runtime/nunjucks/values.js';
import type { Generator } from '../codegen.js';
import { escapeHtml, fold, kwKey, q } from './shared.js';
import { directDef } from './defs.js';
import { gaArgs, loopAttr } from './expressions.js';

export function genData(g: Generator, n: A.Data): void {
  if (n.text) g.emit(g.texts.text(q(n.text)));
}

export function genOutput(g: Generator, n: A.Output): void {
  g.line(n);
  g.emit(outputExpr(g, n));
}

/** The JS string expression for `{{ expr }}`: escaped (or not), constants folded. */
export function outputExpr(g: Generator, n: A.Output): string {
  const e = n.expr;
  const f = fold(e, !!g.o.nunjucks);
  if (f && (typeof f.v === 'string' || typeof f.v === 'number')) {
    const text = typeof f.v === 'number' ? String(f.v) : f.v;
    // (Nunjucks escapes a backslash too: its escaper, as the runtime's `esc` would)
    return q(!g.o.autoescape ? text : g.o.markdown ? escapeMarkdown(text) : g.o.nunjucks ? njkEscape(text) : escapeHtml(text));
  }
  // (a folded constant above is the template's own text, printed as written)
  const dq = n.inAttr === true && !g.o.sandbox && !g.o.nunjucks;
  const js = valueText(g, n, e, dq);
  return n.inAttr && !(dq && DQ_SAFE.test(js)) ? inDqText(g, n, js) : js;
}
/** `js`, the text a statement writes, with each `"` escaped when the statement sits inside a double-quoted attribute value. */
export const inDqText = (g: Generator, n: { inAttr?: A.InAttr }, js: string): string => (n.inAttr ? `${g.h(n.inAttr === true ? 'inDq' : 'inAmb')}(${js})` : js);
/** The render functions `fns` of a part, wrapped so that each chunk's `"` is escaped when the part sits inside a double-quoted value. */
export const inDqPart = (g: Generator, n: { inAttr?: A.InAttr }, fns: string): string => (n.inAttr ? `${g.h('dqPart')}(${fns}${n.inAttr === true ? '' : ', 1'})` : fns);
/** The code of escaped() with `dq`: a call of escDq or egaDq, whose text needs no inDq. */
const DQ_SAFE = /^\$(?:escDq|egaDq)\(/;

/**
 * `dq`: the output sits inside a double-quoted attribute value (compiler/html-context.ts), and the
 * value goes through escDq/egaDq, which check a plain string or number no more than esc does;
 * any other output there is wrapped in inDq (outputExpr).
 */
function valueText(g: Generator, n: A.Output, e: A.Expr, dq: boolean): string {
  // `{{ x | e }}`: the filter's Markup would be unwrapped at once; esc(x) writes the same text
  // (safe values pass, the rest is escaped once) without building it (issue #22)
  if (e.type === 'Filter' && (e.name === 'e' || e.name === 'escape') && (e.op === '|' || e.op === '|>') && !e.args.length && !e.kwargs.length &&
      g.o.autoescape && !g.o.markdown && !g.o.nunjucks && !g.o.sandbox && !g.o.customFilters.has(e.name))
    return escaped(g, e.value, dq);
  // (a def's text is Markup: every output helper writes it as it is; never in Nunjucks mode)
  const direct = directDef(g, e);
  if (direct !== null) return direct;
  const optional =
    (e.type === 'Attr' || e.type === 'Item') ? e.optional : e.type === 'Filter' ? e.op === '?|' || e.op === '?|>' : false;
  // (Nunjucks' throwOnUndefined checks only what is output, at the tag's position)
  if (g.o.nunjucks?.throwOnUndefined) return `${g.h(outFn(g, optional))}(${g.h('njkDefined')}(${g.expr(e)}, ${n.line}, ${n.col + 1}))`;
  const fn = outFn(g, optional);
  return fn === 'esc' ? escaped(g, e, dq) : `${g.h(fn)}(${g.expr(e)})`;
}

/**
 * `esc(x)`; for `a.b` read as `ga` reads it (not in Nunjucks mode, which has its own `ga` and
 * escaper, nor sandboxed), `ega(…)`: ga and esc in one call, one call fewer per output (issue #22).
 * In a double-quoted attribute value (`dq`), their twins escDq/egaDq.
 */
function escaped(g: Generator, e: A.Expr, dq = false): string {
  if (e.type === 'Attr' && !g.o.nunjucks && !g.o.sandbox && !loopAttr(g, e)) {
    const args = gaArgs(g, e);
    if (args !== null) return `${g.h(dq ? 'egaDq' : 'ega')}(${args})`;
  }
  return `${g.h(dq ? 'escDq' : 'esc')}(${g.expr(e)})`;
}

/**
 * In Markdown mode a def's or region's calls give Marked (mdDef wraps it); without autoescape a
 * plain string (rawDef), so an escaping template importing it escapes the text (red team, s16).
 */
export function mdDef(g: Generator, def: string): string {
  // (Nunjucks' macros give a SafeString whatever its one autoescape setting: its `escape` leaves
  // their text alone. Where autoescape is chosen per name, ours, a raw template's give plain text)
  return g.o.markdown ? `${g.h('mdDef')}(${def})` : g.o.autoescape || (g.o.nunjucks && !g.o.njkRawMacros) ? def : `${g.h('rawDef')}(${def})`;
}

/** The output helper: HTML or Markdown escaping (`esc`, `escMd`), or none (`str`). */
export function outFn(g: Generator, optional = false): string {
  if (!g.o.autoescape) return optional ? 'strOpt' : 'str';
  if (g.o.markdown) return optional ? 'escMdOpt' : 'escMd';
  return optional ? 'escOpt' : 'esc';
}

export function genTrans(g: Generator, n: A.Trans): void {
  g.line(n);
  const vars = `{ ${n.bindings.map((b) => `${kwKey(b.name)}: ${g.expr(b.value)}`).join(', ')} }`;
  const v = g.id('$tr');
  g.w(`const ${v} = ${vars};`);
  if (!n.bindings.length) {
    // no placeholders: the message id is the plain text; the translation is escaped
    const msgid = n.singular.replace(/%%/g, '%');
    g.emit(inDqText(g, n, `${g.h(outFn(g))}(${g.h('gettext')}($env, ${q(msgid)}))`));
    return;
  }
  const msg =
    n.plural !== null
      ? `${g.h('ngettext')}($env, ${q(n.singular)}, ${q(n.plural)}, ${v}["count"])`
      : `${g.h('gettext')}($env, ${q(n.singular)})`;
  g.emit(inDqText(g, n, `${g.h('transFormat')}(${msg}, ${v}, ${g.o.autoescape}, ${g.h(g.o.markdown ? 'escMd' : 'esc')})`));
}
