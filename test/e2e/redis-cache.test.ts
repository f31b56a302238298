// A fragment cache shared by app instances (issue #24): a real redis-server (Debian's package,
// started here on a free loopback port without persistence) and two Node processes running the
// example app examples/fragment-cache/server.mjs (node-redis client, kida/cache's redisStore,
// pages streamed with kida/node). A fragment one process rendered is served by the other, its
// TTL expires it, and with Redis stopped both still serve complete 200 pages, rendering the fragment.
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const hasRedis = spawnSync('redis-server', ['--version']).status === 0;
if (!hasRedis) console.warn('test/e2e/redis-cache.test.ts skipped: redis-server is not installed (apt-get install -y redis-server)');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Resolves with the first stdout line matching `re` (rejects if the process exits first). */
function waitForLine(p: ChildProcessWithoutNullStreams, re: RegExp, what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const onData = (d: Buffer) => {
      out += d;
      const line = out.split('\n').find((l) => re.test(l));
      if (line !== undefined) {
        p.stdout.off('data', onData);
        resolve(line);
      }
    };
    p.stdout.on('data', onData);
    p.stderr.on('data', (d: Buffer) => (err += d));
    p.once('exit', (code) => reject(new Error(`${what} exited (${code}) before it was ready: ${out}${err}`)));
  });
}

let redisPort = 0;
let redis: ChildProcessWithoutNullStreams | null = null;
async function startRedis(): Promise<void> {
  // (no RDB snapshots, no append-only file: nothing is written to disk)
  redis = spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']);
  await waitForLine(redis, /Ready to accept connections/, 'redis-server');
}
async function stopRedis(): Promise<void> {
  const p = redis;
  redis = null;
  if (!p || p.exitCode !== null) return;
  const exited = new Promise((r) => p.once('exit', r));
  p.kill('SIGTERM');
  await exited;
}

interface Worker {
  name: string;
  port: number;
  proc: ChildProcessWithoutNullStreams;
  stderr: string;
}
async function startWorker(name: string): Promise<Worker> {
  const proc = spawn(process.execPath, ['--unhandled-rejections=strict', join(root, 'examples/fragment-cache/server.mjs')], {
    cwd: root,
    env: { ...process.env, INSTANCE: name, PORT: '0', REDIS_URL: `redis://127.0.0.1:${redisPort}` },
  });
  const w: Worker = { name, port: 0, proc, stderr: '' };
  proc.stderr.on('data', (d: Buffer) => (w.stderr += d));
  w.port = Number(/:(\d+)\/page/.exec(await waitForLine(proc, /^instance \w+ on http:/, `instance ${name}`))![1]);
  return w;
}
/** SIGTERM (the example closes its server and client) and waits for it to exit on its own: the exit code, or 'hung'. */
async function stopWorker(w: Worker): Promise<number | 'hung'> {
  if (w.proc.exitCode !== null) return w.proc.exitCode;
  const exited = new Promise<number>((r) => w.proc.once('exit', (code) => r(code ?? -1)));
  w.proc.kill('SIGTERM');
  const code = await Promise.race([exited, sleep(10_000).then(() => 'hung' as const)]);
  if (code === 'hung') w.proc.kill('SIGKILL');
  return code;
}

async function page(w: Worker, id: string, ttl: number): Promise<{ status: number; body: string; ms: number }> {
  const started = performance.now();
  const res = await fetch(`http://127.0.0.1:${w.port}/page?id=${id}&ttl=${ttl}`);
  const body = await res.text();
  return { status: res.status, body, ms: performance.now() - started };
}
async function stats(w: Worker): Promise<{ renders: number; errors: string[] }> {
  return (await fetch(`http://127.0.0.1:${w.port}/stats`)).json() as Promise<{ renders: number; errors: string[] }>;
}
const fragmentOf = (body: string) => /<section>([^<]*)<\/section>/.exec(body)?.[1];
const complete = (body: string, who: string) => body.startsWith('<!doctype html>') && body.endsWith(`<footer>served by ${who}</footer></body></html>`);

