// The remaining statements: region, embed, fragments, globals blocks, push/stack, trans,
// cache, flush, template declarations, and async rendering.
import { describe, expect, it } from 'vitest';
import { makeEnv, r, renderAll } from '../support.js';

describe('region', () => {
  it('is callable and renderable as a block with defaults evaluated at call time', () => {
    const env = makeEnv({ 'p.html': '{% let base = "/" %}{% region nav(path=base ~ "home") %}<{{ path }}>{% end %}[{{ nav() }}]' });
    const t = env.getTemplate('p.html');
    expect(t.render()).toBe('[</home>]');
    expect(t.renderBlock('nav', { path: '/x' })).toBe('</x>');
    expect(t.listBlocks()).toContain('nav');
  });
});

describe('embed, fragment and globals blocks', () => {
  const templates = {
    'card.html': '<div>{% block title %}T{% end %}|{% block body %}B{% end %}</div>',
    'page.html': '{% globals %}{% let who = "me" %}{% end %}{% fragment oob %}[{{ who }}]{% end %}{% block main %}M{% end %}',
  };
  it('embeds a template with overrides that see the embedding loop', () => {
    expect(r('{% for i in [1, 2] %}{% embed "card.html" %}{% block title %}{{ i }}{% end %}{% end %}{% end %}', {}, {}, templates)).toBe(
      '<div>1|B</div><div>2|B</div>',
    );
  });
  it('skips fragments in full renders but renders them by name, after globals', () => {
    const t = makeEnv(templates).getTemplate('page.html');
    expect(t.render()).toBe('M');
    expect(t.renderBlock('oob')).toBe('[me]');
  });
});

describe('push and stack', () => {
  it('emits everything pushed, in order', async () => {
    expect(await renderAll('{% push "js" %}<a>{% end %}{% push "js" %}<b>{% end %}{% stack "js" %}')).toBe('<a><b>');
  });
  it('is deferred: a stack in the head receives pushes made later, across includes and blocks', async () => {
    const env = makeEnv({
      'base.html': '<head>{% stack "css" %}</head>{% block body %}{% end %}',
      'page.html': '{% extends "base.html" %}{% block body %}<main>{% include "card.html" %}</main>{% end %}',
      'card.html': '{% push "css" %}<link href="card.css">{% end %}card',
    });
    const t = env.getTemplate('page.html');
    const want = '<head><link href="card.css"></head><main>card</main>';
    expect(t.render()).toBe(want);
    expect([...t.renderStream()].join('')).toBe(want);
    expect(await t.renderAsync()).toBe(want);
  });
  it('streams freely until the first stack placeholder, then holds the rest', () => {
    const t = makeEnv().fromString('a{% flush %}b{% stack "s" %}c{% flush %}{% push "s" %}!{% end %}d');
    expect([...t.renderStream()]).toEqual(['a', '', 'b', '!cd']);
  });
  it('data cannot forge a placeholder', () => {
    expect(makeEnv().fromString('{{ x }}{% stack "s" %}{% push "s" %}S{% end %}').render({ x: '\u0000kida-stack:s\u0000' })).toBe('kida-stack:sS');
  });
});

describe('trans', () => {
  it('normalises whitespace and substitutes escaped bindings', () => {
    expect(r('{% trans %}Hello   world{% endtrans %}')).toBe('Hello world');
    expect(r('{% trans name=user %}Hi {{ name }}!{% endtrans %}', { user: '<b>' })).toBe('Hi &lt;b&gt;!');
    expect(r('{% trans count=n %}One item{% plural %}{{ count }} items{% endtrans %}', { n: 3 })).toBe('3 items');
  });
});

describe('cache, flush and template declarations', () => {
  it('caches fragments by key in the environment store, with TTLs', () => {
    const env = makeEnv();
    const t = env.fromString('{% cache "k" ~ id %}{{ n }}{% end %}|{% cache "z", ttl=0 %}{{ n }}{% end %}');
    expect(t.render({ id: 1, n: 'a' })).toBe('a|a');
    expect(t.render({ id: 1, n: 'b' })).toBe('a|b'); // hit for k1; ttl=0 never stores
    expect(t.render({ id: 2, n: 'c' })).toBe('c|c');
    expect(env.cacheInfo()).toMatchObject({ hits: 1, size: 2 });
    env.clearFragmentCache();
    expect(t.render({ id: 1, n: 'd' })).toBe('d|d');
  });
  it('accepts a custom fragment store', () => {
    const seen: string[] = [];
    const store = { get: () => undefined, set: (k: string, v: string, ttl: number) => void seen.push(`${k}=${v}@${ttl}`), clear() {} };
    makeEnv({}, { fragmentCache: store }).fromString('{% cache "k", ttl="5m" %}x{% end %}').render();
    expect(seen).toEqual(['k=x@300']);
  });
  it('renders cache bodies and treats flush as a stream boundary only', async () => {
    expect(await renderAll('{% cache "k" %}c{{ 1 }}{% end %}{% flush %}!')).toBe('c1!');
    const t = makeEnv().fromString('a{% flush %}b');
    expect([...t.renderStream()]).toEqual(['a', '', 'b']);
  });
  it('accepts a template declaration and renders nothing for it', () => {
    expect(r('{% template title: str, items: list %}{{ title }}', { title: 'T' })).toBe('T');
  });
});

