// One fetch handler, bundled by Rollup with only the kida plugin, served by workerd (through
// miniflare), Deno and Bun: it streams a page whose rows are a Promise resolving after 50 ms.
// Each must send the same page as the Environment renders, and the head before the rows: with the
// rows gated on the client's request body, the head arrives before the client lets the rows exist. A runtime is skipped (with its reason) only if its binary cannot start.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DictLoader, Environment } from '../../compiler/environment.js';

const root = join(import.meta.dirname, '../..');
const bin = (name: string) => join(root, 'node_modules/.bin', name);
const dir = join(root, `test/.tmp-runtimes-${process.pid}`);

const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>{{ title }}</title></head>
<body><h1>{{ title }}</h1>
<ul>
{% for r in await rows %}<li>{{ r.name }}: {{ r.score | round(1) }}</li>
{% end %}</ul>
<footer>{{ footer }}</footer></body></html>
`;
const ROWS = [
  { name: 'ann <admin>', score: 1.25 },
  { name: 'bob & co', score: 2 },
  { name: 'cy "q"', score: 3.75 },
];
const TITLE = 'Runtimes & streams';
const HANDLER = `import page from './page.html.kida';
import { toReadableStream } from 'kida';

const ROWS = ${JSON.stringify(ROWS)};
export default {
  fetch(request) {
    // GET: a slow database (50 ms); POST: the rows arrive when the client ends its request body,
    // so the client decides when the data exist (a head sent only with the data would deadlock)
    const rows = request.method === 'POST' ? request.text().then(() => ROWS) : new Promise((resolve) => setTimeout(() => resolve(ROWS), 50));
    const body = toReadableStream(page.renderStreamAsync({ title: ${JSON.stringify(TITLE)}, rows, footer: 'end' }));
    return new Response(body, { headers: { 'content-type': 'text/html; charset=utf-8' } });
  },
};
`;

const expected = () => new Environment({ loader: new DictLoader({ 'page.html.kida': PAGE }) }).getTemplate('page.html.kida').renderAsync({ title: TITLE, rows: Promise.resolve(ROWS), footer: 'end' });

let bundle = '';
beforeAll(async () => {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'page.html.kida'), PAGE);
  writeFileSync(join(dir, 'handler.js'), HANDLER);
  const { rollup } = await import('rollup');
  const { default: kida } = await import(join(root, 'dist/plugins/rollup.js'));
  const b = await rollup({ input: join(dir, 'handler.js'), plugins: [kida({ root: dir })] });
  bundle = (await b.generate({ format: 'es' })).output[0].code;
  writeFileSync(join(dir, 'bundle.mjs'), bundle);
  // Deno and Bun serve the same default export
  writeFileSync(join(dir, 'deno.mjs'), `import h from './bundle.mjs';\nDeno.serve({ port: 0, hostname: '127.0.0.1', onListen: ({ port }) => console.log('PORT ' + port) }, (req) => h.fetch(req));\n`);
  writeFileSync(join(dir, 'bun.mjs'), `import h from './bundle.mjs';\nconst s = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: (req) => h.fetch(req) });\nconsole.log('PORT ' + s.port);\n`);
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Timed {
  status: number;
  type: string | undefined;
  chunks: { text: string; at: number }[];
}
function get(url: string): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false }, (res) => {
      res.setEncoding('utf8');
      const chunks: Timed['chunks'] = [];
      res.on('data', (text: string) => chunks.push({ text, at: performance.now() }));
      res.on('end', () => resolve({ status: res.statusCode!, type: res.headers['content-type'], chunks }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

async function check(url: string): Promise<void> {
  const want = await expected();
  const head = want.slice(0, want.indexOf('<li>'));
  for (let i = 0; i < 3; i++) {
    const r = await get(url);
    expect(r.status).toBe(200);
    expect(r.type).toBe('text/html; charset=utf-8');
    expect(r.chunks.map((c) => c.text).join('')).toBe(want);
  }
  // The head leaves before the data exist: checked causally (timings on a loaded machine are not
  // evidence: a late client read joins chunks), see `gated`.
  const g = await gated(url);
  expect(g.early).toBe(head);
  expect(g.body).toBe(want);
}

/**
 * POSTs with a request body it ends only once the head has arrived: the rows (and the rest of the
 * page) cannot exist before, so a head held back until the data would never arrive (timeout).
 */
function gated(url: string): Promise<{ early: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent: false, headers: { 'content-type': 'text/plain', 'transfer-encoding': 'chunked' } }, (res) => {
      res.setEncoding('utf8');
      let body = '';
      let early: string | null = null;
      res.on('data', (text: string) => {
        body += text;
        if (early === null && body.includes('<ul>')) {
          early = body;
          req.end('go'); // now the rows resolve
        }
      });
      res.on('end', () => resolve({ early: early ?? '', body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.write('wait');
    setTimeout(() => reject(new Error('no head before the data (10 s)')), 10_000);
  });
}

/** Starts a server process that prints `PORT n`; null (and why) if the binary cannot start. */
async function serve(cmd: string, args: string[]): Promise<{ url: string; child: ChildProcess } | { skip: string }> {
  const probe = spawnSync(cmd, ['--version'], { encoding: 'utf8', timeout: 30_000 });
  if (probe.error || probe.status !== 0) return { skip: `${cmd} cannot start: ${probe.error?.message ?? probe.stderr}` };
  const child = spawn(cmd, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const port = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /PORT (\d+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.on('exit', (code) => reject(new Error(`${cmd} exited (${code}): ${err}`)));
    setTimeout(() => reject(new Error(`${cmd}: no port after 30 s: ${err}`)), 30_000);
  });
  return { url: `http://127.0.0.1:${port}/`, child };
}

describe('a bundled fetch handler streaming a page with slow data', () => {
  it('the bundle holds no compiler and no eval', () => {
    expect(bundle).toContain('renderStreamAsync');
    expect(bundle).not.toMatch(/\bnew Function\b|\beval\(/);
  });

  it('workerd (miniflare)', async () => {
    const probe = spawnSync(bin('workerd'), ['--version'], { encoding: 'utf8', timeout: 30_000 });
    if (probe.error || probe.status !== 0) {
      console.warn(`skipped: workerd cannot start: ${probe.error?.message ?? probe.stderr}`);
      return;
    }
    const { Miniflare } = await import('miniflare');
    const mf = new Miniflare({ modules: true, script: bundle, compatibilityDate: '2025-01-01', host: '127.0.0.1', port: 0 });
    try {
      const url = await mf.ready;
      await check(url.href);
    } finally {
      await mf.dispose();
    }
  }, 120_000);

  for (const [name, args] of [
    ['deno', ['run', '--allow-net', '--no-prompt', 'deno.mjs']],
    ['bun', ['run', 'bun.mjs']],
  ] as const) {
    it(name, async () => {
      const s = await serve(bin(name), [...args]);
      if ('skip' in s) {
        console.warn(`skipped: ${s.skip}`);
        return;
      }
      try {
        await check(s.url);
      } finally {
        s.child.kill();
      }
    }, 120_000);
  }
});
