// Helpers for the Nunjucks-mode security suites (nunjucks-*.test.ts): a template is tried
// through every entry point of `compat: 'nunjucks'` — the Environment's render, renderStream,
// renderAsync, renderStreamAsync, renderBlock (wrapped in a block) and kida/nunjucks'
// renderString, returned and through its Node-style callback.
import { DictLoader, Environment, type EnvironmentOptions } from '../../compiler/environment.js';
import * as njk from '../../adapters/nunjucks.js';
import { expectRefused, expectRenders, textOrError as attempt } from './every-way.js';

export type Policy = boolean | Record<string, unknown>;
type Ctx = Record<string, unknown>;

export function njkEnv(options: EnvironmentOptions = {}, templates: Record<string, string> = {}): Environment {
  return new Environment({ loader: new DictLoader(templates), compat: 'nunjucks', ...options });
}

/** The text or the error of each way of rendering `src` (a fresh context each time: data may be mutated). */
export async function everyWay(src: string, ctx: () => Ctx = () => ({}), sandbox: Policy = true, templates: Record<string, string> = {}) {
  const env = njkEnv(sandbox ? { sandbox: sandbox as never } : {}, templates);
  const t = env.fromString(src);
  // (a block name of its own: Nunjucks refuses two blocks of one name, and templates here use `b`)
  const b = env.fromString(`{% block wayblock %}${src}{% endblock %}`);
  const adapter = new njk.Environment(new DictLoader(templates), { sandbox: sandbox as never });
  return {
    render: await attempt(() => t.render(ctx())),
    renderStream: await attempt(() => t.renderStream(ctx())),
    renderAsync: await attempt(() => t.renderAsync(ctx())),
    renderStreamAsync: await attempt(() => t.renderStreamAsync(ctx())),
    renderBlock: await attempt(() => b.renderBlock('wayblock', ctx())),
    'kida/nunjucks renderString': await attempt(() => adapter.renderString(src, ctx())),
    'kida/nunjucks callback': await attempt(
      () => new Promise((ok, no) => adapter.renderString(src, ctx(), (err, res) => (err ? no(err) : ok(res)))),
    ),
  };
}

/** Every way of rendering fails with a SecurityError of `code`; returns the render() error. */
export async function refused(src: string, code: string, ctx: () => Ctx = () => ({}), sandbox: Policy = true, templates: Record<string, string> = {}) {
  return expectRefused(await everyWay(src, ctx, sandbox, templates), src, code);
}

/** Every way of rendering gives `want`. */
export async function renders(src: string, want: string, ctx: () => Ctx = () => ({}), sandbox: Policy = true, templates: Record<string, string> = {}) {
  expectRenders(await everyWay(src, ctx, sandbox, templates), src, want);
}
