// Language server latency, over the protocol as an editor sees it (`node dist/compiler/cli.js
// lsp --stdio`, after `npm run build`): the time from a didChange of a 1,000-line template to
// its publishDiagnostics once warm (target 50 ms), and of hover and completion requests
// (target 20 ms). Prints median and p95 of each.
//   node bench/lsp.mjs [--runs 30]

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LspClient } from '../test/e2e/lsp-client.mjs';
import { diagnose } from '../dist/compiler/diagnose.js';

const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 30;
const dir = mkdtempSync(join(tmpdir(), 'kida-lsp-bench-'));
writeFileSync(join(dir, 'base.kida'), '<html>{% block head %}{% end %}{% block b0 %}{% end %}</html>\n');
writeFileSync(join(dir, 'macros.kida'), '{% def card(title: str, body = "") %}<div>{{ title }}{{ body }}</div>{% end %}\n');
let text = '{% extends "base.kida" %}\n{% from "macros.kida" import card %}\n';
for (let i = 0; text.split('\n').length < 1000; i++)
  text += `{% block b${i} %}\n<div class="x">{{ title | upper }}</div>\n{% for x in items %}\n  <p>{{ x.name | default("n") }} {{ loop.index }}</p>\n  {% if x.ok %}{{ card(x.title) }}{% else %}no{% end %}\n{% end %}\n{% end %}\n`;
const lines = text.split('\n').length;

const c = new LspClient(dir);
await c.initialize();
const uri = c.open('page.kida', text);
await c.diagnostics(uri);

const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return `median ${s[s.length >> 1].toFixed(1)} ms, p95 ${s[Math.floor(s.length * 0.95)].toFixed(1)} ms`;
};
const warm = 5;
const change = [];
for (let v = 2; v < runs + warm + 2; v++) {
  await new Promise((r) => setTimeout(r, 250)); // (a pause between edits, as when typing stops)
  const t0 = performance.now();
  // (even versions break a filter name on line 4, odd ones mend it)
  c.change(uri, v, v % 2 ? 'upper' : 'uper', { start: { line: 3, character: 26 }, end: { line: 3, character: v % 2 ? 30 : 31 } });
  const ds = await c.diagnostics(uri);
  if (ds.length !== (v % 2 ? 0 : 1)) throw new Error(`unexpected diagnostics at version ${v}: ${JSON.stringify(ds)}`);
  if (v >= warm + 2) change.push(performance.now() - t0);
}
const timed = async (f) => {
  const out = [];
  for (let i = 0; i < runs + warm; i++) {
    const t0 = performance.now();
    await f();
    if (i >= warm) out.push(performance.now() - t0);
  }
  return out;
};
const hover = await timed(() => c.hover(uri, 3, 28));
const completion = await timed(() => c.completion(uri, 3, 28));
const kwargs = await timed(() => c.completion(uri, 6, 23));
await c.close();
// the compiler alone, in this process, on the same text with one error (what the server runs per
// change): the part of the latency that is compiling, not the server or the protocol
const broken = text.replace('upper', 'uper');
const sourceOf = (n) => ({ 'base.kida': '<html></html>', 'macros.kida': '{% def card(title: str, body = "") %}{% end %}' })[n] ?? null;
const compileOnly = await timed(() => diagnose(broken, { name: 'page.kida', sourceOf, checkImports: true, validateCalls: true }));
rmSync(dir, { recursive: true, force: true });

console.log(`kida lsp, ${lines}-line template, ${runs} runs each`);
console.log(`  didChange → publishDiagnostics: ${stats(change)}   (target 50 ms)`);
console.log(`  hover (filter):                 ${stats(hover)}   (target 20 ms)`);
console.log(`  completion (filters after |):   ${stats(completion)}   (target 20 ms)`);
console.log(`  completion (def arguments):     ${stats(kwargs)}   (target 20 ms)`);
console.log(`  (diagnose() alone, in process:  ${stats(compileOnly)}; load average ${(await import('node:os')).loadavg()[0].toFixed(1)})`);
