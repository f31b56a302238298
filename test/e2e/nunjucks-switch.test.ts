// Switching an app from `nunjucks` to `kida/nunjucks` is its import line: the same app code
// (Express on loopback, real HTTP) runs against both modules and the responses are compared
// byte for byte; govuk components render through configure(...).render as Nunjucks renders them.
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import express from 'express';
import nunjucks from 'nunjucks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import kidaNunjucks from '../../adapters/nunjucks.js';

const GOVUK = join(dirname(createRequire(import.meta.url).resolve('govuk-frontend/package.json')), 'dist');
const views = join(import.meta.dirname, '.out-njk-switch');
type Api = typeof nunjucks;

beforeAll(() => {
  rmSync(views, { recursive: true, force: true });
  mkdirSync(join(views, 'parts'), { recursive: true });
  writeFileSync(join(views, 'layout.njk'), '<!doctype html>\n<title>{% block title %}{{ site }}{% endblock %}</title>\n<main>{% block body %}{% endblock %}</main>\n');
  writeFileSync(
    join(views, 'page.njk'),
    `{% extends "layout.njk" %}
{% from "govuk/components/button/macro.njk" import govukButton %}
{%- block title %}{{ title }} – {{ super() }}{% endblock -%}
{% block body %}
  {%- include "parts/nav.njk" -%}
  {% for item in items %}<p class="{{ 'odd' if loop.index % 2 else 'even' }}">{{ item.name | shout(mark="!") }} {{ item.html | safe }}</p>{% else %}none{% endfor %}
  {{ govukButton({ text: cta, href: "/go?a=1&b=2" }) }}
  {{ user.name if user else "guest" }} {{ visits }} {{ "<b>" | bold }}
{% endblock %}
`,
  );
  writeFileSync(join(views, 'parts/nav.njk'), '<nav>{% for l in links %}<a href="{{ l.href }}">{{ l.text }}</a>{% endfor %}</nav>');
});
afterAll(() => rmSync(views, { recursive: true, force: true }));

/** The app: one piece of code, given `nunjucks` or `kida/nunjucks`. */
function makeApp(njk: Api, extra: object = {}): express.Express {
  const app = express();
  const env = njk.configure([views, GOVUK], { autoescape: true, express: app, ...extra });
  env.addFilter('shout', (s: string, kw?: { mark?: string }) => s.toUpperCase() + (kw?.mark ?? ''));
  env.addFilter('bold', (s: string) => new njk.runtime.SafeString(`<b>${njk.lib.escape(s)}</b>`));
  env.addGlobal('site', 'Example & Co');
  app.set('view engine', 'njk');
  app.locals.links = [{ href: '/a?x=<1>', text: 'A & B' }, { href: '/b', text: 'B' }];
  app.use((_req, res, next) => {
    res.locals.visits = 3;
    next();
  });
  const ctx = { title: 'Home <1>', cta: 'Start now', items: [{ name: 'ada', html: '<i>x</i>' }, { name: 'bo', html: '' }], user: { name: 'Cy' } };
  app.get('/', (_req, res) => res.render('page', ctx));
  app.get('/explicit', (_req, res) => res.render('page.njk', { ...ctx, items: [], user: null }));
  app.get('/string', (_req, res) => res.send(njk.renderString('{{ a }}|{{ b | join(",") }}|{{ c }}|{{ d.e }}', { a: '<x>', b: [1, 2], c: true })));
  app.get('/callback', (_req, res) =>
    njk.render('parts/nav.njk', { links: [{ href: '"q"', text: "it's" }] }, (err, html) => (err ? res.status(500).send('no') : res.type('text/plain').send(html!))),
  );
  app.get('/missing', (_req, res) => res.render('nope'));
  app.get('/gone', (_req, res) => res.status(410).render('parts/nav', { links: [] }));
  app.get('/escape', (_req, res) => res.render('../package.json'));
  app.use((_err: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    res.status(500).send('error page');
  });
  return app;
}

