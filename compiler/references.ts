// Build tools know every template: a reference (`extends`, `include`, `embed`, `import`, `from`)
// naming one that does not exist is a compile error at the reference itself, with the closest
// known name, rather than an unresolved import of generated JavaScript in the bundler.

import { TemplateNotFoundError, didYouMean } from '../runtime/errors.js';
import type { Expr, Node } from './ast.js';
import { walk } from './codegen.js';

export interface ReferenceCheck {
  /** Source of a template by resolved name, null when there is none. */
  sourceOf(name: string): string | null;
  /** A reference's resolved name (aliases, `./` and `../`). */
  resolve(name: string): string;
  /** Every template name there is (for the did-you-mean), read only when a reference is missing. */
  knownTemplates?: () => string[];
  /** Where templates are looked up (named in the message when there are none). */
  templateRoot?: string;
}

const REFS = new Set(['Extends', 'Include', 'Embed', 'Import', 'FromImport']);

/** A literal reference that names no template: its error, the name it resolves to, where it is. */
export interface MissingReference {
  error: TemplateNotFoundError;
  name: string;
  node: { type: string };
  /** A statement of the template's own top level, which every render of it runs. */
  topLevel: boolean;
}

/** The errors of the literal references in `body` that name no template, in source order. */
export function unresolvedReferences(body: Node[], templateName: string, source: string, check: ReferenceCheck): TemplateNotFoundError[] {
  return missingReferences(body, templateName, source, check).map((m) => m.error);
}

/** The literal references in `body` that name no template, in source order. */
export function missingReferences(body: Node[], templateName: string, source: string, check: ReferenceCheck): MissingReference[] {
  const errors: MissingReference[] = [];
  const top = new Set<unknown>(body);
  let known: string[] | undefined;
  walk(body, (n) => {
    if (!REFS.has(n.type) || (n.type === 'Include' && n.ignoreMissing)) return;
    // a list (first that exists) or a computed name resolves at render time
    const t = n.template as Expr & { value?: unknown };
    if (t.type !== 'Const' || typeof t.value !== 'string') return;
    const name = check.resolve(t.value);
    if (check.sourceOf(name) !== null) return;
    known ??= check.knownTemplates?.() ?? [];
    const hint = didYouMean(name, known.filter((k) => k !== templateName));
    const none = !known.length && check.templateRoot ? `; there are no templates under ${check.templateRoot}` : '';
    const error = new TemplateNotFoundError(`Template '${name}' not found${none}`, {
      templateName,
      lineno: t.line,
      colno: t.col,
      source,
      suggestion: hint ? `Did you mean '${hint}'?` : none ? 'Check the root option' : null,
    });
    errors.push({ error, name, node: n, topLevel: top.has(n) });
  });
  return errors;
}
