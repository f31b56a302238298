// Streaming benchmark for compiled Kida modules:
//   1. 1,000-row table: renderStream (all chunks consumed) vs render, time to first chunk;
//   2. an `{% async for %}` over a slow source (first item after 50 ms): time to first byte
//      through toReadableStream(template.renderStreamAsync(ctx)) while the source is pending;
//   3. memory on a ~50 MB output: peak heap of render() vs consuming renderStream().
//
//   npm run build && node bench/stream.mjs          (~10 s; writes bench/stream-results.json)
//
// The memory part runs each mode in a fresh child process started as
// `node --expose-gc bench/stream.mjs --memory-child=<render|stream>` (spawned automatically;
// --expose-gc lets the child collect garbage before it takes its baseline).
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import { availableParallelism, cpus } from 'node:os';
import { toReadableStream } from 'kida';
import { buildKida } from './engines.mjs';
import { workloads, tableRows } from './workloads.mjs';

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const MB = 2 ** 20;
const bigTemplate =
  '<table><tbody>{% for rep in reps %}{% for r in rows %}<tr><td>{{ r.id }}</td><td>{{ r.name }}</td><td>{{ r.email }}</td><td>{{ r.amount }}</td>' +
  '<td>{% if r.active %}active{% else %}inactive{% end %}</td></tr>\n{% end %}{% end %}</tbody></table>\n';
const REPS = 530; // × ~99 KB per 1,000 rows ≈ 50 MB

// ---------------------------------------------------------------------------------- memory child
const childMode = process.argv.find((a) => a.startsWith('--memory-child='))?.slice(15);
if (childMode) {
  const mod = await buildKida(`stream-memory-${childMode}`, { 'big.kida': bigTemplate }, 'big.kida');
  const rows = tableRows(1000);
  const heap = () => v8.getHeapStatistics().used_heap_size;
  globalThis.gc?.();
  globalThis.gc?.();
  const before = heap();
  const rssBefore = process.memoryUsage().rss;
  let peak = before;
  // `reps` is a generator, so the template is sampled once per 1,000 rows while it renders
  function* reps() {
    for (let i = 0; i < REPS; i++) {
      const h = heap();
      if (h > peak) peak = h;
      yield i;
    }
  }
  const t0 = performance.now();
  let chars = 0;
  let chunks = 0;
  let returned = null;
  if (childMode === 'render') {
    const out = mod.render({ rows, reps: reps() });
    peak = Math.max(peak, heap());
    returned = peak; // peak up to render() returning its (rope) string
    chars = out.length;
    chunks = 1;
    Buffer.byteLength(out); // what writing it out does: flattens the rope
    peak = Math.max(peak, heap());
  } else {
    for (const c of mod.renderStream({ rows, reps: reps() })) {
      chars += c.length;
      chunks++;
      Buffer.byteLength(c); // stand-in for res.write(c)
    }
    peak = Math.max(peak, heap());
    returned = peak;
  }
  const ms = performance.now() - t0;
  const ru = process.resourceUsage();
  process.stdout.write(
    JSON.stringify({ mode: childMode, chars, chunks, ms, heapBefore: before, heapPeak: peak, peakOverBaseline: peak - before, peakUntilReturnOverBaseline: returned - before, rssBefore, maxRss: ru.maxRSS * 1024 }) + '\n',
  );
  process.exit(0);
}

// ---------------------------------------------------------------------------------- 1. table
const out = {};
const lines = [];
const table = workloads.find((w) => w.id === 'table');
const tmod = await buildKida('stream-table', table.kida.files, table.kida.entry);
const tctx = table.data();

function perOp(f, minMs = 250, rounds = 9) {
  let n = 1;
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) f();
    if (performance.now() - t0 > 20) break;
    n *= 2;
  }
  const end = performance.now() + minMs;
  while (performance.now() < end) f(); // warm-up
  const xs = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) f();
    xs.push(((performance.now() - t0) / n) * 1000);
  }
  return median(xs); // µs
}
let sink = 0;
const renderUs = perOp(() => (sink += tmod.render(tctx).length));
const streamJoinUs = perOp(() => {
  let s = '';
  for (const c of tmod.renderStream(tctx)) s += c;
  sink += s.length;
});
const streamConsumeUs = perOp(() => {
  for (const c of tmod.renderStream(tctx)) sink += c.length;
});
const firstChunkUs = perOp(() => {
  const it = tmod.renderStream(tctx);
  sink += it.next().value.length;
  it.return();
});
let chunkCount = 0;
for (const _ of tmod.renderStream(tctx)) chunkCount++;
const tableChars = tmod.render(tctx).length;
out.table = { renderUs, streamJoinUs, streamConsumeUs, firstChunkUs, chunks: chunkCount, chars: tableChars, streamOverRender: streamConsumeUs / renderUs };
lines.push('## Streaming: 1,000-row table', '');
lines.push('| Measure | µs | vs render |', '|---|--:|--:|');
lines.push(`| render() → string | ${renderUs.toFixed(1)} | 1.00× |`);
lines.push(`| renderStream(), chunks consumed | ${streamConsumeUs.toFixed(1)} | ${(streamConsumeUs / renderUs).toFixed(2)}× |`);
lines.push(`| renderStream(), chunks joined | ${streamJoinUs.toFixed(1)} | ${(streamJoinUs / renderUs).toFixed(2)}× |`);
lines.push(`| renderStream(): first chunk | ${firstChunkUs.toFixed(2)} | ${(firstChunkUs / renderUs).toFixed(3)}× |`);
lines.push('', `${chunkCount} chunks for ${(tableChars / 1024).toFixed(1)} KB (≈${Math.round(tableChars / chunkCount)} chars per chunk). render() delivers its first byte only after the whole ${renderUs.toFixed(0)} µs.`, '');

