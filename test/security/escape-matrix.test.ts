// The escape matrix (issue #19 §3): every built-in filter (the runtime's own table, so a new
// filter is covered without editing this file), called with hostile data as its value and as
// each of its arguments, in `{{ }}` and as a `{% filter %}` block, plus every str method on Markup
// and Markup `%`/`format`, in text, double- and single-quoted attribute contexts (and `<script>`
// for tojson), through render, renderStream, renderStreamAsync, renderAsync and renderBlock.
//
// The oracle: render the same template with the hostile data and with a twin of it where each
// `<`, `"`, `'` and `&` is an `x` (same length, same shape). Whatever `<`, `"` or `'` the template
// or a filter adds itself (markup in the template, xmlattr's quotes) appears in both; a data-
// controlled one only in the hostile render. So the hostile output must not hold more of them.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { filters } from '../../runtime/filters.js';
import { filterParams, METHOD_NAMES } from '../../runtime/signatures.js';
import { pyMethod } from '../../runtime/methods.js';
import { Markup } from '../../runtime/markup.js';
import { makeEnv } from '../support.js';
import { DANGER, count, orError as attempt, renderings, twin } from './every-way.js';
import { measurePair } from './linear-clock.js';

const NASTY = [
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  "' onmouseover='alert(1)' x='",
  '</script><!--<script>',
  '<!--',
  '&lt;script&gt; &amp; &#60;',
  'Ünï©ødé 💥 <b>\u2028"\'',
  '{0} %s %(k)s {k} <',
];

/** The context every form reads: hostile data in each shape a filter or method may take. */
function ctx(h: string): Record<string, unknown> {
  return {
    s: h,
    l: [h, h],
    d: { title: h, [h]: h, k: h },
    n: null,
    e: '',
    num: -3,
    w: `${h} ${h} ${h} ${h} ${h}`,
    t: new Date(0),
    m: new Markup('<b>a b</b>'),
    mf: new Markup('<i>{0}|{0[0]}|{k}|{k!r}|{0!s:>3}</i>'),
    mg: new Markup('<i>{0.title}|{0[title]}</i>'),
    mp: new Markup('<i>%s|%r|%c</i>'),
    mk: new Markup('<i>%(k)s|%(title)r</i>'),
  };
}

const env = makeEnv();
/** The three contexts around one expression (or statement), inside a block for renderBlock. */
const page = (x: string) => `{% block b %}<p>${x}</p><a title="${x}" data-x='${x}'>{% end %}`;

interface Form {
  label: string;
  source: string;
  /** tojson's own rule (script and single-quoted attribute), not the generic one */
  json?: boolean;
}

/** Arguments forms for a filter from its parameter list: data in each position and keyword. */
function argForms(name: string): string[] {
  const params = filterParams[name] ?? [];
  const out = new Set<string>(['']);
  for (const a of ['s', 'l', 'd']) {
    params.forEach((p, i) => {
      if (p.startsWith('**')) out.add(`(k=${a})`);
      else if (p.startsWith('*')) out.add(`(${a}, ${a})`);
      else {
        out.add(`(${p}=${a})`);
        if (a === 's') for (const fill of ['3', '"x"', 'true']) out.add(`(${[...Array(i).fill(fill), a].join(', ')})`);
      }
    });
  }
  return [...out];
}
const VALUES = ['s', 'l', 'd', 'n', 'e', 'w', 't'];

