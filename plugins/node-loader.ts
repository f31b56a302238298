// Node module hooks behind `kida/register`: `.kida` files load as compiled ES modules.

import { readFile } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { compile } from '../compiler/index.js';
import { KidaProject, LINKAGE_ID, TEMPLATE_FILE } from './shared.js';
import { loadConfig } from './config.js';

interface LoadResult {
  format: string;
  source: string;
  shortCircuit?: boolean;
}
type NextLoad = (url: string, context?: unknown) => Promise<LoadResult>;
type NextResolve = (specifier: string, context?: unknown) => Promise<{ url: string }>;

// (Node: the runtime with its stream drivers, as the "node" condition of kida/runtime gives)
const RUNTIME_URL = new URL('../runtime/node.js', import.meta.url).href;
const NUNJUCKS_RUNTIME_URL = new URL('../runtime/nunjucks/index.js', import.meta.url).href;
const LINKAGE_URL = 'kida:linkage';
let project: Promise<KidaProject> | null = null;
const getProject = () =>
  (project ??= loadConfig(process.cwd()).then(async ({ options }) => {
    const p = new KidaProject({ ...options, cacheDir: false }, process.cwd());
    await p.loadExtensions(); // (Nunjucks extensions' parse() runs as templates compile)
    return p;
  }));

export async function resolve(specifier: string, context: unknown, next: NextResolve): Promise<{ url: string; shortCircuit?: boolean }> {
  if (specifier === LINKAGE_ID) return { url: LINKAGE_URL, shortCircuit: true };
  if (specifier === 'kida/runtime') return { url: RUNTIME_URL, shortCircuit: true };
  if (specifier === 'kida/runtime/nunjucks') return { url: NUNJUCKS_RUNTIME_URL, shortCircuit: true };
  return next(specifier, context);
}

export async function load(url: string, context: unknown, next: NextLoad): Promise<LoadResult> {
  if (url === LINKAGE_URL) {
    const p = await getProject();
    return { format: 'module', source: await p.linkageCode(RUNTIME_URL, (f) => pathToFileURL(f).href, true), shortCircuit: true };
  }
  if (url.startsWith('file:') && TEMPLATE_FILE.test(url)) {
    const p = await getProject();
    const file = fileURLToPath(url);
    const source = await readFile(file, 'utf8');
    // (no on-disk cache here: the hooks thread gets no signal before the process exits to write it)
    const { code, map } = compile(source, { ...p.compileOptions(file, (f) => pathToFileURL(f).href), dts: false });
    const inlineMap = Buffer.from(JSON.stringify(map)).toString('base64');
    return { format: 'module', source: `${code}//# sourceMappingURL=data:application/json;base64,${inlineMap}\n`, shortCircuit: true };
  }
  return next(url, context);
}
