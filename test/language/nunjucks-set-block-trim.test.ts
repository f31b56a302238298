// `{% set x -%}` under trimBlocks, as Nunjucks 3.2.4 reads it: its parser ignores the `-` of a set
// block's opening tag (the body keeps its leading whitespace), but its lexer's trimBlocks still
// drops the one newline after that tag, as after any block end. We kept the newline too. Found by
// govuk-frontend's pagination (`{%- set arrowPrevious -%}` then an indented <svg>) under
// @x-govuk/govuk-eleventy-plugin's environment (trimBlocks, lstripBlocks: bench/nunjucks-projects.mjs).
import fc from 'fast-check';
import nunjucks from 'nunjucks';
import { describe, expect, it } from 'vitest';
import { makeEnv } from '../support.js';

type Opts = { trimBlocks: boolean; lstripBlocks: boolean };

function both(src: string, opts: Opts): [string, string] {
  const njk = new nunjucks.Environment(null, { autoescape: true, ...opts });
  const env = makeEnv({}, { compat: 'nunjucks', ...opts });
  const run = (f: () => string) => {
    try {
      return f();
    } catch {
      return '(threw)';
    }
  };
  return [run(() => njk.renderString(src, {})), run(() => env.fromString(src).render({}))];
}

describe('a set block\'s opening `-%}` under trimBlocks (compat: nunjucks)', () => {
  it('drops the newline after the tag and keeps the indentation, as Nunjucks does', () => {
    const src = '{%- set arrow -%}\n  <svg>\n{%- endset -%}[{{ arrow | safe }}]';
    const [want, got] = both(src, { trimBlocks: true, lstripBlocks: true });
    expect(want).toBe('[  <svg>]');
    expect(got).toBe(want);
    // (without trimBlocks the newline stays, as before)
    expect(both(src, { trimBlocks: false, lstripBlocks: false })).toEqual(['[\n  <svg>]', '[\n  <svg>]']);
  });
  it('any whitespace after the tag, any trim flags, with or without the other tags\' dashes', () => {
    const ws = fc.array(fc.constantFrom(' ', '\t', '\n', '\r\n', '\r'), { maxLength: 4 }).map((a) => a.join(''));
    fc.assert(
      fc.property(ws, ws, fc.boolean(), fc.boolean(), fc.constantFrom('', '-'), fc.constantFrom('', '-'), (a, b, trimBlocks, lstripBlocks, d1, d2) => {
        const src = `x{%${d1} set v -%}${a}<i>${b}{%${d2} endset ${d1}%}${b}[{{ v }}]`;
        const [want, got] = both(src, { trimBlocks, lstripBlocks });
        expect(got, JSON.stringify({ src, trimBlocks, lstripBlocks })).toBe(want);
      }),
      { numRuns: 300 },
    );
  });
});
