// A compact way to write cases: c(name, src, ctx?, more?).
import type { Case } from './harness.js';

export function c(name: string, src: string, ctx?: Case['ctx'], more: Partial<Case> = {}): Case {
  return { name, src, ...(ctx ? { ctx } : {}), ...more };
}
/** One case per [name, src, ctx?] row, with options shared by the group. */
export function rows(prefix: string, list: Array<[string, string, Case['ctx']?]>, more: Partial<Case> = {}): Case[] {
  return list.map(([name, src, ctx]) => c(`${prefix}: ${name}`, src, ctx, more));
}
