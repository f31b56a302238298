// kida.config.{js,mjs,json}: the one place build options come from. The Rollup and Vite plugins
// (inline options merge over it) and every CLI command read it here, so `kida check`/`render`/
// `compile` see the filters, tests, globals and root the build sees.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { didYouMean, type TemplateError } from '../runtime/errors.js';
import { normalizeAutoescape } from '../compiler/autoescape.js';
import type { KidaOptions } from './shared.js';

export const CONFIG_FILES = ['kida.config.js', 'kida.config.mjs', 'kida.config.json'] as const;

/** Every key of KidaOptions (the type makes this list complete: a key missing here does not compile). */
const OPTION_KEYS: { [K in keyof Required<KidaOptions>]: 1 } = {
  config: 1, include: 1, exclude: 1, root: 1, searchPaths: 1, fallbackExtensions: 1, autoescape: 1, strictUndefined: 1, trimBlocks: 1, lstripBlocks: 1,
  filters: 1, tests: 1, globals: 1, templateAliases: 1, dts: 1, validateCalls: 1, cacheDir: 1, fmt: 1, compat: 1, throwOnUndefined: 1, asyncFilters: 1, nunjucksExtensions: 1,
  blockStart: 1, blockEnd: 1, variableStart: 1, variableEnd: 1, commentStart: 1, commentEnd: 1,
  block_start: 1, block_end: 1, variable_start: 1, variable_end: 1, comment_start: 1, comment_end: 1,
};
export const KIDA_OPTION_KEYS: readonly string[] = Object.keys(OPTION_KEYS);
/** Options naming a file or directory: relative to the config file's directory when they come from one. */
const PATH_KEYS = ['root', 'filters', 'tests', 'globals', 'cacheDir'] as const;

/** A configuration that cannot be used: one message, naming the file and the option. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Throws a ConfigError for a key that is not an option, with the closest option name. */
export function checkOptionKeys(options: object, known: readonly string[], where: string): void {
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    const hint = didYouMean(key, known);
    throw new ConfigError(`Unknown option '${key}' in ${where}${hint ? `. Did you mean '${hint}'?` : `. Options: ${known.filter((k) => !k.includes('_')).join(', ')}`}`);
  }
}

/**
 * Values that would fail later, deep inside path or compile code, as a stack trace (`root: 5`
 * was a TypeError from node:path; `autoescape: 'yes'` a ValueError the CLI did not catch): one
 * ConfigError naming the option and where it came from.
 */
export function checkOptionValues(options: KidaOptions, where: string): void {
  for (const k of PATH_KEYS) {
    const v = options[k];
    if (v !== undefined && typeof v !== 'string' && !(k === 'cacheDir' && v === false))
      throw new ConfigError(`Option '${k}' in ${where} is a path, a string (got ${v === null ? 'null' : typeof v})`);
  }
  try {
    normalizeAutoescape(options.autoescape);
  } catch (e) {
    throw new ConfigError(`Option 'autoescape' in ${where}: ${(e as TemplateError).rawMessage ?? (e as Error).message}`);
  }
}

/** The nearest kida.config.* at or above `cwd`, or null. */
export function findConfig(cwd: string): string | null {
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    for (const f of CONFIG_FILES) if (existsSync(join(dir, f))) return join(dir, f);
    if (dirname(dir) === dir) return null;
  }
}

export interface LoadedConfig {
  options: KidaOptions;
  /** The file read, or null when there is none. */
  file: string | null;
}

/**
 * Reads the configuration: `file` when given (relative to `cwd`), else the nearest
 * kida.config.* at or above `cwd`; `false`: none. Path options become absolute (relative to the
 * file's directory); unknown keys and modules that do not exist are ConfigErrors.
 */
export async function loadConfig(cwd: string, file?: string | false): Promise<LoadedConfig> {
  if (file === false) return { options: {}, file: null };
  const path = file ? resolve(cwd, file) : findConfig(cwd);
  if (!path) return { options: {}, file: null };
  if (!existsSync(path)) throw new ConfigError(`Config file ${path} does not exist`);
  let raw: unknown;
  try {
    raw = path.endsWith('.json')
      ? JSON.parse(readFileSync(path, 'utf8'))
      : ((await import(pathToFileURL(path).href)) as { default?: unknown }).default;
  } catch (e) {
    throw new ConfigError(`Cannot read ${path}: ${(e as Error).message}`);
  }
  if (raw === undefined) raw = {};
  if (raw instanceof Promise || typeof (raw as { then?: unknown } | null)?.then === 'function') {
    if (raw instanceof Promise) raw.catch(() => {}); // (its rejection is this error's, not an unhandled one)
    throw new ConfigError(`${path} exports a promise: export default the options object itself (a top-level await can compute it first)`);
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError(`${path} must ${path.endsWith('.json') ? 'hold' : 'export default'} an object of options`);
  const options = { ...(raw as KidaOptions) };
  checkOptionKeys(options, KIDA_OPTION_KEYS, path);
  checkOptionValues(options, path);
  const base = dirname(path);
  for (const k of PATH_KEYS) {
    const v = options[k];
    if (typeof v !== 'string') continue;
    const abs = resolve(base, v);
    if (k === 'root' && !existsSync(abs)) throw new ConfigError(`The root ${v} named in ${path} does not exist${abs !== v ? ` (looked for ${abs})` : ''}`);
    if ((k === 'filters' || k === 'tests' || k === 'globals') && !existsSync(abs))
      throw new ConfigError(`The ${k} module ${v} named in ${path} (option '${k}') does not exist${abs !== v ? ` (looked for ${abs})` : ''}`);
    (options as Record<string, unknown>)[k] = abs;
  }
  // (a list or a record of paths: each relative to the file's directory too)
  if (Array.isArray(options.searchPaths)) options.searchPaths = options.searchPaths.map((p) => (typeof p === 'string' ? resolve(base, p) : p));
  const exts = options.nunjucksExtensions;
  if (exts && typeof exts === 'object' && !Array.isArray(exts))
    options.nunjucksExtensions = Object.fromEntries(Object.entries(exts).map(([n, p]) => [n, typeof p === 'string' ? resolve(base, p) : p]));
  return { options, file: path };
}

/** The configuration merged with inline options (which win), checked. */
export async function resolveOptions(cwd: string, inline: KidaOptions = {}): Promise<LoadedConfig> {
  checkOptionKeys(inline, KIDA_OPTION_KEYS, 'the kida plugin options');
  checkOptionValues(inline, 'the kida plugin options');
  const loaded = await loadConfig(cwd, inline.config);
  const options = { ...loaded.options };
  for (const [k, v] of Object.entries(inline)) if (v !== undefined) (options as Record<string, unknown>)[k] = v;
  return { options, file: loaded.file };
}
