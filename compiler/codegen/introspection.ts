// What a compiled module reports about itself: the introspection data (defs, blocks, context,
// dependencies) templateMeta builds for runtime/template.ts, and the context names a template
// reads without defining them (contextNames; guarded reads are optional).

import type * as A from '../ast.js';
import { guardedRead, patternNames, targetNames, type CompactBlock } from '../analysis.js';
import { walk } from './shared.js';

/**
 * Introspection data exported with every template (defMetadata, blockMetadata, templateMetadata,
 * isCacheable, dependsOn, validateContext): block metadata in compact form (analysis.ts), `t` the
 * context paths read outside blocks when there are any.
 */
export function templateMeta(
  body: A.Node[],
  context: { name: string; optional: boolean }[],
  analysis: { blocks: Record<string, CompactBlock>; topLevel: string[] },
) {
  const slotsOf = (d: A.Def) => {
    const named = new Set<string>();
    let dflt = false;
    walk(d.body, (n) => {
      if (n.type === 'Slot' || n.type === 'Yield') {
        const name = (n as unknown as A.SlotStmt).name;
        if (name === 'default') dflt = true;
        else named.add(name);
      }
      if (n.type === 'Name' && (n as unknown as A.Name).name === 'caller') dflt = true;
      return n.type !== 'Def';
    });
    return { slots: [...named], hasDefaultSlot: dflt };
  };
  const defs = body
    .filter((n): n is A.Def => n.type === 'Def')
    .map((d) => ({
      name: d.name,
      lineno: d.line,
      params: d.params.map((p) => ({ name: p.name, annotation: p.annotation, hasDefault: !!p.default, isRequired: !p.default })),
      vararg: d.vararg,
      kwarg: d.kwarg,
      ...slotsOf(d),
    }));
  const free = new Set(context.map((c) => c.name));
  const paths = new Set<string>();
  const path = (e: A.Expr): string | null =>
    e.type === 'Name' ? (free.has(e.name) ? e.name : null) : e.type === 'Attr' ? ((p) => (p ? `${p}.${e.name}` : null))(path(e.obj)) : null;
  walk(body, (n) => {
    if (n.type === 'Attr' || n.type === 'Name') {
      const p = path(n as unknown as A.Expr);
      if (p) {
        paths.add(p);
        return false;
      }
    }
    return true;
  });
  return { defs, blocks: analysis.blocks, dependsOn: [...paths].sort(), context, ...(analysis.topLevel.length ? { t: analysis.topLevel } : {}) };
}

const IMPLICIT = new Set(['loop', 'caller', 'has_slot', 'it', 'consume', '_', '_n', 'range', 'dict', 'list', 'set', 'tuple', 'len', 'str', 'int',
  'float', 'bool', 'abs', 'min', 'max', 'sum', 'sorted', 'reversed', 'enumerate', 'zip', 'map', 'filter', 'hx_request',
  'hx_target', 'hx_trigger', 'hx_boosted', 'csrf_token', 'csp_nonce']);

/**
 * Names a template reads (`read`, in order of first read) and, of those, the ones it reads from
 * its context (`context`): every name read minus names it binds itself
 * (assignments, defs, imports, loop targets, captures) and the built-in globals. A name
 * is optional when every read of it is guarded (`is defined`, `default`, `??`).
 */
export function contextNames(body: A.Node[]): { context: { name: string; optional: boolean }[]; read: Iterable<string> } {
  const bound = new Set<string>();
  const bindTarget = (t: A.Target): void => void targetNames(t).forEach((x) => bound.add(x));
  const bindPattern = (p: A.Pattern): void => void patternNames(p).forEach((x) => bound.add(x));
  const reads = new Map<string, boolean>(); // name → all reads guarded
  const read = (name: string, guarded: boolean) => reads.set(name, (reads.get(name) ?? true) && guarded);
  const visit = (x: unknown, guarded: boolean): void => {
    walk(x, (n) => {
      const node = n as unknown as A.Node | A.Expr;
      if (guardedRead(node, guarded, read, visit)) return false;
      switch (node.type) {
        case 'Set':
          for (const a of node.assignments) bindTarget(a.target);
          return true;
        case 'For':
          bindTarget(node.target);
          return true;
        case 'ListComp':
          bindTarget(node.target);
          return true;
        case 'WithIf':
          node.targets.forEach(bindTarget);
          if (!node.targets.length) bound.add('it');
          return true;
        case 'With':
          for (const b of node.bindings) bound.add(b.name);
          return true;
        case 'Match':
          for (const c of node.cases) bindPattern(c.pattern);
          return true;
        case 'Def':
        case 'Region':
          bound.add(node.name);
          for (const p of node.params) bound.add(p.name);
          if (node.type === 'Def') {
            if (node.vararg) bound.add(node.vararg);
            if (node.kwarg) bound.add(node.kwarg);
          }
          return true;
        case 'Import':
          bound.add(node.alias);
          return true;
        case 'FromImport':
          for (const x of node.names) bound.add(x.alias);
          return true;
        case 'Capture':
          bound.add(node.name);
          return true;
        case 'Try':
          if (node.errName) bound.add(node.errName);
          return true;
        case 'Slot':
          for (const b of node.bindings) bound.add(b.name);
          return true;
        case 'CallBlock':
          for (const s of node.slots) s.params.forEach((p) => bound.add(p));
          return true;
        default:
          return true;
      }
    });
  };
  visit(body, false);
  return {
    context: [...reads].filter(([name]) => !bound.has(name) && !IMPLICIT.has(name)).map(([name, optional]) => ({ name, optional })),
    read: reads.keys(),
  };
}
