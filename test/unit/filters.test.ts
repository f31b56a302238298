// Built-in filters (language.md §4.1): registry, parameter lists and exact reference behaviour.
import { describe, expect, it } from 'vitest';
import { raisedType } from '../support.js';
import { filters, type FilterEnv } from '../../runtime/filters.js';
import { filterParams, filterNeedsEnv } from '../../runtime/signatures.js';
import { tests } from '../../runtime/tests.js';
import { Markup } from '../../runtime/markup.js';
import { PyFloat, Range, Tuple, UNDEF, pyStr, tuple } from '../../runtime/values.js';
import { RequiredValueError, SecurityError, TemplateRuntimeError } from '../../runtime/errors.js';

const env: FilterEnv = { autoescape: true, strict: true, filters, tests };
/** Calls a filter the way generated code does (with `this` = env for env filters). */
const F = (name: string, v: unknown, ...args: unknown[]): unknown => {
  const f = filters[name]!;
  return filterNeedsEnv.has(name) ? f.call(env, v, ...args) : f(v, ...args);
};
/** Renders a result as Python str() would (Markup → its text). */
const S = (name: string, v: unknown, ...args: unknown[]): string => pyStr(F(name, v, ...args));
const errType = raisedType;

const NAMES = [
  'upper', 'lower', 'capitalize', 'title', 'trim', 'strip', 'replace', 'truncate', 'center', 'indent', 'wordwrap', 'format',
  'wordcount', 'slug', 'pluralize', 'striptags', 'urlencode', 'escape', 'e', 'safe', 'xmlattr', 'csp_nonce',
  'length', 'count', 'first', 'last', 'join', 'reverse', 'sort', 'dictsort', 'unique', 'groupby', 'map', 'select', 'reject',
  'selectattr', 'rejectattr', 'batch', 'slice', 'take', 'skip', 'compact', 'sum', 'min', 'max', 'list', 'attr', 'get',
  'random', 'shuffle', 'classes',
  'abs', 'round', 'int', 'float', 'string', 'decimal', 'format_number', 'commas', 'filesizeformat', 'tojson', 'typeof', 'date',
  'default', 'd', 'require', 'debug', 'pprint',
];

describe('filter registry', () => {
  it('has exactly the 68 reference names (64 functions)', () => {
    expect(NAMES).toHaveLength(68);
    expect(Object.keys(filters).sort()).toEqual([...NAMES].sort());
    expect(Object.keys(filterParams).sort()).toEqual([...NAMES].sort());
    expect(new Set(Object.values(filters)).size).toBe(64);
  });
  it('aliases share their function', () => {
    expect(filters.d).toBe(filters.default);
    expect(filters.e).toBe(filters.escape);
    expect(filters.strip).toBe(filters.trim);
    expect(filters.count).toBe(filters.length);
  });
  it('lists Python parameter names in order, with * and ** markers', () => {
    expect(filterParams.truncate).toEqual(['length', 'killwords', 'end', 'leeway']);
    expect(filterParams.sort).toEqual(['reverse', 'case_sensitive', 'attribute']);
    expect(filterParams.default).toEqual(['default', 'boolean']);
    expect(filterParams.format).toEqual(['*args', '**kwargs']);
    expect(filterParams.map).toEqual(['*args', 'attribute']);
    expect(filterParams.select).toEqual(['test_name', '*args']);
    expect(filterParams.indent).toEqual(['width', 'first']);
    expect(filterParams.round).toEqual(['precision', 'method', 'strict']);
  });
  it('marks the filters that need the environment', () => {
    expect([...filterNeedsEnv].sort()).toEqual(['reject', 'rejectattr', 'select', 'selectattr']);
  });
});

