// What a user reads for the most common mistakes: snapshot-tested so wording regressions show.
import { describe, expect, it } from 'vitest';
import { makeEnv } from '../support.js';

const env = makeEnv({ 'page.html': 'x', 'lib.html': '{% def card(title) %}{{ title }}{% end %}' });
const MISTAKES: [string, string, Record<string, unknown>?][] = [
  ['unclosed output tag', '{{ user.name '],
  ['unclosed block tag', '{% if x '],
  ['unclosed comment', '{# note'],
  ['unclosed if', '{% if x %}yes'],
  ['stray end', 'text{% end %}'],
  ['mismatched closer', '{% for x in xs %}{% endif %}'],
  ['unknown filter', '{{ name | upperr }}'],
  ['unknown test', '{{ n is evn }}'],
  ['unknown tag', '{% iff x %}{% end %}'],
  ['Jinja macro', '{% macro f() %}{% endmacro %}'],
  ['Jinja set block', '{% set x %}y{% endset %}'],
  ['missing value', '{% for x in %}{% end %}'],
  ['dangling operator', '{{ 1 + }}'],
  ['break outside loop', '{% break %}'],
  ['undefined name', '{{ titel }}', { title: 'T' }],
  ['missing attribute', '{{ user.nmae }}', { user: { name: 'n' } }],
  ['missing template', '{% include "nope.html" %}'],
  ['wrong argument count', '{% from "lib.html" import card %}{{ card(1, 2) }}'],
  ['unknown keyword argument', '{% from "lib.html" import card %}{{ card(titel="x") }}'],
  ['division by zero', '{{ total // count }}', { total: 1, count: 0 }],
];

describe('error messages for common mistakes', () => {
  for (const [name, src, ctx] of MISTAKES)
    it(name, () => {
      let err: any;
      try {
        env.fromString(`<p>\n${src}`, { name: 'page.html' }).render(ctx ?? {});
      } catch (e) {
        err = e;
      }
      expect(err, 'expected an error').toBeDefined();
      expect(err.code).toMatch(/^K-[A-Z]+-\d{3}$/);
      expect(err.lineno).toBe(2);
      expect(`${err.name}: ${err.message}`).toMatchSnapshot();
    });
});
