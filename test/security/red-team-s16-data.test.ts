// Issue #19, fifteenth red team of default mode (trusted templates, hostile data), Kida and
// compat: 'nunjucks'. Each describe block is one class of failure that worked before its fix:
// - §3 the attribute scan (compiler/html-context.ts) read the template's text with fewer
//   tokenizer states than a browser has: comments that end at once (`<!-->`, `<!--->`) or at
//   `--!>`, bogus comments (`<?…>`, `<!x…>`, `</3…>`), CDATA in `<svg>`, raw-text and RCDATA
//   elements other than script/style (`<textarea>`, `<title>`, `<xmp>`, `<iframe>`, `<noembed>`,
//   `<noscript>`…), end tags that need their name to end (`</scripty>` is script text), tag names
//   that run past a word character (`<script.x>`), `<style>` in foreign content (not raw text
//   there), and `<script type="text/template">` (a client template's markup). Each misreading
//   left a `{{ x | tojson }}` unmarked inside a double-quoted value, and data became attributes.
// - §3 `{% cache %}` keys were one space for every escaping mode: a fragment stored by a
//   template that does not escape for HTML (autoescape off, a name the autoescape function
//   turns off, Markdown mode) was served, data and all, by an HTML template using the same key.
import fc from 'fast-check';
import { parseFragment } from 'parse5';
import { describe, expect, it } from 'vitest';
import { DictLoader, Environment, type EnvironmentOptions } from '../../compiler/environment.js';
import { everyWay, makeEnv } from '../support.js';
import { expectLinear } from './linear-clock.js';

type Node = { nodeName: string; attrs?: { name: string; value: string }[]; childNodes?: Node[]; content?: Node; value?: string };

/** Names of every attribute in `html`, also inside text a client may parse as markup later (a text/template script; noscript without scripting). */
function attributeNames(html: string): string[] {
  const out: string[] = [];
  const walk = (n: Node) => {
    for (const a of n.attrs ?? []) out.push(a.name);
    const type = n.attrs?.find((a) => a.name === 'type')?.value;
    if (n.nodeName === 'noscript' || (n.nodeName === 'script' && type && !/javascript|module|json/i.test(type))) {
      const inner = (n.childNodes ?? []).map((c) => c.value ?? '').join('');
      if (inner.includes('<')) out.push(...attributeNames(inner));
    }
    for (const c of n.childNodes ?? []) walk(c);
    if (n.content) walk(n.content);
  };
  walk(parseFragment(html) as unknown as Node);
  return out;
}

const J = '{{ x | tojson }}';
/** Template text whose HTML state a browser reads differently from a naive scan, each followed by a double-quoted value holding JSON. */
const SHAPES: Record<string, string> = {
  'processing instruction (bogus comment)': `<?a <b title=">\n<i title="${J}">`,
  'markup declaration (bogus comment)': `<!x <b title=">\n<i title="${J}">`,
  'end tag of a digit (bogus comment)': `</3 <b title=">\n<i title="${J}">`,
  'abrupt empty comment <!-->': `<!--><i title="${J}">`,
  'abrupt comment <!--->': `<!---><i title="${J}">`,
  'comment ended by --!>': `<!-- --!><i title="${J}">`,
  'CDATA section in svg': `<svg><![CDATA[<b title="]]><i title="${J}"></svg>`,
  'textarea text (RCDATA)': `<textarea><b title="</textarea><i title="${J}">`,
  'textarea end tag with a tab': `<textarea><b title="</textarea\t><i title="${J}">`,
  'title text (RCDATA)': `<title><b title="</title><i title="${J}">`,
  'xmp text': `<xmp><b title="</xmp><i title="${J}">`,
  'iframe text': `<iframe><b title="</iframe><i title="${J}">`,
  'noembed text': `<noembed><b title="</noembed><i title="${J}">`,
  'noscript text (scripting on)': `<noscript><b title="</noscript><i title="${J}">`,
  '</scripty> does not end a script': `<script>var a = "</scripty>", b = '<b title="';</script><i title="${J}">`,
  'tag name with a dot is not script': `<script.x><b title="${J}">`,
  'style in svg is not raw text': `<svg><style><div title="${J}"></style></svg>`,
  'style in math is not raw text': `<math><style><mi title="${J}"></mi></style></math>`,
  'an end tag that closes no open root (<math></svg>)': `<math></svg><plaintext><i title="${J}">`,
  'nested svg closed once': `<svg><svg></svg><style><i title="${J}"></style></svg>`,
  'text/template script': `<script type="text/template"><div title="${J}"></div></script>`,
  'text/x-handlebars-template script, unquoted type': `<script type=text/x-handlebars-template><div title="${J}"></div></script>`,
};
const HOSTILE = [`x onpwn=1 y`, `"onpwn=1 y="`, `' onpwn=1 '`, `a\tonpwn=1`];

