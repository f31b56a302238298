// The shapes where `compat: 'nunjucks'` used to differ from Nunjucks 3.2.4 (issue #25's last list):
// each case is rendered by Nunjucks at test time and by Kida through every entry point and the
// compiled module (njk-differential.ts); an error in Nunjucks must be an error here, with its message.
import { describe, expect, it } from 'vitest';
import { sameAsNunjucks } from './njk-differential.js';

describe('groupby by keys that name Object.prototype members', () => {
  it('fails as in Nunjucks (its result object finds the inherited member), and reaches nothing', async () => {
    for (const k of ['toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf'])
      expect(await sameAsNunjucks({}, '{% for k, v in xs | groupby("k") %}{{ k }}={{ v | length }};{% endfor %}', { xs: [{ k: 'a' }, { k }] })).toMatch(
        /^Error: .*push is not a function/,
      );
    expect(await sameAsNunjucks({}, '{% for k, v in xs | groupby("k") %}{{ k }}={{ v | length }};{% endfor %}', { xs: [{ k: 'a' }, { k: 'proto' }, { k: 'a' }] })).toBe(
      'a=2;proto=1;',
    );
    expect(await sameAsNunjucks({}, '{{ xs | groupby("toString") | dump }}', { xs: [{ toString: 1 }, { a: 2 }] })).toContain('undefined');
  });
});
