// The escape matrix for `compat: 'nunjucks'` (issue #19 §3, issue #25): every Nunjucks built-in
// filter (its signature table, so a new one is covered) with hostile data as its value and as
// each argument, on plain data and on a safe string the template made, in `{{ }}` and as a
// `{% filter %}` block; the JavaScript methods templates call on strings, arrays and safe
// strings; caller() and set blocks — in text, double- and single-quoted attributes, and
// `dump | safe` in a <script>, through render, renderStream, renderStreamAsync, renderAsync,
// renderBlock and kida/nunjucks' renderString.
//
// The oracle is escape-matrix.test.ts's: the same template rendered with the hostile data and
// with a twin where each `<`, `"`, `'` and `&` is an `x`; the hostile output must not hold more
// `<`, `"` or `'` than the twin's (what the template and the filters add appear in both).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { njkFilterParams } from '../../runtime/nunjucks/signatures.js';
import { DANGER, count, orError as attempt, renderings, twin } from './every-way.js';
import { everyWay, njkEnv } from './nunjucks-support.js';

const NASTY = [
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  "' onmouseover='alert(1)' x='",
  '</script><!--<script>',
  '<<b>script>alert(1)<</b>/script>',
  '&lt;script&gt; &amp; $` $\' $&',
  'http://x.com/"onmouseover="alert(1) www.a.org/<b> a@b.com\'',
  'Ünï©ødé 💥 <b>\u2028"\'\\',
];

function ctx(h: string): Record<string, unknown> {
  return { s: h, l: [h, h], o: { title: h, k: h, [h]: h }, os: [{ k: h }, { k: `${h}2` }], n: null, num: -3, w: `${h} ${h}\n${h}  ${h}` };
}

const env = njkEnv();
const page = (x: string) => `{% block b %}<p>${x}</p><a title="${x}" data-x='${x}'>{% endblock %}`;
/** A safe string the template made (its markup is the template's). */
const SAFE = '("<i>A b</i>" | safe)';

/** Argument forms from a filter's Nunjucks parameter list: data in each position and as each keyword. */
function argForms(name: string): string[] {
  const params = njkFilterParams[name] ?? [];
  const out = new Set<string>(['']);
  for (const a of ['s', 'l']) {
    params.forEach((p, i) => {
      out.add(`(${p}=${a})`);
      for (const fill of ['3', '"x"', 'true']) out.add(`(${[...Array(i).fill(fill), a].join(', ')})`);
    });
  }
  return [...out];
}

interface Form {
  label: string;
  source: string;
}
function filterForms(name: string): Form[] {
  const forms: Form[] = [];
  for (const args of argForms(name)) {
    for (const v of args ? ['s', 'l', SAFE] : ['s', 'l', 'o', 'os', 'n', 'w', SAFE])
      forms.push({ label: `${v} | ${name}${args}`, source: page(`{{ ${v} | ${name}${args} }}`) });
    forms.push({ label: `{% filter ${name}${args} %}`, source: page(`{% filter ${name}${args} %}{{ s }}<i>{% endfilter %}`) });
  }
  const extra: Record<string, string[]> = {
    replace: [`${SAFE} | replace("A", s)`, `${SAFE} | replace(s, "B")`, `${SAFE} | replace("", s)`, `${SAFE} | replace(s, s, 1)`, 's | replace(r/[a-z]+/g, s)'],
    truncate: [`${SAFE} | truncate(3, true, s)`, `${SAFE} | truncate(2, false, l)`],
    join: ['os | join(s, "k")', `[${SAFE}, s] | join(s)`],
    groupby: ['os | groupby("k") | dump'],
    selectattr: ['os | selectattr("k") | join(",", "k")'],
    sort: ['os | sort(false, false, "k") | join(s, "k")'],
    sum: ['os | sum("k", s)'],
    dictsort: ['o | dictsort | dump'],
    default: ['n | default(s)', 'n | d(l, true)'],
    striptags: [`("<" + "<b>script>x<" + "</b>/script>") | safe | striptags`, `${SAFE} | striptags(true)`],
    urlencode: ['o | urlencode'],
    indent: [`${SAFE} | indent(s, true)`],
  };
  for (const x of extra[name] ?? []) forms.push({ label: x, source: page(`{{ ${x} }}`) });
  return forms;
}

