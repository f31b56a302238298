// A plain node:http server streaming a compiled async template.
import { createServer } from 'node:http';
import { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { page } from './build.mjs';
import { pageContext } from './data.mjs';

export function start(port = 3000, options = {}) {
  const server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    Readable.from(page.renderStreamAsync(pageContext(options))).pipe(res);
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const server = await start(Number(process.env.PORT ?? 3000));
  console.log(`node:http example on http://127.0.0.1:${server.address().port}/`);
}
