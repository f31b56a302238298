// One app instance whose `{% cache %}` fragments live in Redis, shared with every other instance.
//   REDIS_URL=redis://127.0.0.1:6379 INSTANCE=A PORT=3000 node examples/fragment-cache/server.mjs
//   INSTANCE=B PORT=3001 node examples/fragment-cache/server.mjs
// GET /page?id=7&ttl=60 streams the page: the report fragment is rendered by whichever instance
// missed first and served from Redis by the others until its ttl ends. GET /stats: how many
// fragments this instance rendered, and the store errors it was told of. With Redis down, pages
// still render (each fragment after the store's 150 ms timeout). test/e2e/redis-cache.test.ts
// runs two of these against a real redis-server.
import { createServer } from 'node:http';
import { createClient } from 'redis';
import { DictLoader, Environment } from 'kida/environment';
import { redisStore } from 'kida/cache';
import { pipeToNodeResponse } from 'kida/node';

const who = process.env.INSTANCE ?? 'A';
const PAGE = `<!doctype html><html><head><title>{{ who }}</title></head><body>
{% cache "report:" ~ id, ttl=ttl %}<section>report {{ id }} rendered by {{ who }} (render #{{ rendered() }})</section>{% end %}
<footer>served by {{ who }}</footer></body></html>`;

// While Redis is down the client reconnects every 100 ms; its calls wait in its offline queue,
// and the store's timeout lets the page render without them.
const client = createClient({ url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', socket: { reconnectStrategy: () => 100 } });
client.on('error', () => {}); // (connection errors: the store reports the calls that failed, below)
await client.connect();

const errors = [];
const store = redisStore(client, { prefix: 'example:', timeoutMs: 150, onError: (e, { op }) => errors.push(`${op}: ${e.message}`) });
const env = new Environment({ loader: new DictLoader({ 'page.html': PAGE }), fragmentCache: store });
const page = env.getTemplate('page.html');
let renders = 0;

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (url.pathname === '/stats') return void res.end(JSON.stringify({ renders, errors }));
  res.setHeader('content-type', 'text/html; charset=utf-8');
  const ctx = { who, id: url.searchParams.get('id') ?? '1', ttl: Number(url.searchParams.get('ttl') ?? 60), rendered: () => ++renders };
  void pipeToNodeResponse(page.renderStreamAsync(ctx), res);
});
server.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => console.log(`instance ${who} on http://127.0.0.1:${server.address().port}/page`));

process.once('SIGTERM', async () => {
  server.closeAllConnections();
  server.close();
  try {
    if (client.destroy) client.destroy(); // (node-redis v5+)
    else await client.disconnect();
  } catch {
    // (already closed)
  }
});
