// Issue #19 §2, Nunjucks mode: urlize as one pass over the text (runtime/nunjucks/filters.ts).
// It must give exactly what Nunjucks 3.2.4's urlize gives — on text built from the pieces its
// regexes look at (openers, closers, schemes, `@`, TLDs, every kind of JavaScript whitespace) —
// and take linear time on text made of many short words, the case that was slowest.
import fc from 'fast-check';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { measurePair } from './linear-clock.js';
import { nf_urlize } from '../../runtime/nunjucks/filters.js';

const require = createRequire(import.meta.url);
const theirs = require('nunjucks/src/filters.js').urlize as (s: string, length?: unknown, nofollow?: unknown) => string;

const piece = fc.constantFrom(
  'a', 'b', 'x1', '.', ',', ')', '(', '<', '>', '&lt;', '&gt;', '&gt', 'http://', 'https://', 'http:/', 'www.', 'ww.', '@', '.com', '.org',
  '.net', '.co', ':', '/', '-', '!', '"', "'", '\u00e9', '\ud83d\ude00',
);
const space = fc.constantFrom(' ', '  ', '\n', '\t', '\r\n', '\u00a0', '\u2003', '\u2028', '\u3000', '\ufeff', '\u000b', '\u0085');
const text = fc.array(fc.oneof({ weight: 4, arbitrary: fc.array(piece, { minLength: 1, maxLength: 5 }).map((p) => p.join('')) }, { weight: 1, arbitrary: space }), { maxLength: 12 }).map((p) => p.join(''));

describe('urlize as Nunjucks has it', () => {
  it('property: same output as Nunjucks 3.2.4 for any length and nofollow', () => {
    fc.assert(
      fc.property(text, fc.constantFrom(undefined, 3, 0, NaN, 100), fc.constantFrom(undefined, true, false), (s, len, nofollow) => {
        expect(nf_urlize(s, len, nofollow)).toBe(theirs(s, len, nofollow));
      }),
      { numRuns: 3000 },
    );
  });
  it('examples', () => {
    for (const s of ['(http://a.com)', '&lt;www.x.org&gt;', 'mail a@b.co.uk, now', 'x.com/y', ' lead\u00a0and trail ', '', '   ', 'a.comx', 'foo.net:80'])
      expect(nf_urlize(s, 10, true)).toBe(theirs(s, 10, true));
  });
});

describe('urlize in linear time', () => {
  it('1 MB of short words and of links: under 1 s of CPU, 2x the size about 2x the time', () => {
    for (const unit of ['a b ', 'a.com ', 'http://a.com www.b.org x@y.net ']) {
      const mb = unit.repeat(Math.ceil(1_000_000 / unit.length));
      const { t1, t2 } = measurePair(() => nf_urlize(mb, 10, true), () => nf_urlize(mb + mb, 10, true));
      const what = `${unit}: ${t1.toFixed(0)} ms -> ${t2.toFixed(0)} ms`;
      expect(t1, what).toBeLessThan(1_000);
      // three times plus slack: a collection of the 2 MB result's garbage can land in either run
      expect(t2, what).toBeLessThan(Math.max(3 * t1 + 50, 200));
    }
  }, 60_000);
});
