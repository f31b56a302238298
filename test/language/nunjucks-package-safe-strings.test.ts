// Safe strings made by the `nunjucks` package itself (seventh held-out pass): libraries ship
// filters and globals that `import nunjucks` and return `new nunjucks.runtime.SafeString(html)`
// (GOV.UK CASA's renderAsAttributes, gov.cy's markdown filter), and an app switching engines cannot
// rewrite them. Compat mode keeps such a value safe wherever Nunjucks does: returned by a filter,
// a global, a method, or held in the data; and escapes a plain String object as Nunjucks does.
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Environment } from '../../compiler/environment.js';

const nunjucks = createRequire(import.meta.url)('nunjucks') as {
  Environment: new () => { addGlobal(n: string, v: unknown): void; addFilter(n: string, f: unknown): void; renderString(s: string, c: object): string };
  runtime: { SafeString: new (s: string) => object };
};
const made = (s: string) => new nunjucks.runtime.SafeString(s);

function engines() {
  const globals = { f: (s: string) => made(s) };
  const filters = { marked: (s: string) => made(`<p>${s}</p>`) };
  const ours = new Environment({ compat: 'nunjucks', globals, filters });
  const theirs = new nunjucks.Environment();
  for (const [k, v] of Object.entries(globals)) theirs.addGlobal(k, v);
  for (const [k, v] of Object.entries(filters)) theirs.addFilter(k, v);
  return { ours, theirs };
}

const TEMPLATES = [
  '{{ f(s) }}',
  '{{ s | marked }}',
  '{{ f(s) | trim }}|{{ f(s) | indent(2) }}|{{ f(s) | upper }}',
  '{{ f(s) is escaped }}|{{ s | marked is escaped }}|{{ f(s).length }}|{{ f(s).val }}',
  '{% set x = f(s) %}{{ x }}{% macro m(v) %}[{{ v }}]{% endmacro %}{{ m(f(s)) }}',
  '{{ held }}|{{ obj.m(s) }}|{{ plain }}|{{ f(s) + "<" }}|{{ f(s) | dump }}',
  '{% for c in [f(s), s] %}{{ c }};{% endfor %}{{ [f(s)] | join(",") }}',
];

describe('safe strings the nunjucks package makes, in compat mode', () => {
  it.each(TEMPLATES)('%s renders as Nunjucks renders it, for any text', (template) => {
    const { ours, theirs } = engines();
    const page = ours.fromString(template);
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('a', '<', '>', '&', '"', "'", ' ', 'é', '\n') }), (s) => {
        const data = () => ({ s, held: made(s), plain: new String(s), obj: { m: (x: string) => made(`<b>${x}</b>`) } });
        expect(page.render(data())).toBe(theirs.renderString(template, data()));
      }),
      { numRuns: 60 },
    );
  });

  it('is kept safe through renderAsync and renderStreamAsync too', async () => {
    const { ours, theirs } = engines();
    const template = '{{ f(s) }}{{ s | marked }}{{ held }}';
    const data = () => ({ s: 'a<b', held: made('<i>h</i>') });
    const want = theirs.renderString(template, data());
    const page = ours.fromString(template);
    expect(await page.renderAsync(data())).toBe(want);
    let streamed = '';
    for await (const chunk of page.renderStreamAsync(data())) streamed += chunk;
    expect(streamed).toBe(want);
  });

  it('takes no data for one: a String object or an object with `val` stays text to escape', () => {
    const { ours } = engines();
    const page = ours.fromString('{{ a }}|{{ b }}|{{ c }}');
    expect(page.render({ a: { val: '<script>' }, b: JSON.parse('{"val":"<script>","length":8}'), c: new String('<s>') })).toBe('[object Object]|[object Object]|&lt;s&gt;');
  });
});
