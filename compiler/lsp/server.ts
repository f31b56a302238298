// `kida lsp --stdio`: the language server. Documents are checked as they change: the first
// change after a pause at once, later ones of a burst once it settles (so typing does not queue
// compiles, and a single edit is answered within one compile). TypeScript body checks of
// templates that declare types run after an idle delay in a worker thread.

import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { CodeActionKind, createConnection, DidChangeWatchedFilesNotification, ProposedFeatures, TextDocumentSyncKind, type Diagnostic, type InitializeParams } from 'vscode-languageserver/node';
import { TextDocuments } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { CONFIG_FILES } from '../../plugins/config.js';
import { Workspace } from './project.js';
import { TypeOracle } from './ts-types.js';
import { codeActions, completion, definition, diagnostics, folding, hover, symbols, typeDiagnostic } from './features.js';
import type { TypeDiagnostic } from '../typecheck.js';

export interface ServerSettings {
  /** Coalesce changes arriving within this many ms of the last check (default 150). */
  debounceMs?: number;
  /** Run the TypeScript body checks after this many idle ms (default 800; negative: never). */
  typesDelayMs?: number;
}

export function startServer(): void {
  const connection = createConnection(ProposedFeatures.all);
  const documents = new TextDocuments(TextDocument);
  const types = new TypeOracle();
  let ws: Workspace;
  let settings: Required<ServerSettings> = { debounceMs: 150, typesDelayMs: 800 };
  const fast = new Map<string, Diagnostic[]>();
  const slow = new Map<string, Diagnostic[]>();
  const timers = new Map<string, NodeJS.Timeout>();
  const lastRun = new Map<string, number>();
  let typesTimer: NodeJS.Timeout | undefined;
  let worker: Worker | null = null;
  let job = 0;
  /** The version of each document the last TypeScript check saw. */
  const typesChecked = new Map<string, number>();

  const fileOf = (uri: string) => (uri.startsWith('file:') ? fileURLToPath(uri) : uri);
  const templateOf = (uri: string) => {
    const doc = documents.get(uri);
    return doc ? ws.template(fileOf(uri), doc.getText()) : null;
  };
  const publish = (uri: string) => void connection.sendDiagnostics({ uri, diagnostics: [...(fast.get(uri) ?? []), ...(slow.get(uri) ?? [])] });

  const check = (uri: string) => {
    timers.delete(uri);
    lastRun.set(uri, Date.now());
    const t = templateOf(uri);
    if (!t) return;
    fast.set(uri, diagnostics(ws, t));
    publish(uri);
  };
  /** Leading edge after a pause, trailing edge within a burst. */
  const schedule = (uri: string) => {
    clearTimeout(timers.get(uri));
    const since = Date.now() - (lastRun.get(uri) ?? 0);
    if (since >= settings.debounceMs) setImmediate(() => check(uri));
    else timers.set(uri, setTimeout(() => check(uri), settings.debounceMs - since));
    scheduleTypes();
  };

  const scheduleTypes = () => {
    clearTimeout(typesTimer);
    if (settings.typesDelayMs < 0) return;
    typesTimer = setTimeout(runTypes, settings.typesDelayMs);
  };
  const runTypes = () => {
    const typed = documents.all().filter((d) => typesChecked.get(d.uri) !== d.version && /\{%-?\s*template\s|@types/.test(d.getText()));
    if (!typed.length) return;
    void types.load(); // (hover and completion of typed names use it too)
    const workerFile = new URL('./types-worker.js', import.meta.url);
    if (!existsSync(fileURLToPath(workerFile))) return; // (run from sources: no compiled worker)
    worker ??= new Worker(workerFile);
    const id = ++job;
    const versions = new Map(typed.map((d) => [d.uri, d.version]));
    const inputs = typed.map((d) => {
      const file = fileOf(d.uri);
      const o = ws.compileOptions(file);
      return { file, source: d.getText(), parseOptions: { name: o.name, trimBlocks: o.trimBlocks, lstripBlocks: o.lstripBlocks, ...ws.project.delimiters } };
    });
    worker.removeAllListeners('message');
    worker.on('message', (msg: { id: number; diagnostics?: TypeDiagnostic[]; error?: string }) => {
      if (msg.id !== job) return;
      if (msg.error) return void connection.console.warn(`kida: type check: ${msg.error}`);
      for (const d of typed) {
        if (documents.get(d.uri)?.version !== versions.get(d.uri)) continue; // (stale: it runs again)
        typesChecked.set(d.uri, d.version);
        const t = templateOf(d.uri);
        if (!t) continue;
        const file = fileOf(d.uri);
        slow.set(d.uri, msg.diagnostics!.filter((x) => x.file === file && (x.code === 'K-TYP-004' || x.code === 'K-TYP-005' || x.code === 'K-TYP-006')).map((x) => typeDiagnostic(t, x)));
        publish(d.uri);
      }
    });
    worker.postMessage({ id, inputs, searchFrom: ws.root });
  };

  connection.onInitialize(async (params: InitializeParams) => {
    const folder = params.workspaceFolders?.[0]?.uri ?? params.rootUri;
    const init = (params.initializationOptions ?? {}) as ServerSettings;
    settings = { ...settings, ...Object.fromEntries(Object.entries(init).filter(([, v]) => typeof v === 'number')) };
    watchFiles = params.capabilities.workspace?.didChangeWatchedFiles?.dynamicRegistration === true;
    ws = new Workspace(folder ? fileOf(folder) : process.cwd());
    await ws.load();
    return {
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.Incremental,
        hoverProvider: true,
        completionProvider: { triggerCharacters: ['|', '.', ' ', '"', "'", '/', '(', ','] },
        definitionProvider: true,
        documentSymbolProvider: true,
        foldingRangeProvider: true,
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
      },
      serverInfo: { name: 'kida' },
    };
  });

  // (TextDocuments reports an open as a change of content too: that one checks it)
  // (clients that let servers ask, e.g. Neovim: watch templates and the config ourselves;
  // VS Code's client sends these events from its own watcher)
  let watchFiles = false;
  connection.onInitialized(() => {
    if (!watchFiles) return;
    void connection.client.register(DidChangeWatchedFilesNotification.type, {
      watchers: [{ globPattern: '**/*.kida' }, { globPattern: '**/kida.config.{js,mjs,json}' }],
    });
  });

  documents.onDidOpen((e) => {
    ws.invalidateNames();
    lastRun.delete(e.document.uri);
  });
  documents.onDidChangeContent((e) => {
    ws.open.set(fileOf(e.document.uri), e.document.getText());
    slow.delete(e.document.uri);
    schedule(e.document.uri);
    // (open templates that name this one may change verdict: checked again once the burst settles)
    const base = fileOf(e.document.uri).split(/[\\/]/).pop()!;
    for (const d of documents.all())
      if (d.uri !== e.document.uri && !timers.has(d.uri) && d.getText().includes(base)) timers.set(d.uri, setTimeout(() => check(d.uri), settings.debounceMs * 2));
  });
  documents.onDidClose((e) => {
    ws.open.delete(fileOf(e.document.uri));
    clearTimeout(timers.get(e.document.uri));
    fast.delete(e.document.uri);
    slow.delete(e.document.uri);
    typesChecked.delete(e.document.uri);
    connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
  });
  connection.onDidChangeWatchedFiles(async (e) => {
    ws.invalidateNames();
    if (e.changes.some((c) => CONFIG_FILES.some((f) => c.uri.endsWith('/' + f)))) await ws.load();
    for (const d of documents.all()) schedule(d.uri);
  });

  const guard = <T>(f: () => T, dflt: T): T => {
    try {
      return f();
    } catch (e) {
      connection.console.error(`kida: ${(e as Error).stack ?? e}`);
      return dflt;
    }
  };
  /** Typed answers need ts-morph: loaded on the first question about a typed template. */
  const typedReady = async (uri: string) => {
    if (!types.ready && /\{%-?\s*template\s/.test(documents.get(uri)?.getText() ?? '')) await types.load();
  };
  connection.onHover(async (p) => {
    await typedReady(p.textDocument.uri);
    const t = templateOf(p.textDocument.uri);
    return t ? guard(() => hover(ws, types, t, p.position), null) : null;
  });
  connection.onCompletion(async (p) => {
    await typedReady(p.textDocument.uri);
    const t = templateOf(p.textDocument.uri);
    return t ? guard(() => completion(ws, types, t, p.position), []) : [];
  });
  connection.onDefinition(async (p) => {
    await typedReady(p.textDocument.uri);
    const t = templateOf(p.textDocument.uri);
    return t ? guard(() => definition(ws, types, t, p.position), []) : [];
  });
  connection.onCodeAction((p) => guard(() => codeActions(p.textDocument.uri, p.context.diagnostics), []));
  connection.onDocumentSymbol((p) => {
    const t = templateOf(p.textDocument.uri);
    return t ? guard(() => symbols(t), []) : [];
  });
  connection.onFoldingRanges((p) => {
    const t = templateOf(p.textDocument.uri);
    return t ? guard(() => folding(t), []) : [];
  });
  connection.onShutdown(() => {
    void worker?.terminate();
  });

  documents.listen(connection);
  connection.listen();
}

export const serverDir = dirname(fileURLToPath(import.meta.url));
