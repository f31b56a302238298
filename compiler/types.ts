// TypeScript declarations for compiled templates: `TypedTemplate<Context, BlockContexts>`,
// with the context of a full render and of each block across the templates it renders with
// (context-types.ts), typed by `{% template name: Type %}` declarations, and defs typed from
// their annotations. The file lands beside the template as `page.d.kida.ts`, the name
// TypeScript looks for when resolving `./page.kida` with `allowArbitraryExtensions`.
//
// Types from the app are named in a Kida comment, which the parser ignores:
//   {# @types import type { Page, Item } from "../types.js" #}
//   {% template page: Page, items: list[Item] %}

import type { GeneratedModule } from './codegen.js';
import type { Node, Param } from './ast.js';
import { ContextGraph, type Shape } from './context-types.js';

const TYPE_IMPORT = /\{#-?\s*@types\s+(import\s+type\s+\{[^}]*\}\s+from\s+["'][^"']+["'])\s*;?\s*-?#\}/g;

/** `import type` lines declared in `{# @types … #}` comments, and the names they bring. */
export function typeImports(source: string): { lines: string[]; names: Set<string> } {
  const lines: string[] = [];
  const names = new Set<string>();
  for (const m of source.matchAll(TYPE_IMPORT)) {
    lines.push(m[1]!.trim() + ';');
    const inner = /\{([^}]*)\}/.exec(m[1]!)![1]!;
    for (const part of inner.split(',')) {
      const n = part.trim().split(/\s+as\s+/).pop()!.trim();
      if (n) names.add(n);
    }
  }
  return { lines, names };
}

/** Maps a Kida annotation (`list[Item] | None`) to TypeScript. */
export function annotationToTs(annotation: string | null, known: ReadonlySet<string> | ReadonlyMap<string, string>): string {
  if (!annotation) return 'unknown';
  const toks = annotation.match(/[A-Za-z_][\w.]*|[[\],|]/g) ?? [];
  let i = 0;
  const union = (): string => {
    const parts = [one()];
    while (toks[i] === '|') {
      i++;
      parts.push(one());
    }
    return parts.length > 1 ? parts.join(' | ') : parts[0]!;
  };
  const one = (): string => {
    const name = toks[i++] ?? 'unknown';
    const args: string[] = [];
    if (toks[i] === '[') {
      i++;
      args.push(union());
      while (toks[i] === ',') {
        i++;
        args.push(union());
      }
      i++; // ]
    }
    switch (name) {
      case 'str':
        return 'string';
      case 'int':
      case 'float':
        return 'number';
      case 'bool':
        return 'boolean';
      case 'None':
      case 'none':
        return 'null | undefined';
      case 'any':
      case 'object':
        return 'unknown';
      case 'list':
      case 'tuple':
      case 'set':
        return args.length ? `Array<${args[0]}>` : 'unknown[]';
      case 'dict':
        return args.length === 2 ? `Record<${args[0] === 'string' ? 'string' : 'string'}, ${args[1]}>` : 'Record<string, unknown>';
      default: {
        const ts = known instanceof Map ? known.get(name) : known.has(name) ? name : undefined;
        return ts ? ts + (args.length ? `<${args.join(', ')}>` : '') : 'unknown';
      }
    }
  };
  return union();
}


const ident = (s: string) => (/^[A-Za-z_$][\w$]*$/.test(s) ? s : JSON.stringify(s));

export interface DeclarationInput {
  /** Resolved name of the template. */
  name: string;
  module: GeneratedModule;
  /** Text scanned for `{# @types … #}` comments, of this template or another by name (null: unknown). */
  typeSourceOf: (name: string) => string | null;
  /** Top-level statements of another template (absent: the other templates are unknown). */
  bodyOf?: (name: string) => Node[] | null;
  resolve: (name: string, from: string) => string;
  /** Names the app's globals module provides (optional keys). */
  globalNames?: string[];
  /** Every context key and def parameter optional (compat 'nunjucks': nothing read is required). */
  allOptional?: boolean;
  /**
   * The specifier this declaration file uses for an `@types` import `specifier` written in
   * `template`; the default suits a file beside the template (`page.d.kida.ts`).
   */
  typesSpecifier?: (specifier: string, template: string) => string;
}

/** The `.d.ts` text for a compiled template module. */
export function declarations(input: DeclarationInput): string {
  const { name, module: m } = input;
  const scope = new TypeScope(input.typeSourceOf, input.typesSpecifier ?? besideSpecifier(name));
  const graph = new ContextGraph({
    bodyOf: input.bodyOf ?? (() => null),
    resolve: input.resolve,
    typeOf: (annotation, owner) => annotationToTs(annotation, scope.namesOf(owner)),
    globals: new Set(input.globalNames ?? []),
  });
  const full = graph.render(name, m.tree);
  const loose = !!input.allOptional;
  const blocks = [...graph.blocks(name, m.tree)].map(([b, shape]) => `${ident(b)}: ${shapeType(shape, false, loose)}`);
  const own = scope.namesOf(name);
  const body = [
    `export type Context = ${shapeType(full, true, loose)};`,
    `export type BlockContexts = ${blocks.length ? `{ ${blocks.join('; ')}; }` : '{}'};`,
    'export type Blocks = keyof BlockContexts & string;',
    `declare const template: TypedTemplate<Context, BlockContexts${full.isAsync || m.isAsync ? ', true' : ''}>;`,
    'export default template;',
    ...['render', 'renderStream', 'renderAsync', 'renderStreamAsync', 'renderBlock'].map((f) => `export declare const ${f}: typeof template.${f};`),
  ];
  if (m.defSignatures.length) {
    body.push("/** The template's top-level defs (reachable through `{% from … import %}`). */");
    body.push(`export type Defs = { ${m.defSignatures.map((d) => `${ident(d.name)}: ${defType(d, own, loose)}`).join('; ')} };`);
  }
  const text = body.join('\n');
  return [
    `// Generated by kida from ${name}: types of the compiled template module.`,
    `import type { TypedTemplate${m.defSignatures.length ? ', Markup' : ''} } from 'kida';`,
    ...scope.importLines(text),
    text,
  ].join('\n') + '\n';
}

