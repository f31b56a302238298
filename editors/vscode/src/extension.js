// The Kida extension's client: starts `kida lsp --stdio` from the workspace's installed kida
// package and connects VS Code to it (vscode-languageclient). Bundled into dist/extension.js.

import * as vscode from 'vscode';
import { LanguageClient, TransportKind } from 'vscode-languageclient/node';
import { findServer } from './find-server.js';

/** @type {LanguageClient | undefined} */
let client;

export async function activate(context) {
  const config = vscode.workspace.getConfiguration('kida');
  const folders = (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath);
  const cli = findServer(folders, config.get('server.path'));
  if (!cli) {
    void vscode.window.showWarningMessage(
      'Kida: no language server found (install the kida package in the workspace, or set kida.server.path). Highlighting still works.',
    );
    return;
  }
  const run = { module: cli, args: ['lsp'], transport: TransportKind.stdio };
  client = new LanguageClient(
    'kida',
    'Kida',
    { run, debug: run },
    {
      documentSelector: [{ scheme: 'file', language: 'kida' }, { scheme: 'untitled', language: 'kida' }],
      synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher('**/{kida.config.*,*.kida}') },
      initializationOptions: {
        debounceMs: config.get('server.debounceMs'),
        typesDelayMs: config.get('server.typesDelayMs'),
      },
    },
  );
  context.subscriptions.push(client);
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('kida.server')) void vscode.commands.executeCommand('workbench.action.reloadWindow');
    }),
  );
  await client.start();
}

export async function deactivate() {
  await client?.stop();
}
