// The Python value model over JavaScript values (runtime/values.ts, decisions.md §1).
import { describe, expect, it } from 'vitest';
import { raisedType } from '../support.js';
import {
  PyFloat, Tuple, Range, Kwargs, UNDEF, tuple, isNone, isDict, isList, isString, isNumber, isFloat, isInt, num,
  pyStr, pyRepr, floatRepr, truthy, eq, lt, le, gt, ge, compare, add, sub, mul, div, floordiv, mod, pow, neg, pos,
  concat, coerceNum, contains, iter, toList, len, dictKeys, dictGet, dictHas, dictItems, getattr, getattrOpt, getitem,
  getitemOpt, getslice, assertSafeName, callValue, printf, toInt, toFloat, typeName,
} from '../../runtime/values.js';
import { pyMethod, strFormat, useAllMethods } from '../../runtime/methods.js';
import { Markup } from '../../runtime/markup.js';
import { NoneComparisonError, PyError, SecurityError, UndefinedError } from '../../runtime/errors.js';

const raises = raisedType;
// getattr finds Python methods once they are registered (compiled modules register the names they use)
useAllMethods();
const call = (obj: unknown, name: string, ...args: unknown[]) => {
  const m = pyMethod(obj, name);
  if (!m) throw new Error(`no method ${name}`);
  return m(...args);
};
const S = (v: unknown) => pyStr(v);

describe('predicates', () => {
  it('classifies values', () => {
    expect(isNone(null) && isNone(undefined) && !isNone(0)).toBe(true);
    expect(isDict({}) && isDict(Object.create(null)) && isDict(new Map())).toBe(true);
    expect(isDict([]) || isDict(new Date()) || isDict(new Markup('x')) || isDict(null)).toBe(false);
    expect(isList([1]) && isList(tuple([1]))).toBe(true);
    expect(isString('a') && isString(new Markup('a')) && !isString(1)).toBe(true);
    expect(isNumber(1) && isNumber(1n) && isNumber(new PyFloat(1)) && !isNumber(true)).toBe(true);
    expect(isFloat(1.5) && isFloat(new PyFloat(2)) && !isFloat(2)).toBe(true);
    expect(isInt(2) && isInt(2n) && !isInt(2.5)).toBe(true);
    expect([num(true), num(new PyFloat(3)), num(5n)]).toEqual([1, 3, 5]);
  });
  it('names Python types', () => {
    expect([null, true, 1, 1.5, new PyFloat(2), 'a', [], tuple([]), {}, new Map(), new Set(), new Range(0, 1, 1)].map(typeName)).toEqual(
      ['NoneType', 'bool', 'int', 'float', 'float', 'str', 'list', 'tuple', 'dict', 'dict', 'set', 'range'],
    );
    class User {}
    expect(typeName(new User())).toBe('User');
    expect(typeName(new Markup('x'))).toBe('Markup');
  });
});

describe('pyStr / pyRepr / floatRepr', () => {
  it('renders scalars like Python str()', () => {
    expect([S(null), S(undefined), S(true), S(false), S(42), S(-7), S(12345678901234567890n)]).toEqual(
      ['None', 'None', 'True', 'False', '42', '-7', '12345678901234567890'],
    );
    expect(S(UNDEF)).toBe('');
    expect(S(new Markup('<b>'))).toBe('<b>');
  });
  it('renders floats with Python repr', () => {
    expect(floatRepr(0.1)).toBe('0.1');
    expect(floatRepr(0.1 + 0.2)).toBe('0.30000000000000004');
    expect(floatRepr(1e-7)).toBe('1e-07');
    expect(floatRepr(1.5e-7)).toBe('1.5e-07');
    expect(floatRepr(0.0001)).toBe('0.0001');
    expect(floatRepr(0.00001)).toBe('1e-05');
    expect(floatRepr(1e16)).toBe('1e+16');
    expect(floatRepr(1e20)).toBe('1e+20');
    expect(floatRepr(123456789012345.6)).toBe('123456789012345.6');
    expect(floatRepr(2)).toBe('2.0');
    expect(floatRepr(-0)).toBe('-0.0');
    expect([floatRepr(Infinity), floatRepr(-Infinity), floatRepr(NaN)]).toEqual(['inf', '-inf', 'nan']);
    expect(S(2.5)).toBe('2.5');
    expect(S(new PyFloat(2))).toBe('2.0');
    expect(S(new PyFloat(1e16))).toBe('1e+16');
  });
  it('renders containers with Python repr', () => {
    expect(S([1, 'a', null, true, 2.5])).toBe("[1, 'a', None, True, 2.5]");
    expect(S(tuple([1]))).toBe('(1,)');
    expect(S(tuple([1, 2]))).toBe('(1, 2)');
    expect(S(tuple([]))).toBe('()');
    expect(S({ a: 1, b: 'x' })).toBe("{'a': 1, 'b': 'x'}");
    expect(S(new Map<unknown, unknown>([[1, 'a'], [tuple([1, 2]), null]]))).toBe("{1: 'a', (1, 2): None}");
    expect(S(new Set([1, 2]))).toBe('{1, 2}');
    expect(S(new Set())).toBe('set()');
    expect(S(new Range(0, 3, 1))).toBe('range(0, 3)');
    expect(S(new Range(0, 10, 2))).toBe('range(0, 10, 2)');
    expect(S([new PyFloat(1), [tuple(['x'])]])).toBe("[1.0, [('x',)]]");
    expect(S([new Markup('<b>')])).toBe("[Markup('<b>')]");
  });
  it('quotes strings like Python repr', () => {
    expect(pyRepr('a')).toBe("'a'");
    expect(pyRepr("it's")).toBe('"it\'s"');
    expect(pyRepr('say "hi"')).toBe('\'say "hi"\'');
    expect(pyRepr('both \' and "')).toBe("'both \\' and \"'");
    expect(pyRepr('a\nb\\')).toBe("'a\\nb\\\\'");
  });
  it('renders dates and class instances', () => {
    expect(S(new Date(Date.UTC(2024, 0, 2, 3, 4, 5)))).toBe('2024-01-02T03:04:05.000Z');
    class P {
      toString() {
        return 'P!';
      }
    }
    expect(S(new P())).toBe('P!');
  });
});

