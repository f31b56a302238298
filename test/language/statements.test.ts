import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/index.js';
import { makeEnv, r, renderAll, renderError } from '../support.js';

describe('whitespace control, comments and raw', () => {
  it('trims with - on either side', async () => {
    expect(await renderAll('a  {{- "b" -}}  c\n{%- if true %} d{% end %}')).toBe('abc d');
  });
  it('drops comments', () => {
    expect(r('a{# hidden {{ x }} #}b')).toBe('ab');
  });
  it('keeps raw blocks verbatim', () => {
    expect(r('{% raw %}{{ x }} {% if %}{# c #}{% endraw %}')).toBe('{{ x }} {% if %}{# c #}');
  });
});

describe('if / unless', () => {
  it('chooses the first true branch', async () => {
    const t = '{% if n > 2 %}big{% elif n > 0 %}small{% else %}none{% end %}';
    expect(await renderAll(t, { n: 3 })).toBe('big');
    expect(await renderAll(t, { n: 1 })).toBe('small');
    expect(await renderAll(t, { n: 0 })).toBe('none');
  });
  it('supports unless with else and endif closers', () => {
    expect(r('{% unless x %}no{% else %}yes{% endif %}', { x: 1 })).toBe('yes');
  });
  it('does not compile errors inside literally dead branches', () => {
    expect(r('{% if false %}{{ x | nonexistent }}{% end %}ok')).toBe('ok');
  });
});

describe('for loops', () => {
  it('iterates lists, dict keys and strings', async () => {
    expect(await renderAll('{% for x in xs %}{{ x }}{% end %}|{% for k in d %}{{ k }}{% end %}|{% for c in "ab" %}{{ c }}.{% end %}', {
      xs: [1, 2],
      d: { a: 1, b: 2 },
    })).toBe('12|ab|a.b.');
  });
  it('unpacks pairs', () => {
    expect(r('{% for a, b in [[1, 2], [3, 4]] %}{{ a + b }} {% end %}')).toBe('3 7 ');
    expect(r('{% for (a, b) in pairs %}{{ a }}{{ b }}{% endfor %}', { pairs: [['x', 'y']] })).toBe('xy');
  });
  it('treats None as empty and runs else/empty', () => {
    expect(r('{% for x in none %}{{ x }}{% else %}empty{% end %}')).toBe('empty');
    expect(r('{% for x in [] %}{{ x }}{% empty %}nothing{% end %}')).toBe('nothing');
  });
  it('exposes the loop object', async () => {
    expect(
      await renderAll('{% for x in "abc" %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}{{ loop.first }}{{ loop.last }}{{ loop.length }};{% end %}'),
    ).toBe('103TrueFalse3;212FalseFalse3;321FalseTrue3;');
    expect(r('{% for x in [1, 2, 3] %}{{ loop.cycle("a", "b") }}{% end %}')).toBe('aba');
    expect(r('{% for x in [1, 2] %}[{{ loop.previtem }}|{{ loop.nextitem }}]{% end %}')).toBe('[|2][1|]');
  });
  it('filters inline after loop bookkeeping', () => {
    expect(r('{% for x in [1, 2, 3, 4] if x is even %}{{ loop.index }}/{{ loop.length }} {% end %}')).toBe('2/4 4/4 ');
  });
  it('supports break and continue', () => {
    expect(r('{% for x in 1..10 %}{% if x == 4 %}{% break %}{% end %}{% if x == 2 %}{% continue %}{% end %}{{ x }}{% end %}')).toBe('13');
  });
  it('keeps loop variables local to the loop', () => {
    expect(renderError('{% for x in [1] %}{% end %}{{ x }}').name).toBe('UndefinedError');
  });
  it('restores the outer loop after a nested one', () => {
    expect(r('{% for a in [1, 2] %}{% for b in [1] %}{% end %}{{ loop.index }}{% end %}')).toBe('12');
  });
  it('runs while loops with let', () => {
    expect(r('{% let n = 0 %}{% while n < 3 %}{{ n }}{% let n = n + 1 %}{% end %}')).toBe('012');
  });
});

