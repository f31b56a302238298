// Nunjucks extensions in a bundle built ahead of time: kida.config.mjs names the extension
// modules (`nunjucksExtensions: { Name: './ext.mjs' }`), the Rollup plugin runs each one's
// parse() while it compiles the `.njk` pages, and the compiled modules import the extension for
// its render-time methods. The bundle (no compiler, no eval) renders what Nunjucks 3.2.4 renders
// with the same extensions added to its Environment.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import nunjucks from 'nunjucks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const dir = join(import.meta.dirname, '.out-njk-ext');
type Page = { render(ctx: object): string; renderStream(ctx: object): Iterable<string>; renderAsync(ctx: object): Promise<string>; renderStreamAsync(ctx: object): AsyncIterable<string>; renderBlockAsync(b: string, ctx: object): Promise<string> };
let pages: Record<string, Page>;
let bundle: string;

// The extensions, written once as factories of a SafeString class: the bundle's modules pass
// kida's (kida/runtime/nunjucks), the Nunjucks reference passes Nunjucks' own.
const FACTORIES = `
export function shout(SafeString) {
  return {
    tags: ['shout'],
    parse(parser, nodes) {
      const tok = parser.nextToken();
      const args = parser.parseSignature(null, true);
      parser.advanceAfterBlockEnd(tok.value);
      return new nodes.CallExtension(this, 'run', args);
    },
    run(context, text, kw) {
      return new SafeString('<b>' + String(text).toUpperCase() + (kw && kw.bang ? '!' : '') + '</b>' + String(context.ctx.who ?? ''));
    },
  };
}
// Eleventy's paired async shortcode
export function card(SafeString) {
  return {
    tags: ['card'],
    parse(parser, nodes) {
      const tok = parser.nextToken();
      const args = parser.parseSignature(true, true);
      parser.advanceAfterBlockEnd(tok.value);
      const body = parser.parseUntilBlocks('endcard');
      parser.advanceAfterBlockEnd();
      return new nodes.CallExtensionAsync(this, 'run', args, [body]);
    },
    run(context, title, body, cb) {
      body((err, content) => {
        if (err) return cb(err);
        setTimeout(() => cb(null, new SafeString('<section><h2>' + title + '</h2>' + content + '</section>')), 2);
      });
    },
  };
}
`;

const PAGES: Record<string, string> = {
  plain: '{% shout "hi" %} {% shout who, bang=true %}{% for x in [1, 2] %}[{% shout x %}]{% endfor %}',
  async: '{% block main %}{% card "A&B" %}<p>{{ who }}</p>{% shout "in" %}{% endcard %}{% asyncAll t in ["x", "y"] %}{% card t %}{{ loop.index }}{% endcard %}{% endall %}{% endblock %}',
};

beforeAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'site', 'pages'), { recursive: true });
  mkdirSync(join(dir, 'site', 'exts'), { recursive: true });
  writeFileSync(join(dir, 'site', 'exts', 'factories.mjs'), FACTORIES);
  writeFileSync(join(dir, 'site', 'exts', 'shout.mjs'), "import { SafeString } from 'kida/runtime/nunjucks';\nimport { shout } from './factories.mjs';\nexport default shout(SafeString);\n");
  writeFileSync(join(dir, 'site', 'exts', 'card.mjs'), "import { SafeString } from 'kida/runtime/nunjucks';\nimport { card } from './factories.mjs';\nexport default card(SafeString);\n");
  // (paths in the config are relative to it)
  writeFileSync(join(dir, 'site', 'kida.config.mjs'), "export default { nunjucksExtensions: { Shout: './exts/shout.mjs', Card: './exts/card.mjs' } };\n");
  for (const [name, src] of Object.entries(PAGES)) writeFileSync(join(dir, 'site', 'pages', `${name}.njk`), src);
  writeFileSync(join(dir, 'entry.mjs'), `${Object.keys(PAGES).map((n) => `import ${n} from './site/pages/${n}.njk';`).join('\n')}\nexport const pages = { ${Object.keys(PAGES).join(', ')} };\n`);
  const { rollup } = await import('rollup');
  const { default: kida } = await import('../../dist/plugins/rollup.js' as string);
  const build = await rollup({ input: join(dir, 'entry.mjs'), plugins: [kida({ root: join(dir, 'site'), cacheDir: false, config: join(dir, 'site', 'kida.config.mjs') })] });
  const { output } = await build.generate({ format: 'es' });
  bundle = output[0].code;
  writeFileSync(join(dir, 'bundle.mjs'), bundle);
  pages = ((await import(pathToFileURL(join(dir, 'bundle.mjs')).href)) as { pages: Record<string, Page> }).pages;
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function reference(src: string, ctx: object): Promise<string> {
  const f = (await import(pathToFileURL(join(dir, 'site', 'exts', 'factories.mjs')).href)) as Record<string, (s: unknown) => object>;
  const env = new nunjucks.Environment(null, { autoescape: true });
  env.addExtension('Shout', f.shout!(nunjucks.runtime.SafeString) as never);
  env.addExtension('Card', f.card!(nunjucks.runtime.SafeString) as never);
  return new Promise((ok, no) => env.renderString(src, ctx, (e, r) => (e ? no(e) : ok(r!))));
}

