// The sixth code-size pass (docs/decisions.md "Code size, sixth pass"): a module for the default
// registry defines itself with positional arguments, a prelude of plain defs is the defs' own
// functions (the root calls them where each def stands), a light def's parameter read more
// than once is a local, and an output run that starts with a long text needs no parentheses.
// Each is checked on compiled modules imported as a bundler would, through every entry point,
// against the Environment's rendering of the same source.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { compile } from '../../compiler/index.js';
import type { Template } from '../../runtime/template.js';
import { makeEnv, renderAll } from '../support.js';

const dir = join(import.meta.dirname, '.out-code-size-sixth');
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
/** The source compiled to a module for the default registry, imported. */
async function load(source: string, options: Parameters<typeof compile>[1] = {}): Promise<{ t: Template; code: string }> {
  const name = `m${n++}.html`;
  const { code } = compile(source, { name, ...options });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, name + '.mjs'), code);
  return { t: (await import(pathToFileURL(join(dir, name + '.mjs')).href)).default, code };
}
/** render, renderStream, renderAsync and renderStreamAsync of a module agree; their text. */
async function every(t: Template, ctx: Record<string, unknown>): Promise<string> {
  const whole = t.render(ctx);
  expect([...t.renderStream(ctx)].join('')).toBe(whole);
  expect(await t.renderAsync(ctx)).toBe(whole);
  let s = '';
  for await (const c of t.renderStreamAsync(ctx)) s += c;
  expect(s).toBe(whole);
  return whole;
}

const DEFS =
  '<h1>{{ title }}</h1>{% def card(p) %}<b>{{ p.name }}</b>{% for p in p.tags %}[{{ p }}]{% end %}<i>{{ p.name | upper }}</i>{% end %}' +
  '{% def pair(a, b) %}{{ a }}+{{ b }}{% end %}' +
  '{% block main %}{% for x in items %}{{ card(x) }}{% end %}{{ pair(1, 2) }}{% end %}';
const DATA = { title: 'T<', items: [{ name: 'a&', tags: ['x', 'y'] }, { name: 'b', tags: [] }] };

describe('code size, sixth pass', () => {
  it('a registered module is defined positionally and renders every way', async () => {
    const { t, code } = await load(DEFS);
    // (the root renders its block by suspending, without a generator: its render functions are written in place)
    expect(code).toMatch(/\$defineRegistered\(\$NAME, \$bodyFns\(\$root_s, 4\), "[^"]*", \{ prelude: \$prelude, blocks: \$blocks, meta: /);
    const want = '<h1>T&lt;</h1><b>a&amp;</b>[x][y]<i>A&amp;</i><b>b</b><i>B</i>1+2';
    expect(await every(t, DATA)).toBe(want);
    expect(await renderAll(DEFS, DATA)).toBe(want);
    // the prelude (both defs, one function each) is what renderBlock runs before the block
    expect(code).toMatch(/function \$prelude\(ctx\) \{ \$P0\(ctx\); \$P1\(ctx\); \}/);
    expect(t.renderBlock('main', DATA)).toBe('<b>a&amp;</b>[x][y]<i>A&amp;</i><b>b</b><i>B</i>1+2');
    expect(t.requiredContext()).toEqual(makeEnv().fromString(DEFS).requiredContext());
    expect(Object.keys(t.defMetadata())).toEqual(['card', 'pair']);
  });

  it('a def still exists only from where it stands in the root', async () => {
    const src = '{% if f is defined %}early{% else %}late{% end %}{% def f() %}x{% end %}{{ f() }}';
    const { t, code } = await load(src);
    expect(code).toContain('function $prelude(ctx) { ctx["f"] = $makeDef(');
    expect(await every(t, {})).toBe('latex');
    expect(await renderAll(src)).toBe('latex');
  });

  it('a def with a default keeps its own lines in the root and a prelude with a try', async () => {
    const src = '{% def g(a, b = n * 2) %}{{ a }}{{ b }}{% end %}{% block k %}{{ g(1) }}{% end %}';
    const { t, code } = await load(src);
    expect(code).toContain('function $prelude(ctx, R) {');
    expect(await every(t, { n: 4 })).toBe('18');
    expect(t.renderBlock('k', { n: 1 })).toBe('12');
    // its error still names the def's line, in the root and in the prelude
    const { t: bad } = await load('{% block k %}{% end %}\n{% def g(a, b = 1 // 0) %}{{ a }}{% end %}\n\n{{ g(1) }}');
    const lineOf = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return (e as { lineno?: number }).lineno;
      }
    };
    expect([lineOf(() => bad.render({})), lineOf(() => bad.renderBlock('k', {}))]).toEqual([2, 2]);
  });

  it('a sandboxed module keeps its spec object (a getter a spread would run)', () => {
    const { code } = compile('<p>{{ a }}</p>{% for x in xs %}{{ x }}{% end %}', { name: 's.html', sandbox: true });
    expect(code).toMatch(/\$defineTemplate\(\$limitOutputs\(\{ name: \$NAME, /);
    expect(code).toContain('get globals()');
  });

  it('an async template is defined positionally with its async fields', async () => {
    const src = '{% set v = await p %}<p>{{ v }}</p>{% for x in xs %}{{ x }}{% end %}';
    const { t, code } = await load(src);
    expect(code).toMatch(/\$defineRegistered\(\$NAME, [^]*\{ isAsync: true, asyncReason: /);
    expect(await t.renderAsync({ p: Promise.resolve('<v>'), xs: [1, 2] })).toBe('<p>&lt;v&gt;</p>12');
  });

  it('output runs that start with a long text join as strings whatever follows (property)', async () => {
    // texts of 24 characters and more are tokens while the part is generated; numbers added in
    // an output must still be added before they are joined
    const text = fc.stringMatching(/^[a-z ()"'\\+<>&]{24,40}$/).filter((s) => !/[{}%#]/.test(s));
    const piece = fc.oneof(
      text.map((s) => ({ src: s, out: (_: Record<string, number>) => s })),
      fc.constantFrom('a + b', 'a - b', 'a * b').map((e) => ({ src: `{{ ${e} }}`, out: (d: Record<string, number>) => String(e === 'a + b' ? d.a! + d.b! : e === 'a - b' ? d.a! - d.b! : d.a! * d.b!) })),
      fc.constant({ src: '{% for x in xs %}({{ x + a }}){% end %}', out: (d: Record<string, number>) => `(${1 + d.a!})(${2 + d.a!})` }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(piece, { minLength: 1, maxLength: 5 }), fc.integer({ min: -9, max: 9 }), fc.integer({ min: -9, max: 9 }), async (ps, a, b) => {
        const src = ps.map((p) => p.src).join('');
        const data = { a, b, xs: [1, 2] };
        const want = ps.map((p) => p.out(data)).join('');
        const { t } = await load(src, { autoescape: false });
        expect(await every(t, data)).toBe(want);
      }),
      { numRuns: 40 },
    );
  });
});
