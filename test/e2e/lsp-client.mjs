// A small JSON-RPC client for `kida lsp --stdio` (Content-Length framing), for the protocol
// tests and bench/lsp.mjs: requests get their responses, notifications are queued by method.

import { spawn } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';

const CLI = fileURLToPath(new URL('../../dist/compiler/cli.js', import.meta.url));

export class LspClient {
  /** @param {string} cwd  @param {Record<string, unknown>} [initOptions] */
  constructor(cwd, initOptions = {}) {
    this.cwd = cwd;
    this.initOptions = initOptions;
    this.proc = spawn(process.execPath, [CLI, 'lsp', '--stdio'], { cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    this.stderr = '';
    this.proc.stderr.on('data', (d) => (this.stderr += d));
    this.nextId = 1;
    /** @type {Map<number, {resolve: (v: any) => void, reject: (e: Error) => void}>} */
    this.pending = new Map();
    /** @type {{method: string, params: any}[]} */
    this.notes = [];
    /** @type {{method: string, params: any}[]} */
    this.serverRequests = [];
    /** @type {((n: {method: string, params: any}) => void)[]} */
    this.waiters = [];
    let buf = Buffer.alloc(0);
    this.proc.stdout.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      for (;;) {
        const sep = buf.indexOf('\r\n\r\n');
        if (sep < 0) return;
        const len = Number(/Content-Length: (\d+)/i.exec(buf.subarray(0, sep).toString())?.[1]);
        if (buf.length < sep + 4 + len) return;
        const msg = JSON.parse(buf.subarray(sep + 4, sep + 4 + len).toString('utf8'));
        buf = buf.subarray(sep + 4 + len);
        this.receive(msg);
      }
    });
  }

  receive(msg) {
    if (msg.id !== undefined && msg.method === undefined) {
      const p = this.pending.get(msg.id);
      this.pending.delete(msg.id);
      if (msg.error) p?.reject(new Error(msg.error.message));
      else p?.resolve(msg.result);
    } else if (msg.id !== undefined) {
      // a request from the server (workspace/configuration, registerCapability…): answer null
      this.serverRequests.push({ method: msg.method, params: msg.params });
      this.write({ jsonrpc: '2.0', id: msg.id, result: null });
    } else {
      const note = { method: msg.method, params: msg.params };
      this.notes.push(note);
      for (const w of this.waiters.splice(0)) w(note);
    }
  }

  write(msg) {
    const body = Buffer.from(JSON.stringify(msg), 'utf8');
    this.proc.stdin.write(`Content-Length: ${body.length}\r\n\r\n`);
    this.proc.stdin.write(body);
  }

  request(method, params) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.write({ jsonrpc: '2.0', id, method, params });
    });
  }

  notify(method, params) {
    this.write({ jsonrpc: '2.0', method, params });
  }

  /** The next notification matching `pred` (including one already queued), or an error after `ms`. */
  waitFor(pred, ms = 10_000) {
    const i = this.notes.findIndex(pred);
    if (i >= 0) return Promise.resolve(this.notes.splice(i, 1)[0]);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching notification in ${ms} ms; stderr: ${this.stderr}`)), ms);
      const check = (n) => {
        if (pred(n)) {
          clearTimeout(timer);
          this.notes.splice(this.notes.indexOf(n), 1);
          resolve(n);
        } else this.waiters.push(check);
      };
      this.waiters.push(check);
    });
  }

  /** The next publishDiagnostics for `uri` (optionally for a document version). */
  diagnostics(uri, ms) {
    return this.waitFor((n) => n.method === 'textDocument/publishDiagnostics' && n.params.uri === uri, ms).then((n) => n.params.diagnostics);
  }

  async initialize(capabilities = {}) {
    const rootUri = pathToFileURL(this.cwd).href;
    const res = await this.request('initialize', { processId: process.pid, rootUri, capabilities, workspaceFolders: [{ uri: rootUri, name: 'w' }], initializationOptions: this.initOptions });
    this.notify('initialized', {});
    return res;
  }

  uri(file) {
    return pathToFileURL(`${this.cwd}/${file}`).href;
  }

  open(file, text, version = 1) {
    const uri = this.uri(file);
    this.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'kida', version, text } });
    return uri;
  }

  change(uri, version, text, range) {
    this.notify('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [range ? { range, text } : { text }] });
  }

  hover(uri, line, character) {
    return this.request('textDocument/hover', { textDocument: { uri }, position: { line, character } });
  }

  completion(uri, line, character) {
    return this.request('textDocument/completion', { textDocument: { uri }, position: { line, character } });
  }

  definition(uri, line, character) {
    return this.request('textDocument/definition', { textDocument: { uri }, position: { line, character } });
  }

  async close() {
    try {
      await Promise.race([this.request('shutdown', null), new Promise((r) => setTimeout(r, 2000))]);
      this.notify('exit', null);
    } catch {
      /* already gone */
    }
    await new Promise((r) => {
      if (this.proc.exitCode !== null) return r(undefined);
      const t = setTimeout(() => (this.proc.kill(), r(undefined)), 2000);
      this.proc.on('exit', () => (clearTimeout(t), r(undefined)));
    });
  }
}
