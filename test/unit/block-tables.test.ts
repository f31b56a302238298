// Block tables shared between renders (runtime/template.ts registerBlocks; docs/decisions.md
// "Per-render cost, fifth pass"): a chain's table is built once and reused, so each render
// must still see exactly its own chain's most derived blocks, whatever rendered before or
// alongside it (other chains over the same base, a dynamic parent, embeds, renderWithBlocks).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { makeEnv, renderAll } from '../support.js';

const NAMES = ['a', 'b', 'c', 'constructor'];
/** Two bases: the same blocks in another order, one with a block the other lacks. */
const BASES: Record<string, string[]> = { 'base1.html': ['a', 'b', 'c', 'constructor'], 'base2.html': ['c', 'a', 'constructor'] };
const block = (n: string, text: string) => `{% block ${n} %}${text}{% end %}`;

/** A chain: a page over a middle template over one of the bases (chosen by the data when `dynamic`). */
const chain = fc.record({
  page: fc.subarray(NAMES),
  middle: fc.subarray(NAMES),
  dynamic: fc.boolean(),
  id: fc.integer({ min: 0, max: 3 }),
});
type Chain = { page: string[]; middle: string[]; dynamic: boolean; id: number };

function templates(cs: Chain[]): Record<string, string> {
  const t: Record<string, string> = {};
  for (const [name, order] of Object.entries(BASES)) t[name] = order.map((n) => `[${block(n, `${n}@${name}`)}]`).join('');
  for (const c of cs) {
    const parent = c.dynamic ? '{% extends parent %}' : '{% extends "base1.html" %}';
    t[`mid${c.id}.html`] = parent + c.middle.map((n) => block(n, `${n}@mid${c.id}`)).join('');
    t[`page${c.id}.html`] = `{% extends "mid${c.id}.html" %}` + c.page.map((n) => block(n, `${n}@page${c.id}`)).join('');
  }
  return t;
}
/** What the chain renders: the base's blocks in its order, each from the most derived template defining it. */
function expected(c: Chain, base: string): string {
  return BASES[base]!.map((n) => `[${n}@${c.page.includes(n) ? `page${c.id}` : c.middle.includes(n) ? `mid${c.id}` : base}]`).join('');
}

describe('shared block tables', () => {
  it('property: interleaved renders of chains over shared bases and dynamic parents each get their own blocks', () => {
    fc.assert(
      fc.property(fc.uniqueArray(chain, { selector: (c) => c.id, minLength: 1, maxLength: 4 }), fc.array(fc.tuple(fc.nat(3), fc.boolean()), { minLength: 1, maxLength: 12 }), (cs, order) => {
        const env = makeEnv(templates(cs));
        for (const [i, second] of order) {
          const c = cs[i % cs.length]!;
          const base = c.dynamic && second ? 'base2.html' : 'base1.html';
          const t = env.getTemplate(`page${c.id}.html`);
          expect(t.render({ parent: base })).toBe(expected(c, base));
          expect([...t.renderStream({ parent: base })].join('')).toBe(expected(c, base));
        }
      }),
      { numRuns: 150 },
    );
  });

  it('a stream left open mid-chain does not see the blocks of a render started meanwhile', () => {
    const env = makeEnv({
      'base.html': '<{% block a %}A{% end %}{% flush %}{% block b %}B{% end %}>',
      'one.html': '{% extends "base.html" %}{% block b %}one{% end %}',
      'two.html': '{% extends "base.html" %}{% block a %}two{% end %}',
    });
    const s = env.getTemplate('one.html').renderStream({});
    const first = s.next().value;
    expect(env.getTemplate('two.html').render({})).toBe('<twoB>');
    expect(first + [...s].join('')).toBe('<Aone>');
  });

  it('embeds, renderWithBlocks and renderBlock keep tables of their own, in every render method', async () => {
    const templates = {
      'card.html': '({% block body %}card{% end %})',
      'base.html': '<{% block a %}A{% end %}|{% block b %}B{% end %}>',
      'page.html': '{% extends "base.html" %}{% block a %}{% embed "card.html" %}{% block body %}emb{% end %}{% end %}{% end %}',
    };
    expect(await renderAll('{% extends "page.html" %}{% block b %}{% embed "card.html" %}{% end %}{% end %}', {}, {}, templates)).toBe('<(emb)|(card)>');
    const env = makeEnv(templates);
    const page = env.getTemplate('page.html');
    expect(page.render({})).toBe('<(emb)|B>');
    expect(page.renderWithBlocks({ b: 'given' } as never, {})).toBe('<(emb)|given>');
    expect(page.render({})).toBe('<(emb)|B>');
    expect(page.renderBlock('b' as never, {})).toBe('B');
    expect(env.getTemplate('base.html').render({})).toBe('<A|B>');
  });

  it('a block named like an Object.prototype member is a block', async () => {
    const templates = { 'base.html': '<{% block constructor %}c{% end %}{% block __proto__ %}p{% end %}>' };
    expect(await renderAll('{% extends "base.html" %}{% block __proto__ %}P{% end %}', {}, {}, templates)).toBe('<cP>');
  });
});
