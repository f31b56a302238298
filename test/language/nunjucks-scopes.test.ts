// `compat: 'nunjucks'` scopes (runtime/nunjucks/values.ts, Frame; compiler/codegen/njk-scope.ts):
// macro calls, includes, loops, blocks and caller bodies each get a frame that refers to the scope
// under it instead of having it as its prototype. Every case is rendered by Nunjucks 3.2.4 too and
// must give the same text, through render(), renderStream(), renderStreamAsync() and renderAsync(),
// with and without strictUndefined (the Environment's default and compile()'s, which the bundler
// plugins use, generate different reads); templates that are one block also through renderBlock().
import fc from 'fast-check';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import nunjucks from 'nunjucks';
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/index.js';
import { makeEnv, renderAll } from '../support.js';
// @ts-expect-error (a plain .mjs helper shared with the bench script)
import { GOVUK } from '../../bench/nunjucks-govuk.mjs';

const files: Record<string, string> = {
  'inc.njk': '<{{ a }}|{{ b }}|{{ i }}>{% set a = "inc" %}{% set fresh = 1 %}[{{ a }}]',
  'wrap.njk': '{% macro wrap(t) %}({{ caller(t, t + "!") if caller else t }}){% endmacro %}',
  'macros.njk': '{% set base = "B" %}{% macro show(x) %}{{ base }}{{ x }}{% include "inc.njk" %}{% endmacro %}',
  // a loop's `set` resolves up, out of the include, into the includer's frames
  'incloop.njk': '{% for k in [1] %}{% set b = "L" %}{% endfor %}({{ b }})',
  // a macro of an included template: the include's names (as its top level last set them), never the includer's frames
  'incdef.njk': '{% macro n2() %}({{ i }}{{ b }}{{ a }}){% endmacro %}{{ n2() }}{% set b = "x" %}{% for k in [1] %}{% set b = "y" %}{% endfor %}{{ n2() }}',
  'defs.njk': '{% set base = "B" + (a or "") %}{% macro show(x) %}{{ base }}{{ x }}{{ i }}{{ t }}{% endmacro %}',
  // imported with context, its top-level sets reach the importer's frames holding the names
  'defsets.njk': '{% set a = "I" %}{% for k in [1] %}{% set b = "J" %}{% endfor %}{% macro sh() %}{{ a }}{{ b }}{{ c }}{% endmacro %}',
  // an include's macro escaping through a loop's set, called after the includer changed its names
  // (into `f`, which the programs' prefix sets at the top: a macro's source is no value to print)
  'incesc.njk': '{% macro g2() %}({{ a }}{{ b }}){% endmacro %}{% for k in [1] %}{% set f = g2 %}{% endfor %}',
};
// (an extension's context.setVariable, in Nunjucks and here)
const SETV = {
  tags: ['setv'],
  parse(this: object, p: { nextToken(): { value: string }; parseSignature(a: null, b: boolean): unknown; advanceAfterBlockEnd(v: string): void }, nodes: { CallExtension: new (...a: unknown[]) => unknown }) {
    const t = p.nextToken();
    const args = p.parseSignature(null, true);
    p.advanceAfterBlockEnd(t.value);
    return new nodes.CallExtension(this, 'run', args);
  },
  run(context: { setVariable(k: string, v: unknown): void }, k: string, v: unknown) {
    context.setVariable(k, v);
    return '';
  },
};

function nunjucksRender(src: string, ctx: object): string {
  const loader = new (nunjucks.Loader.extend({ getSource: (n: string) => ({ src: files[n]!, path: n, noCache: true }) }))();
  const env = new nunjucks.Environment(loader, { autoescape: true });
  env.addExtension('Setv', SETV as never);
  return env.renderString(src, ctx);
}
async function both(src: string, ctx: Record<string, unknown> = {}, block?: string): Promise<string> {
  const want = nunjucksRender(src, ctx);
  for (const options of [{ compat: 'nunjucks' as const }, { compat: 'nunjucks' as const, strictUndefined: false }]) {
    const env = makeEnv(files, options);
    env.addExtension('Setv', SETV as never);
    const t = env.fromString(src);
    expect(t.render(ctx), src).toBe(want);
    expect([...t.renderStream(ctx)].join(''), src).toBe(want);
    let chunks = '';
    for await (const c of t.renderStreamAsync(ctx)) chunks += c;
    expect(chunks, src).toBe(want);
    expect(await t.renderAsync(ctx), src).toBe(want);
    if (block) {
      expect(t.renderBlock(block, ctx), src).toBe(want);
      expect([...t.renderBlockStream(block, ctx)].join(''), src).toBe(want);
      expect(await t.renderBlockAsync(block, ctx), src).toBe(want);
    }
  }
  return want;
}

