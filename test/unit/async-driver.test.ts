// runtime/drive.ts's drivers against the runtime's own generators: driveFast against driveAsync
// (renderStreamAsync, renderAsync) and flattenFast against flatten (renderStream). The same
// chunks, the same text, the same errors and the same closing of abandoned parts, for sync
// parts only, for stacks handed over mid-stream (an async include, a Collect, an async fragment
// store, deferred stacks), and for failures anywhere.
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { DictLoader, Environment } from '../../compiler/environment.js';
import { driveAsync, flatten, handPart, sinkGen, useDrivers } from '../../runtime/template.js';
import { chunkPart, driveFast, flattenFast, runIn } from '../../runtime/drive.js';
import { endlessSource } from '../support.js';

const drivers = { fast: () => useDrivers(flattenFast, driveFast, chunkPart, runIn), generator: () => useDrivers(flatten, driveAsync, sinkGen, handPart) } as const;
afterAll(drivers.fast); // (what importing the Environment installed)

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const store = new Map<string, string>();
const asyncStore = {
  async get(k: string) {
    await sleep(1);
    return store.get(k) ?? null;
  },
  async set(k: string, v: string) {
    await sleep(1);
    store.set(k, v);
  },
};
const templates: Record<string, string> = {
  'base.html': '<head>{% stack "css" %}</head>{% block body %}base{% end %}<footer>{% block foot %}f{% end %}</footer>',
  'card.html': '<div>{{ c }}</div>',
  'slow.html': '<s>{{ await slow }}</s>',
  'boom.html': 'before{{ none.attr }}after',
  'pushes.html': '{% push "css" %}<link>{% end %}p',
};
const env = new Environment({ loader: new DictLoader(templates) });
const cached = new Environment({ loader: new DictLoader(templates), fragmentCache: asyncStore });
const cases: Record<string, [Environment, string]> = {
  'text and loops': [env, '<h1>{{ t }}</h1>{% for i in range(20) %}<i>{{ i }}</i>{% end %}<p>end</p>'],
  'includes, inheritance and blocks': [env, '{% extends "base.html" %}{% block body %}{% for c in range(5) %}{% include "card.html" %}{% end %}{% end %}'],
  'an async include mid-page': [env, '<a>{% for i in range(3) %}{{ i }}{% end %}{% include "slow.html" %}{% for i in range(3) %}<b>{{ i }}</b>{% end %}</a>'],
  'a Collect (an async include captured)': [env, '<a>{% capture x %}{% include "slow.html" %}!{% end %}[{{ x }}]{% for i in range(3) %}{{ i }}{% end %}</a>'],
  'an async fragment store': [cached, '<a>{% for i in range(3) %}{{ i }}{% end %}{% cache "k" ~ t %}<c>{{ t }}</c>{% end %}<z>{% for i in range(2) %}{{ i }}{% end %}</z></a>'],
  'deferred stacks': [env, '{% extends "base.html" %}{% block body %}{% include "pushes.html" %}{% for i in range(3) %}<i>{{ i }}</i>{% end %}{% end %}'],
  'a failing include inside try': [env, '<a>{% try %}{% include "boom.html" %}{% fallback %}fell{% end %}</a>{% for i in range(3) %}{{ i }}{% end %}'],
  'a failing async include inside try': [env, '<a>{% try %}{% include "slow.html" %}{% fallback %}fell{% end %}</a>'],
  'a failure at the top, after chunks': [env, '{% for i in range(3) %}{{ i }}{% end %}{% include "boom.html" %}tail'],
  'a failure after an async part': [env, '{% include "slow.html" %}{% for i in range(3) %}{{ i }}{% end %}{{ none.attr }}'],
  // async templates at the top: their stream is read by driveFast itself (issue #22, fourth pass)
  'an async page: a def per item after the awaited list': [env, '<h>{{ t }}</h>{% def card(p) %}<c>{{ p }}</c>{% end %}{% for p in await slowList %}{{ card(p) }}{% end %}<z>'],
  'an async page failing mid-loop, after chunks': [env, '<h>{% for p in await slowList %}{{ p }}{% if p == 2 %}{{ none.attr }}{% end %}{% end %}tail'],
  'an async page with try around a failing await': [env, 'a{% try %}<b>{{ await slow }}{{ none.attr }}</b>{% fallback %}fell{% end %}{% for i in range(3) %}{{ i }}{% end %}'],
  'an async page including sync and async parts': [env, '{% for i in range(2) %}{% include "pushes.html" %}{% end %}{{ await slow }}{% include "slow.html" %}{% for p in await slowList %}{{ p }}{% end %}'],
  'an async page extending a layout with a deferred stack': [env, '{% extends "base.html" %}{% block body %}{{ await slow }}{% include "pushes.html" %}{% for p in await slowList %}<i>{{ p }}</i>{% end %}{% end %}'],
  'an async block pushing after the stack': [env, '{% extends "base.html" %}{% block body %}{% for p in await slowList %}<i>{{ p }}</i>{% end %}{% end %}{% block foot %}{{ await slow }}{% include "pushes.html" %}{% end %}'],
};

