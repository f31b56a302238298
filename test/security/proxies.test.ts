// Hostile data: proxies whose traps lie or hand back dangerous values, and objects with
// toString/valueOf tricks. Template code must still never reach constructors, the global
// object or a prototype, and a trap that throws must surface as a named template error.
import { describe, expect, it } from 'vitest';
import { makeEnv } from '../support.js';

function attempt(source: string, ctx: Record<string, unknown> = {}): { out?: string; error?: Error } {
  try {
    return { out: makeEnv().fromString(source).render(ctx) };
  } catch (e) {
    return { error: e as Error };
  }
}

/** A proxy that answers every property with `value`, claims to own every key and to be a plain object. */
function liar(value: unknown): object {
  return new Proxy(
    {},
    {
      get: () => value,
      has: () => true,
      getOwnPropertyDescriptor: () => ({ value, writable: true, enumerable: true, configurable: true }),
      ownKeys: () => ['constructor', '__proto__', 'prototype', 'name'],
      getPrototypeOf: () => Object.prototype,
    },
  );
}

describe('proxies in the data', () => {
  const blocked: [string, string, Record<string, unknown>][] = [
    ['a proxy that owns "constructor"', '{{ p.constructor }}', { p: liar('x') }],
    ['a proxy that owns "__proto__"', '{{ p.__proto__ }}', { p: liar('x') }],
    ['a proxy subscripted with "constructor"', '{{ p["constructor"] }}', { p: liar('x') }],
    ['a proxy handing back Function', '{{ p.name("return process")() }}', { p: liar(Function) }],
    ['a proxy handing back the global object', '{{ p.name.process }}', { p: liar(globalThis) }],
    ['a proxy handing back Object', '{{ p.name.assign }}', { p: liar(Object) }],
    ['a proxy handing back Object.prototype', '{{ p.name }}', { p: liar(Object.prototype) }],
    ['a getter handing back Function', '{{ o.x("return 1")() }}', { o: { get x() { return Function; } } }],
    ['a class getter handing back the global object', '{{ o.g.process }}', { o: new (class { get g() { return globalThis; } })() }],
    ['a proxy-wrapped function with call', '{{ f.call(none) }}', { f: new Proxy(() => 1, {}) }],
  ];
  for (const [name, source, ctx] of blocked)
    it(`blocks ${name}`, () => {
      const r = attempt(source, ctx);
      expect(r.error?.name, `rendered ${JSON.stringify(r.out)}`).toBe('SecurityError');
    });

  it('reads ordinary keys through a proxy', () => {
    expect(attempt('{{ p.name }}', { p: liar('<b>') }).out).toBe('&lt;b&gt;');
  });

  it('iterating a proxy over an array sees only its elements', () => {
    const xs = new Proxy([1, 2, 3], {});
    expect(attempt('{% for x in xs %}{{ x }}{% end %}|{{ xs | length }}', { xs }).out).toBe('123|3');
  });

  it('a trap that throws is an error naming the template and line', () => {
    const p = new Proxy({}, { get: () => { throw new Error('trap fired'); }, has: () => true, getOwnPropertyDescriptor: () => ({ value: 1, configurable: true, enumerable: true }) });
    const r = attempt('line one\n{{ p.name }}', { p });
    expect(r.error?.message).toMatch(/trap fired/);
    expect(r.error?.message).toMatch(/<template>:2/);
  });

  it('setting attributes of a proxy from a template is impossible', () => {
    const target: Record<string, unknown> = {};
    const p = new Proxy(target, {});
    const r = attempt('{% set p.x = 1 %}{{ p.x ?? "none" }}', { p });
    expect(r.error).toBeDefined();
    expect(target.x).toBeUndefined();
  });
});

describe('toString and valueOf tricks', () => {
  class Shouting {
    toString(): string {
      return '<script>alert(1)</script>';
    }
  }
  class Throwing {
    toString(): string {
      throw new Error('boom in toString');
    }
  }
  it('a toString returning markup is escaped', () => {
    expect(attempt('{{ o }}', { o: new Shouting() }).out).toBe('&lt;script&gt;alert(1)&lt;/script&gt;');
  });
  it('a plain object with a toString key renders as a dict, not by calling it', () => {
    expect(attempt('{{ o }}', { o: { toString: () => '<x>' } }).out).not.toContain('<x>');
  });
  it('a toString returning a Markup-looking object is still escaped', () => {
    const o = { toString: () => ({ __html__: () => '<x>' }) as unknown as string, __html__: undefined };
    const r = attempt('{{ o }}', { o });
    expect(r.out ?? '').not.toContain('<x>');
  });
  it('a throwing toString names the template and line', () => {
    const r = attempt('a\nb\n{{ o }}', { o: new Throwing() });
    expect(r.error?.message).toMatch(/boom in toString/);
    expect(r.error?.message).toMatch(/<template>:3/);
  });
  it('valueOf cannot turn arithmetic into code execution', () => {
    const o = { valueOf: () => 'constructor' };
    const r = attempt('{{ x[o] }}', { x: {}, o });
    expect(r.error).toBeDefined();
    expect(r.error?.name).not.toBe('TypeError');
  });
});
