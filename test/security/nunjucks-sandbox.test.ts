// Issue #19 §4-§6 for `compat: 'nunjucks'` + `sandbox: true` (runtime/nunjucks/sandbox.ts): the
// policy holds on Nunjucks' access paths (member lookup, JavaScript methods, the attribute
// arguments of its filters, dump), limits bound what its filters and methods build and walk,
// and no path reaches a prototype. Every case runs through every entry point (nunjucks-support.ts).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as nunjucks from '../../adapters/nunjucks.js';
import { everyWay, njkEnv, refused, renders } from './nunjucks-support.js';

const people = () => ({ people: [{ name: 'b', _secret: 's1', age: 2 }, { name: 'a', _secret: 's2', age: 1 }] });

describe('the sandbox applies in Nunjucks mode, with Nunjucks semantics', () => {
  it('Nunjucks values and JavaScript methods still work', async () => {
    await renders('{{ "a,b".split(",").concat(["c"]).join("-") }}|{{ s.toUpperCase() }}|{{ "x".padStart(3, ".") }}', 'a-b-c|HI|..x', () => ({ s: 'hi' }));
    await renders('{{ people | sort(false, false, "name") | join(",", "name") }}|{{ missing.deep }}|{{ people.length }}', 'a,b||2', people);
    await renders('{% for p in people %}{{ loop.index }}{{ p.name }}{% endfor %}|{{ range(3) }}', '1b2a|0,1,2', people);
  });
  it('`_` names are refused through every access path', async () => {
    for (const src of [
      '{{ people[0]._secret }}', '{{ people[0]["_secret"] }}', '{{ people | join(",", "_secret") }}',
      '{{ people | sort(false, false, "_secret") }}', '{{ people | selectattr("_secret") | length }}',
      '{{ people | rejectattr("_secret") | length }}', '{{ people | groupby("_secret") | dump }}',
      '{{ people | groupby("name._x") | dump }}', '{{ people | sum("_secret") }}', '{{ people[0].hasOwnProperty("_secret") }}', '{{ m.get("_k") }}', '{{ m.has("_k") }}', '{% set g = m.get %}{{ g("_k") }}',
      '{% import "lib.njk" as lib %}{{ lib._hidden() }}', '{% from "lib.njk" import _hidden %}{{ _hidden() }}',
    ])
      await refused(src, 'K-SEC-001', () => ({ ...people(), m: new Map([['_k', 1]]) }), true, { 'lib.njk': '{% macro _hidden() %}h{% endmacro %}' });
  });
  it('blockedAttributes and the allow-list hold on member access and filter arguments', async () => {
    const policy = { blockedAttributes: ['age'] };
    await refused('{{ people[0].age }}', 'K-SEC-001', people, policy);
    await refused('{{ people[0]["age"] }}', 'K-SEC-001', people, policy);
    await refused('{{ people | sum("age") }}', 'K-SEC-001', people, policy);
    await refused('{{ people | sort(false, false, "age") | length }}', 'K-SEC-001', people, policy);
    const allow = { allowedAttributes: ['name'] };
    await renders('{{ people[0].name }}{{ people[1]["age"] }}{{ "a-b".split("-").join("") }}{{ people.length }}', 'b1ab2', people, allow);
    await refused('{{ people[0].age }}', 'K-SEC-001', people, allow);
    await refused('{{ people | join(",", "age") }}', 'K-SEC-001', people, allow);
    await refused('{{ when.getTime() }}', 'K-SEC-001', () => ({ when: new Date(0) }), allow);
  });
  it('dump leaves out what the policy hides', async () => {
    await renders('{{ people[0] | dump | safe }}', '{"name":"b","age":2}', people);
    await renders('{{ people[0] | dump | safe }}', '{"name":"b"}', people, { blockedAttributes: ['age'] });
    await renders('{{ {a: {_x: 1, y: 2} } | dump }}', '{&quot;a&quot;:{&quot;y&quot;:2}}');
  });
});

