// Issue #22, async streams fourth pass: in an async template, a def, region or `{% call %}` body
// that awaits nothing is a plain function (its call costs no promise), and driveFast reads an
// async template's stream itself. Whatever the def is compiled to, every async entry point gives
// the same chunks, text and errors as when its body awaits.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/index.js';
import { DictLoader, Environment } from '../../compiler/environment.js';
import { toReadableStream } from '../../runtime/stream.js';
import { endlessSource } from '../support.js';

type Outcome = { chunks: string[]; text: string; block: string[] };
// (the message's first line: the source excerpt after it shows the page, which differs between the variants compared)
const fail = (e: unknown) => `${(e as Error).name}: ${(e as Error).message.split('\n')[0]} @${(e as { lineno?: number }).lineno}`;

/** renderStreamAsync's chunks, renderAsync's text, renderBlockStreamAsync's chunks of `b` (when the page has it). */
async function outcome(env: Environment, source: string, ctx: Record<string, unknown>): Promise<Outcome> {
  const t = env.fromString(source);
  const out: Outcome = { chunks: [], text: '', block: [] };
  const data = () => ({ ...ctx, items: Promise.resolve(ctx.items), z: Promise.resolve('') });
  try {
    for await (const c of t.renderStreamAsync(data())) out.chunks.push(c);
  } catch (e) {
    out.chunks.push(fail(e));
  }
  out.text = await t.renderAsync(data()).catch(fail);
  if (t.listBlocks().includes('b'))
    try {
      for await (const c of t.renderBlockStreamAsync('b', data())) out.block.push(c);
    } catch (e) {
      out.block.push(fail(e));
    }
  return out;
}

