// A sync part that renders no other part is compiled once (issue #22, code size): its string
// builder also streams, handing each chunk to a sink as it ends (`o = S(o)`), where it used to have a
// generator twin. The stream must be the twin's, chunk for chunk: sandboxed templates still get
// the twin (their size check reads the stream), so the two builds are compared on the same
// templates, and both with render().
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/index.js';
import { endlessSource, makeEnv } from '../support.js';

const plain = makeEnv();
const twin = makeEnv({}, { sandbox: true });

function chunks(env: ReturnType<typeof makeEnv>, src: string, ctx: object): string[] | string {
  const out: string[] = [];
  try {
    for (const c of env.fromString(src).renderStream(ctx)) out.push(c);
  } catch (e) {
    return `${out.join('|')} !! ${(e as Error).name} line ${(e as { lineno?: number }).lineno}`;
  }
  return out;
}

async function asyncChunks(env: ReturnType<typeof makeEnv>, src: string, ctx: object): Promise<string[]> {
  const out: string[] = [];
  for await (const c of env.fromString(src).renderStreamAsync(ctx)) out.push(c);
  return out;
}

describe('parts streamed through a sink', () => {
  it('compile to one function and no generator', () => {
    const { code } = compile('<h1>{{ a }}</h1>{% if b %}<p>{{ b }}</p>{% end %}<i>{{ c }}</i>', { name: 'p' });
    expect(code).toContain('$defineRegistered($NAME, $bodyFns($root_s, 0), "a b c");');
    expect(code).not.toContain('function*');
  });

  it('stream parts with top-level loops through the sink too, lazily over a lazy or endless source', () => {
    const { code } = compile('<ul>{% for x in xs %}<li>{{ x }}</li>{% end %}</ul>', { name: 'p' });
    expect(code).not.toContain('function*');
    expect(code).toContain('$defineRegistered($NAME, $loopFns($root_s), "xs -x");');
    let pulled = 0;
    function* endless() {
      for (let i = 0; ; i++, pulled++) yield i;
    }
    const it = plain.fromString('<ul>{% for x in xs %}<li>{{ x }}</li>{% end %}</ul>').renderStream({ xs: endless() });
    expect(it.next().value).toBe('<ul>');
    expect(pulled).toBe(0); // (nothing pulled before the chunk ahead of the loop was taken)
    expect([it.next().value, it.next().value]).toEqual(['<li>0</li>', '<li>1</li>']);
    expect(pulled).toBe(1);
    expect(it.return(undefined)).toEqual({ value: undefined, done: true });
  });

  it('keep the generator where a loop is nested, in a later branch or another block statement, has a loop object, or a while', () => {
    for (const src of [
      '{% for a in xs %}{% for b in a %}{{ b }}{% end %}{% end %}',
      '{% if y %}y{% else %}{% for a in xs %}{{ a }}{% end %}{% end %}',
      '{% if y %}{% if z %}{% for a in xs %}{{ a }}{% end %}{% end %}{% end %}',
      '{% if y %}{% set q = 1 %}{% for a in xs %}{{ a }}{% end %}{% end %}',
      '{% with q = 1 %}{% for a in xs %}{{ a }}{% end %}{% end %}',
      '{% for a in xs %}{{ loop.revindex }}{% end %}',
      '{% set i = 0 %}{% while i < 3 %}{% set i = i + 1 %}{% end %}',
    ])
      expect(compile(src, { name: 'p' }).code, src).toContain('function*');
  });

  it('resume a loop in the first branch of a top-level if, which a resumed call enters without testing again', () => {
    const src = '<p>{% if y %}<ul>{% for x in xs %}<{{ x }}>{% end %}</ul>{% for x in xs %}[{{ x }}]{% else %}none{% end %}{% elif z %}Z{% else %}E{% end %}</p>';
    expect(compile(src, { name: 'p' }).code).not.toContain('function*');
    const gen = (xs: unknown[]) => (function* () { yield* xs; })();
    for (const data of [{ y: 1, xs: [1, 2] }, { y: 1, xs: [] }, { y: 0, z: 1 }, { y: 0, z: 0 }]) {
      // (y read through a getter: its read count shows the condition ran as often as in the twin)
      let reads = 0;
      const ctx = () => ({ ...data, xs: gen(data.xs ?? []), get y() { return reads++, data.y; } });
      const got = chunks(plain, src, ctx());
      const readsPlain = reads;
      reads = 0;
      expect(got).toEqual(chunks(twin, src, ctx()));
      expect(readsPlain).toBe(reads); // (the same reads as the generator build: entry's observing pass, and the condition once)
    }
    let pulled = 0;
    const it = plain.fromString(src).renderStream({ y: true, xs: (function* () { for (let i = 0; ; i++, pulled++) yield i; })() });
    expect([it.next().value, it.next().value, pulled]).toEqual(['<p>', '<ul>', 0]);
    expect([it.next().value, it.next().value, pulled]).toEqual(['<0>', '<1>', 1]);
    expect(it.return(undefined)).toEqual({ value: undefined, done: true });
  });

  it('resume a loop with an else: its flag is carried while it is suspended', () => {
    expect(compile('{% for a in xs %}{{ a }}{% else %}none{% end %}', { name: 'p' }).code).not.toContain('function*');
    const src = '<ul>{% for x in xs %}<li>{{ loop.index }}{% if x > 5 %}!{% end %}</li>{% else %}<li>none</li>{% end %}</ul>';
    const gen = (xs: unknown[]) => (function* () { yield* xs; })();
    const want = ['<ul>', '<li>1', '</li>', '<li>2', '!', '</li>', '<li>3', '!', '</li>', '</ul>'];
    expect(chunks(plain, src, { xs: gen([5, 6, 7]) })).toEqual(want);
    expect(chunks(twin, src, { xs: gen([5, 6, 7]) })).toEqual(want);
    expect(chunks(plain, src, { xs: gen([]) })).toEqual(['<ul>', '<li>none</li>', '</ul>']);
    // an endless source, with an else: the first item's chunks before the second is pulled
    let pulled = 0;
    const it = plain.fromString('{% for x in xs %}<{{ x }}>{% else %}none{% end %}').renderStream({ xs: (function* () { for (let i = 0; ; i++, pulled++) yield i; })() });
    expect([it.next().value, pulled]).toEqual(['<0>', 0]);
    expect([it.next().value, pulled]).toEqual(['<1>', 1]);
    expect(it.return(undefined)).toEqual({ value: undefined, done: true });
  });

  it('keep the generator where a part flushes, looks up a cache, or renders a part where it cannot suspend', () => {
    for (const src of ['a{% flush %}b{{ c }}', '{% cache "k" %}{{ a }}{% end %}{{ b }}', '{% for x in xs %}{% include "x" %}{% end %}', '{% if a %}{% block b %}x{% end %}{% end %}', '{% stack "s" %}{% include "x" %}'])
      expect(compile(src, { name: 'p' }).code, src).toContain('function*');
  });

  it('suspend where they render a part at their top level, without a generator', () => {
    for (const src of ['a{% include "x" %}b', '{% block b %}x{% end %}{{ y }}', '{% for x in xs %}{{ x }}{% end %}{% include "x" %}'])
      expect(compile(src, { name: 'p' }).code, src).not.toContain('function*');
  });

  it('yield the chunks of a loop one per iteration output, as the generator did', () => {
    const src = '<ul>{% for x in xs %}<li>{% if x > 1 %}<b>{{ x }}</b>{% end %}</li>{% end %}</ul>';
    const want = ['<ul>', '<li>', '</li>', '<li>', '<b>2</b>', '</li>', '</ul>'];
    expect(chunks(plain, src, { xs: [1, 2] })).toEqual(want);
    expect(chunks(twin, src, { xs: [1, 2] })).toEqual(want);
  });

  it('deliver the chunks before an error, then the error with its line', () => {
    const src = 'a{% for x in xs %}\n<{{ 10 // x }}>{% end %}z';
    const got = chunks(plain, src, { xs: [5, 0] });
    expect(got).toBe('a|\n<2> !! PyError line 2');
    expect(chunks(twin, src, { xs: [5, 0] })).toBe(got);
  });

  it('a try inside the part still catches, and its fallback is one chunk', () => {
    const src = '{% for x in xs %}[{% try %}{{ x | int(strict=true) }}{% fallback %}F{% end %}]{% end %}';
    expect(chunks(plain, src, { xs: [1, 'no'] })).toEqual(['[', '1', ']', '[', 'F', ']']);
    expect(chunks(twin, src, { xs: [1, 'no'] })).toEqual(['[', '1', ']', '[', 'F', ']']);
  });

  it('abandoned after the first chunk, the template renders again', () => {
    const t = plain.fromString('{% for x in xs %}{{ x }}{% end %}');
    const it = t.renderStream({ xs: [1, 2, 3] })[Symbol.iterator]();
    expect(it.next().value).toBe('1');
    expect(it.return!(undefined).done).toBe(true);
    expect(t.render({ xs: [4] })).toBe('4');
  });

  it('close a source left at a suspended loop, or left by break, as the for-of of a generator did', () => {
    const { log, rows } = endlessSource();
    const t = plain.fromString('a{% for r in rows %}<{{ r }}>{% end %}z');
    const it = t.renderStream({ rows: rows() });
    expect([it.next().value, it.next().value, it.next().value]).toEqual(['a', '<0>', '<1>']);
    expect(log).toEqual([]);
    it.return(undefined);
    expect(log).toEqual(['closed']);
    const src = 'a{% for r in rows %}{% if r > 2 %}{% break %}{% end %}<{{ r }}>{% end %}z';
    expect([...plain.fromString(src).renderStream({ rows: rows() })]).toEqual(['a', '<0>', '<1>', '<2>', 'z']);
    expect(log).toEqual(['closed', 'closed']);
  });

  it('resume each loop where it left it: counters, later loops, lines of errors from the source', () => {
    const src = '{% for a in xs %}{{ loop.index }}{{ a }};{% end %}|{% for b in ys %}\n{{ loop.first }}{{ b }}{% end %}.';
    const gen = (xs: unknown[]) => (function* () { yield* xs; })();
    for (const ctx of [{ xs: gen([1, 2, 3]), ys: gen(['p', 'q']) }, { xs: [1, 2, 3], ys: ['p', 'q'] }]) {
      const fresh = () => ({ xs: Array.isArray(ctx.xs) ? ctx.xs : gen([1, 2, 3]), ys: Array.isArray(ctx.ys) ? ctx.ys : gen(['p', 'q']) });
      expect(chunks(plain, src, fresh())).toEqual(chunks(twin, src, fresh()));
      expect(chunks(plain, src, fresh()).join('')).toBe(plain.fromString(src).render(fresh()));
    }
    // a source failing after some items: the error names the line the generator twin named
    function* failing() {
      yield 1;
      yield 2;
      throw new Error('source broke');
    }
    const bad = 'x\n{% for a in xs %}\n<{{ a }}>\n{% end %}z';
    const got = chunks(plain, bad, { xs: failing() });
    expect(got).toBe(chunks(twin, bad, { xs: failing() }));
    expect(got).toBe('x\n|\n<1>\n|\n<2>\n !! TemplateRuntimeError line 3');
  });

  it('bound the chunks gathered over a long list, and yield each one as the twin does', () => {
    const xs = Array.from({ length: 5000 }, (_, i) => i);
    const t = plain.fromString('{% for x in xs %}<{{ x }}>{% if x % 7 == 0 %}!{% end %}{% end %}');
    const got = [...t.renderStream({ xs })];
    expect(got).toEqual(chunks(twin, '{% for x in xs %}<{{ x }}>{% if x % 7 == 0 %}!{% end %}{% end %}', { xs }));
    expect(got.join('')).toBe(t.render({ xs }));
  });

  it('stream in every entry point as the generator twin does (property)', async () => {
    // templates of text, outputs, ifs, loops, sets and defs (what a sink part holds), with
    // data that sometimes needs escaping and sometimes divides by zero
    const leaf = fc.constantFrom('t', '<p>', '{{ a }}', '{{ b }}', '{{ 10 // n }}', '{% set a = a ~ "!" %}', '{{ f(a) }}', '');
    const node: fc.Arbitrary<string> = fc.letrec<{ n: string }>((tie) => ({
      n: fc.oneof(
        { depthSize: 'small' },
        leaf,
        fc.tuple(tie('n'), tie('n')).map(([x, y]) => x + y),
        tie('n').map((x) => `{% if b %}${x}{% else %}e{% end %}`),
        tie('n').map((x) => `{% for i in xs %}{{ i }}${x}{% end %}`),
        leaf.map((x) => `{% for i in ys %}{{ loop.index }}{{ i }}${x}{% if i > 1 %}{% break %}{% end %}{% end %}`),
        tie('n').map((x) => `{% for i in ys %}{{ i }}${x}{% else %}E${x}{% end %}`),
        leaf.map((x) => `{% for i in xs %}{{ loop.revindex }}{% if loop.last %}L{% end %}{{ i }}${x}{% else %}E{% end %}`),
      ),
    })).n;
    await fc.assert(
      fc.asyncProperty(node, fc.string({ maxLength: 4 }), fc.boolean(), fc.constantFrom(0, 2), fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 3 }), async (body, a, b, n, xs) => {
        const src = `{% def f(v) %}<{{ v }}>{% end %}${body}`;
        // (ys: a lazy source, made anew for each render)
        const ctx = () => ({ a, b, n, xs, ys: (function* () { yield* xs; })() });
        const got = chunks(plain, src, ctx());
        expect(got).toEqual(chunks(twin, src, ctx()));
        if (typeof got !== 'string') {
          expect(got.join('')).toBe(plain.fromString(src).render(ctx()));
          expect(await asyncChunks(plain, src, ctx())).toEqual(got);
        }
      }),
      { numRuns: 300 },
    );
  });
});
