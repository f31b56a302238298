// Shared helpers for the language suites: every render goes through render(),
// renderStream() and renderStreamAsync(), which must agree.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { DictLoader, Environment, type EnvironmentOptions } from '../compiler/environment.js';
import type { Template } from '../runtime/template.js';

/** Writes `files` (paths relative to `dir`, folders made as needed) into `dir`; returns `dir`. */
export function writeFiles(dir: string, files: Record<string, string>): string {
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

export function makeEnv(templates: Record<string, string> = {}, options: EnvironmentOptions = {}): Environment {
  return new Environment({ loader: new DictLoader(templates), ...options });
}

/** Renders `source` all three ways, checks they agree, returns the text. */
export async function renderAll(source: string, ctx: Record<string, unknown> = {}, options: EnvironmentOptions = {}, templates: Record<string, string> = {}): Promise<string> {
  const t = makeEnv(templates, options).fromString(source);
  const whole = t.render(ctx);
  expect([...t.renderStream(ctx)].join('')).toBe(whole);
  let chunks = '';
  for await (const c of t.renderStreamAsync(ctx)) chunks += c;
  expect(chunks).toBe(whole);
  return whole;
}

/** The text of `t` by render, renderStream, renderAsync and renderStreamAsync, which must agree. */
export async function everyWay(t: Template, ctx: Record<string, unknown>): Promise<string> {
  const whole = t.render(ctx);
  expect([...t.renderStream(ctx)].join('')).toBe(whole);
  expect(await t.renderAsync(ctx)).toBe(whole);
  let chunks = '';
  for await (const c of t.renderStreamAsync(ctx)) chunks += c;
  expect(chunks).toBe(whole);
  return whole;
}

/** Synchronous render through the Environment. */
export function r(source: string, ctx: Record<string, unknown> = {}, options: EnvironmentOptions = {}, templates: Record<string, string> = {}): string {
  return makeEnv(templates, options).fromString(source).render(ctx);
}

/** The error a render throws (fails the test when it does not throw). */
export function renderError(source: string, ctx: Record<string, unknown> = {}, options: EnvironmentOptions = {}, templates: Record<string, string> = {}): Error & Record<string, unknown> {
  try {
    makeEnv(templates, options).fromString(source).render(ctx);
  } catch (e) {
    return e as Error & Record<string, unknown>;
  }
  throw new Error(`expected an error rendering ${JSON.stringify(source)}`);
}

/** The Python exception type a thunk raises (PyError.pyType, else the class name), or undefined. */
export function raisedType(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return (e as { pyType?: string }).pyType ?? (e as Error).constructor.name;
  }
  return undefined;
}

/** An endless data source (0, 1, 2, …): each `rows()` is a new generator that writes 'closed' to `log` when it is closed. */
export function endlessSource(): { log: string[]; rows: () => Generator<number> } {
  const log: string[] = [];
  function* rows() {
    try {
      for (let i = 0; ; i++) yield i;
    } finally {
      log.push('closed');
    }
  }
  return { log, rows };
}

/**
 * Fails each test (of the calling file or describe) after which a rejection went unhandled:
 * hooks listening for `unhandledRejection`, checked `settleMs` after the test, when timers the
 * test started have fired (issue #19: nothing a template or its data does ends the process).
 */
export function expectNoUnhandledRejections(settleMs = 40): void {
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown) => void unhandled.push(e);
  beforeAll(() => void process.on('unhandledRejection', onUnhandled));
  afterAll(() => void process.off('unhandledRejection', onUnhandled));
  afterEach(async () => {
    await new Promise((r) => setTimeout(r, settleMs));
    expect(unhandled.splice(0).map((e) => String((e as Error)?.message ?? e))).toEqual([]);
  });
}
