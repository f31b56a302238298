// One app instance of test/e2e/redis-cache.test.ts: an HTTP server streaming a page whose
// `{% cache %}` fragment lives in Redis (kida/cache's redisStore over a node-redis client).
//   node redis-worker.mjs <instance name> <redis port>
// Prints {"port": n} once listening; GET /page?id=&ttl= streams the page, GET /stats tells how
// many fragment bodies this process rendered and which store errors it was told of. Closing
// stdin shuts it down.
import { createServer } from 'node:http';
import { createClient } from 'redis';
import { DictLoader, Environment } from '../../dist/compiler/environment.js';
import { redisStore } from '../../dist/adapters/cache.js';
import { pipeToNodeResponse } from '../../dist/adapters/node.js';

const [who, redisPort] = process.argv.slice(2);
const PAGE = `<!doctype html><html><head><title>{{ who }}</title></head><body>
{% cache "report:" ~ id, ttl=ttl %}<section>report {{ id }} rendered by {{ who }} (render #{{ rendered() }})</section>{% end %}
<footer>served by {{ who }}</footer></body></html>`;

// While Redis is down the client reconnects every 100 ms; commands wait in its offline queue,
// and the store's timeout lets the page render without them.
const client = createClient({ url: `redis://127.0.0.1:${redisPort}`, socket: { reconnectStrategy: () => 100 } });
client.on('error', () => {}); // (connection errors: the store reports the failed calls below)
await client.connect();

const errors = [];
const store = redisStore(client, { prefix: 'e2e:', timeoutMs: 150, onError: (e, { op }) => errors.push(`${op}: ${e.message}`) });
const env = new Environment({ loader: new DictLoader({ 'page.html': PAGE }), fragmentCache: store });
const page = env.getTemplate('page.html');
let renders = 0;

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (url.pathname === '/stats') return void res.end(JSON.stringify({ renders, errors }));
  res.setHeader('content-type', 'text/html; charset=utf-8');
  const ctx = { who, id: url.searchParams.get('id'), ttl: Number(url.searchParams.get('ttl') ?? 60), rendered: () => ++renders };
  void pipeToNodeResponse(page.renderStreamAsync(ctx), res);
});
server.listen(0, '127.0.0.1', () => process.stdout.write(JSON.stringify({ port: server.address().port }) + '\n'));

process.stdin.resume();
process.stdin.on('end', async () => {
  server.closeAllConnections();
  server.close();
  try {
    await (client.destroy ? client.destroy() : client.disconnect());
  } catch {
    // (already closed)
  }
});
