// Strings by code point, as Kida for Python (docs/decisions.md "Strings by code point
// (fidelity)"): indexes, slices, searches, widths and ordering count code points, never UTF-16
// units, so an astral character is never cut in half. CPython is the oracle: fast-check draws
// strings mixing ASCII, BMP, astral characters, combining marks and lone surrogates; each case
// is rendered here and evaluated by one python3 process for the whole batch.
import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import nunjucks from 'nunjucks';
import { describe, expect, it, vi } from 'vitest';
import { makeEnv, renderAll } from '../support.js';
import { expectLinear } from '../security/linear-clock.js';

const hasPython = spawnSync('python3', ['-c', 'pass']).status === 0;

// The characters strings are made of: ASCII, a space and a tab, BMP letters, a combining acute,
// astral letters with case (Deseret), an emoji, the two highest BMP code points UTF-16 orders
// after astral ones, and lone surrogates (which JSON carries to Python as code points).
const CHARS = ['a', 'b', 'B', 'x', ' ', '\t', 'é', 'ǆ', 'Σ', '\u0301', '𐐨', '𐐀', '😀', '\ue000', '\uffff', '\ud83d', '\ude00'];
const char = fc.constantFrom(...CHARS);
const str = (max = 8) => fc.array(char, { maxLength: max }).map((cs) => cs.join(''));
const small = fc.integer({ min: -7, max: 7 });
const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: null });
const fillc = fc.constantFrom('*', ' ', 'é', '😀', '0');

