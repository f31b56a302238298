// Issue #19, nineteenth red team of default mode (trusted templates, hostile data), Kida and
// compat: 'nunjucks'. One describe block per class that worked before its fix:
// - §3 the `{% trans %}` run-time quote scan read a translation's markup otherwise than a
//   browser: `<noscript>` (raw text with scripting on), a comment closed by `--!>`, a script whose
//   `<!--<script>` hides its first `</script>`, an attribute name starting with `=` (`<a ="`) and
//   an unquoted value holding `="` each hid a real `"`-quoted value, so a `tojson` placeholder's
//   `"` ended it and data's spaces made attributes.
// - §3 Markdown mode: the escaper knew LF as the only line end, so data's lone CR (a line end to
//   CommonMark) started headings, quotes, lists and rules; `~~~` (a fence) and a line of `=` (a
//   setext underline) were not escaped at all.
import './../fc-seed.js';
import fc from 'fast-check';
import MarkdownIt from 'markdown-it';
import { marked } from 'marked';
import { parse } from 'parse5';
import { describe, expect, it } from 'vitest';
import { DictLoader, Environment } from '../../compiler/environment.js';
import { everyWay } from '../support.js';

type Node = { nodeName: string; attrs?: { name: string; value: string }[]; childNodes?: Node[]; content?: Node };
/** Every element's name and attributes in a whole document, as a browser with or without scripting builds it. */
function elementsOf(html: string, scriptingEnabled: boolean): [string, { name: string; value: string }[]][] {
  const out: [string, { name: string; value: string }[]][] = [];
  const walk = (n: Node) => {
    if (n.attrs && !['html', 'head', 'body'].includes(n.nodeName)) out.push([n.nodeName, n.attrs]);
    for (const c of n.childNodes ?? []) walk(c);
    if (n.content) walk(n.content);
  };
  walk(parse(html, { scriptingEnabled }) as unknown as Node);
  return out;
}

function translating(to: (m: string) => string): Environment {
  const e = new Environment({ loader: new DictLoader({}) });
  e.installTranslations({ gettext: to, ngettext: (s, p, n) => to(n === 1 ? s : p) });
  return e;
}

describe('§3 the {% trans %} quote scan reads markup as a browser tokenizes it', () => {
  // (each piece of a translation ends with a `"`-quoted value open or closed in the browser's
  // reading and the other way round in a scan that reads it naively)
  const BEFORE = [
    '<noscript><b title="</noscript>',
    '<noscript><b title="x"></noscript>',
    '<!-- a --!><b title="x">',
    '<!-- a --!>',
    '<script><!--<script></script><b title="</script>',
    '<script><!--</script>',
    '<script><!--><b title="</script>',
    '<a =" title="x">',
    '<a t=a="x y="z">',
    '<b title="a"></b>',
  ];
  const pieces = fc.array(fc.constantFrom(...BEFORE), { minLength: 1, maxLength: 3 }).map((p) => p.join(''));
  const hostile = fc.array(fc.constantFrom('"', "'", ' ', '=', 'onpwn', '>', '<', '/', 'x'), { maxLength: 10 }).map((p) => p.join(''));

  it('data adds no attribute, with scripting on or off (fixed seed)', async () => {
    await fc.assert(
      fc.asyncProperty(pieces, hostile, async (before, x) => {
        const t = translating(() => `${before}<p data-k="%(v)s">Hi</p>`).fromString('{% trans v = x | tojson %}Hi {{ v }}{% endtrans %}');
        const benign = await everyWay(t, { x: 'plain' });
        const out = await everyWay(t, { x });
        for (const scripting of [true, false]) {
          // (where the readings differ the value is one entity-written token: in the reading
          // without scripting it may name an attribute, never add a second one)
          const shape = (html: string) => elementsOf(html, scripting).map(([n, as]) => `${n}:${as.length}`);
          expect(shape(out)).toEqual(shape(benign));
          expect(elementsOf(out, scripting).flatMap(([, as]) => as.map((a) => a.name)).filter((n) => n.startsWith('onpwn'))).toEqual([]);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('a value the browser reads quoted decodes to the JSON', async () => {
    for (const before of ['<noscript><b title="x"></noscript>', '<!-- a --!>', '<script><!--<script></script><b title="</script>', '<a =" title="x">']) {
      const t = translating(() => `${before}<p data-k="%(v)s">Hi</p>`).fromString('{% trans v = x | tojson %}Hi {{ v }}{% endtrans %}');
      const x = 'a" onpwn="1';
      const ps = elementsOf(await everyWay(t, { x }), true).filter(([n]) => n === 'p');
      expect(ps.map(([, as]) => as.map((a) => a.name))).toEqual([['data-k']]);
      expect(JSON.parse(ps[0]![1][0]!.value)).toBe(x);
    }
  });
});

describe('§3 Markdown mode escapes every line start a renderer sees', () => {
  const md = new MarkdownIt();
  const render = (src: string, x: string) => new Environment({ loader: new DictLoader({}), autoescape: 'markdown' }).fromString(src).render({ x });
  // (an indented code block shows its text as written: data may make one)
  const blockTags = /<(h[1-6]|blockquote|ul|ol|li|hr|table)\b/;
  const BREAKS = ['\n', '\r', '\r\n'];
  const MARKERS = ['# h', '## h', '> q', '- l', '+ l', '1. n', '2) n', '---', '===', '~~~', '  # h', '\t> q'];

  it('data after any line end starts no block, in marked and markdown-it', () => {
    for (const br of BREAKS)
      for (const m of MARKERS) {
        const out = render('Intro\n\n{{ x }}\n', `text${br}${m}${br}more`);
        expect(md.render(out)).not.toMatch(blockTags);
        expect(marked.parse(out) as string).not.toMatch(blockTags);
      }
  });

  it('hostile lines never make a block, and the text reads back (fixed seed)', () => {
    const line = fc.array(fc.constantFrom('#', '>', '-', '+', '=', '~', '1.', ' ', '\t', 'a', '\r', '\n', '\r\n'), { maxLength: 10 }).map((p) => p.join(''));
    fc.assert(
      fc.property(line, (x) => {
        const out = render('Intro\n\n{{ x }}', x);
        expect(md.render(out)).not.toMatch(blockTags);
      }),
      { numRuns: 500 },
    );
  });

  it('the escapes render as the characters they stand for', () => {
    const out = render('{{ x }}', 'a\r~~~\r===');
    expect(md.render(out).replace(/\s+/g, ' ').trim()).toBe('<p>a ~~~ ===</p>');
  });
});
