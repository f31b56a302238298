// Relative template names as Nunjucks' FileSystemLoader resolves them: `path.resolve(dirname(
// the referencing template's file), name)`, then the first search path that holds that file. So
// `../../components/x/macro.njk` may climb above a search path and come back into it (or into
// another one), which our names alone, resolved within one root, cannot express. Node-side:
// the Environment's FileSystemLoader and the plugins' root give it the directories.
import { statSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';

/**
 * The names a loader tries for `name` in each search path, in order: the name, then the name
 * with each extension `fallbacks` gives for its own (`{ '.html': ['.njk'] }`; `''`: a name
 * without one), as the GOV.UK Prototype Kit's loader finds `layout.html` as `layout.njk`.
 */
export function namesToTry(name: string, fallbacks: Readonly<Record<string, readonly string[]>> | undefined): string[] {
  if (!fallbacks) return [name];
  const m = /(\.[^./]*)?$/.exec(name)!;
  const ext = m[1] ?? '';
  const alternates = Object.hasOwn(fallbacks, ext) ? fallbacks[ext]! : [];
  return [name, ...alternates.map((e) => name.slice(0, name.length - ext.length) + e)];
}

const isFile = (p: string): boolean => !!statSync(p, { throwIfNoEntry: false })?.isFile();

/**
 * Where Nunjucks finds `name` referenced from the file `fromFile`: `resolve(dirname(fromFile),
 * name)` if a search path holds it; its name under the first that does (`root`), and whether an
 * earlier one has a file of that name, which a lookup by name would load instead (`shadowed`).
 */
export function nunjucksRelativeFile(roots: readonly string[], name: string, fromFile: string): { name: string; file: string; root: number; shadowed: boolean } | null {
  const target = resolve(dirname(fromFile), name);
  const i = roots.findIndex((r) => target.startsWith(r + sep));
  if (i < 0 || !isFile(target)) return null;
  const found = relative(roots[i]!, target);
  return { name: found.split(sep).join('/'), file: target, root: i, shadowed: roots.slice(0, i).some((r) => isFile(resolve(r, found))) };
}

/** The file the template named `from` is read from: the first search path holding it. */
export function fileOfName(roots: readonly string[], from: string): string | null {
  for (const root of roots) {
    const f = resolve(root, from);
    if (f.startsWith(root + sep) && isFile(f)) return f;
  }
  return null;
}

/**
 * The name (within `roots`) that `name`, referenced from the template `from`, reaches (the
 * plugins); null if none, or if a shadowing file would be loaded instead: an error rather than
 * the wrong template (the Environment pins such a file under a name of its own).
 */
export function nunjucksRelativeName(roots: readonly string[], name: string, from: string): string | null {
  const fromFile = fileOfName(roots, from);
  const r = fromFile === null ? null : nunjucksRelativeFile(roots, name, fromFile);
  return r && !r.shadowed ? r.name : null;
}
