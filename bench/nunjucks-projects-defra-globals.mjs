// @defra/forms-engine-plugin's globals (src/server/plugins/nunjucks/environment.js): with no
// `context` in the view (the cases give none) its checkErrorTemplates and checkComponentTemplates
// return their argument; evaluate as its filter; getAssetPath as its asset plugin adds it.
export function checkErrorTemplates(errors) {
  return this.ctx.context ? errors.map((e) => ({ ...e, text: `${e.text} (evaluated)` })) : errors;
}
export function checkComponentTemplates(component) {
  return component;
}
export function evaluate(template) {
  return this.ctx.context ? `${template} (evaluated)` : template;
}
export const getAssetPath = (p) => `/assets/${p}`;
