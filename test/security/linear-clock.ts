// The clock of the linear-time suites (issue #19 §2): CPU time (process.cpuUsage), the least of
// a few runs at 100 KB and at 200 KB measured in turn (so that a busy moment of the shared
// machine falls on both), measured again after forced collections while the ratio looks high.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { expect } from 'vitest';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** The smaller size; every case is also run at twice this. */
export const N = 100_000;
/**
 * Below this many ms of CPU at 200 KB a case passes whatever its ratio: allocation and
 * collection make small times noisy, and each quadratic these tests caught took seconds at 200 KB.
 */
const FLOOR_MS = 60;
/** Allowed on top of three times the 100 KB time: collection pauses grow with the live heap. */
const SLACK_MS = 25;
/** No case may take longer at 200 KB. */
const CEILING_MS = 2_000;

export type Make = (n: number) => () => unknown;

/** Process CPU time in ms (user + system). */
export const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
/** The least CPU time of `runs` runs of `f`. */
export function leastCpuMs(f: () => unknown, runs = 3): number {
  let t = Infinity;
  for (let i = 0; i < runs; i++) {
    const t0 = cpuMs();
    f();
    t = Math.min(t, cpuMs() - t0);
  }
  return t;
}
function timeOnce(run: () => unknown, collect: boolean): number {
  if (collect) gc();
  const t0 = cpuMs();
  run();
  return cpuMs() - t0;
}

/**
 * The least CPU time of `small` and of `large` (twice its size), measured in turn, and again
 * after forced collections while `large` looks more than linear.
 */
export function measurePair(small: () => unknown, large: () => unknown): { t1: number; t2: number } {
  small();
  large();
  let t1 = Infinity;
  let t2 = Infinity;
  for (let attempt = 0; attempt < 6; attempt++) {
    for (let i = 0; i < 2; i++) {
      t1 = Math.min(t1, timeOnce(small, attempt > 0));
      t2 = Math.min(t2, timeOnce(large, attempt > 0));
    }
    if (t2 < FLOOR_MS || t2 < 3 * t1 + SLACK_MS) break;
  }
  return { t1, t2 };
}

/** How `expectLinear` judges: the smaller size, and below how many ms at twice it any ratio passes. */
export interface Scale {
  n?: number;
  floorMs?: number;
  slackMs?: number;
}

/** Asserts that twice the size costs about twice the time (not four times), and under the ceiling. */
export function expectLinear(make: Make, label: string, { n = N, floorMs = FLOOR_MS, slackMs = SLACK_MS }: Scale = {}): void {
  const { t1, t2 } = measurePair(make(n), make(2 * n));
  let what = `${label}: ${t1.toFixed(1)} ms → ${t2.toFixed(1)} ms`;
  let linear = t2 < floorMs || t2 < 3 * t1 + slackMs;
  if (!linear && t2 < CEILING_MS) {
    // A step in what collection costs (the heap crossing a size where V8 collects otherwise:
    // `{{ v|list }}` of 100 vs 200 KB, 37 -> 141 ms, then 258 ms at 400 KB) comes once; a
    // quadratic keeps growing, so twice the size again must cost about twice as much.
    const next = measurePair(make(2 * n), make(4 * n));
    what += `, then ${next.t2.toFixed(1)} ms at four times`;
    linear = next.t2 < 3 * next.t1 + slackMs;
  }
  if (process.env.SHOW_TIMES) console.log(what);
  expect(linear, what).toBe(true);
  expect(t2 < CEILING_MS, what).toBe(true);
}
