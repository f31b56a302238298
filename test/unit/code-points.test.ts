// cpCount (runtime/codepoints.ts): Python's len of a string, counted without building the array of
// its code points; len(), truncate, center, pprint and the code-point operations use it. It must count exactly what
// `[...s].length` counts, lone surrogates included.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cpCount } from '../../runtime/codepoints.js';

const unit = fc.oneof(fc.constantFrom('\ud83d', '\ude00', '\ud83d\ude00', 'a', '\u00e9', '\uffff', '\ud800\ud800', '\udc00\ud800'), fc.string({ unit: 'binary', maxLength: 3 }));
describe('cpCount', () => {
  it('counts what the string iterator counts (property)', () => {
    fc.assert(fc.property(fc.array(unit, { maxLength: 30 }).map((xs) => xs.join('')), (s) => {
      expect(cpCount(s)).toBe([...s].length);
    }), { numRuns: 3000 });
  });
});
