// A sync template is compiled once for streaming: its generator also drives the async entry
// points, handing async parts (a child's blocks, included or embedded async templates) to the
// async driver. These cases pin that hand-over: ordering, captured output, try/fallback,
// early cancellation and block rendering.
import { describe, expect, it } from 'vitest';
import { makeEnv } from '../support.js';

const tick = <T>(v: T): Promise<T> => new Promise((r) => setTimeout(() => r(v), 1));

async function join(it: AsyncIterable<string>): Promise<string> {
  let s = '';
  for await (const c of it) s += c;
  return s;
}

const templates = {
  'layout.html': '<h>{% block head %}H{% end %}</h>{% for i in [1, 2] %}[{% block body %}{% end %}]{% end %}<f>{{ foot }}</f>',
  'page.html': '{% extends "layout.html" %}{% block body %}{{ await p }}{% end %}',
  'slow.html': '<s>{{ await p }}</s>',
  'failing.html': '{{ await bad }}',
  'sync.html': '<y>{{ foot }}</y>',
};
const env = () => makeEnv(templates);
const ctx = () => ({ p: tick('P'), foot: 'F' });
/** A context whose `bad` rejects (created per test, so no rejection goes unobserved). */
const failing = () => ({ ...ctx(), bad: tick(null).then(() => Promise.reject(new Error('no data'))) });

describe('sync templates delegating to async ones', () => {
  it('a sync layout streams an async child block in order', async () => {
    const t = env().getTemplate('page.html');
    expect(await join(t.renderStreamAsync(ctx()))).toBe('<h>H</h>[P][P]<f>F</f>');
    expect(await t.renderAsync(ctx())).toBe('<h>H</h>[P][P]<f>F</f>');
  });

  it('an async include inside captured output is rendered and sent back', async () => {
    const t = env().fromString('{% capture c %}{% include "slow.html" %}{% end %}{{ c | length }}{{ c }}|{% include "sync.html" %}');
    expect(await t.renderAsync(ctx())).toBe('8<s>P</s>|<y>F</y>');
    expect(await join(t.renderStreamAsync(ctx()))).toBe('8<s>P</s>|<y>F</y>');
  });

  it('an async include that fails is caught by the including template', async () => {
    const t = env().fromString('a{% try %}{% include "failing.html" %}{% fallback e %}fallback{% end %}b');
    expect(await t.renderAsync(failing())).toBe('afallbackb');
  });

  it('an uncaught failure names the failing template', async () => {
    const t = env().fromString('x\n{% include "failing.html" %}');
    await expect(t.renderAsync(failing())).rejects.toThrow(/failing\.html/);
  });

  it('abandoning the stream closes the sync generator (its finally blocks run)', async () => {
    const t = env().fromString('{% for i in [1, 2, 3] %}{% include "slow.html" %}{% end %}');
    const it = t.renderStreamAsync(ctx())[Symbol.asyncIterator]();
    expect((await it.next()).value).toBe('<s>');
    await it.return(undefined);
    expect((await it.next()).done).toBe(true);
  });

  it('renderBlockAsync of a sync block that includes an async template', async () => {
    const t = env().fromString('{% block main %}<m>{% include "slow.html" %}</m>{% end %}');
    expect(await t.renderBlockAsync('main', ctx())).toBe('<m><s>P</s></m>');
    expect(() => t.renderBlock('main', ctx())).toThrow(/async/);
  });

  it('the sync entry points of a sync template never see async parts', () => {
    const t = env().fromString('{% include "sync.html" %}{% capture c %}{% include "sync.html" %}{% end %}{{ c }}');
    expect(t.render({ foot: 1 })).toBe('<y>1</y><y>1</y>');
    expect([...t.renderStream({ foot: 1 })].join('')).toBe('<y>1</y><y>1</y>');
  });
});

describe('sync streams of nested parts (run from one stack, not a yield* chain)', () => {
  const chain = makeEnv({
    'a.html': 'a1{% for i in [1, 2] %}<{% include "b.html" %}>{% end %}a2',
    'b.html': 'b1{% include "c.html" %}b2',
    'c.html': '{% for x in xs %}{{ x }}{% end %}',
    'bad.html': 'ok{% for x in [1, 0] %}{{ 1 // x }}{% end %}',
    'outer.html': 'x{% include "bad.html" %}y',
  });

  it('yields the same chunks, in order, as the parts would one by one', () => {
    const t = chain.getTemplate('a.html');
    const chunks = [...t.renderStream({ xs: ['p', 'q'] })];
    expect(chunks.join('')).toBe(t.render({ xs: ['p', 'q'] }));
    expect(chunks).toEqual(['a1', '<', 'b1', 'p', 'q', 'b2', '>', '<', 'b1', 'p', 'q', 'b2', '>', 'a2']);
  });

  it('an error deep inside names its template after the chunks before it arrived', () => {
    const got: string[] = [];
    expect(() => {
      for (const c of chain.getTemplate('outer.html').renderStream()) got.push(c);
    }).toThrow(/bad\.html/);
    expect(got.join('')).toBe('xok1');
  });

  it('a stream abandoned inside a nested part can be closed and the template rendered again', () => {
    const t = chain.getTemplate('a.html');
    const it = t.renderStream({ xs: ['p', 'q'] })[Symbol.iterator]();
    expect(it.next().value).toBe('a1');
    expect(it.next().value).toBe('<');
    expect(it.next().value).toBe('b1');
    expect(it.return!(undefined).done).toBe(true);
    expect(t.render({ xs: ['z'] })).toBe('a1<b1zb2><b1zb2>a2');
  });
});