describe('§3 the attribute scan reads the tokenizer states a browser has', () => {
  for (const [label, source] of Object.entries(SHAPES))
    it(label, async () => {
      const t = makeEnv().fromString(source);
      for (const x of HOSTILE) expect(attributeNames(await everyWay(t, { x }))).not.toContain('onpwn');
    });

  it('generated hostile strings never make an attribute in any shape (fixed seed)', async () => {
    const templates = Object.values(SHAPES).map((s) => makeEnv().fromString(s));
    const piece = fc.constantFrom('"', "'", ' ', '\t', '=', 'onpwn', '>', '<', '/', '\\', 'x');
    await fc.assert(
      fc.asyncProperty(fc.array(piece, { maxLength: 12 }).map((p) => p.join('')), async (x) => {
        for (const t of templates) expect(attributeNames(t.render({ x })).filter((n) => n.includes('onpwn'))).toEqual([]);
      }),
      { seed: 1516, numRuns: 150 },
    );
  });

  it('generated templates of tokenizer pieces: JSON makes an attribute only where escaped text would too (fixed seed)', () => {
    const pieces = ['<!--', '-->', '<!-->', '<!--->', '--!>', '<?a ', '<!x ', '</3 ', '>', '<b title="', '"', "'", '<textarea>', '</textarea >', '<noscript>', '</noscript>', '<svg>', '</svg>', '<math>', '<style>', '</style>', '<script>', '</script>', '</scripty>', '<![CDATA[', ']]>', '<title>', '</title>', ' ', '=', ' title=', '<i ', '<script type="text/template">', '<xmp>', '</xmp>', "<a title='", '<plaintext>', J];
    const x = 'x onpwn=1 y';
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...pieces), { maxLength: 14 }), (ps) => {
        const src = `${ps.join('')}<i title="${J}">`;
        const made = (s: string) => attributeNames(makeEnv().fromString(s).render({ x })).includes('onpwn');
        // (where plain escaped text makes the attribute too, the output stands in a tag or an unquoted value: the author's)
        if (made(src)) expect(made(src.replaceAll(J, '{{ x }}'))).toBe(true);
      }),
      { seed: 1516, numRuns: 600 },
    );
  });

  it('compile time stays linear where the reading forks at every tag (noscript, style in svg)', () => {
    // (each fork read to the text's end was quadratic: 3,000 noscripts took 6 s to compile)
    const compile = (unit: string) => (n: number) => {
      const src = unit.repeat(Math.floor(n / unit.length)) + J;
      return () => new Environment({ loader: new DictLoader({ t: src }) }).getTemplate('t');
    };
    expectLinear(compile('<noscript><b title="</noscript>'), 'noscript forks');
    expectLinear(compile('<svg><style><b title="x"></style></svg>'), 'svg style forks');
  }, 60_000);

  it('JSON in a real script stays JSON (no entities where the script is certain)', () => {
    const x = { s: 'a "b" <c>' };
    for (const src of [`<script>var a = ${J};</script>`, `<script type="module">var a = ${J};</script>`, `<script type="application/ld+json">${J}</script>`, `<svg></svg><script>var a = ${J};</script>`, `<textarea></textarea ><script>var a = ${J};</script>`]) {
      const out = makeEnv().fromString(src).render({ x });
      const json = /<script[^>]*>(?:var a = )?(.*?);?<\/script>/.exec(out)![1]!;
      expect(JSON.parse(json)).toEqual(x);
    }
  });

  it('the same shapes in compat: nunjucks (dump | safe inside the value)', async () => {
    const env = makeEnv({}, { compat: 'nunjucks' });
    for (const source of Object.values(SHAPES)) {
      const t = env.fromString(source.replaceAll(J, '{{ x | dump | safe }}'));
      for (const x of HOSTILE) expect(attributeNames(await everyWay(t, { x }))).not.toContain('onpwn');
    }
  });
});

