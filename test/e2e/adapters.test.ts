// kida/express and kida/hono end to end on loopback (through the built package, as apps import it):
// streaming by default, errors before the first byte vs after, clients that leave.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { afterAll, describe, expect, it } from 'vitest';
// The built package (dist), resolved through package.json exports as an app resolves it.
import { kida, streamTemplate, kidaEngine } from 'kida/express';
import { streamResponse, streamChunks } from 'kida/hono';
import { sendWebResponse } from 'kida/node';
import { DictLoader, Environment } from '../../compiler/environment.js';
import { portOf, waitFor, get, getAndLeave, source } from '../loopback-support.js';

const views = mkdtempSync(join(tmpdir(), 'kida-views-'));
afterAll(() => rmSync(views, { recursive: true, force: true }));
writeFileSync(join(views, 'base.kida'), '<html><head><title>{{ title }}</title></head><body>{% block main %}{% end %}</body></html>');
writeFileSync(
  join(views, 'list.kida'),
  '{% extends "base.kida" %}{% block main %}<h1>{{ title }}</h1><ul>\n{% async for row in rows %}<li>{{ row }}</li>\n{% end %}</ul><footer>{{ site }}</footer>{% end %}',
);
writeFileSync(join(views, 'early.kida'), '{{ missing.attr }}');
mkdirSync(join(views, 'pages'));
writeFileSync(join(views, 'pages', 'early.kida'), '{{ missing.attr }}');
writeFileSync(join(views, 'locals.kida'), '{{ site }}|{{ user }}|{{ settings is defined }}|{{ note }}');

async function close(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
}

const reference = new Environment({
  loader: new DictLoader({
    'base.kida': '<html><head><title>{{ title }}</title></head><body>{% block main %}{% end %}</body></html>',
    'list.kida':
      '{% extends "base.kida" %}{% block main %}<h1>{{ title }}</h1><ul>\n{% async for row in rows %}<li>{{ row }}</li>\n{% end %}</ul><footer>{{ site }}</footer>{% end %}',
  }),
});
const expected = () => reference.getTemplate('list.kida').renderAsync({ title: 'A & B', site: 'S', rows: source(0).rows() });

