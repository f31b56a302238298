// Every name a compiled module imports from the runtime is used by the module: a bundler warns
// of each unused import ("escArg imported from kida/runtime but never used"), and an app's
// build log is not the place for our noise. Checked over every template the tests and examples
// hold (both languages) and the constructs whose code is rewritten after it is generated.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/index.js';

const ROOT = join(import.meta.dirname, '..', '..');

function templates(dir: string, out: string[] = []): string[] {
  for (const f of readdirSync(dir)) {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) {
      if (f !== 'node_modules' && f !== 'dist') templates(p, out);
    } else if (/\.(kida|njk)$/.test(f)) out.push(p);
  }
  return out;
}

/** The runtime names an import line binds, each with the local it binds it to. */
function unusedImports(code: string): string[] {
  const unused: string[] = [];
  for (const m of code.matchAll(/^import \{([^}]*)\} from "kida\/runtime(?:\/nunjucks)?";$/gm)) {
    const rest = code.slice(0, m.index) + code.slice(m.index + m[0].length);
    const used = new Set(rest.match(/\$[\w$]+/g));
    for (const spec of m[1]!.split(',')) {
      const local = spec.trim().split(/\s+as\s+/).pop()!;
      if (!used.has(local)) unused.push(spec.trim());
    }
  }
  return unused;
}

const INLINE: Record<string, string> = {
  'filter block without arguments': '{% filter upper %}<b>{{ x }}</b>{% end %}',
  'filter block with arguments': '{% filter replace("a", x) %}a{% end %}',
  'loop in a def called directly': '{% def card(p) %}<i>{{ p }}</i>{% end %}{% for p in ps %}{{ card(p) }}{% end %}',
  'loop in a block': '{% block b %}{% for a in xs %}{{ a }}{% end %}{% end %}',
  'loop over a def in a streamed page': '{% for a in xs %}{% if a %}{{ a }}{% end %}{% else %}none{% end %}',
};

describe('compiled modules import only what they use', () => {
  for (const [what, src] of Object.entries(INLINE))
    it(what, () => {
      for (const name of ['t.html', 't.md', 't.txt']) expect(unusedImports(compile(src, { name }).code)).toEqual([]);
    });

  it('over every template of the tests and examples', () => {
    const files = [...templates(join(ROOT, 'test')), ...templates(join(ROOT, 'examples'))];
    let compiled = 0;
    const found: string[] = [];
    for (const f of files) {
      let code: string;
      try {
        code = compile(readFileSync(f, 'utf8'), { name: f.split('/').pop()!, ...(f.endsWith('.njk') ? { compat: 'nunjucks' as const } : {}) }).code;
      } catch {
        continue; // (templates that test syntax errors)
      }
      compiled++;
      for (const u of unusedImports(code)) found.push(`${f.slice(ROOT.length + 1)}: ${u}`);
    }
    expect(compiled).toBeGreaterThan(400);
    expect(found).toEqual([]);
  });
});
