// Markdown mode (`autoescape: 'markdown'`, language.md §3.6 and §4.3): the filters that only this
// mode has, its versions of `escape`/`e` and `safe`, and the `output_format` global.
//
// Each filter is an export `md_<name>` (compiled Markdown-mode modules import the ones they use,
// like the `f_<name>` built-ins) and returns `Marked`, which Markdown output does not escape
// again. `mdFilterParams` (signatures.ts) lists the parameters after the value, as `filterParams` does.

import { Markup, Marked, escapeMarkdown, escapeString } from './markup.js';
import { PyError } from './errors.js';
import { dictGet, dictHas, dictKeys, isDict, iter, pyStr } from './values.js';
import type { CallerFn, KidaDef } from './template.js';
import { find } from './context.js';

/** Python `str(v)`: Markup gives its text. */
const text = (v: unknown): string => (typeof v === 'string' ? v : v instanceof Markup ? v.value : pyStr(v));

/** Markdown-escaped text of a value: safe values (Markup, Marked, `__markdown__()`) as they are. */
function md(v: unknown): string {
  if (typeof v === 'string') return escapeMarkdown(v);
  if (v instanceof Markup) return v.value;
  if (typeof v === 'object' && v !== null && typeof (v as { __markdown__?: unknown }).__markdown__ === 'function')
    return String((v as { __markdown__(): unknown }).__markdown__());
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
/** An inline code span (verbatim; a value containing a backtick gets double backticks). */
export const md_code = (v: unknown): Marked => {
  const s = text(v);
  return new Marked(s.includes('`') ? `\`\` ${s} \`\`` : `\`${s}\``);
};
/** `[text](url)`: the text is escaped, the URL is used as given. */
export const md_link = (v: unknown, url?: unknown): Marked => {
  if (url === undefined) throw new PyError('TypeError', "link() missing 1 required positional argument: 'url'");
  return new Marked(`[${md(v)}](${text(url)})`);
};
/** A status emoji shortcode: pass/success/ok, fail/error/failed, warn/warning, skip/skipped, info; else `:value:`. */
export const md_badge = (v: unknown): Marked => {
  const key = text(v).toLowerCase().trim();
  return new Marked(Object.hasOwn(BADGES, key) ? BADGES[key]! : `:${key}:`);
};
/** A fenced code block (verbatim). */
export const md_codeblock = (v: unknown, lang: unknown = ''): Marked => new Marked(`\`\`\`${text(lang)}\n${text(v)}\n\`\`\``);
/** A collapsible `<details>` section: the summary is escaped, the body is used as given. */
export const md_details = (v: unknown, summary: unknown = 'Details'): Marked =>
  new Marked(`<details>\n<summary>${md(summary)}</summary>\n\n${text(v)}\n\n</details>`);
export const md_h1 = (v: unknown): Marked => new Marked(`# ${md(v)}`);
export const md_h2 = (v: unknown): Marked => new Marked(`## ${md(v)}`);
export const md_h3 = (v: unknown): Marked => new Marked(`### ${md(v)}`);
export const md_h4 = (v: unknown): Marked => new Marked(`#### ${md(v)}`);

/**
 * A GFM table from a list of dicts (columns: `headers`, or every key in first-seen order) or of
 * rows (columns: `headers`, or `col0`, `col1`, …). Cells are `str()` of the values with `|`
 * escaped; headers are used as given. No rows: "".
 */
export const md_table = (data: unknown, headers: unknown = null): Marked => {
  const rows = Array.isArray(data) ? data : data == null ? [] : [...iter(data)];
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
    cells = rows.map((r) => cols.map((c) => (isDict(r) && dictHas(r, c) ? text(dictGet(r, c)) : '')));
  } else {
    cells = rows.map((r) => [...iter(r)].map(text));
    cols = given ?? (cells[0] ?? []).map((_, i) => `col${i}`);
  }
  const line = (xs: string[]) => `| ${xs.join(' | ')} |`;
  return new Marked([line(cols), line(cols.map(() => '---')), ...cells.map((r) => line(r.map((c) => c.replace(/\|/g, '\\|'))))].join('\n'));
};

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
