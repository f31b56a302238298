// `kida/nunjucks`: the Nunjucks API (configure, render, renderString, Environment, Express views)
// over compat: 'nunjucks'. The same calls on real Nunjucks 3.2.4 give the same output.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import express from 'express';
import nunjucks from 'nunjucks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as kidaNunjucks from '../../adapters/nunjucks.js';
// @ts-expect-error (a plain .mjs helper shared with the bench script)
import { GOVUK } from '../../bench/nunjucks-govuk.mjs';

const views = join(import.meta.dirname, '.out-njk-api');
beforeAll(() => {
  rmSync(views, { recursive: true, force: true });
  mkdirSync(join(views, 'parts'), { recursive: true });
  writeFileSync(join(views, 'layout.njk'), '<main>{% block body %}{% endblock %}</main>');
  writeFileSync(join(views, 'page.njk'), '{% extends "layout.njk" %}{% block body %}{% include "parts/hi.njk" %}{{ items | shout | join(",") }}{% endblock %}');
  writeFileSync(join(views, 'parts/hi.njk'), 'Hi {{ name }} from {{ site }}! ');
});
afterAll(() => rmSync(views, { recursive: true, force: true }));

const shout = (xs: string[]) => xs.map((x) => x.toUpperCase());

describe('kida/nunjucks', () => {
  it('configure/render/renderString give what Nunjucks gives, returned or through a callback', async () => {
    const ours = kidaNunjucks.configure([views, GOVUK], { autoescape: true }).addFilter('shout', shout).addGlobal('site', '<kida>');
    const theirs = new nunjucks.Environment(new nunjucks.FileSystemLoader([views, GOVUK]), { autoescape: true });
    theirs.addFilter('shout', shout).addGlobal('site', '<kida>');
    const ctx = { name: 'Ada', items: ['a', 'b'] };
    expect(kidaNunjucks.render('page.njk', ctx)).toBe(theirs.render('page.njk', ctx));
    expect(kidaNunjucks.render('page.njk', ctx)).toBe('<main>Hi Ada from &lt;kida&gt;! A,B</main>');
    const src = '{% from "govuk/components/tag/macro.njk" import govukTag %}{{ govukTag({ text: t }) }}';
    expect(kidaNunjucks.renderString(src, { t: 'Beta <1>' })).toBe(theirs.renderString(src, { t: 'Beta <1>' }));
    // (callbacks run after render returns, as Nunjucks runs them)
    const viaCallback = (name: string) =>
      new Promise<[Error | null, string | undefined]>((done) => ours.render(name, ctx, (err: Error | null, res?: string) => done([err, res])));
    expect(await viaCallback('page.njk')).toEqual([null, '<main>Hi Ada from &lt;kida&gt;! A,B</main>']);
    expect(String((await viaCallback('missing.njk'))[0])).toMatch(/missing\.njk/);
    expect(ours.getGlobal('site')).toBe('<kida>');
    expect(() => ours.addExtension('x', {} as never)).toThrow(/an extension has `tags`/);
  });

  it('serves Express views (res.render) as Nunjucks does', async () => {
    const serve = async (setup: (app: express.Express) => void) => {
      const app = express();
      setup(app);
      app.set('view engine', 'njk');
      app.get('/', (_req, res) => res.render('page', { name: 'Bo', items: ['x'] }));
      const server = app.listen(0, '127.0.0.1');
      await new Promise((r) => server.once('listening', r));
      try {
        const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
        return [res.status, await res.text()] as const;
      } finally {
        server.close();
      }
    };
    const ours = await serve((app) => kidaNunjucks.configure(views, { express: app }).addFilter('shout', shout).addGlobal('site', 'S'));
    const theirs = await serve((app) => nunjucks.configure(views, { express: app }).addFilter('shout', shout).addGlobal('site', 'S'));
    expect(ours).toEqual(theirs);
    expect(ours).toEqual([200, '<main>Hi Bo from S! X</main>']);
  });
});
