// Regular expressions whose text comes from data (docs/security.md "Regular expressions from
// data"): a pattern only V8's backtracking RegExp can run (lookaround, backreferences, huge
// repeats) runs when a template wrote it as a literal (kida check warns, K-SEC-006) or the host
// passed a RegExp; from data it is a TemplateRuntimeError naming template and line. A data
// pattern the linear matcher runs may take at most 32 steps per character of text.
//
// (Trusted pattern texts are registered process-wide when a module loads: each case below uses
// its own pattern text, so that no other case's literal trusts it.)
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { measurePair } from './linear-clock.js';
import { diagnose } from '../../compiler/diagnose.js';
import { Environment } from '../../compiler/environment.js';
import { TemplateRuntimeError } from '../../runtime/errors.js';
import { makeEnv, renderAll } from '../support.js';

/** Every render method of `name` fails with K-SEC-006 at `line`. */
async function refusedEverywhere(env: Environment, name: string, ctx: Record<string, unknown>, line: number): Promise<void> {
  const t = env.getTemplate(name);
  const check = (e: unknown) => {
    expect(e).toBeInstanceOf(TemplateRuntimeError);
    const err = e as TemplateRuntimeError;
    expect([err.code, err.templateName, err.lineno]).toEqual(['K-SEC-006', name, line]);
    expect(err.rawMessage).toMatch(/from data/);
  };
  const runs: Array<() => unknown> = [
    () => t.render(ctx),
    () => [...t.renderStream(ctx)].join(''),
    () => t.renderAsync(ctx),
    async () => {
      let s = '';
      for await (const c of t.renderStreamAsync(ctx)) s += c;
      return s;
    },
  ];
  for (const b of t.listBlocks()) runs.push(() => t.renderBlock(b, ctx), () => t.renderBlockAsync(b, ctx));
  for (const run of runs) {
    let thrown: unknown;
    try {
      await run();
    } catch (e) {
      thrown = e;
    }
    check(thrown);
  }
}

describe('a pattern only the backtracking RegExp runs', () => {
  it('runs when it is a literal in the template, in every render method, and kida check warns K-SEC-006', async () => {
    expect(await renderAll('{{ "ab" is match("a(?=b)") }}|{{ "ac" is match("a(?=b)") }}')).toBe('True|False');
    expect(await renderAll('{{ xs | select("match", "(x)\\\\1") | list }}', { xs: ['xx', 'xy'] })).toBe('[&#39;xx&#39;]');
    // (a literal bound to a name first is still the author's)
    expect(await renderAll('{% set p = "q(?!r)" %}{{ "qs" is match(p) }}{{ "qr" is match(p) }}')).toBe('TrueFalse');
    const { warnings } = diagnose('{% if s is match("(?<=a)b") %}{% end %}\n{{ xs | rejectattr("n", "match", "(?P<w>z)(?P=w)") | list }}', {});
    expect(warnings.map((w) => [w.code, w.lineno])).toEqual([['K-SEC-006', 1], ['K-SEC-006', 2]]);
    // (a linear pattern, or a string not used as a pattern, gives no warning)
    expect(diagnose('{{ s is match("a+b*") }}{{ "(?=x)" }}', {}).warnings).toEqual([]);
  });

  it('from data is a TemplateRuntimeError naming template and line, on every path that takes a pattern', async () => {
    const env = makeEnv({
      'is.html': '\n{{ s is match(p) }}',
      'not.html': '{% if s is not match(user.pattern) %}x{% end %}',
      'select.html': '\n\n{{ xs | select("match", p) | list }}',
      'reject.html': '{{ xs | reject(test, p) | list }}',
      'attr.html': '{% block b %}\n{{ xs | selectattr("n", "match", p) | list }}{% end %}',
      'rattr.html': '{{ xs | rejectattr("n", "match", p) | first }}',
      'kw.html': '{{ s is match(pattern=p) }}',
    });
    const ctx = { s: 'aaaa', xs: ['aa', { n: 'a' }], test: 'match', user: { pattern: 'a(?=a)' } };
    await refusedEverywhere(env, 'is.html', { ...ctx, p: 'a(?!b)' }, 2);
    await refusedEverywhere(env, 'not.html', ctx, 1);
    await refusedEverywhere(env, 'select.html', { ...ctx, p: '(a)\\1' }, 3);
    await refusedEverywhere(env, 'reject.html', { ...ctx, p: '(?<!b)a' }, 1);
    await refusedEverywhere(env, 'attr.html', { ...ctx, xs: [{ n: 'a' }], p: '(?P<k>a)(?P=k)' }, 2);
    await refusedEverywhere(env, 'rattr.html', { ...ctx, xs: [{ n: 'a' }], p: 'a{20000}' }, 1);
    await refusedEverywhere(env, 'kw.html', { ...ctx, p: 'a(?=aa)' }, 1);
    // (a {% try %} catches it like any runtime error)
    expect(await renderAll('{% try %}{{ s is match(p) }}{% fallback %}refused{% end %}', { s: 'a', p: '(?=ab)' })).toBe('refused');
  });

  it('from data stays refused after the same template ran a linear one; a RegExp from host code runs', async () => {
    const t = makeEnv().fromString('{{ s is match(p) }}');
    expect(t.render({ s: 'ab', p: 'a.' })).toBe('True');
    expect(() => t.render({ s: 'ab', p: 'a(?=b)c?' })).toThrow(/needs backtracking/);
    expect(t.render({ s: 'ab', p: /a(?=b)/ })).toBe('True');
    expect(t.render({ s: 'ab', p: /(?<x>a)\k<x>/ })).toBe('False');
  });

  it('Nunjucks r/.../ literals: the pattern cannot be data', () => {
    const nj = new Environment({ compat: 'nunjucks' });
    expect(nj.fromString('{{ s | replace(r/a+/g, "-") }}').render({ s: 'baab' })).toBe('b-b');
    for (const src of ['{{ s | replace(p | __regex("g"), "x") }}', '{{ s | replace("a" | __regex(f), "x") }}'])
      expect(() => nj.fromString(src)).toThrow(/cannot come from data/);
  });

  it('the sandbox still refuses them, literal or not', () => {
    const sb = makeEnv({}, { sandbox: true });
    expect(() => sb.fromString('{{ "ab" is match("b(?=c)") }}').render({})).toThrow(/not allowed in the sandbox/);
    expect(diagnose('{{ "ab" is match("b(?=c)") }}', { sandbox: true }).warnings.map((w) => w.message)).toEqual([expect.stringMatching(/the sandbox refuses it$/)]);
  });
});

