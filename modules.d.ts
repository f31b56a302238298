// Fallback types for `import page from './page.kida'` when no generated declaration exists
// (`kida types` writes page.d.kida.ts; tsconfig `allowArbitraryExtensions` makes TypeScript read it).
// Add `/// <reference types="kida/modules" />` (or list "kida/modules" in tsconfig "types").
declare module '*.kida' {
  import type { Template } from 'kida';
  const template: Template;
  export default template;
  export const render: Template['render'];
  export const renderStream: Template['renderStream'];
  export const renderAsync: Template['renderAsync'];
  export const renderStreamAsync: Template['renderStreamAsync'];
  export const renderBlock: Template['renderBlock'];
}
