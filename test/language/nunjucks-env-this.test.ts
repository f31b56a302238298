// `this.env` of an app's filters, tests and functions under a plain Kida Environment with
// compat 'nunjucks': Nunjucks' Environment API (getFilter, getTest, getGlobal, render,
// renderString, getTemplate, opts), as filters written for Nunjucks call it. nhsuk-frontend's
// own `highlight` filter (`this.env.getFilter('safe')`) runs unchanged; its `getComponentHTML`
// global's shape (`this.env.renderString(macro call, context)`) is written here (its module
// needs packages we do not install). Every expectation is Nunjucks 3.2.4's output at test time.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import fc from 'fast-check';
import nunjucks from 'nunjucks';
import { describe, expect, it } from 'vitest';
import { DictLoader, Environment } from '../../compiler/environment.js';

const require = createRequire(import.meta.url);
const NHSUK = join(import.meta.dirname, '../../node_modules/nhsuk-frontend/dist');
const { highlight } = require(join(NHSUK, 'nhsuk/lib/nunjucks/filters/highlight.js')) as { highlight: (this: unknown, code: string, lang?: string) => unknown };

type This = { env: { getFilter(n: string): (...a: unknown[]) => unknown; getTest(n: string): (...a: unknown[]) => unknown; getGlobal(n: string): unknown; renderString(s: string, c?: object): string; render(n: string, c?: object): string; getTemplate(n: string): { render(c?: object): string }; opts: { autoescape: boolean } } };
const TEMPLATES = { 'part.njk': '<i>{{ who }}</i>', 'box.njk': '{% macro box(p) %}<div class="{{ p.cls }}">{{ p.text }}</div>{% endmacro %}' };

const filters: Record<string, (this: This, ...a: any[]) => unknown> = {
  highlight,
  // (built-in filters by name, with Nunjucks' semantics: title, join, escape)
  viaBuiltin(this: This, v: unknown, name: string, ...rest: unknown[]) { return this.env.getFilter(name)(v, ...rest); },
  viaApp(this: This, v: unknown) { return this.env.getFilter('shout')(v); },
  shout: (v: unknown) => `${String(v).toUpperCase()}!`,
  testedBy(this: This, v: unknown, name: string) { return String(this.env.getTest(name)(v)); },
  globalOf(this: This, name: string) { return String(this.env.getGlobal(name)); },
  escapes(this: This) { return String(this.env.opts.autoescape); },
};
const globals: Record<string, unknown> = {
  site: 'Site <&>',
  // (nhsuk-frontend's getComponentHTML: a macro call rendered through the environment)
  componentHTML(this: This, params: object) { return this.env.renderString('{% from "box.njk" import box %}{{ box(params) }}', { params }); },
  partOf(this: This, who: string) { return this.env.render('part.njk', { who }) + this.env.getTemplate('part.njk').render({ who: who + '2' }); },
};

function nunjucksEnv(autoescape = true) {
  const Dict = (nunjucks.Loader as unknown as { extend(o: object): new () => nunjucks.ILoader }).extend({
    getSource: (n: string) => (n in TEMPLATES ? { src: TEMPLATES[n as keyof typeof TEMPLATES], path: n, noCache: true } : null),
  });
  const env = new nunjucks.Environment(new Dict(), { autoescape });
  for (const [k, f] of Object.entries(filters)) env.addFilter(k, f);
  for (const [k, v] of Object.entries(globals)) env.addGlobal(k, v);
  return env;
}
function kidaEnv(autoescape = true) {
  return new Environment({ loader: new DictLoader(TEMPLATES), compat: 'nunjucks', autoescape, filters: filters as never, globals });
}
const outcome = (f: () => string): string => {
  try {
    return f();
  } catch (e) {
    // (each engine words where it failed its own way: what failed is compared)
    return `Error: ${/(?:filter|test|global) not found: \w+/.exec(String((e as Error).message))?.[0] ?? 'other'}`;
  }
};

const CASES: [string, object][] = [
  ['{{ code | highlight("html") }}', { code: '<a href="x">T & co</a>' }],
  ['{{ code | highlight("js") }}|{{ code | highlight }}', { code: 'const a = "<b>" + 1; // note' }],
  ['{{ "a tale" | viaBuiltin("title") }} {{ xs | viaBuiltin("join", "-") }} {{ "<b>" | viaBuiltin("escape") }}', { xs: [1, 'b', 3] }],
  ['{{ "x" | viaApp }} {{ 3 | testedBy("odd") }} {{ 4 | testedBy("divisibleby") }}', {}],
  ['{{ "site" | globalOf }}|{{ escapes() if false }}{{ "" | escapes }}', {}],
  ['{{ componentHTML({ cls: "c<", text: "T & t" }) }}|{{ partOf("<me>") }}', {}],
  ['{{ "nope" | globalOf }}', {}],
  ['{{ "nope" | viaBuiltin("nope") }}', {}],
  ['{{ 1 | testedBy("nope") }}', {}],
];

describe("this.env of an app's functions under a plain Environment (compat 'nunjucks')", () => {
  it.each(CASES)('%s renders as Nunjucks renders it', (src, ctx) => {
    for (const autoescape of [true, false]) {
      const want = outcome(() => nunjucksEnv(autoescape).renderString(src, ctx));
      const t = () => kidaEnv(autoescape).fromString(src);
      expect(outcome(() => t().render(ctx))).toBe(want);
      expect(outcome(() => [...t().renderStream(ctx)].join(''))).toBe(want);
    }
  });

  it('highlights any code as Nunjucks does with nhsuk-frontend\'s filter (fast-check)', () => {
    const njk = nunjucksEnv();
    const env = kidaEnv();
    const page = env.fromString('{{ code | highlight(lang) }}');
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), fc.constantFrom('html', 'js', 'css', 'json'), (code, lang) => {
        expect(outcome(() => page.render({ code, lang }))).toBe(outcome(() => njk.renderString('{{ code | highlight(lang) }}', { code, lang })));
      }),
      { numRuns: 150 },
    );
  });
});
