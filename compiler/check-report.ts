// `kida check --format text|json|sarif|github`: the findings of one check run, written as the
// usual `file:line:col: CODE message` lines (text, on stderr, as they are found), or at the end
// on stdout as the reference's JSON envelope, a SARIF 2.1.0 log for code-scanning uploads, or
// GitHub workflow commands that annotate the files of a pull request.
//
// Positions: lines 1-based; JSON columns 0-based with an exclusive end (the reference's
// convention); SARIF and GitHub columns 1-based (theirs). The end of a finding is the end of the
// word, string or tag at its position on that line (the compiler reports a start only).

import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { TemplateError } from '../runtime/errors.js';
import type { CompileWarning } from './codegen.js';
import type { TypeDiagnostic } from './typecheck.js';

export const CHECK_FORMATS = ['text', 'json', 'sarif', 'github'] as const;
export type CheckFormat = (typeof CHECK_FORMATS)[number];

export interface Finding {
  file: string;
  code: string;
  severity: 'error' | 'warning';
  message: string;
  suggestion: string | null;
  /** 1-based line and 0-based columns, end exclusive; null when the finding has no position. */
  range: { start: { line: number; column: number }; end: { line: number; column: number } } | null;
}

/** The code of a file that could not be checked at all (unreadable, or an internal error). */
export const UNCHECKED = 'K-CHK-001';

const CATEGORIES: Record<string, string> = {
  LEX: 'syntax', PAR: 'syntax', TPL: 'template', CMP: 'calls', TYP: 'types', RUN: 'runtime', SEC: 'security', CHK: 'internal',
};
const TITLES: Record<string, string> = {
  syntax: 'Template syntax error', template: 'Template structure error', calls: 'Def call check', types: 'Template type check',
  runtime: 'Error found at compile time', security: 'Security policy', internal: 'Template could not be checked',
};
const category = (code: string) => CATEGORIES[code.split('-')[1] ?? ''] ?? 'other';

export interface ReportIO {
  out: (text: string) => void;
  err: (text: string) => void;
  /** The text report of an error (cli.ts's, so text output stays what it was). */
  textError: (file: string, e: unknown) => void;
}

export class CheckReport {
  readonly findings: Finding[] = [];
  /** A file stopped at the error limit, or one that could not be checked. */
  partial = false;
  private readonly sources = new Map<string, string[] | null>();

  constructor(
    readonly format: CheckFormat,
    readonly root: string,
    private readonly io: ReportIO,
    private readonly version: string,
  ) {}

  error(file: string, e: unknown, source?: string): void {
    if (this.format === 'text') this.io.textError(file, e);
    if (source !== undefined) this.sources.set(file, source.split('\n'));
    if (e instanceof TemplateError) this.add(file, e.code, 'error', e.rawMessage, e.suggestion, e.lineno, e.colno);
    else {
      this.partial = true;
      this.add(file, UNCHECKED, 'error', (e as Error)?.message ?? String(e), null, null, null);
    }
  }

  warning(file: string, w: CompileWarning, source?: string): void {
    if (this.format === 'text') this.io.err(`${relative(process.cwd(), file)}:${w.lineno}:${w.colno + 1}: ${w.code} ${w.message}\n`);
    if (source !== undefined) this.sources.set(file, source.split('\n'));
    this.add(file, w.code, 'warning', w.message, null, w.lineno, w.colno);
  }

  /** A step of `--compat nunjucks`'s migration checklist: a warning that carries the Kida form. */
  migration(file: string, m: { code: string; message: string; suggestion: string; line: number; col: number }, source?: string): void {
    if (this.format === 'text') this.io.err(`${relative(process.cwd(), file)}:${m.line}:${m.col + 1}: ${m.code} ${m.message} (Kida: ${m.suggestion})\n`);
    if (source !== undefined) this.sources.set(file, source.split('\n'));
    this.add(file, m.code, 'warning', m.message, `Kida: ${m.suggestion}`, m.line, m.col);
  }

  typeFinding(d: TypeDiagnostic): void {
    if (this.format === 'text') this.io.err(`${relative(process.cwd(), d.file)}:${d.line}:${d.col + 1}: ${d.code} ${d.message}\n`);
    // (K-TYP-002, a declared name never read, is a warning in the reference; it fails the check here as before)
    this.add(d.file, d.code, 'error', d.message, null, d.line, d.col);
  }

  /** Writes the machine-readable report (text has been written as it went). */
  finish(exitCode: number): void {
    if (this.format === 'json') this.io.out(JSON.stringify(this.json(exitCode), null, 2) + '\n');
    else if (this.format === 'sarif') this.io.out(JSON.stringify(this.sarif(exitCode), null, 2) + '\n');
    else if (this.format === 'github') for (const f of this.findings) this.io.out(githubCommand(f) + '\n');
  }

