// The parser: tokens → AST, by recursive descent. The expression grammar follows the
// precedence table of the language reference (lowest first):
//   ??  →  ternary  →  or  →  and  →  not  →  comparisons/tests  →  + - ~
//   →  filters | ?| |> ?|>  →  * / // %  →  unary - + await  →  **  →  postfix  →  primary

import type * as A from './ast.js';
import { TemplateSyntaxError, didYouMean } from '../runtime/errors.js';
import { resolveSyntax, tokenize, type LexOptions, type Syntax, type Token } from './lexer.js';
import { parseDefer } from './defer.js';
import { parseNjkExtension } from './nunjucks/extensions.js';
import { UNKNOWN_TAG, type NjkTagToken } from './nunjucks/tokens.js';
import { njkExpression, njkGroup, type NjkParser } from './nunjucks/precedence.js';

const KEYWORDS = [
  'if', 'unless', 'for', 'async', 'while', 'break', 'continue', 'set', 'let', 'export', 'promote', 'template', 'block',
  'fragment', 'globals', 'imports', 'extends', 'include', 'import', 'from', 'with', 'raw', 'def', 'region', 'call',
  'capture', 'cache', 'filter', 'flush', 'slot', 'yield', 'match', 'try', 'spaceless', 'embed', 'push', 'stack',
  'provide', 'trans',
];
/** Tags Nunjucks' parser knows before its extensions (as written: an extension of such a name never runs in Nunjucks). */
const NJK_TAGS = new Set([
  'raw', 'verbatim', 'endraw', 'endverbatim', 'if', 'ifAsync', 'elif', 'elseif', 'else', 'endif', 'for', 'asyncEach', 'asyncAll', 'endfor', 'endeach', 'endall',
  'macro', 'endmacro', 'call', 'endcall', 'set', 'endset', 'extends', 'include', 'block', 'endblock', 'import', 'from',
  'filter', 'endfilter', 'switch', 'case', 'default', 'endswitch',
]);
const JINJA_HINTS: Record<string, string> = Object.assign(Object.create(null) as Record<string, string>, {
  macro: "Kida uses {% def %} instead of {% macro %}",
  endmacro: "Kida uses {% def %}…{% end %} instead of {% macro %}…{% endmacro %}",
  namespace: 'Use {% let %} / {% export %} for values that outlive a block',
  endset: 'Use {% capture name %}…{% end %} to capture a block of output',
  fill: 'Use {% slot name %} inside {% call %} to fill a slot',
  endfill: 'Use {% slot name %}…{% end %} inside {% call %}',
  autoescape: 'Kida has no {% autoescape %} tag: escaping is configured on the Environment; use | safe or | escape',
  do: 'Kida has no {% do %} tag: use {% set _ = expr %}',
});
/** Deeper nesting would exhaust the compiler's (and the generated code's) stack. */
const MAX_NESTING = 256;
const MAX_EXPR_DEPTH = 256;
const CONTINUATIONS = new Set(['elif', 'else', 'empty', 'case', 'fallback', 'plural']);
const CONST_NAMES: Record<string, A.Const['value']> = Object.assign(Object.create(null) as Record<string, A.Const['value']>, {
  true: true, false: false, none: null, True: true, False: false, None: null,
});

interface OpenBlock {
  tag: string;
  line: number;
  /** Of the opening tag's keyword: an unclosed block is reported there. */
  col: number;
}

export function parse(source: string, options: LexOptions = {}): A.TemplateAst {
  try {
    return new Parser(source, options).parseTemplate();
  } catch (e) {
    // Safety net: pathological nesting that slipped past the depth limits.
    if (e instanceof RangeError && /call stack/i.test(e.message))
      throw new TemplateSyntaxError('Template is nested too deeply to compile', 'K-PAR-007', {
        templateName: options.name ?? '<template>',
        suggestion: 'Split the template into defs or includes',
      });
    throw e;
  }
}

/** A token after which no expression goes on: a tag's end, or a separator or closer of a list or call. */
function endsOperand(t: Token): boolean {
  return t.type === 'var_end' || t.type === 'block_end' || (t.type === 'op' && (t.value === ',' || t.value === ')' || t.value === ']'));
}

/** A call's arguments. (An object, not a pair: destructuring an array runs the iterator protocol, which costs while the compiler's code is cold.) */
interface CallArgs {
  args: A.Expr[];
  kwargs: A.Kwarg[];
}
const noArgs = (): CallArgs => ({ args: [], kwargs: [] });

// Nodes copy `line: t.line, col: t.col` from their token: spreading a position object into each
// node cost about 7% of parsing in a build, where the parser's code runs cold.
class Parser {
  private toks: Token[];
  private i = 0;
  private readonly name: string;
  private open: OpenBlock[] = [];
  /** Statement nesting for placement rules: 'top', 'def', 'block', 'loop', 'other'. */
  private ctxStack: string[] = ['top'];
  private loopDepth = 0;
  private sawTemplateDecl = false;
  private exprDepth = 0;
  /** The delimiters, for messages (`expected %}` reads `expected %>` with `<% %>`). */
  private readonly syn: Syntax;
  /** Nunjucks compat mode (compiler/nunjucks/). */
  private readonly njk: boolean;
  private readonly njkTags: LexOptions['njkExtensions'];

  constructor(
    private readonly source: string,
    options: LexOptions,
  ) {
    this.name = options.name ?? '<template>';
    this.njk = !!options.nunjucks;
    this.njkTags = options.njkExtensions;
    this.syn = resolveSyntax(options);
    this.toks = tokenize(source, options);
  }

  // ------------------------------------------------------------------ token helpers

  private get tok(): Token {
    return this.toks[this.i]!;
  }
  private peek(n = 1): Token {
    return this.toks[Math.min(this.i + n, this.toks.length - 1)]!;
  }
  private next(): Token {
    const t = this.toks[this.i]!;
    if (this.i < this.toks.length - 1) this.i++;
    return t;
  }
  private isOp(v: string, t: Token = this.tok): boolean {
    return t.type === 'op' && t.value === v;
  }
  private isName(v?: string, t: Token = this.tok): boolean {
    return t.type === 'name' && (v === undefined || t.value === v);
  }
  private acceptOp(v: string): boolean {
    if (this.isOp(v)) {
      this.next();
      return true;
    }
    return false;
  }
  private acceptName(v: string): boolean {
    if (this.isName(v)) {
      this.next();
      return true;
    }
    return false;
  }
  private fail(msg: string, code = 'K-PAR-001', t: { line: number; col: number } = this.tok, suggestion: string | null = null): never {
    let full = msg;
    if (this.open.length && code !== 'K-PAR-002')
      full +=
        '\n\nOpen blocks:\n' +
        [...this.open].reverse().slice(0, 8).map((b) => `  - ${b.tag} (opened at line ${b.line})`).join('\n') +
        (this.open.length > 8 ? `\n  … and ${this.open.length - 8} more` : '');
    throw new TemplateSyntaxError(full, code, { templateName: this.name, lineno: t.line, colno: t.col, source: this.source, suggestion });
  }
  private describe(t: Token): string {
    switch (t.type) {
      case 'op':
      case 'name':
      case 'int':
      case 'float':
      case 'string':
        return `'${t.value}'`;
      case 'eof':
        return 'end of template';
      case 'var_end':
        return `end of tag '${this.syn.variableEnd}'`;
      case 'block_end':
        return `end of tag '${this.syn.blockEnd}'`;
      case 'data':
        return 'text';
      default:
        return `'${t.value}'`;
    }
  }
  private expectOp(v: string): Token {
    if (!this.isOp(v)) this.fail(`Expected '${v}', got ${this.describe(this.tok)}`, 'K-PAR-003');
    return this.next();
  }
  /** Nunjucks rejects a trailing comma before `)`, `]` and `}` ("unexpected token"). */
  /** Nunjucks refuses a template with two blocks of one name (wherever they stand). */
  private njkBlockName(at: Token): void {
    const n = this.tok;
    if (n.type !== 'name') return;
    if (this.njkBlocks.has(n.value)) this.fail(`Block "${n.value}" defined more than once.`, 'K-PAR-006', at, 'Rename one of them');
    this.njkBlocks.add(n.value);
  }
  private readonly njkBlocks = new Set<string>();
  private njkTrailingComma(): void {
    if (this.njk) this.fail(`unexpected token: ${this.tok.value}`, 'K-PAR-003');
  }
  /** A group's, list's or dict's end: Nunjucks' parseAggregate takes any closing bracket (`[{ a: 1 ]}` is a list of one dict). */
  private isCloser(c: ')' | ']' | '}'): boolean {
    return this.njk ? this.isOp(')') || this.isOp(']') || this.isOp('}') : this.isOp(c);
  }
  private acceptCloser(c: ')' | ']' | '}'): boolean {
    if (!this.isCloser(c)) return false;
    this.next();
    return true;
  }
  private expectCloser(c: ')' | ']' | '}'): void {
    if (!this.acceptCloser(c)) this.expectOp(c);
  }
  private expectName(what = 'a name'): Token {
    if (this.tok.type !== 'name') this.fail(`Expected ${what}, got ${this.describe(this.tok)}`, 'K-PAR-003');
    return this.next();
  }
  private expectBlockEnd(): void {
    if (this.tok.type !== 'block_end') this.fail(`Unexpected ${this.describe(this.tok)} in tag: expected ${this.syn.blockEnd}`, 'K-PAR-001');
    this.next();
  }
  // ------------------------------------------------------------------ template structure