describe('frames', () => {
  it('an include sees the includer, keeps its own sets, and inside a loop sees the loop variable', async () => {
    expect(await both('{% set a = 1 %}{% include "inc.njk" %}{{ a }}[{{ fresh }}]', { b: 'data' })).toBe('<1|data|>[inc]1[]');
    expect(await both('{% set a = 1 %}{% for i in [1, 2] %}{% set b = i * 10 %}{% include "inc.njk" %}{% endfor %}{{ a }}{{ b }}')).toBe(
      '<1|10|1>[inc]<1|20|2>[inc]1',
    );
    expect(await both('{% macro m(a) %}{% include "inc.njk" %}{{ a }}{% endmacro %}{{ m("arg") }}{{ a }}', { a: 'top' })).toBe('<arg||>[inc]argtop');
  });
  it('macros: arguments, the scope they were defined in, nesting, recursion', async () => {
    expect(await both('{% set k = "K" %}{% macro m(a, b) %}{{ a }}{{ b }}{{ k }}{% set k = "in" %}{{ k }}{% endmacro %}{{ m(1) }}{{ m(b=2) }}{{ k }}')).toBe('1Kin2KinK');
    expect(await both('{% macro down(n) %}{{ n }}{% if n > 0 %}{{ down(n - 1) }}{% endif %}{% endmacro %}{{ down(3) }}')).toBe('3210');
    expect(await both('{% from "macros.njk" import show %}{% for i in [7] %}{{ show(i) }}{% endfor %}')).toBe('B7<||>[inc]');
    expect(await both('{% import "macros.njk" as ms %}{% set a = 2 %}{{ ms.show(a) }}')).toBe('B2<||>[inc]');
  });
  it('caller bodies: their arguments and the caller\'s names, also in an include', async () => {
    expect(await both('{% from "wrap.njk" import wrap %}{% set s = "S" %}{% call(a, b) wrap("t") %}{{ a }}{{ b }}{{ s }}{% include "inc.njk" %}{% endcall %}{{ s }}', { b: 0 })).toBe(
      '(tt!S<t|t!|>[inc])S',
    );
    expect(await both('{% from "wrap.njk" import wrap %}{% for i in [1, 2] %}{% call wrap(i) %}{{ i }}{% endcall %}{% endfor %}{{ wrap("x") }}')).toBe('(1)(2)(x)');
  });
  it('loops: one frame for all iterations, outer names updated, nested loops', async () => {
    expect(await both('{% set t = 0 %}{% for i in [1, 2] %}{% for j in [10, 20] %}{% set t = t + i * j %}{% endfor %}{% set last = i %}{% endfor %}{{ t }}[{{ last }}]')).toBe('90[]');
    expect(await both('{% macro m() %}{% set n = 0 %}{% for x in xs %}{% set n = n + x %}{% endfor %}{{ n }}{% endmacro %}{{ m() }}{{ m() }}', { xs: [1, 2, 3] })).toBe('66');
  });
  it('names Object.prototype has are never found on a scope (unlike Nunjucks, on purpose)', async () => {
    const src = '{% macro m() %}[{{ toString }}{{ valueOf }}{{ hasOwnProperty }}]{% endmacro %}{{ m() }}{% for i in [1] %}{% include "inc.njk" %}{{ isPrototypeOf }}{% endfor %}';
    expect(await renderAll(src, {}, { compat: 'nunjucks' }, files)).toBe('[]<||1>[inc]');
  });
});

