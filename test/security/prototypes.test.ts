// No reach into prototypes (docs/security.md): whatever names a template or its data use,
// lookups see own keys only, keys named like Object.prototype members stay data, and the
// host's Object.prototype is never changed. Every template here is rendered every way
// (render, renderStream, renderAsync, renderStreamAsync, renderBlock), which must agree.
import fc from 'fast-check';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { DictLoader, Environment, FileSystemLoader, PrefixLoader, type EnvironmentOptions, type Loader } from '../../compiler/environment.js';
import { Kwargs } from '../../runtime/values.js';

/** Every own property name of Object.prototype (`constructor`, `toString`, `__proto__`, …). */
const OBJECT_NAMES = Object.getOwnPropertyNames(Object.prototype);
/** Names a function or class instance has that a plain object does not. */
const FUNCTION_NAMES = ['call', 'apply', 'bind', 'name', 'length', 'caller', 'arguments', 'prototype'];
const PROTO_SNAPSHOT = [...OBJECT_NAMES].sort();

/** The host's Object.prototype has exactly its own members and no planted values. */
function assertPrototypeUntouched(): void {
  expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(PROTO_SNAPSHOT);
  const probe = {} as Record<string, unknown>;
  for (const k of ['polluted', 'x', 'a', 'isAdmin']) expect(probe[k]).toBeUndefined();
  expect(Object.getPrototypeOf(probe)).toBe(Object.prototype);
}
afterEach(assertPrototypeUntouched);

type Outcome = string;
/** `ok:<text>` or `<ErrorClass>[:<Python type>]`. */
async function outcome(f: () => string | Promise<string>): Promise<Outcome> {
  try {
    return 'ok:' + (await f());
  } catch (e) {
    const err = e as Error & { pyType?: string };
    return err.pyType ? `${err.name}:${err.pyType}` : err.name;
  }
}
async function drain(it: AsyncIterable<string>): Promise<string> {
  let s = '';
  for await (const c of it) s += c;
  return s;
}

function env(templates: Record<string, string> = {}, options: EnvironmentOptions = {}): Environment {
  return new Environment({ loader: new DictLoader(templates), ...options });
}

/** Renders `src` every way (the block way from `{% block main %}src{% endblock %}`); all must agree. */
async function every(e: Environment, src: string, ctx: () => Record<string, unknown> = () => ({})): Promise<Outcome> {
  const compiled = await outcome(() => (e.fromString(src), ''));
  if (compiled !== 'ok:') return compiled; // a compile-time refusal is the same for every way
  const t = e.fromString(src);
  // (`extends` is top-level only: its block way renders a block of the template that extends)
  const b = src.startsWith('{% extends') ? e.fromString(`${src}{% block main %}{% endblock %}`) : e.fromString(`{% block main %}${src}{% endblock %}`);
  const whole = await outcome(() => t.render(ctx()));
  const ways: Record<string, Outcome> = {
    stream: await outcome(() => [...t.renderStream(ctx())].join('')),
    async: await outcome(() => t.renderAsync(ctx())),
    streamAsync: await outcome(() => drain(t.renderStreamAsync(ctx()))),
    block: await outcome(() => b.renderBlock('main', ctx())),
    blockAsync: await outcome(() => b.renderBlockAsync('main', ctx())),
  };
  for (const [way, got] of Object.entries(ways)) expect({ way, src, got }).toEqual({ way, src, got: whole });
  assertPrototypeUntouched();
  return whole;
}

const pyRepr = (s: string) => `'${s}'`;
/** Kida identifiers that are not keywords: the Object.prototype names plus generated ones. */
const identifier = fc.oneof(
  fc.constantFrom(...OBJECT_NAMES, ...FUNCTION_NAMES),
  fc.stringMatching(/^[a-z][a-z0-9_]{0,6}$/).map((s) => 'k_' + s),
);

