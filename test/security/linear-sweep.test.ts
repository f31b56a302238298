// The machine sweep of linear time (issue #19 §2), in CI: the space of bench/linear-sweep.mjs
// (every built-in of both modes from the registries × generated inputs × argument shapes, and
// the compiler's stages × generated hostile sources; linear-sweep-space.mjs and
// linear-sweep-compiler.mjs) is too big to time here, so this runs a fixed slice of it, chosen
// by rotation (one case of every fifth built-in, each source shape once), plus every case the
// sweep ever found super-linear (FOUND), with and without the sandbox, and the hangs it found
// (in a child process with a timeout).
// The clock and its rule are linear-clock.ts's: 200 KB must cost about twice 100 KB.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import * as filters from '../../runtime/filters.js';
import * as tests from '../../runtime/tests.js';
import * as globals from '../../runtime/globals.js';
import * as methods from '../../runtime/methods.js';
import * as njkSignatures from '../../runtime/nunjucks/signatures.js';
import * as njkGlobals from '../../runtime/nunjucks/globals.js';
import { compile, format, parse } from '../../compiler/index.js';
import { OPERATORS, tokenize } from '../../compiler/lexer.js';
import { diagnose } from '../../compiler/diagnose.js';
import { nunjucksTokens } from '../../compiler/nunjucks/tokens.js';
import { DictLoader, Environment } from '../../compiler/environment.js';
import { expectLinear, type Make } from './linear-clock.js';
// @ts-expect-error: plain ES modules shared with bench/linear-sweep.mjs
import { builtins, cases, contextFor, fallbackFor, templateFor } from './linear-sweep-space.mjs';
// @ts-expect-error: as above
import { SOURCE_SHAPES, compilerCases, compilerThunk } from './linear-sweep-compiler.mjs';

type Mode = 'kida' | 'nunjucks';
interface Case { id: string; kind: string; name: string; gen: { name: string }; shape: { name: string; sized?: boolean; args: (n: number, big: string) => unknown[] } }
interface CompilerCase { id: string; mode: Mode; stage: { name: string }; shape: { name: string } }

const env = (mode: Mode, sandbox: boolean) =>
  new Environment({ loader: new DictLoader({}), ...(mode === 'nunjucks' ? { compat: 'nunjucks' as const } : {}), ...(sandbox ? { sandbox: true } : {}) });
const envs = { kida: [env('kida', false), env('kida', true)], nunjucks: [env('nunjucks', false), env('nunjucks', true)] };
const compiles = (mode: Mode, src: string) => {
  try {
    envs[mode][0]!.fromString(src);
    return true;
  } catch {
    return false;
  }
};
const rt = { filters, tests, globals, methods, njkSignatures, njkGlobals, operators: OPERATORS, compiles };
const all: Record<Mode, Case[]> = { kida: cases(rt, 'kida'), nunjucks: cases(rt, 'nunjucks') };

/** The template of a call of built-in `name` (or its fallback), compiled; null when neither compiles. */
function compiled(mode: Mode, kind: string, name: string, argc: number, sandbox = false) {
  for (const src of [templateFor(kind, name, argc), fallbackFor(kind, name, argc)]) {
    if (src === null) continue;
    try {
      return envs[mode][sandbox ? 1 : 0]!.fromString(src);
    } catch {
      // (the next form)
    }
  }
  return null;
}
const compilable = (mode: Mode, kind: string, name: string, argc: number) => compiled(mode, kind, name, argc) !== null;

/** Renders case `c` at size n (compiled and built outside the clock); a template error is an answer too. */
function render(mode: Mode, c: Case, sandbox: boolean): Make {
  const template = compiled(mode, c.kind, c.name, c.shape.args(1, 'a').length, sandbox);
  if (!template) throw new Error(`${c.id} does not compile`);
  return (n) => {
    const ctx = contextFor(c, n) as () => Record<string, unknown>;
    return () => {
      // (`debug` writes to stderr: not this test's output)
      const write = process.stderr.write;
      process.stderr.write = () => true;
      try {
        return template.render(ctx());
      } catch (e) {
        if (!String((e as { code?: string }).code).startsWith('K-')) throw e;
        return e;
      } finally {
        process.stderr.write = write;
      }
    };
  };
}

/**
 * Cases the sweep found super-linear, by id (`mode kind name generator shape`), each fixed in
 * the commit that added it here (docs/decisions.md, "Safety: a machine sweep of linear time").
 */
const FOUND: string[] = [
  // the sandbox's check of `%(key)` names rescanned to the end from every `%(` without `)`
  'kida operator % "%("×n ({"k": 1})',
  // Nunjucks batch read a string count as a number at every item (as `%` and `<` do)
  'nunjucks filter batch " "×n (big)',
  'nunjucks filter on safe batch "\\n"×n (big)',
  // Nunjucks' attribute paths walked every `0` segment of `0.0.0…` on a one-character string,
  // and asked the engine whether a string owns a long numeric segment, at every item
  'nunjucks filter groupby "0."×n (big)',
  'nunjucks filter groupby digits.digits+x (big)',
  'nunjucks filter groupby digits.digits+x (big, big)',
];

const byId = (mode: Mode, id: string): Case => {
  const c = all[mode].find((x) => x.id === id);
  if (!c) throw new Error(`no case ${id}`);
  return c;
};

