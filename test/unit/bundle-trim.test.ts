// What the fourth bundle-size pass rewrote must give what it gave before (docs/decisions.md,
// "Bundle size, fourth pass"): repr of floats and strings, attribute lookup on class instances,
// escaping of safe strings, error snippets, and `{% stack %}` output held by both stream drivers.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { floatRepr, getattr, pyRepr } from '../../runtime/values.js';
import { esc } from '../../runtime/output.js';
import { Markup, Marked } from '../../runtime/markup.js';
import { renderAll, renderError } from '../support.js';

describe('floatRepr and strRepr, rewritten shorter', () => {
  it('spells the non-finite floats as Python does', () => {
    expect([Infinity, -Infinity, NaN, -0, 1e16, 1e-5].map(floatRepr)).toEqual(['inf', '-inf', 'nan', '-0.0', '1e+16', '1e-05']);
  });
  it('escapes a backslash and the chosen quote with one backslash', () => {
    expect(pyRepr('a\\b')).toBe("'a\\\\b'");
    expect(pyRepr("it's")).toBe('"it\'s"');
    expect(pyRepr(`'"`)).toBe(`'\\'"'`);
    expect(pyRepr('\\"\'\n\t\x01')).toBe("'\\\\\"\\'\\n\\t\\x01'");
  });
  it('agrees with a reference repr on any string (property)', () => {
    const ref = (s: string): string => {
      const q = s.includes("'") && !s.includes('"') ? '"' : "'";
      const body = [...s]
        .map((ch) => {
          const c = ch.codePointAt(0)!;
          if (ch === '\\') return '\\\\';
          if (ch === q) return '\\' + q;
          if (ch === '\n') return '\\n';
          if (ch === '\r') return '\\r';
          if (ch === '\t') return '\\t';
          return c < 0x20 || c === 0x7f ? '\\x' + c.toString(16).padStart(2, '0') : ch;
        })
        .join('');
      return q + body + q;
    };
    const chars = fc.constantFrom('\\', "'", '"', '\n', '\r', '\t', '\x00', '\x7f', 'a', 'é', '😀');
    fc.assert(fc.property(fc.array(chars).map((a) => a.join('')), (s) => pyRepr(s) === ref(s)));
  });
});

describe('getattr without its fallback for other objects', () => {
  class Point {
    y = 2;
    constructor(public x: unknown) {}
    get sum() {
      return 3;
    }
  }
  it('finds own keys, getters and methods of class instances, and refuses missing ones', () => {
    const p = new Point(null);
    expect(getattr(p, 'y')).toBe(2);
    expect(getattr(p, 'x')).toBe(''); // (found None renders empty)
    expect(getattr(p, 'sum')).toBe(3);
    expect(() => getattr(p, 'z')).toThrow(/Undefined attribute\/key 'Point\.z'/);
    expect(getattr(p, 'z', false)).toBe(getattr({}, 'z', false));
  });
  it('gives an own key of any class instance, whatever its name and value (property)', () => {
    const name = fc.string({ minLength: 1 }).filter((k) => !['constructor', 'prototype', '__proto__', '__defineGetter__', '__defineSetter__', '__lookupGetter__', '__lookupSetter__'].includes(k));
    fc.assert(
      fc.property(name, fc.oneof(fc.integer(), fc.string(), fc.boolean()), (k, v) => {
        const o = new Point(0);
        Object.defineProperty(o, k, { value: v, enumerable: true });
        return getattr(o, k) === v;
      }),
    );
  });
});

describe('esc through isSafe', () => {
  it('passes Markup through, escapes Marked and plain text', () => {
    expect(esc(new Markup('<b>'))).toBe('<b>');
    expect(esc(new Marked('<b>'))).toBe(new Marked('<b>').__html__());
    expect(esc({ __html__: () => '<i>' })).toBe('<i>');
    expect(esc('<&>')).toBe('&lt;&amp;&gt;');
  });
});

describe('what the drivers and errors still do', () => {
  it('fills a {% stack %} read before its pushes in every entry point', async () => {
    const src = '<head>{% stack "css" %}</head>{% for c in cs %}{% push "css" %}<{{ c }}>{% endpush %}{% endfor %}';
    expect(await renderAll(src, { cs: ['a', 'b'] })).toBe('<head><a><b></head>');
  });
  it('shows the failing line of a source ending in a newline, and no empty line after it', () => {
    const e = renderError('one\n{{ 1 // 0 }}\n');
    expect(String(e.message)).toContain('>  2 | {{ 1 // 0 }}');
    expect(String(e.message)).not.toMatch(/ {2}3 \|/);
  });
});