describe("Nunjucks' frame rules", () => {
  it('a macro has no parent frame: a macro defined in a macro or loop sees its template\'s context, not the names around it', async () => {
    expect(await both('{% macro outer(p) %}{% macro inner() %}[{{ p }}]{% endmacro %}{{ inner() }}{% endmacro %}{{ outer(1) }}', { p: 'data' })).toBe('[data]');
    expect(await both('{% for i in [1, 2] %}{% macro n(a) %}{{ a }}{{ i }}{% endmacro %}{{ n(i) }}{% endfor %}')).toBe('12');
    // (at a macro's own level a macro is a name of the context: it outlives the call)
    expect(await both('{% macro m() %}{% if true %}{% macro n(a) %}<{{ a }}>{% endmacro %}{% endif %}{{ n(3) }}{% endmacro %}{{ m() }}{{ n(4) }}')).toBe('<3><4>');
  });
  it('a set in a caller body stays in it (the caller\'s name is unchanged); one in a loop there reaches the caller\'s frames', async () => {
    expect(await both('{% from "wrap.njk" import wrap %}{% set s = 1 %}{% call wrap(2) %}{% set s = 5 %}{{ s }}{% endcall %}{{ s }}')).toBe('(5)1');
    expect(await both('{% from "wrap.njk" import wrap %}{% set s = 1 %}{% call wrap(2) %}{% for i in [1] %}{% set s = 5 %}{% endfor %}{{ s }}{% endcall %}{{ s }}')).toBe('(5)5');
  });
  it('a caller body of a macro of the same template sits on the macro\'s frame where it calls caller() (Nunjucks\' one frame variable per function)', async () => {
    expect(await both('{% macro w(q) %}{% for i in [q] %}({{ caller() }}){% endfor %}{% endmacro %}{% set q = 0 %}{% call w(7) %}{{ q }}{{ i }}{% endcall %}')).toBe('(77)');
    // (a loop variable around the call is the body's own compiled variable; a name set in that loop is not)
    expect(await both('{% macro w() %}{{ caller() }}{% endmacro %}{% for i in [1] %}{% set t = 4 %}{% call w() %}[{{ t }}{{ i }}]{% endcall %}{% endfor %}')).toBe('[1]');
    // (an imported macro's caller body sits on the call's frame)
    expect(await both('{% from "wrap.njk" import wrap %}{% for i in [1] %}{% set t = 4 %}{% call wrap(2) %}[{{ t }}{{ i }}]{% endcall %}{% endfor %}')).toBe('([41])');
  });
  it('a name first set in an inner loop stays in that loop\'s frame', async () => {
    expect(await both('{% for i in [1, 2] %}[{{ z }}]{% for j in [1] %}{% set z = i %}{{ z }}{% endfor %}[{{ z }}]{% endfor %}{{ z }}', { z: 'D' })).toBe('[D]1[D][D]2[D]D');
  });
  it('a set of the loop variable changes it for the rest of that iteration, and for an include', async () => {
    expect(await both('{% for x in [1, 2] %}{{ x }}{% set x = x * 10 %}{{ x }}{% endfor %}')).toBe('110220');
    expect(await both('{% for i in [1, 2] %}{% set i = i + 5 %}{% include "inc.njk" %}{% endfor %}', { a: 'D' })).toBe('<D||6>[inc]<D||7>[inc]');
  });
  it('an include in a macro reading a parameter the call left out looks the name up further (the data)', async () => {
    expect(await both('{% macro m(a, i) %}[{{ a }}]{% include "inc.njk" %}{% endmacro %}{{ m() }}{{ m(1) }}', { a: 'D', i: 'I' })).toBe('[]<D||I>[inc][1]<1||I>[inc]');
    // (undefined in a frame never counts; in the template's context it does)
    expect(await both('{% set a = missing %}[{{ a }}]{% for i in [1] %}{% set b = missing %}[{{ b }}]{% endfor %}', { a: 'A', b: 'B' })).toBe('[][B]');
  });
  it('a loop\'s set changes the top-level name but not the context a macro sees, until the top level sets it again', async () => {
    const src = '{% set c = 0 %}{% macro m() %}<{{ c }}>{% endmacro %}{% for x in [1, 2] %}{% set c = c + 1 %}{% endfor %}{{ c }}{{ m() }}{% set c = 5 %}{{ m() }}';
    expect(await both(src)).toBe('2<0><5>');
    expect(await both('{% set b = 1 %}{% macro m() %}{% include "inc.njk" %}{% endmacro %}{% include "incloop.njk" %}{{ b }}{{ m() }}', { a: 'D' })).toBe('(L)L<D|1|>[inc]');
  });
  it('a macro defined in an included template sees the include\'s context, not the includer\'s frames', async () => {
    expect(await both('{% for i in [1] %}{% set b = 2 %}{% include "incdef.njk" %}{% endfor %}', { a: 'D', b: 'B' })).toBe('(BD)(xD)');
    expect(await both('{% macro m(i, b) %}{% include "incdef.njk" %}{% endmacro %}{% set b = 3 %}{{ m(4, 5) }}', { a: 'D' })).toBe('(3D)(xD)');
  });
  it('imports: a macro imported with context sees its template\'s names and the importer\'s context; a name imported in a loop is the loop\'s', async () => {
    expect(await both('{% set t = 3 %}{% import "defs.njk" as d with context %}{{ d.show(1) }}|{{ d.base }}', { a: 'D' })).toBe('BD13|BD');
    expect(await both('{% for i in [1] %}{% set t = 2 %}{% import "defs.njk" as d with context %}{{ d.show(1) }}{% endfor %}', { a: 'D' })).toBe('BD1');
    expect(await both('{% macro m(a) %}{% import "defs.njk" as d with context %}{{ d.show(1) }}{% endmacro %}{{ m(5) }}')).toBe('B51');
    // (its top level reads the importer's current frame: the loop's `a`)
    expect(await both('{% for a in [7] %}{% import "defs.njk" as d with context %}{{ d.show(1) }}|{{ d.base }}{% endfor %}', { a: 'D' })).toBe('B71|B7');
    expect(await both('{% for i in [1] %}{% from "defs.njk" import show %}{{ show(2) }}{% endfor %}{{ show is defined }}')).toBe('B2false');
  });
  it('a block renders in a frame of its own where it stands: it sees the loop, its sets stay in it', async () => {
    expect(await both('{% set a = 1 %}{% for i in [1, 2] %}{% block b %}{% set a = i %}{{ a }}{{ i }}{% endblock %}{% endfor %}[{{ a }}]')).toBe('1122[1]');
  });
});

