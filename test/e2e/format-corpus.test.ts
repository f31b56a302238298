// `kida fmt` over every template source of the conformance corpus: each case is rendered from
// its original templates and from the formatted ones, and the outputs must agree except for
// whitespace outside <pre> and <textarea> (runs of whitespace compared as one space, there
// exactly). The one difference whitespace normalising cannot see is the final newline the
// formatter adds: a template whose output lands inside another's (`include`, a def imported
// from it) puts a newline between two words, and a sandbox's output-size limit counts it. Those
// cases must agree once that newline is taken off again; no other difference is allowed.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DictLoader, Environment } from '../../compiler/environment.js';
import { format } from '../../compiler/format.js';
import { Markup } from '../../runtime/markup.js';
import { normalize } from '../format-support.js';

// (beside the repository, as .ci/run finds it, or beside a worktree's parent)
const root = join(import.meta.dirname, '../..');
const corpus = [join(root, '../shared/conformance/cases.jsonl'), join(root, '../../shared/conformance/cases.jsonl')].find((f) => existsSync(f)) ?? '';
const camel = (s: string) => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
// (options of the reference that mean nothing to a render here, as the conformance runner skips them)
const IGNORED = new Set(['loader', 'class', 'cache_size', 'fragment_cache_size', 'fragment_ttl', 'auto_reload', 'bytecode_cache', 'preserve_ast',
  'inline_components', 'fstring_coalescing', 'jinja2_compat_warnings', 'enable_htmx_helpers', 'sandbox_policy', 'static_context']);
const DELIMITERS = ['block_start', 'block_end', 'variable_start', 'variable_end', 'comment_start', 'comment_end'];

interface Case {
  id: string; suite: string; method: string; source: string | null; entry: string | null; templates: Record<string, string> | null;
  env: Record<string, unknown> | null; context: Record<string, unknown> | null; args: Record<string, unknown> | null;
}

function decode(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(decode);
  if (!v || typeof v !== 'object') return v;
  const o = v as Record<string, unknown>;
  switch (o.$type) {
    case undefined: return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, decode(x)]));
    case 'tuple': return (o.items as unknown[]).map(decode);
    case 'float': return ({ nan: NaN, inf: Infinity, '-inf': -Infinity } as Record<string, number>)[o.value as string] ?? Number(o.value);
    case 'Markup': return new Markup(o.value as string);
    case 'object': return decode(o.attrs ?? {});
    default: return o.value;
  }
}

/** Math.random as a fixed sequence from here on (a small LCG), so impure filters repeat. */
function seedRandom(): void {
  let x = 12345;
  Math.random = () => ((x = (x * 1103515245 + 12345) % 2147483648) / 2147483648);
}

/** The case's output (or its error, as `!Name`) from the given template sources. */
async function render(c: Case, source: string | null, templates: Record<string, string>): Promise<string> {
  seedRandom(); // (`random`, `shuffle`: every render of a case draws the same numbers)
  const options: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(c.env ?? {})) if (!IGNORED.has(k)) options[camel(k)] = v;
  if (c.env?.class === 'SandboxedEnvironment') options.sandbox = c.env.sandbox_policy ?? true;
  if (c.env?.static_context) options.staticContext = decode(c.env.static_context);
  try {
    const env = new Environment({ loader: new DictLoader(templates), ...options });
    const t = source != null ? env.fromString(source) : env.getTemplate(c.entry!);
    const ctx = decode(c.context ?? {}) as Record<string, unknown>;
    const a = (c.args ?? {}) as { block_name: string; block_overrides: Record<string, string> };
    switch (c.method) {
      case 'render': case 'render_stream': return t.render(ctx);
      case 'render_async': case 'render_stream_async': return await t.renderAsync(ctx);
      case 'render_block': return t.renderBlock(a.block_name, ctx);
      case 'render_block_stream_async': return await t.renderBlockAsync(a.block_name, ctx);
      case 'render_with_blocks': return t.renderWithBlocks(a.block_overrides, ctx);
      default: throw new Error(`unknown method ${c.method}`);
    }
  } catch (e) {
    return `!${(e as Error).name}`;
  }
}

const realRandom = Math.random;
afterAll(() => {
  Math.random = realRandom;
});

describe('kida fmt over the conformance corpus', () => {
  it.skipIf(!corpus)('formatted templates render the same up to whitespace', async () => {
    let compared = 0;
    let changed = 0;
    let nondeterministic = 0;
    let withHtmlIndent = 0;
    const finalNewline: string[] = [];
    const differ: string[] = [];
    for (const line of readFileSync(corpus, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      const c = JSON.parse(line) as Case;
      if (c.suite === 'out' || c.method === 'compile') continue;
      const delimiters = Object.fromEntries(DELIMITERS.filter((k) => c.env?.[k] != null).map((k) => [camel(k), c.env![k]]));
      const variants: { source: string | null; templates: Record<string, string> }[] = [];
      try {
        for (const htmlIndent of [false, true]) {
          const fmt = (s: string) => format(s, { ...delimiters, htmlIndent });
          const v = { source: c.source != null ? fmt(c.source) : null, templates: Object.fromEntries(Object.entries(c.templates ?? {}).map(([k, x]) => [k, fmt(x)])) };
          // (with htmlIndent, only where it formats differently)
          if (!htmlIndent || JSON.stringify(v) !== JSON.stringify(variants[0])) variants.push(v);
        }
      } catch {
        continue; // a source that does not lex: `kida fmt` leaves it as it is
      }
      if (variants.length > 1) withHtmlIndent++;
      const original = await render(c, c.source, c.templates ?? {});
      if ((await render(c, c.source, c.templates ?? {})) !== original) {
        nondeterministic++; // (`random`, `shuffle`…)
        continue;
      }
      compared++;
      const eq = (f: string | null, o: string | null | undefined) => f === o || (f != null && o != null && f.replace(/\n$/, '') === o.replace(/\n$/, ''));
      const { source, templates } = variants[0]!;
      if (!eq(source, c.source) || Object.entries(templates).some(([k, v]) => !eq(v, c.templates![k]))) changed++;
      const same = (out: string) => (out.startsWith('!') || original.startsWith('!') ? out === original : normalize(out) === normalize(original));
      // the newline format() added at the end, taken off again (where the original had none)
      const unNewline = (f: string | null, o: string | null | undefined) => (f != null && o != null && !/\n$/.test(o) ? f.replace(/\r?\n$/, '') : f);
      for (const v of variants) {
        if (same(await render(c, v.source, v.templates))) continue;
        const without = Object.fromEntries(Object.entries(v.templates).map(([k, x]) => [k, unNewline(x, c.templates![k])!]));
        if (same(await render(c, unNewline(v.source, c.source), without))) finalNewline.push(c.id);
        else differ.push(c.id);
      }
    }
    console.log(`kida fmt over the corpus: ${compared} cases compared (${changed} with a template the formatter changes beyond its final newline), ${nondeterministic} nondeterministic skipped, ${finalNewline.length} differ only by the added final newline; ${withHtmlIndent} compared again formatted with htmlIndent`);
    expect(differ).toEqual([]);
    expect(compared).toBeGreaterThan(7000);
    expect(finalNewline.length).toBeLessThan(60);
  }, 300_000);
});