describe('a pattern from data that the linear matcher runs', () => {
  it('takes time linear in the text: thousands of states from data are refused, not walked per character', () => {
    const t = makeEnv().fromString('{{ s is match(p) }}');
    const huge = '[ab]*'.repeat(2000) + 'c'; // (6,000 states all live on a×n: 15 s at 100 KB before)
    const refused = (n: number) => () => expect(() => t.render({ s: 'a'.repeat(n), p: huge })).toThrow(/too costly for this text/);
    const { t1, t2 } = measurePair(refused(100_000), refused(200_000));
    expect(t2).toBeLessThan(1000);
    expect(t2).toBeLessThan(Math.max(60, 3 * t1 + 25));
    // ordinary patterns from data on long text are untouched by the bound
    expect(t.render({ s: 'ab'.repeat(200_000) + '!', p: '(?:ab|a)*!' })).toBe('True');
    expect(t.render({ s: 'user@example.org', p: '[\\w.+-]+@[\\w-]+\\.[\\w.]+$' })).toBe('True');
  });

  it('hostile patterns and texts: the answer is the RegExp\'s or K-SEC-006, and always quick', () => {
    const t = makeEnv().fromString('{{ s is match(p) }}');
    const piece = fc.constantFrom('a', 'b', '.', 'a*', '(a|aa)*', '(?:a+)+', '[ab]?', '(?=a)', '(?!b)', '(a)\\1', 'a{2,5}', '\\b', '$', '(?i)A');
    const pattern = fc.array(piece, { minLength: 1, maxLength: 6 }).map((xs) => {
      const s = xs.join('');
      return s.includes('(?i)') ? '(?i)' + s.replaceAll('(?i)', '') : s;
    });
    fc.assert(fc.property(pattern, fc.stringMatching(/^[ab!]{0,12}$/), (p, s) => {
      const t0 = Date.now();
      let out: string;
      try {
        out = t.render({ s, p });
      } catch (e) {
        expect((e as TemplateRuntimeError).code).toBe('K-SEC-006');
        return;
      }
      const re = new RegExp(p.replace('(?i)', ''), p.startsWith('(?i)') ? 'iy' : 'y');
      expect(out).toBe(re.test(s) ? 'True' : 'False');
      expect(Date.now() - t0).toBeLessThan(2000); // (wall time on a shared machine: a backtracking hang takes far longer)
    }), { numRuns: 400, seed: 6 });
  });
});