// ---------------------------------------------------------------------------------- 2. TTFB with a slow async source
const amod = await buildKida(
  'stream-async',
  {
    'async.kida':
      '<!doctype html><html><head><title>{{ title }}</title></head><body><h1>{{ title }}</h1><ul>{% async for x in items %}<li>{{ x }}</li>{% end %}</ul></body></html>\n',
  },
  'async.kida',
);
const DELAY = 50;
async function* slowSource() {
  await new Promise((r) => setTimeout(r, DELAY));
  for (let i = 0; i < 100; i++) yield `item ${i}`;
}
const ttfb = [];
const total = [];
const bufferedTotal = [];
let firstText = '';
const decoder = new TextDecoder();
for (let r = 0; r < 9; r++) {
  const t0 = performance.now();
  const reader = toReadableStream(amod.default.renderStreamAsync({ title: 'Async <page>', items: slowSource() })).getReader();
  let firstAt = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (!firstAt) {
      firstAt = performance.now() - t0;
      if (!firstText) firstText = decoder.decode(value);
    }
    if (done) break;
  }
  ttfb.push(firstAt);
  total.push(performance.now() - t0);
  const t1 = performance.now();
  sink += (await amod.default.renderAsync({ title: 'Async <page>', items: slowSource() })).length;
  bufferedTotal.push(performance.now() - t1);
}
out.async = { sourceDelayMs: DELAY, ttfbMs: median(ttfb), totalMs: median(total), renderAsyncMs: median(bufferedTotal), firstChunk: firstText };
lines.push(`## Time to first byte: \`{% async for %}\` over a source that waits ${DELAY} ms`, '');
lines.push('| Path | first byte (ms) | complete (ms) |', '|---|--:|--:|');
lines.push(`| toReadableStream(renderStreamAsync(ctx)) | ${median(ttfb).toFixed(2)} | ${median(total).toFixed(1)} |`);
lines.push(`| await renderAsync(ctx) (buffered) | ${median(bufferedTotal).toFixed(1)} | ${median(bufferedTotal).toFixed(1)} |`);
lines.push('', `First chunk sent while the source was pending: \`${firstText}\``, '');

// ---------------------------------------------------------------------------------- 3. memory
const self = fileURLToPath(import.meta.url);
const mem = {};
for (const mode of ['render', 'stream']) {
  const r = spawnSync(process.execPath, ['--expose-gc', self, `--memory-child=${mode}`], { encoding: 'utf8', cwd: join(import.meta.dirname, '..') });
  if (r.status !== 0) throw new Error(`memory child (${mode}) failed:\n${r.stderr}`);
  mem[mode] = JSON.parse(r.stdout.trim().split('\n').pop());
}
out.memory = mem;
lines.push(`## Memory: ~${(mem.render.chars / MB).toFixed(0)} MB of output (${REPS} × 1,000 rows), fresh process per mode`, '');
lines.push('| Mode | time (ms) | chunks | peak heap over baseline, until the string is returned | … and after writing it out | peak RSS |', '|---|--:|--:|--:|--:|--:|');
for (const m of [mem.render, mem.stream])
  lines.push(
    `| ${m.mode === 'render' ? 'render(), then Buffer.byteLength(result)' : 'renderStream(), Buffer.byteLength(chunk) per chunk'} | ${m.ms.toFixed(0)} | ${m.chunks} | ${(m.peakUntilReturnOverBaseline / MB).toFixed(1)} MB | ${(m.peakOverBaseline / MB).toFixed(1)} MB | ${(m.maxRss / MB).toFixed(0)} MB |`,
  );
lines.push(
  '',
  'Heap is sampled (v8 used_heap_size) once per 1,000 rows during the render and after it; the baseline is taken after `gc()` with the data loaded. `Buffer.byteLength` stands in for writing the output (it flattens the string). Peak RSS is the child process\'s `resourceUsage().maxRSS`.',
  '',
);
const info = { date: new Date().toISOString(), node: process.version, nproc: availableParallelism(), cpu: cpus()[0]?.model };
lines.push(`_${info.date.slice(0, 10)} · Node ${info.node} · ${info.nproc} CPU(s), ${info.cpu}_`);
console.log(lines.join('\n'));
writeFileSync(join(import.meta.dirname, 'stream-results.json'), JSON.stringify({ ...info, ...out }, null, 2) + '\n');
if (sink < 0) console.log(sink);
