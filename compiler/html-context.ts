// Where in the HTML an output lands, as far as the template's own text says. One use: `tojson`
// inside a double-quoted attribute value. Its JSON holds `"`, which would end the attribute
// (and let data-controlled text become attributes), so there it escapes as `tojson(attr=true)`
// does; the browser decodes the entities, so the attribute's value is the JSON itself. In a
// `<script>` element, text or a single-quoted attribute the plain form is safe (docs/security.md).

import type * as A from './ast.js';

type State = 'text' | 'tag' | 'dq' | 'sq' | 'unquoted' | 'raw' | 'comment' | 'bogus' | 'cdata';

/**
 * Where the scan may be: the tokenizer's state; the raw-text or RCDATA element whose end tag ends
 * `raw` (the tag being read if it is one); `=` read and its value not started; whether an `<svg>`
 * or `<math>` may be open (foreign content, where `<style>`/`<script>`/`<title>` are not raw text
 * and `<![CDATA[` is a section).
 */
interface At {
  readonly state: State;
  readonly tag: string;
  readonly afterEq: boolean;
  readonly foreign: boolean;
}
/** Every place the scan may be at one point of the template (a branch, a loop's later pass or a fallback may each leave it elsewhere). */
type Ats = At[];

const SPACE = /[\t\n\f\r ]/;
const TEXT: At = { state: 'text', tag: '', afterEq: false, foreign: false };
const key = (a: At) => `${a.state} ${a.tag} ${a.afterEq} ${a.foreign}`;

/** Elements whose text the tokenizer reads up to their end tag only (RAWTEXT, RCDATA, script data, plaintext). */
const RAW = new Set(['script', 'style', 'textarea', 'title', 'xmp', 'iframe', 'noembed', 'noframes', 'noscript', 'plaintext']);
/** Where a tag name ends (HTML tokenizer). */
const NAME_END = /[\t\n\f\r />]/;

/** `a` and `b` as one list, each place once. */
function union(a: Ats, b: Ats): Ats {
  const seen = new Set(a.map(key));
  const out = a.slice();
  for (const x of b) if (!seen.has(key(x))) seen.add(key(x)), out.push(x);
  return out;
}

/**
 * The places after `text` read from `from`. Mostly one; where the text does not settle how the
 * tokenizer goes on it forks (a `<noscript>` is raw text with scripting on and markup without;
 * a `<style>` inside an `<svg>` that a breakout tag may have closed), and every place is followed
 * (each position and place read once: linear in the text).
 */
