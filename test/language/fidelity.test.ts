// Issue #20: behaviours where the port differed from the reference, or from itself.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { makeEnv, renderAll } from '../support.js';
import type { EnvironmentOptions } from '../../compiler/environment.js';
import { Registry, useTemplateNames } from '../../runtime/linkage.js';

/** renderAll plus renderAsync: every render method gives the same text. */
async function everyWay(source: string, ctx: Record<string, unknown> = {}, templates: Record<string, string> = {}, options: EnvironmentOptions = {}): Promise<string> {
  const whole = await renderAll(source, ctx, options, templates);
  expect(await makeEnv(templates, options).fromString(source).renderAsync(ctx)).toBe(whole);
  return whole;
}

describe('a block modifier named if', () => {
  const src = '{% block chart if="metadata" if show %}x{% end %}';
  it('is a modifier, and the bare if after it is the guard', async () => {
    expect(await everyWay(src, { show: true })).toBe('x');
    expect(await everyWay(src, { show: false })).toBe('');
    const t = makeEnv().fromString(src);
    expect(t.blockMetadata().chart!.modifiers).toEqual({ if: 'metadata' });
    expect(t.renderBlock('chart', {})).toBe('x');
  });
  it('works without a guard, among other modifiers, and on fragments', async () => {
    expect(await everyWay('{% block b mode="sse" if=1 %}y{% end %}')).toBe('y');
    expect(makeEnv().fromString('{% block b mode="sse" if=1 %}y{% end %}').blockMetadata().b!.modifiers).toEqual({ mode: 'sse', if: 1 });
    const f = makeEnv().fromString('{% fragment f if="x" %}z{% end %}');
    expect(f.render({})).toBe('');
    expect(f.renderBlock('f', {})).toBe('z');
  });
  it('property: any modifiers (keyword names included), in any order, then an optional guard', () => {
    const names = fc.uniqueArray(fc.constantFrom('if', 'for', 'not', 'in', 'is', 'and', 'mode', 'else'), { maxLength: 5 });
    const lit = fc.oneof(fc.integer({ min: -9, max: 9 }), fc.constantFrom('a', 'if', 'x y'), fc.boolean(), fc.constant(null));
    fc.assert(
      fc.property(names, fc.array(lit, { minLength: 5, maxLength: 5 }), fc.option(fc.boolean()), (ks, vs, guard) => {
        const mods = Object.fromEntries(ks.map((k, i) => [k, vs[i]!]));
        const text = (v: unknown) => (typeof v === 'string' ? JSON.stringify(v) : v === null ? 'none' : String(v));
        const src = `{% block b ${ks.map((k) => `${k}=${text(mods[k])}`).join(' ')}${guard === null ? '' : ' if show'} %}B{% end %}`;
        const t = makeEnv().fromString(src);
        expect(t.blockMetadata().b!.modifiers).toEqual(mods);
        expect(t.render({ show: guard ?? false })).toBe(guard === false ? '' : 'B');
      }),
      { numRuns: 150 },
    );
  });
  it('still rejects a duplicate if modifier and a guard on a fragment', () => {
    expect(() => makeEnv().fromString('{% block b if="a" if="b" %}{% end %}')).toThrow(/Duplicate block modifier 'if'/);
    expect(() => makeEnv().fromString('{% fragment f if="a" if x %}{% end %}')).toThrow(/cannot take an if guard/);
  });
});

