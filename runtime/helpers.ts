// `kida/runtime`: everything compiled template modules import. Tree-shakeable named exports.

export * from './values.js';
export * from './methods.js';
export * from './output.js';
export * from './template.js';
export * from './ops.js';
export { Markup, escapeString, isSafe } from './markup.js';
export * from './filters.js';
export * from './tests.js';
export * from './globals.js';
export { registry, Registry, makeGlobals, useGlobals, useFragmentCache, useTemplateNames, type Linkage } from './linkage.js';
export { resolveTemplateName } from './names.js';
export { sbGetattr, sbGetattrOpt, sbCallAttr, sbCallAttrOpt, sbCallValue, sbRange, sbTick, Sandbox, type SandboxPolicy } from './sandbox.js';
export { parseTtl, LruFragmentStore, type FragmentStore } from './cache.js';
