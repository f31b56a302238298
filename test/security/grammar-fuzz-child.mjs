// The child process of grammar-fuzz.test.ts: receives cases over IPC, renders each every way and
// sends back what each way gave, which promises went unhandled and which exceptions went uncaught
// (observed here, so that a death of the process is a finding, not the end of the test run).
// Imports dist/ (`npx tsc -p tsconfig.json`).
import { DictLoader, Environment } from '../../dist/compiler/environment.js';
import { TemplateError } from '../../dist/runtime/errors.js';

const MARK = '\u2603';
// Data text: each `<`, `"` and `'` sits between two MARKs, which no template text holds; so
// MARK-special-MARK in the output is a data special that was not escaped (grammar-fuzz.test.ts LEAK).
const M = (c) => `${MARK}${c}${MARK}`;
const STRINGS = [
  `a${M('<')}${M('"')}${M("'")}>b`, `x${M('<')}script>z`, `${M('<')}/p>`, `q${M('"')}onx=${M("'")}`, `a,${M('<')}b`, 'plain',
  `\ud800${M('<')}\udfff`, `{0.__proto__}${M('<')}`, `%s${M('<')}`, 'k', M('<').repeat(300) + 'z', `\u00e9${M('&')}amp;${M('<')}`,
];
const NUMBERS = [0, -0, 1, -1, 2.5, 1e308, NaN, Infinity, -Infinity, 2 ** 53 + 1, 1e-7, 10n ** 30n, 3n, 1e21, 0.1 + 0.2, -7];
const CONSTS = [null, undefined, true, false];

class Widget {
  k = `w${M('<')}`;
  #secret = 1;
  get name() { return `n${M('"')}`; }
  upper() { return `m${M("'")}`; }
  toString() { return `W${M('<')}`; }
}

/** Entries without those a later one of the same key replaces (a value made for them, and a promise in it, would be unreachable: the host's). */
const lastOfEachKey = (entries) => entries.filter(([k], i) => !entries.some(([k2], j) => j > i && k2 === k));
/** The value `r` describes (`nested`: inside another value). */
function build(r, nested = false) {
  switch (r.t) {
    case 'str': return STRINGS[r.i];
    case 'num': return NUMBERS[r.i];
    case 'const': return CONSTS[r.i];
    // (values made when read become getters where they sit, or are made now where none can go)
    case 'list': return unwrapLazy(r.of.map((x) => build(x, true)));
    case 'tuple': return Object.freeze(unwrapLazy(r.of.map((x) => build(x, true))));
    case 'set': return unwrapLazy(new Set(r.of.map((x) => build(x, true))));
    case 'map': return unwrapLazy(new Map(lastOfEachKey(r.of).map(([k, v]) => [k, build(v, true)])));
    case 'dict': {
      const o = {};
      for (const [k, v] of lastOfEachKey(r.of)) {
        let x = build(v, true);
        // (a getter's promise under `then` is read by JavaScript's own `await`, which no runtime can observe)
        if (k === 'then' && x && typeof x === 'object' && LAZY in x) (x = x[LAZY]()).catch(() => {});
        Object.defineProperty(o, k, { value: x, enumerable: true, writable: true, configurable: true });
      }
      return unwrapLazy(o);
    }
    case 'nullProto': return Object.assign(Object.create(null), { k: `np${M('<')}` });
    // Rejections are made when read, so that one the template never reads is not counted (it is the host's).
    case 'promise': return lazy(() => Promise.resolve(unwrapLazy(build(r.of, nested))));
    case 'thenable': return { then(ok) { ok(unwrapLazy(build(r.of, nested))); } };
    case 'fnPromise': return () => Promise.resolve(unwrapLazy(build(r.of, nested)));
    case 'fn': return () => unwrapLazy(build(r.of, true));
    case 'lazyProxy': return new Proxy({}, { get: (_, k) => (k === 'k' ? unwrapLazy(build(r.of, true)) : undefined) });
    case 'reject': return lazy(() => Promise.reject(rejection('rejected now', nested)));
    case 'rejectHandled': { const p = Promise.reject(rejection('rejected, handled', nested)); p.catch(() => {}); return p; }
    case 'rejectLater': return lazy(() => new Promise((_, no) => setTimeout(() => no(rejection('rejected later', nested)), 2)));
    case 'cls': return new Widget();
    case 'throwingGetter': return { get k() { throw new TypeError('getter throws'); }, get name() { throw new RangeError('getter throws'); }, x: 1 };
    case 'cyclic': { const a = { k: 'c' }; const b = [a]; a.self = a; a.list = b; b.push(b); return a; }
    case 'gen': return (function* () { yield `g${M('<')}`; yield 2; })();
    case 'date': return new Date(0);
    case 'bytes': return new Uint8Array([60, 34, 39]);
    case 'sym': return Symbol('s');
    default: throw new Error(`unknown recipe ${r.t}`);
  }
}
/** A rejection's reason; `nested` when its promise sits inside a value (only async templates observe those: docs/security.md). */
const rejection = (message, nested) => Object.assign(new Error(message), { nested });
/** A marker for a value made when read (see `context`). */
const LAZY = Symbol('lazy');
const lazy = (make) => ({ [LAZY]: make });

