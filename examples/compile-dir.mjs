// Compiles every .kida file under a folder to ES modules (`<name>.js` + source map) with
// kida/compiler — what the bundler plugins do, in twenty lines, for the examples.
import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { compile, relativeImport } from 'kida/compiler';

export function compileDir(src, out) {
  const files = (dir) => readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? files(join(dir, f)) : [join(dir, f)]));
  const names = [];
  for (const file of files(src).filter((f) => f.endsWith('.kida'))) {
    const name = relative(src, file).split('\\').join('/');
    const { code, map } = compile(readFileSync(file, 'utf8'), {
      name,
      filename: file,
      // the built files sit next to each other as `<name>.js`
      importPath: (target, from) => relativeImport(target, from) + '.js',
    });
    const target = join(out, name + '.js');
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, code + `//# sourceMappingURL=${name.split('/').pop()}.js.map\n`);
    writeFileSync(target + '.map', JSON.stringify(map));
    names.push(name);
  }
  return names;
}
