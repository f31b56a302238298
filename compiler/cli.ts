#!/usr/bin/env node
// The `kida` command: compile a tree of templates to modules (+ .d.ts and source maps),
// check a tree for compile-time errors, or render one template.

import { mkdirSync, readFileSync, statSync, watch, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { compile, relativeImport } from './index.js';
import { Environment, FileSystemLoader } from './environment.js';
import { TemplateError } from '../runtime/errors.js';
import { KidaProject, compatFor, errorSummary, exportNames, type KidaOptions } from '../plugins/shared.js';
import { ConfigError, loadConfig } from '../plugins/config.js';
import { diagnose } from './diagnose.js';
import type { Callable } from '../runtime/linkage.js';
import { extractMessages, toPot } from './extract.js';
import { CHECK_FORMATS, CheckReport, type CheckFormat } from './check-report.js';

const HELP = `kida — the Kida template compiler

Usage:
  kida compile [<dir>] --out <dir> [--root <dir>] [--watch]
                                                   compile every .kida (and .njk: Nunjucks) file to <name>.js, .js.map and .d.ts
                                                   (--watch: again on every change, writing changed files)
  kida types <dir|file> [--root <dir>] [--watch]   write page.d.kida.ts beside each page.kida (typed imports of
                                                   templates; tsconfig: "allowArbitraryExtensions": true);
                                                   only files that change; --watch: again on every edit
  kida check [<dir>|<file>...] [--validate-calls] [--strict] [--typed] [--types [--tsconfig <file>]]
             [--format text|json|sarif|github] [--compat nunjucks]
                                                   report every compile-time error of each file (and, with
                                                   --validate-calls, K-CMP def-call warnings; --strict fails
                                                   on warnings) as file:line:col: CODE message (1-based)
                                                   --typed: names read but not declared in {% template %}
                                                   (K-TYP-001/003) and declared names never read (K-TYP-002)
                                                   --types: type-check template bodies against the declared
                                                   types with TypeScript (K-TYP-004 unknown property, K-TYP-005
                                                   unresolved @types import, K-TYP-006 def argument of the wrong
                                                   type); compiler options come from the
                                                   nearest tsconfig.json or --tsconfig
                                                   --format: json (the reference's envelope), sarif (2.1.0, for
                                                   code scanning) or github (workflow annotations) on stdout
                                                   --compat nunjucks: every template is Nunjucks, and the
                                                   migration checklist to plain Kida is reported as
                                                   K-NJK-0xx warnings with the Kida form (docs/guide/nunjucks.md)
  kida fmt [--check] [--indent N] [--html-indent] [<dir>|<file>...]
                                                   format templates in place (tag spacing, block indentation,
                                                   trailing whitespace, blank lines); --check: list the files
                                                   that are not formatted and exit 1; --indent: spaces per level
                                                   (default 2, or fmt.indent in kida.config); --html-indent:
                                                   also indent by HTML element nesting (or fmt.htmlIndent)
  kida extract [<dir>] [--out <file.pot>]          collect {% trans %} and _()/_n() messages into a POT catalogue
  kida lsp --stdio                                 the language server (diagnostics, hover, completion,
                                                   definitions, symbols, folding) for editors
  kida render <file> [--data <json|@file|@->] [--stream]
                                                   render a template (with the templates of root, or beside
                                                   it); --data @- reads the JSON from stdin
Options:
  --config <file>      the config file (default: the nearest kida.config.js/.mjs/.json at or above
                       the working directory); --root and a <dir> argument override its root
  --autoescape <mode>  html (default), markdown (Markdown mode: its filters, escaping and output_format)
                       or none
  --no-autoescape      the same as --autoescape none
  --lenient            strictUndefined off (missing attributes render as "")
  -v, --version        the version
  -h, --help           this help`;

function fail(message: string): never {
  process.stderr.write(`kida: ${message}\n\n${HELP}\n`);
  process.exit(2);
}

/** The language server's protocol libraries are optional peers (an SSR install does not carry them). */
async function startLanguageServer(): Promise<number> {
  let server: typeof import('./lsp/server.js');
  try {
    server = await import('./lsp/server.js');
  } catch (e) {
    if ((e as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND' || !/vscode-languageserver/.test(String(e))) throw e;
    process.stderr.write('kida lsp needs the language server libraries: npm install -D vscode-languageserver vscode-languageserver-textdocument\n');
    return 2;
  }
  server.startServer();
  return 0;
}

async function main(argv: string[]): Promise<number> {
  // (the language server takes its transport flags, --stdio and the like, from process.argv)
  if (argv[0] === 'lsp') return startLanguageServer();
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        out: { type: 'string', short: 'o' },
        root: { type: 'string' },
        data: { type: 'string', short: 'd' },
        stream: { type: 'boolean' },
        autoescape: { type: 'string' },
        'no-autoescape': { type: 'boolean' },
        lenient: { type: 'boolean' },
        'validate-calls': { type: 'boolean' },
        strict: { type: 'boolean' },
        typed: { type: 'boolean' },
        types: { type: 'boolean' },
        tsconfig: { type: 'string' },
        check: { type: 'boolean' },
        indent: { type: 'string' },
        'html-indent': { type: 'boolean' },
        format: { type: 'string' },
        compat: { type: 'string' },
        config: { type: 'string', short: 'c' },
        watch: { type: 'boolean', short: 'w' },
        version: { type: 'boolean', short: 'v' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    fail((e as Error).message);
  }
  const { values, positionals } = parsed;
  const [command, target] = positionals;
  if (values.version) {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    process.stdout.write(`kida ${pkg.version}\n`);
    return 0;
  }
  if (values.help || !command) {
    process.stdout.write(HELP + '\n');
    return command || values.help ? 0 : 2;
  }
  const config = (await loadConfig(process.cwd(), values.config)).options;
  if (values.watch && command !== 'compile' && command !== 'types') fail('--watch works with compile and types');
  if ((values.check || values.indent !== undefined || values['html-indent']) && command !== 'fmt') fail('--check, --indent and --html-indent work with fmt');
  if (values.format !== undefined && command !== 'check') fail('--format works with check');
  /** The project a command works on: root from --root, else the config's root when `target` lies in it, else `target`'s directory. */
  const projectFor = (target: string | undefined): { project: KidaProject; files: string[] } => {
    const at = target ? resolve(target) : null;
    const isDir = at ? statSync(at, { throwIfNoEntry: false })?.isDirectory() ?? false : false;
    if (at && !isDir && !statSync(at, { throwIfNoEntry: false })) fail(`${target} does not exist`);
    const inside = (root: string) => at !== null && (at === root || at.startsWith(root + sep));
    const configRoot = config.root !== undefined ? resolve(config.root) : null;
    const root = values.root ?? (configRoot && (!at || inside(configRoot)) ? configRoot : at ? (isDir ? at : dirname(at)) : '.');
    const project = new KidaProject({ ...config, root }, process.cwd());
    return { project, files: at && !isDir ? [at] : project.templates(at ?? project.root) };
  };
  if (values.autoescape !== undefined) {
    const modes: Record<string, KidaOptions['autoescape']> = { html: true, markdown: 'markdown', none: false };
    if (!(values.autoescape in modes)) fail(`--autoescape must be html, markdown or none, not '${values.autoescape}'`);
    config.autoescape = modes[values.autoescape];
  }
  if (values['no-autoescape']) config.autoescape = false;
  if (values.lenient) config.strictUndefined = false;
  if (values.compat !== undefined) {
    if (command !== 'check' || values.compat !== 'nunjucks') fail("--compat nunjucks works with check");
    config.compat = 'nunjucks';
  }
  // (loaded only for check --compat)
  const checklist = values.compat ? (await import('./nunjucks/checklist.js')).nunjucksChecklist : null;

  switch (command) {
    case 'compile': {
      if (!target && config.root === undefined) fail('compile needs a directory (or root in kida.config)');
      if (!values.out) fail('compile needs --out <dir>');
      const out = resolve(values.out);
      const compileAll = (): number => {
      const { project, files } = projectFor(target);
      let errors = 0;
      const setup = registrySetup(project, out);
      if (setup) {
        mkdirSync(out, { recursive: true });
        writeIfChanged(join(out, SETUP_MODULE), setup);
      }
      files.forEach((file, i) => {
        const name = project.templateName(file);
        try {
          const opts = project.compileOptions(file);
          const res = compile(readFileSync(file, 'utf8'), {
            ...opts,
            linkage: undefined,
            importPath: (t, f) => relativeImport(t, f) + '.js',
            filterModule: opts.filterModule && { ...opts.filterModule, module: relativeTo(join(out, name), opts.filterModule.module) },
            testModule: opts.testModule && { ...opts.testModule, module: relativeTo(join(out, name), opts.testModule.module) },
            njkExtensionModules: opts.njkExtensionModules && Object.fromEntries(Object.entries(opts.njkExtensionModules).map(([n, f]) => [n, relativeTo(join(out, name), f)])),
            // (`@types` imports are written relative to a template: re-based to the output)
            typesSpecifier: (spec, from) => (spec.startsWith('.') ? relativeTo(join(out, name), join(project.root, dirname(from), spec)) : spec),
          });
          const base = join(out, name);
          mkdirSync(dirname(base), { recursive: true });
          // (only files that change: a watcher downstream sees only real edits)
          // (the setup import after the code: imports are hoisted, and the source map's lines stay as they are)
          const setupImport = setup ? `import ${JSON.stringify(relativeTo(base, join(out, SETUP_MODULE)))};\n` : '';
          writeIfChanged(base + '.js', `${res.code}${setupImport}//# sourceMappingURL=${name.split('/').pop()}.js.map\n`);
          writeIfChanged(base + '.js.map', JSON.stringify(res.map));
          writeIfChanged(base + '.d.ts', res.dts);
        } catch (e) {
          errors++;
          report(file, e);
        }
        if (files.length > 50 && (i + 1) % 50 === 0) process.stderr.write(`compiled ${i + 1}/${files.length}\n`);
      });
      process.stderr.write(`kida: compiled ${files.length - errors} of ${files.length} templates into ${relative(process.cwd(), out) || '.'}\n`);
      return errors ? 1 : 0;
      };
      await projectFor(target).project.loadExtensions(); // (Nunjucks extensions' parse() runs as templates compile)
      const status = compileAll();
      if (!values.watch) return status;
      await watchAndRun(projectFor(target).project, out, compileAll);
      return 0;
    }
    case 'types': {
      const target = positionals[1] ?? (config.root as string | undefined); // (default: the config's root)
      if (!target) fail('types needs a directory or a template file (or a root in kida.config)');
      const single = statSync(target, { throwIfNoEntry: false })?.isFile() ?? false;
      const project = new KidaProject({ ...config, root: values.root ?? (single ? dirname(target) : target) }, process.cwd());
      const { writeDeclarations, watchDeclarations } = await import('../plugins/declarations.js');
      const summary = (run: import('../plugins/declarations.js').DeclarationRun) => {
        for (const f of run.failed) report(f.file, f.error);
        const where = relative(process.cwd(), project.root) || '.';
        process.stderr.write(`kida: ${run.written.length} of ${run.templates} declaration files written in ${where}${run.failed.length ? `, ${run.failed.length} templates with errors` : ''}\n`);
      };
      // (with --root, only the templates under <dir>; names and references resolve from root)
      const files = () => (single ? [resolve(target)] : project.templates(resolve(target)));
      const first = await writeDeclarations(project, files());
      summary(first);
      if (!values.watch) return first.failed.length ? 1 : 0;
      process.stderr.write('kida: watching for changes (Ctrl-C to stop)\n');
      await watchDeclarations(project, summary, files);
      return 0;
    }
    case 'check': {
      if (values.tsconfig && !values.types) fail('--tsconfig needs --types');
      const format = (values.format ?? 'text') as CheckFormat;
      if (!CHECK_FORMATS.includes(format)) fail(`--format must be ${CHECK_FORMATS.join(', ')}, not '${values.format}'`);
      const targets = positionals.slice(1);
      const parts = (targets.length ? targets : [undefined]).map((t) => projectFor(t));
      const project = parts[0]!.project;
      for (const p of parts) await p.project.loadExtensions();
      const files = [...new Set(parts.flatMap((p) => p.files))];
      const failing = new Set<string>();
      const version = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
      const sink = new CheckReport(format, project.root, { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t), textError: report }, version);
      const compiled: { file: string; source: string; options: ReturnType<KidaProject['compileOptions']> }[] = [];
      const literals: { file: string; w: import('./codegen.js').CompileWarning; source: string }[] = [];
      for (const file of files) {
        try {
          const source = readFileSync(file, 'utf8');
          const options = project.compileOptions(file);
          const res = diagnose(source, { ...options, validateCalls: values['validate-calls'] ? true : config.validateCalls });
          for (const e of res.errors) sink.error(file, e, source);
          // (with --types, a literal K-CMP-002 waits: K-TYP-006 may report the same argument)
          for (const w of res.warnings) if (values.types && w.code === 'K-CMP-002') literals.push({ file, w, source });
          else sink.warning(file, w, source);
          if (res.errors.length >= 20) sink.partial = true; // (diagnose stops at 20 errors a file)
          const todo = checklist && !res.errors.length ? checklist(source, { name: project.templateName(file), ...project.delimiters }) : [];
          for (const m of todo) sink.migration(file, m, source);
          if (res.errors.length || ((res.warnings.length || todo.length) && values.strict)) failing.add(file);
          if (!res.errors.length) compiled.push({ file, source, options });
        } catch (e) {
          failing.add(file);
          sink.error(file, e);
        }
      }
      if (values.typed || values.types) {
        // loaded only here: --types brings in the TypeScript compiler (ts-morph)
        const { checkNames, checkTypes } = await import('./typecheck.js');
        const findings: import('./typecheck.js').TypeDiagnostic[] = [];
        if (values.typed) {
          let globals: string[] = [];
          try {
            globals = project.globalsFile ? exportNames(project.globalsFile) : [];
          } catch {
            // an unreadable globals module is the build's error, not the checker's
          }
          for (const c of compiled) findings.push(...checkNames(c.source, { ...c.options, file: c.file, globals }));
        }
        if (values.types) {
          let res;
          try {
            res = await checkTypes(
              compiled.map((c) => ({ file: c.file, source: c.source, parseOptions: c.options })),
              { tsconfig: values.tsconfig, searchFrom: project.root },
            );
          } catch (e) {
            if ((e as { code?: string }).code === 'ERR_MODULE_NOT_FOUND' && /ts-morph/.test((e as Error).message)) {
              process.stderr.write('kida: check --types uses the TypeScript compiler through ts-morph, which is not installed: npm install --save-dev ts-morph\n');
              return 2;
            }
            fail(`--types: ${(e as Error).message}`);
          }
          findings.push(...res.diagnostics);
          for (const x of res.internal) process.stderr.write(`kida: internal: could not type-check ${relative(process.cwd(), x.file)}: ${x.message}\n`);
          if (res.internal.length) sink.partial = true;
        }
        for (const l of literals) if (!findings.some((d) => sameArgument(d, l.file, l.w))) sink.warning(l.file, l.w, l.source);
        const order = new Map(files.map((f, i) => [resolve(f), i]));
        findings.sort((a, b) => (order.get(resolve(a.file)) ?? 0) - (order.get(resolve(b.file)) ?? 0) || a.line - b.line || a.col - b.col);
        for (const d of findings) {
          sink.typeFinding(d);
          failing.add(resolve(d.file));
        }
      }
      const errors = new Set([...failing].map((f) => resolve(f))).size;
      // (warnings count too: their lines look like errors', and without --strict the check passes)
      const warnings = sink.findings.filter((f) => f.severity === 'warning').length;
      process.stderr.write(`kida: ${files.length} templates checked, ${errors} with errors${warnings ? `, ${warnings} warning${warnings > 1 ? 's' : ''}` : ''}\n`);
      sink.finish(errors ? 1 : 0);
      return errors ? 1 : 0;
    }
    case 'fmt': {
      const { runFmt } = await import('./fmt-cli.js');
      const line = (w: NodeJS.WriteStream) => (text: string) => w.write(text + '\n');
      return runFmt({ targets: positionals.slice(1), check: !!values.check, indent: values.indent, htmlIndent: !!values['html-indent'], config, out: line(process.stdout), err: line(process.stderr) });
    }
    case 'extract': {
      const { project, files } = projectFor(target);
      let unparsed = 0;
      const messages = files.flatMap((file) => {
        try {
          return extractMessages(readFileSync(file, 'utf8'), relative(process.cwd(), file).split('\\').join('/'), project.delimiters);
        } catch (e) {
          unparsed++;
          report(file, e);
          return [];
        }
      });
      const pot = toPot(messages);
      if (values.out) writeFileSync(values.out, pot);
      else process.stdout.write(pot);
      process.stderr.write(`kida: ${messages.length} messages extracted${unparsed ? `; ${unparsed} templates could not be read` : ''}\n`);
      return unparsed ? 1 : 0;
    }
    case 'render': {
      if (!target) fail('render needs a template file');
      const file = resolve(target);
      let data: Record<string, unknown> = {};
      if (values.data) {
        const text = values.data === '@-' ? readFileSync(0, 'utf8') : values.data.startsWith('@') ? readFileSync(values.data.slice(1), 'utf8') : values.data;
        try {
          data = JSON.parse(text) as Record<string, unknown>;
        } catch (e) {
          fail(`--data is not valid JSON: ${(e as Error).message}`);
        }
      }
      // the user's filters, tests and globals modules and root from the config, as the bundles link them
      const { project } = projectFor(target);
      let modules: Record<string, unknown>[];
      try {
        modules = await Promise.all(
          [project.filtersFile, project.testsFile, project.globalsFile].map(async (f) => (f ? { ...((await import(pathToFileURL(f).href)) as object) } : {})),
        );
      } catch (e) {
        fail(`cannot load the filters, tests or globals module: ${(e as Error).message}`);
      }
      const [filters, tests, globals] = modules as [Record<string, Callable>, Record<string, Callable>, Record<string, unknown>];
      const env = new Environment({
        loader: new FileSystemLoader(project.root),
        filters,
        tests,
        globals,
        autoescape: config.autoescape,
        strictUndefined: config.strictUndefined,
        trimBlocks: config.trimBlocks,
        lstripBlocks: config.lstripBlocks,
        templateAliases: config.templateAliases,
        ...project.delimiters,
        ...(compatFor(file, config.compat) ? { compat: compatFor(file, config.compat) } : {}),
      });
      if (compatFor(file, config.compat) === 'nunjucks') {
        for (const f of config.asyncFilters ?? []) if (typeof filters[f] === 'function') env.addFilter(f, filters[f], true);
        for (const [n, ext] of Object.entries(await project.extensions())) env.addExtension(n, ext);
      }
      const name = project.templateName(file);
      try {
        const t = env.getTemplate(name);
        if (values.stream) for await (const chunk of t.renderStreamAsync(data)) process.stdout.write(chunk);
        else process.stdout.write(await t.renderAsync(data));
      } catch (e) {
        report(file, e);
        return 1;
      }
      return 0;
    }
    default:
      fail(`unknown command '${command}'`);
  }
}

/** What `kida compile --out` writes beside the modules when the config has globals, tests or aliases. */
const SETUP_MODULE = 'kida-setup.js';

/**
 * The config's globals, tests and template aliases put on `kida/runtime`'s registry, which the
 * modules `kida compile` writes render with (they have no bundler's linkage module): each module
 * imports it, so an app that imports a page gets them, as a bundle or `kida render` does.
 */
function registrySetup(project: KidaProject, out: string): string | null {
  const aliases = project.options.templateAliases ?? {};
  if (!project.globalsFile && !project.testsFile && !Object.keys(aliases).length) return null;
  const from = join(out, SETUP_MODULE);
  const lines = ['// Written by kida compile: kida.config\'s globals, tests and template aliases on the registry these modules render with.', "import { registry } from 'kida/runtime';"];
  if (project.globalsFile) lines.push(`import * as $globals from ${JSON.stringify(relativeTo(from, project.globalsFile))};`, 'Object.assign(registry.globals, $globals);');
  if (project.testsFile) lines.push(`import * as $tests from ${JSON.stringify(relativeTo(from, project.testsFile))};`, 'Object.assign(registry.tests, $tests);');
  // (through JSON.parse: in an object literal a "__proto__" alias would set the prototype)
  if (Object.keys(aliases).length) lines.push(`registry.templateAliases = JSON.parse(${JSON.stringify(JSON.stringify(aliases))});`);
  return lines.join('\n') + '\n';
}

function relativeTo(fromFile: string, target: string): string {
  const r = relative(dirname(fromFile), target).split('\\').join('/');
  return r.startsWith('.') ? r : './' + r;
}

/** `file:line:col: CODE message`, 1-based like tsc and ESLint (TemplateError columns are 0-based). */
function report(file: string, e: unknown): void {
  if (e instanceof TemplateError) {
    const where = `${relative(process.cwd(), file)}${e.lineno != null ? `:${e.lineno}:${(e.colno ?? 0) + 1}` : ''}`;
    process.stderr.write(`${where}: ${errorSummary(e)}\n`);
  } else if (e instanceof ConfigError) process.stderr.write(`kida: ${e.message}\n`);
  else process.stderr.write(`${relative(process.cwd(), file)}: ${(e as Error).stack ?? String(e)}\n`);
}

function writeIfChanged(file: string, text: string): void {
  try {
    if (readFileSync(file, 'utf8') === text) return;
  } catch {
    /* not there yet */
  }
  writeFileSync(file, text);
}

/** Runs `run` again after each change under root (or to the filters/tests/globals modules), until interrupted. */
async function watchAndRun(project: KidaProject, out: string, run: () => number): Promise<never> {
  let timer: NodeJS.Timeout | undefined;
  const again = (file: string | null) => {
    if (file && resolve(project.root, file).startsWith(out + sep)) return; // (our own output)
    clearTimeout(timer);
    timer = setTimeout(() => {
      try {
        run();
      } catch (e) {
        report(project.root, e);
      }
    }, 50);
  };
  watch(project.root, { recursive: true }, (_event, file) => again(file));
  for (const f of [project.filtersFile, project.testsFile, project.globalsFile]) if (f) watch(f, () => again(null));
  process.stderr.write(`kida: watching ${relative(process.cwd(), project.root) || '.'} (Ctrl-C to stop)\n`);
  return new Promise<never>(() => {});
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (e) {
  // a configuration that cannot be used is one line, not a stack
  if (!(e instanceof ConfigError)) throw e;
  process.stderr.write(`kida: ${e.message}\n`);
  process.exitCode = 2;
}

/** A K-TYP-006 finding about the argument a K-CMP-002 warning names (same file, line, def and parameter). */
function sameArgument(d: { file: string; line: number; code: string; message: string }, file: string, w: { lineno: number; message: string }): boolean {
  const m = /^(.+?)\(\) param '([^']+)'/.exec(w.message);
  return !!m && d.code === 'K-TYP-006' && resolve(d.file) === resolve(file) && d.line === w.lineno && d.message.endsWith(` in ${m[1]}()`) && d.message.includes(`parameter '${m[2]}'`);
}
