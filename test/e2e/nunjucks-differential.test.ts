// Issue #25: a differential corpus over everything Nunjucks 3.2.4's own test suite covers
// (filters, tags, operators, whitespace, autoescape, loops, macros, scoping, inheritance,
// globals, jinja-compat slicing, errors), in our own templates (test/e2e/nunjucks-differential/).
// Each case renders through Nunjucks itself and through `compat: 'nunjucks'` (Environment:
// render, renderStream, renderAsync; the compiled ES module: render, renderStream): the outputs
// are equal, or all throw. Nunjucks computes every expected value when the test runs.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { THEMES } from './nunjucks-differential/index.js';
import { type Case, compiled, ours, shape, theirs, writeModules } from './nunjucks-differential/harness.js';

const dir = join(import.meta.dirname, '.out-njk-differential');
rmSync(dir, { recursive: true, force: true });
afterAll(() => rmSync(dir, { recursive: true, force: true }), 120_000);

let offset = 0;
for (const [theme, cases] of Object.entries(THEMES)) {
  const base = offset;
  offset += cases.length;
  describe(theme, () => {
    let modules: ReturnType<typeof writeModules> | undefined;
    const mods = () => (modules ??= writeModules(join(dir, String(base)), cases));
    const run = async (c: Case, i: number) => {
      if (c.superset) {
        // an intended divergence: Nunjucks throws, ours renders (every way)
        expect(shape(theirs(c), c), `Nunjucks rejects: ${c.src}`).toMatch(/^throws/);
        for (const [way, o] of Object.entries({ ...(await ours(c)), ...(c.envOnly ? {} : await compiled(c, mods()[i]!)) }))
          expect('text' in o, `${way} renders: ${c.src} :: ${JSON.stringify(o)}`).toBe(true);
        return;
      }
      const want = shape(theirs(c), c);
      const env = await ours(c);
      for (const [way, o] of Object.entries(env)) expect(shape(o, c), `${way}: ${c.src} :: ${JSON.stringify(o)}`).toEqual(want);
      if (c.envOnly) return;
      const loose = { ...c, errorKind: false };
      for (const [way, o] of Object.entries(await compiled(c, mods()[i]!))) expect(shape(o, loose), `${way}: ${c.src} :: ${JSON.stringify(o)}`).toEqual(shape(theirs(c), loose));
    };
    cases.forEach((c, i) => (c.known ? it.fails : it)(c.known ? `${c.name} (known divergence: ${c.known})` : c.name, () => run(c, i)));
  });
}

it('the corpus is several hundred cases', () => {
  expect(offset).toBeGreaterThanOrEqual(300);
});
