// The filters @x-govuk/govuk-eleventy-plugin's environment has, for bench/nunjucks-projects.mjs
// and the bundles of test/e2e/nunjucks-projects-more-compiled.test.ts (a module, so that a
// bundler's `filters` option can name it). Its own filter files that import nothing outside the
// package are re-exported as they are (they read `this.ctx.options`); smartypants, markdown-it,
// Eleventy's and eleventy-navigation's filters are written from what they are documented to do.
import { sortCollection } from '../node_modules/@x-govuk/govuk-eleventy-plugin/src/filters/collection.js';

export * from '../node_modules/@x-govuk/govuk-eleventy-plugin/src/filters/canonical-url.js';
export * from '../node_modules/@x-govuk/govuk-eleventy-plugin/src/filters/date.js';
export * from '../node_modules/@x-govuk/govuk-eleventy-plugin/src/filters/collection.js';
export * from '../node_modules/@x-govuk/govuk-eleventy-plugin/src/filters/current-page.js';
export * from '../node_modules/@x-govuk/govuk-eleventy-plugin/src/filters/includes.js';
export * from '../node_modules/@x-govuk/govuk-eleventy-plugin/src/filters/items-from-pagination.js';
export * from '../node_modules/@x-govuk/govuk-eleventy-plugin/src/filters/navigation.js';
export * from '../node_modules/@x-govuk/govuk-eleventy-plugin/src/filters/no-orphans.js';
export * from '../node_modules/@x-govuk/govuk-eleventy-plugin/src/filters/pretty.js';
export * from '../node_modules/@x-govuk/govuk-eleventy-plugin/src/filters/tokenize.js';

/** smartypants: quotes, dashes, ellipses. */
export const smart = (s) => String(s ?? '').replace(/---/g, '\u2014').replace(/--/g, '\u2013').replace(/\.\.\./g, '\u2026').replace(/(^|[\s(])"/g, '$1\u201c').replace(/"/g, '\u201d').replace(/(^|[\s(])'/g, '$1\u2018').replace(/'/g, '\u2019');
// (markdown: paragraphs, **strong**, *em*, `code`; `inline` leaves out the paragraphs)
const inline = (s) => s.replace(/\*\*(.+?)\*\*/g, '<strong>$1</strong>').replace(/\*(.+?)\*/g, '<em>$1</em>').replace(/`(.+?)`/g, '<code>$1</code>');
export const markdown = (s, mode) => (mode === 'inline' ? inline(String(s ?? '')) : String(s ?? '').split(/\n{2,}/).filter(Boolean).map((p) => `<p class="govuk-body">${inline(p)}</p>\n`).join(''));
// (@11ty/eleventy-navigation: the entries under a key, each with its children, by order)
const entries = (pages) => pages.filter((p) => p.data?.eleventyNavigation?.key).map((p) => ({ key: p.data.eleventyNavigation.key, parentKey: p.data.eleventyNavigation.parent, title: p.data.eleventyNavigation.title ?? p.data.eleventyNavigation.key, url: p.url, order: p.data.eleventyNavigation.order ?? 0, pluginType: 'eleventy-navigation', data: p.data }));
const tree = (all, parent) => all.filter((e) => e.parentKey === parent).sort((a, b) => a.order - b.order).map((e) => ({ ...e, children: tree(all, e.key) }));
export const eleventyNavigation = (pages = [], key) => tree(entries(pages), key);
export const eleventyNavigationBreadcrumb = (pages = [], key, opts = {}) => {
  const all = entries(pages);
  const out = [];
  for (let e = all.find((x) => x.key === key); e; e = all.find((x) => x.key === e.parentKey)) out.unshift(e);
  return opts.includeSelf ? out : out.slice(0, -1);
};
export const itemsFromNavigation = (nav, pageUrl = false, sort = false) =>
  sortCollection(nav, sort).map((item) => ({ current: pageUrl && item.url === pageUrl, parent: pageUrl && pageUrl.startsWith(item.url), href: item.url, text: smart(item.title), theme: item.data?.theme, children: item.children?.length ? item.children.map((c) => ({ current: pageUrl && c.url === pageUrl, href: c.url, text: smart(c.title) })) : false }));
export const eleventyNavigationToHtml = (nav) => `<ul>${nav.map((e) => `<li><a href="${e.url}">${e.title}</a></li>`).join('')}</ul>`;
export const slug = (s) => String(s).toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
export const dateToRfc3339 = (d) => new Date(d).toISOString().replace('.000Z', 'Z');
export const getNewestCollectionItemDate = (items = []) => new Date(Math.max(...items.map((i) => +new Date(i.date))));
export const renderTransforms = (content) => content;
