// The lexer: template text → tokens. Text between tags becomes `data` tokens (with
// whitespace control applied), `{% raw %}` bodies are kept verbatim, comments vanish.

import { TemplateSyntaxError } from '../runtime/errors.js';

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
  value: string;
  line: number;
  col: number;
  /** Parsed value for numbers and strings. */
  num?: number;
  bigint?: bigint;
  str?: string;
}

export interface LexOptions {
  name?: string;
  trimBlocks?: boolean;
  lstripBlocks?: boolean;
}

const OPS = ['?|>', '...', '??', '?.', '?[', '?|', '|>', '//', '**', '==', '!=', '<=', '>=', '..', '+', '-', '*', '/', '%', '~', '<', '>', '=', '|', '.', ',', ':', '(', ')', '[', ']', '{', '}', '?', '!'];
 /** Operators grouped by first character, longest first. */
const OPS_BY_CHAR = new Map<string, string[]>();
for (const o of OPS) OPS_BY_CHAR.set(o[0]!, [...(OPS_BY_CHAR.get(o[0]!) ?? []), o]);
const isSpace = (c: number) => c === 32 || c === 10 || c === 9 || c === 13 || c === 12 || c === 11;
const NAME_RE = /[A-Za-z_][A-Za-z0-9_]*/y;
const NUM_RE = /(?:\d[\d_]*\.\d[\d_]*(?:[eE][+-]?\d+)?|\d[\d_]*[eE][+-]?\d+)|(\d[\d_]*)/y;
const RAW_RE = /\{%([-+]?)\s*raw\s*([-+]?)%\}/y;
const ENDRAW_RE = /\{%([-+]?)\s*endraw\s*([-+]?)%\}/g;