  parseTemplate(): A.TemplateAst {
    const { nodes, stop } = this.body([]);
    if (stop) this.fail(`Unexpected '${stop.value}'`, 'K-PAR-001', stop);
    return { name: this.name, body: nodes };
  }

  /**
   * Parses statements until a block tag whose keyword is in `stops` (the keyword token is
   * consumed and returned; the rest of that tag is left for the caller).
   */
  private body(stops: string[]): { nodes: A.Node[]; stop: Token | null } {
    const nodes: A.Node[] = [];
    for (;;) {
      const t = this.tok;
      if (t.type === 'eof') {
        if (this.open.length) {
          const b = this.open[this.open.length - 1]!;
          this.fail(`Unclosed '${b.tag}' block (opened at line ${b.line})`, 'K-PAR-002', b,
            `Add {% end %} (or {% end${b.tag} %}) to close the '${b.tag}' block`);
        }
        return { nodes, stop: null };
      }
      if (t.type === 'data') {
        this.next();
        const last = nodes[nodes.length - 1];
        if (last && last.type === 'Data') last.text += t.value;
        else nodes.push({ type: 'Data', text: t.value, line: t.line, col: t.col });
        continue;
      }
      if (t.type === 'var_begin') {
        this.next();
        if (this.tok.type === 'var_end') this.fail(`Empty expression in ${this.syn.variableStart} ${this.syn.variableEnd}`, 'K-PAR-003');
        const expr = this.expression();
        if ((this.tok as Token).type !== 'var_end') this.fail(`Unexpected ${this.describe(this.tok)} in output tag: expected ${this.syn.variableEnd}`, 'K-PAR-001');
        this.next();
        nodes.push({ type: 'Output', expr, line: t.line, col: t.col });
        continue;
      }
      if (t.type === 'block_begin') {
        const kw = this.peek();
        if (kw.type !== 'name') {
          this.next();
          this.fail(`Expected a tag name after ${this.syn.blockStart}, got ${this.describe(kw)}`, 'K-PAR-001', kw);
        }
        if (stops.includes(kw.value)) {
          this.next();
          return { nodes, stop: this.next() };
        }
        this.next();
        const node = this.statement();
        if (node) {
          const last = nodes[nodes.length - 1];
          if (node.type === 'Data' && last && last.type === 'Data') last.text += node.text;
          else nodes.push(node);
        }
        continue;
      }
      this.fail(`Unexpected ${this.describe(t)}`);
    }
  }

  /** Opens a block, parses its body up to one of `cont` or an end tag; returns the stop keyword. */
  /** The body up to the tag ending it (`end` when an end tag, else the continuation's keyword); `endTok`: that tag's keyword. */
  private block(tag: string, at: Token, cont: string[], extraEnds: string[] = [], name?: string): { nodes: A.Node[]; stop: string; endTok: Token } {
    if (this.open.length >= MAX_NESTING)
      this.fail(`Blocks are nested more than ${MAX_NESTING} levels deep`, 'K-PAR-007', at, 'Split the template into defs or includes');
    this.open.push({ tag, line: at.line, col: at.col });
    const ends = ['end', `end${tag}`, ...extraEnds];
    const { nodes, stop } = this.body([...ends, ...cont]);
    this.open.pop();
    const kw = stop!.value;
    if (ends.includes(kw)) {
      if (kw === 'endblock' || kw === 'endfragment') {
        // (Nunjucks: `{% endblock name %}` may repeat the block's own name)
        if (this.njk && kw === 'endblock' && this.tok.type === 'name' && this.tok.value === name) this.next();
        if (this.njk && this.tok.type === 'name') this.fail(`expected block end in ${this.tok.value} statement`, 'K-PAR-007');
        if (this.tok.type === 'name') this.fail(`{% ${kw} %} takes no name: use {% ${kw} %} or {% end %}`, 'K-PAR-007');
      }
      this.expectBlockEnd();
      return { nodes, stop: 'end', endTok: stop! };
    }
    return { nodes, stop: kw, endTok: stop! };
  }

  private inCtx<T>(c: string, f: () => T): T {
    // Everything inside a branch removed by constant folding is exempt from placement rules.
    this.ctxStack.push(this.ctxStack[this.ctxStack.length - 1] === 'dead' ? 'dead' : c);
    try {
      return f();
    } finally {
      this.ctxStack.pop();
    }
  }

  // ------------------------------------------------------------------ statements

