// The grammar behind grammar-fuzz.test.ts: fast-check arbitraries that write VALID Kida templates
// (spec/language.md §1.6 expressions, §2 statements, §4 filters and tests) and hostile data recipes.
// Data is a recipe (plain JSON) because a case crosses into a child process; the child builds the
// getters, promises, class instances and cycles it describes (grammar-fuzz-child.mjs, `build`).
import fc from 'fast-check';

/** The names the data always defines; locals (`it`, `v`, `a`, `c`, `loop`) exist only where bound. */
export const DATA_NAMES = ['s', 'n', 'xs', 'd', 'm', 'st', 'o', 'g', 'p', 'bad', 'late', 'th', 'fp', 'fn', 'deep', 'cyc', 'big', 'u'] as const;
const LOCALS = ['it', 'v', 'a', 'c', 'loop', 'loop.index', 'caller'];

/** Marks data text: a `<`, `"` or `'` next to it in the output came from data, unescaped. */
export const MARK = '\u2603';

const strLit = fc.constantFrom('"a"', '"<b>"', "'x'", '""', '"k"', '"a,b"', '" "', '"{}-{}"', '"%s"', '"__proto__"', '"constructor"', '"\\u00e9"');
const numLit = fc.constantFrom('0', '1', '2', '3', '-1', '2.5', '10', '0.1');
const constLit = fc.constantFrom('none', 'true', 'false', 'None', 'True');
const name = fc.constantFrom(...DATA_NAMES, ...LOCALS);
const attrName = fc.constantFrom('k', 'name', 'length', 'x', '__proto__', 'constructor', 'toString', 'then', 'items', 'keys', 'get', 'upper', 'split');

/** Filters with argument lists that fit their signatures (random/shuffle/debug left out: impure or noisy). */
const FILTERS: Record<string, string[]> = {
  upper: [''], lower: [''], capitalize: [''], title: [''], trim: ['', '("x")'], strip: [''],
  replace: ['("a", "<b>")', '("<", "&")', '("a", "b", 1)'], truncate: ['(5)', '(5, true, "…")', '(3, end="<")'],
  center: ['(9)'], indent: ['(2)', '(2, true)'], wordwrap: ['(5)', '(5, false)'], format: ['("x")', '(1, 2)'],
  wordcount: [''], slug: [''], pluralize: ['', '("y,ies")'], striptags: [''], urlencode: [''], escape: [''], e: [''],
  safe: [''], xmlattr: [''], csp_nonce: ['', '("n")'], length: [''], count: [''], first: [''], last: [''],
  join: ['', '(", ")', '("<")'], reverse: [''], sort: ['', '(reverse=true)', '(attribute="k")', '(case_sensitive=true)'],
  dictsort: ['', '(by="value")'], unique: ['', '(attribute="k")'], groupby: ['("k")'],
  map: ['("upper")', '(attribute="k")', '("string")'], select: ['', '("odd")', '("string")'], reject: ['("none")', '("defined")'],
  selectattr: ['("k")'], rejectattr: ['("k", "none")'], batch: ['(2)', '(2, "-")'], slice: ['(2)'], take: ['(2)'], skip: ['(1)'],
  compact: ['', '(truthy=false)'], sum: ['', '(attribute="k")', '(start=1)'], min: [''], max: ['', '(attribute="k")'], list: [''],
  attr: ['("k")'], get: ['("k")', '("k", "d")'], classes: [''], abs: [''], round: ['', '(1, "floor")', '(2, "ceil")'],
  int: ['', '(7)'], float: [''], string: [''], decimal: ['', '(1)'], format_number: ['', '(2)'], commas: [''],
  filesizeformat: ['', '(true)'], tojson: ['', '(2)'], typeof: [''], date: ['', '("%Y")'], default: ['("d")', '(1, true)'],
  d: ['("<")'], require: [''], pprint: [''],
};
const filterCall = fc.constantFrom(...Object.entries(FILTERS).flatMap(([f, args]) => args.map((a) => f + a)));
const TESTS = ['defined', 'undefined', 'none', 'true', 'false', 'string', 'number', 'sequence', 'mapping', 'iterable', 'callable',
  'odd', 'even', 'divisibleby(3)', 'eq(1)', 'equalto "a"', 'ne("a")', 'lt(2)', 'gt 2', 'le(0)', 'ge(1)', 'sameas(none)', 'lower', 'upper', 'match("a.*")', 'hx_request'];
