// What the per-render fast paths of issue #22 (docs/decisions.md, "Per-render cost, third pass")
// must keep: escaping byte for byte, block tables without inherited names, lookups in the order
// the language defines.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { escapeString } from '../../runtime/markup.js';
import { renderAll } from '../support.js';

/** The escaper as the spec states it, one character at a time. */
const spec = (s: string): string =>
  [...s].map((c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '\0': '' })[c] ?? c).join('');

describe('escapeString', () => {
  it('matches the one-character-at-a-time escaper on any text', () => {
    const special = fc.constantFrom('&', '<', '>', '"', "'", '\0', 'a', 'é', '😀', ' ', '=');
    fc.assert(fc.property(fc.array(special, { maxLength: 40 }).map((a) => a.join('')), (s) => escapeString(s) === spec(s)), { numRuns: 500 });
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 60 }), (s) => escapeString(s) === spec(s)), { numRuns: 500 });
  });
  it('returns a string needing nothing as it is, and escapes runs, ends and lone specials', () => {
    const s = 'plain text, no specials';
    expect(escapeString(s)).toBe(s);
    expect(escapeString('<<>>')).toBe('&lt;&lt;&gt;&gt;');
    expect(escapeString('a&')).toBe('a&amp;');
    expect(escapeString('&a')).toBe('&amp;a');
    expect(escapeString('\0')).toBe('');
    expect(escapeString('x\0y\0')).toBe('xy');
    expect(escapeString(`<b>Item 1</b> & "Item 1" 'q'`)).toBe('&lt;b&gt;Item 1&lt;/b&gt; &amp; &quot;Item 1&quot; &#39;q&#39;');
  });
});

describe('block tables', () => {
  it('hold blocks named like Object.prototype members, and nothing inherited', async () => {
    const base = '{% block constructor %}C{% end %}|{% block toString %}T{% end %}|{% block __proto__ %}P{% end %}|{% block hasOwnProperty %}H{% end %}';
    const child = '{% extends "base" %}{% block toString %}t{{ x }}{% end %}{% block __proto__ %}p{% end %}';
    expect(await renderAll(child, { x: '<' }, {}, { base })).toBe('C|t&lt;|p|H');
    expect(await renderAll(base, {}, {}, { base })).toBe('C|T|P|H');
  });
  it('keep the most derived block across three levels, every render', async () => {
    const templates = {
      a: '[{% block x %}a{% end %}{% block y %}a{% end %}{% block z %}a{% end %}]',
      b: '{% extends "a" %}{% block y %}b{% end %}{% block z %}b{% end %}',
    };
    for (let i = 0; i < 3; i++) expect(await renderAll('{% extends "b" %}{% block z %}c{{ i }}{% end %}', { i }, {}, templates)).toBe(`[abc${i}]`);
  });
});
