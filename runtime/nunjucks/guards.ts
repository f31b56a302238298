// Checks made before a JavaScript method runs for a `compat: 'nunjucks'` template (`s.repeat(n)`,
// `a.join(sep)`, `s.match(p)`…: member() in values.ts calls `preflight`), so that neither the
// template nor its data can make one allocate past the limits (runtime/limits.ts: the default
// ceilings, or the sandbox's maxAllocation while a sandboxed call runs) or run a regular
// expression in more than linear time (docs/security.md "Nunjucks mode").

import { ACTIVE, MAX_ITEMS, room, splitRoom } from '../limits.js';
import { compilable, linearMatcher } from '../regex.js';
import { SecurityError, TemplateRuntimeError } from '../errors.js';
import { observe } from '../values.js';
import { lastIndex } from '../strings.js';
import { insertAround, replaceText } from '../pieces.js';
import * as vm from './regex-run.js';

const len = (v: unknown): number => (typeof v === 'string' || Array.isArray(v) ? v.length : v == null ? 0 : String(v).length);

/** Occurrences of `p` in `s` (the empty string occurs at every position). */
function occurrences(s: string, p: string): number {
  if (p === '') return s.length + 1;
  let n = 0;
  for (let i = s.indexOf(p); i !== -1; i = s.indexOf(p, i + p.length)) n++;
  return n;
}

/**
 * A pattern V8's backtracking runs in time linear in the text (times the pattern's size): no
 * quantifier, and no alternative inside a group (`(a|a)(a|a)…` backtracks exponentially in the
 * pattern's length), except one quantified one-character atom ending a pattern without `|`
 * (`\s+`, `,\s*`, `[^a-z]+`: a greedy run that ends the match never backtracks into a failure).
 */
export function backtrackSafe(source: string): boolean {
  let depth = 0;
  let quants = 0;
  let bar = false;
  let lastAtomOneChar = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    let oneChar = false;
    if (c === '\\') {
      i++;
      oneChar = true;
    } else if (c === '[') {
      for (i++; i < source.length && source[i] !== ']'; i++) if (source[i] === '\\') i++;
      oneChar = true;
    } else if (c === '(') {
      depth++;
      // (past `(?:`, `(?=`, `(?!`, `(?<=`, `(?<!`, `(?<name>`)
      if (source[i + 1] === '?') i = source[i + 2] !== '<' ? i + 2 : source[i + 3] === '=' || source[i + 3] === '!' ? i + 3 : source.indexOf('>', i);
    } else if (c === ')') depth--;
    else if (c === '|') {
      if (depth > 0) return false;
      bar = true;
    } else if (c === '*' || c === '+' || c === '?' || (c === '{' && /^\{\d+(,\d*)?\}/.test(source.slice(i, i + 24)))) {
      quants++;
      if (!lastAtomOneChar) return false;
      if (c === '{') i = source.indexOf('}', i);
      if (source[i + 1] === '?') i++;
      // (only as the last thing in the pattern)
      if (i !== source.length - 1) return false;
    } else oneChar = c !== '^' && c !== '$';
    lastAtomOneChar = oneChar;
  }
  return quants === 0 || (quants === 1 && !bar);
}

/** Why a regular expression is refused (K-SEC-003). */
function refuse(source: string): never {
  const e = new SecurityError(`The regular expression /${source.slice(0, 60)}/ could take more than linear time here`, {
    suggestion: 'Use a pattern without nested or repeated quantifiers (or split/replace with a plain string)',
  });
  e.code = 'K-SEC-003';
  throw e;
}

/**
 * A regular expression about to run on template data: in the sandbox only a backtrack-safe one
 * (refused otherwise: a running match cannot be interrupted); outside it, one that is not is
 * first asked of the linear matcher (runtime/regex.ts), and where nothing matches the RegExp is
 * not run at all (a failed search is where backtracking blows up). Returns false: no match.
 */
const SAFE = new Map<string, boolean>();
const LINEAR = new Map<string, ReturnType<typeof linearMatcher>>();
/** backtrackSafe of a source, kept per source; a pattern V8 could not compile is refused first (and never kept, so refused each time). */
function safeSource(source: string): boolean {
  let safe = SAFE.get(source);
  if (safe === undefined) {
    compilable(source); // (V8 would end the process compiling it)
    if (SAFE.size > 500) SAFE.clear();
    SAFE.set(source, (safe = backtrackSafe(source)));
  }
  return safe;
}
export function regexMayMatch(re: RegExp, text: unknown): boolean {
  if (safeSource(re.source)) return true;
  if (ACTIVE) refuse(re.source);
  const flags = re.flags.replace(/[gyd]/g, '');
  const key = `${flags}/${re.source}`;
  let m = LINEAR.get(key);
  if (m === undefined) {
    if (LINEAR.size > 500) LINEAR.clear();
    LINEAR.set(key, (m = linearMatcher(`[\\s\\S]*?(?:${re.source})`, flags)));
  }
  if (!m || m(String(text))) return true;
  if (re.global || re.sticky) re.lastIndex = 0; // (as a failed search leaves it)
  return false;
}

