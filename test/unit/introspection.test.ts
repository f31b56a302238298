// The introspection API: blockMetadata(), templateMetadata() and isCacheable(), computed
// by the compiler (compiler/analysis.ts) and carried in each module's meta.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { compile, relativeImport } from '../../compiler/index.js';
import type { Template } from '../../runtime/template.js';
import { makeEnv } from '../support.js';

/** The metadata of block `name` in a one-template environment (plus optional other templates). */
function block(source: string, name: string, others: Record<string, string> = {}, options = {}) {
  const t = makeEnv({ ...others, 'main.html': source }, options).getTemplate('main.html');
  const meta = t.blockMetadata()[name];
  if (!meta) throw new Error(`no block ${name}`);
  return meta;
}

describe('blockMetadata: purity', () => {
  it('text, context reads, loops and known filters make a pure block', () => {
    const b = block('{% block list %}<ul>{% for p in site.pages | sort(attribute="title") %}<li>{{ p.title | upper }} {{ loop.index }}</li>{% end %}</ul>{% end %}', 'list');
    expect(b.isPure).toBe('pure');
    expect(b.dependsOn).toEqual(['site.pages']);
    expect(b.cacheScope).toBe('site');
  });
  it('the random and shuffle filters make a block impure', () => {
    expect(block('{% block tip %}{{ tips | random }}{% end %}', 'tip').isPure).toBe('impure');
    expect(block('{% block deck %}{% for c in cards | shuffle %}{{ c }}{% end %}{% end %}', 'deck').isPure).toBe('impure');
  });
  it('globals that read the current request (csrf_token, hx_request, csp_nonce) make a block impure', () => {
    expect(block('{% block form %}<form>{{ csrf_token() }}</form>{% end %}', 'form').isPure).toBe('impure');
    expect(block('{% block b %}{% if hx_request() %}partial{% end %}{% end %}', 'b').isPure).toBe('impure');
    expect(block('{% block b %}{{ "<script>" | csp_nonce }}{% end %}', 'b').cacheScope).toBe('none');
  });
  it('impurity wins over unknown, anywhere in the block', () => {
    const b = block('{% block b %}{{ helper() }}{% if x %}{% for i in xs %}{{ xs | random }}{% end %}{% end %}{% end %}', 'b');
    expect(b.isPure).toBe('impure');
    expect(b.cacheScope).toBe('none');
  });
  it('calls the compiler cannot see make purity unknown', () => {
    expect(block('{% block b %}{{ format_price(item) }}{% end %}', 'b').isPure).toBe('unknown');
    expect(block('{% block b %}{{ user.greeting() }}{% end %}', 'b').isPure).toBe('unknown');
    expect(block('{% block b %}{{ consume("theme") }}{% end %}', 'b').isPure).toBe('unknown');
    const custom = block('{% block b %}{{ name | shout }}{% end %}', 'b', {}, { filters: { shout: (s: unknown) => String(s) + '!' } });
    expect(custom.isPure).toBe('unknown');
    expect(custom.cacheScope).toBe('unknown');
  });
  it('a user filter shadowing a built-in name is not trusted as pure', () => {
    const b = block('{% block b %}{{ name | upper }}{% end %}', 'b', {}, { filters: { upper: () => String(Math.random()) } });
    expect(b.isPure).toBe('unknown');
  });
  it('built-in functions are pure; so are calls of the template’s own defs with pure bodies', () => {
    expect(block('{% block b %}{{ len(xs) }} {{ range(3) | list }} {{ max(a, b) }}{% end %}', 'b').isPure).toBe('pure');
    const src = '{% def badge(text) %}<b>{{ text | title }}</b>{% end %}{% block b %}{{ badge(page.title) }}{% end %}';
    expect(block(src, 'b').isPure).toBe('pure');
    const impureDef = '{% def pick(xs) %}{{ xs | random }}{% end %}{% block b %}{{ pick(items) }}{% end %}';
    expect(block(impureDef, 'b').isPure).toBe('impure');
  });
  it('a recursive def is analysed once (no endless recursion)', () => {
    const src = '{% def tree(node) %}<li>{{ node.name }}{% for c in node.children %}{{ tree(c) }}{% end %}</li>{% end %}{% block nav %}{{ tree(site.root) }}{% end %}';
    const b = block(src, 'nav');
    expect(b.isPure).toBe('pure');
    expect(b.dependsOn).toEqual(['site.root']);
  });
  it('mutually recursive defs see each other whole, whichever is analysed first', () => {
    const src =
      '{% def even(n) %}{{ page.y }}{% if n %}{{ odd(n - 1) }}{% end %}{% end %}' +
      '{% def odd(n) %}{{ site.x }}{% if n %}{{ even(n - 1) }}{% end %}{% end %}' +
      '{% block a %}{{ even(3) }}{% end %}{% block b %}{{ odd(3) }}{% end %}';
    const meta = makeEnv({ 'm.html': src }).getTemplate('m.html').blockMetadata();
    expect(meta.a!.dependsOn).toEqual(['page.y', 'site.x']);
    expect(meta.b!.dependsOn).toEqual(['page.y', 'site.x']);
    const impure = src.replace('{{ site.x }}', '{{ [1, 2] | random }}');
    const m2 = makeEnv({ 'm.html': impure }).getTemplate('m.html').blockMetadata();
    expect([m2.a!.isPure, m2.b!.isPure]).toEqual(['impure', 'impure']);
  });
  it('a top-level variable assigned from itself depends on the context name', () => {
    expect(block('{% set title = title ~ " | Site" %}{% block b %}{{ title }}{% end %}', 'b').dependsOn).toEqual(['title']);
  });
  it('await is unknown', () => {
    expect(block('{% block b %}{{ await load() }}{% end %}', 'b').isPure).toBe('unknown');
  });
});

