// The VS Code (and Shiki) TextMate grammar, tokenized as VS Code does (vscode-textmate with the
// Oniguruma wasm): fixture templates' scopes against file snapshots, and the handful of
// scopes that matter most asserted outright.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { beforeAll, describe, expect, it } from 'vitest';
import * as oniguruma from 'vscode-oniguruma';
import { INITIAL, Registry, type IGrammar, type IRawGrammar } from 'vscode-textmate';
import { CSS, HTML, JS } from './host-grammars.js';

const here = import.meta.dirname;
const ext = join(here, '../../editors/vscode');
const fixtures = join(here, 'fixtures');
let grammar: IGrammar;

beforeAll(async () => {
  const wasm = readFileSync(createRequire(import.meta.url).resolve('vscode-oniguruma/release/onig.wasm'));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength) as ArrayBuffer);
  const grammars: Record<string, unknown> = {
    'text.html.kida': JSON.parse(readFileSync(join(ext, 'syntaxes/kida.tmLanguage.json'), 'utf8')),
    'text.html.basic': HTML,
    'source.js': JS,
    'source.css': CSS,
  };
  const registry = new Registry({
    onigLib: Promise.resolve({ createOnigScanner: (p: string[]) => new oniguruma.OnigScanner(p), createOnigString: (s: string) => new oniguruma.OnigString(s) }),
    loadGrammar: async (scope) => (grammars[scope] as IRawGrammar | undefined) ?? null,
  });
  grammar = (await registry.loadGrammar('text.html.kida'))!;
});

interface Tok {
  text: string;
  scopes: string[];
}

function tokenize(source: string): Tok[][] {
  let state = INITIAL;
  return source.split('\n').map((line) => {
    const r = grammar.tokenizeLine(line, state);
    state = r.ruleStack;
    return r.tokens.map((t) => ({ text: line.slice(t.startIndex, t.endIndex), scopes: t.scopes.slice(1) }));
  });
}

/** One line per token: its text and its scopes below the root. */
const render = (lines: Tok[][]) =>
  lines.map((toks, i) => toks.filter((t) => t.text.trim()).map((t) => `${i + 1}: ${JSON.stringify(t.text).padEnd(24)} ${t.scopes.join(' ')}`).join('\n')).filter(Boolean).join('\n') + '\n';

/** The scopes of the first token whose text is `text` (on `line`, 1-based, when given). */
function scopesOf(lines: Tok[][], text: string, line?: number): string[] {
  for (const [i, toks] of lines.entries()) {
    if (line !== undefined && i + 1 !== line) continue;
    const t = toks.find((x) => x.text.trim() === text);
    if (t) return t.scopes;
  }
  throw new Error(`no token '${text}'`);
}

