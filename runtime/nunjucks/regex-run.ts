// String and RegExp methods a Nunjucks-mode template calls with a pattern V8 could backtrack on
// (not `backtrackSafe`), answered by runtime/regex-exec.ts's Pike VM instead of the RegExp, with
// the RegExp's results: exec arrays (index, input, groups), lastIndex as exec/test leave it,
// `$` substitutions and replacer calls, split with captures and a limit. Each search is linear
// in the text; a global replace/match/split repeats it from each match's end (V8 would too).

import { linearExec, type Caps, type LinearExec } from '../regex-exec.js';
import { Pieces } from '../pieces.js';

export type LinearExecOf = LinearExec | null;
const CACHE = new Map<string, LinearExec | null>();
/** The VM for `re`, or null when only the RegExp can run it. */
export function vmOf(re: RegExp): LinearExec | null {
  const key = `${re.flags}/${re.source}`;
  let x = CACHE.get(key);
  if (x === undefined) {
    if (CACHE.size > 500) CACHE.clear();
    CACHE.set(key, (x = linearExec(re.source, re.flags.replace(/[gyd]/g, ''))));
  }
  return x;
}

type Match = RegExpExecArray;
function toArray(x: LinearExec, c: Caps, s: string): Match {
  const a = [] as unknown as Match;
  for (let i = 0; i < c.length; i += 2) a.push(c[i]! < 0 ? (undefined as unknown as string) : s.slice(c[i], c[i + 1]));
  a.index = c[0]!;
  a.input = s;
  const names = Object.keys(x.groups.names);
  a.groups = names.length ? Object.assign(Object.create(null), Object.fromEntries(names.map((n) => [n, a[x.groups.names[n]!]]))) : undefined;
  return a;
}
type Search = (from: number, sticky: boolean) => Caps | null;
/** The search that many calls over one text make (global operations): the VM's table when it fits (linear in all), else its exec. */
const searcher = (x: LinearExec, s: string): Search => x.many(s) ?? ((from, sticky) => x(s, from, sticky));
/** RegExp#exec. */
export function exec(x: LinearExec, re: RegExp, s: string, f: Search = (from, sticky) => x(s, from, sticky)): Match | null {
  const keep = re.global || re.sticky;
  const from = keep ? re.lastIndex : 0;
  const c = from > s.length ? null : f(from, re.sticky);
  if (!c) {
    if (keep) re.lastIndex = 0;
    return null;
  }
  if (keep) re.lastIndex = c[1]!;
  return toArray(x, c, s);
}
/** Every match of a global pattern from 0, as String#match/replace walk them (an empty one steps on by one). */
function all(x: LinearExec, re: RegExp, s: string): Match[] {
  const out: Match[] = [];
  re.lastIndex = 0;
  const f = searcher(x, s);
  for (let m; (m = exec(x, re, s, f)); ) {
    out.push(m);
    if (m[0] === '') re.lastIndex++;
  }
  return out;
}
export function match(x: LinearExec, re: RegExp, s: string): Match | string[] | null {
  if (!re.global) return exec(x, re, s);
  const ms = all(x, re, s).map((m) => m[0]);
  return ms.length ? ms : null;
}
export function matchAll(x: LinearExec, re: RegExp, s: string): IterableIterator<Match> {
  if (!re.global) throw new TypeError('String.prototype.matchAll called with a non-global RegExp argument');
  const r = new RegExp(re.source, re.flags);
  r.lastIndex = re.lastIndex;
  return (function* () {
    const f = searcher(x, s);
    for (let m; (m = exec(x, r, s, f)); ) {
      if (m[0] === '') r.lastIndex++;
      yield m;
    }
  })();
}
export function search(x: LinearExec, re: RegExp, s: string): number {
  const c = x(s, 0, re.sticky);
  return c ? c[0]! : -1;
}
/** GetSubstitution: `$$`, `$&`, `` $` ``, `$'`, `$n`/`$nn`, `$<name>`. */
function substitute(m: Match, s: string, rep: string): string {
  const pos = m.index;
  const end = pos + m[0].length;
  const n = m.length - 1;
  return rep.replace(/\$([$&`']|\d\d?|<([^>]*)>)/g, (all, t: string, name: string | undefined) => {
    if (t === '$') return '$';
    if (t === '&') return m[0];
    if (t === '`') return s.slice(0, pos);
    if (t === "'") return s.slice(end);
    if (name !== undefined) return m.groups ? (m.groups[name] ?? '') : all;
    const two = +t;
    if (t.length === 2 && two >= 1 && two <= n) return m[two] ?? '';
    const one = +t[0]!;
    if (one >= 1 && one <= n) return (m[one] ?? '') + t.slice(1);
    return all;
  });
}
export function replace(x: LinearExec, re: RegExp, s: string, rep: unknown, every: boolean): string {
  if (every && !re.global) throw new TypeError('replaceAll must be called with a global RegExp');
  const out = new Pieces(true); // (a rope of a node a match until read: s19)
  let at = 0;
  // (each match used as it is found: a list of 2^20 match arrays ran a 250 MB heap out of memory)
  if (re.global) re.lastIndex = 0;
  const f = searcher(x, s);
  for (let m = exec(x, re, s, f); m; m = re.global ? exec(x, re, s, f) : null) {
    if (re.global && m[0] === '') re.lastIndex++;
    const text =
      typeof rep === 'function'
        ? String(rep(...m, m.index, s, ...(m.groups ? [m.groups] : [])))
        : substitute(m, s, String(rep));
    out.add(s.slice(at, m.index)), out.add(text);
    at = m.index + m[0].length;
  }
  out.add(s.slice(at));
  return out.text();
}
/** String#split by a RegExp (its captures spliced in, `limit` items at most). */
export function split(x: LinearExec, re: RegExp, s: string, limit: unknown): string[] {
  const lim = limit === undefined ? 2 ** 32 - 1 : Number(limit) >>> 0;
  const out: string[] = [];
  if (lim === 0) return out;
  if (!s.length) return x(s, 0, true) ? out : [s];
  let p = 0;
  const f = searcher(x, s);
  // (the next match at q or later: what the sticky attempts at q, q+1, … find first)
  for (let q = 0; q < s.length; ) {
    const c = f(q, false);
    if (!c || c[0]! >= s.length) break;
    const e = Math.min(c[1]!, s.length);
    if (e === p) {
      q = c[0]! + 1;
      continue;
    }
    out.push(s.slice(p, c[0]));
    if (out.length === lim) return out;
    for (let i = 2; i < c.length; i += 2) {
      out.push(c[i]! < 0 ? (undefined as unknown as string) : s.slice(c[i], c[i + 1]));
      if (out.length === lim) return out;
    }
    p = q = e;
  }
  out.push(s.slice(p));
  return out;
}
