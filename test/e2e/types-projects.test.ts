// tsc on a small project of templates (a layout, a partial, defs imported with context, a page
// with blocks, a fragment and a region, an async page), typed by the declarations `kida types`
// writes beside them, under moduleResolution bundler, node16 and nodenext: right calls pass; a missing
// name, a wrong field type, a wrong block name, a missing context argument and a sync render of
// an async template fail. The plugins' `dts: true` writes the same files; `kida compile --out`
// re-bases `@types` imports to where its declarations land.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');
// (inside the package, so the declarations' `import … from 'kida'` resolves to it)
const dir = join(root, 'test/.tmp-types-projects');
const tsc = join(root, 'node_modules/.bin/tsc');
const cli = join(root, 'dist/compiler/cli.js');

const FILES: Record<string, string> = {
  'src/types.ts': 'export interface NavItem { href: string; label: string }\nexport interface Post { title: string; tags: string[] }\n',
  'templates/layouts/base.kida':
    '{# @types import type { NavItem } from "../../src/types.js" #}\n{% template nav_items: list[NavItem] %}\n' +
    '<title>{% block title %}{{ site_name }}{% end %}</title>\n{% include "../partials/nav.kida" %}\n<main>{% block content %}{% end %}</main>\n',
  'templates/partials/nav.kida': '<nav>{% for item in nav_items %}<a href="{{ item.href }}">{{ item.label }}</a>{% end %}{{ active ?? "" }}</nav>\n',
  'templates/macros.kida': '{% def tag(t: str) %}<i>{{ tag_prefix }}{{ t }}</i>{% end %}\n',
  'templates/pages/post.kida':
    '{# @types import type { Post } from "../../src/types.js" #}\n{% extends "../layouts/base.kida" %}\n' +
    '{% from "../macros.kida" import tag with context %}\n{% template post: Post %}\n' +
    '{% block title %}{{ post.title }}{% end %}\n' +
    '{% block content %}<h1>{{ heading }}</h1>{% for t in post.tags %}{{ tag(t) }}{% end %}{% end %}\n' +
    '{% fragment comments %}{{ comments_html }}{% end %}\n{% region badge(label: str, count: int = 0) %}{{ label }} {{ count }}{% end %}\n',
  'templates/pages/live.kida': '{% include "../partials/nav.kida" %}{{ await feed }}\n',
  'templates/partials/footer.kida': '<footer>{{ note ?? "" }}</footer>\n',
};

const GOOD = `import post, { render, renderBlock } from './templates/pages/post.kida';
import live from './templates/pages/live.kida';
import footer from './templates/partials/footer.kida';
const ctx = { nav_items: [{ href: '/', label: 'Home' }], post: { title: 'T', tags: ['a'] }, heading: 'H', tag_prefix: '#' };
const page: string = post.render(ctx);
render({ ...ctx, active: 'home' });
for (const chunk of post.renderStream(ctx)) void chunk;
const later: Promise<string> = post.renderAsync(ctx);
const chunks: AsyncGenerator<string> = post.renderStreamAsync(ctx);
post.renderBlock('title', { post: { title: 'T', tags: [] } });
renderBlock('content', { heading: 'H', post: { title: 'T', tags: [] }, tag_prefix: '' });
post.renderBlockStream('comments', { comments_html: '<p>' });
post.renderBlock('badge', { label: 'new' });
void post.renderBlockAsync('badge', { label: 'new', count: 2 });
const any: Template = post;
const missing: string[] = post.validateContext({ heading: 'H' });
const feed: Promise<string> = live.renderAsync({ nav_items: [], feed: Promise.resolve('x') });
live.renderStreamAsync({ nav_items: [], feed: 1 });
const bare: string = footer.render(); // nothing required: the context argument is optional
export { page, later, chunks, any, feed, missing, bare };
import type { Template } from 'kida';
`;
/** Each line must fail to type-check on its own. */
const BAD = [
  "post.render({ nav_items: [], post: { title: 'T', tags: [] }, tag_prefix: '' });", // heading (the page's block) missing
  "post.render({ nav_items: [], post: { title: 'T', tags: [] }, heading: 'H' });", // tag_prefix (an imported def's) missing
  "post.render({ post: { title: 'T', tags: [] }, heading: 'H', tag_prefix: '' });", // nav_items (the layout's) missing
  "post.render({ nav_items: [{ href: 1, label: 'x' }], post: { title: 'T', tags: [] }, heading: 'H', tag_prefix: '' });", // layout's declared type
  "post.render({ nav_items: [], post: { title: 2, tags: [] }, heading: 'H', tag_prefix: '' });", // page's declared type
  "post.render({ nav_items: [], post: { title: 'T', tags: [] }, heading: 'H', tag_prefix: '', site_name: 'S' });", // not read: title is overridden
  'post.render();',
  "post.renderBlock('titel', { post: { title: 'T', tags: [] } });",
  "post.renderBlock('title', { heading: 'H' });", // the title block reads post
  "post.renderBlock('badge', {});", // a region's required parameter
  "post.renderBlock('badge', { label: 'x', count: 'many' });",
  "live.render({ nav_items: [], feed: 1 });", // async: only the async forms
  "live.renderStream({ nav_items: [], feed: 1 });",
  "live.renderAsync({ feed: 1 });",
];

