// The shapes where `compat: 'nunjucks'` used to differ from Nunjucks 3.2.4 (issue #25's last list):
// each case is rendered by Nunjucks at test time and by Kida through every entry point and the
// compiled module (njk-differential.ts); an error in Nunjucks must be an error here, with its message.
import { describe, expect, it } from 'vitest';
import { renderError } from '../support.js';
import { sameAsNunjucks } from './njk-differential.js';

describe('groupby by keys that name Object.prototype members', () => {
  it('fails as in Nunjucks (its result object finds the inherited member), and reaches nothing', async () => {
    for (const k of ['toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf'])
      expect(await sameAsNunjucks({}, '{% for k, v in xs | groupby("k") %}{{ k }}={{ v | length }};{% endfor %}', { xs: [{ k: 'a' }, { k }] })).toMatch(
        /^Error: .*push is not a function/,
      );
    expect(await sameAsNunjucks({}, '{% for k, v in xs | groupby("k") %}{{ k }}={{ v | length }};{% endfor %}', { xs: [{ k: 'a' }, { k: 'proto' }, { k: 'a' }] })).toBe(
      'a=2;proto=1;',
    );
    expect(await sameAsNunjucks({}, '{{ xs | groupby("toString") | dump }}', { xs: [{ toString: 1 }, { a: 2 }] })).toContain('undefined');
  });
});

describe('loop closers', () => {
  it('each loop tag closes with its own end tag only, as Nunjucks\' parser reads them', async () => {
    for (const src of ['{% for x in [1, 2] %}{{ x }}{% endeach %}', '{% asyncEach x in [1] %}{{ x }}{% endfor %}', '{% asyncAll x in [1] %}{{ x }}{% endeach %}', '{% for x in [1] %}{% asyncAll y in [2] %}{{ y }}{% endfor %}{% endall %}'])
      expect(await sameAsNunjucks({}, src)).toMatch(/^Error: unknown block tag: end(each|for|all)$/);
    expect(await sameAsNunjucks({}, '{% asyncAll x in [1, 2] %}{% for y in [3] %}{{ x }}{{ y }}{% endfor %}{% endall %}{% asyncEach x in [] %}{{ x }}{% else %}e{% endeach %}')).toBe('1323e');
  });
  it('the refusal is a syntax error pointing at the tag', () => {
    const e = renderError('{% for x in xs %}\n  {{ x }}{% endall %}', {}, { compat: 'nunjucks' });
    expect(e.name).toBe('TemplateSyntaxError');
    expect(e.message).toContain('unknown block tag: endall');
    expect([e.lineno, e.colno]).toEqual([2, 12]); // (the tag's name)
  });
});

