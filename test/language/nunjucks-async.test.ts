// compat: 'nunjucks' — `{% ifAsync %}`, `{% asyncEach %}` and `{% asyncAll %}` (Nunjucks 3.2's
// async tags; compiler/codegen/njk-async.ts). Every case is rendered by Nunjucks 3.2.4 through its
// callback API and by ours through kida/nunjucks' callback, the Environment's renderAsync,
// renderStreamAsync and renderBlockAsync (and render/renderStream when nothing is async).
import fc from 'fast-check';
import nunjucks from 'nunjucks';
import { describe, expect, it } from 'vitest';
import kidaNunjucks from '../../adapters/nunjucks.js';
import { DictLoader, Environment } from '../../compiler/environment.js';

type Cb = (e: Error | null, r?: string) => void;
type Ctx = Record<string, unknown>;
/** An async filter as Nunjucks takes one: `S<v>` after a few milliseconds (`delays` cycles). */
const slowFilter = (delays: number[] = [3, 1, 2]) => {
  let n = 0;
  return (v: unknown, cb: Cb) => setTimeout(() => cb(null, `S${String(v)}`), delays[n++ % delays.length]);
};
const failFilter = (v: unknown, cb: Cb) => setTimeout(() => cb(new Error(`boom ${String(v)}`)), 1);

function viaCallback(env: { renderString(s: string, c: object, cb: Cb): unknown }, src: string, ctx: Ctx): Promise<string> {
  return new Promise((resolve) => env.renderString(src, ctx, (err, out) => resolve(err ? `ERR ${err.message}` : out!)));
}
function theirs(src: string, ctx: Ctx, delays?: number[]): Promise<string> {
  const env = new nunjucks.Environment(null, { autoescape: true });
  env.addFilter('slow', slowFilter(delays), true);
  env.addFilter('fail', failFilter, true);
  return viaCallback(env, src, ctx);
}
/** Ours through every entry point, which must agree; returns the text (or `ERR …`). */
async function ours(src: string, ctx: Ctx, delays?: number[]): Promise<string> {
  const adapter = new kidaNunjucks.Environment(null);
  adapter.addFilter('slow', slowFilter(delays), true);
  adapter.addFilter('fail', failFilter, true);
  const viaAdapter = await viaCallback(adapter, src, ctx);
  const env = new Environment({ loader: new DictLoader({}), compat: 'nunjucks' });
  const asPromise = (f: (v: unknown, cb: Cb) => void) => (v: unknown) => new Promise((ok, no) => f(v, (e, r) => (e ? no(e) : ok(r))));
  env.addFilter('slow', asPromise(slowFilter(delays)), true);
  env.addFilter('fail', asPromise(failFilter), true);
  const t = env.fromString(src);
  const b = env.fromString(`{% block b %}${src}{% endblock %}`);
  const attempt = async (f: () => Promise<string>) => f().catch((e: Error) => `ERR ${e.message}`);
  const collect = async (it: AsyncIterable<string>) => {
    let s = '';
    for await (const c of it) s += c;
    return s;
  };
  const ways: Record<string, string> = {
    renderAsync: await attempt(() => t.renderAsync(ctx)),
    renderStreamAsync: await attempt(() => collect(t.renderStreamAsync(ctx))),
    renderBlockAsync: await attempt(() => b.renderBlockAsync('b', ctx)),
  };
  if (!src.includes('| slow') && !src.includes('| fail')) {
    ways.render = await attempt(async () => t.render(ctx));
    ways.renderStream = await attempt(async () => [...t.renderStream(ctx)].join(''));
    ways.renderBlock = await attempt(async () => b.renderBlock('b', ctx));
  }
  const norm = (s: string) => (s.startsWith('ERR ') ? 'ERR' : s);
  for (const [way, out] of Object.entries(ways)) expect(norm(out), `${way} of ${src}`).toBe(norm(viaAdapter));
  return viaAdapter;
}
async function same(src: string, ctx: Ctx = {}): Promise<string> {
  const want = await theirs(src, ctx);
  const got = await ours(src, ctx);
  if (want.startsWith('ERR ')) expect(got.startsWith('ERR '), `${src}: Nunjucks fails (${want}), ours gave ${got}`).toBe(true);
  else expect(got, src).toBe(want);
  return got;
}

