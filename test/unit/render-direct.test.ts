// render() of a sync template where the stream drivers are installed (Node's `kida/runtime`, the
// Environment) runs the root without the entry point's dispatch (runtime/template.ts renderDirect;
// issue #22, the small pages' fixed cost). Its output and its errors (class, template, line) must
// be what the other entry points give for the same page and data, which still go through entry:
// renderStream joined and renderAsync (and renderBlock's text for a block holding the same body).
// (A failed render observing the promises it did not reach: test/security/observe-bound-names.)
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DictLoader, Environment } from '../../compiler/environment.js';

// Each piece on a line of its own, so an error's line tells which piece failed.
const PIECES = [
  'text & <b>',
  '{{ a }}',
  '{{ b.c }}',
  '{{ a ~ n }}',
  '{% for x in xs %}[{{ x }}]{% end %}',
  '{% if n %}yes{% else %}no{% end %}',
  '{% set a = "set" %}{{ a }}',
  '{{ missing }}',
  '{{ 1 / zero }}',
  '{{ b.nope.deeper }}',
  '{{ xs | join(",") }}',
  '<head>{% stack "css" %}</head>',
  '{% push "css" %}<link {{ n }}>{% end %}',
];

type Outcome = { text: string } | { error: string; template: unknown; line: unknown };
const outcome = (f: () => string): Outcome => {
  try {
    return { text: f() };
  } catch (e) {
    const x = e as { name: string; templateName?: unknown; lineno?: unknown };
    return { error: x.name, template: x.templateName, line: x.lineno };
  }
};
const outcomeAsync = async (f: () => Promise<string>): Promise<Outcome> => {
  try {
    return { text: await f() };
  } catch (e) {
    const x = e as { name: string; templateName?: unknown; lineno?: unknown };
    return { error: x.name, template: x.templateName, line: x.lineno };
  }
};

const data = fc.record({
  a: fc.oneof(fc.string({ maxLength: 8 }), fc.constant(null), fc.integer()),
  b: fc.oneof(fc.record({ c: fc.string({ maxLength: 8 }) }), fc.constant(null)),
  n: fc.integer({ min: -2, max: 3 }),
  xs: fc.array(fc.oneof(fc.string({ maxLength: 4 }), fc.integer()), { maxLength: 4 }),
  zero: fc.constantFrom(0, 1),
});

describe('render() without the entry dispatch (drivers installed)', () => {
  it('writes and fails as renderStream and renderAsync of the same page do (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom(...PIECES), { minLength: 1, maxLength: 6 }), data, async (pieces, ctx) => {
        const body = pieces.join('\n');
        const env = new Environment({ loader: new DictLoader({ 'page.html': body, 'blocked.html': `{% block b %}${body}{% end %}` }) });
        const page = env.getTemplate('page.html');
        const got = outcome(() => page.render(ctx));
        expect(outcome(() => [...page.renderStream(ctx)].join(''))).toEqual(got);
        expect(await outcomeAsync(() => page.renderAsync(ctx))).toEqual(got);
        // (the block's text only: a block's error can name another line, as before this path;
        // noted in docs/decisions.md, nineteenth pass)
        if ('text' in got) expect(outcome(() => env.getTemplate('blocked.html').renderBlock('b', ctx))).toEqual(got);
      }),
      { numRuns: 150 },
    );
  });

  it('renders a page twice over with fresh state (no render state or context kept between calls)', () => {
    const env = new Environment({ loader: new DictLoader({ 'p.html': '{% set seen = seen ~ "x" %}{{ seen }}|{{ a }}' }) });
    const page = env.getTemplate('p.html');
    expect(page.render({ seen: '', a: 1 })).toBe('x|1');
    expect(page.render({ seen: 'y', a: 2 })).toBe('yx|2');
  });
});
