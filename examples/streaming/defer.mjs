// Out-of-order streaming with {% defer %} on node:http: the footer reaches the browser at once,
// the stats section follows when its data resolve (with a nonce-only CSP: the mover scripts carry
// the render's nonce). pipeToNodeResponse for backpressure, disconnects and errors (see node-http.mjs).
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { withRenderMeta } from 'kida';
import { pipeToNodeResponse } from 'kida/node';
import './build.mjs'; // (compiles the templates)

const here = dirname(fileURLToPath(import.meta.url));
export const deferred = (await import(pathToFileURL(join(here, '.build', 'deferred.html.kida.js')).href)).default;

/** The page's data: `stats` is a promise (a database, an API) that resolves after `delayMs`. */
export function deferredContext({ delayMs = 300, fail = false } = {}) {
  const stats = new Promise((resolve, reject) =>
    setTimeout(() => (fail ? reject(new Error('stats service down')) : resolve([{ name: 'visits', value: 1234 }, { name: 'signups', value: 56 }])), delayMs),
  );
  return { title: 'Out-of-order streaming', stats, footer: 'footer' };
}

export function start(port = 3000, options = {}) {
  const server = createServer((req, res) => {
    const nonce = randomBytes(16).toString('base64');
    res.setHeader('content-security-policy', `script-src 'nonce-${nonce}'`);
    const chunks = withRenderMeta({ csp_nonce: nonce }, () => deferred.renderStreamAsync(deferredContext(options)));
    pipeToNodeResponse(chunks, res, options.pipe);
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const server = await start(Number(process.env.PORT ?? 3000));
  console.log(`{% defer %} example on http://127.0.0.1:${server.address().port}/`);
}