describe('str.format fields resolve only what a template may read', () => {
  const e = env();

  it('a field head names a keyword argument, an own key only', async () => {
    expect(await every(e, '{{ "{constructor}".format() }}')).toBe('PyError:KeyError');
    expect(await every(e, '{{ "{toString}|{valueOf}".format() }}')).toBe('PyError:KeyError');
    expect(await every(e, '{{ "{hasOwnProperty}"|format }}')).toBe('PyError:KeyError');
    expect(await every(e, '{{ "{constructor}".format(constructor="C") }}')).toBe('ok:C');
    expect(await every(e, '{{ "{__proto__}".format(__proto__="P") }}')).toBe('ok:P');
    expect(await every(e, '{{ "{__proto__[a]}"|format(__proto__={"a": 5}) }}')).toBe('ok:5');
  });

  it('prototype members behind a field path are refused, not rendered', async () => {
    for (const src of ['"{0.__proto__}".format({})', '"{0.constructor.name}".format("x")', '"{0[__proto__]}".format({})',
      '"{0.constructor}".format(f)', '"{0.__defineGetter__}".format({})', '"{0.call}".format(f)', '"{0.bind}".format(f)',
      '"{0.prototype}".format(f)']) {
      expect(await every(e, `{{ ${src} }}`, () => ({ f: () => 1 }))).toBe('SecurityError');
    }
  });

  it('a missing attribute, key or index raises what Python raises', async () => {
    expect(await every(e, '{{ "{x.toString}".format(x={}) }}')).toBe('PyError:AttributeError');
    expect(await every(e, '{{ "{0.valueOf}".format(1) }}')).toBe('PyError:AttributeError');
    expect(await every(e, '{{ "{0.length}".format([1]) }}')).toBe('PyError:AttributeError');
    expect(await every(e, '{{ "{0.x}".format(none) }}')).toBe('PyError:AttributeError');
    expect(await every(e, '{{ "{0[hasOwnProperty]}".format({}) }}')).toBe('PyError:KeyError');
    expect(await every(e, '{{ "{0[3]}".format([1]) }}')).toBe('PyError:IndexError');
    expect(await every(e, '{{ "{1}".format(1) }}')).toBe('PyError:IndexError');
    expect(await every(e, '{{ "{0.}".format({}) }}')).toBe('PyError:ValueError');
    expect(await every(e, '{{ "{0[a}".format({}) }}')).toBe('PyError:ValueError');
    expect(await every(e, '{{ "{0[a]b}".format({"a": 1}) }}')).toBe('PyError:ValueError');
  });

  it('data fields still resolve, through the same lookups as a.b and a[k]', async () => {
    const ctx = () => ({ u: { name: 'Ada', tags: ['x', 'y'], toString: 'own' }, m: new Map([['k', 'v']]) });
    expect(await every(e, '{{ "{0.name}/{0[tags][1]}/{0.tags[0]}/{0.toString}".format(u) }}', ctx)).toBe('ok:Ada/y/x/own');
    expect(await every(e, '{{ "{u.name!r:>6}".format(u=u) }}', ctx)).toBe("ok: 'Ada'".replace("'", '&#39;').replace("'", '&#39;'));
    expect(await every(e, '{{ "{0.k}".format(m) }}', ctx)).toBe('ok:v');
  });

  it('property: a field path over nested data gives the value or the error the model says', async () => {
    const keys = ['a', 'b', '0', ...OBJECT_NAMES, 'name', 'caller'];
    const FORBIDDEN = new Set(['constructor', 'prototype', '__proto__', '__defineGetter__', '__defineSetter__', '__lookupGetter__', '__lookupSetter__']);
    // a tree whose every dict has the own keys 'a' and 'toString' (an Object.prototype name, as data)
    const leaf = 'L';
    const tree = (d: number): Record<string, unknown> => (d === 0 ? { a: leaf, toString: leaf } : { a: tree(d - 1), toString: tree(d - 1) });
    const data = tree(3);
    const part = fc.record({ item: fc.boolean(), key: fc.constantFrom(...keys) });
    const model = (path: { item: boolean; key: string }[]): string => {
      let v: unknown = data;
      for (const { item, key } of path) {
        if (FORBIDDEN.has(key)) return 'SecurityError';
        if (typeof v === 'string') {
          if (!item) return 'PyError:AttributeError';
          if (!/^\d+$/.test(key)) return 'PyError:TypeError';
          if (Number(key) >= v.length) return 'PyError:IndexError';
          v = v[Number(key)];
          continue;
        }
        const d = v as Record<string, unknown>;
        if (!Object.hasOwn(d, key)) return item ? 'PyError:KeyError' : 'PyError:AttributeError';
        v = d[key];
      }
      return typeof v === 'string' ? 'ok:' + v : 'ok:' + '{...}';
    };
    await fc.assert(
      fc.asyncProperty(fc.array(part, { minLength: 1, maxLength: 4 }), async (path) => {
        const field = path.map(({ item, key }) => (item ? `[${key}]` : `.${key}`)).join('');
        const got = await every(e, `{{ "{0${field}}".format(d) }}`, () => ({ d: data }));
        const want = model(path);
        if (want === 'ok:{...}') expect(got.startsWith('ok:{')).toBe(true);
        else expect(got).toBe(want);
      }),
      { numRuns: 150, seed: 19 },
    );
  });
});