  private statement(): A.Node | null {
    const kwTok = this.next();
    const kw = kwTok.value;
    const p = kwTok; // (its line and col)
    // Nunjucks mode: an app's extension owns its tag unless Nunjucks has a tag of that name (a
    // Kida-only tag such as `spaceless` or `with` is no tag to Nunjucks, where the extension runs)
    const written = (kwTok as NjkTagToken).njkTag ?? kw;
    if (this.njk && !NJK_TAGS.has(written)) {
      const ext = this.njkTags?.get(written);
      if (ext) return parseNjkExtension(this as never, kwTok, ext.name, ext.ext);
    }
    switch (kw) {
      case 'if':
      case 'unless':
        return this.ifStmt(kwTok, kw === 'unless');
      case 'for':
        return this.forStmt(kwTok, false);
      case 'async':
        if (!this.acceptName('for')) this.fail("Expected 'for' after 'async'", 'K-PAR-001');
        return this.forStmt(kwTok, true);
      case 'while': {
        const cond = this.expression();
        this.expectBlockEnd();
        this.loopDepth++;
        const { nodes } = this.inCtx('loop', () => this.block('while', kwTok, []));
        this.loopDepth--;
        return { type: 'While', cond, body: nodes, line: p.line, col: p.col };
      }
      case 'break':
      case 'continue':
        if (!this.loopDepth) this.fail(`'${kw}' outside loop`, 'K-PAR-001', kwTok);
        this.expectBlockEnd();
        return { type: kw === 'break' ? 'Break' : 'Continue', line: p.line, col: p.col };
      case 'set':
      case 'let':
      case 'export':
      case 'promote':
        return this.setStmt(kwTok, kw);
      case 'with':
        return this.withStmt(kwTok);
      case 'match':
        return this.matchStmt(kwTok);
      case 'def':
        return this.defStmt(kwTok);
      case 'region':
        return this.regionStmt(kwTok);
      case 'call':
        return this.callStmt(kwTok);
      case 'slot':
        return this.slotStmt(kwTok);
      case 'yield': {
        const name = this.tok.type === 'name' ? this.next().value : 'default';
        this.expectBlockEnd();
        return { type: 'Yield', name, line: p.line, col: p.col };
      }
      case 'import': {
        const template = this.expression();
        if (!this.acceptName('as')) this.fail("Expected 'as' in {% import %}", 'K-PAR-003');
        const alias = this.expectName('a namespace name').value;
        const withContext = this.contextModifier(false);
        this.expectBlockEnd();
        return { type: 'Import', template, alias, withContext, line: p.line, col: p.col };
      }
      case 'from':
        return this.fromImport(kwTok);
      case 'include':
        return this.includeStmt(kwTok);
      case 'extends': {
        const where = this.ctxStack[this.ctxStack.length - 1];
        // (Nunjucks: extends is a statement, run where it stands outside macros and blocks: codegen/njk-extends.ts)
        const njkRuns = this.njk && !this.ctxStack.some((c) => c === 'def' || c === 'block');
        if (where !== 'top' && where !== 'dead' && !njkRuns) this.fail('{% extends %} must be at the template top level', 'K-PAR-007', kwTok);
        const template = this.expression();
        this.expectBlockEnd();
        return { type: 'Extends', template, line: p.line, col: p.col };
      }
      case 'block':
      case 'fragment':
        if (this.njk) this.njkBlockName(kwTok);
        return this.blockStmt(kwTok, kw === 'fragment');
      case 'globals':
      case 'imports': {
        this.expectBlockEnd();
        const { nodes } = this.block(kw, kwTok, []);
        return { type: 'Globals', body: nodes, line: p.line, col: p.col };
      }
      case 'embed':
        return this.embedStmt(kwTok);
      case 'capture': {
        const name = this.expectName('a variable name').value;
        let filter: A.Capture['filter'] = null;
        if (this.acceptOp('|')) {
          const fname = this.expectName('a filter name').value;
          const { args, kwargs } = this.isOp('(') ? this.callArgs() : noArgs();
          filter = { name: fname, args, kwargs };
        }
        this.expectBlockEnd();
        const { nodes } = this.inCtx('other', () => this.block('capture', kwTok, []));
        return { type: 'Capture', name, body: nodes, filter, line: p.line, col: p.col };
      }
      case 'filter': {
        const name = this.filterName();
        const { args, kwargs } = this.isOp('(') ? this.callArgs() : noArgs();
        if (this.isOp('|')) this.fail('{% filter %} takes a single filter; apply more inside the body', 'K-PAR-007');
        this.expectBlockEnd();
        const { nodes } = this.inCtx('other', () => this.block('filter', kwTok, []));
        return { type: 'FilterBlock', name, args, kwargs, body: nodes, line: p.line, col: p.col };
      }
      case 'spaceless': {
        this.expectBlockEnd();
        const { nodes } = this.inCtx('other', () => this.block('spaceless', kwTok, []));
        return { type: 'Spaceless', body: nodes, line: p.line, col: p.col };
      }
      case 'cache': {
        const key = this.expression();
        let ttl: A.Expr | null = null;
        const depends: A.Expr[] = [];
        while (this.acceptOp(',')) {
          const k = this.expectName('ttl= or depends=').value;
          this.expectOp('=');
          const v = this.expression();
          if (k === 'ttl') ttl = v;
          else if (k === 'depends') depends.push(v);
          else this.fail(`Unknown cache option '${k}'`, 'K-PAR-003');
        }
        this.expectBlockEnd();
        const { nodes } = this.inCtx('other', () => this.block('cache', kwTok, []));
        return { type: 'Cache', key, ttl, depends, body: nodes, line: p.line, col: p.col };
      }
      case 'flush':
        this.expectBlockEnd();
        return { type: 'Flush', line: p.line, col: p.col };
      case 'try':
        return this.tryStmt(kwTok);
      case 'defer': // (an extension: compiler/defer.ts)
        return parseDefer(this as never, kwTok);
      case 'provide': {
        const key = this.expectName('a key name').value;
        this.expectOp('=');
        const value = this.expression();
        this.expectBlockEnd();
        const { nodes } = this.inCtx('other', () => this.block('provide', kwTok, []));
        return { type: 'Provide', key, value, body: nodes, line: p.line, col: p.col };
      }
      case 'push': {
        const t = this.tok;
        if (t.type !== 'string') this.fail('{% push %} takes a string literal stack name', 'K-PAR-003');
        this.next();
        this.expectBlockEnd();
        const { nodes } = this.inCtx('other', () => this.block('push', kwTok, []));
        return { type: 'Push', stack: t.str!, body: nodes, line: p.line, col: p.col };
      }
      case 'stack': {
        const t = this.tok;
        if (t.type !== 'string') this.fail('{% stack %} takes a string literal stack name', 'K-PAR-003');
        this.next();
        this.expectBlockEnd();
        return { type: 'Stack', name: t.str!, line: p.line, col: p.col };
      }
      case 'trans':
        return this.transStmt(kwTok);
      case 'raw':
        // Well-formed `{% raw %}` is handled by the lexer.
        return this.fail('{% raw %} takes no arguments', 'K-PAR-001', kwTok, 'Write {% raw %}…{% endraw %}');
      case 'template':
        return this.templateDecl(kwTok);
      default:
        break;
    }
    if (this.njk && kw.startsWith(UNKNOWN_TAG)) this.fail(`unknown block tag: ${kw.slice(UNKNOWN_TAG.length)}`, 'K-PAR-001', kwTok);
    const ext = this.njk ? this.njkTags?.get(kw) : undefined;
    if (ext) return parseNjkExtension(this as never, kwTok, ext.name, ext.ext);
    if (CONTINUATIONS.has(kw)) this.fail(`Unexpected '{% ${kw} %}' outside of its block`, 'K-PAR-001', kwTok);
    if (kw === 'end' || (kw.startsWith('end') && (KEYWORDS.includes(kw.slice(3)) || kw === 'endunless'))) {
      const innermost = this.open[this.open.length - 1];
      // `{% endif %}` inside an open `for` that an open `if` encloses: the `for` is what is unclosed
      const closes = kw.slice(3) === 'unless' ? 'unless' : kw.slice(3);
      if (innermost && this.open.some((b) => b.tag === closes))
        this.fail(`Unclosed '${innermost.tag}' block (opened at line ${innermost.line}): '{% ${kw} %}' at line ${kwTok.line} closes the '${closes}' around it`, 'K-PAR-002', innermost,
          `Add {% end %} (or {% end${innermost.tag} %}) before line ${kwTok.line} to close the '${innermost.tag}' block`);
      if (innermost)
        this.fail(`Mismatched closing tag: '{% ${kw} %}' closes '${innermost.tag}' (opened at line ${innermost.line})`, 'K-PAR-001', kwTok,
          `Use {% end %} or {% end${innermost.tag} %}`);
      this.fail(`Unexpected '{% ${kw} %}': there is no open block to close`, 'K-PAR-001', kwTok);
    }
    if (JINJA_HINTS[kw]) this.fail(`Unknown block keyword: ${kw}`, 'K-PAR-001', kwTok, JINJA_HINTS[kw]);
    // (a keyword whose end tag the template has first: `{% fro %}…{% endfor %}` is a `for`, not a `from`)
    const hint = didYouMean(kw, KEYWORDS.filter((k) => this.source.includes(`end${k}`))) ?? didYouMean(kw, KEYWORDS);
    return this.fail(`Unknown block keyword: ${kw}`, 'K-PAR-001', kwTok,
      hint ? `Did you mean '${hint}'?` : `Valid keywords: ${KEYWORDS.join(', ')}`);
  }

  private ifStmt(at: Token, unless: boolean): A.If {
    const branches: A.If['branches'] = [];
    let cond = this.expression();
    if (unless) cond = { type: 'UnaryOp', op: 'not', operand: cond, line: cond.line, col: cond.col };
    this.expectBlockEnd();
    const tag = unless ? 'unless' : 'if';
    let line = at.line;
    let else_: A.Node[] | null = null;
    // Placement rules (def/region at top level) skip branches that constant folding removes,
    // as the reference does (a branch that is certainly taken is still checked).
    let decided = false;
    const branchCtx = (c: A.Expr | null): string => {
      if (decided) return 'dead';
      const v = c ? constTruth(c) : true;
      if (v === true) decided = true;
      return v === false ? 'dead' : 'other';
    };
    for (;;) {
      const { nodes, stop } = this.inCtx(branchCtx(cond), () => this.block(tag, at, unless ? ['else'] : ['elif', 'else'], unless ? ['endif'] : []));
      branches.push({ cond, body: nodes, line });
      if (stop === 'elif') {
        line = this.toks[this.i - 1]!.line;
        cond = this.expression();
        this.expectBlockEnd();
        continue;
      }
      if (stop === 'else') {
        this.expectBlockEnd();
        else_ = this.inCtx(branchCtx(null), () => this.block(tag, at, [], unless ? ['endif'] : [])).nodes;
      }
      break;
    }
    return { type: 'If', branches, else_, line: at.line, col: at.col };
  }

  private forStmt(at: Token, isAsync: boolean): A.For {
    const target = this.forTarget();
    if (!this.acceptName('in')) this.fail("Expected 'in' in {% for %}", 'K-PAR-003');
    const iter = this.iterExpr();
    let cond: A.Expr | null = null;
    if (this.acceptName('if')) cond = this.iterExpr();
    if (this.isName('recursive')) this.fail('Recursive loops are not supported: use a {% def %} that calls itself', 'K-PAR-007');
    this.expectBlockEnd();
    this.loopDepth++;
    const { nodes, stop } = this.inCtx('loop', () => this.block('for', at, ['else', 'empty']));
    this.loopDepth--;
    let else_: A.Node[] | null = null;
    if (stop !== 'end') {
      this.expectBlockEnd();
      else_ = this.inCtx('other', () => this.block('for', at, [])).nodes;
    }
    const njk = (at as Token & { njkLoop?: A.For['njk'] }).njkLoop; // (Nunjucks' asyncEach/asyncAll: compiler/nunjucks/tokens.ts)
    return { type: 'For', target, iter, cond, body: nodes, else_, isAsync, line: at.line, col: at.col, ...(njk ? { njk } : {}) };
  }

