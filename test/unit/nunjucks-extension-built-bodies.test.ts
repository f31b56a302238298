// Two things custom tags do that the twelfth pass' projects showed (compat 'nunjucks'), each
// checked against Nunjucks 3.2.4 itself:
// - a content argument the extension builds from nodes instead of parsing it
//   (nunjucks-markdown passes its tag's column as `new nodes.NodeList(0, 0, [new nodes.Output(0,
//   0, [new nodes.TemplateData(0, 0, col)])])`): Nunjucks writes a truthy TemplateData's value,
//   an expression inside Output as `{{ }}` output, and nothing for a falsy one;
// - `context.ctx` handed to node:vm as a sandbox (nunjucks-do): what the script assigns is set
//   in the template's context, and the vm's built-ins (JSON, Math, Date) stay visible.
import { createRequire } from 'node:module';
import vm from 'node:vm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Environment } from '../../dist/compiler/environment.js';

const require = createRequire(import.meta.url);
const nunjucks = require('nunjucks');

type Nodes = Record<string, new (...a: unknown[]) => unknown>;
type Parser = { nextToken(): { value: string; colno: number }; parseSignature(a: null, b: boolean): { children: unknown[] }; advanceAfterBlockEnd(v?: string): void; parseExpression(): unknown };

/** A tag `{% show x %}` whose one content argument is built by `body(nodes, parser)`; its method returns the body's text in brackets. */
function builtBodyTag(body: (nodes: Nodes, parser: Parser) => unknown) {
  return {
    tags: ['show'],
    parse(parser: Parser, nodes: Nodes) {
      const tok = parser.nextToken();
      const built = body(nodes, parser);
      parser.advanceAfterBlockEnd(tok.value);
      return new nodes.CallExtension!(this, 'run', new nodes.NodeList!(0, 0, []), [built]);
    },
    run(_context: unknown, content: () => unknown) {
      const text = content();
      return `[${typeof text}:${String(text)}]`;
    },
  };
}

function both(ext: object, src: string, ctx: object, autoescape = true): { theirs: string; ours: string } {
  const njk = new nunjucks.Environment(null, { autoescape });
  njk.addExtension('Show', ext);
  const env = new Environment({ compat: 'nunjucks', autoescape });
  env.addExtension('Show', ext as never);
  return { theirs: njk.renderString(src, ctx), ours: env.fromString(src).render(ctx) };
}

describe('a content argument built by the extension', () => {
  it('is written as Nunjucks compiles it, for any primitive a TemplateData holds', () => {
    const value = fc.oneof(fc.integer({ min: -5, max: 80 }), fc.constantFrom(0, '', 'text', '<b>"q"</b> & x', true, false, null, 1.5), fc.string());
    fc.assert(
      fc.property(value, fc.boolean(), (v, autoescape) => {
        const ext = builtBodyTag((nodes) => new nodes.NodeList!(0, 0, [new nodes.Output!(0, 0, [new nodes.TemplateData!(0, 0, v)])]));
        const { theirs, ours } = both(ext, 'a{% show %}b', {}, autoescape);
        expect(ours).toBe(theirs);
      }),
      { numRuns: 200 },
    );
  });

  it('renders an expression inside Output as output (escaped as Nunjucks escapes it), beside text', () => {
    const ext = builtBodyTag((nodes, parser) => new nodes.NodeList!(0, 0, [new nodes.Output!(0, 0, [new nodes.TemplateData!(0, 0, 'pre:'), parser.parseExpression()])]));
    for (const autoescape of [true, false])
      for (const who of ['<i>x</i> & "y"', 7, undefined]) {
        const { theirs, ours } = both(ext, '{% show who %}|{% show who ~ "!" %}|{% show missing %}', { who }, autoescape);
        expect(ours).toBe(theirs);
      }
  });

  it("takes the tag's column as nunjucks-markdown does (the body text, then compared with 0)", () => {
    const ext = {
      tags: ['col'],
      parse(parser: Parser, nodes: Nodes) {
        const tok = parser.nextToken();
        parser.advanceAfterBlockEnd(tok.value);
        return new nodes.CallExtension!(this, 'run', null, [new nodes.NodeList!(0, 0, [new nodes.Output!(0, 0, [new nodes.TemplateData!(0, 0, tok.colno - 1)])])]);
      },
      run: (_c: unknown, col: () => string) => `${col()}:${(col() as unknown as number) > 0}`,
    };
    for (const src of ['{% col %}', '  {% col %}', 'text\n      {%- col %}', '\t{%col%}']) {
      const njk = new nunjucks.Environment();
      njk.addExtension('Col', ext);
      const env = new Environment({ compat: 'nunjucks' });
      env.addExtension('Col', ext as never);
      expect(env.fromString(src).render({})).toBe(njk.renderString(src, {}));
    }
  });

  it('is a compile error naming what is not supported, for a node class other than these', () => {
    const ext = builtBodyTag((nodes) => new nodes.NodeList!(0, 0, [new nodes.Output!(0, 0, [new nodes.If!(0, 0)])]));
    const env = new Environment({ compat: 'nunjucks' });
    env.addExtension('Show', ext as never);
    expect(() => env.fromString('{% show %}')).toThrow(/nodes\.If/);
  });
});

