// Issue #22: the same page served over node:http under load, buffered against streamed.
// A server process (this file with --server) serves the 300-card page with a head, one path per
// way of sending it; this process drives it with autocannon (bench/peer-engines), 100
// keep-alive connections for --seconds per case, cases taking turns over --rounds rounds.
//
//   npm run build && node bench/http-load.mjs [--seconds=5] [--rounds=1] [--connections=100] [--cases=render,pipe] [--json=file]
//
// Paths: /render     res.end(render(ctx))
//        /async      res.end(await renderAsync(ctx))
//        /write      res.write() of every renderStream chunk, then res.end()
//        /pipe       Readable.from(renderStream(ctx)).pipe(res)
//        /coalesce   renderStream chunks joined into writes of >= 16 KB (a what-if: what fewer,
//                    larger writes would give; no wait in this page, so nothing is delayed)
//        /readable   Readable.fromWeb(toReadableStream(renderStreamAsync(ctx))).pipe(res)
//        /marko      Marko 6's render(input).pipe(res) of the same page (its streaming idiom)
//        /node-stream  kida/node's pipeToNodeResponse(renderStream(ctx), res)
//        /node-async   kida/node's pipeToNodeResponse(renderStreamAsync(ctx), res)
//        /web          a web Response over toReadableStream(renderStreamAsync(ctx)), sent by
//                      kida/node's sendWebResponse (what a fetch-style handler on node:http does)
// Besides requests/s (the median over rounds; --json also keeps the best round, since other work
// on the machine only ever slows a case), the server's process CPU time per request: the
// steadier figure on a machine shared with other work.
// Every body is checked against render() before load (Marko's after canon(), see peers.mjs).
import { fork } from 'node:child_process';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { cpus, platform, release } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { compileKida, importKida } from './engines.mjs';
import { MARKO, buildMarko, canon } from './peers.mjs';

const arg = (name, dflt) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? dflt);
const PAGE = `<html><head><title>{{ title }}</title></head><body>{% def card(p) %}<div class="card"><h3>{{ p.title }}</h3><p>{{ p.body }}</p><a href="{{ p.url }}">{{ p.n }}</a></div>{% end %}{% for p in cards %}{{ card(p) }}{% end %}</body></html>`;
const MARKO_PAGE = {
  'page.marko': '<html><head><title>${input.title}</title></head><body><for|p| of=input.cards><card p=p/></for></body></html>',
  'tags/card.marko': MARKO.cards['tags/card.marko'],
};
const ctx = {
  title: 'Cards <page>',
  cards: Array.from({ length: 300 }, (_, n) => ({ n, title: `Card ${n}`, body: `Body of card ${n}, a sentence or two.`, url: `/cards/${n}` })),
};
const ALL_CASES = ['render', 'async', 'write', 'pipe', 'coalesce', 'readable', 'marko', 'node-stream', 'node-async', 'web'];
const CASES = process.argv.find((a) => a.startsWith('--cases='))?.slice(8).split(',') ?? ALL_CASES.slice(0, 7);

