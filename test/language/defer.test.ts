// `{% defer %}` (an extension: docs/guide/streaming.md "Out-of-order streaming"): in order in
// render, renderStream and renderAsync; out of order, and the same document once applied, in
// renderStreamAsync.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapeString } from '../../runtime/markup.js';
import { withRenderMeta } from '../../runtime/meta.js';
import { Between } from '../../runtime/defer.js';
import { chunksOf, later, settle } from '../defer-support.js';
import { makeEnv, renderAll } from '../support.js';

const PAGE =
  '<h1>{{ title }}</h1>{% defer rows = rows %}<ul>{% for r in rows %}<li>{{ r }}</li>{% end %}</ul>' +
  '{% placeholder %}<p>Loading {{ title }}…</p>{% end %}<footer>{{ foot }}</footer>';
const FINAL = '<h1>T</h1><ul><li>a</li><li>&lt;b&gt;</li></ul><footer>F</footer>';

describe('{% defer %} with values that are ready', () => {
  it('renders the part in place in all four render methods (no placeholder, no script)', async () => {
    const ctx = { title: 'T', foot: 'F', rows: ['a', '<b>'] };
    expect(await renderAll(PAGE, ctx)).toBe(FINAL);
    expect(await makeEnv().fromString(PAGE).renderAsync(ctx)).toBe(FINAL);
  });
  it('renders a part with no values in place', async () => {
    expect(await renderAll('{% defer %}now{% placeholder %}later{% end %}!')).toBe('now!');
  });
  it('escapes the values the part writes, in place and deferred', async () => {
    const t = makeEnv().fromString('{% defer x = x %}{{ x }}{% placeholder %}…{% end %}');
    expect(t.render({ x: '<script>alert(1)</script>' })).toBe('&lt;script&gt;alert(1)&lt;/script&gt;');
    const chunks = await chunksOf(t, { x: later('<img src=x onerror=alert(1)>', 5) });
    expect(chunks.join('')).not.toContain('<img');
    expect(settle(chunks.join(''))).toBe('&lt;img src=x onerror=alert(1)&gt;');
  });
});

