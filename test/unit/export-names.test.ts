// Filter/test/global names are read from their modules without running them; `export *` is
// followed the way bundlers and TypeScript resolve it.
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exportNames } from '../../plugins/shared.js';

const dir = mkdtempSync(join(tmpdir(), 'kida-exports-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  mkdirSync(join(dir, name, '..'), { recursive: true });
  writeFileSync(join(dir, name), text);
  return join(dir, name);
};

describe('exportNames', () => {
  it('follows export * through .js names of .ts files, directories and cycles', () => {
    file('b.ts', "export const fromB = 1;\nexport * from './a.js';\nexport default function () {}\n");
    file('lib/index.ts', 'export function inLib() {}\n');
    file('c.mjs', 'export { x as fromC };\n');
    const a = file('a.js', "export * from './b.js';\nexport * from './lib';\nexport * from \"./c.mjs\";\nexport * as ns from './nowhere.js';\nexport const own = 2;\n");
    expect(exportNames(a).sort()).toEqual(['fromB', 'fromC', 'inLib', 'ns', 'own']);
  });

  it('a re-export of a module that is not there adds nothing, and a package is not followed', () => {
    const m = file('m.js', "export * from './gone.js';\nexport * from 'some-package';\nexport const kept = 1;\n");
    expect(exportNames(m)).toEqual(['kept']);
  });
});
