// Issue #19, thirteenth red team (default mode: trusted templates, hostile data; Kida and
// compat: 'nunjucks'). What worked, each kept as a test of its class:
// - §3 text written into a double-quoted attribute value by a statement rather than an output:
//   `<div data-x="{% block j %}{% end %}">` overridden by a child that prints `x | tojson`, and
//   likewise `{% include %}`, `{% embed %}`, `{% call %}`, `{% slot %}`, `{% yield %}`,
//   `{% stack %}`, `{% trans %}` (Kida) and `{% block %}`/`{% include %}` (Nunjucks). The
//   inserted text was compiled elsewhere, so the context scan never saw it: the JSON's `"` ended
//   the value and data became attributes (`" autofocus onfocus=alert(1) x="`).
// - §3 Markdown mode: data escaped `<` as `\<`, and GFM renderers with extended autolinks (marked,
//   the default of the most used JS renderer) take the backslash into a URL begun before it:
//   `See https://example.com/{{ path }}` with `<img src=x onerror=alert(1)>` rendered an <img>.
import fc from 'fast-check';
import MarkdownIt from 'markdown-it';
import { marked } from 'marked';
import { parseFragment } from 'parse5';
import { describe, expect, it } from 'vitest';
import type { Template } from '../../runtime/template.js';
import { Markup, escapeString } from '../../runtime/markup.js';
import nunjucksApi from '../../adapters/nunjucks.js';
import { makeEnv } from '../support.js';
import { expectLinear } from './linear-clock.js';
import { distUrl, runStrict } from './strict-child.js';

type Node = { nodeName: string; attrs?: { name: string; value: string }[]; childNodes?: Node[]; content?: Node };

/** Every element of a parse5 tree, in document order. */
function elements(n: Node, out: Node[] = []): Node[] {
  if (n.attrs) out.push(n);
  for (const c of n.childNodes ?? []) elements(c, out);
  if (n.content) elements(n.content, out);
  return out;
}

/** The text of every way to render `t`: render and renderStream (`syncToo`: a page including async ones is not), renderAsync, renderStreamAsync. */
async function everyWay(t: Template, ctx: Record<string, unknown>, syncToo = !t.isAsync): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  if (syncToo) {
    out.render = t.render(ctx);
    out.stream = [...t.renderStream(ctx)].join('');
  }
  out.async = await t.renderAsync(ctx);
  let a = '';
  for await (const c of t.renderStreamAsync(ctx)) a += c;
  out.streamAsync = a;
  return out;
}

const hostile = fc.oneof(
  fc.string({ unit: fc.constantFrom('"', "'", '<', '>', '&', '\\', ' ', 'a', '=', '/', '\n', '&quot;') }),
  fc.constantFrom('" autofocus onfocus=alert(1) x="', '</div><img src=x onerror=alert(1)>', '&quot; x=&quot;'),
);

// Each writes `{{ x | tojson }}` (or `await`ed, in the async variant) into the double-quoted value
// of `<div data-x="…">` through a statement: `main` is the template rendered.
const KIDA_SITES: { name: string; templates: Record<string, string> }[] = [
  { name: 'a child block in the parent\'s value', templates: { 'p.kida': '<div data-x="{% block j %}{% end %}">p</div>', main: '{% extends "p.kida" %}{% block j %}{{ X | tojson }}{% end %}' } },
  { name: 'include', templates: { 'j.kida': '{{ X | tojson }}', main: '<div data-x="{% include "j.kida" %}">p</div>' } },
  { name: 'include ignore missing', templates: { 'j.kida': '{{ X | tojson }}', main: '<div data-x="{% include "j.kida" ignore missing %}">p</div>' } },
  { name: 'include of a computed name', templates: { 'j.kida': '{{ X | tojson }}', main: '{% set n = "j.kida" %}<div data-x="{% include n %}">p</div>' } },
  { name: 'embed', templates: { 'j.kida': '{{ X | tojson }}{% block e %}{% end %}', main: '<div data-x="{% embed "j.kida" %}{% block e %}{% end %}{% end %}">p</div>' } },
  { name: 'call block', templates: { main: '{% def w() %}{{ X | tojson }}{% end %}<div data-x="{% call w() %}c{% end %}">p</div>' } },
  { name: 'slot', templates: { main: '{% def w() %}<div data-x="{% slot %}">p</div>{% end %}{% call w() %}{{ X | tojson }}{% end %}' } },
  { name: 'yield', templates: { main: '{% def w() %}<div data-x="{% yield %}">p</div>{% end %}{% call w() %}{{ X | tojson }}{% end %}' } },
  { name: 'stack', templates: { main: '<div data-x="{% stack "s" %}">p</div>{% push "s" %}{{ X | tojson }}{% end %}' } },
  { name: 'trans', templates: { main: '{% set j = X | tojson %}<div data-x="{% trans j=j %}{{ j }}{% endtrans %}">p</div>' } },
];

