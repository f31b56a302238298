// Every way of serving a streamed page over node:http on loopback (issue #22, third pass):
// kida/node's pipe of renderStream and renderStreamAsync, kida/hono's body sent by
// sendWebResponse (its chunks written as strings) and read as a web stream, and the runtime's
// toReadableStream. What precedes a wait reaches the client while the wait lasts: the page's
// data source resolves only once the client has every byte before it, so a chunk held back
// would hang the test rather than pass slowly. And the bytes are the buffered render's.
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { EventEmitter } from 'node:events';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DictLoader, Environment } from '../../compiler/environment.js';
import { pipeToNodeResponse, sendWebResponse, type NodeResponse } from '../../adapters/node.js';
import { streamChunks } from '../../adapters/hono.js';
import { toReadableStream } from '../../runtime/stream.js';
import { portOf } from '../loopback-support.js';

const env = new Environment({
  loader: new DictLoader({
    // ~140 KB before the wait (size-joined writes, then the rest flushed by the wait), multi-byte text
    'page.html':
      '<head><title>{{ title }}</title></head>{% for c in cards %}<article><h2>{{ c.name }}</h2><p>{{ c.text }}</p></article>{% end %}' +
      '<main>{{ await slow }}</main>{% for c in cards[:50] %}<i>{{ c.name }}</i>{% end %}<footer>é ✓ 🙂</footer>',
    'sync.html': '<head><title>{{ title }}</title></head>{% for c in cards %}<article><h2>{{ c.name }}</h2><p>{{ c.text }}</p></article>{% end %}<footer>é ✓ 🙂</footer>',
  }),
});
const cards = Array.from({ length: 2000 }, (_, i) => ({ name: `Card ${i} — ½`, text: `Some text & <more> for card ${i} 🙂` }));
const page = env.getTemplate('page.html');
const syncPage = env.getTemplate('sync.html');

/** A value the server awaits; the test resolves it once the client holds everything before it. */
let gate: { promise: Promise<string>; open: (v: string) => void } | null = null;
function newGate() {
  let open!: (v: string) => void;
  const promise = new Promise<string>((r) => (open = r));
  gate = { promise, open };
  return promise;
}
const webOut = async (body: ReadableStream<Uint8Array>, res: ServerResponse) => {
  res.setHeader('content-type', 'text/html; charset=utf-8');
  Readable.fromWeb(body as Parameters<typeof Readable.fromWeb>[0]).pipe(res);
};
const waits: Record<string, (ctx: object, res: ServerResponse) => unknown> = {
  'pipeToNodeResponse(renderStreamAsync)': (ctx, res) => pipeToNodeResponse(page.renderStreamAsync(ctx), res as NodeResponse),
  'sendWebResponse(streamChunks(renderStreamAsync))': async (ctx, res) => sendWebResponse(await streamChunks(page.renderStreamAsync(ctx)), res as NodeResponse),
  'streamChunks(renderStreamAsync) read as a web stream': async (ctx, res) => webOut((await streamChunks(page.renderStreamAsync(ctx))).body!, res),
  'toReadableStream(renderStreamAsync)': (ctx, res) => webOut(toReadableStream(page.renderStreamAsync(ctx)), res),
  // (a fetch-style handler's Response over the runtime's stream: its chunks written as strings)
  'sendWebResponse(new Response(toReadableStream(renderStreamAsync)))': (ctx, res) => sendWebResponse(new Response(toReadableStream(page.renderStreamAsync(ctx))), res as NodeResponse),
};
const noWaits: Record<string, (ctx: object, res: ServerResponse) => unknown> = {
  'pipeToNodeResponse(renderStream)': (ctx, res) => pipeToNodeResponse(syncPage.renderStream(ctx), res as NodeResponse),
  'pipeToNodeResponse(renderStreamAsync)': (ctx, res) => pipeToNodeResponse(syncPage.renderStreamAsync(ctx), res as NodeResponse),
  'sendWebResponse(streamChunks(renderStream))': async (ctx, res) => sendWebResponse(await streamChunks(syncPage.renderStream(ctx)), res as NodeResponse),
  'sendWebResponse(streamChunks(renderStreamAsync))': async (ctx, res) => sendWebResponse(await streamChunks(syncPage.renderStreamAsync(ctx)), res as NodeResponse),
  'streamChunks(renderStreamAsync) read as a web stream': async (ctx, res) => webOut((await streamChunks(syncPage.renderStreamAsync(ctx))).body!, res),
  'toReadableStream(renderStream)': (ctx, res) => webOut(toReadableStream(syncPage.renderStream(ctx)), res),
  'sendWebResponse(new Response(toReadableStream(renderStreamAsync)))': (ctx, res) => sendWebResponse(new Response(toReadableStream(syncPage.renderStreamAsync(ctx))), res as NodeResponse),
};

