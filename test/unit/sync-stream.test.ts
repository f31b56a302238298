// renderStream with runtime/drive.ts installed (Node: the "node" condition of kida/runtime, the
// Environment, kida/node): parts without a generator served from their chunk lists, a page that
// renders no other part being its own stream, and the async iteration of a sync stream, which
// joins chunks (Readable.from reads it). The sync chunks must be the generator drivers' exactly.
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { DictLoader, Environment } from '../../compiler/environment.js';
import { driveAsync, flatten, handPart, sinkGen, useDrivers } from '../../runtime/template.js';
import { JOIN, chunkPart, driveFast, flattenFast, runIn } from '../../runtime/drive.js';

const drivers = { fast: () => useDrivers(flattenFast, driveFast, chunkPart, runIn), generator: () => useDrivers(flatten, driveAsync, sinkGen, handPart) } as const;
afterAll(drivers.fast); // (what importing the Environment installed)

const env = new Environment({
  loader: new DictLoader({
    'base.html': '<head>{% stack "css" %}</head>{% block body %}base{% end %}<footer>{% block foot %}f{% end %}</footer>',
    'card.html': '<div>{{ c }}</div>',
    'boom.html': 'before{{ none.attr }}after',
  }),
});

/** Every sync chunk, then the error (name, line) if the stream failed. */
function syncChunks(source: string, ctx: object, block?: string): string[] {
  const t = env.fromString(source);
  const out: string[] = [];
  try {
    for (const c of block ? t.renderBlockStream(block, ctx) : t.renderStream(ctx)) out.push(c);
  } catch (e) {
    out.push(`!! ${(e as Error).name} line ${(e as { lineno?: number }).lineno}`);
  }
  return out;
}
function bothDrivers(source: string, ctx: object, block?: string): { fast: string[]; generator: string[] } {
  drivers.generator();
  const generator = syncChunks(source, ctx, block);
  drivers.fast();
  return { fast: syncChunks(source, ctx, block), generator };
}

const ctx = { t: 'T<>', none: null, xs: [1, 2, 3], c: 'C' };
const pages: Record<string, string> = {
  'one output (one chunk)': '{{ t }}',
  'no loop: a page that is its own stream': '<h1>{{ t }}</h1>{% if t %}<b>{{ t }}</b>{% end %}{% set y = 2 %}<i>{{ y }}</i>',
  'an empty output chunk': '{{ "" }}',
  'no loop, failing after chunks': '<h1>{{ t }}</h1>{% if t %}<i>{{ none.attr }}</i>{% end %}tail',
  'no loop, deferring a stack': '<head>{% stack "css" %}</head>{% push "css" %}<l>{% end %}<b>{{ t }}</b>{% if t %}x{% end %}',
  'no loop, deferring then failing': '<head>{% stack "css" %}</head><b>{{ t }}</b>{{ none.attr }}',
  'loops and includes': '<ul>{% for x in xs %}<li>{{ x }}</li>{% include "card.html" %}{% end %}</ul>',
  'inheritance, stacks, blocks without loops': '{% extends "base.html" %}{% block body %}{% push "css" %}<link>{% end %}<p>{{ t }}</p>{% end %}',
  'a failing include inside try': '<a>{% try %}{% include "boom.html" %}{% fallback %}fell{% end %}</a>{% if t %}{{ t }}{% end %}',
  'a failing include at the top': '<a>{{ t }}</a>{% include "boom.html" %}tail',
};

describe('renderStream: the sync chunks of the generator drivers', () => {
  for (const [name, source] of Object.entries(pages))
    it(name, () => {
      const { fast, generator } = bothDrivers(source, ctx);
      expect(fast).toEqual(generator);
      if (!fast.some((c) => c.startsWith('!!'))) expect(fast.join('')).toBe(env.fromString(source).render(ctx));
    });

  it('a block streamed alone (renderBlockStream)', () => {
    const source = '{% block a %}<h1>{{ t }}</h1>{% if t %}!{% end %}{% end %}{% block b %}{% for x in xs %}{{ x }}{% end %}{% end %}';
    for (const block of ['a', 'b']) {
      const { fast, generator } = bothDrivers(source, ctx, block);
      expect(fast, block).toEqual(generator);
    }
  });

  it('is an Iterator: [Symbol.iterator] returns itself, return() ends it, next() after the end is done', () => {
    drivers.fast();
    for (const source of ['<h1>{{ t }}</h1>{% if t %}<b>x</b>{% end %}', '{% for x in xs %}{{ x }}{% end %}']) {
      const s = env.fromString(source).renderStream(ctx);
      expect(s[Symbol.iterator]()).toBe(s);
      expect(s.next().done).toBe(false);
      expect(s.return(undefined)).toEqual({ value: undefined, done: true });
      expect(s.next()).toEqual({ value: undefined, done: true });
    }
  });

  it('random pages of text, conditions, sets, loops and includes (property)', () => {
    const piece = fc.constantFrom('<p>{{ t }}</p>', '{% if t %}<b>{{ t }}</b>{% end %}', '{% set y = t ~ "!" %}{{ y }}', '{% for x in xs %}{{ x }}{% end %}', '{% include "card.html" %}', '{{ "" }}', '{% try %}{{ none.attr }}{% fallback %}F{% end %}', '{{ none.attr }}');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 7 }), (ps) => {
        const { fast, generator } = bothDrivers(ps.join(''), ctx);
        expect(fast).toEqual(generator);
      }),
      { numRuns: 120 },
    );
  });
});