/** JavaScript methods on strings, arrays and safe strings, and Nunjucks' other ways data reaches output. */
const OTHER_FORMS: Form[] = [
  's.replace("a", s)', 's.replaceAll("", s)', 's.replace(r/./g, s)', 's.concat(s, l)', 's.padStart(40, s)', 's.padEnd(40, s)', 's.repeat(2)',
  's.split("").reverse().join(s)', 's.slice(1)', 's.substring(2, 9)', 's.toUpperCase()', 's.toLowerCase()', 's.trim()', 's.at(0)',
  's.charAt(1)', 's.normalize()', 'l.concat(l).join(s)', 'l.map(s.concat)', 'l.slice(0, 1)', 'l.flat()', 'o.title', 'o[s]', 'o["title"]',
  `${SAFE}.replace("A", s)`, `${SAFE}.concat(s)`, `${SAFE}.val`, `${SAFE} + s`, `${SAFE} ~ s`, `s ~ ${SAFE}`, `s + ${SAFE}`, `${SAFE}.length`,
  `(s | escape).val`, `(s | escape) + s`, 's if s else s', '[s, l]', '{ a: s }', 'caller',
].map((x) => ({ label: x, source: page(`{{ ${x} }}`) }));
OTHER_FORMS.push(
  { label: 'caller()', source: page('{% macro m() %}<b>{{ caller() }}</b>{% endmacro %}{% call m() %}{{ s }}<i>{% endcall %}') },
  { label: 'macro argument', source: page('{% macro m(x, y) %}{{ x }}{{ y }}{% endmacro %}{{ m(s, y=l) }}') },
  { label: 'set block', source: page('{% set v %}{{ s }}<i>{% endset %}{{ v }}') },
  { label: 'set', source: page('{% set v = s %}{{ v }}') },
  { label: 'for', source: page('{% for k, v in o %}{{ k }}{{ v }}{% endfor %}{% for x in l %}{{ loop.index }}{{ x }}{% endfor %}') },
  { label: 'include', source: page('{% include "inc.njk" %}') },
);

const withInclude = njkEnv({}, { 'inc.njk': '<u>{{ s }}</u>{{ l }}' });

