// Nunjucks extensions (custom tags) in compat: 'nunjucks': the extension's own parse() runs over
// the facade of Nunjucks' parser API (compiler/nunjucks/extensions.ts) and returns
// nodes.CallExtension; rendering calls its method. Each template is rendered by Nunjucks 3.2.4
// with the same extension and by ours (render, renderStream, renderStreamAsync; kida/nunjucks).
import nunjucks from 'nunjucks';
import { describe, expect, it } from 'vitest';
import kidaNunjucks, { SafeString } from '../../adapters/nunjucks.js';
import { Environment } from '../../compiler/environment.js';

type Parser = { nextToken(): { value: string }; parseSignature(t: null, n: boolean): unknown; advanceAfterBlockEnd(n?: string): void; parseUntilBlocks(...n: string[]): unknown; skipSymbol(n: string): boolean; skip(t: string): boolean; parseExpression(): unknown };
type Nodes = Record<string, new (...a: unknown[]) => unknown>;

/** An extension written as Nunjucks' docs write them: `{% shout x %}` and `{% box cls %}…{% else %}…{% endbox %}`. */
function boxes(Safe: new (s: string) => unknown) {
  return {
    tags: ['shout', 'box'],
    parse(this: object, parser: Parser, nodes: Nodes, lexer: Record<string, string>) {
      const tok = parser.nextToken();
      const args = parser.parseSignature(null, true);
      parser.advanceAfterBlockEnd(tok.value);
      if (tok.value === 'shout') return new nodes.CallExtension!(this, 'shout', args);
      const body = parser.parseUntilBlocks('else', 'endbox');
      let other = null;
      if (parser.skipSymbol('else')) {
        parser.skip(lexer.TOKEN_BLOCK_END!);
        other = parser.parseUntilBlocks('endbox');
      }
      parser.advanceAfterBlockEnd();
      return new nodes.CallExtension!(this, 'box', args, [body, other]);
    },
    shout(context: { ctx: Record<string, unknown>; lookup(n: string): unknown }, text: unknown, kw?: { times?: number }) {
      return `${String(text).toUpperCase()}!${kw?.times ?? ''}${String(context.ctx.who ?? '')}${String(context.lookup('g') ?? '')}`;
    },
    box(_c: unknown, cls: unknown, body: () => string, other: (() => string) | null) {
      return new Safe(`<div class="${String(cls)}">${body()}${other ? `|${other()}` : ''}</div>`);
    },
  };
}
const CASES = [
  '{% shout "hi<" %}',
  '{% shout "a", times=3 %}',
  '{% set who = "top" %}{% shout "a" %}{% if true %}{% set who = "in-if" %}{% shout "b" %}{% endif %}',
  '{% box "c" %}<b>{{ who }}</b>{% endbox %}',
  '{% for i in [1, 2] %}{% set who = i %}{% box "x" ~ i %}{{ i }}{% shout who %}{% else %}no{% endbox %}{% endfor %}',
  '{%- box "t" -%}  in  {%- endbox -%}|{% macro m(v) %}{% box v %}{{ caller() }}{% endbox %}{% endmacro %}{% call m("k") %}called{% endcall %}',
];

describe('addExtension: CallExtension extensions', () => {
  const njk = new nunjucks.Environment(null, { autoescape: true });
  njk.addExtension('Boxes', boxes(nunjucks.runtime.SafeString as never));
  njk.addGlobal('g', '+g');
  const env = new Environment({ compat: 'nunjucks', globals: { g: '+g' } });
  env.addExtension('Boxes', boxes(SafeString) as never);
  const api = new kidaNunjucks.Environment(null);
  api.addExtension('Boxes', boxes(SafeString) as never).addGlobal('g', '+g');

  it.each(CASES)('%s renders as in Nunjucks', async (src) => {
    const ctx = { who: '<w>' };
    const want = njk.renderString(src, ctx);
    const t = env.fromString(src);
    expect(t.render(ctx)).toBe(want);
    expect([...t.renderStream(ctx)].join('')).toBe(want);
    let streamed = '';
    for await (const c of t.renderStreamAsync(ctx)) streamed += c;
    expect(streamed).toBe(want);
    expect(api.renderString(src, ctx)).toBe(want);
  });
  it('kida/nunjucks has, gets and removes extensions; context.env is the environment', () => {
    expect(api.hasExtension('Boxes')).toBe(true);
    expect(api.getExtension('Boxes')!.tags).toEqual(['shout', 'box']);
    const seen: unknown[] = [];
    const e2 = new kidaNunjucks.Environment(null);
    e2.addExtension('Env', { tags: ['env'], parse(this: object, p: Parser, n: Nodes) { p.nextToken(); p.advanceAfterBlockEnd('env'); return new n.CallExtension!(this, 'run', null); }, run: (c: { env: unknown }) => (seen.push(c.env), 'ok') } as never);
    expect(e2.renderString('{% env %}', {})).toBe('ok');
    expect(seen[0]).toBe(e2);
    e2.removeExtension('Env');
    expect(e2.hasExtension('Env')).toBe(false);
    expect(() => e2.renderString('{% env %}', {})).toThrow(/Unknown block keyword: env/);
  });
  it('argument errors are Nunjucks\' (both fail on `{% shout("b") %}`)', () => {
    expect(() => njk.renderString('{% shout("b") %}', {})).toThrow(/expected comma after expression/);
    expect(() => env.fromString('{% shout("b") %}')).toThrow(/expected comma after expression/);
  });
  it('what it does not support is a compile error naming it', () => {
    const e = new Environment({ compat: 'nunjucks' });
    const ext = (build: (p: Parser, n: Nodes) => unknown) => ({ tags: ['x'], parse(p: Parser, n: Nodes) { p.nextToken(); p.advanceAfterBlockEnd('x'); return build(p, n); }, run: () => '' });
    e.addExtension('A', ext((_p, n) => new n.If!(0, 0)) as never);
    expect(() => e.fromString('{% x %}')).toThrow(/'A' uses nodes.If/);
    e.addExtension('A', ext(() => ({})) as never);
    expect(() => e.fromString('{% x %}')).toThrow(/'A' uses a parse\(\) result other than new nodes.CallExtension/);
    expect(() => new Environment().addExtension('A', ext(() => null) as never)).toThrow(/needs compat: 'nunjucks'/);
  });
});