// Programs of sets, set blocks, outputs, ifs, loops (over a plain name or one the body sets),
// macros (at the top, in loops, macros and blocks, called with an argument left out), includes
// (one with a loop setting an includer's name), call blocks and blocks over three names, against
// Nunjucks, with call blocks of an imported macro and of one of the same template (whose caller
// body Nunjucks runs on the macro's frame).
const name = fc.constantFrom('a', 'b', 'c');
const value = fc.oneof(fc.integer({ min: 0, max: 9 }).map(String), name.map((n) => `${n} + 1`), fc.constant('"s"'));
const out = fc.oneof(
  name.map((n) => `[{{ ${n} }}]`),
  fc.constant('{{ i }}'),
  fc.constantFrom('{% include "inc.njk" %}', '{% include "incloop.njk" %}', '{% include "incdef.njk" %}', '{% import "defs.njk" as d with context %}{{ d.show(1) }}'),
  fc.constantFrom('{% import "defsets.njk" as e with context %}{{ e.sh() }}{{ e.a }}', '{% from "defsets.njk" import sh with context %}{{ sh() }}', '{% include "incesc.njk" %}'),
  // (a macro the include let escape, called later)
  fc.constant('{% if f is callable %}{{ f() }}{% endif %}'),
);
const leaf = fc.oneof(fc.tuple(name, value).map(([n, v]) => `{% set ${n} = ${v} %}`), out, fc.tuple(name, value).map(([n, v]) => `{% setv "${n}", ${v} %}`));
const seq = (x: fc.Arbitrary<string>) => fc.array(x, { maxLength: 3 }).map((xs) => xs.join(''));
const ifOf = (x: fc.Arbitrary<string>) => fc.tuple(name, seq(x)).map(([n, b]) => `{% if ${n} %}${b}{% else %}-{% endif %}`);
const block: fc.Memo<string> = fc.memo((d) =>
  d <= 1
    ? leaf
    : fc.oneof(
        leaf,
        ifOf(block(d - 1)),
        fc.tuple(fc.constantFrom('i', 'a'), seq(block(d - 1))).map(([v, b]) => `{% for ${v} in [1, 2] %}${b}{% endfor %}`),
        fc.tuple(name, seq(block(d - 1)), fc.constantFrom('', '2')).map(([p, b, arg]) => `{% macro n(${p}) %}${b}{% endmacro %}{{ n(${arg}) }}`),
        seq(block(d - 1)).map((b) => `{% call(i) wrap(1) %}${b}{% endcall %}`),
        seq(block(d - 1)).map((b) => `{% call local(2) %}${b}{% endcall %}`),
        // (a caller body passed on: to a macro of this template, as caller=, or to an imported one)
        fc.tuple(seq(block(d - 1)), fc.constantFrom('pass', 'passkw', 'passout')).map(([b, m]) => `{% call(i) ${m}(3) %}${b}{% endcall %}`),
        fc.tuple(fc.constantFrom('for', 'asyncEach'), seq(block(d - 1))).map(([t, b]) => `{% ${t} i in [1, 2] %}${b}{% end${t === 'for' ? 'for' : 'each'} %}`),
        fc.tuple(name, seq(block(d - 1))).map(([n, b]) => `{% set ${n} %}${b}{% endset %}`),
      ),
);
const top = fc.oneof(
  block(3),
  fc.tuple(name, seq(block(3)), fc.constantFrom('', '1', '3')).map(([p, b, arg]) => `{% macro m(${p}) %}${b}{% endmacro %}{{ m(${arg}) }}`),
  seq(block(2)).map((b) => `{% block bk %}${b}{% endblock %}`),
);
const IMPORT =
  '{% set f = 0 %}{% from "wrap.njk" import wrap %}{% macro local(a) %}{% for i in [a] %}({{ caller() }}){% endfor %}{% endmacro %}' +
  '{% macro take(cb) %}{% set b = "T" %}<{{ cb(5) }}>{% endmacro %}{% macro pass(a) %}{% for i in [a] %}{{ take(caller) }}{% endfor %}{% endmacro %}' +
  '{% macro passkw(a) %}{% set c = a %}{{ local(a, caller=caller) }}{% endmacro %}{% macro passout(a) %}{% set b = a %}{{ wrap(a, caller=caller) }}{% endmacro %}';