interface Op {
  /** the template; reads s, x, a, b, c, f, l, d from the context */
  kida: string;
  /** a Python expression over the same names, whose str() the template must render */
  py: string;
  /** draws the context */
  ctx: fc.Arbitrary<Record<string, unknown>>;
}
const J = '|'; // (joins lists: not among CHARS)
const subject = fc.record({ s: str(), x: fc.oneof(str(2), str(8)) });
const ops: Record<string, Op> = {
  index: { kida: '{{ s[a] }}', py: 's[a]', ctx: fc.record({ s: str(), a: small }) },
  slice: {
    kida: '{{ s[a:b:c] }}', py: 's[a:b:c]',
    ctx: fc.record({ s: str(), a: opt(small), b: opt(small), c: opt(fc.constantFrom(1, 2, 3, -1, -2, -3)) }),
  },
  in: { kida: '{{ x in s }}', py: 'x in s', ctx: subject },
  find: { kida: '{{ s.find(x, a, b) }}', py: 's.find(x, a, b)', ctx: fc.record({ s: str(), x: str(2), a: opt(small), b: opt(small) }) },
  rfind: { kida: '{{ s.rfind(x, a, b) }}', py: 's.rfind(x, a, b)', ctx: fc.record({ s: str(), x: str(2), a: opt(small), b: opt(small) }) },
  index_m: { kida: '{{ s.index(x, a) }}', py: 's.index(x, a)', ctx: fc.record({ s: str(), x: str(2), a: small }) },
  rindex: { kida: '{{ s.rindex(x, a) }}', py: 's.rindex(x, a)', ctx: fc.record({ s: str(), x: str(2), a: small }) },
  count: { kida: '{{ s.count(x, a, b) }}', py: 's.count(x, a, b)', ctx: fc.record({ s: str(), x: str(2), a: opt(small), b: opt(small) }) },
  startswith: { kida: '{{ s.startswith(x, a, b) }}', py: 's.startswith(x, a, b)', ctx: fc.record({ s: str(), x: str(2), a: opt(small), b: opt(small) }) },
  endswith: { kida: '{{ s.endswith(x, a, b) }}', py: 's.endswith(x, a, b)', ctx: fc.record({ s: str(), x: str(2), a: opt(small), b: opt(small) }) },
  ljust: { kida: '{{ s.ljust(a, f) }}', py: 's.ljust(a, f)', ctx: fc.record({ s: str(), a: small, f: fillc }) },
  rjust: { kida: '{{ s.rjust(a, f) }}', py: 's.rjust(a, f)', ctx: fc.record({ s: str(), a: small, f: fillc }) },
  center_m: { kida: '{{ s.center(a, f) }}', py: 's.center(a, f)', ctx: fc.record({ s: str(), a: fc.integer({ min: 0, max: 12 }), f: fillc }) },
  zfill: { kida: '{{ s.zfill(a) }}', py: 's.zfill(a)', ctx: fc.record({ s: fc.oneof(str(), str().map((t) => '-' + t)), a: small }) },
  expandtabs: { kida: '{{ s.expandtabs(a) }}', py: 's.expandtabs(a)', ctx: fc.record({ s: str(), a: fc.integer({ min: 0, max: 5 }) }) },
  percent: {
    kida: '{{ f % s }}', py: 'f % s',
    ctx: fc.record({ s: str(), f: fc.tuple(fc.constantFrom('', '-'), opt(fc.nat(9)), opt(fc.nat(5))).map(([fl, w, p]) => `<%${fl}${w ?? ''}${p === null ? '' : '.' + p}s>`) }),
  },
  format: {
    kida: '{{ f.format(s) }}', py: 'f.format(s)',
    ctx: fc.record({ s: str(), f: fc.tuple(opt(fc.tuple(fc.constantFrom('*', '😀', 'é', '\uffff', '\n'), fc.constantFrom('<', '>', '^'))), opt(fc.nat(9)), opt(fc.nat(5))).map(([fa, w, p]) => `<{:${fa ? fa.join('') : ''}${w ?? ''}${p === null ? '' : '.' + p}}>`) }),
  },
  split: { kida: `{{ s.split(x)|join("${J}") }}`, py: `"${J}".join(s.split(x))`, ctx: fc.record({ s: str(), x: str(2).filter((t) => t !== '') }) },
  replace: { kida: '{{ s.replace(x, f) }}', py: 's.replace(x, f)', ctx: fc.record({ s: str(), x: str(2), f: fc.constantFrom('-', '') }) },
  replace_n: { kida: '{{ s|replace(x, f, a) }}', py: 's.replace(x, f, a)', ctx: fc.record({ s: str(), x: str(2), f: fc.constantFrom('-', ''), a: fc.nat(3) }) },
  partition: { kida: `{{ s.partition(x)|join("${J}") }}`, py: `"${J}".join(s.partition(x))`, ctx: fc.record({ s: str(), x: str(2).filter((t) => t !== '') }) },
  rpartition: { kida: `{{ s.rpartition(x)|join("${J}") }}`, py: `"${J}".join(s.rpartition(x))`, ctx: fc.record({ s: str(), x: str(2).filter((t) => t !== '') }) },
  strip: { kida: '{{ s.strip(x) }}', py: 's.strip(x)', ctx: subject },
  lstrip_f: { kida: '{{ s|trim(x) }}', py: 's.strip(x)', ctx: subject },
  capitalize: { kida: '{{ s.capitalize() }} {{ s|capitalize }}', py: 's.capitalize() + " " + s.capitalize()', ctx: fc.record({ s: str() }) },
  title: { kida: '{{ s.title() }} {{ s|title }}', py: 's.title() + " " + s.title()', ctx: fc.record({ s: str() }) },
  istitle: {
    kida: '{{ s.istitle() }}',
    py: 'str(s.istitle())',
    ctx: fc.record({ s: fc.array(fc.constantFrom('a', 'B', ' ', 'ǅ', 'ǆ', 'Ǆ', 'ₐ', 'ᲀ', 'ª', 'Ⅰ', 'ⅰ', 'ß', 'ᾈ', '1', '\u0301', '𐐨', '𐐀', '😀'), { maxLength: 6 }).map((cs) => cs.join('')) }),
  },
  swapcase: { kida: '{{ s.swapcase() }}', py: 's.swapcase()', ctx: fc.record({ s: fc.array(fc.constantFrom('a', 'B', ' ', 'Σ', 'σ', '\u0301', "'", '𐐨', '𐐀', '😀', 'é'), { maxLength: 8 }).map((cs) => cs.join('')) }) },
  length: { kida: '{{ s|length }} {{ s|count }} {{ s|wordcount }}', py: 'f"{len(s)} {len(s)} {len(s.split())}"', ctx: fc.record({ s: str() }) },
  iterate: { kida: `{{ s|list|join("${J}") }}/{{ s|first }}/{{ s|last }}/{% for ch in s %}{{ loop.index }}{{ ch }}{% end %}`, py: `"${J}".join(s) + "/" + (s[:1] or "None") + "/" + (s[-1:] or "None") + "/" + "".join(f"{i + 1}{ch}" for i, ch in enumerate(s))`, ctx: fc.record({ s: str() }) },
  batch: { kida: `{% for row in s|batch(2) %}{{ row|join }}${J}{% end %}`, py: `"".join(s[i:i + 2] + "${J}" for i in range(0, len(s), 2))`, ctx: fc.record({ s: str() }) },
  center_f: { kida: '{{ s|center(a) }}', py: 's.center(a)', ctx: fc.record({ s: str(), a: fc.integer({ min: 0, max: 12 }) }) },
  truncate: {
    // (spec §4.1: room = length - len(end); killwords cuts at room code points)
    kida: '{{ s|truncate(a, true, x) }}', py: 's if len(s) <= a else (x[:a] if a - len(x) <= 0 else s[:a - len(x)] + x)',
    ctx: fc.record({ s: str(), a: fc.integer({ min: 1, max: 9 }), x: fc.constantFrom('...', '😀', '') }),
  },
  format_n: {
    kida: '{{ f.format(a) }}', py: 'f.format(a)',
    ctx: fc.record({ a: fc.integer({ min: -999, max: 999 }), f: fc.tuple(fc.constantFrom('*', '😀', '\uffff'), fc.constantFrom('<', '>', '^', '='), fc.nat(8)).map(([fi, al, w]) => `<{:${fi}${al}${w}}>`) }),
  },
  wordwrap: {
    kida: '{{ s|wordwrap(a) }}', py: '__import__("textwrap").fill(s, a)',
    ctx: fc.record({ s: fc.array(fc.oneof(char, fc.constant(' ')), { maxLength: 24 }).map((cs) => cs.join('')), a: fc.integer({ min: 1, max: 6 }) }),
  },
  reverse: { kida: `{{ s|reverse|join("${J}") }}`, py: `"${J}".join(reversed(s))`, ctx: fc.record({ s: str() }) },
  slice_f: { kida: `{% for col in s|slice(2) %}{{ col|join }}${J}{% end %}`, py: `"".join(s[i::2] + "${J}" for i in range(2))`, ctx: fc.record({ s: str() }) },
  truncate_words: {
    kida: '{{ s|truncate(a, false, x) }}',
    py: 's if len(s) <= a else (x[:a] if a - len(x) <= 0 else (lambda c: (c[:c.rfind(" ")] if c.rfind(" ") > 0 else c).rstrip() + x)(s[:a - len(x)]))',
    ctx: fc.record({ s: str(12), a: fc.integer({ min: 1, max: 9 }), x: fc.constantFrom('...', '😀', '') }),
  },
  compare: { kida: '{{ s < x }} {{ s <= x }} {{ s > x }} {{ s == x }}', py: 'f"{s < x} {s <= x} {s > x} {s == x}"', ctx: subject },
  sort: {
    kida: `{{ l|sort(case_sensitive=true)|join("${J}") }} {{ l|max }} {{ l|min }}`, py: `"${J}".join(sorted(l)) + f" {max(l)} {min(l)}"`,
    ctx: fc.record({ l: fc.array(str(3).filter((t) => t !== ''), { minLength: 1, maxLength: 6 }) }),
  },
  sort_ci: {
    kida: `{{ l|sort|join("${J}") }} {{ l|sort(reverse=true)|join("${J}") }}`, py: `"${J}".join(sorted(l, key=str.lower)) + " " + "${J}".join(sorted(l, key=str.lower, reverse=True))`,
    ctx: fc.record({ l: fc.array(str(3).filter((t) => t !== ''), { minLength: 1, maxLength: 6 }) }),
  },
  sorted_g: {
    kida: `{{ sorted(l)|join("${J}") }} {{ sorted(l, reverse=true)|join("${J}") }} {{ max(l) }} {{ min(l) }} {{ reversed(l[0])|join("${J}") }}`,
    py: `"${J}".join(sorted(l)) + " " + "${J}".join(sorted(l, reverse=True)) + f" {max(l)} {min(l)} " + "${J}".join(reversed(l[0]))`,
    ctx: fc.record({ l: fc.array(str(3), { minLength: 1, maxLength: 6 }) }),
  },
  sort_m: {
    kida: `{% set m = l.copy() %}{% set _ = m.sort() %}{{ m|join("${J}") }}`, py: `"${J}".join(sorted(l))`,
    ctx: fc.record({ l: fc.array(str(3), { minLength: 1, maxLength: 6 }) }),
  },
  dictsort: {
    kida: `{% for k, v in d|dictsort(true) %}{{ k }}={{ v }}${J}{% end %}`, py: `"".join(f"{k}={v}${J}" for k, v in sorted(d.items()))`,
    ctx: fc.uniqueArray(str(3), { maxLength: 6 }).map((ks) => ({ d: Object.fromEntries(ks.map((k, i) => [k, i])) })),
  },
};