function write(rel: string, text: string): void {
  mkdirSync(dirname(join(dir, rel)), { recursive: true });
  writeFileSync(join(dir, rel), text);
}

/** Line numbers (1-based) tsc reports errors on in `app.mts`, and its output. */
function typecheck(resolution: 'bundler' | 'node16' | 'nodenext', app: string): { lines: number[]; output: string } {
  write('app.mts', app);
  const module = resolution === 'bundler' ? 'ESNext' : resolution === 'node16' ? 'Node16' : 'NodeNext';
  write(
    `tsconfig.${resolution}.json`,
    JSON.stringify({
      compilerOptions: { strict: true, noEmit: true, module, moduleResolution: resolution, target: 'ES2022', allowArbitraryExtensions: true, skipLibCheck: true },
      files: ['app.mts'],
    }),
  );
  let output = '';
  try {
    output = execFileSync(tsc, ['-p', join(dir, `tsconfig.${resolution}.json`)], { encoding: 'utf8' });
  } catch (e) {
    output = String((e as { stdout?: string }).stdout ?? e);
  }
  return { lines: [...new Set([...output.matchAll(/app\.mts\((\d+),\d+\): error/g)].map((m) => Number(m[1])))], output };
}

/** Runs the CLI in the project; its summary goes to stderr. */
function kida(...args: string[]): string {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: dir, encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return r.stderr;
}

let firstRun = '';
beforeAll(() => {
  rmSync(dir, { recursive: true, force: true });
  for (const [rel, text] of Object.entries(FILES)) write(rel, text);
  firstRun = kida('types', 'templates');
});
afterAll(() => process.env.KEEP || rmSync(dir, { recursive: true, force: true }));

