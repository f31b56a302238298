// Issue #19 §1, found by the speed pass after the safety passes (issue #22): streams, async renders
// and failed renders observe the data's promises by the names the template reads. Those names
// were its context names, which leave out a name bound anywhere in the template (a loop
// variable, a `set`, `let` or def parameter of that name), although the template reads the data's
// value of it where it is not bound: after the loop, in the set's own value, before the let. A
// rejected promise under such a name, in a stream left unread or a render that failed before the
// read, ended a strict process. Every name the template reads is observed now.
import { describe, expect, it } from 'vitest';
import { distUrl, runStrict } from './strict-child.js';

// Each page reads the data's `x` only where no binding of its own covers it, and the data's `x`
// is a rejected promise (`xs` is empty, `zero` is 0: the failing pages fail before reaching x).
const PAGES: Record<string, string> = {
  'after-loop': '{% for x in xs %}{{ x }}{% end %}{{ x }}',
  'set-value': '{% set x = 0 if xs else x %}{{ x }}',
  'before-let': '{{ x }}{% let x = 1 %}{{ x }}',
  'def-param': '{% def f(x) %}{{ x }}{% end %}{{ f(1) }}{{ x }}',
  'included': '<p>{% include "after-loop" %}</p>',
  'child-block': '{% extends "layout" %}{% block b %}{% for x in xs %}{% end %}{{ x }}{% end %}',
  'layout': '<main>{% block b %}{% end %}</main>',
  'fails-first': '{% for x in xs %}{% end %}{{ 1 / zero }}{{ x }}',
};

describe('promises under names the template also binds', () => {
  it('are observed by an unread stream, an unread async stream and a render that failed first (a strict child)', () => {
    const script = `
      import { Environment, DictLoader } from ${distUrl('dist/compiler/environment.js')};
      const pages = ${JSON.stringify(PAGES)};
      const data = () => ({ xs: [], zero: 0, x: Promise.reject(new Error('x rejected')) });
      const out = [];
      for (const sandbox of [undefined, { maxRenderTime: 1000 }]) {
        const env = new Environment({ loader: new DictLoader(pages), sandbox });
        for (const name of Object.keys(pages)) {
          if (name === 'layout') continue;
          const t = env.getTemplate(name);
          const ways = [
            ['stream', () => { t.renderStream(data()); return 'unread'; }],
            ['async-stream', () => { t.renderStreamAsync(data()); return 'unread'; }],
            ['render', () => t.render(data())],
          ];
          if (name === 'child-block') ways.push(['block-stream', () => { t.renderBlockStream('b', data()); return 'unread'; }]);
          for (const [way, f] of ways)
            try { out.push(name + ' ' + way + ' ' + f()); } catch (e) { out.push(name + ' ' + way + ' ' + (e.code ?? e.name)); }
        }
      }
      await new Promise((r) => setTimeout(r, 30));
      console.log(out.join('\\n'));`;
    const lines = runStrict(script, 60_000).trim().split('\n');
    const once = lines.slice(0, lines.length / 2);
    expect(lines.slice(lines.length / 2)).toEqual(once); // (sandboxed alike)
    // (the unread streams started; the failing page's render failed where it divided, before x;
    // the other renders read x, which observed it, and wrote the promise as a sync render does)
    expect(once).toHaveLength(7 * 3 + 1);
    for (const l of once) {
      const [name, way, outcome] = l.split(' ');
      if (way !== 'render') expect(outcome, l).toBe('unread');
      else if (name === 'fails-first') expect(outcome, l).toMatch(/^K-RUN-/);
      else expect(l, l).toContain('[object Promise]');
    }
  });
});
