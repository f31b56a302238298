// Issue #19, eighteenth red team of default mode (trusted templates, hostile data), Kida and
// compat: 'nunjucks'. One describe block per class that worked before its fix:
// - §3 the `{% trans %}` run-time quote scan read a comment, a bogus comment or a raw-text
//   element of the translation as markup: `<!-- <b title=" --><i title="{{ v }}">` or
//   `<textarea><b title="</textarea><i title="{{ v }}">` left the real value unseen, so a
//   `tojson` placeholder's `"` ended it and data's spaces made attributes.
// - §1/§4 `([x] * n) | tojson` of a long data string: the JSON of each item was built a
//   character at a time (a rope of ~30 bytes a character), so V8 aborted long before the
//   output's count of 2^28 characters refused it (4 GB at n = 300,000 of a 1 KB string).
// - §2 `([x] * n) | pprint`: the length pprint measures first walked every item's repr before
//   the count could stop it (13.6 s at n = 300,000; minutes at 2^24).
// - §1/§4 `([x] * n) | map("upper")`: each new string was under the 2^28 bound, together
//   16 GB, and V8 aborted; `map("title")`'s ropes aborted at a 30th of that.
// - §1/§4 `(x * n) | title`, `.title()`, `.swapcase()`, `.istitle()` of a string under the 2^28
//   bound built their result a character at a time (~30 bytes a character as a rope, 16 in
//   swapcase's array): 2^28 characters aborted V8 after 86 s.
// - §1 splitting or slicing a string of 2^28 characters (`(x * n).split("a")`, `.split()`,
//   `splitlines`, `count`, `wordcount`, `replace` with `$`, `wordwrap`, `s[::-1]`) made an array
//   past V8's longest (~2^27 items), which ends the process (SIGTRAP) rather than throwing;
//   in Nunjucks mode too, through JavaScript `split`/`match(/…/g)` and `list`/`reverse`.
// - §1 a promise in the data rejected with a revoked proxy, an object whose `then` getter throws,
//   or a thenable that rejects: the runtime's do-nothing handler (`catch(Object)`) gave the reason
//   back, so its own promise adopted it, read `then` and rejected again, unhandled: Node exited.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DictLoader, Environment } from '../../compiler/environment.js';
import { everyWay } from '../support.js';
import { elements } from './html-elements.js';
import { distUrl, runStrict } from './strict-child.js';

/** An environment whose catalogue translates every message to `to(message)`. */
function translating(to: (m: string) => string): Environment {
  const e = new Environment({ loader: new DictLoader({}) });
  e.installTranslations({ gettext: to, ngettext: (s, p, n) => to(n === 1 ? s : p) });
  return e;
}
const hostile = fc.array(fc.constantFrom('"', "'", ' ', '=', 'onpwn', '>', '<', '/', '-', '!', 'x', '&'), { maxLength: 12 }).map((p) => p.join(''));

describe('§3 the {% trans %} quote scan skips comments and raw text of the translation', () => {
  // (markup a translation may hold before the placeholder's value: each leaves a quote or a tag
  // that a scan reading it as markup would take to be open)
  const BEFORE = [
    '<!-- <b title=" -->',
    '<!--><b title=\'-->\'>',
    '<!---><b title=\'-\'>',
    '<? <b title=" ?>',
    '<!x <b title=" >',
    '</3 title=" >',
    '<textarea><b title="</textarea>',
    '<title>"</title>',
    '<script>let a = "<b title=";</script>',
    '<style>b[title="x"]{}</STYLE >',
    '<xmp><b title="</xmp>',
    '<i title="a"></i>',
    '</i title=" x ">',
    '<b data-a=\'"\'>',
  ];
  const pieces = fc.array(fc.constantFrom(...BEFORE), { minLength: 1, maxLength: 4 }).map((p) => p.join(''));

  it('data adds no attribute and the value decodes to the JSON, every way (fixed seed)', async () => {
    await fc.assert(
      fc.asyncProperty(pieces, hostile, async (before, x) => {
        const t = translating((m) => m.replace('Hi %(v)s', `${before}<p data-k="%(v)s">Hi</p>`)).fromString('{% trans v = x | tojson %}Hi {{ v }}{% endtrans %}');
        const ps = elements(await everyWay(t, { x })).filter(([n]) => n === 'p');
        expect(ps).toHaveLength(1);
        expect(ps[0]![1].map((a) => a.name)).toEqual(['data-k']);
        expect(JSON.parse(ps[0]![1][0]!.value)).toBe(x);
      }),
      { numRuns: 300 },
    );
  });

  it('an unclosed comment or raw-text element holds the placeholder as text', async () => {
    for (const open of ['<!-- <p title="', '<textarea><p title="', '<script>"']) {
      const t = translating(() => `${open}%(v)s`).fromString('{% trans v = x | tojson %}{{ v }}{% endtrans %}');
      // (escaping nothing there: the JSON stays as written, and the text is what the browser shows)
      expect(await everyWay(t, { x: '" a' })).toBe(`${open}"\\" a"`);
    }
  });
});