const testCall = fc.constantFrom(...TESTS);
const BINARY = ['+', '-', '*', '/', '//', '%', '**', '~', '==', '!=', '<', '<=', '>', '>=', 'in', 'not in', 'and', 'or', '??'];
const GLOBALS = ['range(3)', 'len(%)', 'dict(k=%)', 'list(%)', 'sorted(%)', 'str(%)', 'int(%)', 'float(%)', 'bool(%)', 'abs(%)',
  'min(%)', 'max(%)', 'sum(%)', 'set(%)', 'tuple(%)', 'enumerate(%)', 'zip(%, %)', 'reversed(%)', 'csrf_token()', 'csp_nonce()'];
const METHODS = ['upper()', 'lower()', 'split(",")', 'strip()', 'items()', 'keys()', 'values()', 'get("k")', 'get("k", %)',
  'startswith("a")', 'replace("a", %)', 'join(%)', 'format(%)', 'count("a")', 'find("<")', 'title()', 'copy()'];

/** An expression of the language, `depth` levels of operators deep at most. */
export const expr: fc.Arbitrary<string> = fc.letrec<{ e: string }>((tie) => ({
  e: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { arbitrary: name, weight: 6 },
    { arbitrary: fc.oneof(strLit, numLit, constLit), weight: 3 },
    fc.tuple(tie('e'), fc.constantFrom(...BINARY), tie('e')).map(([a, op, b]) => `(${a} ${op} ${b})`),
    fc.tuple(fc.constantFrom('not ', '-', '+'), tie('e')).map(([op, a]) => `${op}${a}`),
    fc.tuple(tie('e'), tie('e'), tie('e')).map(([a, c, b]) => `(${a} if ${c} else ${b})`),
    fc.tuple(tie('e'), fc.constantFrom('.', '?.'), attrName).map(([a, dot, k]) => `${a}${dot}${k}`),
    fc.tuple(tie('e'), fc.constantFrom('[', '?['), tie('e')).map(([a, b, k]) => `${a}${b}${k}]`),
    fc.tuple(tie('e'), fc.constantFrom('[1:]', '[:2]', '[::-1]', '[-1]', '[0]')).map(([a, sl]) => `${a}${sl}`),
    { arbitrary: fc.tuple(tie('e'), fc.constantFrom(' | ', ' ?| ', ' |> '), filterCall).map(([a, bar, f]) => `(${a}${bar}${f})`), weight: 4 },
    fc.tuple(tie('e'), fc.constantFrom(' is ', ' is not '), testCall).map(([a, is, t]) => `(${a}${is}${t})`),
    fc.tuple(fc.constantFrom(...GLOBALS), tie('e'), tie('e')).map(([g, a, b]) => g.replace('%', a).replace('%', b)),
    fc.tuple(tie('e'), fc.constantFrom(...METHODS), tie('e')).map(([a, m, b]) => `${a}.${m.replace('%', b)}`),
    fc.tuple(fc.array(tie('e'), { maxLength: 3 })).map(([xs]) => `[${xs.join(', ')}]`),
    fc.tuple(tie('e'), tie('e')).map(([a, b]) => `({"k": ${a}, "j": ${b}})`),
    fc.tuple(tie('e'), tie('e'), fc.option(tie('e'), { nil: null })).map(([e, src, c]) => `[${e} for it in ${src}${c ? ` if ${c}` : ''}]`),
    fc.constantFrom('(1..3)', '(0...2)', '(1..7 by 3)', 'f("<")', 'f(s, b=xs)'),
  ),
})).e;

