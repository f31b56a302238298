// `kida/runtime` as Node resolves it (the "node" export condition): the runtime helpers with the
// stream drivers of runtime/drive.ts installed, so compiled modules run in Node stream without a
// generator per part or per chunk, and `Readable.from(renderStream())` writes joined chunks.
// Bundlers given the plugins (kida/rollup, kida/vite) get helpers.js, without the drivers: a worker
// bundle's size is its cold start (docs/decisions.md, "Streams, fourth pass").
import './drive.js';
export * from './helpers.js';
