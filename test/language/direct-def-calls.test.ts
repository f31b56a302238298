// `{{ card(p) }}` of a top-level def calls the def's body directly when nothing else can bind
// the name (compiler/codegen/defs.ts directDef, issue #22): the same text, errors and streams
// as the call through callValue, and the ordinary call wherever that is not certain.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/index.js';
import { makeEnv, renderAll, renderError } from '../support.js';

const CARD = '{% def card(p) %}<b title="{{ p.t }}">{{ p.t }}</b>{% end %}';
/** Whether the first def of `src` (`$D0`) is called directly. */
const direct = (src: string) => compile(src, { name: 'd.kida' }).code.includes('$D0(ctx, null, [');

describe('direct def calls', () => {
  it('are taken for an output of a top-level def called by position after it', async () => {
    const src = `${CARD}{% for p in ps %}{{ card(p) }}{% end %}`;
    expect(direct(src)).toBe(true);
    const ps = [{ t: '<x>' }, { t: `"'&` }];
    const want = '<b title="&lt;x&gt;">&lt;x&gt;</b><b title="&quot;&#39;&amp;">&quot;&#39;&amp;</b>';
    expect(await renderAll(src, { ps })).toBe(want);
    expect(await makeEnv().fromString(src).renderAsync({ ps })).toBe(want);
    // (a data key of the same name does not hide the def, as before)
    expect(await renderAll(src, { ps, card: 'data' })).toBe(want);
    // (without autoescape the def's text is written as it is, as before)
    expect(await renderAll(src, { ps: [{ t: '<x>' }] }, { autoescape: false })).toBe('<b title="<x>"><x></b>');
  });

  it('are not taken where the name may mean something else, and those calls behave as before', async () => {
    const cases: [string, Record<string, unknown>, string][] = [
      // rebound after the call, inside the loop body
      [`${CARD}{% for p in ps %}{{ card(p) }}{% set card = "s" %}{% end %}`, { ps: [{ t: 1 }, { t: 2 }] }, '<b title="1">1</b><b title="2">2</b>'],
      // a loop variable of the same name
      [`${CARD}{% for card in ps %}{{ card.t }}{% end %}{{ card(ps[0]) }}`, { ps: [{ t: 1 }] }, '1<b title="1">1</b>'],
      // keyword arguments, fewer arguments (the default)
      [`{% def card(p, q=2) %}{{ p }}{{ q }}{% end %}{{ card(1) }}|{{ card(1, q=3) }}`, {}, '12|13'],
      // an import or a def parameter of the same name
      [`${CARD}{% def other(card) %}{{ card }}{% end %}{{ card(p) }}{{ other(1) }}`, { p: { t: 2 } }, '<b title="2">2</b>1'],
    ];
    for (const [src, ctx, want] of cases) {
      expect(direct(src), src).toBe(false);
      expect(await renderAll(src, ctx), src).toBe(want);
    }
    // (`set` in a loop body binds for that iteration: the next one calls the def again)
    const rebound = `${CARD}{% for p in ps %}{{ card(p) }}{% set card = "s" %}{{ card }}{% end %}`;
    expect(await renderAll(rebound, { ps: [{ t: 1 }, { t: 2 }] })).toBe('<b title="1">1</b>s<b title="2">2</b>s');
    // (a top-level `set` after the def: a later call is of the string)
    expect(renderError(`${CARD}{% set card = "s" %}{{ card(p) }}`, { p: { t: 1 } }).message).toMatch(/not callable/);
  });

  it('a with (its names are locals) keeps the direct call', async () => {
    const src = `{% def card(p, q=2) %}{{ p }}{{ q }}{% end %}{% with x = 1 %}{{ card(x, 4) }}{% end %}`;
    expect(direct(src)).toBe(true);
    expect(await renderAll(src)).toBe('14');
  });

  it('a call before the def or in a block takes the ordinary path', async () => {
    expect(direct(`{{ card(p) }}${CARD}`)).toBe(false);
    expect(renderError(`{{ card(p) }}${CARD}`, { p: { t: 1 } }).name).toBe('UndefinedError');
    const page = `${CARD}{% block b %}{{ card(p) }}{% end %}`;
    expect(direct(page)).toBe(false);
    const t = makeEnv().fromString(page);
    expect(t.render({ p: { t: 3 } })).toBe('<b title="3">3</b>');
    expect(t.renderBlock('b', { p: { t: 3 } })).toBe('<b title="3">3</b>');
  });

  it('an error inside the def names the def and its line, in every entry point', async () => {
    const src = `{% def card(p) %}\n{{ p.missing.x }}{% end %}\n{% for p in ps %}{{ card(p) }}{% end %}`;
    expect(direct(src)).toBe(true);
    const t = makeEnv().fromString(src, { name: 'cards.kida' });
    const errors: unknown[] = [];
    for (const run of [() => t.render({ ps: [{}] }), () => [...t.renderStream({ ps: [{}] })].join('')]) {
      try {
        run();
      } catch (e) {
        errors.push(e);
      }
    }
    for (const run of [() => t.renderAsync({ ps: [{}] }), async () => { for await (const _ of t.renderStreamAsync({ ps: [{}] })); }]) {
      try {
        await run();
      } catch (e) {
        errors.push(e);
      }
    }
    expect(errors).toHaveLength(4);
    for (const e of errors as { name: string; lineno: number; templateName: string }[]) {
      expect(e.name).toBe('UndefinedError');
      expect(e.lineno).toBe(2);
      expect(e.templateName).toBe('cards.kida');
    }
  });

  it('any text through the def equals the ordinary call (property)', async () => {
    const env = makeEnv();
    const fast = env.fromString(`${CARD}{% for p in ps %}{{ card(p) }}{% end %}`);
    // (the same page where the call cannot be direct: a keyword argument)
    const slow = env.fromString(`${CARD}{% for p in ps %}{{ card(p=p) }}{% end %}`);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.record({ t: fc.oneof(fc.string(), fc.integer(), fc.constant(null)) }), { maxLength: 5 }), async (ps) => {
        const want = slow.render({ ps });
        expect(fast.render({ ps })).toBe(want);
        expect([...fast.renderStream({ ps })]).toEqual([...slow.renderStream({ ps })]);
        expect(await fast.renderAsync({ ps })).toBe(want);
      }),
      { numRuns: 200 },
    );
  });

  it('in an async template, a def that awaits nothing is called directly; one that awaits is not', async () => {
    const page = `${CARD}{% for p in await ps %}{{ card(p) }}{% end %}`;
    expect(direct(page)).toBe(true);
    const t = makeEnv().fromString(page);
    const want = '<b title="&lt;1&gt;">&lt;1&gt;</b><b title="2">2</b>';
    const ps = () => Promise.resolve([{ t: '<1>' }, { t: 2 }]);
    expect(await t.renderAsync({ ps: ps() })).toBe(want);
    const chunks: string[] = [];
    for await (const c of t.renderStreamAsync({ ps: ps() })) chunks.push(c);
    expect(chunks.join('')).toBe(want);
    const awaiting = `{% def card(p) %}{{ await p.t }}{% end %}{% for p in ps %}{{ card(p) }}{% end %}`;
    expect(direct(awaiting)).toBe(false);
    expect(await makeEnv().fromString(awaiting).renderAsync({ ps: [{ t: Promise.resolve('a') }, { t: 'b' }] })).toBe('ab');
  });
});

