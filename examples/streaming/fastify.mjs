// Fastify with kida/fastify: `reply.view(name, ctx)` streams `.kida` views from ./templates,
// and `reply.view(compiledModule, ctx)` streams what a bundler or `kida compile` produced.
import Fastify from 'fastify';
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { kidaFastify } from 'kida/fastify';
import { page } from './build.mjs';
import { pageContext } from './data.mjs';

export async function start(port = 3000, options = {}) {
  const app = Fastify();
  await app.register(kidaFastify, { views: join(dirname(fileURLToPath(import.meta.url)), 'templates'), ...options.pipe });
  app.get('/', (req, reply) => reply.view('page.html.kida', pageContext(options)));
  app.get('/compiled', (req, reply) => reply.view(page, pageContext(options)));
  await app.listen({ port, host: '127.0.0.1' });
  return app.server;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const server = await start(Number(process.env.PORT ?? 3000));
  console.log(`fastify example on http://127.0.0.1:${server.address().port}/ (and /compiled)`);
}
