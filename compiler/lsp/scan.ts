// A tolerant scan of a template for the editor: where each tag is and which block tags open and
// close sections. Unlike the lexer it never throws: a document being typed is mostly broken
// (`{{ x | up` with no `}}`), and completion, symbols and folding must still work on it.

import type { Syntax } from '../lexer.js';

export interface Tag {
  kind: 'block' | 'var' | 'comment';
  /** Offset of the opening delimiter. */
  start: number;
  /** Offset after the closing delimiter (or where the unclosed tag stops). */
  end: number;
  /** The text between the delimiters: [innerStart, innerEnd). */
  innerStart: number;
  innerEnd: number;
  closed: boolean;
  /** Block tags: the keyword (`if`, `endfor`, `end`; `for` for `async for`), else ''. */
  keyword: string;
  /** Block tags: the word after the keyword (a block, def or region name), else ''. */
  name: string;
}

/** A block tag with the tag that closes it (null while unclosed). */
export interface Section {
  keyword: string;
  name: string;
  open: Tag;
  close: Tag | null;
}

const OPENERS = new Set([
  'if', 'unless', 'for', 'while', 'block', 'fragment', 'globals', 'imports', 'with', 'def', 'call', 'capture', 'cache',
  'filter', 'spaceless', 'embed', 'provide', 'match', 'trans', 'region', 'push', 'try',
]);
export const CONTINUATIONS = new Set(['elif', 'else', 'empty', 'case', 'fallback', 'plural']);

/** Every tag in source order; `{% raw %}…{% endraw %}` is one block tag spanning its body. */
export function scanTags(text: string, syn: Syntax): Tag[] {
  const tags: Tag[] = [];
  const openers: [Tag['kind'], string, string][] = [
    ['var', syn.variableStart, syn.variableEnd],
    ['block', syn.blockStart, syn.blockEnd],
    ['comment', syn.commentStart, syn.commentEnd],
  ];
  // (longest opener first, so `<%=` wins over `<%` at one position)
  openers.sort((a, b) => b[1].length - a[1].length);
  const next = new Map<string, number>();
  const find = (s: string, from: number) => {
    let at = next.get(s);
    if (at === undefined || (at >= 0 && at < from)) next.set(s, (at = text.indexOf(s, from)));
    return at;
  };
  const nextOpener = (from: number): [number, (typeof openers)[number] | null] => {
    let best = -1;
    let which: (typeof openers)[number] | null = null;
    for (const o of openers) {
      const at = find(o[1], from);
      if (at >= 0 && (best < 0 || at < best)) [best, which] = [at, o];
    }
    return [best, which];
  };
  let pos = 0;
  for (;;) {
    const [start, o] = nextOpener(pos);
    if (start < 0 || !o) break;
    const [kind, open, close] = o;
    const innerStart = start + open.length;
    let innerEnd = -1;
    if (kind === 'comment') innerEnd = text.indexOf(close, innerStart);
    else {
      // the closer outside string literals
      let quote = '';
      for (let i = innerStart; i < text.length; i++) {
        const c = text[i]!;
        if (quote) {
          if (c === '\\') i++;
          else if (c === quote || c === '\n') quote = '';
        } else if (c === '"' || c === "'") quote = c;
        else if (text.startsWith(close, i)) {
          innerEnd = i;
          break;
        }
      }
    }
    const closed = innerEnd >= 0;
    if (!closed) {
      // an unclosed tag stops where the next tag starts (the user is typing it)
      const [after] = nextOpener(innerStart);
      innerEnd = after < 0 ? text.length : after;
    }
    const tag: Tag = { kind, start, end: closed ? innerEnd + close.length : innerEnd, innerStart, innerEnd, closed, keyword: '', name: '' };
    if (kind === 'block') {
      const m = /^[-+~]?\s*(\w+)(?:\s+(\w+))?/.exec(text.slice(innerStart, Math.min(innerEnd, innerStart + 200)));
      if (m) {
        tag.keyword = m[1] === 'async' && m[2] === 'for' ? 'for' : m[1]!;
        tag.name = m[1] === 'async' ? '' : m[2] ?? '';
      }
      if (tag.keyword === 'raw' && closed) {
        syn.rawClose.lastIndex = tag.end;
        const r = syn.rawClose.exec(text);
        if (r) tag.end = r.index + r[0].length;
        else tag.end = text.length;
      }
    }
    tags.push(tag);
    pos = Math.max(tag.end, innerStart);
  }
  return tags;
}

/** Pairs opening and closing block tags (`{% end %}` closes the innermost, as the parser does). */
export function sections(tags: Tag[], text: string): Section[] {
  const out: Section[] = [];
  const stack: Section[] = [];
  for (const t of tags) {
    if (t.kind !== 'block' || !t.keyword) continue;
    const kw = t.keyword;
    if (kw === 'end' || (kw.startsWith('end') && OPENERS.has(kw.slice(3)))) {
      const s = stack.pop();
      if (s) s.close = t;
      continue;
    }
    const inner = text.slice(t.innerStart, t.innerEnd);
    const opens =
      OPENERS.has(kw) ||
      (kw === 'slot' && (stack[stack.length - 1]?.keyword === 'call' || /\blet\s*:/.test(inner)));
    if (!opens) continue;
    const s: Section = { keyword: kw, name: t.name, open: t, close: null };
    out.push(s);
    stack.push(s);
  }
  return out;
}

/** The open sections around `offset`, innermost last. */
export function openAt(secs: Section[], offset: number): Section[] {
  return secs.filter((s) => s.open.end <= offset && (!s.close || s.close.start >= offset));
}

/** The tag holding `offset` (between its delimiters, or at the end of an unclosed one). */
export function tagAt(tags: Tag[], offset: number): Tag | null {
  let lo = 0;
  let hi = tags.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const t = tags[mid]!;
    if (offset < t.innerStart) hi = mid - 1;
    else if (offset > t.innerEnd) lo = mid + 1;
    else return t;
  }
  return null;
}

/** Offsets of the line starts, for offset ↔ line/character. */
export function lineStarts(text: string): number[] {
  const out = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) out.push(i + 1);
  return out;
}
