// Issue #19, twelfth safety pass: a held-out red team of the sandbox (hostile templates), in Kida
// and compat: 'nunjucks'. What it found is tested here by class, each through every entry point
// (sandbox-support.ts, nunjucks-support.ts); where a failure ends the process, in a strict child.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { refused as njkRefused, renders as njkRenders, njkEnv } from './nunjucks-support.js';
import { distUrl, runStrict } from './strict-child.js';
import { MAX_GROUP_DEPTH, MAX_PATTERN, groupDepth } from '../../runtime/regex.js';
import { makeEnv } from '../support.js';

/** The error a thunk throws (undefined if none). */
const thrown = (f: () => unknown): Error | undefined => {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  return undefined;
};

/** A host function whose source a template must not read (its text is the secret here). */
function hostFn(x: unknown): string {
  return `called:${String(x)}`;
}
const SOURCE = String(hostFn);

describe('Nunjucks mode: a function converted by an operator, a filter, a test or a key is refused, never compared or written as its source', () => {
  const ctx = () => ({ fn: hostFn, fns: [hostFn], rows: [{ a: hostFn }, { a: 'g' }], d: {} });

  it('operators that convert their operands: + - * % ** < <= > >= and == against a string', async () => {
    for (const op of ['fn + 1', '1 + fn', 'fn + fn', 'fn * 1', 'fn % 2', 'fn ** 1', 'fn < "g"', '"f" <= fn', 'fn > fn', 'fn >= "a"', `fn == ${JSON.stringify(SOURCE)}`, 'fn != "x"'])
      await njkRefused(`{{ ${op} }}`, 'K-SEC-001', ctx);
    // (an oracle: the answer of `<` against a guessed prefix, character by character, is the source)
    await njkRefused('{% if fn < "function h" %}y{% endif %}', 'K-SEC-001', ctx);
  });

  it('filters and tests that convert items: sum, groupby, dictsort by value, the ordering tests', async () => {
    for (const src of [
      '{{ fns | sum }}',
      '{{ rows | sum("a") }}',
      '{% for k, v in rows | groupby("a") %}{{ k }}{% endfor %}',
      '{{ {x: fn, y: "g"} | dictsort(false, "value") | first }}',
      '{{ fn is lessthan("g") }}',
      '{{ fn is gt("g") }}',
      '{{ fn is ge("g") }}',
      '{{ fn is le("g") }}',
    ])
      await njkRefused(src, 'K-SEC-001', ctx);
  });

  it('a function as a key, a RegExp subject, a join separator or an item sorted as text', async () => {
    for (const src of ['{{ d[fn] }}', '{{ r/^function h/.test(fn) }}', '{{ r/^f/.exec(fn) }}', '{{ [1, 2].join(fn) }}', '{{ [fn, "g"].toSorted()[0] == "g" }}'])
      await njkRefused(src, 'K-SEC-001', ctx);
  });

  it("a built-in's options or locales that V8 converts (its RangeError would quote the source): numbers and dates", async () => {
    const c = () => ({ ...ctx(), n: 5, day: new Date(0) });
    for (const src of ['{{ n.toLocaleString("en", {style: "currency", currency: fn}) }}', '{{ day.toLocaleString([fn]) }}', '{{ n.toFixed(fn) }}'])
      await njkRefused(src, 'K-SEC-001', c);
    await njkRenders('{{ n.toLocaleString("en", {style: "currency", currency: "EUR"}) }} {{ n.toFixed(1) }}', '€5.00 5.0', c);
  });

  it('what does not convert a function still works: identity, none, truthiness, its name, calling it', async () => {
    await njkRenders('{{ fn == fn }} {{ fn == none }} {{ "y" if fn }} {{ fn.name }} {{ fn("a") }} {{ [1, 2].join("-") }}', 'true false y hostFn called:a 1-2', ctx);
    await njkRenders('{{ [3, 1, 2] | sort | join }} {{ 2 < 3 }} {{ "a" + 1 }} {{ {x: 2, y: 1} | dictsort(false, "value") | first }}', '123 true a1 y,1', ctx);
  });

  it('outside the sandbox Nunjucks semantics are unchanged (a function converts to its source)', () => {
    const env = njkEnv();
    expect(env.fromString('{{ (fn + "") == src }} {{ fn < "g" }}').render({ fn: hostFn, src: SOURCE })).toBe('true true');
  });

  it('property: no comparison against a guessed prefix answers anything but a refusal', async () => {
    const env = njkEnv({ sandbox: true });
    await fc.assert(
      fc.property(fc.string({ maxLength: 12 }), fc.constantFrom('<', '<=', '>', '>=', '==', '!='), (guess, op) => {
        const t = env.fromString(`{{ fn ${op} g }}{{ g ${op} fn }}`);
        expect(() => t.render({ fn: hostFn, g: guess })).toThrow(/function's source/);
      }),
      { numRuns: 200 },
    );
  });
});

describe('regular expressions V8 cannot compile safely are refused before they run (both modes)', () => {
  // (`(a` nested 6,000 deep: V8's regexp compiler ends the process with "RegExpCompiler Allocation
  // failed - process out of memory", which no try/catch sees)
  const deep = (n: number, open = '(') => open.repeat(n) + 'a' + ')'.repeat(n);

  it('groupDepth counts nesting, not escaped or bracketed parentheses', () => {
    expect(groupDepth('a(b(c)d)(e)')).toBe(2);
    expect(groupDepth('\\(\\(\\(')).toBe(0);
    expect(groupDepth('[((((]x')).toBe(0);
    expect(groupDepth(deep(300, '(?:'))).toBe(300);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 600 }), fc.constantFrom('(', '(?:', '(?=', '(?<n>'), (n, open) => {
        expect(groupDepth(deep(n, open).replace(/\(\?<n>/g, (m, i) => `(?<n${i}>`))).toBe(n);
      }),
      { numRuns: 50 },
    );
  });

  it('in a child process: deep patterns from data and from r/…/ literals end in K-SEC-003, default and sandboxed', () => {
    const out = runStrict(
      `import { Environment, DictLoader } from ${distUrl('dist/compiler/environment.js')};
const deep = ${JSON.stringify(deep(6000))};
const srcs = ['{{ s.match(p) }}', '{{ s.search(p) }}', '{{ s.matchAll(p) | list }}', '{{ r/${deep(6000, '(?:')}/.test(s) }}', '{{ s.split(r/${deep(6000, '(?:')}/) }}', '{{ s | replace(r/${deep(6000)}/, "x") }}'];
const codes = [];
for (const sandbox of [false, true]) {
  const env = new Environment({ loader: new DictLoader({}), compat: 'nunjucks', ...(sandbox ? { sandbox: true } : {}) });
  for (const src of srcs) {
    try { env.fromString(src).render({ s: 'aaaa', p: deep }); codes.push('rendered'); } catch (e) { codes.push(e.code); }
  }
}
console.log(codes.join(' '));`,
      60_000,
    );
    expect(out.trim().split(' ')).toEqual(Array(12).fill('K-SEC-003'));
  });

  it('in a child process: a Kida template\'s own deep `match` literal, which only V8 could run, is refused, not compiled', () => {
    const lit = deep(3000, '(?=a');
    const out = runStrict(
      `import { Environment, DictLoader } from ${distUrl('dist/compiler/environment.js')};
const env = new Environment({ loader: new DictLoader({}) });
try { console.log(env.fromString('{{ "a" is match("${lit}") }}').render({})); } catch (e) { console.log(e.code); }`,
      60_000,
    );
    expect(out.trim()).toBe('K-SEC-003');
  });

  it('a pattern longer than MAX_PATTERN (V8 compiles `ab|ab|…` in superlinear time) is refused at once', async () => {
    const p = 'ab|'.repeat(Math.ceil(MAX_PATTERN / 3) + 10) + 'c';
    const ctx = () => ({ s: 'x'.repeat(100), p });
    for (const src of ['{{ s.match(p) }}', '{{ s.search(p) }}']) await njkRefused(src, 'K-SEC-003', ctx);
    const t0 = performance.now();
    expect(() => njkEnv().fromString('{{ s.match(p) }}').render(ctx())).toThrow(/longer than/);
    expect(performance.now() - t0).toBeLessThan(500);
  });

  it('ordinary patterns, nested up to MAX_GROUP_DEPTH, still run', async () => {
    await njkRenders('{{ "a-b".split(r/(-)/) | join("|") }} {{ "abc".search("c") }} {{ r/^(a(b))c$/.test("abc") }}', 'a|-|b 2 true');
    const ok = deep(MAX_GROUP_DEPTH, '(?:');
    expect(njkEnv({ sandbox: true }).fromString('{{ s.search(p) }}').render({ s: 'xa', p: ok })).toBe('1');
  });
});

