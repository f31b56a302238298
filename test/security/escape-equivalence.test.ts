// The HTML escaper against a plain reference (issue #22, "Escaping speed"): escapeString is tuned
// for speed (a regex test, a char-code table, slices of the original), so every output path that
// escapes is checked against the obvious implementation of the contract (language.md §3:
// `&`→`&amp;`, `<`→`&lt;`, `>`→`&gt;`, `"`→`&quot;`, `'`→`&#39;`, NUL removed, all else kept)
// on any UTF-16 text: astral characters, lone surrogates, every special, long strings.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Markup, escapeString } from '../../runtime/markup.js';
import { esc, escOpt } from '../../runtime/output.js';
import { makeEnv } from '../support.js';

/** The contract, one character at a time. */
function reference(s: string): string {
  let out = '';
  for (const ch of s.split('')) {
    out += ch === '&' ? '&amp;' : ch === '<' ? '&lt;' : ch === '>' ? '&gt;' : ch === '"' ? '&quot;' : ch === "'" ? '&#39;' : ch === '\0' ? '' : ch;
  }
  return out;
}

const unit = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('&', '<', '>', '"', "'", '\0') },
  { weight: 4, arbitrary: fc.constantFrom('a', ' ', '/', '=', ';', '#', '?', '@', '\n', '\t', '~', '\x7f') },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)) }, // lone surrogates too
  { weight: 1, arbitrary: fc.integer({ min: 0x10000, max: 0x10ffff }).map((c) => String.fromCodePoint(c)) },
  { weight: 1, arbitrary: fc.constantFrom('&amp;', '&lt;', '&#39;', 'Ünï©ødé', '💥', '\ud800', '\udfff') },
);
const text = fc.oneof(
  { weight: 5, arbitrary: fc.string({ unit, maxLength: 40 }) },
  // long strings: the scan crosses V8's sliced-string threshold and builds many pieces
  { weight: 1, arbitrary: fc.tuple(fc.string({ unit, maxLength: 30 }), fc.integer({ min: 2, max: 200 })).map(([s, n]) => s.repeat(n)) },
  { weight: 1, arbitrary: fc.string({ maxLength: 60 }) },
);

describe('escapeString equals the reference', () => {
  it('on any text (properties)', () => {
    fc.assert(
      fc.property(text, (s) => {
        expect(escapeString(s)).toBe(reference(s));
      }),
      { numRuns: 3000 },
    );
  });

  it('on hand-picked cases', () => {
    expect(escapeString('')).toBe('');
    expect(escapeString('plain text')).toBe('plain text');
    expect(escapeString('&')).toBe('&amp;');
    expect(escapeString('\0')).toBe('');
    expect(escapeString('\0\0<\0')).toBe('&lt;');
    expect(escapeString(`<b>Item 5</b> & "<b>Item 5</b>" 'q'`)).toBe('&lt;b&gt;Item 5&lt;/b&gt; &amp; &quot;&lt;b&gt;Item 5&lt;/b&gt;&quot; &#39;q&#39;');
    expect(escapeString('x'.repeat(50) + '>')).toBe('x'.repeat(50) + '&gt;');
    expect(escapeString('\ud83d<\ude00')).toBe('\ud83d&lt;\ude00');
    expect(escapeString('💥"💥')).toBe('💥&quot;💥');
    // characters just above and below the specials' codes stay
    expect(escapeString('!#%(;=?@`{')).toBe('!#%(;=?@`{');
  });

  it('each special at each position of strings around the scan/regex switch (12 characters)', () => {
    // (up to 12 characters the escaper scans from the start; longer ones are tested by the regex first)
    for (let n = 1; n <= 16; n++)
      for (let i = 0; i < n; i++)
        for (const ch of ['&', '<', '>', '"', "'", '\0', '=', '\u00e9']) {
          const s = 'x'.repeat(i) + ch + 'y'.repeat(n - i - 1);
          expect(escapeString(s)).toBe(reference(s));
          expect(escapeString(s + s)).toBe(reference(s + s));
        }
  });

  it('a string with nothing to escape comes back as itself', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }).map((s) => s.replace(/[&<>"'\0]/g, '')), (s) => {
        expect(escapeString(s)).toBe(s);
      }),
    );
  });

  it('gives the same after Nunjucks has put String.prototype in dictionary mode', async () => {
    // (the escaper calls saved references so that this costs no speed: runtime/strings.ts)
    await import('nunjucks');
    fc.assert(
      fc.property(text, (s) => {
        expect(escapeString(s)).toBe(reference(s));
      }),
      { numRuns: 300 },
    );
  });

  it('output helpers: strings escape, numbers do not scan, Markup passes, None is empty', () => {
    fc.assert(
      fc.property(text, (s) => {
        expect(esc(s)).toBe(reference(s));
        expect(escOpt(s)).toBe(reference(s));
        expect(esc(new Markup(s))).toBe(s);
      }),
      { numRuns: 500 },
    );
    expect(esc(-12.5)).toBe('-12.5');
    expect(esc(true)).toBe('True');
    expect(escOpt(null)).toBe('');
  });
});

