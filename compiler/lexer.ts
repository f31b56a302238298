// The lexer: template text → tokens. Text between tags becomes `data` tokens (with
// whitespace control applied), `{% raw %}` bodies are kept verbatim, comments vanish.
//
// Lexical rules (language.md §1.1–§1.5):
//   * `{{ … }}` output, `{% … %}` statements, `{# … #}` comments (not nested).
//   * A `-` right after an opener (`{{-`, `{%-`, `{#-`) strips all trailing whitespace of the
//     preceding text; a `-` right before `}}`/`%}` strips all leading whitespace of the next
//     text. `-#}` is not a marker, and there is no `+` marker.
//   * trim_blocks drops one newline after `%}`; lstrip_blocks strips the indentation before `{%`.
//   * A tag ends at the first closer that appears at a token boundary (so `}}` inside a string
//     is fine, but a nested dict literal ending in `}}` ends the tag).
//   * `{% raw %}…{% endraw %}` is emitted verbatim (the port does not re-serialise tokens).
//   * The six delimiters are configurable (`blockStart`, `variableEnd`, …). The default set
//     keeps its hand-written scanner; a custom set gets one cached opener regex in which the
//     longest opener wins at a position (`<%=` beats `<%` like in the reference's ordered
//     alternation, and `<%#` beats `<%`, which the reference could never match), and the `-`
//     markers are looked for right after/before the real delimiter, whatever its length.

import type { NjkExtension } from './nunjucks/extensions.js';
import { TemplateError, TemplateSyntaxError } from '../runtime/errors.js';
import { nunjucksSetBlockOpen, nunjucksTokens } from './nunjucks/tokens.js';

export type TokenType =
  | 'data'
  | 'var_begin'
  | 'var_end'
  | 'block_begin'
  | 'block_end'
  | 'name'
  | 'int'
  | 'float'
  | 'string'
  | 'op'
  | 'eof';

export interface Token {
  type: TokenType;
  /** Source text of the token (for strings: including the quotes). */
  value: string;
  /** 1-based line. */
  line: number;
  /** 0-based column. */
  col: number;
  /** Parsed value for numbers. */
  num?: number;
  /** Set for integers that are not exactly representable as a number. */
  bigint?: bigint;
  /** Decoded value for strings. */
  str?: string;
}

/**
 * The six configurable delimiters (Environment `block_start` … `comment_end`). A type alias,
 * not an interface, so a DelimiterOptions value is assignable to EnvironmentOptions.
 */
export type DelimiterOptions = {
  blockStart?: string;
  blockEnd?: string;
  variableStart?: string;
  variableEnd?: string;
  commentStart?: string;
  commentEnd?: string;
};

/** The reference's snake_case spellings of the delimiters (camelCase wins when both are given). */
export type SnakeDelimiterOptions = {
  block_start?: string;
  block_end?: string;
  variable_start?: string;
  variable_end?: string;
  comment_start?: string;
  comment_end?: string;
};

export interface LexOptions extends DelimiterOptions {
  name?: string;
  trimBlocks?: boolean;
  lstripBlocks?: boolean;
  /** Nunjucks syntax (compat mode, compiler/nunjucks/): `-#}`, `===`/`!==`, its string escapes and keywords. */
  nunjucks?: boolean;
  /** Nunjucks compat: the custom tags of the environment's extensions (tag → extension). */
  njkExtensions?: ReadonlyMap<string, { name: string; ext: NjkExtension }>;
}

/** A validated delimiter set with its (cached) scanners. */
export interface Syntax {
  readonly blockStart: string;
  readonly blockEnd: string;
  readonly variableStart: string;
  readonly variableEnd: string;
  readonly commentStart: string;
  readonly commentEnd: string;
  /** Finds the next opener (custom sets only; the default set uses findOpener). */
  readonly opener: RegExp | null;
  /** Sticky: `<block-start>-? raw -?<block-end>` at lastIndex. */
  readonly rawOpen: RegExp;
  /** Global: the next `<block-start>-? endraw -?<block-end>`. */
  readonly rawClose: RegExp;
}

