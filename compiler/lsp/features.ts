// What the language server answers, independent of the protocol's transport: diagnostics,
// hover, completion, definition, symbols and folding for one template of a Workspace.
// Positions are LSP's (0-based line and UTF-16 character).

import { pathToFileURL } from 'node:url';
import {
  CodeActionKind,
  CompletionItemKind,
  DiagnosticSeverity,
  FoldingRangeKind,
  InsertTextFormat,
  MarkupKind,
  SymbolKind,
  type CodeAction,
  type CompletionItem,
  type Diagnostic,
  type DocumentSymbol,
  type FoldingRange,
  type Hover,
  type Location,
  type Position,
  type Range,
} from 'vscode-languageserver';
import { filterParams, mdFilterParams, testParams, GLOBAL_NAMES } from '../../runtime/signatures.js';
import { diagnose } from '../diagnose.js';
import type * as A from '../ast.js';
import { walk } from '../codegen.js';
import { checkNames, type TypeDiagnostic } from '../typecheck.js';
import { FILTER_DOCS, GLOBAL_DOCS, TAG_DOCS, TEST_DOCS } from './docs.js';
import { openAt, tagAt, type Section, type Tag } from './scan.js';
import type { Template, Workspace } from './project.js';
import type { Decl, TypeOracle } from './ts-types.js';

// ------------------------------------------------------------------ positions

export function offsetAt(t: Template, p: Position): number {
  const start = t.starts[Math.min(p.line, t.starts.length - 1)] ?? 0;
  const lineEnd = p.line + 1 < t.starts.length ? t.starts[p.line + 1]! - 1 : t.text.length;
  return Math.min(start + p.character, lineEnd);
}

export function positionAt(t: { starts: number[] }, offset: number): Position {
  let lo = 0;
  let hi = t.starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (t.starts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo, character: offset - t.starts[lo]! };
}

const rangeOf = (t: { starts: number[] }, start: number, end: number): Range => ({ start: positionAt(t, start), end: positionAt(t, end) });
const uriOf = (file: string) => pathToFileURL(file).href;
const at0 = (file: string, line = 0, col = 0): Location => ({ uri: uriOf(file), range: { start: { line, character: col }, end: { line, character: col } } });

// ------------------------------------------------------------------ diagnostics

/** The extent of the token at a 1-based line and 0-based column (an error's position). */
function tokenRange(t: Template, line: number, col: number, code?: string): Range {
  const start = (t.starts[line - 1] ?? 0) + col;
  // an unclosed block, or an error at a tag's opening delimiter: the tag, up to its line's end
  const tag = code === 'K-PAR-002' ? tagAt(t.tags, start) : t.tags.find((x) => x.start === start);
  if (tag) {
    const eol = t.text.indexOf('\n', tag.start);
    return rangeOf(t, tag.start, eol >= 0 && eol < tag.end ? eol : tag.end);
  }
  const rest = t.text.slice(start, start + 300);
  const m = /^(?:"(?:\\.|[^"\\\n])*"?|'(?:\\.|[^'\\\n])*'?|[A-Za-z_][\w]*(?:\.[A-Za-z_]\w*)*|\d[\w.]*|\S{1,2})/.exec(rest);
  return rangeOf(t, start, start + (m ? m[0].length : 0));
}

/** The compile-time errors (all of them, as `kida check`) and K-CMP warnings, and the name checks of typed templates. */
export function diagnostics(ws: Workspace, t: Template): Diagnostic[] {
  const out: Diagnostic[] = [];
  const options = ws.compileOptions(t.file);
  let res;
  try {
    res = diagnose(t.text, { ...options, validateCalls: true });
  } catch (e) {
    return [{ range: rangeOf(t, 0, 0), severity: DiagnosticSeverity.Error, source: 'kida', message: `internal error: ${(e as Error).message}` }];
  }
  for (const e of res.errors) {
    const hint = e.suggestion && !e.rawMessage.includes(e.suggestion) ? ` ${e.suggestion}` : '';
    out.push(withFix(t, {
      range: e.lineno != null ? tokenRange(t, e.lineno, e.colno ?? 0, e.code) : rangeOf(t, 0, 0),
      severity: DiagnosticSeverity.Error,
      code: e.code,
      source: 'kida',
      message: e.rawMessage + hint,
    }));
  }
  for (const w of res.warnings)
    out.push({ range: tokenRange(t, w.lineno, w.colno), severity: DiagnosticSeverity.Warning, code: w.code, source: 'kida', message: w.message });
  if (!res.errors.length && /\btemplate\b/.test(t.text) && t.ast && t.fresh && declOf(t)) {
    const globals = [...ws.userCallables('globals').keys()];
    for (const d of checkNames(t.text, { ...options, ast: t.ast, globals })) out.push(typeDiagnostic(t, d));
  }
  if (ws.configError) out.push({ range: rangeOf(t, 0, 0), severity: DiagnosticSeverity.Warning, source: 'kida', message: `kida.config: ${ws.configError}` });
  return out;
}

