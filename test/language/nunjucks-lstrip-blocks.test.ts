// lstripBlocks as Nunjucks applies it (seventh held-out pass: gov.cy's elements under
// trimBlocks/lstripBlocks): only a line's indentation before `{%` goes; spaces between a tag and a
// block tag on the same line (`{{ id }} {% endif %}`) stay. Kida's own rule (language.md §1.2)
// takes such a chunk whole, and stays so in default mode.
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Environment } from '../../compiler/environment.js';

const nunjucks = createRequire(import.meta.url)('nunjucks') as { Environment: new (l: null, o: object) => { renderString(s: string, c: object): string } };

/** Pieces of a template: text with spaces and newlines, outputs, comments, balanced if/for blocks. */
const piece: fc.Arbitrary<string> = fc.letrec<{ seq: string; one: string }>((tie) => ({
  one: fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(' ', '  ', '\n', '\n  ', 'x', ' y ', '\t', '\r\n ') },
    { weight: 2, arbitrary: fc.constantFrom('{{ a }}', '{{- a }}', '{{ a -}}', '{# c #}', '{#- c -#}') },
    { weight: 1, arbitrary: tie('seq').map((b) => `{% if a %}${b}{% else %} e {% endif %}`) },
    { weight: 1, arbitrary: tie('seq').map((b) => `{%- if a %}${b}{% endif -%}`) },
    { weight: 1, arbitrary: tie('seq').map((b) => `{% for i in [1, 2] %}${b}{{ i }}{% endfor %}`) },
  ),
  seq: fc.array(tie('one'), { maxLength: 5 }).map((xs) => xs.join('')),
})).seq;

describe('lstripBlocks in compat mode', () => {
  for (const opts of [{ lstripBlocks: true }, { lstripBlocks: true, trimBlocks: true }]) {
    it(`strips what Nunjucks strips, ${JSON.stringify(opts)}`, () => {
      const ours = new Environment({ compat: 'nunjucks', ...opts });
      const theirs = new nunjucks.Environment(null, opts);
      fc.assert(
        fc.property(piece, (t) => {
          expect(ours.fromString(t).render({ a: 1 })).toBe(theirs.renderString(t, { a: 1 }));
        }),
        { numRuns: 400 },
      );
    });
  }

  it('keeps spaces between an output and a block tag on one line (gov.cy\'s aria-describedby)', () => {
    const t = '  <i x="{% if a %}{{ a }} {% endif %}{% if a %}{{ a }} {% endif %}">\n  {% if a %}y{% endif %}';
    const want = new nunjucks.Environment(null, { lstripBlocks: true, trimBlocks: true }).renderString(t, { a: 1 });
    expect(want).toBe('  <i x="1 1 ">\ny');
    expect(new Environment({ compat: 'nunjucks', lstripBlocks: true, trimBlocks: true }).fromString(t).render({ a: 1 })).toBe(want);
  });

  it('leaves default Kida to its own rule (a chunk of spaces before a block tag goes)', () => {
    const kida = new Environment({ lstripBlocks: true });
    expect(kida.fromString('<i x="{% if a %}{{ a }} {% end %}">').render({ a: 1 })).toBe('<i x="1">');
  });
});
