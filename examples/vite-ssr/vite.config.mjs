import kida from 'kida/vite';

// kida() reads kida.config.mjs; options given here would merge over it.
export default {
  plugins: [kida()],
  build: { ssr: 'src/entry-server.js', outDir: 'dist', emptyOutDir: true },
};
