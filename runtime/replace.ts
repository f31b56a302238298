// Python's `str.replace`, for the `replace` method and filter (its own module: strings.ts stays
// free of imports, which moved the serverless bundle's modules and cost its gzip 22 bytes).

import { room, splitOf } from './limits.js';
import { flatText, replaceAllOf } from './strings.js';
import { halfEdged, nextMatch } from './codepoints.js';

/** Python `str.replace(old, new, count)` (count < 0: all), for the method and the filter. */
export function pyReplace(str: string, old: string, nw: string, count: number): string {
  if (count < 0) count = Infinity;
  // (a needle with a lone-surrogate edge never replaces half of a pair, as in Python: matched one by one below)
  if (old && count === Infinity && !halfEdged(old)) return nw.includes('$') ? splitOf(str, old).join(nw) : replaceAllOf(str, old, nw);
  const out = flatText(room);
  let from = 0, n = 0;
  if (old) for (let k; n < count && (k = nextMatch(str, old, from)) >= 0; n++) out.add(str.slice(from, k)), out.add(nw), (from = k + old.length);
  // (code points, as Python counts them; no array of them: 2^28 would pass V8's longest)
  else
    for (const ch of str) {
      if (n >= count) break;
      out.add(nw), out.add(ch), n++, (from += ch.length);
    }
  out.add(str.slice(from));
  if (!old && n < count) out.add(nw);
  return out.text();
}
