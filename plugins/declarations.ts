// Declaration files beside templates: `page.kida` → `page.d.kida.ts`, the file TypeScript reads
// for `import page from './page.kida'` under moduleResolution bundler, node16 and nodenext
// (with `allowArbitraryExtensions`). `kida types` and the plugins' `dts: true` write the same
// files, each only when its text changes (so a watching tsc or editor is not woken for nothing).

import { readFileSync, watch, writeFileSync } from 'node:fs';
import type { KidaProject } from './shared.js';

/** `dir/page.html.kida` → `dir/page.html.d.kida.ts` (TypeScript's name for an arbitrary extension). */
export function declarationFile(file: string): string {
  const dot = file.lastIndexOf('.');
  const slash = Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\'));
  return dot > slash + 1 ? `${file.slice(0, dot)}.d${file.slice(dot)}.ts` : `${file}.d.ts`;
}

/** Writes `text` unless the file already holds it; true when written. */
export function writeIfChanged(file: string, text: string): boolean {
  try {
    if (readFileSync(file, 'utf8') === text) return false;
  } catch {
    /* not there yet */
  }
  writeFileSync(file, text);
  return true;
}

export interface DeclarationRun {
  templates: number;
  written: string[];
  failed: { file: string; error: unknown }[];
}

/** Writes the declarations of every template under the project root (or of `files`). */
export async function writeDeclarations(project: KidaProject, files = project.templates()): Promise<DeclarationRun> {
  const run: DeclarationRun = { templates: files.length, written: [], failed: [] };
  for (const file of files) {
    try {
      const out = await project.compile(readFileSync(file, 'utf8'), file, true);
      if (writeIfChanged(declarationFile(file), out.dts)) run.written.push(declarationFile(file));
    } catch (error) {
      run.failed.push({ file, error });
    }
  }
  project.cache?.flush();
  return run;
}

/**
 * Rewrites the declarations of `files()` whenever a template under the root
 * changes (all of them: an edit to a layout or partial changes the context of the pages using
 * it; only changed files are written). Resolves when `signal` aborts.
 */
export function watchDeclarations(
  project: KidaProject,
  onRun: (run: DeclarationRun) => void,
  files: () => string[] = () => project.templates(),
  signal?: AbortSignal,
): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running = Promise.resolve();
  const rerun = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      running = running.then(async () => onRun(await writeDeclarations(project, files())));
    }, 50);
  };
  const watcher = watch(project.root, { recursive: true, signal }, (_event, name) => {
    if (name && String(name).endsWith('.kida')) rerun();
  });
  return new Promise((resolve) => {
    watcher.on('close', () => {
      clearTimeout(timer);
      void running.then(resolve);
    });
    watcher.on('error', () => watcher.close());
  });
}
