// Where in the HTML an output lands, as the template's own text says: a `tojson` (or any safe
// value or statement) inside a double-quoted attribute value escapes its `"` (docs/security.md).

import type * as A from './ast.js';

type State = 'text' | 'tag' | 'dq' | 'sq' | 'unquoted' | 'raw' | 'comment' | 'bogus' | 'cdata';

/**
 * Where the scan may be: tokenizer state, raw-text element (`raw`, or the tag being read), `=` read,
 * an attribute name read (`=` then starts a value, else a name), open `<svg>`s and `<math>`s (4 bits
 * each, 15 sticks; 256: an integration point was opened), a script's escape (`<!--` 1, then `<script` 2: its `</script>` does not end it).
 */
interface At {
  readonly state: State;
  readonly tag: string;
  readonly afterEq: boolean;
  readonly foreign: number;
  readonly named: boolean;
  readonly esc: number;
}
/** Every place the scan may be at one point of the template (a branch, a loop's later pass or a fallback may each leave it elsewhere). */
type Ats = At[];

const SPACE = /[\t\n\f\r ]/;
const TEXT: At = { state: 'text', tag: '', afterEq: false, foreign: 0, named: false, esc: 0 };
const key = (a: At) => `${a.state} ${a.tag} ${a.afterEq} ${a.foreign} ${a.named} ${a.esc}`;
const RAW = new Set(['script', 'style', 'textarea', 'title', 'xmp', 'iframe', 'noembed', 'noframes', 'noscript', 'plaintext']);
const NAME_END = /[\t\n\f\r />]/g;
const LETTER = /[A-Za-z]/;
/** Elements of svg and math whose content is HTML (integration points). */
const POINTS = /^(foreignobject|desc|title|mi|mo|mn|ms|mtext|annotation-xml)$/;

/** `a` and `b` as one list, each place once. */
function union(a: Ats, b: Ats): Ats {
  const seen = new Set(a.map(key));
  const out = a.slice();
  for (const x of b) if (!seen.has(key(x))) seen.add(key(x)), out.push(x);
  return out;
}

/** Places where escaped text stays text whatever it holds. */
const NEUTRAL = new Set<State>(['raw', 'comment', 'bogus', 'cdata']);

/**
 * The places after `text` read from `from`, as the HTML tokenizer reads it. Where the text does
 * not settle it the reading forks: `<noscript>` (raw with scripting on), raw-text names in
 * `<svg>`/`<math>` (a breakout tag may have closed it), a non-JS `<script type>`, a tag name an
 * output goes on with. A path reaching a place another reached at the same position stops (linear).
 */
