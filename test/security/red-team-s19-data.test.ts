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
// - §1/§4 `replace` with a count or an empty `old` (`(x * n).replace("a", "b", n)`, the filter
//   too) appended a match at a time (a rope of ~30 bytes a piece: V8 aborted, SIGABRT, under 2 GB
//   at 2^27 characters), and its empty-`old` form listed every code point first; in Nunjucks mode
//   `replace` did the same, and `replace("", r)` split a string of 2^27 characters into an array
//   past V8's longest (SIGTRAP in 2 s).
// - §1/§4 Nunjucks mode's global regex `replace` (method and filter) and `replaceAll` of a string:
//   V8 lists every match first; 2^25 matches aborted V8 under 600 MB (SIGABRT in 15 s).
import './../fc-seed.js';
import fc from 'fast-check';
import MarkdownIt from 'markdown-it';
import { marked } from 'marked';
import { parse } from 'parse5';
import { describe, expect, it } from 'vitest';
import { DictLoader, Environment } from '../../compiler/environment.js';
import { everyWay } from '../support.js';
import { distUrl, runStrict } from './strict-child.js';

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

/** Renders `src` with `x = "a"` and `n` in a strict child under a heap of `heapMb`; its stdout. */
function inChild(src: string, n: number, heapMb: number, compat = ''): string {
  return runStrict(
    `import { Environment, DictLoader } from ${distUrl('dist/compiler/environment.js')};
const t = new Environment({ loader: new DictLoader({})${compat ? ", compat: 'nunjucks'" : ''} }).fromString(${JSON.stringify(src)});
try { console.log('ok', t.render({ x: 'a', n: ${n} })); }
catch (e) { console.log(e.name, e.code); }`,
    120_000,
    [`--max-old-space-size=${heapMb}`],
  ).trim();
}

describe('§1/§4 replace builds its text flat', () => {
  it('a counted replace of millions of matches fits a small heap', () => {
    // (before: one rope node a piece; V8 aborted under 250 MB after ~25 s; now ~110 MB)
    expect(inChild('{{ (x * n).replace("a", "b", n) | length }}', 2 ** 23, 250)).toBe(`ok ${2 ** 23}`);
    expect(inChild('{{ (x * n) | replace("a", "b", n) | length }}', 2 ** 23, 250)).toBe(`ok ${2 ** 23}`);
    expect(inChild('{{ (x * n).replace("", "-") | length }}', 2 ** 22, 250)).toBe(`ok ${2 ** 23 + 1}`);
    expect(inChild('{{ x.repeat(n) | replace("a", "b") | length }}', 2 ** 23, 250, 'nunjucks')).toBe(`ok ${2 ** 23}`);
  });

  it('an empty old string in Nunjucks mode past 2^24 pieces is built in bounded memory, not a process abort', () => {
    // (before: the pieces of a split past V8's longest array ended the process in 1.7 s)
    expect(inChild('{{ x.repeat(n) | replace("", "") | length }}', 2 ** 27, 1024, 'nunjucks')).toBe(`ok ${2 ** 27}`);
  });

  it('a counted replace whose text passes the bound is refused as it grows', () => {
    expect(inChild('{{ (x * n).replace("a", "b" * 64, n) | length }}', 2 ** 23, 400)).toBe('SecurityError K-SEC-003');
    expect(inChild('{{ (x * n).replace("", "b" * 64) | length }}', 2 ** 23, 400)).toBe('SecurityError K-SEC-003');
  });

  it('a global regex replace or replaceAll in Nunjucks mode is refused past 2^24 matches', () => {
    // (before: V8 listed 2^25 matches and aborted under 600 MB)
    for (const src of ['{{ x.repeat(n).replace(r/a/g, "b") | length }}', '{{ x.repeat(n).replaceAll("a", "b") | length }}', '{{ x.repeat(n) | replace(r/a/g, "b") | length }}'])
      expect(inChild(src, 2 ** 25, 600, 'nunjucks')).toBe('SecurityError K-SEC-003');
    // (under the bound, the slow-regex path builds flat: 2^20 matches)
    expect(inChild('{{ x.repeat(n).replace(r/(a|a)+?/g, "b") | length }}', 2 ** 20, 250, 'nunjucks')).toBe(`ok ${2 ** 20}`);
  });

  it('replace keeps Python\'s counts and code points (fixed seed)', () => {
    // (the reference: Python's str.replace, written out for a count and an empty `old`)
    const pyReplace = (s: string, old: string, by: string, count: number): string => {
      if (count < 0) count = Infinity;
      if (old === '') {
        const cps = [...s];
        let out = '';
        let n = 0;
        for (const c of cps) out += (n < count ? (n++, by) : '') + c;
        return out + (n < count ? by : '');
      }
      return s.split(old).reduce((acc, piece, i) => (i === 0 ? piece : acc + (i <= count ? by : old) + piece));
    };
    const text = fc.array(fc.constantFrom('a', 'b', 'ab', '\u{1F600}', ' '), { maxLength: 8 }).map((p) => p.join(''));
    const t = new Environment({ loader: new DictLoader({}), autoescape: false }).fromString('{{ s.replace(old, by, n) }}');
    fc.assert(
      fc.property(text, fc.constantFrom('', 'a', 'ab', 'b'), fc.constantFrom('', '-', 'xyz'), fc.integer({ min: -1, max: 5 }), (s, old, by, n) => {
        expect(t.render({ s, old, by, n })).toBe(pyReplace(s, old, by, n));
      }),
      { numRuns: 400 },
    );
  });
});