/**
 * A pattern the template passed as a string (`s.match(p)`: from data, as often as not) runs only
 * where no backtracking can happen: backtrack-safe, or within what the linear matchers take. Past
 * their size (10,000 states) V8 backtracked: `(?:a|(?:a|…b))` 250 deep, 30 times over, never
 * ended on 29 `a`. Refused as Kida's `is match` refuses such a pattern from data (K-SEC-006);
 * an `r/…/` literal is the author's and runs. (Not sandboxed: the sandbox refuses more.)
 */
function linearOnly(re: RegExp): void {
  // (sandboxed, regexMayMatch refuses every pattern that is not backtrack-safe: K-SEC-003)
  if (safeSource(re.source) || ACTIVE || vm.vmOf(re)) return;
  throw new TemplateRuntimeError(`Regular expression ${JSON.stringify(re.source.slice(0, 80))} from a string needs backtracking (lookaround, a backreference, or more than 10,000 states)`, 'K-SEC-006', {
    suggestion: 'Write it as an r/…/ literal in the template, or pass a RegExp from host code',
  });
}

/** The Pike VM for a pattern V8 could backtrack on (runtime/nunjucks/regex-run.ts), else null: the RegExp runs it. */
function slow(re: RegExp): vm.LinearExecOf {
  return SAFE.get(re.source) === false ? vm.vmOf(re) : null;
}

/**
 * `s.replace(re, rep)` where the runtime itself replaces (the `replace` filter): as a method call
 * does (preflight), the Pike VM runs a pattern V8 could backtrack on, when it matches at all
 * (`(a+)+c|a` over 25 characters took V8 3.3 s, doubling per character).
 */
export function reReplace(re: RegExp, s: string, rep: unknown): string {
  if (re.global) splitRoom(s, re); // (as the method: every match listed first)
  if (!regexMayMatch(re, s)) return s;
  const x = slow(re);
  return x ? vm.replace(x, re, s, rep, false) : s.replace(re, rep as string);
}

/** Built-in methods that call a function they are given, and may drop what it returns (`forEach`, `some`, a `map` rendered). */
const CALLS_BACK = new Set(['map', 'flatMap', 'filter', 'find', 'findIndex', 'findLast', 'findLastIndex', 'forEach', 'some', 'every', 'reduce', 'reduceRight', 'sort', 'toSorted', 'replace', 'replaceAll']);
/** A callback whose promises (an async function's, an async template's macro) are observed: a rejection never ends the process. */
const observing = (f: Function) =>
  function (this: unknown, ...a: unknown[]) {
    return observe(f.apply(this, a));
  };

/**
 * Refuses (K-SEC-003) `a.flat(depth)` once its walk passes MAX_ITEMS arrays and items: shared
 * parts doubled in a loop (`x = [x, x]`) flatten to 2^40 items, which V8 built for a minute. s9
 */
function flatRoom(a: unknown[], depth: number, seen: { n: number }): void {
  for (const x of a) {
    room(++seen.n, MAX_ITEMS); // (the sandbox's maxAllocation when one is active)
    if (Array.isArray(x) && depth >= 1) flatRoom(x, depth - 1, seen);
  }
}

/**
 * Runs before `obj[name](...args)` (a JavaScript method a template calls): may throw, wrap a
 * callback in `args`, or answer for the method (`{ v }`).
 */
