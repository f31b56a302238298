// Small helpers that generated code calls for things an expression cannot say inline:
// guarded evaluation, name lookup, optional chaining, comprehensions, error boundaries.

import { PyError, SecurityError, TemplateError, TemplateRuntimeError, UndefinedError } from './errors.js';
import { Markup } from './markup.js';
import { inAmb } from './output.js';
import { Kwargs, PyFloat, Range, Tuple, UNDEF, callValue, getattr, isDict, dictHas, pyStr, truthy, eq, assertSafeName, setKey, observe } from './values.js';
import { locate, overflowPasses, undefinedName, type Ctx, type SourceOf } from './template.js';
import { DATA, GLOBALS, find } from './context.js';
export { DATA, ld } from './context.js';

/** A bare name: the scope chain (block scopes → ctx), the data, the globals (runtime/context.ts), else UndefinedError. */
export function lk(c: Ctx, name: string): unknown {
  const v = c[name];
  return v !== undefined || name in c ? v : find(c, name, undefinedName);
}

/** `lk` for a name the template declares as a top-level def or region (read before that ran). */
export function lkDecl(c: Ctx, name: string): unknown {
  const v = c[name];
  if (v !== undefined || name in c) return v;
  return find(c, name, () =>
    undefinedName(
      name,
      c,
      `Did you declare {% region ${name} %} (or {% def ${name} %}) at the top level of the template? A def or region exists once its declaration has run, and renderBlock sees only top-level ones.`,
    ),
  );
}

/**
 * `lk`/`lkg` for a name Object.prototype has (`constructor`, `toString`, `__proto__`; the
 * compiler knows which): only a scope's own key counts, so a context whose chain ends in
 * Object.prototype (user globals) never yields its members.
 */
export function lkOwn(c: Ctx, name: string, guarded?: boolean): unknown {
  for (let o: object | null = c; o; o = Object.getPrototypeOf(o)) if (Object.hasOwn(o, name)) return (o as Ctx)[name];
  const d = (c as { [DATA]: Ctx })[DATA];
  if (Object.hasOwn(d, name)) return observe(d[name]);
  for (let o: object | null = (c as { [GLOBALS]?: Ctx })[GLOBALS] ?? null; o && o !== Object.prototype; o = Object.getPrototypeOf(o))
    if (Object.hasOwn(o, name)) return (o as Ctx)[name];
  return guarded ? UNDEF : undefinedName(name, c);
}

/** A bare name inside a guard (`is defined`, `default`, `??`): missing gives UNDEF. */
export function lkg(c: Ctx, name: string): unknown {
  const v = c[name];
  return v !== undefined || name in c ? v : find(c, name, undef);
}
/** What a missing name is under a guard (compiled code passes it to `ld`). */
export const undef = () => UNDEF;


/** Evaluates a guarded operand: an UndefinedError anywhere inside it gives UNDEF. */
export function guard(f: () => unknown): unknown {
  try {
    return f();
  } catch (e) {
    if (e instanceof UndefinedError) return UNDEF;
    throw e;
  }
}
export async function guardA(f: () => Promise<unknown>): Promise<unknown> {
  try {
    return await f();
  } catch (e) {
    if (e instanceof UndefinedError) return UNDEF;
    throw e;
  }
}

/** True when a guarded value is missing: None or the undefined sentinel. */
export function missing(v: unknown): boolean {
  return v == null || v === UNDEF;
}

/** `a ?| f` and `a ?|> f`: only None short-circuits. */
export function nn<T>(v: unknown, f: (v: unknown) => T): T | null {
  return v == null ? null : f(v);
}

/** `a..b`, `a...b`, `by step`: a Python range over ints. */
export function range(start: unknown, stop: unknown, inclusive: boolean, step: unknown): Range {
  const a = intArg(start);
  const b = intArg(stop);
  const s = step === undefined ? 1 : intArg(step);
  if (s === 0) throw new PyError('ValueError', 'range() arg 3 must not be zero');
  return new Range(a, inclusive ? (s > 0 ? b + 1 : b - 1) : b, s);
}
function intArg(v: unknown): number {
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'bigint') return Number(v);
  const t = v == null ? 'NoneType' : v instanceof PyFloat || typeof v === 'number' ? 'float' : typeof v === 'string' ? 'str' : 'object';
  throw new PyError('TypeError', `'${t}' object cannot be interpreted as an integer`);
}

