// kida/cache's kvStore on workerd (through miniflare): a fetch handler bundled with Rollup and the
// kida plugin streams a page whose `{% cache %}` fragment lives in a KV namespace that two
// workers bind. A fragment worker A rendered is served by worker B; `ttl=1` expires it after a
// second although KV keeps entries at least 60 s.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');
const dir = join(root, 'test/.tmp-kv-workerd');
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

const PAGE = '<p>{{ who }}</p>{% cache "report:" ~ id, ttl=ttl %}<s>rendered by {{ who }}</s>{% end %}<footer>{{ who }}</footer>';
const ENTRY = `import page from './page.html.kida';
import linkage from 'virtual:kida-linkage'; // (the linkage the plugin's compiled templates share)
import { toReadableStream } from 'kida';
import { kvStore } from 'kida/cache'; // (as docs/guide/caching.md writes it: the plugin resolves it)
let store = null;
export default {
  async fetch(request, env, ctx) {
    if (!store) linkage.cache = store = kvStore(env.FRAGMENTS, { timeoutMs: 2000 });
    const url = new URL(request.url);
    const data = { who: env.WHO, id: url.searchParams.get('id'), ttl: Number(url.searchParams.get('ttl')) };
    return new Response(toReadableStream(page.renderStreamAsync(data)), { headers: { 'content-type': 'text/html' } });
  },
};
`;

type Fetcher = { fetch(url: string): Promise<{ status: number; text(): Promise<string> }> };
let mf: { getWorker(name: string): Promise<Fetcher>; getKVNamespace(name: string): Promise<{ get(k: string): Promise<string | null> }>; dispose(): Promise<void> } | null = null;

beforeAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'page.html.kida'), PAGE);
  writeFileSync(join(dir, 'entry.js'), ENTRY);
  const { rollup } = await import('rollup');
  const { default: kida } = await import(join(root, 'dist/plugins/rollup.js'));
  const bundle = await rollup({ input: join(dir, 'entry.js'), plugins: [kida({ root: dir, cacheDir: false })], logLevel: 'silent' });
  const script = (await bundle.generate({ format: 'es' })).output[0].code;
  await bundle.close();
  const { Miniflare } = await import('miniflare');
  const worker = (name: string, who: string) => ({ name, modules: true, script, bindings: { WHO: who }, kvNamespaces: { FRAGMENTS: 'shared-fragments' }, compatibilityDate: '2025-01-01' });
  mf = new Miniflare({ workers: [worker('a', 'A'), worker('b', 'B')] }) as unknown as typeof mf;
}, 120_000);
afterAll(async () => {
  await mf?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

async function get(name: 'a' | 'b', id: string, ttl: number): Promise<string> {
  const res = await (await mf!.getWorker(name)).fetch(`http://localhost/?id=${id}&ttl=${ttl}`);
  expect(res.status).toBe(200);
  return res.text();
}

describe('kvStore on workerd: two workers share fragments through a KV namespace', () => {
  it('a fragment worker A rendered is served by worker B', async () => {
    expect(await get('a', '1', 300)).toBe('<p>A</p><s>rendered by A</s><footer>A</footer>');
    expect(await get('b', '1', 300)).toBe('<p>B</p><s>rendered by A</s><footer>B</footer>');
    const kv = await mf!.getKVNamespace('FRAGMENTS');
    expect(await kv.get('kida:report%3A1')).toMatch(/^\d+:<s>rendered by A<\/s>$/);
  }, 60_000);
  it('ttl=1 is honoured though KV keeps the entry 60 s', async () => {
    expect(await get('a', '2', 1)).toBe('<p>A</p><s>rendered by A</s><footer>A</footer>');
    expect(await get('b', '2', 1)).toBe('<p>B</p><s>rendered by A</s><footer>B</footer>');
    await sleep(1100);
    expect(await get('b', '2', 1)).toBe('<p>B</p><s>rendered by B</s><footer>B</footer>');
  }, 60_000);
});
