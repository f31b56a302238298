// Issue #19 §1, tenth pass: a promise nested in the data (`{ d: { q: promise } }`) that an async
// template awaits, when the entry template is compiled sync (no `await` of its own): a sync child
// of an async parent, a sync page including or embedding an async one, a dynamic extends or
// include, a literal `ignore missing` include, a chain of sync includes ending in an async one, a
// block of such a page. The entry walked no nested promise (sync entries link no walk), so one
// that rejected while the stream waited for its consumer, or the page for another promise, was
// unhandled by the time the async template awaited it: a strict process ended. Now a sync page
// walks with the walk of an async template its page reaches (runtime/template.ts pageDeep), and
// one that names a template at run time walks once an async template has loaded.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { DictLoader, Environment } from '../../compiler/environment.js';
import { compile, relativeImport } from '../../compiler/index.js';
import { expectNoUnhandledRejections } from '../support.js';
import { distUrl, runStrict } from './strict-child.js';

type Shape = { tpls: Record<string, string>; block?: string; asyncEntry?: boolean };
const inc = 'I{{ await a }}{{ await d.q }}';
const base = 'P{{ await a }}{% block b %}{% end %}{{ await d.q }}';
const shapes: Record<string, Shape> = {
  syncChildAsyncParent: { tpls: { main: '{% extends "base" %}{% block b %}B{% end %}', base } },
  syncIncludesAsync: { tpls: { main: 'M{% include "inc" %}', inc } },
  dynamicExtends: { tpls: { main: '{% extends pname %}{% block b %}B{% end %}', base } },
  dynamicInclude: { tpls: { main: 'M{% include name %}', inc } },
  ignoreMissing: { tpls: { main: 'M{% include "inc" ignore missing %}', inc } },
  embed: { tpls: { main: 'M{% embed "inc" %}{% end %}', inc } },
  syncChain: { tpls: { main: 'M{% include "mid" %}', mid: 'X{% include "inc" %}', inc } },
  blockIncludesAsync: { tpls: { main: '{% extends "lay" %}{% block b %}B{% include "inc" %}{% end %}', lay: 'L{% block b %}{% end %}', inc }, block: 'b' },
  blockOfAsyncParent: { tpls: { main: '{% extends "base" %}{% block b %}B{% end %}', base: 'P{% block b %}{% end %}{% block c %}C{{ await a }}{{ await d.q }}{% end %}' }, block: 'c' },
  // (an async entry too: a literal `ignore missing` include was not among the templates its page
  // renders, so neither `d` nor what it holds was observed)
  asyncIgnoreMissing: { tpls: { main: '{{ await a }}{% include "inc" ignore missing %}', inc }, asyncEntry: true },
};

/**
 * The child's driver (an ES module's text): every async entry point of `t` on fresh data whose
 * `d.q` rejects at once and whose `a` resolves 5 ms later; one line per way, `<way> <outcome>`.
 * An awaited rejection must reach the caller as the template's error; a stream left early, or
 * never read, must end nothing.
 */
const driver = `
const later = (v, ms) => new Promise((r) => setTimeout(() => r(v), ms));
const ctx = (names) => ({ a: later('A', 5), ...names, d: { q: Promise.reject(new Error('nested')) } });
const drain = async (s, ms) => { let o = ''; for await (const c of s) { o += c; if (ms) await later(0, ms); } return o; };
async function ways(t, block, names) {
  const out = [];
  const run = async (way, f) => {
    try { out.push(way + ' text ' + (await f())); }
    catch (e) { out.push(way + ' ' + e.name + ' ' + String(e.message).includes('nested')); }
  };
  const s = (d) => (block ? t.renderBlockStreamAsync(block, d) : t.renderStreamAsync(d));
  await run('async', () => (block ? t.renderBlockAsync(block, ctx(names)) : t.renderAsync(ctx(names))));
  await run('stream', () => drain(s(ctx(names))));
  await run('slow', () => drain(s(ctx(names)), 20));
  await run('return', async () => { const it = s(ctx(names))[Symbol.asyncIterator](); const c = await it.next(); await later(0, 20); await it.return(); return String(c.value); });
  await run('unread', async () => { s(ctx(names)); await later(0, 20); return 'none'; });
  return out;
}`;

const names = (prefix = '') => ({ name: `${prefix}inc`, pname: `${prefix}base` });

/** The outcome each way must have: the awaited rejection as the template's error, or text. */
function expectOutcomes(lines: string[], label: string): void {
  expect(lines.map((l) => l.split(' ')[0])).toEqual(['async', 'stream', 'slow', 'return', 'unread']);
  for (const l of lines.slice(0, 3)) expect(l, label).toBe(`${l.split(' ')[0]} TemplateRuntimeError true`);
  expect(lines[3], label).toMatch(/^return text [A-Z]/); // (the first chunk, then return())
  expect(lines[4], label).toBe('unread text none');
}