export const DELIMITER_KEYS = ['blockStart', 'blockEnd', 'variableStart', 'variableEnd', 'commentStart', 'commentEnd'] as const;
const SNAKE: Record<(typeof DELIMITER_KEYS)[number], string> = {
  blockStart: 'block_start',
  blockEnd: 'block_end',
  variableStart: 'variable_start',
  variableEnd: 'variable_end',
  commentStart: 'comment_start',
  commentEnd: 'comment_end',
};

/**
 * Picks the delimiter options out of an options object, accepting the reference's snake_case
 * spellings (`block_start`) as well as camelCase (`blockStart`; camelCase wins). Undefined
 * entries are left out, so the result is `{}` for the default delimiters.
 */
export function delimiterOptions(o: object | null | undefined): DelimiterOptions {
  const out: DelimiterOptions = {};
  if (!o) return out;
  const src = o as Record<string, unknown>;
  for (const k of DELIMITER_KEYS) {
    const v = src[k] !== undefined ? src[k] : src[SNAKE[k]];
    if (v !== undefined && v !== null) (out as Record<string, unknown>)[k] = v;
  }
  return out;
}

/** The reference lexer refuses templates with more tokens than this (K-LEX-004). */
export const MAX_TOKENS = 100_000;

/** Operators, longest first so that the first match is the longest. */
export const OPERATORS: readonly string[] = [
  '?|>', '...',
  '??', '?.', '?[', '?|', '|>', '//', '**', '==', '!=', '<=', '>=', '..',
  '+', '-', '*', '/', '%', '~', '<', '>', '=', '|', '.', ',', ':', '(', ')', '[', ']', '{', '}', '?', '!',
];

/** Operators by first character, longest first: a tag's operator is found without scanning them all. */
const OPERATORS_BY_CHAR = new Map<string, string[]>();
for (const o of OPERATORS) {
  const list = OPERATORS_BY_CHAR.get(o[0]!) ?? [];
  list.push(o);
  OPERATORS_BY_CHAR.set(o[0]!, list);
}

const NAME_RE = /[A-Za-z_][A-Za-z0-9_]*/y;
/** Floats are `\d+\.\d*` (so `1.` is a float) unless the dot starts a range (`1..3`). */
const NUM_RE = /(\d+)(\.(?!\.)\d*)?/y;
const RAW_OPEN_RE = /\{%(-?)\s*raw\s*(-?)%\}/y;
const RAW_CLOSE_RE = /\{%(-?)\s*endraw\s*(-?)%\}/g;

export const DEFAULT_SYNTAX: Syntax = Object.freeze({
  blockStart: '{%',
  blockEnd: '%}',
  variableStart: '{{',
  variableEnd: '}}',
  commentStart: '{#',
  commentEnd: '#}',
  opener: null,
  rawOpen: RAW_OPEN_RE,
  rawClose: RAW_CLOSE_RE,
});
const syntaxCache = new Map<string, Syntax>();

/**
 * Thrown for an unusable delimiter set, at compile() / Environment construction. A
 * TemplateError with the general lexer code K-LEX-001 (the set configures the lexer).
 */
export class DelimiterError extends TemplateError {
  override get name(): string {
    return 'DelimiterError';
  }
  constructor(message: string) {
    super(message, 'K-LEX-001', {
      suggestion: 'Delimiters must be non-empty strings without whitespace, and variableStart, blockStart and commentStart must differ',
    });
  }
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\\/-]/g, '\\$&');
}

/**
 * The validated, cached delimiter set for `options` (the default set when none is given).
 * Throws DelimiterError for an empty delimiter, a delimiter containing whitespace, a
 * non-string, or two identical openers.
 */
