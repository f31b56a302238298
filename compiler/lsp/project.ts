// The editor's view of a Kida project: the kida.config.* the build reads (plugins/config.ts),
// the templates under root with the open documents' unsaved text in place of the files, and
// parsed, scanned copies of every template the open ones refer to (cached by text).

import { readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { loadConfig } from '../../plugins/config.js';
import { KidaProject, type KidaOptions } from '../../plugins/shared.js';
import { resolveSyntax, type Syntax } from '../lexer.js';
import { parse } from '../parser.js';
import type { TemplateAst } from '../ast.js';
import { templateNameResolver } from '../index.js';
import { lineStarts, scanTags, sections, type Section, type Tag } from './scan.js';

/** One template as the editor knows it: text, tags, sections and (when it parses) its syntax tree. */
export interface Template {
  file: string;
  name: string;
  text: string;
  tags: Tag[];
  sections: Section[];
  /** The tree of the last text that parsed (kept while the document is broken). */
  ast: TemplateAst | null;
  /** Did `ast` come from this very text? */
  fresh: boolean;
  starts: number[];
}

export interface Callable {
  name: string;
  /** Parameters as written, without the value a filter or test receives first. */
  params: string;
  doc: string;
  file: string;
  line: number;
}

export class Workspace {
  options: KidaOptions = {};
  configFile: string | null = null;
  configError: string | null = null;
  project!: KidaProject;
  syntax: Syntax = resolveSyntax(null);
  /** Open documents by absolute path. */
  readonly open = new Map<string, string>();
  private readonly cache = new Map<string, Template>();
  /** The last tree of each file that parsed as written (for a document that does not parse at all). */
  private readonly lastGood = new Map<string, TemplateAst>();
  private names: { at: number; list: string[] } | null = null;
  private userDocs = new Map<string, { mtimeMs: number; map: Map<string, Callable> }>();

  constructor(readonly folder: string) {}

  /** (Re)reads kida.config.*; a config that cannot be used is reported and the defaults used. */
  async load(): Promise<void> {
    this.configError = null;
    try {
      const cfg = await loadConfig(this.folder);
      this.options = cfg.options;
      this.configFile = cfg.file;
      const root = cfg.options.root ?? (cfg.file ? dirname(cfg.file) : this.folder);
      this.project = new KidaProject({ ...cfg.options, root }, this.folder);
      await this.project.loadExtensions(); // (Nunjucks extensions' parse() runs as templates compile)
    } catch (e) {
      this.configError = (e as Error).message;
      this.options = {};
      this.project = new KidaProject({ root: this.folder }, this.folder);
    }
    this.syntax = resolveSyntax(this.project.delimiters);
    this.cache.clear();
    this.names = null;
  }

  get root(): string {
    return this.project.root;
  }

  nameOf(file: string): string {
    return this.project.templateName(file);
  }

  fileOf(name: string): string {
    return join(this.root, name);
  }

  /** Text of a template by name: the open document's, else the file's (null when missing). */
  sourceOf = (name: string): string | null => {
    const file = this.fileOf(name);
    const open = this.open.get(file);
    if (open !== undefined) return open;
    try {
      return statSync(file, { throwIfNoEntry: false })?.isFile() ? readFileSync(file, 'utf8') : null;
    } catch {
      return null;
    }
  };

  /** compile() options for a file, with open documents' text for every reference. */
  compileOptions(file: string) {
    const base = this.project.compileOptions(file);
    return {
      ...base,
      sourceOf: this.sourceOf,
      knownTemplates: () => this.templateNames(),
    };
  }

  /** Every template name under root (listed again at most every two seconds). */
  templateNames(): string[] {
    const now = Date.now();
    if (!this.names || now - this.names.at > 2000) {
      const list = new Set(this.project.templates().map((f) => this.nameOf(f)));
      for (const f of this.open.keys()) if (f.startsWith(this.root + sep)) list.add(this.nameOf(f));
      this.names = { at: now, list: [...list].sort() };
    }
    return this.names.list;
  }

  invalidateNames(): void {
    this.names = null;
  }

  /** A reference's template name, resolved against the template that makes it as its compile does (null: cannot). */
  resolve(ref: string, from: string): string | null {
    try {
      return templateNameResolver(this.project.referenceOptions(this.fileOf(from)))(ref, from);
    } catch {
      return null;
    }
  }

  /** The scanned and parsed template of a file (from the open document when there is one). */
  template(file: string, text = this.open.get(file) ?? safeRead(file)): Template | null {
    if (text === null) return null;
    const hit = this.cache.get(file);
    if (hit && hit.text === text) return hit;
    const name = this.nameOf(file);
    const tags = scanTags(text, this.syntax);
    const opts = { name, ...this.project.delimiters, trimBlocks: this.options.trimBlocks, lstripBlocks: this.options.lstripBlocks };
    // The tree is parsed on first use: checking a change needs only the tags and line starts.
    let tree: { ast: TemplateAst | null; fresh: boolean } | undefined;
    const parsed = () => {
      if (!tree) {
        tree = parseTolerant(text, opts, tags) ?? { ast: this.lastGood.get(file) ?? null, fresh: false };
        if (tree.ast && tree.fresh) this.lastGood.set(file, tree.ast);
      }
      return tree;
    };
    const t: Template = {
      file,
      name,
      text,
      tags,
      sections: sections(tags, text),
      get ast() {
        return parsed().ast;
      },
      get fresh() {
        return parsed().fresh;
      },
      starts: lineStarts(text),
    };
    this.cache.set(file, t);
    if (this.cache.size > 500) this.cache.delete(this.cache.keys().next().value!);
    return t;
  }

  templateByName(name: string): Template | null {
    const text = this.sourceOf(name);
    return text === null ? null : this.template(this.fileOf(name), text);
  }

  /** The user's filters, tests or globals with their parameters and first doc line, read from the module's text. */
  userCallables(kind: 'filters' | 'tests' | 'globals'): Map<string, Callable> {
    const file = kind === 'filters' ? this.project.filtersFile : kind === 'tests' ? this.project.testsFile : this.project.globalsFile;
    if (!file) return new Map();
    const st = statSync(file, { throwIfNoEntry: false });
    const hit = this.userDocs.get(file + kind);
    if (hit && st && hit.mtimeMs === st.mtimeMs) return hit.map;
    const map = new Map<string, Callable>();
    const text = safeRead(file) ?? '';
    const starts = lineStarts(text);
    const re = /(?:\/\*\*((?:[^*]|\*(?!\/))*)\*\/\s*)?export\s+(?:(?:async\s+)?function\*?\s+([A-Za-z_$][\w$]*)\s*(?:<[^>]*>)?\s*\(([^)]*)\)|(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*(?::[^=]+)?=\s*(?:async\s+)?(?:function\*?\s*[\w$]*\s*\(([^)]*)\)|\(([^)]*)\)\s*(?::[^=]+)?=>|([A-Za-z_$][\w$]*)\s*=>)?)/g;
    for (const m of text.matchAll(re)) {
      const name = m[2] ?? m[4]!;
      const rawParams = m[3] ?? m[5] ?? m[6] ?? m[7];
      const list = rawParams === undefined ? null : splitParams(rawParams);
      const params = list === null ? '' : `(${(kind === 'globals' ? list : list.slice(1)).join(', ')})`;
      const doc = (m[1] ?? '').split('\n').map((l) => l.replace(/^\s*\*?\s?/, '').trim()).filter((l) => l && !l.startsWith('@'))[0] ?? '';
      const at = (m.index ?? 0) + m[0].indexOf(name, m[0].indexOf('export'));
      let line = 0;
      while (line + 1 < starts.length && starts[line + 1]! <= at) line++;
      map.set(name, { name, params, doc, file, line });
    }
    // names re-exported without a declaration here still exist
    const exported = kind === 'filters' || kind === 'tests' ? this.compileOptions(file)[kind === 'filters' ? 'filterModule' : 'testModule']?.names ?? [] : this.project.compileOptions(file).globalNames ?? [];
    for (const n of exported) if (!map.has(n)) map.set(n, { name: n, params: '', doc: '', file, line: 0 });
    if (st) this.userDocs.set(file + kind, { mtimeMs: st.mtimeMs, map });
    return map;
  }
}

