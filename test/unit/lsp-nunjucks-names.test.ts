// The editor resolves a template's references as its compile does. In a `.njk` file a name
// starting with `@` that names no configured alias goes to the loader as it is (Fractal's
// `@handle` names), so hover, go-to-definition and diagnostics find `@card--basic` where the
// build does; a `.kida` file still reads `@x` as an alias and reports an unknown one.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Workspace } from '../../dist/compiler/lsp/project.js';
import { definition, diagnostics, hover } from '../../dist/compiler/lsp/features.js';
import { compile, templateNameResolver } from '../../dist/compiler/index.js';

let dir: string;
let ws: Workspace;
const REF = '{% include "@card--basic" %}';

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kida-lsp-at-'));
  mkdirSync(join(dir, 'lib'));
  writeFileSync(join(dir, 'kida.config.json'), JSON.stringify({ templateAliases: { lib: 'lib' } }));
  writeFileSync(join(dir, '@card--basic'), 'card\n');
  writeFileSync(join(dir, 'lib', 'x.njk'), 'x\n');
  writeFileSync(join(dir, 'page.njk'), `<p>${REF}</p>{% include "@lib/x.njk" %}\n`);
  writeFileSync(join(dir, 'page.kida'), `<p>${REF}</p>\n`);
  ws = new Workspace(dir);
  await ws.load();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The position of the reference's first letter inside the string. */
const onRef = { line: 0, character: '<p>{% include "'.length + 1 };
const messages = (file: string) => diagnostics(ws, ws.template(join(dir, file))!).map((d) => d.message);

describe("the language server's view of '@' names", () => {
  it('a .njk file: a name naming no alias is the name itself, found where the build finds it', () => {
    expect(ws.resolve('@card--basic', 'page.njk')).toBe('@card--basic');
    const t = ws.template(join(dir, 'page.njk'))!;
    expect(messages('page.njk')).toEqual([]);
    expect(JSON.stringify(hover(ws, null as never, t, onRef)?.contents)).toContain(join(dir, '@card--basic'));
    expect(definition(ws, null as never, t, onRef).map((l) => l.uri)).toEqual([`file://${join(dir, '@card--basic')}`]);
  });

  it('a .njk file: a configured alias still resolves through the alias', () => {
    expect(ws.resolve('@lib/x.njk', 'page.njk')).toBe('lib/x.njk');
  });

  it('a .kida file: the same reference is an unknown alias, in the editor as in the build', () => {
    expect(ws.resolve('@card--basic', 'page.kida')).toBeNull();
    expect(messages('page.kida').join('\n')).toMatch(/unknown alias '@card--basic'/);
  });

  it('the editor and the compiler share one resolver: what compiles is what the editor resolves', () => {
    const opts = { ...ws.compileOptions(join(dir, 'page.njk')), dts: true };
    const out = compile(`${REF}`, opts);
    expect(out.code).toContain('@card--basic');
    const resolve = templateNameResolver(ws.project.referenceOptions(join(dir, 'page.njk')));
    for (const n of ['@card--basic', '@lib/x.njk', './lib/x.njk', 'lib/x.njk']) expect(ws.resolve(n, 'page.njk')).toBe(resolve(n, 'page.njk'));
  });
});
