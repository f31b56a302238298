// Issue #22, async streams fifth pass: an async template's parts gather their output between
// waits (compiler/codegen/gather.ts). What must hold: no chunk that precedes a wait is held back
// by it; what follows a wait comes in few chunks (up to 65,536 characters, every item of a lazy
// source on its own); the text, the errors and their lines are those of the render; sources close.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DictLoader, Environment } from '../../compiler/environment.js';
import { compile } from '../../compiler/index.js';
import { endlessSource } from '../support.js';

const env = (templates: Record<string, string> = {}) => new Environment({ loader: new DictLoader(templates) });
const later = () => {
  let release!: (v: unknown) => void;
  const p = new Promise((r) => (release = r));
  return { p, release };
};
/** Lets every microtask and the current macrotask run: whatever the render can do without the held promises is done. */
const settle = () => new Promise((r) => setImmediate(r));

/** Reads a stream in the background: the chunks so far, and the end (or the error). */
function reader(it: AsyncIterable<string>) {
  const chunks: string[] = [];
  let error: unknown = null;
  const done = (async () => {
    try {
      for await (const c of it) chunks.push(c);
    } catch (e) {
      error = e;
    }
  })();
  return { chunks, done, error: () => error };
}

const CARDS = '<head>{{ t }}</head>{% def card(p) %}<div>{{ p.n }}</div>{% end %}{% for p in await cards %}{{ card(p) }}{% end %}</body>';

