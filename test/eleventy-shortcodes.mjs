// Eleventy's shortcodes on a Nunjucks Environment, as Eleventy 3 registers them: written from
// @11ty/eleventy 3.1.2's src/Engines/Nunjucks.js (`_getShortcodeFn`, `_getPairedShortcodeFn`,
// `normalizeContext`, the built-in `setAsync`) and src/Engines/Util/ContextAugmenter.js, so the same
// registration applies to Nunjucks 3.2.4, Kida's Environment and kida/nunjucks, and (one extension
// per module) to bundles through the plugins' `nunjucksExtensions`. Eleventy's own error wrapping is
// left out (a thrown shortcode fails the render in every engine alike).
// Used by the eighth held-out pass (bench/nunjucks-projects-eighth.mjs, test/e2e/nunjucks-projects-eleventy.test.ts).

/** Eleventy's `normalizeContext`: `this` of a shortcode has `ctx`, `env` and the data's `page`/`eleventy`. */
function normalizeContext(context) {
  const obj = {};
  if (context.ctx) {
    obj.ctx = context.ctx;
    obj.env = context.env;
    for (const key of ['page', 'eleventy']) if (context.ctx[key]) obj[key] = context.ctx[key];
  }
  return obj;
}

/**
 * One shortcode as the extension object Eleventy gives `addExtension(name, ext)`. `SafeString` is
 * the Nunjucks library's (Eleventy's `NunjucksLib.runtime.SafeString`).
 */
export function shortcodeExtension(SafeString, name, fn, { paired = false, async = false } = {}) {
  const ext = { tags: [name] };
  if (!paired) {
    ext.parse = function (parser, nodes) {
      const tok = parser.nextToken();
      const args = parser.parseSignature(true, true);
      // (Eleventy: "Nunjucks bug with non-paired custom tags", mozilla/nunjucks#158)
      if (args.children.length === 0) args.addChild(new nodes.Literal(0, 0, ''));
      parser.advanceAfterBlockEnd(tok.value);
      return async ? new nodes.CallExtensionAsync(this, 'run', args) : new nodes.CallExtension(this, 'run', args);
    };
    ext.run = function (...args) {
      const resolve = async ? args.pop() : undefined;
      const [context, ...argArray] = args;
      if (!async) return new SafeString('' + fn.call(normalizeContext(context), ...argArray));
      const ret = fn.call(normalizeContext(context), ...argArray);
      if (!ret?.then) resolve(new Error(`Error with Nunjucks shortcode \`${name}\`: it was defined as asynchronous but was actually synchronous.`));
      ret.then((value) => resolve(null, new SafeString('' + value)), (e) => resolve(e));
    };
    return ext;
  }
  ext.parse = function (parser, nodes) {
    const tok = parser.nextToken();
    const args = parser.parseSignature(true, true);
    parser.advanceAfterBlockEnd(tok.value);
    const body = parser.parseUntilBlocks('end' + name);
    parser.advanceAfterBlockEnd();
    return new nodes.CallExtensionAsync(this, 'run', args, [body]);
  };
  ext.run = function (...args) {
    const resolve = args.pop();
    const body = args.pop();
    const [context, ...argArray] = args;
    body((e, bodyContent) => {
      if (e) resolve(e);
      if (async) {
        const ret = fn.call(normalizeContext(context), bodyContent, ...argArray);
        if (!ret?.then) throw new Error(`Error with Nunjucks shortcode \`${name}\`: it was defined as asynchronous but was actually synchronous.`);
        ret.then((value) => resolve(null, new SafeString(value)), (err) => resolve(err));
      } else {
        try {
          resolve(null, new SafeString(fn.call(normalizeContext(context), bodyContent, ...argArray)));
        } catch (err) {
          resolve(err);
        }
      }
    });
  };
  return ext;
}

/** Eleventy's built-in paired `setAsync` (its Nunjucks engine adds it to every environment). */
export function setAsync(content, variableName) {
  this.ctx[variableName] = content;
  return '';
}

