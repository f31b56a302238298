// Nunjucks extensions returning `nodes.CallExtensionAsync` (compiler/nunjucks/extensions.ts):
// the method gets a trailing `(err, result)` callback and the template awaits it. The
// extension below is written the way Eleventy writes its async and paired shortcodes (the most
// common asynchronous extensions in real sites): each case is rendered by Nunjucks 3.2.4 and by
// ours through kida/nunjucks' callback and the Environment's renderAsync, renderStreamAsync and
// renderBlockAsync.
import nunjucks from 'nunjucks';
import { describe, expect, it } from 'vitest';
import kidaNunjucks, { SafeString } from '../../adapters/nunjucks.js';
import { Environment } from '../../compiler/environment.js';

type Cb = (err: Error | null, res?: unknown) => void;
type Parser = { nextToken(): { value: string }; parseSignature(t: boolean, n: boolean): { children: unknown[]; addChild(x: unknown): void }; advanceAfterBlockEnd(n?: string): void; parseUntilBlocks(...n: string[]): unknown };
type Nodes = Record<string, new (...a: unknown[]) => unknown>;
type Ctx = { ctx: Record<string, unknown> };

/** Eleventy's shortcode extension: `{% name args %}` or, paired, `{% name args %}body{% endname %}`; `fn` returns a promise. */
function shortcode(Safe: new (s: string) => unknown, name: string, fn: (this: Ctx, ...a: unknown[]) => Promise<string>, paired: boolean) {
  return {
    tags: [name],
    parse(this: object, parser: Parser, nodes: Nodes) {
      const tok = parser.nextToken();
      const args = parser.parseSignature(true, true);
      if (args.children.length === 0) args.addChild(new nodes.Literal!(0, 0, ''));
      parser.advanceAfterBlockEnd(tok.value);
      if (!paired) return new nodes.CallExtensionAsync!(this, 'runAsync', args);
      const body = parser.parseUntilBlocks(`end${name}`);
      parser.advanceAfterBlockEnd();
      return new nodes.CallExtensionAsync!(this, 'runAsync', args, [body]);
    },
    runAsync(...args: unknown[]) {
      const resolve = args.pop() as Cb;
      if (!paired) {
        const [context, ...rest] = args as [Ctx, ...unknown[]];
        fn.call(context, ...rest).then((v) => resolve(null, new Safe(v)), (e: Error) => resolve(e));
        return;
      }
      const body = args.pop() as (cb: Cb) => void;
      const [context, ...rest] = args as [Ctx, ...unknown[]];
      body((e, content) => {
        if (e) return resolve(e);
        fn.call(context, content, ...rest).then((v) => resolve(null, new Safe(v)), (err: Error) => resolve(err));
      });
    },
  };
}
const later = <T>(v: T, ms = 2) => new Promise<T>((ok) => setTimeout(() => ok(v), ms));
const EXTS = (Safe: new (s: string) => unknown) => ({
  img: shortcode(Safe, 'img', function (src, alt) {
    return later(`<img src="${String(src)}" alt="${String(alt ?? '')}" data-page="${String(this.ctx.page ?? '')}">`, 3);
  }, false),
  card: shortcode(Safe, 'card', (content, title) => later(`<section><h2>${String(title)}</h2>${String(content)}</section>`, 1), true),
  fails: shortcode(Safe, 'fails', () => Promise.reject(new Error('shortcode failed')), false),
  // an extension whose result is not escaped although it is a plain string (autoescape false)
  plain: Object.assign(shortcode(Safe, 'plain', (s) => later(`<i>${String(s)}</i>`), false), { autoescape: false }),
});

const CASES = [
  '{% img "a.png", "A <cat>" %}',
  'x{% img "b.png" %}y{% for p in pages %}[{% img p %}]{% endfor %}',
  '{% card "T&" %}<p>{{ who }}</p>{% img "in.png" %}{% endcard %}',
  '{% set page = "set" %}{% img "c.png" %}{% if true %}{% card who %}{% card "in" %}deep{% endcard %}{% endcard %}{% endif %}',
  '{% asyncEach p in pages %}{% img p, loop.index %}{% endeach %}|{% asyncAll p in pages %}{% card p %}{{ p }}{% endcard %}{% endall %}',
];

