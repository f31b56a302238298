// Issue #25, compiled modules: govuk-frontend components (their own macro.njk, unchanged) built
// by Rollup through the kida plugin (`.njk` files compile as Nunjucks by default) render every
// fixture of those components as Nunjucks 3.2.4 does, buffered and streamed, from a bundle that
// holds no compiler and no eval.
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error (a plain .mjs helper shared with the bench script)
import { GOVUK, caller, fixtures, nunjucksRenderer } from '../../bench/nunjucks-govuk.mjs';

const dir = join(import.meta.dirname, '.out-njk');
const COMPONENTS = ['button', 'checkboxes', 'date-input', 'character-count', 'summary-list', 'password-input'];
type Fx = { component: string; macro: string; name: string; options: unknown };
type Page = { render(ctx: object): string; renderStream(ctx: object): Iterable<string>; renderAsync(ctx: object): Promise<string> };
let pages: Record<string, Page>;
let bundle: string;

beforeAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'pages'), { recursive: true });
  symlinkSync(join(GOVUK, 'govuk'), join(dir, 'govuk'), 'dir');
  const all = fixtures() as Fx[];
  const imports: string[] = [];
  for (const c of COMPONENTS) {
    const fx = all.find((f) => f.component === c)!;
    writeFileSync(join(dir, 'pages', `${c}.njk`), caller(fx));
    imports.push(`import p${imports.length} from './pages/${c}.njk';`);
  }
  writeFileSync(join(dir, 'entry.mjs'), `${imports.join('\n')}\nexport const pages = { ${COMPONENTS.map((c, i) => `${JSON.stringify(c)}: p${i}`).join(', ')} };\n`);
  const { rollup } = await import('rollup');
  const { default: kida } = await import('../../dist/plugins/rollup.js' as string);
  const build = await rollup({ input: join(dir, 'entry.mjs'), preserveSymlinks: true, plugins: [kida({ root: dir, cacheDir: false, config: false })] });
  const { output } = await build.generate({ format: 'es' });
  bundle = output[0].code;
  writeFileSync(join(dir, 'bundle.mjs'), bundle);
  pages = ((await import(pathToFileURL(join(dir, 'bundle.mjs')).href)) as { pages: Record<string, Page> }).pages;
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('govuk components as compiled modules (Rollup)', () => {
  it('bundles no compiler and no code generation from strings', () => {
    for (const marker of ['new Function', 'eval(', 'function tokenize', 'class Parser']) expect(bundle).not.toContain(marker);
  });

  it('renders every fixture of those components byte-identical to Nunjucks, buffered, streamed and async', async () => {
    const njk = nunjucksRenderer() as (fx: Fx) => string;
    let n = 0;
    for (const fx of (fixtures() as Fx[]).filter((f) => COMPONENTS.includes(f.component))) {
      const want = njk(fx);
      const page = pages[fx.component]!;
      const ctx = { params: fx.options };
      expect(page.render(ctx), `${fx.component} / ${fx.name}`).toBe(want);
      expect([...page.renderStream(ctx)].join(''), `${fx.component} / ${fx.name} (stream)`).toBe(want);
      expect(await page.renderAsync(ctx)).toBe(want);
      n++;
    }
    expect(n).toBeGreaterThan(100);
  });
});
