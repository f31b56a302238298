// `{% defer %}` in a real browser: Debian's Chromium (driven by playwright-core) loads a page
// streamed over loopback whose deferred parts resolve after ~100-300 ms. The footer is in the
// DOM and visible while the slow part still shows its placeholder, and once every part has
// arrived the DOM (scripts removed) equals that of the in-order render. The page is served with
// a nonce-only CSP, so the mover scripts run only because they carry the render's nonce.
// CI installs Chromium (.ci/run); without /usr/bin/chromium the test is skipped, saying so.
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pipeToNodeResponse } from '../../adapters/node.js';
import { withRenderMeta } from '../../runtime/meta.js';
import { later } from '../defer-support.js';
import { makeEnv } from '../support.js';

const CHROMIUM = '/usr/bin/chromium';
const HAVE = existsSync(CHROMIUM);
if (!HAVE) console.warn(`defer-browser.test.ts skipped: ${CHROMIUM} is absent (apt-get install -y chromium; CI installs it)`);

const PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>{{ title }}</title></head><body>
<header id="head">{{ title }}</header>
{% defer stats = stats %}<section id="slow"><h2>Stats</h2><ul>{% for s in stats %}<li>{{ s.name }}: {{ s.value }}</li>{% end %}</ul></section>
{% placeholder %}<p id="ph">Loading stats…</p>{% end %}
<table><tbody><tr><td>{% defer who = user %}<b id="user">{{ who }}</b>{% placeholder %}<i>…</i>{% end %}</td></tr></tbody></table>
{% defer n = broken %}{{ n }}{% placeholder %}…{% fallback e %}<em id="err">unavailable</em>{% end %}
<footer id="foot">{{ title }} · footer</footer>
</body></html>`;
const NONCE = 'n0nce-42';
const data = () => ({
  title: 'Defer <demo>',
  stats: later([{ name: 'visits', value: 12 }, { name: '<script>x</script>', value: 3 }], 300),
  user: later('ann & bob', 100),
  broken: new Promise((_, reject) => setTimeout(() => reject(new Error('db down')), 150)),
});

describe.skipIf(!HAVE)(`{% defer %} in Chromium (${HAVE ? CHROMIUM : `skipped: ${CHROMIUM} absent`})`, () => {
  let server: Server;
  let base = '';
  const template = makeEnv().fromString(PAGE);

  beforeAll(async () => {
    server = createServer((req, res) => {
      res.setHeader('content-type', 'text/html; charset=utf-8');
      res.setHeader('content-security-policy', `script-src 'nonce-${NONCE}'`);
      const meta = { csp_nonce: NONCE };
      if (req.url === '/in-order') void withRenderMeta(meta, () => template.renderAsync(data())).then((html) => res.end(html));
      else void pipeToNodeResponse(withRenderMeta(meta, () => template.renderStreamAsync(data())), res);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('paints the footer before the slow part, and ends with the in-order DOM', async () => {
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    });
    try {
      const page = await browser.newPage();
      // when each element enters the DOM, and the first frame painted with the footer in it
      await page.addInitScript(() => {
        const seen: Record<string, number> = ((window as any).__seen = {});
        new MutationObserver(() => {
          for (const id of ['ph', 'foot', 'slow'])
            if (!(id in seen) && document.getElementById(id)) {
              seen[id] = performance.now();
              if (id === 'foot')
                requestAnimationFrame(() => {
                  const r = document.getElementById('foot')!.getBoundingClientRect();
                  seen.footPainted = r.height > 0 && !document.getElementById('slow') ? performance.now() : -1;
                });
            }
        }).observe(document, { childList: true, subtree: true });
      });
      await page.goto(`${base}/`, { waitUntil: 'commit' });
      await page.locator('#slow').waitFor({ state: 'attached' });
      const seen = await page.evaluate(() => (window as any).__seen as Record<string, number>);
      // the footer was in the DOM, laid out and painted while the slow part was its placeholder
      // (times in ms since navigation; how far apart depends on the machine's load, the order does not)
      expect(seen.foot).toBeLessThan(seen.slow!);
      expect(seen.ph).toBeLessThanOrEqual(seen.foot!);
      expect(seen.footPainted).toBeGreaterThan(0);
      expect(seen.footPainted).toBeLessThan(seen.slow!);
      expect(await page.locator('#foot').textContent()).toBe('Defer <demo> · footer');
      await page.waitForFunction(() => !document.querySelector('kida-defer, template'));
      const dom = () => {
        document.querySelectorAll('script').forEach((s) => s.remove());
        return document.body.innerHTML;
      };
      const streamed = await page.evaluate(dom);
      const ordered = await browser.newPage();
      await ordered.goto(`${base}/in-order`);
      const inOrder = await ordered.evaluate(dom);
      expect(streamed).toBe(inOrder);
      // what the parts put in (escaped data, the part inside a table cell, the fallback)
      expect(inOrder).toContain('<li>&lt;script&gt;x&lt;/script&gt;: 3</li>');
      expect(inOrder).toContain('<td><b id="user">ann &amp; bob</b></td>');
      expect(inOrder).toContain('<em id="err">unavailable</em>');
      expect(inOrder).not.toContain('Loading stats');
    } finally {
      await browser.close();
    }
  }, 60_000);
});
