// google/eleventy-high-performance-blog's filters (its .eleventy.js and the plugins it adds),
// as an ES module: the Environment and a bundle's `filters` module take these; the async ones
// return promises (bench/nunjucks-projects-ehpb.mjs gives Nunjucks and kida/nunjucks the site's
// callback forms of them, as Eleventy's addNunjucksAsyncFilter does). Its own code where it
// needs only installed packages (luxon; Eleventy's url filter; eleventy-plugin-rss's and
// eleventy-navigation's filters); addHash and lastModifiedDate read `_site` and git, so they
// read a fixed set of files and dates instead, still asynchronously.
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { DateTime } from 'luxon';
import urlFilter from '../node_modules/@11ty/eleventy/src/Filters/Url.js';
import absolute from '../node_modules/@11ty/eleventy-plugin-rss/src/absoluteUrl.js';
import dateRfc3339 from '../node_modules/@11ty/eleventy-plugin-rss/src/dateRfc3339.js';
import newestDate from '../node_modules/@11ty/eleventy-plugin-rss/src/getNewestCollectionItemDate.js';
import toAbsoluteUrls from '../node_modules/@11ty/eleventy-plugin-rss/src/htmlToAbsoluteUrls.js';

const navigation = createRequire(import.meta.url)('@11ty/eleventy-navigation/eleventy-navigation.js');

/** What `_site` holds for addHash, and what git says for lastModifiedDate. */
const SITE = { '/img/favicon/favicon-192x192.png': 'png bytes', '/js/min.js': 'console.log(1)', '/js/cached.js': 'self.cached = 1' };
const MODIFIED = { './posts/firstpost.md': '2020-05-02T10:00:00Z', './posts/secondpost.md': '2021-01-30T23:30:00Z' };

const later = () => new Promise((r) => setTimeout(r, 1));
/** (async filters: `addHash` fails for a file `_site` does not hold, as its readFile does) */
export async function addHash(absolutePath) {
  await later();
  if (!Object.hasOwn(SITE, absolutePath)) throw new Error(`ENOENT: no such file or directory, open '_site${absolutePath}'`);
  return `${absolutePath}?hash=${createHash('sha512').update(SITE[absolutePath]).digest('hex').substr(0, 10)}`;
}
export async function lastModifiedDate(filename) {
  await later();
  return new Date(MODIFIED[filename] ?? '2020-01-01T00:00:00Z');
}
export const htmlToAbsoluteUrls = (html, base) => toAbsoluteUrls(html, base);

export const encodeURIComponent = (str) => globalThis.encodeURIComponent(str);
export const readableDate = (dateObj) => DateTime.fromJSDate(dateObj, { zone: 'utc' }).toFormat('dd LLL yyyy');
export const htmlDateString = (dateObj) => DateTime.fromJSDate(dateObj, { zone: 'utc' }).toFormat('yyyy-LL-dd');
export const sitemapDateTimeString = (dateObj) => {
  const dt = DateTime.fromJSDate(dateObj, { zone: 'utc' });
  return dt.isValid ? dt.toISO() : '';
};
export const head = (array, n) => (n < 0 ? array.slice(n) : array.slice(0, n));
// (Eleventy's url filter with the site's pathPrefix, "/"; the rss and navigation plugins' filters)
export const url = (u) => urlFilter(u, '/');
export const absoluteUrl = (u, base) => absolute(u, base);
export const rssDate = (d) => dateRfc3339(d);
export const rssLastUpdatedDate = (collection) => dateRfc3339(newestDate(collection));
export const eleventyNavigation = (pages, key) => navigation.findNavigationEntries(pages, key);
