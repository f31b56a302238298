// A web-standard Request → Response handler (the shape Hono, Deno, Bun and workers use), with
// kida/hono's streamResponse. In Hono: app.get('/', (c) => streamResponse(page, ctx)).
// A render that fails at once is a 500; a later failure errors the body (the client sees it cut).
import { createServer } from 'node:http';
import { pathToFileURL } from 'node:url';
import { streamResponse } from 'kida/hono';
import { sendWebResponse } from 'kida/node';
import { page } from './build.mjs';
import { pageContext } from './data.mjs';

export function handle(request, options = {}) {
  return streamResponse(page, pageContext(options), options.pipe);
}

/** Serves `handle` on node:http (Deno.serve / Bun.serve / a worker take `handle` directly). */
export function start(port = 3000, options = {}) {
  const server = createServer(async (req, res) => {
    const response = await handle(new Request(`http://${req.headers.host}${req.url}`), options);
    await sendWebResponse(response, res);
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const server = await start(Number(process.env.PORT ?? 3000));
  console.log(`web handler example on http://127.0.0.1:${server.address().port}/`);
}