// What python3 prints for each case: the str() of the result, or the exception's type name.
const PY = `
import json, sys
cases = json.load(sys.stdin)
out = []
for src, ctx in cases:
    try:
        v = eval(src, dict(ctx))
        out.append(["ok", str(v)])
    except Exception as e:
        out.append(["err", type(e).__name__])
print(json.dumps(out))
`;

/** Runs every [expression, context] in one python3 process. */
function python(cases: [string, Record<string, unknown>][]): [string, string][] {
  const r = spawnSync('python3', ['-c', PY], { input: JSON.stringify(cases), encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout);
}

/** What Kida renders: the text, or the Python type of the error (from its message). */
function kida(template: string, ctx: Record<string, unknown>): [string, string] {
  try {
    return ['ok', makeEnv({}, { autoescape: false }).fromString(template).render(ctx)];
  } catch (e) {
    const m = /(\w+Error)\b/.exec((e as Error).message);
    return ['err', (e as { pyType?: string }).pyType ?? m?.[1] ?? String(e)];
  }
}

/** Visible code units, so a lone surrogate in a failure message shows. */
const units = (t: string) => t.replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

describe('an astral character is one character', () => {
  const s = '😀ab';
  it('by index, slice, step and negative index, in every render method', async () => {
    expect(await renderAll('{{ s[0] }}|{{ s[1:] }}|{{ s[::-1] }}|{{ s[-3] }}|{{ s[:1] }}|{{ (s ~ s)[::2] }}', { s })).toBe('😀|ab|ba😀|😀|😀|😀ba');
    const page = makeEnv({}, { autoescape: false }).fromString('{% block b %}{{ s[0] }}{{ s[1:]|upper }}{% end %}');
    expect(page.renderBlock('b', { s })).toBe('😀AB');
    expect(await page.renderAsync({ s })).toBe('😀AB');
  });
  it('pads and formats to widths in characters, with an astral fill', async () => {
    expect(await renderAll('{{ s.ljust(5, "*") }}|{{ s.rjust(4) }}|{{ s.center(6, "😀") }}|{{ s.zfill(4) }}', { s })).toBe('😀ab**| 😀ab|😀😀ab😀😀|0😀ab');
    expect(await renderAll('{{ "%.1s|%5s|%-4s|" % (s, s, s) }}{{ "{:.1}|{:^5}|{:😀>4}".format(s, s, s) }}', { s })).toBe('😀|  😀ab|😀ab |😀| 😀ab |😀😀ab');
    expect(await renderAll('{{ s|center(5) }}|{{ s|truncate(2, true, "") }}|{{ "%3c|" % 128512 }}', { s })).toBe(' 😀ab |😀a|  😀|');
  });
  it('counts positions in characters for find, index, count, startswith and endswith', async () => {
    const t = 'a😀b😀c';
    expect(await renderAll('{{ t.find("b") }} {{ t.rfind("😀") }} {{ t.index("c", 3) }} {{ t.count("😀", 2) }} {{ t.startswith("😀", 1) }} {{ t.endswith("b", 0, 3) }} {{ t.find("c", -1) }}', { t })).toBe('2 3 4 1 True True 4');
  });
  it('a fill of more than one character is refused, as Python refuses it', () => {
    expect(() => makeEnv().fromString('{{ "a".ljust(3, "ab") }}').render({})).toThrow(/The fill character must be exactly one character long/);
    // (an astral fill is one character, two UTF-16 units)
    expect(makeEnv().fromString('{{ "a".ljust(3, "😀") }}').render({})).toBe('a😀😀');
  });
  it('the debug filter cuts a long repr at 60 characters, not inside one', () => {
    const written: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => (written.push(String(chunk)), true));
    try {
      makeEnv().fromString('{{ s|debug }}').render({ s: 'x'.repeat(55) + '😀'.repeat(10) });
    } finally {
      spy.mockRestore();
    }
    // the repr is a quote, 55 x, 10 emoji and a quote: 67 characters, so 57 are kept and "..."
    expect(written.join('')).toBe(`DEBUG : '${'x'.repeat(55)}😀... (str)\n`);
  });
  it('orders astral characters after every BMP one, as code points do', async () => {
    const l = ['\uffff', '😀', '\ue000', 'a'];
    expect(await renderAll('{{ "😀" < "\uffff" }} {{ l|max }} {{ l|min }} {{ l|sort|join(",") }}', { l })).toBe('False 😀 a a,\ue000,\uffff,😀');
    expect(await renderAll('{% for k, v in d|dictsort %}{{ k }}{% end %}', { d: { '😀': 1, '\uffff': 2 } })).toBe('\uffff😀');
  });
});

