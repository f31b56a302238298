// A part of one chunk (a page of text and outputs only, a one-line block) streams through
// runtime/drive.ts's `One`: its builder's result on the first next(), then the end, with no chunk
// list or sink. Every way of reading it must give what the generator drivers give: the chunk, the
// error with its line, the end, and what return()/throw() leave behind.
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { DictLoader, Environment } from '../../compiler/environment.js';
import { One } from '../../runtime/drive.js';
import type { Template } from '../../runtime/template.js';
import { drivers } from '../stream-support.js';

afterAll(drivers.fast); // (what importing the Environment installed)

const env = new Environment({ loader: new DictLoader({}) });
const ctx = { t: 'T<&>', none: null, n: 0 };

type How = 'sync' | 'async' | 'joined';
/** Reads a stream as `how` says, calling `end` ('return' or 'throw') at chunk `stop`; logs every outcome. */
async function read(t: Template, how: How, stop: number, end: 'return' | 'throw', block?: string): Promise<string[]> {
  const log: string[] = [];
  const outcome = (e: unknown) => log.push(`!! ${(e as Error).name} line ${(e as { lineno?: number }).lineno}`);
  const it: Iterator<string> | AsyncIterator<string> =
    how === 'sync'
      ? block
        ? t.renderBlockStream(block, ctx)
        : t.renderStream(ctx)
      : how === 'async'
        ? block
          ? t.renderBlockStreamAsync(block, ctx)
          : t.renderStreamAsync(ctx)
        : (t.renderStream(ctx) as unknown as AsyncIterable<string>)[Symbol.asyncIterator]();
  try {
    for (let k = 0; ; k++) {
      if (k === stop) {
        try {
          const r = end === 'return' ? await it.return!(undefined) : await it.throw!(new Error('stop'));
          log.push(`${end} ${JSON.stringify(r)}`);
        } catch (e) {
          log.push(`${end} threw ${(e as Error).message}`);
        }
        break;
      }
      const r = await it.next();
      if (r.done) break;
      log.push(`chunk ${JSON.stringify(r.value)}`);
    }
  } catch (e) {
    outcome(e);
  }
  // (after the end, an error, return() or throw(): done, and it stays done)
  log.push(`then ${JSON.stringify(await it.next())}`);
  return log;
}

/**
 * What the fast drivers and the generator drivers give for the same read. The joined async read of
 * renderStream is the fast drivers' own (text joined, an empty chunk left out, no throw()): read to
 * its end, its text and outcome against the generator drivers' sync read, joined the same way.
 */
async function both(source: string, how: How, stop: number, end: 'return' | 'throw', block?: string) {
  drivers.generator();
  if (how === 'joined') {
    const generator = joinedLog(await read(env.fromString(source), 'sync', 99, end));
    drivers.fast();
    return { fast: joinedLog(await read(env.fromString(source), how, 99, end)), generator };
  }
  const generator = await read(env.fromString(source), how, stop, end, block);
  drivers.fast();
  return { fast: await read(env.fromString(source), how, stop, end, block), generator };
}
/** A read's chunks as one text, then its other outcomes. */
function joinedLog(log: string[]): string[] {
  const chunks = log.filter((l) => l.startsWith('chunk ')).map((l) => JSON.parse(l.slice(6)) as string);
  return [chunks.join(''), ...log.filter((l) => !l.startsWith('chunk '))];
}

// (each piece on a line of its own, so an error's line tells which one failed)
const piece = fc.constantFrom('<p>text</p>', '{{ t }}', '{{ t | upper }}', '{{ "" }}', '{{ t if n else "n" }}', '{{ none.attr }}', '{{ 1 // n }}');

describe('a one-chunk part (drive.ts One)', () => {
  it('a page of text and outputs is a one-chunk part, and its stream is a One', () => {
    drivers.fast();
    const t = env.fromString('<h1>{{ t }}</h1>\n{{ t | upper }}');
    expect(t.spec.root.k).toBe(1);
    expect(t.renderStream(ctx)).toBeInstanceOf(One);
  });

  it('every read gives what the generator drivers give, wherever it stops (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(piece, { minLength: 1, maxLength: 5 }),
        fc.constantFrom<How>('sync', 'async', 'joined'),
        fc.integer({ min: 0, max: 3 }),
        fc.constantFrom<'return' | 'throw'>('return', 'throw'),
        async (ps, how, stop, end) => {
          const source = ps.join('\n');
          expect(env.fromString(source).spec.root.k ?? 1).toBe(1);
          const { fast, generator } = await both(source, how, stop, end);
          expect(fast).toEqual(generator);
          // (read to its end, the text is render()'s)
          if ((stop > 1 || how === 'joined') && !fast.some((l) => l.startsWith('!!')))
            expect(how === 'joined' ? fast[0] : joinedLog(fast)[0]).toBe(env.fromString(source).render(ctx));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('a one-chunk block streamed alone, and inside a layout, as the generator drivers give it', async () => {
    const source = '<html>{% block title %}<t>{{ t }}</t>{% end %}{% block bad %}{{ none.attr }}{% end %}</html>';
    for (const how of ['sync', 'async'] as const)
      for (const stop of [0, 1, 2, 4]) {
        for (const block of ['title', 'bad']) {
          const { fast, generator } = await both(source, how, stop, 'return', block);
          expect(fast, `${how} ${block} ${stop}`).toEqual(generator);
        }
        const { fast, generator } = await both(source, how, stop, 'throw');
        expect(fast, `${how} page ${stop}`).toEqual(generator);
      }
  });
});