describe('kida/nunjucks configure({ sandbox })', () => {
  it('module-level renderString and render callbacks are sandboxed', async () => {
    nunjucks.configure({ sandbox: { maxRange: 5 } });
    try {
      expect(() => nunjucks.renderString('{{ x._s }}', { x: { _s: 1 } })).toThrow(/blocked by sandbox policy/);
      expect(() => nunjucks.renderString('{{ range(6) }}', {})).toThrow(/exceeds sandbox limit of 5/);
      const err = await new Promise<Error | null>((ok) => nunjucks.renderString('{{ a.push(1) }}', { a: [] }, (e) => ok(e)));
      expect(err?.name).toBe('SecurityError');
      expect(nunjucks.renderString('{{ range(5) }}|{{ "ab".split("").join("-") }}', {})).toBe('0,1,2,3,4|a-b');
    } finally {
      nunjucks.reset();
    }
  });
});

describe('allowMutatingMethods: false — host data cannot be changed by any method', () => {
  const data = () => ({ a: [3, 1, 2], m: new Map([['k', 1]]), s: new Set([1]), d: new Date(0), t: new Uint8Array(2) });
  for (const src of [
    '{{ a.push(4) }}', '{{ a.pop() }}', '{{ a.shift() }}', '{{ a.unshift(0) }}', '{{ a.splice(0, 1) }}', '{{ a.sort() }}',
    '{{ a.reverse() }}', '{{ a.fill(0) }}', '{{ a.copyWithin(0, 1) }}', '{{ m.set("k", 2) }}', '{{ m.delete("k") }}',
    '{{ m.clear() }}', '{{ s.add(2) }}', '{{ s.delete(1) }}', '{{ d.setFullYear(1999) }}', '{{ t.set([1]) }}',
    '{% set f = a.push %}{{ f(4) }}', '{% set f = d.setTime %}{{ f(5) }}',
  ])
    it(src, async () => {
      const ctx = data();
      await refused(src, 'K-SEC-001', () => ctx);
      expect(ctx.a).toEqual([3, 1, 2]);
      expect([...ctx.m]).toEqual([['k', 1]]);
      expect(ctx.d.getTime()).toBe(0);
    });
  it('the non-mutating forms and Nunjucks filters still work; allowMutatingMethods: true allows them', async () => {
    await renders('{{ a | sort | join }}{{ a.slice().length }}{{ a.toSorted() }}|{{ a }}', '12331,2,3|3,1,2', () => data());
    await renders('{{ a.push(4) }}{{ a }}', '43,1,2,4', () => data(), { allowMutatingMethods: true });
  });
});

describe('allowCalling covers calls that filters and methods make', () => {
  const ctx = () => ({ xs: [1, 2], f: (x: number) => x * 2 });
  it('a function handed to a method or filter is a call', async () => {
    await refused('{{ xs.map(f) }}', 'K-SEC-004', ctx, { allowCalling: [] });
    await refused('{{ xs | groupby(f) | dump }}', 'K-SEC-004', ctx, { allowCalling: [] });
    await refused('{{ f(1) }}', 'K-SEC-004', ctx, { allowCalling: [] });
    await renders('{{ xs.map(f) }}', '2,4', ctx, { allowCalling: ['function'] });
  });
});

describe('no reach into prototypes or globals', () => {
  for (const src of [
    '{{ x.constructor }}', '{{ x["constructor"] }}', '{{ "".constructor.constructor("return 1")() }}', '{{ x.__proto__ }}',
    '{{ x["__proto__"] }}', '{{ f.call }}', '{{ f.bind }}', '{{ f.apply }}', '{{ [].map.call }}', '{{ x.__lookupGetter__ }}',
    '{{ xs | join(",", "constructor") }}', '{{ xs | sort(false, false, "__proto__") }}', '{{ xs | groupby("constructor.name") | dump }}',
    '{{ f.prototype }}', '{{ (1).constructor }}',
  ])
    it(src, async () => {
      const all = await everyWay(src, () => ({ x: {}, xs: [{}], f() {} }));
      for (const [way, r] of Object.entries(all)) {
        expect(r, `${way}: ${src}`).toBeInstanceOf(Error);
        expect((r as Error).name, `${way}: ${src}`).toBe('SecurityError');
      }
    });
  it('outside the sandbox too: filters given attribute names never read constructor or __proto__', () => {
    const env = njkEnv();
    for (const src of ['{{ xs | join(",", "constructor") }}', '{{ xs | sum("__proto__") }}', '{{ xs | groupby("constructor") | dump }}', '{{ xs | selectattr("constructor") | length }}'])
      expect(() => env.fromString(src).render({ xs: [{}] }), src).toThrow(/not allowed/);
  });
  it('groupby refuses a group key naming an Object.prototype member, with Nunjucks\' TypeError, and never touches the member', () => {
    for (const k of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', '__defineSetter__'])
      expect(() => njkEnv().fromString('{% set g = xs | groupby("k") %}{{ g | dump | safe }}').render({ xs: [{ k: 'a' }, { k }] }), k).toThrow(
        /\.push is not a function/,
      );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(njkEnv().fromString('{{ xs | groupby("k") | dump | safe }}').render({ xs: [{ k: 'a' }, { k: 'proto' }] })).toBe('{"a":[{"k":"a"}],"proto":[{"k":"proto"}]}');
  });
  it('property: object literal keys and dumps never set a prototype', () => {
    const env = njkEnv();
    fc.assert(
      fc.property(fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'a'), fc.string(), (k, v) => {
        const out = env.fromString(`{% set o = { "${k}": v } %}{{ o | dump | safe }}|{{ o.polluted }}`).render({ v });
        expect(out).toBe(`${JSON.stringify({ [k]: v }).replace(/[<>&']/g, (c) => `\\u00${c.charCodeAt(0).toString(16)}`)}|`);
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      }),
      { numRuns: 60 },
    );
  });
});

