// Issue #19 §1 after issue #22's fifth pass (docs/decisions.md "Per-render cost, fifth pass"):
// `render()` of a sync template no longer reads every name its template names at its start.
// It observes each promise as it reads it, and the names it did not reach only when it ends
// early: an error midway, in the root, a block, an include, a def. Streams and async renders
// observe at their start as before (a stream may be left after one chunk; an async template
// awaits later). Each case runs in a child process with --unhandled-rejections=strict, where
// a promise the runtime leaves unobserved ends the process.
import { describe, expect, it } from 'vitest';
import { distUrl, runStrict } from './strict-child.js';
import { renderError } from '../support.js';

/** A child script: `cases` is a list of [source, how], run with a fresh rejecting `bad` each. */
const script = (cases: [string, string][]) => `import { DictLoader, Environment } from ${distUrl('dist/compiler/environment.js')};
const failLater = (m, ms) => new Promise((_, no) => setTimeout(() => no(new Error(m)), ms));
const later = (v, ms) => new Promise((r) => setTimeout(() => r(v), ms));
const env = new Environment({ loader: new DictLoader({
  'fails.html': 'inc\\n{{ 1 // 0 }}{{ bad }}',
  'base.html': '<{% block a %}{% end %}|{% block b %}{{ bad }}{% end %}>',
}) });
const out = [];
for (const [src, how] of ${JSON.stringify(cases)}) {
  const t = env.fromString(src);
  // (a getter that throws beside the promise: the failed render's observation passes over it)
  const ctx = Object.defineProperty({ n: 1, bad: failLater('bad', 5), slow: later('s', 10) }, 'boom', { get() { throw new Error('boom'); }, enumerable: true });
  try {
    if (how === 'render') out.push(t.render(ctx));
    else if (how === 'block') out.push(t.renderBlock('a', ctx));
    else if (how === 'stream-return') { const s = t.renderStream(ctx); s.next(); s.return(); out.push('returned'); }
    else if (how === 'stream-throw') { const s = t.renderStream(ctx); s.next(); try { s.throw(new Error('consumer')); } catch { out.push('thrown'); } }
    else if (how === 'async-return') { const s = t.renderStreamAsync(ctx); await s.next(); await s.return(); out.push('returned'); }
    else out.push(await t.renderAsync(ctx));
  } catch (e) { out.push(e.name + ':' + e.lineno); }
}
await later(0, 40);
process.stdout.write(JSON.stringify(out));
`;

describe('a render that ends early observes the promises it did not reach', () => {
  it('sync render(), renderBlock() failing midway; streams left early; async templates awaiting later (strict child)', () => {
    const cases: [string, string][] = [
      ['a\n{{ 1 // 0 }}\n{{ bad }}', 'render'], // (an error before the read)
      ['{% if n %}{{ missing_fn() }}{% else %}{{ bad }}{% end %}', 'render'], // (a branch not taken, then an error)
      ['{% include "fails.html" %}{{ bad }}', 'render'], // (an included template fails)
      ['{% def f() %}{{ 1 // 0 }}{% end %}{{ f() }}{{ bad }}', 'render'], // (a def fails)
      ['{% extends "base.html" %}{% block a %}{{ 1 // 0 }}{% end %}{% block b %}{{ bad }}{% end %}', 'render'], // (a block fails before the one reading `bad`)
      ['{% block a %}{{ 1 // 0 }}{% end %}{% block c %}{{ bad }}{% end %}', 'block'],
      ['{{ boom }}{{ bad }}', 'render'], // (the getter's own error, at its line; `bad` still observed)
      ['one{% flush %}{{ bad }}', 'stream-return'],
      ['one{% flush %}{{ bad }}', 'stream-throw'],
      ['one{% flush %}{{ bad }}', 'async-return'],
      ['{{ await slow }}{{ await bad }}', 'async'], // (bad rejects before the template awaits it)
      ['{{ n }}{% if false %}{{ bad }}{% end %}{{ bad is defined }}', 'render'], // (read: observed by the read)
    ];
    const out = JSON.parse(runStrict(script(cases), 60_000)) as string[];
    expect(out).toEqual([
      'PyError:2',
      'UndefinedError:1',
      'PyError:2',
      'PyError:1',
      'PyError:1',
      'PyError:1',
      'TemplateRuntimeError:1',
      'returned',
      'thrown',
      'returned',
      'TemplateRuntimeError:1',
      '1True',
    ]);
  }, 90_000);

  it("a data getter that throws is the template's error at its line, also when the render fails and observes the rest", () => {
    const data = Object.defineProperty({ bad: Promise.resolve(1) }, 'boom', {
      get() {
        throw new Error('boom');
      },
      enumerable: true,
    });
    const e = renderError('ok\n{{ boom }}{{ bad }}', data);
    expect([e.name, e.lineno, String(e.message)]).toEqual(['TemplateRuntimeError', 2, expect.stringContaining('boom')]);
  });
});
