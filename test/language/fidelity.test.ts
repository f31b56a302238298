// Issue #20: behaviours where the port differed from the reference, or from itself.
import { describe, expect, it } from 'vitest';
import { makeEnv, renderAll } from '../support.js';
import type { EnvironmentOptions } from '../../compiler/environment.js';

/** renderAll plus renderAsync: every render method gives the same text. */
async function everyWay(source: string, ctx: Record<string, unknown> = {}, templates: Record<string, string> = {}, options: EnvironmentOptions = {}): Promise<string> {
  const whole = await renderAll(source, ctx, options, templates);
  expect(await makeEnv(templates, options).fromString(source).renderAsync(ctx)).toBe(whole);
  return whole;
}

describe('a block modifier named if', () => {
  const src = '{% block chart if="metadata" if show %}x{% end %}';
  it('is a modifier, and the bare if after it is the guard', async () => {
    expect(await everyWay(src, { show: true })).toBe('x');
    expect(await everyWay(src, { show: false })).toBe('');
    const t = makeEnv().fromString(src);
    expect(t.blockMetadata().chart!.modifiers).toEqual({ if: 'metadata' });
    expect(t.renderBlock('chart', {})).toBe('x');
  });
  it('works without a guard, among other modifiers, and on fragments', async () => {
    expect(await everyWay('{% block b mode="sse" if=1 %}y{% end %}')).toBe('y');
    expect(makeEnv().fromString('{% block b mode="sse" if=1 %}y{% end %}').blockMetadata().b!.modifiers).toEqual({ mode: 'sse', if: 1 });
    const f = makeEnv().fromString('{% fragment f if="x" %}z{% end %}');
    expect(f.render({})).toBe('');
    expect(f.renderBlock('f', {})).toBe('z');
  });
  it('still rejects a duplicate if modifier and a guard on a fragment', () => {
    expect(() => makeEnv().fromString('{% block b if="a" if="b" %}{% end %}')).toThrow(/Duplicate block modifier 'if'/);
    expect(() => makeEnv().fromString('{% fragment f if="a" if x %}{% end %}')).toThrow(/cannot take an if guard/);
  });
});
