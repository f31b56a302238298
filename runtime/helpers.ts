// `kida/runtime`: everything compiled template modules import. Tree-shakeable named exports.

export * from './values.js';
export * from './methods.js';
export * from './output.js';
export * from './dq-part.js';
export * from './template.js';
export { each, loopFns } from './resume.js';
export { lazy } from './gather.js';
export { asyncPrelude } from './async-prelude.js';
export { grew } from './limits.js';
export { defineRegistered, defMeta } from './registered.js';
export * from './ops.js';
export { defer, cloneLoop, useDefer } from './defer.js';
export { Markup, Marked, escapeString, escapeMarkdown, isSafe } from './markup.js';
export { rawDef } from './raw-def.js';
export { md_badge, md_bold, md_code, md_codeblock, md_details, md_h1, md_h2, md_h3, md_h4, md_italic, md_link, md_strike, md_table, md_escape, md_safe, mdDef, outputFormat } from './markdown.js';
export * from './filters.js';
export * from './tests.js';
export * from './match.js';
export * from './globals.js';
export { registry, Registry, makeGlobals, useGlobals, useFragmentCache, useTemplateNames, type Linkage } from './linkage.js';
export { resolveTemplateName } from './names.js';
export { sbGetattr, sbGetattrOpt, sbGetitem, sbGetitemOpt, sbCallAttr, sbCallAttrOpt, sbCallValue, sbCallWithCaller, sbRange, sbSlice, sbTick, sbLoopSrc, sbOut, sbF, sbOp, sbErrorInfo, sbHide, sbName, sbLd, sbTplName, sbAwait, sbAsyncSrc, sbBack, Sandbox, SANDBOX_DEFAULTS, type SandboxPolicy } from './sandbox.js';
export { cacheHit, cacheLook, cachePut, parseTtl, LruFragmentStore, type FragmentStore, type AsyncFragmentStore } from './cache.js';