describe('truthiness', () => {
  it('follows Python', () => {
    for (const v of [null, undefined, false, 0, 0n, '', [], tuple([]), {}, new Map(), new Set(), new PyFloat(0), UNDEF, new Range(0, 0, 1), new Markup('')])
      expect(truthy(v), pyStr(v)).toBe(false);
    for (const v of [true, 1, -1, 0.5, NaN, 'a', '0', [0], { a: 0 }, new Set([0]), new PyFloat(1), new Range(0, 1, 1), new Markup('x'), new Date()])
      expect(truthy(v), String(v)).toBe(true);
  });
});

describe('equality and ordering', () => {
  it('is structural like Python ==', () => {
    expect(eq(1, 1) && eq(1, new PyFloat(1)) && eq(1, true) && eq(0, false) && eq(1n, 1) && eq(new PyFloat(2), 2n)).toBe(true);
    expect(eq('1', 1) || eq(1n, 1.5) || eq(null, 0) || eq(null, UNDEF) || eq(NaN, NaN)).toBe(false);
    expect(eq(null, undefined) && eq(UNDEF, UNDEF)).toBe(true);
    expect(eq([1, [2, 'a']], [1, [2, 'a']])).toBe(true);
    expect(eq(tuple([1, 2]), [1, 2])).toBe(false);
    expect(eq(tuple([1, 2]), tuple([1, 2]))).toBe(true);
    expect(eq({ a: 1, b: 2 }, { b: 2, a: 1 })).toBe(true);
    expect(eq({ a: 1 }, new Map([['a', 1]]))).toBe(true);
    expect(eq({ a: 1 }, { a: 2 })).toBe(false);
    expect(eq(new Set([1, 2]), new Set([2, 1]))).toBe(true);
    expect(eq(new Markup('a'), 'a')).toBe(true);
    expect(eq(new Date(5), new Date(5))).toBe(true);
  });
  it('orders like Python', () => {
    expect(lt(1, 2) && lt(true, 2) && lt(1, new PyFloat(1.5)) && le(2, 2) && gt(3n, 2) && ge(2.5, 2)).toBe(true);
    expect(lt('a', 'b') && lt('B', 'a') && lt('ab', 'abc')).toBe(true);
    expect(lt([1, 2], [1, 3]) && lt([1], [1, 0]) && lt(tuple([1, 'a']), tuple([1, 'b']))).toBe(true);
    expect(compare(2, 2)).toBe(0);
    expect(lt(new Markup('a'), 'b')).toBe(true);
  });
  it('raises across incomparable types', () => {
    expect(raises(() => lt('a', 1))).toBe('TypeError');
    expect(() => lt('a', 1)).toThrow("'<' not supported between instances of 'str' and 'int'");
    expect(() => ge([1], tuple([1]))).toThrow("'>=' not supported between instances of 'list' and 'tuple'");
    expect(() => lt(null, 1)).toThrow(NoneComparisonError);
    expect(() => gt(1, undefined)).toThrow(NoneComparisonError);
  });
});

