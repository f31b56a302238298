// `kida check --compat nunjucks`: the migration checklist (compiler/nunjucks/checklist.ts) on
// hand-written Nunjucks and on govuk-frontend's real templates, and through the CLI.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nunjucksChecklist } from '../../compiler/nunjucks/checklist.js';
import { DictLoader, Environment } from '../../compiler/environment.js';
import { TemplateError } from '../../runtime/errors.js';

const GOVUK = join(dirname(createRequire(import.meta.url).resolve('govuk-frontend/package.json')), 'dist/govuk');
const at = (src: string) => nunjucksChecklist(src).map((x) => `${x.line}:${x.col + 1} ${x.code}`);
const codes = (src: string) => [...new Set(nunjucksChecklist(src).map((x) => x.code))].sort();

describe('nunjucks checklist', () => {
  it('names each construct at its line and column, with the Kida form', () => {
    const src = ['{% macro card(p, size=1) %}', '{%- if p.big === true -%}{% set c = "x" %}{% elseif p.a !== null %}{% endif %}', '{{ {text: p.t} | dump }}{#- note -#}', '{% endmacro %}'].join('\n');
    expect(at(src)).toEqual([
      '1:1 K-NJK-001',
      '1:1 K-NJK-023',
      '2:8 K-NJK-020',
      '2:14 K-NJK-005',
      '2:26 K-NJK-013',
      '2:43 K-NJK-004',
      '2:53 K-NJK-020',
      '2:57 K-NJK-005',
      '2:61 K-NJK-008',
      '3:5 K-NJK-006',
      '3:11 K-NJK-020',
      '3:18 K-NJK-016',
      '3:34 K-NJK-007',
      '4:1 K-NJK-002',
    ]);
    const byCode = Object.fromEntries(nunjucksChecklist(src).map((x) => [x.code, x.suggestion]));
    expect(byCode['K-NJK-001']).toBe('{% def card(…) %}');
    expect(byCode['K-NJK-023']).toBe('p=none');
    expect(byCode['K-NJK-005']).toBe('`!=`');
    expect(byCode['K-NJK-006']).toBe('`"text":`');
    expect(byCode['K-NJK-016']).toBe('`| tojson`');
    expect(byCode['K-NJK-002']).toBe('{% end %}');
  });

  it('suggests Kida forms that are Kida (each compiles and renders as the Nunjucks did)', () => {
    const kida = new Environment({});
    const pairs: [string, string, Record<string, unknown>][] = [
      ['{% macro f(a) %}[{{ a }}]{% endmacro %}{{ f(1) }}', '{% def f(a) %}[{{ a }}]{% end %}{{ f(1) }}', {}],
      ['{% set x %}A{% endset %}{{ x }}', '{% capture x %}A{% end %}{{ x }}', {}],
      ['{% if 1 === 1 %}y{% endif %}', '{% if 1 == 1 %}y{% endif %}', {}],
      ['{{ {text: "t"}.text }}', '{{ {"text": "t"}.text }}', {}],
      ['{% for k, v in o %}{{ k }}={{ v }};{% endfor %}', '{% for k, v in o.items() %}{{ k }}={{ v }};{% endfor %}', { o: { a: 1, b: 2 } }],
      ['{{ [1].concat([2]) | join(",") }}', '{{ ([1] + [2]) | join(",") }}', {}],
      ['{% if 1 %}{% set y = 2 %}{% endif %}{{ y }}', '{% let y = 0 %}{% if 1 %}{% export y = 2 %}{% endif %}{{ y }}', {}],
      ['{{ p.missing }}|', "{{ p.missing | default('') }}|", { p: {} }],
    ];
    const njk = new Environment({ compat: 'nunjucks' });
    for (const [before, after, ctx] of pairs) {
      expect(nunjucksChecklist(before).length, before).toBeGreaterThan(0);
      expect(nunjucksChecklist(after), after).toEqual(nunjucksChecklist(after).filter((x) => x.code === 'K-NJK-020' && /default/.test(after)));
      expect(kida.fromString(after).render(ctx), after).toBe(njk.fromString(before, { name: 'x.njk' }).render(ctx));
    }
  });

  it('flags an extends Nunjucks runs where it stands (inside a tag), at the tag; its suggestion renders the same', () => {
    expect(at('{% block b %}x{% endblock %}\n{% if wrap %}{% extends "a.njk" %}{% else %}{%- extends "b.njk" %}{% endif %}')).toEqual(['2:14 K-NJK-025', '2:45 K-NJK-025']);
    expect(at('{% extends "a.njk" %}{% extends layout %}{% block b %}{% endblock %}')).toEqual([]);
    const layouts = { 'a.njk': '<a>{% block b %}{% endblock %}</a>', 'b.njk': '<b>{% block b %}{% endblock %}</b>' };
    const before = '{% if wrap %}{% extends "a.njk" %}{% else %}{% extends "b.njk" %}{% endif %}{% block b %}{{ wrap }}{% endblock %}';
    const after = '{% extends ("a.njk" if wrap else "b.njk") %}{% block b %}{{ wrap }}{% endblock %}';
    expect(nunjucksChecklist(after)).toEqual([]);
    const kida = new Environment({ loader: new DictLoader(layouts) });
    const njk = new Environment({ loader: new DictLoader(layouts), compat: 'nunjucks' });
    for (const wrap of [1, 0]) expect(kida.fromString(after).render({ wrap })).toBe(njk.fromString(before, { name: 'p.njk' }).render({ wrap }));
  });

  it('flags a list, dict or group closed by another bracket, at the closer; its suggestion renders the same', () => {
    // (hmpo-components' checkboxes: `[{ … ]}`)
    expect(at('{% set items = [{\n  "id": p.id,\n  "x": (1 + 2]\n]} %}')).toEqual(['2:9 K-NJK-020', '3:14 K-NJK-027', '4:1 K-NJK-027', '4:2 K-NJK-027']);
    expect(at('{{ f([1], {"a": (2)}) }}')).toEqual([]);
    const before = '{% set items = [{ "id": p.id, "n": (1 + 2] * 2 ]} %}{{ items[0].id }}{{ items[0].n }}';
    const after = '{% set items = [{ "id": p.id, "n": (1 + 2) * 2 }] %}{{ items[0].id }}{{ items[0].n }}';
    expect(nunjucksChecklist(after).map((x) => x.code).filter((c) => c !== 'K-NJK-020')).toEqual([]);
    const ctx = { p: { id: 'x<' } };
    expect(new Environment().fromString(after).render(ctx)).toBe(new Environment({ compat: 'nunjucks' }).fromString(before, { name: 'x.njk' }).render(ctx));
  });

  it('finds nothing in a template that is already plain Kida', () => {
    expect(nunjucksChecklist('{% if a == 1 %}{{ b | upper }}{% elif c %}{% endif %}{% for x in xs %}{{ loop.index }}{% endfor %}')).toEqual([]);
  });

  it('reports what a rewrite made up once, where the source has it', () => {
    expect(at('{% switch x %}{% case 1 %}a{% default %}b{% endswitch %}')).toEqual(['1:1 K-NJK-012', '1:42 K-NJK-002']);
    expect(at('{{ r/a.b/gi.test(s) }}')).toEqual(['1:4 K-NJK-009', '1:13 K-NJK-015']);
    expect(at('{% verbatim %}{{ a === b }}{#- x -#}{% endverbatim %}')).toEqual(['1:1 K-NJK-011']);
  });

  it('property: a template made of known constructs reports exactly their codes', () => {
    const parts: [string, string[]][] = [
      ['{% macro m(a=1) %}{% endmacro %}', ['K-NJK-001', 'K-NJK-002']],
      ['{% if a %}{% elseif b %}{% endif %}', ['K-NJK-004']],
      ['{{ a === b }}', ['K-NJK-005']],
      ['{{ {k: 1} }}', ['K-NJK-006']],
      ['{# c -#}', ['K-NJK-007']],
      ['{{ undefined }}', ['K-NJK-008']],
      ['{{ 1.5 }}', ['K-NJK-010']],
      ['{{ s | dump }}', ['K-NJK-016']],
      ['{% if s is escaped %}{% endif %}', ['K-NJK-017']],
      ['{{ a.b }}', ['K-NJK-020']],
      ['{{ a | upper }}', []],
      ['text {{ a }}', []],
      ['{% asyncEach x in xs %}{{ x }}{% endeach %}', ['K-NJK-024']],
      ['{% asyncAll x in xs %}{% else %}{% endall %}', ['K-NJK-024']],
      ['{% ifAsync x %}{% endif %}', ['K-NJK-024']],
      ['{% asyncEach x in xs %}{% set y = 1 %}{% endeach %}', ['K-NJK-013', 'K-NJK-024']],
      ['{% if wrap %}{% extends "base.njk" %}{% endif %}', ['K-NJK-025']],
      ['{% for l in ls %}{% extends l %}{% endfor %}', ['K-NJK-025']],
      ['{% extends layout %}', []],
      ['{% block b %}x{% endblock b %}', ['K-NJK-026']],
      ['{% block c %}x{% endblock %}', []],
      ['{{ [1, 2} }}', ['K-NJK-027']],
      ['{{ ["a", ("b")] }}', []],
    ];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...parts), { maxLength: 6 }), (chosen) => {
        const src = chosen.map((p) => p[0]).join('\n');
        expect(codes(src)).toEqual([...new Set(chosen.flatMap((p) => p[1]))].sort());
        for (const x of nunjucksChecklist(src)) expect(src.split('\n')[x.line - 1]!.length).toBeGreaterThan(x.col);
      }),
      { numRuns: 200 },
    );
  });

  it('property: any input either fails to lex as a TemplateError or gives findings inside the source', () => {
    const piece = fc.constantFrom('{%', '%}', '{{', '}}', '{#', '#}', '-', ' ', 'macro', 'endmacro', 'set', 'endset', 'if', 'endif', 'for', 'in', 'x', '.', 'a', '(', ')', '{', '}', ':', ',', '===', 'null', 'r/a/', 'is', '|', 'dump', '"s"', '1.0', 'switch', 'case', 'verbatim', 'caller', '\n');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 40 }), (parts) => {
        const src = parts.join('');
        let found;
        try {
          found = nunjucksChecklist(src);
        } catch (e) {
          expect(e, src).toBeInstanceOf(TemplateError);
          return;
        }
        const lines = src.split('\n');
        for (const x of found) {
          expect(x.code).toMatch(/^K-NJK-0\d\d$/);
          expect(x.line, src).toBeLessThanOrEqual(lines.length);
          expect(x.col, src).toBeLessThan(lines[x.line - 1]!.length);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("finds work in every govuk-frontend component template, with stable codes", () => {
    const dir = join(GOVUK, 'components');
    const seen = new Set<string>();
    for (const c of readdirSync(dir).filter((c) => !c.includes('.'))) {
      const file = join(dir, c, 'template.njk');
      const found = nunjucksChecklist(readFileSync(file, 'utf8'), { name: file });
      expect(found.length, c).toBeGreaterThan(0);
      for (const x of found) {
        expect(x.code).toMatch(/^K-NJK-0\d\d$/);
        seen.add(x.code);
      }
    }
    // the constructs the issue counted in real templates are each found somewhere
    for (const code of ['K-NJK-001', 'K-NJK-002', 'K-NJK-003', 'K-NJK-004', 'K-NJK-005', 'K-NJK-006', 'K-NJK-007', 'K-NJK-013', 'K-NJK-017', 'K-NJK-020']) expect(seen, code).toContain(code);
    // one template in full: the button's checklist
    const button = nunjucksChecklist(readFileSync(join(dir, 'button/template.njk'), 'utf8'));
    expect(button.filter((x) => x.code !== 'K-NJK-020').map((x) => `${x.line}:${x.col + 1} ${x.code}`)).toEqual([
      '7:3 K-NJK-013', '11:3 K-NJK-013', '14:1 K-NJK-001', '21:1 K-NJK-002', '25:1 K-NJK-003', '25:174 K-NJK-002',
      '29:17 K-NJK-007', '31:1 K-NJK-003', '37:1 K-NJK-002', '52:36 K-NJK-005', '52:40 K-NJK-008',
    ]);
  });
});

