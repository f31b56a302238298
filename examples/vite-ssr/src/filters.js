// Custom filters: named exports. Templates import only the ones they use.
export function shout(value) {
  return String(value).toUpperCase() + '!';
}
export function money(value, currency = 'EUR') {
  return `${Number(value).toFixed(2)} ${currency}`;
}
export function neverUsedFilterMarker() {
  return 'this function must be tree-shaken out of the bundle';
}