describe('declarations beside templates (kida types)', () => {
  it('writes page.d.kida.ts beside each template, and only files that change', () => {
    expect(firstRun).toMatch(/kida: 6 of 6 declaration files written/);
    const first = readFileSync(join(dir, 'templates/pages/post.d.kida.ts'), 'utf8');
    // (the page's and the layout's app types, from the same module)
    expect(first).toContain('import type { Post, NavItem } from "../../src/types.js";');
    expect(kida('types', 'templates')).toMatch(/kida: 0 of 6 declaration files written/);
  });

  it('takes one template file (with --root for its references), and reports a template that does not compile', () => {
    const file = join(dir, 'templates/pages/post.d.kida.ts');
    const before = readFileSync(file, 'utf8');
    rmSync(file);
    expect(kida('types', 'templates/pages/post.kida', '--root', 'templates')).toMatch(/kida: 1 of 1 declaration files written/);
    expect(readFileSync(file, 'utf8')).toBe(before);
    write('broken/bad.kida', 'ok\n{% if x %}never closed');
    const r = spawnSync(process.execPath, [cli, 'types', 'broken'], { cwd: dir, encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^broken\/bad\.kida:\d+:\d+: K-/m);
    rmSync(join(dir, 'broken'), { recursive: true });
  });

  for (const resolution of ['bundler', 'node16', 'nodenext'] as const)
    it(`type right calls and reject wrong ones under moduleResolution ${resolution}`, () => {
      const good = typecheck(resolution, GOOD);
      expect(good.output).toBe('');
      const head = GOOD.split('\n').slice(0, 3).join('\n') + '\n';
      const bad = typecheck(resolution, head + BAD.join('\n') + '\n');
      expect(bad.lines, bad.output).toEqual(BAD.map((_, i) => i + 4));
    }, 60_000);

  it('is what the plugins write with dts: true', async () => {
    const file = join(dir, 'templates/pages/post.kida');
    const written = readFileSync(join(dir, 'templates/pages/post.d.kida.ts'), 'utf8');
    rmSync(join(dir, 'templates/pages/post.d.kida.ts'));
    const { default: plugin } = await import(join(root, 'dist/plugins/rollup.js'));
    const p = plugin({ root: join(dir, 'templates'), dts: true, cacheDir: false });
    const ctx = { error: (e: { message: string }) => { throw new Error(e.message); }, warn() {} };
    await p.transform.handler.call(ctx, readFileSync(file, 'utf8'), file);
    expect(readFileSync(join(dir, 'templates/pages/post.d.kida.ts'), 'utf8')).toBe(written);
  });
});

describe('kida types --watch', () => {
  it('rewrites the declarations a change affects (an edit to a partial retypes the pages that include it), and removes a deleted template’s', async () => {
    const child = spawn(process.execPath, [cli, 'types', 'templates', '--watch'], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    /** Waits for `re` in what the watcher printed after `from` characters. */
    const until = async (re: RegExp, from = 0) => {
      for (let i = 0; i < 300 && !re.test(err.slice(from)); i++) await new Promise((r) => setTimeout(r, 50));
      expect(err.slice(from)).toMatch(re);
    };
    try {
      await until(/watching/);
      // (a recursive watcher starts watching subdirectories shortly after it is made: edit until seen)
      for (let i = 0; i < 20 && !/4 of 6/.test(err); i++) {
        write('templates/partials/nav.kida', FILES['templates/partials/nav.kida']!.replace('</nav>', '{{ nav_title }}</nav>'));
        await new Promise((r) => setTimeout(r, 500));
      }
      // nav.kida, the layout, and both pages: the three that include it and itself
      await until(/kida: 4 of 6 declaration files written/);
      expect(readFileSync(join(dir, 'templates/pages/post.d.kida.ts'), 'utf8')).toMatch(/nav_title: unknown/);
      // a deleted template's declarations go with it
      let mark = err.length;
      write('templates/extra.kida', '{{ x }}');
      await until(/1 of 7 declaration files written/, mark);
      expect(existsSync(join(dir, 'templates/extra.d.kida.ts'))).toBe(true);
      mark = err.length;
      rmSync(join(dir, 'templates/extra.kida'));
      await until(/0 of 6 declaration files written/, mark);
      expect(existsSync(join(dir, 'templates/extra.d.kida.ts'))).toBe(false);
    } finally {
      child.kill();
      write('templates/partials/nav.kida', FILES['templates/partials/nav.kida']!);
      kida('types', 'templates');
    }
  }, 60_000);
});

describe('kida compile --out', () => {
  it('re-bases @types imports to where its declarations land', () => {
    kida('compile', 'templates', '--out', 'build/gen');
    const text = readFileSync(join(dir, 'build/gen/pages/post.kida.d.ts'), 'utf8');
    expect(text).toContain('import type { Post, NavItem } from "../../../src/types.js";');
    const app = "import post from './build/gen/pages/post.kida.js';\n";
    expect(typecheck('nodenext', app + "post.render({ nav_items: [], post: { title: 'T', tags: [] }, heading: 'H', tag_prefix: '' });\n").output).toBe('');
    expect(typecheck('nodenext', app + "post.render({ nav_items: [], post: { title: 2, tags: [] }, heading: 'H', tag_prefix: '' });\n").lines).toEqual([2]);
  }, 60_000);
});
