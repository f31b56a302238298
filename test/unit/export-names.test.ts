// Filter/test/global names are read from their modules without running them; `export *` is
// followed the way bundlers and TypeScript resolve it.
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
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

  // (one declarator per export: `export const a = 1, b = 2` lists `a` only, destructured or not)
  it('reads the names destructuring exports bind, as importing the module finds them', async () => {
    // (a filters module re-exporting a CommonJS module's functions writes `export const { a, b } = mod`)
    const patterns = [
      'export const { a, b: renamed, c = f(1, [2, 3]), ["comp" + "uted"]: fromComputed, ...others } = src;',
      'export let [first, , third = { x: 1 }, [nested], { deep: { inner } }] = list;',
      'export var { only } = src;',
    ];
    for (const [i, line] of patterns.entries()) {
      const path = file(`destructure${i}.mjs`, `const f = (...a) => a;\nconst src = { a: 1, b: 2, computed: 3, only: 4, extra: 5 };\nconst list = [1, 2, 3, [4], { deep: { inner: 5 } }];\n${line}\n`);
      const real = Object.keys(await import(pathToFileURL(path).href)).sort();
      expect(exportNames(path).sort()).toEqual(real);
    }
  });
});
