// Issue #19 §1, red team: promises nested in the data (`{ d: { e: fetch() } }`, a list of them),
// not only the top-level values, must never become unhandled rejections. An async template may
// await one after it rejected (observeDeep at the start of its render); a sync template, or
// Nunjucks mode, may print one ("[object Promise]", as JavaScript and Nunjucks do) and drop it.
import { describe, expect, it } from 'vitest';
import { DictLoader, Environment } from '../../compiler/environment.js';
import { expectNoUnhandledRejections } from '../support.js';

expectNoUnhandledRejections();
const later = <T>(v: T, ms: number) => new Promise<T>((r) => setTimeout(() => r(v), ms));
const failLater = (m: string, ms = 2) => new Promise((_, no) => setTimeout(() => no(new Error(m)), ms));

const kida = new Environment({ loader: new DictLoader({}) });
const njk = new Environment({ compat: 'nunjucks', loader: new DictLoader({}) });

/** Every async entry point of `src` (and its block twin) with a fresh context; the text or the error message. */
async function asyncWays(env: Environment, src: string, ctx: () => Record<string, unknown>, block = '{% block b %}{0}{% end %}') {
  const t = env.fromString(src);
  const b = env.fromString(block.replace('{0}', src));
  const out: string[] = [];
  const run = async (f: () => Promise<string> | AsyncIterable<string>) => {
    try {
      const r = f();
      if (r instanceof Promise) out.push(await r);
      else {
        let s = '';
        for await (const c of r) s += c;
        out.push(s);
      }
    } catch (e) {
      out.push('error: ' + String((e as Error).message).split('\n')[0]);
    }
  };
  await run(() => t.renderAsync(ctx()));
  await run(() => t.renderStreamAsync(ctx()));
  await run(() => b.renderBlockAsync('b', ctx()));
  return out;
}

describe('promises nested in the data of an async template', () => {
  it('one in a dict rejects before the template awaits it: an error of the render, not of the process', async () => {
    const out = await asyncWays(kida, '{{ await slow }}{{ await d.e }}', () => ({ slow: later('s', 20), d: { e: failLater('d.e') } }));
    for (const o of out) expect(o).toMatch(/^error: .*d\.e/);
  });
  it('items of a list, a Map and a Set, at any depth; cycles are walked once', async () => {
    const ctx = () => {
      const cyc: Record<string, unknown> = { p: failLater('cycle') };
      cyc.self = cyc;
      return {
        slow: later('s', 20),
        ps: [later(1, 1), failLater('ps[1]')],
        m: new Map([['k', [{ deep: failLater('map deep') }]]]),
        s: new Set([failLater('set')]),
        cyc,
      };
    };
    // (the template names each of them: promises under a name no template reads are the host's own)
    const out = await asyncWays(kida, '{{ await slow }}{% for p in ps %}{{ await p }}{% endfor %}{{ m|length }}{{ s|length }}{{ cyc.self }}', ctx);
    for (const o of out) expect(o).toMatch(/^error: .*ps\[1\]/);
  });
  it('an early return() of the stream leaves no nested rejection unhandled', async () => {
    const t = kida.fromString('a{{ await slow }}{{ await d.e }}');
    const it = t.renderStreamAsync({ slow: later('s', 20), d: { e: failLater('after return', 5) } })[Symbol.asyncIterator]();
    await it.return(undefined);
  });
});

describe('a promise a template prints', () => {
  it('Kida, sync template through every entry point: [object Promise], observed', async () => {
    const ctx = () => ({ d: { e: failLater('printed kida') } });
    const src = '{{ d.e }}|{{ [d.e] }}|{{ d.e ~ "" }}|{{ d|tojson }}';
    const t = kida.fromString(src);
    expect(t.render(ctx())).toBe('[object Promise]|[[object Promise]]|[object Promise]|{"e": "[object Promise]"}');
    expect([...t.renderStream(ctx())].join('')).toContain('[object Promise]');
    for (const o of await asyncWays(kida, src, ctx)) expect(o).toContain('[object Promise]');
  });
  it('Nunjucks mode: [object Promise] as in Nunjucks, observed', async () => {
    const ctx = () => ({ d: { e: failLater('printed njk') }, l: [failLater('printed njk list')] });
    for (const o of await asyncWays(njk, '{{ d.e }}|{{ l }}', ctx, '{% block b %}{0}{% endblock %}')) expect(o).toBe('[object Promise]|[object Promise]');
  });
});