describe('kida.tmLanguage.json', () => {
  for (const file of readdirSync(fixtures).filter((f) => f.endsWith('.kida'))) {
    it(`tokenizes ${file} as its snapshot`, async () => {
      await expect(render(tokenize(readFileSync(join(fixtures, file), 'utf8')))).toMatchFileSnapshot(`__snapshots__/${file}.scopes.txt`);
    });
  }

  it('scopes tags, expressions, filters, tests, literals and comments', () => {
    const lines = tokenize(readFileSync(join(fixtures, 'basic.kida'), 'utf8'));
    expect(scopesOf(lines, '{%', 1)).toEqual(['meta.tag.template.block.kida', 'punctuation.section.embedded.begin.kida']);
    expect(scopesOf(lines, 'extends')).toContain('keyword.control.kida');
    expect(scopesOf(lines, '"')).toContain('string.quoted.double.kida');
    expect(scopesOf(lines, 'content')).toContain('entity.name.function.kida');
    expect(scopesOf(lines, 'upper')).toEqual(['meta.tag.template.expression.kida', 'support.function.filter.kida']);
    expect(scopesOf(lines, '|', 4)).toContain('keyword.operator.filter.kida');
    expect(scopesOf(lines, 'defined')).toContain('support.function.test.kida');
    expect(scopesOf(lines, 'not', 7)).toContain('keyword.operator.logical.kida');
    expect(scopesOf(lines, '3.5')).toContain('constant.numeric.kida');
    expect(scopesOf(lines, '??')).toContain('keyword.operator.arithmetic.kida');
    expect(scopesOf(lines, 'none', 7)).toContain('constant.language.kida');
    expect(scopesOf(lines, 'A page: greets the user')).toEqual(['comment.block.kida']);
    expect(scopesOf(lines, '{%-')).toContain('punctuation.section.embedded.begin.kida');
    expect(scopesOf(lines, '-%}')).toContain('punctuation.section.embedded.end.kida');
    // raw bodies are not Kida
    expect(scopesOf(lines, '{{ not kida }}')).toEqual(['meta.raw.kida']);
  });

  it('keeps HTML as the host: attributes, entities, <script> and <style> with Kida inside', () => {
    const lines = tokenize(readFileSync(join(fixtures, 'html-host.kida'), 'utf8'));
    expect(scopesOf(lines, 'href')).toEqual(['meta.tag.html', 'entity.other.attribute-name.html']);
    expect(scopesOf(lines, 'id', 1)).toEqual(['meta.tag.html', 'string.quoted.double.html', 'meta.tag.template.expression.kida', 'variable.other.property.kida']);
    expect(scopesOf(lines, '&amp;')).toEqual(['constant.character.entity.html']);
    expect(scopesOf(lines, 'const')).toEqual(['source.js.embedded.html', 'storage.type.js']);
    expect(scopesOf(lines, 'tojson')).toEqual(['source.js.embedded.html', 'meta.tag.template.expression.kida', 'support.function.filter.kida']);
    expect(scopesOf(lines, 'name', 5)).toContain('string.quoted.double.js');
    expect(scopesOf(lines, 'color')).toEqual(['source.css.embedded.html', 'support.type.property-name.css']);
    expect(scopesOf(lines, 'theme')).toEqual(['source.css.embedded.html', 'meta.tag.template.expression.kida', 'variable.other.kida']);
  });

  it('types in {% template %} and def parameters, calls, pipelines and unknown tags', () => {
    const lines = tokenize(readFileSync(join(fixtures, 'typed.kida'), 'utf8'));
    expect(scopesOf(lines, '@types')).toEqual(['comment.block.kida', 'storage.type.annotation.kida']);
    expect(scopesOf(lines, 'page', 2)).toContain('variable.parameter.kida');
    expect(scopesOf(lines, 'Page', 2)).toContain('entity.name.type.kida');
    expect(scopesOf(lines, 'list[str] | None')).toContain('entity.name.type.kida');
    expect(scopesOf(lines, 'badge')).toContain('entity.name.function.kida');
    expect(scopesOf(lines, 'int')).toContain('entity.name.type.kida');
    expect(scopesOf(lines, 'card', 5)).toContain('entity.name.function.call.kida');
    expect(scopesOf(lines, '|>')).toContain('keyword.operator.filter.kida');
    expect(scopesOf(lines, '0x1F')).toContain('constant.numeric.kida');
    expect(scopesOf(lines, 'fro')).toContain('invalid.illegal.unknown-tag.kida');
  });

  it('every fixture line ends outside any Kida tag (no rule runs away)', () => {
    for (const file of readdirSync(fixtures).filter((f) => f.endsWith('.kida'))) {
      const lines = tokenize(readFileSync(join(fixtures, file), 'utf8'));
      for (const toks of lines) {
        const last = toks[toks.length - 1];
        if (last && last.text.trim()) expect(last.scopes.filter((s) => s.startsWith('meta.tag.template') && !/punctuation/.test(last.scopes.join(' '))), `${file}: ${last.text}`).toEqual([]);
      }
    }
  });
});

describe('language-configuration.json', () => {
  const config = JSON.parse(readFileSync(join(ext, 'language-configuration.json'), 'utf8'));
  it('toggles {# #} comments and auto-closes the three delimiters', () => {
    expect(config.comments.blockComment).toEqual(['{#', '#}']);
    expect(config.autoClosingPairs.map((p: { open: string }) => p.open)).toEqual(expect.arrayContaining(['{%', '{{', '{#']));
    expect(config.brackets).toEqual(expect.arrayContaining([['{%', '%}'], ['{{', '}}'], ['{#', '#}']]));
  });
  it('folds on block tags but not on one-line blocks', () => {
    const start = new RegExp(config.folding.markers.start);
    const end = new RegExp(config.folding.markers.end);
    expect(start.test('  {% block content %}')).toBe(true);
    expect(start.test('{%- for x in xs -%}')).toBe(true);
    expect(start.test('{% if a %}x{% end %}')).toBe(false);
    expect(start.test('{{ x }}')).toBe(false);
    expect(end.test('  {% end %}')).toBe(true);
    expect(end.test('{% endblock %}')).toBe(true);
  });
  it('words stop at filters, dots and delimiters', () => {
    const word = new RegExp(config.wordPattern, 'g');
    expect('{{ user.first_name|upper }}'.match(word)).toEqual(['user', 'first_name', 'upper']);
  });
});
