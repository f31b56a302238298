// Issue #19, a red team of what landed on 2026-12-07 (async preludes of renderBlock, pageDeep,
// kept data names, One, the Nunjucks this.env view, searchPaths, the bracket rule).
// - §1 renderBlock (sync) of a sync page under a parent whose top level awaits: the parent's
//   async prelude stopped at the first rejected promise, the sync entry point refused, and the
//   promises the prelude had not reached yet were never observed: a strict process ended. The
//   refusal now observes the data's promises, as a root's async-only entry does.
import { describe, expect, it } from 'vitest';
import { distUrl, runStrict } from './strict-child.js';

describe('§1 renderBlock under an async parent that stops at a rejection (a strict child)', () => {
  it('every entry point of every page in the chain leaves nothing unhandled, read, left or unread', () => {
    const script = `
      import { Environment, DictLoader } from ${distUrl('dist/compiler/environment.js')};
      const pages = {
        'base.kida': '<h>{% block head %}H{% end %}</h>{% block body %}B{% end %}',
        'async.kida': '{% extends "base.kida" %}{% let a = await first %}{% let b = await second %}{% block body %}{{ a }}{{ b }}{% end %}',
        'sync.kida': '{% extends "async.kida" %}{% block body %}S{{ a }}{% end %}',
        'deeper.kida': '{% extends "sync.kida" %}{% block head %}D{% end %}',
      };
      const rejected = () => ({ first: Promise.reject(new Error('one')), second: Promise.reject(new Error('two')) });
      const later = () => ({
        first: new Promise((_, no) => setTimeout(() => no(new Error('one')), 2)),
        second: new Promise((_, no) => setTimeout(() => no(new Error('two')), 4)),
      });
      const out = [];
      for (const sandbox of [undefined, { maxRenderTime: 1000 }]) {
        const env = new Environment({ loader: new DictLoader(pages), sandbox });
        for (const name of ['async.kida', 'sync.kida', 'deeper.kida']) {
          const t = env.getTemplate(name);
          for (const data of [rejected, later]) {
            const ways = [
              () => t.renderBlock('body', data()),
              () => [...t.renderBlockStream('body', data())],
              () => t.renderBlockAsync('body', data()),
              async () => { let s = ''; for await (const c of t.renderBlockStreamAsync('body', data())) s += c; return s; },
              async () => { const it = t.renderBlockStreamAsync('body', data())[Symbol.asyncIterator](); const n = it.next(); await it.return(); return n.then(() => 'left', () => 'left'); },
              async () => { t.renderBlockStreamAsync('body', data()); return 'unread'; },
              () => t.render(data()),
            ];
            for (const way of ways)
              try { out.push('text ' + (await way())); } catch (e) { out.push(e.code); }
          }
        }
      }
      await new Promise((r) => setTimeout(r, 50));
      console.log(out.join('\\n'));`;
    const lines = runStrict(script, 60_000).trim().split('\n');
    expect(lines).toHaveLength(2 * 3 * 2 * 7);
    // (every render failed as the template's error, K-RUN-007, or was left/unread by the caller)
    for (const l of lines) expect(['K-RUN-007', 'text left', 'text unread']).toContain(l);
  });
});
