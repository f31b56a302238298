// Compat 'nunjucks': a filter or test the compile step does not know is looked up when the call
// runs, in the linkage the render uses — an app may add it after its templates are compiled or
// loaded (Eleventy and Express apps call addFilter after loading), as Nunjucks allows.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import fc from 'fast-check';
import nunjucks from 'nunjucks';
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/index.js';
import * as njk from '../../adapters/nunjucks.js';
import { makeEnv } from '../support.js';
import { textOrError } from '../security/every-way.js';

type Ctx = Record<string, unknown>;
type Renderable = {
  render(c: Ctx): string;
  renderStream(c: Ctx): Iterable<string>;
  renderAsync(c: Ctx): Promise<string>;
  renderStreamAsync(c: Ctx): AsyncIterable<string>;
};
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const RUNTIME = pathToFileURL(join(ROOT, 'runtime')).href;
let n = 0;

/** A module compiled with no filters known, linked to the runtime sources; and the registry it renders with. */
async function module(src: string): Promise<{ t: Renderable; registry: { filters: Record<string, unknown>; tests: Record<string, unknown> } }> {
  const dir = join(ROOT, 'test', `.tmp-njk-late-${process.pid}-${n++}`);
  mkdirSync(dir, { recursive: true });
  const name = `late${n}.njk`;
  const { code } = compile(src, { name, compat: 'nunjucks' });
  writeFileSync(join(dir, 'page.mjs'), code.replace(/from "kida\/runtime\/nunjucks"/g, `from "${RUNTIME}/nunjucks/index.ts"`).replace(/from "kida\/runtime"/g, `from "${RUNTIME}/helpers.ts"`));
  try {
    const t = ((await import(pathToFileURL(join(dir, 'page.mjs')).href)) as { default: Renderable }).default;
    const { registry } = (await import(`${RUNTIME}/helpers.ts`)) as { registry: { filters: Record<string, unknown>; tests: Record<string, unknown> } };
    return { t, registry };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Every entry point's outcome: the text, or `Error: message`. */
async function everyWay(t: Renderable, ctx: Ctx): Promise<string[]> {
  const out: string[] = [];
  for (const way of [() => t.render(ctx), () => t.renderStream(ctx), () => t.renderAsync(ctx), () => t.renderStreamAsync(ctx)]) {
    const r = await textOrError(way);
    out.push(r instanceof Error ? `Error: ${r.message}` : r);
  }
  return out;
}

/** Nunjucks' own outcome for a template whose filters are added after it is compiled. */
function nunjucksLate(src: string, ctx: Ctx, add: (env: nunjucks.Environment) => void): [string, string] {
  const env = new nunjucks.Environment(null, { autoescape: true });
  const t = new nunjucks.Template(src, env, 'page.njk', true);
  const run = () => {
    try {
      return t.render(ctx);
    } catch (e) {
      return `Error: ${(e as Error).message.split('\n').pop()!.trim().replace(/^Error: /, '')}`;
    }
  };
  const before = run();
  add(env);
  return [before, run()];
}

const SRC = '<p>{{ title | shout("!", 2) }}</p>\n{% if x is even %}{{ x | twice }}{% endif %}';
const shout = (s: unknown, mark: string, k: number) => String(s).toUpperCase() + mark.repeat(k);
const twice = (v: number) => v * 2;

describe('filters added after the module is compiled (compiled modules, the plugin path)', () => {
  it('fail as Nunjucks fails before the app adds them, and render once it has, every way', async () => {
    const ctx = { title: 'a<b', x: 4 };
    const [njBefore, njAfter] = nunjucksLate(SRC, ctx, (env) => env.addFilter('shout', shout).addFilter('twice', twice));
    expect(njBefore).toBe('Error: filter not found: shout');
    expect(njAfter).toBe('<p>A&lt;B!!</p>\n8');
    const { t, registry } = await module(SRC);
    for (const got of await everyWay(t, ctx)) expect(got).toContain('filter not found: shout');
    registry.filters.shout = shout;
    for (const got of await everyWay(t, ctx)) expect(got).toContain('filter not found: twice');
    registry.filters.twice = twice;
    expect(await everyWay(t, ctx)).toEqual(Array(4).fill(njAfter));
    delete registry.filters.shout;
    delete registry.filters.twice;
  });
  it('the error names the line of the call', async () => {
    for (const [src, line] of [['a\n\n{{ v }}{{ v | nowhere }}', 3], ['{{ v\n  | upper\n  | nowhere }}', 3], ['{% if v %}\n{{ v is nowhere }}{% endif %}', 2]] as const) {
      const { t } = await module(src);
      try {
        t.render({ v: 1 });
        expect.unreachable();
      } catch (e) {
        expect((e as Error).message).toMatch(/(filter|test) not found: nowhere/);
        expect((e as { lineno?: number }).lineno, src).toBe(line);
      }
    }
  });
  it('keywords reach the app filter as Nunjucks passes them (one trailing object)', async () => {
    const src = '{{ 1 | kw(2, end="~") }}';
    const seen = (...a: unknown[]) => JSON.stringify(a);
    const [, want] = nunjucksLate(src, {}, (env) => env.addFilter('kw', seen));
    const { t, registry } = await module(src);
    registry.filters.kw = seen;
    expect(await everyWay(t, {})).toEqual(Array(4).fill(want));
    delete registry.filters.kw;
  });
  it('tests added later are found too; names of Object.prototype never are', async () => {
    const { t, registry } = await module('{{ "y" if 3 is prime else "n" }}{{ 1 | constructor }}');
    registry.tests.prime = (v: number) => v === 2 || v === 3 || v === 5;
    for (const got of await everyWay(t, {})) expect(got).toContain('filter not found: constructor');
    const { t: t2 } = await module('{{ "y" if 3 is prime else "n" }}{{ 5 is toString }}');
    for (const got of await everyWay(t2, {})) expect(got).toContain('test not found: toString');
    delete registry.tests.prime;
  });
  it('known filters keep their direct call', () => {
    const { code } = compile('{{ x | upper }}{{ x | mine }}', { name: 'k.njk', compat: 'nunjucks', filters: ['mine'] });
    expect(code).not.toContain('njkLookup');
    expect(compile('{{ x | later }}', { name: 'k.njk', compat: 'nunjucks' }).code).toContain('njkLookup');
  });
});

describe('the Rollup plugin path', () => {
  it("a bundle's page finds a filter the app adds to virtual:kida-linkage after importing it", async () => {
    const dir = join(ROOT, 'test', `.tmp-njk-late-rollup-${process.pid}`);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    try {
      writeFileSync(join(dir, 'page.njk'), '<p>{{ title | shout("!") }}</p>');
      writeFileSync(join(dir, 'entry.mjs'), "import page from './page.njk';\nimport linkage from 'virtual:kida-linkage';\nexport { page, linkage };\n");
      const { rollup } = await import('rollup');
      const { default: kida } = await import('../../dist/plugins/rollup.js' as string);
      const build = await rollup({ input: join(dir, 'entry.mjs'), plugins: [kida({ root: dir, cacheDir: false, config: false })], onwarn: () => {} });
      const { output } = await build.generate({ format: 'es' });
      writeFileSync(join(dir, 'bundle.mjs'), output[0].code);
      const { page, linkage } = (await import(pathToFileURL(join(dir, 'bundle.mjs')).href)) as { page: Renderable; linkage: { filters: Record<string, unknown> } };
      for (const got of await everyWay(page, { title: '<a>' })) expect(got).toContain('filter not found: shout');
      linkage.filters.shout = (s: string, mark: string) => s.toUpperCase() + mark;
      expect(await everyWay(page, { title: '<a>' })).toEqual(Array(4).fill('<p>&lt;A&gt;!</p>'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('filters added after the template is loaded (Environment, kida/nunjucks)', () => {
  it('an Environment template held by the app finds a filter added afterwards', async () => {
    const env = makeEnv({}, { compat: 'nunjucks' });
    const t = env.fromString(SRC) as unknown as Renderable;
    for (const got of await everyWay(t, { title: 'q', x: 1 })) expect(got).toContain('filter not found: shout');
    env.addFilter('shout', shout);
    env.addFilter('twice', twice);
    expect(await everyWay(t, { title: 'q', x: 2 })).toEqual(Array(4).fill('<p>Q!!</p>\n4'));
  });
  it("a name that is one of Kida's built-in filters but not Nunjucks' stays unknown until added", async () => {
    const env = makeEnv({}, { compat: 'nunjucks' });
    const t = env.fromString('{{ "a" | pprint }}') as unknown as Renderable;
    for (const got of await everyWay(t, {})) expect(got).toContain('filter not found: pprint');
    env.addFilter('pprint', (v: unknown) => `<${String(v)}>`);
    expect(await everyWay(t, {})).toEqual(Array(4).fill('&lt;a&gt;'));
  });
  it('kida/nunjucks: getTemplate, then addFilter, then render — as an Express app does', () => {
    const env = new njk.Environment(new njk.FileSystemLoader([]));
    const tpl = njk.compile('{{ name | hello }}', env);
    expect(() => tpl.render({ name: 'x' })).toThrow(/filter not found: hello/);
    env.addFilter('hello', function (this: unknown, v: string) {
      return `hi ${v}`;
    });
    expect(tpl.render({ name: 'x' })).toBe('hi x');
  });
  it('an async filter added after the template compiled is an error saying so, not "[object Promise]"', async () => {
    const env = makeEnv({}, { compat: 'nunjucks' });
    const t = env.fromString('{{ 1 | later }}') as unknown as Renderable;
    env.addFilter('later', async () => { throw new Error('late rejection'); }, true);
    for (const got of await everyWay(t, {})) expect(got).toMatch(/filter 'later' returned a promise: .*add it before loading the template/);
    // (loaded after the filter was added, the template is async and awaits it)
    env.addFilter('later', async (v: number) => v + 1, true);
    expect(await (env.fromString('{{ 1 | later }}') as unknown as Renderable).renderAsync({})).toBe('2');
  });
  it('sandboxed: a filter added later still runs under the policy', async () => {
    const env = makeEnv({}, { compat: 'nunjucks', sandbox: {} });
    const t = env.fromString('{{ v | late }}') as unknown as Renderable;
    env.addFilter('late', (v: unknown) => v);
    expect(await everyWay(t, { v: '<&>' })).toEqual(Array(4).fill('&lt;&amp;&gt;'));
  });
  it('any name missing at render time fails with Nunjucks\' message (property)', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z_][a-z0-9_]{0,8}$/), (name) => {
        fc.pre(!['and', 'or', 'not', 'in', 'is', 'if', 'else', 'true', 'false', 'none', 'null', 'undefined'].includes(name));
        const want = nunjucksLate(`{{ 1 | ${name} }}`, {}, () => {})[0];
        let got: string;
        try {
          got = makeEnv({}, { compat: 'nunjucks' }).fromString(`{{ 1 | ${name} }}`).render({});
        } catch (e) {
          got = `Error: ${(e as Error).message}`;
        }
        if (want.startsWith('Error: ')) expect(got).toContain(want.slice(7));
        else expect(got).toBe(want);
      }),
      { numRuns: 60 },
    );
  });
});
