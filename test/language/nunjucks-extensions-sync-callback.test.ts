// Two things Eleventy plugins' custom tags rely on (found rendering eleventy-plugin-seo, the
// eighth held-out pass): a template whose CallExtensionAsync tags call back before they return
// renders without a callback too (Nunjucks' render(ctx) runs its callback chain synchronously:
// the plugin's tags render their templates with `context.env.renderString(src, ctx)`), and
// `context.ctx` is an object whose keys are the data's and the template's top-level names
// (`{ ...context.ctx, extra }`, `Object.keys(context.ctx)`). Each case against Nunjucks 3.2.4.
import fc from 'fast-check';
import nunjucks from 'nunjucks';
import { describe, expect, it } from 'vitest';
import kidaNunjucks from '../../adapters/nunjucks.js';
import { Environment } from '../../compiler/environment.js';

type Cb = (err: Error | null, res?: unknown) => void;
type Parser = { nextToken(): { value: string }; parseSignature(t: boolean | null, n: boolean): unknown; advanceAfterBlockEnd(n?: string): void; parseUntilBlocks(...n: string[]): unknown };
type Nodes = Record<string, new (...a: unknown[]) => unknown>;
type Context = { ctx: Record<string, unknown>; env: { renderString(src: string, ctx: unknown, cb?: Cb): string } };
type AnyEnv = { addExtension(name: string, ext: object): void };

/** A tag `{% name args %}` (or paired, with a body) whose `run(context, args…, [body,] cb)` is `fn`. */
function tag(name: string, paired: boolean, fn: (context: Context, args: unknown[], body: ((cb: Cb) => void) | null, cb: Cb) => void) {
  return {
    tags: [name],
    parse(this: object, parser: Parser, nodes: Nodes) {
      const tok = parser.nextToken();
      const args = parser.parseSignature(null, true);
      parser.advanceAfterBlockEnd(tok.value);
      if (!paired) return new nodes.CallExtensionAsync!(this, 'run', args);
      const body = parser.parseUntilBlocks(`end${name}`);
      parser.advanceAfterBlockEnd();
      return new nodes.CallExtensionAsync!(this, 'run', args, [body]);
    },
    run(...all: unknown[]) {
      const cb = all.pop() as Cb;
      const body = paired ? (all.pop() as (cb: Cb) => void) : null;
      const [context, ...args] = all as [Context, ...unknown[]];
      fn(context, args, body, cb);
    },
  };
}
const safe = (s: string) => new nunjucks.runtime.SafeString(s);
/** The tags, as seo-like plugins write them: calling back at once, rendering with env.renderString. */
function addTags(env: AnyEnv): void {
  // (a template of its own rendered with the page's context, its tags nested)
  env.addExtension('head', tag('head', false, (c, _a, _b, cb) => cb(null, safe(c.env.renderString('<title>{% title "" %}</title>{{ page.url }}', c.ctx)))));
  env.addExtension('title', tag('title', false, (c, _a, _b, cb) => cb(null, safe(String(c.ctx.title ?? 'Site')))));
  // (the context spread into new data, as eleventy-plugin-seo's openGraph does)
  env.addExtension('og', tag('og', false, (c, _a, _b, cb) => cb(null, safe(c.env.renderString('{{ kind }}:{{ title }}@{{ page.url }}', { ...c.ctx, kind: 'article' })))));
  env.addExtension('keys', tag('keys', false, (c, _a, _b, cb) => cb(null, Object.keys(c.ctx).sort().join(','))));
  // (paired: the body called back at once)
  env.addExtension('box', tag('box', true, (_c, args, body, cb) => body!((e, text) => (e ? cb(e) : cb(null, safe(`<div class="${String(args[0])}">${String(text)}</div>`))))));
}
const late = tag('late', false, (_c, _a, _b, cb) => void setTimeout(() => cb(null, 'late'), 1));

function engines() {
  const njk = new nunjucks.Environment();
  const api = new kidaNunjucks.Environment();
  const env = new Environment({ compat: 'nunjucks' });
  for (const e of [njk, api, env] as AnyEnv[]) addTags(e);
  return {
    nunjucks: (src: string, data: object) => njk.renderString(src, data),
    api: (src: string, data: object) => api.renderString(src, data) as string,
    env: (src: string, data: object) => env.fromString(src).render(data),
    envAsync: (src: string, data: object) => env.fromString(src).renderAsync(data),
  };
}

const CASES: [string, object][] = [
  ['{% head "" %}', { page: { url: '/a/' }, title: 'A & B' }],
  ['{% og "" %}', { page: { url: '/b/' }, title: '<T>' }],
  ['{% keys "" %}', { page: 1, title: 2, zeta: 3 }],
  ['{% set top = 1 %}{% keys "" %}', { a: 1 }],
  ['{% for x in xs %}{% keys "" %}{% endfor %}', { xs: [1] }],
  ['{% box "note" %}<b>{{ t }}</b>{% head "" %}{% endbox %}', { t: 'x<y', page: { url: '/c/' } }],
  ['{% macro m() %}{% title "" %}{% endmacro %}[{{ m() }}]', { title: 'in macro' }],
];

