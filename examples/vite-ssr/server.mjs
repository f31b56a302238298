// A Vite SSR app served by node:http. `node server.mjs` runs Vite's dev server in middleware mode
// (templates recompile on save); `node server.mjs --prod` serves the production build from
// `npx vite build` (dist/entry-server.js). Both stream the page as it renders.
import { createServer } from 'node:http';
import { pipeToNodeResponse } from 'kida/node';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('.', import.meta.url));
const prod = process.argv.includes('--prod');
const port = Number(process.env.PORT ?? 5173);

let vite;
let loadEntry;
if (prod) {
  const entry = await import('./dist/entry-server.js');
  loadEntry = async () => entry;
} else {
  const { createServer: createViteServer } = await import('vite');
  vite = await createViteServer({ root, configFile: `${root}/vite.config.mjs`, server: { middlewareMode: true }, appType: 'custom' });
  loadEntry = () => vite.ssrLoadModule('/src/entry-server.js');
}

const server = createServer(async (req, res) => {
  const page = async () => {
    const { streamPage } = await loadEntry();
    const items = [
      { name: 'Kettle', price: 39.5, tags: ['steel'] },
      { name: 'Teapot <large>', price: 24, tags: [] },
    ];
    const links = [{ href: '/', label: 'Home' }, { href: '/about', label: 'About' }];
    // not `.pipe`: a client that leaves closes the render; an error is a 500 before the first byte,
    // a cut connection after, and never ends the process
    await pipeToNodeResponse(streamPage({ heading: 'Shop', items, links, footer: 'footer-short' }), res, {
      onError(e) {
        vite?.ssrFixStacktrace(e);
        console.error(e);
      },
    });
  };
  if (vite) vite.middlewares(req, res, () => page().catch((e) => fail(res, e)));
  else page().catch((e) => fail(res, e));
});

function fail(res, e) {
  vite?.ssrFixStacktrace(e);
  console.error(e);
  res.statusCode = 500;
  res.end(String(e.message));
}

server.listen(port, '127.0.0.1', () => console.log(`${prod ? 'production' : 'dev'} server on http://127.0.0.1:${server.address().port}/`));
