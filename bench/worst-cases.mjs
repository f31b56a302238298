// Worst cases at 1 MB (issue #19 §2): every built-in filter, test, method, global and Markdown
// filter, and the other paths data reaches, fed the hostile input test/security/worst-cases.mjs
// builds for it, against the built runtime (dist/). Each should take well under a second.
// Not run by CI (test/security/linear-time.test.ts checks 100 KB against 200 KB instead).
//
//   npx tsc -p tsconfig.json && node --expose-gc bench/worst-cases.mjs            # 1 MB
//   node --expose-gc bench/worst-cases.mjs --size=2000000 --only=wordwrap,float
//   node --expose-gc bench/worst-cases.mjs --json
import { worstCases } from '../test/security/worst-cases.mjs';

const arg = (name, dflt) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? dflt;
const SIZE = Number(arg('size', 1_000_000));
const ONLY = arg('only', '').split(',').filter(Boolean);
const JSON_OUT = process.argv.includes('--json');
const LIMIT_MS = 1000;

const d = (p) => import(`../dist/runtime/${p}.js`);
const rt = {
  filters: await d('filters'), tests: await d('tests'), methods: await d('methods'), globals: await d('globals'),
  values: await d('values'), match: await d('match'), markup: await d('markup'), markdown: await d('markdown'), output: await d('output'),
};
rt.methods.useAllMethods();
rt.match.useMatch();
const { DictLoader, Environment } = await import('../dist/compiler/environment.js');
const sandboxed = new Environment({ loader: new DictLoader({}), sandbox: true });
rt.compile = (src) => sandboxed.fromString(src);

const gc = globalThis.gc ?? (() => {});
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const rows = [];
for (const [kind, table] of Object.entries(worstCases(rt))) {
  for (const [name, cases] of Object.entries(table)) {
    for (const [label, make] of cases) {
      const id = `${kind}.${name}`;
      if (ONLY.length && !ONLY.some((o) => id.includes(o))) continue;
      let ms;
      let error;
      try {
        const run = make(SIZE);
        ms = Infinity;
        for (let i = 0; i < 2; i++) {
          gc();
          const t0 = cpuMs();
          run();
          ms = Math.min(ms, cpuMs() - t0);
        }
      } catch (e) {
        error = `${e?.name}: ${String(e?.message).split('\n')[0].slice(0, 80)}`;
      }
      rows.push({ id, label, ms, error });
      if (!JSON_OUT) console.log(`${error ? 'ERROR' : ms > LIMIT_MS ? 'SLOW ' : '     '} ${id} (${label}): ${error ?? `${ms.toFixed(1)} ms`}`);
    }
  }
}
const slow = rows.filter((r) => r.error || r.ms > LIMIT_MS);
if (JSON_OUT) console.log(JSON.stringify({ size: SIZE, rows }, null, 1));
else console.log(`\n${rows.length} cases at ${SIZE} characters; ${slow.length} over ${LIMIT_MS} ms of CPU or failing; slowest: ${
  rows.filter((r) => !r.error).sort((a, b) => b.ms - a.ms).slice(0, 5).map((r) => `${r.id} (${r.label}) ${r.ms.toFixed(0)} ms`).join(', ')}`);
