// Issue #20: behaviours where the port differed from the reference, or from itself.
import { describe, expect, it } from 'vitest';
import { makeEnv, renderAll } from '../support.js';
import type { EnvironmentOptions } from '../../compiler/environment.js';
import { Registry, useTemplateNames } from '../../runtime/linkage.js';

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

describe('a relative template name without a calling template', () => {
  const templates = { 'x.html': 'X', 'dir/y.html': '{% include "./z.html" %}', 'dir/z.html': 'Z' };
  it('fails from code with TemplateNotFoundError, whatever exists at the root', () => {
    const env = makeEnv(templates);
    for (const name of ['./x.html', '../x.html', './dir/y.html'])
      expect(() => env.getTemplate(name)).toThrow(expect.objectContaining({ name: 'TemplateNotFoundError', message: expect.stringMatching(/relative names work only inside include, extends, embed or from … import; from code, use the absolute name/) }));
    expect(env.getTemplate('x.html').render()).toBe('X');
    expect(env.getTemplate('./z.html', 'dir/y.html').render()).toBe('Z');
  });
  it('resolves inside a named template, fails at render time inside an unnamed one', async () => {
    const env = makeEnv(templates);
    expect(env.getTemplate('dir/y.html').render()).toBe('Z');
    const unnamed = env.fromString('a{% include "./x.html" %}'); // compiles
    expect(() => unnamed.render()).toThrow(/relative names work only/);
    expect(await everyWay('a{% include "./x.html" ignore missing %}b', {}, templates)).toBe('ab');
    expect(await everyWay('{% set n = "./x.html" %}a{% include n ignore missing %}b', {}, templates)).toBe('ab');
    expect(() => env.fromString('{% from "./x.html" import f %}').render()).toThrow(/relative names work only/);
    expect(env.fromString('{% include "./x.html" %}', { name: 'page.html' }).render()).toBe('X');
  });
});

describe('the same rule in a registry of compiled modules', () => {
  it('load and tryLoad of ./x with no calling template fail as the Environment does', () => {
    useTemplateNames(); // (a module naming templates at run time has loaded)
    const reg = new Registry();
    const x = makeEnv({ 'x.html': 'X' }).getTemplate('x.html');
    reg.define('x.html', () => x);
    reg.define('d/y.html', () => x);
    expect(() => reg.load('./x.html', null)).toThrow(expect.objectContaining({ name: 'TemplateNotFoundError', message: expect.stringMatching(/relative names work only/) }));
    expect(reg.load('../x.html', 'd/y.html')).toBe(x);
    expect(reg.load('x.html', null)).toBe(x);
    expect(reg.tryLoad('./x.html', null)).toBeNull(); // (ignore missing: nothing, as in the Environment)
    expect(reg.tryLoad('../../x.html', 'd/y.html')).toBeNull();
    expect(reg.tryLoad('./x.html', 'x.html')).toBe(x);
    expect(() => reg.load('../../x.html', 'd/y.html')).toThrow(/escapes the template root/);
  });
});
