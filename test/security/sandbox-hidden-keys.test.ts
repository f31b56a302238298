// Issue #19 §5, enumeration: a sandboxed template that may not read `d._secret` (nor `d["_secret"]`)
// must not see that key, or its value, by walking the dict either — for loops, output, items(),
// filters that serialise or sort, `in`, comparisons — in both modes and every entry point.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { everyWay, renders } from './sandbox-support.js';
import { everyWay as njkEveryWay } from './nunjucks-support.js';
import { makeEnv } from '../support.js';

const data = () => ({
  d: { shown: 1, _secret: 'S1', __dunder: 'S2', blocked: 'S3' },
  m: new Map<unknown, unknown>([['_m', 'S4'], ['k', 2], [1, 'one']]),
  rows: [{ _id: 'S5', name: 'ann' }],
  nested: { inner: { _deep: 'S6', ok: 'v' } },
});
const policy = { blockedAttributes: ['blocked'] };
const SECRETS = /S[1-6]|_secret|__dunder|_m\b|_id|_deep|blocked/;

/** Every way renders without an error and shows no hidden key or value. */
async function hides(src: string, all: Record<string, string | Error>) {
  for (const [way, r] of Object.entries(all)) {
    if (r instanceof Error) throw new Error(`${way} of ${src} failed: ${r.message}`);
    expect(r, `${way} of ${src}`).not.toMatch(SECRETS);
  }
  return all.render as string;
}

describe('Kida sandbox: enumeration leaves out the keys a lookup refuses', () => {
  const cases = [
    '{% for k in d %}{{ k }},{% endfor %}',
    '{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}',
    '{% for k in d %}{{ loop.index }}{{ k }}{{ loop.length }}{% endfor %}',
    '{{ d }}',
    '{{ [d, m, rows, nested] }}',
    '{{ d|tojson }}{{ rows|tojson }}{{ nested|tojson }}',
    '{{ d|dictsort }}{{ d|list }}{{ d|list }}{{ d|string }}{{ d|pprint }}',
    '{{ d.keys()|list }}{{ d.values()|list }}{{ d.items()|list }}{{ d.copy() }}',
    '{{ dict(d) }}{{ list(d) }}{{ sorted(d) }}{{ d|xmlattr }}',
    '{{ "%s" % (d,) }}{{ "{}".format(d) }}{{ d ~ "" }}',
    '{{ rows|map("items")|list }}{{ rows|groupby("name") }}{{ rows|first }}',
    '{{ m }}{% for k in m %}{{ k }}{% endfor %}{{ m.items()|list }}{{ m|list }}',
    '{{ [x for x in d] }}{{ [k for k, v in d.items() if v] }}',
    '{% set a, b = d.items()|list + [0] %}{{ a }}',
    '{{ d|length }}|{{ "_secret" in d }}|{{ "blocked" in d }}|{{ "_m" in m }}|{{ d == {"shown": 1} }}',
  ];
  for (const src of cases)
    it(src, async () => {
      await hides(src, await everyWay(src, data, policy));
    });

  it('what is not hidden still shows, and counts agree with what is shown', async () => {
    await renders('{{ d|length }} {{ "shown" in d }} {{ "_secret" in d }} {{ d == {"shown": 1} }} {{ m|length }}', '1 True False True 2', data, policy);
    await renders('{% for k, v in d|dictsort %}{{ k }}={{ v }}{% endfor %}', 'shown=1', data, policy);
  });

  it('the host data is untouched (hiding is a view, not a mutation)', () => {
    const ctx = data();
    makeEnv({}, { sandbox: policy as never }).fromString('{{ d }}{{ d|tojson }}').render(ctx);
    expect(Object.keys(ctx.d)).toEqual(['shown', '_secret', '__dunder', 'blocked']);
  });

  it('a trusted environment shows every key (hiding is the sandbox\'s only)', () => {
    const out = makeEnv().fromString('{% for k in d %}{{ k }},{% endfor %}{{ "_secret" in d }}').render(data());
    expect(out).toBe('shown,_secret,__dunder,blocked,True');
  });

  it('property: no generated key that a lookup refuses ever reaches the output', () => {
    const env = makeEnv({}, { sandbox: policy as never });
    const t = env.fromString('{% for k in d %}[{{ k }}]{% endfor %}{{ d|tojson }}{{ d }}{{ d|dictsort }}{{ d.items()|list }}');
    fc.assert(
      fc.property(fc.dictionary(fc.string({ maxLength: 6 }).map((s) => s.replace(/[^a-z_]/g, '')), fc.constant('V')), (obj) => {
        const out = t.render({ d: obj });
        const visible = Object.keys(obj).filter((k) => !k.startsWith('_') && k !== 'blocked');
        for (const k of Object.keys(obj)) {
          if (!visible.includes(k)) expect(out).not.toContain(`[${k}]`);
        }
        for (const k of visible) expect(out).toContain(`[${k}]`);
        expect(out).not.toMatch(/&#39;_|"_/);
      }),
      { numRuns: 150 },
    );
  });
});

describe('Nunjucks-mode sandbox: the same', () => {
  const cases = [
    '{% for k, v in d %}{{ k }}={{ v }};{% endfor %}',
    '{% for k, v in m %}{{ k }}={{ v }};{% endfor %}',
    '{{ d|dictsort }}{{ d|dump }}{{ rows|dump }}{{ nested|dump }}',
    '{{ d|list|dump }}{{ d|length }}',
    '{% for r in rows %}{% for k, v in r %}{{ k }}{% endfor %}{% endfor %}',
    '{{ "_secret" in d }}{{ "blocked" in d }}',
  ];
  for (const src of cases)
    it(src, async () => {
      await hides(src, await njkEveryWay(src, data, policy));
    });
  it('counts and membership agree with what is shown', async () => {
    const all = await njkEveryWay('{{ d|length }} {{ "shown" in d }} {{ "_secret" in d }}', data, policy);
    for (const r of Object.values(all)) expect(r).toBe('1 true false');
  });
});