describe.skipIf(!hasRedis)('a {% cache %} fragment shared through a real redis-server by two processes', () => {
  let a: Worker;
  let b: Worker;
  // (a client of the test's own, to look at what the workers stored)
  let inspect: { pTTL(key: string): Promise<number>; get(key: string): Promise<string | null>; destroy?(): void; disconnect(): Promise<void> };

  beforeAll(async () => {
    redisPort = await freePort();
    await startRedis();
    const { createClient } = await import('redis');
    inspect = createClient({ url: `redis://127.0.0.1:${redisPort}`, socket: { reconnectStrategy: false } }) as unknown as typeof inspect;
    (inspect as unknown as { on(e: string, f: () => void): void }).on('error', () => {});
    await (inspect as unknown as { connect(): Promise<void> }).connect();
    [a, b] = await Promise.all([startWorker('A'), startWorker('B')]);
  }, 30_000);

  afterAll(async () => {
    try {
      inspect?.destroy?.();
    } catch {
      // (closed when Redis stopped)
    }
    await Promise.all([a, b].filter(Boolean).map(stopWorker));
    await stopRedis();
  }, 30_000);

  it('a fragment rendered by one process is served by the other', async () => {
    const first = await page(a, '1', 60);
    expect(first.status).toBe(200);
    expect(fragmentOf(first.body)).toBe('report 1 rendered by A (render #1)');
    expect(complete(first.body, 'A')).toBe(true);
    await sleep(50); // (the set is not awaited by the page: let it land)
    const second = await page(b, '1', 60);
    expect(second.status).toBe(200);
    expect(fragmentOf(second.body)).toBe('report 1 rendered by A (render #1)');
    expect(complete(second.body, 'B')).toBe(true);
    expect((await stats(b)).renders).toBe(0);
    expect(await inspect.get('example:report:1')).toBe('<section>report 1 rendered by A (render #1)</section>');
    const pttl = await inspect.pTTL('example:report:1');
    expect(pttl).toBeGreaterThan(50_000);
    expect(pttl).toBeLessThanOrEqual(60_000);
  });

  it('the ttl is honoured: the entry expires in Redis and the next process renders its own', async () => {
    const first = await page(a, '2', 1);
    expect(fragmentOf(first.body)).toBe('report 2 rendered by A (render #2)');
    await sleep(50);
    expect(fragmentOf((await page(b, '2', 1)).body)).toBe('report 2 rendered by A (render #2)');
    expect(await inspect.pTTL('example:report:2')).toBeLessThanOrEqual(1000);
    await sleep(1100);
    expect(await inspect.get('example:report:2')).toBe(null);
    const after = await page(b, '2', 1);
    expect(fragmentOf(after.body)).toBe('report 2 rendered by B (render #1)');
    expect(complete(after.body, 'B')).toBe(true);
  });

  it('with Redis stopped, both processes still serve complete 200 pages, rendering the fragment', async () => {
    await stopRedis();
    for (const w of [a, b]) {
      const before = (await stats(w)).renders;
      const res = await page(w, '1', 60); // (a hit a moment ago: now the store cannot answer)
      expect(res.status).toBe(200);
      expect(complete(res.body, w.name)).toBe(true);
      expect(fragmentOf(res.body)).toBe(`report 1 rendered by ${w.name} (render #${before + 1})`);
      expect(res.ms).toBeLessThan(2000); // the 150 ms timeout, not a hang
      const { errors } = await stats(w);
      expect(errors.some((e) => /^get: /.test(e))).toBe(true);
    }
  }, 30_000);

  it('when Redis is back, the processes share fragments again; neither ever logged an error or left a rejection', async () => {
    await startRedis();
    let shared = false;
    for (let i = 0; i < 30 && !shared; i++) {
      await sleep(100);
      const id = `back${i}`;
      const first = await page(a, id, 60);
      await sleep(30);
      shared = fragmentOf((await page(b, id, 60)).body) === fragmentOf(first.body);
    }
    expect(shared).toBe(true);
    const codes = await Promise.all([a, b].map(stopWorker));
    expect(codes).toEqual([0, 0]);
    expect([a.stderr, b.stderr]).toEqual(['', '']);
  }, 30_000);
});
