// An outsider's audit of error quality (issue #19 §1): bad input gets a clear error, never a
// crash, a hang or silent garbage. Syntax errors from mutated real templates are located
// TemplateSyntaxErrors; hostile values thrown by host code never end the process; API misuse
// is a TypeError that names the argument instead of a TypeError from deep inside the lexer.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compile } from '../../dist/compiler/index.js';
import { ChoiceLoader, DictLoader, Environment, FunctionLoader, PrefixLoader, type Loader } from '../../dist/compiler/environment.js';
import { TemplateError } from '../../dist/runtime/index.js';
import { expectNoUnhandledRejections } from '../support.js';

const KIDA_PAGES = [
  '{% extends "base.html" %}\n{% block content %}\n  <h1>{{ title | upper }}</h1>\n  {% for x in items %}{{ loop.index }}: {{ x.name ?? "n" }}{% if x.p > 3 %}!{% end %}{% end %}\n{% end %}',
  "{% def card(a, b=2) %}<div>{{ a }}{{ b |> default(1) }}</div>{% end %}\n{% match v %}{% case 1 %}one{% case _ %}other{% end %}\n{# note #}{% raw %}{{ x }}{% endraw %}\n{{ card(1, b=[1,2,{'k': 3}]) }}",
  'é日本\t{%- set x = (1 +\n 2) * 3 -%}\r\n{{ x ~ "s" }}{% with a=1 %}{{ a }}{% endwith %}\r\n{% try %}{{ y }}{% fallback e %}{{ e.message }}{% end %}',
];
const NUNJUCKS_PAGES = [
  '{% extends "base.njk" %}\n{% block content %}\n{% for k, v in obj %}{{ k }}={{ v | safe }}{% else %}none{% endfor %}\n{% endblock %}',
  "{% macro m(a, b=2) %}{{ a }}{{ caller() if caller }}{% endmacro %}\n{% set x = { a: [1,2], \"b\": 'c' } %}{{ x.a[0] + 1 }}\n{% if a and not b %}y{% elif c %}z{% else %}w{% endif %}{% raw %}{{ }}{% endraw %}",
];
// What a mutation inserts: delimiters, brackets, quotes, closers, operators, unknown tags and
// filters, line ends and non-ASCII text.
const TOKENS = ['{%', '%}', '{{', '}}', '{#', '#}', '(', ')', '[', ']', '{', '}', '"', "'", 'end', 'endif', 'endfor', '|', '|>', '??', '?.', '**', '//', ',', ':', '=', '.', '-%}', '{%-', '\n', '\r\n', '\t', 'é', '日', '{% end %}', '{% endblock %}', '{% nosuchtag %}', '| nosuchfilter', '+ +', '<>', '!', '\\', '\u2028'];

type Mutation = [kind: number, at: number, token: string, len: number];
/** Deletes, inserts, cuts, swaps or duplicates a stretch of `src`. */
function mutate(src: string, ops: Mutation[]): string {
  for (const [kind, at, token, len] of ops) {
    const p = at % (src.length + 1);
    if (kind === 0) src = src.slice(0, p) + src.slice(p + len);
    else if (kind === 1) src = src.slice(0, p) + token + src.slice(p);
    else if (kind === 2) src = src.slice(0, p);
    else if (kind === 3) {
      const q = (p + len * 7) % (src.length + 1);
      const [a, b] = [Math.min(p, q), Math.max(p, q)];
      src = src.slice(0, a) + src.slice(b, b + len) + src.slice(a + len, b) + src.slice(a, a + len) + src.slice(b + len);
    } else src = src.slice(0, p) + src.slice(p, p + len) + src.slice(p);
  }
  return src;
}

const NAME = 'dir/page.kida';
const templates = { 'base.html': '{% block content %}{% end %}', 'base.njk': '{% block content %}{% endblock %}' };
/**
 * The error compiling `src` raises, checked: a TemplateSyntaxError with a code, the template's
 * name, a line of the source and a column inside that line (0-based, as the reference's, which
 * conformance pins in messages such as `--> <template>:1:13`), and an excerpt holding the line.
 */
function expectLocatedSyntaxError(compileIt: () => unknown, src: string): void {
  let e: unknown;
  try {
    compileIt();
    return;
  } catch (x) {
    e = x;
  }
  const err = e as TemplateError;
  expect(err.name, String(err.message)).toBe('TemplateSyntaxError');
  expect(err.code).toMatch(/^K-[A-Z]{3}-\d{3}$/);
  expect(err.templateName).toBe(NAME);
  const lines = src.split('\n');
  if (err.lineno === null) return expect(err.code).toBe('K-PAR-007'); // (only "nested too deeply to compile" has no position)
  expect(err.lineno).toBeGreaterThanOrEqual(1);
  expect(err.lineno).toBeLessThanOrEqual(lines.length);
  const line = lines[err.lineno - 1]!;
  expect(err.colno).toBeGreaterThanOrEqual(0);
  expect(err.colno).toBeLessThanOrEqual(line.length);
  expect(err.message).toContain(`${String(err.lineno).padStart(3)} | ${line}`);
}

