// Issue #19 §1, found by the grammar fuzzer (seed 9001): two pages that fail before their async
// templates could await what the data holds left a promise nested in the data unobserved, and a
// strict process ended when it rejected:
//  - a sync page whose parent, include or block is async, rendered through a sync entry point:
//    the refusal observed the data's own promises but not those inside its lists and objects,
//    which the async template would have awaited;
//  - an async page whose parent (or include) does not compile: the names the page would read
//    were taken from the templates that load, so the parent's names were not walked.
// Now a refusal walks the data as an async entry does, and a page one of whose templates does
// not load observes every key (runtime/template.ts asyncOnly, pageNames).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DictLoader, Environment } from '../../compiler/environment.js';
import { distUrl, runStrict } from './strict-child.js';

/** Data whose `held` nests a promise rejecting now or after `later` ms, in a shape of `shape`. */
function nested(shape: 'list' | 'tuple' | 'object' | 'map', later: number): Record<string, unknown> {
  const p = later ? new Promise((_, no) => setTimeout(() => no(new Error('nested later')), later)) : Promise.reject(new Error('nested now'));
  const held = shape === 'list' ? ['x', p] : shape === 'tuple' ? Object.freeze(['x', p]) : shape === 'object' ? { k: { p } } : new Map([['k', p]]);
  return { a: Promise.resolve('A'), held };
}

const PAGES: Record<string, { tpls: Record<string, string>; block?: string }> = {
  syncChildOfAsyncParent: { tpls: { main: '{% extends "base" %}{% block b %}B{% end %}', base: '{{ await a }}{% block b %}{% end %}{{ held }}' } },
  syncIncludesAsync: { tpls: { main: 'M{% include "inc" %}', inc: '{{ await a }}{{ held }}' } },
  syncBlockOfAsyncPage: { tpls: { main: '{% extends "base" %}{% block b %}B{{ held }}{% end %}', base: '{{ await a }}{% block b %}{% end %}' }, block: 'b' },
  asyncPageParentBroken: { tpls: { main: '{% extends "base" %}{% block b %}{{ await a }}{% end %}', base: '{{ -1.upper() }}{{ held }}{% block b %}{% end %}' } },
  asyncPageIncludeBroken: { tpls: { main: '{{ await a }}{% include "inc" %}', inc: '{% if %}{{ held }}' } },
};

describe('a page that fails before its async template awaits leaves no nested promise unobserved', () => {
  it('in a strict child process: every entry point, every shape, rejecting now or later', () => {
    const script = `
      import { DictLoader, Environment } from ${distUrl('dist/compiler/environment.js')};
      const pages = ${JSON.stringify(PAGES)};
      ${nested.toString()}
      const tick = (ms) => new Promise((r) => setTimeout(r, ms));
      let failures = 0;
      for (const [name, page] of Object.entries(pages)) {
        const t = new Environment({ loader: new DictLoader(page.tpls) }).getTemplate('main');
        for (const shape of ['list', 'tuple', 'object', 'map']) for (const later of [0, 3]) {
          const calls = [(d) => t.render(d), (d) => [...t.renderStream(d)], (d) => t.renderAsync(d), async (d) => { for await (const c of t.renderStreamAsync(d)); }];
          if (page.block) calls.push((d) => t.renderBlock(page.block, d), (d) => t.renderBlockAsync(page.block, d));
          for (const call of calls) {
            try { await call(nested(shape, later)); } catch { failures++; }
          }
        }
      }
      await tick(30);
      console.log(failures);
    `;
    // (every call fails: refused, or the broken template's syntax error; none may end the process)
    expect(Number(runStrict(script, 60_000))).toBeGreaterThan(0);
  });

  it('in process: the rejection stays observed whatever the data nests it in (property)', async () => {
    const unhandled: unknown[] = [];
    const on = (e: unknown) => void unhandled.push(e);
    process.on('unhandledRejection', on);
    try {
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...Object.keys(PAGES)), fc.constantFrom('list', 'tuple', 'object', 'map') as fc.Arbitrary<'list'>, fc.integer({ min: 0, max: 3 }), async (name, shape, way) => {
          const page = PAGES[name]!;
          const t = new Environment({ loader: new DictLoader(page.tpls) }).getTemplate('main');
          const d = nested(shape, 0);
          const call = [() => t.render(d), () => [...t.renderStream(d)], () => t.renderAsync(d), () => t.renderBlockAsync(page.block ?? 'b', d)][way]!;
          await Promise.resolve().then(call).catch(() => {}); // (refused or failed, or a block that renders)
          await new Promise((r) => setTimeout(r, 5));
          expect(unhandled.splice(0)).toEqual([]);
        }),
        { numRuns: 60 },
      );
    } finally {
      process.off('unhandledRejection', on);
    }
  });
});
