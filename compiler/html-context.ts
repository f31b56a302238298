// Where in the HTML an output lands, as far as the template's own text says. One use: `tojson`
// inside a double-quoted attribute value. Its JSON holds `"`, which would end the attribute
// (and let data-controlled text become attributes), so there it escapes as `tojson(attr=true)`
// does; the browser decodes the entities, so the attribute's value is the JSON itself. In a
// `<script>` element, text or a single-quoted attribute the plain form is safe (docs/security.md).

import type * as A from './ast.js';

type State = 'text' | 'tag' | 'dq' | 'sq' | 'unquoted' | 'raw' | 'comment';

/** Where the scan may be: the tokenizer's state, the tag being read if it is `script` or `style` (raw text after it), `=` read and its value not started. */
interface At {
  readonly state: State;
  readonly tag: string;
  readonly afterEq: boolean;
}
/** Every place the scan may be at one point of the template (a branch, a loop's later pass or a fallback may each leave it elsewhere). */
type Ats = At[];

const SPACE = /[\t\n\f\r ]/;
const TEXT: At = { state: 'text', tag: '', afterEq: false };
const key = (a: At) => `${a.state} ${a.tag} ${a.afterEq}`;

/** `a` and `b` as one list, each place once. */
function union(a: Ats, b: Ats): Ats {
  const seen = new Set(a.map(key));
  const out = a.slice();
  for (const x of b) if (!seen.has(key(x))) seen.add(key(x)), out.push(x);
  return out;
}

/** The place after `text` read from `at`. */
function readText(at: At, text: string): At {
  let { state, tag, afterEq } = at;
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
        // (only the raw-text elements' names matter: other names kept apart would multiply the places a loop is read from)
        tag = /^[A-Za-z][\w-]*/.exec(text.slice(i + 1, i + 12))![0].toLowerCase();
        if (tag !== 'script' && tag !== 'style') tag = '';
      } else if (i === text.length - 1) {
        // (`<{{ tag }} …`: the name comes from an output; never a raw-text element of the template's)
        state = 'tag';
        afterEq = false;
        tag = '';
      }
    } else if (state === 'comment') {
      if (text.startsWith('-->', i)) (state = 'text'), (i += 2);
    } else if (state === 'tag') {
      if (c === '>') state = tag === 'script' || tag === 'style' ? 'raw' : 'text';
      else if (c === '=') afterEq = true;
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
    } else if (c === '<' && text.slice(i, i + 2 + tag.length).toLowerCase() === `</${tag}`) (state = 'text'), (tag = '');
  }
  return { state, tag: state === 'text' || state === 'comment' ? '' : tag, afterEq };
}

/**
 * Scans the template's literal text and gives each `{{ x | tojson }}` that may sit inside a
 * double-quoted attribute value the keyword `attr=True`, unless it names `attr` (or `tojson` is
 * the host's own filter, `builtinTojson` false); marks each output and statement there.
 * It follows the HTML tokenizer as far as quoting goes: a quote opens a value only right after
 * `=`, comments are skipped, and a tag whose name an output writes (`<{{ tag }} …`) is a tag.
 * It keeps every place the text may have reached, not one (red team, fourteenth pass): each
 * branch of an `if`, `match` or `with`, a `try` and its fallback, no pass of a loop and every
 * later pass (a loop's second pass starts where its first ended), and a def, capture or push
 * body, which writes nothing where it stands. A statement whose text is escaped inside the
 * value (a block, a filter or cache block there) leaves the value open, whatever its own text says.
 */
