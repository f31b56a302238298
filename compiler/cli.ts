#!/usr/bin/env node
// The `kida` command: compile a tree of templates to modules (+ .d.ts and source maps),
// check a tree for compile-time errors, or render one template.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { compile, relativeImport } from './index.js';
import { Environment, FileSystemLoader } from './environment.js';
import { TemplateError } from '../runtime/errors.js';
import { KidaProject, loadConfig } from '../plugins/shared.js';
import { extractMessages, toPot } from './extract.js';

const HELP = `kida — the Kida template compiler

Usage:
  kida compile <dir> --out <dir> [--root <dir>]   compile every .kida file to <name>.js, .js.map and .d.ts
  kida check <dir> [--validate-calls] [--strict]   report compile-time errors (and, with --validate-calls,
                                                   K-CMP def-call warnings; --strict fails on warnings)
                                                   as file:line:col: CODE message
  kida extract <dir> [--out <file.pot>]            collect {% trans %} and _()/_n() messages into a POT catalogue
  kida render <file> [--data <json|@file>] [--stream]
                                                   render a template (with the templates beside it)
Options:
  --no-autoescape      do not HTML-escape output
  --lenient            strictUndefined off (missing attributes render as "")
  -h, --help           this help
Options also come from kida.config.js/.mjs/.json in the working directory.`;

function fail(message: string): never {
  process.stderr.write(`kida: ${message}\n\n${HELP}\n`);
  process.exit(2);
}

async function main(argv: string[]): Promise<number> {
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
        'no-autoescape': { type: 'boolean' },
        lenient: { type: 'boolean' },
        'validate-calls': { type: 'boolean' },
        strict: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    fail((e as Error).message);
  }
  const { values, positionals } = parsed;
  const [command, target] = positionals;
  if (values.help || !command) {
    process.stdout.write(HELP + '\n');
    return command || values.help ? 0 : 2;
  }
  const config = await loadConfig(process.cwd());
  if (values['no-autoescape']) config.autoescape = false;
  if (values.lenient) config.strictUndefined = false;

  switch (command) {
    case 'compile': {
      if (!target) fail('compile needs a directory');
      if (!values.out) fail('compile needs --out <dir>');
      const project = new KidaProject({ ...config, root: values.root ?? target }, process.cwd());
      const files = project.templates();
      const out = resolve(values.out);
      let errors = 0;
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
          });
          const base = join(out, name);
          mkdirSync(dirname(base), { recursive: true });
          writeFileSync(base + '.js', `${res.code}//# sourceMappingURL=${name.split('/').pop()}.js.map\n`);
          writeFileSync(base + '.js.map', JSON.stringify(res.map));
          writeFileSync(base + '.d.ts', res.dts);
        } catch (e) {
          errors++;
          report(file, e);
        }
        if (files.length > 50 && (i + 1) % 50 === 0) process.stderr.write(`compiled ${i + 1}/${files.length}\n`);
      });
      process.stderr.write(`kida: compiled ${files.length - errors} of ${files.length} templates into ${relative(process.cwd(), out) || '.'}\n`);
      return errors ? 1 : 0;
    }
    case 'check': {
      if (!target) fail('check needs a directory');
      const project = new KidaProject({ ...config, root: values.root ?? target }, process.cwd());
      const files = project.templates();
      let errors = 0;
      for (const file of files) {
        try {
          const res = compile(readFileSync(file, 'utf8'), { ...project.compileOptions(file), validateCalls: values['validate-calls'] ? true : config.validateCalls });
          for (const w of res.warnings) process.stderr.write(`${relative(process.cwd(), file)}:${w.lineno}:${w.colno}: ${w.code} ${w.message}\n`);
          if (res.warnings.length && values.strict) errors++;
        } catch (e) {
          errors++;
          report(file, e);
        }
      }
      process.stderr.write(`kida: ${files.length} templates checked, ${errors} with errors\n`);
      return errors ? 1 : 0;
    }
    case 'extract': {
      if (!target) fail('extract needs a directory');
      const project = new KidaProject({ ...config, root: values.root ?? target }, process.cwd());
      const messages = project.templates().flatMap((file) => {
        try {
          return extractMessages(readFileSync(file, 'utf8'), relative(process.cwd(), file).split('\\').join('/'));
        } catch (e) {
          report(file, e);
          return [];
        }
      });
      const pot = toPot(messages);
      if (values.out) writeFileSync(values.out, pot);
      else process.stdout.write(pot);
      process.stderr.write(`kida: ${messages.length} messages extracted\n`);
      return 0;
    }
    case 'render': {
      if (!target) fail('render needs a template file');
      const file = resolve(target);
      let data: Record<string, unknown> = {};
      if (values.data) {
        const text = values.data.startsWith('@') ? readFileSync(values.data.slice(1), 'utf8') : values.data;
        try {
          data = JSON.parse(text) as Record<string, unknown>;
        } catch (e) {
          fail(`--data is not valid JSON: ${(e as Error).message}`);
        }
      }
      const env = new Environment({
        loader: new FileSystemLoader(values.root ?? dirname(file)),
        autoescape: config.autoescape,
        strictUndefined: config.strictUndefined,
        templateAliases: config.templateAliases,
      });
      const name = relative(resolve(values.root ?? dirname(file)), file).split('\\').join('/');
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

function relativeTo(fromFile: string, target: string): string {
  const r = relative(dirname(fromFile), target).split('\\').join('/');
  return r.startsWith('.') ? r : './' + r;
}

function report(file: string, e: unknown): void {
  if (e instanceof TemplateError) {
    const where = `${relative(process.cwd(), file)}:${e.lineno ?? 0}:${e.colno ?? 0}`;
    process.stderr.write(`${where}: ${e.code} ${e.rawMessage}${e.suggestion ? ` (${e.suggestion})` : ''}\n`);
  } else process.stderr.write(`${relative(process.cwd(), file)}: ${(e as Error).stack ?? String(e)}\n`);
}

process.exitCode = await main(process.argv.slice(2));