export function resolveSyntax(options: DelimiterOptions | null | undefined): Syntax {
  if (!options) return DEFAULT_SYNTAX;
  const { blockStart, blockEnd, variableStart, variableEnd, commentStart, commentEnd } = options;
  if (
    blockStart === undefined && blockEnd === undefined && variableStart === undefined &&
    variableEnd === undefined && commentStart === undefined && commentEnd === undefined
  )
    return DEFAULT_SYNTAX;
  const d = {
    blockStart: blockStart ?? '{%',
    blockEnd: blockEnd ?? '%}',
    variableStart: variableStart ?? '{{',
    variableEnd: variableEnd ?? '}}',
    commentStart: commentStart ?? '{#',
    commentEnd: commentEnd ?? '#}',
  };
  const key = `${d.blockStart}\u0000${d.blockEnd}\u0000${d.variableStart}\u0000${d.variableEnd}\u0000${d.commentStart}\u0000${d.commentEnd}`;
  const hit = syntaxCache.get(key);
  if (hit) return hit;
  for (const k of DELIMITER_KEYS) {
    const v = d[k] as unknown;
    if (typeof v !== 'string') throw new DelimiterError(`Invalid delimiter ${k}: expected a string, got ${v === null ? 'null' : typeof v}`);
    if (v === '') throw new DelimiterError(`Invalid delimiter ${k}: it must not be empty`);
    if (/\s/.test(v)) throw new DelimiterError(`Invalid delimiter ${k} ${JSON.stringify(v)}: it must not contain whitespace`);
  }
  const openers: [string, string][] = [
    ['variableStart', d.variableStart],
    ['blockStart', d.blockStart],
    ['commentStart', d.commentStart],
  ];
  for (let i = 0; i < 3; i++)
    for (let j = i + 1; j < 3; j++)
      if (openers[i]![1] === openers[j]![1])
        throw new DelimiterError(`Invalid delimiters: ${openers[i]![0]} and ${openers[j]![0]} are both ${JSON.stringify(openers[i]![1])}; the three openers must differ`);
  let syntax: Syntax;
  if (key === '{%\u0000%}\u0000{{\u0000}}\u0000{#\u0000#}') syntax = DEFAULT_SYNTAX;
  else {
    const bs = escapeRe(d.blockStart);
    const be = escapeRe(d.blockEnd);
    syntax = Object.freeze({
      ...d,
      // At one position the longest opener wins (`<%=` over `<%`, and `<%#` over `<%`); the
      // alternation is ordered by length, ties broken variable, block, comment (stable sort).
      opener: new RegExp(
        [d.variableStart, d.blockStart, d.commentStart].sort((a, b) => b.length - a.length).map(escapeRe).join('|'),
        'g',
      ),
      rawOpen: new RegExp(`${bs}(-?)\\s*raw\\s*(-?)${be}`, 'y'),
      rawClose: new RegExp(`${bs}(-?)\\s*endraw\\s*(-?)${be}`, 'g'),
    });
  }
  if (syntaxCache.size >= 64) syntaxCache.clear();
  syntaxCache.set(key, syntax);
  return syntax;
}
const WS_RE = /\s/;
const LEADING_WS = /^\s+/;
/** lstrip_blocks: whitespace (no newline) between the last newline (or chunk start) and the tag. */
const LINE_INDENT = /(^|\n)[^\S\n]+$/;

const ESCAPES: Record<string, string> = Object.assign(Object.create(null) as Record<string, string>, {
  n: '\n',
  r: '\r',
  t: '\t',
  '\\': '\\',
  "'": "'",
  '"': '"',
});

type Strip = 'none' | 'all' | 'newline';

/** Splits template source into tokens. Throws TemplateSyntaxError (K-LEX-… / K-PAR-002). */
export function tokenize(source: string, options: LexOptions = {}): Token[] {
  const tokens = new Lexer(source, options).run();
  return options.nunjucks ? nunjucksTokens(tokens) : tokens;
}

class Lexer {
  private readonly tokens: Token[] = [];
  private pos = 0;
  private line = 1;
  private lineStart = 0;
  /** The first newline at or after pos (-1: none): moving within a line searches nothing. */
  private nextNewline: number;
  /** Pending left-strip of the next text chunk (after `-%}` / `-}}`, or trim_blocks). */
  private stripNext: Strip = 'none';
  private readonly name: string;
  private readonly trimBlocks: boolean;
  private readonly lstripBlocks: boolean;
  private readonly syn: Syntax;
  private readonly njk: boolean;

