// The Kida syntax tree. The parser produces it; analysis and code generation read it.
// Every node carries the 1-based line and 0-based column of its first token.

export interface Pos {
  line: number;
  col: number;
}
/** Where the keyword of a block's end tag starts: its source runs from its own keyword to there. */
export interface EndPos {
  endLine: number;
  endCol: number;
}

// ---------------------------------------------------------------- expressions

export type Expr =
  | Const
  | Name
  | ListLit
  | TupleLit
  | DictLit
  | Attr
  | Item
  | Slice
  | Call
  | Filter
  | Test
  | BinOp
  | UnaryOp
  | BoolOp
  | Compare
  | CondExpr
  | NullCoalesce
  | RangeExpr
  | ListComp
  | Await;

/** A literal. `isFloat` marks float literals (`1.0`) so they render as Python floats. */
export interface Const extends Pos {
  type: 'Const';
  value: string | number | bigint | boolean | null;
  isFloat?: boolean;
}
export interface Name extends Pos {
  type: 'Name';
  name: string;
}
export interface ListLit extends Pos {
  type: 'List';
  items: Expr[];
}
export interface TupleLit extends Pos {
  type: 'Tuple';
  items: Expr[];
}
export interface DictLit extends Pos {
  type: 'Dict';
  /** Keys are expressions: `{name: 1}` uses the value of `name`. */
  pairs: [Expr, Expr][];
}
/** `obj.name`, or `obj?.name` when optional. */
export interface Attr extends Pos {
  type: 'Attr';
  obj: Expr;
  name: string;
  optional: boolean;
}
/** `obj[key]`, or `obj?[key]` when optional. */
export interface Item extends Pos {
  type: 'Item';
  obj: Expr;
  key: Expr;
  optional: boolean;
}
/** `obj[start:stop:step]`, any part may be null. */
export interface Slice extends Pos {
  type: 'Slice';
  obj: Expr;
  start: Expr | null;
  stop: Expr | null;
  step: Expr | null;
  optional: boolean;
}
export interface Kwarg {
  name: string;
  value: Expr;
}
/** `func(args, k=v)`. */
export interface Call extends Pos {
  type: 'Call';
  func: Expr;
  args: Expr[];
  kwargs: Kwarg[];
}
/** One step of a filter chain: `value | name(args)`, `?|`, `|>` or `?|>`. */
export interface Filter extends Pos {
  type: 'Filter';
  value: Expr;
  name: string;
  args: Expr[];
  kwargs: Kwarg[];
  op: '|' | '?|' | '|>' | '?|>';
}
/** `value is [not] name(args)` or `value is name <literal>`. */
export interface Test extends Pos {
  type: 'Test';
  value: Expr;
  name: string;
  args: Expr[];
  kwargs: Kwarg[];
  negated: boolean;
}
export interface BinOp extends Pos {
  type: 'BinOp';
  op: '+' | '-' | '*' | '/' | '//' | '%' | '**' | '~';
  left: Expr;
  right: Expr;
}
export interface UnaryOp extends Pos {
  type: 'UnaryOp';
  op: '-' | '+' | 'not';
  operand: Expr;
}
export interface BoolOp extends Pos {
  type: 'BoolOp';
  op: 'and' | 'or';
  left: Expr;
  right: Expr;
}
export type CompareOp = '==' | '!=' | '<' | '<=' | '>' | '>=' | 'in' | 'not in' | 'is' | 'is not' | '===' | '!==';
/** Chained comparison `a < b < c`. `is`/`is not` only with a literal right side (`x is none`). */
export interface Compare extends Pos {
  type: 'Compare';
  left: Expr;
  ops: { op: CompareOp; right: Expr }[];
}
/** `body if test else orelse`; a missing else yields "". */
export interface CondExpr extends Pos {
  type: 'CondExpr';
  test: Expr;
  body: Expr;
  orelse: Expr | null;
}
/** `left ?? right`. */
export interface NullCoalesce extends Pos {
  type: 'NullCoalesce';
  left: Expr;
  right: Expr;
}
/** `start..stop` (inclusive) or `start...stop` (exclusive), optional `by step`. */
export interface RangeExpr extends Pos {
  type: 'Range';
  start: Expr;
  stop: Expr;
  inclusive: boolean;
  step: Expr | null;
}
/** `[elt for target in iter if cond]`. */
export interface ListComp extends Pos {
  type: 'ListComp';
  elt: Expr;
  target: Target;
  iter: Expr;
  cond: Expr | null;
}
export interface Await extends Pos {
  type: 'Await';
  value: Expr;
}

/** Assignment / loop targets: a name or a (possibly nested) tuple of targets. */
export type Target = NameTarget | TupleTarget;
export interface NameTarget extends Pos {
  type: 'NameTarget';
  name: string;
}
export interface TupleTarget extends Pos {
  type: 'TupleTarget';
  items: Target[];
}

// ---------------------------------------------------------------- statements