describe('a keyword argument named like a prototype member is data', () => {
  const seen: unknown[] = [];
  const e = env({}, {
    filters: { kwinfo: (_v: unknown, kw: unknown) => ((seen.push(kw), kw instanceof Kwargs ? Object.keys(kw.kw).join(',') : 'none')) },
    globals: { kwglobal: (kw: unknown) => (kw instanceof Kwargs ? `${Object.keys(kw.kw)}:${Object.getPrototypeOf(kw.kw) === Object.prototype}` : 'none') },
  });

  it('__proto__= reaches every callable as an own key', async () => {
    expect(await every(e, '{{ dict(__proto__=1) }}')).toBe(`ok:{${pyRepr('__proto__').replace(/'/g, '&#39;')}: 1}`);
    expect(await every(e, '{{ dict(__proto__={"a": 1}).a is defined }}')).toBe('ok:False');
    expect(await every(e, '{% def f(**kw) %}{{ kw|list|sort|join(",") }}{% end %}{{ f(__proto__={"a": 1}, b=2) }}')).toBe('ok:__proto__,b');
    expect(await every(e, '{% def f(**kw) %}{{ kw.a is defined }}{% end %}{{ f(__proto__={"a": 1}) }}')).toBe('ok:False');
    expect(await every(e, '{{ 1|kwinfo(__proto__=2, constructor=3) }}')).toBe('ok:__proto__,constructor');
    expect(await every(e, '{{ kwglobal(__proto__={"x": 1}) }}')).toBe('ok:__proto__:true');
    expect(await every(e, '{% def f(a) %}{{ a }}{% end %}{{ f(__proto__=1) }}')).toBe('PyError:TypeError');
    expect(await every(e, '{{ "a"|replace("a", "b", __proto__=1) }}')).toBe('PyError:TypeError');
  });

  it('parameters, block and region names cannot be __proto__', async () => {
    expect(await every(e, '{% def f(__proto__) %}{% end %}')).toBe('TemplateSyntaxError');
    expect(await every(e, '{% def f(*__proto__) %}{% end %}')).toBe('TemplateSyntaxError');
    expect(await every(e, '{% def f(**__proto__) %}{% end %}')).toBe('TemplateSyntaxError');
    expect(await every(e, '{% region r(__proto__=1) %}{% end %}')).toBe('TemplateSyntaxError');
  });

  it('blocks named like prototype members are ordinary blocks', async () => {
    for (const name of ['constructor', 'toString', 'hasOwnProperty', 'valueOf', '__proto__']) {
      const t = env({ base: `<{% block ${name} %}base{% endblock %}>` }).fromString(`{% extends "base" %}{% block ${name} %}child{% endblock %}`);
      expect(t.render()).toBe('<child>');
      expect(t.renderBlock(name)).toBe('child');
      // introspection lists it as an own key of a plain object
      const meta = t.blockMetadata();
      expect([Object.keys(meta), Object.getPrototypeOf(meta) === Object.prototype, meta[name]?.name]).toEqual([[name], true, name]);
      expect(t.listBlocks()).toEqual([name]);
    }
  });

  it('property: any keyword name arrives as itself, own, for defs, dict(), format and custom callables', async () => {
    await fc.assert(
      fc.asyncProperty(identifier, fc.integer({ min: -99, max: 99 }), async (k, n) => {
        const esc = (s: string) => s.replace(/'/g, '&#39;');
        expect(await every(e, `{% def f(**kw) %}{{ kw|dictsort }}{% end %}{{ f(${k}=${n}) }}`)).toBe(`ok:${esc(`[('${k}', ${n})]`)}`);
        expect(await every(e, `{{ dict(${k}=${n})|list }}`)).toBe(`ok:${esc(`['${k}']`)}`);
        expect(await every(e, `{{ "{${k}}".format(${k}=${n}) }}`)).toBe(`ok:${n}`);
        expect(await every(e, `{{ "{${k}}".format(other=${n}) }}`)).toBe('PyError:KeyError');
        expect(await every(e, `{{ 0|kwinfo(${k}=${n}) }}`)).toBe(`ok:${k}`);
        expect(await every(e, `{{ kwglobal(${k}=${n}) }}`)).toBe(`ok:${k}:true`);
      }),
      { numRuns: 60, seed: 6 },
    );
  });
});

describe('a "__proto__" key stays a key through every dict operation', () => {
  const e = env({}, { filters: { protoOf: (d: unknown) => (Object.getPrototypeOf(d) === null ? 'null' : Object.getPrototypeOf(d) === Object.prototype ? 'Object' : 'OTHER') } });
  /** The hostile key, as a context value (a template string literal would need escaping). */
  const ops = [
    '{{ d|dictsort }}',
    '{{ d.copy()|dictsort }}|{{ d.copy()|protoOf }}',
    '{{ dict(d)|dictsort }}|{{ dict(d)|protoOf }}',
    '{{ d.items()|list }}',
    '{{ d.keys()|list }}|{{ d|list }}|{{ d|length }}',
    '{% set e = {} %}{% set _ = e.update(d) %}{{ e|dictsort }}|{{ e|protoOf }}',
    '{% set e = {} %}{% set _ = e.setdefault(k, 7) %}{{ e|dictsort }}',
    '{{ d|tojson }}',
    '{{ d.get(k) }}|{{ k in d }}|{{ d.pop(k) }}|{{ d|length }}',
    '{{ {k: 1}|dictsort }}|{{ {k: 1}|protoOf }}',
    '{{ [{"g": k}]|groupby("g")|map(attribute="grouper")|list }}',
    '{{ d|xmlattr }}',
  ];
  const expected = (k: string) => {
    const r = `(&#39;${k}&#39;, 1)`;
    return [
      `ok:[${r}]`,
      `ok:[${r}]|Object`,
      `ok:[${r}]|Object`,
      `ok:[${r}]`,
      `ok:[&#39;${k}&#39;]|[&#39;${k}&#39;]|1`,
      `ok:[${r}]|null`,
      `ok:[(&#39;${k}&#39;, 7)]`,
      `ok:{"${k}": 1}`,
      `ok:1|True|1|0`,
      `ok:[${r}]|null`,
      `ok:[&#39;${k}&#39;]`,
      `ok:${k}="1"`,
    ];
  };

  it('host data (JSON.parse) and template dicts keep "__proto__" and every Object.prototype name as keys', async () => {
    for (const k of OBJECT_NAMES) {
      const want = expected(k);
      for (let i = 0; i < ops.length; i++) {
        const got = await every(e, ops[i]!, () => ({ k, d: JSON.parse(`{${JSON.stringify(k)}: 1}`) }));
        expect({ k, op: ops[i], got }).toEqual({ k, op: ops[i], got: want[i] });
      }
    }
  });

  it('pollution attempts leave Object.prototype alone', async () => {
    const srcs = [
      '{% set x = {} %}{% set _ = x.update({"__proto__": {"polluted": 1}}) %}{{ x.polluted is defined }}',
      '{% set x = {} %}{% set _ = x.update(__proto__={"polluted": 1}) %}{{ x.polluted is defined }}',
      '{% set x = {} %}{% set _ = x.setdefault("__proto__", {"polluted": 1}) %}{{ x.polluted is defined }}',
      '{% set x = dict(__proto__={"polluted": 1}) %}{{ x.copy().polluted is defined }}',
      '{% set x = {"__proto__": {"polluted": 1}} %}{{ x.polluted is defined }}{{ dict(x).polluted is defined }}',
      '{% def f(**kw) %}{{ kw.polluted is defined }}{% end %}{{ f(__proto__={"polluted": 1}) }}',
      '{% set x = {} %}{% set _ = x.update(d) %}{{ x.polluted is defined }}',
    ];
    for (const src of srcs) {
      const got = await every(e, src, () => ({ d: JSON.parse('{"__proto__": {"polluted": 1}}') }));
      expect(got).toMatch(/^ok:(False)+$/);
    }
  });

  it('property: arbitrary keys survive copy, dict(), update and setdefault unchanged', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.constantFrom(...OBJECT_NAMES), fc.string({ maxLength: 8 })), fc.integer(), async (k, n) => {
        const t = e.fromString('{{ [d.copy()|dictsort, dict(d)|dictsort, u|dictsort, s|dictsort]|tojson }}');
        const d = JSON.parse(`{${JSON.stringify(k)}: ${n}}`);
        const u: Record<string, unknown> = {};
        const s: Record<string, unknown> = {};
        env().fromString('{% set _ = u.update(d) %}{% set _ = s.setdefault(k, n) %}').render({ u, s, d, k, n });
        const want = JSON.stringify([[[k, n]], [[k, n]], [[k, n]], [[k, n]]]);
        // (tojson escapes HTML-special characters: compare the parsed values)
        const got = t.render({ d, u, s });
        expect(JSON.parse(got.replace(/&#34;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>'))).toEqual(JSON.parse(want));
        assertPrototypeUntouched();
      }),
      { numRuns: 100, seed: 3 },
    );
  });
});

