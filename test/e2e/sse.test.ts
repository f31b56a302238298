// kida/sse: fragments framed as server-sent events, read back with a parser written here from the
// WHATWG HTML spec ("Server-sent events", event stream interpretation), over loopback too.
import { request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DictLoader, Environment } from '../../compiler/environment.js';
import { blockEvents, eventStreamChunks, eventStreamResponse, formatEvent, toEventStream, type ServerEvent } from '../../adapters/sse.js';
import { pipeEventStream, type NodeResponse } from '../../adapters/node.js';

interface Parsed {
  type: string;
  data: string;
  lastEventId: string;
}
/**
 * The spec's parser: decode (a leading BOM dropped), split lines at CRLF, LF or CR, then per line:
 * empty → dispatch; `:` first → comment; else field name up to the first colon, value after it
 * with one leading space removed (no colon: the whole line is the name, the value empty).
 * `data` appends value + LF; `event` sets the type; `id` (without NUL) sets the last event id;
 * `retry` (ASCII digits only) sets the reconnection time; other fields are ignored. Dispatch: an
 * empty data buffer dispatches nothing; else the trailing LF is removed. An unterminated event at
 * the end of the stream is dropped.
 */
function parseEventStream(text: string): { events: Parsed[]; retry: number | null; comments: number } {
  if (text.startsWith('\uFEFF')) text = text.slice(1);
  const events: Parsed[] = [];
  let data = '';
  let type = '';
  let lastEventId = '';
  let retry: number | null = null;
  let comments = 0;
  const lines = text.split(/\r\n|\r|\n/);
  lines.pop(); // what follows the last line break is an incomplete line
  for (const line of lines) {
    if (line === '') {
      if (data === '') {
        type = '';
        continue;
      }
      events.push({ type: type || 'message', data: data.endsWith('\n') ? data.slice(0, -1) : data, lastEventId });
      data = '';
      type = '';
      continue;
    }
    if (line.startsWith(':')) {
      comments++;
      continue;
    }
    const colon = line.indexOf(':');
    const name = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (name === 'data') data += value + '\n';
    else if (name === 'event') type = value;
    else if (name === 'id') {
      if (!value.includes('\0')) lastEventId = value;
    } else if (name === 'retry') {
      if (/^[0-9]+$/.test(value)) retry = Number(value);
    }
  }
  return { events, retry, comments };
}

const normalize = (s: string) => s.replace(/\r\n|\r/g, '\n');
async function collect(chunks: AsyncIterable<string>): Promise<string> {
  let s = '';
  for await (const c of chunks) s += c;
  return s;
}
async function text(stream: ReadableStream<Uint8Array>): Promise<string> {
  return new Response(stream).text();
}

// Fragments made of what could break framing: line ends of every kind, field names, colons,
// spaces, a BOM, NUL, and ordinary text (graphemes, including astral ones).
const hostile = fc
  .array(
    fc.oneof(
      fc.constantFrom('\n', '\r', '\r\n', '\n\n', '\r\r', ':', ' ', 'data:', 'data: x', 'event: evil', 'id: 7', 'retry: 1', '\uFEFF', '\0', ': comment'),
      fc.string({ unit: 'grapheme', maxLength: 8 }),
    ),
    { maxLength: 12 },
  )
  .map((parts) => parts.join(''));

