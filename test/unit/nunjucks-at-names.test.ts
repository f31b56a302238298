// Template names that start with `@`. Kida reads `@alias/x` as a configured alias; Nunjucks has
// no aliases and gives every name to its loaders, and Fractal's adapter answers `@handle` names
// (`{% include "@card--basic" %}` in uswds' Fractal components). In compat 'nunjucks' a name
// naming no configured alias is a name like any other; a configured alias still resolves, and
// default Kida still reports an unknown alias.
import nunjucks from 'nunjucks';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DictLoader, Environment } from '../../dist/compiler/environment.js';
import { resolveTemplateName } from '../../dist/runtime/names.js';
import { compile } from '../../dist/compiler/index.js';

const templates = {
  'page.njk': '<p>{% include "@card--basic" %}|{% include "@lib/x.njk" %}</p>',
  '@card--basic': 'card {{ who }}',
  'lib/x.njk': 'x',
  '@lib/x.njk': 'plain x',
};

describe("names starting with '@' in compat 'nunjucks'", () => {
  it('go to the loader as they are, as in Nunjucks, where no alias of that name is configured', () => {
    const env = new Environment({ loader: new DictLoader(templates), compat: 'nunjucks' });
    const njk = new nunjucks.Environment(new (nunjucks.Loader.extend({ getSource: (n: string) => (n in templates ? { src: templates[n as keyof typeof templates], path: n, noCache: true } : null) }))());
    const want = njk.render('page.njk', { who: '<a>' });
    expect(env.getTemplate('page.njk').render({ who: '<a>' })).toBe(want);
    expect(want).toBe('<p>card &lt;a&gt;|plain x</p>');
  });

  it('a configured alias still resolves', () => {
    const env = new Environment({ loader: new DictLoader(templates), compat: 'nunjucks', templateAliases: { lib: 'lib' } });
    expect(env.getTemplate('page.njk').render({ who: 'b' })).toBe('<p>card b|x</p>');
  });

  it('default Kida keeps reporting an unknown alias', () => {
    const env = new Environment({ loader: new DictLoader({ 'p.kida': '{% include "@card--basic" %}', '@card--basic': 'c' }) });
    expect(() => env.getTemplate('p.kida').render({})).toThrow(/unknown alias '@card--basic'/);
  });

  it("the generated .d.ts follows such an include: the included template's names are the page's context", () => {
    const sourceOf = (n: string) => (n === '@card--basic' ? '{{ who }}{{ card_title }}' : null);
    const dts = compile('{% include "@card--basic" %}', { name: 'page.njk', compat: 'nunjucks', dts: true, sourceOf }).dts;
    const context = /export type Context = \{([^}]*)\}/.exec(dts)?.[1] ?? '';
    expect(context).toMatch(/\bwho\?: unknown/);
    expect(context).toMatch(/\bcard_title\?: unknown/);
    // (an open context is what an unresolved include leaves)
    expect(context).not.toMatch(/\[name: string\]/);
  });

  it('resolveTemplateName: plainUnknown takes any name naming no alias as it is, and changes nothing else', () => {
    fc.assert(
      fc.property(fc.string(), fc.dictionary(fc.stringMatching(/^[a-z]{1,4}$/), fc.stringMatching(/^[a-z]{1,4}$/)), (rest, aliases) => {
        const name = `@${rest}`;
        const outcome = (plain: boolean) => {
          try {
            return resolveTemplateName(name, null, aliases, plain);
          } catch (e) {
            return e as Error;
          }
        };
        const strict = outcome(false);
        const plain = outcome(true);
        if (strict instanceof Error) expect(plain).toBe(name);
        else expect(plain).toBe(strict);
      }),
    );
  });
});
