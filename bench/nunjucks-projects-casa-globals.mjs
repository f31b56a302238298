// @dwp/govuk-casa 10.4.0's template globals (dist/lib/nunjucks-filters.js, as lib/nunjucks.js adds
// them), written from its code: mergeObjects (@fastify/deepmerge with its array merge and
// plain-object test), includes, formatDateObject (luxon), renderAsAttributes (a safe string made
// with the `nunjucks` package's own runtime.SafeString, as casa makes it), casaVersion.
import deepmerge from '@fastify/deepmerge';
import { DateTime } from 'luxon';
import nunjucks from 'nunjucks';

const isPlainObject = (v) => {
  if (typeof v !== 'object' || v === null) return false;
  const p = Object.getPrototypeOf(v);
  return (p === null || p === Object.prototype || Object.getPrototypeOf(p) === null) && !(Symbol.toStringTag in v) && !(Symbol.iterator in v);
};
const isMergable = (o) => Array.isArray(o) || isPlainObject(o);
const merge = deepmerge({
  all: true,
  onlyDefinedProperties: true,
  isMergeableObject: isMergable,
  mergeArray(options) {
    const { deepmerge: dm, clone } = options;
    return (target, source) => {
      const il = Math.max(target.length, source.length);
      const result = new Array(il);
      for (let i = 0; i < il; ++i) result[i] = i < source.length ? dm(target[i], source[i]) : clone(target[i]);
      return result;
    };
  },
});
const NullObject = function () {};
NullObject.prototype = Object.create(null);

export const casaVersion = '10.4.0';
export function mergeObjects(...objects) {
  const merged = merge(new NullObject(), ...objects);
  if (merged === null) for (const o of objects) if (!isMergable(o)) throw new TypeError(`Cannot convert ${typeof o} to object`);
  return merged;
}
export const includes = (source = [], search = '') => source.includes(search);
export function formatDateObject(date, config = {}) {
  const { locale = 'en', format = 'd MMMM yyyy' } = config;
  if (Object.prototype.toString.call(date) === '[object Object]' && 'yyyy' in date && 'mm' in date && 'dd' in date)
    return DateTime.fromObject({ year: Math.max(0, parseInt(date.yyyy, 10)), month: Math.max(0, parseInt(date.mm, 10)), day: Math.max(1, parseInt(date.dd, 10)) }).setLocale(locale).toFormat(format);
  return 'INVALID DATE OBJECT';
}
export function renderAsAttributes(attrsObject) {
  const attrsList = [];
  if (typeof attrsObject === 'object')
    for (const key of Object.keys(attrsObject)) {
      const value = String(attrsObject[key]).replace(/[<>"'&]/g, (m) => ({ '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#039;', '&': '&amp;' })[m]);
      attrsList.push(`${key}="${value}"`);
    }
  return new nunjucks.runtime.SafeString(attrsList.join(' '));
}