/**
 * A site's shortcodes as eleventyConfig collects them (`shortcodes`, `asyncShortcodes`,
 * `pairedShortcodes`, `asyncPairedShortcodes`, `tags` for addNunjucksTag's `(nunjucksLib, env) => ext`),
 * added to `env` in Eleventy's order: setAsync, tags, shortcodes, async, paired, async paired.
 */
export function addEleventyShortcodes(env, nunjucksLib, site) {
  const { SafeString } = nunjucksLib.runtime;
  env.addExtension('setAsync', shortcodeExtension(SafeString, 'setAsync', setAsync, { paired: true }));
  for (const [name, tagFn] of Object.entries(site.tags ?? {})) env.addExtension(name, tagFn(nunjucksLib, env));
  const groups = [
    [site.shortcodes, {}],
    [site.asyncShortcodes, { async: true }],
    [site.pairedShortcodes, { paired: true }],
    [site.asyncPairedShortcodes, { paired: true, async: true }],
  ];
  for (const [fns, how] of groups) for (const [name, fn] of Object.entries(fns ?? {})) env.addExtension(name, shortcodeExtension(SafeString, name, fn, how));
  return env;
}

/**
 * An `eleventyConfig` that collects what a site's config and its plugins register for Nunjucks, as
 * @11ty/eleventy 3.1.2's src/UserConfig.js sorts it: `addShortcode`/`addPairedShortcode` given an
 * `async function` become async ones; `addNunjucksShortcode(name, fn, isAsync)` likewise. Every
 * other method of Eleventy's API (passthrough copy, Liquid, transforms, …) is accepted and ignored.
 */
export function eleventyConfig() {
  const site = { shortcodes: {}, asyncShortcodes: {}, pairedShortcodes: {}, asyncPairedShortcodes: {}, tags: {}, filters: {}, asyncFilters: {}, collections: {}, layoutAliases: {} };
  const isAsyncFunction = (fn) => fn?.constructor?.name === 'AsyncFunction';
  const known = {
    addShortcode: (n, fn) => ((isAsyncFunction(fn) ? site.asyncShortcodes : site.shortcodes)[n] = fn),
    addAsyncShortcode: (n, fn) => (site.asyncShortcodes[n] = fn),
    addNunjucksShortcode: (n, fn, isAsync = false) => ((isAsync ? site.asyncShortcodes : site.shortcodes)[n] = fn),
    addNunjucksAsyncShortcode: (n, fn) => (site.asyncShortcodes[n] = fn),
    addPairedShortcode: (n, fn) => ((isAsyncFunction(fn) ? site.asyncPairedShortcodes : site.pairedShortcodes)[n] = fn),
    addPairedAsyncShortcode: (n, fn) => (site.asyncPairedShortcodes[n] = fn),
    addPairedNunjucksShortcode: (n, fn, isAsync = false) => ((isAsync ? site.asyncPairedShortcodes : site.pairedShortcodes)[n] = fn),
    addPairedNunjucksAsyncShortcode: (n, fn) => (site.asyncPairedShortcodes[n] = fn),
    addNunjucksTag: (n, tagFn) => (site.tags[n] = tagFn),
    addFilter: (n, fn) => (site.filters[n] = fn),
    addNunjucksFilter: (n, fn, isAsync = false) => ((isAsync ? site.asyncFilters : site.filters)[n] = fn),
    addNunjucksAsyncFilter: (n, fn) => (site.asyncFilters[n] = fn),
    addCollection: (n, fn) => (site.collections[n] = fn),
    addLayoutAlias: (from, to) => (site.layoutAliases[from] = to),
    versionCheck: () => {},
  };
  const config = new Proxy(known, { get: (t, k) => (k === 'addPlugin' ? (plugin, options) => plugin(config, options) : (t[k] ?? (() => {}))) });
  return { config, site };
}
