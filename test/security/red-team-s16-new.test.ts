// Issue #19, sixteenth red team: what landed on the afternoon of 2026-12-07 (the fifteenth passes),
// Kida and compat: 'nunjucks'. Each describe block is one class that worked before its fix:
// - §3 the attribute scan (compiler/html-context.ts) still read some text unlike a browser:
//   `=` where an attribute name starts (`<a =" title="…`, `b==`, `/=`, `"x"=`) names an attribute
//   and opens no value; `</svg>` is ignored where an HTML element is open inside an integration
//   point (`<svg><desc><p></svg>`), so CDATA and markup in `<style>` stay foreign; script data's
//   escapes (`<!--<script>` hides the next `</script>`); and tokens a statement that writes
//   nothing or an output completes (`<!--{% if %}{% endif %}>`, `-{% if %}{% endif %}->`,
//   `</text{% if %}{% endif %}area>`, `<{{ t }}` with `!`). Each left tojson's `"` raw in a value.
// - §3 Nunjucks `truncate` of a safe string looked only for a `<` after the last `>`: a `>` in a
//   quoted value, a comment or a `<script>` left the cut inside it, with the end and every output
//   after it in there (attributes from escaped data's spaces, script from data).
// - §4 the sandbox counted a built string by its length, but a string built match by match or
//   `+=` by `+=` is a rope of ~30 bytes a character until read (`s | replace("x", "y")`, `title`:
//   610 MB held for 20 MB counted; V8 aborted); `map("upper")`'s strings were not counted at all.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { parseFragment } from 'parse5';
import { describe, expect, it } from 'vitest';
import { everyWay, makeEnv } from '../support.js';
import { distUrl } from './strict-child.js';

type Node = { nodeName: string; attrs?: { name: string; value: string }[]; childNodes?: Node[]; content?: Node; value?: string };

/** Every element as a browser builds it from `html` (template contents too). */
function elements(html: string): Node[] {
  const out: Node[] = [];
  const walk = (n: Node) => {
    out.push(n);
    for (const c of n.childNodes ?? []) walk(c);
    if (n.content) walk(n.content);
  };
  walk(parseFragment(html) as unknown as Node);
  return out;
}
const attributeNames = (html: string) => elements(html).flatMap((n) => (n.attrs ?? []).map((a) => a.name));
/** The same, with the text of a non-JavaScript `<script>` parsed too (client code renders a text/template's markup). */
const clientNames = (html: string): string[] =>
  elements(html).flatMap((n) => {
    const names = (n.attrs ?? []).map((a) => a.name);
    const type = n.attrs?.find((a) => a.name === 'type')?.value;
    if (n.nodeName === 'script' && type && !/javascript|module|json/i.test(type)) names.push(...clientNames((n.childNodes ?? []).map((c) => c.value ?? '').join('')));
    return names;
  });

const J = '{{ x | tojson }}';
const NOTHING = '{% if c %}{% endif %}';
/** Template text a browser reads into a double-quoted value where the scan read something else. */
const SHAPES: Record<string, string> = {
  '= where an attribute name starts': `<a =" title="${J}">`,
  '== after a name': `<a b==" title="${J}">`,
  '/= after the tag name': `<a/=" title="${J}">`,
  '= right after a quoted value': `<a b="x"=" title="${J}">`,
  '= after a value of =': `<a b= = " title="${J}">`,
  '</svg> ignored inside desc > p: style stays markup': `<svg><desc><p></svg></p></desc><style><a title="${J}"></style></svg>`,
  '</svg> ignored inside desc > p: CDATA stays CDATA': `<svg><desc><p></svg></p></desc><![CDATA[ > <!-- ]]><a title="${J}">`,
  '<!--<script> in a script hides its </script>': `<script><!--<script></script><!-- </script><a title="${J}">`,
  'a comment end completed across a statement': `<!-- a -${NOTHING}-><a title="${J}">`,
  'an abrupt comment completed across a statement': `<!--${NOTHING}><a title="${J}">`,
  'a raw-text end tag completed across a statement': `<textarea></text${NOTHING}area><a title="${J}">`,
  // (an output right after `<` writes a tag's name, read as a tag: a name from data is the author's,
  // as attribute names are; reading `<{{ t }}` every way made real templates' values ambiguous)
  'a comment an output ends': `<!-- {{ t }}><a title="${J}">`,
  'a script type a statement writes': `<script {% if c %}type="text/template"{% endif %}><a title="${J}"></a></script>`,
};
const HOSTILE = [`x onpwn=1 y`, `"onpwn=1 y="`, `a\tonpwn=1`];