export function preflight(obj: unknown, name: string, args: unknown[]): { v: unknown } | null {
  if (CALLS_BACK.has(name) && (Array.isArray(obj) || typeof obj === 'string' || obj instanceof Map || obj instanceof Set))
    for (let i = 0; i < args.length; i++) if (typeof args[i] === 'function') args[i] = observing(args[i] as Function);
  const a0 = args[0];
  if (typeof obj === 'string') {
    switch (name) {
      case 'repeat':
        room(obj.length * Math.max(0, Number(a0) || 0));
        break;
      case 'padStart':
      case 'padEnd':
        room(Number(a0) || 0);
        break;
      case 'concat':
        room(args.reduce((n: number, x) => n + len(x), obj.length));
        break;
      case 'replace':
      case 'replaceAll':
        if (typeof args[1] === 'string' && !(a0 instanceof RegExp)) {
          // `$\`` and `$'` insert the text before/after each match: a bound before building
          const rep = args[1];
          const ins = (rep.match(/\$[`']/g) ?? []).length;
          const p = String(a0);
          const n = name === 'replace' ? Math.min(1, occurrences(obj, p)) : occurrences(obj, p);
          room(obj.length + n * (rep.length + ins * obj.length));
        } else if (a0 instanceof RegExp && typeof args[1] === 'string' && /\$[`']/.test(args[1]))
          room(obj.length + (a0.global ? obj.length + 1 : 1) * (args[1].length + obj.length));
        // (V8 collects every match first, and past ~2^26 ends the process, s19: a literal
        // replacement of a string is built here in bounded memory; others are counted, as splits)
        if (obj.length > MAX_ITEMS && (name === 'replaceAll' || (a0 instanceof RegExp && a0.global))) {
          if (typeof a0 === 'string' && typeof args[1] === 'string' && args[1].indexOf('$') < 0) return { v: a0 ? replaceText(obj, a0, args[1], -1) : insertAround(obj, args[1], -1, true) };
          splitRoom(obj, a0 instanceof RegExp ? a0 : String(a0));
        }
        if (a0 instanceof RegExp) {
          if (!regexMayMatch(a0, obj)) return { v: obj };
          const x = slow(a0);
          if (x) return { v: vm.replace(x, a0, obj, args[1], name === 'replaceAll') };
        }
        break;
      case 'lastIndexOf':
        // (V8's backward search is O(n·m) on hostile text; same answer, linear: strings.ts)
        if (typeof a0 === 'string') return { v: lastIndex(obj, a0, args.length > 1 && !Number.isNaN(Number(args[1])) ? Number(args[1]) : Infinity) };
        break;
      case 'split':
        // (past ~2^27 pieces V8 ends the process: counted first, as Kida's splits are; s18)
        // (a limit, ToUint32 as split reads it, stops it early)
        if ((typeof a0 === 'string' || a0 instanceof RegExp) && (args[1] === undefined || Number(args[1]) >>> 0 > MAX_ITEMS)) splitRoom(obj, a0);
        if (a0 instanceof RegExp) {
          if (!regexMayMatch(a0, obj)) return { v: args[1] !== undefined && Number(args[1]) >>> 0 === 0 ? [] : [obj] }; // (limit 0: none)
          const x = slow(a0);
          if (x) return { v: vm.split(x, a0, obj, args[1]) };
        }
        break;
      case 'match':
      case 'matchAll':
      case 'search': {
        // (a string is a pattern here: `new RegExp(data)`)
        if (a0 === undefined || a0 === null || (typeof a0 === 'object' && !(a0 instanceof RegExp))) break;
        const re = a0 instanceof RegExp ? a0 : new RegExp(String(a0), name === 'matchAll' ? 'g' : '');
        if (!(a0 instanceof RegExp)) linearOnly(re);
        if (re.global && name === 'match') splitRoom(obj, re); // (an array of every match: as split)
        if (!regexMayMatch(re, obj)) return { v: name === 'search' ? -1 : name === 'match' ? null : [][Symbol.iterator]() };
        const x = slow(re);
        if (x) return { v: name === 'search' ? vm.search(x, re, obj) : name === 'match' ? vm.match(x, re, obj) : vm.matchAll(x, re, obj) };
      }
    }
  } else if (Array.isArray(obj)) {
    if (name === 'join') room(Math.max(0, obj.length - 1) * (a0 === undefined ? 1 : len(a0)));
    else if (name === 'concat') room(args.reduce((n: number, x) => n + (Array.isArray(x) ? x.length : 1), obj.length), MAX_ITEMS);
    else if (name === 'flat') flatRoom(obj, a0 === undefined ? 1 : Number(a0), { n: 0 });
  } else if (obj instanceof RegExp && (name === 'test' || name === 'exec')) {
    if (!regexMayMatch(obj, a0)) return { v: name === 'test' ? false : null };
    // (`test` without g/y asks only whether a match exists anywhere: the linear matcher's answer
    // is the answer, and V8 never runs a pattern it could backtrack on; docs/security.md)
    if (name === 'test' && !obj.global && !obj.sticky && !safeSource(obj.source) && LINEAR.get(`${obj.flags.replace('d', '')}/${obj.source}`)) return { v: true };
    const x = slow(obj);
    if (x) {
      const m = vm.exec(x, obj, String(a0));
      return { v: name === 'test' ? m !== null : m };
    }
  }
  return null;
}
