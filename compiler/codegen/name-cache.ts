// A data name read once per stretch of a part (issue #22, docs/decisions.md "Render, tenth pass").
//
// In a root or block function, a bare name that nothing in the template can bind is read through
// a local: `($n3 ??= ctx.x ?? $ld(…))`, so the chain miss, the `in`, the data load and the `ld`
// call run at the first read that reaches a value and not again. The read stays where the template
// reads it: a name used only in a branch not taken is never read, and a read that fails fails at
// its own line (the local stays unset, so the next site reads, and fails, again). A read after a
// top-level output that certainly read the name is the bare local (`$n3`), which is also what makes
// the code smaller.
//
// The kept value is dropped (the next reads use a fresh local) after any statement that may run
// template code or code the host gave by name: a call (function, def, macro, method, `caller`), a
// part rendered (include, block, embed, import, call block, slot), an await, a filter or test the
// host added, or a filter that applies others by name. Such a statement reads its own names
// afresh. So a `let` in an include or a block, or a data change made by a function the template
// calls, is seen by the reads after it. What can differ from reading every time: a data getter runs
// once per stretch, and a change the host makes from a getter, `toString` or another thread while
// the stretch runs is not seen until the next stretch.

import type * as A from '../ast.js';

/** Statement and expression nodes that run no template part and no host code given by name. */
const QUIET = new Set(['Data', 'Output', 'If', 'For', 'Break', 'Continue', 'Set', 'Const', 'Name', 'List', 'Tuple', 'Dict', 'Attr', 'Item', 'Slice', 'Filter', 'Test', 'BinOp', 'UnaryOp', 'BoolOp', 'Compare', 'CondExpr', 'NullCoalesce', 'Range', 'ListComp', 'NameTarget', 'TupleTarget']);
/** Built-in filters that apply filters or tests named by a string (which may be the host's). */
const BY_NAME = new Set(['map', 'select', 'reject', 'selectattr', 'rejectattr']);
/** Names the runtime binds without a binding in the template's text (def and call scopes, loops). */
const IMPLICIT = new Set(['caller', 'has_slot', 'varargs', 'kwargs', 'loop']);

interface Entry {
  v: string;
  uses: number;
  /** Every later site in this stretch runs after a read of it that succeeded. */
  read: boolean;
}

const MARK = '\u0001';
/** The start of a site's code: `(`, the marker around its local. */
const SITE = /^\(\u0001(\$n\d+)\u0001/;

export class NameCache {
  /** The current stretch's locals, by name. */
  private stretch = new Map<string, Entry>();
  private all: Entry[] = [];
  private memo = new WeakMap<object, boolean>();
  /** > 0 while a statement that may run other code is generated: its reads are not kept. */
  off = 0;
  /** Nesting of statement lists: 1 is the part's own top level. */
  depth = 0;

  constructor(
    private readonly fresh: () => string,
    private readonly quietFilter: (name: string) => boolean,
    private readonly quietTest: (name: string) => boolean,
  ) {}

  /**
   * Does `n` run nothing that could bind a name or change the data behind the template's back?
   * (Memoized: nested statement lists ask again for each statement inside a quiet one.)
   */
  quiet(n: A.Node): boolean {
    return this.quietIn(n);
  }

  private quietIn(x: unknown): boolean {
    if (x === null || typeof x !== 'object') return true;
    if (Array.isArray(x)) return x.every((y) => this.quietIn(y));
    const known = this.memo.get(x);
    if (known !== undefined) return known;
    const node = x as { type?: unknown } & Record<string, unknown>;
    let ok = typeof node.type !== 'string' || this.quietSelf(node as unknown as A.Node);
    if (ok) for (const k in node) if (k !== 'type' && !this.quietIn(node[k])) (ok = false);
    this.memo.set(x, ok);
    return ok;
  }

  private quietSelf(x: A.Node | A.Expr): boolean {
    if (!QUIET.has(x.type)) return false;
    if (x.type === 'For') return !x.isAsync;
    if (x.type === 'Filter') return this.quietFilter(x.name) && !BY_NAME.has(x.name);
    if (x.type === 'Test') return this.quietTest(x.name);
    return true;
  }

  /** A statement that is not quiet: generated without kept reads, then a new stretch begins. */
  loud<T>(f: () => T): T {
    this.off++;
    try {
      return f();
    } finally {
      this.off--;
      this.stretch = new Map();
    }
  }

  /** Whether a read of `name` may go through a local here. */
  keeps(name: string, bound: (name: string) => boolean): boolean {
    return this.off === 0 && !IMPLICIT.has(name) && !bound(name);
  }

  /** The code of one read site: `read` is the full read without parentheses around it. */
  site(name: string, read: string): string {
    let e = this.stretch.get(name);
    if (!e) {
      e = { v: this.fresh(), uses: 0, read: false };
      this.stretch.set(name, e);
      this.all.push(e);
    }
    e.uses++;
    return e.read ? e.v : `(${MARK}${e.v}${MARK}${read})`;
  }

  /**
   * After a top-level output whose code is `js`: the names its expression certainly read, where
   * that read is a site of this stretch (an output folded to a constant reads nothing).
   */
  settle(expr: A.Expr, js: string): void {
    for (const name of certainReads(expr, this.quietFilter)) {
      const e = this.stretch.get(name);
      if (e && js.includes(`${MARK}${e.v}${MARK}`)) e.read = true;
    }
  }

  /**
   * The local of `code` when it is a site of this cache: an attribute read then reads the local
   * after it, `$ega(($n0 ??= …), $n0?.title, "title")`, with no temporary (the site keeps its
   * assignment).
   */
  alias(code: string): string | null {
    const m = SITE.exec(code);
    const e = m && this.all.find((x) => x.v === m[1]);
    if (!e) return null;
    e.uses++;
    return e.v;
  }

  /** A statement a resumed part may jump past or into (a loop, a branch): nothing is known read. */
  forget(): void {
    for (const e of this.stretch.values()) e.read = false;
  }

  /** Writes the markers out (a local used once is no local) and gives the locals to declare. */
  finish(lines: string[]): string[] {
    const used = this.all.filter((e) => e.uses > 1);
    if (!this.all.length) return [];
    const re = new RegExp(`${MARK}(\\$n\\d+)${MARK}`, 'g');
    const many = new Set(used.map((e) => e.v));
    for (let i = 0; i < lines.length; i++) {
      const l = lines[i]!;
      if (l.includes(MARK)) lines[i] = l.replace(re, (_, v: string) => (many.has(v) ? `${v} ??= ` : ''));
    }
    return used.map((e) => e.v);
  }
}

/**
 * The bare names an expression reads whatever their values, in an order where none is reached
 * only through a branch: names, attribute and item chains, arithmetic and `~`, and the value of a
 * plain built-in filter (`default` reads its value guarded: left out).
 */
function certainReads(e: A.Expr, quietFilter: (name: string) => boolean): string[] {
  const out: string[] = [];
  const visit = (x: A.Expr): void => {
    switch (x.type) {
      case 'Name':
        out.push(x.name);
        return;
      case 'Attr':
        if (!x.optional) visit(x.obj);
        return;
      case 'Item':
        if (!x.optional) visit(x.obj);
        return;
      case 'BinOp':
        if (['~', '+', '-', '*', '/', '//', '%'].includes(x.op)) {
          visit(x.left);
          visit(x.right);
        }
        return;
      case 'Filter':
        if ((x.op === '|' || x.op === '|>') && x.name !== 'default' && x.name !== 'd' && quietFilter(x.name)) visit(x.value);
        return;
      default:
        return;
    }
  };
  visit(e);
  return out;
}