describe('§3 the attribute scan reads attribute names, ignored foreign end tags, script escapes and split tokens as a browser', () => {
  for (const [label, source] of Object.entries(SHAPES))
    it(label, async () => {
      const t = makeEnv().fromString(source);
      // (t and c as a page would pass them: each shape's reading needs one of them)
      for (const ctx of [{ t: '!', c: false }, { t: '--', c: true }])
        for (const x of HOSTILE) expect(clientNames(await everyWay(t, { ...ctx, x }))).not.toContain('onpwn');
    });

  it('the same shapes in compat: nunjucks (dump | safe inside the value)', () => {
    const env = makeEnv({}, { compat: 'nunjucks' });
    for (const source of Object.values(SHAPES)) {
      const t = env.fromString(source.replaceAll(J, '{{ x | dump | safe }}').replaceAll('{% end %}', '{% endif %}'));
      for (const x of HOSTILE) expect(attributeNames(t.render({ x, t: '!', c: false }))).not.toContain('onpwn');
    }
  });

  it('generated templates of tokenizer pieces, statements and outputs between them: JSON makes an attribute only where escaped text would too (fixed seed)', () => {
    const pieces = ['<!--', '-->', '<!-', '-', '<!', '<', '</', '>', '<b title="', '"', "'", '=', ' =', '/', '<textarea>', '</text', 'area>', '<svg>', '</svg>', '<math>', '<desc>', '<p>', '</p>', '</desc>', '<style>', '</style>', '<script>', '</script>', '<script', '<![CDATA[', ']]>', ' ', ' title=', '<i ', '<a b="x"', NOTHING, NOTHING, '{{ t }}', J];
    const x = 'x onpwn=1 y';
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...pieces), { maxLength: 14 }), fc.constantFrom('', '!', '-', '--', '/', '=', 'a', 'script'), fc.boolean(), (ps, t, c) => {
        const src = `${ps.join('')}<i title="${J}">`;
        const made = (s: string) => attributeNames(makeEnv().fromString(s).render({ x, t, c })).includes('onpwn');
        // (where plain escaped text makes the attribute too, the output stands in a tag: the author's)
        if (made(src)) expect(made(src.replaceAll(J, '{{ x }}'))).toBe(true);
      }),
      { seed: 1616, numRuns: 500 },
    );
  }, 60_000);

  it('JSON in a real script after these readings stays JSON', () => {
    const x = { s: 'a "b" <c>' };
    for (const src of [`<svg></svg><script>var a = ${J};</script>`, `<script><!-- x --></script><script>var a = ${J};</script>`, `<a b="1" c=d><script>var a = ${J};</script>`]) {
      const out = makeEnv().fromString(src).render({ x });
      expect(JSON.parse(/var a = (.*?);<\/script>/.exec(out)![1]!)).toEqual(x);
    }
  });
});

