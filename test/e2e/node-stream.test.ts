// kida/node on loopback: clients that leave release the render's data sources, a data source
// that throws never ends the process, a slow reader holds the render back (backpressure).
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EventEmitter } from 'node:events';
import { pipeline, Readable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DictLoader, Environment } from '../../compiler/environment.js';
import { pipeToNodeResponse, toNodeStream, type NodeResponse, type PipeOutcome, type RenderFailure } from '../../adapters/node.js';

const env = new Environment({
  loader: new DictLoader({
    'list.html': '<h1>{{ title }}</h1>\n<ul>\n{% async for row in rows %}<li>{{ row }}</li>\n{% endfor %}</ul>\n<footer>end</footer>',
    'page.html': '{% extends "base.html" %}{% block main %}{% for row in rows %}<p>{{ row }}</p>{% endfor %}{% endblock %}',
    'base.html': '<html><head><title>t</title></head><body>{% block main %}{% endblock %}</body></html>',
  }),
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<Server> {
  const server = createServer(handler);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}
async function close(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
}
const portOf = (s: Server) => (s.address() as AddressInfo).port;

interface Reply {
  status: number;
  body: string;
  /** The response ended without its terminating chunk (the connection was cut). */
  aborted: boolean;
}
function get(port: number, path = '/'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      res.setEncoding('utf8');
      let body = '';
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, body, aborted: false }));
      res.on('error', () => resolve({ status: res.statusCode!, body, aborted: true }));
      res.on('aborted', () => resolve({ status: res.statusCode!, body, aborted: true }));
    });
    req.on('error', reject);
    req.end();
  });
}
/** Reads until the first body bytes arrive, then drops the connection. */
function getAndLeave(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, agent: false }, (res) => {
      res.setEncoding('utf8');
      res.once('data', (c: string) => {
        req.destroy();
        resolve(c);
      });
      res.on('error', () => {});
    });
    req.on('error', (e) => (req.destroyed ? undefined : reject(e)));
    req.end();
  });
}

/** A data source like a database cursor: counts opens and `finally` (the cursor released). */
function cursors(delayMs: number, count = 5) {
  const stats = { opened: 0, released: 0 };
  async function* rows() {
    stats.opened++;
    try {
      for (let i = 0; i < count; i++) {
        await sleep(i === 0 ? 0 : delayMs);
        yield `row <${i}>`;
      }
    } finally {
      stats.released++;
    }
  }
  return { stats, rows };
}

async function waitFor(check: () => boolean, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error('timed out');
    await sleep(10);
  }
}