/** The site's templates with `X` read as `x`, or as `await x` (the page async, the promise given). */
const variant = (templates: Record<string, string>, awaited: boolean) =>
  Object.fromEntries(Object.entries(templates).map(([k, v]) => [k, v.replaceAll('X', awaited ? '(await x)' : 'x')]));

function expectExactAttribute(out: string, x: unknown, where: string): void {
  const divs = elements(parseFragment(out) as unknown as Node).filter((n) => n.nodeName === 'div');
  expect(divs.length, where).toBe(1);
  expect(divs[0]!.attrs!.map((a) => a.name), where).toEqual(['data-x']);
  expect(JSON.parse(divs[0]!.attrs![0]!.value), where).toEqual(x);
}

describe('§3 text a statement writes into a double-quoted attribute value', () => {
  for (const site of KIDA_SITES)
    for (const awaited of [false, true]) {
      // (async: defs and calls of an async page; the yield/trans sites read `x` where await is allowed)
      it(`property (Kida, ${site.name}${awaited ? ', async page' : ''}): the element keeps the one attribute written, holding the JSON`, async () => {
        const env = makeEnv(variant(site.templates, awaited));
        const t = env.getTemplate('main');
        await fc.assert(
          fc.asyncProperty(hostile, async (h) => {
            const x = { a: h, n: [h, 1] };
            for (const [way, out] of Object.entries(await everyWay(t, { x: awaited ? Promise.resolve(x) : x }, !awaited)))
              expectExactAttribute(out, x, `${way}: ${out}`);
          }),
          { numRuns: 25 },
        );
      });
    }

  const NJK_SITES: { name: string; templates: Record<string, string> }[] = [
    { name: 'a child block', templates: { 'p.njk': '<div data-x="{% block j %}{% endblock %}">p</div>', main: '{% extends "p.njk" %}{% block j %}{{ x | dump | safe }}{% endblock %}' } },
    { name: 'include', templates: { 'j.njk': '{{ x | dump | safe }}', main: '<div data-x="{% include "j.njk" %}">p</div>' } },
  ];
  for (const site of NJK_SITES)
    it(`property (Nunjucks, ${site.name}): the element keeps the one attribute written, holding the JSON`, async () => {
      const t = makeEnv(site.templates, { compat: 'nunjucks' }).getTemplate('main');
      await fc.assert(
        fc.asyncProperty(hostile, async (h) => {
          const x = { a: h.replace(/'/g, ''), n: [h.replace(/'/g, ''), 1] }; // (dump | safe keeps `'` raw: only `"` is at stake here)
          for (const [way, out] of Object.entries(await everyWay(t, { x }))) expectExactAttribute(out, x, `${way}: ${out}`);
        }),
        { numRuns: 25 },
      );
    });

  it("property (Nunjucks, a custom extension tag's output): the element keeps the one attribute written, holding the JSON", async () => {
    const env = new nunjucksApi.Environment([]);
    env.addExtension('jsonx', {
      tags: ['jsonx'],
      parse(parser: any, nodes: any) {
        const tok = parser.nextToken();
        const args = parser.parseSignature(null, true);
        parser.advanceAfterBlockEnd(tok.value);
        return new nodes.CallExtension(this, 'run', args);
      },
      run: (_context: unknown, v: unknown) => new nunjucksApi.runtime.SafeString(JSON.stringify(v)),
    } as never);
    await fc.assert(
      fc.asyncProperty(hostile, async (h) => {
        const x = { a: h.replace(/&/g, '') }; // (the extension's JSON leaves `&` as it is: only `"` is at stake)
        const html = env.renderString('<div data-x="{% jsonx x %}">p</div>', { x });
        expectExactAttribute(html, x, html);
      }),
      { numRuns: 30 },
    );
  });

  it('the stream keeps its chunks: the same boundaries as the part has outside the value', async () => {
    const parent = (q: string) => `<div data-x=${q}{% block j %}{% end %}${q}>{% for i in [1, 2] %}<{{ i }}>{% end %}</div>`;
    const child = '{% extends "p.kida" %}{% block j %}a{{ x }}{% flush %}b{% for i in [1, 2] %}{{ i }}{% end %}{% include "i.kida" %}{% end %}';
    const inc = 'I{{ x }}{% flush %}J';
    const chunks = async (q: string) => {
      const t = makeEnv({ 'p.kida': parent(q), 'i.kida': inc, main: child }).getTemplate('main');
      const sync = [...t.renderStream({ x: 'v' })];
      const asy: string[] = [];
      for await (const c of t.renderStreamAsync({ x: 'v' })) asy.push(c);
      return [sync.map((c) => c.replaceAll(q, '|')), asy.map((c) => c.replaceAll(q, '|'))];
    };
    // (single quotes: not a double-quoted value, so the part is not wrapped)
    const [dq, sq] = [await chunks('"'), await chunks("'")];
    expect(dq).toEqual(sq);
    expect(dq[0]!.length).toBeGreaterThan(6);
  });

  it('an error inside a wrapped part keeps its template and line, and a {% try %} around the site catches it', async () => {
    const env = makeEnv({
      'p.kida': '<div data-x="{% try %}{% block j %}{% end %}{% fallback %}F{% end %}">p</div>',
      'q.kida': '<div data-x="{% block j %}{% end %}">p</div>',
      main: '{% extends "p.kida" %}{% block j %}ok\n{{ x.missing.deeper }}{% end %}',
      bare: '{% extends "q.kida" %}{% block j %}ok\n{{ x.missing.deeper }}{% end %}',
    });
    for (const out of Object.values(await everyWay(env.getTemplate('main'), { x: {} }))) expect(out).toBe('<div data-x="F">p</div>');
    const t = env.getTemplate('bare');
    for (const f of [() => t.render({ x: {} }), () => [...t.renderStream({ x: {} })].join('')]) {
      let err: { templateName?: string; lineno?: number } | undefined;
      try {
        f();
      } catch (e) {
        err = e as typeof err;
      }
      expect(err?.templateName).toBe('bare');
      expect(err?.lineno).toBe(2);
    }
  });
});