export type Node =
  | Data
  | Output
  | If
  | For
  | While
  | Break
  | Continue
  | SetStmt
  | With
  | WithIf
  | Match
  | Def
  | CallBlock
  | SlotStmt
  | YieldStmt
  | Import
  | FromImport
  | Include
  | Extends
  | Block
  | GlobalsBlock
  | Region
  | Embed
  | Capture
  | FilterBlock
  | Spaceless
  | Cache
  | Flush
  | Try
  | Defer
  | Provide
  | Push
  | StackStmt
  | Trans
  | TemplateDecl
  | NjkExtension;

/**
 * Where an output or statement stands, as compiler/html-context.ts reads it: `true` inside a
 * double-quoted attribute value on every path there (each `"` it writes is escaped); `'maybe'`
 * inside one on some path only (each `"` and `<` is escaped, which is safe in a value and in text).
 */
export type InAttr = true | 'maybe';
/** Literal text (also the verbatim body of `{% raw %}`). */
export interface Data extends Pos {
  type: 'Data';
  text: string;
}
export interface Output extends Pos {
  type: 'Output';
  expr: Expr;
  /** Inside a double-quoted attribute value (compiler/html-context.ts): a safe value's `"` is escaped. */
  inAttr?: InAttr;
}
/** `if`/`elif`/`else`; `unless c` is parsed as `if not (c)`. */
export interface If extends Pos {
  type: 'If';
  branches: { cond: Expr; body: Node[]; line: number }[];
  else_: Node[] | null;
}
export interface For extends Pos {
  type: 'For';
  target: Target;
  iter: Expr;
  /** Inline filter `for x in xs if cond`. */
  cond: Expr | null;
  body: Node[];
  /** `{% else %}` / `{% empty %}` body. */
  else_: Node[] | null;
  isAsync: boolean;
  /** Nunjucks compat: `{% asyncEach %}` / `{% asyncAll %}` (compiler/codegen/njk-async.ts). */
  njk?: 'each' | 'all';
}
export interface While extends Pos {
  type: 'While';
  cond: Expr;
  body: Node[];
}
export interface Break extends Pos {
  type: 'Break';
}
export interface Continue extends Pos {
  type: 'Continue';
}
/** `set`/`let`/`export`/`promote`, possibly several comma-separated assignments. */
export interface SetStmt extends Pos {
  type: 'Set';
  kind: 'set' | 'let' | 'export' | 'promote';
  assignments: { target: Target; value: Expr; coalesce: boolean }[];
}
/** Assignment form: `{% with x = 1, y = x %}`. */
export interface With extends Pos {
  type: 'With';
  bindings: { name: string; value: Expr }[];
  body: Node[];
}
/** Conditional form: `{% with expr [as target] %}…{% else %}…{% end %}`; no `as` binds `it`. */
export interface WithIf extends Pos {
  type: 'WithIf';
  /** More than one subject is an implicit tuple: every element must be truthy. */
  subjects: Expr[];
  targets: Target[];
  body: Node[];
  else_: Node[] | null;
}
export type Pattern =
  | { kind: 'wildcard' }
  | { kind: 'capture'; name: string }
  | { kind: 'value'; expr: Expr }
  | { kind: 'tuple'; items: Pattern[] };
