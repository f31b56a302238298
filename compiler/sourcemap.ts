// The `mappings` of a compiled module's source map. Maps are line-level: a generated line that
// came from the template maps its first column to the start of that template line, so each
// mapped line holds one segment [0, 0, line, 0] and only the source line varies. That is
// written straight to VLQ here: @jridgewell/sourcemap-codec's encode() takes an array per line
// and allocates a 16 KB buffer per call, which came to a quarter of a cold compile's work.
// (test/unit/sourcemap.test.ts checks this against that codec.)

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Base64 VLQ of a signed integer (sign in the lowest bit, then 5-bit digits, lowest first). */
function vlq(value: number): string {
  let n = value < 0 ? (-value << 1) | 1 : value << 1;
  let out = '';
  do {
    const digit = n & 31;
    n >>>= 5;
    out += BASE64[n ? digit | 32 : digit];
  } while (n);
  return out;
}

/**
 * Mappings for `unmapped` lines that map nowhere (the module's imports), then one line per
 * entry of `lines`: its 1-based template line, or 0 for a line that maps nowhere.
 */
export function lineMappings(unmapped: number, lines: readonly number[]): string {
  let out = ';'.repeat(Math.max(0, unmapped - 1)); // (a separator between lines, none after the last)
  let previous = 0; // source lines are deltas from the previous segment's
  for (let i = 0; i < lines.length; i++) {
    if (unmapped + i) out += ';';
    const line = lines[i]! - 1;
    if (line < 0) continue;
    out += `AA${vlq(line - previous)}A`;
    previous = line;
  }
  return out;
}
