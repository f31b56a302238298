// Python's `str.replace`, for the `replace` method and filter (its own module: strings.ts stays
// free of imports, which moved the serverless bundle's modules and cost its gzip 22 bytes).

import { Pieces, insertAround, replaceText } from './pieces.js';
import { halfEdged, nextMatch } from './codepoints.js';

/** Python `str.replace(old, new, count)` (count < 0: all), for the method and the filter, in bounded memory (pieces.ts). */
export function pyReplace(str: string, old: string, nw: string, count: number): string {
  if (count === 0) return str;
  if (old === '') return insertAround(str, nw, count);
  if (!halfEdged(old)) return replaceText(str, old, nw, count);
  // (a needle with a lone-surrogate edge never replaces half of a pair, as in Python)
  const out = new Pieces(nw.length > old.length);
  let from = 0;
  for (let i = 0, k; (count < 0 || i < count) && (k = nextMatch(str, old, from)) >= 0; i++) out.add(str.slice(from, k)), out.add(nw), (from = k + old.length);
  out.add(str.slice(from));
  return out.text();
}