describe('async templates: a def body that awaits nothing', () => {
  it('compiles to a plain function; one that awaits stays async', () => {
    const { code } = compile('{% def a(p) %}<a>{{ p }}</a>{% end %}{% def b(p) %}{{ await p }}{% end %}{% for p in await ps %}{{ a(p) }}{{ b(p) }}{% end %}', { name: 'p.html' });
    // (a light def also takes its parameters as a list, `$p`: compiler/codegen/defs.ts)
    expect(code).toMatch(/const \$D0 = \(ctx, \$caller(, \$p)?\) =>/);
    expect(code).toMatch(/const \$D1 = async \(ctx, \$caller(, \$p)?\) =>/);
    // (a string that says "await" does not make a body async)
    expect(compile('{% def a() %}await me{% end %}{{ await x }}{{ a() }}', { name: 'q.html' }).code).toMatch(/const \$D0 = \(ctx/);
  });

  it('renders the slow-data page the same through every async entry point', async () => {
    const env = new Environment({ loader: new DictLoader({}) });
    const page = '<h>{{ title }}</h>{% def card(p) %}<div>{{ p.title }}</div>{% end %}{% block b %}{% for p in await items %}{{ card(p) }}{% end %}{% end %}</body>';
    const items = [{ title: '<x>' }, { title: 'y & z' }];
    const got = await outcome(env, page, { title: 'T', items });
    // (the chunk before the wait, then the cards gathered: docs/decisions.md, "Async streams, fifth pass")
    expect(got.chunks).toEqual(['<h>T</h>', '<div>&lt;x&gt;</div><div>y &amp; z</div>', '</body>']);
    expect(got.text).toBe(got.chunks.join(''));
    expect(got.block).toEqual(['<div>&lt;x&gt;</div><div>y &amp; z</div>']);
  });

  it('an error in a plain def body names its line and the call, and a try around the call catches it', async () => {
    const env = new Environment({ loader: new DictLoader({}) });
    const page = '{% def card(p) %}\n<c>{{ p.missing.x }}</c>{% end %}{% for p in await items %}{% try %}{{ card(p) }}{% fallback %}F{% end %}{% end %}{{ card(1) }}';
    const got = await outcome(env, page, { items: [{}, {}] });
    expect(got.chunks[0]).toBe('FF');
    expect(got.chunks[1]).toMatch(/@2$/);
    expect(got.text).toMatch(/missing/);
  });

  it('same text and errors as the body made to await (property)', async () => {
    const env = new Environment({ loader: new DictLoader({ 'inc.html': '<i>{{ p }}</i>' }) });
    const defPiece = fc.constantFrom('<c>{{ p }}</c>', '{{ p * 2 }}', '{% if p == 2 %}{{ none.x }}{% end %}', '{% for q in range(p) %}{{ q }}{% end %}', '{{ inner(p) }}', '{% try %}{{ p.k.x }}{% fallback %}f{% end %}');
    const pagePiece = fc.constantFrom('{% for p in await items %}{{ card(p) }}{% end %}', '{{ card(3) }}', '<p>{{ await z }}</p>', '{% block b %}{% for p in await items %}[{{ card(p) }}]{% end %}{% end %}', '{% call card(1) %}slot{% end %}', '{% for p in await items %}{% include "inc.html" %}{% end %}');
    await fc.assert(
      fc.asyncProperty(fc.array(defPiece, { minLength: 1, maxLength: 4 }), fc.array(pagePiece, { minLength: 1, maxLength: 4 }), async (body, page) => {
        const defs = (extra: string) => `{% def inner(p) %}({{ p }}){% end %}{% def card(p) %}${extra}${body.join('')}{% end %}`;
        // (both pages are async: `z` resolves to "", the same output, from a body that awaits or not)
        const plain = `${defs('')}{{ await z }}${page.join('')}end`;
        const awaiting = `${defs('{{ await z }}')}{{ await z }}${page.join('')}end`;
        const ctx = { items: [1, 2, 3], none: null };
        // (the chunks differ: a call whose body awaits is a wait, before which what was gathered leaves)
        const joined = (o: Outcome) => ({ text: o.text, chunks: o.chunks.join(''), block: o.block.join('') });
        expect(joined(await outcome(env, plain, ctx))).toEqual(joined(await outcome(env, awaiting, ctx)));
      }),
      { numRuns: 80 },
    );
  });
});

describe('toReadableStream (the web stream of Responses and of kida/hono bodies)', () => {
  const NOW = Symbol.for('kida.nextNow');
  const read = async (s: ReadableStream<Uint8Array>) => {
    const parts: string[] = [];
    const d = new TextDecoder();
    for await (const c of s as unknown as AsyncIterable<Uint8Array>) parts.push(d.decode(c, { stream: true }));
    return parts;
  };

  it('renders nothing before it is read', async () => {
    const log: number[] = [];
    function* chunks() {
      for (let i = 0; i < 3; i++) log.push(i), yield `<${i}>`;
    }
    const s = toReadableStream(chunks());
    await new Promise((r) => setTimeout(r, 5));
    expect(log).toEqual([]);
    expect(await read(s)).toEqual(['<0><1><2>']);
  });

  it('reads a stream through its nextNow method (a ready chunk without a promise), and next() where it has none', async () => {
    let nows = 0;
    let nexts = 0;
    const texts = ['<a>', '<b>', 'é€😀'];
    const it = {
      i: 0,
      [NOW]() {
        nows++;
        return this.i < texts.length ? { value: texts[this.i++]!, done: false } : { value: undefined, done: true };
      },
      next() {
        nexts++;
        return Promise.resolve(this[NOW]());
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
    expect(await read(toReadableStream(it as unknown as AsyncIterable<string>))).toEqual(['<a><b>é€😀']);
    expect([nows, nexts]).toEqual([4, 0]);
  });

  it("a sync page's renderStreamAsync (kida/async-driver) joins into one chunk; a chunk before a real wait is sent before it ends", async () => {
    const env = new Environment({ loader: new DictLoader({}) });
    const page = env.fromString('{% for i in range(300) %}<i>{{ i }}</i>{% end %}');
    const want = page.render();
    expect(await read(toReadableStream(page.renderStreamAsync()))).toEqual([want]);
    let release!: (v: string) => void;
    const slow = env.fromString('<head>{{ t }}</head>{{ await later }}<tail>');
    const s = toReadableStream(slow.renderStreamAsync({ t: 'T', later: new Promise<string>((r) => (release = r)) }));
    const reader = s.getReader();
    const first = await reader.read(); // (sent while `later` is pending)
    expect(new TextDecoder().decode(first.value)).toBe('<head>T</head>');
    release('L');
    const rest: string[] = [];
    for (let r; !(r = await reader.read()).done; ) rest.push(new TextDecoder().decode(r.value));
    expect(rest.join('')).toBe('L<tail>');
  });

  it('an error is the stream\'s error after the chunks before it, and cancel() closes the render', async () => {
    const env = new Environment({ loader: new DictLoader({}) });
    const failing = env.fromString('<a>{{ await later }}{{ none.x }}');
    await expect(read(toReadableStream(failing.renderStreamAsync({ later: Promise.resolve('L'), none: null })))).rejects.toThrow(/x/);
    const { log, rows } = endlessSource();
    const endless = env.fromString('{% for r in await rows %}{{ r }}{% end %}');
    const reader = toReadableStream(endless.renderStreamAsync({ rows: Promise.resolve(rows()) }), { highWaterMark: 64 }).getReader();
    expect((await reader.read()).done).toBe(false);
    await reader.cancel();
    expect(log).toEqual(['closed']);
  });
});