/** A context as an object type: declared types intersected, `unknown` for names only read. */
function shapeType(s: Shape, full: boolean, allOptional = false): string {
  const fields = new Map([...s.fields].map(([n, f]) => [n, { optional: f.optional, types: new Set([...f.types, ...(s.declared.get(n) ?? [])]) }]));
  // a full render takes every declared name; a block only those it reads
  if (full) for (const [n, t] of s.declared) if (!fields.has(n)) fields.set(n, { optional: false, types: t });
  const parts = [...fields].map(([n, f]) => {
    const t = [...f.types];
    return `${ident(n)}${f.optional || allOptional ? '?' : ''}: ${t.length === 0 ? 'unknown' : t.length === 1 ? t[0] : t.map((x) => `(${x})`).join(' & ')}`;
  });
  if (s.open) parts.push('[name: string]: unknown');
  return parts.length ? `{ ${parts.join('; ')}; }` : '{}';
}

function defType(d: { params: Param[]; vararg: string | null; kwarg: string | null }, known: ReadonlyMap<string, string>, allOptional = false): string {
  const params = d.params.map((p) => `${ident(p.name)}${p.default || allOptional ? '?' : ''}: ${annotationToTs(p.annotation, known)}`);
  if (d.vararg) params.push(`...${d.vararg}: unknown[]`);
  return `(${params.join(', ')}) => Markup`;
}

/**
 * The app types named by the templates of one declaration file: each template's `@types`
 * imports, re-based to where the file lands, under names that do not clash (two templates may
 * both import an `Item` from different modules).
 */
class TypeScope {
  private perTemplate = new Map<string, Map<string, string>>();
  private byKey = new Map<string, string>(); // specifier \0 imported name → local name here
  private taken = new Set<string>(['TypedTemplate', 'Markup', 'Context', 'BlockContexts', 'Blocks', 'Defs', 'template']);
  private imports = new Map<string, Map<string, string>>(); // specifier → imported → local

  constructor(
    private readonly sourceOf: (name: string) => string | null,
    private readonly specifier: (spec: string, template: string) => string,
  ) {}

  /** Kida type name → TypeScript name, for the annotations of one template. */
  namesOf(template: string): Map<string, string> {
    let names = this.perTemplate.get(template);
    if (names) return names;
    names = new Map();
    for (const line of typeImports(this.sourceOf(template) ?? '').lines) {
      const m = /\{([^}]*)\}\s*from\s*["']([^"']+)["']/.exec(line)!;
      const spec = this.specifier(m[2]!, template);
      for (const part of m[1]!.split(',')) {
        const [imported, local = imported] = part.trim().split(/\s+as\s+/).map((x) => x.trim());
        if (!imported || !local) continue;
        const key = `${spec}\0${imported}`;
        let here = this.byKey.get(key);
        if (!here) {
          here = local;
          for (let i = 2; this.taken.has(here); i++) here = `${local}_${i}`;
          this.taken.add(here);
          this.byKey.set(key, here);
          (this.imports.get(spec) ?? this.imports.set(spec, new Map()).get(spec)!).set(imported, here);
        }
        names.set(local, here);
      }
    }
    this.perTemplate.set(template, names);
    return names;
  }

  /** `import type` lines for the names `text` uses. */
  importLines(text: string): string[] {
    const out: string[] = [];
    for (const [spec, names] of this.imports) {
      const used = [...names].filter(([, here]) => new RegExp(`\\b${here.replace(/\$/g, '\\$')}\\b`).test(text));
      if (used.length) out.push(`import type { ${used.map(([i, here]) => (i === here ? i : `${i} as ${here}`)).join(', ')} } from ${JSON.stringify(spec)};`);
    }
    return out;
  }
}

/** `@types` specifiers re-based from the template that wrote them to the template `name`'s directory. */
function besideSpecifier(name: string): (spec: string, template: string) => string {
  return (spec, template) => (spec.startsWith('.') ? relativeSpecifier(segments(dirOf(name)), segments(dirOf(template) + '/' + spec)) : spec);
}

const dirOf = (p: string) => p.slice(0, Math.max(0, p.lastIndexOf('/')));

/** Path segments with `.` and inner `..` resolved (leading `..` kept). */
export function segments(path: string): string[] {
  const out: string[] = [];
  for (const s of path.split('/')) {
    if (s === '' || s === '.') continue;
    if (s === '..' && out.length && out[out.length - 1] !== '..') out.pop();
    else out.push(s);
  }
  return out;
}

/** The relative specifier from directory `from` to file `to` (both as segments). */
export function relativeSpecifier(from: string[], to: string[]): string {
  let i = 0;
  while (i < from.length && i < to.length - 1 && from[i] === to[i]) i++;
  const up = from.length - i;
  return (up ? '../'.repeat(up) : './') + to.slice(i).join('/');
}