describe('{% defer %} with values that are promises', () => {
  const ctx = () => ({ title: 'T', foot: 'F', rows: later(['a', '<b>'], 30) });

  it('renderAsync awaits them and writes the part in place', async () => {
    expect(await makeEnv().fromString(PAGE).renderAsync(ctx())).toBe(FINAL);
  });
  it('render and renderStream refuse them (K-RUN-007, naming the async renders)', () => {
    const t = makeEnv().fromString(PAGE);
    for (const run of [() => t.render(ctx()), () => [...t.renderStream(ctx())]]) {
      let e: any;
      try {
        run();
      } catch (err) {
        e = err;
      }
      expect(e?.code).toBe('K-RUN-007');
      expect(e.message).toContain('renderStreamAsync()');
    }
  });
  it('renderStreamAsync sends the placeholder in place, the rest of the page, then the part and its mover', async () => {
    const chunks = await chunksOf(makeEnv().fromString(PAGE), ctx());
    const text = chunks.join('');
    const at = (s: string) => text.indexOf(s);
    expect(at('<kida-defer id="kida-defer-1"><p>Loading T…</p></kida-defer>')).toBeGreaterThan(at('<h1>T</h1>'));
    expect(at('<footer>F</footer>')).toBeLessThan(at('<template id="kida-defer-1-t">'));
    expect(text).toContain('<template id="kida-defer-1-t"><ul><li>a</li><li>&lt;b&gt;</li></ul></template><script>function kidaDefer(');
    // the footer left in a chunk before the one carrying the part
    expect(chunks.findIndex((c) => c.includes('<footer>'))).toBeLessThan(chunks.findIndex((c) => c.includes('<template')));
    expect(settle(text)).toBe(FINAL);
  });
  it('sends parts in the order they resolve, the mover script once per render', async () => {
    const src = '{% for d in delays %}{% defer v = slow(loop.index, d) %}[{{ v }}:{{ loop.index }}]{% placeholder %}({{ loop.index }}){% end %}{% end %}<end>';
    const t = makeEnv().fromString(src);
    const slow = (i: number, d: number) => later(`v${i}`, d);
    const chunks = await chunksOf(t, { delays: [40, 5, 20], slow });
    const text = chunks.join('');
    const order = [...text.matchAll(/<template id="kida-defer-(\d)-t">/g)].map((m) => m[1]);
    expect(order).toEqual(['2', '3', '1']);
    expect(text.match(/function kidaDefer/g)).toHaveLength(1);
    expect(text.match(/kidaDefer\("kida-defer-\d"\)/g)).toHaveLength(3);
    const inOrder = '[v1:1][v2:2][v3:3]<end>';
    expect(settle(text)).toBe(inOrder);
    expect(await t.renderAsync({ delays: [40, 5, 20], slow })).toBe(inOrder);
  });
  it('gives the mover script the render’s CSP nonce (escaped)', async () => {
    const t = makeEnv().fromString('{% defer v = p %}{{ v }}{% placeholder %}…{% end %}{% defer v = p %}{{ v }}{% placeholder %}…{% end %}');
    const text = (await withRenderMeta({ csp_nonce: 'r4nd"om' }, () => chunksOf(t, { p: later(1, 5) }))).join('');
    expect(text.match(/<script nonce="r4nd&quot;om">/g)).toHaveLength(2);
    const plain = (await chunksOf(t, { p: later(1, 5) })).join('');
    expect(plain).not.toContain('nonce');
  });
  it('lets a part resolve while the page waits on its own await, but only between tags', async () => {
    const t = makeEnv().fromString('{% defer v = fast %}<b>{{ v }}</b>{% placeholder %}…{% end %}<p title="{{ await slow }}">{{ await slow }}</p>');
    const chunks = await chunksOf(t, { fast: later('F', 1), slow: later('S', 40) });
    const text = chunks.join('');
    // never inside the attribute: as soon as the tag is closed
    // (gathered between waits: the placeholder and `<p title="` before the first, `S">` after it)
    expect(chunks[0]).toMatch(/<p title="$/);
    expect(chunks[1]).toBe('S">');
    expect(chunks[2]).toMatch(/^<template id="kida-defer-1-t"><b>F<\/b><\/template><script>/);
    expect(settle(text)).toBe('<b>F</b><p title="S">S</p>');
    const t2 = makeEnv().fromString('{% defer v = fast %}{{ v }}{% placeholder %}…{% end %}<script>var s = "{{ await slow }}";</script>');
    const text2 = (await chunksOf(t2, { fast: later('F', 1), slow: later('S', 30) })).join('');
    expect(text2.indexOf('<template')).toBeGreaterThan(text2.indexOf('</script>'));
  });
  it('keeps to tag boundaries for parts registered after earlier ones were sent', async () => {
    const t = makeEnv().fromString(
      '{% defer a = fast %}{{ a }}{% placeholder %}…{% end %}<div>{{ await mid }}{% defer b = soon %}{{ b }}{% placeholder %}…{% end %}<p title="{{ await slow }}">x</p></div>',
    );
    const chunks = await chunksOf(t, { fast: later('A', 1), mid: later('M', 15), soon: later('B', 20), slow: later('S', 50) });
    const text = chunks.join('');
    expect(text).toContain('<p title="S">');
    expect(text.indexOf('kida-defer-2-t')).toBeGreaterThan(text.indexOf('<p title="S">'));
    expect(settle(text)).toBe('A<div>MB<p title="S">x</p></div>');
  });
  it('stops at once when the reader leaves while a part is pending (the page’s own sources are closed)', async () => {
    let closed = false;
    async function* rows() {
      try {
        yield 1;
        await later(0, 1000);
        yield 2;
      } finally {
        closed = true;
      }
    }
    const t = makeEnv().fromString('{% defer v = slow %}{{ v }}{% placeholder %}…{% end %}{% async for r in rows %}<i>{{ r }}</i>{% end %}');
    let slowSettled = false;
    const slow = later('S', 1000).finally(() => (slowSettled = true));
    const it = t.renderStreamAsync({ slow, rows: rows() });
    let seen = '';
    for await (const c of it) {
      seen += c;
      if (seen.includes('<i>1</i>')) break;
    }
    // (the reader is released before the pending part or the rows' wait ends: an order, not a clock)
    expect(slowSettled).toBe(false);
    expect(closed).toBe(true);
  });
  it('sees the variables as they were at the tag, whatever the page assigns later', async () => {
    const t = makeEnv().fromString('{% set x = "before" %}{% defer v = p %}{{ x }}/{{ v }}{% placeholder %}…{% end %}{% set x = "after" %}{{ x }}');
    expect(settle((await chunksOf(t, { p: later('v', 5) })).join(''))).toBe('before/vafter');
    expect(await t.renderAsync({ p: later('v', 5) })).toBe('before/vafter');
  });
  it('reads {% provide %} values as they were at the tag', async () => {
    const t = makeEnv().fromString('{% provide theme = "dark" %}{% defer v = p %}{{ consume("theme") }}/{{ v }}{% placeholder %}…{% end %}{% end %}|{{ consume("theme", "none") }}');
    expect(t.render({ p: 1 })).toBe('dark/1|none');
    expect(await t.renderAsync({ p: later(1, 5) })).toBe('dark/1|none');
    expect(settle((await chunksOf(t, { p: later(1, 5) })).join(''))).toBe('dark/1|none');
  });
  it('renders nested parts, whichever resolves first', async () => {
    const src = '{% defer a = pa %}<a>{{ a }}{% defer b = pb %}<b>{{ b }}</b>{% placeholder %}b…{% end %}</a>{% placeholder %}a…{% end %}.';
    const t = makeEnv().fromString(src);
    for (const [da, db] of [[5, 30], [30, 5]]) {
      const ctx = { pa: later('A', da!), pb: later('B', db!) };
      expect(settle((await chunksOf(t, ctx)).join(''))).toBe('<a>A<b>B</b></a>.');
      expect(await t.renderAsync({ pa: later('A', da!), pb: later('B', db!) })).toBe('<a>A<b>B</b></a>.');
    }
  });
  it('never sends a part whose placeholder a failed {% try %} discarded', async () => {
    const t = makeEnv().fromString('{% try %}{% defer v = p %}{{ v }}{% placeholder %}…{% end %}{{ nope.x }}{% fallback %}fb{% end %}|{% defer v = p %}{{ v }}{% placeholder %}…{% end %}');
    const text = (await chunksOf(t, { p: later('V', 5) })).join('');
    expect(text).not.toContain('kida-defer-1-t');
    expect(text).toContain('<template id="kida-defer-2-t">V</template>');
    expect(settle(text)).toBe('fb|V');
    expect(await t.renderAsync({ p: later('V', 5) })).toBe('fb|V');
  });
  it('works in an async template (await inside the part)', async () => {
    const t = makeEnv().fromString('{% defer %}{{ await slow }}{% placeholder %}…{% end %}<f>{{ await fast }}</f>');
    const chunks = await chunksOf(t, { slow: later('S', 30), fast: later('F', 1) });
    const text = chunks.join('');
    expect(text.indexOf('<f>F</f>')).toBeLessThan(text.indexOf('<template'));
    expect(settle(text)).toBe('S<f>F</f>');
    expect(await t.renderAsync({ slow: later('S', 30), fast: later('F', 1) })).toBe('S<f>F</f>');
  });
});

describe('{% defer %} errors', () => {
  const failing = () => Promise.reject(new Error('db down'));

  it('a rejected value renders the fallback in place of the placeholder, with the error, and the page goes on', async () => {
    const t = makeEnv().fromString('{% defer v = p %}{{ v }}{% placeholder %}…{% fallback err %}failed: {{ err.message }}{% end %}<footer>ok</footer>');
    const text = (await chunksOf(t, { p: failing() })).join('');
    expect(text).toContain('<footer>ok</footer>');
    // (err.message is the full report, as {% try %}'s: the error, its location and the line)
    expect(settle(text)).toMatch(/^failed: Runtime Error: Error: db down\n  Location: &lt;template&gt;:1[\s\S]*<footer>ok<\/footer>$/);
    expect(await t.renderAsync({ p: failing() })).toMatch(/^failed: Runtime Error: Error: db down/);
  });
  it('without a fallback branch, a failed part keeps its placeholder', async () => {
    const t = makeEnv().fromString('{% defer v = p %}{{ v.missing.x }}{% placeholder %}<i>n/a</i>{% end %}!');
    expect(t.render({ p: {} })).toBe('<i>n/a</i>!');
    expect(settle((await chunksOf(t, { p: later({}, 5) })).join(''))).toBe('<i>n/a</i>!');
    expect(await t.renderAsync({ p: failing() })).toBe('<i>n/a</i>!');
  });
  it('an error in the body falls back like {% try %} in every render', async () => {
    const src = '{% defer v = p %}{{ v - 1 }}{% placeholder %}…{% fallback e %}[{{ e.type }}]{% end %}';
    expect(await renderAll(src, { p: 'x' })).toBe('[TypeError]');
    expect(settle((await chunksOf(makeEnv().fromString(src), { p: later('x', 5) })).join(''))).toBe('[TypeError]');
  });
  it('an error {% try %} does not catch fails the render (after the rest of the page was sent)', async () => {
    const t = makeEnv().fromString('{% defer v = p %}{{ 1 // v }}{% placeholder %}…{% fallback %}fb{% end %}<footer>f</footer>');
    expect(() => t.render({ p: 0 })).toThrow(/division/);
    const seen: string[] = [];
    await expect(
      (async () => {
        for await (const c of t.renderStreamAsync({ p: later(0, 5) })) seen.push(c);
      })(),
    ).rejects.toThrow(/division/);
    expect(seen.join('')).toContain('<footer>f</footer>');
    await expect(t.renderAsync({ p: later(0, 5) })).rejects.toThrow(/division/);
  });
  it('reports parse errors: no placeholder, unclosed', () => {
    expect(() => makeEnv().fromString('{% defer %}x{% end %}')).toThrow(/requires a \{% placeholder %\}/);
    expect(() => makeEnv().fromString('{% defer %}x{% placeholder %}y')).toThrow(/Unclosed 'defer'/);
    expect(makeEnv().fromString('{% defer %}x{% placeholder %}y{% enddefer %}').render()).toBe('x');
    for (const tag of ['cache "k"', 'capture c', 'filter upper', 'spaceless', 'push "s"'])
      expect(() => makeEnv().fromString(`{% ${tag} %}{% if 1 %}{% defer %}x{% placeholder %}y{% end %}{% end %}{% end %}`)).toThrow(/cannot stand inside/);
    expect(makeEnv().fromString('{% defer %}{% filter upper %}x{% end %}{% placeholder %}y{% end %}').render()).toBe('X');
  });
  it('warns that the template uses an extension (K-EXT-001)', () => {
    const t = makeEnv().fromString('\n  {% defer %}x{% placeholder %}y{% end %}');
    expect(t.warnings).toEqual([expect.objectContaining({ code: 'K-EXT-001', lineno: 2 })]);
  });
});

describe('{% defer %} in blocks, defs and includes', () => {
  const templates = {
    'base.html': '<main>{% block content %}{% end %}</main><footer>{{ foot }}</footer>',
    'child.html': '{% extends "base.html" %}{% block content %}{% defer u = user %}<b>{{ u.name }}</b>{% placeholder %}…{% end %}{% end %}',
    'card.html': '{% defer d = detail %}<i>{{ d }}</i>{% placeholder %}(card){% end %}',
    'page.html': '{% def card(p) %}{% defer d = p %}<u>{{ d }}</u>{% placeholder %}(def){% end %}{% end %}{{ card(x) }}|{% include "card.html" %}|end',
  };
  const env = () => makeEnv(templates);

  it('in a child block, rendered whole and as a block', async () => {
    const t = env().getTemplate('child.html');
    const ctx = () => ({ foot: 'F', user: later({ name: '<N>' }, 10) });
    const want = '<main><b>&lt;N&gt;</b></main><footer>F</footer>';
    expect(settle((await chunksOf(t, ctx())).join(''))).toBe(want);
    expect(await t.renderAsync(ctx())).toBe(want);
    expect(t.render({ foot: 'F', user: { name: '<N>' } })).toBe(want);
    let block = '';
    for await (const c of t.renderBlockStreamAsync('content', ctx())) block += c;
    expect(block).toContain('<kida-defer id="kida-defer-1">…</kida-defer>');
    expect(settle(block)).toBe('<b>&lt;N&gt;</b>');
    expect(await t.renderBlockAsync('content', ctx())).toBe('<b>&lt;N&gt;</b>');
    expect(t.renderBlock('content', { user: { name: 'n' } })).toBe('<b>n</b>');
  });
  it('inside a def and an included template', async () => {
    const t = env().getTemplate('page.html');
    const want = '<u>X</u>|<i>D</i>|end';
    const text = (await chunksOf(t, { x: later('X', 20), detail: later('D', 5) })).join('');
    expect(text).toContain('<kida-defer id="kida-defer-1">(def)</kida-defer>|<kida-defer id="kida-defer-2">(card)</kida-defer>|end');
    expect(settle(text)).toBe(want);
    expect(await t.renderAsync({ x: later('X', 20), detail: later('D', 5) })).toBe(want);
    expect(await renderAll(templates['page.html'], { x: 'X', detail: 'D' }, {}, templates)).toBe(want);
  });
});

describe('{% defer %} under the sandbox', () => {
  it('counts the parts against maxOutputSize', async () => {
    const t = makeEnv({}, { sandbox: { maxOutputSize: 200 } }).fromString('{% defer v = p %}{{ v }}{% placeholder %}…{% end %}end');
    await expect(chunksOf(t, { p: later('x'.repeat(300), 5) })).rejects.toThrow(/output size/);
    await expect(t.renderAsync({ p: later('x'.repeat(300), 5) })).rejects.toThrow(/output size/);
    expect((await chunksOf(t, { p: later('small', 5) })).join('')).toContain('small');
  });
  it('a policy violation inside a part is not swallowed by its fallback', async () => {
    const t = makeEnv({}, { sandbox: true }).fromString('{% defer v = p %}{{ v.__class__ }}{% placeholder %}…{% fallback %}fb{% end %}');
    await expect(chunksOf(t, { p: later({}, 5) })).rejects.toThrow(/__class__|sandbox|blocked|not allowed/i);
  });
});

describe('{% defer %} property: the applied stream is the in-order document', () => {
  it('for any values and delays', async () => {
    const t = makeEnv().fromString(
      '<ol>{% for it in items %}<li>{% defer v = it.value %}{{ v }}{% placeholder %}…{% fallback %}!{% end %}</li>{% end %}</ol><footer/>',
    );
    await fc.assert(
      fc.asyncProperty(fc.array(fc.record({ value: fc.string(), delay: fc.integer({ min: 0, max: 8 }), fail: fc.boolean() }), { maxLength: 6 }), async (xs) => {
        const make = () => ({
          items: xs.map((x) => ({ value: x.fail ? Promise.reject(new Error('no')) : later(x.value, x.delay) })),
        });
        const inOrder = await t.renderAsync(make());
        expect(inOrder).toBe(`<ol>${xs.map((x) => `<li>${x.fail ? '!' : escapeString(x.value)}</li>`).join('')}</ol><footer/>`);
        expect(settle((await chunksOf(t, make())).join(''))).toBe(inOrder);
      }),
      { numRuns: 40 },
    );
  });
});

describe('{% defer %} property: hostile tag soup', () => {
  const TOKENS = ['{% defer %}', '{% defer x = p %}', '{% defer x = %}', '{% defer x p %}', '{% placeholder %}', '{% fallback %}', '{% fallback e %}',
    '{% end %}', '{% enddefer %}', '{{ x }}', '{{ e.type }}', '<b>', '</b>', '{% try %}', '{% if x %}', '{% for i in [1, 2] %}', '"', 'text'];
  it('parses or fails with a syntax error; what parses streams to the document renderAsync gives', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom(...TOKENS), { maxLength: 12 }), async (toks) => {
        let t;
        try {
          t = makeEnv().fromString(toks.join(''));
        } catch (e) {
          expect((e as Error).name).toMatch(/SyntaxError|ParseError/);
          return;
        }
        const outcome = async (f: () => Promise<string>) => f().then((s) => s, (e: Error) => `!${e.name}`);
        const inOrder = await outcome(() => t.renderAsync({ p: later('<P>', 2), x: 'X' }));
        const streamed = await outcome(async () => settle((await chunksOf(t, { p: later('<P>', 2), x: 'X' })).join('')));
        expect(streamed).toBe(inOrder);
        expect(inOrder).not.toContain('<P>');
      }),
      { numRuns: 150 },
    );
  });
});

