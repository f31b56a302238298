// The VS Code extension outside VS Code: which CLI its client starts, and the .vsix that
// `npm run package:vscode` builds (SLOW: bundles the client and runs vsce, ~10 s).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error (plain JS of the extension)
import { findServer } from '../../editors/vscode/src/find-server.js';

const root = join(import.meta.dirname, '../..');
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'kida-vsc-'));
  dirs.push(dir);
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), text);
  }
  return dir;
}

describe('the client finds the server', () => {
  it("prefers the workspace's installed kida package", () => {
    const dir = project({ 'node_modules/kida/dist/compiler/cli.js': '', 'tools/cli.js': '' });
    expect(findServer([dir], join(dir, 'tools/cli.js'))).toBe(join(dir, 'node_modules/kida/dist/compiler/cli.js'));
  });
  it('uses the kida repository itself when it is the workspace', () => {
    const dir = project({ 'package.json': '{"name":"kida"}', 'dist/compiler/cli.js': '' });
    expect(findServer([dir])).toBe(join(dir, 'dist/compiler/cli.js'));
    const other = project({ 'package.json': '{"name":"app"}', 'dist/compiler/cli.js': '' });
    expect(findServer([other])).toBeNull();
  });
  it('falls back to kida.server.path, relative to the first folder', () => {
    const dir = project({ 'tools/cli.js': '' });
    expect(findServer([dir], 'tools/cli.js')).toBe(join(dir, 'tools/cli.js'));
    expect(findServer([dir], 'missing.js')).toBeNull();
  });
});

/** Entry names and contents of a zip (stored or deflated), from its central directory. */
function unzip(buf: Buffer): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const eocd = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  let at = buf.readUInt32LE(eocd + 16);
  for (let n = buf.readUInt16LE(eocd + 10); n > 0; n--) {
    const method = buf.readUInt16LE(at + 10);
    const size = buf.readUInt32LE(at + 20);
    const nameLen = buf.readUInt16LE(at + 28);
    const extra = buf.readUInt16LE(at + 30);
    const comment = buf.readUInt16LE(at + 32);
    const local = buf.readUInt32LE(at + 42);
    const name = buf.toString('utf8', at + 46, at + 46 + nameLen);
    const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const data = buf.subarray(start, start + size);
    out.set(name, method === 8 ? inflateRawSync(data) : data);
    at += 46 + nameLen + extra + comment;
  }
  return out;
}

describe('npm run package:vscode (slow: bundles and packages, ~10 s)', () => {
  it('builds a .vsix with the grammar, language configuration and one-file client, and no node_modules', () => {
    const res = spawnSync('npm', ['run', 'package:vscode'], { cwd: root, encoding: 'utf8' });
    expect(res.status, res.stderr + res.stdout).toBe(0);
    const files = unzip(readFileSync(join(root, 'editors/vscode/kida.vsix')));
    const names = [...files.keys()];
    expect(names).toEqual(
      expect.arrayContaining(['extension/package.json', 'extension/syntaxes/kida.tmLanguage.json', 'extension/language-configuration.json', 'extension/dist/extension.js']),
    );
    expect(names.filter((n) => n.includes('node_modules') || n.includes('/src/'))).toEqual([]);
    const manifest = JSON.parse(files.get('extension/package.json')!.toString('utf8'));
    expect(manifest.contributes.languages[0]).toMatchObject({ id: 'kida', extensions: ['.kida'] });
    expect(manifest.contributes.grammars[0].scopeName).toBe('text.html.kida');
    expect(JSON.parse(files.get('extension/syntaxes/kida.tmLanguage.json')!.toString('utf8')).scopeName).toBe('text.html.kida');
    // the bundle is self-contained: it loads with nothing but VS Code's `vscode` module
    const client = files.get('extension/dist/extension.js')!.toString('utf8');
    expect(client).not.toMatch(/require\(["']vscode-languageclient/);
    const bundle = join(project({}), 'extension.js');
    writeFileSync(bundle, client);
    const req = createRequire(bundle);
    const Module = req('node:module') as { _load: (r: string, ...a: unknown[]) => unknown };
    const load = Module._load;
    const vscode = new Proxy({} as Record<string | symbol, unknown>, { get: (t, k) => (k === '__esModule' ? true : (t[k] ??= class {})) });
    Module._load = function (r: string, ...a: unknown[]) {
      return r === 'vscode' ? vscode : load.call(this, r, ...a);
    };
    try {
      const ext = req(bundle) as { activate: unknown; deactivate: unknown };
      expect(typeof ext.activate).toBe('function');
      expect(typeof ext.deactivate).toBe('function');
    } finally {
      Module._load = load;
    }
  }, 120_000);
});