describe('a template name computed from data is written without the keys the policy hides', () => {
  const ctx = () => ({ user: { name: 'u', _secret: 'SECRET' }, page: 'ok' });

  it('include, extends, import, from-import and embed of a dict: the TemplateNotFoundError names only what the template may read (both modes)', () => {
    const kida = ['{% include user %}', '{% extends user %}', '{% import user as u %}', '{% from user import x %}', '{% include [user] %}', '{% embed user %}{% end %}'];
    const njk = ['{% include user %}', '{% extends user %}', '{% import user as u %}'];
    for (const [env, srcs] of [
      [makeEnv({ ok: 'OK' }, { sandbox: true }), kida],
      [njkEnv({ sandbox: true }, { ok: 'OK' }), njk],
    ] as const)
      for (const src of srcs) {
        const e = thrown(() => env.fromString(src).render(ctx()));
        expect(e?.name, src).toBe('TemplateNotFoundError');
        expect(e?.message, src).toContain("'name': 'u'");
        expect(e?.message, src).not.toContain('SECRET');
      }
  });

  it('names that are strings load as before, sandboxed or not; a trusted environment still names the whole value', () => {
    expect(makeEnv({ ok: 'OK' }, { sandbox: true }).fromString('{% include page %}').render(ctx())).toBe('OK');
    expect(njkEnv({ sandbox: true }, { ok: 'OK' }).fromString('{% include page %}').render(ctx())).toBe('OK');
    expect(thrown(() => makeEnv({ ok: 'OK' }).fromString('{% include user %}').render(ctx()))?.message).toContain('SECRET');
  });
});