function kidaEnv(): Environment {
  const env = new Environment({ compat: 'nunjucks' });
  for (const [name, ext] of Object.entries(EXTS(SafeString))) env.addExtension(name, ext as never);
  return env;
}
const cbRender = (env: { renderString(s: string, c: object, cb: Cb): unknown }, src: string, ctx: object) =>
  new Promise<string>((ok) => env.renderString(src, ctx, (e, r) => ok(e ? `ERR ${e.message}` : String(r))));

describe('CallExtensionAsync (Eleventy-style async and paired shortcodes)', () => {
  const njk = new nunjucks.Environment(null, { autoescape: true });
  const api = new kidaNunjucks.Environment(null);
  for (const [name, ext] of Object.entries(EXTS(nunjucks.runtime.SafeString as never))) njk.addExtension(name, ext as never);
  for (const [name, ext] of Object.entries(EXTS(SafeString))) api.addExtension(name, ext as never);
  const ctx = { who: '<w>', page: 'home', pages: ['p1.png', 'p<2>.png'] };

  it.each(CASES)('%s renders as in Nunjucks', async (src) => {
    const want = await cbRender(njk, src, ctx);
    expect(want).not.toMatch(/^ERR/);
    expect(await cbRender(api, src, ctx)).toBe(want);
    const env = kidaEnv();
    expect(await env.fromString(src).renderAsync(ctx)).toBe(want);
    let streamed = '';
    for await (const c of env.fromString(src).renderStreamAsync(ctx)) streamed += c;
    expect(streamed).toBe(want);
    // (Nunjucks' own rendering of the block: a `set` in a block is the block frame's, not the context an extension reads)
    const inBlock = `{% block b %}${src}{% endblock %}`;
    expect(await env.fromString(inBlock).renderBlockAsync('b', ctx)).toBe(await cbRender(njk, inBlock, ctx));
  });
  it('an extension with autoescape false outputs its plain string unescaped, as Nunjucks does', async () => {
    const want = await cbRender(njk, '{% plain "<b>" %}', {});
    expect(want).toBe('<i><b></i>');
    expect(await cbRender(api, '{% plain "<b>" %}', {})).toBe(want);
  });
  it('an error given to the callback, or thrown by the method, fails the render with it', async () => {
    expect(await cbRender(njk, 'a{% fails %}', {})).toMatch(/shortcode failed/);
    expect(await cbRender(api, 'a{% fails %}', {})).toMatch(/^ERR [^]*shortcode failed/);
    const env = kidaEnv();
    env.addExtension('throws', { tags: ['throws'], parse(this: object, p: Parser, n: Nodes) { p.nextToken(); p.advanceAfterBlockEnd(); return new n.CallExtensionAsync!(this, 'go', null); }, go() { throw new Error('sync throw'); } } as never);
    await expect(env.fromString('{% throws %}').renderAsync({})).rejects.toThrow(/sync throw/);
  });
  it('render() without a callback: a tag that calls back later is an error naming it and saying how to render (Nunjucks returns nothing)', () => {
    expect(() => kidaEnv().fromString('\n{% img "a" %}').render({})).toThrow(/async extension 'img' did not call back during a synchronous render[^]*renderAsync[^]*<template>:2/);
    expect(() => api.renderString('{% img "a" %}', {})).toThrow(/'img' did not call back[^]*render with a callback/);
  });
});

