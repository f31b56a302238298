// `node --import kida/register app.mjs`: `import page from './page.kida'` in plain Node.
// Templates compile on first import, with the options of kida.config.* in the working directory.

import { register } from 'node:module';

register('./node-loader.js', import.meta.url);
