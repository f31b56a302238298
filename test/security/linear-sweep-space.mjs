// The space of the linear-time sweep (issue #19 §2): every built-in of each mode, taken from the
// registries (so a new built-in is swept without anyone listing it) × a family of generated
// inputs of size n × a few argument shapes, each called through a compiled template, as a
// template calls it. Shared by bench/linear-sweep.mjs (the whole space, in child processes) and
// test/security/linear-sweep.test.ts (a fixed slice and every case ever found super-linear).
//
// `rt` holds what the registries live in: { filters, tests, globals, methods, njkSignatures,
// njkGlobals } (runtime modules, from the sources or from dist/), the lexer's `operators` and
// `compiles(mode, source)`.

const rep = (s, n) => s.repeat(Math.max(1, Math.floor(n / s.length)));
const items = (n) => Math.max(1, Math.floor(n / 8));

/**
 * Inputs of about n characters (or n/8 items). One character repeated, for each ASCII class a
 * scanner or regex may treat specially and a few non-ASCII ones; two-character alternations
 * that start and abandon a construct at every position; digit runs that fail at the end;
 * nested brackets; and collections whose repr is about n characters.
 */
const REPEATED = ['<', '&', 'a', ' ', '\n', '.', '-', '0', '(', '[', '{', '%', '\\', '"', "'", 'é', '\u0301', '😀', '\u2028'];
const ALTERNATIONS = ['<a', 'a<', '&#', '0.', 'a ', 'a\n', '%('];
/** Runs inside text (a regex anchored at the end rescans an inner run from each of its characters). */
const INNER_RUNS = [' ', '\n', '\t', '-', '0', '<', '_'];
const nestedList = (n) => {
  // 200 levels (bounded: the recursion limits are not what is measured), each with n/200 characters
  const depth = 200;
  let v = [];
  for (let i = 0; i < depth; i++) v = [v, rep('a', n / depth)];
  return v;
};
export const GENERATORS = withCore([
  ...REPEATED.map((c) => ({ name: `${JSON.stringify(c)}×n`, text: true, make: (n) => rep(c, n) })),
  ...ALTERNATIONS.map((c) => ({ name: `${JSON.stringify(c)}×n`, text: true, make: (n) => rep(c, n) })),
  ...INNER_RUNS.map((c) => ({ name: `x${JSON.stringify(c)}×nx`, text: true, make: (n) => `x${rep(c, n - 2)}x` })),
  { name: 'digits+x', text: true, make: (n) => `${rep('1', n - 1)}x` },
  { name: 'digits.digits+x', text: true, make: (n) => `${rep('1', n / 2)}.${rep('1', n / 2 - 2)}x` },
  { name: '[×n/2 ]×n/2', text: true, make: (n) => rep('[', n / 2) + rep(']', n / 2) },
  { name: '({×n/2 })×n/2', text: true, make: (n) => rep('({', n / 2) + rep('})', n / 2) },
  { name: 'list of n/8 strings', make: (n) => Array.from({ length: items(n) }, (_, i) => `s${i % 1000}`) },
  { name: 'list of n/8 ints', make: (n) => Array.from({ length: items(n) }, (_, i) => (i * 7919) % 100_003) },
  { name: 'dict of n/12 keys', make: (n) => Object.fromEntries(Array.from({ length: items(n / 1.5) }, (_, i) => [`k${i}`, i])) },
  { name: 'n/24 dicts sharing a key', make: (n) => Array.from({ length: items(n / 3) }, (_, i) => ({ k: `v${i % 97}`, n: i })) },
  { name: 'nested lists, depth 200', make: nestedList },
]);
/**
 * The generators every argument shape is swept with; the shapes whose arguments are small and
 * fixed (`(2)`, `(",")`, …) change little of what a built-in does with its input, and take these only.
 */
function withCore(gens) {
  const core = new Set(['"<"×n', '"&"×n', '"a"×n', '" "×n', '"\\n"×n', '"é"×n', '"😀"×n', '"<a"×n', '"%("×n', 'x" "×nx', 'digits+x',
    'list of n/8 strings', 'list of n/8 ints', 'dict of n/12 keys', 'n/24 dicts sharing a key', 'nested lists, depth 200']);
  return gens.map((g) => ({ ...g, core: core.has(g.name) }));
}
/** Short inputs, for the shapes whose argument carries the size. */
export const SHORT = [
  { name: '"ab"', text: true, make: () => 'ab' },
  { name: '"a b\\nc"', text: true, make: () => 'a b\nc' },
];

/**
 * Argument shapes. `args(n, big)` gives the arguments, `big` being the input's text at size n
 * (or "a"×n for collections). Shapes with `sized` take their size from the argument and run on
 * the SHORT inputs; shapes with `all` run on every generator, the others on the core ones.
 */
export const ARG_SHAPES = [
  { name: '()', all: true, args: () => [] },
  { name: '(2)', args: () => [2] },
  { name: '("a")', all: true, args: () => ['a'] },
  { name: '(" ")', args: () => [' '] },
  { name: '("<")', args: () => ['<'] },
  { name: '(",")', args: () => [','] },
  { name: '("k")', args: () => ['k'] },
  { name: '("upper")', args: () => ['upper'] },
  { name: '(2, true)', args: () => [2, true] },
  { name: '("a", "b")', args: () => ['a', 'b'] },
  { name: '({"k": 1})', args: () => [{ k: 1 }] },
  { name: '(big)', all: true, args: (n, big) => [big] },
  { name: '(big, big)', all: true, args: (n, big) => [big, big] },
  { name: '("a", big)', all: true, args: (n, big) => ['a', big] },
  { name: '(big, "a")', all: true, args: (n, big) => [big, 'a'] },
  { name: '(n)', sized: true, args: (n) => [n] },
  { name: '(2, n)', sized: true, args: (n) => [2, n] },
  { name: '("%" + n + "s")', sized: true, args: (n) => [`%${n}s`] },
  { name: '("{:" + n + "}")', sized: true, args: (n) => [`{:${n}}`] },
];

