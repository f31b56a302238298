// Issue #19 §3: JSON made by `tojson` that reaches a double-quoted attribute through a name, a
// def, a capture, an import or an include. The output site cannot see where its Markup came
// from, so before this pass the JSON's `"` (and the `\"` JSON writes for a `"` in the data) was
// printed raw there, and data such as `" autofocus onfocus=alert(1) x="` became attributes. Now
// every non-constant output the compiler finds inside a double-quoted value writes a safe value's
// `"` as `&quot;` (runtime/output.ts inDq); the browser decodes it back, so the attribute's value
// is the JSON. Checked with a real HTML parser (parse5): the element has exactly the attributes
// the template wrote, and each one's value parses back to the data. The same JSON in text, in a
// `<script>` and in a single-quoted attribute is what tojson returns, byte for byte.
import fc from 'fast-check';
import { parseFragment } from 'parse5';
import { describe, expect, it } from 'vitest';
import { f_tojson } from '../../runtime/filters.js';
import { makeEnv } from '../support.js';
import { renderings } from './every-way.js';
import { njkEnv } from './nunjucks-support.js';

type Node = { nodeName: string; attrs?: { name: string; value: string }[]; childNodes?: Node[]; value?: string };

/** The elements named `tag` in a parse5 fragment, in document order. */
function elements(n: Node, tag: string, out: Node[] = []): Node[] {
  if (n.nodeName === tag) out.push(n);
  for (const c of n.childNodes ?? []) elements(c, tag, out);
  return out;
}

/** One way JSON can reach the attribute: what comes before and after the markup, and the expression printed. */
type Path = { name: string; pre: string; expr: string; post?: string; markupIn?: string };

const LIB = '{% set k = x | tojson %}{% def js(v) %}{{ v | tojson }}{% end %}';
// (the include prints `j` itself: the markup lives in the included template)
const MARKUP = (e: string) => `<div data-x="{{ ${e} }}" data-y='{{ ${e} }}'><p>{{ ${e} }}</p><script>var j = {{ ${e} }};</script></div>`;

const KIDA_PATHS: Path[] = [
  { name: 'set', pre: '{% set j = x | tojson %}', expr: 'j' },
  { name: 'let', pre: '{% let j = x | tojson %}', expr: 'j' },
  { name: 'capture', pre: '{% capture j %}{{ x | tojson }}{% end %}', expr: 'j' },
  { name: 'def return', pre: '{% def f() %}{{ x | tojson }}{% end %}', expr: 'f()' },
  { name: 'def of an argument', pre: '{% def f(v) %}{{ v | tojson }}{% end %}', expr: 'f(x)' },
  { name: 'def call block', pre: '{% def f() %}{{ caller() }}{% end %}{% capture j %}{% call f() %}{{ x | tojson }}{% end %}{% end %}', expr: 'j' },
  { name: 'with', pre: '{% with j = x | tojson %}', expr: 'j', post: '{% end %}' },
  { name: 'imported variable', pre: '{% import "lib.kida" as lib with context %}', expr: 'lib.k' },
  { name: 'imported def', pre: '{% from "lib.kida" import js with context %}', expr: 'js(x)' },
  { name: 'include printing a passed name', pre: '{% with j = x | tojson %}', expr: 'j', post: '{% end %}', markupIn: 'inc.kida' },
  { name: '~ after', pre: '{% set j = x | tojson %}', expr: 'j ~ ""' },
  { name: '~ before', pre: '{% set j = x | tojson %}', expr: '"" ~ j' },
  { name: '| safe', pre: '{% set j = x | tojson %}', expr: 'j | safe' },
  { name: '| e', pre: '{% set j = x | tojson %}', expr: 'j | e' },
  { name: '| default as input', pre: '{% set j = x | tojson %}', expr: 'j | default("")' },
  { name: '| default as fallback', pre: '{% set j = x | tojson %}', expr: 'u | default(j)' },
  { name: 'a conditional', pre: '{% set j = x | tojson %}', expr: 'j if x else ""' },
  { name: '?? and ?.', pre: '{% set d = {"j": x | tojson} %}', expr: 'd?.j ?? ""' },
  { name: 'outermost ?.', pre: '{% set d = {"j": x | tojson} %}', expr: 'd?.j' },
  { name: 'an attribute read', pre: '{% set d = {"j": x | tojson} %}', expr: 'd.j' },
];

