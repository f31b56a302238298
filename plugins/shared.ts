// What the Rollup/Vite plugins, the Node hook and the CLI share: options (also read from
// kida.config.*), template naming relative to `root`, and the linkage module that gives
// compiled templates the user's globals/tests and a registry for dynamic template names.

import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { normalizeAutoescape, type AutoescapeOption } from '../compiler/index.js';
import { parse } from '../compiler/parser.js';
import { delimiterOptions, resolveSyntax, type DelimiterOptions } from '../compiler/lexer.js';
import { walk } from '../compiler/codegen.js';

/**
 * Plugin options. Delimiters (default `{% %}`, `{{ }}`, `{# #}`, e.g. `blockStart: '<%'`) come from
 * DelimiterOptions; the snake_case spellings (`block_start`, …) are accepted too, e.g. in kida.config.json.
 */
export interface KidaOptions extends DelimiterOptions {
  include?: string | string[];
  exclude?: string | string[];
  /** Where root-relative template names resolve (default: the project root). */
  root?: string;
  /** `true` (HTML, by file name; default), `false`, `'markdown'`, or a function of the template name. */
  autoescape?: AutoescapeOption;
  strictUndefined?: boolean;
  trimBlocks?: boolean;
  lstripBlocks?: boolean;
  /** Modules whose named exports are filters / tests / globals. */
  filters?: string;
  tests?: string;
  globals?: string;
  templateAliases?: Record<string, string>;
  /**
   * Write `<template>.kida.d.ts` beside each template as it compiles, so TypeScript types
   * `import page from './page.kida'` as `Template<Context, Blocks>` (default false).
   */
  dts?: boolean;
  /** Validate def calls at build time (K-CMP-001/002): warnings, or build errors with 'error'. */
  validateCalls?: boolean | 'error';
}

export const LINKAGE_ID = 'virtual:kida-linkage';

/** Reads kida.config.js / .mjs / .json from `cwd`, if present. */
export async function loadConfig(cwd: string): Promise<KidaOptions> {
  for (const f of ['kida.config.js', 'kida.config.mjs']) {
    const p = join(cwd, f);
    if (existsSync(p)) return ((await import(pathToFileURL(p).href)) as { default?: KidaOptions }).default ?? {};
  }
  const json = join(cwd, 'kida.config.json');
  return existsSync(json) ? (JSON.parse(readFileSync(json, 'utf8')) as KidaOptions) : {};
}

/** Named exports of a JS/TS module, read statically (no execution at build time). */
export function exportNames(file: string): string[] {
  const src = readFileSync(file, 'utf8');
  const names = new Set<string>();
  for (const m of src.matchAll(/export\s+(?:declare\s+)?(?:async\s+)?(?:function\*?|const|let|var|class)\s+([A-Za-z_$][\w$]*)/g)) names.add(m[1]!);
  for (const m of src.matchAll(/export\s*\{([^}]*)\}/g))
    for (const part of m[1]!.split(',')) {
      const n = part.trim().split(/\s+as\s+/).pop()!.trim();
      if (n && n !== 'default') names.add(n);
    }
  return [...names];
}

/** A resolved build configuration. */
export class KidaProject {
  readonly root: string;
  readonly filtersFile: string | null;
  readonly testsFile: string | null;
  readonly globalsFile: string | null;
  /** The configured delimiters (only those that are set). */
  readonly delimiters: DelimiterOptions;

  constructor(
    readonly options: KidaOptions,
    readonly cwd: string,
  ) {
    this.root = resolve(cwd, options.root ?? '.');
    const file = (p?: string) => (p ? resolve(cwd, p) : null);
    this.filtersFile = file(options.filters);
    this.testsFile = file(options.tests);
    this.globalsFile = file(options.globals);
    this.delimiters = delimiterOptions(options);
    resolveSyntax(this.delimiters); // a bad delimiter set fails the build at once (DelimiterError)
    normalizeAutoescape(options.autoescape); // and so does a bad autoescape value (ValueError)
  }

  /** The template name of a file: its path relative to root, with `/` separators. */
  templateName(file: string): string {
    const rel = relative(this.root, file);
    return rel.split(sep).join('/');
  }

  compileOptions(file: string) {
    return {
      name: this.templateName(file),
      filename: file,
      autoescape: this.options.autoescape,
      strictUndefined: this.options.strictUndefined,
      trimBlocks: this.options.trimBlocks,
      lstripBlocks: this.options.lstripBlocks,
      ...this.delimiters,
      templateAliases: this.options.templateAliases,
      linkage: LINKAGE_ID,
      validateCalls: this.options.validateCalls,
      checkImports: true,
      sourceOf: (n: string) => {
        try {
          return readFileSync(join(this.root, n), 'utf8');
        } catch {
          return null;
        }
      },
      filterModule: this.filtersFile ? { module: this.filtersFile, names: exportNames(this.filtersFile) } : undefined,
      testModule: this.testsFile ? { module: this.testsFile, names: exportNames(this.testsFile) } : undefined,
    };
  }

  /** Every template file under root. */
  templates(dir = this.root): string[] {
    if (!existsSync(dir)) return [];
    return readdirSync(dir).flatMap((f) => {
      if (f === 'node_modules' || f.startsWith('.')) return [];
      const p = join(dir, f);
      return statSync(p).isDirectory() ? this.templates(p) : p.endsWith('.kida') ? [p] : [];
    });
  }

  /** Does any template name another template only at run time? */
  hasDynamicRefs(): boolean {
    return this.templates().some((f) => {
      try {
        let dynamic = false;
        walk(parse(readFileSync(f, 'utf8'), { name: this.templateName(f), ...this.delimiters }).body, (n) => {
          const t = (n as { template?: { type: string; value?: unknown } }).template;
          if (['Include', 'Extends', 'Embed', 'Import', 'FromImport'].includes(n.type) && t && !(t.type === 'Const' && typeof t.value === 'string'))
            dynamic = true;
        });
        return dynamic;
      } catch {
        return false; // syntax errors surface when the template itself is compiled
      }
    });
  }

  /** Source of the linkage module (user globals and tests, template registry). */
  linkageCode(runtime: string, spec: (file: string) => string = (f) => f): string {
    const lines = [`import { Registry } from ${JSON.stringify(runtime)};`, 'const $env = new Registry();'];
    if (this.globalsFile) lines.push(`import * as $globals from ${JSON.stringify(spec(this.globalsFile))};`, 'Object.assign($env.globals, $globals);');
    if (this.testsFile) lines.push(`import * as $tests from ${JSON.stringify(spec(this.testsFile))};`, 'Object.assign($env.tests, $tests);');
    lines.push(`$env.templateAliases = ${JSON.stringify(this.options.templateAliases ?? {})};`);
    if (this.hasDynamicRefs()) {
      // Dynamic names can reach any template under root: register them all, lazily.
      this.templates().forEach((f, i) => {
        lines.push(`import $t${i} from ${JSON.stringify(spec(f))};`, `$env.define(${JSON.stringify(this.templateName(f))}, () => $t${i});`);
      });
    }
    lines.push('export default $env;');
    return lines.join('\n') + '\n';
  }
}

export const isAbs = isAbsolute;
