// A `for` that reads `loop` over a generator reads it lazily, as Jinja's LoopContext does: an
// endless source ends with a `break`, items are pulled in Jinja's order, and a finite source
// renders exactly as its list does (docs/security.md, "Lazy loops").
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { makeEnv } from '../support.js';
import type { EnvironmentOptions } from '../../compiler/environment.js';

type Ctx = () => Record<string, unknown>;

/** Renders with render, renderStream, renderAsync, renderStreamAsync and renderBlock (a fresh context each). */
async function everyWay(source: string, ctx: Ctx, options: EnvironmentOptions = {}): Promise<string> {
  const env = makeEnv({ page: source, block: `{% block b %}${source}{% end %}` }, options);
  const t = env.getTemplate('page');
  const whole = t.render(ctx());
  expect([...t.renderStream(ctx())].join('')).toBe(whole);
  expect(await t.renderAsync(ctx())).toBe(whole);
  let chunks = '';
  for await (const c of t.renderStreamAsync(ctx())) chunks += c;
  expect(chunks).toBe(whole);
  expect(env.getTemplate('block').renderBlock('b', ctx())).toBe(whole);
  return whole;
}

function* naturals(log?: string[]): Generator<number> {
  for (let i = 0; ; i++) {
    log?.push(`pull ${i}`);
    yield i;
  }
}

describe('a for using loop over an endless generator', () => {
  it('ends at a break, whichever loop attributes the body reads', async () => {
    const bodies: Array<[string, string]> = [
      ['{{ loop.index }}{% if loop.index == 3 %}{% break %}{% end %}', '123'],
      ['{{ loop.first }}{{ loop.last }}{% if x == 1 %}{% break %}{% end %};', 'TrueFalse;FalseFalse'],
      ['{{ loop.cycle("a", "b", "c") }}{% if loop.index0 == 4 %}{% break %}{% end %}', 'abcab'],
      ['{{ loop.previtem }}<{{ x }}<{{ loop.nextitem }} {% if x == 2 %}{% break %}{% end %}', '<0<1 0<1<2 1<2<3 '],
      ['{% set held = loop %}{{ held.index }}{% if held.index == 2 %}{% break %}{% end %}', '12'],
      ['{{ loop.index }}{% if x is odd %}{% continue %}{% end %}-{% if x > 4 %}{% break %}{% end %}', '1-23-45-67-'],
    ];
    for (const [body, want] of bodies) expect(await everyWay(`{% for x in g %}${body}{% end %}`, () => ({ g: naturals() }))).toBe(want);
  });

  it('ends in loops with an inline filter, nested loops and an else branch', async () => {
    const src = '{% for x in g if x is even %}{{ loop.index }}:{{ x }}{% if loop.last %}L{% end %} {% if x >= 6 %}{% break %}{% end %}{% else %}none{% end %}';
    expect(await everyWay(src, () => ({ g: naturals() }))).toBe('1:0 3:2 5:4 7:6 ');
    const nested = '{% for x in g %}{% for y in h %}{{ loop.index }}{% if loop.index == 2 %}{% break %}{% end %}{% end %}|{% if loop.index == 2 %}{% break %}{% end %}{% end %}';
    // (h gives a fresh iterator each time: a generator broken out of is closed, as `for` closes one)
    const h = new (class {
      *[Symbol.iterator]() {
        yield* naturals();
      }
    })();
    expect(await everyWay(nested, () => ({ g: naturals(), h }))).toBe('12|12|');
  });

  it('ends over an endless range-like host iterable, a Map iterator and an async generator in async for', async () => {
    // (a class instance: a plain object is a dict)
    const iterable = new (class {
      *[Symbol.iterator]() {
        yield* naturals();
      }
    })();
    expect(await everyWay('{% for x in g %}{{ loop.index }}{% if loop.last %}!{% end %}{% if loop.index == 3 %}{% break %}{% end %}{% end %}', () => ({ g: iterable }))).toBe('123');
    const m = new Map([['a', 1], ['b', 2], ['c', 3]]);
    expect(await everyWay('{% for k in g %}{{ k }}{{ loop.revindex }}{% end %}', () => ({ g: m.keys() }))).toBe('a3b2c1');
    async function* endless() {
      for (let i = 0; ; i++) yield i;
    }
    const t = makeEnv().fromString('{% async for x in g %}{{ loop.index }}{{ loop.first }}{{ loop.cycle("a", "b") }}{% if loop.index == 3 %}{% break %}{% end %}{% end %}');
    expect(await t.renderAsync({ g: endless() })).toBe('1Truea2Falseb3Falsea');
    let s = '';
    for await (const c of t.renderStreamAsync({ g: endless() })) s += c;
    expect(s).toBe('1Truea2Falseb3Falsea');
  });

  it('reads what loop.length needs once, then renders the rest from it', async () => {
    const src = '{% for x in g %}{{ x }}{% if x == 1 %}({{ loop.length }}){% end %}{{ loop.revindex0 }}{{ loop.last }} {% end %}';
    expect(await everyWay(src, () => ({ g: [5, 1, 7][Symbol.iterator]() }))).toBe('52False 1(3)1False 70True ');
  });
});