describe('a lone surrogate is a character of its own', () => {
  it('is counted, indexed and kept, as Python keeps it', async () => {
    const s = 'a\ud83d';
    expect(await renderAll('{{ s|length }} {{ s[1] == "\ud83d" }} {{ s[-1:]|length }}', { s })).toBe('2 True 1');
  });
  it('never matches half of an astral character', async () => {
    const s = '😀x\ude00';
    expect(await renderAll('{{ "\ud83d" in s }} {{ s.find("\ude00") }} {{ s.count("\ude00") }} {{ s.startswith("\ud83d") }} {{ s.replace("\ude00", "-") }} {{ s.split("\ude00")|length }}', { s })).toBe('False 2 1 False 😀x- 2');
  });
  it('joined to a lone high surrogate becomes a pair (a JavaScript string cannot hold the two apart)', () => {
    expect(makeEnv().fromString('{{ (a ~ b)|length }}').render({ a: '\ud83d', b: '\ude00' })).toBe('1');
  });
});

describe("compat 'nunjucks' keeps JavaScript's UTF-16 strings", () => {
  const NJK = { compat: 'nunjucks' as const, autoescape: false };
  const ours = (src: string, ctx: Record<string, unknown>) => makeEnv({}, NJK).fromString(src).render(ctx);
  const theirs = (src: string, ctx: Record<string, unknown>) => new nunjucks.Environment(null, { autoescape: false }).renderString(src, ctx);
  it.each([
    ['{{ s[0] }}', { s: '😀ab' }],
    ['{{ s.length }}|{{ s | length }}', { s: '😀ab' }],
    ['{{ s | center(6) }}|{{ s | truncate(3, true, "") }}', { s: '😀ab' }],
    ['{{ l | sort | join(",") }}', { l: ['\uffff', '😀', 'a'] }],
    ['{{ s.indexOf("b") }}', { s: '😀ab' }],
  ])('%s as Nunjucks renders it', (src, ctx) => {
    expect(ours(src, ctx)).toBe(theirs(src, ctx));
  });
});

