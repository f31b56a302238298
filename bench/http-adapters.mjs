// node:http on loopback under load: the buffered render against kida/node's pipeToNodeResponse
// (chunks joined into 16 KB writes, flushed as soon as the render really waits) over renderStream
// and renderStreamAsync, and kida/hono's web Response (toReadableStream) through sendWebResponse.
// The server runs in a child process; this one drives it with 100 keep-alive connections, a few
// seconds per case, cases interleaved, the best of the rounds kept. Two figures per case: requests/s, and the server's CPU time
// per request (process.cpuUsage), which a machine loaded by other work distorts far less.
// Usage: npm run build && node bench/http-adapters.mjs [seconds=3] [rounds=3] [--old=<a built tree>] [--inproc]
// --old: the streamed cases of another build too (A/B in one server, interleaved), e.g. main:
//   git archive main | tar -x -C /tmp/old && (cd /tmp/old && ln -s $PWD/node_modules && npx tsc -p tsconfig.json)
import { fork } from 'node:child_process';
import { createServer, Agent, request } from 'node:http';
import { cpus } from 'node:os';
const old = process.argv.find((a) => a.startsWith('--old='))?.slice(6);
const ctx = { title: 'Cards <300>', cards: Array.from({ length: 300 }, (_, i) => ({ name: `Card ${i}`, text: `Some text & more for card ${i}`, price: i * 1.5 })) };
/** Reads a web body as a server would (@hono/node-server, Deno, Bun): read(), write, repeat. */
async function sendBody(body, res) {
  res.writeHead(200, { 'content-type': 'text/html' });
  const reader = body.getReader();
  for (let r; !(r = await reader.read()).done; ) res.write(r.value);
  res.end();
}
let mainPage;
async function casesOf(root, tag = '') {
  const { Environment, DictLoader } = await import(`${root}/dist/compiler/environment.js`);
  const { pipeToNodeResponse, sendWebResponse } = await import(`${root}/dist/adapters/node.js`);
  const { streamChunks } = await import(`${root}/dist/adapters/hono.js`);
  const { toReadableStream } = await import(`${root}/dist/runtime/stream.js`);
  const env = new Environment({ loader: new DictLoader({
    'page.html': '<!doctype html><html><head><title>{{ title }}</title></head><body><h1>{{ title }}</h1>{% def card(c) %}<article class="card"><h2>{{ c.name }}</h2><p>{{ c.text }}</p><span>{{ c.price }}</span></article>{% end %}<main>{% for c in cards %}{{ card(c) }}{% end %}</main></body></html>',
  }) });
  const page = env.getTemplate('page.html');
  if (!tag) mainPage = page;
  return {
    ...(tag ? {} : {
      render: (res) => { res.writeHead(200, { 'content-type': 'text/html' }); res.end(page.render(ctx)); },
      renderAsync: async (res) => { res.writeHead(200, { 'content-type': 'text/html' }); res.end(await page.renderAsync(ctx)); },
    }),
    [`${tag}pipeToNodeResponse(renderStream)`]: (res) => pipeToNodeResponse(page.renderStream(ctx), res),
    [`${tag}pipeToNodeResponse(renderStreamAsync)`]: (res) => pipeToNodeResponse(page.renderStreamAsync(ctx), res),
    // kida/hono's web Response served on node:http by sendWebResponse
    [`${tag}sendWebResponse(streamChunks(renderStreamAsync))`]: async (res) => sendWebResponse(await streamChunks(page.renderStreamAsync(ctx)), res),
    // the same Response body read as a web stream, and the runtime's toReadableStream
    [`${tag}streamChunks(renderStreamAsync).body read`]: async (res) => sendBody((await streamChunks(page.renderStreamAsync(ctx))).body, res),
    [`${tag}toReadableStream(renderStreamAsync) read`]: (res) => sendBody(toReadableStream(page.renderStreamAsync(ctx)), res),
  };
}
const here = new URL('..', import.meta.url).pathname.replace(/\/$/, '');
const cases = { ...(await casesOf(here)), ...(old ? await casesOf(old, 'old: ') : {}) };
const names = Object.keys(cases);