describe('blockMetadata: dependencies', () => {
  it('lists dotted context paths, not locals or built-in names', () => {
    const src =
      '{% block b %}{% set n = items | length %}{% for it in items %}{{ it.name }}{{ loop.index }}{% end %}' +
      '{% with total = cart.total %}{{ total }}{% end %}{{ n }} {{ page["meta"].author }} {{ user?.name ?? "anon" }}{{ range(3) | join }}{% end %}';
    expect(block(src, 'b').dependsOn).toEqual(['cart.total', 'items', 'page.meta.author', 'user.name']);
  });
  it('a computed subscript depends on the object and the key', () => {
    expect(block('{% block b %}{{ rows[i] }}{% end %}', 'b').dependsOn).toEqual(['i', 'rows']);
  });
  it('a block does not see loop variables around it (block bodies read the context)', () => {
    expect(block('{% for x in xs %}{% block b %}{{ x }}{% end %}{% end %}', 'b').dependsOn).toEqual(['x']);
  });
  it('top-level lets resolve to what they were assigned from; def bodies and arguments count', () => {
    const src =
      '{% let heading = page.title | upper %}{% def row(r) %}<tr>{{ r.name }} {{ site.currency }}</tr>{% end %}' +
      '{% block b %}<h1>{{ heading }}</h1>{{ row(order) }}{% end %}';
    const b = block(src, 'b');
    expect(b.dependsOn).toEqual(['order', 'page.title', 'site.currency']);
    expect(b.cacheScope).toBe('page');
  });
  it('included templates: their reads and their purity count, loop variables excepted', () => {
    const others = {
      'card.html': '<div>{{ item.title }} {{ site.name }}</div>',
      'rand.html': '{{ quotes | random }}',
      'plain.html': '<p>{{ secret }}</p>',
    };
    const b = block('{% block b %}{% for item in page.items %}{% include "card.html" %}{% end %}{% end %}', 'b', others);
    expect(b.dependsOn).toEqual(['page.items', 'site.name']);
    expect(b.isPure).toBe('pure');
    expect(block('{% block b %}{% include "rand.html" %}{% end %}', 'b', others).isPure).toBe('impure');
    // without context the included template sees the globals only
    expect(block('{% block b %}{% include "plain.html" without context %}{% end %}', 'b', others).dependsOn).toEqual([]);
  });
  it('missing, dynamic and circular includes are unknown', () => {
    expect(block('{% block b %}{% include "nope.html" ignore missing %}{% end %}', 'b').isPure).toBe('unknown');
    const dyn = block('{% block b %}{% include partial %}{% end %}', 'b');
    expect(dyn.isPure).toBe('unknown');
    expect(dyn.dependsOn).toEqual(['partial']);
    const cyc = { 'a.html': '{% if n %}{% include "b.html" %}{% end %}', 'b.html': '{% include "a.html" %}' };
    expect(block('{% block b %}{% include "a.html" %}{% end %}', 'b', cyc).isPure).toBe('unknown');
  });
  it('imported defs are analysed in their own template; without context their reads are not the caller’s', () => {
    const others = {
      'ui.html': '{% def card(p) %}<div>{{ p.title }} {{ theme.color }}</div>{% end %}{% def dice() %}{{ [1, 2, 3] | random }}{% end %}',
    };
    const plain = block('{% from "ui.html" import card %}{% block b %}{{ card(post) }}{% end %}', 'b', others);
    expect(plain).toMatchObject({ isPure: 'pure', dependsOn: ['post'], cacheScope: 'page' });
    const withCtx = block('{% from "ui.html" import card with context %}{% block b %}{{ card(post) }}{% end %}', 'b', others);
    expect(withCtx.dependsOn).toEqual(['post', 'theme.color']);
    const ns = block('{% import "ui.html" as ui %}{% block b %}{{ ui.dice() }}{% end %}', 'b', others);
    expect(ns.isPure).toBe('impure');
    expect(ns.dependsOn).toEqual([]);
  });
});

