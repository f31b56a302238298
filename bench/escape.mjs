// Microbenchmark of the HTML escaper (issue #22, docs/decisions.md "Escaping speed"): the
// runtime's escapeString against other shapes of the same escaper (all five characters, same
// output) and Svelte 5's (only `&` and `<` in text: less work, different output), on strings with
// many specials (bench/reference.mjs's escape-heavy data), one special, none, and long ones.
// Each candidate is its own function with its own constants (fresh feedback), interleaved, best
// of R rounds of process CPU time. A microbenchmark keeps the escaper alone and monomorphic; the
// reference pages (bench/ab.mjs *-heavy) are what counts.
//
//   npm run build && node bench/escape.mjs [--nunjucks]   # --nunjucks: String.prototype in dictionary mode first
import { escapeString } from '../dist/runtime/markup.js';

if (process.argv.includes('--nunjucks')) await import('nunjucks');
const CONSTANTS = `const RE = /[&<>"'\\0]/g, T = { 0: '', 34: '&quot;', 38: '&amp;', 39: '&#39;', 60: '&lt;', 62: '&gt;' }, SV = /[&<]/g, RE1 = /[&<>"'\\0]/;`;
const SHAPES = {
  // the char-code loop with a chain of compares (the runtime's before issue #22's escaping pass)
  compares: (s) => {
    RE.lastIndex = 0;
    if (!RE.test(s)) return s;
    let out = '', last = 0;
    for (let i = RE.lastIndex - 1; i < s.length; i++) {
      const c = s.charCodeAt(i);
      const r = c > 62 ? null : c === 38 ? '&amp;' : c === 60 ? '&lt;' : c === 62 ? '&gt;' : c === 34 ? '&quot;' : c === 39 ? '&#39;' : c === 0 ? '' : null;
      if (r === null) continue;
      if (i > last) out += s.slice(last, i);
      out += r;
      last = i + 1;
    }
    return out + s.slice(last);
  },
  // a regex finds every special (Svelte's shape, all five characters)
  regexEach: (s) => {
    RE.lastIndex = 0;
    let out = '', last = 0;
    while (RE.test(s)) {
      const i = RE.lastIndex - 1;
      out += s.slice(last, i) + T[s.charCodeAt(i)];
      last = i + 1;
    }
    return last ? out + s.slice(last) : s;
  },
  // one native replace with a callback
  replaceFn: (s) => (RE.lastIndex = 0, RE.test(s) ? s.replace(RE, (c) => T[c.charCodeAt(0)]) : s),
  // parts and join
  join: (s) => {
    RE.lastIndex = 0;
    if (!RE.test(s)) return s;
    const parts = [];
    let last = 0;
    for (let i = RE.lastIndex - 1; i < s.length; i++) {
      const r = T[s.charCodeAt(i)];
      if (r === undefined) continue;
      parts.push(s.slice(last, i), r);
      last = i + 1;
    }
    parts.push(s.slice(last));
    return parts.join('');
  },
  // escape-html 1.0.3's shape: a non-global exec finds the first special, then a switch per character
  escapeHtml: (str) => {
    const match = RE1.exec(str);
    if (!match) return str;
    let escape, html = '', index = match.index, lastIndex = 0;
    for (; index < str.length; index++) {
      switch (str.charCodeAt(index)) {
        case 0: escape = ''; break;
        case 34: escape = '&quot;'; break;
        case 38: escape = '&amp;'; break;
        case 39: escape = '&#39;'; break;
        case 60: escape = '&lt;'; break;
        case 62: escape = '&gt;'; break;
        default: continue;
      }
      if (lastIndex !== index) html += str.substring(lastIndex, index);
      lastIndex = index + 1;
      html += escape;
    }
    return lastIndex !== index ? html + str.substring(lastIndex, index) : html;
  },
  // the runtime's loop, but the first 8 characters scanned before the regex test (a special near
  // the start, as in markup pasted as text, skips the regex call)
  headScan: (s) => {
    const n = s.length;
    let i = 0;
    for (const h = n < 8 ? n : 8; i < h; i++) {
      const c = s.charCodeAt(i);
      if (c <= 62 && T[c] !== undefined) break;
    }
    if (i === 8 && n > 8) {
      RE.lastIndex = 8;
      if (!RE.test(s)) return s;
      i = RE.lastIndex - 1;
    } else if (i === n) return s;
    let out = '', last = 0;
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      const r = c > 62 ? undefined : T[c];
      if (r === undefined) continue;
      if (i > last) out += s.slice(last, i);
      out += r;
      last = i + 1;
    }
    return last ? out + s.slice(last) : s;
  },
  // the runtime's loop, but a string of up to 12 characters first scanned by a loop of its own
  // testing a bit per character (`"&'<>` as bits from 32; NUL apart), returned at its end
  bitScan: (s) => {
    const n = s.length;
    let i = 0;
    if (n > 12) {
      RE.lastIndex = 0;
      if (!RE.test(s)) return s;
      i = RE.lastIndex - 1;
    } else {
      for (let c; i < n; i++) if ((c = s.charCodeAt(i)) < 63 && (c < 32 ? !c : (0x500000c4 >>> (c - 32)) & 1)) break;
      if (i == n) return s;
    }
    let out = '', last = 0;
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      const r = c > 62 ? undefined : T[c];
      if (r === undefined) continue;
      if (i > last) out += s.slice(last, i);
      out += r;
      last = i + 1;
    }
    return last ? out + s.slice(last) : s;
  },
  // Svelte 5's escape_html for text (`&` and `<` only: not the same output)
  svelteText: (value) => {
    const str = String(value ?? '');
    SV.lastIndex = 0;
    let escaped = '', last = 0;
    while (SV.test(str)) {
      const i = SV.lastIndex - 1;
      escaped += str.substring(last, i) + (str[i] === '&' ? '&amp;' : '&lt;');
      last = i + 1;
    }
    return escaped + str.substring(last);
  },
};
const fresh = (f) => new Function(`${CONSTANTS} return (${f.toString()})`)();
const fns = { runtime: escapeString, ...Object.fromEntries(Object.entries(SHAPES).map(([k, f]) => [k, fresh(f)])) };
const heavy = (v) => `<b>${v}</b> & "${v}" 'q'`;
const words = (i) => (i % 3 ? `Item ${i}` : i % 2 ? `Body of card ${i}, a sentence or two.` : `/cards/${i}`);
const SETS = {
  'escape-heavy': Array.from({ length: 64 }, (_, i) => heavy(words(i))),
  'one special': Array.from({ length: 64 }, (_, i) => `Tom & Jerry ${i}`),
  plain: Array.from({ length: 64 }, (_, i) => words(i)),
  'short plain': Array.from({ length: 64 }, (_, i) => (i % 2 ? `Item ${i}` : `#s${i}`)),
  'long, mixed': Array.from({ length: 8 }, (_, i) => 'lorem ipsum dolor <sit> amet & "x" '.repeat(30) + i),
};
for (const set of Object.values(SETS))
  for (const s of set) for (const [k, f] of Object.entries(fns)) if (k !== 'svelteText' && f(s) !== escapeString(s)) throw new Error(`${k} differs on ${s}`);
const R = 21;
let sink = 0;
console.log(`ns per string, best of ${R} rounds${process.argv.includes('--nunjucks') ? ', Nunjucks loaded' : ''}`);
console.log(['set', ...Object.keys(fns)].join(' | '));
for (const [name, set] of Object.entries(SETS)) {
  const best = {};
  const n = name.startsWith('long') ? 300 : 3000;
  for (let r = 0; r < R; r++)
    for (const k of r % 2 ? Object.keys(fns) : Object.keys(fns).reverse()) {
      const f = fns[k];
      const t0 = process.cpuUsage();
      for (let i = 0; i < n; i++) for (const s of set) sink += f(s).length;
      const t = process.cpuUsage(t0);
      best[k] = Math.min(best[k] ?? Infinity, ((t.user + t.system) * 1000) / (n * set.length));
    }
  console.log([name, ...Object.keys(fns).map((k) => best[k].toFixed(1))].join(' | '));
}
if (sink === 0) console.log('');