/** The shapes the Markup variants (`v | safe | f`) are swept with. */
const SAFE_SHAPES = new Set(['()', '("a")', '(big)', '(big, big)', '("a", big)']);

/**
 * The binary operators (arithmetic coercion of strings, `%`-formatting, repetition, comparison,
 * membership): the lexer's operator tokens (`rt.operators`) that make `v OP v` an expression in
 * `mode`, and the word operators.
 */
function operators(rt, mode) {
  const words = ['in', 'not in', 'and', 'or'];
  return [...rt.operators, ...(mode === 'nunjucks' ? ['===', '!=='] : []), ...words].filter(
    (op) => !STRUCTURAL.has(op) && rt.compiles(mode, `{{ v ${op} w }}`),
  );
}
/** Tokens that compile between two names but are not operators over values (access, pipes, calls). */
const STRUCTURAL = new Set(['.', '?.', '?[', '|', '?|', '|>', '?|>', ',', ':', '(', ')', '[', ']', '{', '}', '?', '!', '=', '...']);

/** The built-ins of each mode, from the registries. */
export function builtins(rt) {
  const own = (o) => Object.keys(o).filter((k) => !k.startsWith('__'));
  const jsMethods = (proto) =>
    Object.getOwnPropertyNames(proto).filter((k) => k !== 'constructor' && typeof proto[k] === 'function' && /^[a-z]\w*$/i.test(k));
  return {
    kida: {
      filter: own(rt.filters.filters),
      // (the Markup paths: markupsafe methods escape their arguments, filters keep safeness)
      'filter on safe': own(rt.filters.filters),
      'method on safe': rt.methods.methodNames(),
      test: own(rt.tests.tests),
      global: own(rt.globals.builtinGlobals),
      method: rt.methods.methodNames(),
      operator: operators(rt, 'kida'),
    },
    nunjucks: {
      filter: own(rt.njkSignatures.njkFilterParams),
      'filter on safe': own(rt.njkSignatures.njkFilterParams),
      test: own(rt.njkSignatures.njkTestParams),
      global: own(rt.njkGlobals.nunjucksGlobals()),
      // Nunjucks lets templates call any JavaScript method of a string or an array
      method: [...new Set([...jsMethods(String.prototype), ...jsMethods(Array.prototype)])].sort(),
      operator: operators(rt, 'nunjucks'),
    },
  };
}

/** The template calling built-in `name` of `kind` on `v` with arguments a0…a(argc-1). */
export function templateFor(kind, name, argc) {
  const a = Array.from({ length: argc }, (_, i) => `a${i}`);
  const paren = argc ? `(${a.join(', ')})` : '';
  switch (kind) {
    case 'filter':
      return `{{ v | ${name}${paren} }}`;
    case 'filter on safe':
      return `{{ v | safe | ${name}${paren} }}`;
    case 'method on safe':
      return `{{ (v | safe).${name}(${a.join(', ')}) }}`;
    case 'operator':
      return `{{ v ${name} ${argc ? 'a0' : 'v'} }}`;
    case 'test':
      return `{{ v is ${name}${paren} }}`;
    case 'global':
      return `{{ ${name}(${['v', ...a].join(', ')}) }}`;
    case 'method':
      return `{{ v.${name}(${a.join(', ')}) }}`;
  }
  throw new Error(kind);
}

/**
 * The template reaching a built-in that has no syntax of its own (Kida's `in` test: `is in` is
 * the operator): tests through `select`.
 */
export function fallbackFor(kind, name, argc) {
  if (kind !== 'test') return null;
  const a = Array.from({ length: argc }, (_, i) => `, a${i}`).join('');
  return `{{ [v] | select(${JSON.stringify(name)}${a}) | list }}`;
}

/** Every case of `mode`, in a fixed order: { id, kind, name, gen, shape }. */
export function cases(rt, mode) {
  const out = [];
  for (const [kind, names] of Object.entries(builtins(rt)[mode])) {
    for (const name of names) {
      for (const shape of ARG_SHAPES) {
        for (const gen of shape.sized ? SHORT : GENERATORS) {
          if (!shape.sized && !shape.all && !gen.core) continue;
          if (kind.endsWith('on safe') && (!gen.text || !SAFE_SHAPES.has(shape.name))) continue;
          out.push({ id: `${mode} ${kind} ${name} ${gen.name} ${shape.name}`, kind, name, gen, shape });
        }
      }
    }
  }
  return out;
}

/** The context of case `c` at size n. Lists and dicts are copied per render: some methods mutate. */
export function contextFor(c, n, cache = new Map()) {
  const key = `${c.gen.name}@${n}`;
  let v = cache.get(key);
  if (v === undefined) cache.set(key, (v = c.gen.make(n)));
  const big = c.gen.text ? v : rep('a', n);
  const args = c.shape.args(n, big);
  return () => {
    const ctx = { v: Array.isArray(v) ? v.slice() : v !== null && typeof v === 'object' ? { ...v } : v };
    args.forEach((a, i) => (ctx[`a${i}`] = a));
    return ctx;
  };
}
