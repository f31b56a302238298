// `kida check`'s every-error pass (compiler/diagnose.ts), the unclosed-block position, and the
// option-name checks, over generated hostile inputs.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/index.js';
import { diagnose } from '../../compiler/diagnose.js';
import { TemplateError } from '../../runtime/errors.js';
import { ConfigError, KIDA_OPTION_KEYS, checkOptionKeys } from '../../plugins/config.js';
import { Environment } from '../../compiler/environment.js';

const FRAGMENTS = [
  'text ', '\n', '{{ x }}', '{{ x | upper }}', '{{ x | uper }}', '{{ }}', '{{ x +', '{% if x %}', '{% endif %}', '{% for a in b %}',
  '{% endfor %}', '{% end %}', '{% fro a in b %}', '{% else %}', '{% block b %}', '{% endblock %}', '{% set y = 1 %}', '{% if %}',
  '{# c #}', '{#', '{%', '%}', '}}', '"', "'", '{% def f(a) %}', '{% enddef %}', '{% include "x.kida" ignore missing %}', '{% raw %}',
  '{% endraw %}', '{{ 1 // 0 }}', '{% match x %}', '{% case 1 %}', '{% endmatch %}', '{{ a.b[c] }}', '{% unknown %}', '{{ f(**) }}',
];
const template = fc.array(fc.oneof(fc.constantFrom(...FRAGMENTS), fc.string({ maxLength: 4 })), { maxLength: 24 }).map((a) => a.join(''));

function firstError(source: string): TemplateError | null {
  try {
    compile(source, { dts: false });
    return null;
  } catch (e) {
    if (!(e instanceof TemplateError)) throw e;
    return e;
  }
}

describe('diagnose: every error of a template', () => {
  it('finds no error exactly when the template compiles, and always the one compile reports', () => {
    fc.assert(
      fc.property(template, (source) => {
        const { errors } = diagnose(source, {});
        const first = firstError(source);
        if (!first) {
          expect(errors).toEqual([]);
          return;
        }
        expect(errors.length).toBeGreaterThan(0);
        expect(errors.length).toBeLessThanOrEqual(20);
        expect(errors.some((e) => e.code === first.code && e.lineno === first.lineno && e.colno === first.colno)).toBe(true);
        const lines = source.split('\n').length;
        for (const e of errors) {
          expect(e).toBeInstanceOf(TemplateError);
          expect(e.lineno ?? 1).toBeGreaterThanOrEqual(1);
          expect(e.lineno ?? 1).toBeLessThanOrEqual(lines);
          expect(e.source).toBe(source); // excerpts from the file as written
        }
        expect(new Set(errors.map((e) => `${e.code} ${e.lineno} ${e.colno}`)).size).toBe(errors.length); // each once
        const keys = errors.map((e) => [e.lineno ?? 0, e.colno ?? 0]);
        expect([...keys].sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!)).toEqual(keys);
      }),
      { numRuns: 500 },
    );
  });

  it('reports independent mistakes together, and not the end tag of a blanked opening tag', () => {
    const { errors } = diagnose('{{ a | nope }}\n{% fro x in y %}{{ x }}{% endfor %}\n{% include "q.kida" ignore missing %}{{ b | zap }}', {});
    expect(errors.map((e) => [e.code, e.lineno, e.colno])).toEqual([
      ['K-PAR-004', 1, 7],
      ['K-PAR-001', 2, 3],
      ['K-PAR-004', 3, 44],
    ]);
  });
});

describe('an unclosed block is reported at its opening tag', () => {
  const OPENERS = ['if x', 'for a in b', 'block b', 'with y = 1', 'try', 'capture c'];
  it('whatever blocks enclose it and whatever follows', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...OPENERS), { minLength: 1, maxLength: 6 }), fc.array(fc.constantFrom('text', '\n', '{{ v }}'), { maxLength: 5 }), (tags, fill) => {
        // blocks opened in turn, none closed: the innermost (last) is reported, at its keyword
        let source = '';
        let line = 1;
        let col = 0;
        tags.forEach((t, i) => {
          source += fill[i % Math.max(fill.length, 1)] ?? '';
          const lines = source.split('\n');
          line = lines.length;
          col = lines[lines.length - 1]!.length + 3;
          source += `{% ${t} %}`;
        });
        source += fill.join('');
        const e = firstError(source)!;
        expect(e.code).toBe('K-PAR-002');
        expect(e.rawMessage).toContain(`Unclosed '${tags[tags.length - 1]!.split(' ')[0]}' block (opened at line ${line})`);
        expect([e.lineno, e.colno]).toEqual([line, col]);
      }),
      { numRuns: 200 },
    );
  });
});

describe('option names', () => {
  it('a key that is no option fails naming it, for the plugins and the Environment', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 12 }), (key) => {
        const plugin = KIDA_OPTION_KEYS.includes(key);
        if (plugin) expect(() => checkOptionKeys({ [key]: 1 }, KIDA_OPTION_KEYS, 'x')).not.toThrow();
        else expect(() => checkOptionKeys({ [key]: 1 }, KIDA_OPTION_KEYS, 'x')).toThrow(ConfigError);
        let envError: unknown = null;
        try {
          new Environment({ [key]: undefined } as never);
        } catch (e) {
          envError = e;
        }
        if (envError) expect((envError as Error).message).toContain(`Unknown Environment option '${key}'`);
      }),
      { numRuns: 300 },
    );
    // '__proto__' and other Object.prototype names are not options either
    for (const k of ['constructor', 'toString', 'hasOwnProperty']) expect(() => new Environment({ [k]: 1 } as never)).toThrow(TypeError);
  });
});
