// The language server answers on every keystroke, so what it runs on the text before the cursor
// must be linear in it (issue #19 §2): a run of blanks in a reference tag made completion
// quadratic (one regex's overlapping `\s*`: 40 KB took 9 s). The scan that replaced it must
// answer what the regex answered, and hover, completion and diagnostics stay linear in blank runs
// at the places a sweep of every position found slow.
import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completion, diagnostics, hover, importListSource, positionAt, referencePrefix, typedParams } from '../../compiler/lsp/features.js';
import { Workspace } from '../../compiler/lsp/project.js';
import { TypeOracle } from '../../compiler/lsp/ts-types.js';
import type { Tag } from '../../compiler/lsp/scan.js';
import { expectLinear } from '../security/linear-clock.js';

// (what the scan replaced, kept here as the oracle)
const OLD = /^[-+~]?\s*(extends|include|import|from|embed)\b[^"']*?(?:(?:"[^"]*"|'[^']*')\s*,?\s*)*(["'])([^"']*)$/;
const block = { kind: 'block' } as Tag;

describe('referencePrefix', () => {
  it('answers what the regex it replaced answered (property)', () => {
    const piece = fc.constantFrom('"', "'", ' ', '\t', '\n', ',', ', ', 'a', 'b.kida', '~', 'x', '-', 'with', '\u00a0');
    const head = fc.constantFrom('', '-', ' ', '+ ', 'x', 'include', 'from', 'extends', 'import', 'embed', 'includes');
    fc.assert(fc.property(head, fc.constantFrom('', ' ', 'include ', 'from '), fc.array(piece, { maxLength: 14 }), (h, kw, parts) => {
      const before = h + kw + parts.join('');
      const m = OLD.exec(before);
      expect(referencePrefix({ tag: block, before })).toEqual(m ? { kind: m[1], prefix: m[3] } : null);
    }), { numRuns: 3000 });
  });
  it('is null outside a block tag', () => {
    expect(referencePrefix({ tag: null, before: 'include "a' })).toBeNull();
    expect(referencePrefix({ tag: { kind: 'output' } as Tag, before: 'include "a' })).toBeNull();
  });
});

const OLD_FROM = /^[-+~]?\s*from\s+(["'])([^"']+)\1\s+import\s+(?:[\w\s]+,\s*)*[\w$]*$/;

describe('importListSource', () => {
  it('answers what the regex it replaced answered (property)', () => {
    const piece = fc.constantFrom(' ', '  ', '\t', '\n', ',', ',,', 'a', 'b1', '$x', '-', '"', '.', '\u00a0');
    const head = fc.constantFrom('from "x.kida" import', 'from "x.kida" import ', "- from 'a/b' import", 'from "x" importa', 'from x import', 'from "x.kida"import ', 'from "" import ');
    fc.assert(fc.property(head, fc.array(piece, { maxLength: 12 }), (h, parts) => {
      const before = h + parts.join('');
      expect(importListSource(before)).toBe(OLD_FROM.exec(before)?.[2] ?? null);
    }), { numRuns: 5000 });
  });
});

const OLD_PARAMS = /([A-Za-z_]\w*)\s*:\s*([^,=]+?)\s*(?=[,=]|$)/g;

describe('typedParams', () => {
  it('answers what the regex it replaced answered, for names that start a word (property)', () => {
    // (the old regex also found `b` inside `1b: x`; `\b` now reads names only where a word starts)
    const piece = fc.constantFrom(' ', '  ', '\t', '\n', ':', ',', '=', 'a', 'b_c', 'x1', 'list[int]', '"s"', '|', '\u00a0');
    fc.assert(fc.property(fc.array(piece, { maxLength: 16 }), (parts) => {
      const params = parts.join('');
      expect(typedParams(params)).toEqual([...params.matchAll(OLD_PARAMS)].map((m) => [m[1], m[2]]));
    }), { numRuns: 5000 });
  });
  it('is linear in a run of blanks inside a type, and in a long name', () => {
    expectLinear((n) => () => typedParams('a: b' + ' '.repeat(n) + ' x, c: d'), 'blanks in a type');
    expectLinear((n) => () => typedParams('a'.repeat(n) + ' x'), 'a long name');
  });
});

describe('the language server on a long run of blanks', () => {
  let dir: string;
  let ws: Workspace;
  const types = new TypeOracle();
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kida-lsp-linear-'));
    ws = new Workspace(dir);
    await ws.load();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let k = 0;
  // (each shape: the template around the run, and where the cursor goes: after the run)
  const shapes: [string, string, string][] = [
    ['between strings of a from tag', '{% from "x.kida"', ' import a, b %}'],
    ['after a comma in an import list', '{% from "x.kida" import a,', 'b %}'],
    ['after an include name', '{% include "y.kida"', ' %}'],
    ['after an extends name', '{% extends "base.kida"', ' %}{% block b %}{% end %}'],
  ];
  // (and where the cursor goes after a name typed past the run: the import list's worst case)
  const past: [string, string, string][] = [['after a comma, then a name', '{% from "x.kida" import a,', 'b c %}']];
  for (const blank of [' ', '\t', '\n'])
    for (const [what, head, tail] of [...shapes, ...past])
      it(`${what}, ${JSON.stringify(blank)}: completion, hover and diagnostics`, () => {
        expectLinear((n) => {
          const text = head + blank.repeat(n) + tail;
          const file = join(dir, `t${k++}.kida`);
          return () => {
            const t = ws.template(file, text)!;
            const at = positionAt(t, head.length + n + (past.some((p) => p[1] === head) ? 3 : 0));
            completion(ws, types, t, at);
            hover(ws, types, t, at);
            diagnostics(ws, t);
          };
        }, what);
      });
  // (a run of word characters: the completion of `x.` rescanned a long word from every start)
  it.each([['{{ ', ' }}'], ['{{ x ~ ', '.y }}'], ['{% set v = ', ' %}']])('a long word in %s: completion and hover', (head, tail) => {
    expectLinear((n) => {
      const text = head + 'a'.repeat(n) + tail;
      const file = join(dir, `w${k++}.kida`);
      return () => {
        const t = ws.template(file, text)!;
        for (const at of [positionAt(t, head.length + n), positionAt(t, text.length - 3)]) {
          completion(ws, types, t, at);
          hover(ws, types, t, at);
        }
      };
    }, head);
  });
});
