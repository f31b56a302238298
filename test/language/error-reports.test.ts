// The text of runtime errors (spec §5.6): the headline, where it happened, the lines around it,
// the includes and def calls that led there, and a hint. `{% fallback err %}` shows the same text.
import { describe, expect, it } from 'vitest';
import { makeEnv } from '../support.js';

/** The error each way of rendering throws: render, renderStream and renderStreamAsync agree. */
async function failure(templates: Record<string, string>, entry: string, ctx: Record<string, unknown> = {}): Promise<any> {
  const t = makeEnv(templates).getTemplate(entry);
  const errors: any[] = [];
  for (const run of [() => t.render(ctx), () => [...t.renderStream(ctx)], async () => { for await (const _ of t.renderStreamAsync(ctx)); }])
    try {
      await run();
    } catch (e) {
      errors.push(e);
    }
  expect(errors).toHaveLength(3);
  for (const e of errors.slice(1)) expect(e.message).toBe(errors[0].message);
  return errors[0];
}

describe('undefined names', () => {
  it('name the template and line, show two lines either side with the failing one marked, and hint', async () => {
    const src = 'one\ntwo\nthree {{ colour }}\nfour\nfive\nsix';
    const e = await failure({ 'page.html': src }, 'page.html', { color: 'red' });
    expect(e.message).toBe(
      [
        "Undefined variable 'colour' in page.html:3. Did you mean 'color'?",
        '   |',
        '   1 | one',
        '   2 | two',
        '>  3 | three {{ colour }}',
        '   4 | four',
        '   5 | five',
        '   |',
        "  Hint: Use {{ colour | default('') }} for optional variables",
      ].join('\n'),
    );
    expect([e.code, e.templateName, e.lineno, e.undefinedName]).toEqual(['K-RUN-001', 'page.html', 3, 'colour']);
  });

  it('suggest a name only when it is close enough (difflib ratio of at least 0.6)', async () => {
    const suggestion = async (name: string, ctx: Record<string, unknown>) =>
      (await failure({ 'p.html': `{{ ${name} }}` }, 'p.html', ctx)).didYouMean;
    // 'min' (a global) shares "mi" and "n" with 'missing': 2*3/10 = 0.6; 'mist' only "mis": 6/11
    expect(await suggestion('missing', { mist: 1 })).toBe('min');
    expect(await suggestion('itms', { items: 1, other: 2 })).toBe('items');
    expect(await suggestion('zzzzz', { items: 1 })).toBe(null);
    // 'loop' and 'bool' share only "oo": 2*2/8 = 0.5
    expect(await suggestion('loop', { bool: 1 })).toBe(null);
  });

  it("a top-level def or region read before its declaration ran asks whether it is declared at the top level", async () => {
    const e = await failure({ 'p.html': '{{ nav() }}\n{% def nav() %}<nav/>{% end %}' }, 'p.html');
    expect(e.message.split('\n').at(-1)).toBe(
      "  Hint: Did you declare {% region nav %} (or {% def nav %}) at the top level of the template? A def or region exists once its declaration has run, and renderBlock sees only top-level ones.",
    );
    expect(makeEnv().fromString('{% def nav() %}<nav/>{% end %}{{ nav() }}').render({})).toBe('<nav/>');
  });

  it('a missing attribute names the type and adds the optional-access hint', async () => {
    const e = await failure({ 'p.html': '{{ user.nmae }}' }, 'p.html', { user: { name: 'Ada' } });
    expect(e.message.split('\n')[0]).toBe("Undefined attribute/key 'dict.nmae' in p.html:1. Did you mean 'dict.name'?");
    expect(e.message).toMatch(/\n {2}Hint: For optional access: `x\?\.y`/);
  });
});

describe('runtime errors', () => {
  it('read "Runtime Error:", then the location, the lines and a suggestion', async () => {
    const e = await failure({ 'calc.html': 'a\n{{ 1 // n }}' }, 'calc.html', { n: 0 });
    expect(e.message).toBe(
      [
        'Runtime Error: ZeroDivisionError: integer division or modulo by zero',
        '  Location: calc.html:2',
        '   |',
        '   1 | a',
        '>  2 | {{ 1 // n }}',
        '   |',
        '',
        '  Suggestion: Division by zero. Guard with `{% if divisor %}` or use `| default(1)`.',
      ].join('\n'),
    );
  });
});

describe('template and component stacks', () => {
  it('an error inside nested includes lists the includes, outermost first', async () => {
    const e = await failure(
      { 'page.html': '<html>\n{% include "header.html" %}', 'header.html': '<h>\n\n{% include "nav.html" %}', 'nav.html': '{{ nav_items }}' },
      'page.html',
    );
    expect(e.templateStack).toEqual([
      ['page.html', 2],
      ['header.html', 3],
    ]);
    expect(e.message).toContain('\n   |\n\nTemplate stack:\n  • page.html:2\n  • header.html:3\n  Hint:');
  });

  it('an error inside nested def calls lists the calls, outermost first', async () => {
    const src = '{% def inner() %}{{ boom }}{% end %}\n{% def outer() %}\n{{ inner() }}{% end %}\n{{ outer() }}';
    const e = await failure({ 'page.html': src }, 'page.html');
    expect(e.componentStack).toEqual([
      ['page.html', 4, 'outer'],
      ['page.html', 3, 'inner'],
    ]);
    expect(e.message).toContain('\nComponent stack:\n  • page.html:4 → outer()\n  • page.html:3 → inner()\n');
    expect(e.templateStack).toEqual([]);
  });

  it("calling another template's def enters that template: both stacks name the call", async () => {
    const e = await failure(
      { 'lib.html': '{% def card() %}\n{{ body_text }}\n{% end %}', 'page.html': '{% from "lib.html" import card %}\n{{ card() }}' },
      'page.html',
    );
    expect([e.templateName, e.lineno]).toEqual(['lib.html', 2]);
    expect(e.componentStack).toEqual([['page.html', 2, 'card']]);
    expect(e.templateStack).toEqual([['page.html', 2]]);
  });

  it('a child block failing under its parent adds no stack: inheritance is not an include', async () => {
    const e = await failure({ 'base.html': '<main>{% block body %}{% end %}</main>', 'child.html': '{% extends "base.html" %}\n{% block body %}{{ gone }}{% end %}' }, 'child.html');
    expect([e.templateName, e.lineno, e.templateStack, e.componentStack]).toEqual(['child.html', 2, [], []]);
  });
});

describe('{% fallback err %}', () => {
  it('err.message is the formatted error, located in the template', () => {
    const t = makeEnv().fromString('{% try %}\n{{ nothing_here }}{% fallback err %}{{ err.message }}|{{ err.line }}{% end %}');
    expect(t.render({})).toBe(
      "Undefined variable &#39;nothing_here&#39; in &lt;template&gt;:2\n   |\n   1 | {% try %}\n&gt;  2 | {{ nothing_here }}{% fallback err %}{{ err.message }}|{{ err.line }}{% end %}\n   |\n  Hint: Use {{ nothing_here | default(&#39;&#39;) }} for optional variables|2",
    );
  });
  it("a Python TypeError's message is its bare text, as str() gives it", () => {
    const t = makeEnv().fromString('{% try %}{{ "a" - 1 }}{% fallback err %}{{ err.type }}: {{ err.message }}{% end %}');
    expect(t.render({})).toBe('TypeError: unsupported operand type(s) for -: &#39;str&#39; and &#39;int&#39;');
  });
});
