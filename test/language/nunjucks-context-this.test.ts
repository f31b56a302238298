// Compat 'nunjucks': the app's filters, tests and functions called by name get Nunjucks' context
// as `this` (this.ctx, this.lookup, this.setVariable, this.env), as Nunjucks calls them
// (`env.getFilter(n).call(context, …)`, callWrap's `obj.apply(context, args)`). Eleventy filters
// read `this.ctx` (@x-govuk/govuk-eleventy-plugin's canonicalUrl falls back to
// `this.ctx.options`), the GOV.UK Prototype Kit's `checked()` global reads `this.ctx.data`; with
// `{ env }` as `this` they threw. Each case is rendered by Nunjucks 3.2.4 at test time and by
// Kida's Environment every way, kida/nunjucks, and a compiled module whose registry has them.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import fc from 'fast-check';
import nunjucks from 'nunjucks';
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/index.js';
import * as njkApi from '../../adapters/nunjucks.js';
import { makeEnv } from '../support.js';
import { textOrError } from '../security/every-way.js';

type Ctx = Record<string, unknown>;
type Fn = (this: { ctx: Ctx; lookup(k: string): unknown; setVariable(k: string, v: unknown): void; env?: unknown }, ...a: any[]) => unknown;
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const RUNTIME = pathToFileURL(join(ROOT, 'runtime')).href;
let n = 0;

const filters: Record<string, Fn> = {
  // (the Eleventy plugin's canonicalUrl, reduced: an argument, else the page's options)
  canon(s: string, o?: { url?: string }) { return `${(o || this.ctx.options as { url?: string } | undefined)?.url ?? ''}${s}`; },
  look(k: string) { return this.lookup(k); },
  has(k: string) { return k in this.ctx; },
  keep(v: unknown) { this.setVariable('kept', v); return ''; },
};
const tests: Record<string, Fn> = { known(k: string) { return this.lookup(k) !== undefined; } };
const globals: Record<string, Fn> = {
  // (the prototype kit's checked(), reduced)
  checked(name: string) { return (this.ctx.data as Ctx | undefined)?.[name] ? 'checked' : ''; },
  seen(k: string) { return this.lookup(k); },
  // (a Hexo-style partial() or an Eleventy tag copies the context: `{ ...this.ctx }`, each key asked for)
  spread() { return JSON.stringify({ ...this.ctx }, (k, v) => (typeof v === 'function' ? 'fn' : v)); },
  owns(k: string) { return Object.getOwnPropertyDescriptor(this.ctx, k) !== undefined; },
};

function nunjucksOutcome(src: string, ctx: Ctx): string {
  const env = new nunjucks.Environment(null, { autoescape: true });
  for (const [k, f] of Object.entries(filters)) env.addFilter(k, f);
  for (const [k, f] of Object.entries(tests)) env.addTest(k, f);
  for (const [k, f] of Object.entries(globals)) env.addGlobal(k, f);
  try {
    return env.renderString(src, ctx);
  } catch (e) {
    return `Error: ${(e as Error).message.split('\n').pop()!.trim()}`;
  }
}

async function outcomes(t: { render(c: Ctx): string; renderStream(c: Ctx): Iterable<string>; renderAsync(c: Ctx): Promise<string>; renderStreamAsync(c: Ctx): AsyncIterable<string> }, ctx: Ctx): Promise<string[]> {
  const out: string[] = [];
  for (const way of [() => t.render(ctx), () => t.renderStream(ctx), () => t.renderAsync(ctx), () => t.renderStreamAsync(ctx)]) {
    const r = await textOrError(way);
    out.push(r instanceof Error ? 'Error' : r);
  }
  return out;
}

