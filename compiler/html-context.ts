// Where in the HTML an output lands, as far as the template's own text says. One use: `tojson`
// inside a double-quoted attribute value. Its JSON holds `"`, which would end the attribute
// (and let data-controlled text become attributes), so there it escapes as `tojson(attr=true)`
// does; the browser decodes the entities, so the attribute's value is the JSON itself. In a
// `<script>` element, text or a single-quoted attribute the plain form is safe (docs/security.md).

import type * as A from './ast.js';
import { walk } from './codegen.js';

type State = 'text' | 'tag' | 'dq' | 'sq' | 'unquoted' | 'raw' | 'comment';

const SPACE = /[\t\n\f\r ]/;

/**
 * Scans the template's literal text in source order, each branch of an `if`, `match` or `for`
 * from the state before it (`<div {% if a %}title="{% else %}data-x="{% end %}{{ j }}">`: the
 * value is open after either), and gives each `{{ x | tojson }}` that
 * sits inside a double-quoted attribute value the keyword `attr=True`, unless it names `attr`
 * (or `tojson` is the host's own filter, `builtinTojson` false); marks each output and statement there.
 * It follows the HTML tokenizer as far as quoting goes: a quote opens a value only right after
 * `=`, comments are skipped, and a tag whose name an output writes (`<{{ tag }} …`) is a tag.
 */
export function tojsonInAttributes(body: A.Node[], builtinTojson = true): void {
  let state: State = 'text';
  let tag = ''; // the name of the tag being read (`script`, `style` switch to raw text after it)
  let rawEnd = '';
  let afterEq = false; // in a tag, `=` read and the value not started
  /**
   * Walks each of `bodies` from the state before them (and `none`: the state may also pass
   * through untouched) and goes on in a double-quoted value if any of them ends in one, else in
   * the state the first to change it ends in.
   */
  const branches = (bodies: (A.Node[] | null | undefined)[], none: boolean): void => {
    const start = { state, tag, rawEnd, afterEq };
    const ends = none ? [start] : [];
    for (const b of bodies) {
      ({ state, tag, rawEnd, afterEq } = start);
      if (b) walk(b, visit);
      ends.push({ state, tag, rawEnd, afterEq });
    }
    ({ state, tag, rawEnd, afterEq } = ends.find((e) => e.state === 'dq') ?? ends.find((e) => e.state !== start.state) ?? start);
  };
  const visit = (n: { type: string } & Record<string, unknown>): boolean | void => {
    if (n.type === 'If') {
      const f = n as unknown as A.If;
      return branches([...f.branches.map((b) => b.body), f.else_], !f.else_), false;
    }
    if (n.type === 'Match') return branches((n as unknown as A.Match).cases.map((c) => c.body), true), false;
    if (n.type === 'For') {
      const f = n as unknown as A.For;
      return branches([f.body, f.else_], true), false;
    }
    if (n.type === 'Data') {
      const text = (n as unknown as A.Data).text;
      for (let i = 0; i < text.length; i++) {
        const c = text[i]!;
        if (state === 'text') {
          if (c !== '<') continue;
          if (text.startsWith('<!--', i)) {
            state = 'comment';
            i += 3;
          } else if (/[A-Za-z]/.test(text[i + 1] ?? '')) {
            state = 'tag';
            afterEq = false;
            tag = /^[A-Za-z][\w-]*/.exec(text.slice(i + 1, i + 12))![0].toLowerCase();
          } else if (i === text.length - 1) {
            // (`<{{ tag }} …`: the name comes from an output; never a raw-text element of the template's)
            state = 'tag';
            afterEq = false;
            tag = '';
          }
        } else if (state === 'comment') {
          if (text.startsWith('-->', i)) (state = 'text'), (i += 2);
        } else if (state === 'tag') {
          if (c === '>') {
            state = tag === 'script' || tag === 'style' ? 'raw' : 'text';
            rawEnd = `</${tag}`;
          } else if (c === '=') afterEq = true;
          else if (afterEq && !SPACE.test(c)) {
            afterEq = false;
            state = c === '"' ? 'dq' : c === "'" ? 'sq' : 'unquoted';
          }
        } else if (state === 'unquoted') {
          if (c === '>') i--, (state = 'tag');
          else if (SPACE.test(c)) state = 'tag';
        } else if (state === 'dq') {
          if (c === '"') state = 'tag';
        } else if (state === 'sq') {
          if (c === "'") state = 'tag';
        } else if (c === '<' && text.slice(i, i + rawEnd.length).toLowerCase() === rawEnd) state = 'text';
      }
      return;
    }
    const writes = n.type === 'Output' || INSERTS.has(n.type);
    // (`title={{ v }}`: an output starts an unquoted value, which the author must not leave unquoted)
    if (writes && state === 'tag' && afterEq) (state = 'unquoted'), (afterEq = false);
    // (a part, a slot, a call block, a stack, a translation or a cached fragment writes text the
    // scan cannot see: its site escapes each `"` it writes there, as an output does; red team, thirteenth pass)
    if (state === 'dq' && INSERTS.has(n.type) && !(n.type === 'Block' && (n as unknown as A.Block).fragment)) (n as { inAttr?: true }).inAttr = true;
    if (n.type === 'Output' && state === 'dq') {
      const out = n as unknown as A.Output;
      out.inAttr = true;
      if (!builtinTojson) return;
      for (const e of outlets(out.expr, []))
        // (attr given by name, or as a second positional argument, is the author's)
        if (e.args.length < 2 && !e.kwargs.some((k) => k.name === 'attr'))
          e.kwargs.push({ name: 'attr', value: { type: 'Const', value: true, line: e.line, col: e.col } as A.Expr });
    }
  };
  walk(body, visit);
}

/** Statements that write text made elsewhere (another template, a def, a caller, a stack, a catalog, a cache) or remade by a filter. */
const INSERTS = new Set(['Block', 'Include', 'Embed', 'CallBlock', 'Slot', 'Yield', 'Stack', 'Trans', 'NjkExtension', 'Cache', 'FilterBlock']);

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