describe('variables and scoping', () => {
  it('block-scopes set and keeps let template-wide', () => {
    expect(r('{% let x = 1 %}{% if true %}{% set x = x + 1 %}{{ x }}{% end %}{{ x }}')).toBe('21');
    expect(r('{% let t = 0 %}{% for i in [1, 2] %}{% let t = t + i %}{% end %}{{ t }}')).toBe('3');
    expect(r('{% set a = 1 %}{% export b = a + 1 %}{% promote c = b + 1 %}{{ a }}{{ b }}{{ c }}')).toBe('123');
  });
  it('assigns only missing names with ??=', () => {
    expect(r('{% let a ??= 1 %}{% let b ??= 2 %}{{ a }}{{ b }}', { b: 5 })).toBe('15');
    expect(r('{% for x in [3, 4] %}{% promote first ??= x %}{% end %}{{ first }}')).toBe('3');
  });
  it('destructures by index, ignoring extra items', () => {
    expect(r('{% set a, b = [1, 2, 3] %}{{ a }}{{ b }}')).toBe('12');
    expect(r('{% set (a, b), c = [[1, 2], 3] %}{{ a }}{{ b }}{{ c }}')).toBe('123');
    expect(r('{% set a = 1, b = 2 %}{{ a }}{{ b }}')).toBe('12');
  });
  it('binds with-assignments for the body only', () => {
    expect(r('{% with x = 1, y = 2 %}{{ x + y }}{% end %}{{ x ?? "gone" }}')).toBe('3gone');
  });
  it('renders conditional with only for truthy subjects', () => {
    expect(r('{% with user %}{{ it.name }}{% else %}anon{% end %}', { user: null })).toBe('anon');
    expect(r('{% with user as u %}{{ u.name }}{% end %}', { user: { name: 'ann' } })).toBe('ann');
    expect(r('{% with a, b as x, y %}{{ x }}{{ y }}{% else %}no{% end %}', { a: 1, b: 0 })).toBe('no');
  });
});

describe('match', () => {
  it('matches literals, captures, tuples and guards', async () => {
    const t = '{% match v %}{% case 1 %}one{% case (a, 0) %}pair {{ a }}{% case n if n > 10 %}big {{ n }}{% case _ %}other{% end %}';
    expect(await renderAll(t, { v: 1 })).toBe('one');
    expect(await renderAll(t, { v: [5, 0] })).toBe('pair 5');
    expect(await renderAll(t, { v: 11 })).toBe('big 11');
    expect(await renderAll(t, { v: 5 })).toBe('other');
  });
  it('supports multiple subjects and subject-less guards', () => {
    expect(r('{% match a, b %}{% case 1, x %}{{ x }}{% end %}', { a: 1, b: 'y' })).toBe('y');
    expect(r('{% match %}{% case _ if n > 1 %}many{% case _ %}few{% end %}', { n: 2 })).toBe('many');
  });
  it('ends at a case that always matches: later cases never run, and the code tests nothing for it', async () => {
    const first = '{% match v %}{% case _ %}any {{ v }}{% case 1 %}one{% end %}';
    expect(await renderAll(first, { v: 1 })).toBe('any 1');
    const last = '{% match v %}{% case 1 %}one{% case _ %}other{% case 2 %}two{% end %}';
    expect(await renderAll(last, { v: 2 })).toBe('other');
    expect(await renderAll(last, { v: 1 })).toBe('one');
    for (const t of [first, last]) expect(compile(t, { name: 't' }).code).not.toContain('if (true)');
  });
});