export function typeDiagnostic(t: Template, d: TypeDiagnostic): Diagnostic {
  return withFix(t, {
    range: tokenRange(t, d.line, d.col),
    severity: d.code === 'K-TYP-002' ? DiagnosticSeverity.Warning : DiagnosticSeverity.Error,
    code: d.code,
    source: 'kida',
    message: d.message,
  });
}

/**
 * A did-you-mean diagnostic carries its replacement (`data.replace`, for the quick fix) when its
 * range is the name it suggests replacing: an identifier, or the text of a string literal.
 */
function withFix(t: Template, d: Diagnostic): Diagnostic {
  const hint = /[Dd]id you mean '([^']+)'\?/.exec(typeof d.message === 'string' ? d.message : d.message.value)?.[1];
  if (!hint) return d;
  const start = offsetAt(t, d.range.start);
  const text = t.text.slice(start, offsetAt(t, d.range.end));
  if (/^[A-Za-z_]\w*$/.test(text) && /^[A-Za-z_]\w*$/.test(hint)) return { ...d, data: { replace: hint } };
  if (/^(["']).*\1$/.test(text)) return { ...d, range: rangeOf(t, start + 1, start + text.length - 1), data: { replace: hint } };
  return d;
}

/** Quick fixes: a did-you-mean diagnostic's suggestion in place of the name. */
export function codeActions(uri: string, diagnostics: Diagnostic[]): CodeAction[] {
  return diagnostics
    .filter((d) => d.source === 'kida' && typeof (d.data as { replace?: unknown } | undefined)?.replace === 'string')
    .map((d) => {
      const replace = (d.data as { replace: string }).replace;
      return {
        title: `Change to '${replace}'`,
        kind: CodeActionKind.QuickFix,
        diagnostics: [d],
        isPreferred: true,
        edit: { changes: { [uri]: [{ range: d.range, newText: replace }] } },
      };
    });
}

// ------------------------------------------------------------------ what the template declares

const declCache = new WeakMap<object, A.TemplateDecl | null>();
function declOf(t: Template): A.TemplateDecl | null {
  if (!t.ast) return null;
  let d = declCache.get(t.ast);
  if (d === undefined) {
    d = null;
    walk(t.ast.body, (n) => {
      if (!d && n.type === 'TemplateDecl') d = n as unknown as A.TemplateDecl;
    });
    declCache.set(t.ast, d);
  }
  return d;
}
const declsOf = (t: Template): Decl[] => declOf(t)?.decls ?? [];

/** A dotted path (`page.author`) as TypeScript over the shadow names (`k$page?.author`), or null. */
const pathTs = (path: string): string | null => (/^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$/.test(path) ? 'k$' + path.split('.').join('?.') : null);

/**
 * A def's typed parameters, `a: str, b: int = 2` → [a, str], [b, int]: a name, `:` and the text to
 * the next `,`, `=` or the end, less its trailing blanks. (`[^,=]+?\s*(?=[,=]|$)`, the regex this
 * replaces, tried every length of the type against the blanks after it: 5 KB of blanks in one
 * took 0.3 s, 20 KB 6 s; `\b` keeps a long word from being rescanned at every one of its letters.)
 */
export function typedParams(params: string): [string, string][] {
  return [...params.matchAll(/\b([A-Za-z_]\w*)\s*:\s*([^,=]+)/g)].map((m) => [m[1]!, m[2]!.trimEnd() || m[2]!]);
}

/**
 * The typed names at `offset`: the `{% template %}` declarations, then the bindings of the
 * sections around it and of the tags before it (outermost first, so inner ones win): typed
 * parameters of the enclosing def or region, targets of enclosing loops over a dotted path,
 * and `set`/`let` of a dotted path.
 */
function typedNamesAt(t: Template, offset: number): Decl[] {
  const out: Decl[] = [...declsOf(t)];
  if (!out.length && !t.sections.some((s) => s.keyword === 'def' || s.keyword === 'region')) return out;
  const open = new Set(openAt(t.sections, offset));
  for (const tag of t.tags) {
    if (tag.start >= offset) break;
    if (tag.kind !== 'block') continue;
    const inner = t.text.slice(tag.innerStart, tag.innerEnd);
    const enclosing = [...open].some((s) => s.open === tag);
    if (enclosing && (tag.keyword === 'def' || tag.keyword === 'region')) {
      const params = /\(([\s\S]*)\)/.exec(inner)?.[1] ?? '';
      for (const [name, annotation] of typedParams(params)) out.push({ name, annotation });
    } else if (enclosing && tag.keyword === 'for') {
      const m = /for\s+([A-Za-z_]\w*)\s+in\s+([\w.]+)\s*(?:if\b|[-+~]?$)/.exec(inner);
      const iter = m && pathTs(m[2]!);
      if (iter) out.push({ name: m![1]!, annotation: '', init: `$elem(${iter})` });
    } else if (tag.keyword === 'set' || tag.keyword === 'let') {
      const m = /^[-+~]?\s*(?:set|let)\s+([A-Za-z_]\w*)\s*=\s*([\w.]+)\s*[-+~]?$/.exec(inner.trim());
      const value = m && pathTs(m[2]!);
      if (value) out.push({ name: m![1]!, annotation: '', init: value });
    }
  }
  return out;
}

function defsOf(t: Template | null): A.Def[] {
  const out: A.Def[] = [];
  if (t?.ast) walk(t.ast.body, (n) => void ((n.type === 'Def' || n.type === 'Region') && out.push(n as unknown as A.Def)));
  return out;
}

/** Names the template binds: imports, defs, sets, loop targets. */
function boundNames(t: Template): string[] {
  const out = new Set<string>();
  if (!t.ast) return [];
  const target = (x: A.Target) => (x.type === 'NameTarget' ? out.add(x.name) : x.items.forEach(target));
  walk(t.ast.body, (n) => {
    if (n.type === 'Set') (n as unknown as A.SetStmt).assignments.forEach((a) => target(a.target));
    else if (n.type === 'For') target((n as unknown as A.For).target);
    else if (n.type === 'Import') out.add((n as unknown as A.Import).alias);
    else if (n.type === 'FromImport') (n as unknown as A.FromImport).names.forEach((x) => out.add(x.alias));
    else if (n.type === 'Capture') out.add((n as unknown as A.Capture).name);
  });
  return [...out];
}

interface Reference {
  kind: string;
  name: string;
  /** [start, end) of the string literal's content. */
  start: number;
  end: number;
}

/** The literal template references of the block tags (`extends "x"`, `from "y" import …`). */
function references(t: Template): Reference[] {
  const out: Reference[] = [];
  for (const tag of t.tags) {
    if (tag.kind !== 'block' || !/^(extends|include|import|from|embed)$/.test(tag.keyword)) continue;
    const inner = t.text.slice(tag.innerStart, tag.innerEnd);
    const re = /(["'])((?:\\.|(?!\1)[^\\\n])*)\1?/g;
    for (const m of inner.matchAll(re)) {
      const start = tag.innerStart + m.index! + 1;
      out.push({ kind: tag.keyword, name: m[2]!, start, end: start + m[2]!.length });
      if (tag.keyword !== 'include') break; // (include may list several)
    }
  }
  return out;
}

/** The parent chain of a template (names resolved), nearest first. */
function parents(ws: Workspace, t: Template): Template[] {
  const out: Template[] = [];
  const seen = new Set([t.name]);
  for (let cur: Template | null = t; cur; ) {
    const ext = references(cur).find((r) => r.kind === 'extends');
    const name = ext && ws.resolve(ext.name, cur.name);
    if (!name || seen.has(name)) break;
    seen.add(name);
    cur = ws.templateByName(name);
    if (cur) out.push(cur);
  }
  return out;
}

/** A def reachable by name in a template: its own, or through `from … import` (alias), or `alias.def` of `import … as alias`. */
function findDef(ws: Workspace, t: Template, name: string, via?: string): { def: A.Def; in: Template } | null {
  if (via) {
    const imp = importsOf(t).find((i) => i.kind === 'import' && i.alias === via);
    const src = imp && ws.templateByName(imp.template);
    const def = src && defsOf(src).find((d) => d.name === name);
    return def ? { def, in: src } : null;
  }
  const own = defsOf(t).find((d) => d.name === name);
  if (own) return { def: own, in: t };
  for (const i of importsOf(t))
    if (i.kind === 'from' && i.alias === name) {
      const src = ws.templateByName(i.template);
      const def = src && defsOf(src).find((d) => d.name === i.name);
      if (def) return { def, in: src };
    }
  return null;
}

function importsOf(t: Template): { kind: 'import' | 'from'; template: string; name: string; alias: string }[] {
  const out: { kind: 'import' | 'from'; template: string; name: string; alias: string }[] = [];
  if (!t.ast) return out;
  walk(t.ast.body, (n) => {
    if (n.type !== 'Import' && n.type !== 'FromImport') return;
    const tpl = (n as unknown as A.Import).template as A.Const;
    if (tpl.type !== 'Const' || typeof tpl.value !== 'string') return;
    const template = tpl.value;
    if (n.type === 'Import') out.push({ kind: 'import', template, name: '', alias: (n as unknown as A.Import).alias });
    else for (const x of (n as unknown as A.FromImport).names) out.push({ kind: 'from', template, name: x.name, alias: x.alias });
  });
  return out.map((i) => ({ ...i, template: i.template }));
}

function resolvedImports(ws: Workspace, t: Template) {
  return importsOf(t).map((i) => ({ ...i, template: ws.resolve(i.template, t.name) ?? i.template }));
}

const exprText = (e: A.Expr | null): string => {
  if (!e) return '';
  if (e.type === 'Const') return e.value === null ? 'None' : typeof e.value === 'string' ? JSON.stringify(e.value) : typeof e.value === 'boolean' ? (e.value ? 'True' : 'False') : String(e.value);
  if (e.type === 'Name') return e.name;
  return '…';
};

/** `def card(title: str, items: list[Item] = []) — slots: default, footer`. */
function defSignature(d: A.Def): string {
  const params = d.params.map((p) => `${p.name}${p.annotation ? `: ${p.annotation}` : ''}${p.default ? ` = ${exprText(p.default)}` : ''}`);
  if (d.vararg) params.push(`*${d.vararg}`);
  if (d.kwarg) params.push(`**${d.kwarg}`);
  const slots = new Set<string>();
  walk(d.body, (n) => {
    if (n.type === 'Slot' || n.type === 'Yield') slots.add((n as unknown as A.SlotStmt).name);
    if (n.type === 'Def') return false;
  });
  let caller = false;
  walk(d.body, (n) => void (n.type === 'Name' && (n as unknown as A.Name).name === 'caller' && (caller = true)));
  if (caller) slots.add('default');
  return `${(d.type as string) === 'Region' ? 'region' : 'def'} ${d.name}(${params.join(', ')})${slots.size ? `\nslots: ${[...slots].join(', ')}` : ''}`;
}

// ------------------------------------------------------------------ the cursor's context

interface Cursor {
  tag: Tag | null;
  /** Tag text from its start to the cursor. */
  before: string;
  /** The identifier around the cursor: [start, end) and text. */
  word: { start: number; end: number; text: string };
}

function cursorOf(t: Template, offset: number): Cursor {
  const tag = tagAt(t.tags, offset);
  let s = offset;
  let e = offset;
  while (s > 0 && /[\w$]/.test(t.text[s - 1]!)) s--;
  while (e < t.text.length && /[\w$]/.test(t.text[e]!)) e++;
  return { tag, before: tag ? t.text.slice(tag.innerStart, offset) : '', word: { start: s, end: e, text: t.text.slice(s, e) } };
}

/**
 * In a string literal of a reference tag: the text of the string so far (or null). After the
 * keyword: text without quotes, then complete strings apart by blanks and one comma, then an
 * open string holding no quote. A scan, not one regex (its overlapping `\s*` made a run of
 * blanks between strings quadratic: 40 KB took 9 s per completion).
 */
export function referencePrefix(c: Pick<Cursor, "tag" | "before">): { kind: string; prefix: string } | null {
  if (c.tag?.kind !== 'block') return null;
  const s = c.before;
  const kw = /^[-+~]?\s*(extends|include|import|from|embed)\b/.exec(s);
  if (!kw) return null;
  const quote = /["']/g;
  const sep = /\s*,?\s*/y;
  quote.lastIndex = kw[0].length;
  let i = quote.exec(s)?.index ?? -1;
  while (i >= 0) {
    const close = s.indexOf(s[i]!, i + 1);
    if (close < 0) return /["']/.test(s.slice(i + 1)) ? null : { kind: kw[1]!, prefix: s.slice(i + 1) };
    sep.lastIndex = close + 1;
    sep.exec(s);
    i = s[sep.lastIndex] === '"' || s[sep.lastIndex] === "'" ? sep.lastIndex : -1;
  }
  return null;
}

/**
 * `from "x.kida" import a, b` (the tag's text to the cursor) → `x.kida` when the cursor is in the
 * import list: names and blanks apart by commas (none empty), then a partial name. A scan after
 * the head; the one regex it replaces (`(?:[\w\s]+,\s*)*` over the list) was quadratic in a run
 * of blanks after a comma.
 */
export function importListSource(before: string): string | null {
  const head = /^[-+~]?\s*from\s+(["'])([^"']+)\1\s+import(\s+)/.exec(before);
  if (!head) return null;
  const rest = before.slice(head[0].length);
  const last = rest.lastIndexOf(',');
  if (!/^\s*[\w$]*$/.test(rest.slice(last + 1))) return null;
  if (last < 0) return /^\s/.test(rest) ? null : head[2]!;
  const list = rest.slice(0, last);
  if (!/^[\w\s,]*$/.test(list)) return null;
  const items = list.split(',');
  // (the first item may be one blank the `import` keyword's run gives back; no other may be empty)
  if (items[0] === '' && head[3]!.length < 2) return null;
  return items.some((x, i) => i > 0 && x === '') ? null : head[2]!;
}

const FILTER_BEFORE = /(?:\?)?\|>?\s*([\w$]*)$/;
const TEST_BEFORE = /\bis\s+(?:not\s+)?([\w$]*)$/;

function filterInfo(ws: Workspace, name: string): { sig: string; doc: string; user?: { file: string; line: number } } | null {
  const user = ws.userCallables('filters').get(name);
  if (user) return { sig: `${name}${user.params}`, doc: user.doc, user };
  const d = FILTER_DOCS[name];
  const p = filterParams[name] ?? mdFilterParams[name];
  if (!d && !p) return null;
  return { sig: `${name}${d?.[0] ?? `(${p!.join(', ')})`}`, doc: d?.[1] ?? '' };
}

function testInfo(ws: Workspace, name: string): { sig: string; doc: string; user?: { file: string; line: number } } | null {
  const user = ws.userCallables('tests').get(name);
  if (user) return { sig: `${name}${user.params}`, doc: user.doc, user };
  const d = TEST_DOCS[name];
  if (!d && !testParams[name]) return null;
  return { sig: `${name}${d?.[0] ?? ''}`, doc: d?.[1] ?? '' };
}

function globalInfo(ws: Workspace, name: string): { sig: string; doc: string; user?: { file: string; line: number } } | null {
  const user = ws.userCallables('globals').get(name);
  if (user) return { sig: `${name}${user.params}`, doc: user.doc, user };
  const d = GLOBAL_DOCS[name];
  if (!d) return null;
  return { sig: `${name}${d[0]}`, doc: d[1] };
}

const md = (code: string, doc = '') => ({ kind: MarkupKind.Markdown, value: '```kida\n' + code + '\n```' + (doc ? '\n\n' + doc : '') });

/** The dotted path ending at the word (`page.author.name` → ['page', 'author', 'name']), or null. */
function dottedPath(t: Template, start: number, end: number): string[] | null {
  const before = t.text.slice(Math.max(0, start - 200), end);
  const m = /([A-Za-z_]\w*(?:\s*\??\.\s*[A-Za-z_]\w*)*)$/.exec(before);
  return m ? m[1]!.split(/\s*\??\.\s*/) : null;
}

// ------------------------------------------------------------------ hover

export function hover(ws: Workspace, types: TypeOracle, t: Template, p: Position): Hover | null {
  const offset = offsetAt(t, p);
  const ref = references(t).find((r) => offset >= r.start && offset <= r.end);
  if (ref) {
    const name = ws.resolve(ref.name, t.name);
    const found = name !== null && ws.sourceOf(name) !== null;
    return { contents: md(`template ${name ?? ref.name}`, found ? `\`${ws.fileOf(name!)}\`` : 'Not found under the templates root.'), range: rangeOf(t, ref.start, ref.end) };
  }
  const c = cursorOf(t, offset);
  if (!c.tag || c.tag.kind === 'comment' || !c.word.text) return null;
  const range = rangeOf(t, c.word.start, c.word.end);
  const w = c.word.text;
  const head = t.text.slice(c.tag.innerStart, c.word.start);
  const reply = (code: string, doc = ''): Hover => ({ contents: md(code, doc), range });

  if (c.tag.kind === 'block' && /^[-+~]?\s*$/.test(head) && TAG_DOCS[w]) return reply(`{% ${w} %}`, TAG_DOCS[w]);
  if (c.tag.kind === 'block' && /^[-+~]?\s*(block|fragment)\s+$/.test(head)) {
    const where = parentBlock(ws, t, w);
    return reply(`block ${w}`, where ? `Overrides the block of \`${where.in.name}\` (line ${where.line + 1}).` : 'Defined here (no parent template defines it).');
  }
  if (FILTER_BEFORE.test(head + w) && /\|>?\s*$/.test(head)) {
    const f = filterInfo(ws, w);
    if (f) return reply(`filter ${f.sig}`, f.doc);
  }
  if (/\bis\s+(?:not\s+)?$/.test(head)) {
    const x = testInfo(ws, w);
    if (x) return reply(`test ${x.sig}`, x.doc);
  }
  const path = dottedPath(t, c.word.start, c.word.end);
  if (path && path.length > 1) {
    const viaDef = path.length === 2 ? findDef(ws, t, w, path[0]) : null;
    if (viaDef) return reply(defSignature(viaDef.def), `From \`${viaDef.in.name}\`.`);
    const ans = types.typeOf(t.file, t.text, typedNamesAt(t, offset), path);
    if (ans) return reply(`${path.join('.')}: ${ans.type}`);
    return null;
  }
  // in `{% template page: Page %}`: a declared name or its type
  const decl = declsOf(t).find((d) => d.name === w);
  if (decl) {
    const ans = types.typeOf(t.file, t.text, declsOf(t), [w]);
    return reply(`${w}: ${decl.annotation}${ans ? `\n// TypeScript: ${ans.type}` : ''}`, 'Declared in `{% template %}`.');
  }
  const local = typedNamesAt(t, offset);
  if (local.some((d) => d.name === w)) {
    const ans = types.typeOf(t.file, t.text, local, [w]);
    if (ans) return reply(`${w}: ${ans.type}`);
  }
  const def = findDef(ws, t, w);
  if (def) return reply(defSignature(def.def), def.in === t ? '' : `From \`${def.in.name}\`.`);
  const g = globalInfo(ws, w);
  if (g) return reply(`${g.sig}`, g.doc);
  return null;
}

/** Where the nearest parent defines block `name`. */
function parentBlock(ws: Workspace, t: Template, name: string): { in: Template; line: number; col: number } | null {
  for (const p of parents(ws, t)) {
    const s = p.sections.find((x) => (x.keyword === 'block' || x.keyword === 'fragment') && x.name === name);
    if (s) {
      const off = p.text.indexOf(name, s.open.innerStart);
      const pos = positionAt(p, off);
      return { in: p, line: pos.line, col: pos.character };
    }
  }
  return null;
}

// ------------------------------------------------------------------ completion

const KEYWORDS = Object.keys(TAG_DOCS);

export function completion(ws: Workspace, types: TypeOracle, t: Template, p: Position): CompletionItem[] {
  const offset = offsetAt(t, p);
  const c = cursorOf(t, offset);
  if (!c.tag || c.tag.kind === 'comment') return [];
  const before = c.before;

  const ref = referencePrefix(c);
  if (ref) {
    const dir = t.name.includes('/') ? t.name.slice(0, t.name.lastIndexOf('/') + 1) : '';
    return ws.templateNames().filter((n) => n !== t.name).map((n) => {
      const rel = dir && n.startsWith(dir) ? './' + n.slice(dir.length) : null;
      return { label: n, kind: CompletionItemKind.File, detail: rel ? `also ${rel}` : undefined, sortText: rel ? '0' + n : '1' + n };
    });
  }
  if (c.tag.kind === 'block') {
    // `{% from "x.kida" import a, ` → the defs and regions of x.kida
    const from = importListSource(before);
    if (from !== null) {
      const src = ws.templateByName(ws.resolve(from, t.name) ?? from);
      return defsOf(src).map((d) => ({ label: d.name, kind: CompletionItemKind.Function, detail: defSignature(d) }));
    }
    if (/^[-+~]?\s*[\w$]*$/.test(before)) {
      const open = openAt(t.sections, offset);
      const inner = open[open.length - 1];
      const items: CompletionItem[] = KEYWORDS.map((k) => ({ label: k, kind: CompletionItemKind.Keyword, detail: TAG_DOCS[k] }));
      if (inner) {
        items.unshift(
          { label: 'end', kind: CompletionItemKind.Keyword, detail: `closes {% ${inner.keyword}${/^(block|fragment|def|region)$/.test(inner.keyword) && inner.name ? ' ' + inner.name : ''} %} (line ${positionAt(t, inner.open.start).line + 1})`, sortText: '0end', preselect: true },
          { label: `end${inner.keyword}`, kind: CompletionItemKind.Keyword, detail: `closes {% ${inner.keyword} %}`, sortText: '0end' + inner.keyword },
        );
      }
      return items;
    }
    const blk = /^[-+~]?\s*(block|fragment)\s+([\w$]*)$/.exec(before);
    if (blk) {
      const own = new Set(t.sections.filter((s) => s.keyword === 'block').map((s) => s.name));
      const seen = new Set<string>();
      const items: CompletionItem[] = [];
      for (const par of parents(ws, t))
        for (const s of par.sections)
          if ((s.keyword === 'block' || s.keyword === 'fragment') && s.name && !seen.has(s.name)) {
            seen.add(s.name);
            items.push({ label: s.name, kind: CompletionItemKind.Class, detail: `block of ${par.name}`, sortText: (own.has(s.name) ? '1' : '0') + s.name });
          }
      return items;
    }
  }
  const fm = FILTER_BEFORE.exec(before);
  if (fm && !/\|\|\s*[\w$]*$/.test(before)) {
    const names = new Set([...Object.keys(filterParams), ...(ws.options.autoescape === 'markdown' ? Object.keys(mdFilterParams) : []), ...ws.userCallables('filters').keys()]);
    return [...names].map((n) => {
      const f = filterInfo(ws, n)!;
      return { label: n, kind: CompletionItemKind.Function, detail: f.sig, documentation: f.doc };
    });
  }
  if (TEST_BEFORE.test(before)) {
    const names = new Set([...Object.keys(testParams), ...ws.userCallables('tests').keys()]);
    return [...names].map((n) => {
      const x = testInfo(ws, n)!;
      return { label: n, kind: CompletionItemKind.Function, detail: x.sig, documentation: x.doc };
    });
  }
  // attributes: of a typed name, or the defs of an `import … as alias`
  // (on the last 200 characters, as dottedPath: unbounded, a long word before the cursor made the
  // regex quadratic, every start rescanning the word; a path that long is not completed)
  const dot = /([A-Za-z_]\w*(?:\s*\??\.\s*[A-Za-z_]\w*)*)\s*\??\.\s*[\w$]*$/.exec(before.slice(-200));
  if (dot) {
    const path = dot[1]!.split(/\s*\??\.\s*/);
    if (path.length === 1) {
      const imp = resolvedImports(ws, t).find((i) => i.kind === 'import' && i.alias === path[0]);
      if (imp) return defsOf(ws.templateByName(imp.template)).map((d) => ({ label: d.name, kind: CompletionItemKind.Function, detail: defSignature(d) }));
    }
    const ans = types.typeOf(t.file, t.text, typedNamesAt(t, offset), path);
    return ans ? ans.props.map((x) => ({ label: x.name, kind: x.method ? CompletionItemKind.Method : CompletionItemKind.Field, detail: x.type })) : [];
  }
  const items: CompletionItem[] = [];
  // keyword arguments of a def being called
  const call = openCall(before);
  if (call) {
    const found = findDef(ws, t, call.name, call.via);
    if (found)
      for (const prm of found.def.params)
        if (!call.given.has(prm.name))
          items.push({ label: `${prm.name}=`, kind: CompletionItemKind.Variable, detail: prm.annotation ?? undefined, sortText: '0' + prm.name, insertText: `${prm.name}=`, insertTextFormat: InsertTextFormat.PlainText });
  }
  const seen = new Set<string>();
  const add = (label: string, kind: CompletionItemKind, detail?: string, sort = '2') => {
    if (seen.has(label)) return;
    seen.add(label);
    items.push({ label, kind, detail, sortText: sort + label });
  };
  for (const d of declsOf(t)) add(d.name, CompletionItemKind.Variable, d.annotation, '1');
  for (const d of defsOf(t)) add(d.name, CompletionItemKind.Function, defSignature(d), '1');
  for (const i of resolvedImports(ws, t)) {
    if (i.kind === 'from') {
      const d = findDef(ws, t, i.alias);
      add(i.alias, CompletionItemKind.Function, d ? defSignature(d.def) : `from ${i.template}`, '1');
    } else add(i.alias, CompletionItemKind.Module, `import ${i.template}`, '1');
  }
  for (const n of boundNames(t)) add(n, CompletionItemKind.Variable, undefined, '1');
  for (const [n, g] of ws.userCallables('globals')) add(n, CompletionItemKind.Function, `${n}${g.params}`);
  for (const n of GLOBAL_NAMES) add(n, CompletionItemKind.Function, globalInfo(ws, n)?.sig);
  for (const n of ['loop', 'caller', 'true', 'false', 'none', 'True', 'False', 'None']) add(n, CompletionItemKind.Keyword, undefined, '3');
  return items;
}

/** The innermost unclosed call in an expression: `card(1, title=x, ` → card, given {title}. */
function openCall(before: string): { name: string; via?: string; given: Set<string> } | null {
  let depth = 0;
  for (let i = before.length - 1; i >= 0; i--) {
    const ch = before[i]!;
    if (ch === ')' || ch === ']' || ch === '}') depth++;
    else if (ch === '(' || ch === '[' || ch === '{') {
      if (depth === 0) {
        if (ch !== '(') return null;
        const m = /(?:([A-Za-z_]\w*)\s*\.\s*)?([A-Za-z_]\w*)\s*$/.exec(before.slice(0, i));
        if (!m) return null;
        const given = new Set([...before.slice(i).matchAll(/[(,]\s*([A-Za-z_]\w*)\s*=(?!=)/g)].map((x) => x[1]!));
        return { name: m[2]!, via: m[1], given };
      }
      depth--;
    }
  }
  return null;
}

// ------------------------------------------------------------------ definition

export function definition(ws: Workspace, types: TypeOracle, t: Template, p: Position): Location[] {
  const offset = offsetAt(t, p);
  const ref = references(t).find((r) => offset >= r.start && offset <= r.end);
  if (ref) {
    const name = ws.resolve(ref.name, t.name);
    return name && ws.sourceOf(name) !== null ? [at0(ws.fileOf(name))] : [];
  }
  const c = cursorOf(t, offset);
  if (!c.tag || !c.word.text) return [];
  const w = c.word.text;
  const head = t.text.slice(c.tag.innerStart, c.word.start);
  if (c.tag.kind === 'block' && /^[-+~]?\s*(block|fragment)\s+$/.test(head)) {
    const b = parentBlock(ws, t, w);
    return b ? [at0(b.in.file, b.line, b.col)] : [];
  }
  if (c.tag.kind === 'block' && /^[-+~]?\s*template\b/.test(head) && /:[^,]*$/.test(head)) {
    const place = types.definitionOf(t.file, t.text, declsOf(t), w);
    return place ? [at0(place.file, place.line, place.col)] : [];
  }
  if (/\|>?\s*$/.test(head)) {
    const u = ws.userCallables('filters').get(w);
    return u ? [at0(u.file, u.line)] : [];
  }
  if (/\bis\s+(?:not\s+)?$/.test(head)) {
    const u = ws.userCallables('tests').get(w);
    return u ? [at0(u.file, u.line)] : [];
  }
  const path = dottedPath(t, c.word.start, c.word.end);
  const found = path && path.length === 2 ? findDef(ws, t, w, path[0]) : path && path.length === 1 ? findDef(ws, t, w) : null;
  if (found) return [at0(found.in.file, found.def.line - 1, found.def.col)];
  const g = path?.length === 1 ? ws.userCallables('globals').get(w) : undefined;
  return g ? [at0(g.file, g.line)] : [];
}

// ------------------------------------------------------------------ symbols and folding

const SYMBOL_KINDS: Record<string, SymbolKind> = { block: SymbolKind.Class, fragment: SymbolKind.Class, def: SymbolKind.Function, region: SymbolKind.Method };

export function symbols(t: Template): DocumentSymbol[] {
  const roots: DocumentSymbol[] = [];
  const stack: { s: Section; sym: DocumentSymbol }[] = [];
  for (const s of t.sections) {
    const kind = SYMBOL_KINDS[s.keyword];
    if (kind === undefined || !s.name) continue;
    const end = s.close?.end ?? t.text.length;
    while (stack.length && (stack[stack.length - 1]!.s.close?.end ?? t.text.length) < end) stack.pop();
    const nameAt = t.text.indexOf(s.name, s.open.innerStart);
    const sym: DocumentSymbol = {
      name: s.name,
      detail: s.keyword,
      kind,
      range: rangeOf(t, s.open.start, end),
      selectionRange: rangeOf(t, nameAt, nameAt + s.name.length),
      children: [],
    };
    (stack.length ? stack[stack.length - 1]!.sym.children! : roots).push(sym);
    stack.push({ s, sym });
  }
  return roots;
}

export function folding(t: Template): FoldingRange[] {
  const out: FoldingRange[] = [];
  for (const s of t.sections) {
    if (!s.close) continue;
    const a = positionAt(t, s.open.start).line;
    const b = positionAt(t, s.close.start).line;
    if (b - 1 > a) out.push({ startLine: a, endLine: b - 1 });
  }
  for (const tag of t.tags) {
    const a = positionAt(t, tag.start).line;
    const b = positionAt(t, tag.end).line;
    if (tag.kind === 'comment' && b > a) out.push({ startLine: a, endLine: b, kind: FoldingRangeKind.Comment });
    if (tag.kind === 'block' && tag.keyword === 'raw' && b > a) out.push({ startLine: a, endLine: b - 1 });
  }
  return out.sort((x, y) => x.startLine - y.startLine);
}
