// Template names: `./x` and `../x` resolve against the referencing template (there must be
// one), `@alias/x` against configured aliases; plain names are taken as they are.

import { TemplateNotFoundError } from './errors.js';

/** `plainUnknown`: a name naming no configured alias is taken as it is (Nunjucks, whose loaders get every name: Fractal's `@handle`). */
export function resolveTemplateName(name: string, from: string | null, aliases: Record<string, string> = {}, plainUnknown = false): string {
  if (name.startsWith('@')) {
    const slash = name.indexOf('/');
    const alias = slash < 0 ? name.slice(1) : name.slice(1, slash);
    // (an own string only: `@constructor/x` names no alias, it does not reach Object)
    const target = Object.hasOwn(aliases, alias) ? aliases[alias] : undefined;
    if (typeof target !== 'string' && plainUnknown) return name;
    if (typeof target !== 'string')
      throw new TemplateNotFoundError(`Template '${name}' not found: unknown alias '@${alias}'`, {
        suggestion: `Known aliases: ${Object.keys(aliases).map((a) => '@' + a).join(', ') || '(none)'}`,
      });
    const rest = slash < 0 ? '' : name.slice(slash + 1);
    return normalize(target.replace(/\/+$/, '') + (rest ? '/' + rest : ''));
  }
  if (name.startsWith('./') || name.startsWith('../')) {
    // (as the reference: no calling template, nothing to resolve against)
    if (from === null)
      throw new TemplateNotFoundError(
        `Template '${name}' not found: a relative name resolves against the template whose include, extends, embed or import names it; from code (or in a template without a name) use the absolute name`,
      );
    const base = from && from.includes('/') ? from.slice(0, from.lastIndexOf('/') + 1) : '';
    const out = normalize(base + name);
    if (out.startsWith('../')) throw new TemplateNotFoundError(`Template '${name}' escapes the template root (from '${from ?? '<string>'}')`);
    return out;
  }
  return name;
}

function normalize(path: string): string {
  const parts: string[] = [];
  for (const p of path.split('/')) {
    if (p === '' || p === '.') continue;
    if (p === '..' && parts.length && parts[parts.length - 1] !== '..') parts.pop();
    else parts.push(p);
  }
  return parts.join('/');
}
