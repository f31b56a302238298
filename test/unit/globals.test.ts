// Built-in globals (language.md §4.5): Python builtins with Python call semantics.
import { describe, expect, it } from 'vitest';
import { raisedType } from '../support.js';
import { builtinGlobals, getRenderMeta, htmxGlobalNames, withRenderMeta, PyIterator } from '../../runtime/globals.js';
import { Markup } from '../../runtime/markup.js';
import { Kwargs, PyFloat, Range, Tuple, UNDEF, pyStr, tuple, typeName } from '../../runtime/values.js';

const G = (name: string, ...args: unknown[]): any => (builtinGlobals[name] as (...a: unknown[]) => unknown)(...args);
const kw = (o: Record<string, unknown>) => new Kwargs(o);
const pyType = raisedType;

const NAMES = [
  'range', 'dict', 'list', 'set', 'tuple', 'len', 'str', 'int', 'float', 'bool', 'abs', 'min', 'max', 'sum', 'sorted',
  'reversed', 'enumerate', 'zip', 'map', 'filter', 'consume', '_', '_n', 'hx_request', 'hx_target', 'hx_trigger',
  'hx_boosted', 'csrf_token', 'csp_nonce',
];

describe('global registry', () => {
  it('has exactly the 29 reference names', () => {
    expect(Object.keys(builtinGlobals).sort()).toEqual([...NAMES].sort());
    expect(NAMES).toHaveLength(29);
    for (const n of ['round', 'any', 'all', 'isinstance', 'namespace', 'cycler', 'joiner', 'lipsum']) expect(builtinGlobals[n]).toBeUndefined();
  });
  it('every global is a function named after its Python name', () => {
    for (const n of NAMES) {
      expect(typeof builtinGlobals[n]).toBe('function');
      expect((builtinGlobals[n] as Function).name).toBe(n);
    }
    expect(htmxGlobalNames).toEqual(['hx_request', 'hx_target', 'hx_trigger', 'hx_boosted', 'csrf_token', 'csp_nonce']);
  });
});

describe('range', () => {
  it('builds Range objects', () => {
    expect(G('range', 3)).toEqual(new Range(0, 3, 1));
    expect([...G('range', 1, 10, 2)]).toEqual([1, 3, 5, 7, 9]);
    expect([...G('range', 5, 0, -2)]).toEqual([5, 3, 1]);
    expect(pyStr(G('range', 1, 4))).toBe('range(1, 4)');
    expect(G('range', true)).toEqual(new Range(0, 1, 1));
  });
  it('rejects bad arguments', () => {
    expect(pyType(() => G('range', 1.5))).toBe('TypeError');
    expect(pyType(() => G('range', '3'))).toBe('TypeError');
    expect(pyType(() => G('range', 1, 2, 0))).toBe('ValueError');
    expect(pyType(() => G('range'))).toBe('TypeError');
    expect(pyType(() => G('range', 1, 2, 3, 4))).toBe('TypeError');
    expect(pyType(() => G('range', 3, kw({ step: 1 })))).toBe('TypeError');
  });
});