describe('a relative template name without a calling template', () => {
  const templates = { 'x.html': 'X', 'dir/y.html': '{% include "./z.html" %}', 'dir/z.html': 'Z' };
  it('fails from code with TemplateNotFoundError, whatever exists at the root', () => {
    const env = makeEnv(templates);
    for (const name of ['./x.html', '../x.html', './dir/y.html'])
      expect(() => env.getTemplate(name)).toThrow(expect.objectContaining({ name: 'TemplateNotFoundError', message: expect.stringMatching(/a relative name resolves against the template whose include, extends, embed or import names it; from code \(or in a template without a name\) use the absolute name/) }));
    expect(env.getTemplate('x.html').render()).toBe('X');
    expect(env.getTemplate('./z.html', 'dir/y.html').render()).toBe('Z');
  });
  it('resolves inside a named template, fails at render time inside an unnamed one', async () => {
    const env = makeEnv(templates);
    expect(env.getTemplate('dir/y.html').render()).toBe('Z');
    const unnamed = env.fromString('a{% include "./x.html" %}'); // compiles
    expect(() => unnamed.render()).toThrow(/a relative name resolves against the template/);
    expect(await everyWay('a{% include "./x.html" ignore missing %}b', {}, templates)).toBe('ab');
    expect(await everyWay('{% set n = "./x.html" %}a{% include n ignore missing %}b', {}, templates)).toBe('ab');
    expect(() => env.fromString('{% from "./x.html" import f %}').render()).toThrow(/a relative name resolves against the template/);
    expect(env.fromString('{% include "./x.html" %}', { name: 'page.html' }).render()).toBe('X');
    const base = makeEnv({ 'base.html': '<{% block b %}{% end %}>' });
    for (const src of ['{% extends "./base.html" %}{% block b %}x{% end %}', '{% embed "./base.html" %}{% block b %}x{% end %}{% end %}']) {
      expect(() => base.fromString(src).render()).toThrow(/a relative name resolves against the template/);
      expect(base.fromString(src, { name: 'p.html' }).render()).toBe('<x>');
    }
  });
});

describe('the same rule in a registry of compiled modules', () => {
  it('load and tryLoad of ./x with no calling template fail as the Environment does', () => {
    useTemplateNames(); // (a module naming templates at run time has loaded)
    const reg = new Registry();
    const x = makeEnv({ 'x.html': 'X' }).getTemplate('x.html');
    reg.define('x.html', () => x);
    reg.define('d/y.html', () => x);
    expect(() => reg.load('./x.html', null)).toThrow(expect.objectContaining({ name: 'TemplateNotFoundError', message: expect.stringMatching(/a relative name resolves against the template/) }));
    expect(reg.load('../x.html', 'd/y.html')).toBe(x);
    expect(reg.load('x.html', null)).toBe(x);
    expect(reg.tryLoad('./x.html', null)).toBeNull(); // (ignore missing: nothing, as in the Environment)
    expect(reg.tryLoad('../../x.html', 'd/y.html')).toBeNull();
    expect(reg.tryLoad('./x.html', 'x.html')).toBe(x);
    expect(() => reg.load('../../x.html', 'd/y.html')).toThrow(/escapes the template root/);
  });
});