describe('the sweep covers every built-in', () => {
  for (const mode of ['kida', 'nunjucks'] as const) {
    it(`${mode}: each built-in compiles in a call of at least one shape`, () => {
      const space = builtins(rt)[mode] as Record<string, string[]>;
      const never: string[] = [];
      for (const [kind, names] of Object.entries(space)) {
        for (const name of names) {
          const compiles = [0, 1, 2].some((argc) => compilable(mode, kind, name, argc));
          if (!compiles) never.push(`${kind} ${name}`);
        }
      }
      expect(never).toEqual([]);
      // (a registry that came back empty would sweep nothing)
      for (const names of Object.values(space)) expect(names.length).toBeGreaterThan(0);
      // (the arithmetic, comparison, repetition, formatting and membership operators are all there)
      expect(space.operator).toEqual(expect.arrayContaining(['+', '-', '*', '/', '//', '%', '**', '~', '==', '<', 'in', 'not in']));
    });
  }
  it('every case is enumerated once', () => {
    for (const mode of ['kida', 'nunjucks'] as const) expect(new Set(all[mode].map((c) => c.id)).size).toBe(all[mode].length);
  });
});

/**
 * One case of every fifth built-in: the k-th one's cases taken at a step prime to their count, so
 * that over the built-ins the generators and the argument shapes come round.
 */
function slice(mode: Mode): Case[] {
  const byBuiltin = new Map<string, Case[]>();
  for (const c of all[mode]) {
    const key = `${c.kind} ${c.name}`;
    if (!byBuiltin.has(key)) byBuiltin.set(key, []);
    byBuiltin.get(key)!.push(c);
  }
  // (every fifth built-in: the whole space is the bench's; this keeps the file to a few minutes)
  return [...byBuiltin.values()].filter((_, k) => k % 5 === 0).map((list, k) => list[(k * 101) % list.length]!);
}

for (const mode of ['kida', 'nunjucks'] as const) {
  describe(`${mode}: a slice of the sweep, 200 KB costs about twice 100 KB`, () => {
    for (const c of slice(mode)) it(c.id, () => expectLinear(render(mode, c, false), c.id));
  });
}

describe('every case the sweep found, with and without the sandbox', () => {
  it('is a case of the sweep', () => {
    for (const id of FOUND) expect(() => byId(id.split(' ')[0] as Mode, id)).not.toThrow();
  });
  for (const id of FOUND) {
    const mode = id.split(' ')[0] as Mode;
    for (const sandbox of [false, true]) {
      it(`${id}${sandbox ? ' (sandbox)' : ''}`, () => expectLinear(render(mode, byId(mode, id), sandbox), id));
    }
  }
});

const compiler = { tokenize, parse, compile, format, diagnose, nunjucksTokens };
const compilerAll = compilerCases(compiler) as CompilerCase[];
/** Compiler cases found super-linear, by id (`mode stage: shape`). */
const FOUND_COMPILER: string[] = [
  // each Nunjucks macro walked the whole tree for extension tags: 6,666 macros in 200 KB, 9.5 s
  'nunjucks compile: many defs',
  'nunjucks compile, sandboxed: many defs',
];

describe('the compiler on hostile sources: 200 KB costs about twice 100 KB', () => {
  const stagesOf = (mode: Mode) => [...new Set(compilerAll.filter((k) => k.mode === mode).map((k) => k.stage.name))];
  // each source shape once, the mode and the stage turning with its index
  const picked = (SOURCE_SHAPES as { name: string }[]).map((shape, k) => {
    const mode = k % 2 ? 'nunjucks' : 'kida';
    const names = stagesOf(mode);
    return compilerAll.find((x) => x.mode === mode && x.shape.name === shape.name && x.stage.name === names[Math.floor(k / 2) % names.length])!;
  });
  for (const k of [...picked, ...FOUND_COMPILER.map((id) => compilerAll.find((x) => x.id === id)!)]) {
    it(k.id, () => expectLinear((n) => compilerThunk(k, n), k.id));
  }
});

describe('hangs the sweep found (run in a child with a timeout: a hang fails, not stalls)', () => {
  /** What rendering `src` with `ctx` in a child process (the built dist/) printed: the text or the error code. */
  const inChild = (src: string, ctx: Record<string, unknown>, options: Record<string, unknown>) => {
    const code = `
      const { DictLoader, Environment } = await import(${JSON.stringify(new URL('../../dist/compiler/environment.js', import.meta.url).href)});
      const env = new Environment({ loader: new DictLoader({}), ...${JSON.stringify(options)} });
      try { process.stdout.write(String(env.fromString(${JSON.stringify(src)}).render(${JSON.stringify(ctx)}))); }
      catch (e) { process.stdout.write(String(e.code)); }`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { timeout: 20_000, encoding: 'utf8' });
    return r.status === 0 ? r.stdout : `no answer (${r.signal ?? r.status})`;
  };
  // Nunjucks' range with a string bound concatenates its counter (`"%" + 1`), and a string
  // counter compared with a string bound never reaches it: it held the process until memory ran out.
  for (const sandbox of [false, true]) {
    it(`nunjucks range(text, text) is refused${sandbox ? ' (sandbox)' : ''}`, () => {
      expect(inChild('{{ range(v, a) | length }}', { v: '%'.repeat(1000), a: 'a' }, { compat: 'nunjucks', sandbox })).toBe('K-SEC-003');
    });
  }
  it('the finite cases of a string bound keep their Nunjucks result', () => {
    expect(inChild('{{ range("2", 5) | join(",") }}|{{ range("3") | join(",") }}|{{ range(0, "3") | join(",") }}', {}, { compat: 'nunjucks' })).toBe('2|0,1,2|0,1,2');
  });
});
