// Streaming figures for a compiled template: renderStream vs render on a 1,000-row table,
// time to first chunk, and time to first byte through toReadableStream while an async source
// is still pending. Run: npm run build && node bench/streaming.mjs
import { Environment } from 'kida/environment';
import { toReadableStream } from 'kida';

const env = new Environment();
const table = env.fromString(
  '<!doctype html><html><head><title>{{ title }}</title></head><body><table>' +
    '{% for r in rows %}<tr class="{{ loop.cycle("odd", "even") }}"><td>{{ r.id }}</td><td>{{ r.name | upper }}</td><td>{{ r.price | round(2) }}</td></tr>{% end %}' +
    '</table></body></html>',
);
const rows = Array.from({ length: 1000 }, (_, i) => ({ id: i, name: `item <${i}>`, price: i * 1.25 }));
const ctx = { title: 'Table', rows };

const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
function measure(f, n = 200) {
  for (let i = 0; i < 30; i++) f();
  const times = [];
  for (let r = 0; r < 7; r++) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) f();
    times.push((performance.now() - t0) / n);
  }
  return median(times);
}
const render = measure(() => table.render(ctx));
const stream = measure(() => {
  let out = '';
  for (const c of table.renderStream(ctx)) out += c;
  return out;
});
const first = measure(() => table.renderStream(ctx).next(), 2000);
console.log(`1,000-row table: render ${render.toFixed(3)} ms, renderStream (joined) ${stream.toFixed(3)} ms (${(stream / render).toFixed(2)}x render), first chunk after ${(first * 1000).toFixed(1)} µs`);

// Time to first byte with a slow async source (50 ms), through a web ReadableStream.
const page = env.fromString('<!doctype html><html><head><title>{{ title }}</title></head><body><ul>{% async for x in items %}<li>{{ x }}</li>{% end %}</ul></body></html>');
async function* slow() {
  await new Promise((r) => setTimeout(r, 50));
  for (let i = 0; i < 100; i++) yield i;
}
const ttfb = [];
const total = [];
for (let r = 0; r < 9; r++) {
  const t0 = performance.now();
  const reader = toReadableStream(page.renderStreamAsync({ title: 'Async', items: slow() })).getReader();
  let firstAt = 0;
  for (;;) {
    const { done } = await reader.read();
    if (!firstAt) firstAt = performance.now() - t0;
    if (done) break;
  }
  ttfb.push(firstAt);
  total.push(performance.now() - t0);
}
console.log(`async page, 50 ms source: first byte after ${median(ttfb).toFixed(2)} ms, whole page after ${median(total).toFixed(1)} ms`);
