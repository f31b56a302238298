// Bundles the client (src/extension.js with vscode-languageclient) into one CommonJS file,
// dist/extension.js, so the .vsix needs no node_modules. Vite's build (Rollup's API, on
// Rolldown) resolves and converts the CommonJS dependencies; `vscode` is VS Code's own.
import { build } from 'vite';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('.', import.meta.url));
await build({
  configFile: false,
  root,
  logLevel: 'warn',
  build: {
    ssr: 'src/extension.js',
    outDir: 'dist',
    emptyOutDir: true,
    target: 'node20',
    minify: true,
    sourcemap: false,
    rollupOptions: {
      external: ['vscode'],
      output: { format: 'cjs', entryFileNames: 'extension.js' },
    },
  },
  ssr: { noExternal: true, target: 'node' },
});
