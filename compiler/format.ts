// `kida fmt`: the reference's template formatter (Kida for Python, docs "Template Formatter"):
// `{{ x }}`, `{% if x %}` and `{# c #}` spacing with the `-` markers kept, block bodies indented
// (continuation tags such as `else` aligned with their opener), trailing whitespace removed, at
// most one blank line in a row, one final newline.
//
// Unlike the reference's regular expressions, tag boundaries come from the lexer (a `%}` inside
// a string does not end a tag) and what would change the rendered output beyond whitespace is
// left alone: `{% raw %}` bodies, the text inside <pre> and <textarea>, string literals, the
// inner text of comments, and the continuation lines of a tag written over several lines.

import { resolveSyntax, tokenize, type DelimiterOptions, type Syntax } from './lexer.js';

export interface FormatOptions extends DelimiterOptions {
  /** Spaces per block level (default 2, the reference's). */
  indent?: number;
  /** Consecutive blank lines kept (default 1, the reference's). */
  maxBlankLines?: number;
  /**
   * Also indent by HTML element nesting (default false: the reference's code indents by template
   * blocks only; its docs' example nests HTML too). Each block keeps its own count, so tags
   * unbalanced across `{% if %}` branches do not shift the rest of the file.
   */
  htmlIndent?: boolean;
}

/** Tags that open a body closed by `{% end %}` / `{% end<tag> %}` (and `slot`, sometimes: see reindent). */
const OPENERS = new Set([
  'if', 'unless', 'for', 'async', 'while', 'with', 'def', 'region', 'call', 'capture', 'cache', 'filter', 'match',
  'spaceless', 'embed', 'push', 'globals', 'imports', 'block', 'fragment', 'try', 'trans', 'provide',
]);
/** Printed at their opener's level; the body after them is indented again. */
const CONTINUATIONS = new Set(['else', 'elif', 'empty', 'case', 'fallback', 'plural']);
/** Whitespace markers of Jinja and Twig, kept against the delimiter where written. */
const JINJA_MARKS = '+~';

/** Indentation stops growing here: thousands of nested blocks would otherwise make the output quadratic. */
const MAX_LEVELS = 64;

// Character classes of the formatted text: what the line pass may change there.
const TEXT = 0; // template text: re-indented, trailing whitespace removed
const TAG = 1; // inside a tag, outside strings: trailing whitespace removed, indentation kept
const KEEP = 2; // strings and comment text: untouched
const VERBATIM = 3; // raw bodies, <pre>/<textarea>: untouched (and searched for <pre>)

interface BlockTag {
  /** Offset in the formatted text. */
  at: number;
  keyword: string;
  /** A `{% slot … let:x %}` has a body; inside `{% call %}` every slot has one. */
  letBindings: boolean;
  /** A body whose text the template itself transforms or measures (`filter`, `capture`): kept as written. */
  keepsText: boolean;
}

/**
 * Bodies whose whitespace the template turns into something else (`{% filter replace(" ", "_") %}`,
 * `{% capture s %}…{% end %}{{ s | length }}`): their lines are never re-indented or trimmed.
 */
const TEXT_KEEPERS = new Set(['filter', 'capture']);

/**
 * The formatted template. Throws the lexer's TemplateSyntaxError when the source does not lex
 * (its tag boundaries are then unknown); a template that lexes but does not parse is formatted.
 */
export function format(source: string, options: FormatOptions = {}): string {
  const indent = options.indent ?? 2;
  if (!Number.isInteger(indent) || indent < 0 || indent > 16) throw new RangeError(`indent must be an integer from 0 to 16, not ${indent}`);
  const syn = resolveSyntax(options);
  const { text, cls, blocks } = normalizeTags(source, syn);
  markVerbatimElements(text, cls);
  const html = options.htmlIndent ? htmlEvents(text, cls) : [];
  return reindent(text, cls, blocks, html, ' '.repeat(indent), options.maxBlankLines ?? 1);
}

