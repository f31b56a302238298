// Nunjucks syntax (compat mode) as a pass over the lexer's tokens: where a Nunjucks construct
// has a Kida twin with the semantics Nunjucks gives it, the tokens are respelled so that the
// Kida parser builds our AST unchanged (docs/guide/nunjucks.md lists each rewrite):
//   {% macro %}…{% endmacro %}        → {% def %}…{% enddef %}
//   {% elseif %}                      → {% elif %}
//   {% set x = v %}                   → {% let x = v %}  (Nunjucks frames: a set in an `if` is
//                                        seen after it, a set in a macro stays in the macro)
//   {% set x %}…{% endset %}          → {% capture x %}…{% endcapture %}
//   { key: v }  (bare name as key)    → { "key": v }     (Nunjucks keys are never expressions)
//   null                              → none
//   2.0 (a float literal)             → the number 2
//   r/body/flags (lexer)              → ("body" | __regex("flags"))
// The lexer itself handles `-#}`, `===`/`!==` and Nunjucks string escapes.

import type { Token } from '../lexer.js';

export function nunjucksTokens(toks: Token[]): Token[] {
  /** Open brackets inside the current tag: `{` of a dict, `(`, `[`. */
  const brackets: string[] = [];
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i]!;
    const prev = toks[i - 1];
    if (t.type === 'block_begin' || t.type === 'var_begin') {
      brackets.length = 0;
      continue;
    }
    if (t.type === 'float') {
      // JavaScript numbers: `2.0` is 2 (no Python float that renders `2.0`)
      t.type = 'int';
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
          const block = next?.type === 'name' && toks[i + 2]?.type === 'block_end';
          t.value = block ? 'capture' : 'let';
          break;
        }
        case 'endset':
          t.value = 'endcapture';
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