describe.skipIf(!hasPython)('string operations agree with CPython, code point by code point', () => {
  for (const [name, op] of Object.entries(ops)) {
    it(name, () => {
      const ctxs = fc.sample(op.ctx, { numRuns: 150, seed: fc.readConfigureGlobal().seed }) // (test/fc-seed.ts: fixed unless KIDA_FC_SEED says otherwise);
      const want = python(ctxs.map((c) => [op.py, c]));
      ctxs.forEach((c, i) => {
        const got = kida(op.kida, c);
        const exp = want[i]!;
        // (an error is compared by kind only: whether both raise)
        if (got[0] !== exp[0] || (got[0] === 'ok' && got[1] !== exp[1]))
          expect.fail(`${op.kida} with ${units(JSON.stringify(c))}: Kida ${units(got.join(': '))}, CPython ${units(exp.join(': '))}`);
      });
    });
  }
});

describe('astral text stays linear (test/security/linear-clock.ts: 100 KB against 200 KB)', () => {
  const emoji = (n: number) => '😀'.repeat(n / 2); // (n UTF-16 units)
  const mixed = (n: number) => 'aΣ😀\ufffd'.repeat(n / 5);
  const cases: [string, string, (n: number) => Record<string, unknown>][] = [
    // every index of one string, then of two in turn: the offsets are built once a string
    ['indexing one string', '{% for i in range(k) %}{{ s[i] }}{% end %}', (n) => ({ s: emoji(n), k: n / 2 })],
    ['indexing two strings in turn', '{% for i in range(k) %}{{ s[-i - 1] }}{{ t[i] }}{% end %}', (n) => ({ s: emoji(n), t: mixed(n), k: n / 5 })],
    ['slices with steps', '{{ s[::-1]|length }} {{ s[1::3]|length }} {{ s[5:-5]|length }}', (n) => ({ s: mixed(n) })],
    ['a lone surrogate sought among pairs', '{{ "\\ude00" in s }} {{ s.find("\\ude00") }} {{ s.rfind("\\ude00") }} {{ s.count("\\ude00\\ud83d") }} {{ s.split("\\ude00")|length }} {{ s.replace("\\ude00", "x")|length }}', (n) => ({ s: emoji(n) })],
    ['find windows and counts', '{{ s.find("a", k) }} {{ s.rfind("😀", 0, k) }} {{ s.count("😀", 1, -1) }} {{ s.startswith("Σ", 1, k) }}', (n) => ({ s: mixed(n), k: n / 10 })],
    ['padding and widths', '{{ s.center(k, "😀")|length }} {{ s.zfill(k)|length }} {{ ("%*s" % (k, s))|length }} {{ ("{:😀^" ~ k ~ "}").format(s)|length }}', (n) => ({ s: mixed(n), k: n })],
    ['ordering', '{{ s < t }} {{ l|sort|length }} {{ l|max|length }} {{ d|dictsort|length }}', (n) => {
      const l = Array.from({ length: n / 10 }, (_, i) => (i % 2 ? '😀' : '\uffff') + String(i));
      return { s: emoji(n) + '\uffff', t: emoji(n) + '😀', l, d: Object.fromEntries(l.map((k, i) => [k, i])) };
    }],
    ['case with final sigmas', '{{ s|title|length }} {{ s.capitalize()|length }} {{ s.swapcase()|length }}', (n) => ({ s: ('aΣ' + "'".repeat(8) + '😀 ').repeat(n / 13) })],
    ['capital sigmas after a long uncased run', '{{ s.swapcase()|length }} {{ s.title()|length }}', (n) => ({ s: "'".repeat(n / 2) + "Σ'".repeat(n / 4) })],
  ];
  for (const [label, source, data] of cases)
    it(label, () => {
      const t = makeEnv({}, { autoescape: false }).fromString(source);
      expectLinear((n) => {
        const ctx = data(n);
        return () => t.render(ctx);
      }, label);
    });
});