describe('frames in the generated code', () => {
  it('no govuk-frontend template builds a scope with Object.create (a new hidden class per render)', () => {
    const files = (readdirSync(join(GOVUK, 'govuk'), { recursive: true }) as string[]).filter((f) => f.endsWith('.njk'));
    expect(files.length).toBeGreaterThan(80);
    for (const f of files) {
      const name = relative(GOVUK, join(GOVUK, 'govuk', f));
      const { code } = compile(readFileSync(join(GOVUK, name), 'utf8'), { name, compat: 'nunjucks' });
      expect(code, name).not.toContain('Object.create(');
      expect(code, name).toContain('kida/runtime/nunjucks');
    }
  });
  it('a set at a function\'s own scope is a plain write; in a loop or caller body it goes through njkSet', () => {
    const { code } = compile('{% set a = 1 %}{% for i in xs %}{% set a = i %}{% endfor %}{% macro m() %}{% set b = 2 %}{% endmacro %}', { name: 'x.njk', compat: 'nunjucks' });
    expect(code).toContain('ctx["a"] = 1;');
    expect(code).toContain('ctx["b"] = 2;');
    expect(code).toMatch(/\$njkSet\(f\d+, ctx, "a", /);
  });
});

describe('frames, property', () => {
  it('any program of set/if/for/macro/include/call/block renders as in Nunjucks', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(top, { minLength: 1, maxLength: 4 }), fc.record({ a: fc.integer({ min: 0, max: 3 }) }), async (parts, ctx) => {
        let k = 0; // (block names are unique in Nunjucks)
        await both(IMPORT + parts.join('').replace(/block bk/g, () => `block b${k++}`), ctx);
      }),
      // (NJK_SCOPE_RUNS=3000 for a longer run by hand)
      { numRuns: Number(process.env.NJK_SCOPE_RUNS ?? 300) },
    );
  }, 1_800_000);
  it('a template that is one block renders the same through renderBlock', async () => {
    await fc.assert(
      fc.asyncProperty(seq(block(3)), fc.record({ a: fc.integer({ min: 0, max: 3 }), b: fc.constant('B') }), async (body, ctx) => {
        await both(`{% block only %}${IMPORT}${body}{% endblock %}`, ctx, 'only');
      }),
      { numRuns: 100 },
    );
  }, 60_000);
});
