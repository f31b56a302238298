// Issue #19, seventeenth red team of default mode (trusted templates, hostile data), Kida and
// compat: 'nunjucks'. One describe block per class that worked before its fix, then guards for
// the shapes that held (hostile objects as data), so a later change cannot open them:
// - §3 a `{% trans %}` placeholder inside a double-quoted value of the message's own markup
//   printed a safe value's `"` raw: `{% trans v = x | tojson %}<i title="{{ v }}">…` let data's
//   spaces and `=` become attributes (the attribute scan marks outputs, and a message is one
//   statement whose markup comes from the catalog at run time).
// - §3 Markdown mode: data's `](` was escaped `\](`, which marked reads inside a link's text as a
//   nested inline link: `[{{ x }}](https://…)` and `{{ x | link(url) }}` with x = `[a](javascript:…)`
//   rendered a live `javascript:` link (markdown-it did not), and so did two outputs meeting at
//   `](`. A `(` after `]`, or first in a value, is escaped too.
import fc from 'fast-check';
import MarkdownIt from 'markdown-it';
import { marked } from 'marked';
import { describe, expect, it } from 'vitest';
import { DictLoader, Environment, type EnvironmentOptions } from '../../compiler/environment.js';
import { everyWay } from '../support.js';
import { elements } from './html-elements.js';

const env = (options: EnvironmentOptions = {}) => new Environment({ loader: new DictLoader({}), ...options });
/** A catalog that gives each message back, or a translation that moves the placeholder into markup of its own. */
function translated(options: EnvironmentOptions = {}, catalog: Record<string, string> = {}): Environment {
  const e = env(options);
  e.installTranslations({ gettext: (m) => catalog[m] ?? m, ngettext: (s, p, n) => catalog[n === 1 ? s : p] ?? (n === 1 ? s : p) });
  return e;
}
const hostile = fc.array(fc.constantFrom('"', "'", ' ', '\t', '=', 'onpwn', '>', '<', '/', '\\', 'x', '&', '%'), { maxLength: 14 }).map((p) => p.join(''));

describe('§3 a {% trans %} placeholder in a double-quoted value of the message writes a safe value’s " as &quot;', () => {
  const SOURCES = [
    '{% trans v = x | tojson %}<i title="{{ v }}">{{ v }}</i>{% endtrans %}',
    '{% trans v = x | tojson, count = 2 %}<i data-a="{{ v }}">one</i>{% plural %}<i data-a="{{ v }}" title="{{ count }}">many</i>{% endtrans %}',
    '{% trans v = x | tojson %}<a href="/" class=\'c\' data-j="{{ v }}">{{ v }}</a>{% endtrans %}',
    // (a quote inside an unquoted value opens nothing: the next value is still double-quoted)
    '{% trans v = x | tojson %}<a href=/a\'b data-j="{{ v }}" title = "{{ v }}">{{ v }}</a>{% endtrans %}',
  ];
  it('data makes no attribute and the value decodes to the JSON, every way (fixed seed)', async () => {
    const ts = SOURCES.map((s) => translated().fromString(s));
    await fc.assert(
      fc.asyncProperty(hostile, async (x) => {
        for (const t of ts) {
          const html = await everyWay(t, { x });
          for (const [, attrs] of elements(html)) {
            for (const a of attrs) expect(a.name).not.toMatch(/onpwn|[<>"'\\]/);
            for (const a of attrs) if (a.name === 'title' && a.value !== '2') expect(JSON.parse(a.value)).toBe(x);
            for (const a of attrs) if (a.name.startsWith('data-')) expect(JSON.parse(a.value)).toBe(x);
          }
        }
      }),
      { seed: 1717, numRuns: 150 },
    );
  });
  it('a translation that puts the placeholder into an attribute of its own is read, not the msgid', () => {
    const t = translated({}, { '%(v)s': '<b title="%(v)s">%(v)s</b>' }).fromString('{% trans v = x | tojson %}{{ v }}{% endtrans %}');
    const html = t.render({ x: '" onpwn="1' });
    expect(elements(html)).toEqual([['b', [{ name: 'title', value: JSON.stringify('" onpwn="1') }]]]);
    // in text and in a single-quoted value, tojson's own escapes hold and the bytes stay JSON
    expect(html.endsWith(`>${JSON.stringify('" onpwn="1')}</b>`)).toBe(true);
  });
  it('plain data and quotes in the message text keep their bytes (as the same outputs outside a message)', () => {
    const e = translated();
    const x = 'a"b\' c';
    const esc = e.fromString('{{ x }}').render({ x });
    expect(e.fromString('{% trans v = x %}50 "{{ v }}" <b title=\'{{ v }}\' data-a="{{ v }}">{% endtrans %}').render({ x })).toBe(`50 "${esc}" <b title='${esc}' data-a="${esc}">`);
  });
});

describe('§3 Markdown: data inside a link\'s text cannot make a link of its own (marked and markdown-it)', () => {
  const mdit = MarkdownIt({ html: true });
  // (the second: the `](` split between two outputs, the first ending in `]`)
  const SOURCES = ['[{{ x }}](https://a.example/)', '[{{ "[t]" }}{{ x }}](https://a.example/)', '{{ x | link("https://a.example/") }}', '{{ x | link(x) }}', '![{{ x }}](i.png) [t](https://a.example/ "{{ x }}")', '{{ x | details("s") }}'];
  /** Every href and src in `html` (a relative one resolves against the page: data may choose a path, never a scheme). */
  const urls = (html: string) => [...html.matchAll(/(?:href|src)="([^"]*)"/g)].map((m) => m[1]!);
  it('every URL in the HTML is one the template wrote (fixed seed)', () => {
    const e = env({ autoescape: 'markdown' });
    const ts = SOURCES.map((s) => e.fromString(s));
    const piece = fc.constantFrom('[', ']', '(', ')', '\\', 'javascript:alert(1)', 'a', ' ', '<', '>', '!', '"', ':', '\n');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 10 }).map((p) => p.join('')), (x) => {
        for (const t of ts) {
          const md = t.render({ x });
          for (const html of [marked.parse(md) as string, mdit.render(md)])
            for (const u of urls(html)) expect(new URL(u.replace(/&amp;/g, '&'), 'https://base.example/').protocol, `${JSON.stringify(x)} -> ${md}`).toBe('https:');
        }
      }),
      { seed: 1717, numRuns: 400, examples: [['[a](javascript:alert(1))'], ['(javascript:alert(1))']] },
    );
  });
  it('prose parentheses stay as written (only a `(` right after `]`, or first in the value, gets a backslash)', () => {
    const t = env({ autoescape: 'markdown' }).fromString('{{ x }}');
    expect(t.render({ x: 'f(a) [b] (c) d](e)' })).toBe('f(a) \\[b\\] (c) d\\]\\(e)');
    expect(t.render({ x: '(555) 1' })).toBe('\\(555) 1');
  });
});