async function fetchAll(app: express.Express, paths: string[]): Promise<Record<string, { status: number; headers: Record<string, string | null>; body: Buffer }>> {
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const out: Record<string, { status: number; headers: Record<string, string | null>; body: Buffer }> = {};
  try {
    for (const p of paths) {
      const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}${p}`);
      const headers = Object.fromEntries(['content-type', 'content-length', 'etag', 'transfer-encoding'].map((h) => [h, res.headers.get(h)]));
      out[p] = { status: res.status, headers, body: Buffer.from(await res.arrayBuffer()) };
    }
  } finally {
    server.close();
  }
  return out;
}

const PATHS = ['/', '/explicit', '/string', '/callback', '/missing', '/gone', '/escape'];

describe('kida/nunjucks: an app switched by its import line', () => {
  it('serves the same bytes, status and headers as Nunjucks (Express, loopback HTTP)', async () => {
    const theirs = await fetchAll(makeApp(nunjucks), PATHS);
    const ours = await fetchAll(makeApp(kidaNunjucks as unknown as Api), PATHS);
    for (const p of PATHS) {
      expect(ours[p]!.status, p).toBe(theirs[p]!.status);
      expect(ours[p]!.headers, p).toEqual(theirs[p]!.headers);
      expect(ours[p]!.body.equals(theirs[p]!.body), `${p}:\n${ours[p]!.body}\n---\n${theirs[p]!.body}`).toBe(true);
    }
    expect(ours['/']!.body.toString()).toContain('<title>Home &lt;1&gt; – Example &amp; Co</title>');
    expect(ours['/']!.body.toString()).toContain('ADA! <i>x</i>');
    expect(ours['/']!.body.toString()).toContain('href="/go?a=1&amp;b=2"');
    expect(ours['/missing']!.status).toBe(500);
    expect(ours['/gone']!.status).toBe(410);
    expect(ours['/escape']!.status).toBe(500); // (a view outside the search paths is not found)
  });

  it('with stream, res.render streams the same body (chunked, no Content-Length or ETag)', async () => {
    const paths = ['/', '/missing', '/gone', '/escape', '/callback'];
    const theirs = await fetchAll(makeApp(nunjucks), paths);
    // (a page shorter than the pipe's high-water mark goes out in one write: 64 makes it several)
    const ours = await fetchAll(makeApp(kidaNunjucks as unknown as Api, { stream: { highWaterMark: 64 } }), paths);
    for (const p of paths) expect([ours[p]!.status, ours[p]!.body.toString()], p).toEqual([theirs[p]!.status, theirs[p]!.body.toString()]);
    expect(ours['/']!.body.equals(theirs['/']!.body)).toBe(true);
    expect(ours['/']!.headers['transfer-encoding']).toBe('chunked');
    expect(ours['/']!.headers['content-length']).toBeNull();
    expect(ours['/']!.headers.etag).toBeNull();
    expect(ours['/']!.headers['content-type']).toMatch(/^text\/html/);
    // an error before the first byte still reaches the app's error handler
    expect([ours['/missing']!.status, ours['/missing']!.body.toString()]).toEqual([500, 'error page']);
  });

  it('renders govuk components through configure(...).render as Nunjucks does, fixture by fixture', () => {
    const components = ['button', 'tag', 'input', 'radios', 'summary-list', 'table', 'error-summary', 'header'];
    const page = join(views, 'component.njk');
    const ours = kidaNunjucks.configure([views, GOVUK]);
    const theirs = nunjucks.configure([views, GOVUK]);
    let n = 0;
    for (const c of components) {
      const macro = 'govuk' + c.replace(/(^|-)(\w)/g, (_m, _d, ch: string) => ch.toUpperCase());
      writeFileSync(page, `{% from "govuk/components/${c}/macro.njk" import ${macro} %}{{ ${macro}(params) }}`);
      ours.invalidateCache();
      theirs.invalidateCache();
      const { fixtures } = JSON.parse(readFileSync(join(GOVUK, 'govuk/components', c, 'fixtures.json'), 'utf8')) as { fixtures: { name: string; options: object }[] };
      for (const f of fixtures) {
        expect(ours.render('component.njk', { params: f.options }), `${c}: ${f.name}`).toBe(theirs.render('component.njk', { params: f.options }));
        n++;
      }
    }
    expect(n).toBeGreaterThan(150);
    expect(readdirSync(join(GOVUK, 'govuk/components')).length).toBeGreaterThan(components.length);
  });

  it('calls back as Nunjucks does: (err, res), after the call returns', async () => {
    const trace = async (njk: Api) => {
      const env = njk.configure(views);
      const log: string[] = [];
      await new Promise<void>((done) => {
        env.render('parts/nav.njk', { links: [] }, (err, res) => {
          log.push(`render ${err} ${res}`);
          env.render('nope.njk', {}, (err2, res2) => {
            log.push(`missing ${err2 instanceof Error} ${res2}`);
            env.renderString('{{ x }}', (err3: Error | null, res3?: string) => {
              log.push(`string ${err3} ${JSON.stringify(res3)}`);
              env.getTemplate('parts/nav.njk', (err4: Error | null, t?: { render(c: object): string }) => {
                log.push(`template ${err4} ${t!.render({ links: [{ text: 1 }] })}`);
                done();
              });
            });
          });
        });
        log.push('returned');
      });
      log.push(`sync ${njk.render('parts/nav.njk', { links: [] })}`);
      let thrown: unknown = null;
      try {
        njk.render('nope.njk', {});
      } catch (e) {
        thrown = e;
      }
      log.push(`throws ${thrown instanceof Error}`);
      return log;
    };
    const ours = await trace(kidaNunjucks as unknown as Api);
    expect(ours).toEqual(await trace(nunjucks));
    expect(ours[0]).toBe('returned');
  });

  it('hands filters keyword arguments and `this.env` as Nunjucks does', () => {
    const run = (njk: Api) => {
      const env = new njk.Environment(null, { autoescape: true });
      env.addFilter('args', function (this: { env: unknown }, ...a: unknown[]) {
        return JSON.stringify(a) + (this.env === env);
      });
      env.addTest('long', (s: string, kw?: { min?: number }) => s.length >= (kw?.min ?? 3));
      return env.renderString('{{ 1 | args(2, b=3) }} {{ "abcd" is long }} {{ "ab" is long }} {{ "ab" | args }}', {});
    };
    expect(run(kidaNunjucks as unknown as Api)).toBe(run(nunjucks));
    const env = kidaNunjucks.configure(views);
    expect((env.getFilter('upper') as (s: string) => string)('a')).toBe('A');
    expect(() => env.getFilter('nope')).toThrow(/filter not found: nope/);
    expect(String((kidaNunjucks.runtime.markSafe('<b>') as object))).toBe('<b>');
  });

  it('recompiles every render with noCache, and after an edit with watch', async () => {
    const file = join(views, 'parts/live.njk');
    writeFileSync(file, 'one');
    const nc = kidaNunjucks.configure(views, { noCache: true });
    expect(nc.render('parts/live.njk')).toBe('one');
    const cached = new kidaNunjucks.Environment(views);
    const watched = new kidaNunjucks.Environment(views, { watch: true });
    expect([cached.render('parts/live.njk'), watched.render('parts/live.njk')]).toEqual(['one', 'one']);
    writeFileSync(file, 'two');
    expect(nc.render('parts/live.njk')).toBe('two');
    expect(cached.render('parts/live.njk')).toBe('one');
    for (let i = 0; i < 50 && watched.render('parts/live.njk') !== 'two'; i++) await new Promise((r) => setTimeout(r, 40));
    expect(watched.render('parts/live.njk')).toBe('two');
  });


  it('refuses, naming it, what it does not do', () => {
    const env = new kidaNunjucks.Environment(views);
    env.addFilter('later', (_v: unknown, cb: (e: null, r: string) => void) => cb(null, 'x'), true);
    expect(() => env.renderString('{{ 1 | later }}', {})).toThrow(/calls an async filter.*render it with a callback/);
    expect(() => env.addExtension('RemoteExtension', {})).toThrow(/addExtension\('RemoteExtension'\): an extension has `tags`/);
    expect(() => kidaNunjucks.precompile()).toThrow(/precompile is not supported.*kida compile/);
    expect(() => new kidaNunjucks.WebLoader()).toThrow(/WebLoader is not supported/);
    expect(() => kidaNunjucks.installJinjaCompat()).toThrow(/installJinjaCompat is not supported/);
    expect(env.hasExtension('x')).toBe(false);
  });
});
