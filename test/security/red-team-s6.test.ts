// Issue #19, sixth red team (default mode and compat: 'nunjucks'): attacks that worked on what
// had landed, each kept as a test of its class, through every entry point.
// - §1/§2 a range whose length comes from data: `loop.length`, `|last`, slices and `==` walked
//   or copied the whole range (range(10**8) with loop.length ended Node with V8's fatal
//   "invalid size"); Python does these in O(1).
// - §2 the backward substring search (rfind, rindex, rpartition, Markup's, Nunjucks mode's
//   lastIndexOf): V8's lastIndexOf is O(n·m) on hostile text.
// - §1 observeDeep: a proxy whose traps throw, or a Promise subclass whose `then` throws, nested in
//   an async template's data threw out of the render (untouched by the template); a promise as a
//   Map key, or beside a long list that used up the walk's budget first, was never observed.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DictLoader, Environment } from '../../compiler/environment.js';
import { lastIndex } from '../../runtime/strings.js';
import { expectLinear } from './linear-clock.js';
import { textOrError } from './every-way.js';
import { expectNoUnhandledRejections } from '../support.js';

const kida = new Environment({ loader: new DictLoader({}) });
const njk = new Environment({ compat: 'nunjucks', loader: new DictLoader({}) });

/** Every entry point of `src` in `env` (a block twin for renderBlock), each with a fresh context. */
async function every(env: Environment, src: string, ctx: () => Record<string, unknown>, block = '{% block b %}{0}{% end %}') {
  const t = env.fromString(src);
  const b = env.fromString(block.replace('{0}', src));
  return {
    render: await textOrError(() => t.render(ctx())),
    renderStream: await textOrError(() => t.renderStream(ctx())),
    renderAsync: await textOrError(() => t.renderAsync(ctx())),
    renderStreamAsync: await textOrError(() => t.renderStreamAsync(ctx())),
    renderBlock: await textOrError(() => b.renderBlock('b', ctx())),
  };
}
const texts = (all: Record<string, string | Error>) =>
  Object.values(all).map((r) => (r instanceof Error ? `${r.name}: ${r.message.split('\n')[0]}` : r));

describe('a range from data is never walked or copied where Python answers at once', () => {
  const n = 10 ** 8; // (a copy is V8's fatal "invalid size"; a walk, seconds)
  const cases: [string, string][] = [
    ['{% for i in range(n) %}{{ loop.length }} {{ loop.revindex }} {{ loop.revindex0 }}{% break %}{% end %}', '100000000 100000000 99999999'],
    ['{% for i in range(3, n, 7) %}{{ loop.length }}{% if loop.index == 2 %}{% break %}{% end %},{% end %}', '14285714,14285714'],
    ['{{ range(n)|last }} {{ range(5, n, 10)|last }} {{ range(n, 0)|last }}', '99999999 99999995 None'],
    ['{{ range(n)[5:8]|list }} {{ range(n)[-2:] }} {{ range(n)[::-1][:2] if false else range(n)[-1:-3:-1] }}', '[5, 6, 7] [99999998, 99999999] [99999999, 99999998]'],
    ['{{ range(10)[::-3] }} {{ range(10, 0, -2)[1:3] }} {{ range(10)[7:2] }}', '[9, 6, 3, 0] [8, 6] []'],
    ['{{ range(n) == range(n) }} {{ range(n) in [range(1), range(n)] }} {{ range(n) == range(n + 1) }}', 'True True False'],
    ['{{ range(0) == range(5, 2) }} {{ range(1, 2, 5) == range(1, 3, 7) }} {{ range(0, 4, 2) == range(0, 3, 2) }}', 'True True True'],
  ];
  for (const [src, want] of cases)
    it(src, async () => {
      const t0 = Date.now();
      for (const r of texts(await every(kida, src, () => ({ n })))) expect(r).toBe(want);
      expect(Date.now() - t0).toBeLessThan(5_000);
    });

  it('a slice of a range as long as the range is refused before it is built (K-SEC-003), not V8 abort', async () => {
    for (const r of texts(await every(kida, '{{ range(n)[:]|length }}', () => ({ n })))) expect(r).toMatch(/^SecurityError: A result of 100000000/);
  });
});

