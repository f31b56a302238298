// The build option `nunjucksExtensions` (plugins/shared.ts, also read from kida.config.*): what it
// refuses, each as one ConfigError naming the option and the module. A working build is in
// test/e2e/nunjucks-extensions-build.test.ts.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../plugins/config.js';
import { KidaProject } from '../../plugins/shared.js';

const dir = mkdtempSync(join(tmpdir(), 'kida-njk-ext-config-'));
writeFileSync(join(dir, 'not-ext.mjs'), 'export default { tags: "x" };\n');
writeFileSync(join(dir, 'ext.mjs'), "export default { tags: ['hi'], parse(p, n) { const t = p.nextToken(); p.advanceAfterBlockEnd(t.value); return new n.CallExtension(this, 'run', null); }, run: () => 'hello' };\n");

describe('nunjucksExtensions', () => {
  it('a module that does not exist, or a value that is not an object of modules, fails the build at once', () => {
    expect(() => new KidaProject({ nunjucksExtensions: { X: './nope.mjs' } }, dir)).toThrow(ConfigError);
    expect(() => new KidaProject({ nunjucksExtensions: { X: './nope.mjs' } }, dir)).toThrow(/extension module \.\/nope\.mjs of 'X' \(option 'nunjucksExtensions'\) does not exist/);
    expect(() => new KidaProject({ nunjucksExtensions: ['./ext.mjs'] as never }, dir)).toThrow(/is an object of extension names to modules/);
  });
  it('a module whose default export is not an extension is refused when loaded', async () => {
    await expect(new KidaProject({ nunjucksExtensions: { X: './not-ext.mjs' } }, dir).loadExtensions()).rejects.toThrow(/must export default an extension object/);
  });
  it('loaded, its tags compile in .njk files (and only there); the module is imported by name', async () => {
    const p = new KidaProject({ nunjucksExtensions: { Hi: './ext.mjs' }, cacheDir: false }, dir);
    writeFileSync(join(dir, 'a.njk'), '{% hi %}');
    const out = await p.compile('{% hi %}', join(dir, 'a.njk'));
    expect(out.code).toContain(`import $njkx_Hi from ${JSON.stringify(join(dir, 'ext.mjs'))};`);
    expect(() => p.compileOptions(join(dir, 'a.kida')).njkExtensions).not.toThrow();
    expect((p.compileOptions(join(dir, 'a.kida')) as { njkExtensions?: unknown }).njkExtensions).toBeUndefined();
  });
  it('kida.config.* paths are relative to the config file', async () => {
    writeFileSync(join(dir, 'kida.config.json'), JSON.stringify({ nunjucksExtensions: { Hi: './ext.mjs' } }));
    const { options } = await loadConfig(join(dir), join(dir, 'kida.config.json'));
    expect(options.nunjucksExtensions).toEqual({ Hi: join(dir, 'ext.mjs') });
  });
});
