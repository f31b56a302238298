// Issue #22, async streams fourth pass: in an async template, a def, region or `{% call %}` body
// that awaits nothing is a plain function (its call costs no promise), and driveFast reads an
// async template's stream itself. Whatever the def is compiled to, every async entry point gives
// the same chunks, text and errors as when its body awaits.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/index.js';
import { DictLoader, Environment } from '../../compiler/environment.js';

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
    expect(code).toMatch(/const \$D0 = \(ctx, \$caller\) =>/);
    expect(code).toMatch(/const \$D1 = async \(ctx, \$caller\) =>/);
    // (a string that says "await" does not make a body async)
    expect(compile('{% def a() %}await me{% end %}{{ await x }}{{ a() }}', { name: 'q.html' }).code).toMatch(/const \$D0 = \(ctx/);
  });

  it('renders the slow-data page the same through every async entry point', async () => {
    const env = new Environment({ loader: new DictLoader({}) });
    const page = '<h>{{ title }}</h>{% def card(p) %}<div>{{ p.title }}</div>{% end %}{% block b %}{% for p in await items %}{{ card(p) }}{% end %}{% end %}</body>';
    const items = [{ title: '<x>' }, { title: 'y & z' }];
    const got = await outcome(env, page, { title: 'T', items });
    expect(got.chunks).toEqual(['<h>T</h>', '<div>&lt;x&gt;</div>', '<div>y &amp; z</div>', '</body>']);
    expect(got.text).toBe(got.chunks.join(''));
    expect(got.block).toEqual(['<div>&lt;x&gt;</div>', '<div>y &amp; z</div>']);
  });

  it('an error in a plain def body names its line and the call, and a try around the call catches it', async () => {
    const env = new Environment({ loader: new DictLoader({}) });
    const page = '{% def card(p) %}\n<c>{{ p.missing.x }}</c>{% end %}{% for p in await items %}{% try %}{{ card(p) }}{% fallback %}F{% end %}{% end %}{{ card(1) }}';
    const got = await outcome(env, page, { items: [{}, {}] });
    expect(got.chunks.slice(0, 2)).toEqual(['F', 'F']);
    expect(got.chunks[2]).toMatch(/@2$/);
    expect(got.text).toMatch(/missing/);
  });

  it('same chunks, text and errors as the body made to await (property)', async () => {
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
        expect(await outcome(env, plain, ctx)).toEqual(await outcome(env, awaiting, ctx));
      }),
      { numRuns: 80 },
    );
  });
});
