// Template text shared by a part's two functions (issue #22, code size). A sync root or block
// is compiled to a string builder and a generator (codegen.ts, bothBodies) that carry the same
// text; written once as a module constant that both read, the text is in the module once. Text
// is the bulk of a page, so a page's module shrinks by about the size of its markup.
//
// During the pass that writes both functions, each text is a token (`\u0002<n>\u0002`: generated
// code never holds a raw STX, JSON escapes it); once the pass knows whether the generator stays,
// `resolve` makes each token a constant's name, or the literal again when only the builder is
// left (a constant would then cost more than it saves).

const TOKEN = /\u0002(\d+)\u0002/g;
/** Literals shorter than this stay inline: a constant and its two reads would be longer. */
const MIN_LENGTH = 9;

export class SharedTexts {
  /** Texts met in the current two-function pass (token n is texts[n]); null outside one. */
  private texts: string[] | null = null;

  /** Starts a two-function pass. */
  begin(): void {
    this.texts = [];
  }

  /** The JavaScript for a text in the current pass: a token, or the literal (short, or no pass). */
  text(literal: string): string {
    if (this.texts === null || literal.length < MIN_LENGTH) return literal;
    return `\u0002${this.texts.push(literal) - 1}\u0002`;
  }

  /**
   * Ends the pass: rewrites the tokens of `bodies` in place, as constants when `shared` (the
   * declarations to put before the functions, in a scope of their own, are returned) or back to
   * literals.
   */
  end(bodies: { lines: string[] }[], shared: boolean): string[] {
    const texts = this.texts ?? [];
    this.texts = null;
    const names = new Map<string, string>(); // (one constant per distinct text)
    const declared: string[] = [];
    const nameOf = (n: string): string => {
      const literal = texts[Number(n)]!;
      if (!shared) return literal;
      let v = names.get(literal);
      if (!v) {
        v = `$X${names.size}`;
        names.set(literal, v);
        declared.push(`${v} = ${literal}`);
      }
      return v;
    };
    for (const b of bodies)
      for (let i = 0; i < b.lines.length; i++) if (b.lines[i]!.includes('\u0002')) b.lines[i] = b.lines[i]!.replace(TOKEN, (_, n: string) => nameOf(n));
    return declared.length ? [`const ${declared.join(', ')};`] : [];
  }
}
