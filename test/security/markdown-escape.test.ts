// Markdown mode under hostile data: every Markdown filter embeds data encoded for where it lands
// (code spans and fences, link destinations, table cells, the HTML of <details>), in every render method.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Markup } from '../../runtime/markup.js';
import { mdFilters, mdUrl } from '../../runtime/markdown.js';
import { renderAll } from '../support.js';

const MD = { autoescape: 'markdown' } as const;
const md = (source: string, ctx: Record<string, unknown> = {}) => renderAll(source, ctx, MD);

/** The longest backtick run of a string. */
const ticks = (s: string) => Math.max(0, ...(s.match(/`+/g) ?? []).map((r) => r.length));

describe('code and codeblock fences are longer than any backtick run of the data', () => {
  it('fixed cases', async () => {
    expect(await md('{{ x | code }}', { x: 'a``b' })).toBe('``` a``b ```');
    expect(await md('{{ x | code }}', { x: 'a\n\n<script>x</script>' })).toBe('`a  <script>x</script>`');
    expect(await md('{{ x | codeblock("py\\n<b>`") }}', { x: '```\n<script>alert(1)</script>\n```' })).toBe(
      '````py<b>\n```\n<script>alert(1)</script>\n```\n````',
    );
  });
  it('property: the span or fence is never closed by the data', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: fc.constantFrom('`', 'a', '\n', '<', ' ') }), async (x) => {
        const code = await md('{{ x | code }}', { x });
        const f = code.match(/^`+/)![0];
        expect(f.length).toBeGreaterThan(ticks(x));
        expect(code.endsWith(f)).toBe(true);
        expect(code).not.toContain('\n');
        const block = await md('{{ x | codeblock }}', { x });
        const fence = block.match(/^`+/)![0];
        expect(fence.length).toBeGreaterThan(Math.max(2, ticks(x)));
        // no line of the body is a closing fence
        for (const line of x.split('\n')) expect(/^ {0,3}`+\s*$/.test(line) && line.trim().length >= fence.length).toBe(false);
      }),
      { numRuns: 60 },
    );
  });
});

describe('link refuses script URLs and encodes the destination', () => {
  const hostile = [
    'javascript:alert(1)', 'JaVaScRiPt:alert(1)', ' \tjavascript:alert(1)', 'java\nscript:alert(1)', 'java\tscript:alert(1)',
    '\u0001javascript:alert(1)', 'vbscript:msgbox(1)', 'data:text/html,<script>alert(1)</script>', 'file:///etc/passwd',
  ];
  for (const u of hostile)
    it(JSON.stringify(u), async () => {
      expect(await md('{{ t | link(u) }}', { t: 'x', u })).toBe('[x](#)');
    });
  it('entity and backslash obfuscations cannot become a scheme', async () => {
    // `&` before an entity name is written &amp; (renderers decode it back to a literal `&`); `\` is percent-encoded
    expect(await md('{{ "x" | link(u) }}', { u: '&#106;avascript:alert(1)' })).toBe('[x](&amp;#106;avascript:alert(1))');
    expect(await md('{{ "x" | link(u) }}', { u: 'javascript&colon;alert(1)' })).toBe('[x](javascript&amp;colon;alert(1))');
    expect(await md('{{ "x" | link(u) }}', { u: 'javascript\\:alert(1)' })).toBe('[x](javascript%5C:alert(1))');
  });
  it('web URLs stay usable; what could end the destination is encoded', async () => {
    expect(await md('{{ "x" | link(u) }}', { u: 'https://e.x/a?b=1&c=2#f' })).toBe('[x](https://e.x/a?b=1&c=2#f)');
    expect(await md('{{ "x" | link(u) }}', { u: '/p) <img src=x onerror=alert(1)> "t"' })).toBe(
      '[x](/p%29%20%3Cimg%20src=x%20onerror=alert%281%29%3E%20%22t%22)',
    );
    expect(await md('{{ "[a](b)" | link("mailto:a@b.c") }}')).toBe('[\\[a\\]\\(b)](mailto:a@b.c)');
  });
  it('property: any scheme-looking prefix but the web/mail ones is refused, however spelled', () => {
    const obfuscate = (s: string, noise: string[]) => [...s].map((c, i) => (noise[i] ?? '') + (i % 2 ? c.toUpperCase() : c)).join('');
    fc.assert(
      fc.property(
        fc.constantFrom('javascript', 'vbscript', 'data', 'livescript', 'file'),
        fc.array(fc.constantFrom('', '', ' ', '\t', '\n', '\r', '\u0000', '\u001f'), { maxLength: 12 }),
        fc.string(),
        (scheme, noise, rest) => {
          expect(mdUrl(obfuscate(scheme, noise) + ':' + rest)).toBe('#');
        },
      ),
      { numRuns: 300 },
    );
  });
  it('property: a destination never holds a space, control, quote or angle bracket', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.oneof(fc.constantFrom('(', ')', '<', '>', '"', "'", '`', '\\', '&', '#', ';', ':', ' '), fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c))) }), (u) => {
        expect(mdUrl(u)).not.toMatch(/[\x00-\x20<>"'`\\\x7f]/);
      }),
      { numRuns: 300 },
    );
  });
});

