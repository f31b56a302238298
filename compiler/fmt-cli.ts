// `kida fmt [--check] [--indent N] [<file|dir>...]`: formats templates in place, or (--check)
// lists the files that are not formatted and exits 1. A file that does not lex is reported and
// left as it is (its tag boundaries are unknown): exit 1 too.

import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { TemplateError } from '../runtime/errors.js';
import { errorSummary, type KidaOptions } from '../plugins/shared.js';
import { delimiterOptions } from './lexer.js';
import { format } from './format.js';
import { escapeModeFor } from './autoescape.js';

export interface FmtArgs {
  targets: string[];
  check: boolean;
  /** --indent as given (wins over the config's `fmt.indent`). */
  indent: string | undefined;
  /** --html-indent: also indent by HTML element nesting (or fmt.htmlIndent in kida.config). */
  htmlIndent: boolean;
  config: KidaOptions;
  out: (line: string) => void;
  err: (line: string) => void;
}

/** The exit code: 0 formatted (or, with check, already formatted), 1 otherwise, 2 bad invocation. */
export function runFmt(a: FmtArgs): number {
  const indentText = a.indent ?? a.config.fmt?.indent;
  const indent = indentText === undefined ? 2 : Number(indentText);
  if (!Number.isInteger(indent) || indent < 0 || indent > 16) {
    a.err(`kida: --indent (or fmt.indent in kida.config) must be an integer from 0 to 16, not '${indentText}'`);
    return 2;
  }
  const targets = a.targets.length ? a.targets : [a.config.root ?? '.'];
  const missing = targets.filter((t) => !existsSync(t));
  if (missing.length) {
    a.err(`kida: ${missing.join(', ')} does not exist`);
    return 2;
  }
  // (a directory: its .kida files; a file named on the command line: whatever its extension)
  const files = [...new Set(targets.flatMap((t) => (statSync(t).isDirectory() ? templatesIn(resolve(t)) : [resolve(t)])))];
  const options = { ...delimiterOptions(a.config), indent, htmlIndent: a.htmlIndent || !!a.config.fmt?.htmlIndent };
  const root = resolve(a.config.root ?? '.');
  const show = (f: string) => relative(process.cwd(), f) || f;
  let changed = 0;
  let failed = 0;
  let markdown = 0;
  for (const file of files) {
    // Markdown: indentation (code blocks, nested lists) and trailing spaces (line breaks) are meaning
    if (escapeModeFor(a.config.autoescape, relative(root, file).split('\\').join('/')) === 'markdown' || /\.(md|markdown)\.kida$/i.test(file)) {
      markdown++;
      continue;
    }
    const source = readFileSync(file, 'utf8');
    let formatted: string;
    try {
      formatted = format(source, options);
    } catch (e) {
      failed++;
      if (!(e instanceof TemplateError)) throw e;
      a.err(`${show(file)}${e.lineno != null ? `:${e.lineno}:${(e.colno ?? 0) + 1}` : ''}: ${errorSummary(e)} (not formatted)`);
      continue;
    }
    if (formatted === source) continue;
    changed++;
    if (a.check) a.out(`would reformat ${show(file)}`);
    else {
      writeFileSync(file, formatted);
      a.out(`reformatted ${show(file)}`);
    }
  }
  const notes = `${failed ? `, ${failed} could not be read` : ''}${markdown ? `, ${markdown} Markdown templates left as they are` : ''}`;
  if (a.check) a.err(`kida: ${changed} of ${files.length - markdown} templates would be reformatted${notes}`);
  else a.err(`kida: ${changed} templates reformatted, ${files.length - changed - failed - markdown} already formatted${notes}`);
  return failed || (a.check && changed) ? 1 : 0;
}

function templatesIn(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    if (d.name === 'node_modules' || d.name.startsWith('.')) return [];
    const p = join(dir, d.name);
    const isDir = d.isSymbolicLink() ? statSync(p, { throwIfNoEntry: false })?.isDirectory() : d.isDirectory();
    return isDir ? templatesIn(p) : p.endsWith('.kida') ? [p] : [];
  });
}