describe('the order a lazy loop pulls items in (as Jinja)', () => {
  const pulls = (src: string, stopAt = 3) => {
    const log: string[] = [];
    const out = makeEnv().fromString(src).render({ g: naturals(log), stop: stopAt });
    return { out, log };
  };

  it('pulls the next item when the loop moves on to it', () => {
    const { out, log } = pulls('{% for x in g %}[{{ loop.index }}]{% if x == stop %}{% break %}{% end %}{% end %}');
    expect(out).toBe('[1][2][3][4]');
    expect(log).toEqual(['pull 0', 'pull 1', 'pull 2', 'pull 3']);
  });

  it('pulls one ahead only where loop.last or loop.nextitem is read', () => {
    const src = '{% for x in g %}{% if x == 1 %}{{ loop.last }}{% end %}{% if x == 2 %}{{ loop.nextitem }}{% break %}{% end %}{% end %}';
    const log: string[] = [];
    const seen: string[] = [];
    const g = (function* () {
      for (let i = 0; ; i++) {
        log.push(`pull ${i}`);
        yield i;
        seen.push(`after ${i}`);
      }
    })();
    expect(makeEnv().fromString(`${src}`).render({ g })).toBe('False3');
    // x=0: no look-ahead; x=1: last pulls 2; x=2 takes it, nextitem pulls 3
    expect(log).toEqual(['pull 0', 'pull 1', 'pull 2', 'pull 3']);
    expect(seen).toEqual(['after 0', 'after 1', 'after 2']);
  });

  it('interleaves pulls with the body as Jinja does (output and pulls in one log)', () => {
    const log: string[] = [];
    const g = (function* () {
      for (let i = 0; i < 4; i++) {
        log.push(`pull ${i}`);
        yield i;
      }
    })();
    const say = (s: unknown) => {
      log.push(`body ${s}`);
      return '';
    };
    makeEnv().fromString('{% for x in g %}{{ say(x) }}{% if loop.last %}{{ say("last") }}{% end %}{% end %}').render({ g, say });
    // Jinja 3.1: LoopContext pulls item i+1 when `last` is asked during item i, and hands it out next
    expect(log).toEqual(['pull 0', 'body 0', 'pull 1', 'body 1', 'pull 2', 'body 2', 'pull 3', 'body 3', 'body last']);
  });
});