describe('arithmetic', () => {
  it('adds polymorphically', () => {
    expect(add(1, 2)).toBe(3);
    expect(add(true, true)).toBe(2);
    expect(add('a', 'b')).toBe('ab');
    expect(add('a', 1)).toBe('a1');
    expect(add(1, ' items')).toBe('1 items');
    expect(add([1], [2])).toEqual([1, 2]);
    expect(add(tuple([1]), tuple([2]))).toBeInstanceOf(Tuple);
    expect(raises(() => add([1], tuple([2])))).toBe('TypeError');
    expect(raises(() => add({}, 1))).toBe('TypeError');
    const m = add(new Markup('<b>'), '<i>');
    expect(m).toBeInstanceOf(Markup);
    expect(String(m)).toBe('<b>&lt;i&gt;');
  });
  it('keeps floats float', () => {
    expect(add(new PyFloat(3), 1)).toEqual(new PyFloat(4));
    expect(add(0.5, 0.5)).toEqual(new PyFloat(1));
    expect(mul(1.5, 2)).toEqual(new PyFloat(3));
    expect(sub(2.5, 0.5)).toEqual(new PyFloat(2));
    expect(add(0.1, 0.2)).toBe(0.30000000000000004);
    expect(S(add(new PyFloat(1), new PyFloat(1)))).toBe('2.0');
  });
  it('divides like Python', () => {
    expect(div(4, 2)).toEqual(new PyFloat(2));
    expect(S(div(4, 2))).toBe('2.0');
    expect(div(1, 4)).toBe(0.25);
    expect(floordiv(-7, 2)).toBe(-4);
    expect(floordiv(7, 2)).toBe(3);
    expect(floordiv(7.5, 2)).toEqual(new PyFloat(3));
    expect(floordiv(1, 0.1)).toEqual(new PyFloat(9));
    expect(mod(-7, 3)).toBe(2);
    expect(mod(7, -3)).toBe(-2);
    expect(mod(6, 3)).toBe(0);
    expect(mod(5.5, 2)).toBe(1.5);
    expect(mod(-1, new PyFloat(3))).toEqual(new PyFloat(2));
    expect(floordiv(-7n, 2n)).toBe(-4);
    expect(mod(-7n, 3)).toBe(2);
  });
  it('raises ZeroDivisionError', () => {
    expect(raises(() => div(1, 0))).toBe('ZeroDivisionError');
    expect(() => div(1, 0)).toThrow('division by zero');
    expect(() => mod(10, 0)).toThrow('integer modulo by zero');
    expect(raises(() => floordiv(1, 0))).toBe('ZeroDivisionError');
    expect(raises(() => mod(1.5, 0))).toBe('ZeroDivisionError');
    expect(raises(() => pow(0, -1))).toBe('ZeroDivisionError');
  });
  it('powers', () => {
    expect(pow(2, 10)).toBe(1024);
    expect(pow(2, -1)).toBe(0.5);
    expect(pow(2, 100)).toBe(2n ** 100n);
    expect(S(pow(10, 20))).toBe('100000000000000000000');
    expect(pow(new PyFloat(2), 2)).toEqual(new PyFloat(4));
    expect(S(pow(4, 0.5))).toBe('2.0');
  });
  it('repeats sequences', () => {
    expect(mul('ab', 3)).toBe('ababab');
    expect(mul(2, 'x')).toBe('xx');
    expect(mul('ab', -1)).toBe('');
    expect(mul([1], 2)).toEqual([1, 1]);
    expect(mul(tuple([1]), 2)).toBeInstanceOf(Tuple);
    expect(() => mul('a', 1.5)).toThrow("can't multiply sequence by non-int of type 'float'");
    expect(String(mul(new Markup('<b>'), 2))).toBe('<b><b>');
  });
  it('handles big integers', () => {
    expect(add(9007199254740991, 2)).toBe(9007199254740993n);
    expect(mul(2n ** 64n, 2)).toBe(2n ** 65n);
    expect(sub(2n ** 64n, 2n ** 64n)).toBe(0);
    expect(mul(3037000500, 3037000500)).toBe(3037000500n * 3037000500n);
  });
  it('negates', () => {
    expect(neg(3)).toBe(-3);
    expect(neg(new PyFloat(2))).toEqual(new PyFloat(-2));
    expect(neg(true)).toBe(-1);
    expect(pos(true)).toBe(1);
    expect(raises(() => neg('a'))).toBe('TypeError');
  });
  it('reports mismatched operands', () => {
    expect(() => sub('a', 1)).toThrow("unsupported operand type(s) for -: 'str' and 'int'");
    expect(raises(() => sub(null, 1))).toBe('NoneComparisonError');
  });
});

describe('concat and coercion', () => {
  it('concatenates with ~', () => {
    expect(concat('a', null)).toBe('aNone');
    expect(concat(1, 2)).toBe('12');
    expect(concat('x', [1])).toBe('x[1]');
    expect(concat('', UNDEF)).toBe('');
    const m = concat('<i>', new Markup('<b>'));
    expect(m).toBeInstanceOf(Markup);
    expect(String(m)).toBe('&lt;i&gt;<b>');
  });
  it('coerces hidden numerics (§1.7)', () => {
    expect(coerceNum('3')).toBe(3);
    expect(coerceNum(' 2.5 ')).toBe(2.5);
    expect(coerceNum('2.0')).toEqual(new PyFloat(2));
    expect(coerceNum('abc')).toBe(0);
    expect(coerceNum(true)).toBe(0);
    expect(coerceNum(UNDEF)).toBe(0);
    expect(coerceNum(new Markup('4'))).toBe(4);
    expect(coerceNum(7)).toBe(7);
  });
});

describe('containers', () => {
  it('tests membership', () => {
    expect(contains('hello', 'ell') && contains([1, 2], 2) && contains([1, 2], new PyFloat(1))).toBe(true);
    expect(contains({ a: 1 }, 'a') && !contains({ a: 1 }, 'b') && contains({ a: 1 }, new Markup('a'))).toBe(true);
    expect(contains({ a: 1 }, 'toString')).toBe(false);
    expect(contains(new Map([[1, 'x']]), 1) && contains(new Set(['a']), 'a')).toBe(true);
    expect(contains(new Range(0, 10, 2), 4) && !contains(new Range(0, 10, 2), 5)).toBe(true);
    expect(contains([tuple([1, 2])], tuple([1, 2]))).toBe(true);
    expect(raises(() => contains('abc', 1))).toBe('TypeError');
    expect(raises(() => contains(5, 1))).toBe('TypeError');
    expect(contains(UNDEF, 1)).toBe(false);
  });
  it('iterates like Python', () => {
    expect([...iter({ a: 1, b: 2 })]).toEqual(['a', 'b']);
    expect([...iter(new Map([['k', 1]]))]).toEqual(['k']);
    expect([...iter('ab')]).toEqual(['a', 'b']);
    expect([...iter(new Set([3]))]).toEqual([3]);
    expect([...iter(new Range(3, 0, -1))]).toEqual([3, 2, 1]);
    expect([...iter(null)]).toEqual([]);
    expect([...iter(UNDEF)]).toEqual([]);
    expect(() => iter(42)).toThrow("'int' object is not iterable");
    expect(toList('ab')).toEqual(['a', 'b']);
  });
  it('measures length', () => {
    expect([len('héllo'), len([1, 2]), len({ a: 1 }), len(new Map([[1, 2]])), len(new Set([1])), len(new Range(0, 5, 2)), len(UNDEF)]).toEqual([5, 2, 1, 1, 1, 3, 0]);
    expect(() => len(5)).toThrow("object of type 'int' has no len()");
  });
  it('reads dicts and Maps alike', () => {
    const m = new Map<unknown, unknown>([['a', 1], [2, 'b']]);
    expect(dictKeys(m)).toEqual(['a', 2]);
    expect(dictGet(m, 2)).toBe('b');
    expect(dictGet(m, new PyFloat(2))).toBe('b');
    expect(dictHas({ x: null }, 'x')).toBe(true);
    expect(dictHas({}, 'toString')).toBe(false);
    expect(dictItems({ a: 1 })).toEqual([tuple(['a', 1])]);
    expect(dictItems({ a: 1 })[0]).toBeInstanceOf(Tuple);
  });
});