  constructor(
    private readonly src: string,
    options: LexOptions,
  ) {
    this.njk = !!options.nunjucks;
    this.name = options.name ?? '<template>';
    this.trimBlocks = !!options.trimBlocks;
    this.lstripBlocks = !!options.lstripBlocks;
    this.syn = resolveSyntax(options);
    this.nextNewline = src.indexOf('\n');
  }

  // ---------------------------------------------------------------- helpers

  private fail(msg: string, code: string, at: number, suggestion: string | null = null): never {
    const { line, col } = this.locate(at);
    throw new TemplateSyntaxError(msg, code, {
      templateName: this.name,
      lineno: line,
      colno: col,
      source: this.src,
      suggestion,
    });
  }

  /** Line/column of an absolute offset (used for errors only). */
  private locate(at: number): { line: number; col: number } {
    let line = 1;
    let start = 0;
    for (let i = this.src.indexOf('\n'); i >= 0 && i < at; i = this.src.indexOf('\n', i + 1)) {
      line++;
      start = i + 1;
    }
    return { line, col: at - start };
  }

  private get col(): number {
    return this.pos - this.lineStart;
  }

  /** Moves to `to`, keeping line/column bookkeeping. */
  private advance(to: number): void {
    let i = this.nextNewline;
    for (; i >= 0 && i < to; i = this.src.indexOf('\n', i + 1)) {
      this.line++;
      this.lineStart = i + 1;
    }
    this.nextNewline = i;
    this.pos = to;
  }

  private push(tok: Token): void {
    if (this.tokens.length >= MAX_TOKENS)
      this.fail(`Token limit exceeded (more than ${MAX_TOKENS} tokens)`, 'K-LEX-004', this.pos, 'Split the template into smaller templates (include, import, extends)');
    this.tokens.push(tok);
  }

  /**
   * Emits the text chunk `[pos, end)` with whitespace control applied and moves past it.
   * `rstrip`: the next tag has a `-` left marker; `lstrip`: lstrip_blocks applies.
   */
  private data(end: number, rstrip: boolean, lstrip: boolean): void {
    const line = this.line;
    const col = this.col;
    let text = this.src.slice(this.pos, end);
    let skipped = 0;
    if (this.stripNext === 'all') {
      const m = LEADING_WS.exec(text);
      if (m) skipped = m[0].length;
    } else if (this.stripNext === 'newline') {
      if (text.startsWith('\r\n')) skipped = 2;
      else if (text.startsWith('\n')) skipped = 1;
    }
    this.stripNext = 'none';
    if (skipped) {
      this.advance(this.pos + skipped);
      text = text.slice(skipped);
    }
    const tokLine = skipped ? this.line : line;
    const tokCol = skipped ? this.col : col;
    // (trimEnd strips what /\s+$/ matches, without that regex's rescan from every whitespace
    // character of a run that does not end the text: quadratic on a hostile template)
    if (rstrip) text = text.trimEnd();
    else if (lstrip && (!this.njk || text.includes('\n') || this.pos === 0 || this.src[this.pos - 1] === '\n')) text = text.replace(LINE_INDENT, '$1');
    // (Nunjucks strips only a line's indentation: a chunk of spaces after a tag on the same line,
    // `{{ a }} {% endif %}`, is kept there, where Kida's rule takes the whole chunk)
    if (text) this.push({ type: 'data', value: text, line: tokLine, col: tokCol });
    this.advance(end);
  }

  // ---------------------------------------------------------------- main loop