describe('{% asyncEach %}: a for whose body may await, run in sequence', () => {
  it('loop.* as Nunjucks sets them, before and after an await', async () => {
    expect(await same('{% asyncEach x in [1, 2, 3] %}{{ x }}{{ loop.index }}{{ loop.index0 }}{{ loop.first }}{{ loop.last }}{{ loop.revindex }}{{ loop.revindex0 }}{{ loop.length }};{% endeach %}')).toBe(
      '110truefalse323;221falsefalse213;332falsetrue103;',
    );
    expect(await same('{% asyncEach x in xs %}{{ loop.index }}{{ x | slow }}{{ loop.index }};{% endeach %}', { xs: ['<a>', 2] })).toBe('1S&lt;a&gt;1;2S22;');
  });
  it('else runs when the source has no length: an empty list, and (as in Nunjucks) any object, even one with keys', async () => {
    expect(await same('{% asyncEach x in [] %}a{% else %}E{% endeach %}')).toBe('E');
    expect(await same('{% asyncEach k, v in o %}{{ k }}={{ v | slow }};{% else %}E{% endeach %}', { o: { a: 1, b: '<' } })).toBe('a=S1;b=S&lt;;E');
    expect(await same('{% asyncEach k, v in o %}{{ k }};{% else %}E{% endeach %}', { o: {} })).toBe('E');
    expect(await same('{% asyncEach x in 5 %}{{ x }}{% else %}E{% endeach %}|{% asyncEach x in "" %}{{ x }}{% else %}E{% endeach %}')).toBe('E|E');
  });
  it('names: one, two over pairs or an object, three over triples; iterables become lists', async () => {
    expect(await same('{% asyncEach a, b, c in [[1, 2, 5], [3, 4, 6]] %}{{ a }}{{ b }}{{ c }};{% endeach %}')).toBe('125;346;');
    expect(await same('{% asyncEach k, v in "ab" %}{{ k }}{{ v }}{% endeach %}')).toBe('0a1b');
    expect(await same('{% asyncEach x in s %}{{ x | slow }};{% endeach %}', { s: new Set([1, 2]) })).toBe('S1;S2;');
    expect(await same('{% asyncEach x in xs %}{{ x }}{% endeach %}[{{ x }}]', { xs: [1, 2] })).toBe('12[]');
  });
  it('fails where Nunjucks fails: one name over an object\'s keys, a string, or else over undefined', async () => {
    for (const [src, ctx] of [
      ['{% asyncEach x in o %}{{ x }}{% endeach %}', { o: { a: 1 } }],
      ['{% asyncEach x in "ab" %}{{ x }}{% endeach %}', {}],
      ['{% asyncAll x in o %}{{ x }}{% endall %}', { o: { a: 1 } }],
      ['{% asyncEach x in u %}{{ x }}{% else %}E{% endeach %}', {}],
      ['{% asyncAll x in u %}{{ x }}{% else %}E{% endall %}', {}],
    ] as const) {
      expect(await theirs(src, ctx)).toMatch(/^ERR/);
      expect(await ours(src, ctx)).toMatch(/^ERR [^]*TypeError/);
    }
    expect(await same('{% asyncEach x in u %}{{ x }}{% endeach %}done')).toBe('done');
  });
  it('nested loops each have their own loop; set in the body reaches the frame around it', async () => {
    expect(await same('{% asyncEach x in [1, 2] %}{{ x }}{% asyncEach y in [3, 4] %}{{ y | slow }}{{ loop.index }}{% endeach %}{{ loop.index }};{% endeach %}')).toBe('1S31S421;2S31S422;');
    expect(await same('{% set t = 0 %}{% asyncEach x in [1, 2, 3] %}{% set t = t + x %}{% endeach %}{{ t }}')).toBe('6');
  });
});

