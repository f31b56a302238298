// String methods for the runtime's hot paths, called through Function.prototype.call on saved
// references. A library that turns String.prototype into a dictionary-mode object (Nunjucks
// does, with Object.create(String.prototype)) makes every `s.method()` a slow lookup for the
// whole process; a saved function called with `.call` is unaffected (bench/README.md).

const P = String.prototype;
const _charCodeAt = P.charCodeAt;
const _slice = P.slice;
const _lower = P.toLowerCase;
const _upper = P.toUpperCase;
// (typed for the string-replacement overloads the runtime uses)
const _replace = P.replace as (this: string, re: RegExp, by: string) => string;
const _replaceAll = P.replaceAll as (this: string, old: string, by: string) => string;

export const charCode = (s: string, i: number): number => _charCodeAt.call(s, i);
export const sliceOf = (s: string, start: number, end?: number): string => _slice.call(s, start, end);
export const lower = (s: string): string => _lower.call(s);
export const upper = (s: string): string => _upper.call(s);
export const replaceRe = (s: string, re: RegExp, by: string): string => _replace.call(s, re, by);
export const replaceAllOf = (s: string, old: string, by: string): string => _replaceAll.call(s, old, by);
