// A plain node:http server streaming a compiled async template.
// pipeToNodeResponse, not `Readable.from(...).pipe(res)`: it waits for 'drain', stops the render
// (its data sources' `finally` runs) when the client leaves, and a render error never ends the process.
import { createServer } from 'node:http';
import { pathToFileURL } from 'node:url';
import { pipeToNodeResponse } from 'kida/node';
import { page } from './build.mjs';
import { pageContext } from './data.mjs';

export function start(port = 3000, options = {}) {
  const server = createServer((req, res) => {
    pipeToNodeResponse(page.renderStreamAsync(pageContext(options)), res, options.pipe);
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const server = await start(Number(process.env.PORT ?? 3000));
  console.log(`node:http example on http://127.0.0.1:${server.address().port}/`);
}