/** Where an async template reads: `await` of data. */
const awaitExpr = fc.tuple(fc.constantFrom('p', 'bad', 'late', 'th', 'fp()', 'fn()', 'n', 's'), fc.constantFrom('', ' | upper', '?.k')).map(([a, t]) => `(await ${a})${t}`);
const text = fc.constantFrom('x', '<p class="c">', '</p>', "'", ' ', '\n', '&amp;', '<a href="', '">');
const out = (e: string): string => `{{ ${e} }}`;

export interface GenOptions {
  /** May write `await` and `async for` (the template becomes async). */
  async: boolean;
}

/** A template body (no `block`, `extends`, `def`, which the document adds at the top). */
export function body(opts: GenOptions): fc.Arbitrary<string> {
  return fc.letrec<{ b: string }>((tie) => {
    const stmt = fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      { arbitrary: text, weight: 3 },
      { arbitrary: expr.map(out), weight: 6 },
      ...(opts.async ? [{ arbitrary: awaitExpr.map(out), weight: 2 }, fc.tuple(fc.constantFrom('p', 'xs', 'th', 'bad', 'late'), tie('b')).map(([e, b]) => `{% async for it in ${e} %}${b}{% end %}`)] : []),
      fc.tuple(expr, tie('b'), fc.option(tie('b'), { nil: null })).map(([c, a, b]) => `{% if ${c} %}${a}${b !== null ? `{% else %}${b}` : ''}{% end %}`),
      fc.tuple(expr, tie('b'), fc.option(tie('b'), { nil: null })).map(([e, a, b]) => `{% for it in ${e} %}${a}${b !== null ? `{% empty %}${b}` : ''}{% end %}`),
      fc.tuple(fc.constantFrom('set', 'let'), fc.constantFrom('v', 'c'), expr).map(([k, v, e]) => `{% ${k} ${v} = ${e} %}`),
      fc.tuple(expr, tie('b'), tie('b')).map(([e, a, b]) => `{% match ${e} %}{% case 1 %}${a}{% case "a" if ${e} %}1{% case (x, y) %}{{ x }}{% case _ %}${b}{% end %}`),
      fc.tuple(tie('b'), tie('b'), fc.boolean()).map(([a, b, named]) => `{% try %}${a}{% fallback${named ? ' err' : ''} %}${b}${named ? '{{ err.code }}' : ''}{% end %}`),
      tie('b').map((b) => `{% capture c %}${b}{% end %}{{ c }}`),
      fc.tuple(fc.constantFrom('upper', 'replace("a", s)', 'truncate(4, end=s)', 'escape', 'trim', 'format(s)', 'striptags'), tie('b')).map(([f, b]) => `{% filter ${f} %}${b}{% end %}`),
      fc.tuple(expr, tie('b')).map(([e, b]) => `{% with a = ${e} %}${b}{% end %}`),
      fc.tuple(expr, tie('b')).map(([e, b]) => `{% call f(${e}) %}${b}{% end %}`),
      fc.constantFrom('{% include "inc" %}', '{% include "inc" ignore missing %}', '{{ f(s) }}', '{% spaceless %} <i> {{ s }} </i> {% end %}', '{% raw %}{{ s }}{% endraw %}'),
    );
    return { b: fc.array(stmt, { maxLength: 4 }).map((xs) => xs.join('')) };
  }).b;
}

/** A def `f(a, b=1)` whose body reads its arguments and a slot. */
const def = (opts: GenOptions) => body(opts).map((b) => `{% def f(a, b=1) %}<d>{{ a }}${b}{% slot %}</d>{% end %}`);

export interface Case {
  /** The templates of the DictLoader; the one rendered is `main`. */
  templates: Record<string, string>;
  /** Whether `main` has a block `b` (renderBlock). */
  block: boolean;
  async: boolean;
  data: Record<string, Recipe>;
  env: { strictUndefined: boolean; sandbox: boolean; compat?: 'nunjucks'; throwOnUndefined?: boolean };
}