describe('syntax errors of mutated real templates', () => {
  const mutation = fc.tuple(fc.integer({ min: 0, max: 4 }), fc.nat(400), fc.constantFrom(...TOKENS), fc.integer({ min: 1, max: 6 }));
  for (const [mode, pages] of [['kida', KIDA_PAGES], ['nunjucks', NUNJUCKS_PAGES]] as const) {
    const compat = mode === 'nunjucks' ? ('nunjucks' as const) : undefined;
    it(`${mode}: every error through fromString and compile() is a located TemplateSyntaxError`, () => {
      const env = new Environment({ loader: new DictLoader(templates), compat });
      fc.assert(
        fc.property(fc.constantFrom(...pages), fc.array(mutation, { minLength: 1, maxLength: 4 }), (page, ops) => {
          const src = mutate(page, ops);
          expectLocatedSyntaxError(() => env.fromString(src, { name: NAME }), src);
          expectLocatedSyntaxError(() => compile(src, { name: NAME, compat }), src);
        }),
        { seed: 1919, numRuns: 400 },
      );
    });
    it(`${mode}: the source cut at every position compiles or fails located`, () => {
      for (const page of pages) for (let i = 0; i <= page.length; i++) expectLocatedSyntaxError(() => compile(page.slice(0, i), { name: NAME, compat }), page.slice(0, i));
    });
  }
});

describe('a hostile value thrown or rejected by host code', () => {
  expectNoUnhandledRejections();
  const throwingToString = () => ({ toString: (): string => { throw new Error('toString throws'); } });
  const throwingMessage = () => {
    const e = new Error('x');
    Object.defineProperty(e, 'message', { get: () => { throw new Error('message getter throws'); } });
    return e;
  };
  const nullPrototype = () => Object.create(null) as object;

  it.each([
    ['an object whose toString throws', throwingToString],
    ['an Error whose message getter throws', throwingMessage],
    ['an object with no prototype (no toString at all)', nullPrototype],
  ])('an async global rejecting with %s fails the render, and nothing is left unhandled', async (_, payload) => {
    // (observe() handled the rejection with String, which threw again: an unhandled rejection
    // that ends a Node process, after the render had already failed)
    const env = new Environment();
    env.addGlobal('load', async () => {
      throw payload();
    });
    const t = env.fromString('a\n{{ await load() }}', { name: 'page' });
    await expect(t.renderAsync({})).rejects.toBeDefined();
    let chunks = '';
    await expect((async () => {
      for await (const c of t.renderStreamAsync({})) chunks += c;
    })()).rejects.toBeDefined();
    expect(chunks).toBe('a\n');
  });

  it('a data promise rejecting with an object whose toString throws: a clear error, nothing unhandled', () => {
    // (a sync template reading a promise observes it before saying it must be awaited: the same String handler)
    const env = new Environment();
    const t = env.fromString('{% if user.later %}yes{% end %}', { name: 'page' });
    const user = { name: 'ann', later: Promise.reject(throwingToString()) };
    expect(() => t.render({ user })).toThrow(/A promise must be awaited/);
  });
});

