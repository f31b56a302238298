// Issue #19 §5: the sandbox policy holds on every path that reads an attribute or key, calls,
// or could mutate host data, in every entry point.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { makeEnv } from '../support.js';
import { LruFragmentStore } from '../../runtime/cache.js';
import { refused, renders } from './sandbox-support.js';

const secretData = () => ({
  d: { _x: 'SECRET', pub: 'ok', hidden: 'H', n: { _y: 'SECRET', z: 1 } },
  rows: [
    { _p: 2, name: 'b', hidden: 'H' },
    { _p: 1, name: 'a', hidden: 'H' },
  ],
});

describe('underscore names are refused on every access path', () => {
  it.each([
    ['{{ d["_x"] }}', 'subscript'],
    ['{{ d?["_x"] }}', 'optional subscript'],
    ['{{ d | attr("_x") }}', 'attr()'],
    ['{{ rows | map(attribute="_p") | join }}', 'map(attribute=)'],
    ['{{ rows | selectattr("_p") | list }}', 'selectattr'],
    ['{{ rows | rejectattr("n._y") | list }}', 'rejectattr dotted path'],
    ['{{ rows | sort(attribute="name,_p") | list }}', 'sort attribute list'],
    ['{{ rows | groupby("_p") | list }}', 'groupby'],
    ['{{ rows | sum(attribute="_p") }}', 'sum'],
    ['{{ rows | min(attribute="_p") }}', 'min'],
    ['{{ rows | unique(attribute="_p") | list }}', 'unique'],
    ['{{ d | get("_x") }}', 'get filter'],
    ['{{ d.get("_x") }}', '.get()'],
    ['{{ "{0._x}".format(d) }}', 'format field attribute'],
    ['{{ "{0[n][_y]}".format(d) }}', 'format field item'],
    ['{{ "{0.n._y}" | format(d) }}', 'format filter field'],
    ['{{ "%(_x)s" % d }}', '% with a mapping'],
  ])('%s (%s)', async (src) => {
    const e = await refused(src, 'K-SEC-001', secretData);
    expect(e.message).toMatch(/is blocked by sandbox policy/);
    expect(e.message).not.toMatch(/SECRET/);
  });
  it('ordinary names still work through the same paths', async () => {
    await renders(
      '{{ d["pub"] }} {{ d | attr("pub") }} {{ rows | map(attribute="name") | join }} {{ rows | sort(attribute="name") | map(attribute="name") | join }} {{ d.get("pub") }} {{ "{0.pub}".format(d) }} {{ "%(pub)s" % d }}',
      'ok ok ba ab ok ok ok',
      secretData,
    );
  });
  it('property: any generated name starting with "_" is refused by subscript, attr() and map(attribute=)', async () => {
    const name = fc.stringMatching(/^_[A-Za-z0-9_]{0,12}$/);
    await fc.assert(
      fc.asyncProperty(name, fc.constantFrom('d[{q}]', 'd | attr({q})', '[d] | map(attribute={q}) | list', '[d] | selectattr({q}) | list', 'd.get({q})'), async (n, shape) => {
        const src = `{{ ${shape.replace('{q}', JSON.stringify(n))} }}`;
        const t = makeEnv({}, { sandbox: true }).fromString(src);
        expect(() => t.render({ d: { [n]: 'SECRET' } })).toThrow(/blocked by sandbox policy/);
      }),
      { numRuns: 80 },
    );
  });
  it('property: a dotted path with an underscore segment anywhere is refused', async () => {
    const seg = fc.stringMatching(/^[a-z][a-z0-9]{0,5}$/);
    await fc.assert(
      fc.asyncProperty(fc.array(seg, { minLength: 0, maxLength: 3 }), fc.array(seg, { maxLength: 3 }), async (before, after) => {
        const path = [...before, '_s', ...after].join('.');
        const t = makeEnv({}, { sandbox: true }).fromString(`{{ xs | map(attribute=${JSON.stringify(path)}) | list }}`);
        expect(() => t.render({ xs: [{}] })).toThrow(/'_s' is blocked/);
        const f = makeEnv({}, { sandbox: true }).fromString(`{{ ${JSON.stringify(`{0.${path}}`)}.format(x) }}`);
        expect(() => f.render({ x: {} })).toThrow(/'_s' is blocked/);
      }),
      { numRuns: 60 },
    );
  });
});

