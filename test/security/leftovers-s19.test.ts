// Issue #19, nineteenth pass: what the eighteenth passes found and left open.
// - §1 text built a piece per match, field, tag or line (`res += piece`) is a rope of one V8 node
//   (~30 bytes) a piece until read: Nunjucks' `replace` of 2^28 characters, Kida's `replace`,
//   `indent`, `tojson`, `slug`, Nunjucks' `escape`, `striptags(true)` and `.replaceAll` of
//   2^26 aborted V8 (an OOM or a fatal "invalid array length" from V8's own match lists, neither
//   catchable) or ran past a minute in GC under a 2 GB heap. They now build in bounded memory
//   (runtime/pieces.ts) or refuse (K-SEC-003).
// - §4 two sandboxed renders of one Environment whose awaits interleave, or whose streams are read
//   alternately: a render's own operators (`in`, `==`, `<`) charged the budget of whichever render
//   ran last, so one escaped its maxLoopIterations (charged to a finished render) and another was
//   refused for the first one's work.
// - trusted `dictsort` cost ~4 µs a key (each item a tuple pushed through the Array subclass, each
//   comparison through the generic compare).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DictLoader, Environment } from '../../compiler/environment.js';
import { runStrict, distUrl } from './strict-child.js';

/** Renders each `[compat, template, x, n]` in one child with a 2 GB heap; its lines: `ok <length>` or `<error name> <code>`. */
function inTwoGb(cases: [string, string, string, number][], timeout: number): string[] {
  return runStrict(
    `import { Environment, DictLoader } from ${distUrl('dist/compiler/environment.js')};
for (const [compat, src, x, n] of ${JSON.stringify(cases)}) {
  const t = new Environment({ loader: new DictLoader({}), ...(compat ? { compat } : {}) }).fromString(src);
  try { console.log('ok', t.render({ x, n }).length); } catch (e) { console.log(e.name, e.code); }
}`,
    timeout,
    ['--max-old-space-size=2048'],
  )
    .trim()
    .split('\n');
}
const K26 = 2 ** 26;

describe('§1 built-ins whose output has a piece per match end cleanly under a 2 GB heap', () => {
  // (strings past 2^24 characters: up to 2^24 pieces are built in bounded memory, past it
  // K-SEC-003, counted first as a split's; each of these aborted V8 or passed a minute in GC before)
  const K23 = 2 ** 23;
  it('Nunjucks mode: replace of 2^28 - 1 characters (the abort the eighteenth pass left) is refused', () => {
    expect(inTwoGb([['nunjucks', '{{ x.repeat(n) | replace("a", "b") | length }}', 'a', 2 ** 28 - 1]], 120_000)).toEqual(['SecurityError K-SEC-003']);
  }, 130_000);

  it('Kida: replace, indent, tojson, slug, format and % of 2^26 characters', () => {
    const out = inTwoGb(
      [
        ['', '{{ (x * n) | replace("a", "b") | length }}', 'a', K26],
        ['', '{{ (x * n) | replace("a", "cc") | length }}', 'abbbbbbb', K23],
        ['', '{{ (x * n).replace("a", "b", n) | length }}', 'abbbbbbb', K23],
        ['', '{{ (x * n).replace("", "", n) | length }}', 'ab', K26 / 2],
        ['', '{{ (x * n) | indent(1) | length }}', 'a\n', K26 / 2],
        ['', '{{ (x * n) | tojson | length }}', '<', K26],
        ['', '{{ (x * n) | slug | length }}', 'abcdefg ', K23],
        ['', '{{ ((x * n) % {"a": 1}) | length }}', '%(a)s', Math.floor(K26 / 5)],
        ['', '{{ (x * n).format(1) | length }}', '{0}', Math.floor(K26 / 3)],
      ],
      280_000,
    );
    // (tojson of 2^26 `<` would be six times the 2^28 ceiling)
    expect(out).toEqual(['SecurityError K-SEC-003', 'ok 8', 'ok 8', 'ok 8', 'ok 9', 'SecurityError K-SEC-003', 'ok 8', 'ok 8', 'ok 8']);
  }, 300_000);

  it('Nunjucks mode: escape, striptags(true), nl2br, indent, dump and .replaceAll of 2^25-2^26 characters', () => {
    const out = inTwoGb(
      [
        ['nunjucks', '{{ x.repeat(n) | escape | length }}', '<bbbbbbb', K23],
        ['nunjucks', '{{ x.repeat(n) | escape | length }}', '<', K26],
        ['nunjucks', '{{ x.repeat(n) | striptags(true) | length }}', 'abcdefg\n', K23],
        ['nunjucks', '{{ x.repeat(n) | nl2br | length }}', 'abcdefg\n', K23],
        ['nunjucks', '{{ x.repeat(n) | indent(1) | length }}', 'abcdefg\n', K23],
        ['nunjucks', '{{ x.repeat(n) | dump | length }}', '<bbbbbbb', K23 / 2],
        ['nunjucks', '{{ x.repeat(n).replaceAll("a", "b") | length }}', 'abbbbbbb', K23],
        ['nunjucks', '{{ x.repeat(n).replaceAll("a", "b") | length }}', 'a', K26],
      ],
      280_000,
    );
    expect(out).toEqual(['ok 8', 'SecurityError K-SEC-003', 'ok 8', 'ok 9', 'ok 8', 'ok 8', 'ok 8', 'SecurityError K-SEC-003']);
  }, 300_000);
});

