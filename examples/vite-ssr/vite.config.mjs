import kida from 'kida/vite';

export default {
  plugins: [kida({ root: 'templates', filters: './src/filters.js', globals: './src/globals.js' })],
  build: { ssr: 'src/entry-server.js', outDir: 'dist', emptyOutDir: true },
};
