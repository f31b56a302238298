// Built-in tests (language.md §4.4): names, parameter lists and Python semantics.
import { describe, expect, it } from 'vitest';
import { raisedType } from '../support.js';
import { tests, pyRegex, pyIsLower, pyIsUpper } from '../../runtime/tests.js';
import { testParams } from '../../runtime/signatures.js';
import { Markup } from '../../runtime/markup.js';
import { PyFloat, Range, UNDEF, tuple } from '../../runtime/values.js';

const T = (name: string, v: unknown, ...args: unknown[]) => tests[name]!(v, ...args);
const pyType = raisedType;

const NAMES = [
  'defined', 'undefined', 'none', 'true', 'false', 'string', 'number', 'sequence', 'mapping', 'iterable', 'callable',
  'odd', 'even', 'divisibleby', 'eq', 'equalto', 'ne', 'lt', 'lessthan', 'le', 'gt', 'greaterthan', 'ge', 'sameas', 'in',
  'lower', 'upper', 'match', 'hx_request', 'hx_target', 'hx_boosted',
];

describe('test registry', () => {
  it('has exactly the 31 reference names, each with a parameter list', () => {
    expect(Object.keys(tests).sort()).toEqual([...NAMES].sort());
    expect(Object.keys(testParams).sort()).toEqual([...NAMES].sort());
    expect(NAMES).toHaveLength(31);
  });
  it('binds the Python parameter names', () => {
    expect(testParams.divisibleby).toEqual(['num']);
    expect(testParams.eq).toEqual(['other']);
    expect(testParams.in).toEqual(['seq']);
    expect(testParams.match).toEqual(['pattern']);
    expect(testParams.hx_target).toEqual(['target']);
    expect(testParams.odd).toEqual([]);
  });
  it('does not know Jinja-only names', () => {
    for (const n of ['boolean', 'integer', 'float', 'escaped', 'filter', 'test', '==', '<']) expect(tests[n]).toBeUndefined();
  });
});

describe('type tests', () => {
  it('defined / undefined / none', () => {
    expect(T('defined', 0)).toBe(true);
    expect(T('defined', '')).toBe(true);
    expect(T('defined', null)).toBe(false);
    expect(T('defined', undefined)).toBe(false);
    expect(T('defined', UNDEF)).toBe(false);
    expect(T('undefined', UNDEF)).toBe(true);
    expect(T('undefined', 1)).toBe(false);
    expect(T('none', null)).toBe(true);
    expect(T('none', undefined)).toBe(true);
    expect(T('none', 0)).toBe(false);
    expect(T('none', UNDEF)).toBe(false);
  });
  it('true / false are identity with the booleans', () => {
    expect(T('true', true)).toBe(true);
    expect(T('true', 1)).toBe(false);
    expect(T('false', false)).toBe(true);
    expect(T('false', 0)).toBe(false);
    expect(T('false', null)).toBe(false);
  });
  it('string includes Markup', () => {
    expect(T('string', 'hello')).toBe(true);
    expect(T('string', new Markup('<b>'))).toBe(true);
    expect(T('string', 42)).toBe(false);
  });
  it('number: int or float, not bool', () => {
    expect(T('number', 42)).toBe(true);
    expect(T('number', 3.14)).toBe(true);
    expect(T('number', 10n)).toBe(true);
    expect(T('number', new PyFloat(2))).toBe(true);
    expect(T('number', true)).toBe(false);
    expect(T('number', '42')).toBe(false);
  });
  it('sequence: list, tuple or str only', () => {
    expect(T('sequence', [1, 2])).toBe(true);
    expect(T('sequence', tuple([1, 2]))).toBe(true);
    expect(T('sequence', 'abc')).toBe(true);
    expect(T('sequence', new Range(0, 3, 1))).toBe(false);
    expect(T('sequence', { a: 1 })).toBe(false);
    expect(T('sequence', new Set([1]))).toBe(false);
  });
  it('mapping: dicts (plain objects and Maps) only', () => {
    expect(T('mapping', { a: 1 })).toBe(true);
    expect(T('mapping', Object.create(null))).toBe(true);
    expect(T('mapping', new Map())).toBe(true);
    expect(T('mapping', [1, 2])).toBe(false);
    expect(T('mapping', new (class Foo {})())).toBe(false);
    expect(T('mapping', null)).toBe(false);
  });
  it('iterable: whatever Python iter() accepts', () => {
    for (const v of [[1], 'abc', '', { a: 1 }, new Map(), new Set(), new Range(0, 2, 1), tuple([]), UNDEF, new Markup('x')]) {
      expect(T('iterable', v)).toBe(true);
    }
    function* gen() {
      yield 1;
    }
    expect(T('iterable', gen())).toBe(true);
    for (const v of [42, 1.5, true, null, undefined, new (class Foo {})()]) expect(T('iterable', v)).toBe(false);
  });
  it('callable', () => {
    expect(T('callable', () => 1)).toBe(true);
    expect(T('callable', class {})).toBe(true);
    expect(T('callable', 42)).toBe(false);
    expect(T('callable', 'upper')).toBe(false);
  });
});

