// The benchmark's hand-written baselines (bench/baseline.mjs) must print exactly Kida's bytes, or
// the "render ÷ baseline" figure compares different work: every escaper against Kida's own, and
// every page candidate against the Kida template it stands for.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ESCAPERS, candidates } from '../../bench/baseline.mjs';
import { T } from '../../bench/reference-templates.mjs';
import { escapeString } from '../../runtime/markup.js';
import { makeEnv } from '../support.js';

const escapers = Object.entries(ESCAPERS as Record<string, (s: string) => string>);

describe('bench baselines', () => {
  it.each(escapers)('escaper %s escapes as Kida does', (_, f) => {
    // (Kida also drops NUL; the workloads' data has none)
    const text = fc.stringMatching(/^[^\0]*$/);
    const hostile = fc.array(fc.oneof(fc.constantFrom('&', '<', '>', '"', "'", 'a', 'é', '😀', ' '), text)).map((xs) => xs.join(''));
    fc.assert(fc.property(fc.oneof(text, hostile), (s) => f(s) === escapeString(s)), { numRuns: 500 });
    expect(f('plain')).toBe('plain');
    expect(f(`<b>x</b> & "y" 'z'`)).toBe('&lt;b&gt;x&lt;/b&gt; &amp; &quot;y&quot; &#39;z&#39;');
  });

  it('every page candidate prints what the Kida template prints, on hostile data', () => {
    const env = makeEnv(T);
    const s = `<i>&"'</i>`;
    const data: Record<string, unknown> = {
      minimal: { name: s },
      small: { title: s, name: s, count: 3, items: [s, 'b'], active: true, footer: s },
      medium: { items: [0, 1, 3].map((i) => ({ id: i, name: s + i, price: i * 1.5 })), categories: ['Cat A', s], vars: [s] },
      large: { items: [0, 1].map((i) => ({ id: i, name: s + i, data: { x: i, y: 2 * i } })) },
      complex: { heading: s, description: s, nav: [{ href: s, label: s }], footer: s, article: { title: s, subtitle: s, sections: [{ title: s, body: s }], tags: [s, 'x'] } },
      cards: { cards: [0, 1].map((n) => ({ n, title: s, body: s + n, url: `/c/${s}` })) },
    };
    const entry: Record<string, string> = { minimal: 'minimal.html', small: 'small.html', medium: 'medium.html', large: 'large.html', complex: 'complex/page.html', cards: 'cards.html' };
    for (const [w, d] of Object.entries(data)) {
      const expected = env.getTemplate(entry[w]).render(d);
      const cs = candidates(w) as { id: string; f: (d: unknown) => string }[];
      expect(cs.length).toBe(16);
      for (const c of cs) expect(c.f(d), `${w} ${c.id}`).toBe(expected);
    }
  });
});
