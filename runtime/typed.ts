// Types only (no code): what generated declarations (`page.d.kida.ts`) give a compiled
// template. `Template` takes any context; a `TypedTemplate` takes the context of a full render
// (`C`) and, per block or region, the context that block reads (`BC`). The context argument
// is required when a name is. An async template's sync forms take an argument nothing can
// be, so calling them is a type error that names the async forms.
import type { Template } from './template.js';

/** The context argument: required when the template needs a name from the caller. */
export type ContextArg<C> = {} extends C ? [ctx?: C] : [ctx: C];

/** What `render()`/`renderStream()` of an async template take: nothing (use the async forms). */
export interface AsyncTemplateUseRenderAsync {
  readonly 'this template is async: use renderAsync() or renderStreamAsync()': never;
}

type SyncArg<A extends boolean, C> = A extends true ? [ctx: AsyncTemplateUseRenderAsync] : ContextArg<C>;
type SyncResult<A extends boolean, T> = A extends true ? never : T;
type Rendering = 'validateContext' | 'render' | 'renderStream' | 'renderAsync' | 'renderStreamAsync' | 'renderBlock' | 'renderBlockStream' | 'renderBlockAsync' | 'renderBlockStreamAsync' | 'renderWithBlocks';

export interface TypedTemplate<C, BC extends object = {}, IsAsync extends boolean = false>
  extends Omit<Template<C, keyof BC & string>, Rendering> {
  render(...ctx: SyncArg<IsAsync, C>): SyncResult<IsAsync, string>;
  renderStream(...ctx: SyncArg<IsAsync, C>): SyncResult<IsAsync, Generator<string, void, undefined>>;
  renderAsync(...ctx: ContextArg<C>): Promise<string>;
  renderStreamAsync(...ctx: ContextArg<C>): AsyncGenerator<string, void, undefined>;
  renderBlock<K extends keyof BC & string>(block: K, ...ctx: SyncArg<IsAsync, BC[K]>): SyncResult<IsAsync, string>;
  renderBlockStream<K extends keyof BC & string>(block: K, ...ctx: SyncArg<IsAsync, BC[K]>): SyncResult<IsAsync, Generator<string, void, undefined>>;
  renderBlockAsync<K extends keyof BC & string>(block: K, ...ctx: ContextArg<BC[K]>): Promise<string>;
  renderBlockStreamAsync<K extends keyof BC & string>(block: K, ...ctx: ContextArg<BC[K]>): AsyncGenerator<string, void, undefined>;
  /** Names the template needs that `ctx` (and the globals) do not provide: takes an incomplete context. */
  validateContext(ctx?: Partial<C> | Record<string, unknown>): string[];
  renderWithBlocks(overrides: Partial<Record<keyof BC & string, string>>, ...ctx: SyncArg<IsAsync, C>): SyncResult<IsAsync, string>;
}
