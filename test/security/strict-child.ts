// A script run in a child Node process with --unhandled-rejections=strict, so that a promise the
// runtime leaves unobserved ends it (issue #19 §1). The script imports dist/ (`npx tsc -p tsconfig.json`).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect } from 'vitest';

const root = join(import.meta.dirname, '../..');

/** A quoted file: URL of a file of this repository, to import in the child's script. */
export const distUrl = (path: string): string => JSON.stringify(pathToFileURL(join(root, path)).href);

/** Runs `script` (an ES module); asserts it exited 0 and wrote nothing to stderr; returns its stdout. `flags`: more of Node's (a heap bound). */
export function runStrict(script: string, timeout: number, flags: string[] = []): string {
  const file = join(mkdtempSync(join(tmpdir(), 'kida-strict-')), 'run.mjs');
  writeFileSync(file, script);
  const r = spawnSync(process.execPath, ['--unhandled-rejections=strict', ...flags, file], { encoding: 'utf8', timeout });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return r.stdout;
}