describe('kida/express', () => {
  function app(failures: unknown[][] = []) {
    const a = express();
    a.set('views', views);
    a.locals.site = 'S';
    a.use(kida(a, { onError: (e: unknown, where: unknown) => failures.push([e, where]) }));
    return a;
  }
  function listen(a: express.Express): Promise<Server> {
    return new Promise((resolve) => {
      const s = a.listen(0, '127.0.0.1', () => resolve(s));
    });
  }

  it('res.render streams: the head leaves before the slow data, the page equals renderAsync, escaped', async () => {
    const a = app();
    const { stats, rows } = source(300);
    a.get('/', (req, res) => res.render('list', { title: 'A & B', rows: rows() }));
    const server = await listen(a);
    try {
      const r = await get(portOf(server), '/', () => performance.now() >= stats.dataAt);
      expect(r.status).toBe(200);
      expect(r.early).toContain('<title>A &amp; B</title>');
      expect(r.early).toContain('<li>&lt;first&gt;</li>');
      expect(r.early).not.toContain('row 0');
      expect(r.body).toBe(await expected());
      expect(stats.released).toBe(1);
    } finally {
      await close(server);
    }
  });

  it('res.render with a callback renders a string; app.locals and res.locals reach the view, settings do not', async () => {
    const a = app();
    a.get('/', (req, res) => {
      res.locals.user = '<u>';
      res.render('locals', { note: 'n' }, (err: unknown, html?: string) => (err ? res.status(500).end() : res.type('text').send(`[${html}]`)));
    });
    a.get('/stream', (req, res) => {
      res.locals.user = '<u>';
      res.render('locals', { note: 'n' });
    });
    const server = await listen(a);
    try {
      expect((await get(portOf(server), '/')).body).toBe('[S|&lt;u&gt;|False|n]');
      expect((await get(portOf(server), '/stream')).body).toBe('S|&lt;u&gt;|False|n');
    } finally {
      await close(server);
    }
  });

  it("an error before the first byte reaches Express's error handler; a missing view too", async () => {
    const failures: unknown[][] = [];
    const a = app(failures);
    a.set('views', join(views, 'pages')); // ../locals.kida exists, outside these views
    a.get('/early', (req, res) => res.render('early'));
    a.get('/nope', (req, res) => res.render('nope'));
    a.get('/escape', (req, res) => res.render('../locals'));
    a.use((err: { templateName?: string; message: string }, req: unknown, res: express.Response, _next: unknown) => {
      res.status(503).type('text').send(`handled ${err.templateName ?? err.message.slice(0, 21)}`);
    });
    const server = await listen(a);
    try {
      expect(await get(portOf(server), '/early')).toMatchObject({ status: 503, body: 'handled early.kida', aborted: false });
      expect(await get(portOf(server), '/nope')).toMatchObject({ status: 503, body: 'handled Failed to lookup view', aborted: false });
      expect((await get(portOf(server), '/escape')).body).toMatch(/^handled kida: view \//); // outside the views: refused
      expect(failures).toHaveLength(0); // Express handled them all
    } finally {
      await close(server);
    }
  });

  it('a data source that fails after the first bytes: the response is cut off, reported with template and line', async () => {
    const failures: unknown[][] = [];
    const a = app(failures);
    a.get('/', (req, res) => res.render('list', { title: 't', rows: source(10, { failAfter: 1 }).rows() }));
    const server = await listen(a);
    try {
      const replies = await Promise.all(Array.from({ length: 20 }, () => get(portOf(server), '/')));
      for (const r of replies) {
        expect(r).toMatchObject({ status: 200, aborted: true });
        expect(r.body).toContain('<li>&lt;first&gt;</li>'); // what had left; row 0 was still pending
        expect(r.body).not.toContain('</html>');
      }
      expect(failures).toHaveLength(20);
      expect(failures[0]![1]).toEqual({ template: 'list.kida', line: 2, afterFirstBytes: true });
    } finally {
      await close(server);
    }
  });

  it("200 clients that leave: every view render's data source is released", async () => {
    const { stats, rows } = source(5_000);
    const a = app();
    a.get('/', (req, res) => res.render('list', { title: 't', rows: rows() }));
    const server = await listen(a);
    try {
      for (let i = 0; i < 4; i++) await Promise.all(Array.from({ length: 50 }, () => getAndLeave(portOf(server), '/')));
      await waitFor(() => stats.released === 200);
      expect(stats).toMatchObject({ opened: 200, released: 200 });
    } finally {
      await close(server);
    }
  });

  it('streamTemplate streams a compiled module; kidaEngine alone (no middleware) renders strings', async () => {
    const { page } = await import('../../examples/streaming/build.mjs');
    const { pageContext } = await import('../../examples/streaming/data.mjs');
    const a = express();
    a.set('views', views);
    a.engine('kida', kidaEngine());
    a.set('view engine', 'kida');
    a.locals.site = 'S';
    a.get('/compiled', (req, res) => void streamTemplate(res, page, pageContext({ delayMs: 20 })));
    a.get('/plain', (req, res) => res.render('locals', { user: 'u', note: '<n>' }));
    const server = await listen(a);
    try {
      expect((await get(portOf(server), '/compiled')).body).toBe(await page.renderAsync(pageContext({ delayMs: 0 })));
      const plain = await get(portOf(server), '/plain');
      expect(plain.body).toBe('S|u|False|&lt;n&gt;');
    } finally {
      await close(server);
    }
  });
});

describe('kida/hono (web Response) through fetch and a node:http bridge', () => {
  async function bridge(handler: (path: string) => Promise<Response>): Promise<Server> {
    const server = createServer(async (req, res) => void sendWebResponse(await handler(req.url!), res));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return server;
  }
  const t = reference.getTemplate('list.kida');

  it('streamResponse: head before the slow data, same page as renderAsync, HTML content type', async () => {
    const { stats, rows } = source(300);
    const server = await bridge(() => streamResponse(t, { title: 'A & B', site: 'S', rows: rows() }, { headers: { 'x-kida': '1' } }));
    try {
      const res = await fetch(`http://127.0.0.1:${portOf(server)}/`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(res.headers.get('x-kida')).toBe('1');
      const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
      let early = '';
      let body = '';
      for (let r = await reader.read(); !r.done; r = await reader.read()) {
        if (performance.now() < stats.dataAt) early += r.value;
        body += r.value;
      }
      expect(early).toContain('<li>&lt;first&gt;</li>');
      expect(early).not.toContain('row 0');
      expect(body).toBe(await expected());
    } finally {
      await close(server);
    }
  });

  it('a render that fails at once is a 500; a later failure errors the body; both reported', async () => {
    const failures: unknown[] = [];
    const onError = (_e: unknown, where: unknown) => failures.push(where);
    const early = reference.fromString('{{ nope.x }}', { name: 'e.kida' });
    const server = await bridge((path) =>
      path === '/early' ? streamResponse(early, {}, { onError }) : streamResponse(t, { title: 't', site: 's', rows: source(10, { failAfter: 2 }).rows() }, { onError }),
    );
    try {
      const r500 = await fetch(`http://127.0.0.1:${portOf(server)}/early`);
      expect([r500.status, await r500.text()]).toEqual([500, 'Internal Server Error']);
      const late = await fetch(`http://127.0.0.1:${portOf(server)}/late`);
      expect(late.status).toBe(200);
      await expect(late.text()).rejects.toThrow(); // cut off, not a complete page
      await waitFor(() => failures.length === 2);
      expect(failures).toEqual([
        { template: 'e.kida', line: 1, afterFirstBytes: false },
        { template: 'list.kida', line: 2, afterFirstBytes: true },
      ]);
    } finally {
      await close(server);
    }
  });

  it('a render failing after the client cancelled, while it waited, is not reported', async () => {
    const failures: unknown[] = [];
    let fail!: (e: Error) => void;
    async function* rows() {
      yield 'first';
      await new Promise((_, reject) => (fail = reject));
    }
    const res = await streamResponse(t, { title: 't', site: 's', rows: rows() }, { onError: (_e, where) => failures.push(where) });
    const reader = res.body!.getReader();
    await reader.read();
    const cancelled = reader.cancel();
    await waitFor(() => fail !== undefined);
    fail(new Error('the data source failed after the client left'));
    await cancelled;
    await new Promise((r) => setTimeout(r, 50));
    expect(failures).toEqual([]);
  });

  it("a cancelled body closes the render (the source's finally runs), directly and over HTTP", async () => {
    const { stats, rows } = source(5_000);
    const res = await streamResponse(t, { title: 't', site: 's', rows: rows() });
    const reader = res.body!.getReader();
    await reader.read();
    await reader.cancel();
    await waitFor(() => stats.released === 1);
    const server = await bridge(() => streamResponse(t, { title: 't', site: 's', rows: rows() }));
    try {
      await Promise.all(Array.from({ length: 100 }, () => getAndLeave(portOf(server), '/')));
      await waitFor(() => stats.released === 101);
      expect(stats).toMatchObject({ opened: 101, released: 101 });
    } finally {
      await close(server);
    }
  });

  it('streamChunks serves renderStream and block streams alike', async () => {
    const page = reference.fromString('<p>{% block b %}{% for x in xs %}{{ x }},{% endfor %}{% endblock %}</p>', { name: 'p.html' });
    const ctx = { xs: ['<', '&'] };
    expect(await (await streamChunks(page.renderStream(ctx))).text()).toBe('<p>&lt;,&amp;,</p>');
    expect(await (await streamChunks(page.renderBlockStreamAsync('b', ctx))).text()).toBe('&lt;,&amp;,');
    expect(await (await streamChunks([])).text()).toBe('');
  });
});
