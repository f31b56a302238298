// The environment setups of two held-out packages of the eleventh pass, part A, read from the
// packages' own code (test/fixtures/nunjucks-projects): used by bench/nunjucks-projects-eleventh-a.mjs
// and by the Rollup bundles of test/e2e/nunjucks-projects-eleventh-a.test.ts (so node builtins only:
// a bundle inlines this file and gives it the package's folder).
import Module, { createRequire } from 'node:module';
import { join } from 'node:path';

const require = createRequire(import.meta.url);

/**
 * `require(file)` with some of the modules it requires stood in for (packages that rendering does
 * not need), loaded afresh: a copy loaded before holds the stand-ins of that load.
 */
function requireWith(file, stand) {
  delete require.cache[require.resolve(file)];
  const load = Module._load;
  Module._load = function (request, ...rest) {
    return Object.hasOwn(stand, request) ? stand[request] : load.call(this, request, ...rest);
  };
  try {
    return require(file);
  } finally {
    Module._load = load;
  }
}

/**
 * hmpps-arns-frontend-components-lib's arnsNunjucksSetup (its filters and the predictorConfig
 * global), from its own build; the REST client it requires is only for its API client.
 */
export function arnsSetup(dir) {
  return requireWith(join(dir, 'dist/index.cjs.js'), { '@ministryofjustice/hmpps-rest-client': {} }).arnsNunjucksSetup;
}

const lookAndFeel = new Map();
/**
 * @hmcts/look-and-feel's environment, from its own src/nunjucks.js: configureNunjucks(app, settings)
 * hands express-nunjucks the options and globals it sets up and sets app.locals.asset_path;
 * express-nunjucks and its isDev helper are stood in for, to read what it passes.
 */
export function lookAndFeelSetup(dir) {
  if (lookAndFeel.has(dir)) return lookAndFeel.get(dir);
  let given;
  const { configureNunjucks } = requireWith(join(dir, 'src/nunjucks.js'), { 'express-nunjucks': (app, options) => (given = options), './util/isDev': () => false });
  const app = { locals: {}, get: (k) => (k === 'assetPath' ? '/assets/' : undefined) };
  configureNunjucks(app, {});
  const setup = { globals: given.globals, throwOnUndefined: given.throwOnUndefined, locals: app.locals };
  lookAndFeel.set(dir, setup);
  return setup;
}
