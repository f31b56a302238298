// Python's `str.replace`, for the `replace` method and filter (its own module: strings.ts stays
// free of imports, which moved the serverless bundle's modules and cost its gzip 22 bytes).

import { insertAround, replaceText } from './pieces.js';
import { halfEdged, nextMatch } from './codepoints.js';

/** Python `str.replace(old, new, count)` (count < 0: all), for the method and the filter, in bounded memory (pieces.ts). */
export function pyReplace(str: string, old: string, nw: string, count: number): string {
  if (count === 0) return str;
  if (old === '') return insertAround(str, nw, count);
  // (a needle with a lone-surrogate edge never replaces half of a pair, as in Python)
  return replaceText(str, old, nw, count, halfEdged(old) ? nextMatch : undefined);
}
