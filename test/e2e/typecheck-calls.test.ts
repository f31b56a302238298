// `kida check --types` on def, region and macro calls: an argument whose type the template
// declares (a context name, an attribute path on it, a typed parameter, a loop target over a
// typed list, a literal) is compared with the parameter's declared type (K-TYP-006). Whatever
// TypeScript cannot know exactly (filters, calls, operators, unions, guarded values) is not.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkTypes } from '../../compiler/typecheck.js';

const root = join(import.meta.dirname, '../..');
let dir: string;

const TYPES = `export interface Author { name: string; email?: string }
export interface Page {
  title: string; count: number; draft: boolean; tags: string[]; author: Author; editor: Author | null;
  related: Page[]; meta: Record<string, string>; created: Date; url(): string;
}
`;
const HEAD = '{# @types import type { Page, Author } from "../types.js" #}\n';

function write(rel: string, text: string): string {
  const file = join(dir, rel);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
  return file;
}

/** Type-checks templates (name → source, written under templates/) and returns `name line:col code message`. */
async function check(templates: Record<string, string>): Promise<string[]> {
  const inputs = Object.entries(templates).map(([name, source]) => ({ file: write(`templates/${name}`, source), source, parseOptions: { name } }));
  const res = await checkTypes(inputs, { tsconfig: false });
  expect(res.internal).toEqual([]);
  return res.diagnostics.map((d) => `${d.file.slice(join(dir, 'templates').length + 1)} ${d.line}:${d.col} ${d.code} ${d.message}`);
}

/** `line:col` (1-based line, 0-based column, as TypeDiagnostic) of the `n`th `needle` on a line of `src`. */
function at(src: string, line: number, needle: string, n = 1): string {
  const text = src.split('\n')[line - 1]!;
  let col = -1;
  for (let i = 0; i < n; i++) col = text.indexOf(needle, col + 1);
  expect(col).toBeGreaterThanOrEqual(0);
  return `${line}:${col}`;
}

