// `{{ a.b }}` compiles to one runtime call, `ega(a, a?.b, "b")`, where it was `esc(ga(…))`
// (docs/decisions.md, "Render, ninth pass"). ega must give what the two calls gave, text or
// error, for every receiver and value, and the compiled output must be what an unfused read gives.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { compile } from '../../compiler/index.js';
import { Markup } from '../../runtime/markup.js';
import { ega, esc } from '../../runtime/output.js';
import { ga, PyFloat } from '../../runtime/values.js';
import { renderAll } from '../support.js';

/** What a call gives: its text, or the class and message of what it throws. */
const outcome = (f: () => unknown): unknown => {
  try {
    return f();
  } catch (e) {
    return `throws ${(e as Error).constructor.name}: ${(e as Error).message}`;
  }
};
const read = (obj: unknown, name: string): unknown => (obj as Record<string, unknown> | null | undefined)?.[name];
const same = (obj: unknown, name: string): void => {
  expect([name, outcome(() => ega(obj, read(obj, name), name))]).toEqual([name, outcome(() => esc(ga(obj, read(obj, name), name)))]);
};

describe('ega is esc(ga(…)) in one call', () => {
  class Card {
    title = '<b>own</b>';
    get body(): string {
      return 'from a getter & more';
    }
    url(): string {
      return 'a method';
    }
  }
  const safe = { __html__: () => '<i>safe</i>' };
  const values = {
    s: `<b>x</b> & "x" 'q'`,
    plain: 'nothing to escape here at all',
    short: 'a<b',
    nul: 'a\0b',
    int: 42,
    neg: -0,
    float: 19.99,
    big: 1e21,
    tiny: 1e-7,
    nan: NaN,
    inf: -Infinity,
    yes: true,
    none: null,
    list: [1, '<'],
    dict: { k: '<v>' },
    markup: new Markup('<b>kept</b>'),
    pyfloat: new PyFloat(2),
    safe,
    fn: () => 'f',
  };
  const names = [...Object.keys(values), 'missing', 'title', 'body', 'url', 'size', 'length', 'value', 'x'];
  const receivers: [string, unknown][] = [
    ['plain object', values],
    ['null-prototype object', Object.assign(Object.create(null), values)],
    ['object with its own constructor key', { ...values, constructor: 'mine' }],
    ['object over a plain prototype', Object.assign(Object.create({ inherited: '<i>' }), values)],
    ['class instance', new Card()],
    ['Map', new Map<string, unknown>(Object.entries(values))],
    ['array', ['<', 2]],
    ['string', 'a<b'],
    ['number', 7],
    ['Markup', new Markup('<b>')],
    ['None', null],
    ['missing', undefined],
  ];
  for (const [label, obj] of receivers)
    it(`on a ${label}`, () => {
      for (const name of names) same(obj, name);
    });

  it('on any plain data (a property)', () => {
    const value = fc.oneof(
      fc.string({ maxLength: 30 }),
      fc.constantFrom('<', '&amp;', `"'`, '\0'),
      fc.double(),
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      fc.constant(undefined),
      fc.constant(new Markup('<m>')),
      fc.constant(safe),
      fc.array(fc.string({ maxLength: 3 }), { maxLength: 2 }),
    );
    const key = fc.constantFrom('a', 'b', 'title', 'constructor', 'size', 'toString');
    fc.assert(
      fc.property(fc.dictionary(key, value), fc.constantFrom('a', 'b', 'title', 'size', 'missing'), fc.boolean(), (d, name, nullProto) => {
        const obj = nullProto ? Object.assign(Object.create(null), d) : d;
        same(obj, name);
      }),
      { numRuns: 400 },
    );
  });
});

describe('{{ a.b }} and {{ a.b | e }} render what a bound read renders', () => {
  const run = (source: string, a: unknown): Promise<string> =>
    renderAll(source, { a }, { strictUndefined: true }).catch((e: Error) => `throws ${e.constructor.name}: ${e.message.split("\n")[0]}`);

  it('compiles to ega (the form this file is about)', () => {
    expect(compile('{{ a.b }}', { name: 'x' }).code).toContain('$ega(');
    expect(compile('{{ a.b | escape }}', { name: 'x' }).code).toContain('$ega(');
    // (not where the read may be None-guarded, nor in sandbox or Nunjucks mode)
    expect(compile('{{ a?.b }}', { name: 'x' }).code).not.toContain('$ega(');
  });

  it('on any data, in every entry point', async () => {
    const value = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('<b>&', `'"`), fc.integer(), fc.double({ noNaN: true }), fc.boolean(), fc.constant(null));
    await fc.assert(
      fc.asyncProperty(fc.dictionary(fc.constantFrom('b', 'title', 'n'), value), fc.constantFrom('b', 'title', 'n'), async (a, name) => {
        const bound = await run(`{% set v = a.${name} %}{{ v }}`, a);
        expect(await run(`{{ a.${name} }}`, a)).toBe(bound);
        expect(await run(`{{ a.${name} | e }}`, a)).toBe(bound);
      }),
      { numRuns: 150 },
    );
  });

  it('keeps the error and its line for a missing attribute', async () => {
    const e = await renderAll('line 1\n{{ a.nope }}', { a: { b: 1 } }).then(
      () => null,
      (x: Error & { lineno?: number }) => x,
    );
    expect(e?.constructor.name).toBe('UndefinedError');
    expect(e?.lineno).toBe(2);
  });
});