describe('containers', () => {
  it('dict from keywords, mappings and pairs', () => {
    expect(G('dict', kw({ a: 1, b: 2 }))).toEqual({ a: 1, b: 2 });
    expect(G('dict')).toEqual({});
    expect(G('dict', { a: 1 }, kw({ b: 2 }))).toEqual({ a: 1, b: 2 });
    expect(G('dict', [['x', 1], tuple(['y', 2])])).toEqual({ x: 1, y: 2 });
    expect(G('dict', new Map([['k', 'v']]))).toEqual({ k: 'v' });
    const copy = { a: 1 };
    expect(G('dict', copy)).not.toBe(copy);
  });
  it('dict keeps non-string keys in a Map', () => {
    const m = G('dict', [[1, 'a'], [2, 'b']]);
    expect(m).toBeInstanceOf(Map);
    expect([...m]).toEqual([[1, 'a'], [2, 'b']]);
    expect([...G('dict', [[1, 'a'], [1.0, 'b'], [true, 'c']])]).toEqual([[1, 'c']]);
  });
  it('dict never touches prototypes', () => {
    const d = G('dict', [['__proto__', { polluted: true }]]);
    expect(Object.getPrototypeOf(d)).toBe(Object.prototype);
    expect(Object.keys(d)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
  it('dict argument errors', () => {
    expect(pyType(() => G('dict', [[1, 2, 3]]))).toBe('ValueError');
    expect(pyType(() => G('dict', [1]))).toBe('TypeError');
    expect(pyType(() => G('dict', [[[1], 2]]))).toBe('TypeError');
    expect(pyType(() => G('dict', {}, {}))).toBe('TypeError');
  });
  it('list / tuple / set copy any iterable', () => {
    const xs = [1, 2];
    expect(G('list', xs)).toEqual([1, 2]);
    expect(G('list', xs)).not.toBe(xs);
    expect(G('list')).toEqual([]);
    expect(G('list', 'ab')).toEqual(['a', 'b']);
    expect(G('list', { a: 1, b: 2 })).toEqual(['a', 'b']);
    expect(G('list', new Range(0, 3, 1))).toEqual([0, 1, 2]);
    expect(G('list', UNDEF)).toEqual([]);
    expect(pyType(() => G('list', null))).toBe('TypeError');
    expect(pyType(() => G('list', 5))).toBe('TypeError');
    const t = G('tuple', [1, 2]);
    expect(t).toBeInstanceOf(Tuple);
    expect(pyStr(t)).toBe('(1, 2)');
    expect(pyStr(G('tuple'))).toBe('()');
    expect([...G('set', [1, 2, 2, 1.0, true, 'a', 'a'])]).toEqual([1, 2, 'a']);
    expect(G('set').size).toBe(0);
    expect(pyType(() => G('set', [[1]]))).toBe('TypeError');
    expect([...G('set', [tuple([1, 2]), tuple([1, 2])])]).toHaveLength(1);
  });
  it('len', () => {
    expect(G('len', [1, 2, 3])).toBe(3);
    expect(G('len', 'héllo')).toBe(5);
    expect(G('len', { a: 1 })).toBe(1);
    expect(G('len', G('range', 1000000))).toBe(1000000);
    expect(pyType(() => G('len', 5))).toBe('TypeError');
    expect(pyType(() => G('len', G('map', builtinGlobals.str, [1])))).toBe('TypeError');
    expect(pyType(() => G('len'))).toBe('TypeError');
  });
});

describe('conversions', () => {
  it('str', () => {
    expect(G('str', 100)).toBe('100');
    expect(G('str', null)).toBe('None');
    expect(G('str', true)).toBe('True');
    expect(G('str', [1, 'a'])).toBe("[1, 'a']");
    expect(G('str', new PyFloat(2))).toBe('2.0');
    expect(G('str')).toBe('');
    const s = G('str', new Markup('<b>'));
    expect(s).toBe('<b>');
    expect(typeof s).toBe('string');
  });
  it('int', () => {
    expect(G('int', '42')).toBe(42);
    expect(G('int', ' -7 ')).toBe(-7);
    expect(G('int', 3.9)).toBe(3);
    expect(G('int', -3.9)).toBe(-3);
    expect(G('int', true)).toBe(1);
    expect(G('int')).toBe(0);
    expect(G('int', 'ff', 16)).toBe(255);
    expect(G('int', '0x1f', kw({ base: 16 }))).toBe(31);
    expect(pyType(() => G('int', 'notanumber'))).toBe('ValueError');
    expect(pyType(() => G('int', '3.5'))).toBe('ValueError');
    expect(pyType(() => G('int', null))).toBe('TypeError');
    expect(pyType(() => G('int', 5, 16))).toBe('TypeError');
  });
  it('float', () => {
    expect(G('float', '3.14')).toBe(3.14);
    expect(pyStr(G('float', 2))).toBe('2.0');
    expect(pyStr(G('float'))).toBe('0.0');
    expect(pyStr(G('float', 'inf'))).toBe('inf');
    expect(pyType(() => G('float', 'abc'))).toBe('ValueError');
  });
  it('bool uses Python truthiness', () => {
    expect(G('bool', [])).toBe(false);
    expect(G('bool', {})).toBe(false);
    expect(G('bool', '0')).toBe(true);
    expect(G('bool', 0)).toBe(false);
    expect(G('bool')).toBe(false);
    expect(G('bool', UNDEF)).toBe(false);
  });
  it('abs', () => {
    expect(G('abs', -42)).toBe(42);
    expect(G('abs', -2.5)).toBe(2.5);
    expect(G('abs', -5n)).toBe(5n);
    expect(G('abs', false)).toBe(0);
    expect(pyStr(G('abs', new PyFloat(-3)))).toBe('3.0');
    expect(pyType(() => G('abs', '1'))).toBe('TypeError');
  });
});

describe('aggregates', () => {
  it('min / max over an iterable or arguments', () => {
    expect(G('min', [3, 1, 8])).toBe(1);
    expect(G('max', [3, 1, 8])).toBe(8);
    expect(G('min', 3, 1, 2)).toBe(1);
    expect(G('max', 'apple', 'pear')).toBe('pear');
    expect(G('max', 'abc')).toBe('c');
    expect(G('max', [1, 3, 3.0])).toBe(3); // the first maximal element wins
    expect(G('min', [], kw({ default: 'none' }))).toBe('none');
    expect(G('max', ['aa', 'b', 'ccc'], kw({ key: builtinGlobals.len }))).toBe('ccc');
    expect(G('min', { b: 1, a: 2 })).toBe('a');
    expect(pyType(() => G('min', []))).toBe('ValueError');
    expect(pyType(() => G('max', [1, 'a']))).toBe('TypeError');
    expect(pyType(() => G('max', 5))).toBe('TypeError');
    expect(pyType(() => G('min'))).toBe('TypeError');
    expect(pyType(() => G('min', 1, 2, kw({ default: 0 })))).toBe('TypeError');
  });
  it('sum with Python semantics', () => {
    expect(G('sum', [10, 20, 30])).toBe(60);
    expect(G('sum', [])).toBe(0);
    expect(G('sum', [1, 2], 10)).toBe(13);
    expect(G('sum', [1, 2], kw({ start: 10 }))).toBe(13);
    expect(G('sum', [true, true, 1])).toBe(3);
    expect(pyStr(G('sum', [0.5, 0.5]))).toBe('1.0');
    expect(pyStr(G('sum', [0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1]))).toBe('1.0'); // compensated summation
    expect(G('sum', [0.1, 0.2])).toBe(0.30000000000000004);
    expect(G('sum', [1.5, 2])).toBe(3.5);
    expect(G('sum', [[1], [2]], [])).toEqual([1, 2]);
    expect(G('sum', [9007199254740993n, 1])).toBe(9007199254740994n);
    expect(pyType(() => G('sum', ['a', 'b']))).toBe('TypeError');
    expect(pyType(() => G('sum', ['a'], ''))).toBe('TypeError');
    expect(pyType(() => G('sum', [[1]]))).toBe('TypeError');
  });
  it('sorted', () => {
    expect(G('sorted', [3, 1, 2])).toEqual([1, 2, 3]);
    expect(G('sorted', [3, 1, 2], kw({ reverse: true }))).toEqual([3, 2, 1]);
    expect(G('sorted', 'cab')).toEqual(['a', 'b', 'c']);
    expect(G('sorted', { b: 1, a: 2 })).toEqual(['a', 'b']);
    const people = [{ n: 'b', a: 2 }, { n: 'a', a: 1 }, { n: 'c', a: 2 }];
    const byAge = (p: { a: number }) => p.a;
    expect(G('sorted', people, kw({ key: byAge })).map((p: { n: string }) => p.n)).toEqual(['a', 'b', 'c']);
    // stable for equal keys even when reversed
    expect(G('sorted', people, kw({ key: byAge, reverse: true })).map((p: { n: string }) => p.n)).toEqual(['b', 'c', 'a']);
    expect(G('sorted', [tuple([2, 'a']), tuple([1, 'b'])])).toEqual([tuple([1, 'b']), tuple([2, 'a'])]);
    const xs = [2, 1];
    G('sorted', xs);
    expect(xs).toEqual([2, 1]);
    expect(pyType(() => G('sorted', [1, 'a']))).toBe('TypeError');
    expect(pyType(() => G('sorted', [1], kw({ key: 'name' })))).toBe('TypeError');
    expect(pyType(() => G('sorted', null))).toBe('TypeError');
  });
});

describe('lazy iterators', () => {
  it('map / filter / zip / enumerate / reversed are lazy one-shot iterators', () => {
    const m = G('map', builtinGlobals.str, [1, 2]);
    expect(m).toBeInstanceOf(PyIterator);
    expect(typeName(m)).toBe('map');
    expect(pyStr(m)).toMatch(/^<map object at 0x[0-9a-f]+>$/);
    expect([...m]).toEqual(['1', '2']);
    expect([...m]).toEqual([]);
    let calls = 0;
    const lazy = G('map', (x: number) => (calls++, x * 2), [1, 2, 3]);
    expect(calls).toBe(0);
    expect(lazy.next().value).toBe(2);
    expect(calls).toBe(1);
  });
  it('map with several iterables stops at the shortest', () => {
    expect([...G('map', (a: number, b: number) => a + b, [1, 2, 3], [10, 20])]).toEqual([11, 22]);
    expect(pyType(() => G('map', builtinGlobals.str))).toBe('TypeError');
  });
  it('filter with a function or None', () => {
    expect([...G('filter', null, [0, 1, '', 'a', [], [1]])]).toEqual([1, 'a', [1]]);
    expect([...G('filter', (x: number) => x > 1, [1, 2, 3])]).toEqual([2, 3]);
    expect(pyStr(G('filter', null, []))).toMatch(/^<filter object/);
  });
  it('zip yields tuples', () => {
    const z = [...G('zip', [1, 2, 3], 'ab')];
    expect(z).toEqual([tuple([1, 'a']), tuple([2, 'b'])]);
    expect(z[0]).toBeInstanceOf(Tuple);
    expect([...G('zip')]).toEqual([]);
    expect(() => [...G('zip', [1, 2], [1], kw({ strict: true }))]).toThrow(/shorter/);
    expect(() => [...G('zip', [1], [1, 2], kw({ strict: true }))]).toThrow(/longer/);
    expect(pyType(() => G('zip', [1], null))).toBe('TypeError');
  });
  it('enumerate with start', () => {
    expect([...G('enumerate', ['a', 'b'])]).toEqual([tuple([0, 'a']), tuple([1, 'b'])]);
    expect([...G('enumerate', ['a', 'b'], 1)]).toEqual([tuple([1, 'a']), tuple([2, 'b'])]);
    expect([...G('enumerate', 'xy', kw({ start: 5 }))]).toEqual([tuple([5, 'x']), tuple([6, 'y'])]);
    expect(pyType(() => G('enumerate', [1], '1'))).toBe('TypeError');
  });
  it('reversed', () => {
    expect([...G('reversed', [1, 2, 3])]).toEqual([3, 2, 1]);
    expect([...G('reversed', 'abc')]).toEqual(['c', 'b', 'a']);
    expect([...G('reversed', new Range(0, 3, 1))]).toEqual([2, 1, 0]);
    expect([...G('reversed', { a: 1, b: 2 })]).toEqual(['b', 'a']);
    expect(pyStr(G('reversed', [1]))).toMatch(/^<list_reverseiterator object/);
    expect(pyType(() => G('reversed', new Set([1])))).toBe('TypeError');
    expect(pyType(() => G('reversed', null))).toBe('TypeError');
  });
  it('iterators compose with each other and with list()', () => {
    expect(G('list', G('map', builtinGlobals.str, G('range', 3)))).toEqual(['0', '1', '2']);
    expect(G('dict', G('zip', ['a', 'b'], [1, 2]))).toEqual({ a: 1, b: 2 });
    expect(G('sorted', G('reversed', [1, 3, 2]))).toEqual([1, 2, 3]);
    expect(G('sum', G('map', builtinGlobals.abs, [-1, -2]))).toBe(3);
  });
});

describe('gettext, consume and keyword checks', () => {
  it('_ and _n default to identity / n == 1', () => {
    expect(G('_', 'Hello')).toBe('Hello');
    expect(G('_n', 'item', 'items', 1)).toBe('item');
    expect(G('_n', 'item', 'items', 5)).toBe('items');
    expect(G('_n', 'item', 'items', 0)).toBe('items');
  });
  it('consume outside the compiler returns the default', () => {
    expect(G('consume', 'theme')).toBe(null);
    expect(G('consume', 'theme', 'dark')).toBe('dark');
    expect(G('consume', 'theme', kw({ default: 'x' }))).toBe('x');
  });
  it('reject unexpected keyword arguments', () => {
    expect(() => G('len', [1], kw({ x: 1 }))).toThrow(/len\(\) takes no keyword arguments/);
    expect(() => G('sorted', [1], kw({ rev: true }))).toThrow(/unexpected keyword argument 'rev'/);
  });
});

describe('HTMX and security globals', () => {
  it('default without render-context metadata', () => {
    expect(G('hx_request')).toBe(false);
    expect(G('hx_target')).toBe(null);
    expect(G('hx_trigger')).toBe(null);
    expect(G('hx_boosted')).toBe(false);
    expect(G('csrf_token')).toBeInstanceOf(Markup);
    expect(String(G('csrf_token'))).toBe('');
    expect(G('csp_nonce')).toBe('');
  });
  it('read metadata set by withRenderMeta', () => {
    const out = withRenderMeta({ hx_request: true, hx_target: 'list', csrf_token: 'a"b<', csp_nonce: 'n0nce' }, () => [
      G('hx_request'),
      G('hx_target'),
      String(G('csrf_token')),
      G('csp_nonce'),
      getRenderMeta('missing', 7),
    ]);
    expect(out).toEqual([true, 'list', '<input type="hidden" name="csrf_token" value="a&quot;b&lt;">', 'n0nce', 7]);
    expect(G('hx_request')).toBe(false);
    expect(withRenderMeta(new Map([['hx_boosted', true]]), () => G('hx_boosted'))).toBe(true);
  });
  it('take no arguments', () => {
    expect(pyType(() => G('hx_request', 1))).toBe('TypeError');
  });
});
