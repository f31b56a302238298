// Koa with kida/koa: `ctx.render(name, data)` streams `.kida` views from ./templates (ctx.state
// under the data), or a compiled module: `ctx.render(page, data)`.
import Koa from 'koa';
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { kida } from 'kida/koa';
import { page } from './build.mjs';
import { pageContext } from './data.mjs';

export function start(port = 3000, options = {}) {
  const app = new Koa();
  app.use(kida({ views: join(dirname(fileURLToPath(import.meta.url)), 'templates'), ...options.pipe }));
  app.use((ctx) => (ctx.path === '/compiled' ? ctx.render(page, pageContext(options)) : ctx.render('page.html.kida', pageContext(options))));
  return new Promise((resolve) => {
    const server = app.listen(port, '127.0.0.1', () => resolve(server));
  });
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const server = await start(Number(process.env.PORT ?? 3000));
  console.log(`koa example on http://127.0.0.1:${server.address().port}/ (and /compiled)`);
}
