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

  it('reads every declarator of an export, across lines, comments and initializers with commas', async () => {
    const decls = [
      'export const one = 1, two = f(1, 2), { three, four: renamed } = src, [five] = list;',
      'export let a = `x,${f(1, 2)}`, b = "y, z", // note, with a comma\n  c = { k: [1, 2] }\nexport const d = 4',
      'export var e = 1 +\n  2, g = (x, y) => x, h = /* , */ 3;\nconst notExported = 1, nor = 2;',
      'export const i = 1\n, j = 2\nconst k = 3, l = 4;',
    ];
    for (const [n, line] of decls.entries()) {
      const path = file(`declarators${n}.mjs`, `const f = (...a) => a;\nconst src = { three: 3, four: 4 };\nconst list = [5];\n${line}\n`);
      const real = Object.keys(await import(pathToFileURL(path).href)).sort();
      expect(exportNames(path).sort()).toEqual(real);
    }
  });

  it('skips TypeScript annotations whose generics hold commas', () => {
    const path = file('typed.ts', 'export const a: Record<string, number> = {}, b: (x: number, y: string) => void = () => {}, c: [number, string] = [1, "x"];\nexport declare const d: Map<string, Set<number>>, e: number;\n');
    expect(exportNames(path).sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
  });
});
