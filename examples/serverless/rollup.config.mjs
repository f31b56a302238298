import kida from 'kida/rollup';

export default {
  input: 'handler.js',
  plugins: [kida({ root: 'templates' })],
  output: { file: 'dist/handler.cjs', format: 'cjs' },
};