describe('attribute lookup (a.b)', () => {
  it('prefers dict keys, then methods', () => {
    expect(getattr({ items: 'mine' }, 'items')).toBe('mine');
    expect(typeof getattr({ a: 1 }, 'items')).toBe('function');
    expect((getattr({ a: 1 }, 'items') as () => unknown)()).toEqual([tuple(['a', 1])]);
    expect(getattr(new Map([['k', 'v']]), 'k')).toBe('v');
  });
  it('turns a found None into ""', () => {
    expect(getattr({ a: null }, 'a')).toBe('');
    expect(getattr({ a: 0 }, 'a')).toBe(0);
    // an undefined value is a missing key (issue #20)
    expect(() => getattr({ a: undefined }, 'a')).toThrow(UndefinedError);
    expect(getattr({ a: undefined }, 'a', false)).toBe(UNDEF);
  });
  it('raises or returns the sentinel when missing', () => {
    expect(() => getattr({ name: 1 }, 'nmae')).toThrow(UndefinedError);
    try {
      getattr({ name: 1 }, 'nmae');
    } catch (e) {
      expect((e as UndefinedError).undefinedName).toBe('dict.nmae');
      expect((e as UndefinedError).kind).toBe('attribute/key');
    }
    try {
      getattr(null, 'x');
    } catch (e) {
      expect((e as UndefinedError).undefinedName).toBe('x');
    }
    expect(getattr({}, 'x', false)).toBe(UNDEF);
    expect(getattr(null, 'x', false)).toBe(UNDEF);
    expect(getattr(UNDEF, 'x', false)).toBe(UNDEF);
    expect(() => getattr([1], 'nope')).toThrow(UndefinedError);
  });
  it('reads class instance properties and methods', () => {
    class User {
      name = 'Ada';
      nick: string | null = null;
      greet(x: string) {
        return `hi ${x} from ${this.name}`;
      }
      get upperName() {
        return this.name.toUpperCase();
      }
    }
    const u = new User();
    expect(getattr(u, 'name')).toBe('Ada');
    expect(getattr(u, 'nick')).toBe('');
    expect(getattr(u, 'upperName')).toBe('ADA');
    expect((getattr(u, 'greet') as (x: string) => string)('Bob')).toBe('hi Bob from Ada');
    expect(() => getattr(u, 'toString')).toThrow(UndefinedError);
    expect(() => getattr(u, 'hasOwnProperty')).toThrow(UndefinedError);
  });
  it('exposes range attributes', () => {
    expect(getattr(new Range(1, 5, 2), 'step')).toBe(2);
  });
  it('blocks prototype escapes', () => {
    for (const n of ['constructor', 'prototype', '__proto__', '__defineGetter__', '__defineSetter__', '__lookupGetter__', '__lookupSetter__'])
      expect(() => getattr({}, n), n).toThrow(SecurityError);
    expect(() => getattr('x', 'constructor')).toThrow(SecurityError);
    expect(() => getattr(() => 1, 'call')).toThrow(SecurityError);
    expect(() => getattr(() => 1, 'apply')).toThrow(SecurityError);
    expect(() => getattr(() => 1, 'bind')).toThrow(SecurityError);
    expect(() => assertSafeName('__proto__')).toThrow(SecurityError);
    expect(() => assertSafeName('name')).not.toThrow();
    expect(() => getitem({}, 'constructor')).toThrow(SecurityError);
    expect(() => getitem([], '__proto__')).toThrow(SecurityError);
    const evil = { g: globalThis };
    expect(() => getattr(evil, 'g')).toThrow(SecurityError);
  });
});

describe('optional lookup', () => {
  it('a?.b short-circuits None and preserves found None', () => {
    expect(getattrOpt(null, 'x')).toBe(null);
    expect(getattrOpt(UNDEF, 'x')).toBe(null);
    expect(getattrOpt({ a: null }, 'a')).toBe(null);
    expect(getattrOpt({}, 'missing')).toBe(null);
    expect(getattrOpt({ a: 1 }, 'a')).toBe(1);
    expect(() => getattrOpt([1], 'nope')).toThrow(UndefinedError);
    expect(getattrOpt([1], 'nope', false)).toBe(null);
  });
  it('a?[k] uses get() on mappings', () => {
    expect(getitemOpt(null, 1)).toBe(null);
    expect(getitemOpt({ a: 1 }, 'b')).toBe(null);
    expect(getitemOpt({ a: null }, 'a')).toBe(null);
    expect(getitemOpt([1, 2], -1)).toBe(2);
    expect(() => getitemOpt([1], 5)).toThrow(UndefinedError);
    expect(getitemOpt([1], 5, false)).toBe(null);
  });
});