describe('property: no chain of lookups, calls and filters reads a hidden name or a prototype', () => {
  it('random access paths over data holding secrets', () => {
    const env = njkEnv({ sandbox: { blockedAttributes: ['blocked'] } });
    const names = ['_secret', 'constructor', '__proto__', 'prototype', 'toString', 'valueOf', 'call', 'apply', 'bind', 'get', 'map', 'concat',
      'join', 'split', 'entries', 'next', 'value', 'length', 'name', 'inner', '0', 'at', 'find', 'hasOwnProperty', 'blocked', '__lookupGetter__'];
    const step = fc.oneof(
      fc.constantFrom(...names).map((n) => (/^\d/.test(n) ? `[${n}]` : `.${n}`)),
      fc.constantFrom(...names).map((n) => `["${n}"]`),
      fc.constantFrom(...names).map((n) => `.${n}()`),
      fc.tuple(fc.constantFrom(...names), fc.constantFrom(...names)).map(([n, a]) => `.${n}("${a}")`),
      fc.constantFrom(...names).map((n) => `.map(f)`).map((x) => x),
      fc.constantFrom('| dump', '| first', '| join(",", "_secret")', '| sort(false, false, "inner._secret")', '| groupby("name") | dump', '| string', '| safe'),
    );
    const root = fc.constantFrom('x', 'xs', 'm', 'f', '"s"', '[x]', '{ k: x }');
    fc.assert(
      fc.property(root, fc.array(step, { maxLength: 5 }), (r, steps) => {
        const src = `{{ ${r}${steps.join('')} }}`;
        const secret = () => ({ _secret: 'SECRET1', blocked: 'SECRET2', name: 'n', inner: { _secret: 'SECRET3' } });
        const ctx = { x: secret(), xs: [secret()], m: new Map([['_secret', 'SECRET4']]), f: (v: unknown) => v };
        let out = '';
        try {
          out = env.fromString(src).render(ctx);
        } catch {
          return; // (refused, or a plain error: nothing was read)
        }
        expect(out, src).not.toMatch(/SECRET|native code|Object\]\s*\{/);
        expect(({} as Record<string, unknown>).polluted, src).toBeUndefined();
      }),
      { numRuns: 400 },
    );
  });
});

