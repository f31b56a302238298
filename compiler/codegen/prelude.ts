// The prelude renderBlock runs (top-level defs, imports, lets) when it is only defs that cannot
// fail (no parameter defaults): no line bookkeeping and no `try`, and each def's line, which
// the root also runs where the def stands, written once (issue #22, code size: the card page's
// def was written out in both).

/** One `ctx["name"] = $makeDef(…)` line of a def whose parameters have no default (a light def's ends in `, 1`). */
const PLAIN_DEF = /^ctx\["[^"\\]*"\] = \$makeDef\(\{[^()]*\}, \[(?:\$REQUIRED(?:, |(?=\])))*\], ctx, \$D\d+(?:, 1)?\);$/;

/**
 * The prelude's module lines given its body (fnBody's lines: `let`, `try {`, …, the catch), or
 * null when a statement in it can fail (it then keeps its body, try and all). `moduleLines`
 * (the module so far, the root among them) has each def line replaced with a call of the
 * function that holds it.
 */
export function plainPrelude(body: { lines: string[] }, moduleLines: string[]): string[] | null {
  const defs = body.lines.slice(2, -1).filter((l) => !/^L = \d+;$/.test(l));
  if (!defs.every((l) => PLAIN_DEF.test(l))) return null;
  // (one def: the prelude is its function; more: one function each, which the prelude calls)
  const fn = (i: number) => (defs.length === 1 ? '$prelude' : `$P${i}`);
  const at = new Map(defs.map((l, i) => [l, fn(i)]));
  for (let i = 0; i < moduleLines.length; i++) {
    const f = at.get(moduleLines[i]!);
    if (f) moduleLines[i] = `${f}(ctx);`;
  }
  if (defs.length === 1) return [`function $prelude(ctx) { ${defs[0]} }`];
  return [...defs.map((l, i) => `function ${fn(i)}(ctx) { ${l} }`), `function $prelude(ctx) { ${defs.map((_, i) => `${fn(i)}(ctx);`).join(' ')} }`];
}
