// Issue #25: the divergences the differential corpus kept as known, now closed. Each case is
// rendered by Nunjucks 3.2.4 at test time and by Kida through render, renderStream,
// renderStreamAsync, renderAsync (renderBlock where the page is its one block) and the compiled module.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { makeEnv } from '../support.js';
import nunjucks from 'nunjucks';
import { expectEveryWay, nunjucksOutcome, sameAsNunjucks } from './njk-differential.js';

/** Nunjucks' outcome, then Kida's every way but the compiled module (whose test loader knows only literal names; the corpus links them by name). */
async function sameByName(files: Record<string, string>, src: string, ctx: Record<string, unknown>, block?: string): Promise<string> {
  const want = nunjucksOutcome(files, src, ctx);
  await expectEveryWay(files, src, ctx, want, block, false);
  return want;
}

// A layout whose output is its one block (so renderBlock('content') is the whole page), one that
// wraps it, and a middle layout that picks its own parent from the data.
const layouts = {
  'plain.njk': '{% block content %}(plain){% endblock %}',
  'frame.njk': '{% set site = "S" %}{% block content %}<main>{{ site }}</main>{% endblock %}',
  'middle.njk': '{% if wrap %}{% extends "frame.njk" %}{% endif %}{% block content %}[mid {{ super() }}]{% endblock %}',
};

describe('{% extends %} run where it stands (inside if/else, from data)', () => {
  it('an Eleventy-style page takes the layout its data names, or renders on its own', async () => {
    const page = '{% set title = "T" %}{% if layout %}{% extends layout %}{% endif %}{% block content %}{{ title }}:{{ super() if layout == "frame.njk" else "-" }}{% endblock %}';
    expect(await sameByName(layouts, page, { layout: 'frame.njk' }, 'content')).toBe('T:<main>S</main>');
    expect(await sameByName(layouts, page, { layout: 'plain.njk' }, 'content')).toBe('T:-');
  });
  it('without a parent the whole top level renders, blocks in place', async () => {
    expect(await sameByName(layouts, 'a{% if layout %}{% extends layout %}{% endif %}b{% block content %}c{% endblock %}d', {})).toBe('abcd');
  });
  it('else and elif pick between parents; text before the extends is dropped', async () => {
    const page = 'x{% if a %}{% extends "plain.njk" %}{% elif b %}{% extends "frame.njk" %}{% else %}{% extends "middle.njk" %}{% endif %}{% block content %}late{{ super() }}{% endblock %}y';
    expect(await sameAsNunjucks(layouts, page, { a: 1 }, 'content')).toBe('late(plain)');
    expect(await sameAsNunjucks(layouts, page, { b: 1 }, 'content')).toBe('late<main>S</main>');
    expect(await sameAsNunjucks(layouts, page, { wrap: true }, 'content')).toBe('late[mid <main>S</main>]');
    expect(await sameAsNunjucks(layouts, page, { wrap: false })).toMatch(/^Error: .*no super block available/);
  });
  it('super() walks the chain this render picked, through a middle layout that chose at run time', async () => {
    const page = '{% extends "middle.njk" %}{% block content %}P{{ super() }}{% endblock %}';
    expect(await sameAsNunjucks(layouts, page, { wrap: true }, 'content')).toBe('P[mid <main>S</main>]');
    // (middle.njk without a parent: its block's super() has nothing to render, in both)
    expect(await sameAsNunjucks(layouts, page, { wrap: false })).toMatch(/^Error: .*no super block available for "content"/);
  });
  it('renderBlock finds a block only the picked parent defines, with its top-level sets', () => {
    const env = makeEnv({ ...layouts, 'two.njk': '{% set n = 2 %}{% block content %}{% endblock %}{% block side %}side {{ n }}{% endblock %}' }, { compat: 'nunjucks' });
    const t = env.fromString('{% if l %}{% extends l %}{% endif %}{% block content %}c{% endblock %}');
    expect(t.renderBlock('side', { l: 'two.njk' })).toBe('side 2');
    expect(() => t.renderBlock('side', { l: 'plain.njk' })).toThrow(/Block 'side' not found/);
    expect(t.renderBlock('content', {})).toBe('c');
  });
  it('two extends: the first parent renders nothing of its own, its blocks win over the second\'s', async () => {
    expect(await sameAsNunjucks(layouts, '{% extends "plain.njk" %}{% extends "frame.njk" %}', {})).toBe('(plain)');
  });
  it('an async filter in the page or the block: renderAsync and renderStreamAsync await it', async () => {
    const env = makeEnv(layouts, { compat: 'nunjucks' });
    env.addFilter('later', async (v: unknown) => `${String(v)}!`, true);
    const t = env.fromString('{% if layout %}{% extends layout %}{% endif %}{% block content %}{{ "a" | later }}{{ super() }}{% endblock %}');
    expect(await t.renderAsync({ layout: 'frame.njk' })).toBe('a!<main>S</main>');
    let s = '';
    for await (const c of t.renderStreamAsync({ layout: 'plain.njk' })) s += c;
    expect(s).toBe('a!(plain)');
  });
  it('generated pages: any mix of conditional parents, overrides and super() renders as Nunjucks renders it', async () => {
    const block = fc.record({ set: fc.boolean(), sup: fc.nat(2), text: fc.constantFrom('', 'k', '<i>') });
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('plain.njk', 'frame.njk', 'middle.njk', ''), fc.boolean(), fc.option(block, { nil: null }), fc.boolean(), async (layout, wrap, b, before) => {
        const body = b ? `{% block content %}${b.set ? '{% set site = "mine" %}' : ''}{{ text }}${'{{ super() }}'.repeat(b.sup)}{{ site }}{% endblock %}` : '';
        const page = `${before ? 'pre' : ''}{% if layout %}{% extends layout %}{% endif %}${body}post`;
        const ctx = { layout, wrap, text: b?.text };
        const want = nunjucksOutcome(layouts, page, ctx);
        const t = makeEnv(layouts, { compat: 'nunjucks' }).fromString(page);
        const got = (() => {
          try {
            return t.render(ctx);
          } catch (e) {
            return `Error: ${(e as Error).message}`;
          }
        })();
        if (want.startsWith('Error')) expect(got).toMatch(/^Error/);
        else {
          expect(got).toBe(want);
          expect([...t.renderStream(ctx)].join('')).toBe(want);
          expect(await t.renderAsync(ctx)).toBe(want);
        }
      }),
      { numRuns: 150 },
    );
  });
});