describe('backward substring search is linear', () => {
  const hay = (n: number) => 'a'.repeat(n);
  const needle = (n: number) => 'a'.repeat(n / 2) + 'b';
  const cases: [string, string, Environment][] = [
    ['rfind', '{{ x.rfind(y) }}{{ x.rfind(y, 1, -1) }}', kida],
    ['rindex', '{% try %}{{ x.rindex(y) }}{% fallback %}none{% end %}', kida],
    ['rpartition', '{{ x.rpartition(y)|length }}', kida],
    ['Markup.rpartition', '{{ (x|e).rpartition(y)|length }}', kida],
    ['Nunjucks lastIndexOf', '{{ x.lastIndexOf(y) }}{{ x.lastIndexOf(y, 5000) }}', njk],
  ];
  for (const [name, src, env] of cases)
    it(name, () => {
      const t = env.fromString(src);
      expectLinear((n) => {
        const c = { x: hay(n), y: needle(n) };
        return () => t.render(c);
      }, name);
    });

  it('gives what rfind, rpartition and lastIndexOf give', async () => {
    const x = 'ab'.repeat(40) + 'c' + 'ab'.repeat(40);
    const y = 'ab'.repeat(20);
    const c = () => ({ x, y });
    expect(texts(await every(kida, '{{ x.rfind(y) }} {{ x.rfind(y, 0, 100) }} {{ x.rindex(y, 3) }} {{ x.rpartition(y)[0]|length }}', c))).toEqual(Array(5).fill('121 40 121 121'));
    expect(texts(await every(njk, '{{ x.lastIndexOf(y) }} {{ x.lastIndexOf(y, 60) }} {{ x.lastIndexOf(y, -5) }} {{ x.lastIndexOf(y, "z") }}', c, '{% block b %}{0}{% endblock %}'))).toEqual(
      Array(5).fill('121 40 0 121'),
    );
  });

  it('property: lastIndex(s, x, from) is String.prototype.lastIndexOf', () => {
    const text = fc.stringMatching(/^[ab]{0,120}$/);
    fc.assert(
      fc.property(text, text, fc.oneof(fc.constant(Infinity), fc.integer({ min: -5, max: 130 }), fc.constant(-Infinity)), (s, x, from) => {
        expect(lastIndex(s, x, from)).toBe(s.lastIndexOf(x, from));
        expect(lastIndex(s + s, s, from)).toBe((s + s).lastIndexOf(s, from));
      }),
      { numRuns: 2000 },
    );
  });
});

describe("an async template's data walk never throws and observes every promise it can reach", () => {
  expectNoUnhandledRejections();
  const slow = () => new Promise((r) => setTimeout(() => r('done'), 20));
  const failSoon = () => new Promise((_, no) => setTimeout(() => no(new Error('rejected while the render waited')), 3));
  const asyncWays = async (env: Environment, src: string, ctx: () => Record<string, unknown>) => {
    const all = await every(env, src, ctx);
    return [all.renderAsync, all.renderStreamAsync];
  };

  const trap = () => {
    throw new Error('trap');
  };
  const hostileProxy = () => new Proxy({}, { getPrototypeOf: trap, get: trap, ownKeys: trap, has: trap, getOwnPropertyDescriptor: trap });
  class ThrowingThen<T> extends Promise<T> {
    // eslint-disable-next-line unicorn/no-thenable
    override then(): never {
      throw new Error('then');
    }
  }

  it('a proxy whose traps throw, nested in the data and never read, leaves the render alone', async () => {
    expect(await asyncWays(kida, '{% if false %}{{ await x }}{% end %}{{ await s }}', () => ({ x: { deep: [hostileProxy()] }, s: slow() }))).toEqual(['done', 'done']);
  });

  it('a Promise subclass whose then throws, nested in the data, neither throws nor is left unobserved', async () => {
    const bad = () => new ThrowingThen(() => {});
    expect(await asyncWays(kida, '{% if false %}{{ await x.p }}{% end %}{{ await s }}', () => ({ x: { p: bad(), m: new Map([[1, bad()]]) }, s: slow() }))).toEqual(['done', 'done']);
  });

  it('a promise used as a Map key, rejecting while the render awaits something else', async () => {
    expect(await asyncWays(kida, '{{ await s }}{{ x.m|length }}', () => ({ x: { m: new Map([[failSoon(), 1]]) }, s: slow() }))).toEqual(['done1', 'done1']);
  });

  it('a promise beside a list longer than the walk budget (the list first in the data)', async () => {
    const ctx = () => ({ d: { rows: new Array(200_000).fill({ a: 1 }), user: failSoon() }, s: slow() });
    expect(await asyncWays(kida, '{{ await s }}{{ d.rows|length }}', ctx)).toEqual(['done200000', 'done200000']);
    const nested = () => ({ d: { rows: Array.from({ length: 50_000 }, (_, i) => [i, i]), more: { user: failSoon() } }, s: slow() });
    expect(await asyncWays(kida, '{{ await s }}{{ d.rows|length }}', nested)).toEqual(['done50000', 'done50000']);
  });
});