  /**
   * Loop / comprehension targets: `a`, `a, b` (trailing comma allowed), or one parenthesised
   * tuple, which may nest (`(id, (lat, lon))`).
   */
  private forTarget(): A.Target {
    const start = this.tok;
    const paren = (): A.Target => {
      const open = this.expectOp('(');
      const items: A.Target[] = [];
      do {
        if (this.isOp(')')) break;
        if (this.isOp('(')) items.push(paren());
        else {
          const t = this.expectName('a loop variable');
          items.push({ type: 'NameTarget', name: t.value, line: t.line, col: t.col });
        }
      } while (this.acceptOp(','));
      this.expectOp(')');
      return { type: 'TupleTarget', items, line: open.line, col: open.col };
    };
    if (this.isOp('(')) return paren();
    const first = this.expectName('a loop variable');
    const items: A.Target[] = [{ type: 'NameTarget', name: first.value, line: first.line, col: first.col }];
    let tuple = false;
    while (this.acceptOp(',')) {
      tuple = true;
      if (this.isName('in')) break;
      const t = this.expectName('a loop variable');
      items.push({ type: 'NameTarget', name: t.value, line: t.line, col: t.col });
    }
    return tuple ? { type: 'TupleTarget', items, line: start.line, col: start.col } : items[0]!;
  }

  /** The loop iterable: no ternary (so `if` starts the inline filter) but `??` allowed. */
  private iterExpr(): A.Expr {
    const left = this.orExpr();
    if (this.isOp('??')) {
      const t = this.next();
      return { type: 'NullCoalesce', left, right: this.iterExpr(), line: t.line, col: t.col };
    }
    return left;
  }

  /** Assignment targets: names and (nested) parenthesised tuples, comma-separated. */
  private assignTarget(): A.Target {
    const start = this.tok;
    const one = (): A.Target => {
      const t = this.tok;
      if (this.acceptOp('(')) {
        const items: A.Target[] = [];
        do {
          if (this.isOp(')')) break;
          items.push(one());
        } while (this.acceptOp(','));
        this.expectOp(')');
        return { type: 'TupleTarget', items, line: t.line, col: t.col };
      }
      const n = this.expectName('a variable name');
      if (this.isOp('.') || this.isOp('['))
        this.fail('Assigning to attributes or items is not supported: build a new value with {% set %}', 'K-PAR-007');
      return { type: 'NameTarget', name: n.value, line: n.line, col: n.col };
    };
    const first = one();
    if (!this.isOp(',')) return first;
    const items = [first];
    while (this.acceptOp(',')) {
      if (this.isOp('=')) break;
      items.push(one());
    }
    return { type: 'TupleTarget', items, line: start.line, col: start.col };
  }

  private setStmt(at: Token, kind: A.SetStmt['kind']): A.SetStmt {
    const assignments: A.SetStmt['assignments'] = [];
    for (;;) {
      const target = this.assignTarget();
      let coalesce = false;
      if (this.isOp('??') && this.isOp('=', this.peek())) {
        this.next();
        this.next();
        coalesce = true;
        if (target.type !== 'NameTarget') this.fail('??= cannot assign to a tuple target', 'K-PAR-003', at);
      } else if (!this.acceptOp('=')) {
        if (this.tok.type === 'block_end' && kind === 'set')
          this.fail('Block-style {% set x %}…{% endset %} is not supported', 'K-PAR-007', at, 'Use {% capture x %}…{% end %}');
        this.fail(`Expected '=' in {% ${kind} %}, got ${this.describe(this.tok)}`, 'K-PAR-003');
      }
      // The value: an expression or an implicit tuple, up to a `, name =` that starts the next assignment.
      const first = this.expression();
      // (Nunjucks' parseSet takes one expression: `{% set q = 1, 2 %}` and `, b = 2` are errors there)
      if (this.njk && this.tok.type !== 'block_end') this.fail('expected block end in set statement', 'K-PAR-007');
      const items = [first];
      let tuple = false;
      while (this.isOp(',') && !this.startsAssignment(1)) {
        this.next();
        if (this.tok.type === 'block_end') break; // trailing comma
        tuple = true;
        items.push(this.expression());
      }
      const value: A.Expr = tuple ? { type: 'Tuple', items, line: first.line, col: first.col } : first;
      assignments.push({ target, value, coalesce });
      if (this.acceptOp(',')) {
        if ((this.tok as Token).type === 'block_end') break;
        continue;
      }
      break;
    }
    this.expectBlockEnd();
    return { type: 'Set', kind, assignments, line: at.line, col: at.col };
  }

  /** Does the token at offset start `name =`, `name ??=`, `a, b =` or `(a, b) =`? */
  private startsAssignment(offset: number): boolean {
    let j = this.i + offset;
    let depth = 0;
    for (; j < this.toks.length; j++) {
      const t = this.toks[j]!;
      if (t.type === 'op' && t.value === '(') depth++;
      else if (t.type === 'op' && t.value === ')') depth--;
      else if (t.type === 'name' || (t.type === 'op' && t.value === ',')) {
        /* part of a target list */
      } else break;
      if (depth < 0) return false;
    }
    const t = this.toks[j];
    if (!t || depth !== 0) return false;
    if (t.type === 'op' && t.value === '=') return this.toks[this.i + offset]!.type === 'name' || this.isOp('(', this.toks[this.i + offset]!);
    if (t.type === 'op' && t.value === '??') return this.isOp('=', this.toks[j + 1]!);
    return false;
  }

  private withStmt(at: Token): A.With | A.WithIf {
    if (this.tok.type === 'name' && this.isOp('=', this.peek())) {
      const bindings: A.With['bindings'] = [];
      do {
        const n = this.expectName('a variable name').value;
        this.expectOp('=');
        bindings.push({ name: n, value: this.expression() });
      } while (this.acceptOp(','));
      this.expectBlockEnd();
      const { nodes } = this.inCtx('other', () => this.block('with', at, []));
      return { type: 'With', bindings, body: nodes, line: at.line, col: at.col };
    }
    const subjects = [this.expression()];
    while (this.acceptOp(',')) subjects.push(this.expression());
    const targets: A.Target[] = [];
    if (this.acceptName('as')) {
      const t = this.assignTarget();
      if (t.type === 'TupleTarget' && subjects.length > 1) targets.push(...t.items);
      else targets.push(t);
    }
    this.expectBlockEnd();
    const { nodes, stop } = this.inCtx('other', () => this.block('with', at, ['else', 'empty']));
    let else_: A.Node[] | null = null;
    if (stop !== 'end') {
      this.expectBlockEnd();
      else_ = this.inCtx('other', () => this.block('with', at, [])).nodes;
    }
    return { type: 'WithIf', subjects, targets, body: nodes, else_, line: at.line, col: at.col };
  }

  private matchStmt(at: Token): A.Match {
    let subjects: A.Expr[] | null = null;
    if (this.tok.type !== 'block_end') {
      subjects = [this.expression()];
      while (this.acceptOp(',')) subjects.push(this.expression());
    }
    this.expectBlockEnd();
    this.open.push({ tag: 'match', line: at.line, col: at.col });
    // Text and comments before the first case are discarded.
    while (this.tok.type === 'data') this.next();
    const cases: A.Match['cases'] = [];
    const close = () => {
      this.open.pop();
      this.expectBlockEnd();
    };
    for (;;) {
      if (this.tok.type === 'eof') this.fail(`Unclosed 'match' block (opened at line ${at.line})`, 'K-PAR-002', at);
      if (this.tok.type !== 'block_begin') this.fail('Expected {% case %} inside {% match %}', 'K-PAR-001');
      const kw = this.peek();
      if (kw.type === 'name' && (kw.value === 'end' || kw.value === 'endmatch')) {
        if (!cases.length)
          this.fail('Match block must have at least one {% case %} clause', 'K-PAR-001', kw, 'Add {% case value %}...{% end %} inside the match');
        this.next();
        this.next();
        close();
        break;
      }
      if (!(kw.type === 'name' && kw.value === 'case')) this.fail('Expected {% case %} inside {% match %}', 'K-PAR-001', kw);
      this.next();
      this.next();
      const pattern = this.pattern();
      let guard: A.Expr | null = null;
      if (this.acceptName('if')) guard = this.expression();
      this.expectBlockEnd();
      this.open.pop();
      this.open.push({ tag: 'match', line: at.line, col: at.col });
      const { nodes, stop } = this.inCtx('other', () => this.body(['case', 'end', 'endmatch']));
      cases.push({ pattern, guard, body: nodes, line: kw.line });
      if (!stop) this.fail(`Unclosed 'match' block (opened at line ${at.line})`, 'K-PAR-002', at);
      if (stop!.value === 'case') {
        this.i -= 2; // re-read `{% case`
        continue;
      }
      close();
      break;
    }
    return { type: 'Match', subjects, cases, line: at.line, col: at.col };
  }

  private pattern(): A.Pattern {
    const items = [this.orExpr()];
    while (this.acceptOp(',')) items.push(this.orExpr());
    const toPattern = (e: A.Expr): A.Pattern => {
      if (e.type === 'Name') return e.name === '_' ? { kind: 'wildcard' } : { kind: 'capture', name: e.name };
      if (e.type === 'Tuple') return { kind: 'tuple', items: e.items.map(toPattern) };
      return { kind: 'value', expr: e };
    };
    return items.length > 1 ? { kind: 'tuple', items: items.map(toPattern) } : toPattern(items[0]!);
  }

