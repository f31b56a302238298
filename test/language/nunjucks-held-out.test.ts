// Shapes that other projects' real templates (issue #25's held-out check: the ONS design system,
// bench/nunjucks-projects.mjs) exposed: each is rendered by Nunjucks 3.2.4 at test time and by Kida
// through every entry point and the compiled module (njk-differential.ts).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nunjucksOutcome, sameAsNunjucks } from './njk-differential.js';

describe('for loops over a plain string', () => {
  it('`for k, v in str` walks [index, character] pairs, as Nunjucks\' `for (k in str)` does', async () => {
    // (the ONS macros' `for name, value in params.attributes` when attributes is a string)
    expect(await sameAsNunjucks({}, '{% for k, v in s %} {{ k }}="{{ v }}"{% endfor %}', { s: 'a<"' })).toBe(' 0="a" 1="&lt;" 2="&quot;"');
    // (the keys are strings, as for-in gives them: `+` concatenates)
    expect(await sameAsNunjucks({}, '{% for k, v in s %}{{ k + 1 }}/{{ loop.length }}/{{ loop.last }};{% endfor %}', { s: 'xy' })).toBe('01/2/false;11/2/true;');
    expect(await sameAsNunjucks({}, '{% for k, v in s %}{{ k }}{% else %}none{% endfor %}', { s: '' })).toBe('none');
  });
  it('a safe string is an iterable object there: its characters, each unpacked as item[0], item[1]', async () => {
    expect(await sameAsNunjucks({}, '{% for a, b in s | safe %}[{{ a }}:{{ b }}]{% endfor %}', { s: 'ab' })).toBe('[a:][b:]');
  });
  it('one name walks a plain string by UTF-16 units (Nunjucks indexes it) and a safe one by code points', async () => {
    expect(await sameAsNunjucks({}, '{% for c in s %}[{{ c }}]{% endfor %}', { s: 'a\u{1F600}' })).toBe('[a][\ud83d][\ude00]');
    expect(await sameAsNunjucks({}, '{% for c in s | safe %}[{{ c }}]{% endfor %}', { s: 'a\u{1F600}' })).toBe('[a][\u{1F600}]');
  });
  it('any string, with one name or two, loop variables included', async () => {
    const templates = [
      '{% for k, v in s %}{{ k }}={{ v }}:{{ loop.index }}/{{ loop.revindex }};{% else %}-{% endfor %}',
      '{% for c in s %}{{ c }}{{ loop.index0 }}|{% else %}-{% endfor %}',
      '{% for a, b in s | safe %}{{ a }}.{{ b }}|{% endfor %}',
    ];
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 8 }), fc.constantFrom(...templates), async (s, src) => {
        await sameAsNunjucks({}, src, { s });
      }),
      { numRuns: 60 },
    );
  });
  it('what is not a string is walked as before: numbers and booleans give nothing, objects their pairs', () => {
    const src = '{% for k, v in x %}{{ k }}={{ v }};{% else %}-{% endfor %}';
    expect([5, true, { a: 1 }, ['xy', 'z']].map((x) => nunjucksOutcome({}, src, { x }))).toEqual(['-', '-', 'a=1;', 'x=y;z=;']);
    return Promise.all([5, true, { a: 1 }, ['xy', 'z']].map((x) => sameAsNunjucks({}, src, { x })));
  });
});