if (process.argv.includes('--inproc')) {
  // no HTTP: each case into a response stub that takes writes, CPU µs per request, cases (and the
  // --old tree's) interleaved, best of 15 batches: steadier than req/s on a shared machine
  const { EventEmitter } = await import('node:events');
  class Stub extends EventEmitter {
    statusCode = 200; headersSent = false; writableEnded = false; destroyed = false; h = {};
    setHeader(k, v) { this.h[k] = v; } getHeader(k) { return this.h[k]; } writeHead(s) { this.statusCode = s; }
    write() { this.headersSent = true; return true; } end() { this.writableEnded = true; this.emit('close'); } destroy() {}
  }
  const best = {};
  for (let r = 0; r < 15; r++) for (const k of r % 2 ? [...names].reverse() : names) {
    const t0 = process.cpuUsage();
    for (let i = 0; i < 100; i++) await cases[k](new Stub());
    const t = process.cpuUsage(t0);
    best[k] = Math.min(best[k] ?? Infinity, (t.user + t.system) / 100);
    await new Promise((res) => setImmediate(res)); // (timers armed by the senders run)
  }
  console.log(`# in-process, response stub, best of 15 x 100, ${new Date().toISOString()}, ${cpus()[0]?.model} x${cpus().length}, Node ${process.version}`);
  console.log('| case | CPU µs/req | ÷ render |\n|---|--:|--:|');
  for (const k of names) console.log(`| ${k} | ${best[k].toFixed(0)} | ${(best[k] / best.render).toFixed(2)}x |`);
} else if (process.argv[2] === '--server') {
  const server = createServer((req, res) => {
    if (req.url === '/cpu') {
      const u = process.cpuUsage();
      return res.end(String(u.user + u.system));
    }
    cases[names[Number(req.url.slice(1))]](res);
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => process.send(server.address().port));
} else {
  const [seconds = 3, rounds = 3] = process.argv.slice(2).filter((a) => !a.startsWith('--')).map(Number);
  const child = fork(new URL(import.meta.url).pathname, ['--server', ...process.argv.slice(2).filter((a) => a.startsWith('--old='))], { stdio: 'inherit' });
  const port = await new Promise((r) => child.once('message', r));
  const agent = new Agent({ keepAlive: true, maxSockets: 100 });
  const get = (path) => new Promise((resolve, reject) => {
    const req = request({ port, host: '127.0.0.1', agent, path }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve(body));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
  const expected = mainPage.render(ctx);
  async function load(i) {
    if ((await get(`/${i}`)) !== expected) throw new Error(`${names[i]}: output differs`);
    const cpu0 = Number(await get('/cpu'));
    let n = 0;
    const start = performance.now();
    const end = Date.now() + seconds * 1000;
    await Promise.all(Array.from({ length: 100 }, async () => { while (Date.now() < end) { await get(`/${i}`); n++; } }));
    const elapsed = (performance.now() - start) / 1000;
    const cpu = Number(await get('/cpu')) - cpu0;
    return { rps: n / elapsed, cpuPerReq: cpu / n };
  }
  const got = Object.fromEntries(names.map((k) => [k, { rps: [], cpu: [] }]));
  for (let i = 0; i < names.length; i++) await load(i); // warm-up
  for (let r = 0; r < rounds; r++) for (let j = 0; j < names.length; j++) {
    const i = (j + r) % names.length;
    const { rps, cpuPerReq } = await load(i);
    got[names[i]].rps.push(rps);
    got[names[i]].cpu.push(cpuPerReq);
  }
  // best of the rounds (most requests/s, least CPU): other work on the machine only ever slows a case
  const best = { rps: (xs) => Math.max(...xs), cpu: (xs) => Math.min(...xs) };
  console.log(`# node:http, 100 connections, ${seconds} s per case, ${rounds} rounds interleaved (best of), ${new Date().toISOString()}, ${cpus()[0]?.model} x${cpus().length}, Node ${process.version}, page ${expected.length} chars`);
  console.log('| case | req/s | ÷ render | ÷ renderAsync | server CPU µs/req | render CPU ÷ this |');
  console.log('|---|--:|--:|--:|--:|--:|');
  const r0 = best.rps(got.render.rps), a0 = best.rps(got.renderAsync.rps), c0 = best.cpu(got.render.cpu);
  for (const k of names) {
    const rps = best.rps(got[k].rps), cpu = best.cpu(got[k].cpu);
    console.log(`| ${k} | ${rps.toFixed(0)} | ${(rps / r0).toFixed(2)}x | ${(rps / a0).toFixed(2)}x | ${cpu.toFixed(0)} | ${(c0 / cpu).toFixed(2)}x |`);
  }
  child.kill();
  agent.destroy();
}