/** Every filter × value × argument form, as an expression and as a filter block. */
function filterForms(name: string): Form[] {
  const forms: Form[] = [];
  for (const args of argForms(name)) {
    const json = name === 'tojson' && !args.includes('attr=');
    for (const v of args ? VALUES.slice(0, 3) : VALUES) forms.push({ label: `${v} | ${name}${args}`, source: page(`{{ ${v} | ${name}${args} }}`), json });
    forms.push({ label: `{% filter ${name}${args} %}`, source: page(`{% filter ${name}${args} %}{{ s }}<i>{% end %}`), json });
  }
  // shapes the generic forms miss
  const extra: Record<string, string[]> = {
    format: ['"{0}|{0[0]}|{k}|{k!r}" | format(l, k=s)', '"{0.title}|{0[title]}" | format(d)', '"%s" | format(s)'],
    default: ['n | default(s)', 'e | default(l, true)', 'e | default(d, boolean=true)'],
    join: ['[m, s] | join(s)', '[s, s] | join(m)'],
    xmlattr: ['{"title": s, "data-x": l, "y": d} | xmlattr', '{s: 1} | xmlattr'],
    csp_nonce: ['s | csp_nonce(s)', 'm | csp_nonce(s)'],
    abs: ['num | abs'],
    replace: ['m | replace("a", s)', 'm | replace("b", l)'],
    tojson: ['d | tojson(attr=true)', 'd | tojson(s, attr=true)'],
  };
  for (const x of extra[name] ?? []) forms.push({ label: x, source: page(`{{ ${x} }}`) });
  return forms;
}

/** Markup methods (every str method that Markup has) and Markup `%`. */
function markupForms(): Form[] {
  const forms: Form[] = [];
  for (const name of METHOD_NAMES) {
    if (!pyMethod(new Markup('x'), name)) continue;
    for (const args of ['()', '(s)', '(s, s)', '(3, s)', '(20, s)', '(l)', '(d)', '(sep=s)', '(s, 1)'])
      for (const recv of ['m', 'mf'])
        forms.push({ label: `${recv}.${name}${args}`, source: page(`{{ ${recv}.${name}${args} }}`) });
  }
  for (const x of ['mf.format(l, k=s)', 'mf.format(s, k=d)', 'mf.format(d, k=l)', 'mg.format(d)', 'mp % (s, s, 60)', 'mp % (l, d, 39)', 'mp % (d, s, 34)', 'mk % d', 'm ~ s', 's ~ m', 'm + s', 'mp * 2 % (s, s, 60, s, l, 39)'])
    forms.push({ label: x, source: page(`{{ ${x} }}`) });
  return forms;
}

/** Checks one form with one hostile string; returns false when it raised (nothing rendered). */
async function check(form: Form, h: string, all: boolean): Promise<boolean> {
  const t = env.fromString(form.source);
  const bad = await attempt(() => renderings(t, ctx(h), all));
  if (bad instanceof Error) return false;
  if (!/\b(random|shuffle)\b/.test(form.label)) for (const out of bad) expect(out, form.label).toBe(bad[0]);
  const good = await attempt(() => renderings(t, ctx(twin(h)), false));
  if (good instanceof Error) return true; // (the twin raised where the data did not: nothing to compare)
  const [hostile, benign] = [bad[0]!, good[0]!];
  // (random/shuffle over a filter block's body may draw the template's own `<`: nothing to compare)
  if (/^\{% filter (random|shuffle)/.test(form.label)) return true;
  if (form.json) {
    // tojson: JSON escapes the data's quotes as \" (fine in a script, not in a double-quoted
    // attribute: that needs attr=true); no `</`, `<!` or `'` of the data gets through
    for (const seq of ['</', '<!', "'"]) expect(count(hostile.toLowerCase(), seq), `${form.label} ${JSON.stringify(h)} ${seq}`).toBeLessThanOrEqual(count(benign.toLowerCase(), seq));
    return true;
  }
  for (const c of DANGER) expect(count(hostile, c), `${form.label} with ${JSON.stringify(h)}: data-controlled ${c} in ${hostile}`).toBeLessThanOrEqual(count(benign, c));
  return true;
}

const FILTER_NAMES = Object.keys(filters).filter((n) => n !== 'safe');

describe('escape matrix: every built-in filter', () => {
  it('covers the whole filter table', () => {
    expect(FILTER_NAMES.length).toBeGreaterThan(60);
    expect(FILTER_NAMES).toEqual(expect.arrayContaining(['replace', 'format', 'truncate', 'center', 'indent', 'wordwrap', 'join', 'xmlattr', 'csp_nonce', 'tojson', 'default']));
  });
  for (const name of FILTER_NAMES)
    it(name, async () => {
      let rendered = 0;
      const forms = filterForms(name);
      for (const form of forms) {
        // all render methods with the first nasty string, render() with the rest
        for (const [i, h] of NASTY.entries()) if (await check(form, h, i === 0)) rendered++;
      }
      expect(rendered, `${name}: no form rendered`).toBeGreaterThan(0);
    });
  it('the oracle sees raw data: `safe` (the template marking data safe) is flagged', async () => {
    const t = env.fromString(page('{{ s | safe }}'));
    expect(count(t.render(ctx(NASTY[0]!)), '<')).toBeGreaterThan(count(t.render(ctx(twin(NASTY[0]!))), '<'));
  });
  it('property: hostile strings through random filter forms', async () => {
    const forms = FILTER_NAMES.flatMap(filterForms);
    const hostile = fc.string({ unit: fc.constantFrom('<', '>', '"', "'", '&', '/', '!', '-', 's', 'c', 'r', 'i', 'p', 't', ' ', '\n', 'é', '💥', '`', '=', '{', '}', '%', '0', '#', ';', '\\') });
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...forms), hostile, async (form, h) => {
        await check(form, h, false);
      }),
      { numRuns: 400 },
    );
  });
});

