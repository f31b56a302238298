// An app's extension whose tag Kida also has, but Nunjucks does not (seventh held-out pass: the
// Visual Framework's `{% spaceless %}`): Nunjucks runs the extension, so compat mode must too;
// a tag Nunjucks itself has (`if`, `set`, `macro`, …) stays Nunjucks' own, as there.
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Environment } from '../../compiler/environment.js';

const nunjucks = createRequire(import.meta.url)('nunjucks') as {
  Environment: new () => { addExtension(n: string, e: object): void; renderString(s: string, c: object): string };
  runtime: { SafeString: new (s: string) => object };
};

type Parser = { nextToken(): { value: string }; parseSignature(a: null, b: boolean): unknown; advanceAfterBlockEnd(v?: string): void; parseUntilBlocks(...n: string[]): unknown };
type Nodes = { CallExtension: new (ext: object, method: string, args: unknown, bodies: unknown[]) => unknown };
/** A body tag that collapses whitespace and marks the result safe, as vf-extensions' spaceless does. */
function bodyTag(tag: string) {
  return {
    tags: [tag],
    parse(parser: Parser, nodes: Nodes) {
      const tok = parser.nextToken();
      const args = parser.parseSignature(null, true);
      parser.advanceAfterBlockEnd(tok.value);
      const body = parser.parseUntilBlocks(`end${tag}`);
      parser.advanceAfterBlockEnd();
      return new nodes.CallExtension(this, 'run', args, [body]);
    },
    run(_context: unknown, ...rest: unknown[]) {
      const body = rest[rest.length - 1] as () => string;
      const args = rest.slice(0, -1).filter((a) => typeof a !== 'object');
      return new nunjucks.runtime.SafeString(`[${tag}${args.length ? ` ${args.join(',')}` : ''}:${body().replace(/\s+/g, ' ').replace(/>\s</g, '><')}]`);
    },
  };
}
/** A tag without a body that writes its argument. */
function simpleTag(tag: string) {
  return {
    tags: [tag],
    parse(parser: Parser, nodes: Nodes) {
      const tok = parser.nextToken();
      const args = parser.parseSignature(null, true);
      parser.advanceAfterBlockEnd(tok.value);
      return new nodes.CallExtension(this, 'run', args, []);
    },
    run(_context: unknown, v: unknown) {
      return `<${tag}:${String(v)}>`;
    },
  };
}

function both(exts: Record<string, object>) {
  const ours = new Environment({ compat: 'nunjucks' });
  const theirs = new nunjucks.Environment();
  for (const [n, e] of Object.entries(exts)) {
    ours.addExtension(n, e);
    theirs.addExtension(n, e);
  }
  return { ours, theirs };
}

describe('an extension named like a Kida-only tag, in compat mode', () => {
  // (Kida tags Nunjucks does not have)
  const KIDA_ONLY_BODY = ['spaceless', 'with', 'cache', 'try', 'capture', 'trans', 'provide', 'embed', 'fragment', 'region', 'slot', 'push'];
  const KIDA_ONLY_SIMPLE = ['flush', 'stack', 'export', 'promote', 'yield', 'break', 'continue'];

  it.each(KIDA_ONLY_BODY)('a body tag named %s runs the extension, as Nunjucks does', (tag) => {
    const { ours, theirs } = both({ [tag]: bodyTag(tag) });
    const t = `a {% ${tag} %}\n<p\n  class="{{ c }}">{{ x }}</p>\n{% end${tag} %} b`;
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('a', '<', '&', ' ', '\n', '"') }), (x) => {
        expect(ours.fromString(t).render({ x, c: 'k' })).toBe(theirs.renderString(t, { x, c: 'k' }));
      }),
      { numRuns: 25 },
    );
  });

  it.each(KIDA_ONLY_SIMPLE)('a tag named %s runs the extension, as Nunjucks does', (tag) => {
    const { ours, theirs } = both({ [tag]: simpleTag(tag) });
    const t = `{% ${tag} v %}|{% ${tag} "<" %}`;
    expect(ours.fromString(t).render({ v: 3 })).toBe(theirs.renderString(t, { v: 3 }));
  });

  it('renders the same through renderAsync, renderStreamAsync and kida/nunjucks', async () => {
    const ext = bodyTag('spaceless');
    const { ours, theirs } = both({ spaceless: ext });
    const t = '{% spaceless %}\n<ul>\n  {% for i in [1, 2] %}<li> {{ i }} </li>\n  {% endfor %}</ul>\n{% endspaceless %}';
    const want = theirs.renderString(t, {});
    const page = ours.fromString(t);
    expect(await page.renderAsync({})).toBe(want);
    let s = '';
    for await (const chunk of page.renderStreamAsync({})) s += chunk;
    expect(s).toBe(want);
    const api = (await import('../../adapters/nunjucks.js')).default;
    const apiEnv = new api.Environment();
    apiEnv.addExtension('spaceless', ext);
    expect(apiEnv.renderString(t, {})).toBe(want);
  });

  it('leaves a tag Nunjucks has to Nunjucks (an extension claiming `if` or `set` never runs there)', () => {
    const { ours, theirs } = both({ if: simpleTag('if'), set: simpleTag('set'), macro: simpleTag('macro') });
    const t = '{% set y = 2 %}{% if y %}Y{{ y }}{% endif %}{% macro m() %}M{% endmacro %}{{ m() }}';
    expect(ours.fromString(t).render({})).toBe(theirs.renderString(t, {}));
    expect(ours.fromString(t).render({})).toBe('Y2M');
  });

  it('keeps Kida\'s own tag where no extension claims it, and default Kida unchanged', () => {
    const plain = new Environment({ compat: 'nunjucks' });
    expect(plain.fromString('{% spaceless %}<p> </p>\n<i>x</i>{% endspaceless %}').render({})).toBe('<p></p><i>x</i>');
    const kida = new Environment();
    expect(kida.fromString('{% spaceless %}<p> </p>\n<i>x</i>{% end %}').render({})).toBe('<p></p><i>x</i>');
  });
});
