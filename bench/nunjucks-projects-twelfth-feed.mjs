// @11ty/eleventy-plugin-rss 3.0.0's feed templates (its feedPlugin writes them as Nunjucks source
// and adds them with eleventyConfig.addTemplate), read by running the plugin's own code against a
// recording eleventyConfig, with the filters they use as Eleventy 3.1.8 adds them: the plugin's
// (dateToRfc3339, dateToRfc822, getNewestCollectionItemDate, eleventyFeedHead), Eleventy's HTML
// base plugin's (htmlBaseUrl, addPathPrefixToFullUrl, pathPrefix "/"), and Eleventy's async
// `renderTransforms` (its defaultConfig's: TransformsUtil.runAll over the html-transformer
// transform, whose only URL transform is the base plugin's). For bench/nunjucks-projects-twelfth.mjs.
import { join } from 'node:path';
import { FIXTURES } from './nunjucks-projects-sixth.mjs';
import { pkg } from './nunjucks-projects.mjs';

export const FEED = join(FIXTURES, 'eleventy-plugin-rss-3');
const eleventy = (f) => import(join(pkg('@11ty/eleventy'), 'src', f));

/** A stand-in for Eleventy's aggregate benchmark (HtmlTransformer times its posthtml runs with it). */
const noBench = { get: () => ({ before() {}, after() {} }) };

/**
 * The feed templates for each `options` (keyed by the name given), and the filters: `filters`
 * (sync), `asyncFilters` (each returning a promise, as Eleventy's addFilter takes an async function).
 */
export async function feedSetup(optionsByName) {
  const { default: feedPlugin } = await import(join(FEED, 'src/virtualTemplate.js'));
  const { default: HtmlBasePlugin } = await eleventy('Plugins/HtmlBasePlugin.js');
  const { HtmlTransformer } = await eleventy('Util/HtmlTransformer.js');
  const { default: TransformsUtil } = await eleventy('Util/TransformsUtil.js');
  const filters = {};
  const asyncFilters = {};
  const templates = {};
  const htmlTransformer = new HtmlTransformer();
  htmlTransformer.setUserConfig({ benchmarkManager: { get: () => noBench } });
  Object.defineProperty(htmlTransformer, 'aggregateBench', { value: noBench });
  const transforms = {
    // (defaultConfig.js: "Run the `htmlTransformer` transform")
    '@11ty/eleventy/html-transformer': async function (content) {
      return htmlTransformer.transformContent(this.outputPath, content, this);
    },
  };
  const added = new Set();
  const config = {
    pathPrefix: '/',
    htmlTransformer,
    versionCheck() {},
    resolvePlugin: () => HtmlBasePlugin,
    addPlugin(plugin, opts) {
      // ("Guaranteed unique, first add wins")
      if (added.has(plugin)) return;
      added.add(plugin);
      plugin(config, opts);
    },
    getFilter: (name) => filters[name] ?? ((s) => String(s).toLowerCase().replace(/[^a-z0-9]+/g, '-')),
    addFilter: (name, f) => ((f.constructor.name === 'AsyncFunction' ? asyncFilters : filters)[name] = f),
    addNunjucksFilter: (name, f) => (filters[name] = f),
    addAsyncFilter: (name, f) => (asyncFilters[name] = f),
    addNunjucksAsyncFilter: () => {}, // (htmlToAbsoluteUrls: the feed templates do not use it)
    addTemplate: (inputPath, content) => (templates[current] = content),
  };
  // (defaultConfig.js' "Process arbitrary content with transforms")
  config.addFilter('renderTransforms', async function transformsFilter(content, pageEntryOverride, baseHrefOverride) {
    return TransformsUtil.runAll(content, pageEntryOverride || this.page, transforms, { baseHrefOverride, logger: console });
  });
  let current;
  for (const [name, options] of Object.entries(optionsByName)) {
    current = name;
    feedPlugin(config, structuredClone(options));
  }
  return { templates, filters, asyncFilters };
}

/** Async filters in the callback form Nunjucks' addFilter(name, f, true) takes. */
export const callbackForm = (f) =>
  function (...args) {
    const cb = args.pop();
    Promise.resolve()
      .then(() => f.apply(this, args))
      .then((r) => cb(null, r), (e) => cb(e));
  };
