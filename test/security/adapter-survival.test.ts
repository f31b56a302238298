// The adapters that landed last (kida/fastify, kida/koa, kida/sse, kida/cache, kida/nunjucks,
// {% defer %} through them), swept for issue #19's classes 1, 5 and 6:
// - nothing a template or its data does through them ends the process: a child process runs
//   failing templates and rejecting context promises (before the first byte, after it, after
//   the client left; handler results returned, awaited and dropped) with
//   --unhandled-rejections=strict and must exit 0 with nothing on stderr;
// - a sandboxed and a trusted view environment sharing a kida/cache store never exchange a fragment;
// - `__proto__`/`constructor` as view names, locals, cache keys, SSE event names and ids are data.
// (dist/: `npx tsc -p tsconfig.json` first.)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import Fastify from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { kidaFastify } from '../../adapters/fastify.js';
import { kvStore, redisStore } from '../../adapters/cache.js';
import { formatEvent } from '../../adapters/sse.js';
import { DictLoader, Environment } from '../../compiler/environment.js';

const root = join(import.meta.dirname, '../..');

describe('adapters: nothing ends the process', () => {
  it('a child process with --unhandled-rejections=strict exits 0, reports nothing, and every request is answered', () => {
    const r = spawnSync(process.execPath, ['--unhandled-rejections=strict', join(import.meta.dirname, 'adapter-survival-child.mjs'), root], {
      encoding: 'utf8',
      timeout: 120_000,
      cwd: root,
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const { out, failures } = JSON.parse(r.stdout) as { out: Record<string, Record<string, unknown>>; failures: unknown[][] };
    for (const [k, v] of Object.entries(out)) expect(v.hung, k).toBeUndefined();
    // before the first byte: the framework's error handler answers, returned, awaited or dropped
    for (const k of ['fastify early', 'fastify ctxearly', 'fastify await early', 'fastify drop early', 'fastify drop ctxearly'])
      expect(out[k], k).toMatchObject({ status: 500, body: expect.stringMatching(/^handled \w+\.kida$/) });
    for (const k of ['koa early', 'koa ctxearly']) expect(out[k]).toMatchObject({ status: 500 });
    // after it: the response is cut, never complete-looking
    for (const k of ['fastify late', 'fastify ctx', 'fastify drop late', 'koa late', 'koa ctx']) expect(out[k], k).toMatchObject({ status: 200, cut: true });
    expect(failures).toContainEqual(['fastify', 'late.kida', true]);
    // a dropped ctx.render: Koa has answered (404) already; the failure is still reported
    expect(failures.filter((f) => f[0] === 'koa' && f[1] === 'ctxearly.kida')).toHaveLength(2);
    // hostile locals / ctx.state are data: no prototype, no key from `constructor.prototype`
    for (const k of ['fastify proto', 'koa proto']) expect(out[k]).toMatchObject({ status: 200, body: '[-|L]' });
    for (const n of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      expect(out[`fastify ${n}`]).toMatchObject({ status: 500, body: 'handled TemplateNotFoundError' });
      expect(out[`koa ${n}`]).toMatchObject({ status: 500 });
    }
    for (const n of ['__proto__', 'constructor']) expect(out[`njk ${n}`]).toMatchObject({ status: 500, body: `njk error Template '${n}.njk' not found` });
    // SSE: the first event leaves, the failing render cuts the stream; names and ids are data
    expect(out['sse rows']).toMatchObject({ body: 'event: __proto__\nid: constructor0\ndata: <li>1</li>\n\n', cut: true });
    expect(out['sse num']).toMatchObject({ body: 'event: __proto__\nid: 0\ndata: <li>1</li>\n\n' });
    expect(out['sse web']).toMatchObject({ cut: true });
    expect(failures).toContainEqual(['sse', 'source failed']);
    for (const k of ['njk early', 'njk cb early']) expect(out[k]).toMatchObject({ status: 500 });
  }, 150_000);

  it('in process: no unhandledRejection while a dropped reply.view fails', async () => {
    const seen: unknown[] = [];
    const on = (e: unknown) => seen.push(e);
    process.on('unhandledRejection', on);
    try {
      const app = Fastify();
      const env = new Environment({ loader: new DictLoader({ 'bad.kida': '{{ await p }}' }) });
      await app.register(kidaFastify, { env });
      app.setErrorHandler((err, req, reply) => reply.code(502).send('err'));
      app.get('/', (req, reply) => {
        void reply.view('bad.kida', { p: Promise.reject(new Error('late')) });
      });
      const res = await app.inject({ method: 'GET', url: '/' });
      expect([res.statusCode, res.body]).toEqual([502, 'err']);
      await new Promise((r) => setTimeout(r, 50));
      await app.close();
    } finally {
      process.off('unhandledRejection', on);
    }
    expect(seen).toEqual([]);
  });
});

describe('adapters: sandboxed and trusted views sharing a kida/cache store', () => {
  const views = mkdtempSync(join(tmpdir(), 'kida-scope-'));
  afterAll(() => rmSync(views, { recursive: true, force: true }));
  writeFileSync(join(views, 'c.kida'), '{% cache k %}{{ who }}{% end %}{{ await done }}');
  const key = fc.oneof(fc.constantFrom('__proto__', 'constructor', '\u0000sb\u0000a', '\u0000', 'a', '\u0000\u0000sb\u0000a'), fc.string({ maxLength: 6 }));

  for (const [name, makeStore] of [
    ['kvStore', () => {
      const m = new Map<string, string>();
      return kvStore({ get: async (k) => m.get(k) ?? null, put: async (k, v) => void m.set(k, v) });
    }],
    ['redisStore', () => {
      const m = new Map<string, string>();
      return redisStore({ isOpen: true, get: async (k: string) => m.get(k) ?? null, set: async (k: string, v: string) => void m.set(k, v) } as never);
    }],
  ] as const) {
    it(`${name}: through kida/fastify, neither serves the other's fragment, for any key from data`, async () => {
      const store = makeStore();
      const app = Fastify();
      await app.register(kidaFastify, { views, environment: { fragmentCache: store } });
      await app.register(kidaFastify, { views, decorator: 'sandboxedView', environment: { fragmentCache: store, sandbox: true } });
      app.get('/t', (req, reply) => reply.view('c.kida', { k: (req.query as { k: string }).k, who: 'trusted', done: '' }));
      app.get('/s', (req, reply) => (reply as unknown as { sandboxedView: typeof reply.view }).sandboxedView('c.kida', { k: (req.query as { k: string }).k, who: 'sandboxed', done: '' }));
      const ask = async (path: string, k: string) => (await app.inject({ method: 'GET', url: path, query: { k } })).body;
      await fc.assert(
        fc.asyncProperty(key, async (k) => {
          const first = await ask('/s', k); // the sandbox writes first: a trusted render must not read it
          expect(first).toBe('sandboxed');
          await new Promise((r) => setTimeout(r, 2)); // (writes are not awaited by the render)
          expect(await ask('/t', k)).toBe('trusted');
          await new Promise((r) => setTimeout(r, 2));
          expect(await ask('/s', k)).toBe('sandboxed');
          // a planted key: the sandbox's "\0sb\0" + k written as a trusted key
          expect(await ask('/t', '\u0000sb\u0000' + k)).toBe('trusted');
        }),
        { numRuns: 25, seed: 19 },
      );
      await app.close();
      expect(Object.prototype).not.toHaveProperty('polluted');
    });
  }
});

describe('adapters: names are data', () => {
  it('SSE event names and ids: any string that is not refused is sent verbatim as one field', () => {
    const name = fc.oneof(fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty', 'data', 'retry'), fc.string());
    fc.assert(fc.property(name, name, fc.string({ minLength: 1 }), (event, id, data) => {
      let text: string;
      try {
        text = formatEvent({ data, event, id });
      } catch (e) {
        // refused only for a line break (and NUL in an id), which could add a field
        expect(/[\r\n]/.test(event + id) || id.includes('\u0000')).toBe(true);
        expect(e).toBeInstanceOf(TypeError);
        return;
      }
      const lines = text.split('\n');
      expect(lines.slice(0, 2)).toEqual([`event: ${event}`, `id: ${id}`]);
      expect(lines.slice(2, -2).every((l) => l.startsWith('data: '))).toBe(true);
      expect(lines.slice(-2)).toEqual(['', '']);
    }), { numRuns: 500 });
    expect(formatEvent({ data: 'x', id: 7 as unknown as string })).toBe('id: 7\ndata: x\n\n');
  });
});
