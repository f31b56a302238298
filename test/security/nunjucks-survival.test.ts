// Issue #19 §1 in `compat: 'nunjucks'`: nothing a template or its data does ends the process.
// JavaScript methods that call back (`xs.map(f)`, `forEach`, `some`, `reduce`, `replace(p, f)`)
// and `groupby(f)` observe what an async callback returns; recursion (macros, macros through
// methods, self-includes, include cycles) and deep or cyclic data end in a TemplateRuntimeError
// naming the template and line — through the Environment's render methods and kida/nunjucks'
// render callbacks, sandboxed or not. A child process run with --unhandled-rejections=strict
// must exit 0; in-process, no unhandledRejection may be reported.
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { distUrl, runStrict } from './strict-child.js';
import { everyWay } from './nunjucks-support.js';

const tick = (ms = 5) => new Promise((r) => setTimeout(r, ms));
const failLater = (msg: string, ms = 2) => new Promise((_, no) => setTimeout(() => no(new Error(msg)), ms));

const unhandled: unknown[] = [];
const onUnhandled = (e: unknown) => void unhandled.push(e);
beforeAll(() => void process.on('unhandledRejection', onUnhandled));
afterAll(() => void process.off('unhandledRejection', onUnhandled));
afterEach(async () => {
  await tick(30);
  expect(unhandled.map((e) => String((e as Error)?.message ?? e))).toEqual([]);
});

const af = async () => {
  throw new Error('async callback');
};

describe('async callbacks a method or filter drops never become unhandled rejections', () => {
  for (const src of [
    '{{ xs.map(af) | length }}', '{% set x = xs.forEach(af) %}done', '{{ xs.some(af) }}{{ xs.filter(af) | length }}{{ xs.find(af) }}',
    '{{ xs.every(af) }}{{ xs.findIndex(af) }}', '{{ xs.reduce(af, 0) | length }}', '{{ s.replace("a", af) | length }}',
    '{{ s.replaceAll("a", af) | length }}', '{{ xs | groupby(af) | length }}', '{% set y = af() %}done', '{{ xs.flatMap(af) | length }}',
  ])
    for (const sandbox of [false, true])
      it(`${src}${sandbox ? ' (sandboxed)' : ''}`, async () => {
        const all = await everyWay(src, () => ({ xs: [1, 2], s: 'aa', af }), sandbox);
        for (const [way, r] of Object.entries(all)) expect(typeof r, `${way}: ${String(r)}`).toBe('string');
      });
});

describe('recursion and deep data end in a TemplateRuntimeError naming the template and line', () => {
  const deep = () => {
    let d: unknown[] = [];
    for (let i = 0; i < 100_000; i++) d = [d];
    return d;
  };
  const templates = { 'self.njk': 'x\n{% include "self.njk" %}', 'a.njk': '{% include "b.njk" %}', 'b.njk': '{% include "a.njk" %}' };
  for (const [src, line] of [
    ['\n{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}', 2],
    ['\n\n{% macro f(n) %}{{ [n].map(f) }}{% endmacro %}{{ f(0) }}', 3],
    ['{% include "self.njk" %}', null],
    ['{% include "a.njk" %}', null],
    ['\n{{ deep }}', 2],
    ['\n{{ deep | dump }}', 2],
    ['\n{{ cyc | dump }}', 2],
  ] as const)
    it(src.trim(), async () => {
      const all = await everyWay(src, () => ({ deep: deep(), cyc: (() => { const c: unknown[] = [1]; c.push(c); return c; })() }), false, templates);
      for (const [way, r] of Object.entries(all)) {
        expect(r, way).toBeInstanceOf(Error);
        const e = r as Error & Record<string, unknown>;
        expect(e.name, `${way}: ${e.message}`).toBe('TemplateRuntimeError');
        expect(String(e.templateName), way).toMatch(/\.njk|<template>/);
        if (line !== null && way !== 'renderBlock' && !way.startsWith('kida/nunjucks')) expect(e.lineno, way).toBe(line);
      }
    });
  it('in the sandbox, recursion is cut by the iteration budget first (a SecurityError)', async () => {
    const all = await everyWay('{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}', () => ({}), { maxLoopIterations: 500 });
    for (const [way, r] of Object.entries(all)) expect((r as Error).name, way).toBe('SecurityError');
  });
});

describe('a child process running hostile Nunjucks templates exits 0, with no unhandled rejection', () => {
  it('Environment (plain and sandboxed) and kida/nunjucks render callbacks', () => {
    const stdout = runStrict(
      `import { DictLoader, Environment } from ${distUrl('dist/compiler/environment.js')};
import njk from ${distUrl('dist/adapters/nunjucks.js')};
const later = (v, ms) => new Promise((r) => setTimeout(() => r(v), ms));
const failLater = (m, ms) => new Promise((_, no) => setTimeout(() => no(new Error(m)), ms));
const templates = { 'self.njk': '{% include "self.njk" %}', 'a.njk': 'x{% include "b.njk" %}', 'b.njk': '{% include "a.njk" %}' };
const sources = [
  '{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}', '{% macro f(n) %}{{ [n].map(f) }}{% endmacro %}{{ f(0) }}',
  '{% include "self.njk" %}', '{% include "a.njk" %}', '{{ xs.map(af) }}', '{% set x = xs.forEach(af) %}',
  '{{ xs.some(af) }}{{ xs.filter(af) }}', '{{ xs.reduce(af, 0) }}', '{{ s.replace("a", af) }}', '{{ xs | groupby(af) | dump }}',
  '{{ bad }}', '{% set y = af() %}', '{{ xs | af2 }}', '{{ deep }}', '{{ deep | dump }}', '{{ cyc }}', '{{ cyc | dump }}',
  '{{ s.match(q) }}', '{{ "x".repeat(1000000000) }}', '{{ range(1000000000000) | length }}',
];
const names = [];
for (const sandbox of [false, true]) {
  const env = new Environment({ loader: new DictLoader(templates), compat: 'nunjucks', sandbox, filters: { af2: () => failLater('af2', 1) } });
  const adapter = new njk.Environment(new DictLoader(templates), { sandbox });
  adapter.addFilter('af2', () => failLater('af2', 1));
  for (const src of sources) {
    const ctx = () => ({ xs: [1, 2], s: 'a'.repeat(40) + '!', q: '(a+)+$', af: async () => { throw new Error('af'); },
      ...(src.includes('bad') ? { bad: failLater('bad', 1) } : {}),
      deep: (() => { let d = []; for (let i = 0; i < 200000; i++) d = [d]; return d; })(),
      cyc: (() => { const c = [1]; c.push(c); return c; })() });
    const t = env.fromString(src);
    for (let stop = 0; stop < 2; stop++) {
      try {
        const it = t.renderStreamAsync(ctx());
        if (stop) { await it.next(); await it.return(); } else for await (const _ of it);
      } catch (e) { names.push(e.name); }
    }
    try { t.render(ctx()); } catch (e) { names.push(e.name); }
    await new Promise((ok) => adapter.renderString(src, ctx(), (err) => { if (err) names.push(err.name); ok(); }));
  }
}
await later(0, 50);
process.stdout.write(JSON.stringify(names));
`,
      120_000,
    );
    const names = JSON.parse(stdout) as string[];
    expect(names.length).toBeGreaterThan(40);
    for (const n of names) expect(['TemplateRuntimeError', 'SecurityError']).toContain(n);
  }, 150_000);
});
