// Issue #22, streams eighth pass: a sync part that renders other parts at its top level (a layout's
// root, a block holding a block, a page's includes, `extendsRoot`) has no generator; it suspends
// where it renders a part (runtime `part`), and the fast drivers (runtime/drive.ts) run the part
// into its chunk list instead, where that keeps the stream as it was. Compared here against the
// generator drivers (template.ts sinkGen, which hands every part to the driver, as the generator
// twins did), over generated pages and hierarchies: the same chunks, errors and lines, items
// pulled from lazy sources, and closing, wherever the reader stops.
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { DictLoader, Environment } from '../../compiler/environment.js';
import { counted, drivers, readChunks, readChunksAsync } from '../stream-support.js';
afterAll(drivers.fast); // (what importing the Environment installed)

const layouts: Record<string, string> = {
  'layout.html': '<title>{% block title %}T{% end %}</title>{% block head %}{% end %}\n<body>{% block body %}{% end %}</body><f>{{ t }}</f>',
  'mid.html': '{% extends "layout.html" %}{% block body %}<m>\n{% block inner %}{% end %}</m>{% end %}',
  'stacked.html': '<head>{% stack "css" %}</head>{% block body %}base{% end %}{% include "card.html" %}',
  'card.html': '<div>{{ c }}</div>',
  'loop.html': '<ul>{% for x in xs %}<li>{{ x }}</li>{% end %}</ul>',
  'bad.html': '\n\n<div>{{ none.attr }}</div>',
  'pusher.html': '{% push "css" %}<l>{% end %}<p>pushed</p>',
  'async.html': '<a>{{ await p }}</a>{% for x in xs %}{{ x }}{% if x == 1 %}{% break %}{% end %}{% end %}',
  'stack-block.html': '<h>{% block head %}{% stack "css" %}{% end %}</h>{% block body %}{% end %}',
};
const env = new Environment({ loader: new DictLoader(layouts) });

type Source = 'short list' | 'long list' | 'lazy' | 'endless';
const kinds = fc.constantFrom<Source>('short list', 'long list', 'lazy', 'endless');
function data(kind: Source, log: string[]): Record<string, unknown> {
  const xs = kind === 'short list' ? [1, 2, 3] : kind === 'long list' ? Array.from({ length: 1500 }, (_, i) => i) : counted(log, kind === 'lazy' ? 30 : Infinity);
  return { xs, t: 'T<>', c: 'C', none: null, p: Promise.resolve('P') };
}

type Read = { block?: string; async?: boolean };
/** Reads at most `stop` chunks (then return()), logging chunks, errors with their lines, and what the source saw. */
async function read(source: string, kind: Source, stop: number, how: Read): Promise<string[]> {
  const log: string[] = [];
  const t = env.fromString(source);
  const ctx = data(kind, log);
  try {
    if (how.async) {
      await readChunksAsync(how.block ? t.renderBlockStreamAsync(how.block, ctx) : t.renderStreamAsync(ctx), stop, log);
    } else {
      readChunks(how.block ? t.renderBlockStream(how.block, ctx) : t.renderStream(ctx), stop, log);
    }
  } catch (e) {
    log.push(`!! ${(e as Error).name} ${(e as { template?: string }).template} line ${(e as { lineno?: number }).lineno}`);
  }
  return log;
}

/** What a block (or a page without a parent) is made of: text, loops, parts rendered at its top level or inside a loop or branch, stacks, failures. */
const piece = (endless: boolean) =>
  fc.constantFrom(
    '<p>{{ t }}</p>',
    '\n',
    '{% include "card.html" %}',
    '{% include "loop.html" %}',
    '{% include "bad.html" %}',
    '{% include "pusher.html" %}',
    '{% include "async.html" %}',
    '{% for x in xs %}<i>{{ x }}</i>{% if x == 2 %}{% break %}{% end %}{% end %}',
    '{% for x in xs %}{% include "card.html" %}{% if x == 1 %}{% break %}{% end %}{% end %}',
    '{% if t %}{% include "card.html" %}{% end %}',
    '{{ none.attr }}',
    '{% flush %}',
    '{% push "css" %}<k>{% end %}',
    ...(endless ? [] : ['{% for x in xs %}{{ x }}{% end %}']),
  );