describe('§3 a cached fragment is served only to sites of its own escaping mode', () => {
  const payload = '<img src=x onerror=alert(1)>';
  /** A synchronous store shared by several environments (what a Redis store is for processes). */
  const sharedStore = () => {
    const m = new Map<string, string>();
    return { get: (k: string) => m.get(k), set: (k: string, v: string) => void m.set(k, v), clear: () => m.clear(), keys: () => [...m.keys()] };
  };
  const html = (fragmentCache: EnvironmentOptions['fragmentCache']) =>
    new Environment({ loader: new DictLoader({ page: '<p>{% cache "card-" ~ id %}{{ name }}{% end %}</p>' }), fragmentCache }).getTemplate('page');

  it('one environment: a .txt template (autoescape off by name) and an .html page with the same key', () => {
    const env = makeEnv(
      { 'mail.txt': '{% cache "card-" ~ id %}{{ name }}{% end %}', 'page.html': '<p>{% cache "card-" ~ id %}{{ name }}{% end %}</p>' },
      { autoescape: (name) => !String(name).endsWith('.txt') },
    );
    expect(env.getTemplate('mail.txt').render({ id: 1, name: payload })).toBe(payload);
    const page = env.getTemplate('page.html').render({ id: 1, name: 'Bob' });
    expect(page).toBe('<p>Bob</p>');
  });

  for (const [label, options] of [
    ['autoescape: false', { autoescape: false }],
    ['Markdown mode', { autoescape: 'markdown' }],
    ['compat nunjucks, autoescape: false', { compat: 'nunjucks', autoescape: false }],
  ] as [string, EnvironmentOptions][])
    it(`a store shared with an environment in ${label}`, async () => {
      const store = sharedStore();
      const other = new Environment({ loader: new DictLoader({ t: '{% cache "card-" ~ id %}{{ name }}{% end %}' }), fragmentCache: store, ...options });
      const stored = other.getTemplate('t').render({ id: 7, name: payload });
      const page = html(store);
      for (const out of [page.render({ id: 7, name: 'Bob' }), await page.renderAsync({ id: 7, name: 'Bob' })]) expect(out).toBe('<p>Bob</p>');
      // and the other way round: each side keeps its own entry
      expect(other.getTemplate('t').render({ id: 7, name: 'ignored' })).toBe(stored);
    });

  it('keys stay apart whatever the data spells (NUL-led keys cannot reach another scope)', () => {
    const store = sharedStore();
    const raw = new Environment({ loader: new DictLoader({ t: '{% cache k %}{{ name }}{% end %}' }), fragmentCache: store, autoescape: false });
    const page = new Environment({ loader: new DictLoader({ t: '<p>{% cache k %}{{ name }}{% end %}</p>' }), fragmentCache: store }).getTemplate('t');
    fc.assert(
      fc.property(fc.constantFrom('', '\0', '\0raw\0', '\0md\0', '\0\0raw\0', 'raw\0'), fc.string({ maxLength: 4 }), (prefix, rest) => {
        store.clear();
        raw.getTemplate('t').render({ k: prefix + rest, name: payload });
        for (const k of [prefix + rest, `\0raw\0${prefix}${rest}`, `raw\0${prefix}${rest}`]) expect(page.render({ k, name: 'Bob' })).toBe('<p>Bob</p>');
      }),
      { seed: 1516, numRuns: 100 },
    );
  });
});