describe('a key whose value is undefined is missing, at every depth', () => {
  it('top level and nested agree: default, ??, is defined, ?., in', async () => {
    const top = { badge: undefined };
    const nested = { item: { badge: undefined } };
    expect(await everyWay('{{ badge | default("new") }}', top)).toBe('new');
    expect(await everyWay('{{ item.badge | default("new") }}', nested)).toBe('new');
    expect(await everyWay('{{ badge ?? "x" }}|{{ item.badge ?? "x" }}|{{ item?.badge ?? "x" }}|{{ item?["badge"] ?? "x" }}', { ...top, ...nested })).toBe('x|x|x|x');
    expect(await everyWay('{{ badge is defined }}|{{ item.badge is defined }}|{{ "badge" in item }}', { ...top, ...nested })).toBe('False|False|False');
    expect(await everyWay('{{ item.get("badge", "d") }}|{{ item.get("badge") }}', nested)).toBe('d|None');
  });
  it('strict mode reports it as undefined, wherever it is', () => {
    const env = makeEnv();
    expect(() => env.fromString('{{ badge }}').render({ badge: undefined })).toThrow(/Undefined variable 'badge'/);
    expect(() => env.fromString('{{ item.badge }}').render({ item: { badge: undefined } })).toThrow(/'dict.badge'/);
    expect(() => env.fromString('{{ item["badge"] }}').render({ item: { badge: undefined } })).toThrow(/KeyError: 'badge'/);
    expect(makeEnv({}, { strictUndefined: false }).fromString('[{{ item.badge }}]').render({ item: { badge: undefined } })).toBe('[]');
  });
  it('is left out of iteration, length, items, repr and tojson; does not hide a global', async () => {
    const item = { a: 1, gone: undefined, b: null };
    expect(await everyWay('{% for k in item %}{{ k }};{% end %}|{{ item | length }}|{{ item.items() | list }}|{{ item.keys() | list }}|{{ item.values() | list }}', { item }, {}, { autoescape: false }))
      .toBe("a;b;|2|[('a', 1), ('b', None)]|['a', 'b']|[1, None]");
    expect(await everyWay('{{ item }}|{{ item | tojson }}|{{ dict(item) }}|{{ item | dictsort }}', { item }, {}, { autoescape: false }))
      .toBe(`{'a': 1, 'b': None}|{"a": 1, "b": null}|{'a': 1, 'b': None}|[('a', 1), ('b', None)]`);
    expect(await everyWay('{{ site }}', { site: undefined }, {}, { globals: { site: 'S' } })).toBe('S');
  });
  it('calls: d?.f() skips and d.f() is undefined, as for a key that is not there', async () => {
    for (const d of [{ f: undefined }, {}]) {
      expect(await everyWay('[{{ d?.f() }}]|{{ d?.f() ?? "n" }}', { d })).toBe('[]|n');
      expect(() => makeEnv().fromString('{{ d.f() }}').render({ d })).toThrow(/'dict.f'/);
    }
    expect(await everyWay('{{ d.items() | list }}', { d: { items: undefined, a: 1 } }, {}, { autoescape: false })).toBe("[('a', 1)]");
  });
  it('a None value stays a defined None', async () => {
    expect(await everyWay('{{ item.badge is defined }}|[{{ item.badge }}]|{{ item.badge | default("new") }}|{{ "badge" in item }}', { item: { badge: null } })).toBe('True|[]||True');
  });
  it('Maps: an entry whose value is undefined is missing too', async () => {
    const m = new Map<unknown, unknown>([['a', 1], ['gone', undefined]]);
    expect(await everyWay('{{ m.gone | default("d") }}|{{ "gone" in m }}|{{ m | length }}|{{ m }}|{% for k in m %}{{ k }}{% end %}', { m }, {}, { autoescape: false })).toBe("d|False|1|{'a': 1}|a");
    expect(await everyWay('{{ gone | default("d") }}', new Map([['gone', undefined]]) as never)).toBe('d');
  });
  it('in block rendering as in a full render', () => {
    const t = makeEnv().fromString('{% block b %}{{ item.badge | default("new") }}{{ badge ?? "!" }}{% end %}');
    expect(t.renderBlock('b', { item: { badge: undefined }, badge: undefined })).toBe('new!');
  });
  it('property: a context renders as its JSON round trip does', () => {
    const value = fc.oneof(fc.constant(undefined), fc.constant(null), fc.integer({ min: -5, max: 5 }), fc.constantFrom('', 'x', '<b>'));
    const dict = fc.record({ a: value, b: value, c: value }, { requiredKeys: [] });
    const ops = (p: string) =>
      ['a', 'b', 'c']
        .map((k) => `{{ ${p}${k} | default("-") }},{{ ${p}${k} is defined }},{{ ${p}${k} ?? "?" }},{{ ${p === '' ? k : `${p.slice(0, -1)}?.${k}`} ?? "?" }}`)
        .join('|');
    const src =
      ops('') + '#' + ops('d.') + '#{{ d | length }}{{ d | tojson }}{{ d }}{% for k, v in d | dictsort %}{{ k }}={{ v }}{% end %}' +
      '{% for k in ["a", "b", "c"] %}{{ k in d }}{{ d.get(k, "g") }}{{ d?[k] ?? "o" }}{% end %}';
    const t = makeEnv().fromString(src);
    fc.assert(
      fc.property(dict, dict, (top, d) => {
        const json = JSON.parse(JSON.stringify({ ...top, d }));
        expect(t.render({ ...top, d })).toBe(t.render(json));
        expect(t.render({ ...top, d: new Map(Object.entries(d)) })).toBe(t.render(json));
      }),
      { numRuns: 200 },
    );
  });
});