describe('§1 nested promises awaited by an async template that a sync entry renders (a strict child)', () => {
  it('through an Environment, default and sandboxed: every async entry point, read, slow, left or unread', () => {
    const script = `
      import { Environment, DictLoader } from ${distUrl('dist/compiler/environment.js')};
      ${driver}
      const shapes = ${JSON.stringify(shapes)};
      for (const [k, { tpls, block, asyncEntry }] of Object.entries(shapes)) for (const sandbox of [false, true]) {
        const t = new Environment({ sandbox, loader: new DictLoader(tpls) }).getTemplate('main');
        if (t.isAsync !== !!asyncEntry) throw new Error(k + ': the entry is not compiled as meant');
        for (const line of await ways(t, block, ${JSON.stringify(names())})) console.log(k + ' ' + sandbox + ' ' + line);
      }`;
    const out = runStrict(script, 60_000).trim().split('\n');
    for (const k of Object.keys(shapes))
      for (const sb of ['false', 'true']) {
        const lines = out.filter((l) => l.startsWith(`${k} ${sb} `)).map((l) => l.slice(k.length + sb.length + 2));
        expectOutcomes(lines, `${k} sandbox=${sb}`);
      }
  }, 70_000);

  const dir = mkdtempSync(join(tmpdir(), 'kida-sync-entry-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  /** Each shape's templates compiled to ES modules (names prefixed by the shape: one registry). */
  const compiled = (which: Record<string, Shape>) => {
    for (const [k, { tpls }] of Object.entries(which))
      for (const [n, src] of Object.entries(tpls)) {
        const name = `${k}/${n}`;
        const source = src.replace(/"(\w+)"/g, (m, r: string) => (r in tpls ? `"${k}/${r}"` : m));
        const { code } = compile(source, { name, runtime: JSON.parse(distUrl('dist/runtime/node.js')), importPath: (t, f) => relativeImport(t, f) + '.mjs' });
        mkdirSync(dirname(join(dir, name)), { recursive: true });
        writeFileSync(join(dir, name + '.mjs'), code);
      }
  };
  const url = (name: string) => JSON.stringify(pathToFileURL(join(dir, name + '.mjs')).href);

  it('through compiled modules (the default registry; every template imported, as a bundle does)', () => {
    compiled(shapes);
    const script = `
      ${driver}
      const shapes = ${JSON.stringify(shapes)};
      const all = {};
      ${Object.entries(shapes)
        .flatMap(([k, { tpls }]) => Object.keys(tpls).map((n) => `all[${JSON.stringify(`${k}/${n}`)}] = (await import(${url(`${k}/${n}`)})).default;`))
        .join('\n')}
      for (const [k, { block, asyncEntry }] of Object.entries(shapes)) {
        const t = all[k + '/main'];
        if (t.isAsync !== !!asyncEntry) throw new Error(k + ': the entry is not compiled as meant');
        for (const line of await ways(t, block, { name: k + '/inc', pname: k + '/base' })) console.log(k + ' ' + line);
      }`;
    const out = runStrict(script, 60_000).trim().split('\n');
    for (const k of Object.keys(shapes)) expectOutcomes(out.filter((l) => l.startsWith(`${k} `)).map((l) => l.slice(k.length + 1)), k);
  }, 70_000);

  it('compiled modules: a page that names a template at run time walks only once an async template has loaded', () => {
    // (a probe the walk enters: a proxy nested in the data, whose prototype the walk asks for)
    compiled({
      plain: { tpls: { main: 'M{% include name %}', inc: 'I{{ x }}' } },
      later: { tpls: { inc: 'I{{ await a }}' } },
    });
    const script = `
      let walked = 0;
      const probe = () => ({ x: 1, name: 'plain/inc', a: 'A', d: { p: new Proxy({}, { getPrototypeOf: () => (walked++, Object.prototype) }) } });
      const page = (await import(${url('plain/main')})).default;
      await import(${url('plain/inc')});
      const drain = async (s) => { let o = ''; for await (const c of s) o += c; return o; };
      const before = await drain(page.renderStreamAsync(probe())) + ' ' + (await page.renderAsync(probe()));
      const w0 = walked;
      await import(${url('later/inc')}); // (an async template's module loads: the name could reach it)
      const after = await drain(page.renderStreamAsync(probe()));
      console.log(before + ' ' + w0 + ' ' + after + ' ' + (walked > 0));`;
    expect(runStrict(script, 30_000).trim()).toBe('MI1 MI1 0 MI1 true');
  }, 40_000);
});

describe('§1 in process: a page whose templates are all sync walks nothing', () => {
  expectNoUnhandledRejections();
  const counting = () => {
    const seen = { n: 0 };
    const d = { p: new Proxy({}, { getPrototypeOf: () => (seen.n++, Object.prototype) }) };
    return { seen, d };
  };
  const env = new Environment({
    loader: new DictLoader({
      page: '{% extends "lay" %}{% block b %}{% include "part" %}{% end %}',
      lay: '<main>{% block b %}{% end %}</main>',
      part: '{{ x }}{% if d %}{% end %}',
      asyncPart: '{{ await x }}{% if d %}{% end %}',
      mixed: '{% extends "lay" %}{% block b %}{% include "asyncPart" %}{% end %}',
      awaits: '{{ await x }}{{ await d.q }}',
    }),
  });
  it('streams and async renders of a sync page with a layout and an include: the nested data is not entered', async () => {
    const { seen, d } = counting();
    const t = env.getTemplate('page');
    let s = '';
    for await (const c of t.renderStreamAsync({ x: 1, d })) s += c;
    expect([s, await t.renderAsync({ x: 1, d }), [...t.renderStream({ x: 1, d })].join(''), await t.renderBlockAsync('b', { x: 1, d })]).toEqual(['<main>1</main>', '<main>1</main>', '<main>1</main>', '1']);
    expect(seen.n).toBe(0);
  });
  it('the same page including an async template: the nested data is walked, at the start of each render', async () => {
    const { seen, d } = counting();
    const t = env.getTemplate('mixed');
    expect(await t.renderAsync({ x: Promise.resolve(2), d })).toBe('<main>2</main>');
    const once = seen.n;
    expect(once).toBeGreaterThan(0);
    expect(await t.renderBlockAsync('b', { x: Promise.resolve(3), d })).toBe('3');
    expect(seen.n).toBeGreaterThan(once);
  });
  it('a nested rejection the include awaits after it waited for another promise: the template error, and nothing unhandled', async () => {
    const t = env.fromString('M{% include "awaits" %}', 'entry');
    const x = new Promise((r) => setTimeout(() => r('X'), 10));
    await expect(t.renderAsync({ x, d: { q: Promise.reject(new Error('nested')) } })).rejects.toThrow(/nested/);
  });
});

describe('§1 a property: random pages of sync and async templates never leave a nested rejection unhandled', () => {
  expectNoUnhandledRejections(30);
  // A page is a chain of templates, each sync or async, linked by include, extends or a name given
  // in the data; the last one awaits `d.q`, nested, which rejects at once. Read whole, slowly or
  // left after the first chunk: the rejection reaches the caller or nobody, never Node.
  const link = fc.constantFrom('include', 'extends', 'dynamic', 'ignore');
  it('any chain, any entry point', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.boolean(), link), { minLength: 1, maxLength: 4 }), fc.constantFrom('async', 'stream', 'return'), async (chain, way) => {
        const tpls: Record<string, string> = {};
        chain.forEach(([isAsync, how], i) => {
          const next = `t${i + 1}`;
          const own = isAsync ? `{{ await a }}` : 'S';
          tpls[`t${i}`] =
            how === 'extends' ? `{% extends "${next}" %}{% block b %}${own}{% end %}`
            : how === 'dynamic' ? `${own}{% include n${i} %}`
            : how === 'ignore' ? `${own}{% include "${next}" ignore missing %}`
            : `${own}{% include "${next}" %}`;
        });
        tpls[`t${chain.length}`] = '{% block b %}{% end %}{{ await a }}{{ await d.q }}';
        const t = new Environment({ loader: new DictLoader(tpls) }).getTemplate('t0');
        const data = { a: new Promise((r) => setTimeout(() => r('A'), 3)), d: { q: Promise.reject(new Error('nested')) }, ...Object.fromEntries(chain.map((_, i) => [`n${i}`, `t${i + 1}`])) };
        let outcome: string;
        try {
          if (way === 'async') outcome = await t.renderAsync(data);
          else {
            const it = t.renderStreamAsync(data)[Symbol.asyncIterator]();
            outcome = String((await it.next()).value);
            if (way === 'return') await it.return(undefined);
            else for (let r = await it.next(); !r.done; r = await it.next()) outcome += r.value;
          }
        } catch (e) {
          outcome = String((e as Error).message);
        }
        if (way !== 'return') expect(outcome).toMatch(/nested/);
        await new Promise((r) => setTimeout(r, 8));
      }),
      { numRuns: 60 },
    );
  });
});
