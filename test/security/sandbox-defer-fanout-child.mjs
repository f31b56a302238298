// Child process of sandbox-defer-fanout.test.ts (run with --unhandled-rejections=strict, on dist/):
// renders `{% defer %}` fan-outs (argv[3]: JSON [{ id, src, compat?, data }]) under a sandbox whose
// policy is argv[4], every way, three times each; then lets the loop turn and counts the timers
// left behind. Prints { out: { [id]: { [way]: { ms: number[], code, chars } } }, timers } as JSON.
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';

const [root, casesJson, policyJson] = process.argv.slice(2);
const { DictLoader, Environment } = await import(pathToFileURL(join(root, 'dist/compiler/environment.js')).href);
const policy = JSON.parse(policyJson);
const data = {
  ready: () => ({ p: Promise.resolve(1), z: Promise.resolve('') }),
  slow: () => ({ p: new Promise((r) => setTimeout(r, 1, 1)), z: Promise.resolve('') }),
  never: () => ({ p: new Promise(() => {}), z: Promise.resolve('') }),
  sync: () => ({ p: 1, z: '' }),
};
const out = {};
for (const c of JSON.parse(casesJson)) {
  const env = new Environment({ loader: new DictLoader({}), sandbox: policy, ...(c.compat ? { compat: c.compat } : {}) });
  const t = env.fromString(c.src);
  let chars = 0;
  const ways = {
    renderAsync: async () => (chars = (await t.renderAsync(data[c.data]())).length),
    renderStreamAsync: async () => {
      for await (const s of t.renderStreamAsync(data[c.data]())) chars += s.length;
    },
    ...(c.data === 'sync' ? { render: async () => (chars = t.render(data.sync()).length), renderStream: async () => { for (const s of t.renderStream(data.sync())) chars += s.length; } } : {}),
  };
  const res = (out[c.id] = {});
  for (const [way, f] of Object.entries(ways)) {
    const r = (res[way] = { ms: [], code: null, chars: [] });
    for (let i = 0; i < 3; i++) {
      chars = 0;
      const t0 = Date.now();
      r.code = await f().then(() => 'ok', (e) => e?.code ?? String(e));
      r.ms.push(Date.now() - t0);
      r.chars.push(chars);
    }
  }
}
await new Promise((r) => setImmediate(r));
const timers = process.getActiveResourcesInfo().filter((x) => x === 'Timeout').length;
process.stdout.write(JSON.stringify({ out, timers }));
