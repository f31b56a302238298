// Relative template names as Nunjucks' FileSystemLoader resolves them: `path.resolve(dirname(
// the referencing template's file), name)`, then the first search path that holds that file. So
// `../../components/x/macro.njk` may climb above a search path and come back into it (or into
// another one), which our names alone, resolved within one root, cannot express. Node-side:
// the Environment's FileSystemLoader and the plugins' root give it the directories.
import { statSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';

const isFile = (p: string): boolean => !!statSync(p, { throwIfNoEntry: false })?.isFile();

/**
 * The name (within `roots`, `/`-separated) that `name`, referenced from the template `from`,
 * reaches; null if none, or if that name would load another file (an earlier search path has a
 * file of the same name: our names cannot say which search path, so that is left an error
 * rather than the wrong template).
 */
export function nunjucksRelativeName(roots: readonly string[], name: string, from: string): string | null {
  for (const root of roots) {
    const fromFile = resolve(root, from);
    if (!fromFile.startsWith(root + sep) || !isFile(fromFile)) continue;
    const target = resolve(dirname(fromFile), name);
    const i = roots.findIndex((r) => target.startsWith(r + sep));
    if (i < 0 || !isFile(target)) return null;
    const found = relative(roots[i]!, target);
    return roots.slice(0, i).some((r) => isFile(resolve(r, found))) ? null : found.split(sep).join('/');
  }
  return null;
}
