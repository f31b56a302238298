// Child process of adapter-survival.test.ts (run with --unhandled-rejections=strict, on dist/):
// templates and context promises that fail before the first byte, after it, after the client
// left, through kida/fastify, kida/koa (results returned, and dropped by the handler), kida/sse
// over kida/node and as a web Response, and kida/nunjucks' streaming Express render.
// Prints { out, failures } as JSON; the parent asserts the process exited 0 with nothing on stderr.
import http from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = process.argv[2];
const load = (p) => import(pathToFileURL(join(root, p)).href);
const { default: Fastify } = await import('fastify');
const { default: Koa } = await import('koa');
const { default: express } = await import('express');
const { kidaFastify } = await load('dist/adapters/fastify.js');
const { kida: kidaKoa } = await load('dist/adapters/koa.js');
const { pipeEventStream } = await load('dist/adapters/node.js');
const { blockEvents, eventStreamResponse } = await load('dist/adapters/sse.js');
const nunjucks = await load('dist/adapters/nunjucks.js');
const { Environment, DictLoader } = await load('dist/compiler/environment.js');

const later = (v, ms) => new Promise((r) => setTimeout(() => r(v), ms));
const failLater = (m, ms) => new Promise((_, no) => setTimeout(() => no(new Error(m)), ms));
const views = mkdtempSync(join(tmpdir(), 'kida-survive-'));
const T = {
  'early.kida': '{{ 1 // 0 }}',
  'late.kida': '<p>head</p>{% flush %}{{ await slow }}{{ 1 // zero }}',
  'ctx.kida': '<p>a</p>{% flush %}{{ await bad }}',
  'ctxearly.kida': '{{ await bad }}',
  'leave.kida': '<p>x</p>{% flush %}{{ await slow }}{{ await bad2 }}',
  'defer.kida': '{% defer v = bad %}{{ v }}{% placeholder %}…{% end %}<p>tail</p>{{ await slow }}',
  'proto.kida': '[{{ polluted ?? "-" }}|{{ x }}]',
  'row.kida': '{% block row %}<li>{{ await v }}</li>{% end %}',
  'early.njk': '{{ 1 / boom() }}',
  'late.njk': '<p>{{ n }}</p>{% for i in range(0, 3000) %}<i>{{ i }}</i>{% endfor %}{{ boom() }}',
};
for (const [n, s] of Object.entries(T)) writeFileSync(join(views, n), s);
// (only the names a template reads: a rejecting promise no template names is the host's own)
const MAKE = { zero: () => 0, slow: () => later('s', 20), bad: () => failLater('bad', 5), bad2: () => failLater('bad2', 60) };
const make = (n) => Object.fromEntries(Object.entries(MAKE).filter(([k]) => new RegExp(`\\b${k}\\b`).test(T[`${n}.kida`] ?? '')).map(([k, f]) => [k, f()]));
const get = (port, path, leave = false) =>
  new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => {
        body += c;
        if (leave) req.destroy(), resolve({ status: res.statusCode, body, left: true });
      });
      res.on('end', () => resolve({ status: res.statusCode, body }));
      res.on('error', () => resolve({ status: res.statusCode, body, cut: true }));
      res.on('aborted', () => resolve({ status: res.statusCode, body, cut: true }));
    });
    req.on('error', (e) => resolve({ error: e.code }));
    req.end();
  });
/** A request whose handler may never answer: `hung` after a second. */
const getOrHang = (port, path) => Promise.race([get(port, path), later({ hung: true }, 1000)]);
const listen = async (server) => {
  if (!server.listening) await new Promise((r) => server.once('listening', r));
  return server.address().port;
};

const out = {};
const failures = [];
const NAMES = ['early', 'late', 'ctx', 'ctxearly', 'leave', 'defer', 'proto', '__proto__', 'constructor', 'toString', 'hasOwnProperty'];
const HOSTILE_LOCALS = '{"__proto__": {"polluted": "P"}, "constructor": {"prototype": {"polluted": "Q"}}, "x": "L"}';

