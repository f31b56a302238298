// What `RegExp#exec` finds — the leftmost match, its end and its groups, by JavaScript's
// priorities (the first alternative, greedy before lazy) — in time linear in the text: a Pike VM
// over the program runtime/regex.ts's parser reads, each thread carrying its captures. Nunjucks
// mode runs patterns V8 could backtrack on through it (runtime/nunjucks/guards.ts): hostile text
// cannot make a template's `r/…/` exponential. As the RegExp, captures inside a repeated group
// start afresh at each iteration. Null where the syntax needs the RegExp (lookaround,
// backreferences, flags other than i/m/s/g/y), and where a repeat's body can match nothing
// (`(a*)*`): JavaScript ends a repeat at an empty iteration, which depends on more than the
// state and the position a Pike VM keeps one thread for.

import { ASSERT, CHAR, JMP, LIMIT, MATCH, RESET, SAVE, SPLIT, parse, program, size, type Groups, type Node } from './regex.js';

/** A match: [start, end] of the whole and of each group (-1: did not take part). */
export type Caps = Int32Array;
export type LinearExec = ((s: string, from: number, sticky: boolean) => Caps | null) & {
  groups: Groups;
  /** The same search, for many calls over one text (a global replace/match/split): see `many` below. */
  many(s: string): ((from: number, sticky: boolean) => Caps | null) | null;
};

/** Can `x` match the empty string? */
const nullable = (x: Node): boolean =>
  x.k === 'a' || (x.k === 's' ? x.xs.every(nullable) : x.k === '|' ? x.xs.some(nullable) : x.k === '*' ? x.min === 0 || nullable(x.x) : x.k === 'g' && nullable(x.x));
/** Does a repeat with optional iterations have a body that can match nothing? */
const emptyLoop = (x: Node): boolean =>
  x.k === 's' || x.k === '|' ? x.xs.some(emptyLoop) : x.k === 'g' ? emptyLoop(x.x) : x.k === '*' && ((x.max !== x.min && nullable(x.x)) || emptyLoop(x.x));