/** How the child builds a value (grammar-fuzz-child.mjs `build`). */
export type Recipe =
  | { t: 'str' | 'num' | 'const'; i: number }
  | { t: 'list' | 'set' | 'tuple'; of: Recipe[] }
  | { t: 'dict' | 'map'; of: [string, Recipe][] }
  | { t: 'promise' | 'thenable' | 'fnPromise' | 'fn' | 'lazyProxy'; of: Recipe }
  | { t: 'reject' | 'rejectLater' | 'rejectHandled' | 'cls' | 'throwingGetter' | 'cyclic' | 'gen' | 'date' | 'bytes' | 'sym' | 'nullProto' };

/** How many strings, numbers and constants the child's tables hold (`STRINGS`, `NUMBERS`, `CONSTS`). */
export const TABLE_SIZES = { str: 12, num: 16, const: 4 } as const;

const keyName = fc.constantFrom('k', 'name', '__proto__', 'constructor', 'toString', 'a b', '<k>', 'then', 'length', 'items', '0');
export const recipe: fc.Arbitrary<Recipe> = fc.letrec<{ r: Recipe }>((tie) => ({
  r: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { arbitrary: fc.nat(TABLE_SIZES.str - 1).map((i): Recipe => ({ t: 'str', i })), weight: 6 },
    { arbitrary: fc.nat(TABLE_SIZES.num - 1).map((i): Recipe => ({ t: 'num', i })), weight: 3 },
    fc.nat(TABLE_SIZES.const - 1).map((i): Recipe => ({ t: 'const', i })),
    fc.tuple(fc.constantFrom('list', 'set', 'tuple') as fc.Arbitrary<'list' | 'set' | 'tuple'>, fc.array(tie('r'), { maxLength: 4 })).map(([t, of]): Recipe => ({ t, of })),
    fc.tuple(fc.constantFrom('dict', 'map') as fc.Arbitrary<'dict' | 'map'>, fc.array(fc.tuple(keyName, tie('r')), { maxLength: 4 })).map(([t, of]): Recipe => ({ t, of })),
    fc.tuple(fc.constantFrom('promise', 'thenable', 'fnPromise', 'fn', 'lazyProxy') as fc.Arbitrary<'promise' | 'thenable' | 'fnPromise' | 'fn' | 'lazyProxy'>, tie('r')).map(([t, of]): Recipe => ({ t, of })),
    fc.constantFrom('reject', 'rejectLater', 'rejectHandled', 'cls', 'throwingGetter', 'cyclic', 'gen', 'date', 'bytes', 'sym', 'nullProto').map((t) => ({ t }) as Recipe),
  ),
})).r;

/** Data for every name of DATA_NAMES, each of the kind its name suggests half the time. */
const data = fc.record(Object.fromEntries(DATA_NAMES.map((n) => [n, recipe])) as Record<(typeof DATA_NAMES)[number], fc.Arbitrary<Recipe>>);

/**
 * The page of a case's shape: `main` standalone ('plain'; 'block' adds block `b`) or a child of
 * `base` ('extends'), its definitions first; `end` closes a block (`{% end %}`, `{% endblock %}`).
 */
function pages(shape: string, defs: string, body: string, blockBody: string, end: string): { main: string; base: string } {
  const block = `{% block b %}${blockBody}${end}`;
  return {
    main: shape === 'extends' ? `{% extends "base" %}${defs}${block}` : defs + body + (shape === 'block' ? block : ''),
    base: `<html>${body}{% block b %}base${end}</html>`,
  };
}

