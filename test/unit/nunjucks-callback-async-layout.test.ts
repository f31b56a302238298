// kida/nunjucks' render and renderString with a callback, on a page that is not async itself but
// extends or includes one that is (a layout using an extension's async tag, as Fractal's
// `{% render '@handle' %}` in uswds' base layout). Nunjucks renders such a page through the
// callback; the sync-first path here used to pass on the layout's "is async" refusal instead.
import nunjucks from 'nunjucks';
import { describe, expect, it } from 'vitest';
import knj from '../../dist/adapters/nunjucks.js';

/** An async tag as Fractal's adapter writes one: `{% shout "x" %}`, its result called back later. */
const shout = (SafeString: new (s: string) => unknown) => ({
  tags: ['shout'],
  parse(parser: any, nodes: any) {
    const tok = parser.nextToken();
    const args = parser.parseSignature(null, true);
    parser.advanceAfterBlockEnd(tok.value);
    return new nodes.CallExtensionAsync(this, 'run', args);
  },
  run(_ctx: unknown, text: string, cb: (e: Error | null, r?: unknown) => void) {
    setTimeout(() => cb(null, new SafeString(`<b>${String(text).toUpperCase()}</b>`)), 1);
  },
});

const templates: Record<string, string> = {
  'layout.njk': '<main>{% shout who %}{% block body %}{% endblock %}</main>',
  'page.njk': '{% extends "layout.njk" %}{% block body %}<p>{{ who }}</p>{% endblock %}',
  'inc.njk': '[{% include "part.njk" %}]',
  'part.njk': '{% shout "part" %}',
  'plain.njk': '{{ who }}',
};

function envs() {
  const Loader = (nunjucks.Loader as any).extend({ getSource: (n: string) => (n in templates ? { src: templates[n], path: n, noCache: true } : null) });
  const njk = new nunjucks.Environment(new Loader());
  njk.addExtension('shout', shout(nunjucks.runtime.SafeString as any));
  const ours = new knj.Environment(new Loader());
  ours.addExtension('shout', shout(knj.runtime.SafeString as any));
  return { njk, ours };
}
const viaCallback = (f: (cb: (e: Error | null, r?: string) => void) => unknown) =>
  new Promise<string>((res, rej) => f((e, r) => (e ? rej(e) : res(r!))));

describe('kida/nunjucks with a callback: a page reaching an async template', () => {
  it.each([['page.njk'], ['inc.njk'], ['plain.njk']])('%s renders as Nunjucks renders it (render and renderString)', async (name) => {
    const { njk, ours } = envs();
    const ctx = { who: 'a<b' };
    const want = await viaCallback((cb) => njk.render(name, ctx, cb));
    expect(await viaCallback((cb) => ours.render(name, ctx, cb))).toBe(want);
    expect(await viaCallback((cb) => ours.renderString(templates[name]!, ctx, cb))).toBe(want);
  });

  it('without a callback the refusal still says how to render it', () => {
    const { ours } = envs();
    expect(() => ours.render('page.njk', { who: 'x' })).toThrow(/async/);
  });

  it('a sync page with a callback still calls back once, with its errors', async () => {
    const { ours } = envs();
    let calls = 0;
    const err = await new Promise<Error | null>((res) => ours.renderString('{{ x.y.z() }}', {}, (e: Error | null) => (calls++, res(e))));
    expect(err).toBeInstanceOf(Error);
    await new Promise((r) => setTimeout(r, 5));
    expect(calls).toBe(1);
  });
});