  private checkTopLevel(kind: string, at: Token): void {
    const where = this.ctxStack[this.ctxStack.length - 1];
    // (Nunjucks defines a macro anywhere: inside a loop or `if` it is a name of that frame)
    if (this.njk && kind === 'def') return;
    if (where !== 'top' && where !== 'def' && where !== 'block' && where !== 'dead')
    {
      const inner = this.open[this.open.length - 1]?.tag ?? 'block';
      const name = this.tok.type === 'name' ? ` ${this.tok.value}` : '';
      this.fail(`{% ${kind}${name} %} must be declared at the top level of the template, not nested inside {% ${inner} %}`, 'K-TPL-004', at,
        `Move {% ${kind}${name} %} out of the enclosing {% ${inner} %} block (defs and regions may also live inside a block, def or call body)`);
    }
  }

  private params(allowStar: boolean): { params: A.Param[]; vararg: string | null; kwarg: string | null } {
    const params: A.Param[] = [];
    let vararg: string | null = null;
    let kwarg: string | null = null;
    const openTok = this.expectOp('(');
    while (!this.isOp(')')) {
      if (allowStar && this.acceptOp('**')) {
        kwarg = this.expectName('a parameter name').value;
        if (!this.isOp(')')) this.fail('**kwargs must be the last parameter', 'K-PAR-003');
        break;
      }
      if (allowStar && this.acceptOp('*')) {
        if (!this.isName()) this.fail("A bare '*' (keyword-only marker) is not supported", 'K-PAR-007');
        vararg = this.next().value;
      } else {
        const nameTok = this.expectName('a parameter name');
        const n = nameTok.value;
        let annotation: string | null = null;
        if (this.acceptOp(':')) annotation = this.annotation();
        let dflt: A.Expr | null = null;
        if (this.acceptOp('=')) dflt = this.expression();
        if (!dflt && params.some((q) => q.default) && vararg === null && !this.njk)
          this.fail(`Parameter '${n}' without a default follows a parameter with a default`, 'K-PAR-003', nameTok,
            `Give '${n}' a default or move it before the parameters with defaults`);
        params.push({ name: n, annotation, default: dflt });
      }
      if (!this.acceptOp(',')) break;
      if (this.isOp(')')) this.njkTrailingComma();
    }
    this.expectOp(')');
    const seen = new Set<string>();
    for (const n of [...params.map((q) => q.name), vararg, kwarg]) {
      if (n === null) continue;
      if (seen.has(n)) this.fail(`Duplicate parameter '${n}'`, 'K-PAR-003', openTok);
      seen.add(n);
    }
    // Nunjucks binds positional arguments to the parameters without defaults first, in order,
    // then to those with defaults (`macro m(a=1, b)`: m(5) sets b)
    if (this.njk) return { params: [...params.filter((q) => !q.default), ...params.filter((q) => q.default)], vararg, kwarg };
    return { params, vararg, kwarg };
  }

  /** Type annotation text: `NAME`, `NAME[T, ...]`, unions `A | B`. */
  private annotation(): string {
    const one = (): string => {
      let s = this.expectName('a type name').value;
      if (this.acceptOp('[')) {
        const parts = [this.union()];
        while (this.acceptOp(',')) parts.push(this.union());
        this.expectOp(']');
        s += `[${parts.join(', ')}]`;
      }
      return s;
    };
    this.union = () => {
      const parts = [one()];
      while (this.acceptOp('|')) parts.push(one());
      return parts.join(' | ');
    };
    return this.union();
  }
  private union: () => string = () => '';

  private defStmt(at: Token): A.Def {
    this.checkTopLevel('def', at);
    const name = this.expectName('a def name').value;
    const { params, vararg, kwarg } = this.params(true);
    this.expectBlockEnd();
    const savedLoop = this.loopDepth;
    this.loopDepth = 0;
    const { nodes } = this.inCtx('def', () => this.block('def', at, []));
    this.loopDepth = savedLoop;
    return { type: 'Def', name, params, vararg, kwarg, body: nodes, line: at.line, col: at.col };
  }

  private regionStmt(at: Token): A.Region {
    this.checkTopLevel('region', at);
    const name = this.expectName('a region name').value;
    const { params } = this.params(false);
    this.expectBlockEnd();
    const { nodes, endTok } = this.inCtx('def', () => this.block('region', at, []));
    return { type: 'Region', name, params, body: nodes, endLine: endTok.line, endCol: endTok.col, line: at.line, col: at.col };
  }

  private callStmt(at: Token): A.CallBlock {
    // (Nunjucks compat: `{% call(x, y) f() %}` names what `caller(a, b)` passes)
    const callerParams: string[] = [];
    const callerDefaults: (A.Expr | null)[] = [];
    if (this.isOp('(') && this.njk) {
      this.next();
      while (!this.isOp(')')) {
        callerParams.push(this.expectName('a caller parameter').value);
        callerDefaults.push(this.acceptOp('=') ? this.expression() : null); // `{% call(x=1) %}`
        if (!this.acceptOp(',')) break;
      }
      this.expectOp(')');
    }
    if (this.isOp('(')) this.fail('{% call(args) f() %} is not supported: use scoped slots ({% slot name let:x %})', 'K-PAR-007');
    const call = this.expression();
    this.expectBlockEnd();
    const slots: A.CallBlock['slots'] = [];
    let dflt: A.Node[] = [];
    this.open.push({ tag: 'call', line: at.line, col: at.col });
    for (;;) {
      const { nodes, stop } = this.inCtx('def', () => this.body(['slot', 'end', 'endcall']));
      for (const n of nodes) {
        const last = dflt[dflt.length - 1];
        if (n.type === 'Data' && last && last.type === 'Data') dflt[dflt.length - 1] = { ...last, text: last.text + n.text };
        else dflt.push(n);
      }
      if (!stop) this.fail(`Unclosed 'call' block (opened at line ${at.line})`, 'K-PAR-002', at);
      if (stop!.value === 'slot') {
        const name = this.tok.type === 'name' && this.tok.value !== 'let' ? this.next().value : 'default';
        const params: string[] = [];
        while (this.isName('let') && this.isOp(':', this.peek())) {
          this.next();
          this.next();
          params.push(this.expectName('a slot parameter').value);
          this.acceptOp(',');
        }
        this.expectBlockEnd();
        const { nodes: body } = this.inCtx('def', () => this.block('slot', stop!, []));
        slots.push({ name, params, body });
        continue;
      }
      this.open.pop();
      this.expectBlockEnd();
      break;
    }
    slots.unshift({ name: 'default', params: callerParams, body: dflt });
    const node: A.CallBlock = { type: 'CallBlock', call, slots, line: at.line, col: at.col };
    if (callerDefaults.some((d) => d)) node.callerDefaults = callerDefaults;
    return node;
  }

  private slotStmt(at: Token): A.SlotStmt {
    const name = this.tok.type === 'name' && this.tok.value !== 'let' ? this.next().value : 'default';
    const bindings: A.SlotStmt['bindings'] = [];
    while (this.isName('let') && this.isOp(':', this.peek())) {
      this.next();
      this.next();
      const n = this.expectName('a slot binding').value;
      let value: A.Expr = { type: 'Name', name: n, line: at.line, col: at.col };
      if (this.acceptOp('=')) value = this.expression();
      bindings.push({ name: n, value });
      this.acceptOp(',');
    }
    this.expectBlockEnd();
    let body: A.Node[] | null = null;
    if (bindings.length) body = this.block('slot', at, []).nodes;
    return { type: 'Slot', name, bindings, body, line: at.line, col: at.col };
  }

  /** `with context` / `without context` (the default is given). */
  private contextModifier(dflt: boolean): boolean {
    let v = dflt;
    for (;;) {
      if (this.isName('with') && this.isName('context', this.peek())) {
        this.next();
        this.next();
        v = true;
      } else if (this.isName('without') && this.isName('context', this.peek())) {
        this.next();
        this.next();
        v = false;
      } else return v;
    }
  }

  private fromImport(at: Token): A.FromImport {
    const template = this.expression();
    if (!this.acceptName('import')) this.fail("Expected 'import' in {% from … import %}", 'K-PAR-003');
    const names: A.FromImport['names'] = [];
    do {
      if (this.isName('with') || this.isName('without')) break;
      const n = this.expectName('a name to import').value;
      const alias = this.acceptName('as') ? this.expectName('an alias').value : n;
      names.push({ name: n, alias });
    } while (this.acceptOp(','));
    const withContext = this.contextModifier(false);
    this.expectBlockEnd();
    return { type: 'FromImport', template, names, withContext, line: at.line, col: at.col };
  }

