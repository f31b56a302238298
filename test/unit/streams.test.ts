// Chunk boundaries, RenderedTemplate and toReadableStream.
import { describe, expect, it } from 'vitest';
import { RenderedTemplate, toReadableStream } from '../../runtime/index.js';
import { makeEnv } from '../support.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('chunk boundaries', () => {
  const env = makeEnv({
    'base.html': '<html>{% block body %}{% end %}</html>',
    'child.html': '{% extends "base.html" %}{% block body %}Hi {{ name }}!{% for i in [1, 2] %}<{{ i }}>{% end %}{% end %}',
  });
  it('coalesce straight-line text and outputs, split per loop iteration and block', () => {
    const chunks = [...env.getTemplate('child.html').renderStream({ name: 'W' })];
    expect(chunks).toEqual(['<html>', 'Hi W!', '<1>', '<2>', '</html>']);
    expect(chunks.join('')).toBe(env.getTemplate('child.html').render({ name: 'W' }));
  });
  it('split at flush and deliver earlier chunks before an error', () => {
    const t = makeEnv().fromString('a{% flush %}b{{ 1 // x }}');
    const got: string[] = [];
    expect(() => {
      for (const c of t.renderStream({ x: 0 })) got.push(c);
    }).toThrow(/division/);
    expect(got).toEqual(['a', '']);
  });
});

describe('RenderedTemplate', () => {
  it('is iterable, async iterable and stringifiable', async () => {
    const rt = new RenderedTemplate(makeEnv().fromString('{% for x in xs %}{{ x }}{% end %}'), { xs: [1, 2] });
    expect([...rt]).toEqual(['1', '2']);
    let s = '';
    for await (const c of rt) s += c;
    expect(s).toBe('12');
    expect(String(rt)).toBe('12');
  });
});

describe('toReadableStream', () => {
  async function read(stream: ReadableStream<Uint8Array>) {
    const parts: { text: string; at: number }[] = [];
    const reader = stream.getReader();
    const dec = new TextDecoder();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return parts;
      parts.push({ text: dec.decode(value), at: performance.now() });
    }
  }
  it('coalesces small sync chunks into one', async () => {
    const parts = await read(toReadableStream(['a', 'b', 'c']));
    expect(parts.map((p) => p.text)).toEqual(['abc']);
  });
  it('sends pending bytes before waiting on a slow source', async () => {
    let resumedAt = Infinity;
    async function* chunks() {
      yield '<head>';
      yield '</head>';
      await sleep(100);
      resumedAt = performance.now();
      yield '<body>';
    }
    const parts = await read(toReadableStream(chunks()));
    expect(parts.map((p) => p.text)).toEqual(['<head></head>', '<body>']);
    // (read before the source woke: an order, not a clock bound a loaded machine could miss)
    expect(parts[0]!.at).toBeLessThan(resumedAt);
  });
  it('streams an async template as bytes', async () => {
    const t = makeEnv().fromString('<h1>{{ t }}</h1>{% async for x in xs %}{{ x }}{% end %}');
    async function* xs() {
      await sleep(20);
      yield 1;
    }
    const parts = await read(toReadableStream(t.renderStreamAsync({ t: 'T', xs: xs() })));
    expect(parts.map((p) => p.text)).toEqual(['<h1>T</h1>', '1']);
  });
});
