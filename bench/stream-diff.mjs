// Chunk boundaries against another build (issue #22, streams eighth pass): generated pages and
// hierarchies (layouts two levels deep, blocks, includes, loops over short, long and lazy sources,
// breaks, failures, flushes, stacks, an async include) read through renderStream,
// renderStreamAsync and renderBlockStream by this tree and by --old, to any chunk and to the end:
// the logs of chunks, errors (template, line) and items pulled must be the same. Where a lazy
// source is closed (after a `break`) may come earlier in a part streamed through a sink (its loop
// runs to the break before its chunks are handed out, as loop parts did since the fifth pass):
// counted apart.
//
//   node bench/stream-diff.mjs --old=<built tree> [--runs=1000]
import fc from 'fast-check';
import { join } from 'node:path';
const arg = (n, d) => process.argv.find((a) => a.startsWith(`--${n}=`))?.slice(n.length + 3) ?? d;
const trees = [join(import.meta.dirname, '..'), arg('old')];
if (!trees[1]) throw new Error('--old=<built tree> is required');
const layouts = {
  'layout.html': '<title>{% block title %}T{% end %}</title>{% block head %}{% end %}\n<body>{% block body %}{% end %}</body><f>{{ t }}</f>',
  'mid.html': '{% extends "layout.html" %}{% block body %}<m>\n{% block inner %}{% end %}</m>{% end %}',
  'stacked.html': '<head>{% stack "css" %}</head>{% block body %}base{% end %}{% include "card.html" %}',
  'stack-block.html': '<h>{% block head %}{% stack "css" %}{% end %}</h>{% block body %}{% end %}',
  'card.html': '<div>{{ c }}</div>', 'loop.html': '<ul>{% for x in xs %}<li>{{ x }}</li>{% end %}</ul>',
  'bad.html': '\n\n<div>{{ none.attr }}</div>', 'pusher.html': '{% push "css" %}<l>{% end %}<p>pushed</p>',
  'async.html': '<a>{{ await p }}</a>{% for x in xs %}{{ x }}{% if x == 1 %}{% break %}{% end %}{% end %}',
};
const envs = [];
for (const t of trees) { const { Environment, DictLoader } = await import(t + '/dist/compiler/environment.js'); envs.push(new Environment({ loader: new DictLoader(layouts) })); }
function* counted(log, n) { try { for (let i = 0; i < n; i++) { log.push('pull ' + i); yield i; } } finally { log.push('closed'); } }
const data = (k, log) => ({ xs: k === 0 ? [1, 2, 3] : k === 1 ? Array.from({ length: 1500 }, (_, i) => i) : counted(log, k === 2 ? 30 : Infinity), t: 'T<>', c: 'C', none: null, p: Promise.resolve('P') });
async function read(env, src, k, stop, mode) {
  const log = []; const t = env.fromString(src); const ctx = data(k, log);
  try {
    const it = mode === 'a' ? t.renderStreamAsync(ctx) : mode === 'b' ? t.renderBlockStream('body', ctx) : t.renderStream(ctx);
    for (let i = 0; ; i++) { if (i === stop) { await it.return(); log.push('stopped'); break; } const r = await it.next(); if (r.done) break; log.push('chunk ' + JSON.stringify(r.value)); }
  } catch (e) { log.push(`!! ${e.name} ${e.template} ${e.lineno}`); }
  return log;
}
const piece = fc.constantFrom('<p>{{ t }}</p>', '\n', '{% include "card.html" %}', '{% include "loop.html" %}', '{% include "bad.html" %}', '{% include "pusher.html" %}',
    '{% include "async.html" %}', '{% for x in xs %}<i>{{ x }}</i>{% if x == 2 %}{% break %}{% end %}{% end %}', '{% for x in xs %}{% include "card.html" %}{% if x == 1 %}{% break %}{% end %}{% end %}', '{% if t %}{% include "card.html" %}{% end %}', '{{ none.attr }}', '{% flush %}', '{% push "css" %}<k>{% end %}', '{% set q = 1 %}{{ q }}', '{% block extra %}X{% include "card.html" %}{% end %}');
const body = fc.array(piece, { maxLength: 4 }).map((ps) => ps.join(''));
const page = fc.tuple(fc.nat({ max: 2 }), fc.oneof(body, fc.record({ parent: fc.constantFrom('layout.html', 'mid.html', 'stacked.html', 'stack-block.html'), title: fc.option(body), head: fc.option(body), body: fc.option(body), inner: fc.option(body) }).map((p) => `{% extends "${p.parent}" %}\n` + ['title', 'head', 'body', 'inner'].filter((b) => p[b] !== null).map((b) => `{% block ${b} %}${p[b]}{% end %}`).join('\n'))), fc.nat({ max: 30 }), fc.constantFrom('s', 'a', 'b'));
let n = 0, closedMoved = 0;
await fc.assert(fc.asyncProperty(page, async ([k, src, stop, mode]) => {
  if (mode === 'b' && !src.includes('{% block body')) return;
  n++;
  const [a, b] = [await read(envs[0], src, k, stop, mode), await read(envs[1], src, k, stop, mode)];
  const [a2, b2] = [await read(envs[0], src, k, Infinity, mode), await read(envs[1], src, k, Infinity, mode)];
  const norm = (l) => l.filter((x) => x !== 'closed').concat(['closed x' + l.filter((x) => x === 'closed').length]);
  if (JSON.stringify([a, a2]) !== JSON.stringify([b, b2])) closedMoved++;
  if (JSON.stringify([norm(a), norm(a2)]) !== JSON.stringify([norm(b), norm(b2)])) throw new Error(src + ' ' + mode + '\n' + JSON.stringify(a2) + '\n' + JSON.stringify(b2));
}), { numRuns: Number(arg('runs', 1000)) });
console.log(`the same chunks, errors and pulls on ${n} pages; a lazy source closed at another chunk on ${closedMoved}`);