describe('context.ctx as a node:vm sandbox', () => {
  /** `{% run %}…{% endrun %}`: the body run as a script in a new context over context.ctx (nunjucks-do's way). */
  const runTag = {
    tags: ['run'],
    parse(parser: Parser & { parseUntilBlocks(n: string): unknown }, nodes: Nodes) {
      const tok = parser.nextToken();
      const args = parser.parseSignature(null, true);
      parser.advanceAfterBlockEnd(tok.value);
      const body = parser.parseUntilBlocks('endrun');
      parser.advanceAfterBlockEnd();
      return new nodes.CallExtension!(this, 'run', args, [body]);
    },
    run(context: { ctx: object }, body: () => string) {
      vm.runInNewContext(body(), context.ctx);
      return '';
    },
  };
  const render = (src: string, ctx: object) => {
    const njk = new nunjucks.Environment();
    njk.addExtension('Run', runTag);
    const env = new Environment({ compat: 'nunjucks' });
    env.addExtension('Run', runTag as never);
    return { theirs: njk.renderString(src, structuredClone(ctx)), ours: env.fromString(src).render(structuredClone(ctx)) };
  };

  it('sets new names and changes the data\'s, as Nunjucks\' plain context object does', () => {
    for (const [src, ctx] of [
      ['{% run %}a = 1; b = "<x>"; c = [a, b]{% endrun %}{{ a }}{{ b }}{{ c }}', {}],
      ['{% run %}n = n + 1{% endrun %}{{ n }}', { n: 41 }],
      ['{% set t = "frame" %}{% run %}t = "ctx"; u = t{% endrun %}{{ t }} {{ u }}', {}],
      // (a later call reads the context, where the earlier one set it, not the top-level frame)
      ['{% set t = "frame" %}{% run %}t = "ctx"{% endrun %}{% run %}u = t{% endrun %}{{ t }} {{ u }}', {}],
      ['{% for i in [1, 2] %}{% run %}seen = (typeof seen === "string" ? seen : "") + "x"{% endrun %}{% endfor %}{{ seen }}', {}],
      // (the vm's own built-ins stay visible behind the sandbox)
      ['{% run %}o = JSON.parse(s); m = Math.min(3, o.k); d = new Date(0).toISOString(); var v = [1, 2].map(String); function f() { return 1 }{% endrun %}{{ o.k }} {{ m }} {{ d }} {{ v }} {{ f() }}', { s: '{"k": 2}' }],
    ] as const) {
      const { theirs, ours } = render(src, ctx);
      expect(ours).toBe(theirs);
    }
  });

  it('takes Object.defineProperty on context.ctx as a set of that name', () => {
    const ext = { ...runTag, run: (context: { ctx: object }) => (Object.defineProperty(context.ctx, 'k', { value: 'v<', writable: true, enumerable: true, configurable: true }), '') };
    const env = new Environment({ compat: 'nunjucks' });
    env.addExtension('Run', ext as never);
    const njk = new nunjucks.Environment();
    njk.addExtension('Run', ext);
    const src = '{% run %}{% endrun %}{{ k }}';
    expect(env.fromString(src).render({})).toBe(njk.renderString(src, {}));
  });
});
