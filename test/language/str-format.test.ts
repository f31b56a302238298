// Python's str.format as CPython parses it (language.md's `format`: "Python str.format"):
// nested replacement fields in a format spec, `[key]` holding `:` or `!`, the errors for lone
// braces, mixed numbering, unknown conversions, and `!a`; through the `.format()` method, the
// `format` filter and Markup.format, in every render method.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { makeEnv, renderAll } from '../support.js';

const fails = (src: string, ctx: Record<string, unknown> = {}) => () => makeEnv().fromString(src).render(ctx);

describe('str.format', () => {
  it('expands fields inside a format spec first, sharing automatic numbering', async () => {
    expect(await renderAll('[{{ "{0:{1}}".format("x", ">5") }}]')).toBe('[    x]');
    expect(await renderAll('[{{ "{:{}}".format("x", "^7") }}]')).toBe('[   x   ]');
    expect(await renderAll('[{{ "{0:{w}.{p}f}".format(n, w=8, p=2) }}]', { n: 3.14159 })).toBe('[    3.14]');
    expect(await renderAll('[{{ "{:{}}|{}".format("a", 3, "b") }}]')).toBe('[a  |b]');
    expect(await renderAll('[{{ "{0:{1}}" | format("y", "*^5") }}]')).toBe('[**y**]');
  });

  it('reads a [key] whole, with the : and ! it may hold', async () => {
    expect(await renderAll('{{ "{0[a:b]}-{0[c!d]}".format(d) }}', { d: { 'a:b': 1, 'c!d': 2 } })).toBe('1-2');
  });

  it('conversions: !r, !s, !a (non-ASCII escaped as Python writes it), others refused', async () => {
    expect(await renderAll('{{ "{0!r}|{0!s}|{0!a}".format(s) }}', { s: 'é😀' })).toBe("&#39;é😀&#39;|é😀|&#39;\\xe9\\U0001f600&#39;");
    expect(await renderAll('{{ "{0!r:>6}".format("q") }}')).toBe('   &#39;q&#39;');
    expect(fails('{{ "{0!x}".format(1) }}')).toThrow(/Unknown conversion specifier x/);
    expect(fails('{{ "{0!}".format(1) }}')).toThrow(/end of string while looking for conversion specifier/);
    expect(fails('{{ "{0!rx}".format(1) }}')).toThrow(/expected ':' after conversion specifier/);
  });

  it('refuses lone braces, unclosed fields, deep nesting and mixed numbering as Python does', () => {
    expect(fails('{{ "{} }".format(1) }}')).toThrow(/Single '}' encountered/);
    expect(fails('{{ "a {".format(1) }}')).toThrow(/Single '{' encountered/);
    expect(fails('{{ "{0:{}".format(1) }}')).toThrow(/expected '}' before end of string/);
    expect(fails('{{ "{0:{1:{2}}}".format(1, 2, 3) }}')).toThrow(/Max string recursion exceeded/);
    expect(fails('{{ "{}{0}".format(1) }}')).toThrow(/cannot switch from automatic field numbering to manual/);
    expect(fails('{{ "{0}{}".format(1, 2) }}')).toThrow(/cannot switch from manual field specification to automatic/);
    expect(fails('{{ "{a{b}}".format(1) }}')).toThrow(/unexpected '{' in field name/);
    expect(fails('{{ "{a{b}".format(1) }}')).toThrow(/expected '}' before end of string/);
  });

  it('escaped braces stay literal around fields', async () => {
    expect(await renderAll('{{ "{{}} {{{0}}}".format(7) }}')).toBe('{} {7}');
  });

  it('a nested spec is the same as the spec written out (property)', () => {
    const env = makeEnv();
    const spec = fc.tuple(fc.constantFrom('', '<', '>', '^'), fc.constantFrom('', '*', '-', '0'), fc.integer({ min: 0, max: 12 })).map(([align, fill, w]) => (align ? fill + align : '') + (w || ''));
    fc.assert(
      fc.property(fc.string({ maxLength: 6 }).filter((s) => !/[{}]/.test(s)), spec, (x, sp) => {
        const nested = env.fromString('{{ "{0:{1}}".format(x, sp) }}').render({ x, sp });
        const direct = env.fromString(`{{ "{0:${sp}}".format(x) }}`).render({ x });
        expect(nested).toBe(direct);
      }),
      { numRuns: 200 },
    );
  });

  it('Markup.format escapes a field that fills a nested spec, as markupsafe does', () => {
    expect(fails('{{ ("{0:{1}}" | safe).format("x", "<5") }}')).toThrow(/ValueError/);
    expect(makeEnv().fromString('{{ ("<b>{0:{1}}</b>" | safe).format(x, "^5") }}').render({ x: '<' })).toBe('<b>  &lt;  </b>');
  });

  it('stays linear on hostile format strings', () => {
    const env = makeEnv();
    const time = (src: string) => {
      const t = env.fromString('{% try %}{{ f.format(1) }}{% fallback %}E{% end %}');
      const t0 = performance.now();
      t.render({ f: src });
      return performance.now() - t0;
    };
    for (const make of [(n: number) => '{{'.repeat(n), (n: number) => '{0:' + '{'.repeat(n), (n: number) => '{0[' + '['.repeat(n) + ']}', (n: number) => '}}{'.repeat(n)]) {
      time(make(1000));
      const a = Math.min(time(make(50_000)), time(make(50_000)));
      const b = Math.min(time(make(100_000)), time(make(100_000)));
      expect(b).toBeLessThan(Math.max(4 * a, 40));
    }
  });
});