describe('framing (property): any fragment round-trips through a spec parser', () => {
  it('each fragment is one event whose data is the fragment (line ends read back as LF)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(hostile, { maxLength: 8 }), fc.option(fc.constantFrom('scores', 'message', 'a-b')), async (fragments, event) => {
        const wire = await collect(eventStreamChunks(fragments, { event: event ?? undefined, keepAlive: 0 }));
        const { events, comments } = parseEventStream(wire);
        const sent = fragments.filter((f) => f !== ''); // no event can carry empty data
        expect(events.map((e) => e.data)).toEqual(sent.map(normalize));
        expect(events.every((e) => e.type === (event ?? 'message') && e.lastEventId === '')).toBe(true);
        expect(comments).toBe(0); // a fragment's ':' never starts a line
        for (const f of sent) if (!/\r/.test(f)) expect(events.some((e) => e.data === f)).toBe(true); // exactly, without CR
      }),
      { numRuns: 300 },
    );
  });

  it('events with ids, types and retry: every field arrives as given, split at any byte', async () => {
    const ev = fc.record({
      data: hostile,
      event: fc.option(fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/), { nil: undefined }),
      id: fc.option(fc.string({ maxLength: 6 }).filter((s) => !/[\r\n\0]/.test(s)), { nil: undefined }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(ev, { maxLength: 6 }), fc.nat(5000), fc.integer({ min: 1, max: 7 }), async (evs, retry, step) => {
        const bytes = new Uint8Array(await new Response(toEventStream(evs, { retry, keepAlive: 0 })).arrayBuffer());
        // decode in pieces of `step` bytes, as a client receives them
        const dec = new TextDecoder();
        let wire = '';
        for (let i = 0; i < bytes.length; i += step) wire += dec.decode(bytes.subarray(i, i + step), { stream: true });
        const parsed = parseEventStream(wire + dec.decode());
        expect(parsed.retry).toBe(retry);
        let lastId = '';
        const want = evs
          .map((e: ServerEvent) => {
            if (e.data === '') return null;
            if (e.id !== undefined) lastId = e.id;
            return { type: e.event ?? 'message', data: normalize(e.data), lastEventId: lastId };
          })
          .filter(Boolean);
        expect(parsed.events).toEqual(want);
      }),
      { numRuns: 200 },
    );
  });

  it('a fragment cannot end its event or add a field', () => {
    const evil = 'ok\n\nevent: admin\nid: 999\nretry: 1\ndata: injected\r\rdata:x';
    expect(formatEvent(evil, 'scores')).toBe('event: scores\ndata: ok\ndata: \ndata: event: admin\ndata: id: 999\ndata: retry: 1\ndata: data: injected\ndata: \ndata: data:x\n\n');
    const { events, retry } = parseEventStream(formatEvent(evil, 'scores'));
    expect(events).toEqual([{ type: 'scores', data: normalize(evil), lastEventId: '' }]);
    expect(retry).toBeNull();
  });

  it('names and ids with line breaks (or an id with NUL) are refused; retry must be a whole number', () => {
    expect(() => formatEvent({ data: 'x', event: 'a\nb' })).toThrow(TypeError);
    expect(() => formatEvent({ data: 'x', id: '1\r' })).toThrow(TypeError);
    expect(() => formatEvent({ data: 'x', id: '1\0' })).toThrow(TypeError);
    expect(() => formatEvent({ data: 'x', retry: 1.5 })).toThrow(TypeError);
    expect(formatEvent({ data: '', retry: 10 })).toBe('retry: 10\n\n');
    expect(formatEvent('')).toBe('');
  });
});

describe('keep-alive and sources', () => {
  it('sends comment lines while the source is slow; the parser ignores them', async () => {
    async function* slow() {
      await new Promise((r) => setTimeout(r, 260));
      yield 'late';
    }
    const wire = await collect(eventStreamChunks(slow(), { keepAlive: 50 }));
    const { events, comments } = parseEventStream(wire);
    expect(comments).toBeGreaterThanOrEqual(2);
    expect(events.map((e) => e.data)).toEqual(['late']);
    expect(wire.endsWith('data: late\n\n')).toBe(true);
  });

  const env = new Environment({
    loader: new DictLoader({ 'live.html': '<div sse-swap="s">{% block s %}<ul>\n{% for x in xs %}<li>{{ x }}</li>\n{% end %}</ul>{% end %}</div>' }),
  });
  const t = env.getTemplate('live.html');

  it("blockEvents: a block per context, as the template's renderBlockAsync renders it, escaped", async () => {
    const contexts = [{ xs: ['<a>', 'b'] }, { xs: [] }, { xs: ['x\r\ny'] }];
    const { events } = parseEventStream(await collect(eventStreamChunks(blockEvents(t, 's', contexts, { event: 's', id: (_c, i) => `n${i}` }), { keepAlive: 0 })));
    expect(events).toEqual(await Promise.all(contexts.map(async (c, i) => ({ type: 's', data: normalize(await t.renderBlockAsync('s', c)), lastEventId: `n${i}` }))));
    expect(events[0]!.data).toBe('<ul>\n<li>&lt;a&gt;</li>\n<li>b</li>\n</ul>');
  });

  it("a template's chunks, one event each", async () => {
    const chunks = t.renderStreamAsync({ xs: [1, 2] });
    const { events } = parseEventStream(await text(toEventStream(chunks, { keepAlive: 0 })));
    expect(events.map((e) => e.data)).toEqual([...t.renderStream({ xs: [1, 2] })].filter(Boolean).map(normalize));
  });

  it("a cancelled web stream closes the source (its finally runs)", async () => {
    let closed = 0;
    async function* feed() {
      try {
        for (let i = 0; ; i++) {
          yield `tick ${i}`;
          await new Promise((r) => setTimeout(r, 5));
        }
      } finally {
        closed++;
      }
    }
    const res = eventStreamResponse(feed(), { keepAlive: 1000 });
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    const reader = res.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('data: tick 0\n\n');
    await reader.cancel();
    await new Promise((r) => setTimeout(r, 50));
    expect(closed).toBe(1);
  });
});

