// `tojson` inside a double-quoted attribute value escapes as `tojson(attr=true)` does: the JSON's
// own `"` would end the attribute and let data-controlled text become attributes. The compiler
// sees the template's literal text around the output (compiler/html-context.ts).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { makeEnv, renderAll } from '../support.js';

const decode = (s: string) =>
  s.replace(/&(quot|#39|lt|gt|amp);/g, (_, e: string) => ({ quot: '"', '#39': "'", lt: '<', gt: '>', amp: '&' })[e]!);

describe('tojson where it lands', () => {
  it('in a double-quoted attribute: HTML-escaped, and the browser reads the JSON back', async () => {
    const d = { a: '" onmouseover=alert(1) x="', b: "</script><!--'&" };
    const out = await renderAll('<div data-x="{{ d | tojson }}" title="t">', { d });
    const value = /data-x="([^"]*)"/.exec(out)![1]!;
    expect(out).toMatch(/^<div data-x="[^"]*" title="t">$/);
    expect(JSON.parse(decode(value))).toEqual(d);
  });
  it('elsewhere it stays JSON: text, single-quoted attributes, <script> (a < in code does not end it)', async () => {
    const out = await renderAll(`<p>{{ d | tojson }}</p><a data-y='{{ d | tojson }}'></a><script>if (a<b) x = {{ d | tojson }};</script>`, { d: { k: 'v' } });
    expect(out).toBe(`<p>{"k": "v"}</p><a data-y='{"k": "v"}'></a><script>if (a<b) x = {"k": "v"};</script>`);
  });
  it('an explicit attr= is kept; pipelines and blocks get the same rule; markdown and non-HTML modes are untouched', async () => {
    expect(await renderAll('<a t="{{ d | tojson(attr=false) }}">', { d: [1] })).toBe('<a t="[1]">');
    expect(await renderAll('<a t="{{ d | tojson(none, false) }}">', { d: [1] })).toBe('<a t="[1]">');
    expect(await renderAll('<a t="{{ d |> tojson }}">', { d: ['x'] })).toBe('<a t="[&quot;x&quot;]">');
    const t = makeEnv().fromString('{% block b %}<a t="{% if on %}{{ d | tojson }}{% end %}">{% end %}');
    expect(t.renderBlock('b', { on: true, d: ['x'] })).toBe('<a t="[&quot;x&quot;]">');
    expect(makeEnv({}, { autoescape: false }).fromString('<a t="{{ d | tojson }}">').render({ d: ['x'] })).toBe('<a t="["x"]">');
  });
  it('property: whatever the data, a double-quoted attribute holds exactly the JSON of it', async () => {
    const t = makeEnv().fromString('<i data-x="{{ d | tojson }}" data-z="1">');
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.integer(), fc.boolean())), (d) => {
        const out = t.render({ d });
        const m = /^<i data-x="([^"]*)" data-z="1">$/.exec(out);
        expect(m).not.toBeNull();
        expect(JSON.parse(decode(m![1]!))).toEqual(JSON.parse(JSON.stringify(d)));
      }),
      { numRuns: 300 },
    );
  });
});