describe('subscripts and slices', () => {
  it('indexes like Python', () => {
    expect(getitem([1, 2, 3], -1)).toBe(3);
    expect(getitem('abc', 1)).toBe('b');
    expect(getitem('abc', -1)).toBe('c');
    expect(getitem(tuple([1, 2]), 0)).toBe(1);
    expect(getitem(new Range(0, 10, 2), 2)).toBe(4);
    expect(getitem({ k: null }, 'k')).toBe(null);
    expect(getitem(new Map([[1, 'a']]), 1)).toBe('a');
    expect(getitem([1, 2], true)).toBe(2);
  });
  it('raises KeyError / IndexError / TypeError', () => {
    expect(raises(() => getitem({}, 'missing'))).toBe('KeyError');
    expect(() => getitem({}, 'missing')).toThrow("KeyError: 'missing'");
    expect(raises(() => getitem([1], 5))).toBe('IndexError');
    expect(() => getitem([1], 5)).toThrow('list index out of range');
    expect(raises(() => getitem([1], 'a'))).toBe('TypeError');
    expect(raises(() => getitem(5, 0))).toBe('TypeError');
    expect(() => getitem(null, 0)).toThrow(NoneComparisonError);
    expect(getitem(UNDEF, 0)).toBe(UNDEF);
  });
  it('slices like Python', () => {
    const l = [0, 1, 2, 3, 4];
    expect(getslice(l, 1, 3, null)).toEqual([1, 2]);
    expect(getslice(l, null, null, -1)).toEqual([4, 3, 2, 1, 0]);
    expect(getslice(l, -2, null, null)).toEqual([3, 4]);
    expect(getslice(l, null, -2, null)).toEqual([0, 1, 2]);
    expect(getslice(l, null, null, 2)).toEqual([0, 2, 4]);
    expect(getslice(l, 3, 0, -1)).toEqual([3, 2, 1]);
    expect(getslice(l, 10, 20, null)).toEqual([]);
    expect(getslice(l, -100, 2, null)).toEqual([0, 1]);
    expect(getslice('hello', 1, 4, null)).toBe('ell');
    expect(getslice('hello', null, null, -1)).toBe('olleh');
    expect(getslice(tuple([1, 2, 3]), 1, null, null)).toBeInstanceOf(Tuple);
    expect(getslice(new Range(0, 10, 1), 2, 5, null)).toEqual([2, 3, 4]);
    expect(raises(() => getslice(l, null, null, 0))).toBe('ValueError');
    expect(getslice(new Markup('<b>x'), 0, 3, null)).toBeInstanceOf(Markup);
  });
});

describe('str methods', () => {
  it('cases and strips', () => {
    expect(call('Hello', 'upper')).toBe('HELLO');
    expect(call('Hello', 'lower')).toBe('hello');
    expect(call("hello world's 1st", 'title')).toBe("Hello World'S 1St");
    expect(call('hELLO wORLD', 'capitalize')).toBe('Hello world');
    expect(call('  x  ', 'strip')).toBe('x');
    expect(call('  x  ', 'lstrip')).toBe('x  ');
    expect(call('  x  ', 'rstrip')).toBe('  x');
    expect(call('xxaxx', 'strip', 'x')).toBe('a');
    expect(call('aBc', 'swapcase')).toBe('AbC');
  });
  it('splits and joins', () => {
    expect(call('a,b,c', 'split', ',')).toEqual(['a', 'b', 'c']);
    expect(call('  a  b ', 'split')).toEqual(['a', 'b']);
    expect(call('a,b,c', 'split', ',', 1)).toEqual(['a', 'b,c']);
    expect(call('a b  c', 'split', null, 1)).toEqual(['a', 'b  c']);
    expect(call('a,b,c', 'rsplit', ',', 1)).toEqual(['a,b', 'c']);
    expect(call('a b  c', 'rsplit', null, 1)).toEqual(['a b', 'c']);
    expect(call('a,b', 'split', new Kwargs({ sep: ',' }))).toEqual(['a', 'b']);
    expect(call('a\nb\r\nc\n', 'splitlines')).toEqual(['a', 'b', 'c']);
    expect(call(', ', 'join', ['a', 'b'])).toBe('a, b');
    expect(call('-', 'join', 'abc')).toBe('a-b-c');
    expect(() => call(',', 'join', [1])).toThrow('sequence item 0: expected str instance, int found');
    expect(call('a=b=c', 'partition', '=')).toEqual(tuple(['a', '=', 'b=c']));
    expect(call('a=b=c', 'rpartition', '=')).toEqual(tuple(['a=b', '=', 'c']));
  });
  it('searches and replaces', () => {
    expect(call('aaa', 'replace', 'a', 'b')).toBe('bbb');
    expect(call('aaa', 'replace', 'a', 'b', 2)).toBe('bba');
    expect(call('ab', 'replace', '', '-')).toBe('-a-b-');
    expect(call('hello', 'startswith', 'he')).toBe(true);
    expect(call('hello', 'startswith', tuple(['x', 'h']))).toBe(true);
    expect(call('hello', 'endswith', 'lo')).toBe(true);
    expect(call('hello', 'find', 'l')).toBe(2);
    expect(call('hello', 'find', 'l', 3)).toBe(3);
    expect(call('hello', 'rfind', 'l')).toBe(3);
    expect(call('hello', 'find', 'z')).toBe(-1);
    expect(call('hello', 'index', 'e')).toBe(1);
    expect(raises(() => call('hello', 'index', 'z'))).toBe('ValueError');
    expect(call('banana', 'count', 'a')).toBe(3);
  });
  it('pads and classifies', () => {
    expect(call('ab', 'center', 6, '*')).toBe('**ab**');
    expect(call('abc', 'center', 6)).toBe(' abc  ');
    expect(call('ab', 'ljust', 4, '.')).toBe('ab..');
    expect(call('ab', 'rjust', 4)).toBe('  ab');
    expect(call('-42', 'zfill', 5)).toBe('-0042');
    expect(call('123', 'isdigit')).toBe(true);
    expect(call('12a', 'isdigit')).toBe(false);
    expect(call('abc', 'isalpha')).toBe(true);
    expect(call('ab1', 'isalnum')).toBe(true);
    expect(call('ABC1', 'isupper')).toBe(true);
    expect(call('abc', 'islower')).toBe(true);
    expect(call(' \n', 'isspace')).toBe(true);
    expect(call('', 'isspace')).toBe(false);
  });
  it('formats', () => {
    expect(call('{}-{}', 'format', 1, 2)).toBe('1-2');
    expect(call('{name}!', 'format', new Kwargs({ name: 'x' }))).toBe('x!');
  });
  it('keeps Markup safe, escaping arguments', () => {
    const r = call(new Markup('<b>{}</b>'), 'format', '<i>');
    expect(r).toBeInstanceOf(Markup);
    expect(String(r)).toBe('<b>&lt;i&gt;</b>');
    expect(String(call(new Markup('<br>'), 'join', ['<a>', new Markup('<b>')]))).toBe('&lt;a&gt;<br><b>');
    expect(call(new Markup('<b>'), 'upper')).toBeInstanceOf(Markup);
    expect(call(new Markup('<b>'), 'startswith', '<')).toBe(true);
  });
  it('returns undefined for unknown names', () => {
    expect(pyMethod('x', 'nope')).toBeUndefined();
    expect(pyMethod(5, 'upper')).toBeUndefined();
  });
});