describe('context.setVariable and context.ctx writes (an extension setting a template variable)', () => {
  const setvar = () => ({
    tags: ['setvar', 'assign'],
    parse(this: object, parser: Parser, nodes: Nodes) {
      const tok = parser.nextToken();
      const args = parser.parseSignature(true, true);
      parser.advanceAfterBlockEnd(tok.value);
      return new nodes.CallExtension!(this, tok.value, args);
    },
    setvar(context: { setVariable(k: string, v: unknown): void }, k: string, v: unknown) {
      context.setVariable(k, v);
      return '';
    },
    assign(context: Ctx & { lookup(k: string): unknown; getVariables(): Record<string, unknown> }, k: string, v: unknown) {
      context.ctx[k] = v;
      return `${String(context.lookup(k))}/${String(context.getVariables()[k])}`;
    },
  });
  const templates = { 'inc.njk': '[inc {{ name }}]{% setvar "fromInc", 1 %}' };
  const CASES: [string, Record<string, unknown>][] = [
    ['{% setvar "name", "<v>" %}{{ name }}', {}],
    ['{{ name }}{% setvar "name", 2 %}{{ name }}|{{ data.name }}', { name: 1, data: { name: 'd' } }],
    ['{% for i in [1, 2] %}{% setvar "n", i %}{{ n }}{% endfor %}{{ n }}', {}],
    ['{% if true %}{% setvar "q", 3 %}{% endif %}{{ q }}', {}],
    ['{% setvar "name", "x" %}{% include "inc.njk" %}[{{ fromInc }}]', {}],
    ['{% macro m() %}({{ name }}){% endmacro %}{% setvar "name", "x" %}{{ m() }}', {}],
    ['{% assign "a", 5 %}{{ a }}', {}],
    // (from a macro: the template's context, which the macros read; a frame holding the name keeps its value)
    ['{% macro m() %}{% setvar "x", 2 %}[{{ x }}]{% endmacro %}{{ m() }}{{ x }}', {}],
    ['{% set x = 1 %}{% macro m() %}{% setvar "x", 2 %}[{{ x }}]{% endmacro %}{{ m() }}{{ x }}{% macro r() %}{{ x }}{% endmacro %}{{ r() }}', {}],
    ['{% set x = 1 %}{% setvar "x", 2 %}{{ x }}{% macro r() %}{{ x }}{% endmacro %}{{ r() }}', {}],
    ['{% macro m() %}{% set x = 0 %}{% setvar "x", 2 %}[{{ x }}]{% endmacro %}{{ m() }}{{ x }}', {}],
    ['{% macro m(x) %}{% setvar "x", 2 %}[{{ x }}]{% endmacro %}{{ m(1) }}{{ x }}', {}],
    ['{% set x = 1 %}{% for i in [1] %}{% setvar "x", 5 %}{{ x }}{% endfor %}{{ x }}', {}],
    ['{% macro m() %}{% setvar "x", 2 %}{% endmacro %}{{ m() }}{% include "inc.njk" %}{{ fromInc }}', {}],
    ['{% macro w() %}{{ caller() }}{% endmacro %}{% call w() %}{% setvar "x", 3 %}{{ x }}{% endcall %}{{ x }}', {}],
    // (set from a macro another macro called: the caller reads the context too)
    ['{% set a = 1 %}{% macro n() %}{% setvar "a", 0 %}{% endmacro %}{% macro m() %}{{ n() }}{% if a %}y{% else %}-{% endif %}{% endmacro %}{{ m() }}{{ a }}', {}],
  ];
  it.each(CASES)('%s renders as in Nunjucks', async (src, ctx) => {
    const loader = { getSource: (n: string) => ({ src: templates[n as keyof typeof templates], path: n, noCache: true }) };
    const njk = new nunjucks.Environment(loader as never, { autoescape: true });
    njk.addExtension('S', setvar() as never);
    const want = njk.renderString(src, ctx);
    const { DictLoader } = await import('../../compiler/environment.js');
    const env = new Environment({ compat: 'nunjucks', loader: new DictLoader(templates) });
    env.addExtension('S', setvar() as never);
    const t = env.fromString(src);
    expect(t.render(ctx)).toBe(want);
    expect([...t.renderStream(ctx)].join('')).toBe(want);
    let streamed = '';
    for await (const c of t.renderStreamAsync(ctx)) streamed += c;
    expect(streamed).toBe(want);
    expect(await t.renderAsync(ctx)).toBe(want);
    expect(env.fromString(`{% block b %}${src}{% endblock %}`).renderBlock('b', ctx)).toBe(want);
    // (the render's data is never written)
    expect(Object.keys(ctx).every((k) => k === 'name' || k === 'data')).toBe(true);
    if ('name' in ctx) expect(ctx.name).toBe(1);
  });
});
