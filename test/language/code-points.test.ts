// Strings by code point, as Kida for Python (docs/decisions.md "Strings by code point
// (fidelity)"): indexes, slices, searches, widths and ordering count code points, never UTF-16
// units, so an astral character is never cut in half. CPython is the oracle: fast-check draws
// strings mixing ASCII, BMP, astral characters, combining marks and lone surrogates; each case
// is rendered here and evaluated by one python3 process for the whole batch.
import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { makeEnv, renderAll } from '../support.js';

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
    ctx: fc.record({ s: str(), f: fc.tuple(opt(fc.tuple(fc.constantFrom('*', '😀', 'é', '\uffff'), fc.constantFrom('<', '>', '^'))), opt(fc.nat(9)), opt(fc.nat(5))).map(([fa, w, p]) => `<{:${fa ? fa.join('') : ''}${w ?? ''}${p === null ? '' : '.' + p}}>`) }),
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
  length: { kida: '{{ s|length }} {{ s|count }} {{ s|wordcount }}', py: 'f"{len(s)} {len(s)} {len(s.split())}"', ctx: fc.record({ s: str() }) },
  iterate: { kida: `{{ s|list|join("${J}") }}/{{ s|first }}/{{ s|last }}/{% for ch in s %}{{ loop.index }}{{ ch }}{% end %}`, py: `"${J}".join(s) + "/" + (s[:1] or "None") + "/" + (s[-1:] or "None") + "/" + "".join(f"{i + 1}{ch}" for i, ch in enumerate(s))`, ctx: fc.record({ s: str() }) },
  batch: { kida: `{% for row in s|batch(2) %}{{ row|join }}${J}{% end %}`, py: `"".join(s[i:i + 2] + "${J}" for i in range(0, len(s), 2))`, ctx: fc.record({ s: str() }) },
  center_f: { kida: '{{ s|center(a) }}', py: 's.center(a)', ctx: fc.record({ s: str(), a: fc.integer({ min: 0, max: 12 }) }) },
  truncate: {
    // (spec §4.1: room = length - len(end); killwords cuts at room code points)
    kida: '{{ s|truncate(a, true, x) }}', py: 's if len(s) <= a else (x[:a] if a - len(x) <= 0 else s[:a - len(x)] + x)',
    ctx: fc.record({ s: str(), a: fc.integer({ min: 1, max: 9 }), x: fc.constantFrom('...', '😀', '') }),
  },
  compare: { kida: '{{ s < x }} {{ s <= x }} {{ s > x }} {{ s == x }}', py: 'f"{s < x} {s <= x} {s > x} {s == x}"', ctx: subject },
  sort: {
    kida: `{{ l|sort(case_sensitive=true)|join("${J}") }} {{ l|max }} {{ l|min }}`, py: `"${J}".join(sorted(l)) + f" {max(l)} {min(l)}"`,
    ctx: fc.record({ l: fc.array(str(3).filter((t) => t !== ''), { minLength: 1, maxLength: 6 }) }),
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
