// Markdown mode (`autoescape: 'markdown'`): the escape function, Marked, the Markdown filters and
// `output_format`, through every render entry point, the Environment, compile() and a bundle.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { compile, relativeImport } from '../../compiler/index.js';
import { Environment, DictLoader } from '../../compiler/environment.js';
import { KidaProject } from '../../plugins/shared.js';
import { Markup, Marked, escapeMarkdown } from '../../runtime/markup.js';
import { renderAll, r } from '../support.js';
import { pyRepr, typeName } from '../../runtime/values.js';

const MD = { autoescape: 'markdown' } as const;
const md = (source: string, ctx: Record<string, unknown> = {}, templates: Record<string, string> = {}) => r(source, ctx, MD, templates);

describe('escapeMarkdown', () => {
  it('backslash-escapes \\ ` * _ [ ] anywhere, and writes < as &lt;', () => {
    expect(escapeMarkdown('a*b_c')).toBe('a\\*b\\_c');
    expect(escapeMarkdown('**bold** and `code`')).toBe('\\*\\*bold\\*\\* and \\`code\\`');
    // (a `(` right after `]` too: marked reads `\](` in a link's text as a nested link)
    expect(escapeMarkdown('[link](url)')).toBe('\\[link\\]\\(url)');
    expect(escapeMarkdown('[a] (b) c(d)')).toBe('\\[a\\] (b) c(d)');
    expect(escapeMarkdown('<img src=x>')).toBe('&lt;img src=x>');
    expect(escapeMarkdown('C:\\dir')).toBe('C:\\\\dir');
  });
  it('leaves prose, dates, identifiers, paths, pipes, tildes, parentheses and quotes alone', () => {
    for (const s of ['hello world', '2026-04-24', 'K-PAR-001 end-tag', 'issue #123', 'note (see ref)', 'a | b', '~~x~~', '"q" \'s\'', 'src/a.py', 'x > y', '3.5%', '1+1=2'])
      expect(escapeMarkdown(s)).toBe(s);
  });
  it('escapes block markers where a line starts: headings, quotes, list items, rules', () => {
    expect(escapeMarkdown('# title')).toBe('\\# title');
    expect(escapeMarkdown('###### six')).toBe('\\###### six');
    expect(escapeMarkdown('> quote')).toBe('\\> quote');
    expect(escapeMarkdown('>quote')).toBe('\\>quote');
    expect(escapeMarkdown('- item')).toBe('\\- item');
    expect(escapeMarkdown('+ item')).toBe('\\+ item');
    expect(escapeMarkdown('1. first')).toBe('\\1. first');
    expect(escapeMarkdown('42) answer')).toBe('\\42) answer');
    expect(escapeMarkdown('---')).toBe('\\---');
    expect(escapeMarkdown('#')).toBe('\\#');
  });
  it('applies the line-start rules after every newline and after indentation', () => {
    expect(escapeMarkdown('intro\n## Summary\nbody')).toBe('intro\n\\## Summary\nbody');
    expect(escapeMarkdown('- a\n+ b\n  - c\n\t3. d')).toBe('\\- a\n\\+ b\n  \\- c\n\t\\3. d');
    expect(escapeMarkdown('x\r\n> y')).toBe('x\r\n\\> y');
  });
  it('needs the marker to be followed by whitespace (or the end of the line)', () => {
    expect(escapeMarkdown('#hashtag')).toBe('#hashtag');
    expect(escapeMarkdown('-1')).toBe('-1');
    expect(escapeMarkdown('+1')).toBe('+1');
    expect(escapeMarkdown('91.0%')).toBe('91.0%');
    expect(escapeMarkdown('1.5 points')).toBe('1.5 points');
    expect(escapeMarkdown('a - b')).toBe('a - b');
  });
});

