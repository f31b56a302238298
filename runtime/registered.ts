// What a module compiled without a linkage (the default registry) runs to define itself: one
// call instead of `defineTemplate(spec, () => registry)` and `registry.register(template)` in
// every module (issue #22, code size fifth pass: docs/decisions.md).

import { registry } from './linkage.js';
import { defineTemplate, type DefMetadata, type StoredSpec, type Template } from './template.js';

// (positional from the sixth pass, `(name, root, requiredContext, rest?)`: compiler/codegen/footer.ts;
// a spec with a getter stays one object)
export const defineRegistered = (spec: StoredSpec | string, root?: StoredSpec['root'], requiredContext?: string, rest?: Partial<StoredSpec>): Template =>
  registry.register(defineTemplate(typeof spec === 'string' ? ({ name: spec, root, requiredContext, ...rest } as StoredSpec) : spec, () => registry));

/**
 * The metadata of a def whose parameters are all plain and required (no annotation, default,
 * `*args`, `**kwargs` or slot): the compiler writes `defMeta("card", 1, "p")` for it instead of
 * the whole object literal; other defs keep the literal (compiler/codegen/meta.ts).
 */
export const defMeta = (name: string, lineno: number, ...params: string[]): DefMetadata => ({
  name,
  lineno,
  params: params.map((p) => ({ name: p, annotation: null, hasDefault: false, isRequired: true })),
  vararg: null,
  kwarg: null,
  slots: [],
  hasDefaultSlot: false,
});
