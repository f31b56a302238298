// Issue #25's outside check, ninth pass: the smaller projects (hexo-theme-next has its own,
// bench/nunjucks-projects-next.mjs), vendored unchanged under test/fixtures/nunjucks-projects/
// (SOURCES.md), each environment as the package's docs set it up:
//   dfe   dfe-frontend 2.0.1 (the Department for Education's components over GOV.UK Frontend):
//         its header README's macro call, and both components with params shaped by their templates
//   hok   home-office-kit 1.2.0 (the Home Office's GOV.UK Prototype Kit plugin): its 7 page
//         templates and 2 layouts as a prototype renders them (the kit's search paths with the
//         plugin's `nunjucksPaths` first, its macros imported into its layout as the kit's build
//         does), bare, with every name and shaped; its 2 macros shaped
// `node bench/nunjucks-projects-ninth.mjs [project]` (after a build) prints the counts and what differs.
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PROJECTS, exampleCalls, pkg, shapes } from './nunjucks-projects.mjs';
import { FIXTURES, compatEnv, componentCases, measure as measureWith, pageCases } from './nunjucks-projects-sixth.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const at = (...p) => join(FIXTURES, ...p);
const GOVUK = join(here, '../node_modules/govuk-frontend/dist');
const DFE = at('dfe-frontend');
const HOK = at('home-office-kit');

/**
 * The kit's build (lib/build.js autoImportComponentsSync) for a plugin's `importNunjucksMacrosInto`:
 * the layout written to a shadow folder, first on the search path, after an import of every macro
 * the installed plugins' configs list (govuk-frontend's and the plugin's own).
 */
function hokShadow() {
  const dir = mkdtempSync(join(tmpdir(), 'hok-shadow-'));
  const config = (p) => JSON.parse(readFileSync(p, 'utf8'));
  const macros = [...config(join(pkg('govuk-frontend'), 'govuk-prototype-kit.config.json')).nunjucksMacros, ...config(join(HOK, 'govuk-prototype-kit.config.json')).nunjucksMacros];
  const imports = macros.map(({ macroName, importFrom }) => `{% from "${importFrom}" import ${macroName} %}`).join('\n');
  for (const t of config(join(HOK, 'govuk-prototype-kit.config.json')).importNunjucksMacrosInto) {
    // (the kit names the shadow by the template's path under its nunjucksPaths entry: /layouts/x.html is x.html)
    const out = join(dir, relative('/layouts', t));
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, [imports, readFileSync(join(HOK, t), 'utf8')].join('\n\n'));
  }
  return dir;
}

export const NINTH = {
  // (its README: `packages` on the search path, govuk-frontend's dist after it)
  dfe: { base: join(DFE, 'packages/components'), paths: [join(DFE, 'packages'), GOVUK], opts: {} },
  // (the kit's app environment with the plugin installed: the shadow, the plugin's nunjucksPaths, the plugin's root (its templates, as the kit's template pages render them), then the kit's own)
  hok: {
    ...PROJECTS.kit,
    base: HOK,
    paths: [hokShadow(), join(HOK, 'layouts'), join(HOK, 'macros'), HOK, ...PROJECTS.kit.paths],
  },
};
Object.assign(PROJECTS, NINTH);

const slash = (p) => p.split('\\').join('/');

async function hokCases() {
  const env = await compatEnv('hok');
  const pages = [...readdirSync(join(HOK, 'templates')).sort().map((f) => `templates/${f}`), 'home-office-kit-layout.html', 'home-office-kit-form-layout.html'];
  const sources = [...pages.map((p) => readFileSync(join(HOK, p.startsWith('templates/') ? p : `layouts/${p}`), 'utf8')), ...readdirSync(join(HOK, 'macros')).map((f) => readFileSync(join(HOK, 'macros', f), 'utf8'))];
  const out = pages.flatMap((p) => pageCases('hok', p, sources, env));
  // (its two macros, as the kit imports them into every page: called with params shaped by their templates)
  for (const f of readdirSync(join(HOK, 'macros')).sort()) {
    const src = readFileSync(join(HOK, 'macros', f), 'utf8');
    const macro = /{%-?\s*macro\s+(\w+)/.exec(src)[1];
    for (const [variant, params] of Object.entries(shapes([src])))
      out.push({ project: 'hok', component: f, name: `shape: ${variant}`, page: `{% from "${f}" import ${macro} -%}\n{{ ${macro}(params) }}`, ctx: { params } });
  }
  return out;
}

export async function cases(project) {
  if (project === 'dfe') {
    const readme = readFileSync(join(DFE, 'packages/components/header/README.md'), 'utf8');
    return componentCases('dfe', { 'header/README.md': exampleCalls(readme, ['header']).map((x) => x.call) });
  }
  if (project === 'hok') return hokCases();
  throw new Error(`no project ${project}`);
}

export const measure = (projects = Object.keys(NINTH)) => measureWith(projects, cases);
export { slash };

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { results, failing } = await measure(process.argv[2] ? [process.argv[2]] : undefined);
  for (const [p, c] of Object.entries(results)) console.log(p, JSON.stringify(c));
  for (const f of failing.slice(0, 5))
    console.log(`--- ${f.via} ${f.c.project}/${f.c.component} / ${f.c.name}\n${f.c.page}\nNJK:  ${JSON.stringify(f.want.out ?? f.want.error).slice(0, 1500)}\nOURS: ${JSON.stringify(f.got.out ?? f.got.error).slice(0, 1500)}`);
}
