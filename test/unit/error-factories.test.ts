// KeyError and ZeroDivisionError suggestions live in factories (errors.ts keyError /
// zeroDivisionError), so bundles that never raise them leave the text out. Every way a template
// raises one still carries the suggestion, and no runtime module bypasses the factories.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderError } from '../support.js';

const root = join(import.meta.dirname, '../..');
const ZERO = 'Division by zero. Guard with `{% if divisor %}` or use `| default(1)`.';

describe('KeyError and ZeroDivisionError suggestions', () => {
  it.each([
    ['{{ 1 / z }}', 'division by zero'],
    ['{{ 1 // z }}', 'integer division or modulo by zero'],
    ['{{ 1 % z }}', 'integer modulo by zero'],
    ['{{ [1, 2] | slice(z) | list }}', 'integer modulo by zero'],
  ])('%s raises ZeroDivisionError with its suggestion', (src, msg) => {
    const e = renderError(src, { z: 0 });
    expect(e.pyType).toBe('ZeroDivisionError');
    expect(e.pyMessage).toBe(msg);
    expect(e.code).toBe('K-RUN-011');
    expect(e.suggestion).toBe(ZERO);
    expect(e.message).toContain(`Suggestion: ${ZERO}`);
  });

  it.each([
    ["{{ d['nope'] }}", "'nope'"],
    ["{{ d.pop('nope') }}", "'nope'"],
    ["{{ '%(nope)s' % d }}", "'nope'"],
    ["{{ '{nope}'.format(a=1) }}", "'nope'"],
    ['{{ {}.popitem() }}', 'popitem(): dictionary is empty'],
  ])('%s raises KeyError with its suggestion', (src, key) => {
    const e = renderError(src, { d: { a: 1 } });
    expect(e.pyType).toBe('KeyError');
    expect(e.pyMessage).toBe(key);
    expect(e.code).toBe('K-RUN-009');
    expect(e.suggestion).toBe(`Key ${key} not found. Use \`.get(${key})\` or \`?[${key}]\` for safe access.`);
  });

  it('other Python errors carry no suggestion', () => {
    const e = renderError('{{ l[5] }}', { l: [1] });
    expect(e.pyType).toBe('IndexError');
    expect(e.suggestion).toBeNull();
  });

  it.each([
    ['{{ n() }}', { n: 5 }, 'TypeError', 'K-RUN-012'],
    ['{{ l | dictsort }}', { l: [1] }, 'AttributeError', 'K-RUN-010'],
    ['{{ l[::0] }}', { l: [1] }, 'ValueError', 'K-RUN-007'],
  ])('%s raises its Python type with its code', (src, ctx, type, code) => {
    const e = renderError(src, ctx);
    expect(e.pyType).toBe(type);
    expect(e.code).toBe(code);
  });

  it('no runtime module raises them without the factories', () => {
    const dir = join(root, 'runtime');
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.ts') && n !== 'errors.ts'))
      expect(readFileSync(join(dir, f), 'utf8'), f).not.toMatch(/PyError\(\s*['"`](KeyError|ZeroDivisionError)/);
  });
});
