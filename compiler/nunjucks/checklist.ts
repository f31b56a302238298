// `kida check --compat nunjucks`: what a Nunjucks template would need changing to run as
// default-mode Kida. It reads the compat front end's own token stream (tokenize with
// `nunjucks: true`, i.e. tokens.ts after the lexer): a respelled token still carries its source
// position, so comparing it with the source text says which Nunjucks construct was there
// (`def` where the source says `macro`). No second parser. Codes are stable: a code's meaning
// never changes, new checks get new numbers (docs/guide/nunjucks.md lists them).

import { resolveSyntax, tokenize, type LexOptions, type Token } from '../lexer.js';
import { filterParams, METHOD_NAMES, testParams } from '../../runtime/signatures.js';

export interface ChecklistItem {
  code: string;
  /** 1-based line, 0-based column (as TemplateError). */
  line: number;
  col: number;
  message: string;
  /** The Kida form to write instead. */
  suggestion: string;
}

/** Nunjucks filters Kida has under another name or with another meaning. */
const FILTER_TWINS: Record<string, string> = {
  dump: '`| tojson`',
  forceescape: '`| escape` (on a plain string)',
  nl2br: "`| replace('\\n', '<br>')` on escaped text, or a custom filter",
  urlize: 'a custom filter (Kida has no urlize)',
};
/** Nunjucks tests with no Kida twin. */
const TEST_TWINS: Record<string, string> = {
  escaped: 'a custom test (Kida marks safe strings as Markup)',
  null: '`is none`',
  truthy: '`if x` (or `x is true` for the value true)',
  falsy: '`not x`',
};
/** JavaScript methods templates call, and the Kida form. */
const METHOD_TWINS: Record<string, string> = {
  concat: '`a + b` (list concatenation)',
  indexOf: '`.index(x)` (raises when missing) or `x in a`',
  includes: '`x in a`',
  push: '`.append(x)`',
  toUpperCase: '`| upper`',
  toLowerCase: '`| lower`',
  trim: '`| trim`',
  startsWith: '`.startswith(x)`',
  endsWith: '`.endswith(x)`',
  slice: '`a[i:j]`',
  toString: '`| string`',
  toFixed: "`| round(n)` or `'%.2f' | format(x)`",
  join: '`| join(sep)` (Python `sep.join(list)` is the method)',
  split: '`.split(sep)` (the same name, Python semantics)',
  replace: '`| replace(old, new)` (the method takes strings only)',
  length: '`| length`',
};
const CLOSES: Record<string, string> = { '(': ')', '[': ']', '{': '}' };
/** Statements whose body a Nunjucks `set` leaks out of (Kida's `set` stays in the block). */
const LEAKY = new Set(['if', 'for', 'switch']);
const BLOCK_TAGS = new Set(['if', 'for', 'macro', 'call', 'filter', 'block', 'switch', 'set']);

