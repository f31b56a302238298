// Sandbox mode: policies for attributes, calls, mutation, range size and output size.
import { describe, expect, it } from 'vitest';
import { makeEnv } from '../support.js';

const run = (src: string, ctx: Record<string, unknown> = {}, sandbox: unknown = true) => {
  try {
    return makeEnv({}, { sandbox: sandbox as boolean }).fromString(src).render(ctx);
  } catch (e) {
    return e as Error;
  }
};

describe('sandboxed environments', () => {
  it('render ordinary templates', () => {
    expect(run('{{ user.name }} {{ name.upper() }} {% for i in range(3) %}{{ i }}{% end %}', { user: { name: 'a' }, name: 'b' })).toBe('a B 012');
  });
  it('block underscore attributes and mutating methods', () => {
    expect((run('{{ x.__class__ }}', { x: 's' }) as Error).name).toBe('SecurityError');
    expect((run('{{ x._private }}', { x: {} }) as Error).name).toBe('SecurityError');
    expect((run('{{ xs.append(1) }}', { xs: [] }) as Error).message).toMatch(/append/);
    expect(run('{{ xs.append(1) }}{{ xs }}', { xs: [] }, { allowMutatingMethods: true })).toBe('None[1]');
  });
  it('limit what may be called', () => {
    expect((run('{% def f() %}x{% end %}{{ f() }}', {}, { allowCalling: [] }) as Error).message).toMatch(/not permitted/);
  });
  it('limit range sizes and output size', () => {
    expect((run('{% for i in range(1000) %}.{% end %}', {}, { maxRange: 100 }) as Error).message).toMatch(/range\(\) size 1000/);
    expect((run('{{ (1..500) | length }}', {}, { maxRange: 100 }) as Error).name).toBe('SecurityError');
    expect((run('abcdef', {}, { maxOutputSize: 5 }) as Error).message).toMatch(/exceeds sandbox limit of 5/);
    const t = makeEnv({}, { sandbox: { maxOutputSize: 3 } as never }).fromString('{% for i in [1, 2, 3, 4] %}{{ i }}{% end %}');
    const got: string[] = [];
    expect(() => {
      for (const c of t.renderStream()) got.push(c);
    }).toThrow(/exceeds/);
    expect(got.join('')).toBe('123');
  });
});

describe('sandbox errors', () => {
  it('carry the code of the rule they break, a hint and the docs link', () => {
    const codes = [
      run('{{ x._private }}', { x: {} }),
      run('{% def f() %}x{% end %}{{ f() }}', {}, { allowCalling: [] }),
      run('{% for i in range(1000) %}.{% end %}', {}, { maxRange: 100 }),
      run('abcdef', {}, { maxOutputSize: 5 }),
      run('{% for i in range(50) %}.{% end %}', {}, { maxLoopIterations: 10 }),
    ].map((e) => (e as { code: string }).code);
    expect(codes).toEqual(['K-SEC-001', 'K-SEC-004', 'K-SEC-003', 'K-SEC-005', 'K-SEC-003']);
    const e = run('a\n{{ f() }}', { f: () => 1 }, { allowCalling: [] }) as Error;
    expect(e.message).toBe(
      [
        "Calling objects of type 'function' is not permitted by sandbox policy",
        '  Location: <template>:2',
        '   |',
        '   1 | a',
        '>  2 | {{ f() }}',
        '   |',
        "  Hint: Add 'function' to the policy's allowCalling list",
        '  Docs: https://lbliii.github.io/kida/docs/errors/#k-sec-004',
      ].join('\n'),
    );
  });
});

describe('sandbox loop and time limits', () => {
  it('stops runaway loops and slow renders', () => {
    expect((run('{% for i in range(50) %}{% for j in range(50) %}.{% end %}{% end %}', {}, { maxLoopIterations: 1000 }) as Error).message).toMatch(
      /Loop iterations exceed sandbox limit of 1000/,
    );
    expect((run('{% let n = 0 %}{% while true %}{% let n = n + 1 %}{% end %}', {}, { maxRenderTime: 50, maxLoopIterations: null }) as Error).message).toMatch(/Render time exceeds/);
    expect(run('{% for i in range(10) %}{{ i }}{% end %}', {}, { maxLoopIterations: 10 })).toBe('0123456789');
  });
});