describe('{% defer %} HTML position scan (runtime/defer.ts Between)', () => {
  const PIECES = ['<a href="', '">', "<b title='", "'>", '"', "'", '<', '>', '<!--', '-->', '--', '<script>', '</script>', '</SCRIPT >', '<textarea>', '</textarea>',
    '<!doctype html>', '</p>', 'text', ' ', '-', '<3'];
  const okAfter = (chunks: string[]) => {
    const b = new Between();
    b.push('</kida-defer>');
    for (const c of chunks) b.push(c);
    return b.ok;
  };
  it('gives the same answer however the text is split into chunks', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...PIECES), { maxLength: 20 }), fc.array(fc.nat(), { maxLength: 6 }), (pieces, cuts) => {
        const text = pieces.join('');
        const at = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
        const chunks = [0, ...at].map((s, i, all) => text.slice(s, all[i + 1] ?? text.length));
        expect(okAfter(chunks)).toBe(okAfter([text]));
      }),
      { numRuns: 500 },
    );
  });
  it('is between tags only outside tags, quoted values, comments and raw-text elements', () => {
    expect(okAfter(['<p>hi'])).toBe(true);
    expect(okAfter(['<p title="a>b'])).toBe(false);
    expect(okAfter(['<p title="a>b">'])).toBe(true);
    expect(okAfter(['<!-- <p> -'])).toBe(false);
    expect(okAfter(['<!-- <p> -->'])).toBe(true);
    expect(okAfter(['<script>if (a < b) {'])).toBe(false);
    expect(okAfter(['<script>x</scr', 'ipt>'])).toBe(true);
    expect(okAfter(['<textarea></p>'])).toBe(false);
    expect(okAfter(['1 < 2 and 3 > 2'])).toBe(true);
  });
});
