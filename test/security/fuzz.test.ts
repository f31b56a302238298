// Property tests over the whole compiler: random token soups either compile to a module
// that evaluates (no generated-JS syntax errors) or raise a TemplateError subclass; when
// they compile, render and the stream agree.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TemplateError } from '../../runtime/errors.js';
import { makeEnv } from '../support.js';

const pieces = [
  '{{ ', ' }}', '{% ', ' %}', '{# ', ' #}', 'if ', 'for ', 'in ', 'end', 'else', 'set ', 'let ', 'def ', 'call ', 'slot',
  'match ', 'case ', 'x', 'y', 'items', 'constructor', '__proto__', 'toString', 'valueOf', 'prototype', 'loop', 'caller',
  '1', '2.5', '"s"', "'t'", '(', ')', '[', ']', '{', '}', ',', ':', '=', '.', '?.', '??', '|', '|>', '?|', '~', '+', '-',
  '*', '/', '//', '%', '**', '==', '<', 'not ', 'and ', 'or ', 'is ', 'defined', 'upper', 'join', 'default', '..', ' ', '\n',
  'with ', 'block ', 'extends ', 'include ', 'raw', 'endraw', 'try', 'fallback', 'capture ', 'filter ', 'spaceless',
];
const soup = fc.array(fc.constantFrom(...pieces), { maxLength: 24 }).map((a) => a.join(''));
const env = makeEnv({ 'x': 'included' }, { strictUndefined: false });

describe('compiler robustness', () => {
  it('returns a working module or a TemplateError, never another exception', () => {
    let compiled = 0;
    fc.assert(
      fc.property(soup, (src) => {
        let t;
        try {
          t = env.fromString(src);
        } catch (e) {
          if (!(e instanceof TemplateError)) throw new Error(`${(e as Error).name} for ${JSON.stringify(src)}: ${(e as Error).message}`);
          return;
        }
        compiled++;
        const ctx = { x: 1, y: 'a', items: [1, 2] };
        let whole: string | Error;
        try {
          whole = t.render(ctx);
        } catch (e) {
          whole = e as Error;
        }
        if (typeof whole === 'string') expect([...t.renderStream(ctx)].join('')).toBe(whole);
        else expect(whole).toBeInstanceOf(Error);
      }),
      { numRuns: Number(process.env.KIDA_FUZZ_RUNS ?? 3000), seed: process.env.KIDA_FUZZ_SEED ? Number(process.env.KIDA_FUZZ_SEED) : 42 },
    );
    expect(compiled).toBeGreaterThan(100);
  });
});
