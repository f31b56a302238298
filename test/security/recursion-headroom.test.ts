// Issue #19 §1: recursion that runs out of JavaScript stack before the def's own limit (an
// async def recursing through an include before its first await: each level is many frames)
// ends in K-RUN-006 while there is still room to report it (runtime/template.ts `deep`,
// `headroom`), not in an overflow inside the promise machinery that left a rejection nobody
// handles and ended Node. Run in a child process with strict unhandled rejections.
import { describe, expect, it } from 'vitest';
import { distUrl, runStrict } from './strict-child.js';

describe('recursion deeper than the stack allows', () => {
  it('an async def recursing through a sync include: every entry point ends, the process lives', () => {
    const stdout = runStrict(
      `
      import { DictLoader, Environment } from ${distUrl('dist/compiler/environment.js')};
      const templates = {
        // (the include calls f again before f awaits anything: the recursion is synchronous)
        main: '{% def f(a) %}{% include "inc" %}{{ await p }}{% end %}{{ f(1) }}',
        inc: '{{ f(2) }}',
        // (the same through a call block and a nested include, and a tree deeper than the stack)
        caller: '{% def g(n) %}{% include "inc2" %}{{ caller() }}{% end %}{% call g(1) %}{{ await p }}{% end %}',
        inc2: '{% include "inc3" %}',
        inc3: '{{ g(2) }}',
      };
      const env = new Environment({ loader: new DictLoader(templates) });
      const out = [];
      for (const name of ['main', 'caller']) {
        const t = env.getTemplate(name);
        const data = () => ({ p: Promise.resolve('ok') });
        const ways = [
          () => t.renderAsync(data()),
          async () => { let s = ''; for await (const c of t.renderStreamAsync(data())) s += c; return s; },
          async () => { const it = t.renderStreamAsync(data()); await it.next(); await it.return(); return 'left'; },
        ];
        for (const way of ways) {
          try {
            const s = await way();
            out.push(name + ':' + (s.includes('ok') || s === 'left' ? 'text' : 'other'));
          } catch (e) {
            out.push(name + ':' + e.name + ':' + (/is an async def/.test(e.message) ? 'async-def' : e.code));
          }
        }
      }
      await new Promise((r) => setTimeout(r, 50));
      console.log(JSON.stringify(out));
      `,
      60_000,
    );
    const out = JSON.parse(stdout) as string[];
    expect(out).toHaveLength(6);
    // (each way either renders, fails with the recursion error, or — since the ninth red team —
    // fails where the sync include calls the async def it cannot await (red-team-s9); never a raw
    // RangeError)
    for (const o of out) expect(o).toMatch(/^(main|caller):(text|TemplateRuntimeError:K-RUN-006|TemplateRuntimeError:async-def)$/);
  });
});