describe('blockMetadata: output, landmarks and roles', () => {
  it('finds landmark elements in the block’s markup and infers a role from them', () => {
    const src =
      '{% block a %}<nav class="x"><a>home</a></nav>{% end %}{% block b %}<MAIN>{{ body }}</MAIN>{% end %}' +
      '{% block c %}<aside>…</aside>{% end %}{% block d %}< header >{% end %}{% block e %}<footer>©</footer>{% end %}' +
      '{% block f %}<nav></nav><header></header>{% end %}{% block g %}<section><article>x</article></section>{% end %}';
    const meta = makeEnv({ 'm.html': src }).getTemplate('m.html').blockMetadata();
    const pick = (k: string) => [meta[k]!.emitsLandmarks, meta[k]!.inferredRole];
    expect(pick('a')).toEqual([['nav'], 'navigation']);
    expect(pick('b')).toEqual([['main'], 'content']);
    expect(pick('c')).toEqual([['aside'], 'sidebar']);
    expect(pick('d')).toEqual([['header'], 'header']);
    expect(pick('e')).toEqual([['footer'], 'footer']);
    // nav alongside another landmark is not "navigation"
    expect(pick('f')).toEqual([['header', 'nav'], 'header']);
    expect(pick('g')).toEqual([['article', 'section'], 'unknown']);
  });
  it('without landmarks the role comes from the block name', () => {
    const src = '{% block menu %}<ul></ul>{% end %}{% block hero %}x{% end %}{% block toc %}x{% end %}{% block colophon %}x{% end %}{% block post %}x{% end %}{% block widget %}<navbar>{% end %}';
    const meta = makeEnv({ 'm.html': src }).getTemplate('m.html').blockMetadata();
    expect(Object.values(meta).map((b) => b.inferredRole)).toEqual(['navigation', 'header', 'sidebar', 'footer', 'content', 'unknown']);
    expect(meta.widget!.emitsLandmarks).toEqual([]);
  });
  it('emitsHtml is false for empty and whitespace-only blocks, true for text, output and includes', () => {
    const src = '{% block a %}{% end %}{% block b %}\n   \n{% end %}{% block c %}{% set x = 1 %}{% end %}{% block d %}x{% end %}{% block e %}{{ y }}{% end %}{% block f %}{% include "p.html" %}{% end %}';
    const meta = makeEnv({ 'm.html': src, 'p.html': 'p' }).getTemplate('m.html').blockMetadata();
    expect(Object.values(meta).map((b) => b.emitsHtml)).toEqual([false, false, false, true, true, true]);
  });
  it('whitespace is whatever trim() removes (no-break and em spaces too); landmark tags in any case and spacing', () => {
    const src = '{% block a %}\u00a0\u2003\t{% end %}{% block b %}\u00a0x{% end %}{% block c %}<NAV>{{ x }}<  main id=m><navbar>{% end %}';
    const meta = makeEnv({ 'm.html': src }).getTemplate('m.html').blockMetadata();
    expect(Object.values(meta).map((b) => b.emitsHtml)).toEqual([false, true, true]);
    expect(meta.c!.emitsLandmarks).toEqual(['main', 'nav']);
  });
});