/** `match` with one subject, several (implicit tuple), or none (guards only). */
export interface Match extends Pos {
  type: 'Match';
  subjects: Expr[] | null;
  cases: { pattern: Pattern; guard: Expr | null; body: Node[]; line: number }[];
}
export interface Param {
  name: string;
  /** Annotation text as written (`str | None`, `list[Item]`), for metadata and types. */
  annotation: string | null;
  default: Expr | null;
}
export interface Def extends Pos {
  type: 'Def';
  name: string;
  params: Param[];
  vararg: string | null;
  kwarg: string | null;
  body: Node[];
}
/** Parameterised block: callable as a function and renderable with renderBlock. */
export interface Region extends Pos, EndPos {
  type: 'Region';
  name: string;
  params: Param[];
  body: Node[];
}
/** `{% call f(args) %}` with its slot fills; everything outside `{% slot %}` fills `default`. */
export interface CallBlock extends Pos {
  type: 'CallBlock';
  /** Inside a double-quoted attribute value (compiler/html-context.ts): each `"` it writes is escaped. */
  inAttr?: InAttr;
  call: Expr;
  slots: { name: string; params: string[]; body: Node[] }[];
  /** Nunjucks compat: defaults of `{% call(x=1) f() %}`'s parameters (null where none). */
  callerDefaults?: (Expr | null)[];
}
/** Inside a def: `{% slot [name] [let:x=expr ...] %}[default body{% end %}]`. */
export interface SlotStmt extends Pos {
  type: 'Slot';
  /** Inside a double-quoted attribute value (compiler/html-context.ts): each `"` it writes is escaped. */
  inAttr?: InAttr;
  name: string;
  bindings: { name: string; value: Expr }[];
  /** Default content (only with let: bindings). */
  body: Node[] | null;
}
/** `{% yield [name] %}`: render the enclosing def's caller slot. */
export interface YieldStmt extends Pos {
  type: 'Yield';
  /** Inside a double-quoted attribute value (compiler/html-context.ts): each `"` it writes is escaped. */
  inAttr?: InAttr;
  name: string;
}
export interface Import extends Pos {
  type: 'Import';
  template: Expr;
  alias: string;
  withContext: boolean;
}
export interface FromImport extends Pos {
  type: 'FromImport';
  template: Expr;
  names: { name: string; alias: string }[];
  withContext: boolean;
}
export interface Include extends Pos {
  type: 'Include';
  /** Inside a double-quoted attribute value (compiler/html-context.ts): each `"` it writes is escaped. */
  inAttr?: InAttr;
  template: Expr;
  ignoreMissing: boolean;
  withContext: boolean;
}
export interface Extends extends Pos {
  type: 'Extends';
  template: Expr;
}
export type ModifierValue = string | number | boolean | null;
/** `block` (or `fragment`, which is skipped in full renders). */
export interface Block extends Pos, EndPos {
  type: 'Block';
  /** Inside a double-quoted attribute value (compiler/html-context.ts): each `"` it writes is escaped. */
  inAttr?: InAttr;
  name: string;
  body: Node[];
  cond: Expr | null;
  modifiers: Record<string, ModifierValue>;
  fragment: boolean;
}
/** `{% globals %}` / `{% imports %}`: runs inline and before renderBlock. */
export interface GlobalsBlock extends Pos {
  type: 'Globals';
  body: Node[];
}
export interface Embed extends Pos {
  type: 'Embed';
  /** Inside a double-quoted attribute value (compiler/html-context.ts): each `"` it writes is escaped. */
  inAttr?: InAttr;
  template: Expr;
  blocks: Block[];
  withContext: boolean;
}
export interface Capture extends Pos {
  type: 'Capture';
  name: string;
  body: Node[];
  /** Optional `| f(args)` applied to the captured text. */
  filter: { name: string; args: Expr[]; kwargs: Kwarg[] } | null;
}
export interface FilterBlock extends Pos {
  type: 'FilterBlock';
  /** Inside a double-quoted attribute value (compiler/html-context.ts): each `"` it writes is escaped. */
  inAttr?: InAttr;
  name: string;
  args: Expr[];
  kwargs: Kwarg[];
  body: Node[];
}
export interface Spaceless extends Pos {
  type: 'Spaceless';
  body: Node[];
}
export interface Cache extends Pos {
  type: 'Cache';
  /** Inside a double-quoted attribute value (compiler/html-context.ts): each `"` it writes is escaped. */
  inAttr?: InAttr;
  key: Expr;
  ttl: Expr | null;
  depends: Expr[];
  body: Node[];
}
export interface Flush extends Pos {
  type: 'Flush';
}
export interface Try extends Pos {
  type: 'Try';
  body: Node[];
  /** Name bound to the error dict in the fallback, if any. */
  errName: string | null;
  fallback: Node[];
}
/**
 * `{% defer a = x %}…{% placeholder %}…{% fallback err %}…{% end %}` (an extension: compiler/defer.ts).
 * The part is held as the `{% try %}{% with a = x %}…{% end %}{% fallback err %}…{% end %}` it renders
 * like, so passes that know `try` and `with` see its bindings and error name.
 */
export interface Defer extends Pos {
  type: 'Defer';
  body: [Try & { body: [With] }];
  placeholder: Node[];
  /** No `{% fallback %}` branch: a failed part keeps its placeholder. */
  keep: boolean;
}
/** A Nunjucks extension's tag (compat 'nunjucks': compiler/nunjucks/extensions.ts). */
export interface NjkExtension extends Pos {
  type: 'NjkExtension';
  /** Inside a double-quoted attribute value (compiler/html-context.ts): each `"` it writes is escaped. */
  inAttr?: InAttr;
  /** The name the extension was added under. */
  ext: string;
  method: string;
  args: Expr[];
  kwargs: Kwarg[];
  /** Content arguments: parsed bodies, or null. */
  bodies: (Node[] | null)[];
  /** nodes.CallExtensionAsync: the method takes a trailing `(err, result)` callback. */
  async?: boolean;
  /** The extension's `autoescape` (false: its result is output unescaped, as Nunjucks does). */
  autoescape?: boolean;
}
export interface Provide extends Pos {
  type: 'Provide';
  key: string;
  value: Expr;
  body: Node[];
}
export interface Push extends Pos {
  type: 'Push';
  stack: string;
  body: Node[];
}
export interface StackStmt extends Pos {
  type: 'Stack';
  /** Inside a double-quoted attribute value (compiler/html-context.ts): each `"` it writes is escaped. */
  inAttr?: InAttr;
  name: string;
}
/** `{% trans %}`: message ids are whitespace-normalised with `%(name)s` placeholders. */
export interface Trans extends Pos {
  type: 'Trans';
  /** Inside a double-quoted attribute value (compiler/html-context.ts): each `"` it writes is escaped. */
  inAttr?: InAttr;
  bindings: { name: string; value: Expr }[];
  singular: string;
  plural: string | null;
}
/** `{% template name: Type, ... %}` context declaration (renders nothing). */
export interface TemplateDecl extends Pos {
  type: 'TemplateDecl';
  decls: { name: string; annotation: string }[];
}

export interface TemplateAst {
  name: string | null;
  body: Node[];
}