describe('string filters', () => {
  it('upper/lower/capitalize/title follow Python', () => {
    expect(F('upper', 'abc')).toBe('ABC');
    expect(F('upper', null)).toBe('NONE');
    expect(F('lower', 'ÀB')).toBe('àb');
    expect(F('capitalize', 'hELLO wORLD')).toBe('Hello world');
    expect(F('title', "don't 1st o'neil")).toBe("Don'T 1St O'Neil");
    expect(F('title', 'straße')).toBe('Straße');
    expect(F('upper', new Markup('<b>'))).toBe('<B>');
    expect(F('upper', new Markup('<b>'))).not.toBeInstanceOf(Markup);
  });
  it('trim/strip', () => {
    expect(F('trim', '  a b \n')).toBe('a b');
    expect(F('strip', 'xxhixx', 'x')).toBe('hi');
    expect(F('trim', '\ufeffa\ufeff')).toBe('\ufeffa\ufeff'); // BOM is not Python whitespace
    expect(F('trim', '\u00a0a\u3000')).toBe('a');
  });
  it('trim strips exactly the UTF-16 units Python str.isspace() accepts (every unit checked)', () => {
    // Python 3: '\t\n\v\f\r', '\x1c'-'\x1f', space, NEL, NBSP, U+1680, U+2000-U+200A, U+2028/9, U+202F, U+205F, U+3000
    const py = new Set([9, 10, 11, 12, 13, 0x1c, 0x1d, 0x1e, 0x1f, 32, 0x85, 0xa0, 0x1680, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000]);
    for (let c = 0x2000; c <= 0x200a; c++) py.add(c);
    const stripped: number[] = [];
    for (let c = 0; c < 0x10000; c++) {
      const u = String.fromCharCode(c);
      if (F('trim', `${u}a${u}`) === 'a' && filters.trim!(`${u}${u}b`) === 'b') stripped.push(c);
    }
    expect(stripped).toEqual([...py].sort((a, b) => a - b));
  });
  it('replace with counts', () => {
    expect(F('replace', 'aaa', 'a', 'b')).toBe('bbb');
    expect(F('replace', 'aaa', 'a', 'b', 2)).toBe('bba');
    expect(F('replace', 'aaa', 'a', 'b', null)).toBe('bbb');
    expect(F('replace', 'aaa', 'a', 'b', -5)).toBe('bbb');
    expect(F('replace', 'aaa', 'a', 'b', '1')).toBe('baa');
    expect(F('replace', 'abc', '', '-')).toBe('-a-b-c-');
    expect(F('replace', 'abc', '', '-', 2)).toBe('-a-bc');
    expect(errType(() => F('replace', 'aaa', 'a', 'b', 'x'))).toBe('ValueError');
  });
  it('truncate', () => {
    expect(F('truncate', 'hello world foo', 11)).toBe('hello...');
    expect(F('truncate', 'hello', 5)).toBe('hello');
    expect(F('truncate', 'hello world', 8, true)).toBe('hello...');
    expect(F('truncate', 'abcdefghij', 7)).toBe('abcd...');
    expect(F('truncate', 'hello world', 2)).toBe('..');
    expect(F('truncate', 'hello world', 0)).toBe('');
    expect(F('truncate', 'hello world', 9, false, '!')).toBe('hello!');
    expect(F('truncate', 'x'.repeat(300))).toBe('x'.repeat(252) + '...');
  });
  it('center', () => {
    expect(F('center', 'ab', 5)).toBe('  ab ');
    expect(F('center', 'hi', 10)).toBe('    hi    ');
    expect(F('center', 'foo', 9)).toBe('   foo   ');
    expect(F('center', 'long', 2)).toBe('long');
  });
  it('indent', () => {
    expect(F('indent', 'a\nb\nc')).toBe('a\n    b\n    c');
    expect(F('indent', 'a\n\nb', 2)).toBe('a\n  \n  b');
    expect(F('indent', 'a\nb\n', 2)).toBe('a\n  b\n');
    expect(F('indent', 'a\nb', 2, true)).toBe('  a\n  b');
    expect(F('indent', '')).toBe('');
  });
  it('wordwrap is textwrap.fill', () => {
    expect(F('wordwrap', 'Hello World this is a long sentence', 10)).toBe('Hello\nWorld this\nis a long\nsentence');
    expect(F('wordwrap', 'hello world foo bar', 10)).toBe('hello\nworld foo\nbar');
    expect(F('wordwrap', 'a\nb\tc', 79)).toBe('a b       c');
    expect(F('wordwrap', 'a  b', 79)).toBe('a  b');
    expect(F('wordwrap', 'abcdefghij', 4)).toBe('abcd\nefgh\nij');
    expect(F('wordwrap', 'abcdefghij', 4, false)).toBe('abcdefghij');
    expect(F('wordwrap', 'well-known thing', 6)).toBe('well-\nknown\nthing');
    expect(errType(() => F('wordwrap', 'x', 0))).toBe('ValueError');
  });
  it('format uses str.format and rejects %-style', () => {
    expect(F('format', '{} {x}', [1], { x: 'y' })).toBe('1 y');
    expect(F('format', '{:.2f}', [3.14159])).toBe('3.14');
    expect(F('format', '50%')).toBe('50%');
    expect(errType(() => F('format', '%s items', [3]))).toBe('ValueError');
  });
  it('wordcount, slug, pluralize, striptags, urlencode', () => {
    expect(F('wordcount', ' a  b\nc ')).toBe(3);
    expect(F('slug', 'Hello, World!')).toBe('hello-world');
    expect(F('slug', 'café')).toBe('caf');
    expect(F('slug', null)).toBe('');
    expect(F('pluralize', 1)).toBe('');
    expect(F('pluralize', 2)).toBe('s');
    expect(F('pluralize', 1, 'y,ies')).toBe('y');
    expect(F('pluralize', 3, 'y,ies')).toBe('ies');
    expect(F('pluralize', null, 'y,ies')).toBe('y,ies');
    expect(F('pluralize', 1.5)).toBe('');
    expect(F('pluralize', '1')).toBe('');
    expect(errType(() => F('pluralize', 'x'))).toBe('ValueError');
    expect(F('striptags', '<p>a &amp; <b>b</b></p>')).toBe('a &amp; b');
    expect(F('urlencode', 'a b/c?d=e&f~')).toBe('a%20b%2Fc%3Fd%3De%26f~');
    expect(F('urlencode', 'é')).toBe('%C3%A9');
  });
  it('escape/e/safe produce Markup', () => {
    const e1 = F('escape', '<a href="x">\'&');
    expect(e1).toBeInstanceOf(Markup);
    expect(String(e1)).toBe('&lt;a href=&#34;x&#34;&gt;&#39;&amp;'.replace(/&#34;/g, '&quot;'));
    const m = new Markup('<b>');
    expect(F('e', m)).toBe(m);
    expect(String(F('e', F('e', '<')))).toBe('&lt;');
    expect(String(F('escape', 5))).toBe('5');
    expect(F('safe', '<b>')).toBeInstanceOf(Markup);
    expect(String(F('safe', '<b>', 'trusted'))).toBe('<b>');
    expect(String(F('safe', null))).toBe('None');
  });
  it('xmlattr', () => {
    const r = F('xmlattr', { class: 'btn', id: 'a"b', skip: null, on: true });
    expect(r).toBeInstanceOf(Markup);
    expect(String(r)).toBe('class="btn" id="a&quot;b" on="True"');
    expect(String(F('xmlattr', { a: new Markup('<b>') }))).toBe('a="&lt;b&gt;"');
    expect(String(F('xmlattr', new Map([['x', 1]])))).toBe('x="1"');
    expect(errType(() => F('xmlattr', { 'a b': 1 }))).toBe('ValueError');
    expect(errType(() => F('xmlattr', { '': 1 }))).toBe('ValueError');
  });
  it('csp_nonce', () => {
    const r = F('csp_nonce', new Markup('<script>x</script><style media="a">'), 'n"1');
    expect(r).toBeInstanceOf(Markup);
    expect(String(r)).toBe('<script nonce="n&quot;1">x</script><style media="a" nonce="n&quot;1">');
    expect(String(F('csp_nonce', new Markup('<script nonce="old">'), 'new'))).toBe('<script nonce="old">');
    expect(String(F('csp_nonce', new Markup('<script>')))).toBe('<script>');
    // a plain string is data: escaped, never given live tags or the nonce
    expect(String(F('csp_nonce', '<script>x</script>', 'n'))).toBe('&lt;script&gt;x&lt;/script&gt;');
  });
});

describe('collection filters', () => {
  it('length/count, first/last', () => {
    expect(F('length', [1, 2, 3])).toBe(3);
    expect(F('count', 'héllo')).toBe(5);
    expect(F('length', { a: 1 })).toBe(1);
    expect(F('length', null)).toBe(0);
    expect(F('length', 5)).toBe(0);
    expect(F('first', [1, 2])).toBe(1);
    expect(F('first', 'ab')).toBe('a');
    expect(F('first', [])).toBeNull();
    expect(F('first', 5)).toBeNull();
    expect(F('last', [1, 2])).toBe(2);
    expect(F('last', new Range(0, 5, 1))).toBe(4);
    const m = new Markup('x');
    expect(F('first', [m])).toBe(m);
  });
  it('join', () => {
    expect(F('join', [1, 'a', null], ', ')).toBe('1, a, None');
    expect(F('join', ['a', 'b'])).toBe('ab');
    expect(F('join', null)).toBe('');
    expect(F('join', [new Markup('<b>'), '<i>'])).toBe('<b><i>');
    expect(F('join', [new Markup('<b>'), '<i>'])).not.toBeInstanceOf(Markup);
    const r = F('join', ['<i>', 'x'], new Markup('<br>'));
    expect(r).toBeInstanceOf(Markup);
    expect(String(r)).toBe('&lt;i&gt;<br>x');
  });
  it('reverse and list', () => {
    expect(F('reverse', 'abc')).toEqual(['c', 'b', 'a']);
    expect(F('reverse', [1, 2, 3])).toEqual([3, 2, 1]);
    const src = [1, 2];
    F('reverse', src);
    expect(src).toEqual([1, 2]);
    expect(errType(() => F('reverse', null))).toBe('TypeError');
    expect(F('list', 'ab')).toEqual(['a', 'b']);
    expect(F('list', { a: 1, b: 2 })).toEqual(['a', 'b']);
    expect(F('list', new Range(0, 3, 1))).toEqual([0, 1, 2]);
    expect(errType(() => F('list', null))).toBe('TypeError');
  });
  it('sort', () => {
    expect(F('sort', [3, 1, 2])).toEqual([1, 2, 3]);
    expect(F('sort', ['b', 'A', 'c'])).toEqual(['A', 'b', 'c']);
    expect(F('sort', ['b', 'A', 'c'], false, true)).toEqual(['A', 'b', 'c']);
    expect(F('sort', ['b', 'a', 'C'], false, true)).toEqual(['C', 'a', 'b']);
    expect(F('sort', ['b', null, 2, '', true, 'a'])).toEqual([true, 2, 'a', 'b', null, '']);
    expect(F('sort', [3, 1, 2], true)).toEqual([3, 2, 1]);
    expect(F('sort', null)).toEqual([]);
    const items = [{ n: 'b', w: 2 }, { n: 'a', w: null }, { n: 'c', w: 1 }];
    expect((F('sort', items, false, false, 'w') as { n: string }[]).map((x) => x.n)).toEqual(['c', 'b', 'a']);
    expect((F('sort', items, true, false, 'w') as { n: string }[]).map((x) => x.n)).toEqual(['a', 'b', 'c']);
    const multi = [{ a: 1, b: 'y' }, { a: 0, b: 'z' }, { a: 1, b: 'x' }];
    expect(F('sort', multi, false, false, 'a, b')).toEqual([multi[1], multi[2], multi[0]]);
  });
  it('sort is stable, also when reversed', () => {
    const xs = [{ k: 1, id: 'a' }, { k: 2, id: 'b' }, { k: 1, id: 'c' }];
    expect((F('sort', xs, true, false, 'k') as { id: string }[]).map((x) => x.id)).toEqual(['b', 'a', 'c']);
  });
  it('dictsort', () => {
    const r = F('dictsort', { b: 2, a: 1, C: 3 }) as Tuple[];
    expect(r.map((t) => t[0])).toEqual(['a', 'b', 'C']);
    expect(r[0]).toBeInstanceOf(Tuple);
    expect(pyStr(F('dictsort', { b: 2, a: 1 }))).toBe("[('a', 1), ('b', 2)]");
    expect((F('dictsort', { b: 2, a: 1, C: 3 }, true) as Tuple[]).map((t) => t[0])).toEqual(['C', 'a', 'b']);
    expect((F('dictsort', { x: 3, y: 1, z: 2 }, false, 'value') as Tuple[]).map((t) => t[0])).toEqual(['y', 'z', 'x']);
    expect((F('dictsort', { a: 1, b: 2 }, false, 'key', true) as Tuple[]).map((t) => t[0])).toEqual(['b', 'a']);
  });
  it('unique', () => {
    expect(F('unique', ['a', 'A', 'b'])).toEqual(['a', 'b']);
    expect(F('unique', ['a', 'A', 'b'], true)).toEqual(['a', 'A', 'b']);
    expect(F('unique', [1, 1.0, true, 2])).toEqual([1, 2]);
    expect(F('unique', [tuple([1, 2]), tuple([1, 2])])).toHaveLength(1);
    expect(errType(() => F('unique', [[1], [1]]))).toBe('TypeError');
  });
  it('groupby returns grouper/list dicts sorted by key', () => {
    const items = [{ t: 'b', v: 1 }, { t: 'a', v: 2 }, { t: null, v: 3 }, { t: 'b', v: 4 }, { v: 5 }];
    const g = F('groupby', items, 't') as { grouper: unknown; list: { v: number }[] }[];
    expect(g.map((x) => x.grouper)).toEqual(['a', 'b', null]);
    expect(g.map((x) => x.list.map((y) => y.v))).toEqual([[2], [1, 4], [3, 5]]);
    expect(F('groupby', [{ k: 2 }, { k: 'x' }, { k: 1 }], 'k')).toEqual([
      { grouper: 1, list: [{ k: 1 }] },
      { grouper: 2, list: [{ k: 2 }] },
      { grouper: 'x', list: [{ k: 'x' }] },
    ]);
  });
  it('map', () => {
    expect(F('map', [{ name: 'a' }, { name: null }, {}], [], 'name')).toEqual(['a', '', '']);
    expect(F('map', ['a', 'b'], ['upper'])).toEqual(['A', 'B']);
    expect(F('map', [1, 2])).toEqual([1, 2]);
    expect(F('map', null, [], 'x')).toEqual([]);
    class P {
      constructor(readonly name: string) {}
      shout() {
        return this.name.toUpperCase();
      }
    }
    expect(F('map', [new P('x')], [], 'name')).toEqual(['x']);
    expect(F('map', [new P('x')], ['shout'])).toEqual(['X']);
  });
  it('select/reject with tests from the environment', () => {
    expect(F('select', [0, 1, '', 'a', null])).toEqual([1, 'a']);
    expect(F('reject', [0, 1, '', 'a', null])).toEqual([0, '', null]);
    expect(F('select', [1, 2, 3, 4, 5], 'odd')).toEqual([1, 3, 5]);
    expect(F('reject', [1, 2, 3, 4, 5], 'odd')).toEqual([2, 4]);
    expect(F('select', [1, 5, 10], 'gt', [3])).toEqual([5, 10]);
    expect(F('select', ['a', 1, null], 'string')).toEqual(['a']);
    const custom: FilterEnv = { ...env, tests: { ...tests, big: (v: unknown) => (v as number) > 100 } };
    expect(filters.select!.call(custom, [1, 200], 'big')).toEqual([200]);
    expect(errType(() => F('select', [1], 'nosuchtest'))).toBe('TemplateRuntimeError');
    // without an environment the built-in tests are used
    expect(filters.select!(  [1, 2, 3], 'even')).toEqual([2]);
  });
  it('selectattr/rejectattr are dict-aware', () => {
    const users = [{ name: 'a', active: true }, { name: 'b', active: false }, { name: 'c' }];
    expect(F('selectattr', users, 'active')).toEqual([users[0]]);
    expect(F('rejectattr', users, 'active')).toEqual([users[1], users[2]]);
    expect(F('selectattr', users, 'name', 'eq', ['b'])).toEqual([users[1]]);
    expect(F('selectattr', users, 'active', 'none')).toEqual([users[2]]);
    expect(F('selectattr', [{ a: { b: 1 } }, { a: { b: 0 } }], 'a.b')).toEqual([{ a: { b: 1 } }]);
  });
  it('batch and slice', () => {
    expect(F('batch', [1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(F('batch', [1, 2, 3, 4], 3, 'X')).toEqual([[1, 2, 3], [4, 'X', 'X']]);
    expect(F('batch', [1, 2, 3], 3, 'X')).toEqual([[1, 2, 3]]);
    expect(F('slice', [1, 2, 3, 4, 5], 2)).toEqual([[1, 3, 5], [2, 4]]);
    expect(F('slice', [1, 2], 3)).toEqual([[1], [2], []]);
    expect(F('slice', [1, 2, 3], 2, 'x')).toEqual([[1, 3], [2]]);
  });
  it('take/skip/compact', () => {
    expect(F('take', [1, 2, 3, 4], 2)).toEqual([1, 2]);
    expect(F('take', null, 2)).toEqual([]);
    expect(F('take', [1, 2], -1)).toEqual([]);
    expect(F('skip', [1, 2, 3, 4], 2)).toEqual([3, 4]);
    expect(F('skip', null, 2)).toEqual([]);
    expect(F('compact', [0, null, '', false, 'value'])).toEqual(['value']);
    expect(F('compact', [0, null, '', false, 'value'], false)).toEqual([0, '', false, 'value']);
    expect(F('compact', null)).toEqual([]);
  });
  it('sum/min/max', () => {
    expect(F('sum', [1, 2, 3])).toBe(6);
    expect(F('sum', [1, 2, 3], null, 10)).toBe(16);
    expect(pyStr(F('sum', [0.5, 0.5]))).toBe('1.0');
    // dict-aware attribute lookups (the reference's getattr-only lookup is a bug, Appendix A 10)
    expect(F('sum', [{ x: 1 }, { x: 2 }, {}], 'x')).toBe(3);
    expect(F('sum', [{ x: 1 }], 'x', 10)).toBe(11);
    expect(F('max', [{ x: 1 }, { x: 5 }, { x: null }], 'x')).toEqual({ x: 5 });
    expect(F('min', [{ x: 1 }, { x: 5 }, { x: null }], 'x')).toEqual({ x: null });
    expect(F('unique', [{ k: 'a', i: 1 }, { k: 'A', i: 2 }, { k: 'b', i: 3 }], false, 'k')).toEqual([{ k: 'a', i: 1 }, { k: 'b', i: 3 }]);
    class I {
      constructor(readonly x: number) {}
    }
    expect(F('sum', [new I(1), new I(2)], 'x')).toBe(3);
    expect(errType(() => F('sum', ['a', 'b']))).toBe('TypeError');
    expect(F('min', [3, 1, 2])).toBe(1);
    expect(F('max', [3, 1, 2])).toBe(3);
    expect(F('max', 'abc')).toBe('c');
    expect(F('min', [new I(5), new I(2)], 'x')).toEqual(new I(2));
    expect(errType(() => F('min', []))).toBe('ValueError');
    expect(errType(() => F('max', [1, 'a']))).toBe('TypeError');
  });
  it('attr/get', () => {
    expect(F('attr', { name: 'x' }, 'name')).toBe('x');
    expect(F('attr', { name: null }, 'name')).toBe('');
    expect(F('attr', null, 'name')).toBe('');
    expect(F('attr', {}, 'missing')).toBe('');
    expect(F('get', { items: 1 }, 'items')).toBe(1);
    expect(F('get', { a: 1 }, 'b', 'dflt')).toBe('dflt');
    expect(F('get', null, 'b', 'dflt')).toBe('dflt');
    expect(F('get', new Map<unknown, unknown>([[1, 'one']]), 1)).toBe('one');
    class O {
      secret = 1;
    }
    expect(F('get', new O(), 'secret')).toBe(1);
    expect(errType(() => F('attr', new O(), 'constructor'))).toBe('SecurityError');
    expect(() => F('get', new O(), '__proto__')).toThrow(SecurityError);
    expect(F('attr', {}, 'constructor')).toBe('');
  });
  it('random/shuffle/classes', () => {
    expect([1, 2, 3]).toContain(F('random', [1, 2, 3]));
    expect(F('random', [])).toBeNull();
    const src = [1, 2, 3, 4];
    const sh = F('shuffle', src) as number[];
    expect([...sh].sort()).toEqual(src);
    expect(sh).not.toBe(src);
    expect(F('classes', ['card', null, 'active', false, ['x', '', 'y']])).toBe('card active x y');
    expect(F('classes', 'ab')).toBe('a b');
    expect(F('classes', null)).toBe('');
    expect(F('classes', 5)).toBe('5');
  });
});

describe('number and conversion filters', () => {
  it('abs', () => {
    expect(F('abs', -5)).toBe(5);
    expect(F('abs', -2.5)).toBe(2.5);
    expect(F('abs', true)).toBe(1);
    expect(F('abs', -10n)).toBe(10n);
    expect(errType(() => F('abs', 'x'))).toBe('TypeError');
  });
  it('round always returns a float, banker\'s rounding', () => {
    expect(S('round', 5)).toBe('5.0');
    expect(S('round', 3.7)).toBe('4.0');
    expect(S('round', 2.5)).toBe('2.0');
    expect(S('round', 3.5)).toBe('4.0');
    expect(S('round', 3.14159, 2)).toBe('3.14');
    expect(S('round', 2.675, 2)).toBe('2.67');
    expect(S('round', 1234.5, -2)).toBe('1200.0');
    expect(S('round', 3.14159, 1, 'ceil')).toBe('3.2');
    expect(S('round', 3.19, 1, 'floor')).toBe('3.1');
    expect(S('round', '2.5')).toBe('2.0');
    expect(S('round', 'abc')).toBe('0.0');
    expect(() => F('round', 'abc', 0, 'common', true)).toThrow(TemplateRuntimeError);
    expect(F('round', 5)).toBeInstanceOf(PyFloat);
  });
  it('int', () => {
    expect(F('int', '42')).toBe(42);
    expect(F('int', ' 42 ')).toBe(42);
    expect(F('int', 4.7)).toBe(4);
    expect(F('int', -4.7)).toBe(-4);
    expect(F('int', '4.7')).toBe(0);
    expect(F('int', '0x1A')).toBe(0);
    expect(F('int', 'abc', 7)).toBe(7);
    expect(F('int', null)).toBe(0);
    expect(F('int', true)).toBe(1);
    expect(() => F('int', 'abc', 0, true)).toThrow(TemplateRuntimeError);
  });
  it('float', () => {
    expect(F('float', '3.14')).toBe(3.14);
    expect(S('float', '1e3')).toBe('1000.0');
    expect(S('float', 'inf')).toBe('inf');
    expect(S('float', 'abc')).toBe('0.0');
    expect(S('float', 'abc', 1.5)).toBe('1.5');
    expect(S('float', 2)).toBe('2.0');
    expect(() => F('float', 'abc', 0, true)).toThrow(TemplateRuntimeError);
  });
  it('string', () => {
    expect(F('string', null)).toBe('None');
    expect(F('string', new Markup('<b>'))).toBe('<b>');
    expect(F('string', new Markup('<b>'))).not.toBeInstanceOf(Markup);
    expect(F('string', [1, 'a'])).toBe("[1, 'a']");
    expect(F('string', new PyFloat(2))).toBe('2.0');
  });
  it('decimal/format_number/commas', () => {
    expect(F('decimal', 3.1)).toBe('3.10');
    expect(F('decimal', 3.14159, 3)).toBe('3.142');
    expect(F('decimal', 42.7, 0)).toBe('43');
    expect(F('decimal', 2.675)).toBe('2.67');
    expect(F('decimal', 0.125)).toBe('0.12');
    expect(F('decimal', 'abc')).toBe('abc');
    expect(() => F('decimal', 'abc', 2, true)).toThrow(TemplateRuntimeError);
    expect(F('format_number', 1234567)).toBe('1,234,567');
    expect(F('format_number', 1234.9)).toBe('1,234');
    expect(F('format_number', 1234.567, 2)).toBe('1,234.57');
    expect(F('format_number', -1234567.5)).toBe('-1,234,567');
    expect(F('format_number', 'x')).toBe('x');
    expect(F('commas', 1000)).toBe('1,000');
  });
  it('filesizeformat', () => {
    expect(F('filesizeformat', 100)).toBe('100 Bytes');
    expect(F('filesizeformat', 1)).toBe('1 Bytes');
    expect(F('filesizeformat', 1500)).toBe('1.5 kB');
    expect(F('filesizeformat', 1250)).toBe('1.2 kB');
    expect(F('filesizeformat', 1500000)).toBe('1.5 MB');
    expect(F('filesizeformat', 1500, true)).toBe('1.5 KiB');
    expect(F('filesizeformat', 10 ** 15)).toBe('1000.0 TB');
    expect(F('filesizeformat', 'abc')).toBe('0 Bytes');
  });
  it('tojson', () => {
    const r = F('tojson', { a: [1, 2.5, null, true], b: 'é</script>' });
    expect(r).toBeInstanceOf(Markup);
    expect(String(r)).toBe('{"a": [1, 2.5, null, true], "b": "\\u00e9\\u003c/script\\u003e"}');
    expect(String(F('tojson', [1, { a: 1 }], 2))).toBe('[\n  1,\n  {\n    "a": 1\n  }\n]');
    expect(String(F('tojson', tuple([1, 2])))).toBe('[1, 2]');
    expect(String(F('tojson', new PyFloat(2)))).toBe('2.0');
    expect(String(F('tojson', NaN))).toBe('NaN');
    expect(String(F('tojson', new Set([1])))).toBe('"{1}"');
    expect(String(F('tojson', new Map<unknown, unknown>([[1, 'x'], [true, 'y']])))).toBe('{"1": "x", "true": "y"}');
    expect(String(F('tojson', { a: "'<&" }, null, true))).toBe('{&quot;a&quot;: &quot;&#39;&lt;&amp;&quot;}');
    expect(String(F('tojson', []))).toBe('[]');
  });
  it('typeof', () => {
    expect(F('typeof', true)).toBe('bool');
    expect(F('typeof', 1)).toBe('int');
    expect(F('typeof', 1.5)).toBe('float');
    expect(F('typeof', new PyFloat(1))).toBe('float');
    expect(F('typeof', 'x')).toBe('str');
    expect(F('typeof', new Markup('x'))).toBe('str');
    expect(F('typeof', [])).toBe('list');
    expect(F('typeof', tuple([1]))).toBe('tuple');
    expect(F('typeof', {})).toBe('dict');
    expect(F('typeof', null)).toBe('none');
    expect(F('typeof', new Set())).toBe('set');
  });
  it('date', () => {
    const d = new Date(2024, 1, 13, 9, 5, 7);
    expect(F('date', d)).toBe('2024-02-13');
    expect(F('date', d, '%b %d, %Y %H:%M:%S %p %A %j')).toBe('Feb 13, 2024 09:05:07 AM Tuesday 044');
    expect(F('date', d.getTime() / 1000)).toBe('2024-02-13');
    expect(F('date', null)).toBe('');
    expect(F('date', '2024-01-01')).toBe('');
    expect(F('date', NaN)).toBe('');
    expect(F('date', 1e20)).toBe('');
  });
});

describe('validation and debugging filters', () => {
  it('default/d', () => {
    expect(F('default', null, 'x')).toBe('x');
    expect(F('default', undefined, 'x')).toBe('x');
    expect(F('default', UNDEF, 'x')).toBe('x');
    expect(F('default', '', 'x')).toBe('');
    expect(F('default', 0, 'x')).toBe(0);
    expect(F('d', '', 'x', true)).toBe('x');
    expect(F('d', 0, 'x', true)).toBe('x');
    expect(F('default', null)).toBe('');
    const m = new Markup('<b>');
    expect(F('default', m, 'x')).toBe(m);
  });
  it('require', () => {
    expect(F('require', 'a')).toBe('a');
    expect(F('require', '')).toBe('');
    expect(() => F('require', null)).toThrow(RequiredValueError);
    expect(() => F('require', null, 'Need it')).toThrow(/Need it/);
    expect(() => F('require', undefined, null, 'api_key')).toThrow(/api_key/);
    try {
      F('require', null);
    } catch (e) {
      expect(e).toBeInstanceOf(TemplateRuntimeError);
      expect((e as RequiredValueError).code).toBe('K-RUN-004');
    }
  });
  it('debug returns its value unchanged', () => {
    const orig = process.stderr.write;
    let written = '';
    process.stderr.write = ((chunk: string) => {
      written += chunk;
      return true;
    }) as typeof process.stderr.write;
    try {
      const v = [1, 2, 3];
      expect(F('debug', v, 'lbl')).toBe(v);
    } finally {
      process.stderr.write = orig;
    }
    expect(written).toContain('DEBUG [lbl]: <list[3]>');
  });
  it('pprint is pprint.pformat', () => {
    expect(F('pprint', { b: 1, a: 'x' })).toBe("{'a': 'x', 'b': 1}");
    expect(F('pprint', [1, null, true])).toBe('[1, None, True]');
    expect(F('pprint', Array.from({ length: 30 }, (_, i) => i))).toBe(
      '[' + Array.from({ length: 30 }, (_, i) => String(i)).join(',\n ') + ']',
    );
    expect(F('pprint', { k: 'x'.repeat(90) })).toBe(`{'k': '${'x'.repeat(90)}'}`);
    expect(F('pprint', 'word '.repeat(20))).toBe(
      "('word word word word word word word word word word word word word word word '\n 'word word word word word ')",
    );
  });
});
