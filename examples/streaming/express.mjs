// Express 5 with kida/express: `res.render(view, ctx)` streams `.kida` views from ./templates,
// and `streamTemplate` streams a compiled module (what a bundler or `kida compile` produced).
import express from 'express';
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { kida, streamTemplate } from 'kida/express';
import { page } from './build.mjs';
import { pageContext } from './data.mjs';

export function start(port = 3000, options = {}) {
  const app = express();
  app.set('views', join(dirname(fileURLToPath(import.meta.url)), 'templates'));
  app.use(kida(app, options.pipe));
  app.get('/', (req, res) => res.render('page.html.kida', pageContext(options)));
  app.get('/compiled', (req, res) => streamTemplate(res, page, pageContext(options), options.pipe));
  return new Promise((resolve) => {
    const server = app.listen(port, '127.0.0.1', () => resolve(server));
  });
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const server = await start(Number(process.env.PORT ?? 3000));
  console.log(`express example on http://127.0.0.1:${server.address().port}/ (and /compiled)`);
}