describe('list, dict and set methods', () => {
  it('mutates lists', () => {
    const l: unknown[] = [3, 1];
    expect(call(l, 'append', 2)).toBe(null);
    expect(l).toEqual([3, 1, 2]);
    call(l, 'extend', [5]);
    call(l, 'insert', 0, 9);
    expect(l).toEqual([9, 3, 1, 2, 5]);
    expect(call(l, 'pop')).toBe(5);
    expect(call(l, 'pop', 0)).toBe(9);
    call(l, 'remove', 1);
    expect(l).toEqual([3, 2]);
    call(l, 'sort');
    expect(l).toEqual([2, 3]);
    call(l, 'sort', new Kwargs({ reverse: true }));
    expect(l).toEqual([3, 2]);
    call(l, 'reverse');
    expect(l).toEqual([2, 3]);
    expect(call(l, 'index', 3)).toBe(1);
    expect(call([1, 1, 2], 'count', 1)).toBe(2);
    expect(call(l, 'copy')).not.toBe(l);
    call(l, 'clear');
    expect(l).toEqual([]);
    expect(raises(() => call([], 'pop'))).toBe('IndexError');
    expect(raises(() => call([1], 'remove', 2))).toBe('ValueError');
    expect(raises(() => call([1], 'index', 2))).toBe('ValueError');
  });
  it('sorts with a key, stably', () => {
    const l = [{ n: 'b', k: 1 }, { n: 'a', k: 0 }, { n: 'c', k: 1 }];
    call(l, 'sort', new Kwargs({ key: (x: { k: number }) => x.k, reverse: true }));
    expect(l.map((x) => x.n)).toEqual(['b', 'c', 'a']);
  });
  it('gives tuples only count and index', () => {
    expect(pyMethod(tuple([1]), 'append')).toBeUndefined();
    expect(call(tuple([1, 2]), 'index', 2)).toBe(1);
  });
  it('works on dicts and Maps', () => {
    const d: Record<string, unknown> = { a: 1, b: null };
    expect(call(d, 'keys')).toEqual(['a', 'b']);
    expect(call(d, 'values')).toEqual([1, null]);
    expect(call(d, 'items')).toEqual([tuple(['a', 1]), tuple(['b', null])]);
    expect(call(d, 'get', 'a')).toBe(1);
    expect(call(d, 'get', 'b', 'x')).toBe(null);
    expect(call(d, 'get', 'z')).toBe(null);
    expect(call(d, 'get', 'z', 0)).toBe(0);
    call(d, 'update', { c: 3 }, new Kwargs({ e: 5 }));
    expect(d).toEqual({ a: 1, b: null, c: 3, e: 5 });
    expect(call(d, 'pop', 'c')).toBe(3);
    expect(call(d, 'pop', 'zz', 'dflt')).toBe('dflt');
    expect(raises(() => call(d, 'pop', 'zz'))).toBe('KeyError');
    expect(call(d, 'setdefault', 'f', 6)).toBe(6);
    expect(call(d, 'setdefault', 'f', 7)).toBe(6);
    const m = new Map<unknown, unknown>([['x', 1]]);
    call(m, 'update', [tuple(['y', 2])]);
    expect([...m.keys()]).toEqual(['x', 'y']);
    expect(call(m, 'popitem')).toEqual(tuple(['y', 2]));
    const c = call(m, 'copy') as Map<unknown, unknown>;
    expect(c).not.toBe(m);
    expect(eq(c, m)).toBe(true);
  });
  it('works on sets', () => {
    const s = new Set([1]);
    call(s, 'add', 2);
    call(s, 'add', 1);
    expect([...s]).toEqual([1, 2]);
    call(s, 'discard', 1);
    expect([...s]).toEqual([2]);
    expect(raises(() => call(s, 'remove', 9))).toBe('KeyError');
    expect([...(call(s, 'union', [3]) as Set<unknown>)]).toEqual([2, 3]);
  });
  it('lets the lenient sentinel answer get/keys', () => {
    expect(call(UNDEF, 'get', 'k', 'd')).toBe('d');
    expect(call(UNDEF, 'get', 'k')).toBe(UNDEF);
    expect(call(UNDEF, 'items')).toEqual([]);
  });
});

