// Light defs (compiler/codegen/defs.ts, runtime/template.ts makeDef; docs/decisions.md
// "Per-render cost, fifth pass"): a def whose body binds no name gets its parameters as a list
// and reads everything else from the def's own ctx, with no scope object per call. It must
// bind arguments and read names exactly as a def with a scope of its own does: the same body
// with a `set` of an unused name (which keeps the scope) is the oracle.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/index.js';
import { makeEnv, renderAll } from '../support.js';

/** Light bodies: parameters, outer names (data, a top-level set, a global), loops, recursion, nested calls. */
const BODIES = [
  '{{ a }}-{{ b }}-{{ c }}',
  '{{ a ~ outer ~ top }}{% for x in [a, b] %}[{{ x }}{{ loop.index }}{{ c }}]{% end %}',
  '{% if a is defined and b %}{{ a | string | upper }}{% else %}{{ c ?? "none" }}{% end %}{{ [a, b, c] | length }}',
  '{{ range(2) | list }}{{ a }}{% if a is number and a > 0 %}<{{ f(a - 1, b) }}>{% end %}',
  '{{ [x * 2 for x in [a, b] if x is number] }}{{ g(c) }}',
];
const arg = fc.oneof(fc.integer({ min: -1, max: 3 }), fc.constantFrom('s<', null, 'x'));
/** A call: positional arguments, then keyword arguments by name (maybe repeating one given by position, or unknown). */
const call = fc.tuple(fc.array(arg, { maxLength: 4 }), fc.dictionary(fc.constantFrom('a', 'b', 'c', 'z'), arg, { maxKeys: 3 }));
const src = (c: [unknown[], Record<string, unknown>]) =>
  [...c[0].map((v) => JSON.stringify(v)), ...Object.entries(c[1]).map(([k, v]) => `${k}=${JSON.stringify(v)}`)].join(', ');

function outcome(render: () => string): string {
  try {
    return render();
  } catch (e) {
    return `error: ${(e as Error).message}`;
  }
}

describe('light defs bind and read as defs with a scope do', () => {
  it('property: any call shape against any light body, with and without a scope of its own', () => {
    fc.assert(
      fc.property(fc.constantFrom(...BODIES), fc.array(call, { minLength: 1, maxLength: 3 }), fc.boolean(), (body, calls, required) => {
        const params = required ? 'a, b=2, c=none' : 'a=1, b="b", c=none';
        const page = (extra: string) =>
          `{% set top = "T" %}{% def g(v) %}({{ v }}){% end %}{% def f(${params}) %}${extra}${body}{% end %}` + calls.map((c) => `{{ f(${src(c)}) }}|`).join('');
        const env = makeEnv();
        const light = env.fromString(page(''));
        const scoped = env.fromString(page('{% set unused_ = 1 %}'));
        // (f's parameter `a`: a list item when light, a key of its scope otherwise)
        expect(compile(page(''), { name: 'p' }).code).not.toContain('ctx.a');
        expect(compile(page('{% set unused_ = 1 %}'), { name: 'p' }).code).toContain('ctx.a');
        const data = { outer: 'O', a: 'data-a' };
        const want = outcome(() => scoped.render(data));
        expect(outcome(() => light.render(data))).toBe(want);
        expect(outcome(() => [...light.renderStream(data)].join(''))).toBe(want);
      }),
      { numRuns: 300 },
    );
  });

  it('parameters shadow data and globals; outer names are read from the def\'s ctx, in every render method', async () => {
    const src = '{% set t = "top" %}{% def f(a, range=2) %}{{ a }}{{ range }}{{ t }}{{ d }}{% end %}{{ f(1) }}|{{ f(none, range=3) }}|{{ a }}';
    expect(await renderAll(src, { a: 'D', range: 'R', d: 'data' })).toBe('12topdata|None3topdata|D');
  });

  it('caller, has_slot, *args and **kwargs keep the scope: they still work', async () => {
    const src = '{% def f(a, *rest, **kw) %}{{ a }}{{ rest }}{{ kw }}{% end %}{% def s() %}{{ has_slot() }}:{{ caller() }}{% end %}{{ f(1, 2, k=3) }}|{% call s() %}body{% end %}';
    expect(await renderAll(src)).toBe("1(2,){&#39;k&#39;: 3}|True:body");
  });
});
