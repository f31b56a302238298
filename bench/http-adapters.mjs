// node:http on loopback under load: the buffered render against kida/node's pipeToNodeResponse
// (which joins chunks into 16 KB writes and flushes before a wait) over renderStream and
// renderStreamAsync. 100 keep-alive connections, a few seconds per case, cases interleaved.
// Usage: npm run build && node bench/http-adapters.mjs [seconds=3] [rounds=3]
import { createServer, Agent, request } from 'node:http';
import { cpus } from 'node:os';
import { Environment, DictLoader } from '../dist/compiler/environment.js';
import { pipeToNodeResponse } from '../dist/adapters/node.js';

const seconds = Number(process.argv[2] ?? 3);
const rounds = Number(process.argv[3] ?? 3);
const env = new Environment({ loader: new DictLoader({
  'page.html': '<!doctype html><html><head><title>{{ title }}</title></head><body><h1>{{ title }}</h1>{% def card(c) %}<article class="card"><h2>{{ c.name }}</h2><p>{{ c.text }}</p><span>{{ c.price }}</span></article>{% end %}<main>{% for c in cards %}{{ card(c) }}{% end %}</main></body></html>',
}) });
const page = env.getTemplate('page.html');
const ctx = { title: 'Cards <300>', cards: Array.from({ length: 300 }, (_, i) => ({ name: `Card ${i}`, text: `Some text & more for card ${i}`, price: i * 1.5 })) };
const cases = {
  render: (res) => { res.writeHead(200, { 'content-type': 'text/html' }); res.end(page.render(ctx)); },
  'pipeToNodeResponse(renderStream)': (res) => pipeToNodeResponse(page.renderStream(ctx), res),
  'pipeToNodeResponse(renderStreamAsync)': (res) => pipeToNodeResponse(page.renderStreamAsync(ctx), res),
};
const expected = page.render(ctx);
let current = 'render';
const server = createServer((req, res) => cases[current](res));
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const port = server.address().port;
const agent = new Agent({ keepAlive: true, maxSockets: 100 });
const get = () => new Promise((resolve, reject) => {
  const req = request({ port, host: '127.0.0.1', agent, path: '/' }, (res) => {
    let body = '';
    res.setEncoding('utf8');
    res.on('data', (d) => (body += d));
    res.on('end', () => resolve(body));
    res.on('error', reject);
  });
  req.on('error', reject);
  req.end();
});
if ((await get()) !== expected) throw new Error('output differs');
async function load(name) {
  current = name;
  if ((await get()) !== expected) throw new Error(`${name}: output differs`);
  let n = 0;
  const end = Date.now() + seconds * 1000;
  await Promise.all(Array.from({ length: 100 }, async () => { while (Date.now() < end) { await get(); n++; } }));
  return n / seconds;
}
const rps = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
for (let r = 0; r < rounds; r++) for (const k of Object.keys(cases)) rps[k].push(await load(k));
const med = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
console.log(`# node:http, 100 connections, ${seconds} s per case, ${rounds} rounds interleaved, ${new Date().toISOString()}, ${cpus()[0]?.model} x${cpus().length}, Node ${process.version}`);
for (const k of Object.keys(cases)) console.log(`${k}: ${med(rps[k]).toFixed(0)} req/s (${(med(rps[k]) / med(rps.render)).toFixed(2)}x render)`);
server.close();
agent.destroy();