export function tojsonInAttributes(body: A.Node[], builtinTojson = true): void {
  /** Where a `break` or `continue` of the loop being read leaves the scan. */
  const exits: Ats[] = [];
  const run = (nodes: readonly A.Node[] | null | undefined, ats: Ats): Ats => {
    if (nodes) for (const n of nodes) ats = node(n, ats);
    return ats;
  };
  /** Each loop's answer for the places it was entered from (nested loops would otherwise read their bodies 2^depth times). */
  const loops = new Map<A.Node[], Map<string, Ats>>();
  /** The places after a loop's body ran once or more from `ats` (read again from where a pass ends, until no new place appears). */
  const passes = (loopBody: A.Node[], ats: Ats): Ats => {
    const known = loops.get(loopBody) ?? loops.set(loopBody, new Map()).get(loopBody)!;
    const from0 = ats.map(key).sort().join('|');
    const hit = known.get(from0);
    if (hit) return hit;
    let all: Ats = [];
    // (each pass adds a place or ends the reading; the places are few: 7 states × script, style or another tag × after `=`)
    for (let from = ats, i = 0; i < 64; i++) {
      exits.push([]);
      const ends = run(loopBody, from);
      const next = union(union(all, ends), exits.pop()!);
      if (next.length === all.length) break;
      from = union(ats, (all = next));
    }
    known.set(from0, all);
    return all;
  };
  /** Bodies that write nothing where they stand (read for their own outputs' marks). */
  const elsewhere = (bodies: (readonly A.Node[] | null | undefined)[], ats: Ats): Ats => {
    for (const b of bodies) run(b, ats);
    return ats;
  };
  /** Where each output and statement was found, over every time the scan reached it (a loop's body is read more than once). */
  const found = new WeakMap<A.Node, { inside: boolean; outside: boolean }>();
  /** Marks `n` as standing inside a value on every path that reaches it (`true`) or on some (`'maybe'`); whether it may be inside. */
  const mark = (n: A.Node & { inAttr?: A.InAttr }, ats: Ats): boolean => {
    const f = found.get(n) ?? found.set(n, { inside: false, outside: false }).get(n)!;
    for (const a of ats) a.state === 'dq' ? (f.inside = true) : (f.outside = true);
    if (f.inside) n.inAttr = f.outside ? 'maybe' : true;
    return f.inside;
  };
  const node = (n: A.Node, ats: Ats): Ats => {
    switch (n.type) {
      case 'Data':
        return union([], ats.map((a) => readText(a, n.text)));
      case 'Output':
        if (mark(n, ats)) markOutput(n, builtinTojson);
        return writes(ats);
      case 'If':
        return n.branches.reduce((out, b) => union(out, run(b.body, ats)), n.else_ ? run(n.else_, ats) : ats);
      case 'Match':
        return n.cases.reduce((out, c) => union(out, run(c.body, ats)), ats);
      case 'WithIf':
        return union(run(n.body, ats), n.else_ ? run(n.else_, ats) : ats);
      case 'For':
        return union(n.else_ ? run(n.else_, ats) : ats, passes(n.body, ats));
      case 'While':
        return union(ats, passes(n.body, ats));
      case 'Break':
      case 'Continue':
        exits[exits.length - 1]?.push(...ats);
        return ats;
      case 'Try':
        return union(run(n.body, ats), run(n.fallback, ats));
      case 'Defer':
        return union(run(n.body, ats), run(n.placeholder, ats));
      case 'Def':
      case 'Region':
      case 'Capture':
      case 'Push':
        return elsewhere([n.body], ats);
      default:
        if (INSERTS.has(n.type)) return insert(n, ats);
        // (with, provide, spaceless, globals: their bodies write where they stand)
        for (const k in n) {
          const v = (n as unknown as Record<string, unknown>)[k];
          if (Array.isArray(v) && v.length && typeof v[0]?.type === 'string') ats = run(v as A.Node[], ats);
        }
        return ats;
    }
  };
  /** A statement writing text made elsewhere (or remade by a filter): its site escapes each `"` it writes inside a value. */
  const insert = (n: A.Node, ats: Ats): Ats => {
    if (n.type === 'Block' && n.fragment) return elsewhere([n.body], ats); // (skipped in full renders)
    // (a part, a slot, a call block, a stack, a translation or a cached fragment writes text the
    // scan cannot see: its site escapes each `"` it writes there, as an output does; red team, thirteenth pass)
    mark(n, ats);
    const open = ats.filter((a) => a.state === 'dq');
    const before = writes(ats.filter((a) => a.state !== 'dq'));
    let rest = before;
    // (inside the value its own `"` are escaped: the value stays open, its outputs marked all the same)
    if (open.length) bodiesOf(n).forEach((b) => run(b, open));
    for (const b of bodiesOf(n))
      rest = n.type === 'Block' || n.type === 'FilterBlock' || n.type === 'Cache' ? run(b, rest) : union(rest, run(b, rest));
    // (a conditional block may write nothing; where escaped on some paths only, its text may change nothing)
    if ((n.type === 'Block' && n.cond) || (n as { inAttr?: A.InAttr }).inAttr === 'maybe') rest = union(rest, before);
    return union(rest, open);
  };
  run(body, [TEXT]);
}

/** An output or statement written where `ats` are: one right after `=` starts an unquoted value (`title={{ v }}`, which the author must not leave unquoted). */
function writes(ats: Ats): Ats {
  return union([], ats.map((a) => (a.state === 'tag' && a.afterEq ? { state: 'unquoted', tag: a.tag, afterEq: false } : a)));
}

/** The node lists a statement holds (a block's body, a call block's slots, an embed's blocks, an extension's bodies). */
function bodiesOf(n: A.Node): (readonly A.Node[] | null)[] {
  switch (n.type) {
    case 'CallBlock':
      return n.slots.map((s) => s.body);
    case 'Embed':
      return n.blocks.map((b) => b.body);
    case 'NjkExtension':
      return n.bodies;
    case 'Block':
    case 'FilterBlock':
    case 'Cache':
    case 'Slot':
      return [n.body];
    default:
      return [];
  }
}

/** An output that may stand inside a double-quoted value: `tojson` writes its JSON for an attribute (entities only, safe in text too). */
function markOutput(out: A.Output, builtinTojson: boolean): void {
  if (!builtinTojson) return;
  for (const e of outlets(out.expr, []))
    // (attr given by name, or as a second positional argument, is the author's)
    if (e.args.length < 2 && !e.kwargs.some((k) => k.name === 'attr'))
      e.kwargs.push({ name: 'attr', value: { type: 'Const', value: true, line: e.line, col: e.col } as A.Expr });
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
