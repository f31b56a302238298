// A child template's top level as Nunjucks runs it (compiler.js compileRoot): every statement
// runs, its output dropped, then the parent renders on the same context. Found by the GOV.UK
// Prototype Kit's layout (bench/nunjucks-projects.mjs, project `kit`): `{% if dev %}{% set
// footerItems = … %}{% endif %}` and `{% set govukFooterHtml %}…{% endset %}` at its top level,
// read by a block the parent renders inside a `{% call %}` under `super()`. We ran only the
// top-level definitions (`set`, imports, macros), as default Kida does. Each case is rendered by
// Nunjucks 3.2.4 at test time and by Kida every way (njk-differential.ts).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sameAsNunjucks } from './njk-differential.js';

// (a layout that is its one block: renderBlock('content') is the whole page)
const base = { 'base.njk': '{% block content %}base{% endblock %}' };
// (govuk-frontend's template.njk, reduced: a block inside a caller body, inside an overridable block)
const framed = {
  'frame.njk': '{% macro wrap() %}{% if caller() | trim | length %}[{{ caller() }}]{% endif %}{% endmacro %}' +
    '{% block footer %}{% call wrap() %}{% block inner %}inner{% endblock %}{% endcall %}{% endblock %}',
};

describe('a child template\'s top level (compat: nunjucks)', () => {
  it('a set block there is seen by the blocks, under super() and a caller body too', async () => {
    const src = '{% extends "frame.njk" %}{% set html %}<b>{{ n }}</b>{% endset %}{% block inner %}{{ html | safe }}{% endblock %}{% block footer %}<{{ super() }}>{% endblock %}';
    expect(await sameAsNunjucks(framed, src, { n: '<x>' })).toBe('<[<b>&lt;x&gt;</b>]>');
  });
  it('sets inside if/else and loops run; their output, and the text around them, is dropped', async () => {
    const src = '{% extends "base.njk" %}text {{ "out" }}{% if dev %}{% set items = ["a", "b"] %}shown?{% else %}{% set items = ["c"] %}{% endif %}' +
      '{% for i in items %}{{ i }}{% set last = i %}{% endfor %}{% block content %}{{ items | join(",") }}/{{ last }}{% endblock %}';
    expect(await sameAsNunjucks(base, src, { dev: true }, 'content')).toBe('a,b/');
    expect(await sameAsNunjucks(base, src, { dev: false }, 'content')).toBe('c/');
  });
  it('a call with an effect there happens once, before the parent renders', async () => {
    // (the list is made by the render: the data is shared by every way the test renders)
    const src = '{% extends "base.njk" %}{% set xs = [0] %}{{ xs.push(1) }}{% block content %}{{ xs | length }}{% endblock %}';
    expect(await sameAsNunjucks(base, src, {}, 'content')).toBe('2');
  });
  it('an error there is an error of the render', async () => {
    await sameAsNunjucks(base, '{% extends "base.njk" %}{% if true %}{{ nope() }}{% endif %}{% block content %}x{% endblock %}', {});
  });
  it('any mix of top-level statements, in any order around the blocks', async () => {
    const stmts = [
      '{% set a = "A" %}', '{% set b %}B{{ a }}{% endset %}', '{% if flag %}{% set a = "F" %}{% endif %}',
      '{% for x in [1, 2] %}{% set c = x %}{{ x }}{% endfor %}', '{{ a }}', 'text', '{% set a %}{% if flag %}T{% endif %}{% endset %}',
      '{% macro m() %}M{{ a }}{% endmacro %}', '{{ list.push(a) }}',
    ];
    const blocks = ['{% block content %}{{ a }}|{{ b }}|{{ c }}|{{ m() if m }}|{{ list | join }}{% endblock %}', '{% block content %}{{ super() }}:{{ a }}{% endblock %}'];
    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom(...stmts), { maxLength: 5 }), fc.constantFrom(...blocks), fc.nat(5), fc.boolean(), async (top, block, at, flag) => {
        const parts = [...top];
        parts.splice(Math.min(at, parts.length), 0, block);
        await sameAsNunjucks(base, `{% extends "base.njk" %}{% set list = [] %}${parts.join('')}`, { flag }, 'content');
      }),
      { numRuns: 40 },
    );
  }, 120_000);
});
