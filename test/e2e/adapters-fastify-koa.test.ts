// kida/fastify and kida/koa end to end on loopback (real servers, node:http client, through the
// built package as apps import it): streaming, errors before and after the first bytes, clients
// that leave.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import Fastify from 'fastify';
import Koa from 'koa';
import { afterAll, describe, expect, it } from 'vitest';
import { kidaFastify } from 'kida/fastify';
import { kida as kidaKoa } from 'kida/koa';
import { DictLoader, Environment } from '../../compiler/environment.js';
import { portOf, waitFor, get, getAndLeave, source } from '../loopback-support.js';

const views = mkdtempSync(join(tmpdir(), 'kida-views-'));
afterAll(() => rmSync(views, { recursive: true, force: true }));
const BASE = '<html><head><title>{{ title }}</title></head><body>{% block main %}{% end %}</body></html>';
const LIST = '{% extends "base.kida" %}{% block main %}<h1>{{ title }}</h1><ul>\n{% async for row in rows %}<li>{{ row }}</li>\n{% end %}</ul><footer>{{ site }}</footer>{% end %}';
writeFileSync(join(views, 'base.kida'), BASE);
writeFileSync(join(views, 'list.kida'), LIST);
writeFileSync(join(views, 'early.kida'), '{{ missing.attr }}');
const reference = new Environment({ loader: new DictLoader({ 'base.kida': BASE, 'list.kida': LIST }) });
const compiled = new Environment({ loader: new DictLoader({ 'base.kida': BASE, 'list.kida': LIST }) }).getTemplate('list.kida');

const expected = (title: string, site: string) => reference.getTemplate('list.kida').renderAsync({ title, site, rows: source(0).rows() });

/** The same scenarios against both frameworks: each app serves /list, /compiled, /early, /late, /leave. */
interface Harness {
  start(hooks: { rows: () => AsyncGenerator<string>; failures: unknown[][] }): Promise<{ server: Server; close(): Promise<void> }>;
  /** What the framework's error handler answers for an error before the first byte. */
  early: { status: number; body: RegExp };
}

const fastify: Harness = {
  early: { status: 503, body: /^handled early\.kida$/ },
  async start({ rows, failures }) {
    const app = Fastify();
    await app.register(kidaFastify, { views, onError: (e, where) => failures.push([e, where]) });
    app.addHook('onRequest', async (req, reply) => {
      (reply as unknown as { locals: object }).locals = { site: 'S' };
    });
    app.setErrorHandler((err: { templateName?: string }, req, reply) => reply.code(503).type('text/plain').send(`handled ${err.templateName}`));
    app.get('/list', (req, reply) => reply.header('x-kida', '1').view('list.kida', { title: 'A & B', rows: rows() }));
    app.get('/compiled', (req, reply) => reply.code(201).view(compiled, { title: 'A & B', site: 'S', rows: rows() }));
    app.get('/early', (req, reply) => reply.view('early.kida'));
    await app.listen({ port: 0, host: '127.0.0.1' });
    return { server: app.server, close: () => app.close() };
  },
};

const koa: Harness = {
  early: { status: 503, body: /^handled early\.kida$/ },
  async start({ rows, failures }) {
    const app = new Koa();
    app.silent = true;
    app.on('error', (e: { kida?: unknown }) => failures.push([e, e.kida]));
    app.use(async (ctx, next) => {
      try {
        await next();
      } catch (err) {
        ctx.status = 503;
        ctx.body = `handled ${(err as { templateName?: string }).templateName}`;
      }
    });
    app.use(kidaKoa({ views }));
    app.use(async (ctx) => {
      ctx.state.site = 'S';
      if (ctx.path === '/list') {
        ctx.set('x-kida', '1');
        await ctx.render('list.kida', { title: 'A & B', rows: rows() });
      } else if (ctx.path === '/compiled') {
        ctx.status = 201;
        await ctx.render(compiled, { title: 'A & B', rows: rows() });
      } else if (ctx.path === '/early') await ctx.render('early.kida');
    });
    const server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    return {
      server,
      close: async () => {
        server.closeAllConnections();
        await new Promise((r) => server.close(r));
      },
    };
  },
};