const one = async (source: string) => (await check({ 't.kida': source })).map((x) => x.slice('t.kida '.length));

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kida-typecheck-calls-'));
  write('types.ts', TYPES);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('kida check --types: def call arguments', () => {
  it('reports a typed value passed where another type is declared, by position and keyword, at the argument', async () => {
    const src =
      HEAD +
      '{% template page: Page %}\n' +
      '{% def card(title: str, n: int = 0) %}{{ title }}{% end %}\n' +
      '{{ card(page) }}{{ card(page.title, n=page.tags) }}{{ card(title=page.author) }}';
    expect(await one(src)).toEqual([
      `${at(src, 4, 'page)')} K-TYP-006 Argument of type 'Page' is not assignable to parameter 'title' of type 'str' in card()`,
      `${at(src, 4, 'page.tags')} K-TYP-006 Argument of type 'string[]' is not assignable to parameter 'n' of type 'int' in card()`,
      `${at(src, 4, 'page.author')} K-TYP-006 Argument of type 'Author' is not assignable to parameter 'title' of type 'str' in card()`,
    ]);
  });

  it('knows the types of def parameters, loop targets, loop itself and literals', async () => {
    const src =
      HEAD +
      '{% def card(title: str) %}{{ title }}{% end %}\n' +
      '{% def person(a: Author, tags: list[str]) %}{{ card(a) }}{{ card(a.name) }}{% end %}\n' +
      '{% template page: Page %}\n' +
      '{% for p in page.related %}{{ card(p) }}{{ person(p.author, p.title) }}{{ card(loop.index) }}{% end %}\n' +
      '{{ card(3) }}{{ card(none) }}{{ card("ok") }}{{ person(page.author, ["a"]) }}';
    expect(await one(src)).toEqual([
      `${at(src, 3, 'a)')} K-TYP-006 Argument of type 'Author' is not assignable to parameter 'title' of type 'str' in card()`,
      `${at(src, 5, 'p)')} K-TYP-006 Argument of type 'Page' is not assignable to parameter 'title' of type 'str' in card()`,
      `${at(src, 5, 'p.title')} K-TYP-006 Argument of type 'string' is not assignable to parameter 'tags' of type 'list[str]' in person()`,
      `${at(src, 5, 'loop.index')} K-TYP-006 Argument of type 'number' is not assignable to parameter 'title' of type 'str' in card()`,
      `${at(src, 6, '3')} K-TYP-006 Argument of type '3' is not assignable to parameter 'title' of type 'str' in card()`,
      `${at(src, 6, 'none')} K-TYP-006 Argument of type 'null' is not assignable to parameter 'title' of type 'str' in card()`,
    ]);
  });

  it('checks regions and {% call %} blocks like defs', async () => {
    const src =
      HEAD +
      '{% template page: Page %}\n' +
      '{% region side(p: Page) %}{{ p.title }}{% end %}\n' +
      '{% def box(label: str) %}{{ label }}{{ caller() }}{% end %}\n' +
      '{{ side(page.author) }}{% call box(page.count) %}x{% end %}{% call box(label=page.title) %}y{% end %}';
    expect(await one(src)).toEqual([
      `${at(src, 5, 'page.author')} K-TYP-006 Argument of type 'Author' is not assignable to parameter 'p' of type 'Page' in side()`,
      `${at(src, 5, 'page.count')} K-TYP-006 Argument of type 'number' is not assignable to parameter 'label' of type 'str' in box()`,
    ]);
  });

  it('checks defs imported with {% from … import %}, typed in their own template, under their alias', async () => {
    const page =
      HEAD + '{% from "components/card.kida" import card, card as c2 %}{% template page: Page %}\n{{ card(page.title, by=page.author) }}{{ c2(page) }}{{ card(page.author.name, page) }}';
    const late = HEAD + '{% template page: Page %}\n{{ card(page) }}{% from "components/card.kida" import card %}{{ card(page) }}';
    const found = await check({
      'components/card.kida': HEAD.replace('../types.js', '../../types.js') + '{% def card(title: str, by: Author | None = none) %}{{ title }}{% end %}',
      'page.kida': page,
      // (a template that declares no types is not checked, whatever it imports)
      'plain.kida': '{% from "components/card.kida" import card %}{{ card(1) }}',
      // a call before the import calls the context's card
      'late.kida': late,
    });
    expect(found).toEqual([
      `late.kida ${at(late, 3, 'page)', 2)} K-TYP-006 Argument of type 'Page' is not assignable to parameter 'title' of type 'str' in card()`,
      `page.kida ${at(page, 3, 'page)')} K-TYP-006 Argument of type 'Page' is not assignable to parameter 'title' of type 'str' in c2()`,
      `page.kida ${at(page, 3, 'page)', 2)} K-TYP-006 Argument of type 'Page' is not assignable to parameter 'by' of type 'Author | None' in card()`,
    ]);
  });

  it('checks calls through a namespace import ({% import "x" as m %}{{ m.card(…) }})', async () => {
    const page =
      HEAD + '{% import "components/card.kida" as m %}{% template page: Page %}\n{{ m.card(page.title, by=page.author) }}{{ m.card(page) }}{{ m.card(page.title, by=page) }}';
    const found = await check({
      'components/card.kida': HEAD.replace('../types.js', '../../types.js') + '{% def card(title: str, by: Author | None = none) %}{{ title }}{% end %}{% set label = 1 %}',
      'page.kida': page,
      // not checked: a name the namespace does not define as a def, an optional call, `m` bound twice, a call before the import
      'other.kida': HEAD + '{% import "components/card.kida" as m %}{% template page: Page %}{{ m.label(page) }}{{ m?.card(page) }}{{ m.nope(page) }}',
      'twice.kida': HEAD + '{% import "components/card.kida" as m %}{% set m = page %}{% template page: Page %}{{ m.card(page) }}',
      'late.kida': HEAD + '{% template page: Page %}{{ m.card(page) }}{% import "components/card.kida" as m %}',
    });
    expect(found).toEqual([
      `page.kida ${at(page, 3, 'page)')} K-TYP-006 Argument of type 'Page' is not assignable to parameter 'title' of type 'str' in m.card()`,
      `page.kida ${at(page, 3, 'page)', 2)} K-TYP-006 Argument of type 'Page' is not assignable to parameter 'by' of type 'Author | None' in m.card()`,
    ]);
  });

  it('reports nothing for what the runtime accepts or the template may narrow', async () => {
    const valid = [
      // int where float is declared, bool where int or float is declared (a Python bool is an int)
      '{% def f(x: float, y: int, z: float) %}{% end %}{{ f(page.count, page.draft, true) }}{{ f(1, 2, 2.5) }}',
      // None accepted by `X | None`; unions (with None, too) never reported: the template may test them
      '{% def f(a: Author | None, s: str) %}{% end %}{{ f(none, page.title) }}{{ f(page.editor, page.editor) }}',
      // filters, calls, operators, conditionals, ?? and default are not typed exactly
      '{% def f(s: str) %}{% end %}{{ f(page | string) }}{{ f(page.url()) }}{{ f(page.count ~ "") }}{{ f(page.count + 1) }}',
      '{% def f(s: str) %}{% end %}{{ f(page.editor ?? "x") }}{{ f(page.x | default("")) }}{{ f(page if page else "x") }}',
      // guarded paths, dict and tuple parameters, untyped and any parameters, unknown type names
      '{% def f(s: str) %}{% end %}{% if page.count is defined %}{{ f(page.count) }}{% end %}',
      '{% def f(d: dict, t: tuple[str, int], u, a: any, o: Other) %}{% end %}{{ f(page, page, page, page, page) }}',
      // extra positionals go to *args and unknown keywords to **kwargs; the library's types; methods
      '{% def f(s: str, *rest, **kw) %}{% end %}{{ f("a", page, page.count, other=page) }}{{ f(page.created) }}{{ f(page.url) }}',
      // a name bound again is not the def any more; a call to a name the template does not define
      '{% def f(s: str) %}{% end %}{% set f = page.url %}{{ f(page) }}{{ g(page) }}',
      // a call written before the def (or the import) calls whatever the context holds under that name
      '{{ f(page) }}{% def f(s: str) %}{% end %}',
      // arrays and lists: a list of the declared element type
      '{% def f(t: list[str], ps: list[Page]) %}{% end %}{{ f(page.tags, page.related) }}',
    ];
    for (const body of valid) {
      const src = HEAD + '{% template page: Page %}' + body;
      expect({ body, found: await one(src) }).toEqual({ body, found: [] });
    }
  });

  // An oracle in Kida's terms: which declared types take which kinds of value (what K-TYP-006's
  // rules promise), tested on random calls. A source marked inexact is never reported.
  const SOURCES: { expr: string; kind: string | null }[] = [
    { expr: 'page.title', kind: 'str' }, { expr: '"x"', kind: 'str' },
    { expr: 'page.count', kind: 'int' }, { expr: '3', kind: 'int' }, { expr: '2.5', kind: 'float' },
    { expr: 'page.draft', kind: 'bool' }, { expr: 'false', kind: 'bool' }, { expr: 'none', kind: 'None' },
    { expr: 'page.tags', kind: 'list[str]' }, { expr: 'page.author', kind: 'Author' }, { expr: 'page', kind: 'Page' },
    { expr: 'p', kind: 'Page' }, { expr: 'page.related[0].author', kind: 'Author' },
    { expr: 'page.editor', kind: null }, { expr: 'page.title | upper', kind: null }, { expr: 'page.count * 2', kind: null },
    { expr: 'page.nope ?? 1', kind: null }, { expr: 'page.meta', kind: null },
  ];
  const TAKES: Record<string, string[]> = {
    str: ['str'], int: ['int', 'float', 'bool'], float: ['int', 'float', 'bool'], bool: ['bool'], 'list[str]': ['list[str]'],
    Author: ['Author'], Page: ['Page'], 'str | None': ['str', 'None'], 'Author | None': ['Author', 'None'], dict: [], any: [],
  };
  const accepts = (declared: string, kind: string) => declared === 'dict' || declared === 'any' || TAKES[declared]!.includes(kind);

  it('reports exactly the calls whose argument kind the declared type does not take (random calls)', async () => {
    const declaredTypes = Object.keys(TAKES);
    const call = fc.record({ param: fc.nat(declaredTypes.length - 1), source: fc.nat(SOURCES.length - 1), keyword: fc.boolean() });
    await fc.assert(
      fc.asyncProperty(fc.array(call, { minLength: 1, maxLength: 12 }), async (calls) => {
        const params = declaredTypes.map((t, i) => `p${i}: ${t} = none`).join(', ');
        const lines = calls.map(({ param, source, keyword }) => {
          // (positional: the parameters before it get a value never checked, a union)
          const args = keyword ? `p${param}=${SOURCES[source]!.expr}` : [...Array(param).fill('page.editor'), SOURCES[source]!.expr].join(', ');
          return `{% for p in page.related %}{{ f(${args}) }}{% end %}`;
        });
        const src = HEAD + `{% template page: Page %}{% def f(${params}) %}{% end %}\n` + lines.join('\n');
        const expected = calls.flatMap(({ param, source }, i) => {
          const { kind } = SOURCES[source]!;
          return kind && !accepts(declaredTypes[param]!, kind) ? [`${i + 3} p${param}`] : [];
        });
        const found = (await one(src)).map((x) => `${x.split(':')[0]} ${/parameter '(\w+)'/.exec(x)![1]}`);
        expect(found).toEqual(expected);
      }),
      { numRuns: 10 },
    );
  }, 120_000);

  it('survives hostile annotations and names: the shadow module always parses, findings sit on an argument', async () => {
    // annotations the parser takes, from names that mean something to Kida, TypeScript or the shadow module
    const word = fc.constantFrom('str', 'int', 'float', 'bool', 'list', 'dict', 'tuple', 'set', 'None', 'none', 'any', 'object', 'Page', 'Author', 'Loop', 'Array', 'Record', 'constructor', '__proto__', 'satisfies', 'Defs', 'k', 'hasOwnProperty');
    const { annotation } = fc.letrec<{ annotation: string }>((tie) => ({
      annotation: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        word,
        fc.tuple(word, fc.array(tie('annotation'), { minLength: 1, maxLength: 3 })).map(([w, a]) => `${w}[${a.join(', ')}]`),
        fc.tuple(tie('annotation'), tie('annotation')).map(([a, b]) => `${a} | ${b}`),
      ),
    }));
    const name = fc.constantFrom('f', 'constructor', '__proto__', 'toString', 'hasOwnProperty', 'satisfies', 'loop', 'Defs');
    let checked = 0;
    await fc.assert(
      fc.asyncProperty(name, fc.array(annotation, { minLength: 1, maxLength: 4 }), fc.array(fc.nat(SOURCES.length - 1), { maxLength: 4 }), async (def, types, picks) => {
        const params = types.map((t, i) => `p${i}: ${t}`).join(', ');
        const args = picks.map((i) => SOURCES[i]!.expr);
        const src = HEAD + `{% template page: Page %}{% def ${def}(${params}) %}{% end %}\n{% for p in page.related %}{{ ${def}(${args.join(', ')}) }}{% end %}`;
        const file = write('templates/hostile.kida', src);
        const res = await checkTypes([{ file, source: src, parseOptions: { name: 'hostile.kida' } }], { tsconfig: false });
        expect(res.internal).toEqual([]);
        checked += res.checked;
        const line = src.split('\n')[2]!;
        for (const d of res.diagnostics.filter((x) => x.code === 'K-TYP-006')) expect(args.some((a) => line.startsWith(a, d.col))).toBe(true);
      }),
      { numRuns: 15 },
    );
    // (most drawn annotations do not parse, which the plain check reports; enough must)
    expect(checked).toBeGreaterThanOrEqual(10);
  }, 120_000);

  it('the CLI prints the finding 1-based and fails', () => {
    write('tsconfig.json', JSON.stringify({ compilerOptions: { strict: true, module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022' } }));
    write('cli/types.ts', TYPES);
    write('cli/card.kida', HEAD + '{% def card(title: str) %}{{ title }}{% end %}');
    write('cli/page.kida', HEAD + '{% from "card.kida" import card %}\n{% template page: Page %}{{ card(page) }}');
    const res = spawnSync(process.execPath, [join(root, 'dist/compiler/cli.js'), 'check', 'cli', '--types'], { cwd: dir, encoding: 'utf8' });
    expect(res.stderr).toContain("cli/page.kida:3:34: K-TYP-006 Argument of type 'Page' is not assignable to parameter 'title' of type 'str' in card()\n");
    expect(res.status).toBe(1);
  }, 60_000);

  it('with --validate-calls too, a literal of the wrong type is reported once (K-TYP-006), other K-CMP-002 warnings stay', () => {
    write('cli2/types.ts', TYPES);
    write('cli2/page.kida', HEAD + '{% def card(title: str, n: int = 0) %}{{ title }}{% end %}{% template page: Page %}\n{{ card(3) }}{{ card("a", n=true) }}');
    const run = (...flags: string[]) => spawnSync(process.execPath, [join(root, 'dist/compiler/cli.js'), 'check', 'cli2', ...flags], { cwd: dir, encoding: 'utf8' }).stderr;
    const both = run('--types', '--validate-calls');
    expect(both).toContain("cli2/page.kida:3:9: K-TYP-006 Argument of type '3' is not assignable to parameter 'title' of type 'str' in card()\n");
    expect(both).not.toContain("K-CMP-002 card() param 'title'");
    // (True for an int: Python's typing and the runtime take it, so --types does not report it; the literal check warns)
    expect(both).toContain("K-CMP-002 card() param 'n' expects int, got bool");
    expect(run('--validate-calls')).toContain("K-CMP-002 card() param 'title' expects str, got int (3)");
  }, 60_000);
});