export function tokenize(source: string, options: LexOptions = {}): Token[] {
  const name = options.name ?? '<template>';
  const tokens: Token[] = [];
  let pos = 0;
  let line = 1;
  let lineStart = 0;
  /** Pending left-strip of the next data (after a `-%}` or trim_blocks). */
  let stripNext: 'none' | 'all' | 'newline' = 'none';

  const fail = (msg: string, code: string, at: number, suggestion: string | null = null): never => {
    const before = source.slice(0, at);
    const l = before.split('\n').length;
    const c = at - (before.lastIndexOf('\n') + 1);
    throw new TemplateSyntaxError(msg, code, { templateName: name, lineno: l, colno: c, source, suggestion });
  };
  const advance = (to: number) => {
    for (let i = pos; i < to; i++)
      if (source.charCodeAt(i) === 10) {
        line++;
        lineStart = i + 1;
      }
    pos = to;
  };
  const pushData = (text: string, startLine: number, startCol: number, rstrip: boolean, lstripLine: boolean) => {
    if (stripNext === 'all') text = text.replace(/^\s+/, '');
    else if (stripNext === 'newline') text = text.replace(/^\r?\n/, '');
    stripNext = 'none';
    if (rstrip) text = text.replace(/\s+$/, '');
    else if (lstripLine) text = text.replace(/(^|\n)[ \t]+$/, '$1');
    if (text) tokens.push({ type: 'data', value: text, line: startLine, col: startCol });
  };

  while (pos < source.length) {
    // Find the next tag opener.
    let next = -1;
    let kind = '';
    for (let i = source.indexOf('{', pos); i >= 0; i = source.indexOf('{', i + 1)) {
      const c = source[i + 1];
      if (c === '{' || c === '%' || c === '#') {
        next = i;
        kind = c;
        break;
      }
    }
    const dataLine = line;
    const dataCol = pos - lineStart;
    if (next < 0) {
      pushData(source.slice(pos), dataLine, dataCol, false, false);
      advance(source.length);
      break;
    }
    const marker = source[next + 2];
    const rstrip = marker === '-';
    const lstripLine = !!options.lstripBlocks && (kind === '%' || kind === '#') && marker !== '+';
    // Raw blocks: verbatim up to {% endraw %}.
    RAW_RE.lastIndex = next;
    const raw = kind === '%' ? RAW_RE.exec(source) : null;
    pushData(source.slice(pos, next), dataLine, dataCol, rstrip, lstripLine);
    advance(next);
    if (raw) {
      ENDRAW_RE.lastIndex = next + raw[0].length;
      const end = ENDRAW_RE.exec(source);
      if (!end) fail("Unclosed 'raw' block: missing {% endraw %}", 'K-PAR-002', next);
      let body = source.slice(next + raw[0].length, end!.index);
      if (raw[2] === '-') body = body.replace(/^\s+/, '');
      else if (options.trimBlocks && raw[2] !== '+') body = body.replace(/^\r?\n/, '');
      if (end![1] === '-') body = body.replace(/\s+$/, '');
      if (body) tokens.push({ type: 'data', value: body, line, col: pos - lineStart });
      advance(end!.index + end![0].length);
      stripNext = end![2] === '-' ? 'all' : options.trimBlocks && end![2] !== '+' ? 'newline' : 'none';
      continue;
    }
    if (kind === '#') {
      const close = source.indexOf('#}', next + 2);
      if (close < 0) fail('Unclosed comment', 'K-LEX-002', next);
      const trimRight = source[close - 1] === '-' && close - 1 > next + 2;
      advance(close + 2);
      stripNext = trimRight ? 'all' : options.trimBlocks ? 'newline' : 'none';
      continue;
    }
    const isVar = kind === '{';
    tokens.push({ type: isVar ? 'var_begin' : 'block_begin', value: isVar ? '{{' : '{%', line, col: pos - lineStart });
    advance(next + 2 + (marker === '-' || marker === '+' ? 1 : 0));
    // Expression tokens until the closing delimiter.
    const closer = isVar ? '}}' : '%}';
    for (;;) {
      while (pos < source.length && isSpace(source.charCodeAt(pos))) {
        if (source.charCodeAt(pos) === 10) {
          line++;
          lineStart = pos + 1;
        }
        pos++;
      }
      if (pos >= source.length)
        fail(isVar ? 'Unclosed variable tag: missing }}' : 'Unclosed block tag: missing %}', isVar ? 'K-LEX-003' : 'K-LEX-001', next);
      const col = pos - lineStart;
      const ch = source[pos]!;
      if ((ch === '-' || ch === '+') && source.startsWith(closer, pos + 1)) {
        tokens.push({ type: isVar ? 'var_end' : 'block_end', value: closer, line, col });
        advance(pos + 3);
        stripNext = ch === '-' ? 'all' : 'none';
        break;
      }
      if (source.startsWith(closer, pos)) {
        tokens.push({ type: isVar ? 'var_end' : 'block_end', value: closer, line, col });
        advance(pos + 2);
        stripNext = !isVar && options.trimBlocks ? 'newline' : 'none';
        break;
      }
      if (ch === '"' || ch === "'") {
        const [value, end] = readString(source, pos, fail);
        tokens.push({ type: 'string', value: source.slice(pos, end), str: value, line, col });
        advance(end);
        continue;
      }
      if (/[0-9]/.test(ch)) {
        NUM_RE.lastIndex = pos;
        const m = NUM_RE.exec(source)!;
        const text = m[0].replace(/_/g, '');
        if (m[1] !== undefined) {
          const big = BigInt(text);
          const tok: Token = { type: 'int', value: m[0], num: Number(text), line, col };
          if (!Number.isSafeInteger(tok.num)) tok.bigint = big;
          tokens.push(tok);
        } else tokens.push({ type: 'float', value: m[0], num: Number(text), line, col });
        advance(pos + m[0].length);
        continue;
      }
      NAME_RE.lastIndex = pos;
      const nm = NAME_RE.exec(source);
      if (nm) {
        tokens.push({ type: 'name', value: nm[0], line, col });
        advance(pos + nm[0].length);
        continue;
      }
      const op = (OPS_BY_CHAR.get(ch) ?? []).find((o) => source.startsWith(o, pos));
      if (!op) fail(`Unexpected character '${ch}'`, 'K-LEX-001', pos);
      tokens.push({ type: 'op', value: op!, line, col });
      advance(pos + op!.length);
    }
  }
  tokens.push({ type: 'eof', value: '', line, col: pos - lineStart });
  return tokens;
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', '0': '\0', a: '\x07', b: '\b', f: '\f', v: '\v', '\n': '' };

function readString(src: string, start: number, fail: (m: string, c: string, at: number) => never): [string, number] {
  const quote = src[start]!;
  let out = '';
  let i = start + 1;
  while (i < src.length) {
    const c = src[i]!;
    if (c === quote) return [out, i + 1];
    if (c === '\\') {
      const n = src[i + 1] ?? '';
      if (n === 'x' || n === 'u' || n === 'U') {
        const len = n === 'x' ? 2 : n === 'u' ? 4 : 8;
        const hex = src.slice(i + 2, i + 2 + len);
        if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== len) fail('Invalid escape sequence in string', 'K-LEX-001', i);
        out += String.fromCodePoint(parseInt(hex, 16));
        i += 2 + len;
        continue;
      }
      if (n in ESCAPES) {
        out += ESCAPES[n];
        i += 2;
        continue;
      }
      out += '\\' + n;
      i += 2;
      continue;
    }
    out += c;
    i++;
  }
  return fail('Unterminated string literal', 'K-LEX-001', start);
}