/** Normalises the spacing of every tag and comment; classifies each character of the result. */
function normalizeTags(src: string, syn: Syntax): { text: string; cls: Uint8Array; blocks: BlockTag[] } {
  const tokens = tokenize(src, { ...syn, name: '<fmt>' });
  const lineStarts = [0];
  for (let i = src.indexOf('\n'); i >= 0; i = src.indexOf('\n', i + 1)) lineStarts.push(i + 1);
  const offset = (t: { line: number; col: number }) => lineStarts[t.line - 1]! + t.col;

  const parts: string[] = [];
  const classes: [number, number][] = []; // (class, length) runs
  let length = 0;
  const emit = (s: string, c: number) => {
    if (!s) return;
    parts.push(s);
    classes.push([c, s.length]);
    length += s.length;
  };
  const blocks: BlockTag[] = [];

  /** Text between tags: plain text, comments and raw blocks. */
  const gap = (from: number, to: number) => {
    let pos = from;
    while (pos < to) {
      const next = nextOpener(src, pos, syn);
      if (next < 0 || next >= to) break;
      emit(src.slice(pos, next), TEXT);
      if (src.startsWith(syn.commentStart, next) && !isLongerOpenerAt(src, next, syn, syn.commentStart)) {
        const close = src.indexOf(syn.commentEnd, next + syn.commentStart.length);
        const end = close + syn.commentEnd.length;
        comment(src.slice(next, end), syn, emit);
        pos = end;
        continue;
      }
      // (the lexer turned every other block opener into tokens: this one opens a raw block)
      syn.rawOpen.lastIndex = next;
      const open = syn.rawOpen.exec(src);
      const bodyStart = next + (open?.[0].length ?? 0);
      syn.rawClose.lastIndex = bodyStart;
      const close = open && syn.rawClose.exec(src);
      if (!open || !close) {
        // (cannot happen while this agrees with the lexer; if it did, the text is kept as it is)
        emit(src.slice(next, next + 1), VERBATIM);
        pos = next + 1;
        continue;
      }
      emit(`${syn.blockStart}${open[1]} raw ${open[2]}${syn.blockEnd}`, TAG);
      emit(src.slice(bodyStart, close.index), VERBATIM);
      emit(`${syn.blockStart}${close[1]} endraw ${close[2]}${syn.blockEnd}`, TAG);
      pos = close.index + close[0].length;
    }
    emit(src.slice(pos, to), TEXT);
  };

  let pos = 0;
  for (let i = 0; i < tokens.length; i++) {
    const begin = tokens[i]!;
    if (begin.type !== 'var_begin' && begin.type !== 'block_begin') continue;
    const isVar = begin.type === 'var_begin';
    const start = offset(begin);
    let j = i + 1;
    while (tokens[j]!.type !== (isVar ? 'var_end' : 'block_end')) j++;
    const endTok = tokens[j]!;
    const closeAt = offset(endTok);
    // `-` markers as the lexer reads them; a `+` or `~` written against a delimiter (Jinja's and
    // Twig's markers; an operator or an error in Kida) stays against it too
    const afterOpen = start + begin.value.length;
    const left = src[afterOpen] === '-' || (JINJA_MARKS.includes(src[afterOpen]!) && afterOpen < closeAt) ? src[afterOpen]! : '';
    let right = src[closeAt] === '-' && src.startsWith(endTok.value, closeAt + 1) ? '-' : '';
    if (!right && closeAt - 1 > afterOpen && JINJA_MARKS.includes(src[closeAt - 1]!) && tokens[j - 1]!.type === 'op') right = src[closeAt - 1]!;
    gap(pos, start);
    // the tag's inner text, edges trimmed; its interior (and the strings in it) as written
    const innerStart = afterOpen + left.length;
    const innerEnd = right && right !== '-' ? closeAt - 1 : closeAt;
    const raw = src.slice(innerStart, Math.max(innerStart, innerEnd));
    const lead = raw.length - raw.trimStart().length;
    const inner = raw.trim();
    if (!isVar && j > i + 1 && tokens[i + 1]!.type === 'name') {
      const kw = tokens[i + 1]!.value;
      blocks.push({
        at: length,
        keyword: kw,
        letBindings: kw === 'slot' && /\blet\s*:/.test(inner),
        keepsText: TEXT_KEEPERS.has(kw),
      });
    }
    emit(begin.value + left + ' ', TAG);
    // strings keep every character (a newline or trailing space in one is data)
    let at = innerStart + lead;
    for (let k = i + 1; k < j; k++) {
      const t = tokens[k]!;
      if (t.type !== 'string') continue;
      const s = offset(t);
      emit(src.slice(at, s), TAG);
      emit(src.slice(s, s + t.value.length), KEEP);
      at = s + t.value.length;
    }
    emit(src.slice(at, innerStart + lead + inner.length), TAG);
    emit((inner ? ' ' : '') + right + endTok.value, TAG);
    pos = closeAt + (right === '-' ? 1 : 0) + endTok.value.length;
    i = j;
  }
  gap(pos, src.length);

  const text = parts.join('');
  const cls = new Uint8Array(text.length);
  let p = 0;
  for (const [c, n] of classes) {
    if (c !== TEXT) cls.fill(c, p, p + n);
    p += n;
  }
  return { text, cls, blocks };
}

/**
 * `{# c #}` with the left `-` marker kept, and a `-` before the closer kept beside it as the
 * reference writes it (it is comment text, not a marker). A comment over several lines is kept
 * as written: its layout is the author's.
 */