  private includeStmt(at: Token): A.Include {
    const template = this.expression();
    let ignoreMissing = false;
    let withContext = true;
    for (;;) {
      if (this.isName('ignore') && this.isName('missing', this.peek())) {
        this.next();
        this.next();
        ignoreMissing = true;
      } else if (this.isName('with') && this.isName('context', this.peek())) {
        this.next();
        this.next();
        withContext = true;
      } else if (this.isName('without') && this.isName('context', this.peek())) {
        this.next();
        this.next();
        withContext = false;
      } else if (this.isName('with'))
        this.fail('{% include … with name=value %} is not supported', 'K-PAR-007', this.tok, 'Set the values with {% let %} before the include');
      else if (this.isName('only')) this.fail("{% include … only %} is not supported: use 'without context'", 'K-PAR-007');
      else break;
    }
    this.expectBlockEnd();
    return { type: 'Include', template, ignoreMissing, withContext, line: at.line, col: at.col };
  }

  private blockStmt(at: Token, fragment: boolean): A.Block {
    const n = this.expectName(fragment ? 'a fragment name' : 'a block name');
    if (this.isOp('-')) this.fail(`Block names must be identifiers: '${n.value}-…' contains a hyphen`, 'K-PAR-006', n, `Use '${n.value}_…' instead`);
    const modifiers: A.Block['modifiers'] = {};
    let cond: A.Expr | null = null;
    // (`if="…"` is a modifier named `if`; a bare `if` starts the guard)
    while (this.tok.type === 'name' && (this.tok.value !== 'if' || this.isOp('=', this.peek()))) {
      const k = this.next();
      if (!this.acceptOp('=')) this.fail(`Unexpected '${k.value}' in {% ${fragment ? 'fragment' : 'block'} %}: expected name=literal modifiers`, 'K-PAR-007', k);
      if (k.value in modifiers) this.fail(`Duplicate block modifier '${k.value}'`, 'K-PAR-007', k);
      const neg = this.acceptOp('-');
      const v = this.next();
      let value: A.ModifierValue;
      if (v.type === 'string' && !neg) value = v.str!;
      else if (v.type === 'int' || v.type === 'float') value = neg ? -v.num! : v.num!;
      else if (v.type === 'name' && v.value in CONST_NAMES && !neg) value = CONST_NAMES[v.value] as A.ModifierValue;
      else return this.fail('Block modifiers take literal values (string, number, true/false/none)', 'K-PAR-007', v);
      modifiers[k.value] = value;
    }
    if (this.acceptName('if')) {
      if (fragment) this.fail('{% fragment %} cannot take an if guard', 'K-PAR-007');
      cond = this.expression();
    }
    this.expectBlockEnd();
    const savedLoop = this.loopDepth;
    this.loopDepth = 0;
    const { nodes, endTok } = this.inCtx('block', () => this.block(fragment ? 'fragment' : 'block', at, [], [], n.value));
    this.loopDepth = savedLoop;
    return { type: 'Block', name: n.value, body: nodes, cond, modifiers, fragment, endLine: endTok.line, endCol: endTok.col, line: at.line, col: at.col };
  }

  private embedStmt(at: Token): A.Embed {
    const template = this.expression();
    const withContext = this.contextModifier(true);
    this.expectBlockEnd();
    this.open.push({ tag: 'embed', line: at.line, col: at.col });
    const blocks: A.Block[] = [];
    for (;;) {
      const t = this.tok;
      if (t.type === 'eof') this.fail(`Unclosed 'embed' block (opened at line ${at.line})`, 'K-PAR-002', at);
      if (t.type === 'data') {
        this.next();
        continue;
      }
      if (t.type === 'var_begin') this.fail('Only {% block %} overrides may appear inside {% embed %}', 'K-PAR-001');
      const kw = this.peek();
      if (kw.type === 'name' && (kw.value === 'end' || kw.value === 'endembed')) {
        this.next();
        this.next();
        this.expectBlockEnd();
        break;
      }
      if (kw.type === 'name' && kw.value === 'block') {
        this.next();
        const kt = this.next();
        blocks.push(this.blockStmt(kt, false));
        continue;
      }
      this.fail('Only {% block %} overrides may appear inside {% embed %}', 'K-PAR-001', kw);
    }
    this.open.pop();
    return { type: 'Embed', template, blocks, withContext, line: at.line, col: at.col };
  }

  private tryStmt(at: Token): A.Try {
    this.expectBlockEnd();
    this.open.push({ tag: 'try', line: at.line, col: at.col });
    const { nodes, stop } = this.inCtx('other', () => this.body(['fallback', 'end', 'endtry']));
    this.open.pop();
    if (!stop) this.fail(`Unclosed 'try' block (opened at line ${at.line})`, 'K-PAR-002', at);
    if (stop!.value !== 'fallback') this.fail('{% try %} requires a {% fallback %} branch', 'K-PAR-001', stop!);
    const errName = this.tok.type === 'name' ? this.next().value : null;
    this.expectBlockEnd();
    const { nodes: fallback } = this.inCtx('other', () => this.block('try', at, []));
    return { type: 'Try', body: nodes, errName, fallback, line: at.line, col: at.col };
  }

  private transStmt(at: Token): A.Trans {
    const bindings: A.Trans['bindings'] = [];
    while (this.tok.type === 'name') {
      const n = this.next().value;
      let value: A.Expr = { type: 'Name', name: n, line: at.line, col: at.col };
      if (this.acceptOp('=')) value = this.expression();
      bindings.push({ name: n, value });
      this.acceptOp(',');
    }
    this.expectBlockEnd();
    const names = new Set(bindings.map((b) => b.name));
    const parts: [string, string | null] = ['', null];
    let which = 0;
    this.open.push({ tag: 'trans', line: at.line, col: at.col });
    for (;;) {
      const t = this.tok;
      if (t.type === 'eof') this.fail(`Unclosed 'trans' block (opened at line ${at.line})`, 'K-PAR-002', at);
      if (t.type === 'data') {
        parts[which] = (parts[which] ?? '') + t.value.replace(/%/g, '%%');
        this.next();
        continue;
      }
      if (t.type === 'var_begin') {
        this.next();
        const n = this.expectName('a declared variable');
        if (!names.has(n.value)) this.fail(`'${n.value}' is not declared in {% trans %}: add ${n.value}=… to the tag`, 'K-PAR-003', n);
        if (this.tok.type !== 'var_end') this.fail('Only plain variable references are allowed inside {% trans %}', 'K-PAR-003');
        this.next();
        parts[which] = (parts[which] ?? '') + `%(${n.value})s`;
        continue;
      }
      const kw = this.peek();
      this.next();
      this.next();
      if (kw.value === 'plural' && which === 0) {
        if (!names.has('count')) this.fail('{% plural %} requires a count binding on {% trans %}', 'K-PAR-003', kw);
        this.expectBlockEnd();
        which = 1;
        parts[1] = '';
        continue;
      }
      if (kw.value === 'end' || kw.value === 'endtrans') {
        this.expectBlockEnd();
        break;
      }
      this.fail('Only text and {{ name }} may appear inside {% trans %}', 'K-PAR-003', kw);
    }
    this.open.pop();
    const norm = (s: string) => s.trim().replace(/\s+/g, ' ');
    return { type: 'Trans', bindings, singular: norm(parts[0]), plural: parts[1] === null ? null : norm(parts[1]), line: at.line, col: at.col };
  }

  private templateDecl(at: Token): A.TemplateDecl {
    if (this.sawTemplateDecl) this.fail('Only one {% template %} declaration is allowed per template', 'K-PAR-003', at);
    this.sawTemplateDecl = true;
    const decls: A.TemplateDecl['decls'] = [];
    while (this.tok.type === 'name') {
      const nt = this.next();
      if (decls.some((d) => d.name === nt.value)) this.fail(`Duplicate declaration '${nt.value}' in {% template %}`, 'K-PAR-003', nt);
      this.expectOp(':');
      // The port extends the reference (single identifiers) to the def annotation grammar,
      // `list[Item]`, `str | None`, so declarations can type a TypeScript context fully.
      decls.push({ name: nt.value, annotation: this.annotation() });
      if (!this.acceptOp(',')) break;
    }
    this.expectBlockEnd();
    return { type: 'TemplateDecl', decls, line: at.line, col: at.col };
  }

  // ------------------------------------------------------------------ expressions

  /** Full expression: `??` (lowest) over ternaries. */
  expression(): A.Expr {
    if (++this.exprDepth > MAX_EXPR_DEPTH)
      this.fail(`Expression nested more than ${MAX_EXPR_DEPTH} levels deep`, 'K-PAR-007', this.tok, 'Simplify the expression');
    try {
      return this.expressionInner();
    } finally {
      this.exprDepth--;
    }
  }

  /** Runs a recursive sub-parse under the expression depth limit. */
  private deeper<T>(f: () => T): T {
    if (++this.exprDepth > MAX_EXPR_DEPTH)
      this.fail(`Expression nested more than ${MAX_EXPR_DEPTH} levels deep`, 'K-PAR-007', this.tok, 'Simplify the expression');
    try {
      return f();
    } finally {
      this.exprDepth--;
    }
  }

