// Compiles the example's templates once; the servers import the built modules.
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { compileDir } from '../compile-dir.mjs';

const here = dirname(fileURLToPath(import.meta.url));
compileDir(join(here, 'templates'), join(here, '.build'));
export const page = (await import(pathToFileURL(join(here, '.build', 'page.html.kida.js')).href)).default;
