// A linear-time matcher for the patterns templates write (`is match`, `select("match", …)`).
// V8's RegExp backtracks: even anchored, `a*a*b` or `.*.*x` take time quadratic (or worse) in
// the text. `is match` only asks whether some prefix of the text matches, so no captures and no
// match priorities are needed: the pattern becomes a Thompson NFA, simulated on all its states in
// lockstep (a Pike VM without captures), O(pattern size × text length) whatever the data.
//
// It reads the JavaScript source pyRegex made (non-Unicode mode, flags i, m, s), so it means what
// that RegExp means: every one-character atom (a class, an escape, a literal under `i`) is tested
// by a RegExp of that atom alone. Syntax outside what it knows (lookaround, backreferences, the
// `u`/`v` flags, counted repeats expanding past LIMIT states) gives null, and the caller runs the
// RegExp: docs/regex-audit.md. test/unit/regex.test.ts checks it against RegExp on generated
// patterns.

import { SecurityError } from './errors.js';

/** One code unit test; an assertion; a sequence; alternatives; a repeat (max -1: unbounded); a capturing group (1-based). */
export type Node =
  | { k: 'c'; t: (c: number) => boolean }
  | { k: 'a'; w: string }
  | { k: 's'; xs: Node[] }
  | { k: '|'; xs: Node[] }
  | { k: '*'; x: Node; min: number; max: number; lazy?: boolean }
  | { k: 'g'; n: number; x: Node };
/** The capturing groups parse found: how many, and the index of each name. */
export type Groups = { n: number; names: Record<string, number> };

/**
 * Groups nested deeper than this are refused before V8 compiles a pattern (K-SEC-003): V8's
 * regexp compiler ends the process ("RegExpCompiler Allocation failed", not an exception) from
 * about 2,500 nested `(?:a)*` or 4,000 `(?=a`, and templates write a few levels.
 */
export const MAX_GROUP_DEPTH = 256;
/** How deep the groups of a RegExp source nest (escapes and classes skipped; a `v`-mode nested class may count more, never less). */
export function groupDepth(source: string): number {
  let depth = 0;
  let max = 0;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') i++;
    else if (c === '[') for (i++; i < source.length && source[i] !== ']'; i++) i += +(source[i] === '\\');
    else if (c === '(') max = Math.max(max, ++depth);
    else if (c === ')') depth--;
  }
  return max;
}
/**
 * Characters of a pattern V8 compiles for a template: its compile time grows faster than the
 * pattern (300,000 alternatives `ab|ab|…` took 3 s, 50,000 characters 0.1 s) and cannot be
 * interrupted.
 */
export const MAX_PATTERN = 50_000;
/** Refuses (K-SEC-003) a pattern too deep or too long for V8 to compile safely; call before a RegExp built from a template or its data first runs. */
export function compilable(source: string): void {
  const why = source.length > MAX_PATTERN ? `is longer than ${MAX_PATTERN} characters` : groupDepth(source) > MAX_GROUP_DEPTH ? `nests groups more than ${MAX_GROUP_DEPTH} deep` : '';
  if (!why) return;
  const e = new SecurityError(`The regular expression /${source.slice(0, 40)}…/ ${why}`, {
    suggestion: 'Write a shorter pattern, with fewer nested groups',
  });
  e.code = 'K-SEC-003';
  throw e;
}

/** States a pattern may expand to (a{5000} is 5000): beyond it the RegExp runs. */
export const LIMIT = 10_000;
// (a program's opcodes; SAVE and RESET only where captures are kept: runtime/regex-exec.ts)
export const CHAR = 0;
export const SPLIT = 1;
export const JMP = 2;
export const ASSERT = 3;
export const MATCH = 4;
/** Records the position in capture slot arg. */
export const SAVE = 5;
/** Clears capture slots arg..alt2 (a new iteration of a repeated group). */
export const RESET = 6;

const NO = {};

