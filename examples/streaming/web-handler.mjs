// A web-standard Request → Response handler (the shape Hono, Deno, Bun and workers use).
// toReadableStream coalesces small chunks but sends what it has before a slow await.
import { createServer } from 'node:http';
import { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { toReadableStream } from 'kida';
import { page } from './build.mjs';
import { pageContext } from './data.mjs';

export function handle(request, options = {}) {
  return new Response(toReadableStream(page.renderStreamAsync(pageContext(options))), {
    headers: { 'content-type': 'text/html; charset=utf-8' },
  });
}

/** Serves `handle` on node:http (Deno.serve / Bun.serve / a worker take `handle` directly). */
export function start(port = 3000, options = {}) {
  const server = createServer(async (req, res) => {
    const response = handle(new Request(`http://${req.headers.host}${req.url}`), options);
    res.writeHead(response.status, Object.fromEntries(response.headers));
    Readable.fromWeb(response.body).pipe(res);
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const server = await start(Number(process.env.PORT ?? 3000));
  console.log(`web handler example on http://127.0.0.1:${server.address().port}/`);
}