describe('§3 Nunjucks truncate never leaves a safe string open inside a tag, comment or raw-text element', () => {
  const env = makeEnv({}, { compat: 'nunjucks' });
  const t = env.fromString('{{ s | safe | truncate(n, true, e) }}<i title="{{ e }}">{{ e }}');
  /** Whether data reached an attribute name or a script/style/textarea's text. */
  const leaked = (html: string) =>
    elements(html).some((n) => (n.attrs ?? []).some((a) => a.name.includes('onpwn')) || (/^(script|style|textarea|title)$/.test(n.nodeName) && (n.childNodes ?? []).some((c) => c.value?.includes('pwn'))));

  it('fixed safe strings cut at every length', () => {
    const safes = ['<a title="x>y" href="/z">link</a> more text', '<script>var a = 1; var b = 2;</script> tail text', '<!-- a > b --> <b>bold</b> text', "<p>a</p><a href=x title='y>z' class=q>t</a> more", '<textarea>a > b</textarea> after', '<style>p > a { color: red }</style> after'];
    for (const s of safes)
      for (let n = 1; n <= s.length; n++) for (const e of [' onpwn=1 x', 'x onpwn=1 y', ';pwn()//']) expect(leaked(t.render({ s, n, e })), `${s} at ${n}`).toBe(false);
  });

  it('generated markup cut anywhere (fixed seed)', () => {
    const piece = fc.constantFrom('<a href="/x>y">', "<b title='>'>", '</a>', '<!-- > -->', '<!-->', '<script>if (a > b) x()</script>', '<style>a>b{}</style>', '<textarea>></textarea>', 'text ', '&amp; ', '😀', '<br/>', '<p class=a>');
    fc.assert(
      fc.property(fc.array(piece, { minLength: 1, maxLength: 8 }).map((p) => p.join('')), fc.nat(200), fc.boolean(), (s, n, kill) => {
        const out = env.fromString(`{{ s | safe | truncate(n, ${kill}, e) }}<i title="{{ e }}">`).render({ s, n: n + 1, e: ' onpwn=1 ;pwn()//' });
        expect(leaked(out)).toBe(false);
      }),
      { seed: 1616, numRuns: 300 },
    );
  });

  it('a cut in plain text is still Nunjucks’ own', () => {
    expect(t.render({ s: '<b>bold</b> and more words', n: 14, e: '…' })).toBe('<b>bold</b> an…<i title="…">…');
  });
});

describe('§4 a sandboxed render counts the heap its strings take, not only their length (child process, 400 MB heap)', () => {
  function child(src: string, compat?: string): { status: number | null; out: string; err: string } {
    const file = join(mkdtempSync(join(tmpdir(), 'kida-s16n-')), 'run.mjs');
    writeFileSync(
      file,
      `import { Environment, DictLoader } from ${distUrl('dist/compiler/environment.js')};
const env = new Environment({ loader: new DictLoader({}), sandbox: { maxRenderTime: null }${compat ? `, compat: '${compat}'` : ''} });
try { env.fromString(${JSON.stringify(src)}).render({}); console.log('rendered'); } catch (e) { console.log(e.code); }`,
    );
    const r = spawnSync(process.execPath, ['--unhandled-rejections=strict', '--max-old-space-size=400', file], { encoding: 'utf8', timeout: 90_000 });
    return { status: r.status, out: r.stdout.trim(), err: r.stderr };
  }
  const keep = (body: string) => `{% let s = "x" * 1000000 %}{% set l = [${body} for i in range(3000)] %}{{ l | length }}`;

  for (const [label, src] of [
    ['replace (a rope of a million matches)', keep('s | replace("x", "y")')],
    ['title (a rope of += pieces)', keep('s | title')],
    ['map("upper") (strings inside the list)', keep('[s] | map("upper") | list')],
  ])
    it(label, () => {
      const r = child(src!);
      expect(r.err).toBe('');
      expect(r.status).toBe(0);
      expect(r.out).toBe('K-SEC-003');
    }, 100_000);

  it('Nunjucks replace', () => {
    const r = child('{% set s = "x".repeat(1000000) %}{% set l = [] %}{% for i in range(3000) %}{% set l = l.concat([s | replace("x", "y")]) %}{% endfor %}{{ l | length }}', 'nunjucks');
    expect(r.err).toBe('');
    expect(r.out).toBe('K-SEC-003');
  }, 100_000);
});