describe('slot passthrough', () => {
  const lib =
    '{% def filter_bar() %}<bar>[{% slot filter_controls %}]{{ has_slot() }}</bar>{% end %}' +
    '{% def resource_index() %}<idx>{% call filter_bar() %}{% slot filter_controls %}{% end %}{% end %}</idx>{% end %}';
  it('an empty fill inside a def renders what the def’s own caller gave for that slot', async () => {
    expect(await everyWay(lib + '{% call resource_index() %}{% slot filter_controls %}<button>Filters</button>{% end %}{% end %}'))
      .toBe('<idx><bar>[<button>Filters</button>]True</bar></idx>');
  });
  it('a whitespace-only fill passes through too; a fill with content does not', async () => {
    const ws = lib.replace('{% slot filter_controls %}{% end %}', '{% slot filter_controls %} \n\t {% end %}');
    expect(await everyWay(ws + '{% call resource_index() %}{% slot filter_controls %}B{% end %}{% end %}')).toBe('<idx><bar>[B]True</bar></idx>');
    const own = lib.replace('{% slot filter_controls %}{% end %}', '{% slot filter_controls %}mine{% end %}');
    expect(await everyWay(own + '{% call resource_index() %}{% slot filter_controls %}B{% end %}{% end %}')).toBe('<idx><bar>[mine]True</bar></idx>');
  });
  it('property: a fill passes through exactly when it is only whitespace', () => {
    const body = fc.stringMatching(/^[ \t\na<\x1c\x85\u3000\ufeff]{0,6}$/);
    const blank = (t: string) => /^[\s\x1c\x85]*$/.test(t) && !t.includes('\ufeff'); // Python's isspace()
    fc.assert(
      fc.property(body, body, (inner, dflt) => {
        const src =
          '{% def bar() %}[{% slot c %}|{{ caller() }}]{% end %}' +
          `{% def idx() %}{% call bar() %}${dflt}{% slot c %}${inner}{% end %}{% end %}{% end %}` +
          '{% call idx() %}D{% slot c %}C{% end %}{% end %}';
        const t = makeEnv().fromString(src);
        const want = `[${blank(inner) ? 'C' : inner}|${blank(dflt) ? 'D' : dflt}]`;
        expect(t.render({})).toBe(want);
        expect([...t.renderStream({})].join('')).toBe(want);
      }),
      { numRuns: 150 },
    );
  });
  it('the outer caller without that slot, or no outer caller, gives the fill itself (empty)', async () => {
    expect(await everyWay(lib + '{% call resource_index() %}only a default{% end %}')).toBe('<idx><bar>[]True</bar></idx>');
    expect(await everyWay(lib + '{{ resource_index() }}')).toBe('<idx><bar>[]True</bar></idx>');
    const ws = lib.replace('{% slot filter_controls %}{% end %}', '{% slot filter_controls %}  {% end %}');
    expect(await everyWay(ws + '{{ resource_index() }}')).toBe('<idx><bar>[  ]True</bar></idx>');
  });
  it('the default slot passes through the same way; named fills around it do not stop it', async () => {
    const src =
      '{% def inner() %}<i>{{ caller() }}|{% slot a %}</i>{% end %}' +
      '{% def outer() %}{% call inner() %} {% slot a %}{% end %}\n{% end %}{% end %}' +
      '{% call outer() %}D{% slot a %}A{% end %}{% end %}';
    expect(await everyWay(src)).toBe('<i>D|A</i>');
    expect(await everyWay(src.replace('{% call outer() %}D{% slot a %}A{% end %}{% end %}', '{{ outer() }}'))).toBe('<i> \n|</i>');
  });
  it('slot content renders in the page’s context, through two levels, escaped once', async () => {
    const src =
      '{% def a() %}<a>{% slot x %}</a>{% end %}' +
      '{% def b() %}{% call a() %}{% slot x %}{% end %}{% end %}{% end %}' +
      '{% def c() %}{% call b() %}{% slot x %}{% end %}{% end %}{% end %}' +
      '{% for v in vals %}{% call c() %}{% slot x %}{{ v }}{% end %}{% end %}{% end %}';
    expect(await everyWay(src, { vals: ['<1>', '2'] })).toBe('<a>&lt;1&gt;</a><a>2</a>');
  });
  it('scoped-slot bindings reach the passed-through content', async () => {
    const src =
      '{% def list(items) %}{% for it in items %}<li>{% slot row let:item=it %}{% end %}</li>{% end %}{% end %}' +
      '{% def panel(items) %}{% call list(items) %}{% slot row %}{% end %}{% end %}{% end %}' +
      '{% call panel([1, 2]) %}{% slot row let:item %}#{{ item }}{% end %}{% end %}';
    expect(await everyWay(src)).toBe('<li>#1</li><li>#2</li>');
  });
  it('in an async template (async for) as in a sync one', async () => {
    const src =
      '{% def bar() %}<bar>[{% slot c %}]</bar>{% end %}{% def idx() %}{% call bar() %}{% slot c %}{% end %}{% end %}{% end %}' +
      '{% async for v in items %}{% call idx() %}{% slot c %}{{ v }}{% end %}{% end %}{% end %}';
    async function* items() {
      yield 1;
      yield '<2>';
    }
    const t = makeEnv().fromString(src);
    expect(await t.renderAsync({ items: items() })).toBe('<bar>[1]</bar><bar>[&lt;2&gt;]</bar>');
    let streamed = '';
    for await (const c of t.renderStreamAsync({ items: items() })) streamed += c;
    expect(streamed).toBe('<bar>[1]</bar><bar>[&lt;2&gt;]</bar>');
  });
  it('works across templates (imported defs) and in block rendering', async () => {
    const templates = { 'ui.html': lib };
    const page = '{% from "ui.html" import resource_index %}{% block main %}{% call resource_index() %}{% slot filter_controls %}<b>F</b>{% end %}{% end %}{% end %}';
    expect(await everyWay(page, {}, templates)).toBe('<idx><bar>[<b>F</b>]True</bar></idx>');
    expect(makeEnv(templates).fromString(page).renderBlock('main', {})).toBe('<idx><bar>[<b>F</b>]True</bar></idx>');
  });
});

