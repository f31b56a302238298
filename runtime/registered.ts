// What a module compiled without a linkage (the default registry) runs to define itself: one
// call instead of `defineTemplate(spec, () => registry)` and `registry.register(template)` in
// every module (issue #22, code size fifth pass: docs/decisions.md).

import { registry } from './linkage.js';
import { defineTemplate, type StoredSpec, type Template } from './template.js';

export const defineRegistered = (spec: StoredSpec): Template => registry.register(defineTemplate(spec, () => registry));