describe('default Nunjucks mode: a string pattern the linear matchers cannot take is refused, not backtracked (§2)', () => {
  // (`(?:a|(?:a|…b))` 250 deep has 250 ways to match each `a`; 30 in a row past the matchers'
  // 10,000 states went to V8, which never ended on 29 `a` and a `!`)
  const p = ('(?:a|'.repeat(250) + 'b' + ')'.repeat(250)).repeat(30);

  it('s.match(p) and s.search(p) with p from data end at once in K-SEC-006; the sandbox keeps its K-SEC-003', async () => {
    const env = njkEnv();
    for (const src of ['{{ t.match(p) }}', '{{ t.search(p) }}', '{{ t.matchAll(p) | length }}']) {
      const t0 = performance.now();
      const e = thrown(() => env.fromString(src).render({ t: 'a'.repeat(29) + '!', p }));
      expect((e as { code?: string } | undefined)?.code, src).toBe('K-SEC-006');
      expect(performance.now() - t0).toBeLessThan(2000);
    }
    await njkRefused('{{ t.match(p) }}', 'K-SEC-003', () => ({ t: 'a'.repeat(29) + '!', p }));
  });

  it('patterns the matchers take still run from strings, and r/…/ literals are the author\'s', () => {
    const env = njkEnv();
    expect(env.fromString('{{ t.match("(a+)+b") }} {{ t.search("b") }} {{ t.match(r/(a|a)*b/) }}').render({ t: 'aab' })).toBe('aab,aa 2 aab,a');
  });
});