describe('methods read as values cannot carry unchecked arguments', () => {
  it.each([
    ['{% set f = "{0._x}".format %}{{ f(d) }}', 'format read, then called'],
    ['{% set g = d.get %}{{ g("_x") }}', '.get read, then called'],
    ['{{ ("{0._x}" | attr("format"))(d) }}', 'format through attr()'],
    ['{{ (["{0._x}"] | map(attribute="format") | first)(d) }}', 'format through map(attribute=)'],
    ['{{ (l | attr("pop"))() }}', 'a mutator through attr()'],
    ['{{ ([l] | map(attribute="pop") | first)() }}', 'a mutator through map(attribute=)'],
  ])('%s (%s)', async (src) => {
    const data = { ...secretData(), l: [1, 2] };
    const e = await refused(src, 'K-SEC-001', () => data);
    expect(e.message).not.toMatch(/SECRET/);
    expect(data.l).toEqual([1, 2]);
  });
  it('a regex test named by select/selectattr is checked like `is match`', async () => {
    // (patterns only a backtracking RegExp can run; nested quantifiers are linear: runtime/regex.ts)
    await refused('{{ xs | select("match", "(?=a)(a+)+$") | list }}', 'K-SEC-003', () => ({ xs: ['aaaa'] }));
    await refused('{{ xs | selectattr("s", "match", "(a)\\\\1") | list }}', 'K-SEC-003', () => ({ xs: [{ s: 'aaaa' }] }));
    await renders('{{ xs | select("match", "(a+)+$") | join(",") }}', 'aaaa', () => ({ xs: ['aaaa', 'aab'] }));
    await renders('{{ xs | select("match", "a+") | join(",") }}', 'aaaa', () => ({ xs: ['aaaa', 'b'] }));
  });
});

describe("another template's private names", () => {
  const lib = { lib: '{% def _p() %}private{% end %}{% def pub() %}pub{% end %}' };
  it.each(['{% from "lib" import _p %}{{ _p() }}', '{% from "lib" import _p as q %}{{ q() }}', '{% import "lib" as m %}{{ m._p() }}', '{% import "lib" as m %}{{ m["_p"]() }}'])(
    '%s is refused',
    async (src) => {
      await refused(src, 'K-SEC-001', undefined, true, lib);
    },
  );
  it('public names import as usual', async () => {
    await renders('{% from "lib" import pub %}{{ pub() }}', 'pub', undefined, true, lib);
  });
});

describe('blockedAttributes on every path', () => {
  const policy = { blockedAttributes: ['hidden'] };
  it.each(['{{ d.hidden }}', '{{ d["hidden"] }}', '{{ d | attr("hidden") }}', '{{ rows | map(attribute="hidden") | list }}', '{{ rows | selectattr("hidden") | list }}', '{{ d.get("hidden") }}', '{{ "{0.hidden}".format(d) }}', '{{ "%(hidden)s" % d }}'])(
    '%s',
    async (src) => {
      await refused(src, 'K-SEC-001', secretData, policy);
    },
  );
});

describe('allowMutatingMethods: false keeps host data unchanged', () => {
  const host = () => ({
    l: [1, 2, 3],
    m: new Map([['k', 1]]),
    s: new Set([1]),
    dt: new Date(0),
    ta: new Uint8Array([1, 2, 3]),
    d: { a: 1 },
  });
  it.each([
    ['{{ l | map("pop") | list }}', 'map("pop")'],
    ['{{ [l] | map("clear") | list }}', 'map("clear")'],
    ['{{ l.append(4) }}', 'list method shim'],
    ['{{ d.update({"a": 2}) }}', 'dict method shim'],
    ['{{ d.setdefault("b", 2) }}', 'setdefault'],
    ['{{ dt.setFullYear(2000) }}', 'Date setter'],
    ['{% set f = dt.setTime %}{{ f(5) }}', 'Date setter read, then called'],
    ['{{ m.set("k", 2) }}', 'Map.set'],
    ['{{ m.delete("k") }}', 'Map.delete'],
    ['{{ s.add(2) }}', 'Set.add'],
    ['{{ s.clear() }}', 'Set.clear'],
    ['{{ ta.fill(0) }}', 'typed array fill'],
    ['{{ ta.set([9]) }}', 'typed array set'],
    ['{{ ta.reverse() }}', 'typed array reverse'],
    ['{% set f = m.set %}{{ f("k", 2) }}', 'Map.set read, then called'],
  ])('%s (%s)', async (src) => {
    const data = host();
    await refused(src, 'K-SEC-001', () => data);
    expect(data.l).toEqual([1, 2, 3]);
    expect([...data.m]).toEqual([['k', 1]]);
    expect([...data.s]).toEqual([1]);
    expect(data.dt.getTime()).toBe(0);
    expect([...data.ta]).toEqual([1, 2, 3]);
    expect(data.d).toEqual({ a: 1 });
  });
  it('a mutator is not reachable by subscript either', async () => {
    const data = host();
    for (const src of ['{{ ta["fill"](0) }}', '{{ dt["setTime"](5) }}', '{{ m["clear"]() }}']) expect(() => makeEnv({}, { sandbox: true }).fromString(src).render(data)).toThrow();
    expect([...data.ta]).toEqual([1, 2, 3]);
    expect(data.dt.getTime()).toBe(0);
    expect(data.m.size).toBe(1);
  });
  it('globals shared between renders stay unchanged', async () => {
    const shared = [1];
    const env = makeEnv({}, { sandbox: true, globals: { shared } });
    for (const src of ['{{ shared.append(2) }}', '{{ [shared] | map("pop") | list }}', '{% set x = shared %}{{ x.extend([3]) }}'])
      expect(() => env.fromString(src).render()).toThrow(/blocked by sandbox policy/);
    expect(shared).toEqual([1]);
  });
  it('with mutation allowed, pop and setdefault still cannot read hidden keys', async () => {
    for (const src of ['{{ d.pop("_x") }}', '{{ d.setdefault("_x", 1) }}'])
      await refused(src, 'K-SEC-001', () => ({ d: { _x: 'SECRET' } }), { allowMutatingMethods: true });
  });
  it('allowMutatingMethods: true allows them', async () => {
    await renders('{% set l = [1] %}{{ l.append(2) }}{{ l }}', 'None[1, 2]', undefined, { allowMutatingMethods: true });
  });
});

