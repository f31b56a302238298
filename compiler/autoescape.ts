// The `autoescape` option: what it may be, and how a template's output is escaped under it.
// (Its own module: the plugins need it before, and often without, loading the compiler.)

import { PyError } from '../runtime/errors.js';

/**
 * `true` (HTML, by file name: decisions.md), `false`, `'markdown'` (Markdown escaping and the
 * Markdown filters for every template: language.md §3.6, §4.3), or a function of the template
 * name. Strings are case-insensitive (`'true'`, `'false'`, `'html'` = true); others are errors.
 */
export type AutoescapeOption = boolean | 'html' | 'true' | 'false' | 'markdown' | ((name: string | null) => boolean);

/**
 * Validates an `autoescape` option and returns its canonical form: `true`, `false`, `'markdown'`
 * or the function. Strings are trimmed and case-insensitive; `'terminal'` (the reference's ANSI
 * mode, not part of the port) and anything else throw a ValueError.
 */
export function normalizeAutoescape(option: unknown): boolean | 'markdown' | ((name: string | null) => boolean) {
  if (option === undefined || option === null) return true;
  if (typeof option === 'boolean') return option;
  if (typeof option === 'function') return option as (name: string | null) => boolean;
  if (typeof option === 'string') {
    const v = option.trim().toLowerCase();
    if (v === 'true' || v === 'html') return true;
    if (v === 'false') return false;
    if (v === 'markdown') return 'markdown';
    if (v === 'terminal')
      throw new PyError('ValueError', "autoescape 'terminal' (ANSI terminal output) is not supported by the JavaScript port: use true, false or 'markdown'");
  }
  const shown = typeof option === 'string' ? `'${option}'` : String(option);
  throw new PyError('ValueError', `Invalid autoescape value ${shown}: use true, false, 'markdown' ('html' = true) or a function of the template name`);
}

/** How output of template `name` is escaped: 'html', 'markdown' or not at all (null). */
export function escapeModeFor(option: unknown, name: string | null): 'html' | 'markdown' | null {
  const o = normalizeAutoescape(option);
  if (o === 'markdown') return 'markdown'; // every template, whatever its name
  return autoescapeFor(o, name) ? 'html' : null;
}

/** Should output of template `name` be escaped? (decisions.md §2; Markdown mode: always) */
export function autoescapeFor(option: AutoescapeOption | undefined, name: string | null): boolean {
  if (typeof option === 'function') return !!option(name);
  if (typeof option === 'string' && option.trim().toLowerCase() === 'markdown') return true;
  if (option === false || option === 'false') return false;
  if (name && name.endsWith('.kida')) {
    const inner = name.slice(0, -5);
    const slash = inner.lastIndexOf('/');
    const base = inner.slice(slash + 1);
    const dot = base.lastIndexOf('.');
    if (dot > 0) return ['html', 'htm', 'xhtml', 'xml', 'svg'].includes(base.slice(dot + 1).toLowerCase());
  }
  return true;
}
