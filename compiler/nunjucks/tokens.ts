// Nunjucks syntax (compat mode) as a pass over the lexer's tokens: where a Nunjucks construct
// has a Kida twin with the semantics Nunjucks gives it, the tokens are respelled so that the
// Kida parser builds our AST unchanged (docs/guide/nunjucks.md lists each rewrite):
//   {% macro %}…{% endmacro %}        → {% def %}…{% enddef %}
//   {% elseif %}                      → {% elif %}
//   {% set x = v %}                   → {% let x = v %}  (Nunjucks frames: a set in an `if` is
//                                        seen after it, a set in a macro stays in the macro)
//   {% set x %}…{% endset %}          → {% capture x %}…{% endcapture %}
//   {% ifAsync %}, {% asyncEach|asyncAll %} → {% if %}, a marked {% for %} (codegen/njk-async.ts)
//   { key: v }  (bare name as key)    → { "key": v }     (Nunjucks keys are never expressions)
//   null                              → none
//   2.0 (a float literal)             → the number 2
//   r/body/flags (lexer)              → ("body" | __regex("flags"))
//   {% switch x %}{% case a %}{% case b %}B{% default %}D{% endswitch %}
//                                     → {% if (x) === (a) or (x) === (b) %}B{% else %}D{% endif %}
//                                        (an empty case falls through, as in Nunjucks)
// The lexer itself handles `-#}`, `===`/`!==` and Nunjucks string escapes.

import type { Token } from '../lexer.js';

/** A statement's first word, with the tag name the template wrote (before the respellings above). */
export type NjkTagToken = Token & { njkTag?: string };

/** Prefix of a tag Nunjucks' parser would not know there (the parser fails with Nunjucks' message). */
export const UNKNOWN_TAG = 'njk-unknown:';

export function nunjucksTokens(toks: Token[]): Token[] {
  toks = switches(toks);
  /** The names of each open set block (`{% set x, y %}`), innermost last. */
  const setBlocks: Token[][] = [];
  /** Open brackets inside the current tag: `{` of a dict, `(`, `[`. */
  const brackets: string[] = [];
  /** The closers of the open for/asyncEach/asyncAll tags. */
  const loops: string[] = [];
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i]!;
    const prev = toks[i - 1];
    if (t.type === 'block_begin' || t.type === 'var_begin') {
      brackets.length = 0;
      continue;
    }
    if (t.type === 'float' || t.type === 'int') {
      // JavaScript numbers: `2.0` is 2 (no Python float that renders `2.0`), and an integer past
      // 2**53 is the double it rounds to (no Python big integer)
      t.type = 'int';
      delete t.bigint;
      continue;
    }
    if (t.type === 'op') {
      if (t.value === '{' || t.value === '(' || t.value === '[') brackets.push(t.value);
      else if (t.value === '}' || t.value === ')' || t.value === ']') brackets.pop();
      continue;
    }
    if (t.type !== 'name') continue;
    // the first word of a statement
    if (prev?.type === 'block_begin') {
      const next = toks[i + 1];
      // (the tag as written: the parser gives an app's extension a tag Nunjucks does not have, before any respelling)
      (t as NjkTagToken).njkTag ??= t.value;
      switch (t.value) {
        case 'macro':
          t.value = 'def';
          break;
        case 'endmacro':
          t.value = 'enddef';
          break;
        case 'elseif':
          t.value = 'elif';
          break;
        case 'set': {
          // `{% set x, y %}…{% endset %}`: the capture's name, then each other name set to it
          let j = i + 1;
          const names: Token[] = [];
          while (toks[j]?.type === 'name') {
            names.push(toks[j]!);
            if (toks[j + 1]?.type === 'op' && toks[j + 1]!.value === ',') j += 2;
            else break;
          }
          const block = names.length > 0 && toks[j + 1]?.type === 'block_end';
          t.value = block ? 'capture' : 'let';
          if (block) {
            if (names.length > 1) toks.splice(i + 2, j - i - 1);
            setBlocks.push(names);
          }
          break;
        }
        case 'endset': {
          t.value = 'endcapture';
          const names = setBlocks.pop() ?? [];
          const end = toks[i + 1];
          if (names.length > 1 && end?.type === 'block_end') {
            const at = { line: t.line, col: t.col };
            const lets = names.slice(1).flatMap((n): Token[] => [
              { type: 'block_begin', value: prev!.value, ...at },
              { type: 'name', value: 'let', njkTag: 'set', ...at } as NjkTagToken,
              { type: 'name', value: n.value, ...at },
              { type: 'op', value: '=', ...at },
              { type: 'name', value: names[0]!.value, ...at },
              { type: 'block_end', value: end.value, ...at },
            ]);
            toks.splice(i + 2, 0, ...lets);
          }
          break;
        }
        case 'ifAsync':
          t.value = 'if';
          break;
        case 'for':
          loops.push('endfor');
          break;
        case 'asyncEach':
        case 'asyncAll':
          loops.push(t.value === 'asyncEach' ? 'endeach' : 'endall');
          (t as Token & { njkLoop?: 'each' | 'all' }).njkLoop = t.value === 'asyncEach' ? 'each' : 'all';
          t.value = 'for';
          break;
        case 'endfor':
        case 'endeach':
        case 'endall':
          // (each loop tag has its own closer in Nunjucks: another is an unknown tag there, see
          // UNKNOWN_TAG; the parser reports it)
          if (loops[loops.length - 1] === t.value) {
            loops.pop();
            t.value = 'endfor';
          } else t.value = UNKNOWN_TAG + t.value;
          break;
      }
      continue;
    }
    const next = toks[i + 1];
    // a bare name as an object key
    if (brackets[brackets.length - 1] === '{' && next?.type === 'op' && next.value === ':' && prev?.type === 'op' && (prev.value === '{' || prev.value === ',')) {
      t.type = 'string';
      t.str = t.value;
      t.value = JSON.stringify(t.value);
      continue;
    }
    if (t.value === 'null' && !(prev?.type === 'op' && prev.value === '.') && !(next?.type === 'op' && next.value === '=')) t.value = 'none';
  }
  return toks;
}