for (const [name, h] of [
  ['kida/fastify', fastify],
  ['kida/koa', koa],
] as const) {
  describe(name, () => {
    it('streams a view: the head leaves before the slow data, same page as renderAsync, headers kept', async () => {
      const { stats, rows } = source(300);
      const app = await h.start({ rows, failures: [] });
      try {
        const r = await get(portOf(app.server), '/list', () => performance.now() >= stats.dataAt);
        expect(r.status).toBe(200);
        expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
        expect(r.headers['x-kida']).toBe('1');
        expect(r.early).toContain('<title>A &amp; B</title>');
        expect(r.early).toContain('<li>&lt;first&gt;</li>');
        expect(r.early).not.toContain('row 0');
        expect(r.body).toBe(await expected('A & B', 'S'));
        expect(r.aborted).toBe(false);
        expect(stats.released).toBe(1);
        const c = await get(portOf(app.server), '/compiled');
        expect([c.status, c.body]).toEqual([201, await expected('A & B', 'S')]);
      } finally {
        await app.close();
      }
    });

    it("an error before the first byte reaches the framework's error handler", async () => {
      const failures: unknown[][] = [];
      const app = await h.start({ rows: source(0).rows, failures });
      try {
        const r = await get(portOf(app.server), '/early');
        expect([r.status, r.aborted]).toEqual([h.early.status, false]);
        expect(r.body).toMatch(h.early.body);
        expect(failures).toHaveLength(0); // the framework handled it
      } finally {
        await app.close();
      }
    });

    it('a render error after the first bytes: the connection is cut (never a complete-looking page), reported with template and line', async () => {
      const failures: unknown[][] = [];
      const app = await h.start({ rows: source(10, { failAfter: 1 }).rows, failures });
      try {
        const replies = await Promise.all(Array.from({ length: 20 }, () => get(portOf(app.server), '/list')));
        for (const r of replies) {
          expect(r).toMatchObject({ status: 200, aborted: true });
          expect(r.body).toContain('<li>&lt;first&gt;</li>');
          expect(r.body).not.toContain('</html>');
        }
        await waitFor(() => failures.length === 20);
        expect(String(failures[0]![0])).toContain('cursor failed');
        expect(failures[0]![1]).toEqual({ template: 'list.kida', line: 2, afterFirstBytes: true });
      } finally {
        await app.close();
      }
    });

    it("200 clients that leave after the first bytes: every data source's finally runs", async () => {
      const { stats, rows } = source(5_000);
      const app = await h.start({ rows, failures: [] });
      try {
        for (let i = 0; i < 4; i++) {
          const firsts = await Promise.all(Array.from({ length: 50 }, () => getAndLeave(portOf(app.server), '/list')));
          expect(firsts.every((f) => f.startsWith('<html><head><title>A &amp; B</title>'))).toBe(true);
        }
        await waitFor(() => stats.released === 200);
        expect(stats).toMatchObject({ opened: 200, released: 200 });
      } finally {
        await app.close();
      }
    });
  });
}

describe('kida/fastify without onError', () => {
  it("logs a late failure on Fastify's logger with template and line", async () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk, _enc, cb) {
        lines.push(String(chunk));
        cb();
      },
    });
    const app = Fastify({ logger: { level: 'error', stream } });
    await app.register(kidaFastify, { views });
    app.get('/', (req, reply) => reply.view('list.kida', { title: 't', site: 's', rows: source(10, { failAfter: 0 }).rows() }));
    await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      expect((await get(portOf(app.server), '/')).aborted).toBe(true);
      await waitFor(() => lines.length > 0);
      expect(JSON.parse(lines[0]!)).toMatchObject({ template: 'list.kida', line: 2, afterFirstBytes: true, err: { message: expect.stringContaining('cursor failed') } });
    } finally {
      await app.close();
    }
  });
});