describe('§1 the bounded builders give what the per-piece loops gave', () => {
  const env = new Environment({ loader: new DictLoader({}) });
  const njk = new Environment({ loader: new DictLoader({}), compat: 'nunjucks' });
  const text = fc.array(fc.constantFrom('a', 'b', 'ab', '<', '&', '"', '\n', '\r\n', ' ', '😀', '-', '{', '%'), { maxLength: 60 }).map((p) => p.join(''));
  // (a string long enough to pass the 4,096 pieces of a block, and the 2^24 of V8's replaceAll is not needed: the loop runs for counts)
  const long = fc.tuple(text, fc.integer({ min: 1, max: 400 })).map(([t, k]) => t.repeat(k));

  /** Python's str.replace, written plainly. */
  function pyReplace(s: string, old: string, nw: string, count: number): string {
    if (old === '') {
      const cps = [...s];
      const n = count < 0 ? cps.length + 1 : Math.min(count, cps.length + 1);
      return cps.map((c, i) => (i < n ? nw : '') + c).join('') + (n > cps.length ? nw : '');
    }
    const parts = s.split(old);
    if (count < 0 || count >= parts.length - 1) return parts.join(nw);
    return parts.slice(0, count + 1).join(nw) + old + parts.slice(count + 1).join(old);
  }

  it('Kida replace (filter and method), with and without a count (fixed seed)', () => {
    const t = env.fromString('{{ s | replace(o, w, c) }}|{{ s.replace(o, w, c) }}|{{ s.replace(o, w) }}');
    fc.assert(
      fc.property(long, fc.constantFrom('', 'a', 'ab', '<', '\n', 'x'), fc.constantFrom('', 'Z', '$&', '<<'), fc.integer({ min: -1, max: 5000 }), (s, o, w, c) => {
        const e = (v: string) => v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
        expect(t.render({ s, o, w, c })).toBe(`${e(pyReplace(s, o, w, c))}|${e(pyReplace(s, o, w, c))}|${e(pyReplace(s, o, w, -1))}`);
      }),
      { numRuns: 150, seed: 19 },
    );
  });

  it('Nunjucks replace (count and no count), nl2br and escape (fixed seed)', () => {
    const t = njk.fromString('{{ s | replace(o, w, c) | safe }}|{{ s | replace(o, w) | safe }}|{{ s | nl2br | safe }}|{{ s | escape | safe }}');
    // (Nunjucks 3.2.4's loop, as it is written there)
    function njkReplace(str: string, old: string, nw: string, max: number): string {
      if (old === '') return nw + str.split('').join(nw) + nw;
      let res = '', pos = 0, count = 0;
      let next = str.indexOf(old);
      if (max === 0 || next === -1) return str;
      while (next > -1 && (max === -1 || count < max)) {
        res += str.substring(pos, next) + nw;
        pos = next + old.length;
        count++;
        next = str.indexOf(old, pos);
      }
      if (pos < str.length) res += str.substring(pos);
      return res;
    }
    const esc = (v: string) => v.replace(/[&"'<>\\]/g, (c) => ({ '&': '&amp;', '"': '&quot;', "'": '&#39;', '<': '&lt;', '>': '&gt;', '\\': '&#92;' })[c]!);
    fc.assert(
      fc.property(long, fc.constantFrom('', 'a', 'ab', '<', '\n'), fc.constantFrom('', 'Z', '<<'), fc.integer({ min: -1, max: 5000 }), (s, o, w, c) => {
        expect(t.render({ s, o, w, c })).toBe(`${njkReplace(s, o, w, c)}|${njkReplace(s, o, w, -1)}|${s.replace(/\r\n|\n/g, '<br />\n')}|${esc(s)}`);
      }),
      { numRuns: 150, seed: 19 },
    );
  });

  it('escape and tojson past 4,096 entities equal the one-pass replace (fixed seed)', () => {
    const t = env.fromString('{{ s }}|{{ s | tojson }}');
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('<', '&', 'a', '"', "'", 'é'), minLength: 4000, maxLength: 20000 }), (s) => {
        const e = s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
        const [a, b] = t.render({ s }).split('|');
        expect(a).toBe(e);
        // (tojson's \u003c-style escapes are JSON's own: the text parses back to the data)
        expect(b).not.toMatch(/[<&']/);
        expect(JSON.parse(b!)).toBe(s);
      }),
      { numRuns: 30, seed: 19 },
    );
  });
});