export function linearExec(source: string, flags: string): LinearExec | null {
  if (/[^imsgy]/.test(flags)) return null;
  const groups: Groups = { n: 0, names: {} };
  let tree: Node;
  try {
    tree = parse(source, flags, groups);
    if (!(size(tree) <= LIMIT) || emptyLoop(tree)) return null;
  } catch {
    return null;
  }
  const { op, arg, alt2, test, holds } = program(tree, flags, true);
  const slots = 2 * (groups.n + 1);
  const n = op.length;
  // (marks of visited states, by step: `step` keeps growing across calls so none need clearing)
  const mark = new Int32Array(n).fill(-1);
  let step = 0;
  const exec = (s: string, from: number, sticky: boolean): Caps | null => {
    let cur: { pc: number; c: Int32Array }[] = [];
    let next: { pc: number; c: Int32Array }[] = [];
    let found: Int32Array | null = null;
    /** Follows what `pc` reaches without reading, in priority order; CHAR and MATCH states join `list`. */
    const add = (list: { pc: number; c: Int32Array }[], pc: number, c: Int32Array, p: number): void => {
      if (mark[pc] === step) return;
      mark[pc] = step;
      switch (op[pc]) {
        case JMP:
          return add(list, arg[pc]!, c, p);
        case SPLIT:
          add(list, arg[pc]!, c, p);
          return add(list, alt2[pc]!, c, p);
        case SAVE: {
          const d = c.slice();
          d[arg[pc]!] = p;
          return add(list, pc + 1, d, p);
        }
        case RESET: {
          const d = c.slice();
          d.fill(-1, arg[pc]!, alt2[pc]! + 1);
          return add(list, pc + 1, d, p);
        }
        case ASSERT:
          if (holds(test[pc] as string, s, p)) add(list, pc + 1, c, p);
          return;
        default:
          list.push({ pc, c });
      }
    };
    const fresh = () => new Int32Array(slots).fill(-1);
    for (let p = from; ; p++) {
      step++;
      if (step > 2 ** 30) mark.fill(-1), (step = 1);
      // (a new start, lowest priority, while nothing matched: the leftmost match wins)
      if (!found && (p === from || !sticky)) {
        const c = fresh();
        c[0] = p;
        // (threads already in `cur` were added at this position by the previous step)
        for (const t of cur) mark[t.pc] = step;
        const start: { pc: number; c: Int32Array }[] = [];
        add(start, 0, c, p);
        cur = cur.concat(start);
      }
      step++;
      next = [];
      const ch = p < s.length ? s.charCodeAt(p) : NaN;
      for (const t of cur) {
        if (op[t.pc] === MATCH) {
          found = t.c.slice();
          found[1] = p;
          break; // (lower priorities lose)
        }
        if (p < s.length && (test[t.pc] as (c: number) => boolean)(ch)) add(next, t.pc + 1, t.c, p + 1);
      }
      if (p >= s.length) break;
      cur = next;
      if (!cur.length && (found || sticky)) break;
    }
    return found ? found.subarray(0, slots) : null;
  };
  /**
   * Every match of a global operation in O(text × program) in all, where calling `exec` at each
   * match's end is O(text) per match (a preferred alternative that fails only at the end of the
   * text, `(a+)+c|a`: 4,000 characters took 15 s). One backward pass marks, for each position and
   * state, whether a match can still be completed from there (without backreferences or
   * lookaround this depends on nothing else; a repeat's body cannot match empty, so the states a
   * position links without reading form no cycle); a match is then the walk that takes, at each
   * choice, the first branch in JavaScript's priority order that can complete — the path a
   * backtracking RegExp settles on. Null when the table would pass 2^25 entries: `exec` then.
   */
  const many = (s: string): ((from: number, sticky: boolean) => Caps | null) | null => {
    const L = s.length;
    if ((L + 1) * n > 2 ** 25) return null;
    // (0 not known yet, 1 no, 2 yes)
    const A = new Uint8Array((L + 1) * n);
    const ok = (pc: number, p: number): boolean => {
      const i = p * n + pc;
      if (A[i]) return A[i] === 2;
      A[i] = 1;
      const o = op[pc];
      const r =
        o === MATCH ||
        (o === CHAR
          ? p < L && (test[pc] as (c: number) => boolean)(s.charCodeAt(p)) && A[i + n + 1] === 2
          : o === JMP
            ? ok(arg[pc]!, p)
            : o === SPLIT
              ? ok(arg[pc]!, p) || ok(alt2[pc]!, p)
              : (o !== ASSERT || holds(test[pc] as string, s, p)) && ok(pc + 1, p));
      A[i] = r ? 2 : 1;
      return r;
    };
    for (let p = L; p >= 0; p--) for (let pc = 0; pc < n; pc++) ok(pc, p);
    return (from, sticky) => {
      let i = from;
      if (sticky) {
        if (i > L || A[i * n] !== 2) return null;
      } else while (i <= L && A[i * n] !== 2) i++;
      if (i > L) return null;
      const c = new Int32Array(slots).fill(-1);
      c[0] = i;
      for (let pc = 0, p = i; ; ) {
        const o = op[pc];
        if (o === MATCH) return (c[1] = p), c;
        if (o === CHAR) pc++, p++;
        else if (o === JMP) pc = arg[pc]!;
        else if (o === SPLIT) pc = A[p * n + arg[pc]!] === 2 ? arg[pc]! : alt2[pc]!;
        else {
          if (o === SAVE) c[arg[pc]!] = p;
          else if (o === RESET) c.fill(-1, arg[pc]!, alt2[pc]! + 1);
          pc++;
        }
      }
    };
  };
  return Object.assign(exec, { groups, many });
}