let server: Server;
beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const [kind, name] = decodeURIComponent(req.url!.slice(1)).split('/', 2) as [string, string];
    if (kind === 'wait') void waits[name]!({ title: 'T ½', cards, slow: newGate() }, res);
    else void noWaits[name]!({ title: 'T ½', cards }, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

/** GETs a path; `onBytes` sees the body so far (as bytes) after each arrival. */
function get(path: string, onBytes: (sofar: Buffer) => void = () => {}): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: portOf(server), path: '/' + path.split('/').map(encodeURIComponent).join('/'), agent: false }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (b: Buffer) => {
        parts.push(b);
        onBytes(Buffer.concat(parts));
      });
      res.on('end', () => resolve(Buffer.concat(parts)));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('what precedes a wait is sent while the wait lasts, and the bytes are the buffered render', () => {
  let whole: Buffer;
  let before: Buffer;
  beforeAll(async () => {
    whole = Buffer.from(await page.renderAsync({ title: 'T ½', cards, slow: 'DATA' }));
    before = whole.subarray(0, whole.indexOf('DATA'));
  });
  for (const name of Object.keys(waits))
    it(name, async () => {
      let opened = false;
      let early: Buffer | null = null;
      const body = await get(`wait/${name}`, (sofar) => {
        // (nothing after the wait can arrive before it ends: the server cannot have rendered it)
        if (!opened && sofar.length >= before.length) {
          early = sofar;
          opened = true;
          gate!.open('DATA');
        }
      });
      expect(opened).toBe(true);
      expect(early!.equals(before)).toBe(true); // all of it, and only it, while the wait lasted
      expect(body.equals(whole)).toBe(true);
    }, 10_000);
});

describe('a page without a wait: the same bytes whichever way it is sent', () => {
  const whole = Buffer.from(syncPage.render({ title: 'T ½', cards }));
  for (const name of Object.keys(noWaits))
    it(name, async () => {
      expect((await get(`sync/${name}`)).equals(whole)).toBe(true);
    });
});

describe("kida/hono's body on Node", () => {
  it('is written once: read after sendWebResponse took it, it errors rather than render again', async () => {
    const response = await streamChunks(syncPage.renderStreamAsync({ title: 'T', cards: cards.slice(0, 3) }));
    let sent = '';
    const res = Object.assign(new EventEmitter(), {
      statusCode: 200, headersSent: false, writableEnded: false, destroyed: false,
      setHeader() {}, getHeader: () => 'text/html', destroy() {},
      write(s: string) { sent += s; return true; },
      end(s = '') { sent += s; this.writableEnded = true; this.emit('close'); },
    });
    expect(await sendWebResponse(response, res as unknown as NodeResponse)).toBe('done');
    expect(sent).toBe(syncPage.render({ title: 'T', cards: cards.slice(0, 3) }));
    await expect(response.body!.getReader().read()).rejects.toThrow(/sent by sendWebResponse/);
  });
  it('is read as a web stream when something read it first (the rest is sent as bytes)', async () => {
    const response = await streamChunks(syncPage.renderStreamAsync({ title: 'T', cards }), { highWaterMark: 1000 });
    const reader = response.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    reader.releaseLock();
    const parts: string[] = [];
    const res = Object.assign(new EventEmitter(), {
      statusCode: 200, headersSent: false, writableEnded: false, destroyed: false,
      setHeader() {}, getHeader: () => 'text/html', destroy() {},
      write(b: Uint8Array) { parts.push(new TextDecoder().decode(b)); return true; },
      end() { this.writableEnded = true; this.emit('close'); },
    });
    expect(await sendWebResponse(response, res as unknown as NodeResponse)).toBe('done');
    expect(first + parts.join('')).toBe(syncPage.render({ title: 'T', cards }));
  });
});

