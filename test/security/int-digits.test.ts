// Issue #19 §2: int() of a decimal string from data is linear-bounded as in Python 3.11+: more
// than 4,300 digits is a ValueError (the `int` filter's default), not seconds of BigInt parsing.
import { describe, expect, it } from 'vitest';
import { Environment } from '../../compiler/environment.js';
import { leastCpuMs } from './linear-clock.js';

const env = new Environment({});

describe('int() of long digit strings', () => {
  it('parses up to 4,300 digits exactly and refuses more, as Python does', () => {
    const ok = '7'.repeat(4300);
    expect(env.fromString('{{ int(s) == int(s) }}|{{ (s|int) > 0 }}').render({ s: ok })).toBe('True|True');
    expect(env.fromString('{{ (s|int) }}').render({ s: '-' + '1'.repeat(30) })).toBe('-' + '1'.repeat(30));
    expect(() => env.fromString('{{ int(s) }}').render({ s: '9'.repeat(4301) })).toThrow(/Exceeds the limit \(4300 digits\)/);
    // the filter answers its default, as for any string int() refuses
    expect(env.fromString('{{ s|int }}|{{ s|int(5) }}').render({ s: '9'.repeat(10 ** 6) })).toBe('0|5');
  });

  it('a million hostile digits cost milliseconds through int(), |int and arithmetic on them', () => {
    const t = env.fromString('{{ s|int }}{% try %}{{ int(s) }}{% fallback %}x{% end %}');
    const s = '9'.repeat(10 ** 6) + '1';
    expect(leastCpuMs(() => t.render({ s }), 3)).toBeLessThan(200);
  });
});
