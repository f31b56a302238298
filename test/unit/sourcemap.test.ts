// Source map mappings of compiled modules: the line-level encoder against the reference codec.
import { decode, encode, type SourceMapSegment } from '@jridgewell/sourcemap-codec';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lineMappings } from '../../compiler/sourcemap.js';

/** The same mappings built the general way: a segment array per line. */
const viaCodec = (unmapped: number, lines: number[]) =>
  encode([...Array.from({ length: unmapped }, (): SourceMapSegment[] => []), ...lines.map((l): SourceMapSegment[] => (l > 0 ? [[0, 0, l - 1, 0]] : []))]);

describe('line-level mappings', () => {
  it('equal what @jridgewell/sourcemap-codec encodes, for any lines (jumps back and forth, gaps, large numbers)', () => {
    const line = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 2 ** 30 }));
    fc.assert(
      fc.property(fc.nat({ max: 6 }), fc.array(line, { maxLength: 60 }), (unmapped, lines) => {
        expect(lineMappings(unmapped, lines)).toBe(viaCodec(unmapped, lines));
      }),
      { numRuns: 2000 },
    );
  });

  it('decode to one segment per mapped line, at the start of its template line', () => {
    const decoded = decode(lineMappings(2, [1, 0, 3, 3, 2, 0, 17]));
    expect(decoded).toEqual([[], [], [[0, 0, 0, 0]], [], [[0, 0, 2, 0]], [[0, 0, 2, 0]], [[0, 0, 1, 0]], [], [[0, 0, 16, 0]]]);
  });

  it('have a separator between lines and nothing else for lines that map nowhere', () => {
    expect(lineMappings(0, [])).toBe('');
    expect(lineMappings(3, [])).toBe(';;');
    expect(lineMappings(1, [0])).toBe(';');
    expect(lineMappings(0, [0, 0])).toBe(';');
  });
});
