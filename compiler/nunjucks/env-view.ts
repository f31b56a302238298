// `this.env` of an app's filter, test or function under a plain Kida Environment with compat
// 'nunjucks' (kida/nunjucks gives its own Environment instead): the part of Nunjucks'
// Environment that filters written for Nunjucks call. nhsuk-frontend's `highlight` filter reads
// `this.env.getFilter('safe')`, its `getComponentHTML` global `this.env.renderString(…)`.
// Node-side only: a bundle's functions get the linkage (docs/guide/nunjucks.md).
import * as builtins from '../../runtime/nunjucks/filters.js';
import type { Callable } from '../../runtime/linkage.js';
import type { Ctx } from '../../runtime/template.js';

/** What the view reads of the Kida Environment. */
export interface ViewedEnvironment {
  readonly filters: Record<string, Callable>;
  readonly tests: Record<string, Callable>;
  readonly globals: Ctx;
  readonly autoescape: unknown;
  readonly trimBlocks: boolean;
  readonly lstripBlocks: boolean;
  readonly throwOnUndefined: boolean;
  addFilter(name: string, fn: Callable, async?: boolean): void;
  addTest(name: string, fn: Callable): void;
  addGlobal(name: string, value: unknown): void;
  getTemplate(name: string): { render(ctx: Ctx): string };
  fromString(source: string): { render(ctx: Ctx): string };
}

const builtin = (prefix: 'nf_' | 'nt_', name: string): Callable | undefined =>
  Object.hasOwn(builtins, prefix + name) ? (builtins as unknown as Record<string, Callable>)[prefix + name] : undefined;

/** Nunjucks' Environment API over a Kida Environment (errors worded as Nunjucks words them). */
export class NunjucksEnvironmentView {
  constructor(
    private readonly env: ViewedEnvironment,
    /** Did the app add this filter/test (else Nunjucks' built-in of the name)? */
    private readonly isCustom: (kind: 'filters' | 'tests', name: string) => boolean,
  ) {}
  /** Nunjucks' `opts`, which some filters read (`this.env.opts.autoescape`). */
  get opts(): { autoescape: boolean; trimBlocks: boolean; lstripBlocks: boolean; throwOnUndefined: boolean } {
    const { autoescape, trimBlocks, lstripBlocks, throwOnUndefined } = this.env;
    return { autoescape: autoescape !== false, trimBlocks, lstripBlocks, throwOnUndefined };
  }
  getFilter(name: string): Callable {
    const f = this.isCustom('filters', name) ? this.env.filters[name] : builtin('nf_', name);
    if (!f) throw new Error(`filter not found: ${name}`);
    return f;
  }
  getTest(name: string): Callable {
    const t = this.isCustom('tests', name) ? this.env.tests[name] : builtin('nt_', name);
    if (!t) throw new Error(`test not found: ${name}`);
    return t;
  }
  getGlobal(name: string): unknown {
    if (!Object.hasOwn(this.env.globals, name)) throw new Error(`global not found: ${name}`);
    return this.env.globals[name];
  }
  addFilter(name: string, fn: Callable, async = false): this {
    this.env.addFilter(name, fn, async);
    return this;
  }
  addTest(name: string, fn: Callable): this {
    this.env.addTest(name, fn);
    return this;
  }
  addGlobal(name: string, value: unknown): this {
    this.env.addGlobal(name, value);
    return this;
  }
  getTemplate(name: string): { render(ctx?: Ctx): string } {
    const t = this.env.getTemplate(name);
    return { render: (ctx = {}) => t.render(ctx) };
  }
  render(name: string, ctx: Ctx = {}): string {
    return this.env.getTemplate(name).render(ctx);
  }
  renderString(source: string, ctx: Ctx = {}): string {
    return this.env.fromString(source).render(ctx);
  }
}
