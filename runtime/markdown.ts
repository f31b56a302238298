// Markdown mode (`autoescape: 'markdown'`, language.md §3.6 and §4.3): the filters that only this
// mode has, its versions of `escape`/`e` and `safe`, and the `output_format` global.
//
// Each filter is an export `md_<name>` (compiled Markdown-mode modules import the ones they use,
// like the `f_<name>` built-ins) and returns `Marked`, which Markdown output does not escape
// again. `mdFilterParams` (signatures.ts) lists the parameters after the value, as `filterParams` does.

import { Markup, Marked, escapeMarkdown, escapeString } from './markup.js';
import { PyError } from './errors.js';
import { dictGet, dictHas, dictKeys, isDict, iter, observe, pyStr } from './values.js';
import type { CallerFn, KidaDef } from './template.js';
import { find } from './context.js';
import { listOf } from './limits.js';

/** Python `str(v)`: Markup gives its text. */
const text = (v: unknown): string => (typeof v === 'string' ? v : v instanceof Markup ? v.value : pyStr(v));

/** Markdown-escaped text of a value: safe values (Markup, Marked, `__markdown__()`) as they are. */
function md(v: unknown): string {
  if (typeof v === 'string') return escapeMarkdown(v);
  if (v instanceof Markup) return v.value;
  if (typeof v === 'object' && v !== null && typeof (v as { __markdown__?: unknown }).__markdown__ === 'function')
    return String(observe((v as { __markdown__(): unknown }).__markdown__()));
  return escapeMarkdown(pyStr(v));
}

const BADGES: Record<string, string> = {
  pass: ':white_check_mark:',
  success: ':white_check_mark:',
  ok: ':white_check_mark:',
  fail: ':x:',
  error: ':x:',
  failed: ':x:',
  warn: ':warning:',
  warning: ':warning:',
  skip: ':heavy_minus_sign:',
  skipped: ':heavy_minus_sign:',
  info: ':information_source:',
};

/** `**text**` */
export const md_bold = (v: unknown): Marked => new Marked(`**${md(v)}**`);
/** `*text*` */
export const md_italic = (v: unknown): Marked => new Marked(`*${md(v)}*`);
/** `~~text~~` */
export const md_strike = (v: unknown): Marked => new Marked(`~~${md(v)}~~`);
// Data only ever reaches the output encoded for where it lands (docs/security.md): code spans and
// fences are longer than any backtick run inside; a line break never ends the construct it is in;
// link URLs with a script scheme are refused; text inside HTML (`<summary>`) is HTML-escaped.

/** The longest run of backticks in `s` (a code span or fence around it must be longer). */
function longestTicks(s: string): number {
  let best = 0;
  let run = 0;
  for (let i = 0; i < s.length; i++) {
    run = s.charCodeAt(i) === 96 ? run + 1 : 0;
    if (run > best) best = run;
  }
  return best;
}
/** Line breaks as spaces: inside a span, table cell or heading a blank line would end it early. */
const oneLine = (s: string): string => s.replace(/\r\n?|\n/g, ' ');

/** An inline code span: verbatim, fenced by more backticks than any run in the value, on one line. */
export const md_code = (v: unknown): Marked => {
  const s = oneLine(text(v));
  const n = longestTicks(s);
  const f = '`'.repeat(n + 1);
  return new Marked(n ? `${f} ${s} ${f}` : `${f}${s}${f}`);
};

// Link schemes a Markdown link may carry; any other (javascript:, vbscript:, data:, file:, ...) is refused.
const URL_SCHEMES = new Set(['http', 'https', 'mailto', 'tel', 'ftp', 'ftps', 'sms', 'xmpp', 'irc', 'ircs']);
/**
 * A link destination: `#` when the URL has a scheme that is not a plain web/mail one, as a browser
 * reads it (ASCII controls and spaces dropped, any case); otherwise the URL with what could end
 * or alter the destination percent-encoded (spaces, controls, `< > " ' \ \``, and parentheses unless balanced), and `&` before
 * an entity name written `&amp;` so that no renderer decodes `&#106;avascript:` into a scheme.
 */