describe('calling', () => {
  it('calls functions and rejects the rest', () => {
    expect(callValue((a: number, b: number) => a + b, [1, 2])).toBe(3);
    expect(() => callValue(42, [])).toThrow("'int' object is not callable");
    expect(() => callValue([1], [])).toThrow("'list' object is not callable");
    expect(raises(() => callValue(UNDEF, []))).toBe('TypeError');
    expect(() => callValue(Function, ['return 1'])).toThrow(SecurityError);
  });
});

describe('printf (%)', () => {
  it('formats like Python %', () => {
    expect(printf('%s-%d', tuple(['a', 1]))).toBe('a-1');
    expect(printf('%s', [1, 2])).toBe('[1, 2]');
    expect(printf('%s', null)).toBe('None');
    expect(printf('%r', 'x')).toBe("'x'");
    expect(printf('%d', 3.9)).toBe('3');
    expect(printf('%i', -3.9)).toBe('-3');
    expect(printf('%5d|%-5d|%05d', tuple([42, 42, 42]))).toBe('   42|42   |00042');
    expect(printf('%+d', 5)).toBe('+5');
    expect(printf('%f', 1.5)).toBe('1.500000');
    expect(printf('%.2f', 3.14159)).toBe('3.14');
    expect(printf('%.2f', 2.675)).toBe('2.67');
    expect(printf('%.0f', 0.5)).toBe('0');
    expect(printf('%.0f', 1.5)).toBe('2');
    expect(printf('%.0f', 2.5)).toBe('2');
    expect(printf('%.2f', 0.125)).toBe('0.12');
    expect(printf('%.2f', -0.125)).toBe('-0.12');
    expect(printf('%.1f', -0.04)).toBe('-0.0');
    expect(printf('%8.3f', 3.14159)).toBe('   3.142');
    expect(printf('%x %X %o %#x', tuple([255, 255, 8, 255]))).toBe('ff FF 10 0xff');
    expect(printf('%e', 12345.678)).toBe('1.234568e+04');
    expect(printf('%.2e', 0.000123)).toBe('1.23e-04');
    expect(printf('%g', 0.0001)).toBe('0.0001');
    expect(printf('%g', 0.00001)).toBe('1e-05');
    expect(printf('%g', 1234567)).toBe('1.23457e+06');
    expect(printf('%g', 100000)).toBe('100000');
    expect(printf('%g', 2.5)).toBe('2.5');
    expect(printf('100%%', tuple([]))).toBe('100%');
    expect(printf('%(name)s is %(age)d', { name: 'Ann', age: 30 })).toBe('Ann is 30');
    expect(printf('%(a)s', new Map([['a', 'm']]))).toBe('m');
    expect(printf('%s', new PyFloat(2))).toBe('2.0');
    expect(printf('%c', 65)).toBe('A');
  });
  it('raises on argument mismatches', () => {
    expect(raises(() => printf('%s %s', tuple(['a'])))).toBe('TypeError');
    expect(raises(() => printf('%s', tuple(['a', 'b'])))).toBe('TypeError');
    expect(raises(() => printf('hello', 5))).toBe('TypeError');
    expect(printf('hello', [1])).toBe('hello');
    expect(printf('hello', tuple([]))).toBe('hello');
    expect(raises(() => printf('%d', 'x'))).toBe('TypeError');
    expect(raises(() => printf('%(a)s', { b: 1 }))).toBe('KeyError');
  });
  it('is what % does on strings; Markup escapes its arguments', () => {
    expect(mod('%s-%s', tuple(['a', 'b']))).toBe('a-b');
    const m = mod(new Markup('<b>%s</b>'), '<i>');
    expect(m).toBeInstanceOf(Markup);
    expect(String(m)).toBe('<b>&lt;i&gt;</b>');
    expect(String(mod(new Markup('%d%%'), 5))).toBe('5%');
  });
});