describe('§3 the scan of the template text finds every double-quoted value', () => {
  // Each holds `<… data-x="{{ OUT }}">` as the browser reads it; the scan had read it otherwise.
  const SHAPES: { name: string; src: string; attr?: string }[] = [
    { name: 'a tag whose name an output writes', src: '<{{ tag }} data-x="{{ OUT }}">p</{{ tag }}>' },
    { name: 'the same with an attribute before', src: '<{{ tag }} class="a" data-x="{{ OUT }}">p</{{ tag }}>' },
    { name: 'a comment holding a quote before', src: '<!-- <div title=" --><div data-x="{{ OUT }}">p</div>' },
    { name: 'an unquoted value holding a quote', src: '<div title=a"b data-x="{{ OUT }}">p</div>' },
    { name: 'an unquoted value an output starts', src: '<div title={{ tag }} data-x="{{ OUT }}">p</div>' },
    { name: 'a value opened in each branch of an if', src: '<div {% if x %}title="{% else %}data-x="{% end %}{{ OUT }}">p</div>', attr: 'title' },
    { name: 'a value opened in each case of a match', src: '<div {% match tag %}{% case "span" %}title="{% case _ %}data-x="{% end %}{{ OUT }}">p</div>' },
    { name: 'a value opened in a loop body', src: '<div {% for i in [1] %}data-x="{% end %}{{ OUT }}">p</div>' },
  ];
  for (const shape of SHAPES)
    for (const [how, pre, out] of [
      ['x | tojson', '', 'x | tojson'],
      ['a name holding JSON', '{% set j = x | tojson %}', 'j'],
    ] as const)
      it(`property (${shape.name}, ${how}): the element keeps the attributes written, data-x holding the JSON`, async () => {
        const t = makeEnv({}).fromString(pre + shape.src.replace('OUT', out));
        await fc.assert(
          fc.asyncProperty(hostile, async (h) => {
            const x = { a: h };
            for (const [way, html] of Object.entries(await everyWay(t, { x, tag: 'div' }))) {
              const [div] = elements(parseFragment(html) as unknown as Node).filter((n) => n.nodeName === 'div');
              const attrs = Object.fromEntries(div!.attrs!.map((a) => [a.name, a.value]));
              expect(Object.keys(attrs).filter((k) => !['class', 'title', 'data-x'].includes(k)), `${way}: ${html}`).toEqual([]);
              expect(JSON.parse(attrs[shape.attr ?? 'data-x']!), `${way}: ${html}`).toEqual(x);
            }
          }),
          { numRuns: 20 },
        );
      });

  it('property: a {% filter %} block whose filter makes Markup (tojson, default, replace with JSON) keeps its result in the value', async () => {
    const env = makeEnv({});
    const blocks = [
      ['{% filter tojson %}{{ y }}{% end %}', (y: string) => escapeString(y)],
      ['{% filter tojson(indent=2) %}{{ y }}{% end %}', (y: string) => escapeString(y)],
      ['{% filter default(x | tojson, true) %}{% end %}', (_: string, x: unknown) => x],
      ['{% filter replace("Q", x | tojson) %}Q{% end %}', (_: string, x: unknown) => x],
    ] as const;
    for (const [block, want] of blocks) {
      const t = env.fromString(`<div data-x="${block}">p</div>`);
      await fc.assert(
        fc.asyncProperty(hostile, async (h) => {
          const x = { a: h };
          for (const [way, html] of Object.entries(await everyWay(t, { x, y: h }))) expectExactAttribute(html, want(h, x), `${block} ${way}: ${html}`);
        }),
        { numRuns: 20 },
      );
    }
  });

  it("property: a host's own tojson filter leaves the protection on (it switched off every output's and statement's)", async () => {
    const json = (v: unknown) => new Markup(JSON.stringify(v));
    const kida = makeEnv({ 'j.kida': '{{ x | tojson }}' }, { filters: { tojson: json, myjson: json } });
    const njk = makeEnv({}, { compat: 'nunjucks', filters: { tojson: json } });
    const templates = [
      kida.fromString('<div data-x="{{ x | tojson }}">p</div>'),
      kida.fromString('{% set j = x | myjson %}<div data-x="{{ j }}">p</div>'),
      kida.fromString('<div data-x="{% include "j.kida" %}">p</div>'),
      njk.fromString('<div data-x="{{ x | tojson }}">p</div>'),
    ];
    await fc.assert(
      fc.asyncProperty(hostile, async (h) => {
        const x = { a: h.replace(/&/g, '') }; // (this tojson leaves `&` as it is, which the browser decodes: only `"` is at stake)
        for (const t of templates) for (const [way, html] of Object.entries(await everyWay(t, { x }))) expectExactAttribute(html, x, `${way}: ${html}`);
      }),
      { numRuns: 30 },
    );
  });

  it('property: a fragment cached outside an attribute and served inside one keeps its JSON in the value', async () => {
    const env = makeEnv({
      'text.kida': '<p>{% cache "k" %}{{ x | tojson }}{% end %}</p>',
      'attr.kida': '<div data-x="{% cache "k" %}{{ x | tojson }}{% end %}">p</div>',
    });
    await fc.assert(
      fc.asyncProperty(hostile, fc.nat(), async (h, n) => {
        const x = { a: h, n };
        env.getTemplate('text.kida').render({ x }); // (stored from the text site first)
        const html = env.getTemplate('attr.kida').render({ x: 'unused' });
        expectExactAttribute(html, x, html);
        await env.fragmentCache.clear?.();
      }),
      { numRuns: 30 },
    );
  });
});

