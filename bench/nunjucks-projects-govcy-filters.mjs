// @gov-cy/govcy-frontend-renderer's filters, as its renderFromString adds them (dist/index.mjs):
// `merge` (Object.assign into a new object) and `markdown` (markdown-it with markdown-it-attrs,
// the result marked safe with the `nunjucks` package's runtime.SafeString, as the package does).
import MarkdownIt from 'markdown-it';
import markdownItAttrs from 'markdown-it-attrs';
import nunjucks from 'nunjucks';

const md = new MarkdownIt();
md.use(markdownItAttrs);
export const merge = (obj1, obj2) => Object.assign({}, obj1, obj2);
export const markdown = (input) => (input ? new nunjucks.runtime.SafeString(md.render(input)) : '');