describe('§3 a def of a template that does not autoescape gives plain text to the template importing it', () => {
  const x = '"><img src=x onerror=alert(1)>';
  const perName = { autoescape: (name: string | null) => !String(name).endsWith('.txt') };
  const cases: [string, EnvironmentOptions, Record<string, string>][] = [
    ['Kida: from-import of a def', perName, { 'm.txt': '{% def card(v) %}[{{ v }}]{% end %}', 'page.html': '{% from "m.txt" import card %}<p title="{{ card(x) }}">{{ card(x) }}</p>' }],
    ['Kida: a module import, the def through a filter and a join', perName, { 'm.txt': '{% def card(v) %}[{{ v }}]{% end %}', 'page.html': '{% import "m.txt" as m %}<p>{{ m.card(x) | trim }}{{ [m.card(x)] | join }}{{ m.card(x) ~ "" }}</p>' }],
    ['Kida: a region', perName, { 'm.txt': '{% region card(v) %}[{{ v }}]{% end %}', 'page.html': '{% from "m.txt" import card %}<p>{{ card(x) }}</p>' }],
    ['Kida: a call block on the def', perName, { 'm.txt': '{% def card(v) %}[{{ v }}{{ caller() }}]{% end %}', 'page.html': '{% from "m.txt" import card %}<p>{% call card(x) %}!{% end %}</p>' }],
  ];
  for (const [label, options, templates] of cases)
    it(label, async () => {
      const out = await everyWay(makeEnv(templates, options).getTemplate('page.html'), { x });
      expect(out).not.toContain('<img');
      expect(attributeNames(out)).not.toContain('onerror');
    });

  it('inside the non-escaping template the def still writes its text unchanged', () => {
    const env = makeEnv({ 'm.txt': '{% def card(v) %}[{{ v }}]{% end %}{{ card(x) }}|{{ card(x) | length }}' }, perName);
    expect(env.getTemplate('m.txt').render({ x })).toBe(`[${x}]|${x.length + 2}`);
  });
});

describe('§3 Nunjucks truncate never leaves a safe string open inside a tag', () => {
  const env = () => makeEnv({}, { compat: 'nunjucks' });
  const markup = '<a href="/p">Read the whole story</a> and more';
  it('data given as the end, or printed after, stays outside any tag', async () => {
    for (const [src, ctx] of [
      ['{{ s | safe | truncate(n, true, e) }}', { e: 'x onmouseover=alert(1) y' }],
      ['{{ s | safe | truncate(n) }}{{ y }}', { y: ' onmouseover=alert(1) ' }],
      ['{{ s | safe | truncate(n, false) }}{{ y }}', { y: ' onmouseover=alert(1) ' }],
    ] as [string, Record<string, unknown>][])
      for (let n = 1; n < markup.length; n++) {
        const out = await everyWay(env().fromString(`<p>${src}</p>`), { s: markup, n, ...ctx });
        expect(attributeNames(out).filter((a) => a !== 'href')).toEqual([]);
      }
  });
  it('a cut outside a tag is Nunjucks’ own (safe text kept, the end appended)', () => {
    expect(env().fromString('{{ s | safe | truncate(20, true) }}').render({ s: markup })).toBe('<a href="/p">Read th...');
    expect(env().fromString('{{ "a <b>bold</b> c" | safe | truncate(4, true, "!") }}').render({})).toBe('a !');
  });
});