describe('Environment globals', () => {
  it('cannot be replaced (templates hold the object), and merging works', () => {
    const env = makeEnv();
    const t = env.fromString('{{ site }}|{{ range(2) | list }}');
    expect(() => {
      (env as { globals: unknown }).globals = { site: 'S' };
    }).toThrow(TypeError);
    Object.assign(env.globals, { site: 'S' });
    expect(t.render({})).toBe('S|[0, 1]');
    env.addGlobal('site', 'T');
    expect(t.render({})).toBe('T|[0, 1]');
  });
  it('validateContext counts a key whose value is undefined as missing', () => {
    const t = makeEnv().fromString('{% template title: str %}{{ title }}');
    expect(t.validateContext({ title: undefined })).toEqual(['title']);
    expect(t.validateContext({ title: 'x' })).toEqual([]);
  });
});

// str.expandtabs was a fixed eight spaces a tab, its argument ignored (noticed by the eighteenth
// default-mode red team). Python pads each tab to the next multiple of tabsize, counting code
// points from the last \n or \r.
describe('str.expandtabs', () => {
  /** Python's algorithm, written from its documentation over code points. */
  function expand(s: string, size = 8): string {
    let out = '', col = 0;
    for (const ch of s) {
      if (ch === '\t') {
        const n = size > 0 ? size - (col % size) : 0;
        out += ' '.repeat(n), (col += n);
      } else (out += ch), (col = ch === '\n' || ch === '\r' ? 0 : col + 1);
    }
    return out;
  }
  it('pads to the next tab stop, by position and keyword, and removes tabs at size 0', async () => {
    expect(await everyWay('{{ s.expandtabs() }}', { s: 'a\tb' })).toBe('a       b');
    expect(await everyWay('{{ s.expandtabs(4) }}', { s: 'a\tbc\td\n\tx' })).toBe('a   bc  d\n    x');
    expect(await everyWay('{{ s.expandtabs(tabsize=3) }}', { s: 'ab\t' })).toBe('ab ');
    expect(await everyWay('{{ s.expandtabs(0) }}|{{ s.expandtabs(-2) }}', { s: 'a\tb' })).toBe('ab|ab');
    expect(await everyWay('{{ s.expandtabs(4) }}', { s: '\u{1F600}\tb' })).toBe('\u{1F600}   b');
  });
  it('agrees with the reference algorithm on generated text', () => {
    const t = makeEnv().fromString('{{ s.expandtabs(n) }}');
    const text = fc.array(fc.constantFrom('a', '\t', '\n', '\r', '\u{1F600}', 'é', ' '), { maxLength: 40 }).map((a) => a.join(''));
    fc.assert(fc.property(text, fc.integer({ min: -1, max: 9 }), (s, n) => t.render({ s, n }) === expand(s, n)));
  });
  it('refuses an output past the size limit before building it', () => {
    expect(() => makeEnv().fromString('{{ s.expandtabs(10**7) }}').render({ s: '\t'.repeat(1000) })).toThrow(/exceeds the limit/);
  });
});