describe('blockMetadata: hashes, regions, fragments and modifiers', () => {
  it('blockHash is 16 hex digits, the same for the same block wherever it sits, different when it changes', () => {
    const a = block('{% block b %}<p>{{ x }}</p>{% end %}', 'b').blockHash;
    expect(a).toMatch(/^[0-9a-f]{16}$/);
    expect(block('\n\n{{ other }}{% block b %}<p>{{ x }}</p>{% end %}', 'b').blockHash).toBe(a);
    expect(block('{% block b %}<p>{{ y }}</p>{% end %}', 'b').blockHash).not.toBe(a);
    expect(block('{% block b %}<p>{{ x }}!</p>{% end %}', 'b').blockHash).not.toBe(a);
    // it hashes the block's source from its keyword to its end tag's: trimming outside it changes nothing
    expect(block('x\n{%- block b %}<p>{{ x }}</p>{% end -%}\ny', 'b').blockHash).toBe(a);
    expect(block('{% block b %}<p>{{ x }}</p>{%- end %}', 'b').blockHash).not.toBe(a);
    expect(block('{% block b -%}<p>{{ x }}</p>{% end %}', 'b').blockHash).not.toBe(a);
    expect(block('{% block b %}<p>{{ x }}</p>{% endblock %}', 'b').blockHash).toBe(a);
  });
  it('regions are blocks with parameters; their parameters are part of their dependencies', () => {
    const r = block('{% region results(query, page_no=1) %}<main>{{ query }} {{ search.index }}</main>{% end %}', 'results');
    expect(r).toMatchObject({ isRegion: true, regionParams: ['query', 'page_no'], isPure: 'pure', emitsLandmarks: ['main'], inferredRole: 'content' });
    expect(r.dependsOn).toEqual(['page_no', 'query', 'search.index']);
  });
  it('fragments and modifiers are reported as before', () => {
    const src = '{% block chart enhanced="sse" n=3 %}x{% end %}{% fragment rows %}y{% end %}';
    const meta = makeEnv({ 'm.html': src }).getTemplate('m.html').blockMetadata();
    expect(meta.chart).toMatchObject({ name: 'chart', modifiers: { enhanced: 'sse', n: 3 }, fragment: false, isRegion: false, regionParams: [] });
    expect(meta.rows).toMatchObject({ name: 'rows', modifiers: {}, fragment: true });
  });
});

