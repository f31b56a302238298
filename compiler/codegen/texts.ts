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
/** Literals shorter than this stay inline: a constant and its two reads would be longer (minified), and gzip finds a short repeat for next to nothing. */
const MIN_LENGTH = 24;

export class SharedTexts {
  /** Texts met in the current two-function pass (token n is texts[n]); null outside one. */
  private texts: string[] | null = null;
  /** The template line of each def or region body among them (for the source map). */
  private lines = new Map<string, number>();

  /** Starts a two-function pass. */
  begin(): void {
    this.texts = [];
  }

  /** The JavaScript for a text in the current pass: a token, or the literal (short, or no pass). */
  text(literal: string): string {
    if (this.texts === null || literal.length < MIN_LENGTH) return literal;
    return `\u0002${this.texts.push(literal) - 1}\u0002`;
  }

  /** Runs `f` outside the current pass (its texts stay literals). */
  outside<T>(f: () => T): T {
    const saved = this.texts;
    this.texts = null;
    try {
      return f();
    } finally {
      this.texts = saved;
    }
  }

  /**
   * A def or region body (an arrow function's text) in the current pass: shared like a text
   * when it reads nothing of the function around it. A body is written with its own `ctx`,
   * caller, buffer and line variables; only an include or block inside it reads the
   * surrounding render state `R` (a word `R` in its text, a string's included, keeps it in place).
   */
  body(fn: string, line: number): string {
    if (/\bR\b/.test(fn)) return fn;
    this.lines.set(fn, line);
    return this.text(fn);
  }

  /**
   * Ends the pass: rewrites the tokens of `bodies` in place, as constants when `shared` (the
   * declarations to put before the functions, in a scope of their own, are returned with their
   * template lines) or back to literals.
   */
  end(bodies: { lines: string[] }[], shared: boolean): { code: string; line: number }[] {
    const texts = this.texts ?? [];
    const lines = this.lines;
    this.texts = null;
    this.lines = new Map();
    const names = new Map<string, string>(); // (one constant per distinct text)
    const declared: string[] = [];
    const out: { code: string; line: number }[] = [];
    const nameOf = (n: string): string => {
      const literal = texts[Number(n)]!;
      if (!shared) return literal;
      let v = names.get(literal);
      if (!v) {
        v = `$X${names.size}`;
        names.set(literal, v);
        const line = lines.get(literal);
        // (a body's own texts are resolved too; each body is a declaration on its own line)
        if (line === undefined) declared.push(`${v} = ${literal}`);
        else out.push({ code: `const ${v} = ${resolve(literal)};`, line });
      }
      return v;
    };
    function resolve(line: string): string {
      return line.includes('\u0002') ? line.replace(TOKEN, (_, n: string) => resolve(nameOf(n))) : line;
    }
    for (const b of bodies) for (let i = 0; i < b.lines.length; i++) b.lines[i] = resolve(b.lines[i]!);
    if (declared.length) out.unshift({ code: `const ${declared.join(', ')};`, line: 0 });
    return out;
  }
}