// `%c` and `{:c}` past the last code point raised a wrapped JavaScript RangeError; Python raises
// OverflowError (and TypeError for a float), caught by `{% try %}` as Python's would be.
describe('%c of a number that is not a code point', () => {
  it('is an OverflowError or TypeError, as in Python', async () => {
    for (const src of ['{{ "%c" % n }}', '{{ "{:c}".format(n) }}']) {
      expect(await everyWay(src, { n: 0x1f600 })).toBe('\u{1F600}');
      for (const n of [0x110000, -1]) expect(() => makeEnv().fromString(src).render({ n })).toThrow(/OverflowError: %c arg not in range\(0x110000\)/);
    }
    expect(() => makeEnv().fromString('{{ "%c" % 65.5 }}').render({})).toThrow(/TypeError: %c requires an int/);
    // (Python's try/fallback catches TypeError, not OverflowError: spec §2.13)
    expect(() => makeEnv().fromString('{% try %}{{ "%c" % n }}{% fallback %}x{% end %}').render({ n: -1 })).toThrow(/OverflowError/);
    expect(await everyWay('{% try %}{{ "%c" % n }}{% fallback %}x{% end %}', { n: 1.5 })).toBe('x');
  });
});

// Four behaviours the nineteenth default-mode red team noticed, with CPython as the oracle
// (values written out here from python3 3.x).
describe('number formatting and line splitting as Python', () => {
  it('`*` widths: a negative one left-justifies, a negative precision is 0, anything but an int is a TypeError', async () => {
    expect(await everyWay('{{ "%*d" % (-5, 3) }}|{{ "%-*d" % (-4, 3) }}|{{ "%.*f" % (-1, 1.5) }}|{{ "%*d" % (true, 3) }}|{{ "%*s" % (3, "a") }}')).toBe('3    |3   |2|3|  a');
    for (const w of ['"a"', '2.0', 'none']) expect(() => makeEnv().fromString(`{{ "%*d" % (${w}, 3) }}`).render({})).toThrow(/\* wants int/);
  });
  it('%f and {:f} past 100 decimals write the double exactly, ties to even', async () => {
    // (expected values from CPython's '%.{p}f' % x)
    const cases: [number, number, string][] = [
      [0.1, 150, '0.100000000000000005551115123125782702118158340454101562500000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000'],
      [2.5, 101, '2.5' + '0'.repeat(100)],
      [-0, 105, '-0.' + '0'.repeat(105)],
      [5e-324, 1100, '0.00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000494065645841246544176568792868221372365059802614324764425585682500675507270208751865299836361635992379796564695445717730926656710355939796398774796010781878126300713190311404527845817167848982103688718636056998730723050006387409153564984387312473397273169615140031715385398074126238565591171026658556686768187039560310624931945271591492455329305456544401127480129709999541931989409080416563324524757147869014726780159355238611550134803526493472019379026810710749170333222684475333572083243193609238289345836806010601150616980975307834227731832924790498252473077637592724787465608477820373446969953364701797267771758512566055119913150489110145103786273816725095583738973359899366480994116420570263709027924276754456522908753868250641971826553344726562500000000000000000000000000'],
      // a tie at the 102nd decimal: kept even (…62), and rounded up to even (…88)
      [2 ** -102, 101, '0.00000000000000000000000000000019721522630525295135293214132069655741830160877725575119256973266601562'],
      [3 * 2 ** -102, 101, '0.00000000000000000000000000000059164567891575885405879642396208967225490482633176725357770919799804688'],
    ];
    for (const [x, p, want] of cases) {
      expect(await everyWay(`{{ "%.${p}f" % x }}`, { x })).toBe(want);
      expect(await everyWay(`{{ "{:.${p}f}".format(x) }}`, { x })).toBe(want);
    }
  });
  it('round with a precision past a double\'s range is a zero of the value\'s sign', async () => {
    expect(await everyWay('{{ x|round(-400) }} {{ y|round(-400) }} {{ z|round(-308) }}', { x: 1.5, y: -1.5, z: 1e308 })).toBe('0.0 -0.0 1e+308');
  });
  it('splitlines splits on every line boundary Python knows, and keeps the ends when asked', async () => {
    const s = 'a\u2028b\x1cc\x85d\u2029e\x0bf\x0cg\r\nh\ri\n';
    expect(await everyWay('{{ s.splitlines()|join("|") }}', { s })).toBe('a|b|c|d|e|f|g|h|i');
    expect(await everyWay('{% for l in s.splitlines(True) %}{{ l|length }},{% end %}', { s })).toBe("2,2,2,2,2,2,3,2,2,");
    expect(await everyWay('{{ s.splitlines(keepends=True)|length }}|{{ "".splitlines()|length }}|{{ "x\n\n".splitlines()|length }}', { s })).toBe('9|0|2');
  });
});