// ------------------------------------------------------------------ guards: what held

const X = '<x onpwn=1>';
/** Data that is not plain JSON: each shape a walker (repr, tojson, pprint, dictsort…) may meet. */
const SHAPES: Record<string, () => unknown> = {
  'a cycle through a dict': () => { const o: Record<string, unknown> = { a: X }; o.self = o; return o; },
  'a cycle through a list': () => { const a: unknown[] = [X]; a.push(a); return a; },
  'a throwing getter': () => Object.defineProperty({ b: X }, 'a', { enumerable: true, get() { throw new Error(X); } }),
  'a revoked Proxy': () => { const r = Proxy.revocable({}, {}); r.revoke(); return r.proxy; },
  'a Proxy that throws on every trap': () => new Proxy({}, { get() { throw new Error('p'); }, ownKeys() { throw new Error('o'); }, getPrototypeOf() { throw new Error('gp'); } }),
  'toString that throws': () => ({ toString() { throw new Error(X); } }),
  'toPrimitive that gives markup': () => ({ [Symbol.toPrimitive]: () => X }),
  'toJSON that gives markup': () => ({ toJSON: () => X }),
  'a then getter that throws': () => ({ get then() { throw new Error('then'); } }),
  'own __proto__, constructor, then, lone-surrogate keys': () => JSON.parse(`{"__proto__": "${X}", "constructor": "c", "then": "t", "": "e", "\\ud800": "${X}"}`),
  'a null-prototype dict': () => Object.assign(Object.create(null), { a: X }),
  'Map, Set, typed array, BigInt, Symbol': () => ({ m: new Map([[X, X]]), s: new Set([X]), u: new Uint8Array([60]), b: 10n ** 20n, y: Symbol(X) }),
  'a boxed string': () => new String(X),
};
const WALKERS = ['{{ x }}', '<a title="{{ x }}">', '{{ x | tojson }}', '{{ x | pprint }}', '{{ x | dictsort }}', '{{ x | string }}', '{{ x | list }}', '{{ x | join(",") }}', '{{ x | unique | list }}', '{{ "{}".format(x) }}', '{{ "%s" % x }}', '{% for k in x %}{{ k }}{% end %}'];
const NJK_WALKERS = ['{{ x }}', '{{ x | dump }}', '{{ x | dictsort }}', '{{ x | join(",") }}', '{{ x | sort }}', '{{ x | list }}', '{% for k, v in x %}{{ k }}{{ v }}{% endfor %}', '{{ x | urlencode }}'];

describe('guards: hostile objects as data', () => {
  for (const [mode, list, options] of [['kida', WALKERS, {}], ['nunjucks', NJK_WALKERS, { compat: 'nunjucks', autoescape: true }]] as const)
    it(`${mode}: each shape renders escaped or fails as a template error, never a raw JS error`, () => {
      const e = env(options as EnvironmentOptions);
      for (const src of list) {
        const t = e.fromString(src);
        for (const [label, make] of Object.entries(SHAPES)) {
          let out = '';
          try {
            out = t.render({ x: make() });
          } catch (err) {
            expect((err as Error).name, `${src} of ${label}: ${(err as Error).message}`).toMatch(/^(TemplateRuntimeError|PyError|SecurityError|UndefinedError|NoneComparisonError|TemplateError)$/);
          }
          expect(out, `${src} of ${label}`).not.toContain(X);
        }
      }
    });
});