describe('templateMetadata and isCacheable', () => {
  const env = makeEnv({
    'base.html': '<html>{% block head %}<title>{{ site.title }}</title>{% end %}{% block body %}{% end %}{% block tip %}{{ tips | random }}{% end %}</html>',
    'page.html':
      '{% extends "./base.html" %}{% let crumbs = page.path | replace("/", " ") %}{% def link(p) %}<a>{{ p.url }} {{ config.base }}</a>{% end %}' +
      '{% region status(code) %}{{ code }}{% end %}{% block body %}<main>{{ page.body }}</main>{% end %}{% block tip %}Tip: {{ site.tip }}{% end %}',
    'pure.html': '{% block a %}<p>{{ site.x }}</p>{% end %}{% block b %}{{ page.y }}{% end %}',
    'none.html': '{{ x }}',
    'dyn.html': '{% extends layout %}{% block a %}a{% end %}',
  });
  it('describes the template: name, parent, blocks along the chain, reads outside blocks', () => {
    const m = env.getTemplate('page.html').templateMetadata();
    expect(m.name).toBe('page.html');
    expect(m.extends).toBe('base.html');
    expect(Object.keys(m.blocks).sort()).toEqual(['body', 'head', 'status', 'tip']);
    // the child's override wins
    expect(m.blocks.tip!.isPure).toBe('pure');
    expect(m.blocks.head!.dependsOn).toEqual(['site.title']);
    expect(m.topLevelDependsOn).toEqual(['config.base', 'page.path']);
    expect(Object.keys(m.regions())).toEqual(['status']);
    expect(m.allDependencies()).toEqual(['code', 'config.base', 'page.body', 'page.path', 'site.tip', 'site.title']);
  });
  it('a dynamic parent has no name; the expression is a top-level dependency', () => {
    const m = env.getTemplate('dyn.html').templateMetadata();
    expect(m.extends).toBeNull();
    expect(m.topLevelDependsOn).toEqual(['layout']);
  });
  it('isCacheable(block) says whether that block is pure', () => {
    const base = env.getTemplate('base.html');
    expect(base.isCacheable('head')).toBe(true);
    expect(base.isCacheable('tip')).toBe(false);
    expect(base.isCacheable('missing')).toBe(false);
    expect(base.isCacheable('constructor')).toBe(false);
    expect(env.getTemplate('page.html').isCacheable('tip')).toBe(true);
  });
  it('isCacheable() needs every block of the chain to be pure, and at least one block', () => {
    expect(env.getTemplate('base.html').isCacheable()).toBe(false);
    expect(env.getTemplate('page.html').isCacheable()).toBe(true);
    expect(env.getTemplate('pure.html').isCacheable()).toBe(true);
    expect(env.getTemplate('none.html').isCacheable()).toBe(false);
    expect(env.getTemplate('none.html').templateMetadata().blocks).toEqual({});
  });
  it('cache scopes: page-like roots per page, other reads site-wide', () => {
    const scopes = (src: string) => Object.values(makeEnv({ 'm.html': src }).getTemplate('m.html').blockMetadata()).map((b) => b.cacheScope);
    expect(
      scopes(
        '{% block a %}static{% end %}{% block b %}{{ site.title }}{% end %}{% block c %}{{ page.title }}{% end %}' +
          '{% block d %}{{ post }}{% end %}{% block e %}{{ item.x }}{{ doc.y }}{{ entry.z }}{% end %}{% block f %}{{ pageviews }}{% end %}' +
          '{% block g %}{{ x | shuffle }}{% end %}{% block h %}{{ f(x) }}{% end %}',
      ),
    ).toEqual(['site', 'site', 'page', 'page', 'page', 'site', 'none', 'unknown']);
  });
});

