// Message extraction for i18n: `{% trans %}` bodies and `_("…")` / `_n("…", "…", n)` calls
// with literal strings, written as a gettext POT catalogue.

import type * as A from './ast.js';
import { parse } from './parser.js';
import type { DelimiterOptions } from './lexer.js';
import { walk } from './codegen.js';

export interface Message {
  msgid: string;
  plural: string | null;
  /** `file:line` references. */
  refs: string[];
}

/** The messages of one template. */
export function extractMessages(source: string, file: string, delimiters: DelimiterOptions = {}): Message[] {
  const out: Message[] = [];
  walk(parse(source, { name: file, ...delimiters }).body, (n) => {
    if (n.type === 'Trans') {
      const t = n as unknown as A.Trans;
      const plain = (s: string) => (t.bindings.length ? s : s.replace(/%%/g, '%'));
      out.push({ msgid: plain(t.singular), plural: t.plural === null ? null : plain(t.plural), refs: [`${file}:${t.line}`] });
    } else if (n.type === 'Call') {
      const c = n as unknown as A.Call;
      const str = (e: A.Expr | undefined) => (e && e.type === 'Const' && typeof e.value === 'string' ? e.value : null);
      if (c.func.type === 'Name' && c.func.name === '_' && str(c.args[0]) !== null)
        out.push({ msgid: str(c.args[0])!, plural: null, refs: [`${file}:${c.line}`] });
      if (c.func.type === 'Name' && c.func.name === '_n' && str(c.args[0]) !== null && str(c.args[1]) !== null)
        out.push({ msgid: str(c.args[0])!, plural: str(c.args[1]), refs: [`${file}:${c.line}`] });
    }
  });
  return out;
}

/** Merges duplicates (same id and plural) and renders a POT file. */
export function toPot(messages: Message[]): string {
  const merged = new Map<string, Message>();
  for (const m of messages) {
    const key = `${m.msgid}\u0000${m.plural ?? ''}`;
    const prev = merged.get(key);
    if (prev) prev.refs.push(...m.refs);
    else merged.set(key, { ...m, refs: [...m.refs] });
  }
  const po = (s: string) => JSON.stringify(s);
  const lines = ['msgid ""', 'msgstr ""', '"Content-Type: text/plain; charset=UTF-8\\n"', ''];
  for (const m of merged.values()) {
    lines.push(`#: ${m.refs.join(' ')}`);
    if (m.msgid.includes('%(')) lines.push('#, python-format');
    lines.push(`msgid ${po(m.msgid)}`);
    if (m.plural !== null) lines.push(`msgid_plural ${po(m.plural)}`, 'msgstr[0] ""', 'msgstr[1] ""');
    else lines.push('msgstr ""');
    lines.push('');
  }
  return lines.join('\n');
}