type Outcome = { chunks: string[]; text: string | null; error: string | null; sync?: string[] };
async function run(e: Environment, source: string, ctx: Record<string, unknown>): Promise<Outcome> {
  const t = e.fromString(source);
  const chunks: string[] = [];
  let error: string | null = null;
  try {
    for await (const c of t.renderStreamAsync({ ...ctx, slow: ctx.slow && Promise.resolve(ctx.slow), slowList: Promise.resolve([1, 2, 3]) })) chunks.push(c);
  } catch (err) {
    error = `${(err as Error).name}: ${(err as Error).message} @${(err as { lineno?: number }).lineno}`;
  }
  let text: string | null = null;
  try {
    text = await t.renderAsync({ ...ctx, slow: ctx.slow && Promise.resolve(ctx.slow), slowList: Promise.resolve([1, 2, 3]) });
  } catch (err) {
    text = `${(err as Error).name}: ${(err as Error).message}`;
  }
  const out: Outcome = { chunks, text, error };
  if (!t.isAsync) {
    // renderStream, where it can run (a sync template whose includes are sync)
    out.sync = [];
    try {
      for (const c of t.renderStream(ctx)) out.sync.push(c);
    } catch (err) {
      out.sync.push(`${(err as Error).name}: ${(err as Error).message} @${(err as { lineno?: number }).lineno}`);
    }
  }
  return out;
}

describe('driveFast serves what driveAsync serves', () => {
  for (const [name, [e, source]] of Object.entries(cases))
    it(name, async () => {
      const got: Record<string, Outcome> = {};
      for (const [k, use] of Object.entries(drivers)) {
        use();
        store.clear();
        got[k] = await run(e, source, { t: 'T<>', slow: 'SLOW', none: null });
      }
      expect(got.fast).toEqual(got.generator);
      expect(got.fast!.chunks.length).toBeGreaterThan(1);
    });

  it('a random page of text, loops, includes and async includes (property)', async () => {
    const piece = fc.constantFrom('<p>{{ t }}</p>', '{% for i in range(2) %}{{ i }}{% end %}', '{% include "card.html" %}', '{% include "slow.html" %}', '{% capture x %}{% include "slow.html" %}{% end %}{{ x }}', '{% try %}{% include "boom.html" %}{% fallback %}F{% end %}');
    await fc.assert(
      fc.asyncProperty(fc.array(piece, { maxLength: 8 }), async (ps) => {
        const source = ps.join('') + 'end';
        const got: Outcome[] = [];
        for (const use of Object.values(drivers)) {
          use();
          got.push(await run(env, source, { t: 'x', c: 1, slow: 'S', none: null }));
        }
        expect(got[0]).toEqual(got[1]);
      }),
      { numRuns: 60 },
    );
  });
});