describe('§4 interleaved sandboxed renders each charge their own budget', () => {
  const sandboxed = (templates: Record<string, string>, policy: object) => new Environment({ loader: new DictLoader(templates), sandbox: policy });
  /** How a render ended: its text, or its error's code and first line. */
  const ending = (p: Promise<string>) => p.then((t) => `ok ${t}`, (e: Error & { code?: string }) => `${e.code} ${e.message.split('\n')[0]}`);
  const tick = () => new Promise((r) => setTimeout(r, 0));
  // (1,000 iterations of budget an `in` over 128,000 numbers: opCost's count, a KB of reading each 128 items)
  const l = Array.from({ length: 128_000 }, (_, i) => i + 10);

  it('a render resumed after another rendered during its await is still refused at its limit', async () => {
    const env = sandboxed({ 'a.html': '{% for i in range(n) %}{{ await f(i) }}{{ 7 in l }}{% end %}', 'b.html': '{% for i in range(3) %}.{% end %}' }, { maxLoopIterations: 2000, maxRenderTime: null });
    const [a, b] = [env.getTemplate('a.html'), env.getTemplate('b.html')];
    const alone = await ending(a.renderAsync({ n: 10, l, f: async () => 1 }));
    expect(alone).toMatch(/^K-SEC-003 Loop iterations/);
    // (before: each `in` was charged to the finished render of b.html, and a rendered: "ok 1111111111")
    const other = await ending(a.renderAsync({ n: 10, l, f: () => tick().then(() => (b.render({}), 1)) }));
    expect(other).toBe(alone);
  });

  it("a render is not refused for another render's operators", async () => {
    // (b waits while a runs its `in`s: before, a's were charged to b whenever b had ticked last)
    // (alone: a 2 × 1,200 + 2, b 5 × 301 iterations, each under 2,500; a's charged to b passed it)
    const env = sandboxed({ 'a.html': '{% for i in range(n) %}{{ await f(i) }}{{ 7 in l }}{% end %}', 'b.html': '{% for i in range(n) %}{{ await f(i) }}{% for j in range(300) %}{% end %}{% end %}' }, { maxLoopIterations: 2500, maxRenderTime: null });
    const [a, b] = [env.getTemplate('a.html'), env.getTemplate('b.html')];
    const f = () => tick().then(() => 1);
    const l2 = l.concat(l.slice(0, 25_600)); // (153,600 numbers: 1,200 iterations an `in`)
    const both = await Promise.all([ending(a.renderAsync({ n: 2, l: l2, f })), ending(b.renderAsync({ n: 5, f }))]);
    expect(both).toEqual([await ending(a.renderAsync({ n: 2, l: l2, f })), await ending(b.renderAsync({ n: 5, f }))]);
    expect(both).toEqual(['ok 1False1False', 'ok 11111']);
  });

  it('streams read alternately: each ends as it does read alone (sync and async)', async () => {
    // (a's operators come after its loop, in the step that resumes after its last chunk: b ticked last)
    const env = sandboxed({ 'a.html': '{% for i in g %}{{ i }}{% end %}{{ 7 in l }}{{ 7 in l }}{{ 7 in l }}', 'b.html': '{% for i in g %}{{ i }}{% end %}' }, { maxLoopIterations: 2500, maxRenderTime: null });
    const [a, b] = [env.getTemplate('a.html'), env.getTemplate('b.html')];
    // (a generator source makes the loop lazy: a chunk leaves at every item, so the reads interleave)
    const data = (n: number) => ({ l, g: (function* () { for (let i = 0; i < n; i++) yield i; })() });
    const readAlone = async (it: AsyncIterable<string> | Iterable<string>) => {
      let s = '';
      try {
        for await (const c of it) s += c;
        return `ok ${s}`;
      } catch (e) {
        return `${(e as { code: string }).code}`;
      }
    };
    for (const way of ['renderStream', 'renderStreamAsync'] as const) {
      const alone = [await readAlone(a[way](data(4))), await readAlone(b[way](data(4)))];
      expect(alone[0]).toBe('K-SEC-003');
      // (round robin: one chunk of each in turn)
      const its = [a[way](data(4)), b[way](data(4))].map((s) => (Symbol.asyncIterator in s ? (s as AsyncIterable<string>)[Symbol.asyncIterator]() : (s as Iterable<string>)[Symbol.iterator]()));
      const got = ['', ''];
      const end: (string | null)[] = [null, null];
      while (end.includes(null))
        for (const k of [0, 1])
          if (end[k] === null)
            try {
              const r = await its[k]!.next();
              if (r.done) end[k] = `ok ${got[k]}`;
              else got[k] += r.value;
            } catch (e) {
              end[k] = (e as { code: string }).code;
            }
      expect(end).toEqual(alone);
    }
  });

  it('property: N concurrent renders with random awaits each end as they do alone (fixed seed)', async () => {
    const env = sandboxed(
      {
        'ops.html': '{% for i in range(n) %}{{ await w(i) }}{{ 7 in l }}{% end %}',
        'loops.html': '{% for i in range(n) %}{{ await w(i) }}{% for j in range(300) %}{% end %}{% end %}',
        'mix.html': '{% for i in range(n) %}{% if i is even %}{{ 7 in l }}{% else %}{{ await w(i) }}{% end %}{% end %}',
      },
      { maxLoopIterations: 3000, maxRenderTime: null },
    );
    const render = fc.record({ name: fc.constantFrom('ops.html', 'loops.html', 'mix.html'), n: fc.integer({ min: 0, max: 6 }), delays: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 6, maxLength: 6 }), stream: fc.boolean() });
    const run = (r: { name: string; n: number; delays: number[]; stream: boolean }) => {
      const data = { n: r.n, l, w: (i: number) => new Promise((ok) => (r.delays[i]! ? setTimeout(() => ok(i), r.delays[i]) : queueMicrotask(() => ok(i)))) };
      const t = env.getTemplate(r.name);
      if (!r.stream) return ending(t.renderAsync(data));
      return ending((async () => { let s = ''; for await (const c of t.renderStreamAsync(data)) s += c; return s; })());
    };
    await fc.assert(
      fc.asyncProperty(fc.array(render, { minLength: 2, maxLength: 5 }), async (rs) => {
        const alone: string[] = [];
        for (const r of rs) alone.push(await run(r));
        expect(await Promise.all(rs.map(run))).toEqual(alone);
      }),
      { numRuns: 60, seed: 19 },
    );
  }, 60_000);
});