describe('{{ }} in Markdown mode', () => {
  it('escapes strings, numbers render as they are, containers as their repr escaped', () => {
    expect(md('{{ x }}', { x: '**hi** _there_' })).toBe('\\*\\*hi\\*\\* \\_there\\_');
    expect(md('{{ x }}', { x: '- not a list\n# not a heading' })).toBe('\\- not a list\n\\# not a heading');
    expect(md('{{ n }} {{ -n }} {{ f }}', { n: 3, f: 1.5 })).toBe('3 -3 1.5');
    expect(md("{{ ['a_b', none] }}")).toBe("\\['a\\_b', None\\]");
  });
  it('constant output is escaped at compile time the same way', () => {
    expect(md('{{ "*lit*" }}|{{ "# h" }}')).toBe('\\*lit\\*|\\# h');
  });
  it('escapes each output on its own: the start of a value is a line start', () => {
    // the reference's behaviour (tests/templates jest report): " > " becomes " \> "
    expect(md('`A{{ " > " }}B`')).toBe('`A \\> B`');
  });
  it('never escapes template text', () => {
    expect(md('# {{ t }}\n- *{{ u }}*', { t: 'Title_1', u: 'x' })).toBe('# Title\\_1\n- *x*');
  });
  it('escapes for every template name (no .kida double-extension rule)', () => {
    const env = new Environment({ autoescape: 'markdown', loader: new DictLoader({ 'a.html.kida': '{{ x }}', 'b.kida': '{{ x }}', 'c.md': '{{ x }}' }) });
    for (const n of ['a.html.kida', 'b.kida', 'c.md']) expect(env.getTemplate(n).render({ x: '<_>' })).toBe('&lt;\\_>');
  });
});

describe('safe values are not escaped again', () => {
  it('filter results (Marked)', () => {
    expect(md('{{ x | bold }}', { x: 'a' })).toBe('**a**');
    expect(md('{{ x | bold | italic }}', { x: 'a_b' })).toBe('***a\\_b***');
  });
  it('Marked, Markup and __markdown__() objects from the context', () => {
    expect(md('{{ a }}|{{ b }}|{{ c }}', { a: new Marked('**m**'), b: new Markup('<i>_</i>'), c: { __markdown__: () => '*o*' } })).toBe('**m**|<i>_</i>|*o*');
  });
  it('Marked names its own type: typeName and repr say Marked, Markup stays Markup', () => {
    expect([typeName(new Marked('m')), typeName(new Markup('m'))]).toEqual(['Marked', 'Markup']);
    expect([pyRepr(new Marked("it's")), pyRepr(new Markup('<i>'))]).toEqual([`Marked("it's")`, "Markup('<i>')"]);
    expect(md('{{ [x | bold] }}', { x: 'a' })).toBe("\\[Marked('\\*\\*a\\*\\*')\\]"); // a list's repr, escaped
  });
  it('def, caller(), slot and capture output', () => {
    const src =
      '{% def box(t) %}**{{ t }}**{% end %}{% def wrap() %}[{{ caller() }}]{% end %}{% def card() %}>{% slot %}{% end %}' +
      '{{ box("a_b") }}|{% call wrap() %}_{{ "d_e" }}_{% end %}|{% call card() %}*{{ "_" }}*{% end %}|{% capture c %}# {{ "x*" }}{% end %}{{ c }}';
    expect(md(src)).toBe('**a\\_b**|[_d\\_e_]|>*\\_*|# x\\*');
  });
  it('concatenation, %, * and string methods escape the plain side for Markdown', () => {
    expect(md('{{ "a" | bold ~ "_b_" }}')).toBe('**a**\\_b\\_');
    expect(md('{{ "_x_" ~ ("a" | bold) }}')).toBe('\\_x\\_**a**');
    expect(md('{% def d() %}*{% end %}{{ d() ~ "*" }}')).toBe('*\\*');
    expect(md('{% set f = "%s!" | safe %}{{ f % "_a_" }}')).toBe('\\_a\\_!');
    expect(md('{% set f = "-" | safe %}{{ f * 3 }}')).toBe('---');
    expect(md('{{ (", " | safe).join(["*", "b" | bold]) }}')).toBe('\\*, **b**');
  });
  it('safe marks text as Markdown; escape/e print what the reference prints', () => {
    expect(md('{{ x | safe }}', { x: '**raw**' })).toBe('**raw**');
    expect(md('{{ x | e }}|{{ x | escape }}', { x: '<*>' })).toBe('&lt;\\*&gt;|&lt;\\*&gt;');
    expect(md('{{ x | bold | e }}', { x: 'a' })).toBe('**a**');
  });
  it('plain string filters drop safety, as in HTML mode', () => {
    expect(md('{{ x | bold | upper }}', { x: 'a' })).toBe('\\*\\*A\\*\\*');
  });
  it('HTML output escapes Marked: safe Markdown is not safe HTML', () => {
    expect(r('{{ m }}|{{ k }}', { m: new Marked('<b>*</b>'), k: new Markup('<i>') })).toBe('&lt;b&gt;*&lt;/b&gt;|<i>');
  });
});

