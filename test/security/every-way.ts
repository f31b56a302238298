// What the security suites share: the text or the error of one way of rendering, and the checks
// over every way (sandbox-support.ts and nunjucks-support.ts list the ways of each mode).
import { expect } from 'vitest';
import type { Template } from '../../runtime/template.js';

export type Ways = Record<string, string | Error>;

/** The text `f` renders (a string, or a sync or async stream drained) or the error it throws. */
export async function textOrError(f: () => unknown): Promise<string | Error> {
  try {
    const r = await f();
    if (typeof r === 'string') return r;
    let out = '';
    if (r && typeof r === 'object' && Symbol.asyncIterator in r) for await (const c of r as AsyncIterable<string>) out += c;
    else for (const c of r as Iterable<string>) out += c;
    return out;
  } catch (e) {
    return e as Error;
  }
}

/** Every way failed with a SecurityError of `code`; returns the render() error. */
export function expectRefused(all: Ways, src: string, code: string): Error {
  for (const [way, r] of Object.entries(all)) {
    expect(r, `${way} of ${src}`).toBeInstanceOf(Error);
    expect((r as Error).name, `${way} of ${src}: ${(r as Error).message}`).toBe('SecurityError');
    expect((r as { code?: string }).code, `${way} of ${src}`).toBe(code);
  }
  return all.render as Error;
}

/** Every way gave `want`. */
export function expectRenders(all: Ways, src: string, want: string): void {
  for (const [way, r] of Object.entries(all)) {
    if (r instanceof Error) throw new Error(`${way} of ${src} failed: ${r.message}`);
    expect(r, `${way} of ${src}`).toBe(want);
  }
}

/** render()'s text and, when `all`, every other entry point's (the block named `b` for renderBlock). */
export async function renderings(t: Template, c: Record<string, unknown>, all: boolean): Promise<string[]> {
  const out = [t.render(c)];
  if (!all) return out;
  out.push([...t.renderStream(c)].join(''));
  let a = '';
  for await (const x of t.renderStreamAsync(c)) a += x;
  out.push(a, await t.renderAsync(c), t.renderBlock('b', c));
  return out;
}

/** What `f` resolves to, or the error it throws. */
export async function orError<T>(f: () => Promise<T>): Promise<T | Error> {
  try {
    return await f();
  } catch (e) {
    return e as Error;
  }
}

/** The characters that would let data open markup or leave an attribute. */
export const DANGER = ['<', '"', "'"] as const;
/** `h` with its specials replaced: rendered, it shows which specials the template writes itself. */
export const twin = (h: string): string => h.replace(/[<"'&]/g, 'x');
/** How many times `c` occurs in `s`. */
export const count = (s: string, c: string): number => s.split(c).length - 1;

/** Host values whose conversion to text is async and rejects: V8 drops such a promise when it
 * converts them itself, so the runtime must call the conversion and observe what it returns. */
export class AsyncText {
  async toString(): Promise<string> {
    throw new Error('async toString');
  }
}
export class AsyncPrim {
  [Symbol.toPrimitive](): Promise<string> {
    return Promise.reject(new Error('async toPrimitive'));
  }
}