describe('§3 Markdown mode: data cannot open HTML in GFM renderers with autolinks', () => {
  const mdit = new MarkdownIt({ html: true, linkify: true });
  const env = makeEnv({}, { autoescape: 'markdown' });
  const sources = [
    'See https://example.com/{{ x }}',
    'www.example.com/{{ x }}',
    '{{ x }}',
    'a@b.example{{ x }}',
    '# {{ x }}',
    '{{ x | h2 }}',
    '{{ x | details("s") }}',
    '{{ [[x, x]] | table(["h"]) }}',
    '{{ x | badge }}',
    '{{ x | bold }}',
    '[t]({{ "https://a.example/" }}) {{ x }}',
  ];
  const tag = fc.constantFrom('<img src=x onerror=alert(1)>', '<script>alert(1)</script>', '<svg onload=alert(1)>', '<a href=javascript:alert(1)>x</a>');
  const prefix = fc.constantFrom('', 'http://a.example/', 'https://a.example?', 'www.a.example/', 'x', '\\', '\\\\', 'https://a.example/\\');
  it('property: the rendered HTML has no element or event attribute the template did not write', () => {
    for (const src of sources) {
      const t = env.fromString(src);
      const own = (html: string) => new Set(elements(parseFragment(html) as unknown as Node).map((n) => n.nodeName));
      const allowed = new Set([...own(marked.parse(t.render({ x: 'plain https://a.example/' })) as string), ...own(mdit.render(t.render({ x: 'plain' }))), 'a', 'p', 'code', 'strong', 'em']);
      fc.assert(
        fc.property(prefix, tag, fc.constantFrom('', ' tail'), (pre, h, post) => {
          const md = t.render({ x: pre + h + post });
          for (const html of [marked.parse(md) as string, mdit.render(md)])
            for (const n of elements(parseFragment(html) as unknown as Node)) {
              expect(allowed.has(n.nodeName), `${src} with ${pre + h}: <${n.nodeName}> in ${html}`).toBe(true);
              for (const a of n.attrs!) expect(a.name, `${src}: ${html}`).not.toMatch(/^on/i);
              if (n.nodeName === 'a') expect(n.attrs!.find((a) => a.name === 'href')?.value ?? '', html).not.toMatch(/^\s*javascript:/i);
            }
        }),
        { numRuns: 40 },
      );
    }
  });
});

