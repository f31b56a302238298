// Helpers for the sandbox suites: every template is tried through each entry point, the root
// and (wrapped in a block) renderBlock's, since each has its own compiled body.
import { expect } from 'vitest';
import { makeEnv } from '../support.js';

export type Policy = true | Record<string, unknown>;
type Ctx = Record<string, unknown>;

/** The text or the error of each way of rendering `src` (a fresh context each time: data may be mutated). */
export async function everyWay(src: string, ctx: () => Ctx = () => ({}), policy: Policy = true, templates: Record<string, string> = {}) {
  const env = makeEnv(templates, { sandbox: policy as never });
  const t = env.fromString(src);
  const b = env.fromString(`{% block b %}${src}{% end %}`);
  const attempt = async (f: () => unknown): Promise<string | Error> => {
    try {
      const r = await f();
      if (typeof r === 'string') return r;
      let out = '';
      if (r && typeof r === 'object' && Symbol.asyncIterator in r) for await (const c of r as AsyncIterable<string>) out += c;
      else for (const c of r as Iterable<string>) out += c;
      return out;
    } catch (e) {
      return e as Error;
    }
  };
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
  const all = await everyWay(src, ctx, policy, templates);
  for (const [way, r] of Object.entries(all)) {
    expect(r, `${way} of ${src}`).toBeInstanceOf(Error);
    expect((r as Error).name, `${way} of ${src}: ${(r as Error).message}`).toBe('SecurityError');
    expect((r as { code?: string }).code, `${way} of ${src}`).toBe(code);
  }
  return all.render as Error;
}

/** Every way of rendering gives `want`. */
export async function renders(src: string, want: string, ctx: () => Ctx = () => ({}), policy: Policy = true, templates: Record<string, string> = {}) {
  const all = await everyWay(src, ctx, policy, templates);
  for (const [way, r] of Object.entries(all)) {
    if (r instanceof Error) throw new Error(`${way} of ${src} failed: ${r.message}`);
    expect(r, `${way} of ${src}`).toBe(want);
  }
}
