// Bundled registries (plugins/shared.ts linkageCode, used by kida/rollup, kida/vite and the Node
// hook): alias names from the configuration are keys, never prototype setters (issue #19 §6).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KidaProject } from '../../plugins/shared.js';
import { resolveTemplateName } from '../../runtime/names.js';

const dir = mkdtempSync(join(tmpdir(), 'kida-linkage-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('linkage: template aliases', () => {
  it('a "__proto__" or "constructor" alias is an own key of the registry\'s aliases', async () => {
    const aliases = JSON.parse('{"__proto__": "proto/", "constructor": "ctor/", "ui": "components/"}') as Record<string, string>;
    const code = await new KidaProject({ root: dir, templateAliases: aliases }, dir).linkageCode('kida/runtime');
    const line = code.split('\n').find((l) => l.startsWith('$env.templateAliases = '))!;
    const $env = { templateAliases: {} as Record<string, string> };
    // (the emitted statement, run as the bundle runs it)
    new Function('$env', line)($env);
    expect(Object.getPrototypeOf($env.templateAliases)).toBe(Object.prototype);
    expect(Object.keys($env.templateAliases)).toEqual(['__proto__', 'constructor', 'ui']);
    expect(resolveTemplateName('@__proto__/x.kida', null, $env.templateAliases)).toBe('proto/x.kida');
    expect(resolveTemplateName('@constructor/x.kida', null, $env.templateAliases)).toBe('ctor/x.kida');
  });
});