describe('table, details and badge encode data for their place', () => {
  it('table cells and headers: Markdown-escaped, pipes escaped, one line', async () => {
    const rows = [{ '<h>': '<script>alert(1)</script>', n: 'a|b\n\n# x', m: new Markup('**ok**') }];
    expect(await md('{{ rows | table }}', { rows })).toBe(
      '| &lt;h> | n | m |\n| --- | --- | --- |\n| &lt;script>alert(1)&lt;/script> | a\\|b  \\# x | **ok** |',
    );
    expect(await md('{{ [["|"], ["\\\\|"]] | table(headers=["<i>"]) }}')).toBe('| &lt;i> |\n| --- |\n| \\| |\n| \\\\\\| |');
  });
  it('details: the summary is HTML inside HTML, the body is Markdown', async () => {
    expect(await md('{{ b | details(summary=s) }}', { b: '</details><script>x</script>', s: '</summary>\n\n<img src=x onerror=alert(1)>' })).toBe(
      '<details>\n<summary>&lt;/summary&gt;  &lt;img src=x onerror=alert(1)&gt;</summary>\n\n&lt;/details>&lt;script>x&lt;/script>\n\n</details>',
    );
    // safe Markdown is not safe HTML: in the summary it is escaped
    expect(await md('{{ "b" | details(summary=("<i>" | code)) }}')).toBe('<details>\n<summary>`&lt;i&gt;`</summary>\n\nb\n\n</details>');
  });
  it('badge: unknown names are escaped, known ones and shortcodes kept', async () => {
    expect(await md('{{ x | badge }}', { x: '<img src=x onerror=alert(1)>' })).toBe(':&lt;img src=x onerror=alert(1)>:');
    expect(await md('{{ x | badge }} {{ "rocket" | badge }} {{ "FAIL" | badge }}', { x: 'heavy_plus_sign' })).toBe(':heavy_plus_sign: :rocket: :x:');
  });
  it('headings, emphasis and link text escape data', async () => {
    const x = '<script>[a](javascript:alert(1))\n\n<b>';
    const out = await md('{{ x | h2 }}|{{ x | bold }}|{{ x | italic }}|{{ x | strike }}|{{ x | link("/") }}', { x });
    // every `<` of the data is `&lt;` and every `[` backslash-escaped (the one unescaped `[` opens the link)
    expect(out.replace('|[&lt;', '|&lt;')).not.toMatch(/(^|[^\\])[<[]/);
  });
  it('{% filter %} arguments are escaped for Markdown', async () => {
    expect(await md('{% filter replace("X", x) %}aXb{% end %}', { x: '<script>' })).toBe('a&lt;script>b');
  });
});

describe('every Markdown filter (the runtime table) keeps data out of HTML and links', () => {
  const HOSTILE = ['<script>alert(1)</script>', '](javascript:alert(1))', '`` <img src=x onerror=alert(1)> ``', '\n\n<b>x</b>\n\n', '| <i> | \\'];
  /** The text a Markdown renderer would parse as markup: code spans and fenced blocks removed, then the filters' own HTML. */
  const markupOf = (out: string) =>
    out
      .replace(/^(`{3,})[^\n]*\n[\s\S]*?\n\1$/gm, '')
      .replace(/(`+)[^`][\s\S]*?\1/g, '')
      .replace(/<\/?(details|summary)>/g, '');
  for (const name of Object.keys(mdFilters).filter((n) => !['safe', 'escape', 'e'].includes(n)))
    it(name, async () => {
      for (const s of HOSTILE) {
        const forms = name === 'table' ? ['{{ [d] | table }}', '{{ [[s]] | table(headers=[s]) }}'] : ['{{ s | NAME }}', '{{ s | NAME(s) }}', '{{ "x" | NAME(s) }}'];
        for (const form of forms) {
          let out: string;
          try {
            out = await md(form.replace('NAME', name), { s, d: { [s]: s } });
          } catch {
            continue; // (a filter that takes no such argument)
          }
          let rest = out;
          if (name === 'link') {
            // the destination is mdUrl's (tested above); the rest is the link text
            const dest = `(${mdUrl(s)})`;
            expect(out.endsWith(dest)).toBe(true);
            expect(mdUrl(s)).not.toMatch(/^\s*javascript:/i);
            rest = out.slice(0, -dest.length);
          }
          const m = markupOf(rest);
          expect(m, `${form} ${JSON.stringify(s)} → ${out}`).not.toMatch(/(^|[^\\])</);
          expect(m, `${form} ${JSON.stringify(s)} → ${out}`).not.toMatch(/(^|[^\\])\]\(\s*javascript:/i);
        }
      }
    });
});
