// The streaming examples, served on loopback and read with a real HTTP client: the page
// head must arrive before the slow data source resolves, and the body must equal render.
import { request } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';

interface Timed {
  body: string;
  chunks: { text: string; at: number }[];
}

function get(port: number): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/' }, (res) => {
      res.setEncoding('utf8');
      let body = '';
      const chunks: Timed['chunks'] = [];
      res.on('data', (chunk: string) => {
        chunks.push({ text: chunk, at: performance.now() });
        body += chunk;
      });
      res.on('end', () => resolve({ body, chunks }));
    });
    req.on('error', reject);
    req.end();
  });
}

const examples = ['node-http', 'web-handler', 'express', 'fastify', 'koa'] as const;

describe('streaming examples over HTTP', () => {
  for (const name of examples) {
    it(`${name}: the head arrives before the 300 ms data, and the body equals renderAsync`, async () => {
      const mod = await import(`../../examples/streaming/${name}.mjs`);
      const { page } = await import('../../examples/streaming/build.mjs');
      const { pageContext } = await import('../../examples/streaming/data.mjs');
      let dataAt = Infinity;
      const server: Server = await mod.start(0, { delayMs: 300, onData: () => (dataAt = performance.now()) });
      try {
        const res = await get((server.address() as AddressInfo).port);
        const beforeData = res.chunks.filter((c) => c.at < dataAt).map((c) => c.text).join('');
        expect(beforeData).toContain('<title>Streaming with Kida</title>');
        expect(beforeData).toContain('<table>');
        expect(beforeData).not.toContain('row &lt;1&gt;');
        expect(res.body).toBe(await page.renderAsync(pageContext({ delayMs: 0 })));
        expect(res.body).toContain('<td>row &lt;3&gt;</td>');
      } finally {
        server.closeAllConnections?.();
        await new Promise((r) => server.close(r));
      }
    });
  }
});