function readText(froms: Ats, text: string): Ats {
  const ends: Ats = [];
  const seen = new Set<string>();
  const work: [number, At][] = [];
  const fork = (i: number, a: At) => seen.has(`${i} ${key(a)}`) || (seen.add(`${i} ${key(a)}`), work.push([i, a]));
  const to = (i: number, s: State, foreign: number) => fork(i, { ...TEXT, state: s, foreign });
  // (places read from together: paths that meet, as after a tag's `>`, stop)
  if (froms.length === 1) work.push([0, froms[0]!]);
  else for (const a of froms) fork(0, a);
  paths: while (work.length) {
    let [i, at] = work.pop()!;
    let { state, tag, afterEq, foreign, named, esc } = at;
    for (; i < text.length; i++) {
      if (seen.size && (state !== at.state || tag !== at.tag || afterEq !== at.afterEq || foreign !== at.foreign || named !== at.named || esc !== at.esc)) {
        at = { state, tag, afterEq, foreign, named, esc };
        const k = `${i} ${key(at)}`;
        if (seen.has(k)) continue paths;
        seen.add(k);
      }
      const c = text[i]!;
      if (state === 'text') {
        if (c !== '<') continue;
        const n = text[i + 1] ?? '';
        (afterEq = named = false), (tag = ''), (esc = 0);
        if (!n) state = 'tag'; // (`<{{ tag }}`)
        else if (n === '!') {
          const abrupt = text.startsWith('--', i + 2) && /^-?>/.exec(text.slice(i + 4, i + 6)); // (`<!-->`, `<!--->`)
          if (abrupt) i += 3 + abrupt[0].length;
          else if (text.startsWith('--', i + 2)) (state = 'comment'), (i += 3);
          else if (foreign && text.startsWith('[CDATA[', i + 2)) to(i + 2, 'bogus', foreign), (state = 'cdata'), (i += 8);
          else state = 'bogus';
        } else if (n === '?') state = 'bogus';
        else if (n === '/') {
          // (an end tag's attributes are read, then dropped; `</3` is a bogus comment, `</>` nothing)
          if (LETTER.test(text[i + 2] ?? '')) {
            const name = tagName(text, i + 2);
            let closed = nest(foreign, name, -1);
            if (!(closed & 255)) closed = 0;
            // (`</svg>` is ignored where an HTML element is open inside an integration point: `<svg><desc><p></svg>`)
            if (closed !== foreign && foreign & 256) to(i + 2 + name!.length, 'tag', foreign | (15 << (name === 'svg' ? 0 : 4)));
            (foreign = closed), (state = 'tag'), (i = name === null ? text.length : i + 1 + name.length);
          } else if (text[i + 2] === '>') i += 2;
          else if (text[i + 2]) state = 'bogus';
        } else if (LETTER.test(n)) {
          const name = tagName(text, i + 1);
          state = 'tag';
          if (name === null) {
            const part = text.slice(i + 1).toLowerCase();
            for (const t of RAW) if (t.startsWith(part)) fork(text.length, { ...TEXT, state, tag: t, foreign });
            i = text.length;
          } else {
            foreign = nest(foreign, name, 1);
            if (foreign && POINTS.test(name)) foreign |= 256; // (HTML may open inside)
            if (RAW.has(name)) tag = name;
            if (tag === 'script' && dataBlock(text, i + 1 + name.length)) to(i + name.length, 'tag', foreign);
            i += name.length;
          }
        }
      } else if (state === 'comment') {
        const end = text.startsWith('-->', i) ? 2 : text.startsWith('--!>', i) ? 3 : 0;
        if (end) (state = 'text'), (i += end);
      } else if (state === 'bogus') {
        if (c === '>') state = 'text';
      } else if (state === 'cdata') {
        if (text.startsWith(']]>', i)) (state = 'text'), (i += 2);
      } else if (state === 'tag') {
        if (c === '>') {
          if (tag && (foreign || tag === 'noscript')) to(i + 1, 'text', foreign);
          (state = tag ? 'raw' : 'text'), (afterEq = named = false);
        } else if (afterEq) {
          if (!SPACE.test(c)) (afterEq = false), (state = c === '"' ? 'dq' : c === "'" ? 'sq' : 'unquoted');
        } else if (c === '=') named ? ((afterEq = true), (named = false)) : (named = true); // (`<a ="…` names an attribute `="`)
        else if (c === '/') named = false;
        else if (!SPACE.test(c)) named = true;
      } else if (state === 'unquoted') {
        if (c === '>') i--, (state = 'tag');
        else if (SPACE.test(c)) state = 'tag';
      } else if (state === 'dq' || state === 'sq') {
        if (c === (state === 'dq' ? '"' : "'")) state = 'tag';
      } else if (tag === 'script' && (c === '<' || c === '-') && scriptEscape(text, i, esc)) {
        const [to, skip] = scriptEscape(text, i, esc)!;
        (esc = to), (i += skip);
      } else if (esc < 2 && c === '<' && text[i + 1] === '/' && tag !== 'plaintext' && text.slice(i + 2, i + 2 + tag.length).toLowerCase() === tag) {
        // (the end tag only where its name ends: `</scripty>` is script text)
        const after = text[i + 2 + tag.length];
        if (!after) fork(text.length, { state, tag, afterEq, foreign, named, esc });
        if (!after || SPACE.test(after) || after === '/' || after === '>') (i += 1 + tag.length), (state = 'tag'), (tag = ''), (esc = 0);
      }
    }
    const end: At = { state, tag: state === 'tag' || state === 'raw' || state === 'dq' || state === 'sq' || state === 'unquoted' ? tag : '', afterEq, foreign, named, esc };
    ends.push(end, ...unfinished(text, end));
  }
  return union([], ends);
}

/** Where script data's escapes go at `i` (`<!--`, `-->`, `<script`, `</script` in an escape), and the characters read; null where nothing changes. */
function scriptEscape(text: string, i: number, esc: number): [number, number] | null {
  if (esc && text.startsWith('-->', i)) return [0, 2];
  if (!esc && text.startsWith('<!--', i)) return [1, 1]; // (its dashes are read again: `<!-->` ends at once)
  const slash = text[i + 1] === '/' ? 1 : 0;
  const at = i + 1 + slash;
  if (!esc || text.slice(at, at + 6).toLowerCase() !== 'script' || !/^[\t\n\f\r />]/.test(text[at + 6] ?? '')) return null;
  return slash ? (esc === 2 ? [1, 6 + slash] : null) : esc === 1 ? [2, 6] : null;
}

/**
 * The places a token the text ends inside may reach once the template's next text, a statement
 * that writes nothing or an output completes it (`<!--{% if %}{% endif %}>`, `</text{{ s }}area>`,
 * `--{{ "" }}>`). After a bare `<` what comes writes a tag's name: the text's own reading, a tag.
 */
