// How `{{ v }}` turns an object into text in compat 'nunjucks', as Nunjucks 3.2.4 does it: under
// autoescape its suppressValue calls the object's own `toString()` (a `Symbol.toPrimitive` is not
// asked; an object without `toString`, as a null-prototype one, throws); without autoescape it
// writes `output += val`, JavaScript's default hint, so `valueOf` comes before `toString`. A
// moment or a Luxon date in an email rendered without autoescape (formio-workers, the eleventh
// pass) prints its timestamp in Nunjucks, and printed its date text here.
import fc from 'fast-check';
import nunjucks from 'nunjucks';
import { describe, expect, it } from 'vitest';
import { Environment } from '../../dist/compiler/environment.js';

type Outcome = { out?: string; threw?: true };
const settle = (f: () => string): Outcome => {
  try {
    return { out: f() };
  } catch {
    return { threw: true };
  }
};
const TEMPLATES = ['{{ v }}', '<p title="{{ v }}">{{ v }}</p>', '{% set x %}[{{ v }}]{% endset %}{{ x }}', '{% for i in [1, 2] %}{{ v }}{% endfor %}'];

function expectAsNunjucks(v: () => unknown, autoescape: boolean): void {
  const kida = new Environment({ compat: 'nunjucks', autoescape });
  const njk = new nunjucks.Environment(null, { autoescape });
  for (const t of TEMPLATES) {
    const want = settle(() => njk.renderString(t, { v: v() }));
    const got = settle(() => kida.fromString(t).render({ v: v() }));
    expect({ t, autoescape, ...got }).toEqual({ t, autoescape, ...want });
  }
}

describe("`{{ v }}` of an object in compat 'nunjucks'", () => {
  it('an object whose valueOf and toString differ: the number without autoescape, the text with it (a moment)', () => {
    const moment = () => ({ valueOf: () => 1733572800000, toString: () => 'Sat Dec 07 2024 12:00:00 GMT+0000' });
    expectAsNunjucks(moment, false);
    expectAsNunjucks(moment, true);
    const kida = (autoescape: boolean) => new Environment({ compat: 'nunjucks', autoescape }).fromString('{{ v }}').render({ v: moment() });
    expect([kida(false), kida(true)]).toEqual(['1733572800000', 'Sat Dec 07 2024 12:00:00 GMT+0000']);
  });

  it('a null-prototype object throws, as in Nunjucks, with or without autoescape', () => {
    for (const autoescape of [true, false]) {
      expectAsNunjucks(() => Object.assign(Object.create(null), { a: 1 }), autoescape);
      expect(() => new Environment({ compat: 'nunjucks', autoescape }).fromString('{{ v }}').render({ v: Object.create(null) })).toThrow(/val\.toString is not a function|Cannot convert object to primitive value/);
    }
  });

  it('dates, maps, class instances, boxed strings and arrays print as in Nunjucks', () => {
    class Money {
      constructor(readonly pence: number) {}
      valueOf() {
        return this.pence;
      }
      toString() {
        return `£${(this.pence / 100).toFixed(2)} <GBP>`;
      }
    }
    const values: (() => unknown)[] = [() => new Date(Date.UTC(2024, 0, 2)), () => new Map([[1, 2]]), () => new Money(1250), () => new String('a<b'), () => [new Money(5), 'x', [1, null]], () => ({})];
    for (const v of values) for (const autoescape of [true, false]) expectAsNunjucks(v, autoescape);
  });

  it("the nunjucks package's SafeString made of a non-string (no text inside) is written as Nunjucks writes it, not converted by toString", () => {
    // (eleventy-plugin-seo's tags return `new SafeString(x)` of values that are sometimes undefined)
    const { SafeString } = nunjucks.runtime as unknown as { SafeString: new (v: unknown) => object };
    for (const inner of [undefined, 5, null, '<b>']) for (const autoescape of [true, false]) expectAsNunjucks(() => new SafeString(inner), autoescape);
  });

  it('fast-check: any mix of toString, valueOf and Symbol.toPrimitive, with text or other values returned, equals Nunjucks or throws as it does', () => {
    const result = fc.oneof(fc.string(), fc.constantFrom('<b>&"\'', ''), fc.integer(), fc.boolean(), fc.constant(null), fc.constant(undefined), fc.constant({}));
    const method = fc.option(result, { nil: undefined });
    fc.assert(
      fc.property(method, method, method, fc.boolean(), fc.boolean(), (toStr, valueOf, toPrimitive, nullProto, autoescape) => {
        const make = () => {
          const o: Record<PropertyKey, unknown> = nullProto ? Object.create(null) : {};
          // (a method returning an object makes the conversion try the next one, or throw)
          const ret = (r: unknown) => () => (r !== null && typeof r === 'object' ? {} : r);
          if (toStr !== undefined) o.toString = ret(toStr);
          if (valueOf !== undefined) o.valueOf = ret(valueOf);
          if (toPrimitive !== undefined) o[Symbol.toPrimitive] = ret(toPrimitive);
          return o;
        };
        expectAsNunjucks(make, autoescape);
      }),
      { numRuns: 300 },
    );
  });
});
