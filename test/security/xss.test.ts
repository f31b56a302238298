// Autoescape against XSS vectors: text and quoted-attribute contexts, Markup concatenation,
// filters that return plain strings, tojson inside <script>, xmlattr.
import { describe, expect, it } from 'vitest';
import { makeEnv } from '../support.js';

const VECTORS = [
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  "' onmouseover='alert(1)",
  '<svg/onload=alert(1)>',
  '</textarea><script>alert(1)</script>',
  '&lt;script&gt;',
  'javascript:alert(1)\u0000',
];
const render = (src: string, ctx: Record<string, unknown>) => makeEnv().fromString(src).render(ctx);
const noRawMarkup = (out: string) => expect(out).not.toMatch(/<(script|img|svg)|["'] on|\u0000/i);

describe('autoescape holds against XSS vectors', () => {
  for (const v of VECTORS) {
    it(JSON.stringify(v), () => {
      noRawMarkup(render('<p>{{ v }}</p>', { v }));
      noRawMarkup(render('<a title="{{ v }}" data-x=\'{{ v }}\'>x</a>', { v }).replace(/^<a title="|" data-x='|'>x<\/a>$/g, ''));
      // string filters return plain strings: still escaped
      noRawMarkup(render('{{ v | upper }}{{ v | replace("a", "b") }}{{ v | trim }}{{ v | truncate(200) }}{{ [v] | join }}', { v }));
      // concatenating with Markup escapes the plain side
      noRawMarkup(render('{{ "<b>" | safe ~ v }}{{ v ~ ("<i>" | safe) }}', { v }).replace(/<b>|<i>/g, ''));
      // attributes built by xmlattr
      noRawMarkup(render('<div {{ {"title": v} | xmlattr }}>', { v }).replace(/^<div title="|">$/g, ''));
    });
  }
  it('tojson is safe inside <script>', () => {
    const out = render('<script>const d = {{ d | tojson }};</script>', { d: { s: '</script><script>alert(1)</script>' } });
    expect(out.match(/<\/script>/g)).toHaveLength(1);
  });
  it('escape is idempotent and Markup passes once', () => {
    expect(render('{{ v | e | e }}', { v: '<' })).toBe('&lt;');
    expect(render('{{ v | safe | upper }}', { v: '<b>' })).toBe('&lt;B&gt;');
  });
  it('xmlattr rejects invalid attribute names', () => {
    expect(() => render('{{ {"a b": 1} | xmlattr }}', {})).toThrow();
    expect(() => render('{{ {"x\\"onclick": 1} | xmlattr }}', {})).toThrow();
  });
});