describe('the live-scores example (HTMX sse-swap) over loopback', () => {
  function open(port: number, path: string): Promise<{ status: number; headers: Record<string, unknown>; res: import('node:http').IncomingMessage; req: import('node:http').ClientRequest }> {
    return new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path, agent: false, headers: { accept: 'text/event-stream' } }, (res) =>
        resolve({ status: res.statusCode!, headers: res.headers, res, req }),
      );
      req.on('error', (e) => (req.destroyed ? undefined : reject(e)));
      req.end();
    });
  }

  it('the page holds the block under sse-swap; /events sends it per round, framed, and a client leaving closes the feed', async () => {
    const ex = await import('../../examples/sse/server.mjs');
    let closedFeeds = 0;
    const server: Server = await ex.start(0, { intervalMs: 30, count: 3, keepAlive: 10, onClose: () => closedFeeds++ });
    const port = (server.address() as AddressInfo).port;
    try {
      const page = await (await fetch(`http://127.0.0.1:${port}/`)).text();
      expect(page).toContain('<div hx-ext="sse" sse-connect="/events" sse-swap="scores">');
      expect(page).toContain(await ex.page.renderBlockAsync('scores', ex.scoresAt(0)));

      const { status, headers, res } = await open(port, '/events');
      expect(status).toBe(200);
      expect(headers['content-type']).toBe('text/event-stream; charset=utf-8');
      expect(headers['cache-control']).toBe('no-cache');
      res.setEncoding('utf8');
      let wire = '';
      for await (const c of res) wire += c;
      const parsed = parseEventStream(wire);
      expect(wire.startsWith('retry: 2000\n\n')).toBe(true);
      expect(parsed.retry).toBe(2000);
      expect(parsed.comments).toBeGreaterThanOrEqual(1); // keep-alive between rounds
      // framing: each event is event/id then one data: line per line of the block, then a blank line
      const first = await ex.page.renderBlockAsync('scores', ex.scoresAt(1));
      expect(wire).toContain(`event: scores\nid: 1\n${first.split('\n').map((l: string) => `data: ${l}\n`).join('')}\n`);
      expect(parsed.events).toEqual(
        await Promise.all([1, 2, 3].map(async (r) => ({ type: 'scores', data: await ex.page.renderBlockAsync('scores', ex.scoresAt(r)), lastEventId: String(r) }))),
      );
      expect(parsed.events[0]!.data).toContain('<td>Ants &lt;&amp;&gt;</td><td>1</td>');
      expect(closedFeeds).toBe(1);

      // an endless feed: the client reads one event and leaves
      const endless: Server = await ex.start(0, { intervalMs: 20, onClose: () => closedFeeds++ });
      try {
        const live = await open((endless.address() as AddressInfo).port, '/events');
        live.res.setEncoding('utf8');
        let got = '';
        for await (const c of live.res) {
          got += c;
          if (got.includes('id: 1\n')) break;
        }
        live.req.destroy();
        const until = Date.now() + 5000;
        while (closedFeeds < 2 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
        expect(closedFeeds).toBe(2);
      } finally {
        endless.closeAllConnections();
        await new Promise((r) => endless.close(r));
      }
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  it('pipeEventStream sends the headers before the first event', async () => {
    const { createServer } = await import('node:http');
    let eventAt = Infinity;
    const server = createServer((req, res) => {
      async function* later() {
        await new Promise((r) => setTimeout(r, 300));
        eventAt = performance.now();
        yield 'x';
      }
      void pipeEventStream(later(), res as unknown as NodeResponse, { keepAlive: 0 });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const { status, res } = await open((server.address() as AddressInfo).port, '/');
      expect(status).toBe(200);
      expect(performance.now()).toBeLessThan(eventAt); // the EventSource opens before the event exists
      res.setEncoding('utf8');
      let wire = '';
      for await (const c of res) wire += c;
      expect(wire).toBe('data: x\n\n');
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  it('a block that fails after events were sent: the stream is cut (the client reconnects), reported with template and line', async () => {
    const { createServer } = await import('node:http');
    const env = new Environment({ loader: new DictLoader({ 'feed.html': '{% block item %}<b>{{ n }}</b>\n<i>{{ 10 // n }}</i>{% end %}' }) });
    const t = env.getTemplate('feed.html');
    const reports: unknown[] = [];
    async function* contexts() {
      for (const n of [2, 1, 0]) {
        await new Promise((r) => setTimeout(r, 5));
        yield { n };
      }
    }
    const server = createServer((req, res) => {
      void pipeEventStream(blockEvents(t, 'item', contexts(), { event: 'item' }), res as unknown as NodeResponse, { keepAlive: 0, onError: (_e, where) => reports.push(where) });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const { res } = await open((server.address() as AddressInfo).port, '/');
      res.setEncoding('utf8');
      let wire = '';
      const aborted = await new Promise<boolean>((resolve) => {
        res.on('data', (c: string) => (wire += c));
        res.on('end', () => resolve(false));
        res.on('error', () => resolve(true));
        res.on('aborted', () => resolve(true));
      });
      expect(aborted).toBe(true);
      expect(parseEventStream(wire).events.map((e) => e.data)).toEqual(['<b>2</b>\n<i>5</i>', '<b>1</b>\n<i>10</i>']);
      expect(reports).toEqual([{ template: 'feed.html', line: 2, afterFirstBytes: true }]);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});