describe('compiled modules', () => {
  const dir = join(import.meta.dirname, '.out-introspection');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const templates: Record<string, string> = {
    'layouts/base.html.kida':
      '<body>{% block nav %}<nav>{% for p in site.pages %}{{ p.title }}{% end %}</nav>{% end %}{% block main %}{% end %}{% block ad %}{{ ads | random }}{% end %}</body>',
    'parts/card.html.kida': '<article>{{ item.title }} {{ site.currency }}</article>',
    'lib/ui.html.kida': '{% def price(v) %}{{ v | round(2) }} {{ site.currency }}{% end %}',
    'pages/shop.html.kida':
      '{% extends "../layouts/base.html.kida" %}{% from "../lib/ui.html.kida" import price %}' +
      '{% region cart(user_id) %}{{ carts[user_id] | length }}{% end %}' +
      '{% block main %}<main>{% for item in page.items %}{% include "../parts/card.html.kida" %}{{ price(item.price) }}{% end %}</main>{% end %}' +
      '{% block ad %}{% end %}',
  };
  const sourceOf = (n: string) => templates[n] ?? null;

  it('carry the same metadata as Environment templates', async () => {
    rmSync(dir, { recursive: true, force: true });
    for (const [name, source] of Object.entries(templates)) {
      const { code } = compile(source, { name, sourceOf, importPath: (t, f) => relativeImport(t, f) + '.mjs' });
      const file = join(dir, name + '.mjs');
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, code);
    }
    const mod: Template = (await import(pathToFileURL(join(dir, 'pages/shop.html.kida.mjs')).href)).default;
    const env = makeEnv(templates).getTemplate('pages/shop.html.kida');
    expect(mod.blockMetadata()).toEqual(env.blockMetadata());
    const [a, b] = [mod.templateMetadata(), env.templateMetadata()];
    const plain = (m: typeof a) => ({ ...m, regions: m.regions(), allDependencies: m.allDependencies() });
    expect(plain(a)).toEqual(plain(b));
    expect(a.extends).toBe('layouts/base.html.kida');
    expect(a.blocks.main).toMatchObject({ isPure: 'pure', cacheScope: 'page', emitsLandmarks: ['main'], inferredRole: 'content' });
    expect(a.blocks.main!.dependsOn).toEqual(['page.items', 'site.currency']);
    expect(a.blocks.cart!.isRegion).toBe(true);
    expect(mod.isCacheable()).toBe(env.isCacheable());
    expect(mod.isCacheable()).toBe(true);
    const base: Template = (await import(pathToFileURL(join(dir, 'layouts/base.html.kida.mjs')).href)).default;
    expect(base.isCacheable()).toBe(false);
    expect(base.isCacheable('nav')).toBe(true);
  });
  it('store a plain def’s metadata as a defMeta call, and give the same metadata as the whole literal', () => {
    const src = '{% def card(p, q) %}{{ p }}{% end %}{% def opt(a, b=1, *r) %}{% slot %}{% end %}{% def none() %}x{% end %}';
    const { code } = compile(src, { name: 'd.html.kida' });
    expect(code).toContain('$defMeta("card", 1, "p", "q")');
    expect(code).toContain('$defMeta("none", 1)');
    expect(code).toContain('"name":"opt"'); // (a default, *args and a slot: the literal)
    const plain = (name: string, params: string[]) => ({
      name, lineno: 1, vararg: null, kwarg: null, slots: [], hasDefaultSlot: false,
      params: params.map((p) => ({ name: p, annotation: null, hasDefault: false, isRequired: true })),
    });
    const meta = makeEnv({ 'd.html.kida': src }).getTemplate('d.html.kida').defMetadata();
    expect(meta.card).toEqual(plain('card', ['p', 'q']));
    expect(meta.none).toEqual(plain('none', []));
    expect(meta.opt).toMatchObject({ vararg: 'r', hasDefaultSlot: true, params: [{ name: 'a', isRequired: true }, { name: 'b', hasDefault: true, isRequired: false }] });
  });
  it('store each block compactly: defaults are left out of the module', () => {
    const { code } = compile('{% block a %}<p>hi</p>{% end %}{% block b %}{{ page.x | shuffle }}{% end %}', { name: 'c.html.kida' });
    const meta = JSON.parse(/meta: (\{.*?\}) \}\)/.exec(code)![1]!);
    expect(meta.blocks.a).toEqual({ h: expect.stringMatching(/^[0-9a-f]{16}$/) });
    expect(meta.blocks.b).toEqual({ h: expect.any(String), d: ['page.x'], c: 'none' });
    // nothing read outside blocks, while dependsOn has page.x: `t` is written (absent means "as dependsOn")
    expect(meta.t).toEqual([]);
    const flat = compile('<p>{{ page.x }}</p>{{ user ?? "anon" }}', { name: 'f.html.kida' }).code;
    const flatMeta = JSON.parse(/meta: (\{.*?\}) \}\)/.exec(flat)![1]!);
    // (the context names are folded into requiredContext, marked: `?` read only guarded)
    expect(flatMeta).toEqual({ dependsOn: ['page.x', 'user'] });
    expect(flat).toContain('$defineRegistered($NAME, $bodyFns($root_s, 0), "page ?user", { meta:');
    // a loop variable is required but no context name (`-`); dependsOn, the names sorted, is left out
    const looped = compile('{% for x in xs %}{{ x }}{% end %}{{ a }}', { name: 'l.html.kida' }).code;
    expect(looped).toContain('$defineRegistered($NAME, $loopFns($root_s), "xs -x a");');
    const t = makeEnv({ 'l.html': '{% for x in xs %}{{ x }}{% end %}{{ a }}' }).getTemplate('l.html');
    expect([t.requiredContext(), t.dependsOn(), t.templateMetadata().topLevelDependsOn]).toEqual([['xs', 'x', 'a'], ['a', 'xs'], ['a', 'xs']]);
  });
  it('without a way to read other templates, an include is unknown', () => {
    const { code } = compile('{% block a %}{% include "x.html" %}{% end %}', { name: 'c.html.kida' });
    const meta = JSON.parse(/meta: (\{.*?\}) \}\)/.exec(code)![1]!);
    expect(meta.blocks.a.c).toBe('unknown');
  });
});
