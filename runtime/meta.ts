// Render-context metadata for frameworks (the reference's `render_context().set_meta(...)`):
// what `hx_request()`, `hx_target()`, `hx_trigger()`, `hx_boosted()`, `csrf_token()` and
// `csp_nonce()` read. A render captures the metadata current when it starts, so
// `withRenderMeta(meta, () => page.renderStreamAsync(ctx))` holds across awaits and chunks,
// and concurrent renders with different metadata never see each other's.

export type RenderMeta = Record<string, unknown> | Map<string, unknown>;

let currentMeta: RenderMeta | null = null;
/**
 * Builds a render's globals layer: set by the first withRenderMeta, so that a bundle which never
 * calls it leaves the layer code out (Rolldown keeps code reading a `let` it cannot prove null).
 */
let layered: typeof metaLayer | null = null;

/** The HTMX/security globals that read render metadata (registered when enableHtmxHelpers is on). */
export const htmxGlobalNames: readonly string[] = ['hx_request', 'hx_target', 'hx_trigger', 'hx_boosted', 'csrf_token', 'csp_nonce'];

/** Runs `fn` with `meta` as the render-context metadata; renders started inside keep it. */
export function withRenderMeta<T>(meta: RenderMeta, fn: () => T): T {
  layered ??= metaLayer;
  const prev = currentMeta;
  currentMeta = meta;
  try {
    return fn();
  } finally {
    currentMeta = prev;
  }
}

/** Reads a render-context metadata value (`dflt` when absent or outside withRenderMeta). */
export function getRenderMeta(key: string, dflt: unknown = null): unknown {
  if (!currentMeta) return dflt;
  if (currentMeta instanceof Map) return currentMeta.has(key) ? currentMeta.get(key) : dflt;
  return Object.hasOwn(currentMeta, key) ? currentMeta[key] : dflt;
}

/** Marks the globals layer a render's metadata lives in (see metaGlobals). */
export const META_LAYER: unique symbol = Symbol('kida.renderMeta');

/**
 * The globals a render starts from: `globals` itself, or, when metadata is current, a layer
 * over it whose HTMX/security functions read this render's metadata whenever they are called.
 */
export function renderGlobals<G extends Record<string, unknown>>(globals: G): G {
  const meta = currentMeta;
  return meta && layered ? layered(globals, meta) : globals;
}

function metaLayer<G extends Record<string, unknown>>(globals: G, meta: RenderMeta): G {
  const layer = Object.create(globals) as Record<string | symbol, unknown>;
  Object.defineProperty(layer, META_LAYER, { value: true });
  for (const name of htmxGlobalNames) {
    const f = globals[name];
    if (typeof f === 'function')
      layer[name] = Object.defineProperty((...args: unknown[]) => withRenderMeta(meta, () => (f as (...a: unknown[]) => unknown)(...args)), 'name', {
        value: name,
      });
  }
  return layer as G;
}
