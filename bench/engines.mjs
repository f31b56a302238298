// Builds every engine's renderer for a workload. Templates are compiled/parsed once here;
// the returned functions only render. Peer engines are imported lazily, so a process can be
// run without nunjucks ever being loaded (see README: loading nunjucks turns V8's
// String.prototype into a dictionary-mode object, which slows `charCodeAt` loops).
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { handlebarsHelpers } from './workloads.mjs';

export const BUILD = join(import.meta.dirname, '.build');

/** Compiles a set of kida templates to ES modules under bench/.build/<dir>/ (what a bundler plugin does). */
export async function compileKida(dir, files) {
  const { compile, relativeImport } = await import('kida/compiler');
  const out = join(BUILD, dir);
  rmSync(out, { recursive: true, force: true });
  for (const [name, source] of Object.entries(files)) {
    const { code } = compile(source, { name, importPath: (target, from) => relativeImport(target, from) + '.js' });
    const target = join(out, name + '.js');
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, code);
  }
}
/** Imports a compiled template module. */
export const importKida = (dir, entry) => import(pathToFileURL(join(BUILD, dir, entry + '.js')).href);
/** Compile + import (for scripts that compile in a separate phase anyway). */
export async function buildKida(dir, files, entry) {
  await compileKida(dir, files);
  return importKida(dir, entry);
}

export async function kidaEngines(w) {
  const kida = await importKida(w.id, w.kida.entry);
  return [
    { id: 'kida', label: 'kida render', kind: 'kida', render: (d) => kida.render(d) },
    {
      id: 'kida-stream',
      label: 'kida renderStream',
      kind: 'kida',
      render: (d) => {
        let s = '';
        for (const c of kida.renderStream(d)) s += c;
        return s;
      },
    },
    {
      id: 'kida-async',
      label: 'kida renderStreamAsync',
      kind: 'kida',
      async: true,
      render: async (d) => {
        let s = '';
        for await (const c of kida.renderStreamAsync(d)) s += c;
        return s;
      },
    },
  ];
}

/** A Nunjucks environment over in-memory sources; every file is compiled eagerly once. */
export async function nunjucksEnv(files) {
  const { default: nunjucks } = await import('nunjucks');
  const loader = new (nunjucks.Loader.extend({
    getSource(name) {
      if (!(name in files)) throw new Error(`nunjucks: no template ${name}`);
      return { src: files[name], path: name, noCache: false };
    },
  }))();
  const env = new nunjucks.Environment(loader, { autoescape: true });
  for (const name of Object.keys(files)) env.getTemplate(name, true);
  return env;
}

export async function peerEngines(w, exclude = []) {
  const ntpl = exclude.includes('nunjucks') ? null : (await nunjucksEnv(w.nunjucks.files)).getTemplate(w.nunjucks.entry, true);

  const { Liquid } = await import('liquidjs');
  const liquid = new Liquid({ templates: w.liquid.files, outputEscape: 'escape', cache: true });
  const ltpl = liquid.parse(w.liquid.files[w.liquid.entry]);

  const { Eta } = await import('eta');
  const eta = new Eta({ autoEscape: true, autoTrim: false, cache: true });
  for (const [name, src] of Object.entries(w.eta.files)) eta.loadTemplate('@' + name, src);
  const etaEntry = '@' + w.eta.entry;

  const { default: Handlebars } = await import('handlebars');
  const hb = Handlebars.create();
  hb.registerHelper(handlebarsHelpers(hb));
  const hbOpts = { ignoreStandalone: true, preventIndent: true };
  const hbt = {};
  for (const [name, src] of Object.entries(w.handlebars.files)) {
    hbt[name] = hb.compile(src, hbOpts);
    if (name !== w.handlebars.entry) hb.registerPartial(name, hbt[name]);
  }
  const hbEntry = hbt[w.handlebars.entry];

  return [
    ...(ntpl ? [{ id: 'nunjucks', label: 'nunjucks', kind: 'peer', render: (d) => ntpl.render(d) }] : []),
    { id: 'liquidjs', label: 'liquidjs', kind: 'peer', render: (d) => liquid.renderSync(ltpl, d) },
    { id: 'eta', label: 'eta', kind: 'peer', render: (d) => eta.render(etaEntry, d) },
    { id: 'handlebars', label: 'handlebars', kind: 'peer', render: (d) => hbEntry(d) },
  ];
}

export function baselineEngine(w) {
  return { id: 'baseline', label: 'JS baseline', kind: 'baseline', render: (d) => w.baseline(d) };
}

/** All engines: kida's three entry points, the peers (minus `exclude`, never imported), the baseline. */
export async function engines(w, { exclude = [] } = {}) {
  return [...(await kidaEngines(w)), ...(await peerEngines(w, exclude)), baselineEngine(w)];
}