describe('{% asyncAll %}: bodies run concurrently, output in source order', () => {
  it('output is in source order whatever order the filters finish in', async () => {
    const src = '{% asyncAll x in xs %}<{{ loop.index }}:{{ x | slow }}>{% endall %}';
    for (const delays of [[9, 1, 5], [1, 9, 5], [5, 1, 9]]) {
      const want = await theirs(src, { xs: [1, 2, 3] }, delays);
      expect(await ours(src, { xs: [1, 2, 3] }, delays)).toBe(want);
      expect(want).toBe('<1:S1><2:S2><3:S3>');
    }
    expect(await same('{% asyncAll k, v in o %}{{ k }}={{ v | slow }};{% else %}E{% endall %}', { o: { a: 1, b: 2 } })).toBe('a=S1;b=S2;E');
    expect(await same('{% for x in [1, 2] %}{% asyncAll y in [3, 4] %}{{ y | slow }}{{ x }}{% endall %}{% endfor %}')).toBe('S31S41S32S42');
  });
  it('after an await, loop.* is the iteration\'s own (a deliberate difference: Nunjucks\' one shared frame shows the last iteration\'s)', async () => {
    const src = '{% asyncAll x in xs %}<{{ loop.index }}{{ loop.first }}:{{ x | slow }}:{{ loop.index }}{{ loop.first }}{{ loop.last }}>{% endall %}';
    const ctx = { xs: ['a', 'b', 'c'] };
    // (Nunjucks: each body reads loop.* from the frame every iteration wrote before any await ended)
    expect(await theirs(src, ctx)).toBe('<1true:Sa:3falsetrue><2false:Sb:3falsetrue><3false:Sc:3falsetrue>');
    expect(await ours(src, ctx)).toBe('<1true:Sa:1truefalse><2false:Sb:2falsefalse><3false:Sc:3falsetrue>');
    // (before any await, and the loop variable itself, they agree)
    expect(await same('{% asyncAll x in xs %}{{ loop.index }}{{ loop.revindex }}{{ x | slow }}{{ x }}{% endall %}', ctx)).toBe('13Saa22Sbb31Scc');
  });
  it('runs the bodies at the same time: every filter call is in flight before the first ends', async () => {
    let inFlight = 0;
    let most = 0;
    const env = new Environment({ compat: 'nunjucks' });
    env.addFilter('track', (v: unknown) => {
      most = Math.max(most, ++inFlight);
      return new Promise((ok) => setTimeout(() => ok((inFlight--, v)), 5));
    }, true);
    const each = env.fromString('{% asyncEach x in xs %}{{ x | track }}{% endeach %}');
    const all = env.fromString('{% asyncAll x in xs %}{{ x | track }}{% endall %}');
    const xs = Array.from({ length: 20 }, (_, i) => i);
    expect(await each.renderAsync({ xs })).toBe(xs.join(''));
    expect(most).toBe(1);
    expect(await all.renderAsync({ xs })).toBe(xs.join(''));
    expect(most).toBe(20);
  });
  it('break/continue (Kida\'s, not Nunjucks\') cannot leave its concurrent bodies: a compile error', async () => {
    const env = new Environment({ compat: 'nunjucks' });
    env.addFilter('slow', (v: unknown) => Promise.resolve(v), true);
    expect(() => env.fromString('{% asyncAll x in xs %}{{ x | slow }}{% if x %}{% break %}{% endif %}{% endall %}')).toThrow(/\{% break %\} cannot leave an \{% asyncAll %\} body/);
    expect(await env.fromString('{% asyncAll x in xs %}{% for y in xs %}{% break %}{% endfor %}{{ x | slow }}{% endall %}').renderAsync({ xs: [1, 2] })).toBe('12');
  });
  it('a failing filter fails the render with its error, as Nunjucks reports the first', async () => {
    const got = await ours('{% asyncAll x in [1, 2, 3] %}{{ x | fail }}{% endall %}after', {});
    expect(got).toMatch(/^ERR [^]*boom 1/);
  });
});

