// Relative template names as Nunjucks' FileSystemLoader resolves them: `path.resolve(dirname(
// the referencing template's file), name)`, then the first search path that holds that file. So
// `../../components/x/macro.njk` may climb above a search path and come back into it (or into
// another one), which our names alone, resolved within one root, cannot express. Node-side:
// the Environment's FileSystemLoader and the plugins' root give it the directories.
import { statSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';

const isFile = (p: string): boolean => !!statSync(p, { throwIfNoEntry: false })?.isFile();

/** The name (within `roots`, `/`-separated) that `name`, referenced from the template `from`, reaches; null if none. */
export function nunjucksRelativeName(roots: readonly string[], name: string, from: string): string | null {
  for (const root of roots) {
    const fromFile = resolve(root, from);
    if (!fromFile.startsWith(root + sep) || !isFile(fromFile)) continue;
    const target = resolve(dirname(fromFile), name);
    for (const r of roots) if (target.startsWith(r + sep) && isFile(target)) return relative(r, target).split(sep).join('/');
    return null;
  }
  return null;
}