describe('Markdown filters', () => {
  it('bold, italic, strike escape their text', () => {
    expect(md('{{ x | bold }} {{ x | italic }} {{ x | strike }}', { x: 'a*b' })).toBe('**a\\*b** *a\\*b* ~~a\\*b~~');
  });
  it('code keeps its text verbatim, with double backticks around a backtick', () => {
    expect(md('{{ x | code }}|{{ y | code }}', { x: 'a_b*c', y: 'a`b' })).toBe('`a_b*c`|`` a`b ``');
  });
  it('link escapes the text and keeps a web URL (balanced parentheses too); the URL is required', () => {
    expect(md('{{ t | link(u) }}|{{ t | link(url="/x") }}', { t: 'see [1]', u: 'https://e.x/a_b?q=(1)' })).toBe('[see \\[1\\]](https://e.x/a_b?q=(1))|[see \\[1\\]](/x)');
    expect(() => md('{{ "t" | link }}')).toThrow(/link\(\) missing 1 required positional argument: 'url'/);
  });
  it('badge maps statuses to emoji shortcodes (case and spaces ignored)', () => {
    const src = "{% for s in ['pass', 'success', 'OK', 'fail', 'error', 'failed', 'warn', 'warning', 'skip', 'skipped', 'info', ' Pass ', 'rocket'] %}{{ s | badge }} {% end %}";
    expect(md(src)).toBe(
      ':white_check_mark: :white_check_mark: :white_check_mark: :x: :x: :x: :warning: :warning: :heavy_minus_sign: :heavy_minus_sign: :information_source: :white_check_mark: :rocket: ',
    );
  });
  it('table from dicts (keys in first-seen order) or rows, with headers, escaping pipes', () => {
    const rows = [{ name: 'a|b', n: 1 }, { name: 'c', extra: null }];
    expect(md('{{ rows | table }}', { rows })).toBe('| name | n | extra |\n| --- | --- | --- |\n| a\\|b | 1 |  |\n| c |  | None |');
    expect(md('{{ rows | table(headers=["n"]) }}', { rows })).toBe('| n |\n| --- |\n| 1 |\n|  |');
    expect(md('{{ [[1, 2], [3, 4]] | table }}')).toBe('| col0 | col1 |\n| --- | --- |\n| 1 | 2 |\n| 3 | 4 |');
    expect(md('{{ [[1, 2]] | table(["x", "y"]) }}')).toBe('| x | y |\n| --- | --- |\n| 1 | 2 |');
    expect(md('[{{ [] | table }}]')).toBe('[]');
  });
  it('codeblock fences its text verbatim, with an optional language', () => {
    expect(md('{{ x | codeblock }}\n{{ x | codeblock("py") }}', { x: 'a_b = 1' })).toBe('```\na_b = 1\n```\n```py\na_b = 1\n```');
  });
  it('details wraps its body, escaping the summary', () => {
    expect(md('{{ x | details }}', { x: 'body *b*' })).toBe('<details>\n<summary>Details</summary>\n\nbody \\*b\\*\n\n</details>');
    expect(md('{{ x | bold | details }}', { x: 'b' })).toBe('<details>\n<summary>Details</summary>\n\n**b**\n\n</details>');
    expect(md('{{ x | details(summary="a_b") }}', { x: 'y' })).toBe('<details>\n<summary>a\\_b</summary>\n\ny\n\n</details>');
  });
  it('h1 to h4 prefix the escaped text', () => {
    expect(md('{{ x | h1 }}\n{{ x | h2 }}\n{{ x | h3 }}\n{{ x | h4 }}', { x: 'T_1' })).toBe('# T\\_1\n## T\\_1\n### T\\_1\n#### T\\_1');
  });
  it('are unknown outside Markdown mode, with a hint', () => {
    expect(() => r('{{ x | bold }}')).toThrow(/Unknown filter 'bold': it is a Markdown-mode filter/);
    expect(() => compile('{{ x | table }}', { name: 'a.html.kida' })).toThrow(/autoescape: 'markdown'/);
  });
  it('user filters of the same name win', () => {
    expect(r('{{ x | bold }}', { x: 'a' }, { ...MD, filters: { bold: (v: unknown) => `<${String(v)}>` } })).toBe('&lt;a>');
  });
  it('are in the Environment filter table', () => {
    const env = new Environment(MD);
    for (const n of ['badge', 'bold', 'code', 'codeblock', 'details', 'h1', 'h2', 'h3', 'h4', 'italic', 'link', 'strike', 'table'])
      expect(typeof env.filters[n]).toBe('function');
    expect(new Environment().filters.bold).toBeUndefined();
  });
});

