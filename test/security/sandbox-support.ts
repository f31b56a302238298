// Helpers for the sandbox suites: every template is tried through each entry point, the root
// and (wrapped in a block) renderBlock's, since each has its own compiled body.
import { makeEnv } from '../support.js';
import { expectRefused, expectRenders, textOrError as attempt } from './every-way.js';

export type Policy = true | Record<string, unknown>;
type Ctx = Record<string, unknown>;

/** The text or the error of each way of rendering `src` (a fresh context each time: data may be mutated). */
export async function everyWay(src: string, ctx: () => Ctx = () => ({}), policy: Policy = true, templates: Record<string, string> = {}) {
  const env = makeEnv(templates, { sandbox: policy as never });
  const t = env.fromString(src);
  const b = env.fromString(`{% block b %}${src}{% end %}`);
  return {
    render: await attempt(() => t.render(ctx())),
    renderStream: await attempt(() => t.renderStream(ctx())),
    renderAsync: await attempt(() => t.renderAsync(ctx())),
    renderStreamAsync: await attempt(() => t.renderStreamAsync(ctx())),
    renderBlock: await attempt(() => b.renderBlock('b', ctx())),
    renderBlockStream: await attempt(() => b.renderBlockStream('b', ctx())),
    renderBlockAsync: await attempt(() => b.renderBlockAsync('b', ctx())),
  };
}

/** Every way of rendering fails with a SecurityError of `code`; returns the render() error. */
export async function refused(src: string, code: string, ctx: () => Ctx = () => ({}), policy: Policy = true, templates: Record<string, string> = {}) {
  return expectRefused(await everyWay(src, ctx, policy, templates), src, code);
}

/** Every way of rendering gives `want`. */
export async function renders(src: string, want: string, ctx: () => Ctx = () => ({}), policy: Policy = true, templates: Record<string, string> = {}) {
  expectRenders(await everyWay(src, ctx, policy, templates), src, want);
}
