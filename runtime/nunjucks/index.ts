// `kida/runtime/nunjucks`: what templates compiled with `compat: 'nunjucks'` import in place of
// the default runtime's helpers of the same names (compiler/index.ts), plus Nunjucks' filters
// and tests. Only modules compiled in that mode import it: default bundles never carry it.

export * from './values.js';
export * from './filters.js';
// (sandboxed templates only: `sbGetattr` & co. with Nunjucks' member access)
export * from './sandbox.js';
export * from './strict.js';
export * from './extensions.js';
export * from './async-loops.js';
export * from './safe.js';
export * from './slice.js';
export * from './extends.js';
export * from './lookup.js';
// Nunjucks' globals, for compiled modules that name them (compile() links them with useNjkGlobals)
export { range as g_range, cycler as g_cycler, joiner as g_joiner } from './globals.js';
export { useNjkGlobals, njkLinkage } from './linkage.js';