describe('CallExtensionAsync tags that call back at once, rendered without a callback', () => {
  it.each(CASES)('%s renders as Nunjucks renders it (Environment render, kida/nunjucks renderString), and as renderAsync does', async (src, data) => {
    const e = engines();
    const want = e.nunjucks(src, data);
    expect(e.env(src, data)).toBe(want);
    expect(e.api(src, data)).toBe(want);
    expect(await e.envAsync(src, data)).toBe(want);
  });

  it('any data: the context keys and a nested render match Nunjucks (fast-check)', () => {
    const e = engines();
    const key = fc.stringMatching(/^[a-z][a-z0-9_]{0,6}$/).filter((k) => !['page', 'title', 'kind'].includes(k));
    fc.assert(
      fc.property(fc.dictionary(key, fc.oneof(fc.string(), fc.integer())), fc.string(), fc.string(), (rest, title, url) => {
        const data = { ...rest, title, page: { url } };
        for (const src of ['{% keys "" %}', '{% head "" %}', '{% og "" %}|{% box "k" %}{{ title }}{% endbox %}']) expect(e.env(src, data)).toBe(e.nunjucks(src, data));
      }),
      { numRuns: 150 },
    );
  });

  it('a tag that calls back later is an error saying how to render (Nunjucks returns nothing)', async () => {
    const env = new Environment({ compat: 'nunjucks' });
    env.addExtension('late', late);
    const t = env.fromString('a{% late %}b');
    expect(() => t.render({})).toThrow(/'late' did not call back during a synchronous render/);
    expect(await t.renderAsync({})).toBe('alateb');
    const api = new kidaNunjucks.Environment();
    api.addExtension('late', late);
    expect(() => api.renderString('a{% late %}b', {})).toThrow(/did not call back/);
  });

  it('an async filter still needs a callback (the twin stays async: the usual error)', () => {
    const env = new Environment({ compat: 'nunjucks' });
    addTags(env as AnyEnv);
    env.addFilter('slow', (v: unknown) => Promise.resolve(v), true);
    expect(() => env.fromString('{% title "" %}{{ 1 | slow }}').render({})).toThrow(/is async \(/);
    const api = new kidaNunjucks.Environment();
    api.addFilter('slow', (v: unknown, cb: Cb) => cb(null, v), true);
    expect(() => api.renderString('{{ 1 | slow }}', {})).toThrow(/async filter .* or an async tag: render it with a callback/);
  });

  it('context.ctx holds no globals and no Object.prototype names, as Nunjucks\u2019 does', () => {
    const e = engines();
    expect(e.env('{% keys "" %}', { b: 1, a: 2 })).toBe('a,b');
    expect(e.nunjucks('{% keys "" %}', { b: 1, a: 2 })).toBe('a,b');
  });
});

// renderString's compiled templates are kept by source (Environment#nunjucksFromString): what a
// tag rendering its own template on every page costs. Kept out of sight: the output is what a fresh
// compile gives, also after the environment changes.
describe('renderString of the same source again', () => {
  it('renders each time as Nunjucks does, whatever the data (fast-check)', () => {
    const njk = new nunjucks.Environment();
    const api = new kidaNunjucks.Environment();
    const sources = ['{{ a }}-{{ b }}', '{% for x in xs %}{{ x }},{% endfor %}', '{% set y = a ~ b %}{{ y | upper }}', '{% if a %}A{% else %}B{% endif %}'];
    fc.assert(
      fc.property(fc.constantFrom(...sources), fc.string(), fc.string(), fc.array(fc.integer(), { maxLength: 3 }), (src, a, b, xs) => {
        const data = { a, b, xs };
        const want = njk.renderString(src, data);
        expect(api.renderString(src, data)).toBe(want);
        expect(api.renderString(src, data)).toBe(want);
      }),
      { numRuns: 200 },
    );
  });

  it('sees a filter, test or extension added after it was first rendered (the kept templates are dropped)', () => {
    const api = new kidaNunjucks.Environment();
    const src = '{{ "x" | twice }}{% if 2 is even2 %}E{% endif %}';
    expect(() => api.renderString(src, {})).toThrow();
    api.addFilter('twice', (s: string) => s + s);
    api.addTest('even2', (n: number) => n % 2 === 0);
    expect(api.renderString(src, {})).toBe('xxE');
    api.addFilter('twice', (s: string) => `${s}${s}${s}`);
    expect(api.renderString(src, {})).toBe('xxxE');
    const tagSrc = 'a{% title "" %}b';
    expect(() => api.renderString(tagSrc, {})).toThrow();
    addTags(api as unknown as AnyEnv);
    expect(api.renderString(tagSrc, { title: 'T' })).toBe('aTb');
  });

  it('through a tag: the context env\u2019s renderString (the Environment\u2019s view) renders the same source for many pages', () => {
    const e = engines();
    for (let i = 0; i < 300; i++) {
      const data = { page: { url: `/p${i}/` }, title: `T${i % 7}` };
      expect(e.env('{% head "" %}', data)).toBe(e.nunjucks('{% head "" %}', data));
    }
  });
});
