// The render context reads the caller's data through instead of copying it (runtime/context.ts,
// issue #22): a render's cost must not depend on keys the template does not read, and nothing
// a template can observe may change: data over globals, template bindings over data, the data
// object never written, includes/imports/blocks/regions seeing the same names.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { makeEnv, renderAll, renderError } from '../support.js';

/** Data that records every name read and refuses to be enumerated (no copy, no key scan). */
function watched(obj: Record<string, unknown>): { data: Record<string, unknown>; reads: Set<string> } {
  const reads = new Set<string>();
  const data = new Proxy(obj, {
    ownKeys() {
      throw new Error('the render enumerated the context');
    },
    getOwnPropertyDescriptor(t, k) {
      if (typeof k === 'string') reads.add(k);
      return Reflect.getOwnPropertyDescriptor(t, k);
    },
    get(t, k, r) {
      if (typeof k === 'string') reads.add(k);
      return Reflect.get(t, k, r);
    },
  });
  return { data, reads };
}

describe('context size', () => {
  it('a render touches only the names the template reads, every way it renders', async () => {
    const big: Record<string, unknown> = { title: 'T<', items: [1, 2] };
    for (let i = 0; i < 500; i++) big[`unused_${i}`] = i;
    const { data, reads } = watched(big);
    const src = '{% block main %}<h1>{{ title }}</h1>{% for i in items %}{{ i }}{% end %}{% end %}';
    expect(await renderAll(src, data)).toBe('<h1>T&lt;</h1>12');
    const t = makeEnv().fromString(src);
    expect(t.renderBlock('main', data)).toBe('<h1>T&lt;</h1>12');
    expect(await t.renderAsync(data)).toBe('<h1>T&lt;</h1>12');
    expect([...reads].filter((k) => k.startsWith('unused_'))).toEqual([]);
  });

  it('includes, in and out of loops, and imports with context read through as well', async () => {
    const { data, reads } = watched({ who: 'Ada', xs: ['a', 'b'], spare: 1 });
    const templates = {
      'row.html': '[{{ x }}/{{ who }}]',
      'hello.html': 'hi {{ who }};',
      'm.html': '{% def greet() %}<{{ who }}>{% end %}',
    };
    const src = '{% include "hello.html" %}{% for x in xs %}{% include "row.html" %}{% end %}{% import "m.html" as m with context %}{{ m.greet() }}';
    expect(await renderAll(src, data, {}, templates)).toBe('hi Ada;[a/Ada][b/Ada]<Ada>');
    expect(reads.has('spare')).toBe(false);
  });
});

describe('what a template sees is unchanged', () => {
  it('data shadows globals; set and with shadow data; the data object is never written', async () => {
    const data = { range: 'mine', n: 1 };
    const out = await renderAll('{{ range }}|{{ n }}{% with n = 2 %}{{ n }}{% end %}{{ n }}{% set n = 3 %}{{ n }}|{{ len([1]) }}', data);
    expect(out).toBe('mine|1213|1');
    expect(data).toEqual({ range: 'mine', n: 1 });
  });

  it('own keys only: inherited members of the data are not variables, non-enumerable own ones are', async () => {
    // (the rule is "own keys", hasOwnProperty: docs/decisions.md "Per-render cost, fifth pass")
    const data = Object.create({ inherited: 'no' }) as Record<string, unknown>;
    Object.defineProperty(data, 'hidden', { value: 'own', enumerable: false });
    data.shown = 'yes';
    expect(await renderAll('{{ shown }}{{ inherited is defined }}{{ hidden }}', data)).toBe('yesFalseown');
    // (Object.prototype polluted, or a class's getter: never a variable)
    class Page {
      get title() {
        return 'getter';
      }
    }
    (Object.prototype as Record<string, unknown>).polluted = 'no';
    try {
      expect(await renderAll('{{ polluted is defined }}{{ title is defined }}', new Page() as never)).toBe('FalseFalse');
      expect(await renderAll('{{ polluted is defined }}', {})).toBe('False');
    } finally {
      delete (Object.prototype as Record<string, unknown>).polluted;
    }
  });

  it('undefined values and missing keys read as before; a hint comes from the data', async () => {
    expect(await renderAll('{{ a is defined }}{{ b is defined }}{{ c }}', { a: undefined, c: 0 })).toBe('FalseFalse0');
    const e = renderError('{{ usernme }}', { username: 'x' }, { strictUndefined: true });
    expect(String(e.message)).toContain('username');
  });

  it('"__proto__" and Object.prototype names in the data are plain variables', async () => {
    const data = JSON.parse('{"__proto__": "p<", "constructor": "c", "toString": "s"}') as Record<string, unknown>;
    expect(await renderAll('{{ __proto__ }}{{ constructor }}{{ toString }}', data)).toBe('p&lt;cs');
  });

  it('a Map is data too', async () => {
    expect(await renderAll('{{ a }}{{ b }}', new Map<string, unknown>([['a', 1], ['b', 'x']]) as never)).toBe('1x');
  });

  it('renderBlock of a region takes its parameters from the data', () => {
    const t = makeEnv().fromString('{% region card(title="none") %}<b>{{ title }}</b>{% end %}{{ card() }}');
    expect(t.renderBlock('card' as never, { title: 'T' })).toBe('<b>T</b>');
    expect(t.renderBlock('card' as never, {})).toBe('<b>none</b>');
  });

  it('validateContext sees data and globals', () => {
    const t = makeEnv().fromString('{{ a }}{{ b }}{{ range(1) }}');
    expect(t.validateContext({ a: 1 })).toEqual(['b']);
  });

  it('property: keys the template does not read never change the output', () => {
    const names = ['a', 'b', 'range', 'len', 'constructor', '__proto__', 'x y', 'k'];
    fc.assert(
      fc.property(
        fc.dictionary(fc.constantFrom(...names), fc.oneof(fc.string(), fc.integer())),
        fc.dictionary(fc.string().map((s) => `z_${s}`), fc.anything()),
        (used, unused) => {
          const t = makeEnv().fromString("{{ a ?? '-' }}|{{ b ?? '-' }}|{{ k ?? '-' }}");
          // JSON.parse keeps "__proto__" an own key, as host data from JSON does
          const small = JSON.parse(JSON.stringify(used)) as Record<string, unknown>;
          const big = JSON.parse(JSON.stringify(used)) as Record<string, unknown>;
          for (const [k, v] of Object.entries(unused)) Object.defineProperty(big, k, { value: v, enumerable: true });
          expect(t.render(big)).toBe(t.render(small));
        },
      ),
      { numRuns: 200 },
    );
  });
});