describe('Nunjucks extensions named by kida.config.mjs, in a Rollup bundle', () => {
  it('the bundle holds the extensions and no compiler or code generation from strings', () => {
    for (const marker of ['new Function', 'eval(', 'function tokenize', 'class Parser']) expect(bundle).not.toContain(marker);
    expect(bundle).toContain("'<section><h2>'"); // (the extension's render-time method)
  });
  it('a page using a CallExtension tag renders as in Nunjucks, every way', async () => {
    const ctx = { who: '<w>' };
    const want = await reference(PAGES.plain!, ctx);
    expect(want).toBe('<b>HI</b><w> <b><W>!</b><w>[<b>1</b><w>][<b>2</b><w>]'); // (the extension's SafeString: not escaped)
    expect(pages.plain!.render(ctx)).toBe(want);
    expect([...pages.plain!.renderStream(ctx)].join('')).toBe(want);
    expect(await pages.plain!.renderAsync(ctx)).toBe(want);
  });
  it('a page using a CallExtensionAsync tag (with asyncAll) renders as in Nunjucks, async, streamed and by block', async () => {
    const ctx = { who: '<w>' };
    const want = await reference(PAGES.async!, ctx);
    expect(want).toBe('<section><h2>A&B</h2><p>&lt;w&gt;</p><b>IN</b><w></section><section><h2>x</h2>1</section><section><h2>y</h2>2</section>');
    expect(await pages.async!.renderAsync(ctx)).toBe(want);
    let streamed = '';
    for await (const c of pages.async!.renderStreamAsync(ctx)) streamed += c;
    expect(streamed).toBe(want);
    expect(await pages.async!.renderBlockAsync('main', ctx)).toBe(want);
    expect(() => pages.async!.render(ctx)).toThrow(/async extension 'Card'/);
  });
  it('kida compile (the CLI, reading the same config) writes modules that import the extension relative to them', async () => {
    const cli = join(import.meta.dirname, '../../dist/compiler/cli.js');
    const r = spawnSync(process.execPath, [cli, 'compile', '.', '--out', '../cli-out'], { cwd: join(dir, 'site'), encoding: 'utf8' });
    expect(r.stderr).toMatch(/compiled 2 of 2 templates/);
    expect(r.status).toBe(0);
    expect(readFileSync(join(dir, 'cli-out', 'pages', 'plain.njk.js'), 'utf8')).toContain('from "../../site/exts/shout.mjs"');
    const plain = ((await import(pathToFileURL(join(dir, 'cli-out', 'pages', 'plain.njk.js')).href)) as { default: Page }).default;
    expect(plain.render({ who: '<w>' })).toBe(await reference(PAGES.plain!, { who: '<w>' }));
    // kida render (an Environment) adds the same extensions
    const rendered = spawnSync(process.execPath, [cli, 'render', 'pages/async.njk', '--data', '{"who":"<w>"}'], { cwd: join(dir, 'site'), encoding: 'utf8' });
    expect(rendered.stderr).toBe('');
    expect(rendered.stdout).toBe(await reference(PAGES.async!, { who: '<w>' }));
  });
});