async function check(form: Form, h: string, all: boolean): Promise<boolean> {
  const t = withInclude.fromString(form.source);
  const bad = await attempt(() => renderings(t, ctx(h), all));
  if (bad instanceof Error) return false;
  if (!/\brandom\b/.test(form.label)) for (const out of bad) expect(out, form.label).toBe(bad[0]);
  const good = await attempt(() => renderings(t, ctx(twin(h)), false));
  if (good instanceof Error) return true;
  if (/^\{% filter random/.test(form.label)) return true;
  const [hostile, benign] = [bad[0]!, good[0]!];
  for (const c of DANGER) expect(count(hostile, c), `${form.label} with ${JSON.stringify(h)}: data-controlled ${c} in ${hostile}`).toBeLessThanOrEqual(count(benign, c));
  return true;
}

// `safe` is the template marking data safe (the oracle must flag it: below); `__regex` is the
// spelling of `r/…/` literals, `__dumpsafe` of `dump | safe` (its own test below).
const FILTER_NAMES = Object.keys(njkFilterParams).filter((n) => n !== 'safe' && n !== '__regex' && n !== '__dumpsafe');

describe('Nunjucks escape matrix: every built-in filter', () => {
  it('covers the whole filter table', () => {
    expect(FILTER_NAMES.length).toBeGreaterThan(40);
    expect(FILTER_NAMES).toEqual(expect.arrayContaining(['replace', 'truncate', 'striptags', 'urlize', 'dump', 'indent', 'nl2br', 'join', 'center']));
  });
  for (const name of FILTER_NAMES)
    it(name, async () => {
      let rendered = 0;
      for (const form of filterForms(name)) for (const [i, h] of NASTY.entries()) if (await check(form, h, i === 0)) rendered++;
      expect(rendered, `${name}: no form rendered`).toBeGreaterThan(0);
    });
  it('the oracle sees raw data: `safe` (the template marking data safe) is flagged', async () => {
    const t = env.fromString(page('{{ s | safe }}'));
    expect(count(t.render(ctx(NASTY[0]!)), '<')).toBeGreaterThan(count(t.render(ctx(twin(NASTY[0]!))), '<'));
  });
  it('property: hostile strings through random filter forms', async () => {
    const forms = FILTER_NAMES.flatMap(filterForms);
    const hostile = fc.string({ unit: fc.constantFrom('<', '>', '"', "'", '&', '/', '!', '-', 's', 'c', 'r', 'i', 'p', 't', 'A', 'b', ' ', '\n', 'é', '💥', '$', '`', '=', '.', '@', ':', 'w', '\\') });
    await fc.assert(fc.asyncProperty(fc.constantFrom(...forms), hostile, async (form, h) => void (await check(form, h, false))), { numRuns: 400 });
  });
});

describe('Nunjucks escape matrix: JavaScript methods, safe strings, macros, caller, set blocks', () => {
  for (const form of OTHER_FORMS)
    it(form.label, async () => {
      let rendered = 0;
      for (const [i, h] of NASTY.entries()) if (await check(form, h, i === 0)) rendered++;
      expect(rendered).toBeGreaterThan(0);
    });
  it('property: hostile strings through every form', async () => {
    const hostile = fc.string({ unit: fc.constantFrom('<', '>', '"', "'", '&', 'a', 'A', ' ', '$', '`', '\\', '/') });
    await fc.assert(fc.asyncProperty(fc.constantFrom(...OTHER_FORMS), hostile, async (form, h) => void (await check(form, h, false))), { numRuns: 200 });
  });
});

describe('data put into a safe string is escaped; safe stays safe (Nunjucks copySafeness)', () => {
  const r = (src: string, c: Record<string, unknown> = {}) => env.fromString(src).render(c);
  it('replace and truncate escape what they put into a safe string, and look for escaped text', () => {
    expect(r('{{ "<i>A</i>" | safe | replace("A", s) }}', { s: '<b>' })).toBe('<i>&lt;b&gt;</i>');
    expect(r('{{ "<i>A</i>" | safe | replace("A", "<b>" | safe) }}')).toBe('<i><b></i>');
    // (data looking for the markup's own quotes finds only escaped ones)
    expect(r('{{ "<a title=\\"t\\">&quot;</a>" | safe | replace(s, "") }}', { s: '"' })).toBe('<a title="t"></a>');
    expect(r('{{ "<i>Abcdef</i>" | safe | truncate(6, true, s) }}', { s: '<script>' })).toBe('<i>Abc&lt;script&gt;');
    // plain strings: exactly Nunjucks' (escaped once, on output)
    expect(r('{{ "A" | replace("A", s) }}', { s: '<b>&' })).toBe('&lt;b&gt;&amp;');
  });
  it('striptags on a safe string cannot join markup out of pieces', () => {
    expect(r('{{ s | safe | striptags }}', { s: '<<b>script>alert(1)<</b>/script>' })).toBe('&lt;script>alert(1)&lt;/script>');
    expect(r('{{ s | striptags }}', { s: '<<b>script>x' })).toBe('&lt;script&gt;x');
  });
  it('dump | safe in a <script> cannot close the element; dump alone is Nunjucks\' (escaped on output)', async () => {
    const data = fc.jsonValue();
    const t = env.fromString('<script>var v = {{ v | dump | safe }};</script>');
    fc.assert(
      fc.property(fc.oneof(data, fc.string({ unit: fc.constantFrom('<', '/', 's', 'c', 'r', 'i', 'p', 't', '!', '-', "'", '&', '>', '"') })), (v) => {
        const out = t.render({ v });
        const inner = out.slice('<script>var v = '.length, -';</script>'.length);
        expect(inner).not.toMatch(/[<>&']/);
        expect(JSON.parse(inner)).toEqual(JSON.parse(JSON.stringify(v)));
      }),
      { numRuns: 300 },
    );
    expect(r('{{ v | dump }}', { v: ['</script>'] })).toBe('[&quot;&lt;/script&gt;&quot;]');
    expect(r('{{ v | dump(2) | safe }}', { v: { a: "<'&>" } })).toBe('{\n  "a": "\\u003c\\u0027\\u0026\\u003e"\n}');
  });
  it('through every entry point, including kida/nunjucks', async () => {
    const all = await everyWay(page('{{ "<i>A</i>" | safe | replace("A", s) }}{{ s | striptags }}{{ s.concat(s) }}'), () => ctx(NASTY[1]!), false);
    const want = all.render;
    expect(typeof want).toBe('string');
    for (const [way, out] of Object.entries(all)) expect(out, way).toBe(want);
    expect(count(want as string, '"')).toBe(count(page('').replace(/\{%[^%]*%\}/g, ''), '"'));
  });
});