  private expressionInner(): A.Expr {
    // A lone operand (`{{ title }}`, `round(2)`) skips the precedence chain, which would only hand
    // it back: nothing after it continues an expression. (Most compiles of a build run cold.)
    const t = this.tok;
    const operand = t.type === 'name' ? t.value !== 'not' : t.type === 'int' || t.type === 'float' || t.type === 'string';
    if (operand && endsOperand(this.peek())) return this.primary();
    const left = this.ternary();
    if (this.isOp('??') && !this.isOp('=', this.peek())) {
      const t = this.next();
      return { type: 'NullCoalesce', left, right: this.expression(), line: t.line, col: t.col };
    }
    return left;
  }

  private ternary(): A.Expr {
    const body = this.orExpr();
    if (this.isName('if')) {
      const t = this.next();
      const test = this.orExpr();
      let orelse: A.Expr | null = null;
      // (Nunjucks: the else part is an `or` expression; a second inline if after it is an error)
      if (this.acceptName('else')) orelse = this.njk ? this.orExpr() : this.deeper(() => this.ternary());
      return { type: 'CondExpr', test, body, orelse, line: t.line, col: t.col };
    }
    return body;
  }

  private orExpr(): A.Expr {
    // (Nunjucks: its precedence, then JavaScript's reading of its printed code: compiler/nunjucks/precedence.ts)
    if (this.njk) return njkExpression(this as unknown as NjkParser);
    let left = this.andExpr();
    while (this.isName('or')) {
      const t = this.next();
      left = { type: 'BoolOp', op: 'or', left, right: this.andExpr(), line: t.line, col: t.col };
    }
    return left;
  }

  private andExpr(): A.Expr {
    let left = this.notExpr();
    while (this.isName('and')) {
      const t = this.next();
      left = { type: 'BoolOp', op: 'and', left, right: this.notExpr(), line: t.line, col: t.col };
    }
    return left;
  }

  private notExpr(): A.Expr {
    if (this.isName('not')) {
      const t = this.next();
      return { type: 'UnaryOp', op: 'not', operand: this.deeper(() => this.notExpr()), line: t.line, col: t.col };
    }
    return this.comparison();
  }

  private comparison(): A.Expr {
    let left = this.additive();
    let ops: A.Compare['ops'] = [];
    const start = left;
    const flush = () => {
      if (ops.length) left = { type: 'Compare', left, ops, line: start.line, col: start.col };
      ops = [];
    };
    for (;;) {
      const t = this.tok;
      let op: A.CompareOp | null = null;
      // (`===`/`!==` come only from the Nunjucks lexer mode)
      if (t.type === 'op' && ['==', '!=', '<', '<=', '>', '>=', '===', '!=='].includes(t.value)) {
        this.next();
        op = t.value as A.CompareOp;
      } else if (this.isName('in')) {
        this.next();
        op = 'in';
      } else if (this.isName('not') && this.isName('in', this.peek())) {
        this.next();
        this.next();
        op = 'not in';
      } else if (this.isName('is')) {
        this.next();
        const negated = this.acceptName('not');
        const nt = this.tok;
        if (nt.type === 'name' && nt.value in CONST_NAMES) {
          this.next();
          ops.push({ op: negated ? 'is not' : 'is', right: { type: 'Const', value: CONST_NAMES[nt.value]!, line: nt.line, col: nt.col } });
          continue;
        }
        if (nt.type === 'int' || nt.type === 'float' || nt.type === 'string') {
          ops.push({ op: negated ? 'is not' : 'is', right: this.primary() });
          continue;
        }
        if (nt.type !== 'name') this.fail(`Expected a test name after 'is', got ${this.describe(nt)}`, 'K-PAR-005');
        if (nt.value === 'in')
          this.fail("'in' is an operator: 'is in' cannot be parsed", 'K-PAR-005', nt, `Write 'x ${negated ? 'not in' : 'in'} seq' instead`);
        this.next();
        flush();
        let args: A.Expr[] = [];
        let kwargs: A.Kwarg[] = [];
        if (this.isOp('(')) ({ args, kwargs } = this.callArgs());
        else {
          const a = this.tok;
          if (a.type === 'int' || a.type === 'float' || a.type === 'string') args = [this.primary()];
          else if (a.type === 'name' && a.value in CONST_NAMES) args = [this.primary()];
          else if (a.type === 'op' && a.value === '-' && (this.peek().type === 'int' || this.peek().type === 'float')) args = [this.unary()];
        }
        left = { type: 'Test', value: left, name: nt.value, args, kwargs, negated, line: nt.line, col: nt.col };
        continue;
      }
      if (!op) break;
      ops.push({ op, right: this.additive() });
    }
    flush();
    return left;
  }

  private additive(): A.Expr {
    let left = this.filtered();
    for (;;) {
      const t = this.tok;
      if (t.type === 'op' && (t.value === '+' || t.value === '-' || t.value === '~')) {
        this.next();
        left = { type: 'BinOp', op: t.value, left, right: this.filtered(), line: t.line, col: t.col };
      } else return left;
    }
  }

  private filtered(): A.Expr {
    let value = this.multiplicative();
    let style: string | null = null;
    let steps = 0;
    for (;;) {
      const t = this.tok;
      if (!(t.type === 'op' && (t.value === '|' || t.value === '?|' || t.value === '|>' || t.value === '?|>'))) return value;
      const op = t.value as A.Filter['op'];
      const kind = op === '|' || op === '?|' ? 'pipe' : op === '|>' ? 'arrow' : 'safearrow';
      if (style && style !== kind)
        this.fail(`Cannot mix '${op}' with other filter operators in one chain: parenthesise or use one style`, 'K-PAR-004', t);
      style = kind;
      if (++steps > 200) this.fail('Filter chain too long (more than 200 steps)', 'K-PAR-004', t);
      this.next();
      const n = this.tok;
      const name = this.filterName();
      const { args, kwargs } = this.isOp('(') ? this.callArgs() : noArgs();
      value = { type: 'Filter', value, name, args, kwargs, op, line: n.line, col: n.col };
    }
  }

  /** A filter's name, dotted ones too (`| dpr.safe`, `{% filter dpr.safe %}`: Nunjucks' parseFilterName). */
  private filterName(): string {
    let name = this.expectName('a filter name').value;
    while (this.isOp('.') && this.peek().type === 'name') {
      this.next();
      name += '.' + this.next().value;
    }
    return name;
  }

  private multiplicative(): A.Expr {
    let left = this.unary();
    for (;;) {
      const t = this.tok;
      if (t.type === 'op' && (t.value === '*' || t.value === '/' || t.value === '//' || t.value === '%')) {
        this.next();
        left = { type: 'BinOp', op: t.value, left, right: this.unary(), line: t.line, col: t.col };
      } else return left;
    }
  }

  private unary(): A.Expr {
    const t = this.tok;
    if (t.type === 'op' && (t.value === '-' || t.value === '+')) {
      this.next();
      return { type: 'UnaryOp', op: t.value, operand: this.deeper(() => this.unary()), line: t.line, col: t.col };
    }
    if (this.isName('await') && startsOperand(this.peek())) {
      this.next();
      return { type: 'Await', value: this.deeper(() => this.unary()), line: t.line, col: t.col };
    }
    return this.power();
  }

  private power(): A.Expr {
    const base = this.postfix();
    if (this.isOp('**')) {
      const t = this.next();
      return { type: 'BinOp', op: '**', left: base, right: this.deeper(() => this.unary()), line: t.line, col: t.col };
    }
    return base;
  }

  private postfix(): A.Expr {
    let e = this.primary();
    for (;;) {
      const t = this.tok;
      if (t.type !== 'op') return e;
      if (t.value === '.' || t.value === '?.') {
        this.next();
        const n = this.tok;
        if (n.type !== 'name') this.fail(`Expected an attribute name after '${t.value}', got ${this.describe(n)}`, 'K-PAR-003', n, n.type === 'int' ? 'Use x[0] for indexing' : null);
        this.next();
        e = { type: 'Attr', obj: e, name: n.value, optional: t.value === '?.', line: t.line, col: t.col };
      } else if (t.value === '[' || t.value === '?[') {
        this.next();
        e = this.subscript(e, t.value === '?[', t);
      } else if (t.value === '(') {
        const { args, kwargs } = this.callArgs();
        e = { type: 'Call', func: e, args, kwargs, line: t.line, col: t.col };
      } else if (t.value === '..' || t.value === '...') {
        this.next();
        const stop = this.unary();
        let step: A.Expr | null = null;
        if (this.acceptName('by')) step = this.unary();
        e = { type: 'Range', start: e, stop, inclusive: t.value === '..', step, line: t.line, col: t.col };
      } else return e;
    }
  }