export function mdUrl(u: string): string {
  let probe = '';
  for (let i = 0; i < u.length && probe.length < 40; i++) if (u.charCodeAt(i) > 32) probe += u[i];
  const m = /^([a-z][a-z0-9+.-]*):/i.exec(probe);
  if (m && !URL_SCHEMES.has(m[1]!.toLowerCase())) return '#';
  return u
    .replace(balancedParens(u) ? /[\x00-\x20<>"'\\`\x7f]/g : /[\x00-\x20()<>"'\\`\x7f]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0'))
    .replace(/&(?=#?[0-9A-Za-z]+;)/g, '&amp;');
}
/** Parentheses a link destination may keep as they are (CommonMark: balanced). */
function balancedParens(u: string): boolean {
  let depth = 0;
  for (let i = 0; i < u.length && depth >= 0; i++) depth += u[i] === '(' ? 1 : u[i] === ')' ? -1 : 0;
  return depth === 0;
}
/** `[text](url)`: the text is Markdown-escaped, the URL checked and encoded (mdUrl). */
export const md_link = (v: unknown, url?: unknown): Marked => {
  if (url === undefined) throw new PyError('TypeError', "link() missing 1 required positional argument: 'url'");
  return new Marked(`[${md(v)}](${mdUrl(text(url))})`);
};
/** A status emoji shortcode: pass/success/ok, fail/error/failed, warn/warning, skip/skipped, info; else `:value:` (escaped). */
export const md_badge = (v: unknown): Marked => {
  const key = text(v).toLowerCase().trim();
  return new Marked(Object.hasOwn(BADGES, key) ? BADGES[key]! : /^[a-z0-9_+-]*$/.test(key) ? `:${key}:` : `:${escapeMarkdown(oneLine(key))}:`);
};
/** A fenced code block: verbatim, in a fence longer than any backtick run of the value; the language on one line without backticks. */
export const md_codeblock = (v: unknown, lang: unknown = ''): Marked => {
  const body = text(v);
  const f = '`'.repeat(Math.max(3, longestTicks(body) + 1));
  return new Marked(`${f}${text(lang).replace(/[`\r\n]/g, '')}\n${body}\n${f}`);
};
/**
 * A collapsible `<details>` section. The summary sits inside HTML, so it is HTML-escaped (then
 * Markdown-escaped, as `escape` prints) and kept on one line; the body is Markdown-escaped unless safe.
 */
export const md_details = (v: unknown, summary: unknown = 'Details'): Marked =>
  new Marked(`<details>\n<summary>${htmlText(summary)}</summary>\n\n${md(v)}\n\n</details>`);
/** Text placed inside HTML in Markdown output: safe HTML as it is; anything else (Marked too) escaped, on one line. */
function htmlText(v: unknown): string {
  if (v instanceof Markup && !(v instanceof Marked)) return v.value;
  return oneLine(v instanceof Marked ? escapeString(v.value) : escapeMarkdown(escapeString(text(v))));
}
export const md_h1 = (v: unknown): Marked => new Marked(`# ${md(v)}`);
export const md_h2 = (v: unknown): Marked => new Marked(`## ${md(v)}`);
export const md_h3 = (v: unknown): Marked => new Marked(`### ${md(v)}`);
export const md_h4 = (v: unknown): Marked => new Marked(`#### ${md(v)}`);

/**
 * A GFM table from a list of dicts (columns: `headers`, or every key in first-seen order) or of
 * rows (columns: `headers`, or `col0`, `col1`, …). Cells and headers are Markdown-escaped unless
 * safe, on one line, with `|` escaped. No rows: "".
 */
export const md_table = (data: unknown, headers: unknown = null): Marked => {
  const rows = Array.isArray(data) ? data : data == null ? [] : listOf(iter(data));
  if (!rows.length) return new Marked('');
  const given = headers == null ? null : [...iter(headers)].map(text);
  let cols: string[];
  let cells: string[][];
  if (isDict(rows[0])) {
    if (given) cols = given;
    else {
      const seen = new Set<string>();
      for (const r of rows) if (isDict(r)) for (const k of dictKeys(r)) seen.add(text(k));
      cols = [...seen];
    }
    cells = rows.map((r) => cols.map((c) => (isDict(r) && dictHas(r, c) ? cell(dictGet(r, c)) : '')));
  } else {
    cells = rows.map((r) => [...iter(r)].map(cell));
    cols = given ?? (cells[0] ?? []).map((_, i) => `col${i}`);
  }
  const line = (xs: string[]) => `| ${xs.join(' | ')} |`;
  return new Marked([line(cols.map(cell)), line(cols.map(() => '---')), ...cells.map(line)].join('\n'));
};

/** A table cell: Markdown-escaped unless safe, one line, `|` escaped (after, so `\|` in data stays text). */
const cell = (v: unknown): string => oneLine(md(v)).replace(/\|/g, '\\|');

/**
 * `escape`/`e` in Markdown mode: what the reference prints for them, the HTML escape followed by
 * the Markdown escape (`<*>` → `&lt;\*&gt;`), as Marked. Safe values pass through.
 */
export const md_escape = (v: unknown): Marked => {
  if (v instanceof Marked) return v;
  if (v instanceof Markup) return new Marked(v.value);
  if (typeof v === 'object' && v !== null && typeof (v as { __markdown__?: unknown }).__markdown__ === 'function') return new Marked(md(v));
  return new Marked(escapeMarkdown(escapeString(text(v))));
};
/** `safe` in Markdown mode: the text as Marked (so `~` with it escapes the other side for Markdown). */
export const md_safe = (v: unknown, _reason: unknown = null): Marked => (v instanceof Marked ? v : new Marked(text(v)));

/** The Markdown-mode filters by name (what the Environment adds to its filter table). */
export const mdFilters: Record<string, (...args: any[]) => unknown> = {
  badge: md_badge,
  bold: md_bold,
  code: md_code,
  codeblock: md_codeblock,
  details: md_details,
  h1: md_h1,
  h2: md_h2,
  h3: md_h3,
  h4: md_h4,
  italic: md_italic,
  link: md_link,
  strike: md_strike,
  table: md_table,
  escape: md_escape,
  e: md_escape,
  safe: md_safe,
};

/** The `output_format` global of Markdown mode: "markdown" unless the context sets the name. */
export function outputFormat(c: Record<string, unknown>): unknown {
  if ('output_format' in c) return c.output_format;
  return find(c, 'output_format', () => 'markdown');
}

/** A def or region of a Markdown-mode template: calls give Marked (the reference's `_Markup`). */
export function mdDef(f: KidaDef): KidaDef {
  const toMarked = (r: Markup | Promise<Markup>): Marked =>
    (r instanceof Promise ? r.then((m) => new Marked(m)) : new Marked(r)) as Marked;
  const invoke = (args: unknown[], caller: CallerFn | null): Marked => toMarked(f.invoke(args, caller));
  const g = ((...args: unknown[]) => invoke(args, null)) as unknown as KidaDef;
  g.kidaDef = f.kidaDef;
  g.invoke = invoke;
  return g;
}