describe('defs, calls and slots', () => {
  it('binds Python-style arguments and returns Markup', async () => {
    expect(await renderAll('{% def f(a, b=2, *rest, **kw) %}{{ a }}{{ b }}{{ rest }}{{ kw }}<i>{% end %}{{ f(1) }}|{{ f(1, 3, 4, k=5) }}', {}, { autoescape: false })).toBe(
      "12(){}<i>|13(4,){'k': 5}<i>",
    );
  });
  it('accepts typed parameters', () => {
    expect(r('{% def card(title: str, count: int | None = none) %}{{ title }}:{{ count }}{% end %}{{ card("t") }}')).toBe('t:None');
  });
  it('fills default, named and scoped slots', async () => {
    const lib =
      '{% def box() %}[{% slot %}]({% slot footer %}){% if has_slot() %}!{% end %}{% end %}' +
      '{% def list(items) %}{% for i in items %}{% slot row let:item=i %}<{{ item }}>{% end %}{% end %}{% end %}';
    expect(await renderAll(lib + '{% call box() %}body{% slot footer %}foot{% end %}{% end %}')).toBe('[body](foot)!');
    expect(await renderAll(lib + '{{ box() }}')).toBe('[]()');
    expect(await renderAll(lib + '{% call list([1, 2]) %}{% slot row %}#{{ item }}{% end %}{% end %}')).toBe('#1#2');
    expect(await renderAll(lib + '{{ list([1, 2]) }}')).toBe('<1><2>');
  });
  it('passes the caller for caller() and yield', () => {
    expect(r('{% def w() %}<{{ caller() }}>{% end %}{% call w() %}in{% end %}')).toBe('&lt;in&gt;'.replace('&lt;in&gt;', '<in>'));
    expect(r('{% def w() %}({% yield %}){% end %}{% call w() %}x{% end %}')).toBe('(x)');
  });
  it('lets slot bodies see call-site loop variables', () => {
    expect(r('{% def w() %}{{ caller() }}{% end %}{% for i in [1, 2] %}{% call w() %}{{ i }}{% end %}{% end %}')).toBe('12');
  });
  it('reports argument errors', () => {
    expect(renderError('{% def f(a) %}{% end %}{{ f() }}').message).toMatch(/missing 1 required/);
    expect(renderError('{% def f(a) %}{% end %}{{ f(1, z=2) }}').message).toMatch(/unexpected keyword/);
  });
  it('supports recursion', () => {
    expect(r('{% def f(n) %}{{ n }}{% if n > 0 %}{{ f(n - 1) }}{% end %}{% end %}{{ f(3) }}')).toBe('3210');
  });
});

describe('templates working together', () => {
  const templates = {
    'base.html': '<{% block title %}T{% end %}|{% block body %}B{% block inner %}I{% end %}{% end %}>',
    'child.html': '{% extends "base.html" %}{% block title %}C{% end %}{% block inner %}[{{ x }}]{% end %}',
    'lib.html': '{% def hello(n) %}hi {{ n }}{% end %}{% let answer = 42 %}',
    'part.html': '({{ x }})',
    'dir/a.html': '{% include "./b.html" %}',
    'dir/b.html': 'B here',
  };
  it('extends and overrides nested blocks', async () => {
    const env = makeEnv(templates);
    const t = env.getTemplate('child.html');
    expect(t.render({ x: 1 })).toBe('<C|B[1]>');
    expect([...t.renderStream({ x: 1 })].join('')).toBe('<C|B[1]>');
    expect(await t.renderAsync({ x: 1 })).toBe('<C|B[1]>');
    expect(t.renderBlock('inner', { x: 2 })).toBe('[2]');
    expect(t.renderBlock('body', { x: 2 })).toBe('B[2]');
    expect(t.listBlocks().sort()).toEqual(['body', 'inner', 'title']);
  });
  it('imports namespaces and names', () => {
    expect(r('{% import "lib.html" as lib %}{{ lib.hello(1) }} {{ lib.answer }}', {}, {}, templates)).toBe('hi 1 42');
    expect(r('{% from "lib.html" import hello as h %}{{ h(2) }}', {}, {}, templates)).toBe('hi 2');
    expect(renderError('{% from "lib.html" import answer %}', {}, {}, templates).name).toBe('TemplateRuntimeError');
  });
  it('includes with context, relative names and ignore missing', () => {
    expect(r('{% include "part.html" %}', { x: 5 }, {}, templates)).toBe('(5)');
    expect(r('{% for x in [1, 2] %}{% include "part.html" %}{% end %}', {}, {}, templates)).toBe('(1)(2)');
    expect(r('{% include "nope.html" ignore missing %}ok', {}, {}, templates)).toBe('ok');
    expect(makeEnv(templates).getTemplate('dir/a.html').render()).toBe('B here');
    expect(renderError('{% include "nope.html" %}', {}, {}, templates).name).toBe('TemplateNotFoundError');
  });
  it('guards blocks with a condition', () => {
    const env = makeEnv({ 'b.html': '{% block a if show %}A{% end %}.' });
    expect(env.getTemplate('b.html').render({ show: false })).toBe('.');
    expect(env.getTemplate('b.html').render({ show: true })).toBe('A.');
  });
});