describe('{% call %} of something that is not a macro', () => {
  it('fails with Nunjucks\' message naming the callee as its compiler does', async () => {
    expect(await sameAsNunjucks({}, '{% call nope() %}x{% endcall %}')).toBe('Error: Unable to call `nope`, which is undefined or falsey');
    expect(await sameAsNunjucks({}, '{% call(a) o.m() %}x{% endcall %}', { o: { m: 1 } })).toBe('Error: Unable to call `o["m"]`, which is not a function');
    expect(await sameAsNunjucks({}, '{% call o[k].n() %}x{% endcall %}', { o: {}, k: 'a' })).toMatch(/^Error: /);
    for (const src of ['{{ o.m.n() }}', '{{ o[k]() }}', '{{ o.m()() }}', '{{ o.f(1)(2) }}'])
      expect(await sameAsNunjucks({}, src, { o: { m: () => 1, f: () => null }, k: 'x' })).toMatch(/^Error: Unable to call `/);
  });
});

describe('two blocks of one name in a template', () => {
  it('are refused, wherever the second stands, as Nunjucks refuses them', async () => {
    for (const src of [
      '{% block a %}1{% endblock %}{% block a %}2{% endblock %}',
      '{% block a %}{% block b %}1{% endblock %}{% endblock %}{% block b %}2{% endblock %}',
      '{% if x %}{% block a %}1{% endblock %}{% else %}{% block a %}2{% endblock %}{% endif %}',
      '{% macro m() %}{% block a %}1{% endblock %}{% endmacro %}{% block a %}2{% endblock %}',
    ])
      expect(await sameAsNunjucks({}, src)).toMatch(/^Error: Block "[ab]" defined more than once\.$/);
    expect(await sameAsNunjucks({ 'base.njk': '{% block a %}B{% endblock %}' }, '{% extends "base.njk" %}{% block a %}C{{ super() }}{% endblock %}')).toBe('CB');
  });
  it('as a TemplateSyntaxError with the template, line, column and excerpt', () => {
    const e = renderError('{% block a %}1{% endblock %}\n{% block a %}2{% endblock %}', {}, { compat: 'nunjucks' });
    expect(e.name).toBe('TemplateSyntaxError');
    expect([e.lineno, e.colno]).toEqual([2, 3]); // (the tag's name)
    expect(e.message).toContain('{% block a %}2{% endblock %}');
    expect(renderError('{% block a %}{% endblock %}{% block a %}{% endblock %}', {}, { compat: 'nunjucks' }, {}).message).toContain('<template>');
  });
});

describe('a template imported with context', () => {
  const files = {
    'defs.njk': '{% set base = "B" %}{% set a = "imp" %}{% macro show(x) %}{{ base }}{{ a }}{{ x }}{% endmacro %}',
    'loopset.njk': '{% for k in [1] %}{% set a = "L" %}{% set nw = "N" %}{% endfor %}{{ a }}{% set b = a + "b" %}',
    'inc.njk': '<{{ a }}|{{ b }}>',
  };
  it('changes a name the importer\'s frames hold with its top-level sets (Nunjucks resolves them up), not the importer\'s context', async () => {
    expect(await sameAsNunjucks(files, '{% set a = 1 %}{% import "defs.njk" as d with context %}{{ a }}{{ d.show(1) }}{{ base }}')).toBe('impBimp1');
    expect(await sameAsNunjucks(files, '{% set a = 1 %}{% from "defs.njk" import show with context %}{{ a }}{{ show(1) }}')).toBe('impBimp1');
    expect(await sameAsNunjucks(files, '{% from "defs.njk" import show with context %}{% set a = 1 %}{{ a }}{{ show(1) }}')).toBe('1Bimp1');
    expect(await sameAsNunjucks(files, '{% set a = 0 %}{% for i in [9] %}{% import "defs.njk" as d with context %}{{ a }}{{ d.show(1) }}{% endfor %}{{ a }}')).toBe('impBimp1imp');
    // (the importer's macros read its context, which only its own top-level sets change)
    expect(await sameAsNunjucks(files, '{% set a = 1 %}{% macro m() %}{{ a }}{% endmacro %}{% import "defs.njk" as d with context %}{{ a }}{{ m() }}{% include "inc.njk" %}')).toBe('imp1<imp|>');
    expect(await sameAsNunjucks(files, '{% import "defs.njk" as d with context %}{{ a }}{{ d.show(1) }}', { a: 'D' })).toBe('DBimp1');
    expect(await sameAsNunjucks(files, '{% set a = 1 %}{% import "defs.njk" as d %}{{ a }}{{ d.show(2) }}')).toBe('1Bimp2');
  });
  it('through loops of the imported template, macros, caller bodies and blocks of the importer', async () => {
    expect(await sameAsNunjucks(files, '{% set a = 1 %}{% set b = 1 %}{% import "loopset.njk" as d with context %}{{ a }}{{ b }}{{ nw }}|{{ d.a }}{{ d.b }}{% include "inc.njk" %}')).toBe('LLb|Lb<L|Lb>');
    expect(await sameAsNunjucks(files, '{% macro m(a) %}{% import "defs.njk" as d with context %}{{ a }}{% include "inc.njk" %}{% endmacro %}{{ m(5) }}')).toBe('5<imp|>');
    expect(await sameAsNunjucks(files, '{% macro w() %}{{ caller() }}{% endmacro %}{% set a = 1 %}{% call w() %}{% set a = 2 %}{% import "defs.njk" as d with context %}{{ a }}{% endcall %}{{ a }}')).toBe('imp1');
    expect(await sameAsNunjucks(files, '{% set a = 1 %}{% block bb %}{% import "defs.njk" as d with context %}{{ a }}{% endblock %}{{ a }}', {}, undefined)).toBe('impimp');
    expect(await sameAsNunjucks(files, '{% block bb %}{% set a = 3 %}{% import "defs.njk" as d with context %}{{ a }}{% endblock %}', {}, 'bb')).toBe('imp');
    // (its context is a copy of the importer's taken at the import: a name its loop changes in the importer's frame is not seen by its macros)
    expect(await sameAsNunjucks({ ...files, 'ls.njk': '{% for k in [1] %}{% set b = "J" %}{% endfor %}{% macro sh() %}[{{ b }}]{% endmacro %}' },
      '{% set b %}{% endset %}{% block bk %}{% for i in [1, 2] %}{% import "ls.njk" as e with context %}{{ e.sh() }}{{ b }}{% endfor %}{% endblock %}{{ b }}')).toBe('[]J[]JJ');
    // (a loop variable is in the loop's frame: the import changes it there, for an include, not for the loop's own reads)
    expect(await sameAsNunjucks(files, '{% for a in [1, 2] %}{% import "defs.njk" as d with context %}{{ a }}{% include "inc.njk" %}{% endfor %}')).toBe('1<imp|>2<imp|>');
    expect(await sameAsNunjucks(files, '{% block bk %}{% for a in [1] %}{% from "defs.njk" import show with context %}{{ a }}{{ show(2) }}{% include "inc.njk" %}{% endfor %}{% endblock %}', {}, 'bk')).toBe('1Bimp2<imp|>');
  });
});

describe('an included template\'s context', () => {
  const files = {
    // (its macro escapes into the includer's frame through a loop's set, and is called later)
    'g.njk': '{% macro g() %}<{{ a }}{{ b }}>{% endmacro %}{% for x in [1] %}{% set f = g %}{% endfor %}{{ g() }}',
    'inc.njk': '<{{ a }}>{% for x in [1] %}{% set a = "L" %}{% endfor %}<{{ a }}>',
    'incm.njk': '{% macro im() %}[{{ a }}]{% endmacro %}{{ im() }}{% set a = "I" %}{{ im() }}',
    'nest.njk': '{% include "g.njk" %}',
  };
  it('is a copy of the includer\'s taken at the include: its macros do not see the includer\'s later sets', async () => {
    expect(await sameAsNunjucks(files, '{% set f = 0 %}{% set a = 1 %}{% include "g.njk" %}{% set a = 2 %}{% set b = 3 %}{{ f() }}{{ a }}')).toBe('<1><1>2');
    expect(await sameAsNunjucks(files, '{% set f = 0 %}{% include "g.njk" %}{% set a = 2 %}{{ f() }}', { a: 'D' })).toBe('<D><D>');
    expect(await sameAsNunjucks(files, '{% set f = 0 %}{% set a = 1 %}{% include "nest.njk" %}{% set a = 2 %}{{ f() }}')).toBe('<1><1>');
    expect(await sameAsNunjucks(files, '{% set f = 0 %}{% macro m() %}{% set a = 5 %}{% include "g.njk" %}{% endmacro %}{{ m() }}{{ f() }}', { a: 'D' })).toMatch(/^Error: Unable to call `f`/);
    // (from a macro: the include's loop set stops at the macro's frame, which has no parent)
    expect(await sameAsNunjucks(files, '{% macro m() %}{% set a = 5 %}{% include "g.njk" %}{% endmacro %}{{ m() }}', { a: 'D' })).toBe('<D>');
  });
  it('while the includer\'s frames stay live: loops, sets in loops, macros reading the context', async () => {
    expect(await sameAsNunjucks(files, '{% set a = 1 %}{% for i in [1, 2] %}{% include "inc.njk" %}{% endfor %}{{ a }}')).toBe('<1><L><L><L>L');
    expect(await sameAsNunjucks(files, '{% set a = 1 %}{% macro m() %}{{ a }}{% endmacro %}{% for i in [1, 2] %}{% include "inc.njk" %}{{ m() }}{% endfor %}{{ a }}{{ m() }}')).toBe('<1><L>1<L><L>1L1');
    expect(await sameAsNunjucks(files, '{% set a = 1 %}{% for i in [1, 2] %}{% set a = i %}{% include "incm.njk" %}{% endfor %}{{ a }}')).toBe('[1][I][1][I]2');
    expect(await sameAsNunjucks(files, '{% block bk %}{% set a = 1 %}{% include "incm.njk" %}{% endblock %}', {}, 'bk')).toBe('[][I]');
    expect(await sameAsNunjucks(files, '{% set a = 1 %}{% include "incm.njk" %}')).toBe('[1][I]');
  });
});

describe('a caller body passed on to another macro', () => {
  const files = { 'inner.njk': '{% macro inner() %}[{{ caller() }}]{% endmacro %}{% macro take(c) %}{% set y = "G" %}<{{ c() }}>{% endmacro %}' };
  it('runs on the frame of the code of its own template that calls out last, as Nunjucks\' one frame variable per function', async () => {
    // (passed as `caller=`: the macro it reaches has it as its caller)
    expect(await sameAsNunjucks(files, '{% macro inner() %}[{{ caller() }}]{% endmacro %}{% macro outer(x) %}{% for i in [x] %}{{ inner(caller=caller) }}{% endfor %}{% endmacro %}{% for i in [5] %}{% call outer(1) %}{{ x }}{{ i }}{% endcall %}{% endfor %}')).toBe('[5]');
    expect(await sameAsNunjucks(files, '{% macro inner(c) %}{% set y = 3 %}[{{ c() }}]{% endmacro %}{% macro outer(x) %}{% set y = 2 %}{{ inner(caller) }}{% endmacro %}{% set y = 1 %}{% call outer(1) %}{{ x }}{{ y }}{% endcall %}')).toBe('[3]');
    expect(await sameAsNunjucks(files, '{% macro outer(x) %}{% set c = caller %}{% for i in [7] %}{{ c() }}{% endfor %}{% endmacro %}{% call outer(1) %}{{ x }}{{ i }}{% endcall %}')).toBe('17');
    // (a macro of another template calling it: the frame of the last call out of this template's code)
    expect(await sameAsNunjucks(files, '{% from "inner.njk" import take %}{% macro outer(x) %}{% set y = 2 %}{% for i in [7] %}{{ take(caller) }}{% endfor %}{% endmacro %}{% set y = 1 %}{% call outer(1) %}{{ x }}{{ y }}{{ i }}{% endcall %}')).toBe('<127>');
    expect(await sameAsNunjucks(files, '{% from "inner.njk" import inner %}{% macro outer(x) %}{% for i in [7] %}{% call inner() %}{{ caller() }}{% endcall %}{% endfor %}{% endmacro %}{% call outer(1) %}{{ x }}{{ i }}{% endcall %}')).toBe('[17]');
    expect(await sameAsNunjucks(files, '{% from "inner.njk" import inner %}{% for i in [3] %}{% set t = 4 %}{% call inner() %}{{ i }}{{ t }}{{ y }}{% endcall %}{% endfor %}')).toBe('[34]');
  });
  it('in a block, rendered through renderBlock too', async () => {
    expect(await sameAsNunjucks(files, '{% block bk %}{% macro inner(c) %}{% set y = 3 %}[{{ c() }}]{% endmacro %}{% macro outer(x) %}{{ inner(caller) }}{% endmacro %}{% call outer(1) %}{{ x }}{{ y }}{% endcall %}{% endblock %}', {}, 'bk')).toBe('[3]');
  });
});

describe('a macro parameter the call left out, set in a loop', () => {
  const files = { 'inc.njk': '<{{ p }}>', 'wrap.njk': '{% macro wrap() %}({{ caller() }}){% endmacro %}' };
  it('is the new value in the macro, while an include after the loop finds the data\'s name (the loop\'s frame had it)', async () => {
    expect(await sameAsNunjucks(files, '{% macro m(p) %}{% for i in [1] %}{% set p = 5 %}{% endfor %}{{ p }}{% include "inc.njk" %}{% endmacro %}{{ m() }}', { p: 'D' })).toBe('5<D>');
    expect(await sameAsNunjucks(files, '{% macro m(p) %}{% for i in [1] %}{% set p = 5 %}{% include "inc.njk" %}{% endfor %}{{ p }}{% include "inc.njk" %}{% endmacro %}{{ m() }}', { p: 'D' })).toBe('<5>5<D>');
    expect(await sameAsNunjucks(files, '{% macro m(p) %}{% for i in [1] %}{% set p = 5 %}{% endfor %}{% for i in [1] %}{{ p }}{% set p = p + 1 %}{% include "inc.njk" %}{% endfor %}{% include "inc.njk" %}{% endmacro %}{{ m() }}', { p: 'D' })).toBe('5<6><D>');
    expect(await sameAsNunjucks(files, '{% from "wrap.njk" import wrap %}{% call(p) wrap() %}{% for i in [1] %}{% set p = 5 %}{% endfor %}{{ p }}{% include "inc.njk" %}{% endcall %}', { p: 'D' })).toBe('(5<D>)');
    expect(await sameAsNunjucks(files, '{% macro w() %}{{ caller() }}{% endmacro %}{% macro m(p) %}{% for i in [1] %}{% set p = 5 %}{% endfor %}{% call w() %}[{{ p }}]{% endcall %}{% endmacro %}{{ m() }}', { p: 'D' })).toBe('[5]');
    expect(await sameAsNunjucks(files, '{% macro m(p) %}{% if true %}{% set p = 5 %}{% endif %}{{ p }}{% include "inc.njk" %}{% endmacro %}{{ m() }}', { p: 'D' })).toBe('5<5>');
  });
});

describe('a macro defined at a macro\'s own level', () => {
  it('is a name of the template\'s context, also once a loop has changed a top-level name', async () => {
    const files = { 'incesc.njk': '{% macro g2() %}({{ a }}){% endmacro %}{% for k in [1] %}{% set f = g2 %}{% endfor %}' };
    expect(await sameAsNunjucks(files, '{% set f = 0 %}{% for i in [1] %}{% include "incesc.njk" %}{% endfor %}{% macro n(a) %}{% macro n(a) %}[{{ a }}]{% endmacro %}{{ n(2) }}{% endmacro %}{{ n(1) }}')).toBe('[2]');
    expect(await sameAsNunjucks(files, '{% set c = 0 %}{% for i in [1] %}{% set c = 1 %}{% endfor %}{% macro m() %}{% macro k() %}<{{ c }}>{% endmacro %}{% endmacro %}{{ m() }}{{ k() }}{{ c }}')).toBe('<0>1');
  });
});
