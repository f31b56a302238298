// `kida`: the user-facing runtime API.

export { Markup, Marked, escapeString, escapeMarkdown } from './markup.js';
export {
  TemplateError,
  TemplateSyntaxError,
  TemplateRuntimeError,
  UndefinedError,
  TemplateNotFoundError,
  SecurityError,
  RequiredValueError,
  NoneComparisonError,
  type TemplateFrame,
  type ComponentFrame,
} from './errors.js';
export type { TypedTemplate, ContextArg, AsyncTemplateUseRenderAsync } from './typed.js';
export type { Template, Ctx, BlockMetadata, TemplateMetadata, DefMetadata, DefParamInfo } from './template.js';
export { RenderedTemplate, toReadableStream } from './stream.js';
export { withRenderMeta, type RenderMeta } from './meta.js';
export { LruFragmentStore, type FragmentStore, type AsyncFragmentStore, type AnyFragmentStore, type FragmentStoreOptions, type CacheInfo } from './cache.js';

import { Markup, escapeString, isSafe } from './markup.js';
import { observe, pyStr } from './values.js';

/** HTML-escapes a value (Markup passes through) and returns Markup. */
export function escape(v: unknown): Markup {
  if (isSafe(v)) return new Markup(String(observe(v.__html__())));
  return new Markup(escapeString(typeof v === 'string' ? v : pyStr(v)));
}