describe('a getter of the data that throws is met where the template reads it', () => {
  const data = () => ({
    get a(): never {
      throw new Error('host getter');
    },
    b: 'fine',
  });
  it('unread, the render goes on; read, it is a TemplateRuntimeError naming the template and line (every entry point)', async () => {
    for (const r of texts(await every(kida, '{% if false %}{{ a }}{% end %}{{ b }}', data))) expect(r).toBe('fine');
    const all = await every(kida, '{{ b }}\n{{ a }}', data);
    for (const r of Object.values(all)) {
      expect(r).toBeInstanceOf(Error);
      expect((r as Error).name).toBe('TemplateRuntimeError');
      expect((r as { lineno?: number }).lineno).toBe(2);
      expect((r as Error).message).toContain('host getter');
    }
  });
});

describe("Nunjucks mode: the replace filter's regular expressions run where method calls run them", () => {
  // (`x.replace(r/…/, y)` went to the Pike VM already; `x | replace(r/…/, y)` ran V8, exponential)
  const patterns = ['(a+)+c|a', '(a|aa)*c|b', '(x+x+)+y|x', '((a+)+b|a)', '(a*a*)+c|(a)', '^(a+)+$|a'];
  it('an exponential pattern over 30 characters (V8 needed minutes) renders at once', async () => {
    const env = new Environment({ compat: 'nunjucks', loader: new DictLoader({}) });
    const x = 'a'.repeat(30) + 'x'.repeat(30);
    const [a, X] = ['a'.repeat(29), 'x'.repeat(29)];
    for (const [p, want] of [
      ['(a+)+c|a', `${'-'.repeat(30)}x${X}|[]${a}x${X}`],
      ['(x+x+)+y|x', `a${a}${'-'.repeat(30)}|a${a}[]${X}`],
      ['^(a+)+$|a', `${'-'.repeat(30)}x${X}|[]${a}x${X}`],
    ]) {
      const t0 = Date.now();
      const src = `{{ x | replace(r/${p}/g, "-") }}|{{ x | replace(r/${p}/, "[$1]") }}`;
      for (const r of texts(await every(env, src, () => ({ x }), '{% block b %}{0}{% endblock %}'))) expect(r).toBe(want);
      expect(Date.now() - t0, p).toBeLessThan(3_000);
    }
  });
  it('global replace, match and split with such a pattern are linear (the VM searched again from each match: 4,000 characters took 15 s)', () => {
    for (const src of ['{{ x | replace(r/(a+)+c|a/g, "-") | length }}', '{{ x.replace(r/(a+)+c|(a)/g, "$1") | length }}', '{{ x.match(r/(a+)+c|a/g) | length }}', '{{ x.split(r/(a+)+c|a/) | length }}']) {
      const t = njk.fromString(src);
      expectLinear((n) => {
        const c = { x: 'a'.repeat(n / 10) };
        return () => t.render(c);
      }, src);
    }
  });
  it('property: gives what String.prototype.replace gives (short subjects, where V8 is quick)', () => {
    const t = patterns.map((p) => [p, njk.fromString(`{{ x | replace(r/${p}/g, "<$1>") }}`), njk.fromString(`{{ x | replace(r/${p}/, "$&$&") | safe }}`)] as const);
    fc.assert(
      fc.property(fc.stringMatching(/^[abcxy]{0,12}$/), (x) => {
        for (const [p, g, one] of t) {
          expect(g.render({ x })).toBe(x.replace(new RegExp(p, 'g'), '<$1>').replace(/</g, '&lt;').replace(/>/g, '&gt;'));
          expect(one.render({ x })).toBe(x.replace(new RegExp(p), '$&$&'));
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe("a host object's __html__ that returns something other than a string", () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown) => void unhandled.push(e);
  beforeAll(() => void process.on('unhandledRejection', onUnhandled));
  afterAll(() => void process.off('unhandledRejection', onUnhandled));
  it('is output as its str(); a promise it returns is observed (it ended Node: nobody handled its rejection)', async () => {
    const data = () => ({
      p: {
        async __html__(): Promise<string> {
          throw new Error('async __html__');
        },
      },
      n: { __html__: () => 42 },
    });
    // (Nunjucks' escape/safe filters know nothing of __html__: an object's toString, as there)
    for (const [env, src, want] of [
      [kida, '{{ p }}|{{ n }}|{{ p|e }}', '[object Promise]|42|[object Promise]'],
      [njk, '{{ p }}|{{ n }}|{{ p|e }}|{{ p | safe }}', '[object Promise]|42|[object Object]|[object Object]'],
    ] as const) {
      const all = texts(await every(env, src, data, env === njk ? '{% block b %}{0}{% endblock %}' : undefined));
      for (const r of all) expect(r).toBe(want);
    }
    await new Promise((r) => setTimeout(r, 40));
    expect(unhandled.splice(0).map((e) => String((e as Error)?.message ?? e))).toEqual([]);
  });
  it('a host getter that returns a new promise at each read, read by the template or a filter and dropped', async () => {
    // (`g.name` read it twice, once at the call site; filters' attribute getters kept neither)
    class G {
      get name(): Promise<never> {
        return Promise.reject(new Error('getter promise'));
      }
    }
    // (`l` made only when a template reads it: an unread rejected promise is the host's own)
    const ctx = () => {
      let l: unknown[] | undefined;
      return {
        g: new G(),
        get l() {
          return (l ??= [Promise.reject(new Error('list item'))]);
        },
      };
    };
    for (const [env, src, want] of [
      [kida, '{{ g.name }}|{% let x = g.name %}{{ {"a": g.name}|length }}|{{ [g]|map(attribute="name")|list|length }}|{{ [g]|unique(attribute="name")|list|length }}|{% let y = l[0] %}', '[object Promise]|1|1|1|'],
      [kida, '{% try %}{{ [g]|sum(attribute="name") }}{% fallback %}no sum{% end %}', 'no sum'],
      [njk, '{{ g.name }}|{{ [g]|selectattr("name")|length }}|{{ [g]|join(",", "name") }}|{{ [g]|sum("name") }}', '[object Promise]|1|[object Promise]|00[object Promise]'],
    ] as const)
      for (const r of texts(await every(env, src, ctx, env === njk ? '{% block b %}{0}{% endblock %}' : undefined))) expect(r).toBe(want);
    await new Promise((r) => setTimeout(r, 40));
    expect(unhandled.splice(0).map((e) => String((e as Error)?.message ?? e))).toEqual([]);
  });
  it('the same for __len__ (truthiness) and __markdown__ (Markdown mode)', async () => {
    class Sized {
      async __len__(): Promise<number> {
        throw new Error('async __len__');
      }
    }
    class Md {
      async __markdown__(): Promise<string> {
        throw new Error('async __markdown__');
      }
    }
    for (const r of texts(await every(kida, '{% if c %}yes{% else %}no{% end %}', () => ({ c: new Sized() })))) expect(r).toBe('no');
    const md = new Environment({ autoescape: 'markdown', loader: new DictLoader({}) });
    for (const r of texts(await every(md, '{{ d }}|{{ d|bold }}', () => ({ d: new Md() })))) expect(r).toBe('[object Promise]|**[object Promise]**');
    await new Promise((r) => setTimeout(r, 40));
    expect(unhandled.splice(0).map((e) => String((e as Error)?.message ?? e))).toEqual([]);
  });
});
