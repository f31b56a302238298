// Issue #19, thirteenth safety pass: a held-out red team of the sandbox (hostile templates), in
// Kida and compat: 'nunjucks', and of the compile-only paths a hostile source reaches (`kida check
// --types`, the language server's type worker). What it found is tested here by class, through
// every entry point (sandbox-support.ts, nunjucks-support.ts).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkTypes, MAX_TYPED_DEPTH, treeDepth } from '../../compiler/typecheck.js';
import { parse } from '../../compiler/index.js';
import { DictLoader, Environment } from '../../compiler/environment.js';
import { mutates } from '../../runtime/sandbox.js';
import { refused, renders } from './sandbox-support.js';
import { refused as njkRefused, renders as njkRenders } from './nunjucks-support.js';

/** Host bytes a template must not change: a Buffer, a plain Uint8Array and a second Buffer, with a snapshot of all three. */
function bytes() {
  const c = { buf: Buffer.from('abcd'), other: Buffer.from('wxyz'), u8: new Uint8Array([1, 2, 3, 4]) };
  const before = JSON.stringify([...c.buf, ...c.other, ...c.u8]);
  return { c, unchanged: () => JSON.stringify([...c.buf, ...c.other, ...c.u8]) === before };
}

describe('allowMutatingMethods false: a Buffer (a typed array) is not written in place by any of its own methods', () => {
  // Node's Buffer writes itself through names the typed-array list did not have: write*,
  // *Write, swap16/32/64, and `copy` writes the Buffer it is given.
  const WRITERS = [
    'buf.write("XY")', 'buf.writeUInt8(65, 0)', 'buf.writeInt32LE(1, 0)', 'buf.writeFloatBE(1.5, 0)', 'buf.writeBigInt64LE is defined',
    'buf.writeUIntBE(1, 0, 2)', 'buf.latin1Write("zz", 0)', 'buf.utf8Write("zz", 0)', 'buf.hexWrite("4142", 0)', 'buf.base64Write("QUJD", 0)',
    'buf.swap16()', 'buf.swap32()', 'other.copy(buf)', 'other.copy(u8)', 'buf.subarray(0, 2).write("Q")', 'buf.slice(1).swap16()',
  ];

  it('Kida: each writer is refused (called, read to call later, through attr() and map(attribute=)); the bytes stay as they were', async () => {
    for (const w of WRITERS) {
      const { c, unchanged } = bytes();
      await refused(`{{ ${w} }}`, 'K-SEC-001', () => c);
      expect(unchanged(), w).toBe(true);
    }
    for (const src of ['{% set f = other.copy %}{{ f(buf) }}', '{{ (other | attr("copy"))(buf) }}', '{{ ([other] | map(attribute="copy") | first)(buf) }}', '{{ [buf] | map("swap16") | list }}']) {
      const { c, unchanged } = bytes();
      await refused(src, 'K-SEC-001', () => c);
      expect(unchanged(), src).toBe(true);
    }
  });

  it("Nunjucks mode: the same writers are refused, and an Array method can't take one as a callback", async () => {
    for (const w of [...WRITERS.filter((x) => !x.includes(' is ')), 'buf.writeInt8(1, 0)']) {
      const { c, unchanged } = bytes();
      await njkRefused(`{{ ${w} }}`, 'K-SEC-001', () => c);
      expect(unchanged(), w).toBe(true);
    }
    const { c, unchanged } = bytes();
    await njkRefused('{{ [buf].forEach(other.copy) }}', 'K-SEC-001', () => c);
    expect(unchanged()).toBe(true);
  });

  it('reading a Buffer, and copying a dict, still work; allowMutatingMethods: true allows the writers', async () => {
    const ctx = () => bytes().c;
    await renders('{{ buf.readUInt8(0) }} {{ buf.toString("hex") }} {{ buf.readUInt8(3) }} {{ {"a": 1}.copy() }}', '97 61626364 100 {&#39;a&#39;: 1}', ctx);
    await njkRenders('{{ buf.readUInt8(0) }} {{ buf.toString("hex") }} {{ buf.length }} {{ buf.subarray(1, 2).toString() }}', '97 61626364 4 b', ctx);
    const { c } = bytes();
    await renders('{{ buf.write("Z") }}', '1', () => c, { allowMutatingMethods: true });
    expect(String(c.buf)).toBe('Zbcd');
  });

  it('property: a name is a mutator of a typed array exactly when the typed-array rule or the Buffer rule says so, whatever the receiver', () => {
    const views = [Buffer.from('ab'), new Uint8Array(2), new Float64Array(1), new DataView(new ArrayBuffer(2))];
    fc.assert(
      fc.property(fc.constantFrom(...new Set(views.flatMap((v) => Object.getOwnPropertyNames(Object.getPrototypeOf(v)).concat(Object.getOwnPropertyNames(Object.getPrototypeOf(Object.getPrototypeOf(v))))))), (name) => {
        for (const v of views) {
          const f = (v as unknown as Record<string, unknown>)[name];
          if (typeof f !== 'function' || name === 'constructor') continue;
          // (whether calling it changes the bytes of a fresh view, with arguments a template could give)
          const probe = (view: ArrayBufferView) => {
            const fresh = new Uint8Array(view.buffer.slice(0));
            const copy = ArrayBuffer.isView(view) && view instanceof Buffer ? Buffer.from(fresh) : new (view.constructor as new (b: ArrayBuffer) => ArrayBufferView)(fresh.buffer);
            const target = Buffer.from('zz');
            const snap = () => JSON.stringify([...new Uint8Array(copy.buffer, copy.byteOffset, copy.byteLength), ...target]);
            const s = snap();
            for (const args of [[], [1, 0], ['Q', 0], [target], [0, 1]]) {
              try {
                ((copy as unknown as Record<string, (...a: unknown[]) => unknown>)[name]!)(...args);
              } catch {
                // (a wrong argument: this shape did not write)
              }
            }
            return snap() !== s;
          };
          if (probe(v)) expect(mutates(name, v), `${v.constructor.name}.${name} writes`).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('allow-list mode: the get filter on an object that is not a dict is attribute access', () => {
  class Account {
    name = 'ann';
    secret = 's3cr3t';
  }
  const ctx = () => ({ a: new Account(), d: { name: 'n', secret: 'dict item' }, m: new Map([['secret', 'map item']]) });
  const AL = { allowedAttributes: ['name'] };

  it('refuses an unlisted name of a class instance, as a.secret and a["secret"] do', async () => {
    for (const src of ['{{ a | get("secret") }}', '{{ a | get("secret", "d") }}', '{{ a |> get("secret") }}'])
      await refused(src, 'K-SEC-001', ctx, AL);
    await refused('{{ a.secret }}', 'K-SEC-001', ctx, AL);
  });

  it("keeps item access to dicts and Maps, and a listed name of an instance, and a missing value's default", async () => {
    await renders('{{ a | get("name") }} {{ d | get("secret") }} {{ m | get("secret") }} {{ none | get("x", 1) }} {{ d | get("zz", 2) }}', 'ann dict item map item 1 2', ctx, AL);
  });

  it('property: for any name, `get` on an instance is refused exactly when `.name` is', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('name', 'secret', 'items', 'upper', 'zz', 'get'), async (k) => {
        const { makeEnv } = await import('../support.js');
        const env = makeEnv({}, { sandbox: AL as never });
        const attempt = (src: string) => {
          try {
            env.fromString(src).render(ctx());
            return 'ok';
          } catch (e) {
            return (e as { code?: string }).code === 'K-SEC-001' ? 'refused' : 'ok'; // (undefined attribute: read nothing)
          }
        };
        expect(attempt(`{{ a | get(${JSON.stringify(k)}) }}`)).toBe(attempt(`{{ a[${JSON.stringify(k)}] }}`));
      }),
      { numRuns: 30 },
    );
  });
});

describe("Nunjucks mode: a host's global or sticky RegExp given to a string method or filter keeps its lastIndex", () => {
  // (exec/test on such a RegExp were refused already: they move lastIndex, so the host's next use
  // of it starts elsewhere; String's replace, replaceAll and match reset or advance it the same way)
  const ctx = () => {
    const g = /a/g;
    g.lastIndex = 2;
    const y = /a/y;
    y.lastIndex = 1;
    return { g, y, s: 'aaa' };
  };
  it('replace, replaceAll, match, the replace filter: same text as Nunjucks gives, lastIndex as before', async () => {
    for (const [src, want] of [
      ['{{ s.replace(g, "x") }}', 'xxx'],
      ['{{ s.replaceAll(g, "x") }}', 'xxx'],
      ['{{ s.match(g) }}', 'a,a,a'],
      ['{{ s | replace(g, "x") }}', 'xxx'],
      ['{{ s.replace(y, "x") }}', 'axa'],
      ['{{ s.match(y) }}', 'a'],
    ] as const) {
      let seen: ReturnType<typeof ctx> | null = null;
      await njkRenders(src, want, () => (seen = ctx()));
      expect([seen!.g.lastIndex, seen!.y.lastIndex], src).toEqual([2, 1]);
    }
  });
});

describe('kida check --types (and the language server’s type worker) on a template nested deeper than TypeScript checks', () => {
  let dir: string;
  const write = (rel: string, text: string) => {
    const file = join(dir, rel);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
    return file;
  };
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'kida-s14-types-'));
    write('types.ts', 'export interface Page { title: string }\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const good = () => {
    const source = '{# @types import type { Page } from "../types.js" #}\n{% template page: Page %}{{ page.titel }}';
    return { file: write('templates/good.kida', source), source };
  };

  it('a 4 KB chain (x ~ x ~ … 1,000 times, x.a.a… 3,000, an `is` chain) leaves that file unchecked and checks the others', async () => {
    for (const body of [`{{ page${' ~ page'.repeat(1000)} }}`, `{{ page${'.a'.repeat(3000)} }}`, `{{ page${' is defined == page'.repeat(1500)} }}`]) {
      const hostile = write('templates/hostile.kida', `{% template page: str %}${body}`);
      const res = await checkTypes([{ file: hostile, source: `{% template page: str %}${body}` }, good()], { tsconfig: false });
      expect(res.internal.map((x) => x.file)).toEqual([hostile]);
      expect(res.diagnostics.map((d) => `${d.code} ${d.message.split('.')[0]}`)).toEqual(["K-TYP-004 Property 'titel' does not exist on type 'Page'"]);
    }
  }, 120_000);

  it('treeDepth measures nesting without recursion, and real templates stay well under the bound', () => {
    expect(treeDepth(parse(`{{ x${' ~ x'.repeat(40_000)} }}`))).toBeGreaterThan(40_000);
    expect(treeDepth(parse('{% for a in b %}{% if a.c and d(e) %}{{ a.name | upper ~ "!" }}{% end %}{% end %}'))).toBeLessThan(MAX_TYPED_DEPTH / 10);
  });
});

describe('a sandbox policy whose values are of the wrong kind is refused when the Environment is made, never a weaker policy', () => {
  const make = (policy: Record<string, unknown>) => () => new Environment({ loader: new DictLoader({}), sandbox: policy as never });

  it('NaN, negative numbers, strings and other non-numbers as limits are a TypeError naming the key (NaN compared false: no limit at all)', () => {
    for (const key of ['maxLoopIterations', 'maxRenderTime', 'maxOutputSize', 'maxAllocation', 'maxRange', 'max_loop_iterations'])
      for (const bad of [NaN, -1, '1000', {}, true])
        expect(make({ [key]: bad }), `${key}: ${String(bad)}`).toThrow(new RegExp(`Sandbox policy ${key}`));
  });

  it('a string or a list holding non-names where a list of names goes is a TypeError (a string was searched as text: "username" allowed "user")', () => {
    for (const key of ['allowedAttributes', 'blockedAttributes', 'allowCalling', 'allowed_attributes'])
      for (const bad of ['username', [1], { 0: 'a' }, true]) expect(make({ [key]: bad }), `${key}: ${JSON.stringify(bad)}`).toThrow(new RegExp(`Sandbox policy ${key}`));
  });

  it('null turns each limit off (maxRange too, which refused every range before); Infinity is no limit, and a wait is not cut short by a timer that cannot hold it', async () => {
    await renders('{{ range(20000) | length }}', '20000', () => ({}), { maxRange: null });
    for (const maxRenderTime of [Infinity, 3e9]) {
      const env = new Environment({ loader: new DictLoader({}), sandbox: { maxRenderTime } });
      const slow = () => ({ p: new Promise((r) => setTimeout(() => r('settled'), 30)) });
      expect(await env.fromString('{{ await p }}').renderAsync(slow())).toBe('settled');
    }
  });
});

describe('{% call %} blocks obey the policy their callee would obey called directly (both modes)', () => {
  class Service {
    items = [1, 2];
    _hidden() {
      return 'HIDDEN';
    }
    secret() {
      return 'SECRET';
    }
    ok() {
      return 'OK';
    }
  }
  const ctx = () => ({ l: [1, 2, 3], d: { _p: () => 'PRIV', k: 1 }, m: new Map([['a', 1]]), buf: Buffer.from('ab'), s: new Service(), hf: () => 'H' });
  const same = (c: ReturnType<typeof ctx>) => JSON.stringify([c.l, Object.keys(c.d), [...c.m], String(c.buf)]) === JSON.stringify([[1, 2, 3], ['_p', 'k'], [['a', 1]], 'ab']);

  it('Kida: mutators, _ names, blocked and unlisted methods, get of a hidden key, and calls allowCalling refuses', async () => {
    const cases: [string, string, Record<string, unknown> | true][] = [
      ['{% call l.pop() %}x{% end %}', 'K-SEC-001', true],
      ['{% call l.append(9) %}x{% end %}', 'K-SEC-001', true],
      ['{% call d.clear() %}x{% end %}', 'K-SEC-001', true],
      ['{% call m.set("b", 2) %}x{% end %}', 'K-SEC-001', true],
      ['{% call buf.write("zz") %}x{% end %}', 'K-SEC-001', true],
      ['{% call d._p() %}x{% end %}', 'K-SEC-001', true],
      ['{% call s._hidden() %}x{% end %}', 'K-SEC-001', true],
      ['{% call d.get("_p") %}x{% end %}', 'K-SEC-001', true],
      ['{% call s.secret() %}x{% end %}', 'K-SEC-001', { allowedAttributes: ['items'] }],
      ['{% call s.secret() %}x{% end %}', 'K-SEC-001', { blockedAttributes: ['secret'] }],
      ['{% call hf() %}x{% end %}', 'K-SEC-004', { allowCalling: ['builtin_function_or_method'] }],
      ['{% call s.ok() %}x{% end %}', 'K-SEC-004', { allowCalling: ['builtin_function_or_method'] }],
    ];
    for (const [src, code, policy] of cases) {
      let c!: ReturnType<typeof ctx>;
      await refused(src, code, () => (c = ctx()), policy);
      expect(same(c), src).toBe(true);
    }
  });

  it('Nunjucks mode: the same', async () => {
    const cases: [string, string, Record<string, unknown> | true][] = [
      ['{% call l.pop() %}x{% endcall %}', 'K-SEC-001', true],
      ['{% call l.push(9) %}x{% endcall %}', 'K-SEC-001', true],
      ['{% call m.clear() %}x{% endcall %}', 'K-SEC-001', true],
      ['{% call buf.write("zz") %}x{% endcall %}', 'K-SEC-001', true],
      ['{% call s._hidden() %}x{% endcall %}', 'K-SEC-001', true],
      ['{% call m.get("_a") %}x{% endcall %}', 'K-SEC-001', true],
      ['{% call s.secret() %}x{% endcall %}', 'K-SEC-001', { allowedAttributes: ['items'] }],
      ['{% call hf() %}x{% endcall %}', 'K-SEC-004', { allowCalling: ['builtin_function_or_method'] }],
    ];
    for (const [src, code, policy] of cases) {
      let c!: ReturnType<typeof ctx>;
      await njkRefused(src, code, () => (c = ctx()), policy);
      expect(same(c), src).toBe(true);
    }
  });

  it('call blocks of defs, imported defs and allowed host methods still render', async () => {
    const lib = { lib: '{% def card(t) %}[{{ t }}:{{ caller() }}]{% end %}' };
    await renders('{% def w(a) %}<{{ a }}{{ caller() }}>{% end %}{% call w(1) %}x{% end %}{% import "lib" as L %}{% call L.card("t") %}y{% end %}{% call s.ok() %}z{% end %}', '<1x>[t:y]OK', ctx, true, lib);
    await njkRenders('{% macro w(a) %}<{{ a }}{{ caller(2) }}>{% endmacro %}{% call(n) w(1) %}x{{ n }}{% endcall %}{% call s.ok() %}z{% endcall %}', '<1x2>OK', ctx);
  });

  it('property: for any receiver and method, a call block is refused exactly when the direct call is (same policy)', async () => {
    const { makeEnv } = await import('../support.js');
    const outcome = (env: ReturnType<typeof makeEnv>, src: string) => {
      try {
        env.fromString(src).render(ctx());
        return 'ok';
      } catch (e) {
        const code = (e as { code?: string }).code ?? '';
        return code.startsWith('K-SEC') ? code : 'other';
      }
    };
    await fc.assert(
      fc.property(
        fc.constantFrom('l', 'd', 'm', 'buf', 's'),
        fc.constantFrom('pop', 'append', 'clear', 'copy', 'get', 'keys', 'items', 'write', 'toString', 'secret', 'ok', '_hidden', 'set', 'has', 'sort', 'index'),
        fc.constantFrom<Record<string, unknown>>({}, { allowedAttributes: ['ok', 'items'] }, { blockedAttributes: ['secret', 'keys'] }, { allowCalling: ['builtin_function_or_method'] }),
        (obj, method, policy) => {
          const env = makeEnv({}, { sandbox: policy as never });
          const direct = outcome(env, `{{ ${obj}.${method}() }}`);
          const block = outcome(env, `{% call ${obj}.${method}() %}x{% end %}`);
          if (direct.startsWith('K-SEC')) expect(block, `${obj}.${method} ${JSON.stringify(policy)}`).toBe(direct);
          if (block.startsWith('K-SEC')) expect(direct, `${obj}.${method} ${JSON.stringify(policy)}`).toBe(block);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("maxRenderTime holds where a value's text is written outside a filter: error messages, hashing, o?.m() and call blocks", () => {
  // `l` is 2^40 references to two lists (built in 40 iterations): its text would be terabytes.
  // Before, `"{}"?.format(l)` skipped the text bound `"{}".format(l)` has, and a KeyError, a
  // ValueError or a hash wrote l's repr outside the render's budget: 6-16 s of CPU at a 300 ms
  // limit, then a RangeError. Now each ends within the limit in a SecurityError.
  const grow = '{% let l = [1] %}{% for i in range(40) %}{% let l = [l, l] %}{% end %}';
  const policy = { maxLoopIterations: 1000, maxRenderTime: 300, maxAllocation: 5000 };
  it.each([
    ['a KeyError naming the key', '{% set d = {"a": 1} %}{{ d[l] }}'],
    ['an optional subscript', '{% set d = {"a": 1} %}{{ d?[l] }}'],
    ['a ValueError naming the value', '{{ [1].index(l) }}'],
    ['a dict method hashing its argument', '{{ {"a": 1}.get(l) }}'],
    ['an optional method call of a string', '{{ "{}"?.format(l) }}'],
    ['a call block of a string method', '{% call "{}".format(l) %}x{% end %}'],
  ])('%s', async (_what, body) => {
    const { makeEnv } = await import('../support.js');
    const t = makeEnv({}, { sandbox: policy as never }).fromString(grow + body);
    const t0 = performance.now();
    let err: { code?: string; name?: string } | undefined;
    try {
      t.render({});
    } catch (e) {
      err = e as typeof err;
    }
    expect(performance.now() - t0).toBeLessThan(2_000);
    expect(err?.name).toBe('SecurityError');
    expect(err?.code).toBe('K-SEC-003');
  }, 60_000);
});

describe('a Nunjucks template compiled to a module (compile(), the plugins) keeps the sandbox rule the Environment applies: no function source', () => {
  // The Environment marks its Sandbox as Nunjucks' when it is made; a module compiled with
  // compile({ compat: 'nunjucks', sandbox: true, linkage }) and linked to a registry holding a
  // Sandbox printed a host function's source (and answered the `<` oracle on it).
  function hostFn(x: unknown) {
    return `secret-source-${String(x)}`;
  }
  let dir: string;
  beforeAll(() => {
    // (inside the package, so that `kida/runtime` resolves to this tree's dist by self-reference)
    dir = mkdtempSync(join(dirname(new URL(import.meta.url).pathname), '../../.s14-modules-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('{{ fn }}, fn + "", fn < "…" and [fn] | join are refused in the compiled module as through the Environment; a Kida module still writes <function …>', async () => {
    const { compile } = await import('../../compiler/index.js');
    writeFileSync(join(dir, 'linkage.mjs'), "import { Registry, Sandbox } from 'kida/runtime';\nconst r = new Registry();\nr.sandbox = new Sandbox(true);\nexport default r;\n");
    writeFileSync(join(dir, 'kida-linkage.mjs'), "import { Registry, Sandbox } from 'kida/runtime';\nconst r = new Registry();\nr.sandbox = new Sandbox(true);\nexport default r;\n");
    const srcs = ['{{ fn }}', '{{ fn + "" }}', '{% if fn < "function h" %}y{% endif %}', '{{ [fn] | join }}'];
    for (const [i, src] of srcs.entries()) {
      const file = join(dir, `t${i}.mjs`);
      writeFileSync(file, compile(src, { name: `t${i}.njk`, compat: 'nunjucks', sandbox: true, linkage: './linkage.mjs' }).code);
      const t = (await import(file)).default;
      const errs = [
        await textOrErrorOf(() => t.render({ fn: hostFn })),
        await textOrErrorOf(() => t.renderAsync({ fn: hostFn })),
        await textOrErrorOf(async () => [...t.renderStream({ fn: hostFn })].join('')),
      ];
      for (const e of errs) expect(String(e), src).toMatch(/function's source is not shown/);
    }
    const kida = join(dir, 'k.mjs');
    writeFileSync(kida, compile('{{ fn }}', { name: 'k.kida', sandbox: true, linkage: './kida-linkage.mjs' }).code);
    expect((await import(kida)).default.render({ fn: hostFn })).toBe('&lt;function hostFn&gt;');
  });
});

/** The text of a render, or the error it threw. */
async function textOrErrorOf(f: () => unknown): Promise<unknown> {
  try {
    return await f();
  } catch (e) {
    return e;
  }
}