describe('strFormat (str.format)', () => {
  it('resolves fields', () => {
    expect(strFormat('{} and {}', ['a', 'b'])).toBe('a and b');
    expect(strFormat('{1}{0}', ['a', 'b'])).toBe('ba');
    expect(strFormat('{name}', [], { name: 'N' })).toBe('N');
    expect(strFormat('{u.name}', [], { u: { name: 'Ada' } })).toBe('Ada');
    expect(strFormat('{0[1]}', [['x', 'y']])).toBe('y');
    expect(strFormat('{d[k]}', [], { d: { k: 'v' } })).toBe('v');
    expect(strFormat('{{}} {}', [1])).toBe('{} 1');
    expect(strFormat('{!r}', ['x'])).toBe("'x'");
    expect(strFormat('{}', [null])).toBe('None');
    expect(strFormat('{}', [[1, 'a']])).toBe("[1, 'a']");
    expect(() => strFormat('{}', [])).toThrow('Replacement index 0 out of range');
    expect(raises(() => strFormat('{x}', []))).toBe('KeyError');
  });
  it('applies format specs', () => {
    expect(strFormat('{:>10}', ['hi'])).toBe('        hi');
    expect(strFormat('{:<5}|', ['hi'])).toBe('hi   |');
    expect(strFormat('{:^6}', ['hi'])).toBe('  hi  ');
    expect(strFormat('{:*^7}', ['hi'])).toBe('**hi***');
    expect(strFormat('{:5}', [42])).toBe('   42');
    expect(strFormat('{:.2f}', [3.14159])).toBe('3.14');
    expect(strFormat('{:.2f}', [-1])).toBe('-1.00');
    expect(strFormat('{:,}', [1234567])).toBe('1,234,567');
    expect(strFormat('{:,.2f}', [1234.5])).toBe('1,234.50');
    expect(strFormat('{:05d}', [42])).toBe('00042');
    expect(strFormat('{:05d}', [-42])).toBe('-0042');
    expect(strFormat('{:x}', [255])).toBe('ff');
    expect(strFormat('{:#x}', [255])).toBe('0xff');
    expect(strFormat('{:#06x}', [255])).toBe('0x00ff');
    expect(strFormat('{:#b}', [-5])).toBe('-0b101');
    expect(strFormat('{:x}', [2n ** 64n])).toBe('10000000000000000');
    expect(strFormat('{:b}', [5])).toBe('101');
    expect(strFormat('{:+d}', [5])).toBe('+5');
    expect(strFormat('{:.1%}', [0.256])).toBe('25.6%');
    expect(strFormat('{:e}', [1234.5])).toBe('1.234500e+03');
    expect(strFormat('{:g}', [0.5])).toBe('0.5');
    expect(strFormat('{:.3}', ['abcdef'])).toBe('abc');
    expect(strFormat('{:.2}', [new PyFloat(2)])).toBe('2.0');
    expect(strFormat('{:.3}', [12.5])).toBe('12.5');
    expect(strFormat('{:.3}', [123.5])).toBe('1.24e+02');
    expect(strFormat('{:.3}', [0.5])).toBe('0.5');
    expect(raises(() => strFormat('{:.2}', [5]))).toBe('ValueError');
    expect(strFormat('{}', [new PyFloat(2)])).toBe('2.0');
    expect(strFormat('{}', [true])).toBe('True');
    expect(raises(() => strFormat('{:d}', ['x']))).toBe('ValueError');
  });
});

describe('conversions', () => {
  it('int() like Python', () => {
    expect(toInt('42')).toBe(42);
    expect(toInt(' -7 ')).toBe(-7);
    expect(toInt(3.9)).toBe(3);
    expect(Object.is(toInt(-0.5), 0)).toBe(true);
    expect(toInt(true)).toBe(1);
    expect(toInt(new PyFloat(2))).toBe(2);
    expect(toInt('ff', 16)).toBe(255);
    expect(toInt('0x1f', 16)).toBe(31);
    expect(toInt('101', 2)).toBe(5);
    expect(toInt('123456789012345678901234567890')).toBe(123456789012345678901234567890n);
    expect(() => toInt('1.5')).toThrow("invalid literal for int() with base 10: '1.5'");
    expect(raises(() => toInt('abc'))).toBe('ValueError');
    expect(raises(() => toInt(null))).toBe('TypeError');
    expect(raises(() => toInt(NaN))).toBe('ValueError');
  });
  it('float() like Python', () => {
    expect(toFloat('2.5')).toBe(2.5);
    expect(toFloat('3')).toEqual(new PyFloat(3));
    expect(toFloat(3)).toEqual(new PyFloat(3));
    expect(toFloat('1e3')).toEqual(new PyFloat(1000));
    expect(num(toFloat('-inf'))).toBe(-Infinity);
    expect(Number.isNaN(num(toFloat('nan')))).toBe(true);
    expect(toFloat(true)).toEqual(new PyFloat(1));
    expect(() => toFloat('abc')).toThrow("could not convert string to float: 'abc'");
    expect(raises(() => toFloat(null))).toBe('TypeError');
  });
});

describe('errors are PyErrors with Python types', () => {
  it('carries pyType and a K-code', () => {
    try {
      div(1, 0);
    } catch (e) {
      expect(e).toBeInstanceOf(PyError);
      expect((e as PyError).pyType).toBe('ZeroDivisionError');
      expect((e as PyError).code).toBe('K-RUN-011');
    }
  });
});

describe('protocols that keep Range out of the common dispatch', () => {
  it('a range is typed, sized, printed and read like any object that declares the protocols', () => {
    expect(typeName(new Range(0, 3, 1))).toBe('range');
    expect(truthy(new Range(0, 3, 1))).toBe(true);
    expect(truthy(new Range(3, 3, 1))).toBe(false);
    expect(pyStr(new Range(1, 9, 2))).toBe('range(1, 9, 2)');
    expect([getattr(new Range(1, 9, 2), 'start'), getattr(new Range(1, 9, 2), 'stop'), getattr(new Range(1, 9, 2), 'step')]).toEqual([1, 9, 2]);
  });
  it("user objects get Python's __len__ truthiness and may name their type with Symbol.toStringTag", () => {
    class Bag {
      constructor(readonly n: number) {}
      __len__() {
        return this.n;
      }
      get [Symbol.toStringTag]() {
        return 'bag';
      }
    }
    expect(truthy(new Bag(0))).toBe(false);
    expect(truthy(new Bag(2))).toBe(true);
    expect(typeName(new Bag(1))).toBe('bag');
    expect(typeName(new (class Plain {})())).toBe('Plain');
  });
});