describe('API misuse is a TypeError that names the argument', () => {
  it.each([
    ['compile(null)', () => compile(null as unknown as string), /compile\(source, options\): the source is the template's text, a string \(got null\)/],
    ['compile(42)', () => compile(42 as unknown as string), /a string \(got number\)/],
    ['compile(src, null)', () => compile('x', null as unknown as object), /options is an object \(got null\)/],
    ['compile with a misspelt option', () => compile('x', { nmae: 'a' } as object), /Unknown compile\(\) option 'nmae'\. Did you mean 'name'\?/],
    ['compile with autoescap', () => compile('x', { autoescap: false } as object), /Did you mean 'autoescape'\?/],
    ['compile with a numeric name', () => compile('x', { name: 5 as unknown as string }), /the name option is a string \(got number\)/],
    ['compile with compat jinja', () => compile('x', { compat: 'jinja' as 'nunjucks' }), /unknown compat mode 'jinja'/],
    ['new Environment(null)', () => new Environment(null as unknown as object), /options is an object \(got null\)/],
    ['a loader that is a string', () => new Environment({ loader: 'templates' as unknown as Loader }), /'loader' is a loader .*got string/],
    ['fromString(undefined)', () => new Environment().fromString(undefined as unknown as string), /fromString\(source\).*got undefined/],
    ['fromString(src, 42)', () => new Environment().fromString('x', 42 as unknown as object), /second argument is an object or a name \(got number\)/],
    ['getTemplate(null)', () => new Environment({ loader: new DictLoader({}) }).getTemplate(null as unknown as string), /getTemplate\(name\): the name is a string \(got null\)/],
    ['addFilter without fn', () => new Environment().addFilter('x', undefined as unknown as () => 0), /addFilter\('x', fn\): fn is a function \(got undefined\)/],
    ['addTest(5, fn)', () => new Environment().addTest(5 as unknown as string, () => true), /addTest\(name, fn\): the name is a non-empty string \(got number\)/],
    ['a filters option holding a number', () => new Environment({ filters: { x: 5 as unknown as () => 0 } }), /addFilter\('x', fn\): fn is a function/],
    ['new DictLoader(null)', () => new DictLoader(null as unknown as Record<string, string>), /new DictLoader\(mapping\)/],
    ['new FunctionLoader(5)', () => new FunctionLoader(5 as unknown as () => null), /new FunctionLoader\(fn\)/],
    ['new ChoiceLoader([5])', () => new ChoiceLoader([5 as unknown as Loader]), /new ChoiceLoader\(loaders\)/],
    ['new PrefixLoader({ a: 5 })', () => new PrefixLoader({ a: 5 as unknown as Loader }), /new PrefixLoader\(mapping\)/],
  ])('%s', (_, call, message) => {
    expect(call).toThrow(TypeError);
    expect(call).toThrow(message);
  });

  it.each([
    ['a string', () => 'source' as unknown as null, /returned string for template 'page'/],
    ['a promise (loaders are synchronous)', () => Promise.resolve({ source: 'x', filename: null }) as unknown as null, /returned a promise \(loaders are synchronous\) for template 'page'/],
    ['an object without a source', () => ({ filename: 'x' }) as unknown as null, /an object whose source is undefined for template 'page'/],
    ['a numeric source', () => ({ source: 5, filename: null }) as unknown as null, /an object whose source is number/],
  ])('a loader returning %s is a TypeError naming the template', (_, getSource, message) => {
    const env = new Environment({ loader: { getSource, listTemplates: () => [] } });
    expect(() => env.getTemplate('page')).toThrow(message);
  });

  it('a loader without listTemplates reports a missing template as not found', () => {
    const env = new Environment({ loader: { getSource: () => null } as unknown as Loader });
    expect(() => env.getTemplate('page')).toThrow(/Template 'page' not found/);
  });

  it('fromString(source, name) names the template (the name was dropped)', () => {
    let err: TemplateError | undefined;
    try {
      new Environment().fromString('a\n{{ 1 +* 2 }}', 'entry.kida');
    } catch (e) {
      err = e as TemplateError;
    }
    expect(err).toMatchObject({ templateName: 'entry.kida', lineno: 2 });
  });

  it('a DictLoader entry that is not a string names its template', () => {
    const env = new Environment({ loader: new DictLoader({ page: null as unknown as string }) });
    expect(() => env.getTemplate('page')).toThrow(/an object whose source is null for template 'page'/);
  });
});

describe('the Nunjucks API', () => {
  it.each([null, 42, undefined])('renderString(%s) names the argument', async (source) => {
    const nunjucks = await import('../../dist/adapters/nunjucks.js');
    const env = nunjucks.configure({ autoescape: true });
    expect(() => env.renderString(source as unknown as string, {})).toThrow(/renderString\(source\): src must be a string/);
  });
});

describe('a Nunjucks extension whose parse() throws', () => {
  const envWith = (parse: () => never) => {
    const env = new Environment({ compat: 'nunjucks' });
    env.addExtension('shout', { tags: ['shout'], parse, run: () => 'x' } as never);
    return env;
  };
  it.each([
    ['an Error', () => new Error('no tokens left'), /Extension 'shout' failed in parse\(\) for \{% shout %\}: Error: no tokens left/],
    ['a string', () => 'bare', /failed in parse\(\) for \{% shout %\}: bare/],
    ['an object whose toString throws', () => ({ toString: (): string => { throw new Error('no'); } }), /failed in parse\(\) for \{% shout %\}: \(a value that cannot be shown\)/],
  ])('throwing %s is a located TemplateSyntaxError', (_, thrown, message) => {
    const env = envWith(() => {
      throw thrown();
    });
    let err: TemplateError | undefined;
    try {
      env.fromString('a\nb {% shout 1 %}', { name: 'page.njk' });
    } catch (e) {
      err = e as TemplateError;
    }
    expect(err?.name).toBe('TemplateSyntaxError');
    expect(err).toMatchObject({ code: 'K-PAR-007', templateName: 'page.njk', lineno: 2 });
    expect(err?.message).toMatch(message);
  });
});
