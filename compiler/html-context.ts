// Where in the HTML an output lands, as far as the template's own text says. One use: `tojson`
// inside a double-quoted attribute value. Its JSON holds `"`, which would end the attribute
// (and let data-controlled text become attributes), so there it escapes as `tojson(attr=true)`
// does; the browser decodes the entities, so the attribute's value is the JSON itself. In a
// `<script>` element, text or a single-quoted attribute the plain form is safe (docs/security.md).

import type * as A from './ast.js';
import { walk } from './codegen.js';

type State = 'text' | 'tag' | 'dq' | 'sq' | 'raw';

/**
 * Scans the template's literal text in source order (an approximation across control flow: a
 * value seldom starts in one branch and ends in another) and gives each `{{ x | tojson }}` that
 * sits inside a double-quoted attribute value the keyword `attr=True`, unless it names `attr`.
 */
export function tojsonInAttributes(body: A.Node[]): void {
  let state: State = 'text';
  let tag = ''; // the name of the tag being read (`script`, `style` switch to raw text after it)
  let rawEnd = '';
  walk(body, (n) => {
    if (n.type === 'Data') {
      const text = (n as unknown as A.Data).text;
      for (let i = 0; i < text.length; i++) {
        const c = text[i]!;
        if (state === 'text') {
          if (c === '<' && /[A-Za-z]/.test(text[i + 1] ?? '')) {
            state = 'tag';
            tag = /^[A-Za-z][\w-]*/.exec(text.slice(i + 1, i + 12))![0].toLowerCase();
          }
        } else if (state === 'tag') {
          if (c === '>') {
            state = tag === 'script' || tag === 'style' ? 'raw' : 'text';
            rawEnd = `</${tag}`;
          } else if (c === '"') state = 'dq';
          else if (c === "'") state = 'sq';
        } else if (state === 'dq') {
          if (c === '"') state = 'tag';
        } else if (state === 'sq') {
          if (c === "'") state = 'tag';
        } else if (c === '<' && text.slice(i, i + rawEnd.length).toLowerCase() === rawEnd) state = 'text';
      }
      return;
    }
    // (a part, a slot, a call block, a stack or a translation writes text the scan cannot see:
    // its site escapes each `"` it writes there, as an output does; red team, thirteenth pass)
    if (state === 'dq' && INSERTS.has(n.type) && !(n.type === 'Block' && (n as unknown as A.Block).fragment)) (n as { inAttr?: true }).inAttr = true;
    if (n.type === 'Output' && state === 'dq') {
      const out = n as unknown as A.Output;
      out.inAttr = true;
      for (const e of outlets(out.expr, []))
        // (attr given by name, or as a second positional argument, is the author's)
        if (e.args.length < 2 && !e.kwargs.some((k) => k.name === 'attr'))
          e.kwargs.push({ name: 'attr', value: { type: 'Const', value: true, line: e.line, col: e.col } as A.Expr });
    }
  });
}

/** Statements that write text made elsewhere (another template, a def, a caller, a stack, a catalog). */
const INSERTS = new Set(['Block', 'Include', 'Embed', 'CallBlock', 'Slot', 'Yield', 'Stack', 'Trans', 'NjkExtension']);

/** Filters whose result is their input when that is Markup (`default`: or its argument). */
const PASSING = new Set(['safe', 'e', 'escape', 'default', 'd']);

/**
 * The `tojson` calls whose Markup can reach the output of `e` unchanged: `e` itself, the branches
 * of `a if c else b`, the operands of `and`/`or`/`??` and of `~`/`+` (Markup joined with a string
 * stays Markup), and the input of `safe`/`escape`/`default` (which pass Markup through; the
 * common `x | tojson | safe`). Found by the red team of the twelfth pass: each of those printed the
 * JSON's `"` raw inside a double-quoted attribute. Other filters return a plain string, which is
 * escaped on output anyway.
 */
function outlets(e: A.Expr, out: A.Filter[]): A.Filter[] {
  if (e.type === 'Filter') {
    if (e.op !== '|' && e.op !== '|>') return out;
    if (e.name === 'tojson') out.push(e);
    else if (PASSING.has(e.name)) {
      outlets(e.value, out);
      if (e.args[0]) outlets(e.args[0], out);
    }
  } else if (e.type === 'CondExpr') {
    outlets(e.body, out);
    if (e.orelse) outlets(e.orelse, out);
  } else if (e.type === 'BoolOp' || e.type === 'NullCoalesce' || (e.type === 'BinOp' && (e.op === '~' || e.op === '+'))) {
    outlets(e.left, out);
    outlets(e.right, out);
  }
  return out;
}