describe('a lazy loop renders what the list renders', () => {
  const ATTRS = ['index', 'index0', 'first', 'last', 'length', 'revindex', 'revindex0', 'previtem', 'nextitem'];
  it('for any items, attributes read, inline filter, break and continue (property)', async () => {
    const env = makeEnv();
    await fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -3, max: 9 }), { maxLength: 8 }),
        fc.subarray(ATTRS, { minLength: 1 }),
        fc.boolean(),
        fc.option(fc.integer({ min: 0, max: 9 })),
        fc.option(fc.integer({ min: 0, max: 9 })),
        fc.boolean(),
        (xs, attrs, filtered, breakAt, continueAt, held) => {
          const reads = attrs.map((a) => `${a}={{ ${held ? 'h' : 'loop'}.${a} }}`).join(',');
          const src =
            `{% for x in xs${filtered ? ' if x is even' : ''} %}${held ? '{% set h = loop %}' : ''}` +
            `${continueAt !== null ? `{% if x == ${continueAt} %}{% continue %}{% end %}` : ''}[{{ x }} ${reads}{{ loop.cycle(1, 2) }}]` +
            `${breakAt !== null ? `{% if x == ${breakAt} %}{% break %}{% end %}` : ''}{% else %}empty{% end %}`;
          const t = env.fromString(src);
          const want = t.render({ xs });
          expect(t.render({ xs: xs[Symbol.iterator]() })).toBe(want);
          expect(t.render({ xs: (function* () { yield* xs; })() })).toBe(want);
          expect([...t.renderStream({ xs: xs.values() })].join('')).toBe(want);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('copies strings and sets, so a body changing the set cannot make the loop endless', async () => {
    const src = '{% for x in s %}{% set _ = s.add(x + 10) %}{{ loop.index }}/{{ loop.length }} {% end %}{{ s | length }}';
    expect(makeEnv().fromString(src).render({ s: new Set([1, 2]) })).toBe('1/2 2/2 4');
    expect(await everyWay('{% for c in s %}{{ c }}{{ loop.revindex }}{% end %}', () => ({ s: 'héé' }))).toBe('h3é2é1');
  });
});

describe('the loop object a template holds', () => {
  it('cannot move its loop on: no next(), not iterable', () => {
    const env = makeEnv();
    const run = (src: string) => env.fromString(src).render({ g: naturals() });
    expect(() => run('{% for x in g %}{% set h = loop %}{{ h.next() }}{% break %}{% end %}')).toThrow(/next/);
    expect(() => run('{% for x in g %}{% set h = loop %}{% for y in h %}{% end %}{% break %}{% end %}')).toThrow(/not iterable/);
    expect(() => run('{% for x in g %}{% set h = loop %}{{ h | list }}{% break %}{% end %}')).toThrow(/not iterable/);
  });
});

describe('a lazy loop in the sandbox', () => {
  const sb = (over: object = {}) => ({ sandbox: { maxLoopIterations: 1_000, ...over } });
  it('runs an endless generator with loop.index/last and a break', async () => {
    const src = '{% for x in g %}{{ loop.index }}{% if loop.last %}!{% end %}{% if loop.index == 5 %}{% break %}{% end %}{% end %}';
    expect(await everyWay(src, () => ({ g: naturals() }), sb())).toBe('12345');
  });
  it('refuses to read an endless generator ahead for loop.length, and counts each item it reads', async () => {
    const t = makeEnv({}, sb()).fromString('{% for x in g %}{{ loop.length }}{% end %}');
    expect(() => t.render({ g: naturals() })).toThrow(/Loop iterations/);
    const log: string[] = [];
    expect(() => t.render({ g: naturals(log) })).toThrow();
    expect(log.length).toBeLessThanOrEqual(1_001);
    // a finite source within the budget is fine, and its items count against the budget once
    const ok = makeEnv({}, sb()).fromString('{% for x in g %}{{ loop.revindex }}{% end %}');
    expect(ok.render({ g: [1, 2, 3].values() })).toBe('321');
    const e = makeEnv({}, sb()).fromString('{% for x in g %}{% end %}{% for x in h %}{{ loop.length }}{% end %}');
    expect(() => e.render({ g: Array(600).fill(0), h: Array(600).fill(0).values() })).toThrow(/Loop iterations/);
  });
});