/**
 * A document being typed rarely parses: the tags holding errors are blanked (as `kida check`
 * does) until the rest parses, so its defs, imports and declarations stay known (null: it
 * cannot be made to parse).
 */
function parseTolerant(text: string, opts: Parameters<typeof parse>[1], tags: Tag[]): { ast: TemplateAst; fresh: boolean } | null {
  let work = text;
  let fresh = true;
  for (let tries = 0; tries < 8; tries++) {
    try {
      return { ast: parse(work, opts), fresh };
    } catch (e) {
      fresh = false;
      const err = e as { lineno?: number; colno?: number };
      const starts = lineStarts(work);
      const at = err.lineno != null ? (starts[err.lineno - 1] ?? 0) + (err.colno ?? 0) : -1;
      const bad = tags.find((t) => t.kind !== 'comment' && at >= t.start && at <= t.end);
      if (!bad) break;
      work = work.slice(0, bad.start) + work.slice(bad.start, bad.end).replace(/[^\n]/g, ' ') + work.slice(bad.end);
    }
  }
  return null;
}

/** Parameters as written, split at top-level commas, TypeScript annotations dropped. */
function splitParams(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const c of text) {
    if ('([{<'.includes(c)) depth++;
    else if (')]}>'.includes(c)) depth--;
    if (c === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out
    .map((p) => p.replace(/\s+/g, ' ').trim())
    .filter(Boolean)
    .map((p) => p.replace(/^(\.\.\.)?([\w$]+)\??\s*:[^=]*(=.*)?$/, (_m, rest: string | undefined, n: string, d: string | undefined) => `${rest ?? ''}${n}${d ? ' ' + d.trim() : ''}`));
}

function safeRead(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

export const isUnder = (file: string, dir: string) => resolve(file).startsWith(resolve(dir) + sep);
