// Shared by the suites that compare runtime/drive.ts's fast stream drivers with the generator
// drivers (test/unit/stream-runs.test.ts, stream-parts.test.ts): the two driver sets, a source that
// logs what is pulled from it, and readers that stop at a given chunk.
import { driveAsync, flatten, handPart, sinkGen, useDrivers } from '../runtime/template.js';
import { chunkPart, driveFast, flattenFast, runIn } from '../runtime/drive.js';

/** Installs one driver set; `fast` is what importing the Environment installs. */
export const drivers = {
  fast: () => useDrivers(flattenFast, driveFast, chunkPart, runIn),
  generator: () => useDrivers(flatten, driveAsync, sinkGen, handPart),
} as const;

/** A source that logs each item pulled and its closing, so both drivers' reads can be compared. */
export function* counted(log: string[], n: number): Generator<number> {
  try {
    for (let i = 0; i < n; i++) {
      log.push(`pull ${i}`);
      yield i;
    }
  } finally {
    log.push('closed');
  }
}

/** Logs each chunk until the end, or calls return() at chunk `stop` and logs 'stopped'. */
export function readChunks(it: Iterator<string>, stop: number, log: string[]): void {
  for (let k = 0; ; k++) {
    if (k === stop) {
      it.return?.(undefined);
      log.push('stopped');
      return;
    }
    const r = it.next();
    if (r.done) return;
    log.push(`chunk ${JSON.stringify(r.value)}`);
  }
}
/** readChunks of an async stream. */
export async function readChunksAsync(it: AsyncIterator<string>, stop: number, log: string[]): Promise<void> {
  for (let k = 0; ; k++) {
    if (k === stop) {
      await it.return?.(undefined);
      log.push('stopped');
      return;
    }
    const r = await it.next();
    if (r.done) return;
    log.push(`chunk ${JSON.stringify(r.value)}`);
  }
}
