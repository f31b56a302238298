// `kida check --types` inside `{% defer %}`: the part's variables have the (awaited) types of the
// tag's values, its placeholder and fallback are checked too.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { checkTypes } from '../../compiler/typecheck.js';

let dir: string;
const write = (rel: string, text: string) => {
  const file = join(dir, rel);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
  return file;
};
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kida-defer-types-'));
  write('types.ts', 'export interface Page { title: string; stats: Promise<{ visits: number }> }\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('types the part’s values (promises awaited), the placeholder and the fallback', async () => {
  const source =
    '{# @types import type { Page } from "../types.js" #}\n{% template page: Page %}\n' +
    '{% defer s = page.stats, p = page %}{{ s.visits }}{{ s.vists }}{{ p.titel }}{% placeholder %}{{ page.titl }}{% fallback e %}{{ e.message }}{% end %}';
  const file = write('templates/t.html.kida', source);
  const res = await checkTypes([{ file, source }], { tsconfig: false });
  expect(res.internal).toEqual([]);
  expect(res.diagnostics.map((d) => `${d.line}:${d.col} ${d.code} ${d.message.split('.')[0]}`)).toEqual([
    "3:55 K-TYP-004 Property 'vists' does not exist on type '{ visits: number; }'",
    "3:68 K-TYP-004 Property 'titel' does not exist on type 'Page'",
    "3:101 K-TYP-004 Property 'titl' does not exist on type 'Page'",
  ]);
}, 60_000);
