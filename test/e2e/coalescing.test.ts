// Chunk coalescing in kida/node's pipeToNodeResponse and the runtime's toReadableStream: chunks
// that follow one another without a wait are joined into few writes, but whatever precedes a
// real wait (I/O, a timer) is sent before that wait ends; a microtask is not a wait.
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EventEmitter } from 'node:events';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DictLoader, Environment } from '../../compiler/environment.js';
import { pipeToNodeResponse, sendWebResponse, type NodeResponse } from '../../adapters/node.js';
import { streamChunks } from '../../adapters/hono.js';
import { toReadableStream } from '../../runtime/stream.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const env = new Environment({
  loader: new DictLoader({
    // 300 small chunks (one per iteration), then a slow value, then the rest
    'slow.html': '<head><title>{{ title }}</title></head>{% for i in range(300) %}<i>{{ i }}</i>{% end %}<main>{{ await slow }}</main><footer>end</footer>',
  }),
});
const slowPage = env.getTemplate('slow.html');

/** A response that records each write (what would be a socket write) and never pushes back. */
class Recorder extends EventEmitter {
  statusCode = 200;
  headersSent = false;
  writableEnded = false;
  destroyed = false;
  writes: string[] = [];
  headers: Record<string, string> = {};
  setHeader(k: string, v: string) {
    this.headers[k] = v;
  }
  getHeader(k: string) {
    return this.headers[k];
  }
  write(s: string) {
    this.headersSent = true;
    this.writes.push(s);
    return true;
  }
  end(s = '') {
    if (s) this.writes.push(s);
    this.writableEnded = true;
    this.emit('close');
  }
  destroy() {
    this.destroyed = true;
    this.emit('close');
  }
  get text() {
    return this.writes.join('');
  }
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<string[]> {
  const out: string[] = [];
  const dec = new TextDecoder();
  for await (const b of stream as unknown as AsyncIterable<Uint8Array>) out.push(dec.decode(b, { stream: true }));
  return out;
}

describe('many small chunks without a wait arrive as few writes', () => {
  const small = Array.from({ length: 20000 }, (_, i) => `<li>${i}</li>`); // ~250,000 characters
  const whole = small.join('');
  async function* microtasksOnly() {
    for (const c of small) {
      await Promise.resolve(); // resolves in the same turn: not a wait
      yield c;
    }
  }
  it('pipeToNodeResponse: sync and microtask-only async sources, writes of at least highWaterMark', async () => {
    for (const src of [() => small.values(), microtasksOnly]) {
      const res = new Recorder();
      expect(await pipeToNodeResponse(src(), res as unknown as NodeResponse)).toBe('done');
      expect(res.text).toBe(whole);
      expect(res.writes.length).toBeLessThanOrEqual(Math.ceil(whole.length / 65536) + 1);
      expect(res.writes.slice(0, -1).every((w) => w.length >= 65536)).toBe(true);
    }
  });
  it('a whole template: renderStream and renderStreamAsync of a 300-chunk page, one write each', async () => {
    const t = env.fromString('{% for i in range(300) %}<i>{{ i }}</i>{% end %}');
    expect([...t.renderStream({})]).toHaveLength(300); // the generator's boundaries are unchanged
    for (const chunks of [t.renderStream({}), t.renderStreamAsync({})]) {
      const res = new Recorder();
      await pipeToNodeResponse(chunks, res as unknown as NodeResponse);
      expect(res.writes).toEqual([t.render({})]);
    }
  });
  it('toReadableStream: enqueues of at least highWaterMark characters', async () => {
    for (const src of [() => small.values(), microtasksOnly]) {
      const parts = await readAll(toReadableStream(src(), { highWaterMark: 8192 }));
      expect(parts.join('')).toBe(whole);
      expect(parts.length).toBeLessThanOrEqual(Math.ceil(whole.length / 8192) + 1);
      expect(parts.slice(0, -1).every((p) => p.length >= 8192)).toBe(true);
    }
  });
});

/**
 * A source of chunks with waits between some of them. At the end of each real wait it records
 * how many characters had been yielded before the wait began: `sentBy()` must have them all.
 */
function plan(steps: Array<{ text: string; wait: 'none' | 'microtask' | 'timer' }>, sentBy: () => number) {
  const checks: Array<{ yielded: number; sent: number }> = [];
  async function* src() {
    let yielded = 0;
    for (const s of steps) {
      if (s.wait === 'microtask') await Promise.resolve();
      if (s.wait === 'timer') {
        await sleep(1);
        checks.push({ yielded, sent: sentBy() });
      }
      yield s.text;
      yielded += s.text.length;
    }
  }
  return { src, checks };
}
const steps = fc.array(
  fc.record({ text: fc.string({ minLength: 1, maxLength: 40 }), wait: fc.constantFrom('none' as const, 'microtask' as const, 'timer' as const) }),
  { maxLength: 30 },
);

describe('a chunk that precedes a wait is sent before the wait ends (property)', () => {
  it('pipeToNodeResponse', async () => {
    await fc.assert(
      fc.asyncProperty(steps, fc.integer({ min: 1, max: 200 }), async (s, hwm) => {
        const res = new Recorder();
        const { src, checks } = plan(s, () => res.text.length);
        expect(await pipeToNodeResponse(src(), res as unknown as NodeResponse, { highWaterMark: hwm })).toBe('done');
        expect(res.text).toBe(s.map((x) => x.text).join(''));
        for (const c of checks) expect(c.sent).toBe(c.yielded);
      }),
      { numRuns: 100 },
    );
  });
  it('toReadableStream', async () => {
    await fc.assert(
      fc.asyncProperty(steps, fc.integer({ min: 1, max: 200 }), async (s, hwm) => {
        let received = 0;
        const { src, checks } = plan(s, () => received);
        const dec = new TextDecoder();
        let text = '';
        for await (const b of toReadableStream(src(), { highWaterMark: hwm }) as unknown as AsyncIterable<Uint8Array>) {
          const piece = dec.decode(b, { stream: true });
          received += piece.length;
          text += piece;
        }
        expect(text).toBe(s.map((x) => x.text).join(''));
        for (const c of checks) expect(c.sent).toBe(c.yielded);
      }),
      { numRuns: 100 },
    );
  });
});

describe('time to first byte over loopback: the head leaves before an 800 ms value resolves', () => {
  function slowCtx() {
    const at = { resolved: Infinity };
    const slow = sleep(800).then(() => {
      at.resolved = performance.now();
      return 'data';
    });
    return { ctx: { title: 'T', slow }, at };
  }
  async function serve(handler: Parameters<typeof createServer>[1]): Promise<Server> {
    const server = createServer(handler);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return server;
  }
  /** The body, and what of it had arrived before the slow value resolved. */
  function fetchEarly(server: Server, at: { resolved: number }): Promise<{ early: string; body: string; firstByteAt: number }> {
    return new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, agent: false }, (res) => {
        res.setEncoding('utf8');
        let early = '';
        let body = '';
        let firstByteAt = Infinity;
        res.on('data', (c: string) => {
          firstByteAt = Math.min(firstByteAt, performance.now());
          if (performance.now() < at.resolved) early += c;
          body += c;
        });
        res.on('end', () => resolve({ early, body, firstByteAt }));
      });
      req.on('error', reject);
      req.end();
    });
  }

  for (const [name, handle] of [
    ['pipeToNodeResponse', (ctx: object, res: NodeResponse) => void pipeToNodeResponse(slowPage.renderStreamAsync(ctx), res)],
    ['kida/hono streamChunks + sendWebResponse', async (ctx: object, res: NodeResponse) => void sendWebResponse(await streamChunks(slowPage.renderStreamAsync(ctx)), res)],
    ['new Response(toReadableStream(...)) + sendWebResponse', (ctx: object, res: NodeResponse) => void sendWebResponse(new Response(toReadableStream(slowPage.renderStreamAsync(ctx))), res)],
  ] as const) {
    it(name, async () => {
      let at = { resolved: Infinity };
      const server = await serve((_req, res) => {
        const s = slowCtx();
        at = s.at;
        void handle(s.ctx, res);
      });
      try {
        const atRef = { get resolved() { return at.resolved; } };
        const r = await fetchEarly(server, atRef);
        const whole = await slowPage.renderAsync({ title: 'T', slow: Promise.resolve('data') });
        expect(r.body).toBe(whole);
        expect(r.early).toBe(whole.slice(0, whole.indexOf('data'))); // all that precedes the wait, nothing after it
        expect(r.firstByteAt).toBeLessThan(at.resolved);
      } finally {
        server.closeAllConnections();
        await new Promise((r) => server.close(r));
      }
    });
  }
});
