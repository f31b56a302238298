// `kida check --types` (template bodies type-checked by TypeScript against the declared app
// types) and `kida check --typed` (names against `{% template %}` declarations), through the
// API and the real CLI, on fixture files in a temporary directory.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkNames, checkTypes, type TypeCheckInput } from '../../compiler/typecheck.js';

const root = join(import.meta.dirname, '../..');
const cli = join(root, 'dist/compiler/cli.js');
let dir: string;

const TYPES = `export interface Author { name: string; email?: string }
export interface Page {
  title: string;
  author: Author;
  editor: Author | null;
  reviewer?: Author;
  tags: string[];
  related: Page[];
  pairs: [string, Page][];
  meta: Record<string, string>;
  url(): string;
}
export interface Site { pages: Page[]; home: Page; byId: Map<string, Page>; created: Date }
`;
const HEAD = '{# @types import type { Page, Author, Site } from "../types.js" #}\n';

function write(rel: string, text: string): string {
  const file = join(dir, rel);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
  return file;
}

/** Type-checks one template (written under templates/) and returns its findings as `line:col message`. */
async function types(source: string, name = 'templates/t.html.kida'): Promise<string[]> {
  const file = write(name, source);
  const res = await checkTypes([{ file, source }], { tsconfig: false });
  expect(res.internal).toEqual([]);
  const lines = source.split('\n');
  for (const d of res.diagnostics) {
    // every property finding points at the attribute name (or the quote of a literal key)
    if (d.code === 'K-TYP-004') expect(lines[d.line - 1]!.slice(d.col).replace(/^["']/, '')).toMatch(new RegExp(`^${/'(\w+)'/.exec(d.message)![1]}\\b`));
  }
  return res.diagnostics.map((d) => `${d.line}:${d.col} ${d.code} ${d.message}`);
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kida-typecheck-'));
  write('types.ts', TYPES);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('kida check --types', () => {
  it('reports a typo in an attribute of a declared app type, at the attribute, with did-you-mean', async () => {
    expect(await types(HEAD + '{% template page: Page %}\n<h1>{{ page.titel }}</h1>')).toEqual([
      "3:12 K-TYP-004 Property 'titel' does not exist on type 'Page'. Did you mean 'title'?",
    ]);
  });

  it('follows nested access, subscripts with literal keys and indexes', async () => {
    const src = HEAD + '{% template page: Page %}\n{{ page.author.nmae }}\n{{ page["titel"] }} {{ page.related[0].author.emial }}';
    expect(await types(src)).toEqual([
      "3:15 K-TYP-004 Property 'nmae' does not exist on type 'Author'.",
      "4:8 K-TYP-004 Property 'titel' does not exist on type 'Page'. Did you mean 'title'?",
      "4:46 K-TYP-004 Property 'emial' does not exist on type 'Author'. Did you mean 'email'?",
    ]);
  });

  it('types for-loop targets from Page[] (and tuple unpacking), and loop as a typed object', async () => {
    const src =
      HEAD +
      '{% template pages: list[Page], site: Site %}\n' +
      '{% for p in pages %}{{ loop.index }}: {{ p.titl }}{% end %}\n' +
      '{% for label, p in site.home.pairs %}{{ label }}{{ p.author.nam }}{% end %}\n' +
      '{% for p in site.pages if p.title %}{{ loop.indx }}{{ loop.cycle("a", "b") }}{% end %}';
    expect(await types(src)).toEqual([
      "3:43 K-TYP-004 Property 'titl' does not exist on type 'Page'. Did you mean 'title'?",
      "4:60 K-TYP-004 Property 'nam' does not exist on type 'Author'. Did you mean 'name'?",
      "5:44 K-TYP-004 Property 'indx' does not exist on type 'Loop'. Did you mean 'index'?",
    ]);
  });

  it('types def and region parameters annotated with app types (no {% template %} needed)', async () => {
    const src =
      HEAD +
      '{% def card(a: Author, size: int = 2) %}{{ a.name }}{{ a.mail }}{% end %}\n' +
      '{% region sidebar(page: Page | None = none) %}{{ page.author.name }}{{ page.tite }}{% end %}';
    expect(await types(src)).toEqual([
      "2:57 K-TYP-004 Property 'mail' does not exist on type 'Author'. Did you mean 'email'?",
      "3:76 K-TYP-004 Property 'tite' does not exist on type 'Page'. Did you mean 'title'?",
    ]);
  });

  it('checks optional chaining on nullable values without complaining about the null', async () => {
    const src = HEAD + '{% template page: Page %}\n{{ page.editor?.name }}{{ page.reviewer?.email }}{{ page.editor?.nmae }}';
    expect(await types(src)).toEqual(["3:65 K-TYP-004 Property 'nmae' does not exist on type 'Author'."]);
  });

  it('types with-bindings, single sets and comprehensions', async () => {
    const src =
      HEAD +
      '{% template page: Page, pages: list[Page] %}\n' +
      '{% with page.editor as e %}{{ e.nmae }}{% end %}\n' +
      '{% with a = page.author %}{{ a.emai }}{% end %}\n' +
      '{% set first = pages[0] %}{{ first.titel }}\n' +
      '{{ [p.titel for p in pages if p.author.name] }}';
    expect(await types(src)).toEqual([
      "3:32 K-TYP-004 Property 'nmae' does not exist on type 'Author'.",
      "4:31 K-TYP-004 Property 'emai' does not exist on type 'Author'. Did you mean 'email'?",
      "5:35 K-TYP-004 Property 'titel' does not exist on type 'Page'. Did you mean 'title'?",
      "6:6 K-TYP-004 Property 'titel' does not exist on type 'Page'. Did you mean 'title'?",
    ]);
  });

  it('reports @types imports that do not resolve, at the comment', async () => {
    const src = '{# @types import type { Pgae } from "../types.js" #}\n{# @types import type { X } from "../missing.js" #}\n{% template page: Pgae %}{{ page.x }}';
    const found = await types(src);
    expect(found).toHaveLength(2);
    expect(found[0]).toMatch(/^1:10 K-TYP-005 Module '"..\/types.js"' has no exported member 'Pgae'/);
    expect(found[1]).toMatch(/^2:10 K-TYP-005 Cannot find module '..\/missing.js'/);
  });

  it('reports nothing for valid templates, whatever Kida does that TypeScript cannot say', async () => {
    const valid = [
      // guards: default / ?? / is defined catch a missing attribute anywhere in their operand
      '{{ page.subtitle | default("") }}{{ page.author.bio ?? "" }}{{ page.subtitle is defined }}',
      '{% if page.subtitle is defined %}{{ page.subtitle }}{% end %}{% if "lead" in page %}{{ page.lead }}{% end %}',
      '{{ page.subtitle if page.subtitle is defined else page.title }}{{ page.x is defined and page.x.y }}',
      // dict methods on plain objects, Python string/list methods, filters, tests, operators
      '{% for k, v in page.meta.items() %}{{ k.upper() }}={{ v }}{% end %}{{ page.get("title") }}{{ page.keys() | list }}',
      '{{ page.title.upper() }}{{ page.tags.append("x") }}{{ page.tags.count("a") }}{{ page.title.startswith("x") }}',
      '{{ page.related | map(attribute="title") | join(", ") }}{{ (page.related | first).title }}{{ page.tags | length }}',
      '{{ page.title ~ "!" }}{{ page.tags[1:] }}{{ page.title is string }}{{ 1 if page.title == 2 else "x" }}',
      // lib types are not checked (Date/Map have Python-ish or runtime-specific attributes)
      '{{ site.created.year }}{{ site.byId.get("a") }}{% for k in site.byId %}{{ k.title }}{% end %}',
      // nullable and optional values: null/undefined are not the checker's business
      '{{ page.editor.name }}{{ page.reviewer.email }}{{ (page.editor ?? page.author).name }}',
      // methods and loop attributes that exist
      '{{ page.url() }}{% for p in site.pages %}{{ loop.index0 }}{{ loop.revindex }}{{ loop.previtem }}{{ loop.last }}{% end %}',
      // names re-bound by assignments become untyped; sets read before they run see the context
      '{{ x.anything }}{% set x = page %}{% set y = page %}{% set y = site %}{{ y.pages }}{{ y.title }}',
      '{% set page = site %}{{ page.pages }}',
      // block and def bodies do not see enclosing loop targets
      '{% for page in site.pages %}{% block b %}{{ page.anything }}{% end %}{% end %}',
      // unions are not checked (the template may discriminate them)
      '{% for x in [page, site] %}{{ x.pages }}{{ x.title }}{% end %}',
      // match captures, try/fallback, call blocks with slots, embed overrides, caller
      '{% match page.title %}{% case "a" %}a{% case t %}{{ t.anything }}{% end %}{% try %}{{ page.title }}{% fallback e %}{{ e.message }}{% end %}',
      '{% def card(p: Page) %}{{ p.title }}{{ caller() }}{% slot %}{% end %}{% call card(page) %}{{ page.author.name }}{% end %}',
      // untyped context names and globals are any
      '{{ other.whatever }}{{ range(3) }}{{ loop }}{{ user.name.first }}',
      // async and await
      '{% async for p in site.pages %}{{ p.title }}{% end %}{{ await page.url() }}',
    ];
    for (const body of valid) {
      const src = HEAD + '{% template page: Page, site: Site %}' + body;
      expect({ body, found: await types(src) }).toEqual({ body, found: [] });
    }
  });

  it('reports nothing for the repository examples (every template checked, declared or not)', async () => {
    const files: string[] = [];
    const visit = (d: string): void => {
      for (const f of readdirSync(d)) {
        const p = join(d, f);
        if (f === 'node_modules' || f === 'dist') continue;
        if (statSync(p).isDirectory()) visit(p);
        else if (f.endsWith('.kida')) files.push(p);
      }
    };
    visit(join(root, 'examples'));
    expect(files.length).toBeGreaterThan(5);
    const inputs: TypeCheckInput[] = files.map((file) => ({ file, source: readFileSync(file, 'utf8') }));
    const res = await checkTypes(inputs, { tsconfig: false, all: true });
    expect(res.internal).toEqual([]);
    expect(res.checked).toBe(files.length);
    expect(res.diagnostics).toEqual([]);
  });

  // Every template of the conformance corpus that renders without error in the reference
  // implementation is checked with its context typed from the JSON data it rendered with.
  // A finding there means the checker rejects something that works, except for templates
  // that read, in code that never runs or under `?.`, a key the data (hence the type) lacks:
  // those are listed, with the reason.
  const corpus = join(root, '../shared/conformance/cases.jsonl');
  it.skipIf(!existsSync(corpus))('reports nothing on the conformance corpus typed from its render contexts', async () => {
    const EXPECTED: Record<string, string> = {
      'k00925-7e9c2d81': '{% with page.author as author %} with an empty author: the body never runs',
      'k01416-c6d95384': 'my_dict.update({"a": 1}) adds a key the declared type does not have',
      'k01470-8d5e2ed1': 'a match case that never runs reads item.members',
      'k08557-5291a892': "cfg?['theme'] on an empty dict (?. is checked against the type)",
      'k08564-74dcfc29': 'config?.theme on an empty dict',
      'k08565-27fe4fda': 'config?.theme?.primary on an empty theme',
      'k08567-7e80afb7': "config?['theme'] on an empty dict",
    };
    const skipEnv = new Set(['strict_undefined', 'class', 'sandbox_policy', 'trim_blocks', 'lstrip_blocks', 'static_context', 'terminal_color', 'globals']);
    const tsType = (v: unknown, depth = 0): string => {
      if (depth > 8) return 'any';
      if (v === null) return 'null';
      if (Array.isArray(v)) {
        const items = [...new Set(v.map((x) => tsType(x, depth + 1)))];
        return items.length ? `Array<${items.join(' | ')}>` : 'any[]';
      }
      if (typeof v === 'object') {
        const o = v as Record<string, unknown>;
        if ('$type' in o) return o.attrs ? tsType(o.attrs, depth) : 'any';
        return `{ ${Object.entries(o).map(([k, x]) => `${JSON.stringify(k)}: ${tsType(x, depth + 1)}`).join('; ')} }`;
      }
      return typeof v;
    };
    const inputs: (TypeCheckInput & { id: string })[] = [];
    for (const line of readFileSync(corpus, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      const c = JSON.parse(line) as {
        id: string; suite: string; env: Record<string, unknown>; source: string | null; templates: Record<string, string>;
        context: Record<string, unknown> | null; expected: { output?: string; chunks?: string[] };
      };
      if (!('output' in c.expected || 'chunks' in c.expected) || c.suite === 'sandbox' || c.suite === 'out') continue;
      if (Object.keys(c.env).some((k) => skipEnv.has(k))) continue;
      const contextTypes = Object.fromEntries(Object.entries(c.context ?? {}).map(([k, x]) => [k, tsType(x)]));
      const templates = c.source != null ? { 'main.kida': c.source } : c.templates;
      for (const [name, source] of Object.entries(templates)) {
        if (!/^[\w./-]+$/.test(name)) continue;
        inputs.push({ id: c.id, file: join(dir, 'corpus', c.id, name), source, parseOptions: { name }, shadow: { contextTypes } });
      }
    }
    expect(inputs.length).toBeGreaterThan(5000);
    const res = await checkTypes(inputs, { tsconfig: false, all: true });
    expect(res.internal).toEqual([]);
    const ids = [...new Set(res.diagnostics.map((d) => relative(join(dir, 'corpus'), d.file).split(/[\\/]/)[0]!))].sort();
    expect(ids).toEqual(Object.keys(EXPECTED).sort());
  }, 300_000);

  it('loads ts-morph only when type checking runs', () => {
    const src = readFileSync(join(root, 'compiler/typecheck.ts'), 'utf8');
    expect(src).not.toMatch(/^import (?!type)[^\n]*from 'ts-morph'/m);
    expect(src).toMatch(/await import\('ts-morph'\)/);
    const cliSrc = readFileSync(join(root, 'compiler/cli.ts'), 'utf8');
    expect(cliSrc).not.toMatch(/^import [^\n]*typecheck/m);
  });
});

describe('kida check --typed', () => {
  it('reports undeclared names (with a suggestion for typos) and unused declarations', () => {
    const src =
      '{% template user: User, items: list, unused: str %}\n' +
      '{{ usr.name }} {{ title }} {{ user.name }}\n' +
      '{% for i in items %}{{ loop.index }}{{ i }}{% end %}{{ range(3) }}{{ csrf_token() }}{{ hx_request() }}\n' +
      '{% set x = 1 %}{{ x }}{% def f(a) %}{{ a }}{{ caller() }}{% end %}{{ site_name }}';
    const found = checkNames(src, { globals: ['site_name'] }).map((d) => `${d.line}:${d.col} ${d.code} ${d.message}`);
    expect(found).toEqual([
      "1:37 K-TYP-002 Declared variable 'unused' is never used",
      "2:3 K-TYP-003 Variable 'usr' used but not declared in {% template %} (did you mean 'user'?)",
      "2:18 K-TYP-001 Variable 'title' used but not declared in {% template %}",
    ]);
  });

  it('checks nothing without a declaration, and no unused names when the context is handed on', () => {
    expect(checkNames('{{ anything }}')).toEqual([]);
    expect(checkNames('{% extends "base.html" %}{% template page: str %}')).toEqual([]);
    expect(checkNames('{% template page: str %}{% include "x.html" %}')).toEqual([]);
  });

  it("knows Markdown mode's output_format global, only in Markdown templates", () => {
    const src = '{% template page: str %}{{ page }}{% if output_format == "markdown" %}*{% end %}';
    expect(checkNames(src, { autoescape: 'markdown' })).toEqual([]);
    expect(checkNames(src).map((d) => d.code)).toEqual(['K-TYP-001']);
  });
});

describe('the kida CLI', () => {
  const run = (args: string[]) => spawnSync(process.execPath, [cli, ...args], { cwd: dir, encoding: 'utf8' });

  it('check --types prints file:line:col: CODE message and exits 1; a clean tree exits 0', () => {
    // the CLI takes compiler options from the nearest tsconfig.json (NodeNext: ".js" specifiers)
    write('cli/tsconfig.json', JSON.stringify({ compilerOptions: { strict: true, module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022' } }));
    write('cli/types.ts', TYPES);
    write('cli/templates/page.html.kida', HEAD + '{% template page: Page %}\n<h1>{{ page.titel }}</h1>{{ page.author.name }}');
    write('cli/templates/ok.html.kida', HEAD + '{% template page: Page %}{{ page.title }}');
    const bad = run(['check', 'cli/templates', '--types']);
    expect(bad.stderr).toContain("cli/templates/page.html.kida:3:13: K-TYP-004 Property 'titel' does not exist on type 'Page'. Did you mean 'title'?\n");
    expect(bad.stderr).not.toContain('ok.html.kida');
    expect(bad.status).toBe(1);
    // without --types the same tree is fine
    expect(run(['check', 'cli/templates']).status).toBe(0);
    write('cli/templates/page.html.kida', HEAD + '{% template page: Page %}\n<h1>{{ page.title }}</h1>');
    const good = run(['check', 'cli/templates', '--types', '--typed']);
    expect(good.stderr).toBe('kida: 2 templates checked, 0 with errors\n');
    expect(good.status).toBe(0);
  }, 60_000);

  it('check --typed reports K-TYP codes and exits 1', () => {
    write('cli2/a.html.kida', '{% template user: str %}{{ usr }}{{ user }}');
    const res = run(['check', 'cli2', '--typed']);
    expect(res.stderr).toContain("cli2/a.html.kida:1:28: K-TYP-003 Variable 'usr' used but not declared in {% template %} (did you mean 'user'?)");
    expect(res.status).toBe(1);
  });

  it('explains bad invocations with exit 2, and documents the flags', () => {
    const bad = run(['check', 'cli2', '--tsconfig', 'tsconfig.json']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--tsconfig needs --types/);
    const missing = run(['check', 'cli2', '--types', '--tsconfig', 'nope.json']);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/--types: cannot use nope.json/);
    const help = run(['--help']);
    expect(help.stdout).toMatch(/--types/);
    expect(help.stdout).toMatch(/--typed/);
  });
});