  json(exitCode: number) {
    const count = (s: Finding['severity']) => this.findings.filter((f) => f.severity === s).length;
    return {
      schema_version: 1,
      root: this.root,
      diagnostics: this.findings.map((f) => ({
        code: f.code,
        category: category(f.code),
        severity: f.severity,
        message: f.message,
        path: this.path(f.file),
        range: f.range,
        suggestion: f.suggestion,
      })),
      summary: { errors: count('error'), warnings: count('warning'), info: 0, total: this.findings.length },
      partial: this.partial,
      exit_code: exitCode,
    };
  }

  sarif(exitCode: number) {
    const codes = [...new Set(this.findings.map((f) => f.code))].sort();
    const level = (code: string) => (this.findings.some((f) => f.code === code && f.severity === 'error') ? 'error' : 'warning');
    return {
      $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
      version: '2.1.0',
      runs: [
        {
          tool: {
            driver: {
              name: 'kida',
              version: this.version,
              semanticVersion: this.version,
              informationUri: 'https://github.com/lbliii/kida',
              rules: codes.map((id) => ({
                id,
                name: id.replace(/-/g, ''),
                shortDescription: { text: `${TITLES[category(id)] ?? 'Template check'} (${id})` },
                defaultConfiguration: { level: level(id) },
                properties: { category: category(id) },
              })),
            },
          },
          // (artifact URIs are relative to the checked root, which SRCROOT names)
          originalUriBaseIds: { SRCROOT: { uri: fileUri(this.root) } },
          results: this.findings.map((f) => ({
            ruleId: f.code,
            ruleIndex: codes.indexOf(f.code),
            level: f.severity,
            message: { text: f.suggestion && !f.message.includes(f.suggestion) ? `${f.message} (${f.suggestion})` : f.message },
            locations: [
              {
                physicalLocation: {
                  artifactLocation: { uri: encodeURI(this.path(f.file)), uriBaseId: 'SRCROOT' },
                  ...(f.range && {
                    region: {
                      startLine: f.range.start.line,
                      startColumn: f.range.start.column + 1,
                      endLine: f.range.end.line,
                      endColumn: f.range.end.column + 1,
                    },
                  }),
                },
              },
            ],
          })),
          invocations: [{ executionSuccessful: exitCode !== 2, exitCode }],
        },
      ],
    };
  }

  private path(file: string): string {
    return relative(this.root, file).split('\\').join('/');
  }

  private add(file: string, code: string, severity: Finding['severity'], message: string, suggestion: string | null, line: number | null, column: number | null): void {
    let range: Finding['range'] = null;
    if (line != null) {
      const col = column ?? 0;
      const end = tokenEnd(this.lineOf(file, line), col);
      range = { start: { line, column: col }, end: { line, column: end } };
    }
    this.findings.push({ file, code, severity, message, suggestion, range });
  }

  private lineOf(file: string, line: number): string {
    if (!this.sources.has(file)) {
      let text: string | null = null;
      try {
        text = readFileSync(file, 'utf8');
      } catch {
        // (gone since it was checked: the finding keeps a one-character range)
      }
      this.sources.set(file, text?.split('\n') ?? null);
    }
    return this.sources.get(file)?.[line - 1]?.replace(/\r$/, '') ?? '';
  }
}

/** The exclusive end column of the word, string or tag that starts at `col` (at least col + 1). */
export function tokenEnd(line: string, col: number): number {
  const rest = line.slice(col);
  const m =
    /^[A-Za-z_][\w]*/.exec(rest) ??
    /^\d+(\.\d+)?/.exec(rest) ??
    /^("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')/.exec(rest) ??
    /^\{\{.*?\}\}|^\{%.*?%\}|^\{#.*?#\}/.exec(rest);
  return col + Math.max(1, m ? m[0].length : 0);
}

/** `::error file=…,line=…,col=…,endLine=…,endColumn=…,title=K-…::message`, escaped as GitHub specifies. */
export function githubCommand(f: Finding, cwd = process.cwd()): string {
  const props: [string, string | number][] = [['file', relative(cwd, f.file).split('\\').join('/')]];
  if (f.range) {
    props.push(['line', f.range.start.line], ['col', f.range.start.column + 1]);
    props.push(['endLine', f.range.end.line], ['endColumn', f.range.end.column + 1]);
  }
  props.push(['title', f.code]);
  const text = f.suggestion && !f.message.includes(f.suggestion) ? `${f.message} (${f.suggestion})` : f.message;
  return `::${f.severity} ${props.map(([k, v]) => `${k}=${escapeProperty(String(v))}`).join(',')}::${escapeData(text)}`;
}

const escapeData = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
const escapeProperty = (s: string) => escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');

function fileUri(dir: string): string {
  const p = dir.split('\\').join('/');
  return `file://${p.startsWith('/') ? '' : '/'}${encodeURI(p)}${p.endsWith('/') ? '' : '/'}`;
}
