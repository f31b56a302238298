// Compat 'nunjucks': a list, dict or parenthesised group ends at any closing bracket, as
// Nunjucks 3.2.4's parseAggregate ends it. hmpo-components' checkboxes macro writes
// `{% set items = [{ id: params.id, … } | filter(null)) ]} %}` (the dict closed by `]`, the list by
// `}`), which Nunjucks renders and we refused. Each case is rendered by Nunjucks at test time and
// by Kida through every entry point and the compiled module (njk-differential.ts); default Kida
// still wants the matching bracket.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/index.js';
import { nunjucksOutcome, sameAsNunjucks } from './njk-differential.js';

describe('aggregates closed by another bracket', () => {
  it('hmpo-components\' shape: a list of one dict, closed `]}`', async () => {
    const src = '{% set items = [{\n  id: p.id,\n  attributes: { "a": p.a } | dump\n]} %}{{ items[0].id }}|{{ items | length }}|{{ items[0].attributes }}';
    expect(await sameAsNunjucks({}, src, { p: { id: 'x<', a: 1 } })).toBe('x&lt;|1|{&quot;a&quot;:1}');
  });

  it('lists, dicts and groups, empty or not, nested, with each closer', async () => {
    for (const src of ['{{ [1, 2) }}', '{{ [1, 2} }}', '{{ [) | length }}', '{{ {a: 1) | dump }}', '{{ {a: [1, 2}] | dump }}', '{{ (1 + 2] * 3 }}', '{{ ((1, 2}) }}', '{{ [[1]) }}'])
      await sameAsNunjucks({}, src);
  });

  it('an index too: `xs[1)`, `o["a"}` (Nunjucks reads it with parseAggregate)', async () => {
    for (const src of ['{{ xs[1) }}', '{{ o["a"} }}|{{ o.b[0] }}', '{{ xs[xs[0}) }}']) await sameAsNunjucks({}, src, { xs: [1, '<b>'], o: { a: 'A&', b: ['c'] } });
  });

  it('a trailing comma before any closer is still refused, as Nunjucks refuses it', async () => {
    for (const src of ['{{ [1, 2,} }}', '{{ {a: 1,] }}', '{{ (1, ] }}', '{{ [1,) }}'])
      expect([src, await sameAsNunjucks({}, src)]).toEqual([src, expect.stringMatching(/^Error/)]);
  });

  it('any nesting of lists, dicts and groups with any closers (fast-check)', async () => {
    type Node = { kind: 'list' | 'dict' | 'group'; items: (Node | number)[] };
    const node: fc.Arbitrary<Node> = fc.letrec<{ node: Node }>((tie) => ({
      node: fc.record({ kind: fc.constantFrom('list', 'dict', 'group'), items: fc.array(fc.oneof({ depthSize: 'small' }, fc.nat(9), tie('node')), { maxLength: 3 }) }) as fc.Arbitrary<Node>,
    })).node;
    const write = (n: Node | number, closers: string[]): string => {
      if (typeof n === 'number') return String(n);
      const close = closers.shift() ?? ']';
      closers.push(close);
      const inner = n.items.map((x, i) => (n.kind === 'dict' ? `k${i}: ${write(x, closers)}` : write(x, closers)));
      // (a group of several items is Nunjucks' comma operator; an empty one is a value in neither)
      if (n.kind === 'group') return inner.length ? `(${inner.join(', ')}${close}` : '0';
      return `${n.kind === 'list' ? '[' : '{'}${inner.join(', ')}${close}`;
    };
    await fc.assert(
      fc.asyncProperty(node, fc.array(fc.constantFrom(')', ']', '}'), { minLength: 1, maxLength: 6 }), async (n, closers) => {
        const src = `{{ ${write(n, closers)} | dump }}`;
        // (a template Nunjucks renders renders the same here, every way)
        if (!nunjucksOutcome({}, src, {}).startsWith('Error')) await sameAsNunjucks({}, src);
      }),
      { numRuns: 80 },
    );
  });

  it('default Kida keeps wanting the matching bracket', () => {
    expect(() => compile('{{ [1, 2} }}')).toThrow(/Expected '\]'/);
    expect(() => compile('{{ {"a": 1] }}')).toThrow(/Expected '\}'/);
  });
});