/** A dict literal: a null-prototype object when every key is a string, else a Map. */
export function dict(pairs: [unknown, unknown][]): unknown {
  if (pairs.every(([k]) => typeof k === 'string' || k instanceof Markup)) {
    const o: Record<string, unknown> = Object.create(null);
    for (const [k, v] of pairs) o[String(k)] = v;
    return o;
  }
  const m = new Map<unknown, unknown>();
  for (const [k, v] of pairs) {
    let found = false;
    for (const key of m.keys())
      if (eq(key, k)) {
        m.set(key, v);
        found = true;
        break;
      }
    if (!found) m.set(typeof k === 'object' && k instanceof Markup ? String(k) : k, v);
  }
  return m;
}

/** `obj.name(args)`: methods keep their receiver. */
export function callAttr(obj: unknown, name: string, strict: boolean, args: unknown[]): unknown {
  return callValue(getattr(obj, name, strict), args);
}

/** `obj?.name(args)`: skipped (undefined sentinel) when obj is None or a mapping without the name. */
export function callAttrOpt(obj: unknown, name: string, strict: boolean, args: unknown[]): unknown {
  if (obj == null || obj === UNDEF) return UNDEF;
  if (isDict(obj)) {
    assertSafeName(name);
    if (!dictHas(obj, name)) {
      const m = getattr(obj, name, false);
      if (m === UNDEF || m === undefined) return UNDEF;
      return callValue(m, args);
    }
  }
  return callValue(getattr(obj, name, strict), args);
}

/** `x is <literal>`: Python identity against a constant. */
export function same(a: unknown, b: unknown): boolean {
  if (b === null) return a == null;
  if (typeof b === 'number' || typeof b === 'string') return typeof a === typeof b && a === b;
  return a === b;
}

/** Match patterns: a sequence (list or tuple, not a string) of exactly n items. */
export function isSeqOf(v: unknown, n: number): v is unknown[] {
  return Array.isArray(v) && v.length === n;
}

/** Errors that `{% try %}` catches: undefined names, runtime errors, Python TypeError/ValueError. */
export function catchable(e: unknown, R?: { depth: number }): boolean {
  if (passes(e, R)) return false;
  if (e instanceof PyError) return e.pyType === 'TypeError' || e.pyType === 'ValueError';
  if (e instanceof UndefinedError || e instanceof TemplateRuntimeError) return true;
  if (e instanceof TemplateError) return false;
  return e instanceof TypeError || isOverflow(e); // (a stack overflow too, outside counted defs)
}

/**
 * Depth errors pass the `try` blocks inside the recursion that raised them (a fallback
 * retrying at every level would take exponential time): a def's recursion limit until it
 * leaves the outermost call (its `unwinding`), a stack overflow while counted defs are on the
 * stack, the include-depth limit inside included templates (`R`, the render state at the try).
 */
const isOverflow = (e: unknown): boolean => e instanceof RangeError && /call stack/i.test(e.message);
function passes(e: unknown, R?: { depth: number }): boolean {
  if (isOverflow(e) || isOverflow((e as Error | null)?.cause)) return overflowPasses();
  if (!(e instanceof TemplateError)) return false;
  return e.unwinding ? e.unwinding() : e.code === 'K-RUN-006' && R !== undefined && R.depth > 0;
}

/** The `err` dict bound by `{% fallback err %}`. */
export function errorInfo(e: unknown, templateName: string, line: number, env?: SourceOf): Record<string, unknown> {
  if (e instanceof TemplateError) locate(e, templateName, line, env);
  const err = e as Partial<TemplateError> & { name?: string; pyType?: string };
  const o: Record<string, unknown> = Object.create(null);
  // (the full formatted text, as the reference's str(e); a Python exception's is its bare message)
  o.message = e instanceof PyError ? e.pyMessage : (err.message ?? String(e));
  o.type = err.pyType ?? err.name ?? 'Error';
  o.template = err.templateName ?? templateName;
  o.line = err.lineno ?? line;
  return o;
}

