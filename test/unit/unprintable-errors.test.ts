// A host filter, test or global may throw a value that cannot be printed: an object whose
// toString or Symbol.toPrimitive throws, a revoked Proxy (every trap throws, instanceof too), an
// object without a prototype. The render must still fail with one TemplateRuntimeError naming the
// template and line (issue #19 §1), in every render entry and for blocks, not with the TypeError
// that printing the value raised.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile } from '../../dist/compiler/index.js';
import { DictLoader, Environment } from '../../dist/compiler/environment.js';
import { TemplateRuntimeError, type Template } from '../../dist/runtime/index.js';
import { expectNoUnhandledRejections } from '../support.js';

const revoked = (): object => {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
};
const payloads: [string, () => unknown][] = [
  ['an ordinary Error (the control)', () => new TypeError('plain')],
  ['an object whose toString throws', () => ({ toString: (): string => { throw new Error('toString throws'); } })],
  ['an object whose Symbol.toPrimitive throws', () => ({ [Symbol.toPrimitive]: (): string => { throw new Error('toPrimitive throws'); } })],
  ['a revoked Proxy', revoked],
  ['an object with no prototype', () => Object.create(null) as object],
  ['an Error whose message and name getters throw', () => {
    const e = new Error('x');
    for (const k of ['message', 'name']) Object.defineProperty(e, k, { get: () => { throw new Error(`${k} getter throws`); } });
    return e;
  }],
];

type Way = (env: Environment) => Promise<unknown>;
const page = 'page.kida';
const templates = {
  [page]: 'first line\n{% block main %}\nbefore\n{{ x | bad }}\n{% end %}',
  'async.kida': 'first line\n{% block main %}\n{{ await ok }}\n{{ x | bad }}\n{% end %}',
};
const drain = async (it: AsyncIterable<string> | Iterable<string>) => {
  let s = '';
  for await (const c of it) s += c;
  return s;
};
const ways: [string, string, Way][] = [
  ['render', page, async (env) => env.getTemplate(page).render({ x: 1 })],
  ['renderStream', page, async (env) => drain(env.getTemplate(page).renderStream({ x: 1 }))],
  ['renderAsync', page, (env) => env.getTemplate(page).renderAsync({ x: 1 })],
  ['renderStreamAsync', page, (env) => drain(env.getTemplate(page).renderStreamAsync({ x: 1 }))],
  ['renderBlock', page, async (env) => env.getTemplate(page).renderBlock('main', { x: 1 })],
  ['renderBlockAsync', page, (env) => env.getTemplate(page).renderBlockAsync('main', { x: 1 })],
  ['renderAsync of an async template', 'async.kida', (env) => env.getTemplate('async.kida').renderAsync({ x: 1, ok: Promise.resolve('ok') })],
  ['renderBlockAsync of an async template', 'async.kida', (env) => env.getTemplate('async.kida').renderBlockAsync('main', { x: 1, ok: Promise.resolve('ok') })],
];

describe('an unprintable value thrown by a host filter', () => {
  expectNoUnhandledRejections();
  for (const [what, payload] of payloads)
    it.each(ways)(`${what}: %s fails with one located error`, async (_, name, way) => {
      const env = new Environment({ loader: new DictLoader(templates) });
      const thrown = payload();
      env.addFilter('bad', () => {
        throw thrown;
      });
      let caught: unknown;
      try {
        await way(env);
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(TemplateRuntimeError);
      const err = caught as TemplateRuntimeError;
      expect(err.templateName).toBe(name);
      expect(err.lineno).toBe(4);
      expect(err.message).toContain(`${name}:4`);
      expect(err.cause === thrown).toBe(true); // (kept for the host to inspect; compared without printing it)
    });
});

describe('an unprintable value thrown by a global, through a compiled ES module', () => {
  expectNoUnhandledRejections();
  const dir = join(import.meta.dirname, '.out-unprintable');
  const name = 'page.html.kida';
  let mod: Template;
  beforeAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const { code } = compile('first line\n{% block main %}\nbefore\n{{ bad(x) }}\n{% end %}', { name });
    writeFileSync(join(dir, 'page.mjs'), code);
    mod = (await import(pathToFileURL(join(dir, 'page.mjs')).href)).default;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const entries: [string, (t: Template, ctx: object) => Promise<unknown>][] = [
    ['render', async (t, ctx) => t.render(ctx)],
    ['renderStream', (t, ctx) => drain(t.renderStream(ctx))],
    ['renderAsync', (t, ctx) => t.renderAsync(ctx)],
    ['renderStreamAsync', (t, ctx) => drain(t.renderStreamAsync(ctx))],
    ['renderBlock', async (t, ctx) => t.renderBlock('main', ctx)],
  ];
  for (const [what, payload] of payloads)
    it.each(entries)(`${what}: %s`, async (_, entry) => {
      const thrown = payload();
      const ctx = { x: 1, bad: () => { throw thrown; } };
      const err = await entry(mod, ctx).then(() => null, (e: unknown) => e);
      expect(err).toBeInstanceOf(TemplateRuntimeError);
      expect(err).toMatchObject({ templateName: name, lineno: 4 });
      expect((err as TemplateRuntimeError).cause === thrown).toBe(true);
    });
});