  run(): Token[] {
    const src = this.src;
    const syn = this.syn;
    const finder = syn.opener;
    while (this.pos < src.length) {
      let next: number;
      /** '{' output, '%' statement, '#' comment (the default opener's second character). */
      let kind: string;
      let openLen = 2;
      if (finder === null) {
        next = findOpener(src, this.pos);
        kind = next < 0 ? '' : src[next + 1]!;
      } else {
        finder.lastIndex = this.pos;
        const m = finder.exec(src);
        next = m ? m.index : -1;
        const opener = m ? m[0] : '';
        openLen = opener.length;
        kind = !m ? '' : opener === syn.variableStart ? '{' : opener === syn.blockStart ? '%' : '#';
      }
      if (next < 0) {
        this.data(src.length, false, false);
        break;
      }
      // The `-` marker right after the opener, whatever the opener's length.
      const leftMarker = src[next + openLen] === '-';
      if (kind === '%') {
        const rawOpen = syn.rawOpen;
        rawOpen.lastIndex = next;
        let raw = rawOpen.exec(src);
        let close = this.syn.rawClose;
        if (!raw && this.njk) {
          // Nunjucks' other spelling of raw
          const v = this.verbatim();
          v.open.lastIndex = next;
          raw = v.open.exec(src);
          close = v.close;
        }
        this.data(next, leftMarker, this.lstripBlocks);
        if (raw) this.rawBlock(raw, close);
        else this.tag('block', leftMarker);
      } else if (kind === '{') {
        this.data(next, leftMarker, false);
        this.tag('var', leftMarker);
      } else {
        this.data(next, leftMarker, false);
        this.comment();
      }
    }
    this.push({ type: 'eof', value: '', line: this.line, col: this.col });
    return this.tokens;
  }

  private comment(): void {
    const start = this.pos;
    const { commentStart, commentEnd } = this.syn;
    const close = this.src.indexOf(commentEnd, start + commentStart.length);
    if (close < 0) this.fail(`Unclosed comment: missing ${commentEnd}`, 'K-LEX-002', start, `Close the comment with ${commentEnd}`);
    // `-#}` is not a right-trim marker (the `-` is comment text), and trim_blocks
    // only applies after `%}`. (Nunjucks: `-#}` strips the next text's leading whitespace.)
    this.advance(close + commentEnd.length);
    if (this.njk && this.src[close - 1] === '-' && close - 1 >= start + commentStart.length) this.stripNext = 'all';
  }

  private verbatimRe: { open: RegExp; close: RegExp } | null = null;
  private verbatim(): { open: RegExp; close: RegExp } {
    const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const bs = esc(this.syn.blockStart);
    const be = esc(this.syn.blockEnd);
    return (this.verbatimRe ??= {
      open: new RegExp(`${bs}(-?)\\s*verbatim\\s*(-?)${be}`, 'y'),
      close: new RegExp(`${bs}(-?)\\s*endverbatim\\s*(-?)${be}`, 'g'),
    });
  }

  private rawBlock(open: RegExpExecArray, rawClose: RegExp = this.syn.rawClose): void {
    const start = this.pos;
    const bodyStart = start + open[0].length;
    rawClose.lastIndex = bodyStart;
    let close = rawClose.exec(this.src);
    if (this.njk) {
      const found = njkRawEnd(this.src, bodyStart, rawClose);
      if (!found.close) {
        // Nunjucks: an unclosed raw keeps the nested raw tags it read as text, then lexes on
        this.advance(bodyStart);
        this.stripNext = open[2] === '-' ? 'all' : this.trimBlocks ? 'newline' : 'none';
        if (found.textEnd > bodyStart) this.data(found.textEnd, false, false);
        return;
      }
      close = found.close;
    }
    if (!close) {
      const { blockStart: bs, blockEnd: be } = this.syn;
      this.fail(`Unclosed 'raw' block: missing ${bs} endraw ${be}`, 'K-PAR-002', start,
        `Close the raw block with ${bs} endraw ${be} (${bs} end ${be} is literal text inside raw)`);
    }
    this.advance(bodyStart);
    this.stripNext = open[2] === '-' ? 'all' : this.trimBlocks ? 'newline' : 'none';
    const rstrip = close[1] === '-';
    // lstrip_blocks applies to `{% endraw %}` like to any block tag (not in Nunjucks, whose raw
    // body runs to the tag untouched, nor its trimBlocks after the closing tag)
    this.data(close.index, rstrip, this.lstripBlocks && !this.njk);
    this.advance(close.index + close[0].length);
    this.stripNext = close[2] === '-' ? 'all' : this.trimBlocks && !this.njk ? 'newline' : 'none';
  }