/** Saves ctx bindings that `with` overrides, to restore them afterwards. */
export function save(ctx: Ctx, names: string[]): [string, boolean, unknown][] {
  return names.map((n) => [n, Object.hasOwn(ctx, n), ctx[n]]);
}
export function restore(ctx: Ctx, saved: [string, boolean, unknown][]): void {
  for (let i = saved.length - 1; i >= 0; i--) {
    const [n, had, v] = saved[i]!;
    if (had) ctx[n] = v;
    else delete ctx[n];
  }
}

/** A scope with extra bindings on top (scoped slots, region params). */
export function bind(scope: Ctx, bindings: Ctx | null | undefined): Ctx {
  if (!bindings) return scope;
  const c = Object.create(scope) as Ctx;
  for (const k of Object.keys(bindings)) setKey(c, k, bindings[k]);
  return c;
}

/** Joins an async chunk stream into one string (buffered constructs in async renders). */
export async function collect(chunks: AsyncIterable<string>): Promise<string> {
  let out = '';
  for await (const c of chunks) out += c;
  return out;
}

/** Assignment targets write computed keys; reject names that could reach prototypes. */
export function safeKey(name: string): string {
  if (name === '__proto__' || name === 'constructor' || name === 'prototype')
    throw new SecurityError(`Access to '${name}' is not allowed in templates`);
  return name;
}

/** Keyword arguments a built-in filter or test does not take. */
export function badKwarg(fn: string, name: string): never {
  throw new PyError('TypeError', `${fn}() got an unexpected keyword argument '${name}'`);
}

/** `await` in a place that renders synchronously (a def body). */
export function noAwait(): never {
  throw new TemplateRuntimeError('await is not supported inside {% def %} bodies, which render synchronously');
}

/** Translation functions a linkage may carry (`env.installTranslations`). */
export interface Translations {
  gettext(message: string): string;
  ngettext(singular: string, plural: string, n: number): string;
}
export function gettext(env: { translations?: Translations }, message: string): string {
  return env.translations ? env.translations.gettext(message) : message;
}
export function ngettext(env: { translations?: Translations }, singular: string, plural: string, n: unknown): string {
  const count = typeof n === 'number' ? n : Number(n);
  return env.translations ? env.translations.ngettext(singular, plural, count) : count === 1 ? singular : plural;
}

// (a tag's name, end tags' too: their quoted values are read as a start tag's)
const TAG_NAME = /(\/?)([a-z][^\s/>]*)/iy;
const RAW_TEXT = /^(script|style|textarea|title|xmp|iframe|noembed|noframes|plaintext|noscript)$/;
// (script data's escapes: `<!--<script>` hides a `</script>` until `</script>` or `-->`; s19)
const SCRIPT_TOKEN = /<!--|-->|<(\/?)script[\t\n\f\r />]/gi;
const space = (c: string): boolean => c === ' ' || c === '\t' || c === '\n' || c === '\f' || c === '\r';
/** Where a raw-text element opened by tag `name` ends (its end tag's `<`), else `from`. */
function rawEnd(msg: string, from: number, name: string): number {
  if (!RAW_TEXT.test(name)) return from;
  if (name === 'script') {
    let esc = 0; // 1 escaped (after `<!--`), 2 double-escaped (then `<script`)
    SCRIPT_TOKEN.lastIndex = from;
    for (let m; (m = SCRIPT_TOKEN.exec(msg)); ) {
      if (m[0] === '<!--') (esc ||= 1), (SCRIPT_TOKEN.lastIndex = m.index + 2); // (`<!-->` ends at once)
      else if (m[0] === '-->') esc = 0;
      else if (m[1]) {
        if (esc < 2) return m.index;
        esc = 1;
      } else if (esc === 1) esc = 2;
    }
    return msg.length;
  }
  const end = new RegExp(`</${name}[\\s/>]`, 'ig');
  end.lastIndex = from;
  return end.exec(msg)?.index ?? msg.length;
}
/** The end of a comment (`<!--` to `-->` or `--!>`, or `<!-->`/`<!--->`) or bogus comment (`<!x`, `<?`, `</3`: to `>`) at `i`. */
function commentEnd(msg: string, i: number): number {
  if (!msg.startsWith('<!--', i)) {
    const end = msg.indexOf('>', i);
    return end < 0 ? msg.length : end + 1;
  }
  const a = msg.indexOf('-->', i + 2);
  const b = msg.indexOf('--!>', i + 2);
  const end = a < 0 ? b : b < 0 || a < b ? a : b;
  return end < 0 ? msg.length : end + (end === a ? 3 : 4);
}
/**
 * Whether offset `at` of a translation is inside a "-quoted attribute value, read as a browser's
 * tokenizer reads it (compiler/html-context.ts's states). Called with rising offsets: one pass.
 */