/** Parses a RegExp source (non-Unicode syntax, already accepted by `new RegExp`). */
export function parse(src: string, flags: string, groups: Groups = { n: 0, names: {} }): Node {
  let i = 0;
  const tf = flags.replace(/[^is]/g, '');
  const atom = (s: string): Node => {
    if (s.length === 1 && !tf.includes('i')) {
      const code = s.charCodeAt(0);
      return { k: 'c', t: (c) => c === code };
    }
    const re = new RegExp(`^(?:${s})$`, tf);
    const seen = new Uint8Array(128); // (ASCII answers, once asked: 1 no, 2 yes)
    return { k: 'c', t: (c) => (c < 128 ? (seen[c] ||= re.test(String.fromCharCode(c)) ? 2 : 1) === 2 : re.test(String.fromCharCode(c))) };
  };
  const quant = (j: number): RegExpExecArray | null => /^(?:[*+?]|\{(\d+)(,(\d*))?\})\??/.exec(src.slice(j, j + 40));
  const alt = (): Node => {
    const xs = [seq()];
    while (src[i] === '|') {
      i++;
      xs.push(seq());
    }
    return xs.length === 1 ? xs[0]! : { k: '|', xs };
  };
  const seq = (): Node => {
    const xs: Node[] = [];
    while (i < src.length && src[i] !== '|' && src[i] !== ')') {
      const x = one();
      const q = quant(i);
      if (!q) {
        xs.push(x);
        continue;
      }
      if (x.k === 'a') throw NO;
      i += q[0].length;
      const c = q[0][0];
      const min = c === '+' ? 1 : c === '{' ? +q[1]! : 0;
      const max = c === '?' ? 1 : c === '{' ? (q[2] ? (q[3] ? +q[3] : -1) : min) : -1;
      xs.push({ k: '*', x, min, max, lazy: q[0].length > 1 && q[0].endsWith('?') });
    }
    return { k: 's', xs };
  };
  const one = (): Node => {
    const c = src[i]!;
    if (src.startsWith('(?![\\s\\S])', i)) {
      i += 10; // (pyRegex's \Z: the end of the text, whatever the flags)
      return { k: 'a', w: 'z' };
    }
    if (c === '(') {
      const named = /^\(\?<([A-Za-z_$][\w$]*)>/.exec(src.slice(i, i + 200));
      let n = 0;
      if (named) (i += named[0].length), (groups.names[named[1]!] = n = ++groups.n);
      else if (src.startsWith('(?:', i)) i += 3;
      else if (src[i + 1] === '?') throw NO; // lookaround
      else i++, (n = ++groups.n);
      const x = alt();
      if (src[i++] !== ')') throw NO;
      return n ? { k: 'g', n, x } : x;
    }
    if (c === '[') {
      let j = i + 1;
      if (src[j] === '^') j++;
      while (j < src.length && src[j] !== ']') j += src[j] === '\\' ? 2 : 1;
      if (j >= src.length) throw NO;
      const s = src.slice(i, (i = j + 1));
      return atom(s);
    }
    if (c === '^' || c === '$') {
      i++;
      return { k: 'a', w: c };
    }
    if (c === '.') {
      i++;
      return { k: 'c', t: tf.includes('s') ? () => true : (c) => !isLT(c) };
    }
    if (c === '\\') {
      const e = src[i + 1] ?? '';
      if (e === 'b' || e === 'B') {
        i += 2;
        return { k: 'a', w: e };
      }
      const len = e === 'x' ? 4 : e === 'u' ? 6 : e === 'c' ? 3 : 2;
      const s = src.slice(i, i + len);
      // backreferences (\1, \k<n>) and escapes whose meaning depends on what follows
      if (/[1-9k]/.test(e) || (e === '0' && /\d/.test(src[i + 2] ?? '')) || !/^\\(?:x[\da-fA-F]{2}|u[\da-fA-F]{4}|c[A-Za-z]|[^xuc])$/.test(s)) throw NO;
      i += len;
      return atom(s);
    }
    if (c === '*' || c === '+' || c === '?' || (c === '{' && quant(i))) throw NO;
    i++;
    return atom(c.replace(/[\\^$.*+?()[\]{}|/]/, '\\$&'));
  };
  const x = alt();
  if (i < src.length) throw NO;
  return x;
}

/** Line terminators (`.`, and `^`/`$` under the m flag). */
export const isLT = (c: number) => c === 10 || c === 13 || c === 0x2028 || c === 0x2029;
/** `\w` of non-Unicode mode; NaN (outside the text) is not a word character. */
export const isWord = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;

export function size(x: Node): number {
  switch (x.k) {
    case 'g':
      return size(x.x);
    case 'c':
    case 'a':
      return 1;
    case 's':
      return x.xs.reduce((n, y) => n + size(y), 0);
    case '|':
      return x.xs.reduce((n, y) => n + size(y) + 2, 0);
    case '*': {
      const s = size(x.x);
      return x.min * s + (x.max < 0 ? s + 2 : (x.max - x.min) * (s + 1));
    }
  }
}

/**
 * The NFA program of a parsed pattern, one state an instruction (arg: a jump target or a slot;
 * alt2: SPLIT's second, lower-priority branch), and the test of its zero-width assertions. With
 * `captures`, groups record their bounds and each iteration of a repeat clears its own groups'.
 */
export function program(tree: Node, flags: string, captures: boolean) {
  const op: number[] = [];
  const arg: number[] = [];
  const alt2: number[] = [];
  const test: Array<((c: number) => boolean) | string | null> = [];
  const emit = (o: number, a = 0, t: ((c: number) => boolean) | string | null = null, b = 0): number => {
    op.push(o);
    arg.push(a);
    alt2.push(b);
    test.push(t);
    return op.length - 1;
  };
  const gen = (x: Node): void => {
    if (x.k === 'g') {
      if (captures) emit(SAVE, 2 * x.n);
      gen(x.x);
      if (captures) emit(SAVE, 2 * x.n + 1);
    } else if (x.k === 'c') emit(CHAR, 0, x.t);
    else if (x.k === 'a') emit(ASSERT, 0, x.w);
    else if (x.k === 's') x.xs.forEach(gen);
    else if (x.k === '|') {
      const ends: number[] = [];
      x.xs.forEach((y, k) => {
        if (k === x.xs.length - 1) return gen(y);
        const s = emit(SPLIT, op.length + 1);
        gen(y);
        ends.push(emit(JMP));
        alt2[s] = op.length;
      });
      for (const e of ends) arg[e] = op.length;
    } else {
      const inner = captures ? groupsIn(x.x) : [];
      // one iteration: its groups cleared first
      const once = () => {
        if (inner.length) emit(RESET, 2 * Math.min(...inner), null, 2 * Math.max(...inner) + 1);
        gen(x.x);
      };
      for (let k = 0; k < x.min; k++) once();
      // (a lazy repeat tries its exit first: the SPLIT's branches swapped)
      const split = (s: number) => (alt2[s] = op.length, x.lazy && ([arg[s], alt2[s]] = [alt2[s]!, arg[s]!]));
      if (x.max < 0) {
        const s = emit(SPLIT, op.length + 1);
        once();
        emit(JMP, s);
        split(s);
      } else {
        // x{0,2} is (?:x(?:x)?)?, not x?x?: each exit leaves the whole repeat, so a lazy one
        // tries a second iteration before backtracking into the first (as the RegExp does)
        const splits: number[] = [];
        for (let k = x.min; k < x.max; k++) {
          splits.push(emit(SPLIT, op.length + 1));
          once();
        }
        splits.forEach(split);
      }
    }
  };
  gen(tree);
  emit(MATCH);
  const multi = flags.includes('m');
  const holds = (w: string, s: string, p: number): boolean => {
    if (w === '^') return p === 0 || (multi && isLT(s.charCodeAt(p - 1)));
    if (w === '$') return p === s.length || (multi && isLT(s.charCodeAt(p)));
    if (w === 'z') return p === s.length;
    return (isWord(s.charCodeAt(p - 1)) !== isWord(s.charCodeAt(p))) === (w === 'b');
  };
  return { op, arg, alt2, test, holds };
}

const groupsIn = (x: Node): number[] =>
  x.k === 'g' ? [x.n, ...groupsIn(x.x)] : x.k === 's' || x.k === '|' ? x.xs.flatMap(groupsIn) : x.k === '*' ? groupsIn(x.x) : [];

/**
 * `re.test(s)` for a sticky RegExp at index 0 (Python `re.match`), in time linear in `s`; null:
 * run the RegExp. `budget` bounds the states the matcher may visit (an NFA of thousands of states
 * from data walks all of them at each character): past it, undefined, neither match nor no match.
 */
export function linearMatcher(source: string, flags: string): (((s: string, budget?: number) => boolean | undefined) & { states: number }) | null {
  if (/[^imsy]/.test(flags)) return null;
  let tree: Node;
  try {
    tree = parse(source, flags);
    if (!(size(tree) <= LIMIT)) return null;
  } catch {
    return null; // (NO, or a pattern nested deeper than the stack: the RegExp copes or fails)
  }
  const { op, arg, alt2, test, holds } = program(tree, flags, false);
  const n = op.length;
  const tests = test as Array<(c: number) => boolean>;
  // (buffers reused by every call: a match runs to its end before another can start; `seen`
  // holds base + position, base moving past each text so nothing needs clearing)
  const seen = new Int32Array(n).fill(-1);
  const stack: number[] = [];
  let cur = new Int32Array(n);
  let next = new Int32Array(n);
  let base = 0;
  let steps = 0;
  const match = (s: string, budget = Infinity): boolean | undefined => {
    steps = 0;
    if (base > 2 ** 30 - s.length) seen.fill(-1), (base = 0);
    const b = base;
    base += s.length + 1;
    stack.length = 0;
    let nc = 0;
    let nn = 0;
    /** Adds state `pc` and what it reaches without reading at position p to `next`; true on a match. */
    const add = (pc: number, p: number): boolean => {
      stack.push(pc);
      while (stack.length) {
        const q = stack.pop()!;
        steps++;
        if (seen[q] === b + p) continue;
        seen[q] = b + p;
        const o = op[q];
        if (o === CHAR) next[nn++] = q;
        else if (o === SPLIT) stack.push(alt2[q]!, arg[q]!);
        else if (o === JMP) stack.push(arg[q]!);
        else if (o === MATCH) return (stack.length = 0), true;
        else if (holds(test[q] as string, s, p)) stack.push(q + 1);
      }
      return false;
    };
    if (add(0, 0)) return true;
    for (let p = 0; p < s.length && nn; p++) {
      if (steps > budget) return undefined;
      const t = cur;
      cur = next;
      next = t;
      nc = nn;
      nn = 0;
      const c = s.charCodeAt(p);
      for (let k = 0; k < nc; k++) {
        const q = cur[k]!;
        if (tests[q]!(c) && add(q + 1, p + 1)) return true;
      }
    }
    return false;
  };
  return Object.assign(match, { states: n });
}