  /** Lexes `{{ … }}` or `{% … %}` starting at the opener. */
  private tag(kind: 'var' | 'block', leftMarker: boolean): void {
    const src = this.src;
    const start = this.pos;
    const isVar = kind === 'var';
    const syn = this.syn;
    const opener = isVar ? syn.variableStart : syn.blockStart;
    const closer = isVar ? syn.variableEnd : syn.blockEnd;
    this.push({ type: isVar ? 'var_begin' : 'block_begin', value: opener, line: this.line, col: this.col });
    this.advance(start + opener.length + (leftMarker ? 1 : 0));
    for (;;) {
      let p = this.pos;
      for (let c = src.charCodeAt(p); c === 32 || (c >= 9 && c <= 13) || (c > 127 && WS_RE.test(src[p]!)); c = src.charCodeAt(++p));
      this.advance(p);
      if (this.pos >= src.length) {
        if (isVar) this.fail(`Unclosed variable tag: missing ${closer}`, 'K-LEX-003', start, `Close the output tag with ${closer}`);
        this.fail(`Unclosed block tag: missing ${closer}`, 'K-LEX-001', start, `Close the tag with ${closer}`);
      }
      const ch = src[this.pos]!;
      const line = this.line;
      const col = this.col;
      if (ch === '-' && src.startsWith(closer, this.pos + 1)) {
        // (Nunjucks ignores the `-` of `{% set x -%}`: its parser reads that tag's end without it;
        // its lexer's trimBlocks still drops the newline after any block end)
        const njkSetBlock = this.njk && !isVar && nunjucksSetBlockOpen(this.tokens);
        this.push({ type: isVar ? 'var_end' : 'block_end', value: closer, line, col });
        this.advance(this.pos + 1 + closer.length);
        this.stripNext = !njkSetBlock ? 'all' : this.trimBlocks ? 'newline' : 'none';
        return;
      }
      if (src.startsWith(closer, this.pos)) {
        this.push({ type: isVar ? 'var_end' : 'block_end', value: closer, line, col });
        this.advance(this.pos + closer.length);
        this.stripNext = !isVar && this.trimBlocks ? 'newline' : 'none';
        return;
      }
      if (ch === '"' || ch === "'") {
        const { value, end } = this.readString(this.pos);
        this.push({ type: 'string', value: src.slice(this.pos, end), str: value, line, col });
        this.advance(end);
        continue;
      }
      const code = ch.charCodeAt(0);
      if (code >= 48 && code <= 57) {
        NUM_RE.lastIndex = this.pos;
        const m = NUM_RE.exec(src)!;
        const text = m[0];
        const rest = src.slice(this.pos + text.length, this.pos + text.length + 3);
        if (this.njk && m[2] === undefined && /^\w/.test(rest)) {
          // Nunjucks reads `1e3` (digits then letters) as a name, not a number: it renders the
          // context's '1e3' (usually undefined, so "")
          NAME_RE.lastIndex = this.pos + text.length;
          const name = text + (NAME_RE.exec(src)?.[0] ?? '');
          this.push({ type: 'name', value: name, line, col });
          this.advance(this.pos + name.length);
          continue;
        }
        if (/^(?:_\d|[eE][+-]?\d|[xXoObB][0-9a-fA-F])/.test(rest)) {
          NAME_RE.lastIndex = this.pos + text.length;
          const tail = NAME_RE.exec(src)?.[0] ?? rest;
          this.fail(`Invalid numeric literal '${text}${tail}'`, 'K-LEX-001', this.pos,
            'Kida numbers are plain decimal: no _ separators, exponents or hex/octal/binary prefixes');
        }
        if (m[2] !== undefined) {
          this.push({ type: 'float', value: text, num: Number(text.endsWith('.') ? text + '0' : text), line, col });
        } else {
          const tok: Token = { type: 'int', value: text, num: Number(text), line, col };
          if (!Number.isSafeInteger(tok.num)) tok.bigint = BigInt(text);
          this.push(tok);
        }
        this.advance(this.pos + text.length);
        continue;
      }
      if (this.njk && ch === 'r' && src[this.pos + 1] === '/') {
        this.regexLiteral(line, col);
        continue;
      }
      NAME_RE.lastIndex = this.pos;
      const nm = NAME_RE.exec(src);
      if (nm) {
        const after = src.codePointAt(this.pos + nm[0].length);
        if (after !== undefined && after > 127 && isIdentChar(after)) this.invalidIdentifier(this.pos);
        // (Nunjucks' lexer runs a name to the next space or delimiter, a quote not among them:
        // `a in"s"` is a name `in"s"` there, which it cannot parse; refused here, not read as `in "s"`)
        if (this.njk && (after === 34 || after === 39))
          this.fail(`Unexpected quote right after '${nm[0]}'`, 'K-LEX-001', this.pos + nm[0].length, 'Nunjucks reads a quote that follows a name as part of the name: put a space between them');
        this.push({ type: 'name', value: nm[0], line, col });
        this.advance(this.pos + nm[0].length);
        continue;
      }
      if (code > 127 && isIdentChar(src.codePointAt(this.pos)!)) this.invalidIdentifier(this.pos);
      if (this.njk && (src.startsWith('===', this.pos) || src.startsWith('!==', this.pos))) {
        this.push({ type: 'op', value: src.slice(this.pos, this.pos + 3), line, col });
        this.advance(this.pos + 3);
        continue;
      }
      const op = OPERATORS_BY_CHAR.get(ch)?.find((o) => o.length === 1 || src.startsWith(o, this.pos));
      if (op === undefined) this.fail(`Unexpected character '${ch}'`, 'K-LEX-001', this.pos, badCharHint(ch));
      this.push({ type: 'op', value: op, line, col });
      this.advance(this.pos + op.length);
    }
  }