describe('an async part gathers its output between waits', () => {
  it('the head leaves while the data are awaited; the cards after them are one chunk', async () => {
    const data = later();
    const r = reader(env().fromString(CARDS).renderStreamAsync({ t: 'T<', cards: data.p }));
    await settle();
    expect(r.chunks).toEqual(['<head>T&lt;</head>']);
    data.release(Array.from({ length: 300 }, (_, n) => ({ n })));
    await r.done;
    expect(r.chunks).toHaveLength(2);
    expect(r.chunks[1]).toMatch(/^<div>0<\/div><div>1<\/div>.*<div>299<\/div><\/body>$/);
  });

  it('a value that is no promise is not a wait; a call whose result is a promise is', async () => {
    expect(await chunks(env().fromString('a{{ await x }}b{{ await y }}c'), { x: 'X', y: 1 })).toEqual(['aXb1c']);
    const p = later();
    const t = env().fromString('{% def d() %}{{ await p }}!{% end %}<a>{{ d() }}</a>');
    const r = reader(t.renderStreamAsync({ p: p.p }));
    await settle();
    expect(r.chunks).toEqual(['<a>']);
    p.release('P');
    await r.done;
    expect(r.chunks).toEqual(['<a>', 'P!</a>']);
  });

  it('joins up to 65,536 characters at a loop step, and every item of a lazy source on its own', async () => {
    const big = env().fromString('{% for i in await n %}{{ s }}{% end %}');
    const got = await chunks(big, { n: Promise.resolve(Array.from({ length: 200 })), s: 'x'.repeat(1000) });
    expect(got.join('')).toBe('x'.repeat(200_000));
    expect(got.map((c) => c.length)).toEqual([66_000, 66_000, 66_000, 2_000]);
    function* rows() {
      for (let i = 0; i < 3; i++) yield i;
    }
    expect(await chunks(env().fromString('<ul>{% for r in await rows %}<li>{{ r }}</li>{% end %}</ul>'), { rows: Promise.resolve(rows()) })).toEqual([
      '<ul>',
      '<li>0</li>',
      '<li>1</li>',
      '<li>2</li>',
      '</ul>',
    ]);
  });

  it('an endless source is read one item a chunk and closed by return()', async () => {
    const { log, rows } = endlessSource();
    const it = env().fromString('{% for r in await rows %}<{{ r }}>{% end %}').renderStreamAsync({ rows: Promise.resolve(rows()) });
    const got = [];
    for (let i = 0; i < 3; i++) got.push((await it.next()).value);
    expect(got).toEqual(['<0>', '<1>', '<2>']);
    await it.return(undefined);
    expect(log).toEqual(['closed']);
  });

  it('a promise left behind by an abandoned stream is observed: its rejection ends nothing', async () => {
    const seen: unknown[] = [];
    const note = (e: unknown) => seen.push(e);
    process.on('unhandledRejection', note);
    try {
      // (a Nunjucks async filter's promise is awaited, not observed, where it is made)
      const njk = new Environment({ compat: 'nunjucks' });
      njk.addFilter('late', () => new Promise((_, no) => setTimeout(() => no(new Error('late')), 5)), true);
      const it = njk.fromString('<a>{{ t }}{% set x = 1 | late %}{{ x }}').renderStreamAsync({ t: 'T' });
      expect((await it.next()).value).toBe('<a>T'); // (the stream stops at the yield before the await)
      await it.return(undefined);
      await new Promise((r) => setTimeout(r, 30));
      expect(seen).toEqual([]);
    } finally {
      process.off('unhandledRejection', note);
    }
  });

  it('what was gathered before an error comes first, then the error with its line', async () => {
    const t = env().fromString('{{ await z }}<b>{% for i in [n] %}{{ i }}{% end %}\n{{ none.x }}</b>');
    const r = reader(t.renderStreamAsync({ z: Promise.resolve('Z'), n: 1, none: null }));
    await r.done;
    expect(r.chunks).toEqual(['Z<b>1']);
    expect(r.error()).toMatchObject({ lineno: 2 });
    await expect(t.renderAsync({ z: 'Z', n: 1, none: null })).rejects.toMatchObject({ lineno: 2 });
  });

  it('{% async for %}: each item leaves before the next is awaited, and before the source closes at a break', async () => {
    const steps = [later(), later(), later()];
    const closing = later();
    let closed = false;
    const src = {
      i: 0,
      [Symbol.asyncIterator]() {
        return this;
      },
      next() {
        const s = steps[this.i++];
        return s ? s.p.then((v) => ({ value: v, done: false })) : Promise.resolve({ value: undefined, done: true });
      },
      return() {
        return closing.p.then(() => ((closed = true), { value: undefined, done: true }));
      },
    };
    const t = env().fromString('<ul>{% async for x in src %}<li>{{ x }}</li>{% if x == 2 %}{% break %}{% end %}{% end %}</ul>');
    const r = reader(t.renderStreamAsync({ src }));
    await settle();
    expect(r.chunks).toEqual(['<ul>']);
    steps[0]!.release(1);
    await settle();
    expect(r.chunks).toEqual(['<ul>', '<li>1</li>']);
    steps[1]!.release(2);
    await settle();
    expect(r.chunks).toEqual(['<ul>', '<li>1</li>', '<li>2</li>']); // (out before return() settles)
    expect(closed).toBe(false);
    closing.release(null);
    await r.done;
    expect(r.chunks.join('')).toBe('<ul><li>1</li><li>2</li></ul>');
  });

  it('a def that awaits nothing calls no def, so is not depth-counted; one that awaits is, and endless recursion fails cleanly', async () => {
    const { code } = compile('{% def a(p) %}<a>{{ p }}</a>{% end %}{% def r(n) %}{{ await z }}{% if n > 0 %}{{ r(n - 1) }}{% end %}{% end %}{{ a(1) }}{{ r(3) }}', { name: 'd.html' });
    expect(code).toMatch(/ctx, \$D0(, 1)?\)/); // (a light def: runtime makeDef's last argument)
    expect(code).toMatch(/\$deep\("r", \$D1\)/);
    const t = env().fromString('{% def r(n) %}{{ await z }}{{ r(n + 1) }}{% end %}{{ r(0) }}');
    await expect(t.renderAsync({ z: '' })).rejects.toThrow(/recursion depth/);
  });

  it('awaits inside arrows (guards, comprehensions, optional filters and slices, defer values) render as the sync page', async () => {
    // (in an async template every call is awaited: these put awaits inside the arrows the code makes)
    const body = '{% def f(y) %}<{{ y }}>{% end %}{{ f(1).missing is defined }}|{{ [y ~ f(y) for y in xs] | join(",") }}|{{ s ?| replace("a", f(2)) }}|{{ none?[1:f(3) | length] }}|{{ xs?[0:f(4) | length] }}';
    const ctx = { xs: [1, 2, 3], s: 'ab', none: null };
    const want = env().fromString(body).render(ctx);
    expect(want).toContain('1&lt;1&gt;,2&lt;2&gt;');
    const t = env().fromString('{{ await z }}' + body);
    expect((await chunks(t, { ...ctx, z: Promise.resolve('') })).join('')).toBe(want);
    const deferred = env().fromString('{% def f(y) %}{{ y }}{% end %}{{ await z }}{% defer v = f(xs[0]) %}[{{ v }}]{% placeholder %}…{% end %}');
    expect((await deferred.renderAsync({ xs: [7], z: '' })).includes('[7]')).toBe(true);
  });
});