{
  const app = Fastify();
  await app.register(kidaFastify, { views, onError: (e, where) => failures.push(['fastify', where.template, where.afterFirstBytes]) });
  app.addHook('onRequest', async (req, reply) => {
    reply.locals = JSON.parse(HOSTILE_LOCALS);
  });
  app.setErrorHandler((err, req, reply) => reply.code(500).send(`handled ${err.templateName ?? err.name}`));
  app.get('/:n', (req, reply) => reply.view(`${req.params.n}.kida`, make(req.params.n)));
  app.get('/await/:n', async (req, reply) => {
    await reply.view(`${req.params.n}.kida`, make(req.params.n));
  });
  app.get('/drop/:n', (req, reply) => {
    reply.view(`${req.params.n}.kida`, make(req.params.n)); // (@fastify/view's style: the result dropped)
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = app.server.address().port;
  for (const n of NAMES) out[`fastify ${n}`] = await get(port, `/${n}`, n === 'leave');
  for (const n of ['early', 'ctxearly', 'late']) out[`fastify await ${n}`] = await getOrHang(port, `/await/${n}`);
  for (const n of ['early', 'ctxearly', 'late']) out[`fastify drop ${n}`] = await getOrHang(port, `/drop/${n}`);
  await later(0, 100);
  await app.close();
}
{
  const app = new Koa();
  app.on('error', (e) => failures.push(['koa', e.templateName ?? e.name]));
  app.use(async (ctx, next) => {
    ctx.state = JSON.parse(HOSTILE_LOCALS);
    await next();
  });
  app.use(kidaKoa({ views }));
  app.use((ctx) => {
    const [, mode, n] = /^\/(?:(drop)\/)?(.*)$/.exec(ctx.path);
    const r = ctx.render(`${n}.kida`, make(n));
    if (!mode) return r;
  });
  const server = app.listen(0, '127.0.0.1');
  const port = await listen(server);
  for (const n of NAMES) out[`koa ${n}`] = await get(port, `/${n}`, n === 'leave');
  for (const n of ['early', 'ctxearly', 'late']) out[`koa drop ${n}`] = await getOrHang(port, `/drop/${n}`);
  await later(0, 100);
  server.close();
}
{
  const env = new Environment({ loader: new DictLoader(T) });
  const t = env.getTemplate('row.kida');
  async function* contexts(kind) {
    yield { v: later(1, 2) };
    if (kind === 'throw') throw new Error('source failed');
    yield { v: failLater('row', 5) };
    yield { v: later(3, 2) };
  }
  const server = http.createServer((req, res) => {
    const kind = req.url.slice(1);
    const events = blockEvents(t, 'row', contexts(kind), { event: '__proto__', id: (c, i) => (kind === 'num' ? i : `constructor${i}`) });
    if (kind !== 'web') return void pipeEventStream(events, res, { onError: (e) => failures.push(['sse', e.templateName ?? e.message]) });
    const reader = eventStreamResponse(events).body.getReader();
    res.writeHead(200);
    (async () => {
      try {
        for (let r = await reader.read(); !r.done; r = await reader.read()) res.write(r.value);
        res.end();
      } catch (e) {
        failures.push(['sse web', e.templateName ?? e.message]);
        res.destroy();
      }
    })();
  });
  server.listen(0, '127.0.0.1');
  const port = await listen(server);
  for (const k of ['rows', 'throw', 'num', 'web']) out[`sse ${k}`] = await get(port, `/${k}`);
  out['sse leave'] = await get(port, '/rows', true);
  await later(0, 100);
  server.close();
}
{
  const app = express();
  const env = nunjucks.configure(views, { express: app, stream: true });
  env.addGlobal('boom', () => {
    throw new Error('boom');
  });
  app.get('/:n', (req, res) => res.render(`${req.params.n}.njk`, JSON.parse(`{"n": 1, ${HOSTILE_LOCALS.slice(1)}`)));
  app.get('/cb/:n', (req, res) => res.render(`${req.params.n}.njk`, { n: 1 }, (err, html) => (err ? res.status(500).send('cb error') : res.send(html))));
  app.use((err, req, res, next) => (res.headersSent ? next(err) : res.status(500).send(`njk error ${err.message}`)));
  const server = app.listen(0, '127.0.0.1');
  const port = await listen(server);
  for (const n of ['early', 'late', '__proto__', 'constructor']) out[`njk ${n}`] = await getOrHang(port, `/${n}`);
  for (const n of ['early', 'late']) out[`njk cb ${n}`] = await getOrHang(port, `/cb/${n}`);
  out['njk leave'] = await get(port, '/late', true);
  await later(0, 100);
  server.close();
}
await later(0, 200);
process.stdout.write(JSON.stringify({ out, failures }));