  /**
   * Nunjucks' `r/body/flags`: a regular expression, as the tokens of `("body" | __regex("flags"))`
   * (runtime/nunjucks/filters.ts builds the RegExp).
   */
  private regexLiteral(line: number, col: number): void {
    const src = this.src;
    let i = this.pos + 2;
    while (i < src.length && !(src[i] === '/' && src[i - 1] !== '\\')) i++;
    if (i >= src.length) this.fail('Unterminated regular expression literal', 'K-LEX-001', this.pos);
    const body = src.slice(this.pos + 2, i);
    let end = i + 1;
    while (/[gimyus]/.test(src[end] ?? '')) end++;
    const flags = src.slice(i + 1, end);
    const at = { line, col };
    const str = (s: string): Token => ({ type: 'string', value: JSON.stringify(s), str: s, ...at });
    const op = (v: string): Token => ({ type: 'op', value: v, ...at });
    for (const t of [op('('), str(body), op('|'), { type: 'name', value: '__regex', ...at } as Token, op('('), str(flags), op(')'), op(')')]) this.push(t);
    this.advance(end);
  }

  private invalidIdentifier(at: number): never {
    let end = at;
    while (end < this.src.length) {
      const cp = this.src.codePointAt(end)!;
      if (!(cp === 95 || (cp >= 48 && cp <= 57) || (cp >= 65 && cp <= 90) || (cp >= 97 && cp <= 122) || (cp > 127 && isIdentChar(cp)))) break;
      end += cp > 0xffff ? 2 : 1;
    }
    let begin = at;
    while (begin > 0 && /[A-Za-z0-9_]/.test(this.src[begin - 1]!)) begin--;
    const word = this.src.slice(begin, end);
    return this.fail(`Invalid identifier '${word}': identifiers must be ASCII ([A-Za-z_][A-Za-z0-9_]*)`, 'K-LEX-001', begin);
  }