  private subscript(obj: A.Expr, optional: boolean, at: Token): A.Expr {
    const part = (): A.Expr | null => (this.isOp(':') || this.isOp(']') ? null : this.expression());
    const start = part();
    if (this.acceptOp(':')) {
      const stop = part();
      let step: A.Expr | null = null;
      if (this.acceptOp(':')) step = part();
      this.expectOp(']');
      return { type: 'Slice', obj, start, stop, step, optional, line: at.line, col: at.col };
    }
    if (!start) this.fail('Expected an index inside [ ]', 'K-PAR-003');
    let key = start!;
    if (this.isOp(',')) {
      const items = [key];
      while (this.acceptOp(',')) {
        if (this.isOp(']')) break;
        items.push(this.expression());
      }
      key = { type: 'Tuple', items, line: key.line, col: key.col };
    }
    this.expectCloser(']'); // (Nunjucks: an index is parseAggregate's too)
    return { type: 'Item', obj, key, optional, line: at.line, col: at.col };
  }

  private callArgs(): CallArgs {
    this.expectOp('(');
    const args: A.Expr[] = [];
    const kwargs: A.Kwarg[] = [];
    while (!this.isOp(')')) {
      if (this.isOp('*') || this.isOp('**')) this.fail('Argument spreading (*args / **kwargs) is not supported at call sites', 'K-PAR-007');
      if (this.tok.type === 'name' && this.isOp('=', this.peek())) {
        const n = this.next();
        this.next();
        if (kwargs.some((k) => k.name === n.value)) this.fail(`Duplicate keyword argument '${n.value}'`, 'K-PAR-003', n);
        kwargs.push({ name: n.value, value: this.expression() });
      } else {
        if (kwargs.length) this.fail('Positional argument follows keyword argument', 'K-PAR-003');
        args.push(this.expression());
      }
      if (!this.acceptOp(',')) break;
      if (this.isOp(')')) this.njkTrailingComma();
    }
    this.expectOp(')');
    return { args, kwargs };
  }

  private primary(): A.Expr {
    const t = this.tok;
    const p = t; // (its line and col)
    switch (t.type) {
      case 'int':
        this.next();
        return { type: 'Const', value: t.bigint !== undefined ? t.bigint : t.num!, line: p.line, col: p.col };
      case 'float':
        this.next();
        return { type: 'Const', value: t.num!, isFloat: true, line: p.line, col: p.col };
      case 'string': {
        this.next();
        if (this.tok.type === 'string')
          this.fail('Adjacent string literals are not concatenated', 'K-PAR-003', this.tok, "Join them with ~ or write one literal");
        return { type: 'Const', value: t.str!, line: p.line, col: p.col };
      }
      case 'name': {
        this.next();
        // (Nunjucks: `True`, `False` and `None` are plain names, undefined unless the data has them)
        if (t.value in CONST_NAMES && !(this.njk && (t.value === 'True' || t.value === 'False' || t.value === 'None')))
          return { type: 'Const', value: CONST_NAMES[t.value]!, line: p.line, col: p.col };
        return { type: 'Name', name: t.value, line: p.line, col: p.col };
      }
      case 'op':
        break;
      default:
        this.fail(`Expected a value, got ${this.describe(t)}`, 'K-PAR-003', t, 'A value is a string, number, variable name, list or dict');
    }
    if (t.value === '(') {
      this.next();
      // (Nunjucks parses `()` as an empty group, whose compiled JavaScript fails to compile)
      if (this.njk && this.isCloser(')')) this.fail(`unexpected token: ${this.tok.value} (an empty group is not a value)`, 'K-PAR-003');
      if (this.acceptCloser(')')) return { type: 'Tuple', items: [], line: p.line, col: p.col };
      const first = this.expression();
      if (this.acceptCloser(')')) return this.njk ? njkGroup(first) : first;
      const items = [first];
      while (this.acceptOp(',')) {
        if (this.isCloser(')')) {
          this.njkTrailingComma();
          break;
        }
        items.push(this.expression());
      }
      this.expectCloser(')');
      return { type: 'Tuple', items, line: p.line, col: p.col };
    }
    if (t.value === '[') {
      this.next();
      if (this.acceptCloser(']')) return { type: 'List', items: [], line: p.line, col: p.col };
      const first = this.expression();
      if (this.isName('for')) {
        this.next();
        const target = this.forTarget();
        if (!this.acceptName('in')) this.fail("Expected 'in' in list comprehension", 'K-PAR-003');
        const iter = this.orExpr();
        let cond: A.Expr | null = null;
        if (this.acceptName('if')) cond = this.orExpr();
        if (this.isName('for')) this.fail('Only one for clause is supported in a list comprehension', 'K-PAR-003');
        this.expectOp(']');
        const aw = findAwait(first) ?? findAwait(iter) ?? (cond && findAwait(cond));
        if (aw) this.fail("'await' is not allowed inside a list comprehension", 'K-PAR-007', aw, 'Await the value first: {% set v = await x %}');
        return { type: 'ListComp', elt: first, target, iter, cond, line: p.line, col: p.col };
      }
      const items = [first];
      while (this.acceptOp(',')) {
        if (this.isCloser(']')) {
          this.njkTrailingComma();
          break;
        }
        items.push(this.expression());
      }
      this.expectCloser(']');
      return { type: 'List', items, line: p.line, col: p.col };
    }
    if (t.value === '{') {
      this.next();
      const pairs: [A.Expr, A.Expr][] = [];
      while (!this.isCloser('}')) {
        const k = this.expression();
        // (Nunjucks: a key is a string or a bare name, which compiler/nunjucks/tokens.ts made a string)
        if (this.njk && !(k.type === 'Const' && typeof k.value === 'string')) this.fail('Dict keys must be strings or names', 'K-PAR-003', k);
        this.expectOp(':');
        pairs.push([k, this.expression()]);
        if (!this.acceptOp(',')) break;
        if (this.isCloser('}')) this.njkTrailingComma();
      }
      this.expectCloser('}');
      return { type: 'Dict', pairs, line: p.line, col: p.col };
    }
    return this.fail(`Expected a value, got ${this.describe(t)}`, 'K-PAR-003', t, 'A value is a string, number, variable name, list or dict');
  }
}

/** Can this token start an operand (used to tell `await x` from a variable named `await`)? */
function startsOperand(t: Token): boolean {
  if (t.type === 'name' || t.type === 'int' || t.type === 'float' || t.type === 'string') return true;
  return t.type === 'op' && (t.value === '(' || t.value === '[' || t.value === '{' || t.value === '-' || t.value === '+');
}

/** The first `await` inside an expression, if any. */
function findAwait(e: unknown): A.Await | null {
  if (!e || typeof e !== 'object') return null;
  if (Array.isArray(e)) {
    for (const x of e) {
      const r = findAwait(x);
      if (r) return r;
    }
    return null;
  }
  const o = e as Record<string, unknown>;
  if (o.type === 'Await') return o as unknown as A.Await;
  for (const k in o) {
    const v = o[k];
    if (v && typeof v === 'object') {
      const r = findAwait(v);
      if (r) return r;
    }
  }
  return null;
}

/** Truth value of a condition made of literals only (`true`, `not 0`, `1 == 2`), else undefined. */
function constTruth(e: A.Expr): boolean | undefined {
  const v = constValue(e);
  if (v === NOT_CONST) return undefined;
  if (v === null || v === false || v === 0 || v === '' || v === 0n) return false;
  if (Array.isArray(v)) return v.length > 0;
  return true;
}

const NOT_CONST = Symbol('not-const');
type ConstVal = A.Const['value'] | unknown[] | typeof NOT_CONST;

function constValue(e: A.Expr): ConstVal {
  switch (e.type) {
    case 'Const':
      return e.value;
    case 'List':
    case 'Tuple': {
      const items = e.items.map(constValue);
      return items.includes(NOT_CONST) ? NOT_CONST : items;
    }
    case 'UnaryOp': {
      if (e.op !== 'not') return NOT_CONST;
      const t = constTruth(e.operand);
      return t === undefined ? NOT_CONST : !t;
    }
    case 'BoolOp': {
      const l = constTruth(e.left);
      const r = constTruth(e.right);
      if (l === undefined || r === undefined) return NOT_CONST;
      return e.op === 'and' ? l && r : l || r;
    }
    case 'Compare': {
      if (e.ops.length !== 1) return NOT_CONST;
      const a = constValue(e.left);
      const b = constValue(e.ops[0]!.right);
      if (a === NOT_CONST || b === NOT_CONST || typeof a === 'object' || typeof b === 'object') return NOT_CONST;
      const num = (x: unknown) => (typeof x === 'boolean' ? Number(x) : x);
      switch (e.ops[0]!.op) {
        case '==':
          return num(a) === num(b);
        case '!=':
          return num(a) !== num(b);
        default:
          return NOT_CONST;
      }
    }
    default:
      return NOT_CONST;
  }
}
