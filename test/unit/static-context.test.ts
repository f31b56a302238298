// staticContext is data every template sees, with the same semantics as a value passed at render
// time (docs/decisions.md "staticContext"): no second set of rules for a value known early.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Environment } from '../../compiler/environment.js';

const TEMPLATES = [
  'Value: {{ val }}',
  '{% with v = config.optional %}[{% if v is none %}D{% else %}{{ v }}{% end %}]{% end %}',
  '{{ config.optional ?? "x" }}|{{ config?.optional ?? "y" }}|{{ val is none }}|{{ config.optional is defined }}',
  '{% for k, v in config | dictsort %}{{ k }}={{ v }};{% end %}{{ val | default("d") }}',
];

const value = fc.oneof(fc.constant(null), fc.boolean(), fc.integer(), fc.string({ maxLength: 8 }), fc.array(fc.integer(), { maxLength: 3 }));

describe('staticContext', () => {
  it('renders a static value as the same value given as data', () => {
    fc.assert(fc.property(value, value, (val, optional) => {
      const statics = { val, config: { optional } };
      const asStatic = new Environment({ staticContext: statics, autoescape: false });
      const asData = new Environment({ autoescape: false });
      for (const src of TEMPLATES) {
        expect(asStatic.fromString(src).render({})).toBe(asData.fromString(src).render(statics));
      }
    }), { numRuns: 60 });
  });

  it('keeps the run-time rules for None: rendered as None, and "" through a dot', () => {
    const env = new Environment({ staticContext: { val: null, config: { optional: null } }, autoescape: false });
    expect(env.fromString(TEMPLATES[0]!).render({})).toBe('Value: None');
    expect(env.fromString(TEMPLATES[1]!).render({})).toBe('[]');
  });

  it('is shadowed by data of the same name, as a global is', () => {
    const env = new Environment({ staticContext: { val: 'static' } });
    expect(env.fromString('{{ val }}').render({ val: 'data' })).toBe('data');
    expect(env.fromString('{{ val }}').render({})).toBe('static');
  });
});