/** The render context: a value made when read is behind a getter (a rejection nobody reads is not the runtime's). */
/** The text of the case's templates, and whether the name being built appears in it. */
let mentioned = '';
let quiet = false;
function context(data) {
  const ctx = {};
  for (const [k, r] of Object.entries(data)) {
    if (k === 'deep') { ctx.deep = deepList(r.t === 'num' ? 3000 : 40); continue; }
    // (not a filter's, test's or attribute's name: `x | d("<")`, `x is odd`, `a.k`)
    quiet = !new RegExp(`(?<!(?:\\|>?|\\.|\\bis(?: not)?)\\s*)\\b${k}\\b`).test(mentioned);
    const v = build(r);
    if (v && typeof v === 'object' && LAZY in v) Object.defineProperty(ctx, k, { get: v[LAZY], enumerable: true });
    else ctx[k] = unwrapLazy(v);
  }
  return ctx;
}
/** Lazy values inside lists and dicts become getters too, or values made at once where a getter cannot go. */
function unwrapLazy(v, seen = new Set()) {
  if (!v || typeof v !== 'object' || seen.has(v)) return v;
  seen.add(v);
  if (LAZY in v) return v[LAZY]();
  if (Array.isArray(v) && !Object.isFrozen(v)) {
    for (let i = 0; i < v.length; i++) {
      const x = Object.getOwnPropertyDescriptor(v, i)?.value; // (not a getter's: reading it is the template's)
      // (made now, as a host's list of promises is: observed here when no template names the list,
      // which makes it the host's own; docs/security.md)
      if (x && typeof x === 'object' && LAZY in x) (v[i] = x[LAZY]()), quiet && v[i].catch(() => {});
      else unwrapLazy(x, seen);
    }
  } else if (Object.getPrototypeOf(v) === Object.prototype) {
    for (const k of Object.keys(v)) {
      const x = Object.getOwnPropertyDescriptor(v, k)?.value; // (not a getter's: reading it is the template's)
      if (x && typeof x === 'object' && LAZY in x) Object.defineProperty(v, k, { get: x[LAZY], enumerable: true });
      else unwrapLazy(x, seen);
    }
  } else if (v instanceof Set || v instanceof Map) {
    // (a Set or Map holds values: a lazy one is made now, and observed by nobody unless read)
    for (const [k, x] of v instanceof Map ? v : [...v].map((x) => [x, x])) if (x && typeof x === 'object' && LAZY in x) {
      const p = x[LAZY]();
      p.catch(() => {});
      if (v instanceof Map) v.set(k, p); else { v.delete(x); v.add(p); }
    }
  }
  return v;
}
const deepList = (n) => { let v = [`d${M('<')}`]; for (let i = 0; i < n; i++) v = [v]; return v; };

