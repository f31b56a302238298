// Express 5 streaming a compiled async template.
import express from 'express';
import { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { page } from './build.mjs';
import { pageContext } from './data.mjs';

export function start(port = 3000, options = {}) {
  const app = express();
  app.get('/', (req, res) => {
    res.type('html');
    Readable.from(page.renderStreamAsync(pageContext(options))).pipe(res);
  });
  return new Promise((resolve) => {
    const server = app.listen(port, '127.0.0.1', () => resolve(server));
  });
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const server = await start(Number(process.env.PORT ?? 3000));
  console.log(`express example on http://127.0.0.1:${server.address().port}/`);
}
