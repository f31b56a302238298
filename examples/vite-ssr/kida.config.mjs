// The one configuration: read by the Vite plugin (vite.config.mjs) and by every `kida` command.
export default { root: 'templates', filters: './src/filters.js', globals: './src/globals.js', dts: true };