describe('§2 worst cases the earlier tables did not build (100 KB vs 200 KB of CPU time)', () => {
  const kida = makeEnv({ 'j.kida': '{{ x | safe }}' });
  const njk = makeEnv({}, { compat: 'nunjucks' });
  const md = makeEnv({}, { autoescape: 'markdown' });
  const rep = (s: string, n: number) => s.repeat(Math.ceil(n / s.length)).slice(0, n);
  const CASES: [env: typeof kida, src: string, make: (n: number) => string][] = [
    [kida, '{{ x | striptags }}', (n) => rep('<!--', n)],
    [kida, '{{ x | striptags }}', (n) => rep('<!-- a', n)],
    [kida, '{{ x | safe | striptags }}', (n) => rep('&#', n)],
    [kida, '{{ x | safe | striptags }}', (n) => rep('&a', n)],
    [kida, '{{ x.format() }}', (n) => rep('}}', n)],
    [kida, '{{ x.format() }}', (n) => rep('{{', n)],
    [kida, '{{ x % () }}', (n) => rep('%%', n)],
    [kida, '{{ x.splitlines() | length }}', (n) => rep('\r', n)],
    [kida, '{{ x.expandtabs(8) }}', (n) => rep('\t', n)],
    [kida, '{{ x | title }}', (n) => rep("a'", n)],
    [kida, '<div data-x="{% include "j.kida" %}">', (n) => rep('"', n)],
    [md, '{{ x }}', (n) => rep('<', n)],
    [md, 'https://a.example/{{ x }}', (n) => rep('\\<', n)],
    [md, '{{ "t" | link(x) }}', (n) => rep(' ', n) + 'j'],
    [md, '{{ [[x]] | table(["h"]) }}', (n) => rep('|\\', n)],
    [njk, '{{ x | nl2br }}', (n) => rep('\r\n', n)],
    [njk, '{{ x | urlize(5) }}', (n) => rep('www.a', n)],
    [njk, '{{ x | striptags }}', (n) => rep('<!--', n)],
    [njk, '{{ x | escape | safe | striptags(true) }}', (n) => rep('&lt;', n)],
  ];
  for (const [env, src, make] of CASES)
    it(`${src} on ${JSON.stringify(make(6))}…`, () => {
      const t = env.fromString(src);
      expectLinear((n) => {
        const x = make(n);
        return () => t.render({ x });
      }, src);
    });
});