describe('kida check --compat nunjucks', () => {
  const cli = join(import.meta.dirname, '../../dist/compiler/cli.js');
  const run = (...args: string[]) => spawnSync(process.execPath, [cli, 'check', ...args], { encoding: 'utf8' });

  it('prints file:line:col: CODE message (Kida: form) as warnings; --strict fails on them', () => {
    const lax = run('--compat', 'nunjucks', GOVUK);
    expect(lax.status).toBe(0);
    const lines = lax.stderr.split('\n').filter((l) => /K-NJK-/.test(l));
    expect(lines.length).toBeGreaterThan(500);
    expect(lines.every((l) => /^\S+\.njk:\d+:\d+: K-NJK-0\d\d .+ \(Kida: .+\)$/.test(l))).toBe(true);
    expect(lax.stderr).toMatch(/components\/button\/template\.njk:14:1: K-NJK-001 \{% macro %\} is \{% def %\} in Kida \(Kida: \{% def _startIcon\(…\) %\}\)/);
    expect(run('--compat', 'nunjucks', '--strict', GOVUK).status).toBe(1);
    // plain `kida check` of the same tree has no checklist
    const plain = run(GOVUK);
    expect(plain.status).toBe(0);
    expect(plain.stderr).not.toMatch(/K-NJK-/);
  });

  it('checks one file; a template that does not compile is an error (exit 1) with no checklist', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kida-njk-check-'));
    try {
      writeFileSync(join(dir, 'ok.njk'), '{% macro m() %}{{ a === b }}{% endmacro %}');
      writeFileSync(join(dir, 'bad.njk'), '{% macro m() %}{% if x %}{% endmacro %}');
      const ok = run('--compat', 'nunjucks', join(dir, 'ok.njk'));
      expect(ok.status).toBe(0);
      expect(ok.stderr.match(/K-NJK-\d+/g)).toEqual(['K-NJK-001', 'K-NJK-005', 'K-NJK-002']);
      const bad = run('--compat', 'nunjucks', dir);
      expect(bad.status).toBe(1);
      expect(bad.stderr).toMatch(/bad\.njk:1:\d+: .*K-PAR/);
      expect(bad.stderr).not.toMatch(/bad\.njk.*K-NJK/);
      expect(bad.stderr).toMatch(/ok\.njk:1:1: K-NJK-001/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses other modes', () => {
    const r = run('--compat', 'jinja', GOVUK);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--compat nunjucks/);
  });
});