async function chunks(t: { renderStreamAsync(c: Record<string, unknown>): AsyncIterable<string> }, ctx: Record<string, unknown>): Promise<string[]> {
  const out: string[] = [];
  for await (const c of t.renderStreamAsync(ctx)) out.push(c);
  return out;
}

describe('no chunk waits for a wait it precedes (property)', () => {
  // Every `w()` is a wait: a new promise, held until the text before it has left, then released
  // with a marker `~N~`. The same page with `w()` answering at once gives the text to compare.
  const templates = { 'inc.html': '<i>{{ await w() }}</i>', 'sync.html': '<s>{{ k }}</s>' };
  const piece = fc.constantFrom(
    '<p>',
    '{{ k }}',
    '{{ await w() }}',
    '{% for i in range(2) %}[{{ i }}{{ await w() }}]{% end %}',
    '{% for i in range(2) %}({{ i }}){% end %}',
    '{{ card(1) }}',
    '{{ slow() }}',
    '{% include "inc.html" %}',
    '{% include "sync.html" %}',
    '{% block b %}<b>{{ await w() }}</b>{% end %}',
    '{% try %}{{ await w() }}{{ none.x }}{% fallback %}F{% end %}',
    // (a filter's or a try's body is held until it ends: its waits come first here)
    '{% filter upper %}{{ await w() }}u{% end %}',
  );
  const defs = '{% def card(p) %}<c>{{ p }}</c>{% end %}{% def slow() %}{{ await w() }}<d>{% end %}';
  it('every chunk before a wait is out before the wait ends; the text is the render\'s', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(piece, { minLength: 1, maxLength: 7 }), async (ps) => {
        const t = env(templates).fromString(defs + ps.join('') + '{{ await w() }}end');
        let n = 0;
        const want = await t.renderAsync({ k: 'K&', none: null, w: () => `~${n++}~` });
        const held: { i: number; release: (v: unknown) => void }[] = [];
        let m = 0;
        const r = reader(t.renderStreamAsync({ k: 'K&', none: null, w: () => {
          const h = later();
          held.push({ i: m++, release: h.release });
          return h.p;
        } }));
        for (;;) {
          await settle();
          const h = held.shift();
          if (!h) break;
          // (what is out is everything before this wait's marker: a def's own text before its await aside, there is none)
          // (a wait inside a try that falls back leaves no marker: what is out is then a prefix)
          const at = want.indexOf(`~${h.i}~`);
          if (at >= 0) expect(r.chunks.join('')).toBe(want.slice(0, at));
          else expect(want.startsWith(r.chunks.join(''))).toBe(true);
          h.release(`~${h.i}~`);
        }
        await r.done;
        expect(r.error()).toBe(null);
        expect(r.chunks.join('')).toBe(want);
        expect(r.chunks.every((c) => c.length > 0)).toBe(true);
      }),
      { numRuns: 80 },
    );
  });
});