describe('number tests', () => {
  it('odd / even use Python %', () => {
    expect(T('odd', 3)).toBe(true);
    expect(T('odd', 4)).toBe(false);
    expect(T('even', 4)).toBe(true);
    expect(T('odd', -3)).toBe(true);
    expect(T('even', 0)).toBe(true);
    expect(T('odd', new PyFloat(3))).toBe(true);
    expect(T('odd', 3.5)).toBe(false);
    expect(T('even', 3.5)).toBe(false);
    expect(T('odd', true)).toBe(true);
    expect(T('odd', 10n ** 20n + 1n)).toBe(true);
  });
  it('odd / even reject non-numbers like Python', () => {
    expect(pyType(() => T('odd', [1]))).toBe('TypeError');
    expect(pyType(() => T('even', 'abc'))).toBeDefined();
    expect(pyType(() => T('odd', null))).toBeDefined();
  });
  it('divisibleby', () => {
    expect(T('divisibleby', 9, 3)).toBe(true);
    expect(T('divisibleby', 10, 3)).toBe(false);
    expect(T('divisibleby', -9, 3)).toBe(true);
    expect(T('divisibleby', 7.5, 2.5)).toBe(true);
    expect(pyType(() => T('divisibleby', 9, 0))).toBe('ZeroDivisionError');
    expect(() => T('divisibleby', 9, null)).toThrow(/NoneType/);
  });
});

describe('comparison tests', () => {
  it('eq / equalto / ne use Python equality', () => {
    expect(T('eq', 1, 1.0)).toBe(true);
    expect(T('eq', 1, true)).toBe(true);
    expect(T('equalto', [1, 2], [1, 2])).toBe(true);
    expect(T('eq', tuple([1, 2]), [1, 2])).toBe(false);
    expect(T('eq', '1', 1)).toBe(false);
    expect(T('ne', '1', 1)).toBe(true);
    expect(T('ne', { a: 1 }, { a: 1 })).toBe(false);
    expect(T('eq', null, null)).toBe(true);
  });
  it('ordering tests and their aliases', () => {
    expect(T('lt', 1, 2)).toBe(true);
    expect(T('lessthan', 2, 1)).toBe(false);
    expect(T('le', 2, 2)).toBe(true);
    expect(T('gt', 'b', 'a')).toBe(true);
    expect(T('greaterthan', 1, 2)).toBe(false);
    expect(T('ge', [1, 2], [1, 1])).toBe(true);
    expect(pyType(() => T('lt', 1, 'a'))).toBe('TypeError');
    expect(() => T('gt', null, 1)).toThrow(/NoneType/);
  });
  it('sameas is identity', () => {
    const xs: unknown[] = [];
    expect(T('sameas', xs, xs)).toBe(true);
    expect(T('sameas', [], [])).toBe(false);
    expect(T('sameas', null, undefined)).toBe(true);
    expect(T('sameas', 1, 1)).toBe(true);
    expect(T('sameas', 1, true)).toBe(false);
    expect(T('sameas', false, false)).toBe(true);
  });
  it('in is membership', () => {
    expect(T('in', 2, [1, 2, 3])).toBe(true);
    expect(T('in', 'b', 'abc')).toBe(true);
    expect(T('in', 'a', { a: 1 })).toBe(true);
    expect(T('in', 'z', { a: 1 })).toBe(false);
    expect(T('in', 5, new Range(0, 10, 1))).toBe(true);
  });
});