describe('async templates', () => {
  const sleep = (ms: number, v: unknown) => new Promise((res) => setTimeout(() => res(v), ms));
  async function* source() {
    yield 1;
    await sleep(5, null);
    yield 2;
  }
  it('awaits promises and iterates async sources', async () => {
    const t = makeEnv().fromString('{{ await p }}|{% async for x in xs %}{{ loop.index }}:{{ x }};{% empty %}none{% end %}');
    expect(t.isAsync).toBe(true);
    expect(await t.renderAsync({ p: sleep(1, 'P'), xs: source() })).toBe('P|1:1;2:2;');
  });
  it('refuses sync entry points, naming the construct and line', () => {
    const t = makeEnv().fromString('\n{{ await p }}');
    expect(() => t.render({ p: 1 })).toThrow(/await at line 2/);
  });
  it('streams sync templates through the async path too', async () => {
    const t = makeEnv().fromString('{% for x in [1, 2] %}{{ x }}{% end %}');
    let out = '';
    for await (const c of t.renderStreamAsync()) out += c;
    expect(out).toBe('12');
  });
});

describe('async defs and slots', () => {
  const later = (v: unknown) => new Promise((res) => setTimeout(() => res(v), 2));
  it('awaits inside def bodies and call slots', async () => {
    const t = makeEnv().fromString(
      '{% def card(title) %}<{{ title }}:{{ await p }}:{{ caller() }}>{% end %}' +
        '{% call card("t") %}{{ await q }}{% end %}|{{ card("u") is defined }}',
    );
    expect(await t.renderAsync({ p: later('P'), q: later('Q') })).toBe('<t:P:Q>|False'); // without a caller, caller() is undefined, which the guard catches
  });
});

describe('introspection', () => {
  const env = makeEnv({
    'base.html': '{% block head %}{% end %}{% block body mode="sse" %}{% end %}',
    'page.html':
      '{% extends "base.html" %}{% def card(title: str, n: int = 1, *rest) %}{% slot %}{% slot footer %}{% end %}' +
      '{% region nav(path="/") %}{{ path }}{% end %}{% block body %}{{ site.title }}{{ user.name ?? "" }}{{ items | length }}{% end %}',
  });
  const t = env.getTemplate('page.html');
  it('describes defs with params, defaults and slots', () => {
    const card = t.defMetadata().card!;
    expect(card.params).toEqual([
      { name: 'title', annotation: 'str', hasDefault: false, isRequired: true },
      { name: 'n', annotation: 'int', hasDefault: true, isRequired: false },
    ]);
    expect(card.vararg).toBe('rest');
    expect(card.slots).toEqual(['footer']);
    expect(card.hasDefaultSlot).toBe(true);
  });
  it('describes blocks (with modifiers) and regions along the chain', () => {
    const meta = t.blockMetadata();
    expect(meta.body!.modifiers).toEqual({});
    expect(meta.head).toBeDefined();
    expect(meta.nav!.isRegion).toBe(true);
    expect(env.getTemplate('base.html').blockMetadata().body!.modifiers).toEqual({ mode: 'sse' });
  });
  it('lists dotted dependencies and validates a context', () => {
    expect(t.dependsOn()).toEqual(['items', 'site.title', 'user.name']);
    expect(t.validateContext({ site: {} }).sort()).toEqual(['items']);
  });
});