describe('allocation bounds: refused (K-SEC-003) before building', () => {
  for (const src of [
    '{{ "x".repeat(100000000) }}', '{{ "x".padStart(1000000000) }}', '{{ "x".padEnd(500000000, "ab") }}', '{{ "x" | indent(1000000000) }}',
    '{{ "a\nb" | indent(100000000) }}', '{{ "x" | center(1000000000) }}', '{{ [1] | batch(1000000000, "x") }}', '{{ [1] | slice(1000000000) }}',
    '{{ s | replace("", s) }}', '{{ s | replace("a", s) }}', '{{ s.replaceAll("a", "$`") }}',
    '{{ ("x".repeat(1000)).repeat(1000).repeat(2) }}', '{{ xs.join("x".repeat(10000)) }}', '{{ "x".repeat(600000).concat("x".repeat(600000)) }}',
  ])
    it(src, async () => {
      await refused(src, 'K-SEC-003', () => ({ s: 'a'.repeat(5000), xs: new Array(1000).fill(1) }));
    });
  it('range() within maxRange, checked before its array is built', async () => {
    await refused('{{ range(1000000000) | length }}', 'K-SEC-003');
    await refused('{{ range(0, Infinity) | length }}', 'K-SEC-003', () => ({ Infinity }));
    await renders('{{ range(10000) | length }}', '10000');
  });
  it('outside the sandbox, the default ceilings still refuse what would exhaust memory', () => {
    const env = njkEnv();
    for (const src of ['{{ "x".repeat(1000000000) }}', '{{ range(1000000000000) | length }}', '{{ "x" | indent(1000000000) }}', '{{ [1] | slice(1000000000000) }}'])
      expect(() => env.fromString(src).render({}), src).toThrow(/exceeds the limit/);
  });
});

describe('maxLoopIterations and maxRenderTime count what filters and methods walk', () => {
  const big = () => ({ xs: Array.from({ length: 60_000 }, (_, i) => i) });
  it('iterating filters and methods over host data', async () => {
    for (const src of ['{{ xs | sort | length }}{{ xs | sort | length }}', '{{ xs | join | length }}{{ xs | sum }}', '{{ xs.indexOf(-1) }}{{ xs.indexOf(-1) }}', '{{ xs.map(f) | length }}{{ xs | reverse | length }}'])
      await refused(src, 'K-SEC-003', () => ({ ...big(), f: (x: number) => x }));
  });
  it('an iterator a method returns counts each item as it is read (before a for copies it)', async () => {
    await refused('{% for m in s.matchAll(r/./g) %}{% endfor %}', 'K-SEC-003', () => ({ s: 'x'.repeat(200_000) }));
    await renders('{% for m in "abc".matchAll(r/./g) %}{{ m[0] }}{% endfor %}|{% for e in ["x"].entries() %}{{ e }}{% endfor %}', 'abc|0,x');
  });
  it('a macro called by a method counts per call; loops, recursion and includes count', async () => {
    await refused('{% macro m(x) %}{{ x }}{% endmacro %}{% for i in range(9000) %}{{ range(20).map(m) | length }}{% endfor %}', 'K-SEC-003');
    await refused('{% for i in range(10000) %}{% for j in range(11) %}{% endfor %}{% endfor %}', 'K-SEC-003');
    await refused('{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}', 'K-SEC-003', () => ({}), { maxLoopIterations: 100 });
    await refused('{% include "self.njk" %}', 'K-SEC-003', () => ({}), { maxLoopIterations: 20 }, { 'self.njk': '{% include "self.njk" %}' });
  });
  it('maxRenderTime stops a slow render', async () => {
    const e = await refused('{% for i in range(10000) %}{{ s | replace("a", "b") | length }}{% endfor %}', 'K-SEC-003', () => ({ s: 'a'.repeat(50_000) }), {
      maxRenderTime: 50,
      maxLoopIterations: null,
    });
    expect(e.message).toMatch(/Render time|Loop iterations/);
  });
  it('maxOutputSize while building', async () => {
    await refused('{% for i in range(10000) %}{{ "x".repeat(1000) }}{% endfor %}', 'K-SEC-005', () => ({}), { maxLoopIterations: null });
  });
});

describe('regular expressions: only what runs in linear time, in the sandbox', () => {
  it('backtracking patterns are refused before they run; linear ones work', async () => {
    const s = () => ({ s: `${'a'.repeat(30)}!`, q: '(a+)+$' });
    for (const src of ['{{ s.match(q) }}', '{{ s.search(q) }}', '{{ s | replace(r/(a+)+$/, "") }}', '{{ s.replace(r/(a|a)*b/g, "") }}', '{{ r/^(a+)+$/.test(s) }}', '{{ s.split(r/a*a*b/) }}'])
      await refused(src, 'K-SEC-003', s);
    await renders('{{ "a  b".replace(r/\\s+/g, " ") }}|{{ "x,y".split(r/,\\s*/) }}|{{ "abc".search("c") }}|{{ r/b/.test("abc") }}', 'a b|x,y|2|true');
  });
});