function dqScan(msg: string, noscriptRaw: boolean): (at: number) => boolean {
  // (0 text, 1 tag, 2 "-value, 3 '-value, 4 unquoted value; `named`: an attribute name is open)
  let i = 0, state = 0, tag = '', named = false, eq = false;
  return (at) => {
    for (; i < at; i++) {
      const c = msg[i]!;
      if (state === 2 || state === 3) state = c === (state === 2 ? '"' : "'") ? 1 : state;
      else if (state === 4) c === '>' ? (i--, (state = 1)) : space(c) && (state = 1);
      else if (state === 1) {
        if (c === '>') (i = (tag === 'noscript' && !noscriptRaw ? i + 1 : rawEnd(msg, i + 1, tag)) - 1), (state = 0);
        else if (eq) space(c) || ((eq = false), (state = c === '"' ? 2 : c === "'" ? 3 : 4));
        else if (c === '=') named ? ((eq = true), (named = false)) : (named = true); // (`<a ="` names an attribute)
        else if (c === '/') named = false;
        else if (!space(c)) named = true;
      } else if (c === '<') {
        TAG_NAME.lastIndex = i + 1;
        const m = TAG_NAME.exec(msg);
        if (m) (state = 1), (tag = m[1] ? '/' : m[2]!.toLowerCase()), (named = eq = false), (i += m[0].length);
        else if (/[!?/]/.test(msg[i + 1] ?? '')) i = commentEnd(msg, i) - 1;
      }
    }
    return state === 2;
  };
}
/** Python-style string for `{% trans %}` bindings and the `_` global. */
export function transFormat(msg: string, vars: Ctx, escapeOn: boolean, esc: (v: unknown) => string): string {
  // (own bindings only: a translated `%(constructor)s` is a missing name, not Object)
  const get = (n: string) => (Object.hasOwn(vars, n) ? vars[n] : undefined);
  // A safe value (tojson) in a "-quoted value of the message's markup writes `"` as &quot;, as
  // an output there does (inDq): the scan reads the message once, up to the placeholders it asks.
  // (`<noscript>` is raw text with scripting on, markup without: where the two readings differ,
  // the value is written as an output the compiler finds on two paths is, inAmb)
  let raw: ((at: number) => boolean) | undefined, markup: ((at: number) => boolean) | undefined | null;
  const quoted = (at: number, t: string): string => {
    const a = (raw ??= dqScan(msg, true))(at);
    if (markup === undefined) markup = /<noscript/i.test(msg) ? dqScan(msg, false) : null;
    const b = markup ? markup(at) : a;
    return a !== b ? inAmb(t) : a ? t.replace(/"/g, '&quot;') : t;
  };
  // (one pass, as Python's %: the `%` of a `%%` never starts a placeholder)
  // (escaped plain text holds no `"`: only a value that does is placed by the scan)
  return msg.replace(/%%|%\((\w+)\)s/g, (m, n: string | undefined, at: number) => {
    if (n === undefined) return '%';
    if (!escapeOn) return pyStr(get(n));
    const t = esc(get(n));
    return t.includes('"') ? quoted(at, t) : t;
  });
}

export { Kwargs, Tuple, UNDEF, truthy };

/** Too many positional arguments for a built-in filter or test. */
export function badArgs(fn: string, max: number, given: number): never {
  throw new PyError('TypeError', `${fn}() takes at most ${max + 1} positional arguments (${given + 1} given)`);
}