  /** Reads a string literal; returns the decoded value and the offset after the closing quote. */
  private readString(start: number): { value: string; end: number } {
    const src = this.src;
    const quote = src[start]!;
    let out = '';
    let i = start + 1;
    let chunk = i;
    while (i < src.length) {
      const c = src[i]!;
      if (c === quote) return { value: out + src.slice(chunk, i), end: i + 1 };
      if (c !== '\\') {
        i++;
        continue;
      }
      out += src.slice(chunk, i);
      const n = src[i + 1] ?? '';
      // (Nunjucks knows only \n, \t and \r: after any other backslash it keeps the character, `\u` too)
      if ((n === 'u' || n === 'U') && !this.njk) {
        const len = n === 'u' ? 4 : 8;
        const hex = src.slice(i + 2, i + 2 + len);
        if (hex.length !== len || !/^[0-9a-fA-F]+$/.test(hex))
          this.fail(`Invalid escape sequence '\\${n}${hex.replace(/[^0-9a-fA-F].*$/s, '')}' in string literal`, 'K-LEX-001', i);
        const cp = parseInt(hex, 16);
        if (cp > 0x10ffff) this.fail(`Invalid escape sequence '\\${n}${hex}': code point out of range`, 'K-LEX-001', i);
        out += String.fromCodePoint(cp);
        i += 2 + len;
      } else if (n in ESCAPES && (!this.njk || n === 'n' || n === 't' || n === 'r')) {
        out += ESCAPES[n];
        i += 2;
      } else if (n === '') {
        break;
      } else if (this.njk) {
        // Nunjucks keeps the character after any other backslash
        out += n;
        i += 2;
      } else {
        this.fail(`Invalid escape sequence '\\${n === '\n' ? '\\n' : n}' in string literal`, 'K-LEX-001', i,
          'Supported escapes: \\n \\r \\t \\\\ \\\' \\" \\uXXXX \\UXXXXXXXX');
      }
      chunk = i;
    }
    return this.fail('Unterminated string literal', 'K-LEX-001', start, `Close the string with ${quote}`);
  }
}

/** Offset of the next `{{`, `{%` or `{#` at or after `from`, or -1. */
function findOpener(src: string, from: number): number {
  for (let i = src.indexOf('{', from); i >= 0; i = src.indexOf('{', i + 1)) {
    const c = src[i + 1];
    if (c === '{' || c === '%' || c === '#') return i;
  }
  return -1;
}

function isIdentChar(cp: number): boolean {
  return /[\p{L}\p{N}\p{Mn}\p{Mc}\p{Pc}]/u.test(String.fromCodePoint(cp));
}

function badCharHint(ch: string): string | null {
  switch (ch) {
    case '&':
      return "Use 'and' instead of '&&'";
    case '@':
    case '$':
    case '`':
    case ';':
      return null;
    default:
      return null;
  }
}

/**
 * Nunjucks' raw body (its parser's parseRaw): nested `raw` tags of the same spelling open
 * levels, so `{% raw %}a{% raw %}b{% endraw %}c{% endraw %}` keeps the inner pair as text. The
 * closing tag of level 0, or none: then `textEnd` is where the last nested tag read ended.
 */
function njkRawEnd(src: string, from: number, rawClose: RegExp): { close: RegExpExecArray | null; textEnd: number } {
  const opens = rawOpenOf(rawClose);
  let level = 1;
  let at = from;
  for (;;) {
    opens.lastIndex = at;
    rawClose.lastIndex = at;
    const o = opens.exec(src);
    const c = rawClose.exec(src);
    const m = o && (!c || o.index < c.index) ? o : c;
    if (!m) return { close: null, textEnd: at };
    at = m.index + m[0].length;
    if (m === o) level++;
    else if (--level === 0) return { close: m, textEnd: m.index };
  }
}
/** The opening tag's pattern for a closing one (`endraw` → `raw`, `endverbatim` → `verbatim`). */
function rawOpenOf(close: RegExp): RegExp {
  return new RegExp(close.source.replace('\\s*end', '\\s*'), 'g');
}