describe('an abandoned stream closes its parts (driveFast, flattenFast)', () => {
  drivers.fast();
  function source() {
    const { log, rows } = endlessSource();
    return { log, rows: rows() };
  }
  it('return() before the hand-over runs the data source finally and ends the stream', async () => {
    const t = env.fromString('{% for r in rows %}{% include "card.html" %}{% end %}');
    const s = source();
    const it = t.renderStreamAsync({ rows: s.rows, c: 'x' });
    expect((await it.next()).value).toBe('<div>x</div>');
    expect(s.log).toEqual([]);
    expect(await it.return()).toEqual({ value: undefined, done: true });
    expect(s.log).toEqual(['closed']);
    expect(await it.next()).toEqual({ value: undefined, done: true });
  });
  it('return() after the hand-over (an async include read) too', async () => {
    const t = env.fromString('{% include "slow.html" %}{% for r in rows %}{{ r }}{% end %}');
    const s = source();
    const it = t.renderStreamAsync({ rows: s.rows, slow: Promise.resolve('S') });
    const first: string[] = [];
    for (let i = 0; i < 4; i++) first.push((await it.next()).value as string);
    // (an async part's chunks are gathered between its waits; the rows are a lazy source: one a chunk)
    expect(first).toEqual(['<s>', 'S</s>', '0', '1']);
    await it.return();
    expect(s.log).toEqual(['closed']);
  });
  it('throw() rejects with the error and closes the parts; the stream is an AsyncIterator', async () => {
    const t = env.fromString('{% for r in rows %}{{ r }}{% end %}');
    const s = source();
    const it = t.renderStreamAsync({ rows: s.rows });
    expect(it[Symbol.asyncIterator]()).toBe(it);
    await it.next();
    await expect(it.throw(new Error('stop'))).rejects.toThrow('stop');
    expect(s.log).toEqual(['closed']);
    expect(await it.next()).toEqual({ value: undefined, done: true });
  });
  it('an async page: return() while its data is awaited waits for that read, then closes the part and its data source', async () => {
    const t = env.fromString('<a>{% for r in await later %}{{ r }}{% end %}');
    const s = source();
    let release!: (v: unknown) => void;
    const it = t.renderStreamAsync({ later: new Promise((r) => (release = r)) });
    expect((await it.next()).value).toBe('<a>');
    const pending = it.next(); // (the page awaits `later`)
    const ended = it.return();
    release(s.rows);
    expect((await pending).value).toBe('0');
    expect(await ended).toEqual({ value: undefined, done: true });
    expect(s.log).toEqual(['closed']);
    expect(await it.next()).toEqual({ value: undefined, done: true });
  });
  it('an async page: next() calls made at once are answered in order, as an async generator queues them', async () => {
    const t = env.fromString('<a>{% for r in await later %}<{{ r }}>{% end %}</a>');
    const it = t.renderStreamAsync({ later: new Promise((r) => setTimeout(() => r([1, 2]), 2)) });
    const got = await Promise.all(Array.from({ length: 6 }, () => it.next()));
    // (what follows the wait is gathered: the list is read ahead)
    expect(got).toEqual([...['<a>', '<1><2></a>'].map((value) => ({ value, done: false })), ...Array(4).fill({ value: undefined, done: true })]);
  });
  it('an async page: throw() mid-loop rejects with the error and closes its data source', async () => {
    const t = env.fromString('{% for r in await later %}{{ r }}{% end %}');
    const s = source();
    const it = t.renderStreamAsync({ later: Promise.resolve(s.rows) });
    expect((await it.next()).value).toBe('0');
    await expect(it.throw(new Error('stop'))).rejects.toThrow('stop');
    expect(s.log).toEqual(['closed']);
    expect(await it.next()).toEqual({ value: undefined, done: true });
  });
  it('renderStream: return() and throw() close the parts; an error ends the stream', () => {
    const t = env.fromString('{% for r in rows %}{% include "card.html" %}{% end %}');
    const s = source();
    const it = t.renderStream({ rows: s.rows, c: 'x' });
    expect(it[Symbol.iterator]()).toBe(it);
    expect(it.next().value).toBe('<div>x</div>');
    expect(it.return()).toEqual({ value: undefined, done: true });
    expect(s.log).toEqual(['closed']);
    expect(it.next()).toEqual({ value: undefined, done: true });
    const s2 = source();
    const it2 = t.renderStream({ rows: s2.rows, c: 'x' });
    it2.next();
    expect(() => it2.throw(new Error('stop'))).toThrow('stop');
    expect(s2.log).toEqual(['closed']);
    const failing = env.fromString('a{% include "boom.html" %}b').renderStream({ none: null });
    expect(failing.next().value).toBe('a');
    expect(() => failing.next()).toThrow(/attr/);
    expect(failing.next()).toEqual({ value: undefined, done: true });
  });
});