/** Renders `src` with a 1 KB data string `x` and a count `n` in a child with a small heap; its stdout. */
function inSmallHeap(src: string, n: number, heapMb: number, timeout = 60_000, x = 'a'.repeat(1000), compat = ''): string {
  return runStrict(
    `import { Environment, DictLoader } from ${distUrl('dist/compiler/environment.js')};
const t = new Environment({ loader: new DictLoader({})${compat ? ", compat: 'nunjucks'" : ''} }).fromString(${JSON.stringify(src)});
try { console.log('ok', t.render({ x: ${JSON.stringify(x)}, n: ${n} }).length); }
catch (e) { console.log(e.name, e.code); }`,
    timeout,
    [`--max-old-space-size=${heapMb}`],
  ).trim();
}

describe('§1/§4 text and lists built from many references to one data string', () => {
  it('tojson of a list repeating a long string is refused by its count, under a 300 MB heap', () => {
    // (before: ~30 bytes a character of rope per item; V8 aborted)
    expect(inSmallHeap('{{ ([x] * n) | tojson }}', 300_000, 300)).toBe('TemplateRuntimeError K-RUN-007');
    expect(inSmallHeap('{{ {"a": [x] * n} | tojson(indent=2) }}', 300_000, 300)).toBe('TemplateRuntimeError K-RUN-007');
  });

  it('pprint of a list repeating a long string stops at its count, not after reading every item', () => {
    // (before: 2^24 items' reprs, 16 G characters, were read first: over a minute; now ~3 s)
    expect(inSmallHeap('{{ ([x] * n) | pprint }}', 2 ** 24 - 1, 1200, 30_000)).toBe('TemplateRuntimeError K-RUN-007');
  });

  it('map(method) counts the strings it builds together, and keeps none as a rope', () => {
    expect(inSmallHeap('{{ ([x] * n) | map("upper") | join }}', 2 ** 24 - 1, 1200)).toBe('SecurityError K-SEC-003');
    // (20 M characters of title case: flat, 40 MB; as ropes, over 400 MB)
    expect(inSmallHeap('{{ ([x] * n) | map("title") | list | length }}', 20_000, 400)).toBe('ok 5');
  });

  it('title, swapcase and istitle of a long string build flat text, under a 400 MB heap', () => {
    // (25 M characters: ~800 MB as a rope before; the text itself is 25 MB)
    for (const [src, out] of [
      ['{{ ("aB c" * n) | title | length }}', 'ok 8'],
      ['{{ ("aB c" * n).title() | length }}', 'ok 8'],
      ['{{ ("aB c" * n).swapcase() | length }}', 'ok 8'],
      ['{{ ("aB c" * n).istitle() }}', 'ok 5'],
    ])
      expect(inSmallHeap(src, 2 ** 23 * 0.75, 400)).toBe(out);
  });

  it('title and swapcase give what they gave before (fixed seed)', () => {
    const t = new Environment({ loader: new DictLoader({}) }).fromString('{{ x | title }}|{{ x.title() }}|{{ x.swapcase() }}|{{ x.istitle() }}');
    // (the loops these replaced, as written before)
    const titleF = (str: string) => {
      let o = '', prev = false;
      for (const ch of str) {
        const up = ch.toUpperCase();
        o += prev ? ch.toLowerCase() : ({ Ǆ: 'ǅ', ǅ: 'ǅ', ǆ: 'ǅ', Ǉ: 'ǈ', ǈ: 'ǈ', ǉ: 'ǈ', Ǌ: 'ǋ', ǋ: 'ǋ', ǌ: 'ǋ', Ǳ: 'ǲ', ǲ: 'ǲ', ǳ: 'ǲ' } as Record<string, string>)[ch] ?? ([...up].length > 1 ? up[0] + up.slice(1).toLowerCase() : up);
        prev = /\p{Cased}/u.test(ch);
      }
      return o;
    };
    const swap = (str: string) => [...str].map((c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase())).join('');
    const esc = (v: string) => v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;').replace(/\0/g, '');
    fc.assert(
      // (no capital sigma: its final form, Python's, came with "Strings by code point", which tests it
      // against CPython; and the method title is the filter's since then, as in Python)
      fc.property(fc.string({ unit: fc.oneof(fc.constantFrom('a', 'B', ' ', 'ß', 'ǆ', 'ﬁ', 'İ', '1', '\u0345', '😀', '\ud800'), fc.integer({ min: 0x20, max: 0x2fff }).filter((c) => c !== 0x3a3).map((c) => String.fromCharCode(c))), maxLength: 5000 }), (x) => {
        const [a, b, c, d] = t.render({ x }).split('|');
        expect([a, b, c]).toEqual([esc(titleF(x)), esc(titleF(x)), esc(swap(x))]);
        // (istitle as Python's: upper/titlecase only after uncased, lowercase only after cased;
        // test/language/code-points.test.ts checks it against CPython)
        let cased = false, prev = false, ok = true;
        for (const ch of x) {
          if (/[\p{Uppercase}\p{Lt}]/u.test(ch)) (ok &&= !prev), (prev = cased = true);
          else if (/\p{Lowercase}/u.test(ch)) (ok &&= prev), (prev = cased = true);
          else prev = false;
        }
        expect(d).toBe(ok && cased ? 'True' : 'False');
      }),
      { numRuns: 300 },
    );
  });

  it('a split of a string into more than 2^24 pieces is refused; slices and count build no array', () => {
    const n = 2 ** 28 - 1;
    for (const src of ['{{ (x * n).split("a") | length }}', '{{ ("a " * (n // 2)).split() | length }}', '{{ ("\\n" * n).splitlines() | length }}', '{{ ("a " * (n // 2)) | wordcount }}', '{{ (x * n).replace("a", "$") | length }}', '{{ ("a " * (n // 2)) | wordwrap(3) | length }}', '{{ (x * n).rsplit("a") | length }}'])
      expect(inSmallHeap(src, n, 1024, 60_000, 'a')).toBe('SecurityError K-SEC-003');
    expect(inSmallHeap('{{ (x * n)[1:] | length }}|{{ (x * n).count("a") }}', n, 1024, 60_000, 'a')).toBe('ok 19');
    expect(inSmallHeap('{{ (x * n)[::-1] | length }}', 2 ** 27 + 2 ** 20, 1024, 60_000, 'a')).toBe('ok 9');
  });

  it('Nunjucks mode: JavaScript split and match, list and reverse of such a string are refused, not fatal', () => {
    const n = 2 ** 28 - 1;
    for (const src of ['{{ x.repeat(n).split("a").length }}', '{{ x.repeat(n).split("").length }}', '{{ x.repeat(n).split(r/a/).length }}', '{{ x.repeat(n).match(r/a/g).length }}', '{{ x.repeat(n) | list | length }}', '{{ x.repeat(n) | reverse | length }}'])
      expect(inSmallHeap(src, n, 1024, 60_000, 'a', 'nunjucks')).toBe('SecurityError K-SEC-003');
    // (a limit stops the split early: nothing to refuse)
    expect(inSmallHeap('{{ x.repeat(n).split("a", 2).length }}|{{ x.repeat(n).match("a").length }}', n, 1024, 60_000, 'a', 'nunjucks')).toBe('ok 3');
  });

  it('string slices give what they gave (by UTF-16 unit) (fixed seed)', () => {
    const t = new Environment({ loader: new DictLoader({}) }).fromString('{{ x[a:b:c] | tojson }}');
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), fc.option(fc.integer({ min: -45, max: 45 })), fc.option(fc.integer({ min: -45, max: 45 })), fc.option(fc.integer({ min: -4, max: 4 }).filter((c) => c !== 0)), (x, a, b, c) => {
        const n = x.length, st = c ?? 1;
        const norm = (v: number | null, d: number, lo: number, hi: number) => (v === null ? d : Math.min(Math.max(v < 0 ? v + n : v, lo), hi));
        const from = st > 0 ? norm(a, 0, 0, n) : norm(a, n - 1, -1, n - 1), to = st > 0 ? norm(b, n, 0, n) : norm(b, -1, -1, n - 1);
        let want = '';
        for (let i = from; st > 0 ? i < to : i > to; i += st) want += x[i];
        const hex = (ch: string) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`;
        expect(t.render({ x, a, b, c })).toBe(JSON.stringify(want).replace(/[\x7f-\uffff]/g, hex).replace(/[<>&']/g, hex));
      }),
      { numRuns: 1000 },
    );
  });

  it('tojson writes each string as before (ASCII, \\u escapes, no < > & \' for HTML) (fixed seed)', () => {
    const t = new Environment({ loader: new DictLoader({}) }).fromString('{{ x | tojson }}');
    const html: Record<string, string> = { '<': '\\u003c', '>': '\\u003e', '&': '\\u0026', "'": '\\u0027' };
    const hex = (c: string) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
    fc.assert(
      fc.property(fc.string({ unit: fc.oneof(fc.constantFrom('"', '\\', '\n', '\r', '\t', '\b', '\f', '\x7f', '\0', '<', "'", '&', 'é', '😀', '\ud800'), fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c))) }), (x) => {
        const expected = JSON.stringify(x).replace(/[\x7f-\uffff]/g, hex).replace(/[<>&']/g, (c) => html[c]!);
        expect(t.render({ x })).toBe(expected);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('§1 a rejection reason the observer’s handler would adopt', () => {
  it('no unhandled rejection for reasons that are revoked proxies, throwing or rejecting thenables, every entry', () => {
    const out = runStrict(
      `import { Environment, DictLoader } from ${distUrl('dist/compiler/environment.js')};
const reasons = () => {
  const r = Proxy.revocable({}, {}); r.revoke();
  return [r.proxy, { get then() { throw new Error('then'); } }, { then(ok, no) { no(new Error('thenable')); } }];
};
const env = new Environment({ loader: new DictLoader({}) });
const njk = new Environment({ loader: new DictLoader({}), compat: 'nunjucks' });
const pages = [
  env.fromString('{{ await p }}'),
  env.fromString('{% if false %}{{ await p }}{% end %}done'),
  env.fromString('{{ await ok }}{% for q in l %}{{ await q }}{% end %}'),
  env.fromString('{{ p }}'),
  njk.fromString('{{ p }}done'),
];
let n = 0;
for (const t of pages)
  for (const way of ['render', 'async', 'stream-return', 'stream-never'])
    for (const reason of reasons()) {
      // (rejected before the render starts, after a tick: no handler of the caller's)
      const p = Promise.reject(reason);
      const ctx = { p, l: [p], ok: new Promise((r) => setTimeout(r, 1)) };
      try {
        if (way === 'render') t.render(ctx);
        else if (way === 'async') await t.renderAsync(ctx);
        else {
          const it = t.renderStreamAsync(ctx);
          if (way === 'stream-return') await it.return();
        }
      } catch {}
      await new Promise((r) => setTimeout(r, 5));
      n++;
    }
console.log(n);`,
      60_000,
    );
    expect(out.trim()).toBe(String(5 * 4 * 3));
  });
});
