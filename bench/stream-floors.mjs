// What a sync stream's chunks cost at least (issue #22, "Streams, tenth pass"), in a process warmed
// as reference.mjs warms it (every workload through render, renderStream and renderStreamAsync):
// the same chunks of each page handed out by an Array iterator, a class iterator reusing one
// result object, one making a result per chunk, and a generator, all read by one shared for-of
// reader that has also read every real stream (so its call sites are as polymorphic as the
// bench's). Then, each in a process of its own so the builder's sink call site sees one closure
// (as in a server, where sinkOf gives every sink one literal), small's root builder run with
// noSink (render's path), with a sink pushing chunks into a list (today's Chunks), and with a
// sink that records chunk ends as offsets into the one string the builder returns.
// Best of --rounds batches (~2 ms) of process CPU time, ns per render.
//
//   npx tsc -p tsconfig.json && node bench/stream-floors.mjs [--runs=3] [--rounds=21]
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { T } from './reference-templates.mjs';
import { WORKLOADS, hostile } from './reference-data.mjs';

const opt = (n, d) => process.argv.find((a) => a.startsWith(`--${n}=`))?.slice(n.length + 3) ?? d;
const ROUNDS = Number(opt('rounds', 21));
const dir = join(import.meta.dirname, '..');
const cpu = () => { const t = process.cpuUsage(); return t.user + t.system; };
let sink = 0;
async function best(ways) {
  // (a sync way is timed in a sync loop: an await per call costs ~100 ns of its own)
  const time = async (f, n) => {
    const t0 = cpu();
    if (f.sync) for (let i = 0; i < n; i++) sink += f().length;
    else for (let i = 0; i < n; i++) sink += (await f()).length;
    return cpu() - t0;
  };
  for (const f of Object.values(ways)) f.sync = !(f() instanceof Promise);
  const size = {}, out = {};
  for (const [k, f] of Object.entries(ways)) { let n = 8; while ((await time(f, n)) < 1000) n *= 2; size[k] = n * 2; }
  for (let r = 0; r < ROUNDS; r++) for (const [k, f] of Object.entries(ways)) out[k] = Math.min(out[k] ?? Infinity, ((await time(f, size[k])) / size[k]) * 1000);
  return out;
}
async function pages() {
  const { compile, relativeImport } = await import(join(dir, 'dist/compiler/index.js'));
  const out = join(import.meta.dirname, '.build', 'stream-floors');
  rmSync(out, { recursive: true, force: true });
  for (const [name, src] of Object.entries(T)) {
    const { code } = compile(src, { name, runtime: join(dir, 'dist/runtime/node.js'), importPath: (t, f) => relativeImport(t, f) + '.js' });
    mkdirSync(join(out, name, '..'), { recursive: true });
    writeFileSync(join(out, name + '.js'), code);
  }
  const ps = [];
  for (const [id, entry, data] of WORKLOADS) {
    const m = await import(join(out, entry + '.js'));
    ps.push({ id, m, d: data() }, { id: `${id}-heavy`, m, d: hostile(data()) });
  }
  return ps;
}

class Reuse {
  constructor(c) { this.c = c; this.i = 0; this.r = { value: undefined, done: false }; }
  next() { const r = this.r; if (this.i < this.c.length) r.value = this.c[this.i++]; else (r.value = undefined), (r.done = true); return r; }
  [Symbol.iterator]() { return this; }
}
class Fresh {
  constructor(c) { this.c = c; this.i = 0; }
  next() { return this.i < this.c.length ? { value: this.c[this.i++], done: false } : { value: undefined, done: true }; }
  [Symbol.iterator]() { return this; }
}
function* gen(c) { for (let i = 0; i < c.length; i++) yield c[i]; }

const mode = opt('child', null);
if (mode === 'iter') console.log(JSON.stringify(await iterFloors()));
else if (mode) console.log(JSON.stringify(await builder(mode)));
else {
  const runs = Number(opt('runs', 3));
  const got = {};
  const add = (o) => { for (const [k, v] of Object.entries(o)) (got[k] ??= []).push(v); };
  for (let r = 0; r < runs; r++)
    for (const m of ['iter', 'nosink', 'list', 'offsets']) add(JSON.parse(execFileSync(process.execPath, [import.meta.filename, `--child=${m}`, `--rounds=${ROUNDS}`], { encoding: 'utf8' })));
  const med = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  console.log(`ns per render, best/median over ${runs} processes`);
  for (const [k, xs] of Object.entries(got)) console.log(k.padEnd(34), `${Math.min(...xs).toFixed(0)}/${med(xs).toFixed(0)}`);
}

async function iterFloors() {
  const ps = await pages();
  const read = (it) => { let s = ''; for (const c of it) s += c; return s; };
  const render = (m, d) => m.render(d);
  const streamAsync = async (m, d) => { let s = ''; for await (const c of m.renderStreamAsync(d)) s += c; return s; };
  for (let r = 0; r < 100; r++)
    for (const { m, d } of ps) {
      const c = [...m.renderStream(d)];
      (render(m, d), read(m.renderStream(d)), await streamAsync(m, d), read(c.values()), read(new Reuse(c)), read(new Fresh(c)), read(gen(c)));
    }
  const res = {};
  for (const { id, m, d } of ps.filter((p) => p.id === 'small' || p.id === 'complex' || p.id === 'minimal')) {
    const c = [...m.renderStream(d)];
    const r = await best({
      render: () => render(m, d),
      renderStream: () => read(m.renderStream(d)),
      'array iterator': () => read(c.values()),
      'class, one result reused': () => read(new Reuse(c)),
      'class, a result per chunk': () => read(new Fresh(c)),
      generator: () => read(gen(c)),
    });
    for (const [k, v] of Object.entries(r)) res[`${id} ${k}`] = v;
    res[`${id} chunks`] = c.length;
  }
  return res;
}

/** small's root builder, in a process of its own, with one kind of sink. */
async function builder(kind) {
  const ps = await pages();
  const { RenderState, newContext } = await import(join(dir, 'dist/runtime/template.js'));
  const { m, d } = ps.find((p) => p.id === 'small');
  const spec = m.default.spec;
  const s = spec.root.s;
  let c, str;
  const list = (x) => (x === undefined ? c.length : (c.push(x), ''));
  // (the builder writes `o = S(o + x)`: given back the whole string, it keeps building it as render
  // does, and the sink only notes where each chunk ends)
  const offsets = (x) => (x === undefined ? c.length - 1 : (c.push(x.length), (str = x)));
  const run = {
    nosink: () => s(newContext(spec.globals, d), new RenderState()),
    // (then the chunks appended as a reader would: the render's text)
    list: () => { c = new Array(); s(newContext(spec.globals, d), new RenderState(), list); let t = ''; for (let i = 0; i < c.length; i++) t += c[i]; return t; },
    // (then each chunk sliced out and appended, as a stream would hand them out)
    offsets: () => { c = new Array(); c.push(0); const o = s(newContext(spec.globals, d), new RenderState(), offsets); let t = ''; for (let i = 1; i < c.length; i++) t += o.slice(c[i - 1], c[i]); return t; },
  }[kind];
  for (let i = 0; i < 20000; i++) run();
  if (kind !== 'nosink' && run() !== m.render(d)) throw new Error(`${kind}: not the render`);
  const r = await best({ [`small builder, ${kind}`]: run });
  return r;
}
if (sink < 0) console.log(sink);