describe('pipeToNodeResponse over loopback', () => {
  it('sends the same page as renderAsync, from renderStreamAsync, renderStream and a block stream', async () => {
    const t = env.getTemplate('page.html');
    const ctx = () => ({ rows: ['a<b', 'c&d'] });
    const modes: Record<string, () => Iterable<string> | AsyncIterable<string>> = {
      async: () => t.renderStreamAsync(ctx()),
      sync: () => t.renderStream(ctx()),
      block: () => t.renderBlockStreamAsync('main', ctx()),
    };
    const server = await serve((req, res) => void pipeToNodeResponse(modes[req.url!.slice(1)]!(), res));
    try {
      const whole = await t.renderAsync(ctx());
      expect(whole).toBe('<html><head><title>t</title></head><body><p>a&lt;b</p><p>c&amp;d</p></body></html>');
      for (const m of ['async', 'sync']) {
        const r = await get(portOf(server), `/${m}`);
        expect([r.status, r.body, r.aborted]).toEqual([200, whole, false]);
      }
      expect((await get(portOf(server), '/block')).body).toBe(t.renderBlock('main', ctx()));
    } finally {
      await close(server);
    }
  });

  it("1,000 clients that leave after the first bytes: every data source's finally runs", async () => {
    const { stats, rows } = cursors(200, 50);
    const outcomes: PipeOutcome[] = [];
    const t = env.getTemplate('list.html');
    const server = await serve((req, res) => {
      void pipeToNodeResponse(t.renderStreamAsync({ title: 'Rows', rows: rows() }), res).then((o) => outcomes.push(o));
    });
    try {
      const port = portOf(server);
      for (let batch = 0; batch < 20; batch++) {
        const firsts = await Promise.all(Array.from({ length: 50 }, () => getAndLeave(port)));
        expect(firsts.every((c) => c.startsWith('<h1>Rows</h1>'))).toBe(true);
      }
      await waitFor(() => stats.released === 1000 && outcomes.length === 1000);
      expect(stats).toEqual({ opened: 1000, released: 1000 });
      expect(outcomes.every((o) => o === 'aborted')).toBe(true);
    } finally {
      await close(server);
    }
  });

  it('a data source that throws after the first bytes: the response is cut off and reported, 50 times', async () => {
    const failures: RenderFailure[] = [];
    const t = env.getTemplate('list.html');
    async function* rows() {
      yield 'one';
      await sleep(20);
      throw new Error('database went away');
    }
    const server = await serve((req, res) => {
      void pipeToNodeResponse(t.renderStreamAsync({ title: 'T', rows: rows() }), res, {
        onError: (_e, where) => failures.push(where),
      });
    });
    try {
      const replies = await Promise.all(Array.from({ length: 50 }, () => get(portOf(server))));
      for (const r of replies) {
        expect(r.status).toBe(200);
        expect(r.aborted).toBe(true); // never a complete-looking page
        expect(r.body).toContain('<li>one</li>');
        expect(r.body).not.toContain('<footer>');
      }
      expect(failures).toHaveLength(50);
      expect(failures[0]).toEqual({ template: 'list.html', line: 3, afterFirstBytes: true });
    } finally {
      await close(server);
    }
  });

  it('an error before any byte left is a 500 with a generic body (the message stays on the server)', async () => {
    const errors: unknown[] = [];
    const t = env.fromString('{{ secret.missing.deeper }}', { name: 'early.html' });
    const server = await serve((req, res) => void pipeToNodeResponse(t.renderStreamAsync({ secret: {} }), res, { onError: (e) => errors.push(e) }));
    try {
      const r = await get(portOf(server));
      expect(r).toEqual({ status: 500, body: 'Internal Server Error', aborted: false });
      expect(errors).toHaveLength(1);
      expect(String(errors[0])).toContain('missing');
    } finally {
      await close(server);
    }
  });

  it('a slow reader holds the render back: the source is paused until the client reads', async () => {
    let produced = 0;
    const chunk = 'x'.repeat(16 * 1024);
    async function* big() {
      for (let i = 0; i < 2000; i++) {
        produced++;
        yield chunk; // 32 MB in all
      }
    }
    const server = await serve((req, res) => void pipeToNodeResponse(big(), res));
    try {
      const total = await new Promise<number>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port: portOf(server), agent: false }, (res) => {
          res.pause(); // read nothing for a while
          setTimeout(() => {
            // kernel and stream buffers hold a few MB at most; without backpressure all 32 MB are produced
            expect(produced).toBeLessThan(700);
            let n = 0;
            res.on('data', (c: Buffer) => (n += c.length));
            res.on('end', () => resolve(n));
            res.resume();
          }, 400);
        });
        req.on('error', reject);
        req.end();
      });
      expect(total).toBe(2000 * chunk.length);
      expect(produced).toBe(2000);
    } finally {
      await close(server);
    }
  });
});

/** A response stand-in whose `write` returns false on cue; it records what reached it. */
class FakeResponse extends EventEmitter {
  statusCode = 200;
  headersSent = false;
  writableEnded = false;
  destroyed = false;
  waiting = false;
  written: string[] = [];
  headers: Record<string, string> = {};
  constructor(private readonly full: boolean[]) {
    super();
  }
  setHeader(k: string, v: string) {
    this.headers[k] = v;
  }
  getHeader(k: string) {
    return this.headers[k];
  }
  write(s: string) {
    if (this.waiting) throw new Error('write while waiting for drain');
    this.headersSent = true;
    this.written.push(s);
    const full = this.full.shift() ?? false;
    if (full) {
      this.waiting = true;
      setImmediate(() => {
        this.waiting = false;
        this.emit('drain');
      });
    }
    return !full;
  }
  end(s = '') {
    if (this.waiting) throw new Error('end while waiting for drain');
    this.written.push(s);
    this.writableEnded = true;
    this.emit('finish');
    this.emit('close');
  }
  destroy() {
    this.destroyed = true;
    this.emit('close');
  }
}

