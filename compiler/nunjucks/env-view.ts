// `this.env` of an app's filters and functions under a plain Environment with compat 'nunjucks'
// (kida/nunjucks puts its own Environment there): what filters written for Nunjucks call of it.
// nhsuk-frontend's highlight filter calls getFilter('safe'), its getComponentHTML renderString.
import * as builtins from '../../runtime/nunjucks/filters.js';
import type { Callable } from '../../runtime/linkage.js';
import type { Ctx } from '../../runtime/template.js';
import type { Environment } from '../environment.js';

const builtin = (name: string): Callable | undefined => (Object.hasOwn(builtins, name) ? (builtins as unknown as Record<string, Callable>)[name] : undefined);

// Nunjucks' Environment#getFilter/getTest/getGlobal, for this view and kida/nunjucks' Environment:
// the app's (`custom`), else Nunjucks' built-in; errors worded as Nunjucks words them.
export function njkGetFilter(name: string, custom: Callable | undefined): Callable {
  const f = custom ?? builtin(`nf_${name}`);
  if (!f) throw new Error(`filter not found: ${name}`);
  return f;
}
export function njkGetTest(name: string, custom: Callable | undefined): Callable {
  const t = custom ?? builtin(`nt_${name}`);
  if (!t) throw new Error(`test not found: ${name}`);
  return t;
}
export function njkGetGlobal(globals: Ctx, name: string): unknown {
  if (!Object.hasOwn(globals, name)) throw new Error(`global not found: ${name}`);
  return globals[name];
}

/** Nunjucks' Environment API over a Kida Environment (errors worded as Nunjucks words them). */
// (the Environment and the predicate in # fields: a template handed the view by an app's function
// reads only Nunjucks' API through it, not `view.env.loader`, `addGlobal` or `fromString`)
export class NunjucksEnvironmentView {
  readonly #env: Environment;
  /** Did the app add this filter/test (else Nunjucks' built-in)? */
  readonly #isCustom: (kind: 'filters' | 'tests', name: string) => boolean;
  constructor(env: Environment, isCustom: (kind: 'filters' | 'tests', name: string) => boolean) {
    this.#env = env;
    this.#isCustom = isCustom;
  }
  get opts(): { autoescape: boolean; trimBlocks: boolean; lstripBlocks: boolean; throwOnUndefined: boolean } {
    const { autoescape, trimBlocks, lstripBlocks, throwOnUndefined } = this.#env;
    return { autoescape: autoescape !== false, trimBlocks, lstripBlocks, throwOnUndefined };
  }
  getFilter(name: string): Callable {
    return njkGetFilter(name, this.#isCustom('filters', name) ? this.#env.filters[name] : undefined);
  }
  getTest(name: string): Callable {
    return njkGetTest(name, this.#isCustom('tests', name) ? this.#env.tests[name] : undefined);
  }
  getGlobal(name: string): unknown {
    return njkGetGlobal(this.#env.globals, name);
  }
  getTemplate(name: string): { render(ctx?: Ctx): string } {
    const t = this.#env.getTemplate(name);
    return { render: (ctx = {}) => t.render(ctx) };
  }
  render(name: string, ctx: Ctx = {}): string {
    return this.#env.getTemplate(name).render(ctx);
  }
  renderString(source: string, ctx: Ctx = {}): string {
    return this.#env.nunjucksFromString(source).render(ctx);
  }
}
