// What the compiler binds calls against, without loading the built-ins themselves: the
// parameter lists of the built-in filters (filters.ts), tests (tests.ts) and Markdown-mode
// filters (markdown.ts), and the names of the built-in globals (globals.ts) and of the Python
// methods attribute lookup resolves (methods.ts). Loading those modules cost a build about 60 M
// instructions; test/unit/signatures.test.ts checks that these lists match them.
//
// A parameter list names the parameters after the value, in order (`*name`: varargs, passed as
// one array; `**name`: keyword arguments, passed as one plain object); its keys are the set of
// known names (an unknown filter or test is a compile-time error).

/** Filters called with `this` bound to a FilterEnv (they resolve test names through it). */
export const filterNeedsEnv: Set<string> = new Set(['select', 'reject', 'selectattr', 'rejectattr']);

/** The built-in filters (filters.ts). */
export const filterParams: Record<string, string[]> = {
  upper: [], lower: [], capitalize: [], title: [], trim: ['chars'], strip: ['chars'],
  replace: ['old', 'new', 'count'], truncate: ['length', 'killwords', 'end', 'leeway'], center: ['width'],
  indent: ['width', 'first'], wordwrap: ['width', 'break_long_words'], format: ['*args', '**kwargs'],
  wordcount: [], slug: [], pluralize: ['suffix'], striptags: [], urlencode: [], escape: [], e: [],
  safe: ['reason'], xmlattr: [], csp_nonce: ['nonce'],
  length: [], count: [], first: [], last: [], join: ['separator'], reverse: [],
  sort: ['reverse', 'case_sensitive', 'attribute'], dictsort: ['case_sensitive', 'by', 'reverse'],
  unique: ['case_sensitive', 'attribute'], groupby: ['attribute'], map: ['*args', 'attribute'],
  select: ['test_name', '*args'], reject: ['test_name', '*args'], selectattr: ['attr', 'test_name', '*args'],
  rejectattr: ['attr', 'test_name', '*args'], batch: ['linecount', 'fill_with'], slice: ['slices', 'fill_with'],
  take: ['count'], skip: ['count'], compact: ['truthy'], sum: ['attribute', 'start'], min: ['attribute'],
  max: ['attribute'], list: [], attr: ['name'], get: ['key', 'default'], random: [], shuffle: [], classes: [],
  abs: [], round: ['precision', 'method', 'strict'], int: ['default', 'strict'], float: ['default', 'strict'],
  string: [], decimal: ['places', 'strict'], format_number: ['decimal_places', 'strict'], commas: [],
  filesizeformat: ['binary'], tojson: ['indent', 'attr'], typeof: [], date: ['format'],
  default: ['default', 'boolean'], d: ['default', 'boolean'], require: ['message', 'field_name'],
  debug: ['label', 'max_items'], pprint: [],
};

const OTHER = ['other'];
/** The built-in tests (tests.ts). */
export const testParams: Record<string, string[]> = {
  callable: [],
  defined: [],
  divisibleby: ['num'],
  eq: OTHER,
  equalto: OTHER,
  even: [],
  false: [],
  ge: OTHER,
  gt: OTHER,
  greaterthan: OTHER,
  in: ['seq'],
  iterable: [],
  le: OTHER,
  lower: [],
  lt: OTHER,
  lessthan: OTHER,
  mapping: [],
  ne: OTHER,
  none: [],
  number: [],
  odd: [],
  sameas: ['o'],
  sequence: [],
  string: [],
  true: [],
  undefined: [],
  upper: [],
  match: ['pattern'],
  hx_request: [],
  hx_target: ['target'],
  hx_boosted: [],
};

/** The Markdown-mode filters (markdown.ts). */
export const mdFilterParams: Record<string, string[]> = {
  badge: [],
  bold: [],
  code: [],
  codeblock: ['lang'],
  details: ['summary'],
  h1: [],
  h2: [],
  h3: [],
  h4: [],
  italic: [],
  link: ['url'],
  strike: [],
  table: ['headers'],
  escape: [],
  e: [],
  safe: ['reason'],
};

/** The filters only Markdown mode has (§4.3), for error messages. */
export const MARKDOWN_ONLY_FILTERS = ['badge', 'bold', 'code', 'codeblock', 'details', 'h1', 'h2', 'h3', 'h4', 'italic', 'link', 'strike', 'table'];

/** The built-in globals (globals.ts `builtinGlobals`). */
export const GLOBAL_NAMES: readonly string[] = [
  'range', 'dict', 'list', 'set', 'tuple', 'len', 'str', 'int', 'float', 'bool', 'abs', 'min', 'max', 'sum', 'sorted',
  'reversed', 'enumerate', 'zip', 'map', 'filter', 'consume', '_', '_n', 'hx_request', 'hx_target', 'hx_trigger',
  'hx_boosted', 'csrf_token', 'csp_nonce',
];

/** The Python methods attribute lookup resolves (`s.upper()`; methods.ts). */
export const METHOD_NAMES: readonly string[] = [
  'upper', 'lower', 'title', 'capitalize', 'swapcase', 'strip', 'lstrip', 'rstrip', 'split', 'rsplit', 'splitlines',
  'join', 'replace', 'startswith', 'endswith', 'find', 'rfind', 'index', 'rindex', 'count', 'format', 'isdigit',
  'isnumeric', 'isdecimal', 'isalpha', 'isalnum', 'isspace', 'isupper', 'islower', 'istitle', 'center', 'ljust',
  'rjust', 'zfill', 'partition', 'rpartition', 'removeprefix', 'removesuffix', 'encode', 'casefold', 'expandtabs',
  'append', 'extend', 'insert', 'pop', 'remove', 'sort', 'reverse', 'copy', 'clear', 'items', 'keys', 'values', 'get',
  'update', 'setdefault', 'popitem', 'add', 'discard', 'union', 'intersection', 'difference', 'issubset', 'issuperset',
];