describe('dictsort (trusted): outputs as before, at a cost near a plain sort', () => {
  const env = new Environment({ loader: new DictLoader({}) });

  it('sorts as the generic comparison did, keys and values, any case, reversed (fixed seed)', () => {
    const t = env.fromString('{% for k, v in d | dictsort(cs, by, rev) %}{{ k }}={{ v }};{% end %}');
    expect(env.fromString('{{ d | dictsort }}').render({ d: { b: 1, A: 'x' } })).toBe('[(&#39;A&#39;, &#39;x&#39;), (&#39;b&#39;, 1)]');
    // (Python's sorted(d.items(), key=...) as the filter's reference: stable, strings lowered unless case_sensitive)
    const key = fc.constantFrom('a', 'B', 'b', 'A', 'aa', 'é', 'Z', '10', '9', '_', '__proto__', 'constructor');
    fc.assert(
      fc.property(fc.dictionary(key, fc.oneof(fc.constantFrom('x', 'X', 'y'), fc.integer({ min: -3, max: 3 }))), fc.boolean(), fc.constantFrom('key', 'value'), fc.boolean(), (d, cs, by, rev) => {
        const items = Object.entries(d);
        const values = items.map(([, v]) => v);
        if (by === 'value' && values.some((v) => typeof v === 'number') && values.some((v) => typeof v === 'string')) return; // (Python refuses to order str with int)
        const k = (it: [string, unknown]) => {
          const x = it[by === 'key' ? 0 : 1];
          return !cs && typeof x === 'string' ? x.toLowerCase() : x;
        };
        const order = items.map((it, i) => ({ it, i })).sort((p, q) => {
          const [a, b] = rev ? [k(q.it), k(p.it)] : [k(p.it), k(q.it)];
          return (a as string | number) < (b as string | number) ? -1 : (a as string | number) > (b as string | number) ? 1 : 0;
        });
        expect(t.render({ d, cs, by, rev })).toBe(order.map(({ it: [k, v] }) => `${k}=${v};`).join(''));
      }),
      { numRuns: 200, seed: 19 },
    );
  });

  it('10^5 keys cost within 2.2x of sorting the entries directly (was ~3x and more)', () => {
    const n = 100_000;
    const d: Record<string, number> = {};
    for (let i = 0; i < n; i++) d[`k${(i * 7919) % n}`] = i;
    const t = env.fromString('{{ d | dictsort | length }}');
    const cpu = () => {
      const u = process.cpuUsage();
      return u.user + u.system;
    };
    const floor: number[] = [], ours: number[] = [];
    for (let r = 0; r < 5; r++) {
      let t0 = cpu();
      Object.entries(d).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
      floor.push(cpu() - t0);
      t0 = cpu();
      expect(t.render({ d })).toBe(String(n));
      ours.push(cpu() - t0);
    }
    // (best of five each: the machine is shared, the best is the least disturbed)
    expect(Math.min(...ours) / Math.min(...floor)).toBeLessThan(2.2);
  });
});