describe('i18n', () => {
  it('routes trans, _ and _n through installed translations', () => {
    const env = makeEnv();
    const fr: Record<string, string> = { 'Hello world': 'Bonjour le monde', 'Hi %(name)s!': 'Salut %(name)s !', 'One item': 'Un article', '%(count)s items': '%(count)s articles' };
    env.installTranslations({
      gettext: (m) => fr[m] ?? m,
      ngettext: (s, p, n) => (n === 1 ? fr[s] ?? s : fr[p] ?? p),
    });
    const t = env.fromString('{% trans %}Hello   world{% endtrans %}|{% trans name=u %}Hi {{ name }}!{% endtrans %}|{% trans count=n %}One item{% plural %}{{ count }} items{% endtrans %}|{{ _("Hello world") }}');
    expect(t.render({ u: '<b>', n: 2 })).toBe('Bonjour le monde|Salut &lt;b&gt; !|2 articles|Bonjour le monde');
  });
  it('extracts messages into a POT catalogue', async () => {
    const { extractMessages, toPot } = await import('../../compiler/extract.js');
    const msgs = extractMessages('{% trans %}Hi{% endtrans %}\n{{ _("Bye") }}{% trans count=n %}One{% plural %}{{ count }} many{% endtrans %}', 'a.kida');
    const pot = toPot([...msgs, ...extractMessages('{{ _("Bye") }}', 'b.kida')]);
    expect(pot).toContain('#: a.kida:1\nmsgid "Hi"');
    expect(pot).toContain('#: a.kida:2 b.kida:1\nmsgid "Bye"');
    expect(pot).toContain('msgid "One"\nmsgid_plural "%(count)s many"');
  });
});

describe('call validation', () => {
  const templates = { 'lib.html': '{% def badge(text: str, count: int = 0) %}{{ text }}{% end %}' };
  it('warns about unknown, missing and mistyped arguments to local and imported defs', () => {
    const env = makeEnv(templates, { validateCalls: true });
    const t = env.fromString(
      '{% from "lib.html" import badge as b %}{% def card(title) %}{% end %}\n{{ card(titl="x") }}\n{{ b("x", count="many") }}\n{{ b("ok") }}',
    );
    expect(t.warnings.map((w) => [w.code, w.lineno])).toEqual([
      ['K-CMP-001', 2],
      ['K-CMP-002', 3],
    ]);
    expect(t.warnings[0]!.message).toMatch(/unknown params: titl; missing required: title/);
    expect(t.warnings[1]!.message).toMatch(/param 'count' expects int, got str/);
  });
  it('checks calls to regions, local and imported, as it checks defs (both fail the same way at run time)', () => {
    const withRegion = { 'side.html': '{% region side(p, k: int = 1) %}{{ p }}{% end %}' };
    const env = makeEnv(withRegion, { validateCalls: true });
    const t = env.fromString('{% from "side.html" import side as s %}{% region r(x) %}{{ x }}{% end %}\n{{ r() }}\n{{ s(1, kk=2) }}\n{{ s(1, k="a") }}\n{{ r(1) }}{{ s(p=1) }}');
    expect(t.warnings.map((w) => [w.code, w.lineno, w.message])).toEqual([
      ['K-CMP-001', 2, "Call to 'r' has invalid arguments: missing required: x"],
      ['K-CMP-001', 3, "Call to 's' has invalid arguments: unknown params: kk"],
      ['K-CMP-002', 4, `s() param 'k' expects int, got str ("a")`],
    ]);
    // what the warnings announce is what a render does
    expect(() => makeEnv(withRegion).fromString('{% region r(x) %}{{ x }}{% end %}{{ r() }}').render({})).toThrow(/missing 1 required positional argument: 'x'/);
  });
  it('checks calls through a namespace import (m.card) as it checks imported defs', () => {
    const lib = { 'lib.html': '{% def badge(label, count: int = 0) %}{{ label }}{% end %}{% set tone = "x" %}' };
    const env = makeEnv(lib, { validateCalls: true });
    const t = env.fromString(
      '{% import "lib.html" as m %}\n{{ m.badge() }}\n{{ m.badge("a", count="many") }}\n{% call m.badge("a", size=1) %}{% end %}\n{{ m.badge("ok", count=2) }}{{ m?.badge() }}{{ m.tone }}',
    );
    expect(t.warnings.map((w) => [w.code, w.lineno, w.message])).toEqual([
      ['K-CMP-001', 2, "Call to 'm.badge' has invalid arguments: missing required: label"],
      ['K-CMP-002', 3, `m.badge() param 'count' expects int, got str ("many")`],
      ['K-CMP-001', 4, "Call to 'm.badge' has invalid arguments: unknown params: size"],
    ]);
    // what the warning announces is what a render does
    expect(() => makeEnv(lib).fromString('{% import "lib.html" as m %}{{ m.badge() }}').render({})).toThrow(/missing 1 required positional argument: 'label'/);
    // a parameter or loop variable named like the namespace is not the namespace
    expect(env.fromString('{% import "lib.html" as m %}{% for m in [1] %}{{ m.badge() }}{% end %}').warnings).toEqual([]);
  });
  it('fails compilation when asked to', () => {
    expect(() => makeEnv(templates, { validateCalls: 'error' }).fromString('{% def f(a) %}{% end %}{{ f() }}')).toThrow(/K-CMP-001|missing required/);
  });
});
