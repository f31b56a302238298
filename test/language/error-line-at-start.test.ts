// A runtime error on the first line of a block, def, loop, call or filter body names that line,
// also when the body goes on over later lines (the function's head held the body's LAST line,
// and its first statement, standing on the body's first line, set no line of its own).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { makeEnv } from '../support.js';

/** The line each way of rendering reports for the template's error. */
async function linesOf(source: string, ctx: Record<string, unknown>): Promise<unknown[]> {
  const t = makeEnv({}).fromString(source);
  const ways: (() => unknown)[] = [
    () => t.render(ctx),
    () => [...t.renderStream(ctx)],
    () => t.renderAsync(ctx),
    async () => {
      for await (const c of t.renderStreamAsync(ctx)) void c;
    },
  ];
  const out: unknown[] = [];
  for (const way of ways) {
    try {
      await way();
      out.push('no error');
    } catch (e) {
      out.push((e as { lineno?: number }).lineno);
    }
  }
  return out;
}

// (open, close): each body starts on the opening tag's line
const CONSTRUCTS: [string, string, string][] = [
  ['{% block b %}', '{% end %}', ''],
  ['{% def f() %}', '{% end %}', '{{ f() }}'],
  ['{% for i in [1] %}', '{% end %}', ''],
  ['{% def f() %}{{ caller() }}{% end %}{% call f() %}', '{% end %}', ''],
  ['{% filter upper %}', '{% end %}', ''],
  ['{% capture x %}', '{% end %}', '{{ x }}'],
  ['{% if a %}', '{% end %}', ''],
  ['{% with w = 1 %}', '{% end %}', ''],
];

describe('runtime errors name the line of the first statement of a body', () => {
  it('a block whose body goes on after the failing first line', async () => {
    expect(await linesOf('{% block b %}{{ missing }}\n{{ a }}{% end %}', { a: 1 })).toEqual([1, 1, 1, 1]);
    expect(await linesOf('top\n{% block b %}{{ missing }}\n{{ a }}\n{{ a }}{% end %}', { a: 1 })).toEqual([2, 2, 2, 2]);
  });

  it('any construct, any number of lines before and after', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...CONSTRUCTS), fc.nat(3), fc.integer({ min: 1, max: 4 }), fc.nat(3), async ([open, close, use], before, after, failAt) => {
        const fail = Math.min(failAt, after - 1);
        const body = Array.from({ length: after }, (_, i) => (i === fail ? '{{ missing }}' : '{{ a }}')).join('\n');
        const source = 'x\n'.repeat(before) + open + body + close + use;
        const line = before + 1 + fail;
        expect(await linesOf(source, { a: 1 })).toEqual([line, line, line, line]);
      }),
      { numRuns: 120 },
    );
  });
});