describe('§1 a page longer than V8\'s longest string', () => {
  it('is a TemplateRuntimeError naming the template in every buffered entry point, sync and async pages', () => {
    // (before: renderAsync and renderBlockAsync rejected with a bare RangeError from the join)
    const out = runStrict(
      `import { Environment, DictLoader } from ${distUrl('dist/compiler/environment.js')};
const env = new Environment({ loader: new DictLoader({
  'p.html': '<p>\\n{% block b %}\\n{% for i in range(n) %}{{ x }}{% end %}\\n{% end %}',
  'a.html': '<p>\\n{% block b %}\\n{% for i in range(n) %}{{ await x }}{% end %}\\n{% end %}',
}) });
const data = { x: 'a'.repeat(2 ** 20), n: 600 };
for (const [name, ways] of [['p.html', ['render', 'renderAsync', 'renderBlock', 'renderBlockAsync']], ['a.html', ['renderAsync', 'renderBlockAsync']]]) {
  const t = env.getTemplate(name);
  for (const way of ways)
    try { await (way.startsWith('renderBlock') ? t[way]('b', data) : t[way](data)); console.log(way, 'rendered'); }
    catch (e) { console.log(name, way, e.name, e.code, e.templateName); }
}`,
      120_000,
      ['--max-old-space-size=3072'],
    );
    expect(out.trim().split('\n')).toEqual([
      'p.html render TemplateRuntimeError K-RUN-007 p.html',
      'p.html renderAsync TemplateRuntimeError K-RUN-007 p.html',
      'p.html renderBlock TemplateRuntimeError K-RUN-007 p.html',
      'p.html renderBlockAsync TemplateRuntimeError K-RUN-007 p.html',
      'a.html renderAsync TemplateRuntimeError K-RUN-007 a.html',
      'a.html renderBlockAsync TemplateRuntimeError K-RUN-007 a.html',
    ]);
  }, 130_000);
});