const hostile = fc.oneof(
  fc.string({ unit: fc.constantFrom('"', "'", '<', '>', '&', '\\', ' ', 'a', '=', '/', '\n', 'é', '&quot;') }),
  fc.constantFrom('" autofocus onfocus=alert(1) x="', "' onmouseover=alert(1) '", '</script><script>alert(1)</script>', '&quot; x=&quot;'),
);

describe('tojson reaching a double-quoted attribute through a name, a def, an import or an include', () => {
  // (sandboxed, the output helpers differ: the text is passed through inDq rather than escDq/egaDq)
  for (const sandbox of [false, true])
  for (const path of KIDA_PATHS) {
    it(`property (${path.name}${sandbox ? ', sandboxed' : ''}): exactly the attributes written, each holding the JSON; text and <script> unchanged`, async () => {
      const body = path.markupIn ? `{% include "${path.markupIn}" %}` : MARKUP(path.expr);
      const env = makeEnv({ 'lib.kida': LIB, 'inc.kida': MARKUP(path.expr) }, { sandbox });
      const t = env.fromString(`{% block b %}${path.pre}${body}${path.post ?? ''}{% end %}`);
      await fc.assert(
        fc.asyncProperty(hostile, async (h) => {
          const x = { a: h, n: [h, 1] };
          const json = f_tojson(x).value; // what tojson gives, printed where it was already safe
          for (const out of await renderings(t, { x }, true)) {
            const [div] = elements(parseFragment(out) as unknown as Node, 'div');
            expect(div?.attrs?.map((a) => a.name), out).toEqual(['data-x', 'data-y']);
            for (const a of div!.attrs!) expect(JSON.parse(a.value), `${a.name} of ${out}`).toEqual(x);
            expect(out).toContain(`<p>${json}</p><script>var j = ${json};</script>`);
            expect(out).toContain(`data-y='${json}'`);
          }
        }),
        { numRuns: 60 },
      );
    });
  }
});

describe("compat: 'nunjucks': dump made safe, through a macro or a set block", () => {
  // (`dump | safe` leaves `&` and `'` raw: that is the template's own `safe`, so the data here
  // has no `&` that would decode as an entity; what is checked is that no `"` ends the value)
  const njkHostile = fc.string({ unit: fc.constantFrom('"', '<', '>', '\\', ' ', 'a', '=', '/', 'é') });
  const PATHS: Path[] = [
    { name: 'macro', pre: '{% macro m() %}{{ x | dump | safe }}{% endmacro %}', expr: 'm()' },
    // (a set block captures a plain string in Nunjucks, escaped again on output; `| safe` makes it Markup)
    { name: 'set block', pre: '{% set j %}{{ x | dump | safe }}{% endset %}', expr: 'j | safe' },
    { name: 'set', pre: '{% set j = x | dump | safe %}', expr: 'j' },
  ];
  for (const path of PATHS)
    it(`property (${path.name}): exactly the attributes written, each holding the JSON`, async () => {
      const t = njkEnv().fromString(`{% block b %}${path.pre}<div data-x="{{ ${path.expr} }}" title="{{ ${path.expr} }}"><p>{{ ${path.expr} }}</p></div>{% endblock %}`);
      await fc.assert(
        fc.asyncProperty(njkHostile, async (h) => {
          const x = { a: h, n: [h, 1] };
          for (const out of await renderings(t, { x }, true)) {
            const [div] = elements(parseFragment(out) as unknown as Node, 'div');
            expect(div?.attrs?.map((a) => a.name), out).toEqual(['data-x', 'title']);
            for (const a of div!.attrs!) expect(JSON.parse(a.value), `${a.name} of ${out}`).toEqual(x);
            const [p] = elements(parseFragment(out) as unknown as Node, 'p');
            expect(JSON.parse(p!.childNodes!.map((c) => c.value).join('')), out).toEqual(x);
          }
        }),
        { numRuns: 60 },
      );
    });
});
