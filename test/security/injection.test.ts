// Server-side template injection payloads for JavaScript engines: each must end in a
// SecurityError (or inert output) and never reach the global object or mutate a prototype.
import { afterEach, describe, expect, it } from 'vitest';
import { makeEnv } from '../support.js';

function attempt(source: string, ctx: Record<string, unknown> = {}): { out?: string; error?: Error } {
  try {
    return { out: makeEnv().fromString(source).render(ctx) };
  } catch (e) {
    return { error: e as Error };
  }
}

const blocked: [string, string, Record<string, unknown>?][] = [
  ['constructor of a string', '{{ "".constructor }}'],
  ['Function through a constructor chain', '{{ "".constructor.constructor("return process")() }}'],
  ['__proto__ read', '{{ x.__proto__ }}', { x: {} }],
  ['prototype of a function', '{{ f.prototype }}', { f: function named() {} }],
  ['call/apply/bind on a function', '{{ f.call(none) }}', { f: () => 1 }],
  ['apply', '{{ f.apply }}', { f: () => 1 }],
  ['bind', '{{ f.bind }}', { f: () => 1 }],
  ['constructor through a subscript', '{{ x["constructor"] }}', { x: {} }],
  ['__defineGetter__', '{{ x.__defineGetter__ }}', { x: {} }],
  ['loop object constructor', '{% for i in [1] %}{{ loop.constructor }}{% end %}'],
  ['def constructor', '{% def f() %}{% end %}{{ f.constructor }}'],
  ['range constructor', '{{ range.constructor }}'],
  ['filter result constructor', '{{ ([1] | list).constructor }}'],
];

const inert: [string, string, Record<string, unknown>?][] = [
  ['process is not a name', '{{ process is defined }}'],
  ['require is not a name', '{{ require is defined }}'],
  ['globalThis is not a name', '{{ globalThis is defined }}'],
  ['Object prototype methods are not attributes of data', '{{ x.toString is defined }}{{ x.hasOwnProperty is defined }}', { x: {} }],
  ['array methods are not attributes', '{{ xs.map is defined }}', { xs: [] }],
];

afterEach(() => {
  // nothing may leak onto Object.prototype
  expect(Object.prototype).not.toHaveProperty('polluted');
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
});

describe('no escape from the template', () => {
  for (const [name, source, ctx] of blocked)
    it(`blocks ${name}`, () => {
      const r = attempt(source, ctx);
      expect(r.error?.name, `rendered ${JSON.stringify(r.out)}`).toBe('SecurityError');
    });
  for (const [name, source, ctx] of inert)
    it(name, () => {
      const r = attempt(source, ctx);
      expect(r.error).toBeUndefined();
      expect(r.out).not.toMatch(/True/);
    });
});

describe('no prototype pollution', () => {
  it('through dict literals and set', () => {
    const r = attempt('{% set d = {"__proto__": {"polluted": 1}} %}{{ d.polluted is defined }}');
    expect(r.out ?? r.error?.name).toMatch(/False|SecurityError/);
  });
  it('through dict()', () => {
    attempt('{% set d = dict(__proto__={"polluted": 1}) %}{{ d }}');
  });
  it('through update and setdefault on data', () => {
    const data = { d: {} as Record<string, unknown> };
    attempt('{% set _ = d.update({"__proto__": {"polluted": 1}}) %}{% set _ = d.setdefault("__proto__", {"polluted": 2}) %}', data);
    expect(Object.getPrototypeOf(data.d)).toBe(Object.prototype);
  });
  it('through assignment targets', () => {
    const r = attempt('{% set __proto__ = 1 %}');
    expect(r.error?.name).toMatch(/SyntaxError|SecurityError/);
  });
  it('through comprehensions', () => {
    attempt('{{ [x for x in [{"__proto__": {"polluted": 1}}]] }}');
  });
});

describe('filter and test names cannot name Object.prototype members', () => {
  for (const src of ['{{ x | toString }}', '{{ x | constructor }}', '{{ x is constructor }}', '{{ x is hasOwnProperty }}'])
    it(src, () => {
      expect(() => makeEnv().fromString(src)).toThrow(/Unknown (filter|test)/);
    });
  it('methods of data are Python shims only', () => {
    const r = attempt('{{ x.valueOf is defined }}{{ "s".toString is defined }}', { x: {} });
    expect(r.out).toBe('FalseFalse');
  });
});
