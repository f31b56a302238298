// @defra/forms-engine-plugin's filters as its environment adds them (bench/nunjucks-projects-sixth.mjs):
// its own inspect and evaluate; markdown and highlight come from packages it depends on
// (@defra/forms-model, highlight.js), so plain stand-ins here, the same for both engines.
import { inspect as show } from 'node:util';

export const inspect = (o) => show(o, { compact: false, depth: Infinity, maxArrayLength: Infinity, maxStringLength: Infinity });
export const markdown = (s) => String(s ?? '').split(/\n{2,}/).map((p) => `<p>${p}</p>`).join('\n');
export const highlight = (code, language) => `<span class="hl-${language ?? 'plaintext'}">${String(code).replace(/[<>&]/g, (c) => `&#${c.charCodeAt(0)};`)}</span>`;
/** (its evaluate filter reads `this.ctx.context`; its liquid evaluation stood in by a marker) */
export function evaluate(template) {
  return this.ctx.context ? `${template} (evaluated)` : template;
}
