// The metadata a compiled module stores (issue #22, code size): the introspection data of
// runtime/template.ts (TemplateMeta) with empty fields left out, read back by its methods. A
// page's metadata was a fifth of its module.

import type { CompactBlock } from '../analysis.js';
import { literal, q } from './shared.js';

interface Meta {
  defs: {
    name: string;
    lineno: number;
    params: { name: string; annotation: string | null; hasDefault: boolean; isRequired: boolean }[];
    vararg: string | null;
    kwarg: string | null;
    slots: string[];
    hasDefaultSlot: boolean;
  }[];
  blocks: Record<string, CompactBlock>;
  dependsOn: string[];
  context: { name: string; optional: boolean }[];
  t?: string[];
}

const same = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * Left out: empty `defs`, `blocks`, `dependsOn` and `context`; `t` when it equals `dependsOn`
 * (`t: []` when nothing is read outside blocks). A context name read only guarded is written
 * `?name`. (Def metadata stays whole here: see metaLiteral.)
 */
export function compactMeta(m: Meta): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (m.defs.length) out.defs = m.defs;
  if (Object.keys(m.blocks).length) out.blocks = m.blocks;
  if (m.dependsOn.length) out.dependsOn = m.dependsOn;
  if (m.context.length) out.context = m.context.map((c) => (c.optional ? '?' : '') + c.name);
  const t = m.t ?? [];
  if (!same(t, m.dependsOn)) out.t = t;
  return out;
}

/**
 * `requiredContext` (every name read, in order) as one string of the names split by spaces,
 * with the metadata's `context` folded in (issue #22): a name that is not a context name (a loop
 * variable, a local `set`) marked `-`, one read only guarded `?`. The runtime's defineTemplate
 * unfolds it; `context` stays in the metadata where unfolding would not give it back. And
 * `dependsOn` is left out when it is the context names sorted (no dotted path read).
 */
export function packNames(required: string[], meta: Record<string, unknown>): string {
  const context = (meta.context as string[] | undefined) ?? [];
  const bare = context.map((c) => c.replace(/^\?/, ''));
  const dependsOn = meta.dependsOn as string[] | undefined;
  if (dependsOn && same(dependsOn, [...bare].sort())) delete meta.dependsOn;
  let j = 0;
  const marked = required.map((n) => (j < context.length && bare[j] === n ? context[j++]! : '-' + n));
  if (same(marked.filter((n) => n[0] !== '-'), context)) delete meta.context;
  else meta.context = context;
  return JSON.stringify(marked.join(' '));
}

type DefMeta = Meta['defs'][number];
/** A def with only plain required parameters and no slots, whose metadata runtime defMeta fills in. */
const plainDef = (d: DefMeta) =>
  d.vararg === null && d.kwarg === null && !d.slots.length && !d.hasDefaultSlot && d.params.every((p) => p.annotation === null && !p.hasDefault && p.isRequired);

/**
 * The metadata as module code: a literal, except that each plain def is a call of the runtime's
 * `defMeta` (`defMeta("card", 1, "p")`: ~110 bytes less per def, minified), imported by `h` only
 * by modules that have one.
 */
export function metaLiteral(m: Record<string, unknown>, h: (name: string) => string): string {
  const defs = m.defs as DefMeta[] | undefined;
  if (!defs?.some(plainDef)) return literal(m);
  const rest = literal({ ...m, defs: undefined });
  const list = defs.map((d) => (plainDef(d) ? `${h('defMeta')}(${[q(d.name), d.lineno, ...d.params.map((p) => q(p.name))].join(', ')})` : literal(d)));
  return `{${q('defs')}: [${list.join(', ')}]${rest === '{}' ? '' : ', ' + rest.slice(1, -1)}}`;
}
