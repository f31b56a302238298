// Codegen snapshots (issue #22): each folder of test/codegen/fixtures holds a template
// (`input.kida`, and any templates it names beside it), the module `compile()` makes of it
// (`_expected.js`), that module's size (`_expected.size`: bytes and gzip bytes) and its
// rendering (`_expected.html`, the same from every entry point). A change to the code generator
// shows as a diff of these files and of its size; `UPDATE_FIXTURES=1 npx vitest run
// test/codegen` rewrites them.
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/index.js';
import { DictLoader, Environment } from '../../compiler/environment.js';

const ROOT = join(import.meta.dirname, 'fixtures');
const UPDATE = !!process.env.UPDATE_FIXTURES;
const fixtures = readdirSync(ROOT, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();

/** The recorded size of a module: bytes, and bytes gzipped (level 9). */
export const sizeLine = (code: string) => `bytes ${Buffer.byteLength(code)}\ngzip ${gzipSync(code, { level: 9 }).length}\n`;

/** Compares `actual` with the stored file, or rewrites it under UPDATE_FIXTURES. */
function snapshot(file: string, actual: string): void {
  if (UPDATE || !existsSync(file)) {
    writeFileSync(file, actual);
    return;
  }
  expect(actual, `${file} differs (UPDATE_FIXTURES=1 rewrites it)`).toBe(readFileSync(file, 'utf8'));
}

async function renderEvery(dir: string): Promise<string> {
  const templates: Record<string, string> = {};
  for (const f of readdirSync(dir)) if (f.endsWith('.kida')) templates[f] = readFileSync(join(dir, f), 'utf8');
  const ctxFile = join(dir, 'context.json');
  const ctx = existsSync(ctxFile) ? (JSON.parse(readFileSync(ctxFile, 'utf8')) as Record<string, unknown>) : {};
  const t = new Environment({ loader: new DictLoader(templates) }).getTemplate('input.kida');
  let streamed = '';
  for await (const c of t.renderStreamAsync(ctx)) streamed += c;
  expect(await t.renderAsync(ctx)).toBe(streamed);
  if (!t.isAsync) {
    expect(t.render(ctx)).toBe(streamed);
    expect([...t.renderStream(ctx)].join('')).toBe(streamed);
  }
  return streamed;
}

describe('codegen fixtures', () => {
  it('cover 20 to 30 templates', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(20);
  });
  for (const name of fixtures) {
    it(name, async () => {
      const dir = join(ROOT, name);
      const { code } = compile(readFileSync(join(dir, 'input.kida'), 'utf8'), { name: 'input.kida' });
      snapshot(join(dir, '_expected.js'), code);
      snapshot(join(dir, '_expected.size'), sizeLine(code));
      snapshot(join(dir, '_expected.html'), await renderEvery(dir));
    });
  }
});