describe('escape matrix: Markup methods, Markup % and format', () => {
  it('every str method on Markup escapes every argument that is not safe', async () => {
    let rendered = 0;
    // (four of the nasty strings: hundreds of forms; the fixed cases below pin the exact output)
    for (const form of markupForms()) for (const [i, h] of NASTY.slice(0, 4).entries()) if (await check(form, h, i === 0)) rendered++;
    expect(rendered).toBeGreaterThan(200);
  });
  it('fields, keyword arguments, conversions and %c follow markupsafe', async () => {
    const c = ctx('<x>');
    const r = (src: string) => env.fromString(src).render(c);
    expect(r('{{ mf.format(l, k=s) }}')).toBe("<i>[&#39;&lt;x&gt;&#39;, &#39;&lt;x&gt;&#39;]|&lt;x&gt;|&lt;x&gt;|&#39;&lt;x&gt;&#39;|[&#39;&lt;x&gt;&#39;, &#39;&lt;x&gt;&#39;]</i>");
    expect(r('{{ mg.format(d) }}')).toBe('<i>&lt;x&gt;|&lt;x&gt;</i>');
    expect(r('{{ mp % (m, s, 60) }}')).toBe('<i><b>a b</b>|&#39;&lt;x&gt;&#39;|&lt;</i>');
    expect(r('{{ mk % d }}')).toBe('<i>&lt;x&gt;|&#39;&lt;x&gt;&#39;</i>');
    expect(r('{{ m.replace("a", l) }}')).toBe('<b>[&#39;&lt;x&gt;&#39;, &#39;&lt;x&gt;&#39;] b</b>');
    expect(r('{{ m.join([s, m]) }}')).toBe('&lt;x&gt;<b>a b</b><b>a b</b>');
    expect(r('{{ m.split(sep=s) }}')).toBe('[Markup(&#39;&lt;b&gt;a b&lt;/b&gt;&#39;)]');
  });
});

describe('tojson in <script> and attributes', () => {
  const data = { x: "</script><!--<script>'&\"", y: ['</SCRIPT>', '<!-- -->'] };
  it('a <script> element and a single-quoted attribute', () => {
    const out = env.fromString("<script>var d = {{ d | tojson }};</script><a data-d='{{ d | tojson }}'>").render({ d: data });
    expect(out).toBe(
      '<script>var d = {"x": "\\u003c/script\\u003e\\u003c!--\\u003cscript\\u003e\\u0027\\u0026\\"", "y": ["\\u003c/SCRIPT\\u003e", "\\u003c!-- --\\u003e"]};</script>' +
        "<a data-d='{\"x\": \"\\u003c/script\\u003e\\u003c!--\\u003cscript\\u003e\\u0027\\u0026\\\"\", \"y\": [\"\\u003c/SCRIPT\\u003e\", \"\\u003c!-- --\\u003e\"]}'>",
    );
    // the escapes are JSON: the data reads back unchanged
    const json = out.slice('<script>var d = '.length, out.indexOf(';</script>'));
    expect(JSON.parse(json)).toEqual(data);
  });
  it('a double-quoted attribute (attr=true) and text', () => {
    const out = env.fromString('<a data-d="{{ d | tojson(attr=true) }}">{{ d | tojson(attr=true) }}').render({ d: data });
    expect(out).not.toMatch(/<(?!a data-d=)|"(?!(>|\{|$))/);
  });
  it('property: any string reads back through JSON.parse and never ends a script or a quoted attribute', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.oneof(fc.constantFrom('<', '/', '!', '-', '&', "'", '"', '\\', 's'), fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c))) }), (x) => {
        const out = String(filters.tojson!({ x }));
        expect(JSON.parse(out)).toEqual({ x });
        expect(out).not.toMatch(/<\/|<!|'|&/);
      }),
      { numRuns: 300 },
    );
  });
});