if (process.argv.includes('--server')) {
  const page = await importKida('http-load', 'page.html');
  const marko = await buildMarko('http-load', MARKO_PAGE);
  const { toReadableStream } = await import('kida');
  const { pipeToNodeResponse, sendWebResponse } = await import('kida/node');
  const handlers = {
    render: (res) => res.end(page.render(ctx)),
    async: async (res) => res.end(await page.renderAsync(ctx)),
    write: (res) => {
      for (const c of page.renderStream(ctx)) res.write(c);
      res.end();
    },
    pipe: (res) => Readable.from(page.renderStream(ctx)).pipe(res),
    coalesce: (res) => {
      let buf = '';
      for (const c of page.renderStream(ctx)) if ((buf += c).length >= 16384) res.write(buf), (buf = '');
      res.end(buf);
    },
    readable: (res) => Readable.fromWeb(toReadableStream(page.renderStreamAsync(ctx))).pipe(res),
    marko: (res) => marko.render(ctx).pipe(res),
    'node-stream': (res) => pipeToNodeResponse(page.renderStream(ctx), res),
    'node-async': (res) => pipeToNodeResponse(page.renderStreamAsync(ctx), res),
    web: (res) => sendWebResponse(new Response(toReadableStream(page.renderStreamAsync(ctx)), { headers: { 'content-type': 'text/html; charset=utf-8' } }), res),
  };
  const server = createServer((req, res) => {
    if (req.url === '/cpu') {
      const u = process.cpuUsage();
      return res.end(String(u.user + u.system));
    }
    res.setHeader('content-type', 'text/html; charset=utf-8');
    handlers[req.url.slice(1)](res);
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => process.send(server.address().port));
} else {
  const seconds = arg('seconds', 5), rounds = arg('rounds', 1), connections = arg('connections', 100);
  await compileKida('http-load', { 'page.html': PAGE });
  const expected = (await importKida('http-load', 'page.html')).render(ctx);
  const child = fork(new URL(import.meta.url).pathname, ['--server'], { stdio: 'inherit' });
  const port = await new Promise((r) => child.once('message', r));
  const base = `http://127.0.0.1:${port}`;
  for (const c of CASES) {
    const body = await (await fetch(`${base}/${c}`)).text();
    if (c === 'marko' ? canon(body) !== canon(expected) : body !== expected) throw new Error(`/${c}: body differs from render()`);
  }
  const autocannon = createRequire(join(import.meta.dirname, 'peer-engines', 'package.json'))('autocannon');
  const run = (path, duration) => autocannon({ url: `${base}/${path}`, connections, duration, pipelining: 1 });
  for (const c of CASES) await run(c, 1); // warm-up
  const rps = Object.fromEntries(CASES.map((c) => [c, []]));
  const cpu = Object.fromEntries(CASES.map((c) => [c, []]));
  const serverCpu = async () => Number(await (await fetch(`${base}/cpu`)).text());
  for (let r = 0; r < rounds; r++)
    for (const c of CASES.map((_, i) => CASES[(i + r) % CASES.length])) {
      const cpu0 = await serverCpu();
      const res = await run(c, seconds);
      if (res.errors || res.non2xx) throw new Error(`/${c}: ${res.errors} errors, ${res.non2xx} non-2xx`);
      rps[c].push(res.requests.average);
      cpu[c].push(((await serverCpu()) - cpu0) / res.requests.total);
    }
  child.kill();
  const med = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  const jsonOut = process.argv.find((a) => a.startsWith('--json='))?.slice(7);
  if (jsonOut) {
    const { writeFileSync } = await import('node:fs');
    writeFileSync(jsonOut, JSON.stringify({ connections, seconds, rounds, bytes: expected.length, cases: Object.fromEntries(CASES.map((c) => [c, { rps: med(rps[c]), bestRps: Math.max(...rps[c]), cpuUsPerRequest: med(cpu[c]), bestCpuUsPerRequest: Math.min(...cpu[c]), rounds: rps[c] }])) }));
  }
  console.log(`# node:http under load, ${new Date().toISOString()}`);
  console.log(`${cpus()[0]?.model} ×${cpus().length}, ${platform()} ${release()}, Node ${process.version}; ${connections} connections, ${seconds} s per case, ${rounds} round(s); page ${expected.length} B (300 cards)\n`);
  console.log('| Path | requests/s | ÷ render | ÷ renderAsync | server CPU µs/request |');
  console.log('|---|--:|--:|--:|--:|');
  // (÷ a case that was not run: —)
  const ratio = (c, by) => (rps[by] ? `${(med(rps[c]) / med(rps[by])).toFixed(2)}x` : '—');
  for (const c of CASES) console.log(`| /${c} | ${med(rps[c]).toFixed(0)} | ${ratio(c, 'render')} | ${ratio(c, 'async')} | ${med(cpu[c]).toFixed(0)} |`);
}
