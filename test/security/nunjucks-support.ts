// Helpers for the Nunjucks-mode security suites (nunjucks-*.test.ts): a template is tried
// through every entry point of `compat: 'nunjucks'` — the Environment's render, renderStream,
// renderAsync, renderStreamAsync, renderBlock (wrapped in a block) and kida/nunjucks'
// renderString, returned and through its Node-style callback.
import { expect } from 'vitest';
import { DictLoader, Environment, type EnvironmentOptions } from '../../compiler/environment.js';
import * as njk from '../../adapters/nunjucks.js';

export type Policy = boolean | Record<string, unknown>;
type Ctx = Record<string, unknown>;

export function njkEnv(options: EnvironmentOptions = {}, templates: Record<string, string> = {}): Environment {
  return new Environment({ loader: new DictLoader(templates), compat: 'nunjucks', ...options });
}

async function attempt(f: () => unknown): Promise<string | Error> {
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
}

/** The text or the error of each way of rendering `src` (a fresh context each time: data may be mutated). */
export async function everyWay(src: string, ctx: () => Ctx = () => ({}), sandbox: Policy = true, templates: Record<string, string> = {}) {
  const env = njkEnv(sandbox ? { sandbox: sandbox as never } : {}, templates);
  const t = env.fromString(src);
  const b = env.fromString(`{% block b %}${src}{% endblock %}`);
  const adapter = new njk.Environment(new DictLoader(templates), { sandbox: sandbox as never });
  return {
    render: await attempt(() => t.render(ctx())),
    renderStream: await attempt(() => t.renderStream(ctx())),
    renderAsync: await attempt(() => t.renderAsync(ctx())),
    renderStreamAsync: await attempt(() => t.renderStreamAsync(ctx())),
    renderBlock: await attempt(() => b.renderBlock('b', ctx())),
    'kida/nunjucks renderString': await attempt(() => adapter.renderString(src, ctx())),
    'kida/nunjucks callback': await attempt(
      () => new Promise((ok, no) => adapter.renderString(src, ctx(), (err, res) => (err ? no(err) : ok(res)))),
    ),
  };
}

/** Every way of rendering fails with a SecurityError of `code`; returns the render() error. */
export async function refused(src: string, code: string, ctx: () => Ctx = () => ({}), sandbox: Policy = true, templates: Record<string, string> = {}) {
  const all = await everyWay(src, ctx, sandbox, templates);
  for (const [way, r] of Object.entries(all)) {
    expect(r, `${way} of ${src}`).toBeInstanceOf(Error);
    expect((r as Error).name, `${way} of ${src}: ${(r as Error).message}`).toBe('SecurityError');
    expect((r as { code?: string }).code, `${way} of ${src}`).toBe(code);
  }
  return all.render as Error;
}

/** Every way of rendering gives `want`. */
export async function renders(src: string, want: string, ctx: () => Ctx = () => ({}), sandbox: Policy = true, templates: Record<string, string> = {}) {
  const all = await everyWay(src, ctx, sandbox, templates);
  for (const [way, r] of Object.entries(all)) {
    if (r instanceof Error) throw new Error(`${way} of ${src} failed: ${r.message}`);
    expect(r, `${way} of ${src}`).toBe(want);
  }
}
