// Red team of `kida fmt` (compiler/format.ts): formatting must never change what a template
// renders (beyond layout whitespace outside <pre>/<textarea>) and must stay linear.
import { describe, expect, it } from 'vitest';
import { format } from '../../compiler/format.js';
import { normalize } from '../format-support.js';
import { makeEnv } from '../support.js';
import { measurePair } from './linear-clock.js';

const same = (src: string, ctx: Record<string, unknown> = {}) => {
  const t = (s: string) => makeEnv().fromString(s).render(ctx);
  for (const htmlIndent of [false, true]) expect(normalize(t(format(src, { htmlIndent })))).toBe(normalize(t(src)));
};

describe('red team: formatting never changes the output', () => {
  it('a <pre> after a string or comment holding "<pre" keeps its contents', () => {
    same('{{ "<pre" }}\n{% if a %}\n<pre>\n  x\n    y\n</pre>\n{% end %}', { a: true });
    same('{# <textarea #}\n{% if a %}\n<textarea>\n  x\n</textarea>\n{% end %}', { a: true });
  });
  it('text whose whitespace a filter, a capture or a comparison turns into something else', () => {
    same('{% if a %}\n{% filter replace(" ", "_") %}\na\n{% end %}\n{% end %}', { a: true });
    same('{% if a %}\n{% capture s %}\nab\n{% end %}{{ s | length }}\n{% end %}', { a: true });
    same('{% if a %}\n{% capture c %}\nab\n{% end %}{{ c == "\\nab\\n" }}\n{% end %}', { a: true });
  });
});

describe('red team: formatting stays linear', () => {
  const CASES: Record<string, (n: number) => string> = {
    'strings holding <pre': (n) => '{{ "<pre" }}'.repeat(n / 12),
    'comments holding <pre': (n) => '{# <pre #}\n'.repeat(n / 11),
    'unclosed <pre attributes': (n) => '<pre a="'.repeat(n / 8),
    'slot let: with spaces': (n) => `{% slot x let${' '.repeat(n)} %}`,
    'many tags on one line': (n) => '{{ xxxxxxxxxx }}'.repeat(n / 16),
    'nested blocks': (n) => '{% if x %}\n'.repeat(n / 22) + '{% end %}\n'.repeat(n / 22),
    'CR runs': (n) => 'a\r'.repeat(n / 2),
    'html comments opened': (n) => '<!--'.repeat(n / 4),
  };
  for (const [what, make] of Object.entries(CASES))
    it(`${what}: 200 KB takes about twice 100 KB`, () => {
      const run = (n: number) => {
        const src = make(n);
        return () => format(src, { htmlIndent: true });
      };
      const { t1: a, t2: b } = measurePair(run(100_000), run(200_000));
      // (doubling the input about doubles the time; 25 ms absorbs a collection on a busy machine)
      expect(b, `${a.toFixed(1)} ms -> ${b.toFixed(1)} ms`).toBeLessThan(3 * a + 25);
    });
});