describe('{% ifAsync %}: an if whose condition or branches await', () => {
  it('branches, elif and else as if', async () => {
    expect(await same('{% ifAsync x | slow == "S1" %}yes{% elif y %}Y{% else %}no{% endif %}', { x: 1 })).toBe('yes');
    expect(await same('{% ifAsync x %}{{ x | slow }}{% elif y %}{{ y | slow }}{% else %}no{% endif %}', { y: '<' })).toBe('S&lt;');
    expect(await same('{% ifAsync x %}yes{% else %}no{% endif %}', { x: 0 })).toBe('no');
  });
});

describe('an async filter inside {% set %}…{% endset %} (a deliberate difference)', () => {
  it('is awaited here; Nunjucks compiles the capture as synchronous and calls the filter without a callback', async () => {
    const src = '{% set b %}<{{ x | slow }}>{% endset %}{{ b }}|{{ x | slow }}';
    // (Nunjucks: a callback-style filter called with no callback throws inside its own timer, out of
    // reach of the render; one that tolerates it gives its return value, here undefined: no template
    // can rely on either)
    const calls: unknown[] = [];
    const env = new nunjucks.Environment(null, { autoescape: true });
    env.addFilter('slow', (v: unknown, cb?: Cb) => (calls.push(typeof cb), typeof cb === 'function' ? setTimeout(() => cb(null, `S${String(v)}`), 1) : undefined), true);
    expect(await viaCallback(env, src, { x: 1 })).toBe('&lt;&gt;|S1');
    expect(calls).toEqual(['undefined', 'function']);
    expect(await ours(src, { x: 1 })).toBe('&lt;S1&gt;|S1');
    // (with no await in the capture, the two agree)
    expect(await same('{% set b %}<{{ x }}>{% endset %}{{ b }}|{{ x | slow }}', { x: 1 })).toBe('&lt;1&gt;|S1');
  });
});

describe('the same as Nunjucks over generated data (fast-check)', () => {
  const value = fc.oneof(fc.integer({ min: -5, max: 50 }), fc.constantFrom('', 'a', '<b>', '&"\''), fc.boolean(), fc.constant(null));
  const templates = [
    '{% asyncEach x in xs %}{{ loop.index }}/{{ loop.length }}:{{ x | slow }}{% if loop.last %}.{% endif %}{% else %}none{% endeach %}',
    '{% asyncAll x in xs %}[{{ loop.revindex }}{{ loop.first }}{{ x | slow }}]{% else %}none{% endall %}',
    '{% asyncEach k, v in o %}{{ k }}={{ v | slow }}{{ loop.index0 }};{% else %}!{% endeach %}',
    '{% asyncAll k, v in o %}{{ k }}{{ loop.last }}={{ v | slow }};{% endall %}',
    '{% ifAsync (xs | length) > 2 %}{{ xs[0] | slow }}{% elif xs.length %}{% asyncEach x in xs %}{{ x }}{% endeach %}{% else %}E{% endif %}',
    '{% set n = 0 %}{% asyncEach x in xs %}{% set n = n + 1 %}{% endeach %}{{ n }}|{% asyncAll x in xs %}{% asyncEach y in xs %}{{ y }}{% endeach %}{% endall %}',
  ];
  it('asyncEach, asyncAll and ifAsync over lists and objects', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...templates),
        fc.array(value, { maxLength: 5 }),
        fc.dictionary(fc.constantFrom('a', 'b', 'c', 'k1', 'z'), value, { maxKeys: 4 }),
        fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 4 }),
        async (src, xs, o, delays) => {
          const want = await theirs(src, { xs, o }, delays);
          expect(await ours(src, { xs, o }, delays)).toBe(want);
        },
      ),
      { numRuns: 60 },
    );
  });
});