/** Do the tokens end with `{% set name` (a set block's opening tag, before its end)? */
export function nunjucksSetBlockOpen(toks: Token[]): boolean {
  const n = toks.length;
  return n >= 3 && toks[n - 1]!.type === 'name' && toks[n - 2]!.type === 'name' && toks[n - 2]!.value === 'set' && toks[n - 3]!.type === 'block_begin';
}

/** `{% switch %}` as an if/elif chain comparing with `===` (see the table above). */
function switches(toks: Token[]): Token[] {
  if (!toks.some((t, i) => t.type === 'name' && t.value === 'switch' && toks[i - 1]?.type === 'block_begin')) return toks;
  const out: Token[] = [];
  // (groupStart: where the current case's `{% if|elif …%}` begins; groupStarted: `started` before it)
  const open: { subject: Token[]; started: boolean; lastCase: number; groupStart: number; groupStarted: boolean }[] = [];
  const at = (t: Token) => ({ line: t.line, col: t.col });
  const op = (v: string, t: Token): Token => ({ type: 'op', value: v, ...at(t) });
  const name = (v: string, t: Token): Token => ({ type: 'name', value: v, ...at(t) });
  const copy = (ts: Token[]) => ts.map((x) => ({ ...x }));
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i]!;
    const top = open[open.length - 1];
    const kw = t.type === 'block_begin' && toks[i + 1]?.type === 'name' ? toks[i + 1]!.value : null;
    if (kw === 'switch' || (top && (kw === 'case' || kw === 'default' || kw === 'endswitch'))) {
      let end = i + 2;
      while (end < toks.length && toks[end]!.type !== 'block_end' && toks[end]!.type !== 'eof') end++;
      const inner = toks.slice(i + 2, end);
      const close = toks[end]!.type === 'block_end' ? toks[end]! : op('%}', t);
      if (kw === 'switch') open.push({ subject: inner, started: false, lastCase: -1, groupStart: -1, groupStarted: false });
      else if (kw === 'case' || (kw === 'default' && !top!.started)) {
        // (Nunjucks' parser reads the first tag after `switch` as a case whatever it is:
        // a leading `{% default %}` is `case default`, comparing with the name `default`)
        if (kw === 'default') inner.splice(0, inner.length, name('default', t));
        const cond = [op('(', t), ...copy(top!.subject), op(')', t), op('===', t), op('(', t), ...copy(inner), op(')', t)];
        if (top!.lastCase >= 0 && top!.lastCase === out.length - 1) out.splice(top!.lastCase, 0, name('or', t), ...cond); // (fall-through)
        else {
          top!.groupStart = out.length;
          top!.groupStarted = top!.started;
          out.push(t, name(top!.started ? 'elif' : 'if', t), ...cond, close);
        }
        top!.started = true;
        top!.lastCase = out.length - 1;
      } else if (kw === 'default') {
        // empty cases right before the default fall through into it: they are part of it
        if (top!.lastCase >= 0 && top!.lastCase === out.length - 1) {
          out.splice(top!.groupStart);
          top!.started = top!.groupStarted;
        }
        out.push(t, ...(top!.started ? [name('else', t)] : [name('if', t), name('true', t)]), close);
        top!.started = true;
        top!.lastCase = -1;
      } else {
        if (top!.started) out.push(t, name('endif', t), close);
        open.pop();
      }
      i = end;
      continue;
    }
    if (top && !top.started && t.type === 'data') continue; // (Nunjucks drops text before the first case)
    out.push(t);
  }
  return out;
}