/** A whole case: `main` (standalone with an optional block, or a child of `base`), `inc`, data, options. */
export function fuzzCase(): fc.Arbitrary<Case> {
  return fc.boolean().chain((isAsync) => {
    const opts = { async: isAsync };
    return fc.record({
      shape: fc.constantFrom('plain', 'block', 'extends'),
      defBody: def(opts),
      main: body(opts),
      blockBody: body(opts),
      inc: body({ async: false }),
      data,
      strictUndefined: fc.boolean(),
      sandbox: fc.boolean(),
    }).map((r): Case => {
      const { main, base } = pages(r.shape, r.defBody, r.main, r.blockBody, '{% end %}');
      return {
        templates: { main, inc: r.inc, base },
        block: r.shape !== 'plain',
        async: isAsync,
        data: r.data,
        env: { strictUndefined: r.strictUndefined, sandbox: r.sandbox },
      };
    });
  });
}

// ---------------------------------------------------------------- compat: 'nunjucks'
// The same hostile data through Nunjucks 3.2 syntax (docs/guide/nunjucks.md): its operators
// (=== and !==, unquoted object keys), its filters and tests, macro/caller/call, set blocks,
// elif, for … else and for k, v over objects.

const NJK_FILTERS: Record<string, string[]> = {
  abs: [''], batch: ['(2)', '(2, "-")'], capitalize: [''], center: ['(9)'], default: ['("d")', '("d", true)'], d: ['("<")'],
  dictsort: ['', '(false, "value")'], dump: ['', '(2)'], escape: [''], e: [''], first: [''], float: ['', '(1.5)'],
  forceescape: [''], groupby: ['("k")'], indent: ['(2)', '(2, true)'], int: ['', '(7)'], join: ['', '(",")', '("<")'],
  last: [''], length: [''], list: [''], lower: [''], nl2br: [''], reject: ['("odd")'], rejectattr: ['("k")'],
  replace: ['("a", "<b>")', '("<", "&")'], reverse: [''], round: ['', '(1, "floor")'], safe: [''], select: ['("string")'],
  selectattr: ['("k")'], slice: ['(2)'], sort: ['', '(true)', '(false, true, "k")'], string: [''], striptags: ['', '(true)'],
  sum: ['', '("k")'], title: [''], trim: [''], truncate: ['(5)', '(3, true, "<")'], upper: [''], urlencode: [''],
  urlize: ['', '(5)'], wordcount: [''],
};
const njkFilter = fc.constantFrom(...Object.entries(NJK_FILTERS).flatMap(([f, args]) => args.map((a) => f + a)));
const NJK_TESTS = ['callable', 'defined', 'divisibleby(3)', 'escaped', 'equalto(1)', 'even', 'falsy', 'ge(1)', 'greaterthan(2)',
  'iterable', 'lessthan(2)', 'lower', 'mapping', 'ne("a")', 'null', 'number', 'odd', 'string', 'truthy', 'undefined', 'upper'];
const NJK_BINARY = ['+', '-', '*', '/', '//', '%', '**', '~', '==', '!=', '===', '!==', '<', '<=', '>', '>=', 'in', 'and', 'or'];
const njkLit = fc.constantFrom('"a"', '"<b>"', "'x'", '""', '"k"', '0', '1', '2.5', '-1', 'true', 'false', 'none', 'null', 'undefined');