describe('allowCalling applies to calls filters and globals make', () => {
  it('map("method") calls a method: refused when functions may not be called', async () => {
    await refused('{{ names | map("upper") | list }}', 'K-SEC-004', () => ({ names: ['a', 'b'] }), { allowCalling: [] });
    await renders('{{ names | map("upper") | join }}', 'AB', () => ({ names: ['a', 'b'] }), { allowCalling: ['function'] });
  });
  it('optional method calls are checked like calls', async () => {
    await refused('{{ d?.keys() | list }}', 'K-SEC-004', () => ({ d: { a: 1 } }), { allowCalling: [] });
  });
  it('a callable handed to a global is checked like a call', async () => {
    await refused('{{ sorted(xs, key=f) }}', 'K-SEC-004', () => ({ xs: [2, 1], f: (x: number) => -x }), { allowCalling: ['builtin_function_or_method'] });
  });
});

describe('allowedAttributes (allow-list mode)', () => {
  const policy = { allowedAttributes: ['name', 'title'] };
  const data = () => ({ user: { name: 'ann', email: 'a@x', title: 'T', keys: 'K' }, users: [{ name: 'b', email: 'e' }] });
  it('reaches listed names and non-mutating collection methods', async () => {
    await renders('{{ user.name }} {{ user.title }} {{ user.items() | list | length }} {{ users | map(attribute="name") | join }} {{ user["email"] }}', 'ann T 4 b a@x', data, policy);
  });
  it.each(['{{ user.email }}', '{{ user | attr("email") }}', '{{ users | map(attribute="email") | list }}', '{{ users | selectattr("email") | list }}', '{{ user.keys }}', '{{ "{0.email}".format(user) }}'])(
    'refuses %s',
    async (src) => {
      await refused(src, 'K-SEC-001', data, policy);
    },
  );
  it('item access to dicts is not attribute access: subscripts, .get(), |get and %-mappings reach any key', async () => {
    await renders('{{ user["email"] }} {{ user.get("email") }} {{ user | get("email") }} {{ "%(email)s" % user }} {{ "{0[email]}".format(user) }}', 'a@x a@x a@x a@x a@x', data, policy);
    await refused('{{ user.get("_x") }}', 'K-SEC-001', data, policy);
  });
  it('snake_case allowed_attributes is read', async () => {
    await refused('{{ user.email }}', 'K-SEC-001', data, { allowed_attributes: ['name'] });
  });
});

describe('fragment cache and fallback messages', () => {
  it('a sandboxed environment sharing a store can neither read nor plant trusted entries', () => {
    const store = new LruFragmentStore();
    const trusted = makeEnv({}, { fragmentCache: store });
    const sandboxed = makeEnv({}, { fragmentCache: store, sandbox: true });
    expect(trusted.fromString('{% cache "k" %}trusted{% endcache %}').render()).toBe('trusted');
    expect(sandboxed.fromString('{% cache "k" %}sandboxed{% endcache %}').render()).toBe('sandboxed');
    expect(sandboxed.fromString('{% cache "p" %}planted{% endcache %}').render()).toBe('planted');
    expect(trusted.fromString('{% cache "p" %}trusted p{% endcache %}').render()).toBe('trusted p');
    // a trusted key crafted to look like a sandboxed one stays apart
    expect(trusted.fromString('{% cache k %}crafted{% endcache %}').render({ k: '\0sb\0p' })).toBe('crafted');
    // each side still hits its own entries
    expect(sandboxed.fromString('{% cache "p" %}again{% endcache %}').render()).toBe('planted');
    expect(trusted.fromString('{% cache "k" %}again{% endcache %}').render()).toBe('trusted');
  });
  it('{% fallback e %} shows the sandboxed template no lines of another template', async () => {
    const templates = { 'secret.html': 'TOKEN=hunter2\n{{ missing.x }}\nmore' };
    const src = '{% try %}{% include "secret.html" %}{% fallback e %}[{{ e.message }}]{% end %}';
    const sandboxed = makeEnv(templates, { sandbox: true }).fromString(src).render();
    expect(sandboxed).toMatch(/secret\.html:2/);
    expect(sandboxed).not.toMatch(/hunter2/);
    expect(makeEnv(templates).fromString(src).render()).toMatch(/hunter2/); // (trusted templates keep the excerpt)
    // its own source may be shown
    expect(makeEnv({}, { sandbox: true }).fromString('{% try %}{{ missing.x }}{% fallback e %}{{ e.message }}{% end %}').render()).toMatch(/\{\{ missing\.x \}\}/);
  });
});