/** What one way of rendering gave: its text, or its error's class, code, template and line. */
async function run(f) {
  try {
    const r = await f();
    if (typeof r === 'string') return { text: r };
    let out = '';
    if (r && typeof r === 'object' && Symbol.asyncIterator in r) for await (const c of r) out += c;
    else for (const c of r) out += c;
    return { text: out };
  } catch (e) {
    const te = e instanceof TemplateError;
    return { error: { name: e?.name ?? typeof e, template: te, code: e?.code ?? null, templateName: e?.templateName ?? null, lineno: e?.lineno ?? null, message: String(e?.message ?? e).slice(0, 400) } };
  }
}

const unhandled = [];
process.on('unhandledRejection', (r) => unhandled.push(`unhandled rejection${r?.nested ? ' (nested)' : ''}: ${r?.name}: ${String(r?.message ?? r).slice(0, 200)}`));
process.on('uncaughtException', (e) => unhandled.push(`uncaught exception: ${e?.name}: ${String(e?.message ?? e).slice(0, 200)}`));
const tick = (ms) => new Promise((r) => setTimeout(r, ms));

/** The text of `main` and of the templates it includes or extends, directly or not. */
function reachable(templates) {
  const seen = new Set(['main']);
  for (let grew = true; grew; ) {
    grew = false;
    const text = [...seen].map((n) => templates[n]).join(' ');
    for (const n of Object.keys(templates)) if (!seen.has(n) && text.includes(`"${n}"`)) seen.add(n), (grew = true);
  }
  // (a raw block's text reads nothing, nor does text outside tags: `<p class>` does not name `p`)
  const code = [...seen].map((n) => templates[n]).join(' ').replace(/\{% raw %\}.*?\{% endraw %\}/gs, '');
  return (code.match(/\{\{.*?\}\}|\{%.*?%\}/gs) ?? []).join(' ');
}

async function runCase(c) {
  mentioned = reachable(c.templates);
  const env = new Environment({ loader: new DictLoader(c.templates), ...c.env });
  let t;
  try {
    t = env.getTemplate('main');
  } catch (e) {
    return { compile: { name: e?.name, template: e instanceof TemplateError, message: String(e?.message ?? e).slice(0, 400) } };
  }
  const ways = {
    render: () => t.render(context(c.data)),
    renderStream: () => t.renderStream(context(c.data)),
    renderAsync: () => t.renderAsync(context(c.data)),
    renderStreamAsync: () => t.renderStreamAsync(context(c.data)),
  };
  if (c.block) Object.assign(ways, {
    renderBlock: () => t.renderBlock('b', context(c.data)),
    renderBlockAsync: () => t.renderBlockAsync('b', context(c.data)),
    renderBlockStreamAsync: () => t.renderBlockStreamAsync('b', context(c.data)),
  });
  const results = {};
  // (each way's rejections apart: a sync way that finished read what it needed, and a nested
  // promise it never reached is the host's, docs/security.md; a rejection made with the data
  // rejects within 2 ms)
  for (const [way, f] of Object.entries(ways)) {
    results[way] = await run(f);
    await tick(5);
    if (unhandled.length) results[way].unhandled = unhandled.splice(0);
  }
  // An async stream left early: the rest of the render must not leave a rejection behind.
  try {
    const early = t.renderStreamAsync(context(c.data));
    await early.next();
    await early.return();
  } catch { /* (its error is the render's, counted above) */ }
  await tick(15);
  return { results, unhandled: unhandled.splice(0) };
}

process.on('message', async (c) => {
  const r = await runCase(c).catch((e) => ({ unhandled: [`the fuzzer's child failed: ${e?.stack ?? e}`] }));
  await tick(0);
  r.unhandled = [...(r.unhandled ?? []), ...unhandled.splice(0)];
  process.send(r);
});
process.send({ ready: true });
