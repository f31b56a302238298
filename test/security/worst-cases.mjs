// Hostile inputs of a chosen size for every built-in filter, test, method, global and the other
// paths data reaches (number parsing, %-formatting, str.format, escaping, the lexer). Shared by
// test/security/linear-time.test.ts (sources, 100 KB vs 200 KB) and bench/worst-cases.mjs (dist,
// 1 MB). Each case is `[label, make]`: `make(n)` builds inputs of about n characters (or n/8
// items) outside the clock and returns the thunk to time. Each input aims at the quadratic
// behaviour the implementation could have: backtracking regexes, rescans, copies per step.
//
// `rt` holds the runtime modules: { filters, tests, methods, globals, values, markup, markdown,
// output, compile } (compile(source) → a function rendering it with a context).

/** Builds the tables of cases for the runtime modules `rt`. */
export function worstCases(rt) {
  const { filters: F, tests: T, methods: M, globals: G, values: V, markup: MK, markdown: MD, output: O } = rt;
  const { Tuple, Kwargs, PyFloat } = V;
  const tup = (...xs) => V.tuple(xs);
  const rep = (s, n) => s.repeat(Math.max(1, Math.floor(n / s.length)));
  const items = (n) => Math.max(1, Math.floor(n / 8));
  const range = (k) => Array.from({ length: k }, (_, i) => i);
  const env = { autoescape: true, strict: true, filters: F.filters, tests: T.tests };
  const f = (name, ...args) => (v) => () => F.filters[name](v, ...args);
  const fe = (name, ...args) => (v) => () => F.filters[name].call(env, v, ...args);
  /** `fn(...made)` where each argument is made first (outside the clock); a throw is an answer too. */
  const later = (fn, ...made) => () => {
    try {
      return fn(...made);
    } catch (e) {
      // (hostile input may rightly raise a template error: only the time counts)
      if (!String(e?.code).startsWith('K-')) throw e;
    }
  };
  const call = (obj, name, ...args) => () => M.pyMethod(obj, name)(...args);
  const g = (name, ...args) => () => G.builtinGlobals[name](...args);
  const quiet = (thunk) => () => {
    const w = process.stderr.write;
    process.stderr.write = () => true;
    try {
      return thunk();
    } finally {
      process.stderr.write = w;
    }
  };
  const nested = (k) => {
    let v = [];
    for (let i = 0; i < k; i++) v = [v, i];
    return v;
  };
  const digits = (n) => rep('1', n) + 'x';
  /** A long string at the bottom of lists nested n/200 deep (what copies a level's text per level pays for). */
  const deepString = (n) => {
    let v = [rep('x"', n / 2), 1];
    for (let i = 0; i < Math.min(n / 200, 1000); i++) v = [v, i];
    return v;
  };
  const req = (h) => ({ headers: h });
  /** A Map keyed by fresh tuples (i, "x"), n/8 of them. */
  const tupleMap = (n) => new Map(range(items(n)).map((i) => [tup(i, 'x'), i]));
  const exhaust = (it) => () => {
    for (const _ of it()) void _;
  };

  const filters = {
    upper: [['ß×n', (n) => f('upper')(rep('ß', n))]],
    lower: [['İ×n', (n) => f('lower')(rep('İ', n))]],
    capitalize: [['ǆ + A×n', (n) => f('capitalize')('ǆ' + rep('A', n))]],
    title: [['aB ×n', (n) => f('title')(rep("aB 'ǆ", n))]],
    trim: [
      ['spaces x spaces', (n) => f('trim')(rep(' ', n / 2) + 'x' + rep(' ', n / 2))],
      ['chars of size n', (n) => f('trim', rep('ab', n))(rep('ab', n) + 'c')],
    ],
    replace: [
      ['aa in a×n, count', (n) => f('replace', 'aa', 'b', n)(rep('a', n))],
      ['"" in a×n, count', (n) => f('replace', '', '-', n)(rep('a', n))],
      ['a → <  all', (n) => f('replace', 'a', '$&<')(rep('a', n))],
    ],
    truncate: [
      ['words', (n) => f('truncate', n / 2)(rep('a ', n))],
      ['one word', (n) => f('truncate', n / 2, false, rep('.', n / 4))(rep('a', n))],
    ],
    center: [['x×n in 2n', (n) => f('center', 2 * n)(rep('x', n))]],
    indent: [
      ['newlines', (n) => f('indent', 2, true)(rep('\n', n))],
      ['CRLF lines', (n) => f('indent')(rep('a\r\n', n))],
    ],
    wordwrap: [
      ['one long word', (n) => f('wordwrap', 10)(rep('a', n))],
      ['hyphenated', (n) => f('wordwrap', 10)(rep('ab-', n))],
      ['dashes', (n) => f('wordwrap', 10)(rep('-', n))],
      ['double dashes', (n) => f('wordwrap', 10)(rep('a--', n))],
      ['words', (n) => f('wordwrap', 7)(rep('ab cd\t', n))],
      ['long word, no break', (n) => f('wordwrap', 10, false)(rep('ab', n) + rep(' x', n / 4))],
    ],
    format: [
      ['% then digits', (n) => f('format', [1])('%' + rep('1', n))],
      ['%. digits', (n) => f('format', [1])('%' + rep('1.', n))],
      ['{ without }', (n) => later(F.filters.format, rep('{a', n), [1])], // (Python: ValueError, expected '}')
      ['nested specs', (n) => f('format', [1])(rep('{0:{0}}', n))],
      ['field of [', (n) => later(F.filters.format, '{0' + rep('[', n) + '}', [1])], // (Python: ValueError, Missing ']')
      ['many fields', (n) => f('format', [1])(rep('{0}', n))],
    ],
    wordcount: [['a ×n', (n) => f('wordcount')(rep('a \u3000', n))]],
    slug: [
      ['dashes', (n) => f('slug')(rep('-', n) + 'a')],
      ['a-', (n) => f('slug')(rep('a- ', n))],
    ],
    pluralize: [['suffix of commas', (n) => f('pluralize', rep(',a', n))(2)]],
    striptags: [
      ['< ×n', (n) => f('striptags')(rep('<', n))],
      ['<a ×n', (n) => f('striptags')(rep('<a', n))],
      ['<> ×n', (n) => f('striptags')(rep('<a>b', n))],
    ],
    urlencode: [['€ ×n', (n) => f('urlencode')(rep('€ &', n))]],
    escape: [['< ×n', (n) => f('escape')(rep('<&"', n))]],
    safe: [['x ×n', (n) => f('safe')(rep('x', n))]],
    xmlattr: [
      ['many keys', (n) => f('xmlattr')(Object.fromEntries(range(items(n)).map((i) => ['k' + i, '<' + i])))],
      ['long key and value', (n) => f('xmlattr')({ [rep('k', n)]: rep('<', n) })],
    ],
    csp_nonce: [
      // (Markup: a plain string is escaped, only Markup's tags are scanned)
      ['<script without >', (n) => f('csp_nonce', 'abc')(new MK.Markup(rep('<script ', n)))],
      ['< ×n', (n) => f('csp_nonce', 'abc')(new MK.Markup(rep('<', n)))],
      ['plain <script without >', (n) => f('csp_nonce', 'abc')(rep('<script ', n))],
    ],
    length: [['astral ×n', (n) => f('length')(rep('😀', n))]],
    first: [['list', (n) => f('first')(range(items(n)))]],
    last: [['string', (n) => f('last')(rep('ab', n))]],
    join: [
      ['strings', (n) => f('join', ', ')(range(items(n)).map(String))],
      ['Markup separator', (n) => f('join', new MK.Markup('<br>'))(range(items(n)).map((i) => '<' + i))],
    ],
    reverse: [['list', (n) => f('reverse')(range(items(n)))]],
    sort: [
      ['numbers', (n) => f('sort')(range(items(n)).reverse())],
      ['shared prefix', (n) => f('sort')(range(items(n) / 8).map((i) => rep('p', 64) + (1e6 - i)))],
      ['by attribute', (n) => f('sort', false, false, 'a,b')(range(items(n) / 2).map((i) => ({ a: i % 7, b: -i })))],
    ],
    dictsort: [['keys', (n) => f('dictsort')(Object.fromEntries(range(items(n)).map((i) => ['k' + (1e6 - i), i])))]],
    unique: [
      ['numbers', (n) => f('unique')(range(items(n)))],
      ['tuples', (n) => f('unique')(range(items(n) / 2).map((i) => tup(i, 'a')))],
      ['floats', (n) => f('unique')(range(items(n)).map((i) => new PyFloat(i)))],
      ['strings', (n) => f('unique')(range(items(n)).map((i) => 'S' + i))],
    ],
    groupby: [['dicts', (n) => f('groupby', 'g')(range(items(n) / 2).map((i) => ({ g: i % 100 })))]],
    map: [
      ['attribute', (n) => f('map', [], 'a')(range(items(n)).map((i) => ({ a: i })))],
      ['method', (n) => f('map', ['upper'])(range(items(n)).map(String))],
    ],
    select: [
      ['odd', (n) => fe('select', 'odd', [])(range(items(n)))],
      ['match a*a*b on long strings', (n) => fe('select', 'match', ['a*a*b'])(range(8).map(() => rep('a', n / 8)))],
    ],
    reject: [['in', (n) => fe('reject', 'in', [[1, 2, 3]])(range(items(n)))]],
    selectattr: [['dotted', (n) => fe('selectattr', 'a.b', 'even', [])(range(items(n)).map((i) => ({ a: { b: i } })))]],
    rejectattr: [['plain', (n) => fe('rejectattr', 'a', null, [])(range(items(n)).map((i) => ({ a: i })))]],
    batch: [['3', (n) => f('batch', 3, 0)(range(items(n)))]],
    slice: [['3', (n) => f('slice', 3)(range(items(n)))]],
    take: [['half', (n) => f('take', items(n) / 2)(range(items(n)))]],
    skip: [['half', (n) => f('skip', items(n) / 2)(range(items(n)))]],
    compact: [['mixed', (n) => f('compact')(range(items(n)).map((i) => (i % 2 ? i : null)))]],
    sum: [
      ['numbers', (n) => f('sum')(range(items(n)))],
      ['lists', (n) => f('sum', null, [])(range(items(n) / 4).map((i) => [i]))],
      ['tuples by attribute', (n) => f('sum', 'a', tup())(range(items(n) / 4).map((i) => ({ a: tup(i) })))],
    ],
    min: [['numbers', (n) => f('min')(range(items(n)).reverse())]],
    max: [['strings', (n) => f('max')(range(items(n)).map((i) => 's' + i))]],
    list: [['string', (n) => f('list')(rep('ab', n))]],
    attr: [['dict', (n) => f('attr', 'k')({ k: rep('x', n) })]],
    get: [['dict', (n) => f('get', 'k')(Object.fromEntries(range(items(n)).map((i) => ['k' + i, i])))]],
    random: [['list', (n) => f('random')(range(items(n)))]],
    shuffle: [['list', (n) => f('shuffle')(range(items(n)))]],
    classes: [['nested', (n) => f('classes')(range(items(n) / 2).map((i) => (i % 2 ? ['a' + i, ''] : 'b' + i)))]],
    abs: [['big int', (n) => f('abs')(-(10n ** BigInt(Math.min(n / 100, 20000))))]],
    round: [
      ['digits + letter', (n) => f('round', 2)(digits(n))],
      ['digits.digits + letter', (n) => f('round', 1, 'floor')(rep('1', n / 2) + '.' + rep('1', n / 2) + 'e')],
    ],
    int: [
      ['digits + letter', (n) => f('int')(digits(n))],
      ['0x digits + g', (n) => f('int')('0x' + rep('f', n) + 'g')],
      ['underscores', (n) => f('int')(rep('1_', n) + 'x')],
    ],
    float: [
      ['digits + letter', (n) => f('float')(digits(n))],
      ['digits . digits e', (n) => f('float')(rep('1', n / 2) + '.' + rep('1', n / 2) + 'e')],
      ['digits e digits x', (n) => f('float')('1e' + rep('1', n) + 'x')],
      ['long valid', (n) => f('float')(rep('1', n / 2) + '.' + rep('1', n / 2))],
    ],
    string: [
      ['nested list', (n) => f('string')(range(items(n)).map((i) => [i, 'a']))],
      ['deep list, long string', (n) => f('string')(deepString(n))],
    ],
    decimal: [['digits + letter', (n) => f('decimal')(digits(n))]],
    format_number: [['digits + letter', (n) => f('format_number', 2)(digits(n))]],
    commas: [['digits + letter', (n) => f('commas')(digits(n))]],
    filesizeformat: [['digits + letter', (n) => f('filesizeformat')(digits(n))]],
    tojson: [
      ['string', (n) => f('tojson')(rep('</\u2028"', n))],
      ['nested', (n) => f('tojson')(nested(Math.min(n / 200, 1000)))],
      ['deep list, long string', (n) => f('tojson')(deepString(n))],
      ['indented list', (n) => f('tojson', 2)(range(items(n)))],
    ],
    typeof: [['list', (n) => f('typeof')(range(items(n)))]],
    date: [['long format', (n) => f('date', rep('%Y-%%', n))(0)]],
    default: [['string', (n) => f('default', 'x')(rep('x', n))]],
    require: [['string', (n) => f('require')(rep('x', n))]],
    debug: [['list', (n) => quiet(f('debug')(range(items(n)).map((i) => rep('x', 20) + i)))]],
    pprint: [
      ['list', (n) => f('pprint')(range(items(n)))],
      ['long string', (n) => f('pprint')(rep('word ', n))],
      ['dict of lists', (n) => f('pprint')(Object.fromEntries(range(items(n) / 8).map((i) => ['k' + i, [i, 'v']])))],
      ['nested', (n) => f('pprint')(nested(Math.min(n / 200, 1000)))],
      ['deep list, long string', (n) => f('pprint')(deepString(n))],
    ],
  };
  // the aliases share their filter's cases
  filters.d = filters.default;
  filters.e = filters.escape;
  filters.strip = filters.trim;
  filters.count = filters.length;

  const withPct = (n) => rep('%', n);
  const tests = {
    callable: [['list', (n) => later(T.tests.callable, range(items(n)))]],
    defined: [['string', (n) => later(T.tests.defined, rep('x', n))]],
    divisibleby: [
      ['big int', (n) => later(T.tests.divisibleby, 10n ** BigInt(Math.min(n / 50, 20000)), 7)],
      ['%-string', (n) => later(T.tests.divisibleby, rep('%(', n), 3)],
    ],
    eq: [
      ['lists', (n) => later(T.tests.eq, range(items(n)), range(items(n)))],
      // (equal tuples are distinct objects: Map.get and Set.has miss, runtime/eqindex.ts)
      ['Maps with tuple keys', (n) => later(T.tests.eq, tupleMap(n), tupleMap(n))],
      ['sets of tuples', (n) => later(T.tests.eq, new Set(tupleMap(n).keys()), new Set(tupleMap(n).keys()))],
      ['dict vs Map with tuple keys', (n) => later(T.tests.eq, Object.fromEntries(range(items(n)).map((i) => ['k' + i, i])), tupleMap(n))],
    ],
    equalto: [['strings', (n) => later(T.tests.equalto, rep('a', n), rep('a', n))]],
    even: [['%-string', (n) => later(T.tests.even, rep('%0', n) + '!')]],
    odd: [['%-string', (n) => later(T.tests.odd, '%' + rep('0', n) + '!')]],
    false: [['list', (n) => later(T.tests.false, range(items(n)))]],
    true: [['list', (n) => later(T.tests.true, range(items(n)))]],
    ge: [['strings', (n) => later(T.tests.ge, rep('a', n), rep('a', n) + 'b')]],
    gt: [['tuples', (n) => later(T.tests.gt, V.tuple(range(items(n))), V.tuple(range(items(n))))]],
    greaterthan: [['strings', (n) => later(T.tests.greaterthan, rep('a', n), rep('a', n))]],
    le: [['lists', (n) => later(T.tests.le, range(items(n)), range(items(n)))]],
    lt: [['strings', (n) => later(T.tests.lt, rep('a', n), rep('a', n))]],
    lessthan: [['strings', (n) => later(T.tests.lessthan, rep('ab', n), rep('ab', n))]],
    in: [
      ['substring', (n) => later(T.tests.in, rep('a', n / 2) + 'b', rep('a', n))],
      ['list', (n) => later(T.tests.in, -1, range(items(n)))],
      ['set', (n) => later(T.tests.in, -1, new Set(range(items(n))))],
      ['tuple in a Map with tuple keys', (n) => later(T.tests.in, tup(-1, 'x'), tupleMap(n))],
    ],
    iterable: [['string', (n) => later(T.tests.iterable, rep('x', n))]],
    lower: [['string', (n) => later(T.tests.lower, rep('aß', n) + 'A')]],
    upper: [['string', (n) => later(T.tests.upper, rep('AB', n) + 'a')]],
    mapping: [['dict', (n) => later(T.tests.mapping, Object.fromEntries(range(items(n)).map((i) => ['k' + i, i])))]],
    ne: [
      ['dicts', (n) => { const d = Object.fromEntries(range(items(n)).map((i) => ['k' + i, i])); return later(T.tests.ne, d, { ...d }); }],
      ['Maps with tuple keys, last value differs', (n) => { const b = tupleMap(n); b.set([...b.keys()].at(-1), -1); return later(T.tests.ne, tupleMap(n), b); }],
    ],
    none: [['string', (n) => later(T.tests.none, rep('x', n))]],
    number: [['string', (n) => later(T.tests.number, rep('1', n))]],
    sameas: [['list', (n) => later(T.tests.sameas, range(items(n)), [])]],
    sequence: [['string', (n) => later(T.tests.sequence, rep('x', n))]],
    string: [['string', (n) => later(T.tests.string, rep('x', n))]],
    undefined: [['string', (n) => later(T.tests.undefined, rep('x', n))]],
    mapping_: undefined,
    match: [
      ['a*b on a×n', (n) => later(T.tests.match, rep('a', n), 'a*b')],
      ['\\d+$ on digits', (n) => later(T.tests.match, rep('1', n) + 'x', '\\d+$')],
      // (quadratic or worse on V8's backtracking RegExp, even anchored: runtime/regex.ts)
      ['a*a*b on a×n', (n) => later(T.tests.match, rep('a', n), 'a*a*b')],
      ['.*.*x on a×n', (n) => later(T.tests.match, rep('a', n), '.*.*x')],
      ['\\s*\\s*$ on spaces + x', (n) => later(T.tests.match, rep(' ', n) + 'x', '\\s*\\s*$')],
      ['(\\w+\\s?)*$ on words + !', (n) => later(T.tests.match, rep('ab ', n) + '!', '(\\w+\\s?)*$')],
      ['(?i)[a-z]*[a-z]*1 on A×n', (n) => later(T.tests.match, rep('A', n), '(?i)[a-z]*[a-z]*1')],
    ],
    hx_request: [['headers', (n) => later(T.tests.hx_request, req({ 'HX-Request': rep('x', n) }))]],
    hx_target: [['headers', (n) => later(T.tests.hx_target, req({ 'HX-Target': rep('x', n) }), rep('x', n))]],
    hx_boosted: [['headers', (n) => later(T.tests.hx_boosted, req({ 'hx-boosted': rep('x', n) }))]],
  };
  delete tests.mapping_;

  const str = (n) => rep('ab c', n);
  const ws = (n) => rep('a \t', n);
  const methods = {
    upper: [['str', (n) => call(rep('ß', n), 'upper')]],
    lower: [['str', (n) => call(rep('A', n), 'lower')]],
    title: [['str', (n) => call(str(n), 'title')]],
    capitalize: [['str', (n) => call(rep('aB', n), 'capitalize')]],
    swapcase: [['str', (n) => call(rep('aB', n), 'swapcase')]],
    strip: [
      ['whitespace', (n) => call(rep(' ', n / 2) + 'x' + rep(' ', n / 2), 'strip')],
      ['long chars', (n) => call(rep('ab', n) + 'c' + rep('ab', n), 'strip', rep('ba', n))],
    ],
    lstrip: [['long chars', (n) => call(rep('ab', n) + 'c', 'lstrip', rep('ba', n))]],
    rstrip: [['long chars', (n) => call('c' + rep('ab', n), 'rstrip', rep('ba', n))]],
    split: [
      ['whitespace, maxsplit', (n) => call(ws(n), 'split', null, n)],
      ['separator', (n) => call(rep('a,', n), 'split', ',', n / 4)],
    ],
    rsplit: [
      ['whitespace, maxsplit', (n) => call(ws(n), 'rsplit', null, n)],
      ['separator, maxsplit', (n) => call(rep('a,', n), 'rsplit', ',', n / 4)],
    ],
    splitlines: [['lines', (n) => call(rep('a\r\n\n', n), 'splitlines')]],
    join: [['list', (n) => call(', ', 'join', range(items(n)).map(String))]],
    replace: [
      ['count', (n) => call(rep('a', n), 'replace', 'a', 'bb', n)],
      ['all', (n) => call(rep('a', n), 'replace', 'a', 'bb')],
      ['"" with count', (n) => call(rep('a', n), 'replace', '', '-', n / 2)],
    ],
    startswith: [['tuple of prefixes', (n) => call(rep('a', n), 'startswith', range(64).map((i) => rep('a', n / 128) + i), 1, n)]],
    endswith: [['long suffix', (n) => call(rep('a', n), 'endswith', 'b' + rep('a', n / 2))]],
    find: [['periodic needle', (n) => call(rep('a', n), 'find', rep('a', n / 2) + 'b')]],
    rfind: [['periodic needle', (n) => call(rep('a', n), 'rfind', 'b' + rep('a', n / 2))]],
    index: [
      ['str', (n) => later(M.pyMethod(rep('ab', n), 'index'), rep('ab', n / 4) + 'x')],
      ['list', (n) => call(range(items(n)), 'index', items(n) - 1)],
    ],
    rindex: [['str', (n) => call(rep('ab', n), 'rindex', 'b' + rep('ab', n / 4))]],
    count: [
      ['str', (n) => call(rep('a', n), 'count', 'aa')],
      ['list', (n) => call(range(items(n)), 'count', 1)],
    ],
    format: [
      ['fields', (n) => call(rep('{0:>3}', n), 'format', 1)],
      ['field of [', (n) => later(M.pyMethod('{0' + rep('[', n) + '}', 'format'), [1])],
      ['big int with ,', (n) => call('{:,}', 'format', 10n ** BigInt(Math.min(n / 10, 40000)))],
    ],
    isdigit: [['digits + x', (n) => call(digits(n), 'isdigit')]],
    isnumeric: [['digits + x', (n) => call(digits(n), 'isnumeric')]],
    isdecimal: [['digits + x', (n) => call(digits(n), 'isdecimal')]],
    isalpha: [['letters + 1', (n) => call(rep('a', n) + '1', 'isalpha')]],
    isalnum: [['letters + !', (n) => call(rep('a1', n) + '!', 'isalnum')]],
    isspace: [['spaces + x', (n) => call(rep(' ', n) + 'x', 'isspace')]],
    isupper: [['str', (n) => call(rep('A1', n), 'isupper')]],
    islower: [['str', (n) => call(rep('a1', n), 'islower')]],
    istitle: [['str', (n) => call(rep('Ab ', n), 'istitle')]],
    center: [['wide', (n) => call(rep('x', n), 'center', 2 * n, '*')]],
    ljust: [['wide', (n) => call(rep('x', n), 'ljust', 2 * n)]],
    rjust: [['wide', (n) => call(rep('x', n), 'rjust', 2 * n)]],
    zfill: [['wide', (n) => call('-' + rep('1', n), 'zfill', 2 * n)]],
    partition: [['missing', (n) => call(rep('a', n), 'partition', rep('a', n / 2) + 'b')]],
    rpartition: [['missing', (n) => call(rep('a', n), 'rpartition', 'b' + rep('a', n / 2))]],
    removeprefix: [['long', (n) => call(rep('a', n), 'removeprefix', rep('a', n / 2))]],
    removesuffix: [['long', (n) => call(rep('a', n), 'removesuffix', rep('a', n / 2))]],
    encode: [['str', (n) => call(rep('x', n), 'encode')]],
    casefold: [['str', (n) => call(rep('ß', n), 'casefold')]],
    expandtabs: [['tabs', (n) => call(rep('\t', n), 'expandtabs')]],
    append: [['list', (n) => { const l = range(items(n)); return call(l, 'append', 1); }]],
    extend: [['long list', (n) => { const l = range(items(n)); return () => M.pyMethod([], 'extend')(l); }]],
    insert: [['front', (n) => { const l = range(items(n)); return call(l, 'insert', 0, 1); }]],
    pop: [
      ['list, front', (n) => { const l = range(items(n)); return () => { l.push(1); M.pyMethod(l, 'pop')(0); }; }],
      ['dict', (n) => { const d = Object.fromEntries(range(items(n)).map((i) => ['k' + i, i])); return call(d, 'pop', 'zz', 0); }],
    ],
    remove: [
      ['list, last', (n) => { const l = range(items(n)); return () => { l.push(-1); M.pyMethod(l, 'remove')(-1); }; }],
      ['set', (n) => { const s = new Set(range(items(n))); return () => { s.add(-1); M.pyMethod(s, 'remove')(-1); }; }],
    ],
    sort: [['list', (n) => { const l = range(items(n)).reverse(); return call(l, 'sort'); }]],
    reverse: [['list', (n) => { const l = range(items(n)); return call(l, 'reverse'); }]],
    copy: [
      ['list', (n) => call(range(items(n)), 'copy')],
      ['dict', (n) => call(Object.fromEntries(range(items(n)).map((i) => ['k' + i, i])), 'copy')],
    ],
    clear: [['list', (n) => { const l = range(items(n)); return () => M.pyMethod([...l], 'clear')(); }]],
    items: [['dict', (n) => call(Object.fromEntries(range(items(n)).map((i) => ['k' + i, i])), 'items')]],
    keys: [['Map', (n) => call(new Map(range(items(n)).map((i) => [i, i])), 'keys')]],
    values: [
      ['dict', (n) => call(Object.fromEntries(range(items(n)).map((i) => ['k' + i, i])), 'values')],
      ['Map', (n) => call(new Map(range(items(n)).map((i) => [i, i])), 'values')],
    ],
    get: [['Map, missing key', (n) => call(new Map(range(items(n)).map((i) => [i, i])), 'get', -1)]],
    update: [
      ['dict from pairs', (n) => { const p = range(items(n)).map((i) => ['k' + i, i]); return () => M.pyMethod({}, 'update')(p); }],
      ['set from numbers', (n) => { const l = range(items(n)); return () => M.pyMethod(new Set(), 'update')(l); }],
      ['set from floats', (n) => { const l = range(items(n)).map((i) => new PyFloat(i)); return () => M.pyMethod(new Set([0.5]), 'update')(l); }],
      ['Map from Map', (n) => { const m = new Map(range(items(n)).map((i) => [i, i])); return () => M.pyMethod(new Map(), 'update')(m); }],
    ],
    setdefault: [['dict', (n) => call(Object.fromEntries(range(items(n)).map((i) => ['k' + i, i])), 'setdefault', 'x', 1)]],
    popitem: [['dict', (n) => { const d = Object.fromEntries(range(items(n)).map((i) => ['k' + i, i])); return call(d, 'popitem'); }]],
    add: [['set', (n) => { const s = new Set(range(items(n))); return call(s, 'add', -1); }]],
    discard: [['set', (n) => { const s = new Set(range(items(n))); return call(s, 'discard', -1); }]],
    union: [['numbers', (n) => call(new Set(range(items(n))), 'union', range(items(n)).map((i) => -i - 1))]],
    intersection: [['numbers', (n) => call(new Set(range(items(n))), 'intersection', new Set(range(items(n)).map((i) => -i)))]],
    difference: [['numbers', (n) => call(new Set(range(items(n))), 'difference', range(items(n)).map((i) => -i))]],
    issubset: [['numbers', (n) => call(new Set(range(items(n))), 'issubset', range(items(n)))]],
    issuperset: [['numbers', (n) => call(new Set(range(items(n))), 'issuperset', range(items(n)))]],
  };

  const globals = {
    range: [['sum of range', (n) => later(G.builtinGlobals.sum, G.builtinGlobals.range(items(n)))]],
    dict: [
      ['int keys', (n) => g('dict', range(items(n)).map((i) => [i, i]))],
      ['str keys', (n) => g('dict', range(items(n)).map((i) => ['k' + i, i]))],
    ],
    list: [['string', (n) => g('list', rep('ab', n))]],
    set: [
      ['numbers', (n) => g('set', range(items(n)))],
      ['tuples', (n) => g('set', range(items(n) / 2).map((i) => tup(i, i)))],
      ['strings', (n) => g('set', range(items(n)).map((i) => 's' + i))],
    ],
    tuple: [['list', (n) => g('tuple', range(items(n)))]],
    len: [['astral', (n) => g('len', rep('😀', n))]],
    str: [['nested list', (n) => g('str', nested(Math.min(n / 200, 1000)))]],
    int: [
      ['digits', (n) => later(G.builtinGlobals.int, digits(n))],
      ['long valid', (n) => g('int', rep('7', Math.min(n, 4300)))], // (Python's limit: more digits are a ValueError)
      ['base 16', (n) => later(G.builtinGlobals.int, rep('f', n) + 'g', 16)],
    ],
    float: [['digits', (n) => later(G.builtinGlobals.float, digits(n))]],
    bool: [['list', (n) => g('bool', range(items(n)))]],
    abs: [['big int', (n) => g('abs', -(10n ** BigInt(Math.min(n / 100, 20000))))]],
    min: [['strings', (n) => g('min', range(items(n)).map((i) => 's' + (1e6 - i)))]],
    max: [['key', (n) => g('max', range(items(n)), new Kwargs({ key: (x) => -x }))]],
    sum: [
      ['floats', (n) => g('sum', range(items(n)).map((i) => i + 0.5))],
      ['lists', (n) => g('sum', range(items(n) / 4).map((i) => [i]), [])],
    ],
    sorted: [['reverse', (n) => g('sorted', range(items(n)), new Kwargs({ reverse: true }))]],
    reversed: [['string', (n) => exhaust(later(G.builtinGlobals.reversed, rep('ab', n)))]],
    enumerate: [['list', (n) => exhaust(later(G.builtinGlobals.enumerate, range(items(n))))]],
    zip: [['two lists', (n) => exhaust(later(G.builtinGlobals.zip, range(items(n)), range(items(n))))]],
    map: [['abs', (n) => exhaust(later(G.builtinGlobals.map, G.builtinGlobals.abs, range(items(n))))]],
    filter: [['None', (n) => exhaust(later(G.builtinGlobals.filter, null, range(items(n))))]],
    consume: [['default', (n) => g('consume', 'k', rep('x', n))]],
    _: [['string', (n) => g('_', rep('x', n))]],
    _n: [['strings', (n) => g('_n', rep('x', n), rep('y', n), 2)]],
    hx_request: [['no meta', () => g('hx_request')]],
    hx_target: [['no meta', () => g('hx_target')]],
    hx_trigger: [['no meta', () => g('hx_trigger')]],
    hx_boosted: [['no meta', () => g('hx_boosted')]],
    csrf_token: [['no meta', () => g('csrf_token')]],
    csp_nonce: [['no meta', () => g('csp_nonce')]],
  };

  const markdown = {};
  for (const name of Object.keys(MD.mdFilters)) markdown[name] = [['hostile string', (n) => later(MD.mdFilters[name], rep('`|<*_\n# -', n), rep('x', 8))]];
  markdown.table = [
    ['rows of dicts', (n) => later(MD.mdFilters.table, range(items(n) / 4).map((i) => ({ a: '|' + i, ['k' + (i % 50)]: i })))],
  ];

  // Other paths data reaches: number coercion of operands, %-formatting, str.format, repr and
  // escaping, the lexer and parser (hostile template sources in the sandbox).
  const paths = {
    'list * int': [['long list', (n) => later(V.mul, range(items(n)), 2)]],
    coerceNum: [
      ['digits + letter', (n) => later(V.coerceNum, digits(n))],
      ['digits.digits e', (n) => later(V.coerceNum, rep('1', n / 2) + '.' + rep('1', n / 2) + 'e')],
    ],
    'arithmetic on strings': [['"1…1x" * 1', (n) => later(V.mul, digits(n), 1.5)]],
    toInt: [['digits + letter', (n) => later(V.toInt, digits(n))]],
    floatOf: [['digits + letter', (n) => later(V.floatOf, digits(n))]],
    'printf %(': [['%( without )', (n) => later(V.printf, rep('%(', n), {})]],
    'printf flags': [['%0…0!', (n) => later(V.printf, '%' + rep('0', n) + '!', tup())]],
    'printf width': [['%1…1!', (n) => later(V.printf, '%' + rep('1', n) + '.' + rep('2', n) + '!', tup())]],
    'printf many': [['%s ×n', (n) => later(V.printf, rep('%s', n), V.tuple(range(n / 2).map(() => 'a')))]],
    strFormat: [['{ without }', (n) => later(M.strFormat, rep('{a', n), [], {})]],
    formatSpec: [
      ['long spec', (n) => later(V.formatSpec, 1, rep('0', n) + '!')],
      ['grouping a big int', (n) => later(V.formatSpec, 10n ** BigInt(Math.min(n / 10, 40000)), ',')],
    ],
    pyRepr: [
      ['nested lists', (n) => later(V.pyRepr, nested(Math.min(n / 200, 1000)))],
      ['deep list, long string', (n) => later(V.pyRepr, deepString(n))],
      ['deep dict, long string', (n) => { let d = { k: rep('x', n) }; for (let i = 0; i < Math.min(n / 200, 1000); i++) d = { k: d }; return later(V.pyStr, d); }],
    ],
    escapeString: [['<&"', (n) => later(MK.escapeString, rep('<&"\'', n))]],
    escapeMarkdown: [
      ['block markers', (n) => later(MK.escapeMarkdown, rep('\n   -  ', n))],
      ['dash lines', (n) => later(MK.escapeMarkdown, rep('\n' + rep('-', 50) + ' x', n))],
      ['digits', (n) => later(MK.escapeMarkdown, rep('\n123456789', n))],
    ],
    spaceless: [['spaces without <', (n) => later(O.spaceless, rep('>   ', n))]],
  };
  if (rt.compile) {
    const lex = (label, src) => [label, (n) => { const s = src(n); return later(rt.compile, s); }];
    paths.lexer = [
      lex('text', (n) => rep('a {', n)),
      lex('unclosed comment', (n) => '{#' + rep('{#', n)),
      lex('unclosed string', (n) => '{{ "' + rep('\\"', n)),
      lex('long expression', (n) => '{{ ' + rep('a ~ ', n) + 'a }}'),
      lex('raw', (n) => '{% raw %}' + rep('{% endra', n)),
      lex('number', (n) => '{{ ' + rep('1', n) + 'e }}'),
      lex('whitespace', (n) => '{{' + rep(' ', n) + 'x }}'),
      lex('spaces before {%-', (n) => 'a' + rep(' ', n) + 'b{%- if 1 %}x{% end %}'),
      lex('indent before a block (lstrip)', (n) => rep('\n' + rep(' ', 64) + 'x', n) + '\n  {% if 1 %}x{% end %}'),
    ];
  }
  return { filters, tests, methods, globals, markdown, paths };
}