describe('names: context, globals, loop, caller, ranges and methods see no prototype members', () => {
  it('bare names of Object.prototype members are undefined variables unless own data', async () => {
    const e = env();
    for (const k of OBJECT_NAMES) {
      expect(await every(e, `{{ ${k} }}`)).toBe('UndefinedError');
      expect(await every(e, `{{ ${k} is defined }}|{{ ${k} ?? "none" }}|{{ ${k}|default("d") }}`)).toBe('ok:False|none|d');
      expect(await every(e, `{{ ${k} }}`, () => JSON.parse(`{${JSON.stringify(k)}: "own"}`))).toBe('ok:own');
    }
  });

  it('still so when the globals chain ends in Object.prototype (a host-supplied plain globals object)', async () => {
    const e = env();
    Object.setPrototypeOf(e.globals, Object.prototype);
    for (const k of ['constructor', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__', 'isPrototypeOf']) {
      expect(await every(e, `{{ ${k} }}`)).toBe('UndefinedError');
      expect(await every(e, `{{ ${k} is defined }}`)).toBe('ok:False');
    }
  });

  it('a "__proto__" key in the render data is a variable, not the context prototype', async () => {
    const e = env({ inc: '[{{ y }}|{{ x is defined }}|{{ range(2)|list }}]' });
    const ctx = () => JSON.parse('{"__proto__": {"x": 1, "range": 5}, "y": 2}');
    expect(await every(e, '{{ y }}|{{ x is defined }}|{{ __proto__.x }}|{{ range(2)|list }}', ctx)).toBe('ok:2|False|1|[0, 1]');
    expect(await every(e, '{% for i in [1] %}{% include "inc" %}{% end %}', ctx)).toBe('ok:[2|False|[0, 1]]');
    expect(await every(e, '{% include "inc" %}', ctx)).toBe('ok:[2|False|[0, 1]]');
  });

  it('attribute reach into loop, caller, range, strings, functions and filters is refused or missing', async () => {
    const e = env();
    for (const src of ['{% for x in [1] %}{{ loop.constructor }}{% end %}', '{{ range(3).constructor }}', '{{ "x".constructor }}',
      '{{ "x".constructor("y") }}', '{{ f.constructor }}', '{{ f.call }}', '{% def d() %}{{ caller.__proto__ }}{% end %}{% call d() %}{% end %}',
      '{{ 1|attr("constructor") }}', '{{ [1]|map(attribute="constructor")|list }}', '{{ [f]|map("call")|list }}',
      '{{ [f]|sort(attribute="constructor")|list }}', '{{ x.__proto__ }}', '{{ x["constructor"] }}']) {
      expect(await every(e, src, () => ({ f: () => 1, x: {} }))).toBe('SecurityError');
    }
    for (const src of ['{{ "x".toString }}', '{{ {}.hasOwnProperty }}', '{{ [1].valueOf }}']) {
      expect(await every(e, src)).toBe('UndefinedError');
    }
    // (a dict's keys are its attributes for these filters: a prototype member is a missing key)
    expect(await every(e, '{{ {}|attr("toString") }}|{{ {}|attr("__proto__") }}|{{ [{}]|map(attribute="toString")|list }}|{{ [{}]|selectattr("constructor")|list }}')).toBe('ok:||[&#39;&#39;]|[]');
    expect(await every(e, '{{ [{}]|map("constructor")|list }}')).toBe('PyError:AttributeError');
  });
});

describe('template names of prototype members are not found', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kida-proto-'));
  writeFileSync(join(dir, 'page.html'), 'P');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const loaders: Record<string, () => Loader> = {
    dict: () => new DictLoader({ 'page.html': 'P' }),
    fs: () => new FileSystemLoader(dir),
    prefix: () => new PrefixLoader({ app: new DictLoader({ 'page.html': 'P' }) }),
  };
  const names = fc.oneof(
    fc.constantFrom(...OBJECT_NAMES, ...FUNCTION_NAMES),
    fc.constantFrom(...OBJECT_NAMES).map((k) => `@${k}/x`),
    fc.constantFrom(...OBJECT_NAMES).map((k) => `${k}/page.html`),
    fc.constantFrom(...OBJECT_NAMES).map((k) => `@${k}`),
  );

  it('property: include, extends, import, from-import and dynamic includes raise TemplateNotFoundError', async () => {
    await fc.assert(
      fc.asyncProperty(names, fc.constantFrom(...Object.keys(loaders)), fc.constantFrom('include', 'extends', 'import', 'from', 'dynamic'), async (name, which, how) => {
        const e = new Environment({ loader: loaders[which]!(), templateAliases: { app: 'app' } });
        const lit = JSON.stringify(name);
        const src = {
          include: `{% include ${lit} %}`,
          extends: `{% extends ${lit} %}`,
          import: `{% import ${lit} as m %}`,
          from: `{% from ${lit} import x %}`,
          dynamic: '{% include n %}',
        }[how];
        expect(await every(e, src, () => ({ n: name }))).toBe('TemplateNotFoundError');
        expect(await outcome(() => e.getTemplate(name).render())).toBe('TemplateNotFoundError');
      }),
      { numRuns: 120, seed: 11 },
    );
  });

  it('a template name from data is converted as str() does: its own toString key is never called', async () => {
    const e = new Environment({ loader: loaders.dict!() });
    for (const n of [JSON.parse('{"toString": "x"}'), JSON.parse('{"__proto__": {"toString": 1}}'), { __proto__: null, a: 1 }, null, 7]) {
      expect(await every(e, '{% include n %}', () => ({ n }))).toBe('TemplateNotFoundError');
      expect(await every(e, '[{% include n ignore missing %}]', () => ({ n }))).toBe('ok:[]');
    }
  });

  it('known aliases and prefixes still resolve', async () => {
    const e = new Environment({ loader: loaders.prefix!(), templateAliases: { ui: 'app' } });
    expect(await every(e, '{% include "@ui/page.html" %}{% include "app/page.html" %}')).toBe('ok:PP');
  });
});
