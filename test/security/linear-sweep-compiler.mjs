// The compiler on hostile sources (issue #19 §1/§2: a sandbox's templates are hostile, and
// compile time is the host's). Generated source shapes of about n characters × the stages a
// source goes through, in both modes. Shared by bench/linear-sweep.mjs (--compiler) and
// test/security/linear-sweep.test.ts.
//
// `c` holds the compiler's entry points: { tokenize, parse, compile, format, diagnose,
// checkTypes, nunjucksTokens }.

const rep = (s, n) => s.repeat(Math.max(1, Math.floor(n / s.length)));

/** `k` repeats of `unit`, sized to n characters. */
const fill = (unit, n) => rep(unit, n);
/** A statement nested `depth` deep (bounded: the nesting limit is not what is measured), repeated to n. */
const nest = (open, body, close, depth, n) => fill(open.repeat(depth) + body + close.repeat(depth), n);

/** Source shapes; `end(kw)` is how the mode closes a block (`{% end %}` / `{% endif %}`). */
export const SOURCE_SHAPES = [
  { name: 'long text', make: (n) => rep('a', n) },
  { name: 'many {{ x }}', make: (n) => fill('{{ x }}', n) },
  { name: 'lines of {{ x }}', make: (n) => fill('  {{ x }}\n', n) },
  { name: 'nested ifs (depth 40)', make: (n, end) => nest('{% if x %}', 'a', end('if'), 40, n) },
  { name: 'nested fors (depth 40)', make: (n, end) => nest('{% for i in x %}', '{{ i }}', end('for'), 40, n) },
  { name: 'long ~ chain', make: (n) => `{{ a${rep(' ~ a', n)} }}` },
  { name: 'long + chain', make: (n) => `{{ 1${rep(' + 1', n)} }}` },
  { name: 'long filter chain', make: (n) => `{{ a${rep(' | upper', n)} }}` },
  { name: 'long list literal', make: (n) => `{{ [${rep('1, ', n)}1] }}` },
  { name: 'many blocks', make: (n, end) => Array.from({ length: Math.floor(n / 30) }, (_, i) => `{% block b${i} %}x${end('block')}`).join('') },
  { name: 'many defs', make: (n, end, mode) => Array.from({ length: Math.floor(n / 30) }, (_, i) => mode === 'nunjucks' ? `{% macro m${i}() %}x{% endmacro %}` : `{% def d${i}() %}x{% end %}`).join('') },
  { name: 'many sets', make: (n) => Array.from({ length: Math.floor(n / 20) }, (_, i) => `{% set v${i} = ${i} %}`).join('') },
  { name: 'attributes with statements', make: (n, end) => `<a ${fill(`t="{% if x %}{{ y }}${end('if')}" `, n)}>` },
  { name: 'elements with attributes', make: (n) => fill('<a href="{{ u }}" title=\'{{ t }}\' x={{ v }}>', n) },
  { name: 'script with outputs', make: (n) => `<script>${fill('var a = "{{ x }}"; ', n)}</script>` },
  { name: 'unterminated string', make: (n) => `{{ "${rep('a', n)}` },
  { name: 'unterminated comment', make: (n) => `{#${rep('a', n)}` },
  { name: 'unterminated tag', make: (n) => `{% if${rep(' a', n)}` },
  { name: 'unterminated output', make: (n) => `{{ x${rep(' ', n)}` },
  { name: 'unclosed blocks', make: (n) => fill('{% if x %}a', n) },
  { name: 'stray ends', make: (n, end) => fill(`a${end('if')}`, n) },
  { name: 'many errors', make: (n) => fill('{{ ) }}\n', n) },
  ...['{', '{%', '{{', '{#', '<', '"', "'", '}', '%}', '-', '\n', ' \n', '\\'].map((s) => ({ name: `${JSON.stringify(s)}×n`, make: (n) => rep(s, n) })),
  { name: '<a ×n in an attribute', make: (n) => `<p title="${rep('<a ', n)}{{ x }}">` },
  { name: 'raw block', make: (n, end, mode) => `{% raw %}${rep('{{ x }}', n)}${mode === 'nunjucks' ? '{% endraw %}' : '{% endraw %}'}` },
];

/** The stages a source goes through, each given (source, mode) and timed on its own. */
export function stages(c) {
  const opts = (mode) => (mode === 'nunjucks' ? { compat: 'nunjucks' } : {});
  return [
    { name: 'lexer', run: (s, mode) => c.tokenize(s, mode === 'nunjucks' ? { nunjucks: true } : {}) },
    { name: 'nunjucks token pass', only: 'nunjucks', run: (s) => c.nunjucksTokens(c.tokenize(s, { nunjucks: true })) },
    { name: 'parser', run: (s, mode) => c.parse(s, opts(mode)) },
    // analysis, the HTML attribute scan and codegen: the whole compile
    { name: 'compile', run: (s, mode) => c.compile(s, opts(mode)) },
    { name: 'compile, sandboxed', run: (s, mode) => c.compile(s, { ...opts(mode), sandbox: true }) },
    { name: 'formatter', only: 'kida', run: (s) => c.format(s) },
    { name: 'diagnose (LSP)', run: (s, mode) => c.diagnose(s, { ...opts(mode), validateCalls: true }) },
  ];
}

/** Every (shape, stage, mode) of the compiler sweep. */
export function compilerCases(c) {
  const out = [];
  for (const mode of ['kida', 'nunjucks'])
    for (const stage of stages(c))
      if (!stage.only || stage.only === mode)
        for (const shape of SOURCE_SHAPES)
          out.push({ id: `${mode} ${stage.name}: ${shape.name}`, mode, stage, shape });
  return out;
}

const end = (mode) => (kw) => (mode === 'nunjucks' ? `{% end${kw} %}` : '{% end %}');

/** The thunk timing case `k` at size n (the source made outside the clock; an error is an answer). */
export function compilerThunk(k, n) {
  const src = k.shape.make(n, end(k.mode), k.mode);
  return () => {
    try {
      return k.stage.run(src, k.mode);
    } catch (e) {
      if (!(e && typeof e === 'object' && 'code' in e) && !(e instanceof RangeError)) throw e;
      return e;
    }
  };
}