export function nunjucksChecklist(source: string, options: LexOptions = {}): ChecklistItem[] {
  const toks = tokenize(source, { ...options, nunjucks: true });
  const syn = resolveSyntax(options);
  const lineStarts = [0];
  for (let i = source.indexOf('\n'); i >= 0; i = source.indexOf('\n', i + 1)) lineStarts.push(i + 1);
  const offset = (t: Token) => lineStarts[t.line - 1]! + t.col;
  const lc = (off: number) => {
    let line = 1;
    while (line < lineStarts.length && lineStarts[line]! <= off) line++;
    return { line, col: off - lineStarts[line - 1]! };
  };
  const out: ChecklistItem[] = [];
  const add = (code: string, at: Token | number, message: string, suggestion: string) =>
    out.push({ code, ...(typeof at === 'number' ? lc(at) : { line: at.line, col: at.col }), message, suggestion });
  /** The statement keyword as written in the source after a block_begin (tokens may be respelled). */
  const keywordAt = (t: Token) => /^[-+]?\s*([A-Za-z_]\w*)/.exec(source.slice(offset(t) + syn.blockStart.length))?.[1] ?? '';
  const isOp = (t: Token | undefined, v: string) => t?.type === 'op' && t.value === v;

  const stack: string[] = [];
  /** Brackets open in the current tag (K-NJK-027). */
  const brackets: string[] = [];
  const chains = new Set<string>();
  let inTag: 'block' | 'var' | null = null;
  let kw = '';
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i]!;
    const prev = toks[i - 1];
    const next = toks[i + 1];
    if (t.type === 'block_begin') {
      inTag = 'block';
      brackets.length = 0;
      kw = keywordAt(t);
      const written = next?.type === 'name' ? next.value : '';
      switch (kw) {
        case 'macro':
          add('K-NJK-001', t, '{% macro %} is {% def %} in Kida', `{% def ${toks[i + 2]?.value ?? 'name'}(…) %}`);
          macroParams(i + 3, t);
          break;
        case 'endmacro':
        case 'endset':
        case 'endswitch':
          add('K-NJK-002', t, `{% ${kw} %} closes a tag Kida spells differently`, '{% end %}');
          break;
        case 'endblock':
          if (toks[i + 2]?.type === 'name') add('K-NJK-026', t, `{% endblock ${toks[i + 2]!.value} %}: Kida's endblock takes no name`, '{% endblock %}');
          break;
        case 'set':
          if (written === 'capture') add('K-NJK-003', t, '{% set x %}…{% endset %} is a capture in Kida', `{% capture ${toks[i + 2]?.value ?? 'x'} %}…{% end %}`);
          else if (stack.some((s) => LEAKY.has(s)) && stack.lastIndexOf('macro') < Math.max(...['if', 'for', 'switch'].map((s) => stack.lastIndexOf(s))))
            add('K-NJK-013', t, `{% set %} inside {% ${[...stack].reverse().find((s) => LEAKY.has(s))} %}: Nunjucks keeps the name after the block, Kida's set is scoped to it`, `{% let ${toks[i + 2]?.value ?? 'x'} = … %} before the block and {% export ${toks[i + 2]?.value ?? 'x'} = … %} inside it`);
          break;
        case 'elseif':
          add('K-NJK-004', t, '{% elseif %} is {% elif %} in Kida', '{% elif … %}');
          break;
        case 'call':
          if (isOp(toks[i + 2], '(')) add('K-NJK-019', t, '{% call(args) f() %}: Kida passes values to the caller through scoped slots', '{% call f() %}{% slot default let:x %}…{% end %}{% end %}');
          break;
        case 'for': {
          let n = 1;
          for (let j = i + 3; isOp(toks[j], ','); j += 2) n++;
          let end = i + 2;
          while (toks[end] && toks[end]!.type !== 'block_end') end++;
          const pairs = toks.slice(i + 2, end).some((x, k, a) => x.type === 'name' && ['items', 'dictsort'].includes(x.value) && (isOp(a[k - 1], '.') || isOp(a[k - 1], '|')));
          if (n >= 2 && !pairs) add('K-NJK-018', t, '`for k, v in obj` over an object: Kida iterates a dict by its keys', '`for k, v in obj.items()`');
          break;
        }
        case 'filter':
          filterName(toks[i + 2]);
          break;
        case 'extends':
          // (Nunjucks runs an extends where it stands; Kida's is a top-level declaration)
          if (stack.length)
            add('K-NJK-025', t, `{% extends %} inside {% ${stack[stack.length - 1]} %}: Nunjucks picks the parent (or none) when the tag runs, Kida's extends stands at the top level`, '`{% extends (a if cond else b) %}` at the top level; a page that may have no parent extends a layout that only renders its blocks');
          break;
        case 'ifAsync':
        case 'asyncEach':
        case 'asyncAll':
          add('K-NJK-024', t, `{% ${kw} %} is Nunjucks' async tag`, `{% ${kw === 'ifAsync' ? 'if' : 'for'} … %} (Kida awaits with \`await x\`)`);
          break;
      }
      const tag = kw === 'asyncEach' || kw === 'asyncAll' ? 'for' : kw === 'ifAsync' ? 'if' : kw;
      if (BLOCK_TAGS.has(tag) && !(tag === 'set' && written !== 'capture')) stack.push(tag);
      else if (kw === 'endeach' || kw === 'endall' || (kw.startsWith('end') && BLOCK_TAGS.has(kw.slice(3)))) stack.pop();
      continue;
    }
    if (t.type === 'var_begin') {
      inTag = 'var';
      kw = '';
      brackets.length = 0;
      continue;
    }
    if (t.type === 'block_end' || t.type === 'var_end') {
      inTag = null;
      brackets.length = 0;
      continue;
    }
    if (!inTag) continue;
    const src = source.slice(offset(t), offset(t) + t.value.length);
    // (tokens a rewrite made up — a switch's `===`, a regex literal's parts — carry the position
    // of what they replace; they are reported there, once)
    if (source.startsWith('r/', offset(t)) && !(t.type === 'name' && t.value === '__regex')) continue;
    if (t.type === 'op') {
      if (src !== t.value) continue;
      if (t.value in CLOSES) brackets.push(t.value);
      else if (Object.values(CLOSES).includes(t.value)) {
        const open = brackets.pop();
        if (open !== undefined && CLOSES[open] !== t.value)
          add('K-NJK-027', t, `\`${open}\` closed by \`${t.value}\`: Nunjucks ends a list, dict or group at any closing bracket, Kida at the matching one`, `\`${CLOSES[open]}\``);
      }
      if (t.value === '===' || t.value === '!==') add('K-NJK-005', t, `\`${t.value}\` is not a Kida operator`, `\`${t.value.slice(0, 2)}\``);
      else if (t.value === '|' && next?.type === 'name' && next.value !== '__regex') filterName(next);
      else if (t.value === '.' && next?.type === 'name' && !(prev?.type === 'name' && prev.value === 'loop')) {
        const call = isOp(toks[i + 2], '(');
        const name = next.value;
        if ((call && (!METHOD_NAMES.includes(name) || name in METHOD_TWINS)) || (!call && name === 'length'))
          add('K-NJK-015', next, `\`.${name}${call ? '()' : ''}\` is JavaScript's; Kida resolves Python methods`, METHOD_TWINS[name] ?? 'a filter or a Python method');
      }
      continue;
    }
    if (t.type === 'string' && !/^['"]/.test(src)) {
      add('K-NJK-006', t, `unquoted key \`${t.str}\`: in Kida a dict key is an expression (the value of \`${t.str}\`)`, `\`${t.value}:\``);
      continue;
    }
    if (t.type === 'int' && /[.eE]/.test(source.slice(offset(t), offset(t) + t.value.length))) {
      add('K-NJK-010', t, `\`${t.value}\` is a float in Kida and renders as such; Nunjucks renders the JavaScript number`, `\`${String(Number(t.value))}\``);
      continue;
    }
    if (t.type !== 'name') continue;
    if (t.value === '__regex') {
      add('K-NJK-009', t, 'regular expression literal r/…/: Kida has none', "a filter taking a pattern string (`is match('…')`), or a custom filter");
      continue;
    }
    if (isOp(prev, '.') || isOp(next, '=')) continue;
    if ((t.value === 'none' && src.startsWith('null')) || t.value === 'undefined') {
      if (prev?.type === 'name' && (prev.value === 'is' || prev.value === 'not')) continue; // (a test: below)
      add('K-NJK-008', t, `\`${src.startsWith('null') ? 'null' : 'undefined'}\` is not a Kida name`, t.value === 'undefined' ? '`x is not defined` (or `none`)' : '`none`');
      continue;
    }
    if (t.value === 'is') {
      const name = next?.type === 'name' && next.value === 'not' ? toks[i + 2] : next;
      if (name?.type === 'name') testName(name, source.slice(offset(name), offset(name) + name.value.length));
      continue;
    }
    if (t.value === 'caller' && !isOp(next, '(')) {
      add('K-NJK-021', t, 'a bare `caller` tested for truth: Kida has no `caller` outside {% call %}', '`has_slot()`');
      continue;
    }
    // an attribute chain read for its value: Nunjucks renders a missing one as "", Kida raises
    if (isOp(next, '.') && toks[i + 2]?.type === 'name' && t.value !== 'loop' && !isOp(prev, '.')) {
      let j = i + 2;
      let chain = t.value + '.' + toks[j]!.value;
      while (isOp(toks[j + 1], '.') && toks[j + 2]?.type === 'name') chain += '.' + toks[(j += 2)]!.value;
      const after = toks[j + 1];
      const guarded = isOp(after, '(') || (after?.type === 'name' && after.value === 'is') || (isOp(after, '|') && ['default', 'd'].includes(toks[j + 2]?.value ?? ''));
      if (!guarded && !chains.has(chain) && !(chain.split('.').pop()! in METHOD_TWINS)) {
        chains.add(chain);
        add('K-NJK-020', t, `\`${chain}\` may be missing: Nunjucks reads it as undefined (""), default Kida raises`, `\`${chain} | default('')\`, or test \`${chain} is defined\``);
      }
    }
  }

  function filterName(t: Token | undefined): void {
    if (t?.type !== 'name') return;
    if (t.value in FILTER_TWINS || !Object.prototype.hasOwnProperty.call(filterParams, t.value))
      add('K-NJK-016', t, `filter \`${t.value}\` is Nunjucks'; Kida has no filter of that name and meaning`, FILTER_TWINS[t.value] ?? 'a custom filter (Environment#addFilter)');
  }
  function testName(t: Token, written: string): void {
    const name = written === 'null' ? 'null' : t.value;
    if (name in TEST_TWINS || !Object.prototype.hasOwnProperty.call(testParams, name))
      add('K-NJK-017', t, `test \`${name}\` is Nunjucks'; Kida has no test of that name`, TEST_TWINS[name] ?? 'a custom test (Environment#addTest)');
  }
  /** Macro parameters without a default: Nunjucks passes undefined when a call omits them, Kida raises. */
  function macroParams(j: number, at: Token): void {
    if (!isOp(toks[j], '(')) return;
    const bare: string[] = [];
    let depth = 0;
    for (j++; j < toks.length && toks[j]!.type !== 'block_end'; j++) {
      const p = toks[j]!;
      if (p.type === 'op' && '([{'.includes(p.value)) depth++;
      else if (p.type === 'op' && ')]}'.includes(p.value)) {
        if (depth-- === 0) break;
      } else if (depth === 0 && p.type === 'name' && (isOp(toks[j - 1], '(') || isOp(toks[j - 1], ',')) && !isOp(toks[j + 1], '=')) bare.push(p.value);
    }
    if (bare.length)
      add('K-NJK-023', at, `macro parameters without a default (${bare.join(', ')}): a Nunjucks call may omit them, a Kida call must not`, bare.map((b) => `${b}=none`).join(', '));
  }

  // What the lexer consumes without a token: comment trim and {% verbatim %}.
  const cs = syn.commentStart;
  const ce = syn.commentEnd;
  for (let i = source.indexOf(cs); i >= 0; i = source.indexOf(cs, i + 1)) {
    const end = source.indexOf(ce, i + cs.length);
    if (end < 0) break;
    if (source[end - 1] === '-' && !insideData(i)) add('K-NJK-007', end - 1, `\`-${ce}\`: Kida comments do not trim the whitespace after them`, `\`${ce}\`, with \`${syn.blockStart}-\` / \`${syn.variableStart}-\` on the next tag`);
    i = end;
  }
  const tag = (name: string) => new RegExp(`${escapeRe(syn.blockStart)}[-+]?\\s*${name}\\b`, 'g');
  for (const m of source.matchAll(tag('verbatim'))) if (!insideData(m.index)) add('K-NJK-011', m.index, '{% verbatim %} is {% raw %} in Kida', '{% raw %}…{% endraw %}');
  // (the token pass replaces a switch's own tag with nothing: found by its text)
  for (const m of source.matchAll(tag('switch'))) if (!insideData(m.index)) add('K-NJK-012', m.index, '{% switch %} is {% match %} in Kida', '{% match x %}{% case a %}…{% case _ %}…{% end %}');

  /** Is `off` inside text the lexer kept as data (a raw/verbatim body)? */
  function insideData(off: number): boolean {
    return toks.some((t) => t.type === 'data' && offset(t) <= off && off < offset(t) + t.value.length);
  }
  return out.sort((a, b) => a.line - b.line || a.col - b.col || (a.code < b.code ? -1 : 1));
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