describe('output_format', () => {
  it('is "markdown" in Markdown mode, unless the context sets it', () => {
    expect(md('{{ output_format }}')).toBe('markdown');
    expect(md('{% if output_format == "markdown" %}md{% end %}|{{ output_format is defined }}')).toBe('md|True');
    expect(md('{{ output_format }}', { output_format: 'x' })).toBe('x');
    expect(new Environment(MD).globals.output_format).toBe('markdown');
  });
  it('is not a context requirement of a Markdown-mode template', () => {
    const t = new Environment(MD).fromString('{{ output_format }}{{ x }}');
    expect(t.requiredContext()).not.toContain('output_format');
    expect(t.validateContext({ x: 1 })).toEqual([]);
  });
  it('is undefined outside Markdown mode', () => {
    expect(() => r('{{ output_format }}')).toThrow(/output_format/);
  });
});

describe('choosing the mode', () => {
  it('accepts markdown, true, false and html in any case and with spaces', () => {
    expect(new Environment({ autoescape: 'MarkDown' as 'markdown' }).autoescape).toBe('markdown');
    expect(new Environment({ autoescape: ' markdown ' as 'markdown' }).autoescape).toBe('markdown');
    expect(new Environment({ autoescape: 'TRUE' as 'true' }).autoescape).toBe(true);
    expect(new Environment({ autoescape: 'False' as 'false' }).autoescape).toBe(false);
    expect(new Environment({ autoescape: 'html' }).autoescape).toBe(true);
    expect(r('{{ x }}', { x: '<*>' }, { autoescape: 'false' })).toBe('<*>');
    expect(r('{{ x }}', { x: '<*>' }, { autoescape: 'true' })).toBe('&lt;*&gt;');
  });
  it('rejects anything else when the Environment is built', () => {
    expect(() => new Environment({ autoescape: 'terminal' as 'markdown' })).toThrow(/'terminal'.*not supported/);
    expect(() => new Environment({ autoescape: 'xml' as 'markdown' })).toThrow(/Invalid autoescape value 'xml'/);
    expect(() => new Environment({ autoescape: 1 as unknown as boolean })).toThrow(/Invalid autoescape value 1/);
  });
  it('rejects it in compile() and in the plugins/kida.config options', () => {
    expect(() => compile('x', { autoescape: 'md' as 'markdown' })).toThrow(/Invalid autoescape value 'md'/);
    expect(() => new KidaProject({ autoescape: 'terminal' as 'markdown' }, process.cwd())).toThrow(/not supported/);
    expect(() => new KidaProject({ autoescape: 'markdown' }, process.cwd())).not.toThrow();
    expect(new KidaProject({ autoescape: 'markdown' }, process.cwd()).compileOptions('/x/a.md.kida').autoescape).toBe('markdown');
  });
});

describe('render entry points', () => {
  const page =
    '{% block title %}# {{ title }}{% end %}\n{% for c in checks %}- {{ c.status | badge }} {{ c.name | code }}: {{ c.note }}\n{% end %}';
  const ctx = { title: 'Report_1', checks: [{ status: 'pass', name: 'a_b', note: '*ok*' }, { status: 'fail', name: 'c', note: '- bad' }] };
  const want = '# Report\\_1\n- :white_check_mark: `a_b`: \\*ok\\*\n- :x: `c`: \\- bad\n';
  it('render, renderStream, renderStreamAsync agree', async () => {
    expect(await renderAll(page, ctx, MD)).toBe(want);
  });
  it('renderAsync, renderBlock and the block streams', async () => {
    const t = new Environment(MD).fromString(page);
    expect(await t.renderAsync(ctx)).toBe(want);
    expect(t.renderBlock('title', ctx)).toBe('# Report\\_1');
    let s = '';
    for await (const c of t.renderBlockStreamAsync('title', ctx)) s += c;
    expect(s).toBe('# Report\\_1');
  });
  it('async templates (await) escape the same way', async () => {
    const t = new Environment(MD).fromString('{{ await x }} {{ await x | bold }}');
    const x = Promise.resolve('a_b');
    expect(await t.renderAsync({ x })).toBe('a\\_b **a\\_b**');
    let s = '';
    for await (const c of t.renderStreamAsync({ x: Promise.resolve('a_b') })) s += c;
    expect(s).toBe('a\\_b **a\\_b**');
  });
  it('includes, imports and inheritance share the mode', () => {
    const templates = {
      'base.md': '{% block body %}{% end %}\n{% include "foot.md" %}',
      'lib.md': '{% def item(x) %}- {{ x | bold }}{% end %}',
      'foot.md': '> {{ note }}',
      'page.md': '{% extends "base.md" %}{% from "lib.md" import item %}{% block body %}{{ item("a_b") }}{% end %}',
    };
    const env = new Environment({ ...MD, loader: new DictLoader(templates) });
    expect(env.getTemplate('page.md').render({ note: '> x' })).toBe('- **a\\_b**\n> \\> x');
  });
});