describe('output-transforming blocks', () => {
  it('captures as Markup', () => {
    expect(r('{% capture c %}<b>{{ x }}</b>{% end %}{{ c }}', { x: '<' })).toBe('<b>&lt;</b>');
  });
  it('filters a body', () => {
    expect(r('{% filter upper %}a<{{ "<i>" }}{% end %}')).toBe('A<&LT;I&GT;');
  });
  it('removes whitespace between tags', () => {
    expect(r('{% spaceless %} <a> </a>\n <b></b> {% end %}')).toBe('<a></a><b></b>');
  });
  it('falls back on errors', async () => {
    expect(await renderAll('{% try %}ok {{ missing }}{% fallback %}fallback{% end %}')).toBe('fallback');
    expect(r('{% try %}{{ missing }}{% fallback e %}{{ e.type }}{% end %}')).toBe('UndefinedError');
  });
});

describe('errors a user sees', () => {
  it('reports an undefined variable with its template and line and a suggestion', () => {
    const e = renderError('line1\n{{ titel }}', { title: 'x' });
    expect(e.name).toBe('UndefinedError');
    expect(e.code).toBe('K-RUN-001');
    expect(e.lineno).toBe(2);
    expect(String(e.message)).toMatch(/titel/);
    expect(String(e.message)).toMatch(/title/);
  });
  it('reports a typo in a filter at compile time', () => {
    let err: any;
    try {
      makeEnv().fromString('{{ x | upperr }}');
    } catch (e) {
      err = e;
    }
    expect(err?.name).toBe('TemplateSyntaxError');
    expect(err.code).toBe('K-PAR-004');
    expect(err.message).toMatch(/Did you mean 'upper'/);
  });
  it('reports an unclosed block with a source excerpt', () => {
    let err: any;
    try {
      makeEnv().fromString('{% if x %}\nno end');
    } catch (e) {
      err = e;
    }
    expect(err?.name).toBe('TemplateSyntaxError');
    expect(err.code).toBe('K-PAR-002');
    expect(err.message).toMatch(/\^/);
  });
  it('reports an unknown tag with a did-you-mean', () => {
    let err: any;
    try {
      makeEnv().fromString('{% iff x %}{% end %}');
    } catch (e) {
      err = e;
    }
    expect(err?.code).toBe('K-PAR-001');
    expect(err.message).toMatch(/Did you mean 'if'/);
  });
  it('names the template and line of a runtime failure', () => {
    const env = makeEnv({ 'p.html': 'a\n{{ 1 // x }}' });
    let err: any;
    try {
      env.getTemplate('p.html').render({ x: 0 });
    } catch (e) {
      err = e;
    }
    expect(err.templateName).toBe('p.html');
    expect(err.lineno).toBe(2);
  });
});