/** A Nunjucks expression. */
export const njkExpr: fc.Arbitrary<string> = fc.letrec<{ e: string }>((tie) => ({
  e: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { arbitrary: fc.constantFrom(...DATA_NAMES, 'it', 'k', 'v', 'loop.index', 'loop.first', 'caller'), weight: 6 },
    { arbitrary: njkLit, weight: 3 },
    fc.tuple(tie('e'), fc.constantFrom(...NJK_BINARY), tie('e')).map(([a, op, b]) => `(${a} ${op} ${b})`),
    fc.tuple(fc.constantFrom('not ', '-'), tie('e')).map(([op, a]) => `(${op}${a})`),
    fc.tuple(tie('e'), tie('e'), tie('e')).map(([a, c, b]) => `(${a} if ${c} else ${b})`),
    fc.tuple(tie('e'), attrName).map(([a, k]) => `${a}.${k}`),
    fc.tuple(tie('e'), tie('e')).map(([a, k]) => `${a}[${k}]`),
    { arbitrary: fc.tuple(tie('e'), njkFilter).map(([a, f]) => `(${a} | ${f})`), weight: 4 },
    fc.tuple(tie('e'), fc.constantFrom(' is ', ' is not '), fc.constantFrom(...NJK_TESTS)).map(([a, is, t]) => `(${a}${is}${t})`),
    fc.tuple(tie('e'), fc.constantFrom('length', 'indexOf("a")', 'concat([1])', 'toUpperCase()', 'split(",")', 'slice(1)')).map(([a, m]) => `${a}.${m}`),
    fc.array(tie('e'), { maxLength: 3 }).map((xs) => `[${xs.join(', ')}]`),
    fc.tuple(tie('e'), tie('e')).map(([a, b]) => `{ k: ${a}, "j": ${b} }`),
    fc.constantFrom('range(3)', 'f("<")', 'f(s, b=xs)', 'cycler("a", "<").next()', 'joiner(",")()'),
  ),
})).e;

/** A Nunjucks template body. */
export const njkBody: fc.Arbitrary<string> = fc.letrec<{ b: string }>((tie) => {
  const stmt = fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { arbitrary: text, weight: 3 },
    { arbitrary: njkExpr.map(out), weight: 6 },
    fc.tuple(njkExpr, tie('b'), njkExpr, tie('b'), tie('b')).map(([c, a, c2, b, e]) => `{% if ${c} %}${a}{% elif ${c2} %}${b}{% else %}${e}{% endif %}`),
    fc.tuple(njkExpr, tie('b'), tie('b')).map(([e, a, b]) => `{% for it in ${e} %}${a}{% else %}${b}{% endfor %}`),
    fc.tuple(njkExpr, tie('b')).map(([e, a]) => `{% for k, v in ${e} %}${a}{% endfor %}`),
    fc.tuple(fc.constantFrom('v', 'c'), njkExpr).map(([v, e]) => `{% set ${v} = ${e} %}`),
    tie('b').map((b) => `{% set c %}${b}{% endset %}{{ c }}`),
    fc.tuple(fc.constantFrom('upper', 'replace("a", s)', 'truncate(4, true, s)', 'escape', 'trim', 'striptags'), tie('b')).map(([f, b]) => `{% filter ${f} %}${b}{% endfilter %}`),
    fc.tuple(njkExpr, tie('b')).map(([e, b]) => `{% call f(${e}) %}${b}{% endcall %}`),
    fc.constantFrom('{% include "inc" %}', '{% include "inc" ignore missing %}', '{{ f(s) }}', '{% raw %}{{ s }}{% endraw %}', '{#- c -#}'),
  );
  return { b: fc.array(stmt, { maxLength: 4 }).map((xs) => xs.join('')) };
}).b;

/** A whole Nunjucks case (env.compat 'nunjucks'; never async: Nunjucks has no await). */
export function njkCase(): fc.Arbitrary<Case> {
  return fc.record({
    shape: fc.constantFrom('plain', 'block', 'extends'),
    macro: njkBody.map((b) => `{% macro f(a, b=1) %}<d>{{ a }}${b}{{ caller() if caller else "" }}</d>{% endmacro %}`),
    main: njkBody,
    blockBody: njkBody,
    inc: njkBody,
    data,
    sandbox: fc.boolean(),
    throwOnUndefined: fc.boolean(),
  }).map((r): Case => {
    const { main, base } = pages(r.shape, r.macro, r.main, r.blockBody, '{% endblock %}');
    return {
      templates: { main, inc: r.macro + r.inc, base },
      block: r.shape !== 'plain',
      async: false,
      data: r.data,
      env: { strictUndefined: false, sandbox: r.sandbox, compat: 'nunjucks', throwOnUndefined: r.throwOnUndefined },
    };
  });
}
