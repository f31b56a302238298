// compat 'nunjucks' with autoescape chosen per template name (our extension: Nunjucks has one
// setting for every template). A macro of a template that does not escape (`.txt`) printed its
// arguments raw, as a SafeString, inside an HTML page that does: data became markup. Its macros
// now give plain text where the option escapes other templates, so the HTML page escapes their
// text, as Jinja does for macros of non-autoescaped templates and Kida for defs. With Nunjucks'
// own `autoescape: false` for every template, macros stay SafeStrings (its `escape` leaves them alone).
import { describe, expect, it } from 'vitest';
import { DictLoader, Environment } from '../../dist/compiler/environment.js';
import { everyWay } from '../support.js';

const DATA = '<img src=x onerror=alert(1)>';
const templates = {
  'macros.txt': '{% macro card(x) %}card {{ x }}{% endmacro %}{% macro plain() %}just text{% endmacro %}',
  'page.html': '{% from "macros.txt" import card, plain %}<p>{{ card(d) }}</p><p>{{ plain() }}</p>',
  'all.html': '{% import "macros.txt" as m %}<p>{{ m.card(d) }}</p>',
  'block.html': '{% extends "base.html" %}{% block main %}{% from "macros.txt" import card %}{{ card(d) }}{% endblock %}',
  'base.html': '<main>{% block main %}{% endblock %}</main>',
  'mail.txt': '{% from "macros.txt" import card %}{{ card(d) }}',
  'safe.html': '{% from "macros.txt" import card %}{{ card(d) | safe }}',
};
const perName = (name: string | null) => !(name ?? '').endsWith('.txt');
const envOf = (autoescape: boolean | ((n: string | null) => boolean)) => new Environment({ compat: 'nunjucks', loader: new DictLoader(templates), autoescape });

describe('Nunjucks mode, autoescape per template name', () => {
  const env = envOf(perName);
  it.each(['page.html', 'all.html', 'block.html'])('%s escapes what a .txt macro gives, in every render entry', async (name) => {
    const out = await everyWay(env.getTemplate(name), { d: DATA });
    expect(out).toContain('card &lt;img src=x onerror=alert(1)&gt;');
    expect(out).not.toContain('<img');
  });
  it('and in block rendering', () => {
    const t = env.getTemplate('block.html');
    expect(t.renderBlock('main', { d: DATA })).toBe('card &lt;img src=x onerror=alert(1)&gt;');
  });
  it('a macro without data prints the same text', async () => {
    expect(await everyWay(env.getTemplate('page.html'), { d: 'x' })).toBe('<p>card x</p><p>just text</p>');
  });
  it('the .txt template itself still prints raw, and `| safe` is the author saying so', async () => {
    expect(await everyWay(env.getTemplate('mail.txt'), { d: DATA })).toBe(`card ${DATA}`);
    expect(await everyWay(env.getTemplate('safe.html'), { d: DATA })).toBe(`card ${DATA}`);
  });
});

describe("Nunjucks' own single setting is unchanged", () => {
  it('autoescape: false: a macro is a SafeString (escape leaves it alone)', async () => {
    const env = envOf(false);
    expect(await everyWay(env.getTemplate('page.html'), { d: DATA })).toBe(`<p>card ${DATA}</p><p>just text</p>`);
    expect(env.fromString('{% from "macros.txt" import card %}{{ card("<b>") | escape }}').render({})).toBe('card <b>');
  });
  it('autoescape: true: the data is escaped inside the macro, and its text is not escaped again', async () => {
    const env = envOf(true);
    expect(await everyWay(env.getTemplate('page.html'), { d: DATA })).toBe('<p>card &lt;img src=x onerror=alert(1)&gt;</p><p>just text</p>');
  });
});

describe('compiled modules (the plugins compile each file with the same option)', () => {
  it('a .txt macro module gives plain text only where the option escapes other names', async () => {
    const { compile } = await import('../../dist/compiler/index.js');
    const code = (autoescape: boolean | ((n: string | null) => boolean)) => compile(templates['macros.txt'], { name: 'macros.txt', compat: 'nunjucks', autoescape }).code;
    expect(code(perName)).toMatch(/\brawDef\b/);
    expect(code(false)).not.toMatch(/\brawDef\b/);
  });
});

describe("the plugins' compile cache", () => {
  it('keeps a raw template compiled under autoescape: false apart from one a per-name option leaves raw', async () => {
    // (the key held the template's escape mode, null for both: a config changed from false to a
    // function would have served the SafeString macros from the cache)
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { CompileCache } = await import('../../dist/plugins/cache.js');
    const dir = mkdtempSync(join(tmpdir(), 'kida-cache-'));
    try {
      const cache = CompileCache.open(dir)!;
      const source = templates['macros.txt'];
      const base = { name: 'macros.txt', compat: 'nunjucks' as const };
      cache.set(source, { ...base, autoescape: false }, { code: 'raw-everywhere', map: null, dts: null, warnings: [], deps: [] } as never);
      expect(cache.get(source, { ...base, autoescape: false })?.code).toBe('raw-everywhere');
      expect(cache.get(source, { ...base, autoescape: perName })).toBeNull();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
