// The TypeScript side of typed templates for the editor: the type of a name declared in
// `{% template %}` (and of a path of attributes below it), its properties for completion, and
// the declaration of a type named there. One ts-morph project lives for the whole session, so
// after the first question (which loads the compiler, ~1 s) answers take milliseconds. ts-morph
// is optional (a peer dependency): without it these answers are simply absent.

import { dirname } from 'node:path';
import type { Project, SourceFile } from 'ts-morph';
import { annotationToTs, typeImports } from '../types.js';

export interface Decl {
  name: string;
  annotation: string;
  /** A local binding instead: its value as TypeScript over the other names (`$elem(k$page?.items)`). */
  init?: string;
}

export interface TypeAnswer {
  type: string;
  props: { name: string; type: string; method: boolean }[];
}

export interface Place {
  file: string;
  line: number;
  col: number;
}

type TsMorph = typeof import('ts-morph');

export class TypeOracle {
  private morph: TsMorph | null | undefined;
  private loading: Promise<TsMorph | null> | undefined;
  private projects = new Map<string, Project>();

  /** Loads ts-morph (once); null when it is not installed. */
  async load(): Promise<TsMorph | null> {
    this.loading ??= import('ts-morph').then(
      (m) => (this.morph = m),
      () => (this.morph = null),
    );
    return this.loading;
  }

  get ready(): boolean {
    return !!this.morph;
  }

  private project(file: string): Project {
    const m = this.morph!;
    const config = m.ts.findConfigFile(dirname(file), m.ts.sys.fileExists) ?? '';
    let p = this.projects.get(config);
    if (!p) {
      const compilerOptions = { strict: true, noEmit: true, skipLibCheck: true, allowJs: true };
      p = config
        ? new m.Project({ tsConfigFilePath: config, skipAddingFilesFromTsConfig: true, compilerOptions })
        : new m.Project({ compilerOptions: { ...compilerOptions, target: m.ts.ScriptTarget.ES2022, module: m.ts.ModuleKind.ESNext, moduleResolution: m.ts.ModuleResolutionKind.Bundler } });
      this.projects.set(config, p);
    }
    return p;
  }

  /** A shadow module beside the template: its type imports, one const per declared name, and `tail`. */
  private shadow(file: string, source: string, decls: Decl[], tail: string): { sf: SourceFile; head: number } {
    const { lines, names } = typeImports(source);
    let text = lines.join('\n') + '\n' + 'declare function $elem<T>(x: Iterable<T> | null | undefined): T;\ndeclare function $elem(x: unknown): any;\n';
    // (the last binding of a name wins: a loop target or a def parameter over a context name)
    const last = new Map(decls.map((d, i) => [d.name, i]));
    decls.forEach((d, i) => {
      if (last.get(d.name) !== i) return;
      text += d.init !== undefined ? `const k$${d.name} = ${d.init};\n` : `declare const k$${d.name}: ${annotationToTs(d.annotation, names)};\n`;
    });
    const head = text.length;
    text += tail;
    const sf = this.project(file).createSourceFile(`${file}.kida-lsp.ts`, text, { overwrite: true });
    return { sf, head };
  }

  /** The type of `name.path…` (a declared name and attributes below it), with its properties. */
  typeOf(file: string, source: string, decls: Decl[], path: string[]): TypeAnswer | null {
    if (!this.morph || !decls.some((d) => d.name === path[0] && (d.annotation || d.init))) return null;
    const expr = `k$${path[0]}` + path.slice(1).map((p) => (/^[A-Za-z_$][\w$]*$/.test(p) ? `?.${p}` : `?.[${JSON.stringify(p)}]`)).join('');
    const { sf } = this.shadow(file, source, decls, `const $probe = ${expr};\n`);
    const v = sf.getVariableDeclaration('$probe');
    if (!v) return null;
    const t = v.getType();
    const nn = t.getNonNullableType();
    const props = nn.isObject() && !nn.isArray()
      ? nn.getProperties().map((p) => {
          const pt = p.getTypeAtLocation(v);
          return { name: p.getName(), type: short(pt.getText(v)), method: pt.getCallSignatures().length > 0 };
        })
      : [];
    return { type: short(t.getText(v)), props };
  }

  /** Where a type named in `{% template %}` (or a `@types` import) is declared. */
  definitionOf(file: string, source: string, decls: Decl[], typeName: string): Place | null {
    if (!this.morph) return null;
    const { sf, head } = this.shadow(file, source, decls, `type $probe = ${typeName};\n`);
    const ls = sf.getProject().getLanguageService();
    const defs = ls.getDefinitionsAtPosition(sf, head + 'type $probe = '.length);
    for (const d of defs) {
      const target = d.getSourceFile();
      if (target === sf) continue;
      const { line, column } = target.getLineAndColumnAtPos(d.getTextSpan().getStart());
      return { file: target.getFilePath(), line: line - 1, col: column - 1 };
    }
    return null;
  }
}

/** A type's text without the `import("…").` qualifiers of types the shadow module did not import by name. */
const short = (text: string) => text.replace(/import\("[^"]*"\)\./g, '').replace(/\bk\$/g, '');
