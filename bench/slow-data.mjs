// Issue #22's slow-data page in-process: the 300 cards of bench/reference-templates.mjs's
// slow.html after their promise resolves, through renderStreamAsync (read by `for await`, as
// bench/reference.mjs does), renderAsync and toReadableStream, against render() of cards.html
// with the data at hand, and Marko 6's streamed render of the same page (bench/peers.mjs, when
// installed). The data's promise is resolved by the script once the head is out, so no timer's
// jitter: "after" is the time from the resolve to the last chunk (best and median of N).
// --wait=50: the data resolve in a 50 ms timer's callback instead, as in bench/reference.mjs, and
// render() of cards.html is also timed in such a callback ("after a wait"): after an idle wait
// every engine's work, sync or async, runs slower (caches and code gone cold, the CPU's clock), so
// "after the data" is to be read against that row as much as against render() at once.
//
//   npx tsc -p tsconfig.json && node bench/slow-data.mjs [--old=<another built tree>] [--n=400] [--wait=50]
import { mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { T } from './reference-templates.mjs';
import { MARKO, buildMarko, peersInstalled } from './peers.mjs';
const opt = (k, d) => process.argv.find((a) => a.startsWith(`--${k}=`))?.slice(k.length + 3) ?? d;
const trees = { new: join(import.meta.dirname, '..') };
if (opt('old')) trees.old = opt('old');
const WAIT = Number(opt('wait', 0));
const N = Number(opt('n', WAIT ? 40 : 400));
const range = (n) => Array.from({ length: n }, (_, i) => i);
const CARDS = () => range(300).map((n) => ({ n, title: `Card ${n}`, body: `Body of card ${n}, a sentence or two.`, url: `/cards/${n}` }));
const mods = {};
for (const [tag, dir] of Object.entries(trees)) {
  const { compile, relativeImport } = await import(join(dir, 'dist/compiler/index.js'));
  const out = join(import.meta.dirname, '.build', 'slow-data', tag);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  for (const name of ['slow.html', 'cards.html']) {
    // (the Node runtime, with kida/async-driver, as `kida/runtime` resolves in Node)
    const { code } = compile(T[name], { name, runtime: join(dir, 'dist/runtime/node.js'), importPath: (t, f) => relativeImport(t, f) + '.js' });
    writeFileSync(join(out, name + '.js'), code);
  }
  const { toReadableStream } = await import(join(dir, 'dist/runtime/stream.js'));
  mods[tag] = { slow: await import(join(out, 'slow.html.js')), cards: await import(join(out, 'cards.html.js')), toReadableStream };
}
const ways = {
  'renderStreamAsync (for await)': async (m, data, go) => {
    let s = '', n = 0;
    for await (const c of m.slow.renderStreamAsync({ title: 'Slow <page>', cards: data })) (s += c), n++ === 0 && go();
    return s;
  },
  renderAsync: async (m, data, go) => {
    const p = m.slow.renderAsync({ title: 'Slow <page>', cards: data });
    go();
    return p;
  },
  'toReadableStream read': async (m, data, go) => {
    const r = m.toReadableStream(m.slow.renderStreamAsync({ title: 'Slow <page>', cards: data })).getReader();
    const d = new TextDecoder();
    let n = 0, s = '';
    for (let x; !(x = await r.read()).done; ) (s += d.decode(x.value, { stream: true })), n++ === 0 && go();
    return s;
  },
};
const marko = peersInstalled ? await buildMarko('peers/marko-slow', MARKO.slow) : null;
if (marko)
  ways['Marko 6 render (for await)'] = async (m, data, go) => {
    if (m !== mods.new) return null; // (once a round)
    let s = '', n = 0;
    for await (const c of marko.render({ title: 'Slow <page>', cards: data })) (s += c), n++ === 0 && go();
    return s;
  };
const med = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
const res = {};
for (let i = 0; i < N; i++)
  for (const tag of i % 2 ? Object.keys(mods) : Object.keys(mods).reverse()) {
    const m = mods[tag];
    for (const [w, f] of Object.entries(ways)) {
      const cards = CARDS();
      let resolve, t;
      const data = new Promise((r) => (resolve = r));
      // (resolved once the head is out: in a macrotask, so every chunk before the wait has left)
      const go = () => (WAIT ? setTimeout : setImmediate)(() => ((t = performance.now()), resolve(cards)), WAIT);
      const out = await f(m, data, go);
      if (out === null) continue;
      const dt = performance.now() - t;
      if (!out.includes('Card 299')) throw new Error(`${tag} ${w}: output`);
      ((res[w] ??= {})[tag] ??= []).push(dt);
    }
    const cards = CARDS();
    const t = performance.now();
    m.cards.render({ cards });
    ((res['render() of cards.html'] ??= {})[tag] ??= []).push(performance.now() - t);
    if (WAIT) {
      const late = CARDS();
      const dt = await new Promise((r) =>
        setTimeout(() => {
          const t = performance.now();
          m.cards.render({ cards: late });
          r(performance.now() - t);
        }, WAIT),
      );
      ((res[`render() after a ${WAIT} ms wait`] ??= {})[tag] ??= []).push(dt);
    }
  }
console.log(`slow-data page after the data (ms, best / median of ${N}; the data resolved ${WAIT ? `by a ${WAIT} ms timer` : 'in a setImmediate once the head is out'}), ${new Date().toISOString()}`);
for (const [w, by] of Object.entries(res))
  console.log(`${w.padEnd(32)} ${Object.entries(by).map(([tag, a]) => `${tag} ${Math.min(...a).toFixed(3)} / ${med(a).toFixed(3)}`).join('   ')}`);
