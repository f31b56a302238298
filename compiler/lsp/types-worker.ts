// `kida check --types` for the language server, off its main thread: TypeScript takes a second
// or more, and hover and completion must not wait for it.

import { parentPort } from 'node:worker_threads';
import { checkTypes, type TypeCheckInput } from '../typecheck.js';

parentPort!.on('message', async (msg: { id: number; inputs: TypeCheckInput[]; searchFrom: string }) => {
  try {
    const res = await checkTypes(msg.inputs, { searchFrom: msg.searchFrom, reuse: true });
    parentPort!.postMessage({ id: msg.id, diagnostics: res.diagnostics });
  } catch (e) {
    parentPort!.postMessage({ id: msg.id, error: (e as Error).message });
  }
});
