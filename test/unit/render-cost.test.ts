// What the per-render fast paths of issue #22 (docs/decisions.md, "Per-render cost, third pass")
// must keep: escaping byte for byte, block tables without inherited names, lookups in the order
// the language defines.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Markup, escapeString } from '../../runtime/markup.js';
import { ga, getattr } from '../../runtime/values.js';
import { renderAll } from '../support.js';

/** The escaper as the spec states it, one character at a time. */
const spec = (s: string): string =>
  [...s].map((c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '\0': '' })[c] ?? c).join('');

describe('escapeString', () => {
  it('matches the one-character-at-a-time escaper on any text', () => {
    const special = fc.constantFrom('&', '<', '>', '"', "'", '\0', 'a', 'é', '😀', ' ', '=');
    fc.assert(fc.property(fc.array(special, { maxLength: 40 }).map((a) => a.join('')), (s) => escapeString(s) === spec(s)), { numRuns: 300 });
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 60 }), (s) => escapeString(s) === spec(s)), { numRuns: 300 });
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

describe('ga (`a.b` with a literal name) agrees with getattr', () => {
  class Point {
    x = 1;
    get y(): number {
      return 2;
    }
    m(): string {
      return 'm';
    }
  }
  const proto = { inherited: 'from a plain prototype', fn: () => 'f' };
  const objects: [string, unknown][] = [
    ['plain', { a: 1, s: 'x', n: null, o: { k: 1 }, f: () => 1, length: 3, value: 'v', size: 7 }],
    ['null prototype', Object.assign(Object.create(null), { a: 1, n: null, size: 2 })],
    ['own constructor key', { constructor: 'not Object', a: 1, value: 'v' }],
    ['JSON with __proto__', JSON.parse('{"__proto__": {"a": 9}, "a": 1}')],
    ['chain of plain objects', Object.assign(Object.create(proto), { a: 1 })],
    ['class instance', new Point()],
    ['Map', new Map<string, unknown>([['a', 1], ['size', 'key, not the getter']])],
    ['array', [1, 2, 3]],
    ['string', 'abc'],
    ['Markup', new Markup('<b>')],
    ['function', function named() {}],
    ['Set', new Set([1])],
  ];
  const names = ['a', 's', 'n', 'o', 'f', 'length', 'value', 'size', 'x', 'y', 'm', 'inherited', 'fn', 'missing', 'name'];
  const outcome = (f: () => unknown): unknown => {
    try {
      const v = f();
      return typeof v === 'function' ? 'a function' : v;
    } catch (e) {
      return `throws ${(e as Error).constructor.name}`;
    }
  };
  for (const [label, obj] of objects)
    it(`on a ${label}`, () => {
      for (const name of names)
        expect([name, outcome(() => ga(obj, (obj as Record<string, unknown> | null)?.[name], name))]).toEqual([name, outcome(() => getattr(obj, name, true))]);
    });
});
