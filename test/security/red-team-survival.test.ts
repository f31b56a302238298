// Red team: `{% defer %}` and `{% cache %}` over async stores never end the process. Parts that
// reject late, after the reader left, after the render failed; stores that reject or throw late.
// Run in a child process with --unhandled-rejections=strict (dist/: `npx tsc -p tsconfig.json`).
import { describe, expect, it } from 'vitest';
import { distUrl, runStrict } from './strict-child.js';


describe('red team: the process survives deferred parts and async stores', () => {
  it('a child process with --unhandled-rejections=strict exits 0 and reports nothing', () => {
    const stdout = runStrict(
      `import { DictLoader, Environment } from ${distUrl('dist/compiler/environment.js')};
const later = (v, ms) => new Promise((r) => setTimeout(() => r(v), ms));
const failLater = (m, ms) => new Promise((_, no) => setTimeout(() => no(new Error(m)), ms));
const store = { get: () => failLater('get', 5), set: () => failLater('set', 30), timeoutMs: 2 };
const throwing = { get: () => { throw new Error('get'); }, set: () => { throw new Error('set'); } };
const envs = [new Environment({ fragmentCache: store }), new Environment({ fragmentCache: throwing, sandbox: true }), new Environment({ autoescape: false })];
const sources = [
  '{% defer v = p %}{{ v }}{% placeholder %}…{% end %}{% defer w = bad %}{{ w }}{% placeholder %}…{% end %}<f>{{ await slow }}',
  '{% defer v = bad %}{{ v }}{% placeholder %}…{% fallback %}{{ 1 // 0 }}{% end %}{% defer w = bad2 %}{{ w }}{% placeholder %}…{% end %}',
  '{% defer v = p %}{{ 1 // 0 }}{% placeholder %}…{% end %}{% defer w = bad %}{{ w.x.y }}{% placeholder %}…{% end %}',
  '{% for i in range(50) %}{% defer v = bad %}{{ v }}{% placeholder %}.{% end %}{% end %}{{ 1 // z }}',
  '{% cache k %}{% defer v = bad %}{{ v }}{% placeholder %}…{% end %}{% end %}',
  '{% cache k %}<c>{{ await p }}</c>{% end %}{% defer v = bad %}{{ v }}{% placeholder %}…{% end %}',
  '{% def f(n) %}{% defer v = p %}{{ f(n + 1) }}{% placeholder %}.{% end %}{% end %}{{ f(0) }}',
];
const names = [];
for (const env of envs)
  for (const src of sources) {
    let t;
    try { t = env.fromString(src); } catch (e) { names.push(e.name); continue; }
    for (let stop = 0; stop < 3; stop++) {
      // (a rejecting promise goes only to templates that name it: one no template names is the host's own)
      const make = { p: () => later(1, 2), slow: () => later('s', 15), bad: () => failLater('bad', 3), bad2: () => failLater('bad2', 40) };
      const ctx = () => ({ k: 'k' + stop, z: 0, ...Object.fromEntries(Object.entries(make).filter(([n]) => new RegExp('\\b' + n + '\\b').test(src)).map(([n, f]) => [n, f()])) });
      try {
        if (stop === 2) await t.renderAsync(ctx());
        else {
          const it = t.renderStreamAsync(ctx());
          if (stop) { await it.next(); await it.return(); } else for await (const _ of it);
        }
      } catch (e) { names.push(e.name); }
    }
  }
await later(0, 100);
process.stdout.write(JSON.stringify(names));
`,
      120_000,
    );
    const names = JSON.parse(stdout) as string[];
    expect(names.length).toBeGreaterThan(5);
    for (const n of names) expect(['TemplateRuntimeError', 'UndefinedError', 'PyError', 'TemplateSyntaxError', 'SecurityError', 'PolicyError']).toContain(n);
  }, 150_000);
});