async function asyncChunks(it: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  try {
    for await (const c of it) out.push(c);
  } catch (e) {
    out.push(`!! ${(e as Error).name} line ${(e as { lineno?: number }).lineno}`);
  }
  return out;
}

describe('renderStream read asynchronously: chunks joined, nothing waits between them', () => {
  drivers.fast();
  it('a page under JOIN characters is one chunk; its sync iteration keeps every chunk', async () => {
    const source = '<ul>{% for x in xs %}<li>{{ x }}</li>{% end %}</ul>';
    const t = env.fromString(source);
    expect(await asyncChunks(t.renderStream(ctx) as unknown as AsyncIterable<string>)).toEqual([t.render(ctx)]);
    expect([...t.renderStream(ctx)].length).toBe(5);
  });

  it('a long page comes in chunks of JOIN characters or a little more, joining to render()', async () => {
    const t = env.fromString('{% for x in xs %}<li>{{ x }}</li>{% end %}');
    const data = { xs: Array.from({ length: 30_000 }, (_, i) => 'é'.repeat(i % 7)) };
    const got = await asyncChunks(t.renderStream(data) as unknown as AsyncIterable<string>);
    expect(got.join('')).toBe(t.render(data));
    expect(got.length).toBeGreaterThan(2);
    for (const c of got.slice(0, -1)) expect(c.length >= JOIN && c.length < JOIN + 20).toBe(true);
  });

  it('the text before an error, then the error; an error first is the first outcome', async () => {
    const t = env.fromString('<h1>{{ t }}</h1>{% for x in xs %}{{ 10 // (x - 2) }}{% end %}');
    expect(await asyncChunks(t.renderStream(ctx) as unknown as AsyncIterable<string>)).toEqual(['<h1>T&lt;&gt;</h1>-10', '!! PyError line 1']);
    const first = env.fromString('{{ none.attr }}<p>x</p>');
    expect(await asyncChunks(first.renderStream(ctx) as unknown as AsyncIterable<string>)).toEqual(['!! UndefinedError line 1']);
  });

  it('leaving the loop closes the parts (the data source finally runs)', async () => {
    const log: string[] = [];
    function* rows() {
      try {
        for (let i = 0; ; i++) yield 'x'.repeat(1000) + i;
      } finally {
        log.push('closed');
      }
    }
    const t = env.fromString('{% for r in rows %}{% include "card.html" %}{{ r }}{% end %}');
    for await (const c of t.renderStream({ rows: rows(), c: 'C' }) as unknown as AsyncIterable<string>) {
      expect(c.length).toBeGreaterThanOrEqual(JOIN);
      break;
    }
    expect(log).toEqual(['closed']);
  });

  it('Readable.from(renderStream()) delivers the page in one piece and the same text', async () => {
    const t = env.fromString('<html>{% for x in xs %}{% include "card.html" %}{{ x }}{% end %}</html>');
    const pieces: string[] = [];
    for await (const p of Readable.from(t.renderStream(ctx))) pieces.push(p as string);
    expect(pieces).toEqual([t.render(ctx)]);
  });

  it('random pages: the joined text is render() (property)', async () => {
    const piece = fc.constantFrom('<p>{{ t }}</p>', '{% if t %}<b>{{ t }}</b>{% end %}', '{% for x in xs %}{{ x }}{% end %}', '{% include "card.html" %}', '{{ "" }}');
    await fc.assert(
      fc.asyncProperty(fc.array(piece, { maxLength: 7 }), async (ps) => {
        const t = env.fromString(ps.join(''));
        const got = await asyncChunks(t.renderStream(ctx) as unknown as AsyncIterable<string>);
        expect(got.join('')).toBe(t.render(ctx));
        expect(got.length).toBeLessThanOrEqual(1);
      }),
      { numRuns: 60 },
    );
  });
});

describe("the drivers' sinks", () => {
  it('noSink gives each chunk back, and it and every part sink are closures of one literal (one call-site kind for render and stream)', async () => {
    drivers.fast();
    const { noSink } = await import('../../runtime/template.js');
    const { Chunks } = await import('../../runtime/drive.js');
    expect(noSink('<p>')).toBe('<p>');
    const t = env.fromString('{% for x in xs %}<li>{{ x }}</li>{% end %}');
    const part = t.spec.root.g({} as never, {} as never) as unknown as InstanceType<typeof Chunks>;
    expect(part).toBeInstanceOf(Chunks);
    // (the builder run through the part's own stream gives the chunks into its sink)
    const chunks = [...t.renderStream(ctx)];
    expect(chunks).toEqual(['<li>1</li>', '<li>2</li>', '<li>3</li>']);
    const S = (part as unknown as { sink(c: string[]): (x?: string) => string }).sink([]);
    expect(S('a')).toBe('');
    expect(S()).toBe(1);
    expect(String(S)).toBe(String(noSink));
  });
});