describe('string tests', () => {
  it('lower / upper follow str.islower()/isupper()', () => {
    expect(T('lower', 'hello')).toBe(true);
    expect(T('lower', 'hello world 42')).toBe(true);
    expect(T('lower', 'Hello')).toBe(false);
    expect(T('lower', '123')).toBe(false);
    expect(T('lower', '')).toBe(false);
    expect(T('upper', 'HELLO!')).toBe(true);
    expect(T('upper', 'HeLLO')).toBe(false);
    expect(T('upper', '42')).toBe(false);
    expect(T('upper', null)).toBe(false);
    expect(T('upper', true)).toBe(false);
    expect(T('lower', new Markup('abc'))).toBe(true);
    expect(pyIsLower('straße')).toBe(true);
    expect(pyIsUpper('ÉTÉ')).toBe(true);
    expect(pyIsLower('ǅ')).toBe(false);
  });
  it('match is re.match: anchored at the start only', () => {
    expect(T('match', 'foo/_index.md', '.*_index.*')).toBe(true);
    expect(T('match', 'abc', 'b')).toBe(false);
    expect(T('match', 'abc', 'ab')).toBe(true);
    expect(T('match', 'abc', 'x|a')).toBe(true);
    expect(T('match', null, '.*')).toBe(false);
    expect(T('match', 42, '\\d+')).toBe(true);
    expect(T('match', 'ABC', '(?i)abc')).toBe(true);
    expect(T('match', 'ab', '(?P<x>a)(?P=x)?b')).toBe(true);
    expect(T('match', 'abc', 'abc\\Z')).toBe(true);
    expect(T('match', 'abcd', 'abc\\Z')).toBe(false);
    // repeated calls with a cached regex do not leak lastIndex
    expect(T('match', 'xyz', 'x')).toBe(true);
    expect(T('match', 'xyz', 'x')).toBe(true);
    expect(pyType(() => T('match', 'a', '('))).toBe('re.error');
  });
  it('pyRegex can produce an unanchored search regex', () => {
    expect(pyRegex('b', false).test('abc')).toBe(true);
  });
});

describe('HTMX tests', () => {
  class Req {
    constructor(readonly headers: unknown) {}
  }
  it('read headers of request objects', () => {
    expect(T('hx_request', new Req({ 'HX-Request': 'true' }))).toBe(true);
    expect(T('hx_request', new Req({ 'HX-Request': 'TRUE' }))).toBe(true);
    expect(T('hx_request', new Req({ 'hx-request': 'true' }))).toBe(true);
    expect(T('hx_request', new Req({}))).toBe(false);
    expect(T('hx_boosted', new Req(new Map([['HX-Boosted', 'true']])))).toBe(true);
    expect(T('hx_target', new Req({ 'HX-Target': 'main' }), 'main')).toBe(true);
    expect(T('hx_target', new Req({ 'HX-Target': 'main' }), 'side')).toBe(false);
    const headers = { get: (k: string) => (k === 'HX-Request' ? 'true' : null) };
    expect(T('hx_request', new Req(headers))).toBe(true);
    expect(T('hx_boosted', new Req(headers))).toBe(false);
  });
  it('fall back to truthiness / string equality', () => {
    expect(T('hx_request', true)).toBe(true);
    expect(T('hx_request', 0)).toBe(false);
    expect(T('hx_boosted', '')).toBe(false);
    expect(T('hx_target', 'main', 'main')).toBe(true);
    expect(T('hx_target', 42, '42')).toBe(true);
    // a dict has no `headers` attribute in Python: truthiness of the dict
    expect(T('hx_request', { headers: { 'HX-Request': 'false' } })).toBe(true);
  });
});