describe('a JavaScript method read as a value, written as text', () => {
  // (the ONS header's `{{ params.mastheadLogo.small | safe }}` when mastheadLogo is a string: `small` is String#small)
  it('is the text of Nunjucks\' memberLookup wrapper, as Nunjucks prints the function it returns', async () => {
    const wrapper = await sameAsNunjucks({}, '{{ s.trim }}', { s: 'x' });
    expect(wrapper).toMatch(/^function \(\) \{\n[^]*return obj\[val\]\.apply\(obj, args\);\n {4}\}$/);
    for (const src of ['{{ s.small | safe }}', '{{ s.trim | escape }}', '{{ s.trim | string }}', '{{ s.trim | forceescape }}', '{{ "<" ~ s.trim }}', '{{ s.trim + "!" }}', '{{ [s.trim, 1] }}', '{{ o.f }}'])
      await sameAsNunjucks({}, src, { s: 'x', o: { f() {} } });
  });
  it('is that text where the app\'s own code converts it too (a function from the data, read through a macro\'s params)', async () => {
    // (@govuk-one-login/frontend-ui's base passes the contactUsUrl global as `params.contactUrl`, and
    // contactUsUrl() writes it into a URL with `${baseUrl}`)
    const ctx = { url: (x: unknown) => `${x}?q`, cat: (x: unknown) => String(x) + '!', o: { g() { return 1; } }, s: 'x' };
    const src = '{% macro m(p) %}{{ url(p.f) }}|{{ cat(p.f) }}{% endmacro %}{{ m({ f: o.g }) }}|{{ url(s.trim) }}|{{ m({ f: url }) }}';
    const out = await sameAsNunjucks({}, src, ctx);
    expect(out).toContain('return obj[val].apply(obj, args);\n    }?q|');
  });
  it('calling it is unchanged, and a function that is not a method read keeps its own source', async () => {
    expect(await sameAsNunjucks({}, '{{ s.trim() }}|{{ s.small() }}', { s: ' x ' })).toBe('x|&lt;small&gt; x &lt;/small&gt;');
    const f = function named() { return 1; };
    expect(await sameAsNunjucks({}, '{{ f }}', { f })).toBe(String(f));
  });
});

describe('{% endblock name %}', () => {
  // (The National Archives' layouts close every block so: `{% endblock pageTitle %}`)
  it('may repeat the block\'s own name, as Nunjucks\' parser skips it', async () => {
    const files = { 'base.njk': '<t>{% block title %}T{% endblock title %}</t>{% block body %}{% endblock body %}' };
    expect(await sameAsNunjucks(files, '{% extends "base.njk" %}{% block body %}b{{ super() }}{% endblock body %}')).toBe('<t>T</t>b');
    expect(await sameAsNunjucks({}, '{% block a %}{% block b %}x{% endblock b %}{% endblock a %}', {}, 'a')).toBe('x');
  });
  it('another name, or a second name, fails in both', async () => {
    for (const src of ['{% block a %}x{% endblock b %}', '{% block a %}x{% endblock a a %}', '{% block a %}{% block b %}x{% endblock a %}{% endblock b %}'])
      expect(await sameAsNunjucks({}, src)).toMatch(/^Error: /);
  });
});

describe('custom tag syntax (`tags`) with raw and verbatim (ninth pass: templates rewritten to <% %>)', () => {
  const TAGS = { blockStart: '<%', blockEnd: '%>', variableStart: '<$', variableEnd: '$>', commentStart: '<#', commentEnd: '#>' };
  it('raw and verbatim end at the configured closer here; Nunjucks 3.2.4 cannot lex them at all with custom tags', async () => {
    const nunjucks = (await import('nunjucks')).default;
    const { DictLoader, Environment } = await import('../../compiler/environment.js');
    const theirs = new nunjucks.Environment(null, { tags: TAGS });
    const env = new Environment({ loader: new DictLoader({}), compat: 'nunjucks', ...TAGS });
    for (const [src, want] of [
      ['a<% raw %><$ x $><% if %>{{ y }}<% endraw %>b', 'a<$ x $><% if %>{{ y }}b'],
      ['<% verbatim %><$ x $><% endverbatim %>|<$ x $>', '<$ x $>|1'],
    ] as const) {
      // (its lexer looks for a raw block's end with the default `{%`: "unknown block tag: endraw" and the like)
      expect(() => theirs.renderString(src, { x: 1 })).toThrow(/unknown block tag|unexpected token/);
      const t = env.fromString(src);
      expect([t.render({ x: 1 }), [...t.renderStream({ x: 1 })].join(''), await t.renderAsync({ x: 1 })]).toEqual([want, want, want]);
    }
  });
});
