// A page whose `scores` block updates live: the page renders once, then /events sends the block
// re-rendered for every new round as a server-sent event named `scores`, which the HTMX SSE
// extension swaps in (`sse-swap="scores"`). Run: node examples/sse/server.mjs
import { createServer } from 'node:http';
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { pipeToNodeResponse, pipeEventStream } from 'kida/node';
import { blockEvents } from 'kida/sse';
import { compileDir } from '../compile-dir.mjs';

const here = dirname(fileURLToPath(import.meta.url));
compileDir(join(here, 'templates'), join(here, '.build'));
export const page = (await import(pathToFileURL(join(here, '.build', 'live.html.kida.js')).href)).default;

const teams = ['Ants <&>', 'Bees', 'Crows'];
export const scoresAt = (round) => ({ round, scores: teams.map((team, i) => ({ team, points: round * (i + 1) })) });

/** A live source (a database change feed, a queue): a new round every `intervalMs`; `finally` releases it. */
export async function* rounds({ intervalMs = 1000, count = Infinity, onClose = () => {} } = {}) {
  try {
    for (let round = 1; round <= count; round++) {
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
      yield scoresAt(round);
    }
  } finally {
    onClose();
  }
}

export function start(port = 3000, options = {}) {
  const server = createServer((req, res) => {
    if (req.url === '/events') {
      const events = blockEvents(page, 'scores', rounds(options), { event: 'scores', id: (ctx) => String(ctx.round) });
      return void pipeEventStream(events, res, { retry: 2000, keepAlive: options.keepAlive ?? 15000 });
    }
    pipeToNodeResponse(page.renderStreamAsync({ title: 'Live scores', ...scoresAt(0) }), res);
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const server = await start(Number(process.env.PORT ?? 3000));
  console.log(`live page on http://127.0.0.1:${server.address().port}/ (events on /events)`);
}