function comment(whole: string, syn: Syntax, emit: (s: string, c: number) => void): void {
  const open = syn.commentStart;
  const close = syn.commentEnd;
  let body = whole.slice(open.length, whole.length - close.length);
  if (body.includes('\n')) {
    emit(open, TAG);
    emit(body, KEEP);
    emit(close, TAG);
    return;
  }
  const left = body.startsWith('-') ? '-' : '';
  body = body.slice(left.length);
  const right = body.endsWith('-') && body.length > 0 ? '-' : '';
  if (right) body = body.slice(0, -1);
  const inner = body.trim();
  emit(open + left + ' ', TAG);
  emit(inner, KEEP);
  emit((inner ? ' ' : '') + right + close, TAG);
}

/** The next opener at or after `from` (any of the three), or -1. */
function nextOpener(src: string, from: number, syn: Syntax): number {
  if (syn.opener === null) {
    for (let i = src.indexOf('{', from); i >= 0; i = src.indexOf('{', i + 1)) {
      const c = src[i + 1];
      if (c === '{' || c === '%' || c === '#') return i;
    }
    return -1;
  }
  syn.opener.lastIndex = from;
  return syn.opener.exec(src)?.index ?? -1;
}

/** Whether a longer opener than `opener` starts at `at` (custom sets: `<%#` beats `<%`). */
function isLongerOpenerAt(src: string, at: number, syn: Syntax, opener: string): boolean {
  return [syn.variableStart, syn.blockStart].some((o) => o.length > opener.length && src.startsWith(o, at));
}

/**
 * Marks the contents of <pre> and <textarea> (from the `<` of the start tag to the `>` of the
 * matching end tag, counting nested ones) as untouchable: their whitespace is rendered as
 * written. Found in the source, so an end tag in a branch that does not render still counts.
 */
function markVerbatimElements(text: string, cls: Uint8Array): void {
  // (the tag's name only: a `<pre` in a string or comment must not swallow the text up to a
  // real element's `>`; the end of an end tag is the next `>`, found once for many tags)
  const tags = /<(\/?)(pre|textarea)\b/gi;
  let gt = -1;
  let open: { at: number; name: string; depth: number } | null = null;
  for (let m = tags.exec(text); m; m = tags.exec(text)) {
    const c = cls[m.index]!;
    if (c !== TEXT && c !== VERBATIM) continue; // (in a tag's string or a comment)
    const name = m[2]!.toLowerCase();
    if (gt !== text.length && gt < m.index) {
      gt = text.indexOf('>', m.index);
      if (gt < 0) gt = text.length;
    }
    if (!open) {
      if (!m[1]) open = { at: m.index, name, depth: 1 };
    } else if (name === open.name) {
      // (counted like nesting even for <textarea>, whose contents are text: protecting more is safe)
      open.depth += m[1] ? -1 : 1;
      if (open.depth === 0) {
        cls.fill(VERBATIM, open.at, Math.min(gt + 1, text.length));
        open = null;
      }
    }
  }
  if (open) cls.fill(VERBATIM, open.at, text.length);
}

const VOID = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'param', 'source', 'track', 'wbr']);

interface HtmlEvent {
  at: number;
  /** +1 a start tag, -1 an end tag. */
  delta: 1 | -1;
}

/**
 * Start and end tags of HTML elements in the template text (not in template tags, comments,
 * raw bodies or <pre>/<textarea>): void elements, `<x />`, HTML comments and whatever a
 * <script> or <style> holds do not count.
 */
function htmlEvents(text: string, cls: Uint8Array): HtmlEvent[] {
  const events: HtmlEvent[] = [];
  /** The next `>` of the template text at or after each offset (-1: none): linear on any input. */
  const nextGt = new Int32Array(text.length + 1).fill(-1);
  for (let i = text.length - 1; i >= 0; i--) nextGt[i] = text.charCodeAt(i) === 62 && cls[i] === TEXT ? i : nextGt[i + 1]!;
  const tags = /<!--|<(\/?)([A-Za-z][\w:-]*)/g;
  let rawText: string | null = null;
  for (let m = tags.exec(text); m; m = tags.exec(text)) {
    if (cls[m.index] !== TEXT) continue;
    if (m[2] === undefined) {
      const close = text.indexOf('-->', m.index + 4);
      tags.lastIndex = close < 0 ? text.length : close + 3;
      continue;
    }
    const name = m[2].toLowerCase();
    if (rawText) {
      if (m[1] && name === rawText) (rawText = null), events.push({ at: m.index, delta: -1 });
      continue;
    }
    if (m[1]) {
      events.push({ at: m.index, delta: -1 });
      continue;
    }
    if (VOID.has(name)) continue;
    // `<x … />`, over several lines too (a `>` in a template tag is an operator)
    const gt = nextGt[tags.lastIndex]!;
    if (gt >= 0 && text[gt - 1] === '/') continue;
    if (name === 'script' || name === 'style') rawText = name;
    events.push({ at: m.index, delta: 1 });
  }
  return events;
}

