// Which `kida` CLI starts the language server: the workspace's own installed package first (the
// compiler and kida.config.* its build uses), then the kida repository itself when it is the
// workspace, then the kida.server.path setting. No vscode import: tested without VS Code.

import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';

/**
 * @param {string[]} folders  workspace folder paths
 * @param {string} [setting]  kida.server.path (absolute, or relative to the first folder)
 * @returns {string | null} the cli.js to run with `lsp --stdio`
 */
export function findServer(folders, setting) {
  for (const dir of folders) {
    const installed = join(dir, 'node_modules', 'kida', 'dist', 'compiler', 'cli.js');
    if (existsSync(installed)) return installed;
  }
  for (const dir of folders) {
    const own = join(dir, 'dist', 'compiler', 'cli.js');
    if (existsSync(own) && packageName(dir) === 'kida') return own;
  }
  if (setting) {
    const path = isAbsolute(setting) || !folders.length ? resolve(setting) : resolve(folders[0], setting);
    if (existsSync(path)) return path;
  }
  return null;
}

function packageName(dir) {
  try {
    return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name;
  } catch {
    return null;
  }
}