function readText(from: At, text: string): Ats {
  const ends: Ats = [];
  const seen = new Set<string>();
  const work: [number, At][] = [[0, from]];
  const fork = (i: number, a: At) => {
    const k = `${i} ${key(a)}`;
    if (!seen.has(k)) seen.add(k), work.push([i, a]);
  };
  while (work.length) {
    const [start, at] = work.pop()!;
    let { state, tag, afterEq, foreign } = at;
    let i = start;
    let last = key(at);
    let merged = false;
    for (; i < text.length; i++) {
      if (seen.size) {
        // (after a fork: a place another path already reached at this position goes on as that path does, so stop here)
        const k = `${state} ${tag} ${afterEq} ${foreign}`;
        if (k !== last) {
          if (seen.has(`${i} ${k}`)) {
            merged = true;
            break;
          }
          seen.add(`${i} ${k}`);
          last = k;
        }
      }
      const c = text[i]!;
      if (state === 'text') {
        if (c !== '<') continue;
        const n = text[i + 1];
        if (n === undefined) {
          // (`<{{ tag }} …`: the name comes from an output; never a raw-text element of the template's)
          (state = 'tag'), (afterEq = false), (tag = '');
        } else if (n === '!') {
          if (text.startsWith('--', i + 2)) {
            // (`<!-->` and `<!--->` are whole comments)
            const abrupt = /^-?>/.exec(text.slice(i + 4, i + 6));
            if (abrupt) i += 3 + abrupt[0].length;
            else (state = 'comment'), (i += 3);
          } else if (text.startsWith('[CDATA[', i + 2) && foreign) {
            // (a section in foreign content; a bogus comment in HTML: both, as the svg may have closed)
            fork(i + 9, { state: 'bogus', tag: '', afterEq: false, foreign });
            (state = 'cdata'), (i += 8);
          } else (state = 'bogus'), (i += 1);
        } else if (n === '?') state = 'bogus';
        else if (n === '/') {
          if (/[A-Za-z]/.test(text[i + 2] ?? '')) {
            // (an end tag: its attributes are read, quotes and all, then dropped)
            const name = tagName(text, i + 2);
            if (name === 'svg' || name === 'math') foreign = false;
            (state = 'tag'), (afterEq = false), (tag = '');
            i += 1;
          } else if (text[i + 2] === '>') i += 2;
          else if (text[i + 2] !== undefined) (state = 'bogus'), (i += 1);
        } else if (/[A-Za-z]/.test(n)) {
          const name = tagName(text, i + 1);
          (state = 'tag'), (afterEq = false);
          if (name === null) {
            // (the text ends inside the name, `<scr{{ x }}…`: any raw-text element it may still spell)
            const part = text.slice(i + 1).toLowerCase();
            for (const t of RAW) if (t.startsWith(part)) fork(text.length, { state: 'tag', tag: t, afterEq: false, foreign });
            tag = '';
          } else if (name === 'svg' || name === 'math') (foreign = true), (tag = '');
          else {
            tag = RAW.has(name) ? name : '';
            // (`<script type="text/template">`: a data block that client code may parse as markup)
            if (tag === 'script' && dataBlock(text, i + 1 + name.length)) fork(i + name.length, { state: 'tag', tag: '', afterEq: false, foreign });
          }
          i += name?.length ?? text.length;
        }
      } else if (state === 'comment') {
        if (text.startsWith('-->', i)) (state = 'text'), (i += 2);
        else if (text.startsWith('--!>', i)) (state = 'text'), (i += 3);
      } else if (state === 'bogus') {
        if (c === '>') state = 'text';
      } else if (state === 'cdata') {
        if (text.startsWith(']]>', i)) (state = 'text'), (i += 2);
      } else if (state === 'tag') {
        if (c === '>') {
          if (!tag) state = 'text';
          else {
            // (in foreign content only HTML's breakout tags end it; a raw-text name there may be either)
            if (foreign || tag === 'noscript') fork(i + 1, { state: 'text', tag: '', afterEq: false, foreign });
            state = 'raw';
          }
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
      } else if (c === '<' && tag !== 'plaintext' && text.slice(i + 2, i + 2 + tag.length).toLowerCase() === tag && text[i + 1] === '/') {
        // (an end tag only when the name ends there: `</scripts>` is script text)
        const after = text[i + 2 + tag.length];
        if (after === undefined) fork(text.length, { state, tag, afterEq, foreign }); // (`</script{{ x }}`: the name may go on)
        if (after === undefined || NAME_END.test(after)) (i += 1 + tag.length), (state = 'tag'), (tag = ''), (afterEq = false);
      }
    }
    if (!merged) ends.push({ state, tag: state === 'text' || state === 'comment' || state === 'bogus' || state === 'cdata' ? '' : tag, afterEq, foreign });
  }
  return union([], ends);
}

/** Script types whose text is script or JSON (HTML's JavaScript MIME types, `module`, `importmap`, ...). */
const SCRIPT_TYPES = /^(?:|module|importmap|speculationrules|(?:application|text)\/(?:(?:x-)?(?:java|ecma)script|javascript1\.[0-5]|jscript|livescript|json|ld\+json))$/;

/** Whether the `<script` tag whose attributes start at `i` has a `type` making it a data block (a client template's markup, possibly). */
function dataBlock(text: string, i: number): boolean {
  const end = text.indexOf('>', i);
  const type = /[\t\n\f\r /]type[\t\n\f\r ]*=[\t\n\f\r ]*(?:"([^"]*)"|'([^']*)'|([^\t\n\f\r >]*))/i.exec(text.slice(i - 1, end < 0 ? text.length : end));
  if (!type) return false;
  const v = (type[1] ?? type[2] ?? type[3] ?? '').trim().toLowerCase().split(';')[0]!.trim();
  return !SCRIPT_TYPES.test(v);
}

/** The lower-case tag name starting at `i`, or null when it runs to the end of the text (an output goes on with it). */
function tagName(text: string, i: number): string | null {
  let j = i;
  while (j < text.length && !NAME_END.test(text[j]!)) j++;
  return j === text.length ? null : text.slice(i, j).toLowerCase();
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
    // (each pass adds a place or ends the reading; the places are few: 10 states × a raw-text name or none × after `=` × foreign)
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
        return ats.reduce((out: Ats, a) => union(out, readText(a, n.text)), []);
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
  return union([], ats.map((a) => (a.state === 'tag' && a.afterEq ? { ...a, state: 'unquoted', afterEq: false } : a)));
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
