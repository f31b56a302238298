// What a browser makes of an out-of-order stream ({% defer %}), as a string: each part's
// `<template>` content replaces its `<kida-defer>` placeholder and the templates and mover
// scripts are gone — what runtime/defer.ts's kidaDefer does to the DOM.
import type { Template } from '../runtime/template.js';

const PART = /<template id="(kida-defer-\d+)-t">([\s\S]*?)<\/template><script(?: nonce="[^"]*")?>[\s\S]*?<\/script>/g;
const PLACEHOLDER = /<kida-defer id="(kida-defer-\d+)">[\s\S]*?<\/kida-defer>/g;

export function settle(html: string): string {
  const parts = new Map<string, string>();
  const page = html.replace(PART, (_, id: string, body: string) => (parts.set(id, body), ''));
  const fill = (s: string): string => s.replace(PLACEHOLDER, (m, id: string) => (parts.has(id) ? fill(parts.get(id)!) : m));
  return fill(page);
}

/** The chunks of renderStreamAsync. */
export async function chunksOf(t: Template, ctx: Record<string, unknown>): Promise<string[]> {
  const out: string[] = [];
  for await (const c of t.renderStreamAsync(ctx)) out.push(c);
  return out;
}

/** A promise of `v` after `ms` milliseconds. */
export const later = <T>(v: T, ms: number): Promise<T> => new Promise((r) => setTimeout(() => r(v), ms));
