// Loopback HTTP helpers shared by the adapter end-to-end tests: a client that records what
// arrived before a marker and whether the connection was cut, a client that leaves after the
// first bytes, and a slow data source that counts its `finally`.
import { request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const portOf = (s: Server) => (s.address() as AddressInfo).port;
export async function waitFor(check: () => boolean, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error('timed out');
    await sleep(10);
  }
}

export interface Reply {
  status: number;
  headers: Record<string, unknown>;
  body: string;
  /** The response ended without its terminating chunk (the connection was cut). */
  aborted: boolean;
  /** Body text that arrived before `marker()` turned true. */
  early: string;
}
export function get(port: number, path: string, marker: () => boolean = () => false): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      res.setEncoding('utf8');
      let body = '';
      let early = '';
      let settled = false;
      const done = (aborted: boolean) => {
        if (!settled) resolve({ status: res.statusCode!, headers: res.headers, body, aborted, early });
        settled = true;
      };
      res.on('data', (c: string) => {
        body += c;
        if (!marker()) early += c;
      });
      res.on('end', () => done(false));
      res.on('error', () => done(true));
      res.on('aborted', () => done(true));
    });
    req.on('error', reject);
    req.end();
  });
}
export function getAndLeave(port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
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

/** A slow cursor: its rows come after `delayMs`; counts `finally` (the cursor released). */
export function source(delayMs: number, opts: { failAfter?: number } = {}) {
  const stats = { opened: 0, released: 0, dataAt: Infinity };
  async function* rows() {
    stats.opened++;
    try {
      yield '<first>';
      await sleep(delayMs);
      stats.dataAt = performance.now();
      for (let i = 0; i < 3; i++) {
        if (opts.failAfter === i) throw new Error('cursor failed');
        yield `row ${i}`;
      }
    } finally {
      stats.released++;
    }
  }
  return { stats, rows };
}