describe('super() is rendered where the block starts, as Nunjucks lifts it', () => {
  const base = { 'b.njk': '{% block content %}[{{ v }}]{% endblock %}' };
  it("so the parent's block never sees the child block's sets", async () => {
    expect(await sameAsNunjucks(base, '{% extends "b.njk" %}{% block content %}{% set v = "child" %}{{ super() }}{{ v }}{% endblock %}', { v: 'data' }, 'content')).toBe('[data]child');
  });
  it('two super() print one rendering of it', async () => {
    const files = { 'b.njk': '{% block content %}{{ n.length }}{% set _ = n.push(1) %}{% endblock %}' };
    // (an array the parent's block grows each time it runs: once here, as in Nunjucks)
    const src = '{% extends "b.njk" %}{% block content %}{{ super() }}{{ super() }}{{ n.length }}{% endblock %}';
    expect(nunjucksOutcome(files, src, { n: [] })).toBe('001');
    const t = makeEnv(files, { compat: 'nunjucks' }).fromString(src);
    expect([t.render({ n: [] }), [...t.renderStream({ n: [] })].join(''), await t.renderAsync({ n: [] }), t.renderBlock('content', { n: [] })]).toEqual(['001', '001', '001', '001']);
  });
});

describe('raw and slices as Nunjucks reads them', () => {
  it('an unclosed raw keeps what it read and lexes the rest', async () => {
    expect(await sameAsNunjucks({}, 'a{% raw %}{{ x }}{% raw %}y{{ 1 + 1 }}', {})).toBe('a{{ x }}{% raw %}y2');
    expect(await sameAsNunjucks({}, '{% raw %}{% raw %}{% endraw %}{% endraw %}', {})).toBe('{% raw %}{% endraw %}');
  });
  it('a slice is an array of members, a string\'s too, unclamped', async () => {
    // (Nunjucks reads slices only after installJinjaCompat(), the form compared here)
    const src = '{{ s[1:3] }}|{{ s[::-1] | join }}|{{ xs[1:9] | length }}';
    const ctx = { s: 'héllo', xs: [1, 2, 3] };
    const uninstall = nunjucks.installJinjaCompat();
    let want: string;
    try {
      want = nunjucksOutcome({}, src, ctx);
    } finally {
      uninstall();
    }
    expect(want).toBe('é,l|olléh|3');
    await expectEveryWay({}, src, ctx, want);
  });
  it('a slice step of zero is refused (Nunjucks loops forever)', () => {
    expect(() => makeEnv({}, { compat: 'nunjucks' }).fromString('{{ xs[::0] }}').render({ xs: [1] })).toThrow(/non-zero/);
    expect(makeEnv({}, { compat: 'nunjucks' }).fromString('[{{ n[1:] }}]').render({ n: 5 })).toBe('[]');
  });
});