describe('§1 parts wrapped in a double-quoted value, with promises that reject at each moment (a strict child process)', () => {
  it('exits 0 with nothing on stderr, and every way that reads to the end gives the same bytes', () => {
    const script = `
      import { Environment, DictLoader } from ${distUrl('dist/compiler/environment.js')};
      const env = new Environment({ loader: new DictLoader({
        'j.kida': '{{ (await p) | tojson }}',
        'inc.kida': '<div data-x="{% include "j.kida" %}">{% flush %}{{ await q }}</div>',
        'p.kida': '<div data-x="{% block j %}{% end %}">{% flush %}{{ await q }}</div>',
        'child.kida': '{% extends "p.kida" %}{% block j %}{{ (await p) | tojson }}{% end %}',
        'embed.kida': '<div data-x="{% embed "j.kida" %}{% end %}">{% flush %}{{ await q }}</div>',
      }) });
      const later = (ms, v, fail) => new Promise((ok, no) => setTimeout(() => (fail ? no(new Error(v)) : ok(v)), ms));
      const moments = {
        fine: () => ({ p: later(1, '"x"'), q: later(2, 'q') }),
        pBefore: () => ({ p: Promise.reject(new Error('p')), q: later(2, 'q') }),
        qBetween: () => ({ p: later(1, '"x"'), q: later(3, 'q', true) }),
        bothLate: () => ({ p: later(20, 'p', true), q: later(25, 'q', true) }),
      };
      const ways = {
        async: (t, c) => t.renderAsync(c),
        whole: async (t, c) => { let s = ''; for await (const x of t.renderStreamAsync(c)) s += x; return s; },
        returned: async (t, c) => { const it = t.renderStreamAsync(c); await it.next(); await it.return(); return null; },
        thrown: async (t, c) => { const it = t.renderStreamAsync(c); await it.next(); await it.throw(new Error('reader')).catch(() => {}); return null; },
        unread: async (t, c) => { t.renderStreamAsync(c); return null; },
      };
      const out = {};
      for (const name of ['inc.kida', 'child.kida', 'embed.kida'])
        for (const [m, ctx] of Object.entries(moments))
          for (const [w, f] of Object.entries(ways)) {
            let r;
            try { r = await f(env.getTemplate(name), ctx()); } catch (e) { r = 'error ' + e.name; }
            if (r !== null) out[name + ' ' + m + ' ' + w] = r;
          }
      await later(60);
      console.log(JSON.stringify(out));`;
    const out = JSON.parse(runStrict(script, 60_000)) as Record<string, string>;
    for (const name of ['inc.kida', 'child.kida', 'embed.kida']) {
      expect(out[`${name} fine async`]).toBe('<div data-x="&quot;\\&quot;x\\&quot;&quot;">q</div>');
      for (const m of ['fine', 'pBefore', 'qBetween', 'bothLate']) expect(out[`${name} ${m} whole`], `${name} ${m}`).toBe(out[`${name} ${m} async`]);
      expect(out[`${name} pBefore async`]).toBe('error TemplateRuntimeError');
    }
  }, 70_000);
});