function unfinished(text: string, a: At): Ats {
  const t = text.slice(-9);
  const at = (state: State, esc = 0, tag = ''): At => ({ ...TEXT, state, tag, foreign: a.foreign, esc });
  if (a.state === 'raw') {
    const out = a.esc < 2 && a.tag !== 'plaintext' && /<\/?[A-Za-z]*$/.test(t) ? [at('tag')] : [];
    if (a.tag !== 'script') return out;
    const [from0, dashes, open] = [/<!?-?$/.test(t), /--?$/.test(t), /<[A-Za-z]*$/.test(t)];
    if (a.esc === 0 && from0) out.push(at('raw', 1, 'script'));
    if (a.esc && dashes) out.push(at('raw', 0, 'script'));
    if (a.esc === 1 && open) out.push(at('raw', 2, 'script'));
    if (a.esc === 2 && /<\/?[A-Za-z]*$/.test(t)) out.push(at('raw', 1, 'script'));
    return out;
  }
  // (a name from data is the author's, as attribute names are: read every way, `<{{ tag }} class="…">`
  // made each value ambiguous)
  if (/<\/$/.test(t)) return [at('text'), at('tag'), at('bogus')]; // (`</>`, an end tag, `</3`: never a comment)
  if (/<!-{0,3}$/.test(t)) return [at('text'), at('tag'), at('bogus'), at('comment')];
  if ((a.state === 'comment' && /--?!?$/.test(t)) || (a.state === 'cdata' && /]$/.test(t))) return [at('text')];
  return [];
}

/** Types whose script text is script or JSON, not markup a client may parse later. */
const SCRIPT_TYPES = /^(|module|importmap|speculationrules|(application|text)\/((x-)?(java|ecma)script|javascript1\.[0-5]|jscript|livescript|json|ld\+json))$/;

/** Whether the `<script` tag whose attributes start at `i` has a `type` of a data block (`text/template`). */
function dataBlock(text: string, i: number): boolean {
  const end = text.indexOf('>', i);
  if (end < 0) return true; // (the tag goes on past this text: a statement may write its type)
  const t = /[\s/]type\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]*))/i.exec(text.slice(i - 1, end < 0 ? text.length : end));
  return !!t && !SCRIPT_TYPES.test((t[1] ?? t[2] ?? t[3] ?? '').split(';')[0]!.trim().toLowerCase());
}

/** `foreign` after a start (+1) or end (-1) tag `name`: an end tag closes only a root of its own name (`<math></svg>` does not). */
function nest(foreign: number, name: string | null, by: 1 | -1): number {
  const at = name === 'svg' ? 0 : name === 'math' ? 4 : -1;
  const n = at < 0 ? 15 : (foreign >> at) & 15;
  return n === 15 || (by < 0 && n === 0) ? foreign : foreign + by * (1 << at);
}

/** The lower-case tag name at `i`, or null when the text ends inside it. */
function tagName(text: string, i: number): string | null {
  NAME_END.lastIndex = i;
  const end = NAME_END.exec(text);
  return end ? text.slice(i, end.index).toLowerCase() : null;
}

/**
 * Marks each output and statement that may sit inside a double-quoted value (a built-in `tojson`
 * there gets `attr=True` unless it names `attr`). Every place the text may reach is kept: each
 * branch, a try and its fallback, no pass and every later pass of a loop; def, capture and push
 * bodies write nothing where they stand; a statement escaped inside a value leaves it open.
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
    // (each pass adds a place or ends the reading; the places are few: 10 states × a raw-text name or none × after `=` × open svg/math)
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
    // (raw text, comments and bogus comments are neither: escaped text cannot end them, and a `"`
    // written as `&quot;` there only shows as one; counted outside, every value in a <noscript>
    // was ambiguous and had its spaces written as entities)
    for (const a of ats) a.state === 'dq' ? (f.inside = true) : NEUTRAL.has(a.state) || (f.outside = true);
    if (f.inside) n.inAttr = f.outside ? 'maybe' : true;
    return f.inside;
  };
  const node = (n: A.Node, ats: Ats): Ats => {
    switch (n.type) {
      case 'Data':
        return readText(ats, n.text);
      case 'Output':
        if (mark(n, ats)) markOutput(n, builtinTojson);
        return writes(ats, true);
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

/**
 * An output or statement written where `ats` are: one right after `=` starts an unquoted value
 * (`title={{ v }}`, which the author must not leave unquoted) or writes nothing; elsewhere in a tag
 * an output writes a name, a statement a name, `=` or nothing; `-`, `]` or nothing may end a
 * comment, CDATA or a script's escape.
 */
function writes(ats: Ats, output = false): Ats {
  const out: Ats = [];
  for (const a of ats) {
    // (an output where a name goes writes a name: one from data, empty or holding `=`, is the
    // author's, as docs/security.md says; read both ways, `{{ k }}="{{ v }}"` made every value
    // ambiguous and wrote its spaces as entities)
    if (output && a.state === 'tag' && !a.afterEq) {
      out.push({ ...a, named: true });
      continue;
    }
    out.push(a);
    if (a.state === 'tag') a.afterEq ? out.push({ ...a, state: 'unquoted', afterEq: false }) : out.push({ ...a, named: !a.named }, { ...a, afterEq: true, named: false });
    else if (a.state === 'comment' || a.state === 'cdata') out.push({ ...a, state: 'text' });
    else if (a.state === 'raw' && a.esc) out.push({ ...a, esc: 0 });
  }
  return out.length === 1 ? out : union([], out);
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

/** The `tojson` calls whose Markup can reach the output of `e` unchanged (branches, `and`/`or`/`??`, `~`/`+`, `safe`/`escape`/`default`). */
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