describe('pipeToNodeResponse, the write loop', () => {
  it('never writes before drain, and what arrives is exactly the chunks, in order (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.string({ unit: 'grapheme' }), { maxLength: 40 }), fc.array(fc.boolean()), fc.boolean(), fc.integer({ min: 1, max: 64 }), async (chunks, full, slow, hwm) => {
        async function* src() {
          for (const c of chunks) {
            if (slow) await sleep(0);
            yield c;
          }
        }
        const res = new FakeResponse(full);
        const outcome = await pipeToNodeResponse(src(), res as unknown as NodeResponse, { highWaterMark: hwm });
        expect(outcome).toBe('done');
        expect(res.written.join('')).toBe(chunks.join(''));
        expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      }),
      { numRuns: 150 },
    );
  });

  it('a source failing anywhere: a clean 500 before the first byte, a cut response after, one report (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.string({ minLength: 1 }), { maxLength: 20 }),
        fc.nat(25),
        fc.array(fc.boolean()),
        fc.boolean(),
        fc.integer({ min: 1, max: 32 }),
        async (chunks, failAt, full, slow, hwm) => {
          let closedSource = 0;
          function* syncSrc() {
            for (let i = 0; i < chunks.length; i++) {
              if (i === failAt) throw new Error('boom');
              yield chunks[i]!;
            }
          }
          async function* asyncSrc() {
            try {
              for (let i = 0; i < chunks.length; i++) {
                await sleep(0);
                if (i === failAt) throw new Error('boom');
                yield chunks[i]!;
              }
            } finally {
              closedSource++;
            }
          }
          const res = new FakeResponse(full);
          const reports: RenderFailure[] = [];
          const outcome = await pipeToNodeResponse(slow ? asyncSrc() : syncSrc(), res as unknown as NodeResponse, {
            highWaterMark: hwm,
            onError: (_e, where) => reports.push(where),
          });
          const text = res.written.join('');
          if (failAt >= chunks.length) {
            expect([outcome, text, res.destroyed, reports.length]).toEqual(['done', chunks.join(''), false, 0]);
            return;
          }
          expect(outcome).toBe('failed');
          expect(reports).toHaveLength(1);
          if (reports[0]!.afterFirstBytes) {
            expect(res.destroyed).toBe(true); // cut, never ended
            expect(res.writableEnded).toBe(false);
            expect(chunks.slice(0, failAt).join('').startsWith(text)).toBe(true);
          } else {
            expect([res.statusCode, text, res.writableEnded]).toEqual([500, 'Internal Server Error', true]);
          }
          if (slow) expect(closedSource).toBe(1);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('a client gone while the source awaits: stops at once and closes the source', async () => {
    const { stats, rows } = cursors(10_000, 3);
    const t = env.getTemplate('list.html');
    const res = new FakeResponse([]);
    const done = pipeToNodeResponse(t.renderStreamAsync({ title: 'x', rows: rows() }), res as unknown as NodeResponse, { highWaterMark: 1 });
    await waitFor(() => res.written.join('').includes('row &lt;0&gt;'));
    res.destroy();
    expect(await done).toBe('aborted'); // without waiting for the 10 s source
    expect(stats.opened).toBe(1);
  });

  it('a throwing onError does not escape', async () => {
    async function* bad(): AsyncGenerator<string> {
      yield 'a';
      throw new Error('x');
    }
    const res = new FakeResponse([]);
    const outcome = await pipeToNodeResponse(bad(), res as unknown as NodeResponse, {
      onError: () => {
        throw new Error('reporter broke');
      },
    });
    expect(outcome).toBe('failed');
  });
});

describe('the unsafe path this replaces', () => {
  it('Readable.from(render).pipe(res): clients that leave never release the data source', async () => {
    const { stats, rows } = cursors(20, 5);
    const t = env.getTemplate('list.html');
    const server = await serve((req, res) => {
      Readable.from(t.renderStreamAsync({ title: 'P', rows: rows() })).pipe(res);
    });
    try {
      await Promise.all(Array.from({ length: 20 }, () => getAndLeave(portOf(server))));
      await sleep(500); // five times what a whole render takes
      expect(stats).toEqual({ opened: 20, released: 0 });
    } finally {
      await close(server);
    }
  });
});

describe('toNodeStream with stream.pipeline', () => {
  it('a client that leaves destroys the render, so its data source is released', async () => {
    const { stats, rows } = cursors(100, 50);
    const t = env.getTemplate('list.html');
    const server = await serve((req, res) => {
      pipeline(toNodeStream(t.renderStreamAsync({ title: 'P', rows: rows() })), res, () => {});
    });
    try {
      await Promise.all(Array.from({ length: 20 }, () => getAndLeave(portOf(server))));
      await waitFor(() => stats.released === 20);
      expect(stats).toEqual({ opened: 20, released: 20 });
    } finally {
      await close(server);
    }
  });
});