const body = (endless: boolean) => fc.array(piece(endless), { maxLength: 4 }).map((ps) => ps.join(''));
/** A page: its own top level, or a child of a layout (two levels with mid.html) filling some blocks. */
const page = kinds.chain((kind) => {
  const endless = kind === 'endless';
  return fc.tuple(
    fc.constant(kind),
    fc.oneof(
      body(endless),
      // (a deferred stack holds the page to its end: not over an endless source)
      fc.record({ parent: fc.constantFrom('layout.html', 'mid.html', ...(endless ? [] : ['stacked.html', 'stack-block.html'])), title: fc.option(body(endless)), head: fc.option(body(endless)), body: fc.option(body(endless)), inner: fc.option(body(endless)) }).map((p) => {
        const blocks = (['title', 'head', 'body', 'inner'] as const).filter((b) => p[b] !== null).map((b) => `{% block ${b} %}${p[b]}{% end %}`);
        return `{% extends "${p.parent}" %}\n${blocks.join('\n')}`;
      }),
    ),
    fc.nat({ max: 30 }),
  );
});

describe('parts rendered by a sink part: the fast drivers against the generator drivers', () => {
  it('renderStream and renderBlockStream: same chunks, errors, pulls and closing, wherever the reader stops (property)', async () => {
    await fc.assert(
      fc.asyncProperty(page, async ([kind, source, stop]) => {
        // (an endless source read to its end never ends: read 80 chunks far)
        const all = kind === 'endless' ? 80 : Infinity;
        const reads: Read[] = [{}, ...(source.includes('{% block body') ? [{ block: 'body' }] : [])];
        for (const how of reads) {
          drivers.generator();
          const generator = [await read(source, kind, stop, how), await read(source, kind, all, how)];
          drivers.fast();
          expect([await read(source, kind, stop, how), await read(source, kind, all, how)]).toEqual(generator);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('renderStreamAsync: the same (property)', async () => {
    await fc.assert(
      fc.asyncProperty(page, async ([kind, source, stop]) => {
        const all = kind === 'endless' ? 80 : Infinity;
        drivers.generator();
        const generator = [await read(source, kind, stop, { async: true }), await read(source, kind, all, { async: true })];
        drivers.fast();
        expect([await read(source, kind, stop, { async: true }), await read(source, kind, all, { async: true })]).toEqual(generator);
      }),
      { numRuns: 100 },
    );
  });

  it('the chunks join to render(), or end in render()’s error (property)', () => {
    drivers.fast();
    fc.assert(
      fc.property(page, ([kind, source]) => {
        if (kind === 'endless') return;
        const t = env.fromString(source);
        let want: string;
        try {
          want = t.render(data(kind, []));
        } catch (e) {
          expect(() => [...t.renderStream(data(kind, []))]).toThrow((e as Error).message);
          return;
        }
        expect([...t.renderStream(data(kind, []))].join('')).toBe(want);
      }),
      { numRuns: 200 },
    );
  });

  it('a stack read in a block holds only what follows it, as when the block was a part of its own', () => {
    const t = env.fromString('{% extends "stack-block.html" %}{% block body %}<a>{% include "pusher.html" %}<b>{% end %}');
    drivers.generator();
    const generator = [...t.renderStream({})];
    drivers.fast();
    const fast = [...t.renderStream({})];
    expect(fast).toEqual(generator);
    // (the layout's first chunk was handed out before its block read the stack; from there on, held to the end)
    expect(fast).toEqual(['<h>', '<l></h><a><p>pushed</p><b>']);
    expect(fast.join('')).toBe(t.render({}));
  });

  it('stays lazy: a page whose block loops over an endless source gives its head before the first pull', () => {
    drivers.fast();
    const log: string[] = [];
    const it = env.fromString('{% extends "layout.html" %}{% block body %}{% include "loop.html" %}{% end %}').renderStream({ xs: counted(log, Infinity), t: 'T' });
    const head: string[] = [];
    for (let r = it.next(); !log.length && !r.done; r = it.next()) head.push(r.value as string);
    expect(head.join('')).toBe('<title>T</title>\n<body><ul>');
    expect(log).toEqual(['pull 0']);
    it.return(undefined);
    expect(log).toEqual(['pull 0', 'closed']);
  });

  it('throw() and return() into such a page after it handed a part over close the parts, innermost first, in both driver sets', () => {
    const page = '{% extends "mid.html" %}{% block inner %}{% include "loop.html" %}{% end %}';
    for (const set of [drivers.generator, drivers.fast]) {
      set();
      for (const end of ['throw', 'return'] as const) {
        const log: string[] = [];
        const it = env.fromString(page).renderStream({ xs: counted(log, Infinity), t: 'T' });
        while (!log.length) it.next();
        if (end === 'throw') expect(() => it.throw(new Error('stop'))).toThrow('stop');
        else expect(it.return(undefined)).toEqual({ value: undefined, done: true });
        expect(log).toEqual(['pull 0', 'closed']);
        expect(it.next()).toEqual({ value: undefined, done: true });
        expect(log).toEqual(['pull 0', 'closed']);
      }
    }
  });
});