/** A module compiled knowing none of them, its registry given them before it renders. */
async function compiled(src: string) {
  const dir = join(ROOT, 'test', `.tmp-njk-this-${process.pid}-${n++}`);
  mkdirSync(dir, { recursive: true });
  const { code } = compile(src, { name: `this${n}.njk`, compat: 'nunjucks' });
  writeFileSync(join(dir, 'page.mjs'), code.replace(/from "kida\/runtime\/nunjucks"/g, `from "${RUNTIME}/nunjucks/index.ts"`).replace(/from "kida\/runtime"/g, `from "${RUNTIME}/helpers.ts"`));
  try {
    const t = (await import(pathToFileURL(join(dir, 'page.mjs')).href)).default;
    const { registry } = await import(`${RUNTIME}/helpers.ts`);
    Object.assign(registry.filters, filters);
    Object.assign(registry.tests, tests);
    registry.globals = { ...registry.globals, ...globals };
    return t;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function sameAsNunjucks(src: string, ctx: Ctx): Promise<string> {
  const want = nunjucksOutcome(src, ctx);
  const norm = (s: string) => (s.startsWith('Error') ? 'Error' : s);
  const env = makeEnv({}, { compat: 'nunjucks', filters, tests, globals });
  expect(await outcomes(env.fromString(src), ctx), `Environment: ${src}`).toEqual(Array(4).fill(norm(want)));
  const api = njkApi.configure([], { autoescape: true });
  for (const [k, f] of Object.entries(filters)) api.addFilter(k, f);
  for (const [k, f] of Object.entries(tests)) api.addTest(k, f);
  for (const [k, f] of Object.entries(globals)) api.addGlobal(k, f);
  expect(norm((await textOrError(() => api.renderString(src, ctx))) as string), `kida/nunjucks: ${src}`).toBe(norm(want));
  expect(await outcomes(await compiled(src), ctx), `compiled: ${src}`).toEqual(Array(4).fill(norm(want)));
  return want;
}

describe("`this` of an app's filter, test and function (compat: nunjucks)", () => {
  it('is the context: the data, as an Eleventy filter and the prototype kit\'s checked() read it', async () => {
    const ctx = { options: { url: 'https://x.gov.uk' }, data: { agree: 'yes' } };
    expect(await sameAsNunjucks('{{ "/a" | canon }}|{{ "/b" | canon({ url: "u:" }) }}|{{ checked("agree") }}/{{ checked("other") }}', ctx)).toBe('https://x.gov.uk/a|u:/b|checked/');
  });
  it('its variables are the template\'s context: top-level sets yes, a loop\'s or a macro\'s own names no', async () => {
    const src = '{% set top = "T" %}{{ "top" | look }}{% for i in [1] %}[{{ "i" | look }}{{ seen("i") }}{{ "i" is known }}]{% endfor %}' +
      '{% macro m(p) %}({{ "p" | look }}{{ "top" | look }}{{ "data" | has }}){% endmacro %}{{ m(1) }}';
    expect(await sameAsNunjucks(src, { data: 1 })).toBe('T[false](Ttrue)');
  });
  it('setVariable sets a name of the context, which the template then reads', async () => {
    expect(await sameAsNunjucks('{{ 5 | keep }}{{ kept }}{% if true %}{{ 6 | keep }}{% endif %}{{ kept }}', {})).toBe('56');
  });
  it('`{ ...this.ctx }` copies its keys and values, the data\'s then the top-level names (not a loop\'s), as Nunjucks\' ctx has them', async () => {
    const src = '{% set t = "T" %}{% set data = 2 %}{% for i in [1] %}{% set inner = 3 %}{% endfor %}{{ spread() }}|{{ owns("t") }}{{ owns("i") }}{{ owns("inner") }}{{ owns("nope") }}{{ owns("data") }}';
    expect(await sameAsNunjucks(src, { data: 1, z: [1, "<"] })).toBe('{&quot;data&quot;:2,&quot;z&quot;:[1,&quot;&lt;&quot;],&quot;t&quot;:&quot;T&quot;}|truefalsefalsefalsetrue');
    const name = fc.constantFrom('a', 'b', 'data', 'x', 'toString');
    // (data may name `constructor`; a `set` of it is refused at compile time, by design)
    await fc.assert(
      fc.asyncProperty(fc.dictionary(fc.oneof(name, fc.constant('constructor')), fc.oneof(fc.integer(), fc.string({ maxLength: 3 }))), fc.array(name, { maxLength: 3 }), fc.constantFrom(...['a', 'x', 'toString', 'valueOf']), async (data, sets, asked) => {
        const top = sets.map((k, i) => `{% set ${k} = ${i} %}`).join('');
        await sameAsNunjucks(`${top}{{ spread() }}|{{ owns("${asked}") }}`, data);
      }),
      { numRuns: 60 },
    );
  }, 120_000);
  it('anywhere a call may stand', async () => {
    const places = [
      (c: string) => c,
      (c: string) => `{% for x in [1, 2] %}${c}{% endfor %}`,
      (c: string) => `{% macro m() %}${c}{% endmacro %}{{ m() }}`,
      (c: string) => `{% macro w() %}{{ caller() }}{% endmacro %}{% call w() %}${c}{% endcall %}`,
      (c: string) => `{% set s %}${c}{% endset %}{{ s }}`,
      (c: string) => `{% if x is known %}${c}{% endif %}`,
    ];
    const calls = ['{{ "x" | look }}', '{{ seen("x") }}', '{{ "/p" | canon }}', '{{ "y" | has }}', '{{ 3 | keep }}{{ kept }}', '{{ checked("x") }}'];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...places), fc.constantFrom(...calls), fc.constantFrom(...places), fc.boolean(), async (p, c, q, set) => {
        await sameAsNunjucks(`${set ? '{% set x = "X" %}' : ''}${q(p(c))}`, { options: { url: 'u' }, data: { x: 1 }, y: 0 });
      }),
      { numRuns: 60 },
    );
  }, 120_000);
});