describe('compiled modules', () => {
  const dir = join(import.meta.dirname, `.out-markdown-${process.pid}`); // per process: runs may overlap
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const templates: Record<string, string> = {
    'lib.md.kida': '{% def row(c) %}| {{ c.name | code }} | {{ c.status | badge }} | {{ c.note }} |{% end %}',
    'report.md.kida':
      '{% from "./lib.md.kida" import row %}{% block head %}## {{ title }} ({{ output_format }}){% end %}\n| Check | Status | Note |\n| --- | --- | --- |\n{% for c in checks %}{{ row(c) }}\n{% end %}',
  };
  const ctx = { title: 'CI *run*', checks: [{ name: 'lint', status: 'ok', note: 'a_b' }, { name: 't`x', status: 'error', note: '<x>' }] };
  const want =
    '## CI \\*run\\* (markdown)\n| Check | Status | Note |\n| --- | --- | --- |\n| `lint` | :white_check_mark: | a\\_b |\n| `` t`x `` | :x: | &lt;x> |\n';

  it('render like the Environment in every mode', async () => {
    for (const [name, source] of Object.entries(templates)) {
      const { code } = compile(source, { name, autoescape: 'markdown', importPath: (t, f) => relativeImport(t, f) + '.mjs' });
      const file = join(dir, name + '.mjs');
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, code);
    }
    const mod = await import(pathToFileURL(join(dir, 'report.md.kida.mjs')).href);
    const t = mod.default;
    expect(t.render(ctx)).toBe(want);
    expect([...t.renderStream(ctx)].join('')).toBe(want);
    expect(await t.renderAsync(ctx)).toBe(want);
    let s = '';
    for await (const c of t.renderStreamAsync(ctx)) s += c;
    expect(s).toBe(want);
    expect(mod.renderBlock('head', ctx)).toBe('## CI \\*run\\* (markdown)');
    const env = new Environment({ ...MD, loader: new DictLoader(templates) });
    expect(env.getTemplate('report.md.kida').render(ctx)).toBe(want);
  });
  it('import only the Markdown helpers they use', () => {
    const { code } = compile('{{ x | bold }}', { name: 'a.md.kida', autoescape: 'markdown' });
    expect(code).toMatch(/md_bold as \$md_bold/);
    expect(code).toMatch(/escMd as \$escMd/);
    expect(code).not.toMatch(/md_table|md_badge|outputFormat|\$esc\b/);
    const html = compile('{{ x }}', { name: 'a.html.kida' }).code;
    expect(html).not.toMatch(/escMd|md_|marked|mdDef/);
  });
  it('a bundle of an HTML template carries no Markdown runtime; a Markdown one only what it uses', async () => {
    const { rollup } = await import('rollup');
    const { default: kida } = await import(join(import.meta.dirname, '../../dist/plugins/rollup.js'));
    const root = join(dir, 'bundle');
    mkdirSync(root, { recursive: true });
    writeFileSync(join(root, 'page.md.kida'), '{{ x | bold }} {{ y }}');
    writeFileSync(join(root, 'page.html.kida'), '<p>{{ x }}</p>');
    const build = async (entry: string, autoescape: boolean | 'markdown') => {
      writeFileSync(join(root, 'entry.js'), `import t from './${entry}';\nexport const render = (c) => t.render(c);\n`);
      const bundle = await rollup({ input: join(root, 'entry.js'), plugins: [kida({ root, autoescape })], logLevel: 'silent' });
      const { output } = await bundle.generate({ format: 'es' });
      return output[0].code;
    };
    const mdCode = await build('page.md.kida', 'markdown');
    expect(mdCode).toContain('escapeMarkdown');
    expect(mdCode).not.toMatch(/heavy_minus_sign|<details>|col\$\{/); // badge, details, table
    const htmlCode = await build('page.html.kida', true);
    expect(htmlCode).not.toMatch(/escapeMarkdown|__markdown__|class Marked/);
  }, 60_000);
});