/** A response stub: what was written (strings or bytes, decoded), and whether it was destroyed. */
function stub(onWrite: (res: EventEmitter & { writableEnded: boolean }) => void = () => {}) {
  const out = { parts: [] as unknown[], destroyed: false, status: 200 };
  const res = Object.assign(new EventEmitter(), {
    statusCode: 200, headersSent: false, writableEnded: false, destroyed: false,
    setHeader() {}, getHeader: () => 'text/html',
    destroy() { out.destroyed = true; this.emit('close'); },
    write(x: unknown) { this.headersSent = true; out.parts.push(x); onWrite(this); return true; },
    end(x: unknown = '') { out.parts.push(x); out.status = this.statusCode; this.writableEnded = true; this.emit('close'); },
  });
  const text = () => out.parts.map((p) => (typeof p === 'string' ? p : new TextDecoder().decode(p as Uint8Array))).join('');
  return { res: res as unknown as NodeResponse, out, text };
}

describe("the runtime's toReadableStream as a Response body on Node (sendWebResponse)", () => {
  const ctx = { title: 'T', cards: cards.slice(0, 3) };
  it('an unread body is written as strings, and is locked: nothing else renders it again', async () => {
    const response = new Response(toReadableStream(syncPage.renderStreamAsync(ctx)));
    const { res, out, text } = stub();
    expect(await sendWebResponse(response, res)).toBe('done');
    expect(text()).toBe(syncPage.render(ctx));
    expect(out.parts.every((p) => typeof p === 'string')).toBe(true);
    expect(response.body!.locked).toBe(true);
  });
  it('a body something read first is sent as bytes from where that read stopped', async () => {
    const response = new Response(toReadableStream(syncPage.renderStreamAsync({ title: 'T', cards }), { highWaterMark: 1000 }));
    const reader = response.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    reader.releaseLock();
    const { res, text } = stub();
    expect(await sendWebResponse(response, res)).toBe('done');
    expect(first + text()).toBe(syncPage.render({ title: 'T', cards }));
  });
  it('a failure before any byte is a 500; after bytes the response is cut off; neither is reported', async () => {
    const errors: unknown[] = [];
    const log = console.error;
    console.error = (...a: unknown[]) => errors.push(a);
    try {
      const early = stub();
      expect(await sendWebResponse(new Response(toReadableStream(env.fromString('{{ none.x }}').renderStreamAsync({ none: null }))), early.res)).toBe('failed');
      expect(early.out.status).toBe(500);
      const late = stub();
      // (over 64 KB before the error: a write has left)
      const big = env.fromString('{% for c in cards %}{{ c.name }}{{ c.text }}{% end %}{{ await p }}{{ none.x }}');
      const all = big.renderStreamAsync({ cards, p: Promise.resolve(''), none: null });
      expect(await sendWebResponse(new Response(toReadableStream(all)), late.res)).toBe('failed');
      expect(late.out.destroyed).toBe(true);
      expect(late.text().length).toBeGreaterThanOrEqual(65536);
      expect(env.fromString('{% for c in cards %}{{ c.name }}{{ c.text }}{% end %}').render({ cards }).startsWith(late.text())).toBe(true);
    } finally {
      console.error = log;
    }
    expect(errors).toEqual([]);
  });
  it('a client that leaves closes the render and its data source', async () => {
    const log: string[] = [];
    function* rows() {
      try {
        for (let i = 0; ; i++) yield { name: `r${i}`, text: 'x'.repeat(100) };
      } finally {
        log.push('closed');
      }
    }
    const { res } = stub((r) => r.emit('close'));
    expect(await sendWebResponse(new Response(toReadableStream(syncPage.renderStreamAsync({ title: 'T', cards: rows() }))), res)).toBe('aborted');
    expect(log).toEqual(['closed']);
  });
});
