// The language server's tolerant scan (compiler/lsp/scan.ts): it must hold on any text, since
// documents being typed are mostly broken, and agree with the parser on well-formed templates.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resolveSyntax } from '../../compiler/lexer.js';
import { parse } from '../../compiler/parser.js';
import { lineStarts, openAt, scanTags, sections, tagAt } from '../../compiler/lsp/scan.js';

const syn = resolveSyntax(null);
const PIECES = ['{%', '%}', '{{', '}}', '{#', '#}', ' if x ', ' end ', ' endif ', ' for a in b ', ' block b ', ' raw ', ' endraw ', '"', "'", '\n', 'text', '-', '<p>', ' call f() ', ' slot s ', ' def d() '];

describe('scanTags', () => {
  it('on any text: ordered, non-overlapping tags inside the text, and tagAt agrees with a linear search', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...PIECES), { maxLength: 60 }), fc.nat(), (parts, at) => {
        const text = parts.join('');
        const tags = scanTags(text, syn);
        let prev = 0;
        for (const t of tags) {
          expect(t.start).toBeGreaterThanOrEqual(prev);
          expect(t.start).toBeLessThan(t.innerStart);
          expect(t.innerStart).toBeLessThanOrEqual(t.innerEnd);
          expect(t.innerEnd).toBeLessThanOrEqual(t.end);
          expect(t.end).toBeLessThanOrEqual(text.length);
          prev = t.end;
        }
        const offset = text.length ? at % (text.length + 1) : 0;
        expect(tagAt(tags, offset)).toBe(tags.find((t) => offset >= t.innerStart && offset <= t.innerEnd) ?? null);
        const secs = sections(tags, text);
        for (const s of secs) if (s.close) expect(s.close.start).toBeGreaterThanOrEqual(s.open.end);
      }),
      { numRuns: 500 },
    );
  });

  it('skips strings holding the closer, keeps raw bodies whole, and stops an unclosed tag at the next one', () => {
    const text = '{{ "%}" ~ \'}}\' }}{% raw %}{% if %}{% endraw %}{{ x | up\n{% if y %}';
    const tags = scanTags(text, syn);
    expect(tags.map((t) => [t.kind, t.keyword, text.slice(t.start, t.end)])).toEqual([
      ['var', '', '{{ "%}" ~ \'}}\' }}'],
      ['block', 'raw', '{% raw %}{% if %}{% endraw %}'],
      ['var', '', '{{ x | up\n'],
      ['block', 'if', '{% if y %}'],
    ]);
    expect(tags[2]!.closed).toBe(false);
  });

  it('pairs block tags as the parser does: end, end<kw>, slots of a call, one-line tags that open nothing', () => {
    const text = [
      '{% block a %}{% if x %}{% set y = 1 %}{% for i in z %}{% endfor %}{% end %}{% endblock %}',
      '{% call card() %}{% slot footer %}f{% end %}{% end %}',
      '{% def d() %}{% slot %}{% end %}',
      '{% include "x" %}{% extends "y" %}{% import "z" as q %}',
    ].join('\n');
    parse(text.replace(/\{% (include|extends|import)[^%]*%\}/g, '')); // (the parser accepts the rest)
    const secs = sections(scanTags(text, syn), text);
    expect(secs.map((s) => [s.keyword, s.name, s.close ? text.slice(s.close.start, s.close.end) : null])).toEqual([
      ['block', 'a', '{% endblock %}'],
      ['if', 'x', '{% end %}'],
      ['for', 'i', '{% endfor %}'],
      ['call', 'card', '{% end %}'],
      ['slot', 'footer', '{% end %}'],
      ['def', 'd', '{% end %}'],
    ]);
    const inside = text.indexOf('{% set');
    expect(openAt(secs, inside).map((s) => s.keyword)).toEqual(['block', 'if']);
  });

  it('finds tags with custom delimiters', () => {
    const custom = resolveSyntax({ blockStart: '<%', blockEnd: '%>', variableStart: '<%=', variableEnd: '%>', commentStart: '<%#', commentEnd: '%>' });
    const text = '<%# c %><%= x %><% if y %>a<% end %>';
    expect(scanTags(text, custom).map((t) => [t.kind, text.slice(t.start, t.end)])).toEqual([
      ['comment', '<%# c %>'],
      ['var', '<%= x %>'],
      ['block', '<% if y %>'],
      ['block', '<% end %>'],
    ]);
  });

  it('lineStarts', () => {
    expect(lineStarts('a\nbc\n\nd')).toEqual([0, 2, 5, 6]);
  });
});