/** Every way to render a template: render, renderStream, renderStreamAsync, renderAsync, renderBlock 'b'. */
async function everyWay(t: { render(c: object): string; renderStream(c: object): Iterable<string>; renderStreamAsync(c: object): AsyncIterable<string>; renderAsync(c: object): Promise<string>; renderBlock(b: string, c: object): string }, c: object): Promise<string[]> {
  let a = '';
  for await (const x of t.renderStreamAsync(c)) a += x;
  return [t.render(c), [...t.renderStream(c)].join(''), a, await t.renderAsync(c), t.renderBlock('b', c)];
}

describe('every output path that escapes equals the reference', () => {
  const m = new Markup('<i>');
  // [template body, expected output for data string s]
  const PATHS: [string, (s: string) => string][] = [
    ['{{ s }}', (s) => reference(s)],
    ['<a title="{{ s }}">{{ s }}</a>', (s) => `<a title="${reference(s)}">${reference(s)}</a>`],
    ["<a title='{{ s }}'>", (s) => `<a title='${reference(s)}'>`],
    ['{{ m ~ s }}|{{ s ~ m }}', (s) => `<i>${reference(s)}|${reference(s)}<i>`],
    ['{{ m + s }}', (s) => `<i>${reference(s)}`],
    ['{{ s | e }}|{{ s | escape | e }}', (s) => `${reference(s)}|${reference(s)}`],
    ['{{ pm % s }}', (s) => `<p>${reference(s)}</p>`],
    ['{{ fm.format(s) }}', (s) => `<p>${reference(s)}</p>`],
    ['{{ [s, s] | join(m) }}', (s) => `${reference(s)}<i>${reference(s)}`],
    ['<p {{ {"t": s} | xmlattr }}>', (s) => `<p t="${reference(s)}">`],
    ['{% def d(a) %}[{{ a }}]{% end %}{{ d(s) }}', (s) => `[${reference(s)}]`],
    ['{% capture x %}{{ s }}{% end %}{{ x }}', (s) => reference(s)],
    ['{{ s ?? "" }}{{ none?.x }}', (s) => reference(s)],
  ];
  for (const [body, want] of PATHS) {
    it(`${body}`, async () => {
      const t = makeEnv({}, { autoescape: true }).fromString(`{% block b %}${body}{% end %}`);
      const pm = new Markup('<p>%s</p>');
      const fm = new Markup('<p>{0}</p>');
      await fc.assert(
        fc.asyncProperty(text, async (s) => {
          const c = { s, m, pm, fm, none: null };
          for (const out of await everyWay(t, c)) expect(out).toBe(want(s));
        }),
        { numRuns: 150 },
      );
    });
  }
});

describe('`{{ x | e }}` (compiled as a plain escaped output) equals the filter applied for real', () => {
  // `{% set %}` runs the escape filter itself; `{{ x | e }}` and `{{ x |> escape }}` skip its Markup
  const value = fc.oneof(
    text,
    fc.double(),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    text.map((s) => new Markup(s)),
    fc.array(text, { maxLength: 3 }),
    fc.dictionary(text, text, { maxKeys: 2 }),
    text.map((s) => ({ __html__: () => s })),
  );
  it('for values of every kind, in every way to render', async () => {
    const env = makeEnv({}, { autoescape: true });
    const real = env.fromString('{% block b %}{% set y = x | e %}{{ y }}{% end %}');
    const forms = ['{{ x | e }}', '{{ x | escape }}', '{{ x |> escape }}'].map((f) => env.fromString(`{% block b %}${f}{% end %}`));
    await fc.assert(
      fc.asyncProperty(value, async (x) => {
        const want = real.render({ x });
        for (const t of forms) for (const out of await everyWay(t, { x })) expect(out).toBe(want);
      }),
      { numRuns: 300 },
    );
  });

  it('an undefined name fails alike', () => {
    const env = makeEnv({}, { autoescape: true });
    const fail = (src: string) => {
      try {
        env.fromString(src).render({});
      } catch (e) {
        return `${(e as Error).name}: ${(e as Error).message.split('\n')[0]}`;
      }
      return 'rendered';
    };
    expect(fail('{{ missing | e }}')).toBe(fail('{% set y = missing | e %}{{ y }}'));
    expect(fail('{{ missing | e }}')).toContain("Undefined variable 'missing'");
  });
});