describe('csp_nonce', () => {
  it('a plain string stays data: escaped, no nonce', () => {
    const t = env.fromString('{{ s | csp_nonce("N") }}|{{ m | csp_nonce("N") }}');
    expect(t.render({ s: '<script>alert(1)</script>', m: new Markup('<script src="a.js"></script><STYLE>x</STYLE><script nonce="o">') })).toBe(
      '&lt;script&gt;alert(1)&lt;/script&gt;|<script src="a.js" nonce="N"></script><STYLE nonce="N">x</STYLE><script nonce="o">',
    );
  });
  it('its tag scan is linear: unclosed tags at 400 KB and 800 KB', () => {
    const scan = (unit: string, n: number) => {
      const big = new Markup(unit.repeat(n / unit.length));
      return () => filters.csp_nonce!(big, 'n');
    };
    for (const unit of ['<script ', '< ', '<   s', '<script', '<style\t']) {
      const { t1: a, t2: b } = measurePair(scan(unit, 400_000), scan(unit, 800_000));
      // (a floor of 20 ms: below it timer, JIT and GC noise decide the ratio; quadratic would be seconds)
      expect(b / Math.max(a, 20), `${unit}: ${a.toFixed(1)} ms then ${b.toFixed(1)} ms`).toBeLessThan(3.2);
    }
  });
});

describe('{% filter %} blocks escape what their arguments bring', () => {
  const x = '<script>"\'';
  const e = '&lt;script&gt;&quot;&#39;';
  const run = async (src: string, c: Record<string, unknown> = { x }) => {
    const t = env.fromString(`{% block b %}${src}{% end %}`);
    const out = t.render(c);
    expect([...t.renderStream(c)].join('')).toBe(out);
    expect(await t.renderAsync(c)).toBe(out);
    expect(t.renderBlock('b', c)).toBe(out);
    return out;
  };
  it('replace, format, truncate(end=), default, join', async () => {
    expect(await run('{% filter replace("X", x) %}<b>X</b>{% end %}')).toBe(`<b>${e}</b>`);
    expect(await run('{% filter format(x, k=x) %}<i>{0}{k}</i>{% end %}')).toBe(`<i>${e}${e}</i>`);
    expect(await run(`{% filter truncate(40, end=x, leeway=0) %}${'a'.repeat(60)}{% end %}`)).toBe('a'.repeat(40 - e.length) + e);
    expect(await run('{% filter default(x, true) %}{% end %}')).toBe(e);
    expect(await run('{% filter format(l) %}{0}{% end %}', { l: [x] })).toBe("[&#39;&lt;script&gt;&quot;\\&#39;&#39;]"); // (the list arrives as its escaped repr)
  });
  it('the body and string results keep their single escape (language.md §2.12)', async () => {
    expect(await run('{% filter upper %}a<{{ "<i>" }}{% end %}')).toBe('A<&LT;I&GT;');
    expect(await run('{% filter replace("a", "<b>" | safe) %}a{% end %}')).toBe('<b>');
  });
  it('a result that is not a string is escaped like output', async () => {
    expect(await run('{% filter list %}<{% end %}')).toBe('[&#39;&lt;&#39;]');
    expect(await run('{% filter length %}{{ x }}{% end %}')).toBe(String(e.length));
  });
});