/** The line pass: indentation by block depth, trailing whitespace, blank lines, final newline. */
function reindent(text: string, cls: Uint8Array, blocks: BlockTag[], html: HtmlEvent[], unit: string, maxBlank: number): string {
  const out: string[] = [];
  let trailingBlanks = 0; // blank text lines at the end of out
  /** Open blocks, each with the HTML depth where it opened (restored when it closes or continues). */
  const stack: { kw: string; html: number; keep: boolean }[] = [];
  let kept = 0; // open bodies whose text is kept as written
  let htmlDepth = 0;
  const floor = () => stack[stack.length - 1]?.html ?? 0;
  let b = 0; // next block tag
  let h = 0; // next HTML event
  let blanks = 0;
  const eol = /\r\n/.test(text.slice(0, text.indexOf('\n') + 1)) ? '\r\n' : '\n';
  let start = 0;
  for (;;) {
    const nl = text.indexOf('\n', start);
    const end = nl < 0 ? text.length : nl;
    let lineEnd = end;
    const cr = end > start && text[end - 1] === '\r' && cls[end - 1]! < KEEP ? '\r' : '';
    if (cr) lineEnd--;
    // trailing whitespace, unless it is part of a string, a raw body, a comment or a <pre>
    let contentEnd = lineEnd;
    while (contentEnd > start && isSpace(text.charCodeAt(contentEnd - 1)) && cls[contentEnd - 1]! < KEEP) contentEnd--;
    // (a line continues what its newline is part of: text, a tag, a string, a raw body…)
    const lineClass = start === 0 ? TEXT : cls[start - 1]!;
    let first = start;
    if (lineClass === TEXT) while (first < contentEnd && isSpace(text.charCodeAt(first))) first++;
    const blank = lineClass === TEXT && first === contentEnd;
    // the line's level: a closing or continuation tag first on the line sits at its opener's,
    // an HTML end tag first on the line at its element's
    let depth = stack.length + htmlDepth;
    if (b < blocks.length && blocks[b]!.at === first && lineClass === TEXT) {
      const kw = blocks[b]!.keyword;
      if ((CONTINUATIONS.has(kw) || isCloser(kw)) && stack.length) depth = stack.length - 1 + floor();
    } else if (h < html.length && html[h]!.at === first && html[h]!.delta < 0 && lineClass === TEXT) {
      depth = stack.length + Math.max(floor(), htmlDepth - 1);
    }
    const keptBefore = kept;
    while ((b < blocks.length && blocks[b]!.at < end) || (h < html.length && html[h]!.at < end)) {
      if (h < html.length && html[h]!.at < end && (b >= blocks.length || html[h]!.at < blocks[b]!.at)) {
        htmlDepth = Math.max(floor(), htmlDepth + html[h++]!.delta);
        continue;
      }
      const { keyword: kw, letBindings, keepsText: keep } = blocks[b++]!;
      if (OPENERS.has(kw) || (kw === 'slot' && (letBindings || stack[stack.length - 1]?.kw === 'call'))) {
        stack.push({ kw, html: htmlDepth, keep });
        if (keep) kept++;
      } else if (isCloser(kw)) {
        const top = stack.pop();
        if (top?.keep) kept--;
        htmlDepth = top?.html ?? htmlDepth;
      }
      else if (CONTINUATIONS.has(kw)) htmlDepth = floor();
    }
    if (keptBefore || kept) {
      // (a line with text of such a body, at its start or its end, stays as written)
      blanks = trailingBlanks = 0;
      out.push(text.slice(start, end));
    } else if (blank) {
      if (++blanks <= maxBlank) {
        out.push(cr);
        trailingBlanks++;
      }
    } else {
      blanks = trailingBlanks = 0;
      const lead = lineClass === TEXT ? unit.repeat(Math.min(depth, MAX_LEVELS)) : '';
      out.push(lead + text.slice(first, contentEnd) + cr);
    }
    if (nl < 0) break;
    start = nl + 1;
  }
  out.length -= trailingBlanks;
  let result = out.join('\n');
  // (no newline added inside a <pre> left open at the end)
  if (result && cls[text.length - 1]! < KEEP) result = result.replace(/\r$/, '') + eol;
  return result;
}

const isCloser = (kw: string) => kw === 'end' || (kw.startsWith('end') && kw !== 'endraw');

/** ASCII blanks only: a no-break space in text is rendered, not layout. */
const isSpace = (c: number) => c === 32 || c === 9 || c === 11 || c === 12 || c === 13;
